/*
 * io_config_pop.c: [simulation] and [population NAME] sections into
 * net_sim_desc and net_pop_desc (pass 3 of the config reader,
 * io_config_int.h): neuron model parameters and initial values, Poisson
 * and spike generators; and the lookup of a population by name for the
 * sections that refer to one.
 */
#include "io_config_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"
#include "../core/sim_names.h"

static const char *const sim_keys[] = {"duration", "resolution", "seed",
                                       "output", "partition", NULL};

int io_cfg_build_simulation(cfg *c, cfg_section *s, net_sim_desc *sim)
{
  char g[96];
  const cfg_entry *e = io_cfg_first_unknown(s, sim_keys), *dur;
  if (e)
    return io_cfg_fail_unknown(c, s, e, "duration, resolution, seed, output, partition");

  dur = e = io_cfg_get(s, "duration");
  if (!e)
    return io_cfg_fail(c, s, NULL, "duration",
                       "required: expected the simulated time in ms (> 0)");
  if (sim_parse_double(e->value, 0, &sim->duration_ms) || !(sim->duration_ms > 0))
    return io_cfg_fail(c, s, e, NULL, "expected a number of ms > 0 (got '%s')",
                       io_cfg_shorten(e->value, g, sizeof g));

  sim->resolution_ms = 0.1;
  if ((e = io_cfg_get(s, "resolution")) &&
      (sim_parse_double(e->value, 0, &sim->resolution_ms) || !(sim->resolution_ms > 0)))
    return io_cfg_fail(c, s, e, NULL,
                       "expected a tick length in ms > 0, default 0.1 (got '%s')",
                       io_cfg_shorten(e->value, g, sizeof g));
  if (!io_cfg_whole_ticks(sim->duration_ms, sim->resolution_ms))
    return io_cfg_fail(c, s, dur, NULL,
                       "expected a whole number of ticks of resolution %g ms "
                       "(duration / resolution = %.12g) (got '%s')",
                       sim->resolution_ms, sim->duration_ms / sim->resolution_ms,
                       io_cfg_shorten(dur->value, g, sizeof g));
  c->res_ms = sim->resolution_ms;

  uint64_t seed = 1;
  if ((e = io_cfg_get(s, "seed")) && sim_parse_uint(e->value, UINT64_MAX, &seed))
    return io_cfg_fail(c, s, e, NULL,
                       "expected an unsigned 64-bit decimal integer (got '%s')",
                       io_cfg_shorten(e->value, g, sizeof g));
  sim->seed = seed;

  e = io_cfg_get(s, "output");
  if (e && !*e->value)
    return io_cfg_fail(c, s, e, NULL, "expected an output directory path, default 'out' (got '')");
  sim->out_dir = sim_strdup(e ? e->value : "out", "output directory");

  sim->partition = NET_PART_ROUND_ROBIN;
  if ((e = io_cfg_get(s, "partition"))) {
    if (strcmp(e->value, "block") == 0)
      sim->partition = NET_PART_BLOCK;
    else if (strcmp(e->value, "round_robin") != 0)
      return io_cfg_fail(c, s, e, NULL, "expected round_robin or block (got '%s')",
                         io_cfg_shorten(e->value, g, sizeof g));
  }
  return 0;
}

/* ---------------------------------------------------------- populations */

static const char *const poisson_keys[] = {"model", "n", "rate", "start", "stop", NULL};
static const char *const spikegen_keys[] = {"model", "n", "spike_times", NULL};
static const char *const pop_base_keys[] = {"model", "n", NULL};

static int build_poisson(cfg *c, cfg_section *s, net_pop_desc *p)
{
  char g[96];
  cfg_entry *e = io_cfg_first_unknown(s, poisson_keys);
  if (e)
    return io_cfg_fail_unknown(c, s, e, "model, n, rate, start, stop");
  if (!(e = io_cfg_get(s, "rate")))
    return io_cfg_fail(c, s, NULL, "rate",
                       "required: expected the rate per target in Hz (>= 0)");
  if (sim_parse_double(e->value, 0, &p->rate_hz) || !(p->rate_hz >= 0))
    return io_cfg_fail(c, s, e, NULL, "expected a rate in Hz >= 0 (got '%s')",
                       io_cfg_shorten(e->value, g, sizeof g));
  p->start_ms = 0;
  if ((e = io_cfg_get(s, "start")) && (sim_parse_double(e->value, 0, &p->start_ms) ||
                                       !(p->start_ms >= 0)))
    return io_cfg_fail(c, s, e, NULL, "expected a time in ms >= 0, default 0 (got '%s')",
                       io_cfg_shorten(e->value, g, sizeof g));
  p->stop_ms = INFINITY;
  if ((e = io_cfg_get(s, "stop")) && (sim_parse_double(e->value, 1, &p->stop_ms) ||
                                      !(p->stop_ms > p->start_ms)))
    return io_cfg_fail(c, s, e, NULL,
                       "expected a time in ms > start (%g ms) or inf, default inf "
                       "(got '%s')", p->start_ms, io_cfg_shorten(e->value, g, sizeof g));
  return 0;
}

static int build_spike_generator(cfg *c, cfg_section *s, net_pop_desc *p)
{
  char g[96];
  cfg_entry *e = io_cfg_first_unknown(s, spikegen_keys);
  if (e)
    return io_cfg_fail_unknown(c, s, e, "model, n, spike_times");
  if (!(e = io_cfg_get(s, "spike_times")))
    return io_cfg_fail(c, s, NULL, "spike_times",
                       "required: expected a comma-separated list of times in ms, "
                       "ascending, each >= resolution %g ms", c->res_ms);
  size_t cap = 1;
  for (const char *q = e->value; *q; q++)
    cap += *q == ',';
  p->spike_times_ms = sim_calloc(cap, sizeof *p->spike_times_ms, "spike times");
  const char *q = e->value;
  for (uint32_t k = 0;; k++) {
    const char *comma = strchr(q, ',');
    const char *end = comma ? comma : q + strlen(q);
    char *item = io_cfg_trimmed_copy(q, end, "spike time");
    double t;
    int bad = sim_parse_double(item, 0, &t);
    const char *why = bad ? "not a number"
                      : t < c->res_ms * (1 - 1e-9) ? "below the resolution"
                      : k && t < p->spike_times_ms[k - 1] ? "smaller than the one before"
                      : NULL;
    if (why) {
      int rc = io_cfg_fail(c, s, e, NULL,
                           "time %u ('%s') is %s: expected a comma-separated list "
                           "of times in ms, ascending, each >= resolution %g ms "
                           "(got '%s')", k + 1, item, why, c->res_ms,
                           io_cfg_shorten(e->value, g, sizeof g));
      sim_free(item);
      return rc;
    }
    sim_free(item);
    p->spike_times_ms[k] = t;
    p->nspike_times = k + 1;
    if (!comma)
      return 0;
    q = comma + 1;
  }
}

static int build_neurons(cfg *c, cfg_section *s, net_pop_desc *p)
{
  char g[96], allowed[1024], why[800];
  const nrn_model_ops *m = p->model;
  p->param = sim_calloc(1, m->param_size + 1, "population parameters");
  if (m->param_default)
    m->param_default(p->param);
  p->init = sim_calloc(s->n, sizeof *p->init, "initial state values");
  io_cfg_join_names(allowed, sizeof allowed, pop_base_keys, m->param_names, m->var_names);
  for (size_t i = 0; i < s->n; i++) {
    cfg_entry *e = &s->e[i];
    if (sim_name_index(pop_base_keys, e->key) >= 0)
      continue;
    int var = sim_name_index(m->var_names, e->key);
    if (var >= 0) {
      net_init *in = &p->init[p->ninit];
      in->var = var;
      if (io_cfg_parse_dist(e->value, &in->dist))
        return io_cfg_fail(c, s, e, NULL,
                           "expected an initial value of %s: " DIST_HINT " (got '%s')",
                           e->key, io_cfg_shorten(e->value, g, sizeof g));
      p->ninit++;
      continue;
    }
    if (sim_name_index(m->param_names, e->key) < 0)
      return io_cfg_fail_unknown(c, s, e, allowed);
    double v;
    int b;
    if (sim_parse_bool(e->value, &b) == 0)
      v = b;
    else if (sim_parse_double(e->value, 0, &v))
      return io_cfg_fail(c, s, e, NULL,
                         "expected a number (or true/false) for parameter %s of "
                         "%s (got '%s')", e->key, m->name,
                         io_cfg_shorten(e->value, g, sizeof g));
    int rc = m->param_set ? m->param_set(p->param, e->key, v) : SIM_EINVAL;
    if (rc == SIM_EINVAL)
      return io_cfg_fail_unknown(c, s, e, allowed);
    if (rc) {
      snprintf(why, sizeof why, "%s", sim_error_msg());
      return io_cfg_fail(c, s, e, NULL, "%s (got '%s')", why,
                         io_cfg_shorten(e->value, g, sizeof g));
    }
  }
  if (m->param_finalize && m->param_finalize(p->param, c->res_ms)) {
    snprintf(why, sizeof why, "%s", sim_error_msg());
    return io_cfg_fail(c, s, NULL, NULL, "parameters of %s: %s", m->name, why);
  }
  return 0;
}

int io_cfg_build_population(cfg *c, cfg_section *s, net_pop_desc *p, sim_gid *total)
{
  char g[96];
  cfg_entry *e = io_cfg_get(s, "model");
  p->name = sim_strdup(s->name, "population name");
  p->line = s->line;
  if (!e)
    return io_cfg_fail(c, s, NULL, "model",
                       "required: expected one of %s, poisson_generator, spike_generator",
                       nrn_model_names());
  if (strcmp(e->value, "poisson_generator") == 0)
    p->kind = NET_POISSON;
  else if (strcmp(e->value, "spike_generator") == 0)
    p->kind = NET_SPIKE_GENERATOR;
  else if ((p->model = nrn_model_find(e->value)))
    p->kind = NET_NEURONS;
  else
    return io_cfg_fail(c, s, e, NULL,
                       "unknown model: expected one of %s, poisson_generator, "
                       "spike_generator (got '%s')",
                       nrn_model_names(), io_cfg_shorten(e->value, g, sizeof g));

  uint64_t n = 1;
  if (!(e = io_cfg_get(s, "n")) && p->kind == NET_NEURONS)
    return io_cfg_fail(c, s, NULL, "n", "required: expected the number of neurons, "
                                     "an integer >= 1");
  if (e && (sim_parse_uint(e->value, UINT32_MAX, &n) || n < 1))
    return io_cfg_fail(c, s, e, NULL, "expected an integer >= 1 (got '%s')",
                       io_cfg_shorten(e->value, g, sizeof g));
  if (n > (uint64_t)UINT32_MAX - *total)
    return io_cfg_fail(c, s, e, "n",
                       "expected the neurons of all populations to number at most "
                       "%u (32-bit gids) (got '%s' after %u)", (unsigned)UINT32_MAX,
                       e ? io_cfg_shorten(e->value, g, sizeof g) : "1", (unsigned)*total);
  p->n = (uint32_t)n;
  p->first_gid = *total;
  *total += p->n;

  switch (p->kind) {
  case NET_POISSON:
    return build_poisson(c, s, p);
  case NET_SPIKE_GENERATOR:
    return build_spike_generator(c, s, p);
  case NET_NEURONS:
  default:
    return build_neurons(c, s, p);
  }
}

int io_cfg_resolve_pop(cfg *c, cfg_section *s, cfg_entry *e, const net_desc *d,
                       uint32_t *out)
{
  char g[96], names[512] = "";
  int i = net_desc_find_pop(d, e->value);
  if (i >= 0) {
    *out = (uint32_t)i;
    return 0;
  }
  for (uint32_t k = 0; k < d->npops; k++) {
    if (names[0])
      strncat(names, ", ", sizeof names - strlen(names) - 1);
    strncat(names, d->pops[k].name, sizeof names - strlen(names) - 1);
  }
  const cfg_section *other = io_cfg_find_section(c, e->value);
  if (other)
    return io_cfg_fail(c, s, e, NULL,
                       "'%s' is %s (line %d), not a population: expected one of %s",
                       e->value, other->label, other->line, names);
  return io_cfg_fail(c, s, e, NULL,
                     "undefined population: expected one of the [population NAME] "
                     "sections: %s (got '%s')",
                     names[0] ? names : "(none defined)", io_cfg_shorten(e->value, g, sizeof g));
}

const char *io_cfg_pop_kind_name(const net_pop_desc *p)
{
  return p->kind == NET_POISSON           ? "poisson_generator"
         : p->kind == NET_SPIKE_GENERATOR ? "spike_generator"
                                          : p->model->name;
}
