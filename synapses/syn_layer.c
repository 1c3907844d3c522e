/*
 * syn_layer.c: shared-kernel layer projections (see syn_layer.h).  Owns
 * the plans; the weights are the converter's.  Layer kinds feed only
 * if_soft_reset stages, which do not count spikes (sim_sink.counts is 0),
 * so weights go into the rows as they are.
 */
#include "syn_layer.h"

#include <string.h>

#include "../core/sim_alloc.h"

void syn_layer_conv_plan(const syn_layer_geom *g, syn_layer_plan *out)
{
  uint32_t npos = g->ih * g->iw, n = 0;
  memset(out, 0, sizeof *out);
  out->off = sim_malloc((npos + 1) * sizeof *out->off, "scatter plan");
  out->opos = sim_malloc((size_t)npos * g->kh * g->kw * sizeof *out->opos + 4, "scatter plan");
  out->koff = sim_malloc((size_t)npos * g->kh * g->kw * sizeof *out->koff + 4, "scatter plan");
  for (uint32_t p = 0; p < npos; p++) {
    uint32_t y = p / g->iw, x = p % g->iw;
    out->off[p] = n;
    for (uint32_t ky = 0; ky < g->kh; ky++) {
      int ny = (int)y + (int)g->ph - (int)ky;
      if (ny < 0 || ny % (int)g->sh || (uint32_t)ny / g->sh >= g->oh)
        continue;
      for (uint32_t kx = 0; kx < g->kw; kx++) {
        int nx = (int)x + (int)g->pw - (int)kx;
        if (nx < 0 || nx % (int)g->sw || (uint32_t)nx / g->sw >= g->ow)
          continue;
        out->opos[n] = ((uint32_t)ny / g->sh) * g->ow + (uint32_t)nx / g->sw;
        out->koff[n] = (uint16_t)(ky * g->kw + kx);
        n++;
      }
    }
  }
  out->off[npos] = n;
  out->n = n;
}

void syn_layer_pool_plan(const syn_layer_geom *g, syn_layer_plan *out)
{
  const uint32_t nin = g->ic * g->ih * g->iw;
  uint32_t n = 0, cap = nin * ((g->kh + g->sh - 1) / g->sh) * ((g->kw + g->sw - 1) / g->sw);
  memset(out, 0, sizeof *out);
  out->off = sim_malloc(((size_t)nin + 1) * sizeof *out->off, "pool plan");
  out->opos = sim_malloc((size_t)cap * sizeof *out->opos + 4, "pool plan");
  for (uint32_t i = 0; i < nin; i++) {
    uint32_t c = i % g->ic, pos = i / g->ic, y = pos / g->iw, x = pos % g->iw;
    out->off[i] = n;
    for (uint32_t oy = y >= g->kh ? (y - g->kh) / g->sh + 1 : 0; oy * g->sh <= y && oy < g->oh;
         oy++)
      for (uint32_t ox = x >= g->kw ? (x - g->kw) / g->sw + 1 : 0;
           ox * g->sw <= x && ox < g->ow; ox++)
        if (y < oy * g->sh + g->kh && x < ox * g->sw + g->kw && n < cap)
          out->opos[n++] = (oy * g->ow + ox) * g->oc + c;
  }
  out->off[nin] = n;
  out->n = n;
}

void syn_layer_plan_fini(syn_layer_plan *p)
{
  sim_free(p->off);
  sim_free(p->opos);
  sim_free(p->koff);
  memset(p, 0, sizeof *p);
}

void syn_layer_init(syn_layer *l, syn_layer_type type, const syn_layer_geom *g,
                    const float *ws, sim_time delay)
{
  memset(l, 0, sizeof *l);
  l->type = type;
  l->g = *g;
  l->ws = ws;
  l->delay = delay;
  l->t_last = SIM_NEVER;
  l->nin = g->ic * g->ih * g->iw;
  l->nout = g->oc * g->oh * g->ow;
  if (type == SYN_LAYER_CONV)
    syn_layer_conv_plan(g, &l->plan);
  else if (type == SYN_LAYER_AVGPOOL || type == SYN_LAYER_MAXPOOL)
    syn_layer_pool_plan(g, &l->plan);
  if (type == SYN_LAYER_MAXPOOL) {
    l->cnt = sim_calloc(l->nin + 1, sizeof *l->cnt, "max-pool counts");
    l->ocnt = sim_calloc(l->nout + 1, sizeof *l->ocnt, "max-pool counts");
    l->decided_at = sim_malloc((l->nout + 1) * sizeof *l->decided_at, "max-pool ticks");
    l->pend = sim_malloc((l->nout + 1) * sizeof *l->pend, "max-pool windows");
    syn_layer_reset(l);
  }
}

void syn_layer_reset(syn_layer *l)
{
  if (l->type != SYN_LAYER_MAXPOOL)
    return;
  memset(l->cnt, 0, l->nin * sizeof *l->cnt);
  memset(l->ocnt, 0, l->nout * sizeof *l->ocnt);
  for (uint32_t n = 0; n < l->nout; n++)
    l->decided_at[n] = -1;
  l->npend = 0;
  l->pend_t = -1;
}

void syn_layer_fini(syn_layer *l)
{
  syn_layer_plan_fini(&l->plan);
  sim_free(l->cnt);
  sim_free(l->ocnt);
  sim_free(l->decided_at);
  sim_free(l->pend);
}

uint64_t syn_layer_synapses(const syn_layer *l)
{
  switch (l->type) {
  case SYN_LAYER_CONV:
    return (uint64_t)l->plan.n * l->g.ic * l->g.oc;
  case SYN_LAYER_DENSE:
    return (uint64_t)l->nin * l->nout;
  case SYN_LAYER_AVGPOOL:
  case SYN_LAYER_MAXPOOL:
    return l->plan.n;
  }
  return 0;
}

/* in[j] += w for targets j0 .. j0 + n, marking each. */
static inline void add_span(double *restrict row, uint64_t *restrict bits, uint32_t j0,
                            const float *restrict w, uint32_t n)
{
  for (uint32_t o = 0; o < n; o++) {
    uint32_t j = j0 + o;
    row[j] += w[o];
    bits[j >> 6] |= 1ull << (j & 63);
  }
}

static void layer_window_end(void *self, const sim_sink *sink, sim_time t_next);

static uint64_t layer_spike(void *self, sim_syn_table *tab, uint32_t s, sim_gid src_gid,
                        const sim_gid *tgt_gids, sim_time t, const sim_sink *sink, int port)
{
  (void)tab;
  (void)src_gid;
  (void)tgt_gids;
  syn_layer *l = self;
  if (t > l->t_last)
    return 0;
  const sim_time ta = t + l->delay;
  uint64_t ev = 0;
  if (l->type != SYN_LAYER_MAXPOOL)
    sim_sink_pending(sink, ta);
  double *row = sim_sink_row(sink, port, ta);
  uint64_t *bits = sim_sink_bits(sink, ta);
  switch (l->type) {
  case SYN_LAYER_CONV: {
    const uint32_t ic = l->g.ic, oc = l->g.oc, kk = l->g.kh * l->g.kw;
    const uint32_t pos = s / ic, c = s % ic;
    const float *wc = l->ws + (size_t)c * kk * oc;
    for (uint32_t e = l->plan.off[pos]; e < l->plan.off[pos + 1]; e++)
      add_span(row, bits, l->plan.opos[e] * oc, wc + (size_t)l->plan.koff[e] * oc, oc);
    ev = (uint64_t)(l->plan.off[pos + 1] - l->plan.off[pos]) * oc;
    break;
  }
  case SYN_LAYER_DENSE:
    add_span(row, bits, 0, l->ws + (size_t)s * l->nout, l->nout);
    ev = l->nout;
    break;
  case SYN_LAYER_AVGPOOL: {
    const double w = 1.0 / (double)(l->g.kh * l->g.kw);
    for (uint32_t e = l->plan.off[s]; e < l->plan.off[s + 1]; e++) {
      uint32_t j = l->plan.opos[e];
      row[j] += w;
      bits[j >> 6] |= 1ull << (j & 63);
    }
    ev = l->plan.off[s + 1] - l->plan.off[s];
    break;
  }
  case SYN_LAYER_MAXPOOL:
    /* Count now; the windows are decided at the window's end (or when a
       later tick's spike arrives first, in windows of several ticks). */
    if (l->npend && t != l->pend_t)
      layer_window_end(l, sink, t);
    l->cnt[s]++;
    l->pend_t = t;
    for (uint32_t e = l->plan.off[s]; e < l->plan.off[s + 1]; e++) {
      uint32_t n = l->plan.opos[e];
      if (l->decided_at[n] != t) {
        l->decided_at[n] = t;
        l->pend[l->npend++] = n;
        ev++;
      }
    }
    break;
  }
  l->events += ev;
  return ev;
}

/* Max pooling, rate-correct: each window touched at pend_t passes a spike
   when the largest spike count of its inputs so far exceeds the spikes it
   passed, so that its count is its inputs' largest count at every tick. */
static void layer_window_end(void *self, const sim_sink *sink, sim_time t_next)
{
  syn_layer *l = self;
  (void)t_next;
  if (l->type != SYN_LAYER_MAXPOOL || !l->npend)
    return;
  const syn_layer_geom *g = &l->g;
  const sim_time ta = l->pend_t + l->delay;
  for (uint32_t q = 0; q < l->npend; q++) {
    uint32_t n = l->pend[q], c = n % g->oc, pos = n / g->oc;
    uint32_t oy = pos / g->ow, ox = pos % g->ow, m = 0;
    for (uint32_t ky = 0; ky < g->kh; ky++)
      for (uint32_t kx = 0; kx < g->kw; kx++) {
        uint32_t j = ((oy * g->sh + ky) * g->iw + ox * g->sw + kx) * g->ic + c;
        m = l->cnt[j] > m ? l->cnt[j] : m;
      }
    if (m > l->ocnt[n]) {
      l->ocnt[n]++;
      sim_sink_add(sink, 0, ta, n, 1.0);
    }
  }
  l->npend = 0;
}

const sim_proj_ops syn_layer_kind = {
    .name = "layer",
    .spike = layer_spike,
    .window_end = layer_window_end,
};
