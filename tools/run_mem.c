/*
 * run_mem.c: the memory check of `memspike run` (run_mem.h).
 */
#include "run_mem.h"

#include <stdlib.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"
#include "../mpi/comm.h"

/* "7.80 GiB", "512.0 MiB" (static buffers, four in rotation). */
static const char *human(double b)
{
  static char buf[4][32];
  static int k;
  char *s = buf[k++ & 3];
  if (b >= 1024.0 * 1024 * 1024 * 1024)
    snprintf(s, 32, "%.1f TiB", b / (1024.0 * 1024 * 1024 * 1024));
  else if (b >= 1024.0 * 1024 * 1024)
    snprintf(s, 32, "%.2f GiB", b / (1024.0 * 1024 * 1024));
  else
    snprintf(s, 32, "%.1f MiB", b / (1024.0 * 1024));
  return s;
}

double run_mem_limit(const net_desc *d, double avail, int node_ranks, const char **why)
{
  static char text[96];
  double lim = 0;
  *why = "no limit known";
  if (avail > 0) {
    lim = avail / (node_ranks > 0 ? node_ranks : 1);
    if (node_ranks > 1)
      snprintf(text, sizeof text, "MemAvailable %s / %d ranks on this node", human(avail),
               node_ranks);
    else
      snprintf(text, sizeof text, "MemAvailable in /proc/meminfo");
    *why = text;
  }
  double mx = d->sim.max_memory_bytes;
  if (mx > 0 && (lim == 0 || mx < lim)) {
    lim = mx;
    *why = "[simulation] max_memory";
  }
  return lim;
}

int run_mem_fits(const net_mem *m, double limit, const char *why, int rank, int nranks)
{
  if (limit <= 0 || m->bytes <= limit)
    return 0;
  char top[512] = "";
  size_t n = 0;
  for (uint32_t i = 0; i < m->nitems && i < 3 && n < sizeof top; i++)
    n += (size_t)snprintf(top + n, sizeof top - n, "%s%s (%s)", i ? "; " : "",
                          m->item[i].what, human(m->item[i].bytes));
  char where[48] = "";
  if (nranks > 1)
    snprintf(where, sizeof where, " on rank %d of %d", rank, nranks);
  return sim_error_set(SIM_ENOMEM,
                       "the network does not fit: estimated %s%s, limit %s (%s); largest: "
                       "%s.  Make it smaller, run on more ranks or machines, or raise "
                       "[simulation] max_memory (memspike run CONFIG --dry-run prints the "
                       "estimate)",
                       human(m->bytes), where, human(limit), why, top);
}

void run_mem_report(const net_mem *m, double limit, const char *why, int rank, int nranks,
                    FILE *out)
{
  fprintf(out, "memory estimate (rank %d of %d): %s, %.0f synapses\n", rank, nranks,
          human(m->bytes), m->nsyn);
  if (limit > 0)
    fprintf(out, "  limit per rank: %s (%s): %s\n", human(limit), why,
            m->bytes <= limit ? "fits" : "does NOT fit");
  else
    fprintf(out, "  limit per rank: none known\n");
  for (uint32_t i = 0; i < m->nitems; i++)
    fprintf(out, "  %10s  %s\n", human(m->item[i].bytes), m->item[i].what);
  fflush(out);
}

/* Ranks sharing this node: what the MPI launcher says, else all of them
   (the cautious guess), else 1. */
static int node_ranks(void)
{
  static const char *const vars[] = {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS",
                                     "SLURM_NTASKS_PER_NODE"};
  for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
    const char *v = getenv(vars[i]);
    if (v && atoi(v) > 0)
      return atoi(v);
  }
  return comm_size();
}

int run_mem_check(const net_desc *d, int logs, int dry_run, FILE *out)
{
  net_part part = {d->sim.partition, comm_rank(), comm_size()};
  net_mem m;
  net_mem_estimate(d, &part, logs, &m);
  const char *why;
  double limit = run_mem_limit(d, sim_mem_available_bytes(), node_ranks(), &why);
  if (dry_run && part.rank == 0) {
    run_mem_report(&m, limit, why, part.rank, part.nranks, out);
    if (part.nranks > 1)
      fprintf(out, "  largest rank: %s\n", human(comm_max_double(m.bytes)));
  } else if (dry_run) {
    comm_max_double(m.bytes);
  }
  return run_mem_fits(&m, limit, why, part.rank, part.nranks);
}
