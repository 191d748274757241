/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* check_client_split.c - unit tests for client/split.c: the lines of a
 * paste, tabs made spaces, and an over-long message cut into parts at
 * spaces or, inside a word, at a code point boundary. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "split.h"

/* All lines of text, each followed by "|". */
static char *lines(const char *text)
{
	static char out[1024];
	size_t off = 0, n, len = strlen(text), used = 0;
	const char *l;

	out[0] = '\0';
	while ((l = split_line(text, len, &off, &n)))
		used += (size_t)snprintf(out + used, sizeof(out) - used, "%.*s|", (int)n, l);
	return out;
}

START_TEST(test_lines)
{
	ck_assert_str_eq(lines("one\ntwo\r\nthree\rfour\n"), "one|two|three|four|");
	ck_assert_str_eq(lines("no break"), "no break|");
	ck_assert_str_eq(lines(""), "");
	ck_assert_str_eq(lines("\n\n"), "||");
	ck_assert_str_eq(lines("a\n\r\nb"), "a||b|");
	ck_assert_str_eq(lines("QUIT done for today\nPRIV bob x\n"), "QUIT done for today|PRIV bob x|");
	ck_assert(split_has_break(S("a\rb")));
	ck_assert(split_has_break(S("a\nb")));
	ck_assert(!split_has_break(S("a b")));
	ck_assert(split_blank(S(" \t ")));
	ck_assert(split_blank(S("")));
	ck_assert(!split_blank(S("  x")));
}
END_TEST

static char *expand(const char *s)
{
	struct buffer b = { 0 };

	ck_assert_int_eq(split_expand_tabs(&b, s, strlen(s)), 0);
	ck_assert_int_eq(buffer_append(&b, "", 1), 0);
	return b.data;
}

START_TEST(test_tabs)
{
	char *s;

	s = expand("\tx");
	ck_assert_str_eq(s, "        x");
	free(s);
	s = expand("ab\tc\td");
	ck_assert_str_eq(s, "ab      c       d");
	free(s);
	/* one column per code point */
	s = expand("\xc3\xa9\t|");
	ck_assert_str_eq(s, "\xc3\xa9       |");
	free(s);
	s = expand("no tabs");
	ck_assert_str_eq(s, "no tabs");
	free(s);
}
END_TEST

/* All parts of text at limit, each followed by "|". */
static char *parts(const char *text, size_t limit)
{
	static char out[4096];
	size_t off = 0, n, len = strlen(text), used = 0, count = 0;
	const char *p;

	out[0] = '\0';
	while ((p = split_part(text, len, limit, &off, &n))) {
		if (limit >= 4)	/* below, a code point may not fit */
			ck_assert_uint_le(n, limit);
		used += (size_t)snprintf(out + used, sizeof(out) - used, "%.*s|", (int)n, p);
		count++;
	}
	ck_assert_uint_eq(count, split_count(text, len, limit));
	return out;
}

START_TEST(test_parts_at_spaces)
{
	ck_assert_str_eq(parts("fits as it is", 20), "fits as it is|");
	ck_assert_str_eq(parts("exactly ten", 11), "exactly ten|");
	ck_assert_str_eq(parts("one two three four", 9), "one two|three|four|");
	/* The spaces at a cut belong to no part. */
	ck_assert_str_eq(parts("aaaa    bbbb   cccc", 6), "aaaa|bbbb|cccc|");
	/* A space right at the limit. */
	ck_assert_str_eq(parts("abcde fghij", 5), "abcde|fghij|");
	/* Trailing spaces make no part. */
	ck_assert_str_eq(parts("word          ", 6), "word|");
	ck_assert_uint_eq(split_count(S("      "), 3), 0);
	ck_assert_uint_eq(split_count(S(""), 3), 0);
	/* The first part keeps its indent... */
	ck_assert_str_eq(parts("  ab cd ef", 6), "  ab|cd ef|");
	/* ...unless the indent alone is over the limit. */
	ck_assert_str_eq(parts("        ab cd", 4), "ab|cd|");
}
END_TEST

START_TEST(test_long_word_cut_at_code_point)
{
	/* ASCII: cut at the limit. */
	ck_assert_str_eq(parts("abcdefghij", 4), "abcd|efgh|ij|");
	/* "é" is 2 bytes: never split. */
	ck_assert_str_eq(parts("\xc3\xa9\xc3\xa9\xc3\xa9", 3), "\xc3\xa9|\xc3\xa9|\xc3\xa9|");
	/* A 4-byte emoji after 2 ASCII bytes, limit 5: "ab" then it. */
	ck_assert_str_eq(parts("ab\xf0\x9f\x98\x80" "cd", 5), "ab|\xf0\x9f\x98\x80" "c|d|");
	/* A word longer than the limit after a short one: the short one
	 * alone, then the long one cut. */
	ck_assert_str_eq(parts("hi abcdefgh", 4), "hi|abcd|efgh|");
	/* A limit below one code point still makes progress. */
	ck_assert_str_eq(parts("\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 2),
			 "\xf0\x9f\x98\x80|\xf0\x9f\x98\x80|");
}
END_TEST

/* Is p[0..n) whole UTF-8 code points (as far as lead bytes tell)? */
static bool whole_code_points(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = (unsigned char)p[i];
		size_t k = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;

		if (k == 0 || i + k > n)
			return false;
		i += k;
	}
	return true;
}

/* Whatever the text: no part over the limit, every part whole code
 * points, and nothing but spaces lost. */
START_TEST(test_random_parts)
{
	static const char *const pieces[] = { "a", "bc", " ", "  ", "\xc3\xa9", "\xe2\x82\xac",
					      "\xf0\x9f\x98\x80", "word", "longerword" };
	char text[400], kept[400], got[400];

	rng_state = 0x5917;
	for (int iter = 0; iter < 3000; iter++) {
		size_t len = 0, limit = 4 + rng() % 40, off = 0, n, nk = 0, ng = 0;
		const char *p;

		while (len < 300) {
			const char *pc = pieces[rng() % LEN(pieces)];

			memcpy(text + len, pc, strlen(pc));
			len += strlen(pc);
		}
		for (size_t i = 0; i < len; i++)
			if (text[i] != ' ')
				kept[nk++] = text[i];
		while ((p = split_part(text, len, limit, &off, &n))) {
			fast_assert(n > 0 && n <= limit, "part of %zu at limit %zu", n, limit);
			fast_assert(whole_code_points(p, n), "a part cuts a code point");
			for (size_t i = 0; i < n; i++)
				if (p[i] != ' ')
					got[ng++] = p[i];
		}
		fast_assert(ng == nk && memcmp(kept, got, nk) == 0, "text lost at limit %zu", limit);
	}
}
END_TEST

static Suite *split_suite(void)
{
	Suite *s = suite_create("client_split");
	TCase *tc = tcase_create("split");

	tcase_add_test(tc, test_lines);
	tcase_add_test(tc, test_tabs);
	tcase_add_test(tc, test_parts_at_spaces);
	tcase_add_test(tc, test_long_word_cut_at_code_point);
	tcase_add_test(tc, test_random_parts);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(split_suite());
}
