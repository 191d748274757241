/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* check_outq.c - the per-connection reply queues (daemon/outq.c): entries
 * round-trip with their due sequence numbers, the space is counted exactly,
 * positions wrap (the ring is no power of two), a waiting producer is
 * reported to the consumer, bad headers are refused, and a producer and a
 * consumer in two processes lose and reorder nothing. */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "outq.h"

/* An entry's text: `len` bytes derived from its number, ending in "\n". */
static void fill(char *buf, size_t len, uint32_t n)
{
	for (size_t i = 0; i + 1 < len; i++)
		buf[i] = (char)('a' + (n + i) % 26);
	buf[len - 1] = '\n';
}

/* Take the next entry and check it is entry n of length len, due at due. */
static void take_one(struct outq *q, uint32_t n, size_t len, uint64_t due)
{
	struct outq_entry e;
	char got[OUTQ_ENTRY_MAX], want[OUTQ_ENTRY_MAX];
	uint32_t tail = atomic_load(&q->tail);

	fast_assert(outq_peek(q, tail, &e), "entry %u: nothing to take", n);
	fast_assert(e.len == len && e.due == due, "entry %u: len %u due %" PRIu64
		    ", expected %zu and %" PRIu64, n, e.len, e.due, len, due);
	outq_copy(q, tail, &e, got);
	fill(want, len, n);
	fast_assert(memcmp(got, want, len) == 0, "entry %u: wrong bytes", n);
	outq_take(q, e.next);
}

START_TEST(test_empty_and_one)
{
	struct outq *q = outq_map(2);
	struct outq_entry e;
	char line[100];

	ck_assert_ptr_nonnull(q);
	ck_assert_uint_eq(sizeof(*q), 4096);
	ck_assert(outq_empty(q));
	ck_assert_uint_eq(outq_space(q), OUTQ_BYTES);
	ck_assert(!outq_peek(q, atomic_load(&q->tail), &e));
	fill(line, sizeof(line), 7);
	ck_assert(outq_put(q, 42, line, sizeof(line)));
	ck_assert(!outq_empty(q));
	ck_assert_uint_eq(outq_space(q), OUTQ_BYTES - OUTQ_HDR - sizeof(line));
	/* The other queue is not touched. */
	ck_assert(outq_empty(&q[1]));
	take_one(q, 7, sizeof(line), 42);
	ck_assert(outq_empty(q));
	ck_assert_uint_eq(outq_space(q), OUTQ_BYTES);
	outq_unmap(q, 2);
}
END_TEST

START_TEST(test_sizes)
{
	struct outq *q = outq_map(1);
	static char big[OUTQ_ENTRY_MAX + 1];

	fill(big, sizeof(big), 1);
	ck_assert(!outq_put(q, 1, big, 0));
	ck_assert(!outq_put(q, 1, big, OUTQ_ENTRY_MAX + 1));
	fill(big, OUTQ_ENTRY_MAX, 1);
	ck_assert(outq_put(q, 1, big, OUTQ_ENTRY_MAX));
	ck_assert_uint_eq(outq_space(q), 0);
	ck_assert(!outq_put(q, 2, big, 1));
	take_one(q, 1, OUTQ_ENTRY_MAX, 1);
	ck_assert_uint_eq(outq_space(q), OUTQ_BYTES);
	outq_unmap(q, 1);
}
END_TEST

/* Fill the queue with entries of varied sizes until one does not fit; the
 * space left must be exactly what is not used. Then take them all. Many
 * rounds, so that positions wrap around the ring and around their span. */
START_TEST(test_fill_and_wrap)
{
	struct outq *q = outq_map(1);
	char line[600];
	uint32_t put = 0, taken = 0;
	size_t lens[OUTQ_BYTES / OUTQ_HDR];

	rng_state = 12345;
	for (int round = 0; round < 20000; round++) {
		size_t used = 0, n = 0;
		for (;;) {
			size_t len = 1 + rng() % sizeof(line);
			fill(line, len, put);
			bool fits = used + OUTQ_HDR + len <= OUTQ_BYTES;
			fast_assert(outq_put(q, put, line, len) == fits,
				    "round %d: a put of %zu with %zu used: %s", round, len, used,
				    fits ? "refused" : "accepted");
			if (!fits)
				break;
			used += OUTQ_HDR + len;
			lens[n++] = len;
			put++;
			fast_assert(outq_space(q) == OUTQ_BYTES - used, "round %d: space %zu, "
				    "expected %zu", round, outq_space(q), OUTQ_BYTES - used);
		}
		for (size_t k = 0; k < n; k++, taken++)
			take_one(q, taken, lens[k], taken);
		ck_assert(outq_empty(q));
	}
	ck_assert_uint_gt(put, 100000);
	outq_unmap(q, 1);
}
END_TEST

START_TEST(test_want_space)
{
	struct outq *q = outq_map(1);
	struct outq_entry e;
	char line[10];

	fill(line, sizeof(line), 0);
	ck_assert(outq_put(q, 5, line, sizeof(line)));
	ck_assert(outq_peek(q, atomic_load(&q->tail), &e));
	atomic_store(&q->want_space, 1);
	ck_assert(outq_take(q, e.next));       /* the producer must be woken */
	ck_assert_uint_eq(atomic_load(&q->want_space), 0);
	ck_assert(outq_put(q, 6, line, sizeof(line)));
	ck_assert(outq_peek(q, atomic_load(&q->tail), &e));
	ck_assert(!outq_take(q, e.next));      /* nobody waits */
	outq_unmap(q, 1);
}
END_TEST

/* The producer is another process: a header that claims more than was put,
 * or a position outside the span, is not an entry. */
START_TEST(test_bad_header)
{
	struct outq *q = outq_map(1);
	struct outq_entry e;
	char line[20];
	uint32_t len = 5000;

	fill(line, sizeof(line), 0);
	ck_assert(outq_put(q, 1, line, sizeof(line)));
	memcpy(q->ring + 8, &len, 4);
	ck_assert(!outq_peek(q, 0, &e));
	len = 0;
	memcpy(q->ring + 8, &len, 4);
	ck_assert(!outq_peek(q, 0, &e));
	len = sizeof(line) + 1;             /* one byte past head */
	memcpy(q->ring + 8, &len, 4);
	ck_assert(!outq_peek(q, 0, &e));
	ck_assert(!outq_peek(q, 3 * OUTQ_BYTES, &e));
	outq_unmap(q, 1);
}
END_TEST

/* A producer process puts 200,000 entries as fast as the queue takes
 * them; the consumer (this process) checks each one in order. */
#define XP_ENTRIES 200000
START_TEST(test_two_processes)
{
	struct outq *q = outq_map(1);
	char line[300];

	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		rng_state = 99;
		for (uint32_t n = 0; n < XP_ENTRIES; n++) {
			size_t len = 1 + rng() % sizeof(line);
			fill(line, len, n);
			while (!outq_put(q, n, line, len))
				usleep(10);
		}
		_exit(0);
	}
	rng_state = 99;
	for (uint32_t n = 0; n < XP_ENTRIES; n++) {
		size_t len = 1 + rng() % sizeof(line);
		struct outq_entry e;
		for (int spins = 0; !outq_peek(q, atomic_load(&q->tail), &e); spins++) {
			fast_assert(spins < 10000000, "entry %u never came", n);
			if (spins % 64 == 63)
				usleep(10);
		}
		take_one(q, n, len, n);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert(outq_empty(q));
	outq_unmap(q, 1);
}
END_TEST

static Suite *outq_suite(void)
{
	Suite *s = suite_create("outq");
	TCase *tc = tcase_create("outq");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_empty_and_one);
	tcase_add_test(tc, test_sizes);
	tcase_add_test(tc, test_fill_and_wrap);
	tcase_add_test(tc, test_want_space);
	tcase_add_test(tc, test_bad_header);
	tcase_add_test(tc, test_two_processes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(outq_suite());
}
