/*
 * run_stats.h: the end-of-run summary of `memspike run` as one struct,
 * gathered once over all ranks (run_stats_gather) and then only formatted
 * (tools/run_report.h).  Owns nothing of the network: names are borrowed
 * from its description.
 */
#ifndef RUN_STATS_H
#define RUN_STATS_H

#include <stdint.h>

#include "../core/sim_engine.h"
#include "../network/net_build.h"

/* One population, totals over all ranks. */
typedef struct run_pop_stats {
  const char *name;   /* borrowed from the net_desc */
  const char *model;  /* "poisson_generator", "spike_generator" or a neuron model */
  int is_poisson;     /* 1: a Poisson drive (no spikes counted; rate_hz per target) */
  int is_neurons;     /* 1: a neuron model (counts in neurons and mean rate) */
  uint32_t n;         /* neurons (or generators) */
  uint64_t spikes;    /* emitted, all ranks */
  double rate_hz;     /* Poisson: configured rate per target; else spikes / n / s */
} run_pop_stats;

/* One rank's load, for the per-rank table (gathered at rank 0). */
typedef struct run_rank_load {
  double neurons;     /* neurons hosted (NET_NEURONS populations) */
  double synapses;    /* synapses stored */
  double spikes;      /* spikes emitted by its neurons */
  double compute_s;   /* wall seconds simulating, exchange excluded */
  double comm_s;      /* wall seconds in the spike exchange */
  double spikes_sent; /* spike copies sent to other ranks */
  double rss_mb;      /* peak resident memory (MB, 1e6 bytes) */
} run_rank_load;

/* The whole summary.  Sums are over ranks, times are the largest rank's;
   derived ratios are 0 where their denominator is 0.  On ranks other than
   0, pops[] and load are filled as well but load is meaningless there. */
typedef struct run_stats {
  const char *config;       /* borrowed: the config file name */
  const char *version;      /* borrowed: memspike's version string */
  int ranks;
  uint64_t seed;
  double resolution_ms;
  double sim_ms;            /* simulated time (ticks x resolution) */

  run_pop_stats *pops;      /* owned, npops entries */
  uint32_t npops;
  uint64_t neurons;         /* in neuron-model populations */
  double mean_rate_hz;      /* over those neurons */

  uint64_t synapses;
  double bytes_per_synapse; /* synapse storage, offsets included */

  double build_s, sim_s, comm_s; /* wall seconds (largest rank) */
  double build_cpu_s, sim_cpu_s;  /* CPU seconds of build and simulate
                                     (largest rank; set by the caller) */
  double real_time_factor;  /* sim_s / simulated seconds */
  uint64_t syn_events;      /* recurrent synaptic events delivered */
  uint64_t ext_events;      /* Poisson input events delivered */
  double events_per_s;      /* (syn + ext) / sim_s */
  double rss_max_mb;        /* peak memory of the largest rank (MB) */
  double rss_all_mb;        /* summed over ranks (MB) */

  uint64_t spikes_emitted, spikes_sent, messages, bytes_sent;
  double bytes_per_spike;   /* bytes_sent / spikes_emitted */
  double exchange_pct;      /* 100 comm_s / sim_s */
  uint64_t windows;         /* exchange windows (rank 0's count) */
  int64_t min_delay_ticks;

  uint64_t dev_reads, dev_pulses, stdp_updates;
  double read_pj, write_pj; /* device energy (pJ) */
  int has_devices;          /* 1: some projection has synapse = device */

  run_rank_load *load;      /* owned, ranks entries (rank 0 only) */
} run_stats;

/* Model name shown for population p: the generator kind or the neuron model. */
const char *run_pop_model_name(const net_pop_desc *p);

/* Collective: every rank calls it, with its own network and run stats.
   Fills out (caller owns; free with run_stats_fini). */
void run_stats_gather(const net_network *net, const sim_stats *st, const char *version,
                      run_stats *out /* OUT */);
void run_stats_fini(run_stats *rs);

#endif
