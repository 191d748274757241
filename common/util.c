/* util.c - small system helpers shared by all programs. */
#include "util.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int64_t clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t now_ms(void)
{
	return clock_ms(CLOCK_REALTIME);
}

int64_t mono_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

/* The buffer is on the heap and grows on ERANGE: a 16 KiB one on the
 * stack made every lchatd handler keep stack pages it used once. */
bool passwd_find(const char *login, uid_t uid, uid_t *uid_out, char *name, size_t len)
{
	struct passwd pw, *res = NULL;
	size_t size = 1024;
	int rc = ERANGE;
	bool found = false;

	while (!found && rc == ERANGE && size <= 1024 * 1024) {
		char *tmp = malloc(size);
		if (!tmp)
			break;
		rc = login ? getpwnam_r(login, &pw, tmp, size, &res)
			   : getpwuid_r(uid, &pw, tmp, size, &res);
		if (rc == 0 && res && res->pw_name[0] && (!name || strlen(res->pw_name) < len)) {
			if (uid_out)
				*uid_out = res->pw_uid;
			if (name)
				snprintf(name, len, "%s", res->pw_name);
			found = true;
		}
		free(tmp);
		size *= 2;
	}
	return found;
}

void login_of_uid(uid_t uid, char *buf, size_t len)
{
	if (!passwd_find(NULL, uid, NULL, buf, len))
		snprintf(buf, len, "uid%u", (unsigned)uid);
}

bool uid_of_login(const char *login, uid_t *uid)
{
	return passwd_find(login, 0, uid, NULL, 0);
}

bool for_each_account(bool (*fn)(const char *login, uid_t uid, void *arg), void *arg)
{
	struct passwd pw, *res;
	size_t size = 1024;
	char *buf = malloc(size);
	bool hit = false;
	int rc;

	if (!buf)
		return false;
	setpwent();
	while (!hit) {
		rc = getpwent_r(&pw, buf, size, &res);
		if (rc == ERANGE && size < 1024 * 1024) {
			/* The entry is not consumed: retry with more room. */
			char *bigger = realloc(buf, size * 2);
			if (!bigger)
				break;
			buf = bigger;
			size *= 2;
			continue;
		}
		if (rc != 0 || !res)
			break;	/* ENOENT: the end; anything else: stop */
		hit = fn(res->pw_name, res->pw_uid, arg);
	}
	endpwent();
	free(buf);
	return hit;
}

void nss_preload(void)
{
	char login[64];
	uid_t none;

	/* A name no account has goes through every module in nsswitch.conf
	 * (a lookup that "files" answers would stop before the others). */
	login_of_uid(getuid(), login, sizeof(login));
	(void)uid_of_login("lchat-nss-preload.", &none);
}

int ignore_sigpipe(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	return sigaction(SIGPIPE, &sa, NULL);
}

int signalfd_for(int how, const int *sigs, size_t n)
{
	sigset_t mask;

	sigemptyset(&mask);
	for (size_t i = 0; i < n; i++)
		sigaddset(&mask, sigs[i]);
	if (sigprocmask(how, &mask, NULL) < 0)
		return -1;
	return signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
}

int unix_connect(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	while (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		if (errno == EINTR)
			continue;
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}
