/*
 * Fuzzes the relay's frame reader with seeded random inputs, split into random chunks as a socket
 * delivers them. Built by the test with AddressSanitizer and UBSan: any out-of-bounds access,
 * overflow or leak ends the run with an error. Usage: frame_reader_fuzz [inputs] [seed]
 */
#include "../src/frame_reader.h"

#include <stdio.h>

static uint64_t state;
static uint32_t next_random(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return (uint32_t)(state >> 11);
}

static unsigned long frames, broken;

static void check_frame(void *context, unsigned char type, const unsigned char *payload, uint32_t length)
{
	struct frame_reader *reader = context;
	size_t limit = type == FRAME_DATA_STORE ? reader->max_data_size : SMALL_FRAME_LIMIT;
	if (!frame_type_known(type) || length > limit) {
		fprintf(stderr, "a frame the reader should have refused: type 0x%02x, %u bytes\n", type, length);
		exit(1);
	}
	/* Touch every byte: ASan catches a payload that runs past the buffer. */
	volatile unsigned char sum = 0;
	for (uint32_t index = 0; index < length; index++) sum ^= payload[index];
	(void)sum;
	frames++;
}

int main(int argc, char **argv)
{
	unsigned long inputs = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
	state = argc > 2 ? strtoull(argv[2], NULL, 10) : 20261125;
	unsigned char input[8192];
	for (unsigned long round = 0; round < inputs; round++) {
		size_t length;
		if (next_random() % 2) {
			/* Noise. */
			length = next_random() % 256;
			for (size_t index = 0; index < length; index++) input[index] = (unsigned char)next_random();
		} else {
			/* Frames with plausible headers, random payloads, the last maybe truncated. */
			length = 0;
			int count = 1 + next_random() % 8;
			for (int frame = 0; frame < count && length + HEADER_SIZE < sizeof(input); frame++) {
				uint32_t payload = next_random() % 600;
				if (length + HEADER_SIZE + payload > sizeof(input)) break;
				input[length] = (unsigned char)(next_random() % 3 == 0 ? next_random() : FRAME_HELLO + next_random() % 9);
				uint32_t declared = next_random() % 8 == 0 ? next_random() : payload;
				input[length + 1] = declared >> 24;
				input[length + 2] = (declared >> 16) & 0xff;
				input[length + 3] = (declared >> 8) & 0xff;
				input[length + 4] = declared & 0xff;
				for (uint32_t index = 0; index < payload; index++) input[length + HEADER_SIZE + index] = (unsigned char)next_random();
				length += HEADER_SIZE + payload;
			}
			if (next_random() % 4 == 0 && length > 0) length = next_random() % length;
		}
		struct frame_reader reader = {NULL, 0, 0, 1024, 0, 0};
		size_t fed = 0;
		int status = READER_OK;
		while (fed < length && status == READER_OK) {
			size_t chunk = 1 + next_random() % (length - fed);
			if (frame_reader_reserve(&reader, chunk) != READER_OK) return 2;
			memcpy(reader.buffer + reader.used, input + fed, chunk);
			status = frame_reader_consume(&reader, chunk, check_frame, &reader);
			fed += chunk;
		}
		if (status == READER_NO_MEMORY) return 2;
		if (status == READER_BROKEN) broken++;
		free(reader.buffer);
	}
	printf("frame reader fuzz: %lu inputs, %lu frames, %lu refused, no fault\n", inputs, frames, broken);
	return 0;
}
