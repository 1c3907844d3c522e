/*
 * net_cnn_pct.c: percentiles of activations (data-based normalization,
 * fine-tuning, the cores' ADC ranges), exact over values spread on ranks.
 *
 * Radix selection on the float bit patterns: mapped to keys whose unsigned
 * order is the floats' order, the k-th smallest value is found a digit at
 * a time (the high RADIX_BITS first) from a histogram of the digit among
 * the keys that share the digits found so far.  Histograms are counts, so
 * summing them over ranks gives the histogram of the union: every rank
 * then walks the same counts to the same order statistic, whatever the
 * split, with no value leaving its rank.  Both order statistics numpy's
 * linear interpolation needs (k and k + 1) are found in the same passes.
 */
#include <math.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "net_cnn_int.h"

#define RADIX_BITS 16u                /* digit width: two rounds */
#define RADIX_BINS (1u << RADIX_BITS) /* bins per histogram */
#define RADIX_ROUNDS (32u / RADIX_BITS)

/* A key whose unsigned order is the float order (-0 just below +0). */
static uint32_t key_of(float f)
{
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u & 0x80000000u ? ~u : u | 0x80000000u;
}

static float float_of(uint32_t k)
{
  uint32_t u = k & 0x80000000u ? k & 0x7fffffffu : ~k;
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

/* Add the digit at `shift` of every key whose digits above it equal
   pre[t] (mask: those digits) to h[t] (h[1] NULL: one target). */
static void histogram(const float *v, size_t n, uint32_t shift, uint32_t mask,
                      const uint32_t pre[2], uint64_t *h0, uint64_t *h1)
{
  const uint32_t dmask = RADIX_BINS - 1;
  if (!mask) { /* first round: every key */
    for (size_t i = 0; i < n; i++)
      h0[key_of(v[i]) >> shift & dmask]++;
    return;
  }
  for (size_t i = 0; i < n; i++) {
    uint32_t k = key_of(v[i]);
    if ((k & mask) == pre[0])
      h0[k >> shift & dmask]++;
    else if (h1 && (k & mask) == pre[1])
      h1[k >> shift & dmask]++;
  }
}

/* The bin holding the r-th (0-based) key of histogram h; *r becomes the
   rank within the bin. */
static uint32_t walk(const uint64_t *h, uint64_t *r)
{
  uint32_t d = 0;
  while (h[d] <= *r)
    *r -= h[d++];
  return d;
}

static void reduce(const cnn_split *sp, uint64_t *h, size_t n)
{
  if (sp && sp->sum && sp->size > 1)
    sp->sum(sp->ctx, h, n);
}

double cnn_percentile_split(const float *v, size_t n, double p, const cnn_split *sp)
{
  uint64_t *h = sim_calloc(2 * (size_t)RADIX_BINS, sizeof *h, "percentile histogram");
  uint32_t pre[2] = {0, 0}, mask = 0;
  uint64_t r[2] = {0, 0};
  double pos = 0;
  uint64_t lo = 0;
  for (uint32_t round = 0; round < RADIX_ROUNDS; round++) {
    const uint32_t shift = 32 - RADIX_BITS * (round + 1);
    const int two = round > 0 && pre[0] != pre[1]; /* the targets' digits differ */
    const size_t nh = two ? 2 * (size_t)RADIX_BINS : RADIX_BINS;
    memset(h, 0, nh * sizeof *h);
    histogram(v, n, shift, mask, pre, h, two ? h + RADIX_BINS : NULL);
    reduce(sp, h, nh); /* the union's counts */
    if (round == 0) { /* the first histogram counts every value */
      uint64_t total = 0;
      for (uint32_t d = 0; d < RADIX_BINS; d++)
        total += h[d];
      if (!total) {
        sim_free(h);
        return 0;
      }
      pos = p / 100.0 * (double)(total - 1);
      lo = (uint64_t)floor(pos);
      if (lo > total - 1)
        lo = total - 1;
      r[0] = lo;
      r[1] = lo + 1 < total ? lo + 1 : lo;
    }
    uint32_t d0 = walk(h, &r[0]), d1 = walk(two ? h + RADIX_BINS : h, &r[1]);
    pre[0] |= d0 << shift;
    pre[1] |= d1 << shift;
    mask |= (RADIX_BINS - 1) << shift;
  }
  sim_free(h);
  float a = float_of(pre[0]), b = float_of(pre[1]);
  return a + (pos - (double)lo) * (b - a);
}

double cnn_percentile(const float *v, size_t n, double p)
{
  return cnn_percentile_split(v, n, p, NULL);
}
