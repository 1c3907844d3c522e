/*
 * net_cnn_run.c: event-driven inference of the converted SNN (cnn_snn_run,
 * net_cnn.h).  IF neurons with threshold 1 and reset by subtraction, one
 * step at a time through the stages: a spike scatters its kernel into the
 * next stage's input; a neuron is updated only at steps where input
 * reaches it or where its constant current alone brings it to threshold (a
 * self-event predicted in closed form); a stage where most neurons are due
 * is swept vectorized instead, with the same arithmetic.  Owns nothing
 * beyond the per-stage state of net_cnn_int.h.
 */
#include "net_cnn_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_rng.h"

static void due_push(stage *t, uint32_t step, uint32_t n)
{
  bucket *b = &t->due[step];
  if (b->len == b->cap) {
    b->cap = b->cap ? 2 * b->cap : 64;
    b->n = sim_realloc(b->n, b->cap * sizeof *b->n, "self-event bucket");
  }
  b->n[b->len++] = n;
}

static inline void touch(stage *t, uint32_t n)
{
  if (!t->touched[n]) {
    t->touched[n] = 1;
    t->tlist[t->ntl++] = n;
  }
}

/* Reset a stage for a new image of up to tmax steps; membranes start at
   v0 (cnn_opts.v_init, a fraction of the threshold 1; max-pool windows,
   which count, at 0). */
static void stage_reset(stage *t, uint32_t tmax, float v0)
{
  if (t->tmax < tmax) {
    t->due = sim_realloc(t->due, tmax * sizeof *t->due, "self-event buckets");
    memset(t->due + t->tmax, 0, (tmax - t->tmax) * sizeof *t->due);
    t->tmax = tmax;
  }
  for (uint32_t q = 0; q < t->tmax; q++)
    t->due[q].len = 0;
  uint32_t n = t->nout;
  for (uint32_t i = 0; i < n; i++)
    t->v[i] = t->kind == ST_MAXPOOL ? 0.0f : v0;
  memset(t->in, 0, n * sizeof *t->in);
  memset(t->cnt, 0, n * sizeof *t->cnt);
  memset(t->spiked, 0, n);
  for (uint32_t i = 0; i < n; i++) {
    t->last[i] = -1;
    t->sched[i] = -1;
  }
  t->ntl = t->nspk = t->npl = 0;
  memset(t->ptouched, 0, (size_t)t->oh * t->ow);
  /* Start sweeping: no neuron's self-event is needed until activity turns
     sparse (then all are predicted at once). */
  t->dense_prev = 1;
  t->nspk_prev = t->nout;
}

/* Membrane of neuron i at the end of step t, from its last update. */
static inline float v_at(const stage *t, uint32_t i, int32_t step)
{
  return t->v[i] + t->drive[i] * (float)(step - t->last[i]);
}

/* The earliest step after `step` at which neuron i, left alone, reaches
   threshold under its constant current; -1 if never before tmax.  Checked
   against v_at, the update's own arithmetic. */
static int32_t predict(const stage *t, uint32_t i, int32_t step, int32_t tmax)
{
  const float v = t->v[i], d = t->drive[i];
  if (v >= 1.0f)
    return step + 1 < tmax ? step + 1 : -1;
  if (!(d > 0))
    return -1;
  /* A first guess by multiplication; the loops below settle it with the
     update's own arithmetic. */
  double kf = ceil((1.0 - v) * t->inv_drive[i]);
  if (kf < 1)
    kf = 1;
  if (kf > tmax)
    return -1;
  int32_t k = (int32_t)kf;
  while (k < tmax && v + d * (float)k < 1.0f) /* v_at's own arithmetic */
    k++;
  while (k > 1 && v + d * (float)(k - 1) >= 1.0f)
    k--;
  return step + k < tmax ? step + k : -1;
}

static void update_one(stage *t, uint32_t i, int32_t step)
{
  float v = v_at(t, i, step) + t->in[i];
  t->in[i] = 0;
  t->last[i] = step;
  if (v >= 1.0f) {
    v -= 1.0f; /* reset by subtraction */
    t->spk[t->nspk++] = i;
    t->cnt[i]++;
  }
  t->v[i] = v;
}

static void reschedule(stage *t, uint32_t i, int32_t step, int32_t tmax)
{
  int32_t nx = predict(t, i, step, tmax);
  if (nx != t->sched[i]) {
    t->sched[i] = nx;
    if (nx >= 0)
      due_push(t, (uint32_t)nx, i);
  }
}

/* Every neuron of the stage at `step` in one sweep: the same arithmetic
   as update_one (v_at + input, threshold, subtraction), vectorized in
   blocks of 64; only blocks where a neuron fired are scanned for it. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
static uint32_t dense_block(uint32_t n, float *restrict v, float *restrict in,
                            const float *restrict d, uint16_t *restrict cnt,
                            uint32_t *restrict spk, uint8_t *restrict fl)
{
  uint32_t ns = 0;
  for (uint32_t b = 0; b < n; b += 64) {
    const uint32_t e = n - b < 64 ? n : b + 64;
    int any = 0;
    if (in) {
      for (uint32_t i = b; i < e; i++) {
        float x = v[i] + d[i] + in[i];
        int fire = x >= 1.0f;
        v[i] = x - (fire ? 1.0f : 0.0f);
        in[i] = 0;
        fl[i] = (uint8_t)fire;
        any |= fire;
      }
    } else { /* a stage fed only its constant current */
      for (uint32_t i = b; i < e; i++) {
        float x = v[i] + d[i];
        int fire = x >= 1.0f;
        v[i] = x - (fire ? 1.0f : 0.0f);
        fl[i] = (uint8_t)fire;
        any |= fire;
      }
    }
    if (!any)
      continue;
    /* The block's flags packed into one 64-bit mask, eight at a time (a
       multiply gathers the low bit of each byte, byte j to bit j; fl has
       8 bytes of slack), then its set bits in order: one unpredictable
       branch per spike rather than per flag word. */
    uint64_t mask = 0;
    for (uint32_t i = b; i < e; i += 8) {
      uint64_t w;
      memcpy(&w, fl + i, 8);
      mask |= ((w * 0x0102040810204080ULL) >> 56) << (i - b);
    }
    memset(fl + b, 0, e - b); /* flags stay all-zero between uses */
    while (mask) {
      uint32_t j = b + (uint32_t)__builtin_ctzll(mask);
      mask &= mask - 1;
      if (j < e) {
        cnt[j]++;
        spk[ns++] = j;
      }
    }
  }
  return ns;
}

/* A sweep of the whole stage at `step`.  While sweeping, every neuron is
   current at the previous step, so `last` is neither read nor written:
   it is brought up to date when the stage turns sparse again. */
static void dense_sweep(stage *t, int32_t step)
{
  if (!t->dense_prev) /* from sparse: catch every neuron up to step - 1 */
    for (uint32_t i = 0; i < t->nout; i++) {
      t->v[i] = v_at(t, i, step - 1);
      t->last[i] = step - 1;
    }
  t->nspk = dense_block(t->nout, t->v, t->no_input ? NULL : t->in, t->drive, t->cnt, t->spk,
                        t->spiked);
}

/* A stage fed only a constant current d (reset by subtraction, threshold
   1, V(0) = v0): V after t + 1 steps is v0 + (t + 1) d minus the spikes so
   far, so its k-th spike falls at step max(previous + 1, ceil((k - v0) / d)
   - 1).  Spike times in closed form: work per spike, none per silent step. */
static int32_t const_next(double d, uint32_t k, int32_t prev, double v0)
{
  if (!(d > 0))
    return -1;
  double t = ceil(((double)k - v0) / d) - 1.0;
  if (t > 2e9)
    return -1;
  int32_t n = (int32_t)t;
  return n > prev ? n : prev + 1;
}

static void const_seed(stage *t, int32_t tmax, double v0)
{
  for (uint32_t i = 0; i < t->nout; i++) {
    int32_t nx = const_next(t->drive[i], 1, -1, v0);
    if (nx >= 0 && nx < tmax)
      due_push(t, (uint32_t)nx, i);
  }
}

static uint32_t const_step(stage *t, int32_t step, int32_t tmax, double v0)
{
  const bucket *b = &t->due[step];
  const uint32_t len = b->len, *restrict list = b->n;
  uint32_t *restrict spk = t->spk;
  uint16_t *restrict cnt = t->cnt;
  const float *restrict drive = t->drive;
  for (uint32_t q = 0; q < len; q++) {
    uint32_t i = list[q];
    spk[q] = i;
    uint32_t k = ++cnt[i];
    int32_t nx = const_next(drive[i], k + 1, step, v0);
    if (nx >= 0 && nx < tmax) { /* nx > step: never this bucket */
      bucket *d = &t->due[nx];
      if (d->len < d->cap)
        d->n[d->len++] = i;
      else
        due_push(t, (uint32_t)nx, i);
    }
  }
  t->nspk = len;
  return len;
}

/* Membrane at the end of `step` whatever the mode. */
static inline float v_now(const stage *t, uint32_t i, int32_t step)
{
  return t->dense_prev ? t->v[i] : v_at(t, i, step);
}

/* Update the neurons of an IF stage that are due at `step`: those that
   got input (positions or neurons touched by the scatter) and those whose
   self-event comes due.  When most of the stage is due, one sweep updates
   all (same arithmetic), and self-events are rebuilt when sparse steps
   resume.  Fills t->spk; returns the number of updates. */
static uint32_t if_step(stage *t, int32_t step, int32_t tmax)
{
  const uint32_t oc = t->oc;
  bucket *b = &t->due[step];
  t->nspk = 0;
  /* Which method is cheaper (same results either way): an event update
     costs ~40 ns (prediction, queue), a neuron in a vectorized sweep
     ~0.3 ns (measured on this machine), so a sweep wins above ~1/64 of
     the layer due; once sweeping, stay unless activity falls below 1/256
     (switching back costs a prediction per neuron). */
  uint64_t due = (uint64_t)t->npl * oc + t->ntl +
                 (t->dense_prev ? t->nspk_prev : b->len);
  if (t->dense_prev ? due * 256 >= t->nout : due * 64 > t->nout) {
    /* Dense step. */
    for (uint32_t q = 0; q < t->npl; q++)
      t->ptouched[t->plist[q]] = 0;
    for (uint32_t q = 0; q < t->ntl; q++)
      t->touched[t->tlist[q]] = 0;
    t->npl = t->ntl = 0;
    dense_sweep(t, step);
    t->nspk_prev = t->nspk;
    t->dense_prev = 1;
    return t->nout;
  }
  if (t->dense_prev) {
    /* Back to sparse steps: every neuron is current at step - 1; predict
       each one's next self-event anew. */
    for (uint32_t q = step; q < t->tmax; q++)
      t->due[q].len = 0;
    for (uint32_t i = 0; i < t->nout; i++) {
      t->last[i] = step - 1;
      t->sched[i] = -1;
      reschedule(t, i, step - 1, tmax);
    }
    t->dense_prev = 0;
  }
  uint32_t nup = 0;
  /* Positions that got input: all their channels. */
  for (uint32_t q = 0; q < t->npl; q++) {
    uint32_t base = t->plist[q] * oc;
    for (uint32_t o = 0; o < oc; o++) {
      update_one(t, base + o, step);
      reschedule(t, base + o, step, tmax);
    }
    nup += oc;
  }
  /* Neurons touched one by one, and self-events (not already updated). */
  for (uint32_t q = 0; q < b->len; q++) {
    uint32_t i = b->n[q];
    if (t->sched[i] == step && t->last[i] != step)
      touch(t, i);
  }
  for (uint32_t q = 0; q < t->ntl; q++) {
    uint32_t i = t->tlist[q];
    t->touched[i] = 0;
    if (t->last[i] == step)
      continue;
    update_one(t, i, step);
    reschedule(t, i, step, tmax);
    nup++;
  }
  for (uint32_t q = 0; q < t->npl; q++)
    t->ptouched[t->plist[q]] = 0;
  t->npl = t->ntl = 0;
  return nup;
}

static inline void touch_pos(stage *t, uint32_t pos)
{
  if (!t->ptouched[pos]) {
    t->ptouched[pos] = 1;
    t->plist[t->npl++] = pos;
  }
}

/* in[0..n) += w[0..n): the inner loop of every scatter.  Rows are short
   (a conv layer's output channels), so loop set-up matters: widths that
   are multiples of 8 take fixed 8-wide chunks. */
static inline void add_row(float *restrict in, const float *restrict w, uint32_t n)
{
  /* The common widths as constants: fully unrolled, no loop set-up. */
  if (n == 32) {
    for (uint32_t o = 0; o < 32; o++)
      in[o] += w[o];
    return;
  }
  if (n == 16) {
    for (uint32_t o = 0; o < 16; o++)
      in[o] += w[o];
    return;
  }
  if ((n & 7) == 0) {
    for (uint32_t o = 0; o < n; o += 8)
      for (uint32_t j = 0; j < 8; j++)
        in[o + j] += w[o + j];
    return;
  }
  for (uint32_t o = 0; o < n; o++)
    in[o] += w[o];
}

/* in[0..n) += f w[0..n): the scatter after a relaying pool. */
static inline void add_row_scaled(float *restrict in, const float *restrict w, uint32_t n,
                                  float f)
{
  for (uint32_t o = 0; o < n; o++)
    in[o] += f * w[o];
}

/* Spikes (indices into src's map) scattered into stage t's input. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
static double scatter(stage *t, const uint32_t *spk, uint32_t nspk, const uint16_t *cnt_src)
{
  double syn = 0;
  switch (t->kind) {
  case ST_CONV: {
    const uint32_t ic = t->ic, oc = t->oc, kk = t->kh * t->kw;
    const int pow2 = (ic & (ic - 1)) == 0;
    const uint32_t shift = pow2 ? (uint32_t)__builtin_ctz(ic) : 0;
    const float f = t->in_scale;
    /* The stage's arrays in locals: the byte stores of touch_pos may alias
       anything, which would make the compiler reload every field of t for
       each row added. */
    float *restrict in = t->in;
    const float *ws = t->ws;
    const uint32_t *restrict off = t->plan_off, *restrict opos_of = t->plan_opos;
    const uint16_t *restrict koff = t->plan_koff;
    uint8_t *restrict pt = t->ptouched;
    uint32_t *restrict plist = t->plist, npl = t->npl;
    uint64_t rows = 0;
    for (uint32_t q = 0; q < nspk; q++) {
      uint32_t i = spk[q];
      uint32_t pos = pow2 ? i >> shift : i / ic, c = pow2 ? i & (ic - 1) : i % ic;
      const float *wc = ws + (size_t)c * kk * oc;
      const uint32_t e0 = off[pos], e1 = off[pos + 1];
      for (uint32_t e = e0; e < e1; e++) {
        const uint32_t opos = opos_of[e];
        if (f == 1.0f)
          add_row(in + (size_t)opos * oc, wc + (size_t)koff[e] * oc, oc);
        else
          add_row_scaled(in + (size_t)opos * oc, wc + (size_t)koff[e] * oc, oc, f);
        if (!pt[opos]) { /* touch_pos */
          pt[opos] = 1;
          plist[npl++] = opos;
        }
      }
      rows += e1 - e0;
    }
    t->npl = npl;
    syn += (double)rows * oc;
    break;
  }
  case ST_LINEAR:
    for (uint32_t q = 0; q < nspk; q++) {
      if (t->in_scale == 1.0f)
        add_row(t->in, t->ws + (size_t)spk[q] * t->nout, t->nout);
      else
        add_row_scaled(t->in, t->ws + (size_t)spk[q] * t->nout, t->nout, t->in_scale);
      syn += t->nout;
    }
    if (nspk)
      touch_pos(t, 0); /* one position holds every output */
    break;
  case ST_AVGPOOL: {
    const float w = 1.0f / (float)(t->kh * t->kw);
    if (t->relay) {
      for (uint32_t q = 0; q < nspk; q++)
        for (uint32_t e = t->plan_off[spk[q]]; e < t->plan_off[spk[q] + 1]; e++)
          t->spk[t->nspk++] = t->plan_opos[e];
      syn += t->nspk;
      break;
    }
    if (t->on_arrival) {
      /* No bias, no leak, each window's k*k inputs spike at most once a
         step: V rises by at most 1 per step, so a neuron fires at most
         once, right as the input that crosses the threshold arrives. */
      /* Locals: the stores through t->spk could alias t->nspk. */
      const uint32_t *restrict off = t->plan_off, *restrict opos = t->plan_opos;
      float *restrict v = t->v;
      uint32_t *restrict out = t->spk, ns = t->nspk;
      uint16_t *restrict cnt = t->cnt;
      for (uint32_t q = 0; q < nspk; q++) { /* branch-free: firing is a coin toss */
        uint32_t n = opos[off[spk[q]]];
        float x = v[n] + w;
        const int fire = x >= 1.0f;
        v[n] = x - (fire ? 1.0f : 0.0f);
        out[ns] = n; /* kept only if it fired; t->spk has one slot of slack */
        ns += (uint32_t)fire;
        cnt[n] = (uint16_t)(cnt[n] + fire);
      }
      t->nspk = ns;
      syn += nspk;
      break;
    }
    for (uint32_t q = 0; q < nspk; q++) {
      uint32_t i = spk[q];
      for (uint32_t e = t->plan_off[i]; e < t->plan_off[i + 1]; e++) {
        uint32_t n = t->plan_opos[e];
        t->in[n] += w;
        touch(t, n);
      }
      syn += t->plan_off[i + 1] - t->plan_off[i];
    }
    break;
  }
  case ST_MAXPOOL:
    /* Rate-correct max: a window spikes when the largest spike count of
       its inputs (this step's spikes included) exceeds its own count, so
       its count is the maximum of its inputs' counts at every step (one
       spike a step at most: each input adds at most one). */
    for (uint32_t q = 0; q < nspk; q++) {
      uint32_t i = spk[q], c = i % t->ic, pos = i / t->ic;
      uint32_t y = pos / t->iw, x = pos % t->iw;
      for (uint32_t oy = y >= t->kh ? (y - t->kh) / t->sh + 1 : 0; oy * t->sh <= y && oy < t->oh;
           oy++)
        for (uint32_t ox = x >= t->kw ? (x - t->kw) / t->sw + 1 : 0;
             ox * t->sw <= x && ox < t->ow; ox++) {
          if (y >= oy * t->sh + t->kh || x >= ox * t->sw + t->kw)
            continue;
          uint32_t n = (oy * t->ow + ox) * t->oc + c;
          if (t->touched[n])
            continue; /* decided this step already */
          syn += 1;
          uint16_t m = 0;
          for (uint32_t ky = 0; ky < t->kh; ky++)
            for (uint32_t kx = 0; kx < t->kw; kx++) {
              uint32_t j = ((oy * t->sh + ky) * t->iw + ox * t->sw + kx) * t->ic + c;
              m = cnt_src[j] > m ? cnt_src[j] : m;
            }
          touch(t, n);
          t->in[n] = m > t->cnt[n] ? 1.0f : 0.0f;
        }
    }
    break;
  }
  return syn;
}

/* A max-pool stage passes the gated spikes on (no membrane). */
static void maxpool_step(stage *t)
{
  t->nspk = 0;
  for (uint32_t q = 0; q < t->ntl; q++) {
    uint32_t n = t->tlist[q];
    t->touched[n] = 0;
    if (t->in[n] > 0) {
      t->spk[t->nspk++] = n;
      t->cnt[n]++;
    }
    t->in[n] = 0;
  }
  t->ntl = 0;
}

/* First stage: its constant current (analog input) or, with Poisson
   input, the normalization's offset as a current and the spikes' kernel. */
static void set_input(cnn_snn *s, const uint8_t *img)
{
  stage *t = &s->st[0];
  if (!s->opts.poisson_input) {
    /* The current is the first layer's input before its ReLU. */
    int relu = t->relu;
    t->relu = 0;
    const float *y = cnn_forward(s, img, 0, s->buf[0], s->buf[1]);
    t->relu = relu;
    for (uint32_t i = 0; i < t->nout; i++)
      t->drive[i] = y[i];
    return;
  }
  /* Pixel p in [0, 1] spikes with probability p per step; the network
     expects (p - mean) / std, so the kernel is scaled by 1 / std and the
     mean's share becomes a constant current: b - (mean/std) sum(W). */
  if (!s->in_ones) {
    s->in_ones = sim_malloc(t->nout * sizeof(float), "input offsets");
    float *ones = s->buf[0];
    for (uint32_t i = 0; i < s->in_c * s->in_h * s->in_w; i++)
      ones[i] = 1.0f;
    int relu = t->relu;
    t->relu = 0;
    float *b = t->b;
    float *zero = sim_calloc(t->oc + 1, sizeof *zero, "zero bias");
    t->b = zero;
    cnn_stage_forward(t, ones, s->buf[1]);
    t->b = b;
    t->relu = relu;
    sim_free(zero);
    memcpy(s->in_ones, s->buf[1], t->nout * sizeof(float));
    size_t nw = t->kind == ST_CONV ? (size_t)t->ic * t->kh * t->kw * t->oc
                                   : (size_t)t->nin * t->nout;
    s->ws_in = sim_malloc(nw * sizeof *s->ws_in, "input spike kernel");
    for (size_t j = 0; j < nw; j++)
      s->ws_in[j] = (float)(t->ws[j] / s->std);
  }
  for (uint32_t i = 0; i < t->nout; i++) {
    uint32_t o = i % t->oc;
    t->drive[i] = (float)(t->b[o] - s->mean / s->std * s->in_ones[i]);
  }
  (void)img;
}

static int output_prediction(const cnn_snn *s, int32_t step)
{
  const stage *t = &s->st[s->n - 1];
  int best = 0;
  for (uint32_t c = 1; c < s->nclasses; c++) {
    if (t->cnt[c] > t->cnt[best] ||
        (t->cnt[c] == t->cnt[best] && v_now(t, c, step) > v_now(t, (uint32_t)best, step)))
      best = (int)c;
  }
  return best;
}

/* ------------------------------------------------------------------ */
/* Last-stage cache (net_cnn.h: cnn_cache_last)                        */

#define CACHE_MAX_SPIKES ((size_t)1 << 28) /* 1 GB of spike indices */

void cnn_cache_last(cnn_snn *s, int mode)
{
  if (!mode || (mode == 1 && s->cache.mode != 1)) {
    sim_free(s->cache.spk);
    sim_free(s->cache.off);
    sim_free(s->cache.feat);
    sim_free(s->cache.have);
    memset(&s->cache, 0, sizeof s->cache);
  }
  s->cache.mode = mode;
}

void cnn_snn_select(cnn_snn *s, uint64_t image)
{
  s->image_count = image;
  if (s->cache.mode != 1 || image < s->cache.nslots)
    return;
  uint64_t n = image + 1 > 2 * s->cache.nslots ? image + 1 : 2 * s->cache.nslots;
  const uint32_t nin = s->st[s->n - 1].nin;
  s->cache.have = sim_realloc(s->cache.have, n, "cache slots");
  memset(s->cache.have + s->cache.nslots, 0, n - s->cache.nslots);
  s->cache.feat = sim_realloc(s->cache.feat, n * nin * sizeof(float), "cached features");
  if (s->cache.T)
    s->cache.off = sim_realloc(s->cache.off, n * (s->cache.T + 1) * sizeof(uint64_t),
                               "cached spike offsets");
  s->cache.nslots = n;
}

/* Record this step's spikes into the last stage (mode 1). */
static void cache_put(cnn_snn *s, uint64_t slot, int32_t step, const uint32_t *spk, uint32_t n)
{
  if (s->cache.n + n > CACHE_MAX_SPIKES) { /* too big: drop it, runs stay full */
    cnn_cache_last(s, 0);
    return;
  }
  if (s->cache.n + n > s->cache.cap) {
    s->cache.cap = 2 * (s->cache.n + n);
    s->cache.spk = sim_realloc(s->cache.spk, s->cache.cap * sizeof *s->cache.spk,
                               "cached spikes");
  }
  memcpy(s->cache.spk + s->cache.n, spk, n * sizeof *spk);
  s->cache.n += n;
  s->cache.off[slot * (s->cache.T + 1) + (uint64_t)step + 1] = s->cache.n;
}

static int output_prediction(const cnn_snn *s, int32_t step);

/* Mode 2: the last stage alone, fed what was recorded for the slot. */
static void cache_replay(cnn_snn *s, uint64_t slot, const uint32_t *steps, uint32_t nsteps,
                         int *pred, cnn_run_stats *st)
{
  const uint32_t T = s->cache.T, k = s->n - 1;
  stage *t = &s->st[k];
  stage_reset(t, T, (float)s->opts.v_init);
  t->on_arrival = 0;
  t->no_input = 0;
  for (uint32_t i = 0; i < t->nout; i++) {
    t->drive[i] = t->b[i % t->oc];
    t->inv_drive[i] = t->drive[i] > 0 ? 1.0f / t->drive[i] : 0.0f;
  }
  const uint64_t *off = s->cache.off + slot * (T + 1);
  uint32_t next_ck = 0;
  for (int32_t step = 0; step < (int32_t)T; step++) {
    /* This step's input arrives before the update (as in a full run). */
    uint32_t n = (uint32_t)(off[step + 1] - off[step]);
    st->in_spikes[k] += n;
    st->synops[k] += scatter(t, s->cache.spk + off[step], n, NULL);
    st->updates[k] += if_step(t, step, (int32_t)T);
    st->out_spikes[k] += t->nspk;
    while (next_ck < nsteps && steps[next_ck] == (uint32_t)step + 1)
      pred[next_ck++] = output_prediction(s, step);
  }
  for (uint32_t q = 0; q < nsteps; q++)
    if (q >= next_ck && steps[q] == T)
      pred[q] = output_prediction(s, (int32_t)T - 1);
}

void cnn_snn_run(cnn_snn *s, const uint8_t *image, const uint32_t *steps, uint32_t nsteps,
                 int *pred, cnn_run_stats *st)
{
  uint32_t T = 0;
  for (uint32_t k = 0; k < nsteps; k++)
    if (steps[k] > T)
      T = steps[k];
  const float v0 = (float)s->opts.v_init;
  st->nstages = s->n;
  for (uint32_t k = 0; k < s->n; k++) {
    snprintf(st->name[k], sizeof st->name[k], "%s", s->st[k].name);
    st->neurons[k] = s->st[k].nout;
  }
  const uint64_t slot = s->image_count;
  if (s->cache.mode == 2 && slot < s->cache.nslots && (s->cache.have[slot] & 1) &&
      s->cache.T == T && s->n > 1) {
    cache_replay(s, slot, steps, nsteps, pred, st);
    s->image_count++;
    return;
  }
  int rec = s->cache.mode == 1 && slot < s->cache.nslots && s->n > 1;
  if (rec && s->cache.T != T) {
    if (s->cache.T) /* one step count per cache */
      rec = 0;
    else {
      s->cache.T = T;
      s->cache.off = sim_realloc(s->cache.off, s->cache.nslots * (T + 1) * sizeof(uint64_t),
                                 "cached spike offsets");
    }
  }
  if (rec)
    s->cache.off[slot * (T + 1)] = s->cache.n;
  for (uint32_t k = 0; k < s->n; k++)
    stage_reset(&s->st[k], T, v0);
  set_input(s, image);
  stage *t0 = &s->st[0];
  t0->no_input = !s->opts.poisson_input;
  for (uint32_t k = 0; k < s->n; k++) {
    stage *t = &s->st[k];
    t->on_arrival = t->kind == ST_AVGPOOL && t->sh == t->kh && t->sw == t->kw;
    t->in_scale = 1.0f;
  }
  for (uint32_t k = 0; k + 1 < s->n; k++) {
    stage *t = &s->st[k];
    t->relay = s->opts.coding == CNN_CODING_QCFS && t->kind == ST_AVGPOOL && k &&
               s->st[k + 1].weighted;
    if (!t->relay)
      continue;
    t->on_arrival = 0;
    s->st[k + 1].in_scale = 1.0f / (float)(t->kh * t->kw);
    if (t->relay_cap < t->plan_off[t->nin]) { /* every input spiking into every window */
      t->relay_cap = t->plan_off[t->nin];
      t->spk = sim_realloc(t->spk, ((size_t)t->relay_cap + 4) * sizeof *t->spk, "relayed spikes");
    }
  }
  for (uint32_t k = 0; k < s->n; k++) {
    stage *t = &s->st[k];
    if (t->kind == ST_MAXPOOL)
      continue;
    if (k)
      for (uint32_t i = 0; i < t->nout; i++)
        t->drive[i] = t->weighted ? t->b[i % t->oc] : 0.0f;
    for (uint32_t i = 0; i < t->nout; i++)
      t->inv_drive[i] = t->drive[i] > 0 ? 1.0f / t->drive[i] : 0.0f;
  }
  /* Stages start sweeping (stage_reset): self-events are predicted when
     a stage's activity turns sparse.  A constant-current first stage has
     its spike times in closed form instead. */
  if (t0->no_input) {
    t0->dense_prev = 0;
    const_seed(t0, (int32_t)T, v0);
  }
  sim_rng rng;
  sim_rng_stream(&rng, s->opts.seed, s->image_count++, SIM_RNG_POISSON, 0);
  const uint32_t npix = s->in_c * s->in_h * s->in_w;
  uint32_t *in_spk = s->opts.poisson_input
                         ? sim_malloc(npix * sizeof *in_spk + 4, "input spikes")
                         : NULL;
  uint32_t next_ck = 0;
  double base_spikes = 0; /* this image's spikes start after these */
  double base_in[CNN_MAX_STAGES], base_syn[CNN_MAX_STAGES], base_out[CNN_MAX_STAGES];
  for (uint32_t k = 0; k < s->n; k++) {
    base_spikes += st->out_spikes[k];
    base_in[k] = st->in_spikes[k], base_syn[k] = st->synops[k], base_out[k] = st->out_spikes[k];
  }
  st->nck = nsteps < 16 ? nsteps : 16;
  for (int32_t step = 0; step < (int32_t)T; step++) {
    if (in_spk) {
      uint32_t n = 0;
      for (uint32_t i = 0; i < npix; i++)
        if (image[i] && sim_rng_u32(&rng) < (uint32_t)(image[i] * (4294967295.0 / 255.0)))
          in_spk[n++] = i;
      st->input_spikes += n;
      /* Input spikes carry the first layer's kernel scaled by 1/std. */
      float *ws = t0->ws;
      t0->ws = s->ws_in;
      st->synops[0] += scatter(t0, in_spk, n, NULL);
      t0->ws = ws;
      st->in_spikes[0] += n;
    }
    for (uint32_t k = 0; k < s->n; k++) {
      stage *t = &s->st[k];
      if (t->kind == ST_MAXPOOL) {
        maxpool_step(t);
        st->updates[k] += t->nspk;
      } else if (t->no_input) {
        st->updates[k] += const_step(t, step, (int32_t)T, v0);
      } else if (t->on_arrival || t->relay) {
        st->updates[k] += t->nspk; /* fired (or relayed) during the scatter into it */
      } else {
        st->updates[k] += if_step(t, step, (int32_t)T);
      }
      st->out_spikes[k] += t->nspk;
      if (k + 1 < s->n) {
        stage *nx = &s->st[k + 1];
        st->in_spikes[k + 1] += t->nspk;
        if (nx->on_arrival || nx->relay)
          nx->nspk = 0; /* this step's spikes come from this scatter */
        st->synops[k + 1] += scatter(nx, t->spk, t->nspk, t->cnt); /* max-pool reads cnt */
        if (rec && k + 2 == s->n) {
          cache_put(s, slot, step, t->spk, t->nspk);
          rec = s->cache.mode == 1;
        }
      }
    }
    while (next_ck < nsteps && steps[next_ck] == (uint32_t)step + 1) {
      if (next_ck < 16) {
        double tot = 0;
        for (uint32_t k = 0; k < s->n; k++)
          tot += st->out_spikes[k];
        st->ck_spikes[next_ck] += tot - base_spikes;
        for (uint32_t k = 0; k < s->n; k++) { /* per stage, measured at this T */
          st->ck_in[next_ck][k] += st->in_spikes[k] - base_in[k];
          st->ck_syn[next_ck][k] += st->synops[k] - base_syn[k];
          st->ck_out[next_ck][k] += st->out_spikes[k] - base_out[k];
        }
      }
      pred[next_ck++] = output_prediction(s, step);
    }
  }
  /* Checkpoints given out of order or repeated: fill any left. */
  for (uint32_t k = 0; k < nsteps; k++)
    if (k >= next_ck && steps[k] == T)
      pred[k] = output_prediction(s, (int32_t)T - 1);
  sim_free(in_spk);
  if (rec)
    s->cache.have[slot] |= 1;
}
