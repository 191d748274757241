/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* ttywrite.c - a notice written to many terminals, none holding up the
 * others (ttywrite.h). */
#include "ttywrite.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cut.h"
#include "sanitize.h"
#include "util.h"

struct tty_out {
	int fd;
	dev_t rdev;
	size_t off;               /* bytes of the notice written so far */
};

struct tty_set {
	struct tty_out *v;
	size_t n, cap;
};

struct tty_set *tty_set_new(void)
{
	return calloc(1, sizeof(struct tty_set));
}

void tty_set_free(struct tty_set *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].fd >= 0)
			close(t->v[i].fd);
	free(t->v);
	free(t);
}

/* A login record's line: "pts/3", "tty1". Not absolute, no "..", only
 * the characters device names use. */
static bool line_ok(const char *line)
{
	if (!line[0] || line[0] == '/' || strstr(line, ".."))
		return false;
	for (const char *p = line; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("/._-", *p)))
			return false;
	return true;
}

void tty_set_add(struct tty_set *t, const char *line, struct wall_counts *n)
{
	char path[64];
	struct stat st;

	/* No terminal: a graphical session's display (":0"), or nothing. */
	if (line[0] == ':' || line[0] == '\0')
		return;
	if (!line_ok(line) || strlen(line) > 40) {
		n->failed++;
		return;
	}
	text_printf(path, sizeof(path), "/dev/%s", line);
	int fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		/* Without root, a terminal closed to its group cannot even
		 * be opened: that is mesg n, not a failure. */
		if (errno == EACCES && stat(path, &st) == 0 && S_ISCHR(st.st_mode) &&
		    !(st.st_mode & S_IWGRP))
			n->mesg_n++;
		else
			n->failed++;
		return;
	}
	/* The mode is checked whoever we are: a wall process that runs as
	 * the terminal's owner could open it anyway. */
	if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || !isatty(fd)) {
		close(fd);
		n->failed++;
		return;
	}
	if (!(st.st_mode & S_IWGRP)) {
		close(fd);
		n->mesg_n++;
		return;
	}
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].rdev == st.st_rdev) {
			close(fd);   /* the same terminal, logged in twice */
			return;
		}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct tty_out *v = realloc(t->v, cap * sizeof(*v));
		if (!v) {
			close(fd);
			n->failed++;
			return;
		}
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n++] = (struct tty_out){ .fd = fd, .rdev = st.st_rdev, .off = 0 };
}

static void done_with(struct tty_out *o, uint32_t *count)
{
	close(o->fd);
	o->fd = -1;
	(*count)++;
}

/* Write what each terminal takes now; true if any is still waiting. */
static bool write_round(struct tty_set *t, const char *msg, size_t len, struct wall_counts *n)
{
	bool waiting = false;

	for (size_t i = 0; i < t->n; i++) {
		struct tty_out *o = &t->v[i];
		while (o->fd >= 0 && o->off < len) {
			ssize_t w = write(o->fd, msg + o->off, len - o->off);
			if (w > 0) {
				o->off += (size_t)w;
			} else if (w < 0 && errno == EINTR) {
				continue;
			} else if (w < 0 && errno == EAGAIN) {
				waiting = true;
				break;
			} else {
				done_with(o, &n->failed);   /* hung up, EIO, ... */
			}
		}
		if (o->fd >= 0 && o->off == len)
			done_with(o, &n->written);
	}
	return waiting;
}

void tty_set_write(struct tty_set *t, const char *msg, size_t len, struct wall_counts *n)
{
	int64_t deadline = mono_ms() + TTY_WRITE_TIMEOUT_MS;
	struct pollfd *pfd = calloc(t->n ? t->n : 1, sizeof(*pfd));

	if (!pfd) {
		for (size_t i = 0; i < t->n; i++)
			if (t->v[i].fd >= 0)
				done_with(&t->v[i], &n->failed);
		return;
	}
	while (write_round(t, msg, len, n)) {
		int64_t left = deadline - mono_ms();
		if (left <= 0)
			break;
		nfds_t k = 0;
		for (size_t i = 0; i < t->n; i++)
			if (t->v[i].fd >= 0)
				pfd[k++] = (struct pollfd){ .fd = t->v[i].fd, .events = POLLOUT };
		if (poll(pfd, k, (int)left) < 0 && errno != EINTR)
			break;
	}
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].fd >= 0)
			done_with(&t->v[i], &n->timed_out);
	free(pfd);
}

char *tty_notice(const char *by, const char *text, size_t text_len, size_t *len)
{
	char who[WALL_BY_MAX * 4], when[64];
	struct tm tm;
	time_t now = time(NULL);

	text_sanitize(by, strlen(by), who, sizeof(who));
	if (!localtime_r(&now, &tm) || strftime(when, sizeof(when), "%a %b %e %H:%M:%S %Y", &tm) == 0)
		text_copy_str(when, sizeof(when), "?");
	/* The sanitizer may make text longer (a replacement for each bad
	 * byte): room for five times as much. */
	size_t cap = text_len * 5 + 16;
	char *clean = malloc(cap);
	if (!clean)
		return NULL;
	size_t n = text_sanitize(text, text_len, clean, cap);
	char *msg = NULL;
	int w = asprintf(&msg, "\r\nNotice from lchat (%s) at %s:\r\n\r\n%.*s\r\n\r\n", who, when,
			 (int)n, clean);
	free(clean);
	if (w < 0)
		return NULL;
	*len = (size_t)w;
	return msg;
}
