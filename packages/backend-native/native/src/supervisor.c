/* What every process of sam-agent uses (supervisor.h). */
#define _GNU_SOURCE
#include "supervisor.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

struct shared_state *shared;
pid_t agent_pid;
unsigned int instance_id;

/* What an instance started dies with it: its process group gets SIGKILL once it is gone (by the
 * relay, or, when libsam SIGKILLed the relay, by the next relay or the agent's exit). */
void kill_node_group(void)
{
	pid_t group = shared->node_group;
	if (group > 1) {
		syscall(SYS_kill, -group, SIGKILL);
		shared->node_group = 0;
	}
}

void fail(int code, const char *format, ...)
{
	va_list args;
	fprintf(stderr, "sam-agent: ");
	va_start(args, format);
	vfprintf(stderr, format, args);
	va_end(args);
	fputc('\n', stderr);
	_exit(code);
}
