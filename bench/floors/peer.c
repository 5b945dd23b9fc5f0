/*
 * The C side of bench/floors.mjs: what this machine allows, with no SAM code in the way.
 *   peer serve <command> [args...]  starts the command with one end of a socketpair on fd 3 and
 *                                   answers every 1029 bytes it reads there with 6 bytes (a 1 KiB
 *                                   data store and its reply, as the channel frames them)
 *   peer ask <warm-up> <count>      on fd 3: that many round trips, blocking, one line of
 *                                   microseconds each on standard output after the warm-up
 *   peer die                        writes one byte on fd 3, waits for one, then writes its
 *                                   CLOCK_MONOTONIC time in milliseconds and exits with code 1
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { request_size = 1029, reply_size = 6 };

static double now_ms(void) {
  struct timespec time;
  clock_gettime(CLOCK_MONOTONIC, &time);
  return time.tv_sec * 1e3 + time.tv_nsec / 1e6;
}

static int serve(char **command) {
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0) return perror("socketpair"), 1;
  pid_t child = fork();
  if (child < 0) return perror("fork"), 1;
  if (child == 0) {
    close(pair[0]);
    if (dup2(pair[1], 3) < 0) _exit(127);
    execvp(command[0], command);
    _exit(127);
  }
  close(pair[1]);
  static char buffer[65536];
  const char reply[reply_size] = {0};
  long unanswered = 0;
  for (;;) {
    // poll() first, as libsam's supervisor loop does.
    struct pollfd channel = {pair[0], POLLIN, 0};
    if (poll(&channel, 1, -1) < 0) break;
    ssize_t count = read(pair[0], buffer, sizeof buffer);
    if (count <= 0) break;
    for (unanswered += count; unanswered >= request_size; unanswered -= request_size) {
      if (write(pair[0], reply, reply_size) != reply_size) break;
    }
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int ask(int warm_up, int count) {
  static char request[request_size], reply[reply_size];
  memset(request, 7, sizeof request);
  for (int round = 0; round < warm_up + count; round++) {
    double started = now_ms();
    if (write(3, request, sizeof request) != sizeof request) return perror("write"), 1;
    for (size_t got = 0; got < sizeof reply;) {
      ssize_t part = read(3, reply + got, sizeof reply - got);
      if (part <= 0) return perror("read"), 1;
      got += (size_t)part;
    }
    if (round >= warm_up) printf("%.3f\n", (now_ms() - started) * 1000);
  }
  return 0;
}

static int die(void) {
  char byte = 'r';
  if (write(3, &byte, 1) != 1 || read(3, &byte, 1) != 1) return 2;
  char line[64];
  int length = snprintf(line, sizeof line, "%.6f\n", now_ms());
  if (write(3, line, (size_t)length) != length) return 2;
  exit(1);
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "serve") == 0) return serve(argv + 2);
  if (argc == 4 && strcmp(argv[1], "ask") == 0) return ask(atoi(argv[2]), atoi(argv[3]));
  if (argc == 2 && strcmp(argv[1], "die") == 0) return die();
  fprintf(stderr, "usage: peer serve <command> [args...] | peer ask <warm-up> <count> | peer die\n");
  return 2;
}
