/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* test_irc.c - end-to-end tests of the IRC socket (issue 19;
 * docs/protocol.md, "IRC") through the real daemon with raw clients: the
 * registration and its numerics, the error numerics, messages both ways
 * between an IRC connection, an lchat/1 connection and a PROTO 2
 * connection in another room, private messages, CTCP and formatting
 * codes, an overlong line, the rate limit shared with the uid's other
 * connections, mutes, kicks and notices from lchat-admin's socket, QUIT,
 * a refusal over the uid's connection limit, and a client that vanishes
 * mid-line.
 *
 * Every test daemon has its IRC socket beside its user socket (the
 * harness's write_config_file()); the handlers run under the real seccomp
 * filter in the plain build. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define LOGIN re_quote(my_login())
#define NOBODY 65534

#define CONF "motd = \"Welcome to the build host.\"\n" \
	"room \"ops\" {\n topic = \"operations\"\n}\n"

/* An IRC connection registered as nick. */
static struct tclient *irc(struct lchatd *d, const char *nick)
{
	struct tclient *tc = tc_connect_irc(d->irc);
	tc_irc_register(tc, nick);
	return tc;
}

/* An lchat member, bob, and an IRC member, alice, whose JOIN bob has
 * seen. Returns alice. */
static struct tclient *bob_and_irc_alice(struct lchatd *d, struct tclient **bob)
{
	*bob = tc_connect(d->sock);
	tc_join(*bob, "bob");
	struct tclient *a = irc(d, "alice");
	tc_expect(*bob, "EV [0-9]+ [0-9]+ JOIN alice ", TC_TIMEOUT);
	return a;
}


/* Registration: NICK and USER (USER's words ignored: the prefix's user is
 * the kernel's login), 001-005 with the real limits, the MOTD, and the
 * default channel's JOIN, topic and names. Before it, 451; PING works. */
START_TEST(test_registration)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *bob = tc_connect(d->sock);
	tc_join(bob, "bob");

	struct tclient *a = tc_connect_irc(d->irc);
	tc_send(a, "PRIVMSG #general :too early\r");
	tc_expect(a, ":lchat 451 \\* :You have not registered$", TC_TIMEOUT);
	tc_send(a, "PING :early\r");
	tc_expect(a, ":lchat PONG lchat :early$", TC_TIMEOUT);
	tc_send(a, "PASS whatever\r");
	tc_send(a, "NICK alice\r");
	tc_send(a, "USER mallory 0 * :Mallory Impostor\r");
	tc_expectf(a, TC_TIMEOUT, ":lchat 001 alice :Welcome to lchat, alice!%s@lchat$", LOGIN);
	tc_expect(a, ":lchat 002 alice :Your host is lchat, running lchatd/", TC_TIMEOUT);
	tc_expect(a, ":lchat 003 alice ", TC_TIMEOUT);
	tc_expect(a, ":lchat 004 alice lchat lchatd/[^ ]+ i nt$", TC_TIMEOUT);
	const char *isupport = tc_expect(a, ":lchat 005 alice ", TC_TIMEOUT);
	ck_assert_msg(strstr(isupport, " NICKLEN=32 ") && strstr(isupport, " CHANNELLEN=25 ") &&
		      strstr(isupport, " CHANTYPES=# ") && strstr(isupport, " CASEMAPPING=ascii ") &&
		      strstr(isupport, " TOPICLEN=160 ") && strstr(isupport, " LINELEN=512 ") &&
		      strstr(isupport, " CHANLIMIT=#:16 "), "%s", isupport);
	tc_expect(a, ":lchat 375 alice :- lchat Message of the day -$", TC_TIMEOUT);
	tc_expect(a, ":lchat 372 alice :- Welcome to the build host\\.$", TC_TIMEOUT);
	tc_expect(a, ":lchat 376 alice :End of /MOTD command\\.$", TC_TIMEOUT);
	tc_expectf(a, TC_TIMEOUT, ":alice!%s@lchat JOIN #general$", LOGIN);
	tc_expect(a, ":lchat 331 alice #general :No topic is set$", TC_TIMEOUT);
	const char *names = tc_expect(a, ":lchat 353 alice = #general :", TC_TIMEOUT);
	ck_assert_msg(re_contains(names, ":(.* )?alice( |$)") && re_contains(names, "[: ]bob( |$)"),
		      "%s", names);
	tc_expect(a, ":lchat 366 alice #general :End of /NAMES list\\.$", TC_TIMEOUT);
	tc_expectf(a, TC_TIMEOUT, ":bob!%s@lchat JOIN #general$", LOGIN);   /* the backlog */
	/* The lchat user sees a member like any other, with its login. */
	tc_expectf(bob, TC_TIMEOUT, "EV [0-9]+ [0-9]+ JOIN alice %s$", LOGIN);

	/* Read-only commands a client sends after registering. */
	tc_send(a, "MODE #general\r");
	tc_expect(a, ":lchat 324 alice #general \\+nt$", TC_TIMEOUT);
	tc_send(a, "MODE alice\r");
	tc_expect(a, ":lchat 221 alice \\+i$", TC_TIMEOUT);
	tc_send(a, "WHOIS bob\r");
	tc_expectf(a, TC_TIMEOUT, ":lchat 311 alice bob %s lchat \\* :bob$", LOGIN);
	tc_expect_skip(a, ":lchat 318 alice bob ", TC_TIMEOUT);
	tc_send(a, "ISON bob nobody-here\r");
	tc_expect(a, ":lchat 303 alice :bob$", TC_TIMEOUT);
	tc_send(a, "WHO #general\r");
	tc_expect_skip(a, ":lchat 315 alice #general ", TC_TIMEOUT);
	tc_send(a, "LIST\r");
	tc_expect(a, ":lchat 321 alice ", TC_TIMEOUT);
	tc_expect_skip(a, ":lchat 322 alice #ops 0 :operations$", TC_TIMEOUT);
	tc_expect_skip(a, ":lchat 323 alice ", TC_TIMEOUT);
	tc_close(a);
	tc_close(bob);
	lchatd_stop_ok(d);
}
END_TEST

/* The error numerics: 421, 461, 431, 432 (syntax, reserved), 433 (a name
 * an lchat user holds), and a good nick after them registers. */
START_TEST(test_error_numerics)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *bob = tc_connect(d->sock);
	tc_join(bob, "bob");

	struct tclient *a = tc_connect_irc(d->irc);
	tc_send(a, "USER a 0 * :a\r");
	tc_send(a, "NICK bob\r");
	tc_expect(a, ":lchat 433 \\* bob :the name bob is already in use", TC_TIMEOUT);
	tc_send(a, "NICK b@d\r");
	tc_expect(a, ":lchat 432 \\* b@d :", TC_TIMEOUT);
	tc_send(a, "NICK admin\r");
	tc_expect(a, ":lchat 432 \\* admin :", TC_TIMEOUT);
	tc_send(a, "NICK\r");
	tc_expect(a, ":lchat 431 \\* :No nickname given$", TC_TIMEOUT);
	tc_send(a, "NICK carol\r");
	tc_expect(a, ":lchat 001 carol ", TC_TIMEOUT);
	tc_expect_skip(a, ":lchat 366 carol #general ", TC_TIMEOUT);
	tc_send(a, "PING :past-backlog\r");
	tc_expect_skip(a, ":lchat PONG lchat :past-backlog$", TC_TIMEOUT);

	tc_send(a, "FROBNICATE now\r");
	tc_expect(a, ":lchat 421 carol FROBNICATE :Unknown command$", TC_TIMEOUT);
	tc_send(a, "JOIN\r");
	tc_expect(a, ":lchat 461 carol JOIN :Not enough parameters$", TC_TIMEOUT);
	tc_send(a, "PRIVMSG\r");
	tc_expect(a, ":lchat 411 carol ", TC_TIMEOUT);
	tc_send(a, "PRIVMSG #general\r");
	tc_expect(a, ":lchat 412 carol :No text to send$", TC_TIMEOUT);
	tc_send(a, "PRIVMSG nobody-here :hi\r");
	tc_expect(a, ":lchat 401 carol nobody-here :", TC_TIMEOUT);
	tc_send(a, "WHOIS nobody-here\r");
	tc_expect(a, ":lchat 401 carol nobody-here :", TC_TIMEOUT);
	tc_expect(a, ":lchat 318 carol nobody-here :", TC_TIMEOUT);
	tc_send(a, "WHOWAS nobody-here\r");   /* irssi's next question */
	tc_expect(a, ":lchat 406 carol nobody-here :", TC_TIMEOUT);
	tc_expect(a, ":lchat 369 carol nobody-here :", TC_TIMEOUT);
	tc_send(a, "PART #ops\r");
	tc_expect(a, ":lchat 442 carol #ops :", TC_TIMEOUT);
	tc_send(a, "JOIN #nosuch\r");
	tc_expect(a, ":lchat 403 carol #nosuch :", TC_TIMEOUT);
	tc_send(a, "NICK bob\r");
	tc_expect(a, ":lchat 433 carol bob :", TC_TIMEOUT);
	tc_send(a, "USER again 0 * :again\r");
	tc_expect(a, ":lchat 462 carol :", TC_TIMEOUT);
	/* NOTICE is never answered with an error. */
	tc_send(a, "NOTICE nobody-here :hi\r");
	tc_expect_silence(a);
	tc_expectf(bob, TC_TIMEOUT, "EV [0-9]+ [0-9]+ JOIN carol %s$", LOGIN);
	tc_expect_silence(bob);
	tc_close(a);
	tc_close(bob);
	lchatd_stop_ok(d);
}
END_TEST

/* A connection that does not register within join_timeout gets ERROR
 * and is closed; the room never saw it. */
START_TEST(test_registration_timeout)
{
	struct lchatd *d = lchatd_start(CONF "join_timeout = 1\n");
	struct tclient *bob = tc_connect(d->sock);
	tc_join(bob, "bob");
	struct tclient *a = tc_connect_irc(d->irc);
	tc_send(a, "NICK alice\r");   /* no USER: not registered */
	tc_expect(a, "ERROR :Closing link: join-timeout ", 10000);
	tc_expect_eof(a, TC_TIMEOUT);
	tc_expect_silence(bob);
	tc_close(a);
	tc_close(bob);
	lchatd_stop_ok(d);
}
END_TEST

/* Messages both ways between an IRC user (alice), an lchat/1 user in the
 * default room (bob) and a PROTO 2 user in #ops (carol); private
 * messages both ways; JOIN, TOPIC and NAMES of #ops; no echo. */
START_TEST(test_messages_both_ways)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *bob = tc_connect(d->sock);
	tc_join(bob, "bob");
	struct tclient *carol = tc_join_proto2(d, 0, "carol");
	tc_send(carol, "PART #general");
	tc_expect(carol, "OK PART #general ", TC_TIMEOUT);
	tc_send(carol, "ENTER #ops");
	tc_expect(carol, "OK ENTER #ops [0-9]+$", TC_TIMEOUT);
	tc_expect_silence(carol);
	struct tclient *a = irc(d, "alice");
	tc_expect_skip(bob, "EV [0-9]+ [0-9]+ JOIN carol ", TC_TIMEOUT);
	tc_expectf(bob, TC_TIMEOUT, "EV [0-9]+ [0-9]+ LEAVE carol %s part$", LOGIN);
	tc_expectf(bob, TC_TIMEOUT, "EV [0-9]+ [0-9]+ JOIN alice %s$", LOGIN);

	/* IRC to lchat/1, and no echo to the sender. */
	tc_send(a, "PRIVMSG #general :hello bob\r");
	tc_expect(bob, "EV [0-9]+ [0-9]+ MSG alice hello bob$", TC_TIMEOUT);
	tc_expect_silence(a);
	tc_expect_silence(carol);
	/* lchat/1 to IRC, with the sender's login in the prefix. */
	tc_send(bob, "SAY hello alice");
	tc_ack(bob, "SAY");
	tc_expectf(a, TC_TIMEOUT, ":bob!%s@lchat PRIVMSG #general :hello alice$", LOGIN);

	/* JOIN #ops: carol sees it; alice gets the topic and the names. */
	tc_send(a, "JOIN #ops\r");
	tc_expectf(a, TC_TIMEOUT, ":alice!%s@lchat JOIN #ops$", LOGIN);
	tc_expect(a, ":lchat 332 alice #ops :operations$", TC_TIMEOUT);
	tc_expect(a, ":lchat 333 alice #ops ", TC_TIMEOUT);
	const char *names = tc_expect(a, ":lchat 353 alice = #ops :", TC_TIMEOUT);
	ck_assert_msg(re_contains(names, "[: ]carol( |$)") && !re_contains(names, "[: ]bob( |$)"),
		      "%s", names);
	tc_expect(a, ":lchat 366 alice #ops ", TC_TIMEOUT);
	tc_expectf(a, TC_TIMEOUT, ":carol!%s@lchat JOIN #ops$", LOGIN);   /* #ops's history */
	tc_expectf(carol, TC_TIMEOUT, "EV [0-9]+ [0-9]+ #ops JOIN alice %s$", LOGIN);
	/* IRC to PROTO 2 in #ops, not to bob; and back. */
	tc_send(a, "PRIVMSG #ops :deploy at noon\r");
	tc_expect(carol, "EV [0-9]+ [0-9]+ #ops MSG alice deploy at noon$", TC_TIMEOUT);
	tc_expect_silence(bob);
	tc_send(carol, "SAY #ops noted");
	tc_ack(carol, "SAY");
	tc_expectf(a, TC_TIMEOUT, ":carol!%s@lchat PRIVMSG #ops :noted$", LOGIN);

	/* Private messages both ways. */
	tc_send(a, "PRIVMSG bob :psst\r");
	tc_expect(bob, "EV [0-9]+ [0-9]+ PRIV alice psst$", TC_TIMEOUT);
	tc_send(bob, "PRIV alice back at you");
	tc_ack(bob, "PRIV");
	tc_expectf(a, TC_TIMEOUT, ":bob!%s@lchat PRIVMSG alice :back at you$", LOGIN);
	tc_send(carol, "PRIV alice from ops");
	tc_ack(carol, "PRIV");
	tc_expectf(a, TC_TIMEOUT, ":carol!%s@lchat PRIVMSG alice :from ops$", LOGIN);

	/* TOPIC (alice is root: an operator): carol sees the event, alice
	 * the TOPIC line as everyone in the channel does. */
	tc_send(a, "TOPIC #ops :\002release\002 day\r");
	tc_expectf(a, TC_TIMEOUT, ":alice!%s@lchat TOPIC #ops :release day$", LOGIN);
	tc_expectf(carol, TC_TIMEOUT, "EV [0-9]+ [0-9]+ #ops TOPIC alice %s release day$", LOGIN);
	tc_send(a, "TOPIC #ops\r");
	tc_expect(a, ":lchat 332 alice #ops :release day$", TC_TIMEOUT);
	tc_expect(a, ":lchat 333 alice #ops alice [0-9]+$", TC_TIMEOUT);

	/* AWAY: 306, and bob's PRIV to alice tells him; 305 when back. */
	tc_send(a, "AWAY :at lunch\r");
	tc_expect(a, ":lchat 306 alice :You have been marked as being away$", TC_TIMEOUT);
	tc_send(bob, "PRIV alice are you there");
	tc_ack(bob, "PRIV");
	tc_expect(bob, "AWAY alice at lunch$", TC_TIMEOUT);
	tc_expectf(a, TC_TIMEOUT, ":bob!%s@lchat PRIVMSG alice :are you there$", LOGIN);
	tc_send(a, "PRIVMSG bob :on my way\r");   /* bob gets no AWAY back */
	tc_expect(bob, "EV [0-9]+ [0-9]+ PRIV alice on my way$", TC_TIMEOUT);
	tc_send(a, "AWAY\r");
	tc_expect(a, ":lchat 305 alice :You are no longer marked as being away$", TC_TIMEOUT);

	/* PART #ops: carol sees the LEAVE ... part. */
	tc_send(a, "PART #ops :later\r");
	tc_expectf(a, TC_TIMEOUT, ":alice!%s@lchat PART #ops$", LOGIN);
	tc_expectf(carol, TC_TIMEOUT, "EV [0-9]+ [0-9]+ #ops LEAVE alice %s part later$", LOGIN);
	tc_expect_silence(a);
	tc_close(a);
	tc_close(bob);
	tc_close(carol);
	lchatd_stop_ok(d);
}
END_TEST

/* A PRIVMSG to the login of an account not in the chat waits for it, as
 * a PRIV does; the login's next JOIN gets it. A mention in a channel too. */
START_TEST(test_waiting_for_absent_login)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a = irc(d, "alice");

	tc_send(a, "PRIVMSG nobody :see you tomorrow\r");
	tc_expect(a, ":lchat NOTICE alice :nobody is not in the chat: your message waits for them$",
		  TC_TIMEOUT);
	tc_send(a, "PRIVMSG #general :ask @nobody about it\r");
	tc_expect(a, ":lchat NOTICE alice :nobody is not in the chat: your message waits for them$",
		  TC_TIMEOUT);
	struct tclient *n = tc_connect_uid(d->dir, d->sock, NOBODY);
	tc_send(n, "JOIN");
	tc_expect(n, "OK JOIN nobody [0-9]+$", TC_TIMEOUT);
	tc_expect_skip(n, "WAITING [0-9]+ PRIV alice .* see you tomorrow$", TC_TIMEOUT);
	tc_expect_skip(n, "WAITING [0-9]+ MSG alice .* ask @nobody about it$", TC_TIMEOUT);
	tc_close(n);
	tc_close(a);
	lchatd_stop_ok(d);
}
END_TEST

/* CTCP: ACTION becomes ME (an action for lchat), VERSION is dropped;
 * colour and bold codes reach lchat users as plain text. */
START_TEST(test_ctcp_and_formatting)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *bob;
	struct tclient *a = bob_and_irc_alice(d, &bob);

	tc_send(a, "PRIVMSG #general :\001VERSION\001\r");
	tc_send(a, "PRIVMSG bob :\001PING 12345\001\r");
	tc_expect_silence(a);
	tc_send(a, "PRIVMSG #general :\001ACTION waves\001\r");
	tc_expect(bob, "EV [0-9]+ [0-9]+ ACTION alice waves$", TC_TIMEOUT);
	tc_send(a, "PRIVMSG #general :\00304,01red\003 and \002bold\002 and \037under\037\r");
	tc_expect(bob, "EV [0-9]+ [0-9]+ MSG alice red and bold and under$", TC_TIMEOUT);
	/* bob's action reaches alice as a CTCP ACTION. */
	tc_send(bob, "ME nods");
	tc_ack(bob, "ME");
	tc_expectf(a, TC_TIMEOUT, ":bob!%s@lchat PRIVMSG #general :\001ACTION nods\001$", LOGIN);
	tc_close(a);
	tc_close(bob);
	lchatd_stop_ok(d);
}
END_TEST

/* A line over 512 bytes with its CR LF: 417, nothing sent, and the
 * connection goes on. */
START_TEST(test_overlong_line)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *bob;
	struct tclient *a = bob_and_irc_alice(d, &bob);

	char text[601];
	memset(text, 'x', 600);
	text[600] = '\0';
	tc_send(a, "PRIVMSG #general :%s\r", text);
	tc_expect(a, ":lchat 417 alice :Input line was too long", TC_TIMEOUT);
	tc_send(a, "PRIVMSG #general :still here\r");
	tc_expect(bob, "EV [0-9]+ [0-9]+ MSG alice still here$", TC_TIMEOUT);
	tc_close(a);
	tc_close(bob);
	lchatd_stop_ok(d);
}
END_TEST

/* The rate limit is the uid's: two IRC connections and an lchat one of
 * the same uid spend from one bucket (rate_burst 4, refilled at 1 a
 * second); over it, 263 and nothing sent. */
START_TEST(test_shared_rate_limit)
{
	struct lchatd *d = lchatd_start(CONF "rate_limit = 1\nrate_burst = 4\n");
	struct tclient *bob = tc_connect(d->sock);
	tc_join(bob, "bob");   /* a token */
	struct tclient *a1 = irc(d, "alice");   /* a token */
	struct tclient *a2 = irc(d, "alice2");   /* a token */
	/* One token is left, at most a few more refilled meanwhile: of ten
	 * messages from the second connection, some are refused. */
	for (int i = 0; i < 10; i++)
		tc_send(a2, "PRIVMSG #general :flood %d\r", i);
	tc_expect_skip(a2, ":lchat 263 alice2 PRIVMSG :at most 1 messages", TC_TIMEOUT);
	/* And the first connection is refused too: the bucket is shared.
	 * Three messages: a bucket of its own would still hold 3 of its 4
	 * (registering took one); the shared one is empty, and gets a token
	 * back only each second. */
	for (int i = 0; i < 3; i++)
		tc_send(a1, "PRIVMSG #general :me too %d\r", i);
	tc_send(a1, "PING :after-three\r");
	const char *l = tc_expect_skip(a1, "(:lchat 263 alice PRIVMSG :|:lchat PONG lchat :after-three$)",
				       TC_TIMEOUT);
	ck_assert_msg(strstr(l, " 263 "), "three messages from alice's other connection all "
		      "went through: the rate limit is not the uid's");
	tc_close(a1);
	tc_close(a2);
	tc_close(bob);
	lchatd_stop_ok(d);
}
END_TEST

/* lchat-admin's control socket: a NOTICE arrives as NOTICE from the
 * server; MUTE makes PRIVMSG 404 (with the mute's notice); KICK ends the
 * connection with ERROR, and bob sees the LEAVE. alice is uid 65534
 * (nobody), so that the mute is hers alone. */
START_TEST(test_admin_mute_kick_notice)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *bob = tc_connect(d->sock);
	tc_join(bob, "bob");
	struct tclient *a = tc_connect_irc_uid(d->dir, d->irc, NOBODY);
	tc_irc_register(a, "alice");
	tc_expect(bob, "EV [0-9]+ [0-9]+ JOIN alice nobody$", TC_TIMEOUT);
	struct tclient *ctl = ctl_connect(d->ctl);

	tc_send(ctl, "NOTICE the build is green");
	tc_expect(ctl, "OK NOTICE [0-9]+$", TC_TIMEOUT);
	tc_expect(a, ":lchat NOTICE alice :the build is green$", TC_TIMEOUT);
	tc_expect(bob, "EV [0-9]+ [0-9]+ NOTICE the build is green$", TC_TIMEOUT);

	tc_send(ctl, "MUTE alice 60");
	tc_expect(ctl, "OK MUTE nobody 65534 ", TC_TIMEOUT);
	tc_expect(a, ":lchat NOTICE alice :you have been muted", TC_TIMEOUT);
	tc_send(a, "PRIVMSG #general :can you hear me\r");
	tc_expect(a, ":lchat 404 alice #general :an administrator muted you", TC_TIMEOUT);
	tc_send(a, "NICK another\r");
	tc_expect(a, ":lchat 484 alice :an administrator muted you", TC_TIMEOUT);
	tc_expect_silence(bob);
	tc_send(ctl, "UNMUTE alice");
	tc_expect(ctl, "OK UNMUTE ", TC_TIMEOUT);
	tc_expect(a, ":lchat NOTICE alice :", TC_TIMEOUT);
	tc_send(a, "PRIVMSG #general :hear me now\r");
	tc_expect(bob, "EV [0-9]+ [0-9]+ MSG alice hear me now$", TC_TIMEOUT);

	tc_send(ctl, "KICK alice enough");
	tc_expect(ctl, "OK KICK alice [0-9]+$", TC_TIMEOUT);
	tc_expect(a, "ERROR :Closing link: kicked you were removed by an administrator: enough$",
		  TC_TIMEOUT);
	tc_expect_eof(a, TC_TIMEOUT);
	tc_expect(bob, "EV [0-9]+ [0-9]+ LEAVE alice nobody kicked enough$", TC_TIMEOUT);

	/* A banned uid is refused on the IRC socket too, in IRC's words. */
	tc_send(ctl, "BAN #65534 0 go away");
	tc_expect(ctl, "OK BAN nobody 65534 forever ", TC_TIMEOUT);
	struct tclient *again = tc_connect_irc_uid(d->dir, d->irc, NOBODY);
	tc_expect(again, "ERROR :Closing link: banned you are banned from the room .*go away$",
		  TC_TIMEOUT);
	tc_expect_eof(again, TC_TIMEOUT);
	tc_close(again);
	tc_close(ctl);
	tc_close(a);
	tc_close(bob);
	lchatd_stop_ok(d);
}
END_TEST

/* QUIT is a LEAVE ... quit for lchat users; the client gets ERROR and
 * the end of the connection. */
START_TEST(test_quit_is_leave)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *bob;
	struct tclient *a = bob_and_irc_alice(d, &bob);
	struct tclient *c = irc(d, "carol");
	tc_expect(bob, "EV [0-9]+ [0-9]+ JOIN carol ", TC_TIMEOUT);
	tc_expectf(a, TC_TIMEOUT, ":carol!%s@lchat JOIN #general$", LOGIN);

	tc_send(a, "QUIT :off to lunch\r");
	tc_expect(a, "ERROR :Closing link: quit$", TC_TIMEOUT);
	tc_expect_eof(a, TC_TIMEOUT);
	tc_expectf(bob, TC_TIMEOUT, "EV [0-9]+ [0-9]+ LEAVE alice %s quit off to lunch$", LOGIN);
	tc_expectf(c, TC_TIMEOUT, ":alice!%s@lchat QUIT :Quit: off to lunch$", LOGIN);
	tc_close(a);
	tc_close(c);
	tc_close(bob);
	lchatd_stop_ok(d);
}
END_TEST

/* An IRC member that stops reading falls `history` events behind: it is
 * dropped as lagged like any member (the others see LEAVE ... lagged),
 * and what it finally reads ends with ERROR lagged, on a whole line. */
START_TEST(test_lagged)
{
	struct lchatd *d = lchatd_start(CONF "history = 64\nbacklog = 5\n");
	struct tclient *bob;
	struct tclient *a = bob_and_irc_alice(d, &bob);

	/* alice reads nothing now; bob sends until she is dropped. */
	char text[901];
	memset(text, 'x', 900);
	text[900] = '\0';
	bool dropped = false;
	for (int i = 0; i < 4000 && !dropped; i++) {
		tc_send(bob, "SAY %d %s", i, text);
		const char *l = tc_expect_skip(bob, "(OK SAY [0-9]+$|EV [0-9]+ [0-9]+ LEAVE alice )",
					       TC_TIMEOUT);
		dropped = strncmp(l, "EV ", 3) == 0;
		if (dropped)
			ck_assert_msg(re_contains(l, " LEAVE alice [^ ]+ lagged$"), "%s", l);
	}
	ck_assert_msg(dropped, "4000 messages of 900 bytes later, alice, who reads nothing, "
		      "is still in the room (history is 64)");
	tc_expect_skip(a, "ERROR :Closing link: lagged ", TC_TIMEOUT);
	tc_expect_eof(a, TC_TIMEOUT);
	tc_close(a);
	tc_close(bob);
	lchatd_stop_ok(d);
}
END_TEST

/* lchatd stopping: the notice as a server NOTICE, then ERROR shutdown and
 * the end; the IRC socket's file is removed with the others. */
START_TEST(test_shutdown)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a = irc(d, "alice");
	lchatd_signal(d, SIGTERM);
	tc_expect(a, ":lchat NOTICE alice :server is shutting down$", TC_TIMEOUT);
	tc_expect(a, "ERROR :Closing link: shutdown ", TC_TIMEOUT);
	tc_expect_eof(a, TC_TIMEOUT);
	int status = lchatd_wait_exit(d, 15000);
	ck_assert_msg(status != -1, "the supervisor did not exit after SIGTERM");
	ck_assert_msg(access(d->irc, F_OK) == -1 && errno == ENOENT, "%s still exists", d->irc);
	tc_close(a);
	lchatd_stop_ok(d);
}
END_TEST

/* The uid's connection limit counts its IRC connections with its lchat
 * ones, and a connection over it is refused in IRC (an ERROR line, not
 * lchat's BYE). */
START_TEST(test_uid_limit_refused_in_irc)
{
	struct lchatd *d = lchatd_start(CONF "max_users_per_uid = 2\n");
	struct tclient *bob = tc_connect(d->sock);
	tc_join(bob, "bob");
	struct tclient *a = irc(d, "alice");
	tc_expect(bob, "^EV [0-9]+ [0-9]+ JOIN alice ", TC_TIMEOUT);
	struct tclient *c = tc_connect_irc(d->irc);
	tc_expect(c, "^ERROR :Closing link: too-many-connections you have too many connections "
		  "open already$", TC_TIMEOUT);
	tc_expect_eof(c, TC_TIMEOUT);
	tc_expect_silence(bob);
	tc_close(c);
	tc_close(a);
	tc_close(bob);
	lchatd_stop_ok(d);
}
END_TEST

/* A client that vanishes in the middle of a line: the half line is not a
 * message; lchat users see it leave (closed). */
START_TEST(test_vanish_mid_line)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *bob;
	struct tclient *a = bob_and_irc_alice(d, &bob);

	static const char half[] = "PRIVMSG #general :this never end";
	tc_send_raw(a, half, sizeof(half) - 1);
	tc_close(a);
	tc_expectf(bob, TC_TIMEOUT, "EV [0-9]+ [0-9]+ LEAVE alice %s closed$", LOGIN);
	tc_expect_silence(bob);
	lchatd_stop_ok(d);
}
END_TEST

/* History on registration: with server-time and batch, the backlog comes
 * inside BATCH +hist chathistory ... BATCH -hist, each line tagged with
 * its time and the batch. */
START_TEST(test_history_batch)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *bob = tc_connect(d->sock);
	tc_join(bob, "bob");
	tc_send(bob, "SAY before alice came");
	tc_ack(bob, "SAY");

	struct tclient *a = tc_connect_irc(d->irc);
	tc_send(a, "CAP LS 302\r");
	tc_expect(a, ":lchat CAP \\* LS :server-time message-tags batch echo-message$", TC_TIMEOUT);
	tc_send(a, "NICK alice\r");
	tc_send(a, "USER alice 0 * :alice\r");
	tc_send(a, "CAP REQ :server-time batch echo-message\r");
	tc_expect(a, ":lchat CAP \\* ACK :server-time batch echo-message$", TC_TIMEOUT);
	tc_expect_silence(a);   /* CAP holds the registration */
	tc_send(a, "CAP END\r");
	tc_expect(a, ":lchat 001 alice ", TC_TIMEOUT);
	tc_expect_skip(a, ":lchat 366 alice #general ", TC_TIMEOUT);
	tc_expect(a, "BATCH \\+hist chathistory #general$", TC_TIMEOUT);
	tc_expectf(a, TC_TIMEOUT, "@time=20[0-9-]+T[0-9:.]+Z;batch=hist :bob!%s@lchat JOIN #general$",
		   LOGIN);
	tc_expectf(a, TC_TIMEOUT, "@time=20[0-9-]+T[0-9:.]+Z;batch=hist :bob!%s@lchat PRIVMSG "
		   "#general :before alice came$", LOGIN);
	tc_expect(a, "BATCH -hist$", TC_TIMEOUT);
	/* Live: the time tag alone; and echo-message echoes. */
	tc_send(bob, "SAY live now");
	tc_expect(a, "@time=20[0-9-]+T[0-9:.]+Z :bob![^ ]+ PRIVMSG #general :live now$", TC_TIMEOUT);
	tc_send(a, "PRIVMSG #general :echo me\r");
	tc_expect(a, "@time=[^ ]+ :alice![^ ]+ PRIVMSG #general :echo me$", TC_TIMEOUT);

	/* JOIN of another room: its backlog in a batch of its own. */
	struct tclient *carol = tc_join_proto2(d, 0, "carol");
	tc_send(carol, "ENTER #ops");
	tc_expect(carol, "OK ENTER #ops [0-9]+$", TC_TIMEOUT);
	tc_send(carol, "SAY #ops ops history");
	tc_ack(carol, "SAY");
	tc_expect_skip(a, "@time=[^ ]+ :carol![^ ]+ JOIN #general$", TC_TIMEOUT);
	tc_send(a, "JOIN #ops\r");
	tc_expectf(a, TC_TIMEOUT, ":alice!%s@lchat JOIN #ops$", LOGIN);
	tc_expect_skip(a, ":lchat 366 alice #ops ", TC_TIMEOUT);
	tc_expect(a, "BATCH \\+hist chathistory #ops$", TC_TIMEOUT);
	tc_expect(a, "@time=[^ ]+;batch=hist :carol![^ ]+ JOIN #ops$", TC_TIMEOUT);
	tc_expect(a, "@time=[^ ]+;batch=hist :carol![^ ]+ PRIVMSG #ops :ops history$", TC_TIMEOUT);
	tc_expect(a, "BATCH -hist$", TC_TIMEOUT);
	tc_send(carol, "SAY #ops live in ops");
	tc_ack(carol, "SAY");
	tc_expect(a, "@time=[^ ;]+ :carol![^ ]+ PRIVMSG #ops :live in ops$", TC_TIMEOUT);
	tc_close(carol);
	tc_close(a);
	tc_close(bob);
	lchatd_stop_ok(d);
}
END_TEST

int main(void)
{
	struct harness_case cases[] = {
		{ "registration", test_registration, 60 },
		{ "error_numerics", test_error_numerics, 60 },
		{ "registration_timeout", test_registration_timeout, 60 },
		{ "messages_both_ways", test_messages_both_ways, 60 },
		{ "waiting_for_absent_login", test_waiting_for_absent_login, 60 },
		{ "ctcp_and_formatting", test_ctcp_and_formatting, 60 },
		{ "overlong_line", test_overlong_line, 60 },
		{ "shared_rate_limit", test_shared_rate_limit, 60 },
		{ "admin_mute_kick_notice", test_admin_mute_kick_notice, 60 },
		{ "quit_is_leave", test_quit_is_leave, 60 },
		{ "uid_limit_refused_in_irc", test_uid_limit_refused_in_irc, 60 },
		{ "vanish_mid_line", test_vanish_mid_line, 60 },
		{ "shutdown", test_shutdown, 60 },
		{ "lagged", test_lagged, 120 },
		{ "history_batch", test_history_batch, 60 },
	};

	return harness_run(harness_suite("irc", cases, HARNESS_NCASES(cases)));
}
