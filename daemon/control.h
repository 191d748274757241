/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* control.h - the admin control socket, served by the daemon itself. */
#ifndef LCHAT_CONTROL_H
#define LCHAT_CONTROL_H

#include <poll.h>
#include <stdbool.h>
#include <sys/types.h>

#include "buffer.h"
#include "config.h"
#include "room.h"
#include "sanctions.h"

#define CONTROL_MAX_CONNS 16
/* What control_pollfds() may fill: the listening socket, the
 * connections, the wall process's socketpair. */
#define CONTROL_MAX_POLLFDS (CONTROL_MAX_CONNS + 2)

struct control;

/* What only the daemon can do, called back from the control verbs. */
struct control_hooks {
	void *ctx;
	/* STATUS: append the "STATUS key value" lines. -1 if out of memory. */
	int (*status)(void *ctx, struct buffer *out);
	/* RELOAD: reload the configuration; true if it was taken. Queues the
	 * reply (OK RELOAD or ERR bad-config) on out; *oom if that failed. */
	bool (*reload)(void *ctx, const char *by, struct buffer *out, bool *oom);
	/* SHUTDOWN: stop once the replies are sent, telling the room msg. */
	void (*shutdown)(void *ctx, const char *msg, size_t len);
};

struct control *control_new(struct room *room, const struct lchat_config *cfg,
			    struct sanctions *sanctions, const struct control_hooks *hooks,
			    int listen_fd, gid_t admin_gid);
/* The wall process's socketpair (wall.h), -1 for none: WALL (and NOTICE
 * with notice_wall) are sent there, and the answer is the reply. */
void control_set_wall(struct control *c, int fd);
/* After a reload changed admin_group. */
void control_set_admin_gid(struct control *c, gid_t gid);
void control_free(struct control *c);
/* Descriptors to poll: fills up to `max` entries, returns how many. */
int control_pollfds(struct control *c, struct pollfd *pfd, int max);
/* Handle the poll results for the entries control_pollfds() filled. */
void control_handle(struct control *c, const struct pollfd *pfd, int n);
/* Close every control connection and the listening socket. */
void control_close_all(struct control *c);

#endif
