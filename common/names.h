/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* names.h - the rules for chat names.
 *
 * A chat name is 1..NAME_MAX_LEN characters from [A-Za-z0-9._-], starting
 * with a letter or digit. Restricting names to ASCII removes the whole class
 * of Unicode look-alike, zero-width and bidi tricks. Names are compared
 * case-insensitively: name_key() gives the comparison key.
 *
 * ASCII has look-alikes too: "a1ice" or "aIice" for "alice", "adm1n" for
 * "admin", and the separators: "root.", "r.oot", "admin_", "ro-ot".
 * name_skeleton() maps a name to what it looks like, and two names with
 * the same skeleton are the same name to a reader, so confusable: a name may not be confusable with
 * a reserved name, with another account's login name, or with the name of
 * another user's member of the room.
 *
 * This file holds the pure rules (syntax, reserved names, keys, skeletons,
 * error codes and messages) and uses no state. The two rules that need the
 * daemon's state are the daemon's: another account's login in
 * daemon/accounts.c (name_check_for_uid()), another user's member in
 * daemon/room.c. */
#ifndef LCHAT_NAMES_H
#define LCHAT_NAMES_H

#include <stddef.h>
#include <stdbool.h>

#include "codes.h"

#define NAME_MAX_LEN 32

enum name_error {
	NAME_OK = 0,
	NAME_EMPTY,
	NAME_TOO_LONG,
	NAME_BAD_CHAR,      /* control, space, invisible, bidi or other character */
	NAME_BAD_START,     /* must start with a letter or digit */
	NAME_RESERVED,      /* looks like the server or an administrator */
	NAME_OTHERS_LOGIN,  /* another account's login name, or a look-alike */
	NAME_CONFUSABLE,    /* looks like the name of another user in the room */
};

/* Check the syntax and the reserved list; n is the length in bytes. */
enum name_error name_check_syntax(const char *name, size_t n);

/* Lower-case comparison key of a valid name into key (NAME_MAX_LEN + 1). */
void name_key(const char *name, char *key);

/* The skeleton of a name, into out (NAME_MAX_LEN + 1): lower case, the
 * separators '.', '_' and '-' dropped, then each look-alike replaced by
 * one representative, left to right:
 *   0 -> o     1, i (and so I), l -> l     5 -> s     rn -> m     vv -> w
 * The set is the confusions of common terminal fonts: the digits that
 * look like letters, capital I and small l, and the pairs that run
 * together in proportional fonts. */
void name_skeleton(const char *name, char *out);

/* True if two valid names are the same name (case-insensitive). */
bool name_equal(const char *a, const char *b);

/* The reply code of a name_error (codes.h), its word, and a sentence. */
enum reply_code name_error_reply(enum name_error e);
const char *name_error_code(enum name_error e);
const char *name_error_message(enum name_error e);

#define ROOM_NAME_MAX 24   /* bytes of a room name, without its '#' */
/* The PROTO 2 room word of a private event (and of a notice to one
 * member), and of a notice to all rooms. */
#define ROOM_PRIVATE "-"
#define ROOM_ALL "*"

/* Is s (n bytes, without its '#') a room name: 1 to ROOM_NAME_MAX of
 * [a-z0-9_-], any case (docs/protocol.md, "Rooms")? */
bool room_name_ok(const char *s, size_t n);

#endif
