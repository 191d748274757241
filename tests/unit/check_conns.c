/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* check_conns.c - the daemon's private record of its connections
 * (daemon/conns.c): free slots and the counts the connection limits are
 * judged by, against a scan of the room's table, over many random
 * accepts, joins, reaped handlers and slots the writer gives back. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "conns.h"
#include "log.h"
#include "names.h"
#include "room.h"

static char dir[64];
static char path[128];

static void setup(void)
{
	strcpy(dir, "/tmp/check_conns.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/room", dir);
	log_open("check_conns", true);
}

static void teardown(void)
{
	unlink(path);
	rmdir(dir);
}

/* A count (got) of what is truly `truth`, compared with limit: never too
 * low; below the limit exactly when the truth is; exact from the limit on. */
static void assert_count(const char *what, int op, long got, long truth, long limit)
{
	fast_assert(got >= truth, "op %d: %s %ld, truly %ld", op, what, got, truth);
	fast_assert((got >= limit) == (truth >= limit), "op %d: %s %ld, truly %ld, limit %ld",
		    op, what, got, truth, limit);
	fast_assert(truth < limit || got == truth, "op %d: %s %ld, truly %ld, limit %ld",
		    op, what, got, truth, limit);
}

START_TEST(test_random)
{
	const uint32_t slots = 40;
	/* uids whose records come and go; 0 and the largest too. */
	static const uid_t uids[] = { 0, 1000, 1001, 1002, 65534, (uid_t)-2 };
	enum { FREE, USED, CLOSED } st[40] = { FREE };
	uid_t uid_of[40];
	unsigned refused_full = 0, at_limit = 0;
	struct room r;
	char err[256];

	ck_assert_msg(room_open(&r, path, slots, 16, 64, err, sizeof(err)) == 0, "%s", err);
	struct conns *c = conns_new(slots);
	ck_assert_ptr_nonnull(c);
	rng_state = 0xc0ffee;
	for (int op = 0; op < 200000; op++) {
		uint32_t i = rng() % slots;
		unsigned dice = rng() % 8;
		uint32_t in_use = 0;
		for (uint32_t k = 0; k < slots; k++)
			in_use += st[k] != FREE;

		if (dice < 3) {
			/* Accept: a free slot if there is one. */
			int f = conns_free_slot(c);
			fast_assert((f < 0) == (in_use == slots), "op %d: free slot %d with %u of %u in use",
				    op, f, in_use, slots);
			if (f < 0) {
				refused_full++;
				continue;
			}
			fast_assert(st[f] == FREE, "op %d: slot %d is not free", op, f);
			uid_t uid = uids[rng() % LEN(uids)];
			room_slot_claim(&r, (uint32_t)f, uid);
			conns_add(c, (uint32_t)f, uid);
			st[f] = USED;
			uid_of[f] = uid;
		} else if (dice < 6 && st[i] == USED &&
			   atomic_load(&room_slot(&r, i)->state) == SLOT_CONNECTED) {
			/* Its handler joins (or, now and then, leaves at once). */
			char name[NAME_MAX_LEN + 1], sk[NAME_MAX_LEN + 1];
			snprintf(name, sizeof(name), "s%u", i);
			name_skeleton(name, sk);
			room_lock(&r);
			room_slot_join_locked(&r, i, name, sk);
			if (dice == 5)
				room_slot_leave_locked(&r, i, room_head(&r));
			room_unlock(&r);
		} else if (dice == 6 && st[i] == USED) {
			/* Its handler is reaped; the slot is free at once, or
			 * once the writer gives it back. */
			room_lock(&r);
			room_slot_release(&r, i);
			room_unlock(&r);
			conns_closed(c, i);
			st[i] = CLOSED;
			if (rng() % 2) {
				conns_freed(c, i);
				st[i] = FREE;
			}
		} else if (dice == 7 && st[i] == CLOSED) {
			conns_freed(c, i);
			st[i] = FREE;
		}

		/* The counts for a random uid, with random limits. */
		uid_t uid = uids[rng() % LEN(uids)];
		long per_uid = 1 + rng() % 8, all = 1 + rng() % 24;
		struct conn_counts got;
		conns_count(c, &r, uid, per_uid, all, &got);
		long of_uid = 0, unjoined_of_uid = 0, unjoined = 0;
		for (uint32_t k = 0; k < slots; k++) {
			if (st[k] != USED)
				continue;
			bool u = atomic_load(&room_slot(&r, k)->state) == SLOT_CONNECTED;
			unjoined += u;
			if (uid_of[k] == uid) {
				of_uid++;
				unjoined_of_uid += u;
			}
		}
		fast_assert(got.of_uid == of_uid, "op %d: uid %u has %ld connections, counted %ld",
			    op, (unsigned)uid, of_uid, got.of_uid);
		assert_count("unjoined of uid", op, got.unjoined_of_uid, unjoined_of_uid, per_uid);
		assert_count("unjoined", op, got.unjoined, unjoined, all);
		at_limit += unjoined >= all;
	}
	/* The run went where it should: a full room, and counts at their
	 * limits. */
	ck_assert_msg(refused_full > 100, "the room was full %u times", refused_full);
	ck_assert_msg(at_limit > 1000, "at the limit %u times", at_limit);
	conns_free(c);
	room_close(&r);
}
END_TEST

/* Every slot is handed out once before the room is full, and a freed slot
 * is handed out again. */
START_TEST(test_free_slots)
{
	const uint32_t slots = 100;
	struct room r;
	char err[256];
	bool seen[100] = { false };

	ck_assert_msg(room_open(&r, path, slots, 16, 64, err, sizeof(err)) == 0, "%s", err);
	struct conns *c = conns_new(slots);
	ck_assert_ptr_nonnull(c);
	for (uint32_t n = 0; n < slots; n++) {
		int f = conns_free_slot(c);
		ck_assert_int_ge(f, 0);
		ck_assert_int_lt(f, (int)slots);
		ck_assert(!seen[f]);
		seen[f] = true;
		room_slot_claim(&r, (uint32_t)f, 1000 + n);    /* a uid each: 100 records */
		conns_add(c, (uint32_t)f, 1000 + n);
	}
	ck_assert_int_eq(conns_free_slot(c), -1);
	struct conn_counts got;
	conns_count(c, &r, 1042, 1, 100, &got);
	ck_assert_int_eq(got.of_uid, 1);
	ck_assert_int_eq(got.unjoined_of_uid, 1);
	ck_assert_int_eq(got.unjoined, 100);
	/* Closed, it counts no more, but is not free until freed. */
	conns_closed(c, 42);
	ck_assert_int_eq(conns_free_slot(c), -1);
	conns_count(c, &r, 1042, 1, 100, &got);
	ck_assert_int_eq(got.of_uid + got.unjoined_of_uid, 0);
	ck_assert_int_eq(got.unjoined, 99);
	conns_freed(c, 42);
	ck_assert_int_eq(conns_free_slot(c), 42);
	room_slot_claim(&r, 42, 7);
	conns_add(c, 42, 7);
	ck_assert_int_eq(conns_free_slot(c), -1);
	conns_free(c);
	room_close(&r);
}
END_TEST

static Suite *conns_suite(void)
{
	Suite *s = suite_create("conns");
	TCase *tc = tcase_create("conns");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_random);
	tcase_add_test(tc, test_free_slots);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(conns_suite());
}
