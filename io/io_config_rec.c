/*
 * io_config_rec.c: [record NAME] sections into net_rec_desc (pass 3 of
 * the config reader, io_config_int.h): spike recorders and multimeters,
 * their neurons, variables and sampling interval.
 */
#include "io_config_int.h"

#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_names.h"

static const char *const rec_keys[] = {"population", "kind", "neurons",
                                       "variables", "interval", NULL};

int io_cfg_build_record(cfg *c, cfg_section *s, net_rec_desc *r, const net_desc *d)
{
  char g[96], allowed[512];
  cfg_entry *e = io_cfg_first_unknown(s, rec_keys);
  r->name = sim_strdup(s->name, "record name");
  r->line = s->line;
  if (e)
    return io_cfg_fail_unknown(c, s, e, "population, kind, neurons, variables, interval");

  if (!(e = io_cfg_get(s, "population")))
    return io_cfg_fail(c, s, NULL, "population", "required: expected a population name");
  if (io_cfg_resolve_pop(c, s, e, d, &r->pop))
    return SIM_ECONFIG;
  const net_pop_desc *p = &d->pops[r->pop];
  cfg_entry *pe = e;

  if (!(e = io_cfg_get(s, "kind")))
    return io_cfg_fail(c, s, NULL, "kind", "required: expected spike_recorder or multimeter");
  if (strcmp(e->value, "spike_recorder") == 0)
    r->kind = NET_REC_SPIKES;
  else if (strcmp(e->value, "multimeter") == 0)
    r->kind = NET_REC_STATE;
  else
    return io_cfg_fail(c, s, e, NULL, "expected spike_recorder or multimeter (got '%s')",
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
