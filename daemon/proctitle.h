/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* proctitle.h - show each process's role in ps: "lchatd: daemon",
 * "lchatd: alice". */
#ifndef LCHAT_PROCTITLE_H
#define LCHAT_PROCTITLE_H

/* Call first thing in main; takes over the argv/environ area. */
void proctitle_init(int argc, char **argv);
void proctitle_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
