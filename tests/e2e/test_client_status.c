/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* test_client_status.c - end-to-end tests of the interactive client's
 * status row (client/status.c, client/term.c): one row directly above the
 * input line with the time, the name, the room and who is in it, the
 * lag, and the connection's state; redrawn when that changes, never
 * scrolled away by incoming messages, never mixed with the input line
 * (which stays intact, wrapped over rows or not), through a daemon that
 * goes away and comes back, a resize, the paste question and the name
 * prompt. --no-status leaves it out; NO_COLOR keeps it, without reverse
 * video. The lag is timed with a fake server that holds its PONG.
 *
 * The real lchat runs in a private tmux server (tmux.h). Names used here
 * (alice, bob, carol, dave, observer) must not be other accounts' login
 * names on the test machine. */
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fakesrv.h"
#include "harness.h"
#include "tmux.h"

/* (bob's burst of 30 goes at once) */
#define CONF "motd = \"Welcome to the status tests\"\nbacklog = 5\nrate_burst = 100\n"
#define T_WAIT 8000
/* A line of the screen: "[HH:MM] " and then the rest. */
#define TS "^\\[[0-9][0-9]:[0-9][0-9]\\] "
/* The status row of NAME in the room "lchat" (the tests' socket is
 * lchat.sock), up to the room's state. */
#define ROW(name) TS "\\[" name "\\] \\[#lchat"

/* lchat as NAME (extra options) in a window named NAME, once in the
 * room. */
static void lchat_in_room(struct tmux *t, const char *name, const char *sock, const char *extra)
{
	char re[64];

	tmux_lchat(t, name, sock, extra);
	snprintf(re, sizeof(re), "you are in the room as %s", name);
	tmux_wait(t, name, re, T_WAIT);
}

static bool matches(const char *s, const char *re)
{
	regex_t rx;
	bool m;

	ck_assert(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) == 0);
	m = regexec(&rx, s, 0, NULL, 0) == 0;
	regfree(&rx);
	return m;
}

/* The screen's rows (a NULL-terminated array; free_rows() it). */
static char **rows_of(const char *screen)
{
	char **rows = xcalloc(TMUX_ROWS + 2, sizeof(*rows));
	const char *p = screen;
	int n = 0;

	while (*p && n <= TMUX_ROWS) {
		size_t len = strcspn(p, "\n");

		rows[n++] = strndup(p, len);
		p += len;
		if (*p)
			p++;
	}
	return rows;
}

static void free_rows(char **rows)
{
	for (int i = 0; rows[i]; i++)
		free(rows[i]);
	free(rows);
}

/* Is the window laid out as it should be: exactly one row matching
 * row_re (the status row), the cursor input_rows rows below it (the
 * input line, wrapped over input_rows rows), on a row that starts with
 * prompt? If not, why says what is wrong (with the screen). */
static bool layout_ok(struct tmux *t, const char *win, const char *row_re, int input_rows,
		      const char *prompt, char *why, size_t cap)
{
	char *screen = tmux_screen(t, win), **rows = rows_of(screen);
	int status = -1, found = 0, cursor = tmux_cursor_row(t, win);
	size_t plen = strlen(prompt);
	bool ok;

	while (plen > 0 && prompt[plen - 1] == ' ')
		plen--;

	for (int i = 0; rows[i]; i++)
		if (matches(rows[i], row_re)) {
			status = i;
			found++;
		}
	ok = found == 1 && cursor == status + input_rows &&
	     strncmp(rows[status + 1], prompt, plen) == 0;
	if (!ok)
		snprintf(why, cap, "%d status rows (the last at %d), cursor on row %d, "
			 "%d input rows, prompt \"%s\":\n%s", found, status, cursor, input_rows, prompt,
			 screen);
	free_rows(rows);
	free(screen);
	return ok;
}

/* Wait until layout_ok(); fail with the screen if it never is. */
static void wait_layout(struct tmux *t, const char *win, const char *row_re, int input_rows,
			const char *prompt)
{
	int64_t deadline = mono_ms_now() + T_WAIT;
	char why[8192];

	while (!layout_ok(t, win, row_re, input_rows, prompt, why, sizeof(why))) {
		if (ms_left(deadline) == 0)
			ck_abort_msg("%s: %s", win, why);
		sleep_ms(20);
	}
}

/* ---- the member count ---------------------------------------------------- */

/* The row shows how many are in the room, and follows joins and leaves. */
START_TEST(test_member_count)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tmux *t = tmux_start(d->dir);
	struct tclient *obs = tc_connect(d->sock);

	tc_join(obs, "observer");
	lchat_in_room(t, "alice", d->sock, NULL);
	tmux_wait(t, "alice", ROW("alice") ": 2 people\\]$", T_WAIT);
	wait_layout(t, "alice", ROW("alice"), 1, "[alice] ");

	lchat_in_room(t, "bob", d->sock, NULL);
	tmux_wait(t, "alice", TS "--> bob \\(.*\\) joined$", T_WAIT);
	tmux_wait(t, "alice", ROW("alice") ": 3 people\\]$", T_WAIT);
	tmux_wait(t, "bob", ROW("bob") ": 3 people\\]$", T_WAIT);
	wait_layout(t, "alice", ROW("alice"), 1, "[alice] ");
	wait_layout(t, "bob", ROW("bob"), 1, "[bob] ");

	tmux_key(t, "bob", "C-d");
	ck_assert_int_eq(tmux_wait_exit(t, "bob", T_WAIT), 0);
	tmux_wait(t, "alice", TS "<-- bob left \\(quit\\)$", T_WAIT);
	tmux_wait(t, "alice", ROW("alice") ": 2 people\\]$", T_WAIT);
	wait_layout(t, "alice", ROW("alice"), 1, "[alice] ");
	/* bob's row went with him: his last line is his input line. */
	ck_assert_int_eq(tmux_count(t, "bob", "\\[#lchat"), 0);
	tc_close(obs);
	tmux_wait(t, "alice", ROW("alice") ": 1 person\\]$", T_WAIT);
	tmux_stop(t);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- the daemon goes away and comes back ---------------------------------- */

/* The supervisor is stopped and the daemon killed: no one restarts it
 * until the supervisor goes on, so the client stays offline (trying
 * again, with the countdown in the row) for as long as the test needs. */
START_TEST(test_offline_and_back)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tmux *t = tmux_start(d->dir);
	pid_t daemon;
	char *line;
	int col, col2;

	lchat_in_room(t, "alice", d->sock, NULL);
	tmux_wait(t, "alice", ROW("alice") ": 1 person\\]$", T_WAIT);
	tmux_type(t, "alice", "typed while the server is away");
	tmux_key(t, "alice", "Left");
	tmux_key(t, "alice", "Left");
	tmux_wait(t, "alice", "^\\[alice\\] typed while the server is away$", T_WAIT);
	line = tmux_cursor_line(t, "alice", &col);
	free(line);

	daemon = lchatd_daemon_pid(d);
	lchatd_signal(d, SIGSTOP);
	ck_assert_int_eq(kill(daemon, SIGKILL), 0);
	tmux_wait(t, "alice", ROW("alice") ": offline, reconnecting( in [0-9]+ s)?\\]$", T_WAIT);
	/* Lines printed while offline (failed tries) leave the row and the
	 * input line as they were, the prompt saying (offline). */
	tmux_wait(t, "alice", "cannot reconnect to .*; next try in 1 s", T_WAIT);
	tmux_wait(t, "alice", ROW("alice") ": offline, reconnecting in [0-9]+ s\\]$", T_WAIT);
	wait_layout(t, "alice", ROW("alice") ": offline", 1, "[alice (offline)] ");
	line = tmux_cursor_line(t, "alice", &col2);
	ck_assert_str_eq(line, "[alice (offline)] typed while the server is away");
	ck_assert_int_eq(col2, col + (int)strlen(" (offline)"));
	free(line);

	/* The daemon comes back (the supervisor restarts it), and the client
	 * at its next try (the delay has doubled a few times by now). */
	lchatd_signal(d, SIGCONT);
	tmux_wait(t, "alice", "-!- back in the room as alice", 3 * T_WAIT);
	tmux_wait(t, "alice", ROW("alice") ": 1 person\\]$", T_WAIT);
	wait_layout(t, "alice", ROW("alice") ": 1 person", 1, "[alice] ");
	line = tmux_cursor_line(t, "alice", &col2);
	ck_assert_str_eq(line, "[alice] typed while the server is away");
	ck_assert_int_eq(col2, col);
	free(line);
	ck_assert_int_eq(tmux_count(t, "alice", "\\[#lchat"), 1);
	tmux_stop(t);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- a burst of messages over a wrapped input line -------------------------- */

START_TEST(test_burst_over_wrapped_line)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tmux *t = tmux_start(d->dir);
	struct tclient *bob = tc_connect(d->sock);
	char text[256], want[256], *screen, **rows, *line;
	size_t n = 0;
	int status = -1, col, col2, first = TMUX_COLS - 8;

	tc_join(bob, "bob");
	lchat_in_room(t, "alice", d->sock, NULL);
	tc_expect(bob, "EV [0-9]+ [0-9]+ JOIN alice ", TC_TIMEOUT);
	tmux_wait(t, "alice", ROW("alice") ": 2 people\\]$", T_WAIT);
	/* 30 words of 4 letters: 149 characters, with "[alice] " two rows
	 * of the 120 columns. */
	for (int i = 1; i <= 30; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%sw%03d", i > 1 ? " " : "", i);
	tmux_type(t, "alice", text);
	for (int i = 0; i < 7; i++)
		tmux_key(t, "alice", "Left");
	tmux_wait(t, "alice", " w029 w030$", T_WAIT);
	wait_layout(t, "alice", ROW("alice"), 2, "[alice] w001 ");
	line = tmux_cursor_line(t, "alice", &col);
	free(line);

	for (int i = 1; i <= 30; i++) {
		tc_send(bob, "SAY burst %02d", i);
		tc_ack(bob, "SAY");
	}
	tmux_wait(t, "alice", TS "<bob> burst 30$", T_WAIT);
	wait_layout(t, "alice", ROW("alice") ": 2 people\\]$", 2, "[alice] w001 ");

	screen = tmux_screen(t, "alice");
	rows = rows_of(screen);
	for (int i = 0; rows[i]; i++)
		if (matches(rows[i], ROW("alice")))
			status = i;
	ck_assert_int_gt(status, 0);
	/* The last message right above the row, the input line right below,
	 * nothing of the messages in either. */
	ck_assert_msg(matches(rows[status - 1], TS "<bob> burst 30$"), "%s", screen);
	ck_assert_msg(matches(rows[status], ROW("alice") ": 2 people\\]$"), "%s", screen);
	snprintf(want, sizeof(want), "[alice] %.*s", first, text);
	ck_assert_str_eq(rows[status + 1], want);
	ck_assert_str_eq(rows[status + 2], text + first);
	for (int i = status + 3; rows[i]; i++)
		ck_assert_msg(rows[i][0] == '\0', "row %d after the input: \"%s\"", i, rows[i]);
	/* Every message once, in order, above the row (the first ones have
	 * scrolled away). */
	for (int i = 1, row = -1; i <= 30; i++) {
		char re[64];
		int at = -1;

		snprintf(re, sizeof(re), TS "<bob> burst %02d$", i);
		for (int k = 0; rows[k]; k++)
			if (matches(rows[k], re)) {
				ck_assert_msg(at < 0, "burst %02d twice:\n%s", i, screen);
				at = k;
			}
		if (at < 0) {
			ck_assert_msg(row < 0, "burst %02d is missing:\n%s", i, screen);
			continue;
		}
		ck_assert_msg(at > row && at < status, "burst %02d on row %d:\n%s", i, at, screen);
		row = at;
	}
	free_rows(rows);
	free(screen);
	line = tmux_cursor_line(t, "alice", &col2);
	ck_assert_str_eq(line, text + first);
	ck_assert_int_eq(col2, col);
	free(line);
	/* In reverse video. */
	screen = tmux_screen_escapes(t, "alice");
	ck_assert_msg(matches(screen, "\033\\[[0-9;]*7m\\[[0-9][0-9]:[0-9][0-9]\\] \\[alice\\] \\[#lchat"),
		      "the row is not in reverse video: %s", screen);
	free(screen);

	/* Enter sends the whole line; the row is there again, once. */
	tmux_key(t, "alice", "Enter");
	tc_expect_skip(bob, "EV [0-9]+ [0-9]+ MSG alice w001 .* w030$", TC_TIMEOUT);
	tmux_wait(t, "alice", TS "<alice> w001 ", T_WAIT);
	wait_layout(t, "alice", ROW("alice") ": 2 people\\]$", 1, "[alice] ");
	tmux_stop(t);
	tc_close(bob);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- a resize ------------------------------------------------------------- */

START_TEST(test_resize)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tmux *t = tmux_start(d->dir);
	struct tclient *bob = tc_connect(d->sock);
	char *line;
	int col;

	tc_join(bob, "bob");
	lchat_in_room(t, "alice", d->sock, NULL);
	tmux_wait(t, "alice", ROW("alice") ": 2 people\\]$", T_WAIT);
	tmux_type(t, "alice", "a short line");
	wait_layout(t, "alice", ROW("alice"), 1, "[alice] a short line");
	tmux_resize(t, "alice", 60, TMUX_ROWS);
	wait_layout(t, "alice", ROW("alice") ": 2 people\\]$", 1, "[alice] a short line");
	tc_send(bob, "SAY after the resize, a line that is folded at sixty columns or so, not at 120");
	tc_ack(bob, "SAY");
	tmux_wait(t, "alice", "^    .* at 120$", T_WAIT);
	wait_layout(t, "alice", ROW("alice") ": 2 people\\]$", 1, "[alice] a short line");
	tmux_resize(t, "alice", TMUX_COLS, TMUX_ROWS);
	wait_layout(t, "alice", ROW("alice") ": 2 people\\]$", 1, "[alice] a short line");
	line = tmux_cursor_line(t, "alice", &col);
	ck_assert_str_eq(line, "[alice] a short line");
	ck_assert_int_eq(col, (int)strlen("[alice] a short line"));
	free(line);
	tmux_stop(t);
	tc_close(bob);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- questions: the paste, a refused name ---------------------------------- */

START_TEST(test_questions)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tmux *t = tmux_start(d->dir);
	struct tclient *carol = tc_connect(d->sock);
	char cmd[1024];

	tc_join(carol, "carol");
	/* A refused name: the row says so above the name prompt. */
	snprintf(cmd, sizeof(cmd), "%s -s %s -n CAROL", lchat_exe(), d->sock);
	tmux_window(t, "w", cmd);
	tmux_wait(t, "w", "cannot join as CAROL: .*\\(name-taken\\)", T_WAIT);
	tmux_wait(t, "w", TS "\\[CAROL\\] \\[#lchat: choose a name\\]$", T_WAIT);
	wait_layout(t, "w", TS "\\[CAROL\\] \\[#lchat: choose a name\\]$", 1, "name: ");
	tmux_enter(t, "w", "dave");
	tmux_wait(t, "w", "you are in the room as dave", T_WAIT);
	tmux_wait(t, "w", ROW("dave") ": 2 people\\]$", T_WAIT);
	wait_layout(t, "w", ROW("dave"), 1, "[dave] ");

	/* The paste's question: the row stays above it. */
	tmux_paste(t, "w", "one\ntwo\nthree\nfour\nfive\nsix\nseven");
	tmux_wait(t, "w", "-!- paste 7 lines\\?", T_WAIT);
	wait_layout(t, "w", ROW("dave"), 1, "[dave] Enter: send, Esc: cancel");
	tmux_key(t, "w", "Escape");
	tmux_wait(t, "w", "-!- paste cancelled: nothing was sent$", T_WAIT);
	wait_layout(t, "w", ROW("dave"), 1, "[dave] ");
	tmux_stop(t);
	tc_close(carol);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- NO_COLOR, --no-status ------------------------------------------------ */

START_TEST(test_no_color_and_no_status)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tmux *t = tmux_start(d->dir);
	struct tclient *bob = tc_connect(d->sock);
	char cmd[1024], *screen, *line;
	int col;

	tc_join(bob, "bob");
	snprintf(cmd, sizeof(cmd), "env NO_COLOR=1 %s -s %s -n carol", lchat_exe(), d->sock);
	tmux_window(t, "carol", cmd);
	lchat_in_room(t, "dave", d->sock, "--no-status");
	tmux_wait(t, "carol", ROW("carol") ": 3 people\\]$", T_WAIT);
	wait_layout(t, "carol", ROW("carol"), 1, "[carol] ");
	tc_send(bob, "SAY hello both");
	tc_ack(bob, "SAY");
	tmux_wait(t, "carol", TS "<bob> hello both$", T_WAIT);
	tmux_wait(t, "dave", TS "<bob> hello both$", T_WAIT);
	/* NO_COLOR: the row, but no escape at all. */
	screen = tmux_screen_escapes(t, "carol");
	ck_assert_msg(!strchr(screen, '\033'), "escapes despite NO_COLOR: %s", screen);
	free(screen);
	/* --no-status: no row; the input line right after the last line. */
	ck_assert_int_eq(tmux_count(t, "dave", "\\[#"), 0);
	line = tmux_cursor_line(t, "dave", &col);
	ck_assert_str_eq(line, "[dave]");
	free(line);
	screen = tmux_screen(t, "dave");
	{
		char **rows = rows_of(screen);
		int cursor = tmux_cursor_row(t, "dave");

		ck_assert_msg(cursor > 0 && matches(rows[cursor - 1], TS "<bob> hello both$"), "%s",
			      screen);
		free_rows(rows);
	}
	free(screen);
	tmux_stop(t);
	tc_close(bob);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- the lag ---------------------------------------------------------------- */

/* A fake server holds the PONG of the lag PING: the row shows the wait
 * growing from a second on, then the lag measured once the PONG comes;
 * neither the PING nor the PONG shows anywhere. */
START_TEST(test_lag_shown)
{
	char dir[] = "/tmp/lchat-status.XXXXXX";
	struct tmux *t;
	struct fakesrv *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	t = tmux_start(dir);
	f = tmux_lchat_fake_joined(t, dir, "alice", T_WAIT);
	fake_expect(f, "PING lchat-lag-1$", T_WAIT);
	/* (the room is named after the socket, fake.sock) */
	tmux_wait(t, "alice", TS "\\[alice\\] \\[#fake\\] \\[lag [1-9]\\.0 s\\]$", T_WAIT);
	tmux_wait(t, "alice", TS "\\[alice\\] \\[#fake\\] \\[lag [2-9]\\.0 s\\]$", T_WAIT);
	fake_send(f, "PONG lchat-lag-1\n");
	tmux_wait(t, "alice", TS "\\[alice\\] \\[#fake\\] \\[lag [2-9]\\.[0-9] s\\]$", T_WAIT);
	wait_layout(t, "alice", TS "\\[alice\\] \\[#fake\\] \\[lag", 1, "[alice] ");
	ck_assert_int_eq(tmux_count(t, "alice", "PING|PONG|lchat-lag"), 0);
	tmux_stop(t);
	fake_close(f);
	remove_tree(dir);
}
END_TEST

static Suite *status_suite(void)
{
	const struct harness_case cases[] = {
		{ "member_count", test_member_count, 60 },
		{ "offline_and_back", test_offline_and_back, 90 },
		{ "burst_over_wrapped_line", test_burst_over_wrapped_line, 90 },
		{ "resize", test_resize, 60 },
		{ "questions", test_questions, 60 },
		{ "no_color_and_no_status", test_no_color_and_no_status, 60 },
		{ "lag_shown", test_lag_shown, 60 },
	};

	return harness_suite("client_status", cases, HARNESS_NCASES(cases));
}

int main(void)
{
	return harness_run(status_suite());
}
