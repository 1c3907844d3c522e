/*
 * test_cnn.c: CNN -> SNN conversion on toy networks built here, against
 * numbers computed by hand: batch-norm folding, data-based normalization,
 * spike counts of a two-layer SNN, and device mapping without flaws.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../network/net_cnn.h"
#include "../io/io_preset.h"
#include "../synapses/syn_device.h"
#include "test_suites.h"

static float *floats(int n, const float *v)
{
  float *p = sim_malloc((size_t)n * sizeof *p, "test");
  memcpy(p, v, (size_t)n * sizeof *p);
  return p;
}

static cnn_model *new_model(uint32_t c, uint32_t h, uint32_t w, uint32_t classes, uint32_t n)
{
  cnn_model *m = sim_calloc(1, sizeof *m, "test");
  m->path = sim_strdup("toy", "test");
  m->in[0] = c, m->in[1] = h, m->in[2] = w;
  m->input_scale = 1.0 / 255, m->input_mean = 0, m->input_std = 1;
  m->nclasses = classes;
  m->ann_accuracy = -1;
  m->layers = sim_calloc(n, sizeof *m->layers, "test");
  m->nlayers = n;
  return m;
}

static void shape(cnn_layer *L, uint32_t ic, uint32_t ih, uint32_t iw, uint32_t oc, uint32_t oh,
                  uint32_t ow)
{
  L->in[0] = ic, L->in[1] = ih, L->in[2] = iw;
  L->out[0] = oc, L->out[1] = oh, L->out[2] = ow;
}

/* conv 1x1 (w 2, b 0.5) -> batch-norm (gamma 2, beta 1, mean 0.5, var 3,
   eps 1) -> ReLU -> flatten -> linear 2->2 ([[1, -1], [0.5, 0.5]],
   b [0, 0.1]) on a 1x1x2 input. */
static cnn_model *toy_bn(void)
{
  cnn_model *m = new_model(1, 1, 2, 2, 5);
  cnn_layer *L = m->layers;
  L[0].type = CNN_CONV2D, L[0].kh = L[0].kw = L[0].sh = L[0].sw = 1;
  shape(&L[0], 1, 1, 2, 1, 1, 2);
  L[0].weight = floats(1, (float[]){2}), L[0].bias = floats(1, (float[]){0.5f});
  L[0].nweight = 1;
  L[1].type = CNN_BATCHNORM2D, shape(&L[1], 1, 1, 2, 1, 1, 2);
  L[1].bn_gamma = floats(1, (float[]){2}), L[1].bn_beta = floats(1, (float[]){1});
  L[1].bn_mean = floats(1, (float[]){0.5f}), L[1].bn_var = floats(1, (float[]){3});
  L[1].bn_eps = 1;
  L[2].type = CNN_RELU, shape(&L[2], 1, 1, 2, 1, 1, 2);
  L[3].type = CNN_FLATTEN, shape(&L[3], 1, 1, 2, 2, 1, 1);
  L[4].type = CNN_LINEAR, shape(&L[4], 2, 1, 1, 2, 1, 1);
  L[4].weight = floats(4, (float[]){1, -1, 0.5f, 0.5f}), L[4].bias = floats(2, (float[]){0, 0.1f});
  L[4].nweight = 4;
  return m;
}

static void test_fold_and_normalize(void)
{
  cnn_model *m = toy_bn();
  /* Calibration images (raw pixels): x = raw / 255. */
  const uint8_t cal[] = {255, 0, 0, 255, 255, 255, 0, 0};
  cnn_opts o = {100.0, 4, 0, 0, 1, 0.0}; /* max-norm */
  cnn_snn *s = NULL;
  CU_ASSERT_EQUAL_FATAL(cnn_convert(m, cal, 4, &o, &s), 0);
  /* Folded conv: s = gamma / sqrt(var + eps) = 1; w' = 2, b' = (0.5 - 0.5)
     1 + 1 = 1, so a = 2 x + 1 in {1, 3}: lambda1 = 3.  Linear on (a0, a1):
     out0 = a0 - a1 in {-2, 2, 0, 0}, out1 = (a0 + a1) / 2 + 0.1 in {2.1, 2.1,
     3.1, 1.1}: lambda2 = max positive = 3.1. */
  double lam[4];
  CU_ASSERT_EQUAL_FATAL(cnn_lambdas(s, lam, 4), 2);
  CU_ASSERT_DOUBLE_EQUAL(lam[0], 3.0, 1e-6);
  CU_ASSERT_DOUBLE_EQUAL(lam[1], 3.1, 1e-6);
  uint64_t n;
  int last;
  float *w0 = cnn_stage_weights(s, 0, &n, &last);
  CU_ASSERT_EQUAL(n, 1);
  CU_ASSERT_FALSE(last);
  CU_ASSERT_DOUBLE_EQUAL(w0[0], 2.0 / 3.0, 1e-6); /* w' lambda0 / lambda1 */
  float *w1 = cnn_stage_weights(s, 1, &n, &last);
  CU_ASSERT_EQUAL(n, 4);
  CU_ASSERT_TRUE(last);
  const double r = 3.0 / 3.1;
  CU_ASSERT_DOUBLE_EQUAL(w1[0], 1 * r, 1e-6);
  CU_ASSERT_DOUBLE_EQUAL(w1[1], -1 * r, 1e-6);
  CU_ASSERT_DOUBLE_EQUAL(w1[2], 0.5 * r, 1e-6);
  float *wl, *bl;
  uint32_t nin, nout;
  cnn_last_layer(s, &wl, &bl, &nin, &nout);
  CU_ASSERT_DOUBLE_EQUAL(bl[1], 0.1 / 3.1, 1e-6);
  /* The folded, normalized ANN keeps the original's decision. */
  float logits[2];
  const uint8_t img[] = {255, 0};
  /* out0 = 3 - 1 = 2 -> 2/3.1; out1 = 2 + 0.1 = 2.1 -> 2.1/3.1: class 1 */
  CU_ASSERT_EQUAL(cnn_ann_predict(s, img, logits), 1);
  CU_ASSERT_DOUBLE_EQUAL(logits[0], 2.0 / 3.1, 1e-6);
  CU_ASSERT_DOUBLE_EQUAL(logits[1], 2.1 / 3.1, 1e-6);
  cnn_snn_destroy(s);
  cnn_model_destroy(m);
}

/* flatten -> linear 1->2 (w 0.3, 0.7) -> ReLU -> linear 2->2 (identity).
   Max-norm on the image x = 1 gives lambda1 = lambda2 = 0.7: the first
   layer's drives are 3/7 and 1, the second's weights the identity. */
static cnn_model *toy_two_layer(void)
{
  cnn_model *m = new_model(1, 1, 1, 2, 4);
  cnn_layer *L = m->layers;
  L[0].type = CNN_FLATTEN, shape(&L[0], 1, 1, 1, 1, 1, 1);
  L[1].type = CNN_LINEAR, shape(&L[1], 1, 1, 1, 2, 1, 1);
  L[1].weight = floats(2, (float[]){0.3f, 0.7f}), L[1].nweight = 2;
  L[2].type = CNN_RELU, shape(&L[2], 2, 1, 1, 2, 1, 1);
  L[3].type = CNN_LINEAR, shape(&L[3], 2, 1, 1, 2, 1, 1);
  L[3].weight = floats(4, (float[]){1, 0, 0, 1}), L[3].nweight = 4;
  return m;
}

static void test_two_layer_spike_counts(void)
{
  cnn_model *m = toy_two_layer();
  const uint8_t img[] = {255};
  cnn_opts o = {100.0, 1, 0, 0, 1, 0.0};
  cnn_snn *s = NULL;
  CU_ASSERT_EQUAL_FATAL(cnn_convert(m, img, 1, &o, &s), 0);
  /* Drive 3/7: the k-th spike at ceil(7k/3) - 1 -> steps 2, 4, 6, 9 in
     T = 10 (4 spikes); drive 1: a spike every step (10).  The identity
     layer repeats them: 4 and 10 output spikes; prediction class 1; each
     first-layer spike reaches 2 synapses: 28 synaptic operations. */
  const uint32_t steps[] = {3, 10};
  int pred[2];
  cnn_run_stats st;
  memset(&st, 0, sizeof st);
  cnn_snn_run(s, img, steps, 2, pred, &st);
  CU_ASSERT_EQUAL(st.nstages, 2);
  CU_ASSERT_DOUBLE_EQUAL(st.out_spikes[0], 14, 1e-9);
  CU_ASSERT_DOUBLE_EQUAL(st.out_spikes[1], 14, 1e-9);
  CU_ASSERT_DOUBLE_EQUAL(st.in_spikes[1], 14, 1e-9);
  CU_ASSERT_DOUBLE_EQUAL(st.synops[1], 28, 1e-9);
  CU_ASSERT_EQUAL(pred[0], 1); /* after 3 steps: counts 1 vs 3 */
  CU_ASSERT_EQUAL(pred[1], 1);
  /* A second image resets the state: the same counts again. */
  cnn_snn_run(s, img, steps, 2, pred, &st);
  CU_ASSERT_DOUBLE_EQUAL(st.out_spikes[1], 28, 1e-9);
  cnn_snn_destroy(s);
  cnn_model_destroy(m);
}

/* Mapping onto a device without flaws (ideal preset, levels 1e-7 apart)
   changes no decision of the ANN or the SNN. */
static void test_ideal_device_mapping(void)
{
  cnn_model *m = toy_bn();
  const uint8_t cal[] = {255, 0, 0, 255, 255, 255, 0, 0};
  cnn_opts o = {100.0, 4, 0, 0, 1, 0.0};
  cnn_snn *s = NULL;
  CU_ASSERT_EQUAL_FATAL(cnn_convert(m, cal, 4, &o, &s), 0);
  syn_device_param p;
  CU_ASSERT_EQUAL_FATAL(io_preset_load("configs/devices", "ideal", &p), 0);
  p.dw_min = 1e-7;
  float before[16][2], after[16][2];
  int pa[16], pb[16], sa[16], sb[16];
  const uint32_t T = 64;
  cnn_run_stats st;
  memset(&st, 0, sizeof st);
  for (int i = 0; i < 16; i++) {
    uint8_t img[2] = {(uint8_t)(i * 17), (uint8_t)(255 - i * 13)};
    pb[i] = cnn_ann_predict(s, img, before[i]);
    cnn_snn_run(s, img, &T, 1, &sb[i], &st);
  }
  CU_ASSERT_EQUAL(cnn_map_devices(s, &p, 1.0, 3, 0), 0); /* nothing stuck */
  for (int i = 0; i < 16; i++) {
    uint8_t img[2] = {(uint8_t)(i * 17), (uint8_t)(255 - i * 13)};
    pa[i] = cnn_ann_predict(s, img, after[i]);
    cnn_snn_run(s, img, &T, 1, &sa[i], &st);
    CU_ASSERT_EQUAL(pa[i], pb[i]);
    CU_ASSERT_EQUAL(sa[i], sb[i]);
    CU_ASSERT_DOUBLE_EQUAL(after[i][0], before[i][0], 1e-5);
    CU_ASSERT_DOUBLE_EQUAL(after[i][1], before[i][1], 1e-5);
  }
  /* A preset with flaws (stuck devices) does change the weights. */
  CU_ASSERT_EQUAL_FATAL(io_preset_load("configs/devices", "rram_yao2020", &p), 0);
  p.stuck_fraction = 1.0;
  CU_ASSERT(cnn_map_devices(s, &p, 1.0, 3, 0) > 0);
  cnn_snn_destroy(s);
  cnn_model_destroy(m);
}

int test_cnn_register(void)
{
  CU_pSuite s = CU_add_suite("cnn", NULL, NULL);
  if (!s)
    return -1;
  if (!CU_add_test(s, "batch-norm folding and normalization by hand", test_fold_and_normalize) ||
      !CU_add_test(s, "two-layer SNN spike counts by hand", test_two_layer_spike_counts) ||
      !CU_add_test(s, "device mapping without flaws keeps decisions", test_ideal_device_mapping))
    return -1;
  return 0;
}
