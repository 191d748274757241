/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* check_admin_reply.c - lchat-admin's reading of the control socket's
 * reply lines (WHO, SANCTION, STATUS, OK RELOAD) and its JSON output. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "json.h"
#include "reply.h"

START_TEST(who_lines)
{
	struct who_row w;

	ck_assert(parse_who_line(S("WHO alice alice 1000 12 1795290000123 1795289990000 -"), &w));
	ck_assert(field_is(w.name, "alice") && field_is(w.login, "alice"));
	ck_assert_uint_eq(w.uid, 1000);
	ck_assert_int_eq(w.idle_s, 12);
	ck_assert_int_eq(w.joined_ms, 1795290000123);
	ck_assert_int_eq(w.connected_ms, 1795289990000);
	ck_assert(!w.muted);
	ck_assert(parse_who_line(S("WHO bob b 7 0 1 2 forever"), &w));
	ck_assert(w.muted && w.muted_forever);
	ck_assert(parse_who_line(S("WHO bob b 7 0 1 2 95"), &w));
	ck_assert(w.muted && !w.muted_forever);
	ck_assert_int_eq(w.muted_s, 95);
	/* The user socket's shorter WHO, junk, and extra words are refused. */
	ck_assert(!parse_who_line(S("WHO alice alice 12 1795290000123"), &w));
	ck_assert(!parse_who_line(S("WHO bob b x 0 1 2 -"), &w));
	ck_assert(!parse_who_line(S("WHO bob b 7 0 1 2 - more"), &w));
	ck_assert(!parse_who_line(S("WHO bob  7 0 1 2 -"), &w));
	ck_assert(!parse_who_line(S("SANCTION bob b 7 0 1 2 -"), &w));
	ck_assert(!parse_who_line(S("WHO bob b 7 0 1 2 soon"), &w));
	ck_assert(!w.has_rooms);
	/* A chat with rooms: the member's rooms, before away. */
	struct field list, room;
	ck_assert(parse_who_line(S("WHO bob b 7 0 1 2 - rooms #general,#cs101 away tea break"), &w));
	ck_assert(w.has_rooms && field_is(w.away, "tea break"));
	list = w.rooms;
	ck_assert(who_rooms_next(&list, &room) && field_is(room, "#general"));
	ck_assert(who_rooms_next(&list, &room) && field_is(room, "#cs101"));
	ck_assert(!who_rooms_next(&list, &room));
	ck_assert(parse_who_line(S("WHO bob b 7 0 1 2 - rooms -"), &w));
	ck_assert(w.has_rooms && w.away.n == 0);
	list = w.rooms;
	ck_assert(!who_rooms_next(&list, &room));
	ck_assert(!parse_who_line(S("WHO bob b 7 0 1 2 - rooms"), &w));
	ck_assert(!parse_who_line(S("WHO bob b 7 0 1 2 - rooms #a more"), &w));
}
END_TEST

START_TEST(sanction_lines)
{
	struct sanction_row s;

	ck_assert(parse_sanction_line(S("SANCTION ban nobody 65534 forever spamming links"), &s));
	ck_assert(field_is(s.kind, "ban") && field_is(s.login, "nobody"));
	ck_assert_uint_eq(s.uid, 65534);
	ck_assert(s.forever);
	ck_assert(field_is(s.reason, "spamming links"));
	ck_assert(parse_sanction_line(S("SANCTION mute bob 1001 42"), &s));
	ck_assert(!s.forever);
	ck_assert_int_eq(s.left_s, 42);
	ck_assert_uint_eq(s.reason.n, 0);
	ck_assert(!parse_sanction_line(S("SANCTION mute bob"), &s));
	ck_assert(!parse_sanction_line(S("SANCTION mute bob x 42"), &s));
}
END_TEST

START_TEST(status_and_reload)
{
	struct field k, v;

	ck_assert(parse_status_line(S("STATUS config /etc/lchat.conf"), &k, &v));
	ck_assert(field_is(k, "config") && field_is(v, "/etc/lchat.conf"));
	ck_assert(parse_status_line(S("STATUS motd two words"), &k, &v));
	ck_assert(field_is(v, "two words"));
	ck_assert(!parse_status_line(S("STATUS"), &k, &v));
	ck_assert(!parse_status_line(S("WHO a b"), &k, &v));

	const char ok[] = "changed=motd,backlog restart-needed=-";
	ck_assert(find_key_value(S(ok), "changed", &v));
	ck_assert(field_is(v, "motd,backlog"));
	ck_assert(find_key_value(S(ok), "restart-needed", &v));
	ck_assert(field_is(v, "-"));
	ck_assert(!find_key_value(S(ok), "restart", &v));
	ck_assert(!find_key_value(S(""), "changed", &v));
}
END_TEST

/* What f printed, as a string (free() it). */
static char *printed(void (*fn)(FILE *, const char *, size_t), const char *s, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	fn(f, s, n);
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

START_TEST(json_strings)
{
	static const struct { const char *in; size_t n; const char *out; } cases[] = {
		{ S("plain"), "\"plain\"" },
		{ S("a \"quote\" and \\ back"), "\"a \\\"quote\\\" and \\\\ back\"" },
		{ S("tab\tnl\nbell\x07" "del\x7f"), "\"tab\\u0009nl\\u000abell\\u0007del\\u007f\"" },
		{ S("nul\0x"), "\"nul\\u0000x\"" },
		{ S("caf\xc3\xa9 \xe2\x9c\x93"), "\"caf\xc3\xa9 \xe2\x9c\x93\"" },
		{ S(""), "\"\"" },
	};
	for (size_t i = 0; i < LEN(cases); i++) {
		char *got = printed(json_string, cases[i].in, cases[i].n);
		ck_assert_str_eq(got, cases[i].out);
		free(got);
	}
	char *key = printed(json_key, S("supervisor-pid"));
	ck_assert_str_eq(key, "\"supervisor_pid\"");
	free(key);
}
END_TEST

START_TEST(json_integers)
{
	ck_assert(json_is_integer(S("0")));
	ck_assert(json_is_integer(S("42")));
	ck_assert(json_is_integer(S("-7")));
	ck_assert(json_is_integer(S("123456789012345678")));
	ck_assert(!json_is_integer(S("1234567890123456789")));
	ck_assert(!json_is_integer(S("")));
	ck_assert(!json_is_integer(S("-")));
	ck_assert(!json_is_integer(S("007")));
	ck_assert(!json_is_integer(S("0.1.0")));
	ck_assert(!json_is_integer(S("/etc/lchat.conf")));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("admin_reply");
	TCase *tc = tcase_create("admin_reply");
	tcase_add_test(tc, who_lines);
	tcase_add_test(tc, sanction_lines);
	tcase_add_test(tc, status_and_reload);
	tcase_add_test(tc, json_strings);
	tcase_add_test(tc, json_integers);
	suite_add_tcase(s, tc);
	return check_run(s);
}
