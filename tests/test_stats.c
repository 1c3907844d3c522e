/*
 * test_stats.c: io_stats on hand-made spike trains with known answers: a
 * regular train (CV 0, its ISI in one histogram bin), a Poisson train (CV
 * 1 within its sampling error), fully synchronous neurons (chi = 1,
 * correlation 1), anti-phase neurons (Fano 0, chi 0, correlation -1), a
 * hand-worked Fano factor, the trailing partial bin, undefined statistics
 * (NaN), and the correlation of a random set against a direct two-pass
 * computation (1e-12).
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "../io/io_stats.h"
#include "test_suites.h"

/* The default cfg: n neurons, window from 0, 0.1 ms ticks, bin 10 ticks,
   ISI bins of 50 ticks x 40. */
static io_stats_cfg cfg_of(uint32_t n)
{
  return (io_stats_cfg){.n = n, .t0 = 0, .res_ms = 0.1, .bin_ticks = 10, .pairs = 100,
                        .isi_bin_ticks = 50, .isi_nbins = 40};
}

/* Feed (tick, neuron) pairs (already in tick order) and finish at t1. */
static void run(const io_stats_cfg *c, const sim_time *t, const uint32_t *i, size_t n,
                sim_time t1, io_stats_result *r)
{
  io_stats *s = NULL;
  CU_ASSERT_FATAL(io_stats_create(c, &s) == 0);
  for (size_t k = 0; k < n; k++)
    io_stats_spike(s, t[k], i[k]);
  io_stats_finish(s, t1, r);
  io_stats_destroy(s);
}

static void test_regular(void)
{
  io_stats_cfg c = cfg_of(1);
  sim_time t[100];
  uint32_t id[100] = {0};
  for (int k = 0; k < 100; k++)
    t[k] = 10 * k + 3;
  io_stats_result r;
  run(&c, t, id, 100, 1000, &r);
  CU_ASSERT(r.spikes == 100 && r.neurons == 1);
  CHECK(fabs(r.rate_hz - 1000.0) < 1e-9, "rate %.17g, wanted 1000 Hz", r.rate_hz);
  CHECK(r.cv_neurons == 1 && r.cv_isi == 0.0, "cv %.17g over %u", r.cv_isi, r.cv_neurons);
  CU_ASSERT(r.isis == 99 && r.isi_counts[0] == 99 && r.isi_over == 0);
  CU_ASSERT(r.nbins == 100 && r.binned_spikes == 100);
  /* one spike in every bin: the count never varies */
  CHECK(r.fano == 0.0, "fano %.17g", r.fano);
  CU_ASSERT(isnan(r.chi)); /* no neuron varies */
  CU_ASSERT(r.rate_nbins == 2 && r.rate_counts[1] == 100 && r.rate_width == 1);
  CHECK(fabs(r.rate_edges_hz[1] - 1000.0) < 1e-9, "edge %.17g", r.rate_edges_hz[1]);
  io_stats_result_fini(&r);
}

/* xorshift64*: a fixed stream for the test trains */
static uint64_t rng_state = 88172645463325252ull;
static double uniform(void)
{
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (double)((rng_state * 2685821657736338717ull) >> 11) * 0x1.0p-53;
}

static void test_poisson(void)
{
  /* 20 Hz for 1000 s at 0.1 ms: ~20000 spikes; CV of an exponential ISI
     is 1, sampling error ~ 1/sqrt(n) ~ 0.007; ticks quantise ISIs of
     ~500 ticks, a negligible bias */
  enum { MAX = 40000 };
  sim_time *t = malloc(MAX * sizeof *t);
  uint32_t *id = calloc(MAX, sizeof *id);
  size_t n = 0;
  double x = 0;
  const sim_time t1 = 10000000;
  for (;;) {
    x += -log(1.0 - uniform()) / 20.0 * 1e4; /* ticks */
    if (x >= (double)t1 || n == MAX)
      break;
    t[n++] = (sim_time)x;
  }
  io_stats_cfg c = cfg_of(1);
  io_stats_result r;
  run(&c, t, id, n, t1, &r);
  CHECK(fabs(r.cv_isi - 1.0) < 0.03, "poisson cv %.5f (%zu spikes)", r.cv_isi, n);
  CHECK(fabs(r.rate_hz - 20.0) < 0.5, "poisson rate %.4f", r.rate_hz);
  /* one neuron: the population is the neuron, chi = 1 (to the rounding
     of a two-pass variance over 1e6 bins against the exact integer one) */
  CHECK(fabs(r.chi - 1.0) < 1e-9, "one neuron chi %.17g", r.chi);
  /* Poisson counts in bins: Fano ~ 1 */
  CHECK(fabs(r.fano - 1.0) < 0.05, "poisson fano %.5f", r.fano);
  io_stats_result_fini(&r);
  free(t);
  free(id);
}

static void test_synchronous(void)
{
  /* 10 neurons, all firing at the same irregular ticks */
  enum { N = 10, S = 50 };
  sim_time t[N * S];
  uint32_t id[N * S];
  sim_time tick = 0;
  for (int k = 0; k < S; k++) {
    tick += 7 + (sim_time)(uniform() * 40);
    for (int j = 0; j < N; j++) {
      t[k * N + j] = tick;
      id[k * N + j] = (uint32_t)j;
    }
  }
  io_stats_cfg c = cfg_of(N);
  io_stats_result r;
  run(&c, t, id, N * S, tick + 1, &r);
  CHECK(fabs(r.chi - 1.0) < 1e-12, "synchronous chi %.17g", r.chi);
  CHECK(fabs(r.mean_corr - 1.0) < 1e-12 && r.corr_pairs == N * (N - 1) / 2,
        "synchronous corr %.17g over %llu pairs", r.mean_corr,
        (unsigned long long)r.corr_pairs);
  CU_ASSERT(r.cv_neurons == N);
  io_stats_result_fini(&r);
}

static void test_hand_worked(void)
{
  /* bins of 10 ticks over [0, 40): neuron 0 fires in bins 0 and 2, neuron
     1 alike: c = 2 0 2 0, mean 1, var 1: Fano 1; x_0 = x_1: chi 1, r 1 */
  const sim_time t[] = {0, 1, 20, 21};
  const uint32_t id[] = {0, 1, 0, 1};
  io_stats_cfg c = cfg_of(2);
  io_stats_result r;
  run(&c, t, id, 4, 40, &r);
  CHECK(fabs(r.fano - 1.0) < 1e-15, "fano %.17g", r.fano);
  CHECK(fabs(r.chi - 1.0) < 1e-15, "chi %.17g", r.chi);
  CHECK(fabs(r.mean_corr - 1.0) < 1e-15, "corr %.17g", r.mean_corr);
  CU_ASSERT(isnan(r.cv_isi) && r.cv_neurons == 0); /* 2 spikes each */
  /* population rate per bin: 2 spikes / (2 neurons * 1 ms) = 1000 Hz or 0 */
  CHECK(fabs(r.pop_rate_mean_hz - 500.0) < 1e-9 && fabs(r.pop_rate_sd_hz - 500.0) < 1e-9,
        "pop rate %.17g sd %.17g", r.pop_rate_mean_hz, r.pop_rate_sd_hz);
  io_stats_result_fini(&r);

  /* anti-phase: neuron 0 in bins 0, 2; neuron 1 in bins 1, 3: c = 1 1 1 1 */
  const sim_time u[] = {0, 10, 20, 30};
  const uint32_t uid[] = {0, 1, 0, 1};
  run(&c, u, uid, 4, 40, &r);
  CHECK(r.fano == 0.0, "anti-phase fano %.17g", r.fano);
  CHECK(r.chi == 0.0, "anti-phase chi %.17g", r.chi);
  CHECK(fabs(r.mean_corr + 1.0) < 1e-15, "anti-phase corr %.17g", r.mean_corr);
  io_stats_result_fini(&r);
}

static void test_partial_bin_and_undefined(void)
{
  /* window [0, 45): 4 whole bins; the spike at 42 counts in spikes and
     rate but not in the bins */
  const sim_time t[] = {5, 42};
  const uint32_t id[] = {0, 0};
  io_stats_cfg c = cfg_of(3);
  io_stats_result r;
  run(&c, t, id, 2, 45, &r);
  CU_ASSERT(r.spikes == 2 && r.nbins == 4 && r.binned_spikes == 1);
  CHECK(fabs(r.rate_hz - 2.0 / (3 * 4.5e-3)) < 1e-9, "rate %.17g", r.rate_hz);
  CU_ASSERT(r.isis == 1 && r.isi_counts[0] == 1);
  io_stats_result_fini(&r);
  /* no spike at all */
  run(&c, t, id, 0, 45, &r);
  CU_ASSERT(r.spikes == 0 && r.rate_hz == 0.0);
  CU_ASSERT(isnan(r.fano) && isnan(r.chi) && isnan(r.mean_corr) && isnan(r.cv_isi));
  io_stats_result_fini(&r);
  /* no whole bin */
  run(&c, t, id, 1, 8, &r);
  CU_ASSERT(r.nbins == 0 && isnan(r.fano) && isnan(r.pop_rate_mean_hz));
  io_stats_result_fini(&r);
  /* a bad configuration */
  io_stats *s = NULL;
  c.bin_ticks = 0;
  CU_ASSERT(io_stats_create(&c, &s) != 0 && s == NULL);
}

static void test_corr_direct(void)
{
  /* 30 neurons at random, a sample of 7 (neurons 0, 4, 8, 12, 17, 21, 25):
     the mean Pearson r against a two-pass computation on the bin counts */
  enum { N = 30, P = 7, B = 50, BT = 10 };
  static sim_time t[20000];
  static uint32_t id[20000];
  static double x[N][B];
  size_t n = 0;
  for (sim_time tick = 0; tick < B * BT; tick++)
    for (uint32_t j = 0; j < N; j++)
      if (uniform() < 0.02 + 0.01 * (j % 3) + (tick % 100 < 20 ? 0.03 : 0)) {
        t[n] = tick;
        id[n++] = j;
        x[j][tick / BT] += 1;
      }
  io_stats_cfg c = cfg_of(N);
  c.pairs = P;
  io_stats_result r;
  run(&c, t, id, n, B * BT, &r);
  double sum = 0;
  int pairs = 0;
  uint32_t who[P];
  for (uint32_t j = 0; j < P; j++)
    who[j] = j * N / P;
  for (int a = 0; a < P; a++)
    for (int b = a + 1; b < P; b++) {
      double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
      for (int k = 0; k < B; k++) {
        ma += x[who[a]][k] / B;
        mb += x[who[b]][k] / B;
      }
      for (int k = 0; k < B; k++) {
        double da = x[who[a]][k] - ma, db = x[who[b]][k] - mb;
        sab += da * db;
        saa += da * da;
        sbb += db * db;
      }
      if (saa > 0 && sbb > 0) {
        sum += sab / sqrt(saa * sbb);
        pairs++;
      }
    }
  CU_ASSERT(r.corr_neurons == P);
  CHECK((int)r.corr_pairs == pairs && fabs(r.mean_corr - sum / pairs) < 1e-12,
        "corr %.17g over %llu pairs, direct %.17g over %d", r.mean_corr,
        (unsigned long long)r.corr_pairs, sum / pairs, pairs);
  /* Golomb's chi, directly: var(mean_i x_i) / mean_i var(x_i) */
  double pm[B] = {0}, m = 0, v = 0, vi = 0;
  for (int k = 0; k < B; k++) {
    for (int j = 0; j < N; j++)
      pm[k] += x[j][k] / N;
    m += pm[k] / B;
  }
  for (int k = 0; k < B; k++)
    v += (pm[k] - m) * (pm[k] - m) / B;
  for (int j = 0; j < N; j++) {
    double mj = 0, vj = 0;
    for (int k = 0; k < B; k++)
      mj += x[j][k] / B;
    for (int k = 0; k < B; k++)
      vj += (x[j][k] - mj) * (x[j][k] - mj) / B;
    vi += vj / N;
  }
  CHECK(fabs(r.chi - sqrt(v / vi)) < 1e-12 * sqrt(v / vi), "chi %.17g, direct %.17g", r.chi,
        sqrt(v / vi));
  io_stats_result_fini(&r);
}

int test_stats_register(void)
{
  CU_pSuite s = CU_add_suite("stats", NULL, NULL);
  if (!s)
    return -1;
  if (!CU_add_test(s, "regular train: CV 0, one ISI bin, constant counts", test_regular) ||
      !CU_add_test(s, "Poisson train: CV and Fano near 1", test_poisson) ||
      !CU_add_test(s, "synchronous neurons: chi 1, correlation 1", test_synchronous) ||
      !CU_add_test(s, "hand-worked Fano, chi, r; anti-phase -1", test_hand_worked) ||
      !CU_add_test(s, "trailing partial bin; undefined statistics are NaN",
                   test_partial_bin_and_undefined) ||
      !CU_add_test(s, "mean correlation and chi vs a direct two-pass computation",
                   test_corr_direct))
    return -1;
  return 0;
}
