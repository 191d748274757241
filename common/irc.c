/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* irc.c - the IRC socket's words and its line parser and formatter
 * (irc.h). */
#include "irc.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *const words[IRC_CMD_COUNT] = {
	[IRC_UNKNOWN] = "UNKNOWN",
	[IRC_CAP] = "CAP", [IRC_PASS] = "PASS", [IRC_NICK] = "NICK",
	[IRC_USER] = "USER", [IRC_PING] = "PING", [IRC_PONG] = "PONG",
	[IRC_JOIN] = "JOIN", [IRC_PART] = "PART", [IRC_PRIVMSG] = "PRIVMSG",
	[IRC_NOTICE] = "NOTICE", [IRC_QUIT] = "QUIT", [IRC_NAMES] = "NAMES",
	[IRC_WHO] = "WHO", [IRC_WHOIS] = "WHOIS", [IRC_TOPIC] = "TOPIC",
	[IRC_LIST] = "LIST", [IRC_MODE] = "MODE", [IRC_AWAY] = "AWAY",
	[IRC_ISON] = "ISON", [IRC_USERHOST] = "USERHOST",
	[IRC_ERROR] = "ERROR", [IRC_BATCH] = "BATCH",
};

static const struct {
	const char *name;
	uint32_t bit;
} caps[] = {
	{ "server-time", IRC_CAP_SERVER_TIME },
	{ "message-tags", IRC_CAP_MESSAGE_TAGS },
	{ "batch", IRC_CAP_BATCH },
	{ "echo-message", IRC_CAP_ECHO },
};

const char *irc_cmd_word(enum irc_cmd c)
{
	return (unsigned)c < IRC_CMD_COUNT && words[c] ? words[c] : words[IRC_UNKNOWN];
}

enum irc_cmd irc_cmd_from(const char *w, size_t n)
{
	for (unsigned c = 1; c < IRC_CLIENT_COUNT; c++)
		if (strlen(words[c]) == n && strncasecmp(words[c], w, n) == 0)
			return (enum irc_cmd)c;
	return IRC_UNKNOWN;
}

const char *irc_caps_offered(void)
{
	static char list[128];

	if (!list[0])
		for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 i ? " " : "", caps[i].name);
	return list;
}

bool irc_caps_parse(const char *s, size_t n, uint32_t *out)
{
	const char *e = s + n;
	uint32_t got = 0;

	while (s < e) {
		while (s < e && *s == ' ')
			s++;
		const char *w = s;
		while (s < e && *s != ' ')
			s++;
		if (s == w)
			break;
		size_t i;
		for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
			if (strlen(caps[i].name) == (size_t)(s - w) &&
			    strncasecmp(caps[i].name, w, (size_t)(s - w)) == 0)
				break;
		if (i == sizeof(caps) / sizeof(caps[0]))
			return false;
		got |= caps[i].bit;
	}
	*out = got;
	return true;
}

bool irc_parse(const char *line, size_t len, struct irc_msg *m)
{
	const char *p = line, *e = line + len;

	memset(m, 0, sizeof(*m));
	/* IRCv3 tags, then a prefix: both skipped. */
	for (int skip = 0; skip < 2; skip++) {
		if (p < e && *p == (skip ? ':' : '@')) {
			while (p < e && *p != ' ')
				p++;
		}
		while (p < e && *p == ' ')
			p++;
	}
	m->word = p;
	while (p < e && *p != ' ')
		p++;
	m->word_len = (size_t)(p - m->word);
	if (m->word_len == 0)
		return false;
	m->cmd = irc_cmd_from(m->word, m->word_len);
	while (p < e && m->n < IRC_PARAMS_MAX) {
		while (p < e && *p == ' ')
			p++;
		if (p == e)
			break;
		if (*p == ':' || m->n == IRC_PARAMS_MAX - 1) {
			if (*p == ':')
				p++;
			m->p[m->n] = p;
			m->len[m->n++] = (size_t)(e - p);
			break;
		}
		m->p[m->n] = p;
		while (p < e && *p != ' ')
			p++;
		m->len[m->n] = (size_t)(p - m->p[m->n]);
		m->n++;
	}
	return true;
}

int irc_vline(struct buffer *out, const char *fmt, va_list ap)
{
	if (buffer_vprintf_line(out, fmt, ap) < 0 || buffer_reserve(out, 1) < 0)
		return -1;
	out->data[out->len - 1] = '\r';
	out->data[out->len++] = '\n';
	return 0;
}

int irc_line(struct buffer *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int rc = irc_vline(out, fmt, ap);
	va_end(ap);
	return rc;
}

int irc_num(struct buffer *out, const char *nick, enum irc_num n, const char *fmt, ...)
{
	char head[64 + 40];
	char body[2048];
	va_list ap;

	snprintf(head, sizeof(head), ":%s %03d %s", IRC_SERVER, (int)n, nick && nick[0] ? nick : "*");
	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	return irc_line(out, "%s %s", head, body);
}

int irc_error(struct buffer *out, enum reply_code code, const char *text, size_t len)
{
	return irc_line(out, "%s :Closing link: %s %.*s", words[IRC_ERROR], code_word(code),
			(int)len, text);
}

size_t irc_error_format(char *out, size_t cap, enum reply_code code, const char *text)
{
	int n = snprintf(out, cap, "%s :Closing link: %s %s\r\n", words[IRC_ERROR],
			 code_word(code), text);
	if (n < 0 || cap < 3)
		return 0;
	if ((size_t)n >= cap) {   /* cut: still one whole line */
		out[cap - 3] = '\r';
		out[cap - 2] = '\n';
		return cap - 1;
	}
	return (size_t)n;
}

size_t irc_time_tag(char *out, size_t cap, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm))
		memset(&tm, 0, sizeof(tm));
	int n = snprintf(out, cap, "time=%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (int)(ms % 1000));
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

bool irc_ctcp(const char *s, size_t n, const char **action, size_t *action_len)
{
	*action = NULL;
	*action_len = 0;
	if (n < 2 || s[0] != '\x01')
		return false;
	size_t end = s[n - 1] == '\x01' ? n - 1 : n;   /* the closing \x01 may be missing */
	if (end >= 7 && strncasecmp(s + 1, "ACTION", 6) == 0 && (end == 7 || s[7] == ' ')) {
		*action = end > 8 ? s + 8 : s + end;
		*action_len = end > 8 ? end - 8 : 0;
	}
	return true;
}
