/* names.h - the rules for chat names.
 *
 * A chat name is 1..NAME_MAX_LEN characters from [A-Za-z0-9._-], starting
 * with a letter or digit. Restricting names to ASCII removes the whole class
 * of Unicode look-alike, zero-width and bidi tricks. Names are compared
 * case-insensitively: name_key() gives the comparison key. */
#ifndef LCHAT_NAMES_H
#define LCHAT_NAMES_H

#include <stddef.h>
#include <stdbool.h>
#include <sys/types.h>

#define NAME_MAX_LEN 32

enum name_error {
	NAME_OK = 0,
	NAME_EMPTY,
	NAME_TOO_LONG,
	NAME_BAD_CHAR,      /* control, space, invisible, bidi or other character */
	NAME_BAD_START,     /* must start with a letter or digit */
	NAME_RESERVED,      /* looks like the server or an administrator */
	NAME_OTHERS_LOGIN,  /* another account's login name */
};

/* Check the syntax and the reserved list; n is the length in bytes. */
enum name_error name_check_syntax(const char *name, size_t n);

/* Full check for a user with uid `uid`: syntax, reserved names, and that the
 * name (compared case-insensitively) is not the login of another account. */
enum name_error name_check_for_uid(const char *name, size_t n, uid_t uid);

/* Lower-case comparison key of a valid name into key (NAME_MAX_LEN + 1). */
void name_key(const char *name, char *key);

/* True if two valid names are the same name (case-insensitive). */
bool name_equal(const char *a, const char *b);

const char *name_error_code(enum name_error e);
const char *name_error_message(enum name_error e);

#endif
