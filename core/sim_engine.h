/*
 * sim_engine.h: the scheduler.  Time advances in windows of min_delay
 * ticks, the unit in which ranks exchange spikes.  Within a window, ticks
 * are processed in order; at a tick a neuron is updated only if input
 * arrived for it or a self-event it scheduled comes due (models flagged
 * per_tick are updated at every tick).  Spikes of the window are exchanged
 * at its end and delivered in (tick, gid) order, so the order in which
 * same-tick inputs are summed does not depend on the rank count.
 */
#ifndef SIM_ENGINE_H
#define SIM_ENGINE_H

#include <stdint.h>

#include "../network/net_build.h"

struct io_log; /* io/io_log.h: the engine only passes it on */

/* What one rank did during a run (reduce over ranks for totals). */
typedef struct sim_stats {
  uint64_t *spikes;       /* owned, one per population: spikes emitted here */
  uint64_t syn_events;    /* spikes x local targets delivered (recurrent) */
  uint64_t ext_events;    /* Poisson input spikes delivered */
  uint64_t updates;       /* neuron updates */
  uint64_t windows;       /* exchange windows */
  uint64_t bytes_sent;    /* spike payload sent to other ranks */
  uint64_t spikes_sent;   /* spike copies sent to other ranks */
  uint64_t spikes_recv;   /* spikes received (own included) for delivery */
  uint64_t msgs;          /* (window, other rank) pairs with spikes sent */
  sim_time ticks;         /* ticks simulated */
  sim_time skipped_ticks; /* of those, jumped over as idle */
  uint64_t dev_reads;     /* device reads (a differential pair: 2) */
  uint64_t dev_pulses;    /* device write pulses */
  uint64_t stdp_updates;  /* STDP weight updates */
  double read_pj, write_pj; /* device energy on this rank (pJ) */
  double sim_s;           /* wall seconds in the loop, exchange included */
  double comm_s;          /* wall seconds in the spike exchange */
} sim_stats;

typedef struct sim_run_opts {
  struct io_log *log;     /* borrowed; NULL: record nothing */
  int progress;           /* 1: report progress on stderr */
} sim_run_opts;

/* Simulate net for its description's duration.  stats is filled (caller
   frees with sim_stats_fini).  Returns 0 or a negative code with a
   message. */
int sim_run(net_network *net, const sim_run_opts *opts, sim_stats *stats);
void sim_stats_fini(sim_stats *stats);

#endif
