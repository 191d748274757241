/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* startcheck.h - everything a start needs, checked in one place: by
 * `lchatd -n` and by the supervisor before it starts anything. Started as
 * root, lchatd then makes its directories for `user` and drops to it for
 * good (privdrop.c). */
#ifndef LCHAT_STARTCHECK_H
#define LCHAT_STARTCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "config.h"

struct start_plan {
	bool drop;          /* started as root: becomes uid/gid below */
	uid_t uid;          /* who the daemon runs as */
	gid_t gid;
	gid_t admin_gid;    /* admin_group's gid */
};

/* The gid of group `name`; -1 if there is none. */
int group_lookup(const char *name, gid_t *gid);

/* Check cfg against this system: admin_group exists; started as root,
 * `user` exists; state_dir and both sockets' directories exist and are
 * usable by the user the daemon runs as, or can be made; with notice_wall,
 * that lchatd can write to terminals (wall.h). Fills p. */
int start_check(const struct lchat_config *cfg, struct start_plan *p, char *err, size_t errlen);

/* Started as root: make the missing directories, owned by the plan's
 * user (state_dir 0750, socket directories 0755). */
int start_make_dirs(const struct lchat_config *cfg, const struct start_plan *p,
		    char *err, size_t errlen);

/* Started as root: become the plan's user and group for good (groups:
 * admin_group alone, so the control socket can be given to it), checked. */
int priv_drop(const struct start_plan *p, char *err, size_t errlen);

#endif
