/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* check_room.c - unit tests for daemon/room.c and daemon/wake.c: the room
 * file and its geometry, the ring log (sequence numbers, wrap-around,
 * recycled records), persistence across a reopen, the member table, the
 * robust mutex (holders that die), concurrent writers and lock-free readers
 * in separate processes, the coalesced signal wake-up, and the name index
 * (daemon/nameindex.c) against a scan of the table, and the fan-out
 * writer's cache of a pass's records (daemon/reccache.c).
 *
 * Room files live in a private mkdtemp() directory, emptied before each
 * test and removed after each test case. Child processes never call Check: they report
 * failure through their exit status (and a line on stderr). */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buffer.h"
#include "check_main.h"
#include "log.h"
#include "names.h"
#include "protocol.h"
#include "reccache.h"
#include "room.h"
#include "util.h"
#include "wake.h"

#define LINE_CAP 4096   /* >= rec_size for every geometry used here */

/* ---- fixture: a private directory for room files -------------------- */

static char room_dir[PATH_MAX];

static void dir_setup(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(room_dir, sizeof(room_dir), "%s/check_room.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(room_dir)) {
		perror("mkdtemp");
		abort();
	}
}

/* Empty the directory: before each test (so every test starts without a
 * room file, even if the previous one failed) and at the end. */
static void dir_clean(void)
{
	DIR *d = opendir(room_dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		char p[PATH_MAX + 256];
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", room_dir, e->d_name);
		if (unlink(p) < 0)
			rmdir(p);
	}
	closedir(d);
}

static void dir_teardown(void)
{
	dir_clean();
	rmdir(room_dir);
}

static const char *room_file(const char *name)
{
	static char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", room_dir, name);
	return path;
}

/* ---- helpers -------------------------------------------------------- */

static void open_room(struct room *r, const char *name, uint32_t users,
		      uint32_t history, uint32_t max_line)
{
	char err[512] = "";

	ck_assert_msg(room_open(r, room_file(name), users, history, max_line,
				err, sizeof(err)) == 0, "room_open: %s", err);
}

static size_t round_up(size_t n, size_t to)
{
	return (n + to - 1) / to * to;
}

static uint64_t append_event(struct room *r, enum event_kind kind, uint32_t origin,
			     uint32_t target, const char *name, const char *login,
			     int reason, const char *text)
{
	struct room_event ev = {
		.kind = kind, .origin = origin, .target = target, .name = name,
		.login = login, .reason = reason, .text = text,
		.text_len = text ? strlen(text) : 0,
	};

	room_lock(r);
	uint64_t seq = room_append_locked(r, &ev);
	room_unlock(r);
	return seq;
}

static uint64_t post_msg(struct room *r, uint32_t origin, const char *name,
			 const char *text)
{
	struct room_event ev = {
		.kind = EV_MSG, .origin = origin, .name = name,
		.text = text, .text_len = strlen(text),
	};

	return room_post(r, &ev);
}

/* Read record seq (which must be readable) into buf, NUL-terminated, and
 * parse it; checks the line's framing and that its seq is the record's. */
static void read_record(struct room *r, uint64_t seq, struct room_rec_info *info,
			char *buf, struct server_line *sl)
{
	memset(info, 0xA5, sizeof(*info));
	ck_assert_msg(room_read(r, seq, info, buf, LINE_CAP - 1),
		      "record %" PRIu64 " not readable", seq);
	ck_assert_uint_eq(info->seq, seq);
	ck_assert_uint_gt(info->len, 0);
	ck_assert_uint_lt(info->len, LINE_CAP);
	buf[info->len] = '\0';
	ck_assert_msg(buf[info->len - 1] == '\n' && memchr(buf, '\n', info->len) ==
		      buf + info->len - 1, "record %" PRIu64 ": bad framing \"%s\"", seq, buf);
	ck_assert_msg(proto_parse_server_line(buf, info->len - 1, sl),
		      "record %" PRIu64 ": unparsable \"%s\"", seq, buf);
	ck_assert_int_eq(sl->type, SL_EVENT);
	ck_assert_uint_eq(sl->seq, seq);
	ck_assert_int_eq(sl->kind, info->kind);
}

static bool word_eq(const char *w, size_t n, const char *s)
{
	return w && n == strlen(s) && memcmp(w, s, n) == 0;
}

static void set_member(struct room *r, uint32_t i, enum slot_state state,
		       const char *name, const char *login, pid_t pid)
{
	struct room_slot *s = room_slot(r, i);

	snprintf(s->name, sizeof(s->name), "%s", name);
	name_key(name, s->key);
	snprintf(s->login, sizeof(s->login), "%s", login);
	atomic_store(&s->pid, pid);
	atomic_store(&s->wake, 0);
	atomic_store(&s->state, (uint32_t)state);
	/* A joined member is in the default room (room_slot_join_locked). */
	atomic_store(&s->rooms, state == SLOT_JOINED ? UINT64_C(1) << r->hdr->default_room : 0);
	if (i >= atomic_load(&r->hdr->high_water))
		atomic_store(&r->hdr->high_water, i + 1);
}

/* Slot i's handler, of uid, joins as name: the daemon's claim, then the
 * handler's join, as lchatd does them (the name index follows). */
static void join_member(struct room *r, uint32_t i, uid_t uid, const char *name)
{
	char sk[NAME_MAX_LEN + 1];

	room_slot_claim(r, i, uid);
	name_skeleton(name, sk);
	room_lock(r);
	room_slot_join_locked(r, i, name, sk);
	room_unlock(r);
}

/* What room_find_locked() must answer for each name. Lock held. */
struct found {
	const char *name;
	int slot;
};

static void assert_found(struct room *r, const struct found *f, size_t n)
{
	for (size_t k = 0; k < n; k++)
		ck_assert_msg(room_find_locked(r, f[k].name) == f[k].slot, "%s: %d, not %d",
			      f[k].name, room_find_locked(r, f[k].name), f[k].slot);
}

/* A child that dies with its parent, so a failing test leaves nothing. */
static pid_t fork_child(void)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(99);
	}
	return pid;
}

/* Exit a child, saying why on stderr if it failed. */
static void __attribute__((noreturn, format(printf, 2, 3)))
child_exit(int code, const char *fmt, ...)
{
	if (code) {
		va_list ap;
		char msg[512];
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		fprintf(stderr, "child %d: %s\n", (int)getpid(), msg);
	}
	_exit(code);
}

/* Wait for a child until deadline (mono_ms); on timeout kill it. Returns
 * the wait status, or -1 on timeout. */
static int wait_child(pid_t pid, int64_t deadline)
{
	int status;

	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			return status;
		ck_assert_msg(w == 0 || errno == EINTR, "waitpid: %s", strerror(errno));
		if (mono_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
}

static void assert_child_ok(pid_t pid, int64_t deadline, const char *what)
{
	int status = wait_child(pid, deadline);

	ck_assert_msg(status != -1, "%s: did not finish in time", what);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "%s failed: %s %d", what,
		      WIFEXITED(status) ? "exit status" : "signal",
		      WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

/* ---- the file and the log ------------------------------------------- */

START_TEST(test_open_creates_file)
{
	struct room r;
	struct stat st;
	const uint32_t users = 10, history = 100, max_line = 1024;

	open_room(&r, "room", users, history, max_line);
	size_t rec = round_up(sizeof(struct room_rec) + max_line + PROTO_OVERHEAD, 64);
	size_t index = round_up(nameindex_bytes(users), 4096);
	size_t want = round_up(sizeof(struct room_header), 4096) +
		      round_up(users * sizeof(struct room_slot), 4096) + index +
		      round_up(history * rec, 4096) + round_up(usertab_bytes(users), 4096);

	ck_assert_int_eq(stat(room_file("room"), &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	ck_assert_uint_eq((uint64_t)st.st_size, want);
	ck_assert_uint_eq(r.map_size, want);
	ck_assert_uint_eq(r.rec_size, rec);
	ck_assert_uint_eq(r.max_users, users);
	ck_assert_uint_eq(r.history, history);
	ck_assert_uint_eq(r.hdr->max_users, users);
	ck_assert_uint_eq(r.hdr->history, history);
	ck_assert_uint_eq(r.hdr->map_size, want);
	ck_assert_uint_eq(room_head(&r), 1);
	ck_assert_uint_eq(atomic_load(&r.hdr->next_seq), 1);
	ck_assert_uint_eq(atomic_load(&r.hdr->high_water), 0);
	/* The slots, the name index, the ring and the user table sit inside
	 * the mapping, in that order. */
	ck_assert_ptr_eq((char *)r.slots, (char *)r.hdr + round_up(sizeof(struct room_header), 4096));
	ck_assert((char *)r.names.by_key.cell >= (char *)(r.slots + users));
	ck_assert((char *)r.names.by_skeleton.cell >= (char *)r.names.by_key.cell + nameindex_bytes(users) / 2);
	ck_assert((char *)r.ring >= (char *)r.names.by_skeleton.cell + nameindex_bytes(users) / 2);
	ck_assert_ptr_eq((char *)r.users, r.ring + round_up(history * rec, 4096));
	ck_assert_uint_eq((size_t)((char *)r.hdr + want - (char *)r.users),
			  round_up(usertab_bytes(users), 4096));
	for (uint32_t i = 0; i < users; i++)
		ck_assert_uint_eq(atomic_load(&room_slot(&r, i)->state), SLOT_FREE);

	/* Nothing is readable yet. */
	struct room_rec_info info;
	char buf[LINE_CAP];
	ck_assert(!room_read(&r, 1, &info, buf, sizeof(buf)));
	room_close(&r);
	ck_assert_ptr_null(r.hdr);
	room_close(&r);   /* twice is harmless */
}
END_TEST

START_TEST(test_open_errors)
{
	struct room r;
	char err[512] = "";
	char path[PATH_MAX + 64];

	/* A missing directory. */
	snprintf(path, sizeof(path), "%s/no/such/room", room_dir);
	ck_assert_int_eq(room_open(&r, path, 4, 16, 64, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, path) != NULL, "error does not name the file: %s", err);

	/* A symlink is not followed. */
	ck_assert_int_eq(symlink("elsewhere", room_file("link")), 0);
	err[0] = '\0';
	ck_assert_int_eq(room_open(&r, room_file("link"), 4, 16, 64, err, sizeof(err)), -1);
	ck_assert_str_ne(err, "");

	/* A directory is not a room file. */
	ck_assert_int_eq(mkdir(room_file("dir"), 0700), 0);
	err[0] = '\0';
	ck_assert_int_eq(room_open(&r, room_file("dir"), 4, 16, 64, err, sizeof(err)), -1);
	ck_assert_str_ne(err, "");
}
END_TEST

/* A file that is not a room (or an empty one) starts a fresh room. */
START_TEST(test_open_foreign_file)
{
	struct room r;
	FILE *f = fopen(room_file("junk"), "w");

	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < 10000; i++)
		fputs("not a room file\n", f);
	fclose(f);
	open_room(&r, "junk", 4, 16, 64);
	ck_assert_uint_eq(room_head(&r), 1);
	ck_assert_uint_eq(atomic_load(&r.hdr->high_water), 0);
	ck_assert_uint_eq(append_event(&r, EV_NOTICE, 0, 0, NULL, NULL, 0, "hi"), 1);
	room_close(&r);

	struct stat st;
	ck_assert_int_eq(stat(room_file("junk"), &st), 0);
	ck_assert_uint_eq((uint64_t)st.st_size, r.map_size);
}
END_TEST

START_TEST(test_append_and_read)
{
	struct room r;
	struct room_rec_info info;
	struct server_line sl;
	char buf[LINE_CAP], want[LINE_CAP];

	open_room(&r, "room", 8, 64, 256);
	room_slot(&r, 1)->gen = 7;
	room_slot(&r, 3)->gen = 4;
	int64_t t0 = now_ms();
	ck_assert_uint_eq(append_event(&r, EV_JOIN, 2, 0, "alice", "alogin", 0, NULL), 1);
	ck_assert_uint_eq(append_event(&r, EV_MSG, 2, 0, "alice", NULL, 0, "hello  world"), 2);
	ck_assert_uint_eq(append_event(&r, EV_PRIV, 2, 4, "alice", NULL, 0, "psst"), 3);
	ck_assert_uint_eq(append_event(&r, EV_NOTICE, 0, 0, NULL, NULL, 0, "reboot at 18:00"), 4);
	ck_assert_uint_eq(append_event(&r, EV_ACTION, 4, 0, "dave", NULL, 0, "waves"), 5);
	ck_assert_uint_eq(append_event(&r, EV_LEAVE, 2, 0, "alice", "alogin", LEAVE_QUIT,
				       "bye"), 6);
	int64_t t1 = now_ms();
	ck_assert_uint_eq(room_head(&r), 7);
	ck_assert_uint_eq(atomic_load(&r.hdr->messages), 3);

	static const struct {
		enum event_kind kind;
		uint32_t origin, origin_gen, target, target_gen;
		const char *name, *login;
		int reason;
		const char *text;
	} want_recs[] = {
		{ EV_JOIN, 2, 7, 0, 0, "alice", "alogin", 0, NULL },
		{ EV_MSG, 2, 7, 0, 0, "alice", NULL, 0, "hello  world" },
		{ EV_PRIV, 2, 7, 4, 4, "alice", NULL, 0, "psst" },
		{ EV_NOTICE, 0, 0, 0, 0, NULL, NULL, 0, "reboot at 18:00" },
		{ EV_ACTION, 4, 4, 0, 0, "dave", NULL, 0, "waves" },
		{ EV_LEAVE, 2, 7, 0, 0, "alice", "alogin", LEAVE_QUIT, "bye" },
	};
	for (uint64_t seq = 1; seq <= 6; seq++) {
		const __typeof__(want_recs[0]) *w = &want_recs[seq - 1];
		read_record(&r, seq, &info, buf, &sl);
		ck_assert_int_eq(info.kind, w->kind);
		ck_assert_uint_eq(info.origin, w->origin);
		ck_assert_uint_eq(info.origin_gen, w->origin_gen);
		ck_assert_uint_eq(info.target, w->target);
		ck_assert_uint_eq(info.target_gen, w->target_gen);
		ck_assert(sl.ms >= t0 && sl.ms <= t1);
		/* Byte for byte the line the protocol module formats. */
		size_t n = proto_format_event(want, sizeof(want), seq, sl.ms, w->kind, w->name,
					      w->login, w->reason, w->text,
					      w->text ? strlen(w->text) : 0);
		ck_assert_uint_eq(info.len, n);
		ck_assert_str_eq(buf, want);
	}
	ck_assert_str_eq(buf + strcspn(buf, "L"), "LEAVE alice alogin quit bye\n");

	/* A small output buffer gets a prefix, never more than cap bytes. */
	char small[8];
	memset(small, '#', sizeof(small));
	ck_assert(room_read(&r, 2, &info, small, 5));
	ck_assert_uint_eq(info.len, 5);
	ck_assert(memcmp(small, "EV 2 ", 5) == 0);
	ck_assert_int_eq(small[5], '#');

	/* Not yet written. */
	ck_assert(!room_read(&r, 7, &info, buf, sizeof(buf)));
	ck_assert(!room_read(&r, 8, &info, buf, sizeof(buf)));
	room_close(&r);
}
END_TEST

/* A text too long for a record is replaced by a notice, not a gap. */
START_TEST(test_append_too_long)
{
	struct room r;
	struct room_rec_info info;
	struct server_line sl;
	char buf[LINE_CAP];
	char text[2048];

	open_room(&r, "room", 4, 16, 64);
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	ck_assert_uint_eq(append_event(&r, EV_MSG, 0, 0, "alice", NULL, 0, text), 1);
	/* Only the line is checked: info.kind still says EV_MSG. */
	ck_assert(room_read(&r, 1, &info, buf, LINE_CAP - 1));
	ck_assert_uint_le(info.len, r.rec_size - sizeof(struct room_rec));
	buf[info.len] = '\0';
	ck_assert_str_eq(buf + strcspn(buf, "N"), "NOTICE (event too long)\n");
	ck_assert(proto_parse_server_line(buf, info.len - 1, &sl));
	ck_assert_uint_eq(sl.seq, 1);
	ck_assert_int_eq(sl.kind, EV_NOTICE);
	ck_assert_uint_eq(append_event(&r, EV_MSG, 0, 0, "alice", NULL, 0, "ok"), 2);
	read_record(&r, 2, &info, buf, &sl);
	ck_assert_int_eq(sl.kind, EV_MSG);
	room_close(&r);
}
END_TEST

START_TEST(test_oldest)
{
	struct room r;

	open_room(&r, "room", 4, 16, 64);
	ck_assert_uint_eq(room_oldest(&r, 1), 1);
	ck_assert_uint_eq(room_oldest(&r, 2), 1);
	ck_assert_uint_eq(room_oldest(&r, 16), 1);
	ck_assert_uint_eq(room_oldest(&r, 17), 2);
	ck_assert_uint_eq(room_oldest(&r, 41), 26);
	ck_assert_uint_eq(room_oldest(&r, 1000016), 1000001);
	room_close(&r);
}
END_TEST

START_TEST(test_ring_wrap)
{
	struct room r;
	struct room_rec_info info;
	struct server_line sl;
	char buf[LINE_CAP], text[32];

	open_room(&r, "room", 4, 16, 64);
	for (uint64_t i = 1; i <= 40; i++) {
		snprintf(text, sizeof(text), "n%" PRIu64, i);
		ck_assert_uint_eq(append_event(&r, EV_NOTICE, 0, 0, NULL, NULL, 0, text), i);
	}
	ck_assert_uint_eq(room_head(&r), 41);
	ck_assert_uint_eq(room_oldest(&r, 41), 26);
	/* The last `history` records are still there. */
	for (uint64_t seq = 40 - 15; seq <= 40; seq++) {
		read_record(&r, seq, &info, buf, &sl);
		snprintf(text, sizeof(text), "n%" PRIu64, seq);
		ck_assert(word_eq(sl.rest, sl.rest_len, text));
	}
	/* Older ones were recycled. */
	for (uint64_t seq = 1; seq <= 24; seq++)
		ck_assert_msg(!room_read(&r, seq, &info, buf, sizeof(buf)),
			      "recycled record %" PRIu64 " readable", seq);
	ck_assert(!room_read(&r, 41, &info, buf, sizeof(buf)));
	ck_assert(!room_read(&r, 56, &info, buf, sizeof(buf)));
	room_close(&r);
}
END_TEST

/* ---- persistence ---------------------------------------------------- */

START_TEST(test_reopen_same_geometry)
{
	struct room r;
	struct room_rec_info info;
	struct server_line sl;
	char buf[LINE_CAP], text[32];
	char before[20][LINE_CAP];

	open_room(&r, "room", 4, 16, 128);
	for (uint64_t i = 1; i <= 20; i++) {
		snprintf(text, sizeof(text), "m%" PRIu64, i);
		append_event(&r, EV_MSG, 0, 0, "alice", NULL, 0, text);
	}
	for (uint64_t seq = 5; seq <= 20; seq++) {
		read_record(&r, seq, &info, buf, &sl);
		strcpy(before[seq - 1], buf);
	}
	room_close(&r);

	open_room(&r, "room", 4, 16, 128);
	ck_assert_uint_eq(room_head(&r), 21);
	for (uint64_t seq = 5; seq <= 20; seq++) {
		read_record(&r, seq, &info, buf, &sl);
		ck_assert_str_eq(buf, before[seq - 1]);
	}
	ck_assert_uint_eq(append_event(&r, EV_MSG, 0, 0, "bob", NULL, 0, "after"), 21);
	read_record(&r, 21, &info, buf, &sl);
	ck_assert(word_eq(sl.rest, sl.rest_len, "after"));
	ck_assert(!room_read(&r, 5, &info, buf, sizeof(buf)));   /* recycled by 21 */
	room_close(&r);
}
END_TEST

/* Members a dead daemon left in the table are announced as lost, once. */
START_TEST(test_reopen_announces_lost_members)
{
	struct room r;
	struct room_rec_info info;
	struct server_line sl;
	char buf[LINE_CAP];
	char long_name[NAME_MAX_LEN + 1];

	open_room(&r, "room", 8, 32, 128);
	append_event(&r, EV_NOTICE, 0, 0, NULL, NULL, 0, "one");
	append_event(&r, EV_NOTICE, 0, 0, NULL, NULL, 0, "two");
	set_member(&r, 0, SLOT_JOINED, "alice", "alogin", 4242);
	set_member(&r, 1, SLOT_CONNECTED, "", "nobody", 4243);
	set_member(&r, 2, SLOT_LEFT, "gone", "gone", 0);
	set_member(&r, 3, SLOT_JOINED, "Bob", "bob", 4244);
	/* A name without its terminator (a corrupt table) is cut at the limit. */
	set_member(&r, 4, SLOT_JOINED, "x", "xlogin", 0);
	memset(room_slot(&r, 4)->name, 'n', sizeof(room_slot(&r, 4)->name));
	memset(long_name, 'n', NAME_MAX_LEN);
	long_name[NAME_MAX_LEN] = '\0';
	ck_assert_uint_eq(atomic_load(&r.hdr->high_water), 5);
	room_close(&r);

	int64_t t0 = now_ms();
	open_room(&r, "room", 8, 32, 128);
	int64_t t1 = now_ms();
	ck_assert_uint_eq(room_head(&r), 6);
	static const char *const names[] = { "alice", "Bob", NULL };
	static const char *const logins[] = { "alogin", "bob", "xlogin" };
	for (uint64_t seq = 3; seq <= 5; seq++) {
		const char *name = names[seq - 3] ? names[seq - 3] : long_name;
		read_record(&r, seq, &info, buf, &sl);
		ck_assert_int_eq(sl.kind, EV_LEAVE);
		ck_assert_msg(word_eq(sl.word[0], sl.word_len[0], name), "%s", buf);
		ck_assert_msg(word_eq(sl.word[1], sl.word_len[1], logins[seq - 3]), "%s", buf);
		ck_assert_msg(word_eq(sl.word[2], sl.word_len[2], "lost"), "%s", buf);
		ck_assert_uint_eq(sl.rest_len, 0);
		ck_assert(sl.ms >= t0 && sl.ms <= t1);
		ck_assert_uint_eq(info.origin, ROOM_SERVER);
		ck_assert_uint_eq(info.target, 0);
	}
	read_record(&r, 1, &info, buf, &sl);
	ck_assert(word_eq(sl.rest, sl.rest_len, "one"));

	/* The table is cleared. */
	ck_assert_uint_eq(atomic_load(&r.hdr->high_water), 0);
	for (uint32_t i = 0; i < 8; i++) {
		struct room_slot *s = room_slot(&r, i);
		ck_assert_uint_eq(atomic_load(&s->state), SLOT_FREE);
		ck_assert_int_eq(atomic_load(&s->pid), 0);
		ck_assert_str_eq(s->name, "");
	}
	room_lock(&r);
	ck_assert_int_eq(room_find_locked(&r, "alice"), -1);
	room_unlock(&r);
	room_close(&r);

	/* Announced once: a second reopen adds nothing. */
	open_room(&r, "room", 8, 32, 128);
	ck_assert_uint_eq(room_head(&r), 6);
	room_close(&r);
}
END_TEST

/* Records carry (slot, generation) of their origin and target, and the
 * handlers use that pair to recognise their own events and the private
 * messages addressed to them, including in history replayed after a
 * restart. The pair must therefore never name a new occupant of the slot
 * after a reopen that keeps the ring. */
START_TEST(test_reopen_keeps_generations_unique)
{
	struct room r;
	struct room_rec_info info;
	struct server_line sl;
	char buf[LINE_CAP];

	open_room(&r, "room", 4, 64, 128);
	/* What the daemon does for each accepted connection: gen++. */
	room_slot(&r, 0)->gen++;
	set_member(&r, 0, SLOT_JOINED, "alice", "alice", 0);
	room_slot(&r, 1)->gen++;
	set_member(&r, 1, SLOT_JOINED, "bob", "bob", 0);
	uint64_t msg = append_event(&r, EV_MSG, 1, 0, "alice", NULL, 0, "hello");
	uint64_t priv = append_event(&r, EV_PRIV, 2, 1, "bob", NULL, 0, "for alice only");
	room_close(&r);

	/* Daemon restart; then mallory connects and gets slot 0. */
	open_room(&r, "room", 4, 64, 128);
	struct room_slot *s = room_slot(&r, 0);
	s->gen++;
	set_member(&r, 0, SLOT_JOINED, "mallory", "mallory", 0);

	read_record(&r, priv, &info, buf, &sl);
	ck_assert_uint_eq(info.target, 1);
	ck_assert_msg(info.target_gen != s->gen,
		      "bob's private message to alice (slot 0, gen %u) before the restart "
		      "looks addressed to mallory (slot 0, gen %u) after it: room_open() "
		      "reset the slot generations but kept the ring", info.target_gen, s->gen);
	read_record(&r, msg, &info, buf, &sl);
	ck_assert_uint_eq(info.origin, 1);
	ck_assert_msg(info.origin_gen != s->gen,
		      "alice's message before the restart looks like mallory's own "
		      "(slot 0, gen %u)", s->gen);
	room_close(&r);
}
END_TEST

/* A different geometry: sequence numbers go on, the old ring is gone. */
START_TEST(test_reopen_other_geometry)
{
	struct room r;
	struct room_rec_info info;
	struct server_line sl;
	char buf[LINE_CAP];
	struct stat st;

	open_room(&r, "room", 4, 16, 128);
	for (int i = 0; i < 30; i++)
		append_event(&r, EV_NOTICE, 0, 0, NULL, NULL, 0, "old");
	room_close(&r);

	/* Another history. */
	open_room(&r, "room", 4, 32, 128);
	ck_assert_uint_eq(room_head(&r), 31);
	ck_assert_int_eq(stat(room_file("room"), &st), 0);
	ck_assert_uint_eq((uint64_t)st.st_size, r.map_size);
	for (uint64_t seq = 1; seq <= 30; seq++)
		ck_assert_msg(!room_read(&r, seq, &info, buf, sizeof(buf)),
			      "old record %" PRIu64 " readable after a geometry change", seq);
	ck_assert_uint_eq(append_event(&r, EV_NOTICE, 0, 0, NULL, NULL, 0, "new"), 31);
	read_record(&r, 31, &info, buf, &sl);
	ck_assert(word_eq(sl.rest, sl.rest_len, "new"));
	room_close(&r);

	/* Another max_line (record size). */
	open_room(&r, "room", 4, 32, 256);
	ck_assert_uint_eq(room_head(&r), 32);
	ck_assert(!room_read(&r, 31, &info, buf, sizeof(buf)));
	room_close(&r);

	/* Another max_users. */
	open_room(&r, "room", 64, 32, 256);
	ck_assert_uint_eq(room_head(&r), 32);
	ck_assert_int_eq(stat(room_file("room"), &st), 0);
	ck_assert_uint_eq((uint64_t)st.st_size, r.map_size);
	ck_assert_uint_eq(append_event(&r, EV_NOTICE, 0, 0, NULL, NULL, 0, "newer"), 32);
	read_record(&r, 32, &info, buf, &sl);
	room_close(&r);
}
END_TEST

/* ---- the member table ----------------------------------------------- */

START_TEST(test_find_locked)
{
	struct room r;

	open_room(&r, "room", 8, 16, 64);
	room_lock(&r);
	ck_assert_int_eq(room_find_locked(&r, "alice"), -1);   /* empty table */
	room_unlock(&r);

	/* Through the slots' life cycle, which keeps the name index. */
	join_member(&r, 0, 1000, "Alice");
	room_slot_claim(&r, 1, 1001);               /* connected, no name yet */
	join_member(&r, 2, 1002, "carol");
	join_member(&r, 3, 1003, "dave.x-9_");
	join_member(&r, 4, 1004, "erin");
	join_member(&r, 5, 1005, "frank");
	room_lock(&r);
	room_slot_leave_locked(&r, 2, room_head(&r));   /* left */
	room_slot_release(&r, 4);                   /* free again */
	room_slot_leave_locked(&r, 5, room_head(&r));   /* left, then free */
	room_slot_release(&r, 5);
	static const struct found found[] = {
		{ "Alice", 0 }, { "alice", 0 }, { "ALICE", 0 }, { "aLiCe", 0 },
		{ "DAVE.X-9_", 3 }, { "bob", -1 }, { "carol", -1 }, { "erin", -1 },
		{ "frank", -1 }, { "alic", -1 }, { "alice2", -1 }, { "dave", -1 },
	};
	assert_found(&r, found, LEN(found));
	room_unlock(&r);

	/* A slot that joins is found; one claimed again is not, until it
	 * joins again. */
	char sk[NAME_MAX_LEN + 1];
	name_skeleton("bob", sk);
	room_lock(&r);
	room_slot_join_locked(&r, 1, "bob", sk);
	ck_assert_int_eq(room_find_locked(&r, "BOB"), 1);
	room_unlock(&r);
	room_slot_claim(&r, 4, 1004);
	room_lock(&r);
	ck_assert_int_eq(room_find_locked(&r, "erin"), -1);
	name_skeleton("erin", sk);
	room_slot_join_locked(&r, 4, "erin", sk);
	ck_assert_int_eq(room_find_locked(&r, "Erin"), 4);
	room_unlock(&r);
	room_close(&r);
}
END_TEST

/* The PROTO 2 form of an event line: the room word after <ms>. */
START_TEST(test_line_v2)
{
	struct room_rec_info info = { .kind = EV_MSG, .room = 3 };
	char out[128];
	const char *line = "EV 12 1700000000000 MSG alice hi there\n";
	size_t len = strlen(line);

	strcpy(info.room_name, "cs101");
	size_t n = room_line_v2(&info, line, len, out, sizeof(out));
	ck_assert_uint_eq(n, len + 7);
	ck_assert(memcmp(out, "EV 12 1700000000000 #cs101 MSG alice hi there\n", n) == 0);
	/* In place, as the writer and the handler do it. */
	memcpy(out, line, len);
	ck_assert_uint_eq(room_line_v2(&info, out, len, out, sizeof(out)), len + 7);
	ck_assert(memcmp(out, "EV 12 1700000000000 #cs101 MSG", 30) == 0);
	info.room = ROOM_TAG_ALL;
	info.kind = EV_NOTICE;
	n = room_line_v2(&info, "EV 1 2 NOTICE x\n", 16, out, sizeof(out));
	ck_assert(n == 18 && memcmp(out, "EV 1 2 * NOTICE x\n", n) == 0);
	info.kind = EV_PRIV;
	n = room_line_v2(&info, "EV 1 2 PRIV a x\n", 16, out, sizeof(out));
	ck_assert(n == 18 && memcmp(out, "EV 1 2 - PRIV a x\n", n) == 0);
	/* No room for the word: 0, nothing sent half made. */
	ck_assert_uint_eq(room_line_v2(&info, "EV 1 2 PRIV a x\n", 16, out, 17), 0);
}
END_TEST

START_TEST(test_format_who)
{
	struct room r;
	struct buffer out = { 0 };
	int64_t now = now_ms();

	open_room(&r, "room", 8, 16, 64);
	ck_assert_int_eq(room_format_who(&r, &out), 0);
	ck_assert_uint_eq(out.len, strlen("OK WHO 0\n"));
	ck_assert(memcmp(out.data, "OK WHO 0\n", out.len) == 0);
	out.len = out.off = 0;

	set_member(&r, 0, SLOT_JOINED, "Alice", "alice", 0);
	room_slot(&r, 0)->joined_ms = 1700000000123;
	atomic_store(&room_slot(&r, 0)->active_ms, now - 5200);
	set_member(&r, 1, SLOT_CONNECTED, "", "nobody", 0);
	set_member(&r, 2, SLOT_LEFT, "gone", "gone", 0);
	set_member(&r, 3, SLOT_JOINED, "bob", "bobby", 0);
	room_slot(&r, 3)->joined_ms = 1700000000456;
	atomic_store(&room_slot(&r, 3)->active_ms, now + 60000);   /* clock skew */

	ck_assert_int_eq(room_format_who(&r, &out), 0);
	ck_assert_int_eq(buffer_reserve(&out, 1), 0);
	out.data[out.len] = '\0';
	unsigned idle;
	char tail[256];
	ck_assert_msg(sscanf(out.data, "WHO Alice alice %u 1700000000123\n%255[^\001]",
			     &idle, tail) == 2, "got \"%s\"", out.data);
	ck_assert_msg(idle >= 5 && idle <= 6, "idle %u, want 5", idle);
	ck_assert_str_eq(tail, "WHO bob bobby 0 1700000000456\nOK WHO 2\n");

	/* Every line is a well-formed WHO line, then OK WHO n. */
	struct server_line sl;
	char *line = out.data, *nl = strchr(line, '\n');
	ck_assert(proto_parse_server_line(line, (size_t)(nl - line), &sl));
	ck_assert_int_eq(sl.type, SL_WHO);
	ck_assert(word_eq(sl.word[0], sl.word_len[0], "Alice"));
	ck_assert(word_eq(sl.word[1], sl.word_len[1], "alice"));
	ck_assert(word_eq(sl.rest, sl.rest_len, "1700000000123"));
	buffer_free(&out);

	/* Appends to what is already queued. */
	ck_assert_int_eq(buffer_append(&out, "X\n", 2), 0);
	ck_assert_int_eq(room_format_who(&r, &out), 0);
	ck_assert(memcmp(out.data, "X\nWHO Alice ", 12) == 0);
	buffer_free(&out);
	room_close(&r);
}
END_TEST

/* A renamed member is found by its new name (key and skeleton too), and
 * its old name is free. */
START_TEST(test_rename_locked)
{
	struct room r;
	char sk[NAME_MAX_LEN + 1];

	open_room(&r, "room", 8, 16, 64);
	room_slot_claim(&r, 0, 1000);
	room_slot_claim(&r, 1, 1001);
	name_skeleton("alice", sk);
	room_lock(&r);
	room_slot_join_locked(&r, 0, "alice", sk);
	name_skeleton("bob", sk);
	room_slot_join_locked(&r, 1, "bob", sk);
	name_skeleton("Al1ce_2", sk);
	room_slot_rename_locked(&r, 0, "Al1ce_2", sk);
	ck_assert_str_eq(room_slot(&r, 0)->name, "Al1ce_2");
	ck_assert_str_eq(room_slot(&r, 0)->key, "al1ce_2");
	ck_assert_int_eq(room_find_locked(&r, "alice"), -1);
	ck_assert_int_eq(room_find_locked(&r, "AL1CE_2"), 0);
	ck_assert_int_eq(room_find_locked(&r, "bob"), 1);
	/* Its look-alikes now are those of the new name, for other users. */
	name_skeleton("alI1e_2", sk);
	ck_assert_int_eq(room_find_confusable_locked(&r, sk, 1001), -1);
	name_skeleton("alIce_2", sk);
	ck_assert_int_eq(room_find_confusable_locked(&r, sk, 1001), 0);
	ck_assert_int_eq(room_find_confusable_locked(&r, sk, 1000), -1);
	name_skeleton("a1ice", sk);
	ck_assert_int_eq(room_find_confusable_locked(&r, sk, 1001), -1);
	ck_assert_int_eq(atomic_load(&room_slot(&r, 0)->state), SLOT_JOINED);
	room_unlock(&r);
	room_close(&r);
}
END_TEST

/* ---- the robust mutex ----------------------------------------------- */

/* A child takes the lock and exits holding it: the next room_lock() must
 * recover, and the lock keeps working afterwards (for us and for others). */
START_TEST(test_lock_holder_exits)
{
	struct room r;
	struct room_rec_info info;
	struct server_line sl;
	char buf[LINE_CAP];

	open_room(&r, "room", 4, 16, 64);
	append_event(&r, EV_NOTICE, 0, 0, NULL, NULL, 0, "before");

	/* First another process recovers the lock (a wait with a deadline, so
	 * a lock that is not robust fails here instead of hanging), then we
	 * do, in room_lock() itself. */
	pid_t pid = fork_child();
	if (pid == 0) {
		room_lock(&r);
		_exit(0);
	}
	assert_child_ok(pid, mono_ms() + 10000, "locking child");
	pid = fork_child();
	if (pid == 0) {
		room_lock(&r);   /* EOWNERDEAD, recovered */
		room_unlock(&r);
		_exit(0);
	}
	assert_child_ok(pid, mono_ms() + 10000, "room_lock() after the holder died");
	pid = fork_child();
	if (pid == 0) {
		room_lock(&r);
		_exit(0);
	}
	assert_child_ok(pid, mono_ms() + 10000, "second locking child");

	room_lock(&r);   /* EOWNERDEAD, recovered */
	uint64_t seq = room_append_locked(&r, &(struct room_event){
		.kind = EV_NOTICE, .text = "after", .text_len = 5 });
	room_unlock(&r);
	ck_assert_uint_eq(seq, 2);
	read_record(&r, 1, &info, buf, &sl);
	read_record(&r, 2, &info, buf, &sl);
	ck_assert(word_eq(sl.rest, sl.rest_len, "after"));

	/* Consistent again: plain lock/unlock, and another process too. */
	room_lock(&r);
	room_unlock(&r);
	pid = fork_child();
	if (pid == 0) {
		uint64_t s = append_event(&r, EV_NOTICE, 0, 0, NULL, NULL, 0, "child");
		child_exit(s == 3 ? 0 : 1, "appended as %" PRIu64, s);
	}
	assert_child_ok(pid, mono_ms() + 10000, "second child");
	ck_assert_uint_eq(room_head(&r), 4);
	room_close(&r);
}
END_TEST

/* A child dies holding the lock after invalidating the record it was about
 * to write (what a kill in the middle of room_append_locked leaves). */
START_TEST(test_lock_holder_dies_mid_record)
{
	struct room r;
	struct room_rec_info info;
	struct server_line sl;
	char buf[LINE_CAP];

	open_room(&r, "room", 4, 16, 64);
	for (int i = 0; i < 20; i++)
		append_event(&r, EV_NOTICE, 0, 0, NULL, NULL, 0, "x");
	uint64_t head = room_head(&r);

	pid_t pid = fork_child();
	if (pid == 0) {
		room_lock(&r);
		struct room_rec *rec = (struct room_rec *)(r.ring +
			(room_head(&r) % r.history) * r.rec_size);
		atomic_store(&rec->seq, 0);
		memset(rec->line, 'G', 40);
		rec->len = 0xFFFFFFFFu;
		kill(getpid(), SIGKILL);
		_exit(1);
	}
	int status = wait_child(pid, mono_ms() + 10000);
	ck_assert(status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	ck_assert_uint_eq(room_head(&r), head);
	for (uint64_t s = room_oldest(&r, head); s < head; s++)
		read_record(&r, s, &info, buf, &sl);
	uint64_t seq = append_event(&r, EV_NOTICE, 0, 0, NULL, NULL, 0, "recovered");
	ck_assert_uint_eq(seq, head);
	for (uint64_t s = room_oldest(&r, room_head(&r)); s < room_head(&r); s++)
		read_record(&r, s, &info, buf, &sl);
	read_record(&r, seq, &info, buf, &sl);
	ck_assert(word_eq(sl.rest, sl.rest_len, "recovered"));
	room_close(&r);
}
END_TEST

/* Every record in the readable range is whole and numbered right, so the
 * sequence has no gaps. */
static void assert_log_consistent(struct room *r)
{
	struct room_rec_info info;
	struct server_line sl;
	char buf[LINE_CAP];
	uint64_t head = room_head(r);

	for (uint64_t s = room_oldest(r, head); s < head; s++) {
		read_record(r, s, &info, buf, &sl);
		ck_assert_int_eq(sl.kind, EV_MSG);
		ck_assert(word_eq(sl.word[0], sl.word_len[0], "child") ||
			  word_eq(sl.word[0], sl.word_len[0], "parent"));
		ck_assert(sl.rest_len > 2 && (sl.rest[0] == 'c' || sl.rest[0] == 'p'));
	}
}

/* A child appending in a tight loop is SIGKILLed at an arbitrary point
 * while the parent appends too; the parent carries on. */
START_TEST(test_kill_while_appending)
{
	struct room r;
	char text[64];
	uint64_t n = 0;

	/* The child counts its appends here, so we kill it mid-stream. */
	_Atomic uint64_t *child_count = mmap(NULL, sizeof(*child_count),
					     PROT_READ | PROT_WRITE,
					     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert(child_count != MAP_FAILED);

	open_room(&r, "room", 4, 256, 128);
	for (int round = 0; round < 12; round++) {
		atomic_store(child_count, 0);
		pid_t pid = fork_child();
		if (pid == 0) {
			int64_t deadline = mono_ms() + 60000;
			for (uint64_t i = 0; mono_ms() < deadline; i++) {
				snprintf(text, sizeof(text), "c %" PRIu64, i);
				post_msg(&r, 0, "child", text);
				atomic_fetch_add(child_count, 1);
			}
			child_exit(1, "was never killed");
		}
		int64_t deadline = mono_ms() + 30000;
		uint64_t last = 0;
		while (atomic_load(child_count) < 100 + 37 * (uint64_t)round) {
			ck_assert_msg(mono_ms() < deadline, "the child does not append");
			snprintf(text, sizeof(text), "p %" PRIu64, n++);
			uint64_t seq = post_msg(&r, 0, "parent", text);
			ck_assert_uint_gt(seq, last);
			last = seq;
		}
		ck_assert_int_eq(kill(pid, SIGKILL), 0);
		int status = wait_child(pid, mono_ms() + 10000);
		ck_assert(status != -1 && WIFSIGNALED(status));

		/* The lock works (recovered if the child held it). */
		uint64_t head = room_head(&r);
		snprintf(text, sizeof(text), "p %" PRIu64, n++);
		ck_assert_uint_eq(post_msg(&r, 0, "parent", text), head);
		assert_log_consistent(&r);
	}
	room_close(&r);
	munmap((void *)child_count, sizeof(*child_count));
}
END_TEST

/* ---- concurrency: writers and lock-free readers --------------------- */

enum { WRITERS = 4, PER_WRITER = 5000, TOTAL = WRITERS * PER_WRITER };
#define READER_SLOT(i) (WRITERS + (i))

/* Check record seq as read by a follower: whole, numbered right, and the
 * next message of its writer. Returns 0, or an error code and why. */
static int follow_one(struct room *r, uint64_t seq, int next_of[WRITERS],
		      char *why, size_t whylen)
{
	struct room_rec_info info;
	struct server_line sl;
	char buf[LINE_CAP];
	int w, k;

	if (!room_read(r, seq, &info, buf, LINE_CAP - 1)) {
		snprintf(why, whylen, "record %" PRIu64 " unreadable (head %" PRIu64 ")",
			 seq, room_head(r));
		return 2;
	}
	if (info.seq != seq || info.len == 0 || buf[info.len - 1] != '\n') {
		snprintf(why, whylen, "record %" PRIu64 ": bad framing", seq);
		return 3;
	}
	buf[info.len] = '\0';
	if (!proto_parse_server_line(buf, info.len - 1, &sl) || sl.type != SL_EVENT ||
	    sl.seq != seq || sl.kind != EV_MSG) {
		snprintf(why, whylen, "record %" PRIu64 ": bad line \"%s\"", seq, buf);
		return 4;
	}
	if (sscanf(sl.rest, "%d %d", &w, &k) != 2 || w < 0 || w >= WRITERS ||
	    info.origin != (uint32_t)w + 1) {
		snprintf(why, whylen, "record %" PRIu64 ": bad text \"%s\"", seq, buf);
		return 5;
	}
	if (k != next_of[w]) {
		snprintf(why, whylen, "record %" PRIu64 ": writer %d message %d, expected %d",
			 seq, w, k, next_of[w]);
		return 6;
	}
	next_of[w]++;
	return 0;
}

/* Reader 0 spins on the head; reader 1 sleeps as the fan-out writer does,
 * on the room's eventfd, and relies on wake_writer() (a lost wake-up leaves
 * it waiting while the head has moved on). */
static void reader_main(struct room *r, int id)
{
	struct room_slot *me = room_slot(r, READER_SLOT(id));
	int next_of[WRITERS] = { 0 };
	uint64_t cursor = 1;
	int64_t deadline = mono_ms() + 150000;
	uint64_t seen = 0;

	atomic_store(&me->pid, getpid());
	while (cursor <= TOTAL) {
		if (mono_ms() > deadline)
			child_exit(11, "deadline at seq %" PRIu64, cursor);
		if (id == 1)
			seen = wake_writer_awake(r);
		uint64_t head = room_head(r);
		if (head - cursor >= r->history)
			child_exit(12, "fell behind: cursor %" PRIu64 " head %" PRIu64,
				   cursor, head);
		if (cursor == head) {
			if (id == 0) {
				sched_yield();
				continue;
			}
			if (!wake_writer_may_sleep(r, seen))
				continue;
			/* The head moved during 10 s without a wake-up: only
			 * a poster stalled between publishing and write() for
			 * that long could excuse it. */
			struct pollfd pfd = { .fd = r->notify_fd, .events = POLLIN };
			int n = poll(&pfd, 1, 10000);
			if (n == 0 && room_head(r) > cursor)
				child_exit(13, "lost wake-up: head %" PRIu64 " cursor %" PRIu64,
					   room_head(r), cursor);
			uint64_t count;
			if (n == 1 && read(r->notify_fd, &count, sizeof(count)) < 0)
				child_exit(10, "read eventfd: %s", strerror(errno));
			continue;
		}
		for (; cursor < head; cursor++) {
			char why[LINE_CAP + 128];
			int rc = follow_one(r, cursor, next_of, why, sizeof(why));
			if (rc)
				child_exit(rc, "%s", why);
		}
	}
	for (int w = 0; w < WRITERS; w++)
		if (next_of[w] != PER_WRITER)
			child_exit(14, "writer %d: saw %d messages", w, next_of[w]);
	child_exit(0, "ok");
}

static void writer_main(struct room *r, int w)
{
	char name[16], text[32];

	snprintf(name, sizeof(name), "w%d", w);
	for (int k = 0; k < PER_WRITER; k++) {
		snprintf(text, sizeof(text), "%d %d", w, k);
		post_msg(r, (uint32_t)w + 1, name, text);
	}
	child_exit(0, "ok");
}

START_TEST(test_concurrent_writers_and_readers)
{
	struct room r;
	pid_t readers[2], writers[WRITERS];

	open_room(&r, "room", 8, 65536, 128);
	r.notify_fd = eventfd(0, EFD_CLOEXEC);
	ck_assert_int_ge(r.notify_fd, 0);
	for (int w = 0; w < WRITERS; w++)
		set_member(&r, (uint32_t)w, SLOT_CONNECTED, "", "w", 0);
	for (int i = 0; i < 2; i++)
		set_member(&r, READER_SLOT(i), SLOT_JOINED, i ? "waker" : "spinner", "r", 0);

	for (int i = 0; i < 2; i++) {
		readers[i] = fork_child();
		if (readers[i] == 0)
			reader_main(&r, i);
	}
	for (int w = 0; w < WRITERS; w++) {
		writers[w] = fork_child();
		if (writers[w] == 0)
			writer_main(&r, w);
	}
	int64_t deadline = mono_ms() + 170000;
	for (int w = 0; w < WRITERS; w++)
		assert_child_ok(writers[w], deadline, "writer");
	ck_assert_uint_eq(room_head(&r), TOTAL + 1);
	assert_child_ok(readers[0], deadline, "spinning reader");
	assert_child_ok(readers[1], deadline, "reader woken as the writer is");

	/* And the parent sees the whole log too. */
	int next_of[WRITERS] = { 0 };
	char why[LINE_CAP + 128] = "";
	for (uint64_t s = 1; s <= TOTAL; s++)
		ck_assert_msg(follow_one(&r, s, next_of, why, sizeof(why)) == 0, "%s", why);
	room_close(&r);
}
END_TEST

/* ---- wake-ups ------------------------------------------------------- */

/* The child's side of the wake test: commands on `cmd`, answers on `ans`.
 *   'W' wait (bounded) for one WAKE_SIGNAL from the parent -> 'S' or 'T'
 *   'N' is a signal pending right now?                     -> 'S' or 'N'
 *   'A' wake_ack()                                         -> 'A'
 *   'Q' exit 0 */
static void wake_child(struct room_slot *slot, int cmd, int ans)
{
	sigset_t set;
	pid_t parent = getppid();

	sigemptyset(&set);
	sigaddset(&set, WAKE_SIGNAL);
	sigprocmask(SIG_BLOCK, &set, NULL);
	int sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0 || write(ans, "R", 1) != 1)
		child_exit(10, "set-up failed");
	for (;;) {
		struct pollfd pc = { .fd = cmd, .events = POLLIN };
		char c, reply;
		if (poll(&pc, 1, 20000) != 1 || read(cmd, &c, 1) != 1)
			child_exit(11, "no command from the parent");
		struct pollfd ps = { .fd = sfd, .events = POLLIN };
		struct signalfd_siginfo si;
		switch (c) {
		case 'W':
		case 'N':
			reply = 'N';
			if (poll(&ps, 1, c == 'W' ? 10000 : 0) == 1) {
				if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si) ||
				    si.ssi_signo != WAKE_SIGNAL || (pid_t)si.ssi_pid != parent)
					child_exit(12, "unexpected signal");
				reply = 'S';
			} else if (c == 'W') {
				reply = 'T';
			}
			break;
		case 'A':
			wake_ack(slot);
			reply = 'A';
			break;
		default:
			child_exit(0, "ok");
		}
		if (write(ans, &reply, 1) != 1)
			child_exit(13, "write");
	}
}

static char ask(int cmd, int ans, char c)
{
	char reply = '?';

	ck_assert_int_eq(write(cmd, &c, 1), 1);
	struct pollfd p = { .fd = ans, .events = POLLIN };
	ck_assert_msg(poll(&p, 1, 30000) == 1, "child does not answer '%c'", c);
	ck_assert_int_eq(read(ans, &reply, 1), 1);
	return reply;
}

/* Wake the members the way writers do: with the room lock held. */
/* What an administrator's kick does to a handler: wake its slot. */
static void wake_one(struct room *r, struct room_slot *s)
{
	room_lock(r);
	wake_slot(s);
	room_unlock(r);
}

START_TEST(test_wake)
{
	struct room r;
	int to_child[2], from_child[2];

	open_room(&r, "room", 4, 16, 64);
	ck_assert_int_eq(pipe(to_child), 0);
	ck_assert_int_eq(pipe(from_child), 0);
	struct room_slot *s = room_slot(&r, 1);

	pid_t pid = fork_child();
	if (pid == 0) {
		close(to_child[1]);
		close(from_child[0]);
		wake_child(s, to_child[0], from_child[1]);
	}
	close(to_child[0]);
	close(from_child[1]);
	int cmd = to_child[1], ans = from_child[0];
	char ready = 0;
	struct pollfd p = { .fd = ans, .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 30000), 1);
	ck_assert_int_eq(read(ans, &ready, 1), 1);
	ck_assert_int_eq(ready, 'R');

	set_member(&r, 0, SLOT_JOINED, "alice", "alice", 0);
	set_member(&r, 1, SLOT_JOINED, "bob", "bob", pid);

	/* The room's events wake the writer, never a handler. */
	post_msg(&r, 0, "server", "to all");
	post_msg(&r, 1, "alice", "to bob");
	ck_assert_uint_eq(atomic_load(&s->wake), 0);
	ck_assert_int_eq(ask(cmd, ans, 'N'), 'N');

	/* One wake-up: a signal, and the flag says one is pending. */
	wake_one(&r, s);
	ck_assert_uint_eq(atomic_load(&s->wake), 1);
	ck_assert_int_eq(ask(cmd, ans, 'W'), 'S');
	ck_assert_int_eq(ask(cmd, ans, 'N'), 'N');

	/* Coalesced: a second wake before the ack sends nothing. */
	wake_one(&r, s);
	ck_assert_uint_eq(atomic_load(&s->wake), 1);
	ck_assert_int_eq(ask(cmd, ans, 'N'), 'N');

	/* After the ack the next wake signals again. */
	ck_assert_int_eq(ask(cmd, ans, 'A'), 'A');
	ck_assert_uint_eq(atomic_load(&s->wake), 0);
	wake_one(&r, s);
	ck_assert_uint_eq(atomic_load(&s->wake), 1);
	ck_assert_int_eq(ask(cmd, ans, 'W'), 'S');
	ck_assert_int_eq(ask(cmd, ans, 'A'), 'A');

	/* A lock holder that died after setting the flag but before
	 * signalling: the next locker wakes every handler regardless. */
	pid_t dier = fork_child();
	if (dier == 0) {
		room_lock(&r);
		atomic_store(&s->wake, 1);
		_exit(0);
	}
	assert_child_ok(dier, mono_ms() + 10000, "dying lock holder");
	ck_assert_uint_eq(atomic_load(&s->wake), 1);
	ck_assert_int_eq(ask(cmd, ans, 'N'), 'N');
	room_lock(&r);
	room_unlock(&r);
	ck_assert_int_eq(ask(cmd, ans, 'W'), 'S');
	ck_assert_int_eq(ask(cmd, ans, 'A'), 'A');

	/* A freed slot (pid cleared under the lock, as the daemon does before
	 * it reaps) is sent nothing, even with its flag clear. */
	room_lock(&r);
	atomic_store(&s->pid, 0);
	room_unlock(&r);
	wake_one(&r, s);
	ck_assert_uint_eq(atomic_load(&s->wake), 0);
	ck_assert_int_eq(ask(cmd, ans, 'N'), 'N');

	ck_assert_int_eq(write(cmd, "Q", 1), 1);
	assert_child_ok(pid, mono_ms() + 10000, "wake child");
	close(cmd);
	close(ans);
	room_close(&r);
}
END_TEST

/* The writer's eventfd is written once per sleep, and never when the
 * writer is awake; a post that lands between its pass and its sleep keeps
 * it awake. */
START_TEST(test_wake_writer)
{
	struct room r;
	uint64_t count;

	open_room(&r, "room", 4, 16, 64);
	r.notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ck_assert_int_ge(r.notify_fd, 0);

	/* Awake: posts only count. */
	uint64_t seen = wake_writer_awake(&r);
	post_msg(&r, 0, "server", "one");
	ck_assert_int_lt(read(r.notify_fd, &count, sizeof(count)), 0);
	ck_assert_int_eq(errno, EAGAIN);
	/* Something came during the pass: no sleep. */
	ck_assert(!wake_writer_may_sleep(&r, seen));
	ck_assert_uint_eq(atomic_load(&r.hdr->writer_sleeping), 0);

	/* Nothing came: sleep, and the next posts write the eventfd once. */
	seen = wake_writer_awake(&r);
	ck_assert(wake_writer_may_sleep(&r, seen));
	post_msg(&r, 0, "server", "two");
	post_msg(&r, 0, "server", "three");
	ck_assert_int_eq(read(r.notify_fd, &count, sizeof(count)), (ssize_t)sizeof(count));
	ck_assert_uint_eq(count, 1);
	ck_assert_uint_eq(atomic_load(&r.hdr->posted), seen + 2);
	room_close(&r);
}
END_TEST

/* ---- the name index ------------------------------------------------- */

/* The slot of a joined member whose key is name's, by a scan of the whole
 * table: what the index must answer. */
static int brute_find(struct room *r, const char *name)
{
	char key[NAME_MAX_LEN + 1];

	name_key(name, key);
	for (uint32_t i = 0; i < r->max_users; i++) {
		struct room_slot *s = room_slot(r, i);
		if (atomic_load(&s->state) == SLOT_JOINED && strcmp(s->key, key) == 0)
			return (int)i;
	}
	return -1;
}

/* Is got a right answer of room_find_confusable_locked(r, sk, uid)? */
static bool confusable_right(struct room *r, const char *sk, uid_t uid, int got)
{
	if (got >= 0) {
		struct room_slot *s = room_slot(r, (uint32_t)got);
		return (uint32_t)got < r->max_users && atomic_load(&s->state) == SLOT_JOINED &&
		       s->uid != uid && strcmp(s->skeleton, sk) == 0;
	}
	for (uint32_t i = 0; i < r->max_users; i++) {
		struct room_slot *s = room_slot(r, i);
		if (atomic_load(&s->state) == SLOT_JOINED && s->uid != uid &&
		    strcmp(s->skeleton, sk) == 0)
			return false;
	}
	return true;
}

/* One map of the index against the table: every filed slot is joined, is
 * filed once, under the hash of its key (or skeleton), and can be reached
 * from its home cell (no empty cell between). seen[i] counts slot i. */
static void check_map(struct room *r, const struct hashidx *h, bool skeleton, uint32_t *seen)
{
	memset(seen, 0, r->max_users * sizeof(*seen));
	for (uint32_t pos = 0; pos <= h->mask; pos++) {
		const struct hashidx_cell *c = &h->cell[pos];
		if (c->idx1 == 0)
			continue;
		uint32_t i = c->idx1 - 1;
		fast_assert(i < r->max_users, "cell %u: slot %u out of range", pos, i);
		struct room_slot *s = room_slot(r, i);
		const char *field = skeleton ? s->skeleton : s->key;
		fast_assert(atomic_load(&s->state) == SLOT_JOINED, "cell %u: slot %u (%s) is filed "
			    "but in state %u", pos, i, field, atomic_load(&s->state));
		fast_assert(seen[i]++ == 0, "slot %u (%s) filed twice", i, field);
		fast_assert(c->hash == hashidx_hash_bytes(field, strlen(field)),
			    "cell %u: slot %u filed under another hash than its %s %s", pos, i,
			    skeleton ? "skeleton" : "key", field);
		for (uint32_t j = c->hash & h->mask; j != pos; j = (j + 1) & h->mask)
			fast_assert(h->cell[j].idx1 != 0, "cell %u (slot %u, home %u) is cut off "
				    "from its home by the empty cell %u", pos, i, c->hash & h->mask, j);
	}
}

/* The whole index against the table: exactly the joined slots are filed,
 * in both maps, and each is found by its name and (by a uid no member
 * has) by its skeleton. Lock held. */
static void check_index(struct room *r)
{
	uint32_t *by_key = calloc(r->max_users, sizeof(*by_key));
	uint32_t *by_skeleton = calloc(r->max_users, sizeof(*by_skeleton));

	ck_assert(by_key && by_skeleton);
	check_map(r, &r->names.by_key, false, by_key);
	check_map(r, &r->names.by_skeleton, true, by_skeleton);
	for (uint32_t i = 0; i < r->max_users; i++) {
		struct room_slot *s = room_slot(r, i);
		if (atomic_load(&s->state) != SLOT_JOINED)
			continue;
		fast_assert(by_key[i] == 1 && by_skeleton[i] == 1, "joined slot %u (%s) is not "
			    "filed (by key %u, by skeleton %u)", i, s->name, by_key[i], by_skeleton[i]);
		fast_assert(room_find_locked(r, s->name) == (int)i, "%s not found", s->name);
		int c = room_find_confusable_locked(r, s->skeleton, (uid_t)-2);
		fast_assert(c >= 0 && confusable_right(r, s->skeleton, (uid_t)-2, c),
			    "skeleton %s of slot %u: got %d", s->skeleton, i, c);
	}
	free(by_key);
	free(by_skeleton);
}

/* Found by name in any case, by skeleton for other uids only; forgotten
 * at a leave, a release, a rename and a kick; the same in another
 * process. */
START_TEST(test_index_names)
{
	struct room r;
	char sk[NAME_MAX_LEN + 1];

	open_room(&r, "room", 16, 16, 64);
	join_member(&r, 0, 1000, "Alice");
	join_member(&r, 1, 1000, "al1ce");      /* the same uid's look-alike */
	join_member(&r, 2, 1001, "bob");
	join_member(&r, 3, 1002, "Mallory");
	room_lock(&r);
	check_index(&r);
	static const struct found found[] = {
		{ "ALICE", 0 }, { "aLiCe", 0 }, { "AL1CE", 1 }, { "Bob", 2 }, { "mallory", 3 },
		{ "a1ice", -1 }, { "alice_", -1 }, { "alic", -1 }, { "", -1 },
	};
	assert_found(&r, found, LEN(found));

	/* "a1ice" looks like both of uid 1000's names: not to uid 1000. */
	name_skeleton("a1ice", sk);
	ck_assert_int_eq(room_find_confusable_locked(&r, sk, 1000), -1);
	int c = room_find_confusable_locked(&r, sk, 1001);
	ck_assert_msg(c == 0 || c == 1, "got %d", c);
	name_skeleton("b0b", sk);
	ck_assert_int_eq(room_find_confusable_locked(&r, sk, 1001), -1);
	ck_assert_int_eq(room_find_confusable_locked(&r, sk, 1000), 2);
	name_skeleton("rnallory", sk);
	ck_assert_int_eq(room_find_confusable_locked(&r, sk, 1000), 3);
	ck_assert_int_eq(room_find_confusable_locked(&r, sk, 1002), -1);
	name_skeleton("mallory2", sk);
	ck_assert_int_eq(room_find_confusable_locked(&r, sk, 1000), -1);

	/* A leave forgets the name; the look-alike of the other session is
	 * still found. */
	room_slot_leave_locked(&r, 0, room_head(&r));
	ck_assert_int_eq(room_find_locked(&r, "alice"), -1);
	name_skeleton("a1ice", sk);
	ck_assert_int_eq(room_find_confusable_locked(&r, sk, 1001), 1);
	/* So does the release of a member's slot (its handler died). */
	ck_assert_int_eq(room_slot_release(&r, 1), SLOT_JOINED);
	ck_assert_int_eq(room_find_locked(&r, "al1ce"), -1);
	ck_assert_int_eq(room_find_confusable_locked(&r, sk, 1001), -1);
	/* The release of the slot that left changes nothing. */
	ck_assert_int_eq(room_slot_release(&r, 0), SLOT_LEFT);
	check_index(&r);

	/* A rename forgets the old name and its look-alikes. */
	name_skeleton("Robert", sk);
	room_slot_rename_locked(&r, 2, "Robert", sk);
	ck_assert_int_eq(room_find_locked(&r, "bob"), -1);
	ck_assert_int_eq(room_find_locked(&r, "ROBERT"), 2);
	name_skeleton("b0b", sk);
	ck_assert_int_eq(room_find_confusable_locked(&r, sk, 1000), -1);
	name_skeleton("r0bert", sk);
	ck_assert_int_eq(room_find_confusable_locked(&r, sk, 1000), 2);
	/* Renamed to its own name in another case: found, filed once. */
	name_skeleton("ROBERT", sk);
	room_slot_rename_locked(&r, 2, "ROBERT", sk);
	ck_assert_int_eq(room_find_locked(&r, "robert"), 2);
	check_index(&r);

	/* A kick makes the member leave: forgotten too. */
	room_kick_locked(&r, 3, KICK_KICKED, "bye", "bye");
	ck_assert_int_eq(room_find_locked(&r, "mallory"), -1);
	name_skeleton("mallory", sk);
	ck_assert_int_eq(room_find_confusable_locked(&r, sk, 1000), -1);
	room_unlock(&r);

	/* A name given up may be taken by another slot. */
	join_member(&r, 4, 1003, "alice");
	room_lock(&r);
	ck_assert_int_eq(room_find_locked(&r, "Alice"), 4);
	check_index(&r);
	room_unlock(&r);

	/* The index is in the shared mapping: another process finds what we
	 * filed, and we find what it files. */
	room_slot_claim(&r, 5, 1004);
	pid_t pid = fork_child();
	if (pid == 0) {
		char csk[NAME_MAX_LEN + 1];
		room_lock(&r);
		int a = room_find_locked(&r, "ALICE");
		name_skeleton("carol", csk);
		room_slot_join_locked(&r, 5, "carol", csk);
		room_unlock(&r);
		child_exit(a != 4, "the child finds alice at %d, not 4", a);
	}
	assert_child_ok(pid, mono_ms() + 10000, "child");
	room_lock(&r);
	ck_assert_int_eq(room_find_locked(&r, "Carol"), 5);
	check_index(&r);
	room_unlock(&r);
	room_close(&r);
}
END_TEST

/* A name of look-alike pieces, so that keys and skeletons collide often. */
static void random_name(char *out)
{
	static const char *const parts[] = {
		"a", "A", "l", "1", "I", "i", "o", "0", "O", "rn", "m", "vv", "w", "s", "5", "b",
	};
	size_t n = 1 + rng() % 4;

	out[0] = '\0';
	for (size_t k = 0; k < n; k++)
		strcat(out, parts[rng() % LEN(parts)]);
}

/* 100,000 random claims, joins, renames, leaves and releases, as the
 * daemon and handlers do them, in a small table (so that cells collide
 * and runs grow and shrink): after each, random lookups agree with a scan
 * of the table; now and then, and at the end, the whole index is checked
 * against the table. */
START_TEST(test_index_random)
{
	const uint32_t users = 48;
	struct room r;
	char name[NAME_MAX_LEN + 1], sk[NAME_MAX_LEN + 1];
	unsigned joins = 0, most = 0;

	open_room(&r, "room", users, 16, 64);
	rng_state = 0x1dec0de5;
	for (int op = 0; op < 100000; op++) {
		/* Phases that fill the table and phases that empty it. */
		bool filling = (op / 5000) % 2 == 0;
		uint32_t i = rng() % users;
		struct room_slot *s = room_slot(&r, i);
		uint32_t st = atomic_load(&s->state);
		unsigned dice = rng() % 8;

		if (st == SLOT_FREE) {
			if (filling || dice < 3)
				room_slot_claim(&r, i, 1000 + rng() % 4);
			continue;
		}
		room_lock(&r);
		random_name(name);
		name_skeleton(name, sk);
		int holder = brute_find(&r, name);
		/* Going away: rarely while filling, often while emptying. */
		bool go = rng() % 16 < (filling ? 1u : 8u);
		if (st == SLOT_CONNECTED && go && dice < 2) {
			room_slot_release(&r, i);           /* died before joining */
		} else if (st == SLOT_CONNECTED && holder < 0) {
			room_slot_join_locked(&r, i, name, sk);
			joins++;
		} else if (st == SLOT_JOINED && go && dice < 4) {
			room_slot_leave_locked(&r, i, room_head(&r));
		} else if (st == SLOT_JOINED && go) {
			room_slot_release(&r, i);           /* died while a member */
		} else if (st == SLOT_JOINED && (holder < 0 || holder == (int)i)) {
			room_slot_rename_locked(&r, i, name, sk);
		} else if (st == SLOT_LEFT) {
			room_slot_release(&r, i);
		}

		/* Lookups of a random name, and of what slot i is now. */
		random_name(name);
		name_skeleton(name, sk);
		int got = room_find_locked(&r, name);
		fast_assert(got == brute_find(&r, name), "op %d: %s: index %d, scan %d", op, name,
			    got, brute_find(&r, name));
		uid_t uid = 1000 + rng() % 5;
		got = room_find_confusable_locked(&r, sk, uid);
		fast_assert(confusable_right(&r, sk, uid, got), "op %d: skeleton %s, uid %u: %d",
			    op, sk, (unsigned)uid, got);
		if (atomic_load(&s->state) == SLOT_JOINED) {
			fast_assert(room_find_locked(&r, s->name) == (int)i, "op %d: %s", op, s->name);
			got = room_find_confusable_locked(&r, s->skeleton, uid);
			fast_assert(confusable_right(&r, s->skeleton, uid, got), "op %d", op);
		} else if (s->name[0]) {
			got = room_find_locked(&r, s->name);
			fast_assert(got != (int)i, "op %d: slot %u (%s) in state %u is found", op, i,
				    s->name, atomic_load(&s->state));
		}
		unsigned members = 0;
		for (uint32_t k = 0; k < users; k++)
			members += atomic_load(&room_slot(&r, k)->state) == SLOT_JOINED;
		if (members > most)
			most = members;
		if (op % 1000 == 0)
			check_index(&r);
		room_unlock(&r);
	}
	room_lock(&r);
	check_index(&r);
	room_unlock(&r);
	/* The run did what it is meant to: many joins, a table nearly full. */
	ck_assert_msg(joins > 5000, "only %u joins", joins);
	ck_assert_msg(most >= users - 4, "at most %u members at once", most);
	room_close(&r);
}
END_TEST

/* Tables full to max_users: every member is found; then they go, in a
 * random order, and the index empties with them. Sizes that are not a
 * power of two, and the smallest. */
START_TEST(test_index_full)
{
	static const uint32_t sizes[] = { 1, 2, 3, 1000 };
	char name[NAME_MAX_LEN + 1], sk[NAME_MAX_LEN + 1];

	rng_state = 0xf011;
	for (size_t z = 0; z < LEN(sizes); z++) {
		const uint32_t users = sizes[z];
		struct room r;
		char file[32];

		snprintf(file, sizeof(file), "room%u", users);
		open_room(&r, file, users, 16, 64);
		for (uint32_t i = 0; i < users; i++) {
			snprintf(name, sizeof(name), "U%u", i);
			join_member(&r, i, 1000 + i % 8, name);
		}
		room_lock(&r);
		check_index(&r);
		for (uint32_t i = 0; i < users; i++) {
			/* "u%u" are different skeletons: the digits 0, 1 and 5
			 * become letters, the others stay digits. */
			snprintf(name, sizeof(name), "u%u", i);
			name_skeleton(name, sk);
			fast_assert(room_find_locked(&r, name) == (int)i, "%s", name);
			fast_assert(room_find_confusable_locked(&r, sk, 1000 + (i + 1) % 8) == (int)i,
				    "%s", name);
			fast_assert(users < 8 || room_find_confusable_locked(&r, sk, 1000 + i % 8) == -1,
				    "%s", name);
		}
		ck_assert_int_eq(room_find_locked(&r, "nobody"), -1);
		/* Everyone leaves or dies, in a random order. */
		uint32_t *order = malloc(users * sizeof(*order));
		ck_assert_ptr_nonnull(order);
		for (uint32_t i = 0; i < users; i++)
			order[i] = i;
		for (uint32_t i = users; i > 1; i--) {
			uint32_t j = rng() % i, t = order[i - 1];
			order[i - 1] = order[j];
			order[j] = t;
		}
		for (uint32_t k = 0; k < users; k++) {
			uint32_t i = order[k];
			if (k % 2)
				room_slot_leave_locked(&r, i, room_head(&r));
			room_slot_release(&r, i);
			snprintf(name, sizeof(name), "u%u", i);
			fast_assert(room_find_locked(&r, name) == -1, "%s", name);
			if (k % 97 == 0 || k + 1 == users)
				check_index(&r);
		}
		free(order);
		for (uint32_t pos = 0; pos <= r.names.by_key.mask; pos++)
			fast_assert(r.names.by_key.cell[pos].idx1 == 0 &&
				    r.names.by_skeleton.cell[pos].idx1 == 0, "cell %u", pos);
		room_unlock(&r);
		room_close(&r);
	}
}
END_TEST

/* The index matches the table after a restart (the table is cleared) and
 * after a lock holder died in the middle of changing it (made anew). */
START_TEST(test_index_rebuilt)
{
	struct room r;

	open_room(&r, "room", 8, 16, 64);
	join_member(&r, 0, 1000, "alice");
	join_member(&r, 1, 1001, "bob");
	room_close(&r);

	/* A restart: the members the dead daemon left are gone, from the
	 * index too. */
	open_room(&r, "room", 8, 16, 64);
	room_lock(&r);
	ck_assert_int_eq(room_find_locked(&r, "alice"), -1);
	check_index(&r);
	room_unlock(&r);
	join_member(&r, 1, 1000, "alice");
	join_member(&r, 2, 1001, "bob");
	room_slot_claim(&r, 3, 1002);

	/* A handler joins and dies holding the lock, with the index torn
	 * (here: emptied); the next locker makes it anew. */
	pid_t pid = fork_child();
	if (pid == 0) {
		char sk[NAME_MAX_LEN + 1];
		name_skeleton("carol", sk);
		room_lock(&r);
		room_slot_join_locked(&r, 3, "carol", sk);
		hashidx_clear(&r.names.by_key);
		hashidx_clear(&r.names.by_skeleton);
		_exit(0);
	}
	assert_child_ok(pid, mono_ms() + 10000, "dying lock holder");
	room_lock(&r);
	ck_assert_int_eq(room_find_locked(&r, "alice"), 1);
	ck_assert_int_eq(room_find_locked(&r, "bob"), 2);
	ck_assert_int_eq(room_find_locked(&r, "carol"), 3);
	check_index(&r);
	room_unlock(&r);
	room_close(&r);
}
END_TEST

/* ---- the user table --------------------------------------------------- */

/* Two slots of one uid share one bucket; a slot claimed again after both
 * were released finds the bucket as it was left (a reconnect resets
 * nothing); it fills at the rate, up to the burst. */
START_TEST(test_users_shared_bucket)
{
	struct room r;
	int64_t t = 1000000;

	open_room(&r, "room", 4, 16, 256);
	room_slot_claim(&r, 0, 1000);
	room_slot_claim(&r, 1, 1000);
	room_slot_claim(&r, 2, 1001);
	ck_assert_uint_eq(r.slots[0].user1, r.slots[1].user1);
	ck_assert_uint_ne(r.slots[0].user1, r.slots[2].user1);
	uint32_t u = r.slots[0].user1 - 1, v = r.slots[2].user1 - 1;
	/* burst 3, 1 a second: three, from either slot, then none. */
	ck_assert(usertab_spend_locked(&r, u, 1, 3, t));
	ck_assert(usertab_spend_locked(&r, u, 1, 3, t));
	ck_assert(usertab_spend_locked(&r, u, 1, 3, t));
	ck_assert(!usertab_spend_locked(&r, u, 1, 3, t + 999));
	ck_assert(usertab_spend_locked(&r, v, 1, 3, t));   /* another uid's own */
	/* Both connections go, one comes back: still empty. */
	room_slot_release(&r, 0);
	room_slot_release(&r, 1);
	room_slot_claim(&r, 3, 1000);
	ck_assert_uint_eq(r.slots[3].user1 - 1, u);
	ck_assert(!usertab_spend_locked(&r, u, 1, 3, t + 999));
	ck_assert(usertab_spend_locked(&r, u, 1, 3, t + 1000));
	ck_assert(!usertab_spend_locked(&r, u, 1, 3, t + 1500));
	/* Long after, full again, but never more than the burst. */
	for (int i = 0; i < 3; i++)
		ck_assert(usertab_spend_locked(&r, u, 1, 3, t + 100000));
	ck_assert(!usertab_spend_locked(&r, u, 1, 3, t + 100000));
	room_close(&r);
}
END_TEST

/* Many uids come and go: the table never runs out; a uid that left keeps
 * its entry (and its bucket) until more than max_users others came after
 * it, and then the least recently unpinned entry is the one reused. */
START_TEST(test_users_reuse)
{
	struct room r;
	const uint32_t users = 4;

	open_room(&r, "room", users, 16, 256);
	ck_assert_uint_eq(r.users_n, 2 * users);
	/* Slots 0..3 pinned by uids 0..3 for good. */
	for (uint32_t i = 0; i < users; i++)
		room_slot_claim(&r, i, i);
	/* uid 100 comes, spends, goes. */
	room_slot_release(&r, 0);
	room_slot_claim(&r, 0, 100);
	uint32_t u = r.slots[0].user1 - 1;
	ck_assert(usertab_spend_locked(&r, u, 1, 1, 5000));
	room_slot_release(&r, 0);
	/* users - 1 other uids come and go: uid 100's entry is kept. */
	for (uint32_t k = 0; k < users - 1; k++) {
		room_slot_claim(&r, 0, 200 + k);
		ck_assert_uint_ne(r.slots[0].user1 - 1, u);
		room_slot_release(&r, 0);
	}
	room_slot_claim(&r, 0, 100);
	ck_assert_uint_eq(r.slots[0].user1 - 1, u);
	ck_assert(!usertab_spend_locked(&r, u, 1, 1, 5100));
	room_slot_release(&r, 0);
	/* Thousands more: never out of entries, never a pinned one taken. */
	for (uint32_t k = 0; k < 5000; k++) {
		room_slot_claim(&r, 0, 1000 + k);
		uint32_t e = r.slots[0].user1 - 1;
		ck_assert_uint_lt(e, r.users_n);
		for (uint32_t i = 1; i < users; i++)
			ck_assert_uint_ne(e, r.slots[i].user1 - 1);
		room_slot_release(&r, 0);
	}
	for (uint32_t i = 1; i < users; i++)
		ck_assert_uint_eq(r.users[r.slots[i].user1 - 1].uid, i);
	room_close(&r);
}
END_TEST

/* ---- the writer's record cache (daemon/reccache.c) ------------------ */

/* Is record seq still the cached copy made before the scrub? Its text is
 * there and it is not marked scrubbed; a fresh read would say scrubbed. */
static bool cached_copy(struct reccache *c, struct room *r, uint64_t seq)
{
	struct reccache_entry *e = reccache_get(c, r, seq);

	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->seq, seq);
	return !e->info.scrubbed && memmem(e->line, e->info.len, "secret", 6) != NULL;
}

/* A pass keeps four records that fall in one set, then gives up the least
 * recently used; the next pass reads every record anew. Scrubbing the
 * private messages after they were cached tells a copy from a read. */
START_TEST(test_reccache_ways)
{
	static struct reccache c;   /* large: not on the stack */
	struct room r;
	int64_t oldest;

	open_room(&r, "room", 8, 5 * RECCACHE_SETS + 64, 256);
	/* Private messages at 1 + k * RECCACHE_SETS (one set), k = 0..4. */
	for (uint64_t seq = 1; seq <= 1 + 4 * RECCACHE_SETS; seq++) {
		bool priv = (seq - 1) % RECCACHE_SETS == 0;
		ck_assert_uint_eq(append_event(&r, priv ? EV_PRIV : EV_MSG, 2, priv ? 3 : 0,
					       "alice", NULL, 0, priv ? "a secret" : "filler"),
				  seq);
	}
	const uint64_t s[5] = { 1, 1 + RECCACHE_SETS, 1 + 2 * RECCACHE_SETS,
				1 + 3 * RECCACHE_SETS, 1 + 4 * RECCACHE_SETS };
	reccache_next_pass(&c);
	for (int k = 0; k < 4; k++)
		ck_assert(cached_copy(&c, &r, s[k]));
	room_lock(&r);
	ck_assert_uint_eq(room_scrub_private_locked(&r, now_ms() + 1000, &oldest), 5);
	room_unlock(&r);
	/* All four are kept; then s[0] is asked for again: s[1] is the least
	 * recently used. */
	for (int k = 0; k < 4; k++)
		ck_assert_msg(cached_copy(&c, &r, s[k]), "record %d was not kept", k);
	ck_assert(cached_copy(&c, &r, s[0]));
	/* A fifth of the set is read (scrubbed), and takes s[1]'s place. */
	ck_assert(!cached_copy(&c, &r, s[4]));
	ck_assert(cached_copy(&c, &r, s[0]));
	ck_assert(cached_copy(&c, &r, s[2]));
	ck_assert(cached_copy(&c, &r, s[3]));
	ck_assert(!cached_copy(&c, &r, s[1]));
	/* Records of another set are not in the way. */
	ck_assert(!cached_copy(&c, &r, 2) && !cached_copy(&c, &r, 3));
	ck_assert(cached_copy(&c, &r, s[0]));
	/* A new pass holds nothing of the last one. */
	reccache_next_pass(&c);
	for (int k = 0; k < 5; k++)
		ck_assert(!cached_copy(&c, &r, s[k]));
	for (size_t k = 0; k < RECCACHE_SIZE; k++)
		free(c.e[k].line);
	free(c.scratch);
	room_close(&r);
}
END_TEST

/* ---- the suite ------------------------------------------------------ */

/* A test case of the suite, with a fresh room directory around it (and
 * Check's timeout, in seconds, when timeout is not 0). */
static TCase *room_tcase(Suite *s, const char *name, int timeout)
{
	TCase *tc = tcase_create(name);

	tcase_add_unchecked_fixture(tc, dir_setup, dir_teardown);
	tcase_add_checked_fixture(tc, dir_clean, NULL);
	if (timeout)
		tcase_set_timeout(tc, timeout);
	suite_add_tcase(s, tc);
	return tc;
}

static Suite *room_suite(void)
{
	Suite *s = suite_create("room");
	TCase *tc;

	tc = room_tcase(s, "log", 0);
	tcase_add_test(tc, test_open_creates_file);
	tcase_add_test(tc, test_open_errors);
	tcase_add_test(tc, test_open_foreign_file);
	tcase_add_test(tc, test_append_and_read);
	tcase_add_test(tc, test_append_too_long);
	tcase_add_test(tc, test_oldest);
	tcase_add_test(tc, test_ring_wrap);

	tc = room_tcase(s, "persistence", 0);
	tcase_add_test(tc, test_reopen_same_geometry);
	tcase_add_test(tc, test_reopen_announces_lost_members);
	tcase_add_test(tc, test_reopen_keeps_generations_unique);
	tcase_add_test(tc, test_reopen_other_geometry);

	tc = room_tcase(s, "users", 0);
	tcase_add_test(tc, test_users_shared_bucket);
	tcase_add_test(tc, test_users_reuse);

	tc = room_tcase(s, "members", 0);
	tcase_add_test(tc, test_find_locked);
	tcase_add_test(tc, test_format_who);
	tcase_add_test(tc, test_line_v2);
	tcase_add_test(tc, test_rename_locked);

	tc = room_tcase(s, "reccache", 0);
	tcase_add_test(tc, test_reccache_ways);

	tc = room_tcase(s, "robust", 120);
	tcase_add_test(tc, test_lock_holder_exits);
	tcase_add_test(tc, test_lock_holder_dies_mid_record);
	tcase_add_test(tc, test_kill_while_appending);

	tc = room_tcase(s, "concurrency", 200);
	tcase_add_test(tc, test_concurrent_writers_and_readers);

	tc = room_tcase(s, "wake", 120);
	tcase_add_test(tc, test_wake);
	tcase_add_test(tc, test_wake_writer);

	tc = room_tcase(s, "index", 120);
	tcase_add_test(tc, test_index_names);
	tcase_add_test(tc, test_index_random);
	tcase_add_test(tc, test_index_full);
	tcase_add_test(tc, test_index_rebuilt);
	return s;
}

int main(void)
{
	Suite *s = room_suite();

	log_open("check_room", true);
	return check_run(s);
}
