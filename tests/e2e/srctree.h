/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* srctree.h - the source tree the programs under test were built from,
 * for tests that run a file of it (a script, a helper written in another
 * language). */
#ifndef LCHAT_E2E_SRCTREE_H
#define LCHAT_E2E_SRCTREE_H

/* The absolute path of rel in the source tree: in the nearest directory
 * above LCHAT_BIN (SRC/build/bin, SRC/build/asan/bin) that holds it, else
 * in the current directory. Fails the test if there is none. The string
 * is overwritten by the next call. */
const char *src_path(const char *rel);

#endif
