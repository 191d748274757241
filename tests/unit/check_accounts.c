/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* check_accounts.c - the accounts table and its name-service fallback:
 * the same answers from the table and from the name service (asked in a
 * child), and no child left behind. */
#include <check.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "accounts.h"
#include "check_main.h"

/* A uid no account has on a test machine. */
#define NO_SUCH_UID ((uid_t)3999999999u)

/* Each mode runs in its own forked test (Check's default), so a table
 * read here does not leak into the next test. */
enum mode { NAME_SERVICE, TABLE };

/* The table is read, or not there: each test sets its own, so that the
 * tests also hold in one process (CK_FORK=no, as make check-valgrind runs
 * them). */
static void set_mode(int mode)
{
	if (mode == TABLE)
		ck_assert_int_gt(accounts_load(), 0);
	else
		accounts_free();
}

static void assert_no_child(void)
{
	errno = 0;
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
}

START_TEST(test_same_answers)
{
	struct passwd *me = getpwuid(getuid());
	char buf[64];
	uid_t uid = 12345;

	ck_assert_ptr_nonnull(me);
	char login[64];
	snprintf(login, sizeof(login), "%s", me->pw_name);
	uid_t my_uid = me->pw_uid;

	set_mode(_i);
	account_login(my_uid, buf, sizeof(buf));
	ck_assert_str_eq(buf, login);
	ck_assert(account_uid(login, &uid));
	ck_assert_uint_eq(uid, my_uid);

	account_login(NO_SUCH_UID, buf, sizeof(buf));
	ck_assert_str_eq(buf, "uid3999999999");
	uid = 12345;
	ck_assert(!account_uid("lchat-no-such-login.", &uid));
	ck_assert_uint_eq(uid, 12345);
	/* Logins are compared exactly. */
	if (strcmp(login, "root") == 0)
		ck_assert(!account_uid("ROOT", &uid));
	assert_no_child();
}
END_TEST

/* Look-alikes come from the table only. */
START_TEST(test_looks_like)
{
	struct passwd *root = getpwuid(0);

	if (!root || strcmp(root->pw_name, "root") != 0)
		return;
	set_mode(NAME_SERVICE);
	ck_assert(!account_looks_like("root", 1000));  /* no table yet */
	ck_assert_int_gt(accounts_load(), 0);
	ck_assert(account_looks_like("root", 1000));   /* skeleton of "r00t" */
	ck_assert(!account_looks_like("root", 0));     /* one's own */
	ck_assert(!account_looks_like("roots", 1000));
	accounts_free();
	ck_assert(!account_looks_like("root", 1000));
}
END_TEST

/* A short buffer gets a truncated login, as snprintf would. */
START_TEST(test_short_buffer)
{
	char buf[3];

	set_mode(_i);
	account_login(NO_SUCH_UID, buf, sizeof(buf));
	ck_assert_str_eq(buf, "ui");
}
END_TEST

static Suite *accounts_suite(void)
{
	Suite *s = suite_create("accounts");
	TCase *tc = tcase_create("lookups");

	tcase_add_loop_test(tc, test_same_answers, NAME_SERVICE, TABLE + 1);
	tcase_add_test(tc, test_looks_like);
	tcase_add_loop_test(tc, test_short_buffer, NAME_SERVICE, TABLE + 1);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(accounts_suite());
}
