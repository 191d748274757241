/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* checkwait.c - lchat --check (checkwait.h). */
#include "checkwait.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "framing.h"
#include "protocol.h"
#include "session.h"
#include "util.h"

/* Send all of s; false on an error. */
static bool send_all(int fd, const char *s)
{
	size_t len = strlen(s);

	while (len > 0) {
		ssize_t n = write(fd, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		s += n;
		len -= (size_t)n;
	}
	return true;
}

/* Read the server's lines until OK WAITING: its count, or -1 (an error,
 * a refusal, the end, the deadline). */
static long read_count(int fd, struct linebuf *in, int64_t deadline)
{
	bool asked = false;

	for (;;) {
		char *line;
		size_t len;
		enum line_status st;
		while ((st = linebuf_next(in, &line, &len)) != LINE_NONE) {
			struct server_line sl;
			if (st == LINE_TOO_LONG || !proto_parse_server_line(line, len, &sl))
				continue;
			if (sl.type == SL_ERR || sl.type == SL_BYE)
				return -1;
			if (sl.type == SL_HELLO && !asked) {
				if (!proto_hello_ok(sl.word[0], sl.word_len[0], PROTO_NAME))
					return -1;
				char cmd[32];
				snprintf(cmd, sizeof(cmd), "%s\n", verb_name(VERB_WAITING));
				if (!send_all(fd, cmd))
					return -1;
				asked = true;
			} else if (sl.type == SL_OK && sl.verb == VERB_WAITING) {
				uint64_t n;
				const char *p = sl.rest, *e = sl.rest + sl.rest_len;
				size_t wl;
				const char *w = proto_next_word(&p, e, &wl);
				return proto_parse_u64(w, wl, &n) && n < 1000000 ? (long)n : -1;
			}
		}
		int64_t left = deadline - mono_ms();
		if (left <= 0)
			return -1;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		size_t avail;
		char *space = linebuf_space(in, &avail);
		if (avail == 0)
			return -1;
		ssize_t n = read(fd, space, avail);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		linebuf_commit(in, (size_t)n);
	}
}

int check_waiting(const char *sock_path, const struct peer_trust *trust)
{
	char err[512];
	struct linebuf in;
	int fd = unix_connect(sock_path);

	if (fd < 0)
		return EXIT_OK;   /* not running: nothing to say */
	if (peer_check(fd, sock_path, trust, err, sizeof(err)) < 0) {
		fprintf(stderr, "lchat: %s\n", err);
		close(fd);
		return EXIT_RUNTIME;
	}
	if (linebuf_init(&in, MAX_LINE_MAX + PROTO_OVERHEAD) < 0) {
		close(fd);
		return EXIT_OK;
	}
	long n = read_count(fd, &in, mono_ms() + CHECK_TIMEOUT_MS);
	char quit[32];
	snprintf(quit, sizeof(quit), "%s\n", verb_name(VERB_QUIT));
	(void)send_all(fd, quit);
	linebuf_free(&in);
	close(fd);
	if (n > 0)
		printf("lchat: %ld message%s waiting for you\n", n, n == 1 ? " is" : "s are");
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_RUNTIME;
}
