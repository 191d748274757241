/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* wallreq.c - the requests and answers between the daemon and the wall
 * process (wallreq.h), packed field by field. */
#include "wallreq.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "cut.h"

/* The fixed part of a request, as it travels. */
struct head {
	uint64_t id;
	char by[WALL_BY_MAX];
	char group[WALL_GROUP_MAX];
	uint32_t nuids;
	uint32_t text_len;
};

int wallreq_send(int fd, uint64_t id, const char *by, const char *group, const uid_t *uids,
		 uint32_t nuids, const char *text, size_t text_len)
{
	struct head h;

	if (nuids > WALL_UIDS_MAX || text_len > WALL_TEXT_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	memset(&h, 0, sizeof(h));
	h.id = id;
	text_copy_str(h.by, sizeof(h.by), by);
	text_copy_str(h.group, sizeof(h.group), group);
	h.nuids = nuids;
	h.text_len = (uint32_t)text_len;
	struct iovec iov[3] = {
		{ &h, sizeof(h) },
		{ (void *)uids, nuids * sizeof(uid_t) },
		{ (void *)text, text_len },
	};
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 3 };
	ssize_t n;
	while ((n = sendmsg(fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	return n < 0 ? -1 : 0;
}

int wallreq_recv(int fd, void *buf, size_t cap, struct wall_request *r)
{
	struct head h;
	ssize_t n;

	while ((n = recv(fd, buf, cap, MSG_TRUNC)) < 0 && errno == EINTR)
		;
	if (n <= 0)
		return n == 0 ? 0 : -1;
	if ((size_t)n > cap || (size_t)n < sizeof(h)) {
		errno = EBADMSG;
		return -1;
	}
	memcpy(&h, buf, sizeof(h));
	if (h.nuids > WALL_UIDS_MAX || h.text_len > WALL_TEXT_MAX ||
	    (size_t)n != sizeof(h) + h.nuids * sizeof(uid_t) + h.text_len) {
		errno = EBADMSG;
		return -1;
	}
	memset(r, 0, sizeof(*r));
	r->id = h.id;
	text_copy(r->by, sizeof(r->by), h.by, strnlen(h.by, sizeof(h.by)));
	text_copy(r->group, sizeof(r->group), h.group, strnlen(h.group, sizeof(h.group)));
	r->nuids = h.nuids;
	r->uids = (uid_t *)((char *)buf + sizeof(h));
	r->text_len = h.text_len;
	r->text = (const char *)buf + sizeof(h) + h.nuids * sizeof(uid_t);
	return 1;
}

int wallans_send(int fd, const struct wall_answer *a)
{
	ssize_t n;

	while ((n = send(fd, a, sizeof(*a), MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	return n == (ssize_t)sizeof(*a) ? 0 : -1;
}

int wallans_recv(int fd, struct wall_answer *a)
{
	ssize_t n;

	while ((n = recv(fd, a, sizeof(*a), MSG_DONTWAIT | MSG_TRUNC)) < 0 && errno == EINTR)
		;
	if (n <= 0)
		return n == 0 ? 0 : -1;
	if (n != (ssize_t)sizeof(*a)) {
		errno = EBADMSG;
		return -1;
	}
	return 1;
}
