/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* prefverbs.c - a handler's verbs of presence and preference: AWAY (per
 * connection, in the slot), IGNORE/UNIGNORE and MESG (per uid, in the
 * shared user table, saved by the daemon: prefs.h). */
#include "handler_int.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "accounts.h"
#include "codes.h"
#include "cut.h"
#include "lines.h"
#include "log.h"
#include "names.h"
#include "sanitize.h"
#include "usertab.h"
#include "util.h"

/* AWAY [REASON]: the member is away (WHO shows it, a PRIV's sender is
 * told after its OK PRIV), or back with no reason. The reason is text
 * others see: checked like a message, cut to AWAY_MAX bytes, refused to a
 * muted member, and it spends a token of the rate limit. Saying anything
 * (SAY, ME, PRIV) ends it too. Per connection: it is presence. */
void cmd_away(struct handler *h, const struct command *c)
{
	char reason[AWAY_MAX + 1] = "";

	if (c->text && c->text_len > 0) {
		enum text_error te = text_check(c->text, c->text_len, NULL);
		if (te != TEXT_OK) {
			reply(h, line_err(&h->out, text_error_reply(te), "%s", text_error_message(te)));
			return;
		}
		if (refused_muted(h, now_ms(), NULL))
			return;
		if (!spend(h)) {
			rate_refused(h);
			return;
		}
		text_copy(reason, sizeof(reason), c->text, c->text_len);
	}
	room_lock(h->room);
	memcpy(h->me->away, reason, sizeof(reason));
	room_unlock(h->room);
	if (reason[0])
		reply(h, line_ok(&h->out, VERB_AWAY, "%s", reason));
	else
		reply(h, line_ok(&h->out, VERB_AWAY, NULL));
}

/* Tell the daemon our uid's preferences changed (prefs.h): it copies and
 * saves them. Call after changing them under the lock. */
static void prefs_changed(struct handler *h)
{
	atomic_store(&h->room->hdr->prefs_dirty, 1);
	if (kill(h->daemon_pid, SIGUSR2) < 0)
		log_msg(LOG_WARNING, "telling the daemon of new preferences: %s", strerror(errno));
}

/* The uid and login of a member named `name` (any case), else of the
 * account whose login it is: who IGNORE and UNIGNORE mean. A new name
 * does not escape an IGNORE: it is kept by uid. False (and the ERR
 * replied) if there is neither. */
static bool resolve_user(struct handler *h, const char *arg, size_t len, uint32_t *uid,
			 char login[LOGIN_MAX + 1])
{
	char name[NAME_MAX_LEN + 1];

	if (len == 0 || len > NAME_MAX_LEN || name_check_syntax(arg, len) != NAME_OK) {
		reply(h, line_err(&h->out, CODE_NO_SUCH_USER, "nobody is called that"));
		return false;
	}
	memcpy(name, arg, len);
	name[len] = '\0';
	room_lock(h->room);
	int t = room_find_locked(h->room, name);
	if (t >= 0) {
		*uid = room_slot(h->room, (uint32_t)t)->uid;
		text_copy_str(login, LOGIN_MAX + 1, room_slot(h->room, (uint32_t)t)->login);
		room_unlock(h->room);
		return true;
	}
	room_unlock(h->room);
	uid_t u;
	uint64_t n;
	if (account_uid(name, &u)) {
		*uid = (uint32_t)u;
		text_copy_str(login, LOGIN_MAX + 1, name);
		return true;
	}
	/* "uid<N>": how a uid with no account shows (safe_login()). */
	if (len > 3 && memcmp(name, "uid", 3) == 0 && proto_parse_u64(name + 3, len - 3, &n) &&
	    n < UINT32_MAX) {
		u = (uid_t)n;
	} else {
		reply(h, line_err(&h->out, CODE_NO_SUCH_USER,
				  "nobody called %s is in the room, and no user has that login", name));
		return false;
	}
	*uid = (uint32_t)u;
	text_copy_str(login, LOGIN_MAX + 1, name);
	return true;
}

/* IGNORE: the list, one "IGNORED login uid" each and "OK IGNORE count". */
static void list_ignored(struct handler *h)
{
	uint32_t v[USERTAB_IGNORE_MAX], n = 0;

	room_lock(h->room);
	struct room_prefs *p = room_slot_prefs(h->room, h->slot);
	if (p) {
		n = atomic_load(&p->nignored);
		for (uint32_t i = 0; i < n && i < USERTAB_IGNORE_MAX; i++)
			v[i] = atomic_load(&p->ignored[i]);
	}
	room_unlock(h->room);
	for (uint32_t i = 0; i < n; i++) {
		char login[LOGIN_MAX + 1];
		safe_login((uid_t)v[i], login, sizeof(login));
		reply(h, line_ignored(&h->out, login, v[i]));
	}
	reply(h, line_ok(&h->out, VERB_IGNORE, "%u", (unsigned)n));
}

/* IGNORE [NAME|LOGIN] and UNIGNORE NAME|LOGIN: the user's list of uids
 * whose messages, private messages, joins, leaves and name changes the
 * fan-out writer does not send to any of its connections (notices always
 * arrive). Kept per uid, saved by the daemon (prefs.h). A change spends a
 * token of the rate limit: each one is a write to disk. */
void cmd_ignore(struct handler *h, const struct command *c)
{
	bool add = c->verb == VERB_IGNORE;
	uint32_t uid;
	char login[LOGIN_MAX + 1];

	if (add && !c->arg) {
		list_ignored(h);
		return;
	}
	if (!c->arg || c->text) {
		reply(h, line_usage(&h->out, c->verb, ""));
		return;
	}
	if (!spend(h)) {
		rate_refused(h);
		return;
	}
	if (!resolve_user(h, c->arg, c->arg_len, &uid, login))
		return;
	if (uid == (uint32_t)h->uid) {
		reply(h, line_err(&h->out, CODE_BAD_ARGUMENT, "you cannot ignore yourself"));
		return;
	}
	room_lock(h->room);
	uint32_t u = h->me->user1 - 1;
	int rc = add ? usertab_ignore_add_locked(h->room, u, uid)
		     : usertab_ignore_remove_locked(h->room, u, uid);
	room_unlock(h->room);
	if (rc > 0)
		prefs_changed(h);
	if (add && rc < 0)
		reply(h, line_err(&h->out, CODE_IGNORE_FULL, "you ignore %d users already, the most "
				  "there may be; UNIGNORE one first", USERTAB_IGNORE_MAX));
	else if (!add && rc == 0)
		reply(h, line_err(&h->out, CODE_NOT_IGNORED, "you do not ignore %s", login));
	else
		reply(h, line_ok(&h->out, c->verb, "%s %u", login, (unsigned)uid));
}

/* MESG [y|n]: does the user (all its connections) take private messages
 * from others than administrators? Without an argument, says which. */
void cmd_mesg(struct handler *h, const struct command *c)
{
	bool y = c->arg && proto_word_is(c->arg, c->arg_len, "y");
	bool n = c->arg && proto_word_is(c->arg, c->arg_len, "n");

	if ((c->arg && !y && !n) || c->text) {
		reply(h, line_usage(&h->out, c->verb, ""));
		return;
	}
	if (c->arg && !spend(h)) {
		rate_refused(h);
		return;
	}
	room_lock(h->room);
	struct room_prefs *p = room_slot_prefs(h->room, h->slot);
	bool changed = false, off = false;
	if (p) {
		if (c->arg && atomic_load(&p->mesg_off) != (uint32_t)n) {
			atomic_store(&p->mesg_off, (uint32_t)n);
			atomic_store(&p->dirty, 1);
			changed = true;
		}
		off = atomic_load(&p->mesg_off);
	}
	room_unlock(h->room);
	if (changed)
		prefs_changed(h);
	reply(h, line_ok(&h->out, VERB_MESG, "%s", off ? "n" : "y"));
}

