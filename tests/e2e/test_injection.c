/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* test_injection.c - terminal injection (issue 6, case 2): every control
 * character, escape-sequence family, invalid UTF-8 form, overwrite trick,
 * bidi control and flood of marks, sent by a user, an administrator, a
 * configuration or a hostile server, checked in the exact bytes that reach
 * a real lchat's terminal (a pty, pty.h) and a plain client's socket.
 *
 * The victim's lchat runs with TERM=dumb and NO_COLOR=1, so the only
 * control characters it may legitimately write are "\r" and "\n" (what
 * GNU readline writes on a dumb terminal: the prompt is redrawn after
 * "\r"); anything else on the terminal is an injection. Names used here
 * must not be other accounts' login names, nor look like one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <locale.h>
#include <wchar.h>

#include "fakesrv.h"
#include "harness.h"
#include "procs.h"
#include "pty.h"
#include "runcmd.h"
#include "sanitize.h"

#define CONF "rate_limit = 1000\nrate_burst = 1000\nmax_line = 4096\n"
#define T_WAIT 8000
/* What lchat may write on a dumb terminal besides printable text: line
 * ends, and readline's redraw of the prompt, which erases the old one's
 * tail with spaces and backs over them ("[victim]   \b\b\b"). A
 * backspace is legitimate only there: check_backspaces(). */
#define ALLOWED_C0 "\r\n\b"

/* lchat as name on a pty of 24 x cols, in the room. */
static struct ptyproc *victim_start(const char *sock, const char *name, int cols)
{
	char *argv[] = { (char *)lchat_exe(), "-s", (char *)sock, "-n", (char *)name, NULL };
	char *env[] = { "TERM=dumb", "NO_COLOR=1", "LANG=C.UTF-8", "LC_ALL=C.UTF-8",
			"INPUTRC=/dev/null", "PATH=/usr/bin:/bin", NULL };
	struct ptyproc *p = pty_spawn(argv, env, 24, cols);
	/* Short: on a narrow terminal the line is folded after it. */
	pty_expect(p, "you are in the room", 0, T_WAIT);
	return p;
}

/* Each run of k backspaces follows at least k spaces: readline backing
 * over the blanks it wrote, never over text. */
static void check_backspaces(const struct ptyproc *p)
{
	for (size_t i = 0; i < p->len;) {
		size_t k = 0, sp = 0;

		while (i + k < p->len && p->buf[i + k] == '\b')
			k++;
		if (k == 0) {
			i++;
			continue;
		}
		while (sp < i && p->buf[i - 1 - sp] == ' ')
			sp++;
		ck_assert_msg(sp >= k, "%zu backspaces at byte %zu back over text: %s", k, i,
			      pty_show(p, i > 80 ? i - 80 : 0, 120));
		i += k;
	}
}

/* The whole terminal output is safe. */
static void assert_terminal_safe(const struct ptyproc *p)
{
	char why[200];
	size_t at = 0;

	ck_assert_msg(terminal_safe(p->buf, p->len, ALLOWED_C0, why, sizeof(why), &at),
		      "the terminal got something unsafe: %s; around it: %s", why,
		      pty_show(p, at > 100 ? at - 100 : 0, 200));
	check_backspaces(p);
}

/* ---- the attacks -------------------------------------------------------- */

struct payload {
	char label[40];
	char bytes[1600];
	size_t len;
};

static struct payload payloads[300];
static size_t npayloads;

static void add(const char *label, const char *bytes, size_t len)
{
	struct payload *pl = &payloads[npayloads++];

	ck_assert_uint_le(npayloads, sizeof(payloads) / sizeof(payloads[0]));
	ck_assert_uint_lt(len, sizeof(pl->bytes));
	snprintf(pl->label, sizeof(pl->label), "%s", label);
	memcpy(pl->bytes, bytes, len);
	pl->len = len;
}
#define ADD(label, lit) add(label, lit, sizeof(lit) - 1)

/* n copies of the UTF-8 unit after "x". */
static void add_flood(const char *label, const char *unit, int n)
{
	char b[1600];
	size_t len = 0, u = strlen(unit);

	b[len++] = 'x';
	for (int i = 0; i < n; i++, len += u)
		memcpy(b + len, unit, u);
	add(label, b, len);
}

/* Every attack, each inside some ordinary text. with_nul: NUL too (it
 * cannot be written with the fake server's string interface). */
static void make_payloads(bool with_nul)
{
	char b[64];

	npayloads = 0;
	for (int c = 0; c < 0x20; c++) {
		if (c == '\n' || (c == 0 && !with_nul))
			continue;	/* "\n" ends the line: framing */
		snprintf(b, sizeof(b), "C0 %02X", c);
		char t[8] = { 'a', (char)c, 'b' };
		add(b, t, 3);
	}
	ADD("DEL", "a\x7F" "b");
	for (int c = 0x80; c < 0xA0; c++) {
		char t[8] = { 'a', (char)c, 'b' };
		char u[8] = { 'a', (char)0xC2, (char)c, 'b' };

		snprintf(b, sizeof(b), "raw C1 %02X", c);
		add(b, t, 3);
		snprintf(b, sizeof(b), "UTF-8 C1 U+%04X", c);
		add(b, u, 4);
	}
	ADD("CSI clear", "hi \x1B[2J\x1B[H there");
	ADD("CSI colour", "\x1B[31mred\x1B[0m");
	ADD("CSI 8-bit UTF-8", "\xC2\x9B" "2J");
	ADD("CSI 8-bit raw", "\x9B" "2J");
	ADD("OSC 0 title BEL", "\x1B]0;pwned\x07 title");
	ADD("OSC 2 title ST", "\x1B]2;pwned\x1B\\ title");
	ADD("OSC 52 clipboard BEL", "\x1B]52;c;cm0gLXJmIH4=\x07 clip");
	ADD("OSC 52 clipboard ST", "\x1B]52;c;cm0gLXJmIH4=\x1B\\ clip");
	ADD("OSC 8 hyperlink", "\x1B]8;;http://e.vil/\x1B\\click\x1B]8;;\x1B\\");
	ADD("DCS", "\x1BP1$r\x1B\\ dcs");
	ADD("APC", "\x1B_apc\x1B\\ apc");
	ADD("PM", "\x1B^pm\x1B\\ pm");
	ADD("SOS", "\x1BXsos\x1B\\ sos");
	ADD("overlong slash 2", "a\xC0\xAF" "b");
	ADD("overlong slash 3", "a\xE0\x80\xAF" "b");
	ADD("overlong NUL", "a\xC0\x80" "b");
	ADD("surrogate", "a\xED\xA0\x80" "b");
	ADD("above U+10FFFF", "a\xF4\x90\x80\x80" "b");
	ADD("5-byte form", "a\xF8\x88\x80\x80\x80" "b");
	ADD("truncated 3", "a\xE2\x82");
	ADD("truncated 4", "a\xF0\x9F\x98" " b");
	ADD("lone continuation", "a\x80" "b");
	ADD("FE FF", "a\xFE\xFF" "b");
	ADD("CR overwrite", "safe\rEVIL");
	ADD("BS overwrite", "abc\b\b\bEVIL");
	ADD("RLO unclosed", "abc\xE2\x80\xAE" "LIVE");
	ADD("LRE", "\xE2\x80\xAA" "x");
	ADD("RLE", "\xE2\x80\xAB" "x");
	ADD("PDF", "\xE2\x80\xAC" "x");
	ADD("LRO", "\xE2\x80\xAD" "x");
	ADD("LRI", "\xE2\x81\xA6" "x");
	ADD("RLI", "\xE2\x81\xA7" "x");
	ADD("FSI", "\xE2\x81\xA8" "x");
	ADD("PDI", "x\xE2\x81\xA9");
	ADD("LRM", "x\xE2\x80\x8E");
	ADD("RLM", "x\xE2\x80\x8F");
	ADD("ALM", "x\xD8\x9C");
	ADD("LINE SEPARATOR", "a\xE2\x80\xA8" "b");
	ADD("PARAGRAPH SEPARATOR", "a\xE2\x80\xA9" "b");
	ADD("BOM", "\xEF\xBB\xBF" "x");
	ADD("tag", "x\xF3\xA0\x80\x81");
	add_flood("500 combining acute", "\xCC\x81", 500);
	add_flood("500 zero-width spaces", "\xE2\x80\x8B", 500);
	add_flood("500 zero-width joiners", "\xE2\x80\x8D", 500);
	add_flood("500 variation selectors", "\xEF\xB8\x8F", 500);
}

/* Text with every problem shown, for failure messages. */
static const char *shown(const struct payload *pl)
{
	static char out[200];
	size_t o = 0;

	for (size_t i = 0; i < pl->len && o + 5 < sizeof(out); i++) {
		unsigned char c = (unsigned char)pl->bytes[i];

		if (c >= 0x20 && c < 0x7F)
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\x%02X", c);
	}
	out[o] = '\0';
	return out;
}

/* Every line a plain client received is clean text. */
static void lines_all_clean(const struct lines *l, const char *who)
{
	for (size_t i = 0; i < l->n; i++) {
		size_t off;

		ck_assert_msg(text_check(l->v[i], strlen(l->v[i]), &off) == TEXT_OK,
			      "%s received an unsafe line: %s", who, re_quote(l->v[i]));
	}
}

/* A bystander's message arrives once at the victim's terminal, after the
 * previous one, and at a plain client with every line before it clean. */
static size_t bystander_says(struct tclient *bob, struct tclient *carol, struct ptyproc *v,
			     size_t from, int n)
{
	struct lines seen = { 0 };
	char text[64];

	snprintf(text, sizeof(text), "after attack %d", n);
	tc_send(bob, "SAY %s", text);
	tc_ack(bob, "SAY");
	expect_collect(carol, "EV [0-9]+ [0-9]+ MSG bob after attack [0-9]+$", &seen, TC_TIMEOUT);
	ck_assert_msg(lines_find(&seen, "EV ") < 0, "carol got other events: %s", lines_show(&seen));
	lines_all_clean(&seen, "carol");
	lines_free(&seen);
	char want[96];
	snprintf(want, sizeof(want), "<bob> %s\r\n", text);
	from = pty_expect(v, want, from, T_WAIT);
	ck_assert_int_eq(pty_count(v, want), 1);
	return from;
}

/* A user tries every attack in SAY, ME, PRIV and QUIT's reason, and in a
 * JOIN on a second connection: each gets its ERR and changes nothing; the
 * attacker stays connected; nobody else sees anything but the bystander's
 * messages, in order, once each; the victim's terminal gets nothing
 * unsafe. */
START_TEST(test_user_attacks)
{
	static const char *const forms[] = { "SAY %s", "ME %s", "PRIV victim %s", "QUIT %s",
					     "PRIV victim x %s" };
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *bob = tc_connect(d->sock), *carol = tc_connect(d->sock);
	struct tclient *mallory = tc_connect(d->sock), *newcomer = tc_connect(d->sock);
	struct ptyproc *v;
	size_t from = 0;

	tc_join(bob, "bob");
	tc_join(carol, "carol");
	tc_join(mallory, "mallory");
	v = victim_start(d->sock, "victim", 80);
	tc_expect_skip(carol, "EV [0-9]+ [0-9]+ JOIN victim ", TC_TIMEOUT);
	make_payloads(true);
	for (size_t i = 0; i < npayloads; i++) {
		const struct payload *pl = &payloads[i];

		for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
			char line[2048];
			int k = snprintf(line, sizeof(line), forms[f], "");

			memcpy(line + k, pl->bytes, pl->len);
			line[k + pl->len] = '\n';
			tc_send_raw(mallory, line, (size_t)k + pl->len + 1);
			const char *r = tc_expect_past_events(mallory, "ERR ", TC_TIMEOUT);
			ck_assert_msg(line_matches(r, "ERR (bad-char|bad-utf8|too-many-marks) "),
				      "%s in \"%s\": %s", pl->label, forms[f], r);
			ck_assert_msg(text_check(r, strlen(r), NULL) == TEXT_OK,
				      "the ERR echoes the attack: %s", re_quote(r));
		}
		char join[2048];
		memcpy(join, "JOIN ", 5);
		memcpy(join + 5, pl->bytes, pl->len);
		join[5 + pl->len] = '\n';
		tc_send_raw(newcomer, join, 5 + pl->len + 1);
		tc_expect(newcomer, "ERR (bad-char|bad-utf8|too-many-marks|name-bad-char|name-bad-start) ",
			  TC_TIMEOUT);
		from = bystander_says(bob, carol, v, from, (int)i);
	}
	/* The attacker was refused, not disconnected; the newcomer can join. */
	tc_send(mallory, "SAY still here");
	tc_ack(mallory, "SAY");
	tc_expect(carol, "EV [0-9]+ [0-9]+ MSG mallory still here$", TC_TIMEOUT);
	from = pty_expect(v, "<mallory> still here\r\n", from, T_WAIT);
	tc_join(newcomer, "newcomer");
	tc_expect(carol, "EV [0-9]+ [0-9]+ JOIN newcomer ", TC_TIMEOUT);
	tc_expect_silence(carol);
	pty_stop(v);
	assert_terminal_safe(v);
	ck_assert_msg(!strstr(v->buf, "EVIL") && !strstr(v->buf, "pwned") && !strstr(v->buf, "LIVE"),
		      "an attack reached the terminal: %s", pty_show(v, 0, v->len));
	pty_free(v);
	tc_close(newcomer);
	tc_close(mallory);
	tc_close(carol);
	tc_close(bob);
	lchatd_stop_ok(d);
}
END_TEST


/* An administrator's notice with every attack, by lchat-admin and on the
 * control socket: refused with a clear error, nothing reaches the room,
 * lchat-admin's own error message is clean; a good notice then arrives
 * once. */
START_TEST(test_notice_attacks)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *carol = tc_connect(d->sock), *ctl;
	struct ptyproc *v;
	struct cmd_result r;
	struct cmd_opts o = { .timeout_ms = 10000 };
	char why[200];
	size_t at;

	tc_join(carol, "carol");
	v = victim_start(d->sock, "victim", 80);
	tc_expect(carol, "EV [0-9]+ [0-9]+ JOIN victim ", TC_TIMEOUT);
	make_payloads(true);
	ctl = ctl_connect(d->ctl);
	for (size_t i = 0; i < npayloads; i++) {
		const struct payload *pl = &payloads[i];
		char line[2048];

		memcpy(line, "NOTICE ", 7);
		memcpy(line + 7, pl->bytes, pl->len);
		line[7 + pl->len] = '\n';
		tc_send_raw(ctl, line, 7 + pl->len + 1);
		tc_expect(ctl, "ERR (bad-char|bad-utf8|too-many-marks) ", TC_TIMEOUT);
		if (memchr(pl->bytes, 0, pl->len) || i % 3)
			continue;	/* lchat-admin for every third: it is slow */
		char *argv[] = { (char *)lchat_admin_exe(), "-s", d->ctl, "notice", (char *)pl->bytes, NULL };
		run_cmd(&r, &o, argv);
		ck_assert_msg(r.code != 0, "lchat-admin notice %s: exit %d", shown(pl), r.code);
		ck_assert_msg(r.err[0] != '\0', "lchat-admin notice %s: no error message", shown(pl));
		ck_assert_msg(terminal_safe(r.err, strlen(r.err), "\n", why, sizeof(why), &at) &&
			      terminal_safe(r.out, strlen(r.out), "\n", why, sizeof(why), &at),
			      "lchat-admin's output for %s is unsafe: %s", shown(pl), why);
		cmd_result_free(&r);
	}
	tc_expect_silence(carol);
	char *argv[] = { (char *)lchat_admin_exe(), "-s", d->ctl, "notice", "all clear", NULL };
	ck_assert_int_eq(run_cmd(&r, &o, argv), 0);
	cmd_result_free(&r);
	tc_expect(carol, "EV [0-9]+ [0-9]+ NOTICE all clear$", TC_TIMEOUT);
	pty_expect(v, "-!- NOTICE -!- all clear\r\n", 0, T_WAIT);
	ck_assert_int_eq(pty_count(v, "NOTICE"), 1);
	pty_stop(v);
	assert_terminal_safe(v);
	pty_free(v);
	tc_close(ctl);
	tc_close(carol);
	lchatd_stop_ok(d);
}
END_TEST

/* A MOTD with escape sequences and bidi controls in the configuration:
 * the daemon sends it neutralised, visibly. */
START_TEST(test_motd_neutralised)
{
	struct lchatd *d = lchatd_start(CONF "motd = \"tit\x1B]0;pwned\x07le \x1B[2J "
					"\xE2\x80\xAE" "desrever \xC2\x9B" "1m \x9B" "x\"\n");
	struct tclient *carol = tc_connect(d->sock);
	struct lines l = { 0 };
	struct ptyproc *v;

	join_collect(carol, "carol", &l);
	ck_assert_int_eq(lines_count(&l, "MOTD "), 1);
	lines_all_clean(&l, "carol");
	v = victim_start(d->sock, "victim", 80);
	pty_expect(v, "-!- tit^[]0;pwned^Gle ^[[2J <U+202E>desrever <U+009B>1m \xEF\xBF\xBDx\r\n", 0,
		   T_WAIT);
	pty_stop(v);
	assert_terminal_safe(v);
	pty_free(v);
	lines_free(&l);
	tc_close(carol);
	lchatd_stop_ok(d);
}
END_TEST

/* A hostile server sends every attack in every place a client prints:
 * message, action and private text, names, logins, notices, leave
 * reasons, the MOTD, an error, and the BYE at the end. lchat prints each
 * neutralised; its terminal gets nothing unsafe. */
START_TEST(test_hostile_server)
{
	char dir[] = "/tmp/lchat-inject.XXXXXX";
	char *argv[] = { (char *)lchat_exe(), "-s", NULL, "-n", "victim", NULL };
	char *env[] = { "TERM=dumb", "NO_COLOR=1", "LANG=C.UTF-8", "LC_ALL=C.UTF-8",
			"INPUTRC=/dev/null", "PATH=/usr/bin:/bin", NULL };
	static const char *const places[] = {
		"EV %u 1795290000000 MSG eve %s\n",
		"EV %u 1795290000000 ACTION eve %s\n",
		"EV %u 1795290000000 PRIV eve %s\n",
		"EV %u 1795290000000 NOTICE %s\n",
		"EV %u 1795290000000 LEAVE eve eve quit %s\n",
		"EV %u 1795290000000 LEAVE eve eve kicked %s\n",
		"EV %u 1795290000000 MSG %s hello\n",
		"EV %u 1795290000000 JOIN %s eve\n",
		"EV %u 1795290000000 JOIN eve %s\n",
		"EV %u 1795290000000 %s\n",
		"MOTD %s\n",
		"ERR rate-limited %s\n",
		"%s\n",
	};
	struct fakesrv *f;
	struct ptyproc *v;
	unsigned seq = 11;
	size_t from = 0;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	f = fake_listen(dir);
	argv[2] = (char *)fake_path(f);
	v = pty_spawn(argv, env, 24, 80);
	fake_accept(f, T_WAIT);
	fake_greet_join(f, "victim", 10);
	from = pty_expect(v, "you are in the room as victim", 0, T_WAIT);
	make_payloads(false);
	for (size_t i = 0; i < npayloads; i++) {
		char text[1700], line[2048], marker[64];

		memcpy(text, payloads[i].bytes, payloads[i].len);
		text[payloads[i].len] = '\0';
		for (size_t p = 0; p < sizeof(places) / sizeof(places[0]); p++) {
			if (strncmp(places[p], "EV", 2) == 0)
				snprintf(line, sizeof(line), places[p], seq++, text);
			else
				snprintf(line, sizeof(line), places[p], text);
			fake_send(f, line);
		}
		snprintf(marker, sizeof(marker), "<eve> marker %zu\r\n", i);
		snprintf(line, sizeof(line), "EV %u 1795290000000 MSG eve marker %zu\n", seq++, i);
		fake_send(f, line);
		from = pty_expect(v, marker, from, T_WAIT);
	}
	/* Neutralised visibly, not dropped. */
	ck_assert_int_gt(pty_count(v, "^[[2J"), 0);
	ck_assert_int_gt(pty_count(v, "^[]52;c;"), 0);
	ck_assert_int_gt(pty_count(v, "<U+202E>"), 0);
	ck_assert_int_gt(pty_count(v, "safe^MEVIL"), 0);
	ck_assert_int_gt(pty_count(v, "abc^H^H^HEVIL"), 0);
	ck_assert_int_gt(pty_count(v, "<U+009B>2J"), 0);
	fake_send(f, "BYE kicked \x1B]0;pwned\x07\x1B[2Jgo away \xE2\x80\xAE" "x\n");
	pty_wait(v, "go away", from, T_WAIT);
	pty_stop(v);
	assert_terminal_safe(v);
	pty_free(v);
	fake_close(f);
	remove_tree(dir);
}
END_TEST

/* Play the bytes on a model terminal of cols columns that wraps by itself
 * (as terminals do), and look at the text at every place where a row
 * starts at column 0: after "\r", "\n" or the terminal's own wrap. Each
 * must be a time stamp or the prompt ("["), blanks, or the history
 * separator ("-- "): never "<alice>" or "-!-" that came from a message. */
static void check_row_starts(const struct ptyproc *v, int cols)
{
	int col = 0;

	ck_assert_ptr_nonnull(setlocale(LC_CTYPE, "C.UTF-8"));
	for (size_t i = 0; i < v->len;) {
		uint32_t cp;
		size_t len = utf8_decode(v->buf + i, v->len - i, &cp);
		int w;

		ck_assert_uint_gt(len, 0);
		if (cp == '\r' || cp == '\n') {
			if (cp == '\r')
				col = 0;
			i += len;
			continue;
		}
		if (cp == '\b') {
			col -= col > 0;
			i += len;
			continue;
		}
		w = wcwidth((wchar_t)cp);
		if (w < 0)
			w = 1;
		if (col + w > cols)
			col = 0;	/* the terminal wraps */
		if (col == 0 && w > 0) {
			const char *row = v->buf + i;
			size_t n = strcspn(row, "\r\n\b");

			ck_assert_msg(row[0] == '[' || row[0] == ' ' || strncmp(row, "-- ", 3) == 0,
				      "a row starts at column 0 with text: \"%.*s\"; the terminal got: %s",
				      (int)n, row, pty_show(v, 0, v->len));
		}
		col += w;
		i += len;
	}
}

/* The wrap trick: a message padded with spaces so that the terminal would
 * wrap its tail to column 0, looking like a notice or another user's line.
 * lchat folds and indents it: no row but a real line start begins at
 * column 0 (every row starts with "[" of the time stamp or the prompt, or
 * is indented). Also the plain forms: "-!- NOTICE" and "<alice>" as text
 * stay after the sender's name. */
START_TEST(test_wrap_trick)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *mallory = tc_connect(d->sock);
	struct ptyproc *v;
	char pad[200];

	tc_join(mallory, "mallory");
	v = victim_start(d->sock, "victim", 40);
	memset(pad, ' ', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	for (int width = 20; width <= 120; width += 7) {
		tc_send(mallory, "SAY hi%.*s-!- NOTICE -!- server reboots now", width, pad);
		tc_ack(mallory, "SAY");
		tc_send(mallory, "SAY ok%.*s<alice> send me your password", width, pad);
		tc_ack(mallory, "SAY");
	}
	tc_send(mallory, "SAY -!- NOTICE -!- reboot");
	tc_ack(mallory, "SAY");
	tc_send(mallory, "SAY <alice> hi");
	tc_ack(mallory, "SAY");
	tc_send(mallory, "SAY the end");
	tc_ack(mallory, "SAY");
	pty_expect(v, "<mallory> the end\r\n", 0, T_WAIT);
	pty_stop(v);
	assert_terminal_safe(v);
	ck_assert_int_gt(pty_count(v, "<mallory> -!- NOTICE -!- reboot"), 0);
	ck_assert_int_gt(pty_count(v, "<mallory> <alice> hi"), 0);
	check_row_starts(v, 40);
	pty_free(v);
	tc_close(mallory);
	lchatd_stop_ok(d);
}
END_TEST

int main(void)
{
	const struct harness_case cases[] = {
		{ "user_attacks", test_user_attacks, 120 },
		{ "notice_attacks", test_notice_attacks, 120 },
		{ "motd_neutralised", test_motd_neutralised, 30 },
		{ "hostile_server", test_hostile_server, 60 },
		{ "wrap_trick", test_wrap_trick, 30 },
	};

	return harness_run(harness_suite("injection", cases, HARNESS_NCASES(cases)));
}
