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

#include "../core/sim_syn.h"
#include "net_desc.h"
#include "net_partition.h"

/* Rank-local incoming synapses of one projection: the kernel's CSR table
   (core/sim_syn.h), under the name network/ has always used. */
typedef sim_syn_table net_syn_table;

/* Largest delay a synapse can have, in ticks. */
#define NET_MAX_DELAY_TICKS SIM_MAX_DELAY_TICKS

/* Draw projection proj_index of desc for the neurons part->rank owns.
   Returns 0, or SIM_ERANGE (a drawn delay above NET_MAX_DELAY_TICKS) with a
   message naming the projection. */
int net_connect(const net_desc *desc, uint32_t proj_index, const net_part *part,
                net_syn_table *out);

/* Delay in ms -> ticks (rounded, at least 1; INT64_MAX for a delay beyond
   2^63 ticks or NaN). */
int64_t net_delay_ticks(double delay_ms, double resolution_ms);

#endif
