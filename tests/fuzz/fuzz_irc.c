/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* fuzz_irc.c - libFuzzer target for the IRC socket's words (common/irc.c)
 * and the removal of IRC's formatting codes (common/sanitize.c).
 *
 * Arbitrary bytes are a client line. Then:
 *   - irc_parse(): the command word and every parameter lie inside the
 *     line, at most IRC_PARAMS_MAX of them, none but the last holding a
 *     space, and the command is the one irc_cmd_from() names;
 *   - text_strip_irc_format(): the output is a subsequence of the input
 *     (bytes only taken out, in order), with none of the formatting bytes
 *     \x02 \x03 \x04 \x0f \x11 \x16 \x1d \x1e \x1f left;
 *   - irc_ctcp(): an ACTION's text lies inside the line;
 *   - irc_caps_parse() does not read past its input;
 *   - irc_num() of the text makes one line ending in CR LF. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "irc.h"
#include "sanitize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool inside(const char *p, size_t n, const char *base, size_t len)
{
	return p >= base && p + n <= base + len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact allocation, so ASan sees a read past the line. */
	char *line = malloc(size ? size : 1);
	assert(line);
	memcpy(line, data, size);

	struct irc_msg m;
	if (irc_parse(line, size, &m)) {
		assert(m.word_len > 0 && inside(m.word, m.word_len, line, size));
		assert(m.cmd == irc_cmd_from(m.word, m.word_len));
		assert(m.n <= IRC_PARAMS_MAX);
		for (unsigned i = 0; i < m.n; i++) {
			assert(inside(m.p[i], m.len[i], line, size));
			if (i + 1 < m.n)
				assert(!memchr(m.p[i], ' ', m.len[i]));
		}
	}

	const char *a;
	size_t an;
	if (irc_ctcp(line, size, &a, &an) && a)
		assert(inside(a, an, line, size));
	uint32_t caps;
	(void)irc_caps_parse(line, size, &caps);

	char *s = malloc(size ? size : 1);
	assert(s);
	memcpy(s, data, size);
	size_t n = text_strip_irc_format(s, size);
	assert(n <= size);
	/* A subsequence of the input. */
	size_t j = 0;
	for (size_t i = 0; i < size && j < n; i++)
		if (line[i] == s[j])
			j++;
	assert(j == n);
	static const char gone[] = "\x02\x0f\x11\x16\x1d\x1e\x1f\x03\x04";
	for (size_t i = 0; i < n; i++)
		assert(!memchr(gone, s[i], sizeof(gone) - 1));

	struct buffer b = { 0 };
	if (irc_num(&b, "nick", RPL_MOTD, ":%.*s", (int)(size < 400 ? size : 400), line) == 0) {
		assert(b.len >= 2 && b.data[b.len - 2] == '\r' && b.data[b.len - 1] == '\n');
	}
	buffer_free(&b);
	free(s);
	free(line);
	return 0;
}
