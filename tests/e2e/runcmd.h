/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* runcmd.h - run a program as a child, feed its stdin, capture its stdout
 * and stderr, wait for it with a deadline (then SIGKILL it, by pid), and
 * optionally run it as another user. For tests of the command-line tools
 * (lchat-admin, make install). */
#ifndef LCHAT_E2E_RUNCMD_H
#define LCHAT_E2E_RUNCMD_H

#include <stdbool.h>
#include <sys/types.h>

struct cmd_result {
	int status;             /* wait status; -1: killed after the deadline */
	int code;               /* exit code 0..255, -1 if it did not exit */
	char *out;              /* stdout, NUL-terminated (free with cmd_result_free) */
	char *err;              /* stderr, the same */
};

struct cmd_opts {
	const char *input;      /* stdin (NULL: /dev/null) */
	uid_t uid;              /* run as this uid and gid, no groups ... */
	bool as_user;           /* ... if set (needs root) */
	const char *cwd;        /* working directory (NULL: ours) */
	int timeout_ms;         /* 0: 20 s */
};

/* Run argv (argv[0] a path; NULL-terminated). Fails the test if it cannot
 * be started. Returns r->code. */
int run_cmd(struct cmd_result *r, const struct cmd_opts *o, char *const argv[]);
void cmd_result_free(struct cmd_result *r);

/* The other user of the tests that need one (nobody's usual uid). */
#define NOBODY 65534

/* Become uid, with the same gid and no supplementary groups (needs root);
 * for a child about to run or connect as that user. 0, or -1 (errno). */
int become_uid(uid_t uid);

#endif
