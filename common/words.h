/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* words.h - the words of a protocol line: splitting at spaces, and the
 * decimal numbers the protocols carry. */
#ifndef LCHAT_WORDS_H
#define LCHAT_WORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The next space-separated word at *p (end e), its length in *n; *p
 * advances past the word and one space. */
const char *proto_next_word(const char **p, const char *e, size_t *n);
/* Is the n-byte word w exactly lit? */
bool proto_word_is(const char *w, size_t n, const char *lit);
/* Parse a decimal number; false if s is not one or it does not fit. */
bool proto_parse_u64(const char *s, size_t n, uint64_t *out);
bool proto_parse_i64(const char *s, size_t n, int64_t *out);

#endif
