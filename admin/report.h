/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* report.h - print what a successful reply means, one verb at a time:
 * a line for people, or with --json a document for programs. Each is the
 * `report` of its verb's row in command.c's table. */
#ifndef LCHAT_ADMIN_REPORT_H
#define LCHAT_ADMIN_REPORT_H

#include <stdbool.h>

#include "conn.h"

/* Print the result of reply r (which ended in OK or PONG) to stdout.
 * Return an admin_exit code: ADM_FAIL if the reply does not read as the
 * protocol says (a message is printed). */
int report_notice(const struct reply *r, bool json);
int report_who(const struct reply *r, bool json);
int report_kick(const struct reply *r, bool json);
int report_mute(const struct reply *r, bool json);
int report_unmute(const struct reply *r, bool json);
int report_ban(const struct reply *r, bool json);
int report_unban(const struct reply *r, bool json);
int report_bans(const struct reply *r, bool json);
int report_status(const struct reply *r, bool json);
int report_reload(const struct reply *r, bool json);
int report_shutdown(const struct reply *r, bool json);
int report_ping(const struct reply *r, bool json);
int report_rooms(const struct reply *r, bool json);

#endif
