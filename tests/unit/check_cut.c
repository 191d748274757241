/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* check_cut.c - cutting text to a byte budget on a character boundary,
 * never between a letter and its combining marks (common/cut.c). */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "cut.h"
#include "sanitize.h"

START_TEST(fits_is_kept_whole)
{
	ck_assert_uint_eq(text_cut("abc", 3, 3), 3);
	ck_assert_uint_eq(text_cut("abc", 3, 10), 3);
	ck_assert_uint_eq(text_cut("", 0, 0), 0);
}
END_TEST

START_TEST(never_inside_a_sequence)
{
	/* "€" is 3 bytes, "😀" 4: every budget gives a whole number of them. */
	const char *euros = "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac";
	for (size_t max = 0; max <= 9; max++)
		ck_assert_uint_eq(text_cut(euros, 9, max), max / 3 * 3);
	const char *faces = "\xf0\x9f\x98\x80\xf0\x9f\x98\x80";
	for (size_t max = 0; max <= 8; max++)
		ck_assert_uint_eq(text_cut(faces, 8, max), max / 4 * 4);
	/* ASCII then a 2-byte "é". */
	ck_assert_uint_eq(text_cut("ab\xc3\xa9", 4, 3), 2);
}
END_TEST

START_TEST(marks_stay_with_their_letter)
{
	/* "ae" + U+0301 + U+0302: a cut before either mark drops the "e". */
	const char *s = "ae\xcc\x81\xcc\x82x";
	ck_assert_uint_eq(text_cut(s, 7, 2), 1);
	ck_assert_uint_eq(text_cut(s, 7, 4), 1);
	ck_assert_uint_eq(text_cut(s, 7, 5), 1);
	ck_assert_uint_eq(text_cut(s, 7, 6), 6);
	/* A letter with its marks as the first character: at the character. */
	ck_assert_uint_eq(text_cut("e\xcc\x81" "x", 4, 2), 1);
}
END_TEST

START_TEST(invalid_bytes_are_characters)
{
	ck_assert_uint_eq(text_cut("\xff\xfe\xfd", 3, 2), 2);
	ck_assert_uint_eq(text_cut("a\xe2\x82", 3, 2), 2);
}
END_TEST

START_TEST(copy_and_printf_give_valid_text)
{
	char buf[8];
	ck_assert_uint_eq(text_copy_str(buf, sizeof(buf), "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"), 6);
	ck_assert_str_eq(buf, "\xe2\x82\xac\xe2\x82\xac");
	ck_assert_uint_eq(text_printf(buf, sizeof(buf), "x%s", "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"), 7);
	ck_assert_str_eq(buf, "x\xe2\x82\xac\xe2\x82\xac");
	ck_assert_uint_eq(text_printf(buf, sizeof(buf), "ab%s", "cdef\xcc\x81"), 5);
	ck_assert_str_eq(buf, "abcde");
	ck_assert_uint_eq(text_printf(buf, sizeof(buf), "%d", 42), 2);
	ck_assert_str_eq(buf, "42");
	/* Every cut of a long mixed text is valid UTF-8. */
	const char *mix = "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80 e\xcc\x81 ok";
	char out[64];
	for (size_t cap = 1; cap < sizeof(out); cap++) {
		size_t n = text_printf(out, cap, "%s", mix);
		ck_assert_uint_lt(n, cap);
		ck_assert_uint_eq(strlen(out), n);
		ck_assert(n == 0 || text_check(out, n, NULL) != TEXT_BAD_UTF8);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cut");
	TCase *tc = tcase_create("cut");
	tcase_add_test(tc, fits_is_kept_whole);
	tcase_add_test(tc, never_inside_a_sequence);
	tcase_add_test(tc, marks_stay_with_their_letter);
	tcase_add_test(tc, invalid_bytes_are_characters);
	tcase_add_test(tc, copy_and_printf_give_valid_text);
	suite_add_tcase(s, tc);
	return check_run(s);
}
