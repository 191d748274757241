/* util.h - small system helpers shared by all programs. */
#ifndef LCHAT_UTIL_H
#define LCHAT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Write all of buf to a blocking fd, retrying on EINTR. 0 or -1 (errno). */
int write_all(int fd, const void *buf, size_t n);
/* Milliseconds: wall clock (for event times) and monotonic (for timers). */
int64_t now_ms(void);
int64_t mono_ms(void);
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
/* Ignore SIGPIPE in this process (writes then fail with EPIPE). */
int ignore_sigpipe(void);
/* Block the n signals in sigs (sigprocmask `how`: SIG_BLOCK adds them,
 * SIG_SETMASK makes them the whole mask) and return a non-blocking,
 * close-on-exec signalfd that reads them; -1 on error. */
int signalfd_for(int how, const int *sigs, size_t n);
/* Open a UNIX stream client socket to path (O_CLOEXEC); -1 on error. */
int unix_connect(const char *path);

#endif
