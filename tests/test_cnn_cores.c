/*
 * test_cnn_cores.c: the compute-in-memory cores (network/net_cnn_cores.h)
 * on a toy network built here: tiles and utilization counted by hand, a
 * chip too small refused, the forward MVM at fine quantization against
 * the float ANN, the transposed read of the same devices against W^T x by
 * hand, programming noise seen by the transposed read, and the pair-on-rows
 * energy layout (net_energy.c) against its count by hand.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"
#include "../network/net_cnn.h"
#include "../network/net_cnn_cores.h"
#include "../network/net_energy.h"
#include "../synapses/syn_device.h"
#include "test_suites.h"

static float *floats(int n, const float *v)
{
  float *p = sim_malloc((size_t)n * sizeof *p, "test");
  memcpy(p, v, (size_t)n * sizeof *p);
  return p;
}

/* flatten -> linear 2->3 -> ReLU -> linear 3->2 on a 1x1x2 image. */
static const float W1[6] = {0.5f, 0.25f, -0.3f, 0.8f, 0.6f, 0.1f};
static const float W2[6] = {1.0f, -0.5f, 0.2f, -0.4f, 0.9f, 0.3f};

static cnn_model *toy(void)
{
  cnn_model *m = sim_calloc(1, sizeof *m, "test");
  m->path = sim_strdup("toy", "test");
  m->in[0] = 1, m->in[1] = 1, m->in[2] = 2;
  m->input_scale = 1.0 / 255, m->input_mean = 0, m->input_std = 1;
  m->nclasses = 2;
  m->ann_accuracy = -1;
  m->nlayers = 4;
  m->layers = sim_calloc(4, sizeof *m->layers, "test");
  cnn_layer *L = m->layers;
  uint32_t sh[4][6] = {{1, 1, 2, 2, 1, 1}, {2, 1, 1, 3, 1, 1}, {3, 1, 1, 3, 1, 1},
                       {3, 1, 1, 2, 1, 1}};
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 3; j++)
      L[i].in[j] = sh[i][j], L[i].out[j] = sh[i][3 + j];
  L[0].type = CNN_FLATTEN;
  L[1].type = CNN_LINEAR, L[1].weight = floats(6, W1), L[1].nweight = 6;
  L[2].type = CNN_RELU;
  L[3].type = CNN_LINEAR, L[3].weight = floats(6, W2), L[3].nweight = 6;
  return m;
}

/* A device on [0, 1], G = 1 + 39 w uS, on a fine grid, noise std sigma. */
static void device(syn_device_param *p, const char *sigma)
{
  syn_device_param_default(p);
  CU_ASSERT_EQUAL(syn_device_param_set(p, "w_min", "0"), 0);
  CU_ASSERT_EQUAL(syn_device_param_set(p, "w_max", "1"), 0);
  CU_ASSERT_EQUAL(syn_device_param_set(p, "dw_min", "1e-7"), 0);
  CU_ASSERT_EQUAL(syn_device_param_set(p, "g_ref_uS", "1"), 0);
  CU_ASSERT_EQUAL(syn_device_param_set(p, "g_scale_uS", "39"), 0);
  CU_ASSERT_EQUAL(syn_device_param_set(p, "prog_noise_c0", sigma), 0);
  CU_ASSERT_EQUAL(syn_device_param_finalize(p), 0);
}

static cnn_snn *convert(cnn_model *m, const uint8_t *img)
{
  cnn_opts o = {.percentile = 100.0, .calib = 1, .seed = 1};
  cnn_snn *s = NULL;
  CU_ASSERT_EQUAL(cnn_convert(m, img, 1, &o, &s), 0);
  return s;
}

static void test_tiles(void)
{
  const uint8_t img[2] = {200, 100};
  cnn_model *m = toy();
  cnn_snn *s = convert(m, img);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  syn_device_param p;
  device(&p, "0");
  /* 4 x 2 cores: 2 weights (pairs on rows) x 2 columns each.  fc1 (fan 2,
     3 outputs): 1 row block x 2 column blocks; fc2 (fan 3, 2 outputs): 2
     row blocks x 1: 4 tiles, utilizations 2 r c / 8. */
  cnn_core_opts o = {.rows = 4, .cols = 2, .ncores = 4, .in_bits = 8, .out_bits = 10,
                     .out_percentile = 100, .seed = 3};
  cnn_cores *c = NULL;
  CU_ASSERT_EQUAL_FATAL(cnn_cores_create(s, &p, &o, &c), 0);
  const cnn_core_tile *t;
  CU_ASSERT_EQUAL_FATAL(cnn_cores_tiles(c, &t), 4);
  const double util[4] = {1.0, 0.5, 1.0, 0.5};
  const uint32_t nr[4] = {2, 2, 2, 1}, nc[4] = {2, 1, 2, 2}, layer[4] = {0, 0, 1, 1};
  for (int i = 0; i < 4; i++) {
    CHECK(fabs(t[i].utilization - util[i]) < 1e-12 && t[i].nr == nr[i] && t[i].nc == nc[i] &&
              t[i].layer == layer[i],
          "tile %d: util %g rows %u cols %u layer %u", i, t[i].utilization, t[i].nr, t[i].nc,
          t[i].layer);
  }
  cnn_cores_destroy(c);
  o.ncores = 3;
  CU_ASSERT_EQUAL(cnn_cores_create(s, &p, &o, &c), SIM_EINVAL);
  CU_ASSERT_PTR_NULL(c);
  cnn_snn_destroy(s);
  cnn_model_destroy(m);
}

/* Noise-free devices, 14-bit inputs and 20-bit outputs: the cores compute
   the float ANN (logits to 1e-3), and the transposed read of fc2 gives
   W2n^T x (W2n: the converted, normalized fc2) to 1e-3 of its scale. */
static void test_forward_and_transpose(void)
{
  const uint8_t img[2] = {200, 100};
  cnn_model *m = toy();
  cnn_snn *s = convert(m, img);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  syn_device_param p;
  device(&p, "0");
  cnn_core_opts o = {.rows = 256, .cols = 256, .ncores = 48, .in_bits = 14, .out_bits = 20,
                     .out_percentile = 100, .seed = 3};
  cnn_cores *c = NULL;
  CU_ASSERT_EQUAL_FATAL(cnn_cores_create(s, &p, &o, &c), 0);
  cnn_cores_calibrate(c, img, 1, 2);
  float ref[2];
  cnn_ann_predict(s, img, ref);
  uint32_t n;
  const float *y = cnn_cores_forward(c, img, 1, &n);
  CU_ASSERT_EQUAL(n, 2);
  for (int i = 0; i < 2; i++)
    CHECK(fabs(y[i] - ref[i]) < 1e-3 * fmax(1, fabs(ref[i])), "logit %d: cores %g, float %g", i,
          y[i], ref[i]);
  uint32_t nin, nout;
  double wmax;
  const float *W = cnn_cores_weights(c, 1, &nin, &nout, &wmax);
  CU_ASSERT_EQUAL(nin, 3);
  CU_ASSERT_EQUAL(nout, 2);
  const float x[2] = {0.7f, -0.4f};
  float g[3];
  cnn_cores_mvm_t(c, 1, x, g, 0, 1);
  for (uint32_t r = 0; r < 3; r++) {
    double want = W[r] * x[0] + W[3 + r] * x[1];
    CHECK(fabs(g[r] - want) < 1e-3 * wmax, "row %u: transposed %g, by hand %g", r, g[r], want);
  }
  /* the converted layer is the model's, scaled as a whole */
  double k = W[0] / W2[0];
  for (int i = 0; i < 6; i++)
    CHECK(fabs(W[i] - k * W2[i]) < 1e-6, "weight %d: %g vs %g", i, W[i], k * W2[i]);
  cnn_cores_destroy(c);
  cnn_snn_destroy(s);
  cnn_model_destroy(m);
}

/* Moments of one device's programming error (range units): clipped at a
   bound (the device at w_min, or at w_max) it has mean +-sigma / sqrt(2
   pi) and second moment sigma^2 / 2; elsewhere N(0, sigma^2). */
static void dev_moments(double t, double sigma, double *mu, double *m2)
{
  const double c = sigma / sqrt(2 * 3.14159265358979323846);
  *mu = t < 1e-9 ? c : t > 1 - 1e-9 ? -c : 0;
  *m2 = t < 1e-9 || t > 1 - 1e-9 ? sigma * sigma / 2 : sigma * sigma;
}

/* Programming noise sigma = 0.02 of the range: the transposed read of the
   same devices departs from W^T x as the devices' errors predict.  Each
   row line m (G+ or G-) senses V = sum_o x_o G_o / sum_o G_o and is
   rescaled by the target sum, so to first order its error is
   sum_o dG_o (x_o - V_m), V_m the noise-free voltage; with the moments of
   dev_moments (cross terms of the clipped means included):
   E e^2 = (sum c_i mu_i)^2 + sum c_i^2 (m2_i - mu_i^2).  Over 700
   programmings (2100 rows: +-10 %). */
static void test_transpose_noise(void)
{
  const uint8_t img[2] = {200, 100};
  cnn_model *m = toy();
  cnn_snn *s = convert(m, img);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  syn_device_param p;
  device(&p, "0.02");
  const double sigma = 0.02;
  cnn_core_opts o = {.rows = 256, .cols = 256, .ncores = 48, .in_bits = 14, .out_bits = 20,
                     .out_percentile = 100, .seed = 3};
  double se = 0, want = 0;
  const float x[2] = {0.7f, -0.4f};
  const int draws = 700;
  for (int d = 0; d < draws; d++) {
    o.seed = 100 + (uint64_t)d;
    cnn_cores *c = NULL;
    CU_ASSERT_EQUAL_FATAL(cnn_cores_create(s, &p, &o, &c), 0);
    uint32_t nin, nout;
    double wmax;
    const float *W = cnn_cores_weights(c, 1, &nin, &nout, &wmax);
    float g[3];
    cnn_cores_mvm_t(c, 1, x, g, 0, 1);
    for (uint32_t r = 0; r < 3; r++) {
      double e = g[r] - (W[r] * x[0] + W[3 + r] * x[1]);
      se += e * e;
      double sum_cmu = 0, sum_var = 0;
      for (int line = 0; line < 2; line++) { /* 0: G+, 1: G- */
        double t[2], num = 0, den = 0;
        for (int q = 0; q < 2; q++) {
          double xw = W[q * 3 + r] / wmax;
          t[q] = line == 0 ? (xw > 0 ? xw : 0) : (xw < 0 ? -xw : 0);
          num += x[q] * (1 + 39 * t[q]);
          den += 1 + 39 * t[q];
        }
        for (int q = 0; q < 2; q++) {
          double mu, m2, ci = (line ? -1 : 1) * (x[q] - num / den);
          dev_moments(t[q], sigma, &mu, &m2);
          sum_cmu += ci * mu;
          sum_var += ci * ci * (m2 - mu * mu);
        }
      }
      want += wmax * wmax * (sum_cmu * sum_cmu + sum_var);
    }
    cnn_cores_destroy(c);
  }
  CHECK(fabs(se / want - 1) < 0.1, "squared error %g, predicted %g", se, want);
  cnn_snn_destroy(s);
  cnn_model_destroy(m);
}

/* Pairs on rows (NeuRRAM): a 300 x 100 matrix on 256 x 256 arrays takes
   ceil(600 / 256) = 3 row tiles x 1 column tile; one conversion per
   column and row tile; DACs on the 600 physical rows. */
static void test_energy_pairs_on_rows(void)
{
  net_energy_param p;
  memset(&p, 0, sizeof p);
  p.crossbar_array_rows = p.crossbar_array_cols = 256;
  p.crossbar_replication = 1;
  p.crossbar_input_bits = 4, p.crossbar_dac_bits = 1;
  p.crossbar_adc_bits = 6, p.crossbar_e_adc_pj = 1, p.crossbar_e_dac_pj = 0.5;
  p.crossbar_columns_per_adc = 1, p.crossbar_t_read_ns = 10, p.digital_clock_GHz = 1;
  p.digital_macs_per_cycle = 1;
  p.crossbar_pair_subtraction = NET_PAIR_SUB_ROWS;
  net_layer_stats s;
  memset(&s, 0, sizeof s);
  s.kind = 1, s.neurons = 100, s.fan_in = s.rows = 300, s.cols = 100, s.patches = 1;
  s.weights = 30000, s.macs = 30000;
  net_energy e;
  net_energy_layer(&p, &s, NET_IMPL_ANN_CROSSBAR, &e);
  CU_ASSERT_EQUAL(e.arrays, 3);
  /* 4 cycles x (600 rows x 1 col tile x 0.5 + 3 row tiles x 100 outputs x 1) */
  CHECK(fabs(e.convert_pj - 4 * (600 * 0.5 + 300)) < 1e-9, "convert %g", e.convert_pj);
  /* latency: 4 cycles x 100 used columns / 256 ADCs -> 1 group x (10 + 6) ns */
  CHECK(fabs(e.latency_ns - 64) < 1e-9, "latency %g", e.latency_ns);
}

int test_cnn_cores_register(void)
{
  CU_pSuite s = CU_add_suite("cnn_cores", NULL, NULL);
  if (!s)
    return -1;
  if (!CU_add_test(s, "tiles and utilization by hand; too few cores refused", test_tiles) ||
      !CU_add_test(s, "forward = float ANN, transposed read = W^T x (fine quantization)",
                   test_forward_and_transpose) ||
      !CU_add_test(s, "programming noise in the transposed read", test_transpose_noise) ||
      !CU_add_test(s, "energy: pairs on adjacent rows", test_energy_pairs_on_rows))
    return -1;
  return 0;
}
