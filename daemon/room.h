/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* room.h - the room: one shared mapping, created by the daemon before it
 * forks anything, that every handler reads and writes directly.
 *
 *   header | member table [max_users] | name index | ring log [history records]
 *          | user table [2 * max_users] (usertab.h)
 *
 * The member table decides name uniqueness under a process-shared robust
 * mutex; the name index (nameindex.h) finds its joined members by name and
 * by look-alike skeleton without a scan. The ring log holds the last
 * `history` events, each with its fields
 * (kind, origin, target, name, login, reason, text; the sender's and the
 * target's uid and name key, by which a replay addresses it) and already formatted
 * as its lchat/1 line; an appender fills a record under the mutex and
 * publishes it by advancing next_seq. Readers need no lock: a record carries
 * its sequence number, stored last, so a reader that races with an appender
 * recycling the slot sees the mismatch (a seqlock) and knows it fell behind.
 * The one reader is the fan-out writer (fanout.c), which streams the log to
 * every member; appenders wake it with wake_writer() (wake.h).
 *
 * Rooms (issue 17, DESIGN.md "Rooms"): one log, one sequence. The header
 * holds the table of rooms (at most ROOMS_MAX: configured and user rooms),
 * each with a generation bumped whenever its entry is reused; every record
 * names its room by index and generation (or none: a notice to all, a
 * private message); every member has the set of rooms it is in (a mask)
 * and, per room, the span of sequence numbers that are its (from its
 * JOIN in the room to its LEAVE), by which the fan-out writer filters.
 *
 * The mapping is a file in state_dir, so history and sequence numbers
 * survive a daemon restart. */
#ifndef LCHAT_ROOM_H
#define LCHAT_ROOM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "nameindex.h"
#include "names.h"
#include "protocol.h"
#include "usertab.h"

#define LOGIN_MAX 32
#define AWAY_MAX 160    /* bytes of an away reason (AWAY REASON), cut */
#define ROOM_SERVER 0   /* origin of events the daemon writes */
#define ROOM_GROUPS_MAX 64   /* supplementary groups kept per connection */

/* A record's room tag: 0 none (for everyone it is addressed to: a notice
 * to all, a private message), 1..ROOMS_MAX a room's index + 1, or
 * ROOM_TAG_NOBODY (the LEAVE or NICK of a member that is in no room: the
 * LEAVE ends its stream, the NICK is its ack; nobody else gets them). */
#define ROOM_TAG_ALL 0
#define ROOM_TAG_NOBODY 0xff

enum room_kind {
	ROOMK_FREE = 0,
	ROOMK_CONFIG,     /* a `room` section of the configuration */
	ROOMK_USER,       /* created by ENTER (user_rooms); gone when empty */
};

/* One room of the table; under the room lock. */
struct room_def {
	uint32_t kind;               /* enum room_kind */
	uint32_t gen;                /* bumped each time the entry is taken */
	uint32_t has_gid;            /* 1: only members of gid may enter */
	uint32_t gid;
	uint32_t creator_uid;        /* a user room's creator (its operator) */
	uint32_t members;
	uint32_t backlog;            /* events replayed on ENTER */
	int64_t topic_ms;            /* when the topic was set (0: config) */
	char name[ROOM_NAME_MAX + 1];       /* lower case, without '#' */
	char topic[ROOM_TOPIC_MAX + 1];
	char topic_by[NAME_MAX_LEN + 1];    /* "" : the configuration */
};

/* Which events of room i are a member's: its generation gen, from since to
 * until (0: still in it), both sequence numbers included. */
struct room_span {
	_Atomic uint64_t since;
	_Atomic uint64_t until;
	_Atomic uint32_t gen;
};

enum slot_state {
	SLOT_FREE = 0,
	SLOT_CONNECTED,   /* a handler serves a connection that has not joined */
	SLOT_JOINED,      /* a member: has a name, receives events */
	SLOT_LEFT,        /* left; the daemon frees the slot when it reaps */
};

enum kick_kind {
	KICK_NONE = 0,
	KICK_KICKED,      /* BYE kicked */
	KICK_BANNED,      /* BYE banned */
};

struct room_slot {
	_Atomic int32_t pid;
	_Atomic uint32_t wake;       /* 1: a wake-up of the handler is pending */
	_Atomic uint32_t state;
	uint32_t gen;                /* bumped each time the slot is reused */
	uint32_t uid;
	uint32_t user1;              /* its uid's entry in the user table + 1
				      * (usertab.h), pinned by the claim; 0: none */
	int64_t connected_ms;
	int64_t joined_ms;
	_Atomic int64_t active_ms;   /* last message, for idle time */
	_Atomic int64_t muted_until; /* wall ms; 0: may speak; INT64_MAX: no end */
	_Atomic uint32_t kicked;     /* enum kick_kind: an admin closed it */
	char kick_text[200];         /* the BYE's text, written before `kicked` */
	char name[NAME_MAX_LEN + 1];
	char key[NAME_MAX_LEN + 1];  /* name_key(name) */
	char skeleton[NAME_MAX_LEN + 1];  /* name_skeleton(name) */
	char login[LOGIN_MAX + 1];
	_Atomic uint32_t admin;      /* daemon, at claim: root or in admin_group */
	char away[AWAY_MAX + 1];     /* AWAY's reason, "" if not away; under the
				      * room lock */
	/* Between the handler and the fan-out writer (fanout.c). */
	_Atomic uint64_t cursor;     /* handler, at JOIN: the first event to send */
	_Atomic uint64_t join_seq;   /* handler, at JOIN (before streaming): its
				      * JOIN event; events below it are replayed */
	char join_key[NAME_MAX_LEN + 1];  /* handler, at JOIN (before streaming):
				      * the key it joined under (a NICK may
				      * change `key` before the writer looks) */
	_Atomic uint64_t end_seq;    /* the member's LEAVE (under the lock), after
				      * which nothing is its; 0: none yet */
	_Atomic uint32_t streaming;  /* handler: OK JOIN is queued, send events */
	_Atomic uint32_t closing;    /* handler: close once the replies are sent */
	_Atomic uint32_t done_gen;   /* writer: it closed generation done_gen */
	_Atomic uint32_t lagged;     /* writer: dropped as lagged, BYE sent */
	/* Rooms (PROTO 2). */
	_Atomic uint32_t proto;      /* handler: 2 after PROTO 2, else 1 */
	_Atomic uint64_t rooms;      /* the rooms it is in (bit i: room i); lock */
	_Atomic uint64_t parted_until;  /* the latest `until` of its spans (lock):
				      * past it, only rooms in `rooms` are its */
	uint32_t gid;                /* daemon, at claim: the primary group */
	uint32_t ngroups;            /* and the supplementary ones */
	uint32_t groups[ROOM_GROUPS_MAX];
	struct room_span span[ROOMS_MAX];
	/* IRC (ircverbs.c): set by the daemon at claim for a connection on
	 * the IRC socket; its caps (irc.h), set by the handler before it
	 * streams. The writer formats such a member's lines as IRC. */
	_Atomic uint32_t irc;
	_Atomic uint32_t irc_caps;
} __attribute__((aligned(64)));

struct room_rec {
	_Atomic uint64_t seq;        /* 0 while being written */
	int64_t ms;
	uint32_t origin;             /* slot + 1, or ROOM_SERVER */
	uint32_t origin_gen;
	uint32_t target;             /* slot + 1, or 0 for everyone */
	uint32_t target_gen;
	/* Who a message is from and to, in a form that outlives the
	 * connection (a resumed session has another slot and generation):
	 * the uid and the name's key (name_key()) at the time it was sent. */
	uint32_t origin_uid;
	uint32_t target_uid;
	char origin_key[NAME_MAX_LEN + 1];
	char target_key[NAME_MAX_LEN + 1];
	uint16_t kind;
	uint8_t reason;              /* LEAVE: enum leave_reason */
	uint8_t scrubbed;            /* 1: a private message whose text is gone
				      * (room_scrub_private_locked); atomic */
	uint8_t room;                /* its room tag (ROOM_TAG_ALL...) */
	uint8_t quiet;               /* 1: not its origin's ack (a NICK
				      * written in several rooms acks once) */
	uint32_t room_gen;           /* the room's generation */
	char room_name[ROOM_NAME_MAX + 1];  /* for the PROTO 2 line */
	uint32_t len;                /* bytes of line, "\n" included */
	uint32_t text_off, text_len; /* the text (NICK: the new name) in line */
	char name[NAME_MAX_LEN + 1]; /* NICK: the old name */
	char login[LOGIN_MAX + 1];
	char line[];
};

struct room_header {
	uint64_t magic;
	uint32_t version;
	uint32_t max_users;
	uint32_t history;
	uint32_t rec_size;
	uint64_t map_size;
	pthread_mutex_t lock;
	_Atomic uint64_t next_seq;   /* the next event's sequence number */
	_Atomic uint32_t high_water; /* slots [0, high_water) may be in use */
	_Atomic uint64_t messages;   /* messages sent since the daemon started */
	/* Wake-ups of the fan-out writer (wake.h): bumped by every post. */
	_Atomic uint64_t posted;
	_Atomic uint32_t writer_sleeping;
	/* The user table (usertab.h), the daemon's alone. */
	uint32_t users_unused;       /* entries from here on were never used */
	uint32_t users_lru[2];       /* unpinned entries: oldest, newest */
	/* The first event the log may hold: where it last started empty (a
	 * new geometry). Events before it are a hole, not a lag. */
	uint64_t first_seq;
	/* A handler changed an entry's preferences (usertab.h): the daemon
	 * copies and saves them when it sees this, set before it is woken. */
	_Atomic uint32_t prefs_dirty;
	/* The rooms (room_def), under the lock; default_room's index. */
	uint32_t default_room;
	struct room_def defs[ROOMS_MAX];
};

struct room {
	struct room_header *hdr;
	struct room_slot *slots;
	struct nameindex names;      /* in the mapping, after the slots */
	char *ring;
	struct room_user *users;     /* the user table (usertab.h) */
	uint32_t users_n;
	struct hashidx users_by_uid;
	size_t map_size;
	uint32_t max_users;
	uint32_t history;
	uint32_t rec_size;
	/* The fan-out writer's eventfd (wake.h), or -1 (unit tests). */
	int notify_fd;
	/* The room file, open and flock()ed for the daemon's lifetime (its
	 * children inherit it): no second daemon re-initialises a live room.
	 * -1 when closed. */
	int lock_fd;
	/* The connections' reply queues (outq.h), one per slot, or NULL. */
	struct outq *outq;
	/* The ring in at most 64 chunks of ring_chunk bytes, and the chunks
	 * this process has mapped writable (room.c: map_for_write()). A
	 * forked child starts again from 0: fork() copied none of them. */
	size_t ring_size, ring_chunk;
	uint64_t ring_mapped;
};

/* An event to append. origin/target are slot numbers + 1 (0: server,
 * everyone). */
struct room_event {
	enum event_kind kind;
	uint32_t origin;
	uint32_t target;
	const char *name;
	const char *login;
	int reason;
	const char *text;
	size_t text_len;
	/* Its room: ROOM_EV_AUTO (by kind: JOIN, MSG, ACTION to the default
	 * room; PRIV, NOTICE to none; a member's LEAVE and NICK one record in
	 * each room it is in), ROOM_EV_ALL, or a room's index + 1. */
	int room;
};
#define ROOM_EV_AUTO 0
#define ROOM_EV_ALL (-1)

/* Open (create or recover) the room file at path, sized for the limits,
 * with its space allocated (no SIGBUS on a full disk later), and locked:
 * a room in use by another daemon is refused.
 * With the same geometry the log is kept and members left over from a
 * previous daemon are announced as lost; with a new geometry the log and
 * the table start empty (sequence numbers go on). */
int room_open(struct room *r, const char *path, uint32_t max_users,
	      uint32_t history, uint32_t max_line, char *err, size_t errlen);
void room_close(struct room *r);

/* The robust mutex: a holder that died is recovered from (EOWNERDEAD),
 * and then the writer and every handler are woken, since the dead holder
 * may have posted without waking anyone. */
void room_lock(struct room *r);
void room_unlock(struct room *r);

/* Append an event; the lock must be held. Returns its sequence number. */
uint64_t room_append_locked(struct room *r, const struct room_event *ev);
/* Append and wake the writer, taking and releasing the lock. */
uint64_t room_post(struct room *r, const struct room_event *ev);

static inline uint64_t room_head(struct room *r)
{
	return atomic_load(&r->hdr->next_seq);
}
/* Oldest sequence number still safe to read while head is `head`: the
 * ring's bound, or where the log last started empty (first_seq). */
uint64_t room_oldest(struct room *r, uint64_t head);

/* Private history (docs/protocol.md, "Who can ever see what"): zero the
 * text of every private message (EV_PRIV) sent before before_ms, and
 * mark it so that no replay sends it again. Lock held. Returns how many;
 * *oldest gets the time of the oldest private message left (0: none). */
unsigned room_scrub_private_locked(struct room *r, int64_t before_ms, int64_t *oldest);

struct room_rec_info {
	uint64_t seq;
	uint32_t origin, origin_gen, target, target_gen;
	uint32_t origin_uid, target_uid;
	/* Only for a private message (target != 0): the names' keys. */
	char origin_key[NAME_MAX_LEN + 1];
	char target_key[NAME_MAX_LEN + 1];
	enum event_kind kind;
	bool scrubbed;               /* a private message past private_keep:
				      * its text is gone; send it to nobody */
	bool quiet;                  /* not its origin's ack */
	uint32_t room;               /* its room tag, and that room's generation */
	uint32_t room_gen;
	char room_name[ROOM_NAME_MAX + 1];
	size_t len;
	size_t text_off, text_len;   /* within the line copied */
	int64_t ms;
	int reason;                  /* LEAVE: enum leave_reason */
	/* room_read_as(names) only, else "": */
	char name[NAME_MAX_LEN + 1]; /* the member's name (NICK: the old one) */
	char login[LOGIN_MAX + 1];   /* the member's login ("" for the server) */
};
/* Copy the record for seq (< head) to out (cap >= rec_size). Returns false
 * if the record was recycled: the reader fell behind. */
bool room_read(struct room *r, uint64_t seq, struct room_rec_info *info,
	       char *out, size_t cap);
/* The same, with the member's name and login too if names (the IRC form,
 * ircfmt.h, needs them; the lchat lines carry theirs). */
bool room_read_as(struct room *r, uint64_t seq, struct room_rec_info *info,
		  char *out, size_t cap, bool names);
/* The room tag and generation of record seq alone, without copying it
 * (the writer skips other rooms' records with it). False if the record
 * is no longer in the log. */
bool room_peek_room(struct room *r, uint64_t seq, uint8_t *room, uint32_t *room_gen);

static inline struct room_slot *room_slot(struct room *r, uint32_t i)
{
	return &r->slots[i];
}

/* The end of the slots that may be in use: min(high_water, max_users). */
static inline uint32_t room_slots_end(struct room *r)
{
	uint32_t hw = atomic_load(&r->hdr->high_water);

	return hw < r->max_users ? hw : r->max_users;
}
/* Walk the slots that may be in use, i from 0 to room_slots_end(r) (read
 * once, before the first). */
#define ROOM_FOREACH_SLOT(r, i) \
	for (uint32_t i = 0, i##_end_ = room_slots_end(r); i < i##_end_; i++)

/* A slot's life: FREE -> claim -> CONNECTED -> join -> JOINED -> leave ->
 * LEFT -> release -> FREE (release from any state). Only these change a
 * slot's state, its generation and the high water; a JOINED slot may be
 * renamed. They also keep the name index: a slot is filed there while it
 * is JOINED. */

/* The daemon takes free slot i for a new connection of uid: a new
 * generation, no name yet, state CONNECTED, within the high water, and
 * uid's entry in the user table pinned for it. No lock: only the daemon
 * writes a slot that has no handler. */
void room_slot_claim(struct room *r, uint32_t i, uid_t uid);
/* Slot i's handler joins as name (its name_skeleton() given). Lock held. */
void room_slot_join_locked(struct room *r, uint32_t i, const char *name,
			   const char *skeleton);
/* The member of slot i takes another name (its name_skeleton() given):
 * name, key and skeleton change together, under the lock, so that name
 * uniqueness holds at every moment. Lock held. */
void room_slot_rename_locked(struct room *r, uint32_t i, const char *name,
			     const char *skeleton);
/* The member of slot i has left: its LEAVE was written as `seq`, and no
 * event from it on is the member's. Lock held. */
void room_slot_leave_locked(struct room *r, uint32_t i, uint64_t seq);
/* Has slot i's member left (its LEAVE written, by anyone)? Lock held. */
static inline bool room_slot_left_locked(struct room *r, uint32_t i)
{
	return atomic_load(&r->slots[i].end_seq) != 0;
}
/* The daemon frees slot i, whose handler has died or never started, and
 * unpins its user entry. Returns the state it was in. Lock held if the
 * handler ran. */
enum slot_state room_slot_release(struct room *r, uint32_t i);

struct buffer;
/* Append one "WHO name login idle joined-ms" line per member of the
 * default room and the
 * closing "OK WHO count" to out. Takes the lock. -1 if out of memory. */
int room_format_who(struct room *r, struct buffer *out);
/* The same for the control socket, which is told more:
 * "WHO name login uid idle joined-ms connected-ms muted". */
int room_format_who_admin(struct room *r, struct buffer *out);

/* The same for the members of one room: its index, or these; in the form
 * of the user socket, of the control socket, or of the control socket
 * with each member's rooms ("rooms #a,#b", "rooms -" for none). */
#define ROOM_WHO_ALL (-1)
#define ROOM_WHO_DEFAULT (-2)
enum who_form { WHO_USER, WHO_ADMIN, WHO_ADMIN_ROOMS };
int room_format_who_in(struct room *r, struct buffer *out, enum who_form form, int room);

/* Close slot i's connection for an administrator, lock held: a joined
 * member's LEAVE (reason kicked or banned, with text) is written, and its
 * handler is woken to queue "BYE kicked|banned bye_text" and exit.
 * Returns the LEAVE's sequence number, or 0 if the slot had not joined. */
uint64_t room_kick_locked(struct room *r, uint32_t i, enum kick_kind kind,
			  const char *text, const char *bye_text);

/* Under the lock: may slot i's user put one more line before the others
 * (a message, a JOIN, a NICK, a QUIT's reason)? Takes it from the bucket
 * of its uid, shared by all the uid's connections (usertab.h). */
bool room_slot_spend_locked(struct room *r, uint32_t i, long rate, long burst);
/* The same, taking the lock. */
bool room_slot_spend(struct room *r, uint32_t i, long rate, long burst);

/* Under the lock: slot i's uid entry's preferences, or NULL. */
struct room_prefs *room_slot_prefs(struct room *r, uint32_t i);

/* Is the member muted at wall time now_ms? */
bool room_slot_muted(struct room_slot *s, int64_t now_ms);

/* Index of a joined member named `name` (any case), or -1. Lock held. */
int room_find_locked(struct room *r, const char *name);
/* The slot of a member of another uid whose name has this skeleton
 * (name_skeleton(): a look-alike), or -1. A user's own sessions may have
 * look-alike names: they show the same login. Lock held. */
int room_find_confusable_locked(struct room *r, const char *skeleton, uid_t uid);

/* The kinds of event IGNORE hides: everything a member says or does. */
static inline bool room_kind_ignorable(enum event_kind k)
{
	return k == EV_MSG || k == EV_ACTION || k == EV_PRIV || k == EV_JOIN ||
	       k == EV_LEAVE || k == EV_NICK || k == EV_TOPIC;
}

/* ---- rooms ----------------------------------------------------------- */

/* Append "#room " (or "* " for a notice to all, "- " for a private event)
 * to the PROTO 2 form of the event line `line` (len bytes, as room_read
 * gave it) into out (cap bytes). Returns its length, 0 if it does not fit. */
#define ROOM_V2_EXTRA (ROOM_NAME_MAX + 3)   /* what the room word adds */
size_t room_line_v2(const struct room_rec_info *info, const char *line, size_t len,
		    char *out, size_t cap);

/* Is room i's entry a room (configured or user)? Lock held. */
static inline bool room_def_used(const struct room *r, uint32_t i)
{
	return i < ROOMS_MAX && r->hdr->defs[i].kind != ROOMK_FREE;
}
/* The index of the room named name (n bytes, without '#', any case), or
 * -1. Lock held. */
int room_def_find_locked(struct room *r, const char *name, size_t n);
/* The room named by the word w ("#name", n bytes): its index, or
 * ROOM_BAD_NAME, or -1 if there is none. Takes the lock. */
#define ROOM_BAD_NAME (-2)
int room_lookup(struct room *r, const char *w, size_t n);
/* May slot i's user enter room k (its group)? Lock held. */
bool room_def_allows_locked(struct room *r, uint32_t i, uint32_t k);
/* Slot i enters room k: its span starts at `since` (0: the whole log, the
 * default room at JOIN), the room counts it. Lock held. The span it
 * replaces must be done (room_span_done): the writer judges each event by
 * the span as it is when it gets there, so a span overwritten before the
 * writer has passed its `until` would lose the events up to the PART (and
 * let the room's events while out through if it were merged instead). */
void room_enter_locked(struct room *r, uint32_t i, uint32_t k, uint64_t since);
/* Has the fan-out writer judged every event of slot i's span in room k,
 * so that it may be overwritten: no `until` (never parted), or the
 * writer's cursor, which it publishes after each send, past it? No lock.
 * *until gets the span's end (0: none). */
bool room_span_done(struct room *r, uint32_t i, uint32_t k, uint64_t *until);
/* Slot i leaves room k, whose LEAVE (part) is `seq`; an empty user room
 * is gone. Lock held. */
void room_part_locked(struct room *r, uint32_t i, uint32_t k, uint64_t seq);
/* The entry the next room created takes (the first free one), or -1 if
 * the table is full. Lock held. */
int room_def_free_locked(struct room *r);
/* Take a free entry (room_def_free_locked's) for a user room `name`
 * created by slot i's uid. Returns its index, or -1 if the table is
 * full. Lock held. */
int room_def_create_locked(struct room *r, uint32_t i, const char *name);

/* The daemon, at start (after room_open) and at every reload: make the
 * configured rooms of the table those of `rooms` (n of them; gids
 * resolved, has_gid[k] 0 for an open room), keep their topic if set at
 * run time, free the ones that are gone (their members must have been
 * parted first: room_def_closing) and set the default room. Lock held. */
struct conf_room;
void room_defs_sync_locked(struct room *r, const struct conf_room *rooms, const uint32_t *gid,
			   const uint32_t *has_gid, size_t n, const char *default_room);

#endif
