/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* complete.h - Tab completion of the line being typed, as pure logic (no
 * readline here: term.c binds it to Tab). What completes is the word that
 * ends at the cursor: the name of someone in the room (not our own), or,
 * for a word that starts the line with '/', one of lchat's /commands
 * (input_commands, commands.h);
 * either matched case-insensitively. Each candidate carries what follows
 * it, as in irssi:
 *
 *   "al"      -> "alice: "   a name that starts the line: addressed
 *   "hi al"   -> "hi alice " a name in the middle of the line
 *   "/ni"     -> "/nick "    a command
 *
 * The candidates are in alphabetical order, case ignored ("bob" before
 * "Bobby" before "carol"); repeated Tabs walk through them and wrap around.
 *
 * Also here: the list of names in the room that the session keeps for it
 * (from WHO, then JOIN, LEAVE and NICK events). */
#ifndef LCHAT_CLIENT_COMPLETE_H
#define LCHAT_CLIENT_COMPLETE_H

#include <stdbool.h>
#include <stddef.h>

#include "names.h"

/* The names of the members of the room, each once (names are one name in
 * any case, as the server compares them). */
struct namelist {
	char (*names)[NAME_MAX_LEN + 1];
	size_t n, cap;
};

/* Add a name (len bytes); one that is there in any case takes its new
 * spelling, one that is no name (empty, too long) is ignored. Returns 0,
 * or -1 when out of memory. */
int namelist_add(struct namelist *l, const char *name, size_t len);
/* Remove a name (any case); false if it was not there. */
bool namelist_remove(struct namelist *l, const char *name, size_t len);
/* Is the name there (any case)? */
bool namelist_has(const struct namelist *l, const char *name, size_t len);
/* Replace the names of `to` by those of `from`, which is left empty. */
void namelist_move(struct namelist *to, struct namelist *from);
void namelist_free(struct namelist *l);

/* A completion in progress: the candidates for one word, and where the
 * cycle is. */
struct completion {
	size_t start;        /* where the word begins in the line (bytes) */
	size_t len;          /* bytes of the line the last candidate took */
	char **cands;        /* candidates, each with what follows it */
	size_t n;
	size_t next;         /* the one the next complete_next() gives */
};

/* Start completing the word that ends at byte `point` of line (len bytes):
 * fills c (freeing what it held) and returns the number of candidates; 0
 * for nothing to complete (no match, or no word before the cursor). self:
 * our own name, never offered (may be NULL). */
size_t complete_start(struct completion *c, const char *line, size_t len, size_t point,
		      const struct namelist *names, const char *self);
/* The same, and with rooms (a NULL-terminated list of "#name"; NULL:
 * the server has none): the second word of "/join ", "/part " and
 * "/switch " completes to one of them ("/join #cs" -> "/join #cs101 "),
 * with or without its '#'. */
size_t complete_start_rooms(struct completion *c, const char *line, size_t len, size_t point,
			    const struct namelist *names, const char *self,
			    const char *const *rooms);
/* The next candidate (c->n > 0), wrapping around after the last; sets
 * c->len to its length. */
const char *complete_next(struct completion *c);
void complete_free(struct completion *c);

#endif
