/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* check_waiting.c - messages that wait: the mention rule (mention_next),
 * and the store (waitbox.c): its bounds, its order, its file's mode, and
 * its messages carried over to a file of another size. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "log.h"
#include "waitbox.h"
#include "waiting.h"

/* The mentions of text, space-separated, into out. */
static void mentions(const char *text, char *out, size_t cap)
{
	size_t pos = 0, n, len = strlen(text), used = 0;
	const char *at;

	out[0] = '\0';
	while ((at = mention_next(text, len, &pos, &n)))
		used += (size_t)snprintf(out + used, cap - used, "%s%.*s", used ? " " : "",
					 (int)n, at);
}

START_TEST(test_mention_rule)
{
	static const struct { const char *text, *want; } cases[] = {
		{ "@bob", "bob" },
		{ "hi @bob", "bob" },
		{ "hi @bob.", "bob" },              /* the end of a sentence */
		{ "ask @first.last, then", "first.last" },
		{ "(@bob) and @carol?", "bob carol" },
		{ "@bob's", "bob" },
		{ "mail@bob", "" },                 /* inside a word */
		{ "@@bob", "" },
		{ "@", "" },
		{ "@ bob", "" },
		{ "@bob,@carol", "bob" },           /* @carol is inside a word */
		{ "@bob/x", "" },                   /* no login ends with a / */
		{ "bob", "" },                      /* a bare word is no mention */
		{ "@a-b_c9 @x", "a-b_c9 x" },
	};
	char got[256];

	for (size_t i = 0; i < LEN(cases); i++) {
		mentions(cases[i].text, got, sizeof(got));
		ck_assert_msg(strcmp(got, cases[i].want) == 0, "'%s': got '%s', want '%s'",
			      cases[i].text, got, cases[i].want);
	}
}
END_TEST

static char dir[64], path[128];

static void setup(void)
{
	strcpy(dir, "/tmp/check_waiting.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/waiting", dir);
	log_open("check_waiting", true);
}

static void teardown(void)
{
	unlink(path);
	rmdir(dir);
}

static enum reply_code add(struct waitbox *w, uid_t to, const char *text, int64_t ms,
			   unsigned per_max)
{
	struct wait_msg m = {
		.to_uid = to, .from_uid = 1, .kind = EV_PRIV, .ms = ms, .from_name = "alice",
		.from_login = "alice", .text = text, .text_len = strlen(text),
	};
	return waitbox_add_locked(w, &m, per_max);
}

static char taken[1024];

static void take_one(void *ctx, const struct wait_msg *m)
{
	(void)ctx;
	size_t used = strlen(taken);
	snprintf(taken + used, sizeof(taken) - used, "%s%.*s", used ? "|" : "",
		 (int)m->text_len, m->text);
}

START_TEST(test_store_bounds_and_order)
{
	struct waitbox w;
	char err[256];
	struct stat st;

	umask(0);
	ck_assert_int_eq(waitbox_open(&w, path, 4, 64, err, sizeof(err)), 0);
	umask(022);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(add(&w, 7, "one", 1000, 2), CODE_OK);
	ck_assert_int_eq(add(&w, 8, "other", 1500, 2), CODE_OK);
	ck_assert_int_eq(add(&w, 7, "two", 2000, 2), CODE_OK);
	ck_assert_int_eq(add(&w, 7, "three", 3000, 2), CODE_WAIT_FULL);   /* per recipient */
	ck_assert_int_eq(add(&w, 9, "x", 3000, 2), CODE_OK);
	ck_assert_int_eq(add(&w, 10, "y", 3000, 2), CODE_STORAGE);        /* all 4 taken */
	ck_assert_uint_eq(waitbox_count_locked(&w, 7, NULL, NULL), 2);
	taken[0] = '\0';
	ck_assert_uint_eq(waitbox_take_locked(&w, 7, take_one, NULL), 2);
	ck_assert_str_eq(taken, "one|two");
	ck_assert_uint_eq(waitbox_count_locked(&w, 7, NULL, NULL), 0);
	int64_t oldest;
	ck_assert_uint_eq(waitbox_expire_locked(&w, 2000, &oldest), 1);   /* "other" */
	ck_assert_int_eq(oldest, 3000);
	waitbox_close(&w);

	/* Deleted texts are gone from the file, the one left is there. */
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	char *buf = calloc(1, 1 << 16);
	size_t n = fread(buf, 1, 1 << 16, f);
	fclose(f);
	ck_assert(!memmem(buf, n, "one", 3) && !memmem(buf, n, "other", 5));
	free(buf);
}
END_TEST

START_TEST(test_store_kept_and_carried_over)
{
	struct waitbox w;
	char err[256];

	ck_assert_int_eq(waitbox_open(&w, path, 4, 64, err, sizeof(err)), 0);
	ck_assert_int_eq(add(&w, 7, "first", 1000, 9), CODE_OK);
	ck_assert_int_eq(add(&w, 7, "second", 2000, 9), CODE_OK);
	waitbox_close(&w);
	/* The same size: kept as it is. */
	ck_assert_int_eq(waitbox_open(&w, path, 4, 64, err, sizeof(err)), 0);
	ck_assert_uint_eq(waitbox_count_locked(&w, 7, NULL, NULL), 2);
	waitbox_close(&w);
	/* Another size: carried over, in order. */
	ck_assert_int_eq(waitbox_open(&w, path, 16, 200, err, sizeof(err)), 0);
	taken[0] = '\0';
	ck_assert_uint_eq(waitbox_take_locked(&w, 7, take_one, NULL), 2);
	ck_assert_str_eq(taken, "first|second");
	waitbox_close(&w);
}
END_TEST

/* The new file of another size cannot be written (a full disk: here a
 * file size limit): the open fails, and the old file and its messages are
 * as they were, no temporary file left. */
START_TEST(test_store_carry_over_fails_safely)
{
	struct waitbox w;
	char err[256], tmp[160];
	int status;

	ck_assert_int_eq(waitbox_open(&w, path, 4, 64, err, sizeof(err)), 0);
	ck_assert_int_eq(add(&w, 7, "precious", 1000, 9), CODE_OK);
	waitbox_close(&w);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct rlimit rl = { 64 << 10, 64 << 10 };
		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
			_exit(3);
		_exit(waitbox_open(&w, path, 1000, 1024, err, sizeof(err)) == -1 ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	ck_assert_int_eq(access(tmp, F_OK), -1);
	ck_assert_int_eq(waitbox_open(&w, path, 4, 64, err, sizeof(err)), 0);
	taken[0] = '\0';
	ck_assert_uint_eq(waitbox_take_locked(&w, 7, take_one, NULL), 1);
	ck_assert_str_eq(taken, "precious");
	waitbox_close(&w);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("waiting");
	TCase *tc = tcase_create("waiting");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_mention_rule);
	tcase_add_test(tc, test_store_bounds_and_order);
	tcase_add_test(tc, test_store_kept_and_carried_over);
	tcase_add_test(tc, test_store_carry_over_fails_safely);
	suite_add_tcase(s, tc);
	return check_run(s);
}
