/*
 * test_log.c: CUnit suite of the event log writer (io_log): round trip,
 * sorting, byte-identical files, whole windows per flush, ranks without
 * local neurons, abandoned and unwritable logs.  The reader's error paths
 * and replay are test_log_read.c; the generated logs, fixture_log.h.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_error.h"
#include "../io/io_log.h"
#include "fixture_log.h"
#include "test_suites.h"

/* ============================================================ tests */

static void test_roundtrip(void)
{
  const char *path = lf_tpath("roundtrip.msgpack");
  gen gn = lf_gen_default;
  CU_ASSERT_FATAL(lf_gen_log(path, &gn) == 0);

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
    CU_ASSERT_STRING_EQUAL(h->pops[p].name, lf_pops[p].name);
    CU_ASSERT_STRING_EQUAL(h->pops[p].model, lf_pops[p].model);
    CU_ASSERT(h->pops[p].first_gid == lf_pops[p].first_gid);
    CU_ASSERT(h->pops[p].n == lf_pops[p].n);
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
  size_t nwant = lf_expected_spikes(&gn, want), ngot = 0;
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
      lf_vm_values(rec.tick, (const sim_gid[]){0, 1, 2}, 3, v);
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
    default: /* no device, energy or weight records in this log */
      CU_FAIL("unexpected record type");
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
  const char *path = lf_tpath("sort.msgpack");
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
      spk x = {(sim_time)w * W + lf_lcg(&s) % W, lf_lcg(&s) % 4000000};
      if (i % 50 == 0 && i > 0)
        x = want[w * N + i - 1]; /* duplicates stay */
      want[w * N + i] = x;
      io_log_spike(log, x.t, x.g);
    }
    CU_ASSERT(io_log_flush(log, (sim_time)(w + 1) * W) == 0);
  }
  CU_ASSERT(io_log_close(log, 3 * W) == 0);
  for (int w = 0; w < 3; w++)
    qsort(want + w * N, N, sizeof *want, lf_spk_cmp);

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
  gen gn = lf_gen_default;
  gn.big = 40;
  const char *a = lf_tpath("det_a.msgpack"), *b = lf_tpath("det_b.msgpack");
  CU_ASSERT_FATAL(lf_gen_log(a, &gn) == 0);
  CU_ASSERT_FATAL(lf_gen_log(b, &gn) == 0);
  size_t na, nb;
  unsigned char *ba = lf_slurp(a, &na), *bb = lf_slurp(b, &nb);
  CU_ASSERT_FATAL(ba && bb);
  CU_ASSERT(na > 1000);
  CU_ASSERT(na == nb && memcmp(ba, bb, na) == 0);
  /* and a different seed of content gives a different file */
  gn.big = 41;
  CU_ASSERT_FATAL(lf_gen_log(b, &gn) == 0);
  free(bb);
  bb = lf_slurp(b, &nb);
  CU_ASSERT(na != nb || memcmp(ba, bb, na) != 0);
  free(ba);
  free(bb);
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
  const char *path = lf_tpath("flush.msgpack");
  gen gn = lf_gen_default;
  io_log_rec recs[3];
  sim_gid vm_gids[3];
  io_log_header h;
  lf_fill_header(&h, recs, vm_gids, &gn);
  io_log *log;
  CU_ASSERT_FATAL(io_log_create(path, &h, &log) == 0);
  long size = file_size(path);
  CU_ASSERT(size > 100 && (uint64_t)size == io_log_bytes(log));
  sim_time t[64];
  sim_gid g[64];
  double v[6];
  int unbuffered = 0, bad = 0;
  for (int w = 0; w < 12; w++) {
    int n = lf_win_spikes(w, 3, t, g);
    for (int i = 0; i < n; i++) {
      io_log_spike(log, t[i], g[i]);
      unbuffered += file_size(path) != size;
    }
    lf_vm_values(w * WIN, vm_gids, 3, v);
    io_log_sample(log, 2, w * WIN, v, 6);
    unbuffered += file_size(path) != size;
    CU_ASSERT(io_log_flush(log, (w + 1) * WIN) == 0);
    CU_ASSERT(io_log_flush(log, (w + 1) * WIN) == 0); /* no-op */
    long now = file_size(path);
    bad += now <= size || (uint64_t)now != io_log_bytes(log);
    size = now;
    io_log_status st;
    rsum rs[64];
    long nr = lf_read_all(path, rs, 64, &st);
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
  const char *path = lf_tpath("nolocal.msgpack");
  gen gn = lf_gen_default;
  io_log_rec recs[3];
  sim_gid vm_gids[3];
  io_log_header h;
  lf_fill_header(&h, recs, vm_gids, &gn);
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
  const char *path = lf_tpath("abandoned.msgpack");
  gen gn = lf_gen_default;
  gn.nwin = 7;
  gn.close = 0;
  CU_ASSERT_FATAL(lf_gen_log(path, &gn) == 0);
  io_log_status st;
  rsum got[512];
  long ng = lf_read_all(path, got, 512, &st);
  CU_ASSERT(ng > 7);
  CU_ASSERT(st.truncated && !st.ended && st.partial_bytes == 0);
  CU_ASSERT(st.complete_tick == 7 * WIN);
  static spk want[4096];
  CU_ASSERT(st.spikes == lf_expected_spikes(&gn, want));
}

/* Header key t_start: written only when > 0 (a log of an uninterrupted run
   keeps its bytes), read back as written, 0 when absent. */
static void test_t_start(void)
{
  io_log_pop pop = {"p", "iaf_psc_delta", 0, 10};
  io_log_rec rc0 = {.name = "all", .pop = 0, .kind = IO_LOG_REC_SPIKES, .first = 0,
                    .count = 10};
  io_log_header h = {.config = "", .rank = 0, .nranks = 1, .resolution_ms = 0.1,
                     .duration_ms = 100, .pops = &pop, .npops = 1, .recs = &rc0, .nrecs = 1};
  const char *paths[2] = {lf_tpath("t_start0.msgpack"), lf_tpath("t_start1.msgpack")};
  for (int k = 0; k < 2; k++) {
    h.t_start = k ? 500 : 0;
    io_log *log;
    CU_ASSERT_FATAL(io_log_create(paths[k], &h, &log) == 0);
    io_log_spike(log, 600, 3);
    CU_ASSERT_FATAL(io_log_close(log, 1000) == 0);
    io_log_reader *r;
    CU_ASSERT_FATAL(io_log_reader_create(paths[k], &r) == 0);
    CU_ASSERT(io_log_reader_header(r)->t_start == (k ? 500u : 0u));
    io_log_reader_destroy(r);
    size_t n;
    unsigned char *b = lf_slurp(paths[k], &n);
    CU_ASSERT_FATAL(b != NULL);
    int found = 0;
    for (size_t i = 0; i + 7 <= n && !found; i++)
      found = memcmp(b + i, "t_start", 7) == 0;
    CU_ASSERT(found == k);
    free(b);
  }
}

static void test_unwritable(void)
{
  const char *path = lf_tpath("no_such_dir/run.msgpack");
  gen gn = lf_gen_default;
  sim_error_clear();
  CU_ASSERT(lf_gen_log(path, &gn) == SIM_EIO);
  CU_ASSERT(strstr(sim_error_msg(), path) != NULL);
  CU_ASSERT(strstr(sim_error_msg(), "No such file") != NULL);
  io_log_reader *r = NULL;
  CU_ASSERT(io_log_reader_create(path, &r) == SIM_EIO && r == NULL);
  CU_ASSERT(io_log_close(NULL, 0) == 0); /* NULL is a no-op */
  io_log_destroy(NULL);
  io_log_reader_destroy(NULL);
}

int test_log_register(void)
{
  CU_pSuite s = CU_add_suite("log", lf_suite_init, lf_suite_clean);
  if (!s)
    return -1;
  if (!CU_add_test(s, "write/read round trip", test_roundtrip) ||
      !CU_add_test(s, "large unsorted windows sort like qsort", test_sort_large) ||
      !CU_add_test(s, "same content, byte-identical file", test_deterministic) ||
      !CU_add_test(s, "flush writes whole windows only",
                   test_flush_whole_windows) ||
      !CU_add_test(s, "no local neurons: no sample records",
                   test_sample_no_local) ||
      !CU_add_test(s, "abandoned log reads as truncated", test_abandoned) ||
      !CU_add_test(s, "header t_start written only when > 0", test_t_start) ||
      !CU_add_test(s, "unwritable path gives SIM_EIO", test_unwritable))
    return -1;
  return 0;
}
