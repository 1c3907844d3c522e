/*
 * test_cnn_coding.c: the converter's codings on toy networks built here,
 * against numbers worked out by hand: TTFS spike times and values (at most
 * one spike per neuron), TTFS = the ANN at fine time resolution, the QCFS
 * activation and its conversion (threshold = clip, membranes from half of
 * it), per-step counts measured at each checkpoint, max pooling in the
 * energy model.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"
#include "../network/net_cnn.h"
#include "../network/net_energy.h"
#include "test_suites.h"

static float *floats(int n, const float *v)
{
  float *p = sim_malloc((size_t)n * sizeof *p, "test");
  memcpy(p, v, (size_t)n * sizeof *p);
  return p;
}

static void shape(cnn_layer *L, uint32_t ic, uint32_t ih, uint32_t iw, uint32_t oc, uint32_t oh,
                  uint32_t ow)
{
  L->in[0] = ic, L->in[1] = ih, L->in[2] = iw;
  L->out[0] = oc, L->out[1] = oh, L->out[2] = ow;
}

/* flatten -> linear nin->nh -> ReLU -> linear nh->nout on a 1x1xnin
   input (x = raw / 255); weights w1 [nh][nin], w2 [nout][nh], no bias. */
static cnn_model *mlp(uint32_t nin, uint32_t nh, uint32_t nout, const float *w1,
                      const float *w2)
{
  cnn_model *m = sim_calloc(1, sizeof *m, "test");
  m->path = sim_strdup("toy", "test");
  m->in[0] = 1, m->in[1] = 1, m->in[2] = nin;
  m->input_scale = 1.0 / 255, m->input_mean = 0, m->input_std = 1;
  m->nclasses = nout;
  m->ann_accuracy = -1;
  m->layers = sim_calloc(4, sizeof *m->layers, "test");
  m->nlayers = 4;
  cnn_layer *L = m->layers;
  L[0].type = CNN_FLATTEN, shape(&L[0], 1, 1, nin, nin, 1, 1);
  L[1].type = CNN_LINEAR, shape(&L[1], nin, 1, 1, nh, 1, 1);
  L[1].weight = floats((int)(nh * nin), w1), L[1].nweight = nh * nin;
  L[2].type = CNN_RELU, shape(&L[2], nh, 1, 1, nh, 1, 1);
  L[3].type = CNN_LINEAR, shape(&L[3], nh, 1, 1, nout, 1, 1);
  L[3].weight = floats((int)(nout * nh), w2), L[3].nweight = nout * nh;
  return m;
}

/* 1 -> 2 (0.3, 0.7) -> ReLU -> identity 2 -> 2: max-norm on x = 1 gives
   lambda = 0.7 for both layers; drives 3/7 and 1. */
static cnn_model *toy(void)
{
  return mlp(1, 2, 2, (float[]){0.3f, 0.7f}, (float[]){1, 0, 0, 1});
}

static void test_ttfs_by_hand(void)
{
  cnn_model *m = toy();
  const uint8_t img[] = {255};
  cnn_opts o = {.percentile = 100.0, .calib = 1, .seed = 1, .coding = CNN_CODING_TTFS};
  cnn_snn *s = NULL;
  CU_ASSERT_EQUAL_FATAL(cnn_convert(m, img, 1, &o, &s), 0);
  /* T = 10: neuron 0 (V = 3/7) spikes at k = ceil(10 (1 - 3/7) - 1/2) = 6,
     value (10 - 6) / 10 = 0.4 (3/7 rounded to tenths); neuron 1 (V = 1)
     at k = 0, value 1.  Output potentials 0.4 and 1: class 1, both spike
     (V > 1/20).  T = 3: k = ceil(3 * 4/7 - 1/2) = 2, value 1/3. */
  const uint32_t steps[] = {3, 10};
  int pred[2] = {-1, -1};
  cnn_run_stats st;
  memset(&st, 0, sizeof st);
  cnn_ttfs_run(s, img, steps, 2, pred, &st);
  CU_ASSERT_EQUAL(pred[0], 1);
  CU_ASSERT_EQUAL(pred[1], 1);
  CU_ASSERT_EQUAL(st.nck, 2);
  /* The whole-run totals are those of the largest T (10). */
  CU_ASSERT_DOUBLE_EQUAL(st.out_spikes[0], 2, 1e-12);
  CU_ASSERT_DOUBLE_EQUAL(st.in_spikes[1], 2, 1e-12);
  CU_ASSERT_DOUBLE_EQUAL(st.synops[1], 4, 1e-12); /* 2 spikes x 2 targets */
  CU_ASSERT_DOUBLE_EQUAL(st.out_spikes[1], 2, 1e-12);
  CU_ASSERT_DOUBLE_EQUAL(st.ck_out[0][0], 2, 1e-12);
  CU_ASSERT_DOUBLE_EQUAL(st.ck_syn[1][1], 4, 1e-12);
  CU_ASSERT_DOUBLE_EQUAL(st.ck_spikes[1], 4, 1e-12);
  /* The values: the ANN with the hidden layer rounded to T levels. */
  float logits[2];
  CU_ASSERT_EQUAL(cnn_ann_predict(s, img, logits), 1);
  CU_ASSERT_DOUBLE_EQUAL(logits[0], 3.0 / 7.0, 1e-6);
  cnn_snn_destroy(s);
  cnn_model_destroy(m);
}

/* At a fine time grid TTFS is the ANN (Stanojevic et al. 2024): same
   decision on every image whose two top logits are not within the
   rounding of the hidden values; at most one spike per neuron. */
static void test_ttfs_matches_ann(void)
{
  enum { NIN = 8, NH = 6, NOUT = 3, NIMG = 64 };
  float w1[NH * NIN], w2[NOUT * NH];
  uint32_t x = 12345;
  for (int i = 0; i < NH * NIN; i++) {
    x = x * 1103515245u + 12345u;
    w1[i] = (float)((x >> 8) % 2001) / 1000.0f - 0.6f;
  }
  for (int i = 0; i < NOUT * NH; i++) {
    x = x * 1103515245u + 12345u;
    w2[i] = (float)((x >> 8) % 2001) / 1000.0f - 1.0f;
  }
  uint8_t img[NIMG * NIN];
  for (int i = 0; i < NIMG * NIN; i++) {
    x = x * 1103515245u + 12345u;
    img[i] = (uint8_t)(x >> 24);
  }
  cnn_model *m = mlp(NIN, NH, NOUT, w1, w2);
  cnn_opts o = {.percentile = 100.0, .calib = NIMG, .seed = 1, .coding = CNN_CODING_TTFS};
  cnn_snn *s = NULL;
  CU_ASSERT_EQUAL_FATAL(cnn_convert(m, img, NIMG, &o, &s), 0);
  const uint32_t T = 4096;
  int checked = 0;
  for (int i = 0; i < NIMG; i++) {
    float lg[NOUT];
    int a = cnn_ann_predict(s, img + i * NIN, lg), p = -1;
    float top = -1e30f, second = -1e30f;
    for (int c = 0; c < NOUT; c++) {
      if (lg[c] > top)
        second = top, top = lg[c];
      else if (lg[c] > second)
        second = lg[c];
    }
    cnn_run_stats st;
    memset(&st, 0, sizeof st);
    cnn_ttfs_run(s, img + i * NIN, &T, 1, &p, &st);
    for (uint32_t k = 0; k < st.nstages; k++)
      CHECK(st.out_spikes[k] <= st.neurons[k], "image %d stage %u: %g spikes from %llu neurons",
            i, k, st.out_spikes[k], (unsigned long long)st.neurons[k]);
    if (top - second > 1e-2f) {
      CHECK(p == a, "image %d: TTFS predicts %d, the ANN %d", i, p, a);
      checked++;
    }
  }
  CHECK(checked >= NIMG / 2, "only %d of %d images decided clearly", checked, NIMG);
  cnn_snn_destroy(s);
  cnn_model_destroy(m);
}

static void test_qcfs(void)
{
  /* QCFS with 2 levels and clip 0.5 after the first layer: pre-activations
     0.3 and 0.7 become 0.5 floor(0.3 * 4 + 1/2) / 2 = 0.25 and (clamped)
     0.5. */
  cnn_model *m = toy();
  m->layers[2].levels = 2;
  m->layers[2].clip = 0.5;
  const uint8_t img[] = {255};
  cnn_opts o = {.percentile = 100.0, .calib = 1, .seed = 1};
  cnn_snn *s = NULL;
  CU_ASSERT_EQUAL_FATAL(cnn_convert(m, img, 1, &o, &s), 0);
  double lam[2];
  CU_ASSERT_EQUAL(cnn_lambdas(s, lam, 2), 2);
  CU_ASSERT_DOUBLE_EQUAL(lam[0], 0.5, 1e-6); /* rate: max of the quantized activations */
  float lg[2];
  cnn_ann_predict(s, img, lg);
  CU_ASSERT_DOUBLE_EQUAL(lg[0] * lam[1], 0.25, 1e-6);
  CU_ASSERT_DOUBLE_EQUAL(lg[1] * lam[1], 0.5, 1e-6);
  cnn_snn_destroy(s);
  /* --coding qcfs: threshold = clip, membranes from half of it.  Drives
     0.3 / 0.5 = 0.6 and 1.4: from V = 0.5, neuron 0 fires at steps 0 and
     2 of 4 (V 1.1, 0.7, 1.3, 0.9): 2 spikes, rate 0.5 = 0.25 / 0.5, as the
     QCFS ANN; neuron 1 every step.  The identity output layer (lambda 0.5,
     weights 1) repeats them. */
  o.coding = CNN_CODING_QCFS;
  o.v_init = 0.5;
  CU_ASSERT_EQUAL_FATAL(cnn_convert(m, img, 1, &o, &s), 0);
  CU_ASSERT_EQUAL(cnn_lambdas(s, lam, 2), 2);
  CU_ASSERT_DOUBLE_EQUAL(lam[0], 0.5, 1e-6);
  const uint32_t T = 4;
  int p;
  cnn_run_stats st;
  memset(&st, 0, sizeof st);
  cnn_snn_run(s, img, &T, 1, &p, &st);
  CU_ASSERT_DOUBLE_EQUAL(st.out_spikes[0], 6, 1e-12);
  CU_ASSERT_DOUBLE_EQUAL(st.ck_out[0][0], 6, 1e-12);
  CU_ASSERT_EQUAL(p, 1);
  cnn_snn_destroy(s);
  cnn_model_destroy(m);
  /* A plain ReLU cannot be converted with --coding qcfs: the message says
     which layer and what to do. */
  m = toy();
  CU_ASSERT_EQUAL(cnn_convert(m, img, 1, &o, &s), SIM_EINVAL);
  CHECK(strstr(sim_error_msg(), "fc1") && strstr(sim_error_msg(), "--activation qcfs"),
        "message: %s", sim_error_msg());
  cnn_model_destroy(m);
}

/* QCFS average pools relay their input spikes (exact pooling): conv 1x1
   (w 0.5) -> QCFS (2 levels, clip 1) -> avgpool 2x2 -> linear 1 -> 2 (1,
   0.2) on pixels (1, 1, 0, 0).  The ANN: conv 0.5, 0.5, 0, 0 -> QCFS 0.5,
   0.5, 0, 0 -> pool 0.25 -> logits 0.25, 0.05 (lambda_out 0.25).  The SNN
   (T = 4, V(0) = 1/2): the two driven conv neurons spike at steps 0 and 2;
   the pool relays the 4 spikes; the output layer gets each scaled by 1/4
   (weights 1 and 0.2 after normalization): neuron 0 gets 2 a step at steps
   0 and 2 and spikes at all 4 steps (rate 1 = 0.25 / 0.25), neuron 1 gets
   0.4 and spikes once (V 0.9, 0.9, 1.3, 0.3). */
static void test_qcfs_relay_pool(void)
{
  cnn_model *m = sim_calloc(1, sizeof *m, "test");
  m->path = sim_strdup("toy", "test");
  m->in[0] = 1, m->in[1] = 2, m->in[2] = 2;
  m->input_scale = 1.0 / 255, m->input_mean = 0, m->input_std = 1;
  m->nclasses = 2;
  m->ann_accuracy = -1;
  m->layers = sim_calloc(5, sizeof *m->layers, "test");
  m->nlayers = 5;
  cnn_layer *L = m->layers;
  L[0].type = CNN_CONV2D, L[0].kh = L[0].kw = L[0].sh = L[0].sw = 1;
  shape(&L[0], 1, 2, 2, 1, 2, 2);
  L[0].weight = floats(1, (float[]){0.5f}), L[0].nweight = 1;
  L[1].type = CNN_RELU, shape(&L[1], 1, 2, 2, 1, 2, 2);
  L[1].levels = 2, L[1].clip = 1.0;
  L[2].type = CNN_AVGPOOL2D, L[2].kh = L[2].kw = L[2].sh = L[2].sw = 2;
  shape(&L[2], 1, 2, 2, 1, 1, 1);
  L[3].type = CNN_FLATTEN, shape(&L[3], 1, 1, 1, 1, 1, 1);
  L[4].type = CNN_LINEAR, shape(&L[4], 1, 1, 1, 2, 1, 1);
  L[4].weight = floats(2, (float[]){1, 0.2f}), L[4].nweight = 2;
  const uint8_t img[] = {255, 255, 0, 0};
  cnn_opts o = {.percentile = 100.0, .calib = 1, .seed = 1, .coding = CNN_CODING_QCFS,
                .v_init = 0.5};
  cnn_snn *s = NULL;
  CU_ASSERT_EQUAL_FATAL(cnn_convert(m, img, 1, &o, &s), 0);
  float lg[2];
  CU_ASSERT_EQUAL(cnn_ann_predict(s, img, lg), 0);
  CU_ASSERT_DOUBLE_EQUAL(lg[0], 1.0, 1e-6); /* 0.25 / lambda_out 0.25 */
  CU_ASSERT_DOUBLE_EQUAL(lg[1], 0.2, 1e-6);
  const uint32_t T = 4;
  int p = -1;
  cnn_run_stats st;
  memset(&st, 0, sizeof st);
  cnn_snn_run(s, img, &T, 1, &p, &st);
  CU_ASSERT_EQUAL(p, 0);
  CU_ASSERT_DOUBLE_EQUAL(st.out_spikes[0], 4, 1e-12);
  CU_ASSERT_DOUBLE_EQUAL(st.out_spikes[1], 4, 1e-12); /* relayed */
  CU_ASSERT_DOUBLE_EQUAL(st.synops[2], 8, 1e-12);
  CU_ASSERT_DOUBLE_EQUAL(st.out_spikes[2], 5, 1e-12);
  cnn_snn_destroy(s);
  cnn_model_destroy(m);
}

/* Counts per checkpoint are measured at that step, not scaled from the
   last: drive 3/7 spikes at steps 2, 4, 6, 9 and drive 1 at every step,
   so 1 + 3 = 4 first-layer spikes by T = 3 and 4 + 10 = 14 by T = 10 (a
   linear scaling from 10 would say 4.2). */
static void test_counts_per_checkpoint(void)
{
  cnn_model *m = toy();
  const uint8_t img[] = {255};
  cnn_opts o = {.percentile = 100.0, .calib = 1, .seed = 1};
  cnn_snn *s = NULL;
  CU_ASSERT_EQUAL_FATAL(cnn_convert(m, img, 1, &o, &s), 0);
  const uint32_t steps[] = {3, 10};
  int pred[2];
  cnn_run_stats st;
  memset(&st, 0, sizeof st);
  cnn_snn_run(s, img, steps, 2, pred, &st);
  CU_ASSERT_EQUAL(st.nck, 2);
  CU_ASSERT_DOUBLE_EQUAL(st.ck_out[0][0], 4, 1e-12);
  CU_ASSERT_DOUBLE_EQUAL(st.ck_out[1][0], 14, 1e-12);
  CU_ASSERT_DOUBLE_EQUAL(st.ck_syn[0][1], 8, 1e-12);
  net_layer_stats l[4];
  CU_ASSERT_EQUAL(cnn_layer_stats(s, &st, 1, 3, 0, l, 4), 2);
  CU_ASSERT_DOUBLE_EQUAL(l[0].out_spikes, 4, 1e-12);
  CU_ASSERT_DOUBLE_EQUAL(l[1].synops, 8, 1e-12);
  CU_ASSERT_EQUAL(l[0].steps, 3);
  CU_ASSERT_EQUAL(cnn_layer_stats(s, &st, 1, 10, -1, l, 4), 2);
  CU_ASSERT_DOUBLE_EQUAL(l[0].out_spikes, 14, 1e-12);
  cnn_snn_destroy(s);
  cnn_model_destroy(m);
}

/* Max pooling (kind 3) is priced as average pooling: fixed function, no
   weights, no arrays. */
static void test_energy_maxpool(void)
{
  net_energy_param p;
  memset(&p, 0, sizeof p);
  p.digital_e_ac_fp32_pj = 0.9, p.digital_bits_activation = 32, p.digital_sram_8kB_pj = 10;
  p.digital_macs_per_cycle = 256, p.digital_clock_GHz = 1, p.crossbar_e_add_pj = 0.1;
  p.crossbar_input_bits = 8, p.snn_digital_e_neuron_update_pj = 1.8;
  p.snn_digital_bits_state = 32, p.snn_digital_e_spike_pj = 10, p.snn_crossbar_e_spike_pj = 10;
  p.crossbar_array_rows = p.crossbar_array_cols = 128, p.crossbar_replication = 1;
  net_layer_stats l = {.name = "pool1", .kind = 2, .neurons = 196, .fan_in = 4, .rows = 4,
                       .cols = 4, .patches = 49, .inputs = 784, .macs = 784, .in_spikes = 100,
                       .synops = 100, .out_spikes = 30, .steps = 8};
  for (int im = 0; im < NET_IMPL_COUNT; im++) {
    net_energy a, b;
    l.kind = 2;
    net_energy_layer(&p, &l, im, &a);
    l.kind = 3;
    net_energy_layer(&p, &l, im, &b);
    CHECK(a.total_pj == b.total_pj && a.latency_ns == b.latency_ns && b.arrays == 0,
          "%s: avg %g pJ %g ns, max %g pJ %g ns %llu arrays", net_impl_name(im), a.total_pj,
          a.latency_ns, b.total_pj, b.latency_ns, (unsigned long long)b.arrays);
    CHECK(b.total_pj > 0, "%s: max pooling costs nothing", net_impl_name(im));
  }
}

static void test_coding_names(void)
{
  for (int c = 0; c < CNN_CODINGS; c++)
    CU_ASSERT_EQUAL(cnn_coding_find(cnn_coding_name(c)), c);
  CU_ASSERT_EQUAL(cnn_coding_find("ttfs"), CNN_CODING_TTFS);
  CU_ASSERT_EQUAL(cnn_coding_find("TTFS"), -1);
  CU_ASSERT_EQUAL(cnn_coding_find(NULL), -1);
  CU_ASSERT_STRING_EQUAL(cnn_coding_name(7), "?");
}

int test_cnn_coding_register(void)
{
  CU_pSuite s = CU_add_suite("cnn_coding", NULL, NULL);
  if (!s)
    return -1;
  if (!CU_add_test(s, "TTFS spike times and values by hand", test_ttfs_by_hand) ||
      !CU_add_test(s, "TTFS at a fine grid decides as the ANN, <= 1 spike/neuron",
                   test_ttfs_matches_ann) ||
      !CU_add_test(s, "QCFS activation, threshold = clip, half-threshold start", test_qcfs) ||
      !CU_add_test(s, "QCFS average pools relay spikes exactly", test_qcfs_relay_pool) ||
      !CU_add_test(s, "counts measured per checkpoint", test_counts_per_checkpoint) ||
      !CU_add_test(s, "max pooling priced as average pooling", test_energy_maxpool) ||
      !CU_add_test(s, "coding names", test_coding_names))
    return -1;
  return 0;
}
