/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* peercheck.h - is the server at the other end of a connected UNIX socket
 * lchatd, or somebody who bound its path? lchat and lchat-admin ask right
 * after connect(), before they send or show anything: the socket's peer
 * (SO_PEERCRED: who called listen()) must run as root, as the daemon's
 * user (the `user` option) or as the client's own uid (a private room,
 * `make run`), and the directory holding the socket must be owned by one of
 * them and writable by nobody else. A refusal is final (issue 16 item 12). */
#ifndef LCHAT_PEERCHECK_H
#define LCHAT_PEERCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define PEER_USER_MAX 64

/* The uids a server may run as. */
struct peer_trust {
	uid_t self;                   /* the client's own (real) uid */
	uid_t daemon;                 /* the daemon's user's, if daemon_known */
	bool daemon_known;            /* false: no such user here (not trusted) */
	char user[PEER_USER_MAX];     /* the daemon's user's name, for messages */
};

/* Root, the caller's uid and, when `user` (the daemon's user name; NULL
 * for none) exists in the password database, its uid. */
void peer_trust_init(struct peer_trust *t, const char *user);

/* peer_trust_init() with the `user` option of the configuration at
 * conf_path, read quietly: a missing or broken file gives the default
 * user (the caller reports the file's errors where it needs the file). */
void peer_trust_load(struct peer_trust *t, const char *conf_path);

/* 0: the server connected on fd (its path sock_path) may be trusted.
 * -1: it may not; err says why, naming the socket, what was found and what
 * was expected. */
int peer_check(int fd, const char *sock_path, const struct peer_trust *t, char *err,
	       size_t errlen);

#endif
