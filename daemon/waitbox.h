/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* waitbox.h - messages that wait for someone who is not in the chat
 * (docs/protocol.md, "Messages that wait").
 *
 * A fixed number of records (wait_total) in the file state_dir/waiting,
 * mode 0600, which the DAEMON creates, sizes and allocates in full
 * (posix_fallocate: a full disk is found at start-up, never later as a
 * SIGBUS) and maps shared before it forks: handlers, which may create or
 * write no file under their sandbox, fill and empty records in the mapping
 * directly, and the kernel keeps the file; so waiting messages survive a
 * restart of the daemon. When every record is taken, a new message is
 * refused (CODE_STORAGE), never one dropped. Every function here that
 * ends in _locked is called with the room lock held (room.h): the records
 * are the room's to guard, and what changes them is rare.
 *
 * A record is published by storing `used` last and freed by clearing it
 * first, then zeroing the whole record: a deleted message's text does not
 * stay in the file. */
#ifndef LCHAT_WAITBOX_H
#define LCHAT_WAITBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "codes.h"
#include "lines.h"

struct wait_hdr;

struct waitbox {
	struct wait_hdr *hdr;        /* NULL: no store (messages do not wait) */
	char *recs;
	size_t map_size;
	uint32_t slots;
	uint32_t rec_size;
	uint32_t text_cap;
};

/* One waiting message, as given to add and to take's callback. */
struct wait_msg {
	uid_t to_uid, from_uid;
	enum event_kind kind;        /* EV_PRIV, or EV_MSG/EV_ACTION: a mention */
	int64_t ms;                  /* when it was sent (wall clock) */
	const char *from_name, *from_login;
	const char *text;
	size_t text_len;
	bool from_admin;             /* root or admin_group: passes MESG n */
};

/* Open (create, or keep) the store at path for `slots` messages of up to
 * text_cap bytes. Messages of a file with another geometry are carried
 * over as far as they fit. -1 with err on failure (w then has no store). */
int waitbox_open(struct waitbox *w, const char *path, uint32_t slots, uint32_t text_cap,
		 char *err, size_t errlen);
void waitbox_close(struct waitbox *w);

/* Messages waiting for uid (those `wanted` says yes to, if not NULL). */
unsigned waitbox_count_locked(struct waitbox *w, uid_t uid,
			      bool (*wanted)(void *ctx, const struct wait_msg *m), void *ctx);
/* Keep m: CODE_OK; CODE_WAIT_FULL if per_max messages already wait for its
 * recipient; CODE_STORAGE if the store is full or there is none. */
enum reply_code waitbox_add_locked(struct waitbox *w, const struct wait_msg *m, unsigned per_max);
/* Hand each message waiting for uid to fn, oldest first, and delete it.
 * Returns how many. */
unsigned waitbox_take_locked(struct waitbox *w, uid_t uid,
			     void (*fn)(void *ctx, const struct wait_msg *m), void *ctx);
/* Delete the messages sent before before_ms; returns how many. *oldest
 * gets the time of the oldest message left (0: none). */
unsigned waitbox_expire_locked(struct waitbox *w, int64_t before_ms, int64_t *oldest);

#endif
