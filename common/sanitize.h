/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* sanitize.h - UTF-8 validation and terminal-safety rules for text.
 *
 * One place decides which text may travel through lchat and how text is made
 * safe to print: the daemon rejects bad text with text_check(), and every
 * program that prints something it received runs it through text_sanitize()
 * first, whatever the daemon already did. */
#ifndef LCHAT_SANITIZE_H
#define LCHAT_SANITIZE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "codes.h"

/* Decode one UTF-8 sequence at s (n bytes available). Strict: rejects
 * overlong forms, surrogates, code points above U+10FFFF and truncated
 * sequences. Returns the sequence length (1-4) and stores the code point in
 * *cp, or returns 0 if the bytes at s are not valid UTF-8. */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp);

/* True for code points that must never reach a terminal: C0 controls, DEL,
 * C1 controls, bidirectional embeddings/overrides/isolates/marks, line and
 * paragraph separators, interlinear annotation controls and similar
 * invisible format characters that can disguise text. */
bool codepoint_is_forbidden(uint32_t cp);

/* True for code points that render as nothing (zero-width and format
 * characters, including the forbidden ones). Used by the name rules. */
bool codepoint_is_invisible(uint32_t cp);

/* True for code points that take no column of their own and stack on the
 * character before them: combining marks and format characters (general
 * categories Mn, Me, Cf; common/nonspacing.c, generated). */
bool codepoint_is_nonspacing(uint32_t cp);

/* The most nonspacing code points (marks, joiners, variation selectors...)
 * text may have in a row. Real text needs a few (a letter with two or three
 * accents, an emoji with a variation selector and a joiner); a flood of
 * them ("Zalgo" text, hundreds of zero-width joiners) only smears over the
 * lines around it or hides text. UAX #15's stream-safe format allows 30;
 * a terminal cell shows far fewer. */
#define TEXT_MAX_NONSPACING 8

enum text_error {
	TEXT_OK = 0,
	TEXT_BAD_UTF8,      /* not valid UTF-8 */
	TEXT_CONTROL,       /* a forbidden (control, escape, bidi...) character */
	TEXT_EMPTY,         /* empty or only white space */
	TEXT_MARKS,         /* more than TEXT_MAX_NONSPACING nonspacing in a row */
};

/* Check user-supplied text (a message, a quit reason, a notice): valid
 * UTF-8, nothing forbidden, no run of more than TEXT_MAX_NONSPACING
 * nonspacing code points, something visible. On error,
 * *bad_offset (if not NULL) gets the byte offset of the first bad byte. */
enum text_error text_check(const char *s, size_t n, size_t *bad_offset);

/* The reply code of a text_error (codes.h), its word, and a human
 * sentence. */
enum reply_code text_error_reply(enum text_error e);
const char *text_error_code(enum text_error e);
const char *text_error_message(enum text_error e);

/* Copy s (n bytes) to out as text that is safe to print on a terminal:
 * invalid UTF-8 bytes become U+FFFD, forbidden code points become a visible
 * escape such as "^[" (C0), "<U+202E>" (others), and the nonspacing code
 * points of a run beyond the TEXT_MAX_NONSPACING-th are dropped, with one
 * U+FFFD in their place. Always NUL-terminates when
 * outcap > 0 and never splits a UTF-8 sequence or an escape. Returns the
 * number of bytes written, excluding the NUL. Idempotent: sanitizing the
 * output again yields the same bytes. */
size_t text_sanitize(const char *s, size_t n, char *out, size_t outcap);

/* Remove IRC's formatting codes from s (n bytes), in place: bold \x02,
 * colour \x03 with its "fg[,bg]" digits, hex colour \x04 with its digits,
 * reset \x0f, reverse \x16, italics \x1d, strike \x1e, underline \x1f,
 * monospace \x11. What is left is the text an lchat user reads; text_check()
 * then applies the usual rules. Returns the new length. */
size_t text_strip_irc_format(char *s, size_t n);

#endif
