/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* names.c - chat name syntax, reserved names, case-insensitive
 * comparison, look-alike skeletons and the name error codes. */
#include "names.h"

#include <ctype.h>
#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define STR_(x) #x
#define STR(x) STR_(x)

static const char *const reserved_names[] = {
	"admin", "administrator", "notice", "server", "system", "lchat",
	"lchatd", "lchat-admin", "sysadmin", "operator", "moderator",
	"everyone", "all",
};

static char ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

static bool is_separator(char c);

static bool is_name_char(char c)
{
	return is_alnum(c) || is_separator(c);
}

/* The separators a name may contain (is_name_char()); they carry no look
 * of their own, so the skeleton drops them: "r.oot", "root_" and "ro-ot"
 * are all "root". */
static bool is_separator(char c)
{
	return c == '.' || c == '_' || c == '-';
}

void name_skeleton(const char *name, char *out)
{
	char bare[NAME_MAX_LEN + 1];
	size_t n = 0, o = 0;

	/* First lower case without separators, so that a pair split by one
	 * ("r.n") still folds; then the look-alikes, left to right. */
	for (size_t i = 0; i < NAME_MAX_LEN && name[i] != '\0'; i++)
		if (!is_separator(name[i]))
			bare[n++] = ascii_lower(name[i]);
	bare[n] = '\0';
	for (size_t i = 0; i < n; i++) {
		char c = bare[i], next = bare[i + 1];

		if (c == 'r' && next == 'n') {
			c = 'm';
			i++;
		} else if (c == 'v' && next == 'v') {
			c = 'w';
			i++;
		} else if (c == '0') {
			c = 'o';
		} else if (c == '1' || c == 'i') {
			c = 'l';
		} else if (c == '5') {
			c = 's';
		}
		out[o++] = c;
	}
	out[o] = '\0';
}

/* n bytes of name, NUL-terminated, into out (NAME_MAX_LEN + 1; n fits). */
static void copy_name(const char *name, size_t n, char *out)
{
	memcpy(out, name, n);
	out[n] = '\0';
}

static bool is_reserved(const char *name, size_t n)
{
	char exact[NAME_MAX_LEN + 1], skeleton[NAME_MAX_LEN + 1], reserved[NAME_MAX_LEN + 1];

	copy_name(name, n, exact);
	name_skeleton(exact, skeleton);
	for (size_t i = 0; i < ARRAY_LEN(reserved_names); i++) {
		name_skeleton(reserved_names[i], reserved);
		if (strcmp(skeleton, reserved) == 0)
			return true;
	}
	return false;
}

enum name_error name_check_syntax(const char *name, size_t n)
{
	if (n == 0)
		return NAME_EMPTY;
	if (n > NAME_MAX_LEN)
		return NAME_TOO_LONG;
	for (size_t i = 0; i < n; i++)
		if (!is_name_char(name[i]))
			return NAME_BAD_CHAR;
	if (!is_alnum(name[0]))
		return NAME_BAD_START;
	if (is_reserved(name, n))
		return NAME_RESERVED;
	return NAME_OK;
}

void name_key(const char *name, char *key)
{
	size_t i;

	for (i = 0; i < NAME_MAX_LEN && name[i] != '\0'; i++)
		key[i] = ascii_lower(name[i]);
	key[i] = '\0';
}

bool name_equal(const char *a, const char *b)
{
	for (;; a++, b++) {
		if (ascii_lower(*a) != ascii_lower(*b))
			return false;
		if (*a == '\0')
			return true;
	}
}

/* Each name_error's reply code and sentence. */
static const struct {
	enum reply_code code;
	const char *message;
} name_errors[] = {
	[NAME_OK] = { CODE_OK, "the name is acceptable" },
	[NAME_EMPTY] = { CODE_NAME_EMPTY, "the name is empty" },
	[NAME_TOO_LONG] = { CODE_NAME_TOO_LONG, "names are at most " STR(NAME_MAX_LEN) " characters" },
	[NAME_BAD_CHAR] = { CODE_NAME_BAD_CHAR,
			    "names may contain only letters, digits, '.', '-' and '_'" },
	[NAME_BAD_START] = { CODE_NAME_BAD_START, "names must start with a letter or a digit" },
	[NAME_RESERVED] = { CODE_NAME_RESERVED,
			    "that name is reserved, or looks like a reserved name" },
	[NAME_OTHERS_LOGIN] = { CODE_NAME_OTHERS_LOGIN,
				"that name is, or looks like, another user's login name" },
	[NAME_CONFUSABLE] = { CODE_NAME_CONFUSABLE,
			      "that name looks like the name of another user in the room" },
};
#define N_NAME_ERRORS (sizeof(name_errors) / sizeof(name_errors[0]))

enum reply_code name_error_reply(enum name_error e)
{
	return (unsigned)e < N_NAME_ERRORS ? name_errors[e].code : CODE_COUNT;
}

const char *name_error_code(enum name_error e)
{
	return code_word(name_error_reply(e));
}

const char *name_error_message(enum name_error e)
{
	return (unsigned)e < N_NAME_ERRORS ? name_errors[e].message : "unknown name error";
}

bool room_name_ok(const char *s, size_t n)
{
	if (n == 0 || n > ROOM_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = (char)tolower((unsigned char)s[i]);
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			return false;
	}
	return true;
}
