/*
 * What every process of sam-agent uses: the state the agent and its relays share, its identity,
 * and how it fails. The parts of sam-agent are listed in agent.c.
 */
#ifndef SAMKIT_SUPERVISOR_H
#define SAMKIT_SUPERVISOR_H

#include <corosync/corotypes.h>
#include <signal.h>
#include <sys/types.h>

#include "protocol.h"

/* sam-agent is linked with --export-dynamic so that its kill and poll take libsam's calls: nothing
 * else of it is exported, so none of its names can stand in for a library's. */
#pragma GCC visibility push(hidden)

#define EXIT_USAGE 2
#define EXIT_CANNOT_RUN 127
/* The agent's SIGKILL of a relay, as the relay takes it: SIGKILL to Node's whole tree, then to itself (interpose.c). */
#define RELAY_KILL_SIGNAL (SIGRTMIN + 2)

/* What the agent and every relay share: each relay is forked from the agent, so one anonymous
 * shared mapping made before sam_register reaches all of them. */
struct shared_state {
	volatile sig_atomic_t warn_signal;        /* the warn signal as last set (libsam has no getter) */
	volatile sig_atomic_t relay_pid;          /* the current relay, for the agent's stop request */
	volatile sig_atomic_t relay_exit_recorded; /* the relay ended by itself, with relay_exit_code */
	volatile sig_atomic_t relay_exit_code;
	volatile sig_atomic_t stopping;           /* the agent was asked to stop (SIGTERM, SIGINT) */
	volatile sig_atomic_t last_exit_code;     /* the last instance's exit code, for a stop */
	volatile sig_atomic_t instance_id;        /* the current instance, for events */
	volatile sig_atomic_t in_stop_handler;    /* the agent's own stop request is sending signals */
	volatile sig_atomic_t node_group;         /* the last instance's process group, cleaned after it */
};

extern struct shared_state *shared;
/* The PID the user started: libsam's server. */
extern pid_t agent_pid;
/* This relay's instance, as sam_register gave it. */
extern unsigned int instance_id;

/* Prints "sam-agent: " and the message to stderr, then _exit(code). */
__attribute__((noreturn, format(printf, 2, 3))) void fail(int code, const char *format, ...);
/* The C name of a cs_error_t (protocol.h's table, the one @samkit/core's SamError uses). */
static inline const char *cs_name(cs_error_t error) { return cs_error_name((int)error); }
void kill_node_group(void);

#pragma GCC visibility pop

#endif
