/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* test_systemd.c - lchatd under systemd (issue 14): the sd_notify
 * datagrams of Type=notify (READY=1, RELOADING=1, STATUS=), lchat-admin
 * reload failing visibly on a bad configuration (ExecReload=), and the
 * journald line format ("<N>" priority, no timestamp). systemd is played
 * by the test: a datagram socket named by NOTIFY_SOCKET, and
 * JOURNAL_STREAM naming the daemon's stderr. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness.h"
#include "runcmd.h"

static void set_notify_socket(const struct lchatd *d, void *arg)
{
	(void)d;
	if (setenv("NOTIFY_SOCKET", arg, 1) < 0)
		_exit(120);
}

/* The next datagram (within TC_TIMEOUT), NUL-terminated into buf. */
static const char *next_notice(int fd, char *buf, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	ck_assert_msg(poll(&p, 1, TC_TIMEOUT) == 1, "no sd_notify datagram came");
	ssize_t n = recv(fd, buf, len - 1, 0);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	return buf;
}

START_TEST(test_notify_ready_reload)
{
	char dir[] = "/tmp/lchat-notify.XXXXXX", path[128], buf[1024];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);

	lchatd_set_exec_hook(set_notify_socket, path);
	struct lchatd *d = lchatd_start("");
	lchatd_set_exec_hook(NULL, NULL);
	const char *m = next_notice(fd, buf, sizeof(buf));
	ck_assert_msg(strstr(m, "READY=1") && strstr(m, "STATUS=serving"), "%s", m);

	/* ExecReload=lchat-admin reload: told as RELOADING=1, then READY=1. */
	struct cmd_result r;
	struct cmd_opts none = { 0 };
	char *reload[] = { (char *)lchat_admin_exe(), "-c", d->conf, "reload", NULL };
	ck_assert_msg(run_cmd(&r, &none, reload) == 0, "reload: %s", r.err);
	cmd_result_free(&r);
	m = next_notice(fd, buf, sizeof(buf));
	ck_assert_msg(strstr(m, "RELOADING=1") && strstr(m, "MONOTONIC_USEC="), "%s", m);
	m = next_notice(fd, buf, sizeof(buf));
	ck_assert_msg(strstr(m, "READY=1"), "%s", m);

	/* A bad configuration: systemctl reload must fail, with the reason. */
	FILE *f = fopen(d->conf, "a");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "admin_group = \"nosuchgroup\"\n");
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_ne(run_cmd(&r, &none, reload), 0);
	ck_assert_msg(strstr(r.err, "nosuchgroup"), "reload: %s", r.err);
	cmd_result_free(&r);

	lchatd_signal(d, SIGTERM);
	m = next_notice(fd, buf, sizeof(buf));
	ck_assert_msg(strstr(m, "STOPPING=1"), "%s", m);
	lchatd_stop_ok(d);
	close(fd);
	remove_tree(dir);
}
END_TEST

static void set_journal_stream(const struct lchatd *d, void *arg)
{
	struct stat st;
	char v[64];

	(void)d;
	(void)arg;
	if (fstat(STDERR_FILENO, &st) < 0)
		_exit(120);
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	if (setenv("JOURNAL_STREAM", v, 1) < 0)
		_exit(121);
}

START_TEST(test_journald_lines)
{
	lchatd_set_exec_hook(set_journal_stream, NULL);
	struct lchatd *d = lchatd_start("");
	lchatd_set_exec_hook(NULL, NULL);
	/* notice is 5, err 3; no timestamp before the ident. */
	ck_assert(lchatd_log_has(d, "^<5>lchatd\\[[0-9]+\\]: notice: ready", TC_TIMEOUT));
	struct cmd_result r;
	struct cmd_opts none = { 0 };
	FILE *f = fopen(d->conf, "a");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "admin_group = \"nosuchgroup\"\n");
	ck_assert_int_eq(fclose(f), 0);
	char *reload[] = { (char *)lchat_admin_exe(), "-c", d->conf, "reload", NULL };
	ck_assert_int_ne(run_cmd(&r, &none, reload), 0);
	cmd_result_free(&r);
	ck_assert(lchatd_log_has(d, "^<3>lchatd\\[[0-9]+\\]: error: reload .*nosuchgroup", TC_TIMEOUT));
	ck_assert(!lchatd_log_has(d, "^[0-9]{4}-", 0));
	lchatd_stop_ok(d);
}
END_TEST

int main(void)
{
	struct harness_case cases[] = {
		{ "notify_ready_reload", test_notify_ready_reload, 60 },
		{ "journald_lines", test_journald_lines, 60 },
	};
	return harness_run(harness_suite("systemd", cases, HARNESS_NCASES(cases)));
}
