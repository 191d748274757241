/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* check_client_complete.c - unit tests for Tab completion (client/complete.c):
 * the list of names in the room, which words complete to what (names,
 * /commands, case ignored, our own name left out), the cycling order of
 * repeated Tabs; and how the session keeps the list (client/session.c): a
 * WHO of its own after joining that is not shown, then JOIN, LEAVE and
 * NICK events, and its own name after /nick. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check_main.h"
#include "commands.h"
#include "complete.h"
#include "session.h"

/* A list of names from a NULL-terminated array. */
static void fill(struct namelist *l, const char *const *names)
{
	for (size_t i = 0; names[i]; i++)
		ck_assert_int_eq(namelist_add(l, names[i], strlen(names[i])), 0);
}

/* ---- the list of names ------------------------------------------------ */

START_TEST(test_namelist)
{
	struct namelist l = { 0 }, m = { 0 };

	ck_assert(!namelist_has(&l, S("alice")));
	ck_assert(!namelist_remove(&l, S("alice")));
	ck_assert_int_eq(namelist_add(&l, S("alice")), 0);
	ck_assert_int_eq(namelist_add(&l, S("bob")), 0);
	ck_assert_uint_eq(l.n, 2);
	ck_assert(namelist_has(&l, S("ALICE")));
	/* A name is there once, in its latest spelling. */
	ck_assert_int_eq(namelist_add(&l, S("Alice")), 0);
	ck_assert_uint_eq(l.n, 2);
	ck_assert(namelist_has(&l, S("alice")));
	ck_assert(strcmp(l.names[0], "Alice") == 0 || strcmp(l.names[1], "Alice") == 0);
	/* No name: ignored. */
	ck_assert_int_eq(namelist_add(&l, "", 0), 0);
	ck_assert_int_eq(namelist_add(&l, S("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")), 0);
	ck_assert_uint_eq(l.n, 2);
	/* Only len bytes count. */
	ck_assert_int_eq(namelist_add(&l, "carol and more", 5), 0);
	ck_assert(namelist_has(&l, S("carol")));
	ck_assert(!namelist_has(&l, S("car")));
	ck_assert_uint_eq(l.n, 3);
	ck_assert(namelist_remove(&l, S("BOB")));
	ck_assert(!namelist_has(&l, S("bob")));
	ck_assert(!namelist_remove(&l, S("bob")));
	ck_assert_uint_eq(l.n, 2);
	/* Many names: the list grows. */
	for (int i = 0; i < 100; i++) {
		char name[16];
		snprintf(name, sizeof(name), "user%d", i);
		ck_assert_int_eq(namelist_add(&m, name, strlen(name)), 0);
	}
	ck_assert_uint_eq(m.n, 100);
	ck_assert(namelist_has(&m, S("USER99")));
	/* move: the one list replaces the other, and is left empty. */
	namelist_move(&l, &m);
	ck_assert_uint_eq(l.n, 100);
	ck_assert(!namelist_has(&l, S("alice")));
	ck_assert_uint_eq(m.n, 0);
	ck_assert_ptr_null(m.names);
	namelist_free(&l);
	namelist_free(&m);
}
END_TEST

/* ---- what completes to what -------------------------------------------- */

static const char *const room[] = { "carol", "Bobby", "bob1", "alice", "bob", "dave", NULL };

struct comp_case {
	const char *line;
	size_t point;                /* SIZE_MAX: the end of the line */
	const char *self;
	size_t start;                /* where the word begins */
	const char *want[16];         /* the candidates in order, NULL-ended */
};

static const struct comp_case comp_cases[] = {
	/* A name at the start of the line is addressed: "name: ". */
	{ "bo", SIZE_MAX, "alice", 0, { "bob: ", "bob1: ", "Bobby: ", NULL } },
	{ "BO", SIZE_MAX, "alice", 0, { "bob: ", "bob1: ", "Bobby: ", NULL } },
	{ "bobb", SIZE_MAX, "alice", 0, { "Bobby: ", NULL } },
	{ "a", SIZE_MAX, "carol", 0, { "alice: ", NULL } },
	/* In the middle of the line: "name ". */
	{ "hi bo", SIZE_MAX, "alice", 3, { "bob ", "bob1 ", "Bobby ", NULL } },
	{ "hi  Ca", SIZE_MAX, "alice", 4, { "carol ", NULL } },
	{ "/msg d", SIZE_MAX, "alice", 5, { "dave ", NULL } },
	/* The word is what is before the cursor. */
	{ "bobby is here", 2, "alice", 0, { "bob: ", "bob1: ", "Bobby: ", NULL } },
	{ "hi carol", 5, "alice", 3, { "carol ", NULL } },
	/* Our own name is never offered, in any case. */
	{ "bo", SIZE_MAX, "BOB", 0, { "bob1: ", "Bobby: ", NULL } },
	{ "al", SIZE_MAX, "alice", 0, { NULL } },
	/* Nothing to complete. */
	{ "zz", SIZE_MAX, "alice", 0, { NULL } },
	{ "", SIZE_MAX, "alice", 0, { NULL } },
	{ "hi ", SIZE_MAX, "alice", 3, { NULL } },
	{ "bob:", SIZE_MAX, "alice", 0, { NULL } },
	{ "caro\xc3\xa9", SIZE_MAX, "alice", 0, { NULL } },
	/* Commands: a word that starts the line with '/'. */
	{ "/ni", SIZE_MAX, "alice", 0, { "/nick ", NULL } },
	{ "/NI", SIZE_MAX, "alice", 0, { "/nick ", NULL } },
	{ "/m", SIZE_MAX, "alice", 0, { "/me ", "/mesg ", "/msg ", NULL } },
	{ "/", SIZE_MAX, "alice", 0, { "/away ", "/back ", "/help ", "/ignore ", "/me ", "/mesg ",
				       "/msg ", "/nick ", "/quit ", "/unignore ", "/who ", NULL } },
	{ "/x", SIZE_MAX, "alice", 0, { NULL } },
	{ "/nick", SIZE_MAX, "alice", 0, { "/nick ", NULL } },
	/* Not at the start: no command, and no name starts with '/'. */
	{ "hi /ni", SIZE_MAX, "alice", 3, { NULL } },
	{ " /ni", SIZE_MAX, "alice", 1, { NULL } },
};

START_TEST(test_complete_table)
{
	const struct comp_case *k = &comp_cases[_i];
	struct namelist l = { 0 };
	struct completion c = { 0 };
	size_t len = strlen(k->line), want = 0;

	while (k->want[want])
		want++;
	fill(&l, room);
	size_t n = complete_start(&c, k->line, len, k->point == SIZE_MAX ? len : k->point, &l,
				  k->self);
	ck_assert_msg(n == want, "\"%s\": %zu candidates, want %zu", k->line, n, want);
	ck_assert_uint_eq(c.n, n);
	if (n)
		ck_assert_uint_eq(c.start, k->start);
	for (size_t i = 0; i < want; i++)
		ck_assert_msg(strcmp(c.cands[i], k->want[i]) == 0, "\"%s\": #%zu is \"%s\", want \"%s\"",
			      k->line, i, c.cands[i], k->want[i]);
	complete_free(&c);
	namelist_free(&l);
}
END_TEST

/* Repeated Tabs: each candidate in turn, then round again. */
START_TEST(test_complete_cycle)
{
	struct namelist l = { 0 };
	struct completion c = { 0 };

	fill(&l, room);
	ck_assert_uint_eq(complete_start(&c, S("bo"), 2, &l, "alice"), 3);
	ck_assert_str_eq(complete_next(&c), "bob: ");
	ck_assert_uint_eq(c.len, 5);
	ck_assert_str_eq(complete_next(&c), "bob1: ");
	ck_assert_uint_eq(c.len, 6);
	ck_assert_str_eq(complete_next(&c), "Bobby: ");
	ck_assert_str_eq(complete_next(&c), "bob: ");
	ck_assert_str_eq(complete_next(&c), "bob1: ");
	/* One candidate: always it. */
	ck_assert_uint_eq(complete_start(&c, S("hi ca"), 5, &l, "alice"), 1);
	ck_assert_str_eq(complete_next(&c), "carol ");
	ck_assert_str_eq(complete_next(&c), "carol ");
	ck_assert_uint_eq(c.start, 3);
	/* A new start forgets the old cycle; nothing leaves c empty. */
	ck_assert_uint_eq(complete_start(&c, S("zz"), 2, &l, "alice"), 0);
	ck_assert_uint_eq(c.n, 0);
	ck_assert_ptr_null(c.cands);
	/* No list at all: only commands complete. */
	ck_assert_uint_eq(complete_start(&c, S("bo"), 2, NULL, NULL), 0);
	ck_assert_uint_eq(complete_start(&c, S("/q"), 2, NULL, NULL), 1);
	ck_assert_str_eq(complete_next(&c), "/quit ");
	complete_free(&c);
	complete_free(&c);   /* twice is harmless */
	namelist_free(&l);
}
END_TEST

/* Every command Tab offers is one that /help lists and the parser knows. */
START_TEST(test_commands_known)
{
	struct input in;

	for (size_t i = 0; input_commands[i]; i++) {
		const char *c = input_commands[i];
		bool helped = false;

		ck_assert_int_ne(input_parse(c, strlen(c), &in), IN_UNKNOWN);
		for (size_t j = 0; input_help[j]; j++)
			helped |= strncmp(input_help[j], c, strlen(c)) == 0 &&
				   (input_help[j][strlen(c)] == ' ');
		ck_assert_msg(helped, "%s is not in /help", c);
	}
}
END_TEST

/* ---- /nick -------------------------------------------------------------- */

START_TEST(test_nick_parse)
{
	struct input in;

	ck_assert_int_eq(input_parse(S("/nick alice2"), &in), IN_NICK);
	ck_assert_uint_eq(in.arg_len, 6);
	ck_assert(memcmp(in.arg, "alice2", 6) == 0);
	ck_assert_int_eq(input_parse(S("/NICK   Bob  "), &in), IN_NICK);
	ck_assert_uint_eq(in.arg_len, 3);
	ck_assert(memcmp(in.arg, "Bob", 3) == 0);
	ck_assert_int_eq(input_parse(S("/nick"), &in), IN_USAGE);
	ck_assert_str_eq(in.usage, "/nick NAME");
	ck_assert_int_eq(input_parse(S("/nick   "), &in), IN_USAGE);
	ck_assert_int_eq(input_parse(S("/nick two words"), &in), IN_USAGE);
	ck_assert_int_eq(input_parse(S("//nick bob"), &in), IN_SAY);
}
END_TEST

/* ---- the session keeps the list ------------------------------------------ */

static char *printed[64];
static int nprinted;

static void cap_print(void *ctx, const char *line, bool bell)
{
	(void)ctx;
	(void)bell;
	ck_assert_int_lt(nprinted, (int)LEN(printed));
	printed[nprinted++] = strdup(line);
}

static bool was_printed(const char *want)
{
	for (int i = 0; i < nprinted; i++)
		if (strstr(printed[i], want))
			return true;
	return false;
}

static struct session S;

static void feed(const char *line)
{
	session_handle_line(&S, line, strlen(line));
}

/* A session with no connection (what it sends goes nowhere) that has just
 * sent JOIN as alice. */
/* The server's end of the session's connection: what the session sends
 * goes there, unread (commands go only on a live connection). */
static int server_end = -1;

static void joining(bool track)
{
	struct render_opts ro = { .colour = false };
	struct session_ui ui = { .print = cap_print };
	int sv[2];

	ck_assert_int_eq(session_init(&S, "/nonexistent", "alice", false, &ro, &ui), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv), 0);
	S.fd = sv[0];
	server_end = sv[1];
	S.track_members = track;
	S.state = ST_JOINING;
}

static void teardown(void)
{
	session_free(&S);
	if (server_end >= 0)
		close(server_end);
	server_end = -1;
	for (int i = 0; i < nprinted; i++)
		free(printed[i]);
	nprinted = 0;
}

START_TEST(test_session_tracks_members)
{
	joining(true);
	feed("OK JOIN alice 10");
	ck_assert_uint_eq(S.who_quiet, 1);
	/* History comes before the WHO rows; the WHO decides. */
	feed("EV 8 1795290000000 JOIN ghost ghost");
	feed("EV 9 1795290000000 JOIN carol carol");
	feed("WHO carol carol 5 1795290000000");
	feed("WHO alice al 0 1795290000000");
	feed("WHO Bobby bob 0 1795290000000");
	feed("OK WHO 3");
	feed("PONG lchat-sync");
	ck_assert_uint_eq(S.who_quiet, 0);
	ck_assert_uint_eq(S.members.n, 3);
	ck_assert(namelist_has(&S.members, S("carol")));
	ck_assert(namelist_has(&S.members, S("Bobby")));
	ck_assert(!namelist_has(&S.members, S("ghost")));
	/* Not shown: only a WHO the user asks for is. */
	ck_assert(!was_printed("in the room:"));
	ck_assert(!was_printed("NAME"));
	ck_assert(!was_printed("Bobby"));

	/* Events keep it current. */
	feed("EV 11 1795290000000 JOIN dave dave");
	feed("EV 12 1795290000000 LEAVE carol carol quit");
	feed("EV 13 1795290000000 NICK Bobby bob bob2");
	feed("EV 13 1795290000000 JOIN carol carol");   /* a duplicate: ignored */
	ck_assert(namelist_has(&S.members, S("dave")));
	ck_assert(!namelist_has(&S.members, S("carol")));
	ck_assert(!namelist_has(&S.members, S("Bobby")));
	ck_assert(namelist_has(&S.members, S("bob2")));
	ck_assert(was_printed("-!- Bobby is now known as bob2"));

	/* Tab sees them, and never our own name. */
	struct completion c = { 0 };
	ck_assert_uint_eq(complete_start(&c, S("a"), 1, &S.members, S.name), 0);
	ck_assert_uint_eq(complete_start(&c, S("hi B"), 4, &S.members, S.name), 1);
	ck_assert_str_eq(complete_next(&c), "bob2 ");
	complete_free(&c);

	/* A /who the user types is shown, and refreshes the list too. */
	session_input(&S, S("/who"));
	feed("WHO alice al 0 1795290000000");
	feed("WHO erin erin 0 1795290000000");
	feed("OK WHO 2");
	ck_assert(was_printed("-!- 2 in the room:"));
	ck_assert(was_printed("erin"));
	ck_assert_uint_eq(S.members.n, 2);
	ck_assert(!namelist_has(&S.members, S("dave")));
	teardown();
}
END_TEST

/* Without tracking (the scripting mode, and check_client_session's
 * sessions) no WHO of its own is sent: the user's WHO is printed. */
START_TEST(test_session_no_tracking)
{
	joining(false);
	feed("OK JOIN alice 10");
	ck_assert_uint_eq(S.who_quiet, 0);
	feed("PONG lchat-sync");
	session_input(&S, S("/who"));
	feed("WHO alice al 0 1795290000000");
	feed("OK WHO 1");
	ck_assert(was_printed("-!- 1 in the room:"));
	teardown();
}
END_TEST

START_TEST(test_session_own_nick)
{
	joining(true);
	feed("OK JOIN alice 10");
	feed("WHO alice al 0 1795290000000");
	feed("WHO bob bob 0 1795290000000");
	feed("OK WHO 2");
	feed("PONG lchat-sync");

	/* Refused: the name stays. */
	session_input(&S, S("/nick bob"));
	feed("ERR name-taken the name bob is already in use; choose another");
	ck_assert(was_printed("-!- name not changed: the name bob is already in use; "
			      "choose another (name-taken)"));
	ck_assert_str_eq(S.name, "alice");
	ck_assert(session_ready(&S));

	session_input(&S, S("/nick alice2"));
	ck_assert(!session_ready(&S));   /* awaiting its reply */
	feed("EV 11 1795290000000 MSG bob before the rename");
	feed("OK NICK alice2 12");
	ck_assert(session_ready(&S));
	ck_assert_str_eq(S.name, "alice2");
	ck_assert_str_eq(S.ropts.self, "alice2");   /* mentions */
	ck_assert_uint_eq(S.last_seq, 12);
	ck_assert(was_printed("-!- you are now known as alice2"));
	ck_assert(namelist_has(&S.members, S("alice2")));
	ck_assert(!namelist_has(&S.members, S("alice")));
	/* Tab offers the old name to nobody, the new one never to us. */
	struct completion c = { 0 };
	ck_assert_uint_eq(complete_start(&c, S("al"), 2, &S.members, S.name), 0);
	complete_free(&c);
	teardown();
}
END_TEST

static Suite *complete_suite(void)
{
	Suite *s = suite_create("client_complete");
	TCase *tc;

	tc = tcase_create("names");
	tcase_add_test(tc, test_namelist);
	suite_add_tcase(s, tc);

	tc = tcase_create("complete");
	tcase_add_loop_test(tc, test_complete_table, 0, LEN(comp_cases));
	tcase_add_test(tc, test_complete_cycle);
	tcase_add_test(tc, test_commands_known);
	suite_add_tcase(s, tc);

	tc = tcase_create("session");
	tcase_add_test(tc, test_nick_parse);
	tcase_add_test(tc, test_session_tracks_members);
	tcase_add_test(tc, test_session_no_tracking);
	tcase_add_test(tc, test_session_own_nick);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(complete_suite());
}
