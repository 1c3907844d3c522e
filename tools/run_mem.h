/*
 * run_mem.h: `memspike run`'s memory check before building: the network's
 * estimate (network/net_mem.h) against the memory a rank may use, and the
 * --dry-run report.
 */
#ifndef RUN_MEM_H
#define RUN_MEM_H

#include <stdio.h>

#include "../network/net_mem.h"

/* Memory one rank may use (bytes): MemAvailable shared by the ranks on this
   node (node_ranks), or [simulation] max_memory when that is smaller (or
   MemAvailable is unknown: avail 0).  *why names the source.  0: no limit
   known. */
double run_mem_limit(const net_desc *d, double avail, int node_ranks, const char **why);

/* 0 when m fits under limit (0: no limit); otherwise SIM_ENOMEM with a
   message giving the estimate, the limit and the largest contributors. */
int run_mem_fits(const net_mem *m, double limit, const char *why, int rank, int nranks);

/* The estimate as text: total, limit, contributors (largest first). */
void run_mem_report(const net_mem *m, double limit, const char *why, int rank, int nranks,
                    FILE *out);

/* Collective: estimate this rank's part of d, compare it with its limit;
   rank 0 prints the report when dry_run.  logs: the run writes event logs.
   Returns 0 or SIM_ENOMEM (message set) on a rank that does not fit. */
int run_mem_check(const net_desc *d, int logs, int dry_run, FILE *out);

#endif
