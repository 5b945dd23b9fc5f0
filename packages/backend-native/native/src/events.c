/* Events (events.h). */
#define _GNU_SOURCE
#include "events.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arguments.h"
#include "supervisor.h"

static double wall_clock_ms(void)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	return (double)now.tv_sec * 1000.0 + (double)now.tv_nsec / 1e6;
}

const char *signal_name(int signal_number, char *buffer, size_t size)
{
	const char *abbreviation = sigabbrev_np(signal_number);
	if (abbreviation) snprintf(buffer, size, "SIG%s", abbreviation);
	else snprintf(buffer, size, "%d", signal_number);
	return buffer;
}

/* One line, one write(2): lines of several processes on one pipe do not interleave. */
void emit_event(const char *type, const char *format, ...)
{
	if (events_fd < 0) return;
	char fields[512], line[768];
	va_list args;
	va_start(args, format);
	vsnprintf(fields, sizeof(fields), format, args);
	va_end(args);
	int length = snprintf(line, sizeof(line), "%s{\"event\":\"supervisor-%s\",\"type\":\"%s\",\"time\":%.3f,\"pid\":%d%s%s}\n",
		events_prefix, type, type, wall_clock_ms(), (int)agent_pid, fields[0] ? "," : "", fields);
	if (length > 0) {
		ssize_t ignored = write(events_fd, line, (size_t)(length < (int)sizeof(line) ? length : (int)sizeof(line) - 1));
		(void)ignored;
	}
}
