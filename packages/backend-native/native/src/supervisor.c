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

const char *cs_name(cs_error_t error)
{
	switch (error) {
	case CS_OK: return "CS_OK";
	case CS_ERR_LIBRARY: return "CS_ERR_LIBRARY";
	case CS_ERR_TRY_AGAIN: return "CS_ERR_TRY_AGAIN";
	case CS_ERR_INVALID_PARAM: return "CS_ERR_INVALID_PARAM";
	case CS_ERR_NO_MEMORY: return "CS_ERR_NO_MEMORY";
	case CS_ERR_BAD_HANDLE: return "CS_ERR_BAD_HANDLE";
	case CS_ERR_ACCESS: return "CS_ERR_ACCESS";
	case CS_ERR_NAME_TOO_LONG: return "CS_ERR_NAME_TOO_LONG";
	case CS_ERR_TOO_BIG: return "CS_ERR_TOO_BIG";
	default: return "CS_ERR_*";
	}
}
