/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* waitbox.c - the store of waiting messages: a file of fixed records. */
#include "waitbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cut.h"
#include "room.h"

#define WAIT_MAGIC 0x4c43484157414954ULL   /* "LCHAWAIT" */
#define WAIT_VERSION 1

struct wait_hdr {
	uint64_t magic;
	uint32_t version;
	uint32_t slots;
	uint32_t rec_size;
	uint32_t text_cap;
	uint64_t serial;             /* the next message's order number */
};

struct wait_rec {
	_Atomic uint32_t used;       /* 1 once the record is complete */
	uint32_t to_uid, from_uid;
	uint16_t kind;
	uint16_t flags;              /* WAIT_FROM_ADMIN */
	uint64_t serial;             /* order of arrival */
	int64_t ms;
	uint32_t text_len;
	char from_name[NAME_MAX_LEN + 1];
	char from_login[LOGIN_MAX + 1];
	char text[];
};

/* wait_rec.flags: the sender was an administrator (MESG n lets it pass). */
#define WAIT_FROM_ADMIN 1

#define HDR_SIZE 4096

static size_t rec_size_for(uint32_t text_cap)
{
	return (sizeof(struct wait_rec) + text_cap + 63) & ~(size_t)63;
}

static struct wait_rec *rec(struct waitbox *w, uint32_t i)
{
	return (struct wait_rec *)(w->recs + (size_t)i * w->rec_size);
}

static void rec_msg(const struct wait_rec *r, struct wait_msg *m)
{
	m->to_uid = r->to_uid;
	m->from_uid = r->from_uid;
	m->kind = (enum event_kind)r->kind;
	m->ms = r->ms;
	m->from_name = r->from_name;
	m->from_login = r->from_login;
	m->text = r->text;
	m->text_len = r->text_len;
	m->from_admin = (r->flags & WAIT_FROM_ADMIN) != 0;
}

static void rec_clear(struct waitbox *w, struct wait_rec *r)
{
	atomic_store(&r->used, 0);
	memset((char *)r + sizeof(r->used), 0, w->rec_size - sizeof(r->used));
}

static void rec_fill(struct waitbox *w, struct wait_rec *r, const struct wait_msg *m)
{
	size_t len = m->text_len < w->text_cap ? m->text_len : w->text_cap;

	r->to_uid = (uint32_t)m->to_uid;
	r->from_uid = (uint32_t)m->from_uid;
	r->kind = (uint16_t)m->kind;
	r->flags = m->from_admin ? WAIT_FROM_ADMIN : 0;
	r->serial = w->hdr->serial++;
	r->ms = m->ms;
	/* Cut on a character boundary if a smaller geometry took it over. */
	r->text_len = (uint32_t)(len < m->text_len ? text_cut(m->text, m->text_len, len) : len);
	memcpy(r->text, m->text, r->text_len);
	text_printf(r->from_name, sizeof(r->from_name), "%s", m->from_name);
	text_printf(r->from_login, sizeof(r->from_login), "%s", m->from_login);
	atomic_store(&r->used, 1);
}

/* The valid records of a file of another geometry, copied before the
 * file is made anew: *n of them, in a malloc'ed block (NULL: none). */
static char *carry_over(int fd, const struct wait_hdr *old, size_t file_size, uint32_t *n)
{
	size_t rs = old->rec_size, need = HDR_SIZE + (size_t)old->slots * rs;
	char *copy = NULL;

	*n = 0;
	if (rs < sizeof(struct wait_rec) || rs != rec_size_for(old->text_cap) ||
	    need > file_size || !(copy = malloc((size_t)old->slots * rs + 1)))
		return copy;
	void *map = mmap(NULL, need, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return copy;
	for (uint32_t i = 0; i < old->slots; i++) {
		const struct wait_rec *r = (const void *)((char *)map + HDR_SIZE + (size_t)i * rs);
		if (atomic_load(&r->used) == 1 && r->text_len <= old->text_cap)
			memcpy(copy + (size_t)(*n)++ * rs, r, rs);
	}
	munmap(map, need);
	return copy;
}

/* Map fd's `size` bytes, allocated in full first: a full disk is found
 * here, not later by a handler's SIGBUS. NULL with err on failure. */
static void *map_file(int fd, const char *path, size_t size, char *err, size_t errlen)
{
	if (ftruncate(fd, (off_t)size) < 0) {
		text_printf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	int rc = posix_fallocate(fd, 0, (off_t)size);
	if (rc) {
		text_printf(err, errlen, "%s: cannot allocate %zu bytes: %s", path, size,
			    strerror(rc));
		return NULL;
	}
	void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		text_printf(err, errlen, "%s: mmap: %s", path, strerror(errno));
		return NULL;
	}
	return map;
}

/* A new file for the geometry of w, with the n records of `moved`
 * (old_rs bytes each), put in place of path by temp + fsync + rename:
 * if anything fails, the old file and its messages are as they were. */
static void *make_anew(struct waitbox *w, const char *path, const char *moved, uint32_t n,
		       size_t old_rs, char *err, size_t errlen)
{
	char tmp[4200];
	size_t size = HDR_SIZE + (size_t)w->slots * w->rec_size;

	text_printf(tmp, sizeof(tmp), "%s.new", path);
	int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		text_printf(err, errlen, "%s: %s", tmp, strerror(errno));
		return NULL;
	}
	void *map = map_file(fd, tmp, size, err, errlen);
	if (!map)
		goto fail;
	w->hdr = map;
	w->recs = (char *)map + HDR_SIZE;
	w->hdr->magic = WAIT_MAGIC;
	w->hdr->version = WAIT_VERSION;
	w->hdr->slots = w->slots;
	w->hdr->rec_size = w->rec_size;
	w->hdr->text_cap = w->text_cap;
	w->hdr->serial = 1;
	for (uint32_t i = 0; i < n && i < w->slots; i++) {
		struct wait_rec *r = (struct wait_rec *)(moved + (size_t)i * old_rs);
		struct wait_msg m;
		r->from_name[NAME_MAX_LEN] = r->from_login[LOGIN_MAX] = '\0';
		rec_msg(r, &m);
		rec_fill(w, rec(w, i), &m);
	}
	if (msync(map, size, MS_SYNC) < 0 || fsync(fd) < 0 || rename(tmp, path) < 0) {
		text_printf(err, errlen, "%s: %s", tmp, strerror(errno));
		munmap(map, size);
		w->hdr = NULL;
		goto fail;
	}
	close(fd);
	return map;
fail:
	unlink(tmp);
	close(fd);
	return NULL;
}

int waitbox_open(struct waitbox *w, const char *path, uint32_t slots, uint32_t text_cap,
		 char *err, size_t errlen)
{
	struct wait_hdr old;
	struct stat st;
	size_t rs = rec_size_for(text_cap), size = HDR_SIZE + (size_t)slots * rs;
	void *map;

	memset(w, 0, sizeof(*w));
	w->slots = slots;
	w->rec_size = (uint32_t)rs;
	w->text_cap = text_cap;
	w->map_size = size;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		text_printf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* Readable by nobody else, whatever the umask or an older file said. */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    fchmod(fd, 0600) < 0) {
		text_printf(err, errlen, "%s: not a regular file owned by this user", path);
		close(fd);
		return -1;
	}
	bool valid = pread(fd, &old, sizeof(old), 0) == (ssize_t)sizeof(old) &&
		     old.magic == WAIT_MAGIC && old.version == WAIT_VERSION;
	if (!valid || (old.slots == slots && old.text_cap == text_cap && old.rec_size == rs &&
		       (size_t)st.st_size == size)) {
		/* The same geometry, or a new (or unreadable) file. */
		map = map_file(fd, path, size, err, errlen);
		close(fd);
		if (!map)
			return -1;
		w->hdr = map;
		w->recs = (char *)map + HDR_SIZE;
		if (!valid) {
			memset(map, 0, size);
			w->hdr->magic = WAIT_MAGIC;
			w->hdr->version = WAIT_VERSION;
			w->hdr->slots = slots;
			w->hdr->rec_size = (uint32_t)rs;
			w->hdr->text_cap = text_cap;
			w->hdr->serial = 1;
		}
	} else {
		/* Another geometry: carry the messages over to a new file. */
		uint32_t n;
		char *moved = carry_over(fd, &old, (size_t)st.st_size, &n);
		close(fd);
		map = moved ? make_anew(w, path, moved, n, old.rec_size, err, errlen) : NULL;
		if (!moved)
			text_printf(err, errlen, "%s: out of memory", path);
		free(moved);
		if (!map)
			return -1;
	}
	/* A handler that died in the middle of a record left it unpublished
	 * or half-cleared: clear it. */
	for (uint32_t i = 0; i < slots; i++)
		if (atomic_load(&rec(w, i)->used) != 1 && rec(w, i)->serial != 0)
			rec_clear(w, rec(w, i));
	return 0;
}

void waitbox_close(struct waitbox *w)
{
	if (!w->hdr)
		return;
	msync(w->hdr, w->map_size, MS_SYNC);
	munmap(w->hdr, w->map_size);
	w->hdr = NULL;
}

unsigned waitbox_count_locked(struct waitbox *w, uid_t uid,
			      bool (*wanted)(void *ctx, const struct wait_msg *m), void *ctx)
{
	unsigned n = 0;

	for (uint32_t i = 0; w->hdr && i < w->slots; i++) {
		struct wait_rec *r = rec(w, i);
		if (atomic_load(&r->used) != 1 || r->to_uid != (uint32_t)uid)
			continue;
		struct wait_msg m;
		rec_msg(r, &m);
		n += !wanted || wanted(ctx, &m);
	}
	return n;
}

enum reply_code waitbox_add_locked(struct waitbox *w, const struct wait_msg *m, unsigned per_max)
{
	struct wait_rec *free_rec = NULL;
	unsigned n = 0;

	for (uint32_t i = 0; w->hdr && i < w->slots; i++) {
		struct wait_rec *r = rec(w, i);
		if (atomic_load(&r->used) != 1) {
			if (!free_rec)
				free_rec = r;
		} else if (r->to_uid == (uint32_t)m->to_uid) {
			n++;
		}
	}
	if (n >= per_max)
		return CODE_WAIT_FULL;
	if (!free_rec)
		return CODE_STORAGE;
	rec_fill(w, free_rec, m);
	return CODE_OK;
}

unsigned waitbox_take_locked(struct waitbox *w, uid_t uid,
			     void (*fn)(void *ctx, const struct wait_msg *m), void *ctx)
{
	unsigned n = 0;

	for (;;) {
		struct wait_rec *first = NULL;
		for (uint32_t i = 0; w->hdr && i < w->slots; i++) {
			struct wait_rec *r = rec(w, i);
			if (atomic_load(&r->used) == 1 && r->to_uid == (uint32_t)uid &&
			    (!first || r->serial < first->serial))
				first = r;
		}
		if (!first)
			return n;
		struct wait_msg m;
		rec_msg(first, &m);
		fn(ctx, &m);
		rec_clear(w, first);
		n++;
	}
}

unsigned waitbox_expire_locked(struct waitbox *w, int64_t before_ms, int64_t *oldest)
{
	unsigned n = 0;

	*oldest = 0;
	for (uint32_t i = 0; w->hdr && i < w->slots; i++) {
		struct wait_rec *r = rec(w, i);
		if (atomic_load(&r->used) != 1)
			continue;
		if (r->ms < before_ms) {
			rec_clear(w, r);
			n++;
		} else if (*oldest == 0 || r->ms < *oldest) {
			*oldest = r->ms;
		}
	}
	return n;
}
