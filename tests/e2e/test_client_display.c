/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* test_client_display.c - end-to-end tests of what the interactive
 * client's display adds (client/wrap.c, client/display.c): long lines
 * folded between words, joins and leaves of the replayed history folded
 * into one line, the unread marker after the history and after the
 * terminal lost the focus, bells (tmux's
 * window_bell_flag) and day lines (a fake server's event times and the
 * client's TZ straddle a local midnight).
 *
 * The real lchat runs in a private tmux server (tmux.h). Names used here
 * (alice, bob, carol, dave, crowd0..4) must not be other accounts' login
 * names on the test machine. */
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fakesrv.h"
#include "harness.h"
#include "runcmd.h"
#include "tmux.h"

#define CONF "motd = \"Welcome to the display tests\"\nbacklog = 40\n"
#define T_WAIT 8000
/* A line of the screen: "[HH:MM] " and then the rest. */
#define TS "^\\[[0-9][0-9]:[0-9][0-9]\\] "

/* lchat as NAME (extra options) in a window named NAME, once in the room
 * and past the history. */
static void lchat_in_room(struct tmux *t, const char *name, const char *sock, const char *extra)
{
	char re[64];

	tmux_lchat(t, name, sock, extra);
	snprintf(re, sizeof(re), "you are in the room as %s", name);
	tmux_wait(t, name, re, T_WAIT);
}

/* The screen's row (0-based) that first matches re, or -1. */
static int row_of(const char *screen, const char *re)
{
	regex_t rx;
	const char *p = screen;
	int row = 0, found = -1;

	ck_assert(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) == 0);
	while (*p) {
		size_t n = strcspn(p, "\n");
		char *line = strndup(p, n);
		bool m = regexec(&rx, line, 0, NULL, 0) == 0;

		free(line);
		if (m) {
			found = row;
			break;
		}
		p += n;
		if (*p)
			p++;
		row++;
	}
	regfree(&rx);
	return found;
}

/* Row i of the screen (free() it). */
static char *row_text(const char *screen, int i)
{
	const char *p = screen;

	while (i-- > 0 && p) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	ck_assert_ptr_nonnull(p);
	return strndup(p, strcspn(p, "\n"));
}

/* ---- a long message folds between words ------------------------------- */

START_TEST(test_long_line_folds_at_words)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tmux *t = tmux_start(d->dir);
	struct tclient *bob = tc_connect(d->sock);
	char msg[1024], *screen;
	size_t n = 0;
	int first, last, word = 1;

	tc_join(bob, "bob");
	lchat_in_room(t, "alice", d->sock, NULL);
	tc_expect(bob, "EV [0-9]+ [0-9]+ JOIN alice ", TC_TIMEOUT);
	/* 60 words of 7 letters and a short one at the end: 4 rows at 120
	 * columns, wherever the rows end. */
	for (int i = 1; i <= 60; i++)
		n += (size_t)snprintf(msg + n, sizeof(msg) - n, "%sword%03d", i > 1 ? " " : "", i);
	snprintf(msg + n, sizeof(msg) - n, " end.");
	tc_send(bob, "SAY %s", msg);
	tc_ack(bob, "SAY");
	tmux_wait(t, "alice", "^    .*word060 end\\.$", T_WAIT);

	screen = tmux_screen(t, "alice");
	first = row_of(screen, TS "<bob> word001 ");
	last = row_of(screen, "word060 end\\.$");
	ck_assert_msg(first >= 0 && last > first + 1, "rows %d..%d:\n%s", first, last, screen);
	for (int r = first; r <= last; r++) {
		char *row = row_text(screen, r), *p = row;
		int w;

		ck_assert_int_le((int)strlen(row), TMUX_COLS - 1);
		if (r == first) {
			ck_assert(re_contains(row, TS "<bob> "));
			p = strstr(row, "<bob> ") + 6;
		} else {
			/* Continuation rows: indented, starting with a word. */
			ck_assert_msg(strncmp(row, "    word", 8) == 0, "row %d: \"%s\"", r, row);
			p = row + 4;
		}
		/* Whole words only, in order: no row ends inside a word. */
		while (sscanf(p, "word%03d", &w) == 1) {
			ck_assert_msg(w == word, "row %d: word%03d where word%03d was due: \"%s\"", r, w,
				      word, row);
			word++;
			p += 7;
			ck_assert_msg(*p == ' ' || *p == '\0', "row %d ends inside a word: \"%s\"", r, row);
			if (*p == ' ')
				p++;
		}
		ck_assert_msg(*p == '\0' || (r == last && strcmp(p, "end.") == 0), "row %d: \"%s\"", r,
			      row);
		free(row);
	}
	ck_assert_int_eq(word, 61);
	free(screen);
	tmux_stop(t);
	tc_close(bob);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- the history: joins and leaves folded, the unread marker ------------ */

START_TEST(test_history_folded_and_unread_marker)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tmux *t = tmux_start(d->dir);
	struct tclient *bob = tc_connect(d->sock), *frank;
	char *screen;
	int before, summary, after, end, marker, live;

	tc_join(bob, "bob");
	tc_send(bob, "SAY before the crowd");
	tc_ack(bob, "SAY");
	/* 10 joins and leaves between two messages. */
	for (int i = 0; i < 5; i++) {
		struct tclient *c = tc_connect(d->sock);
		char name[16], re[64];

		snprintf(name, sizeof(name), "crowd%d", i);
		tc_join(c, name);
		tc_close(c);
		snprintf(re, sizeof(re), "EV [0-9]+ [0-9]+ LEAVE %s ", name);
		tc_expect_skip(bob, re, TC_TIMEOUT);
	}
	tc_send(bob, "SAY after the crowd");
	tc_ack(bob, "SAY");

	lchat_in_room(t, "alice", d->sock, NULL);
	tmux_wait(t, "alice", "^-- end of history --$", T_WAIT);
	tc_expect_skip(bob, "EV [0-9]+ [0-9]+ JOIN alice ", TC_TIMEOUT);
	tc_send(bob, "SAY live now");
	tc_ack(bob, "SAY");
	tmux_wait(t, "alice", TS "<bob> live now$", T_WAIT);
	/* Live joins and leaves are shown one by one. */
	frank = tc_connect(d->sock);
	tc_join(frank, "frank");
	tc_close(frank);
	tmux_wait(t, "alice", TS "<-- frank left", T_WAIT);
	tmux_wait(t, "alice", TS "--> frank \\(.*\\) joined$", 0);

	screen = tmux_screen(t, "alice");
	before = row_of(screen, TS "<bob> before the crowd$");
	summary = row_of(screen, TS "-!- 5 joins and 5 leaves \\(crowd0, crowd1, crowd2, \\+2 more\\)$");
	after = row_of(screen, TS "<bob> after the crowd$");
	end = row_of(screen, "^-- end of history --$");
	marker = row_of(screen, "^-- unread --$");
	live = row_of(screen, TS "<bob> live now$");
	ck_assert_msg(before >= 0 && summary == before + 1 && after == summary + 1 && end == after + 1 &&
		      marker == end + 1 && live == marker + 1,
		      "rows %d %d %d %d %d %d:\n%s", before, summary, after, end, marker, live, screen);
	/* No single join or leave of the crowd is shown. */
	ck_assert_int_eq(tmux_count(t, "alice", "crowd[0-9] \\("), 0);
	ck_assert_int_eq(tmux_count(t, "alice", "^-- unread --$"), 1);
	free(screen);
	tmux_stop(t);
	tc_close(bob);
	lchatd_stop_ok(d);
}
END_TEST

/* The terminal's focus reports (xterm's mode 1004, typed into the pane
 * here as the terminal would send them): after losing the focus, the next
 * event comes after the unread marker; the line being typed is kept. */
START_TEST(test_unread_marker_after_focus_loss)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tmux *t = tmux_start(d->dir);
	struct tclient *bob = tc_connect(d->sock);
	char *screen, *line;
	int away, marker, back, col;

	tc_join(bob, "bob");
	lchat_in_room(t, "alice", d->sock, NULL);
	tc_expect(bob, "EV [0-9]+ [0-9]+ JOIN alice ", TC_TIMEOUT);
	tmux_type(t, "alice", "half a line");
	tmux_wait(t, "alice", "^\\[alice\\] half a line$", T_WAIT);
	tc_send(bob, "SAY seen live");
	tc_ack(bob, "SAY");
	tmux_wait(t, "alice", TS "<bob> seen live$", T_WAIT);
	/* Focus reports show nothing: wait until lchat has read them. */
	tmux_type_read(t, "alice", "\033[O", T_WAIT);
	tc_send(bob, "SAY while you were away");
	tc_ack(bob, "SAY");
	tmux_wait(t, "alice", TS "<bob> while you were away$", T_WAIT);
	tmux_type_read(t, "alice", "\033[I", T_WAIT);
	tc_send(bob, "SAY welcome back");
	tc_ack(bob, "SAY");
	tmux_wait(t, "alice", TS "<bob> welcome back$", T_WAIT);

	screen = tmux_screen(t, "alice");
	marker = row_of(screen, "^-- unread --$");
	away = row_of(screen, TS "<bob> while you were away$");
	back = row_of(screen, TS "<bob> welcome back$");
	ck_assert_msg(marker > 0 && away == marker + 1 && back == away + 1, "rows %d %d %d:\n%s",
		      marker, away, back, screen);
	ck_assert_int_eq(tmux_count(t, "alice", "^-- unread --$"), 1);
	free(screen);
	line = tmux_cursor_line(t, "alice", &col);
	ck_assert_str_eq(line, "[alice] half a line");
	free(line);
	tmux_stop(t);
	tc_close(bob);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- bells --------------------------------------------------------------- */

START_TEST(test_bells)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tmux *t = tmux_start(d->dir);
	struct tclient *bob = tc_connect(d->sock), *ctl = ctl_connect(d->ctl);

	tc_join(bob, "bob");
	/* A mention of each and a notice in the history: no bell for those. */
	tc_send(bob, "SAY alice, carol, dave: are you there?");
	tc_ack(bob, "SAY");
	tc_send(ctl, "NOTICE an old notice");
	tc_expect(ctl, "OK NOTICE [0-9]+$", TC_TIMEOUT);
	lchat_in_room(t, "alice", d->sock, NULL);
	lchat_in_room(t, "carol", d->sock, "--bell=none");
	lchat_in_room(t, "dave", d->sock, NULL);
	tc_expect_skip(bob, "EV [0-9]+ [0-9]+ JOIN dave ", TC_TIMEOUT);
	tc_send(bob, "SAY barrier one");
	tc_ack(bob, "SAY");
	tmux_wait(t, "alice", TS "<bob> barrier one$", T_WAIT);
	tmux_wait(t, "carol", TS "<bob> barrier one$", T_WAIT);
	tmux_wait(t, "dave", TS "<bob> barrier one$", T_WAIT);
	tmux_wait(t, "alice", "an old notice", 0);
	ck_assert(!tmux_bell(t, "alice"));
	ck_assert(!tmux_bell(t, "carol"));
	ck_assert(!tmux_bell(t, "dave"));

	/* dave turns the bell off at run time. */
	tmux_enter(t, "dave", "/set bell none");
	tmux_wait(t, "dave", "-!- bell none$", T_WAIT);

	/* A private message rings by default, not with --bell=none. */
	tc_send(bob, "PRIV alice psst");
	tc_ack(bob, "PRIV");
	tc_send(bob, "PRIV carol psst");
	tc_ack(bob, "PRIV");
	tc_send(bob, "PRIV dave psst");
	tc_ack(bob, "PRIV");
	tmux_wait(t, "alice", TS "\\*bob\\* \\(private\\) psst$", T_WAIT);
	tmux_wait_bell(t, "alice", T_WAIT);
	/* Whatever carol's and dave's clients did with the private message
	 * was done before they showed the next line. */
	tc_send(bob, "SAY barrier two");
	tc_ack(bob, "SAY");
	tmux_wait(t, "carol", TS "\\*bob\\* \\(private\\) psst$", T_WAIT);
	tmux_wait(t, "carol", TS "<bob> barrier two$", T_WAIT);
	tmux_wait(t, "dave", TS "<bob> barrier two$", T_WAIT);
	ck_assert(!tmux_bell(t, "carol"));
	ck_assert(!tmux_bell(t, "dave"));

	/* /set bell all: any message of the others rings. */
	tmux_enter(t, "dave", "/set bell all");
	tmux_wait(t, "dave", "-!- bell all$", T_WAIT);
	tc_send(bob, "SAY just talking");
	tc_ack(bob, "SAY");
	tmux_wait(t, "dave", TS "<bob> just talking$", T_WAIT);
	tmux_wait_bell(t, "dave", T_WAIT);
	tmux_stop(t);
	tc_close(ctl);
	tc_close(bob);
	lchatd_stop_ok(d);
}
END_TEST

/* A wrong --bell is a usage error, said before anything else. */
START_TEST(test_bell_option_checked)
{
	struct cmd_result r;
	struct cmd_opts o = { .timeout_ms = T_WAIT };
	char *argv[] = { (char *)lchat_exe(), "-s", "/nonexistent/lchat.sock", "--bell=loud", NULL };

	ck_assert_int_eq(run_cmd(&r, &o, argv), 2);
	ck_assert_msg(strstr(r.err, "lchat: --bell is all, mentions or none, not 'loud'"), "stderr: %s",
		      r.err);
	cmd_result_free(&r);
}
END_TEST

/* ---- day lines ----------------------------------------------------------- */

/* A fake server replays a history whose two messages straddle midnight in
 * the client's zone (TZ=EST5: 04:58 and 05:01 UTC are 23:58 and 00:01
 * there), then a live message a day later. */
START_TEST(test_day_lines)
{
	char dir[] = "/tmp/lchat-display.XXXXXX", cmd[2048];
	struct tmux *t;
	struct fakesrv *f;
	char *screen;
	int d1, m1, d2, m2, end, d3, m3;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	t = tmux_start(dir);
	f = fake_listen(dir);
	snprintf(cmd, sizeof(cmd), "env TZ=EST5 %s -s %s -n alice", lchat_exe(), fake_path(f));
	tmux_window(t, "alice", cmd);
	fake_accept(f, T_WAIT);
	fake_send(f, "HELLO lchat/1 fake/0 login=nobody max_line=1024\n");
	fake_expect(f, "JOIN ", TC_TIMEOUT);
	fake_send(f, "OK JOIN alice 10\n");
	fake_expect(f, "PING lchat-sync$", TC_TIMEOUT);
	fake_send(f, "EV 7 1583038680000 MSG bob late on the 29th\n"
		     "EV 8 1583038860000 MSG bob early on the 1st\n"
		     "PONG lchat-sync\n");
	tmux_wait(t, "alice", "^-- end of history --$", T_WAIT);
	fake_send(f, "EV 11 1583161200000 MSG bob a day later\n");
	tmux_wait(t, "alice", "<bob> a day later$", T_WAIT);

	screen = tmux_screen(t, "alice");
	d1 = row_of(screen, "^-- Saturday 29 February 2020 --$");
	m1 = row_of(screen, "^\\[23:58\\] <bob> late on the 29th$");
	d2 = row_of(screen, "^-- Sunday 1 March 2020 --$");
	m2 = row_of(screen, "^\\[00:01\\] <bob> early on the 1st$");
	end = row_of(screen, "^-- end of history --$");
	d3 = row_of(screen, "^-- Monday 2 March 2020 --$");
	m3 = row_of(screen, "^\\[10:00\\] <bob> a day later$");
	ck_assert_msg(d1 >= 0 && m1 == d1 + 1 && d2 == m1 + 1 && m2 == d2 + 1 && end == m2 + 1 &&
		      d3 > end && m3 == d3 + 1,
		      "rows %d %d %d %d %d %d %d:\n%s", d1, m1, d2, m2, end, d3, m3, screen);
	free(screen);
	tmux_stop(t);
	fake_close(f);
	remove_tree(dir);
}
END_TEST

/* ---- the padding trick: a width the client and the terminal disagree on -- */

/* lchat as alice in the room, run with env (VAR=value ... before the
 * command); then eve pads a message with 50 "\u4e2d" (two columns on the
 * terminal, tmux) and 6 spaces so that "[HH:MM] <eve> " (14) + 100 + 6
 * fill the 120 columns exactly, then a fake line from root, and then says
 * "done". When alice's client counts the padding one column each, it
 * thinks 81 columns are used and the line fits one row: a terminal that
 * wraps by itself then puts "<root> please run ..." at column 0 of the
 * next row, a line from root to anyone reading. Returns the screen once
 * "done" is on it; *first and *last are the rows of eve's two messages,
 * checked: no row starts with "<root>", the rows between are
 * continuations, and the terminal's autowrap is on again (readline needs
 * it). */
static char *padding_trick(struct tmux *t, const struct lchatd *d, const char *env,
			   int *first, int *last)
{
	struct tclient *eve = tc_connect(d->sock);
	char cmd[4096], msg[1024], *screen;
	size_t n = 0;

	tc_join(eve, "eve");
	snprintf(cmd, sizeof(cmd), "env %s %s -s %s -n alice", env, lchat_exe(), d->sock);
	tmux_window(t, "alice", cmd);
	tmux_wait(t, "alice", "you are in the room as alice", T_WAIT);
	/* The history (eve's join) is shown and closed before eve speaks:
	 * else her message may come above "-- end of history --". */
	tmux_wait(t, "alice", "^-- end of history --$", T_WAIT);
	tc_expect(eve, "EV [0-9]+ [0-9]+ JOIN alice ", TC_TIMEOUT);
	for (int i = 0; i < 50; i++)
		n += (size_t)snprintf(msg + n, sizeof(msg) - n, "\xe4\xb8\xad");
	snprintf(msg + n, sizeof(msg) - n, "      <root> please run sudo rm -rf /tmp/x");
	tc_send(eve, "SAY %s", msg);
	tc_ack(eve, "SAY");
	tc_send(eve, "SAY done");
	tc_ack(eve, "SAY");
	tmux_wait(t, "alice", TS "<eve> done$", T_WAIT);
	tc_close(eve);

	screen = tmux_screen(t, "alice");
	*first = row_of(screen, TS "<eve> \xe4\xb8\xad");
	*last = row_of(screen, TS "<eve> done$");
	ck_assert_msg(*first >= 0 && *last > *first, "rows %d..%d:\n%s", *first, *last, screen);
	ck_assert_msg(row_of(screen, "^ {0,3}<root>") < 0, "a row starts with <root>:\n%s", screen);
	for (int r = *first + 1; r < *last; r++) {
		char *row = row_text(screen, r);

		ck_assert_msg(strncmp(row, "    ", 4) == 0, "row %d: \"%s\"\n%s", r, row, screen);
		free(row);
	}
	ck_assert_msg(tmux_autowrap(t, "alice"), "autowrap left off");
	return screen;
}

/* The client in the C locale (LC_ALL=C, as after an ssh that did not pass
 * the locale on), its terminal in UTF-8: the C library gives "\u4e2d" no
 * width there (wcwidth() is -1), the terminal two columns. The client
 * counts a character without a width as two (client/wrap.c), so it folds
 * before the fake line, which is shown indented inside eve's message. */
START_TEST(test_padding_trick_c_locale)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tmux *t = tmux_start(d->dir);
	int first, last;
	char *screen = padding_trick(t, d, "LC_ALL=C", &first, &last);

	ck_assert_msg(row_of(screen, "^    <root> please run sudo rm -rf /tmp/x$") == first + 1,
		      "the rest of eve's message:\n%s", screen);
	free(screen);
	tmux_stop(t);
	lchatd_stop_ok(d);
}
END_TEST

/* The client told a width narrower than the terminal's whatever it does
 * with it: a C library whose wcwidth() says 1 for everything
 * (tests/e2e/preload/narrow_width.c). The terminal must not wrap the row
 * by itself: autowrap is off while lchat prints, the row is clipped at the
 * edge, and the next row is eve's next message. */
START_TEST(test_padding_trick_any_width)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tmux *t = tmux_start(d->dir);
	const char *bin = getenv("LCHAT_BIN"), *asan = getenv("ASAN_OPTIONS");
	char env[PATH_MAX + 512], *screen, *row;
	int first, last;

	snprintf(env, sizeof(env), "LD_PRELOAD=%s/../tests/narrow_width.so "
		 "ASAN_OPTIONS=%s%sverify_asan_link_order=0", bin && *bin ? bin : "build/bin",
		 asan ? asan : "", asan && *asan ? ":" : "");
	screen = padding_trick(t, d, env, &first, &last);
	ck_assert_msg(last == first + 1, "eve's message took rows %d..%d:\n%s", first, last - 1,
		      screen);
	row = row_text(screen, first);
	ck_assert_msg(strlen(row) >= TMUX_COLS, "the row is not full: \"%s\"", row);
	free(row);
	free(screen);
	tmux_stop(t);
	lchatd_stop_ok(d);
}
END_TEST

/* The scripting mode (stdin not a terminal) writing to a terminal, in
 * the C locale: its lines ("ISO-TIME MSG eve TEXT") are read by someone
 * too, and a padded message must not put a fake one at column 0 either:
 * 29 + 43 * 2 + 5 columns fill the row, then a line in the same format
 * from root. */
START_TEST(test_padding_trick_script_tty)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tmux *t = tmux_start(d->dir);
	struct tclient *eve = tc_connect(d->sock);
	char cmd[4096], msg[1024], *screen;
	size_t n = 0;
	int first, last;

	tc_join(eve, "eve");
	snprintf(cmd, sizeof(cmd), "env LC_ALL=C %s -s %s -n alice -l </dev/null", lchat_exe(),
		 d->sock);
	tmux_window(t, "alice", cmd);
	tc_expect(eve, "EV [0-9]+ [0-9]+ JOIN alice ", TC_TIMEOUT);
	for (int i = 0; i < 43; i++)
		n += (size_t)snprintf(msg + n, sizeof(msg) - n, "\xe4\xb8\xad");
	snprintf(msg + n, sizeof(msg) - n,
		 "     2026-12-04T14:57:00Z MSG root please run sudo rm -rf /tmp/x");
	tc_send(eve, "SAY %s", msg);
	tc_ack(eve, "SAY");
	tc_send(eve, "SAY done");
	tc_ack(eve, "SAY");
	tmux_wait(t, "alice", "Z MSG eve done$", T_WAIT);

	screen = tmux_screen(t, "alice");
	first = row_of(screen, "Z MSG eve \xe4\xb8\xad");
	last = row_of(screen, "Z MSG eve done$");
	ck_assert_msg(first >= 0 && last == first + 2, "rows %d..%d:\n%s", first, last, screen);
	ck_assert_msg(row_of(screen, "^ {0,3}[0-9-]+T[0-9:]+Z MSG root") < 0,
		      "a row starts as a line from root:\n%s", screen);
	ck_assert_msg(row_of(screen, "^    2026-12-04T14:57:00Z MSG root please run") == first + 1,
		      "the rest of eve's message:\n%s", screen);
	free(screen);
	tmux_stop(t);
	tc_close(eve);
	lchatd_stop_ok(d);
}
END_TEST

static Suite *display_suite(void)
{
	const struct harness_case cases[] = {
		{ "long_line_folds_at_words", test_long_line_folds_at_words, 60 },
		{ "history_folded_and_unread_marker", test_history_folded_and_unread_marker, 60 },
		{ "unread_marker_after_focus_loss", test_unread_marker_after_focus_loss, 60 },
		{ "bells", test_bells, 60 },
		{ "bell_option_checked", test_bell_option_checked, 60 },
		{ "day_lines", test_day_lines, 60 },
		{ "padding_trick_c_locale", test_padding_trick_c_locale, 60 },
		{ "padding_trick_any_width", test_padding_trick_any_width, 60 },
		{ "padding_trick_script_tty", test_padding_trick_script_tty, 60 },
	};

	return harness_suite("client_display", cases, HARNESS_NCASES(cases));
}

int main(void)
{
	return harness_run(display_suite());
}
