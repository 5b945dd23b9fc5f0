/*
 * The libsam reference for samkit's benchmark: corosync's own SAM, driven the way the
 * bench drives every subject. One program, one mode per run:
 *
 *   reference hang <interval ms> <samples>
 *   reference crash <samples> <run ms>
 *   reference heartbeat-cost <batches> <calls>
 *   reference pace <heartbeats per second> <seconds> <interval ms>   (then waits for stdin)
 *   reference data-store <size bytes> <samples>
 *   reference quorum <samples>          (reads one byte from stdin before each sam_start)
 *
 * Every instance appends "<event> <CLOCK_MONOTONIC ms> <instance id>[ <value>]" lines to the
 * file named by $SAMKIT_BENCH_LOG (bench/lib/event-log.mjs reads them). Every run ends with an
 * instance that exits 0 while not started: libsam's supervisor then quits with that status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <corosync/sam.h>

static int log_descriptor = -1;
static unsigned int instance_id;

/* Appends text at *cursor; async-signal-safe, like everything append_event uses. */
static void append_text(char **cursor, const char *text)
{
	while (*text != '\0') {
		*(*cursor)++ = *text++;
	}
}

/* Appends n in decimal, zero-padded to at least `digits` digits. */
static void append_unsigned(char **cursor, unsigned long long n, int digits)
{
	char reversed[24];
	int length = 0;

	do {
		reversed[length++] = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0 || length < digits);
	while (length > 0) {
		*(*cursor)++ = reversed[--length];
	}
}

/*
 * One line, one write(2) on an O_APPEND descriptor: lines from the supervisor's many instances
 * never interleave. No stdio and no malloc, so signal handlers may call it.
 */
static void append_event(const char *event, const struct timespec *time, const char *value)
{
	char line[160];
	char *cursor = line;

	append_text(&cursor, event);
	append_text(&cursor, " ");
	append_unsigned(&cursor, (unsigned long long)time->tv_sec * 1000 + (unsigned long long)time->tv_nsec / 1000000, 1);
	append_text(&cursor, ".");
	append_unsigned(&cursor, (unsigned long long)time->tv_nsec % 1000000, 6);
	append_text(&cursor, " ");
	append_unsigned(&cursor, instance_id, 1);
	if (value != NULL) {
		append_text(&cursor, " ");
		append_text(&cursor, value);
	}
	append_text(&cursor, "\n");
	if (write(log_descriptor, line, (size_t)(cursor - line)) < 0) {
		_exit(3);
	}
}

static struct timespec now(void)
{
	struct timespec time;

	clock_gettime(CLOCK_MONOTONIC, &time);
	return time;
}

static double milliseconds_between(const struct timespec *from, const struct timespec *to)
{
	return (double)(to->tv_sec - from->tv_sec) * 1e3 + (double)(to->tv_nsec - from->tv_nsec) / 1e6;
}

static void append_now(const char *event, const char *value)
{
	struct timespec time = now();

	append_event(event, &time, value);
}

/*
 * A failed call ends the run: stop first (the supervisor then quits instead of restarting a
 * started instance), and say which call failed.
 */
static void check(const char *call, cs_error_t error)
{
	if (error == CS_OK) {
		return;
	}
	fprintf(stderr, "libsam reference: %s failed with cs_error_t %d\n", call, (int)error);
	sam_stop();
	exit(2);
}

/* Registers (the parent stays inside sam_register as the supervisor) and logs "running". */
static void register_instance(void)
{
	cs_error_t error = sam_register(&instance_id);
	struct timespec running = now();

	if (error != CS_OK) {
		fprintf(stderr, "libsam reference: sam_register failed with cs_error_t %d\n", (int)error);
		exit(2);
	}
	append_event("running", &running, NULL);
}

/* The end of a run: an instance that is not started exits 0, so the supervisor quits with 0. */
static void finish(void)
{
	if (sam_stop() != CS_OK) {
		/* Not started: nothing to stop. */
	}
	exit(0);
}

static void sleep_milliseconds(double milliseconds)
{
	struct timespec duration;

	duration.tv_sec = (time_t)(milliseconds / 1000);
	duration.tv_nsec = (long)((milliseconds - (double)duration.tv_sec * 1000) * 1e6);
	while (nanosleep(&duration, &duration) == -1 && errno == EINTR) {
	}
}

static void install_handler(int signal_number, void (*handler)(int))
{
	struct sigaction action;

	memset(&action, 0, sizeof(action));
	action.sa_handler = handler;
	sigemptyset(&action.sa_mask);
	sigaction(signal_number, &action, NULL);
}

/* The warn signal ends a hung instance as the default disposition would, after noting when. */
static void warn_then_exit(int signal_number)
{
	(void)signal_number;
	append_now("warn", NULL);
	_exit(143);
}

/* A healthy instance survives warn signals and logs each: every one is a false time-out. */
static void count_warning(int signal_number)
{
	(void)signal_number;
	append_now("warn", NULL);
}

static void hang(int interval, unsigned int samples)
{
	struct timespec last_heartbeat;
	volatile unsigned long spin = 0;

	check("sam_initialize", sam_initialize(interval, SAM_RECOVERY_POLICY_RESTART));
	register_instance();
	if (instance_id > samples) {
		finish();
	}
	install_handler(SIGTERM, warn_then_exit);
	check("sam_start", sam_start());
	for (int beat = 0; beat < 3; beat++) {
		check("sam_hc_send", sam_hc_send());
		sleep_milliseconds(interval / 4.0);
	}
	last_heartbeat = now();
	check("sam_hc_send", sam_hc_send());
	append_event("beat", &last_heartbeat, NULL);
	for (;;) {
		spin++;
	}
}

static void crash(unsigned int samples, unsigned int run_ms)
{
	struct timespec crashing;

	/* No time limit matters here: the exit itself is what the supervisor sees. */
	check("sam_initialize", sam_initialize(10000, SAM_RECOVERY_POLICY_RESTART));
	register_instance();
	if (instance_id > samples) {
		finish();
	}
	/* Started, so the exit is a failure and libsam restarts the instance. */
	check("sam_start", sam_start());
	/* Runs as long as every subject's instance does (bench/lib/crash-after.mjs). */
	usleep(run_ms * 1000);
	crashing = now();
	append_event("crash", &crashing, NULL);
	exit(1);
}

static void heartbeat_cost(unsigned int batches, unsigned long calls)
{
	char value[32];

	/* Long enough that the supervisor never times out while the pipe is full. */
	check("sam_initialize", sam_initialize(10000, SAM_RECOVERY_POLICY_RESTART));
	register_instance();
	if (instance_id > 1) {
		finish();
	}
	check("sam_start", sam_start());
	for (unsigned int batch = 0; batch < batches; batch++) {
		struct timespec started = now();
		struct timespec ended;

		for (unsigned long call = 0; call < calls; call++) {
			check("sam_hc_send", sam_hc_send());
		}
		ended = now();
		snprintf(value, sizeof(value), "%.6f", milliseconds_between(&started, &ended) * 1000 / (double)calls);
		append_event("cost", &ended, value);
	}
	finish();
}

/*
 * Keeps the supervisor alive until the bench has read its memory and CPU time (it closes stdin
 * or writes a byte): an exited supervisor has no /proc entry left to read.
 */
static void wait_for_bench(void)
{
	char any;

	while (read(STDIN_FILENO, &any, 1) == -1 && errno == EINTR) {
	}
}

/*
 * Heartbeats at `rate` per second for `seconds`, in a batch every millisecond: as many as are due
 * by then, so a late wake-up catches up instead of lowering the rate. Then stops (no time limit
 * any more) and waits for the bench.
 */
static void pace(double rate, double seconds, int interval)
{
	char value[32];
	struct timespec started;
	unsigned long long sent = 0;

	check("sam_initialize", sam_initialize(interval, SAM_RECOVERY_POLICY_RESTART));
	register_instance();
	if (instance_id > 1) {
		/* The paced instance was killed after false time-outs: end the run. */
		append_now("paced", "0");
		wait_for_bench();
		finish();
	}
	install_handler(SIGTERM, count_warning);
	check("sam_start", sam_start());
	started = now();
	append_event("pacing", &started, NULL);
	for (;;) {
		struct timespec current = now();
		double elapsed = milliseconds_between(&started, &current);
		unsigned long long due;

		if (elapsed >= seconds * 1000) {
			break;
		}
		due = (unsigned long long)(rate * elapsed / 1000);
		while (sent < due) {
			check("sam_hc_send", sam_hc_send());
			sent++;
		}
		sleep_milliseconds(1);
	}
	check("sam_stop", sam_stop());
	snprintf(value, sizeof(value), "%llu", sent);
	append_now("paced", value);
	wait_for_bench();
	finish();
}

static void data_store(size_t size, unsigned int samples)
{
	char value[32];
	unsigned char *data = malloc(size);

	if (data == NULL) {
		fprintf(stderr, "libsam reference: cannot allocate %zu bytes\n", size);
		exit(2);
	}
	memset(data, 7, size);
	check("sam_initialize", sam_initialize(10000, SAM_RECOVERY_POLICY_RESTART));
	register_instance();
	if (instance_id > 1) {
		finish();
	}
	check("sam_start", sam_start());
	/* The first store grows both sides' buffers; it is not what the samples measure. */
	check("sam_data_store", sam_data_store(data, size));
	for (unsigned int sample = 0; sample < samples; sample++) {
		struct timespec started;
		struct timespec ended;

		data[0] = (unsigned char)sample;
		started = now();
		check("sam_data_store", sam_data_store(data, size));
		ended = now();
		snprintf(value, sizeof(value), "%.3f", milliseconds_between(&started, &ended) * 1000);
		append_event("store", &ended, value);
	}
	finish();
}

/*
 * Each instance waits for the bench's byte on stdin (the bench has taken quorum away by then),
 * then blocks in sam_start until quorum returns, and crashes while started so libsam restarts it
 * for the next sample.
 */
static void quorum(unsigned int samples)
{
	char go;
	struct timespec started;

	check("sam_initialize", sam_initialize(10000, SAM_RECOVERY_POLICY_QUORUM_RESTART));
	register_instance();
	if (instance_id > samples) {
		finish();
	}
	if (read(STDIN_FILENO, &go, 1) != 1) {
		/* The bench went away. */
		finish();
	}
	append_now("waiting", NULL);
	check("sam_start", sam_start());
	started = now();
	append_event("started", &started, NULL);
	exit(1);
}

/* Arguments are numbers; seconds and rates may have a fraction. */
static double argument(char **argv, int index, int argc)
{
	if (index >= argc) {
		fprintf(stderr, "libsam reference: missing argument %d for mode %s\n", index - 1, argv[1]);
		exit(2);
	}
	return strtod(argv[index], NULL);
}

int main(int argc, char **argv)
{
	const char *path = getenv("SAMKIT_BENCH_LOG");

	if (argc < 2 || path == NULL) {
		fprintf(stderr, "usage: SAMKIT_BENCH_LOG=<file> %s hang|crash|heartbeat-cost|pace|data-store|quorum ...\n", argv[0]);
		return 2;
	}
	log_descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (log_descriptor < 0) {
		perror(path);
		return 2;
	}
	if (strcmp(argv[1], "hang") == 0) {
		hang((int)argument(argv, 2, argc), (unsigned int)argument(argv, 3, argc));
	} else if (strcmp(argv[1], "crash") == 0) {
		crash((unsigned int)argument(argv, 2, argc), (unsigned int)argument(argv, 3, argc));
	} else if (strcmp(argv[1], "heartbeat-cost") == 0) {
		heartbeat_cost((unsigned int)argument(argv, 2, argc), (unsigned long)argument(argv, 3, argc));
	} else if (strcmp(argv[1], "pace") == 0) {
		pace(argument(argv, 2, argc), argument(argv, 3, argc), (int)argument(argv, 4, argc));
	} else if (strcmp(argv[1], "data-store") == 0) {
		data_store((size_t)argument(argv, 2, argc), (unsigned int)argument(argv, 3, argc));
	} else if (strcmp(argv[1], "quorum") == 0) {
		quorum((unsigned int)argument(argv, 2, argc));
	}
	fprintf(stderr, "libsam reference: unknown mode %s\n", argv[1]);
	return 2;
}
