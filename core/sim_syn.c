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
