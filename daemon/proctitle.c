/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* proctitle.c - rewrite the process title seen in ps.
 *
 * ps reads /proc/PID/cmdline, which is the argv area of the process. We
 * move environ out of the way (it lies right after argv) so the whole
 * contiguous argv+environ area can hold the title, and also set the short
 * kernel name (comm) for tools that show that instead. */
#include "proctitle.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "cut.h"

extern char **environ;

static char *title_area;
static size_t title_len;
/* Our copy of the environment; volatile so the store is kept and leak
 * checkers see the copy as reachable. */
static char **volatile moved_env;

void proctitle_init(int argc, char **argv)
{
	char *end = NULL;
	int n = 0;

	if (argc < 1 || !argv[0])
		return;
	for (int i = 0; i < argc; i++)
		if (!end || argv[i] == end + 1)
			end = argv[i] + strlen(argv[i]);
	for (n = 0; environ[n]; n++)
		if (environ[n] == end + 1)
			end = environ[n] + strlen(environ[n]);

	/* Copy the environment elsewhere before we overwrite it. */
	char **env = calloc((size_t)n + 1, sizeof(char *));
	if (!env)
		return;
	for (int i = 0; i < n; i++) {
		env[i] = strdup(environ[i]);
		if (!env[i])
			return;
	}
	moved_env = env;
	environ = moved_env;
	/* argv[1..] are copied too: main may still read them. */
	for (int i = 1; i < argc; i++)
		argv[i] = strdup(argv[i]);
	title_area = argv[0];
	title_len = (size_t)(end - argv[0]) + 1;
}

void proctitle_set(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	text_vprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* comm is limited to 15 bytes: keep the part after "lchatd: ". */
	const char *after = strncmp(buf, "lchatd: ", 8) == 0 ? buf + 8 : buf;
	char comm[16];
	text_copy_str(comm, sizeof(comm), after);   /* the kernel would cut bytes */
	prctl(PR_SET_NAME, comm, 0, 0, 0);
	if (!title_area || title_len < 2)
		return;
	size_t n = text_cut(buf, strlen(buf), title_len - 1);
	memcpy(title_area, buf, n);
	memset(title_area + n, 0, title_len - n);
}
