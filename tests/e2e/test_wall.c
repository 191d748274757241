/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* test_wall.c - `lchat-admin notice --wall` end to end: the real lchatd and
 * lchat-admin, real pseudo-terminals (posix_openpt) and real login records.
 *
 * So that the machine's own login records are never touched, each case
 * runs in a mount namespace of its own (unshare in Check's forked test
 * process; lchatd, started from it, inherits it) where a temporary file
 * is bind-mounted over the standard utmp path (or, where that file does
 * not exist, a tmpfs over its directory holds one); the records are
 * written there with pututxline(). A "logged-in user" is a pty whose
 * slave is given to that user and the group tty, with its record; what
 * the wall process writes is read from the master.
 *
 * Everything here needs root (namespaces, chown of the ptys): the cases
 * say so and return if not root or if unshare fails. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <termios.h>
#include <unistd.h>
#include <utmpx.h>

#include "harness.h"
#include "procfs.h"
#include "pty.h"
#include "runcmd.h"

#define CONF "motd = \"\"\n"

/* ---- login records in a private mount namespace ---------------------- */

/* Make the standard utmp file a private, empty one. false (and why on
 * stderr) if this cannot be done here: the case is then not tested. */
static bool private_utmp(const char *test)
{
	char dir[PATH_MAX], copy[PATH_MAX], tmp[] = "/tmp/lchat-utmp-XXXXXX";
	struct stat st;

	if (geteuid() != 0) {
		fprintf(stderr, "%s: not root: not tested\n", test);
		return false;
	}
	if (unshare(CLONE_NEWNS) < 0) {
		fprintf(stderr, "%s: unshare(CLONE_NEWNS): %s: not tested\n", test, strerror(errno));
		return false;
	}
	ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	if (stat(_PATH_UTMPX, &st) == 0) {
		int fd = mkstemp(tmp);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(fchmod(fd, 0644), 0);
		close(fd);
		ck_assert_msg(mount(tmp, _PATH_UTMPX, NULL, MS_BIND, NULL) == 0, "bind %s: %s",
			      _PATH_UTMPX, strerror(errno));
		unlink(tmp);   /* the mount keeps it */
	} else {
		snprintf(copy, sizeof(copy), "%s", _PATH_UTMPX);
		ck_assert_ptr_nonnull(realpath(dirname(copy), dir));
		ck_assert_msg(mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") == 0,
			      "tmpfs on %s: %s", dir, strerror(errno));
		int fd = open(_PATH_UTMPX, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		ck_assert_int_ge(fd, 0);
		close(fd);
	}
	return true;
}

/* ---- terminals ------------------------------------------------------- */

struct term {
	int master, slave;
	char line[32];            /* "pts/N", as login records name it */
	char buf[65536];          /* what was read from the master */
	size_t len;
};

static gid_t tty_gid(void)
{
	struct group *g = getgrnam("tty");

	ck_assert_msg(g != NULL, "no group tty");
	return g->gr_gid;
}

static uid_t uid_of(const char *login)
{
	struct passwd *pw = getpwnam(login);

	ck_assert_msg(pw != NULL, "no user %s", login);
	return pw->pw_uid;
}

/* A pty for login, in mode (0620: mesg y; 0600: mesg n), with its login
 * record. Raw, so that what arrives is what was written. */
static struct term *login_on_pty(const char *login, mode_t mode)
{
	static int n;
	struct term *t = calloc(1, sizeof(*t));
	char name[64];
	struct termios tio;

	ck_assert_ptr_nonnull(t);
	/* openpty(3), spelt out: <pty.h> is hidden by the harness's pty.h. */
	t->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	ck_assert_int_ge(t->master, 0);
	ck_assert_int_eq(grantpt(t->master), 0);
	ck_assert_int_eq(unlockpt(t->master), 0);
	ck_assert_int_eq(ptsname_r(t->master, name, sizeof(name)), 0);
	t->slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	ck_assert_int_ge(t->slave, 0);
	ck_assert(strncmp(name, "/dev/", 5) == 0);
	snprintf(t->line, sizeof(t->line), "%s", name + 5);
	ck_assert_int_eq(tcgetattr(t->slave, &tio), 0);
	cfmakeraw(&tio);
	ck_assert_int_eq(tcsetattr(t->slave, TCSANOW, &tio), 0);
	ck_assert_int_eq(fcntl(t->master, F_SETFL, O_NONBLOCK), 0);
	ck_assert_int_eq(fchown(t->slave, uid_of(login), tty_gid()), 0);
	ck_assert_int_eq(fchmod(t->slave, mode), 0);

	struct utmpx u;
	struct timeval tv;
	memset(&u, 0, sizeof(u));
	u.ut_type = USER_PROCESS;
	u.ut_pid = getpid();
	snprintf(u.ut_id, sizeof(u.ut_id), "w%d", n++);
	strncpy(u.ut_line, t->line, sizeof(u.ut_line));
	strncpy(u.ut_user, login, sizeof(u.ut_user));
	gettimeofday(&tv, NULL);
	u.ut_tv.tv_sec = (int32_t)tv.tv_sec;
	setutxent();
	ck_assert_msg(pututxline(&u) != NULL, "pututxline: %s", strerror(errno));
	endutxent();
	return t;
}

/* Read the master until needle has arrived; fails the test, showing what
 * did, if it does not within timeout_ms. */
static void term_expect(struct term *t, const char *needle, int timeout_ms)
{
	int64_t deadline = mono_ms_now() + timeout_ms;

	for (;;) {
		t->buf[t->len] = '\0';
		if (strstr(t->buf, needle))
			return;
		struct pollfd p = { .fd = t->master, .events = POLLIN };
		int left = ms_left(deadline);
		ck_assert_msg(left > 0 && t->len + 1 < sizeof(t->buf),
			      "terminal %s: no '%s' in '%s'", t->line, needle, t->buf);
		if (poll(&p, 1, left) <= 0)
			continue;
		ssize_t n = read(t->master, t->buf + t->len, sizeof(t->buf) - 1 - t->len);
		if (n > 0)
			t->len += (size_t)n;
	}
}

/* Nothing was written to the terminal: a mark written to it now is the
 * first thing the master reads (a pty keeps its output in order). */
static void term_expect_nothing(struct term *t)
{
	static int k;
	char mark[32];

	snprintf(mark, sizeof(mark), "mark-%d.", k++);
	ck_assert_int_eq(write(t->slave, mark, strlen(mark)), (ssize_t)strlen(mark));
	term_expect(t, mark, TC_TIMEOUT);
	ck_assert_msg(strncmp(t->buf, mark, strlen(mark)) == 0,
		      "terminal %s got '%s' before the mark", t->line, t->buf);
	t->len = 0;
}

/* A terminal that takes no more output: its output is suspended, as ^S
 * does (tcflow TCOOFF), so a write to it blocks, or fails with EAGAIN
 * when non-blocking; checked here. */
static void term_block(struct term *t)
{
	int fd = open(ptsname(t->master), O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(tcflow(t->slave, TCOOFF), 0);
	errno = 0;
	ck_assert_msg(write(fd, "x", 1) < 0 && errno == EAGAIN, "%s still takes output: %s",
		      t->line, strerror(errno));
	close(fd);
}

static void term_free(struct term *t)
{
	close(t->master);
	close(t->slave);
	free(t);
}

/* ---- lchat-admin ---------------------------------------------------- */

/* lchat-admin -s CTL WORDS...; its result in r. */
__attribute__((sentinel))
static int admin(struct cmd_result *r, struct lchatd *d, const char *first, ...)
{
	char *argv[16];
	int n = 0;
	va_list ap;

	argv[n++] = (char *)lchat_admin_exe();
	argv[n++] = "-s";
	argv[n++] = d->ctl;
	va_start(ap, first);
	for (const char *a = first; a; a = va_arg(ap, const char *)) {
		ck_assert_int_lt(n, 15);
		argv[n++] = (char *)a;
	}
	va_end(ap);
	argv[n] = NULL;
	struct cmd_opts o = { .timeout_ms = 30000 };
	return run_cmd(r, &o, argv);
}

#define ck_admin(r, want_code, want_out) \
	ck_assert_msg((r)->code == (want_code) && strcmp((r)->out, (want_out)) == 0, \
		      "lchat-admin exited %d, printed '%s' (stderr '%s'); want %d, '%s'", \
		      (r)->code, (r)->out, (r)->err, (want_code), (want_out))

/* The notice arrived whole on t: the banner (by root), the text, and
 * nothing a terminal could take as a command. */
static void term_got_notice(struct term *t, const char *text)
{
	char why[200];
	size_t at;

	term_expect(t, text, TC_TIMEOUT);
	term_expect(t, "\r\n\r\n", TC_TIMEOUT);
	ck_assert_msg(strstr(t->buf, "Notice from lchat (root) at "), "no banner on %s: '%s'",
		      t->line, t->buf);
	ck_assert_msg(terminal_safe(t->buf, t->len, "\r\n", why, sizeof(why), &at),
		      "terminal %s got %s", t->line, why);
	t->len = 0;
}

/* ---- the cases ------------------------------------------------------ */

/* A user not in the chat gets the notice on the terminal, with the banner;
 * a user in the chat gets it in the room only; a terminal with mesg n gets
 * nothing; the admin is told how many. */
START_TEST(test_wall_reaches_terminals)
{
	if (!private_utmp("wall_reaches_terminals"))
		return;
	struct term *out = login_on_pty("nobody", 0620);
	struct term *in_chat = login_on_pty("root", 0620);
	struct term *closed = login_on_pty("nobody", 0600);
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *m = tc_connect(d->sock);
	tc_join(m, "rootie");
	struct cmd_result r;

	admin(&r, d, "notice", "--wall", "disk full at 16:00 — käse", NULL);
	ck_admin(&r, 0, "notice posted (seq 2); terminals written: 1; skipped: 1 with mesg n, "
		 "1 of users in the chat; timed out: 0; failed: 0\n");
	cmd_result_free(&r);
	term_got_notice(out, "disk full at 16:00 — käse\r\n");
	tc_expect(m, "EV [0-9]+ [0-9]+ NOTICE disk full at 16:00 — käse$", TC_TIMEOUT);
	term_expect_nothing(in_chat);
	term_expect_nothing(closed);

	/* Escape sequences never reach a terminal: the text is refused as a
	 * whole (and would be sanitized by the wall process if it were not). */
	admin(&r, d, "notice", "--wall", "\x1b]0;owned\x07\x1b[2Jgone", NULL);
	ck_assert_msg(r.code == 1 && strstr(r.err, "control"), "exit %d, stderr '%s'", r.code, r.err);
	cmd_result_free(&r);
	admin(&r, d, "notice", "--wall", "c1 \xc2\x9b" "31m csi", NULL);
	ck_assert_msg(r.code == 1, "exit %d, stdout '%s', stderr '%s'", r.code, r.out, r.err);
	cmd_result_free(&r);
	term_expect_nothing(out);

	/* --json gives the counts by name. */
	admin(&r, d, "--json", "notice", "--wall", "again", NULL);
	ck_admin(&r, 0, "{\"seq\": 3, \"written\": 1, \"mesg_n\": 1, \"in_chat\": 1, "
		 "\"timed_out\": 0, \"failed\": 0}\n");
	cmd_result_free(&r);
	term_got_notice(out, "again\r\n");
	tc_close(m);
	lchatd_stop_ok(d);
	term_free(out);
	term_free(in_chat);
	term_free(closed);
}
END_TEST

/* --group: only the terminals of that group's members. */
START_TEST(test_wall_group)
{
	if (!private_utmp("wall_group"))
		return;
	struct passwd *nb = getpwnam("nobody");
	ck_assert_ptr_nonnull(nb);
	struct group *g = getgrgid(nb->pw_gid);
	ck_assert_ptr_nonnull(g);
	char group[64];
	snprintf(group, sizeof(group), "%s", g->gr_name);
	ck_assert_ptr_nonnull(getpwnam("daemon"));
	struct term *member = login_on_pty("nobody", 0620);
	struct term *other = login_on_pty("daemon", 0620);
	struct lchatd *d = lchatd_start(CONF);
	struct cmd_result r;

	admin(&r, d, "notice", "--group", group, "for one group", NULL);
	ck_admin(&r, 0, "notice posted (seq 1); terminals written: 1; skipped: 0 with mesg n, "
		 "0 of users in the chat; timed out: 0; failed: 0\n");
	cmd_result_free(&r);
	term_got_notice(member, "for one group\r\n");
	term_expect_nothing(other);

	admin(&r, d, "notice", "--wall", "for all", NULL);
	ck_admin(&r, 0, "notice posted (seq 2); terminals written: 2; skipped: 0 with mesg n, "
		 "0 of users in the chat; timed out: 0; failed: 0\n");
	cmd_result_free(&r);
	term_got_notice(member, "for all\r\n");
	term_got_notice(other, "for all\r\n");

	/* No such group: refused, and nothing posted. */
	admin(&r, d, "notice", "--group", "no-such-group-here", "lost", NULL);
	ck_assert_msg(r.code == 1 && strstr(r.err, "no such group"), "exit %d, stderr '%s'",
		      r.code, r.err);
	cmd_result_free(&r);
	admin(&r, d, "who", "--wall", NULL);
	ck_assert_msg(r.code == 2 && strstr(r.err, "options of notice"), "exit %d, stderr '%s'",
		      r.code, r.err);
	cmd_result_free(&r);
	term_expect_nothing(member);
	lchatd_stop_ok(d);
	term_free(member);
	term_free(other);
}
END_TEST

/* A terminal that takes nothing (its output suspended) is given up after the
 * timeout; the others have theirs at once, and the admin is told. */
START_TEST(test_wall_blocked_terminal)
{
	if (!private_utmp("wall_blocked_terminal"))
		return;
	struct term *blocked = login_on_pty("nobody", 0620);
	struct term *fine = login_on_pty("daemon", 0620);
	term_block(blocked);
	struct lchatd *d = lchatd_start(CONF);
	struct cmd_result r;

	int64_t t0 = mono_ms_now();
	admin(&r, d, "notice", "--wall", "through", NULL);
	int64_t took = mono_ms_now() - t0;
	ck_admin(&r, 0, "notice posted (seq 1); terminals written: 1; skipped: 0 with mesg n, "
		 "0 of users in the chat; timed out: 1; failed: 0\n");
	cmd_result_free(&r);
	/* The one-second limit, not lchat-admin's own 10 s. */
	fprintf(stderr, "wall_blocked_terminal: lchat-admin notice --wall took %lld ms\n",
		(long long)took);
	ck_assert_msg(took < 8000, "notice --wall took %lld ms", (long long)took);
	term_got_notice(fine, "through\r\n");
	lchatd_stop_ok(d);
	term_free(blocked);
	term_free(fine);
}
END_TEST

/* notice_wall = true: every notice goes to the terminals too. */
START_TEST(test_notice_wall_config)
{
	if (!private_utmp("notice_wall_config"))
		return;
	struct term *t = login_on_pty("nobody", 0620);
	struct lchatd *d = lchatd_start(CONF "notice_wall = true\n");
	struct cmd_result r;

	admin(&r, d, "notice", "by default", NULL);
	ck_admin(&r, 0, "notice posted (seq 1); terminals written: 1; skipped: 0 with mesg n, "
		 "0 of users in the chat; timed out: 0; failed: 0\n");
	cmd_result_free(&r);
	term_got_notice(t, "by default\r\n");
	lchatd_stop_ok(d);
	term_free(t);
}
END_TEST

/* The wall process outlives a daemon killed and started again: the new
 * daemon writes to the terminals through it. */
START_TEST(test_wall_survives_daemon_restart)
{
	if (!private_utmp("wall_survives_daemon_restart"))
		return;
	struct term *t = login_on_pty("nobody", 0620);
	struct lchatd *d = lchatd_start(CONF);
	pid_t old = lchatd_daemon_pid(d);
	struct pstat ps;
	struct cmd_result r;

	ck_assert(pstat_read(old, &ps));
	ck_assert_int_eq(kill(old, SIGKILL), 0);
	wait_child_titled(d->pid, "lchatd: daemon", ps.sid, TC_TIMEOUT);
	ck_assert(lchatd_log_has(d, "ready: users on .*restarts so far: 1", TC_TIMEOUT));
	admin(&r, d, "notice", "--wall", "after the restart", NULL);
	ck_assert_msg(r.code == 0 && strstr(r.out, "terminals written: 1;"),
		      "exit %d, stdout '%s', stderr '%s'", r.code, r.out, r.err);
	cmd_result_free(&r);
	term_got_notice(t, "after the restart\r\n");
	lchatd_stop_ok(d);
	term_free(t);
}
END_TEST

/* lchatd started as a user who is not in group tty has no wall process:
 * WALL is refused, saying why, and nothing is posted to the room. */
static void run_as_nobody(const struct lchatd *d, void *arg)
{
	(void)arg;
	if (chown(d->dir, NOBODY, NOBODY) < 0 || become_uid(NOBODY) < 0)
		_exit(120);
}

START_TEST(test_wall_unavailable_without_tty)
{
	if (!private_utmp("wall_unavailable_without_tty"))
		return;
	struct term *t = login_on_pty("daemon", 0620);
	lchatd_set_exec_hook(run_as_nobody, NULL);
	struct lchatd *d = lchatd_start(CONF "user = \"nobody\"\nadmin_group = \"nogroup\"\n");
	lchatd_set_exec_hook(NULL, NULL);
	struct tclient *m = tc_connect(d->sock), *c = ctl_connect(d->ctl);
	tc_join(m, "watcher");
	tc_send(c, "WALL * is anyone there");
	tc_expect(c, "ERR unavailable lchatd cannot write to terminals: it was not started as "
		  "root and is not in group tty$", TC_TIMEOUT);
	tc_send(c, "NOTICE only the room");
	tc_expect(c, "OK NOTICE [0-9]+$", TC_TIMEOUT);
	tc_expect(m, "EV [0-9]+ [0-9]+ NOTICE only the room$", TC_TIMEOUT);
	term_expect_nothing(t);
	tc_close(c);
	tc_close(m);
	lchatd_stop_ok(d);
	term_free(t);
}
END_TEST

int main(void)
{
	struct harness_case cases[] = {
		{ "wall_reaches_terminals", test_wall_reaches_terminals, 90 },
		{ "wall_group", test_wall_group, 90 },
		{ "wall_blocked_terminal", test_wall_blocked_terminal, 90 },
		{ "notice_wall_config", test_notice_wall_config, 90 },
		{ "wall_survives_daemon_restart", test_wall_survives_daemon_restart, 90 },
		{ "wall_unavailable_without_tty", test_wall_unavailable_without_tty, 90 },
	};

	return harness_run(harness_suite("wall", cases, HARNESS_NCASES(cases)));
}
