/*
 * io_config_proj.c: [projection NAME] sections into net_proj_desc (pass 3
 * of the config reader, io_config_int.h): endpoints, connection rule and
 * its parameter, weight and delay distributions; the synapse model's own
 * keys are handed to syn_spec_parse.
 */
#include "io_config_int.h"
#include "../synapses/syn_spec.h"
#include "io_preset.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"
#include "../core/sim_names.h"
#include "../network/net_connect.h"

/* Synapse models: synapses/syn_spec.h.  Keys a projection does not know
   go to syn_params when the synapse is not static_synapse (they belong to
   that synapse model) and are checked by syn_spec_parse. */

static const char *const proj_keys[] = {
    "source", "target", "rule", "indegree", "outdegree", "p", "N", "allow_autapses",
    "allow_multapses", "weight", "delay", "synapse", "receptor_type", NULL};

/* Degree of a fixed_* rule: <= the size of the side it draws from when
   multapses are off (distinct partners), minus one without autapses onto
   the same population. */
static int check_degree(cfg *c, cfg_section *s, net_proj_desc *pr,
                        const net_desc *d, const char *key, uint32_t side_pop)
{
  char g[96];
  cfg_entry *e = io_cfg_get(s, key);
  const net_pop_desc *side = &d->pops[side_pop];
  uint64_t k;
  uint64_t avail = side->n - (!pr->autapses && pr->src == pr->tgt ? 1 : 0);
  if (!e)
    return io_cfg_fail(c, s, NULL, key, "required by rule %s: expected an integer >= 1",
                       pr->rule->name);
  if (sim_parse_uint(e->value, UINT32_MAX, &k) || k < 1)
    return io_cfg_fail(c, s, e, NULL, "expected an integer >= 1 (got '%s')",
                       io_cfg_shorten(e->value, g, sizeof g));
  if (avail == 0)
    return io_cfg_fail(c, s, e, NULL,
                       "expected allow_autapses = true: population %s has one "
                       "neuron and autapses are off, so no partner is allowed "
                       "(got '%s')", side->name, io_cfg_shorten(e->value, g, sizeof g));
  if (!pr->multapses && k > avail)
    return io_cfg_fail(c, s, e, NULL,
                       "expected an integer <= %llu: without multapses the partners "
                       "are distinct, and %s has %u neurons%s (got '%s')",
                       (unsigned long long)avail, side->name, side->n,
                       avail < side->n ? " minus the neuron itself" : "",
                       io_cfg_shorten(e->value, g, sizeof g));
  pr->degree = (uint32_t)k;
  return 0;
}

int io_cfg_build_projection(cfg *c, cfg_section *s, net_proj_desc *pr,
                            const net_desc *d)
{
  char g[96];
  cfg_entry *e;
  pr->name = sim_strdup(s->name, "projection name");
  pr->line = s->line;

  e = io_cfg_get(s, "synapse");
  if (e && sim_name_index(syn_model_names, e->value) < 0)
    return io_cfg_fail(c, s, e, NULL, "unknown synapse model: expected one of "
                                   "static_synapse, stdp_synapse, device (got '%s')",
                       io_cfg_shorten(e->value, g, sizeof g));
  pr->synapse = sim_strdup(e ? e->value : "static_synapse", "synapse name");
  int is_static = strcmp(pr->synapse, "static_synapse") == 0;
  pr->syn_params = sim_calloc(s->n, sizeof *pr->syn_params, "synapse parameters");
  for (size_t i = 0; i < s->n; i++) {
    cfg_entry *x = &s->e[i];
    if (sim_name_index(proj_keys, x->key) >= 0)
      continue;
    if (is_static)
      return io_cfg_fail_unknown(c, s, x,
                                 "source, target, rule, indegree, outdegree, p, N, "
                                 "allow_autapses, allow_multapses, weight, delay, synapse, "
                                 "receptor_type");
    net_kv *kv = &pr->syn_params[pr->nsyn_params++];
    kv->key = sim_strdup(x->key, "synapse parameter key");
    kv->value = sim_strdup(x->value, "synapse parameter value");
    kv->line = x->line;
  }
  {
    uint32_t bad = 0;
    syn_device_param preset;
    cfg_entry *dev = strcmp(pr->synapse, "device") == 0 ? io_cfg_get(s, "device") : NULL;
    if (dev && io_preset_find(c->mem ? NULL : c->file, dev->value, &preset)) {
      char why[700];
      snprintf(why, sizeof why, "%s", sim_error_msg());
      return io_cfg_fail(c, s, dev, NULL, "%s", why);
    }
    pr->spec = sim_calloc(1, sizeof *pr->spec, "synapse spec");
    if (syn_spec_parse(pr->spec, pr->synapse, pr->syn_params, pr->nsyn_params,
                       dev ? &preset : NULL, &bad)) {
      char why[700];
      snprintf(why, sizeof why, "%s", sim_error_msg());
      cfg_entry *x = bad < pr->nsyn_params ? io_cfg_get(s, pr->syn_params[bad].key) : e;
      return io_cfg_fail(c, s, x, x ? NULL : "synapse", "%s", why);
    }
  }

  if (!(e = io_cfg_get(s, "source")))
    return io_cfg_fail(c, s, NULL, "source", "required: expected a population name");
  if (io_cfg_resolve_pop(c, s, e, d, &pr->src))
    return SIM_ECONFIG;
  if (!(e = io_cfg_get(s, "target")))
    return io_cfg_fail(c, s, NULL, "target",
                       "required: expected the name of a neuron population");
  if (io_cfg_resolve_pop(c, s, e, d, &pr->tgt))
    return SIM_ECONFIG;
  const net_pop_desc *src = &d->pops[pr->src], *tgt = &d->pops[pr->tgt];
  if (!net_pop_travels(src) && !is_static)
    return io_cfg_fail(c, s, io_cfg_get(s, "synapse"), NULL,
                       "expected static_synapse: a %s's trains are drawn "
                       "per target and do not pass plastic or device synapses (got '%s')",
                       net_pop_model_name(src), pr->synapse);
  if (!tgt->model)
    return io_cfg_fail(c, s, e, NULL,
                       "expected a neuron population: %s is a %s, which receives "
                       "no input (got '%s')", tgt->name, io_cfg_pop_kind_name(tgt), e->value);

  /* NEST's receptor port: receptor r of the target model is its input
     port r (core/sim_neuron.h, nreceptors). */
  if ((e = io_cfg_get(s, "receptor_type"))) {
    uint64_t r;
    const uint32_t nrec = tgt->model->nreceptors > 1 ? (uint32_t)tgt->model->nreceptors : 1;
    if (sim_parse_uint(e->value, UINT32_MAX, &r) || r >= nrec) {
      if (nrec == 1)
        return io_cfg_fail(c, s, e, NULL,
                           "expected 0: %s has one receptor type (got '%s')",
                           tgt->model->name, io_cfg_shorten(e->value, g, sizeof g));
      return io_cfg_fail(c, s, e, NULL,
                         "expected a receptor type of %s, an integer in [0, %u], "
                         "default 0 (got '%s')", tgt->model->name, nrec - 1,
                         io_cfg_shorten(e->value, g, sizeof g));
    }
    pr->receptor = (uint32_t)r;
  }

  pr->autapses = pr->multapses = 1;
  if ((e = io_cfg_get(s, "allow_autapses")) && sim_parse_bool(e->value, &pr->autapses))
    return io_cfg_fail(c, s, e, NULL, "expected true or false, default true (got '%s')",
                       io_cfg_shorten(e->value, g, sizeof g));
  if ((e = io_cfg_get(s, "allow_multapses")) && sim_parse_bool(e->value, &pr->multapses))
    return io_cfg_fail(c, s, e, NULL, "expected true or false, default true (got '%s')",
                       io_cfg_shorten(e->value, g, sizeof g));

  if (!(e = io_cfg_get(s, "rule")))
    return io_cfg_fail(c, s, NULL, "rule", "required: expected one of %s", net_rule_names());
  const net_rule_ops *rule = net_rule_find(e->value);
  if (!rule)
    return io_cfg_fail(c, s, e, NULL, "unknown rule: expected one of %s (got '%s')",
                       net_rule_names(), io_cfg_shorten(e->value, g, sizeof g));
  pr->rule = rule;
  /* A rule parameter given to another rule is a mistake worth naming. */
  static const char *const rule_params[] = {"indegree", "outdegree", "p", "N", NULL};
  for (int k = 0; rule_params[k]; k++) {
    cfg_entry *x = io_cfg_get(s, rule_params[k]);
    if (x && (!rule->param_key || strcmp(rule->param_key, x->key) != 0))
      return io_cfg_fail(c, s, x, NULL,
                         "not a parameter of rule %s: expected %s%s (got '%s')",
                         rule->name, rule->param_key ? rule->param_key : "no rule parameter",
                         rule->param_key ? " only" : "", io_cfg_shorten(x->value, g, sizeof g));
  }
  if (rule->same_size && src->n != tgt->n)
    return io_cfg_fail(c, s, e, NULL,
                       "%s needs source and target of equal size: "
                       "expected %s (%u) == %s (%u), or another rule",
                       rule->name, src->name, src->n, tgt->name, tgt->n);
  if (rule->param == NET_RULE_DEGREE) {
    /* Target-keyed rules draw sources, source-keyed ones targets. */
    if (check_degree(c, s, pr, d, rule->param_key, rule->source ? pr->tgt : pr->src))
      return SIM_ECONFIG;
  } else if (rule->param == NET_RULE_TOTAL) {
    uint64_t n;
    if (!(e = io_cfg_get(s, rule->param_key)))
      return io_cfg_fail(c, s, NULL, rule->param_key,
                         "required by rule %s: expected the number of synapses in "
                         "all, an integer >= 0", rule->name);
    if (sim_parse_uint(e->value, UINT64_MAX / 2, &n))
      return io_cfg_fail(c, s, e, NULL, "expected an integer >= 0 (got '%s')",
                         io_cfg_shorten(e->value, g, sizeof g));
    if (!pr->multapses)
      return io_cfg_fail(c, s, io_cfg_get(s, "allow_multapses"), NULL,
                         "expected allow_multapses = true: rule %s draws each synapse "
                         "independently (multapses allowed); without multapses is "
                         "not supported", rule->name);
    if (n > 0 && !pr->autapses && pr->src == pr->tgt && src->n < 2)
      return io_cfg_fail(c, s, e, NULL,
                         "expected allow_autapses = true: population %s has one "
                         "neuron and autapses are off, so no partner is allowed "
                         "(got '%s')", src->name, io_cfg_shorten(e->value, g, sizeof g));
    pr->total = n;
  } else if (rule->param == NET_RULE_PROB) {
    if (!(e = io_cfg_get(s, rule->param_key)))
      return io_cfg_fail(c, s, NULL, rule->param_key,
                         "required by rule %s: expected a probability in [0, 1]",
                         rule->name);
    if (sim_parse_double(e->value, 0, &pr->p) || !(pr->p >= 0 && pr->p <= 1))
      return io_cfg_fail(c, s, e, NULL, "expected a probability in [0, 1] (got '%s')",
                         io_cfg_shorten(e->value, g, sizeof g));
  }

  if (!(e = io_cfg_get(s, "weight")))
    return io_cfg_fail(c, s, NULL, "weight",
                       "required: expected " DIST_HINT " (mV for iaf_psc_delta, "
                       "pA for iaf_psc_exp)");
  if (io_cfg_parse_dist(e->value, &pr->weight))
    return io_cfg_fail(c, s, e, NULL, "expected " DIST_HINT " (got '%s')",
                       io_cfg_shorten(e->value, g, sizeof g));

  /* Delays: every drawn value must be >= one tick.  A normal distribution
     must therefore give its min, >= resolution: clipping at the resolution
     silently would pile mass on one tick. */
  if (!(e = io_cfg_get(s, "delay")))
    return io_cfg_fail(c, s, NULL, "delay",
                       "required: expected a delay in ms >= resolution %g ms, or a "
                       "distribution of them", c->res_ms);
  net_dist *dl = &pr->delay_ms;
  double min_ok = c->res_ms * (1 - 1e-9);
  if (io_cfg_parse_dist(e->value, dl))
    return io_cfg_fail(c, s, e, NULL,
                       "expected a delay in ms >= resolution %g ms: " DIST_HINT
                       " (got '%s')", c->res_ms, io_cfg_shorten(e->value, g, sizeof g));
  if (dl->kind == NET_DIST_CONST && !(dl->a >= min_ok))
    return io_cfg_fail(c, s, e, NULL,
                       "expected a delay in ms >= resolution %g ms (got '%s')",
                       c->res_ms, io_cfg_shorten(e->value, g, sizeof g));
  if (dl->kind == NET_DIST_UNIFORM && !(dl->a >= min_ok))
    return io_cfg_fail(c, s, e, NULL,
                       "expected uniform(a, b) with a >= resolution %g ms (got '%s')",
                       c->res_ms, io_cfg_shorten(e->value, g, sizeof g));
  /* A redrawn normal may start at half a tick (NEST's example uses
     min = resolution - 0.5 resolution): values in [0.5, 1.5) ticks round
     to one tick, so no mass piles up beyond what rounding gives. */
  if (dl->kind == NET_DIST_NORMAL && dl->redraw && !(dl->lo >= 0.5 * min_ok))
    return io_cfg_fail(c, s, e, NULL,
                       "expected redraw(normal(mean, std), min, max) with min >= "
                       "half the resolution, %g ms (got '%s')",
                       0.5 * c->res_ms, io_cfg_shorten(e->value, g, sizeof g));
  if (dl->kind == NET_DIST_NORMAL && !dl->redraw && !(dl->lo >= min_ok))
    return io_cfg_fail(c, s, e, NULL,
                       "expected normal(mean, std, min, max) with min >= resolution "
                       "%g ms: the min bound is required for delays (got '%s')",
                       c->res_ms, io_cfg_shorten(e->value, g, sizeof g));
  /* The largest delay the distribution can give, in ticks, is checked here
     (a config error) rather than when drawn (the builder's check per draw
     stays as a guard). */
  double hi = dl->kind == NET_DIST_CONST     ? dl->a
              : dl->kind == NET_DIST_UNIFORM ? fmax(dl->a, dl->b)
              : isfinite(dl->hi)             ? dl->hi
                                             : 0;
  if (!(nearbyint(hi / c->res_ms) <= NET_MAX_DELAY_TICKS))
    return io_cfg_fail(c, s, e, NULL,
                       "expected a delay of at most %d ticks (%g ms at resolution "
                       "%g ms; delays are 16-bit tick counts) (got '%s')",
                       NET_MAX_DELAY_TICKS, NET_MAX_DELAY_TICKS * c->res_ms, c->res_ms,
                       io_cfg_shorten(e->value, g, sizeof g));
  return 0;
}
