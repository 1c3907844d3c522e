/*
 * ms_sim.c: a simulation of the C API (include/memspike.h): its
 * description as config sections held in memory, validated by the config
 * reader itself (io_config_build) after every addition, the build at the
 * first run, runs in steps on one engine (sim_engine_open / advance),
 * reset by rebuilding, and the error functions.
 *
 * Why sections and not a second description format: a population added
 * here is the [population NAME] section a config would hold, so the
 * models, keys, values, defaults and messages are the config's by
 * construction, and a network built here and the same network written as
 * a file are one net_desc.
 *
 * Why one engine built with a horizon rather than a rebuild per run: the
 * engine queues nothing at or after net->t_end, and nothing else depends
 * on it (Poisson trains and self-events are drawn lazily), so a run up
 * to t of a network built with any horizon >= t is the run of a config
 * whose duration is t.  Continuing is then one more sim_engine_advance,
 * the same bits as one run when the stops lie on the window grid.
 *
 * Owns: the sections, the description, the network, the engine and the
 * in-memory recorder's data.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"
#include "../core/sim_parse.h"
#include "../mpi/comm.h"
#include "ms_int.h"

/* The horizon when [simulation] gives no duration: 1e8 ticks. */
#define DEFAULT_HORIZON_TICKS 1e8

/* ====================================================================
 * Version and errors
 * ==================================================================== */

const char *ms_version(void) { return MS_VERSION; }
const char *ms_error_message(void) { return sim_error_msg(); }
int ms_error_code(void) { return sim_error_code(); }
void ms_error_clear(void) { sim_error_clear(); }
const char *ms_strerror(int status) { return sim_strerror(status); }

int ms_init(int *argc, char ***argv)
{
  if (comm_init(argc, argv) != 0)
    return sim_error_set(SIM_ECOMM, "ms_init: cannot start MPI");
  return 0;
}

void ms_finalize(void) { comm_fini(); }
int ms_rank(void) { return comm_rank(); }
int ms_nranks(void) { return comm_size(); }

int ms_check_sim(const ms_sim *sim, const char *fn)
{
  if (!sim)
    return sim_error_set(SIM_EINVAL, "%s: the simulation is NULL", fn);
  return 0;
}

int ms_check_pop(const ms_sim *sim, int pop, const char *fn)
{
  int rc = ms_check_sim(sim, fn);
  if (!rc && (pop < 0 || (uint32_t)pop >= sim->desc->npops))
    rc = sim_error_set(SIM_EINVAL, "%s: population %d: expected 0 .. %d (%u populations)",
                       fn, pop, (int)sim->desc->npops - 1, sim->desc->npops);
  return rc;
}

int ms_check_proj(const ms_sim *sim, int proj, const char *fn)
{
  int rc = ms_check_sim(sim, fn);
  if (!rc && (proj < 0 || (uint32_t)proj >= sim->desc->nprojs))
    rc = sim_error_set(SIM_EINVAL, "%s: projection %d: expected 0 .. %d (%u projections)",
                       fn, proj, (int)sim->desc->nprojs - 1, sim->desc->nprojs);
  return rc;
}

/* ====================================================================
 * Sections
 * ==================================================================== */

const char *ms_section_get(const ms_section *s, const char *key)
{
  for (int k = 0; k < s->n; k++)
    if (!strcmp(s->keys[k], key))
      return s->values[k];
  return NULL;
}

void ms_section_set(ms_section *s, const char *key, const char *value)
{
  for (int k = 0; k < s->n; k++)
    if (!strcmp(s->keys[k], key)) {
      sim_free(s->values[k]);
      s->values[k] = sim_strdup(value, "API value");
      return;
    }
  if (s->n == s->cap) {
    s->cap = s->cap ? 2 * s->cap : 8;
    s->keys = sim_realloc(s->keys, (size_t)s->cap * sizeof *s->keys, "API keys");
    s->values = sim_realloc(s->values, (size_t)s->cap * sizeof *s->values, "API values");
  }
  s->keys[s->n] = sim_strdup(key, "API key");
  s->values[s->n++] = sim_strdup(value, "API value");
}

static void section_fini(ms_section *s)
{
  for (int k = 0; k < s->n; k++) {
    sim_free(s->keys[k]);
    sim_free(s->values[k]);
  }
  sim_free(s->keys);
  sim_free(s->values);
  sim_free(s->type);
  sim_free(s->name);
  memset(s, 0, sizeof *s);
}

static ms_section *section_push(ms_sim *sim, const char *type, const char *name)
{
  if (sim->nsecs == sim->capsecs) {
    sim->capsecs = sim->capsecs ? 2 * sim->capsecs : 8;
    sim->secs = sim_realloc(sim->secs, sim->capsecs * sizeof *sim->secs, "API sections");
  }
  ms_section *s = &sim->secs[sim->nsecs++];
  memset(s, 0, sizeof *s);
  s->type = sim_strdup(type, "API section type");
  s->name = name ? sim_strdup(name, "API section name") : NULL;
  return s;
}

/* The section of the k-th section of type (0-based). */
static ms_section *section_nth(ms_sim *sim, const char *type, int k)
{
  for (size_t i = 0; i < sim->nsecs; i++)
    if (!strcmp(sim->secs[i].type, type) && k-- == 0)
      return &sim->secs[i];
  return NULL;
}

ms_section *ms_pop_section(ms_sim *sim, int pop)
{
  return sim->loaded ? NULL : section_nth(sim, "population", pop);
}

int ms_sim_revalidate(ms_sim *sim, net_desc **out)
{
  io_config_section *v = sim_calloc(sim->nsecs + 1, sizeof *v, "API sections");
  for (size_t i = 0; i < sim->nsecs; i++)
    v[i] = (io_config_section){sim->secs[i].type, sim->secs[i].name,
                               (const char *const *)sim->secs[i].keys,
                               (const char *const *)sim->secs[i].values, sim->secs[i].n};
  int rc = io_config_build("api", v, sim->nsecs, out);
  sim_free(v);
  /* Projections of explicit connections were validated as all_to_all
     with their keys; the lists replace the rule. */
  for (size_t i = 0; !rc && i < sim->nlists; i++) {
    const struct ms_list *l = &sim->lists[i];
    if ((uint32_t)l->proj >= (*out)->nprojs)
      continue;
    net_proj_desc *pd = &(*out)->projs[l->proj];
    pd->rule = &net_rule_from_list;
    pd->nlist = l->n;
    pd->list_pre = l->pre;
    pd->list_post = l->post;
    pd->list_w = l->w;
    pd->list_d = l->d;
  }
  return rc;
}

/* Replace the description by one validated from the sections. */
static int revalidate(ms_sim *sim)
{
  net_desc *d = NULL;
  int rc = ms_sim_revalidate(sim, &d);
  if (rc)
    return rc;
  net_desc_destroy(sim->desc);
  sim->desc = d;
  return 0;
}

/* ====================================================================
 * Creation and destruction
 * ==================================================================== */

/* A time in ms as whole ticks of res; -1 when it is not one. */
static sim_time whole_ticks(double ms, double res)
{
  double q = ms / res, r = nearbyint(q);
  if (!isfinite(q) || fabs(q - r) > 1e-9 * fabs(q) + 1e-12)
    return -1;
  return (sim_time)r;
}

static ms_sim *sim_new(void)
{
  ms_sim *sim = sim_calloc(1, sizeof *sim, "simulation");
  sim->x = &comm_exchange;
  sim->memrec = 1;
  return sim;
}

/* The min_delay and max_delay keys, which configs do not have: the
   window is a property of a run, not of the network a file describes. */
static int delay_key(ms_sim *sim, const char *key, const char *v, double res)
{
  double ms;
  if (!strcmp(v, "auto"))
    return 0;
  if (sim_parse_double(v, 0, &ms) || !(ms >= res) || whole_ticks(ms, res) < 0)
    return sim_error_set(SIM_ECONFIG,
                         "[simulation] key '%s': expected 'auto' or ms >= the "
                         "resolution (%g ms), a whole number of ticks (got '%s')",
                         key, res, v);
  if (!strcmp(key, "min_delay"))
    sim->min_delay = whole_ticks(ms, res);
  return 0;
}

int ms_sim_create(const char *const *keys, const char *const *values, int n, ms_sim **out)
{
  if (!out)
    return sim_error_set(SIM_EINVAL, "ms_sim_create: out is NULL");
  *out = NULL;
  if (n < 0 || (n > 0 && (!keys || !values)))
    return sim_error_set(SIM_EINVAL, "ms_sim_create: %d keys but no key or value array", n);
  ms_sim *sim = sim_new();
  ms_section *s = section_push(sim, "simulation", NULL);
  double res = 0.1;
  const char *dmin = NULL, *dmax = NULL;
  int have_duration = 0, rc = 0;
  for (int i = 0; i < n; i++) {
    if (!keys[i] || !values[i]) {
      rc = sim_error_set(SIM_EINVAL, "ms_sim_create: key or value %d is NULL", i);
      break;
    }
    if (!strcmp(keys[i], "min_delay"))
      dmin = values[i];
    else if (!strcmp(keys[i], "max_delay"))
      dmax = values[i];
    else {
      ms_section_set(s, keys[i], values[i]);
      have_duration |= !strcmp(keys[i], "duration");
      if (!strcmp(keys[i], "resolution") && (sim_parse_double(values[i], 0, &res) || !(res > 0)))
        res = 0.1; /* the validator reports it */
    }
  }
  if (!rc && !have_duration) {
    char buf[64];
    snprintf(buf, sizeof buf, "%.17g", DEFAULT_HORIZON_TICKS * res);
    ms_section_set(s, "duration", buf);
  }
  if (!rc)
    rc = revalidate(sim);
  if (!rc && dmin)
    rc = delay_key(sim, "min_delay", dmin, sim->desc->sim.resolution_ms);
  if (!rc && dmax)
    rc = delay_key(sim, "max_delay", dmax, sim->desc->sim.resolution_ms);
  if (rc) {
    ms_sim_destroy(sim);
    return rc;
  }
  sim->horizon_ms = sim->desc->sim.duration_ms;
  *out = sim;
  return 0;
}

int ms_sim_load(const char *path, const char *const *overrides, int noverrides, int memrec,
                ms_sim **out)
{
  *out = NULL;
  net_desc *d = NULL;
  int rc = io_config_load(path, overrides, noverrides, &d);
  if (rc)
    return rc;
  ms_sim *sim = sim_new();
  sim->loaded = 1;
  sim->memrec = memrec;
  sim->desc = d;
  sim->horizon_ms = d->sim.duration_ms;
  *out = sim;
  return 0;
}

int ms_sim_load_config(const char *path, const char *const *overrides, int noverrides,
                       ms_sim **out)
{
  if (!out || !path)
    return sim_error_set(SIM_EINVAL, "ms_sim_load_config: %s is NULL", out ? "path" : "out");
  return ms_sim_load(path, overrides, noverrides, 1, out);
}

static void list_fini(struct ms_list *l)
{
  sim_free(l->pre);
  sim_free(l->post);
  sim_free(l->w);
  sim_free(l->d);
}

/* Drop the network and its run (the description stays). */
static void unbuild(ms_sim *sim)
{
  ms_sim_finish(sim);
  if (sim->st_live)
    sim_stats_fini(&sim->st);
  sim->st_live = 0;
  memset(&sim->st, 0, sizeof sim->st);
  if (sim->net)
    ms_memrec_fini(&sim->mr);
  net_network_destroy(sim->net);
  sim->net = NULL;
}

void ms_sim_destroy(ms_sim *sim)
{
  if (!sim)
    return;
  unbuild(sim);
  for (size_t i = 0; i < sim->nlists; i++)
    list_fini(&sim->lists[i]);
  sim_free(sim->lists);
  for (size_t i = 0; i < sim->nsecs; i++)
    section_fini(&sim->secs[i]);
  sim_free(sim->secs);
  for (size_t i = 0; i < sim->ninits; i++)
    sim_free(sim->inits[i].v);
  sim_free(sim->inits);
  for (uint32_t j = 0; sim->desc && sim->wset && j < sim->desc->nprojs; j++)
    sim_free(sim->wset[j]);
  sim_free(sim->wset);
  sim_free(sim->wset_n);
  net_desc_destroy(sim->desc);
  sim_free(sim);
}

/* ====================================================================
 * Adding sections
 * ==================================================================== */

static int can_add(const ms_sim *sim, const char *fn)
{
  int rc = ms_check_sim(sim, fn);
  if (rc)
    return rc;
  if (sim->loaded)
    return sim_error_set(SIM_ESTATE, "%s: a simulation read from a config file takes "
                         "no further sections", fn);
  if (sim->net)
    return sim_error_set(SIM_ESTATE, "%s: the network is built (a run or a read of its "
                         "connections): no further populations, projections or records", fn);
  return 0;
}

static int count_type(const ms_sim *sim, const char *type)
{
  int n = 0;
  for (size_t i = 0; i < sim->nsecs; i++)
    n += !strcmp(sim->secs[i].type, type);
  return n;
}

/* Push a section with the given leading keys and the caller's keys,
   validate the whole description, and pop it again on failure. */
static int add_section(ms_sim *sim, const char *fn, const char *type, const char *name,
                       const char *prefix, const char *const *k0, const char *const *v0,
                       int n0, const char *const *keys, const char *const *values, int nkv,
                       int *index)
{
  char auto_name[64];
  if (nkv < 0 || (nkv > 0 && (!keys || !values)))
    return sim_error_set(SIM_EINVAL, "%s: %d keys but no key or value array", fn, nkv);
  for (int i = 0; i < nkv; i++)
    if (!keys[i] || !values[i])
      return sim_error_set(SIM_EINVAL, "%s: key or value %d is NULL", fn, i);
  int k = count_type(sim, type);
  if (!name) {
    snprintf(auto_name, sizeof auto_name, "%s%d", prefix, k);
    name = auto_name;
  }
  ms_section *s = section_push(sim, type, name);
  for (int i = 0; i < n0; i++)
    ms_section_set(s, k0[i], v0[i]);
  for (int i = 0; i < nkv; i++) {
    /* Appended, never merged: a key given twice is the config's error. */
    if (s->n == s->cap) {
      s->cap = s->cap ? 2 * s->cap : 8;
      s->keys = sim_realloc(s->keys, (size_t)s->cap * sizeof *s->keys, "API keys");
      s->values = sim_realloc(s->values, (size_t)s->cap * sizeof *s->values, "API values");
    }
    s->keys[s->n] = sim_strdup(keys[i], "API key");
    s->values[s->n++] = sim_strdup(values[i], "API value");
  }
  int rc = revalidate(sim);
  if (rc) {
    section_fini(s);
    sim->nsecs--;
    return rc;
  }
  if (index)
    *index = k;
  return 0;
}

int ms_sim_add_population(ms_sim *sim, const char *name, const char *model, uint32_t n,
                          const char *const *keys, const char *const *values, int nkv,
                          int *index)
{
  const char *fn = "ms_sim_add_population";
  int rc = can_add(sim, fn);
  if (rc)
    return rc;
  if (!model)
    return sim_error_set(SIM_EINVAL, "%s: model is NULL", fn);
  char nbuf[32];
  snprintf(nbuf, sizeof nbuf, "%u", n);
  const char *k0[] = {"model", "n"}, *v0[] = {model, nbuf};
  return add_section(sim, fn, "population", name, "pop", k0, v0, n ? 2 : 1, keys, values,
                     nkv, index);
}

static const char *pop_name(const ms_sim *sim, int pop)
{
  return pop >= 0 && (uint32_t)pop < sim->desc->npops ? sim->desc->pops[pop].name : NULL;
}

int ms_sim_add_projection(ms_sim *sim, const char *name, int source, int target,
                          const char *rule, const char *const *keys,
                          const char *const *values, int nkv, int *index)
{
  const char *fn = "ms_sim_add_projection";
  int rc = can_add(sim, fn);
  if (rc)
    return rc;
  const char *sn = pop_name(sim, source), *tn = pop_name(sim, target);
  if (!sn || !tn)
    return sim_error_set(SIM_EINVAL, "%s: %s population %d: expected 0 .. %d", fn,
                         sn ? "target" : "source", sn ? target : source,
                         (int)sim->desc->npops - 1);
  if (!rule)
    return sim_error_set(SIM_EINVAL, "%s: rule is NULL", fn);
  const char *k0[] = {"source", "target", "rule"}, *v0[] = {sn, tn, rule};
  return add_section(sim, fn, "projection", name, "proj", k0, v0, 3, keys, values, nkv,
                     index);
}

int ms_sim_add_projection_list(ms_sim *sim, const char *name, int source, int target,
                               size_t n, const uint32_t *pre, const uint32_t *post,
                               const double *weight, const double *delay_ms,
                               const char *const *keys, const char *const *values,
                               int nkv, int *index)
{
  const char *fn = "ms_sim_add_projection_list";
  int rc = can_add(sim, fn);
  if (rc)
    return rc;
  const char *sn = pop_name(sim, source), *tn = pop_name(sim, target);
  if (!sn || !tn)
    return sim_error_set(SIM_EINVAL, "%s: %s population %d: expected 0 .. %d", fn,
                         sn ? "target" : "source", sn ? target : source,
                         (int)sim->desc->npops - 1);
  if (n && (!pre || !post))
    return sim_error_set(SIM_EINVAL, "%s: %zu connections but no pre or post array", fn, n);
  const uint32_t ns = sim->desc->pops[source].n, nt = sim->desc->pops[target].n;
  const double res = sim->desc->sim.resolution_ms;
  double dmax = res;
  for (size_t k = 0; k < n; k++) {
    if (pre[k] >= ns || post[k] >= nt)
      return sim_error_set(SIM_EINVAL, "%s: connection %zu: %u -> %u: expected pre < %u "
                           "(%s) and post < %u (%s)", fn, k, pre[k], post[k], ns, sn, nt, tn);
    if (weight && !isfinite(weight[k]))
      return sim_error_set(SIM_ECONFIG, "%s: connection %zu: weight %g: expected a finite "
                           "number", fn, k, weight[k]);
    if (delay_ms && !(delay_ms[k] >= res && isfinite(delay_ms[k])))
      return sim_error_set(SIM_ECONFIG, "%s: connection %zu: delay %g ms: expected >= the "
                           "resolution (%g ms)", fn, k, delay_ms[k], res);
    if (delay_ms && delay_ms[k] > dmax)
      dmax = delay_ms[k];
  }
  /* Validated as all_to_all with the caller's keys; a weight and a delay
     stand in for the arrays (the largest delay, so that its bound is
     checked as a config's). */
  char wbuf[40], dbuf[40];
  snprintf(wbuf, sizeof wbuf, "%.17g", weight && n ? weight[0] : 0.0);
  snprintf(dbuf, sizeof dbuf, "%.17g", dmax);
  const char *k0[5] = {"source", "target", "rule"}, *v0[5] = {sn, tn, "all_to_all"};
  int n0 = 3;
  if (weight)
    k0[n0] = "weight", v0[n0++] = wbuf;
  if (delay_ms)
    k0[n0] = "delay", v0[n0++] = dbuf;
  sim->lists = sim_realloc(sim->lists, (sim->nlists + 1) * sizeof *sim->lists, "lists");
  struct ms_list *l = &sim->lists[sim->nlists++];
  l->proj = (int)sim->desc->nprojs;
  l->n = n;
  l->pre = sim_malloc(n * sizeof *pre + 4, "connection list");
  l->post = sim_malloc(n * sizeof *post + 4, "connection list");
  if (n) {
    memcpy(l->pre, pre, n * sizeof *pre);
    memcpy(l->post, post, n * sizeof *post);
  }
  l->w = weight ? sim_malloc(n * sizeof *weight + 8, "connection list") : NULL;
  l->d = delay_ms ? sim_malloc(n * sizeof *delay_ms + 8, "connection list") : NULL;
  if (weight && n)
    memcpy(l->w, weight, n * sizeof *weight);
  if (delay_ms && n)
    memcpy(l->d, delay_ms, n * sizeof *delay_ms);
  rc = add_section(sim, fn, "projection", name, "proj", k0, v0, n0, keys, values, nkv, index);
  if (rc) {
    list_fini(l);
    sim->nlists--;
  }
  return rc;
}

int ms_sim_record(ms_sim *sim, int pop, const char *what, double interval_ms, uint32_t first,
                  uint32_t count, int *index)
{
  const char *fn = "ms_sim_record";
  int rc = can_add(sim, fn);
  if (rc)
    return rc;
  const char *pn = pop_name(sim, pop);
  if (!pn)
    return sim_error_set(SIM_EINVAL, "%s: population %d: expected 0 .. %d", fn, pop,
                         (int)sim->desc->npops - 1);
  if (!what)
    return sim_error_set(SIM_EINVAL, "%s: what is NULL (\"spikes\" or variable names)", fn);
  char neurons[64], interval[64];
  if (count)
    snprintf(neurons, sizeof neurons, "%u:%llu", first,
             (unsigned long long)first + count);
  else if (first)
    snprintf(neurons, sizeof neurons, "%u:%u", first, sim->desc->pops[pop].n);
  else
    snprintf(neurons, sizeof neurons, "all");
  snprintf(interval, sizeof interval, "%.17g", interval_ms > 0 ? interval_ms : 1.0);
  int spikes = !strcmp(what, "spikes");
  const char *k0[] = {"population", "kind", "neurons", "variables", "interval"};
  const char *v0[] = {pn, spikes ? "spike_recorder" : "multimeter", neurons, what, interval};
  return add_section(sim, fn, "record", NULL, "rec", k0, v0, spikes ? 3 : 5, NULL, NULL, 0,
                     index);
}

/* ====================================================================
 * Build and run
 * ==================================================================== */

int ms_sim_build(ms_sim *sim)
{
  if (sim->net)
    return 0;
  const net_desc *d = sim->desc;
  net_part part = {d->sim.partition, comm_rank(), comm_size()};
  int rc = net_build(d, &part, sim->x, &sim->net);
  if (rc)
    return rc;
  net_network *net = sim->net;
  if (sim->min_delay) {
    if (sim->min_delay > net->kernel.min_delay) {
      rc = sim_error_set(SIM_ECONFIG,
                         "[simulation] key 'min_delay': expected at most the smallest "
                         "delay of the projections whose spikes cross ranks (%g ms) "
                         "(got %g ms)",
                         (double)net->kernel.min_delay * d->sim.resolution_ms,
                         (double)sim->min_delay * d->sim.resolution_ms);
      net_network_destroy(sim->net);
      sim->net = NULL;
      return rc;
    }
    net->kernel.min_delay = net->min_delay = sim->min_delay;
  }
  rc = ms_pop_apply_inits(sim);
  for (uint32_t j = 0; !rc && sim->wset && j < d->nprojs; j++)
    if (sim->wset[j])
      rc = ms_proj_apply_weights(sim, (int)j, sim->wset[j], sim->wset_n[j]);
  if (rc) {
    net_network_destroy(sim->net);
    sim->net = NULL;
    return rc;
  }
  ms_memrec_init(&sim->mr, net);
  if (sim->nrecs == 0)
    sim->nrecs = 1; /* slot 0 is the in-memory recorder's */
  sim->recs[0] = (sim_recorder){&ms_memrec_ops, &sim->mr};
  return 0;
}

int ms_sim_add_recorder(ms_sim *sim, sim_recorder rec)
{
  if (sim->eng)
    return sim_error_set(SIM_ESTATE, "ms_sim_add_recorder: the run has started");
  if (sim->nrecs == 0)
    sim->nrecs = 1;
  if (sim->nrecs >= sizeof sim->recs / sizeof sim->recs[0])
    return sim_error_set(SIM_EINVAL, "ms_sim_add_recorder: too many recorders");
  sim->recs[sim->nrecs++] = rec;
  return 0;
}

void ms_sim_set_opts(ms_sim *sim, const sim_run_opts *opts) { sim->opts = *opts; }

int ms_sim_advance(ms_sim *sim, sim_time t)
{
  int rc = ms_sim_build(sim);
  if (rc)
    return rc;
  if (!sim->eng) {
    sim_run_opts o = sim->opts;
    o.recorders = sim->memrec ? sim->recs : sim->recs + 1;
    o.nrecorders = sim->memrec ? sim->nrecs : sim->nrecs - 1;
    o.exchange = sim->x;
    rc = sim_engine_open(&sim->net->kernel, &o, &sim->st, &sim->eng);
    if (rc)
      return rc;
    sim->st_live = 1;
  }
  return sim_engine_advance(sim->eng, t);
}

void ms_sim_finish(ms_sim *sim)
{
  if (sim->eng)
    sim_engine_close(sim->eng);
  sim->eng = NULL;
}

static sim_time now_ticks(const ms_sim *sim) { return sim->eng ? sim_engine_now(sim->eng) : 0; }

int ms_sim_run_until(ms_sim *sim, double t_ms)
{
  int rc = ms_check_sim(sim, "ms_sim_run_until");
  if (rc)
    return rc;
  const double res = sim->desc->sim.resolution_ms;
  sim_time t = whole_ticks(t_ms, res), now = now_ticks(sim);
  if (t < 0)
    return sim_error_set(SIM_EINVAL, "ms_sim_run_until: %.17g ms is not a whole number of "
                         "ticks of %g ms", t_ms, res);
  if (t < now)
    return sim_error_set(SIM_EINVAL, "ms_sim_run_until: %.17g ms is before the current "
                         "time %.17g ms", t_ms, (double)now * res);
  if (t > whole_ticks(sim->horizon_ms, res))
    return sim_error_set(SIM_ERANGE, "ms_sim_run_until: %.17g ms is past the horizon "
                         "(%.17g ms: the [simulation] duration)", t_ms, sim->horizon_ms);
  if (sim->eng && sim_engine_now(sim->eng) == t)
    return 0;
  return ms_sim_advance(sim, t);
}

int ms_sim_run(ms_sim *sim, double duration_ms)
{
  int rc = ms_check_sim(sim, "ms_sim_run");
  if (rc)
    return rc;
  const double res = sim->desc->sim.resolution_ms;
  sim_time d = whole_ticks(duration_ms, res);
  if (d <= 0)
    return sim_error_set(SIM_EINVAL, "ms_sim_run: duration %.17g ms: expected > 0, a whole "
                         "number of ticks of %g ms", duration_ms, res);
  return ms_sim_run_until(sim, (double)(now_ticks(sim) + d) * res);
}

int ms_sim_reset(ms_sim *sim)
{
  int rc = ms_check_sim(sim, "ms_sim_reset");
  if (rc)
    return rc;
  unbuild(sim);
  return 0;
}

int ms_sim_time(const ms_sim *sim, double *t_ms)
{
  int rc = ms_check_sim(sim, "ms_sim_time");
  if (!rc)
    *t_ms = (double)now_ticks(sim) * sim->desc->sim.resolution_ms;
  return rc;
}

int ms_sim_resolution(const ms_sim *sim, double *ms)
{
  int rc = ms_check_sim(sim, "ms_sim_resolution");
  if (!rc)
    *ms = sim->desc->sim.resolution_ms;
  return rc;
}

int ms_sim_horizon(const ms_sim *sim, double *ms)
{
  int rc = ms_check_sim(sim, "ms_sim_horizon");
  if (!rc)
    *ms = sim->horizon_ms;
  return rc;
}

static int built(const ms_sim *sim, const char *fn)
{
  int rc = ms_check_sim(sim, fn);
  if (!rc && !sim->net)
    rc = ms_sim_build((ms_sim *)sim);
  return rc;
}

int ms_sim_min_delay(const ms_sim *sim, double *ms)
{
  int rc = built(sim, "ms_sim_min_delay");
  if (!rc)
    *ms = (double)sim->net->kernel.min_delay * sim->desc->sim.resolution_ms;
  return rc;
}

int ms_sim_max_delay(const ms_sim *sim, double *ms)
{
  int rc = built(sim, "ms_sim_max_delay");
  if (!rc)
    *ms = (double)comm_max_double((double)sim->net->max_delay) *
          sim->desc->sim.resolution_ms;
  return rc;
}

int ms_sim_population_count(const ms_sim *sim, int *n)
{
  int rc = ms_check_sim(sim, "ms_sim_population_count");
  if (!rc)
    *n = (int)sim->desc->npops;
  return rc;
}

int ms_sim_projection_count(const ms_sim *sim, int *n)
{
  int rc = ms_check_sim(sim, "ms_sim_projection_count");
  if (!rc)
    *n = (int)sim->desc->nprojs;
  return rc;
}
