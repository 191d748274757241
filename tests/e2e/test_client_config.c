/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* test_client_config.c - lchat and lchat-admin read only the options they
 * use from the config file (the socket paths, and `user`, the daemon's
 * user they trust: test_server_identity): a value the daemon would
 * refuse, or an option they do not know, is the daemon's business, and
 * both still reach the running room (issue 15, point 5). A file that does
 * not parse at all, or a bad socket path, still stops them with exit 3. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "runcmd.h"

static const struct cmd_opts none;

/* A config naming the daemon's sockets, plus daemon-only trouble. */
static void bad_daemon_options(const struct lchatd *d, const char *path, const char *extra)
{
	write_config_file(path, "daemon-only options the clients must not mind", d->sock,
			  d->ctl, d->state, extra);
}

START_TEST(test_daemon_only_problems_ignored)
{
	struct lchatd *d = lchatd_start("");
	char conf[PATH_MAX + 32];
	struct cmd_result r;
	struct cmd_opts o = { .input = "sent despite the config\n" };

	snprintf(conf, sizeof(conf), "%s/clients.conf", d->dir);
	bad_daemon_options(d, conf, "rate_limit = 0\nhistory = lots\nfrobnicate = 1\n"
			   "state_dir = \"relative\"\n");
	struct tclient *watch = tc_connect(d->sock);
	tc_join(watch, "watcher");

	/* lchat in pipe mode, with only -c: the socket comes from the file. */
	char *lchat[] = { (char *)lchat_exe(), "-c", conf, "-n", "piper", NULL };
	ck_assert_int_eq(run_cmd(&r, &o, lchat), 0);
	ck_assert_msg(r.err[0] == '\0' || !strstr(r.err, "rate_limit"), "stderr: %s", r.err);
	cmd_result_free(&r);
	tc_expect(watch, "EV [0-9]+ [0-9]+ JOIN piper ", TC_TIMEOUT);
	tc_expect(watch, "EV [0-9]+ [0-9]+ MSG piper sent despite the config$", TC_TIMEOUT);

	char *admin[] = { (char *)lchat_admin_exe(), "-c", conf, "ping", NULL };
	ck_assert_msg(run_cmd(&r, &none, admin) == 0, "lchat-admin: %d: %s", r.code, r.err);
	cmd_result_free(&r);

	/* The daemon itself refuses such a file. */
	char *daemon[] = { (char *)lchatd_exe(), "-n", "-c", conf, NULL };
	ck_assert_int_ne(run_cmd(&r, &none, daemon), 0);
	ck_assert_msg(strstr(r.err, "rate_limit"), "lchatd -t: %s", r.err);
	cmd_result_free(&r);

	tc_close(watch);
	lchatd_stop_ok(d);
}
END_TEST

START_TEST(test_unreadable_still_an_error)
{
	struct lchatd *d = lchatd_start("");
	char conf[PATH_MAX + 32];
	struct cmd_result r;

	snprintf(conf, sizeof(conf), "%s/clients.conf", d->dir);
	bad_daemon_options(d, conf, "max_users = = 3\n");
	char *lchat[] = { (char *)lchat_exe(), "-c", conf, "-n", "piper", NULL };
	ck_assert_int_eq(run_cmd(&r, &none, lchat), 3);
	ck_assert_msg(strstr(r.err, conf), "stderr: %s", r.err);
	cmd_result_free(&r);

	bad_daemon_options(d, conf, "socket = \"relative.sock\"\n");
	char *admin[] = { (char *)lchat_admin_exe(), "-c", conf, "ping", NULL };
	ck_assert_int_eq(run_cmd(&r, &none, admin), 3);
	ck_assert_msg(strstr(r.err, "socket"), "stderr: %s", r.err);
	cmd_result_free(&r);
	lchatd_stop_ok(d);
}
END_TEST

int main(void)
{
	const struct harness_case cases[] = {
		{ "daemon_only_problems_ignored", test_daemon_only_problems_ignored, 60 },
		{ "unreadable_still_an_error", test_unreadable_still_an_error, 60 },
	};

	return harness_run(harness_suite("client_config", cases, HARNESS_NCASES(cases)));
}
