/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* run.c - the event loop (see run.h). No signal handlers: SIGINT, SIGTERM
 * and SIGHUP arrive on a signalfd and make the client leave with QUIT (a
 * second one leaves at once), except that SIGINT in the interactive mode
 * is Ctrl-C, for term.c to handle; SIGWINCH tells readline the new
 * size. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "run.h"
#include "script.h"
#include "session.h"
#include "term.h"
#include "util.h"

static void on_signals(struct session *s, int sigfd, bool interactive)
{
	struct signalfd_siginfo si;

	for (;;) {
		ssize_t n = read(sigfd, &si, sizeof(si));

		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(si))
			return;
		if (si.ssi_signo == SIGWINCH) {
			term_resize();
		} else if (si.ssi_signo == SIGINT && interactive) {
			term_interrupt();
		} else if (s->state == ST_QUITTING) {
			s->done = true;		/* asked twice: leave now */
		} else {
			session_quit(s, NULL);
		}
	}
}

/* The sooner of two poll() timeouts (-1: none). */
static int next_timeout(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

int run_loop(struct session *s, struct script *sc, int sigfd)
{
	while (!s->done) {
		struct pollfd p[3];
		int n = 0, isock = -1, iin = -1, r;

		if (sc)
			script_pump(sc);
		else
			term_update_prompt();
		if (s->done)
			break;
		p[n++] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
		if (s->fd >= 0) {
			isock = n;
			p[n++] = (struct pollfd){
				.fd = s->fd,
				.events = POLLIN | (session_want_write(s) ? POLLOUT : 0),
			};
		}
		if (sc ? script_want_stdin(sc) : term_want_stdin()) {
			iin = n;
			p[n++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		}
		r = poll(p, (nfds_t)n, next_timeout(session_timeout(s, mono_ms()),
						  sc ? -1 : term_timeout()));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			session_status(s, "poll: %s", strerror(errno));
			return EXIT_RUNTIME;
		}
		if (p[0].revents)
			on_signals(s, sigfd, sc == NULL);
		if (isock >= 0 && s->fd == p[isock].fd) {
			if (p[isock].revents & POLLOUT)
				session_flush(s);
			if (s->fd >= 0 && (p[isock].revents & (POLLIN | POLLHUP | POLLERR)))
				session_read(s);
		}
		if (iin >= 0 && p[iin].revents) {
			if (sc)
				script_read(sc);
			else
				term_read();
		}
		session_tick(s, mono_ms());
	}
	return s->exit_code;
}
