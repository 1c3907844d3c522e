/*
 * net_mem.h: the memory a network will take on one rank, estimated from
 * its description before anything is built, so that a network that cannot
 * fit is refused within seconds instead of after minutes of allocating.
 * Each part uses the arithmetic of the code that allocates it: neuron
 * state by the model's state_size, synapse tables by storage kind
 * (sim_syn_table_bytes_for), device and STDP state (syn_store_estimate),
 * the engine's input rings (sim_engine_pop_bytes), and the event log's
 * buffers.  Synapse counts are each rule's expectation (net_rule_ops).
 */
#ifndef NET_MEM_H
#define NET_MEM_H

#include <stdint.h>

#include "net_desc.h"
#include "net_partition.h"

#define NET_MEM_MAX_ITEMS 48 /* contributors kept; the rest are "other" */

/* One contributor to the estimate. */
typedef struct net_mem_item {
  char what[112]; /* "projection EE: 10000000 synapses (target 4 B)" */
  double bytes;   /* estimated bytes on this rank */
} net_mem_item;

typedef struct net_mem {
  double bytes;       /* estimated peak bytes of the network on this rank */
  double nsyn;        /* expected synapses on this rank */
  net_mem_item item[NET_MEM_MAX_ITEMS]; /* largest first */
  uint32_t nitems;
} net_mem;

/* Estimate what building and running d takes on part->rank.  logs: the
   run writes an event log (its buffers are counted). */
void net_mem_estimate(const net_desc *d, const net_part *part, int logs, net_mem *out);

#endif
