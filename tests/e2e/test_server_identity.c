/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* test_server_identity.c - the clients check who listens at the socket
 * path before they show anything (issue 16 item 12). With the sockets in a
 * directory others may write to, a user bound the path while lchatd was
 * down and the real lchat showed his fake notice. Now lchat and lchat-admin
 * refuse a server that does not run as root, as the daemon's user (the
 * `user` option) or as themselves, or whose socket directory is not owned
 * by one of those or is writable by others: a clear message on stderr, a
 * non-zero exit, and nothing of the server's shown. (lchatd's own refusal
 * of such a directory: test_unsafe_paths :: socket_dir_unsafe; lchat's
 * reconnect into an impostor: test_client_script :: impostor_after_restart.)
 *
 * The impostor runs as uid 65534 (nobody): these tests need root. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "impostor.h"
#include "runcmd.h"

/* A directory for the sockets (mode, owner) inside a private one (0711,
 * so that nobody reaches it), and a config naming both sockets there. */
struct place {
	char top[64];
	char dir[PATH_MAX];
	char sock[PATH_MAX];
	char ctl[PATH_MAX];
	char conf[PATH_MAX];
};

/* user: the config's `user` line (NULL: none, the default _lchat). */
static void place_make(struct place *p, mode_t mode, uid_t owner, const char *user)
{
	FILE *f;

	snprintf(p->top, sizeof(p->top), "/tmp/lchat-ident.XXXXXX");
	ck_assert_msg(mkdtemp(p->top) != NULL, "mkdtemp: %s", strerror(errno));
	ck_assert(chmod(p->top, 0711) == 0);
	snprintf(p->dir, sizeof(p->dir), "%s/sockets", p->top);
	snprintf(p->sock, sizeof(p->sock), "%s/lchat.sock", p->dir);
	snprintf(p->ctl, sizeof(p->ctl), "%s/control.sock", p->dir);
	snprintf(p->conf, sizeof(p->conf), "%s/lchat.conf", p->top);
	ck_assert_msg(mkdir(p->dir, 0700) == 0, "mkdir %s: %s", p->dir, strerror(errno));
	ck_assert(chown(p->dir, owner, (gid_t)-1) == 0 && chmod(p->dir, mode) == 0);
	f = fopen(p->conf, "we");
	ck_assert_msg(f != NULL, "%s: %s", p->conf, strerror(errno));
	fprintf(f, "socket = \"%s\"\ncontrol_socket = \"%s\"\n", p->sock, p->ctl);
	if (user)
		fprintf(f, "user = \"%s\"\n", user);
	ck_assert(fclose(f) == 0);
}

static void place_remove(struct place *p)
{
	remove_tree(p->top);
}

/* lchat in the scripting mode (stdin /dev/null: join, then leave) and
 * lchat-admin status, both with the place's config. */
static int run_lchat(struct cmd_result *r, const struct place *p)
{
	static const struct cmd_opts none;
	char *argv[] = { (char *)lchat_exe(), "-c", (char *)p->conf, "-n", "victim", NULL };

	return run_cmd(r, &none, argv);
}

static int run_admin(struct cmd_result *r, const struct place *p)
{
	static const struct cmd_opts none;
	char *argv[] = { (char *)lchat_admin_exe(), "-c", (char *)p->conf, "status", NULL };

	return run_cmd(r, &none, argv);
}

/* The tool exited with `code`, said on stderr that it refuses the server
 * at sock, matching why_re, and showed nothing of the impostor's. */
static void expect_refused(const char *tool, struct cmd_result *r, int code, const char *sock,
			   const char *why_re)
{
	ck_assert_msg(r->code == code, "%s: exit %d, expected %d; stdout '%s', stderr '%s'", tool,
		      r->code, code, r->out, r->err);
	ck_assert_msg(strstr(r->err, "refusing the server at ") && strstr(r->err, sock),
		      "%s: stderr does not refuse %s: '%s'", tool, sock, r->err);
	ck_assert_msg(re_contains(r->err, why_re), "%s: stderr does not say /%s/: '%s'", tool,
		      why_re, r->err);
	ck_assert_msg(!strstr(r->out, IMPOSTOR_TEXT) && !strstr(r->err, IMPOSTOR_TEXT),
		      "%s showed the impostor's text: stdout '%s', stderr '%s'", tool, r->out,
		      r->err);
	/* (The sanitizers' exit status is 1 too: lchat's refusal's.) */
	ck_assert_msg(!strstr(r->err, "Sanitizer") && !strstr(r->err, "runtime error:"),
		      "%s: a sanitizer report: %s", tool, r->err);
	cmd_result_free(r);
}

/* Impostors running as uid `as` on both sockets of a place made with
 * (mode, owner, user) (bound by root first if root_binds): lchat and
 * lchat-admin must both refuse them, saying why_lchat and why_admin. */
static void both_refuse(mode_t mode, uid_t owner, const char *user, uid_t as, bool root_binds,
			const char *why_lchat, const char *why_admin)
{
	struct place p;
	struct cmd_result r;

	place_make(&p, mode, owner, user);
	pid_t usr = impostor_start(p.sock, IMPOSTOR_USER_HELLO, as, root_binds);
	pid_t ctl = impostor_start(p.ctl, IMPOSTOR_CONTROL_HELLO, as, root_binds);

	run_lchat(&r, &p);
	expect_refused("lchat", &r, 1, p.sock, why_lchat);
	run_admin(&r, &p);
	expect_refused("lchat-admin", &r, 4, p.ctl, why_admin);
	impostor_stop(usr, p.sock);
	impostor_stop(ctl, p.ctl);
	place_remove(&p);
}

/* The case: sockets in a world-writable sticky directory (like
 * /tmp), lchatd down, and uid 65534 bound both paths. */
START_TEST(test_impostor_in_sticky_dir)
{
	both_refuse(01777, 0, NULL, NOBODY, false, "it runs as uid 65534, not as root",
		    "it runs as uid 65534, not as root");
}
END_TEST

/* A safe directory (root's, 0755), but the server is not lchatd: uid 65534
 * listens on a socket root bound (a service running as the wrong user).
 * The daemon's user, _lchat by default, does not exist here: said so. */
START_TEST(test_impostor_in_safe_dir)
{
	both_refuse(0755, 0, "no-such-lchat-user", NOBODY, true,
		    "uid 65534, not as root, the daemon's user no-such-lchat-user "
		    "\\(no such user here\\) or you \\(uid 0\\)", "uid 65534, not as root");
}
END_TEST

/* A server of a trusted uid (root) in a directory that is not safe: one
 * anybody may write to, and one of another user. */
START_TEST(test_unsafe_directory)
{
	static const struct {
		mode_t mode;
		uid_t owner;
		const char *why;
	} cases[] = {
		{ 01777, 0, "its directory .*/sockets is writable by group or others \\(mode 1777\\)" },
		{ 0775, 0, "its directory .*/sockets is writable by group or others \\(mode 0775\\)" },
		{ 0755, NOBODY, "its directory .*/sockets is owned by uid 65534, not by root" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		both_refuse(cases[i].mode, cases[i].owner, NULL, 0, true, cases[i].why,
			    cases[i].why);
}
END_TEST

/* The daemon's user (here nobody, named by the config's `user`) is
 * trusted: the same server is then talked to, and what it says shown. */
START_TEST(test_daemon_user_trusted)
{
	struct place p;
	struct cmd_result r;

	place_make(&p, 0755, 0, "nobody");
	pid_t user = impostor_start(p.sock, IMPOSTOR_USER_HELLO, NOBODY, true);
	pid_t ctl = impostor_start(p.ctl, IMPOSTOR_CONTROL_HELLO, NOBODY, true);

	ck_assert_msg(run_lchat(&r, &p) == 0, "lchat: exit %d: %s", r.code, r.err);
	ck_assert_msg(strstr(r.out, "NOTICE " IMPOSTOR_TEXT), "lchat did not show the notice "
		      "of the daemon's user: stdout '%s', stderr '%s'", r.out, r.err);
	cmd_result_free(&r);
	run_admin(&r, &p);
	ck_assert_msg(strstr(r.err, IMPOSTOR_TEXT) && !strstr(r.err, "refusing"),
		      "lchat-admin did not talk to the daemon's user: exit %d, '%s'", r.code, r.err);
	cmd_result_free(&r);
	impostor_stop(user, p.sock);
	impostor_stop(ctl, p.ctl);
	place_remove(&p);
}
END_TEST

int main(void)
{
	const struct harness_case cases[] = {
		{ "impostor_in_sticky_dir", test_impostor_in_sticky_dir, 60 },
		{ "impostor_in_safe_dir", test_impostor_in_safe_dir, 60 },
		{ "unsafe_directory", test_unsafe_directory, 60 },
		{ "daemon_user_trusted", test_daemon_user_trusted, 60 },
	};

	if (geteuid() != 0) {
		fprintf(stderr, "test_server_identity: not root, cannot run a server as another "
			"uid: skipped\n");
		return 0;
	}
	return harness_run(harness_suite("server_identity", cases, HARNESS_NCASES(cases)));
}
