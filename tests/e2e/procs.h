/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* procs.h - extra e2e helpers for the process and limits tests: a lchatd
 * started the way a sysadmin starts it (`lchatd -c FILE`, daemonizing), a
 * raw client for connections that are refused before any HELLO, joining
 * without tc_join(), and soft failures. The /proc readers (stat fields,
 * descriptors, cwd, memory) are in procfs.h.
 *
 * A daemonized lchatd is not our child: its launcher forks the supervisor
 * and exits. bgd_run() therefore makes the test process a child subreaper,
 * so that the supervisor (and anything else the launch orphans) is
 * reparented to the test process, can be waited for, and cannot escape.
 * Like the harness, every bgd has a guardian process (in its own process
 * group) that kills what the launch left running and removes the
 * temporary directory if the test process dies without bgd_stop().
 *
 * What a bgd tracks: children of the test process running lchatd that
 * were not there at its first bgd_run() (so start harness daemons before
 * that), their descendants, and the sessions they created. Use one bgd at
 * a time. */
#ifndef LCHAT_E2E_PROCS_H
#define LCHAT_E2E_PROCS_H

#include <check.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "harness.h"
#include "procfs.h"

/* ---- running lchatd (daemonizing mode) -------------------------------- */

struct bgd {
	char dir[64];             /* mkdtemp directory */
	char conf[PATH_MAX];      /* config file bgd_start() uses */
	char sock[PATH_MAX];      /* user socket */
	char ctl[PATH_MAX];       /* control socket */
	char state[PATH_MAX];     /* state_dir */
	char pidfile[PATH_MAX];   /* state_dir/lchatd.pid */
	bool ctty;                /* run the launcher with a controlling terminal */
	pid_t sup;                /* supervisor (from the pid file), 0 if none */
	bool sup_exited;
	int sup_status;           /* its wait status once sup_exited */
	pid_t guardian;
	int guard_fd;
	pid_t *foreign;           /* our children before the first launch */
	size_t nforeign;
	bool launched;
};

/* The result of one run of the lchatd program. */
struct run_result {
	int status;               /* wait status, or -1: killed after the timeout */
	int64_t ms;               /* how long it ran */
	char out[4096];           /* its stdout */
	char err[4096];           /* its stderr */
};

/* Exit code of a run (0..255), or -1 if it did not exit normally. */
int run_exit_code(const struct run_result *r);

/* A fresh temporary directory with a config: socket, control_socket,
 * state_dir and admin_group as the harness sets them (paths in the
 * directory; the state dir is not created), plus extra_config lines (a key
 * given there replaces the default). Nothing is started. */
struct bgd *bgd_new(const char *extra_config);
/* Rewrite b->conf the same way (for configs that name paths in b->dir). */
void bgd_write_config(struct bgd *b, const char *extra_config);

/* Run `LCHAT_BIN/lchatd ARGS...` (NULL-terminated) under this bgd's
 * watch, capture its output and wait for it (at most timeout_ms, then it
 * is SIGKILLed and r->status is -1). Returns the exit code (-1 if it did
 * not exit normally). */
int bgd_run(struct bgd *b, struct run_result *r, int timeout_ms, ...)
	__attribute__((sentinel));

/* `lchatd -c b->conf`. On exit 0, reads the supervisor pid from the pid
 * file into b->sup (aborts the test if that is not a running child of
 * ours). Returns the exit code. */
int bgd_start(struct bgd *b, struct run_result *r);

/* Wait (up to timeout_ms) until no process of this bgd's launches is left
 * running, reaping them; returns how many are still running (0: all gone).
 * Processes listed in desc (if not NULL) are described there. */
int bgd_wait_gone(struct bgd *b, int timeout_ms, char *desc, size_t desclen);

/* Wait for the supervisor to exit; its wait status, or -1 on timeout. */
int bgd_wait_exit(struct bgd *b, int timeout_ms);

/* SIGTERM the supervisor (if running), wait for it and for every process
 * of the launches, kill what is left, stop the guardian, remove the
 * directory, free b. Returns 0 if everything stopped on its own and the
 * supervisor exited with 0 (or had no supervisor); otherwise -1 and
 * bgd_stop_error() says why. */
int bgd_stop(struct bgd *b);
const char *bgd_stop_error(void);
/* bgd_stop(), and fail the test unless it returned 0. */
void bgd_stop_ok(struct bgd *b);

/* ---- sockets ---------------------------------------------------------- */

/* Poll until a connection succeeds (sock_can_connect(), harness.h);
 * abort after timeout_ms. */
void sock_wait_connectable(const char *path, int timeout_ms);
/* Create a stale socket file at path: bind, listen, close. */
void sock_make_stale(const char *path);

/* ---- a raw client ------------------------------------------------------- */

struct rawc;

/* Connect (abort on failure); no greeting is expected. */
struct rawc *rawc_connect(const char *path);
/* Like rawc_connect, but NULL if connect() fails. */
struct rawc *rawc_try_connect(const char *path);
int rawc_fd(const struct rawc *c);
/* The next line (without "\n"), NULL on EOF or timeout; rawc_eof() says
 * which. */
const char *rawc_line(struct rawc *c, int timeout_ms);
bool rawc_eof(const struct rawc *c);
/* The server closed the connection (or it broke), with or without a
 * partial line left (rawc_eof() is false then). */
bool rawc_closed(const struct rawc *c);
/* Bytes received after the last complete line. */
size_t rawc_partial(const struct rawc *c);
/* The next line must match the extended regex re (anchored at the start). */
const char *rawc_expect(struct rawc *c, const char *re, int timeout_ms);
/* The server closes without another line within timeout_ms. */
void rawc_expect_eof(struct rawc *c, int timeout_ms);
/* Send bytes / one line ("\n" added). */
void rawc_send(struct rawc *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rawc_close(struct rawc *c);
/* Connect until the greeting is a HELLO, not a refusal matching `refusal`
 * (a place is freed by then): abort after timeout_ms, or on any other
 * greeting. */
struct rawc *rawc_connect_when_free(const char *sock, const char *refusal, int timeout_ms);

/* ---- joining without tc_join() ------------------------------------------- */

struct tclient;

/* Lines a client received, kept. */
struct lines {
	char **v;
	size_t n;
};

/* Send "JOIN args", expect "OK JOIN NAME SEQ", then read every line up to
 * a PING barrier into out (MOTD, history or resumed events, and anything
 * else that arrives: nothing is dropped, unlike tc_join()). Returns the
 * join's seq. */
uint64_t join_collect(struct tclient *tc, const char *args, struct lines *out);
/* Read lines until one matches re (extended, anchored at the start); the
 * ones before it go into out (if not NULL). Aborts after timeout_ms. */
const char *expect_collect(struct tclient *tc, const char *re, struct lines *out,
			   int timeout_ms);
/* Index of the first line matching re (anchored), or -1. */
int lines_find(const struct lines *l, const char *re);
/* Number of lines matching re (anchored). */
int lines_count(const struct lines *l, const char *re);
/* All lines, quoted, for a failure message (static buffer). */
const char *lines_show(const struct lines *l);
void lines_add(struct lines *l, const char *line);
void lines_free(struct lines *l);

/* ---- a detached process ---------------------------------------------------- */

/* pid (what: "the daemon", ...) has no controlling terminal, its cwd is /
 * and its descriptors 0-2 are on /dev/null. */
void assert_detached(pid_t pid, const char *what);

/* ---- failures that should not stop a test -------------------------------- */

/* A test calls soft_reset() first, soft_fail() for a failure after which
 * the rest is still worth checking, and soft_check() at its end, which
 * fails with every message collected. */
void soft_reset(void);
void soft_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The messages so far ("" if none). */
const char *soft_failures(void);
#define soft_check() ck_assert_msg(soft_failures()[0] == '\0', "%s", soft_failures())

/* Failures inside the harness's building blocks name the test's line
 * that called (see harness_at() in harness.h). */
#ifndef PROCS_INTERNAL
#define bgd_new(...) (harness_at(__FILE__, __LINE__), bgd_new(__VA_ARGS__))
#define bgd_write_config(...) (harness_at(__FILE__, __LINE__), bgd_write_config(__VA_ARGS__))
#define bgd_run(...) (harness_at(__FILE__, __LINE__), bgd_run(__VA_ARGS__))
#define bgd_start(...) (harness_at(__FILE__, __LINE__), bgd_start(__VA_ARGS__))
#define sock_wait_connectable(...) (harness_at(__FILE__, __LINE__), sock_wait_connectable(__VA_ARGS__))
#define sock_make_stale(...) (harness_at(__FILE__, __LINE__), sock_make_stale(__VA_ARGS__))
#define rawc_connect(...) (harness_at(__FILE__, __LINE__), rawc_connect(__VA_ARGS__))
#define rawc_try_connect(...) (harness_at(__FILE__, __LINE__), rawc_try_connect(__VA_ARGS__))
#define rawc_line(...) (harness_at(__FILE__, __LINE__), rawc_line(__VA_ARGS__))
#define rawc_expect(...) (harness_at(__FILE__, __LINE__), rawc_expect(__VA_ARGS__))
#define rawc_expect_eof(...) (harness_at(__FILE__, __LINE__), rawc_expect_eof(__VA_ARGS__))
#define rawc_send(...) (harness_at(__FILE__, __LINE__), rawc_send(__VA_ARGS__))
#define rawc_connect_when_free(...) (harness_at(__FILE__, __LINE__), rawc_connect_when_free(__VA_ARGS__))
#define assert_detached(...) (harness_at(__FILE__, __LINE__), assert_detached(__VA_ARGS__))
#endif

#endif
