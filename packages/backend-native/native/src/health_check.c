/*
 * Event-driven checking: libsam's thread calls hc_callback every fourth heartbeat; it pings Node and
 * waits for the answer from Node's event loop. No answer in time is a failed check.
 */
#define _GNU_SOURCE
#include "health_check.h"

#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "arguments.h"
#include "channel.h"

static pthread_mutex_t ping_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ping_answered = PTHREAD_COND_INITIALIZER;
static uint32_t ping_sequence;
static uint32_t answered_sequence;
static int answered_healthy;

int hc_callback(void)
{
	pthread_mutex_lock(&ping_lock);
	uint32_t sequence = ++ping_sequence;
	pthread_mutex_unlock(&ping_lock);
	send_ping(sequence);
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

void hc_answered(uint32_t sequence, int healthy)
{
	pthread_mutex_lock(&ping_lock);
	answered_sequence = sequence;
	answered_healthy = healthy;
	pthread_cond_broadcast(&ping_answered);
	pthread_mutex_unlock(&ping_lock);
}
