/* The relay's side of the channel to Node (channel.h). */
#define _GNU_SOURCE
#include "channel.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

int channel = -1;
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;

static int write_all(int fd, const void *buffer, size_t length)
{
	const char *cursor = buffer;
	while (length > 0) {
		ssize_t written = write(fd, cursor, length);
		if (written < 0) {
			if (errno == EINTR) continue;
			return -1;
		}
		cursor += written;
		length -= (size_t)written;
	}
	return 0;
}

/* A failed write means Node is gone: SIGCHLD follows. */
void send_frame(unsigned char type, const void *payload, size_t length, const void *tail, size_t tail_length)
{
	unsigned char header[HEADER_SIZE];
	header[0] = type;
	put_u32(header + 1, (uint32_t)(length + tail_length));
	pthread_mutex_lock(&write_lock);
	if (write_all(channel, header, HEADER_SIZE) == 0 && (length == 0 || write_all(channel, payload, length) == 0) && tail_length > 0)
		write_all(channel, tail, tail_length);
	pthread_mutex_unlock(&write_lock);
}

void send_reply(unsigned char request, cs_error_t error, const char *message)
{
	unsigned char payload[5];
	payload[0] = request;
	put_u32(payload + 1, (uint32_t)error);
	send_frame(FRAME_REPLY, payload, sizeof(payload), message, message ? strlen(message) : 0);
}

void send_welcome(uint32_t instance_id, uint32_t interval_ms, uint16_t warn_signal, const void *data, size_t size)
{
	unsigned char head[13];
	put_u16(head, PROTOCOL_VERSION);
	put_u32(head + 2, instance_id);
	put_u32(head + 6, interval_ms);
	put_u16(head + 10, warn_signal);
	head[12] = size > 0 ? 1 : 0;
	send_frame(FRAME_WELCOME, head, sizeof(head), data, size);
}

void send_ping(uint32_t sequence)
{
	unsigned char payload[4];
	put_u32(payload, sequence);
	send_frame(FRAME_HC_PING, payload, sizeof(payload), NULL, 0);
}
