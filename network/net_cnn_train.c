/*
 * net_cnn_train.c: the last layer in ANN terms and its fine-tuning
 * (cnn_features, cnn_last_layer, cnn_finetune_last; net_cnn.h): softmax
 * regression on the features the network computes now, e.g. through
 * device-held weights (Yao et al. 2020).
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
