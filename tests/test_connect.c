/*
 * test_connect.c: connection rules give the counts they promise, honour
 * the autapse/multapse flags, and draw the same synapses (targets, order,
 * weights, delays) whatever the number of ranks and the partition.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../network/net_connect.h"
#include "test_suites.h"

/* Entries of source s in a table (its rows may be sparse). */
#define K0(t, s) (sim_syn_find(&(t), (s)).k0)
#define K1(t, s) (sim_syn_find(&(t), (s)).k1)

/* A description with populations A (na) and B (nb) of iaf_psc_delta and one
   projection src -> tgt (0 = A, 1 = B). */
static net_desc *make_desc(uint32_t na, uint32_t nb, uint32_t src, uint32_t tgt,
                           const net_rule_ops *rule, uint32_t degree, double p)
{
  net_desc *d = sim_calloc(1, sizeof *d, "test desc");
  d->file = sim_strdup("test", "t");
  d->sim.duration_ms = 10;
  d->sim.resolution_ms = 0.1;
  d->sim.seed = 42;
  d->npops = 2;
  d->pops = sim_calloc(2, sizeof *d->pops, "t");
  const nrn_model_ops *m = nrn_model_find("iaf_psc_delta");
  for (int i = 0; i < 2; i++) {
    d->pops[i].name = sim_strdup(i ? "B" : "A", "t");
    d->pops[i].model = m;
    d->pops[i].n = i ? nb : na;
    d->pops[i].first_gid = i ? na : 0;
    d->pops[i].param = sim_calloc(1, m->param_size, "t");
    if (m->param_default)
      m->param_default(d->pops[i].param);
    if (m->param_finalize)
      m->param_finalize(d->pops[i].param, 0.1);
  }
  d->total = na + nb;
  d->nprojs = 1;
  d->projs = sim_calloc(1, sizeof *d->projs, "t");
  net_proj_desc *pd = &d->projs[0];
  pd->name = sim_strdup("P", "t");
  pd->src = src;
  pd->tgt = tgt;
  pd->rule = rule;
  pd->degree = degree;
  pd->p = p;
  pd->autapses = 1;
  pd->multapses = 1;
  pd->weight = (net_dist){NET_DIST_CONST, 0.5, 0, -INFINITY, INFINITY, 0};
  pd->delay_ms = (net_dist){NET_DIST_CONST, 1.0, 0, -INFINITY, INFINITY, 0};
  pd->synapse = sim_strdup("static_synapse", "t");
  return d;
}

static net_part one_rank = {NET_PART_ROUND_ROBIN, 0, 1};

/* Synapses per target (local index on a 1-rank build = offset). */
static void per_target(const net_syn_table *t, uint32_t nt, uint32_t *in)
{
  memset(in, 0, nt * sizeof *in);
  for (uint64_t k = 0; k < t->nsyn; k++)
    in[t->tgt[k]]++;
}

static void test_all_to_all_and_one_to_one(void)
{
  net_desc *d = make_desc(30, 20, 0, 1, &net_rule_all_to_all, 0, 0);
  net_syn_table t;
  CU_ASSERT_EQUAL_FATAL(net_connect(d, 0, &one_rank, &t), 0);
  CU_ASSERT_EQUAL(t.nsyn, 600);
  for (uint32_t s = 0; s < 30; s++)
    CU_ASSERT_EQUAL(K1(t, s) - K0(t, s), 20);
  sim_syn_table_fini(&t);
  /* Within one population, without autapses: n (n - 1). */
  d->projs[0].tgt = 0;
  d->projs[0].autapses = 0;
  CU_ASSERT_EQUAL_FATAL(net_connect(d, 0, &one_rank, &t), 0);
  CU_ASSERT_EQUAL(t.nsyn, 30 * 29);
  for (uint32_t s = 0; s < 30; s++)
    for (uint64_t k = K0(t, s); k < K1(t, s); k++)
      CU_ASSERT_NOT_EQUAL(t.tgt[k], s);
  sim_syn_table_fini(&t);
  d->projs[0].rule = &net_rule_one_to_one;
  d->projs[0].autapses = 1;
  CU_ASSERT_EQUAL_FATAL(net_connect(d, 0, &one_rank, &t), 0);
  CU_ASSERT_EQUAL(t.nsyn, 30);
  for (uint32_t s = 0; s < 30; s++)
    CU_ASSERT(K1(t, s) - K0(t, s) == 1 && t.tgt[K0(t, s)] == s);
  sim_syn_table_fini(&t);
  net_desc_destroy(d);
}

static void test_fixed_indegree(void)
{
  net_desc *d = make_desc(200, 0, 0, 0, &net_rule_fixed_indegree, 50, 0);
  uint32_t in[200];
  net_syn_table t;
  for (int flags = 0; flags < 2; flags++) {
    d->projs[0].autapses = d->projs[0].multapses = flags;
    CU_ASSERT_EQUAL_FATAL(net_connect(d, 0, &one_rank, &t), 0);
    CU_ASSERT_EQUAL(t.nsyn, 200 * 50);
    per_target(&t, 200, in);
    int exact = 1, self = 0, dup = 0;
    for (uint32_t j = 0; j < 200; j++)
      exact &= in[j] == 50;
    /* Duplicates and autapses, counted per (source, target). */
    for (uint32_t s = 0; s < 200; s++)
      for (uint64_t k = K0(t, s); k < K1(t, s); k++) {
        self += t.tgt[k] == s;
        if (k > K0(t, s) && t.tgt[k] == t.tgt[k - 1])
          dup++;
      }
    CU_ASSERT(exact);
    if (!flags) {
      CU_ASSERT_EQUAL(self, 0);
      CU_ASSERT_EQUAL(dup, 0);
    } else {
      /* With replacement: ~ 200 * 50 / 200 = 50 autapses expected. */
      CU_ASSERT(self > 20 && self < 90);
      CU_ASSERT(dup > 0);
    }
    sim_syn_table_fini(&t);
  }
  net_desc_destroy(d);
}

static void test_fixed_outdegree(void)
{
  net_desc *d = make_desc(100, 300, 0, 1, &net_rule_fixed_outdegree, 40, 0);
  d->projs[0].multapses = 0;
  net_syn_table t;
  CU_ASSERT_EQUAL_FATAL(net_connect(d, 0, &one_rank, &t), 0);
  CU_ASSERT_EQUAL(t.nsyn, 100 * 40);
  for (uint32_t s = 0; s < 100; s++) {
    CU_ASSERT_EQUAL(K1(t, s) - K0(t, s), 40);
    for (uint64_t k = K0(t, s); k < K1(t, s); k++)
      for (uint64_t k2 = K0(t, s); k2 < k; k2++)
        CU_ASSERT_NOT_EQUAL(t.tgt[k], t.tgt[k2]);
  }
  sim_syn_table_fini(&t);
  /* Split over 3 ranks: every source still has 40 targets in total. */
  uint64_t per_src[100] = {0};
  for (int r = 0; r < 3; r++) {
    net_part part = {NET_PART_BLOCK, r, 3};
    CU_ASSERT_EQUAL_FATAL(net_connect(d, 0, &part, &t), 0);
    for (uint32_t s = 0; s < 100; s++)
      per_src[s] += K1(t, s) - K0(t, s);
    sim_syn_table_fini(&t);
  }
  for (uint32_t s = 0; s < 100; s++)
    CU_ASSERT_EQUAL(per_src[s], 40);
  net_desc_destroy(d);
}

static void test_pairwise_bernoulli(void)
{
  const uint32_t n = 1000;
  const double p = 0.02;
  net_desc *d = make_desc(n, 0, 0, 0, &net_rule_pairwise_bernoulli, 0, p);
  d->projs[0].autapses = 0;
  net_syn_table t;
  CU_ASSERT_EQUAL_FATAL(net_connect(d, 0, &one_rank, &t), 0);
  /* Binomial(n (n - 1), p): within 4 standard deviations. */
  double trials = (double)n * (n - 1), mean = trials * p, sd = sqrt(trials * p * (1 - p));
  CU_ASSERT(fabs((double)t.nsyn - mean) < 4 * sd);
  int self = 0;
  for (uint32_t s = 0; s < n; s++)
    for (uint64_t k = K0(t, s); k < K1(t, s); k++)
      self += t.tgt[k] == s;
  CU_ASSERT_EQUAL(self, 0);
  sim_syn_table_fini(&t);
  d->projs[0].p = 0;
  CU_ASSERT_EQUAL_FATAL(net_connect(d, 0, &one_rank, &t), 0);
  CU_ASSERT_EQUAL(t.nsyn, 0);
  sim_syn_table_fini(&t);
  net_desc_destroy(d);
}

/* fixed_total_number: exactly N in all; the per-target counts are one
   multinomial (mean N / n_tgt, variance N (1/n)(1 - 1/n) at every target
   position, the first and the last included); uniform sources; no self
   synapse without autapses. */
static void test_fixed_total_number(void)
{
  const uint32_t na = 50, nb = 40, N = 2000, seeds = 200;
  net_desc *d = make_desc(na, nb, 0, 1, &net_rule_fixed_total_number, 0, 0);
  d->projs[0].total = N;
  uint32_t in[40];
  double s1 = 0, s2 = 0, first = 0, last = 0, src1 = 0, src2 = 0;
  int exact = 1;
  net_syn_table t;
  for (uint32_t seed = 0; seed < seeds; seed++) {
    d->sim.seed = 1000 + seed;
    CU_ASSERT_EQUAL_FATAL(net_connect(d, 0, &one_rank, &t), 0);
    exact &= t.nsyn == N;
    per_target(&t, nb, in);
    for (uint32_t j = 0; j < nb; j++) {
      s1 += in[j];
      s2 += (double)in[j] * in[j];
    }
    first += in[0];
    last += in[nb - 1];
    for (uint32_t s = 0; s < na; s++) {
      double k = (double)(K1(t, s) - K0(t, s));
      src1 += k;
      src2 += k * k;
    }
    sim_syn_table_fini(&t);
  }
  CU_ASSERT(exact);
  const double m = (double)N / nb, v = N * (1.0 / nb) * (1 - 1.0 / nb), ns = (double)seeds * nb;
  double mean = s1 / ns, var = s2 / ns - mean * mean;
  CU_ASSERT(fabs(mean - m) < 1e-9); /* exact: the counts sum to N */
  CU_ASSERT(fabs(var - v) < 5 * v * sqrt(2.0 / ns));
  CU_ASSERT(fabs(first / seeds - m) < 5 * sqrt(v / seeds));
  CU_ASSERT(fabs(last / seeds - m) < 5 * sqrt(v / seeds));
  const double ms = (double)N / na, vs = N * (1.0 / na) * (1 - 1.0 / na), nss = (double)seeds * na;
  double smean = src1 / nss, svar = src2 / nss - smean * smean;
  CU_ASSERT(fabs(smean - ms) < 1e-9);
  CU_ASSERT(fabs(svar - vs) < 5 * vs * sqrt(2.0 / nss));
  /* N = 0 gives an empty table; one population without autapses. */
  d->projs[0].total = 0;
  CU_ASSERT_EQUAL_FATAL(net_connect(d, 0, &one_rank, &t), 0);
  CU_ASSERT_EQUAL(t.nsyn, 0);
  sim_syn_table_fini(&t);
  d->projs[0].total = 5000;
  d->projs[0].tgt = 0;
  d->projs[0].autapses = 0;
  CU_ASSERT_EQUAL_FATAL(net_connect(d, 0, &one_rank, &t), 0);
  CU_ASSERT_EQUAL(t.nsyn, 5000);
  int self = 0;
  for (uint32_t s = 0; s < na; s++)
    for (uint64_t k = K0(t, s); k < K1(t, s); k++)
      self += t.tgt[k] == s;
  CU_ASSERT_EQUAL(self, 0);
  sim_syn_table_fini(&t);
  /* With autapses: ~ 5000 / 50 = 100 expected. */
  d->projs[0].autapses = 1;
  CU_ASSERT_EQUAL_FATAL(net_connect(d, 0, &one_rank, &t), 0);
  self = 0;
  for (uint32_t s = 0; s < na; s++)
    for (uint64_t k = K0(t, s); k < K1(t, s); k++)
      self += t.tgt[k] == s;
  CU_ASSERT(self > 50 && self < 150);
  sim_syn_table_fini(&t);
  net_desc_destroy(d);
}

/* redraw(normal(1, 1), 0, inf) is the truncated normal (mean 1.28760,
   variance 0.62969), not the clipped one (mean 1.0833); every value in
   bounds; a two-sided redraw stays inside both bounds. */
static void test_redraw_normal(void)
{
  net_dist dist = {NET_DIST_NORMAL, 1.0, 1.0, 0.0, INFINITY, 1};
  sim_rng r;
  sim_rng_stream(&r, 3, 4, SIM_RNG_WEIGHT, 0);
  const int n = 200000;
  double s1 = 0, s2 = 0;
  int inside = 1;
  for (int i = 0; i < n; i++) {
    double x = net_dist_draw(&dist, &r);
    inside &= x >= 0;
    s1 += x;
    s2 += x * x;
  }
  double mean = s1 / n, var = s2 / n - mean * mean;
  CU_ASSERT(inside);
  CU_ASSERT(fabs(mean - 1.28760) < 5 * sqrt(0.62969 / n));
  CU_ASSERT(fabs(var - 0.62969) < 0.02);
  net_dist two = {NET_DIST_NORMAL, -351.23, 35.123, -400, -300, 1};
  inside = 1;
  int low = 0;
  for (int i = 0; i < n; i++) {
    double x = net_dist_draw(&two, &r);
    inside &= x >= -400 && x <= -300;
    low += x < -390;
  }
  CU_ASSERT(inside);
  CU_ASSERT(low > 0); /* the bounds are reached, not narrowed */
}

/* One synapse as seen from outside: target gid, source, weight, delay. */
typedef struct syn4 {
  uint32_t tgid, src;
  float w;
  uint16_t d;
} syn4;

/* Synapses of a table as (target gid)-major lists in stored order. */
static size_t collect(const net_desc *d, const net_part *part, const net_syn_table *t,
                      syn4 *out)
{
  const net_pop_desc *tp = &d->pops[d->projs[0].tgt];
  size_t n = 0;
  for (uint32_t s = 0; s < t->src_n; s++)
    for (uint64_t k = K0(*t, s); k < K1(*t, s); k++)
      out[n++] = (syn4){net_part_gid(part, tp->first_gid, tp->n, t->tgt[k]), s,
                        t->w ? t->w[k] : (float)t->w_const, t->d ? t->d[k] : t->d_const};
  return n;
}

/* Stable sort by target gid keeps each target's per-source order. */
static int syn_cmp(const void *a, const void *b)
{
  const syn4 *x = a, *y = b;
  if (x->tgid != y->tgid)
    return x->tgid < y->tgid ? -1 : 1;
  if (x->src != y->src)
    return x->src < y->src ? -1 : 1;
  return 0;
}

static void sort_stable(syn4 *a, size_t n)
{
  /* insertion sort on (tgid, src): keeps equal keys in their order */
  for (size_t i = 1; i < n; i++) {
    syn4 x = a[i];
    size_t j = i;
    while (j > 0 && syn_cmp(&a[j - 1], &x) > 0) {
      a[j] = a[j - 1];
      j--;
    }
    a[j] = x;
  }
}

static void test_rank_independence(void)
{
  const net_rule_ops *const rules[] = {&net_rule_fixed_indegree, &net_rule_fixed_outdegree, &net_rule_pairwise_bernoulli,
                            &net_rule_all_to_all, &net_rule_fixed_total_number};
  for (int ri = 0; ri < 5; ri++) {
    net_desc *d = make_desc(60, 45, 0, 1, rules[ri], 7, 0.1);
    d->projs[0].total = 2500;
    d->projs[0].weight = (net_dist){NET_DIST_NORMAL, 1.0, 0.5, 0.0, 2.0, ri == 4};
    d->projs[0].delay_ms = (net_dist){NET_DIST_UNIFORM, 0.5, 3.0, -INFINITY, INFINITY, 0};
    net_syn_table t;
    syn4 *ref = malloc(60 * 45 * sizeof *ref), *got = malloc(60 * 45 * sizeof *got);
    CU_ASSERT_EQUAL_FATAL(net_connect(d, 0, &one_rank, &t), 0);
    size_t nref = collect(d, &one_rank, &t, ref);
    CU_ASSERT(nref > 0);
    sim_syn_table_fini(&t);
    sort_stable(ref, nref);
    for (int pol = 0; pol < 2; pol++)
      for (int nr = 2; nr <= 4; nr++) {
        size_t n = 0;
        for (int r = 0; r < nr; r++) {
          net_part part = {pol ? NET_PART_BLOCK : NET_PART_ROUND_ROBIN, r, nr};
          CU_ASSERT_EQUAL_FATAL(net_connect(d, 0, &part, &t), 0);
          n += collect(d, &part, &t, got + n);
          sim_syn_table_fini(&t);
        }
        sort_stable(got, n);
        CU_ASSERT_EQUAL(n, nref);
        int same = n == nref;
        for (size_t k = 0; same && k < n; k++) /* field by field: padding */
          same = got[k].tgid == ref[k].tgid && got[k].src == ref[k].src &&
                 got[k].w == ref[k].w && got[k].d == ref[k].d;
        CU_ASSERT(same);
      }
    /* Drawn weights stay in their clip bounds; delays in [0.5, 3] ms. */
    for (size_t k = 0; k < nref; k++) {
      CU_ASSERT(ref[k].w >= 0.0f && ref[k].w <= 2.0f);
      CU_ASSERT(ref[k].d >= 5 && ref[k].d <= 30);
    }
    free(ref);
    free(got);
    net_desc_destroy(d);
  }
}

/* Rows only for sources with local synapses: 2000 sources onto 64
   targets (indegree 3) over 16 ranks leaves <= 12 rows a rank, so each
   table takes the sparse form, a fraction of the dense offsets' 16 kB;
   every source finds exactly its entries and the union is the 1-rank
   network. */
static void test_sparse_rows(void)
{
  net_desc *d = make_desc(2000, 64, 0, 1, &net_rule_fixed_indegree, 3, 0);
  d->projs[0].weight = (net_dist){NET_DIST_NORMAL, 1.0, 0.5, 0.0, 2.0, 1};
  net_syn_table t;
  syn4 *ref = malloc(64 * 3 * sizeof *ref), *got = malloc(64 * 3 * sizeof *got);
  CU_ASSERT_EQUAL_FATAL(net_connect(d, 0, &one_rank, &t), 0);
  size_t nref = collect(d, &one_rank, &t, ref);
  CU_ASSERT_EQUAL(nref, 64 * 3);
  sim_syn_table_fini(&t);
  sort_stable(ref, nref);
  size_t n = 0;
  for (int r = 0; r < 16; r++) {
    net_part part = {NET_PART_ROUND_ROBIN, r, 16};
    CU_ASSERT_EQUAL_FATAL(net_connect(d, 0, &part, &t), 0);
    CU_ASSERT(t.row_src != NULL && t.nrows <= t.nsyn && t.nrows > 0);
    CU_ASSERT(sim_syn_table_bytes(&t) < (t.src_n + 1) * sizeof(uint64_t) / 8);
    uint32_t row = 0;
    for (uint32_t s = 0; s < t.src_n; s++) {
      sim_syn_span sp = sim_syn_find(&t, s);
      if (row < t.nrows && t.row_src[row] == s) {
        CU_ASSERT(sp.k0 == t.off[row] && sp.k1 == t.off[row + 1] && sp.k1 > sp.k0);
        for (uint64_t k = sp.k0; k < sp.k1; k++)
          CU_ASSERT_EQUAL(sim_syn_row_of(&t, k), row);
        CU_ASSERT_EQUAL(sim_syn_row_source(&t, row), s);
        row++;
      } else {
        CU_ASSERT(sp.k0 == sp.k1);
      }
    }
    CU_ASSERT_EQUAL(row, t.nrows);
    n += collect(d, &part, &t, got + n);
    sim_syn_table_fini(&t);
  }
  sort_stable(got, n);
  CU_ASSERT_EQUAL(n, nref);
  int same = n == nref;
  for (size_t k = 0; same && k < n; k++)
    same = got[k].tgid == ref[k].tgid && got[k].src == ref[k].src && got[k].w == ref[k].w &&
           got[k].d == ref[k].d;
  CU_ASSERT(same);
  free(ref);
  free(got);
  net_desc_destroy(d);
}

static void test_partition_covers_once(void)
{
  for (int pol = 0; pol < 2; pol++)
    for (int nr = 1; nr <= 5; nr++) {
      int seen[137] = {0};
      for (int r = 0; r < nr; r++) {
        net_part part = {pol ? NET_PART_BLOCK : NET_PART_ROUND_ROBIN, r, nr};
        uint32_t nl = net_part_nlocal(&part, 1000, 137);
        sim_gid prev = 0;
        for (uint32_t i = 0; i < nl; i++) {
          sim_gid g = net_part_gid(&part, 1000, 137, i);
          CU_ASSERT(g >= 1000 && g < 1137);
          CU_ASSERT(i == 0 || g > prev);
          CU_ASSERT_EQUAL(net_part_owner(&part, 1000, 137, g), r);
          CU_ASSERT_EQUAL(net_part_index(&part, 1000, 137, g), i);
          seen[g - 1000]++;
          prev = g;
        }
      }
      for (int k = 0; k < 137; k++)
        CU_ASSERT_EQUAL(seen[k], 1);
    }
}

int test_connect_register(void)
{
  CU_pSuite s = CU_add_suite("connect", NULL, NULL);
  if (!s)
    return -1;
  if (!CU_add_test(s, "all_to_all and one_to_one counts", test_all_to_all_and_one_to_one) ||
      !CU_add_test(s, "fixed_indegree counts and flags", test_fixed_indegree) ||
      !CU_add_test(s, "fixed_outdegree counts over ranks", test_fixed_outdegree) ||
      !CU_add_test(s, "pairwise_bernoulli within 4 sigma", test_pairwise_bernoulli) ||
      !CU_add_test(s, "same synapses on 1-4 ranks, both partitions", test_rank_independence) ||
      !CU_add_test(s, "fixed_total_number: exact total, multinomial counts",
                   test_fixed_total_number) ||
      !CU_add_test(s, "redraw(normal) moments and bounds", test_redraw_normal) ||
      !CU_add_test(s, "sparse rows: only sources with local synapses", test_sparse_rows) ||
      !CU_add_test(s, "partitions cover every gid once", test_partition_covers_once))
    return -1;
  return 0;
}
