/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* main.c - lchat-admin: the sysadmin's command-line tool. Parses the
 * command line, finds the control socket (-s, or control_socket in the
 * config), builds the command(s), then speaks to lchatd over the control
 * socket only: greeting, command(s), QUIT. See lchat-admin(8). */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "config.h"
#include "conn.h"
#include "cut.h"
#include "duration.h"
#include "exitcodes.h"
#include "util.h"
#include "version.h"

#define DEFAULT_TIMEOUT_S 10
#define TIMEOUT_MAX_S 3600

/* --help: the verbs come from the table in command.c. */
static void usage(FILE *f)
{
	fprintf(f,
		"usage: lchat-admin [-s SOCKET | -c CONFIG] [--json] [-t SECONDS] VERB [ARGS]\n"
		"\n"
		"Verbs:\n");
	admin_verbs_help(f);
	fprintf(f,
		"\n"
		"Options:\n"
		"  -s, --socket PATH   the control socket (default: control_socket of the config)\n"
		"  -c, --config FILE   the configuration file (default %s)\n"
		"  -j, --json          who, bans, status, reload, rooms, notice --wall: JSON\n"
		"  --wall              notice: write it to the terminals of logged-in users\n"
		"                      who are not in the chat too, as wall(1) does\n"
		"  --group GROUP       notice --wall: only to members of this Unix group\n"
		"  --room ROOM         notice, who, kick: in that room only (kick: parts\n"
		"                      the member from it, the connection stays)\n"
		"  -t, --timeout SECS  wait at most this long for each answer (default %d)\n"
		"  -h, --help          this help\n"
		"  -V, --version       the version\n"
		"\n"
		"Durations, one word: 90 or 90s, 10m, 2h, 1d, 1w, combined as 1h30m; 0 or forever:\n"
		"no end. A word that starts with a digit but is not one is an error.\n"
		"Exit status: 0 success; 1 the daemon refused the command (ERR) or another\n"
		"failure; 2 usage error; 3 configuration error; 4 cannot connect to lchatd;\n"
		"5 permission denied.\n",
		LCHAT_DEFAULT_CONFIG, DEFAULT_TIMEOUT_S);
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "lchat-admin: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'lchat-admin --help'.\n");
	return ADM_USAGE;
}

/* A growable list of command lines. */
struct cmds {
	char **v;
	size_t n;
};

static int cmds_add(struct cmds *c, const char *line)
{
	char **v = realloc(c->v, (c->n + 1) * sizeof(*v));

	if (!v)
		return -1;
	c->v = v;
	if (!(v[c->n] = strdup(line)))
		return -1;
	c->n++;
	return 0;
}

static void cmds_free(struct cmds *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i]);
	free(c->v);
}

/* A verb that reads stdin (notice), given no words: each non-blank line
 * of stdin is one command. */
/* Rewrite every command with fn (--wall, --room): ADM_OK, or the error. */
static int rewrite_cmds(struct cmds *c,
			int (*fn)(const char *in, const char *arg, char *out, size_t outcap,
				  char *err, size_t errlen),
			const char *arg, char *line, size_t cap)
{
	char err[256];

	for (size_t i = 0; i < c->n; i++) {
		if (fn(c->v[i], arg, line, cap, err, sizeof(err)) < 0)
			return usage_error("%s", err);
		char *w = strdup(line);
		if (!w)
			return ADM_FAIL;
		free(c->v[i]);
		c->v[i] = w;
	}
	return ADM_OK;
}

static int lines_from_stdin(struct cmds *c, enum admin_verb verb, char *line, size_t cap)
{
	char *in = NULL, err[256];
	size_t incap = 0;
	ssize_t n;
	int rc = ADM_OK;

	errno = 0;
	while (rc == ADM_OK && (n = getline(&in, &incap, stdin)) >= 0) {
		while (n > 0 && (in[n - 1] == '\n' || in[n - 1] == '\r'))
			in[--n] = '\0';
		if (strspn(in, " \t") == (size_t)n)
			continue;
		char *words[] = { in };
		if (admin_build_command(verb, 1, words, line, cap, err, sizeof(err)) < 0)
			rc = usage_error("%s", err);
		else if (cmds_add(c, line) < 0)
			rc = ADM_FAIL;
	}
	if (rc == ADM_OK && ferror(stdin)) {
		fprintf(stderr, "lchat-admin: reading stdin: %s\n", strerror(errno));
		rc = ADM_FAIL;
	}
	free(in);
	if (rc == ADM_OK && c->n == 0) {
		char msg[128];
		text_printf(msg, sizeof(msg), "no %s text (give TEXT, or lines on stdin)",
			 admin_verb_info(verb)->name);
		rc = usage_error("%s", msg);
	}
	return rc;
}

/* The control socket from the config file; prints why not. */
static int socket_from_config(const char *conf, char **sock)
{
	struct lchat_config cfg;
	char err[512];

	if (config_load_sockets(conf, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "lchat-admin: %s\n", err);
		config_free(&cfg);
		return ADM_CONFIG;
	}
	*sock = strdup(cfg.control_socket);
	config_free(&cfg);
	if (!*sock) {
		fprintf(stderr, "lchat-admin: out of memory\n");
		return ADM_FAIL;
	}
	return ADM_OK;
}

/* Connect, run each command, QUIT. Stops at the first failure. */
static int converse(const char *sock, const struct peer_trust *trust, int timeout_ms,
		    const struct admin_verb_info *verb, const struct cmds *c, bool json)
{
	struct ctl_conn conn;
	int rc = ctl_open(&conn, sock, trust, timeout_ms);

	for (size_t i = 0; rc == ADM_OK && i < c->n; i++) {
		struct reply r;
		rc = ctl_command(&conn, c->v[i], &r);
		if (rc == ADM_OK)
			rc = verb->report(&r, json);
		else if (verb->on_error && r.sl.type == SL_ERR)
			fprintf(stderr, "lchat-admin: %s\n", verb->on_error);
		reply_free(&r);
	}
	ctl_close(&conn);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "lchat-admin: writing the output: %s\n", strerror(errno));
		if (rc == ADM_OK)
			rc = ADM_FAIL;
	}
	return rc;
}

/* Options may come anywhere, as util-linux tools allow ("lchat-admin who
 * --json"), yet a notice's TEXT may start with '-': after the verb only
 * lchat-admin's own options, written out whole ("-t 5", "--timeout=5",
 * not "-t5"), are taken out of the words, and "--" ends them. out
 * (2 * argc + 1 entries) gets argv[0], the options, then the verb and its
 * words, for getopt with "+". Returns the new argc, or -i if argv[i] is
 * an option whose argument is missing. */
static int hoist_options(int argc, char **argv, char **out)
{
	static const char *const with_arg[] = { "-s", "-c", "-t", "--socket", "--config",
						"--timeout", "--group", "--room" };
	static const char *const flags[] = { "-j", "--json", "-h", "--help", "-V", "--version",
					     "--wall" };
	char **words = out + argc + 1;
	int nopt = 1, nword = 0;
	bool verb_seen = false, ended = false;

	out[0] = argv[0];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool opt = !ended && !verb_seen && a[0] == '-', takes = false;

		if (!ended && strcmp(a, "--") == 0) {
			ended = true;
			continue;
		}
		for (size_t k = 0; !ended && k < sizeof(with_arg) / sizeof(with_arg[0]); k++) {
			size_t n = strlen(with_arg[k]);
			if (strcmp(a, with_arg[k]) == 0)
				opt = takes = true;
			else if (n > 2 && strncmp(a, with_arg[k], n) == 0 && a[n] == '=')
				opt = true;
		}
		for (size_t k = 0; !ended && k < sizeof(flags) / sizeof(flags[0]); k++)
			opt |= strcmp(a, flags[k]) == 0;
		if (opt) {
			out[nopt++] = argv[i];
			if (takes && i + 1 == argc)
				return -i;	/* its argument is missing */
			if (takes)
				out[nopt++] = argv[++i];
		} else {
			verb_seen = true;
			words[nword++] = argv[i];
		}
	}
	memmove(out + nopt, words, (size_t)nword * sizeof(*out));
	out[nopt + nword] = NULL;
	return nopt + nword;
}

/* lchat-admin once its options come first. */
static int run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "wall", no_argument, NULL, 'W' },
		{ "group", required_argument, NULL, 'G' },
		{ "room", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock_opt = NULL, *conf = NULL, *group = NULL, *room = NULL;
	bool json = false, wall = false;
	int64_t timeout_s = DEFAULT_TIMEOUT_S;
	int opt;

	if (ignore_sigpipe() < 0) {
		perror("lchat-admin: sigaction");
		return ADM_FAIL;
	}
	/* "+": options end at the verb (hoist_options() brought the later
	 * ones before it), so that TEXT may start with '-'. */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+s:c:jt:hV", longopts, NULL)) != -1) {
		switch (opt) {
		case 's': sock_opt = optarg; break;
		case 'c': conf = optarg; break;
		case 'j': json = true; break;
		case 'W': wall = true; break;
		case 'G': group = optarg; wall = true; break;
		case 'R': room = optarg; break;
		case 't':
			if (!duration_parse(optarg, &timeout_s) || timeout_s <= 0 ||
			    timeout_s > TIMEOUT_MAX_S)
				return usage_error("bad timeout '%s' (seconds, 1 to 3600)", optarg);
			break;
		case 'h':
			usage(stdout);
			return fflush(stdout) == 0 ? ADM_OK : ADM_FAIL;
		case 'V':
			printf("lchat-admin %s (protocol %s/%d)\n", LCHAT_VERSION, CONTROL_PROTO_NAME,
			       PROTO_VERSION);
			return fflush(stdout) == 0 ? ADM_OK : ADM_FAIL;
		default:
			if (optopt && strchr("sct", optopt))
				return usage_error("option -%s needs an argument",
						   (char[]){ (char)optopt, '\0' });
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (sock_opt && conf)
		return usage_error("%s", "give -s or -c, not both");
	if (optind >= argc)
		return usage_error("%s", "no command given");
	const char *verb_word = argv[optind];
	enum admin_verb verb = admin_verb_lookup(verb_word);
	if (verb == AV_NONE)
		return usage_error("unknown command '%s'", verb_word);
	if (wall && verb != AV_NOTICE)
		return usage_error("%s", "--wall and --group are options of notice");
	if (room && verb != AV_NOTICE && verb != AV_WHO && verb != AV_KICK)
		return usage_error("%s", "--room is an option of notice, who and kick");
	if (room && wall)
		return usage_error("%s", "--room and --wall go to different places: give one");

	int nargs = argc - optind - 1;
	char **args = argv + optind + 1;
	size_t cap = MAX_LINE_MAX + 1;
	char *line = malloc(cap), err[512];
	struct cmds cmds = { NULL, 0 };
	int rc = ADM_OK;

	if (!line) {
		fprintf(stderr, "lchat-admin: out of memory\n");
		return ADM_FAIL;
	}
	if (admin_verb_info(verb)->stdin_lines && nargs == 0)
		rc = lines_from_stdin(&cmds, verb, line, cap);
	else if (admin_build_command(verb, nargs, args, line, cap, err, sizeof(err)) < 0)
		rc = usage_error("%s", err);
	else if (cmds_add(&cmds, line) < 0)
		rc = ADM_FAIL;
	if (wall && rc == ADM_OK)
		rc = rewrite_cmds(&cmds, admin_wall_command, group, line, cap);
	if (room && rc == ADM_OK)
		rc = rewrite_cmds(&cmds, admin_room_command, room, line, cap);
	free(line);

	char *sock = NULL;
	if (rc == ADM_OK) {
		if (sock_opt && !(sock = strdup(sock_opt)))
			rc = ADM_FAIL;
		else if (!sock_opt)
			rc = socket_from_config(conf ? conf : LCHAT_DEFAULT_CONFIG, &sock);
	}
	if (rc == ADM_OK) {
		struct peer_trust trust;

		/* The daemon's user, from the config even with -s. */
		peer_trust_load(&trust, conf ? conf : LCHAT_DEFAULT_CONFIG);
		rc = converse(sock, &trust, (int)(timeout_s * 1000), admin_verb_info(verb), &cmds,
			      json);
	}
	free(sock);
	cmds_free(&cmds);
	return rc;
}

int main(int argc, char **argv)
{
	char **hoisted = calloc((size_t)argc * 2 + 1, sizeof(*hoisted));
	int n, rc;

	if (!hoisted) {
		fprintf(stderr, "lchat-admin: out of memory\n");
		return ADM_FAIL;
	}
	n = hoist_options(argc, argv, hoisted);
	if (n < 0)
		rc = usage_error("option %s needs an argument", argv[-n]);
	else
		rc = run(n, hoisted);
	free(hoisted);
	return rc;
}
