/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* conn.h - lchat-admin's side of one control-socket conversation: connect,
 * check the greeting, send commands, read each reply to its end. */
#ifndef LCHAT_ADMIN_CONN_H
#define LCHAT_ADMIN_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include "peercheck.h"
#include "protocol.h"

struct ctl_conn {
	int fd;
	int timeout_ms;         /* for each reply (the greeting included) */
	struct linebuf in;
	bool eof;               /* the daemon closed the connection */
};

/* A reply: the lines before its last one (WHO, STATUS, SANCTION ...) and
 * the last one (OK, ERR, BYE or PONG), parsed. */
struct reply {
	char **lines;
	size_t n;
	char *last;
	struct server_line sl;  /* the last line; points into `last` */
};

/* Connect to path, check who the server is (peer_check() with trust:
 * refused, ADM_CONNECT before anything is read) and the greeting (HELLO
 * lchat-control/1 ...). Returns an admin_exit code; on failure a message
 * is printed. */
int ctl_open(struct ctl_conn *c, const char *path, const struct peer_trust *trust,
	     int timeout_ms);

/* Send one command line (no "\n" in it) and read its reply into r.
 * Returns ADM_OK when a reply ended in OK or PONG, ADM_FAIL for ERR (and
 * for BYE, a lost connection or a timeout, with a message printed);
 * r is filled in every case and must be freed with reply_free(). */
int ctl_command(struct ctl_conn *c, const char *line, struct reply *r);

/* Print "lchat-admin: CODE: TEXT" (sanitized) for an ERR or BYE reply. */
void reply_print_error(const struct reply *r);
void reply_free(struct reply *r);

/* Say QUIT (best effort: the daemon may be gone after SHUTDOWN), close. */
void ctl_close(struct ctl_conn *c);

/* Is the hello's protocol word "lchat-control/1" or "lchat-control/1.x"?
 * (proto_hello_ok of lines.h, kept under this name for the tests.) */
bool ctl_protocol_ok(const char *word, size_t len);

#endif
