/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* hashidx.c - the hash multimap of hashidx.h: linear probing over a
 * power-of-two table of (hash, index + 1) cells, backward-shift deletion. */
#include "hashidx.h"

#include <string.h>

/* A power of two, at least 2 * max: the map is never more than half full. */
static uint32_t cells_for(uint32_t max)
{
	uint32_t n = 2;

	while (n < 2 * (uint64_t)max)
		n <<= 1;
	return n;
}

size_t hashidx_bytes(uint32_t max)
{
	return (size_t)cells_for(max) * sizeof(struct hashidx_cell);
}

void hashidx_attach(struct hashidx *h, void *mem, uint32_t max)
{
	h->cell = mem;
	h->mask = cells_for(max) - 1;
	h->max = max;
}

void hashidx_clear(struct hashidx *h)
{
	memset(h->cell, 0, ((size_t)h->mask + 1) * sizeof(struct hashidx_cell));
}

void hashidx_add(struct hashidx *h, uint32_t hash, uint32_t idx)
{
	uint32_t pos = hash & h->mask;

	/* At most half full, so an empty cell comes; a full (corrupt) map
	 * drops the entry rather than loop. */
	for (uint32_t n = 0; n <= h->mask; n++, pos = (pos + 1) & h->mask) {
		if (h->cell[pos].idx1 == 0) {
			h->cell[pos] = (struct hashidx_cell){ .hash = hash, .idx1 = idx + 1 };
			return;
		}
	}
}

/* Empty the cell at hole and close the gap: every entry of the run after
 * it whose home cell is not between the hole and itself (cyclically) would
 * no longer be found from its home, and moves back into the hole, which
 * moves on to where it was. */
static void shift_back(struct hashidx *h, uint32_t hole)
{
	uint32_t j = hole;

	for (uint32_t n = 0; n < h->mask; n++) {
		j = (j + 1) & h->mask;
		struct hashidx_cell c = h->cell[j];
		if (c.idx1 == 0)
			break;
		uint32_t home = c.hash & h->mask;
		if (((j - home) & h->mask) >= ((j - hole) & h->mask)) {
			h->cell[hole] = c;
			hole = j;
		}
	}
	h->cell[hole] = (struct hashidx_cell){ 0 };
}

bool hashidx_del(struct hashidx *h, uint32_t hash, uint32_t idx)
{
	uint32_t pos = hash & h->mask;

	for (uint32_t n = 0; n <= h->mask; n++, pos = (pos + 1) & h->mask) {
		struct hashidx_cell c = h->cell[pos];
		if (c.idx1 == 0)
			return false;
		if (c.hash == hash && c.idx1 == idx + 1) {
			shift_back(h, pos);
			return true;
		}
	}
	return false;
}

void hashidx_walk_start(const struct hashidx *h, uint32_t hash, struct hashidx_walk *w)
{
	w->hash = hash;
	w->pos = hash & h->mask;
	w->left = h->mask + 1;
}

int hashidx_walk_next(const struct hashidx *h, struct hashidx_walk *w)
{
	while (w->left > 0) {
		struct hashidx_cell c = h->cell[w->pos];
		w->pos = (w->pos + 1) & h->mask;
		w->left--;
		if (c.idx1 == 0)
			break;
		/* An index out of range is a corrupt cell: passed over. */
		if (c.hash == w->hash && c.idx1 - 1 < h->max)
			return (int)(c.idx1 - 1);
	}
	w->left = 0;
	return -1;
}

/* MurmurHash3's finalizer: every bit of v changes about half of the result. */
static uint32_t mix32(uint32_t v)
{
	v ^= v >> 16;
	v *= 0x85ebca6bu;
	v ^= v >> 13;
	v *= 0xc2b2ae35u;
	v ^= v >> 16;
	return v;
}

uint32_t hashidx_hash_bytes(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint32_t v = 2166136261u;   /* FNV-1a */

	for (size_t i = 0; i < n; i++) {
		v ^= b[i];
		v *= 16777619u;
	}
	return mix32(v);
}

uint32_t hashidx_hash_u32(uint32_t v)
{
	return mix32(v);
}
