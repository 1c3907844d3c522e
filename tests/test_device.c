/*
 * test_device.c: the analog device models (synapses/syn_device.c).  Pulse
 * responses against their closed forms or an independent iteration of the
 * published equations (1e-12), noise against its configured moments
 * (4 standard errors over 10,000 devices or pulses), retention against its
 * closed form (relative 1e-12), read energy against V^2 G t, and the
 * presets shipped in configs/devices (run from the repository root).  The
 * errors of preset files are tests/test_preset.c's.
 */
#include <CUnit/CUnit.h>
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_error.h"
#include "../io/io_preset.h"
#include "../synapses/syn_device.h"
#include "../synapses/syn_rule.h"
#include "test_suites.h"

int test_device_register(void);

#define PRESET_DIR "configs/devices"
#define NDRAW 10000
#define TEN_YEARS_S (10 * 365.25 * 86400.0)

static int msg_has(const char *s) { return strstr(sim_error_msg(), s) != NULL; }

/* Set a key that must be accepted. */
static void set(syn_device_param *p, const char *key, const char *value)
{
  int rc = syn_device_param_set(p, key, value);
  CU_ASSERT_EQUAL(rc, 0);
  if (rc)
    fprintf(stderr, "\n    set %s = %s: %s\n", key, value, sim_error_msg());
}

/* A number of p (common or its rule's) by key. */
static double val(const syn_device_param *p, const char *key)
{
  double x = NAN;
  CU_ASSERT_EQUAL(syn_device_param_get(p, key, &x), 0);
  return x;
}

/* A per-device draw of p's rule by name. */
static double ival(const syn_device_param *p, const syn_device_inst *in, const char *name)
{
  return syn_device_inst_get(p, in, name);
}

static int is_rule(const syn_device_param *p, const char *name)
{
  return strcmp(syn_device_rule_name(p), name) == 0;
}

static int rel_close(double x, double ref, double tol)
{
  return fabs(x - ref) <= tol * fabs(ref) || fabs(x - ref) <= 1e-300;
}

/* Running moments. */
typedef struct moments {
  double s, s2;
  int n;
} moments;

static void mom_add(moments *m, double x)
{
  m->s += x;
  m->s2 += x * x;
  m->n++;
}

static double mom_mean(const moments *m) { return m->s / m->n; }

static double mom_std(const moments *m)
{
  double mean = mom_mean(m);
  return sqrt((m->s2 - m->n * mean * mean) / (m->n - 1));
}

/* Sample mean and std within 4 standard errors of (mean, std) for a normal
   population: SE(mean) = std / sqrt(n), SE(std) = std / sqrt(2 n). */
static int mom_match(const moments *m, double mean, double std)
{
  double se_mean = std / sqrt((double)m->n), se_std = std / sqrt(2.0 * m->n);
  int ok = fabs(mom_mean(m) - mean) <= 4 * se_mean + 1e-15 &&
           fabs(mom_std(m) - std) <= 4 * se_std + 1e-15;
  if (!ok)
    fprintf(stderr, "\n    moments: mean %.6g (want %.6g +- %.3g), std %.6g (want %.6g +- %.3g)\n",
            mom_mean(m), mean, 4 * se_mean, mom_std(m), std, 4 * se_std);
  return ok;
}

static uint64_t dev_key(uint64_t i) { return sim_hash4(12345, 7, i, 0); }
static uint64_t pulse_key(uint64_t i) { return sim_hash4(12345, 7, 99, i); }

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
    mom_add(&u, x);
    double y = syn_hash_normal(42, (uint64_t)i);
    mom_add(&z, y);
    in1 += fabs(y) < 1;
  }
  CU_ASSERT(mom_match(&u, 0.5, sqrt(1.0 / 12)));
  CU_ASSERT(mom_match(&z, 0.0, 1.0));
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
  CU_ASSERT(is_rule(&p, "linear_step"));
  CU_ASSERT_EQUAL(p.retention, SYN_RET_NONE);
  CU_ASSERT(p.dw_min > 0 && p.dw_min_std == 0 && p.stuck_fraction == 0);
  CU_ASSERT(isnan(p.stuck_w));

  set(&p, "dw_min", "0.5e-3");
  CU_ASSERT_EQUAL(p.dw_min, 0.5e-3);
  /* mult_noise is linear_step's (and soft_bounds'): set it before the
     rule becomes pcm, which has no such key. */
  set(&p, "mult_noise", "false");
  CU_ASSERT_EQUAL(val(&p, "mult_noise"), 0);
  set(&p, "rule", "pcm");
  CU_ASSERT(is_rule(&p, "pcm"));
  set(&p, "retention", "drift");
  CU_ASSERT_EQUAL(p.retention, SYN_RET_DRIFT);
  sim_error_clear();
  CU_ASSERT_EQUAL(syn_device_param_set(&p, "mult_noise", "false"), SIM_ECONFIG);
  CU_ASSERT(msg_has("'mult_noise'") && msg_has("rule = pcm") &&
            msg_has("linear_step, soft_bounds"));
  set(&p, "stuck_w", "0.25");
  CU_ASSERT_EQUAL(p.stuck_w, 0.25);
  set(&p, "stuck_w", "NaN");
  CU_ASSERT(isnan(p.stuck_w));
  set(&p, "w_min_dtod", "nan");
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
  set(&p, "rule", "linear_step");
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
    set(&p, "rule", r->name);
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
    set(&p, cases[i].k1, cases[i].v1);
    if (cases[i].k2)
      set(&p, cases[i].k2, cases[i].v2);
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

/* An instance without d2d spread: the nominal device. */
static syn_device_inst nominal(const syn_device_param *p)
{
  syn_device_inst in;
  syn_device_instance(p, 1, &in);
  return in;
}

static void test_linear_step_curve(void)
{
  syn_device_param p;
  syn_device_param_default(&p);
  set(&p, "w_min", "-0.8");
  set(&p, "w_max", "1.2");
  set(&p, "dw_min", "0.002");
  set(&p, "gamma_up", "0.2");
  set(&p, "gamma_down", "0.4");
  CU_ASSERT_EQUAL_FATAL(syn_device_param_finalize(&p), 0);
  syn_device_inst in = nominal(&p);
  CU_ASSERT_EQUAL(in.dw_up, 0.002);
  CU_ASSERT_EQUAL(in.dw_down, 0.002);
  CU_ASSERT_EQUAL(in.w_min, -0.8);
  CU_ASSERT_EQUAL(in.w_max, 1.2);
  CU_ASSERT_EQUAL(ival(&p, &in, "gamma_up"), 0.2);
  CU_ASSERT_EQUAL(ival(&p, &in, "gamma_down"), 0.4);
  CU_ASSERT_FALSE(in.stuck);

  /* Up: w' = w + dw (1 - g w / W) is affine with ratio r = 1 - dw g / W
     and fixed point W / g (> W): w_n = min(W, W/g + (w0 - W/g) r^n). */
  const double W = 1.2, L = -0.8, dw = 0.002, gu = 0.2, gd = 0.4, w0 = -0.3;
  double ru = 1 - dw * gu / W, fu = W / gu;
  double w = syn_device_initial(&p, &in, w0);
  int worst = 0;
  for (int n = 1; n <= 1200; n++) {
    w = syn_device_pulse(&p, &in, w, +1, pulse_key((uint64_t)n));
    double ref = fmin(W, fu + (w0 - fu) * pow(ru, n));
    worst |= fabs(w - ref) > 1e-12;
  }
  CU_ASSERT_FALSE(worst);
  CU_ASSERT_EQUAL(w, W); /* reached and held the bound */
  /* Down: w' = w - dw (1 - g w / L), ratio 1 - dw g / |L|, fixed point L / g. */
  double rd = 1 - dw * gd / fabs(L), fd = L / gd;
  worst = 0;
  for (int n = 1; n <= 1500; n++) {
    w = syn_device_pulse(&p, &in, w, -1, pulse_key((uint64_t)n));
    double ref = fmax(L, fd + (W - fd) * pow(rd, n));
    worst |= fabs(w - ref) > 1e-12;
  }
  CU_ASSERT_FALSE(worst);
  CU_ASSERT_EQUAL(w, L);

  /* gamma = 0: constant steps. */
  set(&p, "gamma_up", "0");
  set(&p, "gamma_down", "0");
  in = nominal(&p);
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
  set(&p, "rule", "soft_bounds");
  set(&p, "w_min", "-0.75");
  set(&p, "w_max", "1.25");
  set(&p, "dw_min", "0.002");
  set(&p, "up_down", "0.1");
  CU_ASSERT_EQUAL_FATAL(syn_device_param_finalize(&p), 0);
  syn_device_inst in = nominal(&p);
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
  set(&p, "rule", "exp_step");
  set(&p, "dw_min", "0.001174932675");
  set(&p, "up_down", "0.149002005583");
  set(&p, "a", "-0.5");
  set(&p, "b", "-0.5");
  set(&p, "gamma_exp_up", "5");
  set(&p, "gamma_exp_down", "5");
  set(&p, "A_up", "-1.18445");
  set(&p, "A_down", "-0.081404");
  CU_ASSERT_EQUAL_FATAL(syn_device_param_finalize(&p), 0);
  syn_device_inst in = nominal(&p);
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
  set(&p, "rule", "pcm");
  set(&p, "w_min", "0");
  set(&p, "w_max", "2");
  set(&p, "dw_min", "0.01");
  set(&p, "a", "-1");
  set(&p, "b", "0");
  set(&p, "gamma_exp_up", "2.5");
  set(&p, "gamma_exp_down", "2.5");
  set(&p, "A_up", "-27.235");
  set(&p, "A_down", "-2.235");
  set(&p, "reset_w", "0.01");
  set(&p, "g_ref_uS", "0");
  CU_ASSERT_EQUAL_FATAL(syn_device_param_finalize(&p), 0);
  syn_device_inst in = nominal(&p);
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
  set(&p, "reset_w", "0.5");
  set(&p, "reset_std", "0.05");
  moments m = {0};
  for (uint64_t i = 0; i < NDRAW; i++)
    mom_add(&m, syn_device_pulse(&p, &in, 1.5, -1, pulse_key(i)));
  CU_ASSERT(mom_match(&m, 0.5, 0.05));
}

/* Each rule with a device-to-device instance: exp step and soft bounds
   use the device's own bounds, linear step the nominal ones (aihwkit's
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
    set(ps[r], "rule", rules[r]);
    set(ps[r], "w_bounds_dtod", "0.3");
    set(ps[r], "dw_min_dtod", "0.2");
    set(ps[r], "up_down_dtod", "0.05");
  }
  set(&ls, "gamma_up", "0.3");
  set(&ls, "gamma_down", "0.2");
  set(&ls, "gamma_up_dtod", "0.1");
  set(&ls, "gamma_down_dtod", "0.1");
  set(&es, "a", "-0.5");
  set(&es, "b", "-0.5");
  set(&es, "gamma_exp_up", "5");
  set(&es, "gamma_exp_down", "5");
  set(&es, "A_up", "-1.18445");
  set(&es, "A_down", "-0.081404");
  for (int r = 0; r < 3; r++)
    CU_ASSERT_EQUAL_FATAL(syn_device_param_finalize(ps[r]), 0);
  int worst = 0;
  for (uint64_t i = 0; i < 200; i++) {
    syn_device_inst in, in_sb, in_es;
    syn_device_instance(&ls, dev_key(i), &in);
    syn_device_instance(&sb, dev_key(i), &in_sb);
    syn_device_instance(&es, dev_key(i), &in_es);
    worst |= in.dw_up != in_sb.dw_up || in.w_max != in_es.w_max || in.w_min != in_sb.w_min;
    const double w = 0.5 * in.w_max; /* inside this device's range */
    double g_up = ival(&ls, &in, "gamma_up"), g_dn = ival(&ls, &in, "gamma_down");
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

/* ======================================================================
 * Presets
 * ====================================================================== */

static const char *const required_presets[] = {
    "ecram_li_wo3",    "ecram_metal_oxide", "ecram_protonic",
    "ecram_oxygen_ion", "rram_soft_bounds", "rram_exp_step",
    "rram_yao2020",    "pcm_nandakumar2020", "ideal"};

static void load_ok(const char *name, syn_device_param *p)
{
  int rc = io_preset_load(PRESET_DIR, name, p);
  CU_ASSERT_EQUAL(rc, 0);
  if (rc)
    fprintf(stderr, "\n    preset %s: %s\n", name, sim_error_msg());
}

/* The preset with every d2d spread set to 0 (nominal device). */
static void zero_dtod(syn_device_param *p)
{
  p->dw_min_dtod = p->up_down_dtod = p->w_bounds_dtod = 0;
  p->w_min_dtod = p->w_max_dtod = NAN;
  p->drift_nu_dtod = 0;
  p->stuck_fraction = 0;
  if (is_rule(p, "linear_step")) {
    set(p, "gamma_up_dtod", "0");
    set(p, "gamma_down_dtod", "0");
  }
}

static void test_shipped_presets(void)
{
  glob_t g;
  CU_ASSERT_EQUAL_FATAL(glob(PRESET_DIR "/*.ini", 0, NULL, &g), 0);
  for (size_t i = 0; i < g.gl_pathc; i++) {
    char name[256];
    const char *base = strrchr(g.gl_pathv[i], '/') + 1;
    snprintf(name, sizeof name, "%.*s", (int)(strlen(base) - 4), base);
    syn_device_param p;
    load_ok(name, &p);
    CU_ASSERT_STRING_EQUAL(p.name, name);
    CU_ASSERT_EQUAL(syn_device_param_finalize(&p), 0);
  }
  globfree(&g);
  for (size_t i = 0; i < sizeof required_presets / sizeof required_presets[0]; i++) {
    syn_device_param p;
    load_ok(required_presets[i], &p);
  }

  /* Key numbers (the sources are cited in each file). */
  syn_device_param p;
  load_ok("ecram_li_wo3", &p);
  CU_ASSERT(is_rule(&p, "linear_step") && p.dw_min == 0.002 && val(&p, "gamma_up") == 0.1153 &&
            val(&p, "gamma_down") == 0.5085 && p.w_min == -0.8276 && p.w_max == 1.1724 &&
            p.dw_min_std == 0.3);
  load_ok("ecram_metal_oxide", &p);
  CU_ASSERT(p.dw_min == 2.8214e-4 && val(&p, "gamma_up") == 0.4152 &&
            val(&p, "gamma_down") == 0.7342 && p.dw_min_std == 2.0 && p.t_pulse_s == 10e-9);
  load_ok("ecram_protonic", &p);
  CU_ASSERT(p.t_pulse_s == 5e-9 && p.retention == SYN_RET_RELAX && p.lifetime_s < 86400);
  load_ok("ecram_oxygen_ion", &p);
  CU_ASSERT(p.retention == SYN_RET_RELAX && p.lifetime_s >= TEN_YEARS_S / 0.02 &&
            p.t_pulse_s > 1e-3);
  load_ok("rram_soft_bounds", &p);
  CU_ASSERT(is_rule(&p, "soft_bounds") && p.dw_min_std == 3.75 && val(&p, "mult_noise") == 0 &&
            p.w_min_dtod == 0.4 && p.w_max_dtod == 0.24);
  load_ok("rram_exp_step", &p);
  {
    /* Converted up_down: the nominal steps are aihwkit's. */
    zero_dtod(&p);
    syn_device_inst in = nominal(&p);
    CU_ASSERT(rel_close(in.dw_up, 0.00135, 1e-9));
    CU_ASSERT(rel_close(in.dw_down, 0.00135 * (1 - 0.259359), 1e-9));
  }
  load_ok("rram_yao2020", &p);
  CU_ASSERT(p.n_states == 32 && p.stuck_fraction > 0 && isnan(p.stuck_w) &&
            p.retention == SYN_RET_DRIFT);
  load_ok("pcm_nandakumar2020", &p);
  CU_ASSERT(is_rule(&p, "pcm") && p.drift_t0_s == 20 && p.drift_nu == 0.049 &&
            p.w_min == 0 && p.w_max == 2 && p.dw_min == 0.01 && val(&p, "A_up") == -27.235 &&
            p.prog_noise_c0 == 0.0210784 && p.t_read_s == 250e-9);
  /* Programming noise at G = g_max / 2 is PCMLikeNoiseModel's polynomial
     (uS) over g_scale. */
  CU_ASSERT(rel_close((p.prog_noise_c0 + 0.5 * p.prog_noise_c1 + 0.25 * p.prog_noise_c2) *
                          p.g_scale_uS,
                      0.26348 + 1.9650 * 0.5 - 1.1731 * 0.25, 1e-6));
  load_ok("ideal", &p);
  CU_ASSERT(p.dw_min_std == 0 && p.dw_min_dtod == 0 && p.stuck_fraction == 0 &&
            p.read_noise == 0 && p.retention == SYN_RET_NONE);
}

/* States: (w_max - w_min) / (dw_min (1 + |up_down|)) within 5 % of the count
   each preset states; pulse counts across the range from the closed form. */
static void test_states(void)
{
  int checked = 0;
  for (size_t i = 0; i < sizeof required_presets / sizeof required_presets[0]; i++) {
    syn_device_param p;
    load_ok(required_presets[i], &p);
    if (p.n_states <= 0)
      continue;
    double states = (p.w_max - p.w_min) / (p.dw_min * (1 + fabs(p.up_down)));
    CU_ASSERT(fabs(states - p.n_states) <= 0.05 * p.n_states);
    if (fabs(states - p.n_states) > 0.05 * p.n_states)
      fprintf(stderr, "\n    %s: %g states, file says %g\n", p.name, states, p.n_states);
    checked++;

    if (!is_rule(&p, "linear_step"))
      continue;
    /* Noise-free up pulses from w_min to w_max: w_n = f + (L - f) r^n with
       f = W / g, r = 1 - dw g / W (or w_n = L + n dw when g = 0). */
    zero_dtod(&p);
    p.dw_min_std = 0;
    syn_device_inst in = nominal(&p);
    double L = p.w_min, W = p.w_max, dw = p.dw_min, g = val(&p, "gamma_up");
    double want = g > 0 ? ceil(log((W / g - W) / (W / g - L)) / log(1 - dw * g / W))
                        : ceil((W - L) / dw);
    double w = L;
    int n = 0;
    while (w < W - 1e-9 * (W - L) && n < 1000000) {
      w = syn_device_pulse(&p, &in, w, 1, 0);
      n++;
    }
    CU_ASSERT(fabs(n - want) <= 1);
    if (fabs(n - want) > 1)
      fprintf(stderr, "\n    %s: %d pulses from w_min to w_max, closed form %g\n", p.name,
              n, want);
  }
  CU_ASSERT(checked >= 7);
}

/* ======================================================================
 * Variation
 * ====================================================================== */

static void test_d2d_moments(void)
{
  syn_device_param p;
  syn_device_param_default(&p);
  set(&p, "dw_min", "0.002");
  set(&p, "dw_min_dtod", "0.1");
  set(&p, "up_down", "0.05");
  set(&p, "up_down_dtod", "0.02");
  set(&p, "w_bounds_dtod", "0.1");
  set(&p, "w_min_dtod", "0.2");
  set(&p, "gamma_up", "0.3");
  set(&p, "gamma_up_dtod", "0.05");
  set(&p, "drift_nu", "0.05");
  set(&p, "drift_nu_dtod", "0.01");
  CU_ASSERT_EQUAL_FATAL(syn_device_param_finalize(&p), 0);
  moments s = {0}, u = {0}, lo = {0}, hi = {0}, gu = {0}, nu = {0}, up = {0};
  for (uint64_t i = 0; i < NDRAW; i++) {
    syn_device_inst in;
    syn_device_instance(&p, dev_key(i), &in);
    /* dw_up + dw_down = 2 dw_min s; (dw_up - dw_down) / (sum) = u. */
    double sum = in.dw_up + in.dw_down;
    mom_add(&s, sum / (2 * 0.002));
    mom_add(&u, (in.dw_up - in.dw_down) / sum);
    mom_add(&up, in.dw_up);
    mom_add(&lo, in.w_min);
    mom_add(&hi, in.w_max);
    mom_add(&gu, ival(&p, &in, "gamma_up"));
    mom_add(&nu, in.nu);
  }
  CU_ASSERT(mom_match(&s, 1.0, 0.1));
  CU_ASSERT(mom_match(&u, 0.05, 0.02));
  /* dw_up = dw_min s (1 + u), s and u independent. */
  double e1 = 1.0 * 1.05, e2 = (1 + 0.01) * (1.05 * 1.05 + 0.0004);
  CU_ASSERT(mom_match(&up, 0.002 * e1, 0.002 * sqrt(e2 - e1 * e1)));
  CU_ASSERT(mom_match(&lo, -1.0, 0.2)); /* w_min_dtod overrides */
  CU_ASSERT(mom_match(&hi, 1.0, 0.1));  /* w_max_dtod nan: w_bounds_dtod */
  CU_ASSERT(mom_match(&gu, 0.3, 0.05));
  CU_ASSERT(mom_match(&nu, 0.05, 0.01));
}

static void test_c2c_moments(void)
{
  syn_device_param p;
  syn_device_param_default(&p);
  set(&p, "dw_min", "0.002");
  set(&p, "dw_min_std", "0.3");
  CU_ASSERT_EQUAL_FATAL(syn_device_param_finalize(&p), 0);
  syn_device_inst in = nominal(&p);
  moments up = {0}, down = {0};
  for (uint64_t i = 0; i < NDRAW; i++) {
    mom_add(&up, syn_device_pulse(&p, &in, 0.0, 1, pulse_key(i)));
    mom_add(&down, -syn_device_pulse(&p, &in, 0.0, -1, pulse_key(i + NDRAW)));
  }
  CU_ASSERT(mom_match(&up, 0.002, 0.3 * 0.002));
  CU_ASSERT(mom_match(&down, 0.002, 0.3 * 0.002));

  /* Additive noise (soft bounds, mult_noise 0): mean dw (1 - w / W), std
     dw_min_std dw whatever w. */
  set(&p, "rule", "soft_bounds");
  set(&p, "mult_noise", "0");
  set(&p, "dw_min_std", "0.5");
  in = nominal(&p);
  moments sb = {0};
  for (uint64_t i = 0; i < NDRAW; i++)
    mom_add(&sb, syn_device_pulse(&p, &in, 0.5, 1, pulse_key(i)) - 0.5);
  CU_ASSERT(mom_match(&sb, 0.002 * (1 - 0.5 / 1.0), 0.5 * 0.002));

  /* Exp step with aihwkit's complex noise: std = dw_min_std (|dw| + add +
     slope |w|). */
  syn_device_param_default(&p);
  set(&p, "rule", "exp_step");
  set(&p, "dw_min", "0.01");
  set(&p, "A_up", "0.5");
  set(&p, "dw_min_std", "0.6");
  set(&p, "dw_min_std_add", "0.042");
  set(&p, "dw_min_std_slope", "0.108");
  in = nominal(&p);
  moments es = {0};
  const double w0 = 0.3;
  for (uint64_t i = 0; i < NDRAW; i++)
    mom_add(&es, syn_device_pulse(&p, &in, w0, 1, pulse_key(i)) - w0);
  double m = 0.01 * (1 - 0.5); /* a = b = 0: z = 0, y = 1 - A_up */
  CU_ASSERT(mom_match(&es, m, 0.6 * (m + 0.042 + 0.108 * w0)));
}

static void test_stuck(void)
{
  syn_device_param p;
  syn_device_param_default(&p);
  set(&p, "stuck_fraction", "0.1");
  set(&p, "w_bounds_dtod", "0.1");
  set(&p, "retention", "relax");
  set(&p, "lifetime_s", "10");
  set(&p, "prog_noise_c0", "0.05");
  CU_ASSERT_EQUAL_FATAL(syn_device_param_finalize(&p), 0);
  int stuck = 0, bad = 0;
  moments pos = {0};
  for (uint64_t i = 0; i < NDRAW; i++) {
    syn_device_inst in;
    syn_device_instance(&p, dev_key(i), &in);
    if (!in.stuck)
      continue;
    stuck++;
    double w = syn_device_initial(&p, &in, 0.7);
    bad |= w != in.stuck_w;
    bad |= !(in.stuck_w >= in.w_min && in.stuck_w <= in.w_max);
    bad |= syn_device_pulse(&p, &in, w, 1, pulse_key(i)) != w;
    bad |= syn_device_pulse(&p, &in, w, -1, pulse_key(i)) != w;
    bad |= syn_device_retain(&p, &in, w, 1e6) != w;
    bad |= syn_device_program(&p, &in, 0.3, pulse_key(i)) != in.stuck_w;
    mom_add(&pos, (in.stuck_w - in.w_min) / (in.w_max - in.w_min));
  }
  CU_ASSERT_FALSE(bad);
  /* Binomial(10000, 0.1): within 4 sigma. */
  double mean = NDRAW * 0.1, sd = sqrt(NDRAW * 0.1 * 0.9);
  CU_ASSERT(fabs(stuck - mean) <= 4 * sd);
  /* stuck_w = nan: uniform within the device's bounds. */
  CU_ASSERT(mom_match(&pos, 0.5, sqrt(1.0 / 12)));

  set(&p, "stuck_w", "0.25");
  set(&p, "stuck_fraction", "1");
  syn_device_inst in;
  syn_device_instance(&p, dev_key(3), &in);
  CU_ASSERT(in.stuck && in.stuck_w == 0.25);
  set(&p, "stuck_fraction", "0");
  syn_device_instance(&p, dev_key(3), &in);
  CU_ASSERT_FALSE(in.stuck);
}

/* ======================================================================
 * Retention, reads, programming
 * ====================================================================== */

static void test_retention(void)
{
  const double dts[] = {1.0, 86400.0, TEN_YEARS_S};
  syn_device_param p;
  syn_device_param_default(&p);
  set(&p, "retention", "relax");
  set(&p, "w_rest", "0.2");
  const char *const lifetimes[] = {"1e8", "1e4"};
  for (int l = 0; l < 2; l++) {
    set(&p, "lifetime_s", lifetimes[l]);
    CU_ASSERT_EQUAL_FATAL(syn_device_param_finalize(&p), 0);
    syn_device_inst in = nominal(&p);
    double tau = atof(lifetimes[l]);
    for (int i = 0; i < 3; i++) {
      double ref = 0.2 + (0.9 - 0.2) * exp(-dts[i] / tau);
      CU_ASSERT(rel_close(syn_device_retain(&p, &in, 0.9, dts[i]), ref, 1e-12));
    }
    /* Relaxation composes. */
    double a = syn_device_retain(&p, &in, syn_device_retain(&p, &in, -0.6, 3600), 7200);
    CU_ASSERT(rel_close(a, syn_device_retain(&p, &in, -0.6, 10800), 1e-12));
  }

  set(&p, "retention", "drift");
  set(&p, "drift_nu", "0.05");
  set(&p, "drift_t0_s", "20");
  CU_ASSERT_EQUAL_FATAL(syn_device_param_finalize(&p), 0);
  syn_device_inst in = nominal(&p);
  CU_ASSERT_EQUAL(in.nu, 0.05);
  for (int i = 0; i < 3; i++) {
    /* aihwkit: G(t) = G_prog ((t + t0) / t0)^-nu. */
    double ref = 0.8 * pow((dts[i] + 20.0) / 20.0, -0.05);
    CU_ASSERT(rel_close(syn_device_retain(&p, &in, 0.8, dts[i]), ref, 1e-12));
    CU_ASSERT(rel_close(syn_device_retain(&p, &in, -0.4, dts[i]), -0.4 * ref / 0.8, 1e-12));
  }
  CU_ASSERT(rel_close(syn_device_retain(&p, &in, 0.8, TEN_YEARS_S),
                      0.8 * exp(-0.05 * log((TEN_YEARS_S + 20) / 20)), 1e-12));
  /* Per-device exponent. */
  set(&p, "drift_nu_dtod", "0.01");
  syn_device_instance(&p, dev_key(5), &in);
  CU_ASSERT(in.nu != 0.05);
  CU_ASSERT(rel_close(syn_device_retain(&p, &in, 0.8, 86400.0),
                      0.8 * pow(86420.0 / 20.0, -in.nu), 1e-12));
  /* No time, no change; no retention, no change. */
  CU_ASSERT_EQUAL(syn_device_retain(&p, &in, 0.8, 0), 0.8);
  set(&p, "retention", "none");
  CU_ASSERT_EQUAL(syn_device_retain(&p, &in, 0.8, TEN_YEARS_S), 0.8);
}

static void test_read_energy(void)
{
  syn_device_param p;
  syn_device_param_default(&p);
  set(&p, "v_read", "0.55");
  set(&p, "t_read_s", "10e-9");
  set(&p, "g_ref_uS", "12.5");
  set(&p, "g_scale_uS", "12.5");
  const double ws[] = {-1.0, -0.3, 0.0, 0.5, 1.0};
  for (int i = 0; i < 5; i++) {
    double g_siemens = (12.5 + 12.5 * ws[i]) * 1e-6;
    double joule = 0.55 * 0.55 * g_siemens * 10e-9;
    CU_ASSERT(rel_close(syn_device_read_pj(&p, ws[i]), joule * 1e12, 1e-12));
  }
  /* 0.55 V, 25 uS, 10 ns: 0.3025 * 25e-6 * 1e-8 J = 75.625 fJ. */
  CU_ASSERT(fabs(syn_device_read_pj(&p, 1.0) - 0.075625) < 1e-15);
  CU_ASSERT_EQUAL(syn_device_read_pj(&p, -2.0), 0.0); /* G < 0 clipped */
  set(&p, "v_read", "0");
  CU_ASSERT_EQUAL(syn_device_read_pj(&p, 1.0), 0.0);
}

static void test_read_and_program_noise(void)
{
  syn_device_param p;
  syn_device_param_default(&p);
  set(&p, "read_noise", "0.03");
  set(&p, "w_min", "0");
  set(&p, "w_max", "2");
  set(&p, "g_ref_uS", "0");
  set(&p, "prog_noise_c0", "0.0210784");
  set(&p, "prog_noise_c1", "0.1572");
  set(&p, "prog_noise_c2", "-0.093848");
  CU_ASSERT_EQUAL_FATAL(syn_device_param_finalize(&p), 0);
  syn_device_inst in = nominal(&p);
  moments rd = {0}, pg = {0};
  for (uint64_t i = 0; i < NDRAW; i++) {
    mom_add(&rd, syn_device_read(&p, 1.2, pulse_key(i)));
    mom_add(&pg, syn_device_program(&p, &in, 1.0, pulse_key(i)));
  }
  CU_ASSERT(mom_match(&rd, 1.2, 0.03));
  /* x = (1 - 0) / 2 = 0.5. */
  CU_ASSERT(mom_match(&pg, 1.0, 0.0210784 + 0.5 * 0.1572 - 0.25 * 0.093848));
  CU_ASSERT_EQUAL(syn_device_program(&p, &in, 5.0, 0) <= 2.0, 1); /* clipped */
  set(&p, "read_noise", "0");
  CU_ASSERT_EQUAL(syn_device_read(&p, 1.2, 7), 1.2);
}

static void test_determinism(void)
{
  syn_device_param p;
  load_ok("rram_exp_step", &p);
  set(&p, "stuck_fraction", "0.3");
  syn_device_inst a, b, c;
  syn_device_instance(&p, dev_key(11), &a);
  syn_device_instance(&p, dev_key(12), &c); /* another device in between */
  syn_device_instance(&p, dev_key(11), &b);
  CU_ASSERT(a.dw_up == b.dw_up && a.dw_down == b.dw_down && a.w_min == b.w_min &&
            a.w_max == b.w_max && a.nu == b.nu && a.stuck == b.stuck &&
            a.stuck_w == b.stuck_w && !memcmp(a.rule, b.rule, sizeof a.rule));
  CU_ASSERT(a.dw_up != c.dw_up && a.w_max != c.w_max);
  a.stuck = 0;
  double w1 = syn_device_pulse(&p, &a, 0.1, 1, pulse_key(3));
  double w2 = syn_device_pulse(&p, &a, 0.1, 1, pulse_key(3));
  double w3 = syn_device_pulse(&p, &a, 0.1, 1, pulse_key(4));
  CU_ASSERT_EQUAL(w1, w2);
  CU_ASSERT_NOT_EQUAL(w1, w3);
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
      !CU_add_test(s, "rules use the device's instance", test_rules_use_instance) ||
      !CU_add_test(s, "shipped presets load and carry their figures", test_shipped_presets) ||
      !CU_add_test(s, "number of states", test_states) ||
      !CU_add_test(s, "device-to-device moments", test_d2d_moments) ||
      !CU_add_test(s, "cycle-to-cycle moments", test_c2c_moments) ||
      !CU_add_test(s, "stuck devices", test_stuck) ||
      !CU_add_test(s, "retention closed forms", test_retention) ||
      !CU_add_test(s, "read energy V^2 G t", test_read_energy) ||
      !CU_add_test(s, "read and programming noise", test_read_and_program_noise) ||
      !CU_add_test(s, "determinism", test_determinism))
    return -1;
  return 0;
}
