/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* sockets.c - socket directory checks, stale socket detection, listening. */
#include "sockets.h"

#include "irc.h"

#include "cut.h"
#include "lines.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lines.h"
#include "util.h"

/* A directory we keep things in: a real directory, uid's or root's, and
 * writable by nobody else. The socket directory too, sticky bit or not: in
 * a directory others may write to (/tmp), anybody can bind the socket path
 * while lchatd is down, and the clients would talk to them (issue 16 item
 * 12; the clients check the same, common/peercheck.c). */
static int check_dir(const char *dir, const struct stat *st, uid_t uid, char *err, size_t errlen)
{
	if (!S_ISDIR(st->st_mode)) {
		text_printf(err, errlen, "%s: not a directory (a symlink or file is in the way)", dir);
		return -1;
	}
	if (st->st_uid != uid && st->st_uid != 0) {
		text_printf(err, errlen, "%s: owned by uid %u, not by us or root; refusing to use it",
			 dir, (unsigned)st->st_uid);
		return -1;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		text_printf(err, errlen, "%s: writable by group or others (mode %04o%s); "
			    "refusing to use it", dir, (unsigned)(st->st_mode & 07777),
			    (st->st_mode & S_ISVTX) ? ", the sticky bit does not help: anyone "
			    "could bind the socket path while lchatd is down" : "");
		return -1;
	}
	return 0;
}

static int make_dir(const char *dir, mode_t mode, char *err, size_t errlen)
{
	struct stat st;

	if (mkdir(dir, mode) == 0) {
		/* mkdir applies the umask; set the mode we mean. */
		if (chmod(dir, mode) < 0) {
			text_printf(err, errlen, "%s: chmod: %s", dir, strerror(errno));
			return -1;
		}
		return 0;
	}
	if (errno != EEXIST) {
		text_printf(err, errlen, "%s: cannot create: %s", dir, strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) < 0) {
		text_printf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	return check_dir(dir, &st, geteuid(), err, errlen);
}

int dir_check(const char *dir, uid_t uid, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(dir, &st) < 0) {
		if (errno == ENOENT)
			return 1;
		text_printf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	return check_dir(dir, &st, uid, err, errlen);
}

/* The directory part of a socket path, in buf. */
static char *socket_dir(const char *path, char *buf, size_t len)
{
	text_printf(buf, len, "%s", path);
	return dirname(buf);
}

int socket_dir_prepare(const char *path, char *err, size_t errlen)
{
	char copy[PATH_MAX];

	return make_dir(socket_dir(path, copy, sizeof(copy)), 0755, err, errlen);
}

int private_dir_prepare(const char *dir, mode_t mode, char *err, size_t errlen)
{
	return make_dir(dir, mode, err, errlen);
}

/* Is something listening at path? 1 yes, 0 no (stale), -1 not a socket. */
static int socket_alive(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		text_printf(err, errlen, "%s: exists and is not a socket; refusing to replace it", path);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		text_printf(err, errlen, "%s: socket owned by uid %u, not by us; refusing to replace it",
			 path, (unsigned)st.st_uid);
		return -1;
	}
	int fd = unix_connect(path);
	if (fd >= 0) {
		close(fd);
		text_printf(err, errlen, "%s: another lchatd is already listening here", path);
		return 1;
	}
	return 0;
}

int socket_listen(const char *path, mode_t mode, gid_t gid, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		text_printf(err, errlen, "%s: socket path too long", path);
		return -1;
	}
	int alive = socket_alive(path, err, errlen);
	if (alive != 0)
		return -1;
	if (unlink(path) < 0 && errno != ENOENT) {
		text_printf(err, errlen, "%s: cannot remove stale socket: %s", path, strerror(errno));
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		text_printf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	/* Bind with a restrictive umask, then open up to `mode`: nobody can
	 * connect before the permissions are right. */
	mode_t old = umask(0177);
	int rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	int bind_errno = errno;
	umask(old);
	if (rc < 0) {
		text_printf(err, errlen, "%s: bind: %s", path, strerror(bind_errno));
		close(fd);
		return -1;
	}
	if ((gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) < 0) || chmod(path, mode) < 0) {
		text_printf(err, errlen, "%s: setting owner/mode: %s", path, strerror(errno));
		unlink(path);
		close(fd);
		return -1;
	}
	if (listen(fd, SOMAXCONN) < 0) {
		text_printf(err, errlen, "%s: listen: %s", path, strerror(errno));
		unlink(path);
		close(fd);
		return -1;
	}
	return fd;
}

void socket_refuse(int fd, enum reply_code code, const char *text)
{
	socket_refuse_as(fd, false, code, text);
}

void socket_refuse_as(int fd, bool irc, enum reply_code code, const char *text)
{
	char line[512];
	size_t n = irc ? irc_error_format(line, sizeof(line), code, text)
		       : line_bye_format(line, sizeof(line), code, text);
	ssize_t w = send(fd, line, n, MSG_DONTWAIT | MSG_NOSIGNAL);

	(void)w;    /* a peer that cannot take one line loses only the reason */
	close(fd);
}

int socket_accept(int listen_fd, int *spare_fd)
{
	return socket_accept_as(listen_fd, spare_fd, false);
}

int socket_accept_as(int listen_fd, int *spare_fd, bool irc)
{
	for (;;) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd >= 0)
			return fd;
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EWOULDBLOCK)
			errno = EAGAIN;
		if ((errno != EMFILE && errno != ENFILE) || *spare_fd < 0)
			return -1;
		close(*spare_fd);
		fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			socket_refuse_as(fd, irc, CODE_UNAVAILABLE,
					 "the server is out of file descriptors");
		*spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		errno = EMFILE;
		return -1;
	}
}

/* All the peer's supplementary groups into *groups (some, or an array
 * allocated if they do not fit there: free it if it is not some).
 * Returns how many, or -1. */
static int peer_groups(int fd, gid_t *some, size_t cap, gid_t **groups)
{
	socklen_t len = (socklen_t)(cap * sizeof(gid_t));

	*groups = some;
	int rc = getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, some, &len);
	if (rc < 0 && errno == ERANGE && (*groups = malloc(len)) != NULL)
		rc = getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, *groups, &len);
	if (!*groups)
		*groups = some;
	return rc < 0 ? -1 : (int)(len / sizeof(gid_t));
}

bool socket_peer_in_group(int fd, const struct ucred *cred, gid_t gid)
{
	if (cred->gid == gid)
		return true;
	gid_t some[256], *groups;
	int n = peer_groups(fd, some, 256, &groups);
	bool member = false;
	for (int i = 0; i < n; i++)
		member |= groups[i] == gid;
	if (groups != some)
		free(groups);
	return member;
}

int socket_peer_groups(int fd, gid_t *out, size_t cap)
{
	gid_t some[256], *groups;
	int n = peer_groups(fd, some, 256, &groups);
	if (n > (int)cap)
		n = (int)cap;
	if (n > 0)
		memcpy(out, groups, (size_t)n * sizeof(gid_t));
	if (groups != some)
		free(groups);
	return n;
}
