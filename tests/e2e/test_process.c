/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* test_process.c - lchatd as a set of processes: start-up and readiness,
 * configuration errors, socket safety, a second instance, process titles
 * and the process tree, many clients at once, crash recovery and restart,
 * shutdown, and what each process holds. */
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "procs.h"

#define EV "EV [0-9]+ [0-9]+ "

/* ---- helpers -------------------------------------------------------------- */

static bool path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Line number (1-based) of the first line of file containing needle. */
static int line_of(const char *file, const char *needle)
{
	char line[1024];
	int n = 0;
	FILE *f = fopen(file, "re");

	ck_assert_msg(f != NULL, "cannot read %s", file);
	while (fgets(line, sizeof(line), f)) {
		n++;
		if (strstr(line, needle)) {
			fclose(f);
			return n;
		}
	}
	fclose(f);
	ck_abort_msg("%s has no line with '%s'", file, needle);
	return 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	ck_assert_msg(f != NULL, "cannot write %s: %s", path, strerror(errno));
	fputs(text, f);
	ck_assert(fclose(f) == 0);
}

static char *read_file(const char *path, char *buf, size_t len)
{
	ck_assert_msg(read_small(path, buf, len), "cannot read %s: %s", path, strerror(errno));
	return buf;
}

/* The whole /proc/PID/cmdline is the title followed by NUL bytes only:
 * nothing of the original command line shows through in ps. */
static void check_title(pid_t pid, const char *title)
{
	char path[64], buf[8192];
	size_t tl = strlen(title);
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "process %d is gone", (int)pid);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	ck_assert_msg(n >= (ssize_t)tl && memcmp(buf, title, tl) == 0 &&
		      (n == (ssize_t)tl || buf[tl] == '\0' || buf[tl] == ' '),
		      "process %d: title is '%.*s', expected '%s'", (int)pid,
		      (int)(n > 0 ? (n > 200 ? 200 : n) : 0), buf, title);
	for (ssize_t i = (ssize_t)tl; i < n; i++)
		if (buf[i] != '\0' && buf[i] != ' ') {
			for (ssize_t j = 0; j < n; j++)
				if (buf[j] == '\0')
					buf[j] = ' ';
			buf[n < (ssize_t)sizeof(buf) ? n : (ssize_t)sizeof(buf) - 1] = '\0';
			ck_abort_msg("process %d: cmdline has more than the title '%s': '%.300s'",
				     (int)pid, title, buf);
		}
}

static void check_comm(pid_t pid, const char *want)
{
	char comm[64];

	ck_assert_msg(proc_comm(pid, comm, sizeof(comm)), "process %d is gone", (int)pid);
	ck_assert_msg(strcmp(comm, want) == 0, "process %d: comm is '%s', expected '%s'",
		      (int)pid, comm, want);
}

/* A handler holds exactly: 0-2 (each one of std_ok[]), 3 = the client
 * socket, 4 = the fan-out writer's eventfd, a signalfd and its main loop's
 * epoll set. Returns the inode text of its socket. */
static void check_handler_fds(pid_t h, const char *const *std_ok, int nstd_ok,
			      char *sock_out, size_t sock_len)
{
	int fds[64];
	char targets[64][256], all[2048] = "";
	int n = proc_fds(h, fds, targets, 64);
	size_t used = 0;
	int signalfds = 0;

	ck_assert_msg(n >= 0, "handler %d is gone", (int)h);
	for (int i = 0; i < n; i++)
		used += (size_t)snprintf(all + used, sizeof(all) - used, " %d->%s",
					 fds[i], targets[i]);
	ck_assert_msg(n == 7, "handler %d has %d descriptors, expected 0-4, a signalfd "
		      "and an epoll set:%s",
		      (int)h, n, all);
	for (int i = 0; i < 3; i++) {
		bool ok = false;

		ck_assert_msg(fds[i] == i, "handler %d: descriptor %d is not open:%s",
			      (int)h, i, all);
		for (int k = 0; k < nstd_ok; k++)
			ok = ok || strcmp(targets[i], std_ok[k]) == 0;
		ck_assert_msg(ok, "handler %d: descriptor %d is %s:%s", (int)h, i, targets[i], all);
	}
	ck_assert_msg(fds[3] == 3 && strncmp(targets[3], "socket:[", 8) == 0,
		      "handler %d: descriptor 3 is not the client socket:%s", (int)h, all);
	ck_assert_msg(fds[4] == 4 && strcmp(targets[4], "anon_inode:[eventfd]") == 0,
		      "handler %d: descriptor 4 is not the writer's eventfd:%s", (int)h, all);
	for (int i = 0; i < n; i++)
		signalfds += strcmp(targets[i], "anon_inode:[signalfd]") == 0;
	ck_assert_msg(signalfds == 1 && strcmp(targets[5], "anon_inode:[signalfd]") == 0,
		      "handler %d: expected a signalfd after the eventfd:%s", (int)h, all);
	ck_assert_msg(strcmp(targets[6], "anon_inode:[eventpoll]") == 0,
		      "handler %d: expected its epoll set after the signalfd:%s", (int)h, all);
	if (sock_out)
		snprintf(sock_out, sock_len, "%s", targets[3]);
}

/* No descriptor of pid is the socket `sock` ("socket:[inode]"). */
static void check_not_holding(pid_t pid, const char *sock, const char *what)
{
	int fds[256];
	char (*targets)[256] = calloc(256, 256);
	int n;

	ck_assert(targets != NULL);
	n = proc_fds(pid, fds, targets, 256);
	for (int i = 0; i < n; i++)
		ck_assert_msg(strcmp(targets[i], sock) != 0, "%s %d holds %s as descriptor %d",
			      what, (int)pid, sock, fds[i]);
	free(targets);
}

/* fds 0-2 of pid are /dev/null; no controlling terminal; cwd is /. */
/* No descriptor of pid refers to path. */
static void check_no_fd_to(pid_t pid, const char *path, const char *what)
{
	static int fds[256];
	static char targets[256][256];
	int n = proc_fds(pid, fds, targets, 256);

	ck_assert_msg(n >= 0, "%s (%d) is gone", what, (int)pid);
	for (int i = 0; i < n; i++)
		ck_assert_msg(strcmp(targets[i], path) != 0, "%s kept an inherited descriptor %d on %s",
			      what, fds[i], path);
}

/* Expect the greeting on a raw connection made right after start-up. */
static void expect_hellos(const char *sock, const char *ctl)
{
	struct rawc *u, *c;

	errno = 0;
	u = rawc_try_connect(sock);
	ck_assert_msg(u != NULL, "the user socket %s refused the first connection: %s",
		      sock, strerror(errno));
	c = rawc_try_connect(ctl);
	ck_assert_msg(c != NULL, "the control socket %s refused the first connection: %s",
		      ctl, strerror(errno));
	rawc_expect(u, "HELLO lchat/1 ", TC_TIMEOUT);
	rawc_expect(c, "HELLO lchat-control/1 ", TC_TIMEOUT);
	rawc_close(u);
	rawc_close(c);
}

/* ---- start-up --------------------------------------------------------------- */

/* `lchatd -c` returns 0 only once both sockets accept connections. */
START_TEST(test_readiness)
{
	for (int round = 0; round < 3; round++) {
		struct bgd *b = bgd_new(NULL);
		struct run_result r;
		int rc = bgd_start(b, &r);

		ck_assert_msg(rc == 0, "round %d: lchatd -c exited with %d; stderr: %s",
			      round, rc, r.err);
		expect_hellos(b->sock, b->ctl);
		ck_assert_msg(r.ms < 5000, "round %d: start-up took %" PRId64 " ms", round, r.ms);
		ck_assert_msg(r.out[0] == '\0' && r.err[0] == '\0',
			      "round %d: a successful start printed something: '%s' '%s'",
			      round, r.out, r.err);
		bgd_stop_ok(b);
	}
}
END_TEST

/* A config error: exit 3, "lchatd: FILE:LINE: reason", nothing started. */
START_TEST(test_bad_config)
{
	static const struct {
		const char *extra, *needle, *reason_re;
	} cases[] = {
		{ "max_users = 10\nno_such_option = 1\n", "no_such_option", "no_such_option" },
		{ "backlog = 5\nmax_users = 0\n", "max_users = 0", "max_users" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bgd *b = bgd_new(cases[i].extra);
		struct run_result r;
		char want[PATH_MAX + 64], left[1024];
		int line = line_of(b->conf, cases[i].needle);
		int rc = bgd_start(b, &r);

		snprintf(want, sizeof(want), "lchatd: %s:%d: ", b->conf, line);
		ck_assert_msg(rc == 3, "case %zu: exit status %d, expected 3; stderr: %s",
			      i, rc, r.err);
		ck_assert_msg(strstr(r.err, want) != NULL,
			      "case %zu: stderr does not say '%s': '%s'", i, want, r.err);
		ck_assert_msg(re_contains(r.err, cases[i].reason_re),
			      "case %zu: stderr does not name the option: '%s'", i, r.err);
		ck_assert_msg(bgd_wait_gone(b, 3000, left, sizeof(left)) == 0,
			      "case %zu: processes left running:%s", i, left);
		ck_assert_msg(!path_exists(b->sock) && !path_exists(b->ctl) &&
			      !path_exists(b->state),
			      "case %zu: a bad config left sockets or a state dir behind", i);
		bgd_stop_ok(b);
	}
}
END_TEST

/* -n checks the config and starts nothing; bad options exit 2. */
START_TEST(test_check_only)
{
	struct bgd *b = bgd_new("max_users = 20\n");
	struct run_result r;
	char want[PATH_MAX + 64], left[1024];
	int rc, line;

	rc = bgd_run(b, &r, 10000, "-n", "-c", b->conf, (char *)NULL);
	ck_assert_msg(rc == 0, "-n on a good config: exit %d; stderr: %s", rc, r.err);
	ck_assert_msg(strstr(r.out, "configuration OK") != NULL,
		      "-n on a good config printed '%s' (stderr '%s')", r.out, r.err);
	ck_assert_msg(bgd_wait_gone(b, 2000, left, sizeof(left)) == 0,
		      "-n left processes running:%s", left);
	ck_assert_msg(!path_exists(b->state) && !path_exists(b->sock),
		      "-n created the state dir or a socket");

	bgd_write_config(b, "max_users = 20\nmax_user = 3\n");
	line = line_of(b->conf, "max_user =");
	rc = bgd_run(b, &r, 10000, "-n", "-c", b->conf, (char *)NULL);
	snprintf(want, sizeof(want), "lchatd: %s:%d: ", b->conf, line);
	ck_assert_msg(rc == 3, "-n on a bad config: exit %d, expected 3; stderr: %s", rc, r.err);
	ck_assert_msg(strstr(r.err, want) != NULL, "-n: stderr does not say '%s': '%s'",
		      want, r.err);
	ck_assert_msg(strstr(r.out, "configuration OK") == NULL, "-n on a bad config said OK");

	rc = bgd_run(b, &r, 10000, "-n", "-c", "/nonexistent/lchat.conf", (char *)NULL);
	ck_assert_msg(rc == 3 && strstr(r.err, "/nonexistent/lchat.conf") != NULL,
		      "-n on a missing file: exit %d; stderr: %s", rc, r.err);

	rc = bgd_run(b, &r, 10000, "-x", (char *)NULL);
	ck_assert_msg(rc == 2, "an unknown command-line option: exit %d, expected 2", rc);
	rc = bgd_run(b, &r, 10000, "-c", b->conf, "extra-argument", (char *)NULL);
	ck_assert_msg(rc == 2, "an extra argument: exit %d, expected 2", rc);
	ck_assert_msg(bgd_wait_gone(b, 2000, left, sizeof(left)) == 0,
		      "processes left running:%s", left);
	bgd_stop_ok(b);
}
END_TEST

/* Something that is not a socket where a socket should go is never
 * replaced: a regular file, a symlink to a file, a dangling symlink. */
START_TEST(test_socket_path_not_a_socket)
{
	for (int kind = 0; kind < 4; kind++) {
		struct bgd *b = bgd_new(NULL);
		const char *path = kind == 3 ? b->ctl : b->sock;
		char target[PATH_MAX], buf[256], left[1024];
		struct stat before, after, tbefore, tafter;
		struct run_result r;
		int rc;

		snprintf(target, sizeof(target), "%s/target", b->dir);
		if (kind == 0 || kind == 3) {
			write_file(path, "precious data\n");
		} else {
			if (kind == 1)
				write_file(target, "precious target\n");
			ck_assert(symlink(target, path) == 0);
		}
		ck_assert(lstat(path, &before) == 0);
		if (kind == 1)
			ck_assert(stat(target, &tbefore) == 0);

		rc = bgd_start(b, &r);
		ck_assert_msg(rc == 1, "kind %d: exit status %d, expected 1; stderr: %s",
			      kind, rc, r.err);
		ck_assert_msg(strncmp(r.err, "lchatd: ", 8) == 0 && strstr(r.err, path) &&
			      strstr(r.err, "not a socket"),
			      "kind %d: stderr does not say that %s is not a socket: '%s'",
			      kind, path, r.err);
		ck_assert_msg(lstat(path, &after) == 0, "kind %d: %s was removed", kind, path);
		ck_assert_msg(after.st_ino == before.st_ino && after.st_mode == before.st_mode &&
			      after.st_size == before.st_size &&
			      after.st_mtim.tv_sec == before.st_mtim.tv_sec &&
			      after.st_mtim.tv_nsec == before.st_mtim.tv_nsec,
			      "kind %d: %s was changed", kind, path);
		if (kind == 0 || kind == 3)
			ck_assert_str_eq(read_file(path, buf, sizeof(buf)), "precious data\n");
		if (kind == 1) {
			ck_assert(stat(target, &tafter) == 0);
			ck_assert_msg(tafter.st_ino == tbefore.st_ino &&
				      tafter.st_mtim.tv_nsec == tbefore.st_mtim.tv_nsec,
				      "the symlink's target was changed");
			ck_assert_str_eq(read_file(target, buf, sizeof(buf)), "precious target\n");
		}
		if (kind == 2)
			ck_assert_msg(!path_exists(target), "something was created at the "
				      "dangling symlink's target");
		ck_assert_msg(bgd_wait_gone(b, 5000, left, sizeof(left)) == 0,
			      "kind %d: processes left running:%s", kind, left);
		ck_assert_msg(!path_exists(b->pidfile), "kind %d: the pid file was left behind",
			      kind);
		/* A failed start cleans up what it made. */
		if (kind == 3)
			ck_assert_msg(!path_exists(b->sock), "the user socket was left behind "
				      "after the control socket failed");
		else
			ck_assert_msg(!path_exists(b->ctl), "kind %d: a control socket was left "
				      "behind", kind);
		bgd_stop_ok(b);
	}
}
END_TEST

/* The socket directory may not be a symlink. */
START_TEST(test_socket_dir_symlink)
{
	struct bgd *b = bgd_new(NULL);
	char real[PATH_MAX], link[PATH_MAX], extra[3 * PATH_MAX], left[1024];
	struct run_result r;
	int rc;

	snprintf(real, sizeof(real), "%s/real", b->dir);
	snprintf(link, sizeof(link), "%s/link", b->dir);
	ck_assert(mkdir(real, 0755) == 0);
	ck_assert(symlink("real", link) == 0);
	snprintf(extra, sizeof(extra), "socket = \"%s/lchat.sock\"\n"
		 "control_socket = \"%s/control.sock\"\n", link, link);
	bgd_write_config(b, extra);

	rc = bgd_start(b, &r);
	ck_assert_msg(rc == 1, "exit status %d, expected 1; stderr: %s", rc, r.err);
	ck_assert_msg(strncmp(r.err, "lchatd: ", 8) == 0 && strstr(r.err, link),
		      "stderr does not name the symlinked directory %s: '%s'", link, r.err);
	ck_assert_msg(re_contains(r.err, "symlink|not a directory"),
		      "stderr does not say what is wrong with %s: '%s'", link, r.err);
	snprintf(extra, sizeof(extra), "%s/lchat.sock", real);
	ck_assert_msg(!path_exists(extra), "a socket was created through the symlink");
	snprintf(extra, sizeof(extra), "%s/control.sock", real);
	ck_assert_msg(!path_exists(extra), "a control socket was created through the symlink");
	ck_assert_msg(bgd_wait_gone(b, 5000, left, sizeof(left)) == 0,
		      "processes left running:%s", left);
	bgd_stop_ok(b);
}
END_TEST

/* A socket file nobody listens on (left by a crash) is replaced. */
START_TEST(test_stale_socket_replaced)
{
	struct bgd *b = bgd_new(NULL);
	struct run_result r;
	struct stat st;
	int rc;

	sock_make_stale(b->sock);
	sock_make_stale(b->ctl);
	ck_assert(!sock_can_connect(b->sock) && !sock_can_connect(b->ctl));
	rc = bgd_start(b, &r);
	ck_assert_msg(rc == 0, "exit status %d with stale sockets; stderr: %s", rc, r.err);
	expect_hellos(b->sock, b->ctl);
	ck_assert(lstat(b->sock, &st) == 0 && S_ISSOCK(st.st_mode));
	ck_assert_msg((st.st_mode & 07777) == 0666, "user socket mode %o, expected 666",
		      (unsigned)(st.st_mode & 07777));
	ck_assert(lstat(b->ctl, &st) == 0 && S_ISSOCK(st.st_mode));
	ck_assert_msg((st.st_mode & 07777) == 0660, "control socket mode %o, expected 660",
		      (unsigned)(st.st_mode & 07777));
	bgd_stop_ok(b);
}
END_TEST

/* A second lchatd (same config, daemonizing or foreground; or another
 * state_dir with the same sockets) is refused; the first goes on. */
START_TEST(test_second_instance)
{
	struct lchatd *d = lchatd_start(NULL);
	struct tclient *a = tc_connect(d->sock), *c = tc_connect(d->sock), *n;
	struct stat s1, c1, s2, c2;
	char pid[64], left[1024], extra[2 * PATH_MAX + 64];
	struct run_result r;
	struct bgd *b;
	int rc;

	tc_join(a, "pa-first");
	tc_join(c, "pa-second");
	tc_expect(a, EV "JOIN pa-second ", TC_TIMEOUT);
	ck_assert(lstat(d->sock, &s1) == 0 && lstat(d->ctl, &c1) == 0);

	b = bgd_new(NULL);
	rc = bgd_run(b, &r, 20000, "-c", d->conf, (char *)NULL);
	ck_assert_msg(rc != 0, "a second `lchatd -c` with the same config started");
	ck_assert_msg(strncmp(r.err, "lchatd: ", 8) == 0 && strstr(r.err, "already running"),
		      "second lchatd (exit %d): stderr does not say 'already running': '%s'",
		      rc, r.err);
	ck_assert_msg(bgd_wait_gone(b, 5000, left, sizeof(left)) == 0,
		      "the refused lchatd left processes running:%s", left);

	rc = bgd_run(b, &r, 20000, "-f", "-c", d->conf, (char *)NULL);
	ck_assert_msg(rc != 0 && rc != -1, "a second `lchatd -f` with the same config: exit %d",
		      rc);
	ck_assert_msg(strstr(r.err, "already running"),
		      "second lchatd -f (exit %d): stderr does not say 'already running': '%s'",
		      rc, r.err);
	ck_assert_msg(bgd_wait_gone(b, 5000, left, sizeof(left)) == 0,
		      "the refused lchatd -f left processes running:%s", left);
	bgd_stop_ok(b);

	/* Its own state_dir, but the first one's sockets: not stolen. */
	snprintf(extra, sizeof(extra), "socket = \"%s\"\ncontrol_socket = \"%s\"\n",
		 d->sock, d->ctl);
	b = bgd_new(extra);
	rc = bgd_start(b, &r);
	ck_assert_msg(rc == 1, "lchatd on the live sockets of another: exit %d, expected 1; "
		      "stderr: %s", rc, r.err);
	ck_assert_msg(strncmp(r.err, "lchatd: ", 8) == 0 && strstr(r.err, "already"),
		      "stderr does not say another lchatd is already there: '%s'", r.err);
	ck_assert_msg(bgd_wait_gone(b, 5000, left, sizeof(left)) == 0,
		      "the refused lchatd left processes running:%s", left);
	bgd_stop_ok(b);

	/* The first is untouched. */
	ck_assert(lstat(d->sock, &s2) == 0 && lstat(d->ctl, &c2) == 0);
	ck_assert_msg(s1.st_ino == s2.st_ino && c1.st_ino == c2.st_ino,
		      "the first lchatd's socket files were replaced");
	snprintf(extra, sizeof(extra), "%s/lchatd.pid", d->state);
	read_file(extra, pid, sizeof(pid));
	ck_assert_msg(strtol(pid, NULL, 10) == d->pid,
		      "the pid file holds '%s', not the first supervisor %d", pid, (int)d->pid);
	tc_send(a, "SAY still here");
	tc_expect(a, "OK SAY [0-9]+$", TC_TIMEOUT);
	tc_expect(c, EV "MSG pa-first still here$", TC_TIMEOUT);
	n = tc_connect(d->sock);
	tc_join(n, "pa-third");
	tc_expect(a, EV "JOIN pa-third ", TC_TIMEOUT);
	tc_close(a);
	tc_close(c);
	tc_close(n);
	lchatd_stop_ok(d);
}
END_TEST

/* With the pid file removed, a second lchatd on the same state_dir (its
 * own sockets) finds the room file locked and refuses: it does not
 * re-initialise the live room's lock or wipe its members. */
START_TEST(test_second_daemon_same_room)
{
	struct lchatd *d = lchatd_start(NULL);
	struct tclient *a = tc_connect(d->sock), *c = tc_connect(d->sock), *n;
	char path[PATH_MAX], left[1024], extra[PATH_MAX + 64];
	struct run_result r;
	struct bgd *b;
	int rc;

	tc_join(a, "pa-first");
	tc_join(c, "pa-second");
	tc_expect(a, EV "JOIN pa-second ", TC_TIMEOUT);
	snprintf(path, sizeof(path), "%s/lchatd.pid", d->state);
	ck_assert_int_eq(unlink(path), 0);

	snprintf(extra, sizeof(extra), "state_dir = \"%s\"\n", d->state);
	b = bgd_new(extra);
	rc = bgd_start(b, &r);
	ck_assert_msg(rc == 1, "a second lchatd on a live room: exit %d, expected 1; stderr: %s",
		      rc, r.err);
	ck_assert_msg(strstr(r.err, "in use by another lchatd"),
		      "stderr does not say the room is in use: '%s'", r.err);
	ck_assert_msg(bgd_wait_gone(b, 5000, left, sizeof(left)) == 0,
		      "the refused lchatd left processes running:%s", left);
	bgd_stop_ok(b);

	/* The room goes on, its members and their names intact. */
	tc_send(c, "QUIT");
	tc_expect(a, EV "LEAVE pa-second [^ ]+ quit$", TC_TIMEOUT);
	tc_send(a, "SAY still here");
	tc_expect(a, "OK SAY [0-9]+$", TC_TIMEOUT);
	n = tc_connect(d->sock);
	tc_join(n, "pa-second");
	tc_expect(a, EV "JOIN pa-second ", TC_TIMEOUT);
	tc_send(n, "WHO");
	tc_expect(n, "^WHO pa-first ", TC_TIMEOUT);
	tc_expect(n, "^WHO pa-second ", TC_TIMEOUT);
	tc_expect(n, "^OK WHO 2$", TC_TIMEOUT);
	tc_close(a);
	tc_close(c);
	tc_close(n);
	lchatd_stop_ok(d);
}
END_TEST

/* state_dir on a small file system (a tmpfs in a mount namespace of the
 * test's own: the mount goes with the test, pass or fail). Too small for
 * the room: lchatd refuses to start, saying so, instead of dying of
 * SIGBUS. Big enough, then filled: the room's pages were allocated at
 * start, so the log wraps round on a full disk and nobody dies. */
START_TEST(test_state_dir_full)
{
	char state[] = "/tmp/lchat-full-XXXXXX", extra[PATH_MAX + 64], path[PATH_MAX];
	char left[1024];
	struct run_result r;
	struct bgd *b;
	int rc;

	if (geteuid() != 0) {
		fprintf(stderr, "state_dir_full: not root, cannot mount a small file system: "
			"not tested\n");
		return;
	}
	ck_assert_ptr_nonnull(mkdtemp(state));
	ck_assert_msg(unshare(CLONE_NEWNS) == 0, "unshare: %s", strerror(errno));
	ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	ck_assert_msg(mount("tmpfs", state, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0700") == 0,
		      "mount: %s", strerror(errno));
	snprintf(extra, sizeof(extra), "state_dir = \"%s\"\n", state);
	b = bgd_new(extra);
	rc = bgd_start(b, &r);
	ck_assert_msg(rc == 1 && strstr(r.err, "cannot allocate the room's") &&
		      strstr(r.err, "No space left on device"),
		      "lchatd on a 1 MiB state_dir: exit %d, stderr '%s'", rc, r.err);
	ck_assert_msg(bgd_wait_gone(b, 5000, left, sizeof(left)) == 0,
		      "the refused lchatd left processes running:%s", left);
	bgd_stop_ok(b);
	ck_assert_int_eq(umount(state), 0);

	ck_assert(mount("tmpfs", state, "tmpfs", MS_NOSUID | MS_NODEV, "size=4m,mode=0700") == 0);
	snprintf(extra, sizeof(extra), "state_dir = \"%s\"\nhistory = 256\n", state);
	struct lchatd *d = lchatd_start(extra);
	struct tclient *a = tc_connect(d->sock), *o = tc_connect(d->sock);
	tc_join(a, "pa-writer");
	tc_join(o, "pa-reader");
	tc_expect(a, EV "JOIN pa-reader ", TC_TIMEOUT);
	snprintf(path, sizeof(path), "%s/filler", state);
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	static char block[65536];
	while (write(fd, block, sizeof(block)) > 0)
		;
	while (write(fd, block, 1) > 0)
		;
	ck_assert_int_eq(errno, ENOSPC);
	close(fd);
	for (int i = 0; i < 600; i++) {
		tc_send(a, "SAY full %d", i);
		tc_expect(a, "^OK SAY [0-9]+$", TC_TIMEOUT);
		tc_expectf(o, TC_TIMEOUT, EV "MSG pa-writer full %d$", i);
	}
	ck_assert_msg(!lchatd_log_has(d, "crashed|killed by signal", 0),
		      "a process of lchatd died on the full disk");
	tc_close(a);
	tc_close(o);
	lchatd_stop_ok(d);
	ck_assert_int_eq(umount(state), 0);
	ck_assert_int_eq(rmdir(state), 0);
}
END_TEST

/* ---- the process tree ------------------------------------------------------ */

START_TEST(test_titles)
{
	static const char long_name[] = "pa-a-very-long-name-0123456789ab";   /* 32 */
	struct lchatd *d = lchatd_start(NULL);
	pid_t dmn = wait_no_handlers(d), h, h2, h3;
	struct tclient *a = tc_connect(d->sock), *b, *c;
	char title[128], comm[32];

	check_title(d->pid, "lchatd: supervisor");
	check_comm(d->pid, "supervisor");
	check_title(dmn, "lchatd: daemon");
	check_comm(dmn, "daemon");

	snprintf(title, sizeof(title), "(%s)", tc_login(a));
	h = lchatd_handler_pid(d, title);
	snprintf(title, sizeof(title), "lchatd: (%s)", tc_login(a));
	check_title(h, title);
	snprintf(comm, sizeof(comm), "(%.13s)", tc_login(a));
	if (strlen(tc_login(a)) <= 13)
		check_comm(h, comm);

	b = tc_connect(d->sock);
	tc_join(a, "pa-titled");
	ck_assert_int_eq(lchatd_handler_pid(d, "pa-titled"), h);
	check_title(h, "lchatd: pa-titled");
	check_comm(h, "pa-titled");
	/* The other connection has not joined: still the login. */
	snprintf(title, sizeof(title), "(%s)", tc_login(b));
	h2 = lchatd_handler_pid(d, title);
	ck_assert_int_ne(h2, h);

	c = tc_connect(d->sock);
	tc_join(c, long_name);
	h3 = lchatd_handler_pid(d, long_name);
	snprintf(title, sizeof(title), "lchatd: %s", long_name);
	check_title(h3, title);
	snprintf(comm, sizeof(comm), "%.15s", long_name);
	check_comm(h3, comm);

	/* The titles stay right after a member leaves and another joins. */
	tc_send(c, "QUIT");
	tc_expect(c, "OK QUIT$", TC_TIMEOUT);
	tc_expect_eof(c, TC_TIMEOUT);
	tc_join(b, "pa-later");
	check_title(h2, "lchatd: pa-later");
	check_title(dmn, "lchatd: daemon");
	check_title(d->pid, "lchatd: supervisor");
	tc_close(a);
	tc_close(b);
	tc_close(c);
	lchatd_stop_ok(d);
}
END_TEST

/* The supervisor's children: the daemon, and started as root (on a
 * system with a group tty) the wall process. */
static int supervisor_children(void)
{
	return 1 + (geteuid() == 0 && getgrnam("tty") != NULL);
}

/* The daemon was double-forked: its parent is the supervisor (a child
 * subreaper: the middle process is gone), it is in a session of its own
 * but does not lead it, and nothing is left of the middle process. Started
 * as root (with a group tty), the supervisor has one more child, the wall
 * process, which leads a session of its own. */
START_TEST(test_tree)
{
	struct lchatd *d = lchatd_start(NULL);
	pid_t dmn = wait_no_handlers(d), h, kids[16];
	struct tclient *a = tc_connect(d->sock);
	struct pstat sup, dm, hs;
	int n;

	tc_join(a, "pa-tree");
	h = lchatd_handler_pid(d, "pa-tree");
	ck_assert(pstat_read(d->pid, &sup) && pstat_read(dmn, &dm) && pstat_read(h, &hs));
	ck_assert_msg(dm.ppid == d->pid, "the daemon's parent is %d, not the supervisor %d",
		      (int)dm.ppid, (int)d->pid);
	ck_assert_msg(dm.sid != sup.sid, "the daemon is in the supervisor's session %d",
		      (int)sup.sid);
	ck_assert_msg(dm.sid != dmn, "the daemon leads its session: it was not double-forked");
	ck_assert_msg(dm.pgrp == dm.sid, "the daemon's process group %d is not its session's %d",
		      (int)dm.pgrp, (int)dm.sid);
	ck_assert_msg(!proc_alive(dm.sid), "the session leader %d (the middle process) is "
		      "still running", (int)dm.sid);
	n = proc_children(d->pid, kids, 16);
	int want = supervisor_children();
	ck_assert_msg(n == want, "the supervisor has %d children (zombies included); expected "
		      "%d: the daemon%s", n, want, want > 1 ? " and the wall process" : "");
	for (int i = 0; i < n; i++) {
		struct pstat w;
		if (kids[i] == dmn)
			continue;
		check_title(kids[i], "lchatd: wall");
		ck_assert(pstat_read(kids[i], &w));
		ck_assert_msg(w.sid == kids[i] && w.sid != dm.sid,
			      "the wall process's session is %d", (int)w.sid);
	}
	ck_assert_msg(hs.ppid == dmn && hs.sid == dm.sid,
		      "the handler's parent %d / session %d; expected the daemon's %d / %d",
		      (int)hs.ppid, (int)hs.sid, (int)dmn, (int)dm.sid);
	ck_assert_int_eq(count_handlers(dmn, 0), 1);
	tc_close(a);
	lchatd_stop_ok(d);
}
END_TEST

/* 200 connections at once, half of them joining, all closed at once: the
 * daemon reaps every handler and the member that stayed sees one LEAVE
 * closed per member that went. */
#define MANY 200
START_TEST(test_many_clients)
{
	/* 200 connections of one uid not joined yet: those limits too. */
	struct lchatd *d = lchatd_start("max_users = 500\nmax_users_per_uid = 500\n"
					"max_unjoined = 500\nmax_unjoined_per_uid = 500\n");
	pid_t dmn = wait_no_handlers(d);
	struct tclient *stay = tc_connect(d->sock);
	struct rawc *c[MANY];
	bool seen[MANY] = { false };
	int joined = 0, kids, zombies;
	int64_t deadline;

	tc_join(stay, "pa-stay");
	for (int i = 0; i < MANY; i++)
		c[i] = rawc_connect(d->sock);
	for (int i = 0; i < MANY; i++)
		rawc_expect(c[i], "HELLO lchat/1 ", 30000);
	for (int i = 0; i < MANY; i += 2)
		rawc_send(c[i], "JOIN pa-u%03d", i);
	for (int i = 0; i < MANY; i += 2) {
		char re[64];

		snprintf(re, sizeof(re), "OK JOIN pa-u%03d [0-9]+$", i);
		rawc_expect(c[i], re, 30000);
		joined++;
	}
	for (int k = 0; k < joined; k++) {
		const char *line = tc_expect(stay, EV "JOIN pa-u[0-9]{3} ", 30000);
		int i = atoi(strstr(line, " JOIN pa-u") + 10);

		ck_assert_msg(i % 2 == 0 && i < MANY && !seen[i], "unexpected or repeated: '%s'",
			      line);
		seen[i] = true;
	}
	kids = count_handlers(dmn, 0);
	ck_assert_msg(kids == MANY + 1, "the daemon has %d children for %d connections",
		      kids, MANY + 1);

	for (int i = 0; i < MANY; i++)
		rawc_close(c[i]);
	for (int k = 0; k < joined; k++) {
		const char *line = tc_expect(stay, EV "LEAVE pa-u[0-9]{3} [^ ]+ closed$", 30000);
		int i = atoi(strstr(line, " LEAVE pa-u") + 11);

		ck_assert_msg(seen[i], "LEAVE of a member that did not join, or twice: '%s'",
			      line);
		seen[i] = false;
	}
	deadline = wall_ms() + 30000;
	for (;;) {
		kids = count_handlers(dmn, 0);
		zombies = count_handlers(dmn, 'Z');
		if ((kids == 1 && zombies == 0) || wall_ms() >= deadline)
			break;
		sleep_ms(20);
	}
	ck_assert_msg(kids == 1 && zombies == 0, "30 s after the clients closed, the daemon "
		      "has %d children (%d zombies); expected only the one that stayed",
		      kids, zombies);
	tc_expect_silence(stay);
	tc_send(stay, "WHO");
	tc_expect(stay, "WHO pa-stay ", TC_TIMEOUT);
	tc_expect(stay, "OK WHO 1$", TC_TIMEOUT);
	tc_close(stay);
	deadline = wall_ms() + 10000;
	while ((count_handlers(dmn, 0) != 0) && wall_ms() < deadline)
		sleep_ms(20);
	ck_assert_msg(count_handlers(dmn, 0) == 0, "the daemon still has %d children",
		      count_handlers(dmn, 0));
	lchatd_stop_ok(d);
}
END_TEST

/* ---- crash recovery ------------------------------------------------------- */

/* The daemon is SIGKILLed: the supervisor starts a new one, clients of
 * the old one see EOF, reconnect, and a member resuming with LAST-SEQ gets
 * what it missed: the members of the dead daemon announced as lost and a
 * message sent after the restart. */
/* The backlog of a member joining after the daemon was restarted: the
 * room's history as anybody sees it (the members that were lost with the
 * daemon are announced), nobody's private messages, and no
 * acknowledgements (the member never sent anything). */
static void check_fresh_backlog(const char *who, const struct lines *hist)
{
	static const char *lost[] = { "pa-alice", "pa-bob", "pa-carol" };
	char what[512] = "";
	size_t used = 0;

	if (lines_count(hist, "OK ") > 0)
		used += (size_t)snprintf(what + used, sizeof(what) - used, " acknowledgements of "
					 "messages it never sent;");
	if (lines_count(hist, EV "PRIV ") > 0)
		used += (size_t)snprintf(what + used, sizeof(what) - used, " a private message "
					 "meant for a member of the dead daemon;");
	if (lines_find(hist, EV "MSG pa-alice before the crash$") < 0)
		used += (size_t)snprintf(what + used, sizeof(what) - used, " no MSG pa-alice "
					 "before the crash;");
	for (int i = 0; i < 3 && used < sizeof(what); i++) {
		char re[64];

		snprintf(re, sizeof(re), EV "LEAVE %s [^ ]+ lost$", lost[i]);
		if (lines_count(hist, re) != 1)
			used += (size_t)snprintf(what + used, sizeof(what) - used, " not one "
						 "LEAVE %s lost;", lost[i]);
	}
	if (what[0])
		soft_fail("%s got in its backlog:%s backlog was:%s", who, what, lines_show(hist));
}

START_TEST(test_daemon_killed)
{
	struct lchatd *d = lchatd_start(NULL);
	struct tclient *a = tc_connect(d->sock), *b = tc_connect(d->sock), *c = tc_connect(d->sock);
	struct tclient *u = tc_connect(d->sock);
	struct tclient *a2, *b2, *c2, *dave;
	struct lines hist = { 0 }, resumed = { 0 };
	pid_t old, dmn, handlers[3];
	struct pstat hs[3], dm;
	uint64_t last_b, join_b, want, prev;
	const char *line;
	const char *who[3] = { "pa-alice", "pa-bob", "pa-carol" };

	soft_reset();
	tc_join(a, who[0]);
	tc_join(b, who[1]);
	tc_join(c, who[2]);
	tc_expect(a, EV "JOIN pa-bob ", TC_TIMEOUT);
	tc_expect(a, EV "JOIN pa-carol ", TC_TIMEOUT);
	tc_expect(b, EV "JOIN pa-carol ", TC_TIMEOUT);
	tc_send(b, "PRIV pa-alice secret for alice");
	tc_expect(b, "OK PRIV [0-9]+$", TC_TIMEOUT);
	tc_expect(a, EV "PRIV pa-bob secret for alice$", TC_TIMEOUT);
	tc_send(a, "SAY before the crash");
	tc_expect(a, "OK SAY [0-9]+$", TC_TIMEOUT);
	tc_expect(c, EV "MSG pa-alice before the crash$", TC_TIMEOUT);
	line = tc_expect(b, EV "MSG pa-alice before the crash$", TC_TIMEOUT);
	last_b = line_seq(line);
	old = lchatd_daemon_pid(d);
	for (int i = 0; i < 3; i++) {
		handlers[i] = lchatd_handler_pid(d, who[i]);
		ck_assert(pstat_read(handlers[i], &hs[i]));
	}

	ck_assert(pstat_read(old, &dm));
	ck_assert(kill(old, SIGKILL) == 0);
	tc_expect_eof(a, TC_TIMEOUT);
	tc_expect_eof(b, TC_TIMEOUT);
	tc_expect_eof(c, TC_TIMEOUT);
	tc_expect_eof(u, TC_TIMEOUT);
	tc_close(a);
	tc_close(b);
	tc_close(c);
	tc_close(u);
	dmn = wait_child_titled(d->pid, "lchatd: daemon", dm.sid, 10000);
	for (int i = 0; i < 3; i++) {
		struct pstat now;

		ck_assert_msg(!pstat_read(handlers[i], &now) || now.start != hs[i].start,
			      "the handler %d of the killed daemon is still there", (int)handlers[i]);
	}
	ck_assert(pstat_read(dmn, &dm) && dm.ppid == d->pid);
	sock_wait_connectable(d->sock, 10000);
	sock_wait_connectable(d->ctl, 10000);

	/* A newcomer (it takes the member slot alice had): its backlog is the
	 * room's history as anybody sees it. Not tc_join(): it must see all. */
	dave = tc_connect(d->sock);
	join_collect(dave, "pa-dave", &hist);
	check_fresh_backlog("pa-dave, a newcomer after the restart,", &hist);
	lines_free(&hist);
	c2 = tc_connect(d->sock);
	join_collect(c2, who[2], &hist);
	check_fresh_backlog("pa-carol, joining again after the restart,", &hist);
	lines_free(&hist);
	tc_expect(dave, EV "JOIN pa-carol ", TC_TIMEOUT);
	tc_send(c2, "SAY after the restart");
	tc_expect(c2, "OK SAY [0-9]+$", TC_TIMEOUT);
	tc_expect(dave, EV "MSG pa-carol after the restart$", TC_TIMEOUT);

	/* bob resumes from the last event he saw. */
	b2 = tc_connect(d->sock);
	tc_send(b2, "JOIN pa-bob %" PRIu64, last_b);
	join_b = line_seq(tc_expect(b2, "OK JOIN pa-bob [0-9]+$", TC_TIMEOUT));
	lines_add(&resumed, expect_collect(b2, EV "MSG pa-carol after the restart$", &resumed,
					   TC_TIMEOUT));
	want = last_b + 1;
	prev = last_b;
	for (size_t i = 0; i < resumed.n; i++) {
		const char *l = resumed.v[i];
		uint64_t seq;

		if (strncmp(l, "EV ", 3) != 0) {
			soft_fail("resume sent '%s' among the events", l);
			continue;
		}
		seq = line_seq(l);
		ck_assert_msg(seq > prev && seq < join_b, "resume: out of order or not from the "
			      "log: '%s' (after %" PRIu64 ", join %" PRIu64 ")", l, prev, join_b);
		/* Only bob's own (old) LEAVE may be left out. */
		ck_assert_msg(seq == want || (seq == want + 1 && !re_contains(l, " LEAVE pa-bob ")),
			      "resume skipped seq %" PRIu64 "; got:%s", want, lines_show(&resumed));
		want = seq + 1;
		prev = seq;
	}
	ck_assert_msg(want == join_b, "resume ended before %" PRIu64 " but bob joined at %"
		      PRIu64 "; got:%s", want, join_b, lines_show(&resumed));
	ck_assert_msg(lines_count(&resumed, EV "LEAVE pa-alice [^ ]+ lost$") == 1 &&
		      lines_count(&resumed, EV "LEAVE pa-carol [^ ]+ lost$") == 1 &&
		      lines_count(&resumed, EV "JOIN pa-dave ") == 1 &&
		      lines_count(&resumed, EV "JOIN pa-carol ") == 1 &&
		      lines_count(&resumed, EV "MSG pa-carol after the restart$") == 1,
		      "resume from %" PRIu64 " did not deliver what happened since:%s", last_b,
		      lines_show(&resumed));
	lines_free(&resumed);
	tc_expect_silence(b2);
	tc_expect(dave, EV "JOIN pa-bob ", TC_TIMEOUT);
	tc_expect(c2, EV "JOIN pa-bob ", TC_TIMEOUT);

	/* And the room works as before. */
	a2 = tc_connect(d->sock);
	join_collect(a2, who[0], &hist);
	lines_free(&hist);
	tc_expect(b2, EV "JOIN pa-alice ", TC_TIMEOUT);
	tc_expect(c2, EV "JOIN pa-alice ", TC_TIMEOUT);
	tc_expect(dave, EV "JOIN pa-alice ", TC_TIMEOUT);
	tc_send(a2, "SAY back again");
	tc_expect(a2, "OK SAY [0-9]+$", TC_TIMEOUT);
	tc_expect(b2, EV "MSG pa-alice back again$", TC_TIMEOUT);
	tc_expect(c2, EV "MSG pa-alice back again$", TC_TIMEOUT);
	tc_expect(dave, EV "MSG pa-alice back again$", TC_TIMEOUT);
	tc_close(a2);
	tc_close(b2);
	tc_close(c2);
	tc_close(dave);
	lchatd_stop_ok(d);
	soft_check();
}
END_TEST

/* Killed again and again, quickly: restarted each time, with a back-off
 * that grows (100 ms, 200 ms, 400 ms). */
START_TEST(test_daemon_killed_repeatedly)
{
	struct lchatd *d = lchatd_start(NULL);
	pid_t dmn = lchatd_daemon_pid(d);
	struct tclient *a, *b;
	int kids;

	for (int k = 0; k < 3; k++) {
		int64_t t0 = wall_ms(), took;
		struct pstat ps;
		pid_t next;

		ck_assert(pstat_read(dmn, &ps));
		ck_assert(kill(dmn, SIGKILL) == 0);
		next = wait_child_titled(d->pid, "lchatd: daemon", ps.sid, 15000);
		took = wall_ms() - t0;
		ck_assert_msg(took >= (100 << k) * 3 / 4, "restart %d came after %" PRId64
			      " ms; the back-off should be %d ms", k + 1, took, 100 << k);
		dmn = next;
	}
	sock_wait_connectable(d->sock, 15000);
	a = tc_connect(d->sock);
	b = tc_connect(d->sock);
	tc_join(a, "pa-one");
	tc_join(b, "pa-two");
	tc_expect(a, EV "JOIN pa-two ", TC_TIMEOUT);
	tc_send(a, "SAY survived");
	tc_expect(a, "OK SAY [0-9]+$", TC_TIMEOUT);
	tc_expect(b, EV "MSG pa-one survived$", TC_TIMEOUT);
	ck_assert_int_eq(lchatd_daemon_pid(d), dmn);
	kids = count_handlers(d->pid, 0);
	ck_assert_msg(kids == supervisor_children(), "the supervisor has %d children, expected "
		      "the daemon (and the wall process, as root) only", kids);
	tc_close(a);
	tc_close(b);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- shutdown ------------------------------------------------------------- */

/* Bans are kept in state_dir/sanctions: a daemon killed and restarted by
 * the supervisor still refuses a banned uid, and the control socket (which
 * bans do not touch) can lift it. The uid banned is our own, the one every
 * client of the harness connects as. */
START_TEST(test_sanctions_outlive_the_daemon)
{
	struct lchatd *d = lchatd_start(NULL);
	struct tclient *ctl = ctl_connect(d->ctl), *a;
	struct linesock ls;
	struct pstat dm;
	size_t len;
	char *line;
	pid_t old;

	tc_send(ctl, "BAN #%u 0 testing the file", (unsigned)getuid());
	tc_expectf(ctl, TC_TIMEOUT, "OK BAN [^ ]+ %u forever 0$", (unsigned)getuid());
	tc_close(ctl);
	old = lchatd_daemon_pid(d);
	ck_assert(pstat_read(old, &dm));
	ck_assert(kill(old, SIGKILL) == 0);
	wait_child_titled(d->pid, "lchatd: daemon", dm.sid, 10000);
	sock_wait_connectable(d->ctl, 10000);

	ck_assert_msg(linesock_open(&ls, d->sock), "connect: %s", strerror(errno));
	line = linesock_read(&ls, mono_ms_now() + TC_TIMEOUT, &len);
	ck_assert_msg(line && line_matches(line, "BYE banned you are banned from the room "
					   "until further notice: testing the file$"),
		      "a banned uid after the restart got '%s'", line ? line : "(nothing)");
	free(line);
	linesock_close(&ls);

	ctl = ctl_connect(d->ctl);
	tc_send(ctl, "UNBAN #%u", (unsigned)getuid());
	tc_expectf(ctl, TC_TIMEOUT, "OK UNBAN [^ ]+ %u$", (unsigned)getuid());
	tc_close(ctl);
	a = tc_connect(d->sock);
	tc_join(a, "alice");
	tc_close(a);
	lchatd_stop_ok(d);
}
END_TEST

/* Message text reaches the log only with log_messages = true; joins are
 * logged either way, with the uid. */
static void run_and_check_log(bool log_messages)
{
	struct lchatd *d = lchatd_start(log_messages ? "log_messages = true\n" : NULL);
	struct tclient *a = tc_connect(d->sock), *b = tc_connect(d->sock);
	char re[128];

	tc_join(a, "alice");
	tc_join(b, "bob");
	tc_send(a, "SAY the secret word is swordfish");
	tc_ack(a, "SAY");
	tc_expect(b, "EV [0-9]+ [0-9]+ MSG alice the secret word is swordfish$", TC_TIMEOUT);
	snprintf(re, sizeof(re), "join: alice \\(login [^ ]+, uid %u\\)", (unsigned)getuid());
	ck_assert_msg(lchatd_log_has(d, re, TC_TIMEOUT), "the join is not logged with the uid");
	snprintf(re, sizeof(re), "SAY from alice \\(uid %u\\): the secret word is swordfish",
		 (unsigned)getuid());
	if (log_messages)
		ck_assert_msg(lchatd_log_has(d, re, TC_TIMEOUT), "log_messages: the text is not logged");
	else
		ck_assert_msg(!lchatd_log_has(d, "swordfish", 0), "the text is logged without log_messages");
	tc_close(a);
	tc_close(b);
	lchatd_stop_ok(d);
}

START_TEST(test_message_text_logged_only_when_asked)
{
	run_and_check_log(false);
	run_and_check_log(true);
}
END_TEST

START_TEST(test_sigterm)
{
	struct lchatd *d = lchatd_start(NULL);
	struct tclient *m[3], *u = tc_connect(d->sock);
	char pidfile[PATH_MAX];
	int status;

	snprintf(pidfile, sizeof(pidfile), "%s/lchatd.pid", d->state);
	ck_assert(path_exists(pidfile));
	for (int i = 0; i < 3; i++) {
		char name[16];

		snprintf(name, sizeof(name), "pa-term%d", i);
		m[i] = tc_connect(d->sock);
		tc_join(m[i], name);
		for (int k = 0; k < i; k++)
			tc_expectf(m[k], TC_TIMEOUT, EV "JOIN %s ", name);
	}
	lchatd_signal(d, SIGTERM);
	for (int i = 0; i < 3; i++)
		tc_expect_shutdown(m[i]);
	tc_expect(u, "BYE shutdown( |$)", TC_TIMEOUT);
	tc_expect_eof(u, TC_TIMEOUT);
	status = lchatd_wait_exit(d, 15000);
	ck_assert_msg(status != -1, "the supervisor did not exit within 15 s of SIGTERM");
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "the supervisor ended with status 0x%x, expected exit 0", status);
	ck_assert_msg(!path_exists(d->sock), "the user socket %s was not removed", d->sock);
	ck_assert_msg(!path_exists(d->ctl), "the control socket %s was not removed", d->ctl);
	ck_assert_msg(!path_exists(pidfile), "the pid file %s was not removed", pidfile);
	for (int i = 0; i < 3; i++)
		tc_close(m[i]);
	tc_close(u);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- what the processes hold --------------------------------------------- */

START_TEST(test_handler_isolation)
{
	struct lchatd *d = lchatd_start(NULL);
	const char *std_ok[] = { "/dev/null", d->log };
	pid_t dmn = wait_no_handlers(d), h;
	struct tclient *a = tc_connect(d->sock), *b, *ctl;
	char title[96], sock1[256], sock2[256];

	snprintf(title, sizeof(title), "(%s)", tc_login(a));
	h = lchatd_handler_pid(d, title);
	b = tc_connect(d->sock);
	ctl = ctl_connect(d->ctl);
	check_handler_fds(h, std_ok, 2, sock1, sizeof(sock1));
	tc_join(a, "pa-iso");
	ck_assert_int_eq(lchatd_handler_pid(d, "pa-iso"), h);
	tc_join(b, "pa-other");
	check_handler_fds(h, std_ok, 2, sock2, sizeof(sock2));
	ck_assert_str_eq(sock1, sock2);
	/* Its socket is its own: neither the daemon nor the other handler
	 * holds it, and its socket is not one of the daemon's. */
	check_not_holding(dmn, sock1, "the daemon");
	check_not_holding(lchatd_handler_pid(d, "pa-other"), sock1, "the other handler");
	check_not_holding(d->pid, sock1, "the supervisor");
	check_handler_fds(lchatd_handler_pid(d, "pa-other"), std_ok, 2, NULL, 0);
	tc_close(ctl);
	tc_close(a);
	tc_close(b);
	lchatd_stop_ok(d);
}
END_TEST

/* Started from a terminal, the daemonized processes drop it: no
 * controlling terminal, cwd /, stdio on /dev/null. The pid file holds the
 * supervisor's pid and is locked. SIGTERM ends everything with status 0. */
/* A descriptor left open by whoever starts lchatd (here without
 * close-on-exec, as a careless shell script would) is closed at once:
 * neither the supervisor nor the daemon keeps it. */
START_TEST(test_inherited_descriptors_closed)
{
	int stray = open("/dev/zero", O_RDONLY);

	ck_assert(stray >= 0 && dup2(stray, 57) == 57);
	close(stray);
	struct lchatd *d = lchatd_start(NULL);
	close(57);
	pid_t dmn = wait_child_titled(d->pid, "lchatd: daemon", 0, TC_TIMEOUT);
	check_no_fd_to(d->pid, "/dev/zero", "the supervisor");
	check_no_fd_to(dmn, "/dev/zero", "the daemon");
	lchatd_stop_ok(d);
}
END_TEST

START_TEST(test_daemonized)
{
	struct bgd *b = bgd_new(NULL);
	const char *std_ok[] = { "/dev/null" };
	struct run_result r;
	struct tclient *a, *c;
	struct pstat sup, dm;
	pid_t dmn, h;
	char title[96], buf[64];
	int rc, fd, status;

	b->ctty = access("/dev/ptmx", R_OK | W_OK) == 0;
	rc = bgd_start(b, &r);
	ck_assert_msg(rc == 0, "lchatd -c exited with %d; stderr: %s", rc, r.err);
	dmn = wait_child_titled(b->sup, "lchatd: daemon", 0, TC_TIMEOUT);
	a = tc_connect(b->sock);
	snprintf(title, sizeof(title), "lchatd: (%s)", tc_login(a));
	h = wait_child_titled(dmn, title, 0, TC_TIMEOUT);
	c = tc_connect(b->sock);

	check_title(b->sup, "lchatd: supervisor");
	check_title(dmn, "lchatd: daemon");
	assert_detached(b->sup, "the supervisor");
	assert_detached(dmn, "the daemon");
	assert_detached(h, "a handler");
	check_handler_fds(h, std_ok, 1, NULL, 0);
	ck_assert(pstat_read(b->sup, &sup) && pstat_read(dmn, &dm));
	ck_assert_msg(sup.sid == b->sup, "the supervisor does not lead a session of its own");
	ck_assert_msg(dm.ppid == b->sup && dm.sid != sup.sid && dm.sid != dmn,
		      "the daemon: parent %d, session %d (supervisor %d, session %d)",
		      (int)dm.ppid, (int)dm.sid, (int)b->sup, (int)sup.sid);

	ck_assert_msg(strtol(read_file(b->pidfile, buf, sizeof(buf)), NULL, 10) == b->sup,
		      "the pid file holds '%s', not the supervisor %d", buf, (int)b->sup);
	fd = open(b->pidfile, O_RDONLY | O_CLOEXEC);
	ck_assert(fd >= 0);
	rc = flock(fd, LOCK_EX | LOCK_NB);
	ck_assert_msg(rc < 0 && errno == EWOULDBLOCK, "the pid file is not locked");
	close(fd);

	tc_join(a, "pa-daemonized");
	check_title(h, "lchatd: pa-daemonized");
	tc_send(c, "PING x");
	tc_expect(c, "PONG x$", TC_TIMEOUT);

	ck_assert(kill(b->sup, SIGTERM) == 0);
	tc_expect_shutdown(a);
	tc_expect(c, "BYE shutdown( |$)", TC_TIMEOUT);
	tc_expect_eof(c, TC_TIMEOUT);
	status = bgd_wait_exit(b, 15000);
	ck_assert_msg(status != -1, "the supervisor did not exit within 15 s of SIGTERM");
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "the supervisor ended with status 0x%x, expected exit 0", status);
	ck_assert_msg(!path_exists(b->sock) && !path_exists(b->ctl),
		      "the sockets were not removed");
	ck_assert_msg(!path_exists(b->pidfile), "the pid file was not removed");
	tc_close(a);
	tc_close(c);
	bgd_stop_ok(b);
}
END_TEST

int main(void)
{
	const struct harness_case cases[] = {
		{ "readiness", test_readiness, 90 },
		{ "bad_config", test_bad_config, 60 },
		{ "check_only", test_check_only, 60 },
		{ "socket_path_not_a_socket", test_socket_path_not_a_socket, 90 },
		{ "socket_dir_symlink", test_socket_dir_symlink, 60 },
		{ "stale_socket", test_stale_socket_replaced, 60 },
		{ "second_instance", test_second_instance, 90 },
		{ "second_daemon_same_room", test_second_daemon_same_room, 90 },
		{ "state_dir_full", test_state_dir_full, 120 },
		{ "titles", test_titles, 60 },
		{ "inherited_descriptors_closed", test_inherited_descriptors_closed, 60 },
		{ "tree", test_tree, 60 },
		{ "many_clients", test_many_clients, 120 },
		{ "daemon_killed", test_daemon_killed, 90 },
		{ "daemon_killed_repeatedly", test_daemon_killed_repeatedly, 90 },
		{ "sanctions_outlive_the_daemon", test_sanctions_outlive_the_daemon, 90 },
		{ "message_text_logged_only_when_asked", test_message_text_logged_only_when_asked, 60 },
		{ "sigterm", test_sigterm, 60 },
		{ "handler_isolation", test_handler_isolation, 60 },
		{ "daemonized", test_daemonized, 60 },
	};

	return harness_run(harness_suite("process", cases, HARNESS_NCASES(cases)));
}
