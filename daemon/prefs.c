/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* prefs.c - the users' preferences (prefs.h) and their file, one line per
 * uid that has any: "UID y|n [IGNORED-UID]...". */
#include "prefs.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cut.h"
#include "log.h"
#include "statefile.h"
#include "words.h"

static struct user_prefs *find(const struct prefs *p, uint32_t uid)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].uid == uid)
			return &p->v[i];
	return NULL;
}

const struct user_prefs *prefs_find(const struct prefs *p, uint32_t uid)
{
	return find(p, uid);
}

/* Set uid's preferences to x (nothing set: removed). -1 if out of memory. */
static int put(struct prefs *p, const struct user_prefs *x)
{
	struct user_prefs *old = find(p, x->uid);

	if (!x->mesg_off && x->n == 0) {
		if (old)
			*old = p->v[--p->n];
		return 0;
	}
	if (old) {
		*old = *x;
		return 0;
	}
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct user_prefs *v = realloc(p->v, cap * sizeof(*v));
		if (!v)
			return -1;
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n++] = *x;
	return 0;
}

void prefs_free(struct prefs *p)
{
	free(p->v);
	p->v = NULL;
	p->n = p->cap = 0;
}

static bool parse_line(const char *line, size_t len, struct user_prefs *x)
{
	const char *p = line, *e = line + len;
	size_t n;
	uint64_t v;

	memset(x, 0, sizeof(*x));
	const char *w = proto_next_word(&p, e, &n);
	if (!proto_parse_u64(w, n, &v) || v > UINT32_MAX)
		return false;
	x->uid = (uint32_t)v;
	w = proto_next_word(&p, e, &n);
	if (!proto_word_is(w, n, "y") && !proto_word_is(w, n, "n"))
		return false;
	x->mesg_off = w[0] == 'n';
	while (p < e) {
		w = proto_next_word(&p, e, &n);
		if (!proto_parse_u64(w, n, &v) || v > UINT32_MAX || x->n >= USERTAB_IGNORE_MAX)
			return false;
		x->ignored[x->n++] = (uint32_t)v;
	}
	return true;
}

int prefs_load(struct prefs *p, const char *state_dir)
{
	memset(p, 0, sizeof(*p));
	text_printf(p->path, sizeof(p->path), "%s/prefs", state_dir);
	FILE *f = fopen(p->path, "re");
	if (!f) {
		if (errno != ENOENT)
			log_msg(LOG_ERR, "%s: %s; no user preferences", p->path, strerror(errno));
		return 0;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned lineno = 0;
	int rc = 0;
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			len--;
		struct user_prefs x;
		if (!parse_line(line, (size_t)len, &x)) {
			log_msg(LOG_WARNING, "%s:%u: not a line of preferences; skipped", p->path, lineno);
			continue;
		}
		if (put(p, &x) < 0) {
			rc = -1;
			break;
		}
	}
	free(line);
	fclose(f);
	return rc;
}

static bool emit(FILE *f, const void *ctx)
{
	const struct prefs *p = ctx;
	bool ok = true;

	for (size_t i = 0; ok && i < p->n; i++) {
		const struct user_prefs *x = &p->v[i];
		ok = fprintf(f, "%" PRIu32 " %c", x->uid, x->mesg_off ? 'n' : 'y') >= 0;
		for (uint32_t k = 0; ok && k < x->n; k++)
			ok = fprintf(f, " %" PRIu32, x->ignored[k]) >= 0;
		ok = ok && fputc('\n', f) != EOF;
	}
	return ok;
}

void prefs_fill(const struct prefs *p, struct room *r, uint32_t u)
{
	if (u >= r->users_n)
		return;
	struct room_user *e = &r->users[u];
	if (e->prefs.loaded)
		return;
	const struct user_prefs *x = find(p, e->uid);
	uint32_t n = x ? x->n : 0;
	for (uint32_t i = 0; i < n; i++)
		atomic_store(&e->prefs.ignored[i], x->ignored[i]);
	atomic_store(&e->prefs.nignored, n);
	atomic_store(&e->prefs.mesg_off, x && x->mesg_off);
	atomic_store(&e->prefs.dirty, 0);
	e->prefs.loaded = 1;
}

void prefs_sync(struct prefs *p, struct room *r)
{
	if (!atomic_exchange(&r->hdr->prefs_dirty, 0))
		return;
	bool oom = false;
	room_lock(r);
	uint32_t used = r->hdr->users_unused < r->users_n ? r->hdr->users_unused : r->users_n;
	for (uint32_t u = 0; u < used; u++) {
		struct room_user *e = &r->users[u];
		if (!e->prefs.loaded || !atomic_load(&e->prefs.dirty))
			continue;
		struct user_prefs x = { .uid = e->uid, .mesg_off = atomic_load(&e->prefs.mesg_off) };
		x.n = atomic_load(&e->prefs.nignored);
		if (x.n > USERTAB_IGNORE_MAX)
			x.n = USERTAB_IGNORE_MAX;
		for (uint32_t i = 0; i < x.n; i++)
			x.ignored[i] = atomic_load(&e->prefs.ignored[i]);
		if (put(p, &x) < 0) {
			oom = true;   /* stays dirty: tried again at the next change */
			continue;
		}
		atomic_store(&e->prefs.dirty, 0);
	}
	room_unlock(r);
	if (oom) {
		atomic_store(&r->hdr->prefs_dirty, 1);
		log_msg(LOG_ERR, "out of memory keeping the users' preferences");
	}
	if (statefile_write(p->path, emit, p) < 0)
		log_msg(LOG_ERR, "cannot save %s: %s", p->path, strerror(errno));
	else
		log_msg(LOG_INFO, "users' preferences saved (%zu users have some)", p->n);
}
