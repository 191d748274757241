/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* test_client_script.c - end-to-end tests of lchat's scripting mode (stdin
 * and stdout are pipes): lines from stdin are sent in order and nothing is
 * lost, events come out in the documented plain format, the exit statuses,
 * a hostile server's bytes made visible, and an impostor at the socket
 * path refused. Real lchat, real lchatd.
 *
 * Names used here (alice, bob, carol, ci, bot, observer) must not be other
 * accounts' login names on the test machine. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fakesrv.h"
#include "harness.h"
#include "impostor.h"
#include "runcmd.h"
#include "util.h"

#define CONF "motd = \"Welcome to the test room\"\n"
/* The start of every event line on stdout: the UTC time. */
#define ISO "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z "

/* An lchat with its stdin and stdout on pipes and stderr in a file. */
struct lchat {
	pid_t pid;
	int in;                 /* its stdin; -1 once closed */
	struct linesock out;    /* its stdout */
	char err[64];           /* its stderr */
	bool reaped;
	int status;
};

/* Start lchat with argv (argv[0] is ignored) and extra environment
 * ("NAME=value" or NULL). It gets SIGTERM if the test process dies. */
static struct lchat *lchat_spawn(const char *const *args, const char *env)
{
	struct lchat *l = xcalloc(1, sizeof(*l));
	int pin[2], pout[2], efd;
	const char *argv[16];
	int n = 0;

	argv[n++] = lchat_exe();
	for (int i = 0; args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	snprintf(l->err, sizeof(l->err), "/tmp/lchat-stderr.XXXXXX");
	efd = mkstemp(l->err);
	ck_assert_msg(efd >= 0, "mkstemp: %s", strerror(errno));
	ck_assert(pipe2(pin, O_CLOEXEC) == 0 && pipe2(pout, O_CLOEXEC) == 0);
	fflush(NULL);
	l->pid = fork();
	ck_assert_msg(l->pid >= 0, "fork: %s", strerror(errno));
	if (l->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(pin[0], 0);
		dup2(pout[1], 1);
		dup2(efd, 2);
		unsetenv("LCHAT_SOCKET");
		if (env)
			putenv((char *)env);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(pin[0]);
	close(pout[1]);
	close(efd);
	l->in = pin[1];
	l->out.fd = pout[0];
	ck_assert(fcntl(l->out.fd, F_SETFL, O_NONBLOCK) == 0);
	return l;
}

static void lchat_write(struct lchat *l, const char *text)
{
	ck_assert_msg(write_all(l->in, text, strlen(text)) == 0, "lchat's stdin: %s",
		      strerror(errno));
}

static void lchat_close_stdin(struct lchat *l)
{
	if (l->in >= 0)
		close(l->in);
	l->in = -1;
}

/* Write text to its stdin, then end its stdin. */
static void lchat_input(struct lchat *l, const char *text)
{
	lchat_write(l, text);
	lchat_close_stdin(l);
}

/* The next stdout line matching re (lines before it that do not match
 * fail the test unless skip). */
static char *lchat_expect(struct lchat *l, const char *re, bool skip)
{
	int64_t deadline = mono_ms_now() + TC_TIMEOUT;
	size_t len;

	for (;;) {
		char *line = linesock_read(&l->out, deadline, &len);

		ck_assert_msg(line, "lchat's stdout: no line matching /%s/ (%s)", re,
			      l->out.eof ? "end of output" : "timeout");
		if (line_matches(line, re))
			return line;
		ck_assert_msg(skip, "lchat's stdout: expected /%s/, got '%s'", re, line);
		free(line);
	}
}

/* Wait for lchat to exit; returns its exit status (128+N for signal N). */
static int lchat_wait(struct lchat *l, int timeout_ms)
{
	int64_t deadline = mono_ms_now() + timeout_ms;

	while (!l->reaped) {
		pid_t r = waitpid(l->pid, &l->status, WNOHANG);

		if (r == l->pid) {
			l->reaped = true;
			break;
		}
		ck_assert_msg(ms_left(deadline) > 0, "lchat did not exit within %d ms", timeout_ms);
		sleep_ms(10);
	}
	return WIFEXITED(l->status) ? WEXITSTATUS(l->status) : 128 + WTERMSIG(l->status);
}

/* Its stderr so far (free() it). */
static char *lchat_stderr(struct lchat *l)
{
	char *buf = xcalloc(1, 65536);

	ck_assert_msg(read_small(l->err, buf, 65536), "%s: %s", l->err, strerror(errno));
	return buf;
}

/* Its stderr so far contains text. */
static void expect_stderr(struct lchat *l, const char *text)
{
	char *err = lchat_stderr(l);

	ck_assert_msg(strstr(err, text), "stderr has no '%s': %s", text, err);
	free(err);
}

static void lchat_free(struct lchat *l)
{
	if (!l->reaped) {
		kill(l->pid, SIGKILL);
		waitpid(l->pid, NULL, 0);
	}
	lchat_close_stdin(l);
	linesock_close(&l->out);
	unlink(l->err);
	free(l);
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* ---- sending ---------------------------------------------------------------- */

START_TEST(test_echo_build_done)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *obs = tc_connect(d->sock);
	struct lchat *l;

	tc_join(obs, "observer");
	l = lchat_spawn(ARGS("-n", "ci", "-s", d->sock), NULL);
	lchat_input(l, "build done\n");
	tc_expect(obs, "EV [0-9]+ [0-9]+ JOIN ci ", TC_TIMEOUT);
	tc_expect(obs, "EV [0-9]+ [0-9]+ MSG ci build done$", TC_TIMEOUT);
	tc_expect(obs, "EV [0-9]+ [0-9]+ LEAVE ci [^ ]+ quit$", TC_TIMEOUT);
	ck_assert_int_eq(lchat_wait(l, TC_TIMEOUT), 0);
	/* Its own message is on its stdout too, after the history. */
	free(lchat_expect(l, ISO "MSG ci build done$", true));
	lchat_free(l);
	tc_close(obs);
	lchatd_stop_ok(d);
}
END_TEST

START_TEST(test_null_stdin_and_last_line)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *obs = tc_connect(d->sock);
	struct lchat *l;

	tc_join(obs, "observer");
	/* lchat -n bot < /dev/null: joins and leaves, status 0. */
	l = lchat_spawn(ARGS("-n", "bot", "-s", d->sock), NULL);
	lchat_close_stdin(l);
	ck_assert_int_eq(lchat_wait(l, TC_TIMEOUT), 0);
	tc_expect(obs, "EV [0-9]+ [0-9]+ JOIN bot ", TC_TIMEOUT);
	tc_expect(obs, "EV [0-9]+ [0-9]+ LEAVE bot [^ ]+ quit$", TC_TIMEOUT);
	expect_stderr(l, "lchat: motd: Welcome to the test room\n");
	lchat_free(l);

	/* A last line without its newline is sent too. */
	l = lchat_spawn(ARGS("-n", "bot", "-s", d->sock), NULL);
	lchat_input(l, "first\nno newline at the end");
	tc_expect(obs, "EV [0-9]+ [0-9]+ JOIN bot ", TC_TIMEOUT);
	tc_expect(obs, "EV [0-9]+ [0-9]+ MSG bot first$", TC_TIMEOUT);
	tc_expect(obs, "EV [0-9]+ [0-9]+ MSG bot no newline at the end$", TC_TIMEOUT);
	tc_expect(obs, "EV [0-9]+ [0-9]+ LEAVE bot [^ ]+ quit$", TC_TIMEOUT);
	ck_assert_int_eq(lchat_wait(l, TC_TIMEOUT), 0);
	lchat_free(l);
	tc_close(obs);
	lchatd_stop_ok(d);
}
END_TEST

/* Many lines, faster than the rate limit allows: every one arrives, in
 * order, once (the rate-limited ones are sent again later). */
START_TEST(test_many_lines_in_order)
{
	struct lchatd *d = lchatd_start(CONF "rate_limit = 50\nrate_burst = 5\n");
	struct tclient *obs = tc_connect(d->sock);
	struct lchat *l;
	char line[64];
	const int n = 80;

	tc_join(obs, "observer");
	l = lchat_spawn(ARGS("-n", "ci", "-s", d->sock, "--no-history"), NULL);
	for (int i = 1; i <= n; i++) {
		snprintf(line, sizeof(line), "line %d of the build log\n", i);
		lchat_write(l, line);
	}
	lchat_close_stdin(l);
	tc_expect(obs, "EV [0-9]+ [0-9]+ JOIN ci ", TC_TIMEOUT);
	for (int i = 1; i <= n; i++)
		tc_expectf(obs, TC_TIMEOUT, "EV [0-9]+ [0-9]+ MSG ci line %d of the build log$", i);
	tc_expect(obs, "EV [0-9]+ [0-9]+ LEAVE ci [^ ]+ quit$", TC_TIMEOUT);
	ck_assert_int_eq(lchat_wait(l, TC_TIMEOUT), 0);
	for (int i = 1; i <= n; i++) {
		snprintf(line, sizeof(line), ISO "MSG ci line %d of the build log$", i);
		free(lchat_expect(l, line, false));
	}
	lchat_free(l);
	tc_close(obs);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- receiving: the documented format ------------------------------------- */

START_TEST(test_event_format)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *alice = tc_connect(d->sock), *carol, *ctl;
	struct lchat *l;
	char re[256];

	tc_join(alice, "alice");
	tc_send(alice, "SAY from before");
	tc_ack(alice, "SAY");
	l = lchat_spawn(ARGS("-n", "bot", "-s", d->sock), NULL);
	/* History first (alice's join and message), then live events. */
	snprintf(re, sizeof(re), ISO "JOIN alice %s$", re_quote(my_login()));
	free(lchat_expect(l, re, false));
	free(lchat_expect(l, ISO "MSG alice from before$", false));
	tc_expect(alice, "EV [0-9]+ [0-9]+ JOIN bot ", TC_TIMEOUT);
	tc_send(alice, "SAY hello bot");
	tc_ack(alice, "SAY");
	free(lchat_expect(l, ISO "MSG alice hello bot$", false));
	tc_send(alice, "ME pokes the bot");
	tc_ack(alice, "ME");
	free(lchat_expect(l, ISO "ACTION alice pokes the bot$", false));
	tc_send(alice, "PRIV bot a secret");
	tc_ack(alice, "PRIV");
	free(lchat_expect(l, ISO "PRIV alice a secret$", false));
	ctl = ctl_connect(d->ctl);
	tc_send(ctl, "NOTICE maintenance at noon");
	tc_expect(ctl, "OK NOTICE [0-9]+$", TC_TIMEOUT);
	free(lchat_expect(l, ISO "NOTICE maintenance at noon$", false));
	carol = tc_connect(d->sock);
	tc_join(carol, "carol");
	snprintf(re, sizeof(re), ISO "JOIN carol %s$", re_quote(my_login()));
	free(lchat_expect(l, re, false));
	tc_send(carol, "QUIT gone fishing");
	snprintf(re, sizeof(re), ISO "LEAVE carol %s quit gone fishing$", re_quote(my_login()));
	free(lchat_expect(l, re, false));

	/* Commands work in the scripting mode too. */
	lchat_write(l, "/msg alice hi there\n/me beeps\n/who\n//slash\n");
	tc_expect_skip(alice, "EV [0-9]+ [0-9]+ PRIV bot hi there$", TC_TIMEOUT);
	tc_expect(alice, "EV [0-9]+ [0-9]+ ACTION bot beeps$", TC_TIMEOUT);
	tc_expect(alice, "EV [0-9]+ [0-9]+ MSG bot /slash$", TC_TIMEOUT);
	free(lchat_expect(l, ISO "PRIV-SENT alice hi there$", false));
	free(lchat_expect(l, ISO "ACTION bot beeps$", false));
	snprintf(re, sizeof(re), ISO "WHO alice %s [0-9]+$", re_quote(my_login()));
	free(lchat_expect(l, re, false));
	snprintf(re, sizeof(re), ISO "WHO bot %s [0-9]+$", re_quote(my_login()));
	free(lchat_expect(l, re, false));
	free(lchat_expect(l, ISO "MSG bot /slash$", false));
	lchat_close_stdin(l);
	ck_assert_int_eq(lchat_wait(l, TC_TIMEOUT), 0);
	tc_expect(alice, "EV [0-9]+ [0-9]+ LEAVE bot [^ ]+ quit$", TC_TIMEOUT);
	lchat_free(l);
	tc_close(ctl);
	tc_close(alice);
	lchatd_stop_ok(d);
}
END_TEST

/* --listen stays after the end of stdin; SIGTERM leaves with QUIT. */
START_TEST(test_listen_and_sigterm)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *alice = tc_connect(d->sock);
	struct lchat *l;

	tc_join(alice, "alice");
	l = lchat_spawn(ARGS("-n", "bot", "-s", d->sock, "--listen", "-H"), NULL);
	lchat_close_stdin(l);
	tc_expect(alice, "EV [0-9]+ [0-9]+ JOIN bot ", TC_TIMEOUT);
	tc_send(alice, "SAY still there?");
	tc_ack(alice, "SAY");
	/* -H: no history; the first line is the live message. */
	free(lchat_expect(l, ISO "MSG alice still there\\?$", false));
	ck_assert_int_eq(kill(l->pid, SIGTERM), 0);
	ck_assert_int_eq(lchat_wait(l, TC_TIMEOUT), 0);
	tc_expect(alice, "EV [0-9]+ [0-9]+ LEAVE bot [^ ]+ quit$", TC_TIMEOUT);
	lchat_free(l);
	tc_close(alice);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- errors and exit statuses ------------------------------------------------- */

START_TEST(test_name_refused_and_errors)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *carol = tc_connect(d->sock);
	struct lchat *l;

	tc_join(carol, "carol");
	l = lchat_spawn(ARGS("-n", "Carol", "-s", d->sock), NULL);
	ck_assert_int_eq(lchat_wait(l, TC_TIMEOUT), 4);
	expect_stderr(l, "cannot join as Carol");
	expect_stderr(l, "(name-taken)");
	lchat_free(l);

	/* An unknown command and a refused message: said on stderr, the
	 * rest still sent, and the exit status says something went wrong. */
	l = lchat_spawn(ARGS("-n", "bot", "-s", d->sock), NULL);
	lchat_input(l, "/frobnicate\n/msg nosuchmember hi\nstill here\n");
	tc_expect(carol, "EV [0-9]+ [0-9]+ JOIN bot ", TC_TIMEOUT);
	tc_expect(carol, "EV [0-9]+ [0-9]+ MSG bot still here$", TC_TIMEOUT);
	ck_assert_int_eq(lchat_wait(l, TC_TIMEOUT), 1);
	expect_stderr(l, "lchat: unknown command /frobnicate");
	expect_stderr(l, "(no-such-user)");
	lchat_free(l);
	tc_close(carol);
	lchatd_stop_ok(d);
}
END_TEST

START_TEST(test_exit_statuses_and_socket_choice)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *obs = tc_connect(d->sock);
	struct lchat *l;
	char env[PATH_MAX + 32];

	tc_join(obs, "observer");
	l = lchat_spawn(ARGS("--version"), NULL);
	free(lchat_expect(l, "lchat 0\\.1\\.0 ", false));
	ck_assert_int_eq(lchat_wait(l, TC_TIMEOUT), 0);
	lchat_free(l);
	l = lchat_spawn(ARGS("--help"), NULL);
	free(lchat_expect(l, "usage: lchat ", false));
	ck_assert_int_eq(lchat_wait(l, TC_TIMEOUT), 0);
	lchat_free(l);
	l = lchat_spawn(ARGS("--frobnicate"), NULL);
	ck_assert_int_eq(lchat_wait(l, TC_TIMEOUT), 2);
	lchat_free(l);
	l = lchat_spawn(ARGS("-s", d->sock, "surplus"), NULL);
	ck_assert_int_eq(lchat_wait(l, TC_TIMEOUT), 2);
	lchat_free(l);
	l = lchat_spawn(ARGS("-c", "/nonexistent/lchat.conf"), NULL);
	ck_assert_int_eq(lchat_wait(l, TC_TIMEOUT), 3);
	expect_stderr(l, "/nonexistent/lchat.conf");
	lchat_free(l);
	l = lchat_spawn(ARGS("-s", "/nonexistent/lchat.sock"), NULL);
	ck_assert_int_eq(lchat_wait(l, TC_TIMEOUT), 1);
	expect_stderr(l, "cannot connect to /nonexistent/lchat.sock");
	lchat_free(l);

	/* The socket from $LCHAT_SOCKET, then from the config. */
	snprintf(env, sizeof(env), "LCHAT_SOCKET=%s", d->sock);
	l = lchat_spawn(ARGS("-n", "bob"), env);
	lchat_input(l, "via the environment\n");
	tc_expect(obs, "EV [0-9]+ [0-9]+ JOIN bob ", TC_TIMEOUT);
	tc_expect(obs, "EV [0-9]+ [0-9]+ MSG bob via the environment$", TC_TIMEOUT);
	ck_assert_int_eq(lchat_wait(l, TC_TIMEOUT), 0);
	lchat_free(l);
	l = lchat_spawn(ARGS("-n", "bob", "-c", d->conf), NULL);
	lchat_input(l, "via the config\n");
	tc_expect_skip(obs, "EV [0-9]+ [0-9]+ MSG bob via the config$", TC_TIMEOUT);
	ck_assert_int_eq(lchat_wait(l, TC_TIMEOUT), 0);
	lchat_free(l);
	tc_close(obs);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- a hostile server ---------------------------------------------------------- */

START_TEST(test_hostile_server_plain)
{
	char dir[] = "/tmp/lchat-client.XXXXXX";
	struct fakesrv *f;
	struct lchat *l;
	char *line;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	f = fake_listen(dir);
	l = lchat_spawn(ARGS("-n", "alice", "-s", fake_path(f)), NULL);
	fake_accept(f, TC_TIMEOUT);
	fake_greet_join(f, "alice", 10);
	fake_send(f, "EV 11 1795290000000 MSG eve \033[2J\033]52;c;cHduZWQ=\007\n");
	fake_send(f, "EV 12 1795290000000 MSG e\033[31mve \xe2\x80\xae\xc2\x9b\x9b\n");
	fake_send(f, "EV 13 1795290000000 LEAVE eve x kicked \033[1mgone\n");
	fake_send(f, "EV 14 1795290000000 MSG eve the end\n");
	line = lchat_expect(l, "2026-11-21T19:40:00Z MSG eve \\^\\[\\[2J\\^\\[\\]52;c;cHduZWQ=\\^G$", false);
	free(line);
	line = lchat_expect(l, ISO "MSG e\\^\\[\\[31mve <U\\+202E><U\\+009B>\xef\xbf\xbd$", false);
	free(line);
	free(lchat_expect(l, ISO "LEAVE eve x kicked \\^\\[\\[1mgone$", false));
	free(lchat_expect(l, ISO "MSG eve the end$", false));
	/* Banned: no reconnect, status 4, the reason on stderr. */
	fake_send(f, "BYE banned \033[2Jfor spamming\n");
	ck_assert_int_eq(lchat_wait(l, TC_TIMEOUT), 4);
	line = lchat_stderr(l);
	ck_assert_msg(strstr(line, "lchat: you are banned from the room: ^[[2Jfor spamming\n"),
		      "stderr: %s", line);
	ck_assert_msg(!strchr(line, '\033'), "an escape reached stderr: %s", line);
	free(line);
	lchat_free(l);
	fake_close(f);
	remove_tree(dir);
}
END_TEST

/* Run lchat-admin -s CONTROL VERB ARG [ARG]; it must succeed. */
static void admin_ok(struct lchatd *d, const char *verb, const char *arg, const char *more)
{
	char *argv[] = { (char *)lchat_admin_exe(), "-s", d->ctl, (char *)verb, (char *)arg,
			 (char *)more, NULL };
	struct cmd_opts o = { 0 };
	struct cmd_result r;

	ck_assert_msg(run_cmd(&r, &o, argv) == 0, "lchat-admin %s %s: %s", verb, arg, r.err);
	cmd_result_free(&r);
}

/* lchatd's BYE texts already speak to the user: lchat says them once,
 * without its own words in front ("you are banned from the room: you are
 * banned from the room for 1d" was said before). */
START_TEST(test_bye_said_once)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *alice = tc_connect(d->sock);
	struct lchat *l;
	char *err;

	tc_join(alice, "alice");
	l = lchat_spawn(ARGS("-n", "bot", "-s", d->sock, "--listen", "-H"), NULL);
	tc_expect(alice, "EV [0-9]+ [0-9]+ JOIN bot ", TC_TIMEOUT);
	admin_ok(d, "kick", "bot", "enough of that");
	tc_expect(alice, "EV [0-9]+ [0-9]+ LEAVE bot [^ ]+ kicked ", TC_TIMEOUT);
	ck_assert_int_eq(lchat_wait(l, TC_TIMEOUT), 4);
	err = lchat_stderr(l);
	ck_assert_msg(strstr(err, "lchat: you were removed by an administrator: enough of that\n") &&
		      !strstr(err, "kicked from the room"), "stderr: %s", err);
	free(err);
	lchat_free(l);

	l = lchat_spawn(ARGS("-n", "bot", "-s", d->sock, "--listen", "-H"), NULL);
	tc_expect(alice, "EV [0-9]+ [0-9]+ JOIN bot ", TC_TIMEOUT);
	char me[24];
	snprintf(me, sizeof(me), "#%u", (unsigned)getuid());
	admin_ok(d, "ban", me, "1d");
	ck_assert_int_eq(lchat_wait(l, TC_TIMEOUT), 4);
	err = lchat_stderr(l);
	ck_assert_msg(strstr(err, "lchat: you are banned from the room for 1d\n") &&
		      !strstr(err, "room: you are banned"), "stderr: %s", err);
	free(err);
	lchat_free(l);
	tc_close(alice);
	lchatd_stop_ok(d);
}
END_TEST

/* An administrator's kick ends lchat with status 4 and the reason, and it
 * does not reconnect; a muted lchat says its lines were not sent. */
START_TEST(test_kicked_and_muted_by_admin)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *alice = tc_connect(d->sock);
	struct lchat *l;

	tc_join(alice, "alice");
	l = lchat_spawn(ARGS("-n", "bot", "-s", d->sock, "--listen", "-H"), NULL);
	tc_expect(alice, "EV [0-9]+ [0-9]+ JOIN bot ", TC_TIMEOUT);
	admin_ok(d, "kick", "bot", "enough of that");
	tc_expect(alice, "EV [0-9]+ [0-9]+ LEAVE bot [^ ]+ kicked enough of that$", TC_TIMEOUT);
	ck_assert_int_eq(lchat_wait(l, TC_TIMEOUT), 4);
	expect_stderr(l, "removed by an administrator: enough of that");
	tc_expect_silence(alice);          /* no reconnection, no new JOIN */
	lchat_free(l);

	/* Muted (all harness clients share one uid, alice too): it joins
	 * only under its login (a name of its choosing is refused: exit 4),
	 * the line is refused, said on stderr, and the exit status says not
	 * all was sent. */
	admin_ok(d, "mute", "alice", "1m");
	tc_expect(alice, "EV [0-9]+ [0-9]+ NOTICE you have been muted by an administrator for 1m$",
		  TC_TIMEOUT);
	l = lchat_spawn(ARGS("-n", "ci", "-s", d->sock, "-H"), NULL);
	ck_assert_int_eq(lchat_wait(l, TC_TIMEOUT), 4);
	expect_stderr(l, "you may join only as ");
	lchat_free(l);
	l = lchat_spawn(ARGS("-s", d->sock, "-H"), NULL);
	lchat_input(l, "can anyone hear me\n");
	ck_assert_int_eq(lchat_wait(l, TC_TIMEOUT), 1);
	expect_stderr(l, "muted");
	/* Said once: "not sent: ...; not sent (muted)" was said before. */
	char *err = lchat_stderr(l);
	ck_assert_msg(strstr(err, "lchat: not sent: an administrator muted you for ") &&
		      !strstr(err, "; not sent"), "stderr: %s", err);
	free(err);
	tc_expectf(alice, TC_TIMEOUT, "EV [0-9]+ [0-9]+ JOIN %s ", re_quote(my_login()));
	tc_expectf(alice, TC_TIMEOUT, "EV [0-9]+ [0-9]+ LEAVE %s [^ ]+ quit", re_quote(my_login()));
	tc_expect_silence(alice);          /* the message never reached the room */
	lchat_free(l);
	tc_close(alice);
	lchatd_stop_ok(d);
}
END_TEST

/* The limits on connections not joined yet: lchat says why it was turned
 * away (BYE busy) and exits 1; once the waiting connection is gone, it
 * gets in. */
START_TEST(test_refused_while_others_join)
{
	struct lchatd *d = lchatd_start(CONF "max_unjoined = 1\n");
	struct tclient *obs = tc_connect(d->sock);
	struct tclient *waiting;
	struct lchat *l;

	tc_join(obs, "observer");
	waiting = tc_connect(d->sock);          /* greeted, never joins */
	l = lchat_spawn(ARGS("-n", "ci", "-s", d->sock), NULL);
	lchat_input(l, "build done\n");
	ck_assert_int_eq(lchat_wait(l, TC_TIMEOUT), 1);
	expect_stderr(l, "too many connections are joining right now");
	expect_stderr(l, "(busy)");
	lchat_free(l);
	tc_expect_silence(obs);

	tc_close(waiting);
	/* Its handler is gone and reaped: only the observer's is left. */
	pid_t dmn = lchatd_daemon_pid(d);
	int64_t deadline = mono_ms_now() + TC_TIMEOUT;
	while (count_handlers(dmn, 0) != 1 && mono_ms_now() < deadline)
		sleep_ms(10);
	ck_assert_int_eq(count_handlers(dmn, 0), 1);
	l = lchat_spawn(ARGS("-n", "ci", "-s", d->sock), NULL);
	lchat_input(l, "build done\n");
	tc_expect(obs, "EV [0-9]+ [0-9]+ JOIN ci ", TC_TIMEOUT);
	tc_expect(obs, "EV [0-9]+ [0-9]+ MSG ci build done$", TC_TIMEOUT);
	ck_assert_int_eq(lchat_wait(l, TC_TIMEOUT), 0);
	lchat_free(l);
	tc_close(obs);
	lchatd_stop_ok(d);
}
END_TEST

/* lchatd stops and somebody else (uid 65534) listens at its socket path:
 * the reconnecting lchat refuses it for good (issue 16 item 12): status
 * 1, why on stderr, nothing of the impostor's shown, and no more tries
 * (it exits, though --listen would keep it). -c names no file: the
 * daemon's user is the default, whatever /etc/lchat.conf says. */
START_TEST(test_impostor_after_restart)
{
	if (geteuid() != 0) {
		fprintf(stderr, "impostor_after_restart: not root, cannot run a server as "
			"another uid: skipped\n");
		return;
	}
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *alice = tc_connect(d->sock);
	struct lchat *l;
	size_t len;
	char *line, *err;

	tc_join(alice, "alice");
	l = lchat_spawn(ARGS("-n", "bot", "-s", d->sock, "-c", "/nonexistent/lchat.conf",
			     "--listen", "-H"), NULL);
	lchat_close_stdin(l);
	tc_expect(alice, "EV [0-9]+ [0-9]+ JOIN bot ", TC_TIMEOUT);
	tc_close(alice);
	lchatd_signal(d, SIGTERM);
	ck_assert_int_ne(lchatd_wait_exit(d, 10000), -1);
	ck_assert(unlink(d->sock) == 0 || errno == ENOENT);
	pid_t impostor = impostor_start(d->sock, IMPOSTOR_USER_HELLO, NOBODY, true);

	ck_assert_int_eq(lchat_wait(l, TC_TIMEOUT), 1);
	expect_stderr(l, "refusing the server at ");
	expect_stderr(l, "it runs as uid 65534, not as root");
	err = lchat_stderr(l);
	ck_assert_msg(!strstr(err, IMPOSTOR_TEXT), "the impostor's text on stderr: %s", err);
	ck_assert_msg(!strstr(err, "Sanitizer") && !strstr(err, "runtime error:"),
		      "a sanitizer report: %s", err);
	free(err);
	while ((line = linesock_read(&l->out, mono_ms_now() + TC_TIMEOUT, &len))) {
		ck_assert_msg(!strstr(line, IMPOSTOR_TEXT), "the impostor's text shown: %s", line);
		free(line);
	}
	ck_assert_msg(l->out.eof, "lchat's stdout did not end");
	lchat_free(l);
	impostor_stop(impostor, d->sock);
	lchatd_stop_ok(d);
}
END_TEST

static Suite *client_script_suite(void)
{
	const struct harness_case cases[] = {
		{ "echo_build_done", test_echo_build_done, 60 },
		{ "null_stdin_and_last_line", test_null_stdin_and_last_line, 60 },
		{ "many_lines_in_order", test_many_lines_in_order, 90 },
		{ "event_format", test_event_format, 60 },
		{ "listen_and_sigterm", test_listen_and_sigterm, 60 },
		{ "name_refused_and_errors", test_name_refused_and_errors, 60 },
		{ "exit_statuses_and_socket_choice", test_exit_statuses_and_socket_choice, 60 },
		{ "hostile_server_plain", test_hostile_server_plain, 60 },
		{ "kicked_and_muted_by_admin", test_kicked_and_muted_by_admin, 60 },
		{ "refused_while_others_join", test_refused_while_others_join, 60 },
		{ "bye_said_once", test_bye_said_once, 60 },
		{ "impostor_after_restart", test_impostor_after_restart, 60 },
	};

	return harness_suite("client_script", cases, HARNESS_NCASES(cases));
}

int main(void)
{
	return harness_run(client_script_suite());
}
