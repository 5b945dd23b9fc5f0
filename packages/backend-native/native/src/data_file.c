/* Reading the data file (data_file.h). */
#define _GNU_SOURCE
#include "data_file.h"

#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "arguments.h"

int data_file = -1;

static uint32_t get_le32(const unsigned char *at) { return (uint32_t)at[0] | (uint32_t)at[1] << 8 | (uint32_t)at[2] << 16 | (uint32_t)at[3] << 24; }

static double get_le_double(const unsigned char *at)
{
	uint64_t bits = 0;
	for (int index = 7; index >= 0; index--) bits = bits << 8 | at[index];
	double value;
	memcpy(&value, &bits, sizeof(value));
	return value;
}

/* FNV-1a over a header's bytes before its check, as data-file.ts's checkOf. */
static uint32_t header_check(const unsigned char *header)
{
	uint32_t hash = DATA_FILE_CHECK_BASIS;
	for (int index = 0; index < DATA_FILE_CHECKED_BYTES; index++) hash = (hash ^ header[index]) * DATA_FILE_CHECK_PRIME;
	return hash;
}

int read_data_file(uint32_t *sequence, unsigned char **data, size_t *length)
{
	*data = NULL;
	*length = 0;
	unsigned char headers[DATA_FILE_HEADERS * DATA_FILE_HEADER_BYTES];
	ssize_t got = pread(data_file, headers, sizeof(headers), 0);
	if (got < 0) return -1;
	int found = 0;
	double offset = 0, size = 0;
	for (int slot = 0; slot < DATA_FILE_HEADERS && got >= (slot + 1) * DATA_FILE_HEADER_BYTES; slot++) {
		const unsigned char *header = headers + slot * DATA_FILE_HEADER_BYTES;
		if (get_le32(header + DATA_FILE_AT_MAGIC) != DATA_FILE_MAGIC || get_le32(header + DATA_FILE_AT_CHECK) != header_check(header)) continue;
		if (found && get_le32(header + DATA_FILE_AT_SEQUENCE) <= *sequence) continue;
		found = 1;
		*sequence = get_le32(header + DATA_FILE_AT_SEQUENCE);
		offset = get_le_double(header + DATA_FILE_AT_OFFSET);
		size = get_le_double(header + DATA_FILE_AT_LENGTH);
	}
	if (!found) return 0;
	if (!(size >= 0 && size <= (double)max_data_size && offset >= 0 && offset < 1e15)) return -1;
	if (size == 0) return 1;
	*length = (size_t)size;
	*data = malloc(*length);
	if (*data == NULL) return -1;
	for (size_t done = 0; done < *length;) {
		ssize_t part = pread(data_file, *data + done, *length - done, (off_t)offset + (off_t)done);
		if (part <= 0) {
			free(*data);
			*data = NULL;
			return -1;
		}
		done += (size_t)part;
	}
	return 1;
}
