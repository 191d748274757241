/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* passwd.c - the password database asked directly (see passwd.h). */
#include "passwd.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cut.h"

/* The buffer is on the heap and grows on ERANGE: a 16 KiB one on the
 * stack made every lchatd handler keep stack pages it used once. */
bool passwd_find(const char *login, uid_t uid, uid_t *uid_out, char *name, size_t len)
{
	struct passwd pw, *res = NULL;
	size_t size = 1024;
	int rc = ERANGE;
	bool found = false;

	while (!found && rc == ERANGE && size <= 1024 * 1024) {
		char *tmp = malloc(size);
		if (!tmp)
			break;
		rc = login ? getpwnam_r(login, &pw, tmp, size, &res)
			   : getpwuid_r(uid, &pw, tmp, size, &res);
		if (rc == 0 && res && res->pw_name[0] && (!name || strlen(res->pw_name) < len)) {
			if (uid_out)
				*uid_out = res->pw_uid;
			if (name)
				text_printf(name, len, "%s", res->pw_name);
			found = true;
		}
		free(tmp);
		size *= 2;
	}
	return found;
}

void login_of_uid(uid_t uid, char *buf, size_t len)
{
	if (!passwd_find(NULL, uid, NULL, buf, len))
		text_printf(buf, len, "uid%u", (unsigned)uid);
}

bool uid_of_login(const char *login, uid_t *uid)
{
	return passwd_find(login, 0, uid, NULL, 0);
}

bool for_each_account(bool (*fn)(const char *login, uid_t uid, void *arg), void *arg)
{
	struct passwd pw, *res;
	size_t size = 1024;
	char *buf = malloc(size);
	bool hit = false;
	int rc;

	if (!buf)
		return false;
	setpwent();
	while (!hit) {
		rc = getpwent_r(&pw, buf, size, &res);
		if (rc == ERANGE && size < 1024 * 1024) {
			/* The entry is not consumed: retry with more room. */
			char *bigger = realloc(buf, size * 2);
			if (!bigger)
				break;
			buf = bigger;
			size *= 2;
			continue;
		}
		if (rc != 0 || !res)
			break;	/* ENOENT: the end; anything else: stop */
		hit = fn(res->pw_name, res->pw_uid, arg);
	}
	endpwent();
	free(buf);
	return hit;
}

void nss_preload(void)
{
	char login[64];
	uid_t none;

	/* A name no account has goes through every module in nsswitch.conf
	 * (a lookup that "files" answers would stop before the others). */
	login_of_uid(getuid(), login, sizeof(login));
	(void)uid_of_login("lchat-nss-preload.", &none);
}
