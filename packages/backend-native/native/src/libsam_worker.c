/*
 * The relay's libsam calls, in order and one at a time, on the libsam thread, so a sam_start() that
 * waits for quorum never stops the main loop from noticing Node's death. The one exception is a
 * data store with no call before it, queued or running: libsam answers it at once, so the main
 * thread makes it itself (data_store_now).
 */
#define _GNU_SOURCE
#include "libsam_worker.h"

#include <corosync/corotypes.h>
#include <corosync/sam.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arguments.h"
#include "channel.h"
#include "data_file.h"
#include "events.h"
#include "health_check.h"
#include "supervisor.h"

struct request {
	struct request *next;
	unsigned char type;
	size_t length;
	unsigned char payload[];
};

static struct request *queue_head, *queue_tail;
static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queue_ready = PTHREAD_COND_INITIALIZER;

/* One heartbeat waiting for the libsam thread is enough: a flood coalesces instead of queueing.
 * So is one FRAME_DATA_STORED: it reads the newest data when it runs. */
static int heartbeat_queued;
static int data_stored_queued;
/* A libsam call is running (on the libsam thread, or a data store on the main thread): one at a time. */
static int libsam_busy;

void enqueue(unsigned char type, const unsigned char *payload, size_t length)
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

/* The sequence number of the store libsam holds (0: none from this relay's file yet). */
static uint32_t pushed_sequence;

/* After FRAME_DATA_STORED: libsam gets the file's newest data (stores in between are skipped, they
 * are overwritten anyway). A store is a sign of life to libsam either way, as sam_data_store is. */
static void push_data_file(void)
{
	uint32_t sequence = 0;
	unsigned char *data = NULL;
	size_t length = 0;
	/* Without a data file (an instance that sends dataStored anyway) it is only a sign of life. */
	int found = data_file >= 0 ? read_data_file(&sequence, &data, &length) : 0;
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
	send_welcome(instance_id, interval_ms, (uint16_t)shared->warn_signal, data, size);
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

void *libsam_thread(void *unused)
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
		case FRAME_START:
			error = sam_start();
			send_reply(FRAME_START, error, error == CS_OK ? NULL : cs_name(error));
			break;
		case FRAME_STOP:
			error = sam_stop();
			send_reply(FRAME_STOP, error, error == CS_OK ? NULL : cs_name(error));
			break;
		/* The coalesced requests (see enqueue). */
		case FRAME_HEARTBEAT:
			/* Fire and forget, as sam_hc_send. */
			taken_off_queue(&heartbeat_queued);
			sam_hc_send();
			break;
		case FRAME_DATA_STORED:
			taken_off_queue(&data_stored_queued);
			push_data_file();
			break;
		case FRAME_DATA_STORE:
			store_data(request->payload, request->length);
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
int data_store_now(unsigned char type, const unsigned char *payload, size_t length)
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
