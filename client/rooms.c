/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* rooms.c - the rooms a session is in (see rooms.h). */
#include <string.h>

#include "rooms.h"

struct room *rooms_find(struct rooms *rs, const char *name, size_t n)
{
	char want[ROOM_NAME_SIZE];

	if (!room_name_norm(name, n, want))
		return NULL;
	for (size_t i = 0; i < rs->n; i++)
		if (strcmp(rs->r[i].name, want) == 0)
			return &rs->r[i];
	return NULL;
}

void rooms_know(struct rooms *rs, const char *name)
{
	for (size_t i = 0; i < rs->nknown; i++)
		if (strcmp(rs->known[i], name) == 0)
			return;
	if (rs->nknown < ROOMS_MAX)
		memcpy(rs->known[rs->nknown++], name, ROOM_NAME_SIZE);
}

struct room *rooms_add(struct rooms *rs, const char *name, size_t n)
{
	struct room *r = rooms_find(rs, name, n);

	if (r)
		return r;
	if (rs->n == ROOMS_MAX)
		return NULL;
	r = &rs->r[rs->n];
	memset(r, 0, sizeof(*r));
	if (!room_name_norm(name, n, r->name))
		return NULL;
	rs->n++;
	rooms_know(rs, r->name);
	return r;
}

void rooms_remove(struct rooms *rs, const char *name, size_t n)
{
	struct room *r = rooms_find(rs, name, n);
	char cur[ROOM_NAME_SIZE] = "";

	if (!r)
		return;
	size_t i = (size_t)(r - rs->r);
	if (i != rs->cur && rs->cur < rs->n)
		memcpy(cur, rs->r[rs->cur].name, sizeof(cur));
	namelist_free(&r->members);
	memmove(&rs->r[i], &rs->r[i + 1], (rs->n - i - 1) * sizeof(rs->r[0]));
	rs->n--;
	rs->cur = 0;
	if (!rooms_switch(rs, cur, strlen(cur)))
		(void)rooms_switch(rs, rs->def, strlen(rs->def));
}

const char *rooms_current(const struct rooms *rs)
{
	return rs->n ? rs->r[rs->cur < rs->n ? rs->cur : 0].name : NULL;
}

struct room *rooms_current_room(struct rooms *rs)
{
	return rs->n ? &rs->r[rs->cur < rs->n ? rs->cur : 0] : NULL;
}

bool rooms_switch(struct rooms *rs, const char *name, size_t n)
{
	struct room *r = rooms_find(rs, name, n);

	if (!r)
		return false;
	rs->cur = (size_t)(r - rs->r);
	return true;
}

void rooms_next(struct rooms *rs)
{
	if (rs->n)
		rs->cur = (rs->cur + 1) % rs->n;
}

void rooms_free(struct rooms *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		namelist_free(&rs->r[i].members);
	memset(rs, 0, sizeof(*rs));
}

void rooms_names(const struct rooms *rs, bool entered_only, const char **out)
{
	size_t k = 0;

	for (size_t i = 0; i < rs->n; i++)
		out[k++] = rs->r[i].name;
	for (size_t i = 0; !entered_only && i < rs->nknown; i++) {
		bool dup = false;

		for (size_t j = 0; j < rs->n && !dup; j++)
			dup = strcmp(rs->r[j].name, rs->known[i]) == 0;
		if (!dup)
			out[k++] = rs->known[i];
	}
	out[k] = NULL;
}
