/*
 * test_rng.c: pcg32 against the reference outputs of O'Neill's demo, and
 * the distributions against their moments.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <string.h>

#include "../core/sim_rng.h"
#include "test_suites.h"

static void test_reference_outputs(void)
{
  /* pcg32-demo: pcg32_srandom_r(&rng, 42u, 54u), first six outputs. */
  static const uint32_t want[] = {0xa15c02b7, 0x7b47f409, 0xba1d3330,
                                  0x83d2f293, 0xbfa4784b, 0xcbed606e};
  sim_rng r;
  sim_rng_seed(&r, 42u, 54u);
  for (int i = 0; i < 6; i++)
    CU_ASSERT_EQUAL(sim_rng_u32(&r), want[i]);
}

static void test_streams_differ_and_repeat(void)
{
  sim_rng a, b, c;
  sim_rng_stream(&a, 7, 100, SIM_RNG_CONNECT, 0);
  sim_rng_stream(&b, 7, 101, SIM_RNG_CONNECT, 0);
  sim_rng_stream(&c, 7, 100, SIM_RNG_CONNECT, 0);
  int same_ab = 0;
  for (int i = 0; i < 100; i++) {
    uint32_t x = sim_rng_u32(&a), y = sim_rng_u32(&b), z = sim_rng_u32(&c);
    same_ab += x == y;
    CU_ASSERT_EQUAL(x, z);
  }
  CU_ASSERT(same_ab < 3);
  sim_rng d, e;
  sim_rng_stream(&d, 7, 100, SIM_RNG_WEIGHT, 0);
  sim_rng_stream(&e, 7, 100, SIM_RNG_CONNECT, 1);
  sim_rng_stream(&a, 7, 100, SIM_RNG_CONNECT, 0);
  uint32_t x = sim_rng_u32(&a);
  CU_ASSERT_NOT_EQUAL(x, sim_rng_u32(&d));
  CU_ASSERT_NOT_EQUAL(x, sim_rng_u32(&e));
}

/* Mean and variance of n draws within 5 standard errors of (m, v). */
static void check_moments(double sum, double sum2, int n, double m, double v)
{
  double mean = sum / n, var = sum2 / n - mean * mean;
  CU_ASSERT(fabs(mean - m) < 5 * sqrt(v / n));
  /* var of the sample variance ~ 2 v^2 / n for near-normal; 4x margin. */
  CU_ASSERT(fabs(var - v) < 5 * sqrt(4 * v * v / n) + 1e-12);
}

/* The ziggurat normal against Phi: the fraction below each point, over
   the layers, the wedges and the tail beyond r = 3.44, within 5 standard
   errors of 2e6 draws (a wrong table or tail shifts these by far more). */
static void test_normal_cdf(void)
{
  static const double pts[] = {-4.0, -3.44, -3.0, -2.0, -1.0, -0.3, 0.0,
                               0.7, 1.5, 2.5, 3.2, 3.6, 4.5};
  enum { NP = sizeof pts / sizeof pts[0] };
  long below[NP] = {0};
  const long n = 2000000;
  sim_rng r;
  sim_rng_stream(&r, 11, 12, 13, 14);
  for (long k = 0; k < n; k++) {
    double x = sim_rng_normal(&r);
    for (int i = 0; i < NP; i++)
      below[i] += x < pts[i];
  }
  for (int i = 0; i < NP; i++) {
    double p = 0.5 * erfc(-pts[i] / sqrt(2.0)), e = (double)below[i] / n;
    CU_ASSERT(fabs(e - p) < 5 * sqrt(p * (1 - p) / n) + 1e-7);
  }
}

static void test_distributions(void)
{
  sim_rng r;
  sim_rng_stream(&r, 1, 2, 3, 4);
  const int n = 200000;
  double s = 0, s2 = 0;
  for (int i = 0; i < n; i++) {
    double x = sim_rng_uniform(&r);
    CU_ASSERT(x >= 0 && x < 1);
    s += x;
    s2 += x * x;
  }
  check_moments(s, s2, n, 0.5, 1.0 / 12);
  s = s2 = 0;
  for (int i = 0; i < n; i++) {
    double x = sim_rng_normal(&r);
    s += x;
    s2 += x * x;
  }
  check_moments(s, s2, n, 0, 1);
  s = s2 = 0;
  for (int i = 0; i < n; i++) {
    double x = sim_rng_exponential(&r);
    s += x;
    s2 += x * x;
  }
  check_moments(s, s2, n, 1, 1);
  const double means[] = {0.3, 2.0, 9.5, 35.0, 800.0};
  for (int k = 0; k < 5; k++) {
    s = s2 = 0;
    for (int i = 0; i < n; i++) {
      double x = sim_rng_poisson(&r, means[k]);
      s += x;
      s2 += x * x;
    }
    check_moments(s, s2, n, means[k], means[k]);
  }
  s = s2 = 0;
  const double p = 0.1; /* failures before success: mean (1-p)/p, var (1-p)/p^2 */
  for (int i = 0; i < n; i++) {
    double x = (double)sim_rng_geometric(&r, p);
    s += x;
    s2 += x * x;
  }
  check_moments(s, s2, n, (1 - p) / p, (1 - p) / (p * p));
}

/* Binomial over both methods (inversion below n p = 30, the recursive
   split above), p on either side of 1/2, and the edges; gamma moments. */
static void test_binomial_gamma(void)
{
  sim_rng r;
  sim_rng_stream(&r, 7, 8, 9, 10);
  const struct { uint64_t n; double p; } cases[] = {
      {10, 0.3}, {1000, 0.01}, {59, 0.5}, {200, 0.9}, {100000, 0.37},
      {45499805, 1.0 / 20683}, {3000000000ULL, 0.999}};
  const int n = 40000;
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    double s = 0, s2 = 0;
    int inside = 1;
    for (int i = 0; i < n; i++) {
      uint64_t k = sim_rng_binomial(&r, cases[c].n, cases[c].p);
      inside &= k <= cases[c].n;
      s += (double)k;
      s2 += (double)k * (double)k;
    }
    CU_ASSERT(inside);
    double m = (double)cases[c].n * cases[c].p;
    check_moments(s, s2, n, m, m * (1 - cases[c].p));
  }
  CU_ASSERT_EQUAL(sim_rng_binomial(&r, 0, 0.5), 0);
  CU_ASSERT_EQUAL(sim_rng_binomial(&r, 17, 0), 0);
  CU_ASSERT_EQUAL(sim_rng_binomial(&r, 17, 1), 17);
  /* Same stream, same value (no hidden state). */
  sim_rng a, b;
  sim_rng_stream(&a, 1, 1, 1, 1);
  sim_rng_stream(&b, 1, 1, 1, 1);
  CU_ASSERT_EQUAL(sim_rng_binomial(&a, 123456, 0.3), sim_rng_binomial(&b, 123456, 0.3));
  const double shapes[] = {0.4, 1.0, 7.5, 5000.0};
  for (int k = 0; k < 4; k++) {
    double s = 0, s2 = 0;
    for (int i = 0; i < n; i++) {
      double x = sim_rng_gamma(&r, shapes[k]);
      s += x;
      s2 += x * x;
    }
    check_moments(s, s2, n, shapes[k], shapes[k]);
  }
}

static void test_below_unbiased(void)
{
  sim_rng r;
  sim_rng_stream(&r, 9, 9, 9, 9);
  int counts[7] = {0};
  const int n = 70000;
  for (int i = 0; i < n; i++) {
    uint32_t x = sim_rng_below(&r, 7);
    CU_ASSERT_FATAL(x < 7);
    counts[x]++;
  }
  double chi2 = 0, e = n / 7.0;
  for (int k = 0; k < 7; k++)
    chi2 += (counts[k] - e) * (counts[k] - e) / e;
  CU_ASSERT(chi2 < 22.5); /* chi2(6) at p = 0.001 */
}

/* sim_rng_u32_each (vectorized) == one scalar step per stream, for every
   length around the vector widths, and the streams end in the same state. */
static void test_u32_each(void)
{
  enum { N = 131 };
  sim_rng a[N], b[N];
  uint32_t u[N];
  for (uint32_t n = 0; n <= N; n += n < 20 ? 1 : 37) {
    for (uint32_t i = 0; i < N; i++) {
      sim_rng_stream(&a[i], 42, i, SIM_RNG_POISSON, n);
      b[i] = a[i];
    }
    for (int rep = 0; rep < 3; rep++) {
      sim_rng_u32_each(a, u, n);
      int same = 1;
      for (uint32_t i = 0; i < n; i++)
        same &= u[i] == sim_rng_u32(&b[i]);
      CU_ASSERT(same);
    }
    int state = 1;
    for (uint32_t i = 0; i < N; i++)
      state &= a[i].state == b[i].state && a[i].inc == b[i].inc;
    CU_ASSERT(state);
  }
}

static void test_cdf_table(void)
{
  /* Poisson(2) pmf: draws through the table follow it (chi-square). */
  double pmf[SIM_CDF_MAX], p = exp(-2.0);
  for (int k = 0; k < SIM_CDF_MAX; k++) {
    pmf[k] = p;
    p *= 2.0 / (k + 1);
  }
  sim_cdf_table t;
  sim_cdf_table_init(&t, pmf, SIM_CDF_MAX);
  CU_ASSERT_EQUAL(t.cdf[t.n - 1], 4294967296ull);
  sim_rng r;
  sim_rng_stream(&r, 5, 5, 5, 5);
  int counts[8] = {0};
  const int n = 100000;
  for (int i = 0; i < n; i++) {
    int k = sim_cdf_table_draw(&t, &r);
    CU_ASSERT_FATAL(k >= 0);
    counts[k < 7 ? k : 7]++;
  }
  double chi2 = 0, tail = 1;
  for (int k = 0; k < 7; k++) {
    chi2 += (counts[k] - n * pmf[k]) * (counts[k] - n * pmf[k]) / (n * pmf[k]);
    tail -= pmf[k];
  }
  chi2 += (counts[7] - n * tail) * (counts[7] - n * tail) / (n * tail);
  CU_ASSERT(chi2 < 24.3); /* chi2(7) at p = 0.001 */
  /* A table that does not hold the whole mass reports the tail. */
  double half[2] = {0.25, 0.25};
  sim_cdf_table_init(&t, half, 2);
  int tails = 0;
  for (int i = 0; i < 10000; i++)
    tails += sim_cdf_table_draw(&t, &r) < 0;
  CU_ASSERT(tails > 4700 && tails < 5300);
}

/* The guide table only says where the scan starts: every 32-bit draw
   selects the entry the plain linear scan selects, for laws with many
   entries in one guide bucket, empty entries, a missing tail and none. */
static int plain_scan(const sim_cdf_table *t, uint64_t u)
{
  for (int k = 0; k < t->n; k++)
    if (u < t->cdf[k])
      return k;
  return -1;
}

static void test_cdf_guide(void)
{
  static const double means[] = {0.7, 2.0, 25.0, 60.0};
  sim_cdf_table t;
  for (int m = 0; m < 6; m++) {
    double pmf[SIM_CDF_MAX];
    int n = SIM_CDF_MAX;
    if (m < 4) {
      double p = exp(-means[m]);
      for (int k = 0; k < SIM_CDF_MAX; k++) {
        pmf[k] = p;
        p *= means[m] / (k + 1);
      }
    } else if (m == 4) { /* zeros, a fine-grained bucket, a missing tail */
      static const double odd[] = {0, 0, 1e-9, 2e-9, 0.3, 0, 0.0001, 0.2};
      memcpy(pmf, odd, sizeof odd);
      n = 8;
    } else {
      n = 0;
    }
    sim_cdf_table_init(&t, pmf, n);
    sim_rng r;
    sim_rng_stream(&r, 9, (uint64_t)m, 5, 1);
    for (int i = 0; i < 200000; i++) {
      sim_rng c = r;
      uint64_t u = sim_rng_u32(&c);
      CU_ASSERT_EQUAL_FATAL(sim_cdf_table_draw(&t, &r), plain_scan(&t, u));
    }
    /* The edges of every entry and every guide bucket. */
    for (int k = 0; k < t.n; k++)
      for (int64_t du = -1; du <= 1; du++) {
        int64_t u = (int64_t)t.cdf[k] + du;
        if (u < 0 || u > UINT32_MAX)
          continue;
        int g = t.guide[(uint64_t)u >> (32 - SIM_CDF_GUIDE_BITS)], j = g;
        while (j < t.n && (uint64_t)u >= t.cdf[j])
          j++;
        CU_ASSERT_EQUAL(j < t.n ? j : -1, plain_scan(&t, (uint64_t)u));
      }
  }
}

int test_rng_register(void)
{
  CU_pSuite s = CU_add_suite("rng", NULL, NULL);
  if (!s)
    return -1;
  if (!CU_add_test(s, "pcg32 reference outputs", test_reference_outputs) ||
      !CU_add_test(s, "streams keyed by (seed, gid, purpose)", test_streams_differ_and_repeat) ||
      !CU_add_test(s, "distribution moments", test_distributions) ||
      !CU_add_test(s, "normal against Phi (ziggurat, tail)", test_normal_cdf) ||
      !CU_add_test(s, "binomial and gamma moments", test_binomial_gamma) ||
      !CU_add_test(s, "bounded integers unbiased", test_below_unbiased) ||
      !CU_add_test(s, "cdf table draws", test_cdf_table) ||
      !CU_add_test(s, "one step of many streams == scalar steps", test_u32_each) ||
      !CU_add_test(s, "cdf guide table == linear scan", test_cdf_guide))
    return -1;
  return 0;
}
