/*
 * test_log.c: CUnit suite of the event log (io_log) and replay (io_replay).
 *
 * Every test writes its logs into one mkdtemp directory under /tmp that the
 * suite removes at the end.  Logs are made by gen_log from a small fixed
 * network (populations E, I, noise; spike recorders on all of E and half
 * of I; a multimeter on three E neurons) and a deterministic spike pattern,
 * so each test knows exactly what a file must contain.
 */
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"
#include "../io/io_log.h"
#include "../io/io_replay.h"
#include "test_suites.h"

/* ============================================================ fixtures */

static char tmpdir[64];

static const char *tpath(const char *name)
{
  static char buf[8][400];
  static int k;
  k = (k + 1) % 8;
  snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
  return buf[k];
}

static int suite_init(void)
{
  strcpy(tmpdir, "/tmp/memspike_test_log_XXXXXX");
  return mkdtemp(tmpdir) ? 0 : -1;
}

static int suite_clean(void)
{
  DIR *d = opendir(tmpdir);
  if (!d)
    return -1;
  struct dirent *e;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
      remove(tpath(e->d_name));
  closedir(d);
  return rmdir(tmpdir);
}

static const io_log_pop pops[] = {
    {"E", "iaf_psc_delta", 0, 80},
    {"I", "iaf_psc_delta", 80, 20},
    {"noise", "poisson_generator", 100, 10},
};
static const char *const vm_vars[] = {"V_m", "I_syn"};

#define WIN 15      /* ticks per window */
#define VM_EVERY 5  /* multimeter interval in ticks (0.5 ms) */

/* What gen_log writes. */
typedef struct gen {
  int nwin;         /* windows */
  int rank, nranks; /* spikes and samples of gids with gid % nranks == rank */
  uint64_t digest;
  int close;        /* 1: io_log_close; 0: io_log_destroy after the windows */
  int big;          /* extra spikes per window (for size and sorting) */
} gen;

static uint32_t lcg(uint32_t *s)
{
  *s = *s * 1664525u + 1013904223u;
  return *s >> 8;
}

/* The k-th generated spike of window w (unsorted, duplicates possible). */
static int win_spikes(int w, int big, sim_time *t, sim_gid *g)
{
  uint32_t s = 12345u + 977u * (uint32_t)w;
  int n = (w * 7) % 13 + big; /* window 0 and 13 have none */
  if (w % 13 == 0)
    n = 0;
  for (int i = 0; i < n; i++) {
    t[i] = (sim_time)w * WIN + lcg(&s) % WIN;
    g[i] = lcg(&s) % 110;
  }
  return n;
}

static void vm_values(sim_time tick, const sim_gid *gids, uint32_t ng,
                      double *v)
{
  for (uint32_t i = 0; i < ng; i++)
    for (uint32_t k = 0; k < 2; k++)
      v[i * 2 + k] = -70.0 + 0.25 * (double)tick + 10.0 * gids[i] + k / 3.0;
}

static void fill_header(io_log_header *h, io_log_rec *recs, sim_gid *vm_gids,
                        const gen *gn)
{
  uint32_t ng = 0;
  for (sim_gid gd = 0; gd < 3; gd++)
    if ((int)(gd % (sim_gid)gn->nranks) == gn->rank)
      vm_gids[ng++] = gd;
  recs[0] = (io_log_rec){.name = "spikes_E", .pop = 0,
                         .kind = IO_LOG_REC_SPIKES, .first = 0, .count = 80};
  recs[1] = (io_log_rec){.name = "spikes_I", .pop = 1,
                         .kind = IO_LOG_REC_SPIKES, .first = 0, .count = 10};
  recs[2] = (io_log_rec){.name = "vm", .pop = 0, .kind = IO_LOG_REC_STATE,
                         .first = 0, .count = 3, .vars = vm_vars, .nvars = 2,
                         .interval_ms = 0.5, .gids = vm_gids, .ngids = ng};
  *h = (io_log_header){.config = "configs/test.ini", .digest = gn->digest,
                       .seed = 42, .rank = gn->rank, .nranks = gn->nranks,
                       .resolution_ms = 0.1, .duration_ms = gn->nwin * WIN * 0.1,
                       .pops = pops, .npops = 3, .recs = recs, .nrecs = 3};
}

/* Write a log as described by gn; returns the io_log result code. */
static int gen_log(const char *path, const gen *gn)
{
  io_log_rec recs[3];
  sim_gid vm_gids[3];
  io_log_header h;
  fill_header(&h, recs, vm_gids, gn);
  io_log *log;
  int rc = io_log_create(path, &h, &log);
  if (rc)
    return rc;
  sim_time t[4096];
  sim_gid g[4096];
  double v[6];
  for (int w = 0; w < gn->nwin; w++) {
    int n = win_spikes(w, gn->big, t, g);
    for (int i = 0; i < n; i++)
      if ((int)(g[i] % (sim_gid)gn->nranks) == gn->rank)
        io_log_spike(log, t[i], g[i]);
    for (sim_time tk = (sim_time)w * WIN; tk < (sim_time)(w + 1) * WIN; tk++)
      if (tk % VM_EVERY == 0) { /* n == 0 on a rank without vm neurons */
        vm_values(tk, vm_gids, recs[2].ngids, v);
        io_log_sample(log, 2, tk, v, recs[2].ngids * 2);
      }
    if ((rc = io_log_flush(log, (sim_time)(w + 1) * WIN)))
      return rc;
  }
  if (gn->close)
    return io_log_close(log, (sim_time)gn->nwin * WIN);
  io_log_destroy(log);
  return 0;
}

static const gen gen_default = {.nwin = 20, .rank = 0, .nranks = 1,
                                .digest = 0xfeedface12345678ull, .close = 1};

/* Whole file into memory (caller frees); *n its size. */
static unsigned char *slurp(const char *path, size_t *n)
{
  FILE *f = fopen(path, "rb");
  *n = 0;
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long sz = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc(sz > 0 ? (size_t)sz : 1);
  *n = fread(b, 1, (size_t)sz, f);
  fclose(f);
  return b;
}

static void spit(const char *path, const void *b, size_t n)
{
  FILE *f = fopen(path, "wb");
  CU_ASSERT_FATAL(f != NULL);
  CU_ASSERT_FATAL(fwrite(b, 1, n, f) == n);
  fclose(f);
}

static long find_bytes(const unsigned char *b, size_t n, const char *s)
{
  size_t k = strlen(s);
  for (size_t i = 0; i + k <= n; i++)
    if (memcmp(b + i, s, k) == 0)
      return (long)i;
  return -1;
}

typedef struct spk {
  sim_time t;
  sim_gid g;
} spk;

static int spk_cmp(const void *pa, const void *pb)
{
  const spk *a = pa, *b = pb;
  if (a->t != b->t)
    return a->t < b->t ? -1 : 1;
  return (a->g > b->g) - (a->g < b->g);
}

/* The spikes gen_log gives to rank/nranks, sorted; returns the count. */
static size_t expected_spikes(const gen *gn, spk *out)
{
  sim_time t[4096];
  sim_gid g[4096];
  size_t m = 0;
  for (int w = 0; w < gn->nwin; w++) {
    int n = win_spikes(w, gn->big, t, g);
    for (int i = 0; i < n; i++)
      if ((int)(g[i] % (sim_gid)gn->nranks) == gn->rank)
        out[m++] = (spk){t[i], g[i]};
  }
  qsort(out, m, sizeof *out, spk_cmp);
  return m;
}

/* A record reduced to comparable numbers. */
typedef struct rsum {
  int type;
  sim_time tick;
  uint64_t offset, size, n, hash;
} rsum;

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++)
    h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}

static rsum summarize(const io_log_record *rec)
{
  rsum s = {rec->type, rec->tick, rec->offset, rec->size, 0, 14695981039346656037ull};
  if (rec->type == IO_LOG_SPIKES) {
    s.n = rec->spikes.n;
    s.hash = fnv(fnv(s.hash, rec->spikes.ticks, s.n * sizeof(sim_time)),
                 rec->spikes.gids, s.n * sizeof(sim_gid));
  } else if (rec->type == IO_LOG_SAMPLES) {
    s.n = rec->samples.n;
    s.hash = fnv(fnv(s.hash, &rec->samples.rec, sizeof rec->samples.rec),
                 rec->samples.values, s.n * sizeof(double));
  } else if (rec->type == IO_LOG_END) {
    s.n = rec->end.spikes;
    s.hash = rec->end.samples;
  }
  return s;
}

static int rsum_eq(const rsum *a, const rsum *b)
{
  return a->type == b->type && a->tick == b->tick && a->offset == b->offset &&
         a->size == b->size && a->n == b->n && a->hash == b->hash;
}

/* Read every record of path into out (at most max); returns the count, or
   a negative code from the reader.  *st gets the final status. */
static long read_all(const char *path, rsum *out, long max, io_log_status *st)
{
  io_log_reader *r;
  int rc = io_log_reader_create(path, &r);
  if (rc)
    return rc;
  io_log_record rec;
  long n = 0;
  while ((rc = io_log_reader_next(r, &rec)) == 1)
    if (n < max)
      out[n++] = summarize(&rec);
  if (st)
    io_log_reader_status(r, st);
  io_log_reader_destroy(r);
  return rc < 0 ? rc : n;
}

/* ============================================================ tests */

static void test_roundtrip(void)
{
  const char *path = tpath("roundtrip.msgpack");
  gen gn = gen_default;
  CU_ASSERT_FATAL(gen_log(path, &gn) == 0);

  io_log_reader *r;
  CU_ASSERT_FATAL(io_log_reader_create(path, &r) == 0);
  const io_log_header *h = io_log_reader_header(r);
  CU_ASSERT_STRING_EQUAL(h->config, "configs/test.ini");
  CU_ASSERT(h->digest == 0xfeedface12345678ull);
  CU_ASSERT(h->seed == 42);
  CU_ASSERT(h->rank == 0 && h->nranks == 1);
  CU_ASSERT(h->resolution_ms == 0.1);
  CU_ASSERT(h->duration_ms == 20 * WIN * 0.1);
  CU_ASSERT_FATAL(h->npops == 3 && h->nrecs == 3);
  for (int p = 0; p < 3; p++) {
    CU_ASSERT_STRING_EQUAL(h->pops[p].name, pops[p].name);
    CU_ASSERT_STRING_EQUAL(h->pops[p].model, pops[p].model);
    CU_ASSERT(h->pops[p].first_gid == pops[p].first_gid);
    CU_ASSERT(h->pops[p].n == pops[p].n);
  }
  CU_ASSERT_STRING_EQUAL(h->recs[1].name, "spikes_I");
  CU_ASSERT(h->recs[1].kind == IO_LOG_REC_SPIKES && h->recs[1].pop == 1 &&
            h->recs[1].first == 0 && h->recs[1].count == 10);
  CU_ASSERT(h->recs[2].kind == IO_LOG_REC_STATE && h->recs[2].nvars == 2 &&
            h->recs[2].interval_ms == 0.5 && h->recs[2].ngids == 3);
  CU_ASSERT_STRING_EQUAL(h->recs[2].vars[1], "I_syn");
  CU_ASSERT(h->recs[2].gids[2] == 2);
  CU_ASSERT_STRING_EQUAL(io_log_reader_unit(r, "time"), "ms");
  CU_ASSERT_STRING_EQUAL(io_log_reader_unit(r, "V_m"), "mV");
  CU_ASSERT_STRING_EQUAL(io_log_reader_unit(r, "I_syn"), "pA");
  CU_ASSERT(io_log_reader_unit(r, "g_ex") == NULL);

  static spk want[4096];
  size_t nwant = expected_spikes(&gn, want), ngot = 0;
  CU_ASSERT(nwant > 50);
  io_log_record rec;
  int rc, nwin = 0, nsamp = 0, ended = 0, bad_spike = 0, bad_sample = 0;
  sim_time last_end = 0;
  double v[6];
  while ((rc = io_log_reader_next(r, &rec)) == 1) {
    CU_ASSERT(!ended); /* nothing after the end record */
    switch (rec.type) {
    case IO_LOG_SPIKES:
      for (uint32_t i = 0; i < rec.spikes.n; i++, ngot++)
        if (ngot >= nwant || rec.spikes.ticks[i] != want[ngot].t ||
            rec.spikes.gids[i] != want[ngot].g)
          bad_spike++;
      /* fall through - a spike block closes its window */
    case IO_LOG_WINDOW:
      CU_ASSERT(rec.tick == last_end + WIN);
      last_end = rec.tick;
      nwin++;
      break;
    case IO_LOG_SAMPLES:
      CU_ASSERT(rec.samples.rec == 2 && rec.samples.n == 6);
      CU_ASSERT(rec.tick % VM_EVERY == 0 && rec.tick >= last_end);
      vm_values(rec.tick, (const sim_gid[]){0, 1, 2}, 3, v);
      if (rec.samples.n != 6 || memcmp(v, rec.samples.values, sizeof v) != 0)
        bad_sample++;
      nsamp++;
      break;
    case IO_LOG_END:
      CU_ASSERT(rec.tick == 20 * WIN);
      CU_ASSERT(rec.end.spikes == nwant);
      CU_ASSERT(rec.end.samples == (uint64_t)(20 * WIN / VM_EVERY));
      CU_ASSERT(rec.end.windows == 20);
      ended = 1;
      break;
    }
  }
  CU_ASSERT(rc == 0);
  CU_ASSERT(ended);
  CU_ASSERT(ngot == nwant);
  CU_ASSERT(bad_spike == 0);
  CU_ASSERT(bad_sample == 0);
  CU_ASSERT(nwin == 20);
  CU_ASSERT(nsamp == 20 * WIN / VM_EVERY);
  io_log_status st;
  io_log_reader_status(r, &st);
  CU_ASSERT(st.ended && !st.truncated && st.partial_bytes == 0);
  CU_ASSERT(st.complete_tick == 20 * WIN);
  CU_ASSERT(st.spikes == nwant);
  CU_ASSERT(io_log_reader_next(r, &rec) == 0); /* stays at the end */
  io_log_reader_destroy(r);
}

/* Large unsorted windows with gids over 22 bits: exercises every radix
   pass of the writer's sort against qsort. */
static void test_sort_large(void)
{
  const char *path = tpath("sort.msgpack");
  io_log_pop big = {"big", "iaf_psc_delta", 0, 4000000};
  io_log_rec rc0 = {.name = "all", .pop = 0, .kind = IO_LOG_REC_SPIKES,
                    .first = 0, .count = 4000000};
  io_log_header h = {.config = "", .rank = 0, .nranks = 1,
                     .resolution_ms = 0.1, .duration_ms = 300, .pops = &big,
                     .npops = 1, .recs = &rc0, .nrecs = 1};
  io_log *log;
  CU_ASSERT_FATAL(io_log_create(path, &h, &log) == 0);
  enum { N = 30000, W = 1000 };
  spk *want = malloc(3 * N * sizeof *want);
  uint32_t s = 7;
  for (int w = 0; w < 3; w++) {
    for (int i = 0; i < N; i++) {
      spk x = {(sim_time)w * W + lcg(&s) % W, lcg(&s) % 4000000};
      if (i % 50 == 0 && i > 0)
        x = want[w * N + i - 1]; /* duplicates stay */
      want[w * N + i] = x;
      io_log_spike(log, x.t, x.g);
    }
    CU_ASSERT(io_log_flush(log, (sim_time)(w + 1) * W) == 0);
  }
  CU_ASSERT(io_log_close(log, 3 * W) == 0);
  for (int w = 0; w < 3; w++)
    qsort(want + w * N, N, sizeof *want, spk_cmp);

  io_log_reader *r;
  CU_ASSERT_FATAL(io_log_reader_create(path, &r) == 0);
  io_log_record rec;
  size_t k = 0, bad = 0;
  while (io_log_reader_next(r, &rec) == 1)
    if (rec.type == IO_LOG_SPIKES)
      for (uint32_t i = 0; i < rec.spikes.n; i++, k++)
        bad += k >= 3 * N || rec.spikes.ticks[i] != want[k].t ||
               rec.spikes.gids[i] != want[k].g;
  CU_ASSERT(k == 3 * N);
  CU_ASSERT(bad == 0);
  io_log_reader_destroy(r);
  free(want);
}

static void test_deterministic(void)
{
  gen gn = gen_default;
  gn.big = 40;
  const char *a = tpath("det_a.msgpack"), *b = tpath("det_b.msgpack");
  CU_ASSERT_FATAL(gen_log(a, &gn) == 0);
  CU_ASSERT_FATAL(gen_log(b, &gn) == 0);
  size_t na, nb;
  unsigned char *ba = slurp(a, &na), *bb = slurp(b, &nb);
  CU_ASSERT_FATAL(ba && bb);
  CU_ASSERT(na > 1000);
  CU_ASSERT(na == nb && memcmp(ba, bb, na) == 0);
  /* and a different seed of content gives a different file */
  gn.big = 41;
  CU_ASSERT_FATAL(gen_log(b, &gn) == 0);
  free(bb);
  bb = slurp(b, &nb);
  CU_ASSERT(na != nb || memcmp(ba, bb, na) != 0);
  free(ba);
  free(bb);
}

/* Cut a log at every byte: the reader returns exactly the records that lie
   wholly before the cut, then reports the truncation; never garbage. */
static void test_truncated_every_byte(void)
{
  gen gn = gen_default;
  gn.nwin = 6;
  const char *full = tpath("full.msgpack"), *cut = tpath("cut.msgpack");
  CU_ASSERT_FATAL(gen_log(full, &gn) == 0);
  size_t n = 0;
  unsigned char *b = slurp(full, &n);
  CU_ASSERT_FATAL(b != NULL);
  static rsum want[512], got[512];
  io_log_status st;
  long nw = read_all(full, want, 512, &st);
  CU_ASSERT_FATAL(nw > 10 && st.ended);
  uint64_t header_end = want[0].offset;
  size_t bad = 0, checked = 0;
  for (size_t c = 0; c < n; c++) {
    spit(cut, b, c);
    long ng = read_all(cut, got, 512, &st);
    if (c < header_end) { /* a cut header is not a log */
      bad += ng != SIM_EFORMAT;
      continue;
    }
    long k = 0; /* records wholly before the cut */
    while (k < nw && want[k].offset + want[k].size <= c)
      k++;
    int ok = ng == k && st.truncated && !st.ended && st.records == (uint64_t)k &&
             st.good_bytes == (k ? want[k - 1].offset + want[k - 1].size
                                 : header_end) &&
             st.partial_bytes == c - st.good_bytes;
    for (long i = 0; ok && i < k; i++)
      ok = rsum_eq(&got[i], &want[i]);
    sim_time wend = 0; /* last window end among the kept records */
    for (long i = 0; i < k; i++)
      if (want[i].type == IO_LOG_SPIKES || want[i].type == IO_LOG_WINDOW)
        wend = want[i].tick;
    ok = ok && st.complete_tick == wend;
    if (!ok) {
      bad++;
      if (bad < 4)
        fprintf(stderr, "\ncut at %zu: got %ld records (want %ld), "
                "truncated %d, good %" PRIu64 ", partial %" PRIu64 "\n",
                c, ng, k, st.truncated, st.good_bytes, st.partial_bytes);
    }
    checked++;
  }
  CU_ASSERT(checked > 500);
  CU_ASSERT(bad == 0);
  free(b);
}

/* Write bytes b (n) patched at offset `at` with the string s. */
static void spit_patched(const char *path, const unsigned char *b, size_t n,
                         long at, const void *s, size_t k)
{
  unsigned char *c = malloc(n);
  memcpy(c, b, n);
  CU_ASSERT_FATAL(at >= 0 && (size_t)at + k <= n);
  memcpy(c + at, s, k);
  spit(path, c, n);
  free(c);
}

static void expect_header_error(const char *path, const char *needle)
{
  io_log_reader *r = NULL;
  sim_error_clear();
  int rc = io_log_reader_create(path, &r);
  CU_ASSERT(rc == SIM_EFORMAT);
  CU_ASSERT(r == NULL);
  CU_ASSERT(strstr(sim_error_msg(), needle) != NULL);
  CU_ASSERT(strstr(sim_error_msg(), path) != NULL);
  if (!strstr(sim_error_msg(), needle))
    fprintf(stderr, "\nmessage: %s (wanted \"%s\")\n", sim_error_msg(), needle);
  io_log_reader_destroy(r);
}

static void test_corrupt_header(void)
{
  const char *good = tpath("hdr.msgpack"), *bad = tpath("hdr_bad.msgpack");
  gen gn = gen_default;
  gn.nwin = 2;
  CU_ASSERT_FATAL(gen_log(good, &gn) == 0);
  size_t n = 0;
  unsigned char *b = slurp(good, &n);
  CU_ASSERT_FATAL(b != NULL);

  spit_patched(bad, b, n, find_bytes(b, n, "memspike-log"), "memspike-lag", 12);
  expect_header_error(bad, "\"format\" is \"memspike-lag\"");

  spit_patched(bad, b, n, find_bytes(b, n, "seed"), "sewd", 4);
  expect_header_error(bad, "field \"seed\" is missing");

  spit_patched(bad, b, n, find_bytes(b, n, "resolution_ms"), "resolution_xx", 13);
  expect_header_error(bad, "field \"resolution_ms\" is missing");

  /* "version" is followed by its value, a positive fixint */
  long at = find_bytes(b, n, "version");
  spit_patched(bad, b, n, at + 7, "\x02", 1);
  expect_header_error(bad, "\"version\" is 2");

  /* population field of the wrong type: "n" -> value becomes a string
     would change lengths; rename "first_gid" instead */
  spit_patched(bad, b, n, find_bytes(b, n, "first_gid"), "first_gxd", 9);
  expect_header_error(bad, "populations[0]: field \"first_gid\" is missing");

  /* recorder kind neither spikes nor state */
  spit_patched(bad, b, n, find_bytes(b, n, "\xa4kind\xa6spikes") + 6, "spokes", 6);
  expect_header_error(bad, "\"kind\"");

  static const unsigned char arr[] = {0x93, 1, 2, 3};
  spit(bad, arr, sizeof arr);
  expect_header_error(bad, "must be a msgpack map");

  spit(bad, "", 0);
  expect_header_error(bad, "empty file");

  /* a map, but not ours: {"a": 1} */
  static const unsigned char other[] = {0x81, 0xa1, 'a', 1};
  spit(bad, other, sizeof other);
  expect_header_error(bad, "field \"format\" is missing");
  free(b);
}

/* Offset (and index) of the first record of the given type, or -1. */
static long record_offset(const char *path, int type, uint64_t *index)
{
  io_log_reader *r;
  if (io_log_reader_create(path, &r))
    return -1;
  io_log_record rec;
  long off = -1;
  while (io_log_reader_next(r, &rec) == 1)
    if ((int)rec.type == type) {
      off = (long)rec.offset;
      *index = rec.index;
      break;
    }
  io_log_reader_destroy(r);
  return off;
}

static void test_corrupt_records(void)
{
  const char *good = tpath("rec.msgpack"), *bad = tpath("rec_bad.msgpack");
  gen gn = gen_default; /* windows 0 and 13 have no spikes: window records */
  CU_ASSERT_FATAL(gen_log(good, &gn) == 0);
  size_t n = 0;
  unsigned char *b = slurp(good, &n);
  uint64_t idx = 0;
  long at = record_offset(good, IO_LOG_WINDOW, &idx);
  CU_ASSERT_FATAL(at > 0 && b[at] == 0x92 && b[at + 1] == IO_LOG_WINDOW);
  rsum want[512], got[512];
  io_log_status st;
  long nw = read_all(good, want, 512, &st);
  CU_ASSERT_FATAL(nw > 0);

  /* unknown critical type code 7: error naming code, record and byte */
  spit_patched(bad, b, n, at + 1, "\x07", 1);
  sim_error_clear();
  CU_ASSERT(read_all(bad, got, 512, NULL) == SIM_EFORMAT);
  char needle[128];
  snprintf(needle, sizeof needle, "record %" PRIu64 " at byte %ld", idx, at);
  CU_ASSERT(strstr(sim_error_msg(), needle) != NULL);
  CU_ASSERT(strstr(sim_error_msg(), "unknown record type code 7") != NULL);
  CU_ASSERT(strstr(sim_error_msg(), bad) != NULL);

  /* the records before it still come out */
  io_log_reader *r;
  CU_ASSERT_FATAL(io_log_reader_create(bad, &r) == 0);
  io_log_record rec;
  uint64_t before = 0;
  int rc;
  while ((rc = io_log_reader_next(r, &rec)) == 1)
    before++;
  CU_ASSERT(rc == SIM_EFORMAT && before == idx - 1);
  CU_ASSERT(io_log_reader_next(r, &rec) == SIM_EFORMAT); /* sticky */
  io_log_reader_destroy(r);

  /* optional type code 64 is skipped: one record fewer, rest intact */
  spit_patched(bad, b, n, at + 1, "\x40", 1);
  io_log_status st2;
  long ng = read_all(bad, got, 512, &st2);
  CU_ASSERT(ng == nw - 1 && st2.ended);

  /* a byte msgpack never uses, where a record starts */
  spit_patched(bad, b, n, at, "\xc1", 1);
  sim_error_clear();
  CU_ASSERT(read_all(bad, got, 512, NULL) == SIM_EFORMAT);
  CU_ASSERT(strstr(sim_error_msg(), "0xc1") != NULL);

  /* a record that is not an array: [3, t] -> 3 then t as two values */
  spit_patched(bad, b, n, at, "\x03", 1);
  sim_error_clear();
  CU_ASSERT(read_all(bad, got, 512, NULL) == SIM_EFORMAT);
  CU_ASSERT(strstr(sim_error_msg(), "expected an array") != NULL);

  /* an end record whose spike count disagrees with the file */
  long endk = -1;
  for (long i = 0; i + 7 < (long)n; i++)
    if (memcmp(b + i, "\xa6spikes", 7) == 0)
      endk = i + 7; /* the last one is the end record's */
  CU_ASSERT_FATAL(endk > 0 && (b[endk] < 0x7f || b[endk] == 0xcc));
  long vat = b[endk] == 0xcc ? endk + 1 : endk; /* fixint or uint8 */
  unsigned char more = (unsigned char)(b[vat] ^ 1);
  spit_patched(bad, b, n, vat, &more, 1);
  sim_error_clear();
  CU_ASSERT(read_all(bad, got, 512, NULL) == SIM_EFORMAT);
  CU_ASSERT(strstr(sim_error_msg(), "end record counts") != NULL);

  /* data after the end record */
  unsigned char *c = malloc(n + 1);
  memcpy(c, b, n);
  c[n] = 0x90;
  spit(bad, c, n + 1);
  sim_error_clear();
  CU_ASSERT(read_all(bad, got, 512, NULL) == SIM_EFORMAT);
  CU_ASSERT(strstr(sim_error_msg(), "after the end record") != NULL);
  free(c);
  free(b);
}

static long file_size(const char *path)
{
  FILE *f = fopen(path, "rb");
  if (!f)
    return -1;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fclose(f);
  return n;
}

/* Nothing reaches the file between flushes, and after each flush the file
   ends on a record boundary with the window complete. */
static void test_flush_whole_windows(void)
{
  const char *path = tpath("flush.msgpack");
  gen gn = gen_default;
  io_log_rec recs[3];
  sim_gid vm_gids[3];
  io_log_header h;
  fill_header(&h, recs, vm_gids, &gn);
  io_log *log;
  CU_ASSERT_FATAL(io_log_create(path, &h, &log) == 0);
  long size = file_size(path);
  CU_ASSERT(size > 100 && (uint64_t)size == io_log_bytes(log));
  sim_time t[64];
  sim_gid g[64];
  double v[6];
  int unbuffered = 0, bad = 0;
  for (int w = 0; w < 12; w++) {
    int n = win_spikes(w, 3, t, g);
    for (int i = 0; i < n; i++) {
      io_log_spike(log, t[i], g[i]);
      unbuffered += file_size(path) != size;
    }
    vm_values(w * WIN, vm_gids, 3, v);
    io_log_sample(log, 2, w * WIN, v, 6);
    unbuffered += file_size(path) != size;
    CU_ASSERT(io_log_flush(log, (w + 1) * WIN) == 0);
    CU_ASSERT(io_log_flush(log, (w + 1) * WIN) == 0); /* no-op */
    long now = file_size(path);
    bad += now <= size || (uint64_t)now != io_log_bytes(log);
    size = now;
    io_log_status st;
    rsum rs[64];
    long nr = read_all(path, rs, 64, &st);
    bad += nr != 2 * (w + 1) || !st.truncated || st.partial_bytes != 0 ||
           st.complete_tick != (w + 1) * WIN;
  }
  CU_ASSERT(unbuffered == 0);
  CU_ASSERT(bad == 0);
  CU_ASSERT(io_log_close(log, 12 * WIN) == 0);
}

/* A rank that owns none of a multimeter's neurons: sampling writes
   nothing, and the header says so with an empty gids list. */
static void test_sample_no_local(void)
{
  const char *path = tpath("nolocal.msgpack");
  gen gn = gen_default;
  io_log_rec recs[3];
  sim_gid vm_gids[3];
  io_log_header h;
  fill_header(&h, recs, vm_gids, &gn);
  recs[2].ngids = 0;
  io_log *log;
  CU_ASSERT_FATAL(io_log_create(path, &h, &log) == 0);
  io_log_sample(log, 2, 0, NULL, 0);
  io_log_spike(log, 3, 7);
  CU_ASSERT(io_log_flush(log, WIN) == 0);
  CU_ASSERT(io_log_close(log, WIN) == 0);
  io_log_reader *r;
  CU_ASSERT_FATAL(io_log_reader_create(path, &r) == 0);
  CU_ASSERT(io_log_reader_header(r)->recs[2].ngids == 0);
  io_log_record rec;
  int types = 0;
  while (io_log_reader_next(r, &rec) == 1)
    types = types * 10 + (int)rec.type;
  CU_ASSERT(types == 19); /* spike block, end: no sample record */
  io_log_reader_destroy(r);
}

static void test_abandoned(void)
{
  const char *path = tpath("abandoned.msgpack");
  gen gn = gen_default;
  gn.nwin = 7;
  gn.close = 0;
  CU_ASSERT_FATAL(gen_log(path, &gn) == 0);
  io_log_status st;
  rsum got[512];
  long ng = read_all(path, got, 512, &st);
  CU_ASSERT(ng > 7);
  CU_ASSERT(st.truncated && !st.ended && st.partial_bytes == 0);
  CU_ASSERT(st.complete_tick == 7 * WIN);
  static spk want[4096];
  CU_ASSERT(st.spikes == expected_spikes(&gn, want));
}

static void test_unwritable(void)
{
  const char *path = tpath("no_such_dir/run.msgpack");
  gen gn = gen_default;
  sim_error_clear();
  CU_ASSERT(gen_log(path, &gn) == SIM_EIO);
  CU_ASSERT(strstr(sim_error_msg(), path) != NULL);
  CU_ASSERT(strstr(sim_error_msg(), "No such file") != NULL);
  io_log_reader *r = NULL;
  CU_ASSERT(io_log_reader_create(path, &r) == SIM_EIO && r == NULL);
  CU_ASSERT(io_log_close(NULL, 0) == 0); /* NULL is a no-op */
  io_log_destroy(NULL);
  io_log_reader_destroy(NULL);
}

/* Text of a function writing to a FILE (caller frees). */
static char *capture(int (*fn)(const char *const *, int, FILE *),
                     const char *const *paths, int n, int *rc)
{
  FILE *f = tmpfile();
  CU_ASSERT_FATAL(f != NULL);
  *rc = fn(paths, n, f);
  long sz = ftell(f);
  rewind(f);
  char *s = calloc(1, (size_t)sz + 1);
  if (fread(s, 1, (size_t)sz, f) != (size_t)sz)
    s[0] = '\0';
  fclose(f);
  return s;
}

/* From the population header line to the totals line. */
static const char *pop_table(const char *s)
{
  const char *p = strstr(s, "\npopulation");
  return p ? p : "";
}

static int pop_line(const char *s, const char *name, uint64_t *neurons,
                    uint64_t *spikes, double *rate)
{
  char key[32];
  snprintf(key, sizeof key, "\n%s ", name);
  const char *p = strstr(s, key);
  char model[64];
  return p && sscanf(p + 1, "%*s %63s %" SCNu64 " %" SCNu64 " %lf", model,
                     neurons, spikes, rate) == 4;
}

static void write_ranks(const char *r0, const char *r1, const char *all, int big)
{
  gen g0 = gen_default, g1 = gen_default, ga = gen_default;
  g0.big = g1.big = ga.big = big;
  g0.nranks = g1.nranks = 2;
  g1.rank = 1;
  CU_ASSERT_FATAL(gen_log(r0, &g0) == 0);
  CU_ASSERT_FATAL(gen_log(r1, &g1) == 0);
  if (all)
    CU_ASSERT_FATAL(gen_log(all, &ga) == 0);
}

static void test_replay_merge(void)
{
  const char *r0 = tpath("m_r0.msgpack"), *r1 = tpath("m_r1.msgpack"),
             *all = tpath("m_all.msgpack");
  write_ranks(r0, r1, all, 30);
  const char *two[] = {r0, r1}, *rev[] = {r1, r0}, *one[] = {all};
  int rc1, rc2, rc3;
  char *s2 = capture(io_replay_summary, two, 2, &rc2);
  char *s1 = capture(io_replay_summary, one, 1, &rc1);
  CU_ASSERT(rc1 == 0 && rc2 == 0);
  /* the population table is identical; sample record counts differ (each
     rank samples its own neurons), so compare only up to "recorder" */
  const char *t1 = pop_table(s1), *t2 = pop_table(s2);
  const char *e1 = strstr(t1, "\nrecorder"), *e2 = strstr(t2, "\nrecorder");
  CU_ASSERT_FATAL(e1 && e2);
  CU_ASSERT(e1 - t1 == e2 - t2 && strncmp(t1, t2, (size_t)(e1 - t1)) == 0);

  /* the numbers are the right ones: E all 80, I only the 10 recorded */
  static spk want[65536];
  gen ga = gen_default;
  ga.big = 30;
  size_t m = expected_spikes(&ga, want);
  uint64_t nE = 0, nI = 0, neur, spikes;
  for (size_t i = 0; i < m; i++) {
    nE += want[i].g < 80;
    nI += want[i].g >= 80 && want[i].g < 90;
  }
  double rate;
  CU_ASSERT(pop_line(s2, "E", &neur, &spikes, &rate) && neur == 80 &&
            spikes == nE);
  double dur_s = 20 * WIN * 0.1e-3;
  CU_ASSERT(fabs(rate - (double)nE / (80 * dur_s)) < 1e-3);
  CU_ASSERT(pop_line(s2, "I", &neur, &spikes, &rate) && neur == 10 &&
            spikes == nI);
  CU_ASSERT(strstr(s2, "\nnoise ") && strstr(strstr(s2, "\nnoise "), "not recorded"));
  CU_ASSERT(strstr(s2, "outside every spike recorder") != NULL);
  CU_ASSERT(strstr(s2, "truncated") == NULL);

  /* the merged spike stream is the single file's, in any file order */
  char *c2 = capture(io_replay_spikes_csv, two, 2, &rc2);
  char *c3 = capture(io_replay_spikes_csv, rev, 2, &rc3);
  char *c1 = capture(io_replay_spikes_csv, one, 1, &rc1);
  CU_ASSERT(rc1 == 0 && rc2 == 0 && rc3 == 0);
  CU_ASSERT(strcmp(c1, c2) == 0);
  CU_ASSERT(strcmp(c1, c3) == 0);
  CU_ASSERT(strncmp(c1, "time_ms,gid,population\n", 23) == 0);
  size_t lines = 0;
  for (const char *p = c1; *p; p++)
    lines += *p == '\n';
  CU_ASSERT(lines == m + 1);
  char first[64];
  snprintf(first, sizeof first, "\n%.1f,%u,%s\n", want[0].t * 0.1, want[0].g,
           want[0].g < 80 ? "E" : want[0].g < 100 ? "I" : "noise");
  CU_ASSERT(strncmp(c1 + 22, first, strlen(first)) == 0);
  free(s1);
  free(s2);
  free(c1);
  free(c2);
  free(c3);
}

static void test_replay_mismatch(void)
{
  const char *r0 = tpath("x_r0.msgpack"), *r1 = tpath("x_r1.msgpack");
  gen g0 = gen_default, g1 = gen_default;
  g0.nranks = g1.nranks = 2;
  g1.rank = 1;
  g1.digest = 0x1111;
  CU_ASSERT_FATAL(gen_log(r0, &g0) == 0 && gen_log(r1, &g1) == 0);
  const char *two[] = {r0, r1};
  sim_error_clear();
  FILE *f = tmpfile();
  CU_ASSERT(io_replay_summary(two, 2, f) == SIM_EINVAL);
  CU_ASSERT(strstr(sim_error_msg(), "digest") != NULL);
  CU_ASSERT(strstr(sim_error_msg(), r0) && strstr(sim_error_msg(), r1));
  CU_ASSERT(ftell(f) == 0); /* nothing printed */

  const char *dup[] = {r0, r0};
  sim_error_clear();
  CU_ASSERT(io_replay_spikes_csv(dup, 2, f) == SIM_EINVAL);
  CU_ASSERT(strstr(sim_error_msg(), "rank 0") != NULL);
  fclose(f);
}

static void test_replay_truncated(void)
{
  const char *r0 = tpath("t_r0.msgpack"), *r1 = tpath("t_r1.msgpack");
  write_ranks(r0, r1, NULL, 5);
  /* cut rank 1 in the middle of a record after window 9's end */
  rsum rs[512];
  io_log_status st;
  long nr = read_all(r1, rs, 512, &st);
  CU_ASSERT_FATAL(nr > 20);
  long k = 0;
  while (k < nr && !((rs[k].type == IO_LOG_SPIKES || rs[k].type == IO_LOG_WINDOW) &&
                     rs[k].tick == 10 * WIN))
    k++;
  CU_ASSERT_FATAL(k + 1 < nr);
  size_t n = 0;
  unsigned char *b = slurp(r1, &n);
  spit(r1, b, rs[k + 1].offset + rs[k + 1].size - 1);
  free(b);

  const char *two[] = {r0, r1};
  int rc;
  char *s = capture(io_replay_summary, two, 2, &rc);
  CU_ASSERT(rc == 0);
  char needle[256];
  snprintf(needle, sizeof needle, "truncated: %s: after record %ld at byte %" PRIu64,
           r1, k + 1, rs[k].offset + rs[k].size);
  CU_ASSERT(strstr(s, needle) != NULL);
  CU_ASSERT(strstr(s, "duration: 15.0 ms") != NULL);
  CU_ASSERT(strstr(s, "truncated log") != NULL);
  static spk want[65536];
  gen ga = gen_default;
  ga.big = 5;
  size_t m = expected_spikes(&ga, want);
  uint64_t nE = 0, neur, spikes;
  for (size_t i = 0; i < m; i++)
    nE += want[i].g < 80 && want[i].t < 10 * WIN;
  double rate;
  CU_ASSERT(pop_line(s, "E", &neur, &spikes, &rate) && spikes == nE);
  CU_ASSERT(strstr(s, "ignored") != NULL); /* rank 0's later spikes */
  free(s);
}

int test_log_register(void)
{
  CU_pSuite s = CU_add_suite("log", suite_init, suite_clean);
  if (!s)
    return -1;
  if (!CU_add_test(s, "write/read round trip", test_roundtrip) ||
      !CU_add_test(s, "large unsorted windows sort like qsort", test_sort_large) ||
      !CU_add_test(s, "same content, byte-identical file", test_deterministic) ||
      !CU_add_test(s, "cut at every byte: complete records only",
                   test_truncated_every_byte) ||
      !CU_add_test(s, "corrupt header names the field", test_corrupt_header) ||
      !CU_add_test(s, "corrupt records name record and byte",
                   test_corrupt_records) ||
      !CU_add_test(s, "flush writes whole windows only",
                   test_flush_whole_windows) ||
      !CU_add_test(s, "no local neurons: no sample records",
                   test_sample_no_local) ||
      !CU_add_test(s, "abandoned log reads as truncated", test_abandoned) ||
      !CU_add_test(s, "unwritable path gives SIM_EIO", test_unwritable) ||
      !CU_add_test(s, "replay: two ranks merge like one file", test_replay_merge) ||
      !CU_add_test(s, "replay: files of different runs", test_replay_mismatch) ||
      !CU_add_test(s, "replay: truncated rank file", test_replay_truncated))
    return -1;
  return 0;
}
