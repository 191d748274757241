/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* main.c - lchat, the terminal chat client: options, configuration, and
 * the choice between the interactive mode (stdin and stdout are both
 * terminals: readline, colours) and the scripting mode (plain lines).
 * docs/lchat.1 documents all of it. */
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkwait.h"
#include "config.h"
#include "peercheck.h"
#include "run.h"
#include "script.h"
#include "session.h"
#include "term.h"
#include "util.h"
#include "version.h"
#include "wrap.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lchat [-s SOCKET] [-c CONFIG] [-n NAME] [--bell=WHEN] [--no-history]\n"
		"             [--listen] [--paste-lines N] [--no-status] [-r ROOM]\n"
		"\n"
		"Chat with the people on this machine (lchatd's room).\n"
		"\n"
		"  -s, --socket PATH   the room's socket (default: $LCHAT_SOCKET, else the\n"
		"                      config's socket option)\n"
		"  -c, --config FILE   the configuration (default " LCHAT_DEFAULT_CONFIG ")\n"
		"  -n, --name NAME     the name to join with (default: your login name)\n"
		"  -r, --room ROOM     enter ROOM and write into it (a server with rooms)\n"
		"      --bell=WHEN     ring the terminal bell for: mentions (of your name,\n"
		"                      and private messages and notices: the default),\n"
		"                      all (also every message), none\n"
		"  -H, --no-history    scripting mode: do not print the history\n"
		"  -l, --listen        scripting mode: stay after the end of stdin\n"
		"      --paste-lines N a paste of more than N lines asks first (default %d)\n"
		"      --no-status     no status row above the input line\n"
		"      --check         say how many messages wait for you, and quit\n"
		"                      (for a login script; quiet if none, or no lchatd)\n"
		"  -h, --help          this help\n"
		"  -V, --version       the version\n"
		"\n"
		"Interactive when stdin and stdout are terminals (type /help there);\n"
		"otherwise each stdin line is sent and events are printed one per line.\n"
		"Exit status: 0 ok, 1 connection or runtime error, 2 usage, 3 config,\n"
		"4 refused (name refused when not interactive, kicked, banned).\n"
		"See lchat(1).\n", PASTE_ASK_LINES);
}

/* --paste-lines N: 0 to 1000000. */
static bool parse_lines(const char *arg, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || v > 1000000)
		return false;
	*out = (unsigned)v;
	return true;
}

/* Where the room is: -s, $LCHAT_SOCKET, else the config's socket. */
static int find_socket(const char *opt, const char *conf_path, bool conf_given, char **out)
{
	const char *env = getenv("LCHAT_SOCKET");
	struct lchat_config cfg;
	char err[512];

	if (opt) {
		*out = strdup(opt);
	} else if (env && env[0]) {
		*out = strdup(env);
	} else {
		if (!conf_given && access(conf_path, F_OK) < 0 && errno == ENOENT) {
			/* No configuration at all: the built-in default. */
			if (config_defaults(&cfg) < 0)
				return EXIT_RUNTIME;
		} else if (config_load_sockets(conf_path, &cfg, err, sizeof(err)) < 0) {
			fprintf(stderr, "lchat: %s\n", err);
			config_free(&cfg);
			return EXIT_CONFIG;
		}
		*out = strdup(cfg.socket);
		config_free(&cfg);
	}
	return *out ? 0 : EXIT_RUNTIME;
}

/* TERM names a real terminal: the bell (and cursor movement) work. */
static bool bell_wanted(void)
{
	const char *term = getenv("TERM");

	return term && term[0] && strcmp(term, "dumb") != 0;
}

static bool colour_wanted(void)
{
	const char *nc = getenv("NO_COLOR");

	return !(nc && nc[0]) && bell_wanted();
}

/* getopt_long's value for the options without a short form. */
enum { OPT_PASTE_LINES = 256, OPT_NO_STATUS, OPT_CHECK };

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "name", required_argument, NULL, 'n' },
		{ "room", required_argument, NULL, 'r' },
		{ "no-history", no_argument, NULL, 'H' },
		{ "bell", required_argument, NULL, 'B' },
		{ "listen", no_argument, NULL, 'l' },
		{ "paste-lines", required_argument, NULL, OPT_PASTE_LINES },
		{ "no-status", no_argument, NULL, OPT_NO_STATUS },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH };
	const char *sock_opt = NULL, *conf = LCHAT_DEFAULT_CONFIG, *name = NULL, *room = NULL;
	bool conf_given = false, no_history = false, listen = false, interactive, status = true;
	bool check = false;
	enum bell_mode bell = BELL_MENTIONS;
	char *sock = NULL;
	struct session s;
	struct script sc;
	struct render_opts ro = { 0 };
	struct session_ui ui = { 0 };
	int c, rc, sigfd;
	unsigned paste_ask = PASTE_ASK_LINES;

	setlocale(LC_ALL, "");
	wrap_set_ambiguous_wide(wrap_locale_is_cjk());
	while ((c = getopt_long(argc, argv, "s:c:n:r:HlhV", opts, NULL)) != -1) {
		switch (c) {
		case 's': sock_opt = optarg; break;
		case 'c': conf = optarg; conf_given = true; break;
		case 'n': name = optarg; break;
		case 'r': room = optarg; break;
		case 'H': no_history = true; break;
		case 'B':
			if (!bell_mode_parse(optarg, strlen(optarg), &bell)) {
				fprintf(stderr, "lchat: --bell is all, mentions or none, not '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'l': listen = true; break;
		case OPT_PASTE_LINES:
			if (!parse_lines(optarg, &paste_ask)) {
				fprintf(stderr, "lchat: --paste-lines takes a number of lines, "
					"0 to 1000000\n");
				return EXIT_USAGE;
			}
			break;
		case OPT_NO_STATUS: status = false; break;
		case OPT_CHECK: check = true; break;
		case 'h': usage(stdout); return EXIT_OK;
		case 'V': printf("lchat %s (protocol %s/%d)\n", LCHAT_VERSION, PROTO_NAME,
				 PROTO_VERSION); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "lchat: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (name && (!name[0] || strlen(name) > NAME_MAX_LEN)) {
		fprintf(stderr, "lchat: a name is 1 to %d characters\n", NAME_MAX_LEN);
		return EXIT_USAGE;
	}
	char want_room[ROOM_NAME_SIZE] = "";
	if (room && !room_name_norm(room, strlen(room), want_room)) {
		fprintf(stderr, "lchat: a room is 1 to %d of a-z, 0-9, '_' and '-', "
			"after an optional '#'\n", ROOM_NAME_MAX);
		return EXIT_USAGE;
	}
	rc = find_socket(sock_opt, conf, conf_given, &sock);
	if (rc)
		return rc;
	if (check) {
		struct peer_trust trust;
		peer_trust_load(&trust, conf);
		rc = ignore_sigpipe() < 0 ? EXIT_RUNTIME : check_waiting(sock, &trust);
		free(sock);
		return rc;
	}
	if (ignore_sigpipe() < 0 || (sigfd = signalfd_for(SIG_BLOCK, sigs, sizeof(sigs) / sizeof(sigs[0]))) < 0) {
		fprintf(stderr, "lchat: %s\n", strerror(errno));
		free(sock);
		return EXIT_RUNTIME;
	}

	interactive = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	ro.colour = interactive && colour_wanted();
	if (interactive) {
		ui.print = term_print;
		ui.ask_name = term_ask_name;
		ui.confirm = term_confirm;
	} else {
		ui.ctx = &sc;
		ui.print = script_print;
	}
	if (session_init(&s, sock, name, !interactive, &ro, &ui) < 0 ||
	    (!interactive && script_init(&sc, &s, listen) < 0)) {
		fprintf(stderr, "lchat: out of memory\n");
		return EXIT_RUNTIME;
	}
	s.no_history = no_history;
	memcpy(s.want_room, want_room, sizeof(s.want_room));
	s.track_members = interactive;     /* Tab completes their names */
	status = status && interactive && bell_wanted();
	s.lag_check = status;              /* the status row shows the lag */
	s.paste_ask = paste_ask;
	s.disp.on = interactive;
	s.disp.bell = bell;
	peer_trust_load(&s.trust, conf);	/* the daemon's user */
	rc = session_start(&s);
	if (rc == SESSION_REFUSED) {
		fprintf(stderr, "lchat: %s\n", s.refused);
		rc = EXIT_RUNTIME;
	} else if (rc < 0) {
		fprintf(stderr, "lchat: cannot connect to %s: %s\n", sock, strerror(errno));
		rc = EXIT_RUNTIME;
	} else {
		if (interactive)
			term_start(&s, bell_wanted(), status);
		rc = run_loop(&s, interactive ? NULL : &sc, sigfd);
		if (interactive)
			term_end();
		if (interactive && s.refused[0])	/* a reconnect found an impostor */
			fprintf(stderr, "lchat: %s\n", s.refused);
	}
	session_free(&s);
	if (!interactive)
		script_free(&sc);
	close(sigfd);
	free(sock);
	return rc;
}
