/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* duration.h - durations as people write them ("90", "90s", "10m", "2h",
 * "1d", "1h30m"): the one grammar of every duration lchat takes (the
 * control socket's MUTE and BAN, lchat-admin's mute, ban and -t), and
 * its one error message. */
#ifndef LCHAT_DURATION_H
#define LCHAT_DURATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest duration accepted: ten years, in seconds. */
#define DURATION_MAX_S (10LL * 366 * 24 * 3600)

/* What a word said as a duration. */
enum duration_status {
	DURATION_OK = 0,
	DURATION_NONE,       /* not written as one: starts with a letter ("spam") */
	DURATION_BAD,        /* written as one, malformed ("1.5h", "-5", "2x", "1h30") */
	DURATION_TOO_LONG,   /* above DURATION_MAX_S ("99999999999w") */
	DURATION_SPLIT,      /* followed by a unit as a word of its own ("2 hours") */
};

/* The grammar: one word. A bare number of seconds ("90"), or numbers each
 * with a unit s m h d w, from the largest down, each unit once ("1h30m");
 * "0", "forever" and "permanent" (any case) give 0: no end. At most
 * DURATION_MAX_S. A word that starts with a digit, a sign or a point is a
 * duration or an error; one that starts otherwise is DURATION_NONE.
 * `next` (n bytes; NULL or 0 if none) is the word after it: a unit name
 * there ("hours", "m") means the duration was split in two words, an
 * error rather than a reason or an extra argument. *seconds is set only
 * on DURATION_OK. */
enum duration_status duration_read(const char *word, size_t n, const char *next, size_t next_n,
				   int64_t *seconds);

/* duration_read() of a whole C string, with no next word: true for
 * DURATION_OK. */
bool duration_parse(const char *s, int64_t *seconds);

/* The one message for a status other than DURATION_OK, naming the word
 * (and the next one for DURATION_SPLIT): "bad duration '1.5h' (...)". */
void duration_error(enum duration_status st, const char *word, size_t n, const char *next,
		    size_t next_n, char *buf, size_t len);

/* Write seconds as a short text ("45s", "10m", "2h 5m", "3d 4h"), at most
 * the two largest units; 0 or less gives "forever". */
void duration_format(int64_t seconds, char *buf, size_t len);

#endif
