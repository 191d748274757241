/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* notify.c - the sd_notify datagram (see notify.h). */
#include "notify.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cut.h"
#include "log.h"

void notify(const char *fmt, ...)
{
	static bool warned;
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char msg[1024];
	va_list ap;

	if (!path || !path[0])
		return;
	size_t len = strlen(path);
	/* An absolute path, or "@name" for the abstract namespace. */
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sa.sun_path)) {
		if (!warned)
			log_msg(LOG_WARNING, "NOTIFY_SOCKET '%s': not a usable socket address", path);
		warned = true;
		return;
	}
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	va_start(ap, fmt);
	size_t n = text_vprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ssize_t w = -1;
	if (fd >= 0) {
		do
			w = sendto(fd, msg, n, MSG_NOSIGNAL, (struct sockaddr *)&sa,
				   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
		while (w < 0 && errno == EINTR);
		close(fd);
	}
	if (w < 0 && !warned) {
		log_msg(LOG_WARNING, "NOTIFY_SOCKET %s: %s", path, strerror(errno));
		warned = true;
	}
}
