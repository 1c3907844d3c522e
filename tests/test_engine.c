/*
 * test_engine.c: whole runs through the engine, from config text to event
 * log: first-spike timing, delivery delays, refractoriness, Poisson input
 * rates in both drawing modes, determinism, and the benchmark networks'
 * rates against the bands NEST 3.10 and Brian2 2.5.1 produce.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/sim_engine.h"
#include "../core/sim_error.h"
#include "../io/io_config.h"
#include "../io/io_log.h"
#include "../io/io_recorder.h"
#include "../io/io_replay.h"
#include "../network/net_build.h"
#include "../mpi/comm.h"
#include "fixture_digest.h"
#include "test_suites.h"

static char dir[64];

static int suite_init(void)
{
  strcpy(dir, "/tmp/memspike-engine-XXXXXX");
  return mkdtemp(dir) ? comm_init(NULL, NULL) : -1;
}

static int suite_clean(void)
{
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd) == 0 ? 0 : -1;
}

/* Write text to dir/name; returns the path (static buffer). */
static const char *write_config(const char *name, const char *text)
{
  static char path[128];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f)
    return NULL;
  fputs(text, f);
  fclose(f);
  return path;
}

/* Run a config (optionally with overrides), logging to logpath when given.
   Returns the stats in *st (caller finis) and the desc in *dp. */
static int run_config(const char *path, const char *const *sets, int nsets,
                      const char *logpath, net_desc **dp, sim_stats *st)
{
  net_desc *d = NULL;
  int rc = io_config_load(path, sets, nsets, &d);
  if (rc) {
    fprintf(stderr, "%s\n", sim_error_msg());
    return rc;
  }
  net_part part = {d->sim.partition, 0, 1};
  net_network *net = NULL;
  rc = net_build(d, &part, NULL, &net);
  if (rc)
    return rc;
  io_log *log = NULL;
  if (logpath) {
    io_log_pop pops[8];
    io_log_rec recs[8];
    memset(recs, 0, sizeof recs);
    for (uint32_t i = 0; i < d->npops; i++)
      pops[i] = (io_log_pop){d->pops[i].name,
                             d->pops[i].model ? d->pops[i].model->name : "generator",
                             d->pops[i].first_gid, d->pops[i].n};
    for (uint32_t k = 0; k < d->nrecs; k++)
      recs[k] = (io_log_rec){.name = d->recs[k].name, .pop = d->recs[k].pop,
                             .kind = IO_LOG_REC_SPIKES, .first = d->recs[k].first,
                             .count = d->recs[k].count};
    io_log_header h = {.config = path, .digest = d->digest, .seed = d->sim.seed,
                       .rank = 0, .nranks = 1, .resolution_ms = d->sim.resolution_ms,
                       .duration_ms = d->sim.duration_ms, .pops = pops,
                       .npops = d->npops, .recs = recs, .nrecs = d->nrecs};
    rc = io_log_create(logpath, &h, &log);
    if (rc)
      return rc;
  }
  sim_recorder rec = io_log_recorder(log);
  sim_run_opts opts = {.recorders = &rec, .nrecorders = log ? 1 : 0};
  rc = sim_run(&net->kernel, &opts, st);
  if (log)
    io_log_close(log, st->ticks);
  net_network_destroy(net);
  *dp = d;
  return rc;
}

/* Spikes of a one-rank log as (tick, gid) pairs; returns the count. */
static size_t read_spikes(const char *logpath, sim_time *ticks, sim_gid *gids, size_t cap)
{
  io_replay *rp = NULL;
  const char *paths[1] = {logpath};
  if (io_replay_create(paths, 1, 0, &rp) != 0)
    return 0;
  size_t n = 0;
  sim_time t;
  sim_gid g;
  while (n < cap && io_replay_next(rp, &t, &g) == 1) {
    ticks[n] = t;
    gids[n++] = g;
  }
  io_replay_destroy(rp);
  return n;
}

static const char single_neuron[] =
    "[simulation]\nduration = 100\nresolution = 0.1\nseed = 3\n"
    "[population N]\nmodel = iaf_psc_delta\nn = 1\nE_L = -70\nC_m = 250\n"
    "tau_m = 10\nV_th = -55\nV_reset = -70\nt_ref = 2\nI_e = 500\nV_m = -70\n"
    "[record s]\npopulation = N\nkind = spike_recorder\nneurons = all\n";

/* Constant drive: spikes at the closed-form crossing time, then with
   period t_ref + the same climb, all as self-events (no input at all). */
static void test_first_spike_time(void)
{
  const char *path = write_config("single.ini", single_neuron);
  char logpath[128];
  snprintf(logpath, sizeof logpath, "%s/single.msgpack", dir);
  net_desc *d;
  sim_stats st;
  CU_ASSERT_EQUAL_FATAL(run_config(path, NULL, 0, logpath, &d, &st), 0);
  sim_time ticks[64];
  sim_gid gids[64];
  size_t n = read_spikes(logpath, ticks, gids, 64);
  const double tstar = 10 * log((-50 - -70) / (-50 - -55.0)); /* 13.86 ms */
  CU_ASSERT_FATAL(n >= 2);
  CU_ASSERT(fabs(ticks[0] * 0.1 - tstar) <= 0.1);
  CU_ASSERT(ticks[0] * 0.1 >= tstar);
  for (size_t k = 1; k < n; k++)
    CU_ASSERT_EQUAL(ticks[k] - ticks[k - 1], 20 + ticks[0]);
  /* 100 ms / (2 + 13.9 ms) = 6.3 periods: 6 spikes, each from one update. */
  CU_ASSERT_EQUAL(n, 6);
  CU_ASSERT_EQUAL(st.spikes[0], 6);
  CU_ASSERT_EQUAL(st.updates, 6);
  sim_stats_fini(&st);
  net_desc_destroy(d);
}

/* A spike_generator drives a neuron over one synapse: the neuron fires
   exactly delay after each generator spike, except inside its refractory
   period, where the input is dropped. */
static void test_delay_and_refractory(void)
{
  const char *path = write_config(
      "gen.ini",
      "[simulation]\nduration = 50\nresolution = 0.1\n"
      "[population G]\nmodel = spike_generator\nn = 1\n"
      "spike_times = 10.0, 11.0, 20.0\n"
      "[population N]\nmodel = iaf_psc_delta\nn = 1\nE_L = 0\nV_th = 20\n"
      "V_reset = 0\nt_ref = 2\nV_m = 0\n"
      "[projection GN]\nsource = G\ntarget = N\nrule = all_to_all\n"
      "weight = 25\ndelay = 1.7\n"
      "[record s]\npopulation = N\nkind = spike_recorder\nneurons = all\n");
  char logpath[128];
  snprintf(logpath, sizeof logpath, "%s/gen.msgpack", dir);
  net_desc *d;
  sim_stats st;
  CU_ASSERT_EQUAL_FATAL(run_config(path, NULL, 0, logpath, &d, &st), 0);
  sim_time ticks[8];
  sim_gid gids[8];
  size_t n = read_spikes(logpath, ticks, gids, 8);
  /* 10.0 + 1.7 -> fires at 11.7 ms; 11.0 + 1.7 = 12.7 falls in the
     refractory period (11.8 .. 13.7 ms): dropped; 20.0 + 1.7 fires. */
  CU_ASSERT_EQUAL_FATAL(n, 2);
  CU_ASSERT_EQUAL(ticks[0], 117);
  CU_ASSERT_EQUAL(ticks[1], 217);
  CU_ASSERT_EQUAL(gids[0], 1);
  sim_stats_fini(&st);
  net_desc_destroy(d);
}

/* Poisson input: the number of input spikes delivered equals rate x time x
   targets within 4 sigma, for a sparse train (queue events) and a dense
   one (per tick sweep); no neuron can fire (threshold out of reach). */
static void test_poisson_rates(void)
{
  const double rates[] = {50.0, 30000.0};
  for (int k = 0; k < 2; k++) {
    char text[1024];
    snprintf(text, sizeof text,
             "[simulation]\nduration = 500\nresolution = 0.1\nseed = %d\n"
             "[population P]\nmodel = poisson_generator\nrate = %g\nstart = 100\n"
             "[population N]\nmodel = iaf_psc_delta\nn = 200\nV_th = 1e9\n"
             "[projection PN]\nsource = P\ntarget = N\nrule = all_to_all\n"
             "weight = 0.001\ndelay = 1.0\n",
             k + 5, rates[k]);
    const char *path = write_config("poisson.ini", text);
    net_desc *d;
    sim_stats st;
    CU_ASSERT_EQUAL_FATAL(run_config(path, NULL, 0, NULL, &d, &st), 0);
    /* Emissions in (100, 500 - delay) ms reach a neuron within the run. */
    double mean = rates[k] * (0.5 - 0.1 - 0.001) * 200;
    CU_ASSERT(fabs((double)st.ext_events - mean) < 4 * sqrt(mean));
    sim_stats_fini(&st);
    net_desc_destroy(d);
  }
}

static int files_equal(const char *a, const char *b)
{
  FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
  int same = fa && fb;
  while (same) {
    int ca = fgetc(fa), cb = fgetc(fb);
    if (ca != cb)
      same = 0;
    if (ca == EOF || cb == EOF)
      break;
  }
  if (fa)
    fclose(fa);
  if (fb)
    fclose(fb);
  return same;
}

/* The same seed twice gives byte-identical logs; another seed does not. */
static void test_same_seed_same_log(void)
{
  char a[128], b[128], c[128];
  snprintf(a, sizeof a, "%s/a.msgpack", dir);
  snprintf(b, sizeof b, "%s/b.msgpack", dir);
  snprintf(c, sizeof c, "%s/c.msgpack", dir);
  const char *sets[] = {"simulation.duration=200", "simulation.seed=11"};
  const char *other[] = {"simulation.duration=200", "simulation.seed=12"};
  const char *cfgs[] = {"configs/brette_cuba.ini", "configs/brette_event_driven.ini"};
  for (int i = 0; i < 2; i++) {
    net_desc *d;
    sim_stats st;
    CU_ASSERT_EQUAL_FATAL(run_config(cfgs[i], sets, 2, a, &d, &st), 0);
    sim_stats_fini(&st);
    net_desc_destroy(d);
    CU_ASSERT_EQUAL_FATAL(run_config(cfgs[i], sets, 2, b, &d, &st), 0);
    sim_stats_fini(&st);
    net_desc_destroy(d);
    CU_ASSERT_EQUAL_FATAL(run_config(cfgs[i], other, 2, c, &d, &st), 0);
    sim_stats_fini(&st);
    net_desc_destroy(d);
    CU_ASSERT_TRUE(files_equal(a, b));
    CU_ASSERT_FALSE(files_equal(a, c));
  }
}

/* Mean rate of a run over its neuron populations (Hz). */
static double mean_rate(const char *cfg, const char *const *sets, int nsets)
{
  net_desc *d;
  sim_stats st;
  if (run_config(cfg, sets, nsets, NULL, &d, &st) != 0)
    return -1;
  uint64_t spikes = 0, n = 0;
  for (uint32_t i = 0; i < d->npops; i++)
    if (d->pops[i].model) {
      spikes += st.spikes[i];
      n += d->pops[i].n;
    }
  double rate = spikes / (n * st.ticks * d->sim.resolution_ms * 1e-3);
  sim_stats_fini(&st);
  net_desc_destroy(d);
  return rate;
}

/* Brette CUBA: NEST 3.10 and Brian2 2.5.1 give 5.3-6.2 Hz over seeds
   (measured on this project's 2-core machines; bench/README-brian2.md).  Single seeds scatter by about +-0.25 Hz (sd), so
   each of 6 seeds must lie in the band widened by 3 sd and their mean in
   the band itself. */
static void test_cuba_rate_band(void)
{
  double sum = 0;
  for (int s = 1; s <= 6; s++) {
    char seed[64];
    snprintf(seed, sizeof seed, "simulation.seed=%d", 100 + s);
    const char *sets[] = {seed};
    double r = mean_rate("configs/brette_cuba.ini", sets, 1);
    CU_ASSERT(r > 5.3 - 0.75 && r < 6.2 + 0.75);
    sum += r;
  }
  double mean = sum / 6;
  CU_ASSERT(mean >= 5.3 && mean <= 6.2);
}

/* Brunel delta: NEST 3.10 and Brian2 give 31.8-32.0 Hz (measured on this
   project's machines; bench/README-brian2.md).
   Here single seeds scatter with sd ~0.13 Hz (5 seeds: 31.82-32.12 Hz;
   Brian2 on this machine: 31.77-31.90), so each seed must lie in the band
   widened by 3 sd and the mean of two seeds in it widened by 2 sd of a
   mean.  A change in NEST's semantics (refractory input, update order)
   moves the rate by far more than that. */
static void test_brunel_rate_band(void)
{
  const char *s1[] = {"simulation.seed=201"}, *s2[] = {"simulation.seed=202"};
  double r1 = mean_rate("configs/brunel_delta.ini", s1, 1);
  double r2 = mean_rate("configs/brunel_delta.ini", s2, 1);
  CU_ASSERT(r1 > 31.8 - 0.4 && r1 < 32.0 + 0.4);
  CU_ASSERT(r2 > 31.8 - 0.4 && r2 < 32.0 + 0.4);
  CU_ASSERT((r1 + r2) / 2 > 31.8 - 0.2 && (r1 + r2) / 2 < 32.0 + 0.2);
}

/* One run of path, whole (nstops = 0) or advanced in steps to stops[]
   (ticks), closed after the last; returns the spike digest and stats. */
static int run_steps(const char *path, const char *const *sets, int nsets,
                     const sim_time *stops, int nstops, spike_digest *dg, sim_stats *st)
{
  net_desc *d = NULL;
  if (io_config_load(path, sets, nsets, &d) != 0)
    return -1;
  net_part part = {d->sim.partition, 0, 1};
  net_network *net = NULL;
  if (net_build(d, &part, NULL, &net) != 0)
    return -1;
  /* Every recorded population's spikes. */
  sim_recorder rec = {&spike_digest_ops, dg};
  sim_run_opts opts = {.recorders = &rec, .nrecorders = 1};
  int rc;
  if (!nstops) {
    rc = sim_run(&net->kernel, &opts, st);
  } else {
    sim_engine *e = NULL;
    rc = sim_engine_open(&net->kernel, &opts, st, &e);
    for (int k = 0; !rc && k < nstops; k++) {
      rc = sim_engine_advance(e, stops[k]);
      CU_ASSERT_EQUAL(sim_engine_now(e), stops[k] < net->kernel.t_end ? stops[k]
                                                                      : net->kernel.t_end);
    }
    sim_engine_close(e);
  }
  net_network_destroy(net);
  net_desc_destroy(d);
  return rc;
}

/* A run advanced in steps that stop on the window grid is the same run:
   same spikes in the same order, same counts (Poisson drive, STDP on
   device synapses, idle jumps). */
static void test_run_in_steps(void)
{
  const char *cfgs[] = {"configs/brunel_delta.ini", "configs/stdp_song2000_ecram.ini",
                        "configs/izhikevich_patterns.ini"};
  const char *sets[] = {"simulation.duration=150"};
  for (int c = 0; c < 3; c++) {
    spike_digest a = SPIKE_DIGEST_INIT, b = a;
    sim_stats sa, sb;
    CU_ASSERT_EQUAL_FATAL(run_steps(cfgs[c], sets, 1, NULL, 0, &a, &sa), 0);
    /* Stops at multiples of every config's min delay (1 ms or 1.5 ms at
       0.1 ms resolution: 30 ticks is on both grids), the last past the
       end. */
    const sim_time stops[] = {0, 30, 300, 330, 1200, 100000};
    CU_ASSERT_EQUAL_FATAL(run_steps(cfgs[c], sets, 1, stops, 6, &b, &sb), 0);
    CU_ASSERT(a.n > 0);
    CU_ASSERT_EQUAL(a.n, b.n);
    CU_ASSERT_EQUAL(a.h, b.h);
    CU_ASSERT_EQUAL(sa.syn_events, sb.syn_events);
    CU_ASSERT_EQUAL(sa.ext_events, sb.ext_events);
    CU_ASSERT_EQUAL(sa.updates, sb.updates);
    CU_ASSERT_EQUAL(sa.dev_pulses, sb.dev_pulses);
    CU_ASSERT_EQUAL(sa.stdp_updates, sb.stdp_updates);
    CU_ASSERT_EQUAL(sa.ticks, sb.ticks);
    sim_stats_fini(&sa);
    sim_stats_fini(&sb);
  }
}

int test_engine_register(void)
{
  CU_pSuite s = CU_add_suite("engine", suite_init, suite_clean);
  if (!s)
    return -1;
  if (!CU_add_test(s, "first spike at tau ln((Vinf-V0)/(Vinf-Vth))", test_first_spike_time) ||
      !CU_add_test(s, "delays and refractory dropping", test_delay_and_refractory) ||
      !CU_add_test(s, "Poisson input rates, sparse and dense", test_poisson_rates) ||
      !CU_add_test(s, "same seed, byte-identical logs", test_same_seed_same_log) ||
      !CU_add_test(s, "Brette CUBA rate band over seeds", test_cuba_rate_band) ||
      !CU_add_test(s, "Brunel delta rate band", test_brunel_rate_band) ||
      !CU_add_test(s, "a run advanced in steps is the same run", test_run_in_steps))
    return -1;
  return 0;
}
