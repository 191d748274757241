/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* waiting.c - keeping messages for accounts that are not in the chat, and
 * handing them over at JOIN (waiting.h). */
#include "waiting.h"

#include "usertab.h"

#include <string.h>

#include "accounts.h"
#include "buffer.h"
#include "cut.h"
#include "log.h"

/* Characters of a login in a mention: POSIX's portable set. */
static bool login_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

const char *mention_next(const char *text, size_t len, size_t *pos, size_t *n)
{
	for (size_t i = *pos; i < len; i++) {
		const char *at = memchr(text + i, '@', len - i);
		if (!at)
			break;
		i = (size_t)(at - text);
		if (i > 0 && text[i - 1] != ' ' && text[i - 1] != '(')
			continue;
		size_t s = i + 1, e = s;
		while (e < len && login_char(text[e]))
			e++;
		size_t end = e;
		while (end > s && text[end - 1] == '.')   /* "@bob." ends a sentence */
			end--;
		/* A whole word: what follows is the end, a space or punctuation
		 * that no login has. */
		if (end > s && end - s <= LOGIN_MAX && (e == len || !login_char(text[e])) &&
		    (e == len || strchr(" ,:;!?)'\"", text[e]))) {
			*pos = e;
			*n = end - s;
			return text + s;
		}
		i = e > i ? e - 1 : i;
	}
	*pos = len;
	return NULL;
}

/* Is one of uid's connections a member now? Its name into name. */
static bool in_room_locked(struct room *r, uid_t uid, char name[NAME_MAX_LEN + 1])
{
	ROOM_FOREACH_SLOT(r, i) {
		struct room_slot *s = room_slot(r, i);
		if (atomic_load(&s->state) == SLOT_JOINED && s->uid == (uint32_t)uid) {
			text_printf(name, NAME_MAX_LEN + 1, "%s", s->name);
			return true;
		}
	}
	return false;
}

/* Keep one message for the account `login`, if it exists and is not in
 * the chat. Returns CODE_OK (kept), CODE_NO_SUCH_USER (no such account),
 * CODE_ALREADY_JOINED (it is in the chat, as `as`: the sender's own
 * account always is), CODE_WAIT_FULL or CODE_STORAGE. */
static enum reply_code keep(const struct waiting_ctx *w, const char *login, enum event_kind kind,
			    const char *text, size_t text_len, int64_t ms, char as[NAME_MAX_LEN + 1])
{
	uid_t to;

	if (!account_uid(login, &to))
		return CODE_NO_SUCH_USER;
	if (to == w->uid) {          /* the sender's own: it is in the chat */
		text_printf(as, NAME_MAX_LEN + 1, "%s", w->name);
		return CODE_ALREADY_JOINED;
	}
	if (w->cfg->wait_max <= 0 || !w->box->hdr)
		return CODE_STORAGE;
	struct wait_msg m = {
		.to_uid = to, .from_uid = w->uid, .kind = kind, .ms = ms,
		.from_name = w->name, .from_login = w->login, .text = text, .text_len = text_len,
		.from_admin = w->admin,
	};
	room_lock(w->room);
	enum reply_code rc = in_room_locked(w->room, to, as) ? CODE_ALREADY_JOINED :
			     waitbox_add_locked(w->box, &m, (unsigned)w->cfg->wait_max);
	room_unlock(w->room);
	if (rc == CODE_OK) {
		log_msg(LOG_INFO, "waiting: a %s of %s (uid %u) kept for %s (uid %u)",
			kind == EV_PRIV ? "private message" : "mention", w->login,
			(unsigned)w->uid, login, (unsigned)to);
		if (w->cfg->log_messages)
			log_msg(LOG_INFO, "waiting for %s: %.*s", login, (int)text_len, text);
	} else if (rc == CODE_STORAGE) {
		log_msg(LOG_WARNING, "waiting: the store is full (wait_total = %ld); a message "
			"for %s refused", w->cfg->wait_total, login);
	}
	return rc;
}

static const char *why_not(enum reply_code rc, const struct waiting_ctx *w)
{
	if (rc == CODE_WAIT_FULL)
		return w->cfg->wait_max == 1 ? "a message already waits for this user; not kept" :
		       "as many messages as may already wait for this user; not kept";
	return w->cfg->wait_max <= 0 || !w->box->hdr ?
	       "messages cannot wait on this server; not kept" :
	       "no room left to keep messages; not kept";
}

int waiting_priv(const struct waiting_ctx *w, const char *login, size_t login_len,
		 const char *text, size_t text_len, int64_t ms)
{
	char to[LOGIN_MAX + 1], as[NAME_MAX_LEN + 1];
	bool syntax = login_len > 0 && login_len <= LOGIN_MAX;

	for (size_t i = 0; syntax && i < login_len; i++)
		syntax = login_char(login[i]);

	if (syntax) {
		memcpy(to, login, login_len);
		to[login_len] = '\0';
	}
	enum reply_code rc = syntax ? keep(w, to, EV_PRIV, text, text_len, ms, as) :
			     CODE_NO_SUCH_USER;
	switch (rc) {
	case CODE_OK:
		return line_ok(w->out, VERB_PRIV, "waiting %s", to);
	case CODE_ALREADY_JOINED:
		return line_err(w->out, CODE_NO_SUCH_USER, "nobody called %s is in the room; "
				"%s is in it as %s", to, to, as);
	case CODE_WAIT_FULL: case CODE_STORAGE:
		return line_err(w->out, rc, "%s", why_not(rc, w));
	default:
		return line_err(w->out, CODE_NO_SUCH_USER,
				"nobody called %s is in the room, nor is it a login here",
				syntax ? to : "that");
	}
}

int waiting_mentions(const struct waiting_ctx *w, enum event_kind kind, const char *text,
		     size_t text_len, int64_t ms)
{
	char seen[MENTIONS_MAX][LOGIN_MAX + 1];
	unsigned looked = 0;
	size_t pos = 0, n;
	const char *at;

	if (w->cfg->wait_max <= 0)
		return 0;
	/* At most MENTIONS_MAX distinct logins are looked up (each may ask
	 * the name service): the rest of the message's mentions wait for
	 * nobody. */
	while (looked < MENTIONS_MAX && (at = mention_next(text, text_len, &pos, &n))) {
		char login[LOGIN_MAX + 1], as[NAME_MAX_LEN + 1];
		memcpy(login, at, n);
		login[n] = '\0';
		bool dup = false;
		for (unsigned i = 0; i < looked; i++)
			dup |= strcmp(seen[i], login) == 0;
		if (dup)
			continue;
		memcpy(seen[looked++], login, n + 1);
		enum reply_code rc = keep(w, login, kind, text, text_len, ms, as);
		if (rc == CODE_NO_SUCH_USER || rc == CODE_ALREADY_JOINED)
			continue;      /* a word, or someone who reads it now */
		if (line_kept(w->out, login, rc, rc == CODE_OK ? "" : why_not(rc, w)) < 0)
			return -1;
	}
	return 0;
}

/* Would the member see m: not from a uid it ignores, and not a private
 * message from a non-administrator while it refuses them (MESG n)? */
static bool wanted(void *ctx, const struct wait_msg *m)
{
	const struct waiting_ctx *w = ctx;
	const struct room_prefs *p = room_slot_prefs(w->room, w->slot);
	uint32_t u1 = room_slot(w->room, w->slot)->user1;

	if (u1 && usertab_ignores(w->room, u1 - 1, (uint32_t)m->from_uid))
		return false;
	return !(m->kind == EV_PRIV && !m->from_admin && p && atomic_load(&p->mesg_off));
}

struct deliver {
	const struct waiting_ctx *w;
	int failed;
	unsigned dropped;
};

static void deliver_one(void *ctx, const struct wait_msg *m)
{
	struct deliver *d = ctx;

	if (!wanted((void *)d->w, m)) {
		d->dropped++;
		return;
	}
	if (line_waiting(d->w->out, m->ms, m->kind, m->from_name, m->from_login, m->text,
			 m->text_len) < 0)
		d->failed = -1;
}

int waiting_deliver(const struct waiting_ctx *w)
{
	struct deliver d = { w, 0, 0 };

	if (!w->box->hdr)
		return 0;
	room_lock(w->room);
	unsigned n = waitbox_take_locked(w->box, w->uid, deliver_one, &d);
	room_unlock(w->room);
	if (n)
		log_msg(LOG_INFO, "waiting: %u message%s handed to %s (uid %u), %u of them dropped "
			"(ignored sender, or MESG n)", n, n == 1 ? "" : "s", w->login,
			(unsigned)w->uid, d.dropped);
	return d.failed ? -1 : (int)(n - d.dropped);
}

int waiting_count(const struct waiting_ctx *w)
{
	room_lock(w->room);
	unsigned n = waitbox_count_locked(w->box, w->uid, wanted, (void *)w);
	room_unlock(w->room);
	return line_ok(w->out, VERB_WAITING, "%u", n);
}
