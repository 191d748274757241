/* term.c - the interactive interface on GNU readline's callback interface
 * (why readline: term.h). Asynchronous output: save the line and the
 * cursor, clear the prompt and the line, print (folded to the screen's
 * width, wrap.h), restore, redisplay. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "session.h"
#include "term.h"
#include "wrap.h"

/* readline's callbacks take no context, so the one interface lives here. */
static struct {
	struct session *s;
	bool installed;
	bool eof;          /* Ctrl-D on an empty line */
	bool asking;       /* the prompt asks for a name */
	bool bell;         /* a real terminal: "\a" and cursor movement */
	bool in_handler;   /* inside on_line: readline is between lines */
	char prompt[NAME_MAX_LEN + 32];
} T;

/* readline has an input line (installed, and no Ctrl-D yet). */
static bool editing(void)
{
	return T.installed && !T.eof;
}

static void make_prompt(char *out, size_t cap)
{
	if (T.asking)
		snprintf(out, cap, "name: ");
	else if (T.s->state == ST_DOWN || T.s->state == ST_JOINING)
		snprintf(out, cap, "[%s (offline)] ", T.s->name[0] ? T.s->name : "lchat");
	else
		snprintf(out, cap, "[%s] ", T.s->name[0] ? T.s->name : "lchat");
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
	size_t width = chars(T.prompt) + chars(line), n;

	if (!T.bell)
		return;
	rl_get_screen_size(&rows, &cols);
	if (cols <= 0)
		return;
	n = width / (size_t)cols + 1;
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
		/* Ctrl-D on an empty line: leave. */
		T.eof = true;
		session_quit(T.s, NULL);
		return;
	}
	if (line[0] && !T.asking)
		add_history(line);
	erase_accepted(line);
	T.in_handler = true;
	session_input(T.s, line, strlen(line));
	T.in_handler = false;
	free(line);
}

void term_start(struct session *s, bool bell)
{
	T.s = s;
	T.bell = bell;
	rl_readline_name = "lchat";
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
	make_prompt(T.prompt, sizeof(T.prompt));
	rl_callback_handler_install(T.prompt, on_line);
	T.installed = true;
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
	/* Leave the half-typed line on the screen and end it, so that the
	 * shell's prompt starts on a fresh line. */
	rl_callback_handler_remove();
	T.installed = false;
	if (T.bell)
		fputs("\033[?1004l", stdout);	/* focus reports off */
	fputs("\n", stdout);
	fflush(stdout);
}

bool term_want_stdin(void)
{
	return editing();
}

void term_read(void)
{
	if (!editing())
		return;
	display_seen(&T.s->disp);	/* at the keyboard: nothing is unread */
	rl_callback_read_char();
}

void term_resize(void)
{
	if (T.installed)
		rl_resize_terminal();
}

void term_update_prompt(void)
{
	char p[sizeof(T.prompt)];

	if (!editing())
		return;
	make_prompt(p, sizeof(p));
	if (strcmp(p, T.prompt) == 0)
		return;
	snprintf(T.prompt, sizeof(T.prompt), "%s", p);
	rl_set_prompt(T.prompt);
	rl_redisplay();
}

void term_print(void *ctx, const char *line, bool bell)
{
	/* Is there an input line on the screen to save and restore? */
	bool redraw = editing() && !T.in_handler;
	int point = rl_point;
	char *saved = NULL;

	(void)ctx;
	if (redraw) {
		saved = rl_copy_text(0, rl_end);
		rl_set_prompt("");
		rl_replace_line("", 0);
		rl_redisplay();
	}
	/* Folded to the screen's width by us, not by the terminal: only
	 * real line starts reach column 0 (wrap.h). */
	struct buffer folded = { 0 };
	int rows, cols;
	rl_get_screen_size(&rows, &cols);
	if (wrap_line(&folded, line, cols) < 0 || buffer_append(&folded, "", 1) < 0)
		printf("%s%s\n", line, bell && T.bell ? "\a" : "");
	else
		printf("%s%s\n", folded.data, bell && T.bell ? "\a" : "");
	buffer_free(&folded);
	fflush(stdout);
	if (!redraw)
		return;
	rl_set_prompt(T.prompt);
	rl_replace_line(saved ? saved : "", 0);
	rl_point = point <= rl_end ? point : rl_end;
	rl_redisplay();
	free(saved);
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
