/*
 * sim_exchange.h: the engine's door to other ranks, an ops table.  mpi/
 * implements it over MPI (the only place with <mpi.h>); core/ has the
 * serial exchange of a world of one rank.  Every method is collective:
 * each rank calls it at the same point.
 */
#ifndef SIM_EXCHANGE_H
#define SIM_EXCHANGE_H

#include <stddef.h>
#include <stdint.h>

/* One spike on the wire: 8 bytes.  lag is the tick within the window. */
typedef struct sim_spike {
  uint32_t lag; /* tick - window start */
  uint32_t gid; /* global neuron id */
} sim_spike;

typedef struct sim_exchange_ops {
  const char *name;
  int (*rank)(void);
  int (*size)(void);
  /* Exchange a window's spikes.  send holds this rank's spikes grouped by
     destination rank (rank 0's group first), each group sorted by (lag,
     gid); counts[q] go to rank q.  Receives what every rank sent here,
     merged and sorted by (lag, gid), into *all (grown as needed; caller
     owns, free with sim_free); returns the number received.  bytes_sent
     (may be NULL) gets this rank's payload bytes to other ranks. */
  size_t (*spikes)(const sim_spike *send, const int *counts, sim_spike **all, size_t *cap,
                   uint64_t *bytes_sent);
  /* Personalised all-to-all of bytes: sendcounts[q] bytes from send
     (packed in rank order) go to rank q; recvcounts (OUT, size() entries)
     and *recv (grown; caller owns) get what each rank sent here.  Returns
     the bytes received. */
  size_t (*bytes)(const uint8_t *send, const int *sendcounts, uint8_t **recv,
                  int *recvcounts);
  int (*any)(int flag);          /* logical OR over ranks */
  int64_t (*min_i64)(int64_t x); /* minimum over ranks */
} sim_exchange_ops;

/* A world of one rank. */
extern const sim_exchange_ops sim_exchange_serial;

#endif
