/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* test_client_rooms.c - end-to-end tests of rooms (issue 17) in the
 * interactive client and its scripting mode: the real lchat in a private
 * tmux server (tmux.h) against the fake server (fakesrv.h), which says
 * exactly the lines of the rooms protocol (docs/protocol.md, "Rooms") and
 * checks what lchat sends: PROTO 2 only when the greeting offers rooms,
 * the room typed into in the prompt and the status row, other rooms'
 * lines marked, /join, Ctrl-X n, /part, /rooms, /topic, Tab after /switch,
 * the re-ENTERs after a reconnect, lchat -r in a pipe; and one case with
 * the real lchatd instead of the fake server. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fakesrv.h"
#include "harness.h"
#include "tmux.h"

#define T_WAIT 8000
/* A line of the screen: "[HH:MM] " and then the rest. */
#define TS "^\\[[0-9][0-9]:[0-9][0-9]\\] "

/* lchat as alice in window "alice", greeted with rooms and joined (join
 * seq 10; bob and alice in #general). */
static struct fakesrv *rooms_joined(struct tmux *t, const char *dir)
{
	struct fakesrv *f = fake_listen(dir);

	tmux_lchat(t, "alice", fake_path(f), NULL);
	fake_accept(f, T_WAIT);
	fake_greet_rooms(f, "alice", "JOIN alice$", 10, "alice bob");
	tmux_wait(t, "alice", "you are in the room as alice", T_WAIT);
	tmux_wait(t, "alice", "^\\[alice #general\\] ?$", T_WAIT);
	return f;
}

/* /join ROOM answered with OK ENTER ROOM seq, its quiet WHO with who. */
static void enter(struct tmux *t, struct fakesrv *f, const char *room, unsigned seq,
		  const char *who)
{
	char line[128], re[128];

	snprintf(line, sizeof(line), "/join %s", room);
	tmux_enter(t, "alice", line);
	snprintf(re, sizeof(re), "ENTER %s$", room);
	fake_expect(f, re, T_WAIT);
	snprintf(line, sizeof(line), "OK ENTER %s %u\n", room, seq);
	fake_send(f, line);
	snprintf(re, sizeof(re), "WHO %s$", room);
	fake_expect(f, re, T_WAIT);
	fake_who(f, who);
	snprintf(re, sizeof(re), "^\\[alice %s\\] ?$", room);
	tmux_wait(t, "alice", re, T_WAIT);
}

/* "EV seq NOW rest": an event of now (no day line before it). */
static void send_ev(struct fakesrv *f, unsigned seq, const char *rest)
{
	struct timespec ts;
	char line[512];

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(line, sizeof(line), "EV %u %lld %s\n", seq,
		 (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, rest);
	fake_send(f, line);
}

#define SETUP() \
	char dir[] = "/tmp/lchat-rooms.XXXXXX"; \
	ck_assert_ptr_nonnull(mkdtemp(dir)); \
	struct tmux *t = tmux_start(dir)

#define TEARDOWN() \
	do { \
		tmux_stop(t); \
		fake_close(f); \
		remove_tree(dir); \
	} while (0)

/* PROTO 2 goes (before the JOIN) only when the greeting says rooms=1; an
 * lchat/1 greeting gets today's JOIN first, and no room in the prompt. */
START_TEST(test_proto2_only_when_offered)
{
	SETUP();
	struct fakesrv *f = fake_listen(dir);

	tmux_lchat(t, "old", fake_path(f), NULL);
	fake_accept(f, T_WAIT);
	fake_send(f, "HELLO lchat/1 fake/0 login=nobody max_line=1024\n");
	const char *first = fake_expect(f, ".*", T_WAIT);
	ck_assert_str_eq(first, "JOIN old");
	fake_send(f, "OK JOIN old 10\n");
	fake_expect(f, "PING lchat-sync$", T_WAIT);
	fake_send(f, "PONG lchat-sync\n");
	tmux_wait(t, "old", "^\\[old\\] ?$", T_WAIT);
	fake_hangup(f);
	fake_close(f);

	f = rooms_joined(t, dir);
	/* What is said goes to the room typed into. */
	tmux_enter(t, "alice", "hello all");
	fake_expect(f, "SAY #general hello all$", T_WAIT);
	fake_send(f, "OK SAY 11\n");
	tmux_wait(t, "alice", TS "<alice> hello all$", T_WAIT);
	TEARDOWN();
}
END_TEST

/* In three rooms: the prompt and the status row name the room typed into
 * (and its member count); lines of the others are marked with their
 * room; Ctrl-X n goes to the next room. The screen is printed (the
 * report's example). */
START_TEST(test_three_rooms)
{
	SETUP();
	struct fakesrv *f = rooms_joined(t, dir);

	tmux_wait(t, "alice", "^\\[[0-9:]+\\] \\[alice\\] \\[#general: 2 people\\]", T_WAIT);
	enter(t, f, "#cs101", 20, "alice carol dave");
	tmux_wait(t, "alice", "you are in #cs101; you type into it", T_WAIT);
	tmux_wait(t, "alice", "^\\[[0-9:]+\\] \\[alice\\] \\[#cs101: 3 people\\]", T_WAIT);
	enter(t, f, "#ops", 21, "alice erin");
	send_ev(f, 22, "#general MSG bob anyone for lunch?");
	send_ev(f, 23, "#cs101 MSG carol is the lab open?");
	send_ev(f, 24, "#ops MSG erin disk at 91%");
	send_ev(f, 25, "#cs101 JOIN frank fr");
	tmux_wait(t, "alice", TS "#general <bob> anyone for lunch\\?$", T_WAIT);
	tmux_wait(t, "alice", TS "#cs101 <carol> is the lab open\\?$", T_WAIT);
	tmux_wait(t, "alice", TS "<erin> disk at 91%$", T_WAIT);
	tmux_wait(t, "alice", TS "#cs101 --> frank \\(fr\\) joined$", T_WAIT);
	/* Ctrl-X n: #ops -> #general -> #cs101 (in the order entered). */
	tmux_key(t, "alice", "C-x");
	tmux_key(t, "alice", "n");
	tmux_wait(t, "alice", "^\\[alice #general\\] ?$", T_WAIT);
	tmux_wait(t, "alice", "^\\[[0-9:]+\\] \\[alice\\] \\[#general: 2 people\\]", T_WAIT);
	tmux_key(t, "alice", "C-x");
	tmux_key(t, "alice", "n");
	tmux_wait(t, "alice", "^\\[alice #cs101\\] ?$", T_WAIT);
	/* (frank joined: 4) */
	tmux_wait(t, "alice", "^\\[[0-9:]+\\] \\[alice\\] \\[#cs101: 4 people\\]", T_WAIT);
	tmux_enter(t, "alice", "yes, until six");
	fake_expect(f, "SAY #cs101 yes, until six$", T_WAIT);
	fake_send(f, "OK SAY 26\n");
	tmux_wait(t, "alice", TS "<alice> yes, until six$", T_WAIT);
	send_ev(f, 27, "#cs101 MSG carol thanks!");
	tmux_wait(t, "alice", TS "<carol> thanks!$", T_WAIT);
	char *screen = tmux_screen(t, "alice");
	printf("---- lchat in three rooms ----\n%s---- end ----\n", screen);
	free(screen);
	TEARDOWN();
}
END_TEST

/* The real lchat against the real lchatd (not the fake server): alice
 * enters two configured rooms beside the default one, bob (a raw PROTO 2
 * client) speaks in each, her lines go to the room she types into, and
 * Ctrl-X n takes her to the next. */
START_TEST(test_real_daemon_three_rooms)
{
	struct lchatd *d = lchatd_start("motd = \"\"\ndefault_room = \"general\"\n"
					"room \"cs101\" {\n  topic = \"CS 101\"\n}\n"
					"room \"ops\" {\n}\n");
	struct tmux *t = tmux_start(d->dir);
	struct tclient *bob = tc_connect(d->sock);

	tc_send(bob, "PROTO 2");
	tc_expect(bob, "^OK PROTO 2$", TC_TIMEOUT);
	tc_join(bob, "bob");
	tc_send(bob, "ENTER #cs101");
	tc_expect_skip(bob, "^OK ENTER #cs101 [0-9]+$", TC_TIMEOUT);
	tc_send(bob, "ENTER #ops");
	tc_expect_skip(bob, "^OK ENTER #ops [0-9]+$", TC_TIMEOUT);

	tmux_lchat(t, "alice", d->sock, NULL);
	tmux_wait(t, "alice", "^\\[alice #general\\] ?$", T_WAIT);
	tc_expect_skip(bob, "^EV [0-9]+ [0-9]+ #general JOIN alice ", TC_TIMEOUT);
	tmux_enter(t, "alice", "/join #cs101");
	tmux_wait(t, "alice", "^\\[alice #cs101\\] ?$", T_WAIT);
	tc_expect_skip(bob, "^EV [0-9]+ [0-9]+ #cs101 JOIN alice ", TC_TIMEOUT);
	tmux_enter(t, "alice", "/join #ops");
	tmux_wait(t, "alice", "^\\[alice #ops\\] ?$", T_WAIT);
	tc_expect_skip(bob, "^EV [0-9]+ [0-9]+ #ops JOIN alice ", TC_TIMEOUT);

	tc_send(bob, "SAY #general anyone for lunch?");
	tc_ack(bob, "SAY");
	tc_send(bob, "SAY #cs101 is the lab open?");
	tc_ack(bob, "SAY");
	tc_send(bob, "SAY #ops disk at 91%%");
	tc_ack(bob, "SAY");
	tmux_wait(t, "alice", TS "#general <bob> anyone for lunch\\?$", T_WAIT);
	tmux_wait(t, "alice", TS "#cs101 <bob> is the lab open\\?$", T_WAIT);
	tmux_wait(t, "alice", TS "<bob> disk at 91%$", T_WAIT);

	tmux_enter(t, "alice", "looking at it");
	tc_expect_skip(bob, "^EV [0-9]+ [0-9]+ #ops MSG alice looking at it$", TC_TIMEOUT);
	tmux_key(t, "alice", "C-x");
	tmux_key(t, "alice", "n");
	tmux_wait(t, "alice", "^\\[alice #general\\] ?$", T_WAIT);
	tmux_enter(t, "alice", "yes, at one");
	tc_expect_skip(bob, "^EV [0-9]+ [0-9]+ #general MSG alice yes, at one$", TC_TIMEOUT);
	tmux_wait(t, "alice", TS "<alice> yes, at one$", T_WAIT);
	char *screen = tmux_screen(t, "alice");
	printf("---- lchat in three rooms (real lchatd) ----\n%s---- end ----\n", screen);
	free(screen);
	tmux_stop(t);
	tc_close(bob);
	lchatd_stop_ok(d);
}
END_TEST

/* /part (the room typed into), /switch with Tab, /rooms, /topic. */
START_TEST(test_part_rooms_topic_tab)
{
	SETUP();
	struct fakesrv *f = rooms_joined(t, dir);

	enter(t, f, "#cs101", 20, "alice carol");
	/* Tab completes a room after /switch. */
	tmux_type(t, "alice", "/switch #g");
	tmux_wait(t, "alice", "^\\[alice #cs101\\] /switch #g$", T_WAIT);
	tmux_key(t, "alice", "Tab");
	tmux_wait(t, "alice", "^\\[alice #cs101\\] /switch #general ?$", T_WAIT);
	tmux_key(t, "alice", "Enter");
	tmux_wait(t, "alice", "you type into #general", T_WAIT);
	tmux_wait(t, "alice", "^\\[alice #general\\] ?$", T_WAIT);
	/* /rooms: a table. */
	tmux_enter(t, "alice", "/rooms");
	fake_expect(f, "ROOMS$", T_WAIT);
	fake_send(f, "ROOM #general 2 y y config Welcome to the machine\n"
		     "ROOM #cs101 2 y y config CS 101, autumn\n"
		     "ROOM #staff 4 n n config staff only\n"
		     "OK ROOMS 3\n");
	tmux_wait(t, "alice", "^ +ROOM +PEOPLE +YOU +KIND +TOPIC$", T_WAIT);
	tmux_wait(t, "alice", "^ +#cs101 +2 +in +config +CS 101, autumn$", T_WAIT);
	tmux_wait(t, "alice", "^ +#staff +4 +closed +config +staff only$", T_WAIT);
	tmux_wait(t, "alice", "-!- 3 rooms$", T_WAIT);
	/* /topic: asked, then set. */
	tmux_enter(t, "alice", "/topic");
	fake_expect(f, "TOPIC #general$", T_WAIT);
	fake_send(f, "OK TOPIC #general - 1795290000000 Welcome to the machine\n");
	tmux_wait(t, "alice", "-!- topic of #general: Welcome to the machine$", T_WAIT);
	tmux_enter(t, "alice", "/topic Lunch at noon");
	fake_expect(f, "TOPIC #general Lunch at noon$", T_WAIT);
	fake_send(f, "OK TOPIC #general 30\n"
		     "EV 30 1795290000000 #general TOPIC alice nobody Lunch at noon\n");
	tmux_wait(t, "alice", "-!- alice set the topic of #general: Lunch at noon$", T_WAIT);
	/* /part: the room typed into; the prompt goes to the one left. */
	tmux_enter(t, "alice", "/part see you");
	fake_expect(f, "PART #general see you$", T_WAIT);
	fake_send(f, "OK PART #general 31\n");
	tmux_wait(t, "alice", "you left #general; you type into #cs101", T_WAIT);
	tmux_wait(t, "alice", "^\\[alice #cs101\\] ?$", T_WAIT);
	TEARDOWN();
}
END_TEST

/* A reconnect: the JOIN resumes #general from the last seq seen in it,
 * then #cs101 is ENTERed again from its own; what was seen already is not
 * shown twice, what was missed is shown. */
START_TEST(test_reconnect_reenters)
{
	SETUP();
	struct fakesrv *f = rooms_joined(t, dir);

	enter(t, f, "#cs101", 20, "alice carol");
	fake_send(f, "EV 21 1795290000000 #general MSG bob g21\n");
	fake_send(f, "EV 24 1795290000000 #cs101 MSG carol c24\n");
	fake_send(f, "EV 25 1795290000000 #general MSG bob g25\n");
	tmux_wait(t, "alice", TS "#general <bob> g25$", T_WAIT);
	fake_hangup(f);
	tmux_wait(t, "alice", "reconnecting", T_WAIT);
	fake_accept(f, T_WAIT);
	fake_greet_rooms(f, "alice", "JOIN alice 25$", 40, "alice bob");
	fake_expect(f, "ENTER #cs101 24$", T_WAIT);
	fake_send(f, "OK ENTER #cs101 41\n"
		     "EV 24 1795290000000 #cs101 MSG carol c24\n"
		     "EV 30 1795290000000 #cs101 MSG carol c30 missed\n");
	fake_expect(f, "WHO #cs101$", T_WAIT);
	fake_who(f, "alice carol");
	tmux_wait(t, "alice", TS "<carol> c30 missed$", T_WAIT);
	ck_assert_int_eq(tmux_count(t, "alice", "c24$"), 1);
	ck_assert_int_eq(tmux_count(t, "alice", "g21$"), 1);
	tmux_wait(t, "alice", "^\\[alice #cs101\\] ?$", T_WAIT);
	TEARDOWN();
}
END_TEST

/* lchat -r cs101 in a pipe: it ENTERs the room before the first line,
 * and every line goes into it. */
START_TEST(test_script_room)
{
	SETUP();
	struct fakesrv *f = fake_listen(dir);
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "sh -c 'printf \"build 42 passed\\nall green\\n\" | "
		 "%s -s %s -n ci -r cs101; echo exit $?; sleep 60'", lchat_exe(), fake_path(f));
	tmux_window(t, "ci", cmd);
	fake_accept(f, T_WAIT);
	fake_send(f, "HELLO lchat/1 fake/0 login=nobody max_line=1024 rooms=1 "
		  "default_room=#general\n");
	fake_expect(f, "PROTO 2$", T_WAIT);
	fake_send(f, "OK PROTO 2\n");
	fake_expect(f, "JOIN ci$", T_WAIT);
	fake_send(f, "OK JOIN ci 10\n");
	fake_expect(f, "PING lchat-sync$", T_WAIT);
	fake_send(f, "PONG lchat-sync\n");
	const char *l = fake_expect(f, ".*", T_WAIT);
	ck_assert_str_eq(l, "ENTER #cs101");
	fake_send(f, "OK ENTER #cs101 11\n");
	fake_expect(f, "SAY #cs101 build 42 passed$", T_WAIT);
	fake_send(f, "EV 12 1795290000000 #general MSG bob hi\n");
	fake_send(f, "OK SAY 13\n");
	fake_expect(f, "SAY #cs101 all green$", T_WAIT);
	fake_send(f, "OK SAY 14\n");
	fake_expect(f, "QUIT$", T_WAIT);
	fake_send(f, "OK QUIT\n");
	tmux_wait(t, "ci", "^exit 0$", T_WAIT);
	tmux_wait(t, "ci", "Z #general MSG bob hi$", T_WAIT);
	tmux_wait(t, "ci", "Z MSG ci build 42 passed$", T_WAIT);
	TEARDOWN();
}
END_TEST

static Suite *rooms_suite(void)
{
	const struct harness_case cases[] = {
		{ "proto2_only_when_offered", test_proto2_only_when_offered, 60 },
		{ "three_rooms", test_three_rooms, 60 },
		{ "part_rooms_topic_tab", test_part_rooms_topic_tab, 60 },
		{ "reconnect_reenters", test_reconnect_reenters, 60 },
		{ "script_room", test_script_room, 60 },
		{ "real_daemon_three_rooms", test_real_daemon_three_rooms, 60 },
	};

	return harness_suite("client_rooms", cases, HARNESS_NCASES(cases));
}

int main(void)
{
	return harness_run(rooms_suite());
}
