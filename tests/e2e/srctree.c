/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* srctree.c - paths in the source tree (see srctree.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "srctree.h"

const char *src_path(const char *rel)
{
	static char path[PATH_MAX + 256];
	const char *bin = getenv("LCHAT_BIN");
	char dir[PATH_MAX], *slash;

	/* The nearest directory above LCHAT_BIN that holds rel. */
	if (bin && bin[0] == '/') {
		snprintf(dir, sizeof(dir), "%s", bin);
		while ((slash = strrchr(dir, '/')) && slash != dir) {
			*slash = '\0';
			snprintf(path, sizeof(path), "%s/%s", dir, rel);
			if (access(path, R_OK) == 0)
				return path;
		}
	}
	ck_assert_msg(getcwd(dir, sizeof(dir)), "getcwd: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	ck_assert_msg(access(path, R_OK) == 0, "%s: %s (not above LCHAT_BIN=%s either)", path,
		      strerror(errno), bin ? bin : "(unset)");
	return path;
}
