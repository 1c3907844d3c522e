/*
 * net_mem.c: memory estimate of a network before building (net_mem.h).
 */
#include "net_mem.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_connect.h"
#include "../core/sim_alloc.h"
#include "../core/sim_engine.h"
#include "../core/sim_rng.h"
#include "../core/sim_syn.h"
#include "../synapses/syn_spec.h"
#include "../synapses/syn_store.h"

/* Add a contributor; past NET_MEM_MAX_ITEMS the last one collects the
   rest as "other". */
static void add(net_mem *m, double bytes, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void add(net_mem *m, double bytes, const char *fmt, ...)
{
  m->bytes += bytes;
  if (bytes <= 0)
    return;
  net_mem_item *it;
  if (m->nitems < NET_MEM_MAX_ITEMS) {
    it = &m->item[m->nitems++];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(it->what, sizeof it->what, fmt, ap);
    va_end(ap);
    it->bytes = bytes;
  } else {
    it = &m->item[NET_MEM_MAX_ITEMS - 1];
    snprintf(it->what, sizeof it->what, "other");
    it->bytes += bytes;
  }
}

static int by_bytes_desc(const void *a, const void *b)
{
  double x = ((const net_mem_item *)a)->bytes, y = ((const net_mem_item *)b)->bytes;
  return x < y ? 1 : x > y ? -1 : 0;
}

/* Largest and smallest delay (ticks) a projection's distribution gives;
   an unbounded normal is taken up to mean + 6 std. */
static void delay_range(const net_desc *d, const net_proj_desc *pd, int64_t *lo, int64_t *hi)
{
  const net_dist *dl = &pd->delay_ms;
  double a = dl->a, b = dl->a;
  if (dl->kind == NET_DIST_UNIFORM) {
    a = fmin(dl->a, dl->b);
    b = fmax(dl->a, dl->b);
  } else if (dl->kind == NET_DIST_NORMAL) {
    a = isfinite(dl->lo) ? dl->lo : 0;
    b = isfinite(dl->hi) ? dl->hi : dl->a + 6 * dl->b;
  }
  *lo = net_delay_ticks(a, d->sim.resolution_ms);
  *hi = net_delay_ticks(b, d->sim.resolution_ms);
  if (*hi > NET_MAX_DELAY_TICKS)
    *hi = NET_MAX_DELAY_TICKS;
  if (*lo > *hi)
    *lo = *hi;
}

/* Expected synapses of projection j onto this rank. */
static double proj_nsyn(const net_desc *d, uint32_t j, const uint32_t *nlocal)
{
  const net_proj_desc *pd = &d->projs[j];
  net_conn c = {.nsrc = d->pops[pd->src].n, .ntgt = d->pops[pd->tgt].n,
                .same = pd->src == pd->tgt, .autapses = pd->autapses,
                .multapses = pd->multapses, .degree = pd->degree, .p = pd->p,
                .total = pd->total};
  return pd->rule->expected ? pd->rule->expected(&c, nlocal[pd->tgt]) : 0;
}

/* The estimate follows the order of allocation: neurons, then each
   projection in turn (net_connect's table and scratch, then syn_store_init,
   which frees a device projection's per-synapse weights once the devices
   hold them), then what the engine and the log allocate at the start of
   the run.  The peak is the largest of the build's running totals and the
   run's; the contributors are what the run holds, plus the build's excess
   over it when the build peaks higher. */
void net_mem_estimate(const net_desc *d, const net_part *part, int logs, net_mem *out)
{
  memset(out, 0, sizeof *out);
  const int P = part->nranks > 0 ? part->nranks : 1;
  uint32_t *nlocal = sim_calloc(d->npops + 1, sizeof *nlocal, "estimate scratch");
  double *nsyn = sim_calloc(d->nprojs + 1, sizeof *nsyn, "estimate scratch");
  /* expected synapses out of each population, over all ranks */
  double *out_syn = sim_calloc(d->npops + 1, sizeof *out_syn, "estimate scratch");
  for (uint32_t i = 0; i < d->npops; i++)
    nlocal[i] = net_part_nlocal(part, d->pops[i].first_gid, d->pops[i].n);

  /* Pass 1: synapse counts, and the delays that size the rings. */
  int64_t min_delay = INT64_MAX, max_delay = 1;
  for (uint32_t j = 0; j < d->nprojs; j++) {
    const net_proj_desc *pd = &d->projs[j];
    nsyn[j] = proj_nsyn(d, j, nlocal);
    out->nsyn += nsyn[j];
    out_syn[pd->src] += nsyn[j] * P; /* about the same on every rank */
    int64_t lo, hi;
    delay_range(d, pd, &lo, &hi);
    if (hi > max_delay)
      max_delay = hi;
    if (net_pop_travels(&d->pops[pd->src]) && lo < min_delay)
      min_delay = lo;
  }
  if (min_delay == INT64_MAX)
    min_delay = 1;
  const uint32_t nslots = sim_engine_nslots(max_delay, min_delay);

  /* Pass 2: neurons (built first) and the engine's rings (at the run). */
  double run_only = 0, travelling = 0;
  for (uint32_t i = 0; i < d->npops; i++) {
    const net_pop_desc *pd = &d->pops[i];
    const double nl = nlocal[i];
    double b = nl * sizeof(sim_gid) + (nl + 1) * sizeof(uint32_t); /* gid, dest_off */
    if (pd->model)
      b += nl * pd->model->state_size;
    if (net_pop_travels(pd)) {
      travelling += pd->n;
      /* dest: the ranks that host a neuron's targets, at most P */
      double per = pd->n ? out_syn[i] / pd->n : 0;
      b += nl * fmin((double)P, fmax(per, 0)) * sizeof(int32_t);
    }
    add(out, b, "population %s: %u neurons (gids, state %u B each, presence)", pd->name,
        nlocal[i], pd->model ? pd->model->state_size : 0);
    double r = (double)sim_engine_pop_bytes(pd->model, nlocal[i], nslots);
    run_only += r;
    add(out, r, "population %s: input rings (%u slots x %d ports x 8 B) and scratch", pd->name,
        nslots, pd->model ? pd->model->nports : 0);
  }
  /* Presence exchange: a bit per global neuron, send and receive bits. */
  add(out, (double)d->total / 8 + 2 * travelling / 8, "building: presence bits");
  double built = out->bytes - run_only; /* running total of the build */

  /* Pass 3: projections in build order. */
  double build_peak = built;
  for (uint32_t j = 0; j < d->nprojs; j++) {
    const net_proj_desc *pd = &d->projs[j];
    const net_pop_desc *src = &d->pops[pd->src], *tgt = &d->pops[pd->tgt];
    const int dev = pd->spec && pd->spec->kind == SYN_DEVICE;
    const int per_w = pd->weight.kind != NET_DIST_CONST;
    const int per_d = pd->delay_ms.kind != NET_DIST_CONST;
    /* A device table keeps no weights once the devices hold them. */
    const int keep_w = per_w && !dev;
    /* Per synapse, plus the rows: dense offsets or the sparse rows of the
       sources expected to have local synapses, whichever is smaller. */
    double tab = (double)sim_syn_table_bytes_for((uint64_t)llround(nsyn[j]), src->n, keep_w,
                                                 per_d);
    const char *kind = dev ? "device" : pd->spec && pd->spec->kind == SYN_STDP ? "stdp"
                                                                              : "static";
    add(out, tab, "projection %s: %.0f %s synapses (table: target 4 B%s%s, offsets)",
        pd->name, nsyn[j], kind, keep_w ? " + weight 4 B" : "", per_d ? " + delay 2 B" : "");
    double st = 0;
    if (pd->spec && pd->spec->kind != SYN_STATIC) {
      /* syn_store_estimate's per-synapse terms scale linearly: one call
         for a million synapses, one for the per-source and target parts. */
      double per = (double)syn_store_estimate(pd->spec, 1000000, 0, 0, per_w) / 1e6;
      double fixed = (double)syn_store_estimate(pd->spec, 0, src->n, nlocal[pd->tgt], per_w);
      st = per * nsyn[j] + fixed;
      add(out, st, "projection %s: %s state", pd->name, kind);
    }
    /* Transients: net_connect's cursors and sampling marks, and a device
       projection's drawn weights until syn_store_init maps them. */
    double scratch = ((double)src->n + 1) * sizeof(uint64_t) +
                     (pd->multapses ? 0 : ((double)(pd->rule->source ? tgt->n : src->n) + 1) * 4);
    double wtmp = per_w && dev ? nsyn[j] * sizeof(float) : 0;
    if (built + tab + fmax(scratch, wtmp + st) > build_peak)
      build_peak = built + tab + fmax(scratch, wtmp + st);
    built += tab + st;
    if (!net_pop_travels(src)) { /* drawn on the target's rank at the run:
                                    a stream and a queued event per synapse */
      double r = nsyn[j] * (double)(sizeof(sim_rng) + 2 * sizeof(sim_event)) +
                 ((double)nlocal[pd->tgt] + 1) * sizeof(uint32_t);
      run_only += r;
      add(out, r, "projection %s: %s trains", pd->name, net_pop_model_name(src));
    }
  }

  /* Event log: the recorded gids and flags, a window's spikes (at most one
     per recorded neuron and tick of a window) with their sort keys, and
     multimeter rows. */
  if (logs) {
    double rec = 0, rows = 0;
    for (uint32_t r = 0; r < d->nrecs; r++) {
      const net_rec_desc *rd = &d->recs[r];
      double frac = d->pops[rd->pop].n ? (double)nlocal[rd->pop] / d->pops[rd->pop].n : 0;
      double cnt = rd->count * frac;
      if (rd->kind == NET_REC_SPIKES)
        rec += cnt * (sizeof(sim_gid) + 1 + 2 * (sizeof(int64_t) + sizeof(sim_gid)) + 16);
      else
        rows += cnt * rd->nvars * sizeof(double) * 2;
    }
    add(out, rec + rows + (rec + rows > 0 ? 65536 : 0), "event log buffers");
    /* Weight snapshots: the producer's arrays (a sample keeps its CSR
       index, pre and post, 16 B a synapse; w and g, 16 B, grown by half)
       and the packed record (~28 B). */
    for (uint32_t r = 0; r < d->nrecs; r++) {
      const net_rec_desc *rd = &d->recs[r];
      if (rd->kind == NET_REC_WEIGHTS)
        add(out, nsyn[rd->proj] * rd->sample * (16 + 16 * 1.5 + 28) + 64,
            "record %s: weight snapshot of %s", rd->name, d->projs[rd->proj].name);
    }
  }
  /* out->bytes is now what the run holds; the build may peak higher. */
  if (build_peak > out->bytes)
    add(out, build_peak - out->bytes,
        "building: peak above the run's (device weights before mapping, scratch)");
  qsort(out->item, out->nitems, sizeof out->item[0], by_bytes_desc);
  sim_free(nlocal);
  sim_free(nsyn);
  sim_free(out_syn);
}
