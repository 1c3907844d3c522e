/*
 * test_cnn_pct.c: the percentile of the data-based normalization
 * (network/net_cnn_pct.c) against a sort-based reference (numpy's linear
 * interpolation) on random, duplicate-heavy, signed and tiny inputs, and
 * split over 2 and 3 "ranks" (threads sharing a fake reduction): the same
 * value, and the same lambdas from cnn_convert, as one rank.
 */
#include <CUnit/CUnit.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../network/net_cnn.h"
#include "../network/net_cnn_int.h"
#include "test_suites.h"

/* A 32-bit LCG (the tests' own draws, reproducible). */
static uint32_t lcg(uint32_t *s)
{
  *s = *s * 1664525u + 1013904223u;
  return *s >> 8;
}

static int cmp_float(const void *a, const void *b)
{
  float x = *(const float *)a, y = *(const float *)b;
  return x < y ? -1 : x > y;
}

/* A sorted copy of v (caller frees). */
static float *sorted(const float *v, size_t n)
{
  float *c = sim_malloc(n * sizeof *c + 4, "test");
  memcpy(c, v, n * sizeof *c);
  qsort(c, n, sizeof *c, cmp_float);
  return c;
}

/* numpy.percentile(v, p) (linear) from c, v sorted, in the same
   arithmetic as the converter: a + (pos - lo) * (b - a). */
static double ref_percentile(const float *c, size_t n, double p)
{
  if (!n)
    return 0;
  double pos = p / 100.0 * (double)(n - 1);
  size_t lo = (size_t)pos;
  float a = c[lo], b = lo + 1 < n ? c[lo + 1] : a;
  return a + (pos - (double)lo) * (b - a);
}

/* kind 0: positive, spread over exponents; 1: few distinct values; 2:
   signed with zeros; 3: one value repeated. */
static void fill(float *v, size_t n, int kind, uint32_t *s)
{
  for (size_t i = 0; i < n; i++) {
    uint32_t r = lcg(s);
    switch (kind) {
    case 0: v[i] = (float)(r % 100000 + 1) * 1e-3f * (float)(1u << (r % 7)); break;
    case 1: v[i] = 0.25f * (float)(r % 5 + 1); break;
    case 2: v[i] = r % 9 == 0 ? 0.0f : ((float)(r % 2001) - 1000.0f) * 0.01f; break;
    default: v[i] = 3.5f; break;
    }
  }
}

static const double pcts[] = {0, 0.1, 1, 25, 50, 73.3, 99, 99.9, 100};
#define NPCT (sizeof pcts / sizeof pcts[0])

static void test_against_sort(void)
{
  static const size_t sizes[] = {1, 2, 3, 5, 17, 1000, 65537, 300000};
  uint32_t seed = 12345;
  size_t bad = 0, checked = 0;
  for (int kind = 0; kind < 4; kind++)
    for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
      size_t n = sizes[z];
      float *v = sim_malloc(n * sizeof *v, "test");
      fill(v, n, kind, &seed);
      float *c = sorted(v, n);
      for (size_t q = 0; q < NPCT; q++) {
        double want = ref_percentile(c, n, pcts[q]), got = cnn_percentile(v, n, pcts[q]);
        checked++;
        if (got != want) {
          bad++;
          printf("    kind %d n %zu p %g: %.9g, sort gives %.9g\n", kind, n, pcts[q], got, want);
        }
      }
      sim_free(c);
      sim_free(v);
    }
  CU_ASSERT_EQUAL(bad, 0);
  CU_ASSERT_EQUAL(checked, 4 * 8 * NPCT);
  float one = 2.0f;
  CU_ASSERT_EQUAL(cnn_percentile(&one, 0, 50), 0); /* empty */
  CU_ASSERT_EQUAL(cnn_percentile(&one, 1, 99.9), 2.0);
  /* 75th of (0.375, 3.25, 3.6875): index 1.5 -> 3.25 + 0.5 * 0.4375. */
  const float three[] = {3.6875f, 0.375f, 3.25f};
  CU_ASSERT_EQUAL(cnn_percentile(three, 3, 75), 3.46875);
}

/* ---------------------------------------------------------------- */
/* Ranks as threads: the fake reduction sums every thread's array.    */

#define MAX_RANKS 3

typedef struct fake_world {
  uint32_t size;
  pthread_barrier_t bar;
  pthread_mutex_t lock;
  uint64_t *acc;   /* the sum being built */
  size_t cap;
  uint64_t calls;  /* reductions made (thread 0 counts) */
} fake_world;

static void fake_sum(void *ctx, uint64_t *v, size_t n)
{
  fake_world *w = ctx;
  if (pthread_barrier_wait(&w->bar) == PTHREAD_BARRIER_SERIAL_THREAD) {
    if (n > w->cap) {
      w->acc = sim_realloc(w->acc, n * sizeof *w->acc, "test");
      w->cap = n;
    }
    memset(w->acc, 0, n * sizeof *w->acc);
    w->calls++;
  }
  pthread_barrier_wait(&w->bar);
  pthread_mutex_lock(&w->lock);
  for (size_t i = 0; i < n; i++)
    w->acc[i] += v[i];
  pthread_mutex_unlock(&w->lock);
  pthread_barrier_wait(&w->bar);
  memcpy(v, w->acc, n * sizeof *v);
  pthread_barrier_wait(&w->bar); /* nobody reuses acc before all copied */
}

static void world_init(fake_world *w, uint32_t size)
{
  memset(w, 0, sizeof *w);
  w->size = size;
  pthread_barrier_init(&w->bar, NULL, size);
  pthread_mutex_init(&w->lock, NULL);
}

static void world_fini(fake_world *w)
{
  pthread_barrier_destroy(&w->bar);
  pthread_mutex_destroy(&w->lock);
  sim_free(w->acc);
}

/* One rank's job: either a percentile of its share of v, or a whole
   conversion (model non-NULL) on its share of the images. */
typedef struct rank_job {
  fake_world *w;
  uint32_t rank;
  const float *v;          /* percentile: this rank's values */
  size_t n;
  double p, result;
  const cnn_model *model;  /* conversion */
  const uint8_t *images;
  uint32_t nimages;
  cnn_opts opts;
  double lambdas[CNN_MAX_STAGES];
  uint32_t nlambdas;
  int rc;
} rank_job;

static void *rank_main(void *arg)
{
  rank_job *j = arg;
  cnn_split sp = {j->rank, j->w->size, fake_sum, j->w};
  if (!j->model) {
    j->result = cnn_percentile_split(j->v, j->n, j->p, &sp);
    return NULL;
  }
  cnn_opts o = j->opts;
  o.split = sp;
  cnn_snn *s = NULL;
  j->rc = cnn_convert(j->model, j->images, j->nimages, &o, &s);
  if (!j->rc)
    j->nlambdas = cnn_lambdas(s, j->lambdas, CNN_MAX_STAGES);
  cnn_snn_destroy(s);
  return NULL;
}

static void run_ranks(rank_job *jobs, uint32_t size)
{
  pthread_t th[MAX_RANKS];
  for (uint32_t r = 0; r < size; r++)
    CU_ASSERT_EQUAL_FATAL(pthread_create(&th[r], NULL, rank_main, &jobs[r]), 0);
  for (uint32_t r = 0; r < size; r++)
    pthread_join(th[r], NULL);
}

/* Values cut into uneven shares (one of them empty on 3 ranks): every
   rank gets the percentile of the whole. */
static void test_split_equals_one_rank(void)
{
  uint32_t seed = 777;
  const size_t n = 120001;
  float *v = sim_malloc(n * sizeof *v, "test");
  size_t bad = 0;
  for (int kind = 0; kind < 4; kind++) {
    fill(v, n, kind, &seed);
    float *c = sorted(v, n);
    for (uint32_t size = 2; size <= MAX_RANKS; size++)
      for (size_t q = 0; q < NPCT; q++) {
        double want = ref_percentile(c, n, pcts[q]);
        fake_world w;
        world_init(&w, size);
        rank_job jobs[MAX_RANKS];
        /* shares: 2 ranks 1/3 and 2/3; 3 ranks 1/2, nothing, 1/2 */
        size_t cut[MAX_RANKS + 1] = {0, size == 2 ? n / 3 : n / 2, size == 2 ? n : n / 2, n};
        for (uint32_t r = 0; r < size; r++)
          jobs[r] = (rank_job){.w = &w, .rank = r, .v = v + cut[r], .n = cut[r + 1] - cut[r],
                               .p = pcts[q]};
        run_ranks(jobs, size);
        for (uint32_t r = 0; r < size; r++)
          bad += jobs[r].result != want;
        CU_ASSERT(w.calls >= 2); /* the counts did travel */
        world_fini(&w);
      }
    sim_free(c);
  }
  CU_ASSERT_EQUAL(bad, 0);
  sim_free(v);
}

static float *randoms(uint32_t n, uint32_t *s, float scale)
{
  float *p = sim_malloc((size_t)n * sizeof *p, "test");
  for (uint32_t i = 0; i < n; i++)
    p[i] = scale * ((float)(lcg(s) % 2001) - 1000.0f) / 1000.0f;
  return p;
}

/* conv 3x3 1->4 on 8x8 -> ReLU -> flatten -> linear 144->16 -> ReLU ->
   linear 16->3, random weights. */
static cnn_model *toy_conv(void)
{
  uint32_t s = 99;
  cnn_model *m = sim_calloc(1, sizeof *m, "test");
  m->path = sim_strdup("toy", "test");
  m->in[0] = 1, m->in[1] = 8, m->in[2] = 8;
  m->input_scale = 1.0 / 255, m->input_std = 1;
  m->nclasses = 3;
  m->ann_accuracy = -1;
  m->nlayers = 6;
  cnn_layer *L = m->layers = sim_calloc(6, sizeof *m->layers, "test");
  L[0].type = CNN_CONV2D, L[0].kh = L[0].kw = 3, L[0].sh = L[0].sw = 1;
  L[0].in[0] = 1, L[0].in[1] = L[0].in[2] = 8, L[0].out[0] = 4, L[0].out[1] = L[0].out[2] = 6;
  L[0].weight = randoms(36, &s, 0.5f), L[0].nweight = 36, L[0].bias = randoms(4, &s, 0.1f);
  L[1].type = CNN_RELU;
  L[1].in[0] = L[1].out[0] = 4, L[1].in[1] = L[1].in[2] = L[1].out[1] = L[1].out[2] = 6;
  L[2].type = CNN_FLATTEN;
  L[2].in[0] = 4, L[2].in[1] = L[2].in[2] = 6, L[2].out[0] = 144, L[2].out[1] = L[2].out[2] = 1;
  L[3].type = CNN_LINEAR, L[3].in[0] = 144, L[3].in[1] = L[3].in[2] = 1;
  L[3].out[0] = 16, L[3].out[1] = L[3].out[2] = 1;
  L[3].weight = randoms(144 * 16, &s, 0.2f), L[3].nweight = 144 * 16;
  L[3].bias = randoms(16, &s, 0.1f);
  L[4].type = CNN_RELU;
  L[4].in[0] = L[4].out[0] = 16, L[4].in[1] = L[4].in[2] = L[4].out[1] = L[4].out[2] = 1;
  L[5].type = CNN_LINEAR, L[5].in[0] = 16, L[5].in[1] = L[5].in[2] = 1;
  L[5].out[0] = 3, L[5].out[1] = L[5].out[2] = 1;
  L[5].weight = randoms(48, &s, 0.5f), L[5].nweight = 48, L[5].bias = randoms(3, &s, 0.1f);
  return m;
}

/* cnn_convert with its calibration split over 2 and 3 ranks (7 images:
   shares of 4/3 and 3/2/2) gives one rank's lambdas, bit for bit. */
static void test_convert_split(void)
{
  cnn_model *m = toy_conv();
  enum { NIMG = 7 };
  uint8_t img[NIMG * 64];
  uint32_t s = 5;
  for (size_t i = 0; i < sizeof img; i++)
    img[i] = (uint8_t)(lcg(&s) % 256);
  cnn_opts o = {.percentile = 99.0, .calib = NIMG, .seed = 1, .v_init = 0.5};
  cnn_snn *one = NULL;
  CU_ASSERT_EQUAL_FATAL(cnn_convert(m, img, NIMG, &o, &one), 0);
  double want[CNN_MAX_STAGES];
  uint32_t nw = cnn_lambdas(one, want, CNN_MAX_STAGES);
  CU_ASSERT_EQUAL(nw, 3);
  cnn_snn_destroy(one);
  /* A calibration on fewer images gives other lambdas (so the test can
     tell a rank's share from the whole). */
  cnn_opts o4 = o;
  o4.calib = 4;
  CU_ASSERT_EQUAL_FATAL(cnn_convert(m, img, NIMG, &o4, &one), 0);
  double part[CNN_MAX_STAGES];
  cnn_lambdas(one, part, CNN_MAX_STAGES);
  cnn_snn_destroy(one);
  CU_ASSERT(memcmp(part, want, nw * sizeof *want) != 0);
  for (uint32_t size = 2; size <= MAX_RANKS; size++) {
    fake_world w;
    world_init(&w, size);
    rank_job jobs[MAX_RANKS];
    for (uint32_t r = 0; r < size; r++)
      jobs[r] = (rank_job){.w = &w, .rank = r, .model = m, .images = img, .nimages = NIMG,
                           .opts = o};
    run_ranks(jobs, size);
    for (uint32_t r = 0; r < size; r++) {
      CU_ASSERT_EQUAL(jobs[r].rc, 0);
      CU_ASSERT_EQUAL(jobs[r].nlambdas, nw);
      CU_ASSERT(memcmp(jobs[r].lambdas, want, nw * sizeof *want) == 0);
    }
    CU_ASSERT(w.calls >= 2 * nw); /* two rounds per measured stage */
    world_fini(&w);
  }
  cnn_model_destroy(m);
}

int test_cnn_pct_register(void)
{
  CU_pSuite s = CU_add_suite("cnn_pct", NULL, NULL);
  if (!s)
    return -1;
  if (!CU_add_test(s, "percentile equals a sort's, random/duplicate/signed/tiny",
                   test_against_sort) ||
      !CU_add_test(s, "percentile split over 2 and 3 ranks equals one rank's",
                   test_split_equals_one_rank) ||
      !CU_add_test(s, "conversion split over 2 and 3 ranks: one rank's lambdas",
                   test_convert_split))
    return -1;
  return 0;
}
