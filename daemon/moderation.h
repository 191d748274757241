/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* moderation.h - what kicks, mutes and bans do to the room: the daemon's
 * side of the admin verbs, kept apart from the control socket's parsing
 * and replies. */
#ifndef LCHAT_MODERATION_H
#define LCHAT_MODERATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "room.h"
#include "sanctions.h"

/* Set the mute state (a muted_until value: 0 lifts it) of every connection
 * of uid, and tell the joined ones `notice` privately (NULL: say nothing). */
void moderation_set_mute(struct room *r, uid_t uid, int64_t muted_until, const char *notice);

/* Close every connection of uid as banned; returns how many. */
unsigned moderation_close_uid(struct room *r, uid_t uid, const char *reason, const char *bye);

/* The member a kick closed, as the room knew it. */
struct kicked_member {
	char name[NAME_MAX_LEN + 1];
	char login[LOGIN_MAX + 1];
	uid_t uid;
	uint64_t seq;        /* its LEAVE; 0 if it was being closed already */
};

/* Close the connection of the member called name (any case) as kicked:
 * its LEAVE carries reason (NULL: none), its BYE bye. False if nobody is
 * called that. */
bool moderation_kick(struct room *r, const char *name, const char *reason,
		     const char *bye, struct kicked_member *out);

/* A new connection's slot takes the uid's mute, if any. */
void moderation_init_slot(struct room_slot *s, const struct sanctions *list, int64_t now);

/* The text a user is shown for a sanction: "for 10m: spamming",
 * "until further notice". */
void moderation_describe(const struct sanction *x, int64_t now, char *buf, size_t len);

#endif
