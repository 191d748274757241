/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* irc.h - the words of the IRC socket (docs/protocol.md, "IRC"), once:
 * the commands a client sends and the server's own words, the numerics,
 * the capabilities, the server's name, and the parser of a client line
 * and the formatter of a server line. The daemon's IRC handler
 * (daemon/ircverbs.c) and the writer's formatter (daemon/ircfmt.c) use
 * them; tests may too. */
#ifndef LCHAT_IRC_H
#define LCHAT_IRC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buffer.h"
#include "codes.h"

#define IRC_SERVER "lchat"        /* the server's name: ":lchat 001 ..." */
#define IRC_HOST "lchat"          /* the host part of every prefix */
#define IRC_LINE_MAX 510          /* bytes of a client line without CR LF */
#define IRC_PARAMS_MAX 15

/* Commands: those a client sends (a row of ircverbs.c's table each), then
 * words only the server sends. */
enum irc_cmd {
	IRC_UNKNOWN = 0,
	IRC_CAP, IRC_PASS, IRC_NICK, IRC_USER, IRC_PING, IRC_PONG, IRC_JOIN,
	IRC_PART, IRC_PRIVMSG, IRC_NOTICE, IRC_QUIT, IRC_NAMES, IRC_WHO,
	IRC_WHOIS, IRC_TOPIC, IRC_LIST, IRC_MODE, IRC_AWAY, IRC_ISON,
	IRC_USERHOST,
	IRC_CLIENT_COUNT,                /* the server's words follow */
	IRC_ERROR = IRC_CLIENT_COUNT, IRC_BATCH,
	IRC_CMD_COUNT
};

/* The numerics lchatd sends; the value is the number. */
enum irc_num {
	RPL_WELCOME = 1, RPL_YOURHOST = 2, RPL_CREATED = 3, RPL_MYINFO = 4,
	RPL_ISUPPORT = 5, RPL_UMODEIS = 221, RPL_TRYAGAIN = 263,
	RPL_AWAY = 301, RPL_USERHOST = 302, RPL_ISON = 303, RPL_UNAWAY = 305,
	RPL_NOWAWAY = 306, RPL_WHOISUSER = 311, RPL_WHOISSERVER = 312,
	RPL_ENDOFWHO = 315, RPL_WHOISIDLE = 317, RPL_ENDOFWHOIS = 318,
	RPL_WHOISCHANNELS = 319, RPL_LISTSTART = 321, RPL_LIST = 322,
	RPL_LISTEND = 323, RPL_CHANNELMODEIS = 324, RPL_CREATIONTIME = 329,
	RPL_NOTOPIC = 331, RPL_TOPIC = 332, RPL_TOPICWHOTIME = 333,
	RPL_WHOREPLY = 352, RPL_NAMREPLY = 353, RPL_ENDOFNAMES = 366,
	RPL_ENDOFBANLIST = 368, RPL_MOTD = 372, RPL_MOTDSTART = 375,
	RPL_ENDOFMOTD = 376,
	ERR_NOSUCHNICK = 401, ERR_NOSUCHCHANNEL = 403, ERR_CANNOTSENDTOCHAN = 404,
	ERR_TOOMANYCHANNELS = 405, ERR_INVALIDCAPCMD = 410, ERR_NORECIPIENT = 411,
	ERR_NOTEXTTOSEND = 412, ERR_INPUTTOOLONG = 417, ERR_UNKNOWNCOMMAND = 421,
	ERR_NOMOTD = 422, ERR_NONICKNAMEGIVEN = 431, ERR_ERRONEUSNICKNAME = 432,
	ERR_NICKNAMEINUSE = 433, ERR_NOTONCHANNEL = 442, ERR_NOTREGISTERED = 451,
	ERR_NEEDMOREPARAMS = 461, ERR_ALREADYREGISTERED = 462,
	ERR_INVITEONLYCHAN = 473, ERR_BADCHANMASK = 476,
	ERR_CHANOPRIVSNEEDED = 482, ERR_RESTRICTED = 484,
	ERR_USERSDONTMATCH = 502,
};

/* Capabilities (CAP), a bit each. */
enum irc_cap {
	IRC_CAP_SERVER_TIME = 1u << 0,
	IRC_CAP_MESSAGE_TAGS = 1u << 1,
	IRC_CAP_BATCH = 1u << 2,
	IRC_CAP_ECHO = 1u << 3,
};

const char *irc_cmd_word(enum irc_cmd c);
enum irc_cmd irc_cmd_from(const char *w, size_t n);

/* "server-time message-tags batch echo-message": the caps offered. */
const char *irc_caps_offered(void);
/* The caps named in a space-separated list (a leading '-' on a name is
 * not supported); false if one is unknown. */
bool irc_caps_parse(const char *s, size_t n, uint32_t *caps);

/* A client line split: tags and prefix skipped, the command, and its
 * parameters (the last may be a ":trailing" one, spaces and all). The
 * pointers are into the line, which is not changed. */
struct irc_msg {
	enum irc_cmd cmd;
	const char *word;            /* the command as sent */
	size_t word_len;
	unsigned n;
	const char *p[IRC_PARAMS_MAX];
	size_t len[IRC_PARAMS_MAX];
};
/* False for a line with no command. */
bool irc_parse(const char *line, size_t len, struct irc_msg *m);

/* Append one server line and its CR LF. -1 if out of memory. */
int irc_line(struct buffer *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int irc_vline(struct buffer *out, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* ":lchat NNN nick " and the formatted rest. nick "" is sent as "*". */
int irc_num(struct buffer *out, const char *nick, enum irc_num n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The end of a connection, the IRC form of BYE:
 * "ERROR :Closing link: <code> <text>". */
int irc_error(struct buffer *out, enum reply_code code, const char *text, size_t len);
/* The same into a fixed buffer (a refusal before any process is forked);
 * its length. */
size_t irc_error_format(char *out, size_t cap, enum reply_code code, const char *text);

/* "time=2026-12-04T17:00:00.000Z" for wall ms into out; its length. */
size_t irc_time_tag(char *out, size_t cap, int64_t ms);

/* Is this text a CTCP request ("\x01WORD ...\x01")? If it is an ACTION,
 * *action gets its text (without the \x01s). */
bool irc_ctcp(const char *s, size_t n, const char **action, size_t *action_len);

#endif
