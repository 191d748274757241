/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* test_install.c - `make install` into a DESTDIR, the way a packager runs
 * it: every file lands where it should, a second install keeps the edited
 * configuration, the INSTALLED lchatd starts (`lchatd -c FILE`, as a
 * sysadmin starts it) and the INSTALLED lchat-admin talks to it, and
 * `make uninstall` takes the files away again.
 *
 * The source tree and the build directory come from LCHAT_BIN, which is
 * <src>/build/bin or <src>/build/asan/bin: B is LCHAT_BIN's parent, and
 * the source tree is the directory above "build". */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "procs.h"
#include "runcmd.h"

#define MAKE_TIMEOUT_MS 300000

/* Installed paths, relative to DESTDIR, for PREFIX=/usr. */
static const char *const installed[] = {
	"/usr/sbin/lchatd",
	"/usr/bin/lchat",
	"/usr/bin/lchat-admin",
	"/usr/share/man/man1/lchat.1",
	"/usr/share/man/man5/lchat.conf.5",
	"/usr/share/man/man8/lchatd.8",
	"/usr/share/man/man8/lchat-admin.8",
	"/usr/lib/systemd/system/lchatd.service",
};
#define CONF_PATH "/etc/lchat.conf"

static char src[PATH_MAX], build[PATH_MAX];
/* DESTDIR: named by main() (the test runs in a child Check forks) and
 * removed by main() after the suite, whether the test passed or not. */
static char destdir[64];

/* Derive the source and build directories from LCHAT_BIN. */
static void find_tree(void)
{
	const char *bin = getenv("LCHAT_BIN");

	ck_assert_msg(bin && bin[0] == '/', "LCHAT_BIN must be an absolute directory");
	snprintf(build, sizeof(build), "%s", bin);
	char *slash = strrchr(build, '/');
	ck_assert_msg(slash && strcmp(slash, "/bin") == 0, "LCHAT_BIN %s does not end in /bin", bin);
	*slash = '\0';                          /* <src>/build or <src>/build/asan */
	snprintf(src, sizeof(src), "%s", build);
	char *b = strstr(src, "/build");
	ck_assert_msg(b, "LCHAT_BIN %s is not under a build directory", bin);
	*b = '\0';
	char mk[PATH_MAX + 16];
	snprintf(mk, sizeof(mk), "%s/Makefile", src);
	ck_assert_msg(access(mk, R_OK) == 0, "no Makefile at %s", mk);
}

/* `make -C SRC TARGET DESTDIR=... PREFIX=/usr B=BUILD`; fails the test
 * unless make exits 0. The outer make's variables (check-asan passes its
 * own B and CFLAGS) must not leak in, so MAKEFLAGS goes. */
static void run_make(const char *target, const char *dest_dir, struct cmd_result *r)
{
	char dest[PATH_MAX + 16], b[PATH_MAX + 8];
	static const char *const makes[] = { "/usr/bin/make", "/bin/make", "/usr/local/bin/make" };
	const char *make = NULL;

	for (size_t i = 0; i < sizeof(makes) / sizeof(makes[0]) && !make; i++)
		if (access(makes[i], X_OK) == 0)
			make = makes[i];
	ck_assert_msg(make, "make is not installed");
	unsetenv("MAKEFLAGS");
	unsetenv("MFLAGS");
	unsetenv("MAKELEVEL");
	snprintf(dest, sizeof(dest), "DESTDIR=%s", dest_dir);
	snprintf(b, sizeof(b), "B=%s", build);
	char *argv[] = { (char *)make, "--no-print-directory", "-C", src, (char *)target, dest,
			 "PREFIX=/usr", b, NULL };
	struct cmd_opts o = { .timeout_ms = MAKE_TIMEOUT_MS };
	run_cmd(r, &o, argv);
	/* Check's messages are short: the end of the output says why. */
	size_t no = strlen(r->out), ne = strlen(r->err);
	ck_assert_msg(r->code == 0, "make %s exited %d:\n...%s\n...%s", target, r->code,
		      r->out + (no > 1200 ? no - 1200 : 0), r->err + (ne > 1200 ? ne - 1200 : 0));
}

static bool exists(const char *dest_dir, const char *path, mode_t *mode)
{
	char full[PATH_MAX * 2];
	struct stat st;

	snprintf(full, sizeof(full), "%s%s", dest_dir, path);
	if (stat(full, &st) < 0)
		return false;
	if (mode)
		*mode = st.st_mode;
	return true;
}

/* Every file is installed, the programs executable. */
static void check_installed(const char *dest_dir)
{
	for (size_t i = 0; i < sizeof(installed) / sizeof(installed[0]); i++) {
		mode_t mode;
		ck_assert_msg(exists(dest_dir, installed[i], &mode), "%s was not installed", installed[i]);
		ck_assert_msg(S_ISREG(mode), "%s is not a file", installed[i]);
		if (strstr(installed[i], "bin/"))
			ck_assert_msg((mode & 0111) == 0111, "%s is not executable", installed[i]);
	}
	ck_assert_msg(exists(dest_dir, CONF_PATH, NULL), "%s was not installed", CONF_PATH);
}

static void append(const char *path, const char *text)
{
	FILE *f = fopen(path, "a");

	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static bool file_contains(const char *path, const char *text)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	bool found = false;

	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		found |= strstr(line, text) != NULL;
	fclose(f);
	return found;
}

START_TEST(test_install_run_uninstall)
{
	struct cmd_result r;

	find_tree();
	ck_assert_msg(mkdir(destdir, 0755) == 0, "%s: %s", destdir, strerror(errno));
	run_make("install", destdir, &r);
	cmd_result_free(&r);
	check_installed(destdir);
	char unit[PATH_MAX * 2];
	snprintf(unit, sizeof(unit), "%s/usr/lib/systemd/system/lchatd.service", destdir);
	ck_assert_msg(file_contains(unit, "/usr/sbin/lchatd"), "the unit does not run /usr/sbin/lchatd");
	ck_assert_msg(!file_contains(unit, "@SBINDIR@"), "the unit still says @SBINDIR@");

	/* A second install keeps the administrator's configuration. */
	char conf[PATH_MAX * 2];
	snprintf(conf, sizeof(conf), "%s%s", destdir, CONF_PATH);
	append(conf, "# edited by the administrator\n");
	run_make("install", destdir, &r);
	ck_assert_msg(strstr(r.out, "keeping existing"), "make install said '%s'", r.out);
	cmd_result_free(&r);
	ck_assert_msg(file_contains(conf, "# edited by the administrator"),
		      "the second install overwrote %s", conf);
	check_installed(destdir);

	/* The installed lchatd, started as a sysadmin does, with sockets and
	 * state in a temporary directory; the installed lchat-admin. */
	char sbin[PATH_MAX * 2], admin[PATH_MAX * 2];
	snprintf(sbin, sizeof(sbin), "%s/usr/sbin", destdir);
	snprintf(admin, sizeof(admin), "%s/usr/bin/lchat-admin", destdir);
	ck_assert_int_eq(setenv("LCHAT_BIN", sbin, 1), 0);   /* bgd runs LCHAT_BIN/lchatd */
	struct bgd *b = bgd_new("motd = \"installed\"\n");
	struct run_result rr;
	int rc = bgd_start(b, &rr);
	ck_assert_msg(rc == 0, "installed lchatd -c: exit %d: %s%s", rc, rr.out, rr.err);
	struct tclient *a = tc_connect(b->sock);
	tc_join(a, "alice");
	char *status[] = { admin, "-s", b->ctl, "status", NULL };
	struct cmd_opts o = { 0 };
	run_cmd(&r, &o, status);
	ck_assert_msg(r.code == 0, "installed lchat-admin status: %d %s", r.code, r.err);
	ck_assert_msg(re_contains(r.out, "\nusers +1\n"), "status said '%s'", r.out);
	cmd_result_free(&r);
	char *shut[] = { admin, "-c", b->conf, "shutdown", NULL };
	run_cmd(&r, &o, shut);
	ck_assert_msg(r.code == 0, "installed lchat-admin shutdown: %d %s", r.code, r.err);
	cmd_result_free(&r);
	tc_expect_shutdown(a);
	int st = bgd_wait_exit(b, 10000);
	ck_assert_msg(st != -1, "the installed lchatd did not stop on shutdown");
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the supervisor's status: 0x%x", st);
	bgd_stop_ok(b);

	/* make uninstall takes every installed file away; the configuration
	 * stays, as it may hold the administrator's edits. */
	run_make("uninstall", destdir, &r);
	cmd_result_free(&r);
	for (size_t i = 0; i < sizeof(installed) / sizeof(installed[0]); i++)
		ck_assert_msg(!exists(destdir, installed[i], NULL), "%s is still there", installed[i]);
	ck_assert_msg(file_contains(conf, "# edited by the administrator"),
		      "uninstall removed the edited configuration");
}
END_TEST

int main(void)
{
	struct harness_case cases[] = {
		{ "install_run_uninstall", test_install_run_uninstall, 400 },
	};

	snprintf(destdir, sizeof(destdir), "/tmp/lchat-install.%d", (int)getpid());
	int rc = harness_run(harness_suite("install", cases, HARNESS_NCASES(cases)));
	remove_tree(destdir);
	return rc;
}
