/*
 * The protocol's own floor for bench/fleet-connect-raw.ts: a C client with no runtime at all
 * (non-blocking sockets, one epoll loop), so what it measures is the kernel's work alone.
 *
 *   connect-floor raw|mqtt HOST PORT DEVICES IN_FLIGHT SRC1 [SRC2 ...]
 *
 *   raw   a connection counts when connect() completes (no bytes exchanged)
 *   mqtt  on connect, write a pre-encoded MQTT 3.1.1 CONNECT; counts on the first bytes read
 *         (the CONNACK), nothing parsed
 *
 * Connections stay open until the process is killed (like the Node variants). Prints one JSON
 * line: {"connected":N,"errors":N,"wallMs":X,"cpuSeconds":X} and then waits for SIGKILL.
 * Why C: if even this client falls short of 85% of raw, the gap is the extra round trip
 * (a write, a read and their wake-ups, here and in the server), not Squall's engine.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const unsigned char CONNECT[] = {0x10, 0x10, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02,
                                        0x00, 0x3c, 0x00, 0x04, 'f', 'l', 'o', 'r'};

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static double cpu_seconds(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

enum { CONNECTING = 1, AWAITING_CONNACK = 2 };

int main(int argc, char **argv) {
  if (argc < 7) {
    fprintf(stderr, "usage: %s raw|mqtt HOST PORT DEVICES IN_FLIGHT SRC...\n", argv[0]);
    return 2;
  }
  int mqtt = strcmp(argv[1], "mqtt") == 0;
  struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[3]))};
  inet_pton(AF_INET, argv[2], &dst.sin_addr);
  int devices = atoi(argv[4]), in_flight = atoi(argv[5]), nsrc = argc - 6;
  struct sockaddr_in *src = calloc(nsrc, sizeof *src);
  for (int i = 0; i < nsrc; i++) {
    src[i].sin_family = AF_INET;
    inet_pton(AF_INET, argv[6 + i], &src[i].sin_addr);
  }
  int ep = epoll_create1(0);
  int max_fd = devices + in_flight + 1024;
  unsigned char *state = calloc(max_fd, 1);
  int started = 0, connected = 0, errors = 0, pending = 0;
  char buf[64];

  double t0 = now_ms(), c0 = cpu_seconds();
  for (;;) {
    while (pending < in_flight && connected + pending < devices) {
      int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      if (fd < 0 || fd >= max_fd) {
        perror("socket");
        return 1;
      }
      if (bind(fd, (struct sockaddr *)&src[started % nsrc], sizeof src[0]) < 0 ||
          (connect(fd, (struct sockaddr *)&dst, sizeof dst) < 0 && errno != EINPROGRESS)) {
        close(fd);
        errors++;
        started++;
        continue;
      }
      struct epoll_event ev = {.events = EPOLLOUT, .data.fd = fd};
      epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
      state[fd] = CONNECTING;
      started++;
      pending++;
    }
    if (connected == devices) break;
    struct epoll_event evs[256];
    int n = epoll_wait(ep, evs, 256, 1000);
    for (int k = 0; k < n; k++) {
      int fd = evs[k].data.fd, err = 0;
      if (state[fd] == CONNECTING) {
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &(socklen_t){sizeof err});
        if (err || (evs[k].events & (EPOLLERR | EPOLLHUP))) goto failed;
        if (!mqtt) goto done;
        if (write(fd, CONNECT, sizeof CONNECT) != sizeof CONNECT) goto failed;
        state[fd] = AWAITING_CONNACK;
        epoll_ctl(ep, EPOLL_CTL_MOD, fd, &(struct epoll_event){.events = EPOLLIN, .data.fd = fd});
        continue;
      }
      if (read(fd, buf, sizeof buf) <= 0) goto failed;
    done:
      epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
      state[fd] = 0;
      connected++;
      pending--;
      continue;
    failed:
      epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
      close(fd);
      state[fd] = 0;
      errors++;
      pending--;
    }
  }
  double wall = now_ms() - t0, cpu = cpu_seconds() - c0;
  printf("{\"connected\":%d,\"errors\":%d,\"wallMs\":%.1f,\"cpuSeconds\":%.4f}\n", connected, errors, wall, cpu);
  fflush(stdout);
  pause();
  return 0;
}
