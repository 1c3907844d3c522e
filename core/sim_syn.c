/*
 * sim_syn.c: the CSR synapse table's storage and its two row forms.
 */
#include "sim_syn.h"

#include <math.h>
#include <string.h>

#include "sim_alloc.h"

void sim_syn_table_fini(sim_syn_table *t)
{
  sim_free(t->off);
  sim_free(t->row_src);
  sim_free(t->bucket);
  sim_free(t->tgt);
  sim_free(t->w);
  sim_free(t->d);
  memset(t, 0, sizeof *t);
}

/* Bucket shift for nrows of src_n sources: ~2 rows a bucket. */
static uint32_t bucket_shift(uint32_t src_n, uint64_t nrows)
{
  uint32_t b = 0;
  while (b < 31 && ((uint64_t)1 << (b + 1)) * nrows <= 2ull * src_n)
    b++;
  return b;
}

static size_t dense_bytes(uint32_t src_n) { return ((size_t)src_n + 1) * sizeof(uint64_t); }

static size_t sparse_bytes(uint32_t src_n, uint64_t nrows)
{
  size_t nb = ((size_t)src_n >> bucket_shift(src_n, nrows)) + 2;
  return ((size_t)nrows + 1) * sizeof(uint64_t) + (size_t)nrows * sizeof(uint32_t) +
         nb * sizeof(uint32_t);
}

static size_t rows_bytes(uint32_t src_n, uint64_t nrows)
{
  size_t a = dense_bytes(src_n), b = sparse_bytes(src_n, nrows);
  return a <= b ? a : b;
}

void sim_syn_table_compact(sim_syn_table *t)
{
  if (t->row_src || !t->off)
    return;
  uint32_t nrows = 0;
  for (uint32_t s = 0; s < t->src_n; s++)
    nrows += t->off[s + 1] > t->off[s];
  if (dense_bytes(t->src_n) <= sparse_bytes(t->src_n, nrows))
    return;
  uint64_t *off = sim_malloc(((size_t)nrows + 1) * sizeof *off, "synapse rows");
  uint32_t *src = sim_malloc(((size_t)nrows + 1) * sizeof *src, "synapse row sources");
  const uint32_t sh = bucket_shift(t->src_n, nrows);
  const size_t nb = ((size_t)t->src_n >> sh) + 2;
  uint32_t *bucket = sim_calloc(nb, sizeof *bucket, "synapse row buckets");
  uint32_t r = 0;
  for (uint32_t s = 0; s < t->src_n; s++)
    if (t->off[s + 1] > t->off[s]) {
      off[r] = t->off[s];
      src[r] = s;
      bucket[(s >> sh) + 1]++;
      r++;
    }
  off[nrows] = t->off[t->src_n];
  for (size_t b = 1; b < nb; b++)
    bucket[b] += bucket[b - 1];
  sim_free(t->off);
  t->off = off;
  t->row_src = src;
  t->bucket = bucket;
  t->bshift = sh;
  t->nrows = nrows;
}

uint32_t sim_syn_row_of(const sim_syn_table *t, uint64_t k)
{
  /* The last row r with off[r] <= k (empty rows share their offset with
     the next, so take the last). */
  uint32_t lo = 0, hi = t->nrows;
  while (hi - lo > 1) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (t->off[mid] <= k)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

size_t sim_syn_table_bytes_for(uint64_t nsyn, uint32_t src_n, int per_w, int per_d)
{
  size_t per = sizeof(uint32_t) + (per_w ? sizeof(float) : 0) + (per_d ? sizeof(uint16_t) : 0);
  double rows = src_n ? (double)src_n * -expm1(-(double)nsyn / src_n) : 0;
  return (size_t)nsyn * per + rows_bytes(src_n, (uint64_t)ceil(rows));
}

size_t sim_syn_table_bytes(const sim_syn_table *t)
{
  size_t per = sizeof(uint32_t) + (t->w ? sizeof(float) : 0) + (t->d ? sizeof(uint16_t) : 0);
  size_t rows = t->row_src ? sparse_bytes(t->src_n, t->nrows) : dense_bytes(t->src_n);
  return (size_t)t->nsyn * per + (t->off ? rows : 0);
}

void sim_syn_table_sort_by_delay(sim_syn_table *t)
{
  if (!t->d || t->by_delay || !t->nsyn) {
    t->by_delay = t->d != NULL;
    return;
  }
  const uint32_t lo = t->d_min, span = (uint32_t)t->d_max - lo + 1;
  uint64_t maxrow = 0;
  for (uint32_t r = 0; r < t->nrows; r++)
    if (t->off[r + 1] - t->off[r] > maxrow)
      maxrow = t->off[r + 1] - t->off[r];
  uint32_t *pos = sim_malloc(((size_t)span + 1) * sizeof *pos, "delay sort counts");
  uint32_t *tg = sim_malloc(maxrow * sizeof *tg + 4, "delay sort targets");
  float *w = t->w ? sim_malloc(maxrow * sizeof *w + 4, "delay sort weights") : NULL;
  uint16_t *d = sim_malloc(maxrow * sizeof *d + 2, "delay sort delays");
  for (uint32_t r = 0; r < t->nrows; r++) {
    const uint64_t k0 = t->off[r], n = t->off[r + 1] - k0;
    if (n < 2)
      continue;
    /* A counting sort: stable, so each delay keeps the row's target order
       and a target's synapses of one delay their draw order. */
    memset(pos, 0, ((size_t)span + 1) * sizeof *pos);
    for (uint64_t k = 0; k < n; k++)
      pos[t->d[k0 + k] - lo + 1]++;
    for (uint32_t b = 1; b <= span; b++)
      pos[b] += pos[b - 1];
    memcpy(tg, t->tgt + k0, n * sizeof *tg);
    memcpy(d, t->d + k0, n * sizeof *d);
    if (w)
      memcpy(w, t->w + k0, n * sizeof *w);
    for (uint64_t k = 0; k < n; k++) {
      const uint32_t q = pos[d[k] - lo]++;
      t->tgt[k0 + q] = tg[k];
      t->d[k0 + q] = d[k];
      if (w)
        t->w[k0 + q] = w[k];
    }
  }
  sim_free(pos);
  sim_free(tg);
  sim_free(w);
  sim_free(d);
  t->by_delay = 1;
}

sim_syn_span sim_syn_delay_run(const sim_syn_table *t, uint64_t k0, uint64_t k1, uint16_t d)
{
  uint64_t a = k0, b = k1;
  while (a < b) { /* first entry with delay >= d */
    uint64_t m = a + (b - a) / 2;
    if (t->d[m] < d)
      a = m + 1;
    else
      b = m;
  }
  uint64_t e = a;
  while (e < k1 && t->d[e] == d)
    e++;
  return (sim_syn_span){a, e};
}

void sim_sink_refs_grow(sim_sink_refs *r)
{
  r->cap = r->cap ? 2 * r->cap : 256;
  r->v = sim_realloc(r->v, (size_t)r->cap * sizeof *r->v, "deferred runs");
}

/* Runs whose first lines the flush loads ahead. */
#define FLUSH_AHEAD 16

/* One run's adds: per-synapse weights or one weight, into one row (the
   cases of sim_sink_flush, one loop each). */
static inline __attribute__((always_inline)) void
flush_run(double *r0, double *r1, const uint32_t *restrict tg, const float *restrict w,
          double w_const, uint32_t n, const int per_w, const int by_sign)
{
  for (uint32_t k = 0; k < n; k++) {
    const double wk = per_w ? (double)w[k] : w_const;
    (by_sign && wk < 0 ? r1 : r0)[tg[k]] += wk;
  }
}

int sim_sink_flush(const sim_sink *k, sim_time t)
{
  sim_sink_refs *rs = &k->defer[(uint32_t)t & k->smask];
  const uint32_t n = rs->n;
  if (!n)
    return 0;
  const sim_sink_ref *v = rs->v;
  for (uint32_t q = 0; q < n; q++) {
    if (q + FLUSH_AHEAD < n) {
      /* The lines the run spans (4-byte entries: 16 a line), no more. */
      const sim_sink_ref *a = &v[q + FLUSH_AHEAD];
      const uintptr_t t0 = (uintptr_t)(a->tab->tgt + a->k0) & ~(uintptr_t)63,
                      t1 = (uintptr_t)(a->tab->tgt + a->k0 + a->n - 1);
      for (uintptr_t l = t0; l <= t1; l += 64)
        __builtin_prefetch((const void *)l);
      if (a->tab->w) {
        const uintptr_t w0 = (uintptr_t)(a->tab->w + a->k0) & ~(uintptr_t)63,
                        w1 = (uintptr_t)(a->tab->w + a->k0 + a->n - 1);
        for (uintptr_t l = w0; l <= w1; l += 64)
          __builtin_prefetch((const void *)l);
      }
    }
    const sim_syn_table *tab = v[q].tab;
    const uint32_t *tg = tab->tgt + v[q].k0;
    const float *w = tab->w ? tab->w + v[q].k0 : NULL;
    double *r0 = k->acc[k->by_sign ? 0 : v[q].port], *r1 = k->acc[k->by_sign ? 1 : v[q].port];
    if (k->by_sign && w)
      flush_run(r0, r1, tg, w, 0, v[q].n, 1, 1);
    else if (k->by_sign)
      flush_run(r0, r1, tg, NULL, tab->w_const, v[q].n, 0, 1);
    else if (w)
      flush_run(r0, r0, tg, w, 0, v[q].n, 1, 0);
    else
      flush_run(r0, r0, tg, NULL, tab->w_const, v[q].n, 0, 0);
  }
  rs->n = 0;
  /* Then the ring's row (the direct adds) joins in, one pass in order,
     which also clears it. */
  for (int p = 0; p < SIM_MAX_PORTS; p++)
    if (k->ring[p]) {
      double *restrict a = k->acc[p], *restrict r = sim_sink_row(k, p, t);
      for (uint32_t j = 0; j < k->nlocal; j++) {
        a[j] += r[j];
        r[j] = 0;
      }
    }
  return 1;
}
