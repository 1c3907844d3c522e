/*
 * sim_alloc.c: allocation with one out-of-memory policy (see sim_alloc.h).
 */
#define _DEFAULT_SOURCE /* madvise */
#include "sim_alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

static void (*abort_hook)(int status);
static int oom_rank = -1, oom_nranks; /* named in the message when nranks > 1 */

static void out_of_memory(size_t n, const char *what)
{
  char who[48] = "";
  if (oom_rank >= 0 && oom_nranks > 1)
    snprintf(who, sizeof who, "rank %d of %d: ", oom_rank, oom_nranks);
  fprintf(stderr, "memspike: %sout of memory allocating %zu bytes for %s\n", who, n,
          what ? what : "(unnamed)");
  fflush(stderr);
  if (abort_hook)
    abort_hook(3);
  exit(3);
}

void sim_alloc_set_abort(void (*hook)(int status)) { abort_hook = hook; }

void sim_alloc_set_rank(int rank, int nranks)
{
  oom_rank = rank;
  oom_nranks = nranks;
}

/* Blocks of at least this size (the synapse tables, the input rings) are
   mapped by malloc on their own and not yet touched when it returns: ask
   for transparent huge pages on their 2 MB-aligned interior.  A 3 GB
   table then takes ~1,500 page faults instead of ~780,000 and its random
   writes miss the TLB less (microcircuit build: 52.7 -> 44.6-45.6 s CPU
   here); the contents and every result are the same.  Where the kernel
   has no THP the call fails and nothing changes. */
#define HUGE_FROM ((size_t)32 << 20)
#define HUGE_PAGE ((uintptr_t)2 << 20)

static void *advise_huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
  if (p && n >= HUGE_FROM) {
    const uintptr_t a = ((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    const uintptr_t e = ((uintptr_t)p + n) & ~(HUGE_PAGE - 1);
    if (e > a)
      (void)madvise((void *)a, e - a, MADV_HUGEPAGE);
  }
#endif
  return p;
}

void *sim_malloc(size_t n, const char *what)
{
  void *p = malloc(n ? n : 1);
  if (!p)
    out_of_memory(n, what);
  return advise_huge(p, n);
}

void *sim_calloc(size_t count, size_t size, const char *what)
{
  if (size && count > SIZE_MAX / size)
    out_of_memory(SIZE_MAX, what);
  void *p = calloc(count ? count : 1, size ? size : 1);
  if (!p)
    out_of_memory(count * size, what);
  return advise_huge(p, count * size);
}

void *sim_realloc(void *p, size_t n, const char *what)
{
  void *q = realloc(p, n ? n : 1);
  if (!q)
    out_of_memory(n, what);
  return advise_huge(q, n);
}

char *sim_strdup(const char *s, const char *what)
{
  size_t n = strlen(s) + 1;
  char *d = sim_malloc(n, what);
  memcpy(d, s, n);
  return d;
}

void sim_free(void *p) { free(p); }

size_t sim_peak_rss_bytes(void)
{
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0)
    return 0;
  return (size_t)ru.ru_maxrss * 1024u; /* Linux reports KiB */
}

double sim_mem_available_bytes(void)
{
  FILE *f = fopen("/proc/meminfo", "r");
  if (!f)
    return 0;
  char line[256];
  double kib = 0;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "MemAvailable: %lf kB", &kib) == 1)
      break;
  fclose(f);
  return kib * 1024;
}
