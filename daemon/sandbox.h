/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* sandbox.h - what a handler and the writer give up as they start: every
 * capability (they matter when lchatd runs as root with user = "root")
 * and, with no-new-privs, the power to regain any through exec. */
#ifndef LCHAT_SANDBOX_H
#define LCHAT_SANDBOX_H

/* Give up every capability and set no-new-privs; 0, or -1 with errno. */
int sandbox_enter(void);

#endif
