/* control.h - the admin control socket, served by the daemon itself. */
#ifndef LCHAT_CONTROL_H
#define LCHAT_CONTROL_H

#include <poll.h>
#include <stdbool.h>
#include <sys/types.h>

#include "config.h"
#include "room.h"

#define CONTROL_MAX_CONNS 16

struct control;

struct control *control_new(struct room *room, const struct lchat_config *cfg,
			    int listen_fd, gid_t admin_gid);
void control_free(struct control *c);
/* Descriptors to poll: fills up to `max` entries, returns how many. */
int control_pollfds(struct control *c, struct pollfd *pfd, int max);
/* Handle the poll results for the entries control_pollfds() filled. */
void control_handle(struct control *c, const struct pollfd *pfd, int n);
/* Close every control connection and the listening socket. */
void control_close_all(struct control *c);

#endif
