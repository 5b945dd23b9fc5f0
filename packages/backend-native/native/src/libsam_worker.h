/*
 * The relay's libsam calls, in Node's order and one at a time, on the libsam thread.
 */
#ifndef SAMKIT_LIBSAM_WORKER_H
#define SAMKIT_LIBSAM_WORKER_H

#include <stddef.h>

#pragma GCC visibility push(hidden)

/* The libsam thread: runs what enqueue() queued. */
void *libsam_thread(void *unused);
/* Queues the call a frame from Node asks for; a heartbeat or a FRAME_DATA_STORED already queued takes this one's place. */
void enqueue(unsigned char type, const unsigned char *payload, size_t length);
/* A FRAME_DATA_STORE or FRAME_DATA_STORED made at once on this thread when no call is queued or
 * running; 0 when it must be queued. */
int data_store_now(unsigned char type, const unsigned char *payload, size_t length);

#pragma GCC visibility pop

#endif
