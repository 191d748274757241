/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* duration.c - parse and format human durations (duration.h). */
#include "duration.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cut.h"

/* Units from the largest; a duration uses them in this order. */
static const struct { char c; int64_t s; } units[] = {
	{ 'w', 7 * 86400 }, { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 },
};
#define N_UNITS (sizeof(units) / sizeof(units[0]))

/* Unit names people write as a word of their own after a number. */
static const char *const unit_words[] = {
	"s", "sec", "secs", "second", "seconds", "m", "min", "mins", "minute", "minutes",
	"h", "hr", "hrs", "hour", "hours", "d", "day", "days", "w", "wk", "wks", "week", "weeks",
};

static bool word_is(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && strncasecmp(w, lit, n) == 0;
}

static bool is_unit_word(const char *w, size_t n)
{
	for (size_t i = 0; w && i < sizeof(unit_words) / sizeof(unit_words[0]); i++)
		if (word_is(w, n, unit_words[i]))
			return true;
	return false;
}

/* The grammar of duration.h, without the next word. */
static enum duration_status read_word(const char *s, size_t n, int64_t *seconds)
{
	if (word_is(s, n, "forever") || word_is(s, n, "permanent")) {
		*seconds = 0;
		return DURATION_OK;
	}
	if (n == 0 || !(isdigit((unsigned char)s[0]) || strchr("+-.", s[0])))
		return DURATION_NONE;
	int64_t total = 0;
	size_t i = 0, next_unit = 0;
	bool too_long = false;
	while (i < n) {
		if (!isdigit((unsigned char)s[i]))
			return DURATION_BAD;
		int64_t v = 0;
		while (i < n && isdigit((unsigned char)s[i])) {
			if (v <= DURATION_MAX_S)   /* stays far from overflow */
				v = v * 10 + (s[i] - '0');
			i++;
		}
		if (i == n) {
			if (next_unit > 0)
				return DURATION_BAD;   /* "1h30": 30 what? */
			total = v;
			too_long |= v > DURATION_MAX_S;
			break;
		}
		size_t u = next_unit;
		while (u < N_UNITS && units[u].c != s[i])
			u++;
		if (u == N_UNITS)
			return DURATION_BAD;   /* not a unit, or out of order */
		i++;
		next_unit = u + 1;
		too_long |= v > DURATION_MAX_S;
		if (!too_long)
			total += v * units[u].s;
		too_long |= total > DURATION_MAX_S;
	}
	if (too_long || total > DURATION_MAX_S)
		return DURATION_TOO_LONG;
	*seconds = total;
	return DURATION_OK;
}

enum duration_status duration_read(const char *word, size_t n, const char *next, size_t next_n,
				   int64_t *seconds)
{
	int64_t v = 0;
	enum duration_status st = word ? read_word(word, n, &v) : DURATION_NONE;

	if (st == DURATION_OK && next && is_unit_word(next, next_n))
		return DURATION_SPLIT;
	if (st == DURATION_OK)
		*seconds = v;
	return st;
}

bool duration_parse(const char *s, int64_t *seconds)
{
	return s && duration_read(s, strlen(s), NULL, 0, seconds) == DURATION_OK;
}

void duration_error(enum duration_status st, const char *word, size_t n, const char *next,
		    size_t next_n, char *buf, size_t len)
{
	/* The words are the user's: cut short, and on a character boundary. */
	char w[40] = "", x[24] = "";

	if (word)
		text_copy(w, sizeof(w), word, n);
	if (next && st == DURATION_SPLIT)
		text_copy(x, sizeof(x), next, next_n);
	const char *why = st == DURATION_TOO_LONG ? "more than ten years"
		: st == DURATION_SPLIT ? "a duration is one word: 2h, not 2 hours"
		: "examples: 90s, 10m, 1h30m, 2d, forever";
	text_printf(buf, len, "bad duration '%s%s%s' (%s)", w, x[0] ? " " : "", x, why);
}

void duration_format(int64_t seconds, char *buf, size_t len)
{
	static const struct { int64_t s; char u; } shown[] = {
		{ 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' },
	};

	if (seconds <= 0) {
		text_printf(buf, len, "forever");
		return;
	}
	size_t used = 0;
	int parts = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]) && parts < 2; i++) {
		int64_t n = seconds / shown[i].s;
		if (n == 0) {
			if (parts)
				break;   /* "2h", not "2h 0m 5s" */
			continue;
		}
		seconds -= n * shown[i].s;
		int w = snprintf(buf + used, len > used ? len - used : 0, "%s%lld%c",
				 parts ? " " : "", (long long)n, shown[i].u);
		if (w < 0 || (size_t)w >= len - used)
			return;
		used += (size_t)w;
		parts++;
	}
}
