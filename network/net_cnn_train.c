/*
 * net_cnn_train.c: the last layer in ANN terms and its fine-tuning
 * (cnn_features, cnn_last_layer, cnn_finetune_last; net_cnn.h): softmax
 * regression on the features the network computes now, e.g. through
 * device-held weights (Yao et al. 2020), kept to what the devices can
 * reach, selected on held-out images, and normalized again.
 */
#include "net_cnn_int.h"

#include <math.h>
#include <string.h>

#include "../core/sim_alloc.h"

uint32_t cnn_features(const cnn_snn *s, const uint8_t *image, float *feat)
{
  /* Input of the last stage = output of the one before. */
  const float *y = cnn_forward(s, image, s->n - 2, s->buf[0], s->buf[1]);
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

/* Logits of the last layer (w [nout][nin], b) for features f, in z. */
static void logits(const float *w, const float *b, const float *f, uint32_t nin, uint32_t nout,
                   double *z)
{
  for (uint32_t o = 0; o < nout; o++) {
    double acc = b[o];
    const float *wr = w + (size_t)o * nin;
    for (uint32_t j = 0; j < nin; j++)
      acc += (double)wr[j] * f[j];
    z[o] = acc;
  }
}

/* Correct predictions on features feat[from .. to) (ties: lower class). */
static uint32_t correct(const float *w, const float *b, const float *feat, const uint8_t *labels,
                        uint32_t from, uint32_t to, uint32_t nin, uint32_t nout, double *z)
{
  uint32_t ok = 0;
  for (uint32_t i = from; i < to; i++) {
    logits(w, b, feat + (size_t)i * nin, nin, nout, z);
    uint32_t best = 0;
    for (uint32_t o = 1; o < nout; o++)
      best = z[o] > z[best] ? o : best;
    ok += best == labels[i];
  }
  return ok;
}

/* The percentile of the layer's positive outputs on feat[0 .. n) becomes
   1: weights, bias and the device scale are divided by it. */
static void renormalize(cnn_snn *s, const float *feat, uint32_t n, double *z)
{
  stage *t = &s->st[s->n - 1];
  float *pos = sim_malloc((size_t)n * t->nout * sizeof *pos + 4, "output activations");
  size_t np = 0;
  for (uint32_t i = 0; i < n; i++) {
    logits(t->w, t->b, feat + (size_t)i * t->nin, t->nin, t->nout, z);
    for (uint32_t o = 0; o < t->nout; o++)
      if (z[o] > 0)
        pos[np++] = (float)z[o];
  }
  double lam = cnn_percentile(pos, np, s->opts.percentile);
  sim_free(pos);
  if (!(lam > 0))
    return;
  for (size_t j = 0; j < (size_t)t->nin * t->nout; j++)
    t->w[j] = (float)(t->w[j] / lam);
  for (uint32_t o = 0; o < t->nout; o++)
    t->b[o] = (float)(t->b[o] / lam);
  t->lambda *= lam;
  uint32_t k = 0; /* weighted-stage index of the last stage */
  for (uint32_t q = 0; q + 1 < s->n; q++)
    k += (uint32_t)s->st[q].weighted;
  s->dev_scale[k] /= lam;
}

/* Hybrid training (Yao et al. 2020): softmax regression of the last layer
   on the features the (device-mapped) network computes, starting from the
   weights the devices hold, projected onto what they can reach; the epoch
   that does best on the held-out fifth is kept. */
int cnn_finetune_last(cnn_snn *s, const uint8_t *images, const uint8_t *labels, uint32_t n,
                      uint32_t isz, const float *lo, const float *hi)
{
  float *w, *b;
  uint32_t nin, nout;
  cnn_last_layer(s, &w, &b, &nin, &nout);
  const size_t nw = (size_t)nin * nout;
  float *feat = sim_malloc((size_t)n * nin * sizeof *feat + 4, "fine-tuning features");
  for (uint32_t i = 0; i < n; i++)
    cnn_features(s, images + (size_t)i * isz, feat + (size_t)i * nin);
  double *z = sim_malloc(nout * sizeof *z, "logits");
  const uint32_t nval = n >= 10 ? n / 5 : 0, ntr = n - nval;
  float *best = sim_malloc((nw + nout) * sizeof *best, "best weights");
  memcpy(best, w, nw * sizeof *w);
  memcpy(best + nw, b, nout * sizeof *b);
  uint32_t best_ok = nval ? correct(w, b, feat, labels, ntr, n, nin, nout, z) : 0;
  int best_epoch = 0;
  /* Learning rate scaled to the features' size (normalized network). */
  double fs = 0;
  for (size_t i = 0; i < (size_t)ntr * nin; i++)
    fs += (double)feat[i] * feat[i];
  const double lr = 0.1 / (fs / (ntr ? ntr : 1) + 1e-9);
  for (int epoch = 1; epoch <= 10; epoch++) {
    for (uint32_t i = 0; i < ntr; i++) {
      const float *f = feat + (size_t)i * nin;
      logits(w, b, f, nin, nout, z);
      double zmax = -INFINITY, sum = 0;
      for (uint32_t o = 0; o < nout; o++)
        zmax = fmax(zmax, z[o]);
      for (uint32_t o = 0; o < nout; o++)
        sum += (z[o] = exp(z[o] - zmax));
      for (uint32_t o = 0; o < nout; o++) {
        double g = z[o] / sum - (o == labels[i]);
        b[o] = (float)(b[o] - lr * g);
        float *wr = w + (size_t)o * nin;
        for (uint32_t j = 0; j < nin; j++) {
          float v = (float)(wr[j] - lr * g * f[j]);
          if (lo) /* what the pair can still hold */
            v = v < lo[(size_t)o * nin + j] ? lo[(size_t)o * nin + j]
                : v > hi[(size_t)o * nin + j] ? hi[(size_t)o * nin + j] : v;
          wr[j] = v;
        }
      }
    }
    uint32_t ok = nval ? correct(w, b, feat, labels, ntr, n, nin, nout, z) : 0;
    if (!nval || ok > best_ok) {
      best_ok = ok;
      best_epoch = epoch;
      memcpy(best, w, nw * sizeof *w);
      memcpy(best + nw, b, nout * sizeof *b);
    }
  }
  memcpy(w, best, nw * sizeof *w);
  memcpy(b, best + nw, nout * sizeof *b);
  renormalize(s, feat, n, z);
  sim_free(best);
  sim_free(z);
  sim_free(feat);
  cnn_weights_changed(s);
  return best_epoch;
}

