/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* sysfilter.c - the system calls a handler and the writer may make, and the
 * filter that kills either for any other (see sysfilter.h).
 *
 * The lists are what each process was seen to make under strace through
 * the whole test suite, by role, after its set-up:
 *  - both: memory (malloc, malloc_trim), the log (stderr, or syslog's
 *    AF_UNIX socket, reconnected if syslogd restarts), their signalfd and
 *    the room's robust mutex;
 *  - a handler: reading its client, the writer's wake-ups, and the
 *    name-service lookup it forks (accounts.c): the child inherits the
 *    filter, so the NSS modules' calls are here too (files read-only,
 *    nscd/sssd/systemd-userdb over AF_UNIX, their libraries' loading);
 *  - the wall process (wall.c): the daemon's requests, the login records
 *    (with glibc's lock and its alarm), the name service as a handler's
 *    lookup has it, and terminals: opened write-only, non-blocking and
 *    never as controlling terminal (nothing else may be opened for
 *    writing), checked with TCGETS, waited for with poll;
 *  - the writer: epoll, the descriptors handed over with SCM_RIGHTS, and
 *    sends (io_uring's own operations are confined by the ring's
 *    restrictions, fanout.c, since seccomp never sees them).
 * Under AddressSanitizer the runtime (LeakSanitizer stops the world with
 * ptrace at exit) needs far more: a sanitizer build lets what is outside
 * the list through (logging it would flood the kernel's log: some 790,000
 * records in one make check) and kills only the calls an intruder wants
 * most (exec, mount, ...), so the tests' trigger works in both builds. */
#include "sysfilter.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cut.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

#define CALL(name) SCMP_SYS(name)

/* Both processes, one line each on why. */
static const int common_calls[] = {
	CALL(read),             /* the client / hand-over socket, eventfd, signalfd */
	CALL(write),            /* stderr's log lines, the eventfd that wakes the other */
	CALL(close),            /* a finished connection, a lookup's pipe */
	CALL(exit_group),       /* exit() at the end */
	CALL(exit),             /* _exit() paths of glibc */
	CALL(getpid),           /* each log line names its pid */
	CALL(brk),              /* malloc */
	CALL(mmap),             /* malloc of large blocks */
	CALL(munmap),           /* free of large blocks */
	CALL(mremap),           /* realloc of large blocks (the growing buffers) */
	CALL(madvise),          /* malloc_trim (the writer's idle trim) and free */
	CALL(futex),            /* the room's robust mutex when it is contended */
	CALL(restart_syscall),  /* a poll interrupted by SIGSTOP/SIGCONT goes on */
	CALL(clock_gettime),    /* the vDSO's fallback where the clock has no vDSO */
	CALL(kill),             /* wake.c signals; a handler kills a hung lookup */
	CALL(connect),          /* syslog(3) (re)connects to /dev/log (socket: below) */
	CALL(sendto),           /* syslog(3), and send() to clients */
};

/* A handler, and the name-service lookup child it forks (accounts.c),
 * which inherits the filter; with nss_calls below. */
static const int handler_calls[] = {
	CALL(epoll_wait),       /* its main loop: the client and its signalfd */
	CALL(epoll_ctl),        /* the client out of the set while it is behind */
	CALL(poll),             /* the wait for the writer at the end */
	CALL(recvfrom),         /* recv() of the client's bytes */
	CALL(pipe2),            /* the lookup's answer pipe */
	CALL(wait4),            /* reaping the lookup child */
	CALL(close_range),      /* the lookup child drops the handler's descriptors */
	CALL(set_robust_list),  /* glibc's fork() in the child */
	CALL(rt_sigprocmask),   /* glibc in the lookup child */
};

/* The wall process (wall.c), with nss_calls below: it looks up the
 * login records' users and the group asked for. */
static const int wall_calls[] = {
	CALL(recvfrom),         /* recv() of the daemon's requests */
	CALL(poll),             /* waiting for the terminals to take the notice */
	CALL(pread64),          /* getutxent() reads the login records */
	CALL(alarm),            /* glibc's time limit on the login records' lock */
	CALL(rt_sigaction),     /* the same: its SIGALRM handler */
	CALL(rt_sigprocmask),   /* the same */
};

/* A name-service lookup: the handler's lookup child and the wall process. */
static const int nss_calls[] = {
	CALL(fstat),            /* NSS: /etc/passwd, the modules' files */
	CALL(newfstatat),       /* the same, by path */
	CALL(statx),            /* the same, with a newer glibc */
	CALL(lseek),            /* NSS files: rereading /etc/passwd */
	CALL(readlinkat),       /* glibc's dynamic loader, loading an NSS module */
	CALL(mprotect),         /* the dynamic loader, the same */
	CALL(faccessat),        /* nss-systemd: is systemd running? */
	CALL(faccessat2),       /* the same, newer glibc */
	CALL(access),           /* the same, older glibc */
	CALL(ppoll),            /* nss-systemd and sssd wait for their answer */
	CALL(sendmsg),          /* nscd/sssd/systemd-userdb requests */
	CALL(recvmsg),          /* their answers (nscd passes a descriptor) */
	CALL(fcntl),            /* NSS modules make their sockets non-blocking */
	CALL(getsockopt),       /* sssd checks its server's SO_PEERCRED */
	CALL(getrandom),        /* nss-systemd seeds its hash tables */
	CALL(getuid),           /* NSS modules check who asks */
	CALL(geteuid),
	CALL(getgid),
	CALL(getegid),
};

/* The writer. */
static const int writer_calls[] = {
	CALL(epoll_wait),       /* its main loop */
	CALL(epoll_ctl),        /* a new client, EPOLLOUT for a full one */
	CALL(recvmsg),          /* the daemon's FANOUT_ADD with the client's socket */
	CALL(sendmsg),          /* FANOUT_RELEASED to the daemon */
	CALL(io_uring_enter),   /* one submit of a round's sends */
};

/* What a sanitizer build still kills: what an intruder would want first. */
static const int always_killed[] = {
	CALL(execve), CALL(execveat), CALL(mount), CALL(umount2), CALL(chroot),
	CALL(pivot_root), CALL(setuid), CALL(setgid), CALL(setresuid),
	CALL(setresgid), CALL(setgroups), CALL(bind), CALL(listen),
	CALL(accept), CALL(accept4), CALL(unshare), CALL(setns), CALL(init_module),
	CALL(finit_module), CALL(kexec_load), CALL(bpf), CALL(io_uring_setup),
	CALL(io_uring_register), CALL(open_by_handle_at), CALL(keyctl),
	CALL(add_key), CALL(request_key),
};

static int add_list(scmp_filter_ctx ctx, uint32_t action, const int *calls, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int rc = seccomp_rule_add(ctx, action, calls[i], 0);
		if (rc < 0)
			return rc;
	}
	return 0;
}

#define ADD_LIST(ctx, action, list) add_list(ctx, action, list, sizeof(list) / sizeof(list[0]))

/* The wall process's own: the terminal check of isatty(), and the one
 * open for writing anything of lchatd may make, a terminal's: write-only,
 * not creating, truncating or appending, non-blocking, and never becoming
 * its controlling terminal. */
static int add_wall_narrow(scmp_filter_ctx ctx)
{
	int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				  SCMP_A1(SCMP_CMP_EQ, TCGETS));

	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
				      SCMP_A2(SCMP_CMP_MASKED_EQ,
					      O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND | O_NOCTTY |
					      O_NONBLOCK, O_WRONLY | O_NOCTTY | O_NONBLOCK));
	return rc;
}

/* Calls allowed only with some arguments. */
static int add_narrow(scmp_filter_ctx ctx, enum sandbox_role role)
{
	int rc;

	/* Sockets of the local machine only (syslog, and for a lookup nscd,
	 * sssd or systemd-userdb); another family is an error, not a kill,
	 * so that an NSS module probing for the network fails its lookup. */
	rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
			      SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1,
				      SCMP_A0(SCMP_CMP_NE, AF_UNIX));
	/* The name service's files, read-only: nothing created or written. */
	if (rc == 0 && role != SANDBOX_WRITER)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
				      SCMP_A2(SCMP_CMP_MASKED_EQ,
					      O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND, O_RDONLY));
	if (rc == 0 && role == SANDBOX_WALL)
		rc = add_wall_narrow(ctx);
	if (rc < 0 || role != SANDBOX_HANDLER)
		return rc;
	/* The process title's name (proctitle.c), at JOIN and NICK. */
	rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
			      SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME));
	if (rc < 0)
		return rc;
	/* fork() for the lookup, and nothing clone() could do besides: no
	 * thread, no namespace. glibc's fork passes exactly these flags. */
	rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
			      SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)(CLONE_CHILD_SETTID |
								  CLONE_CHILD_CLEARTID | SIGCHLD)));
	/* clone3 is what a new glibc tries first: ENOSYS sends it to clone. */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	return rc;
}

/* The programs, built by sysfilter_prepare() before the fork: a child
 * then allocates nothing to load its own (libseccomp's rule database and
 * code generator would dirty some 56 KiB of heap in every handler). */
static struct sock_fprog progs[SANDBOX_ROLES];

/* Write the BPF program of `role`, from libseccomp, to fd; 0 or -errno. */
static int export(enum sandbox_role role, int fd)
{
	/* A sanitizer build: everything but the kill list goes through
	 * (see the top of this file). */
	scmp_filter_ctx ctx = seccomp_init(SANITIZED ? SCMP_ACT_ALLOW : SCMP_ACT_KILL_PROCESS);
	if (!ctx)
		return -ENOMEM;
	int rc;
	if (SANITIZED) {
		rc = ADD_LIST(ctx, SCMP_ACT_KILL_PROCESS, always_killed);
	} else {
		rc = ADD_LIST(ctx, SCMP_ACT_ALLOW, common_calls);
		if (rc == 0 && role == SANDBOX_HANDLER)
			rc = ADD_LIST(ctx, SCMP_ACT_ALLOW, handler_calls);
		if (rc == 0 && role == SANDBOX_WALL)
			rc = ADD_LIST(ctx, SCMP_ACT_ALLOW, wall_calls);
		if (rc == 0 && role != SANDBOX_WRITER)
			rc = ADD_LIST(ctx, SCMP_ACT_ALLOW, nss_calls);
		if (rc == 0 && role == SANDBOX_WRITER)
			rc = ADD_LIST(ctx, SCMP_ACT_ALLOW, writer_calls);
		if (rc == 0)
			rc = add_narrow(ctx, role);
	}
	if (rc == 0)
		rc = seccomp_export_bpf(ctx, fd);
	seccomp_release(ctx);
	return rc;
}

/* The program of `role`, in memory. libseccomp builds it in a child of
 * ours: its rule database and code generator would otherwise leave our
 * heap full of freed blocks, which every handler's first allocations
 * would then take and copy (a page each), long after. */
static int build(enum sandbox_role role, struct sock_fprog *out, char *err, size_t errlen)
{
	int fd = memfd_create("lchatd-seccomp", MFD_CLOEXEC), rc = 0, st;
	if (fd < 0) {
		text_printf(err, errlen, "seccomp filter: memfd_create: %s", strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid == 0)
		_exit(export(role, fd) == 0 ? 0 : 1);
	if (pid < 0)
		rc = -errno;
	else if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		rc = -EINVAL;
	struct stat sb;
	void *code = NULL;
	if (rc == 0 && fstat(fd, &sb) < 0)
		rc = -errno;
	if (rc == 0 && (sb.st_size <= 0 || sb.st_size % sizeof(struct sock_filter) != 0 ||
			sb.st_size / sizeof(struct sock_filter) > USHRT_MAX))
		rc = -EINVAL;
	if (rc == 0 && !(code = malloc((size_t)sb.st_size)))
		rc = -ENOMEM;
	if (rc == 0 && pread(fd, code, (size_t)sb.st_size, 0) != sb.st_size)
		rc = -EIO;
	close(fd);
	if (rc < 0) {
		free(code);
		text_printf(err, errlen, "seccomp filter: %s", strerror(-rc));
		return -1;
	}
	out->len = (unsigned short)(sb.st_size / sizeof(struct sock_filter));
	out->filter = code;
	return 0;
}

/* The build for valgrind (make check-valgrind-daemon) loads no filter:
 * valgrind runs the daemon's code and its own in one process, makes
 * system calls no list has, and does not know seccomp(2) (it fails with
 * EINVAL there). Only that build defines LCHAT_VALGRIND. */
#ifdef LCHAT_VALGRIND
#define NO_FILTER 1
#else
#define NO_FILTER 0
#endif

int sysfilter_prepare(enum sandbox_role role, char *err, size_t errlen)
{
	if (NO_FILTER || progs[role].filter)
		return 0;
	/* The time zone is read now, before the children exist: localtime_r()
	 * in a log line would otherwise open it at their first line. */
	tzset();
	time_t t = time(NULL);
	struct tm tm;
	localtime_r(&t, &tm);
	return build(role, &progs[role], err, errlen);
}

int sysfilter_load(enum sandbox_role role, char *err, size_t errlen)
{
	if (sysfilter_prepare(role, err, errlen) < 0)
		return -1;
	if (NO_FILTER)
		return 0;
	/* No-new-privs is already set (sandbox_enter). */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &progs[role]) < 0) {
		text_printf(err, errlen, "seccomp: %s", strerror(errno));
		return -1;
	}
	return 0;
}
