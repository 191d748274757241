/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* accounts.c - the accounts table, the lookups it cannot answer, and the
 * login-name rule that rests on them (see accounts.h). */
#include "accounts.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cut.h"
#include "passwd.h"
#include "util.h"

/* Where the files database keeps the accounts: a change to it (an account
 * added, renamed or removed: useradd, usermod and vipw all write it) makes
 * the table stale. */
#define PASSWD_FILE "/etc/passwd"

/* How long a lookup in a child may take before it counts as failed (a
 * name service that hangs, an LDAP server that does not answer). */
#define LOOKUP_TIMEOUT_MS 10000

struct account {
	char login[NAME_MAX_LEN + 1];
	char skeleton[NAME_MAX_LEN + 1];
	uid_t uid;
	uint32_t order;     /* enumeration order: getpwuid answers the first */
};

static struct {
	struct account *v;      /* sorted by skeleton, then login */
	uint32_t *by_uid;       /* indexes into v, sorted by uid, then order */
	size_t n, cap;
	bool failed;
} table;

/* PASSWD_FILE as accounts_load() last found it (before its read). */
static struct {
	bool seen;              /* it existed */
	struct stat st;
} passwd_file;

static bool add_account(const char *login, uid_t uid, void *arg)
{
	(void)arg;
	if (strlen(login) > NAME_MAX_LEN)
		return false;       /* asked of the name service when needed */
	if (table.n == table.cap) {
		size_t cap = table.cap ? table.cap * 2 : 256;
		struct account *v = realloc(table.v, cap * sizeof(*v));
		if (!v) {
			table.failed = true;
			return true;    /* stop the walk */
		}
		table.v = v;
		table.cap = cap;
	}
	struct account *a = &table.v[table.n];
	text_printf(a->login, sizeof(a->login), "%s", login);
	name_skeleton(login, a->skeleton);
	a->uid = uid;
	a->order = (uint32_t)table.n++;
	return false;
}

static int cmp_skeleton(const void *x, const void *y)
{
	const struct account *a = x, *b = y;
	int c = strcmp(a->skeleton, b->skeleton);

	return c ? c : strcmp(a->login, b->login);
}

static int cmp_uid(const void *x, const void *y)
{
	const struct account *a = &table.v[*(const uint32_t *)x];
	const struct account *b = &table.v[*(const uint32_t *)y];

	if (a->uid != b->uid)
		return a->uid < b->uid ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

long accounts_load(void)
{
	accounts_free();
	/* Before the read: a change made during it shows at the next check.
	 * Kept when the read fails (no new try, and no warning, at every
	 * connection until the file changes). */
	passwd_file.seen = stat(PASSWD_FILE, &passwd_file.st) == 0;
	for_each_account(add_account, NULL);
	if (!table.failed && table.n > 0)
		table.by_uid = malloc(table.n * sizeof(*table.by_uid));
	if (table.failed || (table.n > 0 && !table.by_uid)) {
		accounts_free();
		return -1;
	}
	if (table.n == 0)
		return 0;
	qsort(table.v, table.n, sizeof(*table.v), cmp_skeleton);
	for (size_t i = 0; i < table.n; i++)
		table.by_uid[i] = (uint32_t)i;
	qsort(table.by_uid, table.n, sizeof(*table.by_uid), cmp_uid);
	return (long)table.n;
}

bool accounts_stale(void)
{
	struct stat st;
	bool seen = stat(PASSWD_FILE, &st) == 0;

	const struct stat *was = &passwd_file.st;

	if (seen != passwd_file.seen)
		return true;
	return seen && (st.st_dev != was->st_dev || st.st_ino != was->st_ino ||
			st.st_size != was->st_size ||
			st.st_mtim.tv_sec != was->st_mtim.tv_sec ||
			st.st_mtim.tv_nsec != was->st_mtim.tv_nsec ||
			st.st_ctim.tv_sec != was->st_ctim.tv_sec ||
			st.st_ctim.tv_nsec != was->st_ctim.tv_nsec);
}

void accounts_free(void)
{
	free(table.v);
	free(table.by_uid);
	memset(&table, 0, sizeof(table));
}

/* ---- the name service, here or in a child ----------------------------- */

struct answer {
	int found;
	uid_t uid;
	char login[NAME_MAX_LEN + 1];
};

/* The answers for login and login2 (by uid if login is NULL; a[1] is
 * left empty if login2 is NULL). */
static void ask_here(const char *login, const char *login2, uid_t uid, struct answer a[2])
{
	memset(a, 0, 2 * sizeof(*a));
	a[0].found = passwd_find(login, uid, &a[0].uid, a[0].login, sizeof(a[0].login));
	if (login2)
		a[1].found = passwd_find(login2, 0, &a[1].uid, a[1].login, sizeof(a[1].login));
}

/* Read the child's answers within the timeout: true if they came whole. */
static bool read_answer(int fd, struct answer a[2])
{
	int64_t deadline = mono_ms() + LOOKUP_TIMEOUT_MS;
	size_t got = 0;

	while (got < 2 * sizeof(*a)) {
		int64_t left = deadline - mono_ms();
		if (left <= 0)
			return false;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n = poll(&p, 1, (int)left);
		if (n < 0 && errno != EINTR)
			return false;
		if (n <= 0)
			continue;
		ssize_t r = read(fd, (char *)a + got, 2 * sizeof(*a) - got);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

/* Ask the name service by login (login != NULL; and login2 if not NULL)
 * or by uid, in one child (here if there can be no child). */
static void ask2(const char *login, const char *login2, uid_t uid, struct answer a[2])
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0) {
		ask_here(login, login2, uid, a);
		return;
	}
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		ask_here(login, login2, uid, a);
		return;
	}
	if (pid == 0) {
		/* Hold nothing of the caller's (a client's socket would stay
		 * open past the caller's death while the lookup hangs). */
		if (p[1] > 3)
			close_range(3, (unsigned)p[1] - 1, 0);
		close_range((unsigned)p[1] + 1, ~0U, 0);
		ask_here(login, login2, uid, a);
		_exit(write_all(p[1], a, 2 * sizeof(*a)) == 0 ? 0 : 1);
	}
	close(p[1]);
	bool whole = read_answer(p[0], a);
	close(p[0]);
	if (!whole) {
		kill(pid, SIGKILL);
		memset(a, 0, 2 * sizeof(*a));   /* counts as a failed lookup */
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	a[0].login[sizeof(a[0].login) - 1] = a[1].login[sizeof(a[1].login) - 1] = '\0';
}

/* One login, or a uid (login NULL), asked in a child. */
static void ask(const char *login, uid_t uid, struct answer *a)
{
	struct answer both[2];

	ask2(login, NULL, uid, both);
	*a = both[0];
}

/* ---- lookups ----------------------------------------------------------- */

static const struct account *table_login(const char *login);

/* The first entry whose skeleton is not below `skeleton`. */
static size_t first_with_skeleton(const char *skeleton)
{
	size_t lo = 0, hi = table.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(table.v[mid].skeleton, skeleton) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void account_login(uid_t uid, char *buf, size_t len)
{
	size_t lo = 0, hi = table.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (table.v[table.by_uid[mid]].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < table.n && table.v[table.by_uid[lo]].uid == uid) {
		text_printf(buf, len, "%s", table.v[table.by_uid[lo]].login);
		return;
	}
	struct answer a;
	ask(NULL, uid, &a);
	if (a.found)
		text_printf(buf, len, "%s", a.login);
	else
		text_printf(buf, len, "uid%u", (unsigned)uid);
}

bool account_uid(const char *login, uid_t *uid)
{
	const struct account *known = strlen(login) <= NAME_MAX_LEN ? table_login(login) : NULL;

	if (known) {
		*uid = known->uid;
		return true;
	}
	struct answer a;
	ask(login, 0, &a);
	if (a.found)
		*uid = a.uid;
	return a.found;
}

bool account_looks_like(const char *skeleton, uid_t uid)
{
	for (size_t i = first_with_skeleton(skeleton);
	     i < table.n && strcmp(table.v[i].skeleton, skeleton) == 0; i++)
		if (table.v[i].uid != uid)
			return true;
	return false;
}

/* ---- the login-name rule ----------------------------------------------- */

/* The name (n bytes, valid) as given and in lower case: the logins it is
 * compared with; *count is 1 if they are the same. */
static void login_forms(const char *name, size_t n, char exact[NAME_MAX_LEN + 1],
			char lower[NAME_MAX_LEN + 1], size_t *count)
{
	memcpy(exact, name, n);
	exact[n] = '\0';
	name_key(exact, lower);
	*count = strcmp(exact, lower) != 0 ? 2u : 1u;
}

/* The table's login equal to `login`, or NULL. */
static const struct account *table_login(const char *login)
{
	char skeleton[NAME_MAX_LEN + 1];

	name_skeleton(login, skeleton);
	for (size_t i = first_with_skeleton(skeleton);
	     i < table.n && strcmp(table.v[i].skeleton, skeleton) == 0; i++)
		if (strcmp(table.v[i].login, login) == 0)
			return &table.v[i];
	return NULL;
}

enum name_error name_check_known(const char *name, size_t n, uid_t uid, bool *ask)
{
	char forms[2][NAME_MAX_LEN + 1], skeleton[NAME_MAX_LEN + 1];
	enum name_error err = name_check_syntax(name, n);
	size_t count;
	bool own = false;

	*ask = false;
	if (err != NAME_OK)
		return err;
	login_forms(name, n, forms[0], forms[1], &count);
	for (size_t i = 0; i < count; i++) {
		const struct account *a = table_login(forms[i]);
		if (a && a->uid != uid)
			return NAME_OTHERS_LOGIN;
		own = own || a;
	}
	if (own)
		return NAME_OK;	/* one's own login */
	name_skeleton(forms[0], skeleton);
	if (account_looks_like(skeleton, uid))
		return NAME_OTHERS_LOGIN;
	*ask = true;    /* an exact login the table lacks may still exist */
	return NAME_OK;
}

enum name_error name_check_service(const char *name, size_t n, uid_t uid)
{
	char forms[2][NAME_MAX_LEN + 1];
	struct answer a[2];
	size_t count;

	login_forms(name, n, forms[0], forms[1], &count);
	ask2(forms[0], count > 1 ? forms[1] : NULL, 0, a);
	for (size_t i = 0; i < count; i++)
		if (a[i].found && a[i].uid != uid)
			return NAME_OTHERS_LOGIN;
	return NAME_OK;
}

enum name_error name_check_for_uid(const char *name, size_t n, uid_t uid)
{
	bool unsure;
	enum name_error err = name_check_known(name, n, uid, &unsure);

	return err == NAME_OK && unsure ? name_check_service(name, n, uid) : err;
}
