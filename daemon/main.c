/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* main.c - lchatd's command line: check the config, then either stay in
 * the foreground as the supervisor (-f) or fork into the background and
 * return to the shell once the daemon is ready. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "passwd.h"
#include "proctitle.h"
#include "readiness.h"
#include "startcheck.h"
#include "supervisor.h"
#include "util.h"
#include "version.h"

/* Exit codes, documented in lchatd(8). */
enum { EXIT_OK = 0, EXIT_START = 1, EXIT_USAGE = 2, EXIT_CONFIG = 3 };

static void usage(FILE *out)
{
	fprintf(out,
		"usage: lchatd [-f] [-n] [-c FILE]\n"
		"  -c FILE     configuration file (default " LCHAT_DEFAULT_CONFIG ")\n"
		"  -f          stay in the foreground, log to stderr\n"
		"  -n          check the configuration and the socket directories, exit\n"
		"  -h, --help  show this help\n"
		"  -V, --version  show the version\n");
}

static int redirect_stdio(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	for (int i = 0; i < 3; i++)
		if (dup2(fd, i) < 0)
			return -1;
	if (fd > 2)
		close(fd);
	return 0;
}

/* Fork the supervisor into its own session; this process waits for the
 * word from the daemon and reports it. */
static int background(struct lchat_config *cfg)
{
	int rp[2];

	if (pipe2(rp, O_CLOEXEC) < 0) {
		fprintf(stderr, "lchatd: pipe: %s\n", strerror(errno));
		return EXIT_START;
	}
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "lchatd: fork: %s\n", strerror(errno));
		return EXIT_START;
	}
	if (pid == 0) {
		close(rp[0]);
		if (setsid() < 0 || chdir("/") < 0 || redirect_stdio() < 0)
			_exit(EXIT_START);
		log_open("lchatd", false);
		exit(supervisor_main(cfg, rp[1]));
	}
	close(rp[1]);
	char err[1200];
	if (readiness_wait(rp[0], -1, err, sizeof(err)) == 0)
		return EXIT_OK;
	fprintf(stderr, "lchatd: %s\n", err);
	return EXIT_START;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_path = LCHAT_DEFAULT_CONFIG;
	bool foreground = false, check_only = false;
	int opt;

	proctitle_init(argc, argv);
	while ((opt = getopt_long(argc, argv, "c:fnhV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': config_path = optarg; break;
		case 'f': foreground = true; break;
		case 'n': check_only = true; break;
		case 'h': usage(stdout); return EXIT_OK;
		case 'V': printf("lchatd %s\n", LCHAT_VERSION); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}

	struct lchat_config cfg;
	char err[1024];
	if (config_load(config_path, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "lchatd: %s\n", err);
		config_free(&cfg);
		return EXIT_CONFIG;
	}
	if (check_only) {
		/* Everything a start checks (startcheck.c), nothing less. */
		struct start_plan plan;
		if (start_check(&cfg, &plan, err, sizeof(err)) < 0) {
			fprintf(stderr, "lchatd: %s\n", err);
			config_free(&cfg);
			return EXIT_CONFIG;
		}
		printf("lchatd: %s: configuration OK\n", config_path);
		config_free(&cfg);
		return EXIT_OK;
	}
	/* Whatever the caller left open (a shell's or a test runner's
	 * descriptors) would otherwise stay open in the supervisor and the
	 * daemon for their whole life. */
	if (close_range(3, ~0U, 0) < 0) {
		fprintf(stderr, "lchatd: close_range: %s\n", strerror(errno));
		return EXIT_START;
	}
	if (ignore_sigpipe() < 0) {
		fprintf(stderr, "lchatd: sigaction: %s\n", strerror(errno));
		return EXIT_START;
	}
	umask(022);
	/* Before any fork: the daemon, the handlers and their lookup
	 * children (common/accounts.c) then share the loaded modules instead
	 * of each loading its own (docs/performance.md, step 1). */
	nss_preload();
	int rc;
	if (foreground) {
		log_open("lchatd", true);
		rc = supervisor_main(&cfg, -1);
	} else {
		rc = background(&cfg);
	}
	config_free(&cfg);
	return rc;
}
