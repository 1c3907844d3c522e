/*
 * test_record_kinds.c: the engine's weights, devices and energy records
 * (core/sim_records.c) through an in-memory recorder: device writes add
 * up to the run's pulse counter and end at the devices' conductances;
 * energy deltas add up to the run's totals, whatever the interval and
 * idle stretches; weight snapshots hold every synapse (sample 1) or a
 * hash-chosen fraction that is the same however the network is split.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/sim_alloc.h"
#include "../core/sim_engine.h"
#include "../core/sim_error.h"
#include "../core/sim_records.h"
#include "../io/io_config.h"
#include "../mpi/comm.h"
#include "../network/net_build.h"
#include "../synapses/syn_store.h"
#include "test_suites.h"

/* Entries of source s in a table (its rows may be sparse). */
#define K0(t, s) (sim_syn_find(&(t), (s)).k0)
#define K1(t, s) (sim_syn_find(&(t), (s)).k1)

static char dir[64];

static int suite_init(void)
{
  strcpy(dir, "/tmp/memspike-reck-XXXXXX");
  return mkdtemp(dir) ? comm_init(NULL, NULL) : -1;
}

static int suite_clean(void)
{
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd) == 0 ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* The in-memory recorder                                               */

typedef struct snap {
  uint32_t rec;
  sim_time t;
  uint32_t n;
  sim_gid *pre, *post;
  double *w, *g; /* g NULL: none given */
} snap;

typedef struct coll {
  sim_rec_write *dw; /* every device write, in call order */
  uint32_t *dw_proj;
  size_t ndw;
  uint64_t dev_calls;
  int dev_unsorted, dev_outside; /* a call's writes out of order / window */
  sim_energy_row *sum; /* per component: sum of the rows */
  uint32_t ncomp;
  sim_time *energy_t; /* t_next of each energy call */
  size_t nenergy;
  int energy_bad;     /* a call's rows not ascending, or a zero row */
  snap *snaps;
  size_t nsnaps;
  sim_time last_end;  /* last window_end's t_next */
  int order_bad;      /* a record call after its window's window_end */
} coll;

static void c_devices(void *self, uint32_t rec, uint32_t proj, sim_time t_next,
                      const sim_rec_write *w, uint32_t n)
{
  (void)rec;
  coll *c = self;
  c->dev_calls++;
  if (t_next <= c->last_end)
    c->order_bad = 1;
  c->dw = realloc(c->dw, (c->ndw + n) * sizeof *c->dw);
  c->dw_proj = realloc(c->dw_proj, (c->ndw + n) * sizeof *c->dw_proj);
  for (uint32_t i = 0; i < n; i++) {
    if (i && (w[i].t < w[i - 1].t ||
              (w[i].t == w[i - 1].t &&
               (w[i].pre < w[i - 1].pre ||
                (w[i].pre == w[i - 1].pre && w[i].post < w[i - 1].post)))))
      c->dev_unsorted = 1;
    if (w[i].t >= t_next || w[i].t < c->last_end)
      c->dev_outside = 1;
    c->dw[c->ndw] = w[i];
    c->dw_proj[c->ndw++] = proj;
  }
}

static void c_energy(void *self, sim_time t_next, const sim_energy_row *rows, uint32_t n)
{
  coll *c = self;
  if (t_next <= c->last_end)
    c->order_bad = 1;
  c->energy_t = realloc(c->energy_t, (c->nenergy + 1) * sizeof *c->energy_t);
  c->energy_t[c->nenergy++] = t_next;
  if (!n)
    c->energy_bad = 1;
  for (uint32_t i = 0; i < n; i++) {
    const sim_energy_row *r = &rows[i];
    if ((i && r->component <= rows[i - 1].component) || r->component >= c->ncomp ||
        !(r->reads || r->pulses || r->updates || r->spikes || r->read_pj != 0 ||
          r->write_pj != 0)) {
      c->energy_bad = 1;
      continue;
    }
    sim_energy_row *s = &c->sum[r->component];
    s->reads += r->reads;
    s->pulses += r->pulses;
    s->updates += r->updates;
    s->spikes += r->spikes;
    s->read_pj += r->read_pj;
    s->write_pj += r->write_pj;
  }
}

static void c_weights(void *self, uint32_t rec, sim_time t, const sim_gid *pre,
                      const sim_gid *post, const double *w, const double *g, uint32_t n)
{
  coll *c = self;
  if (t <= c->last_end)
    c->order_bad = 1;
  c->snaps = realloc(c->snaps, (c->nsnaps + 1) * sizeof *c->snaps);
  snap *s = &c->snaps[c->nsnaps++];
  *s = (snap){rec, t, n, malloc(n * sizeof *pre + 8), malloc(n * sizeof *post + 8),
              malloc(n * sizeof *w + 8), g ? malloc(n * sizeof *g + 8) : NULL};
  memcpy(s->pre, pre, n * sizeof *pre);
  memcpy(s->post, post, n * sizeof *post);
  memcpy(s->w, w, n * sizeof *w);
  if (g)
    memcpy(s->g, g, n * sizeof *g);
}

static int c_window_end(void *self, sim_time t_next)
{
  coll *c = self;
  c->last_end = t_next;
  return 0;
}

static const sim_recorder_ops coll_ops = {
    .name = "test_collector",
    .window_end = c_window_end,
    .devices = c_devices,
    .energy = c_energy,
    .weights = c_weights,
};

static void coll_fini(coll *c)
{
  free(c->dw);
  free(c->dw_proj);
  free(c->sum);
  free(c->energy_t);
  for (size_t i = 0; i < c->nsnaps; i++) {
    free(c->snaps[i].pre);
    free(c->snaps[i].post);
    free(c->snaps[i].w);
    free(c->snaps[i].g);
  }
  free(c->snaps);
  memset(c, 0, sizeof *c);
}

/* ------------------------------------------------------------------ */
/* Networks                                                             */

static net_desc *load(const char *name, const char *text)
{
  char path[128];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
  net_desc *d = NULL;
  if (io_config_load(path, NULL, 0, &d) != 0) {
    fprintf(stderr, "%s\n", sim_error_msg());
    return NULL;
  }
  return d;
}

/* Build part (rank of nranks, round robin) of d and run it with c. */
static net_network *run(const net_desc *d, int rank, int nranks, coll *c, sim_stats *st)
{
  net_part part = {NET_PART_ROUND_ROBIN, rank, nranks};
  net_network *net = NULL;
  if (net_build(d, &part, NULL, &net) != 0)
    return NULL;
  memset(c, 0, sizeof *c);
  c->last_end = -1;
  c->ncomp = d->nprojs + d->npops + 1;
  c->sum = calloc(c->ncomp, sizeof *c->sum);
  sim_recorder r = {&coll_ops, c};
  sim_run_opts opts = {.recorders = &r, .nrecorders = 1};
  if (sim_run(&net->kernel, &opts, st) != 0) {
    net_network_destroy(net);
    return NULL;
  }
  return net;
}

/* Song-2000-like, small: Poisson-driven parrots onto one neuron through
   plastic ECRAM synapses (single devices, or differential pairs). */
static const char *stdp_net(char *buf, size_t n, const char *mode, const char *energy_interval)
{
  snprintf(buf, n,
           "[simulation]\nduration = 3000\nresolution = 0.1\nseed = 7\n"
           "[population drive]\nmodel = poisson_generator\nrate = 50\n"
           "[population inputs]\nmodel = parrot_neuron\nn = 200\n"
           "[population post]\nmodel = iaf_psc_exp\nn = 1\nE_L = -70\nV_th = -54\n"
           "V_reset = -60\nV_m = -70\nC_m = 200\ntau_m = 20\nt_ref = 0\n"
           "tau_syn_ex = 5\ntau_syn_in = 5\n"
           "[projection drive_inputs]\nsource = drive\ntarget = inputs\nrule = all_to_all\n"
           "weight = 1\ndelay = 0.1\n"
           "[projection plastic]\nsource = inputs\ntarget = post\nrule = all_to_all\n"
           "synapse = device\ndevice = ecram_li_wo3\nplasticity = stdp\nweight_mode = %s\n"
           "weight_scale = 4.5\nw_ref = -0.8276\nweight = uniform(0, 9)\ndelay = 0.1\n"
           "Wmax = 9\nlambda = 0.005\nalpha = 1.05\nmu_plus = 0\nmu_minus = 0\n"
           "tau_plus = 20\ntau_minus = 20\n"
           "[record w]\nkind = weights\nprojection = plastic\ninterval = 500\n"
           "[record dev]\nkind = devices\nprojection = plastic\n"
           "[record e]\nkind = energy\n%s",
           mode, energy_interval);
  return buf;
}

/* Device writes: |pulses| add up to dev_pulses; each synapse's last
   write holds the conductance its device has at the end; the last
   snapshot agrees with the kind's weights. */
static void check_devices(const char *mode)
{
  char text[4096];
  net_desc *d = load("stdp.ini", stdp_net(text, sizeof text, mode, ""));
  CU_ASSERT_PTR_NOT_NULL_FATAL(d);
  coll c;
  sim_stats st;
  net_network *net = run(d, 0, 1, &c, &st);
  CU_ASSERT_PTR_NOT_NULL_FATAL(net);
  CU_ASSERT(st.dev_pulses > 0);
  CU_ASSERT(c.ndw > 0);
  CU_ASSERT(!c.dev_unsorted && !c.dev_outside && !c.order_bad);
  uint64_t sum = 0;
  for (size_t i = 0; i < c.ndw; i++) {
    CU_ASSERT(c.dw[i].pulses != 0 && c.dw_proj[i] == 1);
    sum += (uint64_t)llabs(c.dw[i].pulses);
  }
  CU_ASSERT_EQUAL(sum, st.dev_pulses);
  /* The last write of each synapse (all_to_all: one per pre) vs the kind. */
  const sim_proj *pr = &net->kernel.projs[1];
  const sim_syn_table *tab = pr->syn;
  const sim_gid first = d->pops[1].first_gid;
  uint32_t checked = 0;
  for (uint32_t s = 0; s < tab->src_n; s++) {
    ptrdiff_t last = -1;
    for (size_t i = 0; i < c.ndw; i++)
      if (c.dw[i].pre == first + s)
        last = (ptrdiff_t)i;
    if (last < 0)
      continue;
    double g = NAN;
    double w = pr->kind->weight(pr->self, tab, K0(*tab, s), st.ticks, &g);
    (void)w;
    CU_ASSERT_DOUBLE_EQUAL(c.dw[last].g, g, 1e-9 * (1 + fabs(g)));
    checked++;
  }
  CU_ASSERT(checked > 10);
  /* Snapshots: every 500 ms from the first window end, all synapses. */
  CU_ASSERT_EQUAL(c.nsnaps, 7); /* 0.1, 500, ..., 3000 ms */
  CU_ASSERT(c.nsnaps >= 2 && c.snaps[0].t == net->kernel.min_delay &&
            c.snaps[1].t == 5000);
  const snap *last = &c.snaps[c.nsnaps - 1];
  CU_ASSERT_EQUAL(last->n, tab->nsyn);
  CU_ASSERT_PTR_NOT_NULL(last->g);
  for (uint32_t i = 0; last->g && i < last->n && i < tab->nsyn; i++) {
    double g, w = pr->kind->weight(pr->self, tab, i, last->t, &g);
    CU_ASSERT_DOUBLE_EQUAL(last->w[i], w, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(last->g[i], g, 1e-12);
  }
  coll_fini(&c);
  sim_stats_fini(&st);
  net_network_destroy(net);
  net_desc_destroy(d);
}

static void test_device_writes(void) { check_devices("single"); }
static void test_device_writes_pair(void) { check_devices("differential"); }

/* Energy rows summed over a run are the run's totals. */
static void check_energy_sums(const net_desc *d, const coll *c, const sim_stats *st)
{
  uint64_t reads = 0, pulses = 0, updates = 0, events = 0;
  double rpj = 0, wpj = 0;
  for (uint32_t j = 0; j < d->nprojs; j++) {
    reads += c->sum[j].reads;
    pulses += c->sum[j].pulses;
    updates += c->sum[j].updates;
    events += c->sum[j].spikes;
    rpj += c->sum[j].read_pj;
    wpj += c->sum[j].write_pj;
    CU_ASSERT_EQUAL(c->sum[j].spikes, st->proj_events[j] + st->proj_ext[j]);
  }
  CU_ASSERT_EQUAL(reads, st->dev_reads);
  CU_ASSERT_EQUAL(pulses, st->dev_pulses);
  CU_ASSERT_EQUAL(updates, st->stdp_updates);
  CU_ASSERT_EQUAL(events, st->syn_events + st->ext_events); /* Poisson: per projection */
  CU_ASSERT_DOUBLE_EQUAL(rpj, st->read_pj, 1e-9 * (1 + st->read_pj));
  CU_ASSERT_DOUBLE_EQUAL(wpj, st->write_pj, 1e-9 * (1 + st->write_pj));
  uint64_t up = 0;
  for (uint32_t p = 0; p < d->npops; p++) {
    const sim_energy_row *r = &c->sum[d->nprojs + p];
    CU_ASSERT_EQUAL(r->updates, st->pop_updates[p]);
    CU_ASSERT_EQUAL(r->spikes, st->spikes[p]);
    CU_ASSERT(r->reads == 0 && r->pulses == 0);
    up += r->updates;
  }
  CU_ASSERT_EQUAL(up, st->updates);
  const sim_energy_row *tr = &c->sum[d->nprojs + d->npops];
  CU_ASSERT(tr->spikes == st->spikes_sent && tr->reads == st->bytes_sent);
  CU_ASSERT(!c->energy_bad && !c->order_bad);
}

static void test_energy_totals(void)
{
  const char *const intervals[] = {"", "interval = 0\n", "interval = 250\n",
                                   "interval = 0.3\n"};
  for (int i = 0; i < 4; i++) {
    char text[4096];
    net_desc *d = load("stdp_e.ini", stdp_net(text, sizeof text, "single", intervals[i]));
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    coll c;
    sim_stats st;
    net_network *net = run(d, 0, 1, &c, &st);
    CU_ASSERT_PTR_NOT_NULL_FATAL(net);
    CU_ASSERT(st.dev_reads > 0 && st.stdp_updates > 0 && st.spikes[2] > 0);
    check_energy_sums(d, &c, &st);
    const sim_time every = net->kernel.recs[2].every;
    const sim_time D = net->kernel.min_delay;
    if (every == 0) {
      CU_ASSERT(c.nenergy > 1000); /* the busy windows */
    } else {
      /* Each call at the first window end at or after a boundary (a
         boundary in (t - D, t]), the last at the end of the run; with long
         intervals every boundary has rows. */
      CU_ASSERT(c.nenergy <= (size_t)((st.ticks + every - 1) / every));
      if (every >= 1000 * D)
        CU_ASSERT_EQUAL(c.nenergy, (size_t)((st.ticks + every - 1) / every));
      for (size_t k = 0; k < c.nenergy; k++)
        CU_ASSERT(c.energy_t[k] / every * every > c.energy_t[k] - D ||
                  c.energy_t[k] == st.ticks);
      CU_ASSERT(c.nenergy && c.energy_t[c.nenergy - 1] == st.ticks);
    }
    coll_fini(&c);
    sim_stats_fini(&st);
    net_network_destroy(net);
    net_desc_destroy(d);
  }
}

/* A run that ends in an idle stretch the engine jumps over: the last
   deltas still come, at the end of the run. */
static void test_energy_idle_end(void)
{
  net_desc *d = load("idle.ini",
                     "[simulation]\nduration = 1000\nresolution = 0.1\n"
                     "[population pre]\nmodel = spike_generator\nspike_times = 1, 2, 130\n"
                     "[population post]\nmodel = iaf_psc_delta\nn = 3\n"
                     "[projection p]\nsource = pre\ntarget = post\nrule = all_to_all\n"
                     "weight = 30\ndelay = 1.0\n"
                     "[record e]\nkind = energy\ninterval = 100\n");
  CU_ASSERT_PTR_NOT_NULL_FATAL(d);
  coll c;
  sim_stats st;
  net_network *net = run(d, 0, 1, &c, &st);
  CU_ASSERT_PTR_NOT_NULL_FATAL(net);
  CU_ASSERT(st.skipped_ticks > 5000 && st.syn_events == 9 && st.spikes[1] > 0);
  check_energy_sums(d, &c, &st);
  /* 1, 2 ms: counted at the first window end >= 100 ms (the one holding
     the spike at 130 ms); 130 ms: at the end. */
  CU_ASSERT_EQUAL(c.nenergy, 2);
  CU_ASSERT(c.nenergy == 2 && c.energy_t[1] == 10000);
  coll_fini(&c);
  sim_stats_fini(&st);
  net_network_destroy(net);
  net_desc_destroy(d);
}

/* A run stopped on request: the window it stops at gives the deltas not
   given yet, whatever the interval. */
static void test_energy_on_stop(void)
{
  char text[4096];
  net_desc *d = load("stdp_s.ini", stdp_net(text, sizeof text, "single", "interval = 250\n"));
  CU_ASSERT_PTR_NOT_NULL_FATAL(d);
  net_part part = {NET_PART_ROUND_ROBIN, 0, 1};
  net_network *net = NULL;
  CU_ASSERT_EQUAL_FATAL(net_build(d, &part, NULL, &net), 0);
  coll c;
  memset(&c, 0, sizeof c);
  c.last_end = -1;
  c.ncomp = d->nprojs + d->npops + 1;
  c.sum = calloc(c.ncomp, sizeof *c.sum);
  sim_recorder r = {&coll_ops, &c};
  static volatile sig_atomic_t stop = 1; /* asked before the first window */
  sim_run_opts opts = {.recorders = &r, .nrecorders = 1, .stop = &stop};
  sim_stats st;
  CU_ASSERT_EQUAL(sim_run(&net->kernel, &opts, &st), SIM_ESTOP);
  CU_ASSERT(st.ticks > 0 && st.ticks < 2500);
  CU_ASSERT_EQUAL(c.nenergy, 1);
  check_energy_sums(d, &c, &st);
  coll_fini(&c);
  sim_stats_fini(&st);
  net_network_destroy(net);
  net_desc_destroy(d);
}

/* ------------------------------------------------------------------ */
/* Weight snapshots                                                     */

static const char *const static_net =
    "[simulation]\nduration = 2\nresolution = 0.1\nseed = 11\n"
    "[population a]\nmodel = iaf_psc_delta\nn = 200\n"
    "[population b]\nmodel = iaf_psc_delta\nn = 150\n"
    "[projection ab]\nsource = a\ntarget = b\nrule = fixed_indegree\nindegree = 100\n"
    "weight = uniform(0.1, 0.5)\ndelay = uniform(1, 2)\n"
    "[projection dev]\nsource = a\ntarget = b\nrule = fixed_indegree\nindegree = 20\n"
    "weight = uniform(0.5, 5)\ndelay = 1\nsynapse = device\ndevice = rram_yao2020\n"
    "weight_scale = 10\n"
    "[record all]\nkind = weights\nprojection = ab\ninterval = 1\n"
    "[record some]\nkind = weights\nprojection = ab\ninterval = 1\nsample = 0.1\n"
    "[record devs]\nkind = weights\nprojection = dev\ninterval = 1\nsample = 0.5\n";

/* The snapshot at the first window end: every synapse, the built
   weights; a 10 % sample is the hash's choice. */
static void test_weights_all_and_sample(void)
{
  net_desc *d = load("static.ini", static_net);
  CU_ASSERT_PTR_NOT_NULL_FATAL(d);
  /* Before the run: the built weights. */
  net_part part = {NET_PART_ROUND_ROBIN, 0, 1};
  net_network *built = NULL;
  CU_ASSERT_EQUAL_FATAL(net_build(d, &part, NULL, &built), 0);
  const sim_syn_table *bt = &built->projs[0].syn;
  coll c;
  sim_stats st;
  net_network *net = run(d, 0, 1, &c, &st);
  CU_ASSERT_PTR_NOT_NULL_FATAL(net);
  const sim_time D = net->kernel.min_delay;
  /* Three records, snapshots at D = 1 ms and 2 ms (the last window end):
     the idle network is not jumped over when a snapshot is due. */
  CU_ASSERT_EQUAL(D, 10);
  CU_ASSERT_EQUAL(c.nsnaps, 6);
  CU_ASSERT_FATAL(c.nsnaps >= 4);
  const snap *all = &c.snaps[0], *some = &c.snaps[1], *devs = &c.snaps[2];
  CU_ASSERT(all->rec == 0 && some->rec == 1 && devs->rec == 2);
  CU_ASSERT(all->t == D && some->t == D && devs->t == D);
  CU_ASSERT(c.snaps[3].t == 20 && c.snaps[3].rec == 0);
  CU_ASSERT_EQUAL(all->n, 150 * 100);
  CU_ASSERT_EQUAL(all->n, bt->nsyn);
  CU_ASSERT_PTR_NULL(all->g);
  /* In CSR order, which is (pre, post) order: equal to the built table. */
  uint32_t i = 0, bad = 0;
  for (uint32_t s = 0; s < bt->src_n; s++)
    for (uint64_t k = K0(*bt, s); k < K1(*bt, s) && i < all->n; k++, i++)
      bad += all->pre[i] != s || all->post[i] != 200 + bt->tgt[k] ||
             all->w[i] != (double)bt->w[k];
  CU_ASSERT_EQUAL(bad, 0);
  for (i = 1; i < all->n; i++)
    bad += all->pre[i] < all->pre[i - 1] ||
           (all->pre[i] == all->pre[i - 1] && all->post[i] < all->post[i - 1]);
  CU_ASSERT_EQUAL(bad, 0);
  /* The sample: exactly the synapses whose hash is below 0.1. */
  uint32_t want = 0, j = 0;
  for (i = 0; i < all->n; i++) {
    uint32_t ord = 0;
    for (uint32_t m = i; m > 0 && all->pre[m - 1] == all->pre[i] &&
                         all->post[m - 1] == all->post[i];
         m--)
      ord++;
    if (sim_records_sample_u(d->sim.seed, 1, all->pre[i], all->post[i], ord) < 0.1) {
      want++;
      if (j < some->n)
        bad += some->pre[j] != all->pre[i] || some->post[j] != all->post[i] ||
               some->w[j] != all->w[i];
      j++;
    }
  }
  CU_ASSERT_EQUAL(bad, 0);
  CU_ASSERT_EQUAL(some->n, want);
  /* ~10 %: 1500 expected, sd ~37 */
  CU_ASSERT(some->n > 1300 && some->n < 1700);
  /* Device weights: conductances given; half sampled. */
  CU_ASSERT_PTR_NOT_NULL(devs->g);
  CU_ASSERT(devs->n > 1300 && devs->n < 1700);
  const sim_proj *dp = &net->kernel.projs[1];
  for (i = 0; devs->g && i < devs->n; i++)
    if (!(devs->g[i] > 0) || !(devs->w[i] > 0))
      bad++;
  CU_ASSERT_EQUAL(bad, 0);
  (void)dp;
  coll_fini(&c);
  sim_stats_fini(&st);
  net_network_destroy(net);
  net_network_destroy(built);
  net_desc_destroy(d);
}

/* (pre, post, w) triples of a snapshot, sorted. */
typedef struct trip {
  sim_gid pre, post;
  double w, g;
} trip;

static int cmp_trip(const void *a, const void *b)
{
  const trip *x = a, *y = b;
  if (x->pre != y->pre)
    return x->pre < y->pre ? -1 : 1;
  if (x->post != y->post)
    return x->post < y->post ? -1 : 1;
  return x->w < y->w ? -1 : x->w > y->w;
}

/* Snapshot of part (rank of nranks) of d, as the engine takes it at the
   first window end (the producers called directly: a part cannot run
   without its peers). */
static void snapshot_part(const net_desc *d, int rank, int nranks, coll *c)
{
  net_part part = {NET_PART_ROUND_ROBIN, rank, nranks};
  net_network *net = NULL;
  memset(c, 0, sizeof *c);
  CU_ASSERT_EQUAL_FATAL(net_build(d, &part, NULL, &net), 0);
  sim_recorder r = {&coll_ops, c};
  sim_records *x = sim_records_start(&net->kernel, &r, 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(x);
  sim_stats st = {0};
  sim_records_window(x, &st, net->kernel.min_delay, 0);
  sim_records_stop(x);
  net_network_destroy(net);
}

/* The same synapses are sampled on 1 rank as on 2 (built as partitions in
   one process). */
static void test_weights_rank_independent(void)
{
  net_desc *d = load("static2.ini", static_net);
  CU_ASSERT_PTR_NOT_NULL_FATAL(d);
  for (uint32_t rec = 1; rec <= 2; rec++) {
    coll c1, c2[2];
    snapshot_part(d, 0, 1, &c1);
    CU_ASSERT_EQUAL_FATAL(c1.nsnaps, 3);
    const snap *one = &c1.snaps[rec];
    size_t n2 = 0;
    trip *t2 = NULL;
    for (int r = 0; r < 2; r++) {
      snapshot_part(d, r, 2, &c2[r]);
      CU_ASSERT_EQUAL_FATAL(c2[r].nsnaps, 3);
      const snap *s = &c2[r].snaps[rec];
      CU_ASSERT(s->rec == rec && s->t == one->t && s->n < one->n);
      t2 = realloc(t2, (n2 + s->n + 1) * sizeof *t2);
      for (uint32_t i = 0; i < s->n; i++)
        t2[n2++] = (trip){s->pre[i], s->post[i], s->w[i], s->g ? s->g[i] : 0};
    }
    trip *t1 = malloc((one->n + 1) * sizeof *t1);
    for (uint32_t i = 0; i < one->n; i++)
      t1[i] = (trip){one->pre[i], one->post[i], one->w[i], one->g ? one->g[i] : 0};
    qsort(t1, one->n, sizeof *t1, cmp_trip);
    qsort(t2, n2, sizeof *t2, cmp_trip);
    CU_ASSERT_EQUAL(n2, one->n);
    uint32_t bad = 0;
    for (size_t i = 0; i < n2 && i < one->n; i++)
      bad += t1[i].pre != t2[i].pre || t1[i].post != t2[i].post || t1[i].w != t2[i].w ||
             t1[i].g != t2[i].g;
    CU_ASSERT_EQUAL(bad, 0);
    free(t1);
    free(t2);
    coll_fini(&c1);
    coll_fini(&c2[0]);
    coll_fini(&c2[1]);
  }
  net_desc_destroy(d);
}

/* Without a recorder taking them, the records cost nothing: no producer
   state, journals off. */
static void test_not_taken(void)
{
  char text[4096];
  net_desc *d = load("stdp_n.ini", stdp_net(text, sizeof text, "single", ""));
  CU_ASSERT_PTR_NOT_NULL_FATAL(d);
  net_part part = {NET_PART_ROUND_ROBIN, 0, 1};
  net_network *net = NULL;
  CU_ASSERT_EQUAL_FATAL(net_build(d, &part, NULL, &net), 0);
  static const sim_recorder_ops spikes_only = {.name = "spikes"};
  sim_recorder r = {&spikes_only, NULL};
  CU_ASSERT_PTR_NULL(sim_records_start(&net->kernel, &r, 1));
  CU_ASSERT_PTR_NULL(sim_records_start(&net->kernel, NULL, 0));
  sim_stats st;
  sim_run_opts opts = {.recorders = &r, .nrecorders = 1};
  CU_ASSERT_EQUAL(sim_run(&net->kernel, &opts, &st), 0);
  CU_ASSERT(st.dev_pulses > 0);
  const syn_store *ss = &net->projs[1].store;
  CU_ASSERT(!ss->journal && ss->njr == 0 && ss->jr == NULL);
  sim_stats_fini(&st);
  net_network_destroy(net);
  net_desc_destroy(d);
}

int test_record_kinds_register(void)
{
  CU_pSuite s = CU_add_suite("record_kinds", suite_init, suite_clean);
  if (!s)
    return -1;
  if (!CU_add_test(s, "device writes: pulses and conductances", test_device_writes) ||
      !CU_add_test(s, "device writes: differential pairs", test_device_writes_pair) ||
      !CU_add_test(s, "energy deltas add up to the totals", test_energy_totals) ||
      !CU_add_test(s, "energy deltas after an idle end", test_energy_idle_end) ||
      !CU_add_test(s, "energy deltas of a stopped run", test_energy_on_stop) ||
      !CU_add_test(s, "weight snapshots: all, built, sampled", test_weights_all_and_sample) ||
      !CU_add_test(s, "weight sample: same on 1 and 2 ranks", test_weights_rank_independent) ||
      !CU_add_test(s, "not taken: no producers, journals off", test_not_taken))
    return -1;
  return 0;
}
