/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* lock_hold.h - the file shared between a test and the lock_hold.c shim. */
#ifndef LCHAT_TEST_LOCK_HOLD_H
#define LCHAT_TEST_LOCK_HOLD_H

#include <stdatomic.h>

struct lock_hold {
	_Atomic int target;     /* test: the pid to stop in the lock, or 0 */
	_Atomic int holder;     /* shim: the pid now holding it */
};

#endif
