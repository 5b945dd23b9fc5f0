/*
 * sam-agent: the real corosync libsam server for a Node.js application.
 *
 *   sam-agent [options] -- node [node options] app.js [arguments]
 *
 * Three processes (see the package README):
 *   agent  = this process, keeping the PID the user started: sam_initialize + sam_register; libsam's
 *            server loop decides everything (time-outs, warn signal, SIGKILL, restart, quit).
 *   relay  = libsam's child (one per instance): runs Node as its own child, forwards signals to it,
 *            mirrors its exit status, and calls the real sam_* functions for it, driven by samkit's
 *            channel protocol on a socket pair.
 *   Node   = the instance: the user's entry script again, attached to the relay by that socket.
 *
 * Written for libsam's assumptions: the agent and the relay are single-threaded C processes when
 * they fork; the relay's own threads (one for libsam calls, libsam's health-check thread) start
 * after Node is forked.
 */
#define _GNU_SOURCE
#include <corosync/corotypes.h>
#include <corosync/sam.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "frame_reader.h"

#define EXIT_USAGE 2
#define EXIT_CANNOT_RUN 127

/* What the agent and every relay share: each relay is forked from the agent, so one anonymous
 * shared mapping made before sam_register reaches all of them. */
struct shared_state {
	volatile sig_atomic_t warn_signal;        /* the warn signal as last set (libsam has no getter) */
	volatile sig_atomic_t relay_pid;          /* the current relay, for the agent's stop request */
	volatile sig_atomic_t relay_exit_recorded; /* the relay ended by itself, with relay_exit_code */
	volatile sig_atomic_t relay_exit_code;
	volatile sig_atomic_t stopping;           /* the agent was asked to stop (SIGTERM, SIGINT) */
	volatile sig_atomic_t last_exit_code;     /* the last instance's exit code, for a stop */
	volatile sig_atomic_t instance_id;        /* the current instance, for events */
	volatile sig_atomic_t in_stop_handler;    /* the agent's own stop request is sending signals */
	volatile sig_atomic_t node_group;         /* the last instance's process group, cleaned after it */
};



static struct shared_state *shared;

/* What an instance started dies with it: its process group gets SIGKILL once it is gone (by the
 * relay, or, when libsam SIGKILLed the relay, by the next relay or the agent's exit). */
static void kill_node_group(void)
{
	pid_t group = shared->node_group;
	if (group > 1) {
		syscall(SYS_kill, -group, SIGKILL);
		shared->node_group = 0;
	}
}
static pid_t agent_pid;
static volatile sig_atomic_t in_libsam_server;
static unsigned int interval_ms;
static unsigned int hc_timeout_ms;
static size_t max_data_size = 64u * 1024 * 1024;
static char **node_argv;
/* Events (--events-fd): one JSON line per thing the supervisor does, for logs and the conformance suite. */
static int events_fd = -1;
static const char *events_prefix = "";
/* File descriptors the user's process had when it became the agent: these, and the channel, reach Node. */
static int inherited_fds[256];
static int inherited_count;

static void fail(int code, const char *format, ...)
{
	va_list args;
	fprintf(stderr, "sam-agent: ");
	va_start(args, format);
	vfprintf(stderr, format, args);
	va_end(args);
	fputc('\n', stderr);
	_exit(code);
}

static const char *cs_name(cs_error_t error)
{
	switch (error) {
	case CS_OK: return "CS_OK";
	case CS_ERR_LIBRARY: return "CS_ERR_LIBRARY";
	case CS_ERR_TRY_AGAIN: return "CS_ERR_TRY_AGAIN";
	case CS_ERR_INVALID_PARAM: return "CS_ERR_INVALID_PARAM";
	case CS_ERR_NO_MEMORY: return "CS_ERR_NO_MEMORY";
	case CS_ERR_BAD_HANDLE: return "CS_ERR_BAD_HANDLE";
	case CS_ERR_ACCESS: return "CS_ERR_ACCESS";
	case CS_ERR_NAME_TOO_LONG: return "CS_ERR_NAME_TOO_LONG";
	case CS_ERR_TOO_BIG: return "CS_ERR_TOO_BIG";
	default: return "CS_ERR_*";
	}
}

static double wall_clock_ms(void)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	return (double)now.tv_sec * 1000.0 + (double)now.tv_nsec / 1e6;
}

static const char *signal_name(int signal_number, char *buffer, size_t size)
{
	const char *abbreviation = sigabbrev_np(signal_number);
	if (abbreviation) snprintf(buffer, size, "SIG%s", abbreviation);
	else snprintf(buffer, size, "%d", signal_number);
	return buffer;
}

/* One line, one write(2): lines of several processes on one pipe do not interleave. */
static void emit_event(const char *type, const char *format, ...)
{
	if (events_fd < 0) return;
	char fields[512], line[768];
	va_list args;
	va_start(args, format);
	vsnprintf(fields, sizeof(fields), format, args);
	va_end(args);
	int length = snprintf(line, sizeof(line), "%s{\"event\":\"supervisor-%s\",\"type\":\"%s\",\"time\":%.3f,\"pid\":%d%s%s}\n",
		events_prefix, type, type, wall_clock_ms(), (int)agent_pid, fields[0] ? "," : "", fields);
	if (length > 0) {
		ssize_t ignored = write(events_fd, line, (size_t)(length < (int)sizeof(line) ? length : (int)sizeof(line) - 1));
		(void)ignored;
	}
}

/* Every kill(2) of this program and of libsam goes through here (sam-agent is linked with
 * --export-dynamic, so libsam's calls bind to it): the supervisor's decisions become events at the
 * moment libsam makes them. libsam does not say why; its signals carry the reason "libsam". */
int kill(pid_t pid, int signal_number)
{
	if (events_fd >= 0 && shared != NULL && getpid() == agent_pid && signal_number > 0 && pid == shared->relay_pid) {
		char name[32];
		emit_event("signal", "\"instanceId\":%d,\"signal\":\"%s\",\"reason\":\"%s\"", (int)shared->instance_id,
			signal_name(signal_number, name, sizeof(name)), shared->in_stop_handler ? "stop-request" : "libsam");
	}
	return (int)syscall(SYS_kill, pid, signal_number);
}

/* libsam's server times a started instance with poll(2)'s time-out, and the kernel lets such a
 * time-out expire up to 0.1 % late so that it can batch wake-ups (select_estimate_accuracy: 1 ms at
 * a 1 s interval, 10 ms at 10 s, up to 100 ms): the warn signal, and the SIGKILL after it, came that
 * much after the interval. A timerfd has no such slack. So in libsam's server a poll with a
 * time-out waits on the agent's timerfd instead, armed for the same time-out; what libsam sees is
 * poll's (the ready count, each revents, 0 on time-out, -1 with errno, EINTR included). Everywhere
 * else (the relay, its libsam threads, a time-out of 0 or none) it is the plain poll. */
#define EXACT_POLL_MAX_FDS 8
static int exact_timer = -1;

int poll(struct pollfd *fds, nfds_t count, int timeout)
{
	struct timespec wait = {timeout / 1000, (long)(timeout % 1000) * 1000000L};
	if (timeout <= 0 || exact_timer < 0 || count >= EXACT_POLL_MAX_FDS || !in_libsam_server || getpid() != agent_pid)
		return ppoll(fds, count, timeout < 0 ? NULL : &wait, NULL);
	/* Arming resets the expirations of the last arming: a time-out left over is never seen. */
	struct itimerspec when = {{0, 0}, wait};
	if (timerfd_settime(exact_timer, 0, &when, NULL) < 0) return ppoll(fds, count, &wait, NULL);
	struct pollfd set[EXACT_POLL_MAX_FDS + 1];
	memcpy(set, fds, count * sizeof(*fds));
	set[count] = (struct pollfd){exact_timer, POLLIN, 0};
	int ready = ppoll(set, count + 1, NULL, NULL);
	if (ready < 0) return -1;
	ready = 0;
	for (nfds_t index = 0; index < count; index++) {
		fds[index].revents = set[index].revents;
		if (set[index].revents) ready++;
	}
	return ready;
}

/* ------------------------------------------------------------------------------------------ */
/* The agent (libsam's server) */

/* libsam's server exits with WEXITSTATUS of the relay, which is 0 when libsam SIGKILLed it. A relay
 * that ends by itself records its code first; one that did not was killed by SIGKILL (the only
 * signal it cannot forward), so the verdict is 128 + 9, as backend-fork gives. */
static void agent_at_exit(int status, void *unused)
{
	(void)unused;
	if (getpid() != agent_pid || !in_libsam_server || shared == NULL) return;
	kill_node_group();
	int code = status;
	if (!shared->relay_exit_recorded && shared->relay_pid != 0) code = 128 + SIGKILL;
	emit_event("quit", "\"exitCode\":%d", code);
	if (code != status) {
		fflush(NULL);
		_exit(code);
	}
}

static void agent_on_alarm(int signal_number)
{
	(void)signal_number;
	shared->in_stop_handler = 1;
	if (shared->relay_pid > 0) kill(shared->relay_pid, SIGKILL);
	shared->in_stop_handler = 0;
}

/* SIGTERM or SIGINT to the agent: warn the instance, SIGKILL one interval later (libsam's own server
 * would just die and orphan it). A relay started after this records the last code and quits. */
static void agent_on_stop(int signal_number)
{
	(void)signal_number;
	pid_t relay = shared->relay_pid;
	shared->in_stop_handler = 1;
	if (shared->stopping) {
		if (relay > 0) kill(relay, SIGKILL);
		shared->in_stop_handler = 0;
		return;
	}
	shared->stopping = 1;
	if (relay <= 0) {
		shared->in_stop_handler = 0;
		return;
	}
	kill(relay, shared->warn_signal);
	shared->in_stop_handler = 0;
	struct itimerval timer;
	memset(&timer, 0, sizeof(timer));
	unsigned int grace = interval_ms > 0 ? interval_ms : 5000;
	timer.it_value.tv_sec = grace / 1000;
	timer.it_value.tv_usec = (grace % 1000) * 1000;
	setitimer(ITIMER_REAL, &timer, NULL);
}

static void record_inherited_fds(int skip)
{
	DIR *directory = opendir("/proc/self/fd");
	if (directory == NULL) {
		for (int fd = 0; fd < 3; fd++) inherited_fds[inherited_count++] = fd;
		return;
	}
	int own = dirfd(directory);
	struct dirent *entry;
	while ((entry = readdir(directory)) != NULL && inherited_count < 256) {
		if (entry->d_name[0] == '.') continue;
		int fd = atoi(entry->d_name);
		if (fd == own || fd == skip) continue;
		inherited_fds[inherited_count++] = fd;
	}
	closedir(directory);
}

static int is_inherited(int fd)
{
	for (int index = 0; index < inherited_count; index++)
		if (inherited_fds[index] == fd) return 1;
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* The relay: channel I/O */

static int channel = -1;
static pid_t node_pid;
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

static void put_u16(unsigned char *at, uint16_t value) { at[0] = value >> 8; at[1] = value & 0xff; }
static void put_u32(unsigned char *at, uint32_t value) { at[0] = value >> 24; at[1] = (value >> 16) & 0xff; at[2] = (value >> 8) & 0xff; at[3] = value & 0xff; }
static uint16_t get_u16(const unsigned char *at) { return (uint16_t)((at[0] << 8) | at[1]); }
static uint32_t get_u32(const unsigned char *at) { return frame_get_u32(at); }

/* One whole frame at a time, from any thread. A failed write means Node is gone: SIGCHLD follows. */
static void send_frame(unsigned char type, const void *payload, size_t length, const void *tail, size_t tail_length)
{
	unsigned char header[HEADER_SIZE];
	header[0] = type;
	put_u32(header + 1, (uint32_t)(length + tail_length));
	pthread_mutex_lock(&write_lock);
	if (write_all(channel, header, HEADER_SIZE) == 0 && (length == 0 || write_all(channel, payload, length) == 0) && tail_length > 0)
		write_all(channel, tail, tail_length);
	pthread_mutex_unlock(&write_lock);
}

static void send_reply(unsigned char request, cs_error_t error, const char *message)
{
	unsigned char payload[5];
	payload[0] = request;
	put_u32(payload + 1, (uint32_t)error);
	send_frame(FRAME_REPLY, payload, sizeof(payload), message, message ? strlen(message) : 0);
}

/* ------------------------------------------------------------------------------------------ */
/* The relay: libsam calls, in order and one at a time, on the libsam thread, so a sam_start() that
 * waits for quorum never stops the main loop from noticing Node's death. The one exception is a
 * data store with no call before it, queued or running: libsam answers it at once, so the main
 * thread makes it itself (data_store_now). */

struct request {
	struct request *next;
	unsigned char type;
	size_t length;
	unsigned char payload[];
};

static struct request *queue_head, *queue_tail;
static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queue_ready = PTHREAD_COND_INITIALIZER;
static unsigned int instance_id;

/* One heartbeat waiting for the libsam thread is enough: a flood coalesces instead of queueing.
 * So is one FRAME_DATA_STORED: it reads the newest data when it runs. */
static int heartbeat_queued;
static int data_stored_queued;
/* A libsam call is running (on the libsam thread, or a data store on the main thread): one at a time. */
static int libsam_busy;

static void enqueue(unsigned char type, const unsigned char *payload, size_t length)
{
	if (type == FRAME_HEARTBEAT || type == FRAME_DATA_STORED) {
		int *flag = type == FRAME_HEARTBEAT ? &heartbeat_queued : &data_stored_queued;
		pthread_mutex_lock(&queue_lock);
		int queued = *flag;
		*flag = 1;
		pthread_mutex_unlock(&queue_lock);
		if (queued) return;
	}
	struct request *request = malloc(sizeof(*request) + length);
	if (request == NULL) fail(1, "out of memory");
	request->next = NULL;
	request->type = type;
	request->length = length;
	if (length > 0) memcpy(request->payload, payload, length);
	pthread_mutex_lock(&queue_lock);
	if (queue_tail) queue_tail->next = request;
	else queue_head = request;
	queue_tail = request;
	pthread_cond_signal(&queue_ready);
	pthread_mutex_unlock(&queue_lock);
}

/* Event-driven checking: libsam's thread calls hc_callback every fourth heartbeat; it pings Node and
 * waits for the answer from Node's event loop. No answer in time is a failed check. */
static pthread_mutex_t ping_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ping_answered = PTHREAD_COND_INITIALIZER;
static uint32_t ping_sequence;
static uint32_t answered_sequence;
static int answered_healthy;

static int hc_callback(void)
{
	pthread_mutex_lock(&ping_lock);
	uint32_t sequence = ++ping_sequence;
	pthread_mutex_unlock(&ping_lock);
	unsigned char payload[4];
	put_u32(payload, sequence);
	send_frame(FRAME_HC_PING, payload, sizeof(payload), NULL, 0);
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += hc_timeout_ms / 1000;
	deadline.tv_nsec += (long)(hc_timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	int healthy = 0;
	pthread_mutex_lock(&ping_lock);
	while (answered_sequence != sequence) {
		if (pthread_cond_timedwait(&ping_answered, &ping_lock, &deadline) == ETIMEDOUT) break;
	}
	if (answered_sequence == sequence) healthy = answered_healthy;
	pthread_mutex_unlock(&ping_lock);
	return healthy ? 0 : 1;
}

/* ------------------------------------------------------------------------------------------ */
/* The data file: a memfd the agent makes before sam_register, so every relay and its Node inherit
 * the same one. Node's dataStore() writes it (core's data-file.ts has the format and why a store
 * killed half-way leaves the one before whole) and sends FRAME_DATA_STORED; it does not wait. The
 * relay then hands the data to libsam (push_data_file), so libsam's server holds it as in C. A
 * store that Node saw resolve but that libsam never got (the relay killed in between) is still in
 * the file, and the next relay gives it to libsam before its welcome (welcome): the file is never
 * older than libsam's copy. */

static int data_file = -1;
/* The sequence number of the store libsam holds (0: none from this relay's file yet). */
static uint32_t pushed_sequence;

static uint32_t get_le32(const unsigned char *at) { return (uint32_t)at[0] | (uint32_t)at[1] << 8 | (uint32_t)at[2] << 16 | (uint32_t)at[3] << 24; }

static double get_le_double(const unsigned char *at)
{
	uint64_t bits = 0;
	for (int index = 7; index >= 0; index--) bits = bits << 8 | at[index];
	double value;
	memcpy(&value, &bits, sizeof(value));
	return value;
}

/* FNV-1a over a header's first 24 bytes, as data-file.ts's checkOf. */
static uint32_t header_check(const unsigned char *header)
{
	uint32_t hash = 0x811c9dc5u;
	for (int index = 0; index < 24; index++) hash = (hash ^ header[index]) * 0x01000193u;
	return hash;
}

/* What the file holds last: 1 with its sequence and its data (malloc'd; NULL and 0 when deleted),
 * 0 when nothing was stored in it, -1 when it cannot be read. */
static int read_data_file(uint32_t *sequence, unsigned char **data, size_t *length)
{
	*data = NULL;
	*length = 0;
	unsigned char headers[64];
	ssize_t got = pread(data_file, headers, sizeof(headers), 0);
	if (got < 0) return -1;
	int found = 0;
	double offset = 0, size = 0;
	for (int slot = 0; slot < 2 && got >= (slot + 1) * 32; slot++) {
		const unsigned char *header = headers + slot * 32;
		if (get_le32(header) != 0x444d4153u || get_le32(header + 24) != header_check(header)) continue;
		if (found && get_le32(header + 4) <= *sequence) continue;
		found = 1;
		*sequence = get_le32(header + 4);
		offset = get_le_double(header + 8);
		size = get_le_double(header + 16);
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

/* After FRAME_DATA_STORED: libsam gets the file's newest data (stores in between are skipped, they
 * are overwritten anyway). A store is a sign of life to libsam either way, as sam_data_store is. */
static void push_data_file(void)
{
	uint32_t sequence = 0;
	unsigned char *data;
	size_t length;
	int found = data_file >= 0 ? read_data_file(&sequence, &data, &length) : -1;
	if (found == 1 && sequence != pushed_sequence) {
		cs_error_t error = sam_data_store(data, length);
		if (error == CS_OK) pushed_sequence = sequence;
		else emit_event("error", "\"instanceId\":%u,\"message\":\"sam_data_store of the instance's %zu bytes failed with %s; the next instance still gets them, from the data file\"", instance_id, length, cs_name(error));
	} else {
		if (found < 0) emit_event("error", "\"instanceId\":%u,\"message\":\"the instance's data file could not be read\"", instance_id);
		sam_hc_send();
	}
	free(data);
}

static void welcome(const unsigned char *payload, size_t length)
{
	if (length != 6) {
		send_reply(FRAME_HELLO, CS_ERR_INVALID_PARAM, "sam-agent: a malformed hello");
		return;
	}
	if (get_u16(payload) != PROTOCOL_VERSION) {
		char message[200];
		snprintf(message, sizeof(message), "@samkit/backend-native: the relay speaks channel protocol %d and this instance %d; rebuild sam-agent with this @samkit/backend-native", PROTOCOL_VERSION, get_u16(payload));
		send_reply(FRAME_HELLO, CS_ERR_VERSION, message);
		return;
	}
	size_t size = 0;
	unsigned char *data = NULL;
	if (sam_data_getsize(&size) == CS_OK && size > 0) {
		data = malloc(size);
		if (data == NULL || sam_data_restore(data, size) != CS_OK) size = 0;
	}
	uint32_t sequence = 0;
	unsigned char *stored;
	size_t stored_length;
	if (data_file >= 0 && read_data_file(&sequence, &stored, &stored_length) == 1) {
		/* The file is never older than libsam's copy: what libsam lacks (the last store of an
		 * instance killed before its relay passed it on) it gets now. */
		if (stored_length != size || (size > 0 && memcmp(stored, data, size) != 0)) {
			cs_error_t error = sam_data_store(stored, stored_length);
			if (error != CS_OK) emit_event("error", "\"instanceId\":%u,\"message\":\"sam_data_store of the last instance's %zu bytes failed with %s\"", instance_id, stored_length, cs_name(error));
		}
		pushed_sequence = sequence;
		free(data);
		data = stored;
		size = stored_length;
	}
	unsigned char head[13];
	put_u16(head, PROTOCOL_VERSION);
	put_u32(head + 2, instance_id);
	put_u32(head + 6, interval_ms);
	put_u16(head + 10, (uint16_t)shared->warn_signal);
	head[12] = size > 0 ? 1 : 0;
	send_frame(FRAME_WELCOME, head, sizeof(head), data, size);
	free(data);
}

/* sam_data_store and its reply, from whichever thread makes the call (see data_store_now). */
static void store_data(const unsigned char *payload, size_t length)
{
	cs_error_t error = sam_data_store(length > 0 ? payload : NULL, length);
	send_reply(FRAME_DATA_STORE, error, error == CS_OK ? NULL : cs_name(error));
}

/* A coalesced request (heartbeat, data stored) is running: the next one is queued again. */
static void taken_off_queue(int *flag)
{
	pthread_mutex_lock(&queue_lock);
	*flag = 0;
	pthread_mutex_unlock(&queue_lock);
}

static void *libsam_thread(void *unused)
{
	(void)unused;
	for (;;) {
		pthread_mutex_lock(&queue_lock);
		while (queue_head == NULL || libsam_busy) pthread_cond_wait(&queue_ready, &queue_lock);
		struct request *request = queue_head;
		queue_head = request->next;
		if (queue_head == NULL) queue_tail = NULL;
		libsam_busy = 1;
		pthread_mutex_unlock(&queue_lock);

		cs_error_t error = CS_OK;
		switch (request->type) {
		case FRAME_HELLO:
			welcome(request->payload, request->length);
			break;
		case FRAME_HEARTBEAT:
			/* Fire and forget, as sam_hc_send. */
			taken_off_queue(&heartbeat_queued);
			sam_hc_send();
			break;
		case FRAME_START:
			error = sam_start();
			send_reply(FRAME_START, error, error == CS_OK ? NULL : cs_name(error));
			break;
		case FRAME_STOP:
			error = sam_stop();
			send_reply(FRAME_STOP, error, error == CS_OK ? NULL : cs_name(error));
			break;
		case FRAME_DATA_STORE:
			store_data(request->payload, request->length);
			break;
		case FRAME_DATA_STORED:
			taken_off_queue(&data_stored_queued);
			push_data_file();
			break;
		case FRAME_WARN_SIGNAL_SET: {
			int signal_number = request->length == 2 ? get_u16(request->payload) : 0;
			error = signal_number > 0 ? sam_warn_signal_set(signal_number) : CS_ERR_INVALID_PARAM;
			if (error == CS_OK) shared->warn_signal = signal_number;
			send_reply(FRAME_WARN_SIGNAL_SET, error, error == CS_OK ? NULL : cs_name(error));
			break;
		}
		case FRAME_MARK_FAILED:
			error = sam_mark_failed();
			send_reply(FRAME_MARK_FAILED, error,
				error == CS_ERR_INVALID_PARAM ? "@samkit/backend-native: libsam's sam_mark_failed needs the CMAP flag: initialize() with cmap: corosyncCmap()" :
				error == CS_OK ? NULL : cs_name(error));
			break;
		case FRAME_HC_REGISTER:
			error = sam_hc_callback_register(request->length == 1 && request->payload[0] ? hc_callback : NULL);
			send_reply(FRAME_HC_REGISTER, error, error == CS_OK ? NULL : cs_name(error));
			break;
		}
		free(request);
		pthread_mutex_lock(&queue_lock);
		libsam_busy = 0;
		pthread_mutex_unlock(&queue_lock);
	}
	return NULL;
}

/* A data store with nothing before it, done on the main thread: the libsam thread's wake-up
 * (another CPU's, on this virtual machine a slow one) is not on its round trip. False when it must
 * be queued behind a call in progress or queued. */
static int data_store_now(unsigned char type, const unsigned char *payload, size_t length)
{
	pthread_mutex_lock(&queue_lock);
	int now = queue_head == NULL && !libsam_busy;
	if (now) libsam_busy = 1;
	pthread_mutex_unlock(&queue_lock);
	if (!now) return 0;
	if (type == FRAME_DATA_STORED) push_data_file();
	else store_data(payload, length);
	pthread_mutex_lock(&queue_lock);
	libsam_busy = 0;
	if (queue_head != NULL) pthread_cond_signal(&queue_ready);
	pthread_mutex_unlock(&queue_lock);
	return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* The relay: Node */

static sigset_t forwarded_signals(void)
{
	sigset_t set;
	sigemptyset(&set);
	const int signals[] = {SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGTERM, SIGCONT, SIGTSTP,
		SIGTTIN, SIGTTOU, SIGWINCH, SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ, SIGPWR, SIGURG, SIGIO};
	for (size_t index = 0; index < sizeof(signals) / sizeof(signals[0]); index++) sigaddset(&set, signals[index]);
	return set;
}

/* A descriptor for Node from `from` on that the user's process did not have, so systemd's
 * LISTEN_FDS (3, 4, ...) stay where they were: the channel's is the first, the data file's the next. */
static int free_fd_for_node(int from)
{
	for (int fd = from;; fd++)
		if (!is_inherited(fd)) return fd;
}

/* ------------------------------------------------------------------------------------------ */
/* Scheduling: the supervisor's threads ask for a short time slice.
 *
 * Every decision in the agent and the relay is a few microseconds of work after a wake-up, and
 * it is late by however long the woken thread waits for a CPU. The thread that wakes it is often
 * the instance (its heartbeat), whose kernel wake-up is a "sync" one: it places the woken thread on
 * the instance's CPU, expecting the instance to sleep next. A hung instance does not: it spins, and
 * the heartbeat's relay and then libsam's server waited behind it for the rest of its time slice,
 * 5 to 8 ms here, counted against the instance. With a slice of 0.1 ms (Linux 6.12 and later:
 * sched_attr.sched_runtime for SCHED_OTHER, no privilege needed) a woken thread of the supervisor
 * runs at once. Its CPU share is unchanged (that is what nice sets); only when it runs changes.
 * The relay puts Node back on the slice the user started it with. Older kernels ignore or refuse
 * the request, and nothing else changes. */
struct scheduling {
	uint32_t size;
	uint32_t policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime;
	uint64_t deadline;
	uint64_t period;
	uint32_t utilization_min;
	uint32_t utilization_max;
};

#define SUPERVISOR_SLICE_NS 100000u
static uint64_t started_slice;

/* Sets this thread's slice, keeping its policy and nice value; only SCHED_OTHER and SCHED_BATCH have
 * one. Best effort: a kernel that refuses leaves the thread as it was. */
static void set_slice(uint64_t nanoseconds, uint64_t *previous)
{
	struct scheduling attributes;
	memset(&attributes, 0, sizeof(attributes));
	if (syscall(SYS_sched_getattr, 0, &attributes, sizeof(attributes), 0) != 0) return;
	if (attributes.policy != SCHED_OTHER && attributes.policy != SCHED_BATCH) return;
	if (previous != NULL) *previous = attributes.runtime;
	attributes.size = sizeof(attributes);
	attributes.flags = 0;
	attributes.runtime = nanoseconds;
	syscall(SYS_sched_setattr, 0, &attributes, 0);
}

static void start_node(int node_end)
{
	pid_t relay = getpid();
	node_pid = fork();
	if (node_pid < 0) fail(EXIT_CANNOT_RUN, "cannot fork the Node instance: %s", strerror(errno));
	if (node_pid > 0) {
		setpgid(node_pid, node_pid);
		shared->node_group = node_pid;
		return;
	}

	/* Node: dies with the relay, leads its own process group, sees only the user's descriptors plus the channel,
	 * and runs with the time slice the user started it with. */
	set_slice(started_slice, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	setpgid(0, 0);
	if (getppid() != relay) _exit(1);
	int target = free_fd_for_node(3);
	/* Out of the channel's way first. */
	if (data_file == target) data_file = fcntl(data_file, F_DUPFD_CLOEXEC, target + 1);
	if (node_end != target) {
		if (dup2(node_end, target) < 0) _exit(EXIT_CANNOT_RUN);
		close(node_end);
	} else {
		fcntl(target, F_SETFD, 0);
	}
	int data_target = -1;
	if (data_file >= 0) {
		data_target = free_fd_for_node(target + 1);
		if (data_file == data_target) fcntl(data_target, F_SETFD, 0);
		else if (dup2(data_file, data_target) < 0) data_target = -1;
	}
	DIR *directory = opendir("/proc/self/fd");
	if (directory != NULL) {
		int own = dirfd(directory);
		int to_close[1024];
		int count = 0;
		struct dirent *entry;
		while ((entry = readdir(directory)) != NULL && count < 1024) {
			if (entry->d_name[0] == '.') continue;
			int fd = atoi(entry->d_name);
			if (fd != own && fd != target && fd != data_target && !is_inherited(fd)) to_close[count++] = fd;
		}
		closedir(directory);
		for (int index = 0; index < count; index++) close(to_close[index]);
	}
	char marker[64];
	if (data_target >= 0) snprintf(marker, sizeof(marker), "%d:%d:data%d", target, (int)relay, data_target);
	else snprintf(marker, sizeof(marker), "%d:%d", target, (int)relay);
	setenv("SAMKIT_NATIVE_CHANNEL", marker, 1);
	/* systemd's socket activation: the sockets were passed to the PID the user started; they are the
	 * instance's now, so LISTEN_PID names it. */
	const char *listen_pid = getenv("LISTEN_PID");
	if (listen_pid != NULL && atoi(listen_pid) == (int)agent_pid) {
		char own[32];
		snprintf(own, sizeof(own), "%d", (int)getpid());
		setenv("LISTEN_PID", own, 1);
	}
	/* The PID the user started, for the instance's own use (its parent is the relay). */
	char supervisor[32];
	snprintf(supervisor, sizeof(supervisor), "%d", (int)agent_pid);
	setenv("SAMKIT_SUPERVISOR_PID", supervisor, 1);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execvp(node_argv[0], node_argv);
	fprintf(stderr, "sam-agent: cannot run %s: %s\n", node_argv[0], strerror(errno));
	_exit(EXIT_CANNOT_RUN);
}

/* Node ended: the relay ends with the same verdict, an exit code (128 + signal for a signal death). */
static void finish_with_node(int status)
{
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
	char name[32];
	if (WIFSIGNALED(status)) emit_event("exit", "\"instanceId\":%u,\"instancePid\":%d,\"code\":null,\"signal\":\"%s\"", instance_id, (int)node_pid, signal_name(WTERMSIG(status), name, sizeof(name)));
	else emit_event("exit", "\"instanceId\":%u,\"instancePid\":%d,\"code\":%d,\"signal\":null", instance_id, (int)node_pid, code);
	kill_node_group();
	shared->last_exit_code = code;
	shared->relay_exit_code = code;
	shared->relay_exit_recorded = 1;
	_exit(code);
}

/* The agent died (PR_SET_PDEATHSIG): give Node its SIGTERM and half a second, then go (Node follows by its own PDEATHSIG). */
static void orphaned(int signals)
{
	kill(node_pid, SIGTERM);
	for (int waited = 0; waited < 50; waited++) {
		int status;
		if (waitpid(node_pid, &status, WNOHANG) == node_pid) {
			kill_node_group();
			_exit(0);
		}
		struct timespec pause = {0, 10 * 1000000L};
		nanosleep(&pause, NULL);
	}
	(void)signals;
	kill_node_group();
	_exit(1);
}

/* A whole frame from Node: a health-check answer wakes libsam's thread, everything else is queued for libsam. */
static void on_frame(void *context, unsigned char type, const unsigned char *payload, uint32_t length)
{
	(void)context;
	if (type == FRAME_HC_RESULT) {
		if (length == 5) {
			pthread_mutex_lock(&ping_lock);
			answered_sequence = get_u32(payload);
			answered_healthy = payload[4] == 1;
			pthread_cond_broadcast(&ping_answered);
			pthread_mutex_unlock(&ping_lock);
		}
		return;
	}
	if ((type == FRAME_DATA_STORE || type == FRAME_DATA_STORED) && data_store_now(type, payload, length)) return;
	enqueue(type, payload, length);
}

static void run_relay(void)
{
	shared->relay_pid = getpid();
	shared->instance_id = (sig_atomic_t)instance_id;
	kill_node_group();
	/* A stop request came while libsam restarted: end at once with the last instance's code;
	 * not started, so libsam quits with it. */
	if (shared->stopping) {
		shared->relay_exit_code = shared->last_exit_code;
		shared->relay_exit_recorded = 1;
		_exit(shared->last_exit_code);
	}
	shared->relay_exit_recorded = 0;

	/* The relay handles signals through a signalfd; the agent's handlers are not its own. */
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGALRM, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	sigset_t handled = forwarded_signals();
	sigaddset(&handled, SIGCHLD);
	const int orphan_signal = SIGRTMIN + 1;
	sigaddset(&handled, orphan_signal);
	sigprocmask(SIG_BLOCK, &handled, NULL);
	prctl(PR_SET_PDEATHSIG, orphan_signal);
	if (getppid() != agent_pid) _exit(1);
	int signals = signalfd(-1, &handled, SFD_CLOEXEC | SFD_NONBLOCK);
	if (signals < 0) fail(1, "signalfd: %s", strerror(errno));

	int pair[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) fail(1, "socketpair: %s", strerror(errno));
	channel = pair[0];
	start_node(pair[1]);
	close(pair[1]);
	emit_event("spawn", "\"instanceId\":%u,\"instancePid\":%d,\"relayPid\":%d", instance_id, (int)node_pid, (int)getpid());

	pthread_t thread;
	if (pthread_create(&thread, NULL, libsam_thread, NULL) != 0) fail(1, "cannot start the libsam thread");
	pthread_detach(thread);

	struct frame_reader reader = {NULL, 0, 0, max_data_size, 0, 0};
	int channel_open = 1;
	for (;;) {
		struct pollfd fds[2] = {{signals, POLLIN, 0}, {channel, channel_open ? POLLIN : 0, 0}};
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR) continue;
			fail(1, "poll: %s", strerror(errno));
		}
		if (fds[0].revents & POLLIN) {
			struct signalfd_siginfo info;
			while (read(signals, &info, sizeof(info)) == sizeof(info)) {
				int signal_number = (int)info.ssi_signo;
				if (signal_number == SIGCHLD) {
					int status;
					if (waitpid(node_pid, &status, WNOHANG) == node_pid) finish_with_node(status);
				} else if (signal_number == orphan_signal) {
					orphaned(signals);
				} else {
					/* The warn signal among them: Node's own listeners decide. */
					kill(node_pid, signal_number);
				}
			}
		}
		if (channel_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			if (frame_reader_reserve(&reader, 65536) != READER_OK) fail(1, "out of memory");
			ssize_t got = read(channel, reader.buffer + reader.used, reader.capacity - reader.used);
			if (got <= 0) {
				if (got < 0 && errno == EINTR) continue;
				/* Node closed the channel; its exit (SIGCHLD) decides what follows. */
				channel_open = 0;
				continue;
			}
			int status = frame_reader_consume(&reader, (size_t)got, on_frame, NULL);
			if (status == READER_NO_MEMORY) fail(1, "out of memory");
			if (status == READER_BROKEN) {
				fprintf(stderr, "sam-agent: instance %u broke the channel protocol (frame type 0x%02x of %u bytes); it is killed\n", instance_id, reader.bad_type, reader.bad_length);
				emit_event("error", "\"instanceId\":%u,\"message\":\"instance %u broke the channel protocol (frame type 0x%02x of %u bytes); it is killed\"", instance_id, instance_id, reader.bad_type, reader.bad_length);
				kill(node_pid, SIGKILL);
				channel_open = 0;
			}
		}
	}
}

/* ------------------------------------------------------------------------------------------ */

static void usage(const char *reason)
{
	fprintf(stderr,
		"sam-agent: %s\n"
		"usage: sam-agent --interval MS --recovery quit|restart [--quorum] [--cmap] [--warn-signal N]\n"
		"                 [--data-fd FD] [--hc-timeout MS] [--max-data-size BYTES] [--events-fd FD [--events-prefix TEXT]]\n"
		"                 -- command [arguments...]\n"
		"Runs command under corosync's libsam (the Simple Availability Manager); normally started by\n"
		"@samkit/backend-native's register(), which hands the process over with execv.\n",
		reason);
	exit(EXIT_USAGE);
}

static unsigned long parse_number(const char *text, const char *option, unsigned long maximum)
{
	char *end;
	errno = 0;
	unsigned long value = strtoul(text, &end, 10);
	if (errno != 0 || *text == '\0' || *end != '\0' || text[0] == '-' || value > maximum) {
		char reason[200];
		snprintf(reason, sizeof(reason), "%s takes a whole number up to %lu, not \"%s\"", option, maximum, text);
		usage(reason);
	}
	return value;
}

int main(int argc, char **argv)
{
	int recovery = 0, quorum = 0, cmap = 0, warn_signal = SIGTERM, data_fd = -1, interval_given = 0, hc_timeout_given = 0;
	int index = 1;
	for (; index < argc; index++) {
		const char *option = argv[index];
		const char *value = index + 1 < argc ? argv[index + 1] : NULL;
		if (strcmp(option, "--") == 0) {
			index++;
			break;
		} else if (strcmp(option, "--quorum") == 0) {
			quorum = 1;
		} else if (strcmp(option, "--cmap") == 0) {
			cmap = 1;
		} else if (strcmp(option, "--check") == 0) {
			/* The loader runs this before handing a process over: it fails here, not after execv, when libsam is missing. */
			printf("sam-agent %d\n", PROTOCOL_VERSION);
			return 0;
		} else if (value == NULL) {
			char reason[200];
			snprintf(reason, sizeof(reason), "unknown option or missing value: %s", option);
			usage(reason);
		} else if (strcmp(option, "--interval") == 0) {
			interval_ms = (unsigned int)parse_number(value, option, INT_MAX);
			interval_given = 1;
			index++;
		} else if (strcmp(option, "--recovery") == 0) {
			recovery = strcmp(value, "quit") == 0 ? SAM_RECOVERY_POLICY_QUIT : strcmp(value, "restart") == 0 ? SAM_RECOVERY_POLICY_RESTART : 0;
			if (recovery == 0) usage("--recovery takes quit or restart");
			index++;
		} else if (strcmp(option, "--warn-signal") == 0) {
			warn_signal = (int)parse_number(value, option, 64);
			if (warn_signal == 0) usage("--warn-signal takes a signal number from 1");
			index++;
		} else if (strcmp(option, "--data-fd") == 0) {
			data_fd = (int)parse_number(value, option, 1 << 20);
			index++;
		} else if (strcmp(option, "--hc-timeout") == 0) {
			hc_timeout_ms = (unsigned int)parse_number(value, option, INT_MAX);
			hc_timeout_given = 1;
			index++;
		} else if (strcmp(option, "--events-fd") == 0) {
			events_fd = (int)parse_number(value, option, 1 << 20);
			index++;
		} else if (strcmp(option, "--events-prefix") == 0) {
			events_prefix = value;
			index++;
		} else if (strcmp(option, "--max-data-size") == 0) {
			max_data_size = parse_number(value, option, 1024ul * 1024 * 1024);
			index++;
		} else {
			char reason[200];
			snprintf(reason, sizeof(reason), "unknown option %s", option);
			usage(reason);
		}
	}
	if (!interval_given) usage("--interval is required");
	if (recovery == 0) usage("--recovery is required");
	if (index >= argc) usage("no command after --");
	node_argv = argv + index;
	if (!hc_timeout_given) hc_timeout_ms = interval_ms / 2 > 0 ? interval_ms / 2 : 1;

	agent_pid = getpid();
	record_inherited_fds(data_fd);
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) fail(1, "mmap: %s", strerror(errno));
	memset((void *)shared, 0, sizeof(*shared));
	shared->warn_signal = warn_signal;

	int policy = recovery | (quorum ? SAM_RECOVERY_POLICY_QUORUM : 0) | (cmap ? SAM_RECOVERY_POLICY_CMAP : 0);
	cs_error_t error = sam_initialize((int)interval_ms, policy);
	if (error != CS_OK) {
		fprintf(stderr, "sam-agent: sam_initialize failed with %s (%d)%s\n", cs_name(error), error,
			quorum && error == CS_ERR_LIBRARY ? ": is corosync running? (systemctl start corosync)" : "");
		return 1;
	}
	if (data_fd >= 0) {
		/* Data stored before register() becomes the server's, as in C. */
		size_t capacity = 65536, used = 0;
		unsigned char *data = malloc(capacity);
		ssize_t got;
		while (data != NULL && (got = pread(data_fd, data + used, capacity - used, (off_t)used)) > 0) {
			used += (size_t)got;
			if (used == capacity) data = realloc(data, capacity *= 2);
		}
		close(data_fd);
		if (data == NULL) fail(1, "out of memory reading the data");
		if (used > 0 && (error = sam_data_store(data, used)) != CS_OK) fail(1, "sam_data_store failed with %s", cs_name(error));
		free(data);
	}
	if (warn_signal != SIGTERM && (error = sam_warn_signal_set(warn_signal)) != CS_OK) fail(1, "sam_warn_signal_set failed with %s", cs_name(error));

	struct sigaction action;
	memset(&action, 0, sizeof(action));
	action.sa_handler = agent_on_stop;
	sigaction(SIGTERM, &action, NULL);
	sigaction(SIGINT, &action, NULL);
	action.sa_handler = agent_on_alarm;
	sigaction(SIGALRM, &action, NULL);
	/* A write to a dead relay must not kill the server (libsam does not ignore SIGPIPE). */
	signal(SIGPIPE, SIG_IGN);
	on_exit(agent_at_exit, NULL);

	exact_timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	/* Without one (no memfd_create), data stores take the channel and wait for libsam's answer. */
	data_file = memfd_create("samkit-data", MFD_CLOEXEC);
	/* Before libsam forks: each relay, and the threads it starts, inherit the short slice. */
	set_slice(SUPERVISOR_SLICE_NS, &started_slice);
	in_libsam_server = 1;
	error = sam_register(&instance_id);
	if (getpid() == agent_pid) {
		/* Only errors come back to the server. */
		in_libsam_server = 0;
		fprintf(stderr, "sam-agent: sam_register failed with %s (%d)\n", cs_name(error), error);
		return 1;
	}
	in_libsam_server = 0;
	/* The server's timer is not the relay's. */
	if (exact_timer >= 0) close(exact_timer);
	exact_timer = -1;
	if (error != CS_OK) fail(1, "sam_register failed in the relay with %s", cs_name(error));
	run_relay();
	return 0;
}
