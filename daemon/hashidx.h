/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* hashidx.h - a hash multimap from a 32-bit hash to small indices (slot or
 * record numbers below `max`), in memory the caller provides: the room's
 * shared mapping (nameindex.c) or private memory (conns.c). It holds no
 * pointers, only numbers, so every process that maps it may use it (under
 * whatever lock guards it).
 *
 * Open addressing with linear probing over a power-of-two number of cells,
 * at least twice `max`; deletion shifts the following entries back, so no
 * tombstones pile up. Each index may be filed once at a time: then at most
 * half of the cells are used and a probe always ends at an empty cell. A
 * cell keeps its entry's full hash, so a probe compares keys only when the
 * hashes are equal. The map does not know the keys: the caller checks that
 * an index found under a hash is really filed under its key. */
#ifndef LCHAT_HASHIDX_H
#define LCHAT_HASHIDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hashidx_cell {
	uint32_t hash;
	uint32_t idx1;           /* the index + 1; 0: an empty cell */
};

struct hashidx {
	struct hashidx_cell *cell;
	uint32_t mask;           /* cells - 1 */
	uint32_t max;            /* indices are below max */
};

/* Bytes of memory for a map of indices below max (at least 1). */
size_t hashidx_bytes(uint32_t max);
/* Use mem (hashidx_bytes(max) bytes) as the map's cells; its content is
 * kept: a shared map attached again is the same map. */
void hashidx_attach(struct hashidx *h, void *mem, uint32_t max);
/* Empty the map. */
void hashidx_clear(struct hashidx *h);
/* File idx under hash. idx must not be filed already. */
void hashidx_add(struct hashidx *h, uint32_t hash, uint32_t idx);
/* Take idx out from under hash; false if it was not there. */
bool hashidx_del(struct hashidx *h, uint32_t hash, uint32_t idx);

/* Walk the indices filed under a hash (the caller checks their keys:
 * another key may have the same hash), in no particular order:
 *     struct hashidx_walk w;
 *     for (hashidx_walk_start(h, hash, &w); (i = hashidx_walk_next(h, &w)) >= 0; )
 * Walks end after at most one turn of the cells, even in a corrupt map. */
struct hashidx_walk {
	uint32_t hash, pos, left;
};
void hashidx_walk_start(const struct hashidx *h, uint32_t hash, struct hashidx_walk *w);
int hashidx_walk_next(const struct hashidx *h, struct hashidx_walk *w);

/* Hashes of the keys: n bytes (FNV-1a) and a number, both mixed so that
 * their low bits, which choose the cell, depend on every bit of the key. */
uint32_t hashidx_hash_bytes(const void *p, size_t n);
uint32_t hashidx_hash_u32(uint32_t v);

#endif
