/*
 * net_cnn.c: CNN -> SNN conversion (net_cnn.h): the stage list built from
 * the model (batch-norm folded into the conv before it, ReLU and dropout
 * as properties, flatten mapped onto the internal layout), data-based
 * normalization on calibration images, the scatter layouts the SNN runs
 * on; the float32 ANN the normalization measures and the reports compare
 * with; per-stage reports and weight access.  The SNN's run, device
 * mapping and fine-tuning are in net_cnn_run.c, net_cnn_device.c and
 * net_cnn_train.c (net_cnn_int.h holds the shared stage struct).
 */
#include "net_cnn_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"
#include "net_act.h"
#include "../synapses/syn_layer.h"

/* ------------------------------------------------------------------ */
/* ANN forward (float32)                                              */

static void input_vector(const cnn_snn *s, const uint8_t *img, float *x)
{
  uint32_t n = s->in_c * s->in_h * s->in_w;
  for (uint32_t i = 0; i < n; i++) /* C = 1: (y, x, c) == (y, x) */
    x[i] = (float)((img[i] * s->scale - s->mean) / s->std);
}

/* The QCFS activation (Bu et al. 2022) on y[0..nout), as PyTorch's
   export_torch.QCFS computes it in float32:
   clip * clamp(floor(y L / clip + 1/2) / L, 0, 1). */
static void qcfs(const stage *t, float *y)
{
  const float L = (float)t->qlevels, c = t->qclip;
  for (uint32_t i = 0; i < t->nout; i++) {
    float q = floorf(y[i] * (L / c) + 0.5f) / L;
    y[i] = (q < 0 ? 0.0f : q > 1 ? 1.0f : q) * c;
  }
}

/* AVX2 where the CPU has it: the inner loops are element-wise over the
   output channels (no reassociation, no contraction under -std=c11), so
   both clones give the same bits. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
void cnn_stage_forward(const stage *t, const float *x, float *y)
{
  switch (t->kind) {
  case ST_CONV: {
    /* Each nonzero input adds its kernel slice to the outputs it reaches
       (output channels contiguous: vectorizes; ReLU zeros are skipped). */
    for (uint32_t pos = 0; pos < t->oh * t->ow; pos++)
      for (uint32_t o = 0; o < t->oc; o++)
        y[(size_t)pos * t->oc + o] = t->b ? t->b[o] : 0.0f;
    if (t->plan_off) { /* the scatter plan: no per-tap bounds arithmetic */
      const uint32_t kk = t->kh * t->kw, oc = t->oc;
      for (uint32_t pos = 0; pos < t->ih * t->iw; pos++)
        for (uint32_t c = 0; c < t->ic; c++) {
          const float xv = x[(size_t)pos * t->ic + c];
          if (xv == 0.0f)
            continue;
          const float *wc = t->ws + (size_t)c * kk * oc;
          for (uint32_t e = t->plan_off[pos]; e < t->plan_off[pos + 1]; e++) {
            const float *restrict w = wc + (size_t)t->plan_koff[e] * oc;
            float *restrict yo = y + (size_t)t->plan_opos[e] * oc;
            if (oc == 32) /* the common widths as constants: unrolled */
              for (uint32_t o = 0; o < 32; o++)
                yo[o] += xv * w[o];
            else if (oc == 16)
              for (uint32_t o = 0; o < 16; o++)
                yo[o] += xv * w[o];
            else if ((oc & 7) == 0) /* fixed 8-wide chunks: no loop set-up per row */
              for (uint32_t o = 0; o < oc; o += 8)
                for (uint32_t j = 0; j < 8; j++)
                  yo[o + j] += xv * w[o + j];
            else
              for (uint32_t o = 0; o < oc; o++)
                yo[o] += xv * w[o];
          }
        }
    } else
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
    if (t->relu && t->act)
      t->act->ops->apply(t->act, t->act_layer, y, t->nout, t->oc);
    else if (t->relu)
      for (uint32_t i = 0; i < t->nout; i++)
        y[i] = y[i] < 0 ? 0.0f : y[i];
    if (t->qlevels)
      qcfs(t, y);
    break;
  }
  case ST_LINEAR: {
    /* Over the inputs, vectorized over the outputs (ws = w transposed,
       cnn_make_scatter), zeros skipped: each output's sum takes its terms
       in the same order as a dot product over w's row, so the same bits. */
    const uint32_t nout = t->nout;
    float *restrict yo = y;
    for (uint32_t o = 0; o < nout; o++)
      yo[o] = t->b ? t->b[o] : 0.0f;
    for (uint32_t i = 0; i < t->nin; i++) {
      const float xv = x[i];
      if (xv == 0.0f)
        continue;
      const float *restrict w = t->ws + (size_t)i * nout;
      for (uint32_t o = 0; o < nout; o++)
        yo[o] += w[o] * xv;
    }
    if (t->relu && t->act)
      t->act->ops->apply(t->act, t->act_layer, yo, nout, nout);
    else if (t->relu)
      for (uint32_t o = 0; o < nout; o++)
        yo[o] = yo[o] < 0 ? 0.0f : yo[o];
  }
    if (t->relu && t->qlevels)
      qcfs(t, y);
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

const float *cnn_forward(const cnn_snn *s, const uint8_t *img, uint32_t upto, float *b0,
                         float *b1)
{
  float *cur = b0, *nxt = b1;
  input_vector(s, img, cur);
  for (uint32_t k = 0; k <= upto && k < s->n; k++) {
    cnn_stage_forward(&s->st[k], cur, nxt);
    float *tmp = cur;
    cur = nxt;
    nxt = tmp;
  }
  return cur;
}

int cnn_ann_predict(const cnn_snn *s, const uint8_t *image, float *logits)
{
  const float *y;
  const stage *last = &s->st[s->n - 1];
  const uint64_t slot = s->image_count;
  float *feat = s->cache.feat ? s->cache.feat + slot * last->nin : NULL;
  if (s->cache.mode == 2 && slot < s->cache.nslots && (s->cache.have[slot] & 2)) {
    cnn_stage_forward(last, feat, s->buf[0]); /* the last layer alone */
    y = s->buf[0];
  } else if (s->cache.mode == 1 && slot < s->cache.nslots && s->n > 1) {
    const float *f = cnn_forward(s, image, s->n - 2, s->buf[0], s->buf[1]);
    memcpy(feat, f, last->nin * sizeof *feat);
    s->cache.have[slot] |= 2;
    float *o = f == s->buf[0] ? s->buf[1] : s->buf[0];
    cnn_stage_forward(last, f, o);
    y = o;
  } else {
    y = cnn_forward(s, image, s->n - 1, s->buf[0], s->buf[1]);
  }
  int best = 0;
  for (uint32_t c = 0; c < s->nclasses; c++) {
    if (logits)
      logits[c] = y[c];
    if (y[c] > y[best])
      best = (int)c;
  }
  return best;
}

/* ------------------------------------------------------------------ */
/* Conversion                                                         */

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
        s->st[s->n - 1].qlevels = L->levels;
        s->st[s->n - 1].qclip = (float)L->clip;
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

/* Data-based normalization: lambda per weighted stage, all measured on the
   unnormalized (folded) network first, then applied: W_l *= lambda_{l-1} /
   lambda_l, b_l /= lambda_l (pools keep their input's lambda). */
static void normalize(cnn_snn *s, const uint8_t *imgs, uint32_t ncalib, double p)
{
  const uint32_t isz = s->in_c * s->in_h * s->in_w;
  /* One forward pass per image collects every measured stage's positive
     activations (the stages see the same inputs as a pass stopped there).
     Split over ranks: rank r takes images r, r + size, ...; the
     percentiles count over every rank's values (net_cnn_pct.c), so the
     lambdas are one rank's, bit for bit. */
  const cnn_split *sp = &s->opts.split;
  const int split = sp->sum && sp->size > 1;
  const uint32_t first = split ? sp->rank : 0, stride = split ? sp->size : 1;
  const uint32_t mine = first < ncalib ? (ncalib - first + stride - 1) / stride : 0;
  float **pos = sim_calloc(s->n, sizeof *pos, "calibration activations");
  size_t *npos = sim_calloc(s->n, sizeof *npos, "calibration counts");
  uint32_t last = 0;
  for (uint32_t k = 0; k < s->n; k++) {
    stage *t = &s->st[k];
    if (!t->weighted)
      continue;
    if (s->opts.coding == CNN_CODING_QCFS && t->qlevels) {
      t->lambda = t->qclip; /* threshold = the trained clip (checked in cnn_convert) */
      continue;
    }
    pos[k] = sim_malloc((size_t)t->nout * mine * sizeof *pos[k] + 4, "calibration activations");
    last = k + 1;
  }
  for (uint32_t i = first; i < ncalib && last; i += stride) { /* this rank's images */
    float *cur = s->buf[0], *nxt = s->buf[1];
    input_vector(s, imgs + (size_t)i * isz, cur);
    for (uint32_t k = 0; k < last; k++) {
      cnn_stage_forward(&s->st[k], cur, nxt);
      float *tmp = cur;
      cur = nxt;
      nxt = tmp;
      if (!pos[k])
        continue;
      for (uint32_t j = 0; j < s->st[k].nout; j++)
        if (cur[j] > 0)
          pos[k][npos[k]++] = cur[j];
    }
  }
  for (uint32_t k = 0; k < s->n; k++) {
    if (!pos[k])
      continue;
    double lam = cnn_percentile_split(pos[k], npos[k], p, sp); /* over all ranks */
    sim_free(pos[k]);
    s->st[k].lambda = lam > 0 ? lam : 1.0; /* a layer that never turns on keeps its scale */
  }
  sim_free(pos);
  sim_free(npos);
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
    t->qclip = (float)(t->qclip / t->lambda);
    prev = t->lambda;
  }
}

/* Scatter layout of the weights (see struct stage). */
/* The layer's geometry for the shared plans (synapses/syn_layer.h). */
static syn_layer_geom stage_geom(const stage *t)
{
  return (syn_layer_geom){t->ic, t->ih, t->iw, t->oc, t->oh, t->ow,
                          t->kh, t->kw, t->sh, t->sw, t->ph, t->pw};
}

/* Scatter plans: the same plans as the layer projection kinds of the
   kernel, so that both schedules share one geometry. */
static void make_plan(stage *t)
{
  if (t->plan_off)
    return;
  syn_layer_geom g = stage_geom(t);
  syn_layer_plan p;
  syn_layer_conv_plan(&g, &p);
  t->plan_off = p.off, t->plan_opos = p.opos, t->plan_koff = p.koff;
}

static void make_pool_plan(stage *t)
{
  if (t->plan_off)
    return;
  syn_layer_geom g = stage_geom(t);
  syn_layer_plan p;
  syn_layer_pool_plan(&g, &p);
  t->plan_off = p.off, t->plan_opos = p.opos, t->plan_koff = p.koff;
}

void cnn_make_scatter(stage *t)
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
  if (opts->coding == CNN_CODING_QCFS)
    for (uint32_t k = 0; k + 1 < s->n; k++)
      if (s->st[k].weighted && s->st[k].relu && !s->st[k].qlevels) {
        rc = sim_error_set(SIM_EINVAL, "%s: --coding qcfs: layer %s has a plain ReLU, "
                           "expected a QCFS activation with a trained clip (train with "
                           "tools/train_fmnist.py --activation qcfs)", m->path, s->st[k].name);
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
    cnn_make_scatter(&s->st[k]); /* the ANN forward reads conv kernels this way */
  normalize(s, calib_images, ncalib, opts->percentile);
  for (uint32_t k = 0; k < s->n; k++) {
    cnn_make_scatter(&s->st[k]);
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
  cnn_cache_last(s, 0);
  for (uint32_t k = 0; k < CNN_MAX_STAGES; k++)
    sim_free(s->dev_phys[k]);
  sim_free(s->buf[0]);
  sim_free(s->buf[1]);
  sim_free(s->in_ones);
  sim_free(s->ws_in);
  sim_free(s);
}

/* ------------------------------------------------------------------ */
/* Reports and weights                                                */

uint32_t cnn_layer_stats(const cnn_snn *s, const cnn_run_stats *stats, double nimages,
                         uint32_t steps, int ck, net_layer_stats *out, uint32_t max)
{
  uint32_t n = 0;
  for (uint32_t k = 0; k < s->n && n < max; k++) {
    const stage *t = &s->st[k];
    net_layer_stats *o = &out[n++];
    memset(o, 0, sizeof *o);
    snprintf(o->name, sizeof o->name, "%s", t->name);
    o->kind = t->kind == ST_CONV ? 0 : t->kind == ST_LINEAR ? 1 : t->kind == ST_AVGPOOL ? 2 : 3;
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
    o->weights = t->weighted ? o->rows * o->cols : 0;
    o->macs = (double)o->neurons * (double)o->fan_in;
    const int c = ck >= 0 && (uint32_t)ck < stats->nck && ck < 16;
    o->in_spikes = (c ? stats->ck_in[ck][k] : stats->in_spikes[k]) / nimages;
    o->synops = (c ? stats->ck_syn[ck][k] : stats->synops[k]) / nimages;
    o->out_spikes = (c ? stats->ck_out[ck][k] : stats->out_spikes[k]) / nimages;
    o->steps = steps;
    o->analog_input = t->first && !s->opts.poisson_input;
    /* Crossbar activation (cnn_set_activation): an analog neuron's output
       reaches the next weighted layer through the pools unconverted. */
    const struct net_act_param *act = NULL;
    for (uint32_t q = k; q-- > 0;)
      if (s->st[q].weighted) {
        act = s->st[q].act;
        break;
      }
    if (t->act && t->act->ops->analog) {
      o->analog_out = 1;
      o->e_act_pj = t->act->e_act_pj;
      o->t_act_ns = t->act->t_act_ns;
    }
    o->analog_in = t->weighted && act && act->ops->analog;
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
    cnn_make_scatter(&s->st[k]);
  sim_free(s->in_ones); /* Poisson input tables: rebuilt at the next image */
  sim_free(s->ws_in);
  s->in_ones = s->ws_in = NULL;
}
/* ------------------------------------------------------------------ */
/* Stages as the kernel engine's schedule sees them (net_cnn_engine.c)  */

uint32_t cnn_stage_count(const cnn_snn *s) { return s->n; }

double cnn_v_init(const cnn_snn *s) { return s->opts.v_init; }

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
  const float *y = cnn_forward(s, image, 0, s->buf[0], s->buf[1]);
  t->relu = relu;
  memcpy(out, y, t->nout * sizeof *out);
}
