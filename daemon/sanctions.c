/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* sanctions.c - the ban and mute list and its file. The file has one line
 * per sanction, "ban|mute UID UNTIL-MS LOGIN [REASON]"; the reason was
 * checked like any message text when it was given. An admin's change is
 * saved before it is made (sanctions_put(), sanctions_drop()): a change
 * that could not be saved is not made, so memory and file never differ. */
#include "sanctions.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cut.h"
#include "log.h"
#include "statefile.h"

static const char *const kind_names[] = { [SANCTION_BAN] = "ban", [SANCTION_MUTE] = "mute" };

const char *sanction_kind_name(enum sanction_kind kind)
{
	return kind == SANCTION_MUTE ? kind_names[SANCTION_MUTE] : kind_names[SANCTION_BAN];
}

int64_t sanction_mute_value(const struct sanction *m)
{
	if (!m)
		return 0;
	return m->until_ms ? m->until_ms : INT64_MAX;
}

static struct sanction *find_any(const struct sanctions *s, enum sanction_kind kind, uid_t uid)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].kind == kind && s->v[i].uid == uid)
			return &s->v[i];
	return NULL;
}

const struct sanction *sanctions_find(const struct sanctions *s, enum sanction_kind kind,
				      uid_t uid, int64_t now)
{
	const struct sanction *x = find_any(s, kind, uid);

	if (x && x->until_ms && x->until_ms <= now)
		return NULL;
	return x;
}

int sanctions_set(struct sanctions *s, const struct sanction *add)
{
	struct sanction *x = find_any(s, add->kind, add->uid);

	if (!x) {
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 16;
			struct sanction *v = realloc(s->v, cap * sizeof(*v));
			if (!v)
				return -1;
			s->v = v;
			s->cap = cap;
		}
		x = &s->v[s->n++];
	}
	*x = *add;
	return 0;
}

bool sanctions_remove(struct sanctions *s, enum sanction_kind kind, uid_t uid)
{
	struct sanction *x = find_any(s, kind, uid);

	if (!x)
		return false;
	*x = s->v[--s->n];
	return true;
}

size_t sanctions_expire(struct sanctions *s, int64_t now, struct sanction *gone, size_t max)
{
	size_t dropped = 0;

	for (size_t i = 0; i < s->n;) {
		if (s->v[i].until_ms && s->v[i].until_ms <= now) {
			if (dropped < max)
				gone[dropped] = s->v[i];
			dropped++;
			s->v[i] = s->v[--s->n];
		} else {
			i++;
		}
	}
	return dropped;
}

int64_t sanctions_next_end(const struct sanctions *s)
{
	int64_t next = 0;

	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].until_ms && (next == 0 || s->v[i].until_ms < next))
			next = s->v[i].until_ms;
	return next;
}

size_t sanctions_count(const struct sanctions *s, enum sanction_kind kind)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += s->v[i].kind == kind;
	return n;
}

void sanctions_free(struct sanctions *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

/* "ban 1001 0 alice spamming" -> x. */
static bool parse_line(char *line, struct sanction *x)
{
	char kind[8], login[LOGIN_MAX + 1];
	unsigned long uid;
	long long until;
	int used = 0;

	memset(x, 0, sizeof(*x));
	if (sscanf(line, "%7s %lu %lld %32s%n", kind, &uid, &until, login, &used) != 4 ||
	    until < 0 || uid > UINT32_MAX)
		return false;
	if (strcmp(kind, "ban") == 0)
		x->kind = SANCTION_BAN;
	else if (strcmp(kind, "mute") == 0)
		x->kind = SANCTION_MUTE;
	else
		return false;
	x->uid = (uid_t)uid;
	x->until_ms = until;
	text_printf(x->login, sizeof(x->login), "%s", login);
	const char *reason = line + used;
	while (*reason == ' ')
		reason++;
	text_printf(x->reason, sizeof(x->reason), "%s", reason);
	return true;
}

int sanctions_load(struct sanctions *s, const char *state_dir)
{
	memset(s, 0, sizeof(*s));
	text_printf(s->path, sizeof(s->path), "%s/sanctions", state_dir);
	int fd = open(s->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno != ENOENT)
			log_msg(LOG_ERR, "%s: %s; starting with no bans or mutes", s->path, strerror(errno));
		return 0;
	}
	FILE *f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -1;
	}
	char line[512];
	unsigned lineno = 0;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		struct sanction x;
		if (!parse_line(line, &x)) {
			log_msg(LOG_WARNING, "%s:%u: not a sanction; ignored", s->path, lineno);
			continue;
		}
		if (sanctions_set(s, &x) < 0) {
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

struct list {
	const struct sanction *v;
	size_t n;
};

static bool emit_list(FILE *f, const void *ctx)
{
	const struct list *l = ctx;
	bool ok = true;

	for (size_t i = 0; ok && i < l->n; i++) {
		const struct sanction *x = &l->v[i];
		ok = fprintf(f, "%s %u %" PRId64 " %s%s%s\n", sanction_kind_name(x->kind),
			     (unsigned)x->uid, x->until_ms, x->login, x->reason[0] ? " " : "",
			     x->reason) >= 0;
	}
	return ok;
}

/* Write v[0..n) to path whole or not at all (statefile.h). */
static int write_list(const char *path, const struct sanction *v, size_t n)
{
	struct list l = { v, n };

	return statefile_write(path, emit_list, &l);
}

int sanctions_save(const struct sanctions *s)
{
	if (write_list(s->path, s->v, s->n) < 0) {
		log_msg(LOG_ERR, "cannot save %s: %s", s->path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Save the list s would be after change(), and make it s's only then. */
static int commit(struct sanctions *s, const struct sanction *add, enum sanction_kind kind,
		  uid_t uid, bool *removed)
{
	struct sanctions next = { .n = s->n, .cap = s->n + 1 };

	next.v = malloc(next.cap * sizeof(*next.v));
	if (!next.v)
		return -1;
	if (s->n)
		memcpy(next.v, s->v, s->n * sizeof(*next.v));
	if (add)
		sanctions_set(&next, add);      /* room for one more: cannot fail */
	else
		*removed = sanctions_remove(&next, kind, uid);
	if ((add || *removed) && write_list(s->path, next.v, next.n) < 0) {
		int saved = errno;
		log_msg(LOG_ERR, "cannot save %s: %s", s->path, strerror(errno));
		free(next.v);
		errno = saved;
		return -1;
	}
	free(s->v);
	s->v = next.v;
	s->n = next.n;
	s->cap = next.cap;
	return 0;
}

int sanctions_put(struct sanctions *s, const struct sanction *add)
{
	return commit(s, add, add->kind, add->uid, NULL);
}

int sanctions_drop(struct sanctions *s, enum sanction_kind kind, uid_t uid)
{
	bool removed = false;

	if (commit(s, NULL, kind, uid, &removed) < 0)
		return -1;
	return removed;
}
