/*
 * test_ckpt.c: checkpoints (core/sim_ckpt.h, io/io_ckpt.c,
 * core/sim_engine_ckpt.c): the file's typed fields read back as written,
 * a field of another type or past its record named by file, record and
 * field; the queue walked in pop order; and a run saved at a window end,
 * loaded into a newly built network and finished, is the uninterrupted
 * run (spikes in order, counts) for a per-tick struct-of-arrays model
 * (Izhikevich), current-based neurons (Brette CUBA) and STDP on ECRAM.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/sim_engine.h"
#include "../core/sim_error.h"
#include "../core/sim_queue.h"
#include "../io/io_ckpt.h"
#include "../io/io_config.h"
#include "../network/net_build.h"
#include "fixture_digest.h"
#include "test_suites.h"

static char path[256];

static int suite_init(void)
{
  snprintf(path, sizeof path, "/tmp/memspike-test-ckpt-%d.msgpack", (int)getpid());
  return 0;
}

static int suite_clean(void)
{
  remove(path);
  return 0;
}

static const io_ckpt_header hdr = {.rank = 0, .nranks = 1, .tick = 42, .digest = 7,
                                   .seed = 3, .resolution_ms = 0.1, .duration_ms = 10,
                                   .config = "c.ini", .out_dir = "", .log_path = ""};

static void test_fields_round_trip(void)
{
  io_ckpt_w *w = io_ckpt_w_create(&hdr);
  sim_ckpt_writer cw = io_ckpt_w_writer(w);
  const double arr[3] = {1.5, -0.0, 1e300};
  sim_ckpt_rec(&cw, "x", 5);
  sim_ckpt_u64(&cw, UINT64_MAX);
  sim_ckpt_i64(&cw, -5);
  sim_ckpt_f64(&cw, 0.1);
  sim_ckpt_bin(&cw, arr, sizeof arr);
  sim_ckpt_i64(&cw, INT64_MIN);
  sim_ckpt_rec(&cw, "y", 1);
  sim_ckpt_u64(&cw, 9);
  CU_ASSERT_EQUAL_FATAL(io_ckpt_w_commit(w, path, NULL), 0);
  io_ckpt_r *r;
  CU_ASSERT_EQUAL_FATAL(io_ckpt_r_open(path, &r), 0);
  CU_ASSERT_EQUAL(io_ckpt_r_header(r)->tick, 42);
  CU_ASSERT_STRING_EQUAL(io_ckpt_r_header(r)->config, "c.ini");
  sim_ckpt_reader *rd = io_ckpt_r_reader(r);
  const char *tag;
  uint32_t nf;
  uint64_t u;
  int64_t i;
  double d;
  const void *p;
  size_t n;
  CU_ASSERT_EQUAL_FATAL(rd->ops->next(rd->self, &tag, &nf), 0);
  CU_ASSERT_STRING_EQUAL(tag, "x");
  CU_ASSERT_EQUAL(nf, 5);
  CU_ASSERT(sim_ckpt_get_u64(rd, "a", &u) == 0 && u == UINT64_MAX);
  CU_ASSERT(sim_ckpt_get_i64(rd, "b", &i) == 0 && i == -5);
  CU_ASSERT(sim_ckpt_get_f64(rd, "c", &d) == 0 && d == 0.1);
  CU_ASSERT(sim_ckpt_get_bin(rd, "d", &p, &n) == 0 && n == sizeof arr &&
            !memcmp(p, arr, n));
  /* A field of another type is named. */
  CU_ASSERT_EQUAL(sim_ckpt_get_u64(rd, "e", &u), SIM_EFORMAT);
  CU_ASSERT(strstr(sim_error_msg(), "record 1 (x), field e: expected an unsigned") != NULL);
  CU_ASSERT(strstr(sim_error_msg(), path) != NULL);
  /* The next record skips what was not read; past its fields: named. */
  CU_ASSERT_EQUAL_FATAL(rd->ops->next(rd->self, &tag, &nf), 0);
  CU_ASSERT_STRING_EQUAL(tag, "y");
  CU_ASSERT(sim_ckpt_get_u64(rd, "f", &u) == 0 && u == 9);
  CU_ASSERT_EQUAL(sim_ckpt_get_u64(rd, "g", &u), SIM_EFORMAT);
  CU_ASSERT(strstr(sim_error_msg(), "record 2 (y), field g: the record has fewer") != NULL);
  CU_ASSERT_EQUAL(rd->ops->next(rd->self, &tag, &nf), 1);
  io_ckpt_r_destroy(r);
}

static void test_truncated_and_flipped(void)
{
  io_ckpt_w *w = io_ckpt_w_create(&hdr);
  sim_ckpt_writer cw = io_ckpt_w_writer(w);
  sim_ckpt_rec(&cw, "x", 1);
  sim_ckpt_u64(&cw, 1234567);
  uint64_t bytes;
  CU_ASSERT_EQUAL_FATAL(io_ckpt_w_commit(w, path, &bytes), 0);
  FILE *f = fopen(path, "rb");
  unsigned char buf[4096];
  size_t len = fread(buf, 1, sizeof buf, f);
  fclose(f);
  CU_ASSERT_EQUAL(len, bytes);
  io_ckpt_r *r = NULL;
  for (size_t cut = 0; cut < len; cut += 7) { /* every cut is refused */
    f = fopen(path, "wb");
    fwrite(buf, 1, cut, f);
    fclose(f);
    CU_ASSERT_EQUAL(io_ckpt_r_open(path, &r), SIM_EFORMAT);
  }
  for (size_t k = 0; k < len - 19; k++) { /* every flipped bit before the end record */
    buf[k] ^= 4;
    f = fopen(path, "wb");
    fwrite(buf, 1, len, f);
    fclose(f);
    CU_ASSERT_EQUAL(io_ckpt_r_open(path, &r), SIM_EFORMAT);
    buf[k] ^= 4;
  }
  CU_ASSERT(strstr(sim_error_msg(), "corrupt checkpoint: CRC-32") != NULL);
}

typedef struct walked {
  sim_time t[64];
  uint32_t id[64], n;
} walked;

static void walk_fn(void *ctx, sim_time t, const sim_event *ev)
{
  walked *w = ctx;
  w->t[w->n] = t;
  w->id[w->n++] = ev->index;
}

/* The walk lists events in the order they pop, heap included. */
static void test_queue_walk_order(void)
{
  sim_queue q;
  sim_queue_init(&q, 8, 5);
  const sim_time ts[] = {9, 5, 100, 9, 40, 6, 100, 5, 12};
  for (uint32_t k = 0; k < 9; k++)
    sim_queue_push(&q, ts[k], (sim_event){1, 0, k});
  walked w = {{0}, {0}, 0};
  sim_queue_walk(&q, walk_fn, &w);
  CU_ASSERT_EQUAL_FATAL(w.n, 9);
  uint32_t k = 0;
  for (sim_time t = 5; t <= 100; t++) {
    uint32_t n;
    sim_event *ev = sim_queue_bucket(&q, &n);
    for (uint32_t m = 0; m < n && k < 9; m++, k++) {
      CU_ASSERT_EQUAL(w.t[k], t);
      CU_ASSERT_EQUAL(w.id[k], ev[m].index);
    }
    sim_queue_advance(&q);
  }
  CU_ASSERT_EQUAL(k, 9);
  sim_queue_fini(&q);
}

/* Run cfg to its end, or to stop (then save, rebuild, load, finish). */
static int run_ckpt(const char *cfg, sim_time stop, spike_digest *dg, sim_stats *st)
{
  const char *sets[] = {"simulation.duration=200"};
  int rc = 0;
  sim_recorder rec = {&spike_digest_ops, dg};
  sim_run_opts opts = {.recorders = &rec, .nrecorders = 1};
  for (int half = 0; half < (stop ? 2 : 1) && !rc; half++) {
    net_desc *d = NULL;
    if (io_config_load(cfg, sets, 1, &d) != 0)
      return -1;
    net_part part = {d->sim.partition, 0, 1};
    net_network *net = NULL;
    if (net_build(d, &part, NULL, &net) != 0)
      return -1;
    sim_engine *e = NULL;
    if (half)
      sim_stats_fini(st);
    rc = sim_engine_open(&net->kernel, &opts, st, &e);
    if (!rc && half) {
      io_ckpt_r *r = NULL;
      rc = io_ckpt_r_open(path, &r);
      sim_ckpt_reader *rd = rc ? NULL : io_ckpt_r_reader(r);
      if (!rc)
        rc = sim_engine_load(e, &rd, 1);
      io_ckpt_r_destroy(r);
    }
    if (!rc)
      rc = sim_engine_advance(e, stop && !half ? stop : net->kernel.t_end);
    if (!rc && stop && !half) {
      io_ckpt_w *w = io_ckpt_w_create(&hdr);
      sim_ckpt_writer cw = io_ckpt_w_writer(w);
      rc = sim_engine_save(e, &cw);
      rc = rc ? rc : io_ckpt_w_commit(w, path, NULL);
    }
    sim_engine_close(e);
    net_network_destroy(net);
    net_desc_destroy(d);
  }
  return rc;
}

static void test_resumed_run_is_the_run(void)
{
  const char *cfgs[] = {"configs/izhikevich_patterns.ini", "configs/brette_cuba.ini",
                        "configs/stdp_song2000_ecram.ini"};
  for (int c = 0; c < 3; c++) {
    spike_digest a = SPIKE_DIGEST_INIT, b = a;
    sim_stats sa, sb;
    CU_ASSERT_EQUAL_FATAL(run_ckpt(cfgs[c], 0, &a, &sa), 0);
    CU_ASSERT_EQUAL_FATAL(run_ckpt(cfgs[c], 990, &b, &sb), 0); /* 99 ms: on both grids */
    CU_ASSERT(a.n > 0);
    CU_ASSERT_EQUAL(a.n, b.n);
    CU_ASSERT_EQUAL(a.h, b.h);
    CU_ASSERT_EQUAL(sa.syn_events, sb.syn_events);
    CU_ASSERT_EQUAL(sa.ext_events, sb.ext_events);
    CU_ASSERT_EQUAL(sa.updates, sb.updates);
    CU_ASSERT_EQUAL(sa.windows, sb.windows);
    CU_ASSERT_EQUAL(sa.dev_pulses, sb.dev_pulses);
    CU_ASSERT_EQUAL(sa.stdp_updates, sb.stdp_updates);
    CU_ASSERT(sa.read_pj == sb.read_pj && sa.write_pj == sb.write_pj);
    sim_stats_fini(&sa);
    sim_stats_fini(&sb);
  }
}

int test_ckpt_register(void)
{
  CU_pSuite s = CU_add_suite("ckpt", suite_init, suite_clean);
  if (!s)
    return -1;
  if (!CU_add_test(s, "fields read back; wrong type and missing field named",
                   test_fields_round_trip) ||
      !CU_add_test(s, "every cut and every flipped bit refused", test_truncated_and_flipped) ||
      !CU_add_test(s, "queue walked in pop order", test_queue_walk_order) ||
      !CU_add_test(s, "saved, rebuilt, loaded and finished: the same run",
                   test_resumed_run_is_the_run))
    return -1;
  return 0;
}
