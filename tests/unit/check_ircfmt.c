/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* check_ircfmt.c - a room record as an IRC member sees it
 * (daemon/ircfmt.c): the line, and its server-time tag added to the
 * line the fan-out writer's cache kept. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "irc.h"
#include "ircfmt.h"

/* A message of alice's in #cs101, record seq. */
static struct room_rec_info msg_info(uint64_t seq)
{
	struct room_rec_info info = {
		.seq = seq, .kind = EV_MSG, .room = 1, .room_gen = 1,
		.text_off = 0, .text_len = 5, .ms = 1700000000000,
		.origin = 1, .origin_gen = 1,
	};
	strcpy(info.room_name, "cs101");
	strcpy(info.name, "alice");
	strcpy(info.login, "alogin");
	return info;
}

static const struct ircfmt_to bob = { .nick = "bob" };

/* Format record seq for bob; returns the line made, NUL-terminated. */
static const char *format(struct ircfmt_cache *c, struct buffer *out, uint64_t seq)
{
	struct room_rec_info info = msg_info(seq);

	out->off = out->len = 0;
	ck_assert_int_eq(ircfmt_event(c, out, &info, "hello", &bob), 0);
	ck_assert_int_eq(buffer_reserve(out, 1), 0);
	out->data[out->len] = '\0';
	return out->data;
}

static void cache_free(struct ircfmt_cache *c)
{
	for (size_t k = 0; k < IRCFMT_CACHE; k++)
		free(c->e[k].body);
	free(c->scratch.data);
}

START_TEST(test_line)
{
	static struct ircfmt_cache c;   /* large: not on the stack */
	struct buffer out = { 0 };
	static const char want[] = ":alice!alogin@" IRC_HOST " PRIVMSG #cs101 :hello\r\n";
	struct room_rec_info info = msg_info(7);

	ck_assert_str_eq(format(&c, &out, 7), want);
	ck_assert_str_eq(format(&c, &out, 7), want);   /* from the cache */
	ck_assert_uint_eq(c.misses, 1);
	ck_assert_uint_eq(c.hits, 1);
	/* With server-time, the cached line gets its tag. */
	struct ircfmt_to timed = { .nick = "bob", .caps = IRC_CAP_SERVER_TIME };
	out.off = out.len = 0;
	ck_assert_int_eq(ircfmt_event(&c, &out, &info, "hello", &timed), 0);
	ck_assert(out.len > sizeof(want) && memcmp(out.data, "@time=", 6) == 0);
	ck_assert(memcmp(out.data + out.len - (sizeof(want) - 1), want, sizeof(want) - 1) == 0);
	/* The author's own message goes back only with echo-message. */
	struct ircfmt_to own = { .nick = "alice", .own = true };
	out.off = out.len = 0;
	ck_assert_int_eq(ircfmt_event(&c, &out, &info, "hello", &own), 0);
	ck_assert_uint_eq(out.len, 0);
	free(out.data);
	cache_free(&c);
}
END_TEST

static Suite *ircfmt_suite(void)
{
	Suite *s = suite_create("ircfmt");
	TCase *tc = tcase_create("ircfmt");

	tcase_add_test(tc, test_line);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(ircfmt_suite());
}
