/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* pty.c - a program on a pseudo-terminal, every byte of its output kept
 * (see pty.h). posix_openpt() and a hand-made session, so no libutil. */
#include "pty.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "harness.h"
#include "sanitize.h"

struct ptyproc *pty_spawn(char *const argv[], char *const env[], int rows, int cols)
{
	struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
	struct ptyproc *p = xcalloc(1, sizeof(*p));
	const char *slave;
	int fd;

	fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "posix_openpt: %s", strerror(errno));
	ck_assert_msg(grantpt(fd) == 0 && unlockpt(fd) == 0 && (slave = ptsname(fd)),
		      "pty: %s", strerror(errno));
	ck_assert_msg(ioctl(fd, TIOCSWINSZ, &ws) == 0, "TIOCSWINSZ: %s", strerror(errno));
	fflush(NULL);
	p->pid = fork();
	ck_assert_msg(p->pid >= 0, "fork: %s", strerror(errno));
	if (p->pid == 0) {
		int s;

		if (setsid() < 0 || (s = open(slave, O_RDWR)) < 0 ||
		    ioctl(s, TIOCSCTTY, 0) < 0 || dup2(s, 0) < 0 || dup2(s, 1) < 0 ||
		    dup2(s, 2) < 0)
			_exit(126);
		if (s > 2)
			close(s);
		execve(argv[0], argv, env);
		_exit(127);
	}
	ck_assert_msg(fcntl(fd, F_SETFL, O_NONBLOCK) == 0, "fcntl: %s", strerror(errno));
	p->fd = fd;
	p->cap = 4096;
	p->buf = xcalloc(1, p->cap);
	return p;
}

void pty_type(struct ptyproc *p, const char *bytes)
{
	send_all(p->fd, bytes, strlen(bytes), "the pty");
}

/* Read whatever is there now (after waiting up to ms for something).
 * Returns false when nothing came. */
static bool pty_read_some(struct ptyproc *p, int ms)
{
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
	bool got = false;

	if (p->eof)
		return false;
	if (poll(&pfd, 1, ms) < 0)
		return false;
	for (;;) {
		if (p->cap - p->len < 2048) {
			char *bigger = realloc(p->buf, p->cap * 2);

			ck_assert_ptr_nonnull(bigger);
			p->buf = bigger;
			p->cap *= 2;
		}
		ssize_t r = read(p->fd, p->buf + p->len, p->cap - p->len - 1);
		if (r > 0) {
			p->len += (size_t)r;
			p->buf[p->len] = '\0';
			got = true;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0 || (r < 0 && errno == EIO))
			p->eof = true;	/* the slave side is closed */
		return got;
	}
}

static const char *find_from(const struct ptyproc *p, const char *needle, size_t from)
{
	size_t k = strlen(needle);

	if (from > p->len)
		return NULL;
	return memmem(p->buf + from, p->len - from, needle, k);
}

bool pty_wait(struct ptyproc *p, const char *needle, size_t from, int timeout_ms)
{
	int64_t deadline = mono_ms_now() + timeout_ms;

	for (;;) {
		if (needle && find_from(p, needle, from))
			return true;
		if (ms_left(deadline) <= 0 || p->eof)
			return needle == NULL;
		pty_read_some(p, ms_left(deadline) < 50 ? ms_left(deadline) : 50);
	}
}

size_t pty_expect(struct ptyproc *p, const char *needle, size_t from, int timeout_ms)
{
	const char *at;

	ck_assert_msg(pty_wait(p, needle, from, timeout_ms),
		      "\"%s\" did not reach the terminal; it got: %s", needle,
		      pty_show(p, from, p->len - from));
	at = find_from(p, needle, from);
	return (size_t)(at - p->buf) + strlen(needle);
}

int pty_count(const struct ptyproc *p, const char *needle)
{
	int n = 0;
	size_t from = 0;
	const char *at;

	while ((at = find_from(p, needle, from))) {
		n++;
		from = (size_t)(at - p->buf) + 1;
	}
	return n;
}

const char *pty_show(const struct ptyproc *p, size_t from, size_t n)
{
	static char *shown;
	size_t o = 0;

	if (from > p->len)
		from = p->len;
	if (n > p->len - from)
		n = p->len - from;
	if (n > 800) {		/* the end is what matters; Check keeps messages short */
		from += n - 800;
		n = 800;
	}
	free(shown);
	shown = xcalloc(n * 4 + 1, 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p->buf[from + i];

		if (c >= 0x20 && c < 0x7F)
			shown[o++] = (char)c;
		else
			o += (size_t)sprintf(shown + o, "\\x%02X", c);
	}
	return shown;
}

int pty_stop(struct ptyproc *p)
{
	int64_t deadline = mono_ms_now() + 5000;
	int status = -1;
	bool killed = false;

	if (p->pid <= 0)
		return -1;
	kill(p->pid, SIGTERM);
	for (;;) {
		pid_t w = waitpid(p->pid, &status, WNOHANG);

		if (w == p->pid)
			break;
		if (w < 0 && errno != EINTR)
			break;
		if (!killed && ms_left(deadline) <= 0) {
			kill(p->pid, SIGKILL);
			killed = true;
		}
		pty_read_some(p, 20);
	}
	pty_read_some(p, 0);
	p->pid = 0;
	return status;
}

void pty_free(struct ptyproc *p)
{
	if (!p)
		return;
	if (p->pid > 0)
		pty_stop(p);
	close(p->fd);
	free(p->buf);
	free(p);
}

bool terminal_safe(const char *b, size_t n, const char *allowed_c0, char *why, size_t why_len,
		   size_t *at)
{
	size_t i = 0, run = 0;

	while (i < n) {
		uint32_t cp;
		size_t len = utf8_decode(b + i, n - i, &cp);

		if (len == 0) {
			snprintf(why, why_len, "byte %zu (\\x%02X) is not UTF-8", i,
				 (unsigned char)b[i]);
			*at = i;
			return false;
		}
		if (cp < 0x20 && cp != 0 && strchr(allowed_c0, (int)cp)) {
			run = 0;
		} else if (codepoint_is_forbidden(cp)) {
			snprintf(why, why_len, "byte %zu: forbidden U+%04X", i, (unsigned)cp);
			*at = i;
			return false;
		} else if (!codepoint_is_nonspacing(cp)) {
			run = 0;
		} else if (++run > TEXT_MAX_NONSPACING) {
			snprintf(why, why_len, "byte %zu: more than %d nonspacing in a row", i,
				 TEXT_MAX_NONSPACING);
			*at = i;
			return false;
		}
		i += len;
	}
	return true;
}
