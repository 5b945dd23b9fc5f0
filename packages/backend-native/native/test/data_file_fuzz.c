/*
 * Fuzzes the relay's reader of the data file (data_file.c) with seeded files as a hostile or
 * broken instance could leave them: headers right or wrong, lengths and offsets of every kind,
 * files cut anywhere or sparse. Built by the test with AddressSanitizer and UBSan: any fault ends
 * the run. The reader must give the data (never more than the maximum), nothing, or -1.
 * Usage: data_file_fuzz <inputs> <seed>
 */
#define _GNU_SOURCE
#include "../src/data_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

size_t max_data_size = 4096;

static uint64_t state;
static uint32_t next_random(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return (uint32_t)(state >> 11);
}

static void put_le32(unsigned char *at, uint32_t value)
{
	for (int index = 0; index < 4; index++) at[index] = (unsigned char)(value >> (8 * index));
}

static void put_le_double(unsigned char *at, double value)
{
	uint64_t bits;
	memcpy(&bits, &value, sizeof(bits));
	for (int index = 0; index < 8; index++) at[index] = (unsigned char)(bits >> (8 * index));
}

static double pick(void)
{
	static const double numbers[] = {0, 1, 10, 4095, 4096, 4097, 8192, 2147483648.0, 9007199254740992.0, -1, 0.5, 1e300, 1e15, -0.0};
	if (next_random() % 2) return numbers[next_random() % (sizeof(numbers) / sizeof(numbers[0]))];
	return (double)(next_random() % (3 * 4096));
}

int main(int argc, char **argv)
{
	unsigned long inputs = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
	state = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
	if (state == 0) state = 1;
	data_file = memfd_create("data-file-fuzz", 0);
	if (data_file < 0) return 2;
	unsigned long read_count = 0, empty = 0, refused = 0;
	for (unsigned long input = 0; input < inputs; input++) {
		if (ftruncate(data_file, 0) != 0) return 2;
		for (int slot = 0; slot < DATA_FILE_HEADERS; slot++) {
			if (next_random() % 10 >= 7) continue;
			unsigned char header[DATA_FILE_HEADER_BYTES] = {0};
			put_le32(header + DATA_FILE_AT_MAGIC, next_random() % 20 ? DATA_FILE_MAGIC : next_random());
			put_le32(header + DATA_FILE_AT_SEQUENCE, next_random() % 5);
			put_le_double(header + DATA_FILE_AT_OFFSET, DATA_FILE_DATA_START + (next_random() % 2 ? 0 : pick()));
			put_le_double(header + DATA_FILE_AT_LENGTH, pick());
			uint32_t hash = DATA_FILE_CHECK_BASIS;
			for (int index = 0; index < DATA_FILE_CHECKED_BYTES; index++) hash = (hash ^ header[index]) * DATA_FILE_CHECK_PRIME;
			put_le32(header + DATA_FILE_AT_CHECK, next_random() % 10 ? hash : next_random());
			if (pwrite(data_file, header, sizeof(header), slot * DATA_FILE_HEADER_BYTES) != (ssize_t)sizeof(header)) return 2;
		}
		if (next_random() % 2 && ftruncate(data_file, next_random() % (DATA_FILE_DATA_START + 2 * 4096)) != 0) return 2;
		uint32_t sequence = 0;
		unsigned char *data = NULL;
		size_t length = 0;
		int found = read_data_file(&sequence, &data, &length);
		if (found == 1) {
			if (length > max_data_size) {
				fprintf(stderr, "input %lu: %zu bytes read, over the maximum %zu\n", input, length, max_data_size);
				return 1;
			}
			volatile unsigned char sum = 0;
			for (size_t index = 0; index < length; index++) sum ^= data[index];
			(void)sum;
			read_count++;
		} else if (found == 0) {
			empty++;
		} else {
			refused++;
		}
		free(data);
	}
	printf("data file fuzz: %lu inputs, %lu read, %lu empty, %lu refused, no fault\n", inputs, read_count, empty, refused);
	return 0;
}
