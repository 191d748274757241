/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* lchat-bench.c - load generator for lchat and its peers (redis pub/sub,
 * IRC), one process, one epoll loop.
 *
 *   lchat-bench -p lchat|redis|irc -a ADDR [-n RECEIVERS] [-s SENDERS]
 *               [-m SAT_MSGS] [-w WINDOW] [-r RATE[:SECONDS][,RATE[:SECONDS]...]]
 *               [-d LAT_SECONDS] [-b BYTES] [-P SERVER_PID] [-t TIMEOUT_S]
 *               [-T TAG] [-o NAME_OFFSET] [-g SYNC_DIR] [-J JOIN_TIMEOUT_S]
 *               [-R ROOMS] [-I IRC_SOCKET]
 *
 * -I IRC_SOCKET (with -p lchat; issue 19) puts half the receivers on
 * lchatd's own IRC socket: receivers with an odd number connect to
 * IRC_SOCKET (a UNIX socket), register with NICK and USER (which joins
 * them to the default room, whose 366 makes them ready) and expect the
 * IRC form of every message (":s0_x!login@lchat PRIVMSG #general :@@...");
 * the senders and the other receivers speak lchat. With -R, an IRC
 * receiver JOINs #bK and PARTs the default room, and is ready when its
 * own PART comes back. The result line says proto=lchat-irc.
 *
 * -R ROOMS spreads the members over that many rooms (issue 17): sender or
 * receiver number i is in room i % ROOMS only and a sender's messages go
 * to its room (lchat: PROTO 2, ENTER #bK and PART of the default room; the
 * rooms bK must exist: run-bench configures them; redis: channel benchK;
 * irc: #benchK). A receiver expects the messages of its room's senders
 * only; the window and the counts follow. Default 1: everyone in one room,
 * as before.
 *
 * ADDR is a UNIX socket path (lchat, redis) or a TCP port on 127.0.0.1 (irc).
 * Phases, in one run:
 *   join   connect N receivers and S senders; time until all are in (at
 *          most JOIN_TIMEOUT_S, default TIMEOUT_S: then status=JOIN-FAILED
 *          with how many got in)
 *   sync   (-g DIR only) create DIR/ready.PID, then keep reading until
 *          DIR/go exists: several bench processes, each with its share of
 *          the users, start the next phases together (one process has one
 *          descriptor per connection, and RLIMIT_NOFILE may be below N)
 *   mem    PSS of the server's process tree per connected user
 *   sat    senders send SAT_MSGS messages as fast as they can, each sender
 *          never more than WINDOW of its own messages ahead of the slowest
 *          receiver; deliveries/s is messages x receivers / (first send ..
 *          last delivery)
 *   lat    one phase per RATE: RATE messages/s in total for SECONDS
 *          (default LAT_SECONDS); every message carries its CLOCK_MONOTONIC
 *          send time; p50/p99/max over every delivery
 * Server CPU is read before and after each phase: the time on a CPU
 * (schedstat, ns) of every thread of SERVER_PID and of all its descendants,
 * found afresh at each reading (so a child that appears, like lchatd's
 * fan-out writer, counts), plus what descendants that have exited and were
 * reaped within the tree used (their reaper's cutime + cstime) and what
 * exited threads used (a process's utime + stime beyond its live threads').
 * Every receiver parses every message (run id, phase, sender, sequence) and
 * counts lost, duplicated and out-of-order deliveries; any of them, a
 * protocol error or a timeout makes the exit status non-zero.
 * The result is one line of key=value pairs on stdout: the first rate's
 * figures as p50_us, p99_us, ... and every rate's as latRATE_p50_us, ...;
 * after a fault, first_error= says the first one (spaces as '_'). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

enum proto { P_LCHAT, P_REDIS, P_IRC };
enum cstate { C_IDLE, C_CONNECTING, C_HANDSHAKE, C_READY, C_DEAD };
enum phase { PH_SAT = 1, PH_LAT = 2 };  /* rate k's phase is PH_LAT + k */

#define LINE_MAX_BYTES 4096
#define MAX_SENDERS 64
#define MAX_RATES 8

struct conn {
	int fd;
	bool sender;
	uint8_t state;
	uint8_t proto;           /* what it speaks: P_LCHAT, P_REDIS or P_IRC */
	bool in_default;         /* lchatd IRC, -R: not yet out of the default room */
	uint32_t id;
	uint64_t joinseq;        /* lchat: events below it are history */
	uint64_t got;            /* unique deliveries */
	uint32_t last[MAX_SENDERS]; /* last sequence number seen per sender */
	char *in;                /* partial line carried between reads */
	size_t inlen;
	char *out;               /* unsent output */
	size_t outlen, outcap;
};

static enum proto proto = P_LCHAT;
static const char *const proto_names[] = { [P_LCHAT] = "lchat", [P_REDIS] = "redis", [P_IRC] = "irc" };
static const char *addr;
static const char *irc_addr;          /* -I: lchatd's IRC socket, for odd receivers */
static uint32_t nrecv = 10, nsend = 4, msg_bytes = 100;
static uint64_t sat_msgs = 20000, window = 64;
static double lat_secs = 2;
static struct { double rate, secs; } rates[MAX_RATES];
static int nrates;
static uint32_t name_offset;
static const char *sync_dir;
static pid_t server_pid;
static double timeout_s = 120, join_timeout_s;
static const char *tag = "";
static uint32_t run_id;
static uint32_t nrooms = 1;           /* -R: member i is in room i % nrooms */
static uint64_t *recv_in_room;        /* receivers per room */
static char default_room[32] = "general";   /* lchat: HELLO's default_room */

static struct conn *conns;
static uint32_t nconns;
static int ep;
static char scratch[1 << 18];

static uint64_t deliv_dup, deliv_ooo, errors, ready_count, dead_count;
static uint64_t sent_total;          /* messages sent, all phases */
static uint32_t sender_seq[MAX_SENDERS];
static uint32_t min_last[MAX_SENDERS]; /* per sender: the slowest receiver's last */
static uint64_t lat_phase;           /* the phase whose latencies are kept */
static uint64_t last_delivery_ns;
static uint64_t *lat_ns;             /* one per lat-phase delivery */
static size_t lat_n, lat_cap;
static const char *errmsg_first;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "lchat-bench: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void note_error(const char *what)
{
	errors++;
	if (!errmsg_first)
		errmsg_first = what;
}

/* ---- output -------------------------------------------------------- */

static void conn_kill(struct conn *c, const char *why)
{
	if (c->state == C_DEAD)
		return;
	note_error(why);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->state = C_DEAD;
	dead_count++;
}

static void flush_out(struct conn *c)
{
	while (c->outlen > 0 && c->state != C_DEAD) {
		ssize_t n = send(c->fd, c->out, c->outlen, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			memmove(c->out, c->out + n, c->outlen - (size_t)n);
			c->outlen -= (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			return;
		} else {
			conn_kill(c, "send failed");
		}
	}
}

static void queue(struct conn *c, const char *data, size_t len)
{
	if (c->outlen + len > c->outcap) {
		size_t cap = c->outcap ? c->outcap * 2 : 1024;
		while (cap < c->outlen + len)
			cap *= 2;
		char *p = realloc(c->out, cap);
		if (!p)
			die("realloc");
		c->out = p;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, data, len);
	c->outlen += len;
}

static void queuef(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void queuef(struct conn *c, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	queue(c, buf, (size_t)n);
}

/* ---- messages --------------------------------------------------------- */

/* Send one message from sender c: the payload is
 * "@@RUN.PHASE.SENDER.SEQ.NS." padded with 'x' to msg_bytes. Without
 * flush it is only queued (the saturation phase writes what the window
 * allows with one send per sender). */
static uint32_t room_of(const struct conn *c)
{
	return c->id % nrooms;
}

/* Deliveries expected for what the senders sent since seq0 (their
 * sender_seq then): each message reaches the receivers of its room. */
static uint64_t expected_since(const uint32_t *seq0)
{
	uint64_t want = 0;

	for (uint32_t s = 0; s < nsend; s++)
		want += (uint64_t)(sender_seq[s] - seq0[s]) * recv_in_room[s % nrooms];
	return want;
}

static void send_message(struct conn *c, int phase, bool flush)
{
	char payload[2048];
	uint32_t s = c->id;
	uint32_t seq = ++sender_seq[s];
	int n = snprintf(payload, sizeof(payload), "@@%u.%d.%u.%u.%" PRIu64 ".",
			 run_id, phase, s, seq, now_ns());
	size_t len = (size_t)n;
	while (len < msg_bytes && len < sizeof(payload) - 1)
		payload[len++] = 'x';
	payload[len] = '\0';
	switch ((enum proto)c->proto) {
	case P_LCHAT:
		if (nrooms > 1)
			queuef(c, "SAY #b%u %s\n", room_of(c), payload);
		else
			queuef(c, "SAY %s\n", payload);
		break;
	case P_REDIS:
		if (nrooms > 1) {
			char ch[16];
			int cn = snprintf(ch, sizeof(ch), "bench%u", room_of(c));
			queuef(c, "*3\r\n$7\r\nPUBLISH\r\n$%d\r\n%s\r\n$%zu\r\n%s\r\n", cn, ch, len,
			       payload);
		} else {
			queuef(c, "*3\r\n$7\r\nPUBLISH\r\n$5\r\nbench\r\n$%zu\r\n%s\r\n", len, payload);
		}
		break;
	case P_IRC:
		if (nrooms > 1)
			queuef(c, "PRIVMSG #bench%u :%s\r\n", room_of(c), payload);
		else
			queuef(c, "PRIVMSG #bench :%s\r\n", payload);
		break;
	}
	sent_total++;
	if (flush)
		flush_out(c);
}

/* The decimal number at p (before end) into *v: the byte after its digits,
 * or NULL if there are none. strtoul() was a third of the client's time. */
static const char *parse_dec(const char *p, const char *end, uint64_t *v)
{
	const char *start = p;
	uint64_t x = 0;

	while (p < end && *p >= '0' && *p <= '9')
		x = x * 10 + (uint64_t)(*p++ - '0');
	if (p == start)
		return NULL;
	*v = x;
	return p;
}

static void deliver(struct conn *c, const char *p, const char *end, uint64_t now)
{
	uint64_t v[5];
	const char *q = p + 2;

	if (c->sender)
		return;
	for (int i = 0; i < 5; i++) {
		q = parse_dec(q, end, &v[i]);
		if (!q || q >= end || *q != '.') {
			note_error("malformed payload");
			return;
		}
		q++;
	}
	if (v[0] != run_id)
		return;                 /* an earlier run's message (history) */
	uint32_t s = (uint32_t)v[2], seq = (uint32_t)v[3];
	if (s >= nsend) {
		note_error("bad sender");
		return;
	}
	if (seq <= c->last[s]) {
		deliv_dup++;
		return;
	}
	if (seq != c->last[s] + 1)
		deliv_ooo++;            /* a gap: counted as lost at the end */
	c->last[s] = seq;
	c->got++;
	last_delivery_ns = now;
	if (v[1] == lat_phase) {
		if (lat_n == lat_cap) {
			lat_cap = lat_cap ? lat_cap * 2 : 65536;
			lat_ns = realloc(lat_ns, lat_cap * sizeof(*lat_ns));
			if (!lat_ns)
				die("realloc");
		}
		lat_ns[lat_n++] = now - v[4];
	}
}

static void set_ready(struct conn *c)
{
	if (c->state == C_HANDSHAKE) {
		c->state = C_READY;
		ready_count++;
	}
}

static const char *find(const char *p, size_t len, const char *needle)
{
	return memmem(p, len, needle, strlen(needle));
}

/* The payload's "@@" in a line: memchr, cheaper than memmem() per line. */
static const char *find_payload(const char *p, size_t len)
{
	const char *end = p + len, *at;

	while ((at = memchr(p, '@', (size_t)(end - p))) && at + 1 < end) {
		if (at[1] == '@')
			return at;
		p = at + 1;
	}
	return NULL;
}

static void conn_name(const struct conn *c, char *buf, size_t len)
{
	/* Unique per run: the previous run's members may still be leaving. */
	snprintf(buf, len, "%c%u_%c%c%c", c->sender ? 's' : 'r', c->id + name_offset,
		 'a' + run_id % 26, 'a' + run_id / 26 % 26, 'a' + run_id / 676 % 26);
}

/* The server said no: print what it said. */
static void server_error(const char *line, size_t len, const char *what)
{
	fprintf(stderr, "lchat-bench: %.*s\n", (int)len, line);
	note_error(what);
}

/* A numeric error (4xx, 5xx) from an IRC server? 422 (no MOTD) is none. */
static bool irc_error_numeric(const char *line, size_t len)
{
	const char *sp;

	if (len == 0 || line[0] != ':' || !(sp = memchr(line, ' ', len)) || sp + 4 >= line + len ||
	    (sp[1] != '4' && sp[1] != '5') || sp[4] != ' ')
		return false;
	return memcmp(sp + 1, "422", 3) != 0;
}

/* An IRC receiver on lchatd's IRC socket (-I), lines other than messages
 * and PING: registering joins the default room, whose 366 ends the join
 * (with -R: JOIN #bK, PART of the default room, and its PART coming back
 * ends it). */
static void lchatd_irc_line(struct conn *c, const char *line, size_t len)
{
	char name[32], own[40];
	const char *m;

	conn_name(c, name, sizeof(name));
	int ol = snprintf(own, sizeof(own), ":%s!", name);
	if (c->state == C_HANDSHAKE && (m = find(line, len, " 366 "))) {
		/* ":lchat 366 NICK #chan :End of /NAMES list." */
		const char *ch = memchr(m + 5, ' ', (size_t)(line + len - (m + 5)));
		const char *che = ch ? memchr(ch + 1, ' ', (size_t)(line + len - (ch + 1))) : NULL;
		if (nrooms == 1) {
			set_ready(c);
		} else if (c->in_default && ch && che) {
			char room[16];
			snprintf(room, sizeof(room), "#b%u", room_of(c));
			if ((size_t)(che - ch - 1) != strlen(room) || memcmp(ch + 1, room, strlen(room)))
				queuef(c, "JOIN %s\r\nPART %.*s\r\n", room, (int)(che - ch - 1), ch + 1);
			flush_out(c);
		}
	} else if (c->state == C_HANDSHAKE && nrooms > 1 && len > (size_t)ol &&
		   memcmp(line, own, (size_t)ol) == 0 && find(line, len, " PART ")) {
		c->in_default = false;
		set_ready(c);
	} else if (len >= 5 && memcmp(line, "ERROR", 5) == 0) {
		server_error(line, len, "server error");
	} else if (irc_error_numeric(line, len)) {
		server_error(line, len, "irc error numeric");
	}
}

static void on_line(struct conn *c, const char *line, size_t len, uint64_t now)
{
	char name[32];
	const char *m;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	switch ((enum proto)c->proto) {
	case P_LCHAT:
		if (len > 3 && memcmp(line, "EV ", 3) == 0) {
			uint64_t seq = 0;
			if (parse_dec(line + 3, line + len, &seq) && seq > c->joinseq &&
			    (m = find_payload(line, len)))
				deliver(c, m, line + len, now);
		} else if (len >= 5 && memcmp(line, "HELLO", 5) == 0) {
			conn_name(c, name, sizeof(name));
			const char *d = find(line, len, " default_room=#");
			if (d) {
				size_t k = 0;
				for (d += 15; d < line + len && *d != ' ' && k + 1 < sizeof(default_room); d++)
					default_room[k++] = *d;
				default_room[k] = '\0';
			}
			queuef(c, "%sJOIN %s\n", nrooms > 1 ? "PROTO 2\n" : "", name);
			flush_out(c);
		} else if (len > 8 && memcmp(line, "OK JOIN ", 8) == 0) {
			const char *sp = memchr(line + 8, ' ', len - 8);
			c->joinseq = sp ? strtoull(sp + 1, NULL, 10) : 0;
			if (nrooms > 1) {
				/* In its room only: enter it, leave the default one. */
				queuef(c, "ENTER #b%u\nPART #%s\n", room_of(c), default_room);
				flush_out(c);
			} else {
				set_ready(c);
			}
		} else if (len > 8 && memcmp(line, "OK PART ", 8) == 0) {
			set_ready(c);
		} else if (len > 9 && memcmp(line, "OK ENTER ", 9) == 0) {
			/* Its JOIN there; events of its room below it are history. */
			const char *sp = memchr(line + 9, ' ', len - 9);
			c->joinseq = sp ? strtoull(sp + 1, NULL, 10) : c->joinseq;
		} else if (len > 5 && memcmp(line, "OK PROTO", 8 < len ? 8 : len) == 0) {
			/* PROTO 2 taken */
		} else if (len >= 3 && (memcmp(line, "ERR", 3) == 0 || memcmp(line, "BYE", 3) == 0))
			server_error(line, len, "server error");
		break;
	case P_REDIS:
		if (len > 2 && line[0] == '@' && line[1] == '@')
			deliver(c, line, line + len, now);
		else if (len == 9 && memcmp(line, "subscribe", 9) == 0)
			set_ready(c);
		else if (len > 0 && line[0] == '-')
			server_error(line, len, "server error");
		break;
	case P_IRC:
		if ((m = find(line, len, " PRIVMSG ")) && (m = find(line, len, ":@@")))
			deliver(c, m + 1, line + len, now);
		else if (len > 5 && memcmp(line, "PING ", 5) == 0) {
			queuef(c, "PONG %.*s\r\n", (int)(len - 5), line + 5);
			flush_out(c);
		} else if (irc_addr) {
			lchatd_irc_line(c, line, len);
		} else if (find(line, len, " 001 ")) {
			if (nrooms > 1)
				queuef(c, "JOIN #bench%u\r\n", room_of(c));
			else
				queuef(c, "JOIN #bench\r\n");
			flush_out(c);
		} else if (find(line, len, " 366 "))
			set_ready(c);
		else if (len >= 5 && memcmp(line, "ERROR", 5) == 0)
			server_error(line, len, "server error");
		else if (irc_error_numeric(line, len))
			server_error(line, len, "irc error numeric");
		break;
	}
}

static void on_readable(struct conn *c)
{
	for (;;) {
		if (c->state == C_DEAD)
			return;
		size_t keep = c->inlen;
		if (keep)
			memcpy(scratch, c->in, keep);
		ssize_t n = recv(c->fd, scratch + keep, sizeof(scratch) - keep, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			conn_kill(c, n == 0 ? "server closed the connection" : "recv failed");
			return;
		}
		uint64_t now = now_ns();
		size_t total = keep + (size_t)n, start = 0;
		for (;;) {
			char *nl = memchr(scratch + start, '\n', total - start);
			if (!nl)
				break;
			on_line(c, scratch + start, (size_t)(nl - (scratch + start)), now);
			start = (size_t)(nl - scratch) + 1;
		}
		c->inlen = total - start;
		if (c->inlen > LINE_MAX_BYTES) {
			conn_kill(c, "line too long");
			return;
		}
		if (c->inlen) {
			if (!c->in && !(c->in = malloc(LINE_MAX_BYTES)))
				die("malloc");
			memcpy(c->in, scratch + start, c->inlen);
		}
		if ((size_t)n < sizeof(scratch) - keep)
			return;       /* short read: the socket is empty */
	}
}

/* ---- connecting ------------------------------------------------------- */

static bool start_connect(struct conn *c)
{
	int fd;
	int rc;

	if (c->proto == P_IRC && !irc_addr) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			die("socket");
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		struct sockaddr_in sa = { .sin_family = AF_INET,
			.sin_port = htons((uint16_t)atoi(addr)) };
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	} else {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			die("socket");
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", c->proto == P_IRC ? irc_addr : addr);
		rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	}
	if (rc < 0 && errno == EAGAIN) {
		close(fd);            /* listen backlog full: try again later */
		return false;
	}
	if (rc < 0 && errno != EINPROGRESS) {
		close(fd);
		conn_kill(c, "connect failed");
		return true;
	}
	c->fd = fd;
	c->state = C_HANDSHAKE;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLET,
				  .data.u32 = (uint32_t)(c - conns) };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		die("epoll_ctl");
	char name[32];
	conn_name(c, name, sizeof(name));
	if (c->proto == P_REDIS) {
		if (c->sender)
			set_ready(c);
		else if (nrooms > 1) {
			char ch[16];
			int cn = snprintf(ch, sizeof(ch), "bench%u", room_of(c));
			queuef(c, "*2\r\n$9\r\nSUBSCRIBE\r\n$%d\r\n%s\r\n", cn, ch);
		} else
			queuef(c, "*2\r\n$9\r\nSUBSCRIBE\r\n$5\r\nbench\r\n");
	} else if (c->proto == P_IRC) {
		queuef(c, "NICK %s\r\nUSER %s 0 * :bench\r\n", name, name);
	}
	flush_out(c);
	return true;
}

/* ---- the loop --------------------------------------------------------- */

#define TIMER_TAG 0xffffffffu

static void poll_once(int timeout_ms)
{
	struct epoll_event evs[512];
	int n = epoll_wait(ep, evs, 512, timeout_ms);
	if (n < 0) {
		if (errno == EINTR)
			return;
		die("epoll_wait");
	}
	for (int i = 0; i < n; i++) {
		if (evs[i].data.u32 == TIMER_TAG)
			continue;    /* handled by the lat loop */
		struct conn *c = &conns[evs[i].data.u32];
		if (evs[i].events & EPOLLOUT)
			flush_out(c);
		if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			on_readable(c);
	}
}

/* min_last[s]: the last of sender s's messages that every live receiver
 * has (sender s's own count if none is left). */
static void min_received(void)
{
	for (uint32_t s = 0; s < nsend; s++)
		min_last[s] = UINT32_MAX;
	/* Only the senders of the receiver's room: this runs at every turn
	 * of the saturation loop, and a pass over every sender for every
	 * receiver was 12 % of the bench's own CPU at N = 1000, 10 rooms. */
	for (uint32_t i = 0; i < nconns; i++) {
		if (conns[i].sender || conns[i].state == C_DEAD)
			continue;
		for (uint32_t s = room_of(&conns[i]); s < nsend; s += nrooms)
			if (conns[i].last[s] < min_last[s])
				min_last[s] = conns[i].last[s];
	}
	for (uint32_t s = 0; s < nsend; s++)
		if (min_last[s] == UINT32_MAX)
			min_last[s] = sender_seq[s];
}

/* The next sender, round robin from *rr, that may send: ready, its output
 * not piling up, and fewer than `window` of its messages in flight. */
static struct conn *sender_with_room(uint32_t *rr)
{
	for (uint32_t k = 0; k < nsend; k++) {
		struct conn *c = &conns[(*rr + k) % nsend];
		if (c->state == C_READY && c->outlen < 16384 &&
		    sender_seq[c->id] - min_last[c->id] < window) {
			*rr = (*rr + k + 1) % nsend;
			return c;
		}
	}
	return NULL;
}

static uint64_t receivers_total(void)
{
	uint64_t t = 0;
	for (uint32_t i = 0; i < nconns; i++)
		if (!conns[i].sender)
			t += conns[i].got;
	return t;
}

static uint64_t deadline_ns;

static bool timed_out(void)
{
	return now_ns() > deadline_ns;
}

/* A phase's deliveries so far, and when they last grew. */
struct progress {
	uint64_t mark, at_ns;
};

/* Note `have` deliveries; false (with an error noted) once they have not
 * grown for 5 s. */
static bool progressing(struct progress *p, uint64_t have, const char *stalled)
{
	if (have != p->mark) {
		p->mark = have;
		p->at_ns = now_ns();
	} else if (now_ns() - p->at_ns > 5000000000ull) {
		note_error(stalled);
		return false;
	}
	return true;
}

/* ---- the server's processes ------------------------------------------ */

struct procstat {
	double cpu_s;
	uint64_t pss_kib;
	uint64_t vcsw, ivcsw;
	unsigned nproc;
};

static bool read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return true;
}

/* One process of the machine, from its /proc/PID/stat. */
struct pinfo {
	pid_t pid, ppid;
	int8_t in;               /* in the server's tree: 0 not known yet, 1, -1 */
	long nthreads;
	double group_s;          /* utime + stime: every thread, live or exited */
	double reaped_s;         /* cutime + cstime: reaped descendants */
};

static bool read_pinfo(pid_t pid, struct pinfo *pi)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!read_file(path, buf, sizeof(buf)))
		return false;
	char *p = strrchr(buf, ')');
	char state;
	int ppid;
	unsigned long long ut, st, cut, cst;
	long nthreads;
	/* after ")": state(3) ppid(4) pgrp session tty tpgid flags minflt
	 * cminflt majflt cmajflt utime(14) stime cutime cstime(17) priority
	 * nice num_threads(20) */
	if (!p || sscanf(p + 1, " %c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu %*d %*d %ld",
			 &state, &ppid, &ut, &st, &cut, &cst, &nthreads) != 7)
		return false;
	double tick = (double)sysconf(_SC_CLK_TCK);
	*pi = (struct pinfo){ .pid = pid, .ppid = ppid, .nthreads = nthreads,
			      .group_s = (double)(ut + st) / tick, .reaped_s = (double)(cut + cst) / tick };
	return true;
}

static int cmp_pinfo(const void *a, const void *b)
{
	pid_t x = ((const struct pinfo *)a)->pid, y = ((const struct pinfo *)b)->pid;
	return x < y ? -1 : x > y;
}

static bool in_tree(struct pinfo *v, size_t n, struct pinfo *p)
{
	if (p->in)
		return p->in > 0;
	p->in = -1;             /* until known: a pid reused mid-scan makes no loop */
	bool yes = p->pid == server_pid;
	if (!yes && p->ppid > 0) {
		struct pinfo key = { .pid = p->ppid };
		struct pinfo *q = bsearch(&key, v, n, sizeof(*v), cmp_pinfo);
		yes = q && in_tree(v, n, q);
	}
	p->in = yes ? 1 : -1;
	return yes;
}

/* One thread's time on a CPU (schedstat's first field, ns) and context
 * switches into *ps; false if its schedstat cannot be read. */
static bool add_thread(const char *dir, struct procstat *ps, double *cpu_s)
{
	char path[96], buf[2048];
	snprintf(path, sizeof(path), "%s/schedstat", dir);
	if (!read_file(path, buf, sizeof(buf)) || buf[0] < '0' || buf[0] > '9')
		return false;
	*cpu_s += (double)strtoull(buf, NULL, 10) / 1e9;
	snprintf(path, sizeof(path), "%s/status", dir);
	if (read_file(path, buf, sizeof(buf))) {
		char *v = strstr(buf, "\nvoluntary_ctxt_switches:");
		if (v)
			ps->vcsw += strtoull(v + 25, NULL, 10);
		v = strstr(buf, "\nnonvoluntary_ctxt_switches:");
		if (v)
			ps->ivcsw += strtoull(v + 28, NULL, 10);
	}
	return true;
}

/* One process of the tree: its live threads' schedstat (utime and stime
 * are in ticks of 10 ms, too coarse for a handler's share of a phase of a
 * second or less), what its exited threads used (utime + stime beyond the
 * live threads', less one tick of rounding), and its reaped descendants. */
static void add_proc(const struct pinfo *pi, struct procstat *ps, bool mem)
{
	char dir[64], path[96], buf[4096];
	double live = 0;
	bool ok = true;

	if (pi->nthreads <= 1) {
		snprintf(dir, sizeof(dir), "/proc/%d", (int)pi->pid);
		ok = add_thread(dir, ps, &live);
	} else {
		snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pi->pid);
		DIR *d = opendir(dir);
		struct dirent *de;
		ok = d != NULL;
		while (d && (de = readdir(d))) {
			if (de->d_name[0] < '1' || de->d_name[0] > '9')
				continue;
			snprintf(path, sizeof(path), "/proc/%d/task/%.20s", (int)pi->pid, de->d_name);
			add_thread(path, ps, &live);
		}
		if (d)
			closedir(d);
	}
	double exited = ok ? pi->group_s - live - 1.0 / (double)sysconf(_SC_CLK_TCK) : 0;
	ps->cpu_s += (ok ? live : pi->group_s) + (exited > 0 ? exited : 0) + pi->reaped_s;
	ps->nproc++;
	if (mem) {
		snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pi->pid);
		if (read_file(path, buf, sizeof(buf))) {
			char *v = strstr(buf, "\nPss:");
			if (v)
				ps->pss_kib += strtoull(v + 5, NULL, 10);
		}
	}
}

/* The server and every descendant (lchat: supervisor, daemon, fan-out
 * writer, handlers and their short-lived children), found from every
 * process's parent at each call. */
static struct procstat server_stat(bool mem)
{
	static struct pinfo *v;
	static size_t cap;
	struct procstat ps = { 0 };
	size_t n = 0;

	if (!server_pid)
		return ps;
	DIR *d = opendir("/proc");
	if (!d)
		return ps;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			if (!(v = realloc(v, cap * sizeof(*v))))
				die("realloc");
		}
		if (read_pinfo((pid_t)atoi(de->d_name), &v[n]))
			n++;
	}
	closedir(d);
	qsort(v, n, sizeof(*v), cmp_pinfo);
	for (size_t i = 0; i < n; i++)
		if (in_tree(v, n, &v[i]))
			add_proc(&v[i], &ps, mem);
	return ps;
}

/* This process's own CPU time: the client shares the machine's CPUs. */
static double self_cpu_s(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The peer on the result line: lchat with half its receivers on IRC is
 * a peer of its own. */
static const char *peer_name(void)
{
	return irc_addr ? "lchat-irc" : proto_names[proto];
}

static void usage(void)
{
	fprintf(stderr, "usage: lchat-bench -p lchat|redis|irc -a ADDR [-n RECEIVERS] [-s SENDERS]\n"
		"       [-m SAT_MSGS] [-w WINDOW] [-r RATE[:SECONDS][,RATE[:SECONDS]...]]\n"
		"       [-d LAT_SECONDS] [-b BYTES] [-P SERVER_PID] [-t TIMEOUT_S] [-T TAG]\n"
		"       [-o NAME_OFFSET] [-g SYNC_DIR] [-J JOIN_TIMEOUT_S] [-R ROOMS] [-I IRC_SOCKET]\n");
	exit(2);
}

/* -r 200:2,20:5 -> rates[]; a rate without seconds gets -d's (read later). */
static void parse_rates(const char *arg)
{
	const char *p = arg;
	char *end;

	nrates = 0;
	while (*p) {
		if (nrates == MAX_RATES)
			usage();
		double r = strtod(p, &end), secs = -1;
		if (end == p || r <= 0)
			usage();
		p = end;
		if (*p == ':') {
			secs = strtod(p + 1, &end);
			if (end == p + 1 || secs < 0)
				usage();
			p = end;
		}
		rates[nrates].rate = r;
		rates[nrates].secs = secs;
		nrates++;
		if (*p == ',')
			p++;
		else if (*p)
			usage();
	}
}

static void raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	rlim_t want = (rlim_t)nrecv + nsend + 64;
	if (rl.rlim_max < want) {
		struct rlimit r2 = { want, want };
		if (setrlimit(RLIMIT_NOFILE, &r2) == 0)
			return;      /* root may raise the hard limit */
	}
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

/* " first_error=what_went_wrong" on the result line, if anything did. */
static void print_first_error(void)
{
	const char *what = errmsg_first;

	if (!what && ready_count < nconns)
		what = "timeout";
	if (!what)
		return;
	printf(" first_error=");
	for (const char *p = what; *p; p++)
		putchar(*p == ' ' || *p == '=' ? '_' : *p);
}

/* -g DIR: say this process is in, then keep reading (the server must not
 * find us lagging) until every process is: DIR/go. */
static bool sync_with_others(void)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/ready.%d", sync_dir, (int)getpid());
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		die(path);
	close(fd);
	snprintf(path, sizeof(path), "%s/go", sync_dir);
	while (access(path, F_OK) != 0) {
		if (timed_out()) {
			note_error("timeout waiting for the other bench processes");
			return false;
		}
		poll_once(20);
	}
	return true;
}

/* One fixed-rate phase's figures. */
struct lat_result {
	uint64_t msgs, have;
	uint64_t want;           /* deliveries due (messages x their rooms' receivers) */
	size_t deliv;
	double p50_us, p99_us, max_us, cpu_s, csw;
};

/* Phase PH_LAT + k: rate messages/s in total for secs seconds, round robin
 * over the senders, then until every receiver has every message. */
static struct lat_result lat_phase_run(int k, int timer)
{
	struct lat_result r = { .msgs = (uint64_t)(rates[k].rate * rates[k].secs) };
	uint64_t base = receivers_total();
	struct procstat t0 = server_stat(false);

	lat_phase = PH_LAT + (uint64_t)k;
	lat_n = 0;
	if (r.msgs && !dead_count) {
		long period = (long)(1e9 / rates[k].rate);
		struct itimerspec its = { .it_interval = { period / 1000000000L, period % 1000000000L },
					  .it_value = { 0, 1000000 } };
		if (timerfd_settime(timer, 0, &its, NULL) < 0)
			die("timerfd_settime");
		uint64_t sent = 0;
		uint32_t seq0[MAX_SENDERS];
		memcpy(seq0, sender_seq, sizeof(seq0));
		struct progress prog = { 0, now_ns() };
		while (!timed_out() && !dead_count) {
			uint64_t ticks;
			if (sent < r.msgs && read(timer, &ticks, sizeof(ticks)) == sizeof(ticks)) {
				for (uint64_t i = 0; i < ticks && sent < r.msgs; i++) {
					struct conn *c = &conns[sent % nsend];
					send_message(c, (int)lat_phase, true);
					sent++;
				}
			}
			uint64_t have = receivers_total() - base;
			if (sent == r.msgs && have >= expected_since(seq0))
				break;
			if (!progressing(&prog, have, "no progress for 5 s in a latency phase"))
				break;
			poll_once(sent < r.msgs ? 50 : 5);
		}
		struct itimerspec off = { 0 };
		timerfd_settime(timer, 0, &off, NULL);
		/* What was not sent counts as lost, at a room's average. */
		r.want = expected_since(seq0) + (r.msgs - sent) * (nrecv / nrooms);
	}
	r.have = receivers_total() - base;
	struct procstat t1 = server_stat(false);
	r.cpu_s = t1.cpu_s - t0.cpu_s;
	r.csw = r.have ? (double)((t1.vcsw + t1.ivcsw) - (t0.vcsw + t0.ivcsw)) / (double)r.have : 0;
	r.deliv = lat_n;
	if (lat_n) {
		qsort(lat_ns, lat_n, sizeof(*lat_ns), cmp_u64);
		r.p50_us = (double)lat_ns[lat_n / 2] / 1e3;
		r.p99_us = (double)lat_ns[(size_t)((double)lat_n * 0.99)] / 1e3;
		r.max_us = (double)lat_ns[lat_n - 1] / 1e3;
	}
	lat_phase = 0;
	return r;
}

int main(int argc, char **argv)
{
	int opt;
	const char *rate_arg = "200";

	while ((opt = getopt(argc, argv, "p:a:n:s:m:w:r:d:b:P:t:T:o:g:J:R:I:")) != -1) {
		switch (opt) {
		case 'p':
			proto = !strcmp(optarg, "lchat") ? P_LCHAT : !strcmp(optarg, "redis") ? P_REDIS :
				!strcmp(optarg, "irc") ? P_IRC : (usage(), P_LCHAT);
			break;
		case 'a': addr = optarg; break;
		case 'n': nrecv = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 's': nsend = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'm': sat_msgs = strtoull(optarg, NULL, 10); break;
		case 'w': window = strtoull(optarg, NULL, 10); break;
		case 'r': rate_arg = optarg; break;
		case 'd': lat_secs = strtod(optarg, NULL); break;
		case 'b': msg_bytes = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'P': server_pid = (pid_t)atoi(optarg); break;
		case 't': timeout_s = strtod(optarg, NULL); break;
		case 'T': tag = optarg; break;
		case 'o': name_offset = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'g': sync_dir = optarg; break;
		case 'J': join_timeout_s = strtod(optarg, NULL); break;
		case 'R': nrooms = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'I': irc_addr = optarg; break;
		default: usage();
		}
	}
	parse_rates(rate_arg);
	for (int k = 0; k < nrates; k++)
		if (rates[k].secs < 0)
			rates[k].secs = lat_secs;
	if (!addr || nsend < 1 || nsend > MAX_SENDERS || nrecv < 1 || msg_bytes < 40 ||
	    msg_bytes > 1000 || window < 1 || window >= UINT32_MAX || (irc_addr && proto != P_LCHAT))
		usage();
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	/* The pid too: several processes started together are several runs. */
	run_id = (uint32_t)((now_ns() / 1000 + (uint64_t)getpid() * 7919u) % 1000000000u) + 1;
	deadline_ns = now_ns() + (uint64_t)(timeout_s * 1e9);

	/* Every room needs a sender: a room without one would wait for nothing. */
	if (nrooms < 1 || nrooms > nsend || nrooms > nrecv)
		usage();
	recv_in_room = calloc(nrooms, sizeof(*recv_in_room));
	if (!recv_in_room)
		die("calloc");
	for (uint32_t i = 0; i < nrecv; i++)
		recv_in_room[i % nrooms]++;
	nconns = nrecv + nsend;
	conns = calloc(nconns, sizeof(*conns));
	if (!conns)
		die("calloc");
	/* Senders first, so their ids are 0..S-1. */
	for (uint32_t i = 0; i < nconns; i++) {
		conns[i].fd = -1;
		conns[i].sender = i < nsend;
		conns[i].id = i < nsend ? i : i - nsend;
		conns[i].state = C_IDLE;
		conns[i].proto = (uint8_t)proto;
		if (irc_addr && !conns[i].sender && conns[i].id % 2 == 1) {
			conns[i].proto = P_IRC;      /* half the receivers: lchatd's IRC socket */
			conns[i].in_default = true;
		}
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1");

	/* ---- join storm ---- */
	uint64_t t_join0 = now_ns();
	uint32_t next = 0;
	/* ngircd listens with a short backlog; with more handshakes in flight
	 * the kernel drops (or, with syncookies, resets) connections. */
	uint64_t max_inflight = proto == P_IRC ? 8 : UINT64_MAX;
	uint64_t join_deadline = join_timeout_s > 0 ? t_join0 + (uint64_t)(join_timeout_s * 1e9) : deadline_ns;
	while (ready_count + dead_count < nconns && !timed_out() && now_ns() < join_deadline) {
		while (next < nconns && next - ready_count - dead_count < max_inflight &&
		       start_connect(&conns[next]))
			next++;
		poll_once(next < nconns ? 1 : 50);
	}
	uint64_t t_join = now_ns() - t_join0;
	if (ready_count < nconns || (sync_dir && !sync_with_others())) {
		fprintf(stderr, "lchat-bench: only %" PRIu64 " of %u connections got in (%s)\n",
			ready_count, nconns, errmsg_first ? errmsg_first : "timeout");
		printf("tag=%s proto=%s n=%u s=%u conns=%u ready=%" PRIu64 " join_ms=%.1f", tag,
		       peer_name(), nrecv, nsend, nconns, ready_count, (double)t_join / 1e6);
		print_first_error();
		printf(" status=JOIN-FAILED\n");
		return 1;
	}
	/* Let the join events settle, then measure memory. */
	for (int i = 0; i < 20; i++)
		poll_once(10);
	struct procstat mem = server_stat(true);

	/* ---- saturation ---- */
	struct procstat st0 = server_stat(false);
	double self0 = self_cpu_s();
	uint64_t sat_start = 0, base = receivers_total();
	uint32_t sat_seq0[MAX_SENDERS];
	memcpy(sat_seq0, sender_seq, sizeof(sat_seq0));
	struct progress prog = { base, now_ns() };
	uint32_t rr = 0;
	if (sat_msgs)
		sat_start = now_ns();
	uint64_t sat_sent = 0;
	min_received();
	while (!timed_out()) {
		bool sent_any = false, refreshed = false;
		while (sat_sent < sat_msgs) {
			struct conn *c = sender_with_room(&rr);
			if (!c) {
				if (refreshed)
					break;
				min_received();
				refreshed = true;
				continue;
			}
			send_message(c, PH_SAT, false);
			sat_sent++;
			sent_any = true;
		}
		if (sent_any)
			for (uint32_t k = 0; k < nsend; k++)
				flush_out(&conns[k]);
		uint64_t have = receivers_total() - base;
		if (sat_sent == sat_msgs && have >= expected_since(sat_seq0))
			break;
		if (!progressing(&prog, have, "no progress for 5 s in the saturation phase"))
			break;
		if (dead_count)
			break;
		poll_once(5);
	}
	uint64_t sat_elapsed = last_delivery_ns > sat_start ? last_delivery_ns - sat_start : 1;
	struct procstat st1 = server_stat(false);
	double self_sat = self_cpu_s() - self0;
	uint64_t sat_have = receivers_total() - base;
	uint64_t sat_want = expected_since(sat_seq0);

	/* ---- latency at fixed rates ---- */
	struct lat_result lat[MAX_RATES] = { 0 };
	int timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (timer < 0)
		die("timerfd_create");
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = TIMER_TAG };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, timer, &ev) < 0)
		die("epoll_ctl");
	for (int k = 0; k < nrates; k++)
		lat[k] = lat_phase_run(k, timer);

	/* ---- verdict ---- */
	/* Deliveries due: each message to its room's receivers; what was
	 * not sent counts as lost, at a room's average. */
	uint64_t want = sat_want + (sat_msgs - sat_sent) * (nrecv / nrooms), got = sat_have;
	for (int k = 0; k < nrates; k++) {
		want += lat[k].want;
		got += lat[k].have;
	}
	uint64_t lost = want > got ? want - got : 0;
	double sat_s = (double)sat_elapsed / 1e9;
	double dps = sat_s > 0 ? (double)sat_have / sat_s : 0;
	double cpu = st1.cpu_s - st0.cpu_s;
	double csw = sat_have ? (double)((st1.vcsw + st1.ivcsw) - (st0.vcsw + st0.ivcsw)) / (double)sat_have : 0;
	bool ok = lost == 0 && deliv_dup == 0 && deliv_ooo == 0 && errors == 0 && dead_count == 0;
	const struct lat_result *l0 = &lat[0];
	printf("tag=%s proto=%s n=%u s=%u bytes=%u window=%" PRIu64 " join_ms=%.1f procs=%u "
	       "pss_kib=%" PRIu64 " conns=%u mem_kib_per_user=%.1f "
	       "sat_msgs=%" PRIu64 " sat_s=%.3f deliv_per_s=%.0f cpu_s=%.2f cpu_us_per_deliv=%.3f "
	       "client_cpu_s=%.2f "
	       "csw_per_deliv=%.4f lat_msgs=%" PRIu64 " lat_deliv=%zu p50_us=%.0f p99_us=%.0f max_us=%.0f "
	       "lat_cpu_us_per_deliv=%.3f lat_csw_per_deliv=%.3f",
	       tag, peer_name(), nrecv, nsend, msg_bytes, window, (double)t_join / 1e6, mem.nproc,
	       mem.pss_kib, nconns, (double)mem.pss_kib / (double)nconns, sat_msgs, sat_s, dps, cpu,
	       sat_have ? cpu * 1e6 / (double)sat_have : 0, self_sat, csw, l0->msgs, l0->deliv,
	       l0->p50_us, l0->p99_us, l0->max_us,
	       l0->have ? l0->cpu_s * 1e6 / (double)l0->have : 0, l0->csw);
	for (int k = 0; k < nrates; k++) {
		const struct lat_result *r = &lat[k];
		char key[32];
		snprintf(key, sizeof(key), "lat%g_", rates[k].rate);
		printf(" %smsgs=%" PRIu64 " %sdeliv=%zu %sp50_us=%.0f %sp99_us=%.0f %smax_us=%.0f "
		       "%scpu_us_per_deliv=%.3f %scsw_per_deliv=%.3f",
		       key, r->msgs, key, r->deliv, key, r->p50_us, key, r->p99_us, key, r->max_us,
		       key, r->have ? r->cpu_s * 1e6 / (double)r->have : 0, key, r->csw);
	}
	printf(" rooms=%u", nrooms);
	printf(" lost=%" PRIu64 " dup=%" PRIu64 " ooo=%" PRIu64 " errors=%" PRIu64, lost, deliv_dup,
	       deliv_ooo, errors);
	if (!ok)
		print_first_error();
	printf(" status=%s\n", ok ? "ok" : "FAIL");
	if (!ok && errmsg_first)
		fprintf(stderr, "lchat-bench: first error: %s\n", errmsg_first);
	fflush(stdout);
	for (uint32_t i = 0; i < nconns; i++)
		if (conns[i].fd >= 0)
			close(conns[i].fd);
	return ok ? 0 : 1;
}
