/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* test_room.c - end-to-end tests of the room: the five features of the
 * design (unique names, join and leave announcements, messages to everyone
 * else, administrator notices) and what the protocol adds to them (WHO,
 * PRIV, ME, backlog, resume, name rules, shutdown), against a real lchatd.
 *
 * Names used here (alice, bob, carol, dave) must not be other accounts'
 * login names on the test machine. */
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "names.h"

/* No MOTD unless a test wants one, so that streams are exact. */
#define CONF "motd = \"\"\n"

/* The quoted login of the test user, for regexes. */
#define LOGIN re_quote(my_login())

/* alice, bob and carol join in this order; every join event each of them
 * sees is consumed. Returns the seq of carol's join. */
static uint64_t join3(struct lchatd *d, struct tclient **a, struct tclient **b,
		      struct tclient **c)
{
	uint64_t ja, jb, jc;

	*a = tc_connect(d->sock);
	*b = tc_connect(d->sock);
	*c = tc_connect(d->sock);
	ja = tc_join(*a, "alice");
	jb = tc_join(*b, "bob");
	jc = tc_join(*c, "carol");
	ck_assert_uint_eq(jb, ja + 1);
	ck_assert_uint_eq(jc, jb + 1);
	tc_expectf(*a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN bob %s$", jb, LOGIN);
	tc_expectf(*a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN carol %s$", jc, LOGIN);
	tc_expectf(*b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN carol %s$", jc, LOGIN);
	return jc;
}

/* SAY text; the very next line must be the acknowledgement (no echo, no
 * other event). Returns its seq. */
static uint64_t say(struct tclient *tc, const char *text)
{
	tc_send(tc, "SAY %s", text);
	return line_seq(tc_expect(tc, "OK SAY [0-9]+$", TC_TIMEOUT));
}

/* SAY text while events stream in: those before the acknowledgement are
 * skipped (another client's stream is the one under test). */
static uint64_t say_past_events(struct tclient *tc, const char *text)
{
	tc_send(tc, "SAY %s", text);
	return tc_ack(tc, "SAY");
}

static void upcase(char *s)
{
	for (; *s; s++)
		if (*s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
}

/* ---- 1. entering the room: names are unique --------------------------- */

START_TEST(test_join_default_and_chosen_name)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a = tc_connect(d->sock), *b = tc_connect(d->sock);
	uint64_t ja, jb;

	/* The greeting names the login the kernel reports for us. */
	ck_assert_str_eq(tc_login(a), my_login());

	tc_send(a, "JOIN");
	ja = line_seq(tc_expectf(a, TC_TIMEOUT, "OK JOIN %s [0-9]+$", LOGIN));
	tc_expect_silence(a);

	jb = tc_join(b, "alice");
	ck_assert_uint_eq(jb, ja + 1);
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN alice %s$", jb, LOGIN);
	tc_expect_silence(a);
	tc_expect_silence(b);
	lchatd_stop_ok(d);
}
END_TEST

START_TEST(test_join_name_taken)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a = tc_connect(d->sock), *b = tc_connect(d->sock);
	struct tclient *c = tc_connect(d->sock), *e = tc_connect(d->sock);
	char upper[64];
	uint64_t ja, jb, jc, je;

	ja = tc_join(a, "alice");
	tc_send(b, "JOIN alice");
	tc_expect(b, "ERR name-taken( .*)?$", TC_TIMEOUT);
	tc_send(b, "JOIN ALICE");
	tc_expect(b, "ERR name-taken( .*)?$", TC_TIMEOUT);
	tc_send(b, "JOIN aLiCe");
	tc_expect(b, "ERR name-taken( .*)?$", TC_TIMEOUT);
	/* The same connection may try again. */
	jb = tc_join(b, "bob");
	ck_assert_uint_eq(jb, ja + 1);      /* refused joins made no event */
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN bob %s$", jb, LOGIN);

	/* The default name, the login, is taken like any other. */
	jc = tc_join(c, NULL);
	ck_assert_str_eq(tc_name(c), my_login());
	tc_send(e, "JOIN");
	tc_expect(e, "ERR name-taken( .*)?$", TC_TIMEOUT);
	snprintf(upper, sizeof(upper), "%s", my_login());
	upcase(upper);
	tc_send(e, "JOIN %s", upper);
	tc_expect(e, "ERR name-taken( .*)?$", TC_TIMEOUT);
	tc_send(e, "JOIN BOB");
	tc_expect(e, "ERR name-taken( .*)?$", TC_TIMEOUT);
	je = tc_join(e, "dave");
	ck_assert_uint_eq(je, jc + 1);

	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN %s %s$", jc, LOGIN, LOGIN);
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN dave %s$", je, LOGIN);
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN %s %s$", jc, LOGIN, LOGIN);
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN dave %s$", je, LOGIN);
	tc_expect_silence(a);
	tc_expect_silence(b);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- 2. a join is announced to everyone else ---------------------------- */

START_TEST(test_join_announced_to_others)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a, *b, *c, *dave = NULL;
	uint64_t jc, jd;

	jc = join3(d, &a, &b, &c);
	dave = tc_connect(d->sock);
	jd = tc_join(dave, "dave");
	ck_assert_uint_eq(jd, jc + 1);
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN dave %s$", jd, LOGIN);
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN dave %s$", jd, LOGIN);
	tc_expectf(c, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN dave %s$", jd, LOGIN);
	/* Exactly once each, and never to the joiner. */
	tc_expect_silence(a);
	tc_expect_silence(b);
	tc_expect_silence(c);
	tc_expect_silence(dave);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- 3. a message reaches everyone else --------------------------------- */

START_TEST(test_message_to_everyone_else)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a, *b, *c;
	int64_t before, after, ms;
	const char *line;
	uint64_t jc, n, m;

	jc = join3(d, &a, &b, &c);
	before = wall_ms();
	n = say(a, "hello, world (1 + 1 = 2?)");
	after = wall_ms();
	ck_assert_uint_eq(n, jc + 1);
	line = tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ MSG alice %s$", n,
			  re_quote("hello, world (1 + 1 = 2?)"));
	ms = line_ms(line);
	ck_assert_msg(ms >= before - 1000 && ms <= after + 1000,
		      "event time %" PRId64 " ms is not between %" PRId64 " and %" PRId64,
		      ms, before, after);
	tc_expectf(c, TC_TIMEOUT, "EV %" PRIu64 " %" PRId64 " MSG alice %s$", n, ms,
		   re_quote("hello, world (1 + 1 = 2?)"));

	/* Someone else speaks; the first sender gets it, no one gets an echo. */
	m = say(c, "hi alice");
	ck_assert_uint_eq(m, n + 1);
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ MSG carol hi alice$", m);
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ MSG carol hi alice$", m);
	tc_expect_silence(a);
	tc_expect_silence(b);
	tc_expect_silence(c);
	lchatd_stop_ok(d);
}
END_TEST

/* A member that receives every event sees the sequence numbers go up by
 * exactly one, across every kind of event. */
START_TEST(test_seq_contiguous_across_event_kinds)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *o = tc_connect(d->sock), *a = tc_connect(d->sock);
	struct tclient *b = tc_connect(d->sock), *c = tc_connect(d->sock);
	struct tclient *ctl = ctl_connect(d->ctl);
	uint64_t seq[16], prev;
	int n = 0;

	prev = tc_join(o, "observer");
	seq[n++] = tc_join(a, "alice");
	seq[n++] = tc_join(b, "bob");
	seq[n++] = say_past_events(a, "one");
	tc_send(b, "ME two");
	seq[n++] = tc_ack(b, "ME");
	tc_send(ctl, "NOTICE three");
	seq[n++] = line_seq(tc_expect(ctl, "OK NOTICE [0-9]+$", TC_TIMEOUT));
	seq[n++] = tc_join(c, "carol");
	seq[n++] = say_past_events(c, "four");
	tc_send(c, "QUIT five");
	tc_expect_past_events(c, "OK QUIT$", TC_TIMEOUT);
	tc_expect_eof(c, TC_TIMEOUT);
	seq[n++] = 0;                        /* carol's leave: no ack */
	seq[n++] = say_past_events(b, "six");
	tc_close(a);
	seq[n++] = 0;                        /* alice's leave */

	const char *want[] = {
		"JOIN alice ", "JOIN bob ", "MSG alice one$", "ACTION bob two$",
		"NOTICE three$", "JOIN carol ", "MSG carol four$",
		"LEAVE carol [^ ]+ quit five$", "MSG bob six$", "LEAVE alice [^ ]+ closed$",
	};
	ck_assert_int_eq(n, (int)(sizeof(want) / sizeof(want[0])));
	for (int i = 0; i < n; i++) {
		uint64_t s = line_seq(tc_expectf(o, TC_TIMEOUT, "EV [0-9]+ [0-9]+ %s", want[i]));

		ck_assert_msg(s == prev + 1, "event %d (%s) has seq %" PRIu64 ", expected %" PRIu64,
			      i, want[i], s, prev + 1);
		ck_assert_msg(seq[i] == 0 || seq[i] == s,
			      "event %d (%s): seq %" PRIu64 " but the sender was told %" PRIu64,
			      i, want[i], s, seq[i]);
		prev = s;
	}
	tc_expect_silence(o);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- 4. leaving is announced to everyone else --------------------------- */

START_TEST(test_leave_by_quit)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a, *b, *c;
	uint64_t jc;

	jc = join3(d, &a, &b, &c);
	tc_send(a, "QUIT off to lunch");
	tc_expect(a, "OK QUIT$", TC_TIMEOUT);
	tc_expect_eof(a, TC_TIMEOUT);
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ LEAVE alice %s quit off to lunch$",
		   jc + 1, LOGIN);
	tc_expectf(c, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ LEAVE alice %s quit off to lunch$",
		   jc + 1, LOGIN);

	/* Without a reason there is no trailing text. */
	tc_send(b, "QUIT");
	tc_expect(b, "OK QUIT$", TC_TIMEOUT);
	tc_expect_eof(b, TC_TIMEOUT);
	tc_expectf(c, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ LEAVE bob %s quit$", jc + 2, LOGIN);

	/* The name is free again. */
	a = tc_connect(d->sock);
	ck_assert_uint_eq(tc_join(a, "alice"), jc + 3);
	tc_expectf(c, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN alice %s$", jc + 3, LOGIN);
	tc_expect_silence(c);
	lchatd_stop_ok(d);
}
END_TEST

START_TEST(test_leave_by_close)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a, *b, *c;
	uint64_t jc;

	jc = join3(d, &a, &b, &c);
	tc_close(a);
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ LEAVE alice %s closed$", jc + 1, LOGIN);
	tc_expectf(c, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ LEAVE alice %s closed$", jc + 1, LOGIN);
	tc_expect_silence(b);
	tc_expect_silence(c);
	a = tc_connect(d->sock);
	ck_assert_uint_eq(tc_join(a, "alice"), jc + 2);
	lchatd_stop_ok(d);
}
END_TEST

START_TEST(test_leave_when_handler_killed)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a, *b, *c;
	pid_t daemon, handler;
	int64_t deadline;
	uint64_t jc;
	int zombies;

	jc = join3(d, &a, &b, &c);
	daemon = lchatd_daemon_pid(d);
	handler = lchatd_handler_pid(d, "alice");
	ck_assert_int_eq(kill(handler, SIGKILL), 0);

	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ LEAVE alice %s lost$", jc + 1, LOGIN);
	tc_expectf(c, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ LEAVE alice %s lost$", jc + 1, LOGIN);
	/* Nobody else holds alice's connection open. */
	tc_expect_eof(a, TC_TIMEOUT);

	/* The daemon reaps the handler: no zombie stays behind. */
	deadline = wall_ms() + TC_TIMEOUT;
	while ((zombies = count_handlers(daemon, 'Z')) > 0 && wall_ms() < deadline)
		sleep_ms(10);
	ck_assert_msg(zombies == 0, "daemon %d still has %d zombie children", (int)daemon, zombies);
	ck_assert_int_eq(lchatd_daemon_pid(d), daemon);   /* the room survived */

	/* The room goes on, and the name is free again. */
	ck_assert_uint_eq(say(b, "still here"), jc + 2);
	tc_expectf(c, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ MSG bob still here$", jc + 2);
	a = tc_connect(d->sock);
	ck_assert_uint_eq(tc_join(a, "alice"), jc + 3);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- 5. the administrator's notice reaches everyone ------------------- */

START_TEST(test_admin_notice)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a = tc_connect(d->sock), *b = tc_connect(d->sock);
	struct tclient *lurker = tc_connect(d->sock), *ctl;
	uint64_t n;

	tc_join(a, "alice");
	tc_join(b, "bob");
	tc_expect(a, "EV [0-9]+ [0-9]+ JOIN bob ", TC_TIMEOUT);
	ctl = ctl_connect(d->ctl);
	tc_send(ctl, "NOTICE server reboots at 18:00");
	n = line_seq(tc_expect(ctl, "OK NOTICE [0-9]+$", TC_TIMEOUT));
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ NOTICE server reboots at 18:00$", n);
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ NOTICE server reboots at 18:00$", n);
	tc_expect_silence(a);
	tc_expect_silence(b);
	tc_expect_silence(ctl);
	/* Only members receive events; a connection that has not joined does not. */
	tc_expect_silence(lurker);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- WHO, PRIV, ME ------------------------------------------------------------ */

/* Read WHO lines up to "OK WHO <count>"; every member must be listed once
 * with our login, a numeric idle time and a plausible join time. The
 * control socket's lines (admin) also carry the uid, the connection time
 * and the mute state. */
static void expect_who_as(struct tclient *tc, const char *const *names, int count,
			  int64_t since, bool admin)
{
	bool seen[8] = { false };
	const char *line;

	ck_assert_int_le(count, 8);
	for (int i = 0; i < count; i++) {
		char name[64];
		long long idle, joined;
		int k, len = 0;

		if (admin) {
			long long uid, connected;
			line = tc_expectf(tc, TC_TIMEOUT, "WHO [^ ]+ %s [0-9]+ [0-9]+ [0-9]+ [0-9]+ -$", LOGIN);
			ck_assert_int_eq(sscanf(line, "WHO %63s %*s %lld %lld %lld %lld -%n", name, &uid,
						&idle, &joined, &connected, &len), 5);
			ck_assert_int_eq(uid, (long long)getuid());
			ck_assert_msg(connected <= joined, "connected after joining: %s", line);
		} else {
			line = tc_expectf(tc, TC_TIMEOUT, "WHO [^ ]+ %s [0-9]+ [0-9]+$", LOGIN);
			ck_assert_int_eq(sscanf(line, "WHO %63s %*s %lld %lld%n", name, &idle, &joined, &len), 3);
		}
		ck_assert_int_eq(len, (int)strlen(line));
		for (k = 0; k < count && strcmp(names[k], name) != 0; k++)
			;
		ck_assert_msg(k < count, "WHO lists '%s', who is not a member", name);
		ck_assert_msg(!seen[k], "WHO lists '%s' twice", name);
		seen[k] = true;
		ck_assert_msg(idle >= 0 && idle < 600, "idle time %lld of %s", idle, name);
		ck_assert_msg(joined >= since - 1000 && joined <= wall_ms() + 1000,
			      "joined-ms %lld of %s is not recent", joined, name);
	}
	tc_expectf(tc, TC_TIMEOUT, "OK WHO %d$", count);
}

static void expect_who(struct tclient *tc, const char *const *names, int count, int64_t since)
{
	expect_who_as(tc, names, count, since, false);
}

START_TEST(test_who)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a, *b, *c, *ctl;
	const char *const names[] = { "alice", "bob", "carol" };
	int64_t since = wall_ms();

	join3(d, &a, &b, &c);
	tc_send(b, "WHO");
	expect_who(b, names, 3, since);
	tc_expect_silence(b);

	ctl = ctl_connect(d->ctl);
	tc_send(ctl, "WHO");
	expect_who_as(ctl, names, 3, since, true);

	/* A member who left is no longer listed. */
	tc_send(c, "QUIT");
	tc_expect(c, "OK QUIT$", TC_TIMEOUT);
	tc_expect(a, "EV [0-9]+ [0-9]+ LEAVE carol ", TC_TIMEOUT);
	tc_send(a, "WHO");
	expect_who(a, names, 2, since);
	lchatd_stop_ok(d);
}
END_TEST

START_TEST(test_priv_only_to_target)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a, *b, *c;
	uint64_t jc, n, m;

	jc = join3(d, &a, &b, &c);
	tc_send(a, "PRIV bob psst, a secret");
	n = line_seq(tc_expect(a, "OK PRIV [0-9]+$", TC_TIMEOUT));
	ck_assert_uint_eq(n, jc + 1);
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ PRIV alice psst, a secret$", n);
	tc_expect_silence(c);
	tc_expect_silence(a);

	/* Names are case-insensitive here too. */
	tc_send(c, "PRIV Bob hi");
	m = line_seq(tc_expect(c, "OK PRIV [0-9]+$", TC_TIMEOUT));
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ PRIV carol hi$", m);
	tc_expect_silence(a);

	tc_send(a, "PRIV nosuchmember hello?");   /* no member, no login */
	tc_expect(a, "ERR no-such-user( .*)?$", TC_TIMEOUT);

	/* The private events' numbers are skipped in carol's stream; the
	 * refused ones made no event. */
	ck_assert_uint_eq(say(a, "public again"), m + 1);
	tc_expectf(c, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ MSG alice public again$", m + 1);
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ MSG alice public again$", m + 1);
	tc_expect_silence(b);
	lchatd_stop_ok(d);
}
END_TEST

START_TEST(test_me_action)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a, *b, *c;
	uint64_t jc, n;

	jc = join3(d, &a, &b, &c);
	tc_send(a, "ME waves at everyone");
	n = line_seq(tc_expect(a, "OK ME [0-9]+$", TC_TIMEOUT));
	ck_assert_uint_eq(n, jc + 1);
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ ACTION alice waves at everyone$", n);
	tc_expectf(c, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ ACTION alice waves at everyone$", n);
	tc_expect_silence(a);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- history ------------------------------------------------------------------ */

START_TEST(test_backlog_for_newcomer)
{
	struct lchatd *d = lchatd_start("backlog = 5\nmotd = \"Welcome to the test room.\"\n");
	struct tclient *a = tc_connect(d->sock), *b = tc_connect(d->sock);
	uint64_t s[9], jb;
	char text[32];

	tc_join(a, "alice");
	for (int i = 1; i <= 8; i++) {
		snprintf(text, sizeof(text), "message %d", i);
		s[i] = say(a, text);
	}
	tc_send(b, "JOIN bob");
	jb = line_seq(tc_expect(b, "OK JOIN bob [0-9]+$", TC_TIMEOUT));
	ck_assert_uint_eq(jb, s[8] + 1);
	tc_expect(b, "MOTD Welcome to the test room\\.$", TC_TIMEOUT);
	for (int i = 4; i <= 8; i++)
		tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ MSG alice message %d$", s[i], i);
	tc_expect_silence(b);

	/* Then live events. */
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN bob %s$", jb, LOGIN);
	ck_assert_uint_eq(say(a, "live"), jb + 1);
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ MSG alice live$", jb + 1);
	lchatd_stop_ok(d);
}
END_TEST

/* Private messages to others never show up in someone else's history. */
START_TEST(test_history_hides_private_messages)
{
	struct lchatd *d = lchatd_start("backlog = 50\nmotd = \"\"\n");
	struct tclient *a = tc_connect(d->sock), *c = tc_connect(d->sock);
	struct tclient *b = tc_connect(d->sock), *b2;
	uint64_t ja, jc, p, m, jb, jb2;

	ja = tc_join(a, "alice");
	jc = tc_join(c, "carol");
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN carol ", jc);
	tc_send(a, "PRIV carol for your eyes only");
	p = line_seq(tc_expect(a, "OK PRIV [0-9]+$", TC_TIMEOUT));
	tc_expectf(c, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ PRIV alice for your eyes only$", p);
	m = say(a, "public");
	tc_expectf(c, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ MSG alice public$", m);

	/* A newcomer's backlog. */
	tc_send(b, "JOIN bob");
	jb = line_seq(tc_expect(b, "OK JOIN bob [0-9]+$", TC_TIMEOUT));
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN alice %s$", ja, LOGIN);
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN carol %s$", jc, LOGIN);
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ MSG alice public$", m);
	tc_expect_silence(b);

	/* A resumed session. */
	tc_close(b);
	b2 = tc_connect(d->sock);
	tc_send(b2, "JOIN bob %" PRIu64, ja);
	jb2 = line_seq(tc_expect(b2, "OK JOIN bob [0-9]+$", TC_TIMEOUT));
	tc_expectf(b2, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN carol %s$", jc, LOGIN);
	tc_expectf(b2, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ MSG alice public$", m);
	/* bob's first session's join and leave are tolerated (see the resume
	 * test); the private message is not. */
	tc_expectf(b2, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN bob %s$", jb, LOGIN);
	tc_expectf(b2, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ LEAVE bob %s closed$", jb + 1, LOGIN);
	ck_assert_uint_eq(jb2, jb + 2);
	tc_expect_silence(b2);
	lchatd_stop_ok(d);
}
END_TEST

START_TEST(test_resume_after_reconnect)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a = tc_connect(d->sock), *b = tc_connect(d->sock);
	struct tclient *c = tc_connect(d->sock), *ctl = ctl_connect(d->ctl);
	uint64_t last, s1, s2, s3, s4, s5, s6, jb;
	const char *line;

	tc_join(a, "alice");
	tc_join(b, "bob");
	tc_expect(a, "EV [0-9]+ [0-9]+ JOIN bob ", TC_TIMEOUT);
	last = say(a, "before the break");
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ MSG alice before the break$", last);

	/* bob goes away; the room goes on. */
	tc_close(b);
	s1 = line_seq(tc_expectf(a, TC_TIMEOUT, "EV [0-9]+ [0-9]+ LEAVE bob %s closed$", LOGIN));
	ck_assert_uint_eq(s1, last + 1);
	s2 = say(a, "while away 1");
	tc_send(ctl, "NOTICE while away 2");
	s3 = line_seq(tc_expect(ctl, "OK NOTICE [0-9]+$", TC_TIMEOUT));
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ NOTICE while away 2$", s3);
	s4 = tc_join(c, "carol");
	tc_send(c, "QUIT bye");
	tc_expect(c, "OK QUIT$", TC_TIMEOUT);
	tc_expect_eof(c, TC_TIMEOUT);
	s5 = s4 + 1;
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN carol ", s4);
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ LEAVE carol [^ ]+ quit bye$", s5);
	s6 = say(a, "while away 3");
	ck_assert_uint_eq(s6, s5 + 1);

	/* bob comes back and resumes from the last event he saw. */
	b = tc_connect(d->sock);
	tc_send(b, "JOIN bob %" PRIu64, last);
	jb = line_seq(tc_expect(b, "OK JOIN bob [0-9]+$", TC_TIMEOUT));
	ck_assert_uint_eq(jb, s6 + 1);
	/* His own earlier leave is an event about himself: receiving it is
	 * tolerated, but only as exactly that event in its place. Nothing he
	 * saw before the break comes again. */
	line = tc_expectf(b, TC_TIMEOUT,
			  "EV (%" PRIu64 " [0-9]+ LEAVE bob %s closed|%" PRIu64 " [0-9]+ MSG alice while away 1)$",
			  s1, LOGIN, s2);
	if (line_seq(line) == s1)
		tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ MSG alice while away 1$", s2);
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ NOTICE while away 2$", s3);
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN carol %s$", s4, LOGIN);
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ LEAVE carol %s quit bye$", s5, LOGIN);
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ MSG alice while away 3$", s6);
	tc_expect_silence(b);

	/* Then live events, and bob's return was announced. */
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN bob %s$", jb, LOGIN);
	ck_assert_uint_eq(say(a, "welcome back"), jb + 1);
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ MSG alice welcome back$", jb + 1);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- name rules -------------------------------------------------------------- */

/* An account other than ours whose login is a well-formed chat name. */
static const char *others_login(void)
{
	static char login[64];
	struct passwd *pw;

	setpwent();
	while ((pw = getpwent()) != NULL) {
		if (pw->pw_uid == geteuid() || strlen(pw->pw_name) >= sizeof(login) ||
		    name_check_syntax(pw->pw_name, strlen(pw->pw_name)) != NAME_OK)
			continue;
		snprintf(login, sizeof(login), "%s", pw->pw_name);
		break;
	}
	endpwent();
	return login[0] ? login : NULL;
}

START_TEST(test_name_root_refused)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a = tc_connect(d->sock);

	tc_send(a, "JOIN root");
	tc_expect(a, "ERR name-others-login( .*)?$", TC_TIMEOUT);
	tc_send(a, "JOIN ROOT");
	tc_expect(a, "ERR name-others-login( .*)?$", TC_TIMEOUT);
	tc_join(a, "alice");
	lchatd_stop_ok(d);
}
END_TEST

START_TEST(test_name_others_login_refused)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *o = tc_connect(d->sock), *a = tc_connect(d->sock);
	const char *other = others_login();
	char upper[64];
	uint64_t jo;

	ck_assert_msg(other != NULL, "no other account with a well-formed login name");
	jo = tc_join(o, "observer");
	tc_send(a, "JOIN %s", other);
	tc_expect(a, "ERR name-others-login( .*)?$", TC_TIMEOUT);
	snprintf(upper, sizeof(upper), "%s", other);
	upcase(upper);
	tc_send(a, "JOIN %s", upper);
	tc_expect(a, "ERR name-others-login( .*)?$", TC_TIMEOUT);
	/* Our own login is fine. */
	tc_send(a, "JOIN %s", my_login());
	tc_expectf(a, TC_TIMEOUT, "OK JOIN %s %" PRIu64 "$", LOGIN, jo + 1);
	tc_expectf(o, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN %s %s$", jo + 1, LOGIN, LOGIN);
	tc_expect_silence(o);
	lchatd_stop_ok(d);
}
END_TEST

START_TEST(test_name_reserved_refused)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a = tc_connect(d->sock);
	const char *reserved[] = { "admin", "Admin", "ADMIN", "notice", "server" };

	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		tc_send(a, "JOIN %s", reserved[i]);
		tc_expect(a, "ERR name-reserved( .*)?$", TC_TIMEOUT);
	}
	tc_join(a, "alice");
	lchatd_stop_ok(d);
}
END_TEST

/* Malformed names: each gets its own error and the connection may go on. */
static const struct {
	const char *line, *code;
} bad_names[] = {
	{ "JOIN al ice", "bad-argument" },           /* "ice" is not a LAST-SEQ */
	{ "JOIN al\x01ice", "bad-char" },            /* a control character... */
	{ "JOIN al\tice", "bad-char" },
	{ "JOIN \x1b[1malice", "bad-char" },
	{ "JOIN \xe2\x80\xae" "ecila", "bad-char" }, /* ...or bidi: the line is refused */
	{ "JOIN al\xff" "ice", "bad-utf8" },
	{ "JOIN \xc3\xa5lice", "name-bad-char" },    /* valid but not ASCII */
	{ "JOIN \xd0\xb0lice", "name-bad-char" },    /* Cyrillic a */
	{ "JOIN al\xe2\x80\x8d" "ice", "name-bad-char" }, /* ZWJ: fine in text, not in names */
	{ "JOIN al!ce", "name-bad-char" },
	{ "JOIN al/ice", "name-bad-char" },
	{ "JOIN -alice", "name-bad-start" },
	{ "JOIN .alice", "name-bad-start" },
	{ "JOIN _alice", "name-bad-start" },
	{ "JOIN aaaaaaaaaabbbbbbbbbbccccccccccddd", "name-too-long" },   /* 33 */
};

START_TEST(test_name_malformed_refused)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *o = tc_connect(d->sock), *a = tc_connect(d->sock);
	const char *longest = "aaaaaaaaaabbbbbbbbbbcccccccccc.-";   /* 32 */
	uint64_t jo;

	jo = tc_join(o, "observer");
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		tc_set_label(a, bad_names[i].line);
		tc_send(a, "%s", bad_names[i].line);
		tc_expectf(a, TC_TIMEOUT, "ERR %s( .*)?$", bad_names[i].code);
		tc_send(a, "PING %zu", i);
		tc_expectf(a, TC_TIMEOUT, "PONG %zu$", i);
	}
	tc_expect_silence(o);
	ck_assert_uint_eq(tc_join(a, longest), jo + 1);
	tc_expectf(o, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN %s %s$", jo + 1,
		   re_quote(longest), LOGIN);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- shutdown ------------------------------------------------------------------ */

START_TEST(test_shutdown_tells_members)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a = tc_connect(d->sock), *b = tc_connect(d->sock);
	int status;

	tc_join(a, "alice");
	tc_join(b, "bob");
	tc_expect(a, "EV [0-9]+ [0-9]+ JOIN bob ", TC_TIMEOUT);
	lchatd_signal(d, SIGTERM);
	tc_expect_shutdown(a);
	tc_expect_shutdown(b);

	status = lchatd_wait_exit(d, 15000);
	ck_assert_msg(status != -1, "the supervisor did not exit after SIGTERM");
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "the supervisor's wait status is 0x%x, not exit 0", status);
	ck_assert_msg(access(d->sock, F_OK) == -1 && errno == ENOENT,
		      "%s still exists", d->sock);
	ck_assert_msg(access(d->ctl, F_OK) == -1 && errno == ENOENT,
		      "%s still exists", d->ctl);
	lchatd_stop_ok(d);
}
END_TEST

/* A restart with a new history (a new geometry) starts the log empty while
 * sequence numbers go on: that hole is not a lag. A newcomer joins at once
 * and gets what the new log holds; a member resuming from before the
 * restart is not dropped as lagged either. */
START_TEST(test_restart_with_new_history)
{
	char state[] = "/tmp/lchat-hole-XXXXXX", conf[256];
	struct lchatd *d;
	struct tclient *a, *b;
	uint64_t last = 0;

	ck_assert_ptr_nonnull(mkdtemp(state));
	snprintf(conf, sizeof(conf), CONF "state_dir = \"%s\"\nhistory = 64\n", state);
	d = lchatd_start(conf);
	a = tc_connect(d->sock);
	tc_join(a, "alice");
	for (int i = 0; i < 40; i++)
		last = say(a, "before the restart");
	lchatd_stop_ok(d);

	snprintf(conf, sizeof(conf), CONF "state_dir = \"%s\"\nhistory = 128\n", state);
	d = lchatd_start(conf);
	/* A newcomer: OK JOIN, then its own stream, no BYE lagged. */
	b = tc_connect(d->sock);
	uint64_t jb = tc_join(b, "bob");
	ck_assert_uint_gt(jb, last);
	/* alice resumes from an event the new log never held. */
	a = tc_connect(d->sock);
	tc_send(a, "JOIN alice %" PRIu64, last - 10);
	tc_expect(a, "^OK JOIN alice [0-9]+$", TC_TIMEOUT);
	/* It gets what the new log holds from there: bob's join. */
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN bob ", jb);
	ck_assert_uint_eq(say(a, "after the restart"), jb + 2);
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN alice ", jb + 1);
	tc_expectf(b, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ MSG alice after the restart$", jb + 2);
	ck_assert_uint_eq(say(b, "hello"), jb + 3);
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ MSG bob hello$", jb + 3);
	tc_expect_silence(b);
	lchatd_stop_ok(d);
	remove_tree(state);
}
END_TEST

static Suite *room_suite(void)
{
	Suite *s = suite_create("room");
	TCase *tc = tcase_create("room");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_join_default_and_chosen_name);
	tcase_add_test(tc, test_join_name_taken);
	tcase_add_test(tc, test_join_announced_to_others);
	tcase_add_test(tc, test_message_to_everyone_else);
	tcase_add_test(tc, test_seq_contiguous_across_event_kinds);
	tcase_add_test(tc, test_leave_by_quit);
	tcase_add_test(tc, test_leave_by_close);
	tcase_add_test(tc, test_leave_when_handler_killed);
	tcase_add_test(tc, test_admin_notice);
	tcase_add_test(tc, test_who);
	tcase_add_test(tc, test_priv_only_to_target);
	tcase_add_test(tc, test_me_action);
	tcase_add_test(tc, test_backlog_for_newcomer);
	tcase_add_test(tc, test_history_hides_private_messages);
	tcase_add_test(tc, test_resume_after_reconnect);
	if (geteuid() != 0)     /* root's own login is fine for root */
		tcase_add_test(tc, test_name_root_refused);
	tcase_add_test(tc, test_name_others_login_refused);
	tcase_add_test(tc, test_name_reserved_refused);
	tcase_add_test(tc, test_name_malformed_refused);
	tcase_add_test(tc, test_shutdown_tells_members);
	tcase_add_test(tc, test_restart_with_new_history);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return harness_run(room_suite());
}
