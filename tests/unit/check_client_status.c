/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* check_client_status.c - unit tests for client/status.c: the status
 * row's text (its fields, the states of the connection, the lag shown
 * from a second on, fields dropped by importance on a narrow row, always
 * exactly the width asked for), the room's name from the socket's path,
 * and when the row changes by itself. Times and the time zone are the
 * test's. */
#include <check.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "check_main.h"
#include "status.h"

/* 2026-12-03 05:44:30 UTC. */
#define AT_0544_30 1796276670000LL

static void tz(const char *zone)
{
	setenv("TZ", zone, 1);
	tzset();
}

/* In the room as alice with 12 people, nothing else to say. */
static struct status_info joined(void)
{
	struct status_info in = {
		.now_ms = AT_0544_30,
		.name = "alice",
		.room = "lchat",
		.link = STATUS_JOINED,
		.members = 12,
		.retry_ms = -1,
		.lag_ms = -1,
		.ping_wait_ms = -1,
	};

	return in;
}

/* The row at width (free() it); its columns are checked to be width. */
static char *row(const struct status_info *in, int width)
{
	struct buffer b = { 0 };
	wchar_t w[1024];
	size_t n;

	ck_assert_int_eq(status_format(&b, in, width), 0);
	ck_assert_int_eq(buffer_append(&b, "", 1), 0);
	n = mbstowcs(w, b.data, 1024);
	ck_assert_msg(n != (size_t)-1, "not UTF-8: \"%s\"", b.data);
	ck_assert_msg(wcswidth(w, n) == width, "\"%s\": %d columns, not %d", b.data,
		      wcswidth(w, n), width);
	ck_assert_msg(width < 1 || b.data[0] == '[', "\"%s\" does not start with [", b.data);
	return b.data;
}

/* The row without its padding. */
static char *trimmed(const struct status_info *in, int width)
{
	char *s = row(in, width);
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == ' ')
		s[--n] = '\0';
	return s;
}

static void expect(const struct status_info *in, int width, const char *want)
{
	char *s = trimmed(in, width);

	ck_assert_str_eq(s, want);
	free(s);
}

static void setup(void)
{
	tz("UTC");
	ck_assert_ptr_nonnull(setlocale(LC_CTYPE, "C.UTF-8"));
}

START_TEST(test_joined)
{
	struct status_info in = joined();
	char *s;

	s = row(&in, 60);
	ck_assert_str_eq(s, "[05:44] [alice] [#lchat: 12 people]                         ");
	free(s);
	in.members = 1;
	expect(&in, 60, "[05:44] [alice] [#lchat: 1 person]");
	in.members = 0;
	expect(&in, 60, "[05:44] [alice] [#lchat: 0 people]");
	/* Not known yet (before the first WHO): no count. */
	in.members = -1;
	expect(&in, 60, "[05:44] [alice] [#lchat]");
	/* No name yet: no field. */
	in.name = "";
	expect(&in, 60, "[05:44] [#lchat]");
	in.name = NULL;
	expect(&in, 60, "[05:44] [#lchat]");
	/* The local time. */
	in = joined();
	tz("EST5");
	expect(&in, 60, "[00:44] [alice] [#lchat: 12 people]");
}
END_TEST

START_TEST(test_connection_states)
{
	struct status_info in = joined();

	in.link = STATUS_JOINING;
	expect(&in, 80, "[05:44] [alice] [#lchat: joining]");
	in.link = STATUS_NAME;
	expect(&in, 80, "[05:44] [alice] [#lchat: choose a name]");
	in.link = STATUS_LEAVING;
	expect(&in, 80, "[05:44] [alice] [#lchat: leaving]");
	in.link = STATUS_OFFLINE;
	expect(&in, 80, "[05:44] [alice] [#lchat: offline]");
	in.retry_ms = 3500;
	expect(&in, 80, "[05:44] [alice] [#lchat: offline, reconnecting in 4 s]");
	in.retry_ms = 3000;
	expect(&in, 80, "[05:44] [alice] [#lchat: offline, reconnecting in 3 s]");
	in.retry_ms = 250;
	expect(&in, 80, "[05:44] [alice] [#lchat: offline, reconnecting in 1 s]");
	in.retry_ms = 0;
	expect(&in, 80, "[05:44] [alice] [#lchat: offline, reconnecting]");
}
END_TEST

START_TEST(test_lag)
{
	struct status_info in = joined();
	char t[32];

	/* Below a second: not shown. */
	in.lag_ms = 999;
	ck_assert_int_eq(status_lag(&in), -1);
	expect(&in, 80, "[05:44] [alice] [#lchat: 12 people]");
	in.lag_ms = 2100;
	ck_assert_int_eq(status_lag(&in), 2100);
	expect(&in, 80, "[05:44] [alice] [#lchat: 12 people] [lag 2.1 s]");
	in.lag_ms = 12345;
	expect(&in, 80, "[05:44] [alice] [#lchat: 12 people] [lag 12 s]");
	/* An unanswered PING counts by whole seconds once it waited longer
	 * than the last lag. */
	in.lag_ms = 100;
	in.ping_wait_ms = 999;
	ck_assert_int_eq(status_lag(&in), -1);
	in.ping_wait_ms = 3500;
	ck_assert_int_eq(status_lag(&in), 3000);
	expect(&in, 80, "[05:44] [alice] [#lchat: 12 people] [lag 3.0 s]");
	in.lag_ms = 4200;
	ck_assert_int_eq(status_lag(&in), 4200);
	in.lag_ms = -1;
	in.ping_wait_ms = 1000;
	ck_assert_int_eq(status_lag(&in), 1000);
	/* Only in the room. */
	in.link = STATUS_OFFLINE;
	ck_assert_int_eq(status_lag(&in), -1);
	expect(&in, 80, "[05:44] [alice] [#lchat: offline]");

	status_lag_text(0, t, sizeof(t));
	ck_assert_str_eq(t, "lag 0.0 s");
	status_lag_text(1099, t, sizeof(t));
	ck_assert_str_eq(t, "lag 1.0 s");
	status_lag_text(9999, t, sizeof(t));
	ck_assert_str_eq(t, "lag 9.9 s");
	status_lag_text(10000, t, sizeof(t));
	ck_assert_str_eq(t, "lag 10 s");
	status_lag_text(125000, t, sizeof(t));
	ck_assert_str_eq(t, "lag 125 s");
}
END_TEST

START_TEST(test_waiting)
{
	struct status_info in = joined();

	in.waiting = 5;
	expect(&in, 80, "[05:44] [alice] [#lchat: 12 people] [5 waiting]");
	in.lag_ms = 1500;
	expect(&in, 80, "[05:44] [alice] [#lchat: 12 people] [lag 1.5 s] [5 waiting]");
}
END_TEST

/* Narrow rows: the time goes first, then the lag, the name, the waiting
 * lines; the room's field is cut last. Every width gives exactly that
 * many columns. */
START_TEST(test_narrow)
{
	struct status_info in = joined();

	in.lag_ms = 1500;
	in.waiting = 5;
	/* 59 columns in full. */
	expect(&in, 59, "[05:44] [alice] [#lchat: 12 people] [lag 1.5 s] [5 waiting]");
	expect(&in, 58, "[alice] [#lchat: 12 people] [lag 1.5 s] [5 waiting]");
	expect(&in, 51, "[alice] [#lchat: 12 people] [lag 1.5 s] [5 waiting]");
	expect(&in, 50, "[alice] [#lchat: 12 people] [5 waiting]");
	expect(&in, 39, "[alice] [#lchat: 12 people] [5 waiting]");
	expect(&in, 38, "[#lchat: 12 people] [5 waiting]");
	expect(&in, 31, "[#lchat: 12 people] [5 waiting]");
	expect(&in, 30, "[#lchat: 12 people]");
	expect(&in, 19, "[#lchat: 12 people]");
	expect(&in, 18, "[#lchat: 12 people");
	expect(&in, 1, "[");
	for (int w = 1; w <= 100; w++)
		free(row(&in, w));
	/* Nothing at all for no width. */
	struct buffer b = { 0 };
	ck_assert_int_eq(status_format(&b, &in, 0), 0);
	ck_assert_uint_eq(b.len, 0);
}
END_TEST

/* Names and rooms are sanitized; wide characters count two columns and
 * are never cut in half. */
START_TEST(test_sanitized_and_wide)
{
	struct status_info in = joined();
	char *s;

	in.name = "ev\033[2Jil";
	in.room = "\xe6\x97\xa5\xe6\x9c\xac";	/* two wide characters */
	expect(&in, 80, "[05:44] [ev^[[2Jil] [#\xe6\x97\xa5\xe6\x9c\xac: 12 people]");
	in.name = "alice";
	/* "[#日" is 4 columns: at 5 the second wide character does not fit. */
	in.members = -1;
	s = row(&in, 5);
	ck_assert_str_eq(s, "[#\xe6\x97\xa5 ");
	free(s);
	for (int w = 1; w <= 40; w++)
		free(row(&in, w));
}
END_TEST

START_TEST(test_room_name)
{
	char r[64];

	status_room_name("/run/lchat/lchat.sock", r, sizeof(r));
	ck_assert_str_eq(r, "lchat");
	status_room_name("run/team.sock", r, sizeof(r));
	ck_assert_str_eq(r, "team");
	status_room_name("room", r, sizeof(r));
	ck_assert_str_eq(r, "room");
	status_room_name("/tmp/chat.socket", r, sizeof(r));
	ck_assert_str_eq(r, "chat.socket");
	status_room_name("/tmp/.sock", r, sizeof(r));
	ck_assert_str_eq(r, ".sock");
	status_room_name("/tmp/dir/", r, sizeof(r));
	ck_assert_str_eq(r, "lchat");
	status_room_name(NULL, r, sizeof(r));
	ck_assert_str_eq(r, "lchat");
	status_room_name("/tmp/a\033]0;x\a.sock", r, sizeof(r));
	ck_assert_str_eq(r, "a^[]0;x^G");
	/* Cut to the buffer, never inside a character. */
	status_room_name("/tmp/\xe6\x97\xa5\xe6\x9c\xac.sock", r, 5);
	ck_assert_str_eq(r, "\xe6\x97\xa5");
}
END_TEST

START_TEST(test_next_change)
{
	struct status_info in = joined();

	/* The clock: at the next minute. */
	ck_assert_int_eq(status_next_change(&in), 30000);
	in.now_ms = AT_0544_30 + 29999;
	ck_assert_int_eq(status_next_change(&in), 1);
	in.now_ms = AT_0544_30 + 30000;
	ck_assert_int_eq(status_next_change(&in), 60000);
	in.now_ms = AT_0544_30;
	/* The countdown to the next try: when its whole seconds change. */
	in.link = STATUS_OFFLINE;
	in.retry_ms = 3500;
	ck_assert_int_eq(status_next_change(&in), 500);
	in.retry_ms = 3000;
	ck_assert_int_eq(status_next_change(&in), 1000);
	in.retry_ms = 1;
	ck_assert_int_eq(status_next_change(&in), 1);
	in.retry_ms = -1;
	ck_assert_int_eq(status_next_change(&in), 30000);
	/* An unanswered PING: each second it waits. */
	in.link = STATUS_JOINED;
	in.ping_wait_ms = 2300;
	ck_assert_int_eq(status_next_change(&in), 700);
	in.ping_wait_ms = 0;
	ck_assert_int_eq(status_next_change(&in), 1000);
}
END_TEST

static Suite *status_suite(void)
{
	Suite *s = suite_create("client_status");
	TCase *tc = tcase_create("status");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_joined);
	tcase_add_test(tc, test_connection_states);
	tcase_add_test(tc, test_lag);
	tcase_add_test(tc, test_waiting);
	tcase_add_test(tc, test_narrow);
	tcase_add_test(tc, test_sanitized_and_wide);
	tcase_add_test(tc, test_room_name);
	tcase_add_test(tc, test_next_change);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(status_suite());
}
