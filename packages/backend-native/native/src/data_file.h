/*
 * The data file: a memfd the agent makes before sam_register, so every relay and its Node inherit
 * the same one. Node's dataStore() writes it (backend-kit's data-file.ts has the format and why a store
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

/* The layout is protocol.h's DATA_FILE_* (protocol/protocol.json, docs/protocol.md): little-endian,
 * DATA_FILE_HEADERS headers one after the other from byte 0; the newest whole one (magic and check
 * right, highest sequence) names the data. */
#include "protocol.h"

/* The memfd (-1: none, memfd_create refused; data stores then take the channel). */
extern int data_file;

/* What the file holds last: 1 with its sequence and its data (malloc'd; NULL and 0 when deleted),
 * 0 when nothing was stored in it, -1 when it cannot be read. */
int read_data_file(uint32_t *sequence, unsigned char **data, size_t *length);

#pragma GCC visibility pop

#endif
