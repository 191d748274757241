/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* check_prefs.c - the users' preferences (prefs.h): the ignore list of a
 * user-table entry (bounded, no duplicate, removal that keeps the others),
 * and the daemon's copy: a dirty entry synced to state_dir/prefs (0600),
 * read back by a new daemon and filled into an entry taken anew. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "log.h"
#include "prefs.h"
#include "room.h"

static char dir[64];

static void setup(void)
{
	strcpy(dir, "/tmp/check_prefs.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	log_open("check_prefs", true);
}

static void teardown(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/prefs", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/room", dir);
	unlink(path);
	rmdir(dir);
}

static void open_room(struct room *r)
{
	char path[128], err[256] = "";

	snprintf(path, sizeof(path), "%s/room", dir);
	ck_assert_msg(room_open(r, path, 4, 16, 256, err, sizeof(err)) == 0, "room_open: %s", err);
}

START_TEST(test_ignore_list)
{
	struct room r;

	open_room(&r);
	uint32_t u = usertab_pin(&r, 1000);
	ck_assert(!usertab_ignores(&r, u, 2000));
	ck_assert(!usertab_ignores(&r, USERTAB_NONE, 2000));
	room_lock(&r);
	for (uint32_t i = 0; i < USERTAB_IGNORE_MAX; i++)
		ck_assert_int_eq(usertab_ignore_add_locked(&r, u, 2000 + i), 1);
	ck_assert_int_eq(usertab_ignore_add_locked(&r, u, 2000), 0);   /* already */
	ck_assert_int_eq(usertab_ignore_add_locked(&r, u, 9999), -1);  /* full */
	/* The first removed: the last takes its place, all others stay. */
	ck_assert_int_eq(usertab_ignore_remove_locked(&r, u, 2000), 1);
	ck_assert_int_eq(usertab_ignore_remove_locked(&r, u, 2000), 0);
	room_unlock(&r);
	ck_assert(!usertab_ignores(&r, u, 2000));
	for (uint32_t i = 1; i < USERTAB_IGNORE_MAX; i++)
		ck_assert_msg(usertab_ignores(&r, u, 2000 + i), "uid %u lost", 2000 + i);
	ck_assert_uint_eq(atomic_load(&r.users[u].prefs.dirty), 1);
	room_close(&r);
}
END_TEST

START_TEST(test_sync_and_fill)
{
	struct room r;
	struct prefs p;
	char path[128];
	struct stat st;

	open_room(&r);
	ck_assert_int_eq(prefs_load(&p, dir), 0);   /* no file yet */
	uint32_t u = usertab_pin(&r, 1000);
	prefs_fill(&p, &r, u);
	ck_assert_uint_eq(atomic_load(&r.users[u].prefs.nignored), 0);
	room_lock(&r);
	ck_assert_int_eq(usertab_ignore_add_locked(&r, u, 65534), 1);
	atomic_store(&r.users[u].prefs.mesg_off, 1);
	room_unlock(&r);
	/* Not flagged in the header: nothing is copied yet. */
	prefs_sync(&p, &r);
	ck_assert_ptr_null(prefs_find(&p, 1000));
	atomic_store(&r.hdr->prefs_dirty, 1);
	prefs_sync(&p, &r);
	const struct user_prefs *x = prefs_find(&p, 1000);
	ck_assert_ptr_nonnull(x);
	ck_assert(x->mesg_off);
	ck_assert_uint_eq(x->n, 1);
	ck_assert_uint_eq(x->ignored[0], 65534);
	ck_assert_uint_eq(atomic_load(&r.users[u].prefs.dirty), 0);
	snprintf(path, sizeof(path), "%s/prefs", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	prefs_free(&p);
	room_close(&r);

	/* A new daemon: the room's user table starts empty, the file stays. */
	open_room(&r);
	ck_assert_int_eq(prefs_load(&p, dir), 0);
	u = usertab_pin(&r, 1000);
	prefs_fill(&p, &r, u);
	ck_assert(usertab_ignores(&r, u, 65534));
	ck_assert_uint_eq(atomic_load(&r.users[u].prefs.mesg_off), 1);
	/* Everything unset again: the uid leaves the file. */
	room_lock(&r);
	ck_assert_int_eq(usertab_ignore_remove_locked(&r, u, 65534), 1);
	atomic_store(&r.users[u].prefs.mesg_off, 0);
	room_unlock(&r);
	atomic_store(&r.hdr->prefs_dirty, 1);
	prefs_sync(&p, &r);
	ck_assert_ptr_null(prefs_find(&p, 1000));
	prefs_free(&p);
	room_close(&r);
}
END_TEST

START_TEST(test_bad_lines_skipped)
{
	struct prefs p;
	char path[128];

	snprintf(path, sizeof(path), "%s/prefs", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("1000 n 1 2 3\nnot a line\n1001 maybe\n1002 y x\n1003 y 7\n", f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(prefs_load(&p, dir), 0);
	ck_assert_uint_eq(p.n, 2);
	ck_assert_uint_eq(prefs_find(&p, 1000)->n, 3);
	ck_assert(prefs_find(&p, 1000)->mesg_off);
	ck_assert_uint_eq(prefs_find(&p, 1003)->ignored[0], 7);
	ck_assert_ptr_null(prefs_find(&p, 1002));
	prefs_free(&p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("prefs");
	TCase *tc = tcase_create("prefs");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ignore_list);
	tcase_add_test(tc, test_sync_and_fill);
	tcase_add_test(tc, test_bad_lines_skipped);
	suite_add_tcase(s, tc);
	return check_run(s);
}
