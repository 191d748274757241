/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* paste.h - what the user sends as more than one message, and asking
 * first.
 *
 * A paste (text with line breaks, from the terminal's bracketed paste)
 * becomes one message per line, in order; blank lines are skipped, tabs
 * become spaces. Every line is said as it is: one that starts with "/"
 * is text, not a command, and "//" stays "//" (pasted code keeps its
 * comments). A message longer than the server's max_line is cut into
 * parts at spaces (split.h) rather than refused.
 *
 * A paste of more than paste_ask lines, or anything that has to be cut,
 * is held while the interface asks (Enter: send, Esc or Ctrl-C: cancel);
 * the answer comes back as paste_answer(). The scripting mode has no one
 * to ask: it sends at once. What is sent goes through the session's queue
 * (session_send), so the rate limit loses nothing. */
#ifndef LCHAT_CLIENT_PASTE_H
#define LCHAT_CLIENT_PASTE_H

#include <stdbool.h>
#include <stddef.h>

#include "protocol.h"

/* A paste of more lines than this asks first (lchat --paste-lines). */
#define PASTE_ASK_LINES 5

struct session;
struct paste_msg;

/* Messages held while the user is asked. */
struct paste_batch {
	struct paste_msg *head, *tail;
	unsigned lines;
	bool pasted;            /* a paste (else a typed line) */
};

/* A paste: text (len bytes) with line breaks. */
void paste_text(struct session *s, const char *text, size_t len);
/* A message the user typed: VERB_SAY, VERB_ME or VERB_PRIV (to target,
 * tn bytes) with text (n bytes): sent as it is when it fits the server's
 * limit, else offered in parts. */
void paste_message(struct session *s, enum verb v, const char *target, size_t tn,
		   const char *text, size_t n);
/* The user's answer: yes sends what is held, no drops it. */
void paste_answer(struct session *s, bool yes);
/* Is something held, waiting for the answer? */
bool paste_held(const struct session *s);
/* Drop what is held, without a word (the session ends). */
void paste_free(struct paste_batch *b);

#endif
