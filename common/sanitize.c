/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* sanitize.c - strict UTF-8 decoding, the forbidden and invisible character
 * sets, and the check/sanitize rules built on them (with the nonspacing set
 * of nonspacing.c: the limit on floods of marks). */
#include "sanitize.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define REPLACEMENT_CHAR "\xEF\xBF\xBD"

/* Longest escape text_sanitize() writes: "<U+10FFFF>". */
#define ESCAPE_MAX 10

struct cp_range {
	uint32_t lo, hi;
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define STR_(x) #x
#define STR(x) STR_(x)

/* Beyond C0, DEL, C1 and the noncharacters, which are tested directly.
 * Both tables are in ascending order (in_ranges() relies on it). */
static const struct cp_range forbidden_ranges[] = {
	{ 0x061C, 0x061C },	/* arabic letter mark */
	{ 0x180E, 0x180E },	/* mongolian vowel separator */
	{ 0x200B, 0x200B },	/* zero width space */
	{ 0x200E, 0x200F },	/* LRM, RLM */
	{ 0x2028, 0x2029 },	/* line and paragraph separators */
	{ 0x202A, 0x202E },	/* bidi embeddings and overrides */
	{ 0x2060, 0x206F },	/* word joiner, invisible operators, isolates,
				 * deprecated format controls (and unassigned
				 * U+2065 between them) */
	{ 0xFEFF, 0xFEFF },	/* zero width no-break space (BOM) */
	{ 0xFFF9, 0xFFFB },	/* interlinear annotation controls */
	{ 0xE0000, 0xE007F },	/* tag characters */
};

/* Invisible but allowed in text; spaces other than U+0020 included. */
static const struct cp_range invisible_ranges[] = {
	{ 0x00A0, 0x00A0 },
	{ 0x00AD, 0x00AD },
	{ 0x034F, 0x034F },
	{ 0x115F, 0x1160 },
	{ 0x1680, 0x1680 },
	{ 0x17B4, 0x17B5 },
	{ 0x180B, 0x180D },
	{ 0x180F, 0x180F },
	{ 0x2000, 0x200D },
	{ 0x202F, 0x202F },
	{ 0x205F, 0x205F },
	{ 0x2800, 0x2800 },
	{ 0x3000, 0x3000 },
	{ 0x3164, 0x3164 },
	{ 0xFE00, 0xFE0F },
	{ 0xFFA0, 0xFFA0 },
	{ 0xE0100, 0xE01EF },
};

/* The tables are in ascending order: stop at the first range above cp. */
static bool in_ranges(uint32_t cp, const struct cp_range *r, size_t n)
{
	for (size_t i = 0; i < n && cp >= r[i].lo; i++)
		if (cp <= r[i].hi)
			return true;
	return false;
}

size_t utf8_decode(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t c, min;
	size_t len;

	if (n == 0)
		return 0;
	c = p[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		c &= 0x1F;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		c &= 0x0F;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return 0;	/* continuation byte, C0/C1 overlong lead, F5-FF */
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

static bool is_noncharacter(uint32_t cp)
{
	return (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
}

bool codepoint_is_forbidden(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
		return true;
	if (cp < 0x80)
		return false;
	return is_noncharacter(cp) ||
	       in_ranges(cp, forbidden_ranges, ARRAY_LEN(forbidden_ranges));
}

bool codepoint_is_invisible(uint32_t cp)
{
	return codepoint_is_forbidden(cp) ||
	       in_ranges(cp, invisible_ranges, ARRAY_LEN(invisible_ranges));
}

/* How many bytes from s, in whole words of eight, are printable ASCII
 * (0x20-0x7E), the bulk of any text; *visible set if one is not a space.
 * A word is taken when no byte has its high bit set, none becomes 0x80
 * when one is added (0x7F), and none borrows when 0x20 is taken away
 * (below 0x20): with no byte of 0x80 or more, neither the sum nor the
 * difference carries across bytes, except that the lowest byte below
 * 0x20 borrows, which sets its own high bit. Eight bytes cost what one
 * did; at a chat's rates this check ran on every line twice (the line,
 * then its text) and was a tenth of a sending handler's time. */
static size_t printable_words(const char *s, size_t n, bool *visible)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	const uint64_t spaces = 0x2020202020202020ull;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, sizeof(w));
		if ((w | (w + ones) | (w - spaces)) & high)
			break;
		*visible |= w != spaces;
	}
	return i;
}

enum text_error text_check(const char *s, size_t n, size_t *bad_offset)
{
	bool visible = false;
	size_t i = 0, run = 0;	/* nonspacing code points in a row */

	while (i < n) {
		size_t words = printable_words(s + i, n - i, &visible);
		if (words) {
			run = 0;
			i += words;
			if (i == n)
				break;
		}
		/* Printable ASCII, most of any text: allowed, spacing, and
		 * visible unless a space. */
		unsigned char b = (unsigned char)s[i];
		if (b >= 0x20 && b < 0x7F) {
			visible |= b != ' ';
			run = 0;
			i++;
			continue;
		}
		uint32_t cp;
		size_t len = utf8_decode(s + i, n - i, &cp);
		enum text_error err = TEXT_OK;

		if (len == 0)
			err = TEXT_BAD_UTF8;
		else if (codepoint_is_forbidden(cp))
			err = TEXT_CONTROL;
		else if (!codepoint_is_nonspacing(cp))
			run = 0;
		else if (++run > TEXT_MAX_NONSPACING)
			err = TEXT_MARKS;
		if (err != TEXT_OK) {
			if (bad_offset)
				*bad_offset = i;
			return err;
		}
		if (cp != ' ' && !codepoint_is_invisible(cp))
			visible = true;
		i += len;
	}
	if (!visible) {
		if (bad_offset)
			*bad_offset = 0;
		return TEXT_EMPTY;
	}
	return TEXT_OK;
}

/* Each text_error's reply code and sentence. */
static const struct {
	enum reply_code code;
	const char *message;
} text_errors[] = {
	[TEXT_OK] = { CODE_OK, "text is acceptable" },
	[TEXT_BAD_UTF8] = { CODE_BAD_UTF8, "text is not valid UTF-8" },
	[TEXT_CONTROL] = { CODE_BAD_CHAR,
			   "text contains a control character, escape sequence or bidi control" },
	[TEXT_EMPTY] = { CODE_EMPTY, "text is empty" },
	[TEXT_MARKS] = { CODE_TOO_MANY_MARKS, "text stacks more than " STR(TEXT_MAX_NONSPACING)
			 " combining marks or zero-width characters in a row" },
};
#define N_TEXT_ERRORS (sizeof(text_errors) / sizeof(text_errors[0]))

enum reply_code text_error_reply(enum text_error e)
{
	return (unsigned)e < N_TEXT_ERRORS ? text_errors[e].code : CODE_COUNT;
}

const char *text_error_code(enum text_error e)
{
	return code_word(text_error_reply(e));
}

const char *text_error_message(enum text_error e)
{
	return (unsigned)e < N_TEXT_ERRORS ? text_errors[e].message : "unknown text error";
}

/* The visible stand-in for a forbidden code point: "^X" for C0 and DEL,
 * "<U+XXXX>" for the rest. Returns its length. */
static size_t escape_codepoint(uint32_t cp, char *buf)
{
	if (cp < 0x20 || cp == 0x7F) {
		buf[0] = '^';
		buf[1] = (char)(cp ^ 0x40);
		return 2;
	}
	return (size_t)snprintf(buf, ESCAPE_MAX + 1, "<U+%04X>", (unsigned)cp);
}

size_t text_sanitize(const char *s, size_t n, char *out, size_t outcap)
{
	char esc[ESCAPE_MAX + 1];
	size_t i = 0, o = 0, run = 0;	/* nonspacing code points in a row */

	if (outcap == 0)
		return 0;
	while (i < n) {
		const char *piece;
		uint32_t cp;
		size_t len = utf8_decode(s + i, n - i, &cp);
		size_t plen;

		if (len == 0) {
			piece = REPLACEMENT_CHAR;
			plen = sizeof(REPLACEMENT_CHAR) - 1;
			len = 1;	/* one U+FFFD per invalid byte */
			run = 0;
		} else if (codepoint_is_forbidden(cp)) {
			piece = esc;
			plen = escape_codepoint(cp, esc);
			run = 0;
		} else if (!codepoint_is_nonspacing(cp)) {
			piece = s + i;
			plen = len;
			run = 0;
		} else if (++run <= TEXT_MAX_NONSPACING) {
			piece = s + i;
			plen = len;
		} else if (run == TEXT_MAX_NONSPACING + 1) {
			/* The flood's first excess mark: one visible U+FFFD
			 * (a spacing character, so the output's run ends). */
			piece = REPLACEMENT_CHAR;
			plen = sizeof(REPLACEMENT_CHAR) - 1;
		} else {
			piece = "";	/* the rest of the flood: dropped */
			plen = 0;
		}
		if (plen >= outcap - o)
			break;	/* no room for the piece and the NUL */
		memcpy(out + o, piece, plen);
		o += plen;
		i += len;
	}
	out[o] = '\0';
	return o;
}

/* Up to `max` characters of `digits` at s[i]: how many. */
static size_t run_of(const char *s, size_t i, size_t n, size_t max, const char *digits)
{
	size_t k = 0;

	while (i + k < n && k < max && s[i + k] && strchr(digits, s[i + k]))
		k++;
	return k;
}

size_t text_strip_irc_format(char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n;) {
		char c = s[i];
		if (c == '\x03' || c == '\x04') {
			/* \x03 fg[,bg] (decimal, up to 2 digits each); \x04
			 * RRGGBB[,RRGGBB] (hex). */
			const char *set = c == '\x03' ? "0123456789" : "0123456789abcdefABCDEF";
			size_t max = c == '\x03' ? 2 : 6;
			size_t k = run_of(s, i + 1, n, max, set);
			i += 1 + k;
			if (k > 0 && i + 1 < n && s[i] == ',') {
				size_t b = run_of(s, i + 1, n, max, set);
				if (b > 0)
					i += 1 + b;
			}
			continue;
		}
		if (c == '\x02' || c == '\x0f' || c == '\x11' || c == '\x16' || c == '\x1d' ||
		    c == '\x1e' || c == '\x1f') {
			i++;
			continue;
		}
		s[o++] = s[i++];
	}
	return o;
}
