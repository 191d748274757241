/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* impostor.c - another user's server at lchatd's socket path (see
 * impostor.h). The child speaks with raw system calls and _exit()s: it is
 * a fork of a Check test and must not run Check's assertions. */
#include "impostor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "runcmd.h"
#include "util.h"

/* The answer to one line from a client ("" for none); false: hang up. */
static bool answer(const char *line, char *out, size_t cap)
{
	const char *sp = strchr(line, ' ');

	out[0] = '\0';
	if (strncmp(line, "JOIN ", 5) == 0) {
		int n = (int)strcspn(line + 5, " ");

		snprintf(out, cap, "OK JOIN %.*s 1\nEV 2 %lld NOTICE %s\n", n, line + 5,
			 (long long)now_ms(), IMPOSTOR_TEXT);
	} else if (strncmp(line, "PING", 4) == 0) {
		snprintf(out, cap, "PONG%s\n", sp ? sp : "");
	} else if (strncmp(line, "SAY ", 4) == 0) {
		snprintf(out, cap, "OK SAY 3\n");
	} else if (strncmp(line, "QUIT", 4) == 0) {
		snprintf(out, cap, "OK QUIT\n");
		return false;
	} else {
		snprintf(out, cap, "ERR internal %s\n", IMPOSTOR_TEXT);
	}
	return true;
}

static void serve(int fd, const char *hello)
{
	char buf[4096], reply[1024];
	size_t len = 0;
	bool more = true;

	if (write_all(fd, hello, strlen(hello)) < 0)
		return;
	while (more) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		len += (size_t)n;
		buf[len] = '\0';
		while (more && (nl = strchr(buf, '\n'))) {
			*nl = '\0';
			more = answer(buf, reply, sizeof(reply));
			if (write_all(fd, reply, strlen(reply)) < 0)
				return;
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len + 1);
		}
		if (len == sizeof(buf) - 1)
			return;
	}
}

static void child(const char *path, const char *hello, uid_t uid, bool bind_as_root, int ready)
{
	struct sockaddr_un sa;
	int lfd = sock_open_to(path, &sa, 0);

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (lfd < 0 || (!bind_as_root && become_uid(uid) < 0) ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    (bind_as_root && (chmod(path, 0666) < 0 || become_uid(uid) < 0)) ||
	    listen(lfd, 8) < 0) {
		dprintf(2, "impostor: %s: %s\n", path, strerror(errno));
		_exit(1);
	}
	if (write(ready, "r", 1) != 1)
		_exit(1);
	close(ready);
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0 && errno == EINTR)
			continue;
		if (fd < 0)
			_exit(1);
		serve(fd, hello);
		close(fd);
	}
}

pid_t impostor_start(const char *path, const char *hello, uid_t uid, bool bind_as_root)
{
	int p[2];
	char byte;
	pid_t pid;
	struct pollfd pfd;

	ck_assert(pipe2(p, O_CLOEXEC) == 0);
	fflush(NULL);
	pid = fork();
	ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(p[0]);
		child(path, hello, uid, bind_as_root, p[1]);
	}
	close(p[1]);
	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	ck_assert_msg(poll(&pfd, 1, TC_TIMEOUT) == 1 && read(p[0], &byte, 1) == 1,
		      "the impostor did not start listening at %s", path);
	close(p[0]);
	return pid;
}

void impostor_stop(pid_t pid, const char *path)
{
	kill(pid, SIGKILL);
	ck_assert(waitpid(pid, NULL, 0) == pid);
	unlink(path);
}
