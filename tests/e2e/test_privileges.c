/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* test_privileges.c - least privilege (issue 14): lchatd -n checks what a
 * start checks, and lchatd started as root drops to `user` for good
 * before any handler exists. The drop needs root; that case is registered
 * only then (CI runs as root). */
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "procfs.h"
#include "runcmd.h"

static void write_conf(const char *path, const char *dir, const char *extra)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fprintf(f, "socket = \"%s/lchat.sock\"\ncontrol_socket = \"%s/control.sock\"\n"
		"irc_socket = \"%s/irc.sock\"\n"
		"state_dir = \"%s/state\"\nuser = \"%s\"\n%s", dir, dir, dir, dir, my_login(), extra);
	ck_assert_int_eq(fclose(f), 0);
}

/* -n says what the start would refuse, and "configuration OK" only when a
 * start would get past it. */
static void check_n_as(bool as_nobody, const char *extra, const char *want_err)
{
	char dir[] = "/tmp/lchat-priv.XXXXXX", conf[128];
	struct cmd_result r;
	struct cmd_opts none = { .as_user = as_nobody, .uid = NOBODY };

	ck_assert_ptr_nonnull(mkdtemp(dir));
	if (as_nobody)
		ck_assert_int_eq(chown(dir, NOBODY, NOBODY), 0);
	snprintf(conf, sizeof(conf), "%s/lchat.conf", dir);
	write_conf(conf, dir, extra);
	if (as_nobody)
		ck_assert_int_eq(chmod(conf, 0644), 0);
	char *argv[] = { (char *)lchatd_exe(), "-n", "-c", conf, NULL };
	int code = run_cmd(&r, &none, argv);
	if (want_err) {
		ck_assert_msg(code != 0, "lchatd -n passed: %s", r.out);
		ck_assert_msg(strstr(r.err, want_err), "lchatd -n: %s", r.err);
		ck_assert_msg(!strstr(r.out, "configuration OK"), "lchatd -n: %s", r.out);
	} else {
		ck_assert_msg(code == 0, "lchatd -n: %d: %s", code, r.err);
		ck_assert_msg(strstr(r.out, "configuration OK"), "lchatd -n: %s", r.out);
	}
	cmd_result_free(&r);
	remove_tree(dir);
}

static void check_n(const char *extra, const char *want_err)
{
	check_n_as(false, extra, want_err);
}

START_TEST(test_check_matches_start)
{
	check_n("admin_group = \"root\"\n", NULL);
	check_n("admin_group = \"nosuchgroup\"\n", "no such group 'nosuchgroup'");
	check_n("admin_group = \"root\"\nstate_dir = \"/nonexistent/dir/state\"\n",
		"/nonexistent/dir/state");
	check_n("admin_group = \"root\"\nsocket = \"/nonexistent/dir/lchat.sock\"\n",
		"/nonexistent/dir");
	if (geteuid() == 0)
	{
		check_n("admin_group = \"root\"\nuser = \"nosuchuser\"\n", "no such user 'nosuchuser'");
		/* Not root: no drop, so the daemon must be in admin_group to
		 * give it the control socket (a unit with User= and no
		 * SupplementaryGroups=). */
		check_n_as(true, "admin_group = \"root\"\n", "not a member of 'root'");
		check_n_as(true, "admin_group = \"nogroup\"\n", NULL);
	}
}
END_TEST

static long status_field(pid_t pid, const char *field)
{
	char path[64], line[256];
	long v = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	ck_assert_msg(f, "%s", path);
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, strlen(field)) == 0 && line[strlen(field)] == ':')
			v = strtol(line + strlen(field) + 1, NULL, 10);
	fclose(f);
	return v;
}

/* A field of /proc/PID/status as text ("CapEff" -> "0000000000000000"). */
static void status_text(pid_t pid, const char *field, char *out, size_t len)
{
	char path[64], line[256];

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	ck_assert_msg(f, "%s", path);
	out[0] = '\0';
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, strlen(field)) == 0 && line[strlen(field)] == ':') {
			const char *v = line + strlen(field) + 1;
			v += strspn(v, " \t");
			snprintf(out, len, "%.*s", (int)strcspn(v, "\n"), v);
		}
	fclose(f);
}

/* A handler and the writer hold no capability and have no-new-privs,
 * whoever the daemon runs as. */
static void assert_children_sandboxed(struct lchatd *d, const char *member)
{
	pid_t daemon = lchatd_daemon_pid(d);
	pid_t who[2] = { lchatd_handler_pid(d, member),
			 wait_child_titled(daemon, "lchatd: fanout", 0, TC_TIMEOUT) };
	char v[64];
	for (int i = 0; i < 2; i++) {
		status_text(who[i], "CapEff", v, sizeof(v));
		ck_assert_msg(strcmp(v, "0000000000000000") == 0, "pid %d CapEff %s", (int)who[i], v);
		status_text(who[i], "CapPrm", v, sizeof(v));
		ck_assert_msg(strcmp(v, "0000000000000000") == 0, "pid %d CapPrm %s", (int)who[i], v);
		status_text(who[i], "NoNewPrivs", v, sizeof(v));
		ck_assert_msg(strcmp(v, "1") == 0, "pid %d NoNewPrivs %s", (int)who[i], v);
		/* 2: a seccomp filter (sysfilter.c). */
		status_text(who[i], "Seccomp", v, sizeof(v));
		ck_assert_msg(strcmp(v, "2") == 0, "pid %d Seccomp %s", (int)who[i], v);
	}
}

START_TEST(test_children_hold_nothing)
{
	/* The harness's daemon runs as whoever runs the tests (root in CI). */
	struct lchatd *d = lchatd_start("");
	struct tclient *a = tc_connect(d->sock);
	tc_join(a, "alice");
	assert_children_sandboxed(d, "alice");
	tc_send(a, "SAY still here");
	tc_ack(a, "SAY");
	tc_close(a);
	lchatd_stop_ok(d);
}
END_TEST

/* The socket directory is the harness's; handed to nobody, as a package
 * would hand /run/lchat to _lchat. */
static void give_dir_to_nobody(const struct lchatd *d, void *arg)
{
	(void)arg;
	if (chown(d->dir, NOBODY, NOBODY) < 0)
		_exit(120);
}

START_TEST(test_root_drops_to_user)
{
	lchatd_set_exec_hook(give_dir_to_nobody, NULL);
	struct lchatd *d = lchatd_start("user = \"nobody\"\nadmin_group = \"root\"\n");
	lchatd_set_exec_hook(NULL, NULL);
	struct tclient *a = tc_connect(d->sock);
	tc_join(a, "alice");
	pid_t who[3] = { d->pid, lchatd_daemon_pid(d), lchatd_handler_pid(d, "alice") };
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(status_field(who[i], "Uid"), NOBODY);
		ck_assert_int_eq(status_field(who[i], "Gid"), NOBODY);
	}
	assert_children_sandboxed(d, "alice");
	struct stat st;
	ck_assert_int_eq(stat(d->state, &st), 0);
	ck_assert_int_eq(st.st_uid, NOBODY);
	tc_send(a, "SAY still here");
	tc_ack(a, "SAY");
	tc_close(a);
	lchatd_stop_ok(d);
}
END_TEST

/* lchatd's environment: the forbidden_call shim
 * (tests/e2e/preload/forbidden_call.c) and the file it would create. */
static void with_forbidden_call(const struct lchatd *d, void *arg)
{
	const char *bin = getenv("LCHAT_BIN");
	char shim[PATH_MAX];

	(void)d;
	snprintf(shim, sizeof(shim), "%s/../tests/forbidden_call.so", bin && *bin ? bin : "build/bin");
	if (access(shim, R_OK) < 0 || setenv("LCHAT_TEST_FORBIDDEN", arg, 1) < 0 ||
	    setenv("LD_PRELOAD", shim, 1) < 0 || asan_options_add("verify_asan_link_order=0") < 0)
		_exit(2);
}

/* A handler taken over to run a shell (execve, outside its allow-list)
 * dies by SIGSYS before the shell runs; the daemon logs that one
 * connection's crash, the room announces it lost, and goes on. */
START_TEST(test_forbidden_call_kills_one_handler)
{
	char ran[64];
	snprintf(ran, sizeof(ran), "/tmp/lchat-forbidden-%d", (int)getpid());
	unlink(ran);
	lchatd_set_exec_hook(with_forbidden_call, ran);
	struct lchatd *d = lchatd_start("");
	lchatd_set_exec_hook(NULL, NULL);
	struct tclient *a = tc_connect(d->sock), *b = tc_connect(d->sock);
	tc_join(a, "alice");
	tc_join(b, "bob");
	tc_expect(a, "^EV [0-9]+ [0-9]+ JOIN bob ", TC_TIMEOUT);
	pid_t bob = lchatd_handler_pid(d, "bob");

	tc_send(b, "SAY exec-a-shell-please");
	char re[160];
	snprintf(re, sizeof(re), "handler %d \\(bob, uid [0-9]+\\) crashed: killed by its sandbox "
		 "\\(SIGSYS", (int)bob);
	ck_assert_msg(lchatd_log_has(d, re, TC_TIMEOUT), "no SIGSYS crash of bob's handler %d",
		      (int)bob);
	tc_expect(a, "^EV [0-9]+ [0-9]+ LEAVE bob [^ ]+ lost", TC_TIMEOUT);
	tc_expect_eof(b, TC_TIMEOUT);
	ck_assert_msg(access(ran, F_OK) < 0, "the shell ran: %s exists", ran);
	ck_assert_msg(!lchatd_log_has(d, "fan-out writer [0-9]+ (exited|was)", 0),
		      "the writer died too");

	/* The room goes on: alice speaks, a newcomer joins. */
	tc_send(a, "SAY still here");
	tc_ack(a, "SAY");
	struct tclient *c = tc_connect(d->sock);
	tc_join(c, "carol");
	tc_close(c);
	tc_close(b);
	tc_close(a);
	lchatd_stop_ok(d);
	unlink(ran);
}
END_TEST

/* Does the Groups line of /proc/PID/status list gid? */
static bool in_groups(pid_t pid, gid_t gid)
{
	char v[1024], *save = NULL;

	status_text(pid, "Groups", v, sizeof(v));
	for (char *w = strtok_r(v, " ", &save); w; w = strtok_r(NULL, " ", &save))
		if (strtoul(w, NULL, 10) == gid)
			return true;
	return false;
}

/* The wall process (the one that writes to terminals) is user, with the
 * group tty and no other, no capability, no-new-privs, its seccomp
 * filter; the daemon and
 * the supervisor do not have tty. Not started as root and not in group
 * tty, notice_wall = true is refused at start (and by -n). */
START_TEST(test_wall_process_holds_tty_only)
{
	struct group *tty = getgrnam("tty");
	char v[1024];

	ck_assert_msg(tty != NULL, "no group tty on this system");
	gid_t tty_gid = tty->gr_gid;
	check_n("admin_group = \"root\"\nnotice_wall = true\n", NULL);
	check_n_as(true, "admin_group = \"nogroup\"\nnotice_wall = true\n",
		   "notice_wall = true, but lchatd cannot write to terminals: it was not started "
		   "as root and is not in group tty");
	lchatd_set_exec_hook(give_dir_to_nobody, NULL);
	struct lchatd *d = lchatd_start("user = \"nobody\"\nadmin_group = \"root\"\n");
	lchatd_set_exec_hook(NULL, NULL);
	pid_t wall = wait_child_titled(d->pid, "lchatd: wall", 0, TC_TIMEOUT);
	ck_assert_int_eq(status_field(wall, "Uid"), NOBODY);
	ck_assert_int_eq(status_field(wall, "Gid"), NOBODY);
	status_text(wall, "Groups", v, sizeof(v));
	char want[32];
	snprintf(want, sizeof(want), "%u", (unsigned)tty_gid);
	v[strcspn(v, " ")] = '\0';
	ck_assert_msg(strcmp(v, want) == 0 && in_groups(wall, tty_gid),
		      "the wall process's groups: '%s', not tty (%s) alone", v, want);
	status_text(wall, "CapEff", v, sizeof(v));
	ck_assert_msg(strcmp(v, "0000000000000000") == 0, "wall CapEff %s", v);
	status_text(wall, "CapPrm", v, sizeof(v));
	ck_assert_msg(strcmp(v, "0000000000000000") == 0, "wall CapPrm %s", v);
	status_text(wall, "NoNewPrivs", v, sizeof(v));
	ck_assert_msg(strcmp(v, "1") == 0, "wall NoNewPrivs %s", v);
	/* 2: its seccomp filter (sysfilter.c, SANDBOX_WALL). */
	status_text(wall, "Seccomp", v, sizeof(v));
	ck_assert_msg(strcmp(v, "2") == 0, "wall Seccomp %s", v);
	ck_assert_msg(!in_groups(d->pid, tty_gid) && !in_groups(lchatd_daemon_pid(d), tty_gid),
		      "the supervisor or the daemon has the group tty");
	lchatd_stop_ok(d);
}
END_TEST

int main(void)
{
	struct harness_case cases[] = {
		{ "check_matches_start", test_check_matches_start, 60 },
		{ "children_hold_nothing", test_children_hold_nothing, 60 },
		{ "forbidden_call_kills_one_handler", test_forbidden_call_kills_one_handler, 60 },
		{ "root_drops_to_user", test_root_drops_to_user, 60 },
		{ "wall_process_holds_tty_only", test_wall_process_holds_tty_only, 60 },
	};
	size_t n = HARNESS_NCASES(cases);

	if (geteuid() != 0)
		n = 3;      /* the drop (the last two) needs root */
	return harness_run(harness_suite("privileges", cases, n));
}
