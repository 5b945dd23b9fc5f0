/*
 * Ending every descendant of the calling process, for samkit's native parts that stand between a
 * supervisor and its instance (backend-fork's samkit-guard, backend-native's relay). Header-only:
 * a part's binding.gyp adds @samkit/native-build's include folder (see the README).
 *
 * The caller is a child subreaper (PR_SET_CHILD_SUBREAPER): a descendant whose parent dies becomes
 * the caller's child, so none leaves the tree, and once the caller has no child it has no
 * descendant either.
 */
#ifndef SAMKIT_DESCENDANTS_H
#define SAMKIT_DESCENDANTS_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Called with each child reaped, and its wait status. */
typedef void (*samkit_reaped_fn)(pid_t pid, int status, void *context);

/* Reaps every child that has ended. Returns 0 when the caller has no child left, 1 otherwise. */
static inline int samkit_reap_children(samkit_reaped_fn on_reaped, void *context)
{
	for (int reaped = 0; reaped < 100000; reaped++) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid > 0) {
			if (on_reaped != NULL) on_reaped(pid, status, context);
			continue;
		}
		if (pid < 0 && errno == EINTR) continue;
		return pid < 0 && errno == ECHILD ? 0 : 1;
	}
	return 1;
}

/* The parent and the state of a process, from /proc; 0 when it could not be read. */
static inline int samkit_read_stat(pid_t pid, pid_t *parent, char *state)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) return 0;
	/* The parent is the fourth field, after the command name (at most 16 bytes, in parentheses). */
	char text[256];
	ssize_t got = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (got <= 0) return 0;
	text[got] = '\0';
	char *end = strrchr(text, ')');
	int parent_number;
	if (end == NULL || sscanf(end + 1, " %c %d", state, &parent_number) != 2) return 0;
	*parent = (pid_t)parent_number;
	return 1;
}

struct samkit_process {
	pid_t pid;
	pid_t parent;
	char state;
	char descendant;
};

/* One pass over /proc: SIGKILL to every living process whose parent chain leads to `root`.
 * Returns how many were sent (0: none is left but zombies and processes this user may not kill). */
static inline int samkit_kill_descendants_once(pid_t root)
{
	DIR *proc = opendir("/proc");
	if (proc == NULL) return 0;
	size_t count = 0, capacity = 512;
	struct samkit_process *table = malloc(capacity * sizeof(*table));
	struct dirent *entry;
	while (table != NULL && (entry = readdir(proc)) != NULL) {
		if (entry->d_name[0] < '1' || entry->d_name[0] > '9') continue;
		struct samkit_process process = {(pid_t)atoi(entry->d_name), 0, 0, 0};
		if (!samkit_read_stat(process.pid, &process.parent, &process.state)) continue;
		if (count == capacity) {
			struct samkit_process *larger = realloc(table, (capacity *= 2) * sizeof(*table));
			if (larger == NULL) break;
			table = larger;
		}
		table[count++] = process;
	}
	closedir(proc);
	if (table == NULL) return 0;
	/* /proc lists parents and children in no particular order: mark until nothing changes. */
	for (int changed = 1, rounds = 0; changed && rounds < 4096; rounds++) {
		changed = 0;
		for (size_t index = 0; index < count; index++) {
			if (table[index].descendant) continue;
			int parent_marked = table[index].parent == root;
			for (size_t other = 0; !parent_marked && other < count; other++)
				parent_marked = table[other].descendant && table[other].pid == table[index].parent;
			if (parent_marked) table[index].descendant = changed = 1;
		}
	}
	int sent = 0;
	for (size_t index = 0; index < count; index++) {
		if (table[index].descendant && table[index].state != 'Z' && table[index].state != 'X' && kill(table[index].pid, SIGKILL) == 0) sent++;
	}
	free(table);
	return sent;
}

/* SIGKILLs every descendant of the calling process and reaps them, round after round (new forks,
 * orphans that come to the caller), until none is left, or only ones it may not kill; at most 500
 * rounds of at most 10 ms. SIGCHLD must be blocked: the wait between rounds takes it. */
static inline void samkit_end_descendants(samkit_reaped_fn on_reaped, void *context)
{
	pid_t self = getpid();
	sigset_t child_ended;
	sigemptyset(&child_ended);
	sigaddset(&child_ended, SIGCHLD);
	for (int round = 0; round < 500; round++) {
		if (!samkit_reap_children(on_reaped, context)) return;
		if (samkit_kill_descendants_once(self) == 0) {
			samkit_reap_children(on_reaped, context);
			return;
		}
		struct timespec wait = {0, 10 * 1000000L};
		sigtimedwait(&child_ended, NULL, &wait);
	}
}

#endif
