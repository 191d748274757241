/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* handler.h - the per-user handler: one process per client connection. */
#ifndef LCHAT_HANDLER_H
#define LCHAT_HANDLER_H

#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "irc.h"
#include "room.h"
#include "waitbox.h"

/* A handler's two buffers, allocated by the daemon once at start and
 * inherited by every handler, which uses its copy of them instead of
 * calling malloc: a malloc in a handler takes a block the daemon freed
 * somewhere in the heap it shares with the daemon, and the allocator's
 * bookkeeping (its bins' links in neighbouring blocks, the per-size cache)
 * made private copies of about ten heap pages per handler
 * (bench/memprobe). */
struct handler_mem {
	char *in;           /* the line buffer: HANDLER_IN_MAX(max_line) bytes */
	char *out;          /* the reply buffer, out_cap bytes */
	char *spare;        /* IRC: the second reply buffer, out_cap bytes */
	size_t out_cap;
};
/* The line buffer holds a line of either socket and its end. */
#define HANDLER_IN_MAX(max_line) \
	((size_t)(max_line) > IRC_LINE_MAX ? (size_t)(max_line) + 2 : IRC_LINE_MAX + 2)

struct handler_args {
	struct room *room;
	const struct lchat_config *cfg;
	int fd;             /* the client connection */
	uint32_t slot;      /* our member slot, already SLOT_CONNECTED */
	uid_t uid;          /* from SO_PEERCRED */
	pid_t daemon_pid;
	int notify_fd;      /* the writer's eventfd (wake.h) */
	struct waitbox *wait;   /* messages that wait (waitbox.h) */
	struct handler_mem mem;
};

/* Serve one client until it leaves; never returns. Runs in a fresh child
 * of the daemon and first drops everything of the daemon's it does not
 * need (listening sockets, other descriptors, signal handling). */
void handler_main(const struct handler_args *a) __attribute__((noreturn));

#endif
