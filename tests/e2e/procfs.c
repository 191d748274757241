/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* procfs.c - see procfs.h: the e2e tests' /proc readers. */
#include "procfs.h"
#include "harness.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return true;
}

bool pstat_read(pid_t pid, struct pstat *ps)
{
	char path[64], buf[1024], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!read_small(path, buf, sizeof(buf)) || buf[0] == '\0')
		return false;
	p = strrchr(buf, ')');       /* the command name may hold anything */
	if (!p)
		return false;
	memset(ps, 0, sizeof(*ps));
	ps->pid = pid;
	/* 3 state, 4 ppid, 5 pgrp, 6 session, 7 tty_nr, 8..13 skipped, 14 utime,
	 * 15 stime, 16..21 skipped, 22 starttime */
	return sscanf(p + 1, " %c %d %d %d %d %*s %*s %*s %*s %*s %*s %llu %llu"
		      " %*s %*s %*s %*s %*s %*s %llu",
		      &ps->state, &ps->ppid, &ps->pgrp, &ps->sid, &ps->tty_nr,
		      &ps->utime, &ps->stime, &ps->start) == 8;
}

bool proc_alive(pid_t pid)
{
	struct pstat ps;

	return pid > 0 && pstat_read(pid, &ps) && ps.state != 'Z' && ps.state != 'X';
}

struct pstat *proc_list(size_t *n)
{
	struct pstat *v = NULL;
	size_t cap = 0;
	struct dirent *de;
	DIR *dir = opendir("/proc");

	*n = 0;
	if (!dir)
		return NULL;
	while ((de = readdir(dir)) != NULL) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		struct pstat ps;

		if (*end || pid <= 0 || !pstat_read((pid_t)pid, &ps))
			continue;
		if (*n == cap) {
			struct pstat *nv;

			cap = cap ? 2 * cap : 256;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				break;
			v = nv;
		}
		v[(*n)++] = ps;
	}
	closedir(dir);
	return v;
}

bool proc_title(pid_t pid, char *buf, size_t len)
{
	char path[64];
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if (!read_small(path, buf, len))
		return false;
	n = strlen(buf);         /* the title is the first string */
	while (n > 0 && buf[n - 1] == ' ')
		buf[--n] = '\0';
	return true;
}

bool proc_is_lchatd(pid_t pid)
{
	char t[64];

	return proc_title(pid, t, sizeof(t)) && strncmp(t, "lchatd", 6) == 0;
}

bool proc_comm(pid_t pid, char *buf, size_t len)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (!read_small(path, buf, len))
		return false;
	buf[strcspn(buf, "\n")] = '\0';
	return true;
}

bool proc_cwd(pid_t pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/cwd", (int)pid);
	n = readlink(path, buf, len - 1);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return true;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int proc_fds(pid_t pid, int *fds, char (*targets)[256], int max)
{
	char path[64];
	struct dirent *de;
	DIR *dir;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((de = readdir(dir)) != NULL && n < max) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);

		if (*end || de->d_name[0] == '\0')
			continue;
		fds[n++] = (int)fd;
	}
	closedir(dir);
	qsort(fds, (size_t)n, sizeof(*fds), cmp_int);
	for (int i = 0; i < n; i++) {
		char link[96];
		ssize_t len;

		snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid, fds[i]);
		len = readlink(link, targets[i], 255);
		targets[i][len < 0 ? 0 : len] = '\0';
	}
	return n;
}

long proc_status_kb(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t flen = strlen(field);
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
			kb = strtol(line + flen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

/* ---- children ----------------------------------------------------------- */

/* The daemon's fan-out writer lives as long as the daemon: not a handler.
 * By its comm, which the kernel keeps beside the task (its cmdline is read
 * from its memory, and a read can come back empty while the writer maps or
 * unmaps memory); by its title too where that can be read. */
static bool is_writer(const struct pstat *p)
{
	char comm[32], title[64];

	if (p->state == 'Z' || !proc_comm(p->pid, comm, sizeof(comm)) || strcmp(comm, "fanout") != 0)
		return false;
	return !proc_title(p->pid, title, sizeof(title)) || title[0] == '\0' ||
	       strcmp(title, "lchatd: fanout") == 0;
}

int count_handlers(pid_t parent, char state)
{
	size_t n;
	struct pstat *v = proc_list(&n);
	int count = 0;

	for (size_t i = 0; i < n; i++)
		if (v[i].ppid == parent && (state == 0 || v[i].state == state) && !is_writer(&v[i]))
			count++;
	free(v);
	return count;
}

int proc_handlers(pid_t parent, pid_t *out, int max)
{
	size_t n;
	struct pstat *v = proc_list(&n);
	int count = 0;

	for (size_t i = 0; i < n; i++)
		if (v[i].ppid == parent && count < max && !is_writer(&v[i]))
			out[count++] = v[i].pid;
	free(v);
	return count;
}

int proc_children(pid_t parent, pid_t *out, int max)
{
	size_t n;
	struct pstat *v = proc_list(&n);
	int count = 0;

	for (size_t i = 0; i < n; i++)
		if (v[i].ppid == parent && count < max)
			out[count++] = v[i].pid;
	free(v);
	return count;
}

pid_t find_child_titled(pid_t parent, const char *title, pid_t not_sid, char *seen,
			size_t seenlen)
{
	size_t n, used = 0;
	struct pstat *v = proc_list(&n);
	pid_t found = 0;
	char t[256];

	if (seen && seenlen)
		seen[0] = '\0';
	for (size_t i = 0; i < n && !found; i++) {
		if (v[i].ppid != parent || v[i].state == 'Z' || (not_sid != 0 && v[i].sid == not_sid))
			continue;
		if (!proc_title(v[i].pid, t, sizeof(t)))
			continue;
		if (strcmp(t, title) == 0)
			found = v[i].pid;
		else if (seen && used + 1 < seenlen)
			used += (size_t)snprintf(seen + used, seenlen - used,
						 " [%d '%s']", (int)v[i].pid, t);
		if (seen && used >= seenlen)
			used = seenlen - 1;
	}
	free(v);
	return found;
}

pid_t wait_child_titled(pid_t parent, const char *title, pid_t not_sid, int timeout_ms)
{
	int64_t deadline = mono_ms_now() + timeout_ms;
	pid_t found;

	while ((found = find_child_titled(parent, title, not_sid, NULL, 0)) == 0) {
		if (mono_ms_now() >= deadline)
			ck_abort_msg("no child titled '%s'%s of %d within %d ms", title,
				     not_sid ? " (outside the old session)" : "", (int)parent,
				     timeout_ms);
		sleep_ms(10);
	}
	return found;
}

/* ---- sets of processes ------------------------------------------------- */

bool pset_has(const struct pset *s, pid_t pid)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].pid == pid)
			return true;
	return false;
}

void pset_add(struct pset *s, const struct pstat *ps)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		struct pstat *nv = realloc(s->v, cap * sizeof(*nv));

		if (!nv)
			return;
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = *ps;
}

bool pset_member_alive(const struct pstat *ps)
{
	struct pstat now;

	return pstat_read(ps->pid, &now) && now.start == ps->start &&
	       now.state != 'Z' && now.state != 'X';
}

size_t pset_kill(struct pset *s, int sig)
{
	size_t alive = 0;

	for (size_t i = 0; i < s->n; i++)
		if (pset_member_alive(&s->v[i])) {
			if (sig)
				kill(s->v[i].pid, sig);
			alive++;
		}
	return alive;
}

long proc_rollup_kb(pid_t pid, const char *field)
{
	char path[64], buf[4096];
	size_t flen = strlen(field);

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	if (!read_small(path, buf, sizeof(buf)))
		return -1;
	for (const char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, field, flen) == 0 && p[flen] == ':')
			return atol(p + flen + 1);
	return -1;
}

long proc_cpu_ms(pid_t pid)
{
	struct pstat ps;

	if (!pstat_read(pid, &ps))
		return -1;
	return (long)((ps.utime + ps.stime) * 1000 / (unsigned long long)sysconf(_SC_CLK_TCK));
}

int proc_nfds(pid_t pid)
{
	static int fds[4096];
	static char targets[4096][256];

	return proc_fds(pid, fds, targets, 4096);
}
