/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* wake-bench.c - compare the two ways DESIGN.md allows to wake member
 * handlers when the room log moves: a signal read from a signalfd, or an
 * eventfd per member. Both coalesce with the same per-member flag that the
 * daemon uses (daemon/wake.c), so the figures compare only the mechanism.
 *
 *   bench/wake-bench [RECEIVERS [EVENTS]]
 *
 * Throughput: one writer publishes EVENTS events as fast as it can and wakes
 * RECEIVERS processes after each; reported are the time until every receiver
 * has seen the last event, the wake-up syscalls the writer made, and the
 * wake-ups the receivers took (fewer than events: coalescing at work).
 * Latency: one receiver, ping-pong: publish, wait until it has seen it. */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum mech { SIGNALFD, EVENTFD };

struct member {
	_Atomic uint32_t wake;
	_Atomic int32_t pid;
	_Atomic uint64_t seen;
	_Atomic uint64_t wakeups;
	int efd;
	char pad[64 - 28];
};

struct shared {
	_Atomic uint64_t head;
	_Atomic uint32_t ready;
	struct member m[];
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void receiver(struct shared *sh, int i, enum mech mech, uint64_t last)
{
	struct member *me = &sh->m[i];
	int fd;

	if (mech == SIGNALFD) {
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGURG);
		fd = signalfd(-1, &set, SFD_CLOEXEC);
	} else {
		fd = me->efd;
	}
	atomic_store(&me->pid, getpid());
	atomic_fetch_add(&sh->ready, 1);
	while (atomic_load(&me->seen) < last) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			_exit(1);
		if (mech == SIGNALFD) {
			struct signalfd_siginfo si[8];
			if (read(fd, si, sizeof(si)) < 0)
				_exit(1);
		} else {
			uint64_t v;
			if (read(fd, &v, sizeof(v)) < 0)
				_exit(1);
		}
		atomic_fetch_add(&me->wakeups, 1);
		atomic_store(&me->wake, 0);
		atomic_store(&me->seen, atomic_load(&sh->head));
	}
	_exit(0);
}

static uint64_t wake(struct member *m, enum mech mech)
{
	if (atomic_exchange(&m->wake, 1) != 0)
		return 0;
	if (mech == SIGNALFD) {
		kill(atomic_load(&m->pid), SIGURG);
	} else {
		uint64_t one = 1;
		if (write(m->efd, &one, sizeof(one)) < 0)
			perror("eventfd write");
	}
	return 1;
}

static struct shared *setup(int n, enum mech mech, uint64_t last)
{
	size_t size = sizeof(struct shared) + (size_t)n * sizeof(struct member);
	struct shared *sh = mmap(NULL, size, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (sh == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	for (int i = 0; i < n; i++) {
		sh->m[i].efd = mech == EVENTFD ? eventfd(0, EFD_CLOEXEC) : -1;
		if (fork() == 0)
			receiver(sh, i, mech, last);
	}
	while (atomic_load(&sh->ready) < (uint32_t)n)
		sched_yield();
	return sh;
}

static void teardown(struct shared *sh, int n)
{
	for (int i = 0; i < n; i++)
		waitpid(-1, NULL, 0);
	for (int i = 0; i < n; i++)
		if (sh->m[i].efd >= 0)
			close(sh->m[i].efd);
	munmap(sh, sizeof(struct shared) + (size_t)n * sizeof(struct member));
}

static void throughput(int n, uint64_t events, enum mech mech)
{
	struct shared *sh = setup(n, mech, events);
	uint64_t calls = 0, wakeups = 0;
	double t0 = now_s();

	for (uint64_t e = 1; e <= events; e++) {
		atomic_store(&sh->head, e);
		for (int i = 0; i < n; i++)
			calls += wake(&sh->m[i], mech);
	}
	for (int i = 0; i < n; i++)
		while (atomic_load(&sh->m[i].seen) < events)
			sched_yield();
	double dt = now_s() - t0;
	for (int i = 0; i < n; i++)
		wakeups += atomic_load(&sh->m[i].wakeups);
	printf("%-9s %6d %9llu %10.3f %14.0f %14llu %14llu\n",
	       mech == SIGNALFD ? "signalfd" : "eventfd", n,
	       (unsigned long long)events, dt * 1e3,
	       (double)events * n / dt, (unsigned long long)calls,
	       (unsigned long long)wakeups);
	teardown(sh, n);
}

static void latency(uint64_t rounds, enum mech mech)
{
	struct shared *sh = setup(1, mech, rounds);
	double t0 = now_s();

	for (uint64_t e = 1; e <= rounds; e++) {
		atomic_store(&sh->head, e);
		wake(&sh->m[0], mech);
		while (atomic_load(&sh->m[0].seen) < e)
			;
	}
	double dt = now_s() - t0;
	printf("%-9s round trip: %.2f us (mean of %llu)\n",
	       mech == SIGNALFD ? "signalfd" : "eventfd", dt * 1e6 / (double)rounds,
	       (unsigned long long)rounds);
	teardown(sh, 1);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100;
	uint64_t events = argc > 2 ? strtoull(argv[2], NULL, 10) : 20000;
	sigset_t set;

	/* Receivers inherit the blocked SIGURG and read it from a signalfd. */
	sigemptyset(&set);
	sigaddset(&set, SIGURG);
	sigprocmask(SIG_BLOCK, &set, NULL);

	printf("%-9s %6s %9s %10s %14s %14s %14s\n", "mechanism", "recv",
	       "events", "ms", "deliveries/s", "wake-syscalls", "wakeups-taken");
	for (int round = 0; round < 3; round++) {
		throughput(n, events, SIGNALFD);
		throughput(n, events, EVENTFD);
	}
	latency(20000, SIGNALFD);
	latency(20000, EVENTFD);
	return 0;
}
