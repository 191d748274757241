/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* wall.h - the wall process ("lchatd: wall"): the one process of lchatd
 * that writes to users' terminals, for `lchat-admin notice --wall`.
 *
 * The supervisor forks it once, before it gives up root: it becomes
 * `user` with the single supplementary group tty (the group that owns the
 * terminals and that `mesg y` lets write), no capability, no-new-privs,
 * and serves the daemon's requests (wallreq.h) on a socketpair until the
 * daemon's side is closed for good. Started without root, lchatd has a
 * wall process only if it is in group tty already; otherwise notice
 * --wall is refused with the reason wall_unavailable() gives. */
#ifndef LCHAT_WALL_H
#define LCHAT_WALL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "startcheck.h"

/* Can lchatd started with plan p write to terminals? true, with tty's gid;
 * false with the reason in why ("lchatd cannot write to terminals: ..."). */
bool wall_possible(const struct start_plan *p, gid_t *tty_gid, char *why, size_t whylen);

/* Fork the wall process if wall_possible(). Returns its pid and the
 * daemon's end of the socketpair in *fd (O_CLOEXEC); 0 and *fd = -1 if
 * there is none (wall_unavailable() says why); -1 if the fork failed
 * (err). Called by the supervisor before priv_drop(). */
pid_t wall_spawn(const struct start_plan *p, int *fd, char *err, size_t errlen);

/* Why notice --wall cannot be done, for its ERR reply (set by
 * wall_spawn(); inherited by the daemon, which forks from the supervisor). */
const char *wall_unavailable(void);
/* The daemon saw the wall process go: note why for later refusals. */
void wall_set_unavailable(const char *why);

#endif
