/*
 * Events (--events-fd): one JSON line per thing the supervisor does, for logs and the
 * conformance suite.
 */
#ifndef SAMKIT_EVENTS_H
#define SAMKIT_EVENTS_H

#include <stddef.h>

#pragma GCC visibility push(hidden)

/* "SIGTERM" for 15, into buffer; the number for a signal without a name. */
const char *signal_name(int signal_number, char *buffer, size_t size);
/* A line {"event":"supervisor-<type>",...} with the fields `format` makes, when --events-fd was given. */
__attribute__((format(printf, 2, 3))) void emit_event(const char *type, const char *format, ...);

#pragma GCC visibility pop

#endif
