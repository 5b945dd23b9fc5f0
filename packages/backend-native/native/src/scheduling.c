/*
 * Scheduling: the supervisor's threads ask for a short time slice.
 *
 * Every decision in the agent and the relay is a few microseconds of work after a wake-up, and
 * it is late by however long the woken thread waits for a CPU. The thread that wakes it is often
 * the instance (its heartbeat), whose kernel wake-up is a "sync" one: it places the woken thread on
 * the instance's CPU, expecting the instance to sleep next. A hung instance does not: it spins, and
 * the heartbeat's relay and then libsam's server waited behind it for the rest of its time slice,
 * counted against the instance (BENCHMARKS.md, hang detection). With a slice of 0.1 ms (Linux 6.12 and later:
 * sched_attr.sched_runtime for SCHED_OTHER, no privilege needed) a woken thread of the supervisor
 * runs at once. Its CPU share is unchanged (that is what nice sets); only when it runs changes.
 * The relay puts Node back on the slice the user started it with. Older kernels ignore or refuse
 * the request, and nothing else changes.
 */
#define _GNU_SOURCE
#include "scheduling.h"

#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct scheduling {
	uint32_t size;
	uint32_t policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime;
	uint64_t deadline;
	uint64_t period;
	uint32_t utilization_min;
	uint32_t utilization_max;
};

uint64_t started_slice;

void set_slice(uint64_t nanoseconds, uint64_t *previous)
{
	struct scheduling attributes;
	memset(&attributes, 0, sizeof(attributes));
	if (syscall(SYS_sched_getattr, 0, &attributes, sizeof(attributes), 0) != 0) return;
	if (attributes.policy != SCHED_OTHER && attributes.policy != SCHED_BATCH) return;
	if (previous != NULL) *previous = attributes.runtime;
	attributes.size = sizeof(attributes);
	attributes.flags = 0;
	attributes.runtime = nanoseconds;
	syscall(SYS_sched_setattr, 0, &attributes, 0);
}
