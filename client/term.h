/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* term.h - the interactive interface: GNU readline's callback (alternate)
 * interface driven from our own poll() loop, so that events arriving from
 * the server are printed above the input line while the user types, and
 * the line being edited (text and cursor) is redrawn intact below them.
 *
 * Why readline: its callback API (rl_callback_handler_install,
 * rl_callback_read_char) is made for an application that owns the event
 * loop, and rl_replace_line/rl_redisplay let us clear and redraw the input
 * line around asynchronous output. libedit's readline emulation is weaker
 * at exactly that redisplay; ncurses would mean a full-screen UI and much
 * more code. Signals are not readline's business here: rl_catch_signals and
 * rl_catch_sigwinch are off and run.c reads them from a signalfd. */
#ifndef LCHAT_CLIENT_TERM_H
#define LCHAT_CLIENT_TERM_H

#include <stdbool.h>

struct session;

/* Install the line handler and prepare the terminal. bell: "\a" and
 * cursor movement allowed. status: the status row above the input line
 * (status.h; only with bell). */
void term_start(struct session *s, bool bell, bool status);
/* Remove the handler and restore the terminal (every exit path). */
void term_end(void);
/* Read what is waiting on stdin (one character at a time, readline's way). */
void term_read(void);
/* Should stdin be polled (false after Ctrl-D)? */
bool term_want_stdin(void);
/* The window changed size (SIGWINCH). */
void term_resize(void);
/* Redraw the prompt and the status row if the session's state changed
 * them. */
void term_update_prompt(void);
/* Milliseconds until the status row changes by itself (its clock, a
 * countdown), -1 if never. */
int term_timeout(void);
/* Ctrl-C (SIGINT): cancel the question being asked; else clear the line
 * being typed; else drop the lines waiting to be sent; else leave (on an
 * empty line, as /quit). A second one while leaving leaves at once. */
void term_interrupt(void);
/* The session's print, ask_name and confirm callbacks. */
void term_print(void *ctx, const char *line, bool bell);
bool term_ask_name(void *ctx, bool asking);
bool term_confirm(void *ctx, bool asking);

#endif
