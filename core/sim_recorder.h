/*
 * sim_recorder.h: what the engine tells a recorder, an ops table.  io/
 * implements it (the event log); a live monitor, a checkpoint writer or an
 * in-memory collector are further recorders.  Which neurons are recorded is
 * the network's (sim_net recs); the engine calls a recorder only for those.
 * A NULL method means the recorder does not take that kind of record.
 */
#ifndef SIM_RECORDER_H
#define SIM_RECORDER_H

#include <stdint.h>

#include "sim_types.h"

/* One device write as recorders get it: gids resolved. */
typedef struct sim_rec_write {
  sim_time t;
  sim_gid pre, post;
  int32_t pulses; /* > 0 potentiation, < 0 depression */
  double g;       /* conductance after the write (uS; pair: G+ - G-) */
} sim_rec_write;

/* One component's counters since the previous energy call.  Components:
   i < nprojs is projection i (reads, pulses, updates, spikes = synaptic
   events delivered, Poisson input drawn on the target's rank included,
   read_pj, write_pj); nprojs + p is population p
   (updates = neuron updates, spikes = spikes emitted); nprojs + npops is
   the transport (spikes = spike copies sent to other ranks, reads = bytes
   sent). */
typedef struct sim_energy_row {
  uint32_t component;
  uint64_t reads, pulses, updates, spikes;
  double read_pj, write_pj;
} sim_energy_row;

typedef struct sim_recorder_ops {
  const char *name;
  /* A recorded neuron fired at tick t.  Within a window, calls come in
     tick order and, within a tick, in population order then local index. */
  void (*spike)(void *self, sim_time t, sim_gid gid);
  /* Record rec (index into sim_net recs) sampled at tick t: n values, the
     recorded variables of each recorded local neuron in turn. */
  void (*sample)(void *self, uint32_t rec, sim_time t, const double *v, uint32_t n);
  /* The window ending before tick t_next is complete (all its records
     given): make it durable.  Idle windows jumped over get no call, nor
     does an idle stretch at the end of the run: the run's end is the
     caller's (sim_stats.ticks; e.g. io_log_close).  Returns 0 or a negative code with a message;
     any rank's failure stops every rank at the end of the window. */
  int (*window_end)(void *self, sim_time t_next);
  /* The following come at a window end, before window_end, in the order
     of the records (sim_net recs); the arrays are valid for the call. */
  /* Devices record rec: the n device writes of projection proj on this
     rank in the window ending before t_next, sorted by (t, pre, post, then
     the order they occurred).  Windows without writes get no call. */
  void (*devices)(void *self, uint32_t rec, uint32_t proj, sim_time t_next,
                  const sim_rec_write *w, uint32_t n);
  /* The energy record: this rank's counters since the previous call, rows
     ascending by component, only those with a non-zero field (no call when
     none).  At the first window end at or after each multiple of the
     record's interval (every window when 0), and at the run's last window
     (its end, a stop asked on this rank, or t_end after an idle stretch:
     then an extra window_end at t_end follows). */
  void (*energy)(void *self, sim_time t_next, const sim_energy_row *rows, uint32_t n);
  /* Weights record rec: snapshot at tick t (a window end) of this rank's
     sampled synapses of its projection, sorted by (pre, post, then CSR
     order); w in mV or pA; g conductance (uS) or NULL when the projection
     has no devices. */
  void (*weights)(void *self, uint32_t rec, sim_time t, const sim_gid *pre,
                  const sim_gid *post, const double *w, const double *g, uint32_t n);
} sim_recorder_ops;

/* A recorder instance: its table and its own state (borrowed). */
typedef struct sim_recorder {
  const sim_recorder_ops *ops;
  void *self;
} sim_recorder;

#endif
