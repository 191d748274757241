/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* test_isolation.c - what each lchatd process holds, in a busy room and
 * after the daemon was killed and restarted.
 *
 * A handler holds its own client socket and what it needs for the room
 * (docs/architecture.md): 0-2 on /dev/null, 3 its client socket, 4 the
 * fan-out writer's eventfd and its signalfd; no listening socket, no
 * control socket or connection, no other client's socket. The fan-out
 * writer holds 0-2, 3 its socketpair with the daemon, 4 its eventfd, its
 * signalfd, its epoll set, its io_uring and the client sockets, nothing
 * else. The
 * daemon holds no client's socket. Daemonized processes have no
 * controlling terminal, run in /, and have stdio on /dev/null; a restarted
 * daemon and its handlers too. test_process (handler_isolation,
 * daemonized) proves this for one handler of a first daemon. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "procs.h"

#define NCLIENTS 8
#define MAXFD 256

/* A process's descriptors. */
struct fdset {
	int n;
	int fd[MAXFD];
	char target[MAXFD][256];
};

static void fds_read(pid_t pid, struct fdset *f, const char *what)
{
	f->n = proc_fds(pid, f->fd, f->target, MAXFD);
	ck_assert_msg(f->n >= 0, "%s %d is gone", what, (int)pid);
}

static bool is_socket(const char *target)
{
	return strncmp(target, "socket:[", 8) == 0;
}

static const char *fds_show(const struct fdset *f)
{
	static char all[4096];
	size_t used = 0;

	all[0] = '\0';
	for (int i = 0; i < f->n && used < sizeof(all); i++)
		used += (size_t)snprintf(all + used, sizeof(all) - used, " %d->%s", f->fd[i],
					 f->target[i]);
	return all;
}

static bool fds_hold(const struct fdset *f, const char *target)
{
	for (int i = 0; i < f->n; i++)
		if (strcmp(f->target[i], target) == 0)
			return true;
	return false;
}

/* Shared anonymous mappings of pid: a child of the daemon has one, the
 * reply queues (outq.h); the daemon's own tables (daemon/ownmem.h) are
 * shared too, and every child unmaps them before it reads a client. */
static int shared_anon_maps(pid_t pid)
{
	char path[64], line[512];
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	FILE *f = fopen(path, "re");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		n += strstr(line, " rw-s ") && strstr(line, " /dev/zero (deleted)");
	fclose(f);
	return n;
}

/* A handler: exactly 0-2, its socket as 3, the eventfd as 4, a signalfd
 * and an epoll set. Its socket into sock. */
static void check_handler(pid_t h, char *sock, size_t len)
{
	struct fdset f;

	fds_read(h, &f, "handler");
	assert_detached(h, "handler");
	ck_assert_msg(f.n == 7 && f.fd[3] == 3 && is_socket(f.target[3]) && f.fd[4] == 4 &&
		      strcmp(f.target[4], "anon_inode:[eventfd]") == 0 &&
		      fds_hold(&f, "anon_inode:[signalfd]") && fds_hold(&f, "anon_inode:[eventpoll]"),
		      "handler %d holds more or other than it needs:%s", (int)h, fds_show(&f));
	ck_assert_msg(shared_anon_maps(h) == 1, "handler %d maps %d shared anonymous blocks, not "
		      "just the reply queues: the daemon's own tables?", (int)h, shared_anon_maps(h));
	snprintf(sock, len, "%s", f.target[3]);
}

/* The writer: 0-2, its socketpair as 3, the eventfd as 4, a signalfd, an
 * epoll set, its io_uring (where the kernel gives one), and one socket per
 * client (socks, n of them). */
static void check_writer(pid_t w, char socks[][256], int n)
{
	struct fdset f;

	fds_read(w, &f, "fan-out writer");
	assert_detached(w, "fan-out writer");
	int ring = fds_hold(&f, "anon_inode:[io_uring]");
	ck_assert_msg(f.n == 7 + ring + n && f.fd[3] == 3 && is_socket(f.target[3]) && f.fd[4] == 4 &&
		      strcmp(f.target[4], "anon_inode:[eventfd]") == 0 &&
		      fds_hold(&f, "anon_inode:[signalfd]") && fds_hold(&f, "anon_inode:[eventpoll]"),
		      "the writer %d holds more or other than it needs (%d clients):%s", (int)w, n,
		      fds_show(&f));
	ck_assert_msg(shared_anon_maps(w) == 1, "the writer maps %d shared anonymous blocks, not "
		      "just the reply queues", shared_anon_maps(w));
	for (int i = 0; i < n; i++)
		ck_assert_msg(fds_hold(&f, socks[i]), "the writer does not hold client socket %s:%s",
			      socks[i], fds_show(&f));
}

/* Every handler of dmn: isolated, its socket its own (nobody else but the
 * writer, the daemon and supervisor included, holds it). Returns how many. */
static int check_generation(pid_t sup, pid_t dmn)
{
	pid_t kids[64];
	char socks[64][256];
	struct fdset fd_dmn, fd_sup;
	int n = proc_handlers(dmn, kids, 64), sockets = 0;

	fds_read(dmn, &fd_dmn, "daemon");
	fds_read(sup, &fd_sup, "supervisor");
	assert_detached(dmn, "daemon");
	assert_detached(sup, "supervisor");
	for (int i = 0; i < n; i++) {
		check_handler(kids[i], socks[i], sizeof(socks[i]));
		for (int k = 0; k < i; k++)
			ck_assert_msg(strcmp(socks[i], socks[k]) != 0, "handlers %d and %d share %s",
				      (int)kids[i], (int)kids[k], socks[i]);
		ck_assert_msg(!fds_hold(&fd_dmn, socks[i]), "the daemon holds handler %d's "
			      "client socket %s:%s", (int)kids[i], socks[i], fds_show(&fd_dmn));
		ck_assert_msg(!fds_hold(&fd_sup, socks[i]), "the supervisor holds a client "
			      "socket:%s", fds_show(&fd_sup));
	}
	check_writer(wait_child_titled(dmn, "lchatd: fanout", 0, TC_TIMEOUT), socks, n);
	for (int i = 0; i < fd_sup.n; i++)
		sockets += is_socket(fd_sup.target[i]);
	/* Started as root, the supervisor keeps one socket: its end of the
	 * wall process's socketpair, for each new daemon (daemon/wall.c). */
	int wall = 0;
	if (geteuid() == 0) {
		wait_child_titled(sup, "lchatd: wall", 0, TC_TIMEOUT);
		wall = 1;
	}
	ck_assert_msg(sockets == wall, "the supervisor holds %d sockets, not %d:%s", sockets, wall,
		      fds_show(&fd_sup));
	return n;
}

/* Clients, half of them joined, and two admin connections open. */
static void connect_all(struct bgd *b, struct tclient **c, struct rawc **ctl, int round)
{
	for (int i = 0; i < NCLIENTS; i++) {
		c[i] = tc_connect(b->sock);
		if (i % 2 == 0) {
			char name[32];

			snprintf(name, sizeof(name), "iso-%d-%d", round, i);
			tc_join(c[i], name);
		}
	}
	for (int i = 0; i < 2; i++) {
		ctl[i] = rawc_connect(b->ctl);
		rawc_expect(ctl[i], "HELLO lchat-control/1 ", TC_TIMEOUT);
	}
	/* Every handler is past its set-up: each answers. */
	for (int i = 0; i < NCLIENTS; i++) {
		tc_send(c[i], "PING iso");
		tc_expect_past_events(c[i], "PONG iso$", TC_TIMEOUT);
	}
}

START_TEST(test_isolated_after_restart)
{
	struct bgd *b = bgd_new(NULL);
	struct tclient *c[NCLIENTS];
	struct rawc *ctl[2];
	struct run_result r;
	struct pstat dm;
	pid_t dmn;

	ck_assert_msg(bgd_start(b, &r) == 0, "lchatd: '%s'", r.err);
	dmn = wait_child_titled(b->sup, "lchatd: daemon", 0, TC_TIMEOUT);
	for (int round = 0; round < 2; round++) {
		connect_all(b, c, ctl, round);
		ck_assert_int_eq(check_generation(b->sup, dmn), NCLIENTS);
		if (round == 1)
			break;
		/* Kill the daemon; a new one (and new handlers) must be the
		 * same: nothing of the old generation is inherited. */
		ck_assert(pstat_read(dmn, &dm));
		ck_assert(kill(dmn, SIGKILL) == 0);
		for (int i = 0; i < NCLIENTS; i++) {
			tc_expect_eof(c[i], TC_TIMEOUT);
			tc_close(c[i]);
		}
		for (int i = 0; i < 2; i++)
			rawc_close(ctl[i]);
		dmn = wait_child_titled(b->sup, "lchatd: daemon", dm.sid, 10000);
		sock_wait_connectable(b->sock, 10000);
		sock_wait_connectable(b->ctl, 10000);
		/* A connect succeeds once queued, before the daemon accepts:
		 * a whole handshake after the probes means the daemon has
		 * accepted them (and forked their handlers) too. */
		tc_close(tc_connect(b->sock));
		/* The probes' connections count against the uid's limit
		 * until their handlers have ended. */
		int64_t deadline = mono_ms_now() + 10000;
		int left;
		while ((left = count_handlers(dmn, 0)) > 0 && mono_ms_now() < deadline)
			sleep_ms(10);
		ck_assert_int_eq(left, 0);
	}
	for (int i = 0; i < NCLIENTS; i++)
		tc_close(c[i]);
	for (int i = 0; i < 2; i++)
		rawc_close(ctl[i]);
	bgd_stop_ok(b);
}
END_TEST

int main(void)
{
	const struct harness_case cases[] = {
		{ "isolated_after_restart", test_isolated_after_restart, 60 },
	};

	return harness_run(harness_suite("isolation", cases, HARNESS_NCASES(cases)));
}
