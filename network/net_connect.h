/*
 * net_connect.h: connection rules, drawn so that they do not depend on how
 * neurons are split over ranks.  Rules that fix what a target receives
 * (all_to_all, one_to_one, fixed_indegree, pairwise_bernoulli) draw from a
 * stream keyed by the target's gid; fixed_outdegree draws from a stream
 * keyed by the source's gid, and every rank walks every source, keeping
 * the targets it owns.  Weights and delays come from their own streams,
 * drawn in the same per-target (or per-source) order.
 *
 * Each rank stores only the synapses onto its own neurons, grouped by
 * source (CSR): for a spike of source s, its local targets are contiguous.
 */
#ifndef NET_CONNECT_H
#define NET_CONNECT_H

#include <stddef.h>
#include <stdint.h>

#include "net_desc.h"
#include "net_partition.h"

/* Rank-local incoming synapses of one projection.  Invariant: each
   source's entries are sorted by target, and the entries one target gets
   from one source keep the order they were drawn in, on any number of
   ranks. */
typedef struct net_syn_table {
  uint32_t src_n;    /* neurons in the source population */
  uint64_t *off;     /* owned, src_n + 1: source s owns [off[s], off[s+1]) */
  uint32_t *tgt;     /* owned: local index of the target neuron */
  float *w;          /* owned per-synapse weight, or NULL: all w_const */
  uint16_t *d;       /* owned per-synapse delay (ticks), or NULL: d_const */
  double w_const;    /* mV or pA, when w == NULL */
  uint16_t d_const;  /* ticks, when d == NULL */
  uint16_t d_min, d_max; /* ticks over this rank's synapses (d_const if
                            none) */
  uint64_t nsyn;     /* synapses on this rank */
} net_syn_table;

/* Largest delay a synapse can have, in ticks. */
#define NET_MAX_DELAY_TICKS 65535

/* Draw projection proj_index of desc for the neurons part->rank owns.
   Returns 0, or SIM_ERANGE (a drawn delay above NET_MAX_DELAY_TICKS) with a
   message naming the projection. */
int net_connect(const net_desc *desc, uint32_t proj_index, const net_part *part,
                net_syn_table *out);
void net_syn_table_fini(net_syn_table *t);
/* Bytes held by the table's arrays (offsets included). */
size_t net_syn_table_bytes(const net_syn_table *t);

/* Delay in ms -> ticks (rounded, at least 1). */
int64_t net_delay_ticks(double delay_ms, double resolution_ms);

#endif
