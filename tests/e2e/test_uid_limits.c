/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* test_uid_limits.c - the limits are the user's (uid's), not the
 * connection's: reconnecting resets nothing, two connections of one uid
 * share one rate limit, JOIN, NICK and a QUIT's reason spend from it too,
 * and a mute silences every line the user can put before the others (its
 * QUIT reason, its names), on every connection, new ones included. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define EV "EV [0-9]+ [0-9]+ "

/* One reply line (OK or ERR) on tc, skipping nothing else. */
static const char *reply_line(struct tclient *tc)
{
	return tc_expect(tc, "(OK|ERR) ", TC_TIMEOUT);
}

/* ---- reconnecting every few messages ----------------------------------- */

#define FLOOD_MS 3000
#define FLOOD_SAYS 10

/* A client that reconnects after every FLOOD_SAYS messages (JOIN, the
 * messages and QUIT with a reason in one write) for FLOOD_MS: what it gets
 * into the room is what one uid may, burst + rate * time, as if it had
 * stayed connected. Counted both from its acks and from what a member of
 * the room receives. */
START_TEST(test_reconnect_flood)
{
	/* The connection limits are far above what the loop holds at once:
	 * a closed round's handler counts until it is reaped, which under
	 * ASan (its exit's leak check) can take a few rounds. */
	struct lchatd *d = lchatd_start("rate_limit = 5\nrate_burst = 10\nbacklog = 0\n"
					"max_users_per_uid = 200\nmax_unjoined_per_uid = 200\n"
					"max_unjoined = 200\n");
	int64_t t0 = mono_ms_now(), secs_ms;
	struct tclient *obs = tc_connect(d->sock);
	int joins = 0, says = 0, rounds = 0, refused = 0, seen = 0;
	char batch[1024];
	size_t len = 0;

	tc_join(obs, "pa-ear");
	len += (size_t)snprintf(batch + len, sizeof(batch) - len, "JOIN pa-loop\n");
	for (int i = 0; i < FLOOD_SAYS; i++)
		len += (size_t)snprintf(batch + len, sizeof(batch) - len, "SAY flood %d\n", i);
	len += (size_t)snprintf(batch + len, sizeof(batch) - len, "QUIT see you\n");
	while (mono_ms_now() - t0 < FLOOD_MS) {
		struct tclient *c = tc_connect(d->sock);

		tc_send_raw(c, batch, len);
		const char *l = reply_line(c);
		if (line_matches(l, "OK JOIN "))
			joins++;
		else
			ck_assert_msg(line_matches(l, "ERR rate-limited "), "JOIN: '%s'", l);
		for (int i = 0; i < FLOOD_SAYS; i++) {
			l = reply_line(c);
			if (line_matches(l, "OK SAY "))
				says++;
			else if (line_matches(l, "ERR rate-limited "))
				refused++;
			else
				ck_assert_msg(line_matches(l, "ERR not-joined "), "SAY: '%s'", l);
		}
		tc_expect(c, "OK QUIT$", TC_TIMEOUT);
		tc_expect_eof(c, TC_TIMEOUT);
		tc_close(c);
		rounds++;
	}
	secs_ms = mono_ms_now() - t0;
	/* The member saw each accepted JOIN, message and LEAVE, nothing more. */
	for (int j = 0; j < joins; j++) {
		tc_expect(obs, EV "JOIN pa-loop ", TC_TIMEOUT);
		while (!line_matches(tc_expect(obs, EV "(MSG pa-loop flood [0-9]+|LEAVE pa-loop "
					      "[^ ]+ quit( see you)?)$", TC_TIMEOUT), EV "LEAVE "))
			seen++;
	}
	tc_expect_silence(obs);
	fprintf(stderr, "reconnect_flood: %d rounds in %" PRId64 " ms: %d joins, %d messages "
		"(%.1f messages/s), %d refused\n", rounds, secs_ms, joins, says,
		says * 1000.0 / (double)secs_ms, refused);
	ck_assert_int_eq(seen, says);
	/* One bucket: the observer's JOIN, the loop's JOINs and messages.
	 * (QUIT reasons spend too; they are not counted here.) */
	int allowed = 10 + (int)(5 * secs_ms / 1000) + 1;
	ck_assert_msg(1 + joins + says <= allowed, "%d JOINs and %d messages in %" PRId64
		      " ms by reconnecting (rate_limit 5, rate_burst 10: at most %d)", joins,
		      says, secs_ms, allowed);
	ck_assert_int_gt(says, 0);
	tc_close(obs);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- two connections, one bucket ------------------------------------------ */

START_TEST(test_two_connections_share)
{
	struct lchatd *d = lchatd_start("rate_limit = 1\nrate_burst = 6\nbacklog = 0\n");
	int64_t t0 = mono_ms_now();
	struct tclient *a = tc_connect(d->sock), *b = tc_connect(d->sock);
	int oka = 0, okb = 0, errb = 0;

	tc_join(a, "pa-left");
	tc_join(b, "pa-right");
	tc_expect(a, EV "JOIN pa-right ", TC_TIMEOUT);
	static const char sa[] = "SAY a1\nSAY a2\nSAY a3\nSAY a4\nSAY a5\nSAY a6\n";
	static const char sb[] = "SAY b1\nSAY b2\nSAY b3\n";

	tc_send_raw(a, sa, sizeof(sa) - 1);
	for (int i = 0; i < 6; i++)
		if (line_matches(tc_expect(a, "(OK SAY [0-9]+|ERR rate-limited .*)$", TC_TIMEOUT),
				 "OK "))
			oka++;
	tc_send_raw(b, sb, sizeof(sb) - 1);
	for (int i = 0; i < 3; i++) {
		const char *l = tc_expect_past_events(b, "(OK SAY [0-9]+|ERR rate-limited .*)$",
						      TC_TIMEOUT);
		if (l[0] == 'O')
			okb++;
		else
			errb++;
	}
	int64_t secs_ms = mono_ms_now() - t0;
	int allowed = 6 + (int)(secs_ms / 1000) + 1;
	ck_assert_msg(2 + oka + okb <= allowed, "two connections of one uid: 2 JOINs, %d and %d "
		      "messages in %" PRId64 " ms (rate_limit 1, rate_burst 6: at most %d)",
		      oka, okb, secs_ms, allowed);
	ck_assert_msg(errb > 0, "the second connection had a bucket of its own (%d sent)", okb);
	tc_close(a);
	tc_close(b);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- PART/ENTER and TOPIC loops, two connections --------------------------- */

#define ROOM_LOOPS 10

/* A PROTO 2 connection joined as name, in #lab too. */
static struct tclient *in_lab(struct lchatd *d, const char *name)
{
	struct tclient *tc = tc_connect(d->sock);

	tc_send(tc, "PROTO 2");
	tc_expect(tc, "OK PROTO 2$", TC_TIMEOUT);
	tc_join(tc, name);
	tc_send(tc, "ENTER #lab");
	tc_expect_past_events(tc, "OK ENTER #lab [0-9]+$", TC_TIMEOUT);
	return tc;
}

/* Send the lines of `line` (ROOM_LOOPS times) in one write; count the
 * replies: OKs, ERR rate-limited, and others (the PART of a room the
 * ENTER before was refused, the ENTER of one the PART was refused). */
static void room_loop(struct tclient *tc, const char *lines, int nlines, int *ok, int *limited)
{
	char batch[2048];
	size_t len = 0;

	for (int i = 0; i < ROOM_LOOPS; i++)
		len += (size_t)snprintf(batch + len, sizeof(batch) - len, "%s", lines);
	ck_assert_uint_lt(len, sizeof(batch));
	tc_send_raw(tc, batch, len);
	for (int i = 0; i < ROOM_LOOPS * nlines; i++) {
		const char *l = tc_expect_past_events(tc, "(OK|ERR) ", TC_TIMEOUT);
		if (line_matches(l, "OK (PART|ENTER|TOPIC) #lab"))
			(*ok)++;
		else if (line_matches(l, "ERR rate-limited [a-z]"))
			(*limited)++;
		else
			ck_assert_msg(line_matches(l, "ERR (not-in-room|already-in) "),
				      "%s: '%s'", tc_name(tc), l);
	}
}

/* Two connections of one uid loop PART/ENTER of a room (the second sets
 * its topic too): what gets into the room is what the uid's bucket
 * allows, as for SAY; the rest is refused with ERR rate-limited. Asking
 * for the topic costs nothing. */
START_TEST(test_room_loops_share)
{
	struct lchatd *d = lchatd_start("rate_limit = 1\nrate_burst = 10\nbacklog = 0\n"
					"room \"lab\" {\n}\n");
	int64_t t0 = mono_ms_now();
	struct tclient *a = in_lab(d, "pa-left"), *b = in_lab(d, "pa-right");
	int ok = 0, limited = 0;

	room_loop(a, "PART #lab\nENTER #lab\n", 2, &ok, &limited);
	room_loop(b, "PART #lab\nENTER #lab\nTOPIC #lab loop\n", 3, &ok, &limited);
	int64_t secs_ms = mono_ms_now() - t0;
	/* 2 JOINs and 2 ENTERs first, then the loops' PARTs, ENTERs and
	 * TOPICs: one bucket of 10 that fills at 1 a second. */
	int allowed = 10 + (int)(secs_ms / 1000) + 1;
	fprintf(stderr, "room_loops_share: %d PARTs, ENTERs and TOPICs taken, %d rate-limited, "
		"in %" PRId64 " ms\n", ok, limited, secs_ms);
	ck_assert_msg(4 + ok <= allowed, "two connections of one uid: %d PARTs, ENTERs and TOPICs "
		      "in %" PRId64 " ms (rate_limit 1, rate_burst 10: at most %d)", ok, secs_ms,
		      allowed - 4);
	ck_assert_msg(limited > 0, "nothing of %d was rate-limited", ROOM_LOOPS * 5);
	tc_send(b, "TOPIC #lab");
	tc_expect_past_events(b, "OK TOPIC #lab ", TC_TIMEOUT);
	tc_close(a);
	tc_close(b);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- refused attempts ------------------------------------------------------ */

/* With the bucket empty: a message, a NICK and a JOIN get ERR
 * rate-limited; a QUIT still quits, without its reason. */
START_TEST(test_refused_attempts)
{
	struct lchatd *d = lchatd_start("rate_limit = 1\nrate_burst = 3\nbacklog = 0\n");
	struct tclient *b = tc_connect(d->sock), *a = tc_connect(d->sock), *c = tc_connect(d->sock);
	static const char batch[] = "JOIN pa-one\nSAY x\nSAY y\nNICK pa-two\nQUIT why\n";
	const char *l;

	tc_join(b, "pa-ear");
	int64_t t0 = mono_ms_now();
	tc_send_raw(a, batch, sizeof(batch) - 1);
	tc_expect(a, "OK JOIN pa-one [0-9]+$", TC_TIMEOUT);
	tc_expect(a, "OK SAY [0-9]+$", TC_TIMEOUT);
	tc_expect(a, "ERR rate-limited [a-z]", TC_TIMEOUT);
	tc_expect(a, "ERR rate-limited [a-z]", TC_TIMEOUT);
	tc_expect(a, "OK QUIT$", TC_TIMEOUT);
	tc_expect_eof(a, TC_TIMEOUT);
	tc_send(c, "JOIN pa-three");
	l = tc_expect(c, "(OK JOIN|ERR rate-limited) ", TC_TIMEOUT);
	if (mono_ms_now() - t0 < 900)
		ck_assert_msg(line_matches(l, "ERR rate-limited [a-z]"), "JOIN: '%s'", l);
	else
		fprintf(stderr, "refused_attempts: too slow to check the JOIN (%s)\n", l);

	tc_expect(b, EV "JOIN pa-one ", TC_TIMEOUT);
	tc_expect(b, EV "MSG pa-one x$", TC_TIMEOUT);
	tc_expectf(b, TC_TIMEOUT, EV "LEAVE pa-one %s quit$", re_quote(my_login()));
	if (line_matches(l, "OK "))
		tc_expect(b, EV "JOIN pa-three ", TC_TIMEOUT);
	tc_expect_silence(b);
	tc_close(a);
	tc_close(b);
	tc_close(c);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- a mute silences every line ------------------------------------------- */

START_TEST(test_muted_silent)
{
	struct lchatd *d = lchatd_start("backlog = 0\n");
	struct tclient *a = tc_connect(d->sock), *obs = tc_connect(d->sock), *ctl, *n;
	const char *me = re_quote(my_login());

	tc_join(a, "pa-loud");
	tc_join(obs, "pa-ear");
	tc_expect(a, EV "JOIN pa-ear ", TC_TIMEOUT);
	ctl = ctl_connect(d->ctl);
	tc_send(ctl, "MUTE pa-loud 0");
	tc_expect(ctl, "OK MUTE ", TC_TIMEOUT);
	/* Every session of the uid is told (the observer is the same uid). */
	tc_expect(a, EV "NOTICE you have been muted", TC_TIMEOUT);
	tc_expect(obs, EV "NOTICE you have been muted", TC_TIMEOUT);

	tc_send(a, "NICK pa-buy-now");
	tc_expect(a, "ERR muted [a-z]", TC_TIMEOUT);
	tc_send(a, "QUIT visit my shop");
	tc_expect(a, "OK QUIT$", TC_TIMEOUT);
	tc_expect_eof(a, TC_TIMEOUT);
	tc_expectf(obs, TC_TIMEOUT, EV "LEAVE pa-loud %s quit$", me);

	/* A new connection is muted too: it may join only under its login. */
	n = tc_connect(d->sock);
	tc_send(n, "JOIN pa-buy-now");
	tc_expectf(n, TC_TIMEOUT, "ERR muted .*you may join only as %s$", me);
	tc_send(n, "JOIN");
	tc_expectf(n, TC_TIMEOUT, "OK JOIN %s [0-9]+$", me);
	tc_expectf(obs, TC_TIMEOUT, EV "JOIN %s %s$", me, me);
	tc_send(n, "QUIT still selling");
	tc_expect(n, "OK QUIT$", TC_TIMEOUT);
	tc_expect_eof(n, TC_TIMEOUT);
	tc_expectf(obs, TC_TIMEOUT, EV "LEAVE %s %s quit$", me, me);
	tc_expect_silence(obs);

	/* Unmuted, the same uid names itself and says why it leaves again. */
	tc_send(ctl, "UNMUTE %s", my_login());
	tc_expect(ctl, "OK UNMUTE ", TC_TIMEOUT);
	tc_expect(obs, EV "NOTICE ", TC_TIMEOUT);
	tc_close(n);
	n = tc_connect(d->sock);
	tc_join(n, "pa-back");
	tc_expect(obs, EV "JOIN pa-back ", TC_TIMEOUT);
	tc_send(n, "QUIT bye now");
	tc_expect(n, "OK QUIT$", TC_TIMEOUT);
	tc_expectf(obs, TC_TIMEOUT, EV "LEAVE pa-back %s quit bye now$", me);
	tc_close(n);
	tc_close(a);
	tc_close(ctl);
	tc_close(obs);
	lchatd_stop_ok(d);
}
END_TEST

int main(void)
{
	const struct harness_case cases[] = {
		{ "reconnect_flood", test_reconnect_flood, 60 },
		{ "two_connections_share", test_two_connections_share, 60 },
		{ "room_loops_share", test_room_loops_share, 60 },
		{ "refused_attempts", test_refused_attempts, 60 },
		{ "muted_silent", test_muted_silent, 60 },
	};

	return harness_run(harness_suite("uid_limits", cases, HARNESS_NCASES(cases)));
}
