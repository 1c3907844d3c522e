/*
 * net_build.c: neurons and synapses of this rank, from a net_desc.
 */
#include "net_build.h"

#include <math.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_clock.h"
#include "../core/sim_engine.h"
#include "../core/sim_error.h"
#include "../core/sim_rng.h"
#include "../synapses/syn_kinds.h"
#include "../synapses/syn_spec.h"

static void init_neurons(const net_desc *desc, net_pop *p)
{
  const nrn_model_ops *m = p->model;
  const net_pop_desc *pd = p->desc;
  p->state = sim_calloc(p->nlocal, m->state_size, "neuron state");
  for (uint32_t i = 0; i < p->nlocal; i++) {
    if (m->state_init)
      m->state_init(p->state, p->nlocal, i, pd->param);
    for (uint32_t k = 0; k < pd->ninit; k++) {
      const net_init *in = &pd->init[k];
      sim_rng rng;
      sim_rng_stream(&rng, desc->sim.seed, p->gid[i], SIM_RNG_INIT, (uint32_t)in->var);
      m->var_set(p->state, p->nlocal, i, pd->param, in->var,
                 net_dist_draw(&in->dist, &rng));
    }
  }
}

/* Smallest delay a projection can have, from its description alone, so
   that every rank agrees without asking the others. */
static sim_time proj_min_delay(const net_desc *desc, const net_proj_desc *pd)
{
  double lo = pd->delay_ms.a;
  if (pd->list_d) { /* explicit delays: every rank holds the whole list */
    lo = INFINITY;
    for (uint64_t k = 0; k < pd->nlist; k++)
      lo = fmin(lo, pd->list_d[k]);
  } else if (pd->delay_ms.kind == NET_DIST_NORMAL)
    lo = isfinite(pd->delay_ms.lo) ? pd->delay_ms.lo : 0;
  else if (pd->delay_ms.kind == NET_DIST_UNIFORM)
    lo = fmin(pd->delay_ms.a, pd->delay_ms.b);
  return net_delay_ticks(lo, desc->sim.resolution_ms);
}

/* The presence table (see net_pop).  Each rank marks, in a bit per global
   neuron, the sources it holds synapses from; an all-to-all hands every
   owner the bits of its own neurons from every rank. */
static void build_presence(net_network *net)
{
  const net_desc *d = net->desc;
  const net_part *part = &net->part;
  const int P = part->nranks;
  uint8_t *need = sim_calloc(d->total / 8 + 1, 1, "presence bits");
  for (uint32_t j = 0; j < d->nprojs; j++) {
    const net_proj *pr = &net->projs[j];
    const net_pop_desc *src = &d->pops[pr->desc->src];
    if (!net_pop_travels(src))
      continue;
    for (uint32_t r = 0; r < pr->syn.nrows; r++)
      if (pr->syn.off[r + 1] > pr->syn.off[r]) {
        sim_gid g = src->first_gid + sim_syn_row_source(&pr->syn, r);
        need[g >> 3] |= (uint8_t)(1u << (g & 7));
      }
  }
  /* For rank q: the bits of q's neurons, in q's local order. */
  int *scount = sim_calloc((size_t)P, sizeof *scount, "presence counts");
  int *rcount = sim_calloc((size_t)P, sizeof *rcount, "presence counts");
  size_t total = 0;
  uint32_t *nq = sim_calloc((size_t)P, sizeof *nq, "presence sizes");
  for (int q = 0; q < P; q++) {
    net_part pq = {part->policy, q, P};
    for (uint32_t i = 0; i < d->npops; i++)
      if (net_pop_travels(&d->pops[i]))
        nq[q] += net_part_nlocal(&pq, d->pops[i].first_gid, d->pops[i].n);
    scount[q] = (int)(nq[q] / 8 + 1);
    total += (size_t)scount[q];
  }
  uint8_t *sendbuf = sim_calloc(total, 1, "presence send buffer"), *recv = NULL;
  size_t off = 0;
  for (int q = 0; q < P; q++) {
    net_part pq = {part->policy, q, P};
    uint32_t bit = 0;
    for (uint32_t i = 0; i < d->npops; i++) {
      const net_pop_desc *pd = &d->pops[i];
      if (!net_pop_travels(pd))
        continue;
      uint32_t nl = net_part_nlocal(&pq, pd->first_gid, pd->n);
      for (uint32_t k = 0; k < nl; k++, bit++) {
        sim_gid g = net_part_gid(&pq, pd->first_gid, pd->n, k);
        if (need[g >> 3] & (1u << (g & 7)))
          sendbuf[off + (bit >> 3)] |= (uint8_t)(1u << (bit & 7));
      }
    }
    off += (size_t)scount[q];
  }
  net->x->bytes(sendbuf, scount, &recv, rcount);
  /* recv: rank p's bits for my neurons at offset sum(rcount[< p]). */
  size_t *roff = sim_calloc((size_t)P + 1, sizeof *roff, "presence offsets");
  for (int p = 0; p < P; p++)
    roff[p + 1] = roff[p] + (size_t)rcount[p];
  uint32_t bit = 0;
  for (uint32_t i = 0; i < d->npops; i++) {
    net_pop *pop = &net->pops[i];
    pop->dest_off = sim_calloc((size_t)pop->nlocal + 1, sizeof *pop->dest_off,
                               "presence table");
    if (!net_pop_travels(pop->desc))
      continue;
    size_t cap = 0, n = 0;
    for (uint32_t k = 0; k < pop->nlocal; k++, bit++) {
      for (int p = 0; p < P; p++)
        if ((bit >> 3) < (uint32_t)rcount[p] && /* a rank that sent nothing: no bits */
            recv[roff[p] + (bit >> 3)] & (1u << (bit & 7))) {
          if (n == cap) {
            cap = cap ? 2 * cap : pop->nlocal + 16;
            pop->dest = sim_realloc(pop->dest, cap * sizeof *pop->dest, "presence table");
          }
          pop->dest[n++] = p;
        }
      pop->dest_off[k + 1] = (uint32_t)n;
    }
  }
  sim_free(roff);
  sim_free(recv);
  sim_free(sendbuf);
  sim_free(nq);
  sim_free(rcount);
  sim_free(scount);
  sim_free(need);
}

/* Does static projection j take delay-major rows (deferred delivery,
   core/sim_syn.h)?  Only when its spikes go through the static kind into
   a per-tick target that adds weights (the engine defers only there), and
   nothing walks its rows expecting a target's synapses adjacent: neither
   a weights record nor a Poisson source (drawn per synapse on the target's
   rank). */
static int delay_major(const net_desc *d, uint32_t j)
{
  const net_proj_desc *pd = &d->projs[j];
  const nrn_model_ops *tm = d->pops[pd->tgt].model;
  if (!net_pop_travels(&d->pops[pd->src]) || !tm->per_tick || tm->counts_input)
    return 0;
  for (uint32_t r = 0; r < d->nrecs; r++)
    if (d->recs[r].kind == NET_REC_WEIGHTS && d->recs[r].proj == j)
      return 0;
  return 1;
}

/* [simulation] delivery: deferred, or auto with the whole network's input
   rings of per-tick targets (the engine's layout, for the largest delay
   on any rank) above NET_DEFER_RING_BYTES.  The same answer on every rank
   and rank count: direct and deferred delivery add a target's inputs in
   different orders (core/sim_syn.h). */
static int use_deferred(net_network *net)
{
  const net_desc *d = net->desc;
  if (d->sim.delivery != NET_DELIVERY_AUTO)
    return d->sim.delivery == NET_DELIVERY_DEFERRED;
  const sim_time dmax = -net->x->min_i64(-(int64_t)net->max_delay);
  const double slots = sim_engine_nslots(dmax, net->min_delay);
  double bytes = 0;
  for (uint32_t i = 0; i < d->npops; i++) {
    const nrn_model_ops *m = d->pops[i].model;
    if (m && m->per_tick && !m->counts_input)
      bytes += (double)m->nports * slots * d->pops[i].n * sizeof(double);
  }
  return bytes > NET_DEFER_RING_BYTES;
}

/* The kernel's view of the built network (see sim_net.h). */
static void make_kernel(net_network *net)
{
  const net_desc *d = net->desc;
  sim_net *k = &net->kernel;
  k->npops = d->npops;
  k->nprojs = d->nprojs;
  k->pops = sim_calloc(d->npops + 1, sizeof *k->pops, "kernel populations");
  k->projs = sim_calloc(d->nprojs + 1, sizeof *k->projs, "kernel projections");
  for (uint32_t i = 0; i < d->npops; i++) {
    net_pop *p = &net->pops[i];
    const net_pop_desc *pd = p->desc;
    sim_pop *kp = &k->pops[i];
    kp->name = pd->name;
    kp->model = p->model;
    kp->source = pd->source;
    kp->param = pd->param;
    kp->first_gid = pd->first_gid;
    kp->n = pd->n;
    kp->nlocal = p->nlocal;
    kp->gid = p->gid;
    kp->state = p->state;
    kp->out_projs = p->out_projs;
    kp->nout = p->nout;
    kp->post_projs = p->stdp_in;
    kp->npost = p->nstdp_in;
    kp->dest_off = p->dest_off;
    kp->dest = p->dest;
  }
  for (uint32_t j = 0; j < d->nprojs; j++) {
    net_proj *pr = &net->projs[j];
    sim_proj *kj = &k->projs[j];
    kj->src = pr->desc->src;
    kj->tgt = pr->desc->tgt;
    kj->syn = &pr->syn;
    kj->port = pr->port;
    kj->kind = pr->dynamic ? &syn_store_kind : &syn_static_kind;
    kj->self = pr->dynamic ? &pr->store : NULL;
  }
  sim_rec *recs = sim_calloc(d->nrecs + 1, sizeof *recs, "kernel records");
  for (uint32_t r = 0; r < d->nrecs; r++) {
    const net_rec_desc *rd = &d->recs[r];
    recs[r].kind = rd->kind == NET_REC_SPIKES    ? SIM_REC_SPIKES
                   : rd->kind == NET_REC_STATE   ? SIM_REC_STATE
                   : rd->kind == NET_REC_WEIGHTS ? SIM_REC_WEIGHTS
                   : rd->kind == NET_REC_DEVICES ? SIM_REC_DEVICES
                                                 : SIM_REC_ENERGY;
    recs[r].proj = rd->proj;
    recs[r].sample = rd->sample;
    recs[r].pop = rd->pop;
    recs[r].first = rd->first;
    recs[r].count = rd->count;
    recs[r].nvars = rd->nvars;
    for (uint32_t v = 0; v < rd->nvars && v < 8; v++)
      recs[r].vars[v] = rd->vars[v];
    recs[r].every = rd->kind == NET_REC_STATE || rd->kind == NET_REC_WEIGHTS ||
                            rd->kind == NET_REC_ENERGY
                        ? (sim_time)nearbyint(rd->interval_ms / d->sim.resolution_ms)
                        : 0;
  }
  k->recs = recs;
  k->nrecs = d->nrecs;
  k->t_end = (sim_time)nearbyint(d->sim.duration_ms / d->sim.resolution_ms);
  k->min_delay = net->min_delay;
  k->max_delay = net->max_delay;
  k->resolution_ms = d->sim.resolution_ms;
  k->seed = d->sim.seed;
}

int net_build(const net_desc *desc, const net_part *part, const sim_exchange_ops *x,
              net_network **out)
{
  double t0 = sim_clock_s();
  net_network *net = sim_calloc(1, sizeof *net, "network");
  net->desc = desc;
  net->x = x ? x : &sim_exchange_serial;
  net->part = *part;
  net->pops = sim_calloc(desc->npops, sizeof *net->pops, "populations");
  net->projs = sim_calloc(desc->nprojs, sizeof *net->projs, "projections");
  for (uint32_t i = 0; i < desc->npops; i++) {
    net_pop *p = &net->pops[i];
    p->desc = &desc->pops[i];
    p->model = p->desc->model;
    p->nlocal = net_part_nlocal(part, p->desc->first_gid, p->desc->n);
    p->gid = sim_malloc((size_t)p->nlocal * sizeof *p->gid, "local gids");
    for (uint32_t k = 0; k < p->nlocal; k++)
      p->gid[k] = net_part_gid(part, p->desc->first_gid, p->desc->n, k);
    if (p->model)
      init_neurons(desc, p);
  }
  net->min_delay = SIM_NEVER;
  net->max_delay = 1;
  for (uint32_t j = 0; j < desc->nprojs; j++) {
    net_proj *pr = &net->projs[j];
    const net_proj_desc *pd = pr->desc = &desc->projs[j];
    int rc = net_connect(desc, j, part, &pr->syn);
    /* Every rank learns of a failure on any, so none waits in the
       presence exchange below for a rank that has given up. */
    if (net->x->any(rc != 0)) {
      net_network_destroy(net);
      return rc ? rc
                : sim_error_set(SIM_ECOMM, "stopped: another rank failed while building");
    }
    const nrn_model_ops *tm = desc->pops[pd->tgt].model;
    /* Models with receptors do not route by sign (core/sim_neuron.h). */
    pr->port = tm->port_by_sign && pr->syn.w_const < 0 ? 1 : (int)pd->receptor;
    if (pd->spec && pd->spec->kind != SYN_STATIC) {
      net_pop *tp = &net->pops[pd->tgt];
      pr->dynamic = 1;
      syn_store_init(&pr->store, pd->spec, &pr->syn, desc->pops[pd->src].first_gid, tp->gid,
                     tp->nlocal, desc->sim.seed, j, desc->sim.resolution_ms);
      if (pd->spec->plastic) {
        tp->stdp_in = sim_realloc(tp->stdp_in, (tp->nstdp_in + 1) * sizeof(uint32_t),
                                  "plastic projection list");
        tp->stdp_in[tp->nstdp_in++] = j;
      }
    }
    net->nsyn += pr->syn.nsyn;
    net->syn_bytes += sim_syn_table_bytes(&pr->syn) + syn_store_bytes(&pr->store);
    if (pr->syn.nsyn && pr->syn.d_max > net->max_delay)
      net->max_delay = pr->syn.d_max;
    /* Poisson trains are drawn on the target's rank: they never cross
       ranks, so they do not bound the exchange window. */
    if (net_pop_travels(&desc->pops[pd->src])) {
      sim_time lo = proj_min_delay(desc, pd);
      if (lo < net->min_delay)
        net->min_delay = lo;
    }
    net_pop *src = &net->pops[pd->src];
    src->out_projs = sim_realloc(src->out_projs, (src->nout + 1) * sizeof(uint32_t),
                                 "outgoing projection list");
    src->out_projs[src->nout++] = j;
  }
  if (net->min_delay == SIM_NEVER)
    net->min_delay = 1; /* no spike crosses ranks: any window works */
  if (use_deferred(net))
    for (uint32_t j = 0; j < desc->nprojs; j++)
      if (!net->projs[j].dynamic && delay_major(desc, j))
        sim_syn_table_sort_by_delay(&net->projs[j].syn);
  build_presence(net);
  make_kernel(net);
  net->build_s = sim_clock_s() - t0;
  *out = net;
  return 0;
}

void net_network_destroy(net_network *net)
{
  if (!net)
    return;
  for (uint32_t i = 0; i < net->desc->npops; i++) {
    sim_free(net->pops[i].gid);
    sim_free(net->pops[i].state);
    sim_free(net->pops[i].out_projs);
    sim_free(net->pops[i].dest_off);
    sim_free(net->pops[i].stdp_in);
    sim_free(net->pops[i].dest);
  }
  for (uint32_t j = 0; j < net->desc->nprojs; j++) {
    sim_syn_table_fini(&net->projs[j].syn);
    syn_store_fini(&net->projs[j].store);
  }
  sim_free(net->pops);
  sim_free(net->projs);
  sim_free(net->kernel.pops);
  sim_free(net->kernel.projs);
  sim_free((void *)net->kernel.recs);
  sim_free(net);
}
