/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* complete.c - the names in the room and the Tab completion of the word
 * before the cursor (see complete.h). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands.h"
#include "complete.h"

/* ---- the names in the room ------------------------------------------- */

/* Index of the name (any case) in l, or -1. */
static long find(const struct namelist *l, const char *name, size_t len)
{
	for (size_t i = 0; i < l->n; i++)
		if (strlen(l->names[i]) == len && strncasecmp(l->names[i], name, len) == 0)
			return (long)i;
	return -1;
}

bool namelist_has(const struct namelist *l, const char *name, size_t len)
{
	return find(l, name, len) >= 0;
}

int namelist_add(struct namelist *l, const char *name, size_t len)
{
	long i = find(l, name, len);

	if (len == 0 || len > NAME_MAX_LEN)
		return 0;
	if (i < 0) {
		if (l->n == l->cap) {
			size_t cap = l->cap ? l->cap * 2 : 16;
			void *p = realloc(l->names, cap * sizeof(l->names[0]));

			if (!p)
				return -1;
			l->names = p;
			l->cap = cap;
		}
		i = (long)l->n++;
	}
	memcpy(l->names[i], name, len);
	l->names[i][len] = '\0';
	return 0;
}

bool namelist_remove(struct namelist *l, const char *name, size_t len)
{
	long i = find(l, name, len);

	if (i < 0)
		return false;
	memcpy(l->names[i], l->names[--l->n], sizeof(l->names[0]));
	return true;
}

void namelist_move(struct namelist *to, struct namelist *from)
{
	namelist_free(to);
	*to = *from;
	memset(from, 0, sizeof(*from));
}

void namelist_free(struct namelist *l)
{
	free(l->names);
	memset(l, 0, sizeof(*l));
}

/* ---- completing a word ----------------------------------------------- */

/* Alphabetical, case ignored; the same word in two cases by bytes, so the
 * order never depends on the order of the list. */
static int cand_cmp(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	int c = strcasecmp(x, y);

	return c ? c : strcmp(x, y);
}

/* Does word (n bytes) begin s, case ignored? */
static bool begins(const char *s, const char *word, size_t n)
{
	return strlen(s) >= n && strncasecmp(s, word, n) == 0;
}

/* Append "s" + suffix as a candidate. -1 if out of memory. */
static int add(struct completion *c, size_t *cap, const char *s, const char *suffix)
{
	size_t sl = strlen(s), xl = strlen(suffix);
	char *cand;

	if (c->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		char **p = realloc(c->cands, ncap * sizeof(*p));

		if (!p)
			return -1;
		c->cands = p;
		*cap = ncap;
	}
	cand = malloc(sl + xl + 1);
	if (!cand)
		return -1;
	memcpy(cand, s, sl);
	memcpy(cand + sl, suffix, xl + 1);
	c->cands[c->n++] = cand;
	return 0;
}

size_t complete_start(struct completion *c, const char *line, size_t len, size_t point,
		      const struct namelist *names, const char *self)
{
	return complete_start_rooms(c, line, len, point, names, self, NULL);
}

/* Is the word at start the argument of a room command ("/join ",
 * "/part ", "/switch " and nothing else before it)? */
static bool room_arg_at(const char *line, size_t start)
{
	static const char *const cmds[] = { "/join ", "/part ", "/switch " };

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		size_t n = strlen(cmds[i]);
		if (start == n && strncasecmp(line, cmds[i], n) == 0)
			return true;
	}
	return false;
}

size_t complete_start_rooms(struct completion *c, const char *line, size_t len, size_t point,
			    const struct namelist *names, const char *self,
			    const char *const *rooms)
{
	size_t end = point < len ? point : len, start = end, cap = 0, nm = 0, ncmd = 0, n;
	const char **match;
	const char *word, *suffix;
	int r = 0;

	complete_free(c);
	while (start > 0 && line[start - 1] != ' ')
		start--;
	word = line + start;
	n = end - start;
	c->start = start;
	if (n == 0)
		return 0;
	/* The matching names or commands, sorted, then each with its suffix
	 * (sorted before: "bob" comes before "bob1" whatever follows). */
	while (input_commands[ncmd])
		ncmd++;
	size_t nrooms = 0;
	while (rooms && rooms[nrooms])
		nrooms++;
	match = malloc(((names ? names->n : 0) + ncmd + nrooms + 8) * sizeof(*match));
	if (!match)
		return 0;
	if (rooms && room_arg_at(line, start)) {
		suffix = " ";
		for (size_t i = 0; i < nrooms; i++)
			if (begins(rooms[i], word, n) || (word[0] != '#' && begins(rooms[i] + 1, word, n)))
				match[nm++] = rooms[i];
	} else if (word[0] == '/' && start == 0) {
		suffix = " ";
		for (size_t i = 0; i < ncmd; i++)
			if (begins(input_commands[i], word, n))
				match[nm++] = input_commands[i];
		for (size_t i = 0; rooms && input_room_commands[i]; i++)
			if (begins(input_room_commands[i], word, n))
				match[nm++] = input_room_commands[i];
	} else {
		size_t sn = self ? strlen(self) : 0;

		suffix = start == 0 ? ": " : " ";
		for (size_t i = 0; names && i < names->n; i++) {
			const char *name = names->names[i];

			if (self && strlen(name) == sn && strcasecmp(name, self) == 0)
				continue;
			if (begins(name, word, n))
				match[nm++] = name;
		}
	}
	qsort(match, nm, sizeof(match[0]), cand_cmp);
	for (size_t i = 0; i < nm && r == 0; i++)
		r = add(c, &cap, match[i], suffix);
	free(match);
	if (r < 0) {
		complete_free(c);   /* out of memory: nothing to offer */
		return 0;
	}
	return c->n;
}

const char *complete_next(struct completion *c)
{
	const char *s = c->cands[c->next];

	c->next = (c->next + 1) % c->n;
	c->len = strlen(s);
	return s;
}

void complete_free(struct completion *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->cands[i]);
	free(c->cands);
	memset(c, 0, sizeof(*c));
}
