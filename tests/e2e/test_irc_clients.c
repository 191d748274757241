/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* test_irc_clients.c - real IRC clients on lchatd's IRC socket (issue 19
 * point 5), talking with the real lchat:
 *
 *   irssi_and_lchat  Debian's irssi and lchat, each in a tmux window of
 *                    one private tmux server: irssi connects to the UNIX
 *                    socket (/connect PATH), each says something the other
 *                    shows, a /me, private messages both ways, irssi's
 *                    /quit seen by lchat.
 *   python_irc_bot   tests/e2e/irc_bot.py, written with Python's irc
 *                    library (Debian's python3-irc, run by /usr/bin/python3)
 *                    and connected through its connect_factory, answers a
 *                    mention and a private message from lchat, and leaves
 *                    on a command.
 *   weechat_bridge   weechat (3.8 cannot connect to a UNIX socket: weechat
 *                    issue #2115) through scripts/weechat-lchat, README's
 *                    way: socat in a private network namespace; a message
 *                    each way, and its /quit.
 *
 * Every wait is for text on a screen (polled, with a deadline); a failure
 * message carries the screens of every window of the test. A client that
 * is not installed fails the test and says which package to install
 * (scripts/install-deps does; CI runs it): nothing is skipped. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "runcmd.h"
#include "srctree.h"
#include "tmux.h"

#define T_WAIT 15000
/* lchat's time stamp at the start of a line. */
#define TS "^\\[[0-9][0-9]:[0-9][0-9]\\] "

/* The windows of the running test, whose screens a failure shows. */
static const char *windows[4];

/* Fail the test: what was awaited, and every window's screen. */
static void fail_with_screens(struct tmux *t, const char *win, const char *re, int timeout_ms)
{
	char msg[7000];
	size_t used = 0;

	used += (size_t)snprintf(msg, sizeof(msg), "%s: the screen did not show /%s/ within %d ms",
				 win, re, timeout_ms);
	for (int i = 0; i < 4 && windows[i]; i++) {
		char *s = tmux_screen(t, windows[i]);

		fprintf(stderr, "---- screen of %s ----\n%s---- end ----\n", windows[i], s);
		if (used < sizeof(msg))
			used += (size_t)snprintf(msg + used, sizeof(msg) - used,
						 "\n---- screen of %s ----\n%s", windows[i], s);
		free(s);
	}
	ck_abort_msg("%s", msg);
}

/* Wait until window win shows a line matching re (REG_NEWLINE). */
static void wait_screen(struct tmux *t, const char *win, const char *re)
{
	int64_t deadline = mono_ms_now() + T_WAIT;

	while (tmux_count(t, win, re) == 0) {
		if (ms_left(deadline) == 0)
			fail_with_screens(t, win, re, T_WAIT);
		sleep_ms(20);
	}
}

/* Print a window's screen to the test's output (the report's capture). */
static void show_screen(struct tmux *t, const char *win, const char *what)
{
	char *s = tmux_screen(t, win);

	printf("---- %s ----\n%s---- end ----\n", what, s);
	fflush(stdout);
	free(s);
}

/* The test fails, saying what to install, unless prog is on PATH. */
static void need_program(const char *prog, const char *package)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
		size_t n = strcspn(p, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, p, prog);
		if (access(buf, X_OK) == 0)
			return;
		p += n + (p[n] == ':');
	}
	ck_abort_msg("%s is not installed: apt-get install %s (scripts/install-deps installs it, "
		     "as make check does)", prog, package);
}

/* The daemon's IRC socket (the harness's irc_socket), accepting. */
static const char *irc_socket(const struct lchatd *d)
{
	ck_assert_msg(sock_can_connect(d->irc), "lchatd does not listen on its IRC socket %s", d->irc);
	return d->irc;
}

/* ---- irssi ---------------------------------------------------------------- */

/* irssi's home in dir, with a configuration of its own: no user's
 * ~/.irssi is read or written. The settings name the user (irssi would
 * otherwise take them from the passwd entry and announce it). */
static void irssi_home(const char *dir, char *home, size_t len)
{
	char conf[PATH_MAX + 16];
	FILE *f;

	snprintf(home, len, "%s/irssi", dir);
	ck_assert_msg(mkdir(home, 0700) == 0, "mkdir %s: %s", home, strerror(errno));
	snprintf(conf, sizeof(conf), "%s/config", home);
	f = fopen(conf, "w");
	ck_assert_msg(f, "%s: %s", conf, strerror(errno));
	fprintf(f, "settings = {\n"
		   "  core = { real_name = \"Iris\"; user_name = \"iris\"; nick = \"iris\"; };\n"
		   "  \"fe-common/core\" = { theme = \"default\"; };\n"
		   "};\n");
	ck_assert_msg(fclose(f) == 0, "%s: %s", conf, strerror(errno));
}

START_TEST(test_irssi_and_lchat)
{
	need_program("irssi", "irssi");
	struct lchatd *d = lchatd_start("motd = \"\"\n");
	const char *irc = irc_socket(d);
	struct tmux *t = tmux_start(d->dir);
	struct tclient *obs = tc_connect(d->sock);
	char home[PATH_MAX], cmd[PATH_MAX * 2];

	tc_join(obs, "obs");
	windows[0] = "irssi";
	irssi_home(d->dir, home, sizeof(home));
	snprintf(cmd, sizeof(cmd), "irssi --home=%s", home);
	tmux_window(t, "irssi", cmd);
	wait_screen(t, "irssi", "\\[\\(status\\)\\]");

	/* irssi 1.4 connects to a UNIX socket when the address is a path.
	 * Registering joins #general; then /join of it (nothing to the
	 * server, which has us in it) shows its window, whichever irssi
	 * shows first. */
	snprintf(cmd, sizeof(cmd), "/connect %s", irc);
	tmux_enter(t, "irssi", cmd);
	tc_expect_skip(obs, "^EV [0-9]+ [0-9]+ JOIN iris ", TC_TIMEOUT);
	tmux_enter(t, "irssi", "/join #general");
	wait_screen(t, "irssi", "iris \\[[^]]+@lchat\\] has joined #general");

	tmux_lchat(t, "lena", d->sock, NULL);
	windows[1] = "lena";
	wait_screen(t, "lena", "you are in the room as lena");
	wait_screen(t, "irssi", "lena \\[[^]]+@lchat\\] has joined #general");

	/* irssi to lchat, lchat to irssi. */
	tmux_enter(t, "irssi", "hello from irssi");
	wait_screen(t, "lena", TS "<iris> hello from irssi$");
	tmux_enter(t, "lena", "hi iris, lchat here");
	wait_screen(t, "irssi", "<[ @+]?lena> hi iris, lchat here");

	/* An action from irssi is lchat's /me. */
	tmux_enter(t, "irssi", "/me waves from irssi");
	wait_screen(t, "lena", TS " \\* iris waves from irssi$");

	/* Private messages, both ways (irssi shows lena's in a query window
	 * of its own: /query lena shows it). */
	tmux_enter(t, "irssi", "/msg lena psst, from irssi");
	wait_screen(t, "lena", TS "\\*iris\\* \\(private\\) psst, from irssi$");
	tmux_enter(t, "lena", "/msg iris psst, from lchat");
	wait_screen(t, "lena", TS "-> iris: psst, from lchat$");
	tmux_enter(t, "irssi", "/query lena");
	wait_screen(t, "irssi", "<lena> psst, from lchat");
	show_screen(t, "irssi", "irssi's query window with lena");
	tmux_enter(t, "irssi", "/window goto #general");
	wait_screen(t, "irssi", "<[ @+]?lena> hi iris, lchat here");

	show_screen(t, "irssi", "irssi (real lchatd, IRC socket)");
	show_screen(t, "lena", "lchat (real lchatd, user socket)");

	/* irssi's /quit: lchat sees it leave, with its reason. */
	tmux_enter(t, "irssi", "/quit time for tea");
	wait_screen(t, "lena", TS "<-- iris left \\(quit: time for tea\\)$");
	ck_assert_int_eq(tmux_wait_exit(t, "irssi", T_WAIT), 0);
	show_screen(t, "lena", "lchat after irssi's /quit");
	tc_expect_skip(obs, "^EV [0-9]+ [0-9]+ LEAVE iris [^ ]+ quit time for tea$", TC_TIMEOUT);

	tc_close(obs);
	tmux_stop(t);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- a bot with Python's irc library -------------------------------------- */

/* /usr/bin/python3 (Debian's, with python3-irc; the python3 on PATH may
 * be another one) must import irc.client. */
static void need_python_irc(void)
{
	struct cmd_result r;
	struct cmd_opts o = { .timeout_ms = 20000 };
	char *const argv[] = { "/usr/bin/python3", "-c", "import irc.client", NULL };

	ck_assert_msg(access(argv[0], X_OK) == 0,
		      "/usr/bin/python3 is not installed: apt-get install python3 python3-irc "
		      "(scripts/install-deps installs them, as make check does)");
	run_cmd(&r, &o, argv);
	ck_assert_msg(r.code == 0,
		      "/usr/bin/python3 cannot import irc.client (%s): apt-get install python3-irc "
		      "(scripts/install-deps installs it, as make check does)", r.err);
	cmd_result_free(&r);
}

START_TEST(test_python_irc_bot)
{
	need_python_irc();
	struct lchatd *d = lchatd_start("motd = \"\"\n");
	const char *irc = irc_socket(d);
	struct tmux *t = tmux_start(d->dir);
	struct tclient *obs = tc_connect(d->sock);
	char cmd[PATH_MAX * 3];

	tc_join(obs, "obs");
	windows[0] = "bot";
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s %s pybot", src_path("tests/e2e/irc_bot.py"),
		 irc);
	tmux_window(t, "bot", cmd);
	wait_screen(t, "bot", "^in #general$");
	tc_expect_skip(obs, "^EV [0-9]+ [0-9]+ JOIN pybot ", TC_TIMEOUT);

	tmux_lchat(t, "lena", d->sock, NULL);
	windows[1] = "lena";
	wait_screen(t, "lena", "you are in the room as lena");

	/* A mention in the room is answered in the room. */
	tmux_enter(t, "lena", "pybot: ping");
	wait_screen(t, "bot", "^<lena> pybot: ping$");
	wait_screen(t, "lena", TS "<pybot> pong, lena$");
	tc_expect_skip(obs, "^EV [0-9]+ [0-9]+ MSG pybot pong, lena$", TC_TIMEOUT);

	/* A private message is answered in private. */
	tmux_enter(t, "lena", "/msg pybot ping");
	wait_screen(t, "bot", "^\\*lena\\* ping$");
	wait_screen(t, "lena", TS "\\*pybot\\* \\(private\\) pong, lena$");

	/* Told to leave, it parts #general and quits. */
	tmux_enter(t, "lena", "pybot: leave");
	wait_screen(t, "lena", TS "<-- pybot left \\(part: asked to leave\\)$");
	tc_expect_skip(obs, "^EV [0-9]+ [0-9]+ LEAVE pybot [^ ]+ part asked to leave$", TC_TIMEOUT);
	ck_assert_int_eq(tmux_wait_exit(t, "bot", T_WAIT), 0);
	show_screen(t, "bot", "the python3-irc bot");
	show_screen(t, "lena", "lchat talking with the bot");

	tc_close(obs);
	tmux_stop(t);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- weechat, through scripts/weechat-lchat -------------------------------- */

/* The kernel must let this user make a user namespace with a network
 * namespace (scripts/weechat-lchat's private loopback). */
static void need_userns(void)
{
	struct cmd_result r;
	struct cmd_opts o = { .timeout_ms = 20000 };
	char *const argv[] = { "/usr/bin/unshare", "--user", "--map-root-user", "--net", "true", NULL };

	run_cmd(&r, &o, argv);
	ck_assert_msg(r.code == 0,
		      "unshare --user --map-root-user --net fails (%s): scripts/weechat-lchat needs "
		      "unprivileged user namespaces (sysctl user.max_user_namespaces, "
		      "kernel.unprivileged_userns_clone, or an AppArmor restriction)", r.err);
	cmd_result_free(&r);
}

/* weechat 3.8 cannot connect to a UNIX socket: README's way is
 * scripts/weechat-lchat (socat in a private network namespace). The test
 * runs it as README says, with a temporary weechat home (-t). */
START_TEST(test_weechat_bridge)
{
	need_program("weechat", "weechat-curses");
	need_program("socat", "socat");
	need_program("unshare", "util-linux");
	need_program("ip", "iproute2");
	need_program("ss", "iproute2");
	need_userns();
	struct lchatd *d = lchatd_start("motd = \"\"\n");
	const char *irc = irc_socket(d);
	struct tmux *t = tmux_start(d->dir);
	struct tclient *obs = tc_connect(d->sock);
	char cmd[PATH_MAX * 3];

	tc_join(obs, "obs");
	windows[0] = "weechat";
	snprintf(cmd, sizeof(cmd), "%s %s wendy -t", src_path("scripts/weechat-lchat"), irc);
	tmux_window(t, "weechat", cmd);
	/* Registered (so in #general): then show its buffer, whichever
	 * weechat shows first. */
	tc_expect_skip(obs, "^EV [0-9]+ [0-9]+ JOIN wendy ", TC_TIMEOUT);
	tmux_enter(t, "weechat", "/buffer #general");
	wait_screen(t, "weechat", "wendy \\([^)]+@lchat\\) has joined #general");
	tmux_lchat(t, "lena", d->sock, NULL);
	windows[1] = "lena";
	wait_screen(t, "lena", "you are in the room as lena");
	wait_screen(t, "weechat", "lena \\([^)]+@lchat\\) has joined #general");

	tmux_enter(t, "weechat", "hi from weechat");
	wait_screen(t, "lena", TS "<wendy> hi from weechat$");
	tmux_enter(t, "lena", "hello wendy, lchat here");
	wait_screen(t, "weechat", "lena +\\| hello wendy, lchat here");
	show_screen(t, "weechat", "weechat (scripts/weechat-lchat, real lchatd)");
	show_screen(t, "lena", "lchat talking with weechat");

	tmux_enter(t, "weechat", "/quit");
	wait_screen(t, "lena", TS "<-- wendy left \\(quit");
	ck_assert_int_eq(tmux_wait_exit(t, "weechat", T_WAIT), 0);

	tc_close(obs);
	tmux_stop(t);
	lchatd_stop_ok(d);
}
END_TEST

static Suite *irc_clients_suite(void)
{
	const struct harness_case cases[] = {
		{ "irssi_and_lchat", test_irssi_and_lchat, 90 },
		{ "python_irc_bot", test_python_irc_bot, 90 },
		{ "weechat_bridge", test_weechat_bridge, 90 },
	};

	return harness_suite("irc_clients", cases, HARNESS_NCASES(cases));
}

int main(void)
{
	return harness_run(irc_clients_suite());
}
