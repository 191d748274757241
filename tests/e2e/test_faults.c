/* test_faults.c - handlers dying in the middle of the room's traffic.
 *
 * A sender's handler SIGKILLed while it is posting, a receiver's handler
 * SIGKILLed while a broadcast streams to it, and a handler crashing with
 * SIGSEGV: the room must not wedge, and an observer that receives every
 * event must see sequence numbers that step by exactly one (nothing lost,
 * nothing doubled), each line whole (the harness checks every line it
 * reads), each sender's messages in order, and one LEAVE ... lost. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define CONF "motd = \"\"\nrate_limit = 100000\nrate_burst = 100000\n" \
	     "history = 65536\nmax_users_per_uid = 50\n"
/* alice's flood: fast (bursts of 100 every 2 ms), yet below `history`, so
 * that a slow observer never lags. */
#define FLOOD_MAX 30000

/* What an observer saw of the room. */
struct seen {
	uint64_t last_seq;        /* every event must be last_seq + 1 */
	long next[2];             /* next expected message number of a and b */
	int lost;                 /* LEAVE ... lost events for `victim` */
	int closed;               /* posters (alice, bob) that left, closed */
};

/* Read the observer's next event and account for it. Messages are
 * "SAY <tag>-<n>": each tag's numbers must come in order from 0. */
static void observe(struct tclient *obs, struct seen *s, const char *victim)
{
	const char *line = tc_expect(obs, "EV [0-9]+ [0-9]+ ", TC_TIMEOUT);
	uint64_t seq = line_seq(line);
	char who[64], tag;
	long n;

	ck_assert_msg(seq == s->last_seq + 1, "observer: seq %" PRIu64 " after %" PRIu64
		      " (%s)", seq, s->last_seq, line);
	s->last_seq = seq;
	if (sscanf(line, "EV %*u %*d MSG %63s %c-%ld", who, &tag, &n) == 3) {
		int i = tag == 'a' ? 0 : 1;
		ck_assert_msg(n == s->next[i], "observer: %c-%ld where %c-%ld was due (%s)",
			      tag, n, tag, s->next[i], line);
		s->next[i]++;
	} else if (line_matches(line, "EV [0-9]+ [0-9]+ LEAVE (alice|bob) [^ ]+ closed$")) {
		s->closed++;        /* a poster that finished */
	} else if (line_matches(line, "EV [0-9]+ [0-9]+ LEAVE ")) {
		char re[128];
		snprintf(re, sizeof(re), "EV [0-9]+ [0-9]+ LEAVE %s [^ ]+ lost$", victim);
		ck_assert_msg(line_matches(line, re), "observer: unexpected %s", line);
		s->lost++;
	}
}

/* A child process joins as `name` and posts "SAY <tag>-<n>" for n from 0
 * to count - 1, in bursts of 100 with pause_ms between them, reading (and
 * dropping) everything it receives, as a client that keeps up would. It
 * stops when the connection ends; with wait_acks it stays until all its
 * messages are acknowledged and exits 0, or 1 if that takes over 60 s. */
static pid_t post_from_child(const char *sock, const char *name, char tag,
			     long count, int pause_ms, bool wait_acks)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid > 0)
		return pid;
	struct linesock ls;
	if (!linesock_open(&ls, sock))
		_exit(2);
	char buf[4096];
	int len = snprintf(buf, sizeof(buf), "JOIN %s\n", name);
	if (send(ls.fd, buf, (size_t)len, MSG_NOSIGNAL) != len)
		_exit(2);
	long acks = 0;
	for (long n = 0; n < count; ) {
		len = 0;
		for (int i = 0; i < 100 && n < count; i++)
			len += snprintf(buf + len, sizeof(buf) - (size_t)len, "SAY %c-%ld\n", tag, n++);
		for (int off = 0; off < len; ) {
			ssize_t w = send(ls.fd, buf + off, (size_t)(len - off), MSG_NOSIGNAL);
			if (w < 0 && errno != EAGAIN && errno != EINTR)
				_exit(0);        /* the connection ended */
			off += w > 0 ? (int)w : 0;
			char *line;
			size_t n_len;
			while ((line = linesock_read(&ls, mono_ms_now(), &n_len)) != NULL) {
				acks += strncmp(line, "OK SAY ", 7) == 0;
				free(line);
			}
			if (ls.eof)
				_exit(0);
		}
		if (pause_ms)
			sleep_ms(pause_ms);
	}
	int64_t deadline = mono_ms_now() + 60000;
	while (wait_acks && acks < count) {
		size_t n_len;
		char *line = linesock_read(&ls, deadline, &n_len);
		if (!line)
			_exit(1);
		acks += strncmp(line, "OK SAY ", 7) == 0;
		free(line);
	}
	_exit(0);
}

static void assert_child_exit_0(pid_t pid)
{
	int status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "poster child ended with status 0x%x", status);
}

/* Join `name` and see the observer told; s->last_seq moves past it. */
static struct tclient *join_seen(struct lchatd *d, struct tclient *obs,
				 struct seen *s, const char *name)
{
	struct tclient *tc = tc_connect(d->sock);

	ck_assert_uint_eq(tc_join(tc, name), s->last_seq + 1);
	tc_expectf(obs, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN %s ", s->last_seq + 1, name);
	s->last_seq++;
	return tc;
}

/* Join an observer; returns its join seq. */
static uint64_t join_observer(struct lchatd *d, struct tclient **obs)
{
	*obs = tc_connect(d->sock);
	return tc_join(*obs, "carol");
}

START_TEST(test_sender_killed_mid_flood)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *obs;
	struct seen s = { 0 };

	s.last_seq = join_observer(d, &obs);
	pid_t alice = post_from_child(d->sock, "alice", 'a', FLOOD_MAX, 2, false);
	pid_t handler = lchatd_handler_pid(d, "alice");

	/* alice's join, then her flood is under way: kill her handler while
	 * bob posts too. */
	tc_expectf(obs, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN alice ", s.last_seq + 1);
	s.last_seq++;
	while (s.next[0] < 300)
		observe(obs, &s, "alice");
	pid_t bob = post_from_child(d->sock, "bob", 'b', 1000, 0, true);
	ck_assert_int_eq(kill(handler, SIGKILL), 0);
	while (s.next[1] < 1000 || s.lost == 0)
		observe(obs, &s, "alice");
	ck_assert_int_eq(s.lost, 1);
	assert_child_exit_0(bob);
	assert_child_exit_0(alice);
	while (s.closed == 0)       /* bob's own leave, once he is done */
		observe(obs, &s, "alice");

	/* Not wedged: the room goes on, the name is free, WHO answers. */
	struct tclient *again = tc_connect(d->sock);
	ck_assert_uint_eq(tc_join(again, "alice"), s.last_seq + 1);
	tc_send(again, "SAY a-%ld", s.next[0]);
	observe(obs, &s, "alice");     /* the join */
	observe(obs, &s, "alice");     /* the message, in order after the rest */
	tc_send(obs, "WHO");
	tc_expect(obs, "WHO ", TC_TIMEOUT);
	tc_expect(obs, "WHO ", TC_TIMEOUT);
	tc_expect(obs, "OK WHO 2$", TC_TIMEOUT);
	tc_expect_silence(obs);
	lchatd_stop_ok(d);
}
END_TEST

START_TEST(test_receiver_killed_mid_broadcast)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *obs, *dave;
	struct seen s = { 0 };

	s.last_seq = join_observer(d, &obs);
	dave = join_seen(d, obs, &s, "dave");
	pid_t handler = lchatd_handler_pid(d, "dave");

	/* dave does not read; his handler dies while it streams to him. */
	pid_t bob = post_from_child(d->sock, "bob", 'b', 3000, 0, true);
	while (s.next[1] < 200)
		observe(obs, &s, "dave");
	ck_assert_int_eq(kill(handler, SIGKILL), 0);
	while (s.next[1] < 3000 || s.lost == 0)
		observe(obs, &s, "dave");
	ck_assert_int_eq(s.lost, 1);
	assert_child_exit_0(bob);
	while (s.closed == 0)
		observe(obs, &s, "dave");
	tc_expect_silence(obs);
	tc_close(dave);
	lchatd_stop_ok(d);
}
END_TEST

START_TEST(test_handler_crash)
{
	/* In a sanitizer build, let the SIGSEGV kill the handler as it would
	 * in production, instead of AddressSanitizer reporting it. */
	const char *asan = getenv("ASAN_OPTIONS");
	char opts[512];
	snprintf(opts, sizeof(opts), "%s%shandle_segv=0", asan ? asan : "", asan ? ":" : "");
	setenv("ASAN_OPTIONS", opts, 1);
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *obs, *bob;
	struct seen s = { 0 };

	s.last_seq = join_observer(d, &obs);
	bob = join_seen(d, obs, &s, "bob");
	pid_t handler = lchatd_handler_pid(d, "bob");
	ck_assert_int_eq(kill(handler, SIGSEGV), 0);
	observe(obs, &s, "bob");
	ck_assert_int_eq(s.lost, 1);
	tc_expect_eof(bob, TC_TIMEOUT);

	/* The crash is logged, and the room goes on. */
	struct tclient *again = tc_connect(d->sock);
	ck_assert_uint_eq(tc_join(again, "bob"), s.last_seq + 1);
	tc_send(again, "SAY b-0");
	s.last_seq++;       /* bob's join */
	tc_expectf(obs, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN bob ", s.last_seq);
	observe(obs, &s, "bob");
	ck_assert_int_eq(s.next[1], 1);
	char re[128];
	snprintf(re, sizeof(re), "handler %d \\(bob, uid [0-9]+\\) crashed: killed by signal 11", (int)handler);
	ck_assert_msg(lchatd_log_has(d, re, 0), "the daemon's log does not mention the crash");
	lchatd_stop_ok(d);
}
END_TEST

/* A client whose output is backed up sends its last lines and closes its
 * side at once (echo "SAY done" | socat ...): the lines are still served,
 * in order, before it leaves. */
START_TEST(test_lines_before_eof_are_served)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *obs;
	struct linesock erin;
	struct seen s = { 0 };
	size_t len;
	char *line;

	s.last_seq = join_observer(d, &obs);
	ck_assert(linesock_open(&erin, d->sock));
	send_all(erin.fd, "JOIN erin\n", 10, "erin");
	while ((line = linesock_read(&erin, mono_ms_now() + TC_TIMEOUT, &len)) &&
	       strncmp(line, "OK JOIN", 7) != 0)
		free(line);
	ck_assert_ptr_nonnull(line);
	free(line);
	observe(obs, &s, "nobody");     /* erin's join */

	/* bob floods, paced so that the flood is still on when erin's handler
	 * reads her last lines and her end of input; she does not read, so
	 * her output backs up. */
	pid_t bob = post_from_child(d->sock, "bob", 'b', 20000, 1, true);
	while (s.next[1] < 1000)
		observe(obs, &s, "nobody");
	const char last[] = "SAY one\nSAY two\nQUIT bye\n";
	send_all(erin.fd, last, sizeof(last) - 1, "erin");
	ck_assert_int_eq(shutdown(erin.fd, SHUT_WR), 0);

	/* erin gets her acknowledgements, then the end. */
	int oks = 0;
	bool quit = false;
	while ((line = linesock_read(&erin, mono_ms_now() + 30000, &len)) != NULL) {
		oks += strncmp(line, "OK SAY ", 7) == 0;
		quit |= strcmp(line, "OK QUIT") == 0;
		free(line);
	}
	ck_assert_msg(erin.eof, "erin: no end of stream");
	ck_assert_int_eq(oks, 2);
	ck_assert(quit);
	linesock_close(&erin);

	/* The room saw both messages and her quit, among bob's flood. */
	bool one = false, two = false;
	for (;;) {
		const char *ev = tc_expect(obs, "EV [0-9]+ [0-9]+ ", TC_TIMEOUT);
		uint64_t seq = line_seq(ev);
		ck_assert_uint_eq(seq, s.last_seq + 1);
		s.last_seq = seq;
		if (line_matches(ev, "EV [0-9]+ [0-9]+ MSG erin one$"))
			one = true;
		else if (line_matches(ev, "EV [0-9]+ [0-9]+ MSG erin two$"))
			two = one;
		else if (line_matches(ev, "EV [0-9]+ [0-9]+ LEAVE erin [^ ]+ quit bye$"))
			break;
	}
	ck_assert_msg(one && two, "erin's messages missing or out of order");
	assert_child_exit_0(bob);
	lchatd_stop_ok(d);
}
END_TEST

int main(void)
{
	const struct harness_case cases[] = {
		{ "sender_killed_mid_flood", test_sender_killed_mid_flood, 120 },
		{ "receiver_killed_mid_broadcast", test_receiver_killed_mid_broadcast, 120 },
		{ "handler_crash", test_handler_crash, 120 },
		{ "lines_before_eof_are_served", test_lines_before_eof_are_served, 120 },
	};

	return harness_run(harness_suite("faults", cases, HARNESS_NCASES(cases)));
}
