/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* fuzz_sanitize.c - libFuzzer target for the sanitizer (common/sanitize.c).
 *
 * Arbitrary bytes are sanitized and the output must be what a small model
 * built on utf8_decode() and codepoint_is_forbidden() predicts, piece by
 * piece: a valid sequence of an allowed code point is copied, a forbidden
 * one becomes "^X" (C0, DEL) or "<U+XXXX>", every invalid byte becomes
 * U+FFFD, and in a run of nonspacing code points (codepoint_is_nonspacing)
 * the ones past TEXT_MAX_NONSPACING are dropped for one U+FFFD. Then:
 *   - the output is valid UTF-8 with no forbidden code point and no C0,
 *     C1, ESC or DEL in it, and text_check() takes it (or finds it empty);
 *   - sanitizing it again changes nothing;
 *   - text with nothing forbidden and no flood of marks is kept byte for byte;
 *   - text_check() gives the verdict and the offset of a model that decodes
 *     every code point (text_check() takes printable ASCII on a fast path);
 *   - with a small outcap (exactly that many bytes allocated, so ASan sees
 *     any write past it) the output is NUL-terminated, a prefix of the
 *     full output that ends on a piece boundary (no split UTF-8 sequence,
 *     no split escape), and the longest such prefix that fits.
 *
 * Input: byte 0 picks the small outcaps, the rest is the text. */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sanitize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Longest piece: "<U+10FFFF>". */
#define PIECE_MAX 10

/* The model: the expected output in *out (malloc'd) and in bound[] the
 * offset at which each piece ends (bound[0] = 0); returns its length. */
static size_t model(const char *s, size_t n, char **out, size_t **bound, size_t *nbound)
{
	char *o = malloc(n * PIECE_MAX + 1);
	size_t *b = malloc((n + 1) * sizeof(*b));
	size_t len = 0, nb = 0, run = 0;    /* nonspacing in a row */

	assert(o && b);
	b[nb++] = 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t l = utf8_decode(s + i, n - i, &cp);

		if (l == 0) {
			memcpy(o + len, "\xEF\xBF\xBD", 3);
			len += 3;
			l = 1;
			run = 0;
		} else if (cp < 0x20 || cp == 0x7F) {
			o[len++] = '^';
			o[len++] = (char)(cp ^ 0x40);
			run = 0;
		} else if (codepoint_is_forbidden(cp)) {
			len += (size_t)sprintf(o + len, "<U+%04X>", (unsigned)cp);
			run = 0;
		} else if (!codepoint_is_nonspacing(cp) || ++run <= TEXT_MAX_NONSPACING) {
			if (!codepoint_is_nonspacing(cp))
				run = 0;
			memcpy(o + len, s + i, l);
			len += l;
		} else if (run == TEXT_MAX_NONSPACING + 1) {
			memcpy(o + len, "\xEF\xBF\xBD", 3);   /* a flood's first excess */
			len += 3;
		}                                       /* the rest of it: dropped */
		i += l;
		b[nb++] = len;
	}
	o[len] = '\0';
	*out = o;
	*bound = b;
	*nbound = nb;
	return len;
}

/* Valid UTF-8, no forbidden code point, no C0/DEL byte, no C1 code
 * point (its raw byte 0x80-0x9F could only appear as a continuation). */
static void check_safe(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t l = utf8_decode(s + i, n - i, &cp);

		assert(l > 0);
		assert(!codepoint_is_forbidden(cp));
		assert(cp >= 0x20 && cp != 0x7F && !(cp >= 0x80 && cp <= 0x9F));
		i += l;
	}
	enum text_error e = text_check(s, n, NULL);
	assert(e == TEXT_OK || e == TEXT_EMPTY);
}

/* Valid UTF-8, nothing forbidden, no flood of nonspacing code points
 * (it may be only white space). */
static int is_clean(const char *s, size_t n)
{
	size_t run = 0;

	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t l = utf8_decode(s + i, n - i, &cp);

		if (l == 0 || codepoint_is_forbidden(cp))
			return 0;
		run = codepoint_is_nonspacing(cp) ? run + 1 : 0;
		if (run > TEXT_MAX_NONSPACING)
			return 0;
		i += l;
	}
	return 1;
}

/* text_check() one code point at a time: the first fault and its offset
 * (0 for TEXT_EMPTY, nothing visible). */
static enum text_error model_check(const char *s, size_t n, size_t *bad)
{
	size_t run = 0;
	int visible = 0;

	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t l = utf8_decode(s + i, n - i, &cp);
		enum text_error e = TEXT_OK;

		if (l == 0)
			e = TEXT_BAD_UTF8;
		else if (codepoint_is_forbidden(cp))
			e = TEXT_CONTROL;
		else if ((run = codepoint_is_nonspacing(cp) ? run + 1 : 0) > TEXT_MAX_NONSPACING)
			e = TEXT_MARKS;
		if (e != TEXT_OK) {
			*bad = i;
			return e;
		}
		visible |= cp != ' ' && !codepoint_is_invisible(cp);
		i += l;
	}
	*bad = 0;
	return visible ? TEXT_OK : TEXT_EMPTY;   /* the offset only matters if not OK */
}

/* Sanitize into exactly outcap bytes and check the truncation rules. */
static void check_small(const char *s, size_t n, const char *full, const size_t *bound,
			size_t nbound, size_t outcap)
{
	char *small = malloc(outcap);
	size_t want = 0;

	assert(small);
	for (size_t i = 0; i < nbound && bound[i] < outcap; i++)
		want = bound[i];
	size_t got = text_sanitize(s, n, small, outcap);
	assert(got == want);
	assert(small[got] == '\0');
	assert(memcmp(small, full, got) == 0);
	free(small);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned pick = data[0];
	const char *s = (const char *)data + 1;
	size_t n = size - 1;

	char *want;
	size_t *bound, nbound;
	size_t wn = model(s, n, &want, &bound, &nbound);

	/* Room for all of it: the output is the model's. */
	size_t cap = wn + 1;
	char *a = malloc(cap), *b = malloc(cap);
	assert(a && b);
	size_t na = text_sanitize(s, n, a, cap);
	assert(na == wn && memcmp(a, want, wn) == 0 && a[na] == '\0');
	assert(strlen(a) == na);
	check_safe(a, na);
	size_t nb = text_sanitize(a, na, b, cap);
	assert(nb == na && memcmp(a, b, na) == 0);      /* idempotent */
	if (is_clean(s, n))
		assert(na == n && memcmp(a, s, n) == 0); /* clean text is kept */
	if (text_check(s, n, NULL) == TEXT_OK)
		assert(is_clean(s, n));
	size_t off, model_off;
	enum text_error te = text_check(s, n, &off);
	assert(te == model_check(s, n, &model_off) && (te == TEXT_OK || off == model_off));

	/* outcap 0 writes nothing at all. */
	assert(text_sanitize(s, n, NULL, 0) == 0);
	/* Small outcaps: every one for short outputs, a few picked by byte
	 * 0 otherwise. */
	if (wn < 96) {
		for (size_t c = 1; c <= wn + 1; c++)
			check_small(s, n, a, bound, nbound, c);
	} else {
		for (unsigned k = 0; k < 4; k++)
			check_small(s, n, a, bound, nbound,
				    1 + (pick * 131u + k * 977u) % (wn + 1));
	}
	free(a);
	free(b);
	free(want);
	free(bound);
	return 0;
}
