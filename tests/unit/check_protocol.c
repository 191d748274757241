/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* check_protocol.c - unit tests for common/protocol.c: the line assembler
 * (framing, CRLF, overlong lines, bounded memory), command parsing, number
 * parsing, byte-exact event formatting and the server-line parser (with a
 * format -> parse round trip for every event kind). */
#include <check.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "buffer.h"
#include "protocol.h"

/* ---- linebuf helpers ------------------------------------------------ */

struct got_line {
	enum line_status st;
	char *data;        /* copy of the line (LINE_OK only) */
	size_t len;
};

struct got {
	struct got_line *v;
	size_t n, cap;
};

static void got_push(struct got *g, enum line_status st, const char *line, size_t len)
{
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 16;
		g->v = realloc(g->v, g->cap * sizeof(g->v[0]));
		ck_assert_ptr_nonnull(g->v);
	}
	struct got_line *e = &g->v[g->n++];
	e->st = st;
	e->len = len;
	e->data = NULL;
	if (st == LINE_OK) {
		e->data = malloc(len + 1);
		ck_assert_ptr_nonnull(e->data);
		memcpy(e->data, line, len);
		e->data[len] = '\0';
	}
}

static void got_free(struct got *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->v[i].data);
	free(g->v);
	memset(g, 0, sizeof(*g));
}

/* Take every complete line, as the daemon does after each read. */
static void take_all(struct linebuf *lb, struct got *g)
{
	enum line_status st;
	char *line;
	size_t len;

	while ((st = linebuf_next(lb, &line, &len)) != LINE_NONE) {
		if (st == LINE_OK)
			fast_assert(line[len] == '\0', "line is not NUL-terminated");
		got_push(g, st, line, len);
	}
}

/* Feed n bytes in reads of at most `chunk` bytes through
 * linebuf_space/commit, taking all lines after each read. Checks that the
 * buffer never grows or moves. */
static void feed(struct linebuf *lb, const char *data, size_t n, size_t chunk,
		 struct got *g)
{
	char *buf0 = lb->buf;
	size_t cap0 = lb->cap;

	for (size_t off = 0; off < n;) {
		size_t avail;
		char *p = linebuf_space(lb, &avail);
		fast_assert(avail > 0, "no space after all lines were taken");
		size_t k = n - off;
		if (k > chunk)
			k = chunk;
		if (k > avail)
			k = avail;
		memcpy(p, data + off, k);
		linebuf_commit(lb, k);
		off += k;
		take_all(lb, g);
		fast_assert(lb->buf == buf0 && lb->cap == cap0 && lb->len <= lb->cap,
			    "line buffer grew or moved");
	}
}

static void feed_str(struct linebuf *lb, const char *s, struct got *g)
{
	feed(lb, s, strlen(s), SIZE_MAX, g);
}

static void assert_ok_line(const struct got *g, size_t i, const char *data, size_t len)
{
	ck_assert_msg(i < g->n, "expected line %zu, got only %zu", i, g->n);
	ck_assert_msg(g->v[i].st == LINE_OK, "entry %zu: status %d, want LINE_OK",
		      i, (int)g->v[i].st);
	ck_assert_uint_eq(g->v[i].len, len);
	ck_assert_msg(memcmp(g->v[i].data, data, len) == 0, "entry %zu: wrong bytes", i);
}

#define assert_line(g, i, lit) assert_ok_line(g, i, S(lit))

/* A string of n copies of c (caller frees). */
static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	ck_assert_ptr_nonnull(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

#define MAXL 64   /* max_line for most tests (MAX_LINE_MIN) */

/* ---- linebuf tests -------------------------------------------------- */

START_TEST(test_lb_init)
{
	struct linebuf lb;

	ck_assert_int_eq(linebuf_init(&lb, MAXL), 0);
	ck_assert_ptr_nonnull(lb.buf);
	ck_assert_uint_eq(lb.cap, MAXL + 2);
	ck_assert(!linebuf_partial(&lb));
	char *line;
	size_t len;
	ck_assert_int_eq(linebuf_next(&lb, &line, &len), LINE_NONE);
	linebuf_free(&lb);
	ck_assert_ptr_null(lb.buf);
	linebuf_free(&lb);   /* twice is harmless */
}
END_TEST

START_TEST(test_lb_single_line)
{
	struct linebuf lb;
	struct got g = { 0 };

	linebuf_init(&lb, MAXL);
	feed_str(&lb, "SAY hello world\n", &g);
	ck_assert_uint_eq(g.n, 1);
	assert_line(&g, 0, "SAY hello world");
	ck_assert(!linebuf_partial(&lb));
	got_free(&g);
	linebuf_free(&lb);
}
END_TEST

START_TEST(test_lb_many_lines_one_feed)
{
	struct linebuf lb;
	struct got g = { 0 };

	linebuf_init(&lb, MAXL);
	feed_str(&lb, "JOIN alice\nSAY one\nSAY two\r\nWHO\nQUIT bye\n", &g);
	ck_assert_uint_eq(g.n, 5);
	assert_line(&g, 0, "JOIN alice");
	assert_line(&g, 1, "SAY one");
	assert_line(&g, 2, "SAY two");
	assert_line(&g, 3, "WHO");
	assert_line(&g, 4, "QUIT bye");
	ck_assert(!linebuf_partial(&lb));
	got_free(&g);
	linebuf_free(&lb);
}
END_TEST

START_TEST(test_lb_one_byte_feeds)
{
	static const char input[] = "SAY split across many reads\r\nPING x\n\nME waves\n";
	struct linebuf lb;
	struct got g = { 0 };

	linebuf_init(&lb, MAXL);
	feed(&lb, input, sizeof(input) - 1, 1, &g);
	ck_assert_uint_eq(g.n, 4);
	assert_line(&g, 0, "SAY split across many reads");
	assert_line(&g, 1, "PING x");
	assert_line(&g, 2, "");
	assert_line(&g, 3, "ME waves");
	got_free(&g);
	linebuf_free(&lb);
}
END_TEST

START_TEST(test_lb_crlf)
{
	struct linebuf lb;
	struct got g = { 0 };

	linebuf_init(&lb, MAXL);
	/* One "\r" before "\n" is dropped; other "\r" bytes are data. */
	feed_str(&lb, "a\r\nb\r\r\n\r\nc\rd\n\r\r\n", &g);
	ck_assert_uint_eq(g.n, 5);
	assert_line(&g, 0, "a");
	assert_line(&g, 1, "b\r");
	assert_line(&g, 2, "");
	assert_line(&g, 3, "c\rd");
	assert_line(&g, 4, "\r");
	got_free(&g);
	linebuf_free(&lb);
}
END_TEST

START_TEST(test_lb_empty_line)
{
	struct linebuf lb;
	struct got g = { 0 };

	linebuf_init(&lb, MAXL);
	feed_str(&lb, "\n", &g);
	ck_assert_uint_eq(g.n, 1);
	assert_ok_line(&g, 0, "", 0);
	feed_str(&lb, "\r\nx\n\n", &g);
	ck_assert_uint_eq(g.n, 4);
	assert_ok_line(&g, 1, "", 0);
	assert_line(&g, 2, "x");
	assert_ok_line(&g, 3, "", 0);
	got_free(&g);
	linebuf_free(&lb);
}
END_TEST

/* _i: 0 = "\n" in one feed, 1 = "\r\n" in one feed, 2 and 3: the same
 * byte by byte. */
START_TEST(test_lb_exactly_max_line)
{
	bool crlf = _i & 1;
	size_t chunk = _i & 2 ? 1 : SIZE_MAX;
	struct linebuf lb;
	struct got g = { 0 };
	char *body = repeat('x', MAXL);
	char in[MAXL + 16];

	int n = snprintf(in, sizeof(in), "%s%s", body, crlf ? "\r\n" : "\n");
	linebuf_init(&lb, MAXL);
	feed(&lb, in, (size_t)n, chunk, &g);
	ck_assert_uint_eq(g.n, 1);
	assert_ok_line(&g, 0, body, MAXL);
	feed_str(&lb, "next\n", &g);
	ck_assert_uint_eq(g.n, 2);
	assert_line(&g, 1, "next");
	free(body);
	got_free(&g);
	linebuf_free(&lb);
}
END_TEST

/* max_line + 1 bytes: reported once, then the next line is fine.
 * _i as in test_lb_exactly_max_line. */
START_TEST(test_lb_max_line_plus_one)
{
	bool crlf = _i & 1;
	size_t chunk = _i & 2 ? 1 : SIZE_MAX;
	struct linebuf lb;
	struct got g = { 0 };
	char *body = repeat('y', MAXL + 1);
	char in[MAXL + 32];

	int n = snprintf(in, sizeof(in), "%s%sSAY after\n", body, crlf ? "\r\n" : "\n");
	linebuf_init(&lb, MAXL);
	feed(&lb, in, (size_t)n, chunk, &g);
	ck_assert_uint_eq(g.n, 2);
	ck_assert_int_eq(g.v[0].st, LINE_TOO_LONG);
	assert_line(&g, 1, "SAY after");
	ck_assert(!linebuf_partial(&lb));
	free(body);
	got_free(&g);
	linebuf_free(&lb);
}
END_TEST

/* 10 MB without a newline: exactly one LINE_TOO_LONG, the buffer never
 * grows, and the line after the eventual "\n" is intact. _i picks the read
 * size. */
static const size_t huge_chunks[] = { 65536, 4096, MAXL + 2, 7 };

START_TEST(test_lb_huge_line_bounded)
{
	const size_t total = 10u << 20;
	size_t chunk = huge_chunks[_i];
	struct linebuf lb;
	struct got g = { 0 };
	char *block = repeat('z', 65536);

	linebuf_init(&lb, MAXL);
	feed_str(&lb, "SAY before\n", &g);
	for (size_t off = 0; off < total; off += 65536)
		feed(&lb, block, 65536, chunk, &g);
	ck_assert(linebuf_partial(&lb));
	ck_assert_uint_eq(lb.cap, MAXL + 2);
	ck_assert_uint_le(lb.len, lb.cap);
	feed_str(&lb, "tail of the long line\nSAY after\n", &g);
	ck_assert_uint_eq(g.n, 3);
	assert_line(&g, 0, "SAY before");
	ck_assert_int_eq(g.v[1].st, LINE_TOO_LONG);
	assert_line(&g, 2, "SAY after");
	ck_assert(!linebuf_partial(&lb));
	ck_assert_uint_eq(lb.cap, MAXL + 2);
	free(block);
	got_free(&g);
	linebuf_free(&lb);
}
END_TEST

/* An overlong line whose end arrives in the same read as the next lines. */
START_TEST(test_lb_overlong_end_with_next_lines)
{
	struct linebuf lb;
	struct got g = { 0 };
	char *body = repeat('q', 3 * MAXL);

	linebuf_init(&lb, MAXL);
	feed(&lb, body, 3 * MAXL, MAXL, &g);
	ck_assert_uint_eq(g.n, 1);
	ck_assert_int_eq(g.v[0].st, LINE_TOO_LONG);
	feed_str(&lb, "qqq\nSAY a\nSAY b\n", &g);
	ck_assert_uint_eq(g.n, 3);
	assert_line(&g, 1, "SAY a");
	assert_line(&g, 2, "SAY b");
	/* Two overlong lines in a row are two reports. */
	feed(&lb, body, 3 * MAXL, 5, &g);
	feed_str(&lb, "\n", &g);
	feed(&lb, body, 3 * MAXL, SIZE_MAX, &g);
	feed_str(&lb, "\nok\n", &g);
	ck_assert_uint_eq(g.n, 6);
	ck_assert_int_eq(g.v[3].st, LINE_TOO_LONG);
	ck_assert_int_eq(g.v[4].st, LINE_TOO_LONG);
	assert_line(&g, 5, "ok");
	free(body);
	got_free(&g);
	linebuf_free(&lb);
}
END_TEST

START_TEST(test_lb_partial)
{
	struct linebuf lb;
	struct got g = { 0 };

	linebuf_init(&lb, MAXL);
	ck_assert(!linebuf_partial(&lb));
	feed_str(&lb, "SAY hal", &g);
	ck_assert_uint_eq(g.n, 0);
	ck_assert(linebuf_partial(&lb));
	feed_str(&lb, "lo\n", &g);
	ck_assert_uint_eq(g.n, 1);
	assert_line(&g, 0, "SAY hallo");
	ck_assert(!linebuf_partial(&lb));

	/* Taken but not yet consumed by another call: still not partial. */
	size_t avail;
	char *p = linebuf_space(&lb, &avail);
	memcpy(p, "WHO\n", 4);
	linebuf_commit(&lb, 4);
	char *line;
	size_t len;
	ck_assert_int_eq(linebuf_next(&lb, &line, &len), LINE_OK);
	ck_assert(!linebuf_partial(&lb));
	ck_assert_int_eq(linebuf_next(&lb, &line, &len), LINE_NONE);
	ck_assert(!linebuf_partial(&lb));

	/* A complete line followed by the start of another. */
	feed_str(&lb, "PING\nQU", &g);
	ck_assert(linebuf_partial(&lb));
	feed_str(&lb, "IT\n", &g);
	ck_assert(!linebuf_partial(&lb));

	/* Inside an overlong line that was dropped: nothing is held, but the
	 * client is still mid-line. */
	char *body = repeat('x', MAXL + 2);
	feed(&lb, body, MAXL + 2, SIZE_MAX, &g);
	ck_assert_int_eq(g.v[g.n - 1].st, LINE_TOO_LONG);
	ck_assert(linebuf_partial(&lb));
	feed_str(&lb, "\n", &g);
	ck_assert(!linebuf_partial(&lb));
	free(body);
	got_free(&g);
	linebuf_free(&lb);
}
END_TEST

START_TEST(test_lb_nul_bytes)
{
	static const char in[] = "SAY a\0b\n\0\nx\0\0\r\n";
	struct linebuf lb;
	struct got g = { 0 };

	linebuf_init(&lb, MAXL);
	feed(&lb, in, sizeof(in) - 1, SIZE_MAX, &g);
	ck_assert_uint_eq(g.n, 3);
	assert_line(&g, 0, "SAY a\0b");
	assert_line(&g, 1, "\0");
	assert_line(&g, 2, "x\0\0");
	got_free(&g);
	linebuf_free(&lb);
}
END_TEST

/* Lines taken one at a time with reads in between (the handler stops
 * taking lines while its output is backed up, then reads again). */
START_TEST(test_lb_take_some_then_read)
{
	struct linebuf lb;
	char *line;
	size_t len, avail;
	char *p;

	linebuf_init(&lb, MAXL);
	p = linebuf_space(&lb, &avail);
	memcpy(p, "one\ntwo\nthr", 11);
	linebuf_commit(&lb, 11);
	ck_assert_int_eq(linebuf_next(&lb, &line, &len), LINE_OK);
	ck_assert_str_eq(line, "one");

	/* Read more while "two" is still unread. */
	p = linebuf_space(&lb, &avail);
	ck_assert_uint_ge(avail, 8);
	memcpy(p, "ee\nfour\n", 8);
	linebuf_commit(&lb, 8);
	ck_assert_int_eq(linebuf_next(&lb, &line, &len), LINE_OK);
	ck_assert_str_eq(line, "two");
	ck_assert_int_eq(linebuf_next(&lb, &line, &len), LINE_OK);
	ck_assert_str_eq(line, "three");
	p = linebuf_space(&lb, &avail);   /* between taking lines */
	ck_assert_uint_gt(avail, 0);
	ck_assert_int_eq(linebuf_next(&lb, &line, &len), LINE_OK);
	ck_assert_str_eq(line, "four");
	ck_assert_int_eq(linebuf_next(&lb, &line, &len), LINE_NONE);
	ck_assert(!linebuf_partial(&lb));

	/* The whole buffer full of short complete lines, none taken yet. */
	p = linebuf_space(&lb, &avail);
	ck_assert_uint_eq(avail, MAXL + 2);
	for (size_t i = 0; i < avail; i += 2)
		memcpy(p + i, "a\n", 2);
	linebuf_commit(&lb, avail);
	/* Full: no room to read into until lines are taken (a caller that
	 * reads anyway gets recv(..., 0) == 0, which looks like EOF). */
	linebuf_space(&lb, &avail);
	ck_assert_uint_eq(avail, 0);
	size_t count = 0;
	while (linebuf_next(&lb, &line, &len) == LINE_OK) {
		ck_assert_str_eq(line, "a");
		count++;
	}
	ck_assert_uint_eq(count, (MAXL + 2) / 2);
	linebuf_free(&lb);
}
END_TEST

/* Random lines of every interesting length, LF or CRLF, fed in random read
 * sizes and taken either all at once or a few at a time: the output must
 * match the model (a line of at most max_line bytes is returned, a longer
 * one is one LINE_TOO_LONG). */
START_TEST(test_lb_random_model)
{
	enum { NLINES = 3000 };
	struct linebuf lb;
	size_t cap = (size_t)NLINES * (3 * MAXL + 2);
	char *stream = malloc(cap);
	size_t *want_len = malloc(NLINES * sizeof(size_t));
	size_t *want_off = malloc(NLINES * sizeof(size_t));
	size_t n = 0;

	ck_assert(stream && want_len && want_off);
	rng_state = 0x9e3779b9u + (uint32_t)_i;
	for (size_t i = 0; i < NLINES; i++) {
		uint32_t r = rng();
		size_t len;
		switch (r % 8) {
		case 0: len = 0; break;
		case 1: len = MAXL; break;
		case 2: len = MAXL + 1; break;
		case 3: len = MAXL - 1; break;
		case 4: len = MAXL + 1 + rng() % (2 * MAXL); break;
		default: len = rng() % MAXL; break;
		}
		want_len[i] = len;
		want_off[i] = n;
		for (size_t k = 0; k < len; k++) {
			char c = (char)(rng() % 256);
			if (c == '\n' || c == '\r')
				c = ' ';
			stream[n++] = c;
		}
		if (rng() & 1)
			stream[n++] = '\r';
		stream[n++] = '\n';
	}

	linebuf_init(&lb, MAXL);
	size_t next = 0, off = 0, rounds = 0;
	bool took_all = true;
	while (off < n || next < NLINES) {
		size_t avail;
		char *p = linebuf_space(&lb, &avail);
		fast_assert(off == n || avail > 0 || !took_all,
			    "buffer full after taking every line");
		fast_assert(++rounds < 10 * n, "no progress");
		if (off < n && avail > 0) {
			size_t k = 1 + rng() % (2 * MAXL);
			if (k > avail)
				k = avail;
			if (k > n - off)
				k = n - off;
			memcpy(p, stream + off, k);
			linebuf_commit(&lb, k);
			off += k;
		}
		/* Take all lines, or only up to two of them. */
		size_t limit = rng() % 3 == 0 ? 2 : SIZE_MAX;
		enum line_status st;
		char *line;
		size_t len;
		for (size_t taken = 0; taken < limit &&
		     (st = linebuf_next(&lb, &line, &len)) != LINE_NONE; taken++) {
			fast_assert(next < NLINES, "more lines than were sent");
			if (want_len[next] > MAXL) {
				fast_assert(st == LINE_TOO_LONG,
					    "line %zu (%zu bytes): status %d, want too long",
					    next, want_len[next], (int)st);
			} else {
				fast_assert(st == LINE_OK && len == want_len[next] &&
					    memcmp(line, stream + want_off[next], len) == 0,
					    "line %zu (%zu bytes): status %d len %zu",
					    next, want_len[next], (int)st, len);
			}
			next++;
		}
		fast_assert(lb.cap == MAXL + 2 && lb.len <= lb.cap, "buffer grew");
		took_all = limit == SIZE_MAX;
	}
	ck_assert_uint_eq(next, NLINES);
	ck_assert(!linebuf_partial(&lb));
	linebuf_free(&lb);
	free(stream);
	free(want_len);
	free(want_off);
}
END_TEST

/* ---- proto_parse_command -------------------------------------------- */

struct cmd_case {
	const char *line;
	enum verb verb;
	const char *verb_text;   /* expected verb word */
	const char *arg;         /* NULL: no arg */
	const char *text;        /* NULL: no text */
};

static const struct cmd_case cmd_cases[] = {
	{ "JOIN", VERB_JOIN, "JOIN", NULL, NULL },
	{ "JOIN ", VERB_JOIN, "JOIN", NULL, NULL },
	{ "JOIN alice", VERB_JOIN, "JOIN", "alice", NULL },
	{ "JOIN alice 1042", VERB_JOIN, "JOIN", "alice", "1042" },
	{ "join Alice 7", VERB_JOIN, "join", "Alice", "7" },
	{ "SAY hello world", VERB_SAY, "SAY", NULL, "hello world" },
	{ "say hi", VERB_SAY, "say", NULL, "hi" },
	{ "Say hi", VERB_SAY, "Say", NULL, "hi" },
	{ "sAy hi", VERB_SAY, "sAy", NULL, "hi" },
	{ "SAY a   b    c  ", VERB_SAY, "SAY", NULL, "a   b    c  " },
	{ "SAY  leading", VERB_SAY, "SAY", NULL, " leading" },
	{ "SAY", VERB_SAY, "SAY", NULL, NULL },
	{ "SAY ", VERB_SAY, "SAY", NULL, NULL },
	{ "ME waves hello", VERB_ME, "ME", NULL, "waves hello" },
	{ "me waves", VERB_ME, "me", NULL, "waves" },
	{ "PRIV bob psst  over here", VERB_PRIV, "PRIV", "bob", "psst  over here" },
	{ "priv Bob hi", VERB_PRIV, "priv", "Bob", "hi" },
	{ "PRIV bob", VERB_PRIV, "PRIV", "bob", NULL },
	{ "PRIV bob ", VERB_PRIV, "PRIV", "bob", NULL },
	{ "PRIV", VERB_PRIV, "PRIV", NULL, NULL },
	{ "WHO", VERB_WHO, "WHO", NULL, NULL },
	{ "who", VERB_WHO, "who", NULL, NULL },
	{ "PING", VERB_PING, "PING", NULL, NULL },
	{ "PING token 42", VERB_PING, "PING", NULL, "token 42" },
	{ "QUIT", VERB_QUIT, "QUIT", NULL, NULL },
	{ "Quit off to lunch", VERB_QUIT, "Quit", NULL, "off to lunch" },
	{ "NOTICE server reboots at 18:00", VERB_NOTICE, "NOTICE", NULL,
	  "server reboots at 18:00" },
	{ "notice x", VERB_NOTICE, "notice", NULL, "x" },
	/* unknown verbs, and prefixes or extensions of real ones */
	{ "SAYX hi", VERB_UNKNOWN, "SAYX", NULL, "hi" },
	{ "SA hi", VERB_UNKNOWN, "SA", NULL, "hi" },
	{ "JOINED", VERB_UNKNOWN, "JOINED", NULL, NULL },
	{ "JOI alice", VERB_UNKNOWN, "JOI", NULL, "alice" },
	{ "PRIVATE bob hi", VERB_UNKNOWN, "PRIVATE", NULL, "bob hi" },
	{ "HELLO", VERB_UNKNOWN, "HELLO", NULL, NULL },
	{ "FROB x y", VERB_UNKNOWN, "FROB", NULL, "x y" },
	{ "SAY\thi", VERB_UNKNOWN, "SAY\thi", NULL, NULL },
	{ " SAY hi", VERB_UNKNOWN, "", NULL, "SAY hi" },
	{ "", VERB_UNKNOWN, "", NULL, NULL },
};

static void assert_field(const char *what, const char *line, const char *got, size_t got_len,
			 const char *want)
{
	if (!want) {
		ck_assert_msg(got == NULL, "\"%s\": %s should be absent, got \"%.*s\"",
			      line, what, (int)got_len, got ? got : "");
		return;
	}
	ck_assert_msg(got != NULL, "\"%s\": %s missing, want \"%s\"", line, what, want);
	ck_assert_msg(got_len == strlen(want) && memcmp(got, want, got_len) == 0,
		      "\"%s\": %s is \"%.*s\", want \"%s\"", line, what,
		      (int)got_len, got, want);
	ck_assert_msg(got >= line && got + got_len <= line + strlen(line),
		      "\"%s\": %s does not point into the line", line, what);
}

START_TEST(test_cmd_table)
{
	const struct cmd_case *c = &cmd_cases[_i];
	struct command cmd;

	memset(&cmd, 0xA5, sizeof(cmd));   /* every field must be set */
	enum verb v = proto_parse_command(c->line, strlen(c->line), &cmd);
	ck_assert_msg(v == c->verb, "\"%s\": verb %d, want %d", c->line, (int)v, (int)c->verb);
	ck_assert_int_eq(cmd.verb, c->verb);
	assert_field("verb", c->line, cmd.verb_text, cmd.verb_len, c->verb_text);
	assert_field("arg", c->line, cmd.arg, cmd.arg_len, c->arg);
	assert_field("text", c->line, cmd.text, cmd.text_len, c->text);
}
END_TEST

/* The parser honours len and does not read past it. */
START_TEST(test_cmd_uses_len)
{
	static const char buf[] = "SAY hi there|garbage";
	struct command cmd;

	ck_assert_int_eq(proto_parse_command(buf, 12, &cmd), VERB_SAY);
	ck_assert_uint_eq(cmd.text_len, 8);
	ck_assert(memcmp(cmd.text, "hi there", 8) == 0);

	ck_assert_int_eq(proto_parse_command(buf, 3, &cmd), VERB_SAY);
	ck_assert_ptr_null(cmd.text);
	ck_assert_int_eq(proto_parse_command(buf, 2, &cmd), VERB_UNKNOWN);

	/* A NUL inside the text is part of it. */
	static const char nul[] = "SAY a\0b";
	ck_assert_int_eq(proto_parse_command(nul, sizeof(nul) - 1, &cmd), VERB_SAY);
	ck_assert_uint_eq(cmd.text_len, 3);

	/* A heap copy without a terminator, so ASan catches over-reads. */
	char *exact = malloc(8);
	memcpy(exact, "PRIV bob", 8);
	ck_assert_int_eq(proto_parse_command(exact, 8, &cmd), VERB_PRIV);
	ck_assert_uint_eq(cmd.arg_len, 3);
	ck_assert_ptr_null(cmd.text);
	free(exact);
}
END_TEST

START_TEST(test_verb_names)
{
	static const enum verb all[] = {
		VERB_JOIN, VERB_SAY, VERB_ME, VERB_PRIV, VERB_WHO, VERB_PING,
		VERB_QUIT, VERB_NOTICE,
	};
	struct command cmd;

	for (size_t i = 0; i < LEN(all); i++) {
		const char *name = verb_name(all[i]);
		ck_assert_str_ne(name, "UNKNOWN");
		ck_assert_int_eq(proto_parse_command(name, strlen(name), &cmd), all[i]);
	}
	ck_assert_str_eq(verb_name(VERB_UNKNOWN), "UNKNOWN");
	ck_assert_str_eq(verb_name((enum verb)99), "UNKNOWN");
	ck_assert_str_eq(verb_name(VERB_PRIV), "PRIV");
}
END_TEST

/* ---- proto_parse_u64 ------------------------------------------------ */

struct u64_case {
	const char *s;
	bool ok;
	uint64_t v;
};

static const struct u64_case u64_cases[] = {
	{ "0", true, 0 },
	{ "1", true, 1 },
	{ "42", true, 42 },
	{ "007", true, 7 },
	{ "1795290000123", true, 1795290000123ULL },
	{ "18446744073709551615", true, UINT64_MAX },
	{ "18446744073709551614", true, UINT64_MAX - 1 },
	{ "18446744073709551616", false, 0 },
	{ "18446744073709551620", false, 0 },
	{ "99999999999999999999", false, 0 },
	{ "184467440737095516150", false, 0 },
	{ "", false, 0 },
	{ "+1", false, 0 },
	{ "-1", false, 0 },
	{ "-0", false, 0 },
	{ " 1", false, 0 },
	{ "1 ", false, 0 },
	{ "12a", false, 0 },
	{ "a12", false, 0 },
	{ "0x10", false, 0 },
	{ "1.5", false, 0 },
	{ "1e3", false, 0 },
};

START_TEST(test_u64_table)
{
	const struct u64_case *c = &u64_cases[_i];
	uint64_t v = 12345;

	bool ok = proto_parse_u64(c->s, strlen(c->s), &v);
	ck_assert_msg(ok == c->ok, "\"%s\": %s, want %s", c->s, ok ? "ok" : "rejected",
		      c->ok ? "ok" : "rejected");
	if (ok)
		ck_assert_msg(v == c->v, "\"%s\": %" PRIu64 ", want %" PRIu64, c->s, v, c->v);
	else
		ck_assert_msg(v == 12345, "\"%s\": output written on failure", c->s);
}
END_TEST

START_TEST(test_u64_uses_len)
{
	uint64_t v;

	ck_assert(proto_parse_u64("12345", 3, &v));
	ck_assert_uint_eq(v, 123);
	ck_assert(!proto_parse_u64("12345", 0, &v));
	ck_assert(proto_parse_u64("9x", 1, &v));
	ck_assert_uint_eq(v, 9);
}
END_TEST

/* ---- proto_format_event --------------------------------------------- */

struct ev_case {
	uint64_t seq;
	int64_t ms;
	enum event_kind kind;
	const char *name, *login;
	int reason;
	const char *text;      /* NULL: no text */
	size_t text_len;       /* SIZE_MAX: strlen(text) */
	const char *want;
};

static const struct ev_case ev_cases[] = {
	{ 5, 1700000000123, EV_MSG, "alice", NULL, 0, "hello world", SIZE_MAX,
	  "EV 5 1700000000123 MSG alice hello world\n" },
	{ 1, 0, EV_MSG, "bob", NULL, 0, "  spaced   out  ", SIZE_MAX,
	  "EV 1 0 MSG bob   spaced   out  \n" },
	{ 6, 1700000000124, EV_ACTION, "alice", NULL, 0, "waves", SIZE_MAX,
	  "EV 6 1700000000124 ACTION alice waves\n" },
	{ 7, 1700000000125, EV_PRIV, "bob", NULL, 0, "psst", SIZE_MAX,
	  "EV 7 1700000000125 PRIV bob psst\n" },
	{ 8, 1700000000126, EV_NOTICE, NULL, NULL, 0, "server reboots at 18:00", SIZE_MAX,
	  "EV 8 1700000000126 NOTICE server reboots at 18:00\n" },
	{ 9, 1700000000127, EV_JOIN, "Alice_2", "alice", 0, NULL, 0,
	  "EV 9 1700000000127 JOIN Alice_2 alice\n" },
	{ 10, 1700000000128, EV_LEAVE, "carol", "carol", LEAVE_QUIT, "off to lunch", SIZE_MAX,
	  "EV 10 1700000000128 LEAVE carol carol quit off to lunch\n" },
	{ 11, 1700000000129, EV_LEAVE, "carol", "carol", LEAVE_QUIT, NULL, 0,
	  "EV 11 1700000000129 LEAVE carol carol quit\n" },
	{ 12, 1, EV_LEAVE, "dave", "dlogin", LEAVE_QUIT, "", 0,
	  "EV 12 1 LEAVE dave dlogin quit\n" },
	{ 13, 1, EV_LEAVE, "d", "d", LEAVE_CLOSED, NULL, 0, "EV 13 1 LEAVE d d closed\n" },
	{ 14, 1, EV_LEAVE, "d", "d", LEAVE_LOST, NULL, 0, "EV 14 1 LEAVE d d lost\n" },
	{ 15, 1, EV_LEAVE, "d", "d", LEAVE_LAGGED, NULL, 0, "EV 15 1 LEAVE d d lagged\n" },
	{ 16, 1, EV_LEAVE, "d", "d", LEAVE_TIMEOUT, NULL, 0, "EV 16 1 LEAVE d d timeout\n" },
	{ 17, 1, EV_LEAVE, "d", "d", LEAVE_SHUTDOWN, NULL, 0, "EV 17 1 LEAVE d d shutdown\n" },
	{ 18, 1, EV_LEAVE, "d", "d", LEAVE_KICKED, "spamming", SIZE_MAX,
	  "EV 18 1 LEAVE d d kicked spamming\n" },
	/* text_len is honoured: the text need not be NUL-terminated there */
	{ 19, 2, EV_MSG, "e", NULL, 0, "hello world", 5, "EV 19 2 MSG e hello\n" },
	{ 20, 2, EV_NOTICE, NULL, NULL, 0, "abcdef", 3, "EV 20 2 NOTICE abc\n" },
	{ UINT64_MAX, INT64_MAX, EV_MSG, "max", NULL, 0, "x", SIZE_MAX,
	  "EV 18446744073709551615 9223372036854775807 MSG max x\n" },
};

static size_t format_case(const struct ev_case *c, char *out, size_t cap)
{
	size_t tl = c->text_len == SIZE_MAX ? strlen(c->text) : c->text_len;

	return proto_format_event(out, cap, c->seq, c->ms, c->kind, c->name,
				  c->login, c->reason, c->text, tl);
}

START_TEST(test_format_event_exact)
{
	const struct ev_case *c = &ev_cases[_i];
	char out[512];

	size_t n = format_case(c, out, sizeof(out));
	ck_assert_msg(n == strlen(c->want) && memcmp(out, c->want, n) == 0,
		      "got \"%.*s\" (%zu), want \"%s\"", (int)n, out, n, c->want);
	ck_assert_int_eq(out[n], '\0');
}
END_TEST

/* Exactly fitting works; one byte less returns 0 and writes nothing past
 * the given size. */
START_TEST(test_format_event_fit)
{
	const struct ev_case *c = &ev_cases[_i];
	size_t want = strlen(c->want);
	char out[512];

	memset(out, '#', sizeof(out));
	ck_assert_uint_eq(format_case(c, out, want + 1), want);
	ck_assert(memcmp(out, c->want, want) == 0);
	ck_assert_int_eq(out[want + 1], '#');

	memset(out, '#', sizeof(out));
	ck_assert_uint_eq(format_case(c, out, want), 0);
	ck_assert_int_eq(out[want], '#');
	memset(out, '#', sizeof(out));
	ck_assert_uint_eq(format_case(c, out, 1), 0);
	ck_assert_int_eq(out[1], '#');
	memset(out, '#', sizeof(out));
	ck_assert_uint_eq(format_case(c, out, 0), 0);
	ck_assert_int_eq(out[0], '#');
}
END_TEST

START_TEST(test_format_event_bad_kind)
{
	char out[128];

	ck_assert_uint_eq(proto_format_event(out, sizeof(out), 1, 1, EV_NONE, "a", "b", 0,
					     "t", 1), 0);
	ck_assert_uint_eq(proto_format_event(out, sizeof(out), 1, 1, (enum event_kind)99,
					     "a", "b", 0, "t", 1), 0);
	/* An unknown reason is shown as "lost", never as garbage. */
	size_t n = proto_format_event(out, sizeof(out), 3, 4, EV_LEAVE, "a", "b", 99, NULL, 0);
	ck_assert_uint_eq(n, strlen("EV 3 4 LEAVE a b lost\n"));
	ck_assert_str_eq(out, "EV 3 4 LEAVE a b lost\n");
	ck_assert_str_eq(event_kind_name((enum event_kind)99), "NONE");
	ck_assert_str_eq(leave_reason_name((enum leave_reason)-1), "lost");
}
END_TEST

/* Every formatted event parses back into the same fields. */
START_TEST(test_format_parse_roundtrip)
{
	const struct ev_case *c = &ev_cases[_i];
	size_t tl = c->text_len == SIZE_MAX ? strlen(c->text) : c->text_len;
	struct server_line sl;
	char out[512];

	size_t n = format_case(c, out, sizeof(out));
	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(out[n - 1], '\n');
	ck_assert(proto_parse_server_line(out, n - 1, &sl));
	ck_assert_int_eq(sl.type, SL_EVENT);
	ck_assert_uint_eq(sl.seq, c->seq);
	ck_assert_int_eq(sl.ms, c->ms);
	ck_assert_int_eq(sl.kind, c->kind);

	switch (c->kind) {
	case EV_JOIN:
		assert_field("name", out, sl.word[0], sl.word_len[0], c->name);
		assert_field("login", out, sl.word[1], sl.word_len[1], c->login);
		ck_assert_ptr_null(sl.word[2]);
		ck_assert_uint_eq(sl.rest_len, 0);
		break;
	case EV_LEAVE:
		assert_field("name", out, sl.word[0], sl.word_len[0], c->name);
		assert_field("login", out, sl.word[1], sl.word_len[1], c->login);
		assert_field("reason", out, sl.word[2], sl.word_len[2],
			     leave_reason_name((enum leave_reason)c->reason));
		ck_assert_uint_eq(sl.rest_len, c->text ? tl : 0);
		ck_assert(c->text == NULL || memcmp(sl.rest, c->text, tl) == 0);
		break;
	case EV_NOTICE:
		ck_assert_ptr_null(sl.word[0]);
		ck_assert_uint_eq(sl.rest_len, tl);
		ck_assert(memcmp(sl.rest, c->text, tl) == 0);
		break;
	default:
		assert_field("name", out, sl.word[0], sl.word_len[0], c->name);
		ck_assert_ptr_null(sl.word[1]);
		ck_assert_uint_eq(sl.rest_len, tl);
		ck_assert(memcmp(sl.rest, c->text, tl) == 0);
		break;
	}
}
END_TEST

/* ---- replies: buffer_printf_line, proto_accept_line, proto_reply_pong -- */

START_TEST(test_format_reply)
{
	struct buffer b = { 0 };

	ck_assert_int_eq(buffer_printf_line(&b, "OK SAY %d", 1043), 0);
	ck_assert_int_eq(buffer_printf_line(&b, "PONG"), 0);
	ck_assert_int_eq(buffer_printf_line(&b, "%s", ""), 0);
	ck_assert_uint_eq(buffer_pending(&b), 12 + 5 + 1);
	ck_assert(memcmp(b.data, "OK SAY 1043\nPONG\n\n", 18) == 0);

	/* A line longer than the first allocation grows the buffer. */
	char big[10000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(buffer_printf_line(&b, "SAY %s", big), 0);
	ck_assert_uint_eq(buffer_pending(&b), 18 + 4 + sizeof(big) - 1 + 1);
	ck_assert_int_eq(b.data[b.len - 1], '\n');
	ck_assert_int_eq(b.data[b.len - 2], 'x');
	buffer_free(&b);
}
END_TEST

START_TEST(test_accept_line)
{
	struct buffer b = { 0 };
	bool oom = false;

	ck_assert(proto_accept_line("SAY hi", 6, &b, &oom));
	ck_assert_uint_eq(buffer_pending(&b), 0);
	/* blank lines are ignored without a reply */
	ck_assert(!proto_accept_line("   ", 3, &b, &oom));
	ck_assert(!proto_accept_line("", 0, &b, &oom));
	ck_assert_uint_eq(buffer_pending(&b), 0);
	/* bad bytes get an ERR naming the first bad byte, 1-based */
	ck_assert(!proto_accept_line("SAY \xff", 5, &b, &oom));
	ck_assert(!proto_accept_line("SAY \x1b[31m", 9, &b, &oom));
	b.data[b.len] = '\0';
	ck_assert_str_eq(b.data,
		"ERR bad-utf8 text is not valid UTF-8 (byte 5)\n"
		"ERR bad-char text contains a control character, escape sequence or bidi control (byte 5)\n");
	ck_assert(!oom);
	buffer_free(&b);
}
END_TEST

START_TEST(test_reply_pong)
{
	struct buffer b = { 0 };
	struct command c;

	proto_parse_command("PING", 4, &c);
	ck_assert_int_eq(proto_reply_pong(&b, &c), 0);
	proto_parse_command("ping tok 1", 10, &c);
	ck_assert_int_eq(proto_reply_pong(&b, &c), 0);
	ck_assert_uint_eq(buffer_pending(&b), 5 + 11);
	ck_assert(memcmp(b.data, "PONG\nPONG tok 1\n", 16) == 0);
	buffer_free(&b);
}
END_TEST

/* ---- proto_parse_server_line ---------------------------------------- */

struct sl_case {
	const char *line;
	enum server_line_type type;
	const char *word[3];
	const char *rest;
};

static const struct sl_case sl_cases[] = {
	{ "HELLO lchat/1 lchatd/0.1.0 login=alice max_line=1024", SL_HELLO,
	  { "lchat/1", NULL, NULL }, "lchatd/0.1.0 login=alice max_line=1024" },
	{ "HELLO lchat-control/1 lchatd/0.1.0 login=root", SL_HELLO,
	  { "lchat-control/1", NULL, NULL }, "lchatd/0.1.0 login=root" },
	{ "OK JOIN alice 1042", SL_OK, { "JOIN", NULL, NULL }, "alice 1042" },
	{ "OK SAY 1043", SL_OK, { "SAY", NULL, NULL }, "1043" },
	{ "OK QUIT", SL_OK, { "QUIT", NULL, NULL }, "" },
	{ "OK WHO 2", SL_OK, { "WHO", NULL, NULL }, "2" },
	{ "ERR name-taken the name bob is already in use", SL_ERR,
	  { "name-taken", NULL, NULL }, "the name bob is already in use" },
	{ "ERR line-too-long", SL_ERR, { "line-too-long", NULL, NULL }, "" },
	{ "BYE full the room is full; try again later", SL_BYE,
	  { "full", NULL, NULL }, "the room is full; try again later" },
	{ "BYE lagged", SL_BYE, { "lagged", NULL, NULL }, "" },
	{ "MOTD Welcome to the build host.", SL_MOTD, { NULL, NULL, NULL },
	  "Welcome to the build host." },
	{ "MOTD", SL_MOTD, { NULL, NULL, NULL }, "" },
	{ "WHO alice alice 12 1795290000123", SL_WHO, { "alice", "alice", "12" },
	  "1795290000123" },
	{ "PONG", SL_PONG, { NULL, NULL, NULL }, "" },
	{ "PONG some token", SL_PONG, { NULL, NULL, NULL }, "some token" },
};

START_TEST(test_server_line_table)
{
	const struct sl_case *c = &sl_cases[_i];
	struct server_line sl;

	ck_assert_msg(proto_parse_server_line(c->line, strlen(c->line), &sl),
		      "\"%s\" rejected", c->line);
	ck_assert_int_eq(sl.type, c->type);
	for (int i = 0; i < 3; i++)
		assert_field("word", c->line, sl.word[i], sl.word_len[i], c->word[i]);
	ck_assert_uint_eq(sl.rest_len, strlen(c->rest));
	ck_assert(memcmp(sl.rest, c->rest, sl.rest_len) == 0);
}
END_TEST

START_TEST(test_server_line_event)
{
	static const char line[] = "EV 1041 1795290002456 LEAVE carol carol quit off to lunch";
	struct server_line sl;

	ck_assert(proto_parse_server_line(line, sizeof(line) - 1, &sl));
	ck_assert_int_eq(sl.type, SL_EVENT);
	ck_assert_uint_eq(sl.seq, 1041);
	ck_assert_int_eq(sl.ms, 1795290002456);
	ck_assert_int_eq(sl.kind, EV_LEAVE);
	assert_field("name", line, sl.word[0], sl.word_len[0], "carol");
	assert_field("login", line, sl.word[1], sl.word_len[1], "carol");
	assert_field("reason", line, sl.word[2], sl.word_len[2], "quit");
	assert_field("rest", line, sl.rest, sl.rest_len, "off to lunch");

	/* len is honoured: no reading past it. */
	char *exact = malloc(8);
	memcpy(exact, "OK QUIT?", 8);
	ck_assert(proto_parse_server_line(exact, 7, &sl));
	ck_assert_int_eq(sl.type, SL_OK);
	ck_assert_uint_eq(sl.word_len[0], 4);
	free(exact);
}
END_TEST

static const char *const bad_server_lines[] = {
	"",
	"OK",
	"OK ",
	"ERR",
	"BYE",
	"HELLO",
	"WHO",
	"WHO alice",
	"WHO alice alice",
	"FOO bar",
	"EVENT 1 2 MSG a b",
	" EV 1 2 MSG a b",
	"EV",
	"EV ",
	"EV 1",
	"EV 1 2",
	"EV 1 2 ",
	"EV x 2 MSG a b",
	"EV 1x 2 MSG a b",
	"EV 1 x MSG a b",
	"EV -1 2 MSG a b",
	"EV +1 2 MSG a b",
	"EV 1 -2 MSG a b",
	"EV 18446744073709551616 2 MSG a b",
	"EV 1 9223372036854775808 MSG a b",
	"EV  1 2 MSG a b",
	"EV 1  2 MSG a b",
	"EV 1 2 FOO a b",
	"EV 1 2 NONE a b",
	"EV 1 2 msg a b",
	"EV 1 2 MSG",
	"EV 1 2 MSG ",
	"EV 1 2 MSG  text",
	"EV 1 2 ACTION",
	"EV 1 2 PRIV",
	"EV 1 2 JOIN",
	"EV 1 2 JOIN alice",
	"EV 1 2 JOIN alice ",
	"EV 1 2 JOIN  alice",
	"EV 1 2 LEAVE",
	"EV 1 2 LEAVE alice",
	"EV 1 2 LEAVE alice alice",
	"EV 1 2 LEAVE alice alice ",
};

START_TEST(test_server_line_malformed)
{
	const char *line = bad_server_lines[_i];
	struct server_line sl;

	ck_assert_msg(!proto_parse_server_line(line, strlen(line), &sl),
		      "\"%s\" accepted as type %d", line, (int)sl.type);
}
END_TEST

/* ---- NICK: the verb, and its event's formatter beside its parser ------- */

START_TEST(test_nick_verb)
{
	struct command cmd;
	static const char line[] = "nick Alice_2";

	ck_assert_str_eq(verb_name(VERB_NICK), "NICK");
	ck_assert(verb_on(VERB_NICK, SOCK_USER));
	ck_assert(!verb_on(VERB_NICK, SOCK_CONTROL));
	ck_assert_str_eq(verb_args(VERB_NICK), "NAME");
	ck_assert_int_eq(proto_parse_command(line, sizeof(line) - 1, &cmd), VERB_NICK);
	assert_field("arg", line, cmd.arg, cmd.arg_len, "Alice_2");
	ck_assert_ptr_null(cmd.text);
	/* A second word is the text: the handler refuses it (bad-argument). */
	static const char two[] = "NICK a b";
	ck_assert_int_eq(proto_parse_command(two, sizeof(two) - 1, &cmd), VERB_NICK);
	assert_field("arg", two, cmd.arg, cmd.arg_len, "a");
	assert_field("text", two, cmd.text, cmd.text_len, "b");
	/* The user socket's list of commands names it. */
	char list[256];
	verb_list(SOCK_USER, list, sizeof(list));
	ck_assert_msg(strstr(list, "NICK") != NULL, "NICK not in \"%s\"", list);
	verb_list(SOCK_CONTROL, list, sizeof(list));
	ck_assert_msg(strstr(list, "NICK") == NULL, "NICK in the control list \"%s\"", list);
	/* A member's own NICK event is acknowledged as OK NICK. */
	ck_assert_int_eq(event_ack_verb(EV_NICK), VERB_NICK);
	ck_assert_str_eq(event_kind_name(EV_NICK), "NICK");
}
END_TEST

START_TEST(test_nick_event_format)
{
	static const char want[] = "EV 42 1795290000123 NICK alice alogin Alice_2\n";
	char out[128];

	size_t n = proto_format_event(out, sizeof(out), 42, 1795290000123, EV_NICK, "alice",
				      "alogin", 0, "Alice_2", 7);
	ck_assert_uint_eq(n, sizeof(want) - 1);
	ck_assert_str_eq(out, want);
	/* text_len is honoured: the new name need not be NUL-terminated. */
	n = proto_format_event(out, sizeof(out), 1, 2, EV_NICK, "a", "b", 0, "cdef", 2);
	ck_assert_str_eq(out, "EV 1 2 NICK a b cd\n");
	ck_assert_uint_eq(n, strlen(out));
	/* Exactly fitting works; one byte less gives 0. */
	memset(out, '#', sizeof(out));
	ck_assert_uint_eq(proto_format_event(out, sizeof(want), 42, 1795290000123, EV_NICK,
					     "alice", "alogin", 0, "Alice_2", 7), sizeof(want) - 1);
	ck_assert_uint_eq(proto_format_event(out, sizeof(want) - 1, 42, 1795290000123, EV_NICK,
					     "alice", "alogin", 0, "Alice_2", 7), 0);
	/* Without a new name there is no line a client could parse. */
	ck_assert_uint_eq(proto_format_event(out, sizeof(out), 1, 2, EV_NICK, "a", "b", 0,
					     NULL, 0), 0);
	ck_assert_uint_eq(proto_format_event(out, sizeof(out), 1, 2, EV_NICK, "a", "b", 0,
					     "x", 0), 0);
}
END_TEST

START_TEST(test_nick_event_parse)
{
	char out[128];
	struct server_line sl;

	size_t n = proto_format_event(out, sizeof(out), 1044, 1795290010001, EV_NICK, "alice",
				      "alogin", 0, "alice2", 6);
	ck_assert_uint_gt(n, 0);
	ck_assert(proto_parse_server_line(out, n - 1, &sl));
	ck_assert_int_eq(sl.type, SL_EVENT);
	ck_assert_uint_eq(sl.seq, 1044);
	ck_assert_int_eq(sl.ms, 1795290010001);
	ck_assert_int_eq(sl.kind, EV_NICK);
	out[n - 1] = '\0';
	assert_field("old name", out, sl.word[0], sl.word_len[0], "alice");
	assert_field("login", out, sl.word[1], sl.word_len[1], "alogin");
	assert_field("new name", out, sl.word[2], sl.word_len[2], "alice2");
	ck_assert_uint_eq(sl.rest_len, 0);

	/* OK NICK carries the new name and the event's seq. */
	static const char ok[] = "OK NICK alice2 1044";
	ck_assert(proto_parse_server_line(ok, sizeof(ok) - 1, &sl));
	ck_assert_int_eq(sl.type, SL_OK);
	ck_assert_int_eq(sl.verb, VERB_NICK);
	assert_field("rest", ok, sl.rest, sl.rest_len, "alice2 1044");
}
END_TEST

static const char *const bad_nick_lines[] = {
	"EV 1 2 NICK",
	"EV 1 2 NICK ",
	"EV 1 2 NICK alice",
	"EV 1 2 NICK alice ",
	"EV 1 2 NICK alice alogin",
	"EV 1 2 NICK alice alogin ",
	"EV 1 2 NICK alice  alice2",
	"EV 1 2 NICK  alice alogin alice2",
	"EV 1 2 nick alice alogin alice2",
};

START_TEST(test_nick_event_malformed)
{
	const char *line = bad_nick_lines[_i];
	struct server_line sl;

	ck_assert_msg(!proto_parse_server_line(line, strlen(line), &sl),
		      "\"%s\" accepted as type %d", line, (int)sl.type);
}
END_TEST

/* ---- the suite ------------------------------------------------------ */

static Suite *protocol_suite(void)
{
	Suite *s = suite_create("protocol");
	TCase *tc;

	tc = tcase_create("linebuf");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_lb_init);
	tcase_add_test(tc, test_lb_single_line);
	tcase_add_test(tc, test_lb_many_lines_one_feed);
	tcase_add_test(tc, test_lb_one_byte_feeds);
	tcase_add_test(tc, test_lb_crlf);
	tcase_add_test(tc, test_lb_empty_line);
	tcase_add_loop_test(tc, test_lb_exactly_max_line, 0, 4);
	tcase_add_loop_test(tc, test_lb_max_line_plus_one, 0, 4);
	tcase_add_loop_test(tc, test_lb_huge_line_bounded, 0, LEN(huge_chunks));
	tcase_add_test(tc, test_lb_overlong_end_with_next_lines);
	tcase_add_test(tc, test_lb_partial);
	tcase_add_test(tc, test_lb_nul_bytes);
	tcase_add_test(tc, test_lb_take_some_then_read);
	tcase_add_loop_test(tc, test_lb_random_model, 0, 4);
	suite_add_tcase(s, tc);

	tc = tcase_create("command");
	tcase_add_loop_test(tc, test_cmd_table, 0, LEN(cmd_cases));
	tcase_add_test(tc, test_cmd_uses_len);
	tcase_add_test(tc, test_verb_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("u64");
	tcase_add_loop_test(tc, test_u64_table, 0, LEN(u64_cases));
	tcase_add_test(tc, test_u64_uses_len);
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_add_loop_test(tc, test_format_event_exact, 0, LEN(ev_cases));
	tcase_add_loop_test(tc, test_format_event_fit, 0, LEN(ev_cases));
	tcase_add_test(tc, test_format_event_bad_kind);
	tcase_add_loop_test(tc, test_format_parse_roundtrip, 0, LEN(ev_cases));
	tcase_add_test(tc, test_format_reply);
	tcase_add_test(tc, test_accept_line);
	tcase_add_test(tc, test_reply_pong);
	suite_add_tcase(s, tc);

	tc = tcase_create("server_line");
	tcase_add_loop_test(tc, test_server_line_table, 0, LEN(sl_cases));
	tcase_add_test(tc, test_server_line_event);
	tcase_add_loop_test(tc, test_server_line_malformed, 0, LEN(bad_server_lines));
	suite_add_tcase(s, tc);

	tc = tcase_create("nick");
	tcase_add_test(tc, test_nick_verb);
	tcase_add_test(tc, test_nick_event_format);
	tcase_add_test(tc, test_nick_event_parse);
	tcase_add_loop_test(tc, test_nick_event_malformed, 0, LEN(bad_nick_lines));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(protocol_suite());
}
