/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* handler.h - the per-user handler: one process per client connection. */
#ifndef LCHAT_HANDLER_H
#define LCHAT_HANDLER_H

#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "room.h"
#include "waitbox.h"

struct handler_args {
	struct room *room;
	const struct lchat_config *cfg;
	int fd;             /* the client connection */
	uint32_t slot;      /* our member slot, already SLOT_CONNECTED */
	uid_t uid;          /* from SO_PEERCRED */
	pid_t daemon_pid;
	int notify_fd;      /* the writer's eventfd (wake.h) */
	struct waitbox *wait;   /* messages that wait (waitbox.h) */
};

/* Serve one client until it leaves; never returns. Runs in a fresh child
 * of the daemon and first drops everything of the daemon's it does not
 * need (listening sockets, other descriptors, signal handling). */
void handler_main(const struct handler_args *a) __attribute__((noreturn));

#endif
