/* report.h - print what a successful reply means, one verb at a time:
 * a line for people, or with --json a document for programs. */
#ifndef LCHAT_ADMIN_REPORT_H
#define LCHAT_ADMIN_REPORT_H

#include <stdbool.h>

#include "command.h"
#include "conn.h"

/* Print the result of verb's reply r (which ended in OK or PONG) to
 * stdout. Returns an admin_exit code: ADM_FAIL if the reply does not
 * read as the protocol says (a message is printed). */
int report(enum admin_verb verb, const struct reply *r, bool json);

#endif
