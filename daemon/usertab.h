/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* usertab.h - the room's table of users (uids): what each uid may still
 * spend of the rate limit, shared by all its connections and kept across
 * its reconnects. A limit held per connection is reset by reconnecting;
 * held here, it is the user's.
 *
 * A region of the room's mapping after the ring log: 2 * max_users
 * entries, a hash map (hashidx.h) of them by uid, and in the room header
 * the list of entries no connection uses, least recently used first.
 *
 *   - The daemon alone finds, takes and lets go of entries, from the slot
 *     life cycle (room_slot_claim() pins the uid's entry for the slot,
 *     room_slot_release() unpins it), with no lock, as it claims slots: no
 *     handler uses an entry that no slot pins.
 *   - Handlers spend from their slot's entry under the room lock
 *     (usertab_spend_locked()).
 *
 * An entry is pinned while its uid has a connection: at most max_users
 * are. An unpinned entry keeps its bucket for the uid's next connection;
 * a new uid takes a never used entry, else the least recently unpinned
 * one, whose bucket has had the longest to fill up again (a full bucket is
 * no state: the entry's loss is then nobody's gain). Since at least
 * max_users entries are never pinned, a uid's bucket is lost early only
 * after more than max_users other uids have come and gone since its last
 * connection closed; the table itself can never run out. */
#ifndef LCHAT_USERTAB_H
#define LCHAT_USERTAB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct room;

#define USERTAB_NONE UINT32_MAX
/* Users one uid may ignore at most (IGNORE, docs/protocol.md). */
#define USERTAB_IGNORE_MAX 64

/* The uid's preferences (prefs.h): the uids it ignores and whether it
 * takes private messages. Handlers change them under the room lock and
 * mark the entry dirty; the daemon copies dirty entries to its own list
 * and saves it (it alone may write files), and fills an entry it takes
 * anew from that list before the uid's handler starts. The fan-out
 * writer reads `ignored` with no lock, per event: `nignored` is stored
 * after a uid is added and before the last one is moved into a removed
 * one's place, so a reader never misses a uid that stays ignored. */
struct room_prefs {
	_Atomic uint32_t nignored;
	_Atomic uint32_t mesg_off;     /* 1: refuses private messages (MESG n) */
	_Atomic uint32_t dirty;        /* changed since the daemon copied them */
	uint32_t loaded;               /* the daemon filled them in */
	_Atomic uint32_t ignored[USERTAB_IGNORE_MAX];
};

struct room_user {
	uint32_t uid;
	uint32_t pins;           /* slots claimed for this uid */
	uint32_t older, newer;   /* unpinned: neighbours in the LRU list */
	uint32_t spent;          /* 0: the bucket is full (nothing spent yet) */
	uint32_t reserved;
	int64_t tokens;          /* thousandths of a message, at tokens_ms */
	int64_t tokens_ms;       /* monotonic ms (CLOCK_MONOTONIC: system-wide) */
	struct room_prefs prefs;
};

/* Entries of a room of max_users slots, and the bytes of their region. */
uint32_t usertab_entries(uint32_t max_users);
size_t usertab_bytes(uint32_t max_users);
/* Use mem (usertab_bytes() bytes) and make the table empty. */
void usertab_attach(struct room *r, void *mem);

/* The daemon: pin uid's entry (found, or taken) for one more slot, and
 * let go of one pin. Returns the entry's number. */
uint32_t usertab_pin(struct room *r, uid_t uid);
void usertab_unpin(struct room *r, uint32_t u);

/* Under the room lock: take one message's worth (a message, a JOIN, a
 * NICK, a QUIT's reason) from entry u's bucket, which holds at most burst
 * and fills at rate a second, at monotonic time now_ms. False if it holds
 * less than one: nothing is taken. */
bool usertab_spend_locked(struct room *r, uint32_t u, long rate, long burst, int64_t now_ms);

/* Does the entry's uid ignore `uid`? No lock (the fan-out writer, per
 * event); u USERTAB_NONE: no. */
bool usertab_ignores(const struct room *r, uint32_t u, uint32_t uid);
/* Under the room lock: add or remove `uid` in entry u's ignore list and
 * mark it dirty. add: 1 added, 0 already there, -1 the list is full;
 * remove: 1 removed, 0 was not there. */
int usertab_ignore_add_locked(struct room *r, uint32_t u, uint32_t uid);
int usertab_ignore_remove_locked(struct room *r, uint32_t u, uint32_t uid);

#endif
