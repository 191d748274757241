/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* check_names.c - unit tests for common/names.c: name syntax, reserved
 * names and case-insensitive keys; and for the login-name rule
 * (name_check_for_uid(), daemon/accounts.c). */
#include <check.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "accounts.h"
#include "names.h"

#define NAME_32 "abcdefghijklmnopqrstuvwxyz012345"
#define NAME_33 NAME_32 "6"

struct name_case {
	const char *name;
	size_t n;
	enum name_error err;
};

static const struct name_case syntax_cases[] = {
	{ S("a"), NAME_OK },
	{ S("Z"), NAME_OK },
	{ S("7"), NAME_OK },
	{ S("alice"), NAME_OK },
	{ S("Bob_42"), NAME_OK },
	{ S("x.y-z_w"), NAME_OK },
	{ S("9lives"), NAME_OK },
	{ S("a.."), NAME_OK },
	{ S("a-"), NAME_OK },
	{ S("a_"), NAME_OK },
	{ S(NAME_32), NAME_OK },
	{ S("root"), NAME_OK },
	{ S("nobody"), NAME_OK },
	{ S("admins"), NAME_OK },
	{ S("admin1"), NAME_OK },
	{ S("xadmin"), NAME_OK },
	{ S("admi"), NAME_OK },
	{ S("lchat2"), NAME_OK },
	{ S("lchat-admins"), NAME_OK },
	{ S("notices"), NAME_OK },
	{ S("al"), NAME_OK },
	/* length */
	{ "", 0, NAME_EMPTY },
	{ S(NAME_33), NAME_TOO_LONG },
	{ S(NAME_32 NAME_32 NAME_32), NAME_TOO_LONG },
	/* characters */
	{ S("al ice"), NAME_BAD_CHAR },
	{ S(" alice"), NAME_BAD_CHAR },
	{ S("alice "), NAME_BAD_CHAR },
	{ S("alice\n"), NAME_BAD_CHAR },
	{ S("a\tb"), NAME_BAD_CHAR },
	{ S("a\0b"), NAME_BAD_CHAR },
	{ S("\x1B[31m"), NAME_BAD_CHAR },
	{ S("a\x7F"), NAME_BAD_CHAR },
	{ S("a/b"), NAME_BAD_CHAR },
	{ S("a@b"), NAME_BAD_CHAR },
	{ S("a:b"), NAME_BAD_CHAR },
	{ S("a,b"), NAME_BAD_CHAR },
	{ S("a+b"), NAME_BAD_CHAR },
	{ S("a*"), NAME_BAD_CHAR },
	{ S("[notice]"), NAME_BAD_CHAR },
	{ S("caf\xC3\xA9"), NAME_BAD_CHAR },
	{ S("\xC3\xA9"), NAME_BAD_CHAR },
	{ S("al\xE2\x80\x8Bice"), NAME_BAD_CHAR },
	{ S("alice\xE2\x80\x8D"), NAME_BAD_CHAR },
	{ S("\xE2\x80\xAE" "ecila"), NAME_BAD_CHAR },
	{ S("\xD0\xB0lice"), NAME_BAD_CHAR },
	{ S("\xC2\xA0" "a"), NAME_BAD_CHAR },
	{ S("a\xFF"), NAME_BAD_CHAR },
	/* first character */
	{ S("_alice"), NAME_BAD_START },
	{ S("-alice"), NAME_BAD_START },
	{ S(".alice"), NAME_BAD_START },
	{ S("."), NAME_BAD_START },
	{ S(".."), NAME_BAD_START },
	{ S("-"), NAME_BAD_START },
	{ S("_"), NAME_BAD_START },
	/* reserved */
	{ S("admin"), NAME_RESERVED },
	{ S("Admin"), NAME_RESERVED },
	{ S("SERVER"), NAME_RESERVED },
	{ S("lchat-admin"), NAME_RESERVED },
	{ S("LChatD"), NAME_RESERVED },
	{ S("All"), NAME_RESERVED },
};

START_TEST(test_syntax_table)
{
	const struct name_case *c = &syntax_cases[_i];
	enum name_error e = name_check_syntax(c->name, c->n);

	ck_assert_msg(e == c->err, "case %d: got %s, want %s", _i,
		      name_error_code(e), name_error_code(c->err));
}
END_TEST

/* Only n bytes count, not the string up to a NUL. */
START_TEST(test_syntax_uses_n)
{
	ck_assert_int_eq(name_check_syntax("alice!!!", 5), NAME_OK);
	ck_assert_int_eq(name_check_syntax("admin-x", 5), NAME_RESERVED);
	ck_assert_int_eq(name_check_syntax("admin", 4), NAME_OK);
	ck_assert_int_eq(name_check_syntax(NAME_33, 32), NAME_OK);
	ck_assert_int_eq(name_check_syntax("alice", 0), NAME_EMPTY);
}
END_TEST

/* Every byte outside [A-Za-z0-9._-] is rejected, at the start or inside. */
START_TEST(test_syntax_every_byte)
{
	for (int c = 0; c < 256; c++) {
		char inside[3] = { 'a', (char)c, 'b' };
		char first[2] = { (char)c, 'a' };
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9');
		bool punct = c == '.' || c == '_' || c == '-';
		enum name_error e = name_check_syntax(first, 2);

		ck_assert_int_eq(name_check_syntax(inside, 3),
				 alnum || punct ? NAME_OK : NAME_BAD_CHAR);
		ck_assert_int_eq(e, alnum ? NAME_OK :
				    punct ? NAME_BAD_START : NAME_BAD_CHAR);
	}
}
END_TEST

static const char *const reserved[] = {
	"admin", "administrator", "notice", "server", "system", "lchat",
	"lchatd", "lchat-admin", "sysadmin", "operator", "moderator",
	"everyone", "all",
};

/* Each reserved name, lower, upper and alternating case. */
START_TEST(test_reserved_any_case)
{
	const char *r = reserved[_i];
	size_t n = strlen(r);
	char upper[64], mixed[64];

	for (size_t i = 0; i <= n; i++) {
		char c = r[i];
		char up = (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;

		upper[i] = up;
		mixed[i] = (i % 2) ? up : c;
	}
	ck_assert_int_eq(name_check_syntax(r, n), NAME_RESERVED);
	ck_assert_int_eq(name_check_syntax(upper, n), NAME_RESERVED);
	ck_assert_int_eq(name_check_syntax(mixed, n), NAME_RESERVED);
	ck_assert_int_eq(name_check_for_uid(mixed, n, getuid()), NAME_RESERVED);
}
END_TEST

START_TEST(test_not_reserved)
{
	static const char *const ok[] = {
		"root", "nobody", "alice", "admin2", "alll", "al", "lchat-adm",
		"system32", "operators", "everyone2", "notice.board",
	};

	for (size_t i = 0; i < LEN(ok); i++)
		ck_assert_msg(name_check_syntax(ok[i], strlen(ok[i])) == NAME_OK,
			      "%s should be allowed", ok[i]);
}
END_TEST

/* ---- keys and comparison ---- */

START_TEST(test_name_key)
{
	static const struct {
		const char *name, *key;
	} cases[] = {
		{ "alice", "alice" },
		{ "AliCe", "alice" },
		{ "A.B_C-9", "a.b_c-9" },
		{ "ZZZ", "zzz" },
		{ "0123456789", "0123456789" },
		{ "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", NAME_32 },
	};
	char key[NAME_MAX_LEN + 1];

	for (size_t i = 0; i < LEN(cases); i++) {
		memset(key, 'X', sizeof(key));
		name_key(cases[i].name, key);
		ck_assert_str_eq(key, cases[i].key);
	}
}
END_TEST

START_TEST(test_name_equal)
{
	ck_assert(name_equal("alice", "alice"));
	ck_assert(name_equal("alice", "ALICE"));
	ck_assert(name_equal("Bob.X", "bOB.x"));
	ck_assert(name_equal("a-_9", "A-_9"));
	ck_assert(name_equal(NAME_32, "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"));
	ck_assert(!name_equal("alice", "alicf"));
	ck_assert(!name_equal("alice", "alice2"));
	ck_assert(!name_equal("alice2", "alice"));
	ck_assert(!name_equal("a", ""));
	ck_assert(!name_equal("a-b", "a_b"));
	ck_assert(!name_equal("a.b", "a-b"));
	/* '@' and '`' differ from 'A' and 'a' by the case bit: no match */
	ck_assert(!name_equal("@", "`"));
	ck_assert(!name_equal("[", "{"));
}
END_TEST

/* Names that compare equal have equal keys, and the other way round. */
START_TEST(test_key_agrees_with_equal)
{
	static const char *const names[] = {
		"alice", "ALICE", "Alice", "alice2", "bob", "BOB", "b.o.b",
		"B.O.B", "x-y", "X_Y", "x_y",
	};
	char ka[NAME_MAX_LEN + 1], kb[NAME_MAX_LEN + 1];

	for (size_t i = 0; i < LEN(names); i++) {
		for (size_t j = 0; j < LEN(names); j++) {
			name_key(names[i], ka);
			name_key(names[j], kb);
			ck_assert_int_eq(strcmp(ka, kb) == 0,
					 name_equal(names[i], names[j]));
		}
	}
}
END_TEST

/* ---- the login rule ---- */

/* Login name of uid 0, normally "root". */
static void root_login(char *buf, size_t len)
{
	struct passwd *pw = getpwuid(0);

	ck_assert_ptr_nonnull(pw);
	ck_assert_uint_lt(strlen(pw->pw_name), len);
	strcpy(buf, pw->pw_name);
}

static void upcase(char *s)
{
	for (; *s; s++)
		if (*s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
}

START_TEST(test_login_of_other)
{
	char root[64], upper[64];

	root_login(root, sizeof(root));
	strcpy(upper, root);
	upcase(upper);
	ck_assert_int_eq(name_check_for_uid(root, strlen(root), 1000),
			 NAME_OTHERS_LOGIN);
	ck_assert_int_eq(name_check_for_uid(upper, strlen(upper), 1000),
			 NAME_OTHERS_LOGIN);
	ck_assert_int_eq(name_check_for_uid(S("Root"), 1000), NAME_OTHERS_LOGIN);
	/* the syntax check alone does not know about logins */
	ck_assert_int_eq(name_check_syntax(root, strlen(root)), NAME_OK);
}
END_TEST

START_TEST(test_login_of_self)
{
	char root[64], upper[64];

	root_login(root, sizeof(root));
	strcpy(upper, root);
	upcase(upper);
	ck_assert_int_eq(name_check_for_uid(root, strlen(root), 0), NAME_OK);
	ck_assert_int_eq(name_check_for_uid(upper, strlen(upper), 0), NAME_OK);
}
END_TEST

/* The account running the tests may use its own login. */
START_TEST(test_login_of_current_user)
{
	struct passwd *pw = getpwuid(getuid());
	char name[NAME_MAX_LEN + 1];
	size_t n;

	if (!pw)
		return;
	n = strlen(pw->pw_name);
	if (name_check_syntax(pw->pw_name, n) != NAME_OK)
		return;
	memcpy(name, pw->pw_name, n + 1);
	ck_assert_int_eq(name_check_for_uid(name, n, getuid()), NAME_OK);
	ck_assert_int_eq(name_check_for_uid(name, n, getuid() + 1),
			 NAME_OTHERS_LOGIN);
}
END_TEST

START_TEST(test_login_unknown)
{
	ck_assert_ptr_null(getpwnam("zz-no-such-user-q"));
	ck_assert_int_eq(name_check_for_uid(S("zz-no-such-user-q"), 1000), NAME_OK);
	ck_assert_int_eq(name_check_for_uid(S("ZZ-No-Such-User-Q"), 0), NAME_OK);
}
END_TEST

/* Syntax and reserved errors come before any account lookup. */
START_TEST(test_login_check_order)
{
	ck_assert_int_eq(name_check_for_uid("", 0, 1000), NAME_EMPTY);
	ck_assert_int_eq(name_check_for_uid(S(NAME_33), 1000), NAME_TOO_LONG);
	ck_assert_int_eq(name_check_for_uid(S("ro ot"), 1000), NAME_BAD_CHAR);
	ck_assert_int_eq(name_check_for_uid(S("root\n"), 1000), NAME_BAD_CHAR);
	ck_assert_int_eq(name_check_for_uid(S("_root"), 1000), NAME_BAD_START);
	ck_assert_int_eq(name_check_for_uid(S("admin"), 0), NAME_RESERVED);
	/* only n bytes are looked up */
	ck_assert_int_eq(name_check_for_uid("rootless", 4, 1000),
			 getpwnam("root") ? NAME_OTHERS_LOGIN : NAME_OK);
}
END_TEST

/* ---- look-alikes ---- */

static const struct {
	const char *name, *skeleton;
} skeletons[] = {
	{ "alice", "allce" }, { "ALICE", "allce" }, { "a1ice", "allce" },
	{ "aIice", "allce" }, { "aLiCe", "allce" }, { "al1ce", "allce" },
	{ "b0b", "bob" }, { "B0B", "bob" }, { "5am", "sam" }, { "rnary", "mary" },
	{ "vvendy", "wendy" }, { "vvv", "wv" }, { "rnrn", "mm" }, { "rrn", "rm" },
	{ "x.y-z_w", "xyzw" }, { "0123456789", "ol234s6789" },
	{ "root.", "root" }, { "r.oot", "root" }, { "_root", "root" }, { "ro-ot", "root" },
	{ "admin_", "admln" }, { "bob1.", "bobl" }, { "r.n", "m" }, { "v-v", "w" },
	{ "a.-_b", "ab" }, { "...", "" },
	{ "R", "r" }, { "r", "r" }, { "v", "v" },
};

START_TEST(test_skeleton)
{
	char out[NAME_MAX_LEN + 1];

	name_skeleton(skeletons[_i].name, out);
	ck_assert_str_eq(out, skeletons[_i].skeleton);
	/* a skeleton is its own skeleton */
	name_skeleton(skeletons[_i].skeleton, out);
	ck_assert_str_eq(out, skeletons[_i].skeleton);
}
END_TEST

/* Two names look alike: they have the same skeleton (what the room and
 * the login rule compare). */
static bool name_confusable(const char *a, const char *b)
{
	char sa[NAME_MAX_LEN + 1], sb[NAME_MAX_LEN + 1];

	name_skeleton(a, sa);
	name_skeleton(b, sb);
	return strcmp(sa, sb) == 0;
}

START_TEST(test_confusable)
{
	static const char *const like_alice[] = { "alice", "Alice", "a1ice", "aIice", "al1ce",
						  "ALlCE", "a1Ice", "alice.", "a.lice", "_alice",
						  "al-ice", "A_L_I_C_E", "a1i.ce-" };
	static const char *const unlike_alice[] = { "alice2", "alce", "alices", "aiice2",
						    "a.lice2", "bob" };

	for (size_t i = 0; i < LEN(like_alice); i++)
		for (size_t j = 0; j < LEN(like_alice); j++)
			ck_assert_msg(name_confusable(like_alice[i], like_alice[j]), "%s %s",
				      like_alice[i], like_alice[j]);
	for (size_t i = 0; i < LEN(unlike_alice); i++)
		ck_assert_msg(!name_confusable("alice", unlike_alice[i]), "%s",
			      unlike_alice[i]);
	ck_assert(name_confusable("rnallory", "mallory"));
	ck_assert(name_confusable("vvho", "who"));
	ck_assert(!name_confusable("rn", "r"));
}
END_TEST

/* Look-alikes of reserved names are reserved. */
START_TEST(test_reserved_lookalikes)
{
	static const char *const bad[] = { "adm1n", "ADM1N", "N0TICE", "n0t1ce", "5erver",
					   "5y5tem", "lchat-adrnin", "0perat0r", "a11", "AIl",
					   "adminIstrator", "rnoderator", "admin_", "admin.",
					   "ad-min", "a.d.m.i.n", "sys_admin", "lchat_admin",
					   "lchatadmin", "every-one", "n.otice" };

	for (size_t i = 0; i < LEN(bad); i++)
		ck_assert_msg(name_check_syntax(bad[i], strlen(bad[i])) == NAME_RESERVED,
			      "%s should be reserved", bad[i]);
}
END_TEST

/* Look-alikes of another account's login are refused, those of one's own
 * login are not; uid 0 is "root" on every test machine. */
START_TEST(test_login_lookalikes)
{
	char root[64];

	root_login(root, sizeof(root));
	if (strcmp(root, "root") != 0)
		return;
	/* Before the accounts are read, only exact logins count. */
	ck_assert_int_eq(name_check_for_uid(S("r00t"), 1000), NAME_OK);
	ck_assert_int_gt(accounts_load(), 0);
	ck_assert_int_eq(name_check_for_uid(S("r00t"), 1000), NAME_OTHERS_LOGIN);
	ck_assert_int_eq(name_check_for_uid(S("R0OT"), 1000), NAME_OTHERS_LOGIN);
	ck_assert_int_eq(name_check_for_uid(S("r0ot"), 0), NAME_OK);
	ck_assert_int_eq(name_check_for_uid(S("r00ts"), 1000), NAME_OK);
	/* Reading them again replaces the table. */
	ck_assert_int_gt(accounts_load(), 0);
	ck_assert_int_eq(name_check_for_uid(S("r00t"), 1000), NAME_OTHERS_LOGIN);
	accounts_free();
	ck_assert_int_eq(name_check_for_uid(S("r00t"), 1000), NAME_OK);
}
END_TEST

/* ---- error strings ---- */

START_TEST(test_error_strings)
{
	static const struct {
		enum name_error e;
		const char *code;
	} codes[] = {
		{ NAME_OK, "ok" },
		{ NAME_EMPTY, "name-empty" },
		{ NAME_TOO_LONG, "name-too-long" },
		{ NAME_BAD_CHAR, "name-bad-char" },
		{ NAME_BAD_START, "name-bad-start" },
		{ NAME_RESERVED, "name-reserved" },
		{ NAME_OTHERS_LOGIN, "name-others-login" },
		{ NAME_CONFUSABLE, "name-confusable" },
	};

	for (size_t i = 0; i < LEN(codes); i++) {
		const char *msg = name_error_message(codes[i].e);

		ck_assert_str_eq(name_error_code(codes[i].e), codes[i].code);
		ck_assert_ptr_nonnull(msg);
		ck_assert_uint_gt(strlen(msg), 5);
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(msg, name_error_message(codes[j].e));
	}
	ck_assert_str_eq(name_error_message(NAME_TOO_LONG),
			 "names are at most 32 characters");
	ck_assert_str_eq(name_error_message(NAME_RESERVED),
			 "that name is reserved, or looks like a reserved name");
	ck_assert_ptr_nonnull(name_error_code((enum name_error)99));
	ck_assert_ptr_nonnull(name_error_message((enum name_error)99));
}
END_TEST

static Suite *names_suite(void)
{
	Suite *s = suite_create("names");
	TCase *tc;

	tc = tcase_create("syntax");
	tcase_add_loop_test(tc, test_syntax_table, 0, LEN(syntax_cases));
	tcase_add_test(tc, test_syntax_uses_n);
	tcase_add_test(tc, test_syntax_every_byte);
	tcase_add_loop_test(tc, test_reserved_any_case, 0, LEN(reserved));
	tcase_add_test(tc, test_not_reserved);
	tcase_add_loop_test(tc, test_skeleton, 0, LEN(skeletons));
	tcase_add_test(tc, test_confusable);
	tcase_add_test(tc, test_reserved_lookalikes);
	suite_add_tcase(s, tc);

	tc = tcase_create("compare");
	tcase_add_test(tc, test_name_key);
	tcase_add_test(tc, test_name_equal);
	tcase_add_test(tc, test_key_agrees_with_equal);
	suite_add_tcase(s, tc);

	tc = tcase_create("login");
	tcase_add_test(tc, test_login_of_other);
	tcase_add_test(tc, test_login_of_self);
	tcase_add_test(tc, test_login_of_current_user);
	tcase_add_test(tc, test_login_unknown);
	tcase_add_test(tc, test_login_check_order);
	tcase_add_test(tc, test_login_lookalikes);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, test_error_strings);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(names_suite());
}
