/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* flood.c - see flood.h: posters that flood the room from child
 * processes, and an observer that checks every event it receives. */
#include "flood.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Read the observer's next event and account for it. Messages are
 * "SAY <tag>-<n>": each tag's numbers must come in order from 0. Returns
 * the line (valid until the next read). */
const char *observe(struct tclient *obs, struct seen *s, const char *victim)
{
	const char *line = tc_expect(obs, "EV [0-9]+ [0-9]+ ", TC_TIMEOUT);
	uint64_t seq = line_seq(line);
	char who[64], tag;
	long n;

	ck_assert_msg(seq == s->last_seq + 1, "observer: seq %" PRIu64 " after %" PRIu64
		      " (%s)", seq, s->last_seq, line);
	s->last_seq = seq;
	if (sscanf(line, "EV %*u %*d MSG %63s %c-%ld", who, &tag, &n) == 3) {
		int i = tag == 'a' ? 0 : 1;
		ck_assert_msg(n == s->next[i], "observer: %c-%ld where %c-%ld was due (%s)",
			      tag, n, tag, s->next[i], line);
		s->next[i]++;
	} else if (line_matches(line, "EV [0-9]+ [0-9]+ LEAVE (alice|bob) [^ ]+ closed$")) {
		s->closed++;        /* a poster that finished */
	} else if (line_matches(line, "EV [0-9]+ [0-9]+ LEAVE ")) {
		char re[128];
		snprintf(re, sizeof(re), "EV [0-9]+ [0-9]+ LEAVE %s [^ ]+ %s$", victim,
			 s->reason ? s->reason : "lost");
		ck_assert_msg(line_matches(line, re), "observer: unexpected %s", line);
		s->lost++;
	}
	return line;
}

/* A child process joins as `name` and posts "SAY <tag>-<n>" for n from 0
 * to count - 1, in bursts of 100 with pause_ms between them, reading (and
 * dropping) everything it receives, as a client that keeps up would. It
 * stops when the connection ends; with wait_acks it stays until all its
 * messages are acknowledged and exits 0, or 1 if that takes over 60 s. */
pid_t post_from_child(const char *sock, const char *name, char tag,
			     long count, int pause_ms, bool wait_acks)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid > 0)
		return pid;
	struct linesock ls;
	if (!linesock_open(&ls, sock))
		_exit(2);
	char buf[4096];
	int len = snprintf(buf, sizeof(buf), "JOIN %s\n", name);
	if (send(ls.fd, buf, (size_t)len, MSG_NOSIGNAL) != len)
		_exit(2);
	long acks = 0;
	for (long n = 0; n < count; ) {
		len = 0;
		for (int i = 0; i < 100 && n < count; i++)
			len += snprintf(buf + len, sizeof(buf) - (size_t)len, "SAY %c-%ld\n", tag, n++);
		for (int off = 0; off < len; ) {
			ssize_t w = send(ls.fd, buf + off, (size_t)(len - off), MSG_NOSIGNAL);
			if (w < 0 && errno != EAGAIN && errno != EINTR)
				_exit(0);        /* the connection ended */
			off += w > 0 ? (int)w : 0;
			char *line;
			size_t n_len;
			while ((line = linesock_read(&ls, mono_ms_now(), &n_len)) != NULL) {
				acks += strncmp(line, "OK SAY ", 7) == 0;
				free(line);
			}
			if (ls.eof)
				_exit(0);
		}
		if (pause_ms)
			sleep_ms(pause_ms);
	}
	int64_t deadline = mono_ms_now() + 60000;
	while (wait_acks && acks < count) {
		size_t n_len;
		char *line = linesock_read(&ls, deadline, &n_len);
		if (!line)
			_exit(1);
		acks += strncmp(line, "OK SAY ", 7) == 0;
		free(line);
	}
	_exit(0);
}

void assert_child_exit_0(pid_t pid)
{
	int status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "poster child ended with status 0x%x", status);
}

