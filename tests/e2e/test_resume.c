/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* test_resume.c - end-to-end tests of resuming a session (JOIN NAME
 * LAST-SEQ) against a real lchatd: a resume replays exactly what was
 * addressed to the member, private messages included (they outlive the
 * connection they were sent to), and LAST-SEQ is range-checked.
 *
 * Every client here runs as the same uid: the name is what keeps carol
 * from reading alice's private messages (docs/protocol.md). */
#include <inttypes.h>
#include <stdio.h>

#include "harness.h"

#define CONF "motd = \"\"\nbacklog = 50\n"
#define LOGIN re_quote(my_login())

static uint64_t say(struct tclient *tc, const char *text)
{
	tc_send(tc, "SAY %s", text);
	return tc_ack(tc, "SAY");
}

/* alice's own LEAVE of the broken connection may come in her replay (an
 * event about her earlier session), in its place. */
static void skip_own_leave(struct tclient *tc, uint64_t leave)
{
	if (leave)
		tc_expectf(tc, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ LEAVE alice %s closed$",
			   leave, LOGIN);
}

/* alice receives a PRIV, and her connection dies before she reads it: on
 * resume she gets it once, in order with the public events around it;
 * carol (another name) gets it neither live nor on her own resume nor in
 * a newcomer's backlog. */
START_TEST(test_private_replayed_on_resume)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a = tc_connect(d->sock), *b = tc_connect(d->sock);
	struct tclient *c = tc_connect(d->sock);
	uint64_t ja, jb, jc, s1, p, s2, leave, ja2, jc2;

	ja = tc_join(a, "alice");
	jb = tc_join(b, "bob");
	jc = tc_join(c, "carol");
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN bob ", jb);
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN carol ", jc);
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN carol ", jc);
	ck_assert_uint_gt(jc, ja);

	tc_send(b, "SAY public one");
	s1 = tc_ack(b, "SAY");
	tc_send(b, "PRIV alice the secret");
	p = tc_ack(b, "PRIV");
	tc_expectf(c, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ MSG bob public one$", s1);
	s2 = say(c, "public two");
	ck_assert_uint_eq(p, s1 + 1);
	ck_assert_uint_eq(s2, p + 1);

	/* alice's connection dies with all three unread. */
	tc_close(a);
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ MSG carol public two$", s2);
	leave = line_seq(tc_expectf(b, TC_TIMEOUT, "EV [0-9]+ [0-9]+ LEAVE alice %s closed$", LOGIN));
	ck_assert_uint_eq(leave, s2 + 1);

	/* She resumes from the last event she read. */
	a = tc_connect(d->sock);
	tc_send(a, "JOIN alice %" PRIu64, jc);
	ja2 = line_seq(tc_expect(a, "OK JOIN alice [0-9]+$", TC_TIMEOUT));
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ MSG bob public one$", s1);
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ PRIV bob the secret$", p);
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ MSG carol public two$", s2);
	skip_own_leave(a, leave);
	tc_expect_silence(a);
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN alice ", ja2);

	/* carol: not live, not on her resume. */
	tc_expectf(c, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ LEAVE alice ", leave);
	tc_expectf(c, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN alice ", ja2);
	tc_expect_silence(c);
	tc_close(c);
	tc_expectf(a, TC_TIMEOUT, "EV [0-9]+ [0-9]+ LEAVE carol %s closed$", LOGIN);
	c = tc_connect(d->sock);
	tc_send(c, "JOIN carol %" PRIu64, jc);
	jc2 = line_seq(tc_expect(c, "OK JOIN carol [0-9]+$", TC_TIMEOUT));
	tc_expectf(c, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ MSG bob public one$", s1);
	/* carol's own message of that session is skipped (an event about
	 * her: tolerated as a MSG in its place, never as the PRIV). */
	const char *line = tc_expectf(c, TC_TIMEOUT, "EV (%" PRIu64 " [0-9]+ MSG carol public two|"
				      "%" PRIu64 " [0-9]+ LEAVE alice [^ ]+ closed)$", s2, leave);
	if (line_seq(line) == s2)
		tc_expectf(c, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ LEAVE alice ", leave);
	tc_expectf(c, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN alice ", ja2);
	tc_expectf(c, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ LEAVE carol %s closed$", jc2 - 1, LOGIN);
	tc_expect_silence(c);

	/* A newcomer's backlog has the public events only. */
	struct tclient *n = tc_connect(d->sock);
	tc_send(n, "JOIN dave");
	tc_expect(n, "OK JOIN dave [0-9]+$", TC_TIMEOUT);
	tc_send(n, "PING backlog-end");
	int seen = 0;
	for (;;) {
		line = tc_expect(n, ".", TC_TIMEOUT);
		if (line_matches(line, "^PONG backlog-end$"))
			break;
		ck_assert_msg(!re_contains(line, " PRIV "), "dave got %s", line);
		seen += re_contains(line, " MSG (bob public one|carol public two)$");
	}
	ck_assert_int_eq(seen, 2);
	(void)jc2;
	lchatd_stop_ok(d);
}
END_TEST

/* alice's own PRIV in the replayed range is not sent back to her: not as
 * an acknowledgement (she has no command waiting for one) and not as a
 * private message from herself. */
START_TEST(test_own_private_not_replayed)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a = tc_connect(d->sock), *b = tc_connect(d->sock);
	uint64_t jb, p, s, leave;

	tc_join(a, "alice");
	jb = tc_join(b, "bob");
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN bob ", jb);
	tc_send(a, "PRIV bob mine");
	p = tc_ack(a, "PRIV");
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ PRIV alice mine$", p);
	s = say(b, "after");
	ck_assert_uint_eq(s, p + 1);
	tc_close(a);
	leave = line_seq(tc_expectf(b, TC_TIMEOUT, "EV [0-9]+ [0-9]+ LEAVE alice %s closed$", LOGIN));

	a = tc_connect(d->sock);
	tc_send(a, "JOIN alice %" PRIu64, jb);
	tc_expect(a, "OK JOIN alice [0-9]+$", TC_TIMEOUT);
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ MSG bob after$", s);
	skip_own_leave(a, leave);
	tc_expect_silence(a);
	lchatd_stop_ok(d);
}
END_TEST

/* A LAST-SEQ that is no event of the room, or no number, gets a clear ERR
 * and joins nobody: no replay of the whole history (UINT64_MAX + 1 used
 * to wrap to 0). */
START_TEST(test_last_seq_range_checked)
{
	static const char *const bad[] = {
		"18446744073709551615", "99999999999999999999999", "-1", "1e3",
		"18446744073709551614", "+5", " 5", "0x10",
	};
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *b = tc_connect(d->sock), *x = tc_connect(d->sock);
	uint64_t jb, s;

	jb = tc_join(b, "bob");
	s = say(b, "history that must not be replayed");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tc_send(x, "JOIN x %s", bad[i]);
		tc_expect(x, "ERR bad-argument .+$", TC_TIMEOUT);
		tc_expect_silence(x);
	}
	/* The head is the last valid LAST-SEQ; one past it is refused. */
	tc_send(x, "JOIN x %" PRIu64, s + 1);
	tc_expectf(x, TC_TIMEOUT, "ERR bad-argument LAST-SEQ %" PRIu64 " is past the room's "
		   "last event \\(%" PRIu64 "\\)$", s + 1, s);
	tc_expect_silence(x);
	tc_send(x, "JOIN x %" PRIu64, s);
	tc_expect(x, "OK JOIN x [0-9]+$", TC_TIMEOUT);
	tc_expect_silence(x);
	(void)jb;
	lchatd_stop_ok(d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("resume");
	TCase *tc = tcase_create("resume");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_private_replayed_on_resume);
	tcase_add_test(tc, test_own_private_not_replayed);
	tcase_add_test(tc, test_last_seq_range_checked);
	suite_add_tcase(s, tc);
	return harness_run(s);
}
