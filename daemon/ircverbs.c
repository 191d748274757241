/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* ircverbs.c - a handler's IRC dialect (docs/protocol.md, "IRC"), for a
 * connection accepted on the IRC socket.
 *
 * IRC is a front end, not a second implementation: every IRC command that
 * does something in the room becomes the user socket's verb that does it
 * (handler_verb(): NICK at registration is a JOIN, PRIVMSG a SAY, ME or
 * PRIV, JOIN of a channel an ENTER, PART, TOPIC, AWAY, QUIT), so the name
 * rules, rate limit, mutes, rooms' groups and text rules are the same code
 * for both sockets. The lchat replies that verb queues are turned into
 * IRC numerics in one place, irc_translate(), called by flush_replies()
 * before anything reaches the reply queue: a line that ends in CR LF is
 * IRC already and passes; one that ends in a bare LF is lchat's and is
 * translated, with the IRC command being served (h->irc.cmd, target) as
 * its context. Commands that only read (NAMES, WHO, WHOIS, LIST, MODE,
 * ISON, USERHOST, CAP, PING) answer in IRC directly. Events reach the
 * client from the fan-out writer, formatted by ircfmt.c. */
#include "handler_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cut.h"
#include "irc.h"
#include "ircfmt.h"
#include "lines.h"
#include "names.h"
#include "sanitize.h"
#include "util.h"
#include "version.h"

/* Our nick for numerics: "*" until registered (the slot's name is set
 * by the registration's JOIN, before its replies are translated). */
static const char *me(struct handler *h)
{
	return h->me->name[0] ? h->me->name : "*";
}

/* Reply helpers: an out-of-memory handler closes (handler_int.h). */
#define num(h, n, ...) reply((h), irc_num(&(h)->out, me(h), (n), __VA_ARGS__))
#define out_line(h, ...) reply((h), irc_line(&(h)->out, __VA_ARGS__))

/* A parameter as a C string, cut to fit. */
static void param(const struct irc_msg *m, unsigned i, char *out, size_t cap)
{
	if (i < m->n)
		text_copy(out, cap, m->p[i], m->len[i]);
	else
		out[0] = '\0';
}

/* Run a user-socket verb for the IRC command being served. */
static void run_verb(struct handler *h, enum verb v, const char *arg, size_t arg_len,
		     const char *text, size_t text_len)
{
	struct command c = {
		.verb = v, .verb_text = verb_name(v), .verb_len = strlen(verb_name(v)),
		.arg = arg, .arg_len = arg ? arg_len : 0,
		.text = text && text_len ? text : NULL, .text_len = text ? text_len : 0,
	};
	handler_verb(h, &c);
}

/* ---- reading the room ------------------------------------------------ */

/* "353 = #room :names..." lines and 366 for room k. */
static void names_of(struct handler *h, uint32_t k)
{
	struct room *r = h->room;
	char room[ROOM_NAME_MAX + 2], list[420];
	size_t n = 0;

	room_lock(r);
	snprintf(room, sizeof(room), "#%s", r->hdr->defs[k].name);
	ROOM_FOREACH_SLOT(r, i) {
		struct room_slot *s = room_slot(r, i);
		if (atomic_load(&s->state) != SLOT_JOINED ||
		    !(atomic_load(&s->rooms) & (UINT64_C(1) << k)))
			continue;
		size_t l = strlen(s->name);
		if (n + l + 2 > sizeof(list)) {
			num(h, RPL_NAMREPLY, "= %s :%.*s", room, (int)n, list);
			n = 0;
		}
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", n ? " " : "", s->name);
	}
	room_unlock(r);
	if (n)
		num(h, RPL_NAMREPLY, "= %s :%.*s", room, (int)n, list);
	num(h, RPL_ENDOFNAMES, "%s :End of /NAMES list.", room);
}

/* 332 and 333, or 331, for room k. */
static void topic_of(struct handler *h, uint32_t k)
{
	struct room *r = h->room;
	char room[ROOM_NAME_MAX + 2], topic[ROOM_TOPIC_MAX + 1], by[NAME_MAX_LEN + 1];

	room_lock(r);
	const struct room_def *d = &r->hdr->defs[k];
	snprintf(room, sizeof(room), "#%s", d->name);
	text_copy_str(topic, sizeof(topic), d->topic);
	text_copy_str(by, sizeof(by), d->topic_by[0] ? d->topic_by : IRC_SERVER);
	int64_t ms = d->topic_ms;
	room_unlock(r);
	if (!topic[0]) {
		num(h, RPL_NOTOPIC, "%s :No topic is set", room);
		return;
	}
	num(h, RPL_TOPIC, "%s :%s", room, topic);
	num(h, RPL_TOPICWHOTIME, "%s %s %" PRId64, room, by, ms / 1000);
}

/* After our JOIN of room k (registration or ENTER): the JOIN line, the
 * topic, the names, and the history batch opened (batch cap). */
static void joined_burst(struct handler *h, uint32_t k)
{
	char room[ROOM_NAME_MAX + 2];

	room_lock(h->room);
	snprintf(room, sizeof(room), "#%s", h->room->hdr->defs[k].name);
	room_unlock(h->room);
	out_line(h, ":%s!%s@%s JOIN %s", h->me->name, h->login, IRC_HOST, room);
	topic_of(h, k);
	names_of(h, k);
	if (atomic_load(&h->me->irc_caps) & IRC_CAP_BATCH)
		out_line(h, "%s +%s chathistory %s", irc_cmd_word(IRC_BATCH), IRCFMT_BATCH_ID, room);
}

/* ---- registration ---------------------------------------------------- */

static void welcome(struct handler *h)
{
	const struct lchat_config *cfg = h->cfg;

	num(h, RPL_WELCOME, ":Welcome to lchat, %s!%s@%s", h->me->name, h->login, IRC_HOST);
	num(h, RPL_YOURHOST, ":Your host is %s, running lchatd/%s", IRC_SERVER, LCHAT_VERSION);
	num(h, RPL_CREATED, ":This server speaks lchat over IRC");
	num(h, RPL_MYINFO, "%s lchatd/%s i nt", IRC_SERVER, LCHAT_VERSION);
	num(h, RPL_ISUPPORT, "CASEMAPPING=ascii CHANTYPES=# CHANLIMIT=#:%ld CHANNELLEN=%d "
	    "NICKLEN=%d TOPICLEN=%d AWAYLEN=%d KICKLEN=160 MAXTARGETS=1 LINELEN=%d MODES=0 "
	    "CHANMODES=,,,nt PREFIX=(o)@ NETWORK=lchat :are supported by this server",
	    cfg->max_rooms_per_user, ROOM_NAME_MAX + 1, NAME_MAX_LEN, ROOM_TOPIC_MAX, AWAY_MAX,
	    IRC_LINE_MAX + 2);
}

/* NICK, USER and (if CAP was sent) CAP END have come: register, which
 * is JOIN under that nick, by JOIN's rules. A refused nick (432, 433)
 * leaves the connection unregistered: it may send another NICK. */
static void try_register(struct handler *h)
{
	if (h->joined || !h->irc.nick[0] || !h->irc.got_user || h->irc.cap_wait)
		return;
	h->irc.cmd = IRC_NICK;
	text_copy_str(h->irc.target, sizeof(h->irc.target), h->irc.nick);
	run_verb(h, VERB_JOIN, h->irc.nick, strlen(h->irc.nick), NULL, 0);
}

/* ---- commands -------------------------------------------------------- */

static void irc_cap(struct handler *h, const struct irc_msg *m)
{
	char sub[16];
	param(m, 0, sub, sizeof(sub));
	if (strcasecmp(sub, "LS") == 0) {
		if (!h->joined)
			h->irc.cap_wait = true;
		out_line(h, ":%s CAP %s LS :%s", IRC_SERVER, me(h), irc_caps_offered());
	} else if (strcasecmp(sub, "LIST") == 0) {
		uint32_t on = atomic_load(&h->me->irc_caps);
		out_line(h, ":%s CAP %s LIST :%s%s%s%s", IRC_SERVER, me(h),
		     on & IRC_CAP_SERVER_TIME ? "server-time " : "",
		     on & IRC_CAP_MESSAGE_TAGS ? "message-tags " : "",
		     on & IRC_CAP_BATCH ? "batch " : "", on & IRC_CAP_ECHO ? "echo-message" : "");
	} else if (strcasecmp(sub, "REQ") == 0 && m->n >= 2) {
		uint32_t caps;
		char list[200];
		param(m, 1, list, sizeof(list));
		if (!h->joined)
			h->irc.cap_wait = true;
		if (!irc_caps_parse(m->p[1], m->len[1], &caps)) {
			out_line(h, ":%s CAP %s NAK :%s", IRC_SERVER, me(h), list);
			return;
		}
		atomic_fetch_or(&h->me->irc_caps, caps);
		out_line(h, ":%s CAP %s ACK :%s", IRC_SERVER, me(h), list);
	} else if (strcasecmp(sub, "END") == 0) {
		h->irc.cap_wait = false;
		try_register(h);
	} else if (!sub[0] || strcasecmp(sub, "REQ") == 0) {
		num(h, ERR_NEEDMOREPARAMS, "CAP :Not enough parameters");
	} else {
		num(h, ERR_INVALIDCAPCMD, "%s :Invalid CAP command", sub);
	}
}

static void irc_pass(struct handler *h, const struct irc_msg *m)
{
	(void)m;
	if (h->joined)
		num(h, ERR_ALREADYREGISTERED, ":You may not reregister");
}

static void irc_user(struct handler *h, const struct irc_msg *m)
{
	if (h->joined) {
		num(h, ERR_ALREADYREGISTERED, ":You may not reregister");
		return;
	}
	if (m->n < 4) {
		num(h, ERR_NEEDMOREPARAMS, "USER :Not enough parameters");
		return;
	}
	h->irc.got_user = true;   /* its words are ignored: the kernel says who */
	try_register(h);
}

static void irc_nick(struct handler *h, const struct irc_msg *m)
{
	if (m->n < 1 || m->len[0] == 0) {
		num(h, ERR_NONICKNAMEGIVEN, ":No nickname given");
		return;
	}
	text_copy(h->irc.target, sizeof(h->irc.target), m->p[0], m->len[0]);
	if (!h->joined) {
		if (m->len[0] > NAME_MAX_LEN) {
			num(h, ERR_ERRONEUSNICKNAME, "%.*s :%s", (int)NAME_MAX_LEN, m->p[0],
			    name_error_message(NAME_TOO_LONG));
			return;
		}
		text_copy(h->irc.nick, sizeof(h->irc.nick), m->p[0], m->len[0]);
		try_register(h);
		return;
	}
	run_verb(h, VERB_NICK, m->p[0], m->len[0], NULL, 0);
}

static void irc_ping(struct handler *h, const struct irc_msg *m)
{
	char token[IRC_LINE_MAX + 1];
	param(m, 0, token, sizeof(token));
	out_line(h, ":%s PONG %s :%s", IRC_SERVER, IRC_SERVER, token);
}

static void irc_pong(struct handler *h, const struct irc_msg *m)
{
	(void)h;
	(void)m;
}

/* Each channel of a comma list: fn(h, "#name", n). */
static void each_channel(struct handler *h, const struct irc_msg *m,
			 void (*fn)(struct handler *h, const char *w, size_t n, const struct irc_msg *m))
{
	const char *p = m->p[0], *e = p + m->len[0];
	while (p < e) {
		const char *c = memchr(p, ',', (size_t)(e - p));
		size_t n = c ? (size_t)(c - p) : (size_t)(e - p);
		if (n > 0) {
			text_copy(h->irc.target, sizeof(h->irc.target), p, n);
			fn(h, p, n, m);
			flush_replies(h);
		}
		p += n + 1;
	}
}

static void join_one(struct handler *h, const char *w, size_t n, const struct irc_msg *m)
{
	(void)m;
	if (n == 1 && w[0] == '0') {   /* "part all": not here */
		num(h, ERR_NOSUCHCHANNEL, "0 :Leave your channels with PART");
		return;
	}
	int k = room_lookup(h->room, w, n);
	if (k >= 0 && (atomic_load(&h->me->rooms) & (UINT64_C(1) << k)))
		return;   /* already in it: nothing, as servers do */
	run_verb(h, VERB_ENTER, w, n, NULL, 0);
}

static void irc_join(struct handler *h, const struct irc_msg *m)
{
	if (m->n < 1) {
		num(h, ERR_NEEDMOREPARAMS, "JOIN :Not enough parameters");
		return;
	}
	each_channel(h, m, join_one);
}

static void part_one(struct handler *h, const char *w, size_t n, const struct irc_msg *m)
{
	run_verb(h, VERB_PART, w, n, m->n > 1 ? m->p[1] : NULL, m->n > 1 ? m->len[1] : 0);
}

static void irc_part(struct handler *h, const struct irc_msg *m)
{
	if (m->n < 1) {
		num(h, ERR_NEEDMOREPARAMS, "PART :Not enough parameters");
		return;
	}
	each_channel(h, m, part_one);
}

/* PRIVMSG and NOTICE (a user's notice is a message; never answered with
 * an error). Formatting codes are removed (sanitize.h); CTCP ACTION is ME,
 * any other CTCP is dropped. */
static void irc_privmsg(struct handler *h, const struct irc_msg *m)
{
	bool notice = m->cmd == IRC_NOTICE;
	if (m->n < 1 || m->len[0] == 0) {
		if (!notice)
			num(h, ERR_NORECIPIENT, ":No recipient given (%s)", irc_cmd_word(m->cmd));
		return;
	}
	text_copy(h->irc.target, sizeof(h->irc.target), m->p[0], m->len[0]);
	if (m->n < 2 || m->len[1] == 0) {
		if (!notice)
			num(h, ERR_NOTEXTTOSEND, ":No text to send");
		return;
	}
	h->irc.quiet = notice;
	char text[IRC_LINE_MAX + 1];
	size_t n = text_copy(text, sizeof(text), m->p[1], m->len[1]);
	const char *action;
	size_t action_len;
	bool is_action = false;
	if (irc_ctcp(text, n, &action, &action_len)) {
		if (!action)
			return;   /* VERSION, PING, DCC...: dropped */
		memmove(text, action, action_len);
		n = action_len;
		is_action = true;
	}
	n = text_strip_irc_format(text, n);
	bool chan = m->p[0][0] == '#';
	char buf[IRC_LINE_MAX + ROOM_NAME_MAX + NAME_MAX_LEN + 8];
	size_t bn;
	if (chan)   /* "#room TEXT", as SAY and ME take it under PROTO 2 */
		bn = (size_t)snprintf(buf, sizeof(buf), "%.*s %.*s", (int)m->len[0], m->p[0],
				      (int)n, text);
	else if (is_action)   /* lchat has no private action */
		bn = (size_t)snprintf(buf, sizeof(buf), "* %s %.*s", h->me->name, (int)n, text);
	else
		bn = (size_t)snprintf(buf, sizeof(buf), "%.*s", (int)n, text);
	if (bn >= sizeof(buf) || bn > (size_t)h->cfg->max_line - 16) {
		if (!notice)
			num(h, ERR_INPUTTOOLONG, ":Input line was too long (this server takes %ld bytes of text)",
			    h->cfg->max_line - 16);
		return;
	}
	if (chan)
		run_verb(h, is_action ? VERB_ME : VERB_SAY, NULL, 0, buf, bn);
	else
		run_verb(h, VERB_PRIV, m->p[0], m->len[0], buf, bn);
}

static void irc_quit(struct handler *h, const struct irc_msg *m)
{
	run_verb(h, VERB_QUIT, NULL, 0, m->n ? m->p[0] : NULL, m->n ? m->len[0] : 0);
}

static void irc_names(struct handler *h, const struct irc_msg *m)
{
	if (m->n < 1) {
		uint64_t mask = atomic_load(&h->me->rooms);
		for (uint32_t k = 0; k < ROOMS_MAX; k++)
			if (mask & (UINT64_C(1) << k))
				names_of(h, k);
		return;
	}
	int k = room_lookup(h->room, m->p[0], m->len[0]);
	if (k < 0) {
		num(h, RPL_ENDOFNAMES, "%.*s :End of /NAMES list.", (int)m->len[0], m->p[0]);
		return;
	}
	names_of(h, (uint32_t)k);
}

/* One 352 line for slot i, in channel `chan`. Lock held. */
static void who_line(struct handler *h, uint32_t i, const char *chan)
{
	struct room_slot *s = room_slot(h->room, i);
	num(h, RPL_WHOREPLY, "%s %s %s %s %s %c :0 %s", chan, s->login, IRC_HOST, IRC_SERVER,
	    s->name, s->away[0] ? 'G' : 'H', s->name);
}

static void irc_who(struct handler *h, const struct irc_msg *m)
{
	char mask[64];
	param(m, 0, mask, sizeof(mask));
	struct room *r = h->room;
	if (mask[0] == '#') {
		int k = room_lookup(h->room, mask, strlen(mask));
		if (k >= 0) {
			room_lock(r);
			char chan[ROOM_NAME_MAX + 2];
			snprintf(chan, sizeof(chan), "#%s", r->hdr->defs[k].name);
			ROOM_FOREACH_SLOT(r, i) {
				struct room_slot *s = room_slot(r, i);
				if (atomic_load(&s->state) == SLOT_JOINED &&
				    (atomic_load(&s->rooms) & (UINT64_C(1) << k)))
					who_line(h, i, chan);
			}
			room_unlock(r);
		}
	} else if (mask[0]) {
		room_lock(r);
		int i = room_find_locked(h->room, mask);
		if (i >= 0)
			who_line(h, (uint32_t)i, "*");
		room_unlock(r);
	}
	num(h, RPL_ENDOFWHO, "%s :End of /WHO list.", mask[0] ? mask : "*");
}

static void irc_whois(struct handler *h, const struct irc_msg *m)
{
	if (m->n < 1) {
		num(h, ERR_NONICKNAMEGIVEN, ":No nickname given");
		return;
	}
	/* "WHOIS server nick" names a server first: the nick is last. */
	char nick[NAME_MAX_LEN + 1];
	param(m, m->n - 1, nick, sizeof(nick));
	struct room *r = h->room;
	room_lock(r);
	int i = room_find_locked(h->room, nick);
	if (i < 0) {
		room_unlock(r);
		num(h, ERR_NOSUCHNICK, "%s :No such nick/channel", nick);
		num(h, RPL_ENDOFWHOIS, "%s :End of /WHOIS list.", nick);
		return;
	}
	struct room_slot *s = room_slot(r, (uint32_t)i);
	char name[NAME_MAX_LEN + 1], login[LOGIN_MAX + 1], away[AWAY_MAX + 1];
	char chans[ROOMS_MAX * (ROOM_NAME_MAX + 2) + 1] = "";   /* every room fits */
	text_copy_str(name, sizeof(name), s->name);
	text_copy_str(login, sizeof(login), s->login);
	text_copy_str(away, sizeof(away), s->away);
	uint64_t mask = atomic_load(&s->rooms);
	for (uint32_t k = 0; k < ROOMS_MAX; k++)
		if (mask & (UINT64_C(1) << k))
			snprintf(chans + strlen(chans), sizeof(chans) - strlen(chans), "%s#%s",
				 chans[0] ? " " : "", r->hdr->defs[k].name);
	int64_t idle = (now_ms() - atomic_load(&s->active_ms)) / 1000;
	int64_t signon = s->joined_ms / 1000;
	room_unlock(r);
	num(h, RPL_WHOISUSER, "%s %s %s * :%s", name, login, IRC_HOST, name);
	if (chans[0])
		num(h, RPL_WHOISCHANNELS, "%s :%s", name, chans);
	num(h, RPL_WHOISSERVER, "%s %s :lchat on this machine", name, IRC_SERVER);
	if (away[0])
		num(h, RPL_AWAY, "%s :%s", name, away);
	num(h, RPL_WHOISIDLE, "%s %" PRId64 " %" PRId64 " :seconds idle, signon time", name,
	    idle < 0 ? 0 : idle, signon);
	num(h, RPL_ENDOFWHOIS, "%s :End of /WHOIS list.", name);
}

/* WHOWAS (irssi asks it after a 401): lchat keeps no such history. */
static void irc_whowas(struct handler *h, const struct irc_msg *m)
{
	char nick[NAME_MAX_LEN + 1];
	param(m, 0, nick, sizeof(nick));
	if (!nick[0]) {
		num(h, ERR_NONICKNAMEGIVEN, ":No nickname given");
		return;
	}
	num(h, ERR_WASNOSUCHNICK, "%s :There was no such nickname", nick);
	num(h, RPL_ENDOFWHOWAS, "%s :End of WHOWAS", nick);
}

static void irc_topic(struct handler *h, const struct irc_msg *m)
{
	if (m->n < 1) {
		num(h, ERR_NEEDMOREPARAMS, "TOPIC :Not enough parameters");
		return;
	}
	text_copy(h->irc.target, sizeof(h->irc.target), m->p[0], m->len[0]);
	if (m->n < 2) {
		int k = room_lookup(h->room, m->p[0], m->len[0]);
		if (k < 0)
			num(h, ERR_NOSUCHCHANNEL, "%s :No such channel", h->irc.target);
		else
			topic_of(h, (uint32_t)k);
		return;
	}
	char text[IRC_LINE_MAX + 1];
	size_t n = text_copy(text, sizeof(text), m->p[1], m->len[1]);
	n = text_strip_irc_format(text, n);
	if (n == 0) {
		num(h, ERR_NEEDMOREPARAMS, "TOPIC :lchat cannot clear a topic; give one");
		return;
	}
	run_verb(h, VERB_TOPIC, m->p[0], m->len[0], text, n);
}

static void irc_list(struct handler *h, const struct irc_msg *m)
{
	(void)m;
	struct room *r = h->room;
	num(h, RPL_LISTSTART, "Channel :Users  Name");
	room_lock(r);
	for (uint32_t k = 0; k < ROOMS_MAX; k++) {
		const struct room_def *d = &r->hdr->defs[k];
		if (d->kind == ROOMK_FREE || !room_def_allows_locked(r, h->slot, k))
			continue;
		num(h, RPL_LIST, "#%s %u :%s", d->name, d->members, d->topic);
	}
	room_unlock(r);
	num(h, RPL_LISTEND, ":End of /LIST");
}

/* MODE: read-only answers that keep clients happy. */
static void irc_mode(struct handler *h, const struct irc_msg *m)
{
	if (m->n < 1) {
		num(h, ERR_NEEDMOREPARAMS, "MODE :Not enough parameters");
		return;
	}
	char target[64], modes[32];
	param(m, 0, target, sizeof(target));
	param(m, 1, modes, sizeof(modes));
	if (target[0] == '#') {
		int k = room_lookup(h->room, target, strlen(target));
		if (k < 0) {
			num(h, ERR_NOSUCHCHANNEL, "%s :No such channel", target);
		} else if (!modes[0]) {
			num(h, RPL_CHANNELMODEIS, "%s +nt", target);
		} else if (strcmp(modes, "b") == 0 || strcmp(modes, "+b") == 0) {
			num(h, RPL_ENDOFBANLIST, "%s :End of channel ban list", target);
		} else {
			num(h, ERR_CHANOPRIVSNEEDED, "%s :Channel modes cannot be changed here", target);
		}
		return;
	}
	if (strcasecmp(target, h->me->name) != 0) {
		num(h, ERR_USERSDONTMATCH, ":Can't change mode for other users");
		return;
	}
	num(h, RPL_UMODEIS, "+i");   /* a change is ignored */
}

static void irc_away(struct handler *h, const struct irc_msg *m)
{
	char text[IRC_LINE_MAX + 1] = "";
	size_t n = m->n ? text_copy(text, sizeof(text), m->p[0], m->len[0]) : 0;
	n = text_strip_irc_format(text, n);
	run_verb(h, VERB_AWAY, NULL, 0, n ? text : NULL, n);
}

static void irc_ison(struct handler *h, const struct irc_msg *m)
{
	char out[IRC_LINE_MAX] = "";
	struct room *r = h->room;
	room_lock(r);
	for (unsigned a = 0; a < m->n; a++) {
		const char *p = m->p[a], *e = p + m->len[a];
		while (p < e) {   /* the trailing parameter may hold many */
			while (p < e && *p == ' ')
				p++;
			const char *w = p;
			while (p < e && *p != ' ')
				p++;
			char nick[NAME_MAX_LEN + 1];
			if (p == w || (size_t)(p - w) > NAME_MAX_LEN)
				continue;
			text_copy(nick, sizeof(nick), w, (size_t)(p - w));
			int i = room_find_locked(h->room, nick);
			if (i >= 0 && strlen(out) + NAME_MAX_LEN + 2 < sizeof(out))
				snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s",
					 out[0] ? " " : "", room_slot(r, (uint32_t)i)->name);
		}
	}
	room_unlock(r);
	num(h, RPL_ISON, ":%s", out);
}

static void irc_userhost(struct handler *h, const struct irc_msg *m)
{
	char out[IRC_LINE_MAX] = "";
	struct room *r = h->room;
	room_lock(r);
	for (unsigned a = 0; a < m->n && a < 5; a++) {
		char nick[NAME_MAX_LEN + 1];
		param(m, a, nick, sizeof(nick));
		int i = room_find_locked(h->room, nick);
		if (i < 0)
			continue;
		struct room_slot *s = room_slot(r, (uint32_t)i);
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s=%c%s@%s",
			 out[0] ? " " : "", s->name, s->away[0] ? '-' : '+', s->login, IRC_HOST);
	}
	room_unlock(r);
	num(h, RPL_USERHOST, ":%s", out);
}

/* The IRC commands: a row each (irc.h has their words). before: allowed
 * before registration. */
static const struct {
	void (*fn)(struct handler *h, const struct irc_msg *m);
	bool before;
} irc_commands[IRC_CLIENT_COUNT] = {
	[IRC_CAP] = { irc_cap, true },
	[IRC_PASS] = { irc_pass, true },
	[IRC_NICK] = { irc_nick, true },
	[IRC_USER] = { irc_user, true },
	[IRC_PING] = { irc_ping, true },
	[IRC_PONG] = { irc_pong, true },
	[IRC_QUIT] = { irc_quit, true },
	[IRC_JOIN] = { irc_join, false },
	[IRC_PART] = { irc_part, false },
	[IRC_PRIVMSG] = { irc_privmsg, false },
	[IRC_NOTICE] = { irc_privmsg, false },
	[IRC_NAMES] = { irc_names, false },
	[IRC_WHO] = { irc_who, false },
	[IRC_WHOIS] = { irc_whois, false },
	[IRC_TOPIC] = { irc_topic, false },
	[IRC_LIST] = { irc_list, false },
	[IRC_MODE] = { irc_mode, false },
	[IRC_AWAY] = { irc_away, false },
	[IRC_ISON] = { irc_ison, false },
	[IRC_USERHOST] = { irc_userhost, false },
	[IRC_WHOWAS] = { irc_whowas, false },
};

void irc_handle_line(struct handler *h, const char *line, size_t len)
{
	struct irc_msg m;

	if (!irc_parse(line, len, &m))
		return;   /* an empty line: ignored, as servers do */
	h->irc.cmd = m.cmd;
	h->irc.target[0] = '\0';
	h->irc.quiet = false;
	if (m.cmd == IRC_UNKNOWN || !irc_commands[m.cmd].fn) {
		if (h->joined)
			num(h, ERR_UNKNOWNCOMMAND, "%.*s :Unknown command", (int)(m.word_len > 32 ? 32 : m.word_len),
			    m.word);
		else
			num(h, ERR_NOTREGISTERED, ":You have not registered");
	} else if (!irc_commands[m.cmd].before && !h->joined) {
		num(h, ERR_NOTREGISTERED, ":You have not registered");
	} else {
		irc_commands[m.cmd].fn(h, &m);
	}
	flush_replies(h);
	if (h->irc.batch_end) {
		/* The registration's history ends before our JOIN event. */
		out_line(h, "%s -%s", irc_cmd_word(IRC_BATCH), IRCFMT_BATCH_ID);
		h->due_at = h->irc.batch_end;
		h->irc.batch_end = 0;
		flush_replies(h);
	}
}

/* ---- lchat replies into IRC ------------------------------------------- */

/* An lchat ERR in the context of the IRC command served. */
static void translate_err(struct handler *h, enum reply_code code, const char *text, size_t n)
{
	const char *t = h->irc.target[0] ? h->irc.target : "*";
	enum irc_cmd cmd = h->irc.cmd;

	if (h->irc.quiet)
		return;   /* NOTICE: never answered */
	switch (code) {
	case CODE_NAME_EMPTY: case CODE_NAME_TOO_LONG: case CODE_NAME_BAD_CHAR:
	case CODE_NAME_BAD_START: case CODE_NAME_RESERVED: case CODE_NAME_OTHERS_LOGIN:
	case CODE_NAME_CONFUSABLE:
		num(h, ERR_ERRONEUSNICKNAME, "%s :%.*s", t, (int)n, text);
		return;
	case CODE_NAME_TAKEN:
		num(h, ERR_NICKNAMEINUSE, "%s :%.*s", t, (int)n, text);
		return;
	case CODE_MUTED:
		if (cmd == IRC_NICK && !h->joined)
			num(h, ERR_ERRONEUSNICKNAME, "%s :%.*s", t, (int)n, text);
		else if (cmd == IRC_NICK)
			num(h, ERR_RESTRICTED, ":%.*s", (int)n, text);
		else
			num(h, ERR_CANNOTSENDTOCHAN, "%s :%.*s", t, (int)n, text);
		return;
	case CODE_RATE_LIMITED:
		num(h, RPL_TRYAGAIN, "%s :%.*s", irc_cmd_word(cmd), (int)n, text);
		return;
	case CODE_NO_SUCH_USER:
		num(h, ERR_NOSUCHNICK, "%s :%.*s", t, (int)n, text);
		return;
	case CODE_NO_SUCH_ROOM:
		num(h, ERR_NOSUCHCHANNEL, "%s :%.*s", t, (int)n, text);
		return;
	case CODE_NOT_IN_ROOM:
		if (cmd == IRC_PRIVMSG)
			num(h, ERR_CANNOTSENDTOCHAN, "%s :%.*s", t, (int)n, text);
		else
			num(h, ERR_NOTONCHANNEL, "%s :%.*s", t, (int)n, text);
		return;
	case CODE_NOT_ALLOWED:
		num(h, ERR_INVITEONLYCHAN, "%s :%.*s", t, (int)n, text);
		return;
	case CODE_TOO_MANY_ROOMS:
		num(h, ERR_TOOMANYCHANNELS, "%s :%.*s", t, (int)n, text);
		return;
	case CODE_ALREADY_IN:
		return;
	case CODE_NOT_OPERATOR:
		num(h, ERR_CHANOPRIVSNEEDED, "%s :%.*s", t, (int)n, text);
		return;
	case CODE_EMPTY:
		if (cmd == IRC_PRIVMSG) {
			num(h, ERR_NOTEXTTOSEND, ":No text to send");
			return;
		}
		break;
	case CODE_BAD_ARGUMENT:
		if (cmd == IRC_JOIN || cmd == IRC_PART || cmd == IRC_TOPIC) {
			num(h, ERR_BADCHANMASK, "%s :%.*s", t, (int)n, text);
			return;
		}
		break;
	default:
		if (cmd == IRC_PRIVMSG) {   /* text rules, MESG n, a full store */
			num(h, ERR_CANNOTSENDTOCHAN, "%s :%.*s", t, (int)n, text);
			return;
		}
		break;
	}
	out_line(h, ":%s NOTICE %s :%s: %.*s", IRC_SERVER, me(h), code_word(code), (int)n, text);
}

/* The registration burst after OK JOIN and its MOTD lines. */
static void motd_end(struct handler *h)
{
	if (!h->irc.in_motd)
		return;
	h->irc.in_motd = false;
	if (h->irc.motd_lines)
		num(h, RPL_ENDOFMOTD, ":End of /MOTD command.");
	else
		num(h, ERR_NOMOTD, ":MOTD File is missing");
	joined_burst(h, h->room->hdr->default_room);
	if (atomic_load(&h->me->irc_caps) & IRC_CAP_BATCH)
		h->irc.batch_end = h->irc.join_seq;
}

/* One lchat reply line (without its "\n") into IRC. */
static void translate_line(struct handler *h, const char *l, size_t n)
{
	struct server_line sl;

	if (!proto_parse_server_line(l, n, &sl)) {
		out_line(h, ":%s NOTICE %s :%.*s", IRC_SERVER, me(h), (int)n, l);
		return;
	}
	if (sl.type == SL_MOTD) {
		if (h->irc.in_motd && h->irc.motd_lines++ == 0)
			num(h, RPL_MOTDSTART, ":- %s Message of the day -", IRC_SERVER);
		num(h, RPL_MOTD, ":- %.*s", (int)sl.rest_len, sl.rest);
		return;
	}
	motd_end(h);
	const char *rest = sl.rest ? sl.rest : "";
	int rl = (int)sl.rest_len;
	switch (sl.type) {
	case SL_ERR:
		translate_err(h, sl.code_known ? sl.code : CODE_UNAVAILABLE, rest, sl.rest_len);
		return;
	case SL_BYE:
		reply(h, irc_error(&h->out, sl.code_known ? sl.code : CODE_UNAVAILABLE, rest, sl.rest_len));
		return;
	case SL_AWAY:
		num(h, RPL_AWAY, "%.*s :%.*s", (int)sl.word_len[0], sl.word[0], rl, rest);
		return;
	case SL_KEPT:
		if (rl)
			out_line(h, ":%s NOTICE %s :%.*s: your message was not kept for them: %.*s",
				 IRC_SERVER, me(h), (int)sl.word_len[0], sl.word[0], rl, rest);
		else
			out_line(h, ":%s NOTICE %s :%.*s is not in the chat: your message waits for them",
				 IRC_SERVER, me(h), (int)sl.word_len[0], sl.word[0]);
		return;
	case SL_WAITING: {
		char tag[40];
		irc_time_tag(tag, sizeof(tag), sl.ms);
		out_line(h, ":%s NOTICE %s :[waiting since %s] <%.*s> %.*s", IRC_SERVER, me(h), tag + 5,
		     (int)sl.word_len[0], sl.word[0], rl, rest);
		return;
	}
	case SL_OK:
		break;
	default:
		out_line(h, ":%s NOTICE %s :%.*s", IRC_SERVER, me(h), (int)n, l);
		return;
	}
	/* OK lines: rest is what follows the verb. */
	switch (sl.verb) {
	case VERB_JOIN: {
		/* "OK JOIN name seq": registered. */
		const char *sp = memchr(rest, ' ', sl.rest_len);
		proto_parse_u64(sp ? sp + 1 : rest, sp ? (size_t)(rest + rl - sp - 1) : 0,
				&h->irc.join_seq);
		welcome(h);
		h->irc.in_motd = true;
		h->irc.motd_lines = 0;
		return;
	}
	case VERB_ENTER: {
		/* "OK ENTER #room seq [created]": our JOIN, then its history. */
		const char *sp = memchr(rest, ' ', sl.rest_len);
		int k = room_lookup(h->room, rest, sp ? (size_t)(sp - rest) : sl.rest_len);
		if (k >= 0) {
			joined_burst(h, (uint32_t)k);
			h->irc.batch_open = (atomic_load(&h->me->irc_caps) & IRC_CAP_BATCH) != 0;
		}
		return;
	}
	case VERB_PART: {
		const char *sp = memchr(rest, ' ', sl.rest_len);
		out_line(h, ":%s!%s@%s PART %.*s", h->me->name, h->login, IRC_HOST,
		     (int)(sp ? sp - rest : rl), rest);
		return;
	}
	case VERB_TOPIC: {
		/* "OK TOPIC #room setter ms TEXT" (asked), or "OK TOPIC #room"
		 * (set: the writer shows our TOPIC event). */
		const char *sp = memchr(rest, ' ', sl.rest_len);
		if (!sp)
			return;
		int k = room_lookup(h->room, rest, (size_t)(sp - rest));
		if (k >= 0)
			topic_of(h, (uint32_t)k);
		return;
	}
	case VERB_AWAY:
		if (rl)
			num(h, RPL_NOWAWAY, ":You have been marked as being away");
		else
			num(h, RPL_UNAWAY, ":You are no longer marked as being away");
		return;
	case VERB_PRIV:   /* "OK PRIV waiting login" */
		out_line(h, ":%s NOTICE %s :%.*s is not in the chat: your message waits for them",
		     IRC_SERVER, me(h), rl > 8 ? rl - 8 : rl, rl > 8 ? rest + 8 : rest);
		return;
	case VERB_QUIT:
		out_line(h, "%s :Closing link: quit", irc_cmd_word(IRC_ERROR));
		return;
	default:
		return;   /* other acknowledgements say nothing on IRC */
	}
}

void irc_translate(struct handler *h)
{
	if (buffer_pending(&h->out) == 0)
		return;
	/* Translate into the spare buffer (the helpers append to h->out);
	 * the two change places, so a flush allocates nothing. */
	struct buffer in = h->out;
	h->out = h->irc.spare;
	h->out.off = h->out.len = 0;
	const char *p = in.data + in.off, *e = in.data + in.len;
	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(e - p);
		if (n > 0 && p[n - 1] == '\r') {
			motd_end(h);
			reply(h, buffer_append(&h->out, p, n + 1));   /* IRC already */
		} else {
			translate_line(h, p, n);
		}
		p += n + 1;
	}
	motd_end(h);
	if (h->irc.batch_open) {
		h->irc.batch_open = false;
		out_line(h, "%s -%s", irc_cmd_word(IRC_BATCH), IRCFMT_BATCH_ID);
	}
	in.off = in.len = 0;
	h->irc.spare = in;
}
