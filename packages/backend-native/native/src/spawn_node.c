/* The relay's Node (spawn_node.h): it dies with the relay, leads its own process group, and sees
 * only the user's descriptors, the channel and the data file. */
#define _GNU_SOURCE
#include "spawn_node.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "arguments.h"
#include "data_file.h"
#include "scheduling.h"
#include "supervisor.h"

pid_t node_pid;
/* File descriptors the user's process had when it became the agent: these, and the channel, reach Node. */
static int inherited_fds[256];
static int inherited_count;

void record_inherited_fds(int skip)
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

/* A descriptor for Node from `from` on that the user's process did not have, so systemd's
 * LISTEN_FDS (3, 4, ...) stay where they were: the channel's is the first, the data file's the next. */
static int free_fd_for_node(int from)
{
	for (int fd = from;; fd++)
		if (!is_inherited(fd)) return fd;
}

void start_node(int node_end)
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
