/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* disk_full.c - LD_PRELOAD shim for end-to-end tests: while the file named
 * by LCHAT_TEST_DISK_FULL exists, fsync() of a regular file fails with
 * ENOSPC, as it does on a full file system that allocates blocks late
 * (delayed allocation, NFS, thin storage). stdio's own write() calls are
 * not interposable, fsync() is: lchatd's sanctions file is written with
 * stdio and then fsync'ed. Directories and sockets are left alone. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int fsync(int fd)
{
	const char *flag = getenv("LCHAT_TEST_DISK_FULL");
	struct stat st;

	if (flag && access(flag, F_OK) == 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		errno = ENOSPC;
		return -1;
	}
	return (int)syscall(SYS_fsync, fd);
}
