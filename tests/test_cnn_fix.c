/*
 * test_cnn_fix.c: the CNN converter's method on toy networks built here:
 * the initial membrane potential, the last-stage cache (a replay equals a
 * full run), fine-tuning that never lowers accuracy on flawless devices,
 * fine-tuning in place (stuck devices stay stuck), and write-verify of
 * differential pairs (a stuck device's partner compensates).
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../io/io_preset.h"
#include "../network/net_cnn.h"
#include "../network/net_cnn_int.h"
#include "../synapses/syn_device.h"
#include "test_suites.h"

static float *floats(int n, const float *v)
{
  float *p = sim_malloc((size_t)n * sizeof *p, "test");
  memcpy(p, v, (size_t)n * sizeof *p);
  return p;
}

/* flatten -> linear 2->3 -> ReLU -> linear 3->2 on a 1x1x2 input. */
static cnn_model *toy(void)
{
  cnn_model *m = sim_calloc(1, sizeof *m, "test");
  m->path = sim_strdup("toy", "test");
  m->in[0] = 1, m->in[1] = 1, m->in[2] = 2;
  m->input_scale = 1.0 / 255, m->input_std = 1;
  m->nclasses = 2;
  m->ann_accuracy = -1;
  m->nlayers = 4;
  cnn_layer *L = m->layers = sim_calloc(4, sizeof *m->layers, "test");
  L[0].type = CNN_FLATTEN;
  L[0].in[0] = 1, L[0].in[1] = 1, L[0].in[2] = 2, L[0].out[0] = 2, L[0].out[1] = L[0].out[2] = 1;
  L[1].type = CNN_LINEAR, L[1].out[0] = 3, L[1].out[1] = L[1].out[2] = 1;
  L[1].weight = floats(6, (float[]){1, 0, 0, 1, 0.6f, 0.5f}), L[1].nweight = 6;
  L[1].bias = floats(3, (float[]){0.05f, 0, -0.1f});
  L[2].type = CNN_RELU;
  L[3].type = CNN_LINEAR, L[3].out[0] = 2, L[3].out[1] = L[3].out[2] = 1;
  L[3].weight = floats(6, (float[]){1, -1, 0.3f, -0.5f, 1, 0.2f}), L[3].nweight = 6;
  L[3].bias = floats(2, (float[]){0.02f, 0});
  return m;
}

static void image(uint32_t i, uint8_t img[2])
{
  img[0] = (uint8_t)((i * 37 + 11) % 256);
  img[1] = (uint8_t)((i * 91 + 5) % 256);
}

/* V(0) = v_init: the first layer's neurons fire sooner. */
static void test_v_init(void)
{
  cnn_model *m = toy();
  uint8_t cal[64];
  for (uint32_t i = 0; i < 32; i++)
    image(i, cal + 2 * i);
  cnn_opts o = {.percentile = 100.0, .calib = 32, .seed = 1, .v_init = 0.0};
  cnn_snn *a = NULL, *b = NULL;
  CU_ASSERT_EQUAL_FATAL(cnn_convert(m, cal, 32, &o, &a), 0);
  o.v_init = 0.5;
  CU_ASSERT_EQUAL_FATAL(cnn_convert(m, cal, 32, &o, &b), 0);
  CU_ASSERT_DOUBLE_EQUAL(cnn_v_init(b), 0.5, 0);
  const uint8_t img[2] = {100, 70}; /* drives 0.44, 0.27, 0.27 */
  const uint32_t T = 2;
  int pa, pb;
  cnn_run_stats sa, sb;
  memset(&sa, 0, sizeof sa);
  memset(&sb, 0, sizeof sb);
  cnn_snn_run(a, img, &T, 1, &pa, &sa);
  cnn_snn_run(b, img, &T, 1, &pb, &sb);
  /* k-th spike at ceil((k - 0.5) / d) - 1 instead of ceil(k / d) - 1:
     with d in (0.25, 0.5) none in 2 steps from 0, one each from 0.5. */
  CU_ASSERT_DOUBLE_EQUAL(sa.out_spikes[0], 0, 0);
  CU_ASSERT_DOUBLE_EQUAL(sb.out_spikes[0], 3, 0);
  cnn_snn_destroy(a);
  cnn_snn_destroy(b);
  cnn_model_destroy(m);
}

/* Recorded, the last layer changed, replayed: the same predictions, logits
   and last-stage counts as a full run. */
static void test_cache_replay(void)
{
  cnn_model *m = toy();
  uint8_t cal[64];
  for (uint32_t i = 0; i < 32; i++)
    image(i, cal + 2 * i);
  cnn_opts o = {.percentile = 99.0, .calib = 32, .seed = 1, .v_init = 0.5};
  cnn_snn *s = NULL;
  CU_ASSERT_EQUAL_FATAL(cnn_convert(m, cal, 32, &o, &s), 0);
  const uint32_t steps[] = {4, 16, 40};
  enum { N = 24 };
  int pred[3], pr[N][3], pf[N][3], ar[N], af[N];
  float lr[N][2], lf[N][2];
  cnn_run_stats st, sr, sf;
  memset(&st, 0, sizeof st);
  cnn_cache_last(s, 1);
  for (uint32_t i = 0; i < N; i++) {
    uint8_t img[2];
    image(100 + i, img);
    cnn_snn_select(s, i);
    cnn_ann_predict(s, img, NULL);
    cnn_snn_select(s, i);
    cnn_snn_run(s, img, steps, 3, pred, &st);
  }
  float *w, *b;
  uint32_t nin, nout;
  cnn_last_layer(s, &w, &b, &nin, &nout);
  w[0] += 0.4f, w[4] -= 0.3f, b[1] += 0.05f;
  cnn_weights_changed(s);
  memset(&sr, 0, sizeof sr);
  memset(&sf, 0, sizeof sf);
  for (int mode = 2; mode >= 0; mode -= 2) {
    cnn_cache_last(s, mode);
    for (uint32_t i = 0; i < N; i++) {
      uint8_t img[2];
      image(100 + i, img);
      cnn_snn_select(s, i);
      if (mode) {
        ar[i] = cnn_ann_predict(s, img, lr[i]);
        cnn_snn_select(s, i);
        cnn_snn_run(s, img, steps, 3, pr[i], &sr);
      } else {
        af[i] = cnn_ann_predict(s, img, lf[i]);
        cnn_snn_select(s, i);
        cnn_snn_run(s, img, steps, 3, pf[i], &sf);
      }
    }
  }
  int same = 1;
  for (uint32_t i = 0; i < N; i++) {
    same &= ar[i] == af[i] && lr[i][0] == lf[i][0] && lr[i][1] == lf[i][1];
    for (int k = 0; k < 3; k++)
      same &= pr[i][k] == pf[i][k];
  }
  CU_ASSERT(same);
  const uint32_t L = sf.nstages - 1;
  CU_ASSERT(sf.out_spikes[L] > 0);
  CU_ASSERT_DOUBLE_EQUAL(sr.out_spikes[L], sf.out_spikes[L], 0);
  CU_ASSERT_DOUBLE_EQUAL(sr.in_spikes[L], sf.in_spikes[L], 0);
  CU_ASSERT_DOUBLE_EQUAL(sr.synops[L], sf.synops[L], 0);
  CU_ASSERT_DOUBLE_EQUAL(sr.updates[L], sf.updates[L], 0);
  cnn_snn_destroy(s);
  cnn_model_destroy(m);
}

enum { NTR = 200, NTE = 100 };

/* Accuracy of the ANN on n images from index `from`, labels: lab. */
static double accuracy(cnn_snn *s, uint32_t from, uint32_t n, const uint8_t *lab)
{
  uint32_t ok = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint8_t img[2];
    image(from + i, img);
    ok += cnn_ann_predict(s, img, NULL) == lab[i];
  }
  return (double)ok / n;
}

/* Labels: class 1 when pixel 1 > pixel 0 (the toy gets most right, not
   all); fine-tuning on flawless devices must not lower accuracy, and the
   output layer is normalized again (its largest output on the images 1). */
static void test_finetune_flawless(void)
{
  cnn_model *m = toy();
  uint8_t tr[2 * NTR], ltr[NTR], lte[NTE];
  for (uint32_t i = 0; i < NTR; i++) {
    image(i, tr + 2 * i);
    ltr[i] = tr[2 * i + 1] > tr[2 * i];
  }
  for (uint32_t i = 0; i < NTE; i++) {
    uint8_t img[2];
    image(NTR + i, img);
    lte[i] = img[1] > img[0];
  }
  cnn_opts o = {.percentile = 100.0, .calib = NTR, .seed = 1, .v_init = 0.5};
  cnn_snn *s = NULL;
  CU_ASSERT_EQUAL_FATAL(cnn_convert(m, tr, NTR, &o, &s), 0);
  syn_device_param p;
  CU_ASSERT_EQUAL_FATAL(io_preset_load("configs/devices", "ideal", &p), 0);
  p.dw_min = 1e-7;
  cnn_map_devices(s, &p, 1.0, 7, 0);
  double before = accuracy(s, NTR, NTE, lte);
  float *w, *b;
  uint32_t nin, nout;
  cnn_last_layer(s, &w, &b, &nin, &nout);
  float *lo = sim_malloc(nin * nout * sizeof *lo, "test"), *hi = sim_malloc(nin * nout * sizeof *hi, "test");
  CU_ASSERT_EQUAL(cnn_device_reach_last(s, &p, lo, hi), 1);
  int epoch = cnn_finetune_last(s, tr, ltr, NTR, 2, lo, hi);
  CU_ASSERT(epoch >= 0 && epoch <= 10);
  cnn_map_devices(s, &p, 1.0, 11, 1);
  double after = accuracy(s, NTR, NTE, lte);
  CU_ASSERT(after >= before);
  /* Re-normalized: the largest output on the training images is ~1. */
  double mx = 0;
  for (uint32_t i = 0; i < NTR; i++) {
    float lg[2];
    cnn_ann_predict(s, tr + 2 * i, lg);
    mx = fmax(mx, fmax(lg[0], lg[1]));
  }
  CU_ASSERT_DOUBLE_EQUAL(mx, 1.0, 1e-3);
  sim_free(lo);
  sim_free(hi);
  cnn_snn_destroy(s);
  cnn_model_destroy(m);
}

/* In place: a weight both of whose devices are stuck keeps the value the
   pair held (in units of the re-normalized layer); the others move.  With
   fault_aware_map (fam) on 3 x 4 arrays (each layer's block permuted
   within it), the reach box is that of each weight's own cell. */
static void finetune_in_place(int fam)
{
  cnn_model *m = toy();
  uint8_t tr[2 * NTR], ltr[NTR];
  for (uint32_t i = 0; i < NTR; i++) {
    image(i, tr + 2 * i);
    ltr[i] = tr[2 * i + 1] < tr[2 * i]; /* the opposite: the layer must move */
  }
  cnn_opts o = {.percentile = 100.0, .calib = NTR, .seed = 1, .v_init = 0.5};
  cnn_snn *s = NULL;
  CU_ASSERT_EQUAL_FATAL(cnn_convert(m, tr, NTR, &o, &s), 0);
  syn_device_param p;
  CU_ASSERT_EQUAL_FATAL(io_preset_load("configs/devices", "rram_yao2020", &p), 0);
  CU_ASSERT(p.stuck_range == 0.01);
  p.stuck_fraction = 0.6;
  p.prog_noise_c0 = 0;
  p.retention = SYN_RET_NONE;
  p.fault_aware_map = fam;
  cnn_set_crossbar(s, 3, 4, 0);
  cnn_map_devices(s, &p, 1.0, 7, 0);
  float *w, *b;
  uint32_t nin, nout;
  cnn_last_layer(s, &w, &b, &nin, &nout);
  const uint32_t nw = nin * nout;
  float lo[16], hi[16], held[16];
  CU_ASSERT_FATAL(nw <= 16);
  CU_ASSERT_EQUAL(cnn_device_reach_last(s, &p, lo, hi), 1);
  CU_ASSERT_FATAL((s->dev_phys[1] != NULL) == fam);
  for (uint32_t i = 0; fam && i < nw; i++) { /* weight i's own cell */
    double l, h;
    cnn_cell_reach(&p, s->dev_seed, 1, s->dev_phys[1][i], &l, &h);
    CU_ASSERT_DOUBLE_EQUAL(lo[i], l * s->dev_scale[1], 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(hi[i], h * s->dev_scale[1], 1e-6);
  }
  memcpy(held, w, nw * sizeof *w);
  double lam0[4], lam1[4];
  cnn_lambdas(s, lam0, 4);
  int nfixed = 0, nfree = 0, moved = 0, ok = 1;
  for (uint32_t i = 0; i < nw; i++) {
    ok &= lo[i] <= held[i] + 1e-6f && held[i] <= hi[i] + 1e-6f;
    nfixed += lo[i] == hi[i];
  }
  CU_ASSERT(ok);
  cnn_finetune_last(s, tr, ltr, NTR, 2, lo, hi);
  cnn_map_devices(s, &p, 1.0, 11, 1);
  uint32_t nl = cnn_lambdas(s, lam1, 4);
  const double r = lam0[nl - 1] / lam1[nl - 1]; /* the new normalization */
  for (uint32_t i = 0; i < nw; i++) {
    if (lo[i] == hi[i])
      ok &= fabs(w[i] - held[i] * r) <= 1e-5 * (1 + fabs(held[i]));
    else {
      nfree++;
      moved += fabs(w[i] - held[i] * r) > 1e-4;
    }
  }
  CU_ASSERT(ok);
  CU_ASSERT(nfixed > 0);
  CU_ASSERT(nfree > 0 && moved > 0);
  cnn_snn_destroy(s);
  cnn_model_destroy(m);
}

static void test_finetune_in_place(void)
{
  finetune_in_place(0);
}

static void test_finetune_in_place_remap(void)
{
  finetune_in_place(1);
}

/* Write-verify of a pair (syn_device_program_pair): one device stuck, the
   partner is re-targeted so that G+ - G- is the target (within 4 sigma of
   the programming noise); without program_verify the stuck value is the
   pair's error; a target the healthy device cannot reach ends at its bound;
   both stuck: the stuck values. */
static void test_program_pair(void)
{
  syn_device_param p;
  CU_ASSERT_EQUAL_FATAL(io_preset_load("configs/devices", "rram_yao2020", &p), 0);
  CU_ASSERT(p.program_verify == 1);
  syn_device_inst in[2];
  syn_device_instance_static(&p, 1, &in[0]);
  syn_device_instance_static(&p, 2, &in[1]);
  for (int m = 0; m < 2; m++) {
    in[m].stuck = 0;
    in[m].w_min = 0, in[m].w_max = 1;
  }
  const double sig = p.prog_noise_c0;
  CU_ASSERT(sig > 0);
  int far = 0, far_off = 0;
  for (uint64_t r = 0; r < 200; r++) {
    double s = 0.05 + 0.4 * (double)(r % 10) / 10, x = 0.5 * (double)(r % 7) / 7, t[2], g[2];
    uint64_t key[2] = {100 + 2 * r, 101 + 2 * r};
    /* G- stuck at s, target +x: G+ = s + x. */
    in[1].stuck = 1, in[1].stuck_w = s;
    syn_device_pair_targets(x, 0, 1, t);
    CU_ASSERT_EQUAL(syn_device_program_pair(&p, in, t, key, g), 1);
    far += fabs((g[0] - g[1]) - x) > 4 * sig;
    CU_ASSERT_EQUAL(g[1], s);
    /* G+ stuck at s, target -x: G- = s + x. */
    in[1].stuck = 0, in[0].stuck = 1, in[0].stuck_w = s;
    syn_device_pair_targets(-x, 0, 1, t);
    syn_device_program_pair(&p, in, t, key, g);
    far += fabs((g[0] - g[1]) + x) > 4 * sig;
    in[0].stuck = 0;
    /* Without verify: the stuck partner's value is the error. */
    p.program_verify = 0;
    in[1].stuck = 1;
    syn_device_pair_targets(x, 0, 1, t);
    syn_device_program_pair(&p, in, t, key, g);
    far_off += fabs((g[0] - g[1]) - (x - s)) > 4 * sig;
    in[1].stuck = 0;
    p.program_verify = 1;
  }
  CU_ASSERT_EQUAL(far, 0);
  CU_ASSERT_EQUAL(far_off, 0);
  /* Out of reach: G+ stuck at 0.005, target +0.4: G- at its lower bound
     (noise off: a write at a bound may land just inside it). */
  p.prog_noise_c0 = 0;
  double t[2], g[2];
  uint64_t key[2] = {7, 8};
  in[0].stuck = 1, in[0].stuck_w = 0.005;
  syn_device_pair_targets(0.4, 0, 1, t);
  syn_device_program_pair(&p, in, t, key, g);
  CU_ASSERT_DOUBLE_EQUAL(g[0] - g[1], 0.005, 1e-12);
  /* Both stuck. */
  in[1].stuck = 1, in[1].stuck_w = 0.2;
  CU_ASSERT_EQUAL(syn_device_program_pair(&p, in, t, key, g), 2);
  CU_ASSERT(g[0] == 0.005 && g[1] == 0.2);
}

/* The crossbar mapping with program_verify: with stuck devices at 0.5 (no
   noise, fine levels), every last-layer weight within half the layer's
   scale is held exactly unless both devices of its pair are stuck; without
   it, some are off by the stuck value. */
static void test_map_verify(void)
{
  cnn_model *m = toy();
  uint8_t tr[2 * NTR];
  for (uint32_t i = 0; i < NTR; i++)
    image(i, tr + 2 * i);
  cnn_opts o = {.percentile = 100.0, .calib = NTR, .seed = 1, .v_init = 0.5};
  syn_device_param p;
  CU_ASSERT_EQUAL_FATAL(io_preset_load("configs/devices", "rram_yao2020", &p), 0);
  p.stuck_fraction = 0.5;
  p.stuck_w = 0.5;
  p.stuck_range = NAN;
  p.prog_noise_c0 = 0;
  p.dw_min = 1e-7;
  p.dw_min_dtod = 0;
  p.retention = SYN_RET_NONE;
  int wrong[2] = {0, 0}, checked = 0;
  for (int verify = 0; verify < 2; verify++) {
    cnn_snn *s = NULL;
    CU_ASSERT_EQUAL_FATAL(cnn_convert(m, tr, NTR, &o, &s), 0);
    float *w, *b, ref[16], lo[16], hi[16];
    uint32_t nin, nout;
    cnn_last_layer(s, &w, &b, &nin, &nout);
    CU_ASSERT_FATAL(nin * nout <= 16);
    memcpy(ref, w, nin * nout * sizeof *w);
    double wmax = 0;
    for (uint32_t i = 0; i < nin * nout; i++)
      wmax = fmax(wmax, fabs(ref[i]));
    p.program_verify = verify;
    CU_ASSERT(cnn_map_devices(s, &p, 1.0, 7, 0) > 0);
    CU_ASSERT_EQUAL(cnn_device_reach_last(s, &p, lo, hi), 1);
    for (uint32_t i = 0; i < nin * nout; i++) {
      if (lo[i] == hi[i] || fabs(ref[i]) > 0.5 * wmax)
        continue; /* both stuck, or beyond what a lone device can offset */
      checked += verify;
      wrong[verify] += fabs(w[i] - ref[i]) > 1e-5 * wmax;
    }
    cnn_snn_destroy(s);
  }
  CU_ASSERT(checked > 0);
  CU_ASSERT_EQUAL(wrong[1], 0);
  CU_ASSERT(wrong[0] > 0);
  cnn_model_destroy(m);
}

int test_cnn_fix_register(void)
{
  CU_pSuite s = CU_add_suite("cnn_fix", NULL, NULL);
  if (!s)
    return -1;
  if (!CU_add_test(s, "initial membrane potential", test_v_init) ||
      !CU_add_test(s, "last-stage cache replays a full run", test_cache_replay) ||
      !CU_add_test(s, "fine-tuning on flawless devices never lowers accuracy",
                   test_finetune_flawless) ||
      !CU_add_test(s, "fine-tuning in place keeps stuck devices", test_finetune_in_place) ||
      !CU_add_test(s, "fine-tuning in place on fault-aware mapped cells",
                   test_finetune_in_place_remap) ||
      !CU_add_test(s, "write-verify of a pair with a stuck device", test_program_pair) ||
      !CU_add_test(s, "crossbar mapping with program_verify", test_map_verify))
    return -1;
  return 0;
}
