/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* wrap.c - fold a rendered line to the terminal's width at the line-break
 * opportunities of the Unicode line-breaking rules (UAX #14, from
 * libunistring), indenting the continuation rows (see wrap.h). */
#include <stdlib.h>
#include <string.h>
#include <unictype.h>
#include <unilbrk.h>
#include <uniwidth.h>
#include <wchar.h>

#include "sanitize.h"
#include "wrap.h"

/* The widths a terminal may draw that the C library cannot tell (see
 * wrap.h): counted on the wide side, since a row measured too wide only
 * ends a little early, and one measured too narrow runs past the edge. */
static bool ambiguous_wide;

void wrap_set_ambiguous_wide(bool wide)
{
	ambiguous_wide = wide;
}

bool wrap_locale_is_cjk(void)
{
	static const char *const vars[] = { "LC_ALL", "LC_CTYPE", "LANG" };

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i]);

		if (v && v[0])
			return strncmp(v, "ja", 2) == 0 || strncmp(v, "ko", 2) == 0 ||
			       strncmp(v, "zh", 2) == 0;
	}
	return false;
}

int wrap_cp_width(uint32_t cp)
{
	int w = wcwidth((wchar_t)cp);

	if (w < 0) {
		/* Unknown to the C library: newer than its tables,
		 * unassigned, or any non-ASCII character in a locale that is
		 * not UTF-8. A combining mark joins the character before it
		 * on any terminal; anything else may be drawn one column wide,
		 * two (a new emoji), or not at all: two. */
		return uc_is_general_category(cp, uc_general_category_or(UC_CATEGORY_Mn,
									 UC_CATEGORY_Me)) ? 0 : 2;
	}
	if (w == 1 && cp >= 0x1F1E6 && cp <= 0x1F1FF)
		return 2;	/* a regional indicator: alone or half a flag, drawn 1 or 2 */
	if (w == 1 && ambiguous_wide && uc_width(cp, "EUC-JP") == 2)
		return 2;	/* East Asian Ambiguous, wide in a CJK locale */
	return w;
}

/* The width of cp after a character of width prev_w: a variation
 * selector 16 (emoji presentation) makes a narrow character before it
 * two columns wide on the terminals that know emoji sequences. */
static int width_after(int prev_w, uint32_t cp)
{
	if (cp == 0xFE0F)
		return prev_w == 1 ? 1 : 0;
	return wrap_cp_width(cp);
}

int wrap_columns(const char *s)
{
	size_t n = strlen(s), i = 0;
	int cols = 0, w = 0;

	while (i < n) {
		uint32_t cp;
		size_t len = utf8_decode(s + i, n - i, &cp);

		if (len == 0) {
			len = 1;
			cp = 0xFFFD;
		}
		w = width_after(w, cp);
		cols += w;
		i += len;
	}
	return cols;
}

/* Length of the escape sequence "ESC [ params final" at s, or 0. */
static size_t csi_len(const char *s)
{
	size_t i = 2;

	if (s[0] != '\033' || s[1] != '[')
		return 0;
	while (s[i] >= 0x20 && s[i] <= 0x3F)
		i++;
	return s[i] >= 0x40 && s[i] <= 0x7E ? i + 1 : 0;
}

static const char spaces[] = "        ";
_Static_assert(sizeof(spaces) > WRAP_INDENT, "the indent fits in spaces[]");

/* One piece of the line: an escape sequence (no columns) or a character. */
struct unit {
	size_t off, len;      /* bytes line[off, off + len) */
	int w;                /* columns */
	bool csi;
	bool space;           /* U+0020: may hang past the edge, dropped at a fold */
	bool brk;             /* a row may start at this unit */
	bool hang;            /* a space past the edge (not shown) */
};

/* Split line into units, and mark where UAX #14 allows a break: the
 * rules run over the text without the escape sequences. */
static struct unit *units_of(const char *line, size_t n, size_t *count)
{
	struct unit *u = malloc((n ? n : 1) * sizeof(*u));
	char *text = malloc(n + 1), *brk = malloc(n + 1);
	size_t *toff = malloc((n ? n : 1) * sizeof(*toff));
	size_t i = 0, k = 0, tn = 0;
	int prev_w = 0;

	if (!u || !text || !brk || !toff) {
		free(u);
		u = NULL;
		goto out;
	}
	while (i < n) {
		struct unit *p = &u[k];
		uint32_t cp;

		memset(p, 0, sizeof(*p));
		p->off = i;
		p->len = csi_len(line + i);
		if (p->len) {
			p->csi = true;
		} else {
			p->len = utf8_decode(line + i, n - i, &cp);
			toff[k] = tn;
			if (p->len == 0) {
				p->len = 1;	/* not UTF-8: one column, as is */
				p->w = 1;
				text[tn++] = '?';
			} else {
				p->w = width_after(prev_w, cp);
				p->space = cp == ' ';
				memcpy(text + tn, line + i, p->len);
				tn += p->len;
			}
		}
		if (!p->csi)
			prev_w = p->w;
		i += p->len;
		k++;
	}
	if (tn)
		u8_possible_linebreaks((const uint8_t *)text, tn, "UTF-8", brk);
	for (i = 0; i < k; i++)
		if (!u[i].csi) {
			char b = brk[toff[i]];

			u[i].brk = b == UC_BREAK_POSSIBLE || b == UC_BREAK_MANDATORY ||
				   b == UC_BREAK_HYPHENATION;
		}
	*count = k;
out:
	free(text);
	free(brk);
	free(toff);
	return u;
}

/* The SGR state: the "ESC [ ... m" sequences since the last reset, to end
 * before a fold and begin again after the indent, so that the indent is
 * never highlighted. Empty when too long to keep (then not restored). */
struct sgr {
	char seq[96];
	size_t len;
	bool lost;
};

static void sgr_track(struct sgr *g, const char *s, size_t n)
{
	if (s[n - 1] != 'm')
		return;
	if ((n == 3) || (n == 4 && s[2] == '0')) {	/* ESC [ m, ESC [ 0 m */
		g->len = 0;
		g->lost = false;
		return;
	}
	if (g->lost || g->len + n > sizeof(g->seq)) {
		g->lost = true;
		return;
	}
	memcpy(g->seq + g->len, s, n);
	g->len += n;
}

/* Where the row that starts at unit start ends (the first unit of the
 * next row, or count), marking the spaces that hang past the edge. */
static size_t row_end(struct unit *u, size_t count, size_t start, int col, int limit)
{
	size_t opp = 0;

	for (size_t i = start; i < count; i++) {
		if (u[i].w == 0)
			continue;
		if (u[i].brk && i > start)
			opp = i;
		if (col + u[i].w <= limit) {
			col += u[i].w;
			continue;
		}
		if (u[i].space) {
			u[i].hang = true;
			continue;
		}
		if (opp > start)
			return opp;
		return i > start ? i : i + 1;	/* a word longer than the row: cut */
	}
	return count;
}

int wrap_line(struct buffer *out, const char *line, int cols)
{
	size_t n = strlen(line), count, start = 0;
	int limit = cols - 1, col = 0, r = 0;
	struct sgr g = { .len = 0 };
	struct unit *u;

	if (cols < 2 * WRAP_INDENT + 2)
		return buffer_append(out, line, n);
	u = units_of(line, n, &count);
	if (!u)
		return -1;
	while (start < count && r == 0) {
		size_t end = row_end(u, count, start, col, limit), last = start;
		bool folded = end < count;

		/* A fold drops the spaces before it. */
		for (size_t i = start; i < end; i++)
			if (!u[i].csi && !u[i].space)
				last = i + 1;
		for (size_t i = start; i < end && r == 0; i++) {
			if (u[i].hang || (folded && u[i].space && i >= last))
				continue;
			r = buffer_append(out, line + u[i].off, u[i].len);
			if (u[i].csi)
				sgr_track(&g, line + u[i].off, u[i].len);
		}
		if (folded && r == 0) {
			bool restore = g.len > 0 && !g.lost;

			if (restore)
				r |= buffer_append(out, "\033[0m", 4);
			r |= buffer_append(out, "\n", 1);
			r |= buffer_append(out, spaces, WRAP_INDENT);
			if (restore)
				r |= buffer_append(out, g.seq, g.len);
		}
		start = end;
		col = WRAP_INDENT;
	}
	free(u);
	return r ? -1 : 0;
}
