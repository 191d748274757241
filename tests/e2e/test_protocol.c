/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* test_protocol.c - end-to-end tests of the wire protocol's framing and
 * error handling (docs/protocol.md) against a real lchatd.
 *
 * Every test runs a room with two members: "sender", who sends the input
 * under test, and "observer", who must see exactly what the spec says and
 * nothing else. After a bad input the sender must get its specific ERR and
 * the connection must go on; survives() proves it, and proves that the bad
 * input put no event at all into the room: the observer is silent and the
 * sender's next message gets the very next sequence number. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* Generous rate limits, so that only the rate-limit test meets them. */
#define CONF "motd = \"\"\nrate_limit = 100\nrate_burst = 200\n"

struct room {
	struct lchatd *d;
	struct tclient *snd, *obs;
	uint64_t seq;           /* the last event in the room */
	unsigned checks;
};

#define room_open(r, config) room_open_at((r), (config), __func__)

static void room_open_at(struct room *r, const char *config, const char *test)
{
	memset(r, 0, sizeof(*r));
	r->d = lchatd_start_at(config, test);
	r->obs = tc_connect(r->d->sock);
	r->snd = tc_connect(r->d->sock);
	tc_join(r->obs, "observer");
	r->seq = tc_join(r->snd, "sender");
	tc_expectf(r->obs, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN sender %s$", r->seq,
		   re_quote(my_login()));
}

static void room_close(struct room *r)
{
	tc_close(r->snd);
	tc_close(r->obs);
	lchatd_stop_ok(r->d);
}

/* The observer receives `text` from the sender as the room's next event. */
static void observer_gets(struct room *r, uint64_t seq, const char *text)
{
	ck_assert_msg(seq == r->seq + 1, "the message got seq %" PRIu64 ", expected %" PRIu64,
		      seq, r->seq + 1);
	tc_expectf(r->obs, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ MSG sender %s$", seq,
		   re_quote(text));
	r->seq = seq;
}

/* The sender's connection still works, and nothing reached the room since
 * the last event we know of. */
static void survives(struct room *r)
{
	unsigned n = ++r->checks;
	char text[64];

	tc_send(r->snd, "PING alive-%u", n);
	tc_expectf(r->snd, TC_TIMEOUT, "PONG alive-%u$", n);
	tc_expect_silence(r->obs);
	snprintf(text, sizeof(text), "still here %u", n);
	tc_send(r->snd, "SAY %s", text);
	observer_gets(r, line_seq(tc_expect(r->snd, "OK SAY [0-9]+$", TC_TIMEOUT)), text);
}

static void expect_err(struct tclient *tc, const char *code)
{
	tc_expectf(tc, TC_TIMEOUT, "ERR %s( .*)?$", code);
}

/* ---- bad lines: each gets its own ERR, and nothing else happens ---------- */

struct bad_line {
	const char *what;
	const char *bytes;
	size_t len;
	const char *code;
};

#define BAD(what, literal, code) { what, literal, sizeof(literal) - 1, code }

static const struct bad_line bad_lines[] = {
	BAD("unknown verb", "FROB the widget\n", "unknown-command"),
	BAD("unknown verb, no argument", "HELP\n", "unknown-command"),
	BAD("second JOIN", "JOIN other\n", "already-joined"),
	BAD("second JOIN, same name", "JOIN sender\n", "already-joined"),
	BAD("second JOIN, no name", "JOIN\n", "already-joined"),
	BAD("PRIV without text", "PRIV observer\n", "bad-argument"),
	BAD("PRIV without anything", "PRIV\n", "bad-argument"),
	/* invalid UTF-8 */
	BAD("overlong '/' C0 AF", "SAY a\xC0\xAF" "b\n", "bad-utf8"),
	BAD("overlong NUL C0 80", "SAY a\xC0\x80" "b\n", "bad-utf8"),
	BAD("overlong 3-byte E0 80 AF", "SAY a\xE0\x80\xAF" "b\n", "bad-utf8"),
	BAD("overlong 4-byte F0 80 80 AF", "SAY a\xF0\x80\x80\xAF" "b\n", "bad-utf8"),
	BAD("lone continuation byte", "SAY a\x80" "b\n", "bad-utf8"),
	BAD("truncated sequence at the end", "SAY ab\xE2\x82\n", "bad-utf8"),
	BAD("truncated sequence mid-line", "SAY a\xE2\x82 b\n", "bad-utf8"),
	BAD("surrogate U+D800", "SAY a\xED\xA0\x80" "b\n", "bad-utf8"),
	BAD("surrogate U+DFFF", "SAY a\xED\xBF\xBF" "b\n", "bad-utf8"),
	BAD("above U+10FFFF", "SAY a\xF4\x90\x80\x80" "b\n", "bad-utf8"),
	BAD("byte FF", "SAY a\xFF" "b\n", "bad-utf8"),
	BAD("bad UTF-8 in the verb", "S\xC0\xAF" "Y hi\n", "bad-utf8"),
	/* forbidden characters */
	BAD("ESC sequence", "SAY \x1b[31mred\x1b[0m\n", "bad-char"),
	BAD("OSC title sequence in ME", "ME \x1b]0;pwned\x07\n", "bad-char"),
	BAD("C1 CSI U+009B", "SAY \xC2\x9B" "31mred\n", "bad-char"),
	BAD("C1 NEL U+0085", "SAY a\xC2\x85" "b\n", "bad-char"),
	BAD("bidi override U+202E", "SAY abc\xE2\x80\xAE" "def\n", "bad-char"),
	BAD("bidi isolate U+2066", "SAY abc\xE2\x81\xA6" "def\n", "bad-char"),
	BAD("bidi mark U+200F", "SAY abc\xE2\x80\x8F" "def\n", "bad-char"),
	BAD("line separator U+2028", "SAY abc\xE2\x80\xA8" "def\n", "bad-char"),
	BAD("bidi override in PRIV", "PRIV observer \xE2\x80\xAE" "txt\n", "bad-char"),
	BAD("NUL byte", "SAY a\0b\n", "bad-char"),
	BAD("TAB", "SAY a\tb\n", "bad-char"),
	BAD("BEL", "SAY ding\a\n", "bad-char"),
	BAD("DEL", "SAY a\x7F" "b\n", "bad-char"),
	BAD("CR in mid-line", "SAY a\rb\n", "bad-char"),
	BAD("ESC in a QUIT reason", "QUIT \x1b[2J\n", "bad-char"),
	/* empty messages */
	BAD("SAY without text", "SAY\n", "empty"),
	BAD("SAY of nothing", "SAY \n", "empty"),
	BAD("SAY of spaces", "SAY     \n", "empty"),
	BAD("ME of nothing", "ME \n", "empty"),
	BAD("PRIV of spaces", "PRIV observer    \n", "empty"),
};

START_TEST(test_bad_line)
{
	const struct bad_line *b = &bad_lines[_i];
	struct room r;
	char label[128];

	room_open(&r, CONF);
	snprintf(label, sizeof(label), "sender [%s]", b->what);
	tc_set_label(r.snd, label);
	tc_send_raw(r.snd, b->bytes, b->len);
	expect_err(r.snd, b->code);
	survives(&r);
	room_close(&r);
}
END_TEST

/* ---- before joining ------------------------------------------------------ */

START_TEST(test_commands_before_join)
{
	struct room r;
	struct tclient *late;
	uint64_t j;

	room_open(&r, CONF);
	late = tc_connect(r.d->sock);
	tc_send(late, "SAY hi");
	expect_err(late, "not-joined");
	tc_send(late, "ME waves");
	expect_err(late, "not-joined");
	tc_send(late, "PRIV observer hi");
	expect_err(late, "not-joined");
	tc_send(late, "WHO");
	expect_err(late, "not-joined");
	tc_send(late, "PING before");
	tc_expect(late, "PONG before$", TC_TIMEOUT);
	/* A malformed LAST-SEQ. */
	tc_send(late, "JOIN late notanumber");
	expect_err(late, "bad-argument");
	tc_send(late, "JOIN late -1");
	expect_err(late, "bad-argument");
	tc_expect_silence(r.obs);

	j = tc_join(late, "late");
	ck_assert_uint_eq(j, r.seq + 1);
	tc_expectf(r.obs, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN late ", j);
	tc_expectf(r.snd, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN late ", j);
	r.seq = j;
	survives(&r);
	tc_close(late);
	room_close(&r);
}
END_TEST

/* ---- line length ------------------------------------------------------------ */

/* "SAY xxx...x\n" whose line is `len` bytes without its "\n". */
static char *say_line(size_t len)
{
	char *line = malloc(len + 2);

	ck_assert_ptr_nonnull(line);
	memcpy(line, "SAY ", 4);
	memset(line + 4, 'x', len - 4);
	line[len] = '\n';
	line[len + 1] = '\0';
	return line;
}

START_TEST(test_line_of_max_line_bytes_accepted)
{
	struct room r;
	size_t max;
	char *line;
	uint64_t s;

	room_open(&r, CONF);
	max = (size_t)tc_max_line(r.snd);
	line = say_line(max);
	tc_send_raw(r.snd, line, max + 1);
	s = line_seq(tc_expect(r.snd, "OK SAY [0-9]+$", TC_TIMEOUT));
	line[max] = '\0';
	observer_gets(&r, s, line + 4);
	free(line);
	survives(&r);
	room_close(&r);
}
END_TEST

START_TEST(test_line_of_max_line_plus_one_refused)
{
	struct room r;
	size_t max;
	char *line;

	room_open(&r, CONF);
	max = (size_t)tc_max_line(r.snd);
	line = say_line(max + 1);
	tc_send_raw(r.snd, line, max + 2);
	free(line);
	expect_err(r.snd, "line-too-long");
	survives(&r);
	room_close(&r);
}
END_TEST

START_TEST(test_ten_megabyte_line_refused_once)
{
	const size_t size = 10 * 1024 * 1024;
	struct room r;
	char *junk = malloc(size);

	ck_assert_ptr_nonnull(junk);
	memset(junk, 'x', size);
	memcpy(junk, "SAY ", 4);
	room_open(&r, CONF);
	tc_send_raw(r.snd, junk, size);
	free(junk);
	sleep_ms(100);                  /* the newline comes later */
	tc_send_raw(r.snd, "\n", 1);
	expect_err(r.snd, "line-too-long");
	tc_expect_silence(r.snd);       /* one ERR only */
	survives(&r);
	room_close(&r);
}
END_TEST

/* ---- text that is fine ------------------------------------------------------ */

START_TEST(test_unicode_text_passes_unchanged)
{
	const char *texts[] = {
		"h\xC3\xA9llo w\xC3\xB6rld \xE2\x9C\x93",                 /* héllo wörld ✓ */
		"\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x92\xBB at work",   /* ZWJ emoji */
		"\xE4\xBD\xA0\xE5\xA5\xBD, \xD0\xBF\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82",
		"  leading and trailing spaces  ",
	};
	struct room r;

	room_open(&r, CONF);
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		tc_send(r.snd, "SAY %s", texts[i]);
		observer_gets(&r, line_seq(tc_expect(r.snd, "OK SAY [0-9]+$", TC_TIMEOUT)),
			      texts[i]);
	}
	tc_expect_silence(r.obs);
	room_close(&r);
}
END_TEST

/* ---- framing ------------------------------------------------------------------- */

START_TEST(test_line_split_across_writes)
{
	const char *line = "SAY one byte at a time\n";
	struct room r;

	room_open(&r, CONF);
	for (const char *p = line; *p; p++) {
		tc_send_raw(r.snd, p, 1);
		sleep_ms(2);
	}
	observer_gets(&r, line_seq(tc_expect(r.snd, "OK SAY [0-9]+$", TC_TIMEOUT)),
		      "one byte at a time");
	tc_expect_silence(r.snd);
	survives(&r);
	room_close(&r);
}
END_TEST

START_TEST(test_hundred_lines_in_one_write)
{
	enum { N = 100 };
	char *burst = malloc(N * 32), *p = burst;
	struct room r;
	uint64_t first;

	ck_assert_ptr_nonnull(burst);
	for (int i = 0; i < N; i++)
		p += sprintf(p, "SAY burst %d\n", i);
	room_open(&r, CONF);
	first = r.seq + 1;
	tc_send_raw(r.snd, burst, (size_t)(p - burst));
	free(burst);
	for (int i = 0; i < N; i++)
		tc_expectf(r.snd, TC_TIMEOUT, "OK SAY %" PRIu64 "$", first + (uint64_t)i);
	for (int i = 0; i < N; i++)
		tc_expectf(r.obs, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ MSG sender burst %d$",
			   first + (uint64_t)i, i);
	r.seq = first + N - 1;
	tc_expect_silence(r.snd);
	survives(&r);
	room_close(&r);
}
END_TEST

START_TEST(test_crlf_line_endings)
{
	struct room r;

	room_open(&r, CONF);
	tc_send_raw(r.snd, "PING crlf\r\n", 11);
	tc_expect(r.snd, "PONG crlf$", TC_TIMEOUT);
	tc_send_raw(r.snd, "SAY carriage return\r\n", 21);
	observer_gets(&r, line_seq(tc_expect(r.snd, "OK SAY [0-9]+$", TC_TIMEOUT)),
		      "carriage return");
	tc_send_raw(r.snd, "WHO\r\n", 5);
	tc_expect_skip(r.snd, "OK WHO 2$", TC_TIMEOUT);
	survives(&r);
	room_close(&r);
}
END_TEST

START_TEST(test_verbs_case_insensitive)
{
	struct room r;
	uint64_t s;

	room_open(&r, CONF);
	tc_send(r.snd, "say lower case");
	observer_gets(&r, line_seq(tc_expect(r.snd, "OK SAY [0-9]+$", TC_TIMEOUT)),
		      "lower case");
	tc_send(r.snd, "sAy mixed case");
	observer_gets(&r, line_seq(tc_expect(r.snd, "OK SAY [0-9]+$", TC_TIMEOUT)),
		      "mixed case");
	tc_send(r.snd, "Me waves");
	s = line_seq(tc_expect(r.snd, "OK ME [0-9]+$", TC_TIMEOUT));
	ck_assert_uint_eq(s, r.seq + 1);
	tc_expectf(r.obs, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ ACTION sender waves$", s);
	r.seq = s;
	tc_send(r.snd, "ping x");
	tc_expect(r.snd, "PONG x$", TC_TIMEOUT);
	tc_send(r.snd, "who");
	tc_expect_skip(r.snd, "OK WHO 2$", TC_TIMEOUT);
	survives(&r);
	room_close(&r);
}
END_TEST

/* A client that vanishes in the middle of a line leaves; the half line is
 * never delivered. */
START_TEST(test_vanish_mid_line)
{
	struct room r;
	struct tclient *v;
	uint64_t j;

	room_open(&r, CONF);
	v = tc_connect(r.d->sock);
	j = tc_join(v, "vanisher");
	tc_expectf(r.obs, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN vanisher ", j);
	tc_expectf(r.snd, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN vanisher ", j);
	r.seq = j;
	tc_send_raw(v, "SAY hal", 7);
	tc_close(v);
	tc_expectf(r.obs, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ LEAVE vanisher %s closed$",
		   r.seq + 1, re_quote(my_login()));
	tc_expectf(r.snd, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ LEAVE vanisher %s closed$",
		   r.seq + 1, re_quote(my_login()));
	r.seq++;
	survives(&r);
	room_close(&r);
}
END_TEST

START_TEST(test_rate_limit)
{
	struct room r;
	char burst[200], *p = burst;
	const char *line;
	int64_t deadline;

	/* The limit is the uid's: the two JOINs (one uid) took 2 of the 5. */
	room_open(&r, "motd = \"\"\nrate_limit = 2\nrate_burst = 5\n");
	for (int i = 0; i < 10; i++)
		p += sprintf(p, "SAY burst %d\n", i);
	tc_send_raw(r.snd, burst, (size_t)(p - burst));
	for (int i = 0; i < 3; i++)
		tc_expectf(r.snd, TC_TIMEOUT, "OK SAY %" PRIu64 "$", r.seq + 1 + (uint64_t)i);
	for (int i = 3; i < 10; i++)
		expect_err(r.snd, "rate-limited");
	for (int i = 0; i < 3; i++)
		tc_expectf(r.obs, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ MSG sender burst %d$",
			   r.seq + 1 + (uint64_t)i, i);
	r.seq += 3;
	tc_expect_silence(r.obs);

	/* The limit refills: within a few seconds a message goes through. */
	deadline = wall_ms() + TC_TIMEOUT;
	for (;;) {
		tc_send(r.snd, "SAY after the burst");
		line = tc_expect(r.snd, "(OK SAY [0-9]+|ERR rate-limited( .*)?)$", TC_TIMEOUT);
		if (strncmp(line, "OK ", 3) == 0)
			break;
		ck_assert_msg(wall_ms() < deadline, "still rate-limited after %d ms", TC_TIMEOUT);
		sleep_ms(100);
	}
	observer_gets(&r, line_seq(line), "after the burst");
	tc_expect_silence(r.obs);
	room_close(&r);
}
END_TEST

/* ---- the control socket -------------------------------------------------- */

START_TEST(test_control_bad_input)
{
	struct room r;
	struct tclient *ctl;
	uint64_t n;

	room_open(&r, CONF);
	ctl = ctl_connect(r.d->ctl);
	tc_send(ctl, "FROB");
	expect_err(ctl, "unknown-command");
	tc_send(ctl, "NOTICE \x1b[5mblink");
	expect_err(ctl, "bad-char");
	tc_send_raw(ctl, "NOTICE \xC0\xAF\n", 10);
	expect_err(ctl, "bad-utf8");
	tc_send(ctl, "NOTICE   ");
	expect_err(ctl, "empty");
	tc_send(ctl, "ping control");
	tc_expect(ctl, "PONG control$", TC_TIMEOUT);
	tc_expect_silence(r.obs);

	tc_send(ctl, "notice all good");
	n = line_seq(tc_expect(ctl, "OK NOTICE [0-9]+$", TC_TIMEOUT));
	ck_assert_uint_eq(n, r.seq + 1);
	tc_expectf(r.obs, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ NOTICE all good$", n);
	tc_expectf(r.snd, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ NOTICE all good$", n);
	r.seq = n;
	survives(&r);
	tc_close(ctl);
	room_close(&r);
}
END_TEST

static Suite *protocol_suite(void)
{
	Suite *s = suite_create("protocol");
	TCase *bad = tcase_create("bad-lines"), *tc = tcase_create("protocol");
	int nbad = (int)(sizeof(bad_lines) / sizeof(bad_lines[0]));

	tcase_set_timeout(bad, 60);
	tcase_add_loop_test(bad, test_bad_line, 0, nbad);
	suite_add_tcase(s, bad);

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_commands_before_join);
	tcase_add_test(tc, test_line_of_max_line_bytes_accepted);
	tcase_add_test(tc, test_line_of_max_line_plus_one_refused);
	tcase_add_test(tc, test_ten_megabyte_line_refused_once);
	tcase_add_test(tc, test_unicode_text_passes_unchanged);
	tcase_add_test(tc, test_line_split_across_writes);
	tcase_add_test(tc, test_hundred_lines_in_one_write);
	tcase_add_test(tc, test_crlf_line_endings);
	tcase_add_test(tc, test_verbs_case_insensitive);
	tcase_add_test(tc, test_vanish_mid_line);
	tcase_add_test(tc, test_rate_limit);
	tcase_add_test(tc, test_control_bad_input);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return harness_run(protocol_suite());
}
