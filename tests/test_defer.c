/*
 * test_defer.c: deferred delivery (core/sim_syn.h).  Delay-major rows keep
 * every synapse and, per (target, delay), the draw order; a static
 * projection's spikes deferred to their arrival ticks give each tick the
 * input the direct scatter gives, bit for bit (the same adds per target in
 * the same order), on both port layouts and with a constant weight.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_rng.h"
#include "../core/sim_syn.h"
#include "../synapses/syn_kinds.h"
#include "test_suites.h"

enum { NSRC = 24, NLOC = 70, FAN = 150, NSLOTS = 32, DMAX = 13 };

/* A dense table, rows sorted by target, random delays in [1, DMAX] and
   weights of either sign (per_w 0: one weight). */
static void make_table(sim_syn_table *t, uint64_t seed, int per_w)
{
  sim_rng r;
  sim_rng_seed(&r, seed, 7);
  memset(t, 0, sizeof *t);
  t->src_n = t->nrows = NSRC;
  t->nsyn = (uint64_t)NSRC * FAN;
  t->off = sim_malloc((NSRC + 1) * sizeof *t->off, "t");
  t->tgt = sim_malloc(t->nsyn * sizeof *t->tgt, "t");
  t->d = sim_malloc(t->nsyn * sizeof *t->d, "t");
  t->w = per_w ? sim_malloc(t->nsyn * sizeof *t->w, "t") : NULL;
  t->w_const = -87.3;
  t->d_min = 1;
  t->d_max = DMAX;
  for (uint32_t s = 0; s <= NSRC; s++)
    t->off[s] = (uint64_t)s * FAN;
  for (uint32_t s = 0; s < NSRC; s++) {
    uint32_t *tg = t->tgt + t->off[s];
    for (int k = 0; k < FAN; k++)
      tg[k] = sim_rng_below(&r, NLOC); /* multapses on purpose */
    for (int k = 1; k < FAN; k++) /* insertion sort: by target */
      for (int m = k; m > 0 && tg[m - 1] > tg[m]; m--) {
        uint32_t x = tg[m];
        tg[m] = tg[m - 1];
        tg[m - 1] = x;
      }
    for (int k = 0; k < FAN; k++) {
      t->d[t->off[s] + k] = (uint16_t)(1 + sim_rng_below(&r, DMAX));
      if (per_w)
        t->w[t->off[s] + k] = (float)(sim_rng_normal(&r) * 100.0 + 20.0);
    }
  }
}

static void test_sort_by_delay(void)
{
  sim_syn_table a, b;
  make_table(&a, 3, 1);
  make_table(&b, 3, 1);
  sim_syn_table_sort_by_delay(&b);
  CU_ASSERT_TRUE(b.by_delay);
  int ordered = 1, kept = 1;
  for (uint32_t s = 0; s < NSRC; s++) {
    const uint64_t k0 = a.off[s], k1 = a.off[s + 1];
    for (uint64_t k = k0 + 1; k < k1; k++)
      if (b.d[k - 1] > b.d[k] || (b.d[k - 1] == b.d[k] && b.tgt[k - 1] > b.tgt[k]))
        ordered = 0;
    /* Per (target, delay), the original order of the weights. */
    for (uint32_t j = 0; j < NLOC; j++)
      for (uint16_t d = 1; d <= DMAX; d++) {
        uint64_t p = k0, q = k0;
        for (;;) {
          while (p < k1 && !(a.tgt[p] == j && a.d[p] == d))
            p++;
          while (q < k1 && !(b.tgt[q] == j && b.d[q] == d))
            q++;
          if (p == k1 || q == k1) {
            if (p != q && (p == k1) != (q == k1))
              kept = 0;
            break;
          }
          if (a.w[p] != b.w[q])
            kept = 0;
          p++;
          q++;
        }
      }
  }
  CU_ASSERT_TRUE(ordered);
  CU_ASSERT_TRUE(kept);
  /* The run of a delay: exactly its entries. */
  const sim_syn_span run = sim_syn_delay_run(&b, b.off[5], b.off[6], 4);
  int exact = 1;
  for (uint64_t k = b.off[5]; k < b.off[6]; k++)
    if ((k >= run.k0 && k < run.k1) != (b.d[k] == 4))
      exact = 0;
  CU_ASSERT_TRUE(exact);
  sim_syn_table_fini(&a);
  sim_syn_table_fini(&b);
}

typedef struct test_sink {
  sim_sink k;
  sim_time pending;
} test_sink;

static void sink_init(test_sink *s, int by_sign, int defer)
{
  memset(s, 0, sizeof *s);
  sim_sink *k = &s->k;
  for (int p = 0; p < 2; p++) {
    k->ring[p] = sim_calloc((size_t)NSLOTS * NLOC, sizeof(double), "t");
    if (defer)
      k->acc[p] = sim_calloc(NLOC, sizeof(double), "t");
  }
  k->nlocal = NLOC;
  k->nwords = (NLOC + 63) / 64;
  k->smask = NSLOTS - 1;
  k->by_sign = by_sign;
  k->whole = 1;
  k->touched = sim_calloc((size_t)NSLOTS * k->nwords, sizeof(uint64_t), "t");
  k->pending_until = &s->pending;
  s->pending = -1;
  if (defer)
    k->defer = sim_calloc(NSLOTS, sizeof *k->defer, "t");
}

static void sink_fini(test_sink *s)
{
  for (int p = 0; p < 2; p++) {
    sim_free(s->k.ring[p]);
    sim_free(s->k.acc[p]);
  }
  sim_free(s->k.touched);
  if (s->k.defer)
    for (int q = 0; q < NSLOTS; q++)
      sim_free(s->k.defer[q].v);
  sim_free(s->k.defer);
}

/* Spikes at random ticks through the static kind into a direct and a
   deferred sink: every tick's input (what the update would read) is the
   same bits, and both say the same pending tick. */
static void run_same(int by_sign, int per_w)
{
  sim_syn_table a, b;
  make_table(&a, 11 + (uint64_t)per_w, per_w);
  make_table(&b, 11 + (uint64_t)per_w, per_w);
  sim_syn_table_sort_by_delay(&b);
  test_sink ds, fs;
  sink_init(&ds, by_sign, 0);
  sink_init(&fs, by_sign, 1);
  sim_rng r;
  sim_rng_seed(&r, 99, 1);
  int same = 1, pending = 1, fed = 0;
  const int port = by_sign ? 0 : 1;
  for (sim_time t = 0; t < 200; t++) {
    /* The tick's input, then its row cleared, as update_pop does. */
    const double *in[2];
    int from_acc = sim_sink_flush(&fs.k, t);
    for (int p = 0; p < 2; p++) {
      const double *dr = sim_sink_row(&ds.k, p, t);
      in[p] = from_acc ? fs.k.acc[p] : sim_sink_row(&fs.k, p, t);
      if (memcmp(dr, in[p], NLOC * sizeof(double)))
        same = 0;
      for (uint32_t j = 0; j < NLOC; j++)
        fed += dr[j] != 0;
    }
    for (int p = 0; p < 2; p++) {
      memset(sim_sink_row(&ds.k, p, t), 0, NLOC * sizeof(double));
      memset(sim_sink_row(&fs.k, p, t), 0, NLOC * sizeof(double));
      memset(fs.k.acc[p], 0, NLOC * sizeof(double));
    }
    uint32_t nspk = t < 180 ? sim_rng_below(&r, 4) : 0;
    for (uint32_t q = 0; q < nspk; q++) {
      uint32_t s = sim_rng_below(&r, NSRC);
      uint64_t na = syn_static_kind.spike(NULL, &a, s, s, NULL, t, &ds.k, port);
      uint64_t nb = syn_static_kind.spike(NULL, &b, s, s, NULL, t, &fs.k, port);
      if (na != nb)
        same = 0;
    }
    if (ds.pending != fs.pending)
      pending = 0;
  }
  CHECK(same, "by_sign %d, per_w %d: every tick's input the same bits", by_sign, per_w);
  CU_ASSERT_TRUE(pending);
  CU_ASSERT_TRUE(fed > 1000); /* the spikes did arrive */
  sink_fini(&ds);
  sink_fini(&fs);
  sim_syn_table_fini(&a);
  sim_syn_table_fini(&b);
}

static void test_same_input(void)
{
  run_same(1, 1);
  run_same(0, 1);
  run_same(1, 0);
}

int test_defer_register(void)
{
  CU_pSuite s = CU_add_suite("defer", NULL, NULL);
  if (!s || !CU_add_test(s, "delay-major rows: every synapse, (delay, target) order, draw "
                            "order per (target, delay)", test_sort_by_delay) ||
      !CU_add_test(s, "deferred delivery gives each tick the direct scatter's input, bit for bit",
                   test_same_input))
    return -1;
  return 0;
}
