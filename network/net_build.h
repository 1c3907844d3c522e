/*
 * net_build.h: the rank-local network: this rank's neurons (state arrays
 * laid out by each model's ops table) and the synapses onto them, built
 * from a validated net_desc.  No rank ever holds another rank's synapses.
 */
#ifndef NET_BUILD_H
#define NET_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "net_connect.h"
#include "net_desc.h"
#include "net_partition.h"
#include "../core/sim_exchange.h"
#include "../core/sim_net.h"
#include "../synapses/syn_store.h"

/* This rank's part of one population. */
typedef struct net_pop {
  const net_pop_desc *desc;   /* borrowed from the net_desc */
  const nrn_model_ops *model; /* NULL for generators */
  uint32_t nlocal;            /* neurons owned here */
  sim_gid *gid;               /* owned: gid of each local neuron, ascending */
  void *state;                /* owned: nlocal * model->state_size bytes */
  uint32_t *out_projs;        /* owned: projections whose source this is */
  uint32_t nout;
  uint32_t *stdp_in;          /* owned: plastic projections onto this one */
  uint32_t nstdp_in;
  /* Presence table: the ranks that host at least one target of local
     neuron i are dest[dest_off[i] .. dest_off[i+1]), ascending.  A spike
     is sent to those ranks only. */
  uint32_t *dest_off;         /* owned, nlocal + 1 */
  int32_t *dest;              /* owned */
} net_pop;

/* This rank's synapses of one projection. */
typedef struct net_proj {
  const net_proj_desc *desc; /* borrowed */
  net_syn_table syn;         /* grouped by source */
  int port;                  /* input port when the weight is constant */
  int dynamic;               /* 1: plastic or device synapses (store used) */
  syn_store store;           /* device / STDP state, when dynamic */
} net_proj;

/* The network: what network/ built, and the kernel's view of it
   (kernel: the engine runs that; its arrays point into pops and projs). */
typedef struct net_network {
  const net_desc *desc;    /* borrowed: must outlive the network */
  const sim_exchange_ops *x; /* borrowed: how ranks talk (the run uses it) */
  net_part part;
  net_pop *pops;           /* owned, desc->npops */
  net_proj *projs;         /* owned, desc->nprojs */
  sim_time min_delay;      /* ticks: smallest delay of any projection whose
                              spikes cross ranks (same on every rank) */
  sim_time max_delay;      /* ticks: largest delay on this rank */
  uint64_t nsyn;           /* synapses on this rank */
  size_t syn_bytes;        /* bytes of synapse storage on this rank */
  double build_s;          /* wall seconds spent building */
  sim_net kernel;          /* the run's view (arrays owned here) */
} net_network;

/* Build this rank's part (collective: every rank calls it, with the same
   exchange x; NULL: serial, one rank).  Returns 0; the error of the rank
   that failed; or, on the other ranks, SIM_ECOMM. */
int net_build(const net_desc *desc, const net_part *part, const sim_exchange_ops *x,
              net_network **out);
void net_network_destroy(net_network *net);


#endif
