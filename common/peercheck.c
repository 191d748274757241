/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* peercheck.c - the clients' check of the server's credentials (see
 * peercheck.h). */
#include "peercheck.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "cut.h"

void peer_trust_init(struct peer_trust *t, const char *user)
{
	struct passwd *pw;

	memset(t, 0, sizeof(*t));
	t->self = getuid();
	if (!user || !user[0])
		return;
	text_copy_str(t->user, sizeof(t->user), user);
	errno = 0;
	pw = getpwnam(user);	/* not found, or no answer: not trusted */
	if (pw) {
		t->daemon = pw->pw_uid;
		t->daemon_known = true;
	}
}

void peer_trust_load(struct peer_trust *t, const char *conf_path)
{
	struct lchat_config cfg;
	char err[512];

	/* On failure cfg holds the defaults (or zeroes: then no user). */
	(void)config_load_sockets(conf_path, &cfg, err, sizeof(err));
	peer_trust_init(t, cfg.user);
	config_free(&cfg);
}

static bool trusted(const struct peer_trust *t, uid_t uid)
{
	return uid == 0 || uid == t->self || (t->daemon_known && uid == t->daemon);
}

/* "root, the daemon's user _lchat (uid 105) or you (uid 1000)" */
static void expected(const struct peer_trust *t, char *buf, size_t len)
{
	char daemon[PEER_USER_MAX + 64] = "";

	if (t->daemon_known)
		text_printf(daemon, sizeof(daemon), ", the daemon's user %s (uid %u)", t->user,
			    (unsigned)t->daemon);
	else if (t->user[0])
		text_printf(daemon, sizeof(daemon), ", the daemon's user %s (no such user here)",
			    t->user);
	text_printf(buf, len, "root%s or you (uid %u)", daemon, (unsigned)t->self);
}

int peer_check(int fd, const char *sock_path, const struct peer_trust *t, char *err,
	       size_t errlen)
{
	char want[PEER_USER_MAX + 128], copy[PATH_MAX];
	struct ucred cred;
	socklen_t len = sizeof(cred);
	const char *dir;
	struct stat st;

	expected(t, want, sizeof(want));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || len != sizeof(cred)) {
		text_printf(err, errlen, "refusing the server at %s: cannot learn who it is: %s",
			    sock_path, len != sizeof(cred) ? "short SO_PEERCRED" : strerror(errno));
		return -1;
	}
	if (!trusted(t, cred.uid)) {
		text_printf(err, errlen, "refusing the server at %s: it runs as uid %u, not as %s; "
			    "it is not lchatd", sock_path, (unsigned)cred.uid, want);
		return -1;
	}
	text_copy_str(copy, sizeof(copy), sock_path);
	dir = dirname(copy);
	if (stat(dir, &st) < 0) {
		text_printf(err, errlen, "refusing the server at %s: %s: %s", sock_path, dir,
			    strerror(errno));
		return -1;
	}
	if (!trusted(t, st.st_uid)) {
		text_printf(err, errlen, "refusing the server at %s: its directory %s is owned by "
			    "uid %u, not by %s", sock_path, dir, (unsigned)st.st_uid, want);
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		text_printf(err, errlen, "refusing the server at %s: its directory %s is writable "
			    "by group or others (mode %04o): anyone could have put the socket there",
			    sock_path, dir, (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}
