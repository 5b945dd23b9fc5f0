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
 *
 * The parts, one job each:
 *   agent.c          main(): the agent's start, and its stop request (SIGTERM, SIGINT)
 *   arguments.c      the command line
 *   interpose.c      kill() and poll() as libsam's server calls them: events, and exact time-outs
 *   scheduling.c     the short time slice of the supervisor's threads
 *   relay.c          the relay's loop: Node's signals, its exit, the frames it sends
 *   spawn_node.c     Node's start: its descriptors, environment and process group
 *   libsam_worker.c  the relay's libsam calls, one at a time on their thread
 *   health_check.c   event-driven checking: libsam's callback pings Node
 *   channel.c        frames to Node (frame_reader.h reads Node's)
 *   data_file.c      reading the data file that Node's dataStore() writes
 *   events.c         --events-fd's JSON lines
 *   supervisor.c     what all of them share
 */
#define _GNU_SOURCE
#include <corosync/corotypes.h>
#include <corosync/sam.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#include "arguments.h"
#include "data_file.h"
#include "events.h"
#include "interpose.h"
#include "relay.h"
#include "scheduling.h"
#include "spawn_node.h"
#include "supervisor.h"

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

int main(int argc, char **argv)
{
	struct arguments arguments;
	if (parse_arguments(argc, argv, &arguments)) return 0;

	agent_pid = getpid();
	record_inherited_fds(arguments.data_fd);
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) fail(1, "mmap: %s", strerror(errno));
	memset((void *)shared, 0, sizeof(*shared));
	shared->warn_signal = arguments.warn_signal;

	int policy = arguments.recovery | (arguments.quorum ? SAM_RECOVERY_POLICY_QUORUM : 0) | (arguments.cmap ? SAM_RECOVERY_POLICY_CMAP : 0);
	cs_error_t error = sam_initialize((int)interval_ms, policy);
	if (error != CS_OK) {
		fprintf(stderr, "sam-agent: sam_initialize failed with %s (%d)%s\n", cs_name(error), error,
			arguments.quorum && error == CS_ERR_LIBRARY ? ": is corosync running? (systemctl start corosync)" : "");
		return 1;
	}
	if (arguments.data_fd >= 0) {
		/* Data stored before register() becomes the server's, as in C. */
		size_t capacity = 65536, used = 0;
		unsigned char *data = malloc(capacity);
		ssize_t got;
		while (data != NULL && (got = pread(arguments.data_fd, data + used, capacity - used, (off_t)used)) > 0) {
			used += (size_t)got;
			if (used == capacity) data = realloc(data, capacity *= 2);
		}
		close(arguments.data_fd);
		if (data == NULL) fail(1, "out of memory reading the data");
		if (used > 0 && (error = sam_data_store(data, used)) != CS_OK) fail(1, "sam_data_store failed with %s", cs_name(error));
		free(data);
	}
	if (arguments.warn_signal != SIGTERM && (error = sam_warn_signal_set(arguments.warn_signal)) != CS_OK) fail(1, "sam_warn_signal_set failed with %s", cs_name(error));

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

	exact_poll_open();
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
	exact_poll_close();
	if (error != CS_OK) fail(1, "sam_register failed in the relay with %s", cs_name(error));
	run_relay();
	return 0;
}
