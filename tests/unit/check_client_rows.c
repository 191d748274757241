/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* check_client_rows.c - unit tests for client/rows.c: a line written to
 * a terminal folded, with the terminal's autowrap off around it and on
 * again after it (issue 16 item 13); to anything else, as it is. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "rows.h"
#include "wrap.h"

/* What rows_put() writes (free() it). */
static char *put(const char *line, int cols, bool off, const char *extra)
{
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(rows_put(f, line, cols, off, extra), 0);
	ck_assert_int_eq(fclose(f), 0);
	return out;
}

START_TEST(test_autowrap_off_around_the_rows)
{
	char *s = put("12345678901234567890abcdefghijklmnopqrstuvwxyz", 20, true, "\a");

	ck_assert_str_eq(s, ROWS_AUTOWRAP_OFF "1234567890123456789\n    0abcdefghijklmn\n"
			 "    opqrstuvwxyz\n\a" ROWS_AUTOWRAP_ON);
	free(s);
}
END_TEST

START_TEST(test_plain_when_not_a_terminal)
{
	char *s = put("12345678901234567890abcdefghijklmnopqrstuvwxyz", 0, false, NULL);

	ck_assert_str_eq(s, "12345678901234567890abcdefghijklmnopqrstuvwxyz\n");
	free(s);
}
END_TEST

/* A stop (Ctrl-Z) is held off only while autowrap is off: the mask is as
 * it was afterwards. */
START_TEST(test_stop_mask_restored)
{
	sigset_t now;
	char *s = put("hi", 80, true, NULL);

	ck_assert_str_eq(s, ROWS_AUTOWRAP_OFF "hi\n" ROWS_AUTOWRAP_ON);
	free(s);
	ck_assert_int_eq(sigprocmask(SIG_SETMASK, NULL, &now), 0);
	ck_assert(!sigismember(&now, SIGTSTP));
}
END_TEST

/* Not a terminal: /dev/null is not one, whatever TERM says. */
START_TEST(test_terminal)
{
	FILE *f = fopen("/dev/null", "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(setenv("TERM", "xterm", 1), 0);
	ck_assert(!rows_terminal(fileno(f)));
	ck_assert_int_eq(rows_width(fileno(f)), 0);
	fclose(f);
}
END_TEST

static Suite *rows_suite(void)
{
	Suite *s = suite_create("client_rows");
	TCase *tc = tcase_create("rows");

	tcase_add_test(tc, test_autowrap_off_around_the_rows);
	tcase_add_test(tc, test_plain_when_not_a_terminal);
	tcase_add_test(tc, test_stop_mask_restored);
	tcase_add_test(tc, test_terminal);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(rows_suite());
}
