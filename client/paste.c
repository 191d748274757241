/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* paste.c - pastes and over-long messages: held, asked about, sent in
 * parts (see paste.h). */
#include <stdlib.h>
#include <string.h>

#include "paste.h"
#include "session.h"
#include "split.h"

/* One message of a batch, whole: it is cut into parts when sent, at the
 * limit of that moment (a reconnect may have changed max_line). */
struct paste_msg {
	struct paste_msg *next;
	enum verb verb;
	char *target;           /* VERB_PRIV: the recipient */
	size_t tn;
	char *text;
	size_t n;
};

void paste_free(struct paste_batch *b)
{
	struct paste_msg *m;

	while ((m = b->head)) {
		b->head = m->next;
		free(m->target);
		free(m->text);
		free(m);
	}
	b->tail = NULL;
	b->lines = 0;
	b->pasted = false;
}

bool paste_held(const struct session *s)
{
	return s->held.head != NULL;
}

static int hold(struct paste_batch *b, enum verb v, const char *target, size_t tn,
		const char *text, size_t n)
{
	struct paste_msg *m = calloc(1, sizeof(*m));

	if (!m || !(m->text = strndup(text, n)) || (target && !(m->target = strndup(target, tn)))) {
		if (m)
			free(m->text);
		free(m);
		return -1;
	}
	m->verb = v;
	m->tn = tn;
	m->n = n;
	if (b->tail)
		b->tail->next = m;
	else
		b->head = m;
	b->tail = m;
	b->lines++;
	return 0;
}

/* How many messages m goes out as. */
static size_t parts_of(const struct session *s, const struct paste_msg *m)
{
	return split_count(m->text, m->n, session_text_limit(s, m->verb, m->tn));
}

/* Queue every part of every held message, in order, and let go. */
static void send_held(struct session *s)
{
	for (struct paste_msg *m = s->held.head; m; m = m->next) {
		size_t limit = session_text_limit(s, m->verb, m->tn), off = 0, n;
		const char *p;

		while ((p = split_part(m->text, m->n, limit, &off, &n)))
			session_send(s, m->verb, m->target, m->tn, p, n);
	}
	paste_free(&s->held);
}

/* Ask the user about what is held (the question says what); false when
 * no one can be asked. */
static bool ask(struct session *s)
{
	return s->ui.confirm && s->ui.confirm(s->ui.ctx, true);
}

#define ANSWERS "(Enter: send, Esc or Ctrl-C: cancel)"

void paste_text(struct session *s, const char *text, size_t len)
{
	struct buffer line = { 0 };
	size_t off = 0, n, msgs = 0;
	const char *l;

	paste_free(&s->held);
	if (s->state != ST_JOINED) {
		session_status(s, "not connected: the paste was not sent");
		return;
	}
	s->held.pasted = true;
	while ((l = split_line(text, len, &off, &n))) {
		if (split_blank(l, n))
			continue;
		line.off = line.len = 0;
		if (split_expand_tabs(&line, l, n) < 0 ||
		    hold(&s->held, VERB_SAY, NULL, 0, line.data, line.len) < 0) {
			session_status(s, "out of memory: the paste was not sent");
			paste_free(&s->held);
			buffer_free(&line);
			return;
		}
		msgs += parts_of(s, s->held.tail);
	}
	buffer_free(&line);
	if (!s->held.lines)
		return;
	if ((s->held.lines > s->paste_ask || msgs > s->held.lines) && ask(s)) {
		if (msgs > s->held.lines)
			session_status(s, "paste %u line%s as %zu messages (long lines cut at spaces)? "
				       ANSWERS, s->held.lines, s->held.lines == 1 ? "" : "s", msgs);
		else
			session_status(s, "paste %u lines? " ANSWERS, s->held.lines);
		return;
	}
	send_held(s);
}

void paste_message(struct session *s, enum verb v, const char *target, size_t tn,
		   const char *text, size_t n)
{
	size_t limit = session_text_limit(s, v, tn), parts;

	if (n <= limit) {
		session_send(s, v, target, tn, text, n);
		return;
	}
	paste_free(&s->held);
	if (hold(&s->held, v, target, tn, text, n) < 0) {
		session_status(s, "out of memory: not sent");
		return;
	}
	parts = parts_of(s, s->held.head);
	if (parts > 1 && ask(s)) {
		session_status(s, "too long (%zu bytes, the server takes %zu): send as %zu messages? "
			       ANSWERS, n, limit, parts);
		return;
	}
	send_held(s);
}

void paste_answer(struct session *s, bool yes)
{
	bool pasted = s->held.pasted;

	if (!paste_held(s))
		return;
	if (s->ui.confirm)
		s->ui.confirm(s->ui.ctx, false);
	if (yes) {
		send_held(s);
		return;
	}
	paste_free(&s->held);
	if (pasted)
		session_status(s, "paste cancelled: nothing was sent");
	else
		session_status(s, "not sent (Up brings the line back)");
}
