/* names.c - chat name syntax, reserved names, the login-name rule and
 * case-insensitive comparison. */
#include "names.h"

#include <string.h>

#include "util.h"

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

static bool is_name_char(char c)
{
	return is_alnum(c) || c == '.' || c == '_' || c == '-';
}

static bool equal_ci(const char *a, size_t n, const char *b)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] == '\0' || ascii_lower(a[i]) != ascii_lower(b[i]))
			return false;
	return b[n] == '\0';
}

static bool is_reserved(const char *name, size_t n)
{
	for (size_t i = 0; i < ARRAY_LEN(reserved_names); i++)
		if (equal_ci(name, n, reserved_names[i]))
			return true;
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

static bool is_others_login(const char *login, uid_t uid)
{
	uid_t owner;

	return uid_of_login(login, &owner) && owner != uid;
}

enum name_error name_check_for_uid(const char *name, size_t n, uid_t uid)
{
	char exact[NAME_MAX_LEN + 1], lower[NAME_MAX_LEN + 1];
	enum name_error err = name_check_syntax(name, n);

	if (err != NAME_OK)
		return err;
	memcpy(exact, name, n);
	exact[n] = '\0';
	name_key(exact, lower);
	if (is_others_login(exact, uid))
		return NAME_OTHERS_LOGIN;
	if (strcmp(exact, lower) != 0 && is_others_login(lower, uid))
		return NAME_OTHERS_LOGIN;
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

const char *name_error_code(enum name_error e)
{
	switch (e) {
	case NAME_OK:
		return "ok";
	case NAME_EMPTY:
		return "name-empty";
	case NAME_TOO_LONG:
		return "name-too-long";
	case NAME_BAD_CHAR:
		return "name-bad-char";
	case NAME_BAD_START:
		return "name-bad-start";
	case NAME_RESERVED:
		return "name-reserved";
	case NAME_OTHERS_LOGIN:
		return "name-others-login";
	}
	return "unknown";
}

const char *name_error_message(enum name_error e)
{
	switch (e) {
	case NAME_OK:
		return "the name is acceptable";
	case NAME_EMPTY:
		return "the name is empty";
	case NAME_TOO_LONG:
		return "names are at most " STR(NAME_MAX_LEN) " characters";
	case NAME_BAD_CHAR:
		return "names may contain only letters, digits, '.', '-' and '_'";
	case NAME_BAD_START:
		return "names must start with a letter or a digit";
	case NAME_RESERVED:
		return "that name is reserved";
	case NAME_OTHERS_LOGIN:
		return "that name is another user's login name";
	}
	return "unknown name error";
}
