/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* test_unsafe_paths.c - what lchatd finds on disk when it starts: socket
 * and state directories owned by another user or writable by others, a
 * socket or a file of another user where its socket goes, symlinks where
 * its sockets, room file or pid file go, and the leftovers of a real crash
 * (every process SIGKILLed).
 *
 * Each unsafe case must be refused before anything is touched: exit 1, a
 * message on stderr that names the path and says what is wrong, nothing
 * left running, and everything that was there (and whatever a symlink
 * points to) unchanged. The leftovers of a crash are replaced. test_process
 * covers the simpler cases (a file or a dangling symlink at the socket
 * path, a symlinked socket directory, a fake stale socket, a second lchatd). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "runcmd.h"
#include "procs.h"

/* Somebody else. */
#define OTHER_UID NOBODY

/* What a path was before the start, to prove it unchanged after. */
struct snap {
	char path[PATH_MAX];
	struct stat st;
	char text[128];           /* a regular file's contents */
};

static void snap_take(struct snap *s, const char *path)
{
	snprintf(s->path, sizeof(s->path), "%s", path);
	ck_assert_msg(lstat(path, &s->st) == 0, "%s: %s", path, strerror(errno));
	s->text[0] = '\0';
	if (S_ISREG(s->st.st_mode))
		ck_assert(read_small(path, s->text, sizeof(s->text)));
}

static void snap_same(const struct snap *s)
{
	struct stat now;
	char text[128] = "";

	ck_assert_msg(lstat(s->path, &now) == 0, "%s was removed", s->path);
	ck_assert_msg(now.st_ino == s->st.st_ino && now.st_mode == s->st.st_mode &&
		      now.st_uid == s->st.st_uid && now.st_gid == s->st.st_gid &&
		      now.st_size == s->st.st_size &&
		      now.st_mtim.tv_sec == s->st.st_mtim.tv_sec &&
		      now.st_mtim.tv_nsec == s->st.st_mtim.tv_nsec,
		      "%s was changed", s->path);
	if (S_ISREG(now.st_mode)) {
		ck_assert(read_small(s->path, text, sizeof(text)));
		ck_assert_msg(strcmp(text, s->text) == 0, "%s: its contents changed", s->path);
	}
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	fputs(text, f);
	ck_assert(fclose(f) == 0);
}

static void make_dir(const char *path, mode_t mode, uid_t uid)
{
	ck_assert_msg(mkdir(path, 0700) == 0, "mkdir %s: %s", path, strerror(errno));
	ck_assert(chown(path, uid, (gid_t)-1) == 0);
	ck_assert(chmod(path, mode) == 0);
}

/* Start lchatd; it must be refused: exit 1, "lchatd: ..." naming path and
 * matching why_re, nothing left running, no pid file left. */
static void expect_refused(struct bgd *b, const char *path, const char *why_re)
{
	struct run_result r;
	char left[1024];
	int rc = bgd_start(b, &r);

	ck_assert_msg(rc == 1, "%s: lchatd exited with %d, expected 1; stderr: '%s'", path,
		      rc, r.err);
	ck_assert_msg(strncmp(r.err, "lchatd: ", 8) == 0 && strstr(r.err, path) != NULL,
		      "stderr does not name %s: '%s'", path, r.err);
	ck_assert_msg(re_contains(r.err, why_re), "stderr does not say /%s/ about %s: '%s'",
		      why_re, path, r.err);
	ck_assert_msg(bgd_wait_gone(b, 5000, left, sizeof(left)) == 0,
		      "the refused lchatd left processes running:%s", left);
	ck_assert_msg(!exists(b->pidfile) || strstr(path, "lchatd.pid"),
		      "the refused lchatd left its pid file");
}

/* Sockets in the directory dir (under b->dir). */
static void sockets_in(struct bgd *b, const char *dir)
{
	char extra[3 * PATH_MAX];

	snprintf(b->sock, sizeof(b->sock), "%s/lchat.sock", dir);
	snprintf(b->ctl, sizeof(b->ctl), "%s/control.sock", dir);
	snprintf(extra, sizeof(extra), "socket = \"%s\"\ncontrol_socket = \"%s\"\n", b->sock,
		 b->ctl);
	bgd_write_config(b, extra);
}

/* ---- directories ------------------------------------------------------ */

/* `lchatd -n` on the config of b: its exit status; *err gets stderr
 * and stdout (free). */
static int check_config(struct bgd *b, char **out)
{
	static const struct cmd_opts none;
	char *argv[] = { (char *)lchatd_exe(), "-n", "-c", b->conf, NULL };
	struct cmd_result r;
	int rc = run_cmd(&r, &none, argv);

	*out = xcalloc(1, strlen(r.out) + strlen(r.err) + 1);
	strcat(strcpy(*out, r.err), r.out);
	cmd_result_free(&r);
	return rc;
}

/* A socket directory owned by another user, or writable by its group or
 * by everyone, with the sticky bit (like /tmp) or not, is refused and
 * nothing is created in it: anyone who may write there could bind the
 * socket path while lchatd is down and the clients would talk to them
 * (issue 16 item 12). `lchatd -n` says the same (status 3, as for any start it refuses). */
START_TEST(test_socket_dir_unsafe)
{
	static const struct {
		mode_t mode;
		uid_t uid;
		const char *why;
	} cases[] = {
		{ 0755, OTHER_UID, "owned by uid 65534" },
		{ 0777, 0, "writable by group or others \\(mode 0777\\)" },
		{ 01777, 0, "writable by group or others \\(mode 1777, the sticky bit does not "
			    "help: anyone could bind the socket path while lchatd is down\\)" },
		{ 0775, 0, "writable by group or others \\(mode 0775\\)" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bgd *b = bgd_new(NULL);
		char dir[PATH_MAX], *out;
		struct snap s;

		snprintf(dir, sizeof(dir), "%s/sockets", b->dir);
		make_dir(dir, cases[i].mode, cases[i].uid ? cases[i].uid : geteuid());
		sockets_in(b, dir);
		snap_take(&s, dir);
		ck_assert_msg(check_config(b, &out) == 3 && strstr(out, dir) &&
			      re_contains(out, cases[i].why),
			      "case %zu: lchatd -n did not refuse %s with /%s/: '%s'", i, dir,
			      cases[i].why, out);
		free(out);
		expect_refused(b, dir, cases[i].why);
		snap_same(&s);
		ck_assert_msg(!exists(b->sock) && !exists(b->ctl),
			      "case %zu: a socket was created in the unsafe directory", i);
		bgd_stop_ok(b);
	}

	/* A directory of ours that nobody else may write to is fine. */
	struct bgd *b = bgd_new(NULL);
	struct run_result r;
	char dir[PATH_MAX], *out;

	snprintf(dir, sizeof(dir), "%s/sockets", b->dir);
	make_dir(dir, 0750, geteuid());
	sockets_in(b, dir);
	ck_assert_msg(check_config(b, &out) == 0 && strstr(out, "configuration OK"),
		      "lchatd -n refused a safe socket directory: '%s'", out);
	free(out);
	ck_assert_msg(bgd_start(b, &r) == 0, "a safe socket directory was refused: '%s'", r.err);
	sock_wait_connectable(b->sock, TC_TIMEOUT);
	bgd_stop_ok(b);
}
END_TEST

/* The state directory holds the room and the pid file: owned by another
 * user, writable by its group, or a symlink, it is refused. */
START_TEST(test_state_dir_unsafe)
{
	for (int kind = 0; kind < 3; kind++) {
		struct bgd *b = bgd_new(NULL);
		char real[PATH_MAX];
		const char *why = "";
		struct snap s;

		snprintf(real, sizeof(real), "%s/real-state", b->dir);
		if (kind == 0) {
			make_dir(b->state, 0750, OTHER_UID);
			why = "owned by uid 65534";
		} else if (kind == 1) {
			make_dir(b->state, 0770, geteuid());
			why = "writable by group";
		} else {
			make_dir(real, 0750, geteuid());
			ck_assert(symlink(real, b->state) == 0);
			why = "not a directory";
		}
		snap_take(&s, b->state);
		expect_refused(b, b->state, why);
		snap_same(&s);
		if (kind == 2) {
			char room[PATH_MAX + 16];

			snprintf(room, sizeof(room), "%s/lchatd.pid", real);
			ck_assert_msg(!exists(room), "a pid file was made through the symlink");
			snprintf(room, sizeof(room), "%s/room", real);
			ck_assert_msg(!exists(room), "a room file was made through the symlink");
		}
		ck_assert_msg(!exists(b->sock) && !exists(b->ctl),
			      "kind %d: sockets were created though the state dir is unsafe", kind);
		bgd_stop_ok(b);
	}
}
END_TEST

/* ---- files -------------------------------------------------------------- */

/* Where a socket goes: another user's socket (a dead one: only its owner
 * may replace it), another user's regular file, a symlink to a dead socket
 * elsewhere. Refused; the thing and its target stay as they were. */
START_TEST(test_socket_files_unsafe)
{
	for (int kind = 0; kind < 3; kind++) {
		struct bgd *b = bgd_new(NULL);
		char elsewhere[PATH_MAX], target[PATH_MAX + 16];
		const char *path = kind == 1 ? b->ctl : b->sock, *why = "";
		struct snap s, t;

		snprintf(elsewhere, sizeof(elsewhere), "%s/elsewhere", b->dir);
		snprintf(target, sizeof(target), "%s/real.sock", elsewhere);
		if (kind == 0) {
			sock_make_stale(path);
			ck_assert(lchown(path, OTHER_UID, (gid_t)-1) == 0);
			why = "owned by uid 65534";
		} else if (kind == 1) {
			write_text(path, "someone else's file\n");
			ck_assert(chown(path, OTHER_UID, (gid_t)-1) == 0);
			why = "not a socket";
		} else {
			make_dir(elsewhere, 0755, geteuid());
			sock_make_stale(target);
			snap_take(&t, target);
			ck_assert(symlink(target, path) == 0);
			why = "not a socket";
		}
		snap_take(&s, path);
		expect_refused(b, path, why);
		snap_same(&s);
		if (kind == 2)
			snap_same(&t);
		if (kind == 1)
			ck_assert_msg(!exists(b->sock), "the user socket was left behind");
		else
			ck_assert_msg(!exists(b->ctl), "kind %d: the control socket was made", kind);
		bgd_stop_ok(b);
	}
}
END_TEST

/* The room file and the pid file may not be symlinks: what they point to
 * is neither truncated nor written. */
START_TEST(test_state_files_symlinked)
{
	static const char *const names[] = { "room", "lchatd.pid" };

	for (int i = 0; i < 2; i++) {
		struct bgd *b = bgd_new(NULL);
		char path[PATH_MAX + 16], target[PATH_MAX + 16];
		struct snap s, t;

		make_dir(b->state, 0750, geteuid());
		snprintf(path, sizeof(path), "%s/%s", b->state, names[i]);
		snprintf(target, sizeof(target), "%s/precious", b->dir);
		write_text(target, "precious data\n");
		ck_assert(symlink(target, path) == 0);
		snap_take(&s, path);
		snap_take(&t, target);
		expect_refused(b, path, "symbolic link|symlink|not a regular file");
		snap_same(&s);
		snap_same(&t);
		ck_assert_msg(!exists(b->sock) && !exists(b->ctl),
			      "%s: sockets were left behind", names[i]);
		bgd_stop_ok(b);
	}
}
END_TEST

/* ---- after a crash ------------------------------------------------------ */

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Every process of a running lchatd SIGKILLed: its sockets and pid file
 * stay behind. A new lchatd replaces the sockets (new files, modes as
 * before), takes over the pid file, and serves the room with its history. */
START_TEST(test_leftovers_of_a_crash)
{
	struct bgd *b = bgd_new(NULL);
	struct run_result r;
	struct stat s1, c1, s2, c2;
	struct tclient *a, *a2;
	char left[1024], buf[64];
	pid_t dmn, h;

	ck_assert_msg(bgd_start(b, &r) == 0, "lchatd: '%s'", r.err);
	dmn = wait_child_titled(b->sup, "lchatd: daemon", 0, TC_TIMEOUT);
	a = tc_connect(b->sock);
	tc_join(a, "crash-alice");
	tc_send(a, "SAY before the crash");
	tc_ack(a, "SAY");
	h = wait_child_titled(dmn, "lchatd: crash-alice", 0, TC_TIMEOUT);
	ck_assert(lstat(b->sock, &s1) == 0 && lstat(b->ctl, &c1) == 0);

	/* The supervisor first, so that nobody restarts the daemon. */
	ck_assert(kill(b->sup, SIGKILL) == 0);
	ck_assert(bgd_wait_exit(b, TC_TIMEOUT) != -1);
	ck_assert(kill(dmn, SIGKILL) == 0);
	ck_assert_msg(bgd_wait_gone(b, 10000, left, sizeof(left)) == 0,
		      "after SIGKILL, still running:%s", left);
	/* (An exiting handler may still be tearing down its memory, slowly
	 * under ASan, with no title left for bgd_wait_gone() to know it by.) */
	for (int64_t deadline = mono_ms_now() + 10000; proc_alive(h) && mono_ms_now() < deadline; )
		sleep_ms(10);
	ck_assert_msg(!proc_alive(h), "the handler outlived its daemon by 10 s");
	tc_expect_eof(a, TC_TIMEOUT);
	tc_close(a);
	ck_assert_msg(exists(b->sock) && exists(b->ctl) && exists(b->pidfile),
		      "a crash should leave the sockets and the pid file behind");
	ck_assert(!sock_can_connect(b->sock) && !sock_can_connect(b->ctl));

	ck_assert_msg(bgd_start(b, &r) == 0, "lchatd after a crash: exit %d, '%s'",
		      run_exit_code(&r), r.err);
	b->sup_exited = false;        /* a new supervisor to stop */
	ck_assert(lstat(b->sock, &s2) == 0 && lstat(b->ctl, &c2) == 0);
	/* (A freed inode number may come back: the change time tells.) */
	ck_assert_msg(!same_file(&s1, &s2) && !same_file(&c1, &c2),
		      "the stale socket files were not replaced");
	ck_assert_msg(S_ISSOCK(s2.st_mode) && (s2.st_mode & 07777) == (s1.st_mode & 07777) &&
		      S_ISSOCK(c2.st_mode) && (c2.st_mode & 07777) == (c1.st_mode & 07777),
		      "the new sockets' modes differ: %o %o", (unsigned)s2.st_mode,
		      (unsigned)c2.st_mode);
	ck_assert(read_small(b->pidfile, buf, sizeof(buf)));
	ck_assert_int_eq(strtol(buf, NULL, 10), b->sup);

	/* The room goes on: the member lost in the crash is announced. */
	a2 = tc_connect(b->sock);
	struct lines hist = { 0 };
	join_collect(a2, "crash-alice", &hist);
	ck_assert_msg(lines_count(&hist, "EV [0-9]+ [0-9]+ MSG crash-alice before the crash$") == 1 &&
		      lines_count(&hist, "EV [0-9]+ [0-9]+ LEAVE crash-alice [^ ]+ lost$") == 1,
		      "history after the crash:%s", lines_show(&hist));
	lines_free(&hist);
	tc_close(a2);
	bgd_stop_ok(b);
}
END_TEST

int main(void)
{
	const struct harness_case cases[] = {
		{ "socket_dir_unsafe", test_socket_dir_unsafe, 60 },
		{ "state_dir_unsafe", test_state_dir_unsafe, 60 },
		{ "socket_files_unsafe", test_socket_files_unsafe, 60 },
		{ "state_files_symlinked", test_state_files_symlinked, 60 },
		{ "leftovers_of_a_crash", test_leftovers_of_a_crash, 60 },
	};

	return harness_run(harness_suite("unsafe_paths", cases, HARNESS_NCASES(cases)));
}
