/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* config.h - /etc/lchat.conf, loaded with libconfuse, shared by the daemon,
 * the client and the admin tool. conf/lchat.conf documents every option. */
#ifndef LCHAT_CONFIG_H
#define LCHAT_CONFIG_H

#include <stddef.h>
#include <stdbool.h>

#include "names.h"

#define LCHAT_DEFAULT_CONFIG "/etc/lchat.conf"

/* Rooms (issue 17; docs/protocol.md, "Rooms (PROTO 2)"). */
#define ROOMS_MAX 64            /* rooms at once: configured + user rooms */
#define ROOM_GROUP_MAX 32
#define ROOM_TOPIC_MAX 160

/* A `room "name" { group topic backlog }` section. */
struct conf_room {
	char name[ROOM_NAME_MAX + 1];    /* lower case, without '#' */
	char group[ROOM_GROUP_MAX + 1];  /* "": everyone may enter */
	char topic[ROOM_TOPIC_MAX + 1];
	long backlog;                    /* events replayed on ENTER */
};

struct lchat_config {
	char *socket;            /* user socket path */
	char *control_socket;    /* admin control socket path */
	char *irc_socket;        /* IRC socket path; "": no IRC listener */
	char *admin_group;       /* group allowed on the control socket */
	char *user;              /* the unprivileged user lchatd runs as */
	char *state_dir;         /* room log file, pid file */
	char *motd;              /* message of the day, may hold "\n"; may be "" */
	char *default_room;      /* the room JOIN enters, without '#' */
	long max_users;          /* connections at once (joined or joining) */
	long max_users_per_uid;  /* connections at once from one uid */
	long max_line;           /* bytes in one client line, without "\n" */
	long history;            /* events kept in the room log */
	long backlog;            /* events replayed to a newcomer */
	long rate_limit;         /* messages per second per user, sustained */
	long rate_burst;         /* messages a user may send at once */
	long join_timeout;       /* seconds a connection may take to join */
	long max_unjoined;       /* connections at once that have not joined */
	long max_unjoined_per_uid; /* the same, from one uid */
	long wait_max;           /* messages that may wait for one account; 0: none */
	long wait_total;         /* messages that may wait in all (the file's size) */
	long wait_keep;          /* seconds a waiting message is kept; 0: no end */
	long private_keep;       /* seconds a private message's text stays in the
				  * history; 0: as long as the history holds it */
	bool log_messages;       /* log message text (off: only who and when) */
	bool notice_wall;        /* every NOTICE goes to the terminals too */
	bool user_rooms;         /* ENTER may create open user rooms */
	long max_rooms_per_user; /* rooms one connection is in at once */
	long max_created_rooms;  /* user rooms of one uid that exist at once */
	struct conf_room rooms[ROOMS_MAX];   /* the configured rooms; the
				  * default room is one of them (added if the
				  * file has no section for it) */
	size_t nrooms;
	char *path;              /* the file it was loaded from, or NULL */
};

/* Fill cfg with the built-in defaults (every pointer field allocated). */
int config_defaults(struct lchat_config *cfg);

/* Initialize cfg with the defaults, then load `path` over them (cfg must
 * not hold allocated strings: it is overwritten). On error returns -1,
 * cfg holds the defaults, and err gets a message naming the file, the
 * line when known, and the reason. */
int config_load(const char *path, struct lchat_config *cfg, char *err, size_t errlen);

/* The same for the client and the admin tool, which use only the socket
 * paths and `user` (the daemon's user, whom they trust: peercheck.h): the
 * other options are not checked (a value out of range, an unknown option:
 * the daemon's problem, not theirs, and they take the default), only the
 * file's syntax, the two sockets and the user. */
int config_load_sockets(const char *path, struct lchat_config *cfg, char *err, size_t errlen);

void config_free(struct lchat_config *cfg);

/* The configured room `name` (without '#', any case), or NULL. */
const struct conf_room *config_room(const struct lchat_config *cfg, const char *name);

/* Reload: take the options of `fresh` (a freshly loaded config) that may
 * change at run time into `cur`. `changed` gets their names, comma-
 * separated; `restart` the names of options that differ but need a restart
 * (cur keeps their old values). Returns how many changed. `fresh` must
 * still be config_free'd. */
int config_apply_reload(struct lchat_config *cur, struct lchat_config *fresh,
			char *changed, size_t changed_len, char *restart, size_t restart_len);

#endif
