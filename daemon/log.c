/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* log.c - one line per event to syslog, or to stderr in the foreground.
 * When stderr is journald's stream (systemd sets JOURNAL_STREAM to its
 * "device:inode"), each line starts with its syslog priority "<N>" and
 * carries no timestamp: journald keeps the priority (journalctl -p err)
 * and stamps the line itself. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cut.h"
#include "util.h"

static const char *log_ident = "lchat";
static bool log_stderr;
static bool log_journal;     /* stderr is journald's stream */

/* Is stderr the stream named by $JOURNAL_STREAM? */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_open(const char *ident, bool to_stderr)
{
	log_ident = ident;
	log_stderr = to_stderr;
	log_journal = to_stderr && stderr_is_journal();
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_reopen(void)
{
	if (!log_stderr) {
		closelog();
		openlog(log_ident, LOG_PID, LOG_DAEMON);
	}
}

void log_close(void)
{
	if (!log_stderr)
		closelog();
}

static const char *prio_name(int prio)
{
	switch (prio) {
	case LOG_ERR: case LOG_CRIT: case LOG_ALERT: case LOG_EMERG: return "error";
	case LOG_WARNING: return "warning";
	case LOG_NOTICE: return "notice";
	case LOG_DEBUG: return "debug";
	default: return "info";
	}
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;
	char line[1024];

	va_start(ap, fmt);
	text_vprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (!log_stderr) {
		syslog(prio, "%s", line);
		return;
	}
	char stamp[40] = "";
	if (log_journal) {
		text_printf(stamp, sizeof(stamp), "<%d>", LOG_PRI(prio));
	} else {
		time_t t = time(NULL);
		struct tm tm;
		localtime_r(&t, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S ", &tm);
	}
	/* One write per line so lines from many processes never interleave. */
	char out[1200];
	size_t n = text_printf(out, sizeof(out) - 1, "%s%s[%d]: %s: %s", stamp,
			       log_ident, (int)getpid(), prio_name(prio), line);
	out[n++] = '\n';
	{
		ssize_t w = write(STDERR_FILENO, out, n);
		(void)w;
	}
}

void log_limited(int64_t *last, int prio, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int64_t now = mono_ms();

	if (*last && now - *last < 1000)
		return;
	*last = now;
	va_start(ap, fmt);
	text_vprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_msg(prio, "%s", line);
}
