/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* test_faults.c - handlers and the daemon dying in the middle of the
 * room's traffic.
 *
 * A sender's handler SIGKILLed or crashing (SIGSEGV) while it is posting,
 * a receiver's handler SIGKILLed or crashing while a broadcast streams to
 * it, a client that closes while its handler writes a backlog to it, and
 * the daemon SIGKILLed mid-flood: the room must not wedge, and an observer
 * that receives every event must see sequence numbers that step by exactly
 * one (nothing lost, nothing doubled), each line whole (the harness checks
 * every line it reads), each sender's messages in order, and one LEAVE for
 * the victim with the right reason. Every message acknowledged before the
 * daemon died reaches a member that resumes with LAST-SEQ exactly once. */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "preload/lock_hold.h"
#include "flood.h"
#include "procs.h"
#include "room.h"

#define CONF "motd = \"\"\nrate_limit = 100000\nrate_burst = 100000\n" \
	     "history = 65536\nmax_users_per_uid = 50\n"
/* alice's flood: fast (bursts of 100 every 2 ms), yet below `history`, so
 * that a slow observer never lags. */
#define FLOOD_MAX 30000

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

/* In a sanitizer build, let a SIGSEGV kill the handler as it would in
 * production, instead of AddressSanitizer reporting it; and no core files
 * (the daemon's handlers run in /). Call before lchatd_start(). */
/* erin joins over a raw line socket (she is never read again until
 * the test chooses to). */
static void join_erin(struct linesock *erin, struct lchatd *d)
{
	size_t len;
	char *line;

	ck_assert(linesock_open(erin, d->sock));
	send_all(erin->fd, "JOIN erin\n", 10, "erin");
	while ((line = linesock_read(erin, mono_ms_now() + TC_TIMEOUT, &len)) &&
	       strncmp(line, "OK JOIN", 7) != 0)
		free(line);
	ck_assert_ptr_nonnull(line);
	free(line);
}

static void let_segv_kill(void)
{
	struct rlimit none = { 0, 0 };

	asan_options_add("handle_segv=0");
	ck_assert_int_eq(setrlimit(RLIMIT_CORE, &none), 0);
}

/* The daemon's log names the death of handler pid (member name) by sig. */
static void assert_death_logged(struct lchatd *d, pid_t pid, const char *name, int sig)
{
	char re[160];

	snprintf(re, sizeof(re), "handler %d \\(%s, uid [0-9]+\\) crashed: killed by signal %d",
		 (int)pid, name, sig);
	ck_assert_msg(lchatd_log_has(d, re, TC_TIMEOUT), "the daemon's log does not say "
		      "that handler %d (%s) was killed by signal %d", (int)pid, name, sig);
}

/* alice floods; her handler dies by sig in the middle of it while bob
 * posts too. */
static void sender_killed_mid_flood(int sig)
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
	ck_assert_int_eq(kill(handler, sig), 0);
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
	assert_death_logged(d, handler, "alice", sig);
	lchatd_stop_ok(d);
}

START_TEST(test_sender_killed_mid_flood)
{
	sender_killed_mid_flood(SIGKILL);
}
END_TEST

START_TEST(test_sender_crashed_mid_flood)
{
	let_segv_kill();
	sender_killed_mid_flood(SIGSEGV);
}
END_TEST

/* dave does not read; his handler dies by sig while it streams bob's
 * flood to him. */
static void receiver_killed_mid_broadcast(int sig)
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
	ck_assert_int_eq(kill(handler, sig), 0);
	while (s.next[1] < 3000 || s.lost == 0)
		observe(obs, &s, "dave");
	ck_assert_int_eq(s.lost, 1);
	assert_child_exit_0(bob);
	while (s.closed == 0)
		observe(obs, &s, "dave");
	tc_expect_silence(obs);
	tc_close(dave);
	assert_death_logged(d, handler, "dave", sig);
	lchatd_stop_ok(d);
}

START_TEST(test_receiver_killed_mid_broadcast)
{
	receiver_killed_mid_broadcast(SIGKILL);
}
END_TEST

START_TEST(test_receiver_crashed_mid_broadcast)
{
	let_segv_kill();
	receiver_killed_mid_broadcast(SIGSEGV);
}
END_TEST

START_TEST(test_handler_crash)
{
	let_segv_kill();
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
	assert_death_logged(d, handler, "bob", SIGSEGV);
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
	join_erin(&erin, d);
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

/* erin stops reading while bob floods, so her handler has a backlog
 * queued for her (her socket full, more in its buffer), and she closes
 * with it unread: her handler's send fails (EPIPE, not a SIGPIPE death),
 * it leaves as "closed" and exits 0, and the room does not notice. */
START_TEST(test_client_closes_while_written_to)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *obs;
	struct linesock erin;
	struct seen s = { .reason = "closed" };
	int queued = 0;

	s.last_seq = join_observer(d, &obs);
	pid_t dmn = lchatd_daemon_pid(d);
	int fds[64];
	char targets[64][256];
	int dmn_fds = proc_fds(dmn, fds, targets, 64);
	join_erin(&erin, d);
	observe(obs, &s, "nobody");     /* erin's join */
	pid_t handler = lchatd_handler_pid(d, "erin");

	pid_t bob = post_from_child(d->sock, "bob", 'b', 20000, 1, true);
	/* Wait until a backlog of at least 64 KiB waits in erin's socket. */
	for (int64_t deadline = mono_ms_now() + 30000; queued < 65536; ) {
		observe(obs, &s, "erin");
		ck_assert_int_eq(ioctl(erin.fd, FIONREAD, &queued), 0);
		ck_assert_msg(mono_ms_now() < deadline, "no backlog for erin after 30 s: %d bytes",
			      queued);
	}
	ck_assert_msg(s.next[1] < 20000, "bob's flood was over before erin's backlog built up");
	linesock_close(&erin);
	while (s.next[1] < 20000 || s.lost == 0)
		observe(obs, &s, "erin");
	ck_assert_int_eq(s.lost, 1);
	assert_child_exit_0(bob);
	while (s.closed == 0)
		observe(obs, &s, "erin");
	tc_expect_silence(obs);

	/* Her handler is gone and reaped, and it did not die of a signal or
	 * exit with an error; bob's too (it ends once the writer has closed
	 * his connection). */
	int64_t deadline = mono_ms_now() + TC_TIMEOUT;
	while ((proc_alive(handler) || count_handlers(dmn, 'Z') > 0 || count_handlers(dmn, 0) > 1) &&
	       mono_ms_now() < deadline)
		sleep_ms(10);
	ck_assert_msg(!proc_alive(handler), "erin's handler %d is still running", (int)handler);
	ck_assert_int_eq(count_handlers(dmn, 'Z'), 0);
	ck_assert_int_eq(count_handlers(dmn, 0), 1);      /* the observer's */
	/* None leaked (the first count may have caught a control connection
	 * of the harness that was closing). */
	ck_assert_int_le(proc_fds(dmn, fds, targets, 64), dmn_fds);
	ck_assert_msg(!lchatd_log_has(d, "crashed|exited with status", 0),
		      "a handler died badly when its client closed under it");
	lchatd_stop_ok(d);
}
END_TEST

/* The room's header, mapped read-only from state_dir/room: the test reads
 * who holds the room's lock. glibc keeps the owner's thread id in a
 * mutex's __data.__owner while it is held (robust mutexes rely on it). */
static const struct room_header *map_room_header(const struct lchatd *d)
{
	char path[PATH_MAX + 8];
	int fd;
	void *p;

	snprintf(path, sizeof(path), "%s/room", d->state);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	p = mmap(NULL, sizeof(struct room_header), PROT_READ, MAP_SHARED, fd, 0);
	ck_assert_msg(p != MAP_FAILED, "mmap %s: %s", path, strerror(errno));
	close(fd);
	return p;
}

static pid_t lock_owner(const struct room_header *h)
{
	return (pid_t)*(const volatile int *)&h->lock.__data.__owner;
}

/* lchatd's environment: the lock_hold shim (tests/e2e/preload/lock_hold.c)
 * and its control file `arg`, created here. */
static void with_lock_hold(const struct lchatd *d, void *arg)
{
	const char *bin = getenv("LCHAT_BIN");
	char shim[PATH_MAX];
	int fd;

	(void)d;
	snprintf(shim, sizeof(shim), "%s/../tests/lock_hold.so", bin && *bin ? bin : "build/bin");
	fd = open(arg, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, sizeof(struct lock_hold)) < 0 || access(shim, R_OK) < 0 ||
	    setenv("LCHAT_TEST_LOCK_HOLD", arg, 1) < 0 || setenv("LD_PRELOAD", shim, 1) < 0 ||
	    asan_options_add("verify_asan_link_order=0") < 0)
		_exit(2);
	close(fd);
}

static struct lock_hold *map_lock_hold(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	void *p;

	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	p = mmap(NULL, sizeof(struct lock_hold), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert_msg(p != MAP_FAILED, "mmap %s: %s", path, strerror(errno));
	close(fd);
	return p;
}

/* alice's handler is killed by sig while it holds the room's lock: the
 * shim stops it there (an event the test waits for, however busy the
 * machine), and the daemon recovers the lock. */
static void lock_holder_killed(int sig)
{
	char hold_path[] = "/tmp/lchat-lockhold-XXXXXX";
	int tmp = mkstemp(hold_path);

	ck_assert_msg(tmp >= 0, "mkstemp: %s", strerror(errno));
	close(tmp);
	lchatd_set_exec_hook(with_lock_hold, hold_path);
	struct lchatd *d = lchatd_start(CONF);
	lchatd_set_exec_hook(NULL, NULL);
	struct lock_hold *hold = map_lock_hold(hold_path);
	const struct room_header *hdr = map_room_header(d);
	struct tclient *obs;
	struct seen s = { 0 };

	s.last_seq = join_observer(d, &obs);
	pid_t alice = post_from_child(d->sock, "alice", 'a', FLOOD_MAX, 0, false);
	pid_t handler = lchatd_handler_pid(d, "alice");
	observe(obs, &s, "alice");      /* her join */

	/* Her handler takes the lock for each message: the next time, it
	 * stays there. */
	atomic_store(&hold->target, handler);
	int64_t deadline = mono_ms_now() + TC_TIMEOUT;
	while (atomic_load(&hold->holder) != handler && mono_ms_now() < deadline)
		sleep_ms(5);
	ck_assert_msg(atomic_load(&hold->holder) == handler,
		      "alice's handler %d never took the room's lock", (int)handler);
	ck_assert_int_eq(lock_owner(hdr), handler);
	ck_assert_int_eq(kill(handler, sig), 0);

	while (s.lost == 0)
		observe(obs, &s, "alice");
	assert_child_exit_0(alice);
	ck_assert_msg(lchatd_log_has(d, "room lock holder died; recovered", TC_TIMEOUT),
		      "the daemon's log does not say the room's lock was recovered");
	assert_death_logged(d, handler, "alice", sig);

	/* The room goes on: a join and a message, in order after the rest. */
	struct tclient *again = tc_connect(d->sock);
	ck_assert_uint_eq(tc_join(again, "alice"), s.last_seq + 1);
	tc_send(again, "SAY a-%ld", s.next[0]);
	observe(obs, &s, "alice");
	observe(obs, &s, "alice");
	ck_assert_uint_eq(tc_ack(again, "SAY"), s.last_seq);
	tc_send(obs, "WHO");
	tc_expect(obs, "WHO ", TC_TIMEOUT);
	tc_expect(obs, "WHO ", TC_TIMEOUT);
	tc_expect(obs, "OK WHO 2$", TC_TIMEOUT);
	tc_expect_silence(obs);
	munmap((void *)hdr, sizeof(*hdr));
	munmap(hold, sizeof(*hold));
	unlink(hold_path);
	lchatd_stop_ok(d);
}

START_TEST(test_lock_holder_killed)
{
	lock_holder_killed(SIGKILL);
}
END_TEST

START_TEST(test_lock_holder_crashed)
{
	let_segv_kill();
	lock_holder_killed(SIGSEGV);
}
END_TEST

/* A client's view of the room through a raw connection: every line, to
 * the end of the connection. */
struct stream {
	struct linesock ls;
	struct lines lines;
};

/* Read what has arrived (wait at most until deadline for the first). */
static void stream_take(struct stream *st, int64_t deadline)
{
	size_t len;
	char *line;

	while ((line = linesock_read(&st->ls, deadline, &len)) != NULL) {
		lines_add(&st->lines, line);
		free(line);
		deadline = mono_ms_now();
	}
}

/* Join on a fresh raw connection; returns the join's seq. */
static uint64_t stream_join(struct stream *st, const char *sock, const char *join)
{
	char buf[128];
	size_t len;
	char *line;
	uint64_t seq = 0;

	memset(st, 0, sizeof(*st));
	ck_assert(linesock_open(&st->ls, sock));
	int n = snprintf(buf, sizeof(buf), "%s\n", join);
	send_all(st->ls.fd, buf, (size_t)n, join);
	while ((line = linesock_read(&st->ls, mono_ms_now() + TC_TIMEOUT, &len)) != NULL) {
		bool ok = strncmp(line, "OK JOIN ", 8) == 0;
		if (ok)
			seq = line_seq(line);
		free(line);
		if (ok)
			return seq;
	}
	ck_abort_msg("'%s': no OK JOIN", join);
	return 0;
}

/* A poster's new lines from *i on: its acknowledgements go to acked[], in
 * order; history (events before its join `joined`) is skipped. */
static void take_acks(struct stream *st, size_t *i, uint64_t *acked, long *nacked,
		      uint64_t joined)
{
	for (; *i < st->lines.n; (*i)++) {
		const char *l = st->lines.v[*i];

		if (line_matches(l, "EV [0-9]+ ") && line_seq(l) < joined)
			continue;
		ck_assert_msg(line_matches(l, "OK SAY [0-9]+$"), "the poster got '%s'", l);
		ck_assert_int_lt(*nacked, FLOOD_MAX);
		acked[(*nacked)++] = line_seq(l);
	}
}

/* The daemon, or the fan-out writer, is SIGKILLed while alice floods (a
 * dead writer takes the daemon down with it, and the supervisor starts the
 * room again). Her messages acknowledged before (OK SAY <seq>) must all
 * reach carol exactly once, with the seq of the acknowledgement, when carol
 * resumes with JOIN carol LAST-SEQ; carol's stream (before and after the
 * crash) steps by one, alice's messages in it are a gap-free prefix of what
 * she sent, and the connection ended on a whole line. */
#define DK_ACKED 400            /* acks before the kill */
#define DK_INFLIGHT 1000        /* unacknowledged messages at most */
#define DK_BURST 3000           /* sent just before the kill */
static void killed_mid_flood(bool writer)
{
	struct lchatd *d = lchatd_start(CONF);
	struct stream carol, alice, carol2;
	uint64_t *acked = xcalloc(FLOOD_MAX, sizeof(uint64_t));
	long sent = 0, nacked = 0;
	char buf[8192];
	size_t olen = 0;

	uint64_t cj = stream_join(&carol, d->sock, "JOIN carol");
	uint64_t aj = stream_join(&alice, d->sock, "JOIN alice");
	size_t ai = 0;
	pid_t old = lchatd_daemon_pid(d);
	struct pstat dm;
	ck_assert(pstat_read(old, &dm));
	pid_t victim = writer ? wait_child_titled(old, "lchatd: fanout", 0, TC_TIMEOUT) : old;

	/* alice posts in bursts and collects her acks; carol reads along. */
	bool killed = false;
	int64_t deadline = mono_ms_now() + 30000;
	while (!alice.ls.eof || !carol.ls.eof) {
		ck_assert_msg(mono_ms_now() < deadline, "no end of the connections 30 s into the "
			      "flood (%ld sent, %ld acknowledged)", sent, nacked);
		/* Keep up to DK_INFLIGHT messages unacknowledged, and go on
		 * after the kill, so that it lands with many in flight. A
		 * send cut short is finished before the next burst. */
		if (!alice.ls.eof && sent < FLOOD_MAX && olen == 0 && sent - nacked < DK_INFLIGHT)
			for (int i = 0; i < 50 && sent < FLOOD_MAX; i++)
				olen += (size_t)snprintf(buf + olen, sizeof(buf) - olen, "SAY a-%ld\n",
							 sent++);
		if (!alice.ls.eof && olen > 0) {
			ssize_t w = send(alice.ls.fd, buf, olen, MSG_NOSIGNAL);
			ck_assert_msg(w >= 0 || killed || errno == EAGAIN, "alice's send: %s",
				      strerror(errno));
			if (w > 0) {
				memmove(buf, buf + w, olen - (size_t)w);
				olen -= (size_t)w;
			}
		}
		stream_take(&alice, mono_ms_now() + 2);
		take_acks(&alice, &ai, acked, &nacked, aj);
		stream_take(&carol, mono_ms_now());
		if (!killed && nacked >= DK_ACKED && olen == 0) {
			/* A burst of DK_BURST, and the kill at once: it lands
			 * while alice's handler is posting them. */
			char *burst = xcalloc(DK_BURST, 16);
			size_t blen = 0;
			for (int i = 0; i < DK_BURST && sent < FLOOD_MAX; i++)
				blen += (size_t)snprintf(burst + blen, 16, "SAY a-%ld\n", sent++);
			send_all(alice.ls.fd, burst, blen, "alice");
			free(burst);
			ck_assert_int_eq(kill(victim, SIGKILL), 0);
			killed = true;
		}
		if (killed) {
			stream_take(&alice, mono_ms_now() + 10);
			stream_take(&carol, mono_ms_now() + 10);
		}
	}
	take_acks(&alice, &ai, acked, &nacked, aj);
	ck_assert_msg(killed, "the flood ended before the %s was killed", writer ? "writer" : "daemon");
	ck_assert_msg(carol.ls.len == 0, "carol's connection ended in the middle of a line");

	/* A new daemon; carol resumes from the last event she saw whole. */
	wait_child_titled(d->pid, "lchatd: daemon", dm.sid, 10000);
	sock_wait_connectable(d->sock, 10000);
	uint64_t last = cj;
	for (size_t i = 0; i < carol.lines.n; i++)
		last = line_seq(carol.lines.v[i]);
	char join[64];
	snprintf(join, sizeof(join), "JOIN carol %" PRIu64, last);
	uint64_t cj2 = stream_join(&carol2, d->sock, join);
	struct tclient *a2 = tc_connect(d->sock);
	tc_join(a2, "alice");
	tc_send(a2, "SAY after");
	uint64_t after = tc_ack(a2, "SAY");
	for (deadline = mono_ms_now() + TC_TIMEOUT;
	     carol2.lines.n == 0 || line_seq(carol2.lines.v[carol2.lines.n - 1]) < after; ) {
		ck_assert_msg(mono_ms_now() < deadline && !carol2.ls.eof,
			      "carol, resumed, did not get alice's message after the restart");
		stream_take(&carol2, deadline);
	}

	/* carol's whole stream: before the crash, then resumed. */
	struct lines all = { 0 };
	for (size_t i = 0; i < carol.lines.n; i++)
		lines_add(&all, carol.lines.v[i]);
	for (size_t i = 0; i < carol2.lines.n; i++)
		if (line_seq(carol2.lines.v[i]) != cj2)
			lines_add(&all, carol2.lines.v[i]);
	uint64_t prev = cj;
	long next_a = 0;
	bool after_seen = false;
	for (size_t i = 0; i < all.n; i++) {
		const char *l = all.v[i];
		uint64_t seq;
		long n;

		ck_assert_msg(line_matches(l, "EV [0-9]+ [0-9]+ "), "carol got '%s'", l);
		seq = line_seq(l);
		/* Her own join after the restart is acknowledged, not sent. */
		ck_assert_msg(seq == prev + 1 || (seq == prev + 2 && prev + 1 == cj2),
			      "carol: seq %" PRIu64 " after %" PRIu64 " ('%s')", seq, prev, l);
		prev = seq;
		if (sscanf(l, "EV %*u %*d MSG alice a-%ld", &n) == 1) {
			ck_assert_msg(n == next_a, "carol: a-%ld where a-%ld was due", n, next_a);
			ck_assert_msg(n >= nacked || acked[n] == seq, "carol: a-%ld has seq %"
				      PRIu64 " but was acknowledged as %" PRIu64, n, seq, acked[n]);
			next_a++;
		}
		after_seen |= line_matches(l, "EV [0-9]+ [0-9]+ MSG alice after$");
	}
	ck_assert_msg(next_a >= nacked, "carol got a-0 to a-%ld, but a-%ld was acknowledged "
		      "(seq %" PRIu64 ")", next_a - 1, nacked - 1, acked[nacked - 1]);
	ck_assert(after_seen);
	ck_assert_int_eq(lines_count(&all, "EV [0-9]+ [0-9]+ LEAVE alice [^ ]+ lost$"), 1);
	ck_assert_int_eq(lines_count(&all, "EV [0-9]+ [0-9]+ LEAVE carol [^ ]+ lost$"), 1);
	lines_free(&all);
	lines_free(&carol.lines);
	lines_free(&alice.lines);
	lines_free(&carol2.lines);
	linesock_close(&carol.ls);
	linesock_close(&alice.ls);
	linesock_close(&carol2.ls);
	tc_close(a2);
	free(acked);
	if (writer)
		ck_assert_msg(lchatd_log_has(d, "the fan-out writer [0-9]+ was killed by signal 9; "
					     "restarting the room", TC_TIMEOUT),
			      "the daemon's log does not say that the writer was killed");
	lchatd_stop_ok(d);
}

START_TEST(test_daemon_killed_mid_flood)
{
	killed_mid_flood(false);
}
END_TEST

/* A client sends unknown commands without reading a reply until its
 * socket is full, then closes: its handler's reply queue was full, the
 * writer cannot send to it any more. The writer drops what is queued for
 * it, the handler answers the rest into the void and ends; nobody in the
 * room notices. */
START_TEST(test_vanishes_with_replies_unread)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *obs;
	struct linesock ls;
	static char junk[64 * 1024];
	size_t sent = 0;

	join_observer(d, &obs);
	pid_t dmn = lchatd_daemon_pid(d);
	ck_assert(linesock_open(&ls, d->sock));
	for (size_t i = 0; i + 4 <= sizeof(junk); i += 4)
		memcpy(junk + i, "FOO\n", 4);
	for (;;) {
		ssize_t w = send(ls.fd, junk, sizeof(junk), MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			ck_assert_msg(errno == EAGAIN, "send: %s", strerror(errno));
			break;
		}
		sent += (size_t)w;
	}
	ck_assert_msg(sent > 64 * 1024, "only %zu bytes went before the socket was full", sent);
	linesock_close(&ls);
	int64_t deadline = mono_ms_now() + 60000;
	int left;
	while ((left = count_handlers(dmn, 0)) > 1 && mono_ms_now() < deadline)
		sleep_ms(20);
	ck_assert_msg(left == 1, "the handler of a client that vanished with %zu bytes of "
		      "commands unanswered did not end in 60 s (%d handlers)", sent, left);
	ck_assert_msg(!lchatd_log_has(d, "crashed|exited with status", 0),
		      "a handler crashed or failed");
	/* Each probe of the harness ended, and so did this handler, when the
	 * writer said it had closed the connection, not by timing out. */
	ck_assert_msg(!lchatd_log_has(d, "writer did not close", 0),
		      "a handler waited in vain for the writer to close its connection");
	tc_send(obs, "PING still");
	tc_expect(obs, "PONG still$", TC_TIMEOUT);
	tc_expect_silence(obs);
	tc_close(obs);
	lchatd_stop_ok(d);
}
END_TEST

START_TEST(test_writer_killed_mid_flood)
{
	killed_mid_flood(true);
}
END_TEST

int main(void)
{
	const struct harness_case cases[] = {
		{ "sender_killed_mid_flood", test_sender_killed_mid_flood, 120 },
		{ "receiver_killed_mid_broadcast", test_receiver_killed_mid_broadcast, 120 },
		{ "sender_crashed_mid_flood", test_sender_crashed_mid_flood, 120 },
		{ "receiver_crashed_mid_broadcast", test_receiver_crashed_mid_broadcast, 120 },
		{ "handler_crash", test_handler_crash, 120 },
		{ "lines_before_eof_are_served", test_lines_before_eof_are_served, 120 },
		{ "lock_holder_killed", test_lock_holder_killed, 240 },
		{ "lock_holder_crashed", test_lock_holder_crashed, 240 },
		{ "client_closes_while_written_to", test_client_closes_while_written_to, 120 },
		{ "daemon_killed_mid_flood", test_daemon_killed_mid_flood, 120 },
		{ "writer_killed_mid_flood", test_writer_killed_mid_flood, 120 },
		{ "vanishes_with_replies_unread", test_vanishes_with_replies_unread, 120 },
	};

	return harness_run(harness_suite("faults", cases, HARNESS_NCASES(cases)));
}
