/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* codes.h - every reply code of the lchat protocols (docs/protocol.md):
 * the first word after ERR and BYE, once, with whether it is transient
 * (the same request, or a reconnect, may succeed later: clients retry)
 * or final (retrying changes nothing). Daemon, client and admin tool name
 * codes by this enum; the words are written only in codes.c. */
#ifndef LCHAT_CODES_H
#define LCHAT_CODES_H

#include <stdbool.h>
#include <stddef.h>

enum reply_code {
	CODE_OK = 0,            /* not an error: "ok" */
	/* text that breaks the rules (sanitize.h) */
	CODE_BAD_UTF8,
	CODE_BAD_CHAR,
	CODE_EMPTY,
	CODE_TOO_MANY_MARKS,
	/* names (names.h) */
	CODE_NAME_EMPTY,
	CODE_NAME_TOO_LONG,
	CODE_NAME_BAD_CHAR,
	CODE_NAME_BAD_START,
	CODE_NAME_RESERVED,
	CODE_NAME_OTHERS_LOGIN,
	CODE_NAME_CONFUSABLE,
	CODE_NAME_TAKEN,
	/* commands */
	CODE_UNKNOWN_COMMAND,
	CODE_BAD_ARGUMENT,
	CODE_LINE_TOO_LONG,
	CODE_NOT_JOINED,
	CODE_ALREADY_JOINED,
	CODE_NO_SUCH_USER,
	CODE_MUTED,
	CODE_RATE_LIMITED,
	CODE_NOT_MUTED,
	CODE_NOT_BANNED,
	CODE_BAD_CONFIG,
	CODE_STORAGE,           /* a change could not be saved (disk full...) */
	CODE_WAIT_FULL,         /* as many messages wait for someone as may */
	CODE_REFUSED,           /* the target does not accept private messages */
	CODE_IGNORE_FULL,       /* the list of ignored users is full */
	CODE_NOT_IGNORED,
	/* rooms (PROTO 2) */
	CODE_BAD_COMMAND,       /* a verb this connection may not use yet */
	CODE_NO_SUCH_ROOM,
	CODE_NOT_ALLOWED,       /* the room's group does not include the user */
	CODE_TOO_MANY_ROOMS,
	CODE_ALREADY_IN,
	CODE_NOT_IN_ROOM,
	CODE_NOT_OPERATOR,
	/* the end of a connection (BYE) */
	CODE_KICKED,
	CODE_BANNED,
	CODE_LAGGED,
	CODE_SHUTDOWN,
	CODE_JOIN_TIMEOUT,
	CODE_FULL,
	CODE_TOO_MANY_CONNECTIONS,
	CODE_TOO_MANY_UNJOINED,
	CODE_BUSY,
	CODE_PERMISSION_DENIED,
	CODE_UNAVAILABLE,       /* the server ran out of something (ERR or BYE) */
	CODE_COUNT
};

/* The code's word, as sent; "unknown" for a value out of range. */
const char *code_word(enum reply_code c);
/* May the same request or a reconnect succeed later? */
bool code_transient(enum reply_code c);
/* The code named by n bytes at w; false if this program does not know it
 * (a newer server): callers treat an unknown code as final. */
bool code_from_word(const char *w, size_t n, enum reply_code *c);

#endif
