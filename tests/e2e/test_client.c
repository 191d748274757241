/* test_client.c - end-to-end tests of the interactive client: the real
 * lchat in a private tmux server (tmux.h), talking to a real lchatd, and
 * to a fake server that sends what a hostile daemon could.
 *
 * Screens are read with capture-pane and polled with deadlines. Names used
 * here (alice, bob, carol, dave, erin, observer) must not be other
 * accounts' login names on the test machine. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness.h"
#include "procs.h"
#include "tmux.h"

#define CONF "motd = \"Welcome to the test room\"\nbacklog = 5\n"
#define T_WAIT 8000
/* A line of the screen: "[HH:MM] " and then the rest. */
#define TS "^\\[[0-9][0-9]:[0-9][0-9]\\] "

/* ---- two users ---------------------------------------------------------- */

START_TEST(test_two_users_chat)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tmux *t = tmux_start(d->dir);
	struct tclient *obs = tc_connect(d->sock);

	tc_join(obs, "observer");
	tmux_lchat(t, "alice", d->sock, NULL);
	tmux_wait(t, "alice", "you are in the room as alice", T_WAIT);
	tmux_wait(t, "alice", "Welcome to the test room", T_WAIT);
	/* observer's join is history for alice: marked as such. */
	tmux_wait(t, "alice", TS "--> observer \\(.*\\) joined", T_WAIT);
	tmux_wait(t, "alice", "^-- end of history --$", T_WAIT);
	tmux_lchat(t, "bob", d->sock, NULL);
	tmux_wait(t, "bob", "you are in the room as bob", T_WAIT);
	tmux_wait(t, "alice", TS "--> bob \\(.*\\) joined$", T_WAIT);

	tmux_type(t, "bob", "hello alice, how are things?");
	tmux_key(t, "bob", "Enter");
	tmux_wait(t, "alice", TS "<bob> hello alice, how are things\\?$", T_WAIT);
	/* bob's own line comes back once, with its time, on the ack. */
	tmux_wait(t, "bob", TS "<bob> hello alice, how are things\\?$", T_WAIT);
	ck_assert_int_eq(tmux_count(t, "bob", "hello alice, how are things"), 1);
	tc_expect(obs, "EV [0-9]+ [0-9]+ JOIN alice ", TC_TIMEOUT);
	tc_expect(obs, "EV [0-9]+ [0-9]+ JOIN bob ", TC_TIMEOUT);
	tc_expect(obs, "EV [0-9]+ [0-9]+ MSG bob hello alice, how are things\\?$", TC_TIMEOUT);

	tmux_type(t, "alice", "fine, thanks bob");
	tmux_key(t, "alice", "Enter");
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
	tmux_lchat(t, "alice", d->sock, NULL);
	tmux_wait(t, "alice", "you are in the room as alice", T_WAIT);
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
	tmux_type(t, "alice", "very ");
	tmux_key(t, "alice", "Enter");
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
	tmux_type(t, "w", "bad name");
	tmux_key(t, "w", "Enter");
	tmux_wait(t, "w", "a name is 1 to 32 letters", T_WAIT);
	tmux_type(t, "w", "dave");
	tmux_key(t, "w", "Enter");
	tmux_wait(t, "w", "you are in the room as dave", T_WAIT);
	tmux_wait(t, "w", "^\\[dave\\] ?$", T_WAIT);
	tc_expect(carol, "EV [0-9]+ [0-9]+ JOIN dave ", TC_TIMEOUT);
	tmux_type(t, "w", "hi carol");
	tmux_key(t, "w", "Enter");
	tc_expect(carol, "EV [0-9]+ [0-9]+ MSG dave hi carol$", TC_TIMEOUT);
	tmux_stop(t);
	tc_close(carol);
	lchatd_stop_ok(d);
}
END_TEST

static Suite *client_suite(void)
{
	const struct harness_case cases[] = {
		{ "two_users_chat", test_two_users_chat, 60 },
		{ "typing_survives_incoming", test_typing_survives_incoming, 60 },
		{ "taken_name_asked_again", test_taken_name_asked_again, 60 },
	};

	return harness_suite("client", cases, HARNESS_NCASES(cases));
}

int main(void)
{
	return harness_run(client_suite());
}
