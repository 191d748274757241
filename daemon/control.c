/* control.c - the control socket: admin verbs (NOTICE, WHO, PING, QUIT)
 * over the same line protocol. The daemon serves it in its own loop, so
 * every connection is non-blocking and its output bounded.
 *
 * Access is decided from the kernel's view of the peer (SO_PEERCRED and
 * SO_PEERGROUPS), whatever the socket file's mode: root, the daemon's own
 * user, and members of admin_group. */
#include "control.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buffer.h"
#include "log.h"
#include "protocol.h"
#include "sanitize.h"
#include "sockets.h"
#include "util.h"
#include "version.h"

/* A control client that lets this much output pile up is dropped. */
#define CONTROL_OUT_MAX (1024 * 1024)

struct control_conn {
	int fd;               /* -1: unused */
	uid_t uid;
	char login[64];
	struct linebuf in;
	struct buffer out;
	bool closing;
};

struct control {
	struct room *room;
	const struct lchat_config *cfg;
	int listen_fd;
	int spare_fd;            /* given up to shed a connection at EMFILE */
	int64_t last_error_log;
	gid_t admin_gid;
	struct control_conn conn[CONTROL_MAX_CONNS];
};

struct control *control_new(struct room *room, const struct lchat_config *cfg,
			    int listen_fd, gid_t admin_gid)
{
	struct control *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->room = room;
	c->cfg = cfg;
	c->listen_fd = listen_fd;
	c->admin_gid = admin_gid;
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

void control_free(struct control *c)
{
	if (!c)
		return;
	control_close_all(c);
	free(c);
}

/* Queue one reply line; out of memory closes the connection. */
#define creply(cc, ...) do { \
	if (buffer_printf_line(&(cc)->out, __VA_ARGS__) < 0) \
		(cc)->closing = true; \
} while (0)

/* Is the peer allowed? root, our own uid, or a member of admin_group. */
static bool peer_is_admin(struct control *c, int fd, const struct ucred *cred)
{
	if (cred->uid == 0 || cred->uid == geteuid() || cred->gid == c->admin_gid)
		return true;
	gid_t some[256], *groups = some;
	socklen_t len = sizeof(some);
	int rc = getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len);
	if (rc < 0 && errno == ERANGE && (groups = malloc(len)) != NULL)
		rc = getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len);
	bool member = false;
	for (size_t i = 0; rc == 0 && i < len / sizeof(gid_t); i++)
		member |= groups[i] == c->admin_gid;
	if (groups != some)
		free(groups);
	return member;
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
		snprintf(why, sizeof(why), "only root and members of group %s may use the control socket",
			 c->cfg->admin_group);
		socket_refuse(fd, "permission-denied", why);
		return;
	}
	struct control_conn *cc = NULL;
	for (int i = 0; i < CONTROL_MAX_CONNS && !cc; i++)
		if (c->conn[i].fd < 0)
			cc = &c->conn[i];
	if (!cc || linebuf_init(&cc->in, (size_t)c->cfg->max_line) < 0) {
		socket_refuse(fd, "busy", "too many control connections; try again");
		return;
	}
	cc->fd = fd;
	cc->uid = cred.uid;
	snprintf(cc->login, sizeof(cc->login), "%s", login);
	cc->closing = false;
	memset(&cc->out, 0, sizeof(cc->out));
	creply(cc, "HELLO %s/%d lchatd/%s login=%s max_line=%ld", CONTROL_PROTO_NAME,
	       PROTO_VERSION, LCHAT_VERSION, login, c->cfg->max_line);
}

static void cmd_notice(struct control *c, struct control_conn *cc, const struct command *cmd)
{
	enum text_error te = cmd->text ? text_check(cmd->text, cmd->text_len, NULL) : TEXT_EMPTY;

	if (te != TEXT_OK) {
		creply(cc, "ERR %s %s", text_error_code(te), text_error_message(te));
		return;
	}
	struct room_event ev = { .kind = EV_NOTICE, .text = cmd->text, .text_len = cmd->text_len };
	uint64_t seq = room_post(c->room, &ev);
	log_msg(LOG_NOTICE, "notice by %s (uid %u): %.*s", cc->login, (unsigned)cc->uid,
		(int)cmd->text_len, cmd->text);
	creply(cc, "OK NOTICE %" PRIu64, seq);
}

static void control_line(struct control *c, struct control_conn *cc, const char *line, size_t len)
{
	struct command cmd;

	if (!proto_accept_line(line, len, &cc->out, &cc->closing))
		return;
	switch (proto_parse_command(line, len, &cmd)) {
	case VERB_NOTICE:
		cmd_notice(c, cc, &cmd);
		break;
	case VERB_WHO:
		if (room_format_who(c->room, &cc->out) < 0)
			cc->closing = true;
		break;
	case VERB_PING:
		if (proto_reply_pong(&cc->out, &cmd) < 0)
			cc->closing = true;
		break;
	case VERB_QUIT:
		creply(cc, "OK QUIT");
		cc->closing = true;
		break;
	default:
		creply(cc, "ERR unknown-command the control commands are NOTICE, WHO, PING and QUIT");
		break;
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
	char *line;
	size_t len;
	enum line_status st;
	while (!cc->closing && (st = linebuf_next(&cc->in, &line, &len)) != LINE_NONE) {
		if (st == LINE_TOO_LONG)
			creply(cc, "ERR line-too-long lines are at most %ld bytes", c->cfg->max_line);
		else
			control_line(c, cc, line, len);
	}
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
		short ev = cc->closing ? 0 : POLLIN;
		if (buffer_pending(&cc->out))
			ev |= POLLOUT;
		pfd[n++] = (struct pollfd){ .fd = cc->fd, .events = ev };
	}
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
