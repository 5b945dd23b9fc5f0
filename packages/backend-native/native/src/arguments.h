/*
 * sam-agent's command line (see usage() in arguments.c). What the parts of the agent read is in
 * the globals below; what only main() needs is in struct arguments.
 */
#ifndef SAMKIT_ARGUMENTS_H
#define SAMKIT_ARGUMENTS_H

#include <stddef.h>

#pragma GCC visibility push(hidden)

extern unsigned int interval_ms;
extern unsigned int hc_timeout_ms;
extern size_t max_data_size;
extern char **node_argv;
extern int events_fd;            /* -1: no events */
extern const char *events_prefix;

struct arguments {
	int recovery;                /* SAM_RECOVERY_POLICY_QUIT or SAM_RECOVERY_POLICY_RESTART */
	int quorum;
	int cmap;
	int warn_signal;
	int data_fd;                 /* the data stored before register(), or -1 */
};

/* Bad usage prints the usage and exits EXIT_USAGE. Returns 1 for --check, which printed its answer
 * and wants exit code 0, else 0. */
int parse_arguments(int argc, char **argv, struct arguments *parsed);

#pragma GCC visibility pop

#endif
