/*
 * syn_kinds.h: the projection kinds synapses/ implements for the kernel
 * (core/sim_syn.h).  A projection's kind is chosen once, at build time,
 * from its synapse model (syn_spec); the engine calls it once per spike
 * and projection.
 */
#ifndef SYN_KINDS_H
#define SYN_KINDS_H

#include "../core/sim_syn.h"

/* static_synapse: fixed weights and delays from the table; self unused. */
extern const sim_proj_ops syn_static_kind;
/* Device and/or plastic synapses: self is the projection's syn_store
   (syn_store.h). */
extern const sim_proj_ops syn_store_kind;

#endif
