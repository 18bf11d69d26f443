/*
 * The fp32 peak this CPU really sustains: `threads` threads, each running 12 independent chains of 16-float
 * multiply-adds (enough chains to cover the FMA latency on both pipes), for `millions` million steps. Built by
 * fp32-peak.ts with `cc -O3 -march=native -ffp-contract=fast`, so the compiler picks the widest vector FMA the machine
 * has. Each thread's rate is its work over its own CPU time (CLOCK_THREAD_CPUTIME_ID), so time the scheduler gives to
 * other processes on a shared machine does not count against the core. Prints one number: the threads' rates summed,
 * the best of three rounds.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef float v16 __attribute__((vector_size(64)));

static long steps;
static volatile float sink;

static double cpu_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static void *chains(void *arg) {
  double *gflops = arg;
  double t0 = cpu_seconds();
  v16 a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11;
  v16 b, c;
  for (int i = 0; i < 16; i++) {
    b[i] = 0.999999f;
    c[i] = 1e-7f;
    a0[i] = a1[i] = a2[i] = a3[i] = a4[i] = a5[i] = a6[i] = a7[i] = a8[i] = a9[i] = a10[i] = a11[i] = (float)i;
  }
  for (long k = 0; k < steps; k++) {
    a0 = a0 * b + c; a1 = a1 * b + c; a2 = a2 * b + c; a3 = a3 * b + c;
    a4 = a4 * b + c; a5 = a5 * b + c; a6 = a6 * b + c; a7 = a7 * b + c;
    a8 = a8 * b + c; a9 = a9 * b + c; a10 = a10 * b + c; a11 = a11 * b + c;
  }
  v16 s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
  float total = 0;
  for (int i = 0; i < 16; i++) total += s[i];
  sink = total;
  *gflops = (double)steps * 12 * 16 * 2 / (cpu_seconds() - t0) / 1e9;
  return NULL;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  steps = (argc > 2 ? atol(argv[2]) : 50) * 1000000L;
  if (threads < 1 || threads > 256 || steps < 1) return 2;
  pthread_t *t = malloc(sizeof(pthread_t) * threads);
  double *rates = malloc(sizeof(double) * threads);
  double best = 0;
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, chains, &rates[i]);
    double sum = 0;
    for (int i = 0; i < threads; i++) {
      pthread_join(t[i], NULL);
      sum += rates[i];
    }
    if (sum > best) best = sum;
  }
  printf("%.1f\n", best);
  free(rates);
  free(t);
  return 0;
}
