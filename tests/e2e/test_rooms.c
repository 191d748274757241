/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* test_rooms.c - end-to-end tests of rooms (issue 17; docs/protocol.md,
 * "Rooms (PROTO 2)") through the real daemon with raw clients: ENTER,
 * PART and messages in several rooms reach the members of their room
 * only, a room's group, reloads that change a group or remove a room,
 * user rooms that vanish, TOPIC, ROOMS, resume per room, the limits, an
 * lchat/1 client unchanged in the default room beside them, and a busy
 * pass of the writer that visits the members room by room.
 *
 * The test runs as root (in group root); uid 65534 (nobody) is the user
 * outside it. */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "runcmd.h"

#define LOGIN re_quote(my_login())

#define CONF "motd = \"\"\n" \
	"room \"cs101\" {\n topic = \"CS 101, autumn\"\n}\n" \
	"room \"ops\" {\n}\n"


/* alice and bob (PROTO 2) in the default room; alice saw bob's JOIN. */
static void alice_and_bob(struct lchatd *d, struct tclient **a, struct tclient **b)
{
	*a = tc_join_proto2(d, 0, "alice");
	*b = tc_join_proto2(d, 0, "bob");
	tc_expect(*a, "EV [0-9]+ [0-9]+ #general JOIN bob ", TC_TIMEOUT);
}

/* ENTER #room, its backlog skipped; returns the seq of its JOIN there. */
static uint64_t enter(struct tclient *tc, const char *room)
{
	tc_send(tc, "ENTER #%s", room);
	uint64_t seq = line_seq(tc_expectf(tc, TC_TIMEOUT, "OK ENTER #%s [0-9]+$", room));
	tc_send(tc, "PING entered");
	tc_expect_skip(tc, "PONG entered$", TC_TIMEOUT);
	return seq;
}

/* alice and bob (alice_and_bob()), both in #room too, where alice saw
 * bob's JOIN. */
static void both_in(struct lchatd *d, struct tclient **a, struct tclient **b, const char *room)
{
	alice_and_bob(d, a, b);
	enter(*a, room);
	uint64_t jb = enter(*b, room);
	tc_expectf(*a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ #%s JOIN bob %s$", jb, room, LOGIN);
}

/* Reload with another configuration (CONF's first line and `extra`). */
static void reload(struct lchatd *d, const char *extra)
{
	write_config_file(d->conf, "rewritten by test_rooms", d->sock, d->ctl, d->state, extra);
	struct tclient *ctl = ctl_connect(d->ctl);
	tc_send(ctl, "RELOAD");
	tc_expect(ctl, "OK RELOAD", TC_TIMEOUT);
	tc_close(ctl);
}

START_TEST(test_events_only_to_members)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a = tc_join_proto2(d, 0, "alice"), *b = tc_join_proto2(d, 0, "bob");
	struct tclient *c = tc_connect(d->sock);   /* lchat/1 */
	tc_join(c, "carol");
	tc_expect(a, "EV [0-9]+ [0-9]+ #general JOIN bob ", TC_TIMEOUT);
	tc_expect(a, "EV [0-9]+ [0-9]+ #general JOIN carol ", TC_TIMEOUT);
	tc_expect(b, "EV [0-9]+ [0-9]+ #general JOIN carol ", TC_TIMEOUT);

	uint64_t ja = enter(a, "cs101");
	tc_expect_silence(b);
	tc_expect_silence(c);
	uint64_t jb = enter(b, "cs101");
	ck_assert_uint_gt(jb, ja);
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ #cs101 JOIN bob %s$", jb, LOGIN);

	/* A message in #cs101 reaches bob, not carol. */
	tc_send(a, "SAY #cs101 hello class");
	uint64_t s = tc_ack(a, "SAY");
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ #cs101 MSG alice hello class$", s);
	tc_expect_silence(c);
	/* One in #general reaches carol as lchat/1 sees it, bob tagged. */
	tc_send(a, "SAY #general hi all");
	s = tc_ack(a, "SAY");
	tc_expectf(c, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ MSG alice hi all$", s);
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ #general MSG alice hi all$", s);
	/* carol's (lchat/1) SAY is in #general. */
	tc_send(c, "SAY from one");
	s = tc_ack(c, "SAY");
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ #general MSG carol from one$", s);
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ #general MSG carol from one$", s);
	/* An lchat/1 connection has no room verbs. */
	tc_send(c, "ENTER #cs101");
	tc_expect(c, "ERR bad-command send PROTO 2 first$", TC_TIMEOUT);

	/* PART: bob sees it; alice may no longer speak there. */
	tc_send(a, "PART #cs101 bye");
	uint64_t p = line_seq(tc_expect(a, "OK PART #cs101 [0-9]+$", TC_TIMEOUT));
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ #cs101 LEAVE alice %s part bye$", p, LOGIN);
	tc_send(a, "SAY #cs101 still here?");
	tc_expect(a, "ERR not-in-room ", TC_TIMEOUT);
	tc_send(b, "SAY #cs101 alone");
	tc_ack(b, "SAY");
	tc_expect_silence(a);
	tc_expect_silence(c);
	/* Under PROTO 2 the room word is required. */
	tc_send(a, "SAY no room");
	tc_expect(a, "ERR bad-argument ", TC_TIMEOUT);
	tc_send(a, "ENTER #nosuch");
	tc_expect(a, "ERR no-such-room ", TC_TIMEOUT);
	tc_send(b, "ENTER #cs101");
	tc_expect(b, "ERR already-in ", TC_TIMEOUT);

	/* A disconnect: one LEAVE per room it was in. */
	tc_close(b);
	tc_expect(a, "EV [0-9]+ [0-9]+ #general LEAVE bob ", TC_TIMEOUT);
	tc_expect(c, "EV [0-9]+ [0-9]+ LEAVE bob ", TC_TIMEOUT);
	tc_expect_silence(a);
	tc_close(a);
	tc_close(c);
	lchatd_stop_ok(d);
}
END_TEST

#define STAFF(group) CONF "room \"staff\" {\n group = \"" group "\"\n}\n"

START_TEST(test_group_and_reload)
{
	struct lchatd *d = lchatd_start(STAFF("root"));
	struct tclient *a = tc_join_proto2(d, 0, "alice"), *b = tc_join_proto2(d, NOBODY, "bob");
	tc_expect(a, "EV [0-9]+ [0-9]+ #general JOIN bob nobody$", TC_TIMEOUT);

	enter(a, "staff");
	tc_send(b, "ENTER #staff");
	tc_expect(b, "ERR not-allowed ", TC_TIMEOUT);
	/* ROOMS says who may. */
	tc_send(b, "ROOMS");
	tc_expect_skip(b, "ROOM #staff 1 n n config $", TC_TIMEOUT);
	tc_expect(b, "OK ROOMS 4$", TC_TIMEOUT);

	/* The group opens: bob enters; it closes again: bob is parted. */
	reload(d, STAFF(""));
	enter(b, "staff");
	tc_expect(a, "EV [0-9]+ [0-9]+ #staff JOIN bob nobody$", TC_TIMEOUT);
	reload(d, STAFF("root"));
	tc_expect(a, "EV [0-9]+ [0-9]+ #staff LEAVE bob nobody part no longer allowed$", TC_TIMEOUT);
	tc_expect(b, "EV [0-9]+ [0-9]+ #staff LEAVE bob nobody part no longer allowed$", TC_TIMEOUT);
	tc_send(b, "SAY #staff hello?");
	tc_expect(b, "ERR not-in-room ", TC_TIMEOUT);

	/* The room is removed: a notice, then its members are parted. */
	reload(d, CONF);
	tc_expect(a, "EV [0-9]+ [0-9]+ #staff NOTICE this room is closed$", TC_TIMEOUT);
	tc_expectf(a, TC_TIMEOUT, "EV [0-9]+ [0-9]+ #staff LEAVE alice %s part$", LOGIN);
	tc_send(a, "ENTER #staff");
	tc_expect(a, "ERR no-such-room ", TC_TIMEOUT);
	tc_expect_silence(b);
	tc_close(a);
	tc_close(b);
	lchatd_stop_ok(d);
}
END_TEST

START_TEST(test_user_rooms)
{
	struct lchatd *d = lchatd_start(CONF "user_rooms = true\nmax_created_rooms = 1\n");
	struct tclient *a = tc_join_proto2(d, 0, "alice"), *b = tc_join_proto2(d, NOBODY, "bob");
	tc_expect(a, "EV [0-9]+ [0-9]+ #general JOIN bob ", TC_TIMEOUT);

	tc_send(a, "ENTER #tmp");
	tc_expect(a, "OK ENTER #tmp [0-9]+ created$", TC_TIMEOUT);
	tc_send(a, "ENTER #tmp2");
	tc_expect(a, "ERR too-many-rooms ", TC_TIMEOUT);
	tc_send(a, "SAY #tmp old history");
	tc_ack(a, "SAY");
	/* Its creator sets the topic; another user may not. */
	enter(b, "tmp");
	tc_expect(a, "EV [0-9]+ [0-9]+ #tmp JOIN bob ", TC_TIMEOUT);
	tc_send(b, "TOPIC #tmp mine");
	tc_expect(b, "ERR not-operator ", TC_TIMEOUT);
	tc_send(a, "TOPIC #tmp scratch space");
	tc_expect(a, "OK TOPIC #tmp$", TC_TIMEOUT);
	tc_expect(b, "EV [0-9]+ [0-9]+ #tmp TOPIC alice [^ ]+ scratch space$", TC_TIMEOUT);
	tc_send(b, "TOPIC #tmp");
	tc_expect(b, "OK TOPIC #tmp alice [0-9]+ scratch space$", TC_TIMEOUT);

	/* Empty, it vanishes; a new room of the name replays nothing. */
	tc_send(a, "PART #tmp");
	tc_expect(a, "OK PART #tmp ", TC_TIMEOUT);
	tc_send(b, "PART #tmp");
	tc_expect_past_events(b, "OK PART #tmp ", TC_TIMEOUT);
	tc_send(a, "ROOMS");
	tc_expect(a, "ROOM #general ", TC_TIMEOUT);
	tc_expect(a, "ROOM #cs101 ", TC_TIMEOUT);
	tc_expect(a, "ROOM #ops ", TC_TIMEOUT);
	tc_expect(a, "OK ROOMS 3$", TC_TIMEOUT);
	tc_send(b, "ENTER #tmp");
	tc_expect(b, "OK ENTER #tmp [0-9]+ created$", TC_TIMEOUT);
	tc_expect_silence(b);
	tc_close(a);
	tc_close(b);
	lchatd_stop_ok(d);
}
END_TEST

START_TEST(test_topic_and_rooms)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a = tc_join_proto2(d, 0, "alice"), *b = tc_join_proto2(d, NOBODY, "bob");
	tc_expect(a, "EV [0-9]+ [0-9]+ #general JOIN bob ", TC_TIMEOUT);

	tc_send(b, "ROOMS");
	tc_expect(b, "ROOM #general 2 y y config $", TC_TIMEOUT);
	tc_expect(b, "ROOM #cs101 0 n y config CS 101, autumn$", TC_TIMEOUT);
	tc_expect(b, "ROOM #ops 0 n y config $", TC_TIMEOUT);
	tc_expect(b, "OK ROOMS 3$", TC_TIMEOUT);
	tc_send(b, "TOPIC #cs101");
	tc_expect(b, "OK TOPIC #cs101 - 0 CS 101, autumn$", TC_TIMEOUT);

	enter(a, "cs101");
	enter(b, "cs101");
	tc_expect(a, "EV [0-9]+ [0-9]+ #cs101 JOIN bob ", TC_TIMEOUT);
	/* root is an operator; nobody is not. */
	tc_send(b, "TOPIC #cs101 free beer");
	tc_expect(b, "ERR not-operator ", TC_TIMEOUT);
	tc_send(a, "TOPIC #cs101 exam on Friday");
	tc_expect(a, "OK TOPIC #cs101$", TC_TIMEOUT);
	tc_expectf(b, TC_TIMEOUT, "EV [0-9]+ [0-9]+ #cs101 TOPIC alice %s exam on Friday$", LOGIN);
	tc_send(b, "TOPIC #cs101");
	tc_expect(b, "OK TOPIC #cs101 alice [0-9]+ exam on Friday$", TC_TIMEOUT);
	/* WHO #room lists that room's members. */
	tc_send(a, "PART #general");
	tc_expect(a, "OK PART #general ", TC_TIMEOUT);
	tc_send(b, "WHO #general");
	tc_expect_past_events(b, "WHO bob ", TC_TIMEOUT);
	tc_expect(b, "OK WHO 1$", TC_TIMEOUT);
	tc_send(b, "WHO #cs101");
	tc_expect(b, "WHO alice ", TC_TIMEOUT);
	tc_expect(b, "WHO bob ", TC_TIMEOUT);
	tc_expect(b, "OK WHO 2$", TC_TIMEOUT);
	tc_close(a);
	tc_close(b);
	lchatd_stop_ok(d);
}
END_TEST

START_TEST(test_resume_per_room)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a, *b;
	both_in(d, &a, &b, "cs101");
	tc_send(b, "SAY #cs101 one");
	uint64_t s1 = tc_ack(b, "SAY");
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ #cs101 MSG bob one$", s1);
	tc_close(a);
	tc_expect(b, "EV [0-9]+ [0-9]+ #general LEAVE alice ", TC_TIMEOUT);
	tc_expect(b, "EV [0-9]+ [0-9]+ #cs101 LEAVE alice ", TC_TIMEOUT);
	tc_send(b, "SAY #cs101 two");
	uint64_t s2 = tc_ack(b, "SAY");
	tc_send(b, "SAY #general elsewhere");
	tc_ack(b, "SAY");
	tc_send(b, "SAY #cs101 three");
	uint64_t s3 = tc_ack(b, "SAY");

	/* alice comes back: #cs101 from s1 on, only that room's, once. */
	/* (tc_join would hide events older than the JOIN: by hand.) */
	a = tc_connect(d->sock);
	tc_send(a, "PROTO 2");
	tc_expect(a, "OK PROTO 2$", TC_TIMEOUT);
	tc_send(a, "JOIN alice");
	tc_expect(a, "OK JOIN alice ", TC_TIMEOUT);
	tc_send(a, "PING joined");
	tc_expect_skip(a, "PONG joined$", TC_TIMEOUT);
	tc_send(a, "ENTER #cs101 %" PRIu64, s1);
	tc_expect(a, "OK ENTER #cs101 [0-9]+$", TC_TIMEOUT);
	tc_expect(a, "EV [0-9]+ [0-9]+ #cs101 LEAVE alice ", TC_TIMEOUT);
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ #cs101 MSG bob two$", s2);
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ #cs101 MSG bob three$", s3);
	tc_expect_silence(a);
	tc_send(b, "SAY #cs101 four");
	uint64_t s4 = tc_ack(b, "SAY");
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ #cs101 MSG bob four$", s4);
	tc_expect_silence(a);
	tc_close(a);
	tc_close(b);
	lchatd_stop_ok(d);
}
END_TEST

/* ENTER replays the room's last `backlog` events of that room only. */
START_TEST(test_room_backlog)
{
	struct lchatd *d = lchatd_start(CONF "room \"small\" {\n backlog = 2\n}\n");
	struct tclient *a, *b;
	alice_and_bob(d, &a, &b);
	enter(a, "small");
	uint64_t s[4];
	for (int i = 0; i < 4; i++) {
		tc_send(a, "SAY #small line %d", i);
		s[i] = tc_ack(a, "SAY");
		tc_send(a, "SAY #general between %d", i);
		tc_ack(a, "SAY");
		tc_expect(b, "EV [0-9]+ [0-9]+ #general MSG alice between ", TC_TIMEOUT);
	}
	tc_send(b, "ENTER #small");
	tc_expect(b, "OK ENTER #small [0-9]+$", TC_TIMEOUT);
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ #small MSG alice line 2$", s[2]);
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ #small MSG alice line 3$", s[3]);
	tc_expect_silence(b);
	tc_close(a);
	tc_close(b);
	lchatd_stop_ok(d);
}
END_TEST

START_TEST(test_too_many_rooms)
{
	struct lchatd *d = lchatd_start(CONF "max_rooms_per_user = 2\n");
	struct tclient *a = tc_join_proto2(d, 0, "alice");
	enter(a, "cs101");
	tc_send(a, "ENTER #ops");
	tc_expect(a, "ERR too-many-rooms ", TC_TIMEOUT);
	tc_send(a, "PART #cs101");
	tc_expect(a, "OK PART #cs101 ", TC_TIMEOUT);
	enter(a, "ops");

	/* In no room at all, a NICK is acknowledged and seen by nobody. */
	struct tclient *c = tc_connect(d->sock);
	tc_join(c, "carol");
	tc_expect(a, "EV [0-9]+ [0-9]+ #general JOIN carol ", TC_TIMEOUT);
	tc_send(a, "PART #ops");
	tc_expect(a, "OK PART #ops ", TC_TIMEOUT);
	tc_send(a, "PART #general");
	tc_expect(a, "OK PART #general ", TC_TIMEOUT);
	tc_expect(c, "EV [0-9]+ [0-9]+ LEAVE alice [^ ]+ part$", TC_TIMEOUT);
	tc_send(a, "NICK alicia");
	tc_expect(a, "OK NICK alicia [0-9]+$", TC_TIMEOUT);
	tc_expect_silence(c);
	tc_close(a);
	tc_expect_silence(c);
	tc_close(c);
	lchatd_stop_ok(d);
}
END_TEST

/* lchat-admin -s CONTROL-SOCKET WORDS...; returns its exit code, the
 * output in r. */
static int admin(struct cmd_result *r, struct lchatd *d, char *const words[])
{
	char *argv[16];
	int n = 0;

	argv[n++] = (char *)lchat_admin_exe();
	argv[n++] = "-s";
	argv[n++] = d->ctl;
	for (int i = 0; words[i] && n < 15; i++)
		argv[n++] = words[i];
	argv[n] = NULL;
	struct cmd_opts o = { 0 };
	run_cmd(r, &o, argv);
	return r->code;
}

START_TEST(test_admin_rooms)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a = tc_join_proto2(d, 0, "alice"), *c = tc_connect(d->sock);
	tc_join(c, "carol");
	tc_expect(a, "EV [0-9]+ [0-9]+ #general JOIN carol ", TC_TIMEOUT);
	enter(a, "cs101");
	struct cmd_result r;

	ck_assert_int_eq(admin(&r, d, (char *[]){ "rooms", "--json", NULL }), 0);
	ck_assert_msg(strstr(r.out, "{\"room\": \"#cs101\", \"members\": 1, \"kind\": \"config\", "
				    "\"group\": null, \"topic\": \"CS 101, autumn\"}") &&
		      strstr(r.out, "{\"room\": \"#general\", \"members\": 2, "), "rooms --json: %s", r.out);
	cmd_result_free(&r);

	ck_assert_int_eq(admin(&r, d, (char *[]){ "who", "--room", "cs101", NULL }), 0);
	ck_assert_msg(strstr(r.out, "alice") && !strstr(r.out, "carol"), "who --room: %s", r.out);
	cmd_result_free(&r);

	/* A notice to #cs101 only: carol (lchat/1, #general) does not see it. */
	ck_assert_int_eq(admin(&r, d, (char *[]){ "notice", "--room", "#cs101", "quiz", "now", NULL }), 0);
	cmd_result_free(&r);
	tc_expect(a, "EV [0-9]+ [0-9]+ #cs101 NOTICE quiz now$", TC_TIMEOUT);
	tc_expect_silence(c);

	/* kick --room parts alice from #cs101; her connection stays. */
	ck_assert_int_eq(admin(&r, d, (char *[]){ "kick", "--room", "cs101", "alice", "off", "topic", NULL }), 0);
	cmd_result_free(&r);
	tc_expectf(a, TC_TIMEOUT, "EV [0-9]+ [0-9]+ #cs101 LEAVE alice %s part off topic$", LOGIN);
	tc_send(a, "SAY #general still here");
	tc_ack(a, "SAY");
	tc_expect(c, "EV [0-9]+ [0-9]+ MSG alice still here$", TC_TIMEOUT);
	ck_assert_int_ne(admin(&r, d, (char *[]){ "kick", "--room", "cs101", "alice", NULL }), 0);
	cmd_result_free(&r);
	tc_close(a);
	tc_close(c);
	lchatd_stop_ok(d);
}
END_TEST

/* lchat-admin who (every member) says each member's rooms, in the table
 * and in --json; who --room still lists that room's members; the control
 * WHO line carries them as "rooms #a,#b" ("-": in none) before "away". */
START_TEST(test_admin_who_rooms)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a, *b;
	alice_and_bob(d, &a, &b);
	enter(a, "cs101");
	enter(a, "ops");
	tc_send(b, "PART #general");
	tc_expect(b, "OK PART #general ", TC_TIMEOUT);
	tc_send(b, "AWAY tea");
	tc_expect(b, "OK AWAY tea$", TC_TIMEOUT);
	struct cmd_result r;

	ck_assert_int_eq(admin(&r, d, (char *[]){ "who", NULL }), 0);
	ck_assert_msg(re_contains(r.out, "^NAME +LOGIN +UID +IDLE +CONNECTED +MUTED +ROOMS\n"), "who: %s", r.out);
	ck_assert_msg(re_contains(r.out, "\nalice +[^ ]+ +0 +[0-9]+s +[0-9-]+ [0-9:]+ +- +"
				  "#general,#cs101,#ops\n"), "who: %s", r.out);
	ck_assert_msg(re_contains(r.out, "\nbob +[^ ]+ +0 +[0-9]+s +[0-9-]+ [0-9:]+ +- +-  away: tea\n"),
		      "who: %s", r.out);
	cmd_result_free(&r);

	ck_assert_int_eq(admin(&r, d, (char *[]){ "who", "--json", NULL }), 0);
	ck_assert_msg(re_contains(r.out, "\"name\": \"alice\".*\"away\": null, "
				  "\"rooms\": \\[\"#general\", \"#cs101\", \"#ops\"\\]\\}") &&
		      re_contains(r.out, "\"name\": \"bob\".*\"away\": \"tea\", \"rooms\": \\[\\]\\}"),
		      "who --json: %s", r.out);
	cmd_result_free(&r);

	/* who --room: that room's members, as before. */
	ck_assert_int_eq(admin(&r, d, (char *[]){ "who", "--room", "ops", NULL }), 0);
	ck_assert_msg(strstr(r.out, "\nalice ") && !strstr(r.out, "\nbob "), "who --room: %s", r.out);
	cmd_result_free(&r);

	/* The line itself. */
	struct tclient *ctl = ctl_connect(d->ctl);
	tc_send(ctl, "WHO");
	tc_expect_skip(ctl, "WHO alice [^ ]+ 0 [0-9]+ [0-9]+ [0-9]+ - rooms #general,#cs101,#ops$",
		       TC_TIMEOUT);
	tc_close(ctl);
	ctl = ctl_connect(d->ctl);
	tc_send(ctl, "WHO");
	tc_expect_skip(ctl, "WHO bob [^ ]+ 0 [0-9]+ [0-9]+ [0-9]+ - rooms - away tea$", TC_TIMEOUT);
	tc_close(ctl);
	tc_close(a);
	tc_close(b);
	lchatd_stop_ok(d);
}
END_TEST

/* A muted user's lines do not reach a room: setting a topic is refused
 * (asking for it is not), a PART's reason is dropped (the PART is not). */
START_TEST(test_muted_topic_and_part)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a, *b;
	both_in(d, &a, &b, "cs101");
	struct tclient *ctl = ctl_connect(d->ctl);
	tc_send(ctl, "MUTE alice 0");
	tc_expect(ctl, "OK MUTE ", TC_TIMEOUT);
	tc_close(ctl);
	/* (bob is the same uid: muted too, and told.) */
	tc_expect(a, "EV [0-9]+ [0-9]+ - NOTICE you have been muted", TC_TIMEOUT);
	tc_expect(b, "EV [0-9]+ [0-9]+ - NOTICE you have been muted", TC_TIMEOUT);

	tc_send(a, "TOPIC #cs101 buy now");
	tc_expect(a, "ERR muted [a-z]", TC_TIMEOUT);
	tc_send(a, "TOPIC #cs101");
	tc_expect(a, "OK TOPIC #cs101 - 0 CS 101, autumn$", TC_TIMEOUT);
	tc_send(a, "PART #cs101 visit my shop");
	uint64_t p = line_seq(tc_expect(a, "OK PART #cs101 [0-9]+$", TC_TIMEOUT));
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ #cs101 LEAVE alice %s part$", p, LOGIN);
	tc_expect_silence(b);
	tc_close(a);
	tc_close(b);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- PART and ENTER again before the writer has passed the PART ---------- */

#define FLOOD_LEN 3000      /* bytes of padding per flood message */
#define FLOOD_BATCH 16

/* The bytes a connection's socket holds before its sender stops: the
 * default send buffer (the daemon sets none), read from the kernel. */
static long socket_hold(void)
{
	FILE *f = fopen("/proc/sys/net/core/wmem_default", "r");
	long n = 0;

	ck_assert_msg(f != NULL, "cannot read /proc/sys/net/core/wmem_default");
	ck_assert_int_eq(fscanf(f, "%ld", &n), 1);
	fclose(f);
	return n;
}

/* bob says n padded messages f0000... in #lab, FLOOD_BATCH to a write;
 * their seqs into seqs. */
static void flood(struct tclient *b, int n, uint64_t *seqs)
{
	static char pad[FLOOD_LEN + 1];
	char *batch = xcalloc(FLOOD_BATCH, FLOOD_LEN + 32);

	memset(pad, 'p', FLOOD_LEN);
	for (int i = 0; i < n;) {
		size_t len = 0;
		int k0 = i;
		for (; i < n && i - k0 < FLOOD_BATCH; i++)
			len += (size_t)sprintf(batch + len, "SAY #lab f%04d %s\n", i, pad);
		tc_send_raw(b, batch, len);
		for (int k = k0; k < i; k++)
			seqs[k] = tc_ack(b, "SAY");
	}
	free(batch);
}

/* alice sends PART and ENTER of #lab in one write while her writer is
 * still far below the PART (she has not read a flood bigger than her
 * socket holds). The span her ENTER starts must not judge the events up
 * to her PART: she gets every message said before it, her OK PART and
 * her OK ENTER, and nothing of the room while she was out (the room's
 * backlog is 0: no replay either); bob sees her LEAVE and her JOIN. */
#define LAB_CONF CONF "max_line = 4000\n" "room \"lab\" {\n backlog = 0\n}\n"

/* alice and bob in #lab, and alice's writer stopped by a flood of bob's
 * there that she has not read: more than her socket and the writer's
 * batch of her hold, so it stops at a message of the flood. Its n
 * messages' seqs in *seqs (freed by the caller). */
static int lab_with_alice_behind(struct lchatd *d, struct tclient **a, struct tclient **b,
				 uint64_t **seqs)
{
	both_in(d, a, b, "lab");
	int n = (int)((2 * socket_hold() + 256 * 1024) / FLOOD_LEN) + 1;
	ck_assert_msg(n < 1000, "a flood of %d messages: alice's handler would stop reading", n);
	*seqs = xcalloc((size_t)n, sizeof(**seqs));
	flood(*b, n, *seqs);
	return n;
}

/* alice reads the flood: all n messages, in order. */
static void read_flood(struct tclient *a, int n, const uint64_t *seqs)
{
	for (int i = 0; i < n; i++)
		tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ #lab MSG bob f%04d p+$", seqs[i], i);
}

/* The end of a test of lab_with_alice_behind() (a NULL: closed already). */
static void lab_done(struct lchatd *d, struct tclient *a, struct tclient *b, uint64_t *seqs)
{
	free(seqs);
	tc_close(a);
	tc_close(b);
	lchatd_stop_ok(d);
}

START_TEST(test_part_enter_one_write)
{
	struct lchatd *d = lchatd_start(LAB_CONF);
	struct tclient *a, *b;
	uint64_t *seqs;
	int n = lab_with_alice_behind(d, &a, &b, &seqs);
	tc_send(b, "SAY #lab before");
	uint64_t before = tc_ack(b, "SAY");

	static const char both[] = "PART #lab brb\nENTER #lab\n";
	tc_send_raw(a, both, sizeof(both) - 1);
	uint64_t p = line_seq(tc_expectf(b, TC_TIMEOUT, "EV [0-9]+ [0-9]+ #lab LEAVE alice %s part brb$",
					 LOGIN));
	tc_send(b, "SAY #lab while out");
	uint64_t out = tc_ack(b, "SAY");

	/* alice reads now: all of it, in order, up to her PART. */
	read_flood(a, n, seqs);
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ #lab MSG bob before$", before);
	ck_assert_uint_eq(line_seq(tc_expect(a, "OK PART #lab [0-9]+$", TC_TIMEOUT)), p);
	/* Then her ENTER, after bob's "while out", which she does not get. */
	uint64_t j = line_seq(tc_expect(a, "OK ENTER #lab [0-9]+$", TC_TIMEOUT));
	ck_assert_uint_gt(j, out);
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ #lab JOIN alice %s$", j, LOGIN);
	tc_send(b, "SAY #lab after");
	uint64_t after = tc_ack(b, "SAY");
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ #lab MSG bob after$", after);
	tc_expect_silence(a);
	lab_done(d, a, b, seqs);
}
END_TEST

/* The same, and alice hangs up at once: her handler, waiting for the
 * writer to pass her PART (which it never will: nobody reads), sees it,
 * takes the ENTER and then her end of input, and she leaves. */
START_TEST(test_part_enter_then_close)
{
	struct lchatd *d = lchatd_start(LAB_CONF);
	struct tclient *a, *b;
	uint64_t *seqs;
	(void)lab_with_alice_behind(d, &a, &b, &seqs);

	static const char both[] = "PART #lab brb\nENTER #lab\n";
	tc_send_raw(a, both, sizeof(both) - 1);
	tc_expectf(b, TC_TIMEOUT, "EV [0-9]+ [0-9]+ #lab LEAVE alice %s part brb$", LOGIN);
	tc_close(a);
	tc_expect_skip(b, "EV [0-9]+ [0-9]+ #general LEAVE alice [^ ]+ closed$", TC_TIMEOUT);
	lab_done(d, NULL, b, seqs);
}
END_TEST

/* The same wait after a part by the server (lchat-admin kick --room):
 * alice, behind, enters again at once; she still gets the whole flood,
 * then her LEAVE (the server's, which she sees), then OK ENTER. */
START_TEST(test_kicked_part_enter)
{
	struct lchatd *d = lchatd_start(LAB_CONF);
	struct tclient *a, *b;
	uint64_t *seqs;
	struct cmd_result r;
	int n = lab_with_alice_behind(d, &a, &b, &seqs);

	ck_assert_int_eq(admin(&r, d, (char *[]){ "kick", "--room", "lab", "alice", NULL }), 0);
	cmd_result_free(&r);
	uint64_t p = line_seq(tc_expectf(b, TC_TIMEOUT, "EV [0-9]+ [0-9]+ #lab LEAVE alice %s part$",
					 LOGIN));
	tc_send(a, "ENTER #lab");
	read_flood(a, n, seqs);
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ #lab LEAVE alice %s part$", p, LOGIN);
	uint64_t j = line_seq(tc_expect(a, "OK ENTER #lab [0-9]+$", TC_TIMEOUT));
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ #lab JOIN alice %s$", j, LOGIN);
	tc_expect_silence(a);
	lab_done(d, a, b, seqs);
}
END_TEST

/* ---- a busy pass of the writer, room by room ------------------------ */

#define BUSY_MEMBERS 6      /* even: #cs101, odd: #ops; slots alternate */
#define BUSY_SAYS 150       /* by each of the two senders */

/* The room's count of messages (STATUS messages). */
static long messages_said(struct lchatd *d)
{
	struct tclient *ctl = ctl_connect(d->ctl);
	tc_send(ctl, "STATUS");
	long n = atol(tc_expect_skip(ctl, "^STATUS messages [0-9]+$", TC_TIMEOUT) +
		      strlen("STATUS messages "));
	tc_expect_skip(ctl, "^OK STATUS$", TC_TIMEOUT);
	tc_close(ctl);
	return n;
}

/* Members of #cs101 and #ops alternate in the table, each in its one room.
 * With the writer stopped, one member of each room says BUSY_SAYS
 * messages; the writer's next pass then brings 300 events, more than its
 * record cache has sets, so it visits the members room by room
 * (fanout.c, order_members()). Every member gets its room's messages in
 * order and nothing of the other room's; each sender gets its acks. */
START_TEST(test_busy_pass_room_by_room)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *m[BUSY_MEMBERS];
	static const char *const room[2] = { "cs101", "ops" };

	for (int i = 0; i < BUSY_MEMBERS; i++) {
		char name[16];
		snprintf(name, sizeof(name), "m%d", i);
		m[i] = tc_join_proto2(d, 0, name);
		enter(m[i], room[i % 2]);
		tc_send(m[i], "PART #general");
		tc_expect_past_events(m[i], "^OK PART #general [0-9]+$", TC_TIMEOUT);
	}
	for (int i = 0; i < BUSY_MEMBERS; i++) {   /* what the joins sent */
		tc_send(m[i], "PING settled");
		tc_expect_skip(m[i], "PONG settled$", TC_TIMEOUT);
	}
	long said = messages_said(d);
	pid_t writer = wait_child_titled(lchatd_daemon_pid(d), "lchatd: fanout", 0, TC_TIMEOUT);
	ck_assert_int_eq(kill(writer, SIGSTOP), 0);
	for (int r = 0; r < 2; r++) {
		char *batch = xcalloc(BUSY_SAYS, 64);
		size_t len = 0;
		for (int k = 0; k < BUSY_SAYS; k++)
			len += (size_t)sprintf(batch + len, "SAY #%s %s%03d\n", room[r], room[r], k);
		tc_send_raw(m[r], batch, len);
		free(batch);
	}
	/* Every message in the log before the writer runs again. */
	int64_t deadline = mono_ms_now() + TC_TIMEOUT;
	while (messages_said(d) < said + 2 * BUSY_SAYS) {
		ck_assert_msg(mono_ms_now() < deadline, "the handlers did not append %d messages",
			      2 * BUSY_SAYS);
		usleep(10 * 1000);
	}
	ck_assert_int_eq(kill(writer, SIGCONT), 0);

	uint64_t seqs[2][BUSY_SAYS];
	for (int r = 0; r < 2; r++)
		for (int k = 0; k < BUSY_SAYS; k++)
			seqs[r][k] = tc_ack(m[r], "SAY");
	for (int i = 2; i < BUSY_MEMBERS; i++)
		for (int k = 0; k < BUSY_SAYS; k++)
			tc_expectf(m[i], TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ #%s MSG m%d %s%03d$",
				   seqs[i % 2][k], room[i % 2], i % 2, room[i % 2], k);
	for (int i = 0; i < BUSY_MEMBERS; i++)
		tc_expect_silence(m[i]);
	for (int i = 0; i < BUSY_MEMBERS; i++)
		tc_close(m[i]);
	lchatd_stop_ok(d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rooms");
	TCase *tc = tcase_create("rooms");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_events_only_to_members);
	tcase_add_test(tc, test_group_and_reload);
	tcase_add_test(tc, test_user_rooms);
	tcase_add_test(tc, test_topic_and_rooms);
	tcase_add_test(tc, test_resume_per_room);
	tcase_add_test(tc, test_room_backlog);
	tcase_add_test(tc, test_too_many_rooms);
	tcase_add_test(tc, test_admin_rooms);
	tcase_add_test(tc, test_admin_who_rooms);
	tcase_add_test(tc, test_muted_topic_and_part);
	tcase_add_test(tc, test_part_enter_one_write);
	tcase_add_test(tc, test_part_enter_then_close);
	tcase_add_test(tc, test_kicked_part_enter);
	tcase_add_test(tc, test_busy_pass_room_by_room);
	suite_add_tcase(s, tc);
	return harness_run(s);
}
