/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* test_client_complete.c - end-to-end tests of Tab completion in the
 * interactive client: the real lchat in a private tmux server (tmux.h)
 * against a real lchatd. Tab completes the names of the people in the room
 * (case ignored, repeated Tabs cycling through them) and the /commands,
 * follows joins, leaves and renames, and never offers file names: lchat
 * runs in a directory with files named like what is typed.
 *
 * Names used here (alice, bob, Bobby, carol) must not be other accounts'
 * login names on the test machine. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "tmux.h"

#define CONF "motd = \"\"\nbacklog = 10\n"
#define T_WAIT 8000
/* A line of the screen: "[HH:MM] " and then the rest. */
#define TS "^\\[[0-9][0-9]:[0-9][0-9]\\] "

/* An empty file dir/name. */
static void touch(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ck_assert_msg(fd >= 0, "cannot create %s", path);
	close(fd);
}

/* lchat as name, in a window of that name, with dir as its working
 * directory; returns once it has joined and read the room's history (its
 * own WHO is answered before that ends), so someone must be in the room
 * already. */
static void lchat_in(struct tmux *t, const char *name, const char *dir, const char *sock)
{
	char cmd[2048], re[64];

	snprintf(cmd, sizeof(cmd), "sh -c 'cd %s && exec %s -s %s -n %s'", dir, lchat_exe(), sock,
		 name);
	tmux_window(t, name, cmd);
	snprintf(re, sizeof(re), "you are in the room as %s", name);
	tmux_wait(t, name, re, T_WAIT);
	tmux_wait(t, name, "^-- end of history --$", T_WAIT);
}

/* The input line of alice's window is exactly prompt + text (the screen
 * drops trailing spaces; the cursor's column counts them). */
static void line_is(struct tmux *t, const char *text)
{
	char want[256], *line;
	int col;

	snprintf(want, sizeof(want), "[alice] %s", text);
	line = tmux_cursor_line(t, "alice", &col);
	size_t n = strlen(want);
	while (n > 0 && want[n - 1] == ' ')
		n--;
	ck_assert_msg(strlen(line) == n && strncmp(line, want, n) == 0,
		      "the input line is \"%s\", want \"%s\"", line, want);
	ck_assert_int_eq(col, (int)strlen(want));
	free(line);
}

/* Type text in alice's window and wait until the screen matches re: the
 * keys pressed before it have been handled too (a Tab that changed
 * nothing). */
static void type_wait(struct tmux *t, const char *text, const char *re)
{
	tmux_type(t, "alice", text);
	tmux_wait(t, "alice", re, T_WAIT);
}

/* ---- names -------------------------------------------------------------- */

START_TEST(test_tab_names)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tmux *t = tmux_start(d->dir);
	struct tclient *bobby = tc_connect(d->sock);

	/* Files that file-name completion would offer. */
	touch(d->dir, "bob_notes.txt");
	touch(d->dir, "qqfile-in-cwd");
	tc_join(bobby, "Bobby");
	lchat_in(t, "bob", d->dir, d->sock);
	tc_expect(bobby, "EV [0-9]+ [0-9]+ JOIN bob ", TC_TIMEOUT);
	lchat_in(t, "alice", d->dir, d->sock);
	tc_expect(bobby, "EV [0-9]+ [0-9]+ JOIN alice ", TC_TIMEOUT);
	/* The WHO lchat sends itself is not shown. */
	ck_assert_int_eq(tmux_count(t, "alice", "in the room:"), 0);
	ck_assert_int_eq(tmux_count(t, "alice", "NAME +LOGIN"), 0);

	/* At the start of the line: "name: "; again and again: the next. */
	tmux_type(t, "alice", "bo");
	tmux_key(t, "alice", "Tab");
	tmux_wait(t, "alice", "^\\[alice\\] bob: ?$", T_WAIT);
	line_is(t, "bob: ");
	tmux_key(t, "alice", "Tab");
	tmux_wait(t, "alice", "^\\[alice\\] Bobby: ?$", T_WAIT);
	line_is(t, "Bobby: ");
	tmux_key(t, "alice", "Tab");
	tmux_wait(t, "alice", "^\\[alice\\] bob: ?$", T_WAIT);
	line_is(t, "bob: ");
	/* The line goes on after the name, and bob is addressed. */
	tmux_enter(t, "alice", "lunch?");
	tmux_wait(t, "bob", TS "<alice> bob: lunch\\?$", T_WAIT);
	tc_expect(bobby, "EV [0-9]+ [0-9]+ MSG alice bob: lunch\\?$", TC_TIMEOUT);

	/* In the middle of the line: "name "; the case typed does not matter. */
	tmux_type(t, "alice", "see you BOBB");
	tmux_key(t, "alice", "Tab");
	tmux_wait(t, "alice", "^\\[alice\\] see you Bobby ?$", T_WAIT);
	line_is(t, "see you Bobby ");
	tmux_key(t, "alice", "C-u");
	type_wait(t, "/msg b", "^\\[alice\\] /msg b$");
	tmux_key(t, "alice", "Tab");
	tmux_wait(t, "alice", "^\\[alice\\] /msg bob ?$", T_WAIT);
	tmux_key(t, "alice", "Tab");
	tmux_wait(t, "alice", "^\\[alice\\] /msg Bobby ?$", T_WAIT);
	tmux_key(t, "alice", "C-u");

	/* Commands. */
	type_wait(t, "/ni", "^\\[alice\\] /ni$");
	tmux_key(t, "alice", "Tab");
	tmux_wait(t, "alice", "^\\[alice\\] /nick ?$", T_WAIT);
	line_is(t, "/nick ");
	tmux_key(t, "alice", "C-u");
	type_wait(t, "/M", "^\\[alice\\] /M$");
	tmux_key(t, "alice", "Tab");
	tmux_wait(t, "alice", "^\\[alice\\] /me ?$", T_WAIT);
	tmux_key(t, "alice", "Tab");
	tmux_wait(t, "alice", "^\\[alice\\] /mesg ?$", T_WAIT);
	tmux_key(t, "alice", "Tab");
	tmux_wait(t, "alice", "^\\[alice\\] /msg ?$", T_WAIT);
	tmux_key(t, "alice", "C-u");

	/* No match: nothing changes, and no file is offered or listed
	 * (readline would list them on a second Tab). The marker typed
	 * after the Tabs shows that they were handled. */
	tmux_type(t, "alice", "qq");
	tmux_key(t, "alice", "Tab");
	tmux_key(t, "alice", "Tab");
	type_wait(t, "X", "^\\[alice\\] qqX$");
	ck_assert_int_eq(tmux_count(t, "alice", "qqfile"), 0);
	tmux_key(t, "alice", "C-u");
	/* readline's own listing (M-?) lists the names, not the files. */
	tmux_type(t, "alice", "hi b");
	tmux_key(t, "alice", "M-?");
	tmux_wait(t, "alice", "^bob +Bobby *$", T_WAIT);
	type_wait(t, "X", "^\\[alice\\] hi bX$");
	tmux_key(t, "alice", "C-u");
	/* Our own name is not offered. */
	tmux_type(t, "alice", "al");
	tmux_key(t, "alice", "Tab");
	type_wait(t, "X", "^\\[alice\\] alX$");
	tmux_key(t, "alice", "C-u");
	/* An empty line: Tab does nothing. */
	tmux_key(t, "alice", "Tab");
	type_wait(t, "X", "^\\[alice\\] X$");
	tmux_key(t, "alice", "C-u");

	/* "bo" was a file name's prefix too: never offered. */
	ck_assert_int_eq(tmux_count(t, "alice", "bob_notes"), 0);
	tc_expect_silence(bobby);
	tmux_stop(t);
	tc_close(bobby);
	lchatd_stop_ok(d);
}
END_TEST

/* The names follow the room: who joins, who renames, who leaves; and
 * alice's own /who is still shown. */
START_TEST(test_tab_follows_room)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tmux *t = tmux_start(d->dir);
	struct tclient *carol = tc_connect(d->sock), *bob = tc_connect(d->sock);

	tc_join(bob, "bob");
	lchat_in(t, "alice", d->dir, d->sock);
	tmux_type(t, "alice", "ca");
	tmux_key(t, "alice", "Tab");
	type_wait(t, "X", "^\\[alice\\] caX$");
	tmux_key(t, "alice", "C-u");

	tc_join(carol, "carol");
	tmux_wait(t, "alice", TS "--> carol \\(.*\\) joined$", T_WAIT);
	tmux_type(t, "alice", "ca");
	tmux_key(t, "alice", "Tab");
	tmux_wait(t, "alice", "^\\[alice\\] carol: ?$", T_WAIT);
	tmux_key(t, "alice", "C-u");

	tc_send(carol, "NICK Caroline");
	tmux_wait(t, "alice", TS "-!- carol is now known as Caroline$", T_WAIT);
	tmux_type(t, "alice", "hi ca");
	tmux_key(t, "alice", "Tab");
	tmux_wait(t, "alice", "^\\[alice\\] hi Caroline ?$", T_WAIT);
	tmux_key(t, "alice", "C-u");

	tc_send(carol, "QUIT");
	tmux_wait(t, "alice", TS "<-- Caroline left \\(quit\\)$", T_WAIT);
	tmux_type(t, "alice", "ca");
	tmux_key(t, "alice", "Tab");
	type_wait(t, "X", "^\\[alice\\] caX$");
	tmux_key(t, "alice", "C-u");

	/* alice renames herself: her new name is not offered to her, her
	 * old one to nobody; bob's still is. */
	tmux_enter(t, "alice", "/nick alison");
	tmux_wait(t, "alice", "^\\[alison\\] ?$", T_WAIT);
	tmux_type(t, "alice", "al");
	tmux_key(t, "alice", "Tab");
	type_wait(t, "X", "^\\[alison\\] alX$");
	tmux_key(t, "alice", "C-u");
	tmux_type(t, "alice", "b");
	tmux_key(t, "alice", "Tab");
	tmux_wait(t, "alice", "^\\[alison\\] bob: ?$", T_WAIT);
	tmux_key(t, "alice", "C-u");

	/* The user's /who is shown as before. */
	tmux_enter(t, "alice", "/who");
	tmux_wait(t, "alice", "-!- 2 in the room:", T_WAIT);
	tmux_wait(t, "alice", "^ +alison +[^ ]+ +[0-9]+s$", T_WAIT);
	tmux_stop(t);
	tc_close(carol);
	tc_close(bob);
	lchatd_stop_ok(d);
}
END_TEST

static Suite *client_complete_suite(void)
{
	const struct harness_case cases[] = {
		{ "tab_names", test_tab_names, 90 },
		{ "tab_follows_room", test_tab_follows_room, 90 },
	};

	return harness_suite("client_complete", cases, HARNESS_NCASES(cases));
}

int main(void)
{
	return harness_run(client_complete_suite());
}
