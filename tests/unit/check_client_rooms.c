/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* check_client_rooms.c - unit tests for what the client needs of rooms
 * (issue 17): the lines of common/rooms_lines.c (room names, the
 * greeting's rooms=1, an EV line's room word, ROOM lines, TOPIC events),
 * the rooms kept by client/rooms.c, the room /commands (commands.c) and
 * Tab completion of room names (complete.c). The session's side is in
 * check_client_session.c ("rooms"). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "commands.h"
#include "complete.h"
#include "lines.h"
#include "rooms.h"
#include "rooms_lines.h"

START_TEST(test_room_names)
{
	char out[ROOM_NAME_SIZE];

	ck_assert(room_name_norm(S("#general"), out));
	ck_assert_str_eq(out, "#general");
	ck_assert(room_name_norm(S("CS101"), out));
	ck_assert_str_eq(out, "#cs101");
	ck_assert(room_name_norm(S("#a_b-c"), out));
	ck_assert(room_name_norm(S("#abcdefghijklmnopqrstuvwx"), out));   /* 24 */
	ck_assert(!room_name_norm(S("#abcdefghijklmnopqrstuvwxy"), out)); /* 25 */
	ck_assert(!room_name_norm(S("#"), out));
	ck_assert(!room_name_norm(S(""), out));
	ck_assert(!room_name_norm(S("#a b"), out));
	ck_assert(!room_name_norm(S("#caf\xc3\xa9"), out));
	ck_assert(!room_name_norm(S("#\033[2J"), out));
	ck_assert(!room_name_norm(S("##x"), out));
}
END_TEST

START_TEST(test_hello_rooms)
{
	char def[ROOM_NAME_SIZE];
	static const char on[] = "lchatd/0.3 login=al max_line=1024 rooms=1 default_room=#General";
	static const char off[] = "lchatd/0.2 login=al max_line=1024";
	static const char zero[] = "lchatd/0.3 login=al rooms=0 default_room=#x";
	static const char bad[] = "lchatd/0.3 rooms=1 default_room=#\033x";

	ck_assert(hello_rooms(on, strlen(on), def));
	ck_assert_str_eq(def, "#general");
	ck_assert(!hello_rooms(off, strlen(off), def));
	ck_assert(!hello_rooms(zero, strlen(zero), def));
	ck_assert(hello_rooms(bad, strlen(bad), def));
	ck_assert_str_eq(def, "");
}
END_TEST

/* A PROTO 2 event is read by the one event parser (lines.c): its room
 * word apart, the rest as an lchat/1 line of the same kind. */
START_TEST(test_ev_room_word)
{
	struct server_line sl;
	static const char ev[] = "EV 12 1795290000000 #cs101 MSG bob hi there";

	ck_assert(proto_parse_server_line(ev, strlen(ev), &sl));
	ck_assert_int_eq(sl.kind, EV_MSG);
	ck_assert(sl.room_len == 6 && strncmp(sl.room, "#cs101", 6) == 0);
	ck_assert_uint_eq(sl.seq, 12);
	ck_assert(sl.word_len[0] == 3 && strncmp(sl.word[0], "bob", 3) == 0);
	ck_assert(sl.rest_len == 8 && strncmp(sl.rest, "hi there", 8) == 0);
	ck_assert(proto_parse_server_line(S("EV 13 1795290000000 - PRIV bob psst"), &sl));
	ck_assert(sl.room_len == 1 && sl.room[0] == '-' && sl.kind == EV_PRIV);
	ck_assert(proto_parse_server_line(S("EV 14 1795290000000 * NOTICE reboot"), &sl));
	ck_assert(sl.room_len == 1 && sl.room[0] == '*' && sl.kind == EV_NOTICE);
	/* lchat/1: no room word. */
	ck_assert(proto_parse_server_line(S("EV 15 1795290000000 MSG bob hi"), &sl));
	ck_assert_ptr_null(sl.room);
	/* Too short, or a kind this client does not know. */
	ck_assert(!proto_parse_server_line(S("EV 12 1795290000000 #cs101"), &sl));
	ck_assert(!proto_parse_server_line(S("EV 12 1795290000000 #cs101 FROB x"), &sl));
}
END_TEST

START_TEST(test_room_line)
{
	struct room_row r;
	static const char line[] = "ROOM #CS101 12 y n config CS 101, autumn";

	ck_assert(room_line_parse(line, strlen(line), &r));
	ck_assert_str_eq(r.name, "#cs101");
	ck_assert_uint_eq(r.members, 12);
	ck_assert(r.in && !r.may);
	ck_assert(r.kind_len == 6 && strncmp(r.kind, "config", 6) == 0);
	ck_assert(r.topic_len == 14 && strncmp(r.topic, "CS 101, autumn", 14) == 0);
	ck_assert(room_line_parse(S("ROOM #x 0 n y user "), &r));
	ck_assert_uint_eq(r.topic_len, 0);
	ck_assert(!room_line_parse(S("ROOM x 1 y y user t"), &r));
	ck_assert(!room_line_parse(S("ROOM #x many y y user t"), &r));
	ck_assert(!room_line_parse(S("ROOM #x 1 yes y user t"), &r));
	ck_assert(!room_line_parse(S("ROOMS #x 1 y y user t"), &r));
}
END_TEST

START_TEST(test_topic_event)
{
	struct server_line sl;
	static const char ev[] = "EV 40 1795290000000 #cs101 TOPIC bob bl Week 3: pointers";

	ck_assert(proto_parse_server_line(ev, strlen(ev), &sl));
	ck_assert_int_eq(sl.kind, EV_TOPIC);
	ck_assert_uint_eq(sl.seq, 40);
	ck_assert(sl.word_len[0] == 3 && strncmp(sl.word[0], "bob", 3) == 0);
	ck_assert(sl.rest_len == 16 && strncmp(sl.rest, "Week 3: pointers", 16) == 0);
	ck_assert(!proto_parse_server_line(S("EV 40 1795290000000 #cs101 TOPIC bob"), &sl));
}
END_TEST

START_TEST(test_rooms_state)
{
	struct rooms rs = { 0 };

	snprintf(rs.def, sizeof(rs.def), "#general");
	ck_assert_ptr_null(rooms_current(&rs));
	ck_assert_ptr_nonnull(rooms_add(&rs, S("#general")));
	ck_assert_ptr_nonnull(rooms_add(&rs, S("cs101")));
	ck_assert_ptr_nonnull(rooms_add(&rs, S("#ops")));
	ck_assert_ptr_null(rooms_add(&rs, S("#not a room")));
	ck_assert_uint_eq(rs.n, 3);
	ck_assert_ptr_eq(rooms_add(&rs, S("#CS101")), &rs.r[1]);
	ck_assert_str_eq(rooms_current(&rs), "#general");
	ck_assert(rooms_switch(&rs, S("#ops")));
	rooms_next(&rs);
	ck_assert_str_eq(rooms_current(&rs), "#general");
	rooms_next(&rs);
	ck_assert_str_eq(rooms_current(&rs), "#cs101");
	ck_assert(!rooms_switch(&rs, S("#nope")));
	/* Leaving another room keeps the one typed into; leaving that one
	 * types into the default room. */
	rooms_remove(&rs, S("#ops"));
	ck_assert_str_eq(rooms_current(&rs), "#cs101");
	rooms_remove(&rs, S("#cs101"));
	ck_assert_str_eq(rooms_current(&rs), "#general");
	rooms_remove(&rs, S("#general"));
	ck_assert_ptr_null(rooms_current(&rs));
	/* A full set. */
	for (int i = 0; i < ROOMS_MAX; i++) {
		char n[16];
		snprintf(n, sizeof(n), "#r%d", i);
		ck_assert_ptr_nonnull(rooms_add(&rs, n, strlen(n)));
	}
	ck_assert_ptr_null(rooms_add(&rs, S("#one-more")));
	rooms_free(&rs);
}
END_TEST

START_TEST(test_room_commands)
{
	struct input in;

	ck_assert_int_eq(input_parse(S("/join #cs101"), &in), IN_JOIN);
	ck_assert(in.arg_len == 6 && strncmp(in.arg, "#cs101", 6) == 0);
	ck_assert_int_eq(input_parse(S("/join"), &in), IN_USAGE);
	ck_assert_int_eq(input_parse(S("/join #a #b"), &in), IN_USAGE);
	ck_assert_int_eq(input_parse(S("/switch ops"), &in), IN_SWITCH);
	ck_assert_int_eq(input_parse(S("/part"), &in), IN_PART);
	ck_assert_ptr_null(in.arg);
	ck_assert_ptr_null(in.text);
	ck_assert_int_eq(input_parse(S("/part see you"), &in), IN_PART);
	ck_assert_ptr_null(in.arg);
	ck_assert(in.text_len == 7 && strncmp(in.text, "see you", 7) == 0);
	ck_assert_int_eq(input_parse(S("/part #cs101 done"), &in), IN_PART);
	ck_assert(in.arg_len == 6 && in.text_len == 4);
	ck_assert_int_eq(input_parse(S("/rooms"), &in), IN_ROOMS);
	ck_assert_int_eq(input_parse(S("/topic"), &in), IN_TOPIC);
	ck_assert_ptr_null(in.text);
	ck_assert_int_eq(input_parse(S("/topic Week 4"), &in), IN_TOPIC);
	ck_assert(in.text_len == 6);
}
END_TEST

START_TEST(test_complete_rooms)
{
	struct completion c = { 0 };
	const char *rooms[] = { "#general", "#cs101", "#cs102", NULL };

	ck_assert_uint_eq(complete_start_rooms(&c, S("/join #cs"), 9, NULL, NULL, rooms), 2);
	ck_assert_str_eq(complete_next(&c), "#cs101 ");
	ck_assert_str_eq(complete_next(&c), "#cs102 ");
	ck_assert_uint_eq(complete_start_rooms(&c, S("/switch ge"), 10, NULL, NULL, rooms), 1);
	ck_assert_str_eq(complete_next(&c), "#general ");
	ck_assert_uint_eq(complete_start_rooms(&c, S("/PART #g"), 8, NULL, NULL, rooms), 1);
	/* Not after other commands, nor as the third word. */
	ck_assert_uint_eq(complete_start_rooms(&c, S("/msg #g"), 7, NULL, NULL, rooms), 0);
	ck_assert_uint_eq(complete_start_rooms(&c, S("/part #cs101 #g"), 15, NULL, NULL, rooms), 0);
	/* The room commands are offered only with rooms. */
	ck_assert_uint_eq(complete_start_rooms(&c, S("/jo"), 3, NULL, NULL, rooms), 1);
	ck_assert_str_eq(complete_next(&c), "/join ");
	ck_assert_uint_eq(complete_start_rooms(&c, S("/jo"), 3, NULL, NULL, NULL), 0);
	complete_free(&c);
}
END_TEST

static Suite *client_rooms_suite(void)
{
	Suite *s = suite_create("client_rooms");
	TCase *tc = tcase_create("lines");

	tcase_add_test(tc, test_room_names);
	tcase_add_test(tc, test_hello_rooms);
	tcase_add_test(tc, test_ev_room_word);
	tcase_add_test(tc, test_room_line);
	tcase_add_test(tc, test_topic_event);
	suite_add_tcase(s, tc);
	tc = tcase_create("state");
	tcase_add_test(tc, test_rooms_state);
	tcase_add_test(tc, test_room_commands);
	tcase_add_test(tc, test_complete_rooms);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(client_rooms_suite());
}
