/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* codes.c - the words of the reply codes, and which ones are transient. */
#include "codes.h"

#include <string.h>

static const struct {
	const char *word;
	bool transient;
} codes[CODE_COUNT] = {
	[CODE_OK] = { "ok", false },
	[CODE_BAD_UTF8] = { "bad-utf8", false },
	[CODE_BAD_CHAR] = { "bad-char", false },
	[CODE_EMPTY] = { "empty", false },
	[CODE_TOO_MANY_MARKS] = { "too-many-marks", false },
	[CODE_NAME_EMPTY] = { "name-empty", false },
	[CODE_NAME_TOO_LONG] = { "name-too-long", false },
	[CODE_NAME_BAD_CHAR] = { "name-bad-char", false },
	[CODE_NAME_BAD_START] = { "name-bad-start", false },
	[CODE_NAME_RESERVED] = { "name-reserved", false },
	[CODE_NAME_OTHERS_LOGIN] = { "name-others-login", false },
	[CODE_NAME_CONFUSABLE] = { "name-confusable", false },
	[CODE_NAME_TAKEN] = { "name-taken", false },
	[CODE_UNKNOWN_COMMAND] = { "unknown-command", false },
	[CODE_BAD_ARGUMENT] = { "bad-argument", false },
	[CODE_LINE_TOO_LONG] = { "line-too-long", false },
	[CODE_NOT_JOINED] = { "not-joined", false },
	[CODE_ALREADY_JOINED] = { "already-joined", false },
	[CODE_NO_SUCH_USER] = { "no-such-user", false },
	[CODE_MUTED] = { "muted", false },
	[CODE_RATE_LIMITED] = { "rate-limited", true },
	[CODE_NOT_MUTED] = { "not-muted", false },
	[CODE_NOT_BANNED] = { "not-banned", false },
	[CODE_BAD_CONFIG] = { "bad-config", false },
	[CODE_STORAGE] = { "storage", true },
	[CODE_WAIT_FULL] = { "wait-full", false },
	[CODE_REFUSED] = { "refused", false },
	[CODE_IGNORE_FULL] = { "ignore-full", false },
	[CODE_NOT_IGNORED] = { "not-ignored", false },
	[CODE_BAD_COMMAND] = { "bad-command", false },
	[CODE_NO_SUCH_ROOM] = { "no-such-room", false },
	[CODE_NOT_ALLOWED] = { "not-allowed", false },
	[CODE_TOO_MANY_ROOMS] = { "too-many-rooms", false },
	[CODE_ALREADY_IN] = { "already-in", false },
	[CODE_NOT_IN_ROOM] = { "not-in-room", false },
	[CODE_NOT_OPERATOR] = { "not-operator", false },
	[CODE_KICKED] = { "kicked", false },
	[CODE_BANNED] = { "banned", false },
	[CODE_LAGGED] = { "lagged", true },
	[CODE_SHUTDOWN] = { "shutdown", true },
	[CODE_JOIN_TIMEOUT] = { "join-timeout", true },
	[CODE_FULL] = { "full", true },
	[CODE_TOO_MANY_CONNECTIONS] = { "too-many-connections", true },
	[CODE_TOO_MANY_UNJOINED] = { "too-many-unjoined", true },
	[CODE_BUSY] = { "busy", true },
	[CODE_PERMISSION_DENIED] = { "permission-denied", false },
	[CODE_UNAVAILABLE] = { "unavailable", true },
};

const char *code_word(enum reply_code c)
{
	if ((unsigned)c < CODE_COUNT)
		return codes[c].word;
	return "unknown";
}

bool code_transient(enum reply_code c)
{
	return (unsigned)c < CODE_COUNT && codes[c].transient;
}

bool code_from_word(const char *w, size_t n, enum reply_code *c)
{
	for (unsigned i = 0; i < CODE_COUNT; i++)
		if (strlen(codes[i].word) == n && memcmp(codes[i].word, w, n) == 0) {
			*c = (enum reply_code)i;
			return true;
		}
	return false;
}
