/*
 * The data file: a memfd the agent makes before sam_register, so every relay and its Node inherit
 * the same one. Node's dataStore() writes it (core's data-file.ts has the format and why a store
 * killed half-way leaves the one before whole) and sends FRAME_DATA_STORED; it does not wait. The
 * relay then hands the data to libsam (push_data_file in libsam_worker.c), so libsam's server
 * holds it as in C. A store that Node saw resolve but that libsam never got (the relay killed in
 * between) is still in the file, and the next relay gives it to libsam before its welcome
 * (welcome): the file is never older than libsam's copy.
 */
#ifndef SAMKIT_DATA_FILE_H
#define SAMKIT_DATA_FILE_H

#include <stddef.h>
#include <stdint.h>

#pragma GCC visibility push(hidden)

/* The layout, data-file.ts's (little-endian): DATA_FILE_HEADERS headers, one after the other from
 * byte 0; the newest whole one (magic and check right, highest sequence) names the data. */
#define DATA_FILE_MAGIC 0x444d4153u      /* "SAMD" */
#define DATA_FILE_HEADERS 2
#define DATA_FILE_HEADER_SIZE 32
#define DATA_FILE_SEQUENCE_AT 4          /* u32: 1 for the first store */
#define DATA_FILE_OFFSET_AT 8            /* f64: where the data is */
#define DATA_FILE_LENGTH_AT 16           /* f64: its length (0: deleted) */
#define DATA_FILE_CHECK_AT 24            /* u32: FNV-1a of the header's bytes before it */
#define DATA_FILE_CHECK_BASIS 0x811c9dc5u
#define DATA_FILE_CHECK_PRIME 0x01000193u

/* The memfd (-1: none, memfd_create refused; data stores then take the channel). */
extern int data_file;

/* What the file holds last: 1 with its sequence and its data (malloc'd; NULL and 0 when deleted),
 * 0 when nothing was stored in it, -1 when it cannot be read. */
int read_data_file(uint32_t *sequence, unsigned char **data, size_t *length);

#pragma GCC visibility pop

#endif
