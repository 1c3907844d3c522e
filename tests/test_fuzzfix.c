/*
 * test_fuzzfix.c: regression tests for the four findings of fuzzing the
 * config reader (issue 9, item 12a).  Each failed before its fix:
 * - a Poisson rate of 1e-20 Hz overflowed the gap draw (assertion in the
 *   queue, exit 134);
 * - a delay of 1e18 ms overflowed the conversion to ticks (a hang);
 * - STDP on a device turned a huge weight change into unbounded write
 *   pulses (w_ref = 1e10 hung, 1e300 overflowed);
 * - a delay above 65,535 ticks was found only when drawn (exit 1).
 * And one found by this branch's own fuzzer (tests/fuzz/fuzz_config.c):
 * - a Poisson rate of 0 built its tables from 0 / 0 (NaN to integer);
 * - a spike time of 1.5e126 ms overflowed the conversion to ticks;
 * - a Poisson rate of 2.4e119 Hz overflowed the 32-bit spike count.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fixture_config.h"
#include "test_suites.h"
#include "../core/sim_engine.h"
#include "../core/sim_error.h"
#include "../core/sim_rng.h"
#include "../network/net_build.h"
#include "../network/net_connect.h"

/* Build and run d on one rank; fills *st (caller finis) and, when pulses
   is given, the write pulses and STDP updates of projection 0. */
static int run_desc(const net_desc *d, sim_stats *st, uint64_t *pulses, uint64_t *updates,
                    uint32_t *max_pulses)
{
  net_part part = {d->sim.partition, 0, 1};
  net_network *net = NULL;
  int rc = net_build(d, &part, NULL, &net);
  if (rc)
    return rc;
  rc = sim_run(&net->kernel, NULL, st);
  if (pulses) {
    *pulses = net->projs[0].store.c.pulses;
    *updates = net->projs[0].store.c.updates;
    *max_pulses = net->projs[0].store.max_pulses;
  }
  net_network_destroy(net);
  return rc;
}

static void test_tiny_poisson_rate(void)
{
  /* Rates the docs allow (> 0 Hz), down to where the per-tick mean
     underflows to 0: the run ends, with no input. */
  static const char *const rates[] = {"rate = 1e-13", "rate = 1e-20", "rate = 1e-150",
                                      "rate = 1e-299", "rate = 0"};
  for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
    const char *const lines[] = {SIM_LINES, POP_E, "[population noise]",
                                 "model = poisson_generator", rates[i],
                                 "[projection in]", "source = noise", "target = E",
                                 "rule = all_to_all", "weight = 30", "delay = 1", NULL};
    net_desc *d = cf_load_ok("tiny_rate.ini", lines, NULL, 0);
    if (!d)
      return;
    sim_stats st;
    int rc = run_desc(d, &st, NULL, NULL, NULL);
    CHECK(rc == 0, "%s: run failed: %s", rates[i], sim_error_msg());
    CHECK(st.ext_events == 0, "%s: %llu input spikes in 100 ms", rates[i],
          (unsigned long long)st.ext_events);
    CHECK(st.ticks == 1000, "%s: %lld ticks simulated", rates[i], (long long)st.ticks);
    sim_stats_fini(&st);
    net_desc_destroy(d);
  }
}

/* Found by this branch's fuzzer: rate = 0 built its tables from 0 / 0 and
   converted NaN to an integer (UBSan).  A NaN law now gives an empty
   table. */
static void test_cdf_table_nan(void)
{
  sim_cdf_table tab;
  double pmf[3] = {NAN, 0.5, 0.5};
  sim_cdf_table_init(&tab, pmf, 3);
  CHECK(tab.n == 0, "a NaN law gave %d entries", tab.n);
  double ok[2] = {0.25, 0.75};
  sim_cdf_table_init(&tab, ok, 2);
  CHECK(tab.n == 2, "a law of 2 values gave %d entries", tab.n);
}

/* Found by this branch's fuzzer: a spike time of 1.5e126 ms overflowed the
   conversion to ticks (UBSan).  Times past the run never fire. */
static void test_huge_spike_time(void)
{
  const char *const lines[] = {"[simulation]", "duration = 10", "resolution = 0.1",
                               "[population g]", "model = spike_generator", "n = 2",
                               "spike_times = 1, 3, 1.5e126", NULL};
  net_desc *d = cf_load_ok("huge_time.ini", lines, NULL, 0);
  if (!d)
    return;
  sim_stats st;
  int rc = run_desc(d, &st, NULL, NULL, NULL);
  CHECK(rc == 0, "run failed: %s", sim_error_msg());
  if (rc == 0) {
    CHECK(st.spikes[0] == 4, "%llu spikes, expected 2 times x 2 generators",
          (unsigned long long)st.spikes[0]);
    sim_stats_fini(&st);
  }
  net_desc_destroy(d);
}

/* Found by this branch's fuzzer: a rate of 2.4e119 Hz gave a per-tick
   count beyond 32 bits (UBSan).  Rates above 1e6 spikes per tick are a
   config error; sim_rng_poisson saturates. */
static void test_huge_rate(void)
{
  const char *const lines[] = {SIM_LINES, POP_E, "[population noise]",
                               "model = poisson_generator", "rate = 2.4e119",
                               "[projection in]", "source = noise", "target = E",
                               "rule = all_to_all", "weight = 1", "delay = 1", NULL};
  expect_error("huge_rate.ini", lines, "rate = 2.4e119", "rate", "at most 1e+10 Hz");
  sim_rng r;
  sim_rng_stream(&r, 1, 2, 3, 4);
  CU_ASSERT_EQUAL(sim_rng_poisson(&r, 1e30), UINT32_MAX);
}

static void test_huge_delay(void)
{
  CU_ASSERT_EQUAL(net_delay_ticks(1e18, 0.1), INT64_MAX);
  CU_ASSERT_EQUAL(net_delay_ticks(1e300, 0.1), INT64_MAX);
  CU_ASSERT_EQUAL(net_delay_ticks(1.5, 0.1), 15);
  static const char *const delays[] = {"delay = 1e18", "delay = 1e300", "delay = 6553.6",
                                       "delay = uniform(1, 1e18)",
                                       "delay = normal(5, 1, 1, 1e19)"};
  for (size_t i = 0; i < sizeof delays / sizeof delays[0]; i++) {
    const char *const lines[] = {SIM_LINES, POP_E, "[projection EE]", "source = E",
                                 "target = E", "rule = all_to_all", "weight = 1",
                                 delays[i], NULL};
    /* A config error (exit 2), naming the line, the key and the limit. */
    expect_error("huge_delay.ini", lines, delays[i], "delay", "65535 ticks", "6553.5 ms");
  }
  /* The largest delay itself is fine. */
  const char *const ok[] = {SIM_LINES, POP_E, "[projection EE]", "source = E",
                            "target = E", "rule = all_to_all", "weight = 1",
                            "delay = 6553.5", NULL};
  net_desc *d = cf_load_ok("max_delay.ini", ok, NULL, 0);
  net_desc_destroy(d);
}

/* A device STDP projection from a spike train onto neurons that fire on
   their own (I_e), with the given extra keys. */
#define DEV_STDP_LINES(...)                                                          \
  {"[simulation]", "duration = 50", "resolution = 0.1", "[population post]",         \
   "model = iaf_psc_delta", "n = 2", "I_e = 1000", "[population pre]",               \
   "model = spike_generator", "n = 2", "spike_times = 1, 3, 5, 7, 9, 11, 13, 15",    \
   "[projection plastic]", "source = pre", "target = post", "rule = all_to_all",     \
   "synapse = device", "device = ecram_li_wo3", "plasticity = stdp", "weight = 30",  \
   "delay = 0.1", __VA_ARGS__, NULL}

static void test_device_stdp_pulses(void)
{
  /* w_ref outside the device's range: a config error now. */
  const char *const ref_big[] = DEV_STDP_LINES("w_ref = 1e10", "weight_scale = 40");
  expect_error("wref_big.ini", ref_big, "w_ref = 1e10", "w_ref", "device's range",
               "1.1724");
  const char *const ref_huge[] = DEV_STDP_LINES("w_ref = 1e300", "weight_scale = 40");
  expect_error("wref_huge.ini", ref_huge, "w_ref = 1e300", "w_ref", "device's range");
  /* A valid w_ref with a weight change of ~1e12 steps (tiny weight_scale,
     huge Wmax and lambda): the run ends, and no update applies more than
     max_pulses pulses (4 x range / dw_min). */
  const char *const big_dw[] = DEV_STDP_LINES("w_ref = -0.8276", "weight_scale = 1e-6",
                                              "Wmax = 1e6", "lambda = 1", "mu_plus = 0",
                                              "mu_minus = 0");
  net_desc *d = cf_load_ok("big_dw.ini", big_dw, NULL, 0);
  if (!d)
    return;
  sim_stats st;
  uint64_t pulses = 0, updates = 0;
  uint32_t maxp = 0;
  int rc = run_desc(d, &st, &pulses, &updates, &maxp);
  CHECK(rc == 0, "run failed: %s", sim_error_msg());
  CHECK(maxp == 4001, "max_pulses %u, expected ceil(4 x 2 / 0.002) + 1 = 4001", maxp);
  CHECK(updates > 0, "no STDP update happened");
  CHECK(pulses > 0 && pulses <= updates * maxp, "%llu pulses for %llu updates (cap %u)",
        (unsigned long long)pulses, (unsigned long long)updates, maxp);
  sim_stats_fini(&st);
  net_desc_destroy(d);
}

/* Found by the config fuzzer after the branch landed: t_ref = 5e71 ms
   overflowed iaf_psc_exp's refractory count (UBSan); a huge start of a
   Poisson train or of an if_soft_reset layer too.  t_ref and start beyond
   what ticks hold are config errors; a Poisson start beyond any run
   saturates (the train never starts). */
static void test_huge_times(void)
{
  const char *const exp_ref[] = {"[simulation]", "duration = 10", "resolution = 0.1",
                                 "[population e]", "model = iaf_psc_exp", "n = 1",
                                 "t_ref = 5e71", NULL};
  expect_error("huge_ref_exp.ini", exp_ref, "[population e]", NULL, "t_ref", "at most");
  const char *const delta_ref[] = {"[simulation]", "duration = 10", "resolution = 0.1",
                                   "[population e]", "model = iaf_psc_delta", "n = 1",
                                   "t_ref = 5e71", NULL};
  expect_error("huge_ref_delta.ini", delta_ref, "[population e]", NULL, "t_ref", "at most");
  const char *const ifsr[] = {"[simulation]", "duration = 10", "resolution = 1",
                              "[population e]", "model = if_soft_reset", "n = 1",
                              "start = 1e300", NULL};
  expect_error("huge_start.ini", ifsr, "[population e]", NULL, "start", "beyond any run");
  const char *const pois[] = {"[simulation]", "duration = 10", "resolution = 0.1",
                              "[population g]", "model = poisson_generator", "rate = 1000",
                              "start = 1e300",
                              "[population p]", "model = parrot_neuron", "n = 2",
                              "[projection gp]", "source = g", "target = p",
                              "rule = all_to_all", "weight = 1", "delay = 1", NULL};
  net_desc *d = cf_load_ok("huge_pois.ini", pois, NULL, 0);
  if (!d)
    return;
  sim_stats st;
  int rc = run_desc(d, &st, NULL, NULL, NULL);
  CHECK(rc == 0, "run failed: %s", sim_error_msg());
  if (rc == 0) {
    CHECK(st.spikes[1] == 0 && st.ext_events == 0, "a train starting at 1e300 ms spiked");
    sim_stats_fini(&st);
  }
  net_desc_destroy(d);
}

int test_fuzzfix_register(void)
{
  CU_pSuite s = CU_add_suite("fuzzfix", cf_suite_init, cf_suite_clean);
  if (!s)
    return -1;
  if (!CU_add_test(s, "Poisson rate 1e-13 .. 1e-299 Hz", test_tiny_poisson_rate) ||
      !CU_add_test(s, "CDF table of a NaN law (Poisson rate 0)", test_cdf_table_nan) ||
      !CU_add_test(s, "spike time of 1.5e126 ms", test_huge_spike_time) ||
      !CU_add_test(s, "Poisson rate of 2.4e119 Hz", test_huge_rate) ||
      !CU_add_test(s, "delay of 1e18 ms or above 65535 ticks", test_huge_delay) ||
      !CU_add_test(s, "device STDP pulses bounded, w_ref in range", test_device_stdp_pulses) ||
      !CU_add_test(s, "t_ref, start beyond what ticks hold", test_huge_times))
    return -1;
  return 0;
}
