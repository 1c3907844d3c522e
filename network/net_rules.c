/*
 * net_rules.c: the connection rules (net_rule.h), NEST's semantics, and
 * their registry.
 */
#include "net_rule.h"

#include <string.h>

#include "../core/sim_alloc.h"

static void all_to_all(net_conn *c, sim_rng *cr, uint32_t to)
{
  (void)cr;
  for (uint32_t s = 0; s < c->nsrc; s++)
    if (c->autapses || !c->same || s != to)
      net_conn_emit_source(c, s);
}

static void one_to_one(net_conn *c, sim_rng *cr, uint32_t to)
{
  (void)cr;
  if (c->autapses || !c->same)
    net_conn_emit_source(c, to);
}

/* degree partners drawn uniformly from n, skipping `self` (no autapses)
   and, without multapses, partners drawn already. */
static uint32_t draw_partner(net_conn *c, sim_rng *cr, uint32_t n, uint32_t self)
{
  for (;;) {
    uint32_t x = sim_rng_below(cr, n);
    if (!c->autapses && c->same && x == self)
      continue;
    if (!c->multapses) {
      if (c->seen[x] == c->stamp)
        continue;
      c->seen[x] = c->stamp;
    }
    return x;
  }
}

static void fixed_indegree(net_conn *c, sim_rng *cr, uint32_t to)
{
  c->stamp++;
  for (uint32_t k = 0; k < c->degree; k++)
    net_conn_emit_source(c, draw_partner(c, cr, c->nsrc, to));
}

static void fixed_outdegree(net_conn *c, sim_rng *cr, uint32_t s)
{
  c->stamp++;
  for (uint32_t k = 0; k < c->degree; k++)
    net_conn_emit_target(c, draw_partner(c, cr, c->ntgt, s));
}

/* Bernoulli trials over the sources by geometric skips: work per synapse. */
static void pairwise_bernoulli(net_conn *c, sim_rng *cr, uint32_t to)
{
  if (c->p <= 0)
    return;
  uint64_t s = 0;
  for (;;) {
    s += c->p >= 1 ? 0 : sim_rng_geometric(cr, c->p);
    if (s >= c->nsrc)
      break;
    if (c->autapses || !c->same || s != to)
      net_conn_emit_source(c, (uint32_t)s);
    s++;
  }
}

/* fixed_total_number (NEST): exactly c->total synapses, each from a
   uniform source onto a uniform target.  The per-target counts are one
   multinomial draw, split in target order by conditional binomials,
   count[i] ~ Binomial(left, 1 / (ntgt - i)), from a single stream keyed by
   (seed, first target gid, SPLIT, projection): every rank computes the
   same counts whatever the partition.  Each target then draws its sources
   from its own keyed stream, as fixed_indegree does.  Without autapses on
   one population every target has nsrc - 1 candidates, so the split stays
   uniform; without multapses it would be hypergeometric, which the config
   reader refuses. */
static int fixed_total_prepare(net_conn *c)
{
  if (!c->count)
    c->count = sim_malloc((size_t)(c->ntgt ? c->ntgt : 1) * sizeof *c->count,
                          "per-target synapse counts");
  sim_rng r;
  sim_rng_stream(&r, c->seed, c->tgt_gid0, SIM_RNG_SPLIT, c->proj);
  uint64_t left = c->total;
  for (uint32_t i = 0; i < c->ntgt; i++) {
    uint64_t k = i + 1 == c->ntgt ? left : sim_rng_binomial(&r, left, 1.0 / (c->ntgt - i));
    if (k > UINT32_MAX)
      return -1;
    c->count[i] = (uint32_t)k;
    left -= k;
  }
  return 0;
}

static void fixed_total_number(net_conn *c, sim_rng *cr, uint32_t to)
{
  c->stamp++;
  for (uint32_t k = 0; k < c->count[to]; k++)
    net_conn_emit_source(c, draw_partner(c, cr, c->nsrc, to));
}

static double fixed_total_expected(const net_conn *c, uint32_t nlocal)
{
  return c->ntgt ? (double)c->total * ((double)nlocal / c->ntgt) : 0.0;
}

/* Expected synapses onto nlocal targets (net_rule_ops.expected). */
static double self_pairs(const net_conn *c, uint32_t nlocal)
{
  return c->same && !c->autapses ? (double)nlocal : 0.0;
}

static double all_to_all_expected(const net_conn *c, uint32_t nlocal)
{
  return (double)c->nsrc * nlocal - self_pairs(c, nlocal);
}

static double one_to_one_expected(const net_conn *c, uint32_t nlocal)
{
  return (double)nlocal - self_pairs(c, nlocal);
}

static double fixed_indegree_expected(const net_conn *c, uint32_t nlocal)
{
  return (double)c->degree * nlocal;
}

static double fixed_outdegree_expected(const net_conn *c, uint32_t nlocal)
{
  return c->ntgt ? (double)c->degree * c->nsrc * ((double)nlocal / c->ntgt) : 0.0;
}

static double pairwise_bernoulli_expected(const net_conn *c, uint32_t nlocal)
{
  double p = c->p < 0 ? 0 : c->p > 1 ? 1 : c->p;
  return p * ((double)c->nsrc * nlocal - self_pairs(c, nlocal));
}

const net_rule_ops net_rule_all_to_all = {.name = "all_to_all", .target = all_to_all,
                                          .expected = all_to_all_expected};
const net_rule_ops net_rule_one_to_one = {.name = "one_to_one", .same_size = 1,
                                          .target = one_to_one,
                                          .expected = one_to_one_expected};
const net_rule_ops net_rule_fixed_indegree = {.name = "fixed_indegree", .param_key = "indegree",
                                              .param = NET_RULE_DEGREE,
                                              .target = fixed_indegree,
                                              .expected = fixed_indegree_expected};
const net_rule_ops net_rule_fixed_outdegree = {.name = "fixed_outdegree",
                                               .param_key = "outdegree",
                                               .param = NET_RULE_DEGREE,
                                               .source = fixed_outdegree,
                                               .expected = fixed_outdegree_expected};
const net_rule_ops net_rule_pairwise_bernoulli = {.name = "pairwise_bernoulli",
                                                  .param_key = "p", .param = NET_RULE_PROB,
                                                  .target = pairwise_bernoulli,
                                                  .expected = pairwise_bernoulli_expected};

const net_rule_ops net_rule_fixed_total_number = {.name = "fixed_total_number",
                                                  .param_key = "N", .param = NET_RULE_TOTAL,
                                                  .target = fixed_total_number,
                                                  .prepare = fixed_total_prepare,
                                                  .expected = fixed_total_expected};

/* from_list: the listed sources of target `to`, in list order. */
static void from_list(net_conn *c, sim_rng *cr, uint32_t to)
{
  (void)cr;
  for (uint64_t k = c->list_off[to]; k < c->list_off[to + 1]; k++) {
    c->cur = c->list_idx[k];
    net_conn_emit_source(c, c->list_pre[c->cur]);
  }
}

static double from_list_expected(const net_conn *c, uint32_t nlocal)
{
  return c->ntgt ? (double)c->total * nlocal / c->ntgt : 0;
}

const net_rule_ops net_rule_from_list = {.name = "from_list", .target = from_list,
                                         .expected = from_list_expected};

static const net_rule_ops *const rules[] = {
    &net_rule_all_to_all,      &net_rule_one_to_one,         &net_rule_fixed_indegree,
    &net_rule_fixed_outdegree, &net_rule_pairwise_bernoulli, &net_rule_fixed_total_number,
};

const net_rule_ops *net_rule_find(const char *name)
{
  for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
    if (!strcmp(rules[i]->name, name))
      return rules[i];
  return NULL;
}

const char *net_rule_names(void)
{
  static char buf[256];
  if (!buf[0])
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
      if (i)
        strncat(buf, ", ", sizeof buf - strlen(buf) - 1);
      strncat(buf, rules[i]->name, sizeof buf - strlen(buf) - 1);
    }
  return buf;
}
