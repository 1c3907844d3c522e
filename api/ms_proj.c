/*
 * ms_proj.c: projections of the C API: their connections in connection
 * order (ascending pre gid, post gid, then draw order), gathered over
 * ranks, and their weights read and set in that order.  Reading builds
 * the network (the connections exist only then).
 *
 * Connection order on several ranks: a rank holds the synapses onto its
 * own neurons, grouped by source and sorted by target, each (pre, post)
 * pair's synapses in draw order (core/sim_syn.h; in a delay-major table,
 * deferred delivery, by delay and then in draw order).  All the synapses of
 * one pair are on the post neuron's rank, so sorting every rank's
 * entries by (pre, post, rank, position) gives one rank's order.
 */
#include <stdlib.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"
#include "../mpi/comm.h"
#include "ms_int.h"

typedef struct conn_item {
  uint32_t pre, post;
  uint64_t pos;   /* rank << 40 | position on that rank */
  double w, d_ms;
} conn_item;

static int conn_cmp(const void *a, const void *b)
{
  const conn_item *x = a, *y = b;
  if (x->pre != y->pre)
    return x->pre < y->pre ? -1 : 1;
  if (x->post != y->post)
    return x->post < y->post ? -1 : 1;
  return (x->pos > y->pos) - (x->pos < y->pos);
}

static int ready(const ms_sim *sim, int proj, const char *fn)
{
  int rc = ms_check_proj(sim, proj, fn);
  if (!rc)
    rc = ms_sim_build((ms_sim *)sim);
  return rc;
}

static sim_time now(const ms_sim *sim) { return sim->eng ? sim_engine_now(sim->eng) : 0; }

/* Weight of CSR entry k from source offset s (as --weights writes it). */
static double weight_at(const ms_sim *sim, const net_proj *pr, uint32_t s, uint64_t k)
{
  const net_desc *d = sim->desc;
  const sim_gid src0 = d->pops[pr->desc->src].first_gid;
  const sim_gid *tg = sim->net->pops[pr->desc->tgt].gid;
  return pr->dynamic ? syn_store_weight(&pr->store, &pr->syn, k, src0 + s, tg, now(sim))
         : pr->syn.w ? pr->syn.w[k]
                     : pr->syn.w_const;
}

/* Every rank's connections of proj in connection order (caller frees);
   values 0: pairs and positions only (no weight reads). */
static conn_item *gather_conns(const ms_sim *sim, int proj, int values, size_t *n)
{
  const net_proj *pr = &sim->net->projs[proj];
  const net_desc *d = sim->desc;
  const sim_gid src0 = d->pops[pr->desc->src].first_gid;
  const sim_gid *tg = sim->net->pops[pr->desc->tgt].gid;
  const double res = d->sim.resolution_ms;
  conn_item *mine = sim_malloc((pr->syn.nsyn + 1) * sizeof *mine, "connection gather");
  const uint64_t rank = (uint64_t)comm_rank() << 40;
  uint64_t k = 0;
  for (uint32_t r = 0; r < pr->syn.nrows; r++) {
    const uint32_t s = sim_syn_row_source(&pr->syn, r);
    for (uint64_t q = pr->syn.off[r]; q < pr->syn.off[r + 1]; q++, k++)
      mine[k] = (conn_item){
          src0 + s, tg[pr->syn.tgt[q]], rank | q, values ? weight_at(sim, pr, s, q) : 0,
          values ? (double)(pr->syn.d ? pr->syn.d[q] : pr->syn.d_const) * res : 0};
  }
  void *all = NULL;
  ms_allgather(mine, (size_t)k, sizeof *mine, &all, n, NULL);
  sim_free(mine);
  qsort(all, *n, sizeof(conn_item), conn_cmp);
  return all;
}

int ms_proj_size(const ms_sim *sim, int proj, uint64_t *n)
{
  int rc = ready(sim, proj, "ms_proj_size");
  if (!rc)
    *n = ms_sum_u64(sim->net->projs[proj].syn.nsyn);
  return rc;
}

/* Fill the caller's arrays from the gathered connections: which = 0
   pairs, 1 weights, 2 delays. */
static int read_conns(const ms_sim *sim, int proj, const char *fn, int which, void *a,
                      void *b, size_t n)
{
  int rc = ready(sim, proj, fn);
  if (rc)
    return rc;
  size_t got = 0;
  conn_item *c = gather_conns(sim, proj, 1, &got);
  if (n < got) {
    sim_free(c);
    return sim_error_set(SIM_EINVAL, "%s: arrays of %zu entries for %zu connections", fn, n,
                         got);
  }
  for (size_t i = 0; i < got; i++)
    if (which == 0) {
      if (a)
        ((uint32_t *)a)[i] = c[i].pre;
      if (b)
        ((uint32_t *)b)[i] = c[i].post;
    } else if (a)
      ((double *)a)[i] = which == 1 ? c[i].w : c[i].d_ms;
  sim_free(c);
  return 0;
}

int ms_proj_pairs(const ms_sim *sim, int proj, uint32_t *pre, uint32_t *post, size_t n)
{
  return read_conns(sim, proj, "ms_proj_pairs", 0, pre, post, n);
}

int ms_proj_weights(const ms_sim *sim, int proj, double *w, size_t n)
{
  return read_conns(sim, proj, "ms_proj_weights", 1, w, NULL, n);
}

int ms_proj_delays(const ms_sim *sim, int proj, double *delay_ms, size_t n)
{
  return read_conns(sim, proj, "ms_proj_delays", 2, delay_ms, NULL, n);
}

/* Set the weights of this rank's synapses from w in connection order
   (n entries, or 1 for all). */
int ms_proj_apply_weights(ms_sim *sim, int proj, const double *w, size_t n)
{
  net_proj *pr = &sim->net->projs[proj];
  sim_proj *kj = &sim->net->kernel.projs[proj];
  const nrn_model_ops *tm = sim->net->pops[pr->desc->tgt].model;
  if (pr->dynamic && pr->desc->spec->kind == SYN_DEVICE)
    return sim_error_set(SIM_ENOTSUP, "ms_proj_set_weights: [projection %s] has device "
                         "synapses: their state is a conductance, set by the `weight` key",
                         pr->desc->name);
  int uniform = 1;
  for (size_t i = 1; i < n; i++)
    uniform &= w[i] == w[0];
  if (!pr->dynamic && !pr->syn.w && uniform) {
    /* One weight for the projection stays one weight (exact, double). */
    pr->syn.w_const = w[0];
    pr->port = kj->port = tm->port_by_sign && w[0] < 0 ? 1 : (int)pr->desc->receptor;
    return 0;
  }
  /* Positions only: the gathered order gives each local entry its index. */
  size_t got = 0;
  conn_item *c = gather_conns(sim, proj, 0, &got);
  if (n != 1 && n != got) {
    sim_free(c);
    return sim_error_set(SIM_EINVAL, "ms_proj_set_weights: %zu weights for [projection %s] "
                         "of %zu connections", n, pr->desc->name, got);
  }
  if (!pr->dynamic && !pr->syn.w) {
    pr->syn.w = sim_malloc((pr->syn.nsyn + 1) * sizeof *pr->syn.w, "static weights");
    for (uint64_t q = 0; q < pr->syn.nsyn; q++)
      pr->syn.w[q] = (float)pr->syn.w_const;
  }
  const uint64_t me = (uint64_t)comm_rank();
  for (size_t i = 0; i < got; i++) {
    if (c[i].pos >> 40 != me)
      continue;
    uint64_t q = c[i].pos & ((1ull << 40) - 1);
    double v = n == 1 ? w[0] : w[i];
    if (pr->dynamic)
      pr->store.w[q] = v;
    else
      pr->syn.w[q] = (float)v;
  }
  sim_free(c);
  return 0;
}

int ms_proj_set_weights(ms_sim *sim, int proj, const double *w, size_t n)
{
  const char *fn = "ms_proj_set_weights";
  int rc = ready(sim, proj, fn);
  if (rc)
    return rc;
  if (!w || n == 0)
    return sim_error_set(SIM_EINVAL, "%s: no weights given", fn);
  rc = ms_proj_apply_weights(sim, proj, w, n);
  if (rc)
    return rc;
  /* Kept, so that ms_sim_reset sets them again on the rebuilt network. */
  if (!sim->wset) {
    sim->wset = sim_calloc(sim->desc->nprojs + 1, sizeof *sim->wset, "API weights");
    sim->wset_n = sim_calloc(sim->desc->nprojs + 1, sizeof *sim->wset_n, "API weights");
  }
  sim_free(sim->wset[proj]);
  sim->wset[proj] = sim_malloc(n * sizeof *w, "API weights");
  memcpy(sim->wset[proj], w, n * sizeof *w);
  sim->wset_n[proj] = n;
  return 0;
}
