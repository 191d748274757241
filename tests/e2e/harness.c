/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* harness.c - start and stop a private lchatd, talk to it, find its
 * processes. See harness.h for the contract and the clean-up design. */
#define HARNESS_INTERNAL
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "protocol.h"
#include "runcmd.h"
#include "sanitize.h"

#define START_DEADLINE_MS 10000    /* until both sockets accept */
#define STOP_DEADLINE_MS 15000     /* supervisor exit after SIGTERM */
#define TREE_DEADLINE_MS 5000      /* the rest of the tree after that */
#define WRITE_STALL_MS 10000       /* a write making no progress */
#define GUARD_SCAN_MS 100          /* guardian's /proc scan interval */
#define LOG_TAIL_BYTES 4000
#define MSG_LINE_MAX 300           /* quoted line length in failure messages */
#define MAX_DAEMONS 8

/* ---- small utilities ---------------------------------------------------- */

static const char *at_file = "?";
static int at_line;

void harness_at(const char *file, int line)
{
	const char *slash = strrchr(file, '/');

	at_file = slash ? slash + 1 : file;
	at_line = line;
}

/* Fail the current test, naming the test's line that called the harness. */
#define FAIL(fmt, ...) ck_abort_msg("%s:%d: " fmt, at_file, at_line, ##__VA_ARGS__)

int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t mono_ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ms_left(int64_t deadline)
{
	int64_t left = deadline - mono_ms_now();

	return left < 0 ? 0 : (int)left;
}

void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		FAIL("harness: out of memory");
	return p;
}

/* Strings that live until the test process exits (re_quote results). */
static char **kept;
static size_t nkept;

static const char *keep(char *s)
{
	char **v = realloc(kept, (nkept + 1) * sizeof(*v));

	if (!v)
		FAIL("harness: out of memory");
	kept = v;
	kept[nkept++] = s;
	return s;
}

const char *re_quote(const char *s)
{
	char *out = xcalloc(1, 2 * strlen(s) + 1), *o = out;

	for (; *s; s++) {
		if (strchr("\\^$.|?*+()[]{}", *s))
			*o++ = '\\';
		*o++ = *s;
	}
	*o = '\0';
	return keep(out);
}

const char *my_login(void)
{
	static char login[256];
	struct passwd *pw;

	if (!login[0]) {
		pw = getpwuid(geteuid());
		if (!pw)
			FAIL("harness: uid %d has no passwd entry", (int)geteuid());
		snprintf(login, sizeof(login), "%s", pw->pw_name);
	}
	return login;
}

/* Compile the extended regex re, anchored at the start if `anchored`. */
static void compile_re(regex_t *rx, const char *re, bool anchored)
{
	char *full = NULL;
	int rc;

	if (anchored && asprintf(&full, "^(%s)", re) < 0)
		FAIL("harness: out of memory");
	rc = regcomp(rx, full ? full : re, REG_EXTENDED | REG_NOSUB);
	free(full);
	if (rc != 0)
		FAIL("harness: bad regex /%s/", re);
}

static bool regex_matches(const char *s, const char *re, bool anchored)
{
	regex_t rx;
	bool ok;

	compile_re(&rx, re, anchored);
	ok = regexec(&rx, s, 0, NULL, 0) == 0;
	regfree(&rx);
	return ok;
}

bool re_contains(const char *s, const char *re)
{
	return regex_matches(s, re, false);
}

bool line_matches(const char *line, const char *re)
{
	return regex_matches(line, re, true);
}

/* LCHAT_BIN/prog, in one of three buffers so that the three programs'
 * paths may be held at once. */
static const char *program(int which, const char *prog)
{
	static char exe[3][PATH_MAX];
	const char *bin = getenv("LCHAT_BIN");

	snprintf(exe[which], sizeof(exe[which]), "%s/%s", bin && *bin ? bin : "build/bin", prog);
	return exe[which];
}

const char *lchatd_exe(void)
{
	return program(0, "lchatd");
}

const char *lchat_exe(void)
{
	return program(1, "lchat");
}

const char *lchat_admin_exe(void)
{
	return program(2, "lchat-admin");
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void remove_tree(const char *dir)
{
	if (dir[0])
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A line quoted for a failure message: printable, shortened. */
static const char *show(const char *line, char *buf, size_t len)
{
	size_t n = strlen(line), o = 0;

	for (size_t i = 0; i < n && o + 8 < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (o >= MSG_LINE_MAX) {
			o += (size_t)snprintf(buf + o, len - o, "...(%zu bytes)", n);
			break;
		}
		if (c < 0x20 || c == 0x7f || c == '\\')
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o < len ? o : len - 1] = '\0';
	return buf;
}

/* ---- sockets ------------------------------------------------------------ */

int sock_open_to(const char *path, struct sockaddr_un *sa, int flags)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		FAIL("harness: socket path too long: %s", path);
	strcpy(sa->sun_path, path);
	return socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);
}

int sock_connect(const char *path, int flags)
{
	struct sockaddr_un sa;
	int fd = sock_open_to(path, &sa, flags), e;

	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

bool sock_can_connect(const char *path)
{
	int fd = sock_connect(path, 0);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

void send_all(int fd, const void *bytes, size_t n, const char *who)
{
	const char *p = bytes;

	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w > 0) {
			p += w;
			n -= (size_t)w;
		} else if (w < 0 && errno == EAGAIN) {
			struct pollfd pfd = { fd, POLLOUT, 0 };

			if (poll(&pfd, 1, WRITE_STALL_MS) == 0)
				FAIL("%s: the server has not read for %d ms (%zu bytes left to send)",
				     who, WRITE_STALL_MS, n);
		} else if (w < 0 && errno != EINTR) {
			FAIL("%s: send: %s (%zu bytes unsent)", who, strerror(errno), n);
		}
	}
}

char *format_line(size_t *len, const char *fmt, va_list ap)
{
	char *line;
	int n = vasprintf(&line, fmt, ap);

	if (n < 0)
		FAIL("harness: out of memory");
	line = realloc(line, (size_t)n + 2);
	if (!line)
		FAIL("harness: out of memory");
	line[n] = '\n';
	line[n + 1] = '\0';
	*len = (size_t)n + 1;
	return line;
}

bool linesock_open(struct linesock *ls, const char *path)
{
	memset(ls, 0, sizeof(*ls));
	signal(SIGPIPE, SIG_IGN);
	ls->fd = sock_connect(path, 0);
	if (ls->fd < 0)
		return false;
	if (fcntl(ls->fd, F_SETFL, fcntl(ls->fd, F_GETFL) | O_NONBLOCK) != 0)
		FAIL("harness: fcntl: %s", strerror(errno));
	return true;
}

/* Take a whole line out of the buffer, or NULL. (What is left moves to
 * the front only before the next read: moving it after each line would
 * cost the square of a read's lines.) */
static char *linesock_split(struct linesock *ls, size_t *len)
{
	char *start = ls->len ? ls->buf + ls->off : NULL;
	char *nl = start ? memchr(start, '\n', ls->len) : NULL, *line;
	size_t n;

	if (!nl)
		return NULL;
	n = (size_t)(nl - start);
	line = xcalloc(1, n + 1);
	memcpy(line, start, n);
	ls->off += n + 1;
	ls->len -= n + 1;
	if (ls->len == 0)
		ls->off = 0;
	*len = n;
	return line;
}

char *linesock_read(struct linesock *ls, int64_t deadline, size_t *len)
{
	for (;;) {
		char *line = linesock_split(ls, len);
		struct pollfd pfd = { ls->fd, POLLIN, 0 };
		ssize_t n;

		if (line)
			return line;
		if (ls->eof)
			return NULL;
		if (ls->off > 0) {
			memmove(ls->buf, ls->buf + ls->off, ls->len);
			ls->off = 0;
		}
		if (ls->cap - ls->len < 65536) {
			char *nb = realloc(ls->buf, ls->cap + 65536);

			if (!nb)
				FAIL("harness: out of memory");
			ls->buf = nb;
			ls->cap += 65536;
		}
		n = read(ls->fd, ls->buf + ls->len, ls->cap - ls->len);
		if (n > 0) {
			ls->len += (size_t)n;
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			ls->eof = true;     /* EOF or ECONNRESET */
			continue;
		}
		if (errno == EAGAIN && poll(&pfd, 1, ms_left(deadline)) == 0)
			return NULL;
	}
}

void linesock_close(struct linesock *ls)
{
	close(ls->fd);
	free(ls->buf);
	ls->buf = NULL;
}

/* ---- the daemon's processes ---------------------------------------------- */

/* The pid that SO_PEERCRED gives for a connection to the socket at path:
 * the process that called listen() on it. 0 if no connection is made. */
static pid_t listener_pid(const char *path)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int fd = sock_connect(path, SOCK_NONBLOCK);
	pid_t pid = 0;

	if (fd >= 0 && getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
		pid = cred.pid;
	if (fd >= 0)
		close(fd);
	return pid;
}

/* The rule: the daemon is the process listening on the control socket
 * (the daemon calls listen() itself, and SO_PEERCRED of a connection names
 * the process that did), provided that it is a running child of the
 * supervisor titled "lchatd: daemon". Title and parent alone are not
 * enough: a handler that the daemon forked just before it died is also a
 * child of the supervisor (the subreaper) titled "lchatd: daemon" until it
 * dies or sets its own title, and it is in a session of its own (the dead
 * daemon's) just like a daemon. A second look a little later would only
 * make the mistake rarer, as a dying process may linger. But such a
 * handler never called listen(), so it is never named. (A daemon that was
 * just killed is still named until it is gone: a test that kills the
 * daemon waits for the next with wait_child_titled() outside the old
 * daemon's session.) The probe connection is closed at once; the daemon
 * sees a control client come and go. */
pid_t lchatd_daemon_pid(struct lchatd *d)
{
	int64_t deadline = mono_ms_now() + TC_TIMEOUT;
	char seen[512], title[64];

	for (;;) {
		pid_t pid = listener_pid(d->ctl);
		struct pstat ps;

		if (pid > 0 && pstat_read(pid, &ps) && ps.ppid == d->pid && ps.state != 'Z' &&
		    proc_title(pid, title, sizeof(title)) && strcmp(title, "lchatd: daemon") == 0)
			return pid;
		if (mono_ms_now() >= deadline) {
			find_child_titled(d->pid, "", 0, seen, sizeof(seen));   /* all of them */
			if (pid <= 0)
				FAIL("no daemon: the control socket %s does not accept connections; "
				     "the children of supervisor %d:%s", d->ctl, (int)d->pid,
				     seen[0] ? seen : " none");
			FAIL("no daemon: the control socket %s is served by process %d, which is "
			     "not a running child of supervisor %d titled 'lchatd: daemon'; "
			     "the supervisor's children:%s", d->ctl, (int)pid, (int)d->pid,
			     seen[0] ? seen : " none");
		}
		sleep_ms(10);
	}
}

pid_t lchatd_handler_pid(struct lchatd *d, const char *name)
{
	int64_t deadline = mono_ms_now() + TC_TIMEOUT;
	char title[128], seen[1024];
	pid_t daemon = lchatd_daemon_pid(d), pid;

	snprintf(title, sizeof(title), "lchatd: %s", name);
	while ((pid = find_child_titled(daemon, title, 0, seen, sizeof(seen))) == 0) {
		if (mono_ms_now() >= deadline)
			FAIL("no handler titled '%s' under daemon %d; its children:%s",
				     title, (int)daemon, seen[0] ? seen : " none");
		sleep_ms(10);
	}
	return pid;
}

/* The processes of one daemon tree: the supervisor, its descendants,
 * every process in a session that one of them created, and every process
 * whose stdout or stderr is the daemon's log. The daemon runs in a session
 * of its own (setsid() in the supervisor's middle child, which exits at
 * once), so its handlers stay findable after they are orphaned; and every
 * process of the tree writes to the log (lchatd -f keeps fds 1 and 2, the
 * daemon and its handlers keep them), so a daemon that was reparented away
 * from the supervisor before any scan saw it is still found. They are kept
 * in a struct pset (procfs.h), which tells a reused pid apart. */

/* Is sid a session that a member created? A member's session other than
 * ours is one: the harness and lchatd -f run in the test's session, and a
 * process can only inherit a session or create one. (Its leader, the
 * supervisor's short-lived middle child, is usually gone, so the leader
 * cannot be what we look for.) */
static bool set_has_session(const struct pset *s, pid_t sid)
{
	if (sid <= 0 || sid == getsid(0))
		return false;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].sid == sid)
			return true;
	return false;
}

/* Is pid's stdout or stderr the file `log` (by device and inode)? */
static bool writes_to(pid_t pid, const struct stat *log)
{
	for (int fd = 1; fd <= 2; fd++) {
		char path[64];
		struct stat st;

		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
		if (stat(path, &st) == 0 && st.st_dev == log->st_dev && st.st_ino == log->st_ino)
			return true;
	}
	return false;
}

/* Add the processes of the tree that now exist; `log` is the daemon's
 * log file (NULL: do not look for its writers). */
static void set_scan(struct pset *s, const char *log)
{
	size_t n;
	struct pstat *v = proc_list(&n);
	struct stat lst;
	bool grew = true, by_log = log && stat(log, &lst) == 0;
	pid_t self = getpid();

	for (size_t i = 0; by_log && i < n; i++)
		if (v[i].state != 'Z' && v[i].pid != self && !pset_has(s, v[i].pid) &&
		    writes_to(v[i].pid, &lst))
			pset_add(s, &v[i]);
	while (grew) {
		grew = false;
		for (size_t i = 0; i < n; i++) {
			if (v[i].state == 'Z' || pset_has(s, v[i].pid))
				continue;
			if (pset_has(s, v[i].ppid) || set_has_session(s, v[i].sid)) {
				pset_add(s, &v[i]);
				grew = true;
			}
		}
	}
	free(v);
}

/* SIGKILL the tree until a fresh scan finds nothing of it alive (at most
 * TREE_DEADLINE_MS). That scan is conclusive: a process with SIGKILL
 * pending cannot fork, so anything new since the previous round was
 * forked before its parent was killed, and a scan made after that sees
 * it. Returns how many are still alive (0: all gone). */
static size_t set_kill_all(struct pset *s, const char *log)
{
	int64_t deadline = mono_ms_now() + TREE_DEADLINE_MS;
	size_t alive;

	for (;;) {
		set_scan(s, log);
		alive = pset_kill(s, SIGKILL);
		if (alive == 0 || mono_ms_now() >= deadline)
			return alive;
		sleep_ms(10);
	}
}

/* ---- guardians and configs (shared with procs.c) -------------------------- */

pid_t guardian_fork(int *fd)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		FAIL("harness: socketpair: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		FAIL("harness: fork: %s", strerror(errno));
	if (pid == 0) {
		setpgid(0, 0);
		if (dup2(sv[1], 3) < 0)
			_exit(1);
		close_range(4, ~0U, 0);
		return 0;
	}
	close(sv[1]);
	*fd = sv[0];
	return pid;
}

void guardian_watch(int fd, void (*scan)(void *arg), void *arg)
{
	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		char c;
		ssize_t n;

		scan(arg);
		if (poll(&pfd, 1, GUARD_SCAN_MS) <= 0)
			continue;
		n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 1 && c == 'q')
			_exit(0);
		if (n == 1) {
			if (c == 's') {
				scan(arg);
				if (write(fd, "k", 1) != 1)
					_exit(1);
			}
			continue;
		}
		return;         /* EOF: the test process died */
	}
}

void guardian_release(pid_t guardian, int fd, const char *whose)
{
	if (fd < 0)
		return;
	if (write(fd, "q", 1) != 1)
		fprintf(stderr, "harness: the guardian of %s is already gone\n", whose);
	close(fd);
	waitpid(guardian, NULL, 0);
}

size_t supervisor_verdict(pid_t pid, int waited, int *status, int deadline_ms, char *err,
			  size_t errlen, size_t used)
{
	if (waited == -1) {
		used += (size_t)snprintf(err + used, errlen - used,
					 "supervisor %d still running %d ms after SIGTERM; ",
					 (int)pid, deadline_ms);
		kill(pid, SIGKILL);
		waitpid(pid, status, 0);
	} else if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
		used += (size_t)snprintf(err + used, errlen - used, "supervisor exited with %s %d; ",
					 WIFEXITED(*status) ? "status" : "signal",
					 WIFEXITED(*status) ? WEXITSTATUS(*status) : WTERMSIG(*status));
	}
	return used;
}

/* A key from extra_config ("key = value" lines; '#' comments). */
static bool config_has_key(const char *extra, const char *key)
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

void write_config_file(const char *path, const char *comment, const char *sock,
		       const char *ctl, const char *state, const char *extra)
{
	struct group *gr = getgrgid(getegid());
	FILE *f;

	if (!gr)
		FAIL("harness: gid %d has no group entry", (int)getegid());
	f = fopen(path, "w");
	if (!f)
		FAIL("harness: cannot write %s: %s", path, strerror(errno));
	fprintf(f, "# %s\n", comment);
	if (!config_has_key(extra, "socket"))
		fprintf(f, "socket = \"%s\"\n", sock);
	if (!config_has_key(extra, "control_socket"))
		fprintf(f, "control_socket = \"%s\"\n", ctl);
	if (!config_has_key(extra, "state_dir"))
		fprintf(f, "state_dir = \"%s\"\n", state);
	/* The IRC socket beside the user socket (never the default under
	 * /run/lchat, which tests running at once would share). */
	if (!config_has_key(extra, "irc_socket")) {
		const char *slash = strrchr(sock, '/');
		int dl = slash ? (int)(slash - sock) : 1;
		fprintf(f, "irc_socket = \"%.*s/irc.sock\"\n", dl, slash ? sock : ".");
	}
	if (!config_has_key(extra, "admin_group"))
		fprintf(f, "admin_group = \"%s\"\n", gr->gr_name);
	/* The rate limit is per uid, and every client of a test is the same
	 * uid: a test that does not test the limit does not meet it. */
	if (!config_has_key(extra, "rate_limit"))
		fprintf(f, "rate_limit = 100000\n");
	if (!config_has_key(extra, "rate_burst"))
		fprintf(f, "rate_burst = 100000\n");
	/* lchatd started as root drops to `user`: the tests' daemons stay
	 * whoever runs the tests unless a test names another user. */
	if (!config_has_key(extra, "user"))
		fprintf(f, "user = \"%s\"\n", my_login());
	if (extra)
		fprintf(f, "%s%s", extra, extra[0] && extra[strlen(extra) - 1] != '\n' ? "\n" : "");
	if (fclose(f) != 0)
		FAIL("harness: cannot write %s", path);
}

/* ---- starting and stopping ---------------------------------------------- */

static struct lchatd *running[MAX_DAEMONS];
/* lchatd_set_exec_hook(): run in the daemon's process just before exec. */
static void (*exec_hook)(const struct lchatd *d, void *arg);
static void *exec_hook_arg;
static char stop_error[2048];

const char *lchatd_stop_error(void)
{
	return stop_error;
}

static void dump_log_path(const char *path, const char *label)
{
	char buf[LOG_TAIL_BYTES + 1];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	off_t size;
	ssize_t n;

	if (fd < 0)
		return;
	size = lseek(fd, 0, SEEK_END);
	lseek(fd, size > LOG_TAIL_BYTES ? size - LOG_TAIL_BYTES : 0, SEEK_SET);
	n = read(fd, buf, LOG_TAIL_BYTES);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	fprintf(stderr, "---- lchatd log (%s)%s ----\n%s%s---- end of lchatd log ----\n",
		label, size > LOG_TAIL_BYTES ? ", last part" : "", buf,
		n > 0 && buf[n - 1] != '\n' ? "\n" : "");
}

void lchatd_dump_log(const struct lchatd *d)
{
	dump_log_path(d->log, d->label);
}

bool lchatd_log_has(const struct lchatd *d, const char *re, int timeout_ms)
{
	int64_t deadline = mono_ms_now() + timeout_ms;

	for (;;) {
		FILE *log = fopen(d->log, "r");
		char line[2048];
		bool found = false;

		if (!log)
			FAIL("%s: %s", d->log, strerror(errno));
		while (!found && fgets(line, sizeof(line), log))
			found = re_contains(line, re);
		fclose(log);
		if (found || ms_left(deadline) == 0)
			return found;
		sleep_ms(10);
	}
}

struct guard_scan {
	struct pset set;
	const char *log;
};

static void guard_scan(void *arg)
{
	struct guard_scan *g = arg;

	set_scan(&g->set, g->log);
}

/* The guardian. It learns the daemon tree by scanning /proc, and when its
 * socket reaches EOF without a "q" first, the test process is gone: kill
 * the tree, show the log, remove the directory. 's' asks for a scan and is
 * answered with 'k'. */
static void guardian_main(int fd, const struct lchatd *d)
{
	struct guard_scan g = { { 0 }, d->log };
	struct pstat sup;
	bool have_sup = pstat_read(d->pid, &sup);
	size_t left;

	if (have_sup)
		pset_add(&g.set, &sup);
	guardian_watch(fd, guard_scan, &g);
	/* The supervisor first, so that it starts no daemon any more (Check's
	 * killpg() may have killed it already). Then the rest, scanning again
	 * until nothing is left: a daemon it started since our last scan is
	 * found by its log and its session even though, the supervisor gone,
	 * it is no longer the supervisor's child. */
	if (have_sup && pset_member_alive(&sup))
		kill(sup.pid, SIGKILL);
	left = set_kill_all(&g.set, d->log);
	fprintf(stderr, "harness: test %s ended without stopping lchatd (supervisor %d); "
		"its processes were killed%s\n", d->label, (int)d->pid,
		left ? ", but some are still alive" : "");
	dump_log_path(d->log, d->label);
	remove_tree(d->dir);
	_exit(0);
}

static void guardian_sync(struct lchatd *d)
{
	char c;

	if (write(d->guard_fd, "s", 1) != 1 || read(d->guard_fd, &c, 1) != 1)
		FAIL("harness: the guardian process of %s is gone", d->label);
}

static void stop_leftovers(void)
{
	for (int i = 0; i < MAX_DAEMONS; i++)
		if (running[i])
			lchatd_stop(running[i]);
}

/* A readiness probe: connect, send `say` if given, and wait (until
 * deadline) for the first line or, with to_eof, for the end.
 * On the user socket, once a line came, the daemon has accepted the
 * connection and has forked its handler, if it forked one (the greeting
 * comes from the handler). On the control socket, "QUIT" and the end mean
 * the daemon has closed its side: a test that counts the daemon's
 * descriptors does not find the probe's among them.
 * 1: so; 0: no connection; -1: connected, but nothing came in time. */
static int probe_socket(const char *path, const char *say, bool to_eof, int64_t deadline)
{
	int fd = sock_connect(path, 0);
	int rc = 0;

	if (fd >= 0) {
		rc = -1;
		/* A refused connection may be closed already: its reply is read below. */
		if (say && send(fd, say, strlen(say), MSG_NOSIGNAL) < 0 && errno != EPIPE &&
		    errno != ECONNRESET)
			FAIL("probe of %s: send: %s", path, strerror(errno));
		for (;;) {
			struct pollfd pfd = { fd, POLLIN, 0 };
			char buf[512];
			ssize_t n;

			if (poll(&pfd, 1, ms_left(deadline)) <= 0)
				break;
			n = read(fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0 || (!to_eof && memchr(buf, '\n', (size_t)n))) {
				rc = 1;
				break;
			}
		}
		close(fd);
	}
	return rc;
}

/* Wait (START_DEADLINE_MS) until the daemon dmn has no children: the
 * handlers of connections that were closed (`since` says which) are gone,
 * and a test finds only its own clients' handlers. */
static void wait_childless(struct lchatd *d, pid_t dmn, const char *since)
{
	int64_t deadline = mono_ms_now() + START_DEADLINE_MS;
	int kids;

	while ((kids = count_handlers(dmn, 0)) != 0) {
		if (mono_ms_now() >= deadline) {
			lchatd_dump_log(d);
			FAIL("the daemon %d still has %d children %d ms after %s (no other client "
			     "connected)", (int)dmn, kids, START_DEADLINE_MS, since);
		}
		sleep_ms(5);
	}
}

pid_t wait_no_handlers(struct lchatd *d)
{
	pid_t dmn = lchatd_daemon_pid(d);

	wait_childless(d, dmn, "the test started it");
	return dmn;
}

struct lchatd *lchatd_start_at(const char *extra_config, const char *label)
{
	struct lchatd *d = xcalloc(1, sizeof(*d));
	char comment[160];
	int slot = -1, status;
	int64_t deadline;
	bool user_ok = false;
	static bool atexit_done;

	d->guard_fd = -1;
	snprintf(d->label, sizeof(d->label), "%s", label);
	snprintf(d->dir, sizeof(d->dir), "/tmp/lchat-e2e.XXXXXX");
	if (!mkdtemp(d->dir))
		FAIL("harness: mkdtemp: %s", strerror(errno));
	snprintf(d->conf, sizeof(d->conf), "%s/lchat.conf", d->dir);
	snprintf(d->sock, sizeof(d->sock), "%s/lchat.sock", d->dir);
	snprintf(d->ctl, sizeof(d->ctl), "%s/control.sock", d->dir);
	snprintf(d->irc, sizeof(d->irc), "%s/irc.sock", d->dir);   /* write_config_file's */
	snprintf(d->state, sizeof(d->state), "%s/state", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/lchatd.log", d->dir);
	snprintf(comment, sizeof(comment), "written by the lchat e2e harness for %s", d->label);
	write_config_file(d->conf, comment, d->sock, d->ctl, d->state, extra_config);
	signal(SIGPIPE, SIG_IGN);

	for (int i = 0; i < MAX_DAEMONS; i++)
		if (!running[i]) {
			slot = i;
			break;
		}
	if (slot < 0)
		FAIL("harness: more than %d daemons at once", MAX_DAEMONS);
	if (!atexit_done) {
		atexit(stop_leftovers);
		atexit_done = true;
	}

	d->pid = fork();
	if (d->pid < 0)
		FAIL("harness: fork: %s", strerror(errno));
	if (d->pid == 0) {
		int log = open(d->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		sigset_t none;

		if (log < 0 || null < 0 || dup2(null, 0) < 0 || dup2(log, 1) < 0 ||
		    dup2(log, 2) < 0)
			_exit(126);
		signal(SIGPIPE, SIG_DFL);     /* the test ignores it; lchatd must not inherit that */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (exec_hook)
			exec_hook(d, exec_hook_arg);
		execl(lchatd_exe(), "lchatd", "-f", "-c", d->conf, (char *)NULL);
		fprintf(stderr, "harness: cannot run %s: %s\n", lchatd_exe(), strerror(errno));
		_exit(127);
	}
	running[slot] = d;

	d->guardian = guardian_fork(&d->guard_fd);
	if (d->guardian == 0)
		guardian_main(3, d);

	deadline = mono_ms_now() + START_DEADLINE_MS;
	for (;;) {
		if (!user_ok) {
			int probe = probe_socket(d->sock, NULL, false, deadline);

			if (probe < 0) {
				lchatd_dump_log(d);
				FAIL("lchatd's user socket accepted a connection but sent nothing "
				     "within %d ms", START_DEADLINE_MS);
			}
			user_ok = probe > 0;
		}
		if (user_ok) {
			int probe = probe_socket(d->ctl, "QUIT\n", true, deadline);

			if (probe < 0) {
				lchatd_dump_log(d);
				FAIL("lchatd's control socket did not close the connection after QUIT "
				     "within %d ms", START_DEADLINE_MS);
			}
			if (probe > 0)
				break;
		}
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			lchatd_dump_log(d);
			FAIL("lchatd -f exited before its sockets accepted connections "
				     "(status 0x%x); see its log above", status);
		}
		if (mono_ms_now() >= deadline) {
			lchatd_dump_log(d);
			FAIL("lchatd's sockets did not accept connections within %d ms",
				     START_DEADLINE_MS);
		}
		sleep_ms(10);
	}
	/* The probe's handler has been forked (it sent the greeting, or the
	 * connection was refused without one): wait until the daemon has
	 * reaped it. */
	wait_childless(d, lchatd_daemon_pid(d), "the readiness probe closed its connection");
	guardian_sync(d);
	return d;
}

static struct pset *tree_of(struct lchatd *d)
{
	if (!d->tree)
		d->tree = xcalloc(1, sizeof(*d->tree));
	if (!d->exited && d->tree->n == 0) {
		struct pstat sup;

		if (pstat_read(d->pid, &sup))
			pset_add(d->tree, &sup);
	}
	set_scan(d->tree, d->log);
	return d->tree;
}

void lchatd_signal(struct lchatd *d, int sig)
{
	tree_of(d);
	if (!d->exited)
		kill(d->pid, sig);
}

int lchatd_wait_exit(struct lchatd *d, int timeout_ms)
{
	int64_t deadline = mono_ms_now() + timeout_ms;

	while (!d->exited) {
		pid_t r = waitpid(d->pid, &d->status, WNOHANG);

		if (r == d->pid) {
			d->exited = true;
		} else if (r < 0 && errno != EINTR) {
			FAIL("harness: waitpid(%d): %s", (int)d->pid, strerror(errno));
		} else if (mono_ms_now() >= deadline) {
			return -1;
		} else {
			sleep_ms(10);
		}
	}
	return d->status;
}

/* Sanitizer reports from any process of the tree end up in the log. */
static size_t scan_log_for_sanitizers(const struct lchatd *d, size_t used)
{
	static const char *const marks[] = {
		"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
		"WARNING: AddressSanitizer",
	};
	FILE *f = fopen(d->log, "r");
	char line[1024];

	if (!f)
		return used;
	while (fgets(line, sizeof(line), f))
		for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
			if (strstr(line, marks[i]) && used < sizeof(stop_error))
				used += (size_t)snprintf(stop_error + used, sizeof(stop_error) - used,
							 "sanitizer report in the log: %s", line);
	fclose(f);
	return used;
}

int lchatd_stop(struct lchatd *d)
{
	struct pset *set;
	int64_t deadline;
	size_t used = 0;
	int waited;

	stop_error[0] = '\0';
	if (!d)
		return 0;
	if (!d->exited)
		lchatd_signal(d, SIGTERM);
	waited = lchatd_wait_exit(d, STOP_DEADLINE_MS);
	used = supervisor_verdict(d->pid, waited, &d->status, STOP_DEADLINE_MS, stop_error,
				  sizeof(stop_error), used);
	d->exited = true;

	/* Everything else in the tree must go away on its own. */
	set = tree_of(d);
	deadline = mono_ms_now() + TREE_DEADLINE_MS;
	while (pset_kill(set, 0) > 0 && mono_ms_now() < deadline)
		sleep_ms(10);
	for (size_t i = 0; i < set->n; i++) {
		char title[128] = "?";

		if (!pset_member_alive(&set->v[i]) || used >= sizeof(stop_error))
			continue;
		proc_title(set->v[i].pid, title, sizeof(title));
		used += (size_t)snprintf(stop_error + used, sizeof(stop_error) - used,
					 "left behind: %d '%s'; ", (int)set->v[i].pid, title);
	}
	set_kill_all(set, d->log);
	free(set->v);
	free(set);
	used = scan_log_for_sanitizers(d, used);

	guardian_release(d->guardian, d->guard_fd, d->label);
	if (stop_error[0])
		lchatd_dump_log(d);
	remove_tree(d->dir);
	for (int i = 0; i < MAX_DAEMONS; i++)
		if (running[i] == d)
			running[i] = NULL;
	free(d);
	return stop_error[0] ? -1 : 0;
}

void lchatd_stop_ok(struct lchatd *d)
{
	if (lchatd_stop(d) != 0)
		FAIL("lchatd did not stop cleanly: %s", stop_error);
}

/* ---- clients -------------------------------------------------------------- */

struct tclient {
	struct linesock ls;        /* the socket, bytes received, not yet split */
	char label[96];
	char login[64];
	long max_line;
	char **pending;            /* lines read ahead (tc_join, tc_eof) */
	size_t npending;
	char *cur;                 /* the line last returned */
	bool skip_history;         /* drop MOTD and events below join_seq */
	bool irc;                  /* on the IRC socket: CR LF lines, IRC's form */
	uint64_t join_seq;
	unsigned barrier;
};

/* Open clients stay reachable from here, so a test that ends without
 * tc_close() is not reported as a leak by the sanitizer build. */
static struct tclient **clients;
static size_t nclients;

static void track_client(struct tclient *tc, bool add)
{
	if (add) {
		struct tclient **v = realloc(clients, (nclients + 1) * sizeof(*v));

		if (!v)
			FAIL("harness: out of memory");
		clients = v;
		clients[nclients++] = tc;
		return;
	}
	for (size_t i = 0; i < nclients; i++)
		if (clients[i] == tc) {
			clients[i] = clients[--nclients];
			return;
		}
}

const char *tc_login(const struct tclient *tc)
{
	return tc->login;
}

long tc_max_line(const struct tclient *tc)
{
	return tc->max_line;
}

const char *tc_name(const struct tclient *tc)
{
	return tc->label;
}

void tc_set_label(struct tclient *tc, const char *label)
{
	snprintf(tc->label, sizeof(tc->label), "%s", label);
}

static struct tclient *tc_open(const char *path, const char *label)
{
	static unsigned count;
	struct tclient *tc = xcalloc(1, sizeof(*tc));

	snprintf(tc->label, sizeof(tc->label), "%s#%u", label, ++count);
	tc->max_line = 1024;
	if (!linesock_open(&tc->ls, path))
		FAIL("%s: cannot connect to %s: %s", tc->label, path, strerror(errno));
	track_client(tc, true);
	return tc;
}

void tc_close(struct tclient *tc)
{
	if (!tc)
		return;
	track_client(tc, false);
	linesock_close(&tc->ls);
	for (size_t i = 0; i < tc->npending; i++)
		free(tc->pending[i]);
	free(tc->pending);
	free(tc->cur);
	free(tc);
}

/* Every line the server sends must be well-formed: short enough, valid
 * UTF-8 without forbidden characters, and understood by the protocol
 * module's parser. */
static void check_server_line(struct tclient *tc, const char *line, size_t len)
{
	struct server_line sl;
	char shown[MSG_LINE_MAX + 64];
	size_t bad = 0;

	if ((long)len > tc->max_line + PROTO_OVERHEAD)
		FAIL("%s: server line of %zu bytes exceeds max_line + %d = %ld: '%s'",
			     tc->label, len, PROTO_OVERHEAD, tc->max_line + PROTO_OVERHEAD,
			     show(line, shown, sizeof(shown)));
	if (text_check(line, len, &bad) != TEXT_OK)
		FAIL("%s: server line has bad UTF-8 or a forbidden character at byte %zu: '%s'",
			     tc->label, bad, show(line, shown, sizeof(shown)));
	if (strncmp(line, "HELLO ", 6) != 0 && !proto_parse_server_line(line, len, &sl))
		FAIL("%s: proto_parse_server_line() rejects server line '%s'",
			     tc->label, show(line, shown, sizeof(shown)));
}

/* Drop MOTD lines and history after tc_join()? */
static bool is_skipped_history(const struct tclient *tc, const char *line)
{
	struct server_line sl;

	if (!tc->skip_history)
		return false;
	if (strncmp(line, "MOTD", 4) == 0 && (line[4] == ' ' || line[4] == '\0'))
		return true;
	return proto_parse_server_line(line, strlen(line), &sl) &&
	       sl.type == SL_EVENT && sl.seq < tc->join_seq;
}

/* The next line, or NULL on timeout (eof false) or end of stream (eof true).
 * Sets tc->cur. */
static const char *read_line(struct tclient *tc, int64_t deadline)
{
	char *line;
	size_t n;

	free(tc->cur);
	tc->cur = NULL;
	if (tc->npending) {
		tc->cur = tc->pending[0];
		memmove(tc->pending, tc->pending + 1, --tc->npending * sizeof(*tc->pending));
		return tc->cur;
	}
	while ((line = linesock_read(&tc->ls, deadline, &n)) != NULL) {
		if (memchr(line, '\0', n))
			FAIL("%s: server line contains a NUL byte", tc->label);
		if (tc->irc) {
			/* IRC: every line ends in CR LF, and is read without it. */
			if (n == 0 || line[n - 1] != '\r')
				FAIL("%s: IRC line without CR LF: '%s'", tc->label, line);
			line[--n] = '\0';
			if (n > 0 && memchr(line, '\r', n))
				FAIL("%s: IRC line with a CR inside: '%s'", tc->label, line);
			return tc->cur = line;
		}
		check_server_line(tc, line, n);
		if (!is_skipped_history(tc, line))
			return tc->cur = line;
		free(line);
	}
	return NULL;
}

static void abort_no_line(struct tclient *tc, const char *re, int timeout_ms,
			  const char *skipped)
{
	if (tc->ls.eof)
		FAIL("%s: connection closed while waiting for /%s/%s%s%s",
			     tc->label, re, tc->ls.len ? " (a partial line was left)" : "",
			     skipped ? "; skipped:" : "", skipped ? skipped : "");
	FAIL("%s: nothing matching /%s/ within %d ms%s%s", tc->label, re,
		     timeout_ms, skipped ? "; skipped:" : "", skipped ? skipped : "");
}

const char *tc_expect(struct tclient *tc, const char *re, int timeout_ms)
{
	int64_t deadline = mono_ms_now() + timeout_ms;
	char shown[MSG_LINE_MAX + 64];
	const char *line;
	regex_t rx;
	bool ok;

	compile_re(&rx, re, true);
	line = read_line(tc, deadline);
	if (!line) {
		regfree(&rx);
		abort_no_line(tc, re, timeout_ms, NULL);
	}
	ok = regexec(&rx, line, 0, NULL, 0) == 0;
	regfree(&rx);
	if (!ok)
		FAIL("%s: expected /%s/, got '%s'", tc->label, re,
			     show(line, shown, sizeof(shown)));
	return line;
}

const char *tc_expectf(struct tclient *tc, int timeout_ms, const char *fmt, ...)
{
	va_list ap;
	char *re;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&re, fmt, ap);
	va_end(ap);
	if (rc < 0)
		FAIL("harness: out of memory");
	keep(re);
	return tc_expect(tc, re, timeout_ms);
}

const char *tc_expect_skip(struct tclient *tc, const char *re, int timeout_ms)
{
	int64_t deadline = mono_ms_now() + timeout_ms;
	char skipped[4 * (MSG_LINE_MAX + 80)] = "", shown[MSG_LINE_MAX + 64];
	unsigned nskipped = 0;
	const char *line;
	regex_t rx;

	compile_re(&rx, re, true);
	while ((line = read_line(tc, deadline)) != NULL) {
		size_t used = strlen(skipped);

		if (regexec(&rx, line, 0, NULL, 0) == 0) {
			regfree(&rx);
			return line;
		}
		if (++nskipped <= 3)
			snprintf(skipped + used, sizeof(skipped) - used, " '%s'",
				 show(line, shown, sizeof(shown)));
		else if (nskipped == 4)
			snprintf(skipped + used, sizeof(skipped) - used, " ...");
	}
	regfree(&rx);
	abort_no_line(tc, re, timeout_ms, nskipped ? skipped : NULL);
	return NULL;
}

const char *tc_expect_past_events(struct tclient *tc, const char *re, int timeout_ms)
{
	char *either;

	if (asprintf(&either, "EV |%s", re) < 0)
		FAIL("harness: out of memory");
	keep(either);
	for (;;) {
		const char *line = tc_expect(tc, either, timeout_ms);

		if (strncmp(line, "EV ", 3) != 0)
			return line;
	}
}

uint64_t tc_ack(struct tclient *tc, const char *verb)
{
	char re[64];

	snprintf(re, sizeof(re), "OK %s [0-9]+$", verb);
	return line_seq(tc_expect_past_events(tc, re, TC_TIMEOUT));
}

void tc_send_raw(struct tclient *tc, const void *bytes, size_t n)
{
	send_all(tc->ls.fd, bytes, n, tc->label);
}

void tc_send(struct tclient *tc, const char *fmt, ...)
{
	va_list ap;
	char *line;
	size_t len;

	va_start(ap, fmt);
	line = format_line(&len, fmt, ap);
	va_end(ap);
	send_all(tc->ls.fd, line, len, tc->label);
	free(line);
}

void tc_expect_silence(struct tclient *tc)
{
	unsigned n = ++tc->barrier;

	tc_send(tc, "PING barrier-%u", n);
	if (tc->irc)
		tc_expectf(tc, TC_TIMEOUT, ":lchat PONG lchat :barrier-%u$", n);
	else
		tc_expectf(tc, TC_TIMEOUT, "PONG barrier-%u$", n);
}

bool tc_eof(struct tclient *tc, int timeout_ms)
{
	const char *line = read_line(tc, mono_ms_now() + timeout_ms);

	if (line) {
		/* Keep it for the next read. */
		char **v = realloc(tc->pending, (tc->npending + 1) * sizeof(*v));

		if (!v)
			FAIL("harness: out of memory");
		tc->pending = v;
		memmove(v + 1, v, tc->npending * sizeof(*v));
		v[0] = tc->cur;
		tc->npending++;
		tc->cur = NULL;
		return false;
	}
	return tc->ls.eof && tc->ls.len == 0;
}

void tc_expect_eof(struct tclient *tc, int timeout_ms)
{
	const char *line = read_line(tc, mono_ms_now() + timeout_ms);
	char shown[MSG_LINE_MAX + 64];

	if (line)
		FAIL("%s: expected the server to close, got '%s'", tc->label,
			     show(line, shown, sizeof(shown)));
	if (!tc->ls.eof)
		FAIL("%s: the server did not close the connection within %d ms",
			     tc->label, timeout_ms);
	if (tc->ls.len)
		FAIL("%s: the server closed after a partial line of %zu bytes",
			     tc->label, tc->ls.len);
}

void tc_expect_shutdown(struct tclient *tc)
{
	tc_expect(tc, "EV [0-9]+ [0-9]+ NOTICE server is shutting down$", TC_TIMEOUT);
	tc_expect(tc, "BYE shutdown( |$)", TC_TIMEOUT);
	tc_expect_eof(tc, TC_TIMEOUT);
}

static struct tclient *connect_hello(const char *path, const char *label, const char *re)
{
	struct tclient *tc = tc_open(path, label);
	const char *hello = tc_expect(tc, re, TC_TIMEOUT);
	const char *p;

	if ((p = strstr(hello, " login=")) != NULL)
		snprintf(tc->login, sizeof(tc->login), "%.*s",
			 (int)strcspn(p + 7, " "), p + 7);
	if ((p = strstr(hello, " max_line=")) != NULL)
		tc->max_line = strtol(p + 10, NULL, 10);
	return tc;
}

struct tclient *tc_connect(const char *sockpath)
{
	struct tclient *tc = connect_hello(sockpath, "user",
					   "HELLO lchat/1 [^ ]+( [a-z_]+=[^ ]*)*$");

	if (!tc->login[0] || tc->max_line <= 0)
		FAIL("%s: HELLO without login= or max_line=", tc->label);
	return tc;
}

struct tclient *tc_connect_irc(const char *sockpath)
{
	struct tclient *tc = tc_open(sockpath, "irc");

	tc->irc = true;
	return tc;
}

void tc_irc_register(struct tclient *tc, const char *nick)
{
	tc_send(tc, "NICK %s\r", nick);
	tc_send(tc, "USER %s 0 * :%s\r", nick, nick);
	tc_expectf(tc, TC_TIMEOUT, ":lchat 001 %s ", re_quote(nick));
	tc_expect_skip(tc, ":lchat 366 ", TC_TIMEOUT);
	/* The backlog follows, then the PONG (due after it). */
	tc_send(tc, "PING registered");
	tc_expect_skip(tc, ":lchat PONG lchat :registered$", TC_TIMEOUT);
	snprintf(tc->login, sizeof(tc->login), "%s", nick);
	tc_set_label(tc, nick);
}

/* Send fd over the Unix socket s (SCM_RIGHTS). */
int send_fd(int s, int fd)
{
	char byte = 'f';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	memset(u.buf, 0, sizeof(u.buf));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	for (;;) {
		ssize_t r = sendmsg(s, &msg, MSG_NOSIGNAL);
		if (r == 1)
			return 0;
		if (r < 0 && errno == EINTR)
			continue;
		return -1;
	}
}

/* Receive a descriptor from s, or -1. */
int recv_fd(int s)
{
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	int fd = -1;
	ssize_t r;

	while ((r = recvmsg(s, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	if (r != 1)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static struct tclient *connect_uid(const char *dir, const char *sockpath, uid_t uid, bool irc)
{
	int sp[2], status, fd;
	pid_t pid;

	/* The test's directory must let the other uid reach the socket. */
	if (chmod(dir, 0711) < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		FAIL("harness: chmod or socketpair: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		FAIL("harness: fork: %s", strerror(errno));
	if (pid == 0) {
		close(sp[0]);
		if (become_uid(uid) < 0)
			_exit(2);
		fd = sock_connect(sockpath, 0);
		_exit(fd >= 0 && send_fd(sp[1], fd) == 0 ? 0 : 3);
	}
	close(sp[1]);
	fd = recv_fd(sp[0]);
	close(sp[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    fd < 0)
		FAIL("harness: connecting as uid %u failed (status %d)", (unsigned)uid, status);
	struct tclient *tc = xcalloc(1, sizeof(*tc));
	static unsigned count;
	snprintf(tc->label, sizeof(tc->label), "uid%u#%u", (unsigned)uid, ++count);
	tc->max_line = 1024;
	tc->ls.fd = fd;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0)
		FAIL("harness: fcntl: %s", strerror(errno));
	track_client(tc, true);
	tc->irc = irc;
	if (irc)
		return tc;
	const char *hello = tc_expect(tc, "HELLO lchat/1 [^ ]+( [a-z_]+=[^ ]*)*$", TC_TIMEOUT);
	const char *p = strstr(hello, " login=");
	if (p)
		snprintf(tc->login, sizeof(tc->login), "%.*s", (int)strcspn(p + 7, " "), p + 7);
	return tc;
}

struct tclient *tc_connect_uid(const char *dir, const char *sockpath, uid_t uid)
{
	return connect_uid(dir, sockpath, uid, false);
}

struct tclient *tc_connect_irc_uid(const char *dir, const char *sockpath, uid_t uid)
{
	return connect_uid(dir, sockpath, uid, true);
}

struct tclient *ctl_connect(const char *sockpath)
{
	return connect_hello(sockpath, "control",
			     "HELLO lchat-control/1 [^ ]+( [a-z_]+=[^ ]*)*$");
}

uint64_t tc_join(struct tclient *tc, const char *name)
{
	char shown[MSG_LINE_MAX + 64];
	const char *line;
	unsigned n;
	size_t len;
	char *reply_name;

	if (name)
		tc_send(tc, "JOIN %s", name);
	else
		tc_send(tc, "JOIN");
	line = tc_expect(tc, "OK JOIN [^ ]+ [0-9]+$", TC_TIMEOUT);
	len = strcspn(line + 8, " ");
	reply_name = strndup(line + 8, len);
	if (!reply_name)
		FAIL("harness: out of memory");
	if (name && strcasecmp(reply_name, name) != 0)
		FAIL("%s: JOIN %s answered with '%s'", tc->label, name,
			     show(line, shown, sizeof(shown)));
	snprintf(tc->label, sizeof(tc->label), "%s", reply_name);
	free(reply_name);
	tc->join_seq = line_seq(line);
	tc->skip_history = true;

	/* MOTD and history up to a barrier; keep live events. Lines already
	 * read ahead are set aside first, or read_line() would hand the same
	 * kept line back forever. */
	char **aside = tc->pending;
	size_t naside = tc->npending;

	tc->pending = NULL;
	tc->npending = 0;
	n = ++tc->barrier;
	tc_send(tc, "PING barrier-%u", n);
	for (;;) {
		char want[64];

		line = read_line(tc, mono_ms_now() + TC_TIMEOUT);
		if (!line)
			abort_no_line(tc, "PONG barrier (after JOIN)", TC_TIMEOUT, NULL);
		snprintf(want, sizeof(want), "PONG barrier-%u", n);
		if (strcmp(line, want) == 0)
			break;
		char **v = realloc(aside, (naside + 1) * sizeof(*v));
		if (!v)
			FAIL("harness: out of memory");
		aside = v;
		aside[naside++] = tc->cur;
		tc->cur = NULL;
	}
	tc->pending = aside;
	tc->npending = naside;
	return tc->join_seq;
}

struct tclient *tc_join_proto2(struct lchatd *d, uid_t uid, const char *name)
{
	struct tclient *tc = uid ? tc_connect_uid(d->dir, d->sock, uid) : tc_connect(d->sock);
	tc_send(tc, "PROTO 2");
	tc_expect(tc, "OK PROTO 2$", TC_TIMEOUT);
	tc_join(tc, name);
	return tc;
}

/* ---- parsing helpers -------------------------------------------------- */

uint64_t line_seq(const char *line)
{
	char shown[MSG_LINE_MAX + 64];
	struct server_line sl;
	uint64_t seq;

	if (!proto_parse_server_line(line, strlen(line), &sl))
		FAIL("cannot parse server line '%s'", show(line, shown, sizeof(shown)));
	if (sl.type == SL_EVENT)
		return sl.seq;
	if (sl.type == SL_OK && sl.rest && sl.rest_len > 0) {
		const char *last = sl.rest + sl.rest_len;

		while (last > sl.rest && last[-1] != ' ')
			last--;
		if (proto_parse_u64(last, (size_t)(sl.rest + sl.rest_len - last), &seq))
			return seq;
	}
	FAIL("no sequence number in '%s'", show(line, shown, sizeof(shown)));
	return 0;
}

int64_t line_ms(const char *line)
{
	char shown[MSG_LINE_MAX + 64];
	struct server_line sl;

	if (!proto_parse_server_line(line, strlen(line), &sl) || sl.type != SL_EVENT)
		FAIL("not an event line: '%s'", show(line, shown, sizeof(shown)));
	return sl.ms;
}

/* ---- running a suite ------------------------------------------------------ */

/* The parent of pid in the process table v[n], 0 if pid is not there. */
static pid_t parent_in(const struct pstat *v, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].pid == pid)
			return v[i].ppid;
	return 0;
}

/* Is pid one of ours (a descendant of this process)? */
static bool is_descendant(const struct pstat *v, size_t n, pid_t pid, pid_t root)
{
	for (int depth = 0; depth < 64 && pid > 1; depth++) {
		pid_t parent = parent_in(v, n, pid);

		if (parent == root)
			return true;
		pid = parent;
	}
	return false;
}

/* Is pid, or one of its ancestors below root, an lchatd process? */
static bool below_lchatd(const struct pstat *v, size_t n, pid_t pid, pid_t root)
{
	for (int depth = 0; depth < 64 && pid > 1 && pid != root; depth++) {
		if (proc_is_lchatd(pid))
			return true;
		pid = parent_in(v, n, pid);
	}
	return false;
}

/* SIGKILL our descendants that are lchatd processes or run below one (or,
 * with all, every descendant). Each is reported once; returns how many
 * were reported now. */
static int kill_leftovers(bool all)
{
	static struct pstat told[256];
	static size_t ntold;
	size_t n;
	struct pstat *v = proc_list(&n);
	pid_t self = getpid();
	int reported = 0;

	for (size_t i = 0; i < n; i++) {
		char title[128] = "?";
		bool known = false;

		if (v[i].state == 'Z' || v[i].pid == self || !is_descendant(v, n, v[i].pid, self))
			continue;
		if (!all && !below_lchatd(v, n, v[i].pid, self))
			continue;
		kill(v[i].pid, SIGKILL);
		for (size_t k = 0; k < ntold && !known; k++)
			known = told[k].pid == v[i].pid && told[k].start == v[i].start;
		if (known)
			continue;
		if (ntold < sizeof(told) / sizeof(told[0]))
			told[ntold++] = v[i];
		proc_title(v[i].pid, title, sizeof(title));
		fprintf(stderr, "harness: killing left-over process %d '%s' (parent %d)\n",
			(int)v[i].pid, title, (int)v[i].ppid);
		reported++;
	}
	free(v);
	return reported;
}

Suite *harness_suite(const char *name, const struct harness_case *cases, size_t n)
{
	Suite *s = suite_create(name);

	for (size_t i = 0; i < n; i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_set_timeout(tc, cases[i].timeout);
		tcase_add_test(tc, cases[i].test);
		suite_add_tcase(s, tc);
	}
	return s;
}

int harness_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int64_t deadline, give_up;
	int failed;

	/* Orphans of our tests (a daemon whose supervisor was killed, a
	 * finished guardian) come to us, not to init. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);

	/* Reap them, without ever blocking: guardians finish on their own;
	 * after TREE_DEADLINE_MS, lchatd processes left over and whatever runs
	 * below them are killed (again and again: a leftover supervisor's
	 * daemon comes to us when the supervisor dies); after twice that,
	 * everything, and we stop waiting. */
	deadline = mono_ms_now() + TREE_DEADLINE_MS;
	give_up = deadline + TREE_DEADLINE_MS;
	for (;;) {
		pid_t r = waitpid(-1, NULL, WNOHANG);
		int64_t now = mono_ms_now();

		if (r > 0 || (r < 0 && errno == EINTR))
			continue;
		if (r < 0)
			break;          /* ECHILD: all reaped */
		if (now >= give_up) {
			failed += kill_leftovers(true);
			fprintf(stderr, "harness: gave up waiting for left-over processes\n");
			failed++;
			break;
		}
		if (now >= deadline)
			failed += kill_leftovers(false);
		sleep_ms(20);
	}
	return failed ? 1 : 0;
}

/* ---- starting lchatd otherwise ------------------------------------------- */

void lchatd_set_exec_hook(void (*hook)(const struct lchatd *d, void *arg), void *arg)
{
	exec_hook = hook;
	exec_hook_arg = arg;
}

int asan_options_add(const char *opt)
{
	const char *asan = getenv("ASAN_OPTIONS");
	char opts[1024];

	snprintf(opts, sizeof(opts), "%s%s%s", asan ? asan : "", asan && *asan ? ":" : "", opt);
	return setenv("ASAN_OPTIONS", opts, 1);
}
