/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* control.c - the control socket: the admin verbs of docs/protocol.md
 * (NOTICE, WHO, KICK, MUTE, BAN, STATUS, RELOAD, SHUTDOWN ...) over the
 * same line protocol. The daemon serves it in its own loop, so
 * every connection is non-blocking and its output bounded.
 *
 * One function per verb, dispatched through the table `commands`; the
 * verbs' words and usage are common/verbs.c's, and every reply line is
 * made by a formatter of lines.h or reply.h.
 *
 * Access is decided from the kernel's view of the peer (SO_PEERCRED and
 * SO_PEERGROUPS), whatever the socket file's mode: root, the daemon's own
 * user, and members of admin_group. */
#include "control.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buffer.h"
#include "cut.h"
#include "duration.h"
#include "log.h"
#include "moderation.h"
#include "passwd.h"
#include "protocol.h"
#include "reply.h"
#include "roomdefs.h"
#include "sanitize.h"
#include "sockets.h"
#include "util.h"
#include "startcheck.h"
#include "wall.h"
#include "wallreq.h"
#include "wake.h"

/* A control client that lets this much output pile up is dropped. */
#define CONTROL_OUT_MAX (1024 * 1024)

struct control_conn {
	int fd;               /* -1: unused */
	uid_t uid;
	char login[64];
	struct linebuf in;
	struct buffer out;
	bool closing;
	uint64_t wall_id;     /* its WALL awaits the wall process's answer: 0 none */
	enum verb wall_verb;  /* WALL, or NOTICE with notice_wall */
	uint64_t wall_seq;    /* the notice's seq in the room */
};

struct control {
	struct room *room;
	const struct lchat_config *cfg;
	struct sanctions *sanctions;
	struct control_hooks hooks;
	int listen_fd;
	int spare_fd;            /* given up to shed a connection at EMFILE */
	int64_t last_error_log;
	gid_t admin_gid;
	int wall_fd;             /* the wall process (wall.h), -1: none */
	uint64_t wall_next;      /* the next request's id */
	struct control_conn conn[CONTROL_MAX_CONNS];
};

struct control *control_new(struct room *room, const struct lchat_config *cfg,
			    struct sanctions *sanctions, const struct control_hooks *hooks,
			    int listen_fd, gid_t admin_gid)
{
	struct control *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->room = room;
	c->cfg = cfg;
	c->sanctions = sanctions;
	c->hooks = *hooks;
	c->listen_fd = listen_fd;
	c->admin_gid = admin_gid;
	c->wall_fd = -1;
	c->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (c->spare_fd < 0) {
		free(c);
		return NULL;
	}
	for (int i = 0; i < CONTROL_MAX_CONNS; i++)
		c->conn[i].fd = -1;
	return c;
}

static void conn_close(struct control_conn *cc)
{
	if (cc->fd < 0)
		return;
	close(cc->fd);
	cc->fd = -1;
	linebuf_free(&cc->in);
	buffer_free(&cc->out);
}

void control_close_all(struct control *c)
{
	for (int i = 0; i < CONTROL_MAX_CONNS; i++)
		conn_close(&c->conn[i]);
	if (c->listen_fd >= 0)
		close(c->listen_fd);
	c->listen_fd = -1;
	if (c->spare_fd >= 0)
		close(c->spare_fd);
	c->spare_fd = -1;
}

void control_set_wall(struct control *c, int fd)
{
	c->wall_fd = fd;
	/* Ids this daemon's own: an answer meant for a daemon that died
	 * before it came is dropped. */
	c->wall_next = ((uint64_t)getpid() << 32) + 1;
}

void control_set_admin_gid(struct control *c, gid_t gid)
{
	c->admin_gid = gid;
}

void control_free(struct control *c)
{
	if (!c)
		return;
	control_close_all(c);
	free(c);
}

/* rc is a formatter's (lines.h, reply.h): out of memory queueing a reply
 * closes the connection. */
static void queued(struct control_conn *cc, int rc)
{
	if (rc < 0)
		cc->closing = true;
}

/* Queue "OK VERB ..." or "ERR code ...". */
#define reply_ok(cc, verb, ...) queued(cc, line_ok(&(cc)->out, verb, __VA_ARGS__))
#define reply_err(cc, code, ...) queued(cc, line_err(&(cc)->out, code, __VA_ARGS__))

/* "ERR bad-argument usage: KICK NAME [REASON]", from the verb table, and
 * `more` after it. */
static void usage_error(struct control_conn *cc, enum verb v, const char *more)
{
	queued(cc, line_usage(&cc->out, v, more));
}

/* Is the peer allowed? root, our own uid, or a member of admin_group. */
static bool peer_is_admin(struct control *c, int fd, const struct ucred *cred)
{
	return cred->uid == 0 || cred->uid == geteuid() ||
	       socket_peer_in_group(fd, cred, c->admin_gid);
}

static void accept_one(struct control *c)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int fd = socket_accept(c->listen_fd, &c->spare_fd);

	if (fd < 0) {
		if (errno != EAGAIN)
			log_limited(&c->last_error_log, LOG_WARNING, "control accept: %s",
				    strerror(errno));
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		close(fd);
		return;
	}
	char login[64];
	login_of_uid(cred.uid, login, sizeof(login));
	if (!peer_is_admin(c, fd, &cred)) {
		log_msg(LOG_WARNING, "control: refused uid %u (%s): not in group %s",
			(unsigned)cred.uid, login, c->cfg->admin_group);
		char why[256];
		text_printf(why, sizeof(why), "only root and members of group %s may use the control socket",
			 c->cfg->admin_group);
		socket_refuse(fd, CODE_PERMISSION_DENIED, why);
		return;
	}
	struct control_conn *cc = NULL;
	for (int i = 0; i < CONTROL_MAX_CONNS && !cc; i++)
		if (c->conn[i].fd < 0)
			cc = &c->conn[i];
	if (!cc || linebuf_init(&cc->in, (size_t)c->cfg->max_line) < 0) {
		socket_refuse(fd, CODE_BUSY, "too many control connections; try again");
		return;
	}
	cc->fd = fd;
	cc->uid = cred.uid;
	text_printf(cc->login, sizeof(cc->login), "%s", login);
	cc->closing = false;
	cc->wall_id = 0;
	memset(&cc->out, 0, sizeof(cc->out));
	queued(cc, line_hello(&cc->out, CONTROL_PROTO_NAME, login, c->cfg->max_line, NULL));
}

/* Text from an admin (a reason, a notice) follows the rules of message
 * text. Replies ERR and returns false if it does not. */
static bool text_ok(struct control_conn *cc, const char *text, size_t len, bool required)
{
	if (!text && !required)
		return true;
	enum text_error te = text ? text_check(text, len, NULL) : TEXT_EMPTY;
	if (te != TEXT_OK) {
		reply_err(cc, text_error_reply(te), "%s", text_error_message(te));
		return false;
	}
	return true;
}

/* ---- notices on the terminals (WALL; NOTICE with notice_wall) ------- */

/* The uids of the room's members, each once: their terminals are skipped.
 * Returns how many, or -1 if out of memory. */
static long member_uids(struct control *c, uid_t **out)
{
	uint32_t cap = room_slots_end(c->room), n = 0;
	uid_t *v = malloc((cap ? cap : 1) * sizeof(uid_t));

	if (!v)
		return -1;
	room_lock(c->room);
	ROOM_FOREACH_SLOT(c->room, i) {
		const struct room_slot *s = room_slot(c->room, i);
		if (atomic_load(&s->state) != SLOT_JOINED || n >= cap)
			continue;
		bool seen = false;
		for (uint32_t k = 0; k < n && !seen; k++)
			seen = v[k] == s->uid;
		if (!seen)
			v[n++] = s->uid;
	}
	room_unlock(c->room);
	*out = v;
	return n;
}

/* Post the notice to the room and ask the wall process to write it to the
 * terminals of group (NULL: all); the reply waits for its answer
 * (wall_answered()). The text was checked by the caller. */
static void post_wall(struct control *c, struct control_conn *cc, enum verb v, const char *group,
		      const char *text, size_t len)
{
	gid_t gid;
	uid_t *uids = NULL;

	if (c->wall_fd < 0) {
		reply_err(cc, CODE_UNAVAILABLE, "%s", wall_unavailable());
		return;
	}
	if (group && group_lookup(group, &gid) < 0) {
		reply_err(cc, CODE_BAD_ARGUMENT, "no such group %s",
			  name_check_syntax(group, strlen(group)) == NAME_OK ? group : "as that");
		return;
	}
	long n = member_uids(c, &uids);
	if (n < 0) {
		reply_err(cc, CODE_UNAVAILABLE, "out of memory");
		return;
	}
	uint64_t id = c->wall_next++;
	int rc = wallreq_send(c->wall_fd, id, cc->login, group ? group : "", uids, (uint32_t)n,
			      text, len);
	free(uids);
	if (rc < 0) {
		reply_err(cc, errno == EAGAIN ? CODE_BUSY : CODE_UNAVAILABLE,
			  "the notice was not posted: cannot reach the wall process: %s",
			  strerror(errno));
		return;
	}
	struct room_event ev = { .kind = EV_NOTICE, .text = text, .text_len = len };
	cc->wall_seq = room_post(c->room, &ev);
	cc->wall_id = id;
	cc->wall_verb = v;
	log_msg(LOG_NOTICE, "notice by %s (uid %u) to the room and the terminals%s%s: %.*s",
		cc->login, (unsigned)cc->uid, group ? " of group " : "", group ? group : "",
		(int)len, text);
}

/* "WALL GROUP TEXT": GROUP "*" for every terminal. */
static void cmd_wall(struct control *c, struct control_conn *cc, const struct command *cmd)
{
	char group[WALL_GROUP_MAX];

	if (!cmd->arg || cmd->arg_len >= sizeof(group) || !cmd->text) {
		usage_error(cc, VERB_WALL, " (GROUP * for all)");
		return;
	}
	if (!text_ok(cc, cmd->text, cmd->text_len, true))
		return;
	text_copy(group, sizeof(group), cmd->arg, cmd->arg_len);
	bool all = strcmp(group, "*") == 0;
	post_wall(c, cc, VERB_WALL, all ? NULL : group, cmd->text, cmd->text_len);
}

static void cmd_notice(struct control *c, struct control_conn *cc, const struct command *cmd)
{
	if (!text_ok(cc, cmd->text, cmd->text_len, true))
		return;
	if (c->cfg->notice_wall) {
		post_wall(c, cc, VERB_NOTICE, NULL, cmd->text, cmd->text_len);
		return;
	}
	struct room_event ev = { .kind = EV_NOTICE, .text = cmd->text, .text_len = cmd->text_len };
	uint64_t seq = room_post(c->room, &ev);
	log_msg(LOG_NOTICE, "notice by %s (uid %u): %.*s", cc->login, (unsigned)cc->uid,
		(int)cmd->text_len, cmd->text);
	reply_ok(cc, VERB_NOTICE, "%" PRIu64, seq);
}

static void cmd_kick(struct control *c, struct control_conn *cc, const struct command *cmd)
{
	char name[NAME_MAX_LEN + 1], reason[SANCTION_REASON_MAX + 1] = "", bye[200];

	if (!cmd->arg || cmd->arg_len > NAME_MAX_LEN) {
		usage_error(cc, VERB_KICK, "");
		return;
	}
	if (!text_ok(cc, cmd->text, cmd->text_len, false))
		return;
	memcpy(name, cmd->arg, cmd->arg_len);
	name[cmd->arg_len] = '\0';
	if (cmd->text)
		text_printf(reason, sizeof(reason), "%.*s", (int)cmd->text_len, cmd->text);
	text_printf(bye, sizeof(bye), "you were removed by an administrator%s%s",
		 reason[0] ? ": " : "", reason);

	struct kicked_member k;
	if (!moderation_kick(c->room, name, reason[0] ? reason : NULL, bye, &k)) {
		reply_err(cc, CODE_NO_SUCH_USER, "nobody called %s is in the room",
			  name_check_syntax(name, strlen(name)) == NAME_OK ? name : "that");
		return;
	}
	log_msg(LOG_NOTICE, "kick: %s (login %s, uid %u) by %s (uid %u)%s%s", k.name, k.login,
		(unsigned)k.uid, cc->login, (unsigned)cc->uid, reason[0] ? ": " : "", reason);
	reply_ok(cc, VERB_KICK, "%s %" PRIu64, k.name, k.seq);
}

/* TARGET of MUTE, BAN and the rest: a member's name (when member_names),
 * else a login, else "#UID". Replies ERR and returns false if none. */
static bool resolve_target(struct control *c, struct control_conn *cc, const struct command *cmd,
			   bool member_names, uid_t *uid, char *login, size_t len)
{
	char t[64];

	if (!cmd->arg || cmd->arg_len >= sizeof(t)) {
		reply_err(cc, CODE_BAD_ARGUMENT, "usage: %s TARGET ...", verb_name(cmd->verb));
		return false;
	}
	memcpy(t, cmd->arg, cmd->arg_len);
	t[cmd->arg_len] = '\0';
	if (member_names) {
		room_lock(c->room);
		int i = room_find_locked(c->room, t);
		if (i >= 0) {
			*uid = room_slot(c->room, (uint32_t)i)->uid;
			text_printf(login, len, "%s", room_slot(c->room, (uint32_t)i)->login);
		}
		room_unlock(c->room);
		if (i >= 0)
			return true;
	}
	if (t[0] == '#') {
		uint64_t v;
		if (proto_parse_u64(t + 1, strlen(t + 1), &v) && v < UINT32_MAX) {
			*uid = (uid_t)v;
			login_of_uid(*uid, login, len);
			return true;
		}
	} else if (uid_of_login(t, uid)) {
		text_printf(login, len, "%s", t);
		return true;
	}
	reply_err(cc, CODE_NO_SUCH_USER, "no member, login or #uid matches %s",
		  name_check_syntax(t, strlen(t)) == NAME_OK ? t : "that");
	return false;
}

/* "DURATION [REASON]" of MUTE and BAN: the duration in the grammar of
 * duration.h (seconds, as lchat-admin sends, or "10m"), the same checks
 * and message as lchat-admin's; the reason (BAN only) cut to fit on a
 * character boundary. */
static bool parse_duration_reason(struct control_conn *cc, const struct command *cmd,
				  int64_t *seconds, char *reason, size_t len)
{
	const char *p = cmd->text, *e = cmd->text ? cmd->text + cmd->text_len : NULL;

	reason[0] = '\0';
	if (!p) {
		usage_error(cc, cmd->verb, " (0: no end)");
		return false;
	}
	const char *sp = memchr(p, ' ', (size_t)(e - p));
	size_t n = (size_t)((sp ? sp : e) - p);
	const char *next = sp ? sp + 1 : NULL;
	const char *next_end = next ? memchr(next, ' ', (size_t)(e - next)) : NULL;
	size_t next_n = next ? (size_t)((next_end ? next_end : e) - next) : 0;
	enum duration_status st = duration_read(p, n, next, next_n, seconds);
	if (st != DURATION_OK) {
		char why[160];
		duration_error(st, p, n, next, next_n, why, sizeof(why));
		reply_err(cc, CODE_BAD_ARGUMENT, "%s", why);
		return false;
	}
	if (sp) {
		if (cmd->verb != VERB_BAN) {
			usage_error(cc, cmd->verb, "");
			return false;
		}
		if (!text_ok(cc, sp + 1, (size_t)(e - sp - 1), true))
			return false;
		text_copy(reason, len, sp + 1, (size_t)(e - sp - 1));
	}
	return true;
}

/* A sanction that could not be saved (errno says why) was not applied
 * either: "ERR storage the ban was not made: cannot save the sanctions
 * file: No space left on device". */
static void not_saved(struct control_conn *cc, enum sanction_kind kind, const char *done)
{
	int e = errno;

	reply_err(cc, e == ENOMEM ? CODE_UNAVAILABLE : CODE_STORAGE,
		  "the %s was not %s: cannot save the sanctions file: %s", sanction_kind_name(kind),
		  done, strerror(e));
}

/* MUTE and BAN: resolve the target, save the sanction and record it
 * (nothing is recorded if it could not be saved).
 * text gets how it reads to its user ("for 10m: reason"). */
static bool add_sanction(struct control *c, struct control_conn *cc, const struct command *cmd,
			 struct sanction *x, int64_t *secs, char *text, size_t len)
{
	int64_t now = now_ms();

	if (!resolve_target(c, cc, cmd, x->kind == SANCTION_MUTE, &x->uid, x->login,
			    sizeof(x->login)) ||
	    !parse_duration_reason(cc, cmd, secs, x->reason, sizeof(x->reason)))
		return false;
	x->until_ms = *secs ? now + *secs * 1000 : 0;
	if (sanctions_put(c->sanctions, x) < 0) {
		not_saved(cc, x->kind, "made");
		return false;
	}
	moderation_describe(x, now, text, len);
	log_msg(LOG_NOTICE, "%s: login %s (uid %u) %s by %s (uid %u)", sanction_kind_name(x->kind),
		x->login, (unsigned)x->uid, text, cc->login, (unsigned)cc->uid);
	return true;
}

/* "OK MUTE|BAN login uid seconds|forever" (secs 0: forever), then more. */
static void sanction_reply(struct control_conn *cc, const struct command *cmd,
			   const struct sanction *x, int64_t secs, const char *more)
{
	char left[24];

	reply_ok(cc, cmd->verb, "%s %u %s%s", x->login, (unsigned)x->uid,
		 reply_time_left(secs ? secs : REPLY_FOREVER, left, sizeof(left)), more);
}

static void cmd_mute(struct control *c, struct control_conn *cc, const struct command *cmd)
{
	struct sanction x = { .kind = SANCTION_MUTE };
	int64_t secs;
	char notice[256], text[200];

	if (!add_sanction(c, cc, cmd, &x, &secs, text, sizeof(text)))
		return;
	text_printf(notice, sizeof(notice), "you have been muted by an administrator %s", text);
	moderation_set_mute(c->room, x.uid, sanction_mute_value(&x), notice);
	sanction_reply(cc, cmd, &x, secs, "");
}

static void cmd_unsanction(struct control *c, struct control_conn *cc, const struct command *cmd,
			   enum sanction_kind kind)
{
	uid_t uid;
	char login[LOGIN_MAX + 1];

	if (!resolve_target(c, cc, cmd, kind == SANCTION_MUTE, &uid, login, sizeof(login)))
		return;
	int rc = sanctions_drop(c->sanctions, kind, uid);
	if (rc < 0) {
		not_saved(cc, kind, "lifted");
		return;
	}
	if (rc == 0) {
		reply_err(cc, kind == SANCTION_MUTE ? CODE_NOT_MUTED : CODE_NOT_BANNED, "%s is not %s",
			  login, kind == SANCTION_MUTE ? "muted" : "banned");
		return;
	}
	if (kind == SANCTION_MUTE)
		moderation_set_mute(c->room, uid, 0, "an administrator lifted your mute; you may speak again");
	log_msg(LOG_NOTICE, "un%s: login %s (uid %u) by %s (uid %u)", sanction_kind_name(kind),
		login, (unsigned)uid, cc->login, (unsigned)cc->uid);
	reply_ok(cc, cmd->verb, "%s %u", login, (unsigned)uid);
}

static void cmd_unmute(struct control *c, struct control_conn *cc, const struct command *cmd)
{
	cmd_unsanction(c, cc, cmd, SANCTION_MUTE);
}

static void cmd_unban(struct control *c, struct control_conn *cc, const struct command *cmd)
{
	cmd_unsanction(c, cc, cmd, SANCTION_BAN);
}

static void cmd_ban(struct control *c, struct control_conn *cc, const struct command *cmd)
{
	struct sanction x = { .kind = SANCTION_BAN };
	int64_t secs;
	char bye[256], text[200], more[16];

	if (!add_sanction(c, cc, cmd, &x, &secs, text, sizeof(text)))
		return;
	text_printf(bye, sizeof(bye), "you are banned from the room %s", text);
	unsigned closed = moderation_close_uid(c->room, x.uid, x.reason[0] ? x.reason : NULL, bye);
	text_printf(more, sizeof(more), " %u", closed);
	sanction_reply(cc, cmd, &x, secs, more);
}

static void cmd_bans(struct control *c, struct control_conn *cc, const struct command *cmd)
{
	int64_t now = now_ms();
	size_t n = 0;

	for (size_t i = 0; i < c->sanctions->n; i++) {
		const struct sanction *x = &c->sanctions->v[i];
		if (x->until_ms && x->until_ms <= now)
			continue;
		int64_t left = x->until_ms ? (x->until_ms - now + 999) / 1000 : REPLY_FOREVER;
		queued(cc, line_sanction(&cc->out, sanction_kind_name(x->kind), x->login, x->uid,
					 left, x->reason));
		n++;
	}
	reply_ok(cc, cmd->verb, "%zu", n);
}

/* ---- rooms (docs/protocol.md, "Rooms (PROTO 2)") ----------------------- */

/* The room named by w ("#name", n bytes), or -1 after the ERR. */
static int room_of(struct control *c, struct control_conn *cc, const char *w, size_t n)
{
	int k = w ? room_lookup(c->room, w, n) : ROOM_BAD_NAME;
	if (k == ROOM_BAD_NAME)
		reply_err(cc, CODE_BAD_ARGUMENT, "a room is # and 1 to %d of a-z 0-9 _ -", ROOM_NAME_MAX);
	else if (k < 0)
		reply_err(cc, CODE_NO_SUCH_ROOM, "there is no such room");
	return k < 0 ? -1 : k;
}

/* WHO [#room]: every member, or one room's; with each member's rooms
 * where the chat has rooms. */
static void cmd_who(struct control *c, struct control_conn *cc, const struct command *cmd)
{
	int k = ROOM_WHO_ALL;
	if (cmd->text && (k = room_of(c, cc, cmd->text, cmd->text_len)) < 0)
		return;
	queued(cc, room_format_who_in(c->room, &cc->out,
				      config_offers_rooms(c->cfg) ? WHO_ADMIN_ROOMS : WHO_ADMIN, k));
}

/* NOTICE-ROOM #room TEXT: a notice to one room's members. */
static void cmd_notice_room(struct control *c, struct control_conn *cc, const struct command *cmd)
{
	int k = room_of(c, cc, cmd->arg, cmd->arg_len);
	if (k < 0 || !text_ok(cc, cmd->text, cmd->text_len, true))
		return;
	struct room_event ev = {
		.kind = EV_NOTICE, .text = cmd->text, .text_len = cmd->text_len, .room = k + 1,
	};
	uint64_t seq = room_post(c->room, &ev);
	log_msg(LOG_NOTICE, "notice by %s (uid %u) to #%.*s: %.*s", cc->login, (unsigned)cc->uid,
		(int)cmd->arg_len - 1, cmd->arg + 1, (int)cmd->text_len, cmd->text);
	reply_ok(cc, VERB_NOTICE_ROOM, "%" PRIu64, seq);
}

/* PART-KICK #room NAME [REASON]: the member leaves that room only. */
static void cmd_part_kick(struct control *c, struct control_conn *cc, const struct command *cmd)
{
	int k = room_of(c, cc, cmd->arg, cmd->arg_len);
	if (k < 0)
		return;
	const char *p = cmd->text, *e = p ? p + cmd->text_len : NULL;
	size_t nn = 0;
	const char *nw = p ? proto_next_word(&p, e, &nn) : NULL;
	if (!nw || nn == 0 || nn > NAME_MAX_LEN) {
		usage_error(cc, VERB_PART_KICK, "");
		return;
	}
	const char *reason = p < e ? p : NULL;
	size_t rlen = reason ? (size_t)(e - p) : 0;
	if (!text_ok(cc, reason, rlen, false))
		return;
	char name[NAME_MAX_LEN + 1], why[SANCTION_REASON_MAX + 1] = "";
	text_copy(name, sizeof(name), nw, nn);
	if (reason)
		text_copy(why, sizeof(why), reason, rlen);
	room_lock(c->room);
	int i = room_find_locked(c->room, name);
	if (i < 0 || !(atomic_load(&room_slot(c->room, (uint32_t)i)->rooms) & (UINT64_C(1) << k))) {
		room_unlock(c->room);
		reply_err(cc, CODE_NO_SUCH_USER, "nobody called %s is in that room",
			  name_check_syntax(name, strlen(name)) == NAME_OK ? name : "that");
		return;
	}
	uint64_t seq = roomdefs_part_locked(c->room, (uint32_t)i, (uint32_t)k, why[0] ? why : NULL);
	room_unlock(c->room);
	wake_writer(c->room);
	log_msg(LOG_NOTICE, "part-kick: %s from #%.*s by %s (uid %u)%s%s", name, (int)cmd->arg_len - 1,
		cmd->arg + 1, cc->login, (unsigned)cc->uid, why[0] ? ": " : "", why);
	reply_ok(cc, VERB_PART_KICK, "%s %" PRIu64, name, seq);
}

/* ROOMS: "ROOM #room members kind group topic" each, then OK ROOMS n. */
static void cmd_rooms(struct control *c, struct control_conn *cc, const struct command *cmd)
{
	(void)cmd;
	struct room *r = c->room;
	unsigned n = 0;
	int rc = 0;
	room_lock(r);
	for (uint32_t k = 0; k < ROOMS_MAX && rc == 0; k++) {
		const struct room_def *d = &r->hdr->defs[k];
		if (d->kind == ROOMK_FREE)
			continue;
		const struct conf_room *cr = d->kind == ROOMK_CONFIG ? config_room(c->cfg, d->name) : NULL;
		char word[ROOM_NAME_MAX + 2];
		text_printf(word, sizeof(word), "#%s", d->name);
		rc = line_room(&cc->out, word, "%u %s %s %s", d->members,
			       d->kind == ROOMK_USER ? "user" : "config",
			       cr && cr->group[0] ? cr->group : "-", d->topic);
		n++;
	}
	room_unlock(r);
	queued(cc, rc);
	if (rc == 0)
		reply_ok(cc, VERB_ROOMS, "%u", n);
}

static void cmd_status(struct control *c, struct control_conn *cc, const struct command *cmd)
{
	queued(cc, c->hooks.status(c->hooks.ctx, &cc->out));
	reply_ok(cc, cmd->verb, NULL);
}

static void cmd_reload(struct control *c, struct control_conn *cc, const struct command *cmd)
{
	(void)cmd;
	(void)c->hooks.reload(c->hooks.ctx, cc->login, &cc->out, &cc->closing);
}

static void cmd_shutdown(struct control *c, struct control_conn *cc, const struct command *cmd)
{
	if (!text_ok(cc, cmd->text, cmd->text_len, false))
		return;
	log_msg(LOG_NOTICE, "shutdown requested by %s (uid %u)", cc->login, (unsigned)cc->uid);
	reply_ok(cc, cmd->verb, NULL);
	c->hooks.shutdown(c->hooks.ctx, cmd->text, cmd->text ? cmd->text_len : 0);
}

static void cmd_ping(struct control *c, struct control_conn *cc, const struct command *cmd)
{
	(void)c;
	queued(cc, proto_reply_pong(&cc->out, cmd));
}

static void cmd_quit(struct control *c, struct control_conn *cc, const struct command *cmd)
{
	(void)c;
	reply_ok(cc, cmd->verb, NULL);
	cc->closing = true;
}

/* What the control socket does for each verb: a row per verb it takes
 * (verb_on(v, SOCK_CONTROL)); any other is an unknown command. */
typedef void control_fn(struct control *c, struct control_conn *cc, const struct command *cmd);
static control_fn *const commands[VERB_COUNT] = {
	[VERB_NOTICE] = cmd_notice,
	[VERB_WALL] = cmd_wall,
	[VERB_WHO] = cmd_who,
	[VERB_KICK] = cmd_kick,
	[VERB_MUTE] = cmd_mute,
	[VERB_UNMUTE] = cmd_unmute,
	[VERB_BAN] = cmd_ban,
	[VERB_UNBAN] = cmd_unban,
	[VERB_BANS] = cmd_bans,
	[VERB_STATUS] = cmd_status,
	[VERB_RELOAD] = cmd_reload,
	[VERB_SHUTDOWN] = cmd_shutdown,
	[VERB_PING] = cmd_ping,
	[VERB_QUIT] = cmd_quit,
	[VERB_NOTICE_ROOM] = cmd_notice_room,
	[VERB_PART_KICK] = cmd_part_kick,
	[VERB_ROOMS] = cmd_rooms,
};

static void control_line(struct control *c, struct control_conn *cc, const char *line, size_t len)
{
	struct command cmd;

	if (!proto_accept_line(line, len, &cc->out, &cc->closing))
		return;
	enum verb v = proto_parse_command(line, len, &cmd);
	if (verb_on(v, SOCK_CONTROL) && commands[v]) {
		commands[v](c, cc, &cmd);
		return;
	}
	char list[512];
	verb_list(SOCK_CONTROL, list, sizeof(list));
	reply_err(cc, CODE_UNKNOWN_COMMAND, "the control commands are %s", list);
}

/* The complete lines received; stops while a WALL awaits its answer. */
static void take_lines(struct control *c, struct control_conn *cc)
{
	char *line;
	size_t len;
	enum line_status st;

	while (!cc->closing && !cc->wall_id && (st = linebuf_next(&cc->in, &line, &len)) != LINE_NONE) {
		if (st == LINE_TOO_LONG)
			reply_err(cc, CODE_LINE_TOO_LONG, "lines are at most %ld bytes", c->cfg->max_line);
		else
			control_line(c, cc, line, len);
	}
}

static void conn_readable(struct control *c, struct control_conn *cc)
{
	size_t avail;
	char *p = linebuf_space(&cc->in, &avail);
	ssize_t n = recv(cc->fd, p, avail, MSG_DONTWAIT);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		cc->closing = true;
		return;
	}
	if (n < 0)
		return;
	linebuf_commit(&cc->in, (size_t)n);
	take_lines(c, cc);
}

/* The wall process answered a request: reply to the connection that
 * made it, if it is still there, and go on with its lines. */
static void wall_answered(struct control *c, const struct wall_answer *a)
{
	for (int i = 0; i < CONTROL_MAX_CONNS; i++) {
		struct control_conn *cc = &c->conn[i];
		if (cc->fd < 0 || cc->wall_id != a->id)
			continue;
		cc->wall_id = 0;
		if (a->status == WALL_DONE)
			reply_ok(cc, cc->wall_verb, "%" PRIu64 " %u %u %u %u %u", cc->wall_seq,
				 a->n.written, a->n.mesg_n, a->n.in_chat, a->n.timed_out, a->n.failed);
		else
			reply_err(cc, CODE_UNAVAILABLE, "the notice was posted (seq %" PRIu64 ") but "
				  "not written to the terminals: %s", cc->wall_seq,
				  a->status == WALL_NO_GROUP ? "the group has gone" : "the wall process failed");
		take_lines(c, cc);
		return;
	}
}

/* The wall process is gone: every WALL waiting gets its ERR, later ones too. */
static void wall_gone(struct control *c)
{
	log_msg(LOG_ERR, "the wall process has stopped; notice --wall is refused from now on");
	close(c->wall_fd);
	c->wall_fd = -1;
	wall_set_unavailable("lchatd cannot write to terminals: its wall process has stopped");
	for (int i = 0; i < CONTROL_MAX_CONNS; i++) {
		struct control_conn *cc = &c->conn[i];
		if (cc->fd < 0 || !cc->wall_id)
			continue;
		cc->wall_id = 0;
		reply_err(cc, CODE_UNAVAILABLE, "the notice was posted (seq %" PRIu64 ") but not "
			  "written to the terminals: %s", cc->wall_seq, wall_unavailable());
		take_lines(c, cc);
	}
}

static void wall_readable(struct control *c)
{
	struct wall_answer a;
	int rc;

	while ((rc = wallans_recv(c->wall_fd, &a)) == 1)
		wall_answered(c, &a);
	if (rc == 0 || (rc < 0 && errno != EAGAIN && errno != EBADMSG))
		wall_gone(c);
}

int control_pollfds(struct control *c, struct pollfd *pfd, int max)
{
	int n = 0;

	if (c->listen_fd >= 0 && n < max)
		pfd[n++] = (struct pollfd){ .fd = c->listen_fd, .events = POLLIN };
	for (int i = 0; i < CONTROL_MAX_CONNS && n < max; i++) {
		struct control_conn *cc = &c->conn[i];
		if (cc->fd < 0)
			continue;
		short ev = cc->closing || cc->wall_id ? 0 : POLLIN;
		if (buffer_pending(&cc->out))
			ev |= POLLOUT;
		pfd[n++] = (struct pollfd){ .fd = cc->fd, .events = ev };
	}
	if (c->wall_fd >= 0 && n < max)
		pfd[n++] = (struct pollfd){ .fd = c->wall_fd, .events = POLLIN };
	return n;
}

void control_handle(struct control *c, const struct pollfd *pfd, int n)
{
	for (int k = 0; k < n; k++) {
		if (pfd[k].fd == c->listen_fd) {
			if (pfd[k].revents & POLLIN)
				accept_one(c);
			continue;
		}
		if (pfd[k].fd == c->wall_fd) {
			if (pfd[k].revents)
				wall_readable(c);
			continue;
		}
		for (int i = 0; i < CONTROL_MAX_CONNS; i++) {
			struct control_conn *cc = &c->conn[i];
			if (cc->fd != pfd[k].fd)
				continue;
			if (pfd[k].revents & (POLLIN | POLLHUP | POLLERR))
				conn_readable(c, cc);
			int rc = buffer_flush(&cc->out, cc->fd);
			if (rc < 0 || buffer_pending(&cc->out) > CONTROL_OUT_MAX ||
			    (cc->closing && buffer_pending(&cc->out) == 0))
				conn_close(cc);
		}
	}
}
