/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* runcmd.c - run a command and capture what it says (see runcmd.h). The
 * input is written from the same poll loop that drains the outputs, so a
 * child that writes a lot before reading cannot deadlock us. */
#include "runcmd.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define DEFAULT_TIMEOUT_MS 20000
#define OUTPUT_MAX (1024 * 1024)

struct sink {
	char *buf;
	size_t len, cap;
};

static void sink_add(struct sink *s, const char *p, size_t n)
{
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		while (cap < s->len + n + 1)
			cap *= 2;
		s->buf = realloc(s->buf, cap);
		ck_assert_ptr_nonnull(s->buf);
		s->cap = cap;
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	s->buf[s->len] = '\0';
}

int become_uid(uid_t uid)
{
	if (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 || setresuid(uid, uid, uid) < 0)
		return -1;
	return 0;
}

/* In the child: become uid (and its gid), dup the pipes, exec. */
static void child(const struct cmd_opts *o, int in, int out, int err, char *const argv[])
{
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(126);
	if (o->cwd && chdir(o->cwd) < 0)
		_exit(126);
	if (o->as_user && become_uid(o->uid) < 0) {
		fprintf(stderr, "runcmd: cannot become uid %u: %s\n", (unsigned)o->uid,
			strerror(errno));
		_exit(126);
	}
	execv(argv[0], argv);
	fprintf(stderr, "runcmd: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int run_cmd(struct cmd_result *r, const struct cmd_opts *o, char *const argv[])
{
	int pin[2], pout[2], perr[2];
	struct sink out = { 0 }, err = { 0 };
	const char *input = o->input ? o->input : "";
	size_t in_len = strlen(input), in_off = 0;
	int timeout = o->timeout_ms ? o->timeout_ms : DEFAULT_TIMEOUT_MS;

	memset(r, 0, sizeof(*r));
	ck_assert_int_eq(pipe2(pin, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(pout, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(perr, O_CLOEXEC), 0);
	signal(SIGPIPE, SIG_IGN);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		child(o, pin[0], pout[1], perr[1], argv);
	close(pin[0]);
	close(pout[1]);
	close(perr[1]);
	ck_assert_int_eq(fcntl(pin[1], F_SETFL, O_NONBLOCK), 0);
	int fds[3] = { pin[1], pout[0], perr[0] };
	if (in_len == 0) {
		close(fds[0]);
		fds[0] = -1;
	}
	int64_t deadline = mono_ms_now() + timeout;
	bool killed = false;
	while (fds[1] >= 0 || fds[2] >= 0) {
		struct pollfd p[3] = {
			{ fds[0], POLLOUT, 0 }, { fds[1], POLLIN, 0 }, { fds[2], POLLIN, 0 },
		};
		int left = ms_left(deadline);
		if (left == 0 && !killed) {
			kill(pid, SIGKILL);     /* our own child, by pid */
			killed = true;
		}
		int n = poll(p, 3, killed ? 1000 : left);
		if (n < 0 && errno == EINTR)
			continue;
		ck_assert_int_ge(n, 0);
		if (n == 0 && killed)
			break;          /* a grandchild holds the pipes: give up on them */
		if (fds[0] >= 0 && p[0].revents) {
			ssize_t w = write(fds[0], input + in_off, in_len - in_off);
			if (w > 0)
				in_off += (size_t)w;
			if (w < 0 && errno != EAGAIN && errno != EINTR)
				in_off = in_len;        /* it closed its stdin: fine */
			if (in_off == in_len) {
				close(fds[0]);
				fds[0] = -1;
			}
		}
		for (int i = 1; i < 3; i++) {
			if (fds[i] < 0 || !p[i].revents)
				continue;
			char buf[4096];
			ssize_t got = read(fds[i], buf, sizeof(buf));
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0) {
				close(fds[i]);
				fds[i] = -1;
				continue;
			}
			struct sink *s = i == 1 ? &out : &err;
			if (s->len < OUTPUT_MAX)
				sink_add(s, buf, (size_t)got);
		}
	}
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	/* The outputs are closed: wait for the exit, still with a deadline. */
	int status = 0;
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		ck_assert_int_ge(w, 0);
		if (w == pid)
			break;
		if (ms_left(deadline) == 0 && !killed) {
			kill(pid, SIGKILL);
			killed = true;
		}
		sleep_ms(10);
	}
	sink_add(&out, "", 0);
	sink_add(&err, "", 0);
	r->out = out.buf;
	r->err = err.buf;
	r->status = killed ? -1 : status;
	r->code = !killed && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	return r->code;
}

void cmd_result_free(struct cmd_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}
