/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* ownmem.h - memory for the daemon's own tables that it writes after it
 * has forked children (slot pids, the connection lists).
 *
 * A forked handler keeps a copy-on-write view of the daemon's memory: a
 * page the daemon writes after the fork becomes one more private page of
 * the handler's, paid once per handler, although the handler never reads
 * it. Blocks from here are MAP_SHARED instead, so the daemon's writes
 * copy nothing; every child unmaps them all first thing
 * (ownmem_drop_all()), before it reads a byte from a client, so that no
 * child can read or write the daemon's tables. */
#ifndef LCHAT_OWNMEM_H
#define LCHAT_OWNMEM_H

#include <stddef.h>

/* n zeroed bytes (whole pages), or NULL with errno set. */
void *ownmem_calloc(size_t count, size_t size);
void ownmem_free(void *p);
/* In a child: unmap every block. */
void ownmem_drop_all(void);

#endif
