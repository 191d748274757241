/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* conn.c - one control-socket conversation (see conn.h). Lines are framed
 * with common/protocol.c's linebuf and parsed with proto_parse_server_line;
 * every wait is a poll() with the reply's deadline. */
#include "conn.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitcodes.h"
#include "peercheck.h"
#include "safe.h"
#include "util.h"

/* A server line is at most max_line + PROTO_OVERHEAD bytes; before the
 * greeting we do not know max_line, so take the largest there may be. */
#define READ_MAX_LINE (MAX_LINE_MAX + PROTO_OVERHEAD)

enum read_status { READ_LINE, READ_EOF, READ_TIMEOUT, READ_ERROR };

/* The next line (NUL-terminated, valid until the next read) before the
 * monotonic deadline. READ_ERROR sets errno (EMSGSIZE: an overlong line). */
static enum read_status read_line(struct ctl_conn *c, int64_t deadline, char **line, size_t *len)
{
	for (;;) {
		switch (linebuf_next(&c->in, line, len)) {
		case LINE_OK:
			return READ_LINE;
		case LINE_TOO_LONG:
			errno = EMSGSIZE;
			return READ_ERROR;
		case LINE_NONE:
			break;
		}
		if (c->eof)
			return READ_EOF;
		int64_t left = deadline - mono_ms();
		if (left <= 0)
			return READ_TIMEOUT;
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		int rc = poll(&pfd, 1, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return READ_ERROR;
		if (rc == 0)
			return READ_TIMEOUT;
		size_t avail;
		char *space = linebuf_space(&c->in, &avail);
		ssize_t got = read(c->fd, space, avail);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && errno == ECONNRESET) {
			c->eof = true;
			continue;
		}
		if (got < 0)
			return READ_ERROR;
		if (got == 0)
			c->eof = true;
		else
			linebuf_commit(&c->in, (size_t)got);
	}
}

bool ctl_protocol_ok(const char *word, size_t len)
{
	return proto_hello_ok(word, len, CONTROL_PROTO_NAME);
}

/* What a BYE in place of the greeting means for our exit status. */
static int bye_exit(const struct server_line *sl)
{
	if (sl->code_known && sl->code == CODE_PERMISSION_DENIED)
		return ADM_DENIED;
	if (sl->code_known && sl->code == CODE_BUSY)
		return ADM_CONNECT;
	return ADM_FAIL;
}

static void print_line_error(const char *what, enum read_status st)
{
	if (st == READ_EOF)
		fprintf(stderr, "lchat-admin: %s: the daemon closed the connection\n", what);
	else if (st == READ_TIMEOUT)
		fprintf(stderr, "lchat-admin: %s: no answer from the daemon in time (see -t)\n", what);
	else
		fprintf(stderr, "lchat-admin: %s: %s\n", what, strerror(errno));
}

int ctl_open(struct ctl_conn *c, const char *path, const struct peer_trust *trust,
	     int timeout_ms)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->timeout_ms = timeout_ms;
	if (linebuf_init(&c->in, READ_MAX_LINE) < 0) {
		fprintf(stderr, "lchat-admin: out of memory\n");
		return ADM_FAIL;
	}
	c->fd = unix_connect(path);
	if (c->fd < 0) {
		int e = errno;
		fprintf(stderr, "lchat-admin: cannot connect to %s: %s%s\n", path, strerror(e),
			e == ENOENT || e == ECONNREFUSED ? " (is lchatd running?)" : "");
		return e == EACCES || e == EPERM ? ADM_DENIED : ADM_CONNECT;
	}
	char why[512];
	if (peer_check(c->fd, path, trust, why, sizeof(why)) < 0) {
		/* Not lchatd: nothing is read from it, not even a QUIT sent. */
		fprintf(stderr, "lchat-admin: %s\n", why);
		close(c->fd);
		c->fd = -1;
		return ADM_CONNECT;
	}
	char *line;
	size_t len;
	struct server_line sl;
	enum read_status st = read_line(c, mono_ms() + timeout_ms, &line, &len);
	if (st != READ_LINE) {
		print_line_error("waiting for the greeting", st);
		return ADM_CONNECT;
	}
	if (!proto_parse_server_line(line, len, &sl) || (sl.type != SL_HELLO && sl.type != SL_BYE)) {
		fprintf(stderr, "lchat-admin: %s does not speak %s: it said \"", path,
			CONTROL_PROTO_NAME);
		safe_print(stderr, line, len);
		fprintf(stderr, "\"\n");
		return ADM_FAIL;
	}
	if (sl.type == SL_BYE) {
		int rc = bye_exit(&sl);
		fprintf(stderr, "lchat-admin: refused: ");
		safe_print(stderr, sl.word[0], sl.word_len[0]);
		if (rc == ADM_DENIED)
			fprintf(stderr, " (permission denied)");
		if (sl.rest_len) {
			fprintf(stderr, ": ");
			safe_print(stderr, sl.rest, sl.rest_len);
		}
		fprintf(stderr, "\n");
		return rc;
	}
	if (!ctl_protocol_ok(sl.word[0], sl.word_len[0])) {
		fprintf(stderr, "lchat-admin: the daemon speaks \"");
		safe_print(stderr, sl.word[0], sl.word_len[0]);
		fprintf(stderr, "\", this lchat-admin speaks %s/%d\n", CONTROL_PROTO_NAME,
			PROTO_VERSION);
		return ADM_FAIL;
	}
	return ADM_OK;
}

static int send_line(struct ctl_conn *c, const char *line)
{
	size_t n = strlen(line);
	char *buf = malloc(n + 1);

	if (!buf)
		return -1;
	memcpy(buf, line, n);
	buf[n] = '\n';
	int rc = write_all(c->fd, buf, n + 1);
	free(buf);
	return rc;
}

/* Is this line the end of a reply: does it start with the word of one of
 * the lines that end one (whatever its case)? */
static bool is_last(const char *line, size_t len)
{
	static const enum server_line_type ends[] = { SL_OK, SL_ERR, SL_BYE, SL_PONG };

	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		const char *w = server_line_word(ends[i]);
		size_t n = strlen(w);
		if (len >= n && strncasecmp(line, w, n) == 0 && (len == n || line[n] == ' '))
			return true;
	}
	return false;
}

static int keep_line(struct reply *r, const char *line, size_t len)
{
	char **v = realloc(r->lines, (r->n + 1) * sizeof(*v));

	if (!v)
		return -1;
	r->lines = v;
	if (!(v[r->n] = strndup(line, len)))
		return -1;
	r->n++;
	return 0;
}

int ctl_command(struct ctl_conn *c, const char *cmdline, struct reply *r)
{
	memset(r, 0, sizeof(*r));
	if (send_line(c, cmdline) < 0) {
		fprintf(stderr, "lchat-admin: sending to the daemon: %s\n", strerror(errno));
		return ADM_FAIL;
	}
	int64_t deadline = mono_ms() + c->timeout_ms;
	for (;;) {
		char *line;
		size_t len;
		enum read_status st = read_line(c, deadline, &line, &len);
		if (st != READ_LINE) {
			print_line_error("waiting for the reply", st);
			return ADM_FAIL;
		}
		if (!is_last(line, len)) {
			if (keep_line(r, line, len) < 0) {
				fprintf(stderr, "lchat-admin: out of memory\n");
				return ADM_FAIL;
			}
			continue;
		}
		if (!(r->last = strndup(line, len))) {
			fprintf(stderr, "lchat-admin: out of memory\n");
			return ADM_FAIL;
		}
		if (!proto_parse_server_line(r->last, len, &r->sl)) {
			fprintf(stderr, "lchat-admin: a reply the daemon should not send: \"");
			safe_print(stderr, line, len);
			fprintf(stderr, "\"\n");
			return ADM_FAIL;
		}
		if (r->sl.type == SL_OK || r->sl.type == SL_PONG)
			return ADM_OK;
		reply_print_error(r);
		return ADM_FAIL;
	}
}

void reply_print_error(const struct reply *r)
{
	const struct server_line *sl = &r->sl;

	fprintf(stderr, "lchat-admin: %s", sl->type == SL_BYE ? "the daemon closed the connection: " : "");
	if (sl->word[0])
		safe_print(stderr, sl->word[0], sl->word_len[0]);
	if (sl->rest_len) {
		fprintf(stderr, ": ");
		safe_print(stderr, sl->rest, sl->rest_len);
	}
	fprintf(stderr, "\n");
}

void reply_free(struct reply *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->lines[i]);
	free(r->lines);
	free(r->last);
	memset(r, 0, sizeof(*r));
}

void ctl_close(struct ctl_conn *c)
{
	if (c->fd >= 0) {
		/* The daemon may have closed already (SHUTDOWN): errors are moot. */
		if (!c->eof && send_line(c, verb_name(VERB_QUIT)) == 0) {
			char *line;
			size_t len;
			int64_t deadline = mono_ms() + c->timeout_ms;
			while (read_line(c, deadline, &line, &len) == READ_LINE)
				if (is_last(line, len))
					break;
		}
		close(c->fd);
		c->fd = -1;
	}
	linebuf_free(&c->in);
}
