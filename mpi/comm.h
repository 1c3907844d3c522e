/*
 * comm.h: MPI behind the kernel's exchange ops, and the reductions the
 * command line uses for its summaries.  mpi/ is the one place
 * that includes <mpi.h>; everything else calls these functions.  A run
 * without mpirun is a world of one rank.
 */
#ifndef COMM_H
#define COMM_H

#include <stddef.h>
#include <stdint.h>

#include "../core/sim_exchange.h"

/* One spike on the wire: the kernel's (8 bytes, lag within the window). */
typedef sim_spike comm_spike;

/* The kernel's exchange ops (core/sim_exchange.h) over MPI: the engine and
   the network builder reach other ranks only through this table. */
extern const sim_exchange_ops comm_exchange;

/* Start the communication layer (MPI_Init); idempotent.  Installs an
   out-of-memory hook that ends every rank. */
int comm_init(int *argc, char ***argv);
/* Finish (MPI_Finalize); idempotent. */
void comm_fini(void);
int comm_rank(void);
int comm_size(void);

/* Exchange this window's spikes.  send holds this rank's outgoing spikes
   grouped by destination rank (rank 0's group first), each group sorted by
   (lag, gid); counts[q] spikes go to rank q (the presence table decides
   which ranks need a spike: those hosting at least one of its targets; a
   spike may go to several).  Receives what every rank sent here, merged and
   sorted by (lag, gid), in *all (grown as needed; caller owns, free with
   sim_free); returns the number received.  bytes_sent (may be NULL) gets
   this rank's payload bytes to other ranks. */
size_t comm_exchange_spikes(const comm_spike *send, const int *counts, comm_spike **all,
                            size_t *cap, uint64_t *bytes_sent);

/* Personalised all-to-all of bytes: sendcounts[q] bytes from send (packed
   in rank order) go to rank q; recvcounts (OUT, comm_size() entries) and
   *recv (grown; caller owns) get what each rank sent here.  Returns the
   bytes received.  Used once at build time (presence table). */
size_t comm_alltoallv_bytes(const uint8_t *send, const int *sendcounts, uint8_t **recv,
                            int *recvcounts);

double comm_sum_double(double x);
double comm_max_double(double x);
uint64_t comm_sum_u64(uint64_t x);
/* v[0 .. n) replaced by its sum over ranks, in place (every rank calls it
   with the same n): histograms, e.g. the calibration's percentiles. */
void comm_sum_u64_array(uint64_t *v, size_t n);
int64_t comm_min_i64(int64_t x);
/* Logical OR of flag over ranks: used so that every rank learns that one of
   them failed and all stop together. */
int comm_any(int flag);
/* Gather one double per rank at rank 0 (out has comm_size() entries there;
   ignored elsewhere). */
void comm_gather_double(double x, double *out);
void comm_barrier(void);

/* End all ranks now with status, after printing msg (prefixed with the
   rank when there are several) to stderr. */
void comm_abort(int status, const char *msg) __attribute__((noreturn));

#endif
