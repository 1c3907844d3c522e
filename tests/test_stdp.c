/*
 * test_stdp.c: pair-based STDP (NEST stdp_synapse) against its closed form
 * for one pre/post pair at several lags, on an ideal weight and on an
 * ideal device (whose change must be the same to within one write pulse),
 * plus the device read/write energy bookkeeping.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/sim_engine.h"
#include "../core/sim_error.h"
#include "../io/io_config.h"
#include "../network/net_build.h"
#include "../mpi/comm.h"
#include "../synapses/syn_spec.h"
#include "test_suites.h"

static char dir[64];

static int suite_init(void)
{
  strcpy(dir, "/tmp/memspike-stdp-XXXXXX");
  return mkdtemp(dir) ? comm_init(NULL, NULL) : -1;
}

static int suite_clean(void)
{
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd) == 0 ? 0 : -1;
}

/* Pre fires at t_pre and again at t_late; post is forced to fire at
   t_post by a strong fixed synapse from a second generator.  The plastic
   synapse (weight w0, far too weak to make post fire) sees: the pair, and
   at t_late the pending potentiation.  Returns the final weight. */
static double run_pair(double t_pre, double t_post, double t_late, const char *synapse_keys,
                       sim_stats *st_out)
{
  char text[2048], path[128];
  const double d = 1.0; /* ms, plastic synapse delay (all dendritic, NEST) */
  snprintf(text, sizeof text,
           "[simulation]\nduration = %g\nresolution = 0.1\n"
           "[population pre]\nmodel = spike_generator\nspike_times = %g, %g\n"
           "[population kick]\nmodel = spike_generator\nspike_times = %g\n"
           "[population post]\nmodel = iaf_psc_delta\nn = 1\nE_L = 0\nV_th = 20\nV_reset = 0\n"
           "t_ref = 0.1\nV_m = 0\n"
           "[projection forced]\nsource = kick\ntarget = post\nrule = all_to_all\n"
           "weight = 100\ndelay = 1.0\n"
           "[projection plastic]\nsource = pre\ntarget = post\nrule = all_to_all\n"
           "weight = 0.5\ndelay = %g\n%s",
           t_late + 10, t_pre, t_late, t_post - 1.0, d, synapse_keys);
  snprintf(path, sizeof path, "%s/pair.ini", dir);
  FILE *f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
  net_desc *desc = NULL;
  if (io_config_load(path, NULL, 0, &desc) != 0) {
    fprintf(stderr, "%s\n", sim_error_msg());
    return NAN;
  }
  net_part part = {NET_PART_ROUND_ROBIN, 0, 1};
  net_network *net = NULL;
  CU_ASSERT_EQUAL_FATAL(net_build(desc, &part, NULL, &net), 0);
  sim_stats st;
  sim_run_opts opts = {0};
  CU_ASSERT_EQUAL_FATAL(sim_run(&net->kernel, &opts, &st), 0);
  CU_ASSERT_EQUAL(st.spikes[2], 1); /* post fired once, when forced */
  const net_proj *pr = &net->projs[1];
  double w = syn_store_weight(&pr->store, &pr->syn, 0, desc->pops[0].first_gid,
                              net->pops[2].gid, st.ticks);
  if (pr->dynamic && pr->desc->spec->kind == SYN_DEVICE) {
    /* Energy bookkeeping: pulses x energy per pulse; reads x V^2 G t with
       G between the device's bounds. */
    const syn_device_param *p = &pr->desc->spec->dev;
    CU_ASSERT_DOUBLE_EQUAL(st.write_pj, st.dev_pulses * p->e_pulse_pj, 1e-9);
    double gmin = p->g_ref_uS + p->w_min * p->g_scale_uS;
    double gmax = p->g_ref_uS + p->w_max * p->g_scale_uS;
    double per = p->v_read * p->v_read * p->t_read_s * 1e6; /* pJ per uS */
    CU_ASSERT(st.read_pj >= st.dev_reads * per * (gmin > 0 ? gmin : 0) - 1e-12);
    CU_ASSERT(st.read_pj <= st.dev_reads * per * gmax + 1e-12);
  }
  if (st_out)
    *st_out = st;
  else
    sim_stats_fini(&st);
  net_network_destroy(net);
  net_desc_destroy(desc);
  return w;
}

/* NEST's additive rule for the pair (Wmax 10, lambda 0.1, alpha 1.2,
   tau+ 20 ms, tau- 30 ms, mu = 0), with the delay d counted as dendritic:
   post at the synapse at t_post + d.  Potentiation is applied at the next
   pre spike (t_late), then depression with the post trace at t_late - d. */
static double closed_form(double t_pre, double t_post, double t_late)
{
  const double W = 10, lam = 0.1, alpha = 1.2, tp = 20, tm = 30, d = 1.0;
  double w = 0.5;
  double dt = t_post + d - t_pre; /* pre -> post lag at the synapse */
  if (dt > 0) {
    w += lam * W * exp(-dt / tp);                      /* at t_late */
    w -= alpha * lam * W * exp(-(t_late - d - t_post) / tm); /* at t_late */
  } else {
    w -= alpha * lam * W * exp(-(t_pre - d - t_post) / tm); /* at t_pre */
    w = w < 0 ? 0 : w;
    /* at t_late: no post spike in (t_pre - d, t_late - d]; depression by
       the trace decayed from t_post */
    w -= alpha * lam * W * exp(-(t_late - d - t_post) / tm);
  }
  return w < 0 ? 0 : (w > W ? W : w);
}

static const char stdp_keys[] =
    "synapse = stdp_synapse\nWmax = 10\nlambda = 0.1\nalpha = 1.2\nmu_plus = 0\n"
    "mu_minus = 0\ntau_plus = 20\ntau_minus = 30\n";

static const double lags[] = {-30, -10, -3, 2, 5, 15, 40};

static void test_pair_rule_ideal(void)
{
  for (size_t i = 0; i < sizeof lags / sizeof lags[0]; i++) {
    double t_pre = 50, t_post = t_pre + lags[i], t_late = 150;
    double w = run_pair(t_pre, t_post, t_late, stdp_keys, NULL);
    double want = closed_form(t_pre, t_post, t_late);
    CU_ASSERT_DOUBLE_EQUAL(w, want, 1e-12); /* double plastic weights, as NEST */
  }
}

static void test_pair_rule_ideal_device(void)
{
  char keys[1024];
  /* ideal preset: noise-free linear device; weight = 10 (w - 0): one pulse
     of dw_min = 1e-4 changes the weight by 1e-3. */
  snprintf(keys, sizeof keys,
           "synapse = device\ndevice = ideal\nplasticity = stdp\nweight_scale = 10\n"
           "dw_min = 0.0001\nw_min = 0\nw_max = 1\nWmax = 10\nlambda = 0.1\n"
           "alpha = 1.2\nmu_plus = 0\nmu_minus = 0\ntau_plus = 20\ntau_minus = 30\n");
  for (size_t i = 0; i < sizeof lags / sizeof lags[0]; i++) {
    double t_pre = 50, t_post = t_pre + lags[i], t_late = 150;
    sim_stats st;
    double w = run_pair(t_pre, t_post, t_late, keys, &st);
    double want = closed_form(t_pre, t_post, t_late);
    /* Two updates, each rounded to whole pulses of 1e-3. */
    CU_ASSERT(fabs(w - want) <= 2 * 0.5e-3 + 1e-9);
    CU_ASSERT(st.dev_pulses > 0);
    /* Energy bookkeeping: reads x per-read energy, pulses x per-pulse. */
    CU_ASSERT_EQUAL(st.dev_reads, 2); /* two pre spikes, one device */
    sim_stats_fini(&st);
  }
}

/* A device that relaxes: one synapse read at 1 ms and again after ten
   idle years (the engine jumps over the idle windows) holds the closed
   form w_rest + (w0 - w_rest) e^{-t / tau}; the run's work does not
   grow with the idle time.  relax: tau = lifetime_s; arrhenius at 85 C
   with E_a 0.5 eV and lifetime_s at 25 C: tau = 1e6 s exp(E_a / k_B
   (1/358.15 - 1/298.15)), computed here from the constants. */
static void test_retention_across_years(void)
{
  const double year_ms = 365.25 * 86400e3;
  const double times[] = {1000.0, 86400e3, 10 * year_ms}; /* 1 s, 1 day, 10 y */
  const double kb = 1.380649e-23 / 1.602176634e-19; /* eV/K, SI exact */
  const double taus[] = {1e6, 1e6 * exp(0.5 / kb * (1 / 358.15 - 1 / 298.15))};
  const char *const kinds[] = {"retention = relax\n",
                               "retention = arrhenius\nea_ev = 0.5\ntemperature_k = 358.15\n"};
  for (int i = 0; i < 6; i++) {
    char text[1024], path[128];
    const int kind = i / 3;
    snprintf(text, sizeof text,
             "[simulation]\nduration = %.1f\nresolution = 0.1\n"
             "[population pre]\nmodel = spike_generator\nspike_times = 1.0, %.1f\n"
             "[population post]\nmodel = iaf_psc_delta\nn = 1\n"
             "[projection p]\nsource = pre\ntarget = post\nrule = all_to_all\n"
             "weight = 5\ndelay = 1.0\nsynapse = device\ndevice = ideal\n"
             "weight_scale = 10\n%slifetime_s = 1e6\nw_rest = 0.1\n",
             times[i % 3] + 10, times[i % 3], kinds[kind]);
    snprintf(path, sizeof path, "%s/ret.ini", dir);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    net_desc *desc = NULL;
    CU_ASSERT_EQUAL_FATAL(io_config_load(path, NULL, 0, &desc), 0);
    net_part part = {NET_PART_ROUND_ROBIN, 0, 1};
    net_network *net = NULL;
    CU_ASSERT_EQUAL_FATAL(net_build(desc, &part, NULL, &net), 0);
    sim_stats st;
    sim_run_opts opts = {0};
    CU_ASSERT_EQUAL_FATAL(sim_run(&net->kernel, &opts, &st), 0);
    const net_proj *pr = &net->projs[0];
    /* Read at the second spike's arrival, t + 1 ms. */
    int64_t t_read = (int64_t)llround((times[i % 3] + 1.0) / 0.1);
    double w = syn_store_weight(&pr->store, &pr->syn, 0, 0, net->pops[1].gid, t_read);
    double dt_s = (times[i % 3] + 1.0) * 1e-3; /* written at t = 0 */
    double want = 10 * (0.1 + (0.5 - 0.1) * exp(-dt_s / taus[kind]));
    CU_ASSERT_DOUBLE_EQUAL(w, want, 1e-6 * 10);
    /* 85 C shortens the time constant ~26-fold: after a day the two differ. */
    if (kind == 1 && i % 3 == 1)
      CU_ASSERT(fabs(w - 10 * (0.1 + 0.4 * exp(-dt_s / 1e6))) > 0.01);
    /* Idle time is skipped: updates do not grow with the years. */
    CU_ASSERT(st.skipped_ticks > st.ticks - 100);
    CU_ASSERT_EQUAL(st.dev_reads, 2);
    sim_stats_fini(&st);
    net_network_destroy(net);
    net_desc_destroy(desc);
  }
}

int test_stdp_register(void)
{
  CU_pSuite s = CU_add_suite("stdp", suite_init, suite_clean);
  if (!s)
    return -1;
  if (!CU_add_test(s, "pair rule vs closed form, ideal weight", test_pair_rule_ideal) ||
      !CU_add_test(s, "pair rule on an ideal device, within a pulse",
                   test_pair_rule_ideal_device) ||
      !CU_add_test(s, "retention after 1 s, 1 day, 10 idle years", test_retention_across_years))
    return -1;
  return 0;
}
