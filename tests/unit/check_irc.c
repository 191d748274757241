/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* check_irc.c - the IRC socket's words (common/irc.c): the client line's
 * parser, the caps, CTCP, the server line's formatter, and removing IRC's
 * formatting codes (common/sanitize.c). */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "irc.h"
#include "sanitize.h"

static bool param_is(const struct irc_msg *m, unsigned i, const char *want)
{
	return i < m->n && m->len[i] == strlen(want) && memcmp(m->p[i], want, m->len[i]) == 0;
}

START_TEST(parse_lines)
{
	struct irc_msg m;

	ck_assert(irc_parse(S("PRIVMSG #general :hello there"), &m));
	ck_assert_int_eq(m.cmd, IRC_PRIVMSG);
	ck_assert_uint_eq(m.n, 2);
	ck_assert(param_is(&m, 0, "#general") && param_is(&m, 1, "hello there"));
	/* Tags and a prefix are skipped; the command is case-insensitive. */
	ck_assert(irc_parse(S("@time=x;a=b :alice!a@h privmsg bob :hi"), &m));
	ck_assert_int_eq(m.cmd, IRC_PRIVMSG);
	ck_assert(param_is(&m, 0, "bob") && param_is(&m, 1, "hi"));
	/* USER with four words, the last a trailing one. */
	ck_assert(irc_parse(S("USER a 0 * :Real Name"), &m));
	ck_assert_uint_eq(m.n, 4);
	ck_assert(param_is(&m, 3, "Real Name"));
	/* An empty trailing parameter is a parameter. */
	ck_assert(irc_parse(S("TOPIC #x :"), &m));
	ck_assert_uint_eq(m.n, 2);
	ck_assert_uint_eq(m.len[1], 0);
	/* Unknown words, empty lines. */
	ck_assert(irc_parse(S("FROB a b"), &m));
	ck_assert_int_eq(m.cmd, IRC_UNKNOWN);
	ck_assert(!irc_parse(S(""), &m));
	ck_assert(!irc_parse(S("   "), &m));
	ck_assert(!irc_parse(S("@tags-only"), &m));
	/* The server's words are not a client's commands. */
	ck_assert(irc_parse(S("ERROR :x"), &m));
	ck_assert_int_eq(m.cmd, IRC_UNKNOWN);
}
END_TEST

START_TEST(parse_many_params)
{
	struct irc_msg m;
	/* More than 15: the 15th takes the rest, nothing is lost or overrun. */
	ck_assert(irc_parse(S("ISON a b c d e f g h i j k l m n o p q"), &m));
	ck_assert_uint_eq(m.n, IRC_PARAMS_MAX);
	ck_assert(param_is(&m, IRC_PARAMS_MAX - 1, "o p q"));
}
END_TEST

START_TEST(caps)
{
	uint32_t c = 0;
	ck_assert(irc_caps_parse(S("server-time batch"), &c));
	ck_assert_uint_eq(c, IRC_CAP_SERVER_TIME | IRC_CAP_BATCH);
	ck_assert(irc_caps_parse(S("ECHO-MESSAGE  message-tags"), &c));
	ck_assert_uint_eq(c, IRC_CAP_ECHO | IRC_CAP_MESSAGE_TAGS);
	ck_assert(!irc_caps_parse(S("server-time sasl"), &c));
	ck_assert_str_eq(irc_caps_offered(), "server-time message-tags batch echo-message");
}
END_TEST

START_TEST(ctcp)
{
	const char *a;
	size_t n;
	ck_assert(irc_ctcp(S("\001ACTION waves\001"), &a, &n));
	ck_assert(a && n == 5 && memcmp(a, "waves", 5) == 0);
	ck_assert(irc_ctcp(S("\001ACTION waves"), &a, &n));   /* no closing \001 */
	ck_assert(a && n == 5);
	ck_assert(irc_ctcp(S("\001VERSION\001"), &a, &n));
	ck_assert_ptr_null(a);
	ck_assert(irc_ctcp(S("\001ACTIONS\001"), &a, &n));
	ck_assert_ptr_null(a);
	ck_assert(!irc_ctcp(S("plain"), &a, &n));
}
END_TEST

START_TEST(server_lines)
{
	struct buffer b = { 0 };
	ck_assert_int_eq(irc_num(&b, "alice", ERR_NICKNAMEINUSE, "%s :in use", "bob"), 0);
	ck_assert_int_eq(irc_num(&b, "", RPL_WELCOME, ":hi"), 0);
	ck_assert_int_eq(irc_error(&b, CODE_KICKED, "bye now and more", 7), 0);
	const char want[] = ":lchat 433 alice bob :in use\r\n:lchat 001 * :hi\r\n"
			    "ERROR :Closing link: kicked bye now\r\n";
	ck_assert_uint_eq(b.len, sizeof(want) - 1);
	ck_assert(memcmp(b.data, want, b.len) == 0);
	buffer_free(&b);
	char fixed[32];
	size_t n = irc_error_format(fixed, sizeof(fixed), CODE_BANNED, "a long reason that is cut");
	ck_assert_uint_eq(n, sizeof(fixed) - 1);
	ck_assert(fixed[n - 2] == '\r' && fixed[n - 1] == '\n' && fixed[n] == '\0');
	char tag[40];
	irc_time_tag(tag, sizeof(tag), 1796407228184LL);
	ck_assert_str_eq(tag, "time=2026-12-04T18:00:28.184Z");
}
END_TEST

static const char *strip(const char *s)
{
	static char buf[256];
	size_t n = strlen(s);
	memcpy(buf, s, n);
	buf[text_strip_irc_format(buf, n)] = '\0';
	return buf;
}

START_TEST(formatting_removed)
{
	ck_assert_str_eq(strip("\00304,01red\003 and \002bold\002"), "red and bold");
	ck_assert_str_eq(strip("\0034green"), "green");
	ck_assert_str_eq(strip("\003,5 comma kept"), ",5 comma kept");   /* no fg: not a colour */
	ck_assert_str_eq(strip("\00312345"), "345");                     /* two digits at most */
	ck_assert_str_eq(strip("\004ff00ffpink\004"), "pink");
	ck_assert_str_eq(strip("\037u\035i\036s\026r\017\021m"), "uisrm");
	ck_assert_str_eq(strip("10,5 plain 3"), "10,5 plain 3");
	ck_assert_str_eq(strip("\003"), "");
	ck_assert_str_eq(strip("\00304,"), ",");
	/* What is left is checked as usual: other control characters stay
	 * and are refused. */
	ck_assert_int_eq(text_check(strip("a\007b"), 3, NULL), TEXT_CONTROL);
	ck_assert_int_eq(text_check(strip("\002ok\002"), 2, NULL), TEXT_OK);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("irc");
	TCase *tc = tcase_create("irc");
	tcase_add_test(tc, parse_lines);
	tcase_add_test(tc, parse_many_params);
	tcase_add_test(tc, caps);
	tcase_add_test(tc, ctcp);
	tcase_add_test(tc, server_lines);
	tcase_add_test(tc, formatting_removed);
	suite_add_tcase(s, tc);
	return check_run(s);
}
