/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* checkwait.h - lchat --check: for a login script, like "You have new mail".
 * Connects, asks WAITING without joining, prints "lchat: N messages are
 * waiting for you" (nothing when none) and quits. A server that is not
 * running, or that does not answer in time, says nothing either (a login
 * must not be noisy because the chat is down): exit 0. A server that
 * fails the identity check (peercheck.h) is reported: exit 1. */
#ifndef LCHAT_CLIENT_CHECKWAIT_H
#define LCHAT_CLIENT_CHECKWAIT_H

#include "peercheck.h"

/* How long --check waits for the server, in all. */
#define CHECK_TIMEOUT_MS 3000

/* Returns the exit status. */
int check_waiting(const char *sock_path, const struct peer_trust *trust);

#endif
