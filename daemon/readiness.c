/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* readiness.c - the start-up pipe (see readiness.h). */
#include "readiness.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cut.h"
#include "log.h"
#include "util.h"

#define REASON_MAX 1100

void readiness_ok(int fd)
{
	if (write_all(fd, "R", 1) < 0)
		log_msg(LOG_WARNING, "readiness pipe: %s", strerror(errno));
}

void readiness_fail(int fd, const char *reason)
{
	char buf[REASON_MAX];

	log_msg(LOG_ERR, "%s", reason);
	if (fd < 0)
		return;
	write_all(fd, buf, text_printf(buf, sizeof(buf), "E%s", reason));
}

int readiness_wait(int fd, int timeout_ms, char *err, size_t errlen)
{
	char buf[REASON_MAX];
	size_t got = 0;
	int64_t deadline = timeout_ms < 0 ? -1 : mono_ms() + timeout_ms;

	for (;;) {
		int left = -1;
		if (deadline >= 0) {
			int64_t l = deadline - mono_ms();
			if (l <= 0) {
				text_printf(err, errlen, "the daemon did not become ready in %d s",
					 timeout_ms / 1000);
				return -1;
			}
			left = (int)l;
		}
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, left);
		if (r < 0 && errno != EINTR) {
			text_printf(err, errlen, "readiness pipe: %s", strerror(errno));
			return -1;
		}
		if (r <= 0)
			continue;   /* EINTR, or the deadline: checked above */
		ssize_t n = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n > 0) {
			got += (size_t)n;
			if (buf[0] == 'R')
				return 0;
			if (got < sizeof(buf) - 1)
				continue;
		}
		/* End of the pipe (or a full reason): the daemon gave up. */
		buf[got] = '\0';
		if (got > 1 && buf[0] == 'E')
			text_printf(err, errlen, "%s", buf + 1);
		else
			text_printf(err, errlen, "the daemon exited during start-up (see the system log)");
		return -1;
	}
}
