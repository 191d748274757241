/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* moderation.c - applying kicks, mutes and bans to the room's slots. */
#include "moderation.h"

#include <stdio.h>
#include <string.h>

#include "cut.h"
#include "duration.h"
#include "util.h"
#include "wake.h"

/* A connection of uid, joined or still joining; its state in *st. */
static bool connection_of(struct room_slot *s, uid_t uid, uint32_t *st)
{
	*st = atomic_load(&s->state);
	return (*st == SLOT_CONNECTED || *st == SLOT_JOINED) && s->uid == uid;
}

void moderation_set_mute(struct room *r, uid_t uid, int64_t muted_until, const char *notice)
{
	bool notify = false;

	room_lock(r);
	ROOM_FOREACH_SLOT(r, i) {
		struct room_slot *s = room_slot(r, i);
		uint32_t st;
		if (!connection_of(s, uid, &st))
			continue;
		atomic_store(&s->muted_until, muted_until);
		if (notice && st == SLOT_JOINED) {
			struct room_event ev = {
				.kind = EV_NOTICE, .target = i + 1,
				.text = notice, .text_len = strlen(notice),
			};
			room_append_locked(r, &ev);
			notify = true;
		}
	}
	room_unlock(r);
	if (notify)
		wake_writer(r);
}

unsigned moderation_close_uid(struct room *r, uid_t uid, const char *reason, const char *bye)
{
	unsigned n = 0;

	room_lock(r);
	ROOM_FOREACH_SLOT(r, i) {
		struct room_slot *s = room_slot(r, i);
		uint32_t st;
		if (!connection_of(s, uid, &st) || atomic_load(&s->kicked) != KICK_NONE)
			continue;
		room_kick_locked(r, i, KICK_BANNED, reason, bye);
		n++;
	}
	room_unlock(r);
	return n;
}

bool moderation_kick(struct room *r, const char *name, const char *reason,
		     const char *bye, struct kicked_member *out)
{
	room_lock(r);
	int i = room_find_locked(r, name);
	if (i < 0) {
		room_unlock(r);
		return false;
	}
	struct room_slot *s = room_slot(r, (uint32_t)i);
	out->uid = s->uid;
	text_printf(out->name, sizeof(out->name), "%s", s->name);
	text_printf(out->login, sizeof(out->login), "%s", s->login);
	out->seq = room_kick_locked(r, (uint32_t)i, KICK_KICKED, reason, bye);
	room_unlock(r);
	return true;
}

void moderation_init_slot(struct room_slot *s, const struct sanctions *list, int64_t now)
{
	const struct sanction *m = sanctions_find(list, SANCTION_MUTE, s->uid, now);

	atomic_store(&s->muted_until, sanction_mute_value(m));
	atomic_store(&s->kicked, KICK_NONE);
	s->kick_text[0] = '\0';
}

void moderation_describe(const struct sanction *x, int64_t now, char *buf, size_t len)
{
	char left[32];

	if (x->until_ms == 0)
		text_printf(left, sizeof(left), "until further notice");
	else {
		char d[24];
		duration_format((x->until_ms - now + 999) / 1000, d, sizeof(d));
		text_printf(left, sizeof(left), "for %s", d);
	}
	text_printf(buf, len, "%s%s%s", left, x->reason[0] ? ": " : "", x->reason);
}
