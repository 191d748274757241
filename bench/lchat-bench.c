/* lchat-bench.c - load generator for lchat and its peers (redis pub/sub,
 * IRC), one process, one epoll loop.
 *
 *   lchat-bench -p lchat|redis|irc -a ADDR [-n RECEIVERS] [-s SENDERS]
 *               [-m SAT_MSGS] [-w WINDOW] [-r LAT_RATE] [-d LAT_SECONDS]
 *               [-b BYTES] [-P SERVER_PID] [-t TIMEOUT_S] [-T TAG]
 *
 * ADDR is a UNIX socket path (lchat, redis) or a TCP port on 127.0.0.1 (irc).
 * Phases, in one run:
 *   join   connect N receivers and S senders; time until all are in
 *   mem    PSS of the server (and its child processes) per connected user
 *   sat    senders send SAT_MSGS messages as fast as they can, never more
 *          than WINDOW ahead of the slowest receiver; deliveries/s is
 *          messages x receivers / (first send .. last delivery)
 *   lat    LAT_RATE messages/s in total for LAT_SECONDS; every message
 *          carries its CLOCK_MONOTONIC send time; p50/p99/max over every
 *          delivery
 * Every receiver parses every message (run id, phase, sender, sequence) and
 * counts lost, duplicated and out-of-order deliveries; any of them, a
 * protocol error or a timeout makes the exit status non-zero.
 * The result is one line of key=value pairs on stdout. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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
enum phase { PH_SAT = 1, PH_LAT = 2 };

#define LINE_MAX_BYTES 4096
#define MAX_SENDERS 64

struct conn {
	int fd;
	bool sender;
	uint8_t state;
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
static uint32_t nrecv = 10, nsend = 4, msg_bytes = 100;
static uint64_t sat_msgs = 20000, window = 256;
static double lat_rate = 200, lat_secs = 2;
static pid_t server_pid;
static double timeout_s = 120;
static const char *tag = "";
static uint32_t run_id;

static struct conn *conns;
static uint32_t nconns;
static int ep;
static char scratch[1 << 18];

static uint64_t deliv_dup, deliv_ooo, errors, ready_count, dead_count;
static uint64_t sent_total;          /* messages sent, all phases */
static uint32_t sender_seq[MAX_SENDERS];
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
	switch (proto) {
	case P_LCHAT:
		queuef(c, "SAY %s\n", payload);
		break;
	case P_REDIS:
		queuef(c, "*3\r\n$7\r\nPUBLISH\r\n$5\r\nbench\r\n$%zu\r\n%s\r\n", len, payload);
		break;
	case P_IRC:
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
	if (v[1] == PH_LAT) {
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
	snprintf(buf, len, "%c%u_%c%c%c", c->sender ? 's' : 'r', c->id,
		 'a' + run_id % 26, 'a' + run_id / 26 % 26, 'a' + run_id / 676 % 26);
}

/* The server said no: print what it said. */
static void server_error(const char *line, size_t len, const char *what)
{
	fprintf(stderr, "lchat-bench: %.*s\n", (int)len, line);
	note_error(what);
}

static void on_line(struct conn *c, const char *line, size_t len, uint64_t now)
{
	char name[32];
	const char *m;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	switch (proto) {
	case P_LCHAT:
		if (len > 3 && memcmp(line, "EV ", 3) == 0) {
			uint64_t seq = 0;
			if (parse_dec(line + 3, line + len, &seq) && seq > c->joinseq &&
			    (m = find_payload(line, len)))
				deliver(c, m, line + len, now);
		} else if (len >= 5 && memcmp(line, "HELLO", 5) == 0) {
			conn_name(c, name, sizeof(name));
			queuef(c, "JOIN %s\n", name);
			flush_out(c);
		} else if (len > 8 && memcmp(line, "OK JOIN ", 8) == 0) {
			const char *sp = memchr(line + 8, ' ', len - 8);
			c->joinseq = sp ? strtoull(sp + 1, NULL, 10) : 0;
			set_ready(c);
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
		} else if (find(line, len, " 001 ")) {
			queuef(c, "JOIN #bench\r\n");
			flush_out(c);
		} else if (find(line, len, " 366 "))
			set_ready(c);
		else if (len >= 5 && memcmp(line, "ERROR", 5) == 0)
			server_error(line, len, "server error");
		else if (len > 0 && line[0] == ':') {
			/* numeric errors 4xx/5xx */
			const char *sp = memchr(line, ' ', len);
			if (sp && sp + 4 < line + len && (sp[1] == '4' || sp[1] == '5') &&
			    sp[4] == ' ')
				server_error(line, len, "irc error numeric");
		}
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

	if (proto == P_IRC) {
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
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", addr);
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
	if (proto == P_REDIS) {
		if (c->sender)
			set_ready(c);
		else
			queuef(c, "*2\r\n$9\r\nSUBSCRIBE\r\n$5\r\nbench\r\n");
	} else if (proto == P_IRC) {
		queuef(c, "NICK %s\r\nUSER %s 0 * :bench\r\n", name, name);
	}
	flush_out(c);
	return true;
}

/* ---- the loop --------------------------------------------------------- */

static int timer_fd = -1;
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

static uint64_t min_received(void)
{
	uint64_t min = UINT64_MAX;
	for (uint32_t i = 0; i < nconns; i++)
		if (!conns[i].sender && conns[i].state != C_DEAD && conns[i].got < min)
			min = conns[i].got;
	return min == UINT64_MAX ? 0 : min;
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

static void add_proc(pid_t pid, struct procstat *ps, bool mem)
{
	char path[64], buf[8192];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!read_file(path, buf, sizeof(buf)))
		return;
	char *p = strrchr(buf, ')');
	if (!p)
		return;
	/* after ")": state(3) ppid(4) ... utime(14) stime(15) */
	unsigned long long ut = 0, st = 0;
	int field = 2;
	for (char *q = p + 1; *q && field < 15; q++) {
		if (*q == ' ') {
			field++;
			if (field == 14)
				ut = strtoull(q + 1, NULL, 10);
			else if (field == 15)
				st = strtoull(q + 1, NULL, 10);
		}
	}
	/* schedstat's first field is the time on a CPU in ns; utime and
	 * stime are in ticks of 10 ms, too coarse for a handler's share of a
	 * phase of a second or less. */
	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	char run[64];
	if (read_file(path, run, sizeof(run)) && run[0] >= '0' && run[0] <= '9')
		ps->cpu_s += (double)strtoull(run, NULL, 10) / 1e9;
	else
		ps->cpu_s += (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
	ps->nproc++;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_file(path, buf, sizeof(buf))) {
		char *v = strstr(buf, "\nvoluntary_ctxt_switches:");
		if (v)
			ps->vcsw += strtoull(v + 25, NULL, 10);
		v = strstr(buf, "\nnonvoluntary_ctxt_switches:");
		if (v)
			ps->ivcsw += strtoull(v + 28, NULL, 10);
	}
	if (mem) {
		snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
		if (read_file(path, buf, sizeof(buf))) {
			char *v = strstr(buf, "\nPss:");
			if (v)
				ps->pss_kib += strtoull(v + 5, NULL, 10);
		}
	}
}

/* The server and its children (lchat: the daemon and its handlers). */
static struct procstat server_stat(bool mem)
{
	struct procstat ps = { 0 };
	if (!server_pid)
		return ps;
	add_proc(server_pid, &ps, mem);
	DIR *d = opendir("/proc");
	if (!d)
		return ps;
	struct dirent *de;
	char path[64], buf[1024];
	while ((de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if (!read_file(path, buf, sizeof(buf)))
			continue;
		char *p = strrchr(buf, ')');
		if (!p || strlen(p) < 5)
			continue;
		long ppid = strtol(p + 4, NULL, 10);
		if (ppid == server_pid)
			add_proc((pid_t)atoi(de->d_name), &ps, mem);
	}
	closedir(d);
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

static void usage(void)
{
	fprintf(stderr, "usage: lchat-bench -p lchat|redis|irc -a ADDR [-n RECEIVERS] [-s SENDERS]\n"
		"       [-m SAT_MSGS] [-w WINDOW] [-r LAT_RATE] [-d LAT_SECONDS] [-b BYTES]\n"
		"       [-P SERVER_PID] [-t TIMEOUT_S] [-T TAG]\n");
	exit(2);
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

int main(int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "p:a:n:s:m:w:r:d:b:P:t:T:")) != -1) {
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
		case 'r': lat_rate = strtod(optarg, NULL); break;
		case 'd': lat_secs = strtod(optarg, NULL); break;
		case 'b': msg_bytes = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'P': server_pid = (pid_t)atoi(optarg); break;
		case 't': timeout_s = strtod(optarg, NULL); break;
		case 'T': tag = optarg; break;
		default: usage();
		}
	}
	if (!addr || nsend < 1 || nsend > MAX_SENDERS || nrecv < 1 || msg_bytes < 40 ||
	    msg_bytes > 1000 || window < 1)
		usage();
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	run_id = (uint32_t)(now_ns() / 1000 % 1000000000u) + 1;
	deadline_ns = now_ns() + (uint64_t)(timeout_s * 1e9);

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
	while (ready_count + dead_count < nconns && !timed_out()) {
		while (next < nconns && next - ready_count - dead_count < max_inflight &&
		       start_connect(&conns[next]))
			next++;
		poll_once(next < nconns ? 1 : 50);
	}
	uint64_t t_join = now_ns() - t_join0;
	if (ready_count < nconns) {
		fprintf(stderr, "lchat-bench: only %" PRIu64 " of %u connections got in (%s)\n",
			ready_count, nconns, errmsg_first ? errmsg_first : "timeout");
		printf("tag=%s proto=%s n=%u status=JOIN-FAILED ready=%" PRIu64 "\n", tag,
		       proto_names[proto], nrecv, ready_count);
		return 1;
	}
	/* Let the join events settle, then measure memory. */
	for (int i = 0; i < 20; i++)
		poll_once(10);
	struct procstat mem = server_stat(true);

	/* ---- saturation ---- */
	struct procstat st0 = server_stat(false);
	double self0 = self_cpu_s();
	uint64_t sat_start = 0, expect = sat_msgs * nrecv, base = receivers_total();
	struct progress prog = { base, now_ns() };
	uint32_t rr = 0;
	if (sat_msgs)
		sat_start = now_ns();
	uint64_t sat_sent = 0, minr = min_received();
	while (!timed_out()) {
		if (sat_sent < sat_msgs) {
			bool sent_any = false;
			if (sent_total - minr >= window)
				minr = min_received();
			while (sat_sent < sat_msgs && sent_total - minr < window) {
				struct conn *c = NULL;
				for (uint32_t k = 0; k < nsend; k++) {
					struct conn *cand = &conns[(rr + k) % nsend];
					if (cand->state == C_READY && cand->outlen < 16384) {
						c = cand;
						rr = (rr + k + 1) % nsend;
						break;
					}
				}
				if (!c)
					break;
				send_message(c, PH_SAT, false);
				sat_sent++;
				sent_any = true;
			}
			if (sent_any)
				for (uint32_t k = 0; k < nsend; k++)
					flush_out(&conns[k]);
		}
		uint64_t have = receivers_total() - base;
		if (sat_sent == sat_msgs && have >= expect)
			break;
		if (!progressing(&prog, have, "no progress for 5 s in the saturation phase"))
			break;
		if (dead_count)
			break;
		poll_once(sat_sent < sat_msgs && sent_total - minr < window ? 0 : 5);
	}
	uint64_t sat_elapsed = last_delivery_ns > sat_start ? last_delivery_ns - sat_start : 1;
	struct procstat st1 = server_stat(false);
	double self_sat = self_cpu_s() - self0;
	uint64_t sat_have = receivers_total() - base;

	/* ---- latency at a fixed rate ---- */
	uint64_t lat_msgs = (uint64_t)(lat_rate * lat_secs);
	uint64_t lat_base = receivers_total();
	struct procstat lt0 = server_stat(false);
	if (lat_msgs && !dead_count) {
		timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (timer_fd < 0)
			die("timerfd_create");
		long period = (long)(1e9 / lat_rate);
		struct itimerspec its = { .it_interval = { period / 1000000000L, period % 1000000000L },
					  .it_value = { 0, 1000000 } };
		if (timerfd_settime(timer_fd, 0, &its, NULL) < 0)
			die("timerfd_settime");
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = TIMER_TAG };
		if (epoll_ctl(ep, EPOLL_CTL_ADD, timer_fd, &ev) < 0)
			die("epoll_ctl");
		uint64_t lat_sent = 0;
		prog = (struct progress){ 0, now_ns() };
		while (!timed_out() && !dead_count) {
			uint64_t ticks;
			if (lat_sent < lat_msgs && read(timer_fd, &ticks, sizeof(ticks)) == sizeof(ticks)) {
				for (uint64_t k = 0; k < ticks && lat_sent < lat_msgs; k++) {
					struct conn *c = &conns[lat_sent % nsend];
					send_message(c, PH_LAT, true);
					lat_sent++;
				}
			}
			uint64_t have = receivers_total() - lat_base;
			if (lat_sent == lat_msgs && have >= lat_msgs * nrecv)
				break;
			if (!progressing(&prog, have, "no progress for 5 s in the latency phase"))
				break;
			poll_once(lat_sent < lat_msgs ? 50 : 5);
		}
	}
	uint64_t lat_have = receivers_total() - lat_base;
	struct procstat lt1 = server_stat(false);
	double lat_cpu = lt1.cpu_s - lt0.cpu_s;
	double lat_csw = lat_have ? (double)((lt1.vcsw + lt1.ivcsw) - (lt0.vcsw + lt0.ivcsw)) / (double)lat_have : 0;

	/* ---- verdict ---- */
	uint64_t want = (sat_msgs + lat_msgs) * nrecv;
	uint64_t got = sat_have + lat_have;
	uint64_t lost = want > got ? want - got : 0;
	uint64_t p50 = 0, p99 = 0, pmax = 0;
	if (lat_n) {
		qsort(lat_ns, lat_n, sizeof(*lat_ns), cmp_u64);
		p50 = lat_ns[lat_n / 2];
		p99 = lat_ns[(size_t)((double)lat_n * 0.99)];
		pmax = lat_ns[lat_n - 1];
	}
	double sat_s = (double)sat_elapsed / 1e9;
	double dps = sat_s > 0 ? (double)sat_have / sat_s : 0;
	double cpu = st1.cpu_s - st0.cpu_s;
	double csw = sat_have ? (double)((st1.vcsw + st1.ivcsw) - (st0.vcsw + st0.ivcsw)) / (double)sat_have : 0;
	bool ok = lost == 0 && deliv_dup == 0 && deliv_ooo == 0 && errors == 0 && dead_count == 0;
	printf("tag=%s proto=%s n=%u s=%u bytes=%u join_ms=%.1f procs=%u mem_kib_per_user=%.1f "
	       "sat_msgs=%" PRIu64 " sat_s=%.3f deliv_per_s=%.0f cpu_s=%.2f cpu_us_per_deliv=%.3f "
	       "client_cpu_s=%.2f "
	       "csw_per_deliv=%.4f lat_msgs=%" PRIu64 " lat_deliv=%zu p50_us=%.0f p99_us=%.0f max_us=%.0f "
	       "lat_cpu_us_per_deliv=%.3f lat_csw_per_deliv=%.3f "
	       "lost=%" PRIu64 " dup=%" PRIu64 " ooo=%" PRIu64 " errors=%" PRIu64 " status=%s\n",
	       tag, proto_names[proto], nrecv, nsend,
	       msg_bytes, (double)t_join / 1e6, mem.nproc,
	       (double)mem.pss_kib / (double)nconns, sat_msgs, sat_s, dps, cpu,
	       sat_have ? cpu * 1e6 / (double)sat_have : 0, self_sat, csw, lat_msgs, lat_n,
	       (double)p50 / 1e3, (double)p99 / 1e3, (double)pmax / 1e3,
	       lat_have ? lat_cpu * 1e6 / (double)lat_have : 0, lat_csw, lost, deliv_dup,
	       deliv_ooo, errors, ok ? "ok" : "FAIL");
	if (!ok && errmsg_first)
		fprintf(stderr, "lchat-bench: first error: %s\n", errmsg_first);
	fflush(stdout);
	for (uint32_t i = 0; i < nconns; i++)
		if (conns[i].fd >= 0)
			close(conns[i].fd);
	return ok ? 0 : 1;
}
