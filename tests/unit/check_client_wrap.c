/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* check_client_wrap.c - unit tests for client/wrap.c: lines folded to the
 * terminal's width at word boundaries (UAX #14), continuation rows
 * indented, so that no text of a message can start a row at column 0. */
#include <check.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "check_main.h"
#include "wrap.h"

static char *fold(const char *line, int cols)
{
	struct buffer b = { 0 };

	ck_assert_int_eq(wrap_line(&b, line, cols), 0);
	ck_assert_int_eq(buffer_append(&b, "", 1), 0);
	return b.data;
}

START_TEST(test_short_lines_unchanged)
{
	char *s = fold("[12:00] <bob> hi", 80);

	ck_assert_str_eq(s, "[12:00] <bob> hi");
	free(s);
	s = fold("", 80);
	ck_assert_str_eq(s, "");
	free(s);
	/* exactly cols - 1 columns: one row */
	s = fold("123456789012345678Z", 20);
	ck_assert_str_eq(s, "123456789012345678Z");
	free(s);
}
END_TEST

START_TEST(test_fold_indents)
{
	char *s = fold("12345678901234567890abcdefghijklmnopqrstuvwxyz", 20);

	ck_assert_str_eq(s, "1234567890123456789\n    0abcdefghijklmn\n    opqrstuvwxyz");
	free(s);
}
END_TEST

/* The wrap trick: spaces up to the edge, then a fake line. It stays
 * indented on its row. */
START_TEST(test_padding_trick)
{
	char line[256], *s, *row;

	snprintf(line, sizeof(line), "[12:00] <mallory> hi%*s-!- NOTICE -!- reboot", 60, "");
	s = fold(line, 40);
	for (row = strchr(s, '\n'); row; row = strchr(row + 1, '\n'))
		ck_assert_msg(strncmp(row + 1, "    ", WRAP_INDENT) == 0, "row \"%s\"", row + 1);
	ck_assert_ptr_nonnull(strstr(s, "-!- NOTICE"));
	ck_assert_ptr_null(strstr(s, "\n-!-"));
	free(s);
}
END_TEST

/* Escape sequences the renderer adds take no columns. */
START_TEST(test_sgr_zero_width)
{
	char *s = fold("\033[31mabcdefghijklmnopqrs\033[0mt", 20);

	ck_assert_str_eq(s, "\033[31mabcdefghijklmnopqrs\033[0m\n    t");
	free(s);
}
END_TEST

/* Wide characters are not split across rows; combining marks stay with
 * their letter. Needs a UTF-8 locale for wcwidth(). */
START_TEST(test_wide_and_marks)
{
	char *s;

	if (!setlocale(LC_CTYPE, "C.UTF-8") || wcwidth(0x4F60) != 2)
		return;
	/* 10 columns: "a" and 4 wide characters take 9, the 5th goes to
	 * row 2 whole. */
	s = fold("a\xE4\xBD\xA0\xE4\xBD\xA0\xE4\xBD\xA0\xE4\xBD\xA0\xE4\xBD\xA0", 11);
	ck_assert_str_eq(s, "a\xE4\xBD\xA0\xE4\xBD\xA0\xE4\xBD\xA0\xE4\xBD\xA0\n    \xE4\xBD\xA0");
	free(s);
	s = fold("abcdefghi\xE4\xBD\xA0x", 11);
	ck_assert_str_eq(s, "abcdefghi\n    \xE4\xBD\xA0x");
	free(s);
	s = fold("abcdefghij\xCC\x81k", 11);
	ck_assert_str_eq(s, "abcdefghij\xCC\x81\n    k");
	free(s);
}
END_TEST

/* Unknown width (0) or an absurdly narrow screen: no folding. */
START_TEST(test_no_width)
{
	char *s = fold("abcdefghijklmnopqrstuvwxyz", 0);

	ck_assert_str_eq(s, "abcdefghijklmnopqrstuvwxyz");
	free(s);
	s = fold("abcdefghijklmnopqrstuvwxyz", 5);
	ck_assert_str_eq(s, "abcdefghijklmnopqrstuvwxyz");
	free(s);
}
END_TEST

/* Whatever the text, every row but the first starts with the indent and
 * no row is wider than cols - 1. */
START_TEST(test_random_rows)
{
	static const char alphabet[] = "ab <>-!* ";
	char line[300];

	rng_state = 0x5eed;
	for (int iter = 0; iter < 2000; iter++) {
		size_t n = rng() % (sizeof(line) - 1);
		int cols = 10 + (int)(rng() % 100);
		char *s, *p;

		for (size_t i = 0; i < n; i++)
			line[i] = alphabet[rng() % (sizeof(alphabet) - 1)];
		line[n] = '\0';
		s = fold(line, cols);
		p = s;
		for (int row = 0;; row++) {
			char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);

			fast_assert(len <= (size_t)cols - 1, "row of %zu at %d columns", len, cols);
			fast_assert(row == 0 || strncmp(p, "    ", WRAP_INDENT) == 0, "bad row");
			if (!nl)
				break;
			p = nl + 1;
		}
		free(s);
	}
}
END_TEST

/* ---- folding at word boundaries (UAX #14) ---- */

/* Rows end between words; the space at the fold is dropped. */
START_TEST(test_fold_at_words)
{
	char *s = fold("the quick brown fox jumps over the lazy dog", 20);

	ck_assert_str_eq(s, "the quick brown fox\n    jumps over the\n    lazy dog");
	free(s);
	/* A number with its decimal point and unit stays whole. */
	s = fold("[12:00] -!- cannot reconnect; next try in 0.5 s", 40);
	ck_assert_str_eq(s, "[12:00] -!- cannot reconnect; next try\n    in 0.5 s");
	free(s);
	s = fold("[12:00] <bob> word001 word002 word003 word004 word005 word006", 30);
	ck_assert_str_eq(s, "[12:00] <bob> word001 word002\n    word003 word004 word005\n"
			 "    word006");
	free(s);
}
END_TEST

/* A word longer than a row is still cut at the edge, after the words
 * that fit. */
START_TEST(test_long_word_cut)
{
	char *s = fold("see abcdefghijklmnopqrstuvwxyz0123456789 ok", 20);

	ck_assert_str_eq(s, "see\n    abcdefghijklmno\n    pqrstuvwxyz0123\n    456789 ok");
	free(s);
}
END_TEST

/* Spaces past the edge hang: they never make a row too wide, never start
 * a row, and the padding trick's text lands indented. */
START_TEST(test_spaces_at_fold)
{
	char line[256], *s;

	s = fold("abcdefghij          klmnop", 20);
	ck_assert_str_eq(s, "abcdefghij\n    klmnop");
	free(s);
	snprintf(line, sizeof(line), "[12:00] <mallory> hi%*s-!- NOTICE -!- reboot", 60, "");
	s = fold(line, 40);
	ck_assert_str_eq(s, "[12:00] <mallory> hi\n    -!- NOTICE -!- reboot");
	free(s);
	/* Trailing spaces of the last row that do not fit are not shown. */
	snprintf(line, sizeof(line), "hello%*s", 40, "");
	s = fold(line, 20);
	ck_assert_uint_le(strlen(s), 19);
	ck_assert_ptr_null(strchr(s, '\n'));
	free(s);
}
END_TEST

/* Colours on at a fold end before it and begin again after the indent:
 * the indent is never highlighted. */
START_TEST(test_sgr_restored_after_fold)
{
	char *s = fold("<bob> \033[30;43malice: look at this one\033[0m", 20);

	ck_assert_str_eq(s, "<bob> \033[30;43malice: look\033[0m\n    \033[30;43mat this one\033[0m");
	free(s);
	/* After a reset nothing is restored. */
	s = fold("\033[2m[12:00]\033[0m some words to fold here", 20);
	ck_assert_str_eq(s, "\033[2m[12:00]\033[0m some words\n    to fold here");
	free(s);
}
END_TEST

/* Between ideographs the rules allow a break anywhere. */
START_TEST(test_fold_cjk)
{
	char *s;

	if (!setlocale(LC_CTYPE, "C.UTF-8") || wcwidth(0x4F60) != 2)
		return;
	/* 10 columns per row: 5 ideographs, then the 6th after the indent. */
	s = fold("\xE4\xBD\xA0\xE5\xA5\xBD\xE4\xB8\x96\xE7\x95\x8C\xE4\xBD\xA0\xE5\xA5\xBD", 11);
	ck_assert_str_eq(s, "\xE4\xBD\xA0\xE5\xA5\xBD\xE4\xB8\x96\xE7\x95\x8C\xE4\xBD\xA0\n    "
			 "\xE5\xA5\xBD");
	free(s);
}
END_TEST

/* Random words: no row is too wide, every continuation row is indented,
 * no text is lost or changed but the spaces at folds, and a row ends
 * inside a word only when that word is longer than a row. */
START_TEST(test_random_words)
{
	char line[400];

	rng_state = 0xf01d;
	for (int iter = 0; iter < 2000; iter++) {
		int cols = 12 + (int)(rng() % 90), nw = 1 + (int)(rng() % 20);
		size_t n = 0;
		char *s, *p;

		for (int w = 0; w < nw && n + 40 < sizeof(line); w++) {
			int len = 1 + (int)(rng() % (rng() % 8 == 0 ? 30 : 8));

			if (w)
				line[n++] = ' ';
			for (int i = 0; i < len; i++)
				line[n++] = (char)('a' + rng() % 26);
		}
		line[n] = '\0';
		s = fold(line, cols);
		p = s;
		/* o: where in line the row's text is. */
		for (size_t row = 0, o = 0;; row++) {
			char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p), ind = row ? WRAP_INDENT : 0;

			fast_assert(len <= (size_t)cols - 1, "row of %zu at %d columns", len, cols);
			fast_assert(row == 0 || (strncmp(p, "    ", WRAP_INDENT) == 0 &&
						 p[WRAP_INDENT] != ' '), "bad row");
			fast_assert(strncmp(line + o, p + ind, len - ind) == 0, "text changed");
			o += len - ind;
			if (!nl) {
				fast_assert(line[o] == '\0', "text lost");
				break;
			}
			/* A fold between words dropped the spaces; one inside a
			 * word is in a row that holds only (part of) that word. */
			if (line[o] == ' ')
				while (line[o] == ' ')
					o++;
			else
				fast_assert(!memchr(p + ind, ' ', len - ind), "folded mid-word at %d: %s",
					    cols, line);
			p = nl + 1;
		}
		free(s);
	}
}
END_TEST

/* Widths the C library does not know count on the wide side: a row
 * measured too wide ends early, one measured too narrow runs past the
 * terminal's edge (issue 16 item 13). */
START_TEST(test_unknown_widths_wide)
{
	if (!setlocale(LC_CTYPE, "C.UTF-8") || wcwidth(0x4F60) != 2)
		return;
	ck_assert_int_eq(wrap_cp_width('a'), 1);
	ck_assert_int_eq(wrap_cp_width(0x4E2D), 2);
	ck_assert_int_eq(wrap_cp_width(0x0301), 0);	/* a combining accent */
	ck_assert_int_eq(wrap_cp_width(0x50000), 2);	/* unassigned */
	ck_assert_int_eq(wrap_cp_width(0x1FAE8), 2);	/* Unicode 15: glibc 2.36 has -1 */
	ck_assert_int_eq(wrap_cp_width(0x1F1E6), 2);	/* a regional indicator */
	/* An emoji made by a variation selector 16 is 2 wide. */
	ck_assert_int_eq(wrap_columns("\xE2\x98\xBA\xEF\xB8\x8F"), 2);		/* U+263A U+FE0F */
	ck_assert_int_eq(wrap_columns("\xE4\xB8\xAD\xEF\xB8\x8F"), 2);		/* U+4E2D U+FE0F */
	ck_assert_int_eq(wrap_columns("a\xEF\xB8\x8F"), 2);
	/* East Asian Ambiguous: 1, or 2 when asked (a CJK locale). */
	ck_assert_int_eq(wrap_cp_width(0x3B1), 1);
	wrap_set_ambiguous_wide(true);
	ck_assert_int_eq(wrap_cp_width(0x3B1), 2);	/* Greek alpha */
	ck_assert_int_eq(wrap_cp_width(0x2500), 2);	/* box drawing */
	ck_assert_int_eq(wrap_cp_width('a'), 1);
	ck_assert_int_eq(wrap_cp_width(0x4E2D), 2);
	wrap_set_ambiguous_wide(false);
	ck_assert_int_eq(wrap_cp_width(0x3B1), 1);

	/* The C locale knows no width but ASCII's: the rest counts 2 but
	 * combining marks, and the padding folds before the fake line. */
	ck_assert_ptr_nonnull(setlocale(LC_CTYPE, "C"));
	ck_assert_int_eq(wrap_cp_width('a'), 1);
	ck_assert_int_eq(wrap_cp_width(0x4E2D), 2);
	ck_assert_int_eq(wrap_cp_width(0xE9), 2);
	ck_assert_int_eq(wrap_cp_width(0x0301), 0);
	char *s = fold("[12:00] <eve> \xE4\xB8\xAD\xE4\xB8\xAD\xE4\xB8\xAD <root> x", 24);
	ck_assert_str_eq(s, "[12:00] <eve> \xE4\xB8\xAD\xE4\xB8\xAD\xE4\xB8\xAD\n    <root> x");
	free(s);
	ck_assert_ptr_nonnull(setlocale(LC_CTYPE, "C.UTF-8"));
}
END_TEST

/* The locale named in the environment (the first of LC_ALL, LC_CTYPE,
 * LANG that is set) says whether the terminal is likely CJK. */
START_TEST(test_locale_is_cjk)
{
	ck_assert_int_eq(setenv("LC_ALL", "ja_JP.UTF-8", 1), 0);
	ck_assert(wrap_locale_is_cjk());
	ck_assert_int_eq(setenv("LC_ALL", "", 1), 0);
	ck_assert_int_eq(setenv("LC_CTYPE", "", 1), 0);
	ck_assert_int_eq(setenv("LANG", "zh_CN.UTF-8", 1), 0);
	ck_assert(wrap_locale_is_cjk());
	ck_assert_int_eq(setenv("LC_CTYPE", "de_DE.UTF-8", 1), 0);
	ck_assert(!wrap_locale_is_cjk());
	ck_assert_int_eq(unsetenv("LC_CTYPE"), 0);
	ck_assert_int_eq(setenv("LANG", "ko_KR.UTF-8", 1), 0);
	ck_assert(wrap_locale_is_cjk());
	ck_assert_int_eq(setenv("LANG", "C.UTF-8", 1), 0);
	ck_assert(!wrap_locale_is_cjk());
}
END_TEST

static Suite *wrap_suite(void)
{
	Suite *s = suite_create("client_wrap");
	TCase *tc = tcase_create("wrap");

	tcase_add_test(tc, test_short_lines_unchanged);
	tcase_add_test(tc, test_fold_indents);
	tcase_add_test(tc, test_padding_trick);
	tcase_add_test(tc, test_sgr_zero_width);
	tcase_add_test(tc, test_wide_and_marks);
	tcase_add_test(tc, test_no_width);
	tcase_add_test(tc, test_random_rows);
	tcase_add_test(tc, test_fold_at_words);
	tcase_add_test(tc, test_long_word_cut);
	tcase_add_test(tc, test_spaces_at_fold);
	tcase_add_test(tc, test_sgr_restored_after_fold);
	tcase_add_test(tc, test_fold_cjk);
	tcase_add_test(tc, test_random_words);
	tcase_add_test(tc, test_unknown_widths_wide);
	tcase_add_test(tc, test_locale_is_cjk);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(wrap_suite());
}
