/*
 * sam-agent's own kill(2) and poll(2): it is linked with --export-dynamic, so libsam's calls bind
 * to them (interpose.c says why each).
 */
#ifndef SAMKIT_INTERPOSE_H
#define SAMKIT_INTERPOSE_H

#include <signal.h>

#pragma GCC visibility push(hidden)

/* Set while this process is libsam's server, in sam_register (the relay returns from it). */
extern volatile sig_atomic_t in_libsam_server;

/* The agent's timer for libsam's poll time-outs, made before sam_register; without one poll is the plain one. */
void exact_poll_open(void);
/* In the relay: the server's timer is not the relay's. */
void exact_poll_close(void);

#pragma GCC visibility pop

#endif
