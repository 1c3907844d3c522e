/*
 * comm.c: the communication layer on OpenMPI.  Spikes are exchanged once
 * per min-delay window with one collective for the counts and one for the
 * payload; receive buffers grow when a window brings more spikes than ever
 * before, so there is no fixed limit on spikes per window.
 */
#include "comm.h"

#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_alloc.h"

static int inited, finalized;
static int my_rank, world_size = 1;
static int *scounts, *sdispls, *rcounts, *rdispls; /* per rank, for the collectives */

static void oom_abort(int status)
{
  if (inited && !finalized)
    MPI_Abort(MPI_COMM_WORLD, status);
}

/* Started by mpirun (or another PMI launcher)?  Without one, a run is a
   world of one rank and MPI is never started: no singleton daemon, no
   start-up cost. */
static int launched_by_mpi(void)
{
  return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_RANK") ||
         getenv("PMI_SIZE");
}

int comm_init(int *argc, char ***argv)
{
  if (inited || finalized)
    return 0;
  if (!launched_by_mpi()) {
    my_rank = 0;
    world_size = 1;
    return 0;
  }
  int already = 0;
  MPI_Initialized(&already);
  if (!already && MPI_Init(argc, argv) != MPI_SUCCESS)
    return -7;
  inited = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &my_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &world_size);
  scounts = sim_calloc((size_t)world_size, sizeof *scounts, "exchange counts");
  sdispls = sim_calloc((size_t)world_size, sizeof *sdispls, "exchange displacements");
  rcounts = sim_calloc((size_t)world_size, sizeof *rcounts, "exchange counts");
  rdispls = sim_calloc((size_t)world_size, sizeof *rdispls, "exchange displacements");
  sim_alloc_set_abort(oom_abort);
  sim_alloc_set_rank(my_rank, world_size);
  return 0;
}

void comm_fini(void)
{
  if (!inited || finalized)
    return;
  finalized = 1;
  sim_free(scounts);
  sim_free(sdispls);
  sim_free(rcounts);
  sim_free(rdispls);
  scounts = sdispls = rcounts = rdispls = NULL;
  sim_alloc_set_abort(NULL);
  MPI_Finalize();
}

int comm_rank(void) { return my_rank; }
int comm_size(void) { return world_size; }

static int spike_cmp(const void *a, const void *b)
{
  const comm_spike *x = a, *y = b;
  if (x->lag != y->lag)
    return x->lag < y->lag ? -1 : 1;
  return x->gid < y->gid ? -1 : x->gid > y->gid;
}

/* Merge the per-source runs (each sorted) of the received spikes.  Runs
   are few (<= ranks) and windows small; a sort of the whole is simple and
   cheap next to the synaptic events the spikes cause. */
static void sort_spikes(comm_spike *a, size_t n)
{
  for (size_t i = 1; i < n; i++)
    if (spike_cmp(&a[i - 1], &a[i]) > 0) {
      qsort(a, n, sizeof *a, spike_cmp);
      return;
    }
}

static void grow(comm_spike **all, size_t *cap, size_t n)
{
  if (n > *cap) {
    *cap = n + n / 2 + 64;
    *all = sim_realloc(*all, *cap * sizeof **all, "spike exchange buffer");
  }
}

size_t comm_exchange_spikes(const comm_spike *send, const int *counts, comm_spike **all,
                            size_t *cap, uint64_t *bytes_sent)
{
  if (world_size == 1) {
    size_t n = (size_t)counts[0];
    if (bytes_sent)
      *bytes_sent = 0;
    grow(all, cap, n);
    if (n)
      memcpy(*all, send, n * sizeof *send);
    return n;
  }
  /* Counts first (one int per rank pair), then the payload. */
  MPI_Alltoall(counts, 1, MPI_INT, rcounts, 1, MPI_INT, MPI_COMM_WORLD);
  size_t total = 0, sent = 0, off = 0;
  for (int q = 0; q < world_size; q++) {
    sdispls[q] = (int)(off * 2);
    scounts[q] = counts[q] * 2; /* as pairs of uint32 */
    off += (size_t)counts[q];
    if (q != my_rank)
      sent += (size_t)counts[q];
    rdispls[q] = (int)(total * 2);
    total += (size_t)rcounts[q];
    rcounts[q] *= 2;
  }
  if (bytes_sent)
    *bytes_sent = sent * sizeof(comm_spike);
  grow(all, cap, total);
  MPI_Alltoallv(send, scounts, sdispls, MPI_UINT32_T, *all, rcounts, rdispls, MPI_UINT32_T,
                MPI_COMM_WORLD);
  sort_spikes(*all, total);
  return total;
}

size_t comm_alltoallv_bytes(const uint8_t *send, const int *sendcounts, uint8_t **recv,
                            int *recvcounts)
{
  if (world_size == 1) {
    recvcounts[0] = sendcounts[0];
    *recv = sim_realloc(*recv, (size_t)sendcounts[0] + 1, "alltoall buffer");
    if (sendcounts[0])
      memcpy(*recv, send, (size_t)sendcounts[0]);
    return (size_t)sendcounts[0];
  }
  MPI_Alltoall(sendcounts, 1, MPI_INT, recvcounts, 1, MPI_INT, MPI_COMM_WORLD);
  size_t total = 0, off = 0;
  for (int q = 0; q < world_size; q++) {
    sdispls[q] = (int)off;
    off += (size_t)sendcounts[q];
    rdispls[q] = (int)total;
    total += (size_t)recvcounts[q];
  }
  *recv = sim_realloc(*recv, total + 1, "alltoall buffer");
  MPI_Alltoallv(send, sendcounts, sdispls, MPI_BYTE, *recv, recvcounts, rdispls, MPI_BYTE,
                MPI_COMM_WORLD);
  return total;
}

double comm_sum_double(double x)
{
  double y = x;
  if (world_size > 1)
    MPI_Allreduce(&x, &y, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  return y;
}

double comm_max_double(double x)
{
  double y = x;
  if (world_size > 1)
    MPI_Allreduce(&x, &y, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return y;
}

uint64_t comm_sum_u64(uint64_t x)
{
  uint64_t y = x;
  if (world_size > 1)
    MPI_Allreduce(&x, &y, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
  return y;
}

void comm_sum_u64_array(uint64_t *v, size_t n)
{
  if (world_size <= 1)
    return;
  for (size_t off = 0; off < n;) { /* MPI counts are ints */
    size_t c = n - off > (size_t)INT_MAX ? (size_t)INT_MAX : n - off;
    MPI_Allreduce(MPI_IN_PLACE, v + off, (int)c, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    off += c;
  }
}

int64_t comm_min_i64(int64_t x)
{
  int64_t y = x;
  if (world_size > 1)
    MPI_Allreduce(&x, &y, 1, MPI_INT64_T, MPI_MIN, MPI_COMM_WORLD);
  return y;
}

int comm_any(int flag)
{
  int y = flag;
  if (world_size > 1)
    MPI_Allreduce(&flag, &y, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD);
  return y;
}

void comm_gather_double(double x, double *out)
{
  if (world_size == 1) {
    out[0] = x;
    return;
  }
  MPI_Gather(&x, 1, MPI_DOUBLE, out, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
}

void comm_barrier(void)
{
  if (world_size > 1)
    MPI_Barrier(MPI_COMM_WORLD);
}

void comm_abort(int status, const char *msg)
{
  if (world_size > 1)
    fprintf(stderr, "memspike: rank %d: %s\n", my_rank, msg);
  else
    fprintf(stderr, "memspike: %s\n", msg);
  fflush(stderr);
  if (inited && !finalized && world_size > 1)
    MPI_Abort(MPI_COMM_WORLD, status);
  exit(status);
}

const sim_exchange_ops comm_exchange = {
    .name = "mpi",
    .rank = comm_rank,
    .size = comm_size,
    .spikes = comm_exchange_spikes,
    .bytes = comm_alltoallv_bytes,
    .any = comm_any,
    .min_i64 = comm_min_i64,
};
