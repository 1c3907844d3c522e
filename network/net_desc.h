/*
 * net_desc.h: the validated description of a run, as read from a config
 * file (io_config) and consumed by the network builder and the engine.
 * Everything here is checked before anything is built: a net_desc that
 * exists is consistent (references resolved, values in range).
 * Units are NEST's: times in ms, voltages in mV, currents in pA, rates in Hz.
 */
#ifndef NET_DESC_H
#define NET_DESC_H

#include <stdint.h>

#include "../core/sim_names.h"
#include "../core/sim_types.h"
#include "../neurons/nrn_model.h"
#include "net_rule.h"

/* A value or a random distribution (weights, delays, initial states). */
typedef enum net_dist_kind {
  NET_DIST_CONST = 0,   /* a */
  NET_DIST_UNIFORM = 1, /* uniform in [a, b) */
  NET_DIST_NORMAL = 2   /* mean a, std b, clipped to [lo, hi], or redrawn
                           until inside [lo, hi] when `redraw` is set */
} net_dist_kind;

typedef struct net_dist {
  net_dist_kind kind;
  double a, b;   /* see net_dist_kind */
  double lo, hi; /* clip bounds of NORMAL (-inf, +inf when not given) */
  int redraw;    /* NORMAL: redraw outside [lo, hi] instead of clipping
                    (NEST's nest.math.redraw(normal(...), min, max)); the
                    config reader ensures the mass inside is not tiny */
} net_dist;

/* A raw key = value entry kept for later stages (synapse parameters). */
typedef sim_kv net_kv;

/* Initial value of one state variable of a population's neurons. */
typedef struct net_init {
  int var;       /* index into the model's var_names */
  net_dist dist; /* drawn per neuron from stream (seed, gid, INIT, var) */
} net_init;

typedef struct net_pop_desc {
  char *name;                  /* owned; unique over all sections */
  int line;                    /* line of the [population NAME] header */
  const nrn_model_ops *model;  /* neuron model, or NULL for a source */
  const sim_source_ops *source; /* source (poisson_generator, ...), or NULL */
  uint32_t n;                  /* number of neurons or generators */
  void *param;                 /* owned: the model's or the source's
                                  parameters (param_size bytes), defaults
                                  overridden by the config, finalized */
  net_init *init;              /* owned: initial state values (neurons) */
  uint32_t ninit;
  sim_gid first_gid;           /* gids [first_gid, first_gid + n) */
} net_pop_desc;

/* The config name of a population's model or source. */
static inline const char *net_pop_model_name(const net_pop_desc *p)
{
  return p->model ? p->model->name : p->source->name;
}

/* Does the population emit spikes of its own that cross ranks (neurons,
   spike_generator), rather than trains drawn per target synapse on the
   target's rank (poisson_generator)? */
static inline int net_pop_travels(const net_pop_desc *p)
{
  return !p->source || p->source->travels;
}


typedef struct net_proj_desc {
  char *name;        /* owned */
  int line;          /* line of the [projection NAME] header */
  uint32_t src, tgt; /* population indices */
  const net_rule_ops *rule; /* connection rule (net_rule.h) */
  uint32_t degree;   /* indegree or outdegree for the fixed_* rules */
  double p;          /* pairwise_bernoulli probability */
  uint64_t total;    /* fixed_total_number: N, synapses in all */
  int autapses;      /* allow_autapses (NEST default true) */
  int multapses;     /* allow_multapses (NEST default true) */
  net_dist weight;   /* mV for delta-synapse models, pA for current-based */
  net_dist delay_ms; /* ms; every drawn delay >= resolution */
  uint32_t receptor; /* receptor_type (NEST's rport): input port of the
                        target, < its model's nreceptors; default 0 */
  char *synapse;     /* owned: synapse model name, "static_synapse" */
  net_kv *syn_params; /* owned: further keys for the synapse model */
  uint32_t nsyn_params;
  struct syn_spec *spec; /* owned: the parsed synapse model
                            (synapses/syn_spec.h) */
  /* Explicit connections (rule net_rule_from_list, set by the C API after
     validation; a config has no such rule): nlist connections
     list_pre[k] -> list_post[k] (population-local indices), with weight
     list_w[k] and delay list_d[k] (ms), or NULL: drawn from weight /
     delay_ms.  Borrowed from the API's simulation. */
  uint64_t nlist;
  const uint32_t *list_pre, *list_post;
  const double *list_w, *list_d;
} net_proj_desc;

typedef enum net_rec_kind {
  NET_REC_SPIKES = 0, /* spike_recorder */
  NET_REC_STATE = 1,   /* multimeter: sampled state variables */
  NET_REC_WEIGHTS = 2, /* weights: snapshots of a projection's weights */
  NET_REC_DEVICES = 3, /* devices: a projection's device writes */
  NET_REC_ENERGY = 4   /* energy: activity and energy counters */
} net_rec_kind;

typedef struct net_rec_desc {
  char *name;          /* owned */
  int line;
  uint32_t pop;        /* population index */
  net_rec_kind kind;
  uint32_t first, count; /* recorded neurons: population-local indices
                            [first, first + count) */
  int vars[8];         /* state variables (indices into model var_names) */
  uint32_t nvars;
  double interval_ms;  /* multimeter sampling interval, weights snapshot
                          interval (> 0), energy aggregation interval (0:
                          every window); multiples of the resolution */
  uint32_t proj;       /* weights, devices: projection index (pop is then
                          its target, first = count = 0); energy: 0 */
  double sample;       /* weights: fraction of the synapses in (0, 1] */
} net_rec_desc;

typedef enum net_partition {
  NET_PART_ROUND_ROBIN = 0, /* gid % nranks: NEST's default, balances load */
  NET_PART_BLOCK = 1        /* contiguous blocks of each population */
} net_partition;

/* How spikes of static projections with per-synapse delays reach per-tick
   targets ([simulation] delivery, network/net_build.c): each synapse adds
   into the input ring at once (direct), or each delay's run of a spike's
   synapses is deferred to its arrival tick and added then into one reused
   row (deferred: delay-major tables, core/sim_syn.h); auto takes deferred
   when the network's rings would exceed NET_DEFER_RING_BYTES. */
typedef enum { NET_DELIVERY_AUTO, NET_DELIVERY_DIRECT, NET_DELIVERY_DEFERRED } net_delivery;

/* auto: deferred delivery from this many bytes of input rings in the whole
   network (per-tick targets, all ranks together: the choice must not
   depend on the rank count).  Below it the rings stay in cache and the
   direct adds are cheaper; above it every direct add misses. */
#define NET_DEFER_RING_BYTES (32.0 * 1024 * 1024)

typedef struct net_sim_desc {
  double duration_ms;   /* simulated time */
  double resolution_ms; /* one tick */
  uint64_t seed;
  char *out_dir;        /* owned: where logs go */
  net_partition partition;
  double max_memory_bytes; /* [simulation] max_memory per rank; 0: none
                              (the machine's available memory still
                              bounds a run) */
  net_delivery delivery; /* [simulation] delivery */
} net_sim_desc;

typedef struct net_desc {
  char *file;           /* owned: config path, for messages */
  net_sim_desc sim;
  net_pop_desc *pops;   /* owned, npops entries, in file order */
  uint32_t npops;
  net_proj_desc *projs; /* owned */
  uint32_t nprojs;
  net_rec_desc *recs;   /* owned */
  uint32_t nrecs;
  sim_gid total;        /* sum of pops[i].n */
  uint64_t digest;      /* FNV-1a 64 of the config text plus overrides */
} net_desc;

/* Free a description and everything it owns; NULL is a no-op. */
void net_desc_destroy(net_desc *d);

/* Index of the population called name, or -1. */
int net_desc_find_pop(const net_desc *d, const char *name);

/* Draw one value from a distribution (NORMAL clipped to [lo, hi]). */
double net_dist_draw(const net_dist *dist, sim_rng *rng);

#endif
