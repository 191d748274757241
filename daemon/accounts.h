/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* accounts.h - the password database as lchat reads it.
 *
 * The daemon reads every account the database enumerates (login, uid and
 * the login's look-alike skeleton) into a table before it forks handlers,
 * again at each reload, and again before it forks the next handler once
 * /etc/passwd has changed (accounts_stale()); handlers share the table
 * read-only. Lookups the table cannot answer (an account created since,
 * or a database that does not enumerate, such as LDAP through sssd by
 * default) go to the name service, in a short-lived child of the caller:
 * the name service's allocations (stdio buffers, varlink and JSON state)
 * would otherwise stay in a handler's heap as private pages for its whole
 * life, about 24 KiB per user. (Nothing here writes a global after accounts_load(): a flag
 * set in each handler would cost it a private page too.)
 *
 * On the table rests the login-name rule (name_check_for_uid()): a chat
 * name may not be, or look like, another account's login. The rules that
 * need no accounts are in common/names.h. */
#ifndef LCHAT_ACCOUNTS_H
#define LCHAT_ACCOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "names.h"

/* Read the table, replacing the one a previous call made. Returns the
 * number of accounts, or -1 (out of memory: no table, every lookup goes
 * to the name service). */
long accounts_load(void);
void accounts_free(void);
/* Has /etc/passwd changed (or come or gone) since the table was read?
 * One stat(); changes to other databases (LDAP, sssd) need a reload. */
bool accounts_stale(void);

/* The login of uid into buf; "uid<N>" if the account has no name. */
void account_login(uid_t uid, char *buf, size_t len);
/* The uid of the account named login (exactly); false if there is none. */
bool account_uid(const char *login, uid_t *uid);
/* Is there an account of another uid than `uid` whose login has this
 * skeleton (name_skeleton)? Table only: look-alikes cannot be asked of
 * the name service. */
bool account_looks_like(const char *skeleton, uid_t uid);

/* Full check of a chat name for a user with uid `uid`: the rules of
 * names.h (syntax, reserved names and their look-alikes), and that the
 * name is neither the login of another account (compared
 * case-insensitively) nor confusable with one. The user's own login name
 * is always accepted. Logins are looked up in the table, and exact ones
 * the table lacks in the name service; look-alike logins are found in the
 * table only (none before accounts_load()). */
enum name_error name_check_for_uid(const char *name, size_t n, uid_t uid);

/* name_check_for_uid() in two steps, so that a caller can make every
 * cheap refusal before the costly one. name_check_known() forks nothing:
 * the names.h rules, then the table (exact logins, in either case, and
 * look-alikes). When it accepts a name the table cannot vouch for (no
 * login of the table has it, nor is it one's own), it sets *ask: only
 * then does name_check_service() have to ask the name service whether an
 * account the table lacks has that exact login, in one child for both
 * cases of the name. */
enum name_error name_check_known(const char *name, size_t n, uid_t uid, bool *ask);
enum name_error name_check_service(const char *name, size_t n, uid_t uid);

#endif
