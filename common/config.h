/* config.h - /etc/lchat.conf, loaded with libconfuse, shared by the daemon,
 * the client and the admin tool. conf/lchat.conf documents every option. */
#ifndef LCHAT_CONFIG_H
#define LCHAT_CONFIG_H

#include <stddef.h>
#include <stdbool.h>

#define LCHAT_DEFAULT_CONFIG "/etc/lchat.conf"

struct lchat_config {
	char *socket;            /* user socket path */
	char *control_socket;    /* admin control socket path */
	char *admin_group;       /* group allowed on the control socket */
	char *state_dir;         /* room log file, pid file */
	char *motd;              /* message of the day, may hold "\n"; may be "" */
	long max_users;          /* connections at once (joined or joining) */
	long max_users_per_uid;  /* connections at once from one uid */
	long max_line;           /* bytes in one client line, without "\n" */
	long history;            /* events kept in the room log */
	long backlog;            /* events replayed to a newcomer */
	long rate_limit;         /* messages per second per user, sustained */
	long rate_burst;         /* messages a user may send at once */
	long join_timeout;       /* seconds a connection may take to join */
};

/* Fill cfg with the built-in defaults (every pointer field allocated). */
int config_defaults(struct lchat_config *cfg);

/* Initialize cfg with the defaults, then load `path` over them (cfg must
 * not hold allocated strings: it is overwritten). On error returns -1,
 * cfg holds the defaults, and err gets a message naming the file, the
 * line when known, and the reason. */
int config_load(const char *path, struct lchat_config *cfg, char *err, size_t errlen);

void config_free(struct lchat_config *cfg);

#endif
