/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* check_client_render.c - unit tests for the client's pure functions:
 * name colours, mention detection, time and idle formatting, the lines of
 * the interactive and the scripting mode (sanitized, coloured or not), and
 * the parsing of what the user types (client/render.c, client/commands.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_main.h"
#include "commands.h"
#include "render.h"

/* ---- colours ---- */

START_TEST(test_colour_stable_and_case_blind)
{
	ck_assert_uint_eq(name_colour_index(S("alice")), name_colour_index(S("ALICE")));
	ck_assert_uint_eq(name_colour_index(S("alice")), name_colour_index(S("Alice")));
	ck_assert_uint_lt(name_colour_index(S("bob")), NAME_PALETTE_SIZE);
	/* FNV-1a of "alice": fixed, so colours do not change between runs. */
	ck_assert_uint_eq(name_colour_index(S("alice")), name_colour_index(S("alice")));
}
END_TEST

START_TEST(test_colour_spread)
{
	/* Names spread over the palette: 200 names use most of its colours. */
	int used[NAME_PALETTE_SIZE] = { 0 }, n = 0;
	char name[16];

	for (int i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "user%d", i);
		used[name_colour_index(name, strlen(name))]++;
	}
	for (int i = 0; i < NAME_PALETTE_SIZE; i++)
		n += used[i] > 0;
	ck_assert_int_ge(n, NAME_PALETTE_SIZE - 1);
	for (unsigned i = 0; i < NAME_PALETTE_SIZE; i++) {
		const char *sgr = name_colour_sgr(i);

		/* Never black, white or grey: readable on any background. */
		ck_assert_str_ne(sgr, "30");
		ck_assert_str_ne(sgr, "37");
		ck_assert_str_ne(sgr, "90");
		ck_assert_str_ne(sgr, "97");
	}
}
END_TEST

/* ---- mentions ---- */

static const struct {
	const char *text, *name;
	bool yes;
} mention_cases[] = {
	{ "alice: hi", "alice", true },
	{ "hi Alice", "alice", true },
	{ "hi ALICE!", "alice", true },
	{ "hi alice.", "alice", true },
	{ "(alice)", "alice", true },
	{ "@alice look", "alice", true },
	{ "malice aforethought", "alice", false },
	{ "alices", "alice", false },
	{ "alice_2 is not alice?", "alice", true },
	{ "alice_2 only", "alice", false },
	{ "alice-bob", "alice", false },
	{ "alice.bob", "alice", false },
	{ "j.doe: hello", "j.doe", true },
	{ "xj.doe", "j.doe", false },
	{ "", "alice", false },
	{ "ali", "alice", false },
	{ "anything", "", false },
};

START_TEST(test_mentions)
{
	const char *t = mention_cases[_i].text;

	ck_assert_msg(text_mentions(t, strlen(t), mention_cases[_i].name) == mention_cases[_i].yes,
		      "'%s' mentions '%s': expected %d", t, mention_cases[_i].name,
		      mention_cases[_i].yes);
}
END_TEST

START_TEST(test_mention_null_name)
{
	ck_assert(!text_mentions(S("alice"), NULL));
}
END_TEST

/* ---- times ---- */

START_TEST(test_format_iso)
{
	char out[40];

	format_iso(1795290000123, out, sizeof(out));
	ck_assert_str_eq(out, "2026-11-21T19:40:00Z");
	format_iso(0, out, sizeof(out));
	ck_assert_str_eq(out, "1970-01-01T00:00:00Z");
}
END_TEST

START_TEST(test_format_clock)
{
	char out[32];

	setenv("TZ", "UTC", 1);
	tzset();
	format_clock(1795290000123, out, sizeof(out));
	ck_assert_str_eq(out, "[19:40] ");
	setenv("TZ", "IST-5:30", 1);	/* POSIX form: +05:30, no tzdata needed */
	tzset();
	format_clock(1795290000123, out, sizeof(out));
	ck_assert_str_eq(out, "[01:10] ");
}
END_TEST

START_TEST(test_format_idle)
{
	char out[32];

	format_idle(0, out, sizeof(out));
	ck_assert_str_eq(out, "0s");
	format_idle(59, out, sizeof(out));
	ck_assert_str_eq(out, "59s");
	format_idle(60, out, sizeof(out));
	ck_assert_str_eq(out, "1m");
	format_idle(3599, out, sizeof(out));
	ck_assert_str_eq(out, "59m");
	format_idle(3600 + 5 * 60, out, sizeof(out));
	ck_assert_str_eq(out, "1h05m");
	format_idle(3 * 86400 + 2 * 3600 + 59, out, sizeof(out));
	ck_assert_str_eq(out, "3d2h");
}
END_TEST

/* ---- event lines ---- */

/* Render a server line; the result is a new string. */
static char *render(const char *line, bool colour, bool history, const char *self, int *flags)
{
	struct server_line sl;
	struct buffer b = { 0 };
	struct render_opts o = { .colour = colour, .history = history, .self = self };
	int f;
	char *r;

	ck_assert_msg(proto_parse_server_line(line, strlen(line), &sl), "parse %s", line);
	ck_assert_int_eq(render_event(&b, &sl, &o, flags ? flags : &f), 0);
	r = strndup(b.data, b.len);
	buffer_free(&b);
	return r;
}

#define TIME "1795290000123"

static void expect_plain(const char *line, const char *want)
{
	char *got;

	setenv("TZ", "UTC", 1);
	tzset();
	got = render(line, false, false, "alice", NULL);
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(test_render_plain)
{
	expect_plain("EV 1 " TIME " MSG bob hello there", "[19:40] <bob> hello there");
	expect_plain("EV 1 " TIME " ACTION bob waves", "[19:40]  * bob waves");
	expect_plain("EV 1 " TIME " PRIV bob psst", "[19:40] *bob* (private) psst");
	expect_plain("EV 1 " TIME " JOIN bob bobby", "[19:40] --> bob (bobby) joined");
	expect_plain("EV 1 " TIME " LEAVE bob bobby quit", "[19:40] <-- bob left (quit)");
	expect_plain("EV 1 " TIME " LEAVE bob bobby quit off to lunch",
		     "[19:40] <-- bob left (quit: off to lunch)");
	expect_plain("EV 1 " TIME " LEAVE bob bobby kicked flooding",
		     "[19:40] <-- bob left (kicked: flooding)");
	expect_plain("EV 1 " TIME " NOTICE reboot at 18:00", "[19:40] -!- NOTICE -!- reboot at 18:00");
}
END_TEST

START_TEST(test_render_sanitizes)
{
	expect_plain("EV 1 " TIME " MSG b\033[2Jb \033]52;c;eA==\007 \xe2\x80\xae x \xc2\x9b y \x9b",
		     "[19:40] <b^[[2Jb> ^[]52;c;eA==^G <U+202E> x <U+009B> y \xef\xbf\xbd");
	expect_plain("EV 1 " TIME " NOTICE \033[1;7m-!- fake", "[19:40] -!- NOTICE -!- ^[[1;7m-!- fake");
}
END_TEST

START_TEST(test_render_colour)
{
	char *got, want[128];
	int flags;

	setenv("TZ", "UTC", 1);
	tzset();
	got = render("EV 1 " TIME " MSG bob hi", true, false, "alice", &flags);
	snprintf(want, sizeof(want), "[19:40] <\033[%sm" "bob\033[0m> hi",
		 name_colour_sgr(name_colour_index(S("bob"))));
	ck_assert_str_eq(got, want);
	ck_assert_int_eq(flags, 0);
	free(got);

	/* A mention: highlighted, and the bell flag. */
	got = render("EV 1 " TIME " MSG bob hi Alice!", true, false, "alice", &flags);
	ck_assert_ptr_nonnull(strstr(got, "\033[30;43mhi Alice!\033[0m"));
	ck_assert_int_eq(flags, RENDER_MENTION);
	free(got);
	/* Without colour: no escapes at all, the bell flag still. */
	got = render("EV 1 " TIME " MSG bob hi Alice!", false, false, "alice", &flags);
	ck_assert_ptr_null(strchr(got, '\033'));
	ck_assert_int_eq(flags, RENDER_MENTION);
	free(got);

	/* The notice banner is bold reverse video. */
	got = render("EV 1 " TIME " NOTICE reboot", true, false, "alice", &flags);
	ck_assert_str_eq(got, "[19:40] \033[1;7m-!- NOTICE\033[0m \033[1mreboot\033[0m");
	free(got);

	/* History is dimmed as a whole, names uncoloured, no bell. */
	got = render("EV 1 " TIME " MSG bob hi alice", true, true, "alice", &flags);
	ck_assert_str_eq(got, "\033[2m[19:40] <bob> hi alice\033[0m");
	ck_assert_int_eq(flags, 0);
	free(got);
}
END_TEST

START_TEST(test_render_own_and_status)
{
	struct buffer b = { 0 };
	struct render_opts o = { .colour = false };

	setenv("TZ", "UTC", 1);
	tzset();
	ck_assert_int_eq(render_own(&b, 1795290000123, EV_MSG, "alice", NULL, "hi", &o), 0);
	ck_assert_int_eq(render_own(&b, 1795290000123, EV_ACTION, "alice", NULL, "waves", &o), 0);
	ck_assert_int_eq(render_own(&b, 1795290000123, EV_PRIV, "alice", "bob", "psst", &o), 0);
	ck_assert_int_eq(render_status(&b, 1795290000123, "lost \033[2J", &o), 0);
	ck_assert_int_eq(render_separator(&b, "end of history", &o), 0);
	ck_assert_int_eq(buffer_append(&b, "", 1), 0);
	ck_assert_str_eq(b.data, "[19:40] <alice> hi[19:40]  * alice waves[19:40] -> bob: psst"
			 "[19:40] -!- lost ^[[2J-- end of history --");
	buffer_free(&b);
}
END_TEST

static char *script_line(const char *line)
{
	struct server_line sl;
	struct buffer b = { 0 };
	char *r;

	ck_assert(proto_parse_server_line(line, strlen(line), &sl));
	ck_assert_int_eq(render_script_event(&b, &sl), 0);
	r = strndup(b.data, b.len);
	buffer_free(&b);
	return r;
}

START_TEST(test_render_script)
{
	static const char *const cases[][2] = {
		{ "EV 7 " TIME " MSG bob hello", "2026-11-21T19:40:00Z MSG bob hello" },
		{ "EV 7 " TIME " ACTION bob waves", "2026-11-21T19:40:00Z ACTION bob waves" },
		{ "EV 7 " TIME " PRIV bob psst", "2026-11-21T19:40:00Z PRIV bob psst" },
		{ "EV 7 " TIME " JOIN bob bobby", "2026-11-21T19:40:00Z JOIN bob bobby" },
		{ "EV 7 " TIME " LEAVE bob bobby quit bye now",
		  "2026-11-21T19:40:00Z LEAVE bob bobby quit bye now" },
		{ "EV 7 " TIME " LEAVE bob bobby closed", "2026-11-21T19:40:00Z LEAVE bob bobby closed" },
		{ "EV 7 " TIME " NOTICE reboot", "2026-11-21T19:40:00Z NOTICE reboot" },
		{ "EV 7 " TIME " MSG b\033b \033[2J\x9b", "2026-11-21T19:40:00Z MSG b^[b ^[[2J\xef\xbf\xbd" },
	};
	struct buffer b = { 0 };

	for (size_t i = 0; i < LEN(cases); i++) {
		char *got = script_line(cases[i][0]);

		ck_assert_str_eq(got, cases[i][1]);
		free(got);
	}
	ck_assert_int_eq(render_script_own(&b, 1795290000123, EV_PRIV, "alice", "bob", "x\033"), 0);
	ck_assert_int_eq(buffer_append(&b, "", 1), 0);
	ck_assert_str_eq(b.data, "2026-11-21T19:40:00Z PRIV-SENT bob x^[");
	buffer_free(&b);
}
END_TEST

/* ---- commands ---- */

static enum input_kind parse(const char *line, struct input *in)
{
	return input_parse(line, strlen(line), in);
}

static void expect_text(const struct input *in, const char *want)
{
	ck_assert_ptr_nonnull(in->text);
	ck_assert_uint_eq(in->text_len, strlen(want));
	ck_assert(memcmp(in->text, want, in->text_len) == 0);
}

START_TEST(test_parse_say)
{
	struct input in;

	ck_assert_int_eq(parse("hello world", &in), IN_SAY);
	expect_text(&in, "hello world");
	ck_assert_int_eq(parse("//etc/passwd is a file", &in), IN_SAY);
	expect_text(&in, "/etc/passwd is a file");
	ck_assert_int_eq(parse("  leading spaces", &in), IN_SAY);
	expect_text(&in, "  leading spaces");
	ck_assert_int_eq(parse("", &in), IN_EMPTY);
	ck_assert_int_eq(parse("    ", &in), IN_EMPTY);
}
END_TEST

START_TEST(test_parse_commands)
{
	struct input in;

	ck_assert_int_eq(parse("/me waves hello", &in), IN_ME);
	expect_text(&in, "waves hello");
	ck_assert_int_eq(parse("/ME waves", &in), IN_ME);
	ck_assert_int_eq(parse("/me", &in), IN_USAGE);
	ck_assert_int_eq(parse("/me   ", &in), IN_USAGE);
	ck_assert_str_eq(in.usage, "/me ACTION");

	ck_assert_int_eq(parse("/msg bob  see you later", &in), IN_MSG);
	ck_assert_uint_eq(in.arg_len, 3);
	ck_assert(memcmp(in.arg, "bob", 3) == 0);
	expect_text(&in, "see you later");
	ck_assert_int_eq(parse("/msg bob", &in), IN_USAGE);
	ck_assert_int_eq(parse("/msg", &in), IN_USAGE);
	ck_assert_str_eq(in.usage, "/msg NAME TEXT");

	ck_assert_int_eq(parse("/who", &in), IN_WHO);
	ck_assert_int_eq(parse("/names", &in), IN_WHO);
	ck_assert_int_eq(parse("/help", &in), IN_HELP);
	ck_assert_int_eq(parse("/quit", &in), IN_QUIT);
	ck_assert_ptr_null(in.text);
	ck_assert_int_eq(parse("/quit off to lunch", &in), IN_QUIT);
	expect_text(&in, "off to lunch");
	ck_assert_int_eq(parse("/exit", &in), IN_QUIT);
}
END_TEST

START_TEST(test_parse_unknown)
{
	struct input in;

	ck_assert_int_eq(parse("/frobnicate now", &in), IN_UNKNOWN);
	ck_assert_uint_eq(in.arg_len, 10);
	ck_assert(memcmp(in.arg, "frobnicate", 10) == 0);
	ck_assert_int_eq(parse("/", &in), IN_UNKNOWN);
	ck_assert_uint_eq(in.arg_len, 0);
	ck_assert_int_eq(parse("/whom", &in), IN_UNKNOWN);
	ck_assert_int_eq(parse("/mee too", &in), IN_UNKNOWN);
	ck_assert_ptr_nonnull(input_help[0]);
}
END_TEST

/* A message that waited: marked, with its own time and sender, a mention
 * like a room line; sanitized like the rest. */
START_TEST(test_render_waiting)
{
	char *got;

	expect_plain("WAITING " TIME " PRIV bob bobby see you at five",
		     "[19:40] [waiting] *bob* (private) see you at five");
	expect_plain("WAITING " TIME " MSG bob bobby lunch, @alice?",
		     "[19:40] [waiting] <bob> lunch, @alice?");
	expect_plain("WAITING " TIME " ACTION bob bobby waves \033[2J",
		     "[19:40] [waiting]  * bob waves ^[[2J");
	got = script_line("WAITING " TIME " PRIV bob bobby psst");
	ck_assert_str_eq(got, "2026-11-21T19:40:00Z WAITING-PRIV bob bobby psst");
	free(got);
}
END_TEST

static Suite *client_render_suite(void)
{
	Suite *s = suite_create("client_render");
	TCase *tc;

	tc = tcase_create("colour");
	tcase_add_test(tc, test_colour_stable_and_case_blind);
	tcase_add_test(tc, test_colour_spread);
	suite_add_tcase(s, tc);

	tc = tcase_create("mention");
	tcase_add_loop_test(tc, test_mentions, 0, LEN(mention_cases));
	tcase_add_test(tc, test_mention_null_name);
	suite_add_tcase(s, tc);

	tc = tcase_create("time");
	tcase_add_test(tc, test_format_iso);
	tcase_add_test(tc, test_format_clock);
	tcase_add_test(tc, test_format_idle);
	suite_add_tcase(s, tc);

	tc = tcase_create("lines");
	tcase_add_test(tc, test_render_plain);
	tcase_add_test(tc, test_render_sanitizes);
	tcase_add_test(tc, test_render_colour);
	tcase_add_test(tc, test_render_own_and_status);
	tcase_add_test(tc, test_render_script);
	tcase_add_test(tc, test_render_waiting);
	suite_add_tcase(s, tc);

	tc = tcase_create("commands");
	tcase_add_test(tc, test_parse_say);
	tcase_add_test(tc, test_parse_commands);
	tcase_add_test(tc, test_parse_unknown);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(client_render_suite());
}
