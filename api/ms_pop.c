/*
 * ms_pop.c: populations of the C API: sizes and gids, initial values per
 * neuron (applied to every build, so a reset starts from them again) and
 * parameters, read back and set as config text through the population's
 * section, so that a value is checked by the model exactly as in a file.
 */
#include <stdio.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"
#include "../core/sim_names.h"
#include "../core/sim_parse.h"
#include "ms_int.h"

int ms_sim_find_population(const ms_sim *sim, const char *name, int *index)
{
  int rc = ms_check_sim(sim, "ms_sim_find_population");
  if (rc)
    return rc;
  int i = name ? net_desc_find_pop(sim->desc, name) : -1;
  if (i < 0)
    return sim_error_set(SIM_EINVAL, "ms_sim_find_population: no population '%s'",
                         name ? name : "(null)");
  *index = i;
  return 0;
}

int ms_pop_size(const ms_sim *sim, int pop, uint32_t *n)
{
  int rc = ms_check_pop(sim, pop, "ms_pop_size");
  if (!rc)
    *n = sim->desc->pops[pop].n;
  return rc;
}

int ms_pop_first_gid(const ms_sim *sim, int pop, uint32_t *gid)
{
  int rc = ms_check_pop(sim, pop, "ms_pop_first_gid");
  if (!rc)
    *gid = sim->desc->pops[pop].first_gid;
  return rc;
}

int ms_pop_model(const ms_sim *sim, int pop, const char **model)
{
  int rc = ms_check_pop(sim, pop, "ms_pop_model");
  if (!rc)
    *model = net_pop_model_name(&sim->desc->pops[pop]);
  return rc;
}

/* ------------------------------------------------------ initial values */

static void apply_init(ms_sim *sim, const ms_initval *iv)
{
  net_pop *p = &sim->net->pops[iv->pop];
  const void *param = sim->net->kernel.pops[iv->pop].param;
  const sim_gid g0 = p->desc->first_gid;
  for (uint32_t i = 0; i < p->nlocal; i++)
    p->model->var_set(p->state, p->nlocal, i, param, iv->var,
                      iv->n == 1 ? iv->v[0] : iv->v[p->gid[i] - g0]);
}

int ms_pop_apply_inits(ms_sim *sim)
{
  for (size_t k = 0; k < sim->ninits; k++)
    apply_init(sim, &sim->inits[k]);
  return 0;
}

int ms_pop_set_initial(ms_sim *sim, int pop, const char *var, const double *values, size_t n)
{
  const char *fn = "ms_pop_set_initial";
  int rc = ms_check_pop(sim, pop, fn);
  if (rc)
    return rc;
  const net_pop_desc *pd = &sim->desc->pops[pop];
  if (!pd->model)
    return sim_error_set(SIM_EINVAL, "%s: population %s is a %s: it has no state variables",
                         fn, pd->name, net_pop_model_name(pd));
  int v = var ? sim_name_index(pd->model->var_names, var) : -1;
  if (v < 0) {
    char names[256];
    sim_names_join(names, sizeof names, pd->model->var_names);
    return sim_error_set(SIM_EINVAL, "%s: [population %s] %s has no state variable '%s': "
                         "expected one of %s", fn, pd->name, pd->model->name,
                         var ? var : "(null)", names);
  }
  if (!values || (n != 1 && n != pd->n))
    return sim_error_set(SIM_EINVAL, "%s: %zu values for population %s of %u neurons: "
                         "expected 1 or %u", fn, n, pd->name, pd->n, pd->n);
  if (sim->eng)
    return sim_error_set(SIM_ESTATE, "%s: the run has started: initial values are set "
                         "before the first run or after ms_sim_reset", fn);
  ms_initval *iv = NULL;
  for (size_t k = 0; k < sim->ninits; k++)
    if (sim->inits[k].pop == pop && sim->inits[k].var == v)
      iv = &sim->inits[k];
  if (!iv) {
    sim->inits = sim_realloc(sim->inits, (sim->ninits + 1) * sizeof *sim->inits,
                             "initial values");
    iv = &sim->inits[sim->ninits++];
    iv->v = NULL;
  }
  iv->pop = pop;
  iv->var = v;
  iv->n = n;
  sim_free(iv->v);
  iv->v = sim_malloc(n * sizeof *iv->v, "initial values");
  memcpy(iv->v, values, n * sizeof *iv->v);
  if (sim->net) /* built but not started: apply now as well */
    apply_init(sim, iv);
  return 0;
}

/* ---------------------------------------------------------- parameters */

/* Where a model keeps parameter key in its struct, found by setting it
   to two values on copies of the current parameters and looking for the
   double that took them.  The models store their keys as doubles in
   NEST's units (finalize adds derived fields beside them), so this
   reads every key without a getter in each model; a key stored any
   other way is reported as unsupported rather than guessed. */
static int param_offset(const nrn_model_ops *m, const void *cur, const char *key,
                        size_t *off)
{
  static const double probe[][2] = {{1234.5, 2345.25}, {1, 0}, {-1234.5, -2345.25}};
  uint8_t *a = sim_malloc(m->param_size + 8, "parameter probe");
  uint8_t *b = sim_malloc(m->param_size + 8, "parameter probe");
  int found = 0;
  for (size_t p = 0; !found && p < sizeof probe / sizeof probe[0]; p++) {
    memcpy(a, cur, m->param_size);
    memcpy(b, cur, m->param_size);
    if (m->param_set(a, key, probe[p][0]) || m->param_set(b, key, probe[p][1])) {
      sim_error_clear();
      continue;
    }
    for (size_t o = 0; o + sizeof(double) <= m->param_size; o += sizeof(double)) {
      double x, y;
      memcpy(&x, a + o, sizeof x);
      memcpy(&y, b + o, sizeof y);
      if (x == probe[p][0] && y == probe[p][1]) {
        *off = o;
        found = 1;
        break;
      }
    }
  }
  sim_free(a);
  sim_free(b);
  return found ? 0 : -1;
}

int ms_pop_get_param(const ms_sim *sim, int pop, const char *key, double *value)
{
  const char *fn = "ms_pop_get_param";
  int rc = ms_check_pop(sim, pop, fn);
  if (rc)
    return rc;
  const net_pop_desc *pd = &sim->desc->pops[pop];
  if (!key)
    return sim_error_set(SIM_EINVAL, "%s: key is NULL", fn);
  if (!pd->model) {
    /* A generator's keys are read from its section (they are text). */
    const ms_section *s = ms_pop_section((ms_sim *)sim, pop);
    const char *v = s ? ms_section_get(s, key) : NULL;
    if (v && !sim_parse_double(v, 1, value))
      return 0;
    return sim_error_set(SIM_ENOTSUP, "%s: [population %s] %s: reading '%s' back is not "
                         "supported (set it to know it)", fn, pd->name,
                         net_pop_model_name(pd), key);
  }
  if (sim_name_index(pd->model->param_names, key) < 0) {
    char names[512];
    sim_names_join(names, sizeof names, pd->model->param_names);
    return sim_error_set(SIM_EINVAL, "%s: [population %s] %s has no parameter '%s': "
                         "expected one of %s", fn, pd->name, pd->model->name, key, names);
  }
  size_t off = 0;
  if (param_offset(pd->model, pd->param, key, &off))
    return sim_error_set(SIM_ENOTSUP, "%s: [population %s] %s: '%s' cannot be read back",
                         fn, pd->name, pd->model->name, key);
  memcpy(value, (const uint8_t *)pd->param + off, sizeof *value);
  return 0;
}

int ms_pop_set_param(ms_sim *sim, int pop, const char *key, const char *value)
{
  const char *fn = "ms_pop_set_param";
  int rc = ms_check_pop(sim, pop, fn);
  if (rc)
    return rc;
  if (!key || !value)
    return sim_error_set(SIM_EINVAL, "%s: key or value is NULL", fn);
  ms_section *s = ms_pop_section(sim, pop);
  if (!s)
    return sim_error_set(SIM_ENOTSUP, "%s: a simulation read from a config file: change "
                         "the file or use --set overrides", fn);
  const net_pop_desc *pd = &sim->desc->pops[pop];
  if (!strcmp(key, "model") || !strcmp(key, "n"))
    return sim_error_set(SIM_EINVAL, "%s: [population %s] key '%s' is fixed at creation",
                         fn, pd->name, key);
  if (sim->eng && !(pd->model && pd->model->per_tick))
    return sim_error_set(SIM_ESTATE, "%s: [population %s] %s: the run has started and "
                         "the %s's pending events were drawn with the old values: set "
                         "'%s' before the first run or after ms_sim_reset",
                         fn, pd->name, net_pop_model_name(pd),
                         pd->model ? "event-driven model" : "generator", key);
  char *old = NULL;
  const char *o = ms_section_get(s, key);
  if (o)
    old = sim_strdup(o, "old value");
  ms_section_set(s, key, value);
  net_desc *d = NULL;
  rc = ms_sim_revalidate(sim, &d);
  if (rc) {
    if (old)
      ms_section_set(s, key, old);
    else { /* it was appended last */
      s->n--;
      sim_free(s->keys[s->n]);
      sim_free(s->values[s->n]);
    }
    sim_free(old);
    return rc;
  }
  sim_free(old);
  if (!sim->net) {
    net_desc_destroy(sim->desc);
    sim->desc = d;
    return 0;
  }
  if (!sim->eng) {
    /* Built for a read, not started: build again with the new values. */
    ms_sim_reset(sim);
    net_desc_destroy(sim->desc);
    sim->desc = d;
    return 0;
  }
  /* Started, a model updated every tick: its flat parameter block is
     read at each update, so the new values apply from the next tick. */
  memcpy(sim->desc->pops[pop].param, d->pops[pop].param, pd->model->param_size);
  net_desc_destroy(d);
  return 0;
}
