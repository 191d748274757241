/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* sysfilter.h - the allow-list filter of the processes that touch client
 * bytes or users' terminals: a handler, the fan-out writer and the wall
 * process load it once their set-up is done, and any system call outside it kills the process (SIGSYS), which
 * the daemon logs as that one connection's crash. */
#ifndef LCHAT_SYSFILTER_H
#define LCHAT_SYSFILTER_H

#include <stddef.h>

enum sandbox_role { SANDBOX_HANDLER, SANDBOX_WRITER, SANDBOX_WALL, SANDBOX_ROLES };

/* Build the filter of `role` now, in the parent, so that the children
 * that load it share its memory and allocate nothing (the daemon does,
 * for the handlers and the writer, before it forks them). 0, or -1 with
 * a message in err. */
int sysfilter_prepare(enum sandbox_role role, char *err, size_t errlen);

/* Load the filter of `role` (no-new-privs must be set), built here if
 * sysfilter_prepare() was not called; 0, or -1 with a message in err. */
int sysfilter_load(enum sandbox_role role, char *err, size_t errlen);

#endif
