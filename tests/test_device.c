/*
 * test_device.c: the analog device rules (synapses/syn_device.c,
 * syn_rule_*.c): the keyed hash, parameters and their messages, pulse
 * responses against their closed forms or an independent iteration of the
 * published equations (1e-12), and rules drawing from the device's own
 * instance.  Shipped presets and variation (noise, stuck devices,
 * retention, read energy) are test_device_var.c's; the errors of preset
 * files, tests/test_preset.c's.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_error.h"
#include "../core/sim_rng.h"
#include "../synapses/syn_device.h"
#include "../synapses/syn_rule.h"
#include "fixture_device.h"
#include "test_suites.h"

static int msg_has(const char *s) { return strstr(sim_error_msg(), s) != NULL; }

/* ======================================================================
 * Keyed randomness
 * ====================================================================== */

static void test_hash(void)
{
  CU_ASSERT_EQUAL(sim_hash4(1, 2, 3, 4), sim_hash4(1, 2, 3, 4));
  uint64_t h = sim_hash4(1, 2, 3, 4);
  CU_ASSERT_NOT_EQUAL(h, sim_hash4(0, 2, 3, 4));
  CU_ASSERT_NOT_EQUAL(h, sim_hash4(1, 0, 3, 4));
  CU_ASSERT_NOT_EQUAL(h, sim_hash4(1, 2, 0, 4));
  CU_ASSERT_NOT_EQUAL(h, sim_hash4(1, 2, 3, 0));
  CU_ASSERT_NOT_EQUAL(sim_hash4(1, 2, 0, 0), sim_hash4(2, 1, 0, 0)); /* order matters */

  /* Avalanche: flipping one input bit flips ~32 of 64 output bits. */
  double flips = 0;
  int trials = 0;
  for (uint64_t i = 0; i < 200; i++)
    for (int bit = 0; bit < 64; bit += 7)
      for (int word = 0; word < 4; word++) {
        uint64_t w[4] = {i, i * 3 + 1, i * 5 + 2, i * 7 + 3};
        uint64_t a = sim_hash4(w[0], w[1], w[2], w[3]);
        w[word] ^= 1ULL << bit;
        uint64_t b = sim_hash4(w[0], w[1], w[2], w[3]);
        flips += __builtin_popcountll(a ^ b);
        trials++;
      }
  /* Binomial(64, 1/2): std 4 per trial. */
  CU_ASSERT(fabs(flips / trials - 32.0) < 4 * 4.0 / sqrt((double)trials));

  moments u = {0}, z = {0};
  int in1 = 0;
  const int n = 100000;
  for (int i = 0; i < n; i++) {
    double x = syn_hash_uniform(42, (uint64_t)i);
    CU_ASSERT(x > 0 && x < 1);
    dv_mom_add(&u, x);
    double y = syn_hash_normal(42, (uint64_t)i);
    dv_mom_add(&z, y);
    in1 += fabs(y) < 1;
  }
  CU_ASSERT(dv_mom_match(&u, 0.5, sqrt(1.0 / 12)));
  CU_ASSERT(dv_mom_match(&z, 0.0, 1.0));
  double p1 = 0.6826894921370859; /* P(|N| < 1) */
  CU_ASSERT(fabs((double)in1 / n - p1) < 4 * sqrt(p1 * (1 - p1) / n));
  CU_ASSERT_EQUAL(syn_hash_normal(42, 17), syn_hash_normal(42, 17));
  CU_ASSERT_NOT_EQUAL(syn_hash_normal(42, 17), syn_hash_normal(43, 17));
  /* The uniform of a counter is not one of the normal's two uniforms. */
  CU_ASSERT_NOT_EQUAL(syn_hash_uniform(42, 17), syn_hash_uniform(42, 18));
}

/* ======================================================================
 * Parameters
 * ====================================================================== */

static void test_param_set(void)
{
  syn_device_param p;
  syn_device_param_default(&p);
  CU_ASSERT_EQUAL(syn_device_param_finalize(&p), 0);
  CU_ASSERT(dv_is_rule(&p, "linear_step"));
  CU_ASSERT_EQUAL(p.retention, SYN_RET_NONE);
  CU_ASSERT(p.dw_min > 0 && p.dw_min_std == 0 && p.stuck_fraction == 0);
  CU_ASSERT(isnan(p.stuck_w));

  dv_set(&p, "dw_min", "0.5e-3");
  CU_ASSERT_EQUAL(p.dw_min, 0.5e-3);
  /* mult_noise is linear_step's (and soft_bounds'): dv_set it before the
     rule becomes pcm, which has no such key. */
  dv_set(&p, "mult_noise", "false");
  CU_ASSERT_EQUAL(dv_val(&p, "mult_noise"), 0);
  dv_set(&p, "rule", "pcm");
  CU_ASSERT(dv_is_rule(&p, "pcm"));
  dv_set(&p, "retention", "drift");
  CU_ASSERT_EQUAL(p.retention, SYN_RET_DRIFT);
  sim_error_clear();
  CU_ASSERT_EQUAL(syn_device_param_set(&p, "mult_noise", "false"), SIM_ECONFIG);
  CU_ASSERT(msg_has("'mult_noise'") && msg_has("rule = pcm") &&
            msg_has("linear_step, soft_bounds"));
  dv_set(&p, "stuck_w", "0.25");
  CU_ASSERT_EQUAL(p.stuck_w, 0.25);
  dv_set(&p, "stuck_w", "NaN");
  CU_ASSERT(isnan(p.stuck_w));
  dv_set(&p, "w_min_dtod", "nan");
  CU_ASSERT(isnan(p.w_min_dtod));

  static const char *const bad_numbers[] = {"abc", "0.0.1", "1.0x", "", " 1", "inf", "nan"};
  for (size_t i = 0; i < sizeof bad_numbers / sizeof bad_numbers[0]; i++) {
    sim_error_clear();
    CU_ASSERT_EQUAL(syn_device_param_set(&p, "dw_min", bad_numbers[i]), SIM_ECONFIG);
    CU_ASSERT(msg_has("'dw_min'") && msg_has("expected a finite number"));
  }
  CU_ASSERT_EQUAL(p.dw_min, 0.5e-3); /* unchanged by the failures */
  CU_ASSERT_EQUAL(syn_device_param_set(&p, "stuck_w", "inf"), SIM_ECONFIG);
  CU_ASSERT(msg_has("or nan"));
  CU_ASSERT_EQUAL(syn_device_param_set(&p, "rule", "linear"), SIM_ECONFIG);
  CU_ASSERT(msg_has("linear_step, soft_bounds, exp_step, pcm") && msg_has("'linear'"));
  CU_ASSERT_EQUAL(syn_device_param_set(&p, "retention", "sometimes"), SIM_ECONFIG);
  CU_ASSERT(msg_has("none, relax, drift"));
  dv_set(&p, "rule", "linear_step");
  CU_ASSERT_EQUAL(syn_device_param_set(&p, "mult_noise", "2"), SIM_ECONFIG);
  CU_ASSERT(msg_has("true or false"));
  CU_ASSERT_EQUAL(syn_device_param_set(&p, "dwmin", "0.1"), SIM_EINVAL);
  CU_ASSERT(msg_has("unknown key 'dwmin'") && msg_has("dw_min"));
  CU_ASSERT_EQUAL(syn_device_param_set(&p, "name", "x"), SIM_EINVAL);

  /* The key lists (common, then each rule's): every key settable, the new
     ones there, 40 or more distinct keys over the rules. */
  const char *seen[128];
  int n = 0, has_nstates = 0, has_rule = 0;
  const syn_rule_ops *r;
  for (size_t ri = 0; (r = syn_rule_at(ri)) && ri < 4; ri++) {
    dv_set(&p, "rule", r->name);
    const char *k;
    for (int i = 0; (k = syn_device_param_key(&p, i, NULL)); i++) {
      const char *v = strcmp(k, "rule") == 0        ? r->name
                      : strcmp(k, "retention") == 0 ? "relax"
                      : strcmp(k, "mult_noise") == 0 ? "1"
                                                     : "0";
      CU_ASSERT_EQUAL(syn_device_param_set(&p, k, v), 0);
      int j = 0;
      while (j < n && strcmp(seen[j], k))
        j++;
      if (j == n && n < 128) {
        seen[n++] = k;
        has_nstates += strcmp(k, "n_states") == 0;
        has_rule += strcmp(k, "rule") == 0;
      }
    }
  }
  CU_ASSERT(n >= 40 && has_nstates == 1 && has_rule == 1);
}

static void test_param_finalize(void)
{
  static const struct {
    const char *k1, *v1, *k2, *v2, *key_in_msg;
  } cases[] = {
      {"w_max", "-2", NULL, NULL, "'w_max'"},
      {"w_min", "0.5", NULL, NULL, "'w_min'"},
      {"w_max", "-0.5", "w_min", "-2", "'w_max'"},
      {"dw_min", "0", NULL, NULL, "'dw_min'"},
      {"dw_min", "3", NULL, NULL, "'dw_min'"},
      {"up_down", "1", NULL, NULL, "'up_down'"},
      {"gamma_up", "-0.1", NULL, NULL, "'gamma_up'"},
      {"gamma_down", "0.5", "w_min", "0", "'w_min'"},
      {"dw_min_std", "-1", NULL, NULL, "'dw_min_std'"},
      {"w_min_dtod", "-0.1", NULL, NULL, "'w_min_dtod'"},
      {"stuck_fraction", "1.5", NULL, NULL, "'stuck_fraction'"},
      {"stuck_w", "5", NULL, NULL, "'stuck_w'"},
      {"retention", "relax", NULL, NULL, "'lifetime_s'"},
      {"retention", "relax", "lifetime_s", "1", NULL},
      {"retention", "drift", "drift_t0_s", "0", "'drift_t0_s'"},
      {"rule", "soft_bounds", "w_min", "0", "'w_min'"},
      {"rule", "pcm", "reset_w", "-3", "'reset_w'"},
      {"g_ref_uS", "0", NULL, NULL, "'g_ref_uS'"},
      {"v_read", "-1", NULL, NULL, "'v_read'"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    syn_device_param p;
    syn_device_param_default(&p);
    dv_set(&p, cases[i].k1, cases[i].v1);
    if (cases[i].k2)
      dv_set(&p, cases[i].k2, cases[i].v2);
    sim_error_clear();
    int rc = syn_device_param_finalize(&p);
    if (!cases[i].key_in_msg) {
      CU_ASSERT_EQUAL(rc, 0);
      continue;
    }
    CU_ASSERT_EQUAL(rc, SIM_ECONFIG);
    CU_ASSERT(msg_has(cases[i].key_in_msg) && msg_has("must"));
    if (rc != SIM_ECONFIG || !msg_has(cases[i].key_in_msg))
      fprintf(stderr, "\n    case %zu: rc %d, %s\n", i, rc, sim_error_msg());
  }
}

/* ======================================================================
 * Pulse responses without noise
 * ====================================================================== */

static void test_linear_step_curve(void)
{
  syn_device_param p;
  syn_device_param_default(&p);
  dv_set(&p, "w_min", "-0.8");
  dv_set(&p, "w_max", "1.2");
  dv_set(&p, "dw_min", "0.002");
  dv_set(&p, "gamma_up", "0.2");
  dv_set(&p, "gamma_down", "0.4");
  CU_ASSERT_EQUAL_FATAL(syn_device_param_finalize(&p), 0);
  syn_device_inst in = dv_nominal(&p);
  CU_ASSERT_EQUAL(in.dw_up, 0.002);
  CU_ASSERT_EQUAL(in.dw_down, 0.002);
  CU_ASSERT_EQUAL(in.w_min, -0.8);
  CU_ASSERT_EQUAL(in.w_max, 1.2);
  CU_ASSERT_EQUAL(dv_ival(&p, &in, "gamma_up"), 0.2);
  CU_ASSERT_EQUAL(dv_ival(&p, &in, "gamma_down"), 0.4);
  CU_ASSERT_FALSE(in.stuck);

  /* Up: w' = w + dw (1 - g w / W) is affine with ratio r = 1 - dw g / W
     and fixed point W / g (> W): w_n = min(W, W/g + (w0 - W/g) r^n). */
  const double W = 1.2, L = -0.8, dw = 0.002, gu = 0.2, gd = 0.4, w0 = -0.3;
  double ru = 1 - dw * gu / W, fu = W / gu;
  double w = syn_device_initial(&p, &in, w0);
  int worst = 0;
  for (int n = 1; n <= 1200; n++) {
    w = syn_device_pulse(&p, &in, w, +1, dv_pulse_key((uint64_t)n));
    double ref = fmin(W, fu + (w0 - fu) * pow(ru, n));
    worst |= fabs(w - ref) > 1e-12;
  }
  CU_ASSERT_FALSE(worst);
  CU_ASSERT_EQUAL(w, W); /* reached and held the bound */
  /* Down: w' = w - dw (1 - g w / L), ratio 1 - dw g / |L|, fixed point L / g. */
  double rd = 1 - dw * gd / fabs(L), fd = L / gd;
  worst = 0;
  for (int n = 1; n <= 1500; n++) {
    w = syn_device_pulse(&p, &in, w, -1, dv_pulse_key((uint64_t)n));
    double ref = fmax(L, fd + (W - fd) * pow(rd, n));
    worst |= fabs(w - ref) > 1e-12;
  }
  CU_ASSERT_FALSE(worst);
  CU_ASSERT_EQUAL(w, L);

  /* gamma = 0: constant steps. */
  dv_set(&p, "gamma_up", "0");
  dv_set(&p, "gamma_down", "0");
  in = dv_nominal(&p);
  w = 0.1;
  worst = 0;
  for (int n = 1; n <= 300; n++) {
    w = syn_device_pulse(&p, &in, w, +1, 0);
    worst |= fabs(w - fmin(W, 0.1 + n * dw)) > 1e-12;
  }
  for (int n = 1; n <= 300; n++) {
    w = syn_device_pulse(&p, &in, w, -1, 0);
    worst |= fabs(w - fmax(L, 0.1 + 300 * dw - n * dw)) > 1e-12;
  }
  CU_ASSERT_FALSE(worst);
}

static void test_soft_bounds_curve(void)
{
  syn_device_param p;
  syn_device_param_default(&p);
  dv_set(&p, "rule", "soft_bounds");
  dv_set(&p, "w_min", "-0.75");
  dv_set(&p, "w_max", "1.25");
  dv_set(&p, "dw_min", "0.002");
  dv_set(&p, "up_down", "0.1");
  CU_ASSERT_EQUAL_FATAL(syn_device_param_finalize(&p), 0);
  syn_device_inst in = dv_nominal(&p);
  const double W = 1.25, L = -0.75, du = 0.002 * 1.1, dd = 0.002 * 0.9, w0 = -0.2;
  CU_ASSERT(fabs(in.dw_up - du) < 1e-18 && fabs(in.dw_down - dd) < 1e-18);

  /* Up: w' = w + du (1 - w / W)  =>  W - w' = (W - w)(1 - du / W). */
  double w = w0, top = 0;
  int worst = 0;
  for (int n = 1; n <= 2000; n++) {
    w = syn_device_pulse(&p, &in, w, +1, 0);
    top = W - (W - w0) * pow(1 - du / W, n);
    worst |= fabs(w - top) > 1e-12;
  }
  CU_ASSERT_FALSE(worst);
  CU_ASSERT(w < W); /* a soft bound is approached, never reached here */
  /* Down: w' = w - dd (1 - w / L)  =>  w' - L = (w - L)(1 - dd / |L|). */
  worst = 0;
  for (int n = 1; n <= 2000; n++) {
    w = syn_device_pulse(&p, &in, w, -1, 0);
    worst |= fabs(w - (L + (top - L) * pow(1 - dd / fabs(L), n))) > 1e-12;
  }
  CU_ASSERT_FALSE(worst);
  CU_ASSERT(w > L);
}

/* Gong 2018 / aihwkit ExpStep, iterated here from the equations. */
static double ref_exp_step(double w, int up, double dw_up, double dw_down, double L,
                           double W, double a, double b, double A_up, double A_down,
                           double g_up, double g_down)
{
  double z = 2 * a * w / (W - L) + b;
  if (up)
    w += dw_up * fmax(1 - A_up * exp(g_up * z), 0);
  else
    w -= dw_down * fmax(1 - A_down * exp(-g_down * z), 0);
  return fmin(W, fmax(L, w));
}

static void test_exp_step_curve(void)
{
  syn_device_param p;
  syn_device_param_default(&p);
  dv_set(&p, "rule", "exp_step");
  dv_set(&p, "dw_min", "0.001174932675");
  dv_set(&p, "up_down", "0.149002005583");
  dv_set(&p, "a", "-0.5");
  dv_set(&p, "b", "-0.5");
  dv_set(&p, "gamma_exp_up", "5");
  dv_set(&p, "gamma_exp_down", "5");
  dv_set(&p, "A_up", "-1.18445");
  dv_set(&p, "A_down", "-0.081404");
  CU_ASSERT_EQUAL_FATAL(syn_device_param_finalize(&p), 0);
  syn_device_inst in = dv_nominal(&p);
  double du = 0.001174932675 * (1 + 0.149002005583),
         dd = 0.001174932675 * (1 - 0.149002005583);
  double w = -0.9, r = -0.9;
  int worst = 0;
  for (int n = 0; n < 4000; n++) {
    int up = (n / 1000) % 2 == 0; /* 1000 up, 1000 down, twice */
    w = syn_device_pulse(&p, &in, w, up ? 1 : -1, 0);
    r = ref_exp_step(r, up, du, dd, -1, 1, -0.5, -0.5, -1.18445, -0.081404, 5, 5);
    worst |= fabs(w - r) > 1e-12;
  }
  CU_ASSERT_FALSE(worst);
  /* Up steps are largest near w_min, down steps near w_max (saturating). */
  double s_lo = syn_device_pulse(&p, &in, -0.9, 1, 0) + 0.9;
  double s_hi = syn_device_pulse(&p, &in, 0.9, 1, 0) - 0.9;
  CU_ASSERT(s_lo > 1.5 * s_hi);
}

static void test_pcm_curve(void)
{
  syn_device_param p;
  syn_device_param_default(&p);
  dv_set(&p, "rule", "pcm");
  dv_set(&p, "w_min", "0");
  dv_set(&p, "w_max", "2");
  dv_set(&p, "dw_min", "0.01");
  dv_set(&p, "a", "-1");
  dv_set(&p, "b", "0");
  dv_set(&p, "gamma_exp_up", "2.5");
  dv_set(&p, "gamma_exp_down", "2.5");
  dv_set(&p, "A_up", "-27.235");
  dv_set(&p, "A_down", "-2.235");
  dv_set(&p, "reset_w", "0.01");
  dv_set(&p, "g_ref_uS", "0");
  CU_ASSERT_EQUAL_FATAL(syn_device_param_finalize(&p), 0);
  syn_device_inst in = dv_nominal(&p);
  double w = 0, r = 0;
  int worst = 0;
  for (int n = 0; n < 300; n++) {
    w = syn_device_pulse(&p, &in, w, 1, 0);
    r = ref_exp_step(r, 1, 0.01, 0.01, 0, 2, -1, 0, -27.235, -2.235, 2.5, 2.5);
    worst |= fabs(w - r) > 1e-12;
  }
  CU_ASSERT_FALSE(worst);
  CU_ASSERT(w > 1.0);
  /* A down pulse is a reset, whatever w was. */
  CU_ASSERT_EQUAL(syn_device_pulse(&p, &in, w, -1, 5), 0.01);
  CU_ASSERT_EQUAL(syn_device_pulse(&p, &in, 0.5, -1, 6), 0.01);

  /* Reset noise: reset_w + reset_std N (the bounds are 10 std away). */
  dv_set(&p, "reset_w", "0.5");
  dv_set(&p, "reset_std", "0.05");
  moments m = {0};
  for (uint64_t i = 0; i < NDRAW; i++)
    dv_mom_add(&m, syn_device_pulse(&p, &in, 1.5, -1, dv_pulse_key(i)));
  CU_ASSERT(dv_mom_match(&m, 0.5, 0.05));
}

/* Each rule with a device-to-device instance: exp step and soft bounds
   use the device's own bounds, linear step the dv_nominal ones (aihwkit's
   mean_bound_reference). */
static void test_rules_use_instance(void)
{
  /* One device (same key, same common spreads) under each rule: the
     common draws are the same, linear_step adds its slopes. */
  syn_device_param ls, sb, es;
  syn_device_param *const ps[3] = {&ls, &sb, &es};
  static const char *const rules[3] = {"linear_step", "soft_bounds", "exp_step"};
  for (int r = 0; r < 3; r++) {
    syn_device_param_default(ps[r]);
    dv_set(ps[r], "rule", rules[r]);
    dv_set(ps[r], "w_bounds_dtod", "0.3");
    dv_set(ps[r], "dw_min_dtod", "0.2");
    dv_set(ps[r], "up_down_dtod", "0.05");
  }
  dv_set(&ls, "gamma_up", "0.3");
  dv_set(&ls, "gamma_down", "0.2");
  dv_set(&ls, "gamma_up_dtod", "0.1");
  dv_set(&ls, "gamma_down_dtod", "0.1");
  dv_set(&es, "a", "-0.5");
  dv_set(&es, "b", "-0.5");
  dv_set(&es, "gamma_exp_up", "5");
  dv_set(&es, "gamma_exp_down", "5");
  dv_set(&es, "A_up", "-1.18445");
  dv_set(&es, "A_down", "-0.081404");
  for (int r = 0; r < 3; r++)
    CU_ASSERT_EQUAL_FATAL(syn_device_param_finalize(ps[r]), 0);
  int worst = 0;
  for (uint64_t i = 0; i < 200; i++) {
    syn_device_inst in, in_sb, in_es;
    syn_device_instance(&ls, dv_dev_key(i), &in);
    syn_device_instance(&sb, dv_dev_key(i), &in_sb);
    syn_device_instance(&es, dv_dev_key(i), &in_es);
    worst |= in.dw_up != in_sb.dw_up || in.w_max != in_es.w_max || in.w_min != in_sb.w_min;
    const double w = 0.5 * in.w_max; /* inside this device's range */
    double g_up = dv_ival(&ls, &in, "gamma_up"), g_dn = dv_ival(&ls, &in, "gamma_down");
    double ls_up = w + in.dw_up * (1 - g_up * w / 1.0);
    double ls_dn = w - in.dw_down * (1 - g_dn * w / -1.0);
    worst |= fabs(syn_device_pulse(&ls, &in, w, 1, 0) - fmin(in.w_max, ls_up)) > 1e-15;
    worst |= fabs(syn_device_pulse(&ls, &in, w, -1, 0) - fmax(in.w_min, ls_dn)) > 1e-15;
    double sb_up = w + in.dw_up * (1 - w / in.w_max);
    double sb_dn = w - in.dw_down * (1 - w / in.w_min);
    if (in.w_min < 0) {
      worst |= fabs(syn_device_pulse(&sb, &in_sb, w, 1, 0) - sb_up) > 1e-15;
      worst |= fabs(syn_device_pulse(&sb, &in_sb, w, -1, 0) - sb_dn) > 1e-15;
    }
    for (int up = 0; up < 2; up++) {
      double ref = ref_exp_step(w, up, in.dw_up, in.dw_down, in.w_min, in.w_max, -0.5, -0.5,
                                -1.18445, -0.081404, 5, 5);
      worst |= fabs(syn_device_pulse(&es, &in_es, w, up ? 1 : -1, 0) - ref) > 1e-15;
    }
  }
  CU_ASSERT_FALSE(worst);
}

int test_device_register(void)
{
  CU_pSuite s = CU_add_suite("device", NULL, NULL);
  if (!s)
    return -1;
  if (!CU_add_test(s, "keyed hash, uniform and normal", test_hash) ||
      !CU_add_test(s, "parameters: values and messages", test_param_set) ||
      !CU_add_test(s, "parameters: consistency checks", test_param_finalize) ||
      !CU_add_test(s, "linear step: closed-form pulse response", test_linear_step_curve) ||
      !CU_add_test(s, "soft bounds: closed-form pulse response", test_soft_bounds_curve) ||
      !CU_add_test(s, "exp step: iterated Gong 2018 equations", test_exp_step_curve) ||
      !CU_add_test(s, "pcm: one-sided exp step and reset", test_pcm_curve) ||
      !CU_add_test(s, "rules use the device's instance", test_rules_use_instance))
    return -1;
  return 0;
}
