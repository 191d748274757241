/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* check_duration.c - durations: parsing what people type, and formatting. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "duration.h"

START_TEST(parses_units_and_sums)
{
	static const struct { const char *in; int64_t s; } ok[] = {
		{ "0", 0 }, { "forever", 0 }, { "permanent", 0 }, { "90", 90 },
		{ "90s", 90 }, { "10m", 600 }, { "2h", 7200 }, { "1d", 86400 },
		{ "1w", 604800 }, { "1h30m", 5400 }, { "1d2h3m4s", 93784 },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int64_t s = -1;
		ck_assert_msg(duration_parse(ok[i].in, &s), "%s refused", ok[i].in);
		ck_assert_int_eq(s, ok[i].s);
	}
}
END_TEST

START_TEST(refuses_junk_and_huge)
{
	static const char *bad[] = {
		"", "m", "10x", "-5", "1.5h", " 10", "10 ", "h10", "forever!",
		"99999999999999999999", "11000d", "99999999999w", "1h30", "30m1h", "1h1h",
		"+5", ".5", "1,5h", "5y",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t s = 7;
		ck_assert_msg(!duration_parse(bad[i], &s), "'%s' accepted", bad[i]);
		ck_assert_int_eq(s, 7);
	}
	ck_assert(!duration_parse(NULL, &(int64_t){0}));
}
END_TEST

START_TEST(one_status_per_kind_of_mistake)
{
	static const struct { const char *w, *next; enum duration_status st; } cases[] = {
		{ "spam", NULL, DURATION_NONE }, { "hours", NULL, DURATION_NONE },
		{ "Forever", NULL, DURATION_OK }, { "1.5h", NULL, DURATION_BAD },
		{ "-5", NULL, DURATION_BAD }, { "99999999999w", NULL, DURATION_TOO_LONG },
		{ "999999999999999999999999999999s", NULL, DURATION_TOO_LONG },
		{ "2", "hours", DURATION_SPLIT }, { "2", "H", DURATION_SPLIT },
		{ "2h", "min", DURATION_SPLIT }, { "2", "hourly", DURATION_OK },
		{ "10m", "spamming", DURATION_OK },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t s = -1;
		const char *n = cases[i].next;
		ck_assert_msg(duration_read(cases[i].w, strlen(cases[i].w), n, n ? strlen(n) : 0, &s) ==
			      cases[i].st, "%s %s", cases[i].w, n ? n : "");
	}
	char msg[128];
	duration_error(DURATION_SPLIT, "2", 1, "hours", 5, msg, sizeof(msg));
	ck_assert_str_eq(msg, "bad duration '2 hours' (a duration is one word: 2h, not 2 hours)");
	duration_error(DURATION_TOO_LONG, "99999999999w", 12, NULL, 0, msg, sizeof(msg));
	ck_assert_str_eq(msg, "bad duration '99999999999w' (more than ten years)");
	/* Exactly the maximum is fine, one more second is not. */
	int64_t s;
	char max[32];
	snprintf(max, sizeof(max), "%lld", DURATION_MAX_S);
	ck_assert(duration_parse(max, &s));
	ck_assert_int_eq(s, DURATION_MAX_S);
	snprintf(max, sizeof(max), "%lld", DURATION_MAX_S + 1);
	ck_assert(!duration_parse(max, &s));
}
END_TEST

START_TEST(formats_two_largest_units)
{
	static const struct { int64_t s; const char *out; } cases[] = {
		{ 0, "forever" }, { -3, "forever" }, { 45, "45s" }, { 600, "10m" },
		{ 605, "10m 5s" }, { 7200, "2h" }, { 7260, "2h 1m" }, { 7205, "2h" },
		{ 93784, "1d 2h" }, { 86400 * 30, "30d" },
	};
	char buf[32];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		duration_format(cases[i].s, buf, sizeof(buf));
		ck_assert_str_eq(buf, cases[i].out);
	}
	char tiny[4];
	duration_format(93784, tiny, sizeof(tiny));
	ck_assert_uint_lt(strlen(tiny), sizeof(tiny));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("duration");
	TCase *tc = tcase_create("duration");
	tcase_add_test(tc, parses_units_and_sums);
	tcase_add_test(tc, refuses_junk_and_huge);
	tcase_add_test(tc, one_status_per_kind_of_mistake);
	tcase_add_test(tc, formats_two_largest_units);
	suite_add_tcase(s, tc);
	return check_run(s);
}
