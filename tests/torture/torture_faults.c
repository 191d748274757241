/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* torture_faults.c - faults at scale: 200 handlers SIGKILLed at once, the
 * fan-out writer SIGKILLed while it sends a flood to 200 members, and a
 * storm of signals on every lchatd process (the writer included) while the
 * room floods.
 *
 * The handlers and the storm: the fault is seen where it should be (the
 * clients of the killed handlers see their connection end, the room is
 * told), nobody else notices (an observer's events step by exactly one,
 * every poster's messages arrive in order exactly once, nobody else is
 * disconnected, neither the daemon nor the writer is restarted or
 * replaced), and nothing is left (no zombies, no descriptor, every slot
 * free for a new user).
 *
 * The writer: its death restarts the room (daemon.c says why), so there
 * every connection must end, none in the middle of a line; the log says
 * so; a new daemon comes up, every member resumes with JOIN NAME LAST-SEQ
 * and its stream, before and after, steps by exactly one; every message a
 * poster was acknowledged is in it exactly once, with the acknowledged
 * seq. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "flood.h"
#include "harness.h"
#include "procs.h"

#define EV "EV [0-9]+ [0-9]+ "

/* Lines of the daemon's log that contain the extended regex re. */
static int log_count(const struct lchatd *d, const char *re)
{
	FILE *log = fopen(d->log, "re");
	char line[2048];
	int n = 0;

	ck_assert_msg(log != NULL, "%s: %s", d->log, strerror(errno));
	while (fgets(line, sizeof(line), log))
		n += re_contains(line, re);
	fclose(log);
	return n;
}

/* How many descriptors pid has open. */
static int fd_count(pid_t pid)
{
	int n = proc_nfds(pid);

	ck_assert_msg(n >= 0, "process %d is gone", (int)pid);
	return n;
}

/* Wait until pid has `want` descriptors open. */
static void wait_fd_count(pid_t pid, int want, int timeout_ms)
{
	int64_t deadline = mono_ms_now() + timeout_ms;
	int n;

	while ((n = fd_count(pid)) != want && mono_ms_now() < deadline)
		sleep_ms(20);
	ck_assert_msg(n == want, "process %d has %d descriptors open %d ms later; expected %d",
		      (int)pid, n, timeout_ms, want);
}

/* Wait until the daemon has `want` children and no zombies. */
static void wait_children(pid_t dmn, int want, int timeout_ms)
{
	int64_t deadline = mono_ms_now() + timeout_ms;
	int kids, zombies;

	for (;;) {
		kids = count_handlers(dmn, 0);
		zombies = count_handlers(dmn, 'Z');
		if ((kids == want && zombies == 0) || mono_ms_now() >= deadline)
			break;
		sleep_ms(20);
	}
	ck_assert_msg(kids == want && zombies == 0, "the daemon has %d children (%d zombies) "
		      "%d ms later; expected %d and none", kids, zombies, timeout_ms, want);
}

/* The observer's next event must be seq *last + 1 and match re. */
static const char *expect_next(struct tclient *obs, uint64_t *last, const char *re)
{
	const char *line = tc_expect(obs, re, 30000);

	ck_assert_msg(line_seq(line) == *last + 1, "observer: seq %" PRIu64 " after %" PRIu64
		      " (%s)", line_seq(line), *last, line);
	*last += 1;
	return line;
}

/* ---- 200 handlers killed at once -------------------------------------- */

#define MANY 200
START_TEST(test_handlers_killed_at_once)
{
	/* Exactly enough slots: the new users below fit only if every slot
	 * of the dead handlers was freed. */
	struct lchatd *d = lchatd_start("motd = \"\"\nmax_users = 201\nmax_users_per_uid = 201\n"
					"max_unjoined = 201\nmax_unjoined_per_uid = 201\n");
	pid_t dmn = wait_no_handlers(d), kids[512];
	struct tclient *obs = tc_connect(d->sock);
	struct rawc *c[MANY];
	bool joined[MANY] = { false };
	uint64_t last = tc_join(obs, "observer");
	/* Not lchatd_handler_pid(): its probe of the control socket may still
	 * be open in the daemon when the descriptors are counted. */
	pid_t mine = wait_child_titled(dmn, "lchatd: observer", 0, TC_TIMEOUT);
	int n, killed = 0, dmn_fds = fd_count(dmn);

	for (int i = 0; i < MANY; i++)
		c[i] = rawc_connect(d->sock);
	for (int i = 0; i < MANY; i++)
		rawc_expect(c[i], "HELLO lchat/1 ", 30000);
	for (int i = 0; i < MANY; i += 2)
		rawc_send(c[i], "JOIN fk-u%03d", i);
	for (int i = 0; i < MANY; i += 2) {
		char re[64];

		snprintf(re, sizeof(re), "OK JOIN fk-u%03d [0-9]+$", i);
		rawc_expect(c[i], re, 30000);
	}
	for (int k = 0; k < MANY / 2; k++) {
		const char *line = expect_next(obs, &last, EV "JOIN fk-u[0-9]{3} ");
		joined[atoi(strstr(line, " JOIN fk-u") + 10)] = true;
	}

	/* Every handler but the observer's, in one loop. */
	n = proc_handlers(dmn, kids, 512);
	ck_assert_msg(n == MANY + 1, "the daemon has %d children for %d connections", n, MANY + 1);
	for (int i = 0; i < n; i++)
		if (kids[i] != mine) {
			ck_assert_msg(kill(kids[i], SIGKILL) == 0, "kill %d: %s", (int)kids[i],
				      strerror(errno));
			killed++;
		}
	ck_assert_int_eq(killed, MANY);

	/* Their clients see the end; the room is told once for each member. */
	for (int i = 0; i < MANY; i++) {
		while (rawc_line(c[i], 30000) != NULL)
			;
		ck_assert_msg(rawc_eof(c[i]), "client %d: no end of the connection", i);
		rawc_close(c[i]);
	}
	for (int k = 0; k < MANY / 2; k++) {
		const char *line = expect_next(obs, &last, EV "LEAVE fk-u[0-9]{3} [^ ]+ lost$");
		int i = atoi(strstr(line, " LEAVE fk-u") + 11);

		ck_assert_msg(joined[i], "LEAVE of a member that was not there, or twice: %s", line);
		joined[i] = false;
	}
	tc_expect_silence(obs);
	wait_children(dmn, 1, 30000);
	ck_assert_int_eq(lchatd_daemon_pid(d), dmn);
	ck_assert_int_eq(log_count(d, "crashed: killed by signal 9"), MANY);
	/* No descriptor leaked (once the daemon has seen lchatd_daemon_pid()'s
	 * probe close). */
	wait_fd_count(dmn, dmn_fds, TC_TIMEOUT);

	/* Every slot is free again: 200 new users join. */
	for (int i = 0; i < MANY; i++)
		c[i] = rawc_connect(d->sock);
	for (int i = 0; i < MANY; i++) {
		rawc_expect(c[i], "HELLO lchat/1 ", 30000);
		rawc_send(c[i], "JOIN fk-v%03d", i);
	}
	for (int i = 0; i < MANY; i++) {
		char re[64];

		snprintf(re, sizeof(re), "OK JOIN fk-v%03d [0-9]+$", i);
		rawc_expect(c[i], re, 30000);
	}
	for (int k = 0; k < MANY; k++)
		expect_next(obs, &last, EV "JOIN fk-v[0-9]{3} ");
	tc_send(obs, "WHO");
	for (int k = 0; k < MANY + 1; k++)
		tc_expect(obs, "WHO ", TC_TIMEOUT);
	tc_expect(obs, "OK WHO 201$", TC_TIMEOUT);
	for (int i = 0; i < MANY; i++)
		rawc_close(c[i]);
	for (int k = 0; k < MANY; k++)
		expect_next(obs, &last, EV "LEAVE fk-v[0-9]{3} [^ ]+ closed$");
	wait_children(dmn, 1, 30000);
	ck_assert_int_eq(fd_count(dmn), dmn_fds);
	tc_close(obs);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- the fan-out writer killed at scale --------------------------------- */

/* 200 members read along while alice and bob flood the room, and the
 * writer is SIGKILLed while it is sending their burst to everybody. A dead
 * writer takes the daemon with it and the supervisor starts the room
 * again: every connection must end, on a whole line; every member resumes
 * with JOIN NAME LAST-SEQ (the last event it saw whole) and gets the rest
 * without a gap; every message a poster was acknowledged (OK SAY seq) is
 * in every member's stream exactly once, with that seq. With laggards, a
 * quarter of the members stop reading when the burst begins, the bursts
 * are 5000 messages each and the kill waits until 4000 of them were seen:
 * sockets are full everywhere when the writer dies, and still no line may
 * be cut (fanout.c, BATCH_BYTES). */
static bool wk_laggards;
#define WK_USERS 200
#define WK_CONNS (WK_USERS + 2)     /* the members, then alice and bob */
#define WK_ACKED 300                /* acks each poster has before its burst */
#define WK_INFLIGHT 500             /* unacknowledged messages at most */
#define WK_BURST (wk_laggards ? 5000 : 1500)  /* each poster's burst before the kill */
#define WK_MAX 20000                /* messages of one poster at most */
#define WK_WAIT_MS 60000            /* for each phase: a stall, not a slow machine */

/* A connection as the test reads it: its stream, checked line by line. */
struct wk_conn {
	struct rawc *c;
	char name[16];
	int poster;             /* 0: alice, 1: bob; -1: a member reading along */
	uint64_t rejoined;      /* its resumed session's join (0: not resumed) */
	uint64_t last;          /* the last seq it saw whole */
	uint64_t old_last;      /* that, when its first connection ended */
	long next[2];           /* alice's and bob's next message due */
	int lost;               /* LEAVE ... lost events */
	bool lost_of[WK_CONNS]; /* whose */
	bool after;             /* alice's message after the restart */
	bool ended;             /* the server closed the connection */
};

struct wk {
	struct wk_conn m[WK_CONNS];
	uint64_t *seq_of[2];    /* a poster's message n: its seq in the streams */
	uint64_t *acked[2];     /* a poster's acknowledgements, in order */
	long nacked[2], sent[2];
	char out[2][1024];      /* what a poster has yet to send */
	size_t olen[2];
	pid_t writer;           /* killed when a member gets a burst message */
	long burst_from[2];     /* each burst's first message (0: no burst yet) */
	bool killed;
	long acked_at_kill[2];
	int64_t t_killed;
};

static const char *const wk_poster[2] = { "alice", "bob" };

/* Hundreds of thousands of lines: ck_assert() would note each check
 * (Check marks every passing assertion), so these fail only. */
#define WK_CHECK(cond, ...) do { if (!(cond)) ck_abort_msg(__VA_ARGS__); } while (0)

/* The connection of the member called name[0..len), or -1. */
static int wk_index(const char *name, size_t len)
{
	if (len == 7 && strncmp(name, "wk-u", 4) == 0 && strspn(name + 4, "0123456789") >= 3)
		return atoi(name + 4) < WK_USERS ? atoi(name + 4) : -1;
	for (int p = 0; p < 2; p++)
		if (len == strlen(wk_poster[p]) && strncmp(name, wk_poster[p], len) == 0)
			return WK_USERS + p;
	return -1;
}

/* SIGKILL the writer: at the first message of the bursts a member gets,
 * while the writer sends them to the others. */
static void wk_kill(struct wk *w)
{
	WK_CHECK(kill(w->writer, SIGKILL) == 0, "kill %d: %s", (int)w->writer, strerror(errno));
	w->killed = true;
	w->t_killed = mono_ms_now();
	w->acked_at_kill[0] = w->nacked[0];
	w->acked_at_kill[1] = w->nacked[1];
}

/* Account for line l of connection i. Its seq must follow the last one
 * (a resumed member's own join is acknowledged, not sent); a poster's
 * messages come in order, each once, with the same seq for everybody
 * (a poster's own are its acknowledgements, where their echo would be). */
static void wk_take(struct wk *w, int i, const char *l)
{
	struct wk_conn *m = &w->m[i];
	uint64_t seq;
	char *e;
	int p = -1;
	long n = -1;

	if (m->poster >= 0 && strncmp(l, "OK SAY ", 7) == 0) {
		seq = strtoull(l + 7, &e, 10);
		WK_CHECK(*e == '\0' && w->nacked[m->poster] < WK_MAX, "%s got '%s'", m->name, l);
		p = m->poster;
		n = w->nacked[p];
		w->acked[p][w->nacked[p]++] = seq;
	} else {
		WK_CHECK(strncmp(l, "EV ", 3) == 0, "%s got '%s'", m->name, l);
		seq = strtoull(l + 3, &e, 10);
		WK_CHECK(*e == ' ', "%s got '%s'", m->name, l);
		(void)strtoll(e + 1, &e, 10);
		WK_CHECK(*e == ' ', "%s got '%s'", m->name, l);
		const char *what = e + 1;
		size_t wl = strlen(what);
		for (int k = 0; k < 2 && p < 0; k++) {
			char pre[32];
			size_t pl = (size_t)snprintf(pre, sizeof(pre), "MSG %s %c-", wk_poster[k],
						     wk_poster[k][0]);
			if (strncmp(what, pre, pl) == 0) {
				n = strtol(what + pl, &e, 10);
				WK_CHECK(*e == '\0' && n >= 0 && n < WK_MAX, "%s got '%s'", m->name, l);
				p = k;
			}
		}
		if (p >= 0) {
			;
		} else if (strcmp(what, "MSG alice after") == 0 && m->rejoined) {
			m->after = true;
		} else if (strncmp(what, "JOIN ", 5) == 0) {
			;
		} else if (strncmp(what, "LEAVE ", 6) == 0 && wl > 11 &&
			   strcmp(what + wl - 5, " lost") == 0) {
			/* Each member of the old room, once, after the restart. */
			const char *name = what + 6;
			int who = wk_index(name, strcspn(name, " "));
			WK_CHECK(who >= 0 && m->rejoined && !m->lost_of[who], "%s got '%s'",
				 m->name, l);
			m->lost_of[who] = true;
			m->lost++;
		} else {
			ck_abort_msg("%s got '%s'", m->name, l);
		}
	}
	WK_CHECK(seq == m->last + 1 || (m->rejoined && seq == m->last + 2 &&
					 m->last + 1 == m->rejoined),
		 "%s: seq %" PRIu64 " after %" PRIu64 " ('%s')", m->name, seq, m->last, l);
	m->last = seq;
	if (p < 0)
		return;
	WK_CHECK(n == m->next[p], "%s: %c-%ld where %c-%ld was due ('%s')", m->name,
		 wk_poster[p][0], n, wk_poster[p][0], m->next[p], l);
	m->next[p]++;
	if (!w->seq_of[p][n])
		w->seq_of[p][n] = seq;
	WK_CHECK(w->seq_of[p][n] == seq, "%s: %c-%ld has seq %" PRIu64 ", for another %" PRIu64,
		 m->name, wk_poster[p][0], n, seq, w->seq_of[p][n]);
	if (m->poster < 0 && w->burst_from[p] && n >= w->burst_from[p] + (wk_laggards ? 4000 : 0) &&
	    !w->killed)
		wk_kill(w);
}

/* Take every whole line connection i has received. */
static void wk_drain(struct wk *w, int i)
{
	struct wk_conn *m = &w->m[i];
	const char *l;

	while ((l = rawc_line(m->c, 0)) != NULL)
		wk_take(w, i, l);
	if (!m->ended && rawc_closed(m->c)) {
		m->ended = true;
		m->old_last = m->last;
	}
}

/* Wait up to ms for lines on any open connection below `to`; take them. */
static void wk_poll(struct wk *w, int to, int ms)
{
	struct pollfd p[WK_CONNS];
	int idx[WK_CONNS], n = 0;

	for (int i = 0; i < to; i++)
		if (!w->m[i].ended && !(wk_laggards && w->burst_from[0] && !w->killed &&
					 i < WK_USERS && i % 4 == 0)) {
			p[n] = (struct pollfd){ .fd = rawc_fd(w->m[i].c), .events = POLLIN };
			idx[n++] = i;
		}
	if (n == 0)
		return;
	WK_CHECK(poll(p, (nfds_t)n, ms) >= 0 || errno == EINTR, "poll: %s", strerror(errno));
	for (int k = 0; k < n; k++)
		if (p[k].revents)
			wk_drain(w, idx[k]);
}

/* Poster p sends on: up to WK_INFLIGHT unacknowledged, 50 at a time; a
 * send cut short is finished before the next 50. After the kill its
 * connection may be gone. */
static void wk_post(struct wk *w, int p, bool killed)
{
	struct wk_conn *m = &w->m[WK_USERS + p];

	if (m->ended)
		return;
	if (w->olen[p] == 0 && w->sent[p] - w->nacked[p] < WK_INFLIGHT)
		for (int k = 0; k < 50 && w->sent[p] < WK_MAX; k++)
			w->olen[p] += (size_t)snprintf(w->out[p] + w->olen[p],
						       sizeof(w->out[p]) - w->olen[p], "SAY %c-%ld\n",
						       wk_poster[p][0], w->sent[p]++);
	if (w->olen[p] == 0)
		return;
	ssize_t n = send(rawc_fd(m->c), w->out[p], w->olen[p], MSG_NOSIGNAL | MSG_DONTWAIT);
	WK_CHECK(n >= 0 || errno == EAGAIN || killed, "%s's send: %s", m->name, strerror(errno));
	if (n > 0) {
		memmove(w->out[p], w->out[p] + n, w->olen[p] - (size_t)n);
		w->olen[p] -= (size_t)n;
	}
}

/* Poster p sends WK_BURST messages at once. */
static void wk_burst(struct wk *w, int p)
{
	char *b = xcalloc(WK_BURST, 16);
	size_t len = 0;

	for (int k = 0; k < WK_BURST && w->sent[p] < WK_MAX; k++)
		len += (size_t)snprintf(b + len, 16, "SAY %c-%ld\n", wk_poster[p][0], w->sent[p]++);
	send_all(rawc_fd(w->m[WK_USERS + p].c), b, len, wk_poster[p]);
	free(b);
}

/* Connection i's OK JOIN (the first line after HELLO); returns its seq. */
static uint64_t wk_joined(struct wk *w, int i)
{
	char re[64];

	snprintf(re, sizeof(re), "OK JOIN %s [0-9]+$", w->m[i].name);
	return line_seq(rawc_expect(w->m[i].c, re, 30000));
}

static void writer_killed_at_scale(bool laggards)
{
	wk_laggards = laggards;
	struct lchatd *d = lchatd_start("motd = \"\"\nbacklog = 0\nhistory = 65536\n"
					"rate_limit = 100000\nrate_burst = 100000\n"
					"max_users = 210\nmax_users_per_uid = 210\n"
					"max_unjoined = 210\nmax_unjoined_per_uid = 210\n");
	pid_t dmn = wait_no_handlers(d);
	struct wk *w = xcalloc(1, sizeof(*w));
	struct pstat dm;
	int64_t t0 = mono_ms_now(), deadline;

	ck_assert(pstat_read(dmn, &dm));
	w->writer = wait_child_titled(dmn, "lchatd: fanout", 0, TC_TIMEOUT);
	for (int p = 0; p < 2; p++) {
		w->seq_of[p] = xcalloc(WK_MAX, sizeof(uint64_t));
		w->acked[p] = xcalloc(WK_MAX, sizeof(uint64_t));
	}
	for (int i = 0; i < WK_CONNS; i++) {
		w->m[i].poster = i < WK_USERS ? -1 : i - WK_USERS;
		if (i < WK_USERS)
			snprintf(w->m[i].name, sizeof(w->m[i].name), "wk-u%03d", i);
		else
			snprintf(w->m[i].name, sizeof(w->m[i].name), "%s", wk_poster[i - WK_USERS]);
	}

	/* The members join, then the posters. */
	for (int i = 0; i < WK_USERS; i++)
		w->m[i].c = rawc_connect(d->sock);
	for (int i = 0; i < WK_USERS; i++) {
		rawc_expect(w->m[i].c, "HELLO lchat/1 ", 30000);
		rawc_send(w->m[i].c, "JOIN %s", w->m[i].name);
	}
	for (int i = 0; i < WK_USERS; i++)
		w->m[i].last = wk_joined(w, i);
	for (int i = WK_USERS; i < WK_CONNS; i++) {
		w->m[i].c = rawc_connect(d->sock);
		rawc_expect(w->m[i].c, "HELLO lchat/1 ", 30000);
		rawc_send(w->m[i].c, "JOIN %s", w->m[i].name);
		w->m[i].last = wk_joined(w, i);
	}
	int64_t t_joined = mono_ms_now();

	/* The flood. Once both posters have WK_ACKED acks, each sends a
	 * burst; the writer is killed as soon as a member has a message of
	 * it (wk_take()), while it sends the bursts to the others. */
	deadline = mono_ms_now() + WK_WAIT_MS;
	for (;;) {
		int ended = 0;
		for (int i = 0; i < WK_CONNS; i++)
			ended += w->m[i].ended;
		if (ended == WK_CONNS)
			break;
		WK_CHECK(mono_ms_now() < deadline, "%d of %d connections ended %d s into the flood "
			 "(alice %ld sent, %ld acknowledged; bob %ld, %ld; the writer %s)", ended,
			 WK_CONNS, WK_WAIT_MS / 1000, w->sent[0], w->nacked[0], w->sent[1],
			 w->nacked[1], w->killed ? "killed" : "not killed yet");
		for (int p = 0; p < 2; p++)
			wk_post(w, p, w->killed);
		wk_poll(w, WK_CONNS, 5);
		if (!w->burst_from[0] && w->nacked[0] >= WK_ACKED && w->nacked[1] >= WK_ACKED &&
		    w->olen[0] == 0 && w->olen[1] == 0) {
			for (int p = 0; p < 2; p++) {
				w->burst_from[p] = w->sent[p];
				wk_burst(w, p);
			}
		}
	}
	int64_t t_ended = mono_ms_now();
	ck_assert_msg(w->killed, "the connections ended before the writer was killed");

	/* Every connection ended, none in the middle of a line. */
	int partial = 0;
	char partials[512] = "";
	for (int i = 0; i < WK_CONNS; i++)
		if (rawc_partial(w->m[i].c) > 0 && partial++ < 8)
			snprintf(partials + strlen(partials), sizeof(partials) - strlen(partials),
				 " %s (%zu bytes)", w->m[i].name, rawc_partial(w->m[i].c));
	ck_assert_msg(partial == 0, "%d connections ended in the middle of a line:%s", partial,
		      partials);
	char re[128];
	snprintf(re, sizeof(re), "the fan-out writer %d was killed by signal 9; restarting the "
		 "room", (int)w->writer);
	ck_assert_msg(lchatd_log_has(d, re, TC_TIMEOUT), "the daemon's log does not say that "
		      "the writer was killed");
	ck_assert_msg(lchatd_log_has(d, "stopped: the room restarts", TC_TIMEOUT),
		      "the daemon's log does not say that the room restarts");

	/* How far each got: the kill cut the burst short for some. */
	uint64_t lo = UINT64_MAX, hi = 0;
	for (int i = 0; i < WK_USERS; i++) {
		lo = w->m[i].old_last < lo ? w->m[i].old_last : lo;
		hi = w->m[i].old_last > hi ? w->m[i].old_last : hi;
	}

	/* A new daemon, with a writer; every member resumes. */
	pid_t dmn2 = wait_child_titled(d->pid, "lchatd: daemon", dm.sid, WK_WAIT_MS);
	wait_child_titled(dmn2, "lchatd: fanout", 0, WK_WAIT_MS);
	sock_wait_connectable(d->sock, WK_WAIT_MS);
	ck_assert_int_eq(lchatd_daemon_pid(d), dmn2);
	int64_t t_restarted = mono_ms_now();
	for (int i = 0; i < WK_CONNS; i++) {
		rawc_close(w->m[i].c);
		w->m[i].c = NULL;
	}
	for (int i = 0; i < WK_USERS; i++) {
		w->m[i].c = rawc_connect(d->sock);
		w->m[i].ended = false;
	}
	for (int i = 0; i < WK_USERS; i++) {
		rawc_expect(w->m[i].c, "HELLO lchat/1 ", 30000);
		rawc_send(w->m[i].c, "JOIN %s %" PRIu64, w->m[i].name, w->m[i].last);
	}
	for (int i = 0; i < WK_USERS; i++)
		w->m[i].rejoined = wk_joined(w, i);

	/* Once they all have, alice is back and posts; everybody gets it. */
	struct tclient *a2 = tc_connect(d->sock);
	tc_join(a2, "alice");
	tc_send(a2, "SAY after");
	uint64_t after = tc_ack(a2, "SAY");
	deadline = mono_ms_now() + WK_WAIT_MS;
	for (;;) {
		int behind = 0;
		for (int i = 0; i < WK_USERS; i++) {
			WK_CHECK(!w->m[i].ended, "%s's resumed connection ended", w->m[i].name);
			behind += w->m[i].last < after;
		}
		if (behind == 0)
			break;
		WK_CHECK(mono_ms_now() < deadline, "%d members, resumed, did not get alice's "
			 "message after the restart (seq %" PRIu64 ") in %d s", behind, after,
			 WK_WAIT_MS / 1000);
		wk_poll(w, WK_USERS, 10);
	}
	int64_t t_resumed = mono_ms_now();

	/* Each got every message acknowledged, and everybody's LEAVE once. */
	for (int i = 0; i < WK_USERS; i++) {
		struct wk_conn *m = &w->m[i];

		WK_CHECK(m->after, "%s: no 'MSG alice after'", m->name);
		for (int p = 0; p < 2; p++)
			WK_CHECK(m->next[p] >= w->nacked[p], "%s got %c-0 to %c-%ld, but %c-%ld was "
				 "acknowledged", m->name, wk_poster[p][0], wk_poster[p][0],
				 m->next[p] - 1, wk_poster[p][0], w->nacked[p] - 1);
		WK_CHECK(m->lost == WK_CONNS, "%s: %d LEAVE ... lost, not %d", m->name, m->lost,
			 WK_CONNS);
	}
	for (int p = 0; p < 2; p++)
		for (long n = 0; n < w->nacked[p]; n++)
			WK_CHECK(w->seq_of[p][n] == w->acked[p][n], "%c-%ld was acknowledged as %"
				 PRIu64 " but has seq %" PRIu64 " in the members' streams",
				 wk_poster[p][0], n, w->acked[p][n], w->seq_of[p][n]);
	fprintf(stderr, "writer_killed_at_scale: alice %ld sent, %ld acked (%ld at the kill), "
		"bob %ld, %ld (%ld); first connections had up to seq %" PRIu64 "-%" PRIu64
		"; joined %" PRId64 " ms, kill %" PRId64 " ms, all ended %" PRId64 " ms later, "
		"new daemon %" PRId64 " ms later, all resumed %" PRId64 " ms later\n",
		w->sent[0], w->nacked[0], w->acked_at_kill[0], w->sent[1], w->nacked[1],
		w->acked_at_kill[1], lo, hi, t_joined - t0, w->t_killed - t_joined,
		t_ended - w->t_killed, t_restarted - t_ended, t_resumed - t_restarted);

	tc_close(a2);
	for (int i = 0; i < WK_USERS; i++)
		rawc_close(w->m[i].c);
	for (int p = 0; p < 2; p++) {
		free(w->seq_of[p]);
		free(w->acked[p]);
	}
	free(w);
	lchatd_stop_ok(d);
}

START_TEST(test_writer_killed_at_scale)
{
	writer_killed_at_scale(false);
}
END_TEST

START_TEST(test_writer_killed_with_laggards)
{
	writer_killed_at_scale(true);
}
END_TEST

/* ---- a signal storm during a flood -------------------------------------- */

/* Signals that must not disturb anybody (lchatd.8, SIGNALS): the ones with
 * no meaning for a process, SIGUSR1 to the supervisor (re-read its copy of
 * the configuration), SIGHUP and SIGINT to a handler (only the daemon's
 * SIGTERM ends one). The fan-out writer gets only the first kind: it must
 * neither die nor stop on any of them (daemon/fanout.c, isolate()), since
 * its death restarts the room. SIGHUP to the supervisor is sent by the
 * test itself, one at a time, and counted. */
static const int any_process[] = { SIGCHLD, SIGWINCH, SIGURG, SIGCONT, SIGPIPE, SIGUSR2 };
static const int supervisor_only[] = { SIGUSR1 };
static const int daemon_only[] = { SIGUSR1 };
static const int handler_only[] = { SIGUSR1, SIGHUP, SIGINT };

struct storm {
	pid_t pid[16];
	int sig[16][16];
	int nsig[16];
	int n;
};

static void storm_add(struct storm *s, pid_t pid, const int *only, int nonly)
{
	int k = 0;

	ck_assert_int_lt(s->n, 16);
	for (size_t i = 0; i < sizeof(any_process) / sizeof(any_process[0]); i++)
		s->sig[s->n][k++] = any_process[i];
	for (int i = 0; i < nonly; i++)
		s->sig[s->n][k++] = only[i];
	s->nsig[s->n] = k;
	s->pid[s->n++] = pid;
}

#define STORM_MAX 2000000       /* signals at most */
#define STORM_MAX_MS 120000     /* and for this long at most */

/* A child sends every target its signals, round after round with 2 ms
 * between, until stop_r is closed (or the bounds above), then writes how
 * many it sent to count_w and exits 0 (1 if kill() failed but for a
 * target that is gone, which is then left alone). */
static pid_t storm_from_child(const struct storm *s, const int stop[2], const int count[2])
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid > 0)
		return pid;
	int stop_r = stop[0], count_w = count[1];
	close(stop[1]);         /* the parent's ends: its close must be seen */
	close(count[0]);
	long sent = 0;
	int64_t end = mono_ms_now() + STORM_MAX_MS;
	struct pollfd p = { .fd = stop_r, .events = POLLIN };
	bool gone[16] = { false };
	while (sent < STORM_MAX && mono_ms_now() < end && poll(&p, 1, 2) == 0)
		for (int t = 0; t < s->n; t++)
			for (int i = 0; i < s->nsig[t] && !gone[t]; i++, sent++)
				if (kill(s->pid[t], s->sig[t][i]) < 0) {
					/* A poster's handler ends when its poster is
					 * done; whether anything died early the test
					 * learns from the log. */
					gone[t] = errno == ESRCH;
					if (gone[t])
						continue;
					fprintf(stderr, "storm: kill(%d, %d): %s\n", (int)s->pid[t],
						s->sig[t][i], strerror(errno));
					_exit(1);
				}
	if (write(count_w, &sent, sizeof(sent)) != (ssize_t)sizeof(sent))
		_exit(1);
	_exit(0);
}

/* The value of a STATUS key, from the control socket. (A raw client: the
 * protocol module's parser, which tclient checks every line with, does not
 * know STATUS lines.) */
static long status_value(struct rawc *ctl, const char *key)
{
	char re[64];
	long v = -1;

	snprintf(re, sizeof(re), "STATUS %s [0-9]+$", key);
	rawc_send(ctl, "STATUS");
	for (;;) {
		const char *line = rawc_expect(ctl, "(STATUS |OK STATUS$)", TC_TIMEOUT);

		if (line_matches(line, "OK STATUS$"))
			break;
		if (line_matches(line, re))
			v = strtol(line + 8 + strlen(key), NULL, 10);
	}
	ck_assert_msg(v >= 0, "STATUS has no %s", key);
	return v;
}

#define STORM_FLOOD 20000
#define STORM_RELOADS 10
#define STORM_STALL_MS 10000
START_TEST(test_signal_storm)
{
	struct lchatd *d = lchatd_start("motd = \"\"\nrate_limit = 100000\nrate_burst = 100000\n"
					"history = 65536\nmax_users_per_uid = 50\n");
	pid_t dmn = wait_no_handlers(d);
	struct tclient *obs = tc_connect(d->sock);
	struct rawc *ctl;
	struct seen s = { 0 };
	struct storm st = { .n = 0 };
	struct pstat before[16];
	int stop[2], count[2];
	long sent = 0;

	s.last_seq = tc_join(obs, "carol");
	pid_t alice = post_from_child(d->sock, "alice", 'a', STORM_FLOOD, 5, true);
	pid_t bob = post_from_child(d->sock, "bob", 'b', STORM_FLOOD, 5, true);
	/* Both joined and posting: every process is a target. */
	while (s.next[0] < 100 || s.next[1] < 100)
		observe(obs, &s, "nobody");
	storm_add(&st, d->pid, supervisor_only, 1);
	storm_add(&st, dmn, daemon_only, 1);
	storm_add(&st, wait_child_titled(dmn, "lchatd: fanout", 0, TC_TIMEOUT), NULL, 0);
	/* (Not lchatd_handler_pid(): its probe of the control socket may
	 * still be open in the daemon when its descriptors are counted.) */
	storm_add(&st, wait_child_titled(dmn, "lchatd: carol", 0, TC_TIMEOUT), handler_only, 3);
	storm_add(&st, wait_child_titled(dmn, "lchatd: alice", 0, TC_TIMEOUT), handler_only, 3);
	storm_add(&st, wait_child_titled(dmn, "lchatd: bob", 0, TC_TIMEOUT), handler_only, 3);
	for (int t = 0; t < st.n; t++)
		ck_assert(pstat_read(st.pid[t], &before[t]));
	/* The supervisor, the daemon, the writer and carol's handler last;
	 * the posters' handlers end with their posters. */
	int fds_before[4];
	for (int t = 0; t < 4; t++)
		fds_before[t] = fd_count(st.pid[t]);
	ck_assert(pipe2(stop, O_CLOEXEC) == 0 && pipe2(count, O_CLOEXEC) == 0);
	pid_t storm = storm_from_child(&st, stop, count);
	close(stop[0]);
	close(count[1]);

	/* Reloads, one at a time, each counted, while the storm blows. */
	ctl = rawc_connect(d->ctl);
	rawc_expect(ctl, "HELLO lchat-control/1 ", TC_TIMEOUT);
	for (long k = 1; k <= STORM_RELOADS; k++) {
		int64_t deadline = mono_ms_now() + 10000;

		ck_assert(kill(d->pid, SIGHUP) == 0);
		while (status_value(ctl, "reloads") < k) {
			ck_assert_msg(mono_ms_now() < deadline, "SIGHUP %ld: no reload in 10 s", k);
			sleep_ms(5);
		}
		ck_assert_int_eq(status_value(ctl, "reloads"), k);
	}

	/* Every message, in order, exactly once; only the posters leave.
	 * A stall fails, a slow machine does not: what is bounded is the
	 * longest wait for the next event, not how late events arrive (that
	 * grows with the observer's own backlog of 40,000 lines when the
	 * machine is busy: 13 s beside stress-ng under ASan). */
	int64_t worst = 0, worst_gap = 0, prev = mono_ms_now();
	while (s.next[0] < STORM_FLOOD || s.next[1] < STORM_FLOOD || s.closed < 2) {
		int64_t late = wall_ms() - line_ms(observe(obs, &s, "nobody")), now = mono_ms_now();
		worst = late > worst ? late : worst;
		worst_gap = now - prev > worst_gap ? now - prev : worst_gap;
		prev = now;
	}
	fprintf(stderr, "signal_storm: events at most %" PRId64 " ms late, at most %" PRId64
		" ms between two\n", worst, worst_gap);
	ck_assert_msg(worst_gap < STORM_STALL_MS, "the observer waited %" PRId64 " ms for an "
		      "event during the storm", worst_gap);
	ck_assert_int_eq(s.lost, 0);
	assert_child_exit_0(alice);
	assert_child_exit_0(bob);
	tc_expect_silence(obs);

	close(stop[1]);
	ck_assert(read(count[0], &sent, sizeof(sent)) == (ssize_t)sizeof(sent));
	close(count[0]);
	assert_child_exit_0(storm);
	ck_assert_msg(sent >= 1000, "only %ld signals were sent during the flood", sent);
	ck_assert_msg(sent < STORM_MAX, "the storm ended (%ld signals) before the flood did", sent);

	/* Nobody was restarted or replaced, and the reloads were counted. */
	for (int t = 0; t < 4; t++) {
		struct pstat now;

		ck_assert_msg(pstat_read(st.pid[t], &now) && now.start == before[t].start &&
			      now.state != 'Z', "process %d did not survive the storm",
			      (int)st.pid[t]);
	}
	/* The control connection was opened after the count. */
	ck_assert_int_eq(fd_count(d->pid), fds_before[0]);
	ck_assert_int_eq(fd_count(dmn), fds_before[1] + 1);
	/* The writer held the posters' connections too: it lets them go once
	 * their handlers are reaped. */
	wait_fd_count(st.pid[2], fds_before[2] - 2, TC_TIMEOUT);
	ck_assert_int_eq(find_child_titled(dmn, "lchatd: fanout", 0, NULL, 0), st.pid[2]);
	ck_assert_int_eq(fd_count(st.pid[3]), fds_before[3]);
	ck_assert_int_eq(status_value(ctl, "restarts"), 0);
	ck_assert_int_eq(status_value(ctl, "reloads"), STORM_RELOADS);
	ck_assert_int_eq(log_count(d, "reload \\(on SIGHUP\\)"), STORM_RELOADS);
	ck_assert_msg(!lchatd_log_has(d, "crashed|exited with status|killed by signal", 0),
		      "a process died in the storm");
	tc_send(obs, "WHO");
	tc_expect(obs, "WHO carol ", TC_TIMEOUT);
	tc_expect(obs, "OK WHO 1$", TC_TIMEOUT);
	rawc_close(ctl);
	tc_close(obs);
	lchatd_stop_ok(d);
}
END_TEST

int main(void)
{
	const struct harness_case cases[] = {
		{ "handlers_killed_at_once", test_handlers_killed_at_once, 300 },
		{ "writer_killed_at_scale", test_writer_killed_at_scale, 120 },
		{ "writer_killed_with_laggards", test_writer_killed_with_laggards, 120 },
		{ "signal_storm", test_signal_storm, 300 },
	};

	return harness_run(harness_suite("torture_faults", cases, HARNESS_NCASES(cases)));
}
