/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* test_client.c - end-to-end tests of the interactive client: the real
 * lchat in a private tmux server (tmux.h), talking to a real lchatd, and
 * to a fake server that sends what a hostile daemon could.
 *
 * Screens are read with capture-pane and polled with deadlines. Names used
 * here (alice, bob, carol, dave, erin, observer) must not be other
 * accounts' login names on the test machine. */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fakesrv.h"
#include "harness.h"
#include "procfs.h"
#include "procs.h"
#include "tmux.h"

#define CONF "motd = \"Welcome to the test room\"\nbacklog = 5\n"
#define T_WAIT 8000
/* A line of the screen: "[HH:MM] " and then the rest. */
#define TS "^\\[[0-9][0-9]:[0-9][0-9]\\] "

/* lchat as NAME in a window named NAME, once it says it is in the room. */
static void lchat_in_room(struct tmux *t, const char *name, const char *sock)
{
	char re[64];

	tmux_lchat(t, name, sock, NULL);
	snprintf(re, sizeof(re), "you are in the room as %s", name);
	tmux_wait(t, name, re, T_WAIT);
}

/* ---- two users ---------------------------------------------------------- */

START_TEST(test_two_users_chat)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tmux *t = tmux_start(d->dir);
	struct tclient *obs = tc_connect(d->sock);

	tc_join(obs, "observer");
	lchat_in_room(t, "alice", d->sock);
	tmux_wait(t, "alice", "Welcome to the test room", T_WAIT);
	/* observer's join is history for alice: marked as such. */
	tmux_wait(t, "alice", TS "--> observer \\(.*\\) joined", T_WAIT);
	tmux_wait(t, "alice", "^-- end of history --$", T_WAIT);
	lchat_in_room(t, "bob", d->sock);
	tmux_wait(t, "alice", TS "--> bob \\(.*\\) joined$", T_WAIT);

	tmux_enter(t, "bob", "hello alice, how are things?");
	tmux_wait(t, "alice", TS "<bob> hello alice, how are things\\?$", T_WAIT);
	/* bob's own line comes back once, with its time, on the ack. */
	tmux_wait(t, "bob", TS "<bob> hello alice, how are things\\?$", T_WAIT);
	ck_assert_int_eq(tmux_count(t, "bob", "hello alice, how are things"), 1);
	tc_expect(obs, "EV [0-9]+ [0-9]+ JOIN alice ", TC_TIMEOUT);
	tc_expect(obs, "EV [0-9]+ [0-9]+ JOIN bob ", TC_TIMEOUT);
	tc_expect(obs, "EV [0-9]+ [0-9]+ MSG bob hello alice, how are things\\?$", TC_TIMEOUT);

	tmux_enter(t, "alice", "fine, thanks bob");
	tmux_wait(t, "bob", TS "<alice> fine, thanks bob$", T_WAIT);
	tc_expect(obs, "EV [0-9]+ [0-9]+ MSG alice fine, thanks bob$", TC_TIMEOUT);

	/* An admin notice looks like nothing a user can send. */
	struct tclient *ctl = ctl_connect(d->ctl);
	tc_send(ctl, "NOTICE server reboots at 18:00");
	tc_expect(ctl, "OK NOTICE [0-9]+$", TC_TIMEOUT);
	tmux_wait(t, "alice", TS "-!- NOTICE.* server reboots at 18:00$", T_WAIT);
	tc_close(ctl);

	/* Ctrl-C leaves with QUIT; the others see it. */
	tmux_key(t, "bob", "C-c");
	ck_assert_int_eq(tmux_wait_exit(t, "bob", T_WAIT), 0);
	tmux_wait(t, "alice", TS "<-- bob left \\(quit\\)$", T_WAIT);
	tc_expect_skip(obs, "EV [0-9]+ [0-9]+ LEAVE bob [^ ]+ quit$", TC_TIMEOUT);
	tmux_stop(t);
	tc_close(obs);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- the line being typed survives incoming messages -------------------- */

START_TEST(test_typing_survives_incoming)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tmux *t = tmux_start(d->dir);
	struct tclient *bob = tc_connect(d->sock);
	char *line;
	int col, col2;

	tc_join(bob, "bob");
	lchat_in_room(t, "alice", d->sock);
	tc_expect(bob, "EV [0-9]+ [0-9]+ JOIN alice ", TC_TIMEOUT);

	tmux_type(t, "alice", "half a line, typed slowly");
	/* The cursor is moved into the middle of the line. */
	for (int i = 0; i < 6; i++)
		tmux_key(t, "alice", "Left");
	tmux_wait(t, "alice", "^\\[alice\\] half a line, typed slowly$", T_WAIT);
	line = tmux_cursor_line(t, "alice", &col);
	ck_assert_str_eq(line, "[alice] half a line, typed slowly");
	free(line);

	for (int i = 1; i <= 3; i++) {
		tc_send(bob, "SAY interruption number %d", i);
		tc_ack(bob, "SAY");
	}
	tmux_wait(t, "alice", TS "<bob> interruption number 3$", T_WAIT);
	ck_assert_int_eq(tmux_count(t, "alice", TS "<bob> interruption number [123]$"), 3);
	/* The input line is intact, below the messages, cursor where it was. */
	line = tmux_cursor_line(t, "alice", &col2);
	ck_assert_str_eq(line, "[alice] half a line, typed slowly");
	ck_assert_int_eq(col2, col);
	free(line);
	ck_assert_int_eq(tmux_count(t, "alice", "half a line"), 1);

	/* Typing goes on at the cursor; Enter sends the whole line. */
	tmux_enter(t, "alice", "very ");
	tc_expect(bob, "EV [0-9]+ [0-9]+ MSG alice half a line, typed very slowly$", TC_TIMEOUT);
	tmux_wait(t, "alice", TS "<alice> half a line, typed very slowly$", T_WAIT);

	/* History: Up brings the line back. */
	tmux_key(t, "alice", "Up");
	tmux_wait(t, "alice", "^\\[alice\\] half a line, typed very slowly$", T_WAIT);
	tmux_key(t, "alice", "C-u");
	tmux_stop(t);
	tc_close(bob);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- a taken name is asked for again ------------------------------------ */

START_TEST(test_taken_name_asked_again)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tmux *t = tmux_start(d->dir);
	struct tclient *carol = tc_connect(d->sock);
	char cmd[1024];

	tc_join(carol, "carol");
	snprintf(cmd, sizeof(cmd), "%s -s %s -n CAROL", lchat_exe(), d->sock);
	tmux_window(t, "w", cmd);
	/* The daemon's reason, and a prompt for another name. */
	tmux_wait(t, "w", "cannot join as CAROL: .*already in use.*\\(name-taken\\)", T_WAIT);
	tmux_wait(t, "w", "^name: ?$", T_WAIT);
	tmux_enter(t, "w", "bad name");
	tmux_wait(t, "w", "a name is 1 to 32 letters", T_WAIT);
	tmux_enter(t, "w", "dave");
	tmux_wait(t, "w", "you are in the room as dave", T_WAIT);
	tmux_wait(t, "w", "^\\[dave\\] ?$", T_WAIT);
	tc_expect(carol, "EV [0-9]+ [0-9]+ JOIN dave ", TC_TIMEOUT);
	tmux_enter(t, "w", "hi carol");
	tc_expect(carol, "EV [0-9]+ [0-9]+ MSG dave hi carol$", TC_TIMEOUT);
	tmux_stop(t);
	tc_close(carol);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- the daemon restarts ---------------------------------------------- */

START_TEST(test_reconnect_after_restart)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tmux *t = tmux_start(d->dir);
	struct tclient *erin = tc_connect(d->sock), *erin2;
	pid_t lchat, old;

	tc_join(erin, "erin");
	lchat_in_room(t, "alice", d->sock);
	tc_expect(erin, "EV [0-9]+ [0-9]+ JOIN alice ", TC_TIMEOUT);
	tc_send(erin, "SAY before the restart");
	tc_ack(erin, "SAY");
	tmux_wait(t, "alice", TS "<erin> before the restart$", T_WAIT);
	tmux_type(t, "alice", "typed while away");

	/* alice's client is stopped while the daemon dies and comes back and
	 * erin talks: those messages can only reach her by the resume. */
	lchat = tmux_pane_freeze(t, "alice");
	old = lchatd_daemon_pid(d);
	ck_assert_int_eq(kill(old, SIGKILL), 0);
	tc_expect_eof(erin, TC_TIMEOUT);
	tc_close(erin);
	while (proc_alive(old))
		sleep_ms(10);
	sock_wait_connectable(d->sock, 10000);
	erin2 = tc_connect(d->sock);
	tc_join(erin2, "erin");
	tc_send(erin2, "SAY missed one");
	tc_ack(erin2, "SAY");
	tc_send(erin2, "SAY missed two");
	tc_ack(erin2, "SAY");
	tmux_pane_thaw(lchat);

	tmux_wait(t, "alice", "-!- the server closed the connection; reconnecting in 0.25 s", T_WAIT);
	tmux_wait(t, "alice", "-!- back in the room as alice", T_WAIT);
	tmux_wait(t, "alice", TS "<erin> missed two$", T_WAIT);
	tc_expect(erin2, "EV [0-9]+ [0-9]+ JOIN alice ", TC_TIMEOUT);
	tc_send(erin2, "SAY live again");
	tc_ack(erin2, "SAY");
	tmux_wait(t, "alice", TS "<erin> live again$", T_WAIT);
	/* Everything exactly once, in order, and the typed line kept. */
	ck_assert_int_eq(tmux_count(t, "alice", TS "<erin> before the restart$"), 1);
	ck_assert_int_eq(tmux_count(t, "alice", TS "<erin> missed one$"), 1);
	ck_assert_int_eq(tmux_count(t, "alice", TS "<erin> missed two$"), 1);
	ck_assert_int_eq(tmux_count(t, "alice", TS "<erin> live again$"), 1);
	{
		char *screen = tmux_screen(t, "alice");
		char *one = strstr(screen, "<erin> missed one"), *two = strstr(screen, "<erin> missed two");

		ck_assert(one && two && one < two);
		free(screen);
	}
	tmux_wait(t, "alice", "^\\[alice\\] typed while away$", T_WAIT);
	tmux_key(t, "alice", "Enter");
	tc_expect_skip(erin2, "EV [0-9]+ [0-9]+ MSG alice typed while away$", TC_TIMEOUT);
	tmux_stop(t);
	tc_close(erin2);
	lchatd_stop_ok(d);
}
END_TEST

/* A private message that was in the room log but never reached alice's
 * client (the writer stopped, then the daemon killed): after the restart
 * the client resumes and shows it once, in its place before the public
 * message that followed it. */
START_TEST(test_missed_private_after_restart)
{
	struct lchatd *d = lchatd_start(CONF "log_messages = true\n");
	struct tmux *t = tmux_start(d->dir);
	struct tclient *erin = tc_connect(d->sock);
	pid_t old, writer;

	tc_join(erin, "erin");
	lchat_in_room(t, "alice", d->sock);
	tc_expect(erin, "EV [0-9]+ [0-9]+ JOIN alice ", TC_TIMEOUT);
	tc_send(erin, "SAY before the break");
	tc_ack(erin, "SAY");
	tmux_wait(t, "alice", TS "<erin> before the break$", T_WAIT);

	/* The writer stops: what erin sends now is in the log, unsent. */
	old = lchatd_daemon_pid(d);
	writer = wait_child_titled(old, "lchatd: fanout", 0, TC_TIMEOUT);
	ck_assert_int_eq(kill(writer, SIGSTOP), 0);
	tc_send(erin, "PRIV alice the missed secret");
	tc_send(erin, "SAY public after");
	ck_assert(lchatd_log_has(d, "PRIV from erin .* to alice: the missed secret", T_WAIT));
	ck_assert(lchatd_log_has(d, "SAY from erin .*: public after", T_WAIT));
	ck_assert_int_eq(kill(old, SIGKILL), 0);
	tc_close(erin);
	while (proc_alive(old) || proc_alive(writer))
		sleep_ms(10);

	tmux_wait(t, "alice", "-!- back in the room as alice", T_WAIT);
	tmux_wait(t, "alice", TS "<erin> public after$", T_WAIT);
	ck_assert_int_eq(tmux_count(t, "alice", TS "\\*erin\\* \\(private\\) the missed secret$"), 1);
	ck_assert_int_eq(tmux_count(t, "alice", TS "<erin> before the break$"), 1);
	{
		char *screen = tmux_screen(t, "alice");
		char *p = strstr(screen, "the missed secret"), *a = strstr(screen, "<erin> public after");

		ck_assert(p && a && p < a);
		free(screen);
	}
	tmux_stop(t);
	lchatd_stop_ok(d);
}
END_TEST

/* The room's state is lost (its file removed) while lchat is away: its
 * resume is refused (LAST-SEQ past the new room's last event) and it
 * joins afresh, and shows the new room's events, numbered from 1 again. */
START_TEST(test_rejoin_after_state_lost)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tmux *t = tmux_start(d->dir);
	struct tclient *erin = tc_connect(d->sock);
	char path[PATH_MAX];
	pid_t old;

	tc_join(erin, "erin");
	lchat_in_room(t, "alice", d->sock);
	tc_expect(erin, "EV [0-9]+ [0-9]+ JOIN alice ", TC_TIMEOUT);
	for (int i = 0; i < 8; i++) {
		tc_send(erin, "SAY old room %d", i);
		tc_ack(erin, "SAY");
	}
	tmux_wait(t, "alice", TS "<erin> old room 7$", T_WAIT);

	snprintf(path, sizeof(path), "%s/room", d->state);
	ck_assert_int_eq(unlink(path), 0);
	old = lchatd_daemon_pid(d);
	ck_assert_int_eq(kill(old, SIGKILL), 0);
	while (proc_alive(old))
		sleep_ms(10);
	sock_wait_connectable(d->sock, 10000);
	/* Closed only now that the old daemon's handlers are gone (the new
	 * one starts after them): closed earlier, erin's dying handler could
	 * still write her LEAVE as #11 and alice's last event would be it. */
	tc_close(erin);

	erin = tc_connect(d->sock);
	tc_join(erin, "erin");
	tc_send(erin, "SAY new room");
	tc_ack(erin, "SAY");
	/* (Live or in the backlog: the number is below the old LAST-SEQ
	 * either way, and was dropped as seen before.) */
	tmux_wait(t, "alice", TS "<erin> new room$", T_WAIT);
	ck_assert_int_eq(tmux_count(t, "alice", "-!- the room no longer knows event #10 "
				    "\\(its history was reset\\); joining without it"), 1);
	tmux_stop(t);
	tc_close(erin);
	lchatd_stop_ok(d);
}
END_TEST

/* The daemon is gone for good: the client says so and keeps trying, with
 * the delay shown, doubling. */
START_TEST(test_backoff_shown)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tmux *t = tmux_start(d->dir);

	lchat_in_room(t, "alice", d->sock);
	/* The test's tmux lives in the daemon's directory: keep the server
	 * there while the daemon is stopped, by stopping it by hand. */
	lchatd_signal(d, SIGTERM);
	ck_assert_int_ne(lchatd_wait_exit(d, 10000), -1);
	tmux_wait(t, "alice", "-!- the server is shutting down; reconnecting in 0.25 s", T_WAIT);
	tmux_wait(t, "alice", "cannot reconnect to .*; next try in 0.5 s", T_WAIT);
	tmux_wait(t, "alice", "cannot reconnect to .*; next try in 1 s", T_WAIT);
	tmux_wait(t, "alice", "^\\[alice \\(offline\\)\\] ?$", T_WAIT);
	tmux_key(t, "alice", "C-d");
	ck_assert_int_eq(tmux_wait_exit(t, "alice", T_WAIT), 0);
	tmux_stop(t);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- commands ----------------------------------------------------------- */

START_TEST(test_commands)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tmux *t = tmux_start(d->dir);
	struct tclient *bob = tc_connect(d->sock), *obs = tc_connect(d->sock);

	tc_join(bob, "bob");
	tc_join(obs, "observer");
	tc_expect(bob, "EV [0-9]+ [0-9]+ JOIN observer ", TC_TIMEOUT);
	lchat_in_room(t, "alice", d->sock);
	tc_expect(bob, "EV [0-9]+ [0-9]+ JOIN alice ", TC_TIMEOUT);
	tc_expect(obs, "EV [0-9]+ [0-9]+ JOIN alice ", TC_TIMEOUT);

	tmux_enter(t, "alice", "/who");
	tmux_wait(t, "alice", "-!- 3 in the room:", T_WAIT);
	tmux_wait(t, "alice", "^ +NAME +LOGIN +IDLE$", T_WAIT);
	tmux_wait(t, "alice", "^ +bob +[^ ]+ +[0-9]+s$", T_WAIT);
	tmux_wait(t, "alice", "^ +observer +[^ ]+ +[0-9]+s$", T_WAIT);
	tmux_wait(t, "alice", "^ +alice +[^ ]+ +[0-9]+s$", T_WAIT);

	tmux_enter(t, "alice", "/me waves at everyone");
	tc_expect(obs, "EV [0-9]+ [0-9]+ ACTION alice waves at everyone$", TC_TIMEOUT);
	tmux_wait(t, "alice", TS " \\* alice waves at everyone$", T_WAIT);

	tmux_enter(t, "alice", "/msg bob just between us");
	tc_expect(bob, "EV [0-9]+ [0-9]+ ACTION alice waves at everyone$", TC_TIMEOUT);
	tc_expect(bob, "EV [0-9]+ [0-9]+ PRIV alice just between us$", TC_TIMEOUT);
	tmux_wait(t, "alice", TS "-> bob: just between us$", T_WAIT);
	tc_send(bob, "PRIV alice and back to you");
	tc_ack(bob, "PRIV");
	tmux_wait(t, "alice", TS "\\*bob\\* \\(private\\) and back to you$", T_WAIT);

	tmux_enter(t, "alice", "/msg nosuchmember hello?");
	tmux_wait(t, "alice", "-!- not sent: .*\\(no-such-user\\)$", T_WAIT);

	tmux_enter(t, "alice", "/frobnicate now");
	tmux_wait(t, "alice", "-!- unknown command /frobnicate", T_WAIT);
	tmux_enter(t, "alice", "//frobnicate is not a command");
	/* The unknown command sent nothing: the next line is the // one. */
	tc_expect(obs, "EV [0-9]+ [0-9]+ MSG alice /frobnicate is not a command$", TC_TIMEOUT);

	/* A mention of alice is highlighted and rings the bell (not visible
	 * in the text; the line is there). */
	tc_send(bob, "SAY Alice: look at this");
	tc_ack(bob, "SAY");
	tmux_wait(t, "alice", TS "<bob> Alice: look at this$", T_WAIT);

	tmux_enter(t, "alice", "/help");
	tmux_wait(t, "alice", "-!- /msg NAME TEXT +a private message", T_WAIT);

	/* Empty lines are ignored; Ctrl-D on the empty line leaves. */
	tmux_key(t, "alice", "Enter");
	tmux_key(t, "alice", "C-d");
	ck_assert_int_eq(tmux_wait_exit(t, "alice", T_WAIT), 0);
	tc_expect_skip(obs, "EV [0-9]+ [0-9]+ LEAVE alice [^ ]+ quit$", TC_TIMEOUT);
	tc_expect_silence(obs);
	tmux_stop(t);
	tc_close(bob);
	tc_close(obs);
	lchatd_stop_ok(d);
}
END_TEST

START_TEST(test_quit_with_reason)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tmux *t = tmux_start(d->dir);
	struct tclient *obs = tc_connect(d->sock);

	tc_join(obs, "observer");
	lchat_in_room(t, "alice", d->sock);
	tc_expect(obs, "EV [0-9]+ [0-9]+ JOIN alice ", TC_TIMEOUT);
	tmux_enter(t, "alice", "/quit off to lunch");
	ck_assert_int_eq(tmux_wait_exit(t, "alice", T_WAIT), 0);
	tc_expect(obs, "EV [0-9]+ [0-9]+ LEAVE alice [^ ]+ quit off to lunch$", TC_TIMEOUT);
	tmux_stop(t);
	tc_close(obs);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- a hostile server ----------------------------------------------------- */

START_TEST(test_hostile_server_sanitized)
{
	char dir[] = "/tmp/lchat-client.XXXXXX";
	struct tmux *t;
	struct fakesrv *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	t = tmux_start(dir);
	f = tmux_lchat_fake_joined(t, dir, "alice", T_WAIT);
	fake_send(f, "MOTD \033]0;pwned title\007motd\n");
	fake_send(f, "EV 11 1795290000000 MSG eve \033[2J\033[H cleared?\n");
	fake_send(f, "EV 12 1795290000000 MSG eve \033]52;c;cHduZWQ=\007 clipboard\n");
	fake_send(f, "EV 13 1795290000000 MSG eve \xe2\x80\xae" "desrever\n");
	fake_send(f, "EV 14 1795290000000 MSG eve \xc2\x9b" "31m c1 csi\n");
	fake_send(f, "EV 15 1795290000000 MSG e\033[31mve red name\n");
	fake_send(f, "EV 16 1795290000000 MSG eve bad \x9b byte\n");
	fake_send(f, "EV 17 1795290000000 WEIRD \033[5mblink\n");
	fake_send(f, "EV 18 1795290000000 MSG eve the end\n");
	tmux_wait(t, "alice", "<eve> the end$", T_WAIT);
	/* Nothing was interpreted: the screen was not cleared, and every
	 * escape is there to see. */
	tmux_wait(t, "alice", "you are in the room as alice", 0);
	tmux_wait(t, "alice", "-!- \\^\\[\\]0;pwned title\\^Gmotd$", 0);
	tmux_wait(t, "alice", "<eve> \\^\\[\\[2J\\^\\[\\[H cleared\\?$", 0);
	tmux_wait(t, "alice", "<eve> \\^\\[\\]52;c;cHduZWQ=\\^G clipboard$", 0);
	tmux_wait(t, "alice", "<eve> <U\\+202E>desrever$", 0);
	tmux_wait(t, "alice", "<eve> <U\\+009B>31m c1 csi$", 0);
	tmux_wait(t, "alice", "<e\\^\\[\\[31mve> red name$", 0);
	tmux_wait(t, "alice", "<eve> bad \xef\xbf\xbd byte$", 0);
	tmux_wait(t, "alice", "-!- server: EV 17 1795290000000 WEIRD \\^\\[\\[5mblink$", 0);

	/* An unknown BYE ends the client (no reconnect), its text shown. */
	fake_send(f, "BYE kicked \033[2Jgo away\n");
	ck_assert_int_eq(tmux_wait_exit(t, "alice", T_WAIT), 4);
	tmux_wait(t, "alice", "you were kicked from the room: \\^\\[\\[2Jgo away", 0);
	tmux_stop(t);
	fake_close(f);
	remove_tree(dir);
}
END_TEST

/* ---- colour, NO_COLOR, TERM=dumb ------------------------------------------ */

START_TEST(test_colour_and_no_color)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tmux *t = tmux_start(d->dir);
	struct tclient *bob = tc_connect(d->sock);
	char cmd[1024], *screen;

	tc_join(bob, "bob");
	tmux_lchat(t, "alice", d->sock, NULL);
	snprintf(cmd, sizeof(cmd), "env NO_COLOR=1 %s -s %s -n carol", lchat_exe(), d->sock);
	tmux_window(t, "carol", cmd);
	snprintf(cmd, sizeof(cmd), "env TERM=dumb %s -s %s -n dave", lchat_exe(), d->sock);
	tmux_window(t, "dave", cmd);
	tmux_wait(t, "alice", "you are in the room as alice", T_WAIT);
	tmux_wait(t, "carol", "you are in the room as carol", T_WAIT);
	tmux_wait(t, "dave", "you are in the room as dave", T_WAIT);
	tc_send(bob, "SAY colours, alice?");
	tc_ack(bob, "SAY");
	tmux_wait(t, "alice", TS "<bob> colours, alice\\?$", T_WAIT);
	tmux_wait(t, "carol", TS "<bob> colours, alice\\?$", T_WAIT);
	tmux_wait(t, "dave", TS "<bob> colours, alice\\?$", T_WAIT);
	/* alice: bob's name in a colour, the mention highlighted. */
	screen = tmux_screen_escapes(t, "alice");
	ck_assert_msg(re_contains(screen, "<\033\\[(3|9)[1-6]mbob\033\\[(0|39)?m>"),
		      "no colour on alice's screen: %s", screen);
	ck_assert_msg(re_contains(screen, "\033\\[[0-9;]*43m[^\n]*colours, alice"),
		      "the mention is not highlighted: %s", screen);
	free(screen);
	/* NO_COLOR and TERM=dumb: no escape at all. */
	screen = tmux_screen_escapes(t, "carol");
	ck_assert_msg(!strchr(screen, '\033'), "colour despite NO_COLOR: %s", screen);
	free(screen);
	screen = tmux_screen_escapes(t, "dave");
	ck_assert_msg(!strchr(screen, '\033'), "colour despite TERM=dumb: %s", screen);
	free(screen);
	tmux_stop(t);
	tc_close(bob);
	lchatd_stop_ok(d);
}
END_TEST

/* Leaving restores the terminal: the shell after lchat finds it as it
 * was before (canonical mode, echo). */
START_TEST(test_terminal_restored)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tmux *t = tmux_start(d->dir);
	char cmd[2048], before[PATH_MAX], after[PATH_MAX], a[4096], b[4096];

	snprintf(before, sizeof(before), "%s/stty.before", d->dir);
	snprintf(after, sizeof(after), "%s/stty.after", d->dir);
	snprintf(cmd, sizeof(cmd), "sh -c 'stty -a > %s; %s -s %s -n erin; stty -a > %s'", before,
		 lchat_exe(), d->sock, after);
	tmux_window(t, "erin", cmd);
	tmux_wait(t, "erin", "you are in the room as erin", T_WAIT);
	tmux_type(t, "erin", "x");
	tmux_key(t, "erin", "BSpace");
	tmux_key(t, "erin", "C-d");
	ck_assert_int_eq(tmux_wait_exit(t, "erin", T_WAIT), 0);
	ck_assert(read_small(before, b, sizeof(b)) && b[0]);
	ck_assert(read_small(after, a, sizeof(a)) && a[0]);
	ck_assert_str_eq(a, b);
	ck_assert_msg(re_contains(a, "[ \n]icanon[ \n]") && re_contains(a, "[ \n]echo[ \n]"),
		      "stty after lchat: %s", a);
	tmux_stop(t);
	lchatd_stop_ok(d);
}
END_TEST

static Suite *client_suite(void)
{
	const struct harness_case cases[] = {
		{ "two_users_chat", test_two_users_chat, 60 },
		{ "typing_survives_incoming", test_typing_survives_incoming, 60 },
		{ "taken_name_asked_again", test_taken_name_asked_again, 60 },
		{ "reconnect_after_restart", test_reconnect_after_restart, 90 },
		{ "missed_private_after_restart", test_missed_private_after_restart, 90 },
		{ "rejoin_after_state_lost", test_rejoin_after_state_lost, 90 },
		{ "backoff_shown", test_backoff_shown, 60 },
		{ "commands", test_commands, 60 },
		{ "quit_with_reason", test_quit_with_reason, 60 },
		{ "hostile_server_sanitized", test_hostile_server_sanitized, 60 },
		{ "colour_and_no_color", test_colour_and_no_color, 60 },
		{ "terminal_restored", test_terminal_restored, 60 },
	};

	return harness_suite("client", cases, HARNESS_NCASES(cases));
}

int main(void)
{
	return harness_run(client_suite());
}
