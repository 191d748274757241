/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* lines.c - formatting and parsing the lines a server sends. */
#include "lines.h"
#include "names.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "buffer.h"
#include "cut.h"
#include "protocol.h"
#include "version.h"
#include "words.h"

static const char *const line_words[SL_COUNT] = {
	[SL_UNKNOWN] = "", [SL_HELLO] = "HELLO", [SL_EVENT] = "EV", [SL_OK] = "OK",
	[SL_ERR] = "ERR", [SL_BYE] = "BYE", [SL_MOTD] = "MOTD", [SL_WHO] = "WHO",
	[SL_PONG] = "PONG", [SL_STATUS] = "STATUS", [SL_SANCTION] = "SANCTION",
	[SL_WAITING] = "WAITING", [SL_KEPT] = "KEPT",
	[SL_AWAY] = "AWAY", [SL_IGNORED] = "IGNORED", [SL_ROOM] = "ROOM",
};

const char *server_line_word(enum server_line_type t)
{
	return (unsigned)t < SL_COUNT ? line_words[t] : "";
}

/* ---- events --------------------------------------------------------- */

static const char *const kind_names[] = {
	[EV_NONE] = "NONE", [EV_JOIN] = "JOIN", [EV_LEAVE] = "LEAVE",
	[EV_MSG] = "MSG", [EV_ACTION] = "ACTION", [EV_PRIV] = "PRIV",
	[EV_NOTICE] = "NOTICE", [EV_NICK] = "NICK", [EV_TOPIC] = "TOPIC",
};

static const char *const reason_names[] = {
	[LEAVE_QUIT] = "quit", [LEAVE_CLOSED] = "closed", [LEAVE_LOST] = "lost",
	[LEAVE_LAGGED] = "lagged", [LEAVE_TIMEOUT] = "timeout",
	[LEAVE_SHUTDOWN] = "shutdown", [LEAVE_KICKED] = "kicked",
	[LEAVE_BANNED] = "banned", [LEAVE_PART] = "part",
};

const char *event_kind_name(enum event_kind k)
{
	if ((unsigned)k < sizeof(kind_names) / sizeof(kind_names[0]))
		return kind_names[k];
	return "NONE";
}

const char *leave_reason_name(enum leave_reason r)
{
	if ((unsigned)r < sizeof(reason_names) / sizeof(reason_names[0]))
		return reason_names[r];
	return "lost";
}

enum verb event_ack_verb(enum event_kind k)
{
	switch (k) {
	case EV_MSG: return VERB_SAY;
	case EV_ACTION: return VERB_ME;
	case EV_PRIV: return VERB_PRIV;
	case EV_NICK: return VERB_NICK;
	default: return VERB_UNKNOWN;
	}
}

/* A line built field by field: every record of the log is formatted here,
 * under the room's lock, and snprintf() was a tenth of a sending
 * handler's time. `left` keeps room for the NUL; over: it did not fit. */
struct linebuild {
	char *p;
	size_t left;
	bool over;
};

static void put(struct linebuild *b, const char *s, size_t n)
{
	if (b->over || n >= b->left) {
		b->over = true;
		return;
	}
	memcpy(b->p, s, n);
	b->p += n;
	b->left -= n;
}

/* " s": a field after a space (a NULL field is empty). */
static void put_field(struct linebuild *b, const char *s, size_t n)
{
	put(b, " ", 1);
	put(b, s ? s : "", s ? n : 0);
}

static void put_word(struct linebuild *b, const char *s)
{
	put_field(b, s, s ? strlen(s) : 0);
}

static void put_number(struct linebuild *b, uint64_t v, bool negative)
{
	char digits[24];
	size_t k = sizeof(digits);

	do
		digits[--k] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	if (negative)
		digits[--k] = '-';
	put_field(b, digits + k, sizeof(digits) - k);
}

size_t proto_format_event(char *out, size_t outcap, uint64_t seq, int64_t ms,
			  enum event_kind kind, const char *name,
			  const char *login, int reason,
			  const char *text, size_t text_len)
{
	struct linebuild b = { out, outcap, outcap == 0 };
	const char *ev = line_words[SL_EVENT];

	if (!text)
		text_len = 0;
	if (kind <= EV_NONE || kind > EV_TOPIC || (kind == EV_NICK && text_len == 0))
		return 0;       /* a NICK without its new name: no line anyone could parse */
	put(&b, ev, strlen(ev));
	put_number(&b, seq, false);
	put_number(&b, ms < 0 ? -(uint64_t)ms : (uint64_t)ms, ms < 0);
	put_word(&b, event_kind_name(kind));
	if (kind != EV_NOTICE)
		put_word(&b, name);
	if (kind == EV_JOIN || kind == EV_LEAVE || kind == EV_TOPIC || kind == EV_NICK)
		put_word(&b, login);
	if (kind == EV_LEAVE) {
		put_word(&b, leave_reason_name((enum leave_reason)reason));
		if (text_len)
			put_field(&b, text, text_len);
	} else if (kind != EV_JOIN) {
		put_field(&b, text, text_len);
	}
	put(&b, "\n", 1);
	if (b.over)
		return 0;
	*b.p = '\0';
	return (size_t)(b.p - out);
}

static enum event_kind kind_from(const char *w, size_t n)
{
	for (size_t k = EV_JOIN; k < sizeof(kind_names) / sizeof(kind_names[0]); k++)
		if (proto_word_is(w, n, kind_names[k]))
			return (enum event_kind)k;
	return EV_NONE;
}

/* An event's fields after its kind (EV and WAITING lines): `words`
 * non-empty words into sl->word[], then the rest of the line (its text).
 * The line may end before word `optional` (a JOIN without its login;
 * -1: none may be missing). */
static bool take_fields(const char *p, const char *e, struct server_line *sl, int words,
			int optional)
{
	for (int i = 0; i < words; i++) {
		if (p >= e && i != optional)
			return false;
		sl->word[i] = proto_next_word(&p, e, &sl->word_len[i]);
		if (sl->word_len[i] == 0)
			return false;
	}
	sl->rest = p;
	sl->rest_len = (size_t)(e - p);
	return true;
}

/* "seq ms [room] kind fields... text" of an EV line; the room word
 * (PROTO 2) into sl->room. The one parser of an event, for lchat/1 and
 * PROTO 2 lines alike. */
static bool parse_event(const char *p, const char *e, struct server_line *sl)
{
	size_t n;
	const char *w;
	int words;

	w = proto_next_word(&p, e, &n);
	if (!proto_parse_u64(w, n, &sl->seq))
		return false;
	w = proto_next_word(&p, e, &n);
	if (!proto_parse_i64(w, n, &sl->ms))
		return false;
	w = proto_next_word(&p, e, &n);
	/* PROTO 2: the room word ("#name", "*" to all, "-" private). */
	sl->room = NULL;
	sl->room_len = 0;
	if (n > 0 && (w[0] == '#' || proto_word_is(w, n, ROOM_ALL) ||
		      proto_word_is(w, n, ROOM_PRIVATE))) {
		sl->room = w;
		sl->room_len = n;
		w = proto_next_word(&p, e, &n);
	}
	sl->kind = kind_from(w, n);
	switch (sl->kind) {
	case EV_JOIN: words = 2; break;
	case EV_TOPIC: words = 2; break;  /* name login, rest = topic */
	case EV_LEAVE: words = 3; break;
	case EV_NICK: words = 3; break;   /* old-name login new-name */
	case EV_MSG: case EV_ACTION: case EV_PRIV: words = 1; break;
	case EV_NOTICE: words = 0; break;
	default: return false;
	}
	return take_fields(p, e, sl, words, sl->kind == EV_JOIN ? 1 : -1);
}

/* ---- replies -------------------------------------------------------- */

int line_vformat(struct buffer *out, enum server_line_type t, const char *first,
		 const char *fmt, va_list ap)
{
	if (!fmt)
		return buffer_printf_line(out, "%s %s", line_words[t], first);
	/* The prefix is taken back if the rest cannot be added: nothing
	 * sends a line cut short. */
	const char *w = line_words[t];
	size_t wn = strlen(w), fn = strlen(first), plen = wn + fn + 2;
	if (buffer_reserve(out, plen) < 0)
		return -1;
	memcpy(out->data + out->len, w, wn);
	out->data[out->len + wn] = ' ';
	memcpy(out->data + out->len + wn + 1, first, fn);
	out->data[out->len + plen - 1] = ' ';
	out->len += plen;
	if (buffer_vprintf_line(out, fmt, ap) < 0) {
		out->len -= plen;
		return -1;
	}
	return 0;
}

int line_ok(struct buffer *out, enum verb v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int rc = line_vformat(out, SL_OK, verb_name(v), fmt, ap);
	va_end(ap);
	return rc;
}

int line_err(struct buffer *out, enum reply_code c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int rc = line_vformat(out, SL_ERR, code_word(c), fmt, ap);
	va_end(ap);
	return rc;
}

int line_usage(struct buffer *out, enum verb v, const char *more)
{
	return line_err(out, CODE_BAD_ARGUMENT, "usage: %s %s%s", verb_name(v), verb_args(v), more);
}

int line_bye(struct buffer *out, enum reply_code c, const char *text)
{
	return buffer_printf_line(out, "%s %s %s", line_words[SL_BYE], code_word(c), text);
}

size_t line_bye_format(char *out, size_t cap, enum reply_code c, const char *text)
{
	if (cap < 2)
		return 0;
	/* Cut on a character boundary, and still a line. */
	size_t n = text_printf(out, cap - 1, "%s %s %s", line_words[SL_BYE], code_word(c), text);
	out[n++] = '\n';
	out[n] = '\0';
	return n;
}

int line_pong(struct buffer *out, const char *token, size_t len)
{
	if (token)
		return buffer_printf_line(out, "%s %.*s", line_words[SL_PONG], (int)len, token);
	return buffer_printf_line(out, "%s", line_words[SL_PONG]);
}

int line_hello(struct buffer *out, const char *proto_name, const char *login, long max_line,
	       const char *default_room)
{
	return buffer_printf_line(out, "%s %s/%d lchatd/%s login=%s max_line=%ld%s%s",
				  line_words[SL_HELLO], proto_name, PROTO_VERSION,
				  LCHAT_VERSION, login, max_line,
				  default_room ? " rooms=1 default_room=#" : "",
				  default_room ? default_room : "");
}

int line_room(struct buffer *out, const char *room, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = line_vformat(out, SL_ROOM, room, fmt, ap);
	va_end(ap);
	return rc;
}

int line_motd(struct buffer *out, const char *text)
{
	return buffer_printf_line(out, "%s %s", line_words[SL_MOTD], text);
}

/* The word before an away reason in WHO lines. */
static const char away_word[] = "away";

int line_who(struct buffer *out, const char *name, const char *login, int64_t idle_s,
	     int64_t joined_ms, const char *away)
{
	bool is_away = away && away[0];

	return buffer_printf_line(out, "%s %s %s %" PRId64 " %" PRId64 "%s%s%s%s", line_words[SL_WHO],
				  name, login, idle_s, joined_ms, is_away ? " " : "",
				  is_away ? away_word : "", is_away ? " " : "", is_away ? away : "");
}

bool who_line_away(const char *rest, size_t rest_len, int skip, const char **reason,
		   size_t *len)
{
	const char *p = rest, *e = rest + rest_len;
	size_t n;

	for (int i = 0; i < skip && p < e; i++)
		(void)proto_next_word(&p, e, &n);
	if (p >= e)
		return false;
	const char *w = proto_next_word(&p, e, &n);
	if (!proto_word_is(w, n, away_word) || p >= e)
		return false;
	*reason = p;
	*len = (size_t)(e - p);
	return true;
}

int line_away(struct buffer *out, const char *name, const char *reason)
{
	return buffer_printf_line(out, "%s %s %s", line_words[SL_AWAY], name, reason);
}

int line_ignored(struct buffer *out, const char *login, uint64_t uid)
{
	return buffer_printf_line(out, "%s %s %" PRIu64, line_words[SL_IGNORED], login, uid);
}

int line_waiting(struct buffer *out, int64_t ms, enum event_kind kind, const char *name,
		 const char *login, const char *text, size_t text_len)
{
	return buffer_printf_line(out, "%s %" PRId64 " %s %s %s %.*s", line_words[SL_WAITING], ms,
				  event_kind_name(kind), name, login, (int)text_len, text);
}

int line_kept(struct buffer *out, const char *login, enum reply_code c, const char *text)
{
	if (c == CODE_OK)
		return buffer_printf_line(out, "%s %s", line_words[SL_KEPT], login);
	return buffer_printf_line(out, "%s %s %s %s", line_words[SL_KEPT], login, code_word(c),
				  text);
}

/* "ms kind name login text" of a WAITING line. */
static bool parse_waiting(const char *p, const char *e, struct server_line *sl)
{
	size_t n;
	const char *w = proto_next_word(&p, e, &n);

	if (!proto_parse_i64(w, n, &sl->ms))
		return false;
	w = proto_next_word(&p, e, &n);
	sl->kind = kind_from(w, n);
	if (sl->kind != EV_PRIV && sl->kind != EV_MSG && sl->kind != EV_ACTION)
		return false;
	return take_fields(p, e, sl, 2, -1);
}

/* ---- parsing -------------------------------------------------------- */

bool proto_parse_server_line(const char *line, size_t len, struct server_line *sl)
{
	const char *p = line, *e = line + len;
	size_t n;
	const char *w;

	memset(sl, 0, sizeof(*sl));
	w = proto_next_word(&p, e, &n);
	for (unsigned t = SL_HELLO; t < SL_COUNT; t++)
		if (proto_word_is(w, n, line_words[t]))
			sl->type = (enum server_line_type)t;
	switch (sl->type) {
	case SL_UNKNOWN:
		return false;
	case SL_EVENT:
		return parse_event(p, e, sl);
	case SL_WAITING:
		return parse_waiting(p, e, sl);
	case SL_OK: case SL_ERR: case SL_BYE: case SL_HELLO: case SL_STATUS: case SL_SANCTION:
	case SL_KEPT: case SL_AWAY: case SL_IGNORED: case SL_ROOM:
		if (p >= e)
			return false;
		sl->word[0] = proto_next_word(&p, e, &sl->word_len[0]);
		break;
	case SL_WHO:
		for (int i = 0; i < 3; i++) {
			if (p >= e)
				return false;
			sl->word[i] = proto_next_word(&p, e, &sl->word_len[i]);
		}
		break;
	default:
		break;
	}
	if (sl->type == SL_OK) {
		struct command c;
		sl->verb = proto_parse_command(sl->word[0], sl->word_len[0], &c);
	} else if (sl->type == SL_ERR || sl->type == SL_BYE) {
		sl->code_known = code_from_word(sl->word[0], sl->word_len[0], &sl->code);
	}
	sl->rest = p;
	sl->rest_len = (size_t)(e - p);
	return true;
}

bool proto_hello_ok(const char *word, size_t len, const char *proto_name)
{
	size_t n = strlen(proto_name);

	if (len <= n + 1 || memcmp(word, proto_name, n) != 0 || word[n] != '/')
		return false;
	/* The major version: digits up to the end or a '.'. */
	size_t i = n + 1;
	unsigned long major = 0;
	while (i < len && word[i] >= '0' && word[i] <= '9' && major < 1000)
		major = major * 10 + (unsigned long)(word[i++] - '0');
	if (i == n + 1 || (i < len && word[i] != '.'))
		return false;
	return major == PROTO_VERSION;
}
