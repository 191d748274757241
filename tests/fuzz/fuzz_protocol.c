/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* fuzz_protocol.c - libFuzzer target for the protocol module: arbitrary
 * bytes are framed into lines in arbitrary chunks, every line is parsed
 * and round-tripped, and the invariants below must hold for all of them.
 * (The sanitizer has its own target, fuzz_sanitize.c.)
 *
 *   make fuzz            (bounded run; see the Makefile)
 *
 * Input: byte 0 picks max_line, byte 1 seeds the chunk sizes, the rest is
 * the stream a client sends. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"
#include "sanitize.h"   /* text_check(): what the daemon accepts */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void in_line(const char *p, size_t n, const char *line, size_t len)
{
	assert(!p || (p >= line && p + n <= line + len));
}

static void check_line(const char *line, size_t len, size_t max_line)
{
	struct command c;
	struct server_line sl;

	assert(len <= max_line);
	assert(!memchr(line, '\n', len));
	if (proto_parse_server_line(line, len, &sl)) {
		for (int i = 0; i < 3; i++)
			in_line(sl.word[i], sl.word_len[i], line, len);
		in_line(sl.rest, sl.rest_len, line, len);
	}
	if (text_check(line, len, NULL) != TEXT_OK)
		return;
	proto_parse_command(line, len, &c);
	in_line(c.verb_text, c.verb_len, line, len);
	in_line(c.arg, c.arg_len, line, len);
	in_line(c.text, c.text_len, line, len);
	if (c.verb != VERB_SAY || !c.text)
		return;
	/* What the daemon would store for it parses back to the same text. */
	char ev[MAX_LINE_MAX + PROTO_OVERHEAD];
	size_t n = proto_format_event(ev, sizeof(ev), 42, 1700000000000, EV_MSG,
				      "alice", NULL, 0, c.text, c.text_len);
	assert(n > 0 && ev[n - 1] == '\n');
	assert(proto_parse_server_line(ev, n - 1, &sl));
	assert(sl.type == SL_EVENT && sl.kind == EV_MSG && sl.seq == 42);
	assert(sl.rest_len == c.text_len && memcmp(sl.rest, c.text, c.text_len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct linebuf lb;

	if (size < 2)
		return 0;
	size_t max_line = MAX_LINE_MIN + data[0] % 64;
	unsigned seed = data[1];
	data += 2;
	size -= 2;
	if (linebuf_init(&lb, max_line) < 0)
		return 0;
	size_t off = 0;
	while (off < size) {
		size_t avail;
		char *p = linebuf_space(&lb, &avail);
		seed = seed * 1103515245u + 12345u;
		size_t chunk = 1 + (seed >> 16) % 97;
		if (chunk > avail)
			chunk = avail;
		if (chunk > size - off)
			chunk = size - off;
		if (chunk == 0)
			break;      /* cannot happen: lines are taken below */
		memcpy(p, data + off, chunk);
		linebuf_commit(&lb, chunk);
		off += chunk;
		char *line;
		size_t len;
		enum line_status st;
		while ((st = linebuf_next(&lb, &line, &len)) != LINE_NONE)
			if (st == LINE_OK)
				check_line(line, len, max_line);
		assert(linebuf_room(&lb) > 0);
	}
	linebuf_free(&lb);
	return 0;
}
