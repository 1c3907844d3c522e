/*
 * sim_alloc.h: the one allocator wrapper.  Out-of-memory policy: report what
 * was being allocated and how much, then end the run on every rank through
 * the abort hook (the MPI layer installs one that calls comm_abort).
 * Every allocation names what it is for, so the report is useful.
 */
#ifndef SIM_ALLOC_H
#define SIM_ALLOC_H

#include <stddef.h>

/* Allocate n bytes for `what`; never returns NULL (n == 0 gives a valid
   1-byte block).  Caller owns; free with sim_free. */
void *sim_malloc(size_t n, const char *what);
/* Zeroed array of count elements of size bytes, overflow-checked. */
void *sim_calloc(size_t count, size_t size, const char *what);
/* Resize p to n bytes (p may be NULL). */
void *sim_realloc(void *p, size_t n, const char *what);
/* Copy of a NUL-terminated string. */
char *sim_strdup(const char *s, const char *what);
void sim_free(void *p);

/* Hook called after the out-of-memory message, before exit(3).  NULL
   restores the default (exit only). */
void sim_alloc_set_abort(void (*hook)(int status));

/* Name "rank R of N" in the out-of-memory message (when N > 1), so that a
   job's log says which rank ran out. */
void sim_alloc_set_rank(int rank, int nranks);

/* Peak resident set size of this process in bytes (from getrusage). */
size_t sim_peak_rss_bytes(void);
/* Memory the machine can give without swapping, in bytes (MemAvailable of
   /proc/meminfo; 0 when unknown). */
double sim_mem_available_bytes(void);

#endif
