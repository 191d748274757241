/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* check_sanctions.c - the ban and mute list: lookups, expiry, and its file
 * surviving a save and a load (what a daemon restart does). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "log.h"
#include "sanctions.h"

static char dir[64];

static void setup(void)
{
	strcpy(dir, "/tmp/check_sanctions.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	log_open("check_sanctions", true);
}

static void teardown(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/sanctions", dir);
	unlink(path);
	rmdir(dir);
}

static struct sanction mk(enum sanction_kind k, uid_t uid, int64_t until, const char *login,
			  const char *reason)
{
	struct sanction x = { .kind = k, .uid = uid, .until_ms = until };
	snprintf(x.login, sizeof(x.login), "%s", login);
	snprintf(x.reason, sizeof(x.reason), "%s", reason);
	return x;
}

START_TEST(test_find_set_remove)
{
	struct sanctions s;

	ck_assert_int_eq(sanctions_load(&s, dir), 0);   /* no file yet */
	ck_assert_uint_eq(s.n, 0);
	struct sanction b = mk(SANCTION_BAN, 1001, 0, "alice", "spam");
	struct sanction m = mk(SANCTION_MUTE, 1001, 5000, "alice", "");
	ck_assert_int_eq(sanctions_set(&s, &b), 0);
	ck_assert_int_eq(sanctions_set(&s, &m), 0);
	ck_assert_ptr_nonnull(sanctions_find(&s, SANCTION_BAN, 1001, 1000));
	ck_assert_ptr_null(sanctions_find(&s, SANCTION_BAN, 1002, 1000));
	ck_assert_ptr_nonnull(sanctions_find(&s, SANCTION_MUTE, 1001, 4999));
	ck_assert_ptr_null(sanctions_find(&s, SANCTION_MUTE, 1001, 5000));  /* ended */
	ck_assert_int_eq(sanction_mute_value(sanctions_find(&s, SANCTION_MUTE, 1001, 0)), 5000);
	/* Setting again replaces, it does not add. */
	m.until_ms = 0;
	ck_assert_int_eq(sanctions_set(&s, &m), 0);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_int_eq(sanction_mute_value(sanctions_find(&s, SANCTION_MUTE, 1001, 9999999)), INT64_MAX);
	ck_assert(sanctions_remove(&s, SANCTION_BAN, 1001));
	ck_assert(!sanctions_remove(&s, SANCTION_BAN, 1001));
	ck_assert_uint_eq(sanctions_count(&s, SANCTION_BAN), 0);
	ck_assert_uint_eq(sanctions_count(&s, SANCTION_MUTE), 1);
	sanctions_free(&s);
}
END_TEST

START_TEST(test_expire_and_next_end)
{
	struct sanctions s;
	struct sanction gone[4];

	ck_assert_int_eq(sanctions_load(&s, dir), 0);
	for (uid_t u = 1; u <= 40; u++) {
		struct sanction x = mk(u % 2 ? SANCTION_BAN : SANCTION_MUTE, u,
				       u <= 30 ? 1000 * u : 0, "x", "");
		ck_assert_int_eq(sanctions_set(&s, &x), 0);   /* grows past 16 */
	}
	ck_assert_int_eq(sanctions_next_end(&s), 1000);
	ck_assert_uint_eq(sanctions_expire(&s, 10500, gone, 4), 10);  /* 4 copied */
	ck_assert_uint_eq(s.n, 30);
	for (int i = 0; i < 4; i++)
		ck_assert_int_le(gone[i].until_ms, 10500);
	ck_assert_int_eq(sanctions_next_end(&s), 11000);
	ck_assert_uint_eq(sanctions_expire(&s, INT64_MAX, gone, 4), 20);
	ck_assert_int_eq(sanctions_next_end(&s), 0);                   /* none ends */
	sanctions_free(&s);
}
END_TEST

START_TEST(test_file_round_trip)
{
	struct sanctions s, t;
	char path[128];

	ck_assert_int_eq(sanctions_load(&s, dir), 0);
	struct sanction a = mk(SANCTION_BAN, 65534, 1795290000123, "nobody", "flooding the room");
	struct sanction b = mk(SANCTION_MUTE, 1000, 0, "alice", "");
	sanctions_set(&s, &a);
	sanctions_set(&s, &b);
	ck_assert_int_eq(sanctions_save(&s), 0);
	/* A line that is not a sanction is skipped, the rest kept. */
	snprintf(path, sizeof(path), "%s/sanctions", dir);
	FILE *f = fopen(path, "a");
	ck_assert_ptr_nonnull(f);
	fputs("kick 1 2 x\nban notanumber 0 y\n", f);
	fclose(f);
	ck_assert_int_eq(sanctions_load(&t, dir), 0);
	ck_assert_uint_eq(t.n, 2);
	const struct sanction *x = sanctions_find(&t, SANCTION_BAN, 65534, 0);
	ck_assert_ptr_nonnull(x);
	ck_assert_int_eq(x->until_ms, 1795290000123);
	ck_assert_str_eq(x->login, "nobody");
	ck_assert_str_eq(x->reason, "flooding the room");
	x = sanctions_find(&t, SANCTION_MUTE, 1000, 0);
	ck_assert_ptr_nonnull(x);
	ck_assert_str_eq(x->reason, "");
	sanctions_free(&s);
	sanctions_free(&t);
}
END_TEST

/* A change that cannot be saved is not made: sanctions_put() and
 * sanctions_drop() leave the list and the file as they were. */
START_TEST(test_unsaved_change_not_made)
{
	struct sanctions s;
	struct sanction b = mk(SANCTION_BAN, 1001, 0, "alice", "spam");
	struct sanction m = mk(SANCTION_MUTE, 1002, 0, "bob", "");

	ck_assert_int_eq(sanctions_load(&s, dir), 0);
	ck_assert_int_eq(sanctions_put(&s, &b), 0);
	ck_assert_uint_eq(s.n, 1);
	/* The directory goes: the file cannot be replaced. */
	char path[128];
	snprintf(path, sizeof(path), "%s/sanctions", dir);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rmdir(dir), 0);
	ck_assert_int_eq(sanctions_put(&s, &m), -1);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_ptr_null(sanctions_find(&s, SANCTION_MUTE, 1002, 0));
	ck_assert_int_eq(sanctions_drop(&s, SANCTION_BAN, 1001), -1);
	ck_assert_ptr_nonnull(sanctions_find(&s, SANCTION_BAN, 1001, 0));
	/* Nothing to drop: nothing to write, no error. */
	ck_assert_int_eq(sanctions_drop(&s, SANCTION_BAN, 9999), 0);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(sanctions_drop(&s, SANCTION_BAN, 1001), 1);
	ck_assert_uint_eq(s.n, 0);
	sanctions_free(&s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sanctions");
	TCase *tc = tcase_create("sanctions");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_find_set_remove);
	tcase_add_test(tc, test_expire_and_next_end);
	tcase_add_test(tc, test_file_round_trip);
	tcase_add_test(tc, test_unsaved_change_not_made);
	suite_add_tcase(s, tc);
	return check_run(s);
}
