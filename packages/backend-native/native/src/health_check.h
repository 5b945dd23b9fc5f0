/*
 * Event-driven checking (sam_hc_callback_register): libsam's thread asks, Node answers.
 */
#ifndef SAMKIT_HEALTH_CHECK_H
#define SAMKIT_HEALTH_CHECK_H

#include <stdint.h>

#pragma GCC visibility push(hidden)

/* libsam's health-check callback: 0 when Node answered its ping in time and healthy. */
int hc_callback(void);
/* Node's answer (FRAME_HC_RESULT) to ping `sequence`, from the relay's main thread. */
void hc_answered(uint32_t sequence, int healthy);

#pragma GCC visibility pop

#endif
