/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* check_client_session.c - unit tests for the client's session
 * (client/session.c): joining, history and its separator, duplicates
 * dropped by sequence number, acknowledgements shown as own messages,
 * errors, the name prompt, WHO, BYE handling, reconnecting with back-off,
 * the resume with gap detection, and the lag PING and what the status row
 * is told. The "server" is a listening UNIX
 * socket in a temporary directory that the test accepts and drives. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "check_main.h"
#include "session.h"
#include "util.h"

/* ---- a captured interface and a scripted server ---- */

static char *printed[256];
static int nprinted;
static bool rang, asked;

static void cap_print(void *ctx, const char *line, bool bell)
{
	(void)ctx;
	ck_assert_int_lt(nprinted, (int)LEN(printed));
	printed[nprinted++] = strdup(line);
	rang |= bell;
}

static bool cap_ask(void *ctx, bool asking)
{
	(void)ctx;
	asked = asking;
	return true;
}

static char dir[64], path[128];
/* The greeting each accepted connection gets (Check forks each test). */
static const char *greeting = "HELLO lchat/1 lchatd/0.1.0 login=al";
#define ROOMS_HELLO "HELLO lchat/1 lchatd/0.3 login=al max_line=1024 rooms=1 default_room=#general"
static int lfd = -1, peer = -1;
static struct session S;

static void listen_here(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(dir, sizeof(dir), "/tmp/check-client.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert(lfd >= 0);
	ck_assert(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(lfd, 8) == 0);
}

static void accept_peer(void)
{
	if (peer >= 0)
		close(peer);
	peer = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	ck_assert(peer >= 0);
	/* The server greets first; the JOIN goes once the greeting came
	 * (it may offer rooms: the "rooms" cases). */
	session_handle_line(&S, greeting, strlen(greeting));
}

/* The next line the session sent. */
static char *sent(void)
{
	static char line[2048];
	size_t n = 0;

	session_flush(&S);
	for (;;) {
		struct pollfd p = { peer, POLLIN, 0 };

		ck_assert_msg(poll(&p, 1, 2000) == 1, "the session sent nothing");
		ck_assert(read(peer, line + n, 1) == 1);
		if (line[n] == '\n')
			break;
		ck_assert_uint_lt(++n, sizeof(line) - 1);
	}
	line[n] = '\0';
	return line;
}

static void expect_sent(const char *want)
{
	ck_assert_str_eq(sent(), want);
}

static void nothing_sent(void)
{
	struct pollfd p = { peer, POLLIN, 0 };

	session_flush(&S);
	ck_assert_int_eq(poll(&p, 1, 0), 0);
}

/* Hand a server line to the session. */
static void feed(const char *line)
{
	session_handle_line(&S, line, strlen(line));
}

static bool was_printed(const char *want)
{
	for (int i = 0; i < nprinted; i++)
		if (strstr(printed[i], want))
			return true;
	return false;
}

static int count_printed(const char *want)
{
	int n = 0;

	for (int i = 0; i < nprinted; i++)
		n += strstr(printed[i], want) != NULL;
	return n;
}

#define PRINTED(s) ck_assert_msg(was_printed(s), "not printed: %s", s)

static void start(bool script, const char *name)
{
	struct render_opts ro = { .colour = false };
	struct session_ui ui = { .print = cap_print, .ask_name = script ? NULL : cap_ask };

	setenv("TZ", "UTC", 1);
	tzset();
	listen_here();
	ck_assert_int_eq(session_init(&S, path, name, script, &ro, &ui), 0);
	ck_assert_int_eq(session_start(&S), 0);
	accept_peer();
}

/* Connected and joined as alice with join seq `seq` and no history. */
static void joined(uint64_t seq)
{
	char line[64];

	start(false, "alice");
	expect_sent("JOIN alice");
	snprintf(line, sizeof(line), "OK JOIN alice %llu", (unsigned long long)seq);
	feed("HELLO lchat/1 lchatd/0.1.0 login=al max_line=1024");
	feed(line);
	expect_sent("PING lchat-sync");
	feed("PONG lchat-sync");
}

/* The server closes the connection, and the session reads the end. */
static void hang_up(void)
{
	close(peer);
	peer = -1;
	session_read(&S);
}

static void teardown(void)
{
	session_free(&S);
	if (peer >= 0)
		close(peer);
	if (lfd >= 0)
		close(lfd);
	peer = lfd = -1;
	unlink(path);
	rmdir(dir);
	for (int i = 0; i < nprinted; i++)
		free(printed[i]);
	nprinted = 0;
	rang = asked = false;
}

/* ---- joining ---- */

START_TEST(test_join_history_and_separator)
{
	start(false, "alice");
	expect_sent("JOIN alice");
	feed("HELLO lchat/1 lchatd/0.1.0 login=al max_line=1024");
	feed("OK JOIN alice 10");
	expect_sent("PING lchat-sync");
	feed("MOTD Welcome!");
	feed("EV 8 1795290000000 MSG bob old news");
	feed("EV 9 1795290000000 JOIN carol carol");
	ck_assert(S.syncing);
	feed("PONG lchat-sync");
	ck_assert(!S.syncing);
	ck_assert_uint_eq(S.last_seq, 10);
	ck_assert_int_eq(nprinted, 6);
	ck_assert_str_eq(printed[0] + 8, "-!- you are in the room as alice (type /help for commands)");
	ck_assert_str_eq(printed[1] + 8, "-!- Welcome!");
	ck_assert_str_eq(printed[2], "-- earlier in the room --");
	ck_assert_str_eq(printed[3], "[19:40] <bob> old news");
	ck_assert_str_eq(printed[4], "[19:40] --> carol (carol) joined");
	ck_assert_str_eq(printed[5], "-- end of history --");
	teardown();
}
END_TEST

/* Messages that waited come after OK JOIN, before the history; they are
 * shown after it, marked, once; the sender of a waiting PRIV is told. */
START_TEST(test_waiting_after_history)
{
	start(false, "alice");
	expect_sent("JOIN alice");
	feed("HELLO lchat/1 lchatd/0.1.0 login=al max_line=1024");
	feed("OK JOIN alice 10");
	expect_sent("PING lchat-sync");
	feed("WAITING 1795280000000 PRIV bob bobby see you at five");
	feed("EV 8 1795290000000 MSG bob old news");
	feed("PONG lchat-sync");
	ck_assert_int_eq(nprinted, 5);
	ck_assert_str_eq(printed[1], "-- earlier in the room --");
	ck_assert_str_eq(printed[2], "[19:40] <bob> old news");
	ck_assert_str_eq(printed[3], "-- end of history --");
	ck_assert_str_eq(printed[4], "[16:53] [waiting] *bob* (private) see you at five");
	/* After the sync, one is shown at once. */
	feed("WAITING 1795280000000 MSG carol carol hi @al");
	ck_assert_int_eq(nprinted, 6);
	ck_assert_str_eq(printed[5], "[16:53] [waiting] <carol> hi @al");

	session_input(&S, S("/msg dave later"));
	expect_sent("PRIV dave later");
	feed("OK PRIV waiting dave");
	PRINTED("dave is not in the chat: your message waits for them");
	feed("KEPT erin");
	PRINTED("erin is not in the chat: your message waits for them");
	teardown();
}
END_TEST

START_TEST(test_join_default_name_and_no_history)
{
	start(false, NULL);
	expect_sent("JOIN");
	feed("OK JOIN al 1");
	expect_sent("PING lchat-sync");
	feed("PONG lchat-sync");
	ck_assert_str_eq(S.name, "al");
	ck_assert(!was_printed("history"));
	teardown();
}
END_TEST

/* The name in OK JOIN and OK NICK goes to the prompt: a server's escape
 * sequence there is not taken as our name. A reserved name (it may be the
 * user's own login) is. */
START_TEST(test_own_name_from_server_checked)
{
	start(false, NULL);
	expect_sent("JOIN");
	feed("OK JOIN al\033[2Jice 1");
	ck_assert_str_eq(S.name, "");
	teardown();
	start(false, NULL);
	expect_sent("JOIN");
	feed("OK JOIN admin 1");
	ck_assert_str_eq(S.name, "admin");
	expect_sent("PING lchat-sync");
	feed("PONG lchat-sync");
	session_input(&S, "/nick bob", 9);
	expect_sent("NICK bob");
	feed("OK NICK b\033]0;x\007ob 2");
	ck_assert_str_eq(S.name, "admin");
	teardown();
}
END_TEST

START_TEST(test_name_refused_asks_again)
{
	start(false, "carol");
	expect_sent("JOIN carol");
	feed("ERR name-taken the name carol is \033[2Jin use");
	ck_assert(asked);
	ck_assert_int_eq(S.state, ST_NAME_PROMPT);
	PRINTED("cannot join as carol: the name carol is ^[[2Jin use (name-taken)");
	session_input(&S, S("two words"));
	PRINTED("a name is 1 to 32");
	nothing_sent();
	session_input(&S, S("  dave "));
	ck_assert(!asked);
	expect_sent("JOIN dave");
	feed("OK JOIN dave 3");
	ck_assert_int_eq(S.state, ST_JOINED);
	teardown();
}
END_TEST

START_TEST(test_name_refused_script_exits)
{
	start(true, "carol");
	expect_sent("JOIN carol");
	feed("ERR name-reserved that name is reserved");
	ck_assert(S.done);
	ck_assert_int_eq(S.exit_code, EXIT_REFUSED);
	teardown();
}
END_TEST

/* ---- events and acknowledgements ---- */

START_TEST(test_duplicates_dropped)
{
	joined(10);
	feed("EV 11 1795290000000 MSG bob one");
	feed("EV 11 1795290000000 MSG bob one");
	feed("EV 9 1795290000000 MSG bob older");
	feed("EV 12 1795290000000 MSG bob two");
	ck_assert_int_eq(count_printed("<bob> one"), 1);
	ck_assert(!was_printed("older"));
	PRINTED("<bob> two");
	ck_assert_uint_eq(S.last_seq, 12);
	teardown();
}
END_TEST

/* Commands go one at a time, each once the one before was answered;
 * the user's lines wait in the queue meanwhile. */
START_TEST(test_own_messages_on_ack)
{
	joined(10);
	session_input(&S, S("hello all"));
	expect_sent("SAY hello all");
	ck_assert(!was_printed("hello all"));
	session_input(&S, S("/me waves"));
	session_input(&S, S("/msg bob psst"));
	session_input(&S, S("//slash"));
	nothing_sent();
	ck_assert_uint_eq(session_waiting(&S), 3);
	feed("OK SAY 11");
	expect_sent("ME waves");
	feed("EV 12 1795290000000 MSG bob interleaved");
	feed("OK ME 13");
	expect_sent("PRIV bob psst");
	feed("OK PRIV 14");
	expect_sent("SAY /slash");
	ck_assert_uint_eq(session_waiting(&S), 0);
	feed("ERR muted you are muted");
	ck_assert_uint_eq(S.last_seq, 14);
	ck_assert_str_eq(printed[nprinted - 5] + 8, "<alice> hello all");
	ck_assert_str_eq(printed[nprinted - 4] + 8, "<bob> interleaved");
	ck_assert_str_eq(printed[nprinted - 3] + 8, " * alice waves");
	ck_assert_str_eq(printed[nprinted - 2] + 8, "-> bob: psst");
	ck_assert_str_eq(printed[nprinted - 1] + 8, "-!- not sent: you are muted (muted)");
	ck_assert(session_ready(&S));
	teardown();
}
END_TEST

/* Interactive too: a rate-limited line goes again after a back-off, and
 * the lines behind it wait their turn; nothing is lost or reordered. */
START_TEST(test_rate_limited_queue)
{
	joined(10);
	session_input(&S, S("one"));
	session_input(&S, S("two"));
	session_input(&S, S("three"));
	expect_sent("SAY one");
	feed("OK SAY 11");
	expect_sent("SAY two");
	feed("ERR rate-limited at most 5 messages per second; not sent");
	nothing_sent();
	ck_assert_uint_eq(session_waiting(&S), 2);
	ck_assert(!was_printed("not sent"));
	ck_assert_int_ge(session_timeout(&S, mono_ms()), 0);
	session_tick(&S, S.resend_at);
	expect_sent("SAY two");
	ck_assert_uint_eq(session_waiting(&S), 1);
	feed("OK SAY 12");
	expect_sent("SAY three");
	feed("OK SAY 13");
	ck_assert(session_ready(&S));
	ck_assert_str_eq(printed[nprinted - 3] + 8, "<alice> one");
	ck_assert_str_eq(printed[nprinted - 2] + 8, "<alice> two");
	ck_assert_str_eq(printed[nprinted - 1] + 8, "<alice> three");
	teardown();
}
END_TEST

/* A JOIN over the user's rate limit (its JOINs count, across its
 * connections) goes again a little later; the user is not asked for
 * another name. */
START_TEST(test_join_rate_limited)
{
	start(false, "alice");
	expect_sent("JOIN alice");
	feed("HELLO lchat/1 lchatd/0.1.0 login=al max_line=1024");
	feed("ERR rate-limited at most 5 messages, joins or name changes per second");
	nothing_sent();
	ck_assert(!asked);
	ck_assert_int_eq(S.state, ST_JOINING);
	ck_assert_int_ge(session_timeout(&S, mono_ms()), 0);
	session_tick(&S, S.resend_at);
	expect_sent("JOIN alice");
	feed("OK JOIN alice 10");
	expect_sent("PING lchat-sync");
	ck_assert_int_eq(S.state, ST_JOINED);
	teardown();
}
END_TEST

/* Ctrl-C drops what waits (not what is in flight); a /quit waits for the
 * queue, and dropping it lets the QUIT go. */
START_TEST(test_drop_waiting_and_leave)
{
	joined(10);
	session_input(&S, S("one"));
	session_input(&S, S("two"));
	session_input(&S, S("three"));
	expect_sent("SAY one");
	session_input(&S, S("/quit bye"));
	nothing_sent();
	PRINTED("leaving once the 2 waiting lines are sent (Ctrl-C drops them)");
	ck_assert_uint_eq(session_drop_waiting(&S), 2);
	PRINTED("2 waiting lines dropped, not sent");
	nothing_sent();
	feed("OK SAY 11");
	expect_sent("QUIT bye");
	ck_assert_int_eq(S.state, ST_QUITTING);
	ck_assert_uint_eq(session_drop_waiting(&S), 0);
	teardown();
}
END_TEST

/* A /quit while lines wait leaves once they went. */
START_TEST(test_leave_after_queue)
{
	joined(10);
	session_input(&S, S("one"));
	session_input(&S, S("two"));
	expect_sent("SAY one");
	session_input(&S, S("/quit"));
	feed("OK SAY 11");
	expect_sent("SAY two");
	feed("OK SAY 12");
	expect_sent("QUIT");
	teardown();
}
END_TEST

/* A line break never reaches the server inside a command: a line that
 * holds some is one line per piece. */
START_TEST(test_line_breaks_split_lines)
{
	joined(10);
	session_input(&S, S("first\nQUIT done for today\r\n\nPRIV bob x\r/me too"));
	expect_sent("SAY first");
	feed("OK SAY 11");
	expect_sent("SAY QUIT done for today");
	feed("OK SAY 12");
	expect_sent("SAY PRIV bob x");
	feed("OK SAY 13");
	expect_sent("ME too");
	feed("OK ME 14");
	nothing_sent();
	ck_assert_int_eq(S.state, ST_JOINED);
	/* Nor in a name, nor in a PRIV's target. */
	session_send(&S, VERB_PRIV, S("bo\nb"), S("x"));
	PRINTED("not sent: a line break inside a command");
	nothing_sent();
	ck_assert(session_ready(&S));
	teardown();
}
END_TEST

/* HELLO's max_line sets how much text a command may carry. */
START_TEST(test_max_line_from_hello)
{
	joined(10);
	ck_assert_uint_eq(S.max_line, 1024);
	ck_assert_uint_eq(session_text_limit(&S, VERB_SAY, 0), 1024 - 4);
	ck_assert_uint_eq(session_text_limit(&S, VERB_PRIV, 3), 1024 - 9);
	feed("HELLO lchat/1 lchatd/0.2 login=al feature=x max_line=100");
	ck_assert_uint_eq(S.max_line, 100);
	feed("HELLO lchat/1 lchatd/0.2 login=al");
	ck_assert_uint_eq(S.max_line, 0);
	ck_assert_uint_eq(session_text_limit(&S, VERB_ME, 0), MAX_LINE_MAX - 3);
	teardown();
}
END_TEST

START_TEST(test_unknown_command_sends_nothing)
{
	joined(10);
	session_input(&S, S("/frobnicate x"));
	session_input(&S, S("   "));
	session_input(&S, S("/me"));
	nothing_sent();
	PRINTED("unknown command /frobnicate");
	PRINTED("usage: /me ACTION");
	session_input(&S, S("/help"));
	PRINTED("/msg NAME TEXT");
	teardown();
}
END_TEST

START_TEST(test_mention_rings)
{
	joined(10);
	feed("EV 11 1795290000000 MSG bob hey alice");
	ck_assert(rang);
	teardown();
}
END_TEST

START_TEST(test_who_table)
{
	joined(10);
	session_input(&S, S("/who"));
	expect_sent("WHO");
	feed("WHO alice al 5 1795290000000");
	feed("WHO b\033ob bob 3700 1795290000000");
	feed("OK WHO 2");
	PRINTED("-!- 2 in the room:");
	PRINTED("NAME");
	PRINTED("alice");
	PRINTED("b^[ob");
	PRINTED("1h01m");
	ck_assert(session_ready(&S));
	teardown();
}
END_TEST

START_TEST(test_unknown_lines)
{
	joined(10);
	feed("EV 11 1795290000000 WEIRD new \033[5mkind");
	feed("EV 11 1795290000000 WEIRD new \033[5mkind");
	feed("FROB something");
	ck_assert_int_eq(count_printed("-!- server: EV 11 1795290000000 WEIRD new ^[[5mkind"), 1);
	PRINTED("-!- server: FROB something");
	ck_assert_uint_eq(S.last_seq, 11);
	teardown();
}
END_TEST

/* A message over max_line is cut at spaces; with no one to ask (no
 * confirm callback), at once. Each part waits for the one before. */
START_TEST(test_long_message_cut)
{
	joined(10);
	feed("HELLO lchat/1 lchatd/0.1.0 login=al max_line=64");
	session_input(&S, S("/me aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd eeeeeeeeee ffffffffff "
			    "gggggggggg hhhhhhhhhh      "));
	expect_sent("ME aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd eeeeeeeeee");
	nothing_sent();
	feed("OK ME 11");
	expect_sent("ME ffffffffff gggggggggg hhhhhhhhhh      ");	/* the rest fits as it is */
	feed("OK ME 12");
	/* Over the limit only by its trailing spaces: one part, trimmed. */
	session_input(&S, S("/msg bob 0123456789012345678901234567890123456789012345               "));
	expect_sent("PRIV bob 0123456789012345678901234567890123456789012345");
	feed("OK PRIV 13");
	ck_assert(session_ready(&S));
	teardown();
}
END_TEST

/* ---- leaving, losing, coming back ---- */

START_TEST(test_kicked_no_reconnect)
{
	joined(10);
	feed("BYE kicked \033]52;c;eA==\007flooding");
	ck_assert(S.done);
	ck_assert_int_eq(S.exit_code, EXIT_REFUSED);
	ck_assert_int_eq(session_timeout(&S, mono_ms()), -1);
	PRINTED("you were kicked from the room: ^[]52;c;eA==^Gflooding");
	teardown();
}
END_TEST

START_TEST(test_unknown_bye_no_reconnect)
{
	joined(10);
	feed("BYE frobbed you were frobbed");
	ck_assert(S.done);
	ck_assert_int_eq(S.exit_code, EXIT_REFUSED);
	PRINTED("the server closed the connection: you were frobbed (frobbed)");
	teardown();
}
END_TEST

START_TEST(test_backoff_doubles_to_ten_seconds)
{
	static const int want[] = { 500, 1000, 2000, 4000, 8000, 10000, 10000 };

	joined(10);
	ck_assert_int_eq(close(lfd), 0);	/* the server is gone for good */
	lfd = -1;
	unlink(path);
	feed("BYE shutdown the server is shutting down");
	ck_assert(!S.done);
	ck_assert_int_eq(S.state, ST_DOWN);
	PRINTED("the server is shutting down; reconnecting in 0.25 s");
	ck_assert_int_le(session_timeout(&S, mono_ms()), 250);
	for (size_t i = 0; i < LEN(want); i++) {
		session_tick(&S, S.retry_at);
		ck_assert_int_eq(S.delay_ms, want[i]);
		ck_assert_int_eq(S.state, ST_DOWN);
	}
	PRINTED("next try in 0.5 s");
	PRINTED("next try in 10 s");
	/* Typing while offline: said so, nothing queued. */
	session_input(&S, S("hello?"));
	PRINTED("not connected: not sent");
	teardown();
}
END_TEST

/* A resume: JOIN with the last seq seen, missed events shown once, our
 * own leave not counted as a gap. */
START_TEST(test_resume_no_gap)
{
	joined(10);
	session_input(&S, S("last words"));
	expect_sent("SAY last words");
	feed("OK SAY 11");
	feed("EV 12 1795290000000 MSG bob seen");
	hang_up();
	ck_assert_int_eq(S.state, ST_DOWN);
	PRINTED("the server closed the connection; reconnecting in 0.25 s");
	session_tick(&S, S.retry_at);
	accept_peer();
	expect_sent("JOIN alice 12");
	feed("OK JOIN alice 16");
	expect_sent("PING lchat-sync");
	/* 13: our leave (not ours to see); 14, 15: missed. 12 overlaps. */
	feed("EV 12 1795290000000 MSG bob seen");
	feed("EV 14 1795290000000 MSG bob missed one");
	feed("EV 15 1795290000000 MSG bob missed two");
	feed("PONG lchat-sync");
	ck_assert_int_eq(count_printed("<bob> seen"), 1);
	PRINTED("-- missed while you were away --");
	PRINTED("<bob> missed one");
	PRINTED("<bob> missed two");
	PRINTED("-- end of missed events --");
	PRINTED("back in the room as alice");
	ck_assert(!was_printed("not replayed"));
	ck_assert_uint_eq(S.last_seq, 16);
	ck_assert_int_eq(S.delay_ms, RECONNECT_MIN_MS);
	teardown();
}
END_TEST

START_TEST(test_resume_gap_reported)
{
	joined(10);
	hang_up();
	session_tick(&S, S.retry_at);
	accept_peer();
	expect_sent("JOIN alice 10");
	feed("OK JOIN alice 40");
	expect_sent("PING lchat-sync");
	feed("EV 30 1795290000000 MSG bob the oldest kept");
	feed("PONG lchat-sync");
	PRINTED("18 events between #10 and #30 were not replayed");
	teardown();
}
END_TEST

/* A LAST-SEQ the room refuses (past its last event: its state was lost)
 * is dropped: the client joins afresh and takes the room's numbers. */
START_TEST(test_resume_refused_joins_afresh)
{
	joined(500);
	hang_up();
	session_tick(&S, S.retry_at);
	accept_peer();
	expect_sent("JOIN alice 500");
	feed("ERR bad-argument LAST-SEQ 500 is past the room's last event (3)");
	PRINTED("the room no longer knows event #500");
	expect_sent("JOIN alice");
	feed("OK JOIN alice 4");
	expect_sent("PING lchat-sync");
	feed("EV 2 1795290000000 MSG bob after the reset");
	feed("PONG lchat-sync");
	PRINTED("after the reset");
	ck_assert_uint_eq(S.last_seq, 4);
	teardown();
}
END_TEST

START_TEST(test_unconfirmed_reported)
{
	joined(10);
	session_input(&S, S("in flight"));
	expect_sent("SAY in flight");
	hang_up();
	PRINTED("not confirmed, maybe not sent: in flight");
	teardown();
}
END_TEST

/* The lines that waited behind it are not lost with the connection: they
 * go after the rejoin. */
START_TEST(test_waiting_lines_survive_reconnect)
{
	joined(10);
	session_input(&S, S("in flight"));
	session_input(&S, S("waiting"));
	expect_sent("SAY in flight");
	hang_up();
	PRINTED("not confirmed, maybe not sent: in flight");
	ck_assert(!was_printed("waiting"));
	ck_assert_uint_eq(session_waiting(&S), 1);
	session_tick(&S, S.retry_at);
	accept_peer();
	expect_sent("JOIN alice 10");
	feed("OK JOIN alice 12");
	expect_sent("PING lchat-sync");
	nothing_sent();
	feed("PONG lchat-sync");
	expect_sent("SAY waiting");
	feed("OK SAY 13");
	PRINTED("<alice> waiting");
	teardown();
}
END_TEST

/* ---- the lag and the status row ---- */

/* With lag_check, a PING is timed once the backlog is read, then every
 * LAG_PING_MS after its answer; its PONG is shown nowhere; one from
 * before (another token) is not taken for it. The status row's state
 * follows the session. */
START_TEST(test_lag_ping)
{
	struct status_info in;
	int shown;
	int64_t now;

	start(false, "alice");
	S.lag_check = true;
	S.track_members = true;
	expect_sent("JOIN alice");
	feed("HELLO lchat/1 lchatd/0.1.0 login=al max_line=1024");
	session_status_info(&S, &in, 0, mono_ms());
	ck_assert_int_eq(in.link, STATUS_JOINING);
	ck_assert_str_eq(in.room, "s");
	feed("OK JOIN alice 10");
	expect_sent("WHO");
	expect_sent("PING lchat-sync");
	nothing_sent();
	feed("WHO alice al 0 1795290000000");
	feed("WHO bob bob 5 1795290000000");
	feed("OK WHO 2");
	session_status_info(&S, &in, 0, mono_ms());
	ck_assert_int_eq(in.link, STATUS_JOINING);	/* the backlog is not read */
	feed("PONG lchat-sync");
	session_status_info(&S, &in, 0, mono_ms());
	ck_assert_int_eq(in.link, STATUS_JOINED);
	ck_assert_int_eq(in.members, 2);
	ck_assert_int_eq(in.lag_ms, -1);
	shown = nprinted;
	session_tick(&S, mono_ms());
	expect_sent("PING lchat-lag-1");
	session_status_info(&S, &in, 0, mono_ms() + 2500);
	ck_assert_int_ge(in.ping_wait_ms, 2500);
	ck_assert_int_eq(status_lag(&in), 2000);
	feed("PONG lchat-lag-1");
	ck_assert_int_ge(S.lag_ms, 0);
	ck_assert_int_lt(S.lag_ms, 2000);
	session_status_info(&S, &in, 0, mono_ms());
	ck_assert_int_eq(in.ping_wait_ms, -1);
	/* The next in LAG_PING_MS. */
	now = mono_ms();
	ck_assert_int_gt(session_timeout(&S, now), LAG_PING_MS - 1000);
	ck_assert_int_le(session_timeout(&S, now), LAG_PING_MS);
	session_tick(&S, now);
	nothing_sent();
	session_tick(&S, S.ping_due);
	expect_sent("PING lchat-lag-2");
	/* An old token, or someone else's: not this PING's answer. */
	feed("PONG lchat-lag-1");
	feed("PONG other");
	ck_assert(S.ping_sent != 0);
	/* Joins and leaves count. */
	feed("EV 11 1795290000000 JOIN carol carol");
	session_status_info(&S, &in, 0, mono_ms());
	ck_assert_int_eq(in.members, 3);
	session_input(&S, S("one"));
	session_input(&S, S("two"));
	expect_sent("SAY one");
	session_status_info(&S, &in, 0, mono_ms());
	ck_assert_uint_eq(in.waiting, 1);
	/* No line for any of it but the join. */
	ck_assert_int_eq(nprinted, shown + 1);
	/* Offline: no lag, no count, the countdown. */
	hang_up();
	session_status_info(&S, &in, 0, mono_ms());
	ck_assert_int_eq(in.link, STATUS_OFFLINE);
	ck_assert_int_eq(in.members, -1);
	ck_assert_int_eq(status_lag(&in), -1);
	ck_assert_int_eq(in.lag_ms, -1);
	ck_assert_int_eq(in.ping_wait_ms, -1);
	ck_assert_int_ge(in.retry_ms, 0);
	ck_assert_int_le(in.retry_ms, RECONNECT_MIN_MS);
	/* Back: timed again once the backlog is read. */
	session_tick(&S, S.retry_at);
	accept_peer();
	expect_sent("JOIN alice 11");
	feed("OK JOIN alice 14");
	expect_sent("WHO");
	expect_sent("PING lchat-sync");
	feed("PONG lchat-sync");
	expect_sent("SAY two");
	session_tick(&S, mono_ms());
	expect_sent("PING lchat-lag-3");
	teardown();
}
END_TEST

/* Without lag_check (--no-status, scripts) no PING but the sync's. */
START_TEST(test_no_lag_ping_without_status)
{
	joined(10);
	session_tick(&S, mono_ms() + LAG_PING_MS + 1);
	ck_assert_int_eq(session_timeout(&S, mono_ms()), -1);
	nothing_sent();
	teardown();
}
END_TEST

/* ---- the scripting mode ---- */

START_TEST(test_script_resends_rate_limited)
{
	start(true, "ci");
	expect_sent("JOIN ci");
	feed("OK JOIN ci 5");
	expect_sent("PING lchat-sync");
	feed("PONG lchat-sync");
	ck_assert(session_ready(&S));
	session_input(&S, S("build done"));
	expect_sent("SAY build done");
	ck_assert(!session_ready(&S));
	feed("ERR rate-limited at most 5 messages per second; not sent");
	ck_assert(!session_ready(&S));
	nothing_sent();
	ck_assert_int_ge(session_timeout(&S, mono_ms()), 0);
	session_tick(&S, S.resend_at);
	expect_sent("SAY build done");
	feed("OK SAY 6");
	ck_assert(session_ready(&S));
	ck_assert_int_eq(nprinted, 1);
	ck_assert(strstr(printed[0], "Z MSG ci build done"));
	ck_assert_int_eq(S.exit_code, 0);
	/* Another error is remembered for the exit status. */
	session_input(&S, S("/msg nobody x"));
	expect_sent("PRIV nobody x");
	feed("ERR no-such-user nobody is not in the room");
	ck_assert_int_eq(S.exit_code, EXIT_RUNTIME);
	ck_assert(!S.done);
	teardown();
}
END_TEST

START_TEST(test_quit_waits_for_ok)
{
	joined(10);
	session_input(&S, S("/quit off to lunch"));
	expect_sent("QUIT off to lunch");
	ck_assert_int_eq(S.state, ST_QUITTING);
	ck_assert(!S.done);
	feed("OK QUIT");
	ck_assert(S.done);
	ck_assert_int_eq(S.exit_code, 0);
	teardown();
}
END_TEST

START_TEST(test_quit_gives_up_waiting)
{
	joined(10);
	session_quit(&S, NULL);
	expect_sent("QUIT");
	session_tick(&S, S.quit_at);
	ck_assert(S.done);
	ck_assert_int_eq(S.exit_code, 0);
	teardown();
}
END_TEST

/* ---- rooms (PROTO 2) ---- */

/* Greeted with rooms=1: PROTO 2 goes before the JOIN; joined with join
 * seq `seq`, in #general, no history. */
static void joined_rooms(uint64_t seq)
{
	char line[64];

	greeting = ROOMS_HELLO;
	start(false, "alice");
	expect_sent("PROTO 2");
	expect_sent("JOIN alice");
	feed("OK PROTO 2");
	snprintf(line, sizeof(line), "OK JOIN alice %llu", (unsigned long long)seq);
	feed(line);
	expect_sent("PING lchat-sync");
	feed("PONG lchat-sync");
}

START_TEST(test_rooms_proto2_only_when_offered)
{
	/* lchat/1: no PROTO, no room in the prompt's words. */
	start(false, "alice");
	expect_sent("JOIN alice");
	ck_assert_ptr_null(session_room(&S));
	teardown();
	/* rooms=1: PROTO 2, then JOIN; the default room is typed into. */
	joined_rooms(10);
	ck_assert_str_eq(session_room(&S), "#general");
	session_input(&S, S("hello"));
	expect_sent("SAY #general hello");
	feed("OK SAY 11");
	PRINTED("<alice> hello");
	/* A room event of the default room: shown as lchat/1 shows it. */
	feed("EV 12 1795290000000 #general MSG bob hi there");
	PRINTED("] <bob> hi there");
	teardown();
}
END_TEST

/* The server refuses PROTO 2 after all: lchat/1, nothing lost. */
START_TEST(test_rooms_proto2_refused)
{
	greeting = ROOMS_HELLO;
	start(false, "alice");
	expect_sent("PROTO 2");
	expect_sent("JOIN alice");
	feed("ERR bad-command no such thing");
	feed("OK JOIN alice 10");
	expect_sent("PING lchat-sync");
	feed("PONG lchat-sync");
	PRINTED("the server refused PROTO 2: one room only");
	ck_assert_int_eq(S.state, ST_JOINED);
	ck_assert_ptr_null(session_room(&S));
	session_input(&S, S("hi"));
	expect_sent("SAY hi");
	teardown();
}
END_TEST

/* /join: ENTER, then typed into; its backlog shown though older than
 * what other rooms saw; another room's lines marked; each room drops
 * what it saw already. */
START_TEST(test_rooms_enter_mark_and_dedupe)
{
	joined_rooms(10);
	feed("EV 11 1795290000000 #general MSG bob in general");
	session_input(&S, S("/join CS101"));
	expect_sent("ENTER #cs101");
	feed("OK ENTER #cs101 20");
	PRINTED("you are in #cs101; you type into it");
	ck_assert_str_eq(session_room(&S), "#cs101");
	feed("EV 5 1795290000000 #cs101 MSG carol from the backlog");
	feed("EV 5 1795290000000 #cs101 MSG carol from the backlog");
	ck_assert_int_eq(count_printed("<carol> from the backlog"), 1);
	feed("EV 21 1795290000000 #general MSG bob elsewhere");
	PRINTED("] #general <bob> elsewhere");
	feed("EV 21 1795290000000 #general MSG bob elsewhere");
	ck_assert_int_eq(count_printed("<bob> elsewhere"), 1);
	feed("EV 22 1795290000000 #cs101 MSG carol here");
	PRINTED("] <carol> here");
	ck_assert(!was_printed("#cs101 <carol> here"));
	/* A private event and a notice to all: never marked, once. */
	feed("EV 23 1795290000000 - PRIV dave psst");
	feed("EV 23 1795290000000 - PRIV dave psst");
	ck_assert_int_eq(count_printed("psst"), 1);
	session_input(&S, S("hi class"));
	expect_sent("SAY #cs101 hi class");
	/* Switched before the acknowledgement: marked with its room. */
	session_input(&S, S("/switch #general"));
	feed("OK SAY 24");
	PRINTED("] #cs101 <alice> hi class");
	session_input(&S, S("/switch #cs101"));
	/* /who asks about the room typed into. */
	session_input(&S, S("/who"));
	expect_sent("WHO #cs101");
	feed("WHO carol ca 5 1795290000000");
	feed("WHO alice al 0 1795290000000");
	feed("OK WHO");
	PRINTED("2 in #cs101:");
	/* /switch and back; the next-room key's function. */
	session_input(&S, S("/switch #general"));
	ck_assert_str_eq(session_room(&S), "#general");
	session_next_room(&S);
	ck_assert_str_eq(session_room(&S), "#cs101");
	session_input(&S, S("/switch #nope"));
	PRINTED("you are not in #nope");
	teardown();
}
END_TEST

/* /part, /topic, /rooms. */
START_TEST(test_rooms_part_topic_rooms)
{
	joined_rooms(10);
	session_input(&S, S("/join #cs101"));
	expect_sent("ENTER #cs101");
	feed("OK ENTER #cs101 12 created");
	PRINTED("(created: you are its operator)");
	session_input(&S, S("/topic"));
	expect_sent("TOPIC #cs101");
	feed("OK TOPIC #cs101 bob 1795290000000 Week 3: pointers");
	PRINTED("topic of #cs101: Week 3: pointers (set by bob");
	session_input(&S, S("/topic Week 4"));
	expect_sent("TOPIC #cs101 Week 4");
	feed("OK TOPIC #cs101 13");
	feed("EV 13 1795290000000 #cs101 TOPIC alice al Week 4");
	PRINTED("alice set the topic of #cs101: Week 4");
	session_input(&S, S("/rooms"));
	expect_sent("ROOMS");
	feed("ROOM #general 3 y y config Welcome");
	feed("ROOM #cs101 1 y y user Week 4");
	feed("ROOM #staff 2 n n config staff only");
	feed("OK ROOMS 3");
	PRINTED("ROOM                       PEOPLE");
	PRINTED("#staff                          2  closed  config  staff only");
	PRINTED("3 rooms");
	session_input(&S, S("/part bye all"));
	expect_sent("PART #cs101 bye all");
	feed("OK PART #cs101 14");
	PRINTED("you left #cs101; you type into #general");
	ck_assert_str_eq(session_room(&S), "#general");
	teardown();
}
END_TEST

/* A reconnect: JOIN resumes the default room from its own last seq, then
 * each other room is ENTERed again from its own; overlaps dropped. */
START_TEST(test_rooms_resume_per_room)
{
	joined_rooms(10);
	session_input(&S, S("/join #cs101"));
	expect_sent("ENTER #cs101");
	feed("OK ENTER #cs101 20");
	session_input(&S, S("/join #ops"));
	expect_sent("ENTER #ops");
	feed("OK ENTER #ops 21");
	feed("EV 22 1795290000000 #general MSG bob g22");
	feed("EV 25 1795290000000 #cs101 MSG carol c25");
	session_input(&S, S("/switch #cs101"));
	hang_up();
	session_tick(&S, S.retry_at);
	/* Connected again, not greeted yet: the prompt and the row still
	 * name the room typed into. */
	struct status_info in;
	session_status_info(&S, &in, 0, 0);
	ck_assert_str_eq(session_room(&S), "#cs101");
	ck_assert_str_eq(in.room, "cs101");
	accept_peer();
	expect_sent("PROTO 2");
	expect_sent("JOIN alice 22");
	feed("OK PROTO 2");
	feed("OK JOIN alice 30");
	expect_sent("PING lchat-sync");
	feed("EV 22 1795290000000 #general MSG bob g22");
	feed("EV 27 1795290000000 #general MSG bob g27");
	feed("PONG lchat-sync");
	expect_sent("ENTER #cs101 25");
	feed("OK ENTER #cs101 31");
	feed("EV 25 1795290000000 #cs101 MSG carol c25");
	feed("EV 28 1795290000000 #cs101 MSG carol c28");
	expect_sent("ENTER #ops 21");
	feed("OK ENTER #ops 32");
	ck_assert_int_eq(count_printed("g22"), 1);
	ck_assert_int_eq(count_printed("c25"), 1);
	PRINTED("] #general <bob> g27");
	PRINTED("] <carol> c28");
	/* Typed into the same room as before. */
	ck_assert_str_eq(session_room(&S), "#cs101");
	teardown();
}
END_TEST

/* lchat -r: the room entered before any line goes, every line into it;
 * a room refused ends the script. */
START_TEST(test_rooms_script_room)
{
	greeting = ROOMS_HELLO;
	start(true, "ci");
	snprintf(S.want_room, sizeof(S.want_room), "#cs101");
	expect_sent("PROTO 2");
	expect_sent("JOIN ci");
	feed("OK PROTO 2");
	feed("OK JOIN ci 10");
	expect_sent("PING lchat-sync");
	ck_assert(!session_ready(&S));
	feed("PONG lchat-sync");
	expect_sent("ENTER #cs101");
	ck_assert(!session_ready(&S));
	feed("OK ENTER #cs101 11");
	ck_assert(session_ready(&S));
	session_input(&S, S("build 42 passed"));
	expect_sent("SAY #cs101 build 42 passed");
	feed("EV 12 1795290000000 #general MSG bob hi");
	PRINTED("#general MSG bob hi");
	teardown();
	greeting = ROOMS_HELLO;
	start(true, "ci");
	snprintf(S.want_room, sizeof(S.want_room), "#staff");
	expect_sent("PROTO 2");
	expect_sent("JOIN ci");
	feed("OK PROTO 2");
	feed("OK JOIN ci 10");
	expect_sent("PING lchat-sync");
	feed("PONG lchat-sync");
	expect_sent("ENTER #staff");
	feed("ERR not-allowed only the group staff may enter");
	expect_sent("QUIT");
	ck_assert_int_eq(S.exit_code, EXIT_RUNTIME);
	teardown();
}
END_TEST

static Suite *client_session_suite(void)
{
	Suite *s = suite_create("client_session");
	TCase *tc;

	tc = tcase_create("join");
	tcase_add_test(tc, test_join_history_and_separator);
	tcase_add_test(tc, test_waiting_after_history);
	tcase_add_test(tc, test_join_default_name_and_no_history);
	tcase_add_test(tc, test_name_refused_asks_again);
	tcase_add_test(tc, test_name_refused_script_exits);
	suite_add_tcase(s, tc);

	tc = tcase_create("events");
	tcase_add_test(tc, test_duplicates_dropped);
	tcase_add_test(tc, test_own_messages_on_ack);
	tcase_add_test(tc, test_rate_limited_queue);
	tcase_add_test(tc, test_join_rate_limited);
	tcase_add_test(tc, test_drop_waiting_and_leave);
	tcase_add_test(tc, test_leave_after_queue);
	tcase_add_test(tc, test_line_breaks_split_lines);
	tcase_add_test(tc, test_max_line_from_hello);
	tcase_add_test(tc, test_long_message_cut);
	tcase_add_test(tc, test_unknown_command_sends_nothing);
	tcase_add_test(tc, test_mention_rings);
	tcase_add_test(tc, test_who_table);
	tcase_add_test(tc, test_unknown_lines);
	suite_add_tcase(s, tc);

	tc = tcase_create("connection");
	tcase_add_test(tc, test_kicked_no_reconnect);
	tcase_add_test(tc, test_unknown_bye_no_reconnect);
	tcase_add_test(tc, test_backoff_doubles_to_ten_seconds);
	tcase_add_test(tc, test_resume_no_gap);
	tcase_add_test(tc, test_resume_gap_reported);
	tcase_add_test(tc, test_resume_refused_joins_afresh);
	tcase_add_test(tc, test_unconfirmed_reported);
	tcase_add_test(tc, test_waiting_lines_survive_reconnect);
	tcase_add_test(tc, test_script_resends_rate_limited);
	tcase_add_test(tc, test_quit_waits_for_ok);
	tcase_add_test(tc, test_quit_gives_up_waiting);
	suite_add_tcase(s, tc);

	tc = tcase_create("status");
	tcase_add_test(tc, test_lag_ping);
	tcase_add_test(tc, test_no_lag_ping_without_status);
	tcase_add_test(tc, test_own_name_from_server_checked);
	suite_add_tcase(s, tc);

	tc = tcase_create("rooms");
	tcase_add_test(tc, test_rooms_proto2_only_when_offered);
	tcase_add_test(tc, test_rooms_proto2_refused);
	tcase_add_test(tc, test_rooms_enter_mark_and_dedupe);
	tcase_add_test(tc, test_rooms_part_topic_rooms);
	tcase_add_test(tc, test_rooms_resume_per_room);
	tcase_add_test(tc, test_rooms_script_room);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(client_session_suite());
}
