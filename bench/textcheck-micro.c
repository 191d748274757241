/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* textcheck-micro.c - what a handler's per-line text work costs: the
 * sanitizer's text_check() (run on every line, then on its text) and the
 * scan for mentions (mention_next()), over a line like lchat-bench's
 * (SAY, a room, a 100-byte text). Prints nanoseconds per line. Not a
 * test and not part of make bench:
 *
 *   make textcheck-micro         (build/bin/textcheck-micro [ROUNDS]) */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sanitize.h"
#include "waiting.h"

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : 5000000;
	char line[256];
	int n = snprintf(line, sizeof(line), "SAY #b3 @@r1 s0 12345 1733360000000000 %0*d", 70, 0);
	const char *text = line + 8;
	size_t text_len = (size_t)n - 8;
	volatile long sink = 0;

	if (rounds <= 0 || n <= 8)
		return 2;
	double t0 = now_s();
	for (long i = 0; i < rounds; i++)
		sink += text_check(line, (size_t)n, NULL) + text_check(text, text_len, NULL);
	double t1 = now_s();
	for (long i = 0; i < rounds; i++) {
		size_t pos = 0, k;
		while (mention_next(text, text_len, &pos, &k))
			sink++;
	}
	double t2 = now_s();
	printf("line of %d bytes: text_check of the line and of its text %.1f ns, "
	       "mention scan %.1f ns\n", n, (t1 - t0) / (double)rounds * 1e9,
	       (t2 - t1) / (double)rounds * 1e9);
	return sink == -1;
}
