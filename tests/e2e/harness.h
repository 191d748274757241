/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* harness.h - end-to-end test harness for lchatd.
 *
 * lchatd_start() runs a private daemon (`lchatd -f`) in a fresh temporary
 * directory; tclient is a line-oriented test client for its user socket and
 * its control socket; the process helpers find the daemon and its per-user
 * handlers in /proc. Every wait has a deadline and every failure aborts the
 * current Check test with the lines that were actually seen.
 *
 * Clean-up survives failures: Check's forked test process leaves with
 * _exit() on a failed assertion and is SIGKILLed on a timeout, so each
 * lchatd_start() also forks a small guardian (in its own process group) that
 * notices when the test process goes away without lchatd_stop(), kills every
 * process of that daemon's tree by pid, prints the daemon's log and removes
 * the temporary directory. harness_run() makes the test runner a child
 * subreaper, so nothing orphaned by a test escapes to init unreaped. */
#ifndef LCHAT_E2E_HARNESS_H
#define LCHAT_E2E_HARNESS_H

#include <check.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "procfs.h"

/* Default deadline of one expectation, in milliseconds. Sanitizer builds
 * are several times slower, and make check must pass beside stress-ng on
 * two busy CPUs (5 s was exceeded there), so it is generous; tests never
 * wait this long unless something is wrong (silence is checked with a
 * PING barrier, not a wait). */
#define TC_TIMEOUT 15000

/* ---- the daemon --------------------------------------------------------- */

struct lchatd {
	pid_t pid;                /* the supervisor: our child */
	bool exited;              /* reaped by lchatd_wait_exit() */
	int status;               /* its wait status then */
	struct pset *tree;        /* its processes, as last seen */
	pid_t guardian;           /* cleans up if the test process dies */
	int guard_fd;             /* our end of the guardian's socketpair */
	char label[96];           /* the test that started it */
	char dir[64];             /* mkdtemp directory */
	char conf[PATH_MAX];
	char sock[PATH_MAX];      /* user socket */
	char ctl[PATH_MAX];       /* control socket */
	char irc[PATH_MAX];       /* IRC socket (irc_socket) */
	char state[PATH_MAX];     /* state_dir */
	char log[PATH_MAX];       /* lchatd's stdout and stderr */
};

/* Start lchatd with a private configuration. extra_config holds whole
 * lines ("backlog = 5\n"); a key given there replaces the harness's
 * default for it. Waits (10 s) until both sockets accept connections, and
 * then until the handler of its readiness probe is gone (the daemon has no
 * children), so that a test finds only its own clients' handlers. */
struct lchatd *lchatd_start_at(const char *extra_config, const char *label);
#define lchatd_start(extra_config) \
	(harness_at(__FILE__, __LINE__), lchatd_start_at((extra_config), __func__))

/* A function that lchatd_start() runs in the new process just before it
 * execs lchatd (its output already goes to d->log): to start the daemon
 * as another user, or under resource limits. It may only _exit() on
 * failure. NULL: none (the default). Stays set until changed. */
void lchatd_set_exec_hook(void (*hook)(const struct lchatd *d, void *arg), void *arg);
/* Add opt ("name=value") to ASAN_OPTIONS, for the programs this process
 * execs (an exec hook's tool; harmless without sanitizers). 0 or -1. */
int asan_options_add(const char *opt);

/* SIGTERM the supervisor, wait for it (then SIGKILL), make sure no process
 * of its tree is left, remove the directory. Returns 0 if the supervisor
 * exited with status 0 on its own, nothing was left behind and the log has
 * no sanitizer report; otherwise -1, lchatd_stop_error() says what went
 * wrong, and the log is printed. */
int lchatd_stop(struct lchatd *d);
const char *lchatd_stop_error(void);
/* lchatd_stop(), and fail the test unless it returned 0. */
void lchatd_stop_ok(struct lchatd *d);

/* Send a signal to the supervisor, after noting every process of its tree
 * (so that lchatd_stop() can still tell whether any was left behind). */
void lchatd_signal(struct lchatd *d, int sig);
/* Wait for the supervisor to exit; returns its wait status, or -1 if it
 * is still running after timeout_ms. */
int lchatd_wait_exit(struct lchatd *d, int timeout_ms);

/* Print the last part of the daemon's log to stderr. */
void lchatd_dump_log(const struct lchatd *d);
/* Does a line of the daemon's log contain the extended regex re? Waits up
 * to timeout_ms for one to appear (0: look once). */
bool lchatd_log_has(const struct lchatd *d, const char *re, int timeout_ms);

/* The daemon process (`lchatd: daemon`, a child of the supervisor, the
 * process listening on the control socket; harness.c explains why that).
 * Waits up to TC_TIMEOUT for it; aborts the test if there is none. */
pid_t lchatd_daemon_pid(struct lchatd *d);
/* The handler of a joined member (`lchatd: NAME`, a child of the daemon).
 * Waits up to TC_TIMEOUT; aborts the test if there is none. */
pid_t lchatd_handler_pid(struct lchatd *d, const char *name);
/* lchatd_start() probes the user socket until it accepts connections;
 * each probe briefly has a handler. Wait (10 s) until the daemon has no
 * children left, so that a test finds only its own clients' handlers.
 * Returns the daemon's pid. */
pid_t wait_no_handlers(struct lchatd *d);
/* (count_handlers(), proc_title() and the other /proc readers: procfs.h.) */

/* ---- clients ------------------------------------------------------------ */

struct tclient;

/* Connect to the user socket and check the greeting
 * (HELLO lchat/1 ... login=... max_line=...). */
struct tclient *tc_connect(const char *sockpath);
/* The same from a process of uid `uid` (a child that drops to it,
 * connects and hands the socket over): the daemon sees that uid. dir is
 * the daemon's directory (d->dir), made reachable by it. */
struct tclient *tc_connect_uid(const char *dir, const char *sockpath, uid_t uid);
/* Connect to the IRC socket (docs/protocol.md, "IRC"): no greeting; lines
 * are read without their CR LF (which every line must have). */
struct tclient *tc_connect_irc(const char *sockpath);
/* The same from a process of uid `uid` (as tc_connect_uid()). */
struct tclient *tc_connect_irc_uid(const char *dir, const char *sockpath, uid_t uid);
/* Register as nick (NICK, USER) and read past the default channel's 366
 * and the backlog. */
void tc_irc_register(struct tclient *tc, const char *nick);
/* Send fd over the Unix socket s, or receive one (SCM_RIGHTS). 0 or the
 * fd; -1 on error. */
int send_fd(int s, int fd);
int recv_fd(int s);
/* Connect to the control socket and check its greeting
 * (HELLO lchat-control/1 ...). */
struct tclient *ctl_connect(const char *sockpath);

/* Send one line; "\n" is added. */
void tc_send(struct tclient *tc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Send bytes as they are (no line end added). */
void tc_send_raw(struct tclient *tc, const void *bytes, size_t n);

/* Read the next line; it must match the POSIX extended regex `re`,
 * anchored at the start of the line (add "$" to anchor the end). Aborts the
 * test if the deadline passes, the connection closes, or the next line
 * does not match. The returned line is valid until the next read. */
const char *tc_expect(struct tclient *tc, const char *re, int timeout_ms);
/* The same with a printf-built regex (use re_quote() for literal text). */
const char *tc_expectf(struct tclient *tc, int timeout_ms, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Like tc_expect(), but lines that do not match are skipped. */
const char *tc_expect_skip(struct tclient *tc, const char *re, int timeout_ms);
/* Like tc_expect(), but event lines ("EV ...") before the match are
 * skipped; any other line that does not match fails the test. For a
 * sender waiting for its acknowledgement while events stream in. */
const char *tc_expect_past_events(struct tclient *tc, const char *re, int timeout_ms);
/* tc_expect_past_events() for "OK VERB <seq>"; returns the seq. */
uint64_t tc_ack(struct tclient *tc, const char *verb);
/* Prove that nothing is waiting: sends "PING barrier-N" and requires the
 * very next line to be "PONG barrier-N". */
void tc_expect_silence(struct tclient *tc);
/* The server closes the connection within timeout_ms, without sending
 * another line first; aborts the test otherwise. */
void tc_expect_eof(struct tclient *tc, int timeout_ms);
/* A member's end when the server shuts down: the notice "server is
 * shutting down", BYE shutdown, then the end of the connection. */
void tc_expect_shutdown(struct tclient *tc);
/* True if the server closed the connection within timeout_ms with no line
 * left unread; a line that arrives first is kept for the next read. */
bool tc_eof(struct tclient *tc, int timeout_ms);

/* JOIN (name NULL: the default name) and expect "OK JOIN name seq".
 * Then reads up to a PING barrier: MOTD lines and history (events with a
 * sequence number below the join's) are dropped, now and later; live
 * events are kept for the following tc_expect(). Returns the join's seq. */
uint64_t tc_join(struct tclient *tc, const char *name);
/* A PROTO 2 connection to d (uid: 0 for ours, else that uid's, as
 * tc_connect_uid()) joined as name. */
struct tclient *tc_join_proto2(struct lchatd *d, uid_t uid, const char *name);

/* The login from HELLO, max_line from HELLO, the joined name (or a label). */
const char *tc_login(const struct tclient *tc);
long tc_max_line(const struct tclient *tc);
const char *tc_name(const struct tclient *tc);

/* Name the client in failure messages. */
void tc_set_label(struct tclient *tc, const char *label);

void tc_close(struct tclient *tc);

/* ---- helpers -------------------------------------------------------------- */

/* Sequence number of an event line (EV seq ...) or of an acknowledgement
 * (OK VERB ... seq). Aborts the test if the line has none. */
uint64_t line_seq(const char *line);
/* Millisecond time stamp of an event line. */
int64_t line_ms(const char *line);
/* A regex matching the literal text s (a new string each call; freed at
 * exit of the test process). */
const char *re_quote(const char *s);
/* The current process's login name (getpwuid(geteuid())). */
const char *my_login(void);
/* Wall-clock milliseconds. */
int64_t wall_ms(void);
/* Monotonic milliseconds, and what is left of a deadline in them (>= 0). */
int64_t mono_ms_now(void);
int ms_left(int64_t deadline);
/* Sleep. Only for shaping input (a line written in pieces, a gap before
 * its end): never to wait for something to become true. */
void sleep_ms(int ms);

/* Does s contain the extended regex re (unanchored)? */
bool re_contains(const char *s, const char *re);
/* Does line match the extended regex re anchored at its start, as
 * tc_expect() matches? */
bool line_matches(const char *line, const char *re);
/* The programs under test: LCHAT_BIN/lchatd, lchat, lchat-admin. */
const char *lchatd_exe(void);
const char *lchat_exe(void);
const char *lchat_admin_exe(void);
/* Does a connection to the Unix socket at path succeed right now? */
bool sock_can_connect(const char *path);

/* ---- running a suite ----------------------------------------------------- */

/* One test of a suite, in a test case of its own with its own timeout. */
struct harness_case {
	const char *name;
	const TTest *test;
	int timeout;            /* seconds */
};

/* A suite with one test case per entry of cases[n]. */
Suite *harness_suite(const char *name, const struct harness_case *cases, size_t n);
#define HARNESS_NCASES(cases) (sizeof(cases) / sizeof((cases)[0]))

/* Run a suite the way every e2e program does: child subreaper, Check in
 * fork mode, then reap whatever the tests orphaned. Returns the exit
 * status for main(). */
int harness_run(Suite *s);

/* ---- building blocks shared with procs.c ---------------------------------- */

struct sockaddr_un;

/* calloc() that fails the test when out of memory. */
void *xcalloc(size_t n, size_t size);
/* Remove dir and everything below it ("" : nothing). */
void remove_tree(const char *dir);
/* Write an lchatd config file at path: a comment line, then socket,
 * control_socket, state_dir and admin_group (the current group) as given,
 * rate_limit and rate_burst 100000 (the limit is per uid, and a test's
 * clients are all one uid), except for keys that extra sets, then extra's
 * lines. */
void write_config_file(const char *path, const char *comment, const char *sock,
		       const char *ctl, const char *state, const char *extra);
/* A Unix stream socket (SOCK_CLOEXEC | flags) and in *sa the address of
 * path (the test fails if path is too long); -1 if socket() fails. */
int sock_open_to(const char *path, struct sockaddr_un *sa, int flags);
/* Such a socket connected to path, or -1 with errno saying why. */
int sock_connect(const char *path, int flags);
/* Send all n bytes on the socket fd (which may be non-blocking); fail the
 * test, naming `who`, if the peer reads nothing for 10 s or send() fails. */
void send_all(int fd, const void *bytes, size_t n, const char *who);
/* printf into a new string (free() it) with "\n" added; *len: its length. */
char *format_line(size_t *len, const char *fmt, va_list ap);

/* A connection read line by line (tclient, rawc): a non-blocking socket
 * and what was received on it that is not yet a whole line. */
struct linesock {
	int fd;
	bool eof;               /* the peer closed (or the connection broke) */
	char *buf;
	size_t off;             /* what is not yet taken starts at buf + off */
	size_t len, cap;        /* len: its length */
};

/* Connect to the Unix socket at path, then make the socket non-blocking
 * (SIGPIPE is ignored from now on); false (errno says why) if connect()
 * fails. */
bool linesock_open(struct linesock *ls, const char *path);
/* The next whole line without its "\n" (free() it; *len: its length),
 * reading until deadline (mono_ms_now() time); NULL on timeout or at the
 * end (then ls->eof). */
char *linesock_read(struct linesock *ls, int64_t deadline, size_t *len);
void linesock_close(struct linesock *ls);

/* The guardian of a daemon. guardian_fork() forks it into a process group
 * of its own, so that neither a Check timeout nor Check's killpg() after
 * the test reaches it: it returns 0 there, with the guardian's end of a
 * socketpair as fd 3 and nothing else open above 2; in the test process it
 * returns the guardian's pid and sets *fd to the test's end. */
pid_t guardian_fork(int *fd);
/* In the guardian: call scan(arg) every 100 ms and whenever the test
 * process writes 's' (answered with 'k'); _exit(0) when it writes 'q';
 * return when it is gone (EOF without 'q'). */
void guardian_watch(int fd, void (*scan)(void *arg), void *arg);
/* In the test process: tell the guardian that all is cleaned up, and reap
 * it. `whose` names it in a message if it is gone already. */
void guardian_release(pid_t guardian, int fd, const char *whose);

/* What stopping a supervisor came to: waited is what waiting for its exit
 * after SIGTERM returned (-1: still running; then it is SIGKILLed and
 * reaped into *status). Anything but exit status 0 is described in
 * err[used...]; returns the new used. */
size_t supervisor_verdict(pid_t pid, int waited, int *status, int deadline_ms, char *err,
			  size_t errlen, size_t used);

/* ---- failure locations ------------------------------------------------ */

/* Failures are reported at the test's line, not inside the harness: each
 * harness call made from a test records where it was made. */
void harness_at(const char *file, int line);
#ifndef HARNESS_INTERNAL
#define lchatd_daemon_pid(...) (harness_at(__FILE__, __LINE__), lchatd_daemon_pid(__VA_ARGS__))
#define lchatd_handler_pid(...) (harness_at(__FILE__, __LINE__), lchatd_handler_pid(__VA_ARGS__))
#define wait_no_handlers(...) (harness_at(__FILE__, __LINE__), wait_no_handlers(__VA_ARGS__))
#define lchatd_stop_ok(...) (harness_at(__FILE__, __LINE__), lchatd_stop_ok(__VA_ARGS__))
#define tc_connect(...) (harness_at(__FILE__, __LINE__), tc_connect(__VA_ARGS__))
#define ctl_connect(...) (harness_at(__FILE__, __LINE__), ctl_connect(__VA_ARGS__))
#define tc_send(...) (harness_at(__FILE__, __LINE__), tc_send(__VA_ARGS__))
#define tc_send_raw(...) (harness_at(__FILE__, __LINE__), tc_send_raw(__VA_ARGS__))
#define tc_expect(...) (harness_at(__FILE__, __LINE__), tc_expect(__VA_ARGS__))
#define tc_expectf(...) (harness_at(__FILE__, __LINE__), tc_expectf(__VA_ARGS__))
#define tc_expect_skip(...) (harness_at(__FILE__, __LINE__), tc_expect_skip(__VA_ARGS__))
#define tc_expect_past_events(...) (harness_at(__FILE__, __LINE__), tc_expect_past_events(__VA_ARGS__))
#define tc_ack(...) (harness_at(__FILE__, __LINE__), tc_ack(__VA_ARGS__))
#define tc_expect_silence(...) (harness_at(__FILE__, __LINE__), tc_expect_silence(__VA_ARGS__))
#define tc_expect_eof(...) (harness_at(__FILE__, __LINE__), tc_expect_eof(__VA_ARGS__))
#define tc_expect_shutdown(...) (harness_at(__FILE__, __LINE__), tc_expect_shutdown(__VA_ARGS__))
#define tc_eof(...) (harness_at(__FILE__, __LINE__), tc_eof(__VA_ARGS__))
#define tc_join(...) (harness_at(__FILE__, __LINE__), tc_join(__VA_ARGS__))
#define tc_join_proto2(...) (harness_at(__FILE__, __LINE__), tc_join_proto2(__VA_ARGS__))
#define line_seq(...) (harness_at(__FILE__, __LINE__), line_seq(__VA_ARGS__))
#define line_ms(...) (harness_at(__FILE__, __LINE__), line_ms(__VA_ARGS__))
#endif

#endif
