/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* startcheck.c - what a start needs, checked once for `lchatd -n` and for
 * the start itself (startcheck.h); the directories made for the daemon's
 * user, and the privilege drop. */
#include "startcheck.h"

#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cut.h"
#include "sockets.h"
#include "wall.h"

int group_lookup(const char *name, gid_t *gid)
{
	struct group gr, *res = NULL;
	size_t size = 16384;
	char *buf = NULL;
	int rc;

	/* A group with many members needs a larger buffer: ERANGE. */
	do {
		char *more = realloc(buf, size);
		if (!more)
			break;
		buf = more;
		rc = getgrnam_r(name, &gr, buf, size, &res);
		size *= 2;
	} while (rc == ERANGE && size <= 16 * 1024 * 1024);
	if (res)
		*gid = res->gr_gid;
	free(buf);
	return res ? 0 : -1;
}

static int user_lookup(const char *name, uid_t *uid, gid_t *gid)
{
	struct passwd pw, *res = NULL;
	char buf[16384];

	if (getpwnam_r(name, &pw, buf, sizeof(buf), &res) != 0 || !res)
		return -1;
	*uid = res->pw_uid;
	*gid = res->pw_gid;
	return 0;
}

/* May the plan's user create entries in the existing directory dir? */
static bool writable_by(const char *dir, const struct start_plan *p)
{
	struct stat st;

	if (!p->drop)
		return access(dir, W_OK | X_OK) == 0;
	if (stat(dir, &st) < 0)
		return false;
	if (p->uid == 0)
		return true;
	mode_t need = st.st_uid == p->uid ? S_IWUSR | S_IXUSR
		    : st.st_gid == p->gid ? S_IWGRP | S_IXGRP : S_IWOTH | S_IXOTH;
	return (st.st_mode & need) == need;
}

static int check_one(const char *dir, const struct start_plan *p,
		     char *err, size_t errlen)
{
	char parent[PATH_MAX];
	int r = dir_check(dir, p->uid, err, errlen);

	if (r < 0)
		return -1;
	if (r == 0) {
		if (!writable_by(dir, p)) {
			text_printf(err, errlen, "%s: not writable by uid %u (the user lchatd runs as)",
				 dir, (unsigned)p->uid);
			return -1;
		}
		return 0;
	}
	/* Missing: made at start by this process (root, or the user). */
	text_copy_str(parent, sizeof(parent), dir);
	const char *up = dirname(parent);
	if (access(up, W_OK | X_OK) < 0) {
		text_printf(err, errlen, "%s: missing, and cannot be created in %s: %s",
			 dir, up, strerror(errno));
		return -1;
	}
	return 0;
}

static void dir_of(const char *path, char *out, size_t len)
{
	char copy[PATH_MAX];

	text_copy_str(copy, sizeof(copy), path);
	text_copy_str(out, len, dirname(copy));
}

int start_check(const struct lchat_config *cfg, struct start_plan *p, char *err, size_t errlen)
{
	char dir[PATH_MAX];

	memset(p, 0, sizeof(*p));
	if (group_lookup(cfg->admin_group, &p->admin_gid) < 0) {
		text_printf(err, errlen, "%s: admin_group: no such group '%s'", cfg->path ? cfg->path : "config",
			 cfg->admin_group);
		return -1;
	}
	p->drop = geteuid() == 0;
	if (p->drop) {
		if (user_lookup(cfg->user, &p->uid, &p->gid) < 0) {
			text_printf(err, errlen, "%s: user: no such user '%s'",
				 cfg->path ? cfg->path : "config", cfg->user);
			return -1;
		}
	} else {
		p->uid = geteuid();
		p->gid = getegid();
		/* The control socket is given to admin_group at each start,
		 * which only a member may do (systemd: SupplementaryGroups=). */
		gid_t groups[NGROUPS_MAX];
		int n = getgroups(NGROUPS_MAX, groups);
		bool member = p->uid == 0 || p->gid == p->admin_gid;
		for (int i = 0; i < n && !member; i++)
			member = groups[i] == p->admin_gid;
		if (!member) {
			text_printf(err, errlen, "%s: admin_group: uid %u is not a member of '%s', so "
				 "the control socket cannot be given to it",
				 cfg->path ? cfg->path : "config", (unsigned)p->uid, cfg->admin_group);
			return -1;
		}
	}
	if (check_one(cfg->state_dir, p, err, errlen) < 0)
		return -1;
	dir_of(cfg->socket, dir, sizeof(dir));
	if (check_one(dir, p, err, errlen) < 0)
		return -1;
	dir_of(cfg->control_socket, dir, sizeof(dir));
	if (check_one(dir, p, err, errlen) < 0)
		return -1;
	if (cfg->irc_socket[0]) {
		dir_of(cfg->irc_socket, dir, sizeof(dir));
		if (check_one(dir, p, err, errlen) < 0)
			return -1;
	}
	/* Every notice to the terminals too: refused at start if it cannot be
	 * done, rather than at each notice. */
	gid_t tty_gid;
	char why[200];
	if (cfg->notice_wall && !wall_possible(p, &tty_gid, why, sizeof(why))) {
		text_printf(err, errlen, "%s: notice_wall = true, but %s",
			    cfg->path ? cfg->path : "config", why);
		return -1;
	}
	return 0;
}

static int make_for(const char *dir, mode_t mode, const struct start_plan *p,
		    char *err, size_t errlen)
{
	if (mkdir(dir, mode) < 0) {
		if (errno == EEXIST)
			return 0;
		text_printf(err, errlen, "%s: cannot create: %s", dir, strerror(errno));
		return -1;
	}
	if (chmod(dir, mode) < 0 || chown(dir, p->uid, p->gid) < 0) {
		text_printf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

int start_make_dirs(const struct lchat_config *cfg, const struct start_plan *p,
		    char *err, size_t errlen)
{
	char dir[PATH_MAX];

	if (!p->drop)
		return 0;
	if (make_for(cfg->state_dir, 0750, p, err, errlen) < 0)
		return -1;
	dir_of(cfg->socket, dir, sizeof(dir));
	if (make_for(dir, 0755, p, err, errlen) < 0)
		return -1;
	dir_of(cfg->control_socket, dir, sizeof(dir));
	if (make_for(dir, 0755, p, err, errlen) < 0)
		return -1;
	if (!cfg->irc_socket[0])
		return 0;
	dir_of(cfg->irc_socket, dir, sizeof(dir));
	return make_for(dir, 0755, p, err, errlen);
}

int priv_drop(const struct start_plan *p, char *err, size_t errlen)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	if (!p->drop)
		return 0;
	if (setgroups(1, &p->admin_gid) < 0 || setresgid(p->gid, p->gid, p->gid) < 0 ||
	    setresuid(p->uid, p->uid, p->uid) < 0) {
		text_printf(err, errlen, "dropping to uid %u gid %u: %s", (unsigned)p->uid,
			 (unsigned)p->gid, strerror(errno));
		return -1;
	}
	if (getresuid(&r, &e, &s) < 0 || getresgid(&rg, &eg, &sg) < 0 ||
	    r != p->uid || e != p->uid || s != p->uid ||
	    rg != p->gid || eg != p->gid || sg != p->gid ||
	    (p->uid != 0 && setuid(0) == 0)) {
		text_printf(err, errlen, "dropping to uid %u gid %u did not hold", (unsigned)p->uid,
			 (unsigned)p->gid);
		return -1;
	}
	return 0;
}
