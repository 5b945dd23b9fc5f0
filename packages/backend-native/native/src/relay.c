/*
 * The relay: libsam's child (one per instance). It runs Node as its own child, forwards signals to
 * it, mirrors its exit status, and calls the real sam_* functions for it (libsam_worker.c), driven
 * by samkit's channel protocol on a socket pair.
 */
#define _GNU_SOURCE
#include "relay.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <samkit/descendants.h>

#include "arguments.h"
#include "channel.h"
#include "events.h"
#include "frame_reader.h"
#include "health_check.h"
#include "libsam_worker.h"
#include "spawn_node.h"
#include "supervisor.h"

static sigset_t forwarded_signals(void)
{
	sigset_t set;
	sigemptyset(&set);
	const int signals[] = {SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGTERM, SIGCONT, SIGTSTP,
		SIGTTIN, SIGTTOU, SIGWINCH, SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ, SIGPWR, SIGURG, SIGIO};
	for (size_t index = 0; index < sizeof(signals) / sizeof(signals[0]); index++) sigaddset(&set, signals[index]);
	return set;
}

/* Node ended: the relay ends with the same verdict, an exit code (128 + signal for a signal death). */
static void finish_with_node(int status)
{
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
	char name[32];
	if (WIFSIGNALED(status)) emit_event("exit", "\"instanceId\":%u,\"instancePid\":%d,\"code\":null,\"signal\":\"%s\"", instance_id, (int)node_pid, signal_name(WTERMSIG(status), name, sizeof(name)));
	else emit_event("exit", "\"instanceId\":%u,\"instancePid\":%d,\"code\":%d,\"signal\":null", instance_id, (int)node_pid, code);
	kill_node_group();
	/* And what left Node's process group (setsid(), a double fork): the relay is their subreaper. */
	samkit_end_descendants(NULL, NULL);
	shared->last_exit_code = code;
	shared->relay_exit_code = code;
	shared->relay_exit_recorded = 1;
	_exit(code);
}

/* The agent died (PR_SET_PDEATHSIG): give Node its SIGTERM and half a second, then SIGKILL to
 * whatever is left of its tree, Node included, and go. */
static void orphaned(void)
{
	kill(node_pid, SIGTERM);
	int code = 1;
	for (int waited = 0; waited < 50; waited++) {
		int status;
		if (waitpid(node_pid, &status, WNOHANG) == node_pid) {
			code = 0;
			break;
		}
		struct timespec pause = {0, 10 * 1000000L};
		nanosleep(&pause, NULL);
	}
	kill_node_group();
	samkit_end_descendants(NULL, NULL);
	_exit(code);
}

/* Reaps every child: Node, and orphans of its tree, which come to the relay as their subreaper. */
static void reap(pid_t pid, int status, void *context)
{
	(void)context;
	if (pid == node_pid) finish_with_node(status);
}

/* A whole frame from Node: a health-check answer wakes libsam's thread, everything else is queued for libsam. */
static void on_frame(void *context, unsigned char type, const unsigned char *payload, uint32_t length)
{
	(void)context;
	if (type == FRAME_HC_RESULT) {
		if (length == 5) hc_answered(get_u32(payload), payload[4] == 1);
		return;
	}
	if ((type == FRAME_DATA_STORE || type == FRAME_DATA_STORED) && data_store_now(type, payload, length)) return;
	enqueue(type, payload, length);
}

void run_relay(void)
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
	sigaddset(&handled, RELAY_KILL_SIGNAL);
	sigprocmask(SIG_BLOCK, &handled, NULL);
	prctl(PR_SET_PDEATHSIG, orphan_signal);
	if (getppid() != agent_pid) _exit(1);
	/* Whatever leaves Node's tree (setsid(), a double fork) stays below the relay, which ends it. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
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
					samkit_reap_children(reap, NULL);
				} else if (signal_number == orphan_signal) {
					orphaned();
				} else if (signal_number == RELAY_KILL_SIGNAL) {
					/* libsam's SIGKILL (interpose.c): what Node started first, children that left its group too. */
					samkit_end_descendants(NULL, NULL);
					kill(getpid(), SIGKILL);
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
