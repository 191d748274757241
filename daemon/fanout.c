/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* fanout.c - the fan-out writer ("lchatd: fanout"): after the daemon hands
 * it a connection, the only process that writes to that client.
 *
 * One pass serves every connection, in rounds: for each member (in a
 * busy pass, those of a room one after the other) it builds a batch of
 * what is due of its reply queue (outq.h) and of the room log from its
 * cursor up to the head, in order (a reply due before seq goes after
 * every event below seq), then sends every batch of the round at once:
 * one IORING_OP_SEND per member, all in one io_uring_enter (or one
 * send() each where the kernel gives no ring). The member's own events
 * become its acks ("OK SAY seq"); events addressed to someone else are
 * skipped. Live events are matched to a member by (slot, generation);
 * events replayed from before its JOIN (a resume after a reconnect, or
 * the backlog) by uid and name key, which outlive the connection: a
 * private message sent to this uid under this name is delivered again,
 * and the member's own sent ones are skipped (docs/protocol.md). Nothing
 * is copied per member but the batch being sent. Then it
 * sleeps in epoll until something is posted (wake.h), a full socket
 * drains, or a closing connection's time is up.
 *
 * A member whose socket is full is skipped until EPOLLOUT. Sends are
 * small enough (BATCH_BYTES) that the kernel takes each whole or not at
 * all; should one be cut anyway, the rest of the thing it cut is kept as
 * the member's tail and goes first, so a client never gets half a line
 * followed by another. When a member's cursor falls `history` events
 * behind, the writer writes its LEAVE, sends "BYE lagged" and closes it:
 * the log is the only buffer, and a laggard costs nothing but its cursor.
 *
 * The writer parses nothing a client sends. If it dies, the daemon exits
 * and the supervisor starts the room again: the clients reconnect and
 * resume by sequence number (daemon.c says why). */
#include "fanout.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <liburing.h>
#include <malloc.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buffer.h"
#include "cut.h"
#include "irc.h"
#include "ircfmt.h"
#include "log.h"
#include "sandbox.h"
#include "sysfilter.h"
#include "outq.h"
#include "proctitle.h"
#include "protocol.h"
#include "reccache.h"
#include "util.h"
#include "wake.h"

/* Bytes sent to one member in one send(): more waits for the next round.
 * A batch is at most this plus one record or one reply-queue entry, under
 * 33 KiB: Linux queues a UNIX stream send of up to one skb (about 36 KiB
 * with the default buffers: half of SO_SNDBUF, and a head plus 32 KiB of
 * pages) whole or not at all, so the sends of a pass never cut a line,
 * and a writer killed at any moment leaves every client on a line
 * boundary. The tail below is kept for a partial send all the same. */
#define BATCH_BYTES (16 * 1024)
/* Rounds of BATCH_BYTES one member may take in one pass. */
#define BATCH_ROUNDS 8
/* Things in one member's batch at most. */
#define MAX_ITEMS 2048
/* A round stops taking members once its arena holds this much; the rest
 * go in the next round of the same pass. */
#define ROUND_BYTES (256 * 1024)
/* Sends queued on the ring at once (the ring's memory: 64 bytes a send
 * and 32 a completion). */
#define RING_ENTRIES 1024
/* An arena or item list grown past these by a burst is given back once
 * the writer has been idle for IDLE_TRIM_MS: its memory is counted per
 * user, and a join storm would otherwise keep megabytes. */
#define ARENA_KEEP (512 * 1024)
#define ITEMS_KEEP 4096
#define IDLE_TRIM_MS 1000

/* epoll data: member slots are below these. */
#define TAG_SOCK   0xffffffffu
#define TAG_NOTIFY 0xfffffffeu
#define TAG_SIG    0xfffffffdu

struct member {
	int fd;                 /* the client's socket; 0: no connection (0 is
				 * /dev/null here, and the table stays untouched,
				 * unpaid memory, until a slot is used) */
	uint32_t gen;
	bool registered;        /* fd is in the epoll set */
	bool streaming;         /* joined: events flow from cursor */
	bool blocked;           /* socket full: wait for EPOLLOUT */
	bool ending;            /* dropped as lagged: only the tail goes out */
	bool gone;              /* the client is gone: take, do not send */
	uint64_t cursor;        /* the next event to send */
	/* Set when streaming starts: events below join_seq are replayed
	 * (backlog or resume), and a private message among them is this
	 * member's if it was sent to the same uid under the same name. */
	uint64_t join_seq;
	uint32_t uid;
	bool proto2;            /* PROTO 2: lines carry their room */
	bool irc;               /* on the IRC socket: IRC lines (ircfmt.h) */
	uint32_t irc_caps;      /* its IRC caps (irc.h) */
	char key[NAME_MAX_LEN + 1];
	int64_t close_at;       /* mono ms: close by then (0: not closing) */
	char *tail;             /* the unsent rest of a line (and a BYE) */
	size_t tail_len;
};

/* Where a batch stands after each thing in it: taking the batch's bytes
 * up to `end` (an offset in the pass's arena) takes the queue up to qpos
 * and the log up to cursor. */
struct item {
	size_t end;
	uint32_t qpos;
	uint64_t cursor;
};

/* One member's batch in this round: bytes [off, off + len) of the arena,
 * items [i0, i0 + ni). */
struct batch {
	uint32_t member;
	bool lagged;            /* the log moved past the cursor while reading */
	size_t off, len;
	size_t i0, ni;
	ssize_t sent;           /* bytes the kernel took (set by the sender) */
};

struct fanout {
	struct room *room;
	int sock, sigfd, epfd;
	struct member *m;
	uint32_t hi;            /* members are below hi */
	struct buffer out;      /* the round's arena: every batch in it */
	struct item *items;     /* the round's items */
	size_t nitems, items_cap;
	struct batch *batches;  /* the round's batches, one per member at most */
	size_t nbatches;
	bool more;              /* a member had more than a batch: go round again */
	struct io_uring ring;
	bool uring;             /* send through the ring, else send() each */
	/* The room tag and its generation of each of the log's last
	 * `history` events (at seq & tag_mask), copied from the log once,
	 * when a pass first sees the event (index_to()): a member skips
	 * another room's event with two loads from here, not a read of the
	 * record in the shared log (members spread over many rooms skip
	 * most events). Events below `indexed` are in it. */
	uint8_t *tag;
	uint32_t *tag_gen;
	size_t tag_mask;        /* the index's size (a power of 2 >= history) - 1 */
	uint64_t indexed;
	struct reccache recs;          /* this pass's records, read once */
	struct ircfmt_cache irc;       /* IRC lines of this pass's records */
	struct fanout_msg *released;   /* FANOUT_RELEASED not yet sent */
	size_t nreleased;
	bool sock_out;          /* sock is watched for EPOLLOUT */
	uint32_t *order;        /* a busy pass's members, grouped by room */
	uint32_t norder;
	bool grouped;           /* this pass visits order[], else slot order */
	uint64_t passed;        /* the head at the last pass */
	uint8_t *first_room;    /* per slot: 1 + its first room's tag, 0: none */
};

/* ---- the daemon's side ----------------------------------------------- */

/* A fanout_msg with room for one descriptor beside it. */
struct msg_buf {
	struct fanout_msg msg;
	struct iovec iov;
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct msghdr mh;
};

static void msg_buf_init(struct msg_buf *b)
{
	memset(b, 0, sizeof(*b));
	b->iov = (struct iovec){ &b->msg, sizeof(b->msg) };
	b->mh = (struct msghdr){
		.msg_iov = &b->iov, .msg_iovlen = 1,
		.msg_control = b->c.buf, .msg_controllen = sizeof(b->c.buf),
	};
}

int fanout_add(int sock, uint32_t slot, uint32_t gen, int fd)
{
	struct msg_buf b;

	msg_buf_init(&b);
	b.msg = (struct fanout_msg){ FANOUT_ADD, slot, gen };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&b.mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	for (;;) {
		if (sendmsg(sock, &b.mh, MSG_NOSIGNAL) == (ssize_t)sizeof(b.msg))
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

int fanout_release(int sock, uint32_t slot, uint32_t gen)
{
	struct fanout_msg msg = { FANOUT_RELEASE, slot, gen };

	for (;;) {
		if (send(sock, &msg, sizeof(msg), MSG_NOSIGNAL) == (ssize_t)sizeof(msg))
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

int fanout_read_released(int sock, uint32_t *slot, uint32_t *gen)
{
	struct fanout_msg msg;

	for (;;) {
		ssize_t n = recv(sock, &msg, sizeof(msg), MSG_DONTWAIT);
		if (n == (ssize_t)sizeof(msg) && msg.op == FANOUT_RELEASED) {
			*slot = msg.slot;
			*gen = msg.gen;
			return 1;
		}
		if (n > 0)
			continue;       /* not ours to read: cannot happen */
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		return -1;              /* 0: the writer is gone */
	}
}

/* ---- members --------------------------------------------------------- */

/* Signal the handler of slot i's generation gen, if it still has it and
 * has no signal pending (wake.h): a handler waiting for room while a long
 * WHO goes out is signalled once per wait, not once per entry taken. */
static void wake_handler(struct fanout *f, uint32_t i, uint32_t gen)
{
	room_lock(f->room);
	if (room_slot(f->room, i)->gen == gen)
		wake_slot(room_slot(f->room, i));
	room_unlock(f->room);
}

/* Forget member i's connection (the handler keeps its own descriptor). */
static void drop(struct fanout *f, uint32_t i)
{
	struct member *m = &f->m[i];

	if (m->fd <= 0)
		return;
	if (m->registered && epoll_ctl(f->epfd, EPOLL_CTL_DEL, m->fd, NULL) < 0)
		log_msg(LOG_WARNING, "fanout: epoll_ctl: %s", strerror(errno));
	close(m->fd);
	free(m->tail);
	memset(m, 0, sizeof(*m));
}

/* Member i's connection is closed: its handler may exit. */
static void finish(struct fanout *f, uint32_t i)
{
	struct room_slot *s = room_slot(f->room, i);
	uint32_t gen = f->m[i].gen;

	drop(f, i);
	if (s->gen == gen) {
		atomic_store(&s->done_gen, gen);
		wake_handler(f, i, gen);
	}
}

static void take_queue(struct fanout *f, uint32_t i, uint32_t pos)
{
	struct outq *q = &f->room->outq[i];

	if (pos != atomic_load_explicit(&q->tail, memory_order_relaxed) && outq_take(q, pos))
		wake_handler(f, i, f->m[i].gen);
}

/* Member i fell `history` events behind: write its LEAVE, finish the line
 * it was sent half of, say BYE lagged, close. */
static void drop_lagged(struct fanout *f, uint32_t i, int64_t now)
{
	struct room *r = f->room;
	struct room_slot *s = room_slot(r, i);
	struct member *m = &f->m[i];

	room_lock(r);
	if (atomic_load(&s->state) == SLOT_JOINED && !room_slot_left_locked(r, i)) {
		struct room_event ev = {
			.kind = EV_LEAVE, .origin = i + 1, .name = s->name, .login = s->login,
			.reason = LEAVE_LAGGED,
		};
		room_slot_leave_locked(r, i, room_append_locked(r, &ev));
	}
	atomic_store(&s->lagged, 1);
	wake_slot(s);
	room_unlock(r);
	wake_writer(r);
	log_msg(LOG_NOTICE, "%s (uid %u) fell more than %u events behind; disconnecting",
		s->name, (unsigned)s->uid, r->history);

	struct buffer bye = { 0 };
	if (m->tail_len) {
		char *nl = memchr(m->tail, '\n', m->tail_len);
		if (nl)
			m->tail_len = (size_t)(nl - m->tail) + 1;
		buffer_append(&bye, m->tail, m->tail_len);
	}
	const char *why = "you fell too far behind the room and missed messages";
	if (m->irc)
		irc_error(&bye, CODE_LAGGED, why, strlen(why));
	else
		line_bye(&bye, CODE_LAGGED, why);
	free(m->tail);
	m->tail = bye.data;
	m->tail_len = bye.len;
	m->ending = true;
	m->close_at = now + CLOSE_FLUSH_MS;
	take_queue(f, i, atomic_load(&r->outq[i].head));
}

static void watch_out(struct fanout *f, uint32_t i)
{
	struct member *m = &f->m[i];
	struct epoll_event ev = { .events = EPOLLOUT | EPOLLONESHOT, .data.u32 = i };

	if (epoll_ctl(f->epfd, m->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, m->fd, &ev) < 0) {
		log_msg(LOG_WARNING, "fanout: epoll_ctl: %s", strerror(errno));
		m->gone = true;     /* cannot wait for it: treat as gone */
		return;
	}
	m->registered = true;
	m->blocked = true;
}

/* ---- one member's batch ----------------------------------------------- */

/* Note where batch b stands now. False if out of memory. */
static bool item(struct fanout *f, struct batch *b, uint32_t qpos, uint64_t cursor)
{
	/* Nothing added since the batch's last item: it moves on instead. */
	if (b->ni > 0 && f->items[f->nitems - 1].end == f->out.len) {
		f->items[f->nitems - 1].qpos = qpos;
		f->items[f->nitems - 1].cursor = cursor;
		return true;
	}
	if (f->nitems == f->items_cap) {
		size_t cap = f->items_cap ? f->items_cap * 2 : 4096;
		struct item *v = realloc(f->items, cap * sizeof(*v));
		if (!v)
			return false;
		f->items = v;
		f->items_cap = cap;
	}
	f->items[f->nitems++] = (struct item){ f->out.len, qpos, cursor };
	b->ni++;
	return true;
}

/* Copy the room tags of the events up to head into the index. An event
 * already recycled gets no tag (TAG_RECYCLED): whoever needs it lags. */
#define TAG_RECYCLED 0xfe
_Static_assert(TAG_RECYCLED > ROOMS_MAX && TAG_RECYCLED != ROOM_TAG_NOBODY,
	       "TAG_RECYCLED is no room tag");
static void index_to(struct fanout *f, uint64_t head)
{
	uint32_t h = f->room->history;
	uint64_t seq = f->indexed + h < head ? head - h : f->indexed;

	for (; seq < head; seq++) {
		size_t k = seq & f->tag_mask;
		if (!room_peek_room(f->room, seq, &f->tag[k], &f->tag_gen[k]))
			f->tag[k] = TAG_RECYCLED;
	}
	f->indexed = head;
}

static bool indexed(const struct fanout *f, uint64_t seq)
{
	return seq < f->indexed && f->indexed - seq <= f->room->history;
}

/* Event seq's room tag: from the index while it holds seq. */
static bool event_tag(struct fanout *f, uint64_t seq, uint8_t *tag, uint32_t *gen)
{
	if (!indexed(f, seq))
		return room_peek_room(f->room, seq, tag, gen);
	*tag = f->tag[seq & f->tag_mask];
	*gen = f->tag_gen[seq & f->tag_mask];
	return *tag != TAG_RECYCLED;
}

/* Is event seq of room tag (1..ROOMS_MAX) and generation gen within the
 * member's span there (room.h): from its JOIN there to its LEAVE? */
static bool in_span(const struct room_slot *s, uint8_t tag, uint32_t gen, uint64_t seq)
{
	const struct room_span *sp = &s->span[tag - 1];
	uint64_t until = atomic_load_explicit(&sp->until, memory_order_relaxed);

	return atomic_load_explicit(&sp->gen, memory_order_relaxed) == gen &&
	       seq >= atomic_load_explicit(&sp->since, memory_order_relaxed) &&
	       (!until || seq <= until);
}

/* The first event from cursor on (below limit) that may be the member's:
 * a run of other rooms' events is passed over in the index alone, a few
 * loads each, with nothing copied or formatted. */
static uint64_t skip_others(const struct fanout *f, const struct room_slot *s,
			    uint64_t cursor, uint64_t limit)
{
	if (!indexed(f, cursor))
		return cursor;
	if (limit > f->indexed)
		limit = f->indexed;
	/* The rooms it is in, then the end of the spans of those it left (in
	 * that order: room_part_locked() sets the second before it clears
	 * the first). A room in neither needs no look at its span. */
	uint64_t mine = atomic_load(&s->rooms);
	uint64_t parted = atomic_load(&s->parted_until);
	for (; cursor < limit; cursor++) {
		uint8_t tag = f->tag[cursor & f->tag_mask];
		if (tag == ROOM_TAG_ALL || tag > ROOMS_MAX)
			break;
		if (!(mine & (UINT64_C(1) << (tag - 1))) && cursor > parted)
			continue;
		if (in_span(s, tag, f->tag_gen[cursor & f->tag_mask], cursor))
			break;
	}
	return cursor;
}

/* Append record `seq` (read into info and line) as IRC member i sees it
 * (ircfmt.h: formatted once per pass for all IRC members). */
static bool add_event_irc(struct fanout *f, uint32_t i, const struct room_rec_info *info,
			  const char *line, bool own)
{
	struct member *m = &f->m[i];
	char nick[NAME_MAX_LEN + 1] = "";
	if (ircfmt_per_member(info))   /* only those lines name the member */
		text_copy_str(nick, sizeof(nick), room_slot(f->room, i)->name);
	struct ircfmt_to to = {
		.nick = nick, .caps = m->irc_caps, .history = info->seq < m->join_seq, .own = own,
	};
	return ircfmt_event(&f->irc, &f->out, info, line, &to) == 0;
}

/* Append event `seq` as member i sees it: its line, its ack, or nothing.
 * False if the record is gone (the member fell behind). */
static bool add_event(struct fanout *f, uint32_t i, uint64_t seq)
{
	struct room *r = f->room;
	struct member *m = &f->m[i];
	struct room_slot *s = room_slot(r, i);
	uint8_t tag;
	uint32_t tag_gen;

	/* A room's event is a member's within its span in that room
	 * (room.h): from its JOIN there to its LEAVE, same generation. The
	 * tag alone is looked at first: another room's record is skipped
	 * without being read. */
	if (!event_tag(f, seq, &tag, &tag_gen))
		return false;
	if (tag != ROOM_TAG_ALL && tag != ROOM_TAG_NOBODY && !in_span(s, tag, tag_gen, seq))
		return true;
	struct reccache_entry *e = reccache_get(&f->recs, r, seq);
	if (!e)
		return false;
	const struct room_rec_info *info = &e->info;
	const char *line = e->line;
	bool own = info->origin == i + 1 && info->origin_gen == m->gen;
	/* An event for nobody (a member in no room) is only its origin's. */
	if (info->room == ROOM_TAG_NOBODY && !own)
		return true;
	if (own && m->irc)
		return add_event_irc(f, i, info, line, true);
	if (own) {
		/* Our own event: the ack where its echo would be (joins and
		 * leaves are acknowledged by the handler); a NICK written in
		 * several rooms is acknowledged once. */
		if (info->quiet)
			return true;
		enum verb ack = event_ack_verb(info->kind);
		if (ack == VERB_NICK) {
			char name[NAME_MAX_LEN + 1];
			text_copy(name, sizeof(name), line + info->text_off, info->text_len);
			line_ok(&f->out, VERB_NICK, "%s %" PRIu64, name, seq);
		} else if (ack != VERB_UNKNOWN) {
			line_ok(&f->out, ack, "%" PRIu64, seq);
		}
		return true;
	}
	if (info->scrubbed)
		return true;    /* a private message past private_keep */
	/* A member's event from a uid this member's uid ignores (IGNORE,
	 * usertab.h): not sent. Notices have no origin and always arrive. */
	if (info->origin && info->origin_uid != m->uid && room_kind_ignorable(info->kind) &&
	    usertab_ignores(r, room_slot(r, i)->user1 - 1, info->origin_uid))
		return true;
	if (info->target && seq < m->join_seq) {
		/* Replayed: a uid compare first, the key only when it is ours. */
		if (info->target_uid != m->uid || strcmp(info->target_key, m->key) != 0)
			return true;
	} else if (info->target && !(info->target == i + 1 && info->target_gen == m->gen)) {
		return true;
	}
	if (m->irc)
		return add_event_irc(f, i, info, line, false);
	size_t n = info->len;
	if (!m->proto2) {
		/* lchat/1: today's lines; no event kind it does not know. */
		if (info->kind > EV_NICK)
			return true;
	} else {
		line = reccache_v2(e, &n);
	}
	return buffer_append(&f->out, line, n) == 0;
}

/* Build member i's next batch at the end of the arena into b. */
static void build(struct fanout *f, uint32_t i, uint64_t head, struct batch *b)
{
	struct room *r = f->room;
	struct member *m = &f->m[i];
	struct outq *q = &r->outq[i];
	uint32_t qpos = atomic_load_explicit(&q->tail, memory_order_relaxed);
	uint64_t cursor = m->cursor;

	*b = (struct batch){ .member = i, .off = f->out.len, .i0 = f->nitems };
	if (m->tail_len) {
		if (buffer_append(&f->out, m->tail, m->tail_len) < 0 || !item(f, b, qpos, cursor))
			goto done;
	}
	if (m->ending || m->gone)
		goto done;
	uint64_t end = atomic_load(&room_slot(r, i)->end_seq);
	uint64_t limit = end && end < head ? end : head;
	while (f->out.len - b->off < BATCH_BYTES && b->ni < MAX_ITEMS - 1) {
		struct outq_entry e;
		if (outq_peek(q, qpos, &e)) {
			uint64_t due = end && end < e.due ? end : e.due;
			if (!m->streaming || cursor >= due) {
				if (buffer_reserve(&f->out, e.len) < 0)
					break;
				outq_copy(q, qpos, &e, f->out.data + f->out.len);
				f->out.len += e.len;
				qpos = e.next;
				if (!item(f, b, qpos, cursor))
					break;
				continue;
			}
		}
		if (!m->streaming || cursor >= limit)
			break;
		uint64_t next = skip_others(f, room_slot(r, i), cursor, limit);
		if (next != cursor) {
			cursor = next;
			if (!item(f, b, qpos, cursor))
				break;
			continue;
		}
		if (!add_event(f, i, cursor)) {
			b->lagged = true;
			break;
		}
		cursor++;
		if (!item(f, b, qpos, cursor))
			break;
	}
done:
	b->len = f->out.len - b->off;
}

/* n bytes of batch b went out: take what they carried. A thing sent in
 * part is taken too, and its rest becomes the tail. An empty batch (the
 * member's events were all another room's, or someone else's private
 * ones) is taken whole: its cursor moves past them, though nothing is
 * sent, or the member would fall `history` behind and be dropped as
 * lagged, with every pass scanning again from where it stood. */
static void commit(struct fanout *f, const struct batch *b, size_t n)
{
	uint32_t i = b->member;
	struct member *m = &f->m[i];
	const struct item *it = f->items + b->i0;
	size_t k = 0, sent_to = b->off + n;

	if (n == 0 && b->len > 0)
		return;         /* nothing went: the tail, if any, stays */
	while (k < b->ni && it[k].end <= sent_to)
		k++;
	size_t start = k ? it[k - 1].end : b->off;
	char *rest = NULL;
	size_t rest_len = 0;
	if (k < b->ni && sent_to > start) {
		rest_len = it[k].end - sent_to;
		rest = malloc(rest_len);
		if (!rest) {
			m->gone = true;   /* cannot keep it: the line would break */
			rest_len = 0;
		} else {
			memcpy(rest, f->out.data + sent_to, rest_len);
		}
		k++;
	}
	free(m->tail);
	m->tail = rest;
	m->tail_len = rest_len;
	if (k == 0)
		return;
	if (m->cursor != it[k - 1].cursor) {
		m->cursor = it[k - 1].cursor;
		/* Release: a handler waiting for the writer to pass its PART
		 * (wait_writer_past()) reads it with acquire. */
		atomic_store_explicit(&room_slot(f->room, i)->cursor, m->cursor,
				      memory_order_release);
	}
	take_queue(f, i, it[k - 1].qpos);
}

/* Has member i nothing left to send? */
static bool drained(struct fanout *f, uint32_t i, uint64_t head)
{
	struct member *m = &f->m[i];
	struct outq *q = &f->room->outq[i];

	if (m->tail_len)
		return false;
	if (m->ending || m->gone)
		return true;
	if (!outq_empty(q))
		return false;
	uint64_t end = atomic_load(&room_slot(f->room, i)->end_seq);
	return !m->streaming || m->cursor >= (end && end < head ? end : head);
}

/* Nothing more goes to member i's client (it is gone): take what its
 * handler queues, so that the handler never waits for room that will not
 * come (it reads the end of its input next), and close once it is done. */
static void take_all(struct fanout *f, uint32_t i)
{
	take_queue(f, i, atomic_load(&f->room->outq[i].head));
	if (f->m[i].close_at)
		finish(f, i);
}

/* Member i before its batch is built: false if nothing is to be sent to
 * it in this round. */
static bool ready(struct fanout *f, uint32_t i, uint64_t head, int64_t now)
{
	struct room *r = f->room;
	struct member *m = &f->m[i];
	struct room_slot *s = room_slot(r, i);

	if (s->gen != m->gen || atomic_load(&s->state) == SLOT_FREE) {
		/* The handler is gone: the daemon's FANOUT_RELEASE is on
		 * its way, and nothing more is this connection's. */
		m->gone = true;
		return false;
	}
	if (!m->close_at && atomic_load(&s->closing))
		m->close_at = now + CLOSE_FLUSH_MS;
	if (!m->streaming && atomic_load(&s->streaming)) {
		m->streaming = true;
		m->cursor = atomic_load(&s->cursor);
		m->join_seq = atomic_load(&s->join_seq);
		m->uid = s->uid;
		m->proto2 = atomic_load(&s->proto) == 2;
		m->irc = atomic_load(&s->irc) != 0;
		memcpy(m->key, s->join_key, sizeof(m->key));
		m->key[NAME_MAX_LEN] = '\0';
	}
	if (m->irc)   /* CAP REQ may come after registration */
		m->irc_caps = atomic_load_explicit(&s->irc_caps, memory_order_relaxed);
	uint64_t end = atomic_load(&s->end_seq);
	if (m->streaming && !m->ending && m->cursor < room_oldest(r, head) &&
	    !(end && m->cursor >= end))
		drop_lagged(f, i, now);
	if (m->close_at && now >= m->close_at) {
		finish(f, i);
		return false;
	}
	if (m->gone) {
		take_all(f, i);
		return false;
	}
	if (m->ending)
		take_queue(f, i, atomic_load(&r->outq[i].head));
	if (m->blocked)
		return false;
	if (m->fd > 0 && m->close_at && drained(f, i, head)) {
		finish(f, i);
		return false;
	}
	return true;
}

/* Batch b was sent (b->sent: bytes taken, or -errno). */
static void complete(struct fanout *f, struct batch *b, uint64_t head, int64_t now)
{
	uint32_t i = b->member;
	struct member *m = &f->m[i];
	ssize_t n = b->sent;

	if (m->gone)
		n = (ssize_t)b->len;
	else if (n == -EAGAIN || n == -EWOULDBLOCK)
		n = 0;
	else if (n < 0) {
		m->gone = true;   /* the client is gone: its handler sees it */
		n = (ssize_t)b->len;
	}
	commit(f, b, (size_t)n);
	if ((size_t)n < b->len)
		watch_out(f, i);
	if (b->lagged)
		drop_lagged(f, i, now);
	if (m->gone)
		take_all(f, i);
	else if (m->fd > 0 && m->close_at && !m->blocked && drained(f, i, head))
		finish(f, i);
	else if (!m->blocked && (b->len >= BATCH_BYTES || b->lagged))
		f->more = true;
}

/* ---- sending a round -------------------------------------------------- */

/* One send() per batch. */
static void send_each(struct fanout *f)
{
	for (size_t k = 0; k < f->nbatches; k++) {
		struct batch *b = &f->batches[k];
		struct member *m = &f->m[b->member];
		ssize_t n;
		while ((n = send(m->fd, f->out.data + b->off, b->len,
				 MSG_DONTWAIT | MSG_NOSIGNAL)) < 0 && errno == EINTR)
			;
		b->sent = n >= 0 ? n : -errno;
	}
}

/* Every batch's send queued on the ring, one io_uring_enter for up to
 * RING_ENTRIES of them. MSG_DONTWAIT: a full socket answers -EAGAIN at
 * once, as send() would, instead of a send parked in the kernel. */
static bool send_ring(struct fanout *f)
{
	size_t k = 0, done = 0;

	while (done < f->nbatches) {
		unsigned queued = 0;
		for (; k < f->nbatches && queued < RING_ENTRIES; k++, queued++) {
			struct batch *b = &f->batches[k];
			struct io_uring_sqe *sqe = io_uring_get_sqe(&f->ring);
			if (!sqe)
				break;
			io_uring_prep_send(sqe, f->m[b->member].fd, f->out.data + b->off, b->len,
					   MSG_DONTWAIT | MSG_NOSIGNAL);
			io_uring_sqe_set_data64(sqe, k);
		}
		int rc;
		while ((rc = io_uring_submit_and_wait(&f->ring, queued)) < 0 && rc == -EINTR)
			;
		if (rc < 0) {
			log_msg(LOG_ERR, "fanout: io_uring_submit: %s", strerror(-rc));
			return false;
		}
		for (unsigned got = 0; got < queued; ) {
			struct io_uring_cqe *cqe;
			rc = io_uring_wait_cqe(&f->ring, &cqe);
			if (rc == -EINTR)
				continue;
			if (rc < 0) {
				log_msg(LOG_ERR, "fanout: io_uring_wait_cqe: %s", strerror(-rc));
				return false;
			}
			f->batches[io_uring_cqe_get_data64(cqe)].sent = cqe->res;
			io_uring_cqe_seen(&f->ring, cqe);
			got++;
			done++;
		}
	}
	return true;
}

/* Send the round's batches and take what went. */
static void send_round(struct fanout *f, uint64_t head, int64_t now)
{
	if (f->nbatches == 0)
		return;
	if (f->uring) {
		if (!send_ring(f))
			_exit(1);       /* the ring failed under us: the room restarts */
	} else {
		send_each(f);
	}
	for (size_t k = 0; k < f->nbatches; k++)
		complete(f, &f->batches[k], head, now);
	f->nbatches = 0;
	f->nitems = 0;
	f->out.len = f->out.off = 0;
}

/* ---- the daemon's messages ------------------------------------------- */

static void released(struct fanout *f, uint32_t slot, uint32_t gen)
{
	f->released[f->nreleased++] = (struct fanout_msg){ FANOUT_RELEASED, slot, gen };
}

static void send_released(struct fanout *f)
{
	size_t k = 0;

	while (k < f->nreleased) {
		ssize_t n = send(f->sock, &f->released[k], sizeof(f->released[k]),
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		k++;
	}
	memmove(f->released, f->released + k, (f->nreleased - k) * sizeof(*f->released));
	f->nreleased -= k;
	bool want = f->nreleased > 0;
	if (want != f->sock_out) {
		struct epoll_event ev = { .events = EPOLLIN | (want ? EPOLLOUT : 0), .data.u32 = TAG_SOCK };
		if (epoll_ctl(f->epfd, EPOLL_CTL_MOD, f->sock, &ev) == 0)
			f->sock_out = want;
	}
}

/* Take the daemon's messages. Returns false if the daemon is gone. */
static bool take_messages(struct fanout *f)
{
	for (;;) {
		struct msg_buf b;
		msg_buf_init(&b);
		ssize_t n = recvmsg(f->sock, &b.mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		const struct fanout_msg msg = b.msg;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (n <= 0)
			return false;
		int fd = -1;
		struct cmsghdr *cm = CMSG_FIRSTHDR(&b.mh);
		if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(cm), sizeof(int));
		if (n != (ssize_t)sizeof(msg) || msg.slot >= f->room->max_users) {
			if (fd >= 0)
				close(fd);
			continue;       /* cannot happen: the daemon sent it */
		}
		struct member *m = &f->m[msg.slot];
		if (msg.op == FANOUT_ADD && fd < 0) {
			/* Out of descriptors (MSG_CTRUNC): this connection
			 * cannot be served; its handler ends it. */
			log_msg(LOG_ERR, "fanout: a connection came without its descriptor "
				"(RLIMIT_NOFILE too low?); closing it");
			struct room_slot *s = room_slot(f->room, msg.slot);
			if (s->gen == msg.gen) {
				atomic_store(&s->done_gen, msg.gen);
				wake_handler(f, msg.slot, msg.gen);
			}
			continue;
		}
		if (msg.op == FANOUT_ADD) {
			drop(f, msg.slot);
			m->fd = fd;
			m->gen = msg.gen;
			if (msg.slot >= f->hi)
				f->hi = msg.slot + 1;
			continue;
		}
		if (fd >= 0)
			close(fd);
		if (msg.op == FANOUT_RELEASE) {
			if (m->fd > 0 && m->gen == msg.gen)
				drop(f, msg.slot);
			released(f, msg.slot, msg.gen);
		}
	}
}

/* ---- the loop -------------------------------------------------------- */

/* Give back what a burst grew: called when the writer has been idle for
 * IDLE_TRIM_MS, so that a busy writer keeps its arena (freeing and growing
 * it at every pause cost a third of its throughput). */
static void trim_memory(struct fanout *f)
{
	if (f->out.cap <= ARENA_KEEP && f->items_cap <= ITEMS_KEEP)
		return;
	buffer_free(&f->out);
	free(f->items);
	f->items = NULL;
	f->items_cap = 0;
	malloc_trim(0);
}

static bool memory_to_trim(const struct fanout *f)
{
	return f->out.cap > ARENA_KEEP || f->items_cap > ITEMS_KEEP;
}

/* The members with a connection, grouped by the first room each is in
 * (a counting sort): those that need a record then come one after the
 * other, while it is in the pass's cache (reccache.h). In slot order the
 * members of ten rooms took turns, and each read every record anew. A
 * pass of fewer new events than the cache has sets keeps them all, and a
 * chat's passes bring one: those go in slot order, with nothing sorted.
 * The first rooms are kept, not read again: a member's set may change
 * between the two loops. */
static void order_members(struct fanout *f, uint64_t head)
{
	uint32_t start[ROOMS_MAX + 2] = { 0 };

	f->grouped = head - f->passed >= RECCACHE_SETS;
	f->passed = head;
	if (!f->grouped)
		return;
	for (uint32_t i = 0; i < f->hi; i++) {
		if (f->m[i].fd <= 0)
			continue;
		uint64_t rooms = atomic_load_explicit(&room_slot(f->room, i)->rooms,
						      memory_order_relaxed);
		f->first_room[i] = rooms ? (uint8_t)(__builtin_ctzll(rooms) + 1) : 0;
		start[f->first_room[i] + 1]++;
	}
	for (uint32_t k = 1; k < ROOMS_MAX + 2; k++)
		start[k] += start[k - 1];
	f->norder = start[ROOMS_MAX + 1];
	for (uint32_t i = 0; i < f->hi; i++)
		if (f->m[i].fd > 0)
			f->order[start[f->first_room[i]]++] = i;
}

/* Serve every member: rounds of batches, each sent together; a member
 * with more than a batch waiting gets up to BATCH_ROUNDS in one pass. */
static void pass(struct fanout *f, int64_t *next_deadline)
{
	uint64_t head = room_head(f->room);
	int64_t now = mono_ms();

	index_to(f, head);
	reccache_next_pass(&f->recs);
	order_members(f, head);
	for (int round = 0; round < BATCH_ROUNDS; round++) {
		f->more = false;
		for (uint32_t k = 0; k < (f->grouped ? f->norder : f->hi); k++) {
			uint32_t i = f->grouped ? f->order[k] : k;
			if (f->m[i].fd <= 0 || !ready(f, i, head, now))
				continue;
			struct batch *b = &f->batches[f->nbatches];
			build(f, i, head, b);
			if (b->len > 0)
				f->nbatches++;
			else if (b->lagged)
				drop_lagged(f, i, now);
			else
				commit(f, b, 0);   /* only events not its: it moves on */
			if (f->out.len >= ROUND_BYTES)
				send_round(f, head, now);
		}
		send_round(f, head, now);
		if (!f->more)
			break;
	}
	*next_deadline = 0;
	for (uint32_t i = 0; i < f->hi; i++) {
		struct member *m = &f->m[i];
		if (m->fd > 0 && m->close_at &&
		    (*next_deadline == 0 || m->close_at < *next_deadline))
			*next_deadline = m->close_at;
	}
	while (f->hi > 0 && f->m[f->hi - 1].fd <= 0)
		f->hi--;
}

static int isolate(const struct fanout_args *a)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != a->daemon_pid)
		_exit(1);
	if (sandbox_enter() < 0)
		_exit(1);   /* no capability and no-new-privs, or no child */
	log_close();
	/* Keep the socketpair (3) and the eventfd (4), each moved out of the
	 * other's way first if needed. */
	int notify = a->room->notify_fd, sock = a->sock;
	if (sock == 4 && (sock = fcntl(sock, F_DUPFD_CLOEXEC, 5)) < 0)
		_exit(1);
	if (notify == 3 && (notify = fcntl(notify, F_DUPFD_CLOEXEC, 5)) < 0)
		_exit(1);
	if ((sock != 3 && dup3(sock, 3, O_CLOEXEC) < 0) ||
	    (notify != 4 && dup3(notify, 4, O_CLOEXEC) < 0) ||
	    close_range(5, ~0U, 0) < 0)
		_exit(1);
	a->room->notify_fd = 4;
	log_reopen();
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, WAKE_SIGNAL };
	return signalfd_for(SIG_SETMASK, sigs, sizeof(sigs) / sizeof(sigs[0]));
}

/* One descriptor per connection: raise the soft limit as far as the hard
 * one allows, and say so if that is not enough for max_users. */
static void raise_nofile(uint32_t max_users)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)max_users + 16;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur < want)
		log_msg(LOG_WARNING, "fanout: RLIMIT_NOFILE allows %llu connections, not the "
			"%u of max_users; raise the hard limit (LimitNOFILE=)",
			(unsigned long long)(rl.rlim_cur > 16 ? rl.rlim_cur - 16 : 0), max_users);
}

/* io_uring where the kernel gives one (and LCHATD_FANOUT is not "send",
 * which the benchmarks use to compare), else one send() per member. */
static void start_sender(struct fanout *f)
{
	const char *want = getenv("LCHATD_FANOUT");
	if (want && strcmp(want, "send") == 0) {
		log_msg(LOG_INFO, "fanout: one send() per member (LCHATD_FANOUT=send)");
		return;
	}
	/* The ring starts disabled and may then only send: seccomp never
	 * sees io_uring's operations, so the ring's own restrictions are
	 * what keeps an intruder from opening files through it. */
	struct io_uring_restriction only_send[] = {
		{ .opcode = IORING_RESTRICTION_SQE_OP, .sqe_op = IORING_OP_SEND },
	};
	int rc = io_uring_queue_init(RING_ENTRIES, &f->ring, IORING_SETUP_R_DISABLED);
	if (rc == 0) {
		/* Straight to the kernel: Debian's liburing 2.3 declares
		 * these two helpers but does not export them. */
		if (syscall(SYS_io_uring_register, f->ring.ring_fd,
			    IORING_REGISTER_RESTRICTIONS, only_send, 1) < 0 ||
		    syscall(SYS_io_uring_register, f->ring.ring_fd,
			    IORING_REGISTER_ENABLE_RINGS, NULL, 0) < 0)
			rc = -errno;
		if (rc < 0)
			io_uring_queue_exit(&f->ring);
	}
	if (rc < 0) {
		log_msg(LOG_NOTICE, "fanout: no io_uring (%s); one send() per member",
			strerror(-rc));
		return;
	}
	f->uring = true;
	log_msg(LOG_INFO, "fanout: sending through io_uring");
}

static int watch(struct fanout *f, int fd, uint32_t tag, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u32 = tag };

	return epoll_ctl(f->epfd, EPOLL_CTL_ADD, fd, &ev);
}

void fanout_main(const struct fanout_args *a)
{
	static struct fanout f;
	struct room *r = a->room;

	proctitle_set("lchatd: fanout");
	f.sigfd = isolate(a);
	raise_nofile(r->max_users);
	f.room = r;
	f.sock = 3;
	f.epfd = epoll_create1(EPOLL_CLOEXEC);
	f.m = calloc(r->max_users, sizeof(*f.m));
	f.released = calloc(r->max_users, sizeof(*f.released));
	f.batches = calloc(r->max_users, sizeof(*f.batches));
	f.order = calloc(r->max_users, sizeof(*f.order));
	f.first_room = calloc(r->max_users, sizeof(*f.first_room));
	for (f.tag_mask = 1; f.tag_mask < r->history; f.tag_mask *= 2)
		;
	f.tag = calloc(f.tag_mask, sizeof(*f.tag));
	f.tag_gen = calloc(f.tag_mask, sizeof(*f.tag_gen));
	f.tag_mask--;
	if (f.sigfd < 0 || f.epfd < 0 || !f.m || !f.released || !f.batches ||
	    !f.order || !f.first_room ||
	    !f.tag || !f.tag_gen ||
	    watch(&f, f.sock, TAG_SOCK, EPOLLIN) < 0 ||
	    watch(&f, r->notify_fd, TAG_NOTIFY, EPOLLIN | EPOLLET) < 0 ||
	    watch(&f, f.sigfd, TAG_SIG, EPOLLIN) < 0) {
		log_msg(LOG_ERR, "fanout: cannot start: %s", strerror(errno));
		_exit(1);
	}
	start_sender(&f);
	char err[200];
	if (sysfilter_load(SANDBOX_WRITER, err, sizeof(err)) < 0) {
		log_msg(LOG_ERR, "fanout: cannot enter the sandbox: %s", err);
		_exit(1);
	}

	/* A wake-up costs the syscalls it makes: at a chat's rates the writer
	 * wakes for nearly every message. So the daemon's socket is read only
	 * when epoll says it is readable, and the eventfd that handlers write
	 * to wake us (wake.h) is watched edge-triggered and never read: every
	 * write is an edge, and its counter, one per sleep of ours at most,
	 * would take millennia to reach the eventfd's limit. */
	bool from_daemon = true;
	for (;;) {
		uint64_t seen = wake_writer_awake(r);
		if (from_daemon && !take_messages(&f))
			_exit(0);       /* the daemon is gone */
		from_daemon = false;
		int64_t deadline;
		pass(&f, &deadline);
		send_released(&f);
		int timeout = 0;
		/* A member with more than BATCH_ROUNDS batches waiting is
		 * served again at once: nobody will post to wake us for it. */
		bool trim = false;
		if (!f.more && wake_writer_may_sleep(r, seen)) {
			timeout = -1;
			if (deadline) {
				int64_t left = deadline - mono_ms();
				timeout = left <= 0 ? 0 : (int)left;
			}
			if (memory_to_trim(&f) && (timeout < 0 || timeout > IDLE_TRIM_MS)) {
				timeout = IDLE_TRIM_MS;
				trim = true;
			}
		}
		struct epoll_event ev[64];
		int n = epoll_wait(f.epfd, ev, 64, timeout);
		if (n == 0 && trim)
			trim_memory(&f);
		if (n < 0 && errno != EINTR) {
			log_msg(LOG_ERR, "fanout: epoll_wait: %s", strerror(errno));
			_exit(1);
		}
		for (int k = 0; k < n; k++) {
			uint32_t tag = ev[k].data.u32;
			if (tag == TAG_SOCK) {
				from_daemon = true;
			} else if (tag == TAG_SIG) {
				struct signalfd_siginfo si;
				while (read(f.sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
					if (si.ssi_signo == SIGTERM)
						_exit(0);
			} else if (tag < r->max_users) {
				f.m[tag].blocked = false;
			}
		}
	}
}
