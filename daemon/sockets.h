/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* sockets.h - the daemon's listening sockets and their directory. */
#ifndef LCHAT_SOCKETS_H
#define LCHAT_SOCKETS_H

#include "codes.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "codes.h"

/* Make sure the directory that will hold socket `path` exists and is safe:
 * created 0755 if missing; refused if it is a symlink, not a directory, not
 * owned by us or root, or writable by its group or others (with the sticky
 * bit too: anyone could bind the socket path while lchatd is down). */
int socket_dir_prepare(const char *path, char *err, size_t errlen);

/* Bind and listen on a UNIX stream socket at path (non-blocking, CLOEXEC).
 * A live socket there is never stolen (another daemon answers: refused); a
 * stale one (nobody answers) is replaced; anything else is refused. mode is
 * applied to the socket file, and its group set to `gid` unless -1. */
int socket_listen(const char *path, mode_t mode, gid_t gid, char *err, size_t errlen);

/* Accept one connection (CLOEXEC, non-blocking), retrying EINTR and
 * ECONNABORTED. Out of descriptors, the queued connection would make poll
 * report the socket again at once: the spare descriptor is given up to
 * take it, the peer is told "BYE unavailable" and closed, and the spare is
 * taken back. Returns the fd, or -1 with errno EAGAIN (nothing queued),
 * EMFILE (a connection was shed) or another accept error. */
int socket_accept(int listen_fd, int *spare_fd);
/* The same for the IRC socket (irc): the shed connection is told in IRC. */
int socket_accept_as(int listen_fd, int *spare_fd, bool irc);

/* Is the peer of fd (credentials cred) in group gid: its primary group or
 * one of its supplementary groups (SO_PEERGROUPS)? */
bool socket_peer_in_group(int fd, const struct ucred *cred, gid_t gid);
/* The peer's supplementary groups (SO_PEERGROUPS), the first `cap` of
 * them into out. Returns how many were stored, or -1. */
int socket_peer_groups(int fd, gid_t *out, size_t cap);

/* Send "BYE code text" without blocking, then close fd. */
void socket_refuse(int fd, enum reply_code code, const char *text);
/* The same in the socket's protocol: on the IRC socket (irc),
 * "ERROR :Closing link: code text". */
void socket_refuse_as(int fd, bool irc, enum reply_code code, const char *text);

/* Create a private directory (mode) if missing, refusing symlinks and
 * directories owned by someone else. */
int private_dir_prepare(const char *dir, mode_t mode, char *err, size_t errlen);

/* The checks the two above make of an existing directory, for a daemon
 * running as uid: 0 usable, 1 missing, -1 refused (why in err). */
int dir_check(const char *dir, uid_t uid, char *err, size_t errlen);

#endif
