/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* daemon.c - the daemon: owns both sockets and the room, forks the fan-out
 * writer and one handler per connection, reaps them, serves the control
 * socket.
 *
 * One poll loop over the user socket, the control socket (and its
 * connections), the writer's socketpair and a signalfd for SIGCHLD,
 * SIGTERM, SIGINT and SIGHUP. The daemon never relays messages: handlers
 * append to the room, and the writer sends the room to the clients. Each
 * accepted connection goes to a new handler (which reads it) and to the
 * writer (which writes it); a slot is reused only once both are done.
 *
 * If the writer dies, the daemon exits and the supervisor starts it again.
 * A writer killed between a send() and noting it cannot be told what that
 * send delivered, so it cannot be replaced without risking a line lost or
 * sent twice; the clients can: they reconnect and resume from the last
 * sequence number they saw, which is exact. */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "accounts.h"
#include "conns.h"
#include "ownmem.h"
#include "control.h"
#include "cut.h"
#include "fanout.h"
#include "handler.h"
#include "log.h"
#include "moderation.h"
#include "names.h"
#include "outq.h"
#include "proctitle.h"
#include "readiness.h"
#include "startcheck.h"
#include "reply.h"
#include "room.h"
#include "roomdefs.h"
#include "prefs.h"
#include "sanctions.h"
#include "sysfilter.h"
#include "sanitize.h"
#include "sockets.h"
#include "util.h"
#include "version.h"
#include "waitbox.h"
#include "wake.h"

/* Connections accepted per loop turn, so signals and control stay served. */
#define ACCEPT_BATCH 64
/* How long handlers get to say goodbye at shutdown. */
#define SHUTDOWN_GRACE_MS 3000

struct daemon {
	struct lchat_config *cfg;
	struct room room;
	struct sanctions sanctions;
	struct waitbox wait;     /* messages that wait (waitbox.h) */
	int64_t next_sweep_ms;   /* expire waiting messages, scrub private text */
	struct prefs prefs;      /* the users' preferences (prefs.h) */
	gid_t admin_gid;         /* admin_group's: its members' PRIV pass MESG n */
	struct control *control;
	int listen_fd;
	int irc_fd;              /* the IRC socket (irc_socket), or -1 */
	int sigfd;
	int reserve_fd;          /* spare descriptor for EMFILE at accept */
	pid_t *slot_pid;         /* each slot's handler; 0: free; -1: the
				  * handler is gone, the writer not done yet */
	struct conns *conns;     /* free slots, connections per uid (conns.h) */
	struct handler_mem hmem; /* every handler's buffers (handler.h) */
	int fanout_sock;         /* the writer's socketpair */
	pid_t fanout_pid;
	bool fanout_died;
	uint32_t handlers;
	bool stopping;
	bool stop_requested;     /* SHUTDOWN from the control socket */
	char *shutdown_msg;      /* its message, or NULL */
	pid_t self;
	int64_t started_ms;      /* this daemon, wall clock */
	int64_t lchatd_started_ms; /* the supervisor, wall clock */
	unsigned restarts;
	unsigned reloads;
	int64_t last_error_log;
	int64_t last_limit_log;  /* refusals by the limits, logged once a second */
};

/* Tell the supervisor why we could not start, and log it. */
static void report(int ready_fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void report(int ready_fd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	text_vprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	readiness_fail(ready_fd, msg);
}

/* What a child of the daemon keeps of d, on its own stack, before it
 * unmaps d with the daemon's tables (ownmem.h): the room and the waiting
 * store it uses, and the daemon's heap blocks that only d pointed to, so
 * that LeakSanitizer still finds them reachable when a child exits (not
 * the whole of d: its two 4 KiB paths would cost every handler a page). */
struct inherited {
	struct room room;
	struct waitbox wait;
	const void *roots[4];
};

/* Make the compiler store all of x (roots included: nothing reads them). */
#define KEEP(x) __asm__ volatile("" : : "r"(&(x)) : "memory")

static struct inherited inherit(const struct daemon *d)
{
	struct inherited own = {
		.room = d->room, .wait = d->wait,
		.roots = { d->control, d->sanctions.v, d->prefs.v, d->shutdown_msg },
	};
	own.room.ring_mapped = 0;   /* fork() copied no page of the ring's */
	return own;
}

/* ---- accepting users ------------------------------------------------- */

static int free_slot(struct daemon *d)
{
	return conns_free_slot(d->conns);
}

/* The limits on connections: a refusal (its BYE code and text), or
 * CODE_OK. */
static enum reply_code over_limits(struct daemon *d, const struct ucred *cred, const char **text)
{
	struct conn_counts c;

	conns_count(d->conns, &d->room, cred->uid, d->cfg->max_unjoined_per_uid,
		    d->cfg->max_unjoined, &c);
	if (c.of_uid >= d->cfg->max_users_per_uid) {
		log_limited(&d->last_limit_log, LOG_NOTICE, "uid %u refused: %ld connections already",
			    (unsigned)cred->uid, c.of_uid);
		*text = "you have too many connections open already";
		return CODE_TOO_MANY_CONNECTIONS;
	}
	/* Connections that never JOIN each hold a slot and a process:
	 * one uid may not hold many, nor all uids together. */
	if (c.unjoined_of_uid >= d->cfg->max_unjoined_per_uid) {
		log_limited(&d->last_limit_log, LOG_NOTICE,
			    "uid %u refused: %ld connections not joined yet",
			    (unsigned)cred->uid, c.unjoined_of_uid);
		*text = "you have too many connections that have not joined yet";
		return CODE_TOO_MANY_UNJOINED;
	}
	if (c.unjoined >= d->cfg->max_unjoined) {
		log_limited(&d->last_limit_log, LOG_NOTICE,
			    "uid %u refused: %ld connections not joined yet in all",
			    (unsigned)cred->uid, c.unjoined);
		*text = "too many connections are joining right now; try again in a moment";
		return CODE_BUSY;
	}
	return CODE_OK;
}

/* A connection accepted on the user socket, or on the IRC socket (irc):
 * the same checks, limits, handler and hand-over to the writer; the slot
 * says which protocol the handler and the writer speak. */
static void start_handler(struct daemon *d, int fd, const struct ucred *cred, bool irc)
{
	int slot = free_slot(d);

	if (slot < 0) {
		socket_refuse_as(fd, irc, CODE_FULL, "the room is full; try again later");
		return;
	}
	int64_t now = now_ms();
	const struct sanction *ban = sanctions_find(&d->sanctions, SANCTION_BAN, cred->uid, now);
	if (ban) {
		char why[256], text[200];
		moderation_describe(ban, now, text, sizeof(text));
		text_printf(why, sizeof(why), "you are banned from the room %s", text);
		log_limited(&d->last_error_log, LOG_NOTICE, "uid %u (%s) refused: banned",
			    (unsigned)cred->uid, ban->login);
		socket_refuse_as(fd, irc, CODE_BANNED, why);
		return;
	}
	const char *text;
	enum reply_code code = over_limits(d, cred, &text);
	if (code != CODE_OK) {
		socket_refuse_as(fd, irc, code, text);
		return;
	}
	struct room_slot *s = room_slot(&d->room, (uint32_t)slot);
	/* Preferences a handler changed are copied first: the claim may
	 * recycle their entry. Then the uid's entry has its own. */
	prefs_sync(&d->prefs, &d->room);
	room_slot_claim(&d->room, (uint32_t)slot, cred->uid);
	prefs_fill(&d->prefs, &d->room, s->user1 - 1);
	atomic_store(&s->admin, cred->uid == 0 || socket_peer_in_group(fd, cred, d->admin_gid));
	atomic_store(&s->irc, irc ? 1 : 0);
	/* The groups a room may require (room_def_allows_locked), kept for
	 * every ENTER and for a reload to check again. */
	gid_t groups[ROOM_GROUPS_MAX];
	int ng = socket_peer_groups(fd, groups, ROOM_GROUPS_MAX);
	s->gid = cred->gid;
	s->ngroups = ng > 0 ? (uint32_t)ng : 0;
	for (uint32_t g = 0; g < s->ngroups; g++)
		s->groups[g] = groups[g];
	conns_add(d->conns, (uint32_t)slot, cred->uid);
	outq_reset(&d->room.outq[slot]);
	moderation_init_slot(s, &d->sanctions, now);

	pid_t pid = fork();
	if (pid < 0) {
		room_slot_release(&d->room, (uint32_t)slot);
		conns_closed(d->conns, (uint32_t)slot);
		conns_freed(d->conns, (uint32_t)slot);
		log_limited(&d->last_error_log, LOG_ERR, "fork: %s; refusing connections", strerror(errno));
		socket_refuse_as(fd, irc, CODE_UNAVAILABLE, "the server cannot take more users right now");
		return;
	}
	if (pid == 0) {
		struct inherited own = inherit(d);
		KEEP(own);
		struct handler_args a = {
			.room = &own.room, .cfg = d->cfg, .fd = fd, .slot = (uint32_t)slot,
			.uid = cred->uid, .daemon_pid = d->self, .notify_fd = own.room.notify_fd,
			.wait = &own.wait, .mem = d->hmem,
		};
		ownmem_drop_all();
		handler_main(&a);
	}
	if (fanout_add(d->fanout_sock, (uint32_t)slot, s->gen, fd) < 0)
		log_limited(&d->last_error_log, LOG_ERR, "handing a connection to the writer: %s",
			    strerror(errno));
	close(fd);
	d->slot_pid[slot] = pid;
	atomic_store(&s->pid, pid);
	d->handlers++;
}

/* The accounts table (accounts.h): read here, before any handler is
 * forked, so that handlers share it instead of each asking the name
 * service. It is read again at each reload and, before the next handler
 * is forked, when /etc/passwd has changed; accounts of other databases
 * made later count for look-alikes from the next reload (exact logins
 * always count). */
static void load_accounts(const char *when)
{
	long n = accounts_load();

	if (n < 0)
		log_msg(LOG_WARNING, "%s: out of memory reading the accounts; logins are "
			"asked of the name service, look-alike logins are not checked", when);
	else
		log_msg(LOG_INFO, "%s: %ld accounts read", when, n);
}

static void accept_users(struct daemon *d, int listen_fd, bool irc)
{
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		int fd = socket_accept_as(listen_fd, &d->reserve_fd, irc);
		if (fd < 0) {
			if (errno == EMFILE) {
				log_limited(&d->last_error_log, LOG_ERR, "accept: out of file descriptors; refusing connections");
				continue;
			}
			if (errno != EAGAIN)
				log_msg(LOG_WARNING, "accept: %s", strerror(errno));
			return;
		}
		struct ucred cred;
		socklen_t len = sizeof(cred);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
			close(fd);
			continue;
		}
		/* A renamed account must not keep its old login (nor may
		 * its old login stay its own) in handlers forked from now. */
		if (accounts_stale())
			load_accounts("/etc/passwd changed");
		start_handler(d, fd, &cred, irc);
	}
}

/* ---- reaping --------------------------------------------------------- */

static int slot_of_pid(struct daemon *d, pid_t pid)
{
	ROOM_FOREACH_SLOT(&d->room, i)
		if (d->slot_pid[i] == pid)
			return (int)i;
	return -1;
}

/* Free a dead handler's slot. A member that had not left is announced as
 * lost. Runs under the room lock and before the pid is reaped: writers
 * signal only under the lock, so none can signal the pid once it may be
 * recycled. */
static void release_slot(struct daemon *d, uint32_t i)
{
	struct room_slot *s = room_slot(&d->room, i);

	room_lock(&d->room);
	bool lost = room_slot_release(&d->room, i) == SLOT_JOINED && !d->stopping;
	if (lost) {
		/* Its own LEAVE: the writer sends it to the others only. */
		struct room_event ev = {
			.kind = EV_LEAVE, .origin = i + 1, .name = s->name, .login = s->login,
			.reason = LEAVE_LOST,
		};
		room_append_locked(&d->room, &ev);
	}
	room_unlock(&d->room);
	if (lost)
		wake_writer(&d->room);
	conns_closed(d->conns, i);
	/* The slot is free once the writer has closed the connection too. */
	if (!d->fanout_died && fanout_release(d->fanout_sock, i, s->gen) == 0) {
		d->slot_pid[i] = -1;
	} else {
		d->slot_pid[i] = 0;
		conns_freed(d->conns, i);
	}
}

/* The writer is done with slots the daemon released. */
static void take_released(struct daemon *d)
{
	uint32_t slot, gen;
	int rc;

	while ((rc = fanout_read_released(d->fanout_sock, &slot, &gen)) == 1)
		if (slot < d->room.max_users && d->slot_pid[slot] == -1 &&
		    room_slot(&d->room, slot)->gen == gen) {
			d->slot_pid[slot] = 0;
			conns_freed(d->conns, slot);
		}
}

/* How a child that did not exit died, for the log. SIGSYS is the
 * seccomp filter's (sysfilter.c): the kernel's log names the call. */
static const char *killed_by(const siginfo_t *si, char *buf, size_t len)
{
	if (si->si_status == SIGSYS)
		return "killed by its sandbox (SIGSYS: a system call outside its "
		       "seccomp allow-list; the kernel log names it)";
	text_printf(buf, len, "killed by signal %d", si->si_status);
	return buf;
}

static void reap_children(struct daemon *d)
{
	for (;;) {
		siginfo_t si;
		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0) {
			if (errno == EINTR)
				continue;
			return;    /* ECHILD: none left */
		}
		if (si.si_pid == 0)
			return;
		pid_t pid = si.si_pid;
		int slot = slot_of_pid(d, pid);
		char how[64];
		if (pid == d->fanout_pid) {
			if (!d->stopping && si.si_code == CLD_EXITED)
				log_msg(LOG_CRIT, "the fan-out writer %d exited with status %d; "
					"restarting the room", (int)pid, si.si_status);
			else if (!d->stopping)
				log_msg(LOG_CRIT, "the fan-out writer %d was %s; restarting the room",
					(int)pid, killed_by(&si, how, sizeof(how)));
			d->fanout_died = true;
			d->fanout_pid = 0;
		} else if (slot >= 0) {
			const struct room_slot *s = room_slot(&d->room, (uint32_t)slot);
			const char *name = s->name[0] ? s->name : "not joined";
			if (si.si_code != CLD_EXITED)
				log_msg(LOG_WARNING, "handler %d (%s, uid %u) crashed: %s",
					(int)pid, name, (unsigned)s->uid, killed_by(&si, how, sizeof(how)));
			else if (si.si_status != 0)
				log_msg(LOG_WARNING, "handler %d (%s, uid %u) exited with status %d",
					(int)pid, name, (unsigned)s->uid, si.si_status);
			release_slot(d, (uint32_t)slot);
			d->handlers--;
		}
		while (waitpid(pid, NULL, WNOHANG) < 0 && errno == EINTR)
			;
	}
}

/* ---- shutdown -------------------------------------------------------- */

static void signal_handlers(struct daemon *d, int sig)
{
	/* All max_users, not ROOM_FOREACH_SLOT: no bound that handlers can write. */
	for (uint32_t i = 0; i < d->room.max_users; i++)
		if (d->slot_pid[i] > 0)
			kill(d->slot_pid[i], sig);
}

/* The writer goes last, once every handler has said goodbye through it. */
static void stop_writer(struct daemon *d)
{
	if (d->fanout_pid <= 0)
		return;
	kill(d->fanout_pid, SIGTERM);
	int64_t deadline = mono_ms() + SHUTDOWN_GRACE_MS;
	while (d->fanout_pid > 0) {
		int64_t left = deadline - mono_ms();
		if (left <= 0) {
			kill(d->fanout_pid, SIGKILL);
			left = 1000;
			deadline = mono_ms() + 60000;
		}
		struct pollfd p = { .fd = d->sigfd, .events = POLLIN };
		if (poll(&p, 1, (int)left) > 0) {
			struct signalfd_siginfo si;
			while (read(d->sigfd, &si, sizeof(si)) > 0)
				;
		}
		reap_children(d);
	}
}

/* Remove the socket files (at the end, or a start that failed). */
static void unlink_sockets(const struct lchat_config *cfg)
{
	unlink(cfg->socket);
	unlink(cfg->control_socket);
	if (cfg->irc_socket[0])
		unlink(cfg->irc_socket);
}

static void shutdown_room(struct daemon *d)
{
	d->stopping = true;
	log_msg(LOG_NOTICE, "shutting down (%u users connected)", d->handlers);
	close(d->listen_fd);
	d->listen_fd = -1;
	if (d->irc_fd >= 0)
		close(d->irc_fd);
	d->irc_fd = -1;
	control_close_all(d->control);
	unlink_sockets(d->cfg);

	const char *msg = d->shutdown_msg ? d->shutdown_msg : "server is shutting down";
	struct room_event ev = { .kind = EV_NOTICE, .text = msg, .text_len = strlen(msg) };
	room_post(&d->room, &ev);
	signal_handlers(d, SIGTERM);

	int64_t deadline = mono_ms() + SHUTDOWN_GRACE_MS;
	while (d->handlers > 0) {
		int64_t left = deadline - mono_ms();
		if (left <= 0) {
			log_msg(LOG_WARNING, "%u handlers did not stop in time; killing them", d->handlers);
			signal_handlers(d, SIGKILL);
			deadline = mono_ms() + 60000;
			left = 1000;
		}
		struct pollfd p = { .fd = d->sigfd, .events = POLLIN };
		if (poll(&p, 1, (int)left) > 0) {
			struct signalfd_siginfo si;
			while (read(d->sigfd, &si, sizeof(si)) > 0)
				;
		}
		reap_children(d);
	}
	stop_writer(d);
}

/* ---- what the control socket asks of the daemon ---------------------- */

/* Proportional set size of a process in KiB, 0 if unknown. */
static long pss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = 0;

	text_printf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Pss: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static int status_hook(void *ctx, struct buffer *out)
{
	struct daemon *d = ctx;
	int64_t now = now_ms();
	unsigned users = 0;
	long mem = pss_kib(d->self);

	if (d->fanout_pid > 0)
		mem += pss_kib(d->fanout_pid);
	ROOM_FOREACH_SLOT(&d->room, i) {
		users += atomic_load(&room_slot(&d->room, i)->state) == SLOT_JOINED;
		if (d->slot_pid[i] > 0)
			mem += pss_kib(d->slot_pid[i]);
	}
	long long num[STATUS_KEY_COUNT] = {
		[STATUS_PID] = d->self, [STATUS_SUPERVISOR_PID] = getppid(),
		[STATUS_UPTIME] = (now - d->lchatd_started_ms) / 1000,
		[STATUS_DAEMON_UPTIME] = (now - d->started_ms) / 1000,
		[STATUS_RESTARTS] = d->restarts, [STATUS_USERS] = users,
		[STATUS_CONNECTIONS] = d->handlers, [STATUS_MAX_USERS] = d->cfg->max_users,
		[STATUS_MESSAGES] = (long long)atomic_load(&d->room.hdr->messages),
		[STATUS_LAST_SEQ] = (long long)room_head(&d->room) - 1,
		[STATUS_MEMORY_KIB] = mem,
		[STATUS_BANS] = (long long)sanctions_count(&d->sanctions, SANCTION_BAN),
		[STATUS_MUTES] = (long long)sanctions_count(&d->sanctions, SANCTION_MUTE),
		[STATUS_RELOADS] = d->reloads,
	};
	const char *conf = d->cfg->path ? d->cfg->path : "-";
	char clean[1024];
	text_sanitize(conf, strlen(conf), clean, sizeof(clean));
	/* Every key, in the table's order (reply.h); two are text. */
	for (unsigned k = 0; k < STATUS_KEY_COUNT; k++) {
		int rc;
		if (k == STATUS_VERSION)
			rc = line_status(out, k, "%s", LCHAT_VERSION);
		else if (k == STATUS_CONFIG)
			rc = line_status(out, k, "%s", clean);
		else
			rc = line_status(out, k, "%lld", num[k]);
		if (rc < 0)
			return -1;
	}
	return 0;
}


/* Reload the configuration file: swap in what may change at run time,
 * report what needs a restart. The same for SIGHUP and RELOAD. Returns
 * true if the configuration was taken. The reply (OK RELOAD, or ERR
 * bad-config) is queued on out unless it is NULL; *oom is set if that
 * failed. */
static bool reload(struct daemon *d, const char *by, struct buffer *out, bool *oom)
{
	struct lchat_config fresh;
	char err[1024], clean[1024], changed[512], restart[512];
	gid_t gid = 0;

	struct roomdefs_groups rg;
	int rc = config_load(d->cfg->path, &fresh, err, sizeof(err));
	if (rc == 0 && group_lookup(fresh.admin_group, &gid) < 0) {
		text_printf(err, sizeof(err), "%s: admin_group: no such group '%s'",
			 d->cfg->path, fresh.admin_group);
		rc = -1;
	}
	if (rc == 0 && strcmp(fresh.default_room, d->cfg->default_room) != 0 &&
	    !config_room(&fresh, d->cfg->default_room)) {
		text_printf(err, sizeof(err), "%s: the default room #%s cannot be removed "
			    "(default_room changes at a restart)", d->cfg->path, d->cfg->default_room);
		rc = -1;
	}
	if (rc == 0 && roomdefs_resolve(&fresh, &rg, err, sizeof(err)) < 0)
		rc = -1;
	if (rc < 0) {
		config_free(&fresh);
		log_msg(LOG_ERR, "reload (%s) refused: %s; the running configuration stays", by, err);
		text_sanitize(err, strlen(err), clean, sizeof(clean));
		if (out && line_err(out, CODE_BAD_CONFIG, "%s", clean) < 0)
			*oom = true;
		return false;
	}
	load_accounts("reload");
	bool group_changed = strcmp(fresh.admin_group, d->cfg->admin_group) != 0;
	config_apply_reload(d->cfg, &fresh, changed, sizeof(changed), restart, sizeof(restart));
	config_free(&fresh);
	unsigned parted = roomdefs_apply(&d->room, d->cfg, &rg);
	if (parted)
		log_msg(LOG_NOTICE, "reload (%s): %u members parted from rooms", by, parted);
	if (group_changed) {
		control_set_admin_gid(d->control, gid);
		d->admin_gid = gid;
		if (chown(d->cfg->control_socket, (uid_t)-1, gid) < 0)
			log_msg(LOG_WARNING, "reload: chgrp %s: %s", d->cfg->control_socket, strerror(errno));
	}
	d->reloads++;
	log_msg(LOG_NOTICE, "reload (%s): changed: %s; need a restart: %s", by,
		changed[0] ? changed : "none", restart[0] ? restart : "none");
	if (out && line_ok_reload(out, changed, restart) < 0)
		*oom = true;
	return true;
}

static bool reload_hook(void *ctx, const char *by, struct buffer *out, bool *oom)
{
	struct daemon *d = ctx;
	char who[128];

	text_printf(who, sizeof(who), "by %s", by);
	/* The supervisor keeps its own copy, to start the next daemon with. */
	if (!reload(d, who, out, oom))
		return false;
	kill(getppid(), SIGUSR1);
	return true;
}

static void shutdown_hook(void *ctx, const char *msg, size_t len)
{
	struct daemon *d = ctx;

	free(d->shutdown_msg);
	d->shutdown_msg = msg && len ? strndup(msg, len) : NULL;
	d->stop_requested = true;
}

/* Lift mutes and bans whose time is up. */
static void expire_sanctions(struct daemon *d)
{
	struct sanction gone[16];
	size_t n;
	bool changed = false;

	while ((n = sanctions_expire(&d->sanctions, now_ms(), gone, 16)) > 0) {
		changed = true;
		for (size_t i = 0; i < n && i < 16; i++) {
			log_msg(LOG_NOTICE, "%s of login %s (uid %u) ended", sanction_kind_name(gone[i].kind),
				gone[i].login, (unsigned)gone[i].uid);
			if (gone[i].kind == SANCTION_MUTE)
				moderation_set_mute(&d->room, gone[i].uid, 0,
						    "your mute has ended; you may speak again");
		}
	}
	if (changed)
		sanctions_save(&d->sanctions);
}

/* Keep private things no longer than the configuration says (docs/
 * protocol.md, "Who can ever see what"): delete waiting messages older
 * than wait_keep, and zero the text of private messages in the history
 * older than private_keep. Runs when the oldest of them is due, and at
 * least once a minute (a message a handler keeps meanwhile is due no
 * sooner than its keep from now). */
static int64_t min_i64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static void sweep_private(struct daemon *d)
{
	int64_t now = now_ms(), next = now + 60000, oldest;
	long wkeep = d->cfg->wait_keep, pkeep = d->cfg->private_keep;

	if (now < d->next_sweep_ms)
		return;
	room_lock(&d->room);
	unsigned expired = wkeep > 0 ? waitbox_expire_locked(&d->wait, now - wkeep * 1000LL,
							       &oldest) : 0;
	/* The oldest left is due at its time + keep; one kept after this
	 * sweep, no sooner than now + keep. */
	if (wkeep > 0)
		next = min_i64(next, (oldest ? oldest : now) + wkeep * 1000LL);
	unsigned scrubbed = pkeep > 0 ? room_scrub_private_locked(&d->room, now - pkeep * 1000LL,
								  &oldest) : 0;
	if (pkeep > 0)
		next = min_i64(next, (oldest ? oldest : now) + pkeep * 1000LL);
	room_unlock(&d->room);
	d->next_sweep_ms = next;
	if (expired)
		log_msg(LOG_INFO, "waiting: %u message%s older than wait_keep deleted", expired,
			expired == 1 ? "" : "s");
	if (scrubbed)
		log_msg(LOG_INFO, "history: the text of %u private message%s older than "
			"private_keep erased", scrubbed, scrubbed == 1 ? "" : "s");
}

static int loop_timeout(struct daemon *d)
{
	int64_t next = sanctions_next_end(&d->sanctions);

	if (d->next_sweep_ms && (next == 0 || d->next_sweep_ms < next))
		next = d->next_sweep_ms;
	if (next == 0)
		return -1;
	int64_t left = next - now_ms();
	return left <= 0 ? 0 : left > 60000 ? 60000 : (int)left;
}

/* ---- set-up ---------------------------------------------------------- */

/* The wake-up signal is blocked too: the daemon is no member, but a
 * stray one must not kill it. It is read and ignored, and so are SIGUSR1
 * and SIGUSR2 (SIGUSR1 is the supervisor's; one sent to the daemon by
 * mistake must not take the whole room down). SIGUSR2 is a handler's
 * "preferences changed" (prefs.h): it only wakes the loop, which looks at
 * the room header's prefs_dirty. */
static const int daemon_signals[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP, WAKE_SIGNAL,
				      SIGUSR1, SIGUSR2 };

/* The writer's reply queues, eventfd and socketpair, and the writer. */
static int start_writer(struct daemon *d)
{
	int sv[2];

	d->room.outq = outq_map(d->room.max_users);
	if (!d->room.outq)
		return -1;
	d->room.notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->room.notify_fd < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		struct inherited own = inherit(d);
		KEEP(own);
		struct fanout_args a = { .room = &own.room, .sock = sv[1], .daemon_pid = d->self };
		ownmem_drop_all();
		fanout_main(&a);
	}
	close(sv[1]);
	d->fanout_sock = sv[0];
	d->fanout_pid = pid;
	return 0;
}

static int setup(struct daemon *d, int ready_fd)
{
	const struct lchat_config *cfg = d->cfg;

	char err[1024], path[4096];
	gid_t admin_gid;

	if ((d->sigfd = signalfd_for(SIG_SETMASK, daemon_signals,
				     sizeof(daemon_signals) / sizeof(daemon_signals[0]))) < 0) {
		report(ready_fd, "signalfd: %s", strerror(errno));
		return -1;
	}
	if (group_lookup(cfg->admin_group, &admin_gid) < 0) {
		report(ready_fd, "admin_group: no such group '%s'", cfg->admin_group);
		return -1;
	}
	text_printf(path, sizeof(path), "%s/room", cfg->state_dir);
	if (room_open(&d->room, path, (uint32_t)cfg->max_users, (uint32_t)cfg->history,
		      (uint32_t)cfg->max_line, err, sizeof(err)) < 0) {
		report(ready_fd, "%s", err);
		return -1;
	}
	struct roomdefs_groups rg;
	if (roomdefs_resolve(cfg, &rg, err, sizeof(err)) < 0) {
		report(ready_fd, "%s", err);
		return -1;
	}
	roomdefs_apply(&d->room, cfg, &rg);
	/* Without its store, messages do not wait: senders are told so. */
	text_printf(path, sizeof(path), "%s/waiting", cfg->state_dir);
	if (waitbox_open(&d->wait, path, (uint32_t)cfg->wait_total, (uint32_t)cfg->max_line,
			 err, sizeof(err)) < 0)
		log_msg(LOG_ERR, "waiting messages cannot be kept: %s", err);
	if (start_writer(d) < 0) {
		report(ready_fd, "starting the fan-out writer: %s", strerror(errno));
		return -1;
	}
	d->slot_pid = ownmem_calloc((size_t)cfg->max_users, sizeof(pid_t));
	/* No handler needs them before it is forked: each uses its copy,
	 * and pays only for the pages it writes, so the reply buffers are
	 * large enough for a registration's NAMES of a busy room. */
	d->hmem.out_cap = 16384;
	d->hmem.in = malloc(HANDLER_IN_MAX(cfg->max_line));
	d->hmem.out = malloc(d->hmem.out_cap);
	d->hmem.spare = malloc(d->hmem.out_cap);
	d->conns = conns_new((uint32_t)cfg->max_users);
	if (!d->slot_pid || !d->conns) {
		report(ready_fd, "out of memory");
		return -1;
	}
	if (socket_dir_prepare(cfg->socket, err, sizeof(err)) < 0 ||
	    socket_dir_prepare(cfg->control_socket, err, sizeof(err)) < 0 ||
	    (cfg->irc_socket[0] && socket_dir_prepare(cfg->irc_socket, err, sizeof(err)) < 0)) {
		report(ready_fd, "%s", err);
		return -1;
	}
	d->listen_fd = socket_listen(cfg->socket, 0666, (gid_t)-1, err, sizeof(err));
	if (d->listen_fd < 0) {
		report(ready_fd, "%s", err);
		return -1;
	}
	int cfd = socket_listen(cfg->control_socket, 0660, admin_gid, err, sizeof(err));
	if (cfd < 0) {
		unlink(cfg->socket);
		report(ready_fd, "%s", err);
		return -1;
	}
	/* The IRC socket: the user socket's mode and peers (docs/protocol.md,
	 * "IRC"). */
	if (cfg->irc_socket[0] &&
	    (d->irc_fd = socket_listen(cfg->irc_socket, 0666, (gid_t)-1, err, sizeof(err))) < 0) {
		unlink(cfg->socket);
		unlink(cfg->control_socket);
		report(ready_fd, "%s", err);
		return -1;
	}
	d->admin_gid = admin_gid;
	if (prefs_load(&d->prefs, cfg->state_dir) < 0) {
		unlink_sockets(cfg);
		report(ready_fd, "out of memory reading %s/prefs", cfg->state_dir);
		return -1;
	}
	if (sanctions_load(&d->sanctions, cfg->state_dir) < 0) {
		unlink_sockets(cfg);
		report(ready_fd, "out of memory reading %s/sanctions", cfg->state_dir);
		return -1;
	}
	struct control_hooks hooks = {
		.ctx = d, .status = status_hook, .reload = reload_hook, .shutdown = shutdown_hook,
	};
	d->control = control_new(&d->room, cfg, &d->sanctions, &hooks, cfd, admin_gid);
	d->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (!d->control || d->reserve_fd < 0) {
		unlink_sockets(cfg);
		report(ready_fd, "out of resources at start-up");
		return -1;
	}
	return 0;
}

int daemon_main(struct lchat_config *cfg, int ready_fd, unsigned restarts, int64_t started_ms,
		int wall_fd)
{
	/* Shared, not on the stack: the daemon writes it after every fork
	 * (ownmem.h). */
	struct daemon *d = ownmem_calloc(1, sizeof(*d));
	if (!d) {
		readiness_fail(ready_fd, "out of memory");
		return 1;
	}
	d->cfg = cfg;
	d->self = getpid();
	d->started_ms = now_ms();
	d->lchatd_started_ms = started_ms;
	d->restarts = restarts;
	d->listen_fd = d->reserve_fd = d->irc_fd = -1;
	d->next_sweep_ms = 1;   /* at once */
	proctitle_set("lchatd: daemon");
	/* The children's seccomp programs, built once before any fork. */
	char err[256];
	if (sysfilter_prepare(SANDBOX_HANDLER, err, sizeof(err)) < 0 ||
	    sysfilter_prepare(SANDBOX_WRITER, err, sizeof(err)) < 0) {
		log_msg(LOG_ERR, "cannot build the sandbox's filter: %s", err);
		readiness_fail(ready_fd, err);
		return 1;
	}
	if (chdir("/") < 0 || setup(d, ready_fd) < 0)
		return 1;
	control_set_wall(d->control, wall_fd);
	load_accounts("start");
	log_msg(LOG_NOTICE, "ready: users on %s, control on %s%s%s (restarts so far: %u)",
		cfg->socket, cfg->control_socket, cfg->irc_socket[0] ? ", IRC on " : "",
		cfg->irc_socket, restarts);
	readiness_ok(ready_fd);
	close(ready_fd);

	struct pollfd pfd[4 + CONTROL_MAX_POLLFDS];
	int rc = 0;
	for (;;) {
		pfd[0] = (struct pollfd){ .fd = d->sigfd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = d->listen_fd, .events = POLLIN };
		pfd[2] = (struct pollfd){ .fd = d->fanout_sock, .events = POLLIN };
		pfd[3] = (struct pollfd){ .fd = d->irc_fd, .events = POLLIN };   /* -1: none */
		int nc = control_pollfds(d->control, pfd + 4, CONTROL_MAX_POLLFDS);
		if (poll(pfd, (nfds_t)(4 + nc), loop_timeout(d)) < 0) {
			if (errno == EINTR)
				continue;
			log_msg(LOG_ERR, "poll: %s", strerror(errno));
			return 1;
		}
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			bool stop = false;
			ssize_t n;
			while ((n = read(d->sigfd, &si, sizeof(si))) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
					stop = true;
				else if (si.ssi_signo == SIGHUP) {
					bool taken = reload(d, "on SIGHUP", NULL, NULL);
					/* A SIGHUP not from the supervisor: tell it. */
					if (taken && (pid_t)si.ssi_pid != getppid())
						kill(getppid(), SIGUSR1);
				}
			}
			reap_children(d);
			if (d->fanout_died) {
				/* Handlers die with us (PR_SET_PDEATHSIG); the
				 * supervisor starts the room again. */
				rc = 1;
				break;
			}
			if (stop) {
				shutdown_room(d);
				break;
			}
		}
		if (pfd[2].revents & (POLLIN | POLLHUP))
			take_released(d);
		if (pfd[1].revents & POLLIN)
			accept_users(d, d->listen_fd, false);
		if (pfd[3].revents & POLLIN)
			accept_users(d, d->irc_fd, true);
		control_handle(d->control, pfd + 4, nc);
		expire_sanctions(d);
		sweep_private(d);
		/* A handler changed preferences (it signals SIGUSR2). */
		prefs_sync(&d->prefs, &d->room);
		if (d->stop_requested) {
			/* The supervisor stops too, so no new daemon starts. */
			kill(getppid(), SIGTERM);
			shutdown_room(d);
			break;
		}
	}
	prefs_sync(&d->prefs, &d->room);
	control_free(d->control);
	sanctions_free(&d->sanctions);
	prefs_free(&d->prefs);
	free(d->shutdown_msg);
	ownmem_free(d->slot_pid);
	free(d->hmem.in);
	free(d->hmem.out);
	free(d->hmem.spare);
	conns_free(d->conns);
	outq_unmap(d->room.outq, d->room.max_users);
	room_close(&d->room);
	waitbox_close(&d->wait);
	close(d->sigfd);
	close(d->fanout_sock);
	if (d->reserve_fd >= 0)
		close(d->reserve_fd);
	ownmem_free(d);
	log_msg(LOG_NOTICE, rc ? "stopped: the room restarts" : "stopped");
	return rc;
}
