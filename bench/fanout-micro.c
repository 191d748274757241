/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* fanout-micro.c - groundwork for the fan-out writer (design revision 2):
 * one writer sends one 100-byte line to each of N UNIX stream sockets per
 * round, while a second thread drains them all through epoll, as clients
 * would. It compares a send() per socket with io_uring (every send of the
 * round queued, one io_uring_enter), alternating each twice, and prints
 * the writer's CPU per send and the whole process's. Not a test and not
 * part of make bench: it measures the kernel interface alone.
 *
 *   apt-get install liburing-dev
 *   cc -O2 -o build/bin/fanout-micro bench/fanout-micro.c -luring -lpthread
 *   build/bin/fanout-micro N ROUNDS          (e.g. 1000 1000, 5000 200) */
#include <liburing.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>
#include <stdatomic.h>

static int n, rounds;
static int *wfd, *rfd;
static atomic_int stop;

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static double cpu(void) { struct timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static double pcpu(void) { struct timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec / 1e9; }

static void *reader(void *arg)
{
	(void)arg;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0) {
		perror("epoll_create1");
		exit(1);
	}
	for (int i = 0; i < n; i++) {
		struct epoll_event e = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
		if (epoll_ctl(ep, EPOLL_CTL_ADD, rfd[i], &e) < 0) {
			perror("epoll_ctl");
			exit(1);
		}
	}
	char buf[65536];
	struct epoll_event ev[256];
	while (!atomic_load(&stop)) {
		int k = epoll_wait(ep, ev, 256, 10);
		for (int j = 0; j < k; j++)
			while (read(rfd[ev[j].data.u32], buf, sizeof(buf)) > 0) {}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	n = argc > 1 ? atoi(argv[1]) : 1000;
	rounds = argc > 2 ? atoi(argv[2]) : 2000;
	wfd = calloc((size_t)n, sizeof(int));
	rfd = calloc((size_t)n, sizeof(int));
	if (n <= 0 || rounds <= 0 || !wfd || !rfd) {
		fprintf(stderr, "usage: fanout-micro N ROUNDS\n");
		return 2;
	}
	for (int i = 0; i < n; i++) {
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) { perror("socketpair"); return 1; }
		wfd[i] = sv[0]; rfd[i] = sv[1];
	}
	char line[100]; memset(line, 'x', 99); line[99] = '\n';
	pthread_t th;
	if (pthread_create(&th, NULL, reader, NULL) != 0) {
		fprintf(stderr, "pthread_create failed\n");
		return 1;
	}
	struct io_uring ring;
	if (io_uring_queue_init(4096, &ring, 0) < 0) { perror("io_uring"); return 1; }
	for (int mode = 0; mode < 4; mode++) {
		long sent = 0, again = 0;
		double t0 = now(), c0 = cpu(), p0 = pcpu();
		for (int r = 0; r < rounds; r++) {
			if (mode % 2 == 0) {
				for (int i = 0; i < n; i++) {
					ssize_t w = send(wfd[i], line, sizeof(line), MSG_DONTWAIT | MSG_NOSIGNAL);
					if (w > 0) sent++; else again++;
				}
			} else {
				int queued = 0;
				for (int i = 0; i < n; i++) {
					struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
					if (!sqe) { io_uring_submit(&ring); sqe = io_uring_get_sqe(&ring); }
					io_uring_prep_send(sqe, wfd[i], line, sizeof(line), MSG_DONTWAIT | MSG_NOSIGNAL);
					queued++;
				}
				io_uring_submit_and_wait(&ring, queued);
				struct io_uring_cqe *cqe; unsigned head, k = 0;
				io_uring_for_each_cqe(&ring, head, cqe) { if (cqe->res > 0) sent++; else again++; k++; }
				io_uring_cq_advance(&ring, k);
			}
		}
		double t1 = now(), c1 = cpu(), p1 = pcpu();
		printf("%-8s N=%d rounds=%d: %.3f s wall, writer %.3f us/send, whole process (readers too) %.3f us/send, EAGAIN %ld\n",
		       mode % 2 ? "io_uring" : "send", n, rounds, t1 - t0, (c1 - c0) * 1e6 / (double)(sent + again), (p1 - p0) * 1e6 / (double)(sent + again), again);
	}
	atomic_store(&stop, 1);
	pthread_join(th, NULL);
	return 0;
}
