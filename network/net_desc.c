/*
 * net_desc.c: lifetime and small queries of a run description (net_desc.h).
 * The description is filled by io_config; this file frees what it owns,
 * finds populations by name and draws values from its distributions.
 */
#include "net_desc.h"

#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_rng.h"

void net_desc_destroy(net_desc *d)
{
  if (!d)
    return;
  for (uint32_t i = 0; i < d->npops; i++) {
    net_pop_desc *p = &d->pops[i];
    sim_free(p->name);
    if (p->source && p->source->param_fini && p->param)
      p->source->param_fini(p->param);
    sim_free(p->param);
    sim_free(p->init);
  }
  for (uint32_t i = 0; i < d->nprojs; i++) {
    net_proj_desc *p = &d->projs[i];
    sim_free(p->name);
    sim_free(p->synapse);
    for (uint32_t k = 0; k < p->nsyn_params; k++) {
      sim_free(p->syn_params[k].key);
      sim_free(p->syn_params[k].value);
    }
    sim_free(p->syn_params);
    sim_free(p->spec);
  }
  for (uint32_t i = 0; i < d->nrecs; i++)
    sim_free(d->recs[i].name);
  sim_free(d->pops);
  sim_free(d->projs);
  sim_free(d->recs);
  sim_free(d->sim.out_dir);
  sim_free(d->file);
  sim_free(d);
}

int net_desc_find_pop(const net_desc *d, const char *name)
{
  for (uint32_t i = 0; i < d->npops; i++)
    if (strcmp(d->pops[i].name, name) == 0)
      return (int)i;
  return -1;
}

double net_dist_draw(const net_dist *dist, sim_rng *rng)
{
  switch (dist->kind) {
  case NET_DIST_UNIFORM:
    return dist->a + (dist->b - dist->a) * sim_rng_uniform(rng);
  case NET_DIST_NORMAL: {
    /* Clipped, not redrawn: the mass beyond a bound lands on the bound
       (NEST's "clipped" normal; redrawing would be "redraw"). */
    double x = dist->a + dist->b * sim_rng_normal(rng);
    if (dist->redraw) {
      while (x < dist->lo || x > dist->hi)
        x = dist->a + dist->b * sim_rng_normal(rng);
      return x;
    }
    if (x < dist->lo)
      x = dist->lo;
    if (x > dist->hi)
      x = dist->hi;
    return x;
  }
  case NET_DIST_CONST:
  default:
    return dist->a;
  }
}
