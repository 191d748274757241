/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* fanout.h - the fan-out writer: the one process that writes to joined
 * clients (see fanout.c). */
#ifndef LCHAT_FANOUT_H
#define LCHAT_FANOUT_H

#include <stdint.h>
#include <sys/types.h>

#include "room.h"

/* Between the daemon and the writer, on a SOCK_SEQPACKET socketpair. */
enum fanout_op {
	FANOUT_ADD = 1,       /* daemon: slot's connection, gen; the fd attached */
	FANOUT_RELEASE,       /* daemon: slot's handler is gone; close gen's fd */
	FANOUT_RELEASED,      /* writer: done with slot's gen; the slot may be reused */
};

struct fanout_msg {
	uint32_t op;
	uint32_t slot;
	uint32_t gen;
};

/* The daemon's side: hand a connection to the writer (blocking), or tell
 * it a slot's handler is gone. -1 with errno if the writer is gone. */
int fanout_add(int sock, uint32_t slot, uint32_t gen, int fd);
int fanout_release(int sock, uint32_t slot, uint32_t gen);
/* Read one FANOUT_RELEASED from the writer: 1 and *slot, *gen; 0 if none
 * waits; -1 if the writer is gone. */
int fanout_read_released(int sock, uint32_t *slot, uint32_t *gen);

struct fanout_args {
	struct room *room;
	int sock;             /* the writer's end of the socketpair */
	pid_t daemon_pid;
};

/* The writer process; never returns. */
void fanout_main(const struct fanout_args *a) __attribute__((noreturn));

#endif
