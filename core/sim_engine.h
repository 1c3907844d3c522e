/*
 * sim_engine.h: the scheduler.  Time advances in windows of min_delay
 * ticks, the unit in which ranks exchange spikes.  Within a window, ticks
 * are processed in order; at a tick a neuron is updated only if input
 * arrived for it or a self-event it scheduled comes due (models flagged
 * per_tick are updated at every tick).  Spikes of the window are exchanged
 * at its end and delivered in (tick, gid) order, so the order in which
 * same-tick inputs are summed does not depend on the rank count.
 *
 * The engine knows its plug-ins only through their ops tables: neuron
 * models (sim_neuron.h), sources (sim_source.h), projection kinds
 * (sim_syn.h), recorders (sim_recorder.h) and the exchange
 * (sim_exchange.h).  Plug-ins call back through the functions at the end.
 */
#ifndef SIM_ENGINE_H
#define SIM_ENGINE_H

#include <signal.h>
#include <stdint.h>

#include "sim_ckpt.h"
#include "sim_exchange.h"
#include "sim_net.h"
#include "sim_queue.h"
#include "sim_recorder.h"

/* What one rank did during a run (reduce over ranks for totals). */
typedef struct sim_stats {
  uint64_t *spikes;       /* owned, one per population: spikes emitted here */
  uint64_t *pop_updates;  /* owned, one per population: neuron updates */
  uint64_t *proj_events;  /* owned, one per projection: synaptic events
                             delivered through it (recurrent: their sum is
                             syn_events) */
  uint64_t *proj_ext;     /* owned, one per projection: input spikes drawn
                             on the target's rank delivered through it
                             (Poisson; part of ext_events) */
  uint64_t syn_events;    /* spikes x local targets delivered (recurrent) */
  uint64_t ext_events;    /* input spikes delivered by sources drawn on the
                             target's rank (Poisson) */
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
  const sim_recorder *recorders; /* borrowed, nrecorders entries */
  uint32_t nrecorders;
  const sim_exchange_ops *exchange; /* NULL: serial (one rank) */
  int progress;           /* 1: rank 0 reports progress on stderr */
  int progress_lines;     /* 1: one whole line per report (a log file, a
                             batch job); 0: one line rewritten with \r (a
                             terminal) */
  double progress_s;      /* wall seconds between reports (s); <= 0: at
                             every window end */
  /* When *stop is non-zero at a window end on any rank, every rank stops
     there (the decision is collective, taken with the window's exchange)
     and sim_run returns SIM_ESTOP with stats filled up to that tick.  Set
     from a signal handler: checked once per window, never in the tick
     loop.  NULL: never. */
  const volatile sig_atomic_t *stop;
  /* Called at every window end on every rank, after the recorders'
     window_end, with the first tick after the window and the counts so
     far (the totals fields are filled only at the end of an advance).  A
     negative return (message set) fails the run as a recorder's failure
     does.  Called even when a recorder failed in that window, so that a
     hook may be collective.  NULL: none. */
  int (*window_fn)(void *ctx, sim_time w1, const sim_stats *st);
  void *window_ctx;
  /* Called on every rank just before window_fn (same ctx) with this
     rank's spikes of the window [w0, w1), sorted by (lag, gid), lag = tick
     - w0; borrowed for the call.  For a live raster (tools/monitor.c).
     NULL: none. */
  void (*window_spikes_fn)(void *ctx, sim_time w0, const sim_spike *spikes, size_t n);
} sim_run_opts;

typedef struct sim_engine sim_engine;

/* Simulate net for ticks [0, net->t_end).  stats is filled (caller frees
   with sim_stats_fini).  Returns 0 or a negative code with a message.
   The same as open, advance(net->t_end), close. */
int sim_run(const sim_net *net, const sim_run_opts *opts, sim_stats *stats);
void sim_stats_fini(sim_stats *stats);

/* A run in steps.  open sets everything up (rings, queue, sources'
   start, recorders' bookkeeping) at tick 0; opts is copied, stats is
   borrowed until close and zeroed here.  The run's end starts at
   net->t_end, which is also the horizon: self-events and sources' trains
   at or after it are never queued, so set_end cannot go past it.
   advance simulates whole windows of min_delay ticks from the current
   tick up to min(until, end): the last window is cut at that tick.  Runs
   in steps whose stops lie on the window grid (multiples of min_delay,
   or the end) give the same bits as one run; a stop off the grid gives a
   shorter window there, which is still exact (every delay >= min_delay)
   but may sum same-tick inputs in another order.  advance returns 0,
   SIM_ESTOP (opts.stop asked at a window end: the engine stays usable),
   or a failure (then every later advance returns it).  stats' totals
   (updates, syn_events, device counters, sim_s) are valid after each
   advance.  close releases everything (sources' stop) but not stats. */
int sim_engine_open(const sim_net *net, const sim_run_opts *opts, sim_stats *stats,
                    sim_engine **out);
int sim_engine_advance(sim_engine *e, sim_time until);
void sim_engine_close(sim_engine *e);
/* The first tick not yet simulated (between advances: a window start). */
sim_time sim_engine_now(const sim_engine *e);
/* The end of the run (the last window is cut there and flagged last for
   the records of core/sim_records.c); set_end clamps to [now, net->t_end]. */
sim_time sim_engine_end(const sim_engine *e);
void sim_engine_set_end(sim_engine *e, sim_time t_end);
sim_stats *sim_engine_stats(sim_engine *e);

/* Checkpoints (core/sim_engine_ckpt.c, docs/checkpoint-format.md).
   check: 0 when every plug-in of net can be checkpointed, else
   SIM_ECONFIG with a message naming the first that cannot.  save: between
   two advances (a window end), write this rank's records through w.
   load: right after open, read the records of every rank's file (files
   in rank order) and keep what this rank owns; the engine then goes on
   from the checkpoint's tick.  Both return 0 or a negative code with a
   message naming the file and the record. */
int sim_engine_ckpt_check(const sim_net *net);
int sim_engine_save(sim_engine *e, const sim_ckpt_writer *w);
int sim_engine_load(sim_engine *e, sim_ckpt_reader *const *files, uint32_t nfiles);

/* ------------------------------------------------------------------ */
/* For plug-ins (sources, projection kinds) during a run.               */

/* Handler of a registered event kind: ev came due at tick t. */
typedef void (*sim_event_fn)(void *self, sim_engine *e, sim_time t, const sim_event *ev);

/* Register an event kind; returns its number for sim_engine_push. */
uint16_t sim_engine_kind(sim_engine *e, sim_event_fn fn, void *self);
/* Queue an event of a registered kind at tick t >= the current tick (any
   distance ahead: far events wait in the queue's heap). */
void sim_engine_push(sim_engine *e, sim_time t, uint16_t kind, uint16_t group, uint32_t index);
const sim_net *sim_engine_net(const sim_engine *e);
/* The input rings of population pop (neuron populations only). */
const sim_sink *sim_engine_sink(const sim_engine *e, uint32_t pop);
/* Emit spikes of source population pop at tick t: local indices idx[0..n)
   ascending, as if its neurons had fired.  An index repeated k times
   (adjacent) is one spike of multiplicity k, as a parrot's. */
void sim_engine_emit(sim_engine *e, uint32_t pop, sim_time t, const uint32_t *idx,
                     uint32_t n);
/* A plug-in met an error it cannot recover from during the run (a log it
   replays turned out corrupt): rc < 0 with its message already set by
   sim_error_set.  Every rank stops at the end of the current window and
   sim_run returns rc (the first one reported on this rank). */
void sim_engine_fail(sim_engine *e, int rc);
/* Count n input spikes a source delivered straight into rings (through
   projection proj: also counted for it, in sim_stats.proj_ext). */
void sim_engine_count_input(sim_engine *e, uint64_t n);
void sim_engine_count_input_proj(sim_engine *e, uint32_t proj, uint64_t n);

/* Ring slots per population: the power of two >= max_delay + min_delay +
   2 (ticks) that sim_run uses. */
uint32_t sim_engine_nslots(sim_time max_delay, sim_time min_delay);
/* Bytes sim_run allocates for one population of nlocal neurons (model:
   NULL for a source) with rings of nslots ticks: input rings, bitmaps,
   scratch and self-event bookkeeping.  For memory estimates before
   building (network/net_mem.h). */
size_t sim_engine_pop_bytes(const sim_neuron_ops *model, uint32_t nlocal, uint32_t nslots);

#endif
