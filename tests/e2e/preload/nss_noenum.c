/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* nss_noenum.c - LD_PRELOAD shim for end-to-end tests: a password database
 * that answers lookups but enumerates nothing, as LDAP through sssd does by
 * default (enumerate = false). getpwnam/getpwuid are left alone. */
#include <errno.h>
#include <pwd.h>
#include <stddef.h>

void setpwent(void)
{
}

void endpwent(void)
{
}

struct passwd *getpwent(void)
{
	return NULL;
}

int getpwent_r(struct passwd *pw, char *buf, size_t len, struct passwd **res)
{
	(void)pw;
	(void)buf;
	(void)len;
	*res = NULL;
	return ENOENT;
}
