/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* ttywrite.h - a notice written to a set of terminals at once, none of
 * which can hold up the others: each is opened non-blocking and without
 * becoming the controlling terminal, and all are written together in one
 * poll loop with one deadline; a terminal that has not taken the whole
 * notice by then is given up (counted as timed out). */
#ifndef LCHAT_TTYWRITE_H
#define LCHAT_TTYWRITE_H

#include <stddef.h>

#include "wallreq.h"

/* How long the terminals have to take a notice, in milliseconds. */
#define TTY_WRITE_TIMEOUT_MS 1000

struct tty_set;

struct tty_set *tty_set_new(void);
void tty_set_free(struct tty_set *t);
/* Open /dev/LINE (from a login record) for writing and add it to the set,
 * unless it is there already. Counts a terminal whose owner said `mesg n`
 * (no group write) in n->mesg_n, one that cannot be opened in n->failed.
 * line is checked: a relative path under /dev, no ".."; a display (":0")
 * or an empty line is no terminal, and is skipped. */
void tty_set_add(struct tty_set *t, const char *line, struct wall_counts *n);
/* Write msg to every terminal of the set; the counts go to n. */
void tty_set_write(struct tty_set *t, const char *msg, size_t len, struct wall_counts *n);

/* The notice as a terminal shows it: a banner ("Notice from lchat (BY)
 * at TIME:"), the text, CR LF line ends; BY and TEXT go through the
 * shared sanitizer. A malloc'd string, its length in *len; NULL if out of
 * memory. */
char *tty_notice(const char *by, const char *text, size_t text_len, size_t *len);

#endif
