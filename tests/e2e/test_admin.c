/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* test_admin.c - lchat-admin end to end: the real lchat-admin against the
 * real lchatd over real sockets, with raw clients (tclient, and sessions
 * opened as uid 65534) watching what each verb does to the room.
 *
 * The harness's clients all connect as root (the test runs as root), and
 * mutes and bans are per uid, so the user who is muted or banned is erin,
 * whose connections are made by a child that drops to uid 65534 (`nobody`)
 * and hands the connected socket back (SCM_RIGHTS): the daemon sees the
 * credentials of the process that connected. Those tests need root. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "procs.h"
#include "runcmd.h"
#include "sanitize.h"

#define CONF "motd = \"\"\n"
#define MAX_ARGS 32

/* ---- running lchat-admin ------------------------------------------------- */

/* Run `lchat-admin [-s ctl] WORDS...` (first, then ap up to a NULL) with
 * stdin `input` (NULL: none). Returns the exit code; the output is in r
 * (cmd_result_free() it). */
static int admin_argv(struct cmd_result *r, const char *input, const char *ctl,
		      const char *first, va_list ap)
{
	char *argv[MAX_ARGS];
	int n = 0;

	argv[n++] = (char *)lchat_admin_exe();
	if (ctl) {
		argv[n++] = "-s";
		argv[n++] = (char *)ctl;
	}
	for (const char *a = first; a; a = va_arg(ap, const char *)) {
		ck_assert_int_lt(n, MAX_ARGS - 1);
		argv[n++] = (char *)a;
	}
	argv[n] = NULL;
	struct cmd_opts o = { .input = input };
	return run_cmd(r, &o, argv);
}

/* lchat-admin WORDS..., as they are. */
__attribute__((sentinel))
static int admin_raw(struct cmd_result *r, const char *input, const char *first, ...)
{
	va_list ap;

	va_start(ap, first);
	int rc = admin_argv(r, input, NULL, first, ap);
	va_end(ap);
	return rc;
}

/* lchat-admin -s CONTROL-SOCKET WORDS... */
__attribute__((sentinel))
static int admin(struct cmd_result *r, struct lchatd *d, const char *first, ...)
{
	va_list ap;

	va_start(ap, first);
	int rc = admin_argv(r, NULL, d->ctl, first, ap);
	va_end(ap);
	return rc;
}

/* The run went as expected: exit code `code`; say what it printed if not. */
#define ck_exit(r, want) \
	ck_assert_msg((r)->code == (want), "lchat-admin exited %d (want %d); stdout '%s' stderr '%s'", \
		      (r)->code, (want), (r)->out, (r)->err)

/* The test's line that called admin_says() or admin_exits(), for their
 * failure messages. */
static int admin_line;

/* lchat-admin -s CONTROL-SOCKET WORDS... exits 0 and prints exactly `out`. */
__attribute__((sentinel))
static void admin_says(struct lchatd *d, const char *out, const char *first, ...)
{
	struct cmd_result r;
	va_list ap;

	va_start(ap, first);
	admin_argv(&r, NULL, d->ctl, first, ap);
	va_end(ap);
	ck_assert_msg(r.code == 0, "line %d: lchat-admin exited %d (want 0); stdout '%s' stderr '%s'",
		      admin_line, r.code, r.out, r.err);
	ck_assert_msg(strcmp(r.out, out) == 0, "line %d: lchat-admin printed '%s', not '%s'",
		      admin_line, r.out, out);
	cmd_result_free(&r);
}

/* lchat-admin -s CONTROL-SOCKET WORDS... exits `code`, and its stderr
 * contains `err` (NULL: anything). */
__attribute__((sentinel))
static void admin_exits(struct lchatd *d, int code, const char *err, const char *first, ...)
{
	struct cmd_result r;
	va_list ap;

	va_start(ap, first);
	admin_argv(&r, NULL, d->ctl, first, ap);
	va_end(ap);
	ck_assert_msg(r.code == code, "line %d: lchat-admin exited %d (want %d); stdout '%s' stderr '%s'",
		      admin_line, r.code, code, r.out, r.err);
	ck_assert_msg(!err || strstr(r.err, err), "line %d: stderr '%s'", admin_line, r.err);
	cmd_result_free(&r);
}

#define admin_says(...) (admin_line = __LINE__, admin_says(__VA_ARGS__))
#define admin_exits(...) (admin_line = __LINE__, admin_exits(__VA_ARGS__))

/* ---- sessions of uid 65534 ----------------------------------------------- */

/* Let uid 65534 reach the sockets: the daemon decides who may do what. */
static void loosen(struct lchatd *d)
{
	ck_assert_int_eq(chmod(d->dir, 0755), 0);
	ck_assert_int_eq(chmod(d->sock, 0666), 0);
	ck_assert_int_eq(chmod(d->ctl, 0666), 0);
}

/* A connection to path made by uid NOBODY: a child drops to it, connects
 * and passes the socket back. False if connect() failed. */
static bool nobody_connect(const char *path, struct linesock *ls)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = -1;
		if (become_uid(NOBODY) == 0)
			fd = sock_connect(path, 0);
		char ok = fd >= 0 ? 'y' : 'n';
		struct iovec iov = { &ok, 1 };
		union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
		if (fd >= 0) {
			m.msg_control = u.buf;
			m.msg_controllen = sizeof(u.buf);
			struct cmsghdr *c = CMSG_FIRSTHDR(&m);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), &fd, sizeof(int));
		}
		_exit(sendmsg(sv[1], &m, 0) == 1 ? 0 : 1);
	}
	close(sv[1]);
	char ok = 0;
	struct iovec iov = { &ok, 1 };
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf) };
	ssize_t got = recvmsg(sv[0], &m, MSG_CMSG_CLOEXEC);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	close(sv[0]);
	ck_assert_msg(got == 1, "nobody_connect: the child sent nothing");
	if (ok != 'y')
		return false;
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	ck_assert_ptr_nonnull(c);
	memset(ls, 0, sizeof(*ls));
	memcpy(&ls->fd, CMSG_DATA(c), sizeof(int));
	ck_assert_int_eq(fcntl(ls->fd, F_SETFL, O_NONBLOCK), 0);
	return true;
}

/* The next line of ls must match re (anchored). */
static void ls_expect(struct linesock *ls, const char *who, const char *re)
{
	size_t len;
	char *line = linesock_read(ls, mono_ms_now() + TC_TIMEOUT, &len);

	ck_assert_msg(line, "%s: no line (%s) where '%s' was expected", who,
		      ls->eof ? "connection closed" : "timeout", re);
	ck_assert_msg(line_matches(line, re), "%s: got '%s', expected '%s'", who, line, re);
	free(line);
}

/* Lines until one matches re; the others (MOTD, events) are skipped. */
static void ls_expect_skip(struct linesock *ls, const char *who, const char *re)
{
	int64_t deadline = mono_ms_now() + TC_TIMEOUT;
	size_t len;

	for (;;) {
		char *line = linesock_read(ls, deadline, &len);
		ck_assert_msg(line, "%s: '%s' never came (%s)", who, re,
			      ls->eof ? "connection closed" : "timeout");
		bool match = line_matches(line, re);
		free(line);
		if (match)
			return;
	}
}

static void ls_send(struct linesock *ls, const char *line)
{
	send_all(ls->fd, line, strlen(line), "erin");
}

/* erin, uid 65534, joined. */
static void erin_join(struct lchatd *d, struct linesock *erin)
{
	ck_assert(nobody_connect(d->sock, erin));
	ls_expect(erin, "erin", "HELLO lchat/1 .* login=nobody ");
	ls_send(erin, "JOIN erin\n");
	ls_expect(erin, "erin", "OK JOIN erin [0-9]+$");
	/* Past MOTD and history. */
	ls_send(erin, "PING joined\n");
	ls_expect_skip(erin, "erin", "PONG joined$");
}

static void ls_expect_eof(struct linesock *ls, const char *who)
{
	size_t len;
	char *line = linesock_read(ls, mono_ms_now() + TC_TIMEOUT, &len);

	ck_assert_msg(!line && ls->eof, "%s: expected the end, got '%s'", who, line ? line : "(timeout)");
}

/* ---- notice ----------------------------------------------------------------- */

START_TEST(test_notice_from_args_and_stdin)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a = tc_connect(d->sock), *b = tc_connect(d->sock);
	struct cmd_result r;

	tc_join(a, "alice");
	tc_join(b, "bob");
	tc_expect(a, "EV [0-9]+ [0-9]+ JOIN bob ", TC_TIMEOUT);

	admin(&r, d, "notice", "server", "reboots", "at", "18:00", NULL);
	ck_exit(&r, 0);
	ck_assert_msg(line_matches(r.out, "notice posted \\(seq [0-9]+\\)\n$"), "stdout '%s'", r.out);
	uint64_t seq = strtoull(r.out + strlen("notice posted (seq "), NULL, 10);
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ NOTICE server reboots at 18:00$", seq);
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ NOTICE server reboots at 18:00$", seq);
	cmd_result_free(&r);

	/* From stdin: each non-blank line is a notice, in order. */
	admin_raw(&r, "first line\n\n   \nsecond line\n", "-s", d->ctl, "notice", NULL);
	ck_exit(&r, 0);
	ck_assert_msg(re_contains(r.out, "^notice posted \\(seq [0-9]+\\)\nnotice posted \\(seq [0-9]+\\)\n$"),
		      "stdout '%s'", r.out);
	cmd_result_free(&r);
	tc_expect(a, "EV [0-9]+ [0-9]+ NOTICE first line$", TC_TIMEOUT);
	tc_expect(a, "EV [0-9]+ [0-9]+ NOTICE second line$", TC_TIMEOUT);
	tc_expect(b, "EV [0-9]+ [0-9]+ NOTICE first line$", TC_TIMEOUT);
	tc_expect(b, "EV [0-9]+ [0-9]+ NOTICE second line$", TC_TIMEOUT);

	/* Text the daemon refuses: exit 1 with its reason, nothing posted. */
	admin_exits(d, 1, "bad-char", "notice", "bell\x07here", NULL);
	/* A line end in an argument would be a second command: refused. */
	admin_exits(d, 2, NULL, "notice", "hi\nSHUTDOWN", NULL);
	tc_expect_silence(a);
	tc_expect_silence(b);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- who ---------------------------------------------------------------------- */

/* Options may come after the verb (util-linux style); after it only
 * lchat-admin's own options are taken, so a notice may start with '-',
 * and "--" ends the options. */
START_TEST(test_options_anywhere)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a = tc_connect(d->sock);
	struct cmd_result r;

	tc_join(a, "alice");
	admin(&r, d, "who", "--json", NULL);
	ck_exit(&r, 0);
	ck_assert_msg(r.out[0] == '[' && strstr(r.out, "\"alice\""), "stdout '%s'", r.out);
	cmd_result_free(&r);
	admin(&r, d, "status", "--timeout=3", "--json", NULL);
	ck_exit(&r, 0);
	ck_assert_msg(r.out[0] == '{', "stdout '%s'", r.out);
	cmd_result_free(&r);
	admin(&r, d, "notice", "-5", "degrees", "outside", NULL);
	ck_exit(&r, 0);
	cmd_result_free(&r);
	tc_expect(a, "EV [0-9]+ [0-9]+ NOTICE -5 degrees outside$", TC_TIMEOUT);
	admin(&r, d, "notice", "--", "--json", "is", "text", "-t", "too", NULL);
	ck_exit(&r, 0);
	cmd_result_free(&r);
	tc_expect(a, "EV [0-9]+ [0-9]+ NOTICE --json is text -t too$", TC_TIMEOUT);
	admin(&r, d, "who", "-t", NULL);
	ck_exit(&r, 2);
	ck_assert_msg(strstr(r.err, "option -t needs an argument"), "stderr '%s'", r.err);
	cmd_result_free(&r);
	tc_close(a);
	lchatd_stop_ok(d);
}
END_TEST

START_TEST(test_who_table_and_json)
{
	struct lchatd *d = lchatd_start(CONF);
	struct cmd_result r;

	admin_says(d, "nobody is in the room\n", "who", NULL);
	admin_says(d, "[]\n", "--json", "who", NULL);

	struct tclient *a = tc_connect(d->sock), *b = tc_connect(d->sock);
	tc_join(a, "alice");
	tc_join(b, "bob");
	tc_send(b, "AWAY making tea");
	tc_expect(b, "OK AWAY making tea$", TC_TIMEOUT);
	admin(&r, d, "who", NULL);
	ck_exit(&r, 0);
	ck_assert_msg(re_contains(r.out, "^NAME +LOGIN +UID +IDLE +CONNECTED +MUTED\n"), "'%s'", r.out);
	ck_assert_msg(re_contains(r.out, "\nalice +root +0 +[0-9]+s +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} +-\n"),
		      "'%s'", r.out);
	ck_assert_msg(re_contains(r.out, "\nbob +root +0 +[0-9]+s +[0-9-]+ [0-9:]+ +-  away: making tea\n"),
		      "'%s'", r.out);
	cmd_result_free(&r);

	int64_t before = wall_ms();
	admin(&r, d, "--json", "who", NULL);
	ck_exit(&r, 0);
	const char *fields = "\\{\"name\": \"%s\", \"login\": \"root\", \"uid\": 0, "
			     "\"idle_seconds\": [0-9]+, \"joined_ms\": ([0-9]+), "
			     "\"connected_ms\": ([0-9]+), \"muted\": null, \"away\": %s\\}";
	char re[512];
	snprintf(re, sizeof(re), fields, "alice", "null");
	ck_assert_msg(re_contains(r.out, re), "'%s'", r.out);
	snprintf(re, sizeof(re), fields, "bob", "\"making tea\"");
	ck_assert_msg(re_contains(r.out, re), "'%s'", r.out);
	ck_assert_msg(re_contains(r.out, "^\\[\n  \\{.*\\},\n  \\{.*\\}\n\\]\n$"), "'%s'", r.out);
	/* The times are milliseconds since the epoch, and not in the future. */
	const char *j = strstr(r.out, "\"joined_ms\": ");
	ck_assert_ptr_nonnull(j);
	int64_t joined = strtoll(j + strlen("\"joined_ms\": "), NULL, 10);
	ck_assert_msg(joined > before - 60000 && joined <= before, "joined_ms %" PRId64, joined);
	cmd_result_free(&r);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- kick ------------------------------------------------------------------------ */

START_TEST(test_kick)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a = tc_connect(d->sock), *b = tc_connect(d->sock);
	struct cmd_result r;

	tc_join(a, "alice");
	tc_join(b, "bob");
	tc_expect(a, "EV [0-9]+ [0-9]+ JOIN bob ", TC_TIMEOUT);
	admin(&r, d, "kick", "bob", "flooding", "the", "room", NULL);
	ck_exit(&r, 0);
	ck_assert_msg(line_matches(r.out, "kicked bob \\(seq [0-9]+\\)\n$"), "'%s'", r.out);
	uint64_t seq = strtoull(r.out + strlen("kicked bob (seq "), NULL, 10);
	cmd_result_free(&r);
	tc_expect(b, "BYE kicked .*flooding the room", TC_TIMEOUT);
	tc_expect_eof(b, TC_TIMEOUT);
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ LEAVE bob root kicked flooding the room$", seq);

	/* Nobody of that name: exit 1, and the daemon's reason. */
	admin(&r, d, "kick", "carol", NULL);
	ck_exit(&r, 1);
	ck_assert_msg(strstr(r.err, "no-such-user"), "stderr '%s'", r.err);
	ck_assert_str_eq(r.out, "");
	cmd_result_free(&r);
	tc_expect_silence(a);
	/* A kicked member may come back at once. */
	struct tclient *b2 = tc_connect(d->sock);
	tc_join(b2, "bob");
	lchatd_stop_ok(d);
}
END_TEST

/* ---- mute ------------------------------------------------------------------------- */

START_TEST(test_mute_unmute_and_expiry)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a = tc_connect(d->sock);
	struct linesock erin;
	struct cmd_result r;

	tc_join(a, "alice");
	loosen(d);
	erin_join(d, &erin);
	tc_expect(a, "EV [0-9]+ [0-9]+ JOIN erin nobody$", TC_TIMEOUT);

	admin_says(d, "muted nobody (uid 65534) forever\n", "mute", "erin", NULL);
	ls_expect(&erin, "erin", "EV [0-9]+ [0-9]+ NOTICE .*mute");
	ls_send(&erin, "SAY can anyone hear me\n");
	ls_expect(&erin, "erin", "ERR muted ");
	/* who shows it; alice heard nothing (not even the private notice). */
	admin(&r, d, "who", NULL);
	ck_assert_msg(re_contains(r.out, "\nerin +nobody +65534 .* forever\n"), "'%s'", r.out);
	cmd_result_free(&r);
	admin(&r, d, "--json", "who", NULL);
	ck_assert_msg(re_contains(r.out, "\"name\": \"erin\".*\"muted\": \"forever\", \"away\": null\\}"), "'%s'", r.out);
	cmd_result_free(&r);
	tc_expect_silence(a);

	admin_says(d, "unmuted nobody (uid 65534)\n", "unmute", "nobody", NULL);
	ls_expect(&erin, "erin", "EV [0-9]+ [0-9]+ NOTICE ");
	ls_send(&erin, "SAY back again\n");
	ls_expect(&erin, "erin", "OK SAY [0-9]+$");
	tc_expect(a, "EV [0-9]+ [0-9]+ MSG erin back again$", TC_TIMEOUT);

	/* A short mute ends by itself: the "may speak again" notice comes,
	 * and then SAY works. */
	admin_says(d, "muted nobody (uid 65534) for 2s\n", "mute", "#65534", "2s", NULL);
	ls_expect(&erin, "erin", "EV [0-9]+ [0-9]+ NOTICE .*2s");
	ls_send(&erin, "SAY too soon\n");
	ls_expect(&erin, "erin", "ERR muted ");
	ls_expect(&erin, "erin", "EV [0-9]+ [0-9]+ NOTICE ");
	ls_send(&erin, "SAY free again\n");
	ls_expect(&erin, "erin", "OK SAY [0-9]+$");
	tc_expect(a, "EV [0-9]+ [0-9]+ MSG erin free again$", TC_TIMEOUT);

	/* Errors: nobody called carol; unmuting who is not muted. */
	admin_exits(d, 1, "no-such-user", "mute", "carol", "10m", NULL);
	admin_exits(d, 1, "not-muted", "unmute", "erin", NULL);
	tc_expect_silence(a);
	linesock_close(&erin);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- ban ---------------------------------------------------------------------------- */

START_TEST(test_ban_and_unban)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a = tc_connect(d->sock);
	struct linesock erin, again;
	struct cmd_result r;

	ck_assert_msg(getpwnam("dave") == NULL, "this test needs 'dave' not to be a login");
	tc_join(a, "alice");
	loosen(d);
	erin_join(d, &erin);
	tc_expect(a, "EV [0-9]+ [0-9]+ JOIN erin nobody$", TC_TIMEOUT);

	admin_says(d, "banned nobody (uid 65534) for 1h; sessions closed: 1\n",
		   "ban", "#65534", "1h", "spamming", "links", NULL);
	ls_expect_skip(&erin, "erin", "BYE banned ");
	ls_expect_eof(&erin, "erin");
	linesock_close(&erin);
	tc_expect(a, "EV [0-9]+ [0-9]+ LEAVE erin nobody banned spamming links$", TC_TIMEOUT);

	/* A new connection from that uid is turned away. */
	ck_assert(nobody_connect(d->sock, &again));
	ls_expect(&again, "erin again", "BYE banned ");
	ls_expect_eof(&again, "erin again");
	linesock_close(&again);

	/* bans lists it, for people and for programs. */
	admin(&r, d, "bans", NULL);
	ck_exit(&r, 0);
	ck_assert_msg(re_contains(r.out, "\nban +nobody +65534 +(59m|1h)[ 0-9ms]* +spamming links\n"), "'%s'", r.out);
	cmd_result_free(&r);
	admin(&r, d, "--json", "bans", NULL);
	ck_exit(&r, 0);
	ck_assert_msg(re_contains(r.out, "\\{\"kind\": \"ban\", \"login\": \"nobody\", \"uid\": 65534, "
				  "\"seconds_left\": [0-9]+, \"reason\": \"spamming links\"\\}"), "'%s'", r.out);
	cmd_result_free(&r);

	admin_says(d, "unbanned nobody (uid 65534)\n", "unban", "nobody", NULL);
	erin_join(d, &erin);
	tc_expect(a, "EV [0-9]+ [0-9]+ JOIN erin nobody$", TC_TIMEOUT);
	linesock_close(&erin);
	admin(&r, d, "bans", NULL);
	ck_assert_str_eq(r.out, "no bans or mutes in force\n");
	cmd_result_free(&r);

	/* A ban with no duration: the second word starts the reason. */
	admin_says(d, "banned nobody (uid 65534) forever; sessions closed: 0\n",
		   "ban", "nobody", "for", "good", NULL);
	admin(&r, d, "--json", "bans", NULL);
	ck_assert_msg(re_contains(r.out, "\"seconds_left\": \"forever\", \"reason\": \"for good\""), "'%s'", r.out);
	cmd_result_free(&r);

	/* Errors: a login that does not exist; unbanning who is not banned. */
	admin_exits(d, 1, "no-such-user", "ban", "dave", "10m", NULL);
	admin_exits(d, 0, NULL, "unban", "#65534", NULL);
	admin_exits(d, 1, "not-banned", "unban", "#65534", NULL);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- sanctions that cannot be saved, long reasons, bad durations ------------ */

/* The whole of a file, NUL-terminated ("" if it does not exist). */
static char *slurp(const char *path)
{
	static char buf[8192];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;

	buf[0] = '\0';
	if (fd < 0) {
		ck_assert_int_eq(errno, ENOENT);
		return buf;
	}
	ssize_t k;
	while ((k = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (size_t)k;
	close(fd);
	buf[n] = '\0';
	return buf;
}

/* lchatd's environment: fsync() of a file fails with ENOSPC while the
 * file d->dir/disk-full exists (tests/e2e/preload/disk_full.c). */
static void with_disk_full_flag(const struct lchatd *d, void *arg)
{
	(void)arg;
	const char *bin = getenv("LCHAT_BIN");
	char shim[PATH_MAX], flag[PATH_MAX];

	snprintf(flag, sizeof(flag), "%s/disk-full", d->dir);
	snprintf(shim, sizeof(shim), "%s/../tests/disk_full.so", bin && *bin ? bin : "build/bin");
	if (access(shim, R_OK) < 0 || setenv("LD_PRELOAD", shim, 1) < 0 ||
	    setenv("LCHAT_TEST_DISK_FULL", flag, 1) < 0 ||
	    asan_options_add("verify_asan_link_order=0") < 0)
		_exit(2);
}

/* issue 16 item 5: a BAN, MUTE or UNBAN that cannot be saved is an error
 * to the admin and is not made; once there is room again, the next BAN is
 * saved and outlives a restart. */
START_TEST(test_sanction_not_saved_is_not_made)
{
	char state[] = "/tmp/lchat-sanc-XXXXXX", conf[256], flag[PATH_MAX], file[PATH_MAX];
	struct linesock erin, again;
	struct cmd_result r;

	ck_assert_ptr_nonnull(mkdtemp(state));
	ck_assert_int_eq(chmod(state, 0700), 0);
	snprintf(conf, sizeof(conf), CONF "state_dir = \"%s\"\n", state);
	snprintf(file, sizeof(file), "%s/sanctions", state);
	lchatd_set_exec_hook(with_disk_full_flag, NULL);
	struct lchatd *d = lchatd_start(conf);
	lchatd_set_exec_hook(NULL, NULL);
	snprintf(flag, sizeof(flag), "%s/disk-full", d->dir);
	struct tclient *ctl = ctl_connect(d->ctl);
	loosen(d);
	erin_join(d, &erin);

	/* A ban that is saved, then the disk is full. */
	admin_says(d, "muted nobody (uid 65534) forever\n", "mute", "#65534", NULL);
	ls_expect_skip(&erin, "erin", "EV [0-9]+ [0-9]+ NOTICE .*mute");
	char before[8192];
	snprintf(before, sizeof(before), "%s", slurp(file));
	ck_assert_msg(re_contains(before, "^mute 65534 0 nobody\n$"), "'%s'", before);
	int fd = open(flag, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);

	admin_exits(d, 1, "storage: the ban was not made: cannot save the sanctions file: "
		    "No space left on device", "ban", "#65534", "1h", "spam", NULL);
	admin_exits(d, 1, "storage: the mute was not lifted", "unmute", "#65534", NULL);
	tc_send(ctl, "BAN #65534 60 spam");
	tc_expect(ctl, "ERR storage the ban was not made: cannot save the sanctions file: "
		  "No space left on device$", TC_TIMEOUT);
	tc_send(ctl, "MUTE #65534 60");
	tc_expect(ctl, "ERR storage the mute was not made", TC_TIMEOUT);
	/* Nothing changed: erin is in, still muted forever; the file is as it was. */
	ls_send(&erin, "SAY hello\n");
	ls_expect(&erin, "erin", "ERR muted ");
	tc_send(ctl, "BANS");
	tc_expect(ctl, "SANCTION mute nobody 65534 forever$", TC_TIMEOUT);
	tc_expect(ctl, "OK BANS 1$", TC_TIMEOUT);
	ck_assert_str_eq(slurp(file), before);

	/* Room again: the next ban is made and saved. */
	ck_assert_int_eq(unlink(flag), 0);
	admin_says(d, "banned nobody (uid 65534) for 1h; sessions closed: 1\n",
		   "ban", "#65534", "1h", "spam", NULL);
	ls_expect_skip(&erin, "erin", "BYE banned ");
	linesock_close(&erin);
	tc_close(ctl);
	lchatd_stop_ok(d);

	d = lchatd_start(conf);
	loosen(d);
	ck_assert(nobody_connect(d->sock, &again));
	ls_expect(&again, "erin after the restart", "BYE banned .*spam");
	linesock_close(&again);
	admin(&r, d, "bans", NULL);
	ck_assert_msg(re_contains(r.out, "\nban +nobody +65534 .*spam\n"), "'%s'", r.out);
	ck_assert_msg(re_contains(r.out, "\nmute +nobody +65534 +forever"), "'%s'", r.out);
	cmd_result_free(&r);
	lchatd_stop_ok(d);
	remove_tree(state);
}
END_TEST

/* The same on a real full file system: state_dir is a small tmpfs, in a
 * mount namespace of the test's own (the mount goes with the test's
 * processes, pass or fail), whose room mapping is given its pages and
 * whose free space is then filled: the sanctions file's writes fail with
 * ENOSPC. */
START_TEST(test_sanction_on_a_full_disk)
{
	char state[] = "/tmp/lchat-sanc-XXXXXX", conf[256], path[PATH_MAX];
	struct cmd_result r;

	ck_assert_ptr_nonnull(mkdtemp(state));
	ck_assert_msg(unshare(CLONE_NEWNS) == 0, "unshare: %s", strerror(errno));
	ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	ck_assert_msg(mount("tmpfs", state, "tmpfs", MS_NOSUID | MS_NODEV, "size=8m,mode=0700") == 0,
		      "mount: %s", strerror(errno));
	snprintf(conf, sizeof(conf), CONF "state_dir = \"%s\"\n", state);
	struct lchatd *d = lchatd_start(conf);
	struct tclient *a = tc_connect(d->sock);
	tc_join(a, "alice");

	/* The room mapping's pages, allocated now (its data kept), so that
	 * filling the disk cannot take them from the daemon. */
	snprintf(path, sizeof(path), "%s/room", state);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	struct stat st;
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(fallocate(fd, 0, 0, st.st_size), 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/filler", state);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	static char block[65536];
	ssize_t w;
	while ((w = write(fd, block, sizeof(block))) > 0)
		;
	while ((w = write(fd, block, 1)) > 0)
		;
	ck_assert_int_eq(errno, ENOSPC);

	admin_exits(d, 1, "storage: the ban was not made: cannot save the sanctions file: "
		    "No space left on device", "ban", "#65534", "1h", "spam", NULL);
	admin_exits(d, 1, "storage: the mute was not made", "mute", "#65534", NULL);
	admin(&r, d, "bans", NULL);
	ck_assert_str_eq(r.out, "no bans or mutes in force\n");
	cmd_result_free(&r);
	snprintf(path, sizeof(path), "%s/sanctions", state);
	ck_assert_int_eq(access(path, F_OK), -1);

	/* Room again: saved, and there after a restart. */
	ck_assert_int_eq(ftruncate(fd, 0), 0);
	close(fd);
	admin_says(d, "banned nobody (uid 65534) for 1h; sessions closed: 0\n",
		   "ban", "#65534", "1h", "spam", NULL);
	tc_close(a);
	lchatd_stop_ok(d);
	d = lchatd_start(conf);
	admin(&r, d, "bans", NULL);
	ck_assert_msg(re_contains(r.out, "\nban +nobody +65534 .*spam\n"), "'%s'", r.out);
	cmd_result_free(&r);
	lchatd_stop_ok(d);
	ck_assert_int_eq(umount(state), 0);
	ck_assert_int_eq(rmdir(state), 0);
}
END_TEST

/* Is s valid UTF-8 (and otherwise text a member may be sent)? */
static void ck_utf8(const char *what, const char *s)
{
	size_t bad = 0;
	enum text_error e = text_check(s, strlen(s), &bad);
	ck_assert_msg(e != TEXT_BAD_UTF8, "%s: invalid UTF-8 at byte %zu: '%s'", what, bad, s);
}

/* The next line of ls matching re, returned (static). */
static const char *ls_line_skip(struct linesock *ls, const char *who, const char *re)
{
	static char keep[4096];
	int64_t deadline = mono_ms_now() + TC_TIMEOUT;
	size_t len;

	for (;;) {
		char *line = linesock_read(ls, deadline, &len);
		ck_assert_msg(line, "%s: '%s' never came", who, re);
		bool match = line_matches(line, re);
		if (match)
			snprintf(keep, sizeof(keep), "%s", line);
		free(line);
		if (match)
			return keep;
	}
}

/* issue 16 item 9: kick and ban reasons over SANCTION_REASON_MAX (160)
 * bytes of multibyte characters are cut on a character boundary: the
 * members, the banned user and the sanctions file get valid UTF-8. */
START_TEST(test_long_reason_cut_on_a_character)
{
	/* 67 x U+20AC (3 bytes): 201 bytes; 160 falls inside the 54th. Then
	 * an "e" and a combining acute accent straddling the cut at 160 in
	 * the second reason: 159 x "a", "e", U+0301. */
	char euros[256] = "", accent[256];
	for (int i = 0; i < 67; i++)
		strcat(euros, "\xe2\x82\xac");
	memset(accent, 'a', 159);
	snprintf(accent + 159, sizeof(accent) - 159, "e\xcc\x81" "bcd");
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a = tc_connect(d->sock), *b = tc_connect(d->sock);
	struct linesock erin;
	tc_join(a, "alice");
	tc_join(b, "bob");
	tc_expect(a, "EV [0-9]+ [0-9]+ JOIN bob ", TC_TIMEOUT);
	loosen(d);

	admin_exits(d, 0, NULL, "kick", "bob", euros, NULL);
	const char *leave = tc_expect(a, "EV [0-9]+ [0-9]+ LEAVE bob [^ ]+ kicked ", TC_TIMEOUT);
	ck_utf8("kick LEAVE", leave);
	ck_assert_msg(strstr(leave, "kicked \xe2\x82\xac"), "'%s'", leave);
	const char *bye = tc_expect_skip(b, "BYE kicked ", TC_TIMEOUT);
	ck_utf8("kick BYE", bye);

	erin_join(d, &erin);
	tc_expect(a, "EV [0-9]+ [0-9]+ JOIN erin ", TC_TIMEOUT);
	admin_exits(d, 0, NULL, "ban", "#65534", "3d4h", euros, NULL);
	ck_utf8("ban BYE", ls_line_skip(&erin, "erin", "BYE banned "));
	linesock_close(&erin);
	leave = tc_expect(a, "EV [0-9]+ [0-9]+ LEAVE erin nobody banned ", TC_TIMEOUT);
	ck_utf8("ban LEAVE", leave);
	/* 53 whole euro signs: 159 bytes. */
	ck_assert_msg(re_contains(leave, "banned (\xe2\x82\xac){53}$"), "'%s'", leave);
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/sanctions", d->state);
	ck_utf8("sanctions file", slurp(path));

	/* A mark is not cut from its letter: the reason ends before the "e". */
	admin_exits(d, 0, NULL, "ban", "#65534", "1h", accent, NULL);
	const char *file = slurp(path);
	ck_utf8("sanctions file", file);
	ck_assert_msg(re_contains(file, " a{159}\n"), "'%s'", file);
	tc_expect_silence(a);
	lchatd_stop_ok(d);
}
END_TEST

/* issue 16 item 11: one duration grammar, one error, for ban and mute,
 * in lchat-admin and on the control socket; a bad duration never makes a
 * ban (let alone a permanent one). */
START_TEST(test_bad_duration_is_one_error)
{
	static const struct { const char *words[2]; const char *raw, *err; } bad[] = {
		{ { "1.5h", NULL }, "1.5h", "bad duration '1.5h' (examples: 90s, 10m, 1h30m, 2d, forever)" },
		{ { "-5", NULL }, "-5", "bad duration '-5' (examples: 90s, 10m, 1h30m, 2d, forever)" },
		{ { "99999999999w", NULL }, "99999999999w",
		  "bad duration '99999999999w' (more than ten years)" },
		{ { "2", "hours" }, "2 hours",
		  "bad duration '2 hours' (a duration is one word: 2h, not 2 hours)" },
	};
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *ctl = ctl_connect(d->ctl);
	struct cmd_result r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[256];
		snprintf(want, sizeof(want), "lchat-admin: %s\n", bad[i].err);
		const char *verbs[] = { "ban", "mute" };
		for (int v = 0; v < 2; v++) {
			admin(&r, d, verbs[v], "#65534", bad[i].words[0], bad[i].words[1], NULL);
			ck_assert_msg(r.code == 2 && strncmp(r.err, want, strlen(want)) == 0,
				      "%s %s: exit %d, stderr '%s' (want '%s')", verbs[v], bad[i].raw,
				      r.code, r.err, want);
			cmd_result_free(&r);
		}
		tc_send(ctl, "BAN #65534 %s", bad[i].raw);
		tc_expectf(ctl, TC_TIMEOUT, "ERR bad-argument %s$", re_quote(bad[i].err));
		tc_send(ctl, "MUTE #65534 %s", bad[i].raw);
		tc_expectf(ctl, TC_TIMEOUT, "ERR bad-argument %s$", re_quote(bad[i].err));
	}
	tc_send(ctl, "BANS");
	tc_expect(ctl, "OK BANS 0$", TC_TIMEOUT);
	/* The documented forms still work: a word that is not written as a
	 * duration starts the reason of a ban with no end; the socket takes
	 * the same grammar as lchat-admin. */
	admin_says(d, "banned nobody (uid 65534) forever; sessions closed: 0\n",
		   "ban", "#65534", "for", "good", NULL);
	tc_send(ctl, "MUTE #65534 1h30m");
	tc_expect(ctl, "OK MUTE nobody 65534 5400$", TC_TIMEOUT);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- status --------------------------------------------------------------------------- */

START_TEST(test_status_text_and_json)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a = tc_connect(d->sock), *b = tc_connect(d->sock);
	struct cmd_result r;

	tc_join(a, "alice");
	tc_join(b, "bob");
	admin(&r, d, "status", NULL);
	ck_exit(&r, 0);
	ck_assert_msg(re_contains(r.out, "^version +[0-9]+\\.[0-9]+\\.[0-9]+\n"), "'%s'", r.out);
	ck_assert_msg(re_contains(r.out, "\nusers +2\n"), "'%s'", r.out);
	ck_assert_msg(re_contains(r.out, "\nrestarts +0\n"), "'%s'", r.out);
	ck_assert_msg(re_contains(r.out, "\nup +[0-9]+[smhd]"), "'%s'", r.out);
	ck_assert_msg(re_contains(r.out, "\nmemory +[0-9]+ KiB\n"), "'%s'", r.out);
	cmd_result_free(&r);

	admin(&r, d, "--json", "status", NULL);
	ck_exit(&r, 0);
	char re[PATH_MAX + 64];
	snprintf(re, sizeof(re), "\n  \"supervisor_pid\": %d,\n", (int)d->pid);
	ck_assert_msg(re_contains(r.out, re), "'%s'", r.out);
	snprintf(re, sizeof(re), "\n  \"config\": \"%s\"\n\\}\n$", re_quote(d->conf));
	ck_assert_msg(re_contains(r.out, re), "'%s'", r.out);
	static const char *const keys[] = {
		"\"version\": \"[0-9.]+\"", "\"pid\": [0-9]+", "\"uptime\": [0-9]+",
		"\"daemon_uptime\": [0-9]+", "\"restarts\": 0", "\"users\": 2",
		"\"connections\": 2", "\"max_users\": [0-9]+", "\"messages\": 0",
		"\"last_seq\": [0-9]+", "\"memory_kib\": [0-9]+", "\"bans\": 0",
		"\"mutes\": 0", "\"reloads\": 0",
	};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(re, sizeof(re), "\n  %s,\n", keys[i]);
		ck_assert_msg(re_contains(r.out, re), "no %s in '%s'", keys[i], r.out);
	}
	cmd_result_free(&r);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- reload ------------------------------------------------------------------------------ */

/* Rewrite the daemon's config with extra lines (motd, socket ...). */
static void rewrite_config(struct lchatd *d, const char *extra)
{
	write_config_file(d->conf, "test_admin", d->sock, d->ctl, d->state, extra);
}

/* A new member's MOTD lines must include `motd` (a regex). */
static void new_member_sees_motd(struct lchatd *d, const char *name, const char *motd)
{
	struct tclient *c = tc_connect(d->sock);
	struct lines l = { 0 };
	char re[256];

	join_collect(c, name, &l);
	snprintf(re, sizeof(re), "MOTD %s$", motd);
	ck_assert_msg(lines_find(&l, re) >= 0, "%s saw %s", name, lines_show(&l));
	lines_free(&l);
	tc_send(c, "QUIT");
	tc_expect(c, "OK QUIT$", TC_TIMEOUT);
	tc_close(c);
}

START_TEST(test_reload_motd_and_restart_needed)
{
	struct lchatd *d = lchatd_start("motd = \"the old motd\"\n");
	struct tclient *a = tc_connect(d->sock);

	tc_join(a, "alice");
	rewrite_config(d, "motd = \"the new motd\"\n");
	admin_says(d, "configuration reloaded; changed: motd\n", "reload", NULL);
	new_member_sees_motd(d, "bob", "the new motd");
	/* alice stayed: she sees bob come and go, and answers. */
	tc_expect(a, "EV [0-9]+ [0-9]+ JOIN bob ", TC_TIMEOUT);
	tc_expect(a, "EV [0-9]+ [0-9]+ LEAVE bob ", TC_TIMEOUT);
	tc_expect_silence(a);

	/* A new socket path needs a restart; the old socket still serves. */
	char other[PATH_MAX + 32];
	snprintf(other, sizeof(other), "motd = \"the new motd\"\nsocket = \"%s/other.sock\"\n", d->dir);
	rewrite_config(d, other);
	admin_says(d, "configuration reloaded; changed: nothing\n"
		   "restart lchatd for these to take effect: socket\n", "reload", NULL);
	admin_says(d, "{\"changed\": [], \"restart_needed\": [\"socket\"]}\n", "--json", "reload", NULL);
	new_member_sees_motd(d, "carol", "the new motd");
	tc_expect(a, "EV [0-9]+ [0-9]+ JOIN carol ", TC_TIMEOUT);
	lchatd_stop_ok(d);
}
END_TEST

/* Lines in a file. */
static int count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	int n = 0, c;

	ck_assert_ptr_nonnull(f);
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

START_TEST(test_reload_bad_config_keeps_the_old)
{
	struct lchatd *d = lchatd_start("motd = \"the old motd\"\n");
	struct tclient *a = tc_connect(d->sock);
	struct cmd_result r;

	tc_join(a, "alice");
	/* The same config with a new motd, and a line that does not parse. */
	rewrite_config(d, "motd = \"the new motd\"\n");
	int bad_line = count_lines(d->conf) + 1;
	FILE *f = fopen(d->conf, "a");
	ck_assert_ptr_nonnull(f);
	fputs("max_users = = 3\n", f);
	ck_assert_int_eq(fclose(f), 0);

	admin(&r, d, "reload", NULL);
	ck_exit(&r, 1);
	char where[PATH_MAX + 32];
	snprintf(where, sizeof(where), "%s:%d: ", d->conf, bad_line);
	ck_assert_msg(strstr(r.err, where), "stderr '%s' does not name %s", r.err, where);
	ck_assert_str_eq(r.out, "");
	cmd_result_free(&r);
	new_member_sees_motd(d, "bob", "the old motd");
	tc_expect(a, "EV [0-9]+ [0-9]+ JOIN bob ", TC_TIMEOUT);
	tc_expect(a, "EV [0-9]+ [0-9]+ LEAVE bob ", TC_TIMEOUT);
	tc_expect_silence(a);
	admin(&r, d, "--json", "status", NULL);
	ck_assert_msg(re_contains(r.out, "\"reloads\": 0,"), "'%s'", r.out);
	cmd_result_free(&r);
	lchatd_stop_ok(d);
}
END_TEST

START_TEST(test_sighup_reloads)
{
	struct lchatd *d = lchatd_start("motd = \"the old motd\"\n");
	struct cmd_result r;
	char pidfile[PATH_MAX + 16];

	/* The pid file names the supervisor, which gets the SIGHUP. */
	snprintf(pidfile, sizeof(pidfile), "%s/lchatd.pid", d->state);
	FILE *f = fopen(pidfile, "r");
	ck_assert_msg(f, "%s: %s", pidfile, strerror(errno));
	int pid = 0;
	ck_assert_int_eq(fscanf(f, "%d", &pid), 1);
	fclose(f);
	ck_assert_int_eq(pid, d->pid);

	rewrite_config(d, "motd = \"the new motd\"\n");
	lchatd_signal(d, SIGHUP);
	/* Poll lchat-admin status until the reload is counted. */
	int64_t deadline = mono_ms_now() + TC_TIMEOUT;
	bool reloaded = false;
	while (!reloaded && mono_ms_now() < deadline) {
		admin(&r, d, "--json", "status", NULL);
		reloaded = re_contains(r.out, "\"reloads\": 1,");
		cmd_result_free(&r);
		if (!reloaded)
			sleep_ms(50);
	}
	ck_assert_msg(reloaded, "SIGHUP: no reload counted in status");
	new_member_sees_motd(d, "bob", "the new motd");
	lchatd_stop_ok(d);
}
END_TEST

/* ---- shutdown -------------------------------------------------------------------------------- */

START_TEST(test_shutdown_stops_everything)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a = tc_connect(d->sock), *b = tc_connect(d->sock);

	tc_join(a, "alice");
	tc_join(b, "bob");
	tc_expect(a, "EV [0-9]+ [0-9]+ JOIN bob ", TC_TIMEOUT);
	admin_says(d, "lchatd is shutting down\n", "shutdown", "back", "at", "six", NULL);
	struct tclient *members[] = { a, b };
	for (int i = 0; i < 2; i++) {
		tc_expect(members[i], "EV [0-9]+ [0-9]+ NOTICE back at six$", TC_TIMEOUT);
		tc_expect(members[i], "BYE shutdown", TC_TIMEOUT);
		tc_expect_eof(members[i], TC_TIMEOUT);
	}
	/* The supervisor exits by itself, with status 0: no restart. */
	int status = lchatd_wait_exit(d, 10000);
	ck_assert_msg(status != -1, "the supervisor is still running after SHUTDOWN");
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "supervisor status 0x%x", status);
	ck_assert(!sock_can_connect(d->ctl));
	lchatd_stop_ok(d);
}
END_TEST

/* ---- access ------------------------------------------------------------------------------------ */

START_TEST(test_non_admin_refused)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a = tc_connect(d->sock);
	struct cmd_result r;

	tc_join(a, "alice");
	loosen(d);
	char *argv[] = { (char *)lchat_admin_exe(), "-s", d->ctl, "notice", "not from an admin", NULL };
	struct cmd_opts o = { .uid = NOBODY, .as_user = true };
	run_cmd(&r, &o, argv);
	ck_exit(&r, 5);
	ck_assert_msg(strstr(r.err, "permission denied"), "stderr '%s'", r.err);
	ck_assert_str_eq(r.out, "");
	cmd_result_free(&r);
	tc_expect_silence(a);

	/* Without the file opened up, the kernel says no first: also 5. */
	ck_assert_int_eq(chmod(d->ctl, 0600), 0);
	run_cmd(&r, &o, argv);
	ck_exit(&r, 5);
	ck_assert_msg(strstr(r.err, "ermission denied"), "stderr '%s'", r.err);
	cmd_result_free(&r);
	tc_expect_silence(a);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- the command line ------------------------------------------------------------------------- */

START_TEST(test_help_version_usage)
{
	struct cmd_result r;

	admin_raw(&r, NULL, "--help", NULL);
	ck_exit(&r, 0);
	ck_assert_msg(line_matches(r.out, "usage: lchat-admin "), "'%s'", r.out);
	ck_assert_msg(strstr(r.out, "Exit status"), "'%s'", r.out);
	cmd_result_free(&r);
	admin_raw(&r, NULL, "-V", NULL);
	ck_exit(&r, 0);
	ck_assert_msg(line_matches(r.out, "lchat-admin [0-9]+\\.[0-9]+\\.[0-9]+ "), "'%s'", r.out);
	cmd_result_free(&r);

	static const char *const bad[][6] = {
		{ NULL }, { "frobnicate", NULL }, { "mute", NULL }, { "mute", "alice", "soon", NULL },
		{ "-t", "0", "ping", NULL }, { "-s", "/x", "-c", "/y", "ping" }, { "--nope", "ping", NULL },
		{ "who", "extra", NULL }, { "-s", NULL },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[8] = { (char *)lchat_admin_exe() };
		int n = 1;
		for (int k = 0; k < 6 && bad[i][k]; k++)
			argv[n++] = (char *)bad[i][k];
		argv[n] = NULL;
		struct cmd_opts o = { 0 };
		run_cmd(&r, &o, argv);
		ck_assert_msg(r.code == 2, "case %zu: exit %d, stderr '%s'", i, r.code, r.err);
		ck_assert_msg(strstr(r.err, "lchat-admin: "), "case %zu: stderr '%s'", i, r.err);
		cmd_result_free(&r);
	}
}
END_TEST

START_TEST(test_config_and_connect_errors)
{
	char dir[] = "/tmp/lchat-admin-e2e.XXXXXX", path[PATH_MAX], conf[PATH_MAX];
	struct cmd_result r;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/control.sock", dir);
	snprintf(conf, sizeof(conf), "%s/lchat.conf", dir);

	/* No config file; a broken one: exit 3, naming the file. */
	admin_raw(&r, NULL, "-c", conf, "ping", NULL);
	ck_exit(&r, 3);
	ck_assert_msg(strstr(r.err, conf), "stderr '%s'", r.err);
	cmd_result_free(&r);
	write_config_file(conf, "broken", path, path, dir, "max_users = = 3\n");
	admin_raw(&r, NULL, "-c", conf, "ping", NULL);
	ck_exit(&r, 3);
	ck_assert_msg(strstr(r.err, conf), "stderr '%s'", r.err);
	cmd_result_free(&r);

	/* A good config, no daemon: exit 4. */
	char sock[PATH_MAX + 16];
	snprintf(sock, sizeof(sock), "%s/lchat.sock", dir);
	write_config_file(conf, "no daemon", sock, path, dir, "");
	admin_raw(&r, NULL, "-c", conf, "ping", NULL);
	ck_exit(&r, 4);
	ck_assert_msg(strstr(r.err, path), "stderr '%s'", r.err);
	cmd_result_free(&r);
	admin_raw(&r, NULL, "-s", path, "status", NULL);
	ck_exit(&r, 4);
	cmd_result_free(&r);

	/* Something that accepts and never speaks: -t gives up, exit 4. */
	struct sockaddr_un sa;
	int fd = sock_open_to(path, &sa, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	int64_t t0 = mono_ms_now();
	admin_raw(&r, NULL, "-s", path, "-t", "1", "ping", NULL);
	int64_t took = mono_ms_now() - t0;
	close(fd);
	ck_exit(&r, 4);
	ck_assert_msg(strstr(r.err, "no answer"), "stderr '%s'", r.err);
	ck_assert_msg(took >= 900 && took < 8000, "took %" PRId64 " ms", took);
	cmd_result_free(&r);
	remove_tree(dir);
}
END_TEST

START_TEST(test_socket_from_config)
{
	struct lchatd *d = lchatd_start(CONF);
	struct cmd_result r;

	admin_raw(&r, NULL, "-c", d->conf, "ping", NULL);
	ck_exit(&r, 0);
	ck_assert_str_eq(r.out, "lchatd is alive\n");
	cmd_result_free(&r);
	admin_raw(&r, NULL, "--config", d->conf, "--json", "status", NULL);
	ck_exit(&r, 0);
	ck_assert_msg(re_contains(r.out, "\"users\": 0,"), "'%s'", r.out);
	cmd_result_free(&r);
	lchatd_stop_ok(d);
}
END_TEST

int main(void)
{
	struct harness_case cases[] = {
		{ "help_version_usage", test_help_version_usage, 60 },
		{ "config_and_connect_errors", test_config_and_connect_errors, 60 },
		{ "socket_from_config", test_socket_from_config, 60 },
		{ "notice_from_args_and_stdin", test_notice_from_args_and_stdin, 60 },
		{ "who_table_and_json", test_who_table_and_json, 60 },
		{ "options_anywhere", test_options_anywhere, 60 },
		{ "kick", test_kick, 60 },
		{ "status_text_and_json", test_status_text_and_json, 60 },
		{ "reload_motd_and_restart_needed", test_reload_motd_and_restart_needed, 60 },
		{ "reload_bad_config_keeps_the_old", test_reload_bad_config_keeps_the_old, 60 },
		{ "sighup_reloads", test_sighup_reloads, 60 },
		{ "shutdown_stops_everything", test_shutdown_stops_everything, 60 },
		{ "bad_duration_is_one_error", test_bad_duration_is_one_error, 60 },
		/* These switch uid: root only. */
		{ "mute_unmute_and_expiry", test_mute_unmute_and_expiry, 60 },
		{ "ban_and_unban", test_ban_and_unban, 60 },
		{ "sanction_not_saved_is_not_made", test_sanction_not_saved_is_not_made, 60 },
		{ "sanction_on_a_full_disk", test_sanction_on_a_full_disk, 60 },
		{ "long_reason_cut_on_a_character", test_long_reason_cut_on_a_character, 60 },
		{ "non_admin_refused", test_non_admin_refused, 60 },
	};
	size_t n = HARNESS_NCASES(cases);

	if (geteuid() != 0)
		n -= 6;
	return harness_run(harness_suite("admin", cases, n));
}
