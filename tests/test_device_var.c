/*
 * test_device_var.c: the presets shipped in configs/devices (run from the
 * repository root) and what varies between devices and pulses: noise
 * against its configured moments (4 standard errors over 10,000 devices
 * or pulses), stuck devices, retention against its closed form (relative
 * 1e-12), read energy against V^2 G t, determinism.  The rule physics are
 * test_device.c's.
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
#include "fixture_device.h"
#include "test_suites.h"

#define PRESET_DIR "configs/devices"
#define TEN_YEARS_S (10 * 365.25 * 86400.0)

static int rel_close(double x, double ref, double tol)
{
  return fabs(x - ref) <= tol * fabs(ref) || fabs(x - ref) <= 1e-300;
}

/* ======================================================================
 * Presets
 * ====================================================================== */

static void load_ok(const char *name, syn_device_param *p)
{
  int rc = io_preset_load(PRESET_DIR, name, p);
  CU_ASSERT_EQUAL(rc, 0);
  if (rc)
    fprintf(stderr, "\n    preset %s: %s\n", name, sim_error_msg());
}

/* The preset with every d2d spread dv_set to 0 (dv_nominal device). */
static void zero_dtod(syn_device_param *p)
{
  p->dw_min_dtod = p->up_down_dtod = p->w_bounds_dtod = 0;
  p->w_min_dtod = p->w_max_dtod = NAN;
  p->drift_nu_dtod = 0;
  p->stuck_fraction = 0;
  if (dv_is_rule(p, "linear_step")) {
    dv_set(p, "gamma_up_dtod", "0");
    dv_set(p, "gamma_down_dtod", "0");
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
  for (size_t i = 0; i < sizeof dv_required_presets / sizeof dv_required_presets[0]; i++) {
    syn_device_param p;
    load_ok(dv_required_presets[i], &p);
  }

  /* Key numbers (the sources are cited in each file). */
  syn_device_param p;
  load_ok("ecram_li_wo3", &p);
  CU_ASSERT(dv_is_rule(&p, "linear_step") && p.dw_min == 0.002 && dv_val(&p, "gamma_up") == 0.1153 &&
            dv_val(&p, "gamma_down") == 0.5085 && p.w_min == -0.8276 && p.w_max == 1.1724 &&
            p.dw_min_std == 0.3);
  load_ok("ecram_metal_oxide", &p);
  CU_ASSERT(p.dw_min == 2.8214e-4 && dv_val(&p, "gamma_up") == 0.4152 &&
            dv_val(&p, "gamma_down") == 0.7342 && p.dw_min_std == 2.0 && p.t_pulse_s == 10e-9);
  load_ok("ecram_protonic", &p);
  CU_ASSERT(p.t_pulse_s == 5e-9 && p.retention == SYN_RET_ARRHENIUS && p.lifetime_s < 86400 &&
            p.ea_ev == 0.35 && p.t_ref_k == 298.15 && p.temperature_k == 298.15);
  load_ok("ecram_oxygen_ion", &p);
  /* "> 10 years at 85 C": one state (0.02) of the full excursion lost in
     10 years at 358.15 K at most. */
  CU_ASSERT(p.retention == SYN_RET_ARRHENIUS && syn_device_tau_at(&p, 358.15) >= TEN_YEARS_S / 0.02 &&
            p.t_pulse_s > 1e-3);
  CU_ASSERT(rel_close(syn_device_tau_at(&p, 358.15), 1.6e10, 1e-3));
  load_ok("rram_soft_bounds", &p);
  CU_ASSERT(dv_is_rule(&p, "soft_bounds") && p.dw_min_std == 3.75 && dv_val(&p, "mult_noise") == 0 &&
            p.w_min_dtod == 0.4 && p.w_max_dtod == 0.24);
  load_ok("rram_exp_step", &p);
  {
    /* Converted up_down: the dv_nominal steps are aihwkit's. */
    zero_dtod(&p);
    syn_device_inst in = dv_nominal(&p);
    CU_ASSERT(rel_close(in.dw_up, 0.00135, 1e-9));
    CU_ASSERT(rel_close(in.dw_down, 0.00135 * (1 - 0.259359), 1e-9));
  }
  load_ok("rram_yao2020", &p);
  CU_ASSERT(p.n_states == 32 && p.stuck_fraction > 0 && isnan(p.stuck_w) &&
            p.retention == SYN_RET_DRIFT);
  load_ok("pcm_nandakumar2020", &p);
  CU_ASSERT(dv_is_rule(&p, "pcm") && p.drift_t0_s == 20 && p.drift_nu == 0.049 &&
            p.w_min == 0 && p.w_max == 2 && p.dw_min == 0.01 && dv_val(&p, "A_up") == -27.235 &&
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
  for (size_t i = 0; i < sizeof dv_required_presets / sizeof dv_required_presets[0]; i++) {
    syn_device_param p;
    load_ok(dv_required_presets[i], &p);
    if (p.n_states <= 0)
      continue;
    double states = (p.w_max - p.w_min) / (p.dw_min * (1 + fabs(p.up_down)));
    CU_ASSERT(fabs(states - p.n_states) <= 0.05 * p.n_states);
    if (fabs(states - p.n_states) > 0.05 * p.n_states)
      fprintf(stderr, "\n    %s: %g states, file says %g\n", p.name, states, p.n_states);
    checked++;

    if (!dv_is_rule(&p, "linear_step"))
      continue;
    /* Noise-free up pulses from w_min to w_max: w_n = f + (L - f) r^n with
       f = W / g, r = 1 - dw g / W (or w_n = L + n dw when g = 0). */
    zero_dtod(&p);
    p.dw_min_std = 0;
    syn_device_inst in = dv_nominal(&p);
    double L = p.w_min, W = p.w_max, dw = p.dw_min, g = dv_val(&p, "gamma_up");
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
  dv_set(&p, "dw_min", "0.002");
  dv_set(&p, "dw_min_dtod", "0.1");
  dv_set(&p, "up_down", "0.05");
  dv_set(&p, "up_down_dtod", "0.02");
  dv_set(&p, "w_bounds_dtod", "0.1");
  dv_set(&p, "w_min_dtod", "0.2");
  dv_set(&p, "gamma_up", "0.3");
  dv_set(&p, "gamma_up_dtod", "0.05");
  dv_set(&p, "drift_nu", "0.05");
  dv_set(&p, "drift_nu_dtod", "0.01");
  CU_ASSERT_EQUAL_FATAL(syn_device_param_finalize(&p), 0);
  moments s = {0}, u = {0}, lo = {0}, hi = {0}, gu = {0}, nu = {0}, up = {0};
  for (uint64_t i = 0; i < NDRAW; i++) {
    syn_device_inst in;
    syn_device_instance(&p, dv_dev_key(i), &in);
    /* dw_up + dw_down = 2 dw_min s; (dw_up - dw_down) / (sum) = u. */
    double sum = in.dw_up + in.dw_down;
    dv_mom_add(&s, sum / (2 * 0.002));
    dv_mom_add(&u, (in.dw_up - in.dw_down) / sum);
    dv_mom_add(&up, in.dw_up);
    dv_mom_add(&lo, in.w_min);
    dv_mom_add(&hi, in.w_max);
    dv_mom_add(&gu, dv_ival(&p, &in, "gamma_up"));
    dv_mom_add(&nu, in.nu);
  }
  CU_ASSERT(dv_mom_match(&s, 1.0, 0.1));
  CU_ASSERT(dv_mom_match(&u, 0.05, 0.02));
  /* dw_up = dw_min s (1 + u), s and u independent. */
  double e1 = 1.0 * 1.05, e2 = (1 + 0.01) * (1.05 * 1.05 + 0.0004);
  CU_ASSERT(dv_mom_match(&up, 0.002 * e1, 0.002 * sqrt(e2 - e1 * e1)));
  CU_ASSERT(dv_mom_match(&lo, -1.0, 0.2)); /* w_min_dtod overrides */
  CU_ASSERT(dv_mom_match(&hi, 1.0, 0.1));  /* w_max_dtod nan: w_bounds_dtod */
  CU_ASSERT(dv_mom_match(&gu, 0.3, 0.05));
  CU_ASSERT(dv_mom_match(&nu, 0.05, 0.01));
}

static void test_c2c_moments(void)
{
  syn_device_param p;
  syn_device_param_default(&p);
  dv_set(&p, "dw_min", "0.002");
  dv_set(&p, "dw_min_std", "0.3");
  CU_ASSERT_EQUAL_FATAL(syn_device_param_finalize(&p), 0);
  syn_device_inst in = dv_nominal(&p);
  moments up = {0}, down = {0};
  for (uint64_t i = 0; i < NDRAW; i++) {
    dv_mom_add(&up, syn_device_pulse(&p, &in, 0.0, 1, dv_pulse_key(i)));
    dv_mom_add(&down, -syn_device_pulse(&p, &in, 0.0, -1, dv_pulse_key(i + NDRAW)));
  }
  CU_ASSERT(dv_mom_match(&up, 0.002, 0.3 * 0.002));
  CU_ASSERT(dv_mom_match(&down, 0.002, 0.3 * 0.002));

  /* Additive noise (soft bounds, mult_noise 0): mean dw (1 - w / W), std
     dw_min_std dw whatever w. */
  dv_set(&p, "rule", "soft_bounds");
  dv_set(&p, "mult_noise", "0");
  dv_set(&p, "dw_min_std", "0.5");
  in = dv_nominal(&p);
  moments sb = {0};
  for (uint64_t i = 0; i < NDRAW; i++)
    dv_mom_add(&sb, syn_device_pulse(&p, &in, 0.5, 1, dv_pulse_key(i)) - 0.5);
  CU_ASSERT(dv_mom_match(&sb, 0.002 * (1 - 0.5 / 1.0), 0.5 * 0.002));

  /* Exp step with aihwkit's complex noise: std = dw_min_std (|dw| + add +
     slope |w|). */
  syn_device_param_default(&p);
  dv_set(&p, "rule", "exp_step");
  dv_set(&p, "dw_min", "0.01");
  dv_set(&p, "A_up", "0.5");
  dv_set(&p, "dw_min_std", "0.6");
  dv_set(&p, "dw_min_std_add", "0.042");
  dv_set(&p, "dw_min_std_slope", "0.108");
  in = dv_nominal(&p);
  moments es = {0};
  const double w0 = 0.3;
  for (uint64_t i = 0; i < NDRAW; i++)
    dv_mom_add(&es, syn_device_pulse(&p, &in, w0, 1, dv_pulse_key(i)) - w0);
  double m = 0.01 * (1 - 0.5); /* a = b = 0: z = 0, y = 1 - A_up */
  CU_ASSERT(dv_mom_match(&es, m, 0.6 * (m + 0.042 + 0.108 * w0)));
}

static void test_stuck(void)
{
  syn_device_param p;
  syn_device_param_default(&p);
  dv_set(&p, "stuck_fraction", "0.1");
  dv_set(&p, "w_bounds_dtod", "0.1");
  dv_set(&p, "retention", "relax");
  dv_set(&p, "lifetime_s", "10");
  dv_set(&p, "prog_noise_c0", "0.05");
  CU_ASSERT_EQUAL_FATAL(syn_device_param_finalize(&p), 0);
  int stuck = 0, bad = 0;
  moments pos = {0};
  for (uint64_t i = 0; i < NDRAW; i++) {
    syn_device_inst in;
    syn_device_instance(&p, dv_dev_key(i), &in);
    if (!in.stuck)
      continue;
    stuck++;
    double w = syn_device_initial(&p, &in, 0.7);
    bad |= w != in.stuck_w;
    bad |= !(in.stuck_w >= in.w_min && in.stuck_w <= in.w_max);
    bad |= syn_device_pulse(&p, &in, w, 1, dv_pulse_key(i)) != w;
    bad |= syn_device_pulse(&p, &in, w, -1, dv_pulse_key(i)) != w;
    bad |= syn_device_retain(&p, &in, w, 1e6) != w;
    bad |= syn_device_program(&p, &in, 0.3, dv_pulse_key(i)) != in.stuck_w;
    dv_mom_add(&pos, (in.stuck_w - in.w_min) / (in.w_max - in.w_min));
  }
  CU_ASSERT_FALSE(bad);
  /* Binomial(10000, 0.1): within 4 sigma. */
  double mean = NDRAW * 0.1, sd = sqrt(NDRAW * 0.1 * 0.9);
  CU_ASSERT(fabs(stuck - mean) <= 4 * sd);
  /* stuck_w = nan: uniform within the device's bounds. */
  CU_ASSERT(dv_mom_match(&pos, 0.5, sqrt(1.0 / 12)));

  /* stuck_range r (aihwkit's corrupt_devices_range): uniform within the
     bounds and [-r, r]; a range away from 0 holds the bound nearest to it. */
  dv_set(&p, "stuck_range", "0.01");
  dv_set(&p, "stuck_fraction", "1");
  moments near = {0};
  for (uint64_t i = 0; i < 2000; i++) {
    syn_device_inst in;
    syn_device_instance(&p, dv_dev_key(i), &in);
    double lo = fmax(in.w_min, -0.01), hi = fmin(in.w_max, 0.01);
    bad |= !(in.stuck && in.stuck_w >= lo && in.stuck_w <= hi);
    if (hi > lo)
      dv_mom_add(&near, (in.stuck_w - lo) / (hi - lo));
  }
  CU_ASSERT_FALSE(bad);
  CU_ASSERT(dv_mom_match(&near, 0.5, sqrt(1.0 / 12)));
  CU_ASSERT_EQUAL(syn_device_param_set(&p, "stuck_range", "-1"), 0);
  const char *key = NULL;
  CU_ASSERT_NOT_EQUAL(syn_device_param_check(&p, &key), 0);
  CU_ASSERT(key && !strcmp(key, "stuck_range"));
  dv_set(&p, "stuck_range", "nan");
  dv_set(&p, "stuck_w", "0.25");
  syn_device_inst in;
  syn_device_instance(&p, dv_dev_key(3), &in);
  CU_ASSERT(in.stuck && in.stuck_w == 0.25);
  dv_set(&p, "stuck_fraction", "0");
  syn_device_instance(&p, dv_dev_key(3), &in);
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
  dv_set(&p, "retention", "relax");
  dv_set(&p, "w_rest", "0.2");
  const char *const lifetimes[] = {"1e8", "1e4"};
  for (int l = 0; l < 2; l++) {
    dv_set(&p, "lifetime_s", lifetimes[l]);
    CU_ASSERT_EQUAL_FATAL(syn_device_param_finalize(&p), 0);
    syn_device_inst in = dv_nominal(&p);
    double tau = atof(lifetimes[l]);
    for (int i = 0; i < 3; i++) {
      double ref = 0.2 + (0.9 - 0.2) * exp(-dts[i] / tau);
      CU_ASSERT(rel_close(syn_device_retain(&p, &in, 0.9, dts[i]), ref, 1e-12));
    }
    /* Relaxation composes. */
    double a = syn_device_retain(&p, &in, syn_device_retain(&p, &in, -0.6, 3600), 7200);
    CU_ASSERT(rel_close(a, syn_device_retain(&p, &in, -0.6, 10800), 1e-12));
  }

  dv_set(&p, "retention", "drift");
  dv_set(&p, "drift_nu", "0.05");
  dv_set(&p, "drift_t0_s", "20");
  CU_ASSERT_EQUAL_FATAL(syn_device_param_finalize(&p), 0);
  syn_device_inst in = dv_nominal(&p);
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
  dv_set(&p, "drift_nu_dtod", "0.01");
  syn_device_instance(&p, dv_dev_key(5), &in);
  CU_ASSERT(in.nu != 0.05);
  CU_ASSERT(rel_close(syn_device_retain(&p, &in, 0.8, 86400.0),
                      0.8 * pow(86420.0 / 20.0, -in.nu), 1e-12));
  /* No time, no change; no retention, no change. */
  CU_ASSERT_EQUAL(syn_device_retain(&p, &in, 0.8, 0), 0.8);
  dv_set(&p, "retention", "none");
  CU_ASSERT_EQUAL(syn_device_retain(&p, &in, 0.8, TEN_YEARS_S), 0.8);
}

/* Arrhenius retention: the time constant against exp(E_a / k_B T) from
   the constants, the ratio between two temperatures, relax at the
   reference temperature exactly, and the write side (pulse time, barrier
   lowering) from the same barrier. */
static void test_arrhenius(void)
{
  const double kb = 1.380649e-23 / 1.602176634e-19; /* eV/K, SI exact */
  syn_device_param p;
  syn_device_param_default(&p);
  dv_set(&p, "retention", "arrhenius");
  dv_set(&p, "lifetime_s", "1e4");
  dv_set(&p, "w_rest", "0.1");
  dv_set(&p, "ea_ev", "0.6");
  dv_set(&p, "t_pulse_s", "1e-8");
  CU_ASSERT_EQUAL_FATAL(syn_device_param_finalize(&p), 0);
  CU_ASSERT_EQUAL(syn_device_tau_s(&p), 1e4); /* at t_ref_k = 298.15 K */
  /* tau0 = tau(T_ref) e^{-E_a / k T_ref}; tau(T) = tau0 e^{E_a / k T}. */
  const double tau0 = 1e4 * exp(-0.6 / (kb * 298.15));
  const double temps[] = {253.15, 298.15, 358.15, 373.15};
  for (int i = 0; i < 4; i++) {
    CU_ASSERT(rel_close(syn_device_tau_at(&p, temps[i]), tau0 * exp(0.6 / (kb * temps[i])),
                        1e-9));
  }
  CU_ASSERT(rel_close(syn_device_tau_at(&p, 298.15) / syn_device_tau_at(&p, 358.15),
                      exp(0.6 / kb * (1 / 298.15 - 1 / 358.15)), 1e-9));
  /* The state after a year at 85 C. */
  dv_set(&p, "temperature_k", "358.15");
  CU_ASSERT_EQUAL_FATAL(syn_device_param_finalize(&p), 0);
  syn_device_inst in = dv_nominal(&p);
  const double year = 365.25 * 86400, tau85 = tau0 * exp(0.6 / (kb * 358.15));
  CU_ASSERT(rel_close(syn_device_retain(&p, &in, 0.9, 3600), 0.1 + 0.8 * exp(-3600 / tau85),
                      1e-9));
  CU_ASSERT(rel_close(syn_device_retain(&p, &in, -0.5, year), 0.1 - 0.6 * exp(-year / tau85),
                      1e-9));
  /* Composes, as relax. */
  CU_ASSERT(rel_close(syn_device_retain(&p, &in, syn_device_retain(&p, &in, 0.7, 500), 700),
                      syn_device_retain(&p, &in, 0.7, 1200), 1e-12));
  /* At the reference temperature arrhenius is relax, bit for bit. */
  dv_set(&p, "temperature_k", "298.15");
  syn_device_param r = p;
  dv_set(&r, "retention", "relax");
  for (double dt = 1; dt < 1e9; dt *= 7.3)
    CU_ASSERT_EQUAL(syn_device_retain(&p, &in, 0.77, dt), syn_device_retain(&r, &in, 0.77, dt));
  /* Write side: f = dw_min / range = 0.001 / 2; dE_w = k T ln(f tau / t_p). */
  const double de = kb * 298.15 * log(0.0005 * 1e4 / 1e-8);
  CU_ASSERT(rel_close(syn_device_write_lowering_ev(&p), de, 1e-6));
  CU_ASSERT(rel_close(syn_device_t_pulse_at(&p, 298.15), 1e-8, 1e-12));
  CU_ASSERT(rel_close(syn_device_t_pulse_at(&p, 358.15),
                      1e-8 * exp((0.6 - de) / kb * (1 / 358.15 - 1 / 298.15)), 1e-6));
  CU_ASSERT(syn_device_t_pulse_at(&p, 358.15) < 1e-8); /* activated: faster when hot */
  /* A field that takes off more than E_a: writes no longer activated. */
  syn_device_param q = p;
  dv_set(&q, "t_pulse_s", "1e-12");
  CU_ASSERT(syn_device_write_lowering_ev(&q) > 0.6);
  CU_ASSERT_EQUAL(syn_device_t_pulse_at(&q, 358.15), 1e-12);
  /* relax: lifetime_s at any temperature; none: no time constant. */
  CU_ASSERT_EQUAL(syn_device_tau_at(&r, 358.15), 1e4);
  dv_set(&r, "retention", "none");
  CU_ASSERT(isinf(syn_device_tau_s(&r)) && isnan(syn_device_write_lowering_ev(&r)));
  /* Bad values are errors naming the key. */
  const char *key = NULL;
  dv_set(&p, "temperature_k", "0");
  CU_ASSERT_EQUAL(syn_device_param_check(&p, &key), SIM_ECONFIG);
  CU_ASSERT(key && !strcmp(key, "temperature_k"));
  dv_set(&p, "temperature_k", "300");
  dv_set(&p, "ea_ev", "-0.1");
  CU_ASSERT_EQUAL(syn_device_param_check(&p, &key), SIM_ECONFIG);
  CU_ASSERT(key && !strcmp(key, "ea_ev"));
}

static void test_read_energy(void)
{
  syn_device_param p;
  syn_device_param_default(&p);
  dv_set(&p, "v_read", "0.55");
  dv_set(&p, "t_read_s", "10e-9");
  dv_set(&p, "g_ref_uS", "12.5");
  dv_set(&p, "g_scale_uS", "12.5");
  const double ws[] = {-1.0, -0.3, 0.0, 0.5, 1.0};
  for (int i = 0; i < 5; i++) {
    double g_siemens = (12.5 + 12.5 * ws[i]) * 1e-6;
    double joule = 0.55 * 0.55 * g_siemens * 10e-9;
    CU_ASSERT(rel_close(syn_device_read_pj(&p, ws[i]), joule * 1e12, 1e-12));
  }
  /* 0.55 V, 25 uS, 10 ns: 0.3025 * 25e-6 * 1e-8 J = 75.625 fJ. */
  CU_ASSERT(fabs(syn_device_read_pj(&p, 1.0) - 0.075625) < 1e-15);
  CU_ASSERT_EQUAL(syn_device_read_pj(&p, -2.0), 0.0); /* G < 0 clipped */
  dv_set(&p, "v_read", "0");
  CU_ASSERT_EQUAL(syn_device_read_pj(&p, 1.0), 0.0);
}

static void test_read_and_program_noise(void)
{
  syn_device_param p;
  syn_device_param_default(&p);
  dv_set(&p, "read_noise", "0.03");
  dv_set(&p, "w_min", "0");
  dv_set(&p, "w_max", "2");
  dv_set(&p, "g_ref_uS", "0");
  dv_set(&p, "prog_noise_c0", "0.0210784");
  dv_set(&p, "prog_noise_c1", "0.1572");
  dv_set(&p, "prog_noise_c2", "-0.093848");
  CU_ASSERT_EQUAL_FATAL(syn_device_param_finalize(&p), 0);
  syn_device_inst in = dv_nominal(&p);
  moments rd = {0}, pg = {0};
  for (uint64_t i = 0; i < NDRAW; i++) {
    dv_mom_add(&rd, syn_device_read(&p, 1.2, dv_pulse_key(i)));
    dv_mom_add(&pg, syn_device_program(&p, &in, 1.0, dv_pulse_key(i)));
  }
  CU_ASSERT(dv_mom_match(&rd, 1.2, 0.03));
  /* x = (1 - 0) / 2 = 0.5. */
  CU_ASSERT(dv_mom_match(&pg, 1.0, 0.0210784 + 0.5 * 0.1572 - 0.25 * 0.093848));
  CU_ASSERT_EQUAL(syn_device_program(&p, &in, 5.0, 0) <= 2.0, 1); /* clipped */
  dv_set(&p, "read_noise", "0");
  CU_ASSERT_EQUAL(syn_device_read(&p, 1.2, 7), 1.2);
}

static void test_determinism(void)
{
  syn_device_param p;
  load_ok("rram_exp_step", &p);
  dv_set(&p, "stuck_fraction", "0.3");
  syn_device_inst a, b, c;
  syn_device_instance(&p, dv_dev_key(11), &a);
  syn_device_instance(&p, dv_dev_key(12), &c); /* another device in between */
  syn_device_instance(&p, dv_dev_key(11), &b);
  CU_ASSERT(a.dw_up == b.dw_up && a.dw_down == b.dw_down && a.w_min == b.w_min &&
            a.w_max == b.w_max && a.nu == b.nu && a.stuck == b.stuck &&
            a.stuck_w == b.stuck_w && !memcmp(a.rule, b.rule, sizeof a.rule));
  CU_ASSERT(a.dw_up != c.dw_up && a.w_max != c.w_max);
  a.stuck = 0;
  double w1 = syn_device_pulse(&p, &a, 0.1, 1, dv_pulse_key(3));
  double w2 = syn_device_pulse(&p, &a, 0.1, 1, dv_pulse_key(3));
  double w3 = syn_device_pulse(&p, &a, 0.1, 1, dv_pulse_key(4));
  CU_ASSERT_EQUAL(w1, w2);
  CU_ASSERT_NOT_EQUAL(w1, w3);
}

int test_device_var_register(void)
{
  CU_pSuite s = CU_add_suite("device_var", NULL, NULL);
  if (!s)
    return -1;
  if (!CU_add_test(s, "shipped presets load and carry their figures", test_shipped_presets) ||
      !CU_add_test(s, "number of states", test_states) ||
      !CU_add_test(s, "device-to-device moments", test_d2d_moments) ||
      !CU_add_test(s, "cycle-to-cycle moments", test_c2c_moments) ||
      !CU_add_test(s, "stuck devices", test_stuck) ||
      !CU_add_test(s, "retention closed forms", test_retention) ||
      !CU_add_test(s, "Arrhenius retention and write time", test_arrhenius) ||
      !CU_add_test(s, "read energy V^2 G t", test_read_energy) ||
      !CU_add_test(s, "read and programming noise", test_read_and_program_noise) ||
      !CU_add_test(s, "determinism", test_determinism))
    return -1;
  return 0;
}
