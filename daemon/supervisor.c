/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* supervisor.c - lchatd's top process: becomes a child subreaper,
 * double-forks the daemon, restarts it with back-off if it dies, forwards
 * SIGTERM/SIGHUP, and holds the pid file lock.
 *
 * Readiness: every daemon gets a pipe and writes "R" once its sockets
 * accept connections, or "E<reason>". The first start's answer is passed to
 * whoever waits for lchatd (the shell, through the launcher's pipe). */
#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cut.h"
#include "daemon.h"
#include "log.h"
#include "notify.h"
#include "proctitle.h"
#include "readiness.h"
#include "sockets.h"
#include "startcheck.h"
#include "util.h"
#include "wall.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 30000
/* A daemon that ran this long was healthy: the back-off starts over. */
#define STABLE_MS 60000
#define START_TIMEOUT_MS 30000
#define STOP_TIMEOUT_MS 10000

struct supervisor {
	struct lchat_config *cfg;
	int sigfd;
	int pid_fd;
	int launcher_fd;         /* readiness pipe to the shell's lchatd */
	int wall_fd;             /* the wall process's socketpair, for each daemon */
	pid_t wall_pid;          /* the wall process (wall.h), 0: none */
	char pid_path[4096];
	pid_t daemon;
	pid_t daemon_pgid;       /* its process group: its handlers and writer too */
	int64_t daemon_started;
	unsigned restarts;
	int64_t started_ms;      /* wall clock, for the daemon's STATUS */
	int backoff_ms;
	int64_t restart_at;      /* 0: no restart pending */
	bool stopping;
	int64_t kill_at;
};

/* The pid file in state_dir, locked for as long as lchatd runs: a second
 * lchatd with the same state is refused before it touches anything. */
static int lock_pid_file(struct supervisor *s, char *err, size_t errlen)
{
	if (private_dir_prepare(s->cfg->state_dir, 0750, err, errlen) < 0)
		return -1;
	text_printf(s->pid_path, sizeof(s->pid_path), "%s/lchatd.pid", s->cfg->state_dir);
	s->pid_fd = open(s->pid_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (s->pid_fd < 0) {
		text_printf(err, errlen, "%s: %s", s->pid_path, strerror(errno));
		return -1;
	}
	if (flock(s->pid_fd, LOCK_EX | LOCK_NB) < 0) {
		char other[32] = "";
		ssize_t n = pread(s->pid_fd, other, sizeof(other) - 1, 0);
		other[n > 0 ? n : 0] = '\0';
		other[strcspn(other, "\n")] = '\0';
		text_printf(err, errlen, "another lchatd (pid %s) is already running with state_dir %s",
			 other[0] ? other : "?", s->cfg->state_dir);
		close(s->pid_fd);
		s->pid_fd = -1;
		return -1;
	}
	char line[32];
	int n = snprintf(line, sizeof(line), "%d\n", (int)getpid());
	if (ftruncate(s->pid_fd, 0) < 0 || pwrite(s->pid_fd, line, (size_t)n, 0) != n) {
		text_printf(err, errlen, "%s: %s", s->pid_path, strerror(errno));
		return -1;
	}
	return 0;
}

/* fork, setsid, fork: the middle child exits at once and is reaped here;
 * the daemon is reparented to us, the subreaper. Returns the daemon's pid
 * (learnt through the pipe) or -1. */
static pid_t spawn_daemon(struct supervisor *s, int ready_w)
{
	int pp[2];

	if (pipe2(pp, O_CLOEXEC) < 0)
		return -1;
	pid_t mid = fork();
	if (mid < 0) {
		close(pp[0]);
		close(pp[1]);
		return -1;
	}
	if (mid == 0) {
		close(pp[0]);
		if (setsid() < 0)
			_exit(1);
		pid_t pid = fork();
		if (pid < 0)
			_exit(1);
		if (pid > 0) {
			write_all(pp[1], &pid, sizeof(pid));
			_exit(0);
		}
		close(pp[1]);
		close(s->sigfd);
		if (s->pid_fd >= 0)
			close(s->pid_fd);
		if (s->launcher_fd >= 0)
			close(s->launcher_fd);
		exit(daemon_main(s->cfg, ready_w, s->restarts, s->started_ms, s->wall_fd));
	}
	close(pp[1]);
	s->daemon_pgid = mid;    /* setsid() made it the group's leader */
	pid_t pid = -1;
	ssize_t n;
	while ((n = read(pp[0], &pid, sizeof(pid))) < 0 && errno == EINTR)
		;
	close(pp[0]);
	while (waitpid(mid, NULL, 0) < 0 && errno == EINTR)
		;
	return n == (ssize_t)sizeof(pid) ? pid : -1;
}

/* Start a daemon and wait for its readiness. On failure, err holds why. */
static int start_daemon(struct supervisor *s, char *err, size_t errlen)
{
	int rp[2];

	if (pipe2(rp, O_CLOEXEC) < 0) {
		text_printf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	s->daemon = spawn_daemon(s, rp[1]);
	close(rp[1]);
	if (s->daemon < 0) {
		text_printf(err, errlen, "cannot start the daemon: %s", strerror(errno));
		close(rp[0]);
		return -1;
	}
	s->daemon_started = mono_ms();
	int rc = readiness_wait(rp[0], START_TIMEOUT_MS, err, errlen);
	close(rp[0]);
	if (rc < 0)
		kill(s->daemon, SIGKILL);
	return rc;
}

/* SIGUSR2 means nothing here: it is read and ignored, so that a stray one
 * (meant for another program) does not end lchatd. */
static const int supervisor_signals[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2 };

/* Reap every child that is done. Returns true when none are left. */
static bool reap(struct supervisor *s)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			return true;   /* ECHILD */
		}
		if (pid == 0)
			return false;
		if (pid == s->wall_pid) {
			/* It cannot be started again: root is given up. */
			s->wall_pid = 0;
			if (!s->stopping)
				log_msg(LOG_ERR, "the wall process died (status 0x%x); notice --wall "
					"is refused until lchatd is restarted", (unsigned)status);
			continue;
		}
		if (pid != s->daemon)
			continue;     /* an orphaned handler of a dead daemon */
		s->daemon = 0;
		if (s->stopping)
			continue;
		int64_t ran = mono_ms() - s->daemon_started;
		if (WIFSIGNALED(status))
			log_msg(LOG_ERR, "daemon killed by signal %d after %lld ms",
				WTERMSIG(status), (long long)ran);
		else
			log_msg(LOG_ERR, "daemon exited with status %d after %lld ms",
				WEXITSTATUS(status), (long long)ran);
		if (ran >= STABLE_MS)
			s->backoff_ms = BACKOFF_MIN_MS;
		s->restart_at = mono_ms() + s->backoff_ms;
		log_msg(LOG_NOTICE, "restarting the daemon in %d ms", s->backoff_ms);
		notify("STATUS=the daemon died; restarting it in %d ms", s->backoff_ms);
		s->backoff_ms = s->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : s->backoff_ms * 2;
	}
}

/* Is every process of the last daemon's group (the daemon, its writer,
 * its handlers) gone and reaped? The wall process, in a group of its
 * own, lives on. */
static bool daemon_group_gone(const struct supervisor *s)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return s->daemon_pgid <= 0 ||
	       (waitid(P_PGID, (id_t)s->daemon_pgid, &si, WEXITED | WNOHANG | WNOWAIT) < 0 &&
		errno == ECHILD);
}

static void try_restart(struct supervisor *s, bool all_reaped)
{
	char err[1024];

	/* Handlers of the dead daemon die with it (PDEATHSIG) and come to us;
	 * a new daemon starts only once they are all gone. */
	if (!all_reaped && !daemon_group_gone(s)) {
		s->restart_at = mono_ms() + 20;
		return;
	}
	s->restart_at = 0;
	s->restarts++;
	/* A failed start ends with the daemon's death, which reap() sees
	 * and schedules the next try for. */
	if (start_daemon(s, err, sizeof(err)) < 0)
		log_msg(LOG_ERR, "restart failed: %s", err);
	else
		notify("STATUS=serving (daemon pid %d, restarts: %u)", (int)s->daemon, s->restarts);
}

static int poll_timeout(const struct supervisor *s)
{
	int64_t at = s->stopping ? s->kill_at : s->restart_at;

	if (at == 0)
		return -1;
	int64_t left = at - mono_ms();
	return left > 0 ? (int)left : 0;
}

/* Take the run-time options of the configuration file again; errors are
 * the daemon's to report. */
static void reload_own_copy(struct supervisor *s)
{
	struct lchat_config fresh = { 0 };
	char err[1024], changed[512], restart[512];

	if (s->cfg->path && config_load(s->cfg->path, &fresh, err, sizeof(err)) == 0)
		config_apply_reload(s->cfg, &fresh, changed, sizeof(changed), restart, sizeof(restart));
	config_free(&fresh);
}

/* A reload, told to systemd as RELOADING=1 then READY=1. forward: ours
 * to pass to the daemon (SIGHUP); otherwise it has already reloaded (by
 * lchat-admin reload, which reports its own errors) and told us. */
static void notify_reload(struct supervisor *s, bool forward)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	notify("RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading the configuration",
	       (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
	reload_own_copy(s);
	if (forward && s->daemon > 0)
		kill(s->daemon, SIGHUP);
	notify("READY=1\nSTATUS=serving (daemon pid %d, restarts: %u)", (int)s->daemon, s->restarts);
}

static void begin_stop(struct supervisor *s)
{
	if (s->stopping)
		return;
	s->stopping = true;
	s->restart_at = 0;
	s->kill_at = mono_ms() + STOP_TIMEOUT_MS;
	log_msg(LOG_NOTICE, "stopping");
	notify("STOPPING=1\nSTATUS=stopping");
	if (s->daemon > 0)
		kill(s->daemon, SIGTERM);
	/* The wall process ends when the last daemon's end is closed. */
	if (s->wall_fd >= 0)
		close(s->wall_fd);
	s->wall_fd = -1;
}

int supervisor_main(struct lchat_config *cfg, int ready_fd)
{
	struct supervisor s;
	char err[1024];

	memset(&s, 0, sizeof(s));
	s.cfg = cfg;
	s.pid_fd = -1;
	s.launcher_fd = ready_fd;
	s.wall_fd = -1;
	s.backoff_ms = BACKOFF_MIN_MS;
	s.started_ms = now_ms();
	proctitle_set("lchatd: supervisor");
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		text_printf(err, sizeof(err), "PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
		readiness_fail(ready_fd, err);
		return 1;
	}
	if ((s.sigfd = signalfd_for(SIG_BLOCK, supervisor_signals,
				     sizeof(supervisor_signals) / sizeof(supervisor_signals[0]))) < 0) {
		text_printf(err, sizeof(err), "signalfd: %s", strerror(errno));
		readiness_fail(ready_fd, err);
		return 1;
	}
	/* The same checks as lchatd -n; started as root, the directories
	 * are made for `user`, the wall process is forked (it keeps the
	 * group tty, nothing else) and root is given up here, before any
	 * daemon, writer or handler exists. */
	struct start_plan plan;
	if (start_check(cfg, &plan, err, sizeof(err)) < 0 ||
	    start_make_dirs(cfg, &plan, err, sizeof(err)) < 0 ||
	    (s.wall_pid = wall_spawn(&plan, &s.wall_fd, err, sizeof(err))) < 0 ||
	    priv_drop(&plan, err, sizeof(err)) < 0) {
		if (s.wall_pid > 0)
			kill(s.wall_pid, SIGKILL);
		readiness_fail(ready_fd, err);
		return 1;
	}
	if (lock_pid_file(&s, err, sizeof(err)) < 0 || start_daemon(&s, err, sizeof(err)) < 0) {
		readiness_fail(ready_fd, err);
		if (s.pid_fd >= 0)
			unlink(s.pid_path);
		if (s.wall_fd >= 0)
			close(s.wall_fd);   /* the wall process ends */
		while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
			;
		return 1;
	}
	notify("READY=1\nSTATUS=serving (daemon pid %d)", (int)s.daemon);
	if (ready_fd >= 0) {
		readiness_ok(ready_fd);
		close(ready_fd);
		s.launcher_fd = -1;
	}

	for (;;) {
		struct pollfd p = { .fd = s.sigfd, .events = POLLIN };
		int r = poll(&p, 1, poll_timeout(&s));
		if (r < 0 && errno != EINTR) {
			log_msg(LOG_ERR, "poll: %s", strerror(errno));
			break;
		}
		struct signalfd_siginfo si;
		while (read(s.sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
				begin_stop(&s);
			else if (si.ssi_signo == SIGHUP) {
				/* The daemon reloads and reports; we keep a copy
				 * to start the next daemon with. */
				notify_reload(&s, true);
			} else if (si.ssi_signo == SIGUSR1) {
				notify_reload(&s, false);   /* the daemon reloaded */
			}
		}
		bool all_reaped = reap(&s);
		if (s.stopping) {
			if (all_reaped)
				break;
			if (mono_ms() >= s.kill_at) {
				log_msg(LOG_WARNING, "the daemon did not stop in time; killing it");
				if (s.daemon > 0)
					kill(s.daemon, SIGKILL);
				if (s.wall_pid > 0)
					kill(s.wall_pid, SIGKILL);
				s.kill_at = mono_ms() + STOP_TIMEOUT_MS;
			}
			continue;
		}
		if (s.restart_at && mono_ms() >= s.restart_at)
			try_restart(&s, all_reaped);
	}
	unlink(s.pid_path);
	close(s.pid_fd);
	close(s.sigfd);
	if (s.wall_fd >= 0)
		close(s.wall_fd);
	log_msg(LOG_NOTICE, "stopped");
	return 0;
}
