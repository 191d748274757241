/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* procs.c - see procs.h: daemonizing lchatd under watch, a raw client,
 * joining without tc_join(), soft failures. The /proc readers are in
 * procfs.c; the guardian, config and socket building blocks in harness.c. */
#define PROCS_INTERNAL
#include "procs.h"
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define STOP_DEADLINE_MS 15000
#define GONE_DEADLINE_MS 5000

/* ---- sockets ------------------------------------------------------------ */

void sock_wait_connectable(const char *path, int timeout_ms)
{
	int64_t deadline = mono_ms_now() + timeout_ms;

	while (!sock_can_connect(path)) {
		if (mono_ms_now() >= deadline)
			ck_abort_msg("%s does not accept connections within %d ms: %s",
				     path, timeout_ms, strerror(errno));
		sleep_ms(10);
	}
}

void sock_make_stale(const char *path)
{
	struct sockaddr_un sa;
	int fd = sock_open_to(path, &sa, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 1) != 0)
		ck_abort_msg("procs: cannot bind a socket at %s: %s", path, strerror(errno));
	close(fd);
}

/* ---- raw client ----------------------------------------------------------- */

struct rawc {
	struct linesock ls;
	char *line;
};

/* Open raw clients stay reachable (no leak reports from the ASan build). */
static struct rawc **rawcs;
static size_t nrawcs;

struct rawc *rawc_try_connect(const char *path)
{
	struct linesock ls;
	struct rawc *c, **v;

	if (!linesock_open(&ls, path))
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->ls = ls;
	v = realloc(rawcs, (nrawcs + 1) * sizeof(*v));
	if (!v)
		ck_abort_msg("procs: out of memory");
	rawcs = v;
	rawcs[nrawcs++] = c;
	return c;
}

struct rawc *rawc_connect(const char *path)
{
	struct rawc *c = rawc_try_connect(path);

	if (!c)
		ck_abort_msg("cannot connect to %s: %s", path, strerror(errno));
	return c;
}

int rawc_fd(const struct rawc *c)
{
	return c->ls.fd;
}

size_t rawc_partial(const struct rawc *c)
{
	return c->ls.len;
}

bool rawc_eof(const struct rawc *c)
{
	return c->ls.eof && c->ls.len == 0;
}

bool rawc_closed(const struct rawc *c)
{
	return c->ls.eof;
}

const char *rawc_line(struct rawc *c, int timeout_ms)
{
	size_t n;

	free(c->line);
	c->line = linesock_read(&c->ls, mono_ms_now() + timeout_ms, &n);
	return c->line;
}

const char *rawc_expect(struct rawc *c, const char *re, int timeout_ms)
{
	const char *line = rawc_line(c, timeout_ms);

	if (!line)
		ck_abort_msg("raw client: %s while waiting for /%s/%s",
			     c->ls.eof ? "connection closed" : "timeout", re,
			     c->ls.len ? " (a partial line was left)" : "");
	if (!line_matches(line, re))
		ck_abort_msg("raw client: expected /%s/, got '%.300s'", re, line);
	return line;
}

void rawc_expect_eof(struct rawc *c, int timeout_ms)
{
	const char *line = rawc_line(c, timeout_ms);

	if (line)
		ck_abort_msg("raw client: expected the server to close, got '%.300s'", line);
	if (!c->ls.eof)
		ck_abort_msg("raw client: the server did not close within %d ms", timeout_ms);
	if (c->ls.len)
		ck_abort_msg("raw client: the server closed after a partial line of %zu bytes",
			     c->ls.len);
}

void rawc_send(struct rawc *c, const char *fmt, ...)
{
	va_list ap;
	char *s;
	size_t n;

	va_start(ap, fmt);
	s = format_line(&n, fmt, ap);
	va_end(ap);
	send_all(c->ls.fd, s, n, "raw client");
	free(s);
}

void rawc_close(struct rawc *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < nrawcs; i++)
		if (rawcs[i] == c) {
			rawcs[i] = rawcs[--nrawcs];
			break;
		}
	linesock_close(&c->ls);
	free(c->line);
	free(c);
}

struct rawc *rawc_connect_when_free(const char *sock, const char *refusal, int timeout_ms)
{
	int64_t deadline = wall_ms() + timeout_ms;

	for (;;) {
		struct rawc *c = rawc_connect(sock);
		const char *line = rawc_line(c, TC_TIMEOUT);

		ck_assert_msg(line != NULL, "no greeting within %d ms", TC_TIMEOUT);
		if (strncmp(line, "HELLO lchat/1 ", 14) == 0)
			return c;
		ck_assert_msg(re_contains(line, refusal), "unexpected greeting '%s'", line);
		rawc_close(c);
		ck_assert_msg(wall_ms() < deadline, "still '%s' %d ms after a place was freed",
			      refusal, timeout_ms);
		sleep_ms(20);
	}
}

/* ---- process sets (what a launch left running) ---------------------------- */

static bool pset_has_session(const struct pset *s, pid_t sid)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].sid == sid && s->v[i].pid == sid)
			return true;
	return false;
}

static bool pid_in(pid_t pid, const pid_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == pid)
			return true;
	return false;
}

/* Add what now runs of the launches made by `root` (the test process):
 * its children running lchatd that are not foreign (the harness's
 * daemons), their descendants, and processes in sessions those created. */
static void pset_scan(struct pset *s, pid_t root, const pid_t *foreign, size_t nforeign,
		      pid_t self)
{
	size_t n;
	struct pstat *v = proc_list(&n);
	bool grew = true;

	while (grew) {
		grew = false;
		for (size_t i = 0; i < n; i++) {
			if (v[i].state == 'Z' || v[i].pid == self || pset_has(s, v[i].pid))
				continue;
			if ((v[i].ppid == root && !pid_in(v[i].pid, foreign, nforeign) &&
			     proc_is_lchatd(v[i].pid)) ||
			    pset_has(s, v[i].ppid) || pset_has_session(s, v[i].sid)) {
				pset_add(s, &v[i]);
				grew = true;
			}
		}
	}
	free(v);
}

/* ---- the guardian ------------------------------------------------------- */

struct guard_scan {
	struct pset set;
	const struct bgd *b;
	pid_t test;
};

static void guard_scan(void *arg)
{
	struct guard_scan *g = arg;

	pset_scan(&g->set, g->test, g->b->foreign, g->b->nforeign, getpid());
}

/* The guardian: when the test process is gone without bgd_stop(), kill
 * what its launches left running and remove the directory. */
static void guardian_main(int fd, const struct bgd *b, pid_t test)
{
	struct guard_scan g = { { 0 }, b, test };

	guardian_watch(fd, guard_scan, &g);
	guard_scan(&g);
	for (int i = 0; i < 4; i++) {
		pset_kill(&g.set, SIGKILL);
		sleep_ms(20);
		pset_scan(&g.set, -1, NULL, 0, getpid());   /* descendants only */
	}
	if (g.set.n)
		fprintf(stderr, "procs: a test ended without bgd_stop(); %zu processes of "
			"its daemonized lchatd (%s) were killed\n", g.set.n, b->conf);
	remove_tree(b->dir);
	_exit(0);
}

/* ---- daemonized lchatd ----------------------------------------------------- */

static char stop_error[2048];

const char *bgd_stop_error(void)
{
	return stop_error;
}

int run_exit_code(const struct run_result *r)
{
	return r->status >= 0 && WIFEXITED(r->status) ? WEXITSTATUS(r->status) : -1;
}

struct bgd *bgd_new(const char *extra)
{
	struct bgd *b = xcalloc(1, sizeof(*b));

	b->guard_fd = -1;
	snprintf(b->dir, sizeof(b->dir), "/tmp/lchat-e2e.XXXXXX");
	if (!mkdtemp(b->dir))
		ck_abort_msg("procs: mkdtemp: %s", strerror(errno));
	snprintf(b->conf, sizeof(b->conf), "%s/lchat.conf", b->dir);
	snprintf(b->sock, sizeof(b->sock), "%s/lchat.sock", b->dir);
	snprintf(b->ctl, sizeof(b->ctl), "%s/control.sock", b->dir);
	snprintf(b->state, sizeof(b->state), "%s/state", b->dir);
	snprintf(b->pidfile, sizeof(b->pidfile), "%s/lchatd.pid", b->state);
	bgd_write_config(b, extra);
	return b;
}

void bgd_write_config(struct bgd *b, const char *extra)
{
	write_config_file(b->conf, "written by the lchat e2e tests (procs.c)", b->sock, b->ctl,
			  b->state, extra);
}

/* First launch: become a subreaper, note the children that are not ours
 * to track, start the guardian. */
static void bgd_prepare(struct bgd *b)
{
	pid_t kids[256];
	int n;

	if (b->launched)
		return;
	b->launched = true;
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
		ck_abort_msg("procs: PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	n = proc_children(getpid(), kids, 256);
	b->foreign = xcalloc((size_t)n + 1, sizeof(pid_t));
	memcpy(b->foreign, kids, (size_t)n * sizeof(pid_t));
	b->nforeign = (size_t)n;
	b->guardian = guardian_fork(&b->guard_fd);
	if (b->guardian == 0)
		guardian_main(3, b, getppid());
	/* The guardian is ours, not the launch's. */
	b->foreign = realloc(b->foreign, (b->nforeign + 1) * sizeof(pid_t));
	if (!b->foreign)
		ck_abort_msg("procs: out of memory");
	b->foreign[b->nforeign++] = b->guardian;
}

static void append_out(char *dst, size_t cap, size_t *used, const char *src, size_t n)
{
	if (*used + 1 >= cap)
		return;
	if (n > cap - 1 - *used)
		n = cap - 1 - *used;
	memcpy(dst + *used, src, n);
	*used += n;
	dst[*used] = '\0';
}

int bgd_run(struct bgd *b, struct run_result *r, int timeout_ms, ...)
{
	const char *argv[32];
	int argc = 0, op[2], ep[2], pty = -1;
	size_t oused = 0, eused = 0;
	bool out_open = true, err_open = true, exited = false;
	int64_t start, deadline, exit_at = 0;
	va_list ap;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	argv[argc++] = "lchatd";
	va_start(ap, timeout_ms);
	for (const char *a; (a = va_arg(ap, const char *)) != NULL && argc < 30;)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;

	bgd_prepare(b);
	if (pipe2(op, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0)
		ck_abort_msg("procs: pipe: %s", strerror(errno));
	if (b->ctty) {
		pty = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (pty < 0 || grantpt(pty) < 0 || unlockpt(pty) < 0)
			ck_abort_msg("procs: cannot open a pseudo-terminal: %s", strerror(errno));
	}
	fflush(NULL);
	start = mono_ms_now();
	pid = fork();
	if (pid < 0)
		ck_abort_msg("procs: fork: %s", strerror(errno));
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		sigset_t none;

		if (null < 0 || dup2(null, 0) < 0 || dup2(op[1], 1) < 0 || dup2(ep[1], 2) < 0)
			_exit(126);
		if (pty >= 0) {
			/* A session of our own with the terminal as its
			 * controlling terminal, like a login shell. */
			int slave;

			if (setsid() < 0)
				_exit(125);
			slave = open(ptsname(pty), O_RDWR);
			if (slave < 0 || ioctl(slave, TIOCSCTTY, 0) < 0 || dup2(slave, 0) < 0)
				_exit(125);
		}
		if (chdir(b->dir) < 0)
			_exit(126);
		close_range(3, ~0U, 0);
		signal(SIGPIPE, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execv(lchatd_exe(), (char **)argv);
		fprintf(stderr, "procs: cannot run %s: %s\n", lchatd_exe(), strerror(errno));
		_exit(127);
	}
	close(op[1]);
	close(ep[1]);
	deadline = start + timeout_ms;
	while (!exited || out_open || err_open) {
		struct pollfd pfd[2] = { { out_open ? op[0] : -1, POLLIN, 0 },
					 { err_open ? ep[0] : -1, POLLIN, 0 } };
		char buf[1024];

		if (!exited) {
			pid_t w = waitpid(pid, &r->status, WNOHANG);

			if (w == pid) {
				exited = true;
				r->ms = mono_ms_now() - start;
				exit_at = mono_ms_now();
			}
		}
		if (!exited && mono_ms_now() >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			r->status = -1;
			r->ms = mono_ms_now() - start;
			exited = true;
			exit_at = mono_ms_now();
		}
		/* Something that kept our pipes open must not hang us. */
		if (exited && mono_ms_now() - exit_at > 1000)
			break;
		if (poll(pfd, 2, 10) > 0) {
			for (int i = 0; i < 2; i++) {
				ssize_t n;

				if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
					continue;
				n = read(pfd[i].fd, buf, sizeof(buf));
				if (n <= 0) {
					if (i == 0)
						out_open = false;
					else
						err_open = false;
				} else if (i == 0) {
					append_out(r->out, sizeof(r->out), &oused, buf, (size_t)n);
				} else {
					append_out(r->err, sizeof(r->err), &eused, buf, (size_t)n);
				}
			}
		}
	}
	close(op[0]);
	close(ep[0]);
	if (pty >= 0)
		close(pty);
	return run_exit_code(r);
}

int bgd_start(struct bgd *b, struct run_result *r)
{
	int rc = bgd_run(b, r, 20000, "-c", b->conf, (char *)NULL);
	char buf[64];
	struct pstat ps;

	if (rc != 0)
		return rc;
	if (!read_small(b->pidfile, buf, sizeof(buf)))
		ck_abort_msg("lchatd -c returned 0 but there is no pid file %s: %s",
			     b->pidfile, strerror(errno));
	b->sup = (pid_t)strtol(buf, NULL, 10);
	if (b->sup <= 0 || !pstat_read(b->sup, &ps) || ps.state == 'Z')
		ck_abort_msg("lchatd -c returned 0 but the pid file holds '%s', not a running process",
			     buf);
	if (ps.ppid != getpid())
		ck_abort_msg("the supervisor %d (from the pid file) is not reparented to the test "
			     "process (its parent is %d)", (int)b->sup, (int)ps.ppid);
	return 0;
}

int bgd_wait_exit(struct bgd *b, int timeout_ms)
{
	int64_t deadline = mono_ms_now() + timeout_ms;

	if (b->sup <= 0)
		ck_abort_msg("procs: no supervisor to wait for");
	while (!b->sup_exited) {
		pid_t w = waitpid(b->sup, &b->sup_status, WNOHANG);

		if (w == b->sup)
			b->sup_exited = true;
		else if (w < 0 && errno != EINTR)
			ck_abort_msg("procs: waitpid(%d): %s", (int)b->sup, strerror(errno));
		else if (mono_ms_now() >= deadline)
			return -1;
		else
			sleep_ms(10);
	}
	return b->sup_status;
}

/* Reap our zombie children that came from the launches. */
static void reap_ours(struct bgd *b)
{
	pid_t kids[512];
	int n = proc_children(getpid(), kids, 512);

	for (int i = 0; i < n; i++) {
		struct pstat ps;

		if (pid_in(kids[i], b->foreign, b->nforeign) || kids[i] == b->sup)
			continue;
		if (pstat_read(kids[i], &ps) && ps.state == 'Z')
			waitpid(kids[i], NULL, WNOHANG);
	}
}

int bgd_wait_gone(struct bgd *b, int timeout_ms, char *desc, size_t desclen)
{
	int64_t deadline = mono_ms_now() + timeout_ms;
	size_t alive;

	if (desc && desclen)
		desc[0] = '\0';
	for (;;) {
		struct pset set = { 0 };
		size_t used = 0;

		reap_ours(b);
		if (b->sup > 0 && !b->sup_exited &&
		    waitpid(b->sup, &b->sup_status, WNOHANG) == b->sup)
			b->sup_exited = true;
		pset_scan(&set, getpid(), b->foreign, b->nforeign, 0);
		alive = pset_kill(&set, 0);
		if (alive && desc && mono_ms_now() >= deadline)
			for (size_t i = 0; i < set.n; i++) {
				char title[128] = "?";

				if (!pset_member_alive(&set.v[i]) || used + 1 >= desclen)
					continue;
				proc_title(set.v[i].pid, title, sizeof(title));
				used += (size_t)snprintf(desc + used, desclen - used, " %d '%s'",
							 (int)set.v[i].pid, title);
				if (used >= desclen)
					used = desclen - 1;
			}
		free(set.v);
		if (alive == 0 || mono_ms_now() >= deadline)
			return (int)alive;
		sleep_ms(10);
	}
}

int bgd_stop(struct bgd *b)
{
	struct pset set = { 0 };
	size_t used = 0;
	char desc[1024];

	stop_error[0] = '\0';
	if (!b)
		return 0;
	if (b->launched)
		pset_scan(&set, getpid(), b->foreign, b->nforeign, 0);
	if (b->sup > 0 && !b->sup_exited) {
		kill(b->sup, SIGTERM);
		used = supervisor_verdict(b->sup, bgd_wait_exit(b, STOP_DEADLINE_MS), &b->sup_status,
					  STOP_DEADLINE_MS, stop_error, sizeof(stop_error), used);
		b->sup_exited = true;
	}
	if (b->launched && bgd_wait_gone(b, GONE_DEADLINE_MS, desc, sizeof(desc)) > 0) {
		used += (size_t)snprintf(stop_error + used, sizeof(stop_error) - used,
					 "left behind:%s; ", desc);
		pset_scan(&set, getpid(), b->foreign, b->nforeign, 0);
		for (int i = 0; i < 3; i++) {
			pset_kill(&set, SIGKILL);
			sleep_ms(20);
			pset_scan(&set, getpid(), b->foreign, b->nforeign, 0);
		}
		bgd_wait_gone(b, 1000, NULL, 0);
	}
	free(set.v);
	guardian_release(b->guardian, b->guard_fd, b->conf);
	remove_tree(b->dir);
	free(b->foreign);
	free(b);
	return stop_error[0] ? -1 : 0;
}

void bgd_stop_ok(struct bgd *b)
{
	int rc = bgd_stop(b);

	ck_assert_msg(rc == 0, "bgd_stop: %s", bgd_stop_error());
}

/* ---- joining without tc_join() ---------------------------------------------- */

void lines_add(struct lines *l, const char *line)
{
	char **v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v || !(v[l->n] = strdup(line)))
		ck_abort_msg("procs: out of memory");
	l->v = v;
	l->n++;
}

void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int lines_find(const struct lines *l, const char *re)
{
	for (size_t i = 0; i < l->n; i++)
		if (line_matches(l->v[i], re))
			return (int)i;
	return -1;
}

int lines_count(const struct lines *l, const char *re)
{
	int n = 0;

	for (size_t i = 0; i < l->n; i++)
		n += line_matches(l->v[i], re);
	return n;
}

const char *lines_show(const struct lines *l)
{
	static char buf[4096];
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < l->n && used + 1 < sizeof(buf); i++) {
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, " '%.200s'", l->v[i]);
		if (used >= sizeof(buf))
			used = sizeof(buf) - 1;
	}
	return buf;
}

const char *expect_collect(struct tclient *tc, const char *re, struct lines *out,
			   int timeout_ms)
{
	int64_t deadline = mono_ms_now() + timeout_ms;

	for (;;) {
		int left = ms_left(deadline);
		const char *line = tc_expect(tc, "", left > 0 ? left : 1);

		if (line_matches(line, re))
			return line;
		if (out)
			lines_add(out, line);
	}
}

uint64_t join_collect(struct tclient *tc, const char *args, struct lines *out)
{
	static unsigned sync;
	const char *line;
	uint64_t seq;
	char want[64];

	tc_send(tc, "JOIN %s", args);
	line = tc_expect(tc, "OK JOIN [^ ]+ [0-9]+$", TC_TIMEOUT);
	seq = line_seq(line);
	snprintf(want, sizeof(want), "PONG join-sync-%u$", ++sync);
	tc_send(tc, "PING join-sync-%u", sync);
	expect_collect(tc, want, out, TC_TIMEOUT);
	return seq;
}

/* ---- a detached process ------------------------------------------------------ */

void assert_detached(pid_t pid, const char *what)
{
	int fds[256];
	char (*targets)[256] = calloc(256, 256);
	struct pstat ps;
	char cwd[PATH_MAX];
	int n;

	ck_assert(targets != NULL);
	ck_assert_msg(pstat_read(pid, &ps), "%s %d is gone", what, (int)pid);
	ck_assert_msg(ps.tty_nr == 0, "%s %d has a controlling terminal (tty_nr %d)",
		      what, (int)pid, ps.tty_nr);
	ck_assert_msg(proc_cwd(pid, cwd, sizeof(cwd)), "%s %d: no cwd", what, (int)pid);
	ck_assert_msg(strcmp(cwd, "/") == 0, "%s %d: cwd is %s, not /", what, (int)pid, cwd);
	n = proc_fds(pid, fds, targets, 256);
	ck_assert_msg(n >= 3, "%s %d: only %d descriptors", what, (int)pid, n);
	for (int i = 0; i < 3; i++)
		ck_assert_msg(fds[i] == i && strcmp(targets[i], "/dev/null") == 0,
			      "%s %d: descriptor %d is %s, not /dev/null", what, (int)pid,
			      fds[i], targets[i]);
	free(targets);
}

/* ---- soft failures ------------------------------------------------------------ */

static char soft[8192];

void soft_reset(void)
{
	soft[0] = '\0';
}

void soft_fail(const char *fmt, ...)
{
	size_t used = strlen(soft);
	va_list ap;

	if (used + 8 >= sizeof(soft))
		return;
	if (used)
		used += (size_t)snprintf(soft + used, sizeof(soft) - used, " || ");
	va_start(ap, fmt);
	vsnprintf(soft + used, sizeof(soft) - used, fmt, ap);
	va_end(ap);
}

const char *soft_failures(void)
{
	return soft;
}
