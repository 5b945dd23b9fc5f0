/*
 * The relay's reader of samkit's channel protocol (docs/protocol.md; the constants are protocol.h's):
 * it splits the bytes from Node into frames, enforcing the size limits. Kept apart from relay.c so
 * that the fuzz and golden-frames tests compile it alone, with sanitizers.
 */
#ifndef SAMKIT_FRAME_READER_H
#define SAMKIT_FRAME_READER_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"

enum frame_reader_status { READER_OK = 0, READER_BROKEN = 1, READER_NO_MEMORY = 2 };

struct frame_reader {
	unsigned char *buffer;
	size_t capacity;
	size_t used;
	size_t max_data_size;
	/* The offending frame, once READER_BROKEN. */
	unsigned char bad_type;
	uint32_t bad_length;
};

typedef void (*frame_handler)(void *context, unsigned char type, const unsigned char *payload, uint32_t length);

static inline uint32_t frame_get_u32(const unsigned char *at)
{
	return ((uint32_t)at[0] << 24) | ((uint32_t)at[1] << 16) | ((uint32_t)at[2] << 8) | at[3];
}

/* Room for at least `minimum` more bytes at buffer + used. */
static inline int frame_reader_reserve(struct frame_reader *reader, size_t minimum)
{
	if (reader->capacity - reader->used >= minimum) return READER_OK;
	size_t wanted = reader->capacity == 0 ? 65536 : reader->capacity;
	while (wanted - reader->used < minimum) wanted *= 2;
	unsigned char *grown = realloc(reader->buffer, wanted);
	if (grown == NULL) return READER_NO_MEMORY;
	reader->buffer = grown;
	reader->capacity = wanted;
	return READER_OK;
}

/* After `got` new bytes at buffer + used: hands every whole frame to `handler` and keeps the rest.
 * An unknown type or a frame over its limit is READER_BROKEN (nothing after it is read). */
static inline int frame_reader_consume(struct frame_reader *reader, size_t got, frame_handler handler, void *context)
{
	reader->used += got;
	size_t offset = 0;
	int status = READER_OK;
	while (reader->used - offset >= HEADER_SIZE) {
		unsigned char type = reader->buffer[offset];
		uint32_t length = frame_get_u32(reader->buffer + offset + 1);
		size_t limit = type == FRAME_DATA_STORE ? reader->max_data_size : SMALL_FRAME_LIMIT;
		if (!frame_type_known(type) || length > limit) {
			reader->bad_type = type;
			reader->bad_length = length;
			status = READER_BROKEN;
			break;
		}
		if (reader->used - offset - HEADER_SIZE < length) {
			/* The rest of this frame is still to come: make room for all of it now. */
			memmove(reader->buffer, reader->buffer + offset, reader->used - offset);
			reader->used -= offset;
			return frame_reader_reserve(reader, HEADER_SIZE + (size_t)length - reader->used);
		}
		handler(context, type, reader->buffer + offset + HEADER_SIZE, length);
		offset += HEADER_SIZE + length;
	}
	memmove(reader->buffer, reader->buffer + offset, reader->used - offset);
	reader->used -= offset;
	return status;
}

#endif
