/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* fakesrv.h - a fake lchat server for the client tests: it listens on a
 * UNIX socket in a test's directory and sends whatever the test wants,
 * hostile bytes included, to check that the client trusts nothing. */
#ifndef LCHAT_E2E_FAKESRV_H
#define LCHAT_E2E_FAKESRV_H

#include <stddef.h>

struct fakesrv;

/* Listen on DIR/fake.sock. */
struct fakesrv *fake_listen(const char *dir);
const char *fake_path(const struct fakesrv *f);
/* Accept the client (fails the test after timeout_ms). */
void fake_accept(struct fakesrv *f, int timeout_ms);
/* Send bytes as they are. */
void fake_send(struct fakesrv *f, const char *bytes);
/* Read lines from the client until one matches re (anchored); returns
 * it (valid until the next call). */
const char *fake_expect(struct fakesrv *f, const char *re, int timeout_ms);
/* The usual greeting and join: HELLO, expect "JOIN name", OK JOIN name
 * seq, and answer the client's sync PING. */
void fake_greet_join(struct fakesrv *f, const char *name, unsigned seq);
/* The same with rooms (issue 17): a HELLO with rooms=1 and
 * default_room=#general, expect "PROTO 2" then "JOIN name[ LAST-SEQ]"
 * (join: the regex of that line, NULL: any), OK them (join seq `seq`),
 * answer the client's own "WHO #general" (interactive lchat asks it) with
 * the names in who (space-separated, may be NULL) and its sync PING. */
void fake_greet_rooms(struct fakesrv *f, const char *name, const char *join, unsigned seq,
		      const char *who);
/* Answer a WHO with the names in who (space-separated). */
void fake_who(struct fakesrv *f, const char *who);
/* Close the client's connection (the listening socket stays: the client
 * may connect again, fake_accept()). */
void fake_hangup(struct fakesrv *f);
void fake_close(struct fakesrv *f);

#endif
