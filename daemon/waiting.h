/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* waiting.h - a handler's side of messages that wait (docs/protocol.md,
 * "Messages that wait"): a PRIV to the login of an account that is not in
 * the chat, and "@login" in a public message, are kept in the store
 * (waitbox.h) for that account; its next JOIN gets them, once; WAITING
 * counts them. Each function queues its replies on `out` and returns 0,
 * or -1 when out of memory (the handler then closes the connection). */
#ifndef LCHAT_WAITING_H
#define LCHAT_WAITING_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "room.h"
#include "waitbox.h"

struct buffer;

/* Who is asking, and where the answers go. */
struct waiting_ctx {
	struct room *room;
	struct waitbox *box;
	const struct lchat_config *cfg;
	uid_t uid;
	const char *name;            /* the sender's chat name (NULL before JOIN) */
	const char *login;
	struct buffer *out;
	bool admin;                  /* the sender is an administrator */
	uint32_t slot;               /* the member's own slot */
};

/* Most distinct "@login"s of one public message that are looked up (and
 * kept): a message can neither fill many queues nor cost many lookups. */
#define MENTIONS_MAX 5

/* PRIV LOGIN TEXT for a name no member has: if LOGIN (login_len bytes) is
 * an account that is not in the chat, keep the message and queue "OK PRIV
 * waiting LOGIN" (or ERR wait-full / storage); otherwise ERR no-such-user.
 * The caller has spent the sender's rate-limit token, and holds no lock. */
int waiting_priv(const struct waiting_ctx *w, const char *login, size_t login_len,
		 const char *text, size_t text_len, int64_t ms);
/* A public message (EV_MSG or EV_ACTION) was sent: keep it for each
 * "@login" it mentions (docs/protocol.md gives the rule) of an account
 * not in the chat, and queue "KEPT login" (or "KEPT login code text"). */
int waiting_mentions(const struct waiting_ctx *w, enum event_kind kind, const char *text,
		     size_t text_len, int64_t ms);
/* At JOIN: queue every message waiting for w->uid as "WAITING ..." lines,
 * oldest first, and delete them; those from a uid the member ignores, and
 * private ones from non-administrators while it says MESG n, are deleted
 * unshown. Returns how many (-1: out of memory). */
int waiting_deliver(const struct waiting_ctx *w);
/* WAITING: "OK WAITING n", n counting only what a JOIN would show. */
int waiting_count(const struct waiting_ctx *w);

/* The mention rule, alone (tests): the next "@login" in text from *pos on;
 * returns its start (after the '@') and length, or NULL. */
const char *mention_next(const char *text, size_t len, size_t *pos, size_t *n);

#endif
