/*
 * The supervisor's threads ask for a short time slice (scheduling.c says why); Node gets its own back.
 */
#ifndef SAMKIT_SCHEDULING_H
#define SAMKIT_SCHEDULING_H

#include <stdint.h>

#pragma GCC visibility push(hidden)

#define SUPERVISOR_SLICE_NS 100000u

/* The slice the agent was started with, which Node gets back. */
extern uint64_t started_slice;

/* Sets this thread's slice, keeping its policy and nice value; only SCHED_OTHER and SCHED_BATCH have
 * one. Best effort: a kernel that refuses leaves the thread as it was. */
void set_slice(uint64_t nanoseconds, uint64_t *previous);

#pragma GCC visibility pop

#endif
