/*
 * net_cnn.c: CNN -> SNN conversion and event-driven inference (net_cnn.h).
 *
 * Internal layout of every feature map is channels-last, (y, x, c) with c
 * fastest, so that a spike's kernel scatter writes contiguous channels.
 * PyTorch's flatten order (c, y, x) is mapped onto it when the following
 * linear layer's weights are laid out.
 */
#include "net_cnn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"
#include "../core/sim_rng.h"
#include "../synapses/syn_device.h"

typedef enum { ST_CONV, ST_LINEAR, ST_AVGPOOL, ST_MAXPOOL } stage_kind;

/* Self-events of one stage: neurons due at each step. */
typedef struct bucket {
  uint32_t *n; /* owned */
  uint32_t len, cap;
} bucket;

typedef struct stage {
  stage_kind kind;
  char name[32];
  uint32_t ic, ih, iw, oc, oh, ow; /* input and output shapes */
  uint32_t kh, kw, sh, sw, ph, pw;
  uint32_t nin, nout;
  int relu;              /* ANN: ReLU after this stage */
  int weighted;          /* conv or linear */
  int first;             /* fed by the input image */
  double lambda;         /* normalization scale of this stage's output */
  /* ANN weights (normalized): conv [oc][ic][kh][kw], linear [out][in]
     with `in` in internal (y, x, c) order of the previous map. */
  float *w, *b;          /* owned; b per output channel / feature */
  /* SNN scatter weights: conv [ic][kh][kw][oc]; linear [in][out] */
  float *ws;             /* owned */
  /* SNN state, per output neuron (index (y*ow + x)*oc + c). */
  float *v, *in, *drive;     /* float32, as the PyTorch reference */
  float *inv_drive;          /* 1 / drive (0 where drive <= 0), per image */
  int32_t *last, *sched;
  uint16_t *cnt;
  uint8_t *touched, *spiked;
  uint32_t *tlist, ntl;       /* touched neurons (avgpool, maxpool, due) */
  /* conv scatter plan: for input position p, the output positions and
     kernel offsets it reaches: entries plan[plan_off[p] .. plan_off[p+1]) */
  uint32_t *plan_off;         /* owned, ih*iw + 1 */
  uint32_t *plan_opos;        /* owned */
  uint16_t *plan_koff;        /* owned: ky * kw + kx */
  uint8_t *ptouched;          /* conv/linear: output positions that got input */
  uint32_t *plist, npl;       /* ... as a list */
  int dense_prev;             /* sweeping: every neuron is current at the
                                 last step; `last` and schedules are stale */
  int no_input;               /* first stage fed its constant current only:
                                 closed-form spike times, see const_step */
  int on_arrival;             /* non-overlapping average pool: integrates and
                                 fires as input arrives (see scatter) */
  uint32_t nspk_prev;         /* spikes of the last dense step */
  uint32_t *spk, nspk;
  bucket *due;           /* owned: steps 0 .. tmax-1 */
  uint32_t tmax;
} stage;

struct cnn_snn {
  uint32_t in_c, in_h, in_w;
  double scale, mean, std;
  uint32_t nclasses;
  stage st[CNN_MAX_STAGES];
  uint32_t n;
  cnn_opts opts;
  float *buf[2];          /* ANN scratch, size of the largest map */
  uint32_t maxmap;
  float *in_ones;         /* Poisson input: sum of kernel weights per neuron */
  float *ws_in;           /* Poisson input: first kernel / std (scatter layout) */
  uint64_t image_count;   /* Poisson streams key */
};

/* ------------------------------------------------------------------ */
/* ANN forward (float32)                                                */

static void input_vector(const cnn_snn *s, const uint8_t *img, float *x)
{
  uint32_t n = s->in_c * s->in_h * s->in_w;
  for (uint32_t i = 0; i < n; i++) /* C = 1: (y, x, c) == (y, x) */
    x[i] = (float)((img[i] * s->scale - s->mean) / s->std);
}

static void stage_forward(const stage *t, const float *x, float *y)
{
  switch (t->kind) {
  case ST_CONV: {
    /* Each nonzero input adds its kernel slice to the outputs it reaches
       (output channels contiguous: vectorizes; ReLU zeros are skipped). */
    for (uint32_t pos = 0; pos < t->oh * t->ow; pos++)
      for (uint32_t o = 0; o < t->oc; o++)
        y[(size_t)pos * t->oc + o] = t->b ? t->b[o] : 0.0f;
    for (uint32_t iy = 0; iy < t->ih; iy++)
      for (uint32_t ix = 0; ix < t->iw; ix++)
        for (uint32_t c = 0; c < t->ic; c++) {
          const float xv = x[((size_t)iy * t->iw + ix) * t->ic + c];
          if (xv == 0.0f)
            continue;
          for (uint32_t ky = 0; ky < t->kh; ky++) {
            int ny = (int)iy + (int)t->ph - (int)ky;
            if (ny < 0 || ny % (int)t->sh || (uint32_t)ny / t->sh >= t->oh)
              continue;
            uint32_t oy = (uint32_t)ny / t->sh;
            for (uint32_t kx = 0; kx < t->kw; kx++) {
              int nx = (int)ix + (int)t->pw - (int)kx;
              if (nx < 0 || nx % (int)t->sw || (uint32_t)nx / t->sw >= t->ow)
                continue;
              uint32_t ox = (uint32_t)nx / t->sw;
              const float *restrict w = t->ws + (((size_t)c * t->kh + ky) * t->kw + kx) * t->oc;
              float *restrict yo = y + ((size_t)oy * t->ow + ox) * t->oc;
              for (uint32_t o = 0; o < t->oc; o++)
                yo[o] += xv * w[o];
            }
          }
        }
    if (t->relu)
      for (uint32_t i = 0; i < t->nout; i++)
        y[i] = y[i] < 0 ? 0.0f : y[i];
    break;
  }
  case ST_LINEAR:
    for (uint32_t o = 0; o < t->nout; o++) {
      float acc = t->b ? t->b[o] : 0.0f;
      const float *wr = t->w + (size_t)o * t->nin;
      for (uint32_t i = 0; i < t->nin; i++)
        acc += wr[i] * x[i];
      y[o] = t->relu && acc < 0 ? 0.0f : acc;
    }
    break;
  case ST_AVGPOOL:
  case ST_MAXPOOL:
    for (uint32_t oy = 0; oy < t->oh; oy++)
      for (uint32_t ox = 0; ox < t->ow; ox++)
        for (uint32_t c = 0; c < t->oc; c++) {
          float acc = t->kind == ST_MAXPOOL ? -INFINITY : 0.0f;
          for (uint32_t ky = 0; ky < t->kh; ky++)
            for (uint32_t kx = 0; kx < t->kw; kx++) {
              float v = x[(((size_t)(oy * t->sh + ky)) * t->iw + ox * t->sw + kx) * t->ic + c];
              acc = t->kind == ST_MAXPOOL ? (v > acc ? v : acc) : acc + v;
            }
          if (t->kind == ST_AVGPOOL)
            acc /= (float)(t->kh * t->kw);
          y[((size_t)oy * t->ow + ox) * t->oc + c] = acc;
        }
    break;
  }
}

/* Forward to the output of stage `upto` (inclusive); returns its buffer. */
static const float *forward(const cnn_snn *s, const uint8_t *img, uint32_t upto, float *b0,
                            float *b1)
{
  float *cur = b0, *nxt = b1;
  input_vector(s, img, cur);
  for (uint32_t k = 0; k <= upto && k < s->n; k++) {
    stage_forward(&s->st[k], cur, nxt);
    float *tmp = cur;
    cur = nxt;
    nxt = tmp;
  }
  return cur;
}

int cnn_ann_predict(const cnn_snn *s, const uint8_t *image, float *logits)
{
  const float *y = forward(s, image, s->n - 1, s->buf[0], s->buf[1]);
  int best = 0;
  for (uint32_t c = 0; c < s->nclasses; c++) {
    if (logits)
      logits[c] = y[c];
    if (y[c] > y[best])
      best = (int)c;
  }
  return best;
}

uint32_t cnn_features(const cnn_snn *s, const uint8_t *image, float *feat)
{
  /* Input of the last stage = output of the one before. */
  const float *y = forward(s, image, s->n - 2, s->buf[0], s->buf[1]);
  uint32_t n = s->st[s->n - 1].nin;
  memcpy(feat, y, n * sizeof *feat);
  return n;
}

void cnn_last_layer(cnn_snn *s, float **w, float **b, uint32_t *nin, uint32_t *nout)
{
  stage *t = &s->st[s->n - 1];
  *w = t->w;
  *b = t->b;
  *nin = t->nin;
  *nout = t->nout;
}

/* ------------------------------------------------------------------ */
/* Conversion                                                           */

static int conv_fail(const cnn_model *m, uint32_t k, const char *why)
{
  return sim_error_set(SIM_EFORMAT, "%s: layer %u (%s): %s", m->path, k,
                       cnn_layer_name(m->layers[k].type), why);
}

static float *copy_floats(const float *src, size_t n, const char *what)
{
  float *d = sim_malloc(n * sizeof *d + 4, what);
  if (src)
    memcpy(d, src, n * sizeof *d);
  return d;
}

/* Build the stage list from the model: batch-norm folded into the conv
   before it; ReLU and dropout become properties; flatten maps the layout. */
static int build_stages(cnn_snn *s, const cnn_model *m, const cnn_opts *o)
{
  uint32_t c = m->in[0], h = m->in[1], w = m->in[2];
  int flat = 0; /* map flattened: (c, y, x) feature order of PyTorch */
  uint32_t fc = 0, fh = 0, fw = 0; /* shape before flatten */
  int nconv = 0, nfc = 0, npool = 0;
  for (uint32_t k = 0; k < m->nlayers; k++) {
    const cnn_layer *L = &m->layers[k];
    stage *t = &s->st[s->n];
    if (L->type == CNN_RELU || L->type == CNN_DROPOUT || L->type == CNN_BATCHNORM2D ||
        L->type == CNN_FLATTEN) {
      if (L->type == CNN_RELU) {
        if (!s->n || !s->st[s->n - 1].weighted)
          return conv_fail(m, k, "a ReLU must follow a conv2d or linear layer (after its "
                                 "batch-norm): this converter maps the pair to IF neurons");
        s->st[s->n - 1].relu = 1;
      } else if (L->type == CNN_BATCHNORM2D) {
        stage *p = s->n ? &s->st[s->n - 1] : NULL;
        if (!p || p->kind != ST_CONV || p->relu)
          return conv_fail(m, k, "batch-norm must directly follow a conv2d to be folded");
        for (uint32_t q = 0; q < p->oc; q++) {
          double sc = L->bn_gamma[q] / sqrt((double)L->bn_var[q] + L->bn_eps);
          for (uint32_t j = 0; j < p->ic * p->kh * p->kw; j++)
            p->w[(size_t)q * p->ic * p->kh * p->kw + j] *= (float)sc;
          p->b[q] = (float)((p->b[q] - L->bn_mean[q]) * sc + L->bn_beta[q]);
        }
      } else if (L->type == CNN_FLATTEN) {
        flat = 1;
        fc = c;
        fh = h;
        fw = w;
        c = c * h * w;
        h = w = 1;
      }
      continue;
    }
    if (s->n >= CNN_MAX_STAGES)
      return conv_fail(m, k, "too many layers");
    memset(t, 0, sizeof *t);
    t->ic = c;
    t->ih = h;
    t->iw = w;
    switch (L->type) {
    case CNN_CONV2D:
      t->kind = ST_CONV;
      t->weighted = 1;
      snprintf(t->name, sizeof t->name, "conv%d", ++nconv);
      t->kh = L->kh, t->kw = L->kw, t->sh = L->sh, t->sw = L->sw, t->ph = L->ph, t->pw = L->pw;
      t->oc = L->out[0], t->oh = L->out[1], t->ow = L->out[2];
      t->w = copy_floats(L->weight, L->nweight, "conv weights");
      t->b = sim_calloc(t->oc + 1, sizeof *t->b, "conv bias");
      if (L->bias)
        memcpy(t->b, L->bias, t->oc * sizeof *t->b);
      break;
    case CNN_LINEAR: {
      t->kind = ST_LINEAR;
      t->weighted = 1;
      snprintf(t->name, sizeof t->name, "fc%d", ++nfc);
      t->oc = L->out[0], t->oh = t->ow = 1;
      t->ic = c, t->ih = t->iw = 1;
      uint32_t nin = c, nout = L->out[0];
      t->w = sim_malloc((size_t)nin * nout * sizeof *t->w, "linear weights");
      /* Columns from PyTorch's flatten order (c, y, x) to ours (y, x, c). */
      for (uint32_t q = 0; q < nout; q++)
        for (uint32_t i = 0; i < nin; i++) {
          uint32_t src = i;
          if (flat && fh * fw > 1) {
            uint32_t cc = i % fc, pos = i / fc; /* ours: i = pos * fc + cc */
            src = cc * fh * fw + pos;
          }
          t->w[(size_t)q * nin + i] = L->weight[(size_t)q * nin + src];
        }
      t->b = sim_calloc(nout + 1, sizeof *t->b, "linear bias");
      if (L->bias)
        memcpy(t->b, L->bias, nout * sizeof *t->b);
      flat = 0;
      break;
    }
    case CNN_AVGPOOL2D:
    case CNN_MAXPOOL2D:
      t->kind = L->type == CNN_AVGPOOL2D || o->max_to_avg ? ST_AVGPOOL : ST_MAXPOOL;
      snprintf(t->name, sizeof t->name, "pool%d", ++npool);
      t->kh = L->kh, t->kw = L->kw, t->sh = L->sh, t->sw = L->sw;
      t->oc = L->out[0], t->oh = L->out[1], t->ow = L->out[2];
      if (L->ph || L->pw)
        return conv_fail(m, k, "pooling with padding is not supported");
      break;
    default:
      return conv_fail(m, k, "layer type not supported by the converter");
    }
    t->nin = t->ic * t->ih * t->iw;
    t->nout = t->oc * t->oh * t->ow;
    c = t->oc, h = t->oh, w = t->ow;
    s->n++;
  }
  if (!s->n || !s->st[s->n - 1].weighted)
    return sim_error_set(SIM_EFORMAT, "%s: the last layer must be conv2d or linear", m->path);
  if (s->st[s->n - 1].relu)
    s->st[s->n - 1].relu = 0; /* output: logits (IF neurons count them) */
  s->st[0].first = 1;
  if (!s->st[0].weighted)
    return sim_error_set(SIM_EFORMAT, "%s: the first layer must be conv2d or linear", m->path);
  return 0;
}

static int cmp_float(const void *a, const void *b)
{
  float x = *(const float *)a, y = *(const float *)b;
  return x < y ? -1 : x > y;
}

/* p-th percentile (linear interpolation, as numpy) of v[0..n) (sorted in
   place); 0 for an empty set. */
static double percentile(float *v, size_t n, double p)
{
  if (!n)
    return 0;
  qsort(v, n, sizeof *v, cmp_float);
  double pos = p / 100.0 * (double)(n - 1);
  size_t lo = (size_t)floor(pos), hi = lo + 1 < n ? lo + 1 : lo;
  return v[lo] + (pos - (double)lo) * (v[hi] - v[lo]);
}

/* Data-based normalization: lambda per weighted stage, all measured on the
   unnormalized (folded) network first, then applied: W_l *= lambda_{l-1} /
   lambda_l, b_l /= lambda_l (pools keep their input's lambda). */
static void normalize(cnn_snn *s, const uint8_t *imgs, uint32_t ncalib, double p)
{
  const uint32_t isz = s->in_c * s->in_h * s->in_w;
  for (uint32_t k = 0; k < s->n; k++) {
    stage *t = &s->st[k];
    if (!t->weighted)
      continue;
    size_t cap = (size_t)t->nout * ncalib, n = 0;
    float *pos = sim_malloc(cap * sizeof *pos + 4, "calibration activations");
    for (uint32_t i = 0; i < ncalib; i++) {
      const float *y = forward(s, imgs + (size_t)i * isz, k, s->buf[0], s->buf[1]);
      for (uint32_t j = 0; j < t->nout; j++)
        if (y[j] > 0)
          pos[n++] = y[j];
    }
    double lam = percentile(pos, n, p);
    sim_free(pos);
    t->lambda = lam > 0 ? lam : 1.0; /* a layer that never turns on keeps its scale */
  }
  double prev = 1.0; /* input: lambda_0 = 1 */
  for (uint32_t k = 0; k < s->n; k++) {
    stage *t = &s->st[k];
    if (!t->weighted) {
      t->lambda = prev;
      continue;
    }
    size_t nw = t->kind == ST_CONV ? (size_t)t->oc * t->ic * t->kh * t->kw
                                   : (size_t)t->nout * t->nin;
    for (size_t j = 0; j < nw; j++)
      t->w[j] = (float)(t->w[j] * prev / t->lambda);
    for (uint32_t j = 0; j < t->oc; j++)
      t->b[j] = (float)(t->b[j] / t->lambda);
    prev = t->lambda;
  }
}

/* Scatter layout of the weights (see struct stage). */
/* Where each input position's kernel lands (bounds and strides resolved
   once, so a spike's scatter does no division). */
static void make_plan(stage *t)
{
  if (t->plan_off)
    return;
  uint32_t npos = t->ih * t->iw, n = 0;
  t->plan_off = sim_malloc((npos + 1) * sizeof *t->plan_off, "scatter plan");
  t->plan_opos = sim_malloc((size_t)npos * t->kh * t->kw * sizeof *t->plan_opos + 4,
                            "scatter plan");
  t->plan_koff = sim_malloc((size_t)npos * t->kh * t->kw * sizeof *t->plan_koff + 4,
                            "scatter plan");
  for (uint32_t p = 0; p < npos; p++) {
    uint32_t y = p / t->iw, x = p % t->iw;
    t->plan_off[p] = n;
    for (uint32_t ky = 0; ky < t->kh; ky++) {
      int ny = (int)y + (int)t->ph - (int)ky;
      if (ny < 0 || ny % (int)t->sh || (uint32_t)ny / t->sh >= t->oh)
        continue;
      for (uint32_t kx = 0; kx < t->kw; kx++) {
        int nx = (int)x + (int)t->pw - (int)kx;
        if (nx < 0 || nx % (int)t->sw || (uint32_t)nx / t->sw >= t->ow)
          continue;
        t->plan_opos[n] = ((uint32_t)ny / t->sh) * t->ow + (uint32_t)nx / t->sw;
        t->plan_koff[n] = (uint16_t)(ky * t->kw + kx);
        n++;
      }
    }
  }
  t->plan_off[npos] = n;
}

/* Pools: for each input neuron, the output neurons whose window holds it
   (one for non-overlapping windows). */
static void make_pool_plan(stage *t)
{
  if (t->plan_off)
    return;
  uint32_t n = 0, cap = t->nin * ((t->kh + t->sh - 1) / t->sh) * ((t->kw + t->sw - 1) / t->sw);
  t->plan_off = sim_malloc(((size_t)t->nin + 1) * sizeof *t->plan_off, "pool plan");
  t->plan_opos = sim_malloc((size_t)cap * sizeof *t->plan_opos + 4, "pool plan");
  for (uint32_t i = 0; i < t->nin; i++) {
    uint32_t c = i % t->ic, pos = i / t->ic, y = pos / t->iw, x = pos % t->iw;
    t->plan_off[i] = n;
    for (uint32_t oy = y >= t->kh ? (y - t->kh) / t->sh + 1 : 0; oy * t->sh <= y && oy < t->oh;
         oy++)
      for (uint32_t ox = x >= t->kw ? (x - t->kw) / t->sw + 1 : 0; ox * t->sw <= x && ox < t->ow;
           ox++)
        if (y < oy * t->sh + t->kh && x < ox * t->sw + t->kw && n < cap)
          t->plan_opos[n++] = (oy * t->ow + ox) * t->oc + c;
  }
  t->plan_off[t->nin] = n;
}

static void make_scatter(stage *t)
{
  sim_free(t->ws);
  t->ws = NULL;
  if (t->kind == ST_CONV)
    make_plan(t);
  if (t->kind == ST_AVGPOOL || t->kind == ST_MAXPOOL)
    make_pool_plan(t);
  if (t->kind == ST_CONV) {
    t->ws = sim_malloc((size_t)t->ic * t->kh * t->kw * t->oc * sizeof *t->ws, "scatter weights");
    for (uint32_t o = 0; o < t->oc; o++)
      for (uint32_t c = 0; c < t->ic; c++)
        for (uint32_t ky = 0; ky < t->kh; ky++)
          for (uint32_t kx = 0; kx < t->kw; kx++)
            t->ws[(((size_t)c * t->kh + ky) * t->kw + kx) * t->oc + o] =
                t->w[(((size_t)o * t->ic + c) * t->kh + ky) * t->kw + kx];
  } else if (t->kind == ST_LINEAR) {
    t->ws = sim_malloc((size_t)t->nin * t->nout * sizeof *t->ws, "scatter weights");
    for (uint32_t o = 0; o < t->nout; o++)
      for (uint32_t i = 0; i < t->nin; i++)
        t->ws[(size_t)i * t->nout + o] = t->w[(size_t)o * t->nin + i];
  }
}

static void alloc_state(stage *t)
{
  uint32_t n = t->nout;
  t->v = sim_calloc(n + 8, sizeof *t->v, "membranes");
  t->in = sim_calloc(n, sizeof *t->in, "input");
  t->drive = sim_calloc(n, sizeof *t->drive, "constant currents");
  t->inv_drive = sim_calloc(n, sizeof *t->inv_drive, "constant currents");
  t->last = sim_calloc(n, sizeof *t->last, "last update");
  t->sched = sim_calloc(n, sizeof *t->sched, "self-events");
  t->cnt = sim_calloc(n, sizeof *t->cnt, "spike counts");
  t->touched = sim_calloc(n, 1, "touched");
  t->spiked = sim_calloc((size_t)n + 8, 1, "spiked"); /* also the sweep's flags */
  t->tlist = sim_malloc((size_t)n * sizeof *t->tlist + 4, "touched list");
  uint32_t npos = t->oh * t->ow;
  t->ptouched = sim_calloc(npos + 1, 1, "touched positions");
  t->plist = sim_malloc((size_t)npos * sizeof *t->plist + 4, "touched positions");
  t->spk = sim_malloc((size_t)n * sizeof *t->spk + 4, "spike list");
}

int cnn_convert(const cnn_model *m, const uint8_t *calib_images, uint32_t ncalib,
                const cnn_opts *opts, cnn_snn **out)
{
  cnn_snn *s = sim_calloc(1, sizeof *s, "converted network");
  s->in_c = m->in[0], s->in_h = m->in[1], s->in_w = m->in[2];
  s->scale = m->input_scale, s->mean = m->input_mean, s->std = m->input_std;
  s->nclasses = m->nclasses;
  s->opts = *opts;
  int rc = build_stages(s, m, opts);
  if (rc) {
    cnn_snn_destroy(s);
    return rc;
  }
  s->maxmap = s->in_c * s->in_h * s->in_w;
  for (uint32_t k = 0; k < s->n; k++)
    if (s->st[k].nout > s->maxmap)
      s->maxmap = s->st[k].nout;
  s->buf[0] = sim_malloc((size_t)s->maxmap * sizeof(float), "ANN buffer");
  s->buf[1] = sim_malloc((size_t)s->maxmap * sizeof(float), "ANN buffer");
  if (ncalib > opts->calib)
    ncalib = opts->calib;
  for (uint32_t k = 0; k < s->n; k++)
    make_scatter(&s->st[k]); /* the ANN forward reads conv kernels this way */
  normalize(s, calib_images, ncalib, opts->percentile);
  for (uint32_t k = 0; k < s->n; k++) {
    make_scatter(&s->st[k]);
    alloc_state(&s->st[k]);
  }
  *out = s;
  return 0;
}

void cnn_snn_destroy(cnn_snn *s)
{
  if (!s)
    return;
  for (uint32_t k = 0; k < CNN_MAX_STAGES; k++) {
    stage *t = &s->st[k];
    sim_free(t->w), sim_free(t->b), sim_free(t->ws);
    sim_free(t->v), sim_free(t->in), sim_free(t->drive), sim_free(t->last);
    sim_free(t->inv_drive);
    sim_free(t->sched), sim_free(t->cnt), sim_free(t->touched), sim_free(t->spiked);
    sim_free(t->tlist), sim_free(t->spk), sim_free(t->ptouched), sim_free(t->plist);
    sim_free(t->plan_off), sim_free(t->plan_opos), sim_free(t->plan_koff);
    for (uint32_t q = 0; q < t->tmax; q++)
      sim_free(t->due[q].n);
    sim_free(t->due);
  }
  sim_free(s->buf[0]);
  sim_free(s->buf[1]);
  sim_free(s->in_ones);
  sim_free(s->ws_in);
  sim_free(s);
}

/* ------------------------------------------------------------------ */
/* Event-driven inference                                               */

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

/* Reset a stage for a new image of up to tmax steps. */
static void stage_reset(stage *t, uint32_t tmax)
{
  if (t->tmax < tmax) {
    t->due = sim_realloc(t->due, tmax * sizeof *t->due, "self-event buckets");
    memset(t->due + t->tmax, 0, (tmax - t->tmax) * sizeof *t->due);
    t->tmax = tmax;
  }
  for (uint32_t q = 0; q < t->tmax; q++)
    t->due[q].len = 0;
  uint32_t n = t->nout;
  memset(t->v, 0, n * sizeof *t->v);
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
    /* Find the spikes eight flags at a time (fl has 8 bytes of slack). */
    for (uint32_t i = b; i < e; i += 8) {
      uint64_t w;
      memcpy(&w, fl + i, 8);
      if (!w)
        continue;
      memset(fl + i, 0, 8); /* flags stay all-zero between uses */
      while (w) {
        uint32_t j = i + (uint32_t)__builtin_ctzll(w) / 8;
        w &= w - 1; /* one set bit per flag byte (value 1) */
        if (j < e) {
          cnt[j]++;
          spk[ns++] = j;
        }
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
   1, V(0) = 0): V after t + 1 steps is (t + 1) d minus the spikes so far,
   so its k-th spike falls at step max(previous + 1, ceil(k / d) - 1).
   Spike times in closed form: work per spike, none per silent step. */
static int32_t const_next(double d, uint32_t k, int32_t prev)
{
  if (!(d > 0))
    return -1;
  double t = ceil((double)k / d) - 1.0;
  if (t > 2e9)
    return -1;
  int32_t n = (int32_t)t;
  return n > prev ? n : prev + 1;
}

static void const_seed(stage *t, int32_t tmax)
{
  for (uint32_t i = 0; i < t->nout; i++) {
    int32_t nx = const_next(t->drive[i], 1, -1);
    if (nx >= 0 && nx < tmax)
      due_push(t, (uint32_t)nx, i);
  }
}

static uint32_t const_step(stage *t, int32_t step, int32_t tmax)
{
  bucket *b = &t->due[step];
  t->nspk = 0;
  for (uint32_t q = 0; q < b->len; q++) {
    uint32_t i = b->n[q];
    t->spk[t->nspk++] = i;
    uint32_t k = ++t->cnt[i];
    int32_t nx = const_next(t->drive[i], k + 1, step);
    if (nx < tmax)
      due_push(t, (uint32_t)nx, i);
  }
  return b->len;
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
  if ((n & 7) == 0) {
    for (uint32_t o = 0; o < n; o += 8)
      for (uint32_t j = 0; j < 8; j++)
        in[o + j] += w[o + j];
    return;
  }
  for (uint32_t o = 0; o < n; o++)
    in[o] += w[o];
}

/* Spikes (indices into src's map) scattered into stage t's input. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
static double scatter(stage *t, const uint32_t *spk, uint32_t nspk, const uint8_t *spiked_src,
                      const uint16_t *cnt_src)
{
  double syn = 0;
  switch (t->kind) {
  case ST_CONV: {
    const uint32_t ic = t->ic, oc = t->oc, kk = t->kh * t->kw;
    const int pow2 = (ic & (ic - 1)) == 0;
    const uint32_t shift = pow2 ? (uint32_t)__builtin_ctz(ic) : 0;
    for (uint32_t q = 0; q < nspk; q++) {
      uint32_t i = spk[q];
      uint32_t pos = pow2 ? i >> shift : i / ic, c = pow2 ? i & (ic - 1) : i % ic;
      const float *wc = t->ws + (size_t)c * kk * oc;
      for (uint32_t e = t->plan_off[pos]; e < t->plan_off[pos + 1]; e++) {
        const uint32_t opos = t->plan_opos[e];
        add_row(t->in + (size_t)opos * oc, wc + (size_t)t->plan_koff[e] * oc, oc);
        touch_pos(t, opos);
      }
      syn += (double)(t->plan_off[pos + 1] - t->plan_off[pos]) * oc;
    }
    break;
  }
  case ST_LINEAR:
    for (uint32_t q = 0; q < nspk; q++) {
      add_row(t->in, t->ws + (size_t)spk[q] * t->nout, t->nout);
      syn += t->nout;
    }
    if (nspk)
      touch_pos(t, 0); /* one position holds every output */
    break;
  case ST_AVGPOOL: {
    const float w = 1.0f / (float)(t->kh * t->kw);
    if (t->on_arrival) {
      /* No bias, no leak, each window's k*k inputs spike at most once a
         step: V rises by at most 1 per step, so a neuron fires at most
         once, right as the input that crosses the threshold arrives. */
      for (uint32_t q = 0; q < nspk; q++) {
        uint32_t n = t->plan_opos[t->plan_off[spk[q]]];
        float v = t->v[n] + w;
        if (v >= 1.0f) {
          v -= 1.0f;
          t->spk[t->nspk++] = n;
          t->cnt[n]++;
        }
        t->v[n] = v;
      }
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
    /* Gating: a window passes a spike when its input with the largest
       spike count so far (first in row-major order on ties) spiked now. */
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
          uint32_t best = 0;
          int have = 0;
          for (uint32_t ky = 0; ky < t->kh; ky++)
            for (uint32_t kx = 0; kx < t->kw; kx++) {
              uint32_t j = ((oy * t->sh + ky) * t->iw + ox * t->sw + kx) * t->ic + c;
              if (!have || cnt_src[j] > cnt_src[best]) {
                best = j;
                have = 1;
              }
            }
          touch(t, n);
          t->in[n] = spiked_src[best] ? 1.0f : 0.0f;
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
    const float *y = forward(s, img, 0, s->buf[0], s->buf[1]);
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
    stage_forward(t, ones, s->buf[1]);
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

void cnn_snn_run(cnn_snn *s, const uint8_t *image, const uint32_t *steps, uint32_t nsteps,
                 int *pred, cnn_run_stats *st)
{
  uint32_t T = 0;
  for (uint32_t k = 0; k < nsteps; k++)
    if (steps[k] > T)
      T = steps[k];
  for (uint32_t k = 0; k < s->n; k++)
    stage_reset(&s->st[k], T);
  st->nstages = s->n;
  for (uint32_t k = 0; k < s->n; k++) {
    snprintf(st->name[k], sizeof st->name[k], "%s", s->st[k].name);
    st->neurons[k] = s->st[k].nout;
  }
  set_input(s, image);
  stage *t0 = &s->st[0];
  t0->no_input = !s->opts.poisson_input;
  for (uint32_t k = 0; k < s->n; k++) {
    stage *t = &s->st[k];
    t->on_arrival = t->kind == ST_AVGPOOL && t->sh == t->kh && t->sw == t->kw;
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
    const_seed(t0, (int32_t)T);
  }
  sim_rng rng;
  sim_rng_stream(&rng, s->opts.seed, s->image_count++, SIM_RNG_POISSON, 0);
  const uint32_t npix = s->in_c * s->in_h * s->in_w;
  uint32_t *in_spk = s->opts.poisson_input
                         ? sim_malloc(npix * sizeof *in_spk + 4, "input spikes")
                         : NULL;
  uint32_t next_ck = 0;
  double base_spikes = 0; /* this image's spikes start after these */
  for (uint32_t k = 0; k < s->n; k++)
    base_spikes += st->out_spikes[k];
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
      st->synops[0] += scatter(t0, in_spk, n, NULL, NULL);
      t0->ws = ws;
      st->in_spikes[0] += n;
    }
    for (uint32_t k = 0; k < s->n; k++) {
      stage *t = &s->st[k];
      if (t->kind == ST_MAXPOOL) {
        maxpool_step(t);
        st->updates[k] += t->nspk;
      } else if (t->no_input) {
        st->updates[k] += const_step(t, step, (int32_t)T);
      } else if (t->on_arrival) {
        st->updates[k] += t->nspk; /* fired during the scatter into it */
      } else {
        st->updates[k] += if_step(t, step, (int32_t)T);
      }
      st->out_spikes[k] += t->nspk;
      if (k + 1 < s->n) {
        stage *nx = &s->st[k + 1];
        const int gate = nx->kind == ST_MAXPOOL; /* reads who spiked now */
        if (gate)
          for (uint32_t q = 0; q < t->nspk; q++)
            t->spiked[t->spk[q]] = 1;
        st->in_spikes[k + 1] += t->nspk;
        if (nx->on_arrival)
          nx->nspk = 0; /* this step's spikes come from this scatter */
        st->synops[k + 1] += scatter(nx, t->spk, t->nspk, t->spiked, t->cnt);
        if (gate)
          for (uint32_t q = 0; q < t->nspk; q++)
            t->spiked[t->spk[q]] = 0;
      }
    }
    while (next_ck < nsteps && steps[next_ck] == (uint32_t)step + 1) {
      if (next_ck < 16) {
        double tot = 0;
        for (uint32_t k = 0; k < s->n; k++)
          tot += st->out_spikes[k];
        st->ck_spikes[next_ck] += tot - base_spikes;
      }
      pred[next_ck++] = output_prediction(s, step);
    }
  }
  /* Checkpoints given out of order or repeated: fill any left. */
  for (uint32_t k = 0; k < nsteps; k++)
    if (k >= next_ck && steps[k] == T)
      pred[k] = output_prediction(s, (int32_t)T - 1);
  sim_free(in_spk);
}

uint32_t cnn_layer_stats(const cnn_snn *s, const cnn_run_stats *stats, double nimages,
                         uint32_t steps, net_layer_stats *out, uint32_t max)
{
  uint32_t n = 0;
  for (uint32_t k = 0; k < s->n && n < max; k++) {
    const stage *t = &s->st[k];
    if (t->kind == ST_MAXPOOL)
      continue;
    net_layer_stats *o = &out[n++];
    memset(o, 0, sizeof *o);
    snprintf(o->name, sizeof o->name, "%s", t->name);
    o->kind = t->kind == ST_CONV ? 0 : t->kind == ST_LINEAR ? 1 : 2;
    o->neurons = t->nout;
    o->inputs = t->nin;
    if (t->kind == ST_CONV) {
      o->fan_in = (uint64_t)t->ic * t->kh * t->kw;
      o->cols = t->oc;
      o->patches = (uint64_t)t->oh * t->ow;
    } else if (t->kind == ST_LINEAR) {
      o->fan_in = t->nin;
      o->cols = t->nout;
      o->patches = 1;
    } else {
      o->fan_in = (uint64_t)t->kh * t->kw;
      o->cols = t->oc;
      o->patches = (uint64_t)t->oh * t->ow;
    }
    o->rows = o->fan_in;
    o->weights = t->kind == ST_AVGPOOL ? 0 : o->rows * o->cols;
    o->macs = (double)o->neurons * (double)o->fan_in;
    o->in_spikes = stats->in_spikes[k] / nimages;
    o->synops = stats->synops[k] / nimages;
    o->out_spikes = stats->out_spikes[k] / nimages;
    o->steps = steps;
    o->analog_input = t->first && !s->opts.poisson_input;
  }
  return n;
}

uint32_t cnn_lambdas(const cnn_snn *s, double *out, uint32_t max)
{
  uint32_t n = 0;
  for (uint32_t k = 0; k < s->n && n < max; k++)
    if (s->st[k].weighted)
      out[n++] = s->st[k].lambda;
  return n;
}

float *cnn_stage_weights(cnn_snn *s, uint32_t k, uint64_t *n, int *is_last)
{
  uint32_t seen = 0;
  for (uint32_t q = 0; q < s->n; q++) {
    stage *t = &s->st[q];
    if (!t->weighted)
      continue;
    if (seen++ == k) {
      *n = t->kind == ST_CONV ? (uint64_t)t->oc * t->ic * t->kh * t->kw
                              : (uint64_t)t->nout * t->nin;
      *is_last = q == s->n - 1;
      return t->w;
    }
  }
  return NULL;
}

/* After weights were changed in place (device mapping, fine-tuning), the
   scatter layout must follow. */
void cnn_weights_changed(cnn_snn *s)
{
  for (uint32_t k = 0; k < s->n; k++)
    make_scatter(&s->st[k]);
  sim_free(s->in_ones); /* Poisson input tables: rebuilt at the next image */
  sim_free(s->ws_in);
  s->in_ones = s->ws_in = NULL;
}

/* ------------------------------------------------------------------ */
/* Device mapping                                                       */

/* Each weight of every weighted layer onto a differential pair of devices
   of preset p: x = w / max|w| in [-1, 1]; G+ holds w_min + max(x, 0) R and
   G- holds w_min + max(-x, 0) R (R = w_max - w_min), each target first
   put on the device's grid of levels (dw_min apart), then programmed
   (write-verify noise), with each device's own bounds and stuck state, then
   left to relax or drift for drift_s seconds, then read once (read noise).
   The weights are replaced by what the pairs hold.  Returns the number of
   stuck devices. */
uint64_t cnn_map_devices(cnn_snn *s, const syn_device_param *p, double drift_s, uint64_t seed,
                         int only_last)
{
  const double R = p->w_max - p->w_min;
  uint64_t stuck = 0;
  float *w;
  uint64_t n;
  int last;
  for (uint32_t k = 0; (w = cnn_stage_weights(s, k, &n, &last)); k++) {
    if (only_last && !last)
      continue;
    double wmax = 0;
    for (uint64_t i = 0; i < n; i++)
      wmax = fmax(wmax, fabs(w[i]));
    if (!(wmax > 0))
      continue;
    for (uint64_t i = 0; i < n; i++) {
      double x = w[i] / wmax, held[2];
      double target[2] = {p->w_min + (x > 0 ? x : 0) * R, p->w_min + (x < 0 ? -x : 0) * R};
      for (int m = 0; m < 2; m++) {
        uint64_t key = sim_hash4(seed, 0x636e6eULL + k, i, (uint64_t)m + (only_last ? 16 : 0));
        syn_device_inst inst;
        syn_device_instance(p, key, &inst);
        stuck += (uint64_t)inst.stuck;
        double t = p->w_min + nearbyint((target[m] - p->w_min) / p->dw_min) * p->dw_min;
        double g = syn_device_program(p, &inst, t, sim_hash4(key, 1, 0, 0));
        g = syn_device_retain(p, &inst, g, drift_s);
        held[m] = syn_device_read(p, g, sim_hash4(key, 2, 0, 0));
      }
      w[i] = (float)((held[0] - held[1]) / R * wmax);
    }
  }
  cnn_weights_changed(s);
  return stuck;
}

/* Hybrid training (Yao et al. 2020): softmax regression of the last layer
   on the features the (device-mapped) network computes, starting from the
   weights the devices hold; a few epochs of SGD. */
void cnn_finetune_last(cnn_snn *s, const uint8_t *images, const uint8_t *labels, uint32_t n,
                       uint32_t isz)
{
  float *w, *b;
  uint32_t nin, nout;
  cnn_last_layer(s, &w, &b, &nin, &nout);
  float *feat = sim_malloc((size_t)n * nin * sizeof *feat, "fine-tuning features");
  for (uint32_t i = 0; i < n; i++)
    cnn_features(s, images + (size_t)i * isz, feat + (size_t)i * nin);
  double *z = sim_malloc(nout * sizeof *z, "logits");
  /* Learning rate scaled to the features' size (normalized network). */
  double fs = 0;
  for (size_t i = 0; i < (size_t)n * nin; i++)
    fs += (double)feat[i] * feat[i];
  double lr = 0.5 / (fs / n + 1e-9);
  for (int epoch = 0; epoch < 10; epoch++)
    for (uint32_t i = 0; i < n; i++) {
      const float *f = feat + (size_t)i * nin;
      double zmax = -INFINITY, sum = 0;
      for (uint32_t o = 0; o < nout; o++) {
        double acc = b[o];
        for (uint32_t j = 0; j < nin; j++)
          acc += (double)w[(size_t)o * nin + j] * f[j];
        z[o] = acc;
        zmax = fmax(zmax, acc);
      }
      for (uint32_t o = 0; o < nout; o++)
        sum += (z[o] = exp(z[o] - zmax));
      for (uint32_t o = 0; o < nout; o++) {
        double g = z[o] / sum - (o == labels[i]);
        b[o] = (float)(b[o] - lr * g);
        for (uint32_t j = 0; j < nin; j++)
          w[(size_t)o * nin + j] = (float)(w[(size_t)o * nin + j] - lr * g * f[j]);
      }
    }
  sim_free(z);
  sim_free(feat);
  cnn_weights_changed(s);
}


/* ------------------------------------------------------------------ */
/* Stages as the kernel engine's schedule sees them (net_cnn_engine.c)  */

uint32_t cnn_stage_count(const cnn_snn *s) { return s->n; }

uint32_t cnn_nclasses(const cnn_snn *s) { return s->nclasses; }

void cnn_stage_get(const cnn_snn *s, uint32_t k, cnn_stage_view *out)
{
  const stage *t = &s->st[k];
  static const cnn_stage_type types[] = {[ST_CONV] = CNN_STAGE_CONV,
                                         [ST_LINEAR] = CNN_STAGE_LINEAR,
                                         [ST_AVGPOOL] = CNN_STAGE_AVGPOOL,
                                         [ST_MAXPOOL] = CNN_STAGE_MAXPOOL};
  *out = (cnn_stage_view){.name = t->name, .type = types[t->kind],
                          .ic = t->ic, .ih = t->ih, .iw = t->iw,
                          .oc = t->oc, .oh = t->oh, .ow = t->ow,
                          .kh = t->kh, .kw = t->kw, .sh = t->sh, .sw = t->sw,
                          .ph = t->ph, .pw = t->pw, .nin = t->nin, .nout = t->nout,
                          .ws = t->ws, .b = t->weighted ? t->b : NULL};
}

void cnn_first_drive(cnn_snn *s, const uint8_t *image, float *out)
{
  stage *t = &s->st[0];
  int relu = t->relu;
  t->relu = 0; /* the current is the first layer's input before its ReLU */
  const float *y = forward(s, image, 0, s->buf[0], s->buf[1]);
  t->relu = relu;
  memcpy(out, y, t->nout * sizeof *out);
}
