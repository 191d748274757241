/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* test_client_input.c - end-to-end tests of what the interactive client
 * sends: a multi-line paste (one message per line, asked about first,
 * never protocol commands), lines queued behind the rate limit (none
 * lost), Ctrl-C (clears the line, drops what waits, leaves on an empty
 * line) and a message longer than the server's max_line (offered in
 * parts). The real lchat in a private tmux server (tmux.h), pasting with
 * bracketed paste as a terminal does, talking to a real lchatd; bob
 * watches in lchat too, and an observer reads the protocol.
 *
 * Every wait is for something on a screen or a socket, with a deadline.
 * Names used here (alice, bob, ci, observer) must not be other accounts'
 * login names on the test machine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "harness.h"
#include "procs.h"
#include "tmux.h"

#define CONF "motd = \"Welcome to the test room\"\n"
#define T_WAIT 8000
/* A line of the screen: "[HH:MM] " and then the rest. */
#define TS "^\\[[0-9][0-9]:[0-9][0-9]\\] "
#define ANSWERS "\\(Enter: send, Esc or Ctrl-C: cancel\\)"
#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* lchat as NAME in a window named NAME, once its prompt is ready (and
 * with it readline's bracketed paste mode). */
static void lchat_in_room(struct tmux *t, const char *name, const char *sock)
{
	char re[64];

	tmux_lchat(t, name, sock, NULL);
	snprintf(re, sizeof(re), "you are in the room as %s", name);
	tmux_wait(t, name, re, T_WAIT);
	snprintf(re, sizeof(re), "^\\[%s\\] ?$", name);
	tmux_wait(t, name, re, T_WAIT);
}

/* An observer in the room before alice and bob, so that it sees them
 * join. */
static struct tclient *observer(struct lchatd *d)
{
	struct tclient *obs = tc_connect(d->sock);

	tc_join(obs, "observer");
	return obs;
}

/* The observer receives alice's messages want[0..n) next, in order. */
static void expect_msgs(struct tclient *obs, const char *const *want, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tc_expectf(obs, T_WAIT, "EV [0-9]+ [0-9]+ MSG alice %s$", re_quote(want[i]));
}

/* The texts of the "<from> text" lines on a window's screen, in order:
 * out[0..return) (free() each). */
static size_t screen_msgs(struct tmux *t, const char *win, const char *from, char **out,
			  size_t max)
{
	char *screen = tmux_screen(t, win), *line = screen, *nl, tag[64];
	size_t n = 0;

	snprintf(tag, sizeof(tag), "<%s> ", from);
	for (; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (line_matches(line, TS) && strncmp(line + 8, tag, strlen(tag)) == 0 && n < max)
			out[n++] = strdup(line + 8 + strlen(tag));
	}
	free(screen);
	return n;
}

/* bob's screen shows alice's messages want[0..n), in order, and no
 * others of hers. */
static void bob_saw(struct tmux *t, const char *const *want, size_t n)
{
	char *got[64];
	size_t k;
	char re[512];

	snprintf(re, sizeof(re), TS "<alice> %s$", re_quote(want[n - 1]));
	tmux_wait(t, "bob", re, T_WAIT);
	k = screen_msgs(t, "bob", "alice", got, 64);
	ck_assert_uint_eq(k, n);
	for (size_t i = 0; i < k; i++) {
		ck_assert_str_eq(got[i], want[i]);
		free(got[i]);
	}
}

/* ---- a paste ------------------------------------------------------------ */

/* 20 lines, two of which are protocol commands if sent as they are, and
 * lines that look like lchat's /commands: asked about first, then 20
 * messages, in order, and nothing else. */
static const char *const paste20[] = {
	"the build broke at 14:02, here is what I ran:",
	"git pull --rebase",
	"make -j8",
	"QUIT done for today",
	"PRIV bob x",
	"/quit is text in a paste, not a command",
	"//two slashes stay two",
	"        int main(void)",	/* a tab in the paste */
	"SAY this is no command either",
	"WHO",
	"line 11",
	"line 12",
	"line 13",
	"line 14",
	"line 15",
	"line 16",
	"line 17",
	"line 18",
	"line 19 (the blank line above line 2 is skipped)",
	"JOIN mallory 0",
};

START_TEST(test_paste_20_lines)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tmux *t = tmux_start(d->dir);
	struct tclient *obs = observer(d);
	struct buffer text = { 0 };
	const char *still[] = { "still here" };

	lchat_in_room(t, "bob", d->sock);
	lchat_in_room(t, "alice", d->sock);
	tc_expect(obs, "EV [0-9]+ [0-9]+ JOIN bob ", TC_TIMEOUT);
	tc_expect(obs, "EV [0-9]+ [0-9]+ JOIN alice ", TC_TIMEOUT);
	tmux_wait(t, "bob", TS "--> alice \\(.*\\) joined$", T_WAIT);

	for (size_t i = 0; i < LEN(paste20); i++) {
		const char *l = paste20[i];

		if (i == 1)
			ck_assert_int_eq(buffer_append(&text, "\n", 1), 0);	/* blank */
		if (i == 7)
			l = "\tint main(void)";
		ck_assert_int_eq(buffer_append(&text, l, strlen(l)), 0);
		ck_assert_int_eq(buffer_append(&text, "\n", 1), 0);
	}
	ck_assert_int_eq(buffer_append(&text, "", 1), 0);
	tmux_paste(t, "alice", text.data);
	buffer_free(&text);

	/* Asked first; nothing was sent yet. */
	tmux_wait(t, "alice", "-!- paste 20 lines\\? " ANSWERS "$", T_WAIT);
	tmux_wait(t, "alice", "^\\[alice\\] Enter: send, Esc: cancel ?$", T_WAIT);
	tc_expect_silence(obs);
	tmux_key(t, "alice", "Enter");

	expect_msgs(obs, paste20, LEN(paste20));
	bob_saw(t, paste20, LEN(paste20));
	ck_assert_int_eq(tmux_count(t, "bob", "private"), 0);
	ck_assert_int_eq(tmux_count(t, "alice", "-> bob:"), 0);
	ck_assert_int_eq(tmux_count(t, "alice", "not sent"), 0);

	/* alice is still in the room, and nobody left. */
	tmux_wait(t, "alice", "^\\[alice\\] ?$", T_WAIT);
	ck_assert(!tmux_pane_dead(t, "alice", NULL));
	tmux_enter(t, "alice", "still here");
	expect_msgs(obs, still, 1);
	tmux_wait(t, "bob", TS "<alice> still here$", T_WAIT);
	ck_assert_int_eq(tmux_count(t, "bob", "left"), 0);
	tmux_stop(t);
	tc_close(obs);
	lchatd_stop_ok(d);
}
END_TEST

/* Esc cancels a paste: nothing is sent. A paste of a few lines is sent
 * without a question; one line stays in the input line to be edited. */
START_TEST(test_paste_cancel_and_small)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tmux *t = tmux_start(d->dir);
	struct tclient *obs = observer(d);
	const char *const small[] = { "typed, then one", "two", "three" };
	const char *const edited[] = { "pasted and edited" };

	lchat_in_room(t, "alice", d->sock);
	tc_expect(obs, "EV [0-9]+ [0-9]+ JOIN alice ", TC_TIMEOUT);

	tmux_paste(t, "alice", "1\n2\n3\n4\n5\n6\n7\n");
	tmux_wait(t, "alice", "-!- paste 7 lines\\? " ANSWERS "$", T_WAIT);
	tmux_key(t, "alice", "Escape");
	tmux_wait(t, "alice", "-!- paste cancelled: nothing was sent$", T_WAIT);
	tmux_wait(t, "alice", "^\\[alice\\] ?$", T_WAIT);
	tc_expect_silence(obs);

	/* What was typed before the paste begins its first line. */
	tmux_type(t, "alice", "typed, ");
	tmux_wait(t, "alice", "^\\[alice\\] typed, ?$", T_WAIT);
	tmux_paste(t, "alice", "then one\ntwo\nthree\n");
	expect_msgs(obs, small, 3);
	ck_assert_int_eq(tmux_count(t, "alice", "-!- paste [0-9]+ lines"), 1);

	tmux_paste(t, "alice", "pasted and");
	tmux_wait(t, "alice", "^\\[alice\\] pasted and$", T_WAIT);
	tmux_enter(t, "alice", " edited");
	expect_msgs(obs, edited, 1);
	tmux_stop(t);
	tc_close(obs);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- the rate limit ----------------------------------------------------- */

static const char *const paste15[] = {
	"rate 01", "rate 02", "rate 03", "rate 04", "rate 05",
	"rate 06", "rate 07", "rate 08", "rate 09", "rate 10",
	"rate 11", "rate 12", "rate 13", "rate 14", "rate 15",
};

/* 15 lines against a limit of 5 a second: they wait in the queue (the
 * prompt says how many) and all arrive, in order. */
START_TEST(test_rate_limited_paste_whole)
{
	struct lchatd *d = lchatd_start(CONF "rate_limit = 5\nrate_burst = 5\n");
	struct tmux *t = tmux_start(d->dir);
	struct tclient *obs = observer(d);
	struct buffer text = { 0 };

	lchat_in_room(t, "bob", d->sock);
	lchat_in_room(t, "alice", d->sock);
	tc_expect(obs, "EV [0-9]+ [0-9]+ JOIN bob ", TC_TIMEOUT);
	tc_expect(obs, "EV [0-9]+ [0-9]+ JOIN alice ", TC_TIMEOUT);
	for (size_t i = 0; i < LEN(paste15); i++) {
		ck_assert_int_eq(buffer_append(&text, paste15[i], strlen(paste15[i])), 0);
		ck_assert_int_eq(buffer_append(&text, "\n", 1), 0);
	}
	ck_assert_int_eq(buffer_append(&text, "", 1), 0);
	tmux_paste(t, "alice", text.data);
	buffer_free(&text);
	tmux_wait(t, "alice", "-!- paste 15 lines\\? " ANSWERS "$", T_WAIT);
	tmux_key(t, "alice", "Enter");
	/* Ten of them wait at least two seconds for the limit. */
	tmux_wait(t, "alice", "^\\[alice \\+[0-9]+\\] ?$", T_WAIT);

	expect_msgs(obs, paste15, LEN(paste15));
	bob_saw(t, paste15, LEN(paste15));
	tmux_wait(t, "alice", "^\\[alice\\] ?$", T_WAIT);
	tmux_wait(t, "alice", TS "<alice> rate 15$", T_WAIT);
	ck_assert_int_eq(tmux_count(t, "alice", TS "<alice> rate [0-9]+$"), 15);
	ck_assert_int_eq(tmux_count(t, "alice", "not sent"), 0);
	tmux_stop(t);
	tc_close(obs);
	lchatd_stop_ok(d);
}
END_TEST

/* Ctrl-C while lines wait drops them (the one in flight still goes). */
START_TEST(test_ctrl_c_drops_waiting)
{
	/* The uid's bucket: the observer's JOIN, alice's, and one line. */
	struct lchatd *d = lchatd_start(CONF "rate_limit = 1\nrate_burst = 3\n");
	struct tmux *t = tmux_start(d->dir);
	struct tclient *obs = observer(d);
	static const char *const lines[] = { "drop 1", "drop 2", "drop 3", "drop 4",
					     "drop 5", "drop 6", "drop 7", "drop 8" };
	const char *after[] = { "after the drop" };
	char *screen, *p;
	int dropped = 0;

	lchat_in_room(t, "alice", d->sock);
	tc_expect(obs, "EV [0-9]+ [0-9]+ JOIN alice ", TC_TIMEOUT);
	tmux_paste(t, "alice", "drop 1\ndrop 2\ndrop 3\ndrop 4\ndrop 5\ndrop 6\ndrop 7\ndrop 8\n");
	tmux_wait(t, "alice", "-!- paste 8 lines\\? " ANSWERS "$", T_WAIT);
	tmux_key(t, "alice", "Enter");
	tmux_wait(t, "alice", "^\\[alice \\+[0-9]+\\] ?$", T_WAIT);
	tmux_key(t, "alice", "C-c");
	tmux_wait(t, "alice", "-!- [0-9]+ waiting lines? dropped, not sent$", T_WAIT);
	screen = tmux_screen(t, "alice");
	p = strstr(screen, " waiting line");
	ck_assert_ptr_nonnull(p);
	while (p > screen && p[-1] >= '0' && p[-1] <= '9')
		p--;
	dropped = atoi(p);
	free(screen);
	ck_assert_int_ge(dropped, 1);
	ck_assert_int_le(dropped, 7);
	tmux_wait(t, "alice", "^\\[alice\\] ?$", T_WAIT);
	ck_assert(!tmux_pane_dead(t, "alice", NULL));

	/* What went before the drop arrives, then the next line; nothing
	 * of what was dropped. */
	tmux_enter(t, "alice", "after the drop");
	expect_msgs(obs, lines, (size_t)(8 - dropped));
	expect_msgs(obs, after, 1);
	tmux_stop(t);
	tc_close(obs);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- Ctrl-C ------------------------------------------------------------- */

START_TEST(test_ctrl_c_clears_then_leaves)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tmux *t = tmux_start(d->dir);
	struct tclient *obs = observer(d);
	const char *after[] = { "after Ctrl-C" };

	lchat_in_room(t, "alice", d->sock);
	tc_expect(obs, "EV [0-9]+ [0-9]+ JOIN alice ", TC_TIMEOUT);

	/* On a typed line: the line goes, the client stays. */
	tmux_type(t, "alice", "half a line, then Ctrl-C");
	tmux_wait(t, "alice", "^\\[alice\\] half a line, then Ctrl-C$", T_WAIT);
	tmux_key(t, "alice", "C-c");
	tmux_wait(t, "alice", "^\\[alice\\] ?$", T_WAIT);
	ck_assert_int_eq(tmux_count(t, "alice", "half a line"), 0);
	ck_assert(!tmux_pane_dead(t, "alice", NULL));
	/* It is in the history. */
	tmux_key(t, "alice", "Up");
	tmux_wait(t, "alice", "^\\[alice\\] half a line, then Ctrl-C$", T_WAIT);
	tmux_key(t, "alice", "C-u");
	tmux_wait(t, "alice", "^\\[alice\\] ?$", T_WAIT);

	/* Nothing of it was sent: the next message is the next line. */
	tmux_enter(t, "alice", "after Ctrl-C");
	expect_msgs(obs, after, 1);
	tmux_wait(t, "alice", TS "<alice> after Ctrl-C$", T_WAIT);
	tmux_wait(t, "alice", "^\\[alice\\] ?$", T_WAIT);

	/* On an empty line: leave, as /quit, with status 0. */
	tmux_key(t, "alice", "C-c");
	ck_assert_int_eq(tmux_wait_exit(t, "alice", T_WAIT), 0);
	tc_expect(obs, "EV [0-9]+ [0-9]+ LEAVE alice [^ ]+ quit$", TC_TIMEOUT);
	tmux_stop(t);
	tc_close(obs);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- a message over max_line ------------------------------------------- */

/* 30 words of 7 letters: 239 bytes; at max_line 80 a SAY carries 76,
 * nine words. */
static void long_words(char *out, size_t cap)
{
	size_t used = 0;

	out[0] = '\0';
	for (int i = 1; i <= 30; i++)
		used += (size_t)snprintf(out + used, cap - used, "%slorem%02d", i > 1 ? " " : "", i);
}

static const char *const long_parts[] = {
	"lorem01 lorem02 lorem03 lorem04 lorem05 lorem06 lorem07 lorem08 lorem09",
	"lorem10 lorem11 lorem12 lorem13 lorem14 lorem15 lorem16 lorem17 lorem18",
	"lorem19 lorem20 lorem21 lorem22 lorem23 lorem24 lorem25 lorem26 lorem27",
	"lorem28 lorem29 lorem30",
};

START_TEST(test_long_message_offered_split)
{
	struct lchatd *d = lchatd_start(CONF "max_line = 80\n");
	struct tmux *t = tmux_start(d->dir);
	struct tclient *obs = observer(d);
	char text[512];

	long_words(text, sizeof(text));
	lchat_in_room(t, "bob", d->sock);
	lchat_in_room(t, "alice", d->sock);
	tc_expect(obs, "EV [0-9]+ [0-9]+ JOIN bob ", TC_TIMEOUT);
	tc_expect(obs, "EV [0-9]+ [0-9]+ JOIN alice ", TC_TIMEOUT);

	/* Esc: not sent, and the line is in the history. */
	tmux_enter(t, "alice", text);
	tmux_wait(t, "alice", "-!- too long \\(239 bytes, the server takes 76\\): send as 4 "
		  "messages\\? " ANSWERS "$", T_WAIT);
	tmux_wait(t, "alice", "^\\[alice\\] Enter: send, Esc: cancel ?$", T_WAIT);
	tmux_key(t, "alice", "Escape");
	tmux_wait(t, "alice", "-!- not sent \\(Up brings the line back\\)$", T_WAIT);
	tmux_wait(t, "alice", "^\\[alice\\] ?$", T_WAIT);
	tc_expect_silence(obs);

	/* Up, Enter, Enter: four messages, in order. */
	tmux_key(t, "alice", "Up");
	tmux_wait(t, "alice", "^\\[alice\\] lorem01 ", T_WAIT);
	tmux_key(t, "alice", "Enter");
	tmux_wait(t, "alice", "^\\[alice\\] Enter: send, Esc: cancel ?$", T_WAIT);
	tmux_key(t, "alice", "Enter");
	expect_msgs(obs, long_parts, LEN(long_parts));
	bob_saw(t, long_parts, LEN(long_parts));
	ck_assert_int_eq(tmux_count(t, "alice", "not sent \\("), 1);
	tmux_stop(t);
	tc_close(obs);
	lchatd_stop_ok(d);
}
END_TEST

/* Pipe mode cuts without asking; a CRLF line end is a line end. */
START_TEST(test_pipe_mode_splits)
{
	struct lchatd *d = lchatd_start(CONF "max_line = 80\n");
	struct tmux *t = tmux_start(d->dir);
	struct tclient *obs = observer(d);
	const char *const crlf[] = { "a CRLF line" };
	char text[512], path[PATH_MAX], cmd[2048];
	FILE *f;

	long_words(text, sizeof(text));
	snprintf(path, sizeof(path), "%s/input.txt", d->dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert(fprintf(f, "a CRLF line\r\n%s\n", text) > 0);
	ck_assert_int_eq(fclose(f), 0);
	snprintf(cmd, sizeof(cmd), "%s -s %s -n alice < %s", lchat_exe(), d->sock, path);
	tmux_window(t, "alice", cmd);
	tc_expect(obs, "EV [0-9]+ [0-9]+ JOIN alice ", TC_TIMEOUT);
	expect_msgs(obs, crlf, 1);
	expect_msgs(obs, long_parts, LEN(long_parts));
	tc_expect(obs, "EV [0-9]+ [0-9]+ LEAVE alice [^ ]+ quit$", TC_TIMEOUT);
	ck_assert_int_eq(tmux_wait_exit(t, "alice", T_WAIT), 0);
	tmux_stop(t);
	tc_close(obs);
	lchatd_stop_ok(d);
}
END_TEST

static Suite *client_input_suite(void)
{
	const struct harness_case cases[] = {
		{ "paste_20_lines", test_paste_20_lines, 60 },
		{ "paste_cancel_and_small", test_paste_cancel_and_small, 60 },
		{ "rate_limited_paste_whole", test_rate_limited_paste_whole, 60 },
		{ "ctrl_c_drops_waiting", test_ctrl_c_drops_waiting, 60 },
		{ "ctrl_c_clears_then_leaves", test_ctrl_c_clears_then_leaves, 60 },
		{ "long_message_offered_split", test_long_message_offered_split, 60 },
		{ "pipe_mode_splits", test_pipe_mode_splits, 60 },
	};

	return harness_suite("client_input", cases, HARNESS_NCASES(cases));
}

int main(void)
{
	return harness_run(client_input_suite());
}
