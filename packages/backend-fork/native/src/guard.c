/*
 * samkit-guard: stands between backend-fork's supervisor and one instance, so that nothing the
 * instance starts outlives the instance or the supervisor (docs/decisions/no-orphans.md).
 *
 *   samkit-guard --check
 *   samkit-guard --kill-signal N [--marker NAME] [--session] [--report FD] [--nice N] -- command [arguments...]
 *
 * It is a child subreaper, so every orphan of the instance's tree becomes its child; it learns of
 * the supervisor's death from the kernel (PR_SET_PDEATHSIG with the kill signal) and the instance
 * dies with it (PR_SET_PDEATHSIG=SIGKILL). It passes every other signal it gets on to the
 * instance. When the instance ends it SIGKILLs what the instance left and ends the same way (its
 * exit code, or the same signal); on the kill signal it SIGKILLs the instance and every
 * descendant, then dies by SIGKILL.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <samkit/descendants.h>

#define EXIT_USAGE 2
#define EXIT_CANNOT_RUN 127

struct options {
	int kill_signal;
	const char *marker;
	int session;
	int report_fd;
	int nice_set;
	int nice;
	char **command;
};

/* What the instance's clone needs; it shares the guard's memory until it executes the command. */
struct start {
	char **command;
	sigset_t mask;
	int session;
	pid_t guard;
	int error;
};

struct instance {
	pid_t pid;
	int ended;
	int status;
};

static __attribute__((noreturn)) void usage(const char *problem)
{
	fprintf(stderr, "samkit-guard: %s\nusage: samkit-guard --kill-signal N [--marker NAME] [--session] [--report FD] [--nice N] -- command [arguments...]\n", problem);
	exit(EXIT_USAGE);
}

static int number(const char *text, int low, int high)
{
	char *end;
	errno = 0;
	long value = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || value < low || value > high) usage("a number is out of range");
	return (int)value;
}

static struct options parse(int argc, char **argv)
{
	struct options options = {0, NULL, 0, -1, 0, 0, NULL};
	int index = 1;
	for (; index < argc && strcmp(argv[index], "--") != 0; index++) {
		const char *name = argv[index];
		if (strcmp(name, "--session") == 0) {
			options.session = 1;
			continue;
		}
		if (index + 1 >= argc) usage("an option lacks its value");
		const char *value = argv[++index];
		if (strcmp(name, "--kill-signal") == 0) options.kill_signal = number(value, SIGRTMIN, SIGRTMAX);
		else if (strcmp(name, "--marker") == 0) options.marker = value;
		else if (strcmp(name, "--report") == 0) options.report_fd = number(value, 3, 1 << 20);
		else if (strcmp(name, "--nice") == 0) options.nice = number(value, -20, 19), options.nice_set = 1;
		else usage("unknown option");
	}
	if (options.kill_signal == 0) usage("--kill-signal is needed");
	if (index + 1 >= argc) usage("no command");
	options.command = argv + index + 1;
	return options;
}

/* The marker `<fd>:<supervisor pid>[...]` names the guard from now on: the instance's parent. Returns the supervisor's PID, or 0. */
static pid_t take_over_marker(const char *variable)
{
	const char *value = variable == NULL ? NULL : getenv(variable);
	const char *colon = value == NULL ? NULL : strchr(value, ':');
	if (colon == NULL) return 0;
	char *rest;
	long supervisor = strtol(colon + 1, &rest, 10);
	char rewritten[256];
	snprintf(rewritten, sizeof(rewritten), "%.*s:%d%s", (int)(colon - value), value, (int)getpid(), rest);
	setenv(variable, rewritten, 1);
	return (pid_t)supervisor;
}

/* In the instance's clone, until it executes the command (the guard waits meanwhile: CLONE_VFORK). */
static int run_instance(void *argument)
{
	struct start *start = argument;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != start->guard) _exit(EXIT_CANNOT_RUN);
	if (start->session) setsid();
	sigprocmask(SIG_SETMASK, &start->mask, NULL);
	execvp(start->command[0], start->command);
	start->error = errno;
	_exit(EXIT_CANNOT_RUN);
}

static void report(int fd, const char *text)
{
	if (fd < 0) return;
	/* A socket from Node: MSG_NOSIGNAL, so a closed one is an error, not a SIGPIPE. */
	if (send(fd, text, strlen(text), MSG_NOSIGNAL) < 0 && errno == ENOTSOCK) (void)!write(fd, text, strlen(text));
	close(fd);
}

/* The channel and the data file are the instance's: without the guard's copies, the channel closes when the supervisor dies. */
static void close_inherited(void)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0) return;
#endif
	for (int fd = 3; fd < 1024; fd++) close(fd);
}

static void note_instance(pid_t pid, int status, void *context)
{
	struct instance *instance = context;
	if (pid == instance->pid) instance->ended = 1, instance->status = status;
}

/* Dies by `signal_number`, with no core dump of the guard's own. */
static __attribute__((noreturn)) void die_by(int signal_number)
{
	struct rlimit no_core = {0, 0};
	setrlimit(RLIMIT_CORE, &no_core);
	prctl(PR_SET_DUMPABLE, 0);
	signal(signal_number, SIG_DFL);
	sigset_t only;
	sigemptyset(&only);
	sigaddset(&only, signal_number);
	sigprocmask(SIG_UNBLOCK, &only, NULL);
	kill(getpid(), signal_number);
	_exit(128 + signal_number);
}

/* Ends as the instance did: its exit code, or its signal. */
static __attribute__((noreturn)) void end_like(int status)
{
	if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
	die_by(WIFSIGNALED(status) ? WTERMSIG(status) : SIGKILL);
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--check") == 0) {
		if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
			fprintf(stderr, "samkit-guard: PR_SET_CHILD_SUBREAPER: %s\n", strerror(errno));
			return 1;
		}
		puts("samkit-guard: ok");
		return 0;
	}
	struct options options = parse(argc, argv);
	pid_t self = getpid();

	/* Every signal waits for sigwaitinfo(), the faults of this program's own code aside. */
	sigset_t waited, original;
	sigfillset(&waited);
	const int faults[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE};
	for (size_t index = 0; index < sizeof(faults) / sizeof(faults[0]); index++) sigdelset(&waited, faults[index]);
	sigprocmask(SIG_SETMASK, &waited, &original);

	pid_t supervisor = take_over_marker(options.marker);
	if (supervisor == 0) supervisor = getppid();
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	prctl(PR_SET_PDEATHSIG, options.kill_signal);
	/* The supervisor died before the parent-death signal was set: nobody to run the instance for. */
	if (getppid() != supervisor) _exit(1);
	/* The priority the supervisor was started with, before the instance inherits it. */
	if (options.nice_set) setpriority(PRIO_PROCESS, 0, options.nice);
	if (options.report_fd >= 0) fcntl(options.report_fd, F_SETFD, FD_CLOEXEC);

	static char stack[64 * 1024] __attribute__((aligned(16)));
	struct start start = {options.command, original, options.session, self, 0};
	struct instance instance = {clone(run_instance, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD, &start), 0, 0};
	char line[32];
	if (instance.pid < 0 || start.error != 0) {
		int error = instance.pid < 0 ? errno : start.error;
		snprintf(line, sizeof(line), "!%d\n", error);
		if (options.report_fd < 0) fprintf(stderr, "samkit-guard: cannot run %s: %s\n", options.command[0], strerror(error));
		report(options.report_fd, line);
		if (instance.pid < 0) _exit(EXIT_CANNOT_RUN);
	} else {
		snprintf(line, sizeof(line), "%d\n", (int)instance.pid);
		report(options.report_fd, line);
	}
	close_inherited();

	for (;;) {
		siginfo_t info;
		int signal_number = sigwaitinfo(&waited, &info);
		if (signal_number < 0) continue;
		if (signal_number == SIGCHLD) {
			samkit_reap_children(note_instance, &instance);
			if (!instance.ended) continue;
			/* What the instance left behind goes with it, as the supervisor's process-group kill did. */
			samkit_end_descendants(NULL, NULL);
			end_like(instance.status);
		}
		if (signal_number == options.kill_signal) {
			samkit_end_descendants(NULL, NULL);
			die_by(SIGKILL);
		}
		/* A terminal's signals (the kernel's) reach the instance in its group already; the guard's own SIGPIPE is its own. */
		if (info.si_code == SI_KERNEL || info.si_pid == self) continue;
		kill(instance.pid, signal_number);
	}
}
