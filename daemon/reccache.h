/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* reccache.h - the fan-out writer's copies of the records of one pass.
 *
 * A record goes to every member of its room. Each member used to read it
 * from the shared log (the fields and the line, about 300 bytes) and,
 * under PROTO 2, to insert the room word into its copy. Now the first
 * member to need a record in a pass reads it here, once, and the others
 * copy the line they need: the lchat/1 line, or the PROTO 2 line, made
 * once when first asked for. The IRC form has its own cache (ircfmt.h),
 * made from these copies.
 *
 * An entry holds for the pass that read it only: a private message's text
 * may be scrubbed from the log later (room_scrub_private_locked()), and a
 * member resuming after that must not get it from here. */
#ifndef LCHAT_RECCACHE_H
#define LCHAT_RECCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "room.h"

/* Records of a pass kept: RECCACHE_WAYS places for each seq, in the set
 * seq % RECCACHE_SETS, the least recently used given up first. The
 * writer visits the members of a room one after the other, so a record
 * is wanted again soon or not at all in that round; four places for each
 * keep the hundred or so records of a room's batch (16 KiB of lines)
 * from pushing each other out: in 256 places by seq alone, about a third
 * of 120 records share a place with another. A pass of many more
 * reads some records twice, as before. */
#define RECCACHE_SETS 64
#define RECCACHE_WAYS 4
#define RECCACHE_SIZE (RECCACHE_SETS * RECCACHE_WAYS)

struct reccache_entry {
	uint64_t seq;               /* 0: empty */
	uint64_t pass;
	uint64_t used;              /* when last asked for (reccache.use) */
	struct room_rec_info info;  /* with the names (room_read_as()) */
	char *line;                 /* the lchat/1 line (info.len bytes), then
				     * from v2_off its PROTO 2 line */
	size_t v2_off, v2_len;      /* v2_len 0: not made yet */
	size_t cap;                 /* line's block */
};

struct reccache {
	struct reccache_entry e[RECCACHE_SIZE];
	uint64_t pass;
	uint64_t use;               /* counts lookups */
	char *scratch;              /* a record is read here first */
	size_t scratch_cap;
};

/* A new pass: every entry is stale. */
void reccache_next_pass(struct reccache *c);

/* Record seq of room r, read once per pass. NULL if it was recycled (the
 * reader fell behind) or out of memory. */
struct reccache_entry *reccache_get(struct reccache *c, struct room *r, uint64_t seq);

/* The entry's PROTO 2 line (room_line_v2()), made on the first call; its
 * length in *len (0: none could be made). */
const char *reccache_v2(struct reccache_entry *e, size_t *len);

#endif
