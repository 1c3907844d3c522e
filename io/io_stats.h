/*
 * io_stats.h: spike-train statistics of one population over a time window,
 * computed in one pass over its spikes in time order (what replay reads).
 *
 * The caller numbers the neurons 0..n-1 (replay: the selected neurons of a
 * population in local-id order) and feeds every spike of the window as
 * (tick, neuron), ticks non-decreasing.  Definitions (docs/replay.md has
 * the formulas):
 *   - rate_hz: spikes / (n * window duration);
 *   - cv_isi: mean over the neurons with >= 5 spikes of std(ISI)/mean(ISI)
 *     (population standard deviation, ddof = 0);
 *   - bins: the window cut into K = floor(duration / bin) whole bins from
 *     its start (a trailing partial bin is left out of the binned
 *     statistics); x_i(k) spikes of neuron i in bin k, c(k) = sum_i x_i(k);
 *   - fano: var_k(c) / mean_k(c);
 *   - chi (Golomb 2007) on binned counts: chi^2 = var_k(c / n) /
 *     ((1/n) sum_i var_k(x_i)), chi = sqrt(chi^2), in [0, 1];
 *   - mean_corr: mean Pearson correlation of x_i, x_j over the pairs of a
 *     sample of up to `pairs` neurons (neuron floor(j n / pairs) for
 *     j < pairs, or all when n <= pairs), pairs with a constant x left out;
 *   - ISI histogram: every ISI in whole bins of isi_bin_ticks from 0, the
 *     last bin's upper edge isi_nbins bins, longer ISIs counted apart;
 *   - population-rate histogram: of c(k) / (n * bin), in bins of w spikes
 *     per bin, w = max(1, ceil((max c + 1) / 20)).
 * Variances are population variances (ddof = 0).  A statistic that is not
 * defined (no neuron with 5 spikes, no bin, zero mean or variance) is NaN.
 * All integer sums are exact, so results do not depend on spike order
 * within a tick.
 */
#ifndef IO_STATS_H
#define IO_STATS_H

#include <stdint.h>

#include "../core/sim_types.h"

#define IO_STATS_CV_MIN_SPIKES 5 /* neurons with fewer have no CV */
#define IO_STATS_RATE_BINS 20    /* population-rate histogram: about this many bins */

/* What to compute over. */
typedef struct io_stats_cfg {
  uint32_t n;               /* neurons, numbered 0..n-1 (>= 1) */
  sim_time t0;              /* window start (ticks); its end is given to
                               io_stats_finish, once the data has shown it */
  double res_ms;            /* one tick (ms) */
  sim_time bin_ticks;       /* count bins (ticks, >= 1) */
  uint32_t pairs;           /* correlation sample: up to this many neurons */
  sim_time isi_bin_ticks;   /* ISI histogram bin (ticks, >= 1) */
  uint32_t isi_nbins;       /* ISI histogram bins (>= 1) */
} io_stats_cfg;

/* The results; arrays owned, freed by io_stats_result_fini. */
typedef struct io_stats_result {
  uint32_t neurons;         /* n */
  uint64_t spikes;          /* spikes in the window */
  double duration_ms;       /* (t1 - t0) * res_ms */
  double rate_hz;           /* spikes / (n * duration) */
  uint32_t cv_neurons;      /* neurons with >= IO_STATS_CV_MIN_SPIKES spikes */
  double cv_isi;            /* mean CV of their ISIs; NaN if none */
  uint32_t nbins;           /* K whole bins */
  double bin_ms;            /* bin width (ms) */
  uint64_t binned_spikes;   /* spikes inside the K bins */
  double fano;              /* var(c) / mean(c); NaN if K == 0 or mean 0 */
  double chi;               /* Golomb's chi; NaN if K == 0 or no neuron varies */
  uint32_t corr_neurons;    /* neurons in the correlation sample */
  uint64_t corr_pairs;      /* pairs with both counts non-constant */
  double mean_corr;         /* mean Pearson r over those pairs; NaN if none */
  double pop_rate_mean_hz;  /* mean of c(k) / (n * bin); NaN if K == 0 */
  double pop_rate_sd_hz;    /* its standard deviation */
  double isi_bin_ms;        /* ISI histogram: bin width (ms) */
  uint32_t isi_nbins;
  uint64_t *isi_counts;     /* isi_nbins counts: [j, j + 1) bins */
  uint64_t isi_over;        /* ISIs >= isi_nbins bins */
  uint64_t isis;            /* all ISIs (in the counts and over) */
  uint32_t rate_width;      /* population-rate histogram: bin width (spikes per bin) */
  uint32_t rate_nbins;
  double *rate_edges_hz;    /* rate_nbins + 1 edges (Hz) */
  uint64_t *rate_counts;    /* rate_nbins counts of count bins */
} io_stats_result;

typedef struct io_stats io_stats;

/* Start the statistics of cfg.  Returns 0 and *out (caller owns; free with
   io_stats_destroy) or SIM_EINVAL for a bad cfg. */
int io_stats_create(const io_stats_cfg *cfg, io_stats **out /* OUT */);

/* One spike of neuron i (< n) at tick (>= t0, below the t1 that
   io_stats_finish will get, not below the last spike's tick).  O(1) amortised, plus the pairs of the correlation sample
   firing in the same bin when a bin closes. */
void io_stats_spike(io_stats *s, sim_time tick, uint32_t i);

/* Finish the window [t0, t1) (t1 >= t0 and above every spike's tick):
   fill *r (caller owns its arrays: io_stats_result_fini).  The accumulator
   may not be fed after this. */
void io_stats_finish(io_stats *s, sim_time t1, io_stats_result *r /* OUT */);

/* Free r's arrays. */
void io_stats_result_fini(io_stats_result *r);

/* NULL is a no-op. */
void io_stats_destroy(io_stats *s);

#endif
