/*
 * The relay: libsam's child, one per instance.
 */
#ifndef SAMKIT_RELAY_H
#define SAMKIT_RELAY_H

#pragma GCC visibility push(hidden)

/* Runs Node and relays for it, in libsam's child after sam_register; ends with Node's verdict. */
__attribute__((noreturn)) void run_relay(void);

#pragma GCC visibility pop

#endif
