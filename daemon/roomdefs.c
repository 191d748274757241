/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* roomdefs.c - the configured rooms into the mapping (roomdefs.h). */
#include "roomdefs.h"

#include <string.h>

#include "cut.h"
#include "log.h"
#include "startcheck.h"
#include "wake.h"

int roomdefs_resolve(const struct lchat_config *cfg, struct roomdefs_groups *g,
		     char *err, size_t errlen)
{
	memset(g, 0, sizeof(*g));
	for (size_t c = 0; c < cfg->nrooms; c++) {
		if (!cfg->rooms[c].group[0])
			continue;
		gid_t gid;
		if (group_lookup(cfg->rooms[c].group, &gid) < 0) {
			text_printf(err, errlen, "%s: room \"%s\": no such group '%s'",
				    cfg->path ? cfg->path : "", cfg->rooms[c].name, cfg->rooms[c].group);
			return -1;
		}
		g->gid[c] = (uint32_t)gid;
		g->has_gid[c] = 1;
	}
	return 0;
}

/* The member sees its LEAVE: the record is the server's, not its own. */
uint64_t roomdefs_part_locked(struct room *r, uint32_t i, uint32_t k, const char *why)
{
	struct room_slot *s = room_slot(r, i);
	struct room_event ev = {
		.kind = EV_LEAVE, .name = s->name, .login = s->login, .reason = LEAVE_PART,
		.text = why, .text_len = why ? strlen(why) : 0, .room = (int)k + 1,
	};
	uint64_t seq = room_append_locked(r, &ev);
	room_part_locked(r, i, k, seq);
	return seq;
}

unsigned roomdefs_apply(struct room *r, const struct lchat_config *cfg,
			const struct roomdefs_groups *g)
{
	static const char closed[] = "this room is closed";
	unsigned parted = 0;

	room_lock(r);
	for (uint32_t k = 0; k < ROOMS_MAX; k++) {
		struct room_def *d = &r->hdr->defs[k];
		if (d->kind == ROOMK_FREE)
			continue;
		const struct conf_room *c = config_room(cfg, d->name);
		bool gone = d->kind == ROOMK_CONFIG && !c;
		if (gone && d->members > 0) {
			struct room_event ev = {
				.kind = EV_NOTICE, .text = closed, .text_len = sizeof(closed) - 1,
				.room = (int)k + 1,
			};
			room_append_locked(r, &ev);
		}
		if (c) {   /* its group as the file says now */
			size_t ci = (size_t)(c - cfg->rooms);
			d->has_gid = g->has_gid[ci];
			d->gid = g->gid[ci];
		}
		ROOM_FOREACH_SLOT(r, i) {
			struct room_slot *s = room_slot(r, i);
			if (atomic_load(&s->state) != SLOT_JOINED ||
			    !(atomic_load(&s->rooms) & (UINT64_C(1) << k)))
				continue;
			if (gone) {
				roomdefs_part_locked(r, i, k, NULL);
			} else if (!room_def_allows_locked(r, i, k)) {
				roomdefs_part_locked(r, i, k, "no longer allowed");
				log_msg(LOG_NOTICE, "reload: %s (uid %u) parted from #%s: no longer allowed",
					s->name, (unsigned)s->uid, d->name);
			} else {
				continue;
			}
			parted++;
		}
	}
	room_defs_sync_locked(r, cfg->rooms, g->gid, g->has_gid, cfg->nrooms, cfg->default_room);
	room_unlock(r);
	wake_writer(r);
	return parted;
}
