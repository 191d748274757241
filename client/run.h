/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* run.h - the client's event loop: one poll() over the signalfd, the
 * server socket and stdin, with the session's timers (and the status
 * row's clock) as the timeout. */
#ifndef LCHAT_CLIENT_RUN_H
#define LCHAT_CLIENT_RUN_H

struct session;
struct script;

/* Run until the session is done. sc is NULL in the interactive mode (then
 * term.c reads stdin). sigfd reads SIGINT, SIGTERM, SIGHUP and SIGWINCH.
 * Returns the exit status. */
int run_loop(struct session *s, struct script *sc, int sigfd);

#endif
