/* daemon.h - the daemon process: sockets, room, handlers, control. */
#ifndef LCHAT_DAEMON_H
#define LCHAT_DAEMON_H

#include "config.h"

/* Run the daemon until SIGTERM/SIGINT. Writes "R" to ready_fd once both
 * sockets accept connections, or "E<reason>" if it cannot start, and
 * closes it. Returns the process exit status. */
int daemon_main(const struct lchat_config *cfg, int ready_fd, unsigned restarts);

#endif
