/*
 * The relay's side of the channel protocol against its golden bytes (protocol/golden-frames.txt):
 * every frame an instance may send the relay is read whole by the frame reader, with its type and
 * payload; backend-fork's exit notice is refused; the frames the relay sends (channel.c) are the
 * golden bytes. Built with ../src/channel.c. Usage: golden_frames <golden-frames.txt>
 */
#include "../src/frame_reader.h"
#include "../src/channel.h"

#include <stdio.h>
#include <unistd.h>

struct seen {
	int count;
	unsigned char type;
	uint32_t length;
	unsigned char payload[64];
};

static void record(void *context, unsigned char type, const unsigned char *payload, uint32_t length)
{
	struct seen *seen = context;
	seen->count++;
	seen->type = type;
	seen->length = length;
	memcpy(seen->payload, payload, length < sizeof(seen->payload) ? length : sizeof(seen->payload));
}

static int hex_value(char digit)
{
	if (digit >= '0' && digit <= '9') return digit - '0';
	if (digit >= 'a' && digit <= 'f') return digit - 'a' + 10;
	return -1;
}

/* The frame's bytes from its hex; returns the count, or -1 for bad hex. */
static int decode_hex(const char *text, unsigned char *bytes, size_t size)
{
	size_t count = 0;
	for (; text[0] != '\0' && text[1] != '\0' && count < size; text += 2) {
		int high = hex_value(text[0]), low = hex_value(text[1]);
		if (high < 0 || low < 0) return -1;
		bytes[count++] = (unsigned char)(high * 16 + low);
	}
	return (int)count;
}

static int failures;
static void fail(const char *name, const char *what)
{
	fprintf(stderr, "golden frame %s: %s\n", name, what);
	failures++;
}

static void check_instance_frame(const char *name, const char *direction, const unsigned char *bytes, int count)
{
	struct frame_reader reader = { .max_data_size = 1 << 20 };
	struct seen seen = { 0 };
	if (frame_reader_reserve(&reader, (size_t)count) != READER_OK) fail(name, "out of memory");
	memcpy(reader.buffer, bytes, (size_t)count);
	int status = frame_reader_consume(&reader, (size_t)count, record, &seen);
	if (strcmp(direction, "fork-only") == 0) {
		if (status != READER_BROKEN || seen.count != 0) fail(name, "the relay takes a frame that is backend-fork's alone");
	} else if (status != READER_OK || seen.count != 1 || reader.used != 0) {
		fail(name, "not read as exactly one whole frame");
	} else if (seen.type != bytes[0] || seen.length != (uint32_t)(count - HEADER_SIZE) || memcmp(seen.payload, bytes + HEADER_SIZE, seen.length) != 0) {
		fail(name, "read with another type or payload");
	}
	free(reader.buffer);
}

/* What channel.c writes for the frame named `name`, read back from a pipe; the count, or -1. */
static int encoded(const char *name, unsigned char *bytes, size_t size)
{
	int ends[2];
	if (pipe(ends) != 0) return -1;
	channel = ends[1];
	if (strcmp(name, "welcome") == 0) send_welcome(2, 1000, 15, "hi", 2);
	else if (strcmp(name, "welcome-no-data") == 0) send_welcome(1, 0, 15, NULL, 0);
	else if (strcmp(name, "reply") == 0) send_reply(FRAME_START, CS_OK, NULL);
	else if (strcmp(name, "reply-error") == 0) send_reply(FRAME_WARN_SIGNAL_SET, CS_ERR_INVALID_PARAM, "bad signal");
	else if (strcmp(name, "healthCheckPing") == 0) send_ping(42);
	close(ends[1]);
	ssize_t count = read(ends[0], bytes, size);
	close(ends[0]);
	return (int)count;
}

static void check_supervisor_frame(const char *name, const unsigned char *bytes, int count)
{
	unsigned char written[256];
	int length = encoded(name, written, sizeof(written));
	if (length < 0) fail(name, "no pipe");
	else if (length == 0) fail(name, "a frame the relay does not send");
	else if (length != count || memcmp(written, bytes, (size_t)count) != 0) fail(name, "the relay writes other bytes");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: golden_frames <golden-frames.txt>\n");
		return 2;
	}
	FILE *file = fopen(argv[1], "r");
	if (file == NULL) {
		perror(argv[1]);
		return 2;
	}
	char line[1024], name[64], direction[32], hex[512];
	int frames = 0;
	while (fgets(line, sizeof(line), file) != NULL) {
		if (line[0] == '#' || line[0] == '\n') continue;
		if (sscanf(line, "%63s %31s %511s", name, direction, hex) != 3) {
			fail(line, "not <name> <direction> <hex>");
			continue;
		}
		unsigned char bytes[256];
		int count = decode_hex(hex, bytes, sizeof(bytes));
		if (count < HEADER_SIZE) {
			fail(name, "bad hex, or shorter than a header");
			continue;
		}
		frames++;
		if (strcmp(direction, "supervisor") == 0) check_supervisor_frame(name, bytes, count);
		else check_instance_frame(name, direction, bytes, count);
	}
	fclose(file);
	if (failures > 0) return 1;
	printf("golden frames: %d checked\n", frames);
	return 0;
}
