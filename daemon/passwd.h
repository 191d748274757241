/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* passwd.h - the password database asked directly of the C library's
 * name service: the walk that fills the accounts table (accounts.h) and
 * the lookup it falls back on, the control socket's lookups, and the
 * preload done before the daemon forks. */
#ifndef LCHAT_PASSWD_H
#define LCHAT_PASSWD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The password database, by login (login != NULL) or by uid: the uid and
 * the login name (into name, if given) of the account, or false if there
 * is none or the lookup fails. */
bool passwd_find(const char *login, uid_t uid, uid_t *uid_out, char *name, size_t len);
/* Login name for uid into buf; "uid<N>" if the account has no name. */
void login_of_uid(uid_t uid, char *buf, size_t len);
/* The uid of the account named login; false if there is none (or the
 * lookup fails). */
bool uid_of_login(const char *login, uid_t *uid);

/* Call fn(login, uid, arg) for each account the password database
 * enumerates (getpwent_r), until fn returns true; returns whether one did.
 * A database that cannot be enumerated (some LDAP setups) yields only the
 * accounts it lists. */
bool for_each_account(bool (*fn)(const char *login, uid_t uid, void *arg), void *arg);
/* Load the C library's name-service modules (passwd lookups) now, so that
 * processes forked later share their pages instead of each loading and
 * relocating its own copy (about 40 KiB per process that looks up). */
void nss_preload(void);

#endif
