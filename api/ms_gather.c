/*
 * ms_gather.c: arrays gathered over ranks for the API's readers, through
 * the personalised all-to-all of mpi/comm.h (each rank sends its items to
 * every rank), so that every rank gets all results.  Sizes here are those
 * of results a program reads (spikes, samples, connections), not the
 * simulation's hot path.
 */
#include <string.h>

#include "../core/sim_alloc.h"
#include "../mpi/comm.h"
#include "ms_int.h"

void ms_allgather(const void *items, size_t n, size_t size, void **all, size_t *total,
                  size_t *counts)
{
  const int np = comm_size();
  const size_t bytes = n * size;
  if (bytes > (size_t)0x7fffffff)
    comm_abort(1, "memspike API: more than 2 GB of results on one rank to gather");
  uint8_t *send = sim_malloc(bytes * (size_t)np + 1, "gather buffer");
  int *sc = sim_calloc((size_t)np, sizeof *sc, "gather counts");
  int *rc = sim_calloc((size_t)np, sizeof *rc, "gather counts");
  for (int q = 0; q < np; q++) {
    if (bytes)
      memcpy(send + (size_t)q * bytes, items, bytes);
    sc[q] = (int)bytes;
  }
  uint8_t *recv = NULL;
  size_t got = comm_alltoallv_bytes(send, sc, &recv, rc);
  for (int q = 0; counts && q < np; q++)
    counts[q] = (size_t)rc[q] / size;
  *all = recv;
  *total = got / size;
  sim_free(send);
  sim_free(sc);
  sim_free(rc);
}

uint64_t ms_sum_u64(uint64_t x) { return comm_sum_u64(x); }
