/*
 * sim_net.h: the network as the kernel runs it: this rank's part of every
 * population (neuron model or source, states, gids, where its spikes go)
 * and of every projection (a CSR synapse table and a projection kind), and
 * what is recorded.  network/ builds it; the engine only reads the layout
 * and writes the states.  Everything here is borrowed by the engine for
 * the length of a run.
 */
#ifndef SIM_NET_H
#define SIM_NET_H

#include <stdint.h>

#include "sim_neuron.h"
#include "sim_source.h"
#include "sim_syn.h"
#include "sim_types.h"

/* This rank's part of one population. */
typedef struct sim_pop {
  const char *name;
  const sim_neuron_ops *model;   /* neuron model, or NULL for a source */
  const sim_source_ops *source;  /* source, or NULL for neurons */
  const void *param;             /* the model's or the source's parameters */
  sim_gid first_gid;             /* gids [first_gid, first_gid + n) */
  uint32_t n;                    /* neurons over all ranks */
  uint32_t nlocal;               /* neurons owned here */
  const sim_gid *gid;            /* gid of each local neuron, ascending */
  void *state;                   /* nlocal * model->state_size bytes */
  const uint32_t *out_projs;     /* projections whose source this is */
  uint32_t nout;
  const uint32_t *post_projs;    /* projections onto this one whose kind
                                    has a post method (plasticity) */
  uint32_t npost;
  /* Presence table: the ranks that host at least one target of local
     neuron i are dest[dest_off[i] .. dest_off[i+1]), ascending.  A spike
     is sent to those ranks only. */
  const uint32_t *dest_off;      /* nlocal + 1 */
  const int32_t *dest;
} sim_pop;

/* This rank's part of one projection. */
typedef struct sim_proj {
  uint32_t src, tgt;         /* population indices */
  sim_syn_table *syn;        /* grouped by source (weights may change) */
  int port;                  /* input port when the weight sign is fixed */
  const sim_proj_ops *kind;  /* never NULL */
  void *self;                /* the kind's state for this projection */
} sim_proj;

typedef enum sim_rec_kind {
  SIM_REC_SPIKES = 0, /* spike_recorder */
  SIM_REC_STATE = 1,  /* multimeter: sampled state variables */
  SIM_REC_WEIGHTS = 2, /* snapshots of a projection's weights */
  SIM_REC_DEVICES = 3, /* a projection's device writes */
  SIM_REC_ENERGY = 4   /* activity and energy counters (deltas) */
} sim_rec_kind;

/* What is recorded: population-local indices [first, first + count)
   (SPIKES, STATE), or projection proj's synapses (WEIGHTS, DEVICES; pop is
   then its target), or the counters of everything (ENERGY). */
typedef struct sim_rec {
  sim_rec_kind kind;
  uint32_t pop;
  uint32_t first, count;
  int vars[8];          /* STATE: indices into the model's var_names */
  uint32_t nvars;
  sim_time every;       /* STATE: sampling interval in ticks (>= 1);
                           WEIGHTS: snapshot interval (>= 1); ENERGY:
                           aggregation interval (0: every window);
                           DEVICES: 0 */
  uint32_t proj;        /* WEIGHTS, DEVICES: projection index */
  double sample;        /* WEIGHTS: fraction of the synapses, in (0, 1] */
} sim_rec;

typedef struct sim_net {
  sim_pop *pops;
  uint32_t npops;
  sim_proj *projs;
  uint32_t nprojs;
  const sim_rec *recs;
  uint32_t nrecs;
  sim_time t_end;       /* ticks [0, t_end) are simulated */
  sim_time min_delay;   /* ticks: the window, the same on every rank */
  sim_time max_delay;   /* ticks: largest delay on this rank */
  double resolution_ms; /* one tick */
  uint64_t seed;
} sim_net;

/* Population index holding gid (binary search over first gids). */
static inline uint32_t sim_net_pop_of_gid(const sim_net *net, sim_gid g)
{
  uint32_t lo = 0, hi = net->npops;
  while (hi - lo > 1) {
    uint32_t mid = (lo + hi) / 2;
    if (net->pops[mid].first_gid <= g)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

#endif
