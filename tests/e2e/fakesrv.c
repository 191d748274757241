/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* fakesrv.c - a fake lchat server for the client tests (see fakesrv.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fakesrv.h"
#include "harness.h"

struct fakesrv {
	int lfd;
	struct linesock ls;
	char path[PATH_MAX];
	char *last;
};

struct fakesrv *fake_listen(const char *dir)
{
	struct fakesrv *f = xcalloc(1, sizeof(*f));
	struct sockaddr_un sa;

	snprintf(f->path, sizeof(f->path), "%s/fake.sock", dir);
	f->ls.fd = -1;
	f->lfd = sock_open_to(f->path, &sa, SOCK_NONBLOCK);
	ck_assert_msg(f->lfd >= 0, "socket: %s", strerror(errno));
	ck_assert_msg(bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(f->lfd, 4) == 0,
		      "bind/listen %s: %s", f->path, strerror(errno));
	return f;
}

const char *fake_path(const struct fakesrv *f)
{
	return f->path;
}

void fake_accept(struct fakesrv *f, int timeout_ms)
{
	struct pollfd p = { f->lfd, POLLIN, 0 };

	ck_assert_msg(poll(&p, 1, timeout_ms) == 1, "the client did not connect to the fake server");
	f->ls.fd = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	ck_assert_msg(f->ls.fd >= 0, "accept: %s", strerror(errno));
}

void fake_send(struct fakesrv *f, const char *bytes)
{
	send_all(f->ls.fd, bytes, strlen(bytes), "fake server");
}

const char *fake_expect(struct fakesrv *f, const char *re, int timeout_ms)
{
	int64_t deadline = mono_ms_now() + timeout_ms;
	size_t len;

	for (;;) {
		free(f->last);
		f->last = linesock_read(&f->ls, deadline, &len);
		ck_assert_msg(f->last, "fake server: no line matching /%s/ from the client", re);
		if (line_matches(f->last, re))
			return f->last;
	}
}

void fake_greet_join(struct fakesrv *f, const char *name, unsigned seq)
{
	char line[256];

	fake_send(f, "HELLO lchat/1 fake/0 login=nobody max_line=1024\n");
	fake_expect(f, "JOIN ", TC_TIMEOUT);
	snprintf(line, sizeof(line), "OK JOIN %s %u\n", name, seq);
	fake_send(f, line);
	fake_expect(f, "PING lchat-sync$", TC_TIMEOUT);
	fake_send(f, "PONG lchat-sync\n");
}

void fake_who(struct fakesrv *f, const char *who)
{
	char line[256];
	const char *p = who ? who : "";

	while (*p) {
		size_t n = strcspn(p, " ");
		snprintf(line, sizeof(line), "WHO %.*s %.*s 0 1795290000000\n", (int)n, p, (int)n, p);
		fake_send(f, line);
		p += n;
		p += *p == ' ';
	}
	fake_send(f, "OK WHO\n");
}

void fake_greet_rooms(struct fakesrv *f, const char *name, const char *join, unsigned seq,
		      const char *who)
{
	char line[256];

	fake_send(f, "HELLO lchat/1 fake/0 login=nobody max_line=1024 rooms=1 "
		  "default_room=#general\n");
	fake_expect(f, "PROTO 2$", TC_TIMEOUT);
	fake_send(f, "OK PROTO 2\n");
	fake_expect(f, join ? join : "JOIN ", TC_TIMEOUT);
	snprintf(line, sizeof(line), "OK JOIN %s %u\n", name, seq);
	fake_send(f, line);
	fake_expect(f, "WHO #general$", TC_TIMEOUT);
	fake_who(f, who);
	fake_expect(f, "PING lchat-sync$", TC_TIMEOUT);
	fake_send(f, "PONG lchat-sync\n");
}

void fake_hangup(struct fakesrv *f)
{
	if (f->ls.fd >= 0)
		linesock_close(&f->ls);
	memset(&f->ls, 0, sizeof(f->ls));
	f->ls.fd = -1;
}

void fake_close(struct fakesrv *f)
{
	if (f->ls.fd >= 0)
		linesock_close(&f->ls);
	close(f->lfd);
	unlink(f->path);
	free(f->last);
	free(f);
}
