/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* rooms_lines.c - parsing the lines of rooms (see rooms_lines.h). */
#include "rooms_lines.h"

#include <ctype.h>
#include <string.h>

#include "lines.h"
#include "names.h"
#include "protocol.h"
#include "words.h"

bool room_name_norm(const char *w, size_t n, char *out)
{
	if (n > 0 && w[0] == '#')
		w++, n--;
	if (!room_name_ok(w, n))   /* the one rule, names.c */
		return false;
	out[0] = '#';
	for (size_t i = 0; i < n; i++)
		out[i + 1] = (char)tolower((unsigned char)w[i]);
	out[n + 1] = '\0';
	return true;
}

bool hello_rooms(const char *rest, size_t n, char *def)
{
	static const char rk[] = "rooms=", dk[] = "default_room=";
	const char *p = rest, *e = rest + n, *w;
	size_t wn;
	bool on = false;

	def[0] = '\0';
	while (p < e) {
		w = proto_next_word(&p, e, &wn);
		if (wn == sizeof(rk) && memcmp(w, rk, sizeof(rk) - 1) == 0 && w[wn - 1] == '1')
			on = true;
		else if (wn > sizeof(dk) - 1 && memcmp(w, dk, sizeof(dk) - 1) == 0 &&
			 !room_name_norm(w + sizeof(dk) - 1, wn - (sizeof(dk) - 1), def))
			def[0] = '\0';
	}
	return on;
}

/* "y" or "n". */
static bool yes_no(const char *w, size_t n, bool *v)
{
	if (n != 1 || (w[0] != 'y' && w[0] != 'n'))
		return false;
	*v = w[0] == 'y';
	return true;
}

bool room_line_parse(const char *line, size_t len, struct room_row *r)
{
	const char *p = line, *e = line + len, *w;
	size_t n;

	memset(r, 0, sizeof(*r));
	w = proto_next_word(&p, e, &n);
	if (!proto_word_is(w, n, server_line_word(SL_ROOM)))
		return false;
	w = proto_next_word(&p, e, &n);
	if (n == 0 || w[0] != '#' || !room_name_norm(w, n, r->name))
		return false;
	w = proto_next_word(&p, e, &n);
	if (!proto_parse_u64(w, n, &r->members))
		return false;
	w = proto_next_word(&p, e, &n);
	if (!yes_no(w, n, &r->in))
		return false;
	w = proto_next_word(&p, e, &n);
	if (!yes_no(w, n, &r->may))
		return false;
	r->kind = proto_next_word(&p, e, &r->kind_len);
	if (r->kind_len == 0)
		return false;
	r->topic = p;
	r->topic_len = (size_t)(e - p);
	return true;
}
