/*
 * sim_source.h: spike sources (poisson_generator, spike_generator, and
 * log_source replaying an event log), an ops table implemented in neurons/
 * (and in io/ for sources that read files: io/io_source.h).  A source
 * population has no neuron model; the engine starts one instance per
 * source population on each rank and calls it at each tick it may act.
 * A NULL method means not supported.
 */
#ifndef SIM_SOURCE_H
#define SIM_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "sim_ckpt.h"
#include "sim_names.h"
#include "sim_types.h"

struct sim_engine; /* sim_engine.h: the engine's interface for plug-ins */
struct sim_event;  /* sim_queue.h */

typedef struct sim_source_ops {
  const char *name;     /* key in config files, NEST's: "poisson_generator" */
  const char *summary;  /* one line for --help and error messages */
  /* 1: the source's spikes are emitted as the population's own and cross
     ranks through the exchange like a neuron's (spike_generator); 0: it
     is drawn on each target's rank, one train per synapse (NEST's
     poisson_generator), so it never bounds the exchange window. */
  int travels;
  uint32_t param_size;           /* bytes of parameters per population */
  const char *const *param_names; /* its config keys (besides model and n),
                                     NULL-ended */
  /* Fill param (param_size bytes, zeroed) from a population's keys: kv
     holds only keys of param_names, in file order; resolution_ms is the
     tick, for checks.  On a bad value returns SIM_ECONFIG with a message
     saying what is expected (without the value) and *bad = its index; on
     a missing required key, *bad = nkv and *missing = the key. */
  int (*param_parse)(void *param, const sim_kv *kv, uint32_t nkv, double resolution_ms,
                     uint32_t *bad, const char **missing);
  /* The population size the parameters fix (a log replay: the neurons it
     maps), writing into why (len bytes) what fixes it, for a message; 0 or
     NULL: any size (the config's n, default 1).  The config reader takes
     it as the default of n and refuses another n. */
  uint32_t (*size)(const void *param, char *why, size_t len);
  /* Free what param_parse allocated.  NULL: nothing. */
  void (*param_fini)(void *param);
  /* The rate (Hz) a source emits per train, for summaries of sources
     whose spikes are not counted as a population's (travels == 0).  NULL:
     none. */
  double (*rate_hz)(const void *param);
  /* Set up this rank's part of source population pop (its parameters are
     the population's param): may register event kinds and queue events.
     *busy = 1 when the instance acts at every tick while active, so idle
     windows are not looked for.  Returns the instance (owned; stop frees
     it) or NULL when it has nothing to do on this rank. */
  void *(*start)(struct sim_engine *e, uint32_t pop, int *busy);
  /* Tick t: emit what is due (spikes through sim_engine_emit, or input
     straight into the targets' rings).  NULL: acts only through its
     queued events. */
  void (*tick)(void *self, struct sim_engine *e, sim_time t);
  /* First tick >= t0 at which tick() does something, or SIM_NEVER (queued
     events are the engine's to see).  NULL: any tick. */
  sim_time (*next)(const void *self, sim_time t0);
  /* Free the instance. */
  void (*stop)(void *self);

  /* Checkpoints (core/sim_ckpt.h, docs/checkpoint-format.md).  ckpt = 1:
     the source can be checkpointed; its methods below may then be NULL
     (nothing to do).  save writes the instance's records (tag "source",
     first field its population index, then its state keyed by gid or
     synapse key); load reads the fields after the population index of
     one such record from any rank's file, keeping what this rank owns.
     resume: the run goes on at tick t (after every load): recompute what
     follows from the tick (a cursor in a list of times).  The events of
     kinds the instance registered are saved by the engine, in queue
     order: event_key names one by a synapse key (ev.index and ev.group
     are rank-local), event_load queues it again at t when this rank owns
     its target (returns 0, or -1 for a key of another network). */
  int ckpt;
  void (*save)(const void *self, struct sim_engine *e, const sim_ckpt_writer *w);
  int (*load)(void *self, struct sim_engine *e, const sim_ckpt_load *l);
  void (*resume)(void *self, struct sim_engine *e, sim_time t);
  void (*event_key)(const void *self, const struct sim_event *ev, sim_ckpt_key *key);
  int (*event_load)(void *self, struct sim_engine *e, sim_time t, const sim_ckpt_key *key);
} sim_source_ops;

#endif
