/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* wall.c - the wall process (wall.h): forked by the supervisor while it is
 * still root, it keeps only what writing to terminals needs (the group
 * tty) and serves the daemon's requests: read the login records, pick the
 * terminals (not of users in the chat, only of members of the group asked
 * for, not closed with `mesg n`) and write the notice to them
 * (ttywrite.c). It never reads a client's bytes: the text it writes was
 * checked by the daemon and is sanitized again here. */
#include "wall.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <utmpx.h>

#include "cut.h"
#include "log.h"
#include "proctitle.h"
#include "sandbox.h"
#include "sysfilter.h"
#include "ttywrite.h"
#include "wallreq.h"

#define TTY_GROUP "tty"

static char unavailable[200] = "lchatd cannot write to terminals";

const char *wall_unavailable(void)
{
	return unavailable;
}

void wall_set_unavailable(const char *why)
{
	text_copy_str(unavailable, sizeof(unavailable), why);
}

bool wall_possible(const struct start_plan *p, gid_t *tty_gid, char *why, size_t whylen)
{
	if (group_lookup(TTY_GROUP, tty_gid) < 0) {
		text_printf(why, whylen, "lchatd cannot write to terminals: this system has no group "
			    TTY_GROUP);
		return false;
	}
	if (p->drop)
		return true;
	gid_t groups[NGROUPS_MAX];
	int n = getgroups(NGROUPS_MAX, groups);
	bool member = getegid() == *tty_gid;
	for (int i = 0; i < n && !member; i++)
		member = groups[i] == *tty_gid;
	if (!member)
		text_printf(why, whylen, "lchatd cannot write to terminals: it was not started as "
			    "root and is not in group " TTY_GROUP);
	return member;
}

/* Is the login of uid a member of the group gid (its primary group, or
 * listed in the group)? */
static bool in_group(const struct passwd *pw, gid_t gid)
{
	gid_t some[64], *groups = some;
	int n = 64;
	bool member = pw->pw_gid == gid;

	if (!member && getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0 && n > 64 &&
	    (groups = malloc((size_t)n * sizeof(gid_t))) != NULL)
		getgrouplist(pw->pw_name, pw->pw_gid, groups, &n);
	for (int i = 0; !member && groups && i < n; i++)
		member = groups[i] == gid;
	if (groups != some)
		free(groups);
	return member;
}

static bool uid_in(uid_t uid, const struct wall_request *r)
{
	for (uint32_t i = 0; i < r->nuids; i++)
		if (r->uids[i] == uid)
			return true;
	return false;
}

/* Pick the terminals of the login records (utmpx, its standard path). */
static void pick_terminals(const struct wall_request *r, bool limited, gid_t gid,
			   struct tty_set *t, struct wall_counts *n)
{
	struct utmpx *u;
	char user[sizeof(u->ut_user) + 1], line[sizeof(u->ut_line) + 1], buf[16384];

	setutxent();
	while ((u = getutxent()) != NULL) {
		if (u->ut_type != USER_PROCESS)
			continue;
		text_copy(user, sizeof(user), u->ut_user, strnlen(u->ut_user, sizeof(u->ut_user)));
		text_copy(line, sizeof(line), u->ut_line, strnlen(u->ut_line, sizeof(u->ut_line)));
		struct passwd pw, *pwp = NULL;
		if (getpwnam_r(user, &pw, buf, sizeof(buf), &pwp) != 0 || !pwp)
			continue;   /* no such user (any more): not ours to write to */
		if (limited && !in_group(pwp, gid))
			continue;
		if (uid_in(pwp->pw_uid, r)) {
			n->in_chat++;
			continue;
		}
		tty_set_add(t, line, n);
	}
	endutxent();
}

static void serve(const struct wall_request *r, struct wall_answer *a)
{
	gid_t gid = 0;
	bool limited = r->group[0] != '\0';

	memset(a, 0, sizeof(*a));
	a->id = r->id;
	if (limited && group_lookup(r->group, &gid) < 0) {
		a->status = WALL_NO_GROUP;
		return;
	}
	size_t len;
	char *msg = tty_notice(r->by, r->text, r->text_len, &len);
	struct tty_set *t = tty_set_new();
	if (!msg || !t) {
		a->status = WALL_ERROR;
	} else {
		pick_terminals(r, limited, gid, t, &a->n);
		tty_set_write(t, msg, len, &a->n);
		a->status = WALL_DONE;
	}
	tty_set_free(t);
	free(msg);
}

/* Keep the socketpair (made 3) and stdin/out/err; become `user` with the
 * group tty only (started as root), give up every capability. Exits on
 * any failure: a wall process that could not drop must not run. */
static void isolate(int *sock, const struct start_plan *p, gid_t tty_gid, pid_t parent)
{
	sigset_t none;

	/* Its own session: a ^C meant for a foreground lchatd ends it only
	 * through the supervisor. SIGTERM (and its parent's death) end it. */
	sigemptyset(&none);
	if (setsid() < 0 || signal(SIGINT, SIG_IGN) == SIG_ERR || signal(SIGHUP, SIG_IGN) == SIG_ERR ||
	    signal(SIGUSR1, SIG_IGN) == SIG_ERR || signal(SIGUSR2, SIG_IGN) == SIG_ERR ||
	    sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		_exit(1);
	log_close();
	if ((*sock != 3 && dup3(*sock, 3, O_CLOEXEC) < 0) || close_range(4, ~0U, 0) < 0)
		_exit(1);
	*sock = 3;
	log_reopen();
	if (p->drop) {
		uid_t ru, eu, su;
		gid_t rg, eg, sg, groups[2];
		if (setgroups(1, &tty_gid) < 0 || setresgid(p->gid, p->gid, p->gid) < 0 ||
		    setresuid(p->uid, p->uid, p->uid) < 0 ||
		    getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0 ||
		    ru != p->uid || eu != p->uid || su != p->uid ||
		    rg != p->gid || eg != p->gid || sg != p->gid ||
		    getgroups(2, groups) != 1 || groups[0] != tty_gid) {
			log_msg(LOG_ERR, "wall: dropping to uid %u gid %u, group %s: %s",
				(unsigned)p->uid, (unsigned)p->gid, TTY_GROUP, strerror(errno));
			_exit(1);
		}
	}
	/* After the drop: a change of credentials clears it. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent || sandbox_enter() < 0 ||
	    chdir("/") < 0)
		_exit(1);
}

static void wall_main(int sock, const struct start_plan *p, gid_t tty_gid, pid_t parent)
{
	char err[256];

	isolate(&sock, p, tty_gid, parent);
	proctitle_set("lchatd: wall");
	void *buf = malloc(WALL_REQ_BUF);
	if (!buf)
		_exit(1);
	if (sysfilter_load(SANDBOX_WALL, err, sizeof(err)) < 0) {
		log_msg(LOG_ERR, "wall: %s", err);
		_exit(1);
	}
	for (;;) {
		struct wall_request r;
		struct wall_answer a;
		int rc = wallreq_recv(sock, buf, WALL_REQ_BUF, &r);
		if (rc == 0)
			break;   /* lchatd is stopping */
		if (rc < 0) {
			if (errno == EBADMSG)
				continue;
			log_msg(LOG_ERR, "wall: reading a request: %s", strerror(errno));
			_exit(1);
		}
		serve(&r, &a);
		log_msg(LOG_INFO, "wall: notice by %s: %u terminals written, %u mesg n, %u in the "
			"chat, %u timed out, %u failed", r.by, a.n.written, a.n.mesg_n, a.n.in_chat,
			a.n.timed_out, a.n.failed);
		if (wallans_send(sock, &a) < 0 && errno != EPIPE && errno != ECONNRESET)
			log_msg(LOG_WARNING, "wall: answering: %s", strerror(errno));
	}
	free(buf);
	exit(0);
}

pid_t wall_spawn(const struct start_plan *p, int *fd, char *err, size_t errlen)
{
	gid_t tty_gid;
	int sv[2];

	*fd = -1;
	if (!wall_possible(p, &tty_gid, unavailable, sizeof(unavailable)))
		return 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		text_printf(err, errlen, "socketpair: %s", strerror(errno));
		return -1;
	}
	pid_t parent = getpid(), pid = fork();
	if (pid < 0) {
		text_printf(err, errlen, "starting the wall process: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		wall_main(sv[1], p, tty_gid, parent);
	}
	close(sv[1]);
	*fd = sv[0];
	text_copy_str(unavailable, sizeof(unavailable),
		      "lchatd cannot write to terminals: its wall process has stopped");
	return pid;
}
