/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* fuzz_config.c - libFuzzer target for the config loader (common/config.c,
 * libconfuse underneath).
 *
 * The input is one config file, or two separated by a NUL byte (a file
 * with a NUL in it is refused anyway). Each is put in a memfd and loaded
 * with config_load("/proc/self/fd/N"), the loader's only entry point, so
 * that its own reading (size limit, NUL check) is fuzzed too and nothing
 * on the file system is touched. For each:
 *   - loading twice gives the same result and the same message (the
 *     lexer's global state does not carry over from one parse to the next);
 *   - on failure: a message naming the file, and cfg holds the defaults;
 *   - on success: every value within the bounds config.c documents
 *     (conf/lchat.conf, lchat.conf(5)) and the cross-checks hold.
 * With two configs, the second is applied to the first as a reload:
 * the options that need a restart keep their values, the others take the
 * new ones, the changed list counts them, and the limits still hold.
 * Leaks across calls are LeakSanitizer's (libFuzzer -detect_leaks=1). */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd = -1;
static char memfd_path[64];

/* Put bytes in the memfd (made once, reused). */
static void put(const uint8_t *p, size_t n)
{
	if (memfd < 0) {
		memfd = memfd_create("fuzz-config", MFD_CLOEXEC);
		assert(memfd >= 0);
		snprintf(memfd_path, sizeof(memfd_path), "/proc/self/fd/%d", memfd);
	}
	assert(ftruncate(memfd, 0) == 0);
	while (n > 0) {
		ssize_t w = pwrite(memfd, p, n, 0);
		assert(w > 0 && (size_t)w == n);   /* a memfd takes it all */
		n = 0;
	}
}

static int abs_path(const char *s)
{
	return s && s[0] == '/';
}

static void check_bounds(const struct lchat_config *c)
{
	assert(abs_path(c->socket) && strlen(c->socket) <= 107);
	assert(abs_path(c->control_socket) && strlen(c->control_socket) <= 107);
	assert(strcmp(c->socket, c->control_socket) != 0);
	/* irc_socket: "" (none), or a socket path unlike the other two. */
	assert(c->irc_socket && (!c->irc_socket[0] ||
				 (abs_path(c->irc_socket) && strlen(c->irc_socket) <= 107 &&
				  strcmp(c->irc_socket, c->socket) != 0 &&
				  strcmp(c->irc_socket, c->control_socket) != 0)));
	assert(abs_path(c->state_dir));
	assert(c->admin_group && c->admin_group[0]);
	assert(c->motd);
	for (const char *p = c->motd;;) {
		size_t len = strcspn(p, "\n");
		assert(len <= 512);
		if (!p[len])
			break;
		p += len + 1;
	}
	assert(c->max_users >= 1 && c->max_users <= 100000);
	assert(c->max_users_per_uid >= 1 && c->max_users_per_uid <= c->max_users);
	assert(c->max_line >= MAX_LINE_MIN && c->max_line <= MAX_LINE_MAX);
	assert(c->history >= 16 && c->history <= 1000000);
	assert(c->backlog >= 0 && c->backlog <= c->history);
	assert(c->rate_limit >= 1 && c->rate_limit <= 100000);
	assert(c->rate_burst >= 1 && c->rate_burst <= 100000);
	assert(c->join_timeout >= 1 && c->join_timeout <= 3600);
}

static void assert_same(const struct lchat_config *a, const struct lchat_config *b)
{
	assert(strcmp(a->socket, b->socket) == 0);
	assert(strcmp(a->control_socket, b->control_socket) == 0);
	assert(strcmp(a->irc_socket, b->irc_socket) == 0);
	assert(strcmp(a->admin_group, b->admin_group) == 0);
	assert(strcmp(a->state_dir, b->state_dir) == 0);
	assert(strcmp(a->motd, b->motd) == 0);
	assert(a->max_users == b->max_users && a->max_users_per_uid == b->max_users_per_uid);
	assert(a->max_line == b->max_line && a->history == b->history);
	assert(a->backlog == b->backlog && a->rate_limit == b->rate_limit);
	assert(a->rate_burst == b->rate_burst && a->join_timeout == b->join_timeout);
	assert(a->log_messages == b->log_messages);
}

/* Load the bytes; returns config_load()'s result with cfg filled. */
static int load(const uint8_t *p, size_t n, struct lchat_config *cfg)
{
	char err[1024], err2[1024];
	struct lchat_config again;

	put(p, n);
	int rc = config_load(memfd_path, cfg, err, sizeof(err));
	int rc2 = config_load(memfd_path, &again, err2, sizeof(err2));
	assert(rc == rc2 && strcmp(err, err2) == 0);
	assert_same(cfg, &again);
	config_free(&again);
	if (rc < 0) {
		struct lchat_config def;
		assert(strncmp(err, memfd_path, strlen(memfd_path)) == 0);
		assert(err[strlen(memfd_path)] == ':' && err[strlen(memfd_path) + 1]);
		assert(config_defaults(&def) == 0);
		assert_same(cfg, &def);
		config_free(&def);
		return -1;
	}
	assert(rc == 0 && err[0] == '\0' && cfg->path);
	check_bounds(cfg);
	return 0;
}

/* Count the names in a comma-separated list. */
static int names(const char *list)
{
	int n = list[0] != '\0';
	for (; *list; list++)
		n += *list == ',';
	return n;
}

static void check_reload(struct lchat_config *cur, struct lchat_config *fresh)
{
	char changed[512], restart[512];
	struct lchat_config before = *cur, want = *fresh;

	/* Copies of the strings the comparison below needs after the swap. */
	before.socket = strdup(cur->socket);
	before.control_socket = strdup(cur->control_socket);
	before.irc_socket = strdup(cur->irc_socket);
	before.state_dir = strdup(cur->state_dir);
	want.admin_group = strdup(fresh->admin_group);
	want.motd = strdup(fresh->motd);
	assert(before.socket && before.control_socket && before.irc_socket && before.state_dir);
	assert(want.admin_group && want.motd);

	int n = config_apply_reload(cur, fresh, changed, sizeof(changed), restart, sizeof(restart));
	assert(n == names(changed));
	/* Restart options keep their values. */
	assert(strcmp(cur->socket, before.socket) == 0);
	assert(strcmp(cur->control_socket, before.control_socket) == 0);
	assert(strcmp(cur->irc_socket, before.irc_socket) == 0);
	assert(strcmp(cur->state_dir, before.state_dir) == 0);
	assert(cur->max_users == before.max_users && cur->max_line == before.max_line);
	assert(cur->history == before.history);
	/* Run-time options take the new values, clamped to the room's size. */
	assert(strcmp(cur->admin_group, want.admin_group) == 0);
	assert(strcmp(cur->motd, want.motd) == 0);
	assert(cur->rate_limit == want.rate_limit && cur->rate_burst == want.rate_burst);
	assert(cur->join_timeout == want.join_timeout && cur->log_messages == want.log_messages);
	assert(cur->max_users_per_uid == (want.max_users_per_uid < cur->max_users ?
					  want.max_users_per_uid : cur->max_users));
	assert(cur->backlog == (want.backlog < cur->history ? want.backlog : cur->history));
	check_bounds(cur);
	free(before.socket);
	free(before.control_socket);
	free(before.irc_socket);
	free(before.state_dir);
	free(want.admin_group);
	free(want.motd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lchat_config a, b;
	const uint8_t *nul = memchr(data, '\0', size);
	size_t na = nul ? (size_t)(nul - data) : size;

	int ra = load(data, na, &a);
	if (nul) {
		int rb = load(nul + 1, size - na - 1, &b);
		if (ra == 0 && rb == 0)
			check_reload(&a, &b);
		config_free(&b);
	}
	config_free(&a);
	return 0;
}
