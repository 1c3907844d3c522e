/*
 * test_act.c: the crossbar activations (network/net_act.h) and their
 * preset reader (io/io_act.c): the VO2 transfer curve against its formula
 * and its limits, device-to-device statistics against the preset's sigmas,
 * keyed devices (order does not matter), the ADC path's codes, the hook in
 * the converter's ANN, and the crossbar energy with analog neurons against
 * the equations of docs/energy.md worked by hand.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"
#include "../io/io_act.h"
#include "../io/io_energy.h"
#include "../network/net_act.h"
#include "../network/net_cnn.h"
#include "../network/net_energy.h"
#include "test_suites.h"

static net_act_param vo2(void)
{
  net_act_param p;
  int rc = io_act_load("configs/neurons/vo2_oh2021.ini", &p);
  CU_ASSERT_EQUAL(rc, 0);
  return p;
}

static double softplus_ref(double z) { return log(1 + exp(z)); }

static void test_transfer(void)
{
  net_act_dev d = {.th = 0.1, .s = 2.0, .y_sat = 1.5, .w = 0.05};
  const double xs[] = {-1, 0, 0.1, 0.3, 0.5, 0.85, 1.0, 3};
  for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
    double x = xs[i];
    double want = d.s * d.w * (softplus_ref((x - d.th) / d.w) -
                               softplus_ref((x - d.th - d.y_sat / d.s) / d.w));
    double got = net_act_vo2_transfer(&d, x);
    CHECK(fabs(got - want) < 1e-12, "x %g: %.15g, formula %.15g", x, got, want);
  }
  /* Limits: off below threshold, s (x - th) in the middle (within s w e^-7
     of the far corner), y_sat above. */
  CHECK(net_act_vo2_transfer(&d, -1) < 1e-9, "below threshold: %g",
        net_act_vo2_transfer(&d, -1));
  CHECK(fabs(net_act_vo2_transfer(&d, 0.5) - 0.8) < 1e-4, "linear part: %g",
        net_act_vo2_transfer(&d, 0.5));
  CHECK(fabs(net_act_vo2_transfer(&d, 5) - 1.5) < 1e-9, "saturation: %g",
        net_act_vo2_transfer(&d, 5));
  /* At the threshold the rounded foot gives s w ln 2. */
  CHECK(fabs(net_act_vo2_transfer(&d, 0.1) - 2 * 0.05 * log(2)) < 1e-6, "foot: %g",
        net_act_vo2_transfer(&d, 0.1));
  /* No overflow far out. */
  CHECK(isfinite(net_act_vo2_transfer(&d, 1e6)) && isfinite(net_act_vo2_transfer(&d, -1e6)),
        "finite far out");
  /* Monotone. */
  double prev = -1;
  for (double x = -0.5; x < 2; x += 0.01) {
    double y = net_act_vo2_transfer(&d, x);
    CHECK(y >= prev, "monotone at %g", x);
    prev = y;
  }
}

static void test_variation(void)
{
  net_act_param p = vo2();
  p.seed = 99;
  const int n = 20000;
  double sth = 0, sth2 = 0, ss = 0, ss2 = 0, sy = 0, sy2 = 0;
  for (int i = 0; i < n; i++) {
    net_act_dev d;
    net_act_device(&p, (uint32_t)(i % 4), (uint32_t)(i / 4), &d);
    sth += d.th, sth2 += d.th * d.th;
    ss += d.s, ss2 += d.s * d.s;
    sy += d.y_sat, sy2 += d.y_sat * d.y_sat;
  }
  double mth = sth / n, vth = sth2 / n - mth * mth;
  double ms = ss / n, vs = ss2 / n - ms * ms, my = sy / n, vy = sy2 / n - my * my;
  /* 4 sigma of the mean, 5 % on the spread (20000 draws: ~0.5 %). */
  CHECK(fabs(mth - p.threshold) < 4 * p.threshold_dtod / sqrt(n), "threshold mean %g", mth);
  CHECK(fabs(sqrt(vth) / p.threshold_dtod - 1) < 0.05, "threshold sigma %g", sqrt(vth));
  CHECK(fabs(ms / p.slope - 1) < 4 * p.slope_dtod / sqrt(n), "slope mean %g", ms);
  CHECK(fabs(sqrt(vs) / (p.slope * p.slope_dtod) - 1) < 0.05, "slope sigma %g", sqrt(vs));
  CHECK(fabs(my / p.saturation - 1) < 4 * p.saturation_dtod / sqrt(n), "sat mean %g", my);
  CHECK(fabs(sqrt(vy) / (p.saturation * p.saturation_dtod) - 1) < 0.05, "sat sigma %g",
        sqrt(vy));
  /* Keyed: the same device whatever was drawn before; another seed,
     another device. */
  net_act_dev a, b, c;
  net_act_device(&p, 2, 17, &a);
  for (uint32_t j = 0; j < 100; j++)
    net_act_device(&p, 1, j, &c);
  net_act_device(&p, 2, 17, &b);
  CU_ASSERT(memcmp(&a, &b, sizeof a) == 0);
  p.seed = 100;
  net_act_device(&p, 2, 17, &c);
  CU_ASSERT(c.th != a.th && c.s != a.s);
}

static void test_apply(void)
{
  /* Apply over a conv layer's outputs: channel = index mod nch, each
     through its own device, in any order of the values. */
  net_act_param p = vo2();
  p.seed = 5;
  float y[12], z[12];
  for (int i = 0; i < 12; i++)
    y[i] = z[i] = (float)(0.1 * i - 0.3);
  p.ops->apply(&p, 3, y, 12, 4);
  for (int i = 0; i < 12; i++) {
    net_act_dev d;
    net_act_device(&p, 3, (uint32_t)(i % 4), &d);
    CHECK(fabs(y[i] - (float)net_act_vo2_transfer(&d, z[i])) < 1e-6, "value %d", i);
  }
  /* ADC: 8 bits over [0, 1]: ReLU, codes k / 255, clip. */
  net_act_param q;
  net_act_adc(&q, 8, 1.0);
  float v[5] = {-0.2f, 0.0f, 0.31f, 0.7531f, 1.7f};
  q.ops->apply(&q, 0, v, 5, 5);
  CU_ASSERT_DOUBLE_EQUAL(v[0], 0, 1e-9);
  CU_ASSERT_DOUBLE_EQUAL(v[2], nearbyint(0.31 * 255) / 255, 1e-6);
  CU_ASSERT_DOUBLE_EQUAL(v[3], nearbyint(0.7531 * 255) / 255, 1e-6);
  CU_ASSERT_DOUBLE_EQUAL(v[4], 1.0, 1e-9);
  CU_ASSERT_PTR_EQUAL(net_act_find("vo2"), &net_act_vo2_ops);
  CU_ASSERT_PTR_NULL(net_act_find("sigmoid"));
  CU_ASSERT_STRING_EQUAL(net_act_list(), "adc|vo2");
}

static void write_file(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs(text, f);
  fclose(f);
}

static void test_preset_errors(void)
{
  net_act_param p = vo2();
  CU_ASSERT_STRING_EQUAL(p.name, "vo2_oh2021");
  CU_ASSERT_PTR_EQUAL(p.ops, &net_act_vo2_ops);
  const char *path = "/tmp/memspike-test-act.ini";
  static const struct {
    const char *text, *msg;
  } bad[] = {
      {"kind = vo2\nthreshold = 0\nslope = 1\nsaturation = 1\nwidth = 0.03\n"
       "threshold_dtod = 0\nslope_dtod = 0\nsaturation_dtod = 0\ne_act_pj = 1\n",
       "key 't_act_ns': not set"},
      {"kind = adc\n", ":1: key 'kind': expected an analog activation"},
      {"kind = vo2\nslope = -1\n", ":2: key 'slope': expected a number > 0"},
      {"kind = vo2\nwidht = 1\n", ":2: unknown key 'widht'"},
      {"kind = vo2\nwidth = 1\nwidth = 2\n", ":3: key 'width': set twice (first at line 2)"},
      {"kind = vo2\ne_act_pj = lots\n", ":2: key 'e_act_pj': expected a finite number"},
      {"threshold = 0\n", "key 'kind': not set"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    write_file(path, bad[i].text);
    net_act_param q = p;
    int rc = io_act_load(path, &q);
    CHECK(rc == SIM_ECONFIG, "case %zu: rc %d", i, rc);
    CHECK(strstr(sim_error_msg(), bad[i].msg) != NULL, "case %zu: '%s' lacks '%s'", i,
          sim_error_msg(), bad[i].msg);
    CU_ASSERT(memcmp(&q, &p, sizeof q) == 0); /* untouched */
  }
  remove(path);
  CU_ASSERT_EQUAL(io_act_load("/nonexistent/x.ini", &p), SIM_EIO);
}

/* The crossbar layer with analog neurons, by hand (docs/energy.md). */
static void test_energy(void)
{
  net_energy_param *p = NULL;
  CU_ASSERT_EQUAL_FATAL(io_energy_load("configs/energy/default.ini", &p), 0);
  net_layer_stats s = {.kind = 0, .neurons = 16 * 14 * 14, .fan_in = 9, .rows = 9, .cols = 16,
                       .patches = 14 * 14, .inputs = 28 * 28, .weights = 144,
                       .macs = 16.0 * 14 * 14 * 9};
  net_energy adc, mott, mid;
  net_energy_layer(p, &s, NET_IMPL_ANN_CROSSBAR, &adc);
  s.analog_out = 1, s.e_act_pj = 1.5, s.t_act_ns = 80;
  net_energy_layer(p, &s, NET_IMPL_ANN_CROSSBAR, &mid);
  s.analog_in = 1;
  net_energy_layer(p, &s, NET_IMPL_ANN_CROSSBAR, &mott);
  const double patches = 196, cols = 16, rows = 9;
  /* One neuron per column per patch. */
  CU_ASSERT_DOUBLE_EQUAL(mid.neuron_pj, patches * cols * 1.5, 1e-9);
  CU_ASSERT_DOUBLE_EQUAL(adc.neuron_pj, 0, 0);
  /* ADC path: 8 cycles x (DAC rows x 1 col tile + ADC 32 columns) per
     patch; analog out: the DACs only; analog in and out: nothing. */
  const double cyc = p->crossbar_input_bits / p->crossbar_dac_bits;
  CU_ASSERT_DOUBLE_EQUAL(adc.convert_pj,
                         patches * cyc * (rows * p->crossbar_e_dac_pj +
                                          2 * cols * p->crossbar_e_adc_pj), 1e-6);
  CU_ASSERT_DOUBLE_EQUAL(mid.convert_pj, patches * cyc * rows * p->crossbar_e_dac_pj, 1e-6);
  CU_ASSERT_DOUBLE_EQUAL(mott.convert_pj, 0, 0);
  /* Array reads: one cycle instead of 8 with analog inputs. */
  const double g = p->crossbar_g_off_uS +
                   p->crossbar_g_mean_state * (p->crossbar_g_on_uS - p->crossbar_g_off_uS);
  const double e_cell = p->crossbar_v_read * p->crossbar_v_read * g * p->crossbar_t_read_ns * 1e-3;
  CU_ASSERT_DOUBLE_EQUAL(mott.compute_pj,
                         patches * rows * 2 * cols * e_cell * p->crossbar_row_activity, 1e-6);
  /* Latency: each patch's read then one activation (replication 2). */
  CU_ASSERT_DOUBLE_EQUAL(mott.latency_ns, ceil(patches / p->crossbar_replication) *
                                              (p->crossbar_t_read_ns + 80), 1e-6);
  /* No activation SRAM around analog values. */
  CU_ASSERT_DOUBLE_EQUAL(mott.memory_pj, 0, 0);
  CU_ASSERT(mid.memory_pj < adc.memory_pj && mid.memory_pj > 0);
  CU_ASSERT_DOUBLE_EQUAL(mott.total_pj, mott.compute_pj + mott.neuron_pj, 1e-9);
  io_energy_destroy(p);
}

/* flatten -> linear 3 -> 4, ReLU -> linear 4 -> 2 on a 1x1x3 input. */
static cnn_model *toy_mlp(void)
{
  static const float w1[12] = {0.5f, -0.2f, 0.3f, -0.4f, 0.9f, 0.1f,
                               0.2f, 0.2f, -0.6f, 0.7f, -0.1f, 0.4f};
  static const float w2[8] = {1, -0.5f, 0.3f, 0.2f, -0.2f, 0.8f, 0.5f, -0.4f};
  cnn_model *m = sim_calloc(1, sizeof *m, "test");
  m->path = sim_strdup("toy", "test");
  m->in[0] = 1, m->in[1] = 1, m->in[2] = 3;
  m->input_scale = 1.0 / 255, m->input_mean = 0, m->input_std = 1;
  m->nclasses = 2;
  m->ann_accuracy = -1;
  m->layers = sim_calloc(4, sizeof *m->layers, "test");
  m->nlayers = 4;
  cnn_layer *L = m->layers;
  const uint32_t sh[4][6] = {{1, 1, 3, 3, 1, 1}, {3, 1, 1, 4, 1, 1}, {4, 1, 1, 4, 1, 1},
                             {4, 1, 1, 2, 1, 1}};
  const cnn_layer_type ty[4] = {CNN_FLATTEN, CNN_LINEAR, CNN_RELU, CNN_LINEAR};
  for (int k = 0; k < 4; k++) {
    L[k].type = ty[k];
    memcpy(L[k].in, sh[k], 3 * sizeof(uint32_t));
    memcpy(L[k].out, sh[k] + 3, 3 * sizeof(uint32_t));
  }
  L[1].weight = sim_malloc(sizeof w1, "test"), L[1].nweight = 12;
  memcpy(L[1].weight, w1, sizeof w1);
  L[3].weight = sim_malloc(sizeof w2, "test"), L[3].nweight = 8;
  memcpy(L[3].weight, w2, sizeof w2);
  return m;
}

/* The hook in the converter's ANN: the hidden layer's outputs are the
   transfer curve of each column's own device at its pre-activation; the
   SNN's inputs stay untouched; the layer stats mark analog out and in. */
static void test_cnn_hook(void)
{
  cnn_model *m = toy_mlp();
  const uint8_t imgs[6] = {255, 40, 200, 10, 250, 120};
  cnn_opts o = {.percentile = 100.0, .calib = 2, .seed = 1, .v_init = 0.5};
  cnn_snn *s = NULL;
  CU_ASSERT_EQUAL_FATAL(cnn_convert(m, imgs, 2, &o, &s), 0);
  net_act_param p = vo2();
  p.seed = 3, p.width = 0.1, p.threshold_dtod = 0.1; /* visible effects */
  float feat_relu[4], feat[4], drive[4], lg0[2], lg1[2];
  for (int im = 0; im < 2; im++) {
    const uint8_t *x = imgs + 3 * im;
    cnn_first_drive(s, x, drive);
    CU_ASSERT_EQUAL(cnn_features(s, x, feat_relu), 4);
    cnn_ann_predict(s, x, lg0);
    CU_ASSERT_EQUAL_FATAL(cnn_set_activation(s, &p), 0);
    cnn_features(s, x, feat);
    cnn_ann_predict(s, x, lg1);
    int differs = 0;
    for (uint32_t j = 0; j < 4; j++) {
      net_act_dev d;
      net_act_device(&p, 0, j, &d);
      double want = net_act_vo2_transfer(&d, drive[j]);
      CHECK(fabs(feat[j] - want) < 1e-6, "image %d feature %u: %g, curve %g", im, j, feat[j],
            want);
      CHECK(fabs(feat_relu[j] - fmax(drive[j], 0)) < 1e-6, "ReLU feature %u", j);
      differs |= fabs(feat[j] - feat_relu[j]) > 1e-3;
    }
    CU_ASSERT(differs);
    CU_ASSERT(lg1[0] != lg0[0] || lg1[1] != lg0[1]);
    net_layer_stats l[4];
    cnn_run_stats z;
    memset(&z, 0, sizeof z);
    CU_ASSERT_EQUAL_FATAL(cnn_layer_stats(s, &z, 1, 1, -1, l, 4), 2);
    CU_ASSERT(l[0].analog_out == 1 && l[0].analog_in == 0);
    CU_ASSERT(l[1].analog_out == 0 && l[1].analog_in == 1);
    CU_ASSERT_DOUBLE_EQUAL(l[0].e_act_pj, p.e_act_pj, 0);
    CU_ASSERT_EQUAL(cnn_set_activation(s, NULL), 0); /* back to the float ReLU */
    cnn_features(s, x, feat);
    CU_ASSERT(memcmp(feat, feat_relu, sizeof feat) == 0);
    CU_ASSERT_EQUAL(cnn_layer_stats(s, &z, 1, 1, -1, l, 4), 2);
    CU_ASSERT(l[0].analog_out == 0 && l[1].analog_in == 0);
  }
  cnn_snn_destroy(s);
  cnn_model_destroy(m);
}

int test_act_register(void)
{
  CU_pSuite s = CU_add_suite("act", NULL, NULL);
  if (!s)
    return -1;
  if (!CU_add_test(s, "VO2 transfer curve: formula, limits, monotone", test_transfer) ||
      !CU_add_test(s, "device-to-device statistics, keyed devices", test_variation) ||
      !CU_add_test(s, "apply per column; ADC codes; registry", test_apply) ||
      !CU_add_test(s, "preset reader errors name line and key", test_preset_errors) ||
      !CU_add_test(s, "crossbar energy with analog neurons by hand", test_energy) ||
      !CU_add_test(s, "the hook in the converter's ANN", test_cnn_hook))
    return -1;
  return 0;
}
