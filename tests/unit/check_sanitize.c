/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* check_sanitize.c - unit tests for common/sanitize.c: strict UTF-8
 * decoding, the forbidden and invisible sets, text_check() and
 * text_sanitize() (exact output, truncation, idempotence). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "sanitize.h"

/* ---- helpers ---- */

/* Reference encoder; also encodes surrogates and overlong forms when asked
 * for a longer length than needed. Returns the length used. */
static size_t encode(uint32_t cp, size_t len, unsigned char *b)
{
	switch (len) {
	case 1:
		b[0] = (unsigned char)cp;
		break;
	case 2:
		b[0] = (unsigned char)(0xC0 | (cp >> 6));
		b[1] = (unsigned char)(0x80 | (cp & 0x3F));
		break;
	case 3:
		b[0] = (unsigned char)(0xE0 | (cp >> 12));
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (unsigned char)(0x80 | (cp & 0x3F));
		break;
	default:
		b[0] = (unsigned char)(0xF0 | (cp >> 18));
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (unsigned char)(0x80 | (cp & 0x3F));
		len = 4;
		break;
	}
	return len;
}

static size_t shortest_len(uint32_t cp)
{
	return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/* True if all of s decodes and no code point in it is forbidden. */
static bool clean_utf8(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint32_t cp;
		size_t len = utf8_decode(s + i, n - i, &cp);

		if (len == 0 || codepoint_is_forbidden(cp))
			return false;
		i += len;
	}
	return true;
}

/* ---- utf8_decode ---- */

struct utf8_case {
	const char *s;
	size_t n;
	uint32_t cp;
	size_t len;	/* 0: must be rejected */
};

static const struct utf8_case utf8_valid[] = {
	{ S("A"), 'A', 1 },
	{ S("\0"), 0, 1 },
	{ S("\x7F"), 0x7F, 1 },
	{ S("\xC2\x80"), 0x80, 2 },
	{ S("\xC2\xA9"), 0xA9, 2 },
	{ S("\xDF\xBF"), 0x7FF, 2 },
	{ S("\xE0\xA0\x80"), 0x800, 3 },
	{ S("\xE2\x82\xAC"), 0x20AC, 3 },
	{ S("\xED\x9F\xBF"), 0xD7FF, 3 },
	{ S("\xEE\x80\x80"), 0xE000, 3 },
	{ S("\xEF\xBF\xBD"), 0xFFFD, 3 },
	{ S("\xEF\xBF\xBF"), 0xFFFF, 3 },
	{ S("\xF0\x90\x80\x80"), 0x10000, 4 },
	{ S("\xF0\x9F\x98\x80"), 0x1F600, 4 },
	{ S("\xF3\xA0\x80\x81"), 0xE0001, 4 },
	{ S("\xF4\x8F\xBF\xBF"), 0x10FFFF, 4 },
	/* only the first sequence is decoded */
	{ S("ab"), 'a', 1 },
	{ S("\xC3\xA9\xC3\xA9"), 0xE9, 2 },
	{ S("\xE2\x82\xAC\x80"), 0x20AC, 3 },
};

static const struct utf8_case utf8_invalid[] = {
	{ "", 0, 0, 0 },
	/* stray continuation bytes */
	{ S("\x80"), 0, 0 },
	{ S("\xBF"), 0, 0 },
	{ S("\x80\x80"), 0, 0 },
	/* overlong */
	{ S("\xC0\x80"), 0, 0 },
	{ S("\xC0\xAF"), 0, 0 },
	{ S("\xC1\xBF"), 0, 0 },
	{ S("\xE0\x80\x80"), 0, 0 },
	{ S("\xE0\x80\xAF"), 0, 0 },
	{ S("\xE0\x9F\xBF"), 0, 0 },
	{ S("\xF0\x80\x80\x80"), 0, 0 },
	{ S("\xF0\x80\x80\xAF"), 0, 0 },
	{ S("\xF0\x8F\xBF\xBF"), 0, 0 },
	/* surrogates, alone and paired (CESU-8) */
	{ S("\xED\xA0\x80"), 0, 0 },
	{ S("\xED\xAD\xBF"), 0, 0 },
	{ S("\xED\xAE\x80"), 0, 0 },
	{ S("\xED\xB0\x80"), 0, 0 },
	{ S("\xED\xBF\xBF"), 0, 0 },
	{ S("\xED\xA0\xBD\xED\xB8\x80"), 0, 0 },
	/* above U+10FFFF */
	{ S("\xF4\x90\x80\x80"), 0, 0 },
	{ S("\xF7\xBF\xBF\xBF"), 0, 0 },
	/* lead bytes that never occur */
	{ S("\xF5\x80\x80\x80"), 0, 0 },
	{ S("\xF8\x88\x80\x80\x80"), 0, 0 },
	{ S("\xFC\x84\x80\x80\x80\x80"), 0, 0 },
	{ S("\xFE"), 0, 0 },
	{ S("\xFF"), 0, 0 },
	/* truncated */
	{ S("\xC2"), 0, 0 },
	{ S("\xE2"), 0, 0 },
	{ S("\xE2\x82"), 0, 0 },
	{ S("\xF0"), 0, 0 },
	{ S("\xF0\x9F"), 0, 0 },
	{ S("\xF0\x9F\x98"), 0, 0 },
	/* truncated by n although more bytes follow in memory */
	{ "\xE2\x82\xAC", 2, 0, 0 },
	{ "\xF0\x9F\x98\x80", 3, 0, 0 },
	{ "\xC3\xA9", 1, 0, 0 },
	/* bad continuation bytes */
	{ S("\xC2\x41"), 0, 0 },
	{ S("\xC2\xC2\x80"), 0, 0 },
	{ S("\xE2\x28\xA1"), 0, 0 },
	{ S("\xE2\x82\x28"), 0, 0 },
	{ S("\xE2\x82\xC0"), 0, 0 },
	{ S("\xF0\x28\x8C\xBC"), 0, 0 },
	{ S("\xF0\x90\x28\xBC"), 0, 0 },
	{ S("\xF0\x90\x8C\x28"), 0, 0 },
};

START_TEST(test_utf8_valid)
{
	const struct utf8_case *c = &utf8_valid[_i];
	uint32_t cp = 0xDEADBEEF;

	ck_assert_uint_eq(utf8_decode(c->s, c->n, &cp), c->len);
	ck_assert_uint_eq(cp, c->cp);
}
END_TEST

START_TEST(test_utf8_invalid)
{
	const struct utf8_case *c = &utf8_invalid[_i];
	uint32_t cp;

	ck_assert_msg(utf8_decode(c->s, c->n, &cp) == 0,
		      "invalid case %d was accepted", _i);
}
END_TEST

/* Every scalar value round-trips; every surrogate and every overlong
 * encoding of every code point is rejected. */
START_TEST(test_utf8_exhaustive)
{
	unsigned char b[4];
	uint32_t cp, got;

	for (cp = 0; cp <= 0x10FFFF; cp++) {
		size_t len = shortest_len(cp), got_len;
		bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;

		encode(cp, len, b);
		got = 0xFFFFFFFF;
		got_len = utf8_decode((char *)b, len, &got);
		if (surrogate) {
			fast_assert(got_len == 0, "surrogate U+%04X accepted", cp);
			continue;
		}
		fast_assert(got_len == len && got == cp,
			    "U+%04X: len %zu, cp U+%04X", cp, got_len, got);
		fast_assert(utf8_decode((char *)b, len - 1, &got) == 0,
			    "U+%04X: truncated form accepted", cp);
		for (size_t longer = len + 1; longer <= 4; longer++) {
			encode(cp, longer, b);
			fast_assert(utf8_decode((char *)b, longer, &got) == 0,
				    "U+%04X: %zu-byte overlong accepted", cp, longer);
		}
	}
}
END_TEST

/* Any lone byte decodes only if it is ASCII. */
START_TEST(test_utf8_single_bytes)
{
	for (int c = 0; c < 256; c++) {
		char b = (char)c;
		uint32_t cp;

		ck_assert_uint_eq(utf8_decode(&b, 1, &cp), c < 0x80 ? 1 : 0);
	}
}
END_TEST

/* ---- forbidden and invisible sets ---- */

struct range {
	uint32_t lo, hi;
};

/* The forbidden set as specified, noncharacters apart. */
static const struct range spec_forbidden[] = {
	{ 0x00, 0x1F }, { 0x7F, 0x9F }, { 0x061C, 0x061C }, { 0x180E, 0x180E },
	{ 0x200B, 0x200B }, { 0x200E, 0x200F }, { 0x2028, 0x202E },
	{ 0x2060, 0x206F }, { 0xFEFF, 0xFEFF }, { 0xFFF9, 0xFFFB },
	{ 0xE0000, 0xE007F },
};

/* Invisible but allowed. */
static const struct range spec_invisible[] = {
	{ 0x00A0, 0x00A0 }, { 0x00AD, 0x00AD }, { 0x034F, 0x034F },
	{ 0x115F, 0x1160 }, { 0x1680, 0x1680 }, { 0x17B4, 0x17B5 },
	{ 0x180B, 0x180D }, { 0x180F, 0x180F }, { 0x2000, 0x200D },
	{ 0x202F, 0x202F }, { 0x205F, 0x205F }, { 0x2800, 0x2800 },
	{ 0x3000, 0x3000 }, { 0x3164, 0x3164 }, { 0xFE00, 0xFE0F },
	{ 0xFFA0, 0xFFA0 }, { 0xE0100, 0xE01EF },
};

static bool in(uint32_t cp, const struct range *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (cp >= r[i].lo && cp <= r[i].hi)
			return true;
	return false;
}

static bool spec_is_forbidden(uint32_t cp)
{
	return in(cp, spec_forbidden, LEN(spec_forbidden)) ||
	       (cp >= 0xFDD0 && cp <= 0xFDEF) ||
	       (cp & 0xFFFF) == 0xFFFE || (cp & 0xFFFF) == 0xFFFF;
}

START_TEST(test_forbidden_all_codepoints)
{
	for (uint32_t cp = 0; cp <= 0x10FFFF; cp++)
		fast_assert(codepoint_is_forbidden(cp) == spec_is_forbidden(cp),
			    "U+%04X forbidden=%d", cp, codepoint_is_forbidden(cp));
}
END_TEST

START_TEST(test_invisible_all_codepoints)
{
	for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
		bool want = spec_is_forbidden(cp) ||
			    in(cp, spec_invisible, LEN(spec_invisible));

		fast_assert(codepoint_is_invisible(cp) == want,
			    "U+%04X invisible=%d", cp, codepoint_is_invisible(cp));
	}
}
END_TEST

/* The named cases, so that a failure says what broke. */
START_TEST(test_forbidden_named)
{
	static const uint32_t forbidden[] = {
		0x00, 0x07, 0x08, 0x09, 0x0A, 0x0D, 0x1B, 0x1F, 0x7F, 0x80,
		0x85, 0x9B, 0x9D, 0x9F, 0x061C, 0x180E, 0x200B, 0x200E, 0x200F,
		0x2028, 0x2029, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2060,
		0x2061, 0x2064, 0x2066, 0x2067, 0x2068, 0x2069, 0x206A, 0x206F,
		0xFDD0, 0xFDEF, 0xFEFF, 0xFFF9, 0xFFFA, 0xFFFB, 0xFFFE, 0xFFFF,
		0x1FFFE, 0x1FFFF, 0x10FFFE, 0x10FFFF, 0xE0001, 0xE0020, 0xE0041,
		0xE007F,
	};
	static const uint32_t allowed[] = {
		' ', 'a', '~', 0xA0, 0xA9, 0xAD, 0xE9, 0x0627, 0x200C, 0x200D,
		0x2010, 0x2027, 0x202F, 0x205F, 0x2070, 0xFDCF, 0xFDF0, 0xFE0E,
		0xFE0F, 0xFFF8, 0xFFFC, 0xFFFD, 0x1F600, 0x1FFFD, 0xE0080,
		0xE0100, 0xE01EF, 0x10FFFD,
	};

	for (size_t i = 0; i < LEN(forbidden); i++)
		ck_assert_msg(codepoint_is_forbidden(forbidden[i]),
			      "U+%04X should be forbidden", (unsigned)forbidden[i]);
	for (size_t i = 0; i < LEN(allowed); i++)
		ck_assert_msg(!codepoint_is_forbidden(allowed[i]),
			      "U+%04X should be allowed", (unsigned)allowed[i]);
}
END_TEST

START_TEST(test_invisible_named)
{
	static const uint32_t invisible[] = {
		0x1B, 0x202E, 0xA0, 0xAD, 0x034F, 0x115F, 0x1160, 0x1680,
		0x17B4, 0x17B5, 0x180B, 0x180D, 0x2000, 0x200A, 0x200B, 0x200C,
		0x200D, 0x202F, 0x205F, 0x2800, 0x3000, 0x3164, 0xFE00, 0xFE0F,
		0xFFA0, 0xE0100, 0xE01EF,
	};
	static const uint32_t visible[] = {
		' ', 'a', '.', 0xA9, 0xE9, 0x2010, 0x2801, 0x3001, 0xFFFD,
		0x1F600,
	};

	for (size_t i = 0; i < LEN(invisible); i++)
		ck_assert_msg(codepoint_is_invisible(invisible[i]),
			      "U+%04X should be invisible", (unsigned)invisible[i]);
	for (size_t i = 0; i < LEN(visible); i++)
		ck_assert_msg(!codepoint_is_invisible(visible[i]),
			      "U+%04X should be visible", (unsigned)visible[i]);
}
END_TEST

/* ---- text_check ---- */

#define ACUTE "\xCC\x81"	/* U+0301 combining acute accent */
#define ZWJ "\xE2\x80\x8D"	/* U+200D zero width joiner */
#define M8 ACUTE ACUTE ACUTE ACUTE ACUTE ACUTE ACUTE ACUTE

struct check_case {
	const char *s;
	size_t n;
	enum text_error err;
	size_t off;
};

static const struct check_case check_cases[] = {
	{ S("hello"), TEXT_OK, 0 },
	{ S(" hi "), TEXT_OK, 0 },
	{ S("caf\xC3\xA9"), TEXT_OK, 0 },
	{ S("\xE4\xBD\xA0\xE5\xA5\xBD"), TEXT_OK, 0 },
	{ S("\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7"), TEXT_OK, 0 },
	{ S("\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9"), TEXT_OK, 0 },
	{ S("\xE2\x9D\xA4\xEF\xB8\x8F"), TEXT_OK, 0 },
	{ S("a\xE2\x80\x8C" "b"), TEXT_OK, 0 },
	{ S("co\xC2\xAD" "op"), TEXT_OK, 0 },
	{ S("\xEF\xBF\xBD"), TEXT_OK, 0 },
	{ S("x\xC2\xA0y"), TEXT_OK, 0 },
	/* empty or nothing visible */
	{ "", 0, TEXT_EMPTY, 0 },
	{ S(" "), TEXT_EMPTY, 0 },
	{ S("     "), TEXT_EMPTY, 0 },
	{ S("\xC2\xA0"), TEXT_EMPTY, 0 },
	{ S(" \xE3\x80\x80 \xE2\x80\x83"), TEXT_EMPTY, 0 },
	{ S("\xE2\x80\x8D"), TEXT_EMPTY, 0 },
	{ S("\xE2\x80\x8C\xE2\x80\x8D"), TEXT_EMPTY, 0 },
	{ S("\xC2\xAD"), TEXT_EMPTY, 0 },
	{ S("\xEF\xB8\x8F"), TEXT_EMPTY, 0 },
	{ S("\xE2\xA0\x80"), TEXT_EMPTY, 0 },
	{ S("\xE3\x85\xA4"), TEXT_EMPTY, 0 },
	/* forbidden characters, with the offset of the first */
	{ S("\x1B[31mred"), TEXT_CONTROL, 0 },
	{ S("ab\tc"), TEXT_CONTROL, 2 },
	{ S("\t"), TEXT_CONTROL, 0 },
	{ S(" \t "), TEXT_CONTROL, 1 },
	{ S("ab\n"), TEXT_CONTROL, 2 },
	{ S("x\r"), TEXT_CONTROL, 1 },
	{ S("a\0b"), TEXT_CONTROL, 1 },
	{ S("ab\x7F"), TEXT_CONTROL, 2 },
	{ S("hi \xC2\x9B" "31m"), TEXT_CONTROL, 3 },
	{ S("\xC3\xA9\xC2\x85"), TEXT_CONTROL, 2 },
	{ S("abc\xE2\x80\xAE" "def"), TEXT_CONTROL, 3 },
	{ S("\xE2\x81\xA6" "x\xE2\x81\xA9"), TEXT_CONTROL, 0 },
	{ S("a\xE2\x80\x8F"), TEXT_CONTROL, 1 },
	{ S("a\xD8\x9C"), TEXT_CONTROL, 1 },
	{ S("\xEF\xBB\xBFhi"), TEXT_CONTROL, 0 },
	{ S("hi\xE2\x80\x8B"), TEXT_CONTROL, 2 },
	{ S("line\xE2\x80\xA8"), TEXT_CONTROL, 4 },
	{ S("x\xEF\xBF\xB9y"), TEXT_CONTROL, 1 },
	{ S("x\xF3\xA0\x80\x81"), TEXT_CONTROL, 1 },
	{ S("\xEF\xBF\xBE"), TEXT_CONTROL, 0 },
	{ S("\xEF\xB7\x90"), TEXT_CONTROL, 0 },
	{ S("\xE2\x80\x8B"), TEXT_CONTROL, 0 },
	/* invalid UTF-8 */
	{ S("ab\xC3"), TEXT_BAD_UTF8, 2 },
	{ S("ab\xC0\x80"), TEXT_BAD_UTF8, 2 },
	{ S("\xED\xA0\x80"), TEXT_BAD_UTF8, 0 },
	{ S("ok \xFF"), TEXT_BAD_UTF8, 3 },
	{ S("\x9B" "31m"), TEXT_BAD_UTF8, 0 },
	{ S("\xC3\xA9\xE2\x82"), TEXT_BAD_UTF8, 2 },
	{ S("  \x80"), TEXT_BAD_UTF8, 2 },
	/* floods of nonspacing code points: at most 8 in a row */
	{ S("a" M8), TEXT_OK, 0 },
	{ S("a" M8 "b" M8), TEXT_OK, 0 },
	{ S("a" M8 " " M8), TEXT_OK, 0 },
	{ S("a" M8 ACUTE), TEXT_MARKS, 17 },
	{ S("xy" M8 ZWJ), TEXT_MARKS, 18 },
	{ S(ZWJ ZWJ ZWJ ZWJ ZWJ ZWJ ZWJ ZWJ ZWJ "a"), TEXT_MARKS, 24 },
	{ S("e\xCC\xA3\xCC\x82"), TEXT_OK, 0 },		/* e, dot below, circumflex */
	{ S("#\xEF\xB8\x8F\xE2\x83\xA3"), TEXT_OK, 0 },	/* keycap: VS16, U+20E3 */
	{ S("\xE2\x9D\xA4\xEF\xB8\x8F" ZWJ "\xF0\x9F\x94\xA5"), TEXT_OK, 0 },
	{ S("\xF0\x9F\x91\xA8" ZWJ "\xF0\x9F\x91\xA9" ZWJ "\xF0\x9F\x91\xA7" ZWJ
	    "\xF0\x9F\x91\xA6"), TEXT_OK, 0 },
	/* a forbidden or bad byte inside a flood is reported as such */
	{ S("a" M8 "\xE2\x80\x8B"), TEXT_CONTROL, 17 },
	/* the first problem wins */
	{ S("a\x01" "b\xFF"), TEXT_CONTROL, 1 },
	{ S("a\xFF" "b\x01"), TEXT_BAD_UTF8, 1 },
};

START_TEST(test_text_check)
{
	const struct check_case *c = &check_cases[_i];
	size_t off = 12345;
	enum text_error e = text_check(c->s, c->n, &off);

	ck_assert_msg(e == c->err, "case %d: got %s, want %s", _i,
		      text_error_code(e), text_error_code(c->err));
	if (c->err != TEXT_OK && c->err != TEXT_EMPTY)
		ck_assert_uint_eq(off, c->off);
	ck_assert_int_eq(text_check(c->s, c->n, NULL), c->err);
}
END_TEST

/* text_check looks at n bytes only, not up to a NUL. */
START_TEST(test_text_check_uses_n)
{
	ck_assert_int_eq(text_check("hi\x1B", 2, NULL), TEXT_OK);
	ck_assert_int_eq(text_check("hi", 0, NULL), TEXT_EMPTY);
	ck_assert_int_eq(text_check("\xE2\x82\xAC", 2, NULL), TEXT_BAD_UTF8);
}
END_TEST

/* The word-at-a-time path (eight printable ASCII bytes at once) hands
 * every other byte to the byte-wise one, wherever it falls in a word and
 * in the tail after the last whole word: each edge of the printable range
 * at each offset of a line of each length up to three words, and the
 * spaces that make a line empty or not. */
START_TEST(test_text_check_words)
{
	static const struct {
		unsigned char byte;
		enum text_error err;
	} edges[] = {
		{ 0x00, TEXT_CONTROL }, { 0x1F, TEXT_CONTROL }, { 0x7F, TEXT_CONTROL },
		{ 0x80, TEXT_BAD_UTF8 }, { 0xFF, TEXT_BAD_UTF8 },
	};
	char line[32];

	for (size_t n = 1; n <= 24; n++) {
		for (size_t at = 0; at < n; at++) {
			for (size_t e = 0; e < sizeof(edges) / sizeof(edges[0]); e++) {
				size_t off = 999;
				memset(line, 'a', n);
				line[at] = (char)edges[e].byte;
				ck_assert_msg(text_check(line, n, &off) == edges[e].err && off == at,
					      "byte 0x%02X at %zu of %zu: %s at %zu", edges[e].byte,
					      at, n, text_error_code(text_check(line, n, NULL)), off);
			}
			/* 0x20 and 0x7E, the range's own edges, pass. */
			memset(line, 0x7E, n);
			line[at] = ' ';
			ck_assert_int_eq(text_check(line, n, NULL), n > 1 ? TEXT_OK : TEXT_EMPTY);
			/* Spaces only are empty; one visible byte anywhere is not. */
			memset(line, ' ', n);
			ck_assert_int_eq(text_check(line, n, NULL), TEXT_EMPTY);
			line[at] = 'x';
			ck_assert_int_eq(text_check(line, n, NULL), TEXT_OK);
		}
	}
	/* Printable words between two runs of combining marks end the
	 * first run, as printable bytes one by one did. */
	char marks[256];
	size_t m = 0, mid;
	marks[m++] = 'a';
	for (int k = 0; k < TEXT_MAX_NONSPACING; k++, m += 2)
		memcpy(marks + m, "\xCC\x81", 2);
	mid = m;
	memcpy(marks + m, "bcdefghijklmnopq", 16);
	m += 16;
	for (int k = 0; k < TEXT_MAX_NONSPACING; k++, m += 2)
		memcpy(marks + m, "\xCC\x81", 2);
	ck_assert_int_eq(text_check(marks, m, NULL), TEXT_OK);
	memmove(marks + mid, marks + mid + 16, m - mid - 16);
	ck_assert_int_eq(text_check(marks, m - 16, NULL), TEXT_MARKS);
}
END_TEST

START_TEST(test_text_error_strings)
{
	static const struct {
		enum text_error e;
		const char *code;
	} codes[] = {
		{ TEXT_OK, "ok" },
		{ TEXT_BAD_UTF8, "bad-utf8" },
		{ TEXT_CONTROL, "bad-char" },
		{ TEXT_EMPTY, "empty" },
		{ TEXT_MARKS, "too-many-marks" },
	};

	for (size_t i = 0; i < LEN(codes); i++) {
		const char *msg = text_error_message(codes[i].e);

		ck_assert_str_eq(text_error_code(codes[i].e), codes[i].code);
		ck_assert_ptr_nonnull(msg);
		ck_assert_uint_gt(strlen(msg), 5);
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(msg, text_error_message(codes[j].e));
	}
	ck_assert_str_eq(text_error_message(TEXT_BAD_UTF8), "text is not valid UTF-8");
	ck_assert_str_eq(text_error_message(TEXT_EMPTY), "text is empty");
	ck_assert_ptr_nonnull(text_error_code((enum text_error)99));
	ck_assert_ptr_nonnull(text_error_message((enum text_error)99));
}
END_TEST

/* ---- text_sanitize ---- */

struct sanitize_case {
	const char *s;
	size_t n;
	const char *want;
};

#define FFFD "\xEF\xBF\xBD"

static const struct sanitize_case sanitize_cases[] = {
	{ "", 0, "" },
	{ S("hello"), "hello" },
	{ S("caf\xC3\xA9 \xF0\x9F\x98\x80"), "caf\xC3\xA9 \xF0\x9F\x98\x80" },
	{ S("\x1B[31mred\x1B[0m"), "^[[31mred^[[0m" },
	{ S("\x1B]0;x\x07"), "^[]0;x^G" },
	{ S("\x1B]8;;http://e.vil/\x1B\\link\x1B]8;;\x1B\\"),
	  "^[]8;;http://e.vil/^[\\link^[]8;;^[\\" },
	{ S("a\0b"), "a^@b" },
	{ S("a\tb"), "a^Ib" },
	{ S("l1\nl2\r\n"), "l1^Jl2^M^J" },
	{ S("\x08\x1F"), "^H^_" },
	{ S("\x7F"), "^?" },
	{ S("\xC2\x9B" "31m"), "<U+009B>31m" },
	{ S("\xC2\x80\xC2\x9F"), "<U+0080><U+009F>" },
	{ S("\x9B" "31m"), FFFD "31m" },
	{ S("abc\xE2\x80\xAE" "cba"), "abc<U+202E>cba" },
	{ S("\xE2\x81\xA6" "x\xE2\x81\xA9"), "<U+2066>x<U+2069>" },
	{ S("\xD8\x9C"), "<U+061C>" },
	{ S("\xEF\xBB\xBF"), "<U+FEFF>" },
	{ S("\xE2\x80\xA8"), "<U+2028>" },
	{ S("\xE2\x80\x8B"), "<U+200B>" },
	{ S("\xEF\xBF\xBE\xEF\xBF\xBF"), "<U+FFFE><U+FFFF>" },
	{ S("\xF3\xA0\x80\x81"), "<U+E0001>" },
	{ S("\xF4\x8F\xBF\xBF"), "<U+10FFFF>" },
	{ S("\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9"),
	  "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9" },
	{ S("\xE2\x9D\xA4\xEF\xB8\x8F"), "\xE2\x9D\xA4\xEF\xB8\x8F" },
	{ S("\xEF\xBF\xBD"), FFFD },
	{ S("\xC0\x80"), FFFD FFFD },
	{ S("\xE2\x82"), FFFD FFFD },
	{ S("\xE2\x82" "A"), FFFD FFFD "A" },
	{ S("\xED\xA0\x80"), FFFD FFFD FFFD },
	{ S("\xF4\x90\x80\x80"), FFFD FFFD FFFD FFFD },
	{ S("\xFF\xFE"), FFFD FFFD },
	{ S("^[ <U+202E>"), "^[ <U+202E>" },
	/* floods: the 9th nonspacing code point in a row and the rest of the
	 * run become one U+FFFD */
	{ S("a" M8), "a" M8 },
	{ S("a" M8 ACUTE), "a" M8 FFFD },
	{ S("a" M8 ACUTE ACUTE ZWJ ACUTE "b" M8 ACUTE "c"), "a" M8 FFFD "b" M8 FFFD "c" },
	{ S(ZWJ ZWJ ZWJ ZWJ ZWJ ZWJ ZWJ ZWJ ZWJ ZWJ), ZWJ ZWJ ZWJ ZWJ ZWJ ZWJ ZWJ ZWJ FFFD },
	{ S("a" M8 "\x1B" M8 ACUTE), "a" M8 "^[" M8 FFFD },
	{ S("a" M8 "\xFF" M8), "a" M8 FFFD M8 },
};

START_TEST(test_sanitize_exact)
{
	const struct sanitize_case *c = &sanitize_cases[_i];
	char out[256];
	size_t len = text_sanitize(c->s, c->n, out, sizeof(out));

	ck_assert_uint_eq(len, strlen(c->want));
	ck_assert_str_eq(out, c->want);
}
END_TEST

START_TEST(test_sanitize_zero_cap)
{
	char out[4] = "xyz";

	ck_assert_uint_eq(text_sanitize("abc", 3, NULL, 0), 0);
	ck_assert_uint_eq(text_sanitize("abc", 3, out, 0), 0);
	ck_assert_str_eq(out, "xyz");
	ck_assert_uint_eq(text_sanitize("abc", 3, out, 1), 0);
	ck_assert_str_eq(out, "");
}
END_TEST

/* Inputs that exercise every kind of replacement. */
static const struct {
	const char *s;
	size_t n;
} nasty[] = {
	{ S("\x1B[31mred\x1B[0m") },
	{ S("\x1B]0;x\x07") },
	{ S("\x1B]8;;http://e.vil/\x1B\\link\x1B]8;;\x1B\\") },
	{ S("a\0b\tc\nd\re\x7F") },
	{ S("\xC2\x9B" "31m\x9B" "31m") },
	{ S("abc\xE2\x80\xAE" "cba\xE2\x80\xAC") },
	{ S("\xF3\xA0\x80\x81\xF3\xA0\x81\x81\xF4\x8F\xBF\xBF") },
	{ S("caf\xC3\xA9 \xE4\xBD\xA0\xE5\xA5\xBD \xF0\x9F\x98\x80") },
	{ S("\xC0\x80\xE2\x82\xED\xA0\x80\xF4\x90\x80\x80\xFF") },
	{ S("\xE2\x82\xAC\xE2\x82\xAC\xE2\x82") },
	{ S("\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xEF\xBB\xBF") },
	{ S("^[<U+202E>\xEF\xBF\xBD") },
	{ S("\x1B\x1B\x1B\xC2\x85\xC2\x85") },
	{ S("a" M8 ACUTE ACUTE "b" M8 ZWJ ZWJ ZWJ "\xCC") },
};

/* Bytes of output after each whole input piece: the only places where a
 * truncated output may end. b[] gets them; returns how many. */
static size_t piece_ends(const char *s, size_t n, const char *full,
			 size_t *b)
{
	char tmp[1024];
	size_t count = 0;

	for (size_t k = 0; k <= n; k++) {
		size_t len = text_sanitize(s, k, tmp, sizeof(tmp));

		if (memcmp(tmp, full, len) == 0 &&
		    (count == 0 || b[count - 1] != len))
			b[count++] = len;
	}
	return count;
}

START_TEST(test_sanitize_truncation)
{
	const char *s = nasty[_i].s;
	size_t n = nasty[_i].n;
	char full[1024], out[1024];
	size_t ends[256], nends;
	size_t flen = text_sanitize(s, n, full, sizeof(full));

	nends = piece_ends(s, n, full, ends);
	ck_assert_uint_eq(ends[nends - 1], flen);
	for (size_t cap = 0; cap <= flen + 2; cap++) {
		size_t len, want = 0;

		memset(out, 0xAA, sizeof(out));
		len = text_sanitize(s, n, out, cap);
		if (cap == 0) {
			ck_assert_uint_eq(len, 0);
			ck_assert_int_eq((unsigned char)out[0], 0xAA);
			continue;
		}
		for (size_t j = 0; j < nends && ends[j] < cap; j++)
			want = ends[j];
		ck_assert_msg(len == want, "cap %zu: len %zu, want %zu",
			      cap, len, want);
		ck_assert_int_eq(out[len], '\0');
		ck_assert_mem_eq(out, full, len);
		ck_assert(clean_utf8(out, len));
		for (size_t j = len + 1; j < sizeof(out); j++)
			ck_assert_int_eq((unsigned char)out[j], 0xAA);
	}
}
END_TEST

/* Sanitized output is clean, and sanitizing it again changes nothing. */
static void check_sanitized(const char *s, size_t n)
{
	char a[2048], b[2048];
	size_t alen = text_sanitize(s, n, a, sizeof(a));
	size_t blen = text_sanitize(a, alen, b, sizeof(b));
	enum text_error e;

	ck_assert_uint_lt(alen, sizeof(a) - 1);
	ck_assert(clean_utf8(a, alen));
	ck_assert_uint_eq(strlen(a), alen);
	e = text_check(a, alen, NULL);
	ck_assert(e == TEXT_OK || e == TEXT_EMPTY);
	ck_assert_uint_eq(blen, alen);
	ck_assert_mem_eq(a, b, alen);
	/* text the daemon accepts is passed through unchanged */
	e = text_check(s, n, NULL);
	if (e == TEXT_OK || e == TEXT_EMPTY) {
		ck_assert_uint_eq(alen, n);
		ck_assert_mem_eq(a, s, n);
	}
}

START_TEST(test_sanitize_idempotent_nasty)
{
	check_sanitized(nasty[_i].s, nasty[_i].n);
}
END_TEST

/* Fragments that random strings are built from, besides random bytes. */
static const char *const fragments[] = {
	"\x1B", "[", "]", "\x07", "a", " ", "\xC2\x9B", "\xC2\x85",
	"\xE2\x80\xAE", "\xE2\x80\x8D", "\xE2\x81\xA6", "\xEF\xBB\xBF",
	"\xF0\x9F\x98\x80", "\xF3\xA0\x80\x81", "\xC3\xA9", "\xE2\x82",
	"\xED\xA0\x80", "\xEF\xBF\xBD", "^", "<U+", "\xEF\xBF\xBF",
	M8, ACUTE, ZWJ ZWJ,
};

START_TEST(test_sanitize_idempotent_random)
{
	char buf[256];

	rng_state = 0x1c4a7u;
	for (int iter = 0; iter < 5000; iter++) {
		size_t n = 0, want = rng() % 96;

		while (n < want) {
			uint32_t r = rng();

			if (r % 3 == 0) {
				const char *f = fragments[(r >> 8) % LEN(fragments)];
				size_t flen = strlen(f);

				if (n + flen > sizeof(buf))
					break;
				memcpy(buf + n, f, flen);
				n += flen;
			} else {
				buf[n++] = (char)(r >> 8);
			}
		}
		check_sanitized(buf, n);
	}
}
END_TEST

/* Every forbidden code point is replaced; every allowed one is kept. */
START_TEST(test_sanitize_every_codepoint)
{
	for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
		unsigned char in[4];
		char out[16];
		size_t n, len;

		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		n = encode(cp, shortest_len(cp), in);
		len = text_sanitize((char *)in, n, out, sizeof(out));
		if (codepoint_is_forbidden(cp)) {
			char want[16];

			if (cp < 0x20)
				snprintf(want, sizeof(want), "^%c",
					 "@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_"[cp]);
			else if (cp == 0x7F)
				strcpy(want, "^?");
			else
				snprintf(want, sizeof(want), "<U+%04X>", cp);
			fast_assert(len == strlen(want) && strcmp(out, want) == 0,
				    "U+%04X: got \"%s\", want \"%s\"", cp, out, want);
		} else {
			fast_assert(len == n && memcmp(out, in, n) == 0,
				    "U+%04X was not kept as is", cp);
		}
	}
}
END_TEST

/* 500 marks on one letter, 500 zero-width joiners: refused by text_check,
 * cut to 8 and one U+FFFD by text_sanitize, whatever the mark. */
START_TEST(test_flood)
{
	static const char *const marks[] = { ACUTE, ZWJ, "\xEF\xB8\x8F", "\xE2\x83\xA3",
					     "\xE0\xA5\x8D", "\xC2\xAD" };
	const char *m = marks[_i];
	size_t mlen = strlen(m), n = 0, off = 0;
	char in[4096], out[4096], want[256];
	size_t w = 0;

	in[n++] = 'x';
	for (int k = 0; k < 500; k++, n += mlen)
		memcpy(in + n, m, mlen);
	in[n++] = 'y';
	ck_assert_int_eq(text_check(in, n, &off), TEXT_MARKS);
	ck_assert_uint_eq(off, 1 + 8 * mlen);
	want[w++] = 'x';
	for (int k = 0; k < 8; k++, w += mlen)
		memcpy(want + w, m, mlen);
	memcpy(want + w, FFFD "y", 4);
	w += 4;
	ck_assert_uint_eq(text_sanitize(in, n, out, sizeof(out)), w);
	ck_assert_mem_eq(out, want, w);
	check_sanitized(in, n);
}
END_TEST

/* Every nonspacing code point is counted, every other one ends a run. */
START_TEST(test_nonspacing_named)
{
	static const uint32_t yes[] = { 0x0300, 0x036F, 0x0483, 0x0489, 0x093C, 0x094D,
					0x0E31, 0x1AB0, 0x1DC0, 0x200C, 0x200D, 0x20D0,
					0x20E3, 0xFE0F, 0xFE20, 0x00AD, 0xE0100, 0x1D167 };
	static const uint32_t no[] = { 'a', ' ', 0xA0, 0xE9, 0x0903, 0x3000, 0x1F600,
				       0xFFFD, 0x0E01, 0x10FFFF, 0x3164 };

	for (size_t i = 0; i < LEN(yes); i++)
		ck_assert_msg(codepoint_is_nonspacing(yes[i]), "U+%04X", yes[i]);
	for (size_t i = 0; i < LEN(no); i++)
		ck_assert_msg(!codepoint_is_nonspacing(no[i]), "U+%04X", no[i]);
}
END_TEST

/* Every code point of the classes a terminal obeys (C0, DEL, C1, the
 * bidi controls, line and paragraph separators) between two letters:
 * text_check refuses it, text_sanitize shows it as printable ASCII. The
 * raw C1 bytes are not UTF-8 at all. */
START_TEST(test_check_every_class)
{
	static const struct { uint32_t lo, hi; } classes[] = {
		{ 0x00, 0x1F }, { 0x7F, 0x9F }, { 0x061C, 0x061C }, { 0x200E, 0x200F },
		{ 0x2028, 0x202E }, { 0x2066, 0x2069 },
	};

	for (size_t c = 0; c < LEN(classes); c++) {
		for (uint32_t cp = classes[c].lo; cp <= classes[c].hi; cp++) {
			char in[8], out[32];
			size_t n = 0, len, off = 99;

			in[n++] = 'a';
			n += encode(cp, shortest_len(cp), (unsigned char *)in + n);
			in[n++] = 'b';
			ck_assert_msg(text_check(in, n, &off) == TEXT_CONTROL && off == 1,
				      "U+%04X", cp);
			len = text_sanitize(in, n, out, sizeof(out));
			for (size_t k = 0; k < len; k++)
				ck_assert_msg(out[k] >= 0x20 && out[k] < 0x7F,
					      "U+%04X: byte %zu of \"%s\"", cp, k, out);
			if (cp >= 0x80 && cp <= 0x9F) {
				char raw[3] = { 'a', (char)cp, 'b' };

				ck_assert_int_eq(text_check(raw, 3, NULL), TEXT_BAD_UTF8);
				len = text_sanitize(raw, 3, out, sizeof(out));
				ck_assert_uint_eq(len, 5);
				ck_assert_mem_eq(out, "a" FFFD "b", 5);
			}
		}
	}
}
END_TEST

static Suite *sanitize_suite(void)
{
	Suite *s = suite_create("sanitize");
	TCase *tc;

	tc = tcase_create("utf8");
	tcase_add_loop_test(tc, test_utf8_valid, 0, LEN(utf8_valid));
	tcase_add_loop_test(tc, test_utf8_invalid, 0, LEN(utf8_invalid));
	tcase_add_test(tc, test_utf8_exhaustive);
	tcase_add_test(tc, test_utf8_single_bytes);
	suite_add_tcase(s, tc);

	tc = tcase_create("classes");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_forbidden_all_codepoints);
	tcase_add_test(tc, test_invisible_all_codepoints);
	tcase_add_test(tc, test_forbidden_named);
	tcase_add_test(tc, test_invisible_named);
	suite_add_tcase(s, tc);

	tc = tcase_create("check");
	tcase_add_loop_test(tc, test_text_check, 0, LEN(check_cases));
	tcase_add_test(tc, test_text_check_uses_n);
	tcase_add_test(tc, test_text_check_words);
	tcase_add_test(tc, test_text_error_strings);
	tcase_add_loop_test(tc, test_flood, 0, 6);
	tcase_add_test(tc, test_nonspacing_named);
	tcase_add_test(tc, test_check_every_class);
	suite_add_tcase(s, tc);

	tc = tcase_create("sanitize");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_sanitize_exact, 0, LEN(sanitize_cases));
	tcase_add_test(tc, test_sanitize_zero_cap);
	tcase_add_loop_test(tc, test_sanitize_truncation, 0, LEN(nasty));
	tcase_add_loop_test(tc, test_sanitize_idempotent_nasty, 0, LEN(nasty));
	tcase_add_test(tc, test_sanitize_idempotent_random);
	tcase_add_test(tc, test_sanitize_every_codepoint);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(sanitize_suite());
}
