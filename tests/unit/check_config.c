/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* check_config.c - unit tests for common/config.c. Run from the repo root
 * (it reads conf/lchat.conf). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"

#define ERRLEN 512

struct int_spec {
	const char *name;
	long min, max;
};

/* The numeric options and their ranges, as documented. */
static const struct int_spec ints[] = {
	{ "max_users", 1, 100000 },
	{ "max_users_per_uid", 1, 100000 },
	{ "max_line", 64, 16384 },
	{ "history", 16, 1000000 },
	{ "backlog", 0, 1000000 },
	{ "rate_limit", 1, 100000 },
	{ "rate_burst", 1, 100000 },
	{ "join_timeout", 1, 3600 },
	{ "max_unjoined", 1, 100000 },
	{ "max_unjoined_per_uid", 1, 100000 },
};
#define NINTS ((int)(sizeof(ints) / sizeof(ints[0])))

static long int_value(const struct lchat_config *c, const char *name)
{
	if (!strcmp(name, "max_users"))
		return c->max_users;
	if (!strcmp(name, "max_users_per_uid"))
		return c->max_users_per_uid;
	if (!strcmp(name, "max_line"))
		return c->max_line;
	if (!strcmp(name, "history"))
		return c->history;
	if (!strcmp(name, "backlog"))
		return c->backlog;
	if (!strcmp(name, "rate_limit"))
		return c->rate_limit;
	if (!strcmp(name, "rate_burst"))
		return c->rate_burst;
	if (!strcmp(name, "join_timeout"))
		return c->join_timeout;
	if (!strcmp(name, "max_unjoined"))
		return c->max_unjoined;
	if (!strcmp(name, "max_unjoined_per_uid"))
		return c->max_unjoined_per_uid;
	ck_abort_msg("no option %s", name);
	return 0;
}

/* Write len bytes to a new temp file, load it, unlink it. The path is
 * left in path (64 bytes) for the assertions. */
static int load_mem(const char *text, size_t len, char *path,
		    struct lchat_config *cfg, char *err)
{
	int fd, rc;

	strcpy(path, "/tmp/check_config.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
	rc = config_load(path, cfg, err, ERRLEN);
	unlink(path);
	return rc;
}

static int load_text(const char *text, char *path, struct lchat_config *cfg, char *err)
{
	return load_mem(text, strlen(text), path, cfg, err);
}

/* err must be "PATH:LINE: ..." */
static void assert_at(const char *err, const char *path, int line)
{
	char want[128];

	snprintf(want, sizeof(want), "%s:%d: ", path, line);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0,
		      "error \"%s\" does not start with \"%s\"", err, want);
}

static void assert_contains(const char *err, const char *what)
{
	ck_assert_msg(strstr(err, what), "error \"%s\" lacks \"%s\"", err, what);
}

static void assert_defaults(const struct lchat_config *c)
{
	ck_assert_str_eq(c->socket, "/run/lchat/lchat.sock");
	ck_assert_str_eq(c->control_socket, "/run/lchat/control.sock");
	ck_assert_str_eq(c->admin_group, "adm");
	ck_assert_str_eq(c->state_dir, "/var/lib/lchat");
	ck_assert_str_eq(c->motd, "");
	ck_assert_int_eq(c->max_users, 500);
	ck_assert_int_eq(c->max_users_per_uid, 8);
	ck_assert_int_eq(c->max_line, 1024);
	ck_assert_int_eq(c->history, 4096);
	ck_assert_int_eq(c->backlog, 20);
	ck_assert_int_eq(c->rate_limit, 5);
	ck_assert_int_eq(c->rate_burst, 10);
	ck_assert_int_eq(c->join_timeout, 60);
	ck_assert_int_eq(c->max_unjoined, 64);
	ck_assert_int_eq(c->max_unjoined_per_uid, 8);
	ck_assert(!c->log_messages);
	ck_assert(!c->notice_wall);
}

/* Rooms (issue 17): sections, names lower-cased, the default room added
 * first when it has no section, backlog defaulting to the global one, and
 * what is refused. */
START_TEST(test_rooms)
{
	struct lchat_config c;
	char path[64], err[ERRLEN];

	ck_assert_msg(load_text("backlog = 7\nroom \"CS101\" {\n group = \"cs\"\n topic = \"t\"\n"
				"backlog = 3\n}\nroom \"ops\" {\n}\n", path, &c, err) == 0, "%s", err);
	ck_assert_uint_eq(c.nrooms, 3);
	ck_assert_str_eq(c.rooms[0].name, "general");
	ck_assert_int_eq(c.rooms[0].backlog, 7);
	ck_assert_str_eq(c.rooms[1].name, "cs101");
	ck_assert_str_eq(c.rooms[1].group, "cs");
	ck_assert_int_eq(c.rooms[1].backlog, 3);
	ck_assert_int_eq(c.rooms[2].backlog, 7);
	ck_assert_ptr_nonnull(config_room(&c, "Cs101"));
	ck_assert_ptr_null(config_room(&c, "nope"));
	ck_assert_int_eq(c.max_rooms_per_user, 16);
	ck_assert_int_eq(c.max_created_rooms, 2);
	ck_assert(!c.user_rooms);
	config_free(&c);

	/* The default room's own section is not doubled. */
	ck_assert_msg(load_text("default_room = \"lobby\"\nroom \"lobby\" {\n topic = \"hi\"\n}\n",
				path, &c, err) == 0, "%s", err);
	ck_assert_uint_eq(c.nrooms, 1);
	ck_assert_str_eq(c.rooms[0].topic, "hi");
	config_free(&c);

	static const char *const bad[] = {
		"room \"has space\" {\n}\n",
		"room \"#hash\" {\n}\n",
		"room \"a\" {\n}\nroom \"a\" {\n}\n",
		"room \"a\" {\n backlog = 99999999\n}\n",
		"default_room = \"\"\n",
		"default_room = \"Bad Name\"\n",
		"max_rooms_per_user = 0\n",
		"max_rooms_per_user = 65\n",
		"room \"a\" {\n colour = \"red\"\n}\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(load_text(bad[i], path, &c, err) == -1, "taken: %s", bad[i]);
		config_free(&c);
	}
}
END_TEST

START_TEST(test_defaults)
{
	struct lchat_config c;

	ck_assert_int_eq(config_defaults(&c), 0);
	assert_defaults(&c);
	config_free(&c);
}
END_TEST

START_TEST(test_installed_conf)
{
	struct lchat_config c;
	char err[ERRLEN];

	ck_assert_msg(config_load("conf/lchat.conf", &c, err, sizeof(err)) == 0,
		      "%s", err);
	assert_defaults(&c);
	config_free(&c);
}
END_TEST

START_TEST(test_override_all)
{
	static const char text[] =
		"socket = \"/tmp/x/chat.sock\"\n"
		"control_socket = '/tmp/x/ctl.sock'\n"
		"admin_group = wheel\n"
		"state_dir = \"/srv/lchat\"\n"
		"motd = \"welcome\"\n"
		"max_users = 1000\n"
		"max_users_per_uid = 3\n"
		"max_line = 2048\n"
		"history = 100\n"
		"backlog = 0\n"
		"rate_limit = 2\n"
		"rate_burst = 4\n"
		"join_timeout = 3600\n";
	struct lchat_config c;
	char path[64], err[ERRLEN];

	ck_assert_msg(load_text(text, path, &c, err) == 0, "%s", err);
	ck_assert_str_eq(c.socket, "/tmp/x/chat.sock");
	ck_assert_str_eq(c.control_socket, "/tmp/x/ctl.sock");
	ck_assert_str_eq(c.admin_group, "wheel");
	ck_assert_str_eq(c.state_dir, "/srv/lchat");
	ck_assert_str_eq(c.motd, "welcome");
	ck_assert_int_eq(c.max_users, 1000);
	ck_assert_int_eq(c.max_users_per_uid, 3);
	ck_assert_int_eq(c.max_line, 2048);
	ck_assert_int_eq(c.history, 100);
	ck_assert_int_eq(c.backlog, 0);
	ck_assert_int_eq(c.rate_limit, 2);
	ck_assert_int_eq(c.rate_burst, 4);
	ck_assert_int_eq(c.join_timeout, 3600);
	config_free(&c);
}
END_TEST

START_TEST(test_partial_and_last_wins)
{
	struct lchat_config c;
	char path[64], err[ERRLEN];

	ck_assert_msg(load_text("max_users = 10\nmax_users = 20\n", path, &c, err) == 0,
		      "%s", err);
	ck_assert_int_eq(c.max_users, 20);
	ck_assert_int_eq(c.history, 4096);
	ck_assert_str_eq(c.socket, "/run/lchat/lchat.sock");
	config_free(&c);
}
END_TEST

START_TEST(test_empty_file)
{
	struct lchat_config c;
	char path[64], err[ERRLEN];

	ck_assert_msg(load_text("", path, &c, err) == 0, "%s", err);
	assert_defaults(&c);
	config_free(&c);
}
END_TEST

START_TEST(test_unknown_option)
{
	static const char text[] =
		"# a comment\n"
		"max_users = 10\n"
		"\n"
		"colour = \"red\"\n";
	struct lchat_config c;
	char path[64], err[ERRLEN];

	ck_assert_int_eq(load_text(text, path, &c, err), -1);
	assert_at(err, path, 4);
	assert_contains(err, "colour");
	config_free(&c);
}
END_TEST

/* Each bad value for the option ints[_i], on line 5 after comments. */
START_TEST(test_bad_int)
{
	const struct int_spec *o = &ints[_i];
	char below[32], above[32];
	const char *bad[] = {
		below, above, "abc", "12abc", "0x10", "\"\"", "1.5", "-",
		"99999999999999999999999", "\" 5\"",
	};
	struct lchat_config c;
	char text[256], path[64], err[ERRLEN], want[128];

	snprintf(below, sizeof(below), "%ld", o->min - 1);
	snprintf(above, sizeof(above), "%ld", o->max + 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 "# lchat\n# test\nrate_limit = 5 # trailing\n\n%s = %s\n",
			 o->name, bad[i]);
		ck_assert_msg(load_text(text, path, &c, err) == -1,
			      "%s = %s accepted", o->name, bad[i]);
		assert_at(err, path, 5);
		assert_contains(err, o->name);
		if (i < 2) {
			snprintf(want, sizeof(want), "%s must be between %ld and %ld, not %s",
				 o->name, o->min, o->max, bad[i]);
			assert_contains(err, want);
		}
		config_free(&c);
	}
}
END_TEST

/* Both ends of each range are accepted. */
START_TEST(test_int_bounds)
{
	const struct int_spec *o = &ints[_i];
	long vals[2] = { o->min, o->max };
	struct lchat_config c;
	char text[256], path[64], err[ERRLEN];

	for (int i = 0; i < 2; i++) {
		snprintf(text, sizeof(text),
			 "max_users = 100000\nhistory = 1000000\n"
			 "max_users_per_uid = 1\nbacklog = 0\n%s = %ld\n",
			 o->name, vals[i]);
		ck_assert_msg(load_text(text, path, &c, err) == 0, "%s", err);
		ck_assert_int_eq(int_value(&c, o->name), vals[i]);
		config_free(&c);
	}
}
END_TEST

START_TEST(test_relative_paths)
{
	static const char *const opts[] = { "socket", "control_socket", "state_dir" };
	struct lchat_config c;
	char text[128], path[64], err[ERRLEN];

	for (int i = 0; i < 3; i++) {
		snprintf(text, sizeof(text), "\n%s = \"run/lchat/x\"\n", opts[i]);
		ck_assert_int_eq(load_text(text, path, &c, err), -1);
		assert_at(err, path, 2);
		assert_contains(err, opts[i]);
		assert_contains(err, "absolute path");
		config_free(&c);
	}
}
END_TEST

START_TEST(test_socket_too_long)
{
	struct lchat_config c;
	char sock[128], text[256], path[64], err[ERRLEN];

	/* 107 bytes fit in sun_path with its NUL, 108 do not */
	memset(sock, 'a', sizeof(sock));
	sock[0] = '/';
	sock[107] = '\0';
	snprintf(text, sizeof(text), "socket = \"%s\"\n", sock);
	ck_assert_msg(load_text(text, path, &c, err) == 0, "%s", err);
	ck_assert_str_eq(c.socket, sock);
	config_free(&c);

	sock[107] = 'a';
	sock[108] = '\0';
	snprintf(text, sizeof(text), "# x\ncontrol_socket = \"%s\"\n", sock);
	ck_assert_int_eq(load_text(text, path, &c, err), -1);
	assert_at(err, path, 2);
	assert_contains(err, "control_socket is 108 bytes long");
	config_free(&c);
}
END_TEST

START_TEST(test_backlog_gt_history)
{
	struct lchat_config c;
	char path[64], err[ERRLEN], want[256];

	ck_assert_int_eq(load_text("backlog = 101\nhistory = 100\n", path, &c, err), -1);
	snprintf(want, sizeof(want),
		 "%s: backlog (101) must not be greater than history (100)", path);
	ck_assert_str_eq(err, want);
	config_free(&c);

	ck_assert_msg(load_text("backlog = 100\nhistory = 100\n", path, &c, err) == 0,
		      "%s", err);
	ck_assert_int_eq(c.backlog, 100);
	config_free(&c);
}
END_TEST

START_TEST(test_per_uid_gt_max_users)
{
	struct lchat_config c;
	char path[64], err[ERRLEN], want[256];

	ck_assert_int_eq(load_text("max_users = 4\n", path, &c, err), -1);
	snprintf(want, sizeof(want),
		 "%s: max_users_per_uid (8) must not be greater than max_users (4)", path);
	ck_assert_str_eq(err, want);
	config_free(&c);
}
END_TEST

START_TEST(test_same_sockets)
{
	struct lchat_config c;
	char path[64], err[ERRLEN];

	ck_assert_int_eq(load_text("control_socket = \"/run/lchat/lchat.sock\"\n",
				   path, &c, err), -1);
	ck_assert_msg(strncmp(err, path, strlen(path)) == 0, "%s", err);
	assert_contains(err, "socket and control_socket must differ");
	config_free(&c);
}
END_TEST

/* irc_socket: a socket path like the others, or "" for none; never one
 * of the other two. */
START_TEST(test_irc_socket)
{
	struct lchat_config c;
	char path[64], err[ERRLEN];

	ck_assert_int_eq(load_text("", path, &c, err), 0);
	ck_assert_str_eq(c.irc_socket, "/run/lchat/irc.sock");
	config_free(&c);
	ck_assert_int_eq(load_text("irc_socket = \"\"\n", path, &c, err), 0);
	ck_assert_str_eq(c.irc_socket, "");
	config_free(&c);
	ck_assert_int_eq(load_text("irc_socket = \"irc.sock\"\n", path, &c, err), -1);
	assert_contains(err, "irc_socket must be an absolute path");
	config_free(&c);
	ck_assert_int_eq(load_text("irc_socket = \"/run/lchat/control.sock\"\n", path, &c, err), -1);
	assert_contains(err, "irc_socket must differ from socket and control_socket");
	config_free(&c);
	ck_assert_int_eq(load_text("irc_socket = \"/run/lchat/lchat.sock\"\n", path, &c, err), -1);
	assert_contains(err, "irc_socket must differ");
	config_free(&c);
}
END_TEST

START_TEST(test_empty_admin_group)
{
	struct lchat_config c;
	char path[64], err[ERRLEN];

	ck_assert_int_eq(load_text("admin_group = \"\"\n", path, &c, err), -1);
	assert_at(err, path, 1);
	assert_contains(err, "admin_group must not be empty");
	config_free(&c);
}
END_TEST

START_TEST(test_missing_file)
{
	struct lchat_config c;
	char err[ERRLEN];
	const char *path = "/tmp/check_config.does-not-exist/lchat.conf";

	ck_assert_int_eq(config_load(path, &c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "/tmp/check_config.does-not-exist/lchat.conf: "
			 "cannot open: No such file or directory");
	config_free(&c);
}
END_TEST

START_TEST(test_directory)
{
	struct lchat_config c;
	char err[ERRLEN];

	/* libconfuse would exit() reading this itself */
	ck_assert_int_eq(config_load("/tmp", &c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "/tmp: cannot read: Is a directory");
	config_free(&c);
}
END_TEST

START_TEST(test_too_large)
{
	size_t len = 1100 * 1024;
	char *text = malloc(len);
	struct lchat_config c;
	char path[64], err[ERRLEN];

	ck_assert_ptr_nonnull(text);
	memset(text, '\n', len);
	ck_assert_int_eq(load_mem(text, len, path, &c, err), -1);
	free(text);
	assert_contains(err, "too large");
	ck_assert_msg(strncmp(err, path, strlen(path)) == 0, "%s", err);
	config_free(&c);
}
END_TEST

START_TEST(test_nul_byte)
{
	static const char text[] = "max_users = 5\n# x\0 junk\n";
	struct lchat_config c;
	char path[64], err[ERRLEN];

	ck_assert_int_eq(load_mem(text, sizeof(text) - 1, path, &c, err), -1);
	assert_at(err, path, 2);
	assert_contains(err, "NUL byte");
	config_free(&c);
}
END_TEST

START_TEST(test_syntax_error)
{
	struct lchat_config c;
	char path[64], err[ERRLEN];

	ck_assert_int_eq(load_text("\n\nmax_users 5\n", path, &c, err), -1);
	assert_at(err, path, 3);
	assert_contains(err, "max_users");
	config_free(&c);
}
END_TEST

/* A failed parse must not leave libconfuse's lexer in a bad state. */
START_TEST(test_unterminated_string)
{
	struct lchat_config c;
	char path[64], err[ERRLEN];

	ck_assert_int_eq(load_text("motd = \"abc\n", path, &c, err), -1);
	ck_assert_msg(strncmp(err, path, strlen(path)) == 0, "%s", err);
	config_free(&c);

	ck_assert_msg(load_text("motd = \"x\"\n", path, &c, err) == 0, "%s", err);
	ck_assert_str_eq(c.motd, "x");
	config_free(&c);
}
END_TEST

START_TEST(test_motd_newline)
{
	struct lchat_config c;
	char path[64], err[ERRLEN];

	ck_assert_msg(load_text("motd = \"hello\\nworld\\n\"\n", path, &c, err) == 0,
		      "%s", err);
	ck_assert_str_eq(c.motd, "hello\nworld\n");
	config_free(&c);
}
END_TEST

START_TEST(test_motd_line_length)
{
	struct lchat_config c;
	char line[600], text[1400], path[64], err[ERRLEN];

	memset(line, 'm', sizeof(line));
	line[512] = '\0';
	snprintf(text, sizeof(text), "motd = \"short\\n%s\"\n", line);
	ck_assert_msg(load_text(text, path, &c, err) == 0, "%s", err);
	ck_assert_int_eq(strlen(c.motd), 6 + 512);
	config_free(&c);

	line[512] = 'm';
	line[513] = '\0';
	snprintf(text, sizeof(text), "# x\nmotd = \"short\\n%s\"\n", line);
	ck_assert_int_eq(load_text(text, path, &c, err), -1);
	assert_at(err, path, 2);
	assert_contains(err, "line 2 of the message is 513 bytes long");
	config_free(&c);
}
END_TEST

/* libconfuse 3.3 overcounts lines after comments; the loader corrects it.
 * Empty each option of the installed file in turn (all but motd and
 * irc_socket reject "") and check the line reported. */
START_TEST(test_line_numbers_in_installed_conf)
{
	FILE *in = fopen("conf/lchat.conf", "r");
	char lines[256][160], text[16384], path[64], err[ERRLEN];
	struct lchat_config c;
	int n = 0, tried = 0;

	ck_assert_ptr_nonnull(in);
	while (n < 256 && fgets(lines[n], sizeof(lines[n]), in))
		n++;
	fclose(in);

	for (int bad = 0; bad < n; bad++) {
		char *eq = strstr(lines[bad], " = ");
		size_t len = 0;

		if (lines[bad][0] == '#' || !eq || !strncmp(lines[bad], "motd", 4) ||
		    !strncmp(lines[bad], "irc_socket", 10))
			continue;
		for (int i = 0; i < n; i++) {
			if (i == bad)
				len += (size_t)snprintf(text + len, sizeof(text) - len,
							"%.*s = \"\"\n",
							(int)(eq - lines[i]), lines[i]);
			else
				len += (size_t)snprintf(text + len, sizeof(text) - len,
							"%s", lines[i]);
		}
		ck_assert_int_lt(len, sizeof(text));
		ck_assert_int_eq(load_text(text, path, &c, err), -1);
		assert_at(err, path, bad + 1);
		config_free(&c);
		tried++;
	}
	ck_assert_int_eq(tried, 25);   /* every option but motd */
}
END_TEST

START_TEST(test_comment_styles)
{
	static const char text[] =
		"// one\n"
		"/* two\n"
		"   three */\n"
		"motd = \"# not a comment\" # four\n"
		"admin_group = 'it\\'s#' /* five */ max_line = 100 // six\n"
		"### seven\n"
		"state_dir = /srv/a//b\n";
	struct lchat_config c;
	char bad[sizeof(text) + 16], path[64], err[ERRLEN];

	ck_assert_msg(load_text(text, path, &c, err) == 0, "%s", err);
	ck_assert_str_eq(c.motd, "# not a comment");
	ck_assert_str_eq(c.admin_group, "it's#");
	ck_assert_int_eq(c.max_line, 100);
	ck_assert_str_eq(c.state_dir, "/srv/a//b");
	config_free(&c);

	snprintf(bad, sizeof(bad), "%shistory = 15\n", text);
	ck_assert_int_eq(load_text(bad, path, &c, err), -1);
	assert_at(err, path, 8);
	assert_contains(err, "history must be between 16 and 1000000, not 15");
	config_free(&c);
}
END_TEST

START_TEST(test_free_after_failed_load)
{
	struct lchat_config c;
	char path[64], err[ERRLEN];

	ck_assert_int_eq(load_text("max_users = 0\n", path, &c, err), -1);
	assert_defaults(&c);	/* a failed load leaves the defaults */
	config_free(&c);
	config_free(&c);
	ck_assert_ptr_null(c.socket);

	memset(&c, 0, sizeof(c));
	config_free(&c);
	config_free(NULL);
}
END_TEST

START_TEST(test_small_err_buffer)
{
	struct lchat_config c;
	char err[8];

	memset(err, 'x', sizeof(err));
	ck_assert_int_eq(config_load("/nonexistent/lchat.conf", &c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "/nonexi");
	config_free(&c);

	ck_assert_int_eq(config_load("/nonexistent/lchat.conf", &c, NULL, 0), -1);
	config_free(&c);
}
END_TEST

/* Reload takes the run-time options and names the rest. */
START_TEST(test_apply_reload)
{
	struct lchat_config cur, fresh;
	char err[ERRLEN], path[64], changed[256], restart[256];

	ck_assert_int_eq(load_text("motd = \"old\"\nrate_limit = 5\n", path, &cur, err), 0);
	ck_assert_int_eq(load_text("motd = \"new\"\nrate_limit = 9\nlog_messages = true\n"
				   "socket = \"/tmp/other.sock\"\nhistory = 100\n"
				   "max_users_per_uid = 400\nnotice_wall = true\n", path, &fresh, err), 0);
	ck_assert_int_eq(config_apply_reload(&cur, &fresh, changed, sizeof(changed),
					     restart, sizeof(restart)), 4);
	ck_assert_str_eq(changed, "motd,max_users_per_uid,rate_limit,log_messages");
	/* notice_wall needs the wall process, which only a start can make. */
	ck_assert_str_eq(restart, "socket,history,notice_wall");
	ck_assert(!cur.notice_wall);
	ck_assert_str_eq(cur.motd, "new");
	ck_assert_int_eq(cur.rate_limit, 9);
	ck_assert(cur.log_messages);
	ck_assert_int_eq(cur.max_users_per_uid, 400);
	ck_assert_str_eq(cur.socket, "/run/lchat/lchat.sock");
	ck_assert_int_eq(cur.history, 4096);
	config_free(&fresh);
	/* The same again: nothing changes. */
	ck_assert_int_eq(load_text("motd = \"new\"\nrate_limit = 9\nlog_messages = true\n"
				   "max_users_per_uid = 400\n", path, &fresh, err), 0);
	ck_assert_int_eq(config_apply_reload(&cur, &fresh, changed, sizeof(changed),
					     restart, sizeof(restart)), 0);
	ck_assert_str_eq(changed, "");
	ck_assert_str_eq(restart, "");
	config_free(&fresh);
	config_free(&cur);
}
END_TEST

/* A limit that needs a restart bounds the run-time one that depends on it. */
START_TEST(test_apply_reload_clamps)
{
	struct lchat_config cur, fresh;
	char err[ERRLEN], path[64], changed[256], restart[256];

	ck_assert_int_eq(load_text("max_users = 10\nmax_users_per_uid = 2\nhistory = 100\n",
				   path, &cur, err), 0);
	ck_assert_int_eq(load_text("max_users = 50\nmax_users_per_uid = 40\nhistory = 1000\n"
				   "backlog = 500\n", path, &fresh, err), 0);
	config_apply_reload(&cur, &fresh, changed, sizeof(changed), restart, sizeof(restart));
	ck_assert_str_eq(restart, "max_users,history");
	ck_assert_int_eq(cur.max_users_per_uid, 10);
	ck_assert_int_eq(cur.backlog, 100);
	config_free(&fresh);
	config_free(&cur);
}
END_TEST

/* The options of messages that wait: their defaults, durations in the
 * shared grammar (duration.h), and their bounds. */
START_TEST(test_waiting_options)
{
	struct lchat_config c;
	char path[64], err[ERRLEN];

	ck_assert_int_eq(config_defaults(&c), 0);
	ck_assert_int_eq(c.wait_max, 20);
	ck_assert_int_eq(c.wait_total, 1000);
	ck_assert_int_eq(c.wait_keep, 14 * 86400);
	ck_assert_int_eq(c.private_keep, 86400);
	config_free(&c);
	ck_assert_msg(load_text("wait_keep = 1h30m\nprivate_keep = 0\nwait_max = 0\n", path, &c,
				err) == 0, "%s", err);
	ck_assert_int_eq(c.wait_keep, 5400);
	ck_assert_int_eq(c.private_keep, 0);
	ck_assert_int_eq(c.wait_max, 0);
	config_free(&c);
	static const char *const bad[] = {
		"wait_keep = 2x\n", "private_keep = -5\n", "wait_keep = 1.5h\n",
		"private_keep = forever-ish\n",
	};
	for (size_t i = 0; i < LEN(bad); i++) {
		ck_assert_msg(load_text(bad[i], path, &c, err) == -1, "%s accepted", bad[i]);
		assert_at(err, path, 1);
		assert_contains(err, "must be a duration");
		config_free(&c);
	}
	ck_assert_int_eq(load_text("wait_max = 1001\n", path, &c, err), -1);
	assert_contains(err, "wait_max must be between 0 and 1000");
	config_free(&c);
	ck_assert_int_eq(load_text("wait_total = 0\n", path, &c, err), -1);
	config_free(&c);
}
END_TEST

/* The path kept for reloads is absolute. */
START_TEST(test_path_absolute)
{
	struct lchat_config c;
	char err[ERRLEN];

	ck_assert_int_eq(config_load("conf/lchat.conf", &c, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(c.path);
	ck_assert_int_eq(c.path[0], '/');
	ck_assert_ptr_nonnull(strstr(c.path, "/conf/lchat.conf"));
	config_free(&c);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_installed_conf);
	tcase_add_test(tc, test_override_all);
	tcase_add_test(tc, test_partial_and_last_wins);
	tcase_add_test(tc, test_empty_file);
	tcase_add_test(tc, test_unknown_option);
	tcase_add_loop_test(tc, test_bad_int, 0, NINTS);
	tcase_add_loop_test(tc, test_int_bounds, 0, NINTS);
	tcase_add_test(tc, test_relative_paths);
	tcase_add_test(tc, test_socket_too_long);
	tcase_add_test(tc, test_backlog_gt_history);
	tcase_add_test(tc, test_per_uid_gt_max_users);
	tcase_add_test(tc, test_same_sockets);
	tcase_add_test(tc, test_irc_socket);
	tcase_add_test(tc, test_empty_admin_group);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_directory);
	tcase_add_test(tc, test_too_large);
	tcase_add_test(tc, test_nul_byte);
	tcase_add_test(tc, test_syntax_error);
	tcase_add_test(tc, test_unterminated_string);
	tcase_add_test(tc, test_motd_newline);
	tcase_add_test(tc, test_motd_line_length);
	tcase_add_test(tc, test_line_numbers_in_installed_conf);
	tcase_add_test(tc, test_comment_styles);
	tcase_add_test(tc, test_free_after_failed_load);
	tcase_add_test(tc, test_small_err_buffer);
	tcase_add_test(tc, test_apply_reload);
	tcase_add_test(tc, test_apply_reload_clamps);
	tcase_add_test(tc, test_path_absolute);
	tcase_add_test(tc, test_waiting_options);
	tcase_add_test(tc, test_rooms);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(config_suite());
}
