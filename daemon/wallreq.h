/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* wallreq.h - what the daemon asks of the wall process (wall.h) and what
 * it answers: one SOCK_SEQPACKET datagram each way over their socketpair.
 * A request: who sent the notice, the group it is limited to ("" for
 * none), the uids in the chat (their terminals are skipped) and the text.
 * The answer: how many terminals got it and why the others did not. Each
 * request carries an id that its answer repeats, so that a daemon started
 * again after a crash drops the answers to its predecessor's requests. */
#ifndef LCHAT_WALLREQ_H
#define LCHAT_WALLREQ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define WALL_BY_MAX 64        /* the sender's login, with its NUL */
#define WALL_GROUP_MAX 64     /* a group name, with its NUL */
#define WALL_UIDS_MAX 16384   /* distinct uids in the chat */
#define WALL_TEXT_MAX 65536   /* at least MAX_LINE_MAX */

struct wall_request {
	uint64_t id;
	char by[WALL_BY_MAX];
	char group[WALL_GROUP_MAX];
	uint32_t nuids;
	uid_t *uids;              /* into the received datagram */
	size_t text_len;
	const char *text;         /* the same; not NUL-terminated */
};

enum wall_status {
	WALL_DONE = 0,            /* the counts say what happened */
	WALL_NO_GROUP,            /* the group does not exist */
	WALL_ERROR,               /* nothing written: out of memory, ... */
};

struct wall_counts {
	uint32_t written;         /* terminals that got the whole notice */
	uint32_t mesg_n;          /* skipped: their owner said `mesg n` */
	uint32_t in_chat;         /* skipped: their user is in the chat */
	uint32_t timed_out;       /* did not take it in time (blocked) */
	uint32_t failed;          /* could not be opened or written */
};

struct wall_answer {
	uint64_t id;
	int32_t status;           /* enum wall_status */
	struct wall_counts n;
};

/* Send a request (MSG_DONTWAIT); 0, or -1 with errno (EAGAIN: the wall
 * process is behind; EMSGSIZE: too many uids or too long a text). */
int wallreq_send(int fd, uint64_t id, const char *by, const char *group, const uid_t *uids,
		 uint32_t nuids, const char *text, size_t text_len);
/* Receive one request into buf (cap bytes, WALL_REQ_BUF at least) and
 * point r into it. 1: a request; 0: the other end is gone; -1: error
 * (errno; EBADMSG for a malformed one, which is dropped). */
int wallreq_recv(int fd, void *buf, size_t cap, struct wall_request *r);
#define WALL_REQ_BUF (sizeof(uint64_t) + WALL_BY_MAX + WALL_GROUP_MAX + 2 * sizeof(uint32_t) + \
		      WALL_UIDS_MAX * sizeof(uid_t) + WALL_TEXT_MAX)

/* The answer, blocking (the wall process); 0 or -1. */
int wallans_send(int fd, const struct wall_answer *a);
/* Receive one answer without waiting. 1: one; 0: the wall process is
 * gone; -1: errno (EAGAIN: none yet). */
int wallans_recv(int fd, struct wall_answer *a);

#endif
