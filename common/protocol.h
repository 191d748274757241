/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* protocol.h - the lchat wire protocol (docs/protocol.md), shared by the
 * daemon, the client and the admin tool: its constants here, and its
 * parts, each once:
 *   framing.h  lines out of a byte stream
 *   words.h    words and numbers of a line
 *   verbs.h    the commands (client -> server) and their table
 *   codes.h    the reply codes of ERR and BYE
 *   lines.h    every line the server sends: formatters and parsers
 *   reply.h    the control socket's longer replies
 * A client line is at most max_line bytes without its line end. */
#ifndef LCHAT_PROTOCOL_H
#define LCHAT_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>

#include "codes.h"
#include "framing.h"
#include "lines.h"
#include "verbs.h"
#include "words.h"

#define PROTO_VERSION 1
#define PROTO_NAME "lchat"
#define CONTROL_PROTO_NAME "lchat-control"
#define MAX_LINE_MIN 64
#define MAX_LINE_MAX 16384
/* Bytes a server line may add around a client's text (prefix, seq, time,
 * name, login, reason). A server line is at most max_line + PROTO_OVERHEAD. */
#define PROTO_OVERHEAD 192

struct buffer;
/* The checks every incoming line gets first (valid UTF-8, no forbidden
 * characters). Returns true if the line is to be processed; otherwise the
 * ERR reply has been queued on out (a blank line is ignored silently).
 * Sets *oom if queueing failed. */
bool proto_accept_line(const char *line, size_t len, struct buffer *out, bool *oom);
/* Queue "PONG [TOKEN]" answering a PING. -1 if out of memory. */
int proto_reply_pong(struct buffer *out, const struct command *cmd);

#endif
