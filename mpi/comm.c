/*
 * comm.c: the communication layer on OpenMPI.  Spikes are exchanged once
 * per min-delay window with one collective for the counts and one for the
 * payload; receive buffers grow when a window brings more spikes than ever
 * before, so there is no fixed limit on spikes per window.
 */
#include "comm.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_alloc.h"

static int inited, finalized;
static int my_rank, world_size = 1;
static int *counts, *displs; /* per rank, for the payload collective */

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
  counts = sim_calloc((size_t)world_size, sizeof *counts, "exchange counts");
  displs = sim_calloc((size_t)world_size, sizeof *displs, "exchange displacements");
  sim_alloc_set_abort(oom_abort);
  return 0;
}

void comm_fini(void)
{
  if (!inited || finalized)
    return;
  finalized = 1;
  sim_free(counts);
  sim_free(displs);
  counts = displs = NULL;
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

size_t comm_exchange_spikes(const comm_spike *mine, size_t n, comm_spike **all,
                            size_t *cap, uint64_t *bytes_sent)
{
  if (bytes_sent)
    *bytes_sent = (uint64_t)n * sizeof(comm_spike);
  if (world_size == 1) {
    if (n > *cap) {
      *cap = n + n / 2 + 64;
      *all = sim_realloc(*all, *cap * sizeof **all, "spike exchange buffer");
    }
    memcpy(*all, mine, n * sizeof *mine);
    return n;
  }
  int mine_n = (int)n;
  MPI_Allgather(&mine_n, 1, MPI_INT, counts, 1, MPI_INT, MPI_COMM_WORLD);
  size_t total = 0;
  for (int r = 0; r < world_size; r++) {
    displs[r] = (int)(total * 2);
    total += (size_t)counts[r];
    counts[r] *= 2; /* sent as pairs of uint32 */
  }
  if (total > *cap) {
    *cap = total + total / 2 + 64;
    *all = sim_realloc(*all, *cap * sizeof **all, "spike exchange buffer");
  }
  MPI_Allgatherv(mine, mine_n * 2, MPI_UINT32_T, *all, counts, displs, MPI_UINT32_T,
                 MPI_COMM_WORLD);
  /* Each rank's part is sorted; a sort of the whole is simple and the
     window's spike count is small next to the synaptic events they cause. */
  qsort(*all, total, sizeof **all, spike_cmp);
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
