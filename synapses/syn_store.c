/*
 * syn_store.c: device and STDP state of a projection's local synapses
 * (see syn_store.h).
 */
#include "syn_store.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_syn.h"

#define REBASE_AT 30.0 /* rebase relax epochs when (t - epoch) / lifetime > this */

/* ------------------------------------------------------------------ */
/* Device state                                                         */

static inline int is_stuck(const syn_store *st, uint64_t i)
{
  return st->stuck && (st->stuck[i >> 3] >> (i & 7) & 1);
}

/* How many synapses before k in its source's list go to the same target
   (lists are sorted by target, so equal targets are adjacent); k0 is the
   start of the source's list. */
static inline uint32_t ordinal(const sim_syn_table *tab, uint64_t k0, uint64_t k)
{
  uint32_t o = 0;
  while (k > k0 + o && tab->tgt[k - o - 1] == tab->tgt[k])
    o++;
  return o;
}

/* Normalized state of device i at time t_s; decay = e^{-(t - epoch)/L}
   for relax devices (precomputed by the caller). */
static double dev_w(const syn_store *st, uint64_t i, double t_s, double decay,
                    uint64_t key)
{
  const syn_device_param *p = &st->spec->dev;
  if (is_stuck(st, i)) {
    if (!isnan(p->stuck_w))
      return p->stuck_w;
    syn_device_inst inst;
    syn_device_instance(p, key, &inst);
    return inst.stuck_w;
  }
  switch (p->retention) {
  case SYN_RET_RELAX:
  case SYN_RET_ARRHENIUS:
    return p->w_rest + st->a[i] * decay;
  case SYN_RET_DRIFT: {
    double dt = t_s - st->t_prog[i];
    syn_device_inst inst = {.nu = st->nu[i]};
    return syn_device_retain(p, &inst, st->a[i], dt > 0 ? dt : 0);
  }
  default:
    return st->a[i];
  }
}

/* Store w as device i's state, written at time t_s. */
static void dev_store(syn_store *st, uint64_t i, double w, double t_s)
{
  const syn_device_param *p = &st->spec->dev;
  switch (p->retention) {
  case SYN_RET_RELAX:
  case SYN_RET_ARRHENIUS:
    st->a[i] = (float)((w - p->w_rest) * exp((t_s - st->epoch_s) / st->tau_s));
    break;
  case SYN_RET_DRIFT:
    st->a[i] = (float)w;
    st->t_prog[i] = t_s;
    break;
  default:
    st->a[i] = (float)w;
  }
}

/* Keep relax factors in range: move the epoch to t_s (one pass). */
static void rebase(syn_store *st, double t_s)
{
  const syn_device_param *p = &st->spec->dev;
  if (!syn_retention_relaxes(p->retention) || (t_s - st->epoch_s) / st->tau_s < REBASE_AT)
    return;
  double f = exp(-(t_s - st->epoch_s) / st->tau_s);
  for (uint64_t i = 0; i < st->nsyn * st->ndev; i++)
    st->a[i] = (float)(st->a[i] * f);
  st->epoch_s = t_s;
}

static double relax_decay(const syn_store *st, double t_s)
{
  const syn_device_param *p = &st->spec->dev;
  return syn_retention_relaxes(p->retention) ? exp(-(t_s - st->epoch_s) / st->tau_s) : 1.0;
}

/* Synaptic weight from the device state(s) (no read noise). */
static inline double weight_of(const syn_store *st, double w0, double w1)
{
  const syn_spec *sp = st->spec;
  return sp->differential ? sp->scale * (w0 - w1) : sp->scale * (w0 - sp->w_ref);
}

/* ------------------------------------------------------------------ */
/* Set-up                                                               */

void syn_store_init(syn_store *st, const syn_spec *spec, sim_syn_table *tab,
                    sim_gid src_first, const sim_gid *tgt_gids, uint32_t ntgt,
                    uint64_t seed, uint32_t proj, double h_ms)
{
  memset(st, 0, sizeof *st);
  st->spec = spec;
  st->src_first = src_first;
  st->tgt_gids = tgt_gids;
  st->nsyn = tab->nsyn;
  st->h_s = h_ms * 1e-3;
  st->key = sim_hash4(seed, 0x6d656d737069ULL, proj, 0);
  st->ndev = spec->kind == SYN_DEVICE && spec->differential ? 2 : 1;
  if (spec->kind == SYN_STDP) {
    /* Plastic weights need their own storage, in double: the initial
       weights move here from the table. */
    st->w = sim_malloc(tab->nsyn * sizeof *st->w + 8, "plastic weights");
    for (uint64_t k = 0; k < tab->nsyn; k++)
      st->w[k] = tab->w ? (double)tab->w[k] : tab->w_const;
    sim_free(tab->w);
    tab->w = NULL;
  }
  if (spec->kind == SYN_DEVICE) {
    const syn_device_param *p = &spec->dev;
    uint64_t nd = tab->nsyn * st->ndev;
    /* relax: lifetime_s itself (so relax runs are unchanged); arrhenius:
       at the operating temperature, fixed for the run */
    st->tau_s = syn_device_tau_s(p);
    st->a = sim_malloc(nd * sizeof *st->a + 4, "device states");
    if (p->retention == SYN_RET_DRIFT) {
      st->t_prog = sim_calloc(nd + 1, sizeof *st->t_prog, "device programming times");
      st->nu = sim_malloc(nd * sizeof *st->nu + 4, "device drift exponents");
    }
    double full = ceil(4 * (p->w_max - p->w_min) / p->dw_min) + 1;
    st->max_pulses = full >= 1 && full < SYN_MAX_PULSES ? (uint32_t)full : SYN_MAX_PULSES;
    if (p->stuck_fraction > 0)
      st->stuck = sim_calloc(nd / 8 + 1, 1, "stuck device marks");
    /* Set-up needs a device's own draws only for its bounds, stuck mark and
       drift exponent; otherwise the nominal device serves (the d2d step
       sizes are drawn at each write). */
    double dmin = isnan(p->w_min_dtod) ? p->w_bounds_dtod : p->w_min_dtod;
    double dmax = isnan(p->w_max_dtod) ? p->w_bounds_dtod : p->w_max_dtod;
    const int need_inst = p->stuck_fraction > 0 || dmin > 0 || dmax > 0 ||
                          p->retention == SYN_RET_DRIFT;
    const syn_device_inst nominal = {.w_min = p->w_min, .w_max = p->w_max,
                                     .nu = p->drift_nu, .stuck = 0};
    double w_lo = syn_retention_relaxes(p->retention) ? p->w_rest : INFINITY;
    for (uint32_t r = 0; r < tab->nrows; r++)
      for (uint64_t k = tab->off[r], s = sim_syn_row_source(tab, r); k < tab->off[r + 1];
           k++) {
        uint32_t ord = ordinal(tab, tab->off[r], k);
        double wt = tab->w ? tab->w[k] : tab->w_const;
        double x = wt / spec->scale, target[2];
        if (spec->differential) {
          syn_device_pair_targets(x, spec->w_ref, 1.0, target);
        } else {
          target[0] = x + spec->w_ref;
        }
        for (uint32_t m = 0; m < st->ndev; m++) {
          uint64_t i = k * st->ndev + m;
          syn_device_inst inst = nominal;
          if (need_inst)
            syn_device_instance_static(p, syn_store_dev_key(st, src_first + s,
                                                            tgt_gids[tab->tgt[k]], ord, m),
                                       &inst);
          if (inst.stuck)
            st->stuck[i >> 3] |= (uint8_t)(1u << (i & 7));
          if (st->nu)
            st->nu[i] = (float)inst.nu;
          double w0 = syn_device_initial(p, &inst, target[m]);
          if (w0 < w_lo)
            w_lo = w0;
          dev_store(st, i, w0, 0.0);
        }
      }
    /* The devices hold the weights now. */
    sim_free(tab->w);
    tab->w = NULL;
    /* The fast read (syn_store_spike_fast) needs: no plasticity, no read
       noise, memoryless retention, a fixed stuck value, and G >= 0 over the
       device's range (so read energy sums linearly). */
    /* Without writes a state only moves from its initial value towards
       w_rest, so the smallest G is at min(initial values, w_rest). */
    double g_lo = p->g_ref_uS + (isfinite(w_lo) ? w_lo : 0) * p->g_scale_uS;
    st->fast = !spec->plastic && p->read_noise == 0 && p->retention != SYN_RET_DRIFT &&
               (p->stuck_fraction == 0 || !isnan(p->stuck_w)) && g_lo >= 0 &&
               p->g_scale_uS >= 0;
  }
  if (spec->plastic) {
    st->pre_last = sim_malloc((size_t)tab->src_n * sizeof *st->pre_last + 8, "STDP pre times");
    st->kplus = sim_calloc((size_t)tab->src_n + 1, sizeof *st->kplus, "STDP pre traces");
    for (uint32_t s = 0; s < tab->src_n; s++)
      st->pre_last[s] = INT64_MIN;
    st->post = sim_calloc((size_t)ntgt + 1, sizeof *st->post, "STDP post histories");
  }
}

void syn_store_fini(syn_store *st)
{
  sim_free(st->w);
  sim_free(st->a);
  sim_free(st->t_prog);
  sim_free(st->nu);
  sim_free(st->stuck);
  sim_free(st->pre_last);
  sim_free(st->kplus);
  sim_free(st->post);
  sim_free(st->jr);
  memset(st, 0, sizeof *st);
}

size_t syn_store_estimate(const syn_spec *spec, uint64_t nsyn, uint32_t src_n, uint32_t ntgt,
                          int tab_has_w)
{
  /* The allocations of syn_store_init, in its order. */
  size_t b = 0;
  if (spec->kind == SYN_STDP && !tab_has_w)
    b += (size_t)nsyn * sizeof(float); /* plastic weights */
  if (spec->kind == SYN_DEVICE) {
    size_t nd = (size_t)nsyn * (spec->differential ? 2 : 1);
    b += nd * sizeof(float) + 4;
    if (spec->dev.retention == SYN_RET_DRIFT)
      b += (nd + 1) * sizeof(double) + nd * sizeof(float) + 4;
    if (spec->dev.stuck_fraction > 0)
      b += nd / 8 + 1;
  }
  if (spec->plastic)
    b += (size_t)src_n * sizeof(int64_t) + 8 + ((size_t)src_n + 1) * sizeof(double) +
         ((size_t)ntgt + 1) * sizeof(syn_post_hist);
  return b;
}

size_t syn_store_bytes(const syn_store *st)
{
  size_t nd = (size_t)(st->nsyn * st->ndev), b = 0;
  if (st->w)
    b += (size_t)st->nsyn * sizeof *st->w;
  if (st->a)
    b += nd * sizeof(float);
  if (st->t_prog)
    b += nd * (sizeof(double) + sizeof(float));
  if (st->stuck)
    b += nd / 8 + 1;
  return b;
}

/* ------------------------------------------------------------------ */
/* STDP                                                                 */

void syn_store_post(syn_store *st, uint32_t j, int64_t t)
{
  syn_post_hist *h = &st->post[j];
  double k = 1.0;
  if (h->n) {
    uint32_t last = (h->head + SYN_POST_HIST - 1) % SYN_POST_HIST;
    k += h->k[last] * exp(-(double)(t - h->t[last]) * st->h_s * 1e3 / st->spec->stdp.tau_minus);
  }
  h->t[h->head] = t;
  h->k[h->head] = k;
  h->head = (h->head + 1) % SYN_POST_HIST;
  if (h->n < SYN_POST_HIST)
    h->n++;
}

/* Post trace of target j just before tick tq (spikes at tq excluded, as
   NEST's get_K_value). */
static double kminus_before(const syn_store *st, const syn_post_hist *h, int64_t tq)
{
  for (uint32_t m = 0; m < h->n; m++) {
    uint32_t i = (h->head + SYN_POST_HIST - 1 - m) % SYN_POST_HIST;
    if (h->t[i] < tq)
      return h->k[i] * exp(-(double)(tq - h->t[i]) * st->h_s * 1e3 / st->spec->stdp.tau_minus);
  }
  return 0.0;
}

/* NEST stdp_synapse at a pre spike at tick t with delay d (all dendritic):
   facilitate for each post spike with last - d < t_post <= t - d, using
   the pre trace at t_post + d; then depress with the post trace at t - d. */
static double stdp_update(const syn_store *st, const syn_post_hist *h, double w, int64_t t,
                          int64_t last, int64_t d, double kplus_last)
{
  const syn_stdp_param *p = &st->spec->stdp;
  const double tick_ms = st->h_s * 1e3;
  if (last != INT64_MIN) {
    /* oldest first */
    for (uint32_t m = h->n; m-- > 0;) {
      uint32_t i = (h->head + SYN_POST_HIST - 1 - m) % SYN_POST_HIST;
      int64_t tp = h->t[i];
      if (tp + d <= last || tp + d > t)
        continue;
      double kp = kplus_last * exp(-(double)(tp + d - last) * tick_ms / p->tau_plus);
      w = syn_stdp_facilitate(p, w, kp);
    }
  }
  return syn_stdp_depress(p, w, kminus_before(st, h, t - d));
}

/* ------------------------------------------------------------------ */
/* Device writes journal                                                */

/* Conductance of a synapse with device states w (uS): G, or G+ - G-. */
static double cond_of(const syn_store *st, const double *w)
{
  const syn_device_param *p = &st->spec->dev;
  return st->ndev == 2 ? p->g_scale_uS * (w[0] - w[1]) : p->g_ref_uS + w[0] * p->g_scale_uS;
}

static void journal_add(syn_store *st, int64_t t, uint32_t s, uint32_t j, long n,
                        const double *w)
{
  if (st->njr == st->capjr) {
    st->capjr = st->capjr ? 2 * st->capjr : 256;
    st->jr = sim_realloc(st->jr, (size_t)st->capjr * sizeof *st->jr, "device write journal");
  }
  st->jr[st->njr++] = (sim_syn_write){t, s, j, (int32_t)n, cond_of(st, w)};
}

void syn_store_journal(syn_store *st, int on)
{
  st->journal = on && st->spec->kind == SYN_DEVICE && st->spec->plastic;
  st->njr = 0;
  if (!st->journal) {
    sim_free(st->jr);
    st->jr = NULL;
    st->capjr = 0;
  }
}

uint32_t syn_store_writes(syn_store *st, const sim_syn_write **out)
{
  uint32_t n = st->njr;
  *out = st->jr;
  st->njr = 0;
  return n;
}

/* ------------------------------------------------------------------ */
/* A spike through the synapses                                         */

void syn_store_spike(syn_store *st, sim_syn_table *tab, uint32_t s, sim_gid src_gid,
                     const sim_gid *tgt_gids, int64_t t, syn_add_fn add, void *ctx)
{
  const syn_spec *sp = st->spec;
  const syn_device_param *p = &sp->dev;
  const int dev = sp->kind == SYN_DEVICE;
  const sim_syn_span row = sim_syn_find(tab, s);
  const uint64_t k0 = row.k0, k1 = row.k1;
  int64_t last = st->pre_last ? st->pre_last[s] : INT64_MIN;
  double kplus_last = st->kplus ? st->kplus[s] : 0;
  double cached_t = -1, decay = 1.0;
  if (dev)
    rebase(st, (double)t * st->h_s);
  for (uint64_t k = k0; k < k1; k++) {
    const uint32_t j = tab->tgt[k];
    const int64_t d = tab->d ? tab->d[k] : tab->d_const;
    const int64_t t_arr = t + d;
    if (!dev) {
      double w = st->w ? st->w[k] : tab->w ? tab->w[k] : tab->w_const;
      if (sp->plastic) {
        w = stdp_update(st, &st->post[j], w, t, last, d, kplus_last);
        st->w[k] = w;
        st->c.updates++;
      }
      add(ctx, j, t_arr, w);
      continue;
    }
    /* Device synapse: the state at the spike's arrival. */
    const double ta_s = (double)t_arr * st->h_s;
    if (ta_s != cached_t) {
      decay = relax_decay(st, ta_s);
      cached_t = ta_s;
    }
    const uint32_t ord = ordinal(tab, k0, k);
    const sim_gid tg = tgt_gids[j];
    uint64_t key[2] = {syn_store_dev_key(st, src_gid, tg, ord, 0), 0};
    if (st->ndev == 2)
      key[1] = syn_store_dev_key(st, src_gid, tg, ord, 1);
    double w[2] = {0, 0};
    for (uint32_t m = 0; m < st->ndev; m++)
      w[m] = dev_w(st, k * st->ndev + m, ta_s, decay, key[m]);
    if (sp->plastic) {
      double now = weight_of(st, w[0], w[1]);
      double want = stdp_update(st, &st->post[j], now, t, last, d, kplus_last);
      double step = fabs(sp->scale) * p->dw_min;
      /* Bounded: a weight change of any size (a tiny weight_scale, a
         huge Wmax) is at most st->max_pulses write pulses, enough to cross
         the device's range four times over; NaN gives none. */
      double np = (want - now) / step, cap = st->max_pulses;
      long n = !(np == np) ? 0 : np > cap ? (long)cap : np < -cap ? -(long)cap : lround(np);
      st->c.updates++;
      if (n) {
        /* Differential: a rise potentiates G+, a fall potentiates G-.
           Single: up or down pulses on the one device. */
        uint32_t m = sp->differential && n < 0 ? 1 : 0;
        int dir = sp->differential ? 1 : (n > 0) == (sp->scale > 0) ? 1 : -1;
        uint64_t i = k * st->ndev + m;
        if (!is_stuck(st, i)) {
          syn_device_inst inst;
          syn_device_instance(p, key[m], &inst);
          double x = syn_device_pulses(p, &inst, w[m], dir, labs(n), key[m], (uint64_t)t);
          dev_store(st, i, x, ta_s);
          w[m] = x;
        }
        st->c.pulses += (uint64_t)labs(n);
        if (st->journal) {
          /* The conductance as the state holds it now (stored in float). */
          double wj[2] = {0, 0};
          for (uint32_t q = 0; q < st->ndev; q++)
            wj[q] = dev_w(st, k * st->ndev + q, ta_s, decay, key[q]);
          journal_add(st, t, s, j, n, wj);
        }
      }
    }
    /* The read: energy per device, then read noise on the weight. */
    for (uint32_t m = 0; m < st->ndev; m++) {
      double g = p->g_ref_uS + w[m] * p->g_scale_uS;
      st->c.read_g_us += g > 0 ? g : 0;
      if (p->read_noise > 0) /* its own key: not the d2d draws' counters */
        w[m] = syn_device_read(p, w[m], sim_hash4(key[m], (uint64_t)t_arr, 0x72656164ULL, 0));
    }
    st->c.reads += st->ndev;
    add(ctx, j, t_arr, weight_of(st, w[0], w[1]));
  }
  if (sp->plastic) {
    st->kplus[s] = (last == INT64_MIN ? 0.0
                                      : kplus_last * exp(-(double)(t - last) * st->h_s * 1e3 /
                                                         sp->stdp.tau_plus)) +
                   1.0;
    st->pre_last[s] = t;
  }
}

int syn_store_spike_fast(syn_store *st, const sim_syn_table *tab, uint32_t s, int64_t t,
                         double *row_ex, double *row_in, uint64_t *bits, int64_t *pending)
{
  const syn_spec *sp = st->spec;
  const syn_device_param *p = &sp->dev;
  if (!st->fast || tab->d)
    return 0;
  const sim_syn_span row = sim_syn_find(tab, s);
  const uint64_t k0 = row.k0, k1 = row.k1;
  const int64_t t_arr = t + tab->d_const;
  const double ta_s = (double)t_arr * st->h_s;
  rebase(st, ta_s);
  const double decay = relax_decay(st, ta_s);
  const double base = syn_retention_relaxes(p->retention) ? p->w_rest : 0.0;
  const double scale = sp->scale, ref = sp->differential ? 0.0 : sp->w_ref;
  const double stuck_w = p->stuck_w;
  const float *a = st->a;
  const uint32_t *tg = tab->tgt;
  double sum_w = 0;
  if (t_arr > *pending)
    *pending = t_arr;
  for (uint64_t k = k0; k < k1; k++) {
    double w0, w1 = 0;
    if (st->ndev == 1) {
      uint64_t i = k;
      w0 = is_stuck(st, i) ? stuck_w : base + a[i] * decay;
      sum_w += w0;
    } else {
      uint64_t i = 2 * k;
      w0 = is_stuck(st, i) ? stuck_w : base + a[i] * decay;
      w1 = is_stuck(st, i + 1) ? stuck_w : base + a[i + 1] * decay;
      sum_w += w0 + w1;
    }
    double w = scale * (w0 - w1 - ref);
    uint32_t j = tg[k];
    if (row_in && w < 0)
      row_in[j] += w;
    else
      row_ex[j] += w;
    if (bits)
      bits[j >> 6] |= 1ull << (j & 63);
  }
  uint64_t n = (k1 - k0) * st->ndev;
  st->c.reads += n;
  st->c.read_g_us += p->g_ref_uS * (double)n + p->g_scale_uS * sum_w;
  return 1;
}

double syn_store_weight_g(const syn_store *st, const sim_syn_table *tab, uint64_t k,
                          int64_t t, double *g)
{
  *g = NAN;
  if (st->spec->kind != SYN_DEVICE)
    return st->w ? st->w[k] : tab->w ? tab->w[k] : tab->w_const;
  /* The source owning k. */
  const uint32_t r = sim_syn_row_of(tab, k), lo = sim_syn_row_source(tab, r);
  double t_s = (double)t * st->h_s, decay = relax_decay(st, t_s), w[2] = {0, 0};
  uint32_t ord = ordinal(tab, tab->off[r], k);
  for (uint32_t m = 0; m < st->ndev; m++)
    w[m] = dev_w(st, k * st->ndev + m, t_s, decay,
                 syn_store_dev_key(st, st->src_first + lo, st->tgt_gids[tab->tgt[k]], ord, m));
  *g = cond_of(st, w);
  return weight_of(st, w[0], w[1]);
}

double syn_store_weight(const syn_store *st, const sim_syn_table *tab, uint64_t k,
                        sim_gid src_gid, const sim_gid *tgt_gids, int64_t t)
{
  if (st->spec->kind != SYN_DEVICE)
    return st->w ? st->w[k] : tab->w ? tab->w[k] : tab->w_const;
  const uint32_t r = sim_syn_row_of(tab, k);
  double t_s = (double)t * st->h_s, decay = relax_decay(st, t_s), w[2] = {0, 0};
  uint32_t ord = ordinal(tab, tab->off[r], k);
  for (uint32_t m = 0; m < st->ndev; m++)
    w[m] = dev_w(st, k * st->ndev + m, t_s, decay,
                 syn_store_dev_key(st, src_gid, tgt_gids[tab->tgt[k]], ord, m));
  return weight_of(st, w[0], w[1]);
}

void syn_store_energy(syn_store *st)
{
  const syn_device_param *p = &st->spec->dev;
  if (st->spec->kind != SYN_DEVICE)
    return;
  /* V^2 (V^2) x G (uS) x t (s) = 1e-6 J per unit = 1e6 pJ. */
  st->c.read_pj = p->v_read * p->v_read * st->c.read_g_us * p->t_read_s * 1e6;
  st->c.write_pj = (double)st->c.pulses * p->e_pulse_pj;
}
