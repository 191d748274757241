/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* tmux.c - a private tmux server for the client tests (see tmux.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fakesrv.h"
#include "harness.h"
#include "tmux.h"

struct tmux {
	char sock[PATH_MAX];
	pid_t server;
	pid_t guardian;
	int guard_fd;
};

/* Run tmux -S sock -f /dev/null ARGS...; its stdout is returned (free()
 * it) when out is true. The test fails if tmux fails. */
static char *tmux_run(struct tmux *t, bool out, const char *const *args)
{
	const char *argv[32];
	int n = 0, pfd[2], status;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	pid_t pid;

	argv[n++] = "tmux";
	argv[n++] = "-S";
	argv[n++] = t->sock;
	argv[n++] = "-f";
	argv[n++] = "/dev/null";
	for (int i = 0; args[i] && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		ck_abort_msg("pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		ck_abort_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		sigset_t none;

		/* The server forks from this process: give it a clean signal
		 * state (the harness blocks or ignores some), or it may never
		 * hear SIGCHLD and reap the programs in its windows. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		dup2(pfd[1], 1);
		execvp("tmux", (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		ssize_t r;

		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
		r = read(pfd[0], buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		ck_abort_msg("tmux %s %s failed (status 0x%x): %.*s", args[0],
			     args[1] ? args[1] : "", status, (int)len, buf ? buf : "");
	if (!out) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

#define TMUX(t, out, ...) tmux_run((t), (out), (const char *const[]){ __VA_ARGS__, NULL })

/* The guardian: when the test process is gone, the server goes too. */
static void no_scan(void *arg)
{
	(void)arg;
}

struct tmux *tmux_start(const char *dir)
{
	struct tmux *t = xcalloc(1, sizeof(*t));
	char geo_x[16], geo_y[16], *pid;

	snprintf(t->sock, sizeof(t->sock), "%s/tmux.sock", dir);
	snprintf(geo_x, sizeof(geo_x), "%d", TMUX_COLS);
	snprintf(geo_y, sizeof(geo_y), "%d", TMUX_ROWS);
	TMUX(t, false, "new-session", "-d", "-x", geo_x, "-y", geo_y, "-s", "t", "-n", "idle",
	     "exec cat");
	pid = TMUX(t, true, "display", "-p", "-t", "t", "#{pid}");
	t->server = (pid_t)atoi(pid);
	free(pid);
	ck_assert_msg(t->server > 1, "no tmux server pid");
	t->guardian = guardian_fork(&t->guard_fd);
	if (t->guardian == 0) {
		guardian_watch(3, no_scan, NULL);
		kill(t->server, SIGKILL);
		_exit(0);
	}
	TMUX(t, false, "set-option", "-g", "remain-on-exit", "on");
	TMUX(t, false, "set-option", "-g", "history-limit", "0");
	return t;
}

void tmux_window(struct tmux *t, const char *name, const char *cmd)
{
	char line[4096];

	snprintf(line, sizeof(line), "exec env -u NO_COLOR -u LCHAT_SOCKET TERM=xterm-256color "
		 "LANG=C.UTF-8 LC_ALL=C.UTF-8 %s", cmd);
	TMUX(t, false, "new-window", "-d", "-t", "t", "-n", name, line);
}

void tmux_lchat(struct tmux *t, const char *name, const char *sock, const char *extra)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "%s -s %s -n %s %s", lchat_exe(), sock, name, extra ? extra : "");
	tmux_window(t, name, cmd);
}

static const char *target(const char *win, char *buf, size_t cap)
{
	snprintf(buf, cap, "t:%s", win);
	return buf;
}

void tmux_type(struct tmux *t, const char *win, const char *text)
{
	char tg[64];

	TMUX(t, false, "send-keys", "-t", target(win, tg, sizeof(tg)), "-l", text);
}

/* Bytes the process has read so far (rchar of /proc/PID/io), or -1. */
static long long read_count(pid_t pid)
{
	char path[64], line[128];
	long long n = -1;

	snprintf(path, sizeof(path), "/proc/%d/io", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "rchar: %lld", &n) == 1)
			break;
	fclose(f);
	return n;
}

void tmux_type_read(struct tmux *t, const char *win, const char *text, int timeout_ms)
{
	char tg[64];
	pid_t pid = tmux_pane_pid(t, win);
	char *tty = TMUX(t, true, "display", "-p", "-t", target(win, tg, sizeof(tg)), "#{pane_tty}");
	tty[strcspn(tty, "\n")] = '\0';
	int fd = open(tty, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "%s: %s", tty, strerror(errno));
	long long before = read_count(pid);
	ck_assert_msg(before >= 0, "no /proc/%d/io", (int)pid);

	tmux_type(t, win, text);
	int64_t deadline = mono_ms_now() + timeout_ms;
	for (;;) {
		int queued = -1;
		if (read_count(pid) - before >= (long long)strlen(text) &&
		    ioctl(fd, FIONREAD, &queued) == 0 && queued == 0)
			break;
		ck_assert_msg(mono_ms_now() < deadline, "%s: %zu typed bytes not read within %d ms",
			      win, strlen(text), timeout_ms);
		sleep_ms(5);
	}
	close(fd);
	free(tty);
}

void tmux_key(struct tmux *t, const char *win, const char *key)
{
	char tg[64];

	TMUX(t, false, "send-keys", "-t", target(win, tg, sizeof(tg)), key);
}

void tmux_enter(struct tmux *t, const char *win, const char *text)
{
	tmux_type(t, win, text);
	tmux_key(t, win, "Enter");
}

void tmux_paste(struct tmux *t, const char *win, const char *text)
{
	char tg[64];

	TMUX(t, false, "set-buffer", "-b", "lchat-test", "--", text);
	TMUX(t, false, "paste-buffer", "-p", "-d", "-b", "lchat-test", "-t",
	     target(win, tg, sizeof(tg)));
}

char *tmux_screen(struct tmux *t, const char *win)
{
	char tg[64];

	return TMUX(t, true, "capture-pane", "-p", "-t", target(win, tg, sizeof(tg)));
}

char *tmux_screen_escapes(struct tmux *t, const char *win)
{
	char tg[64];

	return TMUX(t, true, "capture-pane", "-p", "-e", "-t", target(win, tg, sizeof(tg)));
}

static int count_matches(const char *screen, const char *re)
{
	regex_t rx;
	regmatch_t m;
	const char *p = screen;
	int n = 0;

	ck_assert_msg(regcomp(&rx, re, REG_EXTENDED | REG_NEWLINE) == 0, "bad regex %s", re);
	while (*p && regexec(&rx, p, 1, &m, 0) == 0) {
		const char *nl;

		n++;
		nl = strchr(p + m.rm_so, '\n');
		if (!nl)
			break;
		p = nl + 1;	/* one match per line */
	}
	regfree(&rx);
	return n;
}

int tmux_count(struct tmux *t, const char *win, const char *re)
{
	char *s = tmux_screen(t, win);
	int n = count_matches(s, re);

	free(s);
	return n;
}

void tmux_wait(struct tmux *t, const char *win, const char *re, int timeout_ms)
{
	int64_t deadline = mono_ms_now() + timeout_ms;

	for (;;) {
		char *s = tmux_screen(t, win);

		if (count_matches(s, re) > 0) {
			free(s);
			return;
		}
		if (ms_left(deadline) == 0) {
			fprintf(stderr, "---- screen of %s ----\n%s---- end ----\n", win, s);
			ck_abort_msg("%s: the screen did not show /%s/ within %d ms", win, re,
				     timeout_ms);
		}
		free(s);
		sleep_ms(20);
	}
}

char *tmux_cursor_line(struct tmux *t, const char *win, int *col)
{
	char tg[64], *pos, *screen, *line, *p;
	int y = 0;

	pos = TMUX(t, true, "display", "-p", "-t", target(win, tg, sizeof(tg)),
		   "#{cursor_x} #{cursor_y}");
	ck_assert(sscanf(pos, "%d %d", col, &y) == 2);
	free(pos);
	screen = tmux_screen(t, win);
	p = screen;
	for (int i = 0; i < y && p; i++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	ck_assert_ptr_nonnull(p);
	line = strndup(p, strcspn(p, "\n"));
	free(screen);
	return line;
}

int tmux_cursor_row(struct tmux *t, const char *win)
{
	char tg[64], *pos = TMUX(t, true, "display", "-p", "-t", target(win, tg, sizeof(tg)),
				 "#{cursor_y}");
	int y = atoi(pos);

	free(pos);
	return y;
}

bool tmux_autowrap(struct tmux *t, const char *win)
{
	char tg[64], *flag = TMUX(t, true, "display", "-p", "-t", target(win, tg, sizeof(tg)),
				  "#{wrap_flag}");
	bool on = atoi(flag) == 1;

	free(flag);
	return on;
}

void tmux_resize(struct tmux *t, const char *win, int cols, int rows)
{
	char tg[64], x[16], y[16];

	snprintf(x, sizeof(x), "%d", cols);
	snprintf(y, sizeof(y), "%d", rows);
	TMUX(t, false, "resize-window", "-t", target(win, tg, sizeof(tg)), "-x", x, "-y", y);
}

bool tmux_bell(struct tmux *t, const char *win)
{
	char tg[64], *s = TMUX(t, true, "display", "-p", "-t", target(win, tg, sizeof(tg)),
			       "#{window_bell_flag}");
	bool rang = atoi(s) == 1;

	free(s);
	return rang;
}

void tmux_wait_bell(struct tmux *t, const char *win, int timeout_ms)
{
	int64_t deadline = mono_ms_now() + timeout_ms;

	while (!tmux_bell(t, win)) {
		if (ms_left(deadline) == 0) {
			char *s = tmux_screen(t, win);

			fprintf(stderr, "---- screen of %s ----\n%s---- end ----\n", win, s);
			free(s);
			ck_abort_msg("%s: no bell within %d ms", win, timeout_ms);
		}
		sleep_ms(20);
	}
}

pid_t tmux_pane_pid(struct tmux *t, const char *win)
{
	char tg[64], *s = TMUX(t, true, "display", "-p", "-t", target(win, tg, sizeof(tg)),
			       "#{pane_pid}");
	pid_t pid = (pid_t)atoi(s);

	free(s);
	return pid;
}

pid_t tmux_pane_freeze(struct tmux *t, const char *win)
{
	pid_t pid = tmux_pane_pid(t, win);
	int st;

	ck_assert_msg(ptrace(PTRACE_SEIZE, pid, NULL, NULL) == 0, "PTRACE_SEIZE %d: %s", (int)pid,
		      strerror(errno));
	ck_assert_msg(ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) == 0, "PTRACE_INTERRUPT %d: %s",
		      (int)pid, strerror(errno));
	while (waitpid(pid, &st, __WALL) < 0)
		ck_assert_msg(errno == EINTR, "waitpid %d: %s", (int)pid, strerror(errno));
	ck_assert_msg(WIFSTOPPED(st), "%s: pid %d did not stop (status 0x%x)", win, (int)pid, st);
	return pid;
}

void tmux_pane_thaw(pid_t pid)
{
	ck_assert_msg(ptrace(PTRACE_DETACH, pid, NULL, NULL) == 0, "PTRACE_DETACH %d: %s",
		      (int)pid, strerror(errno));
}

/* The exit status of a zombie from /proc/PID/stat (field 52, exit_code,
 * as waitpid() reports it), as a shell gives it; -1 if pid is no zombie.
 * tmux sometimes leaves a window's program unreaped for a long while
 * after its pane closed, and then cannot say how it ended. */
static int zombie_status(pid_t pid)
{
	char path[64], buf[2048], *p;
	int field = 2, code;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!read_small(path, buf, sizeof(buf)))
		return -1;
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || p[2] != 'Z')
		return -1;
	for (p += 1; *p && field < 52; p++)
		if (*p == ' ')
			field++;
	if (field != 52 || sscanf(p, "%d", &code) != 1)
		return -1;
	return WIFEXITED(code) ? WEXITSTATUS(code) : 128 + WTERMSIG(code);
}

bool tmux_pane_dead(struct tmux *t, const char *win, int *status)
{
	char tg[64], *s = TMUX(t, true, "display", "-p", "-t", target(win, tg, sizeof(tg)),
			       "#{pane_dead}:#{pane_dead_status}:#{pane_dead_signal}");
	pid_t pid = tmux_pane_pid(t, win);
	int dead = 0, st = -1, sig = -1;
	char *a = strchr(s, ':'), *b = a ? strchr(a + 1, ':') : NULL;

	dead = atoi(s);
	if (a && a[1] != ':')
		st = atoi(a + 1);
	if (b && b[1] >= '0' && b[1] <= '9')
		sig = atoi(b + 1);
	free(s);
	/* tmux may see the pane close before it has reaped the program:
	 * dead only once the exit status (or the killing signal, given as
	 * 128 + its number, as a shell does) is known. */
	if (st < 0 && sig >= 0)
		st = 128 + sig;
	if (dead == 1 && st < 0)
		st = zombie_status(pid);
	if (status)
		*status = st;
	return dead == 1 && st >= 0;
}

int tmux_wait_exit(struct tmux *t, const char *win, int timeout_ms)
{
	int64_t deadline = mono_ms_now() + timeout_ms;
	int st;

	while (!tmux_pane_dead(t, win, &st)) {
		if (ms_left(deadline) == 0) {
			char *s = tmux_screen(t, win);

			char tg[64], *st2 = TMUX(t, true, "display", "-p", "-t", target(win, tg, sizeof(tg)),
						 "#{pane_pid} dead=#{pane_dead} status=#{pane_dead_status} "
						 "signal=#{pane_dead_signal}");
			struct pstat ps;
			pid_t pid = (pid_t)atoi(st2);

			fprintf(stderr, "---- screen of %s ----\n%s---- end ----\n", win, s);
			free(s);
			ck_abort_msg("%s: lchat did not exit within %d ms (tmux: %.*s; process state %c)",
				     win, timeout_ms, (int)strcspn(st2, "\n"), st2,
				     pstat_read(pid, &ps) ? ps.state : '-');
		}
		sleep_ms(20);
	}
	return st;
}

void tmux_stop(struct tmux *t)
{
	int64_t deadline = mono_ms_now() + 5000;

	/* The server is not our child: wait for it by signal 0. */
	kill(t->server, SIGTERM);
	while (proc_alive(t->server) && ms_left(deadline) > 0)
		sleep_ms(10);
	if (proc_alive(t->server))
		kill(t->server, SIGKILL);
	guardian_release(t->guardian, t->guard_fd, "tmux");
	free(t);
}

struct fakesrv *tmux_lchat_fake_joined(struct tmux *t, const char *dir, const char *name,
				       int timeout_ms)
{
	struct fakesrv *f = fake_listen(dir);
	char re[128];

	tmux_lchat(t, name, fake_path(f), NULL);
	fake_accept(f, timeout_ms);
	fake_greet_join(f, name, 10);
	snprintf(re, sizeof(re), "you are in the room as %s", name);
	tmux_wait(t, name, re, timeout_ms);
	return f;
}
