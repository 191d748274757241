/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
#define _GNU_SOURCE
/* lock_hold.c - LD_PRELOAD shim for end-to-end tests: a test can make one
 * chosen process stop inside the room's lock, so that killing a lock
 * holder is an event the test waits for rather than a race it retries.
 *
 * LCHAT_TEST_LOCK_HOLD names a file the test created (struct lock_hold,
 * below). When the process whose pid is in `target` next takes a robust
 * mutex (the room's lock is the only one lchatd has), it clears `target`,
 * stores its pid in `holder`, and spins without a system call (it may run
 * under seccomp) until the test kills it, or gives up after a minute. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "lock_hold.h"

/* glibc's mark of a robust mutex in __data.__kind (its internal
 * PTHREAD_MUTEX_ROBUST_NORMAL_NP). */
#define KIND_ROBUST 16

static int (*real_lock)(pthread_mutex_t *);
static struct lock_hold *ctl;

__attribute__((constructor)) static void lock_hold_init(void)
{
	const char *path = getenv("LCHAT_TEST_LOCK_HOLD");
	int fd;
	void *p;

	real_lock = (int (*)(pthread_mutex_t *))dlsym(RTLD_NEXT, "pthread_mutex_lock");
	if (!path || (fd = open(path, O_RDWR | O_CLOEXEC)) < 0)
		return;
	p = mmap(NULL, sizeof(*ctl), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p != MAP_FAILED)
		ctl = p;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);   /* the vDSO: no system call */
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void hold(pid_t self)
{
	int64_t give_up = now_ms() + 60000;

	atomic_store(&ctl->holder, self);
	while (atomic_load(&ctl->holder) == self && now_ms() < give_up)
		;
}

int pthread_mutex_lock(pthread_mutex_t *m)
{
	int rc = real_lock(m);
	int target;

	if (ctl && (rc == 0 || rc == EOWNERDEAD) &&
	    (m->__data.__kind & KIND_ROBUST) &&
	    (target = atomic_load(&ctl->target)) != 0 && target == getpid() &&
	    atomic_compare_exchange_strong(&ctl->target, &target, 0))
		hold(target);
	return rc;
}
