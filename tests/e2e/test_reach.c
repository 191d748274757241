/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* test_reach.c - end-to-end tests of reaching people (docs/protocol.md):
 * AWAY (shown in WHO, told to a PRIV's sender, ended by speaking), IGNORE
 * and UNIGNORE (kept by uid, filtered by the fan-out writer, saved by the
 * daemon across restarts) and MESG (private messages refused but for
 * administrators), against a real lchatd with raw protocol clients of
 * three uids: root (the tests' user: an administrator), nobody (65534)
 * and 65533 (no account). Silence is proved with a PING barrier. */
#include <inttypes.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "tmux.h"

#define CONF "motd = \"\"\nrate_limit = 100\nrate_burst = 200\n"
#define NOBODY 65534
#define OTHER 65533
#define LOGIN re_quote(my_login())
#define T_WAIT 8000
/* A line of the screen: "[HH:MM] " and then the rest. */
#define TS "^\\[[0-9][0-9]:[0-9][0-9]\\] "

/* alice (root), bob (nobody), carol (uid 65533), all joined, each having
 * seen the others join (but alice bob's if she ignores him). */
static void three_ex(struct lchatd *d, struct tclient **a, struct tclient **b, struct tclient **c,
		     bool ignoring)
{
	*a = tc_connect(d->sock);
	tc_join(*a, "alice");
	*b = tc_connect_uid(d->dir, d->sock, NOBODY);
	tc_join(*b, "bob");
	*c = tc_connect_uid(d->dir, d->sock, OTHER);
	tc_join(*c, "carol");
	if (!ignoring)
		tc_expect(*a, "EV [0-9]+ [0-9]+ JOIN bob nobody$", TC_TIMEOUT);
	tc_expect(*a, "EV [0-9]+ [0-9]+ JOIN carol ", TC_TIMEOUT);
	tc_expect(*b, "EV [0-9]+ [0-9]+ JOIN carol ", TC_TIMEOUT);
}

static void three(struct lchatd *d, struct tclient **a, struct tclient **b, struct tclient **c)
{
	three_ex(d, a, b, c, false);
}

/* ---- AWAY ----------------------------------------------------------------- */

START_TEST(test_away_who_priv)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a, *b, *c;

	three(d, &a, &b, &c);
	tc_send(b, "AWAY out for lunch");
	tc_expect(b, "OK AWAY out for lunch$", TC_TIMEOUT);

	/* WHO, on the user socket and the control socket. */
	tc_send(a, "WHO");
	tc_expect_skip(a, "WHO bob nobody [0-9]+ [0-9]+ away out for lunch$", TC_TIMEOUT);
	tc_expect_skip(a, "OK WHO 3$", TC_TIMEOUT);
	struct tclient *ctl = ctl_connect(d->ctl);
	tc_send(ctl, "WHO");
	tc_expect_skip(ctl, "WHO bob nobody 65534 [0-9]+ [0-9]+ [0-9]+ - away out for lunch$",
		       TC_TIMEOUT);
	tc_expect_skip(ctl, "OK WHO 3$", TC_TIMEOUT);
	tc_close(ctl);

	/* A PRIV's sender is told, right after its OK PRIV. */
	tc_send(a, "PRIV bob are you there?");
	tc_ack(a, "PRIV");
	tc_expect(a, "AWAY bob out for lunch$", TC_TIMEOUT);
	tc_expect(b, "EV [0-9]+ [0-9]+ PRIV alice are you there\\?$", TC_TIMEOUT);

	/* Speaking ends it: WHO shows nothing, a PRIV gets no AWAY. */
	tc_send(b, "SAY back");
	tc_ack(b, "SAY");
	tc_expect(a, "EV [0-9]+ [0-9]+ MSG bob back$", TC_TIMEOUT);
	tc_expect(c, "EV [0-9]+ [0-9]+ MSG bob back$", TC_TIMEOUT);
	tc_send(a, "WHO");
	tc_expect_skip(a, "WHO bob nobody [0-9]+ [0-9]+$", TC_TIMEOUT);
	tc_expect_skip(a, "OK WHO 3$", TC_TIMEOUT);
	tc_send(a, "PRIV bob welcome back");
	tc_ack(a, "PRIV");
	tc_expect_silence(a);
	tc_expect(b, "EV [0-9]+ [0-9]+ PRIV alice welcome back$", TC_TIMEOUT);

	/* AWAY with no reason: back. Text others see is checked. */
	tc_send(b, "AWAY brb");
	tc_expect(b, "OK AWAY brb$", TC_TIMEOUT);
	tc_send(b, "AWAY");
	tc_expect(b, "OK AWAY$", TC_TIMEOUT);
	tc_send(a, "PRIV bob still?");
	tc_ack(a, "PRIV");
	tc_expect_silence(a);
	tc_expect(b, "EV [0-9]+ [0-9]+ PRIV alice still\\?$", TC_TIMEOUT);
	tc_send(b, "AWAY bad\001char");
	tc_expect(b, "ERR bad-char ", TC_TIMEOUT);
	tc_close(a);
	tc_close(b);
	tc_close(c);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- IGNORE --------------------------------------------------------------- */

/* bob's SAY reaches carol, not alice (proved by a barrier). */
static void bob_unheard(struct tclient *a, struct tclient *b, struct tclient *c,
			const char *name, const char *text)
{
	tc_send(b, "SAY %s", text);
	tc_ack(b, "SAY");
	tc_expectf(c, TC_TIMEOUT, "EV [0-9]+ [0-9]+ MSG %s %s$", name, text);
	tc_expect_silence(a);
}

START_TEST(test_ignore_by_uid)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a, *b, *c;

	three(d, &a, &b, &c);
	tc_send(a, "IGNORE alice");
	tc_expect(a, "ERR bad-argument you cannot ignore yourself$", TC_TIMEOUT);
	tc_send(a, "IGNORE zelda");
	tc_expect(a, "ERR no-such-user ", TC_TIMEOUT);
	tc_send(a, "UNIGNORE bob");
	tc_expect(a, "ERR not-ignored ", TC_TIMEOUT);
	tc_send(a, "IGNORE bob");
	tc_expect(a, "OK IGNORE nobody 65534$", TC_TIMEOUT);
	bob_unheard(a, b, c, "bob", "hello");

	/* ME, PRIV (silently dropped: bob is told nothing), NICK. */
	tc_send(b, "ME waves");
	tc_ack(b, "ME");
	tc_expect(c, "EV [0-9]+ [0-9]+ ACTION bob waves$", TC_TIMEOUT);
	tc_send(b, "PRIV alice psst");
	tc_ack(b, "PRIV");
	tc_expect_silence(b);
	tc_send(b, "NICK bobby");
	tc_expect(b, "OK NICK bobby [0-9]+$", TC_TIMEOUT);
	tc_expect(c, "EV [0-9]+ [0-9]+ NICK bob nobody bobby$", TC_TIMEOUT);
	bob_unheard(a, b, c, "bobby", "new-name");

	/* Leaves and comes back under another name: still ignored. */
	tc_send(b, "QUIT");
	tc_expect_past_events(b, "OK QUIT", TC_TIMEOUT);
	tc_close(b);
	tc_expect(c, "EV [0-9]+ [0-9]+ LEAVE bobby nobody quit$", TC_TIMEOUT);
	tc_expect_silence(a);
	b = tc_connect_uid(d->dir, d->sock, NOBODY);
	tc_join(b, "robert");
	tc_expect(c, "EV [0-9]+ [0-9]+ JOIN robert nobody$", TC_TIMEOUT);
	tc_expect_silence(a);
	bob_unheard(a, b, c, "robert", "again");

	/* Nor in the history replayed at a JOIN (bob's events before the
	 * IGNORE too), while carol's are there. */
	struct tclient *a2 = tc_connect(d->sock);
	tc_send(a2, "JOIN alice2 0");
	tc_expect(a2, "OK JOIN alice2 [0-9]+$", TC_TIMEOUT);
	tc_send(a2, "PING end-of-replay");
	bool carol_seen = false;
	for (;;) {
		const char *line = tc_expect(a2, ".", TC_TIMEOUT);
		if (strcmp(line, "PONG end-of-replay") == 0)
			break;
		ck_assert_msg(!re_contains(line, "^EV [0-9]+ [0-9]+ [A-Z]+ (bob|bobby|robert) "),
			      "an ignored user's event replayed: '%s'", line);
		carol_seen |= re_contains(line, "^EV [0-9]+ [0-9]+ JOIN carol ");
	}
	ck_assert(carol_seen);
	tc_close(a2);
	tc_expect(a, "EV [0-9]+ [0-9]+ JOIN alice2 ", TC_TIMEOUT);
	tc_expect(a, "EV [0-9]+ [0-9]+ LEAVE alice2 ", TC_TIMEOUT);
	tc_expect(c, "EV [0-9]+ [0-9]+ JOIN alice2 ", TC_TIMEOUT);

	/* The list; UNIGNORE by the current name gives bob back. */
	tc_send(a, "IGNORE");
	tc_expect(a, "IGNORED nobody 65534$", TC_TIMEOUT);
	tc_expect(a, "OK IGNORE 1$", TC_TIMEOUT);
	tc_send(a, "UNIGNORE robert");
	tc_expect(a, "OK UNIGNORE nobody 65534$", TC_TIMEOUT);
	tc_send(b, "SAY heard");
	tc_ack(b, "SAY");
	tc_expect(a, "EV [0-9]+ [0-9]+ MSG robert heard$", TC_TIMEOUT);
	tc_send(a, "IGNORE");
	tc_expect(a, "OK IGNORE 0$", TC_TIMEOUT);
	tc_close(a);
	tc_close(b);
	tc_close(c);
	lchatd_stop_ok(d);
}
END_TEST

/* An administrator's notice arrives whatever one ignores. */
START_TEST(test_ignore_notice_arrives)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a, *b, *c;

	three(d, &a, &b, &c);
	tc_send(b, "IGNORE alice");
	tc_expect(b, "OK IGNORE ", TC_TIMEOUT);
	struct tclient *ctl = ctl_connect(d->ctl);
	tc_send(ctl, "NOTICE tea time");
	tc_expect(ctl, "OK NOTICE", TC_TIMEOUT);
	tc_expect(b, "EV [0-9]+ [0-9]+ NOTICE tea time$", TC_TIMEOUT);
	tc_close(ctl);
	tc_close(a);
	tc_close(b);
	tc_close(c);
	lchatd_stop_ok(d);
}
END_TEST

START_TEST(test_ignore_survives_restart)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a, *b, *c;
	char path[PATH_MAX + 16];
	struct stat st;

	three(d, &a, &b, &c);
	/* By login this time. */
	tc_send(a, "IGNORE nobody");
	tc_expect(a, "OK IGNORE nobody 65534$", TC_TIMEOUT);
	ck_assert(lchatd_log_has(d, "preferences saved \\(1 users", TC_TIMEOUT));
	snprintf(path, sizeof(path), "%s/prefs", d->state);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);

	pid_t old = lchatd_daemon_pid(d);
	ck_assert_int_eq(kill(old, SIGKILL), 0);
	tc_expect_eof(a, TC_TIMEOUT);
	tc_close(a);
	tc_close(b);
	tc_close(c);
	ck_assert(lchatd_log_has(d, "ready: .*restarts so far: 1", TC_TIMEOUT));
	/* alice does not see bob join, and does not hear him. */
	three_ex(d, &a, &b, &c, true);
	bob_unheard(a, b, c, "bob", "after-restart");
	tc_close(a);
	tc_close(b);
	tc_close(c);
	lchatd_stop_ok(d);
}
END_TEST

/* The list is bounded: a 65th uid is refused with ignore-full. The list
 * of 64 is written to the preferences file while no change is pending,
 * and the daemon restarted reads it. */
START_TEST(test_ignore_full)
{
	struct lchatd *d = lchatd_start(CONF);
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/prefs", d->state);
	FILE *f = fopen(path, "w");
	ck_assert(f);
	fprintf(f, "%u y", (unsigned)geteuid());
	for (unsigned i = 0; i < 64; i++)
		fprintf(f, " %u", 70000 + i);
	fprintf(f, "\n");
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(kill(lchatd_daemon_pid(d), SIGKILL), 0);
	ck_assert(lchatd_log_has(d, "ready: .*restarts so far: 1", TC_TIMEOUT));

	struct tclient *a = tc_connect(d->sock);
	tc_join(a, "alice");
	tc_send(a, "IGNORE");
	tc_expect(a, "IGNORED uid70000 70000$", TC_TIMEOUT);
	tc_expect_skip(a, "OK IGNORE 64$", TC_TIMEOUT);
	tc_send(a, "IGNORE nobody");
	tc_expect(a, "ERR ignore-full ", TC_TIMEOUT);
	/* A uid with no account, by the name the list gives it. */
	tc_send(a, "UNIGNORE uid70000");
	tc_expect(a, "OK UNIGNORE uid70000 70000$", TC_TIMEOUT);
	tc_send(a, "IGNORE nobody");
	tc_expect(a, "OK IGNORE nobody 65534$", TC_TIMEOUT);
	tc_close(a);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- MESG ----------------------------------------------------------------- */

START_TEST(test_mesg)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a, *b, *c;

	three(d, &a, &b, &c);
	tc_send(b, "MESG");
	tc_expect(b, "OK MESG y$", TC_TIMEOUT);
	tc_send(b, "MESG maybe");
	tc_expect(b, "ERR bad-argument usage: MESG ", TC_TIMEOUT);
	tc_send(b, "MESG n");
	tc_expect(b, "OK MESG n$", TC_TIMEOUT);

	/* carol is no administrator: refused, and bob gets nothing. */
	tc_send(c, "PRIV bob hi");
	tc_expect(c, "ERR refused bob does not accept private messages$", TC_TIMEOUT);
	tc_expect_silence(b);
	/* alice is root: an administrator's PRIV arrives. */
	tc_send(a, "PRIV bob from the admin");
	tc_ack(a, "PRIV");
	tc_expect(b, "EV [0-9]+ [0-9]+ PRIV alice from the admin$", TC_TIMEOUT);

	/* The uid's, kept across reconnects. */
	tc_send(b, "QUIT");
	tc_expect_past_events(b, "OK QUIT", TC_TIMEOUT);
	tc_close(b);
	b = tc_connect_uid(d->dir, d->sock, NOBODY);
	tc_join(b, "bob");
	tc_send(b, "MESG");
	tc_expect(b, "OK MESG n$", TC_TIMEOUT);
	tc_send(c, "PRIV bob hi again");
	tc_expect_past_events(c, "ERR refused ", TC_TIMEOUT);
	tc_send(b, "MESG y");
	tc_expect(b, "OK MESG y$", TC_TIMEOUT);
	tc_send(c, "PRIV bob third time");
	tc_ack(c, "PRIV");
	tc_expect(b, "EV [0-9]+ [0-9]+ PRIV carol third time$", TC_TIMEOUT);
	tc_close(a);
	tc_close(b);
	tc_close(c);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- in lchat -------------------------------------------------------------- */

START_TEST(test_lchat_away_ignore)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tmux *t = tmux_start(d->dir);
	struct tclient *b = tc_connect_uid(d->dir, d->sock, NOBODY);
	struct tclient *c = tc_connect_uid(d->dir, d->sock, OTHER);

	tc_join(b, "bob");
	tc_join(c, "carol");
	tc_expect(b, "EV [0-9]+ [0-9]+ JOIN carol ", TC_TIMEOUT);
	tmux_lchat(t, "alice", d->sock, NULL);
	tmux_wait(t, "alice", "you are in the room as alice", T_WAIT);
	tc_expect(b, "EV [0-9]+ [0-9]+ JOIN alice ", TC_TIMEOUT);
	tc_expect(c, "EV [0-9]+ [0-9]+ JOIN alice ", TC_TIMEOUT);

	/* /away: in WHO, and told to who writes. */
	tmux_enter(t, "alice", "/away at lunch");
	tmux_wait(t, "alice", "-!- you are away: at lunch$", T_WAIT);
	tc_send(b, "PRIV alice ping?");
	tc_ack(b, "PRIV");
	tc_expect(b, "AWAY alice at lunch$", TC_TIMEOUT);
	tmux_wait(t, "alice", TS "\\*bob\\* \\(private\\) ping\\?$", T_WAIT);
	tmux_enter(t, "alice", "/back");
	tmux_wait(t, "alice", "-!- you are back$", T_WAIT);

	/* Others' away: in /who, and after /msg. */
	tc_send(b, "AWAY gone fishing");
	tc_expect(b, "OK AWAY gone fishing$", TC_TIMEOUT);
	tmux_enter(t, "alice", "/who");
	tmux_wait(t, "alice", "bob +nobody .*away: gone fishing$", T_WAIT);
	tmux_enter(t, "alice", "/msg bob are you there");
	tmux_wait(t, "alice", "-!- bob is away: gone fishing$", T_WAIT);
	tc_expect(b, "EV [0-9]+ [0-9]+ PRIV alice are you there$", TC_TIMEOUT);

	/* /ignore by name: bob's lines do not show, carol's do. */
	tmux_enter(t, "alice", "/ignore bob");
	tmux_wait(t, "alice", "-!- you now ignore the user nobody$", T_WAIT);
	tc_send(b, "SAY a secret");
	tc_ack(b, "SAY");
	tc_expect(c, "EV [0-9]+ [0-9]+ MSG bob a secret$", TC_TIMEOUT);
	tc_send(c, "SAY marker");
	tc_ack(c, "SAY");
	tmux_wait(t, "alice", TS "<carol> marker$", T_WAIT);
	ck_assert_int_eq(tmux_count(t, "alice", "a secret"), 0);
	tmux_enter(t, "alice", "/ignore");
	tmux_wait(t, "alice", "-!- ignored: nobody \\(uid 65534\\)$", T_WAIT);
	tmux_wait(t, "alice", "-!- you ignore 1 user$", T_WAIT);
	tmux_enter(t, "alice", "/unignore bob");
	tmux_wait(t, "alice", "-!- you no longer ignore the user nobody$", T_WAIT);
	tc_send(b, "SAY audible");
	tc_ack(b, "SAY");
	tmux_wait(t, "alice", TS "<bob> audible$", T_WAIT);

	/* /mesg n: bob (no administrator) is refused. */
	tmux_enter(t, "alice", "/mesg n");
	tmux_wait(t, "alice", "-!- private messages: only from administrators", T_WAIT);
	tc_send(b, "PRIV alice hello?");
	tc_expect_past_events(b, "ERR refused alice does not accept private messages$", TC_TIMEOUT);
	tmux_enter(t, "alice", "/mesg y");
	tmux_wait(t, "alice", "-!- private messages: from everyone", T_WAIT);
	tmux_enter(t, "alice", "/mesg maybe");
	tmux_wait(t, "alice", "-!- usage: /mesg \\[y\\|n\\]$", T_WAIT);
	tmux_stop(t);
	tc_close(b);
	tc_close(c);
	lchatd_stop_ok(d);
}
END_TEST

static Suite *reach_suite(void)
{
	const struct harness_case cases[] = {
		{ "away_who_priv", test_away_who_priv, 60 },
		{ "ignore_by_uid", test_ignore_by_uid, 60 },
		{ "ignore_notice_arrives", test_ignore_notice_arrives, 60 },
		{ "ignore_survives_restart", test_ignore_survives_restart, 90 },
		{ "ignore_full", test_ignore_full, 60 },
		{ "mesg", test_mesg, 60 },
		{ "lchat_away_ignore", test_lchat_away_ignore, 90 },
	};

	return harness_suite("reach", cases, HARNESS_NCASES(cases));
}

int main(void)
{
	return harness_run(reach_suite());
}
