/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* exitcodes.h - lchat-admin's exit statuses (documented in lchat-admin(8)
 * and --help). */
#ifndef LCHAT_ADMIN_EXITCODES_H
#define LCHAT_ADMIN_EXITCODES_H

enum admin_exit {
	ADM_OK = 0,        /* the command succeeded */
	ADM_FAIL = 1,      /* the daemon said ERR, or a runtime failure */
	ADM_USAGE = 2,     /* bad command line */
	ADM_CONFIG = 3,    /* the configuration file could not be read */
	ADM_CONNECT = 4,   /* cannot connect: no daemon, no socket, busy */
	ADM_DENIED = 5,    /* the daemon (or the socket file) refused us */
};

#endif
