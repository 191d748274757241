/* fanout.c - the fan-out writer ("lchatd: fanout"): after the daemon hands
 * it a connection, the only process that writes to that client.
 *
 * One pass serves every connection: it sends what is due of the reply
 * queue (outq.h) and the events of the room log from the member's cursor
 * up to the head, in order (a reply due before seq goes after every event
 * below seq), in one send() per connection. The member's own events become
 * its acks ("OK SAY seq"); events addressed to someone else are skipped;
 * nothing is copied per member but the batch being sent. Then it sleeps in
 * epoll until something is posted (wake.h), a full socket drains, or a
 * closing connection's time is up.
 *
 * A member whose socket is full is skipped until EPOLLOUT; what a partial
 * send left of one thing (an event's line, or one reply-queue entry of at
 * most OUTQ_BYTES) is kept, so the client never gets half a line followed
 * by another. When its cursor falls `history` events
 * behind, the writer writes its LEAVE, sends "BYE lagged" and closes it: the
 * log is the only buffer, and a laggard costs nothing but its cursor.
 *
 * The writer parses nothing a client sends. If it dies, the daemon exits
 * and the supervisor starts the room again: the clients reconnect and
 * resume by sequence number (daemon.c says why). */
#include "fanout.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buffer.h"
#include "log.h"
#include "outq.h"
#include "proctitle.h"
#include "protocol.h"
#include "util.h"
#include "wake.h"

/* Bytes sent to one member in one send(): more waits for the next round. */
#define BATCH_BYTES (64 * 1024)
/* Rounds of BATCH_BYTES one member may take in one pass. */
#define BATCH_ROUNDS 4
#define MAX_ITEMS 2048

/* epoll data: member slots are below these. */
#define TAG_SOCK   0xffffffffu
#define TAG_NOTIFY 0xfffffffeu
#define TAG_SIG    0xfffffffdu

struct member {
	int fd;                 /* -1: no connection */
	uint32_t gen;
	bool registered;        /* fd is in the epoll set */
	bool streaming;         /* joined: events flow from cursor */
	bool blocked;           /* socket full: wait for EPOLLOUT */
	bool ending;            /* dropped as lagged: only the tail goes out */
	bool gone;              /* the client is gone: take, do not send */
	uint64_t cursor;        /* the next event to send */
	int64_t close_at;       /* mono ms: close by then (0: not closing) */
	char *tail;             /* the unsent rest of a line (and a BYE) */
	size_t tail_len;
};

/* Where a batch stands after each thing in it: taking the batch's first
 * `end` bytes takes the queue up to qpos and the log up to cursor. */
struct item {
	size_t end;
	uint32_t qpos;
	uint64_t cursor;
};

struct fanout {
	struct room *room;
	int sock, sigfd, epfd;
	struct member *m;
	uint32_t hi;            /* members are below hi */
	struct buffer out;      /* the batch */
	struct item items[MAX_ITEMS];
	size_t nitems;
	struct fanout_msg *released;   /* FANOUT_RELEASED not yet sent */
	size_t nreleased;
	bool sock_out;          /* sock is watched for EPOLLOUT */
};

/* ---- the daemon's side ----------------------------------------------- */

int fanout_add(int sock, uint32_t slot, uint32_t gen, int fd)
{
	struct fanout_msg msg = { FANOUT_ADD, slot, gen };
	struct iovec iov = { &msg, sizeof(msg) };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = c.buf, .msg_controllen = sizeof(c.buf),
	};
	memset(&c, 0, sizeof(c));
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	for (;;) {
		if (sendmsg(sock, &mh, MSG_NOSIGNAL) == (ssize_t)sizeof(msg))
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

static void wake_handler(struct fanout *f, uint32_t i)
{
	room_lock(f->room);
	if (room_slot(f->room, i)->gen == f->m[i].gen)
		wake_slot_forced(room_slot(f->room, i));
	room_unlock(f->room);
}

/* Forget member i's connection (the handler keeps its own descriptor). */
static void drop(struct fanout *f, uint32_t i)
{
	struct member *m = &f->m[i];

	if (m->fd < 0)
		return;
	if (m->registered && epoll_ctl(f->epfd, EPOLL_CTL_DEL, m->fd, NULL) < 0)
		log_msg(LOG_WARNING, "fanout: epoll_ctl: %s", strerror(errno));
	close(m->fd);
	free(m->tail);
	memset(m, 0, sizeof(*m));
	m->fd = -1;
}

/* Member i's connection is closed: its handler may exit. */
static void finish(struct fanout *f, uint32_t i)
{
	struct room_slot *s = room_slot(f->room, i);
	uint32_t gen = f->m[i].gen;

	drop(f, i);
	if (s->gen == gen) {
		atomic_store(&s->done_gen, gen);
		wake_handler(f, i);
	}
}

static void take_queue(struct fanout *f, uint32_t i, uint32_t pos)
{
	struct outq *q = &f->room->outq[i];

	if (pos != atomic_load_explicit(&q->tail, memory_order_relaxed) && outq_take(q, pos))
		wake_handler(f, i);
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
	wake_slot_forced(s);
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
	line_bye(&bye, CODE_LAGGED, "you fell too far behind the room and missed messages");
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

static void item(struct fanout *f, uint32_t qpos, uint64_t cursor)
{
	struct item *it = &f->items[f->nitems];

	/* Nothing added since the last item: it moves on instead. */
	if (f->nitems > 0 && it[-1].end == f->out.len)
		it--;
	else
		f->nitems++;
	it->end = f->out.len;
	it->qpos = qpos;
	it->cursor = cursor;
}

/* Append event `seq` as member i sees it: its line, its ack, or nothing.
 * False if the record is gone (the member fell behind). */
static bool add_event(struct fanout *f, uint32_t i, uint64_t seq)
{
	struct room *r = f->room;
	struct member *m = &f->m[i];
	struct room_rec_info info;

	if (buffer_reserve(&f->out, r->rec_size) < 0)
		return false;
	char *dst = f->out.data + f->out.len;
	if (!room_read(r, seq, &info, dst, r->rec_size))
		return false;
	if (info.origin == i + 1 && info.origin_gen == m->gen) {
		/* Our own event: the ack where its echo would be (joins and
		 * leaves are acknowledged by the handler). */
		enum verb ack = event_ack_verb(info.kind);
		if (ack == VERB_NICK) {
			char name[NAME_MAX_LEN + 1];
			size_t n = info.text_len < NAME_MAX_LEN ? info.text_len : NAME_MAX_LEN;
			memcpy(name, dst + info.text_off, n);
			name[n] = '\0';
			line_ok(&f->out, VERB_NICK, "%s %" PRIu64, name, seq);
		} else if (ack != VERB_UNKNOWN) {
			line_ok(&f->out, ack, "%" PRIu64, seq);
		}
		return true;
	}
	if (info.target && !(info.target == i + 1 && info.target_gen == m->gen))
		return true;
	f->out.len += info.len;
	return true;
}

/* Build member i's next batch in f->out and f->items. *lagged is set if
 * the log moved past the cursor while reading. */
static void build(struct fanout *f, uint32_t i, uint64_t head, bool *lagged)
{
	struct room *r = f->room;
	struct member *m = &f->m[i];
	struct outq *q = &r->outq[i];
	uint32_t qpos = atomic_load_explicit(&q->tail, memory_order_relaxed);
	uint64_t cursor = m->cursor;

	f->out.len = f->out.off = 0;
	f->nitems = 0;
	if (m->tail_len) {
		buffer_append(&f->out, m->tail, m->tail_len);
		item(f, qpos, cursor);
	}
	if (m->ending || m->gone)
		return;
	uint64_t end = atomic_load(&room_slot(r, i)->end_seq);
	uint64_t limit = end && end < head ? end : head;
	while (f->out.len < BATCH_BYTES && f->nitems < MAX_ITEMS - 1) {
		struct outq_entry e;
		if (outq_peek(q, qpos, &e)) {
			uint64_t due = end && end < e.due ? end : e.due;
			if (!m->streaming || cursor >= due) {
				if (buffer_reserve(&f->out, e.len) < 0)
					break;
				outq_copy(q, qpos, &e, f->out.data + f->out.len);
				f->out.len += e.len;
				qpos = e.next;
				item(f, qpos, cursor);
				continue;
			}
		}
		if (!m->streaming || cursor >= limit)
			break;
		if (!add_event(f, i, cursor)) {
			*lagged = true;
			break;
		}
		cursor++;
		item(f, qpos, cursor);
	}
}

/* n bytes of the batch went out: take what they carried. A thing sent in
 * part is taken too, and its rest becomes the tail. */
static void commit(struct fanout *f, uint32_t i, size_t n)
{
	struct member *m = &f->m[i];
	size_t k = 0;

	while (k < f->nitems && f->items[k].end <= n)
		k++;
	size_t start = k ? f->items[k - 1].end : 0;
	char *rest = NULL;
	size_t rest_len = 0;
	if (k < f->nitems && n > start) {
		rest_len = f->items[k].end - n;
		rest = malloc(rest_len);
		if (!rest) {
			m->gone = true;   /* cannot keep it: the line would break */
			rest_len = 0;
		} else {
			memcpy(rest, f->out.data + n, rest_len);
		}
		k++;
	}
	free(m->tail);
	m->tail = rest;
	m->tail_len = rest_len;
	if (k == 0)
		return;
	if (m->cursor != f->items[k - 1].cursor) {
		m->cursor = f->items[k - 1].cursor;
		atomic_store_explicit(&room_slot(f->room, i)->cursor, m->cursor,
				      memory_order_relaxed);
	}
	take_queue(f, i, f->items[k - 1].qpos);
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

static void serve(struct fanout *f, uint32_t i, uint64_t head, int64_t now)
{
	struct room *r = f->room;
	struct member *m = &f->m[i];
	struct room_slot *s = room_slot(r, i);

	if (s->gen != m->gen || atomic_load(&s->state) == SLOT_FREE) {
		/* The handler is gone: the daemon's FANOUT_RELEASE is on
		 * its way, and nothing more is this connection's. */
		m->gone = true;
		return;
	}
	if (!m->close_at && atomic_load(&s->closing))
		m->close_at = now + CLOSE_FLUSH_MS;
	if (!m->streaming && atomic_load(&s->streaming)) {
		m->streaming = true;
		m->cursor = atomic_load(&s->cursor);
	}
	uint64_t end = atomic_load(&s->end_seq);
	if (m->streaming && !m->ending && m->cursor < room_oldest(r, head) &&
	    !(end && m->cursor >= end))
		drop_lagged(f, i, now);
	if (m->close_at && now >= m->close_at) {
		finish(f, i);
		return;
	}
	if (m->gone) {
		take_all(f, i);
		return;
	}
	if (m->ending)
		take_queue(f, i, atomic_load(&r->outq[i].head));
	for (int round = 0; round < BATCH_ROUNDS && !m->blocked; round++) {
		bool lagged = false;
		build(f, i, head, &lagged);
		size_t len = f->out.len;
		if (len > 0) {
			ssize_t n = 0;
			while (!m->gone) {
				n = send(m->fd, f->out.data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
				if (n >= 0 || errno != EINTR)
					break;
			}
			if (m->gone)
				n = (ssize_t)len;
			else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				n = 0;
			else if (n < 0) {
				m->gone = true;   /* the client is gone: its handler sees it */
				n = (ssize_t)len;
			}
			commit(f, i, (size_t)n);
			if ((size_t)n < len)
				watch_out(f, i);
		}
		if (lagged) {
			drop_lagged(f, i, now);
			continue;
		}
		if (len < BATCH_BYTES)
			break;
	}
	if (m->gone)
		take_all(f, i);
	else if (m->fd >= 0 && m->close_at && !m->blocked && drained(f, i, head))
		finish(f, i);
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
		struct fanout_msg msg;
		struct iovec iov = { &msg, sizeof(msg) };
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(int))];
		} c;
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = c.buf, .msg_controllen = sizeof(c.buf),
		};
		ssize_t n = recvmsg(f->sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (n <= 0)
			return false;
		int fd = -1;
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
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
				m->gen = msg.gen;
				wake_handler(f, msg.slot);
				m->gen = 0;
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
			if (m->fd >= 0 && m->gen == msg.gen)
				drop(f, msg.slot);
			released(f, msg.slot, msg.gen);
		}
	}
}

/* ---- the loop -------------------------------------------------------- */

static void pass(struct fanout *f, int64_t *next_deadline)
{
	uint64_t head = room_head(f->room);
	int64_t now = mono_ms();

	*next_deadline = 0;
	for (uint32_t i = 0; i < f->hi; i++) {
		struct member *m = &f->m[i];
		if (m->fd < 0)
			continue;
		serve(f, i, head, now);
		if (m->fd >= 0 && m->close_at &&
		    (*next_deadline == 0 || m->close_at < *next_deadline))
			*next_deadline = m->close_at;
	}
	while (f->hi > 0 && f->m[f->hi - 1].fd < 0)
		f->hi--;
}

static int isolate(const struct fanout_args *a)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != a->daemon_pid)
		_exit(1);
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

static int watch(struct fanout *f, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

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
	if (f.sigfd < 0 || f.epfd < 0 || !f.m || !f.released ||
	    watch(&f, f.sock, TAG_SOCK) < 0 || watch(&f, r->notify_fd, TAG_NOTIFY) < 0 ||
	    watch(&f, f.sigfd, TAG_SIG) < 0) {
		log_msg(LOG_ERR, "fanout: cannot start: %s", strerror(errno));
		_exit(1);
	}
	for (uint32_t i = 0; i < r->max_users; i++)
		f.m[i].fd = -1;

	for (;;) {
		uint64_t seen = wake_writer_awake(r);
		if (!take_messages(&f))
			_exit(0);       /* the daemon is gone */
		int64_t deadline;
		pass(&f, &deadline);
		send_released(&f);
		int timeout = 0;
		if (wake_writer_may_sleep(r, seen)) {
			timeout = -1;
			if (deadline) {
				int64_t left = deadline - mono_ms();
				timeout = left <= 0 ? 0 : (int)left;
			}
		}
		struct epoll_event ev[64];
		int n = epoll_wait(f.epfd, ev, 64, timeout);
		if (n < 0 && errno != EINTR) {
			log_msg(LOG_ERR, "fanout: epoll_wait: %s", strerror(errno));
			_exit(1);
		}
		for (int k = 0; k < n; k++) {
			uint32_t tag = ev[k].data.u32;
			if (tag == TAG_NOTIFY) {
				uint64_t count;
				while (read(r->notify_fd, &count, sizeof(count)) < 0 && errno == EINTR)
					;
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
