/*
 * The relay's side of the channel to Node (samkit's channel protocol, frame_reader.h): frames to
 * Node, from any thread, and the big-endian numbers in them.
 */
#ifndef SAMKIT_CHANNEL_H
#define SAMKIT_CHANNEL_H

#include <corosync/corotypes.h>
#include <stddef.h>
#include <stdint.h>

#include "frame_reader.h"

#pragma GCC visibility push(hidden)

/* The relay's end of the socket pair (-1 before the relay makes it). */
extern int channel;

static inline void put_u16(unsigned char *at, uint16_t value) { at[0] = value >> 8; at[1] = value & 0xff; }
static inline void put_u32(unsigned char *at, uint32_t value) { at[0] = value >> 24; at[1] = (value >> 16) & 0xff; at[2] = (value >> 8) & 0xff; at[3] = value & 0xff; }
static inline uint16_t get_u16(const unsigned char *at) { return (uint16_t)((at[0] << 8) | at[1]); }
static inline uint32_t get_u32(const unsigned char *at) { return frame_get_u32(at); }

/* One whole frame (payload, then tail) at a time, from any thread. */
void send_frame(unsigned char type, const void *payload, size_t length, const void *tail, size_t tail_length);
/* FRAME_REPLY to `request`: libsam's answer, and a message or NULL. */
void send_reply(unsigned char request, cs_error_t error, const char *message);
/* FRAME_WELCOME: register() resolves in Node with these; no data when `size` is 0 (as in libsam). */
void send_welcome(uint32_t instance_id, uint32_t interval_ms, uint16_t warn_signal, const void *data, size_t size);
/* FRAME_HC_PING: Node's health-check callback is asked, and answers with this sequence number. */
void send_ping(uint32_t sequence);

#pragma GCC visibility pop

#endif
