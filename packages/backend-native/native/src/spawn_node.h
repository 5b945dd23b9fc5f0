/*
 * The relay's Node: what it inherits, and its start.
 */
#ifndef SAMKIT_SPAWN_NODE_H
#define SAMKIT_SPAWN_NODE_H

#include <sys/types.h>

#pragma GCC visibility push(hidden)

/* The relay's Node instance (its child). */
extern pid_t node_pid;

/* In the agent, at its start: the descriptors the user's process had, which (with the channel and the
 * data file) are the ones that reach Node; `skip` (the data passed to the agent) is not one. */
void record_inherited_fds(int skip);
/* Forks Node (node_pid) with its end of the channel; the child execs the command, or exits EXIT_CANNOT_RUN. */
void start_node(int node_end);

#pragma GCC visibility pop

#endif
