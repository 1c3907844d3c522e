/*
 * net_rule.h: connection rules as ops tables (NEST's names and semantics),
 * found by name.  A rule only says which (source, target) pairs it draws;
 * net_connect.c owns the passes, the streams, the weights and delays and
 * the tables.  A new rule is one table in net_rules.c plus a registry line.
 *
 * Two families, by which gid keys the connectivity stream:
 * - target-keyed (all_to_all, one_to_one, fixed_indegree,
 *   pairwise_bernoulli): `target` enumerates the sources of one target,
 *   drawn from a stream keyed by the target's gid, on the target's rank;
 *   fixed_total_number is target-keyed too: its `prepare` splits the total
 *   over the targets (a multinomial, by sequential conditional binomials
 *   on one stream keyed by the target population and the projection), so
 *   every rank computes the same per-target counts;
 * - source-keyed (fixed_outdegree): `source` enumerates the targets of one
 *   source from the source's stream; every rank walks every source and
 *   keeps the targets it owns.
 * Either way the network does not depend on the number of ranks.
 */
#ifndef NET_RULE_H
#define NET_RULE_H

#include <stdint.h>

#include "../core/sim_rng.h"

/* What a rule sees of one pass (net_connect.c fills it). */
typedef struct net_conn {
  uint32_t nsrc, ntgt;   /* population sizes */
  int same;              /* source and target are one population */
  int autapses, multapses;
  uint32_t degree;       /* DEGREE rules */
  double p;              /* PROB rules */
  uint64_t total;        /* TOTAL rules */
  uint64_t seed;         /* the run's seed, tgt_gid0 the target population's
                            first gid, proj the projection index: keys for
                            `prepare`'s stream */
  uint64_t tgt_gid0;
  uint32_t proj;
  uint32_t *count;       /* per-target counts (prepare), freed by the caller */
  uint32_t *seen;        /* sampling without replacement: a stamp per
                            candidate (sources, or targets if source-keyed) */
  uint32_t stamp;        /* bumped before each draw set */
  void *pass;            /* net_connect's private state */
  /* from_list: the connections onto target offset t are
     list_idx[list_off[t] .. list_off[t+1]) (indices into the
     projection's lists, in list order); the rule sets cur to the one it
     emits, so that its own weight and delay are used. */
  const uint64_t *list_off, *list_idx;
  const uint32_t *list_pre;
  uint64_t cur;
} net_conn;

/* Record a synapse from source offset s onto the current target
   (target-keyed rules), or from the current source onto target offset to
   (source-keyed rules).  Weights and delays are drawn here, in call order. */
void net_conn_emit_source(net_conn *c, uint32_t s);
void net_conn_emit_target(net_conn *c, uint32_t to);

typedef enum net_rule_param {
  NET_RULE_NONE = 0,   /* no parameter */
  NET_RULE_DEGREE = 1, /* an integer >= 1 (distinct partners without multapses) */
  NET_RULE_PROB = 2,   /* a probability in [0, 1] */
  NET_RULE_TOTAL = 3   /* a synapse count >= 0 over the whole projection */
} net_rule_param;

typedef struct net_rule_ops {
  const char *name;       /* config key: "fixed_indegree" */
  const char *param_key;  /* its parameter's key ("indegree"), or NULL */
  net_rule_param param;
  int same_size;          /* 1: source and target must have equal sizes */
  /* Target-keyed: the sources of the target at offset `to` within its
     population, drawn from cr.  NULL for source-keyed rules. */
  void (*target)(net_conn *c, sim_rng *cr, uint32_t to);
  /* Source-keyed: the targets of source offset s, drawn from cr.  NULL for
     target-keyed rules. */
  void (*source)(net_conn *c, sim_rng *cr, uint32_t s);
  /* Optional, before each pass: per-projection state the per-target draws
     need (fixed_total_number: c->count).  Returns 0 or -1 (out of memory
     is fatal in sim_alloc, so only an impossible request). */
  int (*prepare)(net_conn *c);
  /* Expected number of synapses onto nlocal of the c->ntgt targets (for
     memory estimates before building; c->seen and c->pass unused). */
  double (*expected)(const net_conn *c, uint32_t nlocal);
} net_rule_ops;

extern const net_rule_ops net_rule_all_to_all;
/* Explicit connections (net_proj_desc.nlist): not found by name, so a
   config cannot ask for it; the C API sets it. */
extern const net_rule_ops net_rule_from_list;
extern const net_rule_ops net_rule_one_to_one;
extern const net_rule_ops net_rule_fixed_indegree;
extern const net_rule_ops net_rule_fixed_outdegree;
extern const net_rule_ops net_rule_pairwise_bernoulli;
extern const net_rule_ops net_rule_fixed_total_number;

/* Rule by config name, or NULL. */
const net_rule_ops *net_rule_find(const char *name);
/* Comma-separated list of the known rule names (static buffer). */
const char *net_rule_names(void);

#endif
