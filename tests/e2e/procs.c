/* procs.c - see procs.h: daemonizing lchatd under watch, a raw client,
 * /proc readers. */
#include "procs.h"
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define GUARD_SCAN_MS 100
#define STOP_DEADLINE_MS 15000
#define GONE_DEADLINE_MS 5000

int64_t mono_ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int left_ms(int64_t deadline)
{
	int64_t l = deadline - mono_ms_now();

	return l < 0 ? 0 : (int)l;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		ck_abort_msg("procs: out of memory");
	return p;
}

bool re_contains(const char *s, const char *re)
{
	regex_t rx;
	bool ok;

	if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) != 0)
		ck_abort_msg("procs: bad regex /%s/", re);
	ok = regexec(&rx, s, 0, NULL, 0) == 0;
	regfree(&rx);
	return ok;
}

const char *lchatd_exe(void)
{
	static char exe[PATH_MAX];
	const char *bin = getenv("LCHAT_BIN");

	snprintf(exe, sizeof(exe), "%s/lchatd", bin && *bin ? bin : "build/bin");
	return exe;
}

/* ---- /proc -------------------------------------------------------------- */

bool pstat_read(pid_t pid, struct pstat *ps)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p)
		return false;
	memset(ps, 0, sizeof(*ps));
	ps->pid = pid;
	/* 3 state, 4 ppid, 5 pgrp, 6 session, 7 tty_nr, 8..21 skipped, 22 starttime */
	return sscanf(p + 1, " %c %d %d %d %d %*s %*s %*s %*s %*s %*s %*s %*s %*s"
		      " %*s %*s %*s %*s %*s %llu",
		      &ps->state, &ps->ppid, &ps->pgrp, &ps->sid, &ps->tty_nr,
		      &ps->start) == 6;
}

bool proc_alive(pid_t pid)
{
	struct pstat ps;

	return pid > 0 && pstat_read(pid, &ps) && ps.state != 'Z' && ps.state != 'X';
}

/* Every process: *n entries; free() the result. */
static struct pstat *all_procs(size_t *n)
{
	struct pstat *v = NULL;
	size_t cap = 0;
	struct dirent *de;
	DIR *dir = opendir("/proc");

	*n = 0;
	if (!dir)
		return NULL;
	while ((de = readdir(dir)) != NULL) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		struct pstat ps;

		if (*end || pid <= 0 || !pstat_read((pid_t)pid, &ps))
			continue;
		if (*n == cap) {
			struct pstat *nv;

			cap = cap ? 2 * cap : 256;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				break;
			v = nv;
		}
		v[(*n)++] = ps;
	}
	closedir(dir);
	return v;
}

int proc_children(pid_t parent, pid_t *out, int max)
{
	size_t n;
	struct pstat *v = all_procs(&n);
	int count = 0;

	for (size_t i = 0; i < n; i++)
		if (v[i].ppid == parent && count < max)
			out[count++] = v[i].pid;
	free(v);
	return count;
}

pid_t find_child_titled(pid_t parent, const char *title)
{
	size_t n;
	struct pstat *v = all_procs(&n);
	pid_t found = 0;
	char t[256];

	for (size_t i = 0; i < n && !found; i++)
		if (v[i].ppid == parent && v[i].state != 'Z' &&
		    proc_title(v[i].pid, t, sizeof(t)) && strcmp(t, title) == 0)
			found = v[i].pid;
	free(v);
	return found;
}

pid_t wait_child_titled(pid_t parent, const char *title, pid_t not_sid, int timeout_ms)
{
	int64_t deadline = mono_ms_now() + timeout_ms;

	for (;;) {
		size_t n;
		struct pstat *v = all_procs(&n);
		pid_t found = 0;
		char t[256];

		for (size_t i = 0; i < n && !found; i++)
			if (v[i].ppid == parent && v[i].state != 'Z' &&
			    (not_sid == 0 || v[i].sid != not_sid) &&
			    proc_title(v[i].pid, t, sizeof(t)) && strcmp(t, title) == 0)
				found = v[i].pid;
		free(v);
		if (found)
			return found;
		if (mono_ms_now() >= deadline)
			ck_abort_msg("no child titled '%s'%s of %d within %d ms", title,
				     not_sid ? " (outside the old session)" : "", (int)parent,
				     timeout_ms);
		sleep_ms(10);
	}
}

static bool read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return true;
}

bool proc_comm(pid_t pid, char *buf, size_t len)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (!read_small(path, buf, len))
		return false;
	buf[strcspn(buf, "\n")] = '\0';
	return true;
}

bool proc_cwd(pid_t pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/cwd", (int)pid);
	n = readlink(path, buf, len - 1);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return true;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int proc_fds(pid_t pid, int *fds, char (*targets)[256], int max)
{
	char path[64];
	struct dirent *de;
	DIR *dir;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((de = readdir(dir)) != NULL && n < max) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);

		if (*end || de->d_name[0] == '\0')
			continue;
		fds[n++] = (int)fd;
	}
	closedir(dir);
	qsort(fds, (size_t)n, sizeof(*fds), cmp_int);
	for (int i = 0; i < n; i++) {
		char link[96];
		ssize_t len;

		snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid, fds[i]);
		len = readlink(link, targets[i], 255);
		targets[i][len < 0 ? 0 : len] = '\0';
	}
	return n;
}

long proc_status_kb(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t flen = strlen(field);
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
			kb = strtol(line + flen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

pid_t wait_no_handlers(struct lchatd *d)
{
	pid_t dmn = lchatd_daemon_pid(d);
	int64_t deadline = mono_ms_now() + 10000;

	while (count_children(dmn, 0) != 0) {
		if (mono_ms_now() >= deadline)
			ck_abort_msg("the daemon %d still has %d children of no client of the test",
				     (int)dmn, count_children(dmn, 0));
		sleep_ms(10);
	}
	return dmn;
}

/* ---- sockets ------------------------------------------------------------ */

static int unix_socket_to(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		ck_abort_msg("procs: socket path too long: %s", path);
	strcpy(sa->sun_path, path);
	return socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

bool sock_can_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd = unix_socket_to(path, &sa);
	bool ok;

	ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

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
	int fd = unix_socket_to(path, &sa);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 1) != 0)
		ck_abort_msg("procs: cannot bind a socket at %s: %s", path, strerror(errno));
	close(fd);
}

/* ---- raw client ----------------------------------------------------------- */

struct rawc {
	int fd;
	bool eof;
	char *buf;
	size_t len, cap;
	char *line;
};

/* Open raw clients stay reachable (no leak reports from the ASan build). */
static struct rawc **rawcs;
static size_t nrawcs;

struct rawc *rawc_try_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd = unix_socket_to(path, &sa);
	struct rawc *c, **v;

	signal(SIGPIPE, SIG_IGN);
	if (fd < 0)
		return NULL;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;

		close(fd);
		errno = e;
		return NULL;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0)
		ck_abort_msg("procs: fcntl: %s", strerror(errno));
	c = xcalloc(1, sizeof(*c));
	c->fd = fd;
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
	return c->fd;
}

size_t rawc_partial(const struct rawc *c)
{
	return c->len;
}

bool rawc_eof(const struct rawc *c)
{
	return c->eof && c->len == 0;
}

const char *rawc_line(struct rawc *c, int timeout_ms)
{
	int64_t deadline = mono_ms_now() + timeout_ms;

	free(c->line);
	c->line = NULL;
	for (;;) {
		char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;
		struct pollfd pfd = { c->fd, POLLIN, 0 };
		ssize_t n;

		if (nl) {
			size_t k = (size_t)(nl - c->buf);

			c->line = strndup(c->buf, k);
			if (!c->line)
				ck_abort_msg("procs: out of memory");
			memmove(c->buf, nl + 1, c->len - k - 1);
			c->len -= k + 1;
			return c->line;
		}
		if (c->eof)
			return NULL;
		if (c->cap - c->len < 4096) {
			char *nb = realloc(c->buf, c->cap + 65536);

			if (!nb)
				ck_abort_msg("procs: out of memory");
			c->buf = nb;
			c->cap += 65536;
		}
		n = read(c->fd, c->buf + c->len, c->cap - c->len);
		if (n > 0) {
			c->len += (size_t)n;
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			c->eof = true;
			continue;
		}
		if (errno == EAGAIN && poll(&pfd, 1, left_ms(deadline)) == 0)
			return NULL;
	}
}

const char *rawc_expect(struct rawc *c, const char *re, int timeout_ms)
{
	const char *line = rawc_line(c, timeout_ms);
	char *anchored;

	if (!line)
		ck_abort_msg("raw client: %s while waiting for /%s/%s",
			     c->eof ? "connection closed" : "timeout", re,
			     c->len ? " (a partial line was left)" : "");
	if (asprintf(&anchored, "^(%s)", re) < 0)
		ck_abort_msg("procs: out of memory");
	if (!re_contains(line, anchored)) {
		free(anchored);
		ck_abort_msg("raw client: expected /%s/, got '%.300s'", re, line);
	}
	free(anchored);
	return line;
}

void rawc_expect_eof(struct rawc *c, int timeout_ms)
{
	const char *line = rawc_line(c, timeout_ms);

	if (line)
		ck_abort_msg("raw client: expected the server to close, got '%.300s'", line);
	if (!c->eof)
		ck_abort_msg("raw client: the server did not close within %d ms", timeout_ms);
	if (c->len)
		ck_abort_msg("raw client: the server closed after a partial line of %zu bytes",
			     c->len);
}

void rawc_send(struct rawc *c, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;
	size_t off = 0;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		ck_abort_msg("procs: out of memory");
	s = realloc(s, (size_t)n + 2);
	if (!s)
		ck_abort_msg("procs: out of memory");
	s[n++] = '\n';
	while (off < (size_t)n) {
		ssize_t w = send(c->fd, s + off, (size_t)n - off, MSG_NOSIGNAL);

		if (w > 0) {
			off += (size_t)w;
		} else if (w < 0 && errno == EAGAIN) {
			struct pollfd pfd = { c->fd, POLLOUT, 0 };

			if (poll(&pfd, 1, 10000) == 0)
				ck_abort_msg("raw client: the server does not read");
		} else if (w < 0 && errno != EINTR) {
			ck_abort_msg("raw client: send: %s", strerror(errno));
		}
	}
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
	close(c->fd);
	free(c->buf);
	free(c->line);
	free(c);
}

/* ---- process sets (what a launch left running) ---------------------------- */

struct pset {
	struct pstat *v;
	size_t n, cap;
};

static bool pset_has(const struct pset *s, pid_t pid)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].pid == pid)
			return true;
	return false;
}

static bool pset_has_session(const struct pset *s, pid_t sid)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].sid == sid && s->v[i].pid == sid)
			return true;
	return false;
}

static void pset_add(struct pset *s, const struct pstat *ps)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		struct pstat *nv = realloc(s->v, cap * sizeof(*nv));

		if (!nv)
			return;
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = *ps;
}

static bool pid_in(pid_t pid, const pid_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == pid)
			return true;
	return false;
}

/* A process running the lchatd program (title "lchatd ..." or
 * "lchatd: ..."), not a guardian or another helper of the test. */
static bool is_lchatd(pid_t pid)
{
	char t[64];

	return proc_title(pid, t, sizeof(t)) && strncmp(t, "lchatd", 6) == 0;
}

/* Add what now runs of the launches made by `root` (the test process):
 * its children running lchatd that are not foreign (the harness's
 * daemons), their descendants, and processes in sessions those created. */
static void pset_scan(struct pset *s, pid_t root, const pid_t *foreign, size_t nforeign,
		      pid_t self)
{
	size_t n;
	struct pstat *v = all_procs(&n);
	bool grew = true;

	while (grew) {
		grew = false;
		for (size_t i = 0; i < n; i++) {
			if (v[i].state == 'Z' || v[i].pid == self || pset_has(s, v[i].pid))
				continue;
			if ((v[i].ppid == root && !pid_in(v[i].pid, foreign, nforeign) &&
			     is_lchatd(v[i].pid)) ||
			    pset_has(s, v[i].ppid) || pset_has_session(s, v[i].sid)) {
				pset_add(s, &v[i]);
				grew = true;
			}
		}
	}
	free(v);
}

static bool pset_member_alive(const struct pstat *ps)
{
	struct pstat now;

	return pstat_read(ps->pid, &now) && now.start == ps->start &&
	       now.state != 'Z' && now.state != 'X';
}

static size_t pset_kill(struct pset *s, int sig)
{
	size_t alive = 0;

	for (size_t i = 0; i < s->n; i++)
		if (pset_member_alive(&s->v[i])) {
			if (sig)
				kill(s->v[i].pid, sig);
			alive++;
		}
	return alive;
}

/* ---- the guardian ------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void remove_tree(const char *dir)
{
	if (dir[0])
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void guardian_main(int fd, const struct bgd *b, pid_t test)
{
	struct pset set = { 0 };

	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		char c;
		ssize_t n;

		pset_scan(&set, test, b->foreign, b->nforeign, getpid());
		if (poll(&pfd, 1, GUARD_SCAN_MS) <= 0)
			continue;
		n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 1 && c == 'q')
			_exit(0);
		if (n == 1)
			continue;
		break;
	}
	pset_scan(&set, test, b->foreign, b->nforeign, getpid());
	for (int i = 0; i < 4; i++) {
		pset_kill(&set, SIGKILL);
		sleep_ms(20);
		pset_scan(&set, -1, NULL, 0, getpid());   /* descendants only */
	}
	if (set.n)
		fprintf(stderr, "procs: a test ended without bgd_stop(); %zu processes of "
			"its daemonized lchatd (%s) were killed\n", set.n, b->conf);
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

static bool extra_has_key(const char *extra, const char *key)
{
	size_t klen = strlen(key);

	for (const char *l = extra; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		while (*l == ' ' || *l == '\t')
			l++;
		if (strncmp(l, key, klen) == 0 &&
		    (l[klen] == ' ' || l[klen] == '\t' || l[klen] == '='))
			return true;
	}
	return false;
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
	struct group *gr = getgrgid(getegid());
	FILE *f;

	if (!gr)
		ck_abort_msg("procs: gid %d has no group entry", (int)getegid());
	f = fopen(b->conf, "w");
	if (!f)
		ck_abort_msg("procs: cannot write %s: %s", b->conf, strerror(errno));
	fprintf(f, "# written by the lchat e2e tests (procs.c)\n");
	if (!extra_has_key(extra, "socket"))
		fprintf(f, "socket = \"%s\"\n", b->sock);
	if (!extra_has_key(extra, "control_socket"))
		fprintf(f, "control_socket = \"%s\"\n", b->ctl);
	if (!extra_has_key(extra, "state_dir"))
		fprintf(f, "state_dir = \"%s\"\n", b->state);
	if (!extra_has_key(extra, "admin_group"))
		fprintf(f, "admin_group = \"%s\"\n", gr->gr_name);
	if (extra)
		fprintf(f, "%s%s", extra, extra[0] && extra[strlen(extra) - 1] != '\n' ? "\n" : "");
	if (fclose(f) != 0)
		ck_abort_msg("procs: cannot write %s", b->conf);
}

/* First launch: become a subreaper, note the children that are not ours
 * to track, start the guardian. */
static void bgd_prepare(struct bgd *b)
{
	pid_t kids[256];
	int sv[2], n;

	if (b->launched)
		return;
	b->launched = true;
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
		ck_abort_msg("procs: PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	n = proc_children(getpid(), kids, 256);
	b->foreign = xcalloc((size_t)n + 1, sizeof(pid_t));
	memcpy(b->foreign, kids, (size_t)n * sizeof(pid_t));
	b->nforeign = (size_t)n;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		ck_abort_msg("procs: socketpair: %s", strerror(errno));
	fflush(NULL);
	b->guardian = fork();
	if (b->guardian < 0)
		ck_abort_msg("procs: fork: %s", strerror(errno));
	if (b->guardian == 0) {
		pid_t test = getppid();

		setpgid(0, 0);
		if (dup2(sv[1], 3) < 0)
			_exit(1);
		close_range(4, ~0U, 0);
		guardian_main(3, b, test);
	}
	close(sv[1]);
	b->guard_fd = sv[0];
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
		if (bgd_wait_exit(b, STOP_DEADLINE_MS) == -1) {
			used += (size_t)snprintf(stop_error + used, sizeof(stop_error) - used,
						 "supervisor %d still running %d ms after SIGTERM; ",
						 (int)b->sup, STOP_DEADLINE_MS);
			kill(b->sup, SIGKILL);
			waitpid(b->sup, &b->sup_status, 0);
			b->sup_exited = true;
		} else if (!WIFEXITED(b->sup_status) || WEXITSTATUS(b->sup_status) != 0) {
			used += (size_t)snprintf(stop_error + used, sizeof(stop_error) - used,
						 "supervisor exited with %s %d; ",
						 WIFEXITED(b->sup_status) ? "status" : "signal",
						 WIFEXITED(b->sup_status) ? WEXITSTATUS(b->sup_status)
									  : WTERMSIG(b->sup_status));
		}
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
	if (b->guard_fd >= 0) {
		if (write(b->guard_fd, "q", 1) != 1)
			fprintf(stderr, "procs: the guardian is already gone\n");
		close(b->guard_fd);
		waitpid(b->guardian, NULL, 0);
	}
	remove_tree(b->dir);
	free(b->foreign);
	free(b);
	return stop_error[0] ? -1 : 0;
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

static bool line_matches(const char *line, const char *re)
{
	char *anchored;
	bool ok;

	if (asprintf(&anchored, "^(%s)", re) < 0)
		ck_abort_msg("procs: out of memory");
	ok = re_contains(line, anchored);
	free(anchored);
	return ok;
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
		int left = left_ms(deadline);
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
