/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* exhaust.c - see exhaust.h: helpers of the exhaustion tests. */
#include "exhaust.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "runcmd.h"

long cpu_over(pid_t pid, int ms)
{
	long before = proc_cpu_ms(pid);

	ck_assert_msg(before >= 0, "process %d is gone", (int)pid);
	sleep_ms(ms);
	long after = proc_cpu_ms(pid);
	ck_assert_msg(after >= 0, "process %d is gone", (int)pid);
	return after - before;
}

/* In the child: read one line into *line (malloc'd) within 5 s. */
static char *child_line(struct linesock *ls, int out)
{
	size_t len;
	char *line = linesock_read(ls, mono_ms_now() + 5000, &len);

	if (line) {
		if (write(out, line, len) < 0 || write(out, "\n", 1) < 0)
			_exit(5);
	}
	return line;
}

static void child_main(const char *sock, const char *script, int gap_ms, int out)
{
	struct linesock ls;
	char *line;

	if (become_uid(OTHER_UID) < 0)
		_exit(2);
	if (!linesock_open(&ls, sock))
		_exit(3);
	line = child_line(&ls, out);
	if (!line)
		_exit(4);
	bool refused = strncmp(line, "BYE ", 4) == 0;
	free(line);
	for (const char *s = script; *s && !refused;) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) + 1 : strlen(s);

		if (s != script && gap_ms > 0)
			sleep_ms(gap_ms);
		if (send(ls.fd, s, n, MSG_NOSIGNAL) != (ssize_t)n)
			_exit(6);
		s += n;
		/* The reply: the first line that is no event and no MOTD. */
		for (;;) {
			line = child_line(&ls, out);
			if (!line)
				_exit(7);
			bool reply = strncmp(line, "EV ", 3) != 0 && strncmp(line, "MOTD ", 5) != 0;
			refused = strncmp(line, "BYE ", 4) == 0;
			free(line);
			if (reply)
				break;
		}
	}
	while ((line = child_line(&ls, out)) != NULL)
		free(line);
	_exit(ls.eof ? 0 : 8);
}

pid_t other_uid_start(const char *sock, const char *script, int gap_ms, int *out_fd)
{
	int p[2];

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		child_main(sock, script, gap_ms, p[1]);
	}
	close(p[1]);
	*out_fd = p[0];
	return pid;
}

int other_uid_wait(pid_t pid, int out_fd, char *out, size_t len)
{
	size_t used = 0;
	int status;

	for (;;) {
		char buf[4096];
		ssize_t n = read(out_fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		size_t take = used + (size_t)n < len ? (size_t)n : len - 1 - used;
		memcpy(out + used, buf, take);
		used += take;
	}
	out[used] = '\0';
	close(out_fd);
	ck_assert(waitpid(pid, &status, 0) == pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int other_uid_run(const char *sock, const char *script, char *out, size_t len)
{
	int fd;
	pid_t pid = other_uid_start(sock, script, 0, &fd);

	return other_uid_wait(pid, fd, out, len);
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int64_t percentile(int64_t *v, size_t n, double p)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(v[0]), cmp64);
	size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}
