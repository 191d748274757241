/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* ownmem.c - the daemon's tables in shared mappings (ownmem.h). */
#include "ownmem.h"

#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>

/* The blocks given out (a daemon has a handful). */
#define BLOCKS_MAX 16

static struct block {
	void *p;
	size_t len;
} blocks[BLOCKS_MAX];

void *ownmem_calloc(size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	size_t len = count * size;
	if (len == 0)
		len = 1;
	for (int i = 0; i < BLOCKS_MAX; i++) {
		if (blocks[i].p)
			continue;
		void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return NULL;
		blocks[i] = (struct block){ p, len };
		return p;
	}
	errno = ENOMEM;
	return NULL;
}

void ownmem_free(void *p)
{
	for (int i = 0; p && i < BLOCKS_MAX; i++)
		if (blocks[i].p == p) {
			munmap(p, blocks[i].len);
			blocks[i] = (struct block){ NULL, 0 };
			return;
		}
}

void ownmem_drop_all(void)
{
	for (int i = 0; i < BLOCKS_MAX; i++)
		if (blocks[i].p)
			munmap(blocks[i].p, blocks[i].len);
}
