/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* test_control.c - who may use the control socket, and its connection cap.
 *
 * The daemon decides from the kernel's view of the peer (SO_PEERCRED,
 * SO_PEERGROUPS), not from the socket file's mode: with the file opened to
 * everyone, another uid is still refused, and a member of admin_group is
 * let in. Switching uid needs root; those tests are registered only then
 * (CI runs as root). */
#include <grp.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "runcmd.h"

#define CONF "motd = \"\"\n"

/* In a child running as uid NOBODY with the given supplementary groups,
 * connect to the control socket, send `send` (if not NULL), and require
 * the lines read to match `first` and then `second` (if not NULL). The
 * child's exit status says how it went: 0 all matched. */
static int as_nobody(const char *ctl, const gid_t *groups, size_t ngroups,
		     const char *send, const char *first, const char *second)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct linesock ls;
		size_t len;
		if (setgroups(ngroups, groups) < 0 || setgid(NOBODY) < 0 || setuid(NOBODY) < 0)
			_exit(10);
		if (!linesock_open(&ls, ctl))
			_exit(11);
		char *line = linesock_read(&ls, mono_ms_now() + TC_TIMEOUT, &len);
		if (!line || !line_matches(line, first))
			_exit(12);
		free(line);
		if (send)
			send_all(ls.fd, send, strlen(send), "nobody");
		if (second) {
			line = linesock_read(&ls, mono_ms_now() + TC_TIMEOUT, &len);
			if (!line || !line_matches(line, second))
				_exit(13);
			free(line);
		}
		_exit(0);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status), "child died: 0x%x", status);
	return WEXITSTATUS(status);
}

/* Open the way to the control socket for everyone: its directory and the
 * socket file itself. Only the daemon's own check is left. */
static void loosen(struct lchatd *d)
{
	ck_assert_int_eq(chmod(d->dir, 0755), 0);
	ck_assert_int_eq(chmod(d->ctl, 0666), 0);
}

START_TEST(test_other_uid_refused_whatever_the_mode)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a = tc_connect(d->sock);

	tc_join(a, "alice");
	loosen(d);
	ck_assert_int_eq(as_nobody(d->ctl, NULL, 0, NULL,
				   "BYE permission-denied only root and members of group ", NULL), 0);
	/* Nothing reached the room, and the refusal is logged with the uid. */
	tc_expect_silence(a);
	ck_assert_msg(lchatd_log_has(d, "control: refused uid 65534", 0),
		      "the refusal is not in the daemon's log");
	lchatd_stop_ok(d);
}
END_TEST

START_TEST(test_admin_group_member_allowed)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a = tc_connect(d->sock);
	gid_t admin = getegid();        /* the harness's admin_group */

	tc_join(a, "alice");
	loosen(d);
	ck_assert_int_eq(as_nobody(d->ctl, &admin, 1, "NOTICE from a member\n",
				   "HELLO lchat-control/1 ", "OK NOTICE [0-9]+$"), 0);
	tc_expect(a, "EV [0-9]+ [0-9]+ NOTICE from a member$", TC_TIMEOUT);
	lchatd_stop_ok(d);
}
END_TEST

START_TEST(test_connection_cap)
{
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *ctl[16];
	struct linesock extra;
	size_t len;

	for (int i = 0; i < 16; i++)
		ctl[i] = ctl_connect(d->ctl);
	ck_assert(linesock_open(&extra, d->ctl));
	char *line = linesock_read(&extra, mono_ms_now() + TC_TIMEOUT, &len);
	ck_assert_ptr_nonnull(line);
	ck_assert_msg(line_matches(line, "BYE busy "), "17th control connection got '%s'", line);
	free(line);
	ck_assert_ptr_null(linesock_read(&extra, mono_ms_now() + TC_TIMEOUT, &len));
	ck_assert(extra.eof);
	linesock_close(&extra);

	/* The others still work, and a freed place is taken again. */
	tc_send(ctl[15], "PING still");
	tc_expect(ctl[15], "PONG still$", TC_TIMEOUT);
	tc_send(ctl[0], "QUIT");
	tc_expect(ctl[0], "OK QUIT$", TC_TIMEOUT);
	tc_expect_eof(ctl[0], TC_TIMEOUT);
	struct tclient *again = ctl_connect(d->ctl);
	tc_expect_silence(again);
	lchatd_stop_ok(d);
}
END_TEST

/* Malformed admin commands get a clear ERR, the connection goes on, and
 * nothing reaches the room or the sanctions. */
START_TEST(test_bad_admin_commands)
{
	static const struct { const char *line, *reply; } bad[] = {
		{ "KICK", "ERR bad-argument usage: KICK NAME \\[REASON\\]$" },
		{ "KICK nobody-here", "ERR no-such-user nobody called nobody-here is in the room$" },
		{ "MUTE alice", "ERR bad-argument usage: MUTE TARGET DURATION \\(0: no end\\)$" },
		{ "MUTE alice soon", "ERR bad-argument " },
		{ "MUTE alice 60 too chatty", "ERR bad-argument usage: MUTE TARGET DURATION$" },
		{ "BAN #0 99999999999", "ERR bad-argument bad duration '99999999999' \\(more than ten years\\)$" },
		{ "BAN no-such-login-here 60", "ERR no-such-user no member, login or #uid matches " },
		{ "BAN #abc 60", "ERR no-such-user " },
		{ "UNBAN #0", "ERR not-banned " },
		{ "UNMUTE alice", "ERR not-muted " },
		{ "NOTICE", "ERR empty " },
		{ "FROBNICATE", "ERR unknown-command " },
	};
	struct lchatd *d = lchatd_start(CONF);
	struct tclient *a = tc_connect(d->sock), *ctl = ctl_connect(d->ctl);

	tc_join(a, "alice");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tc_send(ctl, "%s", bad[i].line);
		tc_expect(ctl, bad[i].reply, TC_TIMEOUT);
	}
	tc_send(ctl, "BANS");
	tc_expect(ctl, "OK BANS 0$", TC_TIMEOUT);
	tc_expect_silence(ctl);
	tc_expect_silence(a);
	tc_send(a, "SAY still here");
	tc_ack(a, "SAY");
	lchatd_stop_ok(d);
}
END_TEST

int main(void)
{
	struct harness_case cases[] = {
		{ "connection_cap", test_connection_cap, 60 },
		{ "bad_admin_commands", test_bad_admin_commands, 60 },
		{ "other_uid_refused_whatever_the_mode", test_other_uid_refused_whatever_the_mode, 60 },
		{ "admin_group_member_allowed", test_admin_group_member_allowed, 60 },
	};
	size_t n = HARNESS_NCASES(cases);

	if (geteuid() != 0)
		n = 2;      /* the uid-switching tests (the last two) need root */
	return harness_run(harness_suite("control", cases, n));
}
