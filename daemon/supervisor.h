/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* supervisor.h - lchatd's top process (see supervisor.c). */
#ifndef LCHAT_SUPERVISOR_H
#define LCHAT_SUPERVISOR_H

#include "config.h"

/* Supervise the daemon until SIGTERM. ready_fd (-1 in the foreground)
 * receives "R" once the first daemon is ready or "E<reason>". Returns the
 * exit status. */
int supervisor_main(struct lchat_config *cfg, int ready_fd);

#endif
