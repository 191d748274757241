/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* check_client_display.c - unit tests for client/display.c: the bell
 * policy and /set bell, day lines (times and time zones chosen by the
 * test), joins and leaves of a replayed history folded into summary
 * lines, and the unread marker. The display hooks are driven with a
 * session that has no connection: lines are parsed and handed to them as
 * session.c would, and what is printed is captured. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_main.h"
#include "commands.h"
#include "display.h"
#include "render.h"
#include "session.h"

/* 2026-12-02 23:58 UTC, 2026-12-03 00:01 UTC, 2026-12-03 12:00 UTC. */
#define DEC02_2358 1796255880000LL
#define DEC03_0001 1796256060000LL
#define DEC03_1200 1796299200000LL

static void tz(const char *zone)
{
	setenv("TZ", zone, 1);
	tzset();
}

/* ---- bells ---- */

START_TEST(test_bell_modes)
{
	enum bell_mode m = BELL_NONE;

	ck_assert(bell_mode_parse(S("all"), &m) && m == BELL_ALL);
	ck_assert(bell_mode_parse(S("Mentions"), &m) && m == BELL_MENTIONS);
	ck_assert(bell_mode_parse(S("none"), &m) && m == BELL_NONE);
	ck_assert(!bell_mode_parse(S("some"), &m));
	ck_assert(!bell_mode_parse(S("al"), &m));
	ck_assert(!bell_mode_parse(S(""), &m));
	ck_assert_str_eq(bell_mode_name(BELL_MENTIONS), "mentions");

	/* mentions (the default): what is addressed to you. */
	ck_assert(bell_rings(BELL_MENTIONS, EV_MSG, RENDER_MENTION));
	ck_assert(bell_rings(BELL_MENTIONS, EV_PRIV, 0));
	ck_assert(bell_rings(BELL_MENTIONS, EV_NOTICE, 0));
	ck_assert(!bell_rings(BELL_MENTIONS, EV_MSG, 0));
	ck_assert(!bell_rings(BELL_MENTIONS, EV_ACTION, 0));
	ck_assert(!bell_rings(BELL_MENTIONS, EV_JOIN, 0));
	/* all: every message too, never joins and leaves. */
	ck_assert(bell_rings(BELL_ALL, EV_MSG, 0));
	ck_assert(bell_rings(BELL_ALL, EV_ACTION, 0));
	ck_assert(bell_rings(BELL_ALL, EV_PRIV, 0));
	ck_assert(!bell_rings(BELL_ALL, EV_JOIN, 0));
	ck_assert(!bell_rings(BELL_ALL, EV_LEAVE, 0));
	/* none: nothing. */
	ck_assert(!bell_rings(BELL_NONE, EV_PRIV, RENDER_MENTION));
	ck_assert(!bell_rings(BELL_NONE, EV_NOTICE, 0));
}
END_TEST

START_TEST(test_set_parse)
{
	struct input in;

	ck_assert_int_eq(input_parse(S("/set bell none"), &in), IN_SET);
	ck_assert_int_eq((int)in.arg_len, 4);
	ck_assert(strncmp(in.arg, "bell", 4) == 0);
	ck_assert_int_eq((int)in.text_len, 4);
	ck_assert(strncmp(in.text, "none", 4) == 0);
	ck_assert_int_eq(input_parse(S("/set"), &in), IN_SET);
	ck_assert_int_eq((int)in.arg_len, 0);
	ck_assert_ptr_null(in.text);
	ck_assert_int_eq(input_parse(S("/SET  bell  "), &in), IN_SET);
	ck_assert_int_eq((int)in.arg_len, 4);
	ck_assert_ptr_null(in.text);
	ck_assert_int_eq(input_parse(S("//set bell none"), &in), IN_SAY);
}
END_TEST

/* ---- days ---- */

START_TEST(test_local_day_and_format)
{
	char day[64];

	tz("UTC0");
	ck_assert_int_eq(local_day(DEC02_2358), 20261202);
	ck_assert_int_eq(local_day(DEC03_0001), 20261203);
	format_day(DEC03_0001, day, sizeof(day));
	ck_assert_str_eq(day, "Thursday 3 December 2026");
	/* Local days: five hours west, both are still on the 2nd... */
	tz("EST5");
	ck_assert_int_eq(local_day(DEC02_2358), 20261202);
	ck_assert_int_eq(local_day(DEC03_0001), 20261202);
	format_day(DEC03_0001, day, sizeof(day));
	ck_assert_str_eq(day, "Wednesday 2 December 2026");
	/* ...and a quarter of an hour east of UTC, both on the 3rd. */
	tz("XYZ-0:15");
	ck_assert_int_eq(local_day(DEC02_2358), 20261203);
	tz("UTC0");
}
END_TEST

START_TEST(test_day_line_due)
{
	tz("UTC0");
	/* The first line: a day line only when it is not of today. */
	ck_assert(!day_line_due(0, DEC03_0001, DEC03_1200));
	ck_assert(day_line_due(0, DEC02_2358, DEC03_1200));
	/* Later lines: when the day differs from the line before. */
	ck_assert(day_line_due(20261202, DEC03_0001, DEC03_1200));
	ck_assert(!day_line_due(20261203, DEC03_1200, DEC03_1200));
	ck_assert(day_line_due(20261203, DEC02_2358, DEC03_1200));
	/* The same times in another zone: no change of day there. */
	tz("EST5");
	ck_assert(!day_line_due(20261202, DEC03_0001, DEC03_1200));
	tz("UTC0");
}
END_TEST

/* ---- runs of joins and leaves ---- */

START_TEST(test_run_summary)
{
	struct jl_run r = { 0 };
	char text[256];

	ck_assert_int_eq(jl_run_add(&r, EV_JOIN, S("alice"), 1000), 0);
	ck_assert_int_eq(jl_run_add(&r, EV_LEAVE, S("alice"), 2000), 0);
	ck_assert_int_eq(jl_run_len(&r), 2);
	jl_run_summary(&r, text, sizeof(text));
	ck_assert_str_eq(text, "1 join and 1 leave (alice)");
	ck_assert_int_eq(jl_run_add(&r, EV_JOIN, S("bob"), 3000), 0);
	ck_assert_int_eq(jl_run_add(&r, EV_JOIN, S("ALICE"), 3000), 0);
	jl_run_summary(&r, text, sizeof(text));
	ck_assert_str_eq(text, "3 joins and 1 leave (alice, bob)");
	ck_assert_int_eq(jl_run_add(&r, EV_JOIN, S("carol"), 4000), 0);
	ck_assert_int_eq(jl_run_add(&r, EV_JOIN, S("dave"), 4000), 0);
	ck_assert_int_eq(jl_run_add(&r, EV_LEAVE, S("erin"), 4000), 0);
	jl_run_summary(&r, text, sizeof(text));
	ck_assert_str_eq(text, "5 joins and 2 leaves (alice, bob, carol, +2 more)");
	ck_assert(r.first_ms == 1000);
	/* Cut to fit, never overflowing. */
	jl_run_summary(&r, text, 10);
	ck_assert_str_eq(text, "5 joins a");
	jl_run_clear(&r);
	ck_assert_int_eq(jl_run_len(&r), 0);
	ck_assert_int_eq(jl_run_add(&r, EV_LEAVE, S("x\033[2Jy"), 5000), 0);
	ck_assert_int_eq(jl_run_add(&r, EV_LEAVE, S("zed"), 5000), 0);
	jl_run_summary(&r, text, sizeof(text));
	ck_assert_str_eq(text, "2 leaves (x^[[2Jy, zed)");
	jl_run_free(&r);
}
END_TEST

/* ---- the hooks, with a session without a connection ---- */

static char *printed[256];
static bool rings[256];
static int nprinted;
static int64_t fake_now = DEC03_1200;

static void cap_print(void *ctx, const char *line, bool bell)
{
	(void)ctx;
	ck_assert_int_lt(nprinted, (int)LEN(printed));
	rings[nprinted] = bell;
	printed[nprinted++] = strdup(line);
}

static int64_t clock_now(void)
{
	return fake_now;
}

static struct session S;

static void setup(void)
{
	memset(&S, 0, sizeof(S));
	tz("UTC0");
	fake_now = DEC03_1200;
	S.ui.print = cap_print;
	snprintf(S.name, sizeof(S.name), "alice");
	S.ropts.self = S.name;
	S.fd = -1;
	display_init(&S.disp);
	S.disp.on = true;
	S.disp.now = clock_now;
}

static void teardown(void)
{
	display_free(&S.disp);
	for (int i = 0; i < nprinted; i++)
		free(printed[i]);
	nprinted = 0;
}

/* An event as session.c hands it over. */
static void ev(const char *line, bool history)
{
	struct server_line sl;

	ck_assert(proto_parse_server_line(line, strlen(line), &sl));
	display_event(&S, &sl, history);
}

static void dump(void)
{
	for (int i = 0; i < nprinted; i++)
		fprintf(stderr, "%d: %s%s\n", i, printed[i], rings[i] ? " (bell)" : "");
}

#define LINE(i, want) do { \
		if ((i) >= nprinted || strcmp(printed[i], want) != 0) \
			dump(); \
		ck_assert_int_lt((i), nprinted); \
		ck_assert_str_eq(printed[i], want); \
	} while (0)

/* History spanning a midnight: a day line before the first (not of
 * today) and at the change; live lines go on without one. */
START_TEST(test_day_lines_in_history)
{
	ev("EV 3 1796255880000 MSG bob late night", true);
	ev("EV 4 1796256060000 MSG bob after midnight", true);
	ev("EV 5 1796299200000 MSG bob at noon", false);
	ck_assert_int_eq(nprinted, 5);
	LINE(0, "-- Wednesday 2 December 2026 --");
	LINE(1, "[23:58] <bob> late night");
	LINE(2, "-- Thursday 3 December 2026 --");
	LINE(3, "[00:01] <bob> after midnight");
	LINE(4, "[12:00] <bob> at noon");
}
END_TEST

/* The date changes while the client runs: the next line after midnight
 * gets a day line, whatever it is (a status line too). */
START_TEST(test_day_line_at_midnight)
{
	struct buffer b = { 0 };

	fake_now = DEC02_2358;
	ev("EV 3 1796255880000 MSG bob before", false);
	fake_now = DEC03_0001;
	ck_assert_int_eq(render_status(&b, DEC03_0001, "a status", &S.ropts), 0);
	display_line(&S, &b, DEC03_0001, false);
	buffer_free(&b);
	ck_assert_int_eq(nprinted, 3);
	LINE(0, "[23:58] <bob> before");
	LINE(1, "-- Thursday 3 December 2026 --");
	LINE(2, "[00:01] -!- a status");
	/* In a zone where both are on the same day: no day line. */
	teardown();
	setup();
	tz("EST5");
	fake_now = DEC02_2358;
	ev("EV 3 1796255880000 MSG bob before", false);
	ev("EV 4 1796256060000 MSG bob after", false);
	ck_assert_int_eq(nprinted, 2);
	LINE(0, "[18:58] <bob> before");
	LINE(1, "[19:01] <bob> after");
}
END_TEST

/* Runs of joins and leaves in the history fold into one line each, where
 * they were; a run of one stays as it is; live ones are shown singly. */
START_TEST(test_history_runs_folded)
{
	fake_now = DEC02_2358;
	ev("EV 1 1796255880000 JOIN carol carol", true);
	ev("EV 2 1796255880000 MSG carol first", true);
	for (int i = 0; i < 10; i++) {
		char line[128];

		snprintf(line, sizeof(line), "EV %d 1796255880000 %s user%d login%d%s", 3 + i,
			 i % 2 ? "LEAVE" : "JOIN", i / 2, i / 2, i % 2 ? " quit" : "");
		ev(line, true);
	}
	ev("EV 13 1796255880000 MSG carol second", true);
	ev("EV 14 1796255880000 JOIN dave dave", true);
	ev("EV 15 1796255880000 LEAVE dave dave quit", true);
	ck_assert_int_eq(nprinted, 4);
	display_synced(&S, 15);
	ck_assert_int_eq(nprinted, 5);
	ev("EV 16 1796255880000 JOIN erin erin", false);
	ev("EV 17 1796255880000 LEAVE erin erin quit", false);
	LINE(0, "[23:58] --> carol (carol) joined");
	LINE(1, "[23:58] <carol> first");
	LINE(2, "[23:58] -!- 5 joins and 5 leaves (user0, user1, user2, +2 more)");
	LINE(3, "[23:58] <carol> second");
	LINE(4, "[23:58] -!- 1 join and 1 leave (dave)");
	LINE(6, "[23:58] --> erin (erin) joined");
	LINE(7, "[23:58] <-- erin left (quit)");
	ck_assert_int_eq(nprinted, 8);
}
END_TEST

/* Without the display's additions (the scripting mode, session tests):
 * every event as it is, no day lines, no marker. */
START_TEST(test_off_changes_nothing)
{
	S.disp.on = false;
	ev("EV 1 1796255880000 JOIN carol carol", true);
	ev("EV 2 1796255880000 JOIN dave dave", true);
	display_synced(&S, 2);
	ev("EV 3 1796256060000 MSG carol hi", false);
	ck_assert_int_eq(nprinted, 3);
	LINE(0, "[23:58] --> carol (carol) joined");
	LINE(1, "[23:58] --> dave (dave) joined");
	LINE(2, "[00:01] <carol> hi");
}
END_TEST

/* The marker comes between the history and the first event after it,
 * unless the user typed in between; once. */
START_TEST(test_unread_marker)
{
	ev("EV 1 1796299200000 MSG bob old", true);
	display_synced(&S, 1);
	ev("EV 3 1796299200000 MSG bob new one", false);
	ev("EV 4 1796299200000 MSG bob new two", false);
	ck_assert_int_eq(nprinted, 4);
	LINE(0, "[12:00] <bob> old");
	LINE(1, "-- unread --");
	LINE(2, "[12:00] <bob> new one");
	LINE(3, "[12:00] <bob> new two");
	/* Typing in between: no marker. */
	teardown();
	setup();
	ev("EV 1 1796299200000 MSG bob old", true);
	display_synced(&S, 1);
	display_seen(&S.disp);
	ev("EV 3 1796299200000 MSG bob new", false);
	ck_assert_int_eq(nprinted, 2);
	/* No history: no marker. */
	teardown();
	setup();
	display_synced(&S, 0);
	ev("EV 3 1796299200000 MSG bob new", false);
	ck_assert_int_eq(nprinted, 1);
}
END_TEST

/* Bells: never for the history, for live events as the mode says;
 * /set bell changes it. */
START_TEST(test_bells_and_set)
{
	struct input in;

	ev("EV 1 1796299200000 MSG bob alice: old mention", true);
	ev("EV 2 1796299200000 NOTICE old notice", true);
	display_synced(&S, 2);
	display_seen(&S.disp);
	ev("EV 3 1796299200000 PRIV bob psst", false);
	ev("EV 4 1796299200000 MSG bob plain", false);
	ev("EV 5 1796299200000 NOTICE reboot", false);
	ev("EV 6 1796299200000 MSG bob hey alice", false);
	ck_assert_int_eq(nprinted, 6);
	ck_assert(!rings[0] && !rings[1]);
	ck_assert(rings[2] && !rings[3] && rings[4] && rings[5]);

	input_parse(S("/set bell all"), &in);
	display_set(&S, &in);
	LINE(6, "[12:00] -!- bell all");
	ev("EV 7 1796299200000 MSG bob plain", false);
	ck_assert(rings[7]);
	input_parse(S("/set bell none"), &in);
	display_set(&S, &in);
	ev("EV 9 1796299200000 PRIV bob psst", false);
	ck_assert(!rings[9]);
	input_parse(S("/set bell loud"), &in);
	display_set(&S, &in);
	ck_assert_str_eq(printed[10] + 8, "-!- usage: /set bell all|mentions|none");
	ck_assert_int_eq(S.disp.bell, BELL_NONE);
	input_parse(S("/set colour on"), &in);
	display_set(&S, &in);
	ck_assert_str_eq(printed[11] + 8, "-!- unknown setting colour (there is: bell)");
	input_parse(S("/set"), &in);
	display_set(&S, &in);
	ck_assert_str_eq(printed[12] + 8, "-!- bell none");
}
END_TEST

static Suite *display_suite(void)
{
	Suite *s = suite_create("client_display");
	TCase *tc = tcase_create("pure");
	TCase *th = tcase_create("hooks");

	tcase_add_test(tc, test_bell_modes);
	tcase_add_test(tc, test_set_parse);
	tcase_add_test(tc, test_local_day_and_format);
	tcase_add_test(tc, test_day_line_due);
	tcase_add_test(tc, test_run_summary);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(th, setup, teardown);
	tcase_add_test(th, test_day_lines_in_history);
	tcase_add_test(th, test_day_line_at_midnight);
	tcase_add_test(th, test_history_runs_folded);
	tcase_add_test(th, test_off_changes_nothing);
	tcase_add_test(th, test_unread_marker);
	tcase_add_test(th, test_bells_and_set);
	suite_add_tcase(s, th);
	return s;
}

int main(void)
{
	return check_run(display_suite());
}
