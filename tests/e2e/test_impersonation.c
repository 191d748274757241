/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* test_impersonation.c - impersonation (issue 6, case 1): names that look
 * like another user, an administrator or a notice (case, Unicode
 * look-alikes, zero-width and bidi characters, ASCII look-alikes), and a
 * connection handed to another user's process. The real login always
 * shows; refused names get a clear ERR and change nothing for the others.
 *
 * Runs as root (it needs another uid: nobody, 65534). Names used here must
 * not be other accounts' login names, nor look like one. */
#include <errno.h>
#include <pwd.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "procs.h"
#include "runcmd.h"


/* ---- a connection of another uid ------------------------------------------ */

/* A connection to the user socket made by a process of uid `uid` (a child
 * that drops to it, connects and hands the socket over): the daemon sees
 * that uid on it. Returned as a linesock. */
static void connect_as(struct linesock *ls, const char *dir, const char *sock, uid_t uid)
{
	int sp[2], status, fd;
	pid_t pid;

	/* The test's directory must let the other uid reach the socket. */
	ck_assert_int_eq(chmod(dir, 0711), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	fflush(NULL);
	pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		close(sp[0]);
		if (become_uid(uid) < 0)
			_exit(2);
		fd = sock_connect(sock, 0);
		_exit(fd >= 0 && send_fd(sp[1], fd) == 0 ? 0 : 3);
	}
	close(sp[1]);
	fd = recv_fd(sp[0]);
	close(sp[0]);
	ck_assert(waitpid(pid, &status, 0) == pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0 && fd >= 0,
		      "connecting as uid %u failed (status %d)", (unsigned)uid, status);
	memset(ls, 0, sizeof(*ls));
	ls->fd = fd;
	ck_assert_int_eq(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
}

/* The next line on ls, which must match re (anchored); returns it (free). */
static char *ls_expect(struct linesock *ls, const char *re)
{
	size_t len;
	char *line;

	for (;;) {
		line = linesock_read(ls, mono_ms_now() + TC_TIMEOUT, &len);
		ck_assert_msg(line, "no line matching /%s/ (connection %s)", re,
			      ls->eof ? "closed" : "silent");
		if (!line_matches(line, "EV "))
			break;
		free(line);	/* events in between: not what this waits for */
	}
	ck_assert_msg(line_matches(line, re), "expected /%s/, got '%s'", re, line);
	return line;
}

static void ls_send(struct linesock *ls, const char *line)
{
	send_all(ls->fd, line, strlen(line), "the connection");
}

/* ---- names ---------------------------------------------------------------- */

/* Unicode look-alikes, invisible and bidi characters, case games and ASCII
 * look-alikes of reserved names: each JOIN gets its ERR, the connection
 * may try again, and the room sees none of it. */
START_TEST(test_names_refused)
{
	static const struct {
		const char *name, *err;
	} cases[] = {
		{ "\xEF\xBD\x81\xEF\xBD\x8C\xEF\xBD\x89\xEF\xBD\x83\xEF\xBD\x85", "name-bad-char" },
		{ "\xD0\xB0lice", "name-bad-char" },		/* Cyrillic a */
		{ "al\xD1\x96" "ce", "name-bad-char" },	/* Ukrainian i */
		{ "alice\xE2\x80\x8B", "bad-char" },		/* zero width space */
		{ "alice\xE2\x80\x8D", "name-bad-char" },	/* zero width joiner */
		{ "alice\xC2\xAD", "name-bad-char" },		/* soft hyphen */
		{ "\xE2\x80\xAE" "ecila", "bad-char" },		/* RLO */
		{ "\xE2\x81\xA6" "alice\xE2\x81\xA9", "bad-char" },	/* LRI ... PDI */
		{ "alic\xC3\xA9", "name-bad-char" },
		{ "\xE2\x84\xAA" "elvin", "name-bad-char" },	/* Kelvin sign, NFKC K */
		{ "alice!", "name-bad-char" },
		{ "-alice", "name-bad-start" },
		{ "ADMIN", "name-reserved" },
		{ "Notice", "name-reserved" },
		{ "adm1n", "name-reserved" },
		{ "N0TICE", "name-reserved" },
		{ "n0t1ce", "name-reserved" },
		{ "5erver", "name-reserved" },
		{ "5YSTEM", "name-reserved" },
		{ "lchat-adrn1n", "name-reserved" },
		{ "0perat0r", "name-reserved" },
	};
	struct lchatd *d = lchatd_start(NULL);
	struct tclient *carol = tc_connect(d->sock), *m = tc_connect(d->sock);

	tc_join(carol, "carol");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tc_send(m, "JOIN %s", cases[i].name);
		const char *r = tc_expectf(m, TC_TIMEOUT, "ERR %s ", cases[i].err);
		ck_assert_msg(strstr(r, cases[i].name) == NULL, "the ERR echoes the name: %s", r);
	}
	tc_join(m, "mallory");
	tc_expect(carol, "EV [0-9]+ [0-9]+ JOIN mallory root$", TC_TIMEOUT);
	tc_expect_silence(carol);
	tc_close(m);
	tc_close(carol);
	lchatd_stop_ok(d);
}
END_TEST

/* Another user cannot take a name that looks like a member's, nor like
 * another account's login; the member's own second session may. */
START_TEST(test_lookalike_of_member)
{
	static const char *const like_alice[] = { "a1ice", "aIice", "AL1CE", "al1ce", "a1IcE" };
	struct lchatd *d = lchatd_start(NULL);
	struct tclient *alice = tc_connect(d->sock), *carol = tc_connect(d->sock), *again;
	struct linesock m;
	char *line;

	tc_join(alice, "alice");
	tc_join(carol, "carol");
	tc_expect(alice, "EV [0-9]+ [0-9]+ JOIN carol ", TC_TIMEOUT);
	connect_as(&m, d->dir, d->sock, NOBODY);
	free(ls_expect(&m, "HELLO lchat/1 .* login=nobody "));
	for (size_t i = 0; i < sizeof(like_alice) / sizeof(like_alice[0]); i++) {
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "JOIN %s\n", like_alice[i]);
		ls_send(&m, cmd);
		line = ls_expect(&m, "ERR name-confusable .*alice");
		free(line);
	}
	ls_send(&m, "JOIN Alice\n");
	free(ls_expect(&m, "ERR name-taken "));
	ls_send(&m, "JOIN root\n");
	free(ls_expect(&m, "ERR name-others-login "));
	ls_send(&m, "JOIN r00t\n");
	free(ls_expect(&m, "ERR name-others-login "));
	ls_send(&m, "JOIN R0OT\n");
	free(ls_expect(&m, "ERR name-others-login "));
	ls_send(&m, "JOIN adm1n\n");
	free(ls_expect(&m, "ERR name-reserved "));
	/* Not a look-alike: accepted, and the real login shows. */
	ls_send(&m, "JOIN alicia\n");
	free(ls_expect(&m, "OK JOIN alicia [0-9]+$"));
	tc_expect(carol, "EV [0-9]+ [0-9]+ JOIN alicia nobody$", TC_TIMEOUT);
	tc_expect(alice, "EV [0-9]+ [0-9]+ JOIN alicia nobody$", TC_TIMEOUT);
	/* alice's own second session: the same login, so not confusing. */
	again = tc_connect(d->sock);
	tc_join(again, "a1ice");
	tc_expect(carol, "EV [0-9]+ [0-9]+ JOIN a1ice root$", TC_TIMEOUT);
	/* When alice has left, the look-alike is free for others (it is the
	 * room's rule, not a reservation). */
	tc_close(again);
	tc_expect(carol, "EV [0-9]+ [0-9]+ LEAVE a1ice ", TC_TIMEOUT);
	tc_send(carol, "WHO");
	tc_expect(carol, "WHO (alice|carol|alicia) ", TC_TIMEOUT);
	tc_expect(carol, "WHO (alice|carol|alicia) ", TC_TIMEOUT);
	tc_expect(carol, "WHO (alice|carol|alicia) ", TC_TIMEOUT);
	tc_expect(carol, "OK WHO 3$", TC_TIMEOUT);
	tc_expect_silence(carol);
	linesock_close(&m);
	tc_close(carol);
	tc_close(alice);
	lchatd_stop_ok(d);
}
END_TEST

/* A private message is replayed by uid and name: another uid that joins
 * under the recipient's name once it is free, resuming from before the
 * message, never gets it (docs/protocol.md: who can see a private one). */
START_TEST(test_private_not_replayed_to_other_uid)
{
	struct lchatd *d = lchatd_start("motd = \"\"\n");
	struct tclient *alice = tc_connect(d->sock), *bob = tc_connect(d->sock);
	struct linesock m;
	uint64_t ja, jb, p;
	size_t len;
	char *line, cmd[64];

	ja = tc_join(alice, "alice");
	jb = tc_join(bob, "bob");
	tc_expect(alice, "EV [0-9]+ [0-9]+ JOIN bob ", TC_TIMEOUT);
	tc_send(bob, "PRIV alice for root's alice only");
	p = tc_ack(bob, "PRIV");
	tc_expectf(alice, TC_TIMEOUT, "EV %" PRIu64 " [0-9]+ PRIV bob for root's alice only$", p);
	tc_close(alice);
	tc_expect(bob, "EV [0-9]+ [0-9]+ LEAVE alice ", TC_TIMEOUT);

	connect_as(&m, d->dir, d->sock, NOBODY);
	free(ls_expect(&m, "HELLO lchat/1 .* login=nobody "));
	snprintf(cmd, sizeof(cmd), "JOIN alice %" PRIu64 "\nPING end-of-replay\n", ja);
	ls_send(&m, cmd);
	free(ls_expect(&m, "OK JOIN alice [0-9]+$"));
	for (;;) {
		line = linesock_read(&m, mono_ms_now() + TC_TIMEOUT, &len);
		ck_assert_msg(line, "no PONG after the replay");
		bool end = line_matches(line, "PONG end-of-replay$");
		ck_assert_msg(!re_contains(line, " PRIV "), "nobody got %s", line);
		free(line);
		if (end)
			break;
	}
	linesock_close(&m);
	tc_close(bob);
	(void)jb;
	lchatd_stop_ok(d);
}
END_TEST

/* NICK follows JOIN's rules: a member may not rename itself to a look-alike
 * of another user's member, another account's login or a reserved name;
 * a user's own sessions may look alike; the real login shows in the event. */
START_TEST(test_nick_lookalike)
{
	struct lchatd *d = lchatd_start(NULL);
	struct tclient *alice = tc_connect(d->sock), *carol = tc_connect(d->sock);
	struct linesock m;

	tc_join(alice, "alice");
	tc_join(carol, "carol");
	tc_expect(alice, "EV [0-9]+ [0-9]+ JOIN carol ", TC_TIMEOUT);
	connect_as(&m, d->dir, d->sock, NOBODY);
	free(ls_expect(&m, "HELLO lchat/1 .* login=nobody "));
	ls_send(&m, "JOIN bobby\n");
	free(ls_expect(&m, "OK JOIN bobby [0-9]+$"));
	tc_expect(carol, "EV [0-9]+ [0-9]+ JOIN bobby nobody$", TC_TIMEOUT);
	tc_expect(alice, "EV [0-9]+ [0-9]+ JOIN bobby nobody$", TC_TIMEOUT);

	/* nobody's member may not become a look-alike of root's. */
	ls_send(&m, "NICK a1ice\n");
	free(ls_expect(&m, "ERR name-confusable .*alice"));
	ls_send(&m, "NICK AIice\n");
	free(ls_expect(&m, "ERR name-confusable .*alice"));
	ls_send(&m, "NICK Alice\n");
	free(ls_expect(&m, "ERR name-taken "));
	ls_send(&m, "NICK r00t\n");
	free(ls_expect(&m, "ERR name-others-login "));
	ls_send(&m, "NICK adm1n\n");
	free(ls_expect(&m, "ERR name-reserved "));
	/* Nor root's of nobody's. */
	tc_send(carol, "NICK b0bby");
	tc_expect(carol, "ERR name-confusable .*bobby", TC_TIMEOUT);
	tc_send(carol, "NICK nobody");
	tc_expect(carol, "ERR name-others-login ", TC_TIMEOUT);
	tc_expect_silence(alice);

	/* Root's own sessions may look alike: carol becomes a1ice. */
	tc_send(carol, "NICK a1ice");
	tc_expect(carol, "OK NICK a1ice [0-9]+$", TC_TIMEOUT);
	tc_expect(alice, "EV [0-9]+ [0-9]+ NICK carol root a1ice$", TC_TIMEOUT);
	/* A name that looks like nobody else's: the real login shows. */
	ls_send(&m, "NICK alicia\n");
	free(ls_expect(&m, "OK NICK alicia [0-9]+$"));
	tc_expect(alice, "EV [0-9]+ [0-9]+ NICK bobby nobody alicia$", TC_TIMEOUT);
	tc_expect(carol, "EV [0-9]+ [0-9]+ NICK bobby nobody alicia$", TC_TIMEOUT);
	tc_expect_silence(alice);
	linesock_close(&m);
	tc_close(carol);
	tc_close(alice);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- a connection handed to another user ---------------------------------- */

/* A process of uid A (root, this test) connects and joins as "alice",
 * then hands the socket to a process of uid B (nobody), which speaks,
 * tries to JOIN again and asks WHO: everything carries A's login, the
 * second JOIN is refused. A connection handed over before the JOIN can
 * only take names A could: not B's login name. */
START_TEST(test_socket_passing)
{
	struct lchatd *d = lchatd_start(NULL);
	struct tclient *carol = tc_connect(d->sock);
	struct linesock a, fresh;
	int sp[2], status;
	pid_t pid;

	tc_join(carol, "carol");
	ck_assert(linesock_open(&a, d->sock));
	free(ls_expect(&a, "HELLO lchat/1 .* login=root "));
	ls_send(&a, "JOIN alice\n");
	free(ls_expect(&a, "OK JOIN alice [0-9]+$"));
	tc_expect(carol, "EV [0-9]+ [0-9]+ JOIN alice root$", TC_TIMEOUT);

	/* A second connection, handed over before its JOIN. */
	ck_assert(linesock_open(&fresh, d->sock));
	free(ls_expect(&fresh, "HELLO lchat/1 .* login=root "));

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	fflush(NULL);
	pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		static const char said[] = "SAY hello from nobody\nJOIN mallory\nJOIN nobody\nWHO\n";
		static const char joins[] = "JOIN nobody\nJOIN\n";
		int fd, fd2;

		close(sp[0]);
		if (become_uid(NOBODY) < 0 || getuid() != NOBODY)
			_exit(2);
		fd = recv_fd(sp[1]);
		fd2 = recv_fd(sp[1]);
		if (fd < 0 || fd2 < 0)
			_exit(3);
		if (write(fd, said, sizeof(said) - 1) != (ssize_t)sizeof(said) - 1 ||
		    write(fd2, joins, sizeof(joins) - 1) != (ssize_t)sizeof(joins) - 1)
			_exit(4);
		_exit(0);
	}
	close(sp[1]);
	ck_assert_int_eq(send_fd(sp[0], a.fd), 0);
	ck_assert_int_eq(send_fd(sp[0], fresh.fd), 0);
	close(sp[0]);
	ck_assert(waitpid(pid, &status, 0) == pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the nobody process: %d",
		      status);

	/* The replies come back on the same socket (we still hold it). */
	free(ls_expect(&a, "OK SAY [0-9]+$"));
	free(ls_expect(&a, "ERR already-joined "));
	free(ls_expect(&a, "ERR already-joined "));
	/* carol and alice; and root, if the handed-over connection's JOIN
	 * (below) was served before this WHO: the two handlers run in either
	 * order. */
	int members = 0, listed = -1;
	while (listed < 0) {
		char *line = ls_expect(&a, "(WHO|OK WHO) ");
		if (line_matches(line, "OK WHO [0-9]+$"))
			listed = atoi(line + strlen("OK WHO "));
		if (line_matches(line, "WHO alice "))
			ck_assert_msg(line_matches(line, "WHO alice root "), "%s", line);
		ck_assert_msg(!line_matches(line, "WHO [^ ]+ nobody "), "%s", line);
		members += line_matches(line, "WHO ");
		free(line);
	}
	ck_assert_msg(members == listed && (listed == 2 || listed == 3),
		      "WHO listed %d members and said %d", members, listed);
	/* The fresh connection: nobody's login is another account's for
	 * root's connection; JOIN without a name takes root's login. */
	free(ls_expect(&fresh, "ERR name-others-login "));
	free(ls_expect(&fresh, "OK JOIN root [0-9]+$"));
	/* carol sees alice's message and root's JOIN once each, in the order
	 * the two handlers ran. */
	int said = 0, joined = 0;
	for (int i = 0; i < 2; i++) {
		const char *line = tc_expect(carol, "EV [0-9]+ [0-9]+ (MSG alice hello from nobody|"
					     "JOIN root root)$", TC_TIMEOUT);
		said += line_matches(line, "EV [0-9]+ [0-9]+ MSG ");
		joined += line_matches(line, "EV [0-9]+ [0-9]+ JOIN ");
	}
	ck_assert_msg(said == 1 && joined == 1, "carol saw %d messages and %d joins", said, joined);
	tc_send(carol, "WHO");
	tc_expect(carol, "WHO (carol|alice|root) root ", TC_TIMEOUT);
	tc_expect(carol, "WHO (carol|alice|root) root ", TC_TIMEOUT);
	tc_expect(carol, "WHO (carol|alice|root) root ", TC_TIMEOUT);
	tc_expect(carol, "OK WHO 3$", TC_TIMEOUT);
	tc_expect_silence(carol);
	linesock_close(&fresh);
	linesock_close(&a);
	tc_close(carol);
	lchatd_stop_ok(d);
}
END_TEST

/* Preload the test shim build/tests/NAME.so in lchatd's environment (an
 * exec hook's work). */
static void preload_shim(const char *name)
{
	const char *bin = getenv("LCHAT_BIN");
	char shim[PATH_MAX];

	snprintf(shim, sizeof(shim), "%s/../tests/%s.so", bin && *bin ? bin : "build/bin", name);
	if (access(shim, R_OK) < 0 || setenv("LD_PRELOAD", shim, 1) < 0 ||
	    asan_options_add("verify_asan_link_order=0") < 0) {
		fprintf(stderr, "test: no %s: %s\n", shim, strerror(errno));
		_exit(2);
	}
}

/* lchatd's environment: the password database enumerates nothing. */
static void without_enumeration(const struct lchatd *d, void *arg)
{
	(void)d;
	(void)arg;
	preload_shim("nss_noenum");
}

/* lchatd's environment: the password database is the file `arg`. */
static void with_passwd_file(const struct lchatd *d, void *arg)
{
	(void)d;
	if (setenv("LCHAT_TEST_PASSWD", arg, 1) < 0)
		_exit(2);
	preload_shim("nss_file");
}

/* Replace the password file with `text` as vipw and useradd do: a new
 * file renamed over the old one. */
static void passwd_replace(const char *path, const char *text)
{
	char tmp[PATH_MAX];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ck_assert_msg(fd >= 0, "%s: %s", tmp, strerror(errno));
	ck_assert(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	ck_assert(close(fd) == 0);
	ck_assert_msg(rename(tmp, path) == 0, "rename to %s: %s", path, strerror(errno));
}

/* A name service that answers lookups but does not enumerate (LDAP
 * through sssd, by default): the daemon reads no account, so every login
 * is asked of the name service, by the handlers (each in a short-lived
 * child). Logins still show, and another account's login is still
 * refused as a name while one's own is taken. */
START_TEST(test_names_without_enumeration)
{
	struct lchatd *d;
	struct tclient *carol;
	struct linesock m;

	lchatd_set_exec_hook(without_enumeration, NULL);
	d = lchatd_start(NULL);
	lchatd_set_exec_hook(NULL, NULL);
	ck_assert(lchatd_log_has(d, "start: 0 accounts read", 5000));
	carol = tc_connect(d->sock);
	tc_join(carol, "carol");
	connect_as(&m, d->dir, d->sock, NOBODY);
	free(ls_expect(&m, "HELLO lchat/1 .* login=nobody "));
	ls_send(&m, "JOIN root\n");
	free(ls_expect(&m, "ERR name-others-login "));
	ls_send(&m, "JOIN ROOT\n");
	free(ls_expect(&m, "ERR name-others-login "));
	ls_send(&m, "JOIN nobody\n");
	free(ls_expect(&m, "OK JOIN nobody [0-9]+$"));
	tc_expect(carol, "EV [0-9]+ [0-9]+ JOIN nobody nobody$", TC_TIMEOUT);
	ls_send(&m, "SAY hello\n");
	free(ls_expect(&m, "OK SAY [0-9]+$"));
	tc_expect(carol, "EV [0-9]+ [0-9]+ MSG nobody hello$", TC_TIMEOUT);
	linesock_close(&m);
	tc_expect(carol, "EV [0-9]+ [0-9]+ LEAVE nobody ", TC_TIMEOUT);
	tc_close(carol);
	lchatd_stop_ok(d);
}
END_TEST

#define PW_ROOT "root:x:0:0:root:/root:/bin/sh\n"
#define PW_LINE(login, uid) login ":x:" #uid ":" #uid "::/nonexistent:/usr/sbin/nologin\n"

/* Accounts change while lchatd runs, with no reload: uid 65534 is renamed
 * from "nobody" to "renamed1" and a new account takes the name "nobody"
 * (the file is replaced, as vipw does); then an account "alice" is
 * appended in place. The next connection of uid 65534 shows its new
 * login, may not take its old one (now another's), and a look-alike of
 * the appended account is refused: the table is read again when
 * /etc/passwd changes, before the next handler is forked. */
START_TEST(test_renamed_account)
{
	char dir[] = "/tmp/lchat-passwd.XXXXXX", path[PATH_MAX];
	struct lchatd *d;
	struct tclient *root;
	struct linesock m;

	ck_assert(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/passwd", dir);
	passwd_replace(path, PW_ROOT PW_LINE("nobody", 65534));
	lchatd_set_exec_hook(with_passwd_file, path);
	d = lchatd_start(NULL);
	lchatd_set_exec_hook(NULL, NULL);
	ck_assert(lchatd_log_has(d, "start: 2 accounts read", 5000));
	connect_as(&m, d->dir, d->sock, NOBODY);
	free(ls_expect(&m, "HELLO lchat/1 .* login=nobody "));
	linesock_close(&m);

	passwd_replace(path, PW_ROOT PW_LINE("renamed1", 65534) PW_LINE("nobody", 64000));
	connect_as(&m, d->dir, d->sock, NOBODY);
	free(ls_expect(&m, "HELLO lchat/1 .* login=renamed1 "));
	ck_assert(lchatd_log_has(d, "/etc/passwd changed: 3 accounts read", 5000));
	ls_send(&m, "JOIN nobody\n");
	free(ls_expect(&m, "ERR name-others-login "));
	ls_send(&m, "JOIN renamed1\n");
	free(ls_expect(&m, "OK JOIN renamed1 [0-9]+$"));

	/* In place, same inode: the size and times tell. */
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	ck_assert(fd >= 0);
	ck_assert(write(fd, PW_LINE("alice", 64002), strlen(PW_LINE("alice", 64002))) > 0);
	ck_assert(close(fd) == 0);
	root = tc_connect(d->sock);
	ck_assert(lchatd_log_has(d, "/etc/passwd changed: 4 accounts read", 5000));
	tc_send(root, "JOIN a1ice");
	tc_expect(root, "ERR name-others-login ", TC_TIMEOUT);
	tc_join(root, "carol");
	ls_send(&m, "SAY still here\n");
	free(ls_expect(&m, "OK SAY [0-9]+$"));
	tc_expect(root, "EV [0-9]+ [0-9]+ MSG renamed1 still here$", TC_TIMEOUT);
	linesock_close(&m);
	tc_close(root);
	lchatd_stop_ok(d);
	ck_assert(unlink(path) == 0 && rmdir(dir) == 0);
}
END_TEST


/* The separators '.', '_' and '-' make no name of their own (issue 16,
 * item 8): another user's punctuated copies of a member's name and of
 * root's login are refused as look-alikes. */
START_TEST(test_punctuated_lookalikes)
{
	static const struct {
		const char *name, *err;
	} cases[] = {
		{ "root.", "name-others-login" }, { "r.oot", "name-others-login" },
		{ "ro-ot", "name-others-login" }, { "R_O_O_T", "name-others-login" },
		{ "admin_", "name-reserved" }, { "a.dmin", "name-reserved" },
		{ "bob1.", "name-confusable .*bob1" }, { "bo.b1", "name-confusable .*bob1" },
		{ "bobl-", "name-confusable .*bob1" }, { "_root", "name-bad-start" },
	};
	struct lchatd *d = lchatd_start(NULL);
	struct tclient *bob = tc_connect(d->sock);
	struct linesock m;

	tc_join(bob, "bob1");
	connect_as(&m, d->dir, d->sock, NOBODY);
	free(ls_expect(&m, "HELLO lchat/1 .* login=nobody "));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char cmd[64], re[64];

		snprintf(cmd, sizeof(cmd), "JOIN %s\n", cases[i].name);
		snprintf(re, sizeof(re), "ERR %s", cases[i].err);
		ls_send(&m, cmd);
		free(ls_expect(&m, re));
	}
	ls_send(&m, "JOIN bob2\n");
	free(ls_expect(&m, "OK JOIN bob2 [0-9]+$"));
	tc_expect(bob, "EV [0-9]+ [0-9]+ JOIN bob2 nobody$", TC_TIMEOUT);
	tc_expect_silence(bob);
	linesock_close(&m);
	tc_close(bob);
	lchatd_stop_ok(d);
}
END_TEST

/* A copy of name with a '.' after its first letter or digit (leading
 * separators dropped, since a name must start with one): the same name to
 * a reader. False if that is no valid name. */
static bool punctuated(const char *name, char *out, size_t len)
{
	while (*name == '.' || *name == '_' || *name == '-')
		name++;
	if (!*name || strlen(name) + 2 > len || strlen(name) + 1 > 32)
		return false;
	snprintf(out, len, "%c.%s", name[0], name + 1);
	for (const char *p = out; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			return false;
	return true;
}

/* Every login of the password database (the daemon's, as it runs here)
 * but nobody's own, and every member of the room, punctuated: each is
 * refused to nobody (as another's login, a reserved name or a look-alike
 * of a member), and the room sees none of it. */
START_TEST(test_every_login_and_member)
{
	static const char *const members[] = { "carol", "dave-x", "eve_7", "frank" };
	struct lchatd *d = lchatd_start(NULL);
	struct tclient *tc[4];
	struct linesock m;
	struct passwd *pw;
	char v[64], cmd[80];
	int tried = 0;

	for (size_t i = 0; i < 4; i++) {
		tc[i] = tc_connect(d->sock);
		tc_join(tc[i], members[i]);
	}
	connect_as(&m, d->dir, d->sock, NOBODY);
	free(ls_expect(&m, "HELLO lchat/1 .* login=nobody "));
	for (size_t i = 0; i < 4; i++) {
		ck_assert(punctuated(members[i], v, sizeof(v)));
		snprintf(cmd, sizeof(cmd), "JOIN %s\n", v);
		ls_send(&m, cmd);
		free(ls_expect(&m, "ERR name-confusable "));
	}
	setpwent();
	while ((pw = getpwent()) != NULL) {
		if (pw->pw_uid == NOBODY || !punctuated(pw->pw_name, v, sizeof(v)))
			continue;
		snprintf(cmd, sizeof(cmd), "JOIN %s\n", v);
		ls_send(&m, cmd);
		char *line = ls_expect(&m, "ERR name-(others-login|reserved) ");
		free(line);
		tried++;
	}
	endpwent();
	ck_assert_msg(tried > 0, "no login to try");
	tc_expect_silence(tc[3]);   /* the last to join: nothing since */
	linesock_close(&m);
	for (size_t i = 0; i < 4; i++)
		tc_close(tc[i]);
	lchatd_stop_ok(d);
}
END_TEST

/* Field 11 of /proc/PID/stat: minor faults of the children it waited for,
 * which grows with every child it forks and reaps. */
static unsigned long long children_faults(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long v = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	ck_assert(read_small(path, buf, sizeof(buf)));
	const char *p = strrchr(buf, ')');
	ck_assert(p);
	/* after ") ": state(3) ppid pgrp sid tty tpgid flags minflt cminflt(11) */
	ck_assert(sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %llu", &v) == 1);
	return v;
}

/* A refused JOIN costs no process (issue 16, item 7): 200 JOINs of
 * look-alikes of root's login and of a member, from another uid, are all
 * refused and the handler forks no name-service child for them (its
 * children's fault count stays put); a name the accounts table cannot
 * vouch for still is asked, in a child (the count moves). */
START_TEST(test_refused_join_no_fork)
{
	static const char *const like[] = { "R00T", "r0ot", "root.", "Ro-ot", "carol.", "caro1" };
	struct lchatd *d = lchatd_start(NULL);
	struct tclient *carol = tc_connect(d->sock);
	struct linesock m;
	pid_t before[64], after[64], handler = 0;

	tc_join(carol, "carol");
	pid_t daemon = lchatd_daemon_pid(d);
	int nb = proc_handlers(daemon, before, 64);
	connect_as(&m, d->dir, d->sock, NOBODY);
	free(ls_expect(&m, "HELLO lchat/1 .* login=nobody "));
	int na = proc_handlers(daemon, after, 64);
	for (int i = 0; i < na; i++) {
		bool old = false;
		for (int j = 0; j < nb; j++)
			old = old || before[j] == after[i];
		if (!old)
			handler = after[i];
	}
	ck_assert_msg(handler > 0, "nobody's handler not found");
	unsigned long long faults = children_faults(handler);
	for (int i = 0; i < 200; i++) {
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "JOIN %s\n", like[i % 6]);
		ls_send(&m, cmd);
		free(ls_expect(&m, "ERR name-(others-login|confusable) "));
	}
	ck_assert_msg(children_faults(handler) == faults,
		      "200 refused JOINs forked: children's faults %llu -> %llu", faults,
		      children_faults(handler));
	/* The check can see a fork: a name no table login vouches for. */
	ls_send(&m, "JOIN zq-no-such-login\n");
	free(ls_expect(&m, "OK JOIN zq-no-such-login [0-9]+$"));
	ck_assert_msg(children_faults(handler) > faults, "the lookup's child was not seen");
	linesock_close(&m);
	tc_close(carol);
	lchatd_stop_ok(d);
}
END_TEST

int main(void)
{
	const struct harness_case cases[] = {
		{ "names_refused", test_names_refused, 30 },
		{ "lookalike_of_member", test_lookalike_of_member, 30 },
		{ "nick_lookalike", test_nick_lookalike, 30 },
		{ "private_not_replayed_to_other_uid", test_private_not_replayed_to_other_uid, 30 },
		{ "socket_passing", test_socket_passing, 30 },
		{ "names_without_enumeration", test_names_without_enumeration, 30 },
		{ "renamed_account", test_renamed_account, 30 },
		{ "punctuated_lookalikes", test_punctuated_lookalikes, 30 },
		{ "every_login_and_member", test_every_login_and_member, 60 },
		{ "refused_join_no_fork", test_refused_join_no_fork, 60 },
	};

	return harness_run(harness_suite("impersonation", cases, HARNESS_NCASES(cases)));
}
