/*
 * sim_neuron.h: the neuron model ops table, the interface through which the
 * engine updates every neuron model (neurons/ implements it, one file per
 * model, registered by name in neurons/nrn_model.c).
 *
 * A model owns the layout of its population's state block (n * state_size
 * bytes: array of structs or struct of arrays, the model's choice; every
 * state function gets the block, n and the neuron's index i) and of its
 * parameters (param_size bytes); the engine allocates both.
 * The engine touches a neuron only when input arrives for it at a tick or
 * when a self-event it asked for comes due; models without a closed form set
 * per_tick and are updated at every tick instead.
 * A NULL method means "not supported": state_init NULL: the state starts
 * all zero; var_set / var_get NULL: the model has no state variables
 * (var_names is empty); first_event NULL: no self-event before the first
 * input; param_default NULL: parameters start all zero; param_set NULL:
 * no parameters; param_finalize NULL: nothing to check or precompute.
 * update is required.
 */
#ifndef SIM_NEURON_H
#define SIM_NEURON_H

#include <stdint.h>

#include "sim_types.h"

#define SIM_MAX_PORTS 2 /* input buffers per neuron (excitatory, inhibitory) */

/* What the engine hands to a model's update for one population and tick.
   Arrays are indexed by the neuron's local index in the population. */
typedef struct sim_update_ctx {
  void *state;                 /* n * state_size bytes; model's layout */
  uint32_t n;                  /* neurons in the population (on this rank) */
  const void *param;           /* the population's parameters */
  double *in[SIM_MAX_PORTS];   /* input summed for this tick, per port:
                                  delta: mV; current-based: pA.  Event-
                                  driven models consume it (set the entry
                                  of each neuron they update back to 0);
                                  per_tick models only read it and the
                                  engine clears what it delivered */
  uint32_t *spikes;            /* OUT: local indices that fired, ascending */
  uint32_t *mult;              /* OUT, parallel to spikes, or NULL: the
                                  multiplicity of each spike (>= 1; NEST's
                                  SpikeEvent multiplicity).  Given only to
                                  models with counts_input set, which must
                                  write it for every spike; the engine
                                  emits such a spike mult times, as NEST
                                  unrolls it for delivery and recording */
  uint32_t nspikes;            /* OUT: count appended to spikes */
  sim_time *next;              /* OUT: next self-event per touched neuron
                                  (parallel to idx), SIM_NEVER for none;
                                  unused by per_tick models */
} sim_update_ctx;

typedef struct sim_neuron_ops {
  const char *name;          /* key in config files, NEST's: "iaf_psc_delta" */
  const char *summary;       /* one line for --help and error messages */
  uint32_t state_size;       /* bytes of state per neuron */
  uint32_t param_size;       /* bytes of parameters per population */
  int nports;                /* input ports: 1 (delta) or 2 (ex, in) */
  int per_tick;              /* 1: no closed form, update every tick */
  int port_by_sign;          /* 1: weight >= 0 goes to port 0, < 0 to port 1 */
  int counts_input;          /* 1: each arriving spike adds 1 to its port,
                                whatever its weight (k spikes in a tick: k),
                                and update gets ctx->mult (parrot_neuron).
                                Projection kinds and sources read it from
                                the target's sim_sink */
  int nreceptors;            /* receptor types (NEST's rport) a projection
                                may target: receptor r is input port r, so
                                nreceptors <= nports and port_by_sign is 0.
                                0 or 1: receptor 0 only */
  const char *const *param_names; /* accepted scalar parameters, NULL-ended */
  const char *const *var_names;   /* state variables: may be given an initial
                                     value or distribution in a config, and
                                     can be sampled; NULL-ended */

  /* Fill param with the model's (NEST) defaults. */
  void (*param_default)(void *param);
  /* Set one parameter; on a bad value returns SIM_ECONFIG with a message
     (sim_error_set) saying what is allowed.  Unknown keys: SIM_EINVAL. */
  int (*param_set)(void *param, const char *key, double value);
  /* Check consistency (e.g. V_reset < V_th) and precompute propagators for
     the resolution; returns 0 or SIM_ECONFIG with a message. */
  int (*param_finalize)(void *param, double dt_ms);

  /* Put neuron i of a block of n in its initial state. */
  void (*state_init)(void *block, uint32_t n, uint32_t i, const void *param);
  /* Set state variable `var` (index into var_names) to value at tick 0. */
  void (*var_set)(void *block, uint32_t n, uint32_t i, const void *param, int var,
                  double value);
  /* Value of state variable `var` at tick t >= the neuron's last update,
     without changing the state (recorders use it). */
  double (*var_get)(const void *block, uint32_t n, uint32_t i, const void *param,
                    int var, sim_time t);

  /* First self-event of a neuron after initialisation (e.g. predicted
     threshold crossing under constant drive), or SIM_NEVER. */
  sim_time (*first_event)(const void *block, uint32_t n, uint32_t i,
                          const void *param);

  /* Checkpoints (core/sim_ckpt.h) store each neuron's state as a record
     of state_size bytes.  state_records = 1: the block is n such records
     (an array of structs), copied as they are.  state_soa = 1: the block
     is state_size / 8 arrays of n doubles (a struct of arrays), and the
     record is neuron i's entry of each in turn.  Otherwise state_get
     gathers neuron i's record from the block and state_put scatters it
     back (a struct of arrays).  A model with state and neither cannot be
     checkpointed (the run says so). */
  int state_records;
  int state_soa;
  void (*state_get)(const void *block, uint32_t n, uint32_t i, void *rec);
  void (*state_put)(void *block, uint32_t n, uint32_t i, const void *rec);

  /* Update the n neurons listed in idx (ascending local indices) at tick t:
     advance each to t, add its input, test the threshold, append spikes and
     write the next self-event.  per_tick models get idx == NULL and n = the
     population size, meaning every neuron. */
  void (*update)(sim_update_ctx *ctx, sim_time t, const uint32_t *idx,
                 uint32_t n);
} sim_neuron_ops;

#endif
