/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* config.c - load /etc/lchat.conf with libconfuse. Two tables give each
 * option its name, default and checks; everything else is built from them.
 * Errors read "FILE:LINE: reason" (no LINE when it is not known).
 * Not thread-safe: libconfuse's lexer is global state. */
#include "config.h"
#include "cut.h"
#include "duration.h"
#include "names.h"
#include "protocol.h"

#include <confuse.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>
#include <unistd.h>

#define HISTORY_MAX 1000000
#define MOTD_LINE_MAX 512
#define SOCKET_PATH_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)
#define CONFIG_SIZE_MAX (1024 * 1024)

typedef int str_check_fn(cfg_t *c, const char *name, const char *val);

/* runtime: a reload changes the option; otherwise it needs a restart.
 * client: lchat and lchat-admin read it too (config_load_sockets checks
 * it): the sockets, and the daemon's user, whom they trust (peercheck.h). */
struct str_opt {
	const char *name;
	const char *def;
	size_t off;
	str_check_fn *check;
	bool runtime;
	bool client;
};

struct int_opt {
	const char *name;
	long def, min, max;
	size_t off;
	bool runtime;
	bool duration;   /* written as a duration (duration.h), kept in seconds */
};

struct bool_opt {
	const char *name;
	bool def;
	size_t off;
	bool runtime;
};

static str_check_fn check_socket, check_socket_or_empty, check_abs_path, check_nonempty, check_motd, check_room_name;

/* Option names are the struct field names. */
#define STR_OPT(f, def, check, rt, cl) \
	{ #f, def, offsetof(struct lchat_config, f), check, rt, cl }
#define INT_OPT(f, def, min, max, rt) \
	{ #f, def, min, max, offsetof(struct lchat_config, f), rt, false }
/* A duration in seconds, written in duration.h's grammar ("14d"); 0: no end. */
#define DUR_OPT(f, def, rt) \
	{ #f, def, 0, DURATION_MAX_S, offsetof(struct lchat_config, f), rt, true }
#define BOOL_OPT(f, def, rt) \
	{ #f, def, offsetof(struct lchat_config, f), rt }
#define RELOAD true
#define RESTART false
#define CLIENT true
#define DAEMON false

static const struct str_opt str_opts[] = {
	STR_OPT(socket, "/run/lchat/lchat.sock", check_socket, RESTART, CLIENT),
	STR_OPT(control_socket, "/run/lchat/control.sock", check_socket, RESTART, CLIENT),
	STR_OPT(irc_socket, "/run/lchat/irc.sock", check_socket_or_empty, RESTART, CLIENT),
	STR_OPT(admin_group, "adm", check_nonempty, RELOAD, DAEMON),
	STR_OPT(user, "_lchat", check_nonempty, RESTART, CLIENT),
	STR_OPT(state_dir, "/var/lib/lchat", check_abs_path, RESTART, DAEMON),
	STR_OPT(motd, "", check_motd, RELOAD, DAEMON),
	STR_OPT(default_room, "general", check_room_name, RESTART, DAEMON),
};

static const struct int_opt int_opts[] = {
	INT_OPT(max_users, 500, 1, 100000, RESTART),		/* sizes the room */
	INT_OPT(max_users_per_uid, 8, 1, 100000, RELOAD),	/* <= max_users */
	INT_OPT(max_line, 1024, MAX_LINE_MIN, MAX_LINE_MAX, RESTART), /* sizes records */
	INT_OPT(history, 4096, 16, HISTORY_MAX, RESTART),	/* sizes the log */
	INT_OPT(backlog, 20, 0, HISTORY_MAX, RELOAD),		/* <= history */
	INT_OPT(rate_limit, 5, 1, 100000, RELOAD),
	INT_OPT(rate_burst, 10, 1, 100000, RELOAD),
	INT_OPT(join_timeout, 60, 1, 3600, RELOAD),
	INT_OPT(max_unjoined, 64, 1, 100000, RELOAD),		/* with max_users: the lower */
	INT_OPT(max_unjoined_per_uid, 8, 1, 100000, RELOAD),	/* the same */
	INT_OPT(wait_max, 20, 0, 1000, RELOAD),		/* 0: no message waits */
	INT_OPT(wait_total, 1000, 1, 100000, RESTART),		/* sizes the waiting file */
	DUR_OPT(wait_keep, 14 * 86400, RELOAD),
	DUR_OPT(private_keep, 86400, RELOAD),
	INT_OPT(max_rooms_per_user, 16, 1, ROOMS_MAX, RELOAD),
	INT_OPT(max_created_rooms, 2, 0, ROOMS_MAX, RELOAD),
};

static const struct bool_opt bool_opts[] = {
	BOOL_OPT(log_messages, false, RELOAD),
	BOOL_OPT(notice_wall, false, RESTART),	/* checked at start: startcheck.c */
	BOOL_OPT(user_rooms, false, RELOAD),
};

#define NSTR (sizeof(str_opts) / sizeof(str_opts[0]))
#define NINT (sizeof(int_opts) / sizeof(int_opts[0]))
#define NBOOL (sizeof(bool_opts) / sizeof(bool_opts[0]))

static char **str_field(struct lchat_config *cfg, const struct str_opt *o)
{
	return (char **)((char *)cfg + o->off);
}

static long *int_field(struct lchat_config *cfg, const struct int_opt *o)
{
	return (long *)((char *)cfg + o->off);
}

static bool *bool_field(struct lchat_config *cfg, const struct bool_opt *o)
{
	return (bool *)((char *)cfg + o->off);
}

static const struct str_opt *find_str_opt(const char *name)
{
	for (size_t i = 0; i < NSTR; i++)
		if (strcmp(str_opts[i].name, name) == 0)
			return &str_opts[i];
	return NULL;
}

static const struct int_opt *find_int_opt(const char *name)
{
	for (size_t i = 0; i < NINT; i++)
		if (strcmp(int_opts[i].name, name) == 0)
			return &int_opts[i];
	return NULL;
}

__attribute__((format(printf, 3, 4)))
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	text_vprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- defaults and freeing -------------------------------------------- */

void config_free(struct lchat_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < NSTR; i++)
		free(*str_field(cfg, &str_opts[i]));
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}

/* Overwrites cfg without freeing it. On failure cfg is left zeroed. */
int config_defaults(struct lchat_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < NINT; i++)
		*int_field(cfg, &int_opts[i]) = int_opts[i].def;
	for (size_t i = 0; i < NBOOL; i++)
		*bool_field(cfg, &bool_opts[i]) = bool_opts[i].def;
	for (size_t i = 0; i < NSTR; i++) {
		char *s = strdup(str_opts[i].def);

		if (!s) {
			config_free(cfg);
			return -1;
		}
		*str_field(cfg, &str_opts[i]) = s;
	}
	return 0;
}

/* ---- error capture ---------------------------------------------------- */

struct load_ctx {
	const char *path;
	const char *text;	/* the file's contents, for real_line() */
	char *err;
	size_t errlen;
	int failed;		/* an error is already in err */
	bool sockets_only;	/* check the clients' options only (config_load_sockets) */
};

/* libconfuse's error callback gets only the cfg_t, which has no user
 * pointer, so the load in progress is reachable from here. It is set
 * just around cfg_parse_buf() and is NULL otherwise. */
static struct load_ctx *cur_load;

/*
 * libconfuse 3.3 miscounts lines: every '#' or '//' comment adds two lines
 * too many and every block comment one (found by experiment). Replay the
 * text with a scanner that follows the lexer's rules just far enough to
 * find the comments, and map libconfuse's count back to the real line.
 */
static int real_line(const char *p, int reported)
{
	enum { SEP, WORD, DQ, SQ, LINE_COMMENT, BLOCK_COMMENT } st = SEP;
	int real = 1, seen = 1;

	for (; *p; p++) {
		if (*p == '\n') {
			real++;
			seen++;
			if (st == LINE_COMMENT)
				seen += 2;
			if (st == LINE_COMMENT || st == WORD)
				st = SEP;
			if (seen > reported)
				return real - 1;
			continue;
		}
		switch (st) {
		case SEP:
		case WORD:
			if (*p == '"')
				st = DQ;
			else if (*p == '\'')
				st = SQ;
			else if (*p == '#')
				st = LINE_COMMENT;
			else if (st == SEP && p[0] == '/' && p[1] == '/')
				st = LINE_COMMENT, p++;
			else if (st == SEP && p[0] == '/' && p[1] == '*')
				st = BLOCK_COMMENT, p++;
			else
				st = strchr(" \t\r={}()+,*", *p) ? SEP : WORD;
			break;
		case DQ:
			if (*p == '\\' && p[1] && p[1] != '\n')
				p++;
			else if (*p == '"')
				st = SEP;
			break;
		case SQ:
			if (*p == '\\' && (p[1] == '\\' || p[1] == '\''))
				p++;
			else if (*p == '\'')
				st = SEP;
			break;
		case LINE_COMMENT:
			break;
		case BLOCK_COMMENT:
			if (p[0] == '*' && p[1] == '/') {
				seen++;
				st = SEP;
				p++;
			}
			break;
		}
	}
	return real;
}

/* Keeps the first message only: later ones are consequences of it. */
static void on_cfg_error(cfg_t *c, const char *fmt, va_list ap)
{
	struct load_ctx *x = cur_load;
	char msg[512];

	if (!x || x->failed)
		return;
	text_vprintf(msg, sizeof(msg), fmt, ap);
	if (c && c->line > 0)
		set_err(x->err, x->errlen, "%s:%d: %s", x->path,
			real_line(x->text, c->line), msg);
	else
		set_err(x->err, x->errlen, "%s: %s", x->path, msg);
	x->failed = 1;
}

/* ---- per-option checks (run by libconfuse as each value is read) ------ */

static int check_abs_path(cfg_t *c, const char *name, const char *val)
{
	if (val[0] != '/') {
		cfg_error(c, "%s must be an absolute path, not \"%s\"", name, val);
		return -1;
	}
	return 0;
}

static int check_socket(cfg_t *c, const char *name, const char *val)
{
	size_t len = strlen(val);

	if (check_abs_path(c, name, val) < 0)
		return -1;
	if (len > SOCKET_PATH_MAX) {
		cfg_error(c, "%s is %zu bytes long; a socket path may have at most %zu",
			  name, len, SOCKET_PATH_MAX);
		return -1;
	}
	return 0;
}

/* A socket path, or "" for none (irc_socket). */
static int check_socket_or_empty(cfg_t *c, const char *name, const char *val)
{
	return val[0] ? check_socket(c, name, val) : 0;
}

static int check_nonempty(cfg_t *c, const char *name, const char *val)
{
	if (!val[0]) {
		cfg_error(c, "%s must not be empty", name);
		return -1;
	}
	return 0;
}

static int check_room_name(cfg_t *c, const char *name, const char *val)
{
	if (!room_name_ok(val, strlen(val))) {
		cfg_error(c, "%s must be 1 to %d of a-z 0-9 _ - (without '#'), not \"%s\"",
			  name, ROOM_NAME_MAX, val);
		return -1;
	}
	return 0;
}

static int check_motd(cfg_t *c, const char *name, const char *val)
{
	int n = 1;

	for (const char *p = val;; n++) {
		size_t len = strcspn(p, "\n");

		if (len > MOTD_LINE_MAX) {
			cfg_error(c, "%s: line %d of the message is %zu bytes long; the limit is %d",
				  name, n, len, MOTD_LINE_MAX);
			return -1;
		}
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

/* A client reading its options only: is this option none of its business? */
static bool not_checked(bool client_reads)
{
	return cur_load && cur_load->sockets_only && !client_reads;
}

static int validate_str(cfg_t *c, cfg_opt_t *opt)
{
	const struct str_opt *o = find_str_opt(cfg_opt_name(opt));
	const char *val = cfg_opt_getnstr(opt, 0);

	if (not_checked(o->client))
		return 0;
	return o->check(c, o->name, val ? val : "");
}

static void range_error(cfg_t *c, const struct int_opt *o, const char *val)
{
	cfg_error(c, "%s must be between %ld and %ld, not %s",
		  o->name, o->min, o->max, val);
}

static int validate_int(cfg_t *c, cfg_opt_t *opt)
{
	const struct int_opt *o = find_int_opt(cfg_opt_name(opt));
	long v = cfg_opt_getnint(opt, 0);
	char buf[32];

	if ((v >= o->min && v <= o->max) || not_checked(false))
		return 0;
	text_printf(buf, sizeof(buf), "%ld", v);
	range_error(c, o, buf);
	return -1;
}

/* Replaces libconfuse's strtol(base 0), which reads "010" as 8, "0x10"
 * as 16 and "" as 0. Only plain decimal is accepted here. */
static int parse_int(cfg_t *c, cfg_opt_t *opt, const char *val, void *result)
{
	const struct int_opt *o = find_int_opt(cfg_opt_name(opt));
	const char *digits = val + (val[0] == '-' || val[0] == '+');
	char *end;
	long v;

	if (not_checked(false)) {
		*(long *)result = o->def;
		return 0;
	}
	if (o->duration) {
		int64_t secs;
		if (!duration_parse(val, &secs)) {
			cfg_error(c, "%s must be a duration such as 90s, 10m, 2h, 14d or 0, not \"%s\"",
				  o->name, val);
			return -1;
		}
		*(long *)result = (long)secs;
		return 0;
	}
	if (*digits < '0' || *digits > '9') {
		cfg_error(c, "%s must be a whole number, not \"%s\"", o->name, val);
		return -1;
	}
	errno = 0;
	v = strtol(val, &end, 10);
	if (*end) {
		cfg_error(c, "%s must be a whole number, not \"%s\"", o->name, val);
		return -1;
	}
	if (errno == ERANGE) {
		range_error(c, o, val);
		return -1;
	}
	*(long *)result = v;
	return 0;
}

/* ---- loading ---------------------------------------------------------- */

static int line_of(const char *text, const char *at)
{
	int n = 1;

	for (; text < at; text++)
		n += *text == '\n';
	return n;
}

/* Read the whole file: libconfuse's flex scanner calls exit() on a read
 * error (a directory, for one), so it only ever sees memory. */
static char *read_text(const char *path, char *err, size_t errlen)
{
	size_t len = 0, cap = 4096;
	char *buf, *nb;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		set_err(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(cap + 1);
	if (!buf)
		goto nomem;
	while ((n = read(fd, buf + len, cap - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			set_err(err, errlen, "%s: cannot read: %s", path, strerror(errno));
			goto fail;
		}
		len += (size_t)n;
		if (len < cap)
			continue;
		if (cap >= CONFIG_SIZE_MAX) {
			set_err(err, errlen, "%s: too large (the limit is %d bytes)",
				path, CONFIG_SIZE_MAX);
			goto fail;
		}
		cap *= 2;
		nb = realloc(buf, cap + 1);
		if (!nb)
			goto nomem;
		buf = nb;
	}
	close(fd);
	buf[len] = '\0';
	if (strlen(buf) != len) {
		set_err(err, errlen, "%s:%d: NUL byte in file", path,
			line_of(buf, buf + strlen(buf)));
		free(buf);
		return NULL;
	}
	return buf;
nomem:
	set_err(err, errlen, "%s: %s", path, strerror(ENOMEM));
fail:
	close(fd);
	free(buf);
	return NULL;
}

/* The options of a `room "name" { }` section (backlog -1: the global one). */
static cfg_opt_t room_opts[] = {
	CFG_STR("group", "", CFGF_NONE),
	CFG_STR("topic", "", CFGF_NONE),
	CFG_INT("backlog", -1, CFGF_NONE),
	CFG_END()
};

static cfg_t *new_parser(bool sockets_only)
{
	cfg_opt_t opts[NSTR + NINT + NBOOL + 2];
	size_t n = 0;
	cfg_t *c;

	for (size_t i = 0; i < NSTR; i++)
		opts[n++] = (cfg_opt_t)CFG_STR(str_opts[i].name, str_opts[i].def,
					      CFGF_NONE);
	for (size_t i = 0; i < NINT; i++)
		opts[n++] = (cfg_opt_t)CFG_INT_CB(int_opts[i].name, int_opts[i].def,
						 CFGF_NONE, parse_int);
	for (size_t i = 0; i < NBOOL; i++)
		opts[n++] = (cfg_opt_t)CFG_BOOL(bool_opts[i].name,
					       bool_opts[i].def ? cfg_true : cfg_false, CFGF_NONE);
	opts[n++] = (cfg_opt_t)CFG_SEC("room", room_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES);
	opts[n] = (cfg_opt_t)CFG_END();

	/* copies opts */
	c = cfg_init(opts, sockets_only ? CFGF_IGNORE_UNKNOWN : CFGF_NONE);
	if (!c)
		return NULL;
	cfg_set_error_function(c, on_cfg_error);
	for (size_t i = 0; i < NSTR; i++)
		cfg_set_validate_func(c, str_opts[i].name, validate_str);
	for (size_t i = 0; i < NINT; i++)
		cfg_set_validate_func(c, int_opts[i].name, validate_int);
	return c;
}

/* Copy every value, set or default, out of the parser into cfg. */
static int extract(cfg_t *c, struct lchat_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < NINT; i++)
		*int_field(cfg, &int_opts[i]) = cfg_getint(c, int_opts[i].name);
	for (size_t i = 0; i < NBOOL; i++)
		*bool_field(cfg, &bool_opts[i]) = cfg_getbool(c, bool_opts[i].name) == cfg_true;
	for (size_t i = 0; i < NSTR; i++) {
		const char *v = cfg_getstr(c, str_opts[i].name);
		char *s = strdup(v ? v : "");

		if (!s) {
			config_free(cfg);
			return -1;
		}
		*str_field(cfg, &str_opts[i]) = s;
	}
	return 0;
}

/* The `room` sections, checked, into cfg->rooms; then the default room,
 * added with the global settings if no section names it. */
static int extract_rooms(cfg_t *c, struct lchat_config *cfg, const char *path,
			 char *err, size_t errlen)
{
	unsigned n = cfg_size(c, "room");

	cfg->nrooms = 0;
	for (unsigned i = 0; i < n; i++) {
		cfg_t *sec = cfg_getnsec(c, "room", i);
		const char *name = cfg_title(sec), *group = cfg_getstr(sec, "group");
		const char *topic = cfg_getstr(sec, "topic");
		long backlog = cfg_getint(sec, "backlog");
		if (!name || !room_name_ok(name, strlen(name))) {
			set_err(err, errlen, "%s: room \"%s\": a room name is 1 to %d of a-z 0-9 _ -",
				path, name ? name : "", ROOM_NAME_MAX);
			return -1;
		}
		if (cfg->nrooms == ROOMS_MAX) {
			set_err(err, errlen, "%s: more than %d rooms", path, ROOMS_MAX);
			return -1;
		}
		if ((group && strlen(group) > ROOM_GROUP_MAX) || (topic && strlen(topic) > ROOM_TOPIC_MAX) ||
		    backlog < -1 || backlog > cfg->history) {
			set_err(err, errlen, "%s: room \"%s\": group (%d bytes), topic (%d bytes) "
				"or backlog (0 to history) too long or out of range",
				path, name, ROOM_GROUP_MAX, ROOM_TOPIC_MAX);
			return -1;
		}
		struct conf_room *r = &cfg->rooms[cfg->nrooms++];
		text_printf(r->name, sizeof(r->name), "%s", name);
		for (char *p = r->name; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		text_printf(r->group, sizeof(r->group), "%s", group ? group : "");
		text_printf(r->topic, sizeof(r->topic), "%s", topic ? topic : "");
		r->backlog = backlog < 0 ? cfg->backlog : backlog;
	}
	for (char *p = cfg->default_room; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (config_room(cfg, cfg->default_room))
		return 0;
	if (cfg->nrooms == ROOMS_MAX) {
		set_err(err, errlen, "%s: more than %d rooms with the default room", path, ROOMS_MAX);
		return -1;
	}
	/* First, as if its section came first. */
	memmove(&cfg->rooms[1], &cfg->rooms[0], cfg->nrooms * sizeof(cfg->rooms[0]));
	cfg->nrooms++;
	struct conf_room *r = &cfg->rooms[0];
	memset(r, 0, sizeof(*r));
	text_printf(r->name, sizeof(r->name), "%s", cfg->default_room);
	r->backlog = cfg->backlog;
	return 0;
}

const struct conf_room *config_room(const struct lchat_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nrooms; i++)
		if (strcasecmp(cfg->rooms[i].name, name) == 0)
			return &cfg->rooms[i];
	return NULL;
}

/* Checks that involve two options, once the whole file is read. */
static int cross_check(const struct lchat_config *cfg, const char *path,
		       char *err, size_t errlen)
{
	if (cfg->backlog > cfg->history) {
		set_err(err, errlen, "%s: backlog (%ld) must not be greater than history (%ld)",
			path, cfg->backlog, cfg->history);
		return -1;
	}
	if (cfg->max_users_per_uid > cfg->max_users) {
		set_err(err, errlen, "%s: max_users_per_uid (%ld) must not be greater than max_users (%ld)",
			path, cfg->max_users_per_uid, cfg->max_users);
		return -1;
	}
	if (strcmp(cfg->socket, cfg->control_socket) == 0) {
		set_err(err, errlen, "%s: socket and control_socket must differ (both are \"%s\")",
			path, cfg->socket);
		return -1;
	}
	if (cfg->irc_socket[0] && (strcmp(cfg->irc_socket, cfg->socket) == 0 ||
				   strcmp(cfg->irc_socket, cfg->control_socket) == 0)) {
		set_err(err, errlen, "%s: irc_socket must differ from socket and control_socket "
			"(\"%s\")", path, cfg->irc_socket);
		return -1;
	}
	return 0;
}

static int parse_text(const char *path, const char *text, bool sockets_only,
		      struct lchat_config *out, char *err, size_t errlen)
{
	struct load_ctx ctx = { path, text, err, errlen, 0, sockets_only };
	cfg_t *c = new_parser(sockets_only);
	int rc;

	if (!c) {
		set_err(err, errlen, "%s: %s", path, strerror(ENOMEM));
		return -1;
	}
	cur_load = &ctx;
	rc = cfg_parse_buf(c, text);
	cur_load = NULL;
	if (rc != CFG_SUCCESS) {
		if (!ctx.failed)
			set_err(err, errlen, "%s: cannot parse", path);
		rc = -1;
	} else if (extract(c, out) < 0) {
		set_err(err, errlen, "%s: %s", path, strerror(ENOMEM));
		rc = -1;
	} else if (!sockets_only && (cross_check(out, path, err, errlen) < 0 ||
				     extract_rooms(c, out, path, err, errlen) < 0)) {
		config_free(out);
		rc = -1;
	}
	cfg_free(c);
	return rc;
}

/* Initializes cfg fully: it is overwritten, not freed, so it must not
 * own strings (fresh, or config_free'd). On failure cfg holds the
 * defaults (or zeroes, if even they could not be allocated); either way
 * config_free(cfg) is safe. */
static int load(const char *path, bool sockets_only, struct lchat_config *cfg,
		char *err, size_t errlen)
{
	struct lchat_config loaded;
	char *text;
	int rc;

	set_err(err, errlen, "%s", "");
	if (config_defaults(cfg) < 0) {
		set_err(err, errlen, "%s: %s", path, strerror(ENOMEM));
		return -1;
	}
	text = read_text(path, err, errlen);
	if (!text)
		return -1;
	rc = parse_text(path, text, sockets_only, &loaded, err, errlen);
	free(text);
	if (rc < 0)
		return -1;
	/* Absolute, for reloads by a daemon that has left its cwd. */
	loaded.path = realpath(path, NULL);
	if (!loaded.path && !(loaded.path = strdup(path))) {
		config_free(&loaded);
		set_err(err, errlen, "%s: %s", path, strerror(ENOMEM));
		return -1;
	}
	config_free(cfg);
	*cfg = loaded;
	return 0;
}

int config_load(const char *path, struct lchat_config *cfg, char *err, size_t errlen)
{
	return load(path, false, cfg, err, errlen);
}

int config_load_sockets(const char *path, struct lchat_config *cfg, char *err, size_t errlen)
{
	return load(path, true, cfg, err, errlen);
}

/* ---- reload ----------------------------------------------------------- */

/* Append name to a comma-separated list. */
static void list_add(char *list, size_t len, const char *name)
{
	size_t used = strlen(list);

	text_printf(list + used, len > used ? len - used : 0, "%s%s", used ? "," : "", name);
}

/* An option that differs after a reload: name it in `changed` if a reload
 * may change it (and return true: take the new value), else in `restart`. */
static bool reload_takes(const char *name, bool runtime, char *changed, size_t changed_len,
			 char *restart, size_t restart_len)
{
	if (runtime)
		list_add(changed, changed_len, name);
	else
		list_add(restart, restart_len, name);
	return runtime;
}

int config_apply_reload(struct lchat_config *cur, struct lchat_config *fresh,
			char *changed, size_t changed_len, char *restart, size_t restart_len)
{
	int n = 0;

	changed[0] = restart[0] = '\0';
	for (size_t i = 0; i < NSTR; i++) {
		char **a = str_field(cur, &str_opts[i]), **b = str_field(fresh, &str_opts[i]);
		if (strcmp(*a, *b) != 0 && reload_takes(str_opts[i].name, str_opts[i].runtime,
							changed, changed_len, restart, restart_len)) {
			char *old = *a;   /* swapped, so config_free(fresh) frees it */
			*a = *b;
			*b = old;
			n++;
		}
	}
	for (size_t i = 0; i < NINT; i++) {
		long *a = int_field(cur, &int_opts[i]), *b = int_field(fresh, &int_opts[i]);
		if (*a != *b && reload_takes(int_opts[i].name, int_opts[i].runtime,
					     changed, changed_len, restart, restart_len)) {
			*a = *b;
			n++;
		}
	}
	for (size_t i = 0; i < NBOOL; i++) {
		bool *a = bool_field(cur, &bool_opts[i]), *b = bool_field(fresh, &bool_opts[i]);
		if (*a != *b && reload_takes(bool_opts[i].name, bool_opts[i].runtime,
					     changed, changed_len, restart, restart_len)) {
			*a = *b;
			n++;
		}
	}
	/* The rooms: the daemon compares them to its table (room_sync). */
	bool rooms_differ = cur->nrooms != fresh->nrooms ||
		memcmp(cur->rooms, fresh->rooms, cur->nrooms * sizeof(cur->rooms[0])) != 0;
	if (rooms_differ) {
		list_add(changed, changed_len, "room");
		memcpy(cur->rooms, fresh->rooms, sizeof(cur->rooms));
		cur->nrooms = fresh->nrooms;
		n++;
	}
	/* The run-time limits must still fit the ones the room was made with. */
	if (cur->max_users_per_uid > cur->max_users)
		cur->max_users_per_uid = cur->max_users;
	if (cur->backlog > cur->history)
		cur->backlog = cur->history;
	return n;
}
