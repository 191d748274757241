/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* procfs.h - the e2e tests' /proc readers, in one place for the harness,
 * procs.c and the tests: a process's stat fields, title, comm, cwd,
 * descriptors, memory and CPU time; the process table; children found by title; and
 * sets of processes that tell a reused pid apart by its start time. */
#ifndef LCHAT_E2E_PROCFS_H
#define LCHAT_E2E_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Fields of /proc/PID/stat. */
struct pstat {
	pid_t pid, ppid, pgrp, sid;
	char state;
	int tty_nr;
	unsigned long long utime, stime;   /* CPU time in clock ticks (fields 14, 15) */
	unsigned long long start;   /* start time (field 22): tells a reused pid apart */
};

bool pstat_read(pid_t pid, struct pstat *ps);
/* Is pid running (exists and is not a zombie)? */
bool proc_alive(pid_t pid);
/* Every process on the system; *n entries, free() the result. */
struct pstat *proc_list(size_t *n);

/* The process title (first word of /proc/PID/cmdline, trailing blanks
 * removed) into buf; false if the process does not exist. */
bool proc_title(pid_t pid, char *buf, size_t len);
/* Does pid run the lchatd program (title "lchatd ..." or "lchatd: ...")? */
bool proc_is_lchatd(pid_t pid);
/* /proc/PID/comm without its newline; false if there is none. */
bool proc_comm(pid_t pid, char *buf, size_t len);
/* readlink /proc/PID/cwd. */
bool proc_cwd(pid_t pid, char *buf, size_t len);
/* Open descriptors of pid: fds[] (sorted) and their link targets. Returns
 * the count (at most max), -1 if pid is gone. */
int proc_fds(pid_t pid, int *fds, char (*targets)[256], int max);
/* A field of /proc/PID/status in kB (VmRSS, VmHWM, ...); -1 if absent. */
long proc_status_kb(pid_t pid, const char *field);
/* A field of /proc/PID/smaps_rollup ("Pss", "Rss"...) in kB, -1 if absent. */
long proc_rollup_kb(pid_t pid, const char *field);
/* User plus system CPU time of pid in milliseconds, -1 if it is gone. */
long proc_cpu_ms(pid_t pid);
/* Number of open descriptors of pid (up to 4096), -1 if it is gone. */
int proc_nfds(pid_t pid);
/* Read a small file into buf (NUL-terminated, at most len - 1 bytes). */
bool read_small(const char *path, char *buf, size_t len);

/* Children of parent in state `state` ('Z' for zombies), or all if 0,
 * but the daemon's fan-out writer ("lchatd: fanout"): of a daemon, its
 * handlers. */
int count_handlers(pid_t parent, char state);
/* The same as pids (zombies included); returns count. */
int proc_handlers(pid_t parent, pid_t *out, int max);
/* Children of parent as pids (zombies included); returns count. */
int proc_children(pid_t parent, pid_t *out, int max);
/* A child of parent (not a zombie, not in session not_sid unless that is
 * 0) whose title is `title`, or 0. If seen is not NULL, the other children
 * considered are listed there (" [pid 'title']..."). */
pid_t find_child_titled(pid_t parent, const char *title, pid_t not_sid, char *seen,
			size_t seenlen);
/* Poll for a child titled `title` that is not in session not_sid (0:
 * any); abort after timeout_ms. (A handler forked by a daemon that is then
 * killed may for a moment be a child of the supervisor still titled
 * "lchatd: daemon"; it is in the old daemon's session. A new daemon is
 * in a new one.) */
pid_t wait_child_titled(pid_t parent, const char *title, pid_t not_sid, int timeout_ms);

/* ---- sets of processes ------------------------------------------------ */

/* Processes as they were when added: a member is alive while a process
 * with its pid and its start time runs. Which processes belong to a set is
 * up to its user (the harness and procs.c scan by different rules). */
struct pset {
	struct pstat *v;
	size_t n, cap;
};

bool pset_has(const struct pset *s, pid_t pid);
void pset_add(struct pset *s, const struct pstat *ps);
/* Still running: same pid, same start time, neither zombie nor dead. */
bool pset_member_alive(const struct pstat *ps);
/* Send sig (0: none) to every member alive; returns how many are. */
size_t pset_kill(struct pset *s, int sig);

#endif
