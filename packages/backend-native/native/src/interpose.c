/* sam-agent's own kill(2), for events, and poll(2), for time-outs on time (interpose.h). */
#define _GNU_SOURCE
#include "interpose.h"

#include <poll.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arguments.h"
#include "events.h"
#include "supervisor.h"

volatile sig_atomic_t in_libsam_server;

/* A SIGKILL of the relay: the relay, the subreaper of Node's tree, first SIGKILLs all of it (a
 * SIGKILL would leave Node's children that left its process group running), then itself. One that
 * has not ended within a second (stopped, say) gets the plain SIGKILL. */
static int kill_relay(pid_t relay)
{
	if (syscall(SYS_kill, relay, RELAY_KILL_SIGNAL) != 0) return (int)syscall(SYS_kill, relay, SIGKILL);
	syscall(SYS_kill, relay, SIGCONT);
	for (int waited = 0; waited < 1000; waited++) {
		siginfo_t info;
		memset(&info, 0, sizeof(info));
		/* WNOWAIT: reaping it is libsam's. */
		if (waitid(P_PID, (id_t)relay, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == relay) return 0;
		struct timespec pause = {0, 1000000L};
		nanosleep(&pause, NULL);
	}
	return (int)syscall(SYS_kill, relay, SIGKILL);
}

/* Every kill(2) of this program and of libsam goes through here (sam-agent is linked with
 * --export-dynamic, so libsam's calls bind to it): the supervisor's decisions become events at the
 * moment libsam makes them. libsam does not say why; its signals carry the reason "libsam". */
int kill(pid_t pid, int signal_number)
{
	int to_relay = shared != NULL && getpid() == agent_pid && pid > 0 && pid == shared->relay_pid;
	if (events_fd >= 0 && to_relay && signal_number > 0) {
		char name[32];
		emit_event("signal", "\"instanceId\":%d,\"signal\":\"%s\",\"reason\":\"%s\"", (int)shared->instance_id,
			signal_name(signal_number, name, sizeof(name)), shared->in_stop_handler ? "stop-request" : "libsam");
	}
	if (to_relay && signal_number == SIGKILL) return kill_relay(pid);
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

void exact_poll_open(void)
{
	exact_timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
}

void exact_poll_close(void)
{
	if (exact_timer >= 0) close(exact_timer);
	exact_timer = -1;
}
