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
} sim_recorder_ops;

/* A recorder instance: its table and its own state (borrowed). */
typedef struct sim_recorder {
  const sim_recorder_ops *ops;
  void *self;
} sim_recorder;

#endif
