/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* test_rooms_quiet.c - a member of a quiet room while another room talks
 * through more than `history` events: the fan-out writer passes over the
 * other room's events (daemon/fanout.c, skip_others()) and must move the
 * member's cursor on although it sends the member nothing, or the member
 * is dropped as lagged while it missed nothing, and every pass scans
 * again from where it stood. */
#include <inttypes.h>
#include <stdio.h>

#include "harness.h"

#define HISTORY 64
#define FLOOD (4 * HISTORY)

#define CONF "motd = \"\"\nhistory = 64\nbacklog = 0\n" \
	"rate_limit = 100000\nrate_burst = 100000\n" \
	"room \"cs101\" {\n}\n"


START_TEST(test_quiet_room_member_keeps_up)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *alice = tc_join_proto2(d, 0, "alice"), *bob = tc_join_proto2(d, 0, "bob"), *carol = tc_join_proto2(d, 0, "carol");

	/* alice is in #cs101 only; carol in both; bob in #general only. */
	tc_send(alice, "ENTER #cs101");
	tc_expect_skip(alice, "OK ENTER #cs101 [0-9]+$", TC_TIMEOUT);
	tc_send(alice, "PART #general");
	tc_expect_skip(alice, "OK PART #general [0-9]+$", TC_TIMEOUT);
	tc_send(carol, "ENTER #cs101");
	tc_expect_skip(carol, "OK ENTER #cs101 [0-9]+$", TC_TIMEOUT);
	tc_expect_skip(alice, "EV [0-9]+ [0-9]+ #cs101 JOIN carol ", TC_TIMEOUT);

	/* #general talks through the log four times over, one message at
	 * a time so that bob is never the one who falls behind. */
	uint64_t last = 0;
	for (int i = 0; i < FLOOD; i++) {
		tc_send(bob, "SAY #general noise %d", i);
		last = tc_ack(bob, "SAY");
	}
	char re[128];
	snprintf(re, sizeof(re), "EV %" PRIu64 " [0-9]+ #general MSG bob noise %d$", last, FLOOD - 1);
	tc_expect_skip(carol, re, TC_TIMEOUT);

	/* alice was not dropped, and #cs101's next message reaches her. */
	tc_send(carol, "SAY #cs101 still there?");
	uint64_t s = tc_ack(carol, "SAY");
	tc_expectf(alice, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ #cs101 MSG carol still there\\?$", s);
	tc_send(alice, "SAY #cs101 yes");
	tc_ack(alice, "SAY");
	tc_close(alice);
	tc_close(bob);
	tc_close(carol);
	lchatd_stop(d);
}
END_TEST

int main(void)
{
	const struct harness_case cases[] = {
		{ "quiet_room_member_keeps_up", test_quiet_room_member_keeps_up, 60 },
	};

	return harness_run(harness_suite("rooms_quiet", cases, HARNESS_NCASES(cases)));
}
