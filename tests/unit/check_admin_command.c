/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* check_admin_command.c - lchat-admin's command lines turned into control
 * socket commands: durations, ban's optional duration, usage errors, and
 * arguments that would smuggle in a second command. */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "command.h"
#include "conn.h"

static char out[256], err[256];

/* Build verb's command from a NULL-terminated word list; 0 or -1. */
#define BUILD(verb, ...) \
	admin_build_command(verb, (int)(LEN(((char *[]){ __VA_ARGS__ })) - 1), \
			    (char *const *)(char *[]){ __VA_ARGS__ }, out, sizeof(out), err, sizeof(err))

/* BUILD succeeds, and the command is `want`. */
#define BUILDS(want, verb, ...) \
	do { \
		ck_assert_int_eq(BUILD(verb, __VA_ARGS__), 0); \
		ck_assert_str_eq(out, want); \
	} while (0)

START_TEST(verbs_are_looked_up)
{
	ck_assert_int_eq(admin_verb_lookup("notice"), AV_NOTICE);
	ck_assert_int_eq(admin_verb_lookup("ban"), AV_BAN);
	ck_assert_int_eq(admin_verb_lookup("bans"), AV_BANS);
	ck_assert_int_eq(admin_verb_lookup("ping"), AV_PING);
	ck_assert_int_eq(admin_verb_lookup("BAN"), AV_NONE);
	ck_assert_int_eq(admin_verb_lookup("quit"), AV_NONE);
	ck_assert_int_eq(admin_verb_lookup(""), AV_NONE);
}
END_TEST

START_TEST(simple_verbs)
{
	BUILDS("NOTICE server reboots at 18:00", AV_NOTICE, "server", "reboots", "at", "18:00", NULL);
	BUILDS("WHO", AV_WHO, NULL);
	BUILDS("STATUS", AV_STATUS, NULL);
	BUILDS("SHUTDOWN", AV_SHUTDOWN, NULL);
	BUILDS("SHUTDOWN back at six", AV_SHUTDOWN, "back", "at", "six", NULL);
	BUILDS("KICK alice", AV_KICK, "alice", NULL);
	BUILDS("KICK alice stop flooding", AV_KICK, "alice", "stop", "flooding", NULL);
	BUILDS("UNBAN #65534", AV_UNBAN, "#65534", NULL);
	BUILDS("UNMUTE bob", AV_UNMUTE, "bob", NULL);
}
END_TEST

START_TEST(mute_durations)
{
	BUILDS("MUTE bob 0", AV_MUTE, "bob", NULL);
	BUILDS("MUTE bob 600", AV_MUTE, "bob", "10m", NULL);
	BUILDS("MUTE bob 5400", AV_MUTE, "bob", "1h30m", NULL);
	BUILDS("MUTE bob 0", AV_MUTE, "bob", "forever", NULL);
	ck_assert_int_eq(BUILD(AV_MUTE, "bob", "soon", NULL), -1);
	ck_assert_ptr_nonnull(strstr(err, "bad duration 'soon'"));
	ck_assert_int_eq(BUILD(AV_MUTE, "bob", "10m", "extra", NULL), -1);
	ck_assert_ptr_nonnull(strstr(err, "usage: lchat-admin mute"));
}
END_TEST

START_TEST(ban_duration_is_optional)
{
	BUILDS("BAN nobody 0", AV_BAN, "nobody", NULL);
	BUILDS("BAN nobody 7200", AV_BAN, "nobody", "2h", NULL);
	BUILDS("BAN #65534 86400 spamming links", AV_BAN, "#65534", "1d", "spamming", "links", NULL);
	/* Not a duration: the reason starts there and the ban has no end. */
	BUILDS("BAN nobody 0 spamming links", AV_BAN, "nobody", "spamming", "links", NULL);
	BUILDS("BAN nobody 0 for good", AV_BAN, "nobody", "forever", "for", "good", NULL);
	BUILDS("BAN nobody 0 3rd warning", AV_BAN, "nobody", "permanent", "3rd", "warning", NULL);
}
END_TEST

/* Written as a duration but not one: the same error for ban and mute,
 * never a ban with no end (issue 16 item 11). */
START_TEST(bad_duration_same_for_ban_and_mute)
{
	static char *bad[] = { "1.5h", "-5", "99999999999w", "1h30", "3rd" };
	char mute_err[256];
	for (size_t i = 0; i < LEN(bad); i++) {
		ck_assert_int_eq(BUILD(AV_MUTE, "bob", bad[i], NULL), -1);
		snprintf(mute_err, sizeof(mute_err), "%s", err);
		ck_assert_msg(strncmp(err, "bad duration '", 14) == 0, "%s", err);
		ck_assert_int_eq(BUILD(AV_BAN, "bob", bad[i], NULL), -1);
		ck_assert_str_eq(err, mute_err);
		ck_assert_int_eq(BUILD(AV_BAN, "bob", bad[i], "spam", NULL), -1);
		ck_assert_str_eq(err, mute_err);
	}
	/* "2 hours": one word too many for mute, a reason for ban, were it
	 * not a duration split in two. */
	ck_assert_int_eq(BUILD(AV_MUTE, "bob", "2", "hours", NULL), -1);
	ck_assert_str_eq(err, "bad duration '2 hours' (a duration is one word: 2h, not 2 hours)");
	ck_assert_int_eq(BUILD(AV_BAN, "bob", "2", "hours", "spam", NULL), -1);
	ck_assert_str_eq(err, "bad duration '2 hours' (a duration is one word: 2h, not 2 hours)");
}
END_TEST

START_TEST(usage_errors)
{
	ck_assert_int_eq(BUILD(AV_NOTICE, NULL), -1);
	ck_assert_int_eq(BUILD(AV_KICK, NULL), -1);
	ck_assert_ptr_nonnull(strstr(err, "kick NAME"));
	ck_assert_int_eq(BUILD(AV_WHO, "extra", NULL), -1);
	ck_assert_int_eq(BUILD(AV_UNBAN, "a", "b", NULL), -1);
	ck_assert_int_eq(BUILD(AV_BAN, "", NULL), -1);
	ck_assert_int_eq(BUILD(AV_KICK, "two words", NULL), -1);
	ck_assert_int_eq(BUILD(AV_NONE, NULL), -1);
}
END_TEST

START_TEST(no_second_command_smuggled)
{
	ck_assert_int_eq(BUILD(AV_NOTICE, "hi\nSHUTDOWN", NULL), -1);
	ck_assert_ptr_nonnull(strstr(err, "line end"));
	ck_assert_int_eq(BUILD(AV_KICK, "alice", "x\rSHUTDOWN", NULL), -1);
	ck_assert_int_eq(BUILD(AV_BAN, "nobody", "1h", "a\nb", NULL), -1);
}
END_TEST

START_TEST(too_long_refused)
{
	char big[300];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(BUILD(AV_NOTICE, big, NULL), -1);
	ck_assert_ptr_nonnull(strstr(err, "too long"));
	ck_assert_uint_lt(strlen(out), sizeof(out));
}
END_TEST

START_TEST(hello_protocol_word)
{
	ck_assert(ctl_protocol_ok(S("lchat-control/1")));
	ck_assert(ctl_protocol_ok(S("lchat-control/1.3")));
	ck_assert(!ctl_protocol_ok(S("lchat-control/2")));
	ck_assert(!ctl_protocol_ok(S("lchat-control/10")));
	ck_assert(!ctl_protocol_ok(S("lchat-control/")));
	ck_assert(!ctl_protocol_ok(S("lchat-control/1x")));
	ck_assert(!ctl_protocol_ok(S("lchat/1")));
	ck_assert(!ctl_protocol_ok(S("")));
}
END_TEST

/* notice --wall [--group G]: the NOTICE line as WALL G|* TEXT. */
START_TEST(wall_command)
{
	char wall[256];

	ck_assert_int_eq(BUILD(AV_NOTICE, "disk", "full", NULL), 0);
	ck_assert_int_eq(admin_wall_command(out, NULL, wall, sizeof(wall), err, sizeof(err)), 0);
	ck_assert_str_eq(wall, "WALL * disk full");
	ck_assert_int_eq(admin_wall_command(out, "staff", wall, sizeof(wall), err, sizeof(err)), 0);
	ck_assert_str_eq(wall, "WALL staff disk full");
	ck_assert_int_eq(admin_wall_command(out, "two words", wall, sizeof(wall), err, sizeof(err)), -1);
	ck_assert_int_eq(admin_wall_command(out, "", wall, sizeof(wall), err, sizeof(err)), -1);
	ck_assert_int_eq(admin_wall_command(out, "*", wall, sizeof(wall), err, sizeof(err)), -1);
	ck_assert_int_eq(admin_wall_command("WHO", NULL, wall, sizeof(wall), err, sizeof(err)), -1);
	ck_assert_int_eq(admin_wall_command(out, NULL, wall, 10, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "too long"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("admin_command");
	TCase *tc = tcase_create("admin_command");
	tcase_add_test(tc, verbs_are_looked_up);
	tcase_add_test(tc, simple_verbs);
	tcase_add_test(tc, mute_durations);
	tcase_add_test(tc, ban_duration_is_optional);
	tcase_add_test(tc, bad_duration_same_for_ban_and_mute);
	tcase_add_test(tc, usage_errors);
	tcase_add_test(tc, no_second_command_smuggled);
	tcase_add_test(tc, too_long_refused);
	tcase_add_test(tc, hello_protocol_word);
	tcase_add_test(tc, wall_command);
	suite_add_tcase(s, tc);
	return check_run(s);
}
