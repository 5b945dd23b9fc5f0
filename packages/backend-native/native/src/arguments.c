/* sam-agent's command line (arguments.h). */
#define _GNU_SOURCE
#include "arguments.h"

#include <corosync/corotypes.h>
#include <corosync/sam.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame_reader.h"
#include "supervisor.h"

unsigned int interval_ms;
unsigned int hc_timeout_ms;
size_t max_data_size = 64u * 1024 * 1024;
char **node_argv;
int events_fd = -1;
const char *events_prefix = "";

static void usage(const char *reason)
{
	fprintf(stderr,
		"sam-agent: %s\n"
		"usage: sam-agent --interval MS --recovery quit|restart [--quorum] [--cmap] [--warn-signal N]\n"
		"                 [--data-fd FD] [--hc-timeout MS] [--max-data-size BYTES] [--events-fd FD [--events-prefix TEXT]]\n"
		"                 -- command [arguments...]\n"
		"Runs command under corosync's libsam (the Simple Availability Manager); normally started by\n"
		"@samkit/backend-native's register(), which hands the process over with execv.\n",
		reason);
	exit(EXIT_USAGE);
}

static unsigned long parse_number(const char *text, const char *option, unsigned long maximum)
{
	char *end;
	errno = 0;
	unsigned long value = strtoul(text, &end, 10);
	if (errno != 0 || *text == '\0' || *end != '\0' || text[0] == '-' || value > maximum) {
		char reason[200];
		snprintf(reason, sizeof(reason), "%s takes a whole number up to %lu, not \"%s\"", option, maximum, text);
		usage(reason);
	}
	return value;
}

int parse_arguments(int argc, char **argv, struct arguments *parsed)
{
	int recovery = 0, quorum = 0, cmap = 0, warn_signal = SIGTERM, data_fd = -1, interval_given = 0, hc_timeout_given = 0;
	int index = 1;
	for (; index < argc; index++) {
		const char *option = argv[index];
		const char *value = index + 1 < argc ? argv[index + 1] : NULL;
		if (strcmp(option, "--") == 0) {
			index++;
			break;
		} else if (strcmp(option, "--quorum") == 0) {
			quorum = 1;
		} else if (strcmp(option, "--cmap") == 0) {
			cmap = 1;
		} else if (strcmp(option, "--check") == 0) {
			/* The loader runs this before handing a process over: it fails here, not after execv, when libsam is missing. */
			printf("sam-agent %d\n", PROTOCOL_VERSION);
			return 1;
		} else if (value == NULL) {
			char reason[200];
			snprintf(reason, sizeof(reason), "unknown option or missing value: %s", option);
			usage(reason);
		} else if (strcmp(option, "--interval") == 0) {
			interval_ms = (unsigned int)parse_number(value, option, INT_MAX);
			interval_given = 1;
			index++;
		} else if (strcmp(option, "--recovery") == 0) {
			recovery = strcmp(value, "quit") == 0 ? SAM_RECOVERY_POLICY_QUIT : strcmp(value, "restart") == 0 ? SAM_RECOVERY_POLICY_RESTART : 0;
			if (recovery == 0) usage("--recovery takes quit or restart");
			index++;
		} else if (strcmp(option, "--warn-signal") == 0) {
			warn_signal = (int)parse_number(value, option, 64);
			if (warn_signal == 0) usage("--warn-signal takes a signal number from 1");
			index++;
		} else if (strcmp(option, "--data-fd") == 0) {
			data_fd = (int)parse_number(value, option, 1 << 20);
			index++;
		} else if (strcmp(option, "--hc-timeout") == 0) {
			hc_timeout_ms = (unsigned int)parse_number(value, option, INT_MAX);
			hc_timeout_given = 1;
			index++;
		} else if (strcmp(option, "--events-fd") == 0) {
			events_fd = (int)parse_number(value, option, 1 << 20);
			index++;
		} else if (strcmp(option, "--events-prefix") == 0) {
			events_prefix = value;
			index++;
		} else if (strcmp(option, "--max-data-size") == 0) {
			max_data_size = parse_number(value, option, 1024ul * 1024 * 1024);
			index++;
		} else {
			char reason[200];
			snprintf(reason, sizeof(reason), "unknown option %s", option);
			usage(reason);
		}
	}
	if (!interval_given) usage("--interval is required");
	if (recovery == 0) usage("--recovery is required");
	if (index >= argc) usage("no command after --");
	node_argv = argv + index;
	if (!hc_timeout_given) hc_timeout_ms = interval_ms / 2 > 0 ? interval_ms / 2 : 1;
	*parsed = (struct arguments){recovery, quorum, cmap, warn_signal, data_fd};
	return 0;
}
