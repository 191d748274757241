/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* prefs.h - the users' own preferences, kept per uid by the daemon and
 * saved to state_dir/prefs (mode 0600) so that they outlive a restart:
 * the uids a user ignores (IGNORE, at most USERTAB_IGNORE_MAX) and whether
 * it refuses private messages (MESG n). docs/architecture.md says where
 * they live:
 *
 *   - the copy that counts while a uid is connected is in its entry of
 *     the room's user table (usertab.h: struct room_prefs), where its
 *     handler changes it under the room lock and the fan-out writer reads
 *     it, per event, with no lock;
 *   - a handler cannot write files (sysfilter.h), so it marks the entry
 *     dirty, sets the header's prefs_dirty and signals the daemon
 *     (SIGUSR2); the daemon copies dirty entries into this list and saves
 *     it (statefile.h), and before it claims a slot, so that an entry it
 *     recycles loses nothing;
 *   - an entry the daemon takes anew for a uid is filled from this list
 *     before the uid's handler starts. */
#ifndef LCHAT_PREFS_H
#define LCHAT_PREFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "room.h"

struct user_prefs {
	uint32_t uid;
	bool mesg_off;
	uint32_t n;
	uint32_t ignored[USERTAB_IGNORE_MAX];
};

struct prefs {
	struct user_prefs *v;   /* only uids with something set */
	size_t n, cap;
	char path[4096];
};

/* Load state_dir/prefs (a missing file is an empty list). Lines that do
 * not parse are skipped and logged. -1 only if out of memory. */
int prefs_load(struct prefs *p, const char *state_dir);
void prefs_free(struct prefs *p);
/* The daemon, after claiming a slot: fill user table entry u from the
 * list unless it was filled since it was taken. */
void prefs_fill(const struct prefs *p, struct room *r, uint32_t u);
/* The daemon: if a handler changed preferences (the header's
 * prefs_dirty), copy the dirty entries into the list and save it. Takes
 * the room lock. A save that fails is logged and tried again at the next
 * change. */
void prefs_sync(struct prefs *p, struct room *r);
/* In memory (loading, tests): the uid's preferences, or NULL. */
const struct user_prefs *prefs_find(const struct prefs *p, uint32_t uid);

#endif
