/* command.h - turn lchat-admin's command line (VERB ARGS...) into the one
 * control-socket command it stands for. Pure: no I/O, unit-tested. */
#ifndef LCHAT_ADMIN_COMMAND_H
#define LCHAT_ADMIN_COMMAND_H

#include <stddef.h>

enum admin_verb {
	AV_NONE = 0,
	AV_NOTICE, AV_WHO, AV_KICK, AV_MUTE, AV_UNMUTE, AV_BAN, AV_UNBAN,
	AV_BANS, AV_STATUS, AV_RELOAD, AV_SHUTDOWN, AV_PING,
};

/* The verb named by word (lower case, as typed), or AV_NONE. */
enum admin_verb admin_verb_lookup(const char *word);

/* Build the protocol line (without "\n") for verb and its arguments
 * (argv[0..argc-1], the words after the verb) into out. Durations are
 * converted to seconds (0 for no end). Returns 0, or -1 with a message
 * in err for a usage error. `notice` with no words is a usage error here:
 * reading notices from stdin is the caller's business. */
int admin_build_command(enum admin_verb verb, int argc, char *const argv[], char *out,
			size_t outcap, char *err, size_t errlen);

#endif
