/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* test_nick.c - end-to-end tests of NICK (docs/protocol.md), a member's
 * change of name while in the room, against a real lchatd: raw protocol
 * clients for the verb, its event line and its errors, and the real lchat
 * in tmux for /nick.
 *
 * Names used here (alice, alice2, bob, carol, observer) must not be other
 * accounts' login names on the test machine; "nobody" must be one. */
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "tmux.h"

/* No MOTD, generous rate limits: streams are exact, and only the rate
 * test meets the limit. */
#define CONF "motd = \"\"\nrate_limit = 100\nrate_burst = 200\n"
#define LOGIN re_quote(my_login())
#define T_WAIT 8000
/* A line of the screen: "[HH:MM] " and then the rest. */
#define TS "^\\[[0-9][0-9]:[0-9][0-9]\\] "

/* The login of another account, which no member may take: nobody's. */
static const char *others_login(void)
{
	struct passwd *pw = getpwnam("nobody");

	ck_assert_msg(pw && pw->pw_uid != geteuid(), "no account nobody, or the tests run as it");
	return "nobody";
}

/* Two members, alice and observer; returns the seq of observer's join
 * (the last event). */
static uint64_t two(struct lchatd *d, struct tclient **a, struct tclient **o)
{
	*a = tc_connect(d->sock);
	*o = tc_connect(d->sock);
	tc_join(*a, "alice");
	uint64_t jo = tc_join(*o, "observer");
	tc_expectf(*a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN observer %s$", jo, LOGIN);
	return jo;
}

/* ---- before JOIN ---------------------------------------------------------- */

START_TEST(test_nick_before_join)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a = tc_connect(d->sock);

	tc_send(a, "NICK alice");
	tc_expect(a, "ERR not-joined( .*)?$", TC_TIMEOUT);
	tc_send(a, "nick alice");
	tc_expect(a, "ERR not-joined( .*)?$", TC_TIMEOUT);
	/* The connection goes on, and the name was not taken by it. */
	tc_join(a, "alice");
	tc_close(a);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- the rename, as the others see it ------------------------------------- */

START_TEST(test_nick_event)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a, *o, *late;
	uint64_t last = two(d, &a, &o), n;
	const char *line;

	tc_send(a, "NICK alice2");
	line = tc_expectf(a, TC_TIMEOUT, "OK NICK alice2 %" PRIu64 "$", last + 1);
	n = line_seq(line);
	/* Exactly this line, and nothing else: the name, then the login. */
	line = tc_expectf(o, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ NICK alice %s alice2$", n, LOGIN);
	ck_assert_int_gt(line_ms(line), 0);
	tc_expect_silence(o);
	tc_expect_silence(a);

	/* PRIV to the new name reaches the renamed member; the old name
	 * is nobody's. */
	tc_send(o, "PRIV alice2 are you still there?");
	n = tc_ack(o, "PRIV");
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ PRIV observer are you still there\\?$", n);
	tc_send(o, "PRIV alice hello?");
	tc_expect(o, "ERR no-such-user( .*)?$", TC_TIMEOUT);

	/* The member speaks under the new name. */
	tc_send(a, "SAY renamed");
	n = tc_ack(a, "SAY");
	tc_expectf(o, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ MSG alice2 renamed$", n);

	/* WHO lists the new name, and the handler's title says it. */
	tc_send(o, "WHO");
	tc_expect(o, "WHO alice2 ", TC_TIMEOUT);
	tc_expect(o, "WHO observer ", TC_TIMEOUT);
	tc_expect(o, "OK WHO 2$", TC_TIMEOUT);
	ck_assert_int_gt(lchatd_handler_pid(d, "alice2"), 0);

	/* The old name is free again. */
	late = tc_connect(d->sock);
	n = tc_join(late, "alice");
	tc_expectf(o, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN alice %s$", n, LOGIN);
	tc_expectf(a, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ JOIN alice %s$", n, LOGIN);

	/* A change of case of one's own name is a change too. */
	tc_send(a, "NICK Alice2");
	n = line_seq(tc_expect(a, "OK NICK Alice2 [0-9]+$", TC_TIMEOUT));
	tc_expectf(o, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ NICK alice2 %s Alice2$", n, LOGIN);
	tc_expectf(late, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ NICK alice2 %s Alice2$", n, LOGIN);

	/* Leaving, the member leaves under its new name. */
	tc_send(a, "QUIT");
	tc_expect(a, "OK QUIT$", TC_TIMEOUT);
	tc_expect(o, "EV [0-9]+ [0-9]+ LEAVE Alice2 [^ ]+ quit$", TC_TIMEOUT);
	tc_close(a);
	tc_close(late);
	tc_close(o);
	lchatd_stop_ok(d);
}
END_TEST

/* The room's history keeps the event: those who join later see it in
 * their backlog. */
START_TEST(test_nick_in_backlog)
{
	struct lchatd *d = lchatd_start("motd = \"\"\nbacklog = 5\n");
	struct tclient *a, *o, *late;
	uint64_t n;

	two(d, &a, &o);
	tc_send(a, "NICK alice2");
	n = line_seq(tc_expect(a, "OK NICK alice2 [0-9]+$", TC_TIMEOUT));
	tc_expectf(o, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ NICK alice %s alice2$", n, LOGIN);
	late = tc_connect(d->sock);
	tc_send(late, "JOIN carol");
	tc_expect(late, "OK JOIN carol [0-9]+$", TC_TIMEOUT);
	tc_expect_skip(late, "EV [0-9]+ [0-9]+ NICK alice [^ ]+ alice2$", TC_TIMEOUT);
	tc_close(late);
	tc_close(a);
	tc_close(o);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- refused names ---------------------------------------------------------- */

/* Each refused NICK gets its ERR, the room sees nothing, and the name
 * stays what it was. */
START_TEST(test_nick_refused)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a, *o;
	uint64_t n;
	char line[128];
	const struct {
		const char *name, *code;
	} cases[] = {
		{ "observer", "name-taken" },       /* someone's name... */
		{ "OBSERVER", "name-taken" },       /* ...in any case */
		{ "alice", "name-taken" },          /* already ours */
		{ "admin", "name-reserved" },
		{ "Notice", "name-reserved" },
		{ "adm1n", "name-reserved" },       /* a reserved look-alike */
		{ NULL, "name-others-login" },      /* another account's login */
		{ "n0body", "name-others-login" },  /* ...and its look-alike */
		{ "-alice", "name-bad-start" },
		{ "al\xc3\xa5" "ce", "name-bad-char" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "name-too-long" },
		{ "", "bad-argument" },             /* NICK without a name */
		{ "two words", "bad-argument" },
	};

	two(d, &a, &o);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *name = cases[i].name ? cases[i].name : others_login();

		snprintf(line, sizeof(line), "NICK %s", name);
		tc_send(a, "%s", line);
		tc_expectf(a, TC_TIMEOUT, "ERR %s( .*)?$", cases[i].code);
	}
	tc_expect_silence(o);
	/* Still alice. */
	tc_send(a, "SAY still alice");
	n = tc_ack(a, "SAY");
	tc_expectf(o, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ MSG alice still alice$", n);
	tc_close(a);
	tc_close(o);
	lchatd_stop_ok(d);
}
END_TEST

/* A muted member may not change its name; unmuted, it may. */
START_TEST(test_nick_muted)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a, *o, *ctl;
	uint64_t n;

	two(d, &a, &o);
	ctl = ctl_connect(d->ctl);
	tc_send(ctl, "MUTE alice 0");
	tc_expect(ctl, "OK MUTE ", TC_TIMEOUT);
	tc_expect(a, "EV [0-9]+ [0-9]+ NOTICE ", TC_TIMEOUT);
	tc_expect(o, "EV [0-9]+ [0-9]+ NOTICE ", TC_TIMEOUT);   /* the same uid */
	tc_send(a, "NICK alice2");
	tc_expect(a, "ERR muted an administrator muted you( for [^;]*)?$", TC_TIMEOUT);
	tc_expect_silence(o);
	tc_send(ctl, "UNMUTE alice");
	tc_expect(ctl, "OK UNMUTE ", TC_TIMEOUT);
	tc_expect(a, "EV [0-9]+ [0-9]+ NOTICE ", TC_TIMEOUT);
	tc_expect(o, "EV [0-9]+ [0-9]+ NOTICE ", TC_TIMEOUT);
	tc_send(a, "NICK alice2");
	n = line_seq(tc_expect(a, "OK NICK alice2 [0-9]+$", TC_TIMEOUT));
	tc_expectf(o, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ NICK alice %s alice2$", n, LOGIN);
	tc_close(ctl);
	tc_close(a);
	tc_close(o);
	lchatd_stop_ok(d);
}
END_TEST

/* Name changes and messages share the rate limit (the uid's: the two
 * JOINs of two() spent two of the four). */
START_TEST(test_nick_rate_limited)
{
	struct lchatd *d = lchatd_start("motd = \"\"\nrate_limit = 1\nrate_burst = 4\n");
	struct tclient *a, *o;
	static const char burst[] = "SAY one\nNICK alice2\nNICK alice3\nSAY two\n";
	uint64_t last = two(d, &a, &o);

	tc_send_raw(a, burst, sizeof(burst) - 1);
	tc_expectf(a, TC_TIMEOUT, "OK SAY %" PRIu64 "$", last + 1);
	tc_expectf(a, TC_TIMEOUT, "OK NICK alice2 %" PRIu64 "$", last + 2);
	tc_expect(a, "ERR rate-limited at most [0-9]+ messages, joins or name changes per "
		  "second", TC_TIMEOUT);
	tc_expect(a, "ERR rate-limited( .*)?$", TC_TIMEOUT);
	tc_expectf(o, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ MSG alice one$", last + 1);
	tc_expectf(o, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ NICK alice %s alice2$", last + 2, LOGIN);
	tc_expect_silence(o);
	tc_close(a);
	tc_close(o);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- /nick in lchat ---------------------------------------------------------- */

/* alice renames herself in the real client: the prompt and her lines use
 * the new name, bob (a raw client) sees the event and reaches her by it,
 * a third client can take the old name, refused names are explained, and
 * after the daemon restarts she rejoins under the new name. */
START_TEST(test_lchat_nick)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tmux *t = tmux_start(d->dir);
	struct tclient *bob = tc_connect(d->sock), *late;
	pid_t old;

	tc_join(bob, "bob");
	tmux_lchat(t, "alice", d->sock, NULL);
	tmux_wait(t, "alice", "you are in the room as alice", T_WAIT);
	tc_expect(bob, "EV [0-9]+ [0-9]+ JOIN alice ", TC_TIMEOUT);

	tmux_enter(t, "alice", "/nick alice2");
	tc_expectf(bob, TC_TIMEOUT, "EV [0-9]+ [0-9]+ NICK alice %s alice2$", LOGIN);
	tmux_wait(t, "alice", TS "-!- you are now known as alice2$", T_WAIT);
	tmux_wait(t, "alice", "^\\[alice2\\] ?$", T_WAIT);

	tc_send(bob, "PRIV alice2 found you");
	tc_ack(bob, "PRIV");
	tmux_wait(t, "alice", TS "\\*bob\\* \\(private\\) found you$", T_WAIT);
	tmux_enter(t, "alice", "hello as alice2");
	tc_expect(bob, "EV [0-9]+ [0-9]+ MSG alice2 hello as alice2$", TC_TIMEOUT);
	tmux_wait(t, "alice", TS "<alice2> hello as alice2$", T_WAIT);

	/* The old name is free. */
	late = tc_connect(d->sock);
	tc_join(late, "alice");
	tmux_wait(t, "alice", TS "--> alice \\(.*\\) joined$", T_WAIT);
	tc_expect(bob, "EV [0-9]+ [0-9]+ JOIN alice ", TC_TIMEOUT);

	/* The others' renames are shown. */
	tc_send(late, "NICK carol");
	tmux_wait(t, "alice", TS "-!- alice is now known as carol$", T_WAIT);
	tc_expect(bob, "EV [0-9]+ [0-9]+ NICK alice [^ ]+ carol$", TC_TIMEOUT);

	/* Refused: taken, reserved, another account's login. */
	tmux_enter(t, "alice", "/nick BOB");
	tmux_wait(t, "alice", "-!- name not changed: .*\\(name-taken\\)$", T_WAIT);
	tmux_enter(t, "alice", "/nick admin");
	tmux_wait(t, "alice", "-!- name not changed: .*\\(name-reserved\\)$", T_WAIT);
	tmux_enter(t, "alice", "/nick nobody");
	tmux_wait(t, "alice", "-!- name not changed: .*\\(name-others-login\\)$", T_WAIT);
	tmux_enter(t, "alice", "/nick");
	tmux_wait(t, "alice", "-!- usage: /nick NAME$", T_WAIT);
	tmux_wait(t, "alice", "^\\[alice2\\] ?$", T_WAIT);
	tc_expect_silence(bob);

	/* The daemon restarts: lchat rejoins as alice2. */
	old = lchatd_daemon_pid(d);
	ck_assert_int_eq(kill(old, SIGKILL), 0);
	tc_expect_eof(bob, TC_TIMEOUT);
	tc_close(bob);
	tc_close(late);
	tmux_wait(t, "alice", "-!- back in the room as alice2", T_WAIT);
	bob = tc_connect(d->sock);
	tc_join(bob, "bob");
	tc_send(bob, "WHO");
	tc_expect_skip(bob, "WHO alice2 ", TC_TIMEOUT);
	tmux_stop(t);
	tc_close(bob);
	lchatd_stop_ok(d);
}
END_TEST

static Suite *nick_suite(void)
{
	const struct harness_case cases[] = {
		{ "nick_before_join", test_nick_before_join, 60 },
		{ "nick_event", test_nick_event, 60 },
		{ "nick_in_backlog", test_nick_in_backlog, 60 },
		{ "nick_refused", test_nick_refused, 60 },
		{ "nick_muted", test_nick_muted, 60 },
		{ "nick_rate_limited", test_nick_rate_limited, 60 },
		{ "lchat_nick", test_lchat_nick, 90 },
	};

	return harness_suite("nick", cases, HARNESS_NCASES(cases));
}

int main(void)
{
	return harness_run(nick_suite());
}
