/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* nss_file.c - LD_PRELOAD shim for end-to-end tests: the password database
 * is the file named by LCHAT_TEST_PASSWD (passwd(5) format) instead of
 * /etc/passwd, and stat("/etc/passwd") describes that file, so that a test
 * can add, rename and remove accounts without touching the machine's.
 * Only what lchat calls is covered: setpwent, getpwent_r, endpwent,
 * getpwnam_r, getpwuid_r and stat. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static FILE *walk;      /* the enumeration's position */

static FILE *open_db(void)
{
	const char *path = getenv("LCHAT_TEST_PASSWD");

	return path ? fopen(path, "re") : NULL;
}

void setpwent(void)
{
	if (walk)
		fclose(walk);
	walk = open_db();
}

void endpwent(void)
{
	if (walk)
		fclose(walk);
	walk = NULL;
}

int getpwent_r(struct passwd *pw, char *buf, size_t len, struct passwd **res)
{
	*res = NULL;
	if (!walk && !(walk = open_db()))
		return ENOENT;
	return fgetpwent_r(walk, pw, buf, len, res);
}

/* The first entry with this login (login != NULL) or this uid. */
static int find(const char *login, uid_t uid, struct passwd *pw, char *buf, size_t len,
		struct passwd **res)
{
	FILE *f = open_db();
	int rc;

	*res = NULL;
	if (!f)
		return 0;
	while ((rc = fgetpwent_r(f, pw, buf, len, res)) == 0) {
		if (login ? strcmp(pw->pw_name, login) == 0 : pw->pw_uid == uid)
			break;
		*res = NULL;
	}
	fclose(f);
	return rc == ENOENT ? 0 : rc;
}

int getpwnam_r(const char *login, struct passwd *pw, char *buf, size_t len,
	       struct passwd **res)
{
	return find(login, 0, pw, buf, len, res);
}

int getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t len, struct passwd **res)
{
	return find(NULL, uid, pw, buf, len, res);
}

/* The real stat is the system call: libc's own would find this one. */
int stat(const char *path, struct stat *st)
{
	const char *db = getenv("LCHAT_TEST_PASSWD");

	if (db && strcmp(path, "/etc/passwd") == 0)
		path = db;
	return (int)syscall(SYS_newfstatat, AT_FDCWD, path, st, 0);
}
