/* duration.c - parse and format human durations. */
#include "duration.h"

#include <stdio.h>
#include <string.h>

static int64_t unit_seconds(char c)
{
	switch (c) {
	case 's': return 1;
	case 'm': return 60;
	case 'h': return 3600;
	case 'd': return 86400;
	case 'w': return 7 * 86400;
	default: return 0;
	}
}

bool duration_parse(const char *s, int64_t *seconds)
{
	int64_t total = 0;

	if (!s || !*s)
		return false;
	if (strcmp(s, "forever") == 0 || strcmp(s, "permanent") == 0) {
		*seconds = 0;
		return true;
	}
	while (*s) {
		if (*s < '0' || *s > '9')
			return false;
		int64_t n = 0;
		while (*s >= '0' && *s <= '9') {
			n = n * 10 + (*s++ - '0');
			if (n > DURATION_MAX_S)
				return false;
		}
		int64_t unit = 1;
		if (*s) {
			unit = unit_seconds(*s++);
			if (unit == 0)
				return false;
		}
		total += n * unit;
		if (total > DURATION_MAX_S)
			return false;
	}
	*seconds = total;
	return true;
}

void duration_format(int64_t seconds, char *buf, size_t len)
{
	static const struct { int64_t s; char u; } units[] = {
		{ 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' },
	};

	if (seconds <= 0) {
		snprintf(buf, len, "forever");
		return;
	}
	size_t used = 0;
	int parts = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]) && parts < 2; i++) {
		int64_t n = seconds / units[i].s;
		if (n == 0) {
			if (parts)
				break;   /* "2h", not "2h 0m 5s" */
			continue;
		}
		seconds -= n * units[i].s;
		int w = snprintf(buf + used, len > used ? len - used : 0, "%s%lld%c",
				 parts ? " " : "", (long long)n, units[i].u);
		if (w < 0 || (size_t)w >= len - used)
			return;
		used += (size_t)w;
		parts++;
	}
}
