/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* torture_soak.c - the soak (issue 6, case 7): 50 clients join, chat and
 * leave in rounds for a bounded time, and afterwards the daemon is back
 * where it started.
 *
 * Each round every member sends a few messages; every member must then
 * see every other member's messages exactly once and in order, and the
 * sequence numbers of everything it receives (events, and the OK SAY of
 * its own messages) must run on without a gap or a repeat. Between rounds
 * a fifth of the members leave (half with QUIT, half by closing) and come
 * back under a new name. Member 0 never leaves: its handler is the
 * long-lived one whose memory is watched.
 *
 * Measured: the daemon's anonymous memory (RssAnon, where a heap leak
 * shows; its RSS and PSS also count the shared room, whose pages the
 * daemon touches as the log turns) after the first round, at half time
 * and at the end, which must stay flat within a generous bound; the same
 * for member 0's handler; the daemon's open descriptors, back to their
 * count before the first client once all have left; no handler left; no
 * zombie in the daemon's tree, and none seen during the soak that is not
 * reaped within seconds. Leaks proper are LeakSanitizer's, in the ASan
 * build that make torture also runs: every process of the tree, handlers
 * included (they leave with exit(), not _exit()), checks for leaks at
 * exit and reports to the daemon's log, which lchatd_stop() scans
 * (docs/hardening.md, "Soak").
 *
 * LCHAT_SOAK_SECONDS (default 60) and LCHAT_SOAK_CLIENTS (default 50)
 * shorten or shrink it; it stops by itself after that many seconds. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "procs.h"

#define MAX_CLIENTS 200
#define MSGS_PER_ROUND 3
#define CHURN_EVERY 5            /* a fifth of the members leave each round */
/* Reading a round's lines may take long in a slow (ASan) build on a busy
 * machine: generous. */
#define ROUND_TIMEOUT 30000

static int env_int(const char *name, int def, int min, int max)
{
	const char *s = getenv(name);
	int v = s && *s ? atoi(s) : def;

	return v < min ? min : v > max ? max : v;
}

struct member {
	struct tclient *tc;
	char name[32];
	int gen;                  /* incarnation: part of the name */
	uint64_t next_seq;        /* the seq the next line must carry */
	int got[MAX_CLIENTS];     /* this round's messages from each sender */
	int acks;                 /* this round's OK SAY */
	long joins, leaves;       /* JOIN and LEAVE events seen */
};

static struct member m[MAX_CLIENTS];
static int nm;

static void join_member(const char *sock, int i)
{
	struct member *x = &m[i];

	x->tc = tc_connect(sock);
	snprintf(x->name, sizeof(x->name), "soak%dg%d", i, x->gen++);
	tc_set_label(x->tc, x->name);
	x->next_seq = tc_join(x->tc, x->name) + 1;
	memset(x->got, 0, sizeof(x->got));
	x->acks = 0;
}

static int member_by_name(const char *name)
{
	for (int i = 0; i < nm; i++)
		if (m[i].tc && strcmp(m[i].name, name) == 0)
			return i;
	return -1;
}

/* Read one line of member i and check its place in the sequence. */
static void take_line(int i, int round)
{
	struct member *x = &m[i];
	const char *line = tc_expect(x->tc, "(EV|OK SAY) ", ROUND_TIMEOUT);
	uint64_t seq = line_seq(line);
	char kind[16], who[64];
	int r, k;

	ck_assert_msg(seq == x->next_seq, "%s: got seq %" PRIu64 ", expected %" PRIu64 ": '%s'",
		      x->name, seq, x->next_seq, line);
	x->next_seq++;
	if (strncmp(line, "OK SAY ", 7) == 0) {
		x->acks++;
		return;
	}
	ck_assert_msg(sscanf(line, "EV %*u %*d %15s %63s", kind, who) == 2, "%s: '%s'",
		      x->name, line);
	if (strcmp(kind, "JOIN") == 0) {
		x->joins++;
	} else if (strcmp(kind, "LEAVE") == 0) {
		x->leaves++;
	} else {
		ck_assert_msg(strcmp(kind, "MSG") == 0, "%s: unexpected '%s'", x->name, line);
		int s = member_by_name(who);
		ck_assert_msg(s >= 0 && s != i, "%s: message from '%s': '%s'", x->name, who, line);
		ck_assert_msg(sscanf(line, "EV %*u %*d MSG %*s r%d k%d", &r, &k) == 2,
			      "%s: '%s'", x->name, line);
		ck_assert_msg(r == round && k == x->got[s], "%s: from %s expected r%d k%d, got '%s'",
			      x->name, who, round, x->got[s], line);
		x->got[s]++;
	}
}

/* One round of talk: everyone sends, then everyone reads until it has
 * every other member's messages and its own acknowledgements. */
static long chat_round(int round)
{
	for (int i = 0; i < nm; i++) {
		memset(m[i].got, 0, sizeof(m[i].got));
		m[i].acks = 0;
	}
	for (int k = 0; k < MSGS_PER_ROUND; k++)
		for (int i = 0; i < nm; i++)
			tc_send(m[i].tc, "SAY r%d k%d from %s", round, k, m[i].name);
	for (int i = 0; i < nm; i++) {
		for (int s = 0; s < nm; s++)
			while (s != i && m[i].got[s] < MSGS_PER_ROUND)
				take_line(i, round);
		while (m[i].acks < MSGS_PER_ROUND)
			take_line(i, round);
		/* More than expected would show as a repeat next round, or
		 * here as a sender over its count. */
		for (int s = 0; s < nm; s++)
			ck_assert_msg(m[i].got[s] == (s == i ? 0 : MSGS_PER_ROUND),
				      "%s: %d messages from %s", m[i].name, m[i].got[s], m[s].name);
	}
	return (long)nm * MSGS_PER_ROUND;
}

static int present(void)
{
	int n = 0;

	for (int i = 0; i < nm; i++)
		n += m[i].tc != NULL;
	return n;
}

/* Member i leaves: with QUIT, or by closing the connection. */
static void leave_member(int i, bool quit)
{
	if (quit) {
		tc_send(m[i].tc, "QUIT soak");
		tc_expect_past_events(m[i].tc, "OK QUIT$", ROUND_TIMEOUT);
		tc_expect_eof(m[i].tc, ROUND_TIMEOUT);
	}
	tc_close(m[i].tc);
	m[i].tc = NULL;
}

/* A place in the room is free again only once the daemon has reaped the
 * old handler: when handlers take long to exit (a sanitizer's leak report
 * being written), wait until `joining` more fit under max_users. */
static void wait_room_for(pid_t daemon, int joining, int max_users)
{
	int64_t deadline = mono_ms_now() + ROUND_TIMEOUT;
	int n;

	while ((n = count_handlers(daemon, 0)) + joining > max_users) {
		ck_assert_msg(ms_left(deadline) > 0, "%d handlers still there after %d ms", n,
			      ROUND_TIMEOUT);
		sleep_ms(20);
	}
}

/* ---- measuring ---------------------------------------------------------- */

/* The daemon's open descriptors; fd_list/fd_target keep the last list. */
#define MAX_FDS 4096
static int fd_list[MAX_FDS];
static char fd_target[MAX_FDS][256];

static int count_fds(pid_t pid)
{
	return proc_fds(pid, fd_list, fd_target, MAX_FDS);
}

/* The last list, as " fd->target" pairs. */
static void fd_list_text(int n, char *buf, size_t len)
{
	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		size_t used = strlen(buf);
		snprintf(buf + used, len - used, " %d->%s", fd_list[i], fd_target[i]);
	}
}

struct sample {
	long anon, rss, pss;       /* kB */
	long h_anon;               /* member 0's handler, kB */
	int fds;
};

static struct sample take_sample(struct lchatd *d, pid_t daemon)
{
	struct sample s;

	s.anon = proc_status_kb(daemon, "RssAnon");
	s.rss = proc_status_kb(daemon, "VmRSS");
	s.pss = proc_rollup_kb(daemon, "Pss");
	s.fds = count_fds(daemon);
	s.h_anon = m[0].tc ? proc_status_kb(lchatd_handler_pid(d, m[0].name), "RssAnon") : -1;
	ck_assert_msg(s.anon >= 0 && s.rss >= 0 && s.fds >= 0, "cannot read the daemon's /proc");
	return s;
}

/* Zombies among the daemon's children now; each must be gone (reaped)
 * within 5 s: a zombie for a moment is a SIGCHLD on its way. */
static int zombies_reaped(pid_t daemon)
{
	pid_t kids[MAX_CLIENTS * 2];
	struct pstat z[MAX_CLIENTS * 2];
	int n = proc_handlers(daemon, kids, MAX_CLIENTS * 2), nz = 0;

	for (int i = 0; i < n; i++)
		if (pstat_read(kids[i], &z[nz]) && z[nz].state == 'Z')
			nz++;
	int64_t deadline = mono_ms_now() + 5000;
	for (int i = 0; i < nz; i++) {
		struct pstat now;
		while (pstat_read(z[i].pid, &now) && now.start == z[i].start && now.state == 'Z') {
			ck_assert_msg(ms_left(deadline) > 0, "handler %d is a zombie for 5 s",
				      (int)z[i].pid);
			sleep_ms(50);
		}
	}
	return nz;
}

/* Bound for "flat": growth of at most 4 MiB or half again, whichever is
 * more. A leak of a few hundred bytes per join goes under it; that is
 * LeakSanitizer's. This catches what stays reachable and grows. */
static bool flat(long before, long after)
{
	long slack = before / 2 > 4096 ? before / 2 : 4096;

	return after <= before + slack;
}

START_TEST(test_soak)
{
	int seconds = env_int("LCHAT_SOAK_SECONDS", 60, 1, 3600);
	char extra[512];

	nm = env_int("LCHAT_SOAK_CLIENTS", 50, 2, MAX_CLIENTS);
	snprintf(extra, sizeof(extra),
		 "max_users = %d\nmax_users_per_uid = %d\nrate_limit = 100000\n"
		 "rate_burst = 100000\nhistory = 20000\nbacklog = 0\nmax_line = 256\n",
		 nm + 16, nm + 16);   /* wait_room_for() below knows nm + 16 */
	struct lchatd *d = lchatd_start(extra);
	pid_t daemon = wait_no_handlers(d);
	int base_fds = count_fds(daemon);
	ck_assert_int_gt(base_fds, 0);
	char base_list[2048];
	fd_list_text(base_fds, base_list, sizeof(base_list));

	for (int i = 0; i < nm; i++)
		join_member(d->sock, i);

	int64_t start = mono_ms_now(), end = start + seconds * 1000LL;
	struct sample warm = { 0 }, mid = { 0 };
	bool have_mid = false;
	long sent = 0, left = 0, zombies = 0;
	int round = 0;
	do {
		sent += chat_round(round);
		if (round == 0)
			warm = take_sample(d, daemon);
		if (!have_mid && mono_ms_now() >= start + seconds * 500LL) {
			mid = take_sample(d, daemon);
			have_mid = true;
		}
		/* Churn: never member 0. */
		for (int i = 1; i < nm; i++)
			if ((i + round) % CHURN_EVERY == 0) {
				leave_member(i, (i / CHURN_EVERY + round) % 2 == 0);
				left++;
			}
		zombies += zombies_reaped(daemon);
		wait_room_for(daemon, nm - present(), nm + 16);
		for (int i = 1; i < nm; i++)
			if (!m[i].tc)
				join_member(d->sock, i);
		round++;
	} while (mono_ms_now() < end);
	/* One last round takes the last churn's events. */
	sent += chat_round(round);
	if (!have_mid)
		mid = warm;
	struct sample last = take_sample(d, daemon);

	/* Member 0 saw every other member come in, and every leave and
	 * every come-back. */
	ck_assert_msg(m[0].leaves == left && m[0].joins == left + nm - 1,
		      "member 0 saw %ld LEAVE and %ld JOIN for %d members and %ld churns",
		      m[0].leaves, m[0].joins, nm, left);

	/* Everyone leaves. */
	for (int i = 0; i < nm; i++)
		leave_member(i, i % 2 == 0);
	wait_no_handlers(d);
	ck_assert_msg(count_handlers(daemon, 'Z') == 0, "a zombie is left");
	ck_assert_msg(count_handlers(d->pid, 'Z') == 0, "the supervisor has a zombie");

	/* The daemon closes a handler's descriptors as it reaps it: poll. */
	int fds = -1;
	for (int64_t deadline = mono_ms_now() + 10000; ms_left(deadline) > 0; sleep_ms(50))
		if ((fds = count_fds(daemon)) == base_fds)
			break;
	if (fds != base_fds) {
		char list[2048];
		fd_list_text(fds, list, sizeof(list));
		ck_abort_msg("daemon has %d descriptors, %d before the soak; now:%s; before:%s",
			     fds, base_fds, list, base_list);
	}
	struct sample after = take_sample(d, daemon);

	fprintf(stderr, "soak: %d clients, %d s, %d rounds, %ld messages sent, %ld churns, "
		"%ld zombies seen (all reaped)\n", nm, seconds, round + 1, sent, left, zombies);
	fprintf(stderr, "soak: daemon RssAnon kB warm %ld mid %ld end %ld all-left %ld; "
		"VmRSS %ld %ld %ld %ld; Pss %ld %ld %ld %ld; fds %d before, %d after\n",
		warm.anon, mid.anon, last.anon, after.anon, warm.rss, mid.rss, last.rss,
		after.rss, warm.pss, mid.pss, last.pss, after.pss, base_fds, fds);
	fprintf(stderr, "soak: member 0's handler RssAnon kB warm %ld mid %ld end %ld\n",
		warm.h_anon, mid.h_anon, last.h_anon);
	ck_assert_msg(flat(warm.anon, mid.anon) && flat(mid.anon, last.anon) &&
		      flat(warm.anon, after.anon),
		      "daemon RssAnon grew: %ld, %ld, %ld, %ld kB", warm.anon, mid.anon,
		      last.anon, after.anon);
	ck_assert_msg(flat(warm.h_anon, mid.h_anon) && flat(mid.h_anon, last.h_anon),
		      "handler RssAnon grew: %ld, %ld, %ld kB", warm.h_anon, mid.h_anon,
		      last.h_anon);
	/* A LeakSanitizer that could not run says so, not "ERROR:"; the
	 * harness's scan would miss it. */
	ck_assert_msg(!lchatd_log_has(d, "LeakSanitizer has encountered a fatal error", 0),
		      "LeakSanitizer could not check a process");
	lchatd_stop_ok(d);
}
END_TEST

int main(void)
{
	/* Check's per-case timeout: the soak's seconds, plus room for the
	 * last round, the leaving and a slow (ASan) build. */
	const struct harness_case cases[] = {
		{ "soak", test_soak, env_int("LCHAT_SOAK_SECONDS", 60, 1, 3600) + 240 },
	};

	return harness_run(harness_suite("soak", cases, HARNESS_NCASES(cases)));
}
