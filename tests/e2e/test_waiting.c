/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* test_waiting.c - messages that wait (issue 18, items 2 and 6): a PRIV to
 * the login of an account that is not in the chat, and "@login" in a
 * public message, are kept for it, across a daemon restart, bounded per
 * recipient and by age, in a file of mode 0600; the recipient's next JOIN
 * gets each once, marked; `lchat --check` says how many wait. And a
 * private message's text leaves the room file after private_keep, and a
 * resume no longer replays it.
 *
 * Runs as root: the sender is root, the recipient nobody (65534), who runs
 * the real lchat binary (runcmd.h). */
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "procs.h"
#include "runcmd.h"

#define CONF "motd = \"\"\n"

/* Run the real lchat as nobody against d's socket with extra arguments
 * (NULL-terminated, at most 4); its stdout into r. Returns its exit code. */
static int lchat_as_nobody(struct lchatd *d, struct cmd_result *r, const char *a1,
			   const char *a2)
{
	char *argv[] = { (char *)lchat_exe(), "-s", d->sock, (char *)a1, (char *)a2, NULL };
	struct cmd_opts o = { .uid = NOBODY, .as_user = true };

	/* nobody must reach the socket in the test's directory. */
	ck_assert_int_eq(chmod(d->dir, 0711), 0);
	return run_cmd(r, &o, argv);
}

/* How many lines of s contain re. */
static int count_lines(const char *s, const char *re)
{
	int n = 0;

	for (const char *p = s; p && *p; ) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = strndup(p, len);
		ck_assert_ptr_nonnull(line);
		n += re_contains(line, re);
		free(line);
		p = nl ? nl + 1 : NULL;
	}
	return n;
}

/* nobody joins with the real client (scripting mode, no history) and
 * leaves at once: its output. */
static char *nobody_joins(struct lchatd *d)
{
	struct cmd_result r;

	ck_assert_int_eq(lchat_as_nobody(d, &r, "-H", NULL), 0);
	char *out = strdup(r.out);
	ck_assert_ptr_nonnull(out);
	cmd_result_free(&r);
	return out;
}

/* The whole of a file, as a block of bytes (*len of them). */
static char *file_bytes(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	char *buf = xcalloc((size_t)st.st_size + 1, 1);
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		ck_assert_int_gt(n, 0);
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return buf;
}

static bool has_bytes(const char *buf, size_t len, const char *s)
{
	return memmem(buf, len, s, strlen(s)) != NULL;
}

/* A PRIV to nobody, who is not in the chat: accepted as waiting, the
 * sender told; the store is mode 0600; nobody's next JOIN shows it once,
 * marked, with the sender; the JOIN after shows nothing. */
START_TEST(test_priv_waits_for_absent_login)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a = tc_connect(d->sock);
	char path[PATH_MAX];
	struct stat st;

	tc_join(a, "alice");
	tc_send(a, "PRIV nobody see you at five");
	tc_expect_past_events(a, "OK PRIV waiting nobody$", TC_TIMEOUT);
	/* An unknown login is still refused, and so is one's own login (one
	 * is in the chat), saying as whom. */
	tc_send(a, "PRIV no-such-login-here hello");
	tc_expect_past_events(a, "ERR no-such-user ", TC_TIMEOUT);
	tc_send(a, "PRIV root hello");
	tc_expect_past_events(a, "ERR no-such-user .*root is in it as alice$", TC_TIMEOUT);

	snprintf(path, sizeof(path), "%s/waiting", d->state);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);

	char *out = nobody_joins(d);
	ck_assert_msg(count_lines(out, " WAITING-PRIV alice root see you at five$") == 1,
		      "nobody's output: %s", out);
	free(out);
	out = nobody_joins(d);
	ck_assert_msg(!re_contains(out, "WAITING"), "shown twice: %s", out);
	free(out);
	tc_close(a);
	lchatd_stop_ok(d);
}
END_TEST

/* The daemon is killed and restarted by the supervisor between the PRIV
 * and nobody's JOIN: the message is still there. */
START_TEST(test_waiting_survives_restart)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a = tc_connect(d->sock);

	tc_join(a, "alice");
	tc_send(a, "PRIV nobody kept across a restart");
	tc_expect_past_events(a, "OK PRIV waiting nobody$", TC_TIMEOUT);
	tc_close(a);
	ck_assert_int_eq(kill(lchatd_daemon_pid(d), SIGKILL), 0);
	ck_assert(lchatd_log_has(d, "restarts so far: 1", TC_TIMEOUT));
	sock_wait_connectable(d->sock, TC_TIMEOUT);
	char *out = nobody_joins(d);
	ck_assert_msg(count_lines(out, " WAITING-PRIV alice root kept across a restart$") == 1,
		      "nobody's output: %s", out);
	free(out);
	lchatd_stop_ok(d);
}
END_TEST

/* wait_max bounds one recipient's queue: the next is refused with
 * wait-full (nothing is dropped); lchat --check says 3, then nothing
 * once they are read; they come in the order sent. */
START_TEST(test_wait_bound_and_check)
{
	struct lchatd *d = lchatd_start(CONF "wait_max = 3\n");
	struct tclient *a = tc_connect(d->sock);
	struct cmd_result r;

	tc_join(a, "alice");
	for (int i = 1; i <= 3; i++) {
		tc_send(a, "PRIV nobody number %d", i);
		tc_expect_past_events(a, "OK PRIV waiting nobody$", TC_TIMEOUT);
	}
	tc_send(a, "PRIV nobody number 4");
	tc_expect_past_events(a, "ERR wait-full ", TC_TIMEOUT);

	ck_assert_int_eq(lchat_as_nobody(d, &r, "--check", NULL), 0);
	ck_assert_str_eq(r.out, "lchat: 3 messages are waiting for you\n");
	ck_assert_str_eq(r.err, "");
	cmd_result_free(&r);

	char *out = nobody_joins(d);
	ck_assert_msg(re_contains(out, "number 1\n.*number 2\n.*number 3\n") &&
		      !re_contains(out, "number 4"), "nobody's output: %s", out);
	free(out);

	ck_assert_int_eq(lchat_as_nobody(d, &r, "--check", NULL), 0);
	ck_assert_str_eq(r.out, "");
	cmd_result_free(&r);
	tc_close(a);
	lchatd_stop_ok(d);
}
END_TEST

/* --check with no lchatd behind the socket: quiet, exit 0. */
START_TEST(test_check_without_server)
{
	struct lchatd *d = lchatd_start(CONF);
	struct cmd_result r;
	char *argv[] = { (char *)lchat_exe(), "--check", "-s", "/nonexistent/lchat.sock", NULL };
	struct cmd_opts o = { .uid = NOBODY, .as_user = true };

	ck_assert_int_eq(run_cmd(&r, &o, argv), 0);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, "");
	cmd_result_free(&r);
	/* WAITING is answered before JOIN, with 0 when nothing waits. */
	struct tclient *a = tc_connect(d->sock);
	tc_send(a, "WAITING");
	tc_expect(a, "OK WAITING 0$", TC_TIMEOUT);
	tc_close(a);
	lchatd_stop_ok(d);
}
END_TEST

/* wait_keep bounds the age: once the daemon has deleted an expired
 * message (its log says so), nobody gets nothing. */
START_TEST(test_wait_expires)
{
	struct lchatd *d = lchatd_start(CONF "wait_keep = 1s\n");
	struct tclient *a = tc_connect(d->sock);
	struct cmd_result r;

	tc_join(a, "alice");
	tc_send(a, "PRIV nobody too late");
	tc_expect_past_events(a, "OK PRIV waiting nobody$", TC_TIMEOUT);
	ck_assert(lchatd_log_has(d, "waiting: 1 message older than wait_keep deleted",
				 TC_TIMEOUT));
	ck_assert_int_eq(lchat_as_nobody(d, &r, "--check", NULL), 0);
	ck_assert_str_eq(r.out, "");
	cmd_result_free(&r);
	char *out = nobody_joins(d);
	ck_assert_msg(!re_contains(out, "WAITING"), "expired, yet shown: %s", out);
	free(out);
	tc_close(a);
	lchatd_stop_ok(d);
}
END_TEST

/* "@nobody" in a public message waits for nobody (the sender gets KEPT
 * after the ack); the bare word "nobody" does not. */
START_TEST(test_mention_waits)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a = tc_connect(d->sock);

	tc_join(a, "alice");
	tc_send(a, "SAY nobody said this");
	tc_ack(a, "SAY");
	tc_expect_silence(a);
	tc_send(a, "SAY lunch, @nobody?");
	tc_ack(a, "SAY");
	tc_expect(a, "KEPT nobody$", TC_TIMEOUT);
	char *out = nobody_joins(d);
	ck_assert_msg(count_lines(out, " WAITING-MSG alice root lunch, @nobody\\?$") == 1 &&
		      count_lines(out, "WAITING") == 1, "nobody's output: %s", out);
	free(out);
	tc_close(a);
	lchatd_stop_ok(d);
}
END_TEST

/* What nobody would not take live does not wait for it either: a message
 * from a uid it ignores (root, an administrator), and a private one from a
 * non-administrator (uid 1) while it says MESG n, are dropped unshown, and
 * lchat --check does not count them; a mention from uid 1 still waits. */
START_TEST(test_ignored_and_refused_do_not_wait)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *n = tc_connect_uid(d->dir, d->sock, NOBODY);
	struct cmd_result r;

	tc_join(n, "nob");
	tc_send(n, "IGNORE root");
	tc_expect_past_events(n, "^OK IGNORE root 0$", TC_TIMEOUT);
	tc_send(n, "MESG n");
	tc_expect_past_events(n, "^OK MESG n$", TC_TIMEOUT);
	tc_close(n);

	struct tclient *a = tc_connect(d->sock), *u = tc_connect_uid(d->dir, d->sock, 1);
	tc_join(a, "alice");
	tc_join(u, "dan");
	tc_send(a, "PRIV nobody from an ignored admin");
	tc_expect_past_events(a, "OK PRIV waiting nobody$", TC_TIMEOUT);
	tc_send(u, "PRIV nobody private while you refuse them");
	tc_expect_past_events(u, "OK PRIV waiting nobody$", TC_TIMEOUT);
	tc_send(u, "SAY see this, @nobody");
	tc_ack(u, "SAY");
	tc_expect(u, "KEPT nobody$", TC_TIMEOUT);

	ck_assert_int_eq(lchat_as_nobody(d, &r, "--check", NULL), 0);
	ck_assert_str_eq(r.out, "lchat: 1 message is waiting for you\n");
	cmd_result_free(&r);
	char *out = nobody_joins(d);
	ck_assert_msg(count_lines(out, "WAITING-MSG dan [^ ]+ see this, @nobody$") == 1 &&
		      count_lines(out, "WAITING") == 1, "nobody's output: %s", out);
	free(out);
	tc_close(u);
	tc_close(a);
	lchatd_stop_ok(d);
}
END_TEST

/* private_keep: after it, the text of a private message is gone from the
 * room file (its bytes), and a resume from before it does not replay it;
 * a public message's text stays. */
START_TEST(test_private_text_scrubbed)
{
	struct lchatd *d = lchatd_start(CONF "private_keep = 1s\nbacklog = 50\n");
	struct tclient *a = tc_connect(d->sock), *b = tc_connect(d->sock);
	char path[PATH_MAX];
	size_t len;

	tc_join(a, "alice");
	uint64_t jb = tc_join(b, "bob");
	tc_send(a, "SAY public-words-4711");
	tc_ack(a, "SAY");
	tc_send(a, "PRIV bob secret-words-4711");
	uint64_t p = tc_ack(a, "PRIV");
	tc_expect_skip(b, "EV [0-9]+ [0-9]+ PRIV alice secret-words-4711$", TC_TIMEOUT);
	ck_assert(lchatd_log_has(d, "history: the text of 1 private message older than "
				 "private_keep erased", TC_TIMEOUT));
	snprintf(path, sizeof(path), "%s/room", d->state);
	char *room = file_bytes(path, &len);
	ck_assert_msg(!has_bytes(room, len, "secret-words-4711"), "the private text is still there");
	ck_assert(has_bytes(room, len, "public-words-4711"));
	free(room);

	/* bob's session ends; he resumes from before the PRIV. */
	tc_close(b);
	tc_expect_skip(a, "EV [0-9]+ [0-9]+ LEAVE bob ", TC_TIMEOUT);
	struct tclient *b2 = tc_connect(d->sock);
	tc_send(b2, "JOIN bob %" PRIu64, jb);
	tc_expect(b2, "OK JOIN bob [0-9]+$", TC_TIMEOUT);
	tc_send(b2, "PING end-of-replay");
	for (;;) {
		const char *line = tc_expect(b2, "", TC_TIMEOUT);
		ck_assert_msg(!re_contains(line, " PRIV ") && !re_contains(line, "secret"),
			      "replayed: %s (seq %" PRIu64 ")", line, p);
		if (re_contains(line, "^PONG end-of-replay$"))
			break;
	}
	tc_close(b2);
	tc_close(a);
	lchatd_stop_ok(d);
}
END_TEST

/* A private message's record reused by a shorter event: the old text's
 * tail must not stay behind the new line (private_keep would never reach
 * it: the record is no longer that message). */
START_TEST(test_private_tail_not_left_behind)
{
	struct lchatd *d = lchatd_start(CONF "history = 16\nbacklog = 0\n");
	struct tclient *a = tc_connect(d->sock), *b = tc_connect(d->sock);
	char path[PATH_MAX];
	size_t len;

	tc_join(a, "alice");
	tc_join(b, "bob");
	tc_send(a, "PRIV bob %s", "a rather long private message that ends with tail-words-4711");
	tc_ack(a, "PRIV");
	tc_expect_skip(b, "EV .* PRIV alice .*tail-words-4711$", TC_TIMEOUT);
	for (int i = 0; i < 20; i++) {    /* the ring of 16 turns over */
		tc_send(a, "SAY x");
		tc_ack(a, "SAY");
	}
	snprintf(path, sizeof(path), "%s/room", d->state);
	char *room = file_bytes(path, &len);
	ck_assert_msg(!has_bytes(room, len, "tail-words-4711"),
		      "the private text is still in the room file");
	free(room);
	tc_close(a);
	tc_close(b);
	lchatd_stop_ok(d);
}
END_TEST

/* wait_total bounds the store: once it is full, a PRIV is refused with
 * storage (the sender knows it was not kept) and a mention says so in its
 * KEPT line; nothing kept before is lost. */
START_TEST(test_store_full_refuses)
{
	struct lchatd *d = lchatd_start(CONF "wait_total = 2\n");
	struct tclient *a = tc_connect(d->sock);

	tc_join(a, "alice");
	for (int i = 1; i <= 2; i++) {
		tc_send(a, "PRIV nobody kept %d", i);
		tc_expect_past_events(a, "OK PRIV waiting nobody$", TC_TIMEOUT);
	}
	tc_send(a, "PRIV nobody not kept");
	tc_expect_past_events(a, "ERR storage ", TC_TIMEOUT);
	tc_send(a, "SAY @nobody nor this");
	tc_ack(a, "SAY");
	tc_expect(a, "KEPT nobody storage ", TC_TIMEOUT);
	char *out = nobody_joins(d);
	ck_assert_msg(count_lines(out, "WAITING-PRIV alice root kept [12]$") == 2 &&
		      count_lines(out, "WAITING") == 2, "nobody's output: %s", out);
	free(out);
	tc_close(a);
	lchatd_stop_ok(d);
}
END_TEST

/* lchatd may write no file larger than 32 MiB (a disk with that much
 * room): the room fits, a store of wait_total = 100000 does not. */
static void with_small_disk(const struct lchatd *d, void *arg)
{
	struct rlimit rl = { 32 << 20, 32 << 20 };

	(void)d;
	(void)arg;
	if (signal(SIGXFSZ, SIG_IGN) == SIG_ERR || setrlimit(RLIMIT_FSIZE, &rl) < 0)
		_exit(2);
}

/* The store cannot be allocated at start (a full disk): the daemon runs
 * without it and says so, and every message that would wait is refused
 * to its sender, ERR storage or KEPT ... storage: none is taken and lost. */
START_TEST(test_store_unallocatable_refuses)
{
	lchatd_set_exec_hook(with_small_disk, NULL);
	struct lchatd *d = lchatd_start(CONF "wait_total = 100000\n");
	lchatd_set_exec_hook(NULL, NULL);
	struct tclient *a = tc_connect(d->sock);

	ck_assert(lchatd_log_has(d, "waiting messages cannot be kept: .*/waiting: ", TC_TIMEOUT));
	tc_join(a, "alice");
	tc_send(a, "PRIV nobody lost?");
	tc_expect_past_events(a, "ERR storage ", TC_TIMEOUT);
	tc_send(a, "SAY @nobody lost?");
	tc_ack(a, "SAY");
	tc_expect(a, "KEPT nobody storage ", TC_TIMEOUT);
	tc_send(a, "WAITING");
	tc_expect(a, "OK WAITING 0$", TC_TIMEOUT);
	tc_close(a);
	lchatd_stop_ok(d);
}
END_TEST

int main(void)
{
	const struct harness_case cases[] = {
		{ "priv_waits_for_absent_login", test_priv_waits_for_absent_login, 60 },
		{ "waiting_survives_restart", test_waiting_survives_restart, 60 },
		{ "wait_bound_and_check", test_wait_bound_and_check, 60 },
		{ "check_without_server", test_check_without_server, 60 },
		{ "wait_expires", test_wait_expires, 60 },
		{ "mention_waits", test_mention_waits, 60 },
		{ "ignored_and_refused_do_not_wait", test_ignored_and_refused_do_not_wait, 60 },
		{ "private_text_scrubbed", test_private_text_scrubbed, 60 },
		{ "store_full_refuses", test_store_full_refuses, 60 },
		{ "private_tail_not_left_behind", test_private_tail_not_left_behind, 60 },
		{ "store_unallocatable_refuses", test_store_unallocatable_refuses, 60 },
	};
	return harness_run(harness_suite("waiting", cases, HARNESS_NCASES(cases)));
}
