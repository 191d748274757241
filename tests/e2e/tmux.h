/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* tmux.h - driving the interactive client through a private tmux server,
 * for the end-to-end tests of lchat.
 *
 * Each struct tmux is one tmux server on a socket of its own (never the
 * user's default server), started with -f /dev/null, windows of 120x30 and
 * TERM=xterm-256color, LANG=C.UTF-8 in them. A guardian process (the
 * harness's guardian_fork()) kills the server by its pid if the test
 * process dies without tmux_stop(), so a failing test leaves nothing. */
#ifndef LCHAT_E2E_TMUX_H
#define LCHAT_E2E_TMUX_H

#include <stdbool.h>
#include <sys/types.h>

#define TMUX_COLS 120
#define TMUX_ROWS 30

struct tmux;

/* Start a server with its socket in dir (a placeholder window 0 keeps it
 * alive; windows stay on the screen after their program exits). */
struct tmux *tmux_start(const char *dir);
/* Open a window named `name` running `cmd` (a shell command line, run with
 * exec) in the test terminal environment. */
void tmux_window(struct tmux *t, const char *name, const char *cmd);
/* Run lchat in a new window: lchat -s SOCK -n NAME [extra]. */
void tmux_lchat(struct tmux *t, const char *name, const char *sock, const char *extra);
struct fakesrv;
/* A fake server in dir and lchat in window `name` connected to it,
 * greeted and joined as `name` (join seq 10), its screen showing it: the
 * start of a test of the client against a server that says anything. */
struct fakesrv *tmux_lchat_fake_joined(struct tmux *t, const char *dir, const char *name,
				       int timeout_ms);
/* Type text literally (no Enter). */
void tmux_type(struct tmux *t, const char *win, const char *text);
/* tmux_type(), then wait until the pane's program has read every byte of
 * it (its read count has grown by as much, and its terminal's input queue
 * is empty): keys with no visible effect are then known to be handled
 * before what the test does next. */
void tmux_type_read(struct tmux *t, const char *win, const char *text, int timeout_ms);
/* Press keys by tmux's names ("Enter", "C-d", "C-c"). */
void tmux_key(struct tmux *t, const char *win, const char *key);
/* Type text and press Enter. */
void tmux_enter(struct tmux *t, const char *win, const char *text);
/* Paste text as a terminal does (tmux's paste-buffer -p): between the
 * bracketed-paste marks ESC [200~ and ESC [201~ when the program asked
 * for them (readline does), each "\n" sent as "\r". */
void tmux_paste(struct tmux *t, const char *win, const char *text);
/* The window's screen as text (free() it). */
char *tmux_screen(struct tmux *t, const char *win);
/* The screen with its colours and attributes as escape sequences. */
char *tmux_screen_escapes(struct tmux *t, const char *win);
/* Wait until the screen contains a match of the extended regex re (POSIX,
 * REG_NEWLINE: ^ and $ match at line ends); fail the test with the screen
 * otherwise. */
void tmux_wait(struct tmux *t, const char *win, const char *re, int timeout_ms);
/* How many lines of the screen match re (REG_NEWLINE). */
int tmux_count(struct tmux *t, const char *win, const char *re);
/* The line the cursor is on, and the cursor's column. */
char *tmux_cursor_line(struct tmux *t, const char *win, int *col);
/* The row (0-based) the cursor is on. */
int tmux_cursor_row(struct tmux *t, const char *win);
/* Is the window's autowrap (DECAWM) on? */
bool tmux_autowrap(struct tmux *t, const char *win);
/* Resize the window to cols x rows (its program gets SIGWINCH). */
void tmux_resize(struct tmux *t, const char *win, int cols, int rows);
/* Has the window rung the bell (tmux's window_bell_flag: set by a BEL from
 * its program, as the session is detached; monitor-bell is on by
 * default)? The flag stays set. */
bool tmux_bell(struct tmux *t, const char *win);
/* Wait until the window has rung the bell; fail the test otherwise. */
void tmux_wait_bell(struct tmux *t, const char *win, int timeout_ms);
/* The pid of the program in the window, and whether it has exited
 * (then *status gets its exit status). */
pid_t tmux_pane_pid(struct tmux *t, const char *win);
/* Stop the pane's program until tmux_pane_thaw(); returns its pid. Not
 * with SIGSTOP: tmux continues a stopped pane program at once (its
 * SIGCHLD handling), so the program is held in a ptrace stop instead
 * (PTRACE_SEIZE, PTRACE_INTERRUPT), which its parent is not told of. */
pid_t tmux_pane_freeze(struct tmux *t, const char *win);
void tmux_pane_thaw(pid_t pid);
bool tmux_pane_dead(struct tmux *t, const char *win, int *status);
/* Wait until the program in the window exits; returns its exit status. */
int tmux_wait_exit(struct tmux *t, const char *win, int timeout_ms);
/* Stop the server by its pid (pass or fail), and its guardian. */
void tmux_stop(struct tmux *t);

#endif
