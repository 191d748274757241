/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* statefile.c - a file of state_dir replaced whole or not at all. */
#include "statefile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "cut.h"
#include "log.h"

/* Make the rename of a file in path's directory durable. */
static int sync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');

	if (!slash)
		text_printf(dir, sizeof(dir), ".");
	else
		text_printf(dir, sizeof(dir), "%.*s", (int)(slash == path ? 1 : slash - path), path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int statefile_write(const char *path, bool (*emit)(FILE *f, const void *ctx), const void *ctx)
{
	char tmp[PATH_MAX + 8];
	int saved;

	if (text_printf(tmp, sizeof(tmp), "%s.new", path) >= sizeof(tmp) - 1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	FILE *f = fdopen(fd, "w");
	if (!f) {
		saved = errno;
		close(fd);
		goto fail;
	}
	bool ok = emit(f, ctx);
	if (!ok || fflush(f) != 0 || fsync(fileno(f)) < 0) {
		saved = errno ? errno : EIO;
		fclose(f);
		goto fail;
	}
	if (fclose(f) != 0 || rename(tmp, path) < 0) {
		saved = errno;
		goto fail;
	}
	/* Renamed: the file holds the new contents. A failed fsync of the
	 * directory leaves the rename perhaps not yet on disk, which no undo
	 * would fix; it is logged. */
	if (sync_dir_of(path) < 0)
		log_msg(LOG_ERR, "%s: fsync of its directory: %s", path, strerror(errno));
	return 0;
fail:
	unlink(tmp);
	errno = saved;
	return -1;
}
