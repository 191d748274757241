/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* torture_exhaustion.c - members that never read while the room carries
 * 100k messages (issue 6, case 3, the long part).
 *
 * A sender posts MESSAGES messages (in batches, each stamped with the time
 * it was sent) that two readers receive. First a baseline of MESSAGES / 5
 * with nobody stuck, then MESSAGES with a new member that never reads
 * joining at the start of every fifth. Each stuck member must be dropped
 * with BYE lagged once it falls `history` behind, its socket holding
 * whole lines in order before that; the readers must get every message
 * once and in order, with a delivery latency (p50, p99) like the
 * baseline's; the daemon's and the others' handlers' memory must stay flat
 * (before, middle, after); and at the end no process or descriptor is
 * left over. MESSAGES is 100000 (40000 in a sanitizer build), or
 * LCHAT_TORTURE_MESSAGES. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "exhaust.h"
#include "harness.h"
#include "procs.h"

#if defined(__SANITIZE_ADDRESS__)
#define DEFAULT_MESSAGES 40000
#else
#define DEFAULT_MESSAGES 100000
#endif
#define STUCK 5                  /* stuck members, one per fifth */
#define BATCH 50                 /* messages per write */
#define PAD 64                   /* bytes of padding per message */
#define HISTORY 4096
#define MEM_SLACK_KB 4096        /* growth allowed per process */

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A member the test reads (the sender, the readers). */
struct member {
	struct linesock ls;
	const char *name;
	bool sender;
	long next;               /* reader: the next message number due */
	long acks;               /* sender: acknowledgements */
	uint64_t last_seq;
	int lagged[STUCK];       /* LEAVE ex-stuckK ... lagged seen */
	bool pong;
	int64_t *lat;            /* reader: latencies (us) of this phase */
	size_t nlat;
};

static long messages_total(void)
{
	const char *e = getenv("LCHAT_TORTURE_MESSAGES");
	long n = e ? atol(e) : DEFAULT_MESSAGES;

	return n >= 5 * BATCH ? n - n % (5 * BATCH) : 5 * BATCH;
}

static void member_open(struct member *m, const char *sock, const char *name, bool sender)
{
	size_t len;
	char *line;
	char join[64];

	memset(m, 0, sizeof(*m));
	m->name = name;
	m->sender = sender;
	ck_assert_msg(linesock_open(&m->ls, sock), "%s: connect: %s", name, strerror(errno));
	line = linesock_read(&m->ls, mono_ms_now() + TC_TIMEOUT, &len);
	ck_assert_msg(line && strncmp(line, "HELLO lchat/1 ", 14) == 0, "%s: greeting '%s'",
		      name, line ? line : "(none)");
	free(line);
	int n = snprintf(join, sizeof(join), "JOIN %s\n", name);
	send_all(m->ls.fd, join, (size_t)n, name);
	line = linesock_read(&m->ls, mono_ms_now() + TC_TIMEOUT, &len);
	ck_assert_msg(line && strncmp(line, "OK JOIN ", 8) == 0, "%s: JOIN got '%s'", name,
		      line ? line : "(none)");
	m->last_seq = strtoull(line + 8 + strlen(name) + 1, NULL, 10);
	free(line);
}

/* Account for one line a member received at time `at` (us). */
static void member_line(struct member *m, const char *line, int64_t at)
{
	uint64_t seq;
	long n;
	long long sent;
	int k;
	char who[40];

	if (strncmp(line, "PONG ", 5) == 0) {
		m->pong = true;
		return;
	}
	if (m->sender && sscanf(line, "OK SAY %" SCNu64, &seq) == 1) {
		ck_assert_msg(seq > m->last_seq, "%s: ack seq %" PRIu64 " after %" PRIu64, m->name,
			      seq, m->last_seq);
		m->last_seq = seq;
		m->acks++;
		return;
	}
	ck_assert_msg(sscanf(line, "EV %" SCNu64 " %*d ", &seq) == 1, "%s: '%.100s'", m->name,
		      line);
	ck_assert_msg(seq > m->last_seq, "%s: seq %" PRIu64 " after %" PRIu64 ": '%.100s'",
		      m->name, seq, m->last_seq, line);
	m->last_seq = seq;
	if (!m->sender && sscanf(line, "EV %*u %*d MSG ex-sender %ld %lld ", &n, &sent) == 2) {
		ck_assert_msg(n == m->next, "%s: message %ld where %ld was due", m->name, n,
			      m->next);
		m->next++;
		m->lat[m->nlat++] = at - (int64_t)sent;
		return;
	}
	if (line_matches(line, "EV [0-9]+ [0-9]+ JOIN ex-(stuck[0-9]|reader[12]) "))
		return;
	ck_assert_msg(sscanf(line, "EV %*u %*d LEAVE ex-stuck%d %39s lagged", &k, who) == 2 &&
		      k >= 0 && k < STUCK && strstr(line, " lagged") &&
		      line_matches(line, "EV [0-9]+ [0-9]+ LEAVE ex-stuck[0-9] [^ ]+ lagged$"),
		      "%s: unexpected '%.100s'", m->name, line);
	m->lagged[k]++;
	ck_assert_msg(m->lagged[k] == 1, "%s: ex-stuck%d left twice", m->name, k);
}

/* Read what the members have, for up to wait_ms. */
static void pump(struct member *ms, int n, int wait_ms)
{
	struct pollfd pfd[4];

	for (int i = 0; i < n; i++)
		pfd[i] = (struct pollfd){ .fd = ms[i].ls.fd, .events = POLLIN };
	int r = poll(pfd, (nfds_t)n, wait_ms);
	ck_assert(r >= 0 || errno == EINTR);
	for (int i = 0; i < n && r > 0; i++) {
		char *line;
		size_t len;

		if (!pfd[i].revents)
			continue;
		int64_t at = now_us();
		while ((line = linesock_read(&ms[i].ls, 0, &len)) != NULL) {
			member_line(&ms[i], line, at);
			free(line);
		}
		ck_assert_msg(!ms[i].ls.eof, "%s: the connection closed", ms[i].name);
	}
}

/* Send messages [from, to) in batches; after each, wait until the sender
 * has every acknowledgement and each reader every message. */
static void post(struct member *ms, int n, long from, long to)
{
	static char pad[PAD + 1];
	char buf[BATCH * (PAD + 48)];

	memset(pad, 'p', PAD);
	for (long i = from; i < to; i += BATCH) {
		size_t len = 0;
		long end = i + BATCH < to ? i + BATCH : to;
		int64_t t = now_us(), deadline = mono_ms_now() + 10000;

		for (long k = i; k < end; k++)
			len += (size_t)sprintf(buf + len, "SAY %ld %lld %s\n", k, (long long)t, pad);
		send_all(ms[0].ls.fd, buf, len, "ex-sender");
		for (;;) {
			bool done = ms[0].acks == end;
			for (int r = 1; r < n; r++)
				done = done && ms[r].next == end;
			if (done)
				break;
			ck_assert_msg(mono_ms_now() < deadline, "messages %ld..%ld: after 10 s, "
				      "%ld acks, reader at %ld", i, end - 1, ms[0].acks, ms[1].next);
			pump(ms, n, 100);
		}
	}
}

/* A PING barrier on every member: all events so far are read. */
static void settle(struct member *ms, int n)
{
	int64_t deadline = mono_ms_now() + TC_TIMEOUT;

	for (int i = 0; i < n; i++) {
		ms[i].pong = false;
		send_all(ms[i].ls.fd, "PING settle\n", 12, ms[i].name);
	}
	for (;;) {
		bool all = true;
		for (int i = 0; i < n; i++)
			all = all && ms[i].pong;
		if (all)
			return;
		ck_assert_msg(mono_ms_now() < deadline, "no PONG within %d ms", TC_TIMEOUT);
		pump(ms, n, 100);
	}
}

/* Memory of the daemon and of the handlers of the members we read. */
struct mem {
	long daemon_rss, daemon_pss, handler_pss[3];
};

static void mem_sample(struct mem *m, pid_t dmn, const pid_t *h)
{
	m->daemon_rss = proc_status_kb(dmn, "VmRSS");
	m->daemon_pss = proc_rollup_kb(dmn, "Pss");
	for (int i = 0; i < 3; i++)
		m->handler_pss[i] = proc_rollup_kb(h[i], "Pss");
	ck_assert(m->daemon_rss > 0 && m->daemon_pss > 0);
}

static void mem_flat(const struct mem *a, const struct mem *b, const char *when)
{
	ck_assert_msg(b->daemon_rss - a->daemon_rss <= MEM_SLACK_KB &&
		      b->daemon_pss - a->daemon_pss <= MEM_SLACK_KB,
		      "%s: the daemon grew from RSS %ld / PSS %ld kB to %ld / %ld kB", when,
		      a->daemon_rss, a->daemon_pss, b->daemon_rss, b->daemon_pss);
	for (int i = 0; i < 3; i++)
		ck_assert_msg(b->handler_pss[i] - a->handler_pss[i] <= MEM_SLACK_KB,
			      "%s: handler %d grew from PSS %ld kB to %ld kB", when, i,
			      a->handler_pss[i], b->handler_pss[i]);
}

/* A member that joins and then never reads again. */
static struct rawc *stuck_join(struct member *ms, int n, const char *sock, int k)
{
	struct rawc *c = rawc_connect(sock);
	const char *line;
	char name[32];

	snprintf(name, sizeof(name), "ex-stuck%d", k);
	rawc_expect(c, "HELLO lchat/1 ", TC_TIMEOUT);
	rawc_send(c, "JOIN %s", name);
	rawc_expect(c, "OK JOIN ex-stuck[0-9] [0-9]+$", TC_TIMEOUT);
	rawc_send(c, "PING joined");
	while ((line = rawc_line(c, TC_TIMEOUT)) != NULL && strcmp(line, "PONG joined") != 0)
		;
	ck_assert_msg(line != NULL, "%s got no PONG", name);
	settle(ms, n);
	return c;
}

/* What a stuck member's socket holds: message lines, each whole and next
 * in order, then BYE lagged (required if `bye_due`: a member that reads
 * again within 2 s of being dropped gets it; one that does not has its
 * socket full, and its handler gives up on it), then the end. Returns how
 * many messages. */
static long stuck_check(struct rawc *c, int k, bool bye_due)
{
	const char *line;
	long count = 0, prev = -1, num;
	bool bye = false;

	while ((line = rawc_line(c, 3000)) != NULL) {
		ck_assert_msg(!bye, "ex-stuck%d: '%.80s' after BYE lagged", k, line);
		if (line_matches(line, "BYE lagged [a-z]")) {
			bye = true;
			continue;
		}
		if (line_matches(line, "EV [0-9]+ [0-9]+ (JOIN|LEAVE) ex-stuck"))
			continue;
		ck_assert_msg(sscanf(line, "EV %*u %*d MSG ex-sender %ld ", &num) == 1 &&
			      strlen(line) > PAD && line[strlen(line) - 1] == 'p' &&
			      (prev < 0 || num == prev + 1),
			      "ex-stuck%d: line %ld is '%.100s'", k, count, line);
		prev = num;
		count++;
	}
	ck_assert_msg(bye || !bye_due, "ex-stuck%d: no BYE lagged after %ld messages", k, count);
	ck_assert_msg(rawc_eof(c) && rawc_partial(c) == 0, "ex-stuck%d: not closed, or a "
		      "partial line at the end", k);
	return count;
}

START_TEST(test_stuck_readers)
{
	struct lchatd *d = lchatd_start("history = 4096\nbacklog = 0\nrate_limit = 100000\n"
					"rate_burst = 100000\nmax_users_per_uid = 50\n"
					"max_unjoined_per_uid = 50\n");
	long total = messages_total(), base = total / 5;
	struct member ms[3];
	struct rawc *stuck[STUCK];
	long stuck_got[STUCK] = { 0 };
	struct mem m0, m1, m2;
	pid_t dmn, h[3];
	int fds0, fds1;
	int64_t p50[2], p99[2], t0;

	dmn = wait_no_handlers(d);
	fds0 = proc_nfds(dmn);
	member_open(&ms[0], d->sock, "ex-sender", true);
	member_open(&ms[1], d->sock, "ex-reader1", false);
	member_open(&ms[2], d->sock, "ex-reader2", false);
	settle(ms, 3);
	h[0] = lchatd_handler_pid(d, "ex-sender");
	h[1] = lchatd_handler_pid(d, "ex-reader1");
	h[2] = lchatd_handler_pid(d, "ex-reader2");
	for (int r = 1; r < 3; r++)
		ms[r].lat = xcalloc((size_t)(base + total), sizeof(int64_t));

	/* Baseline: nobody stuck. It also fills the room log once. */
	t0 = wall_ms();
	post(ms, 3, 0, base);
	p50[0] = percentile(ms[1].lat, ms[1].nlat, 50);
	p99[0] = percentile(ms[1].lat, ms[1].nlat, 99);
	fprintf(stderr, "stuck_readers: baseline %ld messages in %" PRId64 " ms, latency "
		"p50 %" PRId64 " us p99 %" PRId64 " us\n", base, wall_ms() - t0, p50[0], p99[0]);
	ms[1].nlat = ms[2].nlat = 0;
	settle(ms, 3);
	mem_sample(&m0, dmn, h);

	/* The run: a stuck member joins at the start of every fifth. */
	t0 = wall_ms();
	for (int k = 0; k < STUCK; k++) {
		long from = base + k * (total / STUCK), to = from + total / STUCK;

		stuck[k] = stuck_join(ms, 3, d->sock, k);
		char name[32];
		snprintf(name, sizeof(name), "ex-stuck%d", k);
		pid_t hs = lchatd_handler_pid(d, name);
		/* Ours and this one's: the last one's is gone. */
		ck_assert_int_eq(count_handlers(dmn, 0), 4);
		if (k == STUCK - 1) {
			/* The last one reads again once it has been dropped:
			 * it gets the reason. */
			long split = from + 2 * HISTORY < to ? from + 2 * HISTORY : to;
			post(ms, 3, from, split);
			ck_assert_msg(ms[1].lagged[k] == 1, "ex-stuck%d was not dropped in %ld "
				      "messages", k, split - from);
			stuck_got[k] = stuck_check(stuck[k], k, true);
			post(ms, 3, split, to);
		} else {
			post(ms, 3, from, to);
		}
		if (k == STUCK / 2)
			mem_sample(&m1, dmn, h);
		/* Dropped within its fifth: 4096 behind is far less. */
		settle(ms, 3);
		for (int i = 0; i < 3; i++)
			ck_assert_msg(ms[i].lagged[k] == 1, "%s: ex-stuck%d was not dropped as lagged "
				      "in %ld messages (history %d)", ms[i].name, k, to - from, HISTORY);
		/* Its handler gives the BYE 2 s to go out (the member does
		 * not read), then ends. */
		int64_t gone_by = mono_ms_now() + 2000 + TC_TIMEOUT;
		while (proc_alive(hs) && mono_ms_now() < gone_by)
			sleep_ms(20);
		ck_assert_msg(!proc_alive(hs), "ex-stuck%d's handler %d still runs %d ms after it "
			      "lagged", k, (int)hs, 2000 + TC_TIMEOUT);
	}
	int64_t run_ms = wall_ms() - t0;
	mem_sample(&m2, dmn, h);
	p50[1] = percentile(ms[1].lat, ms[1].nlat, 50);
	p99[1] = percentile(ms[1].lat, ms[1].nlat, 99);
	fprintf(stderr, "stuck_readers: %ld messages with %d stuck members in %" PRId64 " ms, "
		"latency p50 %" PRId64 " us p99 %" PRId64 " us\n", total, STUCK, run_ms, p50[1],
		p99[1]);
	fprintf(stderr, "stuck_readers: daemon RSS/PSS kB before %ld/%ld middle %ld/%ld after "
		"%ld/%ld; handlers' PSS kB before %ld %ld %ld after %ld %ld %ld\n",
		m0.daemon_rss, m0.daemon_pss, m1.daemon_rss, m1.daemon_pss, m2.daemon_rss,
		m2.daemon_pss, m0.handler_pss[0], m0.handler_pss[1], m0.handler_pss[2],
		m2.handler_pss[0], m2.handler_pss[1], m2.handler_pss[2]);

	/* Everyone else: every message once, in order (checked per line),
	 * at the latency of the baseline. Bounds are generous: the machine
	 * is shared. */
	ck_assert_int_eq(ms[0].acks, base + total);
	ck_assert_int_eq(ms[1].next, base + total);
	ck_assert_int_eq(ms[2].next, base + total);
	ck_assert_msg(p50[1] <= 4 * p50[0] + 10000 && p99[1] <= 4 * p99[0] + 50000,
		      "with stuck members the latency went from p50 %" PRId64 " / p99 %" PRId64
		      " us to %" PRId64 " / %" PRId64 " us", p50[0], p99[0], p50[1], p99[1]);
	mem_flat(&m0, &m1, "middle");
	mem_flat(&m0, &m2, "after");

	/* The stuck ones: whole lines in order, BYE lagged, the end. */
	for (int k = 0; k < STUCK; k++) {
		long got = k == STUCK - 1 ? stuck_got[k] : stuck_check(stuck[k], k, false);
		ck_assert_msg(got < total / STUCK, "ex-stuck%d received all %ld messages", k, got);
		rawc_close(stuck[k]);
	}
	/* Nothing left over: three handlers, the descriptors of before. */
	int64_t deadline = mono_ms_now() + TC_TIMEOUT;
	int children;
	while ((children = count_handlers(dmn, 0)) != 3 && mono_ms_now() < deadline)
		sleep_ms(20);
	ck_assert_msg(children == 3, "the daemon has %d children, not 3", children);
	fds1 = proc_nfds(dmn);
	ck_assert_msg(fds1 == fds0, "the daemon has %d descriptors, %d before", fds1, fds0);
	for (int i = 0; i < 3; i++)
		linesock_close(&ms[i].ls);
	free(ms[1].lat);
	free(ms[2].lat);
	lchatd_stop_ok(d);
}
END_TEST

int main(void)
{
	const struct harness_case cases[] = {
		{ "stuck_readers", test_stuck_readers, 300 },
	};

	return harness_run(harness_suite("exhaustion", cases, HARNESS_NCASES(cases)));
}
