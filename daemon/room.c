/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* room.c - the shared-memory room: member table, ring log and robust
 * mutex. See room.h for the layout. */
#include "room.h"

#include "cut.h"
#include "reply.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buffer.h"
#include "log.h"
#include "util.h"
#include "wake.h"

#define ROOM_MAGIC   0x316d727461686c63ULL   /* "chatrm1" */
#define ROOM_VERSION 11  /* 6: records name sender and target by uid and key; 7: the user table; 8: first_seq; 9: rooms; 10: IRC slots, every record its login; 11: parted_until */

static size_t round_up(size_t n, size_t to)
{
	return (n + to - 1) / to * to;
}

struct room_geometry {
	size_t hdr_size, slots_size, index_size, rec_size, ring_size, users_size, map_size;
};

static struct room_geometry geometry(uint32_t max_users, uint32_t history,
				     uint32_t max_line)
{
	struct room_geometry g;

	g.hdr_size = round_up(sizeof(struct room_header), 4096);
	g.slots_size = round_up((size_t)max_users * sizeof(struct room_slot), 4096);
	g.index_size = round_up(nameindex_bytes(max_users), 4096);
	g.rec_size = round_up(sizeof(struct room_rec) + max_line + PROTO_OVERHEAD, 64);
	g.ring_size = round_up((size_t)history * g.rec_size, 4096);
	g.users_size = round_up(usertab_bytes(max_users), 4096);
	g.map_size = g.hdr_size + g.slots_size + g.index_size + g.ring_size + g.users_size;
	return g;
}

static struct room_rec *rec_at(struct room *r, uint64_t seq)
{
	return (struct room_rec *)(r->ring + (seq % r->history) * r->rec_size);
}

static int init_mutex(pthread_mutex_t *m)
{
	pthread_mutexattr_t a;
	int rc;

	if ((rc = pthread_mutexattr_init(&a)) != 0)
		return rc;
	rc = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	if (!rc)
		rc = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	if (!rc)
		rc = pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
	return rc;
}

/* Announce members a dead daemon left in the table, then clear it (the
 * name index is emptied with it, by room_open()). */
static void clear_leftover_members(struct room *r)
{
	ROOM_FOREACH_SLOT(r, i) {
		struct room_slot *s = &r->slots[i];
		if (atomic_load(&s->state) == SLOT_JOINED) {
			struct room_event ev = {
				.kind = EV_LEAVE, .name = s->name,
				.login = s->login, .reason = LEAVE_LOST,
			};
			s->name[NAME_MAX_LEN] = s->login[LOGIN_MAX] = '\0';
			room_append_locked(r, &ev);
		}
	}
	/* Generations survive: records in the kept ring name their sender and
	 * target by (slot, generation), and a new occupant of a slot must not
	 * pass for the old one. All max_users slots, not ROOM_FOREACH_SLOT: the
	 * whole table is cleared, whatever the high water says. */
	for (uint32_t i = 0; i < r->max_users; i++) {
		uint32_t gen = r->slots[i].gen;
		memset(&r->slots[i], 0, sizeof(r->slots[i]));
		r->slots[i].gen = gen;
	}
	atomic_store(&r->hdr->high_water, 0);
	/* The rooms lose their members; user rooms go (their generations go
	 * on: the kept log must not replay into a new room of the name). */
	for (uint32_t k = 0; k < ROOMS_MAX; k++) {
		r->hdr->defs[k].members = 0;
		if (r->hdr->defs[k].kind == ROOMK_USER)
			r->hdr->defs[k].kind = ROOMK_FREE;
	}
}

int room_open(struct room *r, const char *path, uint32_t max_users,
	      uint32_t history, uint32_t max_line, char *err, size_t errlen)
{
	struct room_geometry g = geometry(max_users, history, max_line);
	struct room_header old;
	struct stat st;
	bool keep_ring = false;
	uint64_t next_seq = 1, first_seq = 1;
	int fd;

	memset(r, 0, sizeof(*r));
	r->notify_fd = -1;
	r->lock_fd = -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		text_printf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* Before anything is written: a live room (its daemon, or handlers
	 * that outlive it) keeps the lock. */
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK)
			text_printf(err, errlen, "%s: the room is in use by another lchatd "
				    "(its daemon or handlers still run)", path);
		else
			text_printf(err, errlen, "%s: flock: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		text_printf(err, errlen, "%s: not a regular file owned by this user", path);
		close(fd);
		return -1;
	}
	if (pread(fd, &old, sizeof(old), 0) == (ssize_t)sizeof(old) &&
	    old.magic == ROOM_MAGIC && old.version == ROOM_VERSION) {
		next_seq = atomic_load(&old.next_seq);
		keep_ring = old.max_users == max_users && old.history == history &&
			    old.rec_size == g.rec_size && old.map_size == g.map_size &&
			    (uint64_t)st.st_size == g.map_size;
		first_seq = keep_ring ? old.first_seq : next_seq;
	}
	/* A new geometry starts from zeroes, but sequence numbers go on. */
	if ((!keep_ring && ftruncate(fd, 0) < 0) ||
	    ftruncate(fd, (off_t)g.map_size) < 0) {
		text_printf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	/* Every page of the file now: a sparse file on a file system that
	 * fills up later would kill whoever touches a new page with SIGBUS. */
	int rc = posix_fallocate(fd, 0, (off_t)g.map_size);
	if (rc) {
		text_printf(err, errlen, "%s: cannot allocate the room's %llu bytes: %s", path,
			    (unsigned long long)g.map_size, strerror(rc));
		close(fd);
		return -1;
	}
	void *map = mmap(NULL, g.map_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int map_errno = errno;
	if (map == MAP_FAILED) {
		close(fd);
		text_printf(err, errlen, "%s: mmap: %s", path, strerror(map_errno));
		return -1;
	}

	r->lock_fd = fd;
	r->hdr = map;
	r->slots = (struct room_slot *)((char *)map + g.hdr_size);
	nameindex_attach(&r->names, (char *)map + g.hdr_size + g.slots_size, max_users);
	r->ring = (char *)map + g.hdr_size + g.slots_size + g.index_size;
	r->map_size = g.map_size;
	r->max_users = max_users;
	r->history = history;
	r->rec_size = (uint32_t)g.rec_size;
	r->ring_size = g.ring_size;
	r->ring_chunk = round_up((g.ring_size + 63) / 64, 4096);
	r->ring_mapped = 0;

	/* No other process uses the mapping yet: the mutex of a dead daemon
	 * (possibly held) is simply made anew. */
	rc = init_mutex(&r->hdr->lock);
	if (rc) {
		text_printf(err, errlen, "room mutex: %s", strerror(rc));
		room_close(r);
		return -1;
	}
	r->hdr->magic = ROOM_MAGIC;
	r->hdr->version = ROOM_VERSION;
	r->hdr->max_users = max_users;
	r->hdr->history = history;
	r->hdr->rec_size = r->rec_size;
	r->hdr->map_size = g.map_size;
	atomic_store(&r->hdr->next_seq, next_seq ? next_seq : 1);
	r->hdr->first_seq = first_seq ? first_seq : 1;
	atomic_store(&r->hdr->messages, 0);
	if (keep_ring)
		clear_leftover_members(r);
	else
		atomic_store(&r->hdr->high_water, 0);
	nameindex_rebuild(r);   /* the table is empty: so is the index */
	/* Budgets start afresh with the daemon: their times are monotonic,
	 * and no slot pins an entry any more. */
	usertab_attach(r, r->ring + g.ring_size);
	return 0;
}

void room_close(struct room *r)
{
	if (r->notify_fd >= 0)
		close(r->notify_fd);
	r->notify_fd = -1;
	if (r->lock_fd >= 0)
		close(r->lock_fd);
	r->lock_fd = -1;
	if (r->hdr)
		munmap(r->hdr, r->map_size);
	r->hdr = NULL;
}

/* Map the ring's chunk holding byte off writable in this process. */
static void map_chunk(struct room *r, size_t off)
{
	size_t k = off / r->ring_chunk, at = k * r->ring_chunk;
	size_t len = r->ring_size - at < r->ring_chunk ? r->ring_size - at : r->ring_chunk;

	if (r->ring_mapped & (UINT64_C(1) << k))
		return;
	/* Should it fail (a kernel before 5.14), the pages fault one by one. */
	(void)madvise(r->ring + at, len, MADV_POPULATE_WRITE);
	r->ring_mapped |= UINT64_C(1) << k;
}

/* A process maps each page of the room file on its first touch, with a
 * fault, and fork() copies no page table of a shared file mapping: every
 * handler would fault anew on each page of the ring it writes. In the
 * benchmark's VM a fault costs about 10 us, and at 10 rooms these faults
 * were a fifth of a sending handler's time. So the chunk (1/64 of the
 * ring) that holds the record is mapped whole with one madvise(), once
 * per process: room_lock() does it for the next record before it takes
 * the lock, and append_one() again under the lock, should another
 * process have appended in between. */
static void map_for_write(struct room *r, uint64_t seq)
{
	size_t off = (size_t)(seq % r->history) * r->rec_size;

	if (!r->ring_chunk)
		return;
	map_chunk(r, off);
	map_chunk(r, off + r->rec_size - 1);
}

/* Fetch for writing the first cache lines of the records at seq and
 * after. A record was last in a cache `history` records ago, often the
 * other CPU's, and the miss to fetch it back, taken under the lock, kept
 * the other handlers waiting on the futex (at 10 rooms, N = 100: 11,000
 * futex calls for 90,000 messages; 4,200 with this). Taken before the
 * lock, the miss costs its handler alone. Two records: the next, and the
 * one after it, for a handler that waits behind another. */
#define WARM_RECORDS 2
#define WARM_LINES 6    /* the header and a short message's line */
static void warm_next(struct room *r, uint64_t seq)
{
	for (uint64_t q = seq; q < seq + WARM_RECORDS; q++) {
		char *rec = (char *)rec_at(r, q);
		(void)atomic_load_explicit(&((struct room_rec *)rec)->seq, memory_order_relaxed);
		for (size_t l = 0; l < WARM_LINES && l * 64 < r->rec_size; l++) {
#if defined(__x86_64__)
			__asm__ volatile("prefetchw %0" : : "m"(rec[l * 64]));
#else
			__builtin_prefetch(rec + l * 64, 1);
#endif
		}
	}
}

void room_lock(struct room *r)
{
	uint64_t next = atomic_load_explicit(&r->hdr->next_seq, memory_order_relaxed);

	map_for_write(r, next);
	warm_next(r, next);
	int rc = pthread_mutex_lock(&r->hdr->lock);

	if (rc == EOWNERDEAD) {
		/* The holder died mid-update. Nothing it half-wrote is visible
		 * (next_seq was not advanced), so the log is consistent; but it
		 * may have posted, or set a handler's wake flag, and died before
		 * waking anyone: wake the writer and every handler. It may also
		 * have died in the middle of changing the name index: make it
		 * anew from the table. */
		log_msg(LOG_WARNING, "room lock holder died; recovered");
		pthread_mutex_consistent(&r->hdr->lock);
		nameindex_rebuild(r);
		ROOM_FOREACH_SLOT(r, i)
			if (atomic_load(&r->slots[i].state) != SLOT_FREE)
				wake_slot_forced(&r->slots[i]);
		wake_writer(r);
	} else if (rc) {
		log_msg(LOG_CRIT, "room lock: %s", strerror(rc));
		abort();
	}
}

void room_unlock(struct room *r)
{
	pthread_mutex_unlock(&r->hdr->lock);
}

/* Append one record with room tag `tag` (a room's index + 1, or
 * ROOM_TAG_ALL, ROOM_TAG_NOBODY); quiet: not its origin's ack. */
static uint64_t append_one(struct room *r, const struct room_event *ev, uint32_t tag, bool quiet)
{
	uint64_t seq = atomic_load(&r->hdr->next_seq);
	struct room_rec *rec = rec_at(r, seq);
	int64_t ms = now_ms();

	map_for_write(r, seq);

	/* Invalidate the record first: a reader still copying the event that
	 * used to live here will notice. */
	atomic_store_explicit(&rec->seq, 0, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	rec->ms = ms;
	rec->origin = ev->origin;
	rec->origin_gen = ev->origin ? r->slots[ev->origin - 1].gen : 0;
	rec->target = ev->target;
	rec->target_gen = ev->target ? r->slots[ev->target - 1].gen : 0;
	rec->origin_uid = ev->origin ? r->slots[ev->origin - 1].uid : 0;
	rec->target_uid = ev->target ? r->slots[ev->target - 1].uid : 0;
	memcpy(rec->origin_key, ev->origin ? r->slots[ev->origin - 1].key : "",
	       ev->origin ? sizeof(rec->origin_key) : 1);
	memcpy(rec->target_key, ev->target ? r->slots[ev->target - 1].key : "",
	       ev->target ? sizeof(rec->target_key) : 1);
	rec->kind = (uint16_t)ev->kind;
	rec->reason = (uint8_t)ev->reason;
	rec->room = (uint8_t)tag;
	rec->quiet = quiet;
	if (tag >= 1 && tag <= ROOMS_MAX) {
		rec->room_gen = r->hdr->defs[tag - 1].gen;
		memcpy(rec->room_name, r->hdr->defs[tag - 1].name, sizeof(rec->room_name));
	} else {
		rec->room_gen = 0;
		rec->room_name[0] = '\0';
	}
	__atomic_store_n(&rec->scrubbed, 0, __ATOMIC_RELAXED);
	text_copy_str(rec->name, sizeof(rec->name), ev->name ? ev->name : "");
	/* Every member's record names its login (the IRC prefix's user). */
	text_copy_str(rec->login, sizeof(rec->login), ev->login ? ev->login :
		      ev->origin ? r->slots[ev->origin - 1].login : "");
	size_t cap = r->rec_size - sizeof(struct room_rec);
	size_t text_len = ev->text && ev->kind != EV_JOIN ? ev->text_len : 0;
	size_t n = proto_format_event(rec->line, cap, seq, ms, ev->kind, ev->name,
				      ev->login, ev->reason, ev->text, ev->text_len);
	if (n == 0) {
		/* Cannot happen with checked input; publish a harmless line
		 * rather than a gap in the sequence. */
		n = proto_format_event(rec->line, cap, seq, ms, EV_NOTICE, NULL,
				       NULL, 0, "(event too long)", 16);
		rec->kind = EV_NOTICE;
		rec->origin = rec->origin_gen = rec->target = rec->target_gen = 0;
		rec->origin_uid = rec->target_uid = 0;
		rec->room = ROOM_TAG_ALL;
		text_len = 16;
	}
	/* What a longer line that lived here left behind it (the text of a
	 * private message, say) goes: the file keeps only the lines it holds. */
	size_t old = rec->len < cap ? rec->len : cap;
	if (old > n)
		memset(rec->line + n, 0, old - n);
	/* The text is the line's last field, before its "\n". */
	rec->text_len = (uint32_t)text_len;
	rec->text_off = (uint32_t)(n - 1 - text_len);
	rec->len = (uint32_t)n;
	atomic_store_explicit(&rec->seq, seq, memory_order_release);
	atomic_store(&r->hdr->next_seq, seq + 1);
	if (ev->kind == EV_MSG || ev->kind == EV_ACTION || ev->kind == EV_PRIV)
		atomic_fetch_add_explicit(&r->hdr->messages, 1, memory_order_relaxed);
	return seq;
}

/* A member leaves every room it is in (its LEAVE, or a NICK, written in
 * each: kind), the last record being `quiet` = false. */
static uint64_t append_each_room(struct room *r, const struct room_event *ev)
{
	struct room_slot *s = &r->slots[ev->origin - 1];
	uint64_t mask = atomic_load(&s->rooms), seq = 0;

	if (mask == 0)   /* in no room: for nobody but its own ack */
		return append_one(r, ev, ROOM_TAG_NOBODY, false);
	for (uint32_t k = 0; k < ROOMS_MAX; k++) {
		if (!(mask & (UINT64_C(1) << k)))
			continue;
		mask &= ~(UINT64_C(1) << k);
		seq = append_one(r, ev, k + 1, mask != 0);
		if (ev->kind == EV_LEAVE)
			room_part_locked(r, ev->origin - 1, k, seq);
	}
	return seq;
}

uint64_t room_append_locked(struct room *r, const struct room_event *ev)
{
	if (ev->room > 0)
		return append_one(r, ev, (uint32_t)ev->room, false);
	if (ev->room == ROOM_EV_ALL)
		return append_one(r, ev, ROOM_TAG_ALL, false);
	switch (ev->kind) {
	case EV_JOIN:
	case EV_MSG:
	case EV_ACTION:
		return append_one(r, ev, r->hdr->default_room + 1, false);
	case EV_LEAVE:
	case EV_NICK:
		if (ev->origin)
			return append_each_room(r, ev);
		return append_one(r, ev, r->hdr->default_room + 1, false);
	default:
		return append_one(r, ev, ROOM_TAG_ALL, false);
	}
}

uint64_t room_post(struct room *r, const struct room_event *ev)
{
	room_lock(r);
	uint64_t seq = room_append_locked(r, ev);
	room_unlock(r);
	wake_writer(r);
	return seq;
}

uint64_t room_oldest(struct room *r, uint64_t head)
{
	uint64_t oldest = head > r->history ? head - r->history + 1 : 1;

	return oldest > r->hdr->first_seq ? oldest : r->hdr->first_seq;
}

bool room_read(struct room *r, uint64_t seq, struct room_rec_info *info,
	       char *out, size_t cap)
{
	return room_read_as(r, seq, info, out, cap, false);
}

bool room_read_as(struct room *r, uint64_t seq, struct room_rec_info *info,
		  char *out, size_t cap, bool names)
{
	struct room_rec *rec = rec_at(r, seq);

	if (atomic_load_explicit(&rec->seq, memory_order_acquire) != seq)
		return false;
	info->seq = seq;
	info->origin = rec->origin;
	info->origin_gen = rec->origin_gen;
	info->target = rec->target;
	info->target_gen = rec->target_gen;
	info->origin_uid = rec->origin_uid;
	info->target_uid = rec->target_uid;
	if (info->target) {
		memcpy(info->origin_key, rec->origin_key, sizeof(info->origin_key));
		memcpy(info->target_key, rec->target_key, sizeof(info->target_key));
		info->origin_key[NAME_MAX_LEN] = info->target_key[NAME_MAX_LEN] = '\0';
	}
	info->kind = (enum event_kind)rec->kind;
	info->quiet = rec->quiet;
	info->room = rec->room;
	info->room_gen = rec->room_gen;
	memcpy(info->room_name, rec->room_name, sizeof(info->room_name));
	info->room_name[ROOM_NAME_MAX] = '\0';
	info->text_off = rec->text_off;
	info->text_len = rec->text_len;
	if (names) {   /* only the IRC form needs them: 66 bytes a copy saved */
		memcpy(info->name, rec->name, sizeof(info->name));
		memcpy(info->login, rec->login, sizeof(info->login));
		info->name[NAME_MAX_LEN] = info->login[LOGIN_MAX] = '\0';
	} else {
		info->name[0] = info->login[0] = '\0';
	}
	info->ms = rec->ms;
	info->reason = rec->reason;
	size_t full = rec->len;
	size_t max = r->rec_size - sizeof(struct room_rec);
	if (full > max)
		full = max;     /* torn read; rejected below */
	size_t n = full < cap ? full : cap;
	memcpy(out, rec->line, n);
	info->len = n;
	/* A scrub that began before the copy ended is seen here: the flag
	 * is set before the text is zeroed (room_scrub_private_locked). */
	atomic_thread_fence(memory_order_seq_cst);
	info->scrubbed = __atomic_load_n(&rec->scrubbed, __ATOMIC_RELAXED) != 0;
	if (atomic_load_explicit(&rec->seq, memory_order_relaxed) != seq)
		return false;
	return info->text_off + info->text_len < full;   /* else torn */
}

bool room_peek_room(struct room *r, uint64_t seq, uint8_t *room, uint32_t *room_gen)
{
	struct room_rec *rec = rec_at(r, seq);

	if (atomic_load_explicit(&rec->seq, memory_order_acquire) != seq)
		return false;
	*room = rec->room;
	*room_gen = rec->room_gen;
	atomic_thread_fence(memory_order_acquire);
	return atomic_load_explicit(&rec->seq, memory_order_relaxed) == seq;
}

unsigned room_scrub_private_locked(struct room *r, int64_t before_ms, int64_t *oldest)
{
	uint64_t head = room_head(r);
	unsigned n = 0;

	*oldest = 0;
	for (uint64_t seq = room_oldest(r, head); seq < head; seq++) {
		struct room_rec *rec = rec_at(r, seq);
		if (atomic_load(&rec->seq) != seq || rec->kind != EV_PRIV ||
		    __atomic_load_n(&rec->scrubbed, __ATOMIC_RELAXED))
			continue;
		if (rec->ms >= before_ms) {
			if (*oldest == 0 || rec->ms < *oldest)
				*oldest = rec->ms;
			continue;
		}
		__atomic_store_n(&rec->scrubbed, 1, __ATOMIC_RELAXED);
		atomic_thread_fence(memory_order_seq_cst);
		size_t max = r->rec_size - sizeof(struct room_rec);
		if (rec->text_off < max && rec->text_len <= max - rec->text_off)
			memset(rec->line + rec->text_off, 0, rec->text_len);
		n++;
	}
	return n;
}

int room_find_locked(struct room *r, const char *name)
{
	char key[NAME_MAX_LEN + 1];

	name_key(name, key);
	return nameindex_find_key(r, key);
}

int room_find_confusable_locked(struct room *r, const char *skeleton, uid_t uid)
{
	return nameindex_find_skeleton(r, skeleton, uid);
}

/* The rooms of mask, "#a,#b" (in the table's order), into buf; "" for
 * none. Lock held. */
static void rooms_list_locked(struct room *r, uint64_t mask, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (uint32_t k = 0; k < ROOMS_MAX && at < len; k++)
		if (mask & (UINT64_C(1) << k))
			at += (size_t)snprintf(buf + at, len - at, "%s#%s", at ? "," : "",
					       r->hdr->defs[k].name);
}

/* room: a room's index, ROOM_WHO_DEFAULT or ROOM_WHO_ALL. */
int room_format_who_in(struct room *r, struct buffer *out, enum who_form form, int room)
{
	char rooms[ROOMS_MAX * (ROOM_NAME_MAX + 2) + 1];
	int64_t now = now_ms();
	unsigned count = 0;
	int rc = 0;

	room_lock(r);
	ROOM_FOREACH_SLOT(r, i) {
		if (rc != 0)
			break;
		struct room_slot *s = &r->slots[i];
		if (atomic_load(&s->state) != SLOT_JOINED)
			continue;
		int k = room == ROOM_WHO_DEFAULT ? (int)r->hdr->default_room : room;
		if (k >= 0 && !(atomic_load(&s->rooms) & (UINT64_C(1) << k)))
			continue;
		int64_t idle = (now - atomic_load(&s->active_ms)) / 1000;
		if (idle < 0)
			idle = 0;
		if (form == WHO_USER) {
			rc = line_who(out, s->name, s->login, idle, s->joined_ms, s->away);
		} else {
			int64_t until = atomic_load(&s->muted_until);
			int64_t muted = until == INT64_MAX ? REPLY_FOREVER :
					until > now ? (until - now + 999) / 1000 : 0;
			if (form == WHO_ADMIN_ROOMS)
				rooms_list_locked(r, atomic_load(&s->rooms), rooms, sizeof(rooms));
			rc = line_who_admin(out, s->name, s->login, s->uid, idle, s->joined_ms,
					    s->connected_ms, muted,
					    form == WHO_ADMIN_ROOMS ? rooms : NULL, s->away);
		}
		count++;
	}
	room_unlock(r);
	if (rc == 0)
		rc = line_ok(out, VERB_WHO, "%u", count);
	return rc;
}

int room_format_who(struct room *r, struct buffer *out)
{
	return room_format_who_in(r, out, WHO_USER, ROOM_WHO_DEFAULT);
}

int room_format_who_admin(struct room *r, struct buffer *out)
{
	return room_format_who_in(r, out, WHO_ADMIN, ROOM_WHO_ALL);
}

uint64_t room_kick_locked(struct room *r, uint32_t i, enum kick_kind kind,
			  const char *text, const char *bye_text)
{
	struct room_slot *s = &r->slots[i];
	uint64_t seq = 0;

	if (atomic_load(&s->kicked) != KICK_NONE)
		return 0;
	if (atomic_load(&s->state) == SLOT_JOINED && !room_slot_left_locked(r, i)) {
		struct room_event ev = {
			.kind = EV_LEAVE, .origin = i + 1, .name = s->name, .login = s->login,
			.reason = kind == KICK_BANNED ? LEAVE_BANNED : LEAVE_KICKED,
			.text = text, .text_len = text ? strlen(text) : 0,
		};
		seq = room_append_locked(r, &ev);
		room_slot_leave_locked(r, i, seq);
		wake_writer(r);
	}
	text_printf(s->kick_text, sizeof(s->kick_text), "%s", bye_text);
	atomic_store(&s->kicked, (uint32_t)kind);
	wake_slot_forced(s);
	return seq;
}

void room_slot_claim(struct room *r, uint32_t i, uid_t uid)
{
	struct room_slot *s = &r->slots[i];

	s->gen++;
	if (s->user1)   /* a claim without a release (unit tests) */
		usertab_unpin(r, s->user1 - 1);
	s->user1 = usertab_pin(r, uid) + 1;
	s->uid = uid;
	s->connected_ms = now_ms();
	s->name[0] = s->key[0] = s->skeleton[0] = s->login[0] = s->away[0] = '\0';
	atomic_store(&s->admin, 0);
	atomic_store(&s->pid, 0);
	atomic_store(&s->wake, 0);
	atomic_store(&s->cursor, 0);
	atomic_store(&s->end_seq, 0);
	atomic_store(&s->streaming, 0);
	atomic_store(&s->closing, 0);
	atomic_store(&s->lagged, 0);
	atomic_store(&s->proto, 1);
	atomic_store(&s->irc, 0);
	atomic_store(&s->irc_caps, 0);
	atomic_store(&s->rooms, 0);
	atomic_store(&s->parted_until, 0);
	for (uint32_t k = 0; k < ROOMS_MAX; k++) {
		atomic_store(&s->span[k].gen, 0);
		atomic_store(&s->span[k].since, 0);
		atomic_store(&s->span[k].until, 0);
	}
	s->ngroups = 0;
	atomic_store(&s->state, SLOT_CONNECTED);
	if (i >= atomic_load(&r->hdr->high_water))
		atomic_store(&r->hdr->high_water, i + 1);
}

/* A slot's name and what it is compared by: its key and its skeleton. A
 * joined slot is filed in the name index under the new ones instead. */
static void set_name(struct room *r, uint32_t i, const char *name, const char *skeleton)
{
	struct room_slot *s = &r->slots[i];
	bool filed = atomic_load(&s->state) == SLOT_JOINED;

	if (filed)
		nameindex_remove(r, i);
	text_printf(s->name, sizeof(s->name), "%s", name);
	name_key(s->name, s->key);
	text_printf(s->skeleton, sizeof(s->skeleton), "%s", skeleton);
	if (filed)
		nameindex_add(r, i);
}

void room_slot_join_locked(struct room *r, uint32_t i, const char *name,
			   const char *skeleton)
{
	struct room_slot *s = &r->slots[i];

	set_name(r, i, name, skeleton);
	if (atomic_load(&s->state) != SLOT_JOINED)
		nameindex_add(r, i);
	/* JOIN enters the default room, its whole log (the backlog and a
	 * resume are bounded by the cursor the handler sets). */
	room_enter_locked(r, i, r->hdr->default_room, 0);
	s->joined_ms = now_ms();
	atomic_store(&s->active_ms, s->joined_ms);
	atomic_store(&s->state, SLOT_JOINED);
}

void room_slot_rename_locked(struct room *r, uint32_t i, const char *name,
			     const char *skeleton)
{
	set_name(r, i, name, skeleton);
}

void room_slot_leave_locked(struct room *r, uint32_t i, uint64_t seq)
{
	if (atomic_load(&r->slots[i].state) == SLOT_JOINED)
		nameindex_remove(r, i);
	atomic_store(&r->slots[i].end_seq, seq);
	atomic_store(&r->slots[i].state, SLOT_LEFT);
}

enum slot_state room_slot_release(struct room *r, uint32_t i)
{
	struct room_slot *s = &r->slots[i];

	atomic_store(&s->pid, 0);
	enum slot_state was = (enum slot_state)atomic_load(&s->state);
	if (was == SLOT_JOINED)
		nameindex_remove(r, i);   /* a handler ran: the lock is held */
	atomic_store(&s->state, SLOT_FREE);
	if (s->user1)
		usertab_unpin(r, s->user1 - 1);
	s->user1 = 0;
	return was;
}

bool room_slot_spend_locked(struct room *r, uint32_t i, long rate, long burst)
{
	uint32_t u1 = r->slots[i].user1;

	return u1 && usertab_spend_locked(r, u1 - 1, rate, burst, mono_ms());
}

bool room_slot_spend(struct room *r, uint32_t i, long rate, long burst)
{
	room_lock(r);
	bool ok = room_slot_spend_locked(r, i, rate, burst);
	room_unlock(r);
	return ok;
}

bool room_slot_muted(struct room_slot *s, int64_t now)
{
	int64_t until = atomic_load(&s->muted_until);

	return until != 0 && (until == INT64_MAX || now < until);
}

struct room_prefs *room_slot_prefs(struct room *r, uint32_t i)
{
	uint32_t u1 = r->slots[i].user1;

	return u1 && u1 - 1 < r->users_n ? &r->users[u1 - 1].prefs : NULL;
}

/* ---- rooms ------------------------------------------------------------ */

size_t room_line_v2(const struct room_rec_info *info, const char *line, size_t len,
		    char *out, size_t cap)
{
	/* "EV seq ms " then the rest: the room word goes between. */
	size_t at = 0;
	for (int spaces = 0; at < len && spaces < 3; at++)
		spaces += line[at] == ' ';
	/* Put together by hand: this runs once per member and event. */
	char word[ROOM_NAME_MAX + 3];
	const char *name = info->room_name;
	size_t wn = 0;
	if (info->room >= 1 && info->room <= ROOMS_MAX)
		word[wn++] = '#';
	else
		name = info->kind == EV_PRIV || info->target ? ROOM_PRIVATE : ROOM_ALL;
	size_t nn = strnlen(name, ROOM_NAME_MAX);
	memcpy(word + wn, name, nn);
	wn += nn;
	word[wn++] = ' ';
	if (at == len || len + wn > cap)
		return 0;
	memmove(out + at + wn, line + at, len - at);
	if (out != line)
		memcpy(out, line, at);
	memcpy(out + at, word, wn);
	return len + wn;
}

int room_def_find_locked(struct room *r, const char *name, size_t n)
{
	for (uint32_t k = 0; k < ROOMS_MAX; k++) {
		const struct room_def *d = &r->hdr->defs[k];
		if (d->kind != ROOMK_FREE && strlen(d->name) == n && strncasecmp(d->name, name, n) == 0)
			return (int)k;
	}
	return -1;
}

int room_lookup(struct room *r, const char *w, size_t n)
{
	if (n < 2 || w[0] != '#' || !room_name_ok(w + 1, n - 1))
		return ROOM_BAD_NAME;
	room_lock(r);
	int k = room_def_find_locked(r, w + 1, n - 1);
	room_unlock(r);
	return k;
}

bool room_def_allows_locked(struct room *r, uint32_t i, uint32_t k)
{
	const struct room_def *d = &r->hdr->defs[k];
	const struct room_slot *s = &r->slots[i];

	if (!d->has_gid || s->gid == d->gid)
		return true;
	for (uint32_t g = 0; g < s->ngroups && g < ROOM_GROUPS_MAX; g++)
		if (s->groups[g] == d->gid)
			return true;
	return false;
}

void room_enter_locked(struct room *r, uint32_t i, uint32_t k, uint64_t since)
{
	struct room_slot *s = &r->slots[i];

	atomic_store(&s->span[k].gen, r->hdr->defs[k].gen);
	atomic_store(&s->span[k].since, since);
	atomic_store(&s->span[k].until, 0);
	atomic_fetch_or(&s->rooms, UINT64_C(1) << k);
	r->hdr->defs[k].members++;
}

bool room_span_done(struct room *r, uint32_t i, uint32_t k, uint64_t *until)
{
	struct room_slot *s = &r->slots[i];

	*until = atomic_load(&s->span[k].until);
	/* Acquire: what the writer read of the span before it published its
	 * cursor is ordered before our stores to it. */
	return *until == 0 || atomic_load_explicit(&s->cursor, memory_order_acquire) > *until;
}

void room_part_locked(struct room *r, uint32_t i, uint32_t k, uint64_t seq)
{
	struct room_slot *s = &r->slots[i];
	struct room_def *d = &r->hdr->defs[k];

	if (!(atomic_load(&s->rooms) & (UINT64_C(1) << k)))
		return;
	atomic_store(&s->span[k].until, seq);
	/* Before the room's bit goes: a writer that sees the bit clear sees
	 * this too (fanout.c, skip_others()). */
	if (atomic_load(&s->parted_until) < seq)
		atomic_store(&s->parted_until, seq);
	atomic_fetch_and(&s->rooms, ~(UINT64_C(1) << k));
	if (d->members > 0)
		d->members--;
	if (d->members == 0 && d->kind == ROOMK_USER)
		d->kind = ROOMK_FREE;   /* its generation goes on at the next use */
}

/* Take free entry k for a room: a new generation, no members. */
static struct room_def *take_def(struct room *r, uint32_t k, enum room_kind kind, const char *name)
{
	struct room_def *d = &r->hdr->defs[k];
	uint32_t gen = d->gen + 1;

	memset(d, 0, sizeof(*d));
	d->gen = gen;
	d->kind = kind;
	text_printf(d->name, sizeof(d->name), "%s", name);
	for (char *p = d->name; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

int room_def_free_locked(struct room *r)
{
	for (uint32_t k = 0; k < ROOMS_MAX; k++)
		if (r->hdr->defs[k].kind == ROOMK_FREE)
			return (int)k;
	return -1;
}

int room_def_create_locked(struct room *r, uint32_t i, const char *name)
{
	int k = room_def_free_locked(r);

	if (k < 0)
		return -1;
	struct room_def *d = take_def(r, (uint32_t)k, ROOMK_USER, name);
	d->creator_uid = r->slots[i].uid;
	d->backlog = r->history;
	return k;
}

void room_defs_sync_locked(struct room *r, const struct conf_room *rooms, const uint32_t *gid,
			   const uint32_t *has_gid, size_t n, const char *default_room)
{
	/* Configured rooms no longer in the file go (their members were
	 * parted by the caller). */
	for (uint32_t k = 0; k < ROOMS_MAX; k++) {
		struct room_def *d = &r->hdr->defs[k];
		if (d->kind != ROOMK_CONFIG)
			continue;
		bool kept = false;
		for (size_t c = 0; c < n && !kept; c++)
			kept = strcmp(rooms[c].name, d->name) == 0;
		if (!kept)
			d->kind = ROOMK_FREE;
	}
	for (size_t c = 0; c < n; c++) {
		int k = room_def_find_locked(r, rooms[c].name, strlen(rooms[c].name));
		struct room_def *d;
		if (k >= 0 && r->hdr->defs[k].kind == ROOMK_USER) {
			/* A user room of that name becomes the configured one. */
			d = &r->hdr->defs[k];
			d->kind = ROOMK_CONFIG;
		} else if (k >= 0) {
			d = &r->hdr->defs[k];
		} else {
			d = NULL;
			for (uint32_t f = 0; f < ROOMS_MAX && !d; f++)
				if (r->hdr->defs[f].kind == ROOMK_FREE)
					d = take_def(r, f, ROOMK_CONFIG, rooms[c].name);
			if (!d)
				continue;   /* cannot happen: 64 configured at most */
		}
		d->has_gid = has_gid[c];
		d->gid = gid[c];
		d->backlog = (uint32_t)rooms[c].backlog;
		if (d->topic_ms == 0)
			text_printf(d->topic, sizeof(d->topic), "%s", rooms[c].topic);
		if (strcmp(d->name, default_room) == 0)
			r->hdr->default_room = (uint32_t)(d - r->hdr->defs);
	}
}
