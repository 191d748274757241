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

/* A new connection's slot takes the uid's mute, if any. */
void moderation_init_slot(struct room_slot *s, const struct sanctions *list, int64_t now);

/* The text a user is shown for a sanction: "for 10m: spamming",
 * "until further notice". */
void moderation_describe(const struct sanction *x, int64_t now, char *buf, size_t len);

#endif
