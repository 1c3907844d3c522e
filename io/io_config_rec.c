/*
 * io_config_rec.c: [record NAME] sections into net_rec_desc (pass 3 of
 * the config reader, io_config_int.h): spike recorders and multimeters,
 * their neurons, variables and sampling interval; weights, devices and
 * energy records, their projection, interval and sample.
 */
#include "io_config_int.h"

#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_names.h"
#include "../synapses/syn_spec.h"

static const char *const rec_keys[] = {"population", "kind", "neurons", "variables",
                                       "interval", "projection", "sample", NULL};

#define KINDS "spike_recorder, multimeter, weights, devices or energy"

/* Projection named by entry e, or an error. */
static int resolve_proj(cfg *c, cfg_section *s, cfg_entry *e, const net_desc *d,
                        uint32_t *out)
{
  char g[96], names[512] = "";
  for (uint32_t k = 0; k < d->nprojs; k++)
    if (strcmp(d->projs[k].name, e->value) == 0) {
      *out = k;
      return 0;
    }
  for (uint32_t k = 0; k < d->nprojs; k++) {
    if (names[0])
      strncat(names, ", ", sizeof names - strlen(names) - 1);
    strncat(names, d->projs[k].name, sizeof names - strlen(names) - 1);
  }
  const cfg_section *other = io_cfg_find_section(c, e->value);
  if (other)
    return io_cfg_fail(c, s, e, NULL,
                       "'%s' is %s (line %d), not a projection: expected one of %s",
                       e->value, other->label, other->line,
                       names[0] ? names : "(none defined)");
  return io_cfg_fail(c, s, e, NULL,
                     "undefined projection: expected one of the [projection NAME] "
                     "sections: %s (got '%s')",
                     names[0] ? names : "(none defined)", io_cfg_shorten(e->value, g, sizeof g));
}

/* A weights, devices or energy record (kind already read). */
static int build_proj_record(cfg *c, cfg_section *s, net_rec_desc *r, const net_desc *d)
{
  char g[96];
  const char *kn = r->kind == NET_REC_WEIGHTS ? "weights"
                   : r->kind == NET_REC_DEVICES ? "devices"
                                                : "energy";
  static const char *const foreign[] = {"population", "neurons", "variables", NULL};
  for (int i = 0; foreign[i]; i++) {
    cfg_entry *e = io_cfg_get(s, foreign[i]);
    if (e)
      return io_cfg_fail(c, s, e, NULL,
                         "only for kind = spike_recorder or multimeter: a %s record "
                         "takes %s (got '%s')", kn,
                         r->kind == NET_REC_WEIGHTS   ? "kind, projection, interval, sample"
                         : r->kind == NET_REC_DEVICES ? "kind, projection"
                                                      : "kind, interval",
                         io_cfg_shorten(e->value, g, sizeof g));
  }
  r->first = r->count = 0;
  r->sample = 1.0;
  r->interval_ms = 0;
  cfg_entry *ep = io_cfg_get(s, "projection"), *ei = io_cfg_get(s, "interval"),
            *es = io_cfg_get(s, "sample");
  if (r->kind == NET_REC_ENERGY) {
    if (ep || es)
      return io_cfg_fail(c, s, ep ? ep : es, NULL,
                         "not for kind = energy (it counts every projection and "
                         "population): expected kind, interval (got '%s')",
                         io_cfg_shorten((ep ? ep : es)->value, g, sizeof g));
    /* One stream of deltas per log: a second would count everything twice. */
    for (uint32_t k = 0; k + 1 < d->nrecs; k++)
      if (d->recs[k].kind == NET_REC_ENERGY)
        return io_cfg_fail(c, s, NULL, "kind",
                           "a second energy record: expected at most one (the first is "
                           "[record %s], line %d)", d->recs[k].name, d->recs[k].line);
    r->pop = 0;
    if (ei && (sim_parse_double(ei->value, 0, &r->interval_ms) || !(r->interval_ms >= 0) ||
               (r->interval_ms > 0 && !io_cfg_whole_ticks(r->interval_ms, c->res_ms))))
      return io_cfg_fail(c, s, ei, NULL,
                         "expected an aggregation interval in ms >= 0 (0: every "
                         "window), a whole multiple of the resolution %g ms (got '%s')",
                         c->res_ms, io_cfg_shorten(ei->value, g, sizeof g));
    return 0;
  }
  if (!ep)
    return io_cfg_fail(c, s, NULL, "projection",
                       "required for kind = %s: expected a projection name", kn);
  if (resolve_proj(c, s, ep, d, &r->proj))
    return SIM_ECONFIG;
  const net_proj_desc *pd = &d->projs[r->proj];
  r->pop = pd->tgt;
  if (r->kind == NET_REC_DEVICES) {
    if (ei || es)
      return io_cfg_fail(c, s, ei ? ei : es, NULL,
                         "not for kind = devices (every write is recorded): expected "
                         "kind, projection (got '%s')",
                         io_cfg_shorten((ei ? ei : es)->value, g, sizeof g));
    if (!pd->spec || pd->spec->kind != SYN_DEVICE || !pd->spec->plastic)
      return io_cfg_fail(c, s, ep, NULL,
                         "expected a projection of plastic device synapses (a device "
                         "preset with plasticity = stdp): %s has %s synapses, which "
                         "write no device (got '%s')",
                         pd->name, pd->synapse ? pd->synapse : "static_synapse", ep->value);
    return 0;
  }
  if (!ei)
    return io_cfg_fail(c, s, NULL, "interval",
                       "required for kind = weights: expected a snapshot interval in ms "
                       "> 0, a whole multiple of the resolution %g ms", c->res_ms);
  if (sim_parse_double(ei->value, 0, &r->interval_ms) || !(r->interval_ms > 0) ||
      !io_cfg_whole_ticks(r->interval_ms, c->res_ms))
    return io_cfg_fail(c, s, ei, NULL,
                       "expected a snapshot interval in ms > 0, a whole multiple of "
                       "the resolution %g ms (got '%s')",
                       c->res_ms, io_cfg_shorten(ei->value, g, sizeof g));
  if (es && (sim_parse_double(es->value, 0, &r->sample) || !(r->sample > 0) ||
             !(r->sample <= 1)))
    return io_cfg_fail(c, s, es, NULL,
                       "expected a fraction of the synapses in (0, 1] (1: all) (got '%s')",
                       io_cfg_shorten(es->value, g, sizeof g));
  return 0;
}

int io_cfg_build_record(cfg *c, cfg_section *s, net_rec_desc *r, const net_desc *d)
{
  char g[96], allowed[512];
  cfg_entry *e = io_cfg_first_unknown(s, rec_keys);
  r->name = sim_strdup(s->name, "record name");
  r->line = s->line;
  if (e)
    return io_cfg_fail_unknown(c, s, e,
                               "population, kind, neurons, variables, interval, "
                               "projection, sample");
  if ((e = io_cfg_get(s, "kind"))) {
    const char *const kinds[] = {"weights", "devices", "energy"};
    const net_rec_kind kv[] = {NET_REC_WEIGHTS, NET_REC_DEVICES, NET_REC_ENERGY};
    for (int i = 0; i < 3; i++)
      if (strcmp(e->value, kinds[i]) == 0) {
        r->kind = kv[i];
        return build_proj_record(c, s, r, d);
      }
  }
  if ((e = io_cfg_get(s, "projection")) || (e = io_cfg_get(s, "sample")))
    return io_cfg_fail(c, s, e, NULL,
                       "only for kind = weights, devices or energy: expected population, "
                       "kind, neurons, variables, interval (got '%s')",
                       io_cfg_shorten(e->value, g, sizeof g));

  if (!(e = io_cfg_get(s, "population")))
    return io_cfg_fail(c, s, NULL, "population", "required: expected a population name");
  if (io_cfg_resolve_pop(c, s, e, d, &r->pop))
    return SIM_ECONFIG;
  const net_pop_desc *p = &d->pops[r->pop];
  cfg_entry *pe = e;

  if (!(e = io_cfg_get(s, "kind")))
    return io_cfg_fail(c, s, NULL, "kind", "required: expected " KINDS);
  if (strcmp(e->value, "spike_recorder") == 0)
    r->kind = NET_REC_SPIKES;
  else if (strcmp(e->value, "multimeter") == 0)
    r->kind = NET_REC_STATE;
  else
    return io_cfg_fail(c, s, e, NULL, "expected " KINDS " (got '%s')",
                       io_cfg_shorten(e->value, g, sizeof g));
  if (!net_pop_travels(p))
    return io_cfg_fail(c, s, pe, NULL,
                       "expected a neuron population or a spike_generator: %s is a "
                       "%s, which draws an independent train per "
                       "target and has no spikes of its own (got '%s')",
                       p->name, net_pop_model_name(p), pe->value);
  if (r->kind == NET_REC_STATE && !p->model)
    return io_cfg_fail(c, s, pe, NULL,
                       "expected a neuron population for a multimeter: %s is a %s "
                       "(got '%s')", p->name, io_cfg_pop_kind_name(p), pe->value);

  r->first = 0;
  r->count = p->n;
  if ((e = io_cfg_get(s, "neurons")) && strcmp(e->value, "all") != 0) {
    const char *colon = strchr(e->value, ':');
    uint64_t a = 0, b = 0;
    int bad;
    if (colon) {
      char *sa = io_cfg_trimmed_copy(e->value, colon, "neuron range");
      char *sb = io_cfg_trimmed_copy(colon + 1, colon + strlen(colon), "neuron range");
      bad = sim_parse_uint(sa, p->n, &a) || sim_parse_uint(sb, p->n, &b) || !(a < b);
      sim_free(sa);
      sim_free(sb);
    } else
      bad = sim_parse_uint(e->value, p->n, &b) || b < 1;
    if (bad)
      return io_cfg_fail(c, s, e, NULL,
                         "expected all, a:b with 0 <= a < b <= %u (local indices, "
                         "b excluded), or N in 1..%u (the first N) (got '%s')",
                         p->n, p->n, io_cfg_shorten(e->value, g, sizeof g));
    r->first = (uint32_t)a;
    r->count = (uint32_t)(b - a);
  }

  cfg_entry *ev = io_cfg_get(s, "variables"), *ei = io_cfg_get(s, "interval");
  if (r->kind == NET_REC_SPIKES) {
    if (ev || ei)
      return io_cfg_fail(c, s, ev ? ev : ei, NULL,
                         "only for kind = multimeter: expected population, kind, "
                         "neurons (got '%s')", (ev ? ev : ei)->value);
    return 0;
  }

  const nrn_model_ops *m = p->model;
  io_cfg_join_names(allowed, sizeof allowed, m->var_names, NULL, NULL);
  if (!ev)
    return io_cfg_fail(c, s, NULL, "variables",
                       "required for a multimeter: expected a comma-separated list "
                       "of %s", allowed);
  for (const char *q = ev->value;;) {
    const char *comma = strchr(q, ',');
    char *item = io_cfg_trimmed_copy(q, comma ? comma : q + strlen(q), "variable name");
    int v = sim_name_index(m->var_names, item);
    int dup = 0;
    for (uint32_t k = 0; v >= 0 && k < r->nvars; k++)
      dup |= r->vars[k] == v;
    int rc = 0;
    if (v < 0)
      rc = io_cfg_fail(c, s, ev, NULL,
                       "unknown variable '%s' of %s: expected a comma-separated "
                       "list of %s (got '%s')", item, m->name, allowed,
                       io_cfg_shorten(ev->value, g, sizeof g));
    else if (dup || r->nvars == IO_CONFIG_MAX_VARS)
      rc = io_cfg_fail(c, s, ev, NULL,
                       "variable '%s' %s: expected at most %d distinct names of %s "
                       "(got '%s')", item, dup ? "repeated" : "is one too many",
                       IO_CONFIG_MAX_VARS, allowed, io_cfg_shorten(ev->value, g, sizeof g));
    sim_free(item);
    if (rc)
      return rc;
    r->vars[r->nvars++] = v;
    if (!comma)
      break;
    q = comma + 1;
  }

  /* NEST's multimeter default interval is 1 ms. */
  r->interval_ms = 1.0;
  if (ei && (sim_parse_double(ei->value, 0, &r->interval_ms) ||
             !(r->interval_ms >= c->res_ms * (1 - 1e-9))))
    return io_cfg_fail(c, s, ei, NULL,
                       "expected a sampling interval in ms >= resolution %g ms "
                       "(got '%s')", c->res_ms, io_cfg_shorten(ei->value, g, sizeof g));
  if (!io_cfg_whole_ticks(r->interval_ms, c->res_ms))
    return io_cfg_fail(c, s, ei, "interval",
                       "expected a whole multiple of the resolution %g ms (got '%s'%s)",
                       c->res_ms, ei ? io_cfg_shorten(ei->value, g, sizeof g) : "1",
                       ei ? "" : ", the default");
  return 0;
}
