/*
 * sim_rng.c: pcg32 seeding, stream keying and distributions.
 */
#include "sim_rng.h"

#include <math.h>

void sim_rng_seed(sim_rng *rng, uint64_t initstate, uint64_t initseq)
{
  rng->state = 0u;
  rng->inc = (initseq << 1u) | 1u;
  (void)sim_rng_u32(rng);
  rng->state += initstate;
  (void)sim_rng_u32(rng);
}

/* The one keyed hash of the simulator: splitmix64's output function
   (Steele, Lea & Flood 2014), a bijection of 64-bit words with full
   avalanche, chained over the key's words.  Streams (below) and the
   stateless per-synapse draws of device physics both come from it. */
uint64_t sim_mix64(uint64_t z)
{
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t sim_hash3(uint64_t a, uint64_t b, uint64_t c)
{
  return sim_mix64(sim_mix64(sim_mix64(a) ^ b) ^ c);
}

uint64_t sim_hash4(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
  return sim_mix64(sim_hash3(a, b, c) ^ d);
}

void sim_rng_stream(sim_rng *rng, uint64_t seed, uint64_t gid, uint32_t purpose,
                    uint32_t sub)
{
  uint64_t k = sim_hash3(seed, gid, ((uint64_t)purpose << 32) | sub);
  sim_rng_seed(rng, k, sim_mix64(k ^ 0x5851f42d4c957f2dULL));
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
void sim_rng_u32_each(sim_rng *restrict rng, uint32_t *restrict u, uint32_t n)
{
  for (uint32_t i = 0; i < n; i++)
    u[i] = sim_rng_u32(&rng[i]);
}

uint32_t sim_rng_below(sim_rng *rng, uint32_t bound)
{
  uint64_t m = (uint64_t)sim_rng_u32(rng) * bound;
  uint32_t low = (uint32_t)m;
  if (low < bound) {
    uint32_t threshold = (uint32_t)(-bound) % bound;
    while (low < threshold) {
      m = (uint64_t)sim_rng_u32(rng) * bound;
      low = (uint32_t)m;
    }
  }
  return (uint32_t)(m >> 32);
}

/* Ziggurat (Marsaglia & Tsang 2000, 128 layers) on 64 random bits per
   try: bits 0-6 pick the layer, bit 7 the sign, bits 11-63 the abscissa
   (53 bits), so no bit serves twice (the flaw of the original RNOR).
   Layer i is the rectangle [0, x[i]] x [f(x[i]), f(x[i+1])] of equal area
   v under f(x) = exp(-x^2 / 2); layer 0 is the base strip with the tail
   beyond r.  98.8 % of tries return after one multiply and one compare;
   the rest test the wedge against f, or draw the tail (Marsaglia 1964).
   Exact up to the 53-bit abscissa; the tables are computed on first use. */
#define ZIG_N 128
#define ZIG_R 3.442619855899
#define ZIG_V 9.91256303526217e-3
static double zig_x[ZIG_N + 1], zig_ratio[ZIG_N], zig_f[ZIG_N + 1];
static int zig_ready;

static void zig_init(void)
{
  double f = exp(-0.5 * ZIG_R * ZIG_R);
  zig_x[0] = ZIG_V / f;
  zig_x[1] = ZIG_R;
  for (int i = 1; i < ZIG_N - 1; i++)
    zig_x[i + 1] = sqrt(-2.0 * log(ZIG_V / zig_x[i] + exp(-0.5 * zig_x[i] * zig_x[i])));
  zig_x[ZIG_N] = 0;
  for (int i = 0; i <= ZIG_N; i++)
    zig_f[i] = exp(-0.5 * zig_x[i] * zig_x[i]);
  for (int i = 0; i < ZIG_N; i++)
    zig_ratio[i] = zig_x[i + 1] / zig_x[i];
  zig_ready = 1;
}

double sim_rng_normal(sim_rng *rng)
{
  if (!zig_ready)
    zig_init();
  for (;;) {
    uint64_t b = ((uint64_t)sim_rng_u32(rng) << 32) | sim_rng_u32(rng);
    const int i = (int)(b & (ZIG_N - 1));
    const double sign = (b & 128) ? -1.0 : 1.0;
    const double u = (double)(b >> 11) * (1.0 / 9007199254740992.0);
    if (u < zig_ratio[i]) /* inside the layer's core: under the curve */
      return sign * u * zig_x[i];
    if (i == 0) { /* the tail beyond r */
      double x, y;
      do {
        x = -log(sim_rng_open01(rng)) / ZIG_R;
        y = -log(sim_rng_open01(rng));
      } while (y + y < x * x);
      return sign * (ZIG_R + x);
    }
    const double x = u * zig_x[i];
    if (zig_f[i] + sim_rng_uniform(rng) * (zig_f[i + 1] - zig_f[i]) < exp(-0.5 * x * x))
      return sign * x;
  }
}

double sim_rng_exponential(sim_rng *rng) { return -log(sim_rng_open01(rng)); }

/* PTRS transformed rejection (Hormann 1993) for mean >= 10. */
static uint32_t poisson_ptrs(sim_rng *rng, double lam)
{
  double slam = sqrt(lam), loglam = log(lam);
  double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
  double invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    double u = sim_rng_uniform(rng) - 0.5, v = sim_rng_open01(rng);
    double us = 0.5 - fabs(u);
    double k = floor((2 * a / us + b) * u + lam + 0.43);
    if (k >= 4294967295.0) /* beyond 32 bits: saturate (callers bound lam) */
      return UINT32_MAX;
    if (us >= 0.07 && v <= vr)
      return (uint32_t)k;
    if (k < 0 || (us < 0.013 && v > us))
      continue;
    if (log(v) + log(invalpha) - log(a / (us * us) + b) <=
        -lam + k * loglam - lgamma(k + 1))
      return (uint32_t)k;
  }
}

uint32_t sim_rng_poisson(sim_rng *rng, double mean)
{
  if (mean <= 0)
    return 0;
  if (mean >= 10)
    return poisson_ptrs(rng, mean);
  /* Inversion by sequential search. */
  double u = sim_rng_uniform(rng), p = exp(-mean), cdf = p;
  uint32_t k = 0;
  while (u > cdf && k < 1000) {
    k++;
    p *= mean / k;
    cdf += p;
  }
  return k;
}

uint64_t sim_rng_geometric(sim_rng *rng, double p)
{
  if (p >= 1.0)
    return 0;
  double g = floor(log(sim_rng_open01(rng)) / log1p(-p));
  return g >= 4.6e18 ? UINT64_MAX / 2 : (uint64_t)g;
}

double sim_rng_gamma(sim_rng *rng, double a)
{
  if (a < 1) /* boost: G(a) = G(a + 1) U^(1/a) */
    return sim_rng_gamma(rng, a + 1) * pow(sim_rng_open01(rng), 1.0 / a);
  double d = a - 1.0 / 3, c = 1 / sqrt(9 * d);
  for (;;) {
    double x = sim_rng_normal(rng), v = 1 + c * x;
    if (v <= 0)
      continue;
    v = v * v * v;
    double u = sim_rng_open01(rng);
    if (u < 1 - 0.0331 * x * x * x * x || log(u) < 0.5 * x * x + d * (1 - v + log(v)))
      return d * v;
  }
}

/* Inversion for n p < 30, p <= 1/2: walk the pmf from 0 (q^n does not
   underflow for these n p); the rare u beyond the summed mass restarts. */
static uint64_t binomial_inversion(sim_rng *rng, uint64_t n, double p)
{
  const double r = p / (1 - p), qn = exp((double)n * log1p(-p));
  for (;;) {
    double u = sim_rng_uniform(rng), pk = qn;
    uint64_t k = 0;
    while (u > pk && k < n && !(pk == 0 && (double)k > (double)n * p)) {
      u -= pk;
      k++;
      pk *= r * (double)(n - k + 1) / (double)k;
    }
    if (u <= pk)
      return k;
  }
}

uint64_t sim_rng_binomial(sim_rng *rng, uint64_t n, double p)
{
  uint64_t base = 0;
  int flip = 0;
  /* Devroye (1986, X.4.3): the i-th of n uniforms' order statistics is
     Beta(i, n + 1 - i); if it is <= p, i of the trials succeed and the
     remaining n - i succeed with p' = (p - X) / (1 - X), else the first
     i - 1 succeed with p' = p / X.  Iterative: flip keeps p <= 1/2 and
     base/sign account the successes fixed so far. */
  for (;;) {
    if (n == 0 || p <= 0)
      return base;
    if (p >= 1)
      return flip ? base - n : base + n;
    if (p > 0.5) {
      /* successes of p = n - successes of 1 - p */
      base = flip ? base - n : base + n;
      flip = !flip;
      p = 1 - p;
    }
    if ((double)n * p < 30) {
      uint64_t k = binomial_inversion(rng, n, p);
      return flip ? base - k : base + k;
    }
    uint64_t i = (n + 1) / 2;
    double ga = sim_rng_gamma(rng, (double)i), gb = sim_rng_gamma(rng, (double)(n + 1 - i));
    double x = ga / (ga + gb);
    if (x <= p) {
      base = flip ? base - i : base + i;
      n -= i;
      p = (p - x) / (1 - x);
    } else {
      n = i - 1;
      p = p / x;
    }
  }
}

void sim_cdf_table_init(sim_cdf_table *tab, const double *pmf, int n)
{
  double cdf = 0;
  if (n > SIM_CDF_MAX)
    n = SIM_CDF_MAX;
  tab->n = 0;
  for (int k = 0; k < n; k++) {
    cdf += pmf[k];
    if (!(cdf >= 0)) /* NaN (a law of rate 0 divides 0 by 0): stop, the
                        table holds what came before */
      break;
    double s = nearbyint(cdf * 4294967296.0);
    tab->cdf[k] = s >= 4294967296.0 ? 4294967296ull : (uint64_t)s;
    tab->n = k + 1;
    if (tab->cdf[k] == 4294967296ull)
      break;
  }
  /* Mass missing only by rounding: give the remainder to the last entry. */
  if (tab->n && tab->cdf[tab->n - 1] < 4294967296ull && 1.0 - cdf < 1e-12)
    tab->cdf[tab->n - 1] = 4294967296ull;
  int k = 0;
  for (uint32_t g = 0; g < (1u << SIM_CDF_GUIDE_BITS); g++) {
    const uint64_t lo = (uint64_t)g << (32 - SIM_CDF_GUIDE_BITS);
    while (k < tab->n && tab->cdf[k] <= lo)
      k++;
    tab->guide[g] = (uint8_t)k;
  }
}
