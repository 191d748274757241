/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
#define _GNU_SOURCE
/* forbidden_call.c - LD_PRELOAD shim for end-to-end tests: the test-only
 * trigger of a system call that a handler's seccomp filter forbids, as an
 * intruder who took over a handler would make it.
 *
 * When LCHAT_TEST_FORBIDDEN names a file, a process whose recv() returns
 * bytes containing FORBIDDEN_MARK runs `sh -c 'echo ran > FILE'` through
 * execve(2). Under the filter the process dies by SIGSYS and FILE never
 * appears; without it, FILE appears. */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define FORBIDDEN_MARK "exec-a-shell-please"

static ssize_t (*real_recv)(int, void *, size_t, int);

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	if (!real_recv)
		real_recv = (ssize_t (*)(int, void *, size_t, int))dlsym(RTLD_NEXT, "recv");
	ssize_t n = real_recv(fd, buf, len, flags);
	const char *file = getenv("LCHAT_TEST_FORBIDDEN");
	if (n > 0 && file && memmem(buf, (size_t)n, FORBIDDEN_MARK, strlen(FORBIDDEN_MARK))) {
		char cmd[512] = "echo ran > ";
		strncat(cmd, file, sizeof(cmd) - strlen(cmd) - 1);
		char *argv[] = { "sh", "-c", cmd, NULL };
		execve("/bin/sh", argv, environ);
	}
	return n;
}
