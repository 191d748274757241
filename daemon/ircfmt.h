/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* ircfmt.h - a room record as an IRC member sees it (docs/protocol.md,
 * "IRC", "What others see"): the fan-out writer's second protocol, and
 * the handler's for the history an IRC JOIN replays.
 *
 * Formatting once per protocol: the writer keeps a small cache of the
 * IRC form of the records of this pass, keyed by sequence number (the
 * line without tags, and its time tag), so that 250 IRC members of a room
 * cost one formatting of each record and a copy per member, as the lchat
 * members cost a copy of the record's lchat/1 line. Only the lines that
 * name their one recipient (a private message, a notice to all or to
 * one) are formatted per member. */
#ifndef LCHAT_IRCFMT_H
#define LCHAT_IRCFMT_H

#include <stdbool.h>
#include <stdint.h>

#include "buffer.h"
#include "room.h"

#define IRCFMT_CACHE 512   /* records of a pass whose IRC form is kept */

struct ircfmt_entry {
	uint64_t seq;          /* 0: empty */
	uint32_t room_gen;
	char *body;            /* the line without tags, without CR LF */
	size_t len, cap;       /* cap: the block's size (body is sized to
				* the line: 512 blocks of a buffer's 4 KiB
				* would be 2 MiB in the writer) */
	char tag[40];          /* "time=..." */
};

struct ircfmt_cache {
	struct ircfmt_entry e[IRCFMT_CACHE];
	struct buffer scratch; /* where a missing line is formatted first */
	uint64_t hits, misses;
};

/* What one member gets of a record. */
struct ircfmt_to {
	const char *nick;      /* the member's name */
	uint32_t caps;         /* its IRC caps (irc.h) */
	bool history;          /* the record is a replay (below its JOIN) */
	bool own;              /* its own event (only echoes are sent) */
};

/* Append record (info; line: its lchat/1 line) as member `to` sees it,
 * CR LF included, to out; nothing for a record it does not get (its own
 * message without echo-message, its own JOIN and LEAVE, which the handler
 * answers). cache may be NULL (no cache). -1 if out of memory. */
int ircfmt_event(struct ircfmt_cache *cache, struct buffer *out, const struct room_rec_info *info,
		 const char *line, const struct ircfmt_to *to);

/* Does the record's IRC line name its recipient (a private message, a
 * notice to all or to one: formatted per member, with ircfmt_to.nick)?
 * Other lines do not use the nick. */
bool ircfmt_per_member(const struct room_rec_info *info);

/* The history batch's id, for its BATCH lines and batch= tags. */
#define IRCFMT_BATCH_ID "hist"

#endif
