/*
 * io_config_pop.c: [simulation] and [population NAME] sections into
 * net_sim_desc and net_pop_desc (pass 3 of the config reader,
 * io_config_int.h): neuron model parameters and initial values, sources
 * (Poisson and spike generators from neurons/, log_source from io/,
 * io_source.h); and the lookup of a population by name for the sections
 * that refer to one.
 */
#include "io_config_int.h"
#include "../neurons/nrn_source.h"
#include "io_source.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"
#include "../core/sim_names.h"

static const char *const sim_keys[] = {"duration",  "resolution", "seed",     "output",
                                       "partition", "max_memory", "delivery", NULL};

/* "4G", "512 MiB", "1.5e9": bytes, with an optional binary suffix (K, M, G,
   T: powers of 1024, optionally followed by B or iB). */
static int parse_bytes(const char *v, double *out)
{
  char *end;
  double x = strtod(v, &end);
  if (end == v || !(x > 0) || !isfinite(x))
    return -1;
  while (*end == ' ')
    end++;
  static const char units[] = "KMGT";
  const char *u = *end ? strchr(units, toupper((unsigned char)*end)) : NULL;
  if (u) {
    x *= pow(1024, (double)(u - units + 1));
    end++;
    if (*end == 'i')
      end++;
    if (*end == 'B')
      end++;
  } else if (*end == 'B') {
    end++;
  }
  if (*end)
    return -1;
  *out = x;
  return 0;
}

int io_cfg_build_simulation(cfg *c, cfg_section *s, net_sim_desc *sim)
{
  char g[96];
  const cfg_entry *e = io_cfg_first_unknown(s, sim_keys), *dur;
  if (e)
    return io_cfg_fail_unknown(c, s, e,
                               "duration, resolution, seed, output, partition, max_memory, "
                               "delivery");

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

  sim->max_memory_bytes = 0;
  if ((e = io_cfg_get(s, "max_memory")) && parse_bytes(e->value, &sim->max_memory_bytes))
    return io_cfg_fail(c, s, e, NULL,
                       "expected a memory size per rank > 0: bytes, or a number with K, "
                       "M, G or T (powers of 1024), e.g. 4G (got '%s')",
                       io_cfg_shorten(e->value, g, sizeof g));

  sim->partition = NET_PART_ROUND_ROBIN;
  if ((e = io_cfg_get(s, "partition"))) {
    if (strcmp(e->value, "block") == 0)
      sim->partition = NET_PART_BLOCK;
    else if (strcmp(e->value, "round_robin") != 0)
      return io_cfg_fail(c, s, e, NULL, "expected round_robin or block (got '%s')",
                         io_cfg_shorten(e->value, g, sizeof g));
  }

  sim->delivery = NET_DELIVERY_AUTO;
  if ((e = io_cfg_get(s, "delivery"))) {
    if (strcmp(e->value, "direct") == 0)
      sim->delivery = NET_DELIVERY_DIRECT;
    else if (strcmp(e->value, "deferred") == 0)
      sim->delivery = NET_DELIVERY_DEFERRED;
    else if (strcmp(e->value, "auto") != 0)
      return io_cfg_fail(c, s, e, NULL, "expected auto, direct or deferred, default auto "
                         "(got '%s')", io_cfg_shorten(e->value, g, sizeof g));
  }
  return 0;
}

/* ---------------------------------------------------------- populations */

static const char *const pop_base_keys[] = {"model", "n", NULL};

/* A source's keys go to its own parser (core/sim_source.h), which says
   what is wrong; the place and the value are named here. */
static int build_source(cfg *c, cfg_section *s, net_pop_desc *p)
{
  char g[96], allowed[512], why[700];
  const sim_source_ops *so = p->source;
  io_cfg_join_names(allowed, sizeof allowed, pop_base_keys, so->param_names, NULL);
  for (size_t i = 0; i < s->n; i++)
    if (sim_name_index(pop_base_keys, s->e[i].key) < 0 &&
        sim_name_index(so->param_names, s->e[i].key) < 0)
      return io_cfg_fail_unknown(c, s, &s->e[i], allowed);
  sim_kv *kv = sim_calloc(s->n + 1, sizeof *kv, "source keys");
  cfg_entry **at = sim_calloc(s->n + 1, sizeof *at, "source keys");
  uint32_t nkv = 0;
  for (size_t i = 0; i < s->n; i++)
    if (sim_name_index(so->param_names, s->e[i].key) >= 0) {
      kv[nkv] = (sim_kv){s->e[i].key, s->e[i].value, s->e[i].line};
      at[nkv++] = &s->e[i];
    }
  p->param = sim_calloc(1, so->param_size + 1, "source parameters");
  uint32_t bad = 0;
  const char *missing = NULL;
  int rc = so->param_parse(p->param, kv, nkv, c->res_ms, &bad, &missing);
  if (rc) {
    snprintf(why, sizeof why, "%s", sim_error_msg());
    if (bad < nkv)
      rc = io_cfg_fail(c, s, at[bad], NULL, "%s (got '%s')", why,
                       io_cfg_shorten(at[bad]->value, g, sizeof g));
    else
      rc = io_cfg_fail(c, s, NULL, missing ? missing : "model", "%s", why);
  }
  sim_free(kv);
  sim_free(at);
  return rc;
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
    return io_cfg_fail(c, s, NULL, "model", "required: expected one of %s, %s, %s",
                       nrn_model_names(), nrn_source_names(), io_source_names());
  /* neurons/ knows the sources that need no file; io/ those that read one
     (io_source.h). */
  if (!(p->source = nrn_source_find(e->value)) && !(p->source = io_source_find(e->value)) &&
      !(p->model = nrn_model_find(e->value)))
    return io_cfg_fail(c, s, e, NULL, "unknown model: expected one of %s, %s, %s (got '%s')",
                       nrn_model_names(), nrn_source_names(), io_source_names(),
                       io_cfg_shorten(e->value, g, sizeof g));

  uint64_t n = 1;
  if (!(e = io_cfg_get(s, "n")) && p->model)
    return io_cfg_fail(c, s, NULL, "n", "required: expected the number of neurons, "
                                     "an integer >= 1");
  if (e && (sim_parse_uint(e->value, UINT32_MAX, &n) || n < 1))
    return io_cfg_fail(c, s, e, NULL, "expected an integer >= 1 (got '%s')",
                       io_cfg_shorten(e->value, g, sizeof g));
  if (p->source) {
    int rc = build_source(c, s, p);
    if (rc)
      return rc;
    /* A source whose parameters fix its size (log_source) gives n. */
    char why[300] = "";
    uint32_t fixed = p->source->size ? p->source->size(p->param, why, sizeof why) : 0;
    if (fixed && !e)
      n = fixed;
    else if (fixed && n != fixed)
      return io_cfg_fail(c, s, e, NULL, "expected %u, the size of %s (got '%s')",
                         (unsigned)fixed, why, io_cfg_shorten(e->value, g, sizeof g));
  }
  if (n > (uint64_t)UINT32_MAX - *total)
    return io_cfg_fail(c, s, e, "n",
                       "expected the neurons of all populations to number at most "
                       "%u (32-bit gids) (got '%s' after %u)", (unsigned)UINT32_MAX,
                       e ? io_cfg_shorten(e->value, g, sizeof g) : "1", (unsigned)*total);
  p->n = (uint32_t)n;
  p->first_gid = *total;
  *total += p->n;

  return p->source ? 0 : build_neurons(c, s, p);
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

const char *io_cfg_pop_kind_name(const net_pop_desc *p) { return net_pop_model_name(p); }
