/*
 * sim_engine_int.h: the engine's state, shared by its own files only
 * (sim_engine.c: the loop; sim_engine_ckpt.c: checkpoints).  Plug-ins see
 * the engine through sim_engine.h.
 */
#ifndef SIM_ENGINE_INT_H
#define SIM_ENGINE_INT_H

#include "sim_engine.h"
#include "sim_records.h"

/* Engine-side state of one population. */
typedef struct pop_rt {
  sim_sink sink;               /* the input rings (neuron populations) */
  /* sched[j] is the one valid self-event tick of neuron j (SIM_NEVER:
     none; a tick at or after the horizon net->t_end is kept but never
     queued, so that a checkpoint holds it for a resume with a later end).  A prediction that is superseded is not removed from the
     queue (lazy deletion): an event whose tick differs from sched[j] when
     it comes due is dropped. */
  sim_time *sched;             /* owned, event-driven models */
  uint32_t *idx;               /* owned scratch: touched neurons of a tick */
  sim_time *next;              /* owned scratch: their next self-events */
  uint32_t *spk;               /* owned scratch: local indices that fired */
  uint32_t *mult;              /* owned scratch, counts_input models: their
                                  multiplicities (else NULL) */
  uint8_t *rec_spikes;         /* owned, nlocal flags, or NULL: spikes recorded */
  void *src;                   /* source instance (source populations) */
} pop_rt;

/* One deferred run of a checkpoint (record "defer"): the spike of gid pre
   on projection proj, whose synapses of delay d arrive at tick now + rel.
   file: the checkpoint file it was read from (loads only). */
typedef struct defer_ent {
  uint32_t rel, pre, proj;
  uint16_t d, file;
} defer_ent;

typedef struct ev_kind {
  sim_event_fn fn;
  void *self;
} ev_kind;

struct sim_engine {
  const sim_net *net;
  const sim_exchange_ops *x;
  sim_time t_end;   /* ticks [0, t_end) are simulated */
  /* Ring sizing: nslots >= max_delay + min_delay + 2 (a power of two), so
     that input written during a window for up to max_delay ticks ahead,
     and delivered at the window's end for ticks up to one window later,
     never wraps onto a slot not yet consumed. */
  uint32_t nslots, smask;
  pop_rt *pops;
  sim_queue q;
  ev_kind *kinds;   /* owned: registered event kinds */
  uint16_t nkinds, self_kind;
  sim_time w0;      /* start of the current window; between advances the
                       first tick not yet simulated */
  sim_spike *out;   /* this window's own spikes, sorted by (lag, gid) */
  uint32_t *out_pop, *out_idx; /* their population and local index */
  size_t nout, capout;
  sim_spike *send;  /* out regrouped by destination rank */
  size_t capsend;
  int *counts, *cursor; /* per rank */
  int nranks, rank;
  sim_spike *all;   /* everyone's, after the exchange */
  size_t capall;
  const sim_recorder *recs;
  uint32_t nrecs;
  int sampling;     /* a recorder takes samples and a STATE record exists */
  sim_stats *st;
  /* Last tick with input written to a ring: while it is >= the window
     start, the window is busy and cannot be jumped over. */
  sim_time pending_until;
  int can_skip;     /* no per-tick model or busy source on any rank: idle
                       stretches can be jumped over */
  double *samples;  /* scratch for multimeter rows */
  int fail_rc;      /* first error a plug-in reported (sim_engine_fail), 0 */
  sim_records *extra; /* weights, devices and energy records, or NULL */
  sim_run_opts opts;  /* a copy of the caller's */
  sim_time last_w1;   /* end of the last window run */
  double wall_s;      /* wall seconds in sim_engine_advance so far */
  int rc;             /* non-zero: a failure ended the run */
  defer_ent *dl;      /* loading a checkpoint: the deferred runs of every
                         file, pushed once all are read */
  size_t ndl, capdl;
};

#endif
