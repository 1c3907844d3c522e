/*
 * net_cnn_cores.c: the converted CNN on NeuRRAM-like compute-in-memory
 * cores (net_cnn_cores.h): the tiling of each weighted layer onto 256 x
 * 256 transposable arrays, the devices of every pair (programmed through
 * synapses/syn_device.h), the voltage-mode MVM forwards and transposed
 * with B-bit inputs and (B + 2)-bit outputs, each layer's ADC range, and
 * the chip-in-the-loop retraining of the last layer.  Owns the device
 * states; borrows the converted network.
 */
#include "net_cnn_cores.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"
#include "../core/sim_rng.h"
#include "../synapses/syn_device.h"
#include "net_cnn_int.h"

/* One weighted layer on its cores.  Invariants: gp, gm hold each pair's
   device state w (preset units) as read after programming and drift, in
   the layer's [out][fan] order; dg = gp - gm; den_held / den_nom hold, per
   row block rb and output o, sum over the block's rows of G+ + G- (uS) of
   the held and of the target states. */
typedef struct core_layer {
  uint32_t stage;           /* index in s->st */
  uint32_t fan, nout;       /* weight matrix: nout columns of fan rows */
  uint32_t nrb, ncb;        /* row and column blocks (tiles = nrb ncb) */
  uint32_t rb_rows;         /* weights per row block (core rows / 2) */
  double wmax;              /* scale of the first programming (max|W|) */
  float *gp, *gm, *dg;      /* owned, nout fan */
  double *den_held, *den_nom; /* owned, nrb nout */
  double clip_v;            /* ADC range (fraction of V_read); 0: none yet */
  double in_clip;           /* inputs are quantized on [0, in_clip] (or
                               [-in_clip, in_clip] for the first layer) */
  int signed_in;            /* first layer: normalized pixels are signed */
} core_layer;

struct cnn_cores {
  cnn_snn *s;               /* borrowed */
  syn_device_param p;
  cnn_core_opts o;
  core_layer L[CNN_MAX_STAGES];
  uint32_t nl;
  int layer_of[CNN_MAX_STAGES]; /* stage -> layer index, -1 for pools */
  cnn_core_tile tiles[CNN_CORES_MAX_TILES];
  uint32_t ntiles;
  float *buf[2], *xq, *patch;   /* owned scratch */
  uint64_t nread;           /* MVM count: keys the read noise */
  float *cal;               /* calibration: |V| samples of the layer measured */
  size_t ncal, capcal;
  int cal_layer;            /* layer whose |V| is recorded (-1: none) */
};

static double dev_g(const syn_device_param *p, double w) { return p->g_ref_uS + p->g_scale_uS * w; }

/* Round v to `bits` bits over [-clip, clip] (signed, 2^(bits-1) - 1
   levels each side) or [0, clip] (unsigned, 2^bits - 1 levels). */
static double quant(double v, double clip, uint32_t bits, int is_signed)
{
  if (!(clip > 0))
    return v;
  double L = is_signed ? ldexp(1.0, (int)bits - 1) - 1 : ldexp(1.0, (int)bits) - 1;
  double lo = is_signed ? -1.0 : 0.0, f = v / clip;
  f = f < lo ? lo : f > 1 ? 1 : f;
  return nearbyint(f * L) / L * clip;
}

static void cal_push(cnn_cores *c, double v)
{
  if (c->ncal == c->capcal) {
    c->capcal = c->capcal ? 2 * c->capcal : 4096;
    c->cal = sim_realloc(c->cal, c->capcal * sizeof *c->cal, "core calibration samples");
  }
  c->cal[c->ncal++] = (float)fabs(v);
}

/* ------------------------------------------------------------------ */
/* Mapping and programming                                             */

int cnn_cores_create(cnn_snn *s, const syn_device_param *p, const cnn_core_opts *o,
                     cnn_cores **out)
{
  *out = NULL;
  if (o->rows < 2 || o->cols < 1 || o->in_bits < 2 || o->in_bits > 16 || o->out_bits < 2 ||
      o->out_bits > 24)
    return sim_error_set(SIM_EINVAL, "cores: need rows >= 2, cols >= 1, input bits in 2..16 "
                         "and output bits in 2..24 (got %ux%u, %u, %u)", o->rows, o->cols,
                         o->in_bits, o->out_bits);
  cnn_cores *c = sim_calloc(1, sizeof *c, "cores");
  c->s = s;
  c->p = *p;
  c->o = *o;
  c->cal_layer = -1;
  uint32_t maxfan = 1;
  for (uint32_t k = 0; k < s->n; k++) {
    stage *t = &s->st[k];
    c->layer_of[k] = -1;
    if (!t->weighted)
      continue;
    if (t->qlevels) {
      cnn_cores_destroy(c);
      return sim_error_set(SIM_EINVAL, "cores: stage %s has a QCFS activation; the cores run "
                           "ReLU networks (train without --activation qcfs)", t->name);
    }
    core_layer *l = &c->L[c->nl];
    l->stage = k;
    l->fan = t->kind == ST_CONV ? t->ic * t->kh * t->kw : t->nin;
    l->nout = t->kind == ST_CONV ? t->oc : t->nout;
    l->rb_rows = o->rows / 2;
    l->nrb = (l->fan + l->rb_rows - 1) / l->rb_rows;
    l->ncb = (l->nout + o->cols - 1) / o->cols;
    l->signed_in = t->first;
    l->in_clip = t->first ? fmax(fabs(-s->mean / s->std), fabs((255 * s->scale - s->mean) / s->std))
                          : 1.0;
    for (uint32_t rb = 0; rb < l->nrb; rb++)
      for (uint32_t cb = 0; cb < l->ncb; cb++) {
        if (c->ntiles == CNN_CORES_MAX_TILES || c->ntiles == o->ncores) {
          uint64_t need = 0;
          for (uint32_t q = 0; q < s->n; q++)
            if (s->st[q].weighted) {
              const stage *u = &s->st[q];
              uint64_t f = u->kind == ST_CONV ? (uint64_t)u->ic * u->kh * u->kw : u->nin;
              uint64_t no = u->kind == ST_CONV ? u->oc : u->nout;
              need += ((f + l->rb_rows - 1) / l->rb_rows) * ((no + o->cols - 1) / o->cols);
            }
          cnn_cores_destroy(c);
          return sim_error_set(SIM_EINVAL, "cores: the network needs %llu cores of %ux%u, the "
                               "chip has %u (--cores)", (unsigned long long)need, o->rows,
                               o->cols, o->ncores);
        }
        cnn_core_tile *tl = &c->tiles[c->ntiles++];
        tl->stage = k;
        tl->layer = c->nl;
        tl->r0 = rb * l->rb_rows;
        tl->nr = l->fan - tl->r0 < l->rb_rows ? l->fan - tl->r0 : l->rb_rows;
        tl->c0 = cb * o->cols;
        tl->nc = l->nout - tl->c0 < o->cols ? l->nout - tl->c0 : o->cols;
        tl->utilization = 2.0 * tl->nr * tl->nc / ((double)o->rows * o->cols);
      }
    size_t n = (size_t)l->fan * l->nout;
    l->gp = sim_calloc(n, sizeof *l->gp, "core devices G+");
    l->gm = sim_calloc(n, sizeof *l->gm, "core devices G-");
    l->dg = sim_calloc(n, sizeof *l->dg, "core pair weights");
    l->den_held = sim_calloc((size_t)l->nrb * l->nout, sizeof *l->den_held, "core column sums");
    l->den_nom = sim_calloc((size_t)l->nrb * l->nout, sizeof *l->den_nom, "core column sums");
    for (size_t i = 0; i < n; i++)
      l->wmax = fmax(l->wmax, fabs(t->w[i]));
    if (!(l->wmax > 0))
      l->wmax = 1;
    maxfan = l->fan > maxfan ? l->fan : maxfan;
    c->layer_of[k] = (int)c->nl++;
  }
  c->buf[0] = sim_calloc(s->maxmap, sizeof(float), "core activations");
  c->buf[1] = sim_calloc(s->maxmap, sizeof(float), "core activations");
  c->xq = sim_calloc(s->maxmap, sizeof(float), "core inputs");
  c->patch = sim_calloc(maxfan, sizeof(float), "core patch");
  cnn_cores_program(c, -1, 0, -1);
  *out = c;
  return 0;
}

void cnn_cores_destroy(cnn_cores *c)
{
  if (!c)
    return;
  for (uint32_t i = 0; i < c->nl; i++) {
    sim_free(c->L[i].gp);
    sim_free(c->L[i].gm);
    sim_free(c->L[i].dg);
    sim_free(c->L[i].den_held);
    sim_free(c->L[i].den_nom);
  }
  sim_free(c->buf[0]);
  sim_free(c->buf[1]);
  sim_free(c->xq);
  sim_free(c->patch);
  sim_free(c->cal);
  sim_free(c);
}

uint32_t cnn_cores_tiles(const cnn_cores *c, const cnn_core_tile **out)
{
  *out = c->tiles;
  return c->ntiles;
}

/* Target state of device m of a pair holding x = w / wmax, on the grid. */
static double pair_target(const syn_device_param *p, double x, int m)
{
  double t[2], R = p->w_max - p->w_min;
  syn_device_pair_targets(fmax(-1.0, fmin(1.0, x)), p->w_min, R, t);
  return p->w_min + nearbyint((t[m] - p->w_min) / p->dw_min) * p->dw_min;
}

static void program_layer(cnn_cores *c, uint32_t li, uint64_t write, const syn_device_param *p)
{
  core_layer *l = &c->L[li];
  const float *w = c->s->st[l->stage].w;
  memset(l->den_held, 0, (size_t)l->nrb * l->nout * sizeof *l->den_held);
  memset(l->den_nom, 0, (size_t)l->nrb * l->nout * sizeof *l->den_nom);
  for (uint32_t o = 0; o < l->nout; o++)
    for (uint32_t r = 0; r < l->fan; r++) {
      size_t i = (size_t)o * l->fan + r;
      const uint64_t key[2] = {sim_hash4(c->o.seed, 0x6e65757272616dULL + li, i, 0),
                               sim_hash4(c->o.seed, 0x6e65757272616dULL + li, i, 1)};
      double held[2], t[2];
      cnn_pair_program(p, key, w[i] / l->wmax, write, c->o.drift_s, held, t);
      l->den_nom[(size_t)(r / l->rb_rows) * l->nout + o] += dev_g(p, t[0]) + dev_g(p, t[1]);
      l->gp[i] = (float)held[0];
      l->gm[i] = (float)held[1];
      l->dg[i] = (float)(held[0] - held[1]);
      l->den_held[(size_t)(r / l->rb_rows) * l->nout + o] +=
          dev_g(p, held[0]) + dev_g(p, held[1]);
    }
}

void cnn_cores_program(cnn_cores *c, int layer, uint64_t write, double prog_sigma)
{
  syn_device_param p = c->p;
  if (prog_sigma >= 0) {
    p.prog_noise_c0 = prog_sigma * (p.w_max - p.w_min);
    p.prog_noise_c1 = p.prog_noise_c2 = 0;
  }
  for (uint32_t li = 0; li < c->nl; li++)
    if (layer < 0 || (uint32_t)layer == li)
      program_layer(c, li, write, &p);
}

/* ------------------------------------------------------------------ */
/* Voltage-mode MVM                                                     */

/* Read noise on a sensed voltage: each device's read adds read_noise
   N(0,1) to its w, so the column numerator gets g_scale read_noise
   sqrt(2 sum x^2) N(0,1) (both devices of every pair). */
static double read_noise_v(const cnn_cores *c, double sumx2, double den, uint64_t key)
{
  if (!(c->p.read_noise > 0) || !(den > 0))
    return 0;
  return c->p.g_scale_uS * c->p.read_noise * sqrt(2 * sumx2) / den * syn_hash_normal(key, 0);
}

/* Forward MVM of layer l on input fractions x[0..fan) (already quantized,
   in units of in_clip): outputs y[0..nout) in weight units x in_clip. */
static void mvm_fwd(cnn_cores *c, const core_layer *l, const float *x, float *y)
{
  const double R = c->p.w_max - c->p.w_min, gs = c->p.g_scale_uS;
  const double back = l->wmax / (gs * R) * l->in_clip;
  const uint64_t mv = c->nread++;
  int rec = c->cal_layer >= 0 && &c->L[c->cal_layer] == l;
  for (uint32_t o = 0; o < l->nout; o++) {
    const float *dg = l->dg + (size_t)o * l->fan;
    double acc = 0;
    for (uint32_t rb = 0; rb < l->nrb; rb++) {
      uint32_t r0 = rb * l->rb_rows, r1 = r0 + l->rb_rows < l->fan ? r0 + l->rb_rows : l->fan;
      double num = 0, sx2 = 0;
      for (uint32_t r = r0; r < r1; r++) {
        num += (double)x[r] * dg[r];
        sx2 += (double)x[r] * x[r];
      }
      double den = l->den_held[(size_t)rb * l->nout + o];
      double v = den > 0 ? gs * num / den : 0;
      v += read_noise_v(c, sx2, den, sim_hash4(c->o.seed, mv, o, rb));
      if (rec)
        cal_push(c, v);
      acc += quant(v, l->clip_v, c->o.out_bits, 1) * l->den_nom[(size_t)rb * l->nout + o] * back;
    }
    y[o] = (float)acc;
  }
}

/* Stage t of layer l on input map in (internal layout), output map out. */
static void layer_forward(cnn_cores *c, const core_layer *l, const stage *t, const float *in,
                          float *out)
{
  float *xq = c->xq;
  for (uint32_t i = 0; i < t->nin; i++)
    xq[i] = (float)(quant(in[i], l->in_clip, c->o.in_bits, l->signed_in) / l->in_clip);
  if (t->kind == ST_LINEAR) {
    mvm_fwd(c, l, xq, out);
  } else {
    float *y = c->patch; /* reused: gather then MVM into out */
    for (uint32_t oy = 0; oy < t->oh; oy++)
      for (uint32_t ox = 0; ox < t->ow; ox++) {
        uint32_t r = 0;
        for (uint32_t ch = 0; ch < t->ic; ch++)
          for (uint32_t ky = 0; ky < t->kh; ky++)
            for (uint32_t kx = 0; kx < t->kw; kx++, r++) {
              int iy = (int)(oy * t->sh + ky) - (int)t->ph, ix = (int)(ox * t->sw + kx) - (int)t->pw;
              y[r] = iy < 0 || ix < 0 || (uint32_t)iy >= t->ih || (uint32_t)ix >= t->iw
                         ? 0.0f
                         : xq[((size_t)iy * t->iw + (uint32_t)ix) * t->ic + ch];
            }
        mvm_fwd(c, l, y, out + ((size_t)oy * t->ow + ox) * t->oc);
      }
  }
  uint32_t nb = t->kind == ST_CONV ? t->oc : t->nout;
  for (uint32_t i = 0; i < t->nout; i++) {
    float v = out[i] + (t->b ? t->b[i % nb] : 0.0f);
    out[i] = t->relu && v < 0 ? 0.0f : v;
  }
}

const float *cnn_cores_forward(cnn_cores *c, const uint8_t *image, uint32_t upto, uint32_t *n)
{
  cnn_snn *s = c->s;
  float *cur = c->buf[0], *nxt = c->buf[1];
  uint32_t nin = s->in_c * s->in_h * s->in_w, len = nin;
  for (uint32_t i = 0; i < nin; i++) /* C = 1: (y, x, c) == (y, x), as net_cnn.c */
    cur[i] = (float)((image[i] * s->scale - s->mean) / s->std);
  for (uint32_t k = 0; k <= upto && k < s->n; k++) {
    const stage *t = &s->st[k];
    if (c->layer_of[k] >= 0)
      layer_forward(c, &c->L[c->layer_of[k]], t, cur, nxt);
    else
      cnn_stage_forward(t, cur, nxt); /* pooling: digital */
    len = t->nout;
    float *tmp = cur;
    cur = nxt;
    nxt = tmp;
  }
  *n = len;
  return cur;
}

int cnn_cores_predict(cnn_cores *c, const uint8_t *image)
{
  uint32_t n;
  const float *y = cnn_cores_forward(c, image, c->s->n - 1, &n);
  int best = 0;
  for (uint32_t i = 1; i < n; i++)
    if (y[i] > y[best])
      best = (int)i;
  return best;
}

void cnn_cores_calibrate(cnn_cores *c, const uint8_t *images, uint32_t n, uint32_t isz)
{
  for (uint32_t li = 0; li < c->nl; li++) {
    core_layer *l = &c->L[li];
    l->clip_v = 0; /* sense unquantized while measuring this layer */
    c->cal_layer = (int)li;
    c->ncal = 0;
    for (uint32_t i = 0; i < n; i++) {
      uint32_t len;
      cnn_cores_forward(c, images + (size_t)i * isz, l->stage, &len);
    }
    c->cal_layer = -1;
    double v = cnn_percentile(c->cal, c->ncal, c->o.out_percentile);
    l->clip_v = v > 0 ? v : 1e-12;
  }
}

double cnn_cores_mvm_t(const cnn_cores *c, uint32_t layer, const float *x, float *y,
                       double clip_v, uint64_t read)
{
  const core_layer *l = &c->L[layer];
  const syn_device_param *p = &c->p;
  const double R = p->w_max - p->w_min, gs = p->g_scale_uS;
  double cx = 0, vmax = 0;
  for (uint32_t o = 0; o < l->nout; o++)
    cx = fmax(cx, fabs(x[o]));
  if (!(clip_v > 0))
    clip_v = 1;
  for (uint32_t r = 0; r < l->fan; r++)
    y[r] = 0;
  if (!(cx > 0))
    return 0;
  const float *w = c->s->st[l->stage].w;
  const uint32_t cols = c->o.cols;
  for (uint32_t cb = 0; cb < l->ncb; cb++) {
    uint32_t o0 = cb * cols, o1 = o0 + cols < l->nout ? o0 + cols : l->nout;
    for (uint32_t r = 0; r < l->fan; r++) {
      double acc = 0;
      for (int m = 0; m < 2; m++) { /* row line of G+ (m 0) and of G- (m 1), sensed apart */
        const float *g = m ? l->gm : l->gp;
        double num = 0, den = 0, dnom = 0, sx2 = 0;
        for (uint32_t o = o0; o < o1; o++) {
          double xf = quant(x[o] / cx, 1, c->o.in_bits, 1), G = dev_g(p, g[(size_t)o * l->fan + r]);
          num += xf * G;
          den += G;
          dnom += dev_g(p, pair_target(p, w[(size_t)o * l->fan + r] / l->wmax, m));
          sx2 += xf * xf;
        }
        double v = den > 0 ? num / den : 0;
        if (p->read_noise > 0 && den > 0) /* one device per input on this line */
          v += gs * p->read_noise * sqrt(sx2) / den *
               syn_hash_normal(sim_hash4(c->o.seed, read, r, (uint64_t)(cb * 2 + m)), 1);
        vmax = fmax(vmax, fabs(v));
        double q = quant(v, clip_v, c->o.out_bits, 1) * dnom;
        acc += m ? -q : q;
      }
      y[r] += (float)(acc * cx * l->wmax / (gs * R));
    }
  }
  return vmax;
}

const float *cnn_cores_weights(const cnn_cores *c, uint32_t layer, uint32_t *nin, uint32_t *nout,
                               double *wmax)
{
  const core_layer *l = &c->L[layer];
  *nin = l->fan;
  *nout = l->nout;
  *wmax = l->wmax;
  return c->s->st[l->stage].w;
}

/* ------------------------------------------------------------------ */
/* Chip-in-the-loop retraining of the last layer                       */

static uint32_t count_correct(const float *w, const float *b, const float *feat,
                              const uint8_t *lab, uint32_t i0, uint32_t i1, uint32_t nin,
                              uint32_t nout)
{
  uint32_t ok = 0;
  for (uint32_t i = i0; i < i1; i++) {
    const float *f = feat + (size_t)i * nin;
    int best = 0;
    double bz = -INFINITY;
    for (uint32_t o = 0; o < nout; o++) {
      double z = b ? b[o] : 0;
      for (uint32_t j = 0; j < nin; j++)
        z += (double)w[(size_t)o * nin + j] * f[j];
      if (z > bz)
        bz = z, best = (int)o;
    }
    ok += best == lab[i];
  }
  return ok;
}

int cnn_cores_finetune_last(cnn_cores *c, const uint8_t *images, const uint8_t *labels,
                            uint32_t n, uint32_t isz, uint32_t epochs, uint64_t write,
                            double prog_sigma)
{
  core_layer *l = &c->L[c->nl - 1];
  stage *t = &c->s->st[l->stage];
  if (t->kind != ST_LINEAR || l->stage == 0 || n < 5)
    return 0;
  const uint32_t nin = t->nin, nout = t->nout, ntr = n - n / 5;
  float *feat = sim_malloc((size_t)n * nin * sizeof *feat, "fine-tuning features");
  double f2 = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t len;
    const float *f = cnn_cores_forward(c, images + (size_t)i * isz, l->stage - 1, &len);
    memcpy(feat + (size_t)i * nin, f, nin * sizeof *feat);
    for (uint32_t j = 0; j < nin; j++)
      f2 += (double)f[j] * f[j];
  }
  const size_t nw = (size_t)nin * nout;
  float *w = sim_malloc(nw * sizeof *w, "fine-tuning weights"), *best = sim_malloc(nw * sizeof *w, "fine-tuning weights");
  memcpy(w, t->w, nw * sizeof *w);
  memcpy(best, t->w, nw * sizeof *w);
  /* Step 0.002 / mean |f|^2 (chosen on the example's features: larger
     steps overfit a few thousand images within one pass; the held-out
     fifth keeps the best epoch anyway). */
  const double lr = 0.002 / fmax(f2 / n, 1e-9);
  uint32_t best_ok = count_correct(w, t->b, feat, labels, ntr, n, nin, nout);
  int kept = 0;
  /* Noise-resilient, as NeuRRAM's training: each step sees the weights
     with the pair's programming noise, std sqrt(2) sigma_dev / R wmax. */
  const double R = c->p.w_max - c->p.w_min;
  const double sdev = prog_sigma >= 0 ? prog_sigma * R : c->p.prog_noise_c0;
  const double sw = sqrt(2.0) * sdev / R * l->wmax;
  /* The loss on the logits of the trained network: the normalized layer's
     outputs times its normalization scale lambda (net_cnn.c). */
  const double tau = t->lambda > 0 ? t->lambda : 1;
  double z[256], pz[256];
  sim_rng rng;
  sim_rng_seed(&rng, c->o.seed ^ 0x66696e65ULL, write);
  for (uint32_t ep = 1; ep <= epochs && nout <= 256; ep++) {
    for (uint32_t q = 0; q < ntr; q++) {
      uint32_t i = sim_rng_u32(&rng) % ntr;
      const float *f = feat + (size_t)i * nin;
      double zmax = -INFINITY, sum = 0;
      uint64_t nk = sim_hash4(c->o.seed, write, ep, q);
      for (uint32_t o = 0; o < nout; o++) {
        z[o] = t->b ? t->b[o] : 0;
        for (uint32_t j = 0; j < nin; j++) /* the weights as the devices will hold them */
          z[o] += ((double)w[(size_t)o * nin + j] +
                   (sw > 0 ? sw * syn_hash_normal(nk, (uint64_t)o * nin + j) : 0)) * f[j];
        zmax = fmax(zmax, z[o]);
      }
      for (uint32_t o = 0; o < nout; o++)
        sum += (pz[o] = exp(tau * (z[o] - zmax)));
      for (uint32_t o = 0; o < nout; o++) {
        double g = tau * (pz[o] / sum - (o == labels[i]));
        float *wr = w + (size_t)o * nin;
        for (uint32_t j = 0; j < nin; j++) {
          double v = wr[j] - lr * g * f[j];
          wr[j] = (float)(v > l->wmax ? l->wmax : v < -l->wmax ? -l->wmax : v);
        }
      }
    }
    uint32_t ok = count_correct(w, t->b, feat, labels, ntr, n, nin, nout);
    if (ok > best_ok) {
      best_ok = ok;
      kept = (int)ep;
      memcpy(best, w, nw * sizeof *w);
    }
  }
  memcpy(t->w, best, nw * sizeof *w);
  cnn_weights_changed(c->s);
  cnn_cores_program(c, (int)(c->nl - 1), write, prog_sigma);
  /* the ADC range of the rewritten layer, on the first images */
  uint32_t ncal = n < 64 ? n : 64;
  double keep[CNN_MAX_STAGES];
  for (uint32_t li = 0; li < c->nl; li++)
    keep[li] = c->L[li].clip_v;
  cnn_cores_calibrate(c, images, ncal, isz);
  for (uint32_t li = 0; li + 1 < c->nl; li++)
    c->L[li].clip_v = keep[li];
  sim_free(feat);
  sim_free(w);
  sim_free(best);
  return kept;
}

/* One minibatch step (or, with lr 0, an evaluation) of the two-layer
   tail on features f (nin each): h = min(max(W1 f + b1, 0), 1) (the next
   layer's input range), z = tau (W2 h + b2), softmax cross-entropy; the
   weights seen are w + the programming noise of the chip (std sw1, sw2,
   drawn per batch from key), the gradient updates the clean weights,
   each kept within +-wmax.  Returns the count classified right (clean
   weights when lr is 0). */
typedef struct tail2 {
  uint32_t nin, nh, nout;
  float *w1, *w2;          /* [nh][nin], [nout][nh] */
  const float *b1, *b2;    /* may be NULL */
  double wmax1, wmax2, sw1, sw2, tau;
  float *n1, *n2;          /* noisy copies */
  double *h, *dh;          /* nh each */
} tail2;

static uint32_t tail2_batch(tail2 *t, const float *feat, const uint8_t *lab, const uint32_t *idx,
                            uint32_t nb, double lr, uint64_t key)
{
  const size_t n1 = (size_t)t->nh * t->nin, n2 = (size_t)t->nout * t->nh;
  for (size_t i = 0; i < n1; i++)
    t->n1[i] = t->w1[i] + (float)(lr > 0 && t->sw1 > 0 ? t->sw1 * syn_hash_normal(key, i) : 0);
  for (size_t i = 0; i < n2; i++)
    t->n2[i] = t->w2[i] + (float)(lr > 0 && t->sw2 > 0 ? t->sw2 * syn_hash_normal(key, n1 + i) : 0);
  uint32_t ok = 0;
  double z[256];
  for (uint32_t q = 0; q < nb; q++) {
    const float *f = feat + (size_t)idx[q] * t->nin;
    for (uint32_t j = 0; j < t->nh; j++) {
      const float *wr = t->n1 + (size_t)j * t->nin;
      double a = t->b1 ? t->b1[j] : 0;
      for (uint32_t i = 0; i < t->nin; i++)
        a += (double)wr[i] * f[i];
      t->h[j] = a;
    }
    double zm = -INFINITY, sum = 0;
    int best = 0;
    for (uint32_t o = 0; o < t->nout; o++) {
      double a = t->b2 ? t->b2[o] : 0;
      for (uint32_t j = 0; j < t->nh; j++)
        a += (double)t->n2[(size_t)o * t->nh + j] * fmin(fmax(t->h[j], 0), 1);
      z[o] = a;
      if (a > z[best])
        best = (int)o;
      zm = fmax(zm, a);
    }
    ok += best == lab[idx[q]];
    if (!(lr > 0))
      continue;
    for (uint32_t o = 0; o < t->nout; o++)
      sum += (z[o] = exp(t->tau * (z[o] - zm)));
    for (uint32_t j = 0; j < t->nh; j++)
      t->dh[j] = 0;
    for (uint32_t o = 0; o < t->nout; o++) {
      double g = t->tau * (z[o] / sum - (o == lab[idx[q]]));
      float *wr = t->w2 + (size_t)o * t->nh;
      for (uint32_t j = 0; j < t->nh; j++) {
        double hj = fmin(fmax(t->h[j], 0), 1);
        t->dh[j] += g * t->n2[(size_t)o * t->nh + j];
        double v = wr[j] - lr * g * hj / nb;
        wr[j] = (float)fmax(-t->wmax2, fmin(t->wmax2, v));
      }
    }
    for (uint32_t j = 0; j < t->nh; j++) {
      if (!(t->h[j] > 0 && t->h[j] < 1))
        continue;
      float *wr = t->w1 + (size_t)j * t->nin;
      const double gj = lr * t->dh[j] / nb;
      for (uint32_t i = 0; i < t->nin; i++) {
        double v = wr[i] - gj * f[i];
        wr[i] = (float)fmax(-t->wmax1, fmin(t->wmax1, v));
      }
    }
  }
  return ok;
}

int cnn_cores_finetune_hidden(cnn_cores *c, const uint8_t *images, const uint8_t *labels,
                              uint32_t n, uint32_t isz, uint32_t epochs, uint64_t write,
                              double prog_sigma)
{
  if (c->nl < 2 || n < 5)
    return 0;
  core_layer *l1 = &c->L[c->nl - 2], *l2 = &c->L[c->nl - 1];
  stage *t1 = &c->s->st[l1->stage], *t2 = &c->s->st[l2->stage];
  if (t1->kind != ST_LINEAR || t2->kind != ST_LINEAR || l2->stage != l1->stage + 1 ||
      l1->stage == 0 || t2->nout > 256)
    return 0;
  tail2 T = {.nin = t1->nin, .nh = t1->nout, .nout = t2->nout, .b1 = t1->b, .b2 = t2->b,
             .wmax1 = l1->wmax, .wmax2 = l2->wmax, .tau = t2->lambda > 0 ? t2->lambda : 1};
  const double R = c->p.w_max - c->p.w_min;
  const double sdev = prog_sigma >= 0 ? prog_sigma * R : c->p.prog_noise_c0;
  T.sw1 = sqrt(2.0) * sdev / R * l1->wmax;
  T.sw2 = sqrt(2.0) * sdev / R * l2->wmax;
  const size_t n1 = (size_t)T.nh * T.nin, n2 = (size_t)T.nout * T.nh;
  float *feat = sim_malloc((size_t)n * T.nin * sizeof *feat, "fine-tuning features");
  double f2 = 0;
  for (uint32_t i = 0; i < n; i++) { /* the input of the hidden layer, measured */
    uint32_t len;
    const float *f = cnn_cores_forward(c, images + (size_t)i * isz, l1->stage - 1, &len);
    memcpy(feat + (size_t)i * T.nin, f, T.nin * sizeof *feat);
    for (uint32_t j = 0; j < T.nin; j++)
      f2 += (double)f[j] * f[j];
  }
  T.w1 = sim_malloc(n1 * sizeof *T.w1, "fine-tuning weights");
  T.w2 = sim_malloc(n2 * sizeof *T.w2, "fine-tuning weights");
  T.n1 = sim_malloc(n1 * sizeof *T.n1, "fine-tuning weights");
  T.n2 = sim_malloc(n2 * sizeof *T.n2, "fine-tuning weights");
  T.h = sim_malloc(T.nh * sizeof *T.h, "fine-tuning hidden");
  T.dh = sim_malloc(T.nh * sizeof *T.dh, "fine-tuning hidden");
  float *best = sim_malloc(n1 * sizeof *best, "fine-tuning weights");
  memcpy(T.w1, t1->w, n1 * sizeof *T.w1);
  memcpy(T.w2, t2->w, n2 * sizeof *T.w2);
  memcpy(best, t1->w, n1 * sizeof *best);
  const uint32_t ntr = n - n / 5, nb = 32;
  uint32_t *idx = sim_malloc((size_t)n * sizeof *idx, "fine-tuning order");
  for (uint32_t i = 0; i < n; i++)
    idx[i] = i;
  uint32_t best_ok = tail2_batch(&T, feat, labels, idx + ntr, n - ntr, 0, 0);
  int kept = 0;
  /* Step 0.002 / mean |f|^2 per sample, as the last layer's. */
  const double lr = 0.002 * nb / fmax(f2 / n, 1e-9);
  sim_rng rng;
  sim_rng_seed(&rng, c->o.seed ^ 0x68696464ULL, write);
  for (uint32_t ep = 1; ep <= epochs; ep++) {
    for (uint32_t i = ntr - 1; i > 0; i--) { /* shuffle the training part */
      uint32_t j = sim_rng_u32(&rng) % (i + 1), tmp = idx[i];
      idx[i] = idx[j];
      idx[j] = tmp;
    }
    for (uint32_t b0 = 0; b0 + nb <= ntr; b0 += nb)
      tail2_batch(&T, feat, labels, idx + b0, nb, lr, sim_hash4(c->o.seed, write, ep, b0));
    uint32_t ok = tail2_batch(&T, feat, labels, idx + ntr, n - ntr, 0, 0);
    if (ok > best_ok) {
      best_ok = ok;
      kept = (int)ep;
      memcpy(best, T.w1, n1 * sizeof *best);
    }
  }
  memcpy(t1->w, best, n1 * sizeof *best);
  cnn_weights_changed(c->s);
  cnn_cores_program(c, (int)(c->nl - 2), write, prog_sigma);
  double keep[CNN_MAX_STAGES];
  for (uint32_t li = 0; li < c->nl; li++)
    keep[li] = c->L[li].clip_v;
  cnn_cores_calibrate(c, images, n < 64 ? n : 64, isz);
  for (uint32_t li = 0; li + 2 < c->nl; li++)
    c->L[li].clip_v = keep[li];
  sim_free(feat);
  sim_free(T.w1);
  sim_free(T.w2);
  sim_free(T.n1);
  sim_free(T.n2);
  sim_free(T.h);
  sim_free(T.dh);
  sim_free(best);
  sim_free(idx);
  return kept;
}

uint32_t cnn_cores_layer_stats(const cnn_cores *c, net_layer_stats *out, uint32_t max)
{
  /* The converter's shapes (cnn_layer_stats, no spike counts: an ANN);
     the cores tile exactly those fan-ins and outputs (core_layer). */
  static const cnn_run_stats none;
  uint32_t m = cnn_layer_stats(c->s, &none, 1, 0, -1, out, max);
  for (uint32_t k = 0; k < m; k++)
    out[k].analog_input = c->s->st[k].first; /* the cores take the image as voltages */
  return m;
}
