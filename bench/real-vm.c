/*
 * real-vm.c: the real kernel's cost of the operations `pnpm bench` also runs on the
 * simulator, per operation in nanoseconds, printed as one JSON object on stdout.
 *
 *   cc -O2 -o bench/out/real-vm bench/real-vm.c && bench/out/real-vm [pages] [reps]
 *   bench/out/real-vm --serve
 *
 * Every figure is the median of `reps` runs timed with clock_gettime(CLOCK_MONOTONIC).
 * With --serve it runs one repetition per request instead: it reads lines "<op> <pages>"
 * on stdin (op: fault, cow, fork, munmap, mprotect) and answers each with one line, the
 * figure of that single run (ns per page; fork: total ns), so that `pnpm bench` can
 * alternate the real kernel's repetitions with the simulator's and a change in the host's
 * speed during the run reaches both sides of a ratio alike. An empty line or EOF ends it.
 * Transparent huge pages are turned off for the measured ranges where the system has
 * MADV_NOHUGEPAGE, so that every fault is a 4 KiB page fault.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MAP_ANONYMOUS
#define MAP_ANONYMOUS MAP_ANON
#endif

static long page_size;

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void die(const char *what) {
  fprintf(stderr, "real-vm: %s: %s\n", what, strerror(errno));
  exit(2);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y ? 1 : 0;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof v[0], cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* A private anonymous mapping of n pages, not yet touched. */
static char *map_pages(size_t n) {
  char *p = mmap(NULL, n * (size_t)page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) die("mmap");
#ifdef MADV_NOHUGEPAGE
  (void)madvise(p, n * (size_t)page_size, MADV_NOHUGEPAGE);
#endif
  return p;
}

/* One write to every page: a fault per page when they are not yet resident (or are COW). */
static void touch(volatile char *p, size_t n, char v) {
  for (size_t i = 0; i < n; i++) p[i * (size_t)page_size] = v;
}

static char *map_resident(size_t n) {
  char *p = map_pages(n);
  touch(p, n, 1);
  return p;
}

/* Anonymous write fault: ns per page for the first write to each page. */
static double anon_fault(size_t n) {
  char *p = map_pages(n);
  double t0 = now_ns();
  touch(p, n, 1);
  double t = now_ns() - t0;
  munmap(p, n * (size_t)page_size);
  return t / (double)n;
}

/* COW fault: the child writes each page of a resident private mapping once after fork. */
static double cow_fault(size_t n) {
  char *p = map_resident(n);
  int fd[2];
  if (pipe(fd) != 0) die("pipe");
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    close(fd[0]);
    double t0 = now_ns();
    touch(p, n, 2);
    double t = (now_ns() - t0) / (double)n;
    if (write(fd[1], &t, sizeof t) != (ssize_t)sizeof t) _exit(3);
    _exit(0);
  }
  close(fd[1]);
  double t = -1;
  if (read(fd[0], &t, sizeof t) != (ssize_t)sizeof t) die("read from child");
  close(fd[0]);
  int st;
  if (waitpid(pid, &st, 0) < 0) die("waitpid");
  munmap(p, n * (size_t)page_size);
  return t;
}

/* fork() + child _exit + waitpid with n resident pages: total ns. */
static double fork_total(size_t n) {
  char *p = map_resident(n);
  double t0 = now_ns();
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) _exit(0);
  int st;
  if (waitpid(pid, &st, 0) < 0) die("waitpid");
  double t = now_ns() - t0;
  munmap(p, n * (size_t)page_size);
  return t;
}

static double munmap_page(size_t n) {
  char *p = map_resident(n);
  double t0 = now_ns();
  if (munmap(p, n * (size_t)page_size) != 0) die("munmap");
  return (now_ns() - t0) / (double)n;
}

static double mprotect_page(size_t n) {
  char *p = map_resident(n);
  double t0 = now_ns();
  if (mprotect(p, n * (size_t)page_size, PROT_READ) != 0) die("mprotect");
  double t = (now_ns() - t0) / (double)n;
  munmap(p, n * (size_t)page_size);
  return t;
}

/* The fastest and slowest repetition of the last med_of: the spread printed beside a median. */
static double last_min, last_max;

/* Two warm-up runs, then the median of `reps` (the simulator's side does the same: medianOf). */
static double med_of(double (*f)(size_t), size_t n, int reps) {
  double v[64];
  if (reps > 64) reps = 64;
  (void)f(n); /* warm-up */
  (void)f(n);
  for (int i = 0; i < reps; i++) v[i] = f(n);
  double m = median(v, reps); /* sorts v */
  last_min = v[0];
  last_max = v[reps - 1];
  return m;
}

/* --serve: one run per request line, its figure on a line of its own. */
static int serve(void) {
  char line[128];
  printf("ready %ld\n", page_size);
  fflush(stdout);
  while (fgets(line, sizeof line, stdin) != NULL) {
    char op[32];
    unsigned long n;
    if (line[0] == '\n') break;
    if (sscanf(line, "%31s %lu", op, &n) != 2 || n < 1) {
      fprintf(stderr, "real-vm: bad request: %s", line);
      return 2;
    }
    double (*f)(size_t) = strcmp(op, "fault") == 0      ? anon_fault
                          : strcmp(op, "cow") == 0      ? cow_fault
                          : strcmp(op, "fork") == 0     ? fork_total
                          : strcmp(op, "munmap") == 0   ? munmap_page
                          : strcmp(op, "mprotect") == 0 ? mprotect_page
                                                        : NULL;
    if (f == NULL) {
      fprintf(stderr, "real-vm: unknown operation %s\n", op);
      return 2;
    }
    printf("%.3f\n", f((size_t)n));
    fflush(stdout);
  }
  return 0;
}

int main(int argc, char **argv) {
  page_size = sysconf(_SC_PAGESIZE);
  if (argc > 1 && strcmp(argv[1], "--serve") == 0) return serve();
  size_t n = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 16384;
  int reps = argc > 2 ? atoi(argv[2]) : 9;
  if (n < 64 || reps < 1) {
    fprintf(stderr, "usage: real-vm [pages >= 64] [reps >= 1]\n");
    return 2;
  }
  size_t small = n / 8;

  double fault = med_of(anon_fault, n, reps);
  double fault_lo = last_min, fault_hi = last_max;
  double cow = med_of(cow_fault, n, reps);
  double cow_lo = last_min, cow_hi = last_max;
  double fork_small = med_of(fork_total, small, reps);
  double fork_large = med_of(fork_total, n, reps);
  double fork_page = (fork_large - fork_small) / (double)(n - small);
  double unmap = med_of(munmap_page, n, reps);
  double unmap_lo = last_min, unmap_hi = last_max;
  double prot = med_of(mprotect_page, n, reps);
  double prot_lo = last_min, prot_hi = last_max;

  printf("{\"pageSize\": %ld, \"pages\": %zu, \"reps\": %d, "
         "\"anonFault\": %.2f, \"cowFault\": %.2f, \"forkPerPage\": %.3f, "
         "\"forkFixed\": %.0f, \"munmapPerPage\": %.3f, \"mprotectPerPage\": %.3f, "
         "\"spread\": {\"anonFault\": [%.2f, %.2f], \"cowFault\": [%.2f, %.2f], "
         "\"munmapPerPage\": [%.3f, %.3f], \"mprotectPerPage\": [%.3f, %.3f]}}\n",
         page_size, n, reps, fault, cow, fork_page,
         fork_small - fork_page * (double)small, unmap, prot,
         fault_lo, fault_hi, cow_lo, cow_hi, unmap_lo, unmap_hi, prot_lo, prot_hi);
  return 0;
}
