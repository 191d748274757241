/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* ircfmt.c - room records as IRC lines (ircfmt.h). */
#include "ircfmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irc.h"
#include "lines.h"

/* A LEAVE's reason as its QUIT text. */
static const char *quit_word(int reason)
{
	switch (reason) {
	case LEAVE_QUIT: return "Quit";
	case LEAVE_CLOSED: return "Connection closed";
	case LEAVE_LOST: return "Connection lost";
	case LEAVE_LAGGED: return "Lagged";
	case LEAVE_SHUTDOWN: return "Server shutting down";
	case LEAVE_KICKED: return "Kicked";
	case LEAVE_BANNED: return "Banned";
	default: return "Left";
	}
}

/* The room of a record: "#name", or "" for none. */
static void room_of(const struct room_rec_info *info, char *out, size_t cap)
{
	if (info->room >= 1 && info->room <= ROOMS_MAX)
		snprintf(out, cap, "#%s", info->room_name);
	else
		out[0] = '\0';
}

bool ircfmt_per_member(const struct room_rec_info *info)
{
	return info->kind == EV_PRIV || (info->kind == EV_NOTICE && !(info->room >= 1 &&
								      info->room <= ROOMS_MAX));
}

/* The line without tags into out (growable), its length; 0 for none. */
static int body(struct buffer *out, const struct room_rec_info *info, const char *line,
		const char *nick)
{
	const char *text = line + info->text_off;
	int tl = (int)info->text_len;
	char room[ROOM_NAME_MAX + 2];
	room_of(info, room, sizeof(room));
	const char *n = info->name, *l = info->login[0] ? info->login : "-";

	switch (info->kind) {
	case EV_MSG:
		return buffer_printf_line(out, ":%s!%s@%s PRIVMSG %s :%.*s", n, l, IRC_HOST, room, tl, text);
	case EV_ACTION:
		return buffer_printf_line(out, ":%s!%s@%s PRIVMSG %s :\001ACTION %.*s\001", n, l,
					  IRC_HOST, room, tl, text);
	case EV_PRIV:
		return buffer_printf_line(out, ":%s!%s@%s PRIVMSG %s :%.*s", n, l, IRC_HOST, nick, tl, text);
	case EV_JOIN:
		return room[0] ? buffer_printf_line(out, ":%s!%s@%s JOIN %s", n, l, IRC_HOST, room) : 1;
	case EV_LEAVE:
		if (info->reason == LEAVE_PART)
			return buffer_printf_line(out, ":%s!%s@%s PART %s :%.*s", n, l, IRC_HOST, room, tl, text);
		return buffer_printf_line(out, ":%s!%s@%s QUIT :%s%s%.*s", n, l, IRC_HOST,
					  quit_word(info->reason), tl ? ": " : "", tl, text);
	case EV_NICK:
		return buffer_printf_line(out, ":%s!%s@%s NICK :%.*s", n, l, IRC_HOST, tl, text);
	case EV_TOPIC:
		return buffer_printf_line(out, ":%s!%s@%s TOPIC %s :%.*s", n, l, IRC_HOST, room, tl, text);
	case EV_NOTICE:
		return buffer_printf_line(out, ":%s NOTICE %s :%.*s", IRC_SERVER, room[0] ? room : nick,
					  tl, text);
	default:
		return 1;   /* nothing */
	}
}

/* Tags, body, CR LF to out. */
static int emit(struct buffer *out, const char *b, size_t n, const char *tag,
		const struct ircfmt_to *to)
{
	bool time = to->caps & IRC_CAP_SERVER_TIME;
	bool batch = to->history && (to->caps & IRC_CAP_BATCH);

	if (buffer_reserve(out, n + 64) < 0)
		return -1;
	if (time || batch) {
		out->data[out->len++] = '@';
		if (time) {
			size_t tl = strlen(tag);
			memcpy(out->data + out->len, tag, tl);
			out->len += tl;
		}
		if (batch)
			out->len += (size_t)sprintf(out->data + out->len, "%sbatch=%s",
						    time ? ";" : "", IRCFMT_BATCH_ID);
		out->data[out->len++] = ' ';
	}
	memcpy(out->data + out->len, b, n);
	out->len += n;
	out->data[out->len++] = '\r';
	out->data[out->len++] = '\n';
	return 0;
}

/* Does member `to` get this record at all? */
static bool wanted(const struct room_rec_info *info, const struct ircfmt_to *to)
{
	if (!to->own)
		return true;
	switch (info->kind) {
	case EV_MSG:
	case EV_ACTION:
	case EV_PRIV:
		return (to->caps & IRC_CAP_ECHO) != 0;
	case EV_NICK:
		return !info->quiet;     /* once, however many rooms */
	case EV_TOPIC:
		return true;             /* IRC shows the setter its TOPIC */
	default:
		return false;            /* JOIN, LEAVE: the handler answers */
	}
}

int ircfmt_event(struct ircfmt_cache *cache, struct buffer *out, const struct room_rec_info *info,
		 const char *line, const struct ircfmt_to *to)
{
	if (!wanted(info, to))
		return 0;
	char tag[40];
	if (!cache || ircfmt_per_member(info) || (to->own && info->kind == EV_PRIV)) {
		/* The writer's scratch buffer (no allocation per member);
		 * the handler's replay has no cache and a buffer of its own. */
		struct buffer own = { 0 }, *b = cache ? &cache->scratch : &own;
		b->off = b->len = 0;
		const char *nick = to->nick;
		if (to->own && info->kind == EV_PRIV)
			nick = info->target_key;    /* the echo: to whom it went */
		int rc = body(b, info, line, nick);
		irc_time_tag(tag, sizeof(tag), info->ms);
		if (rc == 0 && b->len > 0)
			rc = emit(out, b->data, b->len - 1, tag, to);
		free(own.data);
		return rc < 0 ? -1 : 0;
	}
	struct ircfmt_entry *e = &cache->e[info->seq % IRCFMT_CACHE];
	if (e->seq != info->seq || e->room_gen != info->room_gen) {
		cache->misses++;
		struct buffer *b = &cache->scratch;
		b->off = b->len = 0;
		e->seq = 0;
		if (body(b, info, line, to->nick) < 0)
			return -1;
		size_t len = b->len ? b->len - 1 : 0;   /* without its "\n" */
		if (len > e->cap || (e->cap > 2 * len && e->cap > 256)) {
			char *p = realloc(e->body, len ? len : 1);
			if (!p)
				return -1;
			e->body = p;
			e->cap = len ? len : 1;
		}
		memcpy(e->body, b->data, len);
		e->len = len;
		irc_time_tag(e->tag, sizeof(e->tag), info->ms);
		e->seq = info->seq;
		e->room_gen = info->room_gen;
	} else {
		cache->hits++;
	}
	return e->len ? emit(out, e->body, e->len, e->tag, to) : 0;
}
