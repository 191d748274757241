/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* term.c - the interactive interface on GNU readline's callback interface
 * (why readline: term.h). Asynchronous output: save the line and the
 * cursor, clear the prompt and the line, print (folded to the screen's
 * width, never wrapped by the terminal: rows.h), restore, redisplay. Tab
 * completes names and /commands (complete.h), never file names. A paste
 * with line breaks is taken from readline as a paste (paste.h); while the
 * user is asked to confirm one, the keys are read here, not by readline.
 *
 * The status row (status.h) is the first line of a two-line prompt:
 * readline draws a prompt's lines before the last only when it redraws
 * everything (rl_forced_update_display(), a new line, Ctrl-L), and never
 * moves into them while the line is edited, so the row stays put above
 * the input line however long that wraps. Asynchronous output clears
 * the input rows (rl_clear_visible_line()) and the row above them,
 * prints, and has readline redraw everything; so does a change of the
 * row. Without the row (--no-status, TERM=dumb) the output is what it
 * always was. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "complete.h"
#include "rows.h"
#include "session.h"
#include "status.h"
#include "term.h"
#include "cut.h"
#include "util.h"

/* readline's callbacks take no context, so the one interface lives here. */
static struct {
	struct session *s;
	bool installed;
	bool eof;          /* Ctrl-D on an empty line */
	bool asking;       /* the prompt asks for a name */
	bool confirm;      /* a question waits: Enter or Esc (paste.h) */
	bool bell;         /* a real terminal: "\a" and cursor movement */
	bool in_handler;   /* inside on_line: readline is between lines */
	bool status;       /* the status row is on */
	bool reverse;      /* in reverse video (colours allowed) */
	bool row_shown;    /* the row is on the screen, above the input rows */
	char line_prompt[NAME_MAX_LEN + 64];   /* the input line's prompt */
	/* What readline has as its prompt: with the status row, the row's
	 * line and then line_prompt; without it, the same as line_prompt. */
	struct buffer prompt;
	struct buffer row; /* the status row last drawn (its text) */
	struct completion tab;     /* the cycle of repeated Tabs */
	struct completion listed;  /* readline's own completion commands' */
} T;

/* readline has an input line (installed, and no Ctrl-D yet). */
static bool editing(void)
{
	return T.installed && !T.eof;
}

/* "[alice] ", "[alice (offline)] ", "[alice +5] " (5 lines wait to be
 * sent), "[alice] Enter: send, Esc: cancel " or "name: "; with rooms, the
 * room typed into after the name: "[alice #general] ". */
static void make_prompt(char *out, size_t cap)
{
	const char *name = T.s->name[0] ? T.s->name : "lchat";
	const char *room = session_room(T.s);
	char waiting[24 + ROOM_NAME_SIZE] = "";
	unsigned n = session_waiting(T.s);
	size_t l;

	if (room)
		text_printf(waiting, sizeof(waiting), " %s", room);
	l = strlen(waiting);
	if (n)
		text_printf(waiting + l, sizeof(waiting) - l, " +%u", n);
	if (T.asking)
		text_printf(out, cap, "name: ");
	else if (T.s->state == ST_DOWN || T.s->state == ST_JOINING)
		text_printf(out, cap, "[%s (offline)%s] %s", name, waiting,
			 T.confirm ? "Enter: send, Esc: cancel " : "");
	else
		text_printf(out, cap, "[%s%s] %s", name, waiting,
			 T.confirm ? "Enter: send, Esc: cancel " : "");
}

/* A buffer's NUL-terminated text ("" when empty: out of memory). */
static const char *str(const struct buffer *b)
{
	return b->len ? b->data + b->off : "";
}

/* Is readline showing a prompt of its own (a Ctrl-R search, a numeric
 * argument) instead of ours? Then it draws no status row itself. */
static bool readline_message(void)
{
	return rl_display_prompt != rl_prompt;
}

/* The status row's text for now, the width of the screen (NUL-
 * terminated; the blanks that pad it are left out: written blanks are
 * text to a terminal that reflows its rows when it narrows (tmux, VTE),
 * which would fold a row of them in two). */
static void make_row(struct buffer *row)
{
	struct status_info in;
	int rows, cols;

	row->off = row->len = 0;
	rl_get_screen_size(&rows, &cols);
	if (cols <= 0) {
		/* (readline knows the size once its handler is installed) */
		struct winsize ws;

		cols = ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col : 80;
	}
	session_status_info(T.s, &in, T.s->disp.now(), mono_ms());
	if (status_format(row, &in, cols - 1) < 0)
		row->len = 0;
	while (row->len > 0 && row->data[row->len - 1] == ' ')
		row->len--;
	if (buffer_append(row, "", 1) < 0)
		row->len = 0;
}

/* row (NUL-terminated) as it is drawn, in reverse video if allowed; with
 * readline's marks around the escape sequences (\001, \002) if marks. */
static void put_row(struct buffer *out, const struct buffer *row, bool marks)
{
	const char *text = str(row);

	if (T.reverse)
		buffer_append(out, marks ? "\001\033[7m\002" : "\033[7m", marks ? 6 : 4);
	if (text[0])
		buffer_append(out, text, strlen(text));
	if (T.reverse)
		buffer_append(out, marks ? "\001\033[0m\002" : "\033[0m", marks ? 6 : 4);
}

/* The prompt readline is to have (and, with the status row, its text in
 * row): make_prompt()'s line, after the row's line. */
static void make_full_prompt(struct buffer *out, struct buffer *row)
{
	out->off = out->len = 0;
	if (T.status) {
		make_row(row);
		put_row(out, row, true);
		buffer_append(out, "\n", 1);
	}
	buffer_append(out, T.line_prompt, strlen(T.line_prompt));
	if (buffer_append(out, "", 1) < 0)
		out->len = 0;
}

/* Characters (not bytes) in a UTF-8 string: its width, near enough. */
static size_t chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* readline leaves the accepted line on the screen; the message comes back
 * with its time stamp when the server acknowledges it, so erase the rows
 * the prompt and the line took (the cursor is on the row below them). */
static void erase_accepted(const char *line)
{
	int rows, cols;
	size_t width = chars(T.line_prompt) + chars(line), n;

	if (!T.bell)
		return;
	rl_get_screen_size(&rows, &cols);
	if (cols <= 0)
		return;
	n = width / (size_t)cols + 1 + (T.row_shown ? 1 : 0);
	T.row_shown = false;	/* (readline draws it again after on_line) */
	while (n--)
		fputs("\033[A\r\033[2K", stdout);
	fflush(stdout);
}

/* Focus reports (xterm's mode 1004, asked for in term_start): the
 * terminal sends "ESC [ O" when it loses the focus and "ESC [ I" when it
 * gains it; they come in as keys. Losing it puts the unread marker before
 * the next event; gaining it is a key like any other (term_read). */
static int on_focus_out(int count, int key)
{
	(void)count;
	(void)key;
	display_away(&T.s->disp);
	return 0;
}

static int on_focus_in(int count, int key)
{
	(void)count;
	(void)key;
	return 0;
}

static void bind_focus_keys(void)
{
	Keymap maps[] = { emacs_standard_keymap, vi_insertion_keymap, vi_movement_keymap };

	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		rl_bind_keyseq_in_map("\033[O", on_focus_out, maps[i]);
		rl_bind_keyseq_in_map("\033[I", on_focus_in, maps[i]);
	}
}

static void on_line(char *line)
{
	if (!line) {
		/* Ctrl-D on an empty line: leave (once the waiting lines
		 * went). readline ended the line and draws the prompt again
		 * once this returns: with the row, the old one goes (and
		 * term_end() leaves only the last line). */
		if (T.status) {
			erase_accepted("");
			T.row_shown = true;
		}
		T.eof = true;
		session_leave(T.s, NULL);
		return;
	}
	if (line[0] && !T.asking)
		add_history(line);
	erase_accepted(line);
	T.in_handler = true;
	session_input(T.s, line, strlen(line));
	T.in_handler = false;
	/* readline draws its prompt again once this returns, the row too. */
	T.row_shown = T.status;
	free(line);
}

/* ---- Tab ---------------------------------------------------------------- */

/* Start completing at byte point of the line: names of the room typed
 * into, /commands, and room names after /join, /part, /switch. */
static size_t start_completion(struct completion *c, size_t point)
{
	const char *rooms[ROOMS_MAX * 2 + 1];
	bool entered = strncasecmp(rl_line_buffer, "/join ", 6) != 0;

	rooms_names(&T.s->rooms, entered, rooms);
	return complete_start_rooms(c, rl_line_buffer, (size_t)rl_end, point,
				    session_members(T.s), T.s->name, T.s->rooms.on ? rooms : NULL);
}

/* Ctrl-X n: type into the next room (irssi switches windows with Alt and
 * a digit, or Ctrl-N; Ctrl-X alone is readline's prefix of its own keys:
 * Ctrl-X Ctrl-U undo, Ctrl-X Ctrl-E edit...). */
static int on_next_room(int count, int key)
{
	(void)count;
	(void)key;
	session_next_room(T.s);
	return 0;
}

/* Tab: complete the word before the cursor; Tab again at once puts the
 * next candidate in its place, round and round, as irssi does. Nothing to
 * complete rings the bell and changes nothing. */
static int on_tab(int count, int key)
{
	(void)count;
	(void)key;
	bool again = rl_last_func == on_tab && T.tab.n > 0 &&
		     (size_t)rl_point == T.tab.start + T.tab.len;

	if (!again && (T.asking || start_completion(&T.tab, (size_t)rl_point) == 0)) {
		rl_ding();
		return 0;
	}
	const char *cand = complete_next(&T.tab);
	rl_begin_undo_group();
	rl_delete_text((int)T.tab.start, rl_point);
	rl_point = (int)T.tab.start;
	rl_insert_text(cand);
	rl_end_undo_group();
	return 0;
}

/* The candidates one by one for rl_completion_matches(), without what
 * follows them (readline adds a space). */
static char *listed_entry(const char *text, int state)
{
	static size_t i;

	(void)text;
	if (state == 0)
		i = 0;
	if (i >= T.listed.n)
		return NULL;
	const char *c = T.listed.cands[i++];
	size_t n = strlen(c);
	while (n > 0 && c[n - 1] == ' ')
		n--;
	return strndup(c, n);
}

/* readline's own completion commands (M-? lists, M-* inserts, a Tab bound
 * to complete in ~/.inputrc) offer the same candidates; never file names. */
static char **attempted(const char *text, int start, int end)
{
	(void)start;
	rl_attempted_completion_over = 1;
	if (T.asking || start_completion(&T.listed, (size_t)end) == 0)
		return NULL;
	return rl_completion_matches(text, listed_entry);
}

/* Nothing: what readline would otherwise complete (file names). */
static char *no_entry(const char *text, int state)
{
	(void)text;
	(void)state;
	return NULL;
}

/* The terminal marked a paste (bracketed paste, on by default in
 * readline; \e[200~ starts one). readline inserts it at the cursor; if
 * the line then holds a line break it is no line to edit but a paste:
 * the line is emptied and the text, with what was typed around it, goes
 * to paste.h, one message per line. One line stays to be edited. */
static int on_paste(int count, int key)
{
	int r = rl_bracketed_paste_begin(count, key);
	char *text;

	if (!memchr(rl_line_buffer, '\n', (size_t)rl_end))
		return r;
	text = rl_copy_text(0, rl_end);
	rl_deactivate_mark();
	rl_replace_line("", 1);
	rl_point = rl_mark = 0;
	if (!text)
		return 1;
	if (T.asking)
		session_input(T.s, text, strlen(text));	/* names, one per line */
	else
		paste_text(T.s, text, strlen(text));
	free(text);
	return r;
}

/* With the status row: clear the input rows and the row above them; the
 * cursor ends at the start of the row, where output may go. */
static void hide(void)
{
	rl_clear_visible_line();
	if (T.row_shown)
		fputs("\r\033[A\033[2K", stdout);
	T.row_shown = false;
	fflush(stdout);
}

/* Draw the status row (as it is now) and the input line below it, from
 * the cursor's row on. readline draws the row as its prompt's first line,
 * unless it shows a prompt of its own (a search): then the row is drawn
 * here and readline's prompt, the search's, below it. */
static void show(void)
{
	struct buffer want = { 0 }, row = { 0 };

	make_full_prompt(&want, &row);
	if (readline_message()) {
		struct buffer b = { 0 };

		put_row(&b, &row, false);
		if (buffer_append(&b, "\r\n", 2) == 0)
			fwrite(b.data, 1, b.len, stdout);
		buffer_free(&b);
	} else if (strcmp(str(&want), str(&T.prompt)) != 0) {
		buffer_free(&T.prompt);
		T.prompt = want;
		want = (struct buffer){ 0 };
		rl_set_prompt(str(&T.prompt));
	}
	buffer_free(&T.row);
	T.row = row;
	rl_forced_update_display();
	T.row_shown = true;
	buffer_free(&want);
	fflush(stdout);
}

static void redraw(void)
{
	hide();
	show();
}

void term_start(struct session *s, bool bell, bool status)
{
	T.s = s;
	T.bell = bell;
	/* The row needs a terminal that moves its cursor. */
	T.status = status && bell;
	T.reverse = s->ropts.colour;
	rl_readline_name = "lchat";
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
	rl_attempted_completion_function = attempted;
	rl_completion_entry_function = no_entry;
	rl_completer_word_break_characters = " ";   /* words as complete.c sees them */
	rl_sort_completion_matches = 0;             /* complete.c's order */
	make_prompt(T.line_prompt, sizeof(T.line_prompt));
	make_full_prompt(&T.prompt, &T.row);
	rl_callback_handler_install(str(&T.prompt), on_line);
	T.installed = true;
	T.row_shown = T.status;
	/* After the install, which reads ~/.inputrc and binds readline's own:
	 * Tab and the start of a bracketed paste are ours. */
	rl_bind_key('\t', on_tab);
	rl_bind_keyseq_in_map("\\C-xn", on_next_room, emacs_standard_keymap);
	rl_bind_keyseq_in_map("\033[200~", on_paste, emacs_standard_keymap);
	rl_bind_keyseq_in_map("\033[200~", on_paste, vi_insertion_keymap);
	rl_bind_keyseq_in_map("\033[200~", on_paste, vi_movement_keymap);
	if (T.bell) {
		bind_focus_keys();
		fputs("\033[?1004h", stdout);	/* focus reports on */
		fflush(stdout);
	}
}

void term_end(void)
{
	if (!T.installed)
		return;
	/* The status row goes: the input line is drawn again where it
	 * was, without it. */
	if (T.row_shown && !readline_message()) {
		hide();
		rl_set_prompt(T.line_prompt);
		rl_forced_update_display();
	}
	/* Leave the half-typed line on the screen and end it, so that the
	 * shell's prompt starts on a fresh line. */
	rl_callback_handler_remove();
	T.installed = false;
	complete_free(&T.tab);
	complete_free(&T.listed);
	buffer_free(&T.prompt);
	buffer_free(&T.row);
	if (T.bell)	/* focus reports off; autowrap on (rows.h), to be sure */
		fputs("\033[?1004l" ROWS_AUTOWRAP_ON, stdout);
	fputs("\n", stdout);
	fflush(stdout);
}

bool term_want_stdin(void)
{
	return editing();
}

/* Keys while a question waits, read here and not by readline: Enter
 * (alone) sends, Esc (alone) cancels; anything else, escape sequences
 * and pasted text included, is ignored. Ctrl-C comes as SIGINT
 * (term_interrupt). */
static void read_answer(void)
{
	char b[64];
	ssize_t n = read(STDIN_FILENO, b, sizeof(b));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		/* The terminal is gone: cancel, and leave as Ctrl-D does. */
		paste_answer(T.s, false);
		T.eof = true;
		session_leave(T.s, NULL);
		return;
	}
	if ((n == 1 && (b[0] == '\r' || b[0] == '\n')) || (n == 2 && b[0] == '\r' && b[1] == '\n'))
		paste_answer(T.s, true);
	else if (n == 1 && b[0] == '\033')
		paste_answer(T.s, false);
}

void term_read(void)
{
	if (!editing())
		return;
	display_seen(&T.s->disp);	/* at the keyboard: nothing is unread */
	if (T.confirm)
		read_answer();
	else
		rl_callback_read_char();
}

/* Empty the line being edited (any search or half-typed key sequence
 * ends too); the text goes to the history, so Up brings it back. */
static void clear_line(void)
{
	bool searching = RL_ISSTATE(RL_STATE_ISEARCH | RL_STATE_NSEARCH);

	rl_callback_sigcleanup();
	if (!searching && rl_end > 0) {
		char *text = rl_copy_text(0, rl_end);

		if (text)
			add_history(text);
		free(text);
	}
	using_history();
	rl_replace_line("", 1);
	rl_point = rl_mark = 0;
	rl_deactivate_mark();
	rl_redisplay();
}

void term_interrupt(void)
{
	struct session *s = T.s;

	if (s->state == ST_QUITTING) {
		s->done = true;		/* asked twice: leave now */
		return;
	}
	if (paste_held(s)) {
		paste_answer(T.s, false);
		return;
	}
	if (editing() && (rl_end > 0 || RL_ISSTATE(RL_STATE_ISEARCH | RL_STATE_NSEARCH))) {
		clear_line();
		return;
	}
	if (session_drop_waiting(s))
		return;
	session_quit(s, NULL);
}

void term_resize(void)
{
	if (!T.installed)
		return;
	/* readline lays its rows out again for the new width; then the row
	 * above them is drawn again at that width. */
	rl_resize_terminal();
	if (T.status && editing() && !T.in_handler)
		redraw();
}

int term_timeout(void)
{
	struct status_info in;

	if (!T.status || !editing())
		return -1;
	session_status_info(T.s, &in, T.s->disp.now(), mono_ms());
	return status_next_change(&in);
}

void term_update_prompt(void)
{
	char p[sizeof(T.line_prompt)];
	struct buffer want = { 0 }, row = { 0 };

	if (!editing())
		return;
	make_prompt(p, sizeof(p));
	if (!T.status) {
		if (strcmp(p, T.line_prompt) == 0)
			return;
		text_printf(T.line_prompt, sizeof(T.line_prompt), "%s", p);
		make_full_prompt(&T.prompt, &T.row);
		rl_set_prompt(str(&T.prompt));
		rl_redisplay();
		return;
	}
	text_printf(T.line_prompt, sizeof(T.line_prompt), "%s", p);
	make_full_prompt(&want, &row);
	if (T.in_handler) {
		/* readline draws the prompt once on_line returns. */
		if (strcmp(str(&want), str(&T.prompt)) != 0) {
			buffer_free(&T.prompt);
			T.prompt = want;
			want = (struct buffer){ 0 };
			rl_set_prompt(str(&T.prompt));
		}
	} else if (readline_message() ? strcmp(str(&row), str(&T.row)) != 0 :
		   strcmp(str(&want), str(&T.prompt)) != 0 || !T.row_shown) {
		redraw();
	}
	buffer_free(&want);
	buffer_free(&row);
}

void term_print(void *ctx, const char *line, bool bell)
{
	/* Is there an input line on the screen to save and restore? */
	bool redraw_line = editing() && !T.in_handler;
	int point = rl_point, rows, cols;
	char *saved = NULL;

	(void)ctx;
	if (redraw_line && T.status) {
		hide();
	} else if (redraw_line) {
		saved = rl_copy_text(0, rl_end);
		rl_set_prompt("");
		rl_replace_line("", 0);
		rl_redisplay();
	}
	/* Folded by us, never wrapped by the terminal (rows.h). */
	rl_get_screen_size(&rows, &cols);
	(void)rows_put(stdout, line, cols, T.bell, bell && T.bell ? "\a" : NULL);
	if (!redraw_line)
		return;
	if (T.status) {
		show();
		return;
	}
	rl_set_prompt(str(&T.prompt));
	rl_replace_line(saved ? saved : "", 0);
	rl_point = point <= rl_end ? point : rl_end;
	rl_redisplay();
	free(saved);
}

bool term_confirm(void *ctx, bool asking)
{
	(void)ctx;
	if (!editing())
		return false;
	T.confirm = asking;
	term_update_prompt();
	return true;
}

bool term_ask_name(void *ctx, bool asking)
{
	(void)ctx;
	if (!editing())
		return false;
	T.asking = asking;
	term_update_prompt();
	return true;
}
