/* check_client_wrap.c - unit tests for client/wrap.c: lines folded to the
 * terminal's width, continuation rows indented, so that no text of a
 * message can start a row at column 0. */
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
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(wrap_suite());
}
