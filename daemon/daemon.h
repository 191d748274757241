/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* daemon.h - the daemon process: sockets, room, handlers, control. */
#ifndef LCHAT_DAEMON_H
#define LCHAT_DAEMON_H

#include <stdint.h>

#include "config.h"

/* Run the daemon until SIGTERM/SIGINT or SHUTDOWN. Writes "R" to ready_fd
 * once both sockets accept connections, or "E<reason>" if it cannot start,
 * and closes it. cfg is the daemon's own copy: reloads change it. started_ms
 * is when lchatd (the supervisor) started. wall_fd: the wall process's
 * socketpair (wall.h), or -1 if there is none. Returns the exit status. */
int daemon_main(struct lchat_config *cfg, int ready_fd, unsigned restarts, int64_t started_ms,
		int wall_fd);

#endif
