/* protocol.c - framing, parsing and formatting of lchat protocol lines.
 * The protocol itself is described in docs/protocol.md. */
#include "protocol.h"

#include "buffer.h"
#include "sanitize.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- framing -------------------------------------------------------- */

int linebuf_init(struct linebuf *lb, size_t max_line)
{
	memset(lb, 0, sizeof(*lb));
	lb->cap = max_line + 2;    /* room for "\r\n" */
	lb->buf = malloc(lb->cap);
	return lb->buf ? 0 : -1;
}

void linebuf_free(struct linebuf *lb)
{
	free(lb->buf);
	lb->buf = NULL;
}

char *linebuf_space(struct linebuf *lb, size_t *avail)
{
	lb->start += lb->pending;
	lb->pending = 0;
	if (lb->start > 0) {
		memmove(lb->buf, lb->buf + lb->start, lb->len - lb->start);
		lb->len -= lb->start;
		lb->scan = lb->scan > lb->start ? lb->scan - lb->start : 0;
		lb->start = 0;
	}
	*avail = lb->cap - lb->len;
	return lb->buf + lb->len;
}

size_t linebuf_room(const struct linebuf *lb)
{
	return lb->cap - (lb->len - lb->start - lb->pending);
}

void linebuf_commit(struct linebuf *lb, size_t n)
{
	lb->len += n;
}

enum line_status linebuf_next(struct linebuf *lb, char **line, size_t *len)
{
	lb->start += lb->pending;
	lb->pending = 0;
	if (lb->scan < lb->start)
		lb->scan = lb->start;

	for (;;) {
		char *nl = memchr(lb->buf + lb->scan, '\n', lb->len - lb->scan);
		if (!nl) {
			lb->scan = lb->len;
			if (lb->len - lb->start < lb->cap)
				return LINE_NONE;
			/* Full without a line end: an overlong line. Drop it
			 * and everything up to its newline; report it once. */
			bool first = !lb->discarding;
			lb->discarding = true;
			lb->start = lb->len = lb->scan = 0;
			return first ? LINE_TOO_LONG : LINE_NONE;
		}
		size_t end = (size_t)(nl - lb->buf);
		if (lb->discarding) {
			lb->discarding = false;
			lb->start = lb->scan = end + 1;
			continue;
		}
		size_t n = end - lb->start;
		if (n > 0 && lb->buf[end - 1] == '\r')
			n--;
		if (n > lb->cap - 2) {
			/* the "\r" allowance let a max_line+1 byte line in */
			lb->start = lb->scan = end + 1;
			return LINE_TOO_LONG;
		}
		lb->buf[lb->start + n] = '\0';
		*line = lb->buf + lb->start;
		*len = n;
		lb->pending = end + 1 - lb->start;
		lb->scan = end + 1;
		return LINE_OK;
	}
}

bool linebuf_partial(const struct linebuf *lb)
{
	return lb->discarding || lb->len > lb->start + lb->pending;
}

/* ---- commands ------------------------------------------------------- */

static const struct {
	const char *name;
	enum verb verb;
} verbs[] = {
	{ "JOIN", VERB_JOIN }, { "SAY", VERB_SAY }, { "ME", VERB_ME },
	{ "PRIV", VERB_PRIV }, { "WHO", VERB_WHO }, { "PING", VERB_PING },
	{ "QUIT", VERB_QUIT }, { "NOTICE", VERB_NOTICE }, { "KICK", VERB_KICK },
	{ "MUTE", VERB_MUTE }, { "UNMUTE", VERB_UNMUTE }, { "BAN", VERB_BAN },
	{ "UNBAN", VERB_UNBAN }, { "BANS", VERB_BANS }, { "STATUS", VERB_STATUS },
	{ "RELOAD", VERB_RELOAD }, { "SHUTDOWN", VERB_SHUTDOWN },
};

/* Verbs whose first argument is a word; the rest of the line is the text. */
static bool takes_word(enum verb v)
{
	switch (v) {
	case VERB_JOIN: case VERB_PRIV: case VERB_KICK: case VERB_MUTE:
	case VERB_UNMUTE: case VERB_BAN: case VERB_UNBAN:
		return true;
	default:
		return false;
	}
}

const char *verb_name(enum verb v)
{
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (verbs[i].verb == v)
			return verbs[i].name;
	return "UNKNOWN";
}

/* Next space-separated word at *p (end e); advances *p past one space. */
static const char *next_word(const char **p, const char *e, size_t *n)
{
	const char *s = *p;
	const char *sp = memchr(s, ' ', (size_t)(e - s));
	const char *we = sp ? sp : e;

	*n = (size_t)(we - s);
	*p = sp ? sp + 1 : e;
	return s;
}

enum verb proto_parse_command(const char *line, size_t len, struct command *cmd)
{
	const char *p = line, *e = line + len;

	memset(cmd, 0, sizeof(*cmd));
	cmd->verb_text = next_word(&p, e, &cmd->verb_len);
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strlen(verbs[i].name) == cmd->verb_len &&
		    strncasecmp(verbs[i].name, cmd->verb_text, cmd->verb_len) == 0) {
			cmd->verb = verbs[i].verb;
			break;
		}
	}
	if (takes_word(cmd->verb) && p < e)
		cmd->arg = next_word(&p, e, &cmd->arg_len);
	if (p < e) {
		cmd->text = p;
		cmd->text_len = (size_t)(e - p);
	}
	return cmd->verb;
}

bool proto_accept_line(const char *line, size_t len, struct buffer *out, bool *oom)
{
	size_t bad;
	enum text_error te = text_check(line, len, &bad);

	if (te == TEXT_OK)
		return true;
	if (te != TEXT_EMPTY &&
	    buffer_printf_line(out, "ERR %s %s (byte %zu)", text_error_code(te),
			       text_error_message(te), bad + 1) < 0)
		*oom = true;
	return false;
}

int proto_reply_pong(struct buffer *out, const struct command *cmd)
{
	if (cmd->text)
		return buffer_printf_line(out, "PONG %.*s", (int)cmd->text_len, cmd->text);
	return buffer_printf_line(out, "PONG");
}

bool proto_parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static bool parse_i64(const char *s, size_t n, int64_t *out)
{
	uint64_t v;

	if (!proto_parse_u64(s, n, &v) || v > INT64_MAX)
		return false;
	*out = (int64_t)v;
	return true;
}

/* ---- events and replies --------------------------------------------- */

static const char *const kind_names[] = {
	[EV_NONE] = "NONE", [EV_JOIN] = "JOIN", [EV_LEAVE] = "LEAVE",
	[EV_MSG] = "MSG", [EV_ACTION] = "ACTION", [EV_PRIV] = "PRIV",
	[EV_NOTICE] = "NOTICE",
};

static const char *const reason_names[] = {
	[LEAVE_QUIT] = "quit", [LEAVE_CLOSED] = "closed", [LEAVE_LOST] = "lost",
	[LEAVE_LAGGED] = "lagged", [LEAVE_TIMEOUT] = "timeout",
	[LEAVE_SHUTDOWN] = "shutdown", [LEAVE_KICKED] = "kicked",
	[LEAVE_BANNED] = "banned",
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

size_t proto_format_event(char *out, size_t outcap, uint64_t seq, int64_t ms,
			  enum event_kind kind, const char *name,
			  const char *login, int reason,
			  const char *text, size_t text_len)
{
	int n;
	int tl = (int)text_len;

	if (!text)
		tl = 0;
	switch (kind) {
	case EV_JOIN:
		n = snprintf(out, outcap, "EV %" PRIu64 " %" PRId64 " JOIN %s %s\n",
			     seq, ms, name, login);
		break;
	case EV_LEAVE:
		n = snprintf(out, outcap, "EV %" PRIu64 " %" PRId64 " LEAVE %s %s %s%s%.*s\n",
			     seq, ms, name, login,
			     leave_reason_name((enum leave_reason)reason),
			     tl ? " " : "", tl, text ? text : "");
		break;
	case EV_MSG:
	case EV_ACTION:
	case EV_PRIV:
		n = snprintf(out, outcap, "EV %" PRIu64 " %" PRId64 " %s %s %.*s\n",
			     seq, ms, event_kind_name(kind), name, tl, text ? text : "");
		break;
	case EV_NOTICE:
		n = snprintf(out, outcap, "EV %" PRIu64 " %" PRId64 " NOTICE %.*s\n",
			     seq, ms, tl, text ? text : "");
		break;
	default:
		return 0;
	}
	if (n < 0 || (size_t)n >= outcap)
		return 0;
	return (size_t)n;
}

/* ---- parsing server lines ------------------------------------------- */

static bool word_is(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(w, lit, n) == 0;
}

static enum event_kind kind_from(const char *w, size_t n)
{
	for (size_t k = EV_JOIN; k < sizeof(kind_names) / sizeof(kind_names[0]); k++)
		if (word_is(w, n, kind_names[k]))
			return (enum event_kind)k;
	return EV_NONE;
}

static bool parse_event(const char *p, const char *e, struct server_line *sl)
{
	size_t n;
	const char *w;
	int words;

	w = next_word(&p, e, &n);
	if (!proto_parse_u64(w, n, &sl->seq))
		return false;
	w = next_word(&p, e, &n);
	if (!parse_i64(w, n, &sl->ms))
		return false;
	w = next_word(&p, e, &n);
	sl->kind = kind_from(w, n);
	switch (sl->kind) {
	case EV_JOIN: words = 2; break;
	case EV_LEAVE: words = 3; break;
	case EV_MSG: case EV_ACTION: case EV_PRIV: words = 1; break;
	case EV_NOTICE: words = 0; break;
	default: return false;
	}
	for (int i = 0; i < words; i++) {
		if (p >= e && !(sl->kind == EV_JOIN && i == 1))
			return false;
		sl->word[i] = next_word(&p, e, &sl->word_len[i]);
		if (sl->word_len[i] == 0)
			return false;
	}
	sl->rest = p;
	sl->rest_len = (size_t)(e - p);
	return true;
}

bool proto_parse_server_line(const char *line, size_t len, struct server_line *sl)
{
	const char *p = line, *e = line + len;
	size_t n;
	const char *w;

	memset(sl, 0, sizeof(*sl));
	w = next_word(&p, e, &n);
	if (word_is(w, n, "EV")) {
		sl->type = SL_EVENT;
		return parse_event(p, e, sl);
	}
	if (word_is(w, n, "OK")) sl->type = SL_OK;
	else if (word_is(w, n, "ERR")) sl->type = SL_ERR;
	else if (word_is(w, n, "BYE")) sl->type = SL_BYE;
	else if (word_is(w, n, "HELLO")) sl->type = SL_HELLO;
	else if (word_is(w, n, "MOTD")) sl->type = SL_MOTD;
	else if (word_is(w, n, "WHO")) sl->type = SL_WHO;
	else if (word_is(w, n, "PONG")) sl->type = SL_PONG;
	else return false;

	switch (sl->type) {
	case SL_OK: case SL_ERR: case SL_BYE: case SL_HELLO:
		if (p >= e)
			return false;
		sl->word[0] = next_word(&p, e, &sl->word_len[0]);
		break;
	case SL_WHO:
		for (int i = 0; i < 3; i++) {
			if (p >= e)
				return false;
			sl->word[i] = next_word(&p, e, &sl->word_len[i]);
		}
		break;
	default:
		break;
	}
	sl->rest = p;
	sl->rest_len = (size_t)(e - p);
	return true;
}
