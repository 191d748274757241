/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* check_main.h - what the unit test programs (tests/unit/check_*.c) share:
 * running a suite the standard way, and a few small helpers. Each
 * program includes it as "check_main.h" (it is not compiled on its own). */
#ifndef LCHAT_CHECK_MAIN_H
#define LCHAT_CHECK_MAIN_H

#include <check.h>
#include <stdint.h>

/* Run the suite s (Check's default fork mode, normal output); returns the
 * exit status for main(): 1 if any test failed, else 0. */
static inline int check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}

#define LEN(a) (sizeof(a) / sizeof((a)[0]))
/* A string literal with its length (embedded NULs included). */
#define S(lit) lit, sizeof(lit) - 1

/* ck_assert_msg() without Check's per-assertion bookkeeping, which costs a
 * write per call: for loops over many cases (all 1.1 million code
 * points, random inputs). */
#define fast_assert(expr, ...) \
	do { \
		if (!(expr)) \
			ck_abort_msg(__VA_ARGS__); \
	} while (0)

/* Deterministic xorshift32 so random tests are reproducible: a test sets
 * rng_state (never 0), then calls rng(). */
static uint32_t rng_state __attribute__((unused));

static inline uint32_t rng(void)
{
	uint32_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return rng_state = x;
}

#endif
