/*
 * test_log_source.c: CUnit suite for log_source (io/io_log_source.c), the
 * source that replays a recorded population from event logs.  Logs with a
 * known spike pattern are written with io_log_create; configs that replay
 * them are loaded and run on one rank with an in-memory spike recorder.
 * Checks: exact tick placement (log tick x resolution ratio + offset, in
 * local index order, repeats kept), the neuron mapping, spikes before tick
 * 0 or past the run dropped, and every config error naming file, line, key
 * and what is expected (missing or unreadable files, logs of different
 * runs or of some ranks only, unknown population, unrecorded neurons, n
 * mismatch, resolution mismatch, offset off the tick grid, bad range), and
 * a log changed between config and run failing the run with a message.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_engine.h"
#include "../core/sim_error.h"
#include "../io/io_config.h"
#include "../io/io_log.h"
#include "../network/net_build.h"
#include "fixture_config.h"
#include "test_suites.h"

/* ------------------------------------------------------------ fixtures */

#define MAX_LOGS 16
static char *logs[MAX_LOGS]; /* written logs, removed at suite end */
static int nlogs;

static int suite_init(void) { return cf_suite_init(); }

static int suite_clean(void)
{
  for (int i = 0; i < nlogs; i++) {
    char idx[512]; /* the writer's index sidecar beside each log */
    snprintf(idx, sizeof idx, "%s.index", logs[i]);
    remove(logs[i]);
    remove(idx);
    free(logs[i]);
  }
  nlogs = 0;
  return cf_suite_clean();
}

/* The recorded run: population src (5 neurons, gids 0-4) and other (3,
   gids 5-7), at 0.1 ms for 10 ms (100 ticks). */
static const io_log_pop rec_pops[2] = {{"src", "parrot_neuron", 0, 5},
                                       {"other", "parrot_neuron", 5, 3}};

/* The recorded spikes (tick, gid), in (tick, gid) order: gid 1 fires twice
   at tick 3 (a parrot's multiplicity 2). */
static const sim_time rec_t[] = {3, 3, 3, 7, 7, 50, 90};
static const sim_gid rec_g[] = {1, 1, 4, 0, 6, 2, 3};
#define NREC (sizeof rec_t / sizeof rec_t[0])

typedef struct log_opts {
  uint64_t digest;
  int rank, nranks;
  double res_ms;
  uint32_t rec_count;  /* neurons of src the spike recorder covers (from 0) */
  int close;           /* 0: abandoned after tick 60 (truncated) */
} log_opts;

static const log_opts log_default = {42, 0, 1, 0.1, 5, 1};

/* Write a log of the recorded run as o says; returns its path. */
static const char *write_log(const char *name, const log_opts *o)
{
  char path[256];
  snprintf(path, sizeof path, "%s/%s", cf_tmpdir, name);
  io_log_rec recs[2] = {
      {.name = "src_spikes", .pop = 0, .kind = IO_LOG_REC_SPIKES, .first = 0,
       .count = o->rec_count},
      {.name = "other_spikes", .pop = 1, .kind = IO_LOG_REC_SPIKES, .first = 0, .count = 3}};
  io_log_header h = {.config = "recorded.ini", .digest = o->digest, .seed = 1,
                     .rank = o->rank, .nranks = o->nranks, .resolution_ms = o->res_ms,
                     .duration_ms = 100 * o->res_ms, .pops = rec_pops, .npops = 2,
                     .recs = recs, .nrecs = 2};
  io_log *log = NULL;
  CU_ASSERT_EQUAL_FATAL(io_log_create(path, &h, &log), 0);
  for (sim_time w = 0; w < 100; w += 10) {
    if (!o->close && w >= 60)
      break;
    for (size_t k = 0; k < NREC; k++)
      if (rec_t[k] >= w && rec_t[k] < w + 10 && (int)(rec_g[k] % (unsigned)o->nranks) == o->rank &&
          (rec_g[k] >= 5 || rec_g[k] < o->rec_count))
        io_log_spike(log, rec_t[k], rec_g[k]);
    CU_ASSERT_EQUAL(io_log_flush(log, w + 10), 0);
  }
  if (o->close) {
    CU_ASSERT_EQUAL(io_log_close(log, 100), 0);
  } else {
    io_log_destroy(log);
  }
  for (int i = 0; i < nlogs; i++)
    if (!strcmp(logs[i], path))
      return logs[i];
  CU_ASSERT_FATAL(nlogs < MAX_LOGS);
  logs[nlogs] = strdup(path);
  return logs[nlogs++];
}

/* A recorder keeping what it hears. */
typedef struct heard {
  sim_time t[64];
  sim_gid g[64];
  int n;
  long total;    /* every spike heard */
  uint64_t hash; /* of the (tick, gid) sequence */
} heard;

static void heard_spike(void *self, sim_time t, sim_gid gid)
{
  heard *h = self;
  if (h->n < 64) {
    h->t[h->n] = t;
    h->g[h->n++] = gid;
  }
  h->total++;
  h->hash = (h->hash ^ (uint64_t)t * 1000003u ^ gid) * 1099511628211u;
}

static const sim_recorder_ops heard_ops = {.name = "heard", .spike = heard_spike};

/* Load, build and run text on one rank, recording into *h; returns
   sim_run's code (or fails the test on a load or build error). */
static int run_text(const char *name, const char *text, heard *h)
{
  const char *path = cf_write_text(name, text, strlen(text));
  net_desc *d = NULL;
  memset(h, 0, sizeof *h);
  if (io_config_load(path, NULL, 0, &d) != 0) {
    CHECK(0, "%s: %s", name, sim_error_msg());
    return SIM_ECONFIG;
  }
  net_part part = {d->sim.partition, 0, 1};
  net_network *net = NULL;
  int rc = net_build(d, &part, NULL, &net);
  CHECK(rc == 0, "%s: %s", name, sim_error_msg());
  if (rc) {
    net_desc_destroy(d);
    return rc;
  }
  sim_recorder rec = {&heard_ops, h};
  sim_run_opts opts = {.recorders = &rec, .nrecorders = 1};
  sim_stats st;
  rc = sim_run(&net->kernel, &opts, &st);
  sim_stats_fini(&st);
  net_network_destroy(net);
  net_desc_destroy(d);
  return rc;
}

/* A config replaying `files` with extra lines (population in, 4 neurons
   1:5 of src by default) and a recorder on it. */
static char *replay_text(const char *sim, const char *files, const char *extra)
{
  static char text[2048];
  snprintf(text, sizeof text,
           "[simulation]\n%s\nseed = 1\n"
           "[population in]\nmodel = log_source\nfiles = %s\npopulation = src\n%s\n"
           "[record r]\npopulation = in\nkind = spike_recorder\n",
           sim, files, extra);
  return text;
}

/* ----------------------------------------------------------- placement */

/* Log ticks at 0.1 ms replayed at 0.05 ms with offset 2.5 ms: tick
   2 T + 50, gids of src 1..4 as in 0..3 (in's gids 0..3 here), gid 0 and
   the other population dropped, the repeat kept, in local index order. */
static void test_tick_placement(void)
{
  const char *f = write_log("place.msgpack", &log_default);
  heard h;
  CU_ASSERT_EQUAL_FATAL(
      run_text("place.ini",
               replay_text("duration = 20\nresolution = 0.05", f,
                           "offset = 2.5\nneurons = 1:5\nn = 4"), &h), 0);
  const sim_time want_t[] = {56, 56, 56, 150, 230};
  const sim_gid want_g[] = {0, 0, 3, 1, 2}; /* src 1, 1, 4, 2, 3 */
  CHECK(h.n == 5, "%d spikes replayed, want 5", h.n);
  for (int k = 0; k < h.n && k < 5; k++)
    CHECK(h.t[k] == want_t[k] && h.g[k] == want_g[k], "spike %d: (%lld, %u), want (%lld, %u)",
          k, (long long)h.t[k], h.g[k], (long long)want_t[k], want_g[k]);
  /* All 5 neurons (n from the mapping: no n key), offset 10 ticks. */
  CU_ASSERT_EQUAL_FATAL(
      run_text("place_all.ini",
               replay_text("duration = 30\nresolution = 0.1", f, "offset = 1"), &h), 0);
  const sim_time all_t[] = {13, 13, 13, 17, 60, 100};
  const sim_gid all_g[] = {1, 1, 4, 0, 2, 3};
  CHECK(h.n == 6, "%d spikes replayed, want 6", h.n);
  for (int k = 0; k < h.n && k < 6; k++)
    CHECK(h.t[k] == all_t[k] && h.g[k] == all_g[k], "spike %d: (%lld, %u), want (%lld, %u)",
          k, (long long)h.t[k], h.g[k], (long long)all_t[k], all_g[k]);
  /* Offset -5 ticks, 50 ticks run: before tick 0 and at or after 50
     dropped. */
  CU_ASSERT_EQUAL_FATAL(
      run_text("place_cut.ini",
               replay_text("duration = 5\nresolution = 0.1", f, "offset = -0.5"), &h), 0);
  CHECK(h.n == 2 && h.t[0] == 2 && h.g[0] == 0 && h.t[1] == 45 && h.g[1] == 2,
        "%d spikes (first at %lld), want (2, 0), (45, 2)", h.n, h.n ? (long long)h.t[0] : -1LL);
}

/* A negative offset positions the files at the first tick that plays
   (io_replay_select, the sidecar index): the same spikes as reading the
   log from the start, which it does without its sidecar. */
static void test_negative_offset_seek(void)
{
  char path[256];
  snprintf(path, sizeof path, "%s/seek.msgpack", cf_tmpdir);
  io_log_rec recs[1] = {{.name = "src_spikes", .pop = 0, .kind = IO_LOG_REC_SPIKES,
                         .first = 0, .count = 5}};
  io_log_header hd = {.config = "recorded.ini", .digest = 45, .seed = 1, .rank = 0,
                      .nranks = 1, .resolution_ms = 0.1, .duration_ms = 2000,
                      .pops = rec_pops, .npops = 2, .recs = recs, .nrecs = 1};
  io_log *log = NULL;
  CU_ASSERT_EQUAL_FATAL(io_log_create(path, &hd, &log), 0);
  long want = 0;
  for (sim_time w = 0; w < 20000; w += 10) {
    for (sim_time t = w; t < w + 10; t++)
      for (sim_gid g = 0; g < 5; g++)
        if ((t * 7 + g * 3) % 4 != 0) {
          io_log_spike(log, t, g);
          /* offset -1500.05 ms: log tick t plays at t - 15001 in [0, 4000) */
          want += t >= 15001 && t < 19001;
        }
    CU_ASSERT_EQUAL(io_log_flush(log, w + 10), 0);
  }
  CU_ASSERT_EQUAL_FATAL(io_log_close(log, 20000), 0);
  CU_ASSERT_FATAL(nlogs < MAX_LOGS);
  logs[nlogs++] = strdup(path);
  char idx[300], moved[310];
  snprintf(idx, sizeof idx, "%s.index", path);
  snprintf(moved, sizeof moved, "%s.away", idx);
  FILE *fi = fopen(idx, "rb");
  CU_ASSERT_FATAL(fi != NULL);
  fseek(fi, 0, SEEK_END);
  long isz = ftell(fi);
  fclose(fi);
  CHECK(isz >= 24 + 3 * 16, "sidecar %s holds %ld bytes, want >= 3 entries", idx, isz);
  const char *text = replay_text("duration = 400\nresolution = 0.1", path,
                                 "offset = -1500.1\nneurons = 0:5");
  heard a, b;
  CU_ASSERT_EQUAL_FATAL(run_text("seek_idx.ini", text, &a), 0);
  CU_ASSERT_EQUAL_FATAL(rename(idx, moved), 0);
  int rc = run_text("seek_scan.ini", text, &b);
  CU_ASSERT_EQUAL(rename(moved, idx), 0);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  CHECK(a.total == want && b.total == want, "%ld and %ld spikes, want %ld", a.total,
        b.total, want);
  CHECK(a.hash == b.hash, "seek and scan replay different spikes");
  CHECK(a.n == 64 && a.t[0] == 0 && b.t[0] == 0, "first spike at %lld, want 0",
        a.n ? (long long)a.t[0] : -1LL);
}

/* The logs of a 2-rank run, merged: the same spikes as the 1-rank log. */
static void test_two_rank_logs(void)
{
  log_opts o = log_default;
  o.nranks = 2;
  o.digest = 43;
  const char *f0 = write_log("two.r0.msgpack", &o);
  o.rank = 1;
  const char *f1 = write_log("two.r1.msgpack", &o);
  char files[600];
  snprintf(files, sizeof files, "%s , %s", f1, f0);
  heard h;
  CU_ASSERT_EQUAL_FATAL(
      run_text("two.ini", replay_text("duration = 30\nresolution = 0.1", files, ""), &h), 0);
  const sim_time all_t[] = {3, 3, 3, 7, 50, 90};
  const sim_gid all_g[] = {1, 1, 4, 0, 2, 3};
  CHECK(h.n == 6, "%d spikes replayed, want 6", h.n);
  for (int k = 0; k < h.n && k < 6; k++)
    CHECK(h.t[k] == all_t[k] && h.g[k] == all_g[k], "spike %d: (%lld, %u), want (%lld, %u)",
          k, (long long)h.t[k], h.g[k], (long long)all_t[k], all_g[k]);
}

/* A truncated log replays what it holds (up to its last window end, tick
   60) and the run goes on. */
static void test_truncated(void)
{
  log_opts o = log_default;
  o.close = 0;
  o.digest = 44;
  const char *f = write_log("trunc.msgpack", &o);
  heard h;
  fprintf(stderr, "\n       (a warning about a truncated log is expected here)\n");
  CU_ASSERT_EQUAL_FATAL(
      run_text("trunc.ini", replay_text("duration = 30\nresolution = 0.1", f, ""), &h), 0);
  CHECK(h.n == 5 && h.t[4] == 50, "%d spikes, want the 5 before tick 60", h.n);
}

/* A log replaced between reading the config and the run stops the run
   with a message naming the file. */
static void test_changed_log(void)
{
  log_opts o = log_default;
  o.digest = 45;
  const char *f = write_log("changed.msgpack", &o);
  const char *text = replay_text("duration = 30\nresolution = 0.1", f, "");
  const char *path = cf_write_text("changed.ini", text, strlen(text));
  net_desc *d = NULL;
  CU_ASSERT_EQUAL_FATAL(io_config_load(path, NULL, 0, &d), 0);
  o.digest = 46;
  write_log("changed.msgpack", &o);
  net_part part = {d->sim.partition, 0, 1};
  net_network *net = NULL;
  CU_ASSERT_EQUAL_FATAL(net_build(d, &part, NULL, &net), 0);
  sim_stats st;
  sim_run_opts opts = {0};
  int rc = sim_run(&net->kernel, &opts, &st);
  CHECK(rc == SIM_EINVAL && strstr(sim_error_msg(), "changed.msgpack") &&
            strstr(sim_error_msg(), "log_source population in") &&
            strstr(sim_error_msg(), "changed since the config was read"),
        "rc %d: %s", rc, sim_error_msg());
  sim_stats_fini(&st);
  net_network_destroy(net);
  net_desc_destroy(d);
}

/* -------------------------------------------------------------- errors */

#define SIM01 "[simulation]", "duration = 20", "resolution = 0.1"

static void test_errors(void)
{
  const char *f = write_log("err.msgpack", &log_default);
  char files[300];
  snprintf(files, sizeof files, "files = %s", f);

  const char *const no_files[] = {SIM01, "[population in]", "model = log_source",
                                  "population = src", NULL};
  expect_error("ls_nofiles.ini", no_files, "[population in]", "files", "required",
               "comma-separated list", "every rank");
  const char *const no_pop[] = {SIM01, "[population in]", "model = log_source", files, NULL};
  expect_error("ls_nopop.ini", no_pop, "[population in]", "population", "required");
  char missing[300];
  snprintf(missing, sizeof missing, "files = %s/nope.msgpack", cf_tmpdir);
  const char *const no_such[] = {SIM01, "[population in]", "model = log_source", missing,
                                 "population = src", NULL};
  expect_error("ls_nosuch.ini", no_such, "files =", "files", "nope.msgpack",
               "every rank of the recorded run");
  char empty_item[320];
  snprintf(empty_item, sizeof empty_item, "%s, ,%s", files, f);
  const char *const empty[] = {SIM01, "[population in]", "model = log_source", empty_item,
                               "population = src", NULL};
  expect_error("ls_empty.ini", empty, "files =", "files", "empty file name");

  /* Logs of two runs; the log of one rank of two. */
  log_opts o = log_default;
  o.nranks = 2;
  o.digest = 50;
  const char *a0 = write_log("runa.r0.msgpack", &o);
  o.rank = 1;
  o.digest = 51;
  const char *b1 = write_log("runb.r1.msgpack", &o);
  char two[600];
  snprintf(two, sizeof two, "files = %s,%s", a0, b1);
  const char *const two_runs[] = {SIM01, "[population in]", "model = log_source", two,
                                  "population = src", NULL};
  expect_error("ls_tworuns.ini", two_runs, "files =", "files", "not logs of one run",
               "config digest", "runa.r0.msgpack");
  char one[300];
  snprintf(one, sizeof one, "files = %s", a0);
  const char *const one_rank[] = {SIM01, "[population in]", "model = log_source", one,
                                  "population = src", NULL};
  expect_error("ls_onerank.ini", one_rank, "files =", "files", "rank 0 of a run on 2 ranks",
               "rank 1");

  const char *const bad_pop[] = {SIM01, "[population in]", "model = log_source", files,
                                 "population = nope", NULL};
  expect_error("ls_badpop.ini", bad_pop, "population = nope", "population",
               "not a population of the logs", "src, other", "(got 'nope')");

  const char *const n_bad[] = {SIM01, "[population in]", "model = log_source", files,
                               "population = src", "neurons = 1:5", "n = 3", NULL};
  expect_error("ls_n.ini", n_bad, "n = 3", "n", "expected 4", "neurons 1:5 of population src",
               "(got '3')");

  const char *const coarse[] = {"[simulation]", "duration = 20", "resolution = 0.2",
                                "[population in]", "model = log_source", files,
                                "population = src", NULL};
  expect_error("ls_res_coarse.ini", coarse, "files =", "files", "recorded at resolution 0.1 ms",
               "not a whole multiple", "0.2 ms");
  const char *const odd[] = {"[simulation]", "duration = 21", "resolution = 0.03",
                             "[population in]", "model = log_source", files,
                             "population = src", NULL};
  expect_error("ls_res_odd.ini", odd, "files =", "files", "not a whole multiple", "0.03 ms");

  const char *const off[] = {SIM01, "[population in]", "model = log_source", files,
                             "population = src", "offset = 0.25", NULL};
  expect_error("ls_offset.ini", off, "offset = 0.25", "offset", "whole number of ticks",
               "0.1 ms", "(got '0.25')");
  const char *const off_nan[] = {SIM01, "[population in]", "model = log_source", files,
                                 "population = src", "offset = soon", NULL};
  expect_error("ls_offset_nan.ini", off_nan, "offset = soon", "offset", "time in ms");

  const char *const range[] = {SIM01, "[population in]", "model = log_source", files,
                               "population = src", "neurons = 3:9", NULL};
  expect_error("ls_range.ini", range, "neurons = 3:9", "neurons", "0 <= a < b <= 5",
               "population src in the logs", "(got '3:9')");

  o = log_default;
  o.rec_count = 3;
  o.digest = 52;
  char part[300];
  snprintf(part, sizeof part, "files = %s", write_log("part.msgpack", &o));
  const char *const unrec[] = {SIM01, "[population in]", "model = log_source", part,
                               "population = src", "neurons = 1:5", NULL};
  expect_error("ls_unrec.ini", unrec, "neurons = 1:5", "neurons",
               "neuron 3 of population src is not recorded", "spike_recorder");
  const char *const unrec_all[] = {SIM01, "[population in]", "model = log_source", part,
                                   "population = src", NULL};
  expect_error("ls_unrec_all.ini", unrec_all, "population = src", "population",
               "neuron 3 of population src is not recorded");

  const char *const unknown[] = {SIM01, "[population in]", "model = log_source", files,
                                 "population = src", "rate = 3", NULL};
  expect_error("ls_unknown.ini", unknown, "rate = 3", "rate", "unknown key",
               "files, population, offset, neurons");
  const char *const typo[] = {SIM01, "[population in]", "model = log_sauce", NULL};
  expect_error("ls_typo.ini", typo, "model = log_sauce", "model", "log_source",
               "spike_generator", "iaf_psc_delta");

  /* 0.1 ms logs replayed at 0.05 ms, and a subset with its n, load. */
  const char *const fine[] = {"[simulation]", "duration = 20", "resolution = 0.05",
                              "[population in]", "model = log_source", files,
                              "population = src", "neurons = 2", "n = 2", NULL};
  net_desc *d = cf_load_ok("ls_fine.ini", fine, NULL, 0);
  if (d) {
    CU_ASSERT_EQUAL(d->pops[0].n, 2);
    net_desc_destroy(d);
  }
}

int test_log_source_register(void)
{
  CU_pSuite s = CU_add_suite("log_source", suite_init, suite_clean);
  if (!s)
    return -1;
  if (!CU_add_test(s, "ticks: log tick x ratio + offset, mapping, repeats, cut", test_tick_placement) ||
      !CU_add_test(s, "a negative offset seeks: same spikes as a scan", test_negative_offset_seek) ||
      !CU_add_test(s, "the logs of every rank merge", test_two_rank_logs) ||
      !CU_add_test(s, "a truncated log replays what it holds", test_truncated) ||
      !CU_add_test(s, "a log changed before the run stops it", test_changed_log) ||
      !CU_add_test(s, "config errors name file, line, key, expectation", test_errors))
    return -1;
  return 0;
}
