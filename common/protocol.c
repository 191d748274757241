/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* protocol.c - the first check every incoming line gets. */
#include "protocol.h"

#include "buffer.h"
#include "sanitize.h"

bool proto_accept_line(const char *line, size_t len, struct buffer *out, bool *oom)
{
	size_t bad;
	enum text_error te = text_check(line, len, &bad);

	if (te == TEXT_OK)
		return true;
	if (te != TEXT_EMPTY &&
	    line_err(out, text_error_reply(te), "%s (byte %zu)", text_error_message(te), bad + 1) < 0)
		*oom = true;
	return false;
}

int proto_reply_pong(struct buffer *out, const struct command *cmd)
{
	return line_pong(out, cmd->text, cmd->text_len);
}
