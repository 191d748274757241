/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* test_exhaust.c - running the daemon out of things (issue 6, case 3):
 * thousands of connections from one uid, connections that never join, a
 * sender over the rate limit, fork failing (RLIMIT_NPROC) and descriptors
 * running out (RLIMIT_NOFILE). In each, the attacker gets a clear refusal
 * or error, the others chat on undisturbed, and the daemon neither spins
 * nor leaks processes or descriptors. The never-reading member under 100k
 * messages is tests/torture/torture_exhaustion.c; the 10 MB line is
 * test_limits.c (long_line). */
#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exhaust.h"
#include "harness.h"
#include "procs.h"
#include "runcmd.h"

#define EV "EV [0-9]+ [0-9]+ "
/* CPU a daemon may use in IDLE_MS while nothing happens: a spinning loop
 * uses all of it, an idle one about none. Generous for ASan and a shared
 * machine. */
#define IDLE_MS 2000
#define IDLE_CPU_MS 200

/* A connection's greeting must be the refusal `re`, then the end. */
static void expect_refused(const char *sock, const char *re)
{
	struct rawc *r = rawc_connect(sock);

	rawc_expect(r, re, TC_TIMEOUT);
	rawc_expect_eof(r, TC_TIMEOUT);
	rawc_close(r);
}

/* One member's message reaches another, in time. */
static void chat_round(struct tclient *from, struct tclient *to, const char *text)
{
	int64_t t = wall_ms();

	tc_send(from, "SAY %s", text);
	tc_expect(from, "OK SAY [0-9]+$", TC_TIMEOUT);
	tc_expectf(to, TC_TIMEOUT, EV "MSG %s %s$", tc_name(from), re_quote(text));
	t = wall_ms() - t;
	ck_assert_msg(t < 2000, "a message took %" PRId64 " ms to go from %s to %s", t,
		      tc_name(from), tc_name(to));
}

/* ---- thousands of connections from one uid ------------------------------- */

#define FLOOD 3000
#define FLOOD_MS 2000            /* waves of FLOOD connections for this long */

enum { F_NEW, F_CONNECTING, F_GREETING, F_BYE, F_HELLO, F_DONE };

struct flood {
	int fd[FLOOD];
	int state[FLOOD];
	char buf[FLOOD][128];
	size_t len[FLOOD];
	int hello, refused, other;
	char other_line[128];
};

/* Connect socket i without blocking: F_GREETING once connected,
 * F_CONNECTING while the backlog is full (EAGAIN: try again later). */
static void flood_connect(struct flood *f, int i, const char *sock)
{
	static struct sockaddr_un sa;

	if (f->fd[i] < 0) {
		f->fd[i] = sock_open_to(sock, &sa, SOCK_NONBLOCK);
		ck_assert_msg(f->fd[i] >= 0, "socket %d: %s", i, strerror(errno));
	}
	if (connect(f->fd[i], (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		f->state[i] = F_GREETING;
		return;
	}
	ck_assert_msg(errno == EAGAIN || errno == EINTR, "connect %d: %s", i, strerror(errno));
	f->state[i] = F_CONNECTING;
}

/* Read what socket i has: its greeting, then (refused) the end. */
static void flood_read(struct flood *f, int i)
{
	for (;;) {
		ssize_t n = read(f->fd[i], f->buf[i] + f->len[i], sizeof(f->buf[i]) - 1 - f->len[i]);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {          /* the end (or a reset) */
			if (f->state[i] == F_BYE) {
				f->state[i] = F_DONE;
				close(f->fd[i]);
				f->fd[i] = -1;
				return;
			}
			f->buf[i][f->len[i]] = '\0';
			f->other++;
			snprintf(f->other_line, sizeof(f->other_line), "closed after '%s'", f->buf[i]);
			f->state[i] = F_DONE;
			return;
		}
		f->len[i] += (size_t)n;
		f->buf[i][f->len[i]] = '\0';
		char *nl = strchr(f->buf[i], '\n');
		if (f->state[i] != F_GREETING || !nl)
			continue;
		*nl = '\0';
		if (strncmp(f->buf[i], "HELLO lchat/1 ", 14) == 0) {
			f->hello++;
			f->state[i] = F_HELLO;
			return;
		}
		if (re_contains(f->buf[i], "^BYE too-many-connections [a-z]")) {
			f->refused++;
			f->state[i] = F_BYE;
			continue;
		}
		f->other++;
		snprintf(f->other_line, sizeof(f->other_line), "%s", f->buf[i]);
		f->state[i] = F_DONE;
		return;
	}
}

struct probe {
	int64_t next, worst_ping;
	int max_children;
};

/* Connect every socket not let in yet, until each has its greeting and,
 * if refused, its end. Every 100 ms meanwhile: count the daemon's
 * children, and PING the control socket. */
static void flood_wave(struct flood *f, struct lchatd *d, struct tclient *ctl, pid_t dmn,
		       int64_t deadline, struct probe *pr)
{
	static struct pollfd pfd[FLOOD];
	static int idx[FLOOD];

	for (;;) {
		int npfd = 0, pending = 0;

		for (int i = 0; i < FLOOD; i++) {
			if (f->state[i] == F_NEW || f->state[i] == F_CONNECTING)
				flood_connect(f, i, d->sock);
			if (f->state[i] == F_GREETING || f->state[i] == F_BYE) {
				pfd[npfd] = (struct pollfd){ .fd = f->fd[i], .events = POLLIN };
				idx[npfd++] = i;
			}
			pending += f->state[i] != F_HELLO && f->state[i] != F_DONE;
		}
		if (pending == 0)
			return;
		ck_assert_msg(mono_ms_now() < deadline, "after 60 s, %d of the %d connections "
			      "had neither a greeting nor their end (%d HELLO, %d refused)",
			      pending, FLOOD, f->hello, f->refused);
		int n = poll(pfd, (nfds_t)npfd, 20);
		ck_assert(n >= 0 || errno == EINTR);
		for (int k = 0; k < npfd && n > 0; k++)
			if (pfd[k].revents)
				flood_read(f, idx[k]);
		if (mono_ms_now() >= pr->next) {
			int c = count_handlers(dmn, 0);
			int64_t t = wall_ms();

			if (c > pr->max_children)
				pr->max_children = c;
			tc_send(ctl, "PING flood");
			tc_expect(ctl, "PONG flood$", TC_TIMEOUT);
			t = wall_ms() - t;
			if (t > pr->worst_ping)
				pr->worst_ping = t;
			pr->next = mono_ms_now() + 100;
		}
	}
}

START_TEST(test_flood_one_uid)
{
	struct lchatd *d = lchatd_start("max_users = 100\nmax_users_per_uid = 8\n"
					"max_unjoined_per_uid = 8\nmax_unjoined = 64\n"
					"rate_limit = 1000\nrate_burst = 1000\n");
	static struct flood f;
	struct tclient *watcher, *ctl;
	struct rlimit rl;
	int64_t deadline, flood_from, flood_to;
	int during = 0, waves;
	struct probe probe = { 0, 0, 0 };
	int other_fd, rc, fds0, fds1;
	char out[8192];
	pid_t dmn, other;

	/* 3000 sockets and then some. */
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < FLOOD + 256) {
		rl.rlim_cur = rl.rlim_max;
		ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	}
	ck_assert_msg(rl.rlim_cur >= FLOOD + 256, "RLIMIT_NOFILE is %lu: too low for %d sockets",
		      (unsigned long)rl.rlim_cur, FLOOD);
	dmn = wait_no_handlers(d);
	fds0 = proc_nfds(dmn);
	watcher = tc_connect(d->sock);
	tc_join(watcher, "ex-watcher");
	ctl = ctl_connect(d->ctl);

	/* Another user joins and chats while the flood goes on: its child
	 * says 40 lines, each after the last one's acknowledgement. */
	ck_assert(chmod(d->dir, 0711) == 0);
	char script[4096];
	size_t sl = (size_t)snprintf(script, sizeof(script), "JOIN ex-other\n");
	for (int k = 0; k < 40; k++)
		sl += (size_t)snprintf(script + sl, sizeof(script) - sl, "SAY during %d\nPING p%d\n",
				       k, k);
	snprintf(script + sl, sizeof(script) - sl, "QUIT\n");
	other = other_uid_start(d->sock, script, 20, &other_fd);
	tc_expect(watcher, EV "JOIN ex-other ", TC_TIMEOUT);

	/* Waves of FLOOD connections for at least FLOOD_MS: the 7 let in
	 * stay open (so the waves after the first are 2993), the refused
	 * ones are closed by the daemon. */
	deadline = mono_ms_now() + 60000;
	flood_from = wall_ms();
	for (waves = 0; waves < 1 || (wall_ms() - flood_from < FLOOD_MS && waves < 100); waves++) {
		for (int i = 0; i < FLOOD; i++)
			if (f.state[i] != F_HELLO) {
				f.fd[i] = -1;
				f.state[i] = F_NEW;
				f.len[i] = 0;
			}
		flood_wave(&f, d, ctl, dmn, deadline, &probe);
	}
	flood_to = wall_ms();
	fprintf(stderr, "flood_one_uid: %d waves of %d connections answered in %" PRId64 " ms, "
		"control PING worst %" PRId64 " ms, daemon children at most %d\n", waves, FLOOD,
		flood_to - flood_from, probe.worst_ping, probe.max_children);
	ck_assert_msg(f.other == 0, "%d connections got something else, e.g. %s", f.other,
		      f.other_line);
	/* 8 per uid: the watcher and 7 of the flood. */
	ck_assert_int_eq(f.hello, 7);
	ck_assert_int_eq(f.refused, waves * (FLOOD - 7));
	/* The watcher's, the other user's (until it quits), the flood's 7. */
	ck_assert_msg(probe.max_children <= 9, "the daemon had %d children during the flood "
		      "(at most 9 connections were let in)", probe.max_children);
	ck_assert_msg(probe.worst_ping < 2000, "the control socket took %" PRId64 " ms to "
		      "answer during the flood", probe.worst_ping);

	/* The other user chatted all along: every line, in order, once. */
	rc = other_uid_wait(other, other_fd, out, sizeof(out));
	ck_assert_msg(rc == 0, "the other user's client failed (%d); it read:\n%s", rc, out);
	ck_assert_msg(re_contains(out, "^HELLO lchat/1 [^\n]*\nOK JOIN ex-other [0-9]+\n"),
		      "the other user: %s", out);
	ck_assert_msg(re_contains(out, "\nPONG p39\nOK QUIT\n$"), "the other user: %s", out);
	ck_assert_msg(!strstr(out, "\nERR ") && !strstr(out, "\nBYE "), "the other user: %s", out);
	for (int k = 0; k < 40; k++) {
		int64_t ms = line_ms(tc_expectf(watcher, TC_TIMEOUT, EV "MSG ex-other during %d$", k));
		during += ms >= flood_from && ms <= flood_to;
	}
	ck_assert_msg(during >= 3, "only %d of the other user's messages were said during "
		      "the flood", during);
	tc_expect(watcher, EV "LEAVE ex-other [^ ]+ quit$", TC_TIMEOUT);
	tc_expect_silence(watcher);

	/* Closed, the flood's handlers go, the descriptors are the same as
	 * before it, and the uid gets in again. */
	for (int i = 0; i < FLOOD; i++)
		if (f.fd[i] >= 0)
			close(f.fd[i]);
	tc_close(ctl);
	struct rawc *again = rawc_connect_when_free(d->sock, "^BYE too-many-connections ", 10000);
	rawc_send(again, "JOIN ex-after");
	rawc_expect(again, "OK JOIN ex-after [0-9]+$", TC_TIMEOUT);
	tc_expect(watcher, EV "JOIN ex-after ", TC_TIMEOUT);
	/* (The other handlers of the flood may still be on their way out.) */
	int64_t gone_by = mono_ms_now() + TC_TIMEOUT;
	int children;
	while ((children = count_handlers(dmn, 0)) != 2 && mono_ms_now() < gone_by)
		sleep_ms(20);
	ck_assert_msg(children == 2, "after the flood the daemon has %d children, not 2 "
		      "(watcher, ex-after)", children);
	/* No more than before (fds0 may have counted the harness's start-up
	 * probe, which the daemon lets go of after its handler is reaped). */
	while ((fds1 = proc_nfds(dmn)) > fds0 && mono_ms_now() < gone_by)
		sleep_ms(20);
	ck_assert_msg(fds1 <= fds0, "the daemon had %d descriptors before the flood and %d "
		      "after", fds0, fds1);
	rawc_close(again);
	tc_close(watcher);
	lchatd_stop_ok(d);
}
END_TEST


/* ---- connections that never join ----------------------------------------- */

/* One uid at max_unjoined_per_uid: its next connection is refused before
 * any fork, another uid joins and chats meanwhile, the join timeout closes
 * the idle ones with a reason, and then the uid gets in again. */
START_TEST(test_unjoined_per_uid)
{
	struct lchatd *d = lchatd_start("max_users = 20\nmax_users_per_uid = 20\n"
					"max_unjoined_per_uid = 3\nmax_unjoined = 10\n"
					"join_timeout = 3\n");
	struct tclient *m = tc_connect(d->sock), *o = tc_connect(d->sock);
	struct rawc *idle[3];
	char out[4096];
	int64_t t0, took;
	pid_t dmn = lchatd_daemon_pid(d);

	tc_join(m, "ex-member");
	tc_join(o, "ex-second");
	tc_expect(m, EV "JOIN ex-second ", TC_TIMEOUT);
	t0 = wall_ms();
	for (int i = 0; i < 3; i++) {
		idle[i] = rawc_connect(d->sock);
		rawc_expect(idle[i], "HELLO lchat/1 ", TC_TIMEOUT);
	}
	ck_assert_int_eq(count_handlers(dmn, 0), 5);
	for (int i = 0; i < 5; i++)
		expect_refused(d->sock, "BYE too-many-unjoined [a-z]");
	/* No handler was forked for those. */
	ck_assert_int_eq(count_handlers(dmn, 0), 5);

	/* Another user gets in and talks, and the members chat on. */
	ck_assert(chmod(d->dir, 0711) == 0);
	int rc = other_uid_run(d->sock, "JOIN ex-other\nSAY hello from nobody\nQUIT\n",
			       out, sizeof(out));
	ck_assert_msg(rc == 0 && re_contains(out, "\nOK JOIN ex-other [0-9]+\n") &&
		      re_contains(out, "\nOK SAY [0-9]+\nOK QUIT\n$"),
		      "the other user (rc %d) read:\n%s", rc, out);
	for (int i = 0; i < 2; i++) {
		struct tclient *t = i ? o : m;
		tc_expect(t, EV "JOIN ex-other ", TC_TIMEOUT);
		tc_expect(t, EV "MSG ex-other hello from nobody$", TC_TIMEOUT);
		tc_expect(t, EV "LEAVE ex-other [^ ]+ quit$", TC_TIMEOUT);
	}
	chat_round(o, m, "all fine");
	chat_round(m, o, "yes");

	/* join_timeout closes the idle ones, each with its reason. */
	for (int i = 0; i < 3; i++) {
		rawc_expect(idle[i], "BYE join-timeout [a-z]", 3000 + TC_TIMEOUT);
		rawc_expect_eof(idle[i], TC_TIMEOUT);
	}
	took = wall_ms() - t0;
	ck_assert_msg(took >= 2900, "BYE join-timeout after %" PRId64 " ms; join_timeout is 3 s",
		      took);
	/* Their handlers go, and the uid may connect again. */
	struct rawc *n = rawc_connect_when_free(d->sock, "^BYE too-many-unjoined ", 10000);
	rawc_send(n, "JOIN ex-late");
	rawc_expect(n, "OK JOIN ex-late [0-9]+$", TC_TIMEOUT);
	tc_expect(m, EV "JOIN ex-late ", TC_TIMEOUT);
	/* The members heard of nothing but what was said and who joined. */
	tc_expect_silence(m);
	tc_expect(o, EV "JOIN ex-late ", TC_TIMEOUT);
	tc_expect_silence(o);
	for (int i = 0; i < 3; i++)
		rawc_close(idle[i]);
	rawc_close(n);
	tc_close(m);
	tc_close(o);
	lchatd_stop_ok(d);
}
END_TEST

/* All uids together at max_unjoined: the next connection, of any uid, is
 * refused with BYE busy until one joins or leaves. */
START_TEST(test_unjoined_global)
{
	struct lchatd *d = lchatd_start("max_users = 20\nmax_users_per_uid = 20\n"
					"max_unjoined_per_uid = 10\nmax_unjoined = 3\n");
	struct tclient *m = tc_connect(d->sock);
	struct rawc *u[3];
	char out[4096];
	pid_t dmn = lchatd_daemon_pid(d);

	tc_join(m, "ex-member");
	for (int i = 0; i < 3; i++) {
		u[i] = rawc_connect(d->sock);
		rawc_expect(u[i], "HELLO lchat/1 ", TC_TIMEOUT);
	}
	expect_refused(d->sock, "BYE busy [a-z]");
	ck_assert(chmod(d->dir, 0711) == 0);
	int rc = other_uid_run(d->sock, "", out, sizeof(out));
	ck_assert_msg(rc == 0 && re_contains(out, "^BYE busy [a-z][^\n]*\n$"),
		      "the other user (rc %d) read:\n%s", rc, out);
	ck_assert_int_eq(count_handlers(dmn, 0), 4);

	/* One joins: a place for one more. */
	rawc_send(u[0], "JOIN ex-joined");
	rawc_expect(u[0], "OK JOIN ex-joined [0-9]+$", TC_TIMEOUT);
	tc_expect(m, EV "JOIN ex-joined ", TC_TIMEOUT);
	rc = other_uid_run(d->sock, "JOIN ex-other\nQUIT\n", out, sizeof(out));
	ck_assert_msg(rc == 0 && re_contains(out, "\nOK JOIN ex-other [0-9]+\n(EV [^\n]*\n)*OK QUIT\n$"),
		      "the other user (rc %d) read:\n%s", rc, out);
	tc_expect(m, EV "JOIN ex-other ", TC_TIMEOUT);
	tc_expect(m, EV "LEAVE ex-other [^ ]+ quit$", TC_TIMEOUT);
	tc_expect_silence(m);
	for (int i = 0; i < 3; i++)
		rawc_close(u[i]);
	tc_close(m);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- a sender over the rate limit ------------------------------------------ */

#define FLOOD_LINES 600          /* one each 5 ms after its reply: 200 a second at most */

/* The flooder is another uid than the two members (the rate limit is the
 * uid's, shared by all its connections): ex-bee's messages are within
 * its own limit whatever the flooder does. */
START_TEST(test_rate_flood)
{
	struct lchatd *d = lchatd_start("rate_limit = 20\nrate_burst = 20\n");
	struct tclient *b = tc_connect(d->sock), *c = tc_connect(d->sock);
	int sent = FLOOD_LINES, ok = 0, limited = 0, b_said = 0, flood_seen = 0;
	int64_t t0, worst = 0;
	uint64_t last_c = 0;
	size_t len = 0, cap = 64 + FLOOD_LINES * 16;
	char *script = malloc(cap), *out = malloc(1 << 20);
	int out_fd;

	ck_assert(script && out);
	ck_assert_int_eq(chmod(d->dir, 0711), 0);
	tc_join(b, "ex-bee");
	tc_join(c, "ex-cee");
	tc_expect(b, EV "JOIN ex-cee ", TC_TIMEOUT);
	len += (size_t)snprintf(script + len, cap - len, "JOIN ex-flooder\n");
	for (int i = 0; i < FLOOD_LINES; i++)
		len += (size_t)snprintf(script + len, cap - len, "SAY f%d\n", i);
	snprintf(script + len, cap - len, "QUIT\n");
	t0 = wall_ms();
	pid_t fl = other_uid_start(d->sock, script, 5, &out_fd);
	tc_expect(c, EV "JOIN ex-flooder ", TC_TIMEOUT);
	/* ex-bee speaks while the flood lasts: each message reaches ex-cee
	 * once, in order, in good time, among the flooder's accepted ones. */
	for (;;) {
		int64_t at = wall_ms();
		tc_send(b, "SAY b%d", b_said);
		tc_expect_past_events(b, "OK SAY [0-9]+$", TC_TIMEOUT);
		for (;;) {
			const char *l = tc_expect(c, EV "(MSG (ex-flooder f|ex-bee b)[0-9]+|LEAVE "
						  "ex-flooder .*)$", TC_TIMEOUT);
			uint64_t seq = line_seq(l);

			ck_assert_msg(seq > last_c, "ex-cee: seq %" PRIu64 " after %" PRIu64, seq,
				      last_c);
			last_c = seq;
			if (strstr(l, " LEAVE ex-flooder ")) {
				ck_assert_msg(false, "ex-cee: the flooder left before b%d", b_said);
			} else if (strstr(l, " ex-bee ")) {
				ck_assert_msg(atoi(strstr(l, " b") + 2) == b_said, "ex-cee: '%s' where "
					      "b%d was due", l, b_said);
				break;
			}
			flood_seen++;
		}
		if (wall_ms() - at > worst)
			worst = wall_ms() - at;
		b_said++;
		if (wall_ms() - t0 >= 2000)
			break;
		sleep_ms(200);
	}
	/* The flood ends; what it got: one reply per line, OK or rate-limited. */
	ck_assert_int_eq(other_uid_wait(fl, out_fd, out, 1 << 20), 0);
	int64_t secs = wall_ms() - t0;
	for (char *l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (line_matches(l, "OK SAY [0-9]+\n"))
			ok++;
		else if (line_matches(l, "ERR rate-limited [a-z]"))
			limited++;
	}
	ck_assert_int_eq(ok + limited, sent);
	/* burst + rate * time, with slack for the clock (its JOIN spent one);
	 * and most refused. */
	ck_assert_msg(ok + 1 <= 20 + 20 * (int)(secs / 1000 + 1), "%d of %d flood messages "
		      "passed in %" PRId64 " ms (rate_limit 20, burst 20)", ok, sent, secs);
	ck_assert_msg(limited >= sent / 2, "only %d of %d flood messages were rate-limited",
		      limited, sent);
	ck_assert_msg(worst < 2000, "ex-bee's messages took up to %" PRId64 " ms to arrive "
		      "during the flood", worst);
	/* ex-cee got exactly the accepted ones, then the flooder's LEAVE. */
	for (;;) {
		const char *l = tc_expect(c, EV "(MSG ex-flooder f[0-9]+|LEAVE ex-flooder [^ ]+ "
					  "quit)$", TC_TIMEOUT);
		if (strstr(l, " LEAVE "))
			break;
		flood_seen++;
	}
	ck_assert_int_eq(flood_seen, ok);
	tc_expect_silence(c);
	free(script);
	free(out);
	tc_close(b);
	tc_close(c);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- fork failing ------------------------------------------------------------ */

/* RLIMIT_NPROC binds no process whose real uid is root, so the daemon runs
 * as an otherwise unused uid (group nogroup, its admin_group), owning the
 * test's directory, with room for itself, its supervisor and
 * NPROC_HANDLERS handlers. */
#define DAEMON_UID 61913
#define NPROC_HANDLERS 3

static void as_limited_user(const struct lchatd *d, void *arg)
{
	rlim_t n = *(const rlim_t *)arg;
	struct rlimit rl = { n, n };

	/* LeakSanitizer's check at exit starts a thread, which this limit
	 * refuses to a handler that exits while the others are at it. */
	if (chown(d->dir, DAEMON_UID, OTHER_UID) < 0 || asan_options_add("detect_leaks=0") < 0 ||
	    setgroups(0, NULL) < 0 || setresgid(OTHER_UID, OTHER_UID, OTHER_UID) < 0 ||
	    setrlimit(RLIMIT_NPROC, &rl) < 0 ||
	    setresuid(DAEMON_UID, DAEMON_UID, DAEMON_UID) < 0) {
		fprintf(stderr, "test: cannot become uid %d with RLIMIT_NPROC %lu: %s\n",
			DAEMON_UID, (unsigned long)n, strerror(errno));
		_exit(126);
	}
}

START_TEST(test_fork_fails)
{
	static rlim_t nproc = 3 + NPROC_HANDLERS;   /* supervisor, daemon, writer, handlers */
	struct tclient *a, *b, *c;
	struct lchatd *d;
	long cpu;
	pid_t dmn;

	if (geteuid() != 0) {
		fprintf(stderr, "fork_fails: not root; RLIMIT_NPROC cannot be given to "
			"another uid's daemon\n");
		return;
	}
	lchatd_set_exec_hook(as_limited_user, &nproc);
	d = lchatd_start("admin_group = \"nogroup\"\nmax_users_per_uid = 20\n"
			 "max_unjoined_per_uid = 20\n");
	lchatd_set_exec_hook(NULL, NULL);
	dmn = wait_no_handlers(d);
	a = tc_connect(d->sock);
	b = tc_connect(d->sock);
	c = tc_connect(d->sock);     /* connected, not joined */
	tc_join(a, "ex-first");
	tc_join(b, "ex-second");
	tc_expect(a, EV "JOIN ex-second ", TC_TIMEOUT);

	/* The uid has no process left: each newcomer is told so and closed. */
	for (int i = 0; i < 20; i++)
		expect_refused(d->sock, "BYE unavailable [a-z]");
	ck_assert_int_eq(count_handlers(dmn, 0), NPROC_HANDLERS);
	ck_assert_msg(lchatd_log_has(d, "fork: .*refusing connections", 0),
		      "the daemon did not log that fork failed");
	cpu = cpu_over(dmn, IDLE_MS);
	ck_assert_msg(cpu < IDLE_CPU_MS, "the daemon, out of processes and idle, used %ld ms "
		      "of CPU in %d ms", cpu, IDLE_MS);
	chat_round(a, b, "still fine");
	chat_round(b, a, "yes");

	/* A handler goes: the daemon serves again. */
	tc_close(c);
	struct rawc *n = rawc_connect_when_free(d->sock, "^BYE unavailable ", 10000);
	rawc_send(n, "JOIN ex-third");
	rawc_expect(n, "OK JOIN ex-third [0-9]+$", TC_TIMEOUT);
	tc_expect(a, EV "JOIN ex-third ", TC_TIMEOUT);
	tc_expect(b, EV "JOIN ex-third ", TC_TIMEOUT);
	expect_refused(d->sock, "BYE unavailable [a-z]");
	tc_expect_silence(a);
	tc_expect_silence(b);
	rawc_close(n);
	tc_close(a);
	tc_close(b);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- descriptors running out --------------------------------------------- */

/* The RLIMIT_NOFILE that leaves pid exactly `spare` free descriptors. */
static rlim_t nofile_leaving(pid_t pid, int spare)
{
	static int fds[4096];
	static char targets[4096][256];
	int n = proc_fds(pid, fds, targets, 4096), k = 0;
	rlim_t lim = 0;

	ck_assert(n > 0);
	for (int free_ = 0; free_ < spare || (k < n && fds[k] < (int)lim); lim++) {
		if (k < n && fds[k] == (int)lim)
			k++;
		else
			free_++;
	}
	return lim;
}

START_TEST(test_fds_run_out)
{
	struct lchatd *d = lchatd_start("max_users_per_uid = 20\n");
	struct tclient *a = tc_connect(d->sock), *b = tc_connect(d->sock), *ctl1, *ctl2;
	pid_t dmn = lchatd_daemon_pid(d);
	struct rlimit rl;
	int fds0, fds;
	long cpu;

	tc_join(a, "ex-first");
	tc_join(b, "ex-second");
	tc_expect(a, EV "JOIN ex-second ", TC_TIMEOUT);
	fds0 = proc_nfds(dmn);
	ck_assert_int_eq(prlimit(dmn, RLIMIT_NOFILE, NULL, &rl), 0);
	rl.rlim_cur = nofile_leaving(dmn, 2);
	ck_assert_int_eq(prlimit(dmn, RLIMIT_NOFILE, &rl, NULL), 0);
	/* Two administrators take the last two. */
	ctl1 = ctl_connect(d->ctl);
	ctl2 = ctl_connect(d->ctl);
	ck_assert_int_eq(proc_nfds(dmn), fds0 + 2);

	/* Accept fails with EMFILE: each newcomer is told why and closed,
	 * on either socket, and those inside chat on. */
	for (int i = 0; i < 20; i++)
		expect_refused(d->sock, "BYE unavailable [a-z]");
	expect_refused(d->ctl, "BYE unavailable [a-z]");
	expect_refused(d->irc, "ERROR :Closing link: unavailable [a-z]");   /* in IRC */
	ck_assert_int_eq(count_handlers(dmn, 0), 2);
	ck_assert_msg(lchatd_log_has(d, "out of file descriptors", 0),
		      "the daemon did not log that it ran out of descriptors");
	cpu = cpu_over(dmn, IDLE_MS);
	ck_assert_msg(cpu < IDLE_CPU_MS, "the daemon, out of descriptors and idle, used %ld ms "
		      "of CPU in %d ms", cpu, IDLE_MS);
	chat_round(a, b, "still fine");
	chat_round(b, a, "yes");
	tc_send(ctl2, "WHO");
	tc_expect(ctl2, "WHO ex-first ", TC_TIMEOUT);
	tc_expect(ctl2, "WHO ex-second ", TC_TIMEOUT);
	tc_expect(ctl2, "OK WHO 2$", TC_TIMEOUT);

	/* One administrator leaves: a user gets in again. */
	tc_close(ctl1);
	struct rawc *n = rawc_connect_when_free(d->sock, "^BYE unavailable ", 10000);
	rawc_send(n, "JOIN ex-third");
	rawc_expect(n, "OK JOIN ex-third [0-9]+$", TC_TIMEOUT);
	tc_expect(a, EV "JOIN ex-third ", TC_TIMEOUT);
	tc_expect(b, EV "JOIN ex-third ", TC_TIMEOUT);
	rawc_close(n);
	tc_close(ctl2);
	tc_expect(a, EV "LEAVE ex-third [^ ]+ closed$", TC_TIMEOUT);
	/* Nothing kept: the daemon's descriptors are what they were. */
	int64_t deadline = mono_ms_now() + TC_TIMEOUT;
	while ((fds = proc_nfds(dmn)) != fds0 && mono_ms_now() < deadline)
		sleep_ms(20);
	ck_assert_msg(fds == fds0, "the daemon has %d descriptors, %d before", fds, fds0);
	tc_expect_silence(a);
	tc_close(a);
	tc_close(b);
	lchatd_stop_ok(d);
}
END_TEST

int main(void)
{
	const struct harness_case cases[] = {
		{ "flood_one_uid", test_flood_one_uid, 120 },
		{ "unjoined_per_uid", test_unjoined_per_uid, 60 },
		{ "unjoined_global", test_unjoined_global, 60 },
		{ "rate_flood", test_rate_flood, 60 },
		{ "fork_fails", test_fork_fails, 60 },
		{ "fds_run_out", test_fds_run_out, 60 },
	};

	return harness_run(harness_suite("exhaust", cases, HARNESS_NCASES(cases)));
}
