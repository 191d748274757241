/* torture_faults.c - faults at scale: 200 handlers SIGKILLed at once, and
 * a storm of signals on every lchatd process while the room floods.
 *
 * Each case checks that the fault is seen where it should be (the clients
 * of the killed handlers see their connection end, the room is told), that
 * nobody else notices (an observer's events step by exactly one, every
 * poster's messages arrive in order exactly once, nobody else is
 * disconnected, the daemon is not restarted), and that nothing is left
 * (no zombies, every slot free for a new user). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "flood.h"
#include "harness.h"
#include "procs.h"

#define EV "EV [0-9]+ [0-9]+ "

/* Lines of the daemon's log that contain the extended regex re. */
static int log_count(const struct lchatd *d, const char *re)
{
	FILE *log = fopen(d->log, "re");
	char line[2048];
	int n = 0;

	ck_assert_msg(log != NULL, "%s: %s", d->log, strerror(errno));
	while (fgets(line, sizeof(line), log))
		n += re_contains(line, re);
	fclose(log);
	return n;
}

/* How many descriptors pid has open. */
static int fd_count(pid_t pid)
{
	int n = proc_nfds(pid);

	ck_assert_msg(n >= 0, "process %d is gone", (int)pid);
	return n;
}

/* Wait until the daemon has `want` children and no zombies. */
static void wait_children(pid_t dmn, int want, int timeout_ms)
{
	int64_t deadline = mono_ms_now() + timeout_ms;
	int kids, zombies;

	for (;;) {
		kids = count_handlers(dmn, 0);
		zombies = count_handlers(dmn, 'Z');
		if ((kids == want && zombies == 0) || mono_ms_now() >= deadline)
			break;
		sleep_ms(20);
	}
	ck_assert_msg(kids == want && zombies == 0, "the daemon has %d children (%d zombies) "
		      "%d ms later; expected %d and none", kids, zombies, timeout_ms, want);
}

/* The observer's next event must be seq *last + 1 and match re. */
static const char *expect_next(struct tclient *obs, uint64_t *last, const char *re)
{
	const char *line = tc_expect(obs, re, 30000);

	ck_assert_msg(line_seq(line) == *last + 1, "observer: seq %" PRIu64 " after %" PRIu64
		      " (%s)", line_seq(line), *last, line);
	*last += 1;
	return line;
}

/* ---- 200 handlers killed at once -------------------------------------- */

#define MANY 200
START_TEST(test_handlers_killed_at_once)
{
	/* Exactly enough slots: the new users below fit only if every slot
	 * of the dead handlers was freed. */
	struct lchatd *d = lchatd_start("motd = \"\"\nmax_users = 201\nmax_users_per_uid = 201\n"
					"max_unjoined = 201\nmax_unjoined_per_uid = 201\n");
	pid_t dmn = wait_no_handlers(d), kids[512];
	struct tclient *obs = tc_connect(d->sock);
	struct rawc *c[MANY];
	bool joined[MANY] = { false };
	uint64_t last = tc_join(obs, "observer");
	pid_t mine = lchatd_handler_pid(d, "observer");
	int n, killed = 0, dmn_fds = fd_count(dmn);

	for (int i = 0; i < MANY; i++)
		c[i] = rawc_connect(d->sock);
	for (int i = 0; i < MANY; i++)
		rawc_expect(c[i], "HELLO lchat/1 ", 30000);
	for (int i = 0; i < MANY; i += 2)
		rawc_send(c[i], "JOIN fk-u%03d", i);
	for (int i = 0; i < MANY; i += 2) {
		char re[64];

		snprintf(re, sizeof(re), "OK JOIN fk-u%03d [0-9]+$", i);
		rawc_expect(c[i], re, 30000);
	}
	for (int k = 0; k < MANY / 2; k++) {
		const char *line = expect_next(obs, &last, EV "JOIN fk-u[0-9]{3} ");
		joined[atoi(strstr(line, " JOIN fk-u") + 10)] = true;
	}

	/* Every handler but the observer's, in one loop. */
	n = proc_handlers(dmn, kids, 512);
	ck_assert_msg(n == MANY + 1, "the daemon has %d children for %d connections", n, MANY + 1);
	for (int i = 0; i < n; i++)
		if (kids[i] != mine) {
			ck_assert_msg(kill(kids[i], SIGKILL) == 0, "kill %d: %s", (int)kids[i],
				      strerror(errno));
			killed++;
		}
	ck_assert_int_eq(killed, MANY);

	/* Their clients see the end; the room is told once for each member. */
	for (int i = 0; i < MANY; i++) {
		while (rawc_line(c[i], 30000) != NULL)
			;
		ck_assert_msg(rawc_eof(c[i]), "client %d: no end of the connection", i);
		rawc_close(c[i]);
	}
	for (int k = 0; k < MANY / 2; k++) {
		const char *line = expect_next(obs, &last, EV "LEAVE fk-u[0-9]{3} [^ ]+ lost$");
		int i = atoi(strstr(line, " LEAVE fk-u") + 11);

		ck_assert_msg(joined[i], "LEAVE of a member that was not there, or twice: %s", line);
		joined[i] = false;
	}
	tc_expect_silence(obs);
	wait_children(dmn, 1, 30000);
	ck_assert_int_eq(lchatd_daemon_pid(d), dmn);
	ck_assert_int_eq(log_count(d, "crashed: killed by signal 9"), MANY);
	ck_assert_int_eq(fd_count(dmn), dmn_fds);     /* no descriptor leaked */

	/* Every slot is free again: 200 new users join. */
	for (int i = 0; i < MANY; i++)
		c[i] = rawc_connect(d->sock);
	for (int i = 0; i < MANY; i++) {
		rawc_expect(c[i], "HELLO lchat/1 ", 30000);
		rawc_send(c[i], "JOIN fk-v%03d", i);
	}
	for (int i = 0; i < MANY; i++) {
		char re[64];

		snprintf(re, sizeof(re), "OK JOIN fk-v%03d [0-9]+$", i);
		rawc_expect(c[i], re, 30000);
	}
	for (int k = 0; k < MANY; k++)
		expect_next(obs, &last, EV "JOIN fk-v[0-9]{3} ");
	tc_send(obs, "WHO");
	for (int k = 0; k < MANY + 1; k++)
		tc_expect(obs, "WHO ", TC_TIMEOUT);
	tc_expect(obs, "OK WHO 201$", TC_TIMEOUT);
	for (int i = 0; i < MANY; i++)
		rawc_close(c[i]);
	for (int k = 0; k < MANY; k++)
		expect_next(obs, &last, EV "LEAVE fk-v[0-9]{3} [^ ]+ closed$");
	wait_children(dmn, 1, 30000);
	ck_assert_int_eq(fd_count(dmn), dmn_fds);
	tc_close(obs);
	lchatd_stop_ok(d);
}
END_TEST

/* ---- a signal storm during a flood -------------------------------------- */

/* Signals that must not disturb anybody (lchatd.8, SIGNALS): the ones with
 * no meaning for a process, SIGUSR1 to the supervisor (re-read its copy of
 * the configuration), SIGHUP and SIGINT to a handler (only the daemon's
 * SIGTERM ends one). SIGHUP to the supervisor is sent by the test itself,
 * one at a time, and counted. */
static const int any_process[] = { SIGCHLD, SIGWINCH, SIGURG, SIGCONT, SIGPIPE, SIGUSR2 };
static const int supervisor_only[] = { SIGUSR1 };
static const int daemon_only[] = { SIGUSR1 };
static const int handler_only[] = { SIGUSR1, SIGHUP, SIGINT };

struct storm {
	pid_t pid[16];
	int sig[16][16];
	int nsig[16];
	int n;
};

static void storm_add(struct storm *s, pid_t pid, const int *only, int nonly)
{
	int k = 0;

	ck_assert_int_lt(s->n, 16);
	for (size_t i = 0; i < sizeof(any_process) / sizeof(any_process[0]); i++)
		s->sig[s->n][k++] = any_process[i];
	for (int i = 0; i < nonly; i++)
		s->sig[s->n][k++] = only[i];
	s->nsig[s->n] = k;
	s->pid[s->n++] = pid;
}

#define STORM_MAX 2000000       /* signals at most */
#define STORM_MAX_MS 120000     /* and for this long at most */

/* A child sends every target its signals, round after round with 2 ms
 * between, until stop_r is closed (or the bounds above), then writes how
 * many it sent to count_w and exits 0 (1 if kill() failed but for a
 * target that is gone, which is then left alone). */
static pid_t storm_from_child(const struct storm *s, const int stop[2], const int count[2])
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid > 0)
		return pid;
	int stop_r = stop[0], count_w = count[1];
	close(stop[1]);         /* the parent's ends: its close must be seen */
	close(count[0]);
	long sent = 0;
	int64_t end = mono_ms_now() + STORM_MAX_MS;
	struct pollfd p = { .fd = stop_r, .events = POLLIN };
	bool gone[16] = { false };
	while (sent < STORM_MAX && mono_ms_now() < end && poll(&p, 1, 2) == 0)
		for (int t = 0; t < s->n; t++)
			for (int i = 0; i < s->nsig[t] && !gone[t]; i++, sent++)
				if (kill(s->pid[t], s->sig[t][i]) < 0) {
					/* A poster's handler ends when its poster is
					 * done; whether anything died early the test
					 * learns from the log. */
					gone[t] = errno == ESRCH;
					if (gone[t])
						continue;
					fprintf(stderr, "storm: kill(%d, %d): %s\n", (int)s->pid[t],
						s->sig[t][i], strerror(errno));
					_exit(1);
				}
	if (write(count_w, &sent, sizeof(sent)) != (ssize_t)sizeof(sent))
		_exit(1);
	_exit(0);
}

/* The value of a STATUS key, from the control socket. (A raw client: the
 * protocol module's parser, which tclient checks every line with, does not
 * know STATUS lines.) */
static long status_value(struct rawc *ctl, const char *key)
{
	char re[64];
	long v = -1;

	snprintf(re, sizeof(re), "STATUS %s [0-9]+$", key);
	rawc_send(ctl, "STATUS");
	for (;;) {
		const char *line = rawc_expect(ctl, "(STATUS |OK STATUS$)", TC_TIMEOUT);

		if (line_matches(line, "OK STATUS$"))
			break;
		if (line_matches(line, re))
			v = strtol(line + 8 + strlen(key), NULL, 10);
	}
	ck_assert_msg(v >= 0, "STATUS has no %s", key);
	return v;
}

#define STORM_FLOOD 20000
#define STORM_RELOADS 10
#define STORM_LATE_MS 10000
START_TEST(test_signal_storm)
{
	struct lchatd *d = lchatd_start("motd = \"\"\nrate_limit = 100000\nrate_burst = 100000\n"
					"history = 65536\nmax_users_per_uid = 50\n");
	pid_t dmn = wait_no_handlers(d);
	struct tclient *obs = tc_connect(d->sock);
	struct rawc *ctl;
	struct seen s = { 0 };
	struct storm st = { .n = 0 };
	struct pstat before[16];
	int stop[2], count[2];
	long sent = 0;

	s.last_seq = tc_join(obs, "carol");
	pid_t alice = post_from_child(d->sock, "alice", 'a', STORM_FLOOD, 5, true);
	pid_t bob = post_from_child(d->sock, "bob", 'b', STORM_FLOOD, 5, true);
	/* Both joined and posting: every process is a target. */
	while (s.next[0] < 100 || s.next[1] < 100)
		observe(obs, &s, "nobody");
	storm_add(&st, d->pid, supervisor_only, 1);
	storm_add(&st, dmn, daemon_only, 1);
	storm_add(&st, lchatd_handler_pid(d, "carol"), handler_only, 3);
	storm_add(&st, lchatd_handler_pid(d, "alice"), handler_only, 3);
	storm_add(&st, lchatd_handler_pid(d, "bob"), handler_only, 3);
	for (int t = 0; t < st.n; t++)
		ck_assert(pstat_read(st.pid[t], &before[t]));
	int fds_before[3];
	for (int t = 0; t < 3; t++)
		fds_before[t] = fd_count(st.pid[t]);
	ck_assert(pipe2(stop, O_CLOEXEC) == 0 && pipe2(count, O_CLOEXEC) == 0);
	pid_t storm = storm_from_child(&st, stop, count);
	close(stop[0]);
	close(count[1]);

	/* Reloads, one at a time, each counted, while the storm blows. */
	ctl = rawc_connect(d->ctl);
	rawc_expect(ctl, "HELLO lchat-control/1 ", TC_TIMEOUT);
	for (long k = 1; k <= STORM_RELOADS; k++) {
		int64_t deadline = mono_ms_now() + 10000;

		ck_assert(kill(d->pid, SIGHUP) == 0);
		while (status_value(ctl, "reloads") < k) {
			ck_assert_msg(mono_ms_now() < deadline, "SIGHUP %ld: no reload in 10 s", k);
			sleep_ms(5);
		}
		ck_assert_int_eq(status_value(ctl, "reloads"), k);
	}

	/* Every message, in order, exactly once; only the posters leave. */
	int64_t worst = 0;
	while (s.next[0] < STORM_FLOOD || s.next[1] < STORM_FLOOD || s.closed < 2) {
		int64_t late = wall_ms() - line_ms(observe(obs, &s, "nobody"));
		worst = late > worst ? late : worst;
	}
	/* A very generous bound: a stall, not a slow machine, fails it. */
	ck_assert_msg(worst < STORM_LATE_MS, "an event reached the observer %" PRId64
		      " ms late during the storm", worst);
	ck_assert_int_eq(s.lost, 0);
	assert_child_exit_0(alice);
	assert_child_exit_0(bob);
	tc_expect_silence(obs);

	close(stop[1]);
	ck_assert(read(count[0], &sent, sizeof(sent)) == (ssize_t)sizeof(sent));
	close(count[0]);
	assert_child_exit_0(storm);
	ck_assert_msg(sent >= 1000, "only %ld signals were sent during the flood", sent);
	ck_assert_msg(sent < STORM_MAX, "the storm ended (%ld signals) before the flood did", sent);

	/* Nobody was restarted or replaced, and the reloads were counted. */
	for (int t = 0; t < 3; t++) {
		struct pstat now;

		ck_assert_msg(pstat_read(st.pid[t], &now) && now.start == before[t].start &&
			      now.state != 'Z', "process %d did not survive the storm",
			      (int)st.pid[t]);
	}
	/* The control connection was opened after the count. */
	ck_assert_int_eq(fd_count(d->pid), fds_before[0]);
	ck_assert_int_eq(fd_count(dmn), fds_before[1] + 1);
	ck_assert_int_eq(fd_count(st.pid[2]), fds_before[2]);
	ck_assert_int_eq(status_value(ctl, "restarts"), 0);
	ck_assert_int_eq(status_value(ctl, "reloads"), STORM_RELOADS);
	ck_assert_int_eq(log_count(d, "reload \\(on SIGHUP\\)"), STORM_RELOADS);
	ck_assert_msg(!lchatd_log_has(d, "crashed|exited with status|killed by signal", 0),
		      "a process died in the storm");
	tc_send(obs, "WHO");
	tc_expect(obs, "WHO carol ", TC_TIMEOUT);
	tc_expect(obs, "OK WHO 1$", TC_TIMEOUT);
	rawc_close(ctl);
	tc_close(obs);
	lchatd_stop_ok(d);
}
END_TEST

int main(void)
{
	const struct harness_case cases[] = {
		{ "handlers_killed_at_once", test_handlers_killed_at_once, 300 },
		{ "signal_storm", test_signal_storm, 300 },
	};

	return harness_run(harness_suite("torture_faults", cases, HARNESS_NCASES(cases)));
}
