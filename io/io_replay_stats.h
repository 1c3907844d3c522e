/*
 * io_replay_stats.h: `memspike replay --stats`: the statistics of
 * io_stats.h per population over the merged, filtered spike stream of
 * io_replay.h, printed as text or JSON (docs/replay.md, "Statistics").
 */
#ifndef IO_REPLAY_STATS_H
#define IO_REPLAY_STATS_H

#include <stdio.h>

#include "io_replay.h"

#define IO_REPLAY_BIN_MS 5.0     /* default --bin (ms) */
#define IO_REPLAY_PAIRS 100      /* default --pairs (neurons of the correlation sample) */
#define IO_REPLAY_ISI_BIN_MS 5.0 /* ISI histogram: bin width (ms) ... */
#define IO_REPLAY_ISI_BINS 40    /* ... and bins: 0 to 200 ms */

typedef struct io_replay_stats_opts {
  double bin_ms;   /* count bin (ms): a whole number of ticks, > 0 */
  uint32_t pairs;  /* correlation sample size (neurons), >= 2 */
  int json;        /* 1: JSON, else text */
} io_replay_stats_opts;

/* Read the logs (filter f, NULL: everything) and print the statistics of
   every selected population that a spike recorder covers to out.  Returns
   0 or an error code with a message (SIM_EINVAL naming --bin when it is
   not a positive whole number of ticks). */
int io_replay_stats(const char *const *paths, int n, int flags, const io_replay_filter *f,
                    const io_replay_stats_opts *o, FILE *out);

#endif
