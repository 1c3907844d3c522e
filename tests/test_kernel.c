/*
 * test_kernel.c: CUnit suite of the kernel's plug-in interfaces, each
 * exercised through a plug-in written here or a shipped one: a recorder
 * that counts what the engine tells it, a recorder whose window end fails,
 * the serial exchange, if_soft_reset's per-neuron drive and onset, and the
 * shared-kernel layer kinds (convolution scatter and gated max pooling)
 * into a sink laid out as the engine lays out its rings.
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
#include "../network/net_build.h"
#include "../neurons/nrn_model.h"
#include "../synapses/syn_layer.h"
#include "test_suites.h"

static char dir[64];

static int suite_init(void)
{
  strcpy(dir, "/tmp/memspike-kernel-XXXXXX");
  return mkdtemp(dir) ? 0 : -1;
}

static int suite_clean(void)
{
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd) == 0 ? 0 : -1;
}

/* A config in dir, loaded and built on one rank. */
static net_network *build(const char *name, const char *text, net_desc **dp)
{
  char path[128];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f)
    return NULL;
  fputs(text, f);
  fclose(f);
  if (io_config_load(path, NULL, 0, dp) != 0) {
    fprintf(stderr, "%s\n", sim_error_msg());
    return NULL;
  }
  net_part part = {(*dp)->sim.partition, 0, 1};
  net_network *net = NULL;
  if (net_build(*dp, &part, NULL, &net) != 0)
    return NULL;
  return net;
}

/* Spike generators into parrots, every neuron recorded: the recorder must
   hear exactly the spikes the stats count, in tick order. */
static const char *const gen_config =
    "[simulation]\nduration = 50\nresolution = 0.1\nseed = 3\n"
    "[population g]\nmodel = spike_generator\nn = 4\nspike_times = 1, 2.5, 2.5, 30\n"
    "[population p]\nmodel = parrot_neuron\nn = 4\n"
    "[projection gp]\nsource = g\ntarget = p\nrule = one_to_one\nweight = 1\ndelay = 1\n"
    "[record all]\npopulation = p\nkind = spike_recorder\nneurons = all\n";

typedef struct counter {
  uint64_t spikes, windows;
  sim_time last_t, last_window;
  int out_of_order;
  int fail_at_window; /* 0: never */
} counter;

static void cnt_spike(void *self, sim_time t, sim_gid gid)
{
  counter *c = self;
  (void)gid;
  if (t < c->last_t || t < c->last_window)
    c->out_of_order = 1;
  c->last_t = t;
  c->spikes++;
}

static int cnt_window_end(void *self, sim_time t_next)
{
  counter *c = self;
  if (t_next <= c->last_window)
    c->out_of_order = 1;
  c->last_window = t_next;
  c->windows++;
  if (c->fail_at_window && c->windows == (uint64_t)c->fail_at_window)
    return sim_error_set(SIM_EIO, "counting recorder: failing on purpose");
  return 0;
}

static const sim_recorder_ops counter_ops = {
    .name = "counter", .spike = cnt_spike, .window_end = cnt_window_end};

static void test_recorder_hears_the_run(void)
{
  net_desc *d = NULL;
  net_network *net = build("gen.ini", gen_config, &d);
  CU_ASSERT_PTR_NOT_NULL_FATAL(net);
  counter c = {.last_t = -1, .last_window = -1};
  sim_recorder rec = {&counter_ops, &c};
  sim_run_opts opts = {.recorders = &rec, .nrecorders = 1};
  sim_stats st;
  CU_ASSERT_EQUAL_FATAL(sim_run(&net->kernel, &opts, &st), 0);
  /* 4 generators x 4 times; 2.5 twice: the parrot repeats both (one spike
     of multiplicity 2 in NEST, delivered and recorded as two). */
  CU_ASSERT_EQUAL(st.spikes[0], 16);
  CU_ASSERT_EQUAL(st.spikes[1], 16);
  CU_ASSERT_EQUAL(c.spikes, st.spikes[1]); /* only p is recorded */
  CU_ASSERT_EQUAL(c.windows, st.windows);
  CU_ASSERT_EQUAL(c.out_of_order, 0);
  /* The last spike arrives at tick 310; the idle rest of the run is jumped
     over without a window end (the run's end is the caller's). */
  CU_ASSERT(c.last_window > 310 && c.last_window <= st.ticks);
  /* Idle stretches were jumped over: fewer windows than ticks / window. */
  CU_ASSERT(st.skipped_ticks > 0);
  CU_ASSERT(st.windows < (uint64_t)(st.ticks / net->kernel.min_delay));
  sim_stats_fini(&st);
  net_network_destroy(net);
  net_desc_destroy(d);
}

static void test_recorder_failure_stops_the_run(void)
{
  net_desc *d = NULL;
  net_network *net = build("gen2.ini", gen_config, &d);
  CU_ASSERT_PTR_NOT_NULL_FATAL(net);
  counter c = {.last_t = -1, .last_window = -1, .fail_at_window = 2};
  sim_recorder rec = {&counter_ops, &c};
  sim_run_opts opts = {.recorders = &rec, .nrecorders = 1};
  sim_stats st;
  CU_ASSERT_EQUAL(sim_run(&net->kernel, &opts, &st), SIM_EIO);
  CU_ASSERT_EQUAL(st.windows, 2); /* stopped at the end of that window */
  CU_ASSERT(strstr(sim_error_msg(), "failing on purpose") != NULL);
  sim_stats_fini(&st);
  net_network_destroy(net);
  net_desc_destroy(d);
}

static void test_serial_exchange(void)
{
  const sim_exchange_ops *x = &sim_exchange_serial;
  CU_ASSERT_EQUAL(x->rank(), 0);
  CU_ASSERT_EQUAL(x->size(), 1);
  sim_spike send[3] = {{0, 5}, {1, 2}, {1, 9}}, *all = NULL;
  int counts[1] = {3};
  size_t cap = 0;
  uint64_t bytes = 99;
  CU_ASSERT_EQUAL(x->spikes(send, counts, &all, &cap, &bytes), 3);
  CU_ASSERT(all && all[1].gid == 2 && all[2].lag == 1 && bytes == 0);
  uint8_t b[2] = {7, 8}, *r = NULL;
  int sc[1] = {2}, rc[1] = {0};
  CU_ASSERT_EQUAL(x->bytes(b, sc, &r, rc), 2);
  CU_ASSERT(r && r[1] == 8 && rc[0] == 2);
  CU_ASSERT_EQUAL(x->any(0), 0);
  CU_ASSERT_EQUAL(x->any(3), 1);
  CU_ASSERT_EQUAL(x->min_i64(-4), -4);
  free(all);
  free(r);
}

/* if_soft_reset: drive I_e + I per neuron, held until `start`. */
static void test_if_soft_reset_drive_and_start(void)
{
  const nrn_model_ops *m = nrn_model_find("if_soft_reset");
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  void *p = calloc(1, m->param_size);
  m->param_default(p);
  CU_ASSERT_EQUAL(m->param_set(p, "start", 3.0), 0);
  CU_ASSERT_EQUAL(m->param_set(p, "start", -1.0), SIM_ECONFIG);
  CU_ASSERT_EQUAL(m->param_finalize(p, 1.0), 0);
  int vI = sim_name_index(m->var_names, "I");
  CU_ASSERT_FATAL(vI >= 0);
  char *state = calloc(2, m->state_size);
  for (uint32_t i = 0; i < 2; i++)
    m->state_init(state, 2, i, p);
  m->var_set(state, 2, 0, p, vI, 0.25); /* 4 ticks per spike */
  m->var_set(state, 2, 1, p, vI, 0.0);  /* never */
  CU_ASSERT_DOUBLE_EQUAL(m->var_get(state, 2, 0, p, vI, 0), 0.25, 0);
  /* Held before start (tick 3); then 0.25 per tick: V = 1 at tick 7. */
  CU_ASSERT_DOUBLE_EQUAL(m->var_get(state, 2, 0, p, 0, 2), 0.0, 0);
  CU_ASSERT_DOUBLE_EQUAL(m->var_get(state, 2, 0, p, 0, 5), 0.5, 1e-15);
  CU_ASSERT_EQUAL(m->first_event(state, 2, 0, p), 7);
  CU_ASSERT_EQUAL(m->first_event(state, 2, 1, p), SIM_NEVER);
  double in[2] = {0, 0};
  uint32_t spikes[2], idx[1] = {0};
  sim_time next[1];
  sim_update_ctx ctx = {.state = state, .n = 2, .param = p, .in = {in}, .spikes = spikes,
                        .next = next};
  m->update(&ctx, 7, idx, 1);
  CU_ASSERT_EQUAL(ctx.nspikes, 1);
  CU_ASSERT_EQUAL(next[0], 11); /* reset by subtraction, 4 ticks again */
  free(state);
  free(p);
}

/* A sink of one port over n neurons and 4 slots, as the engine lays it. */
typedef struct test_sink {
  double ring[4 * 64];
  uint64_t bits[4];
  sim_time pending;
  sim_sink k;
} test_sink;

static void sink_init(test_sink *s, uint32_t n)
{
  memset(s, 0, sizeof *s);
  s->pending = -1;
  s->k = (sim_sink){.ring = {s->ring}, .touched = s->bits, .nlocal = n, .nwords = 1,
                    .smask = 3, .pending_until = &s->pending};
}

/* A 3x3 input, one channel, a 2x2 kernel of two output channels, stride
   1, no padding: a spike at input (1, 1) reaches all four output
   positions, each with the kernel tap that covers it. */
static void test_conv_kind_scatter(void)
{
  syn_layer_geom g = {.ic = 1, .ih = 3, .iw = 3, .oc = 2, .oh = 2, .ow = 2,
                      .kh = 2, .kw = 2, .sh = 1, .sw = 1};
  /* Scatter layout [ic][kh][kw][oc]: tap (ky, kx) of channel o. */
  float ws[8];
  for (int ky = 0; ky < 2; ky++)
    for (int kx = 0; kx < 2; kx++)
      for (int o = 0; o < 2; o++)
        ws[(ky * 2 + kx) * 2 + o] = (float)(10 * o + ky * 2 + kx + 1);
  syn_layer l;
  syn_layer_init(&l, SYN_LAYER_CONV, &g, ws, 1);
  CU_ASSERT_EQUAL(syn_layer_synapses(&l), 16 * 2); /* 16 (input, output) taps, 2 channels */
  test_sink s;
  sink_init(&s, 8);
  uint64_t ev = syn_layer_kind.spike(&l, NULL, 4 /* (1, 1) */, 0, NULL, 5, &s.k, 0);
  CU_ASSERT_EQUAL(ev, 8);
  const double *row = s.ring + (6 & 3) * 8;
  for (uint32_t oy = 0; oy < 2; oy++)
    for (uint32_t ox = 0; ox < 2; ox++) {
      uint32_t ky = 1 - oy, kx = 1 - ox; /* output (oy, ox) sees (1, 1) at tap (1-oy, 1-ox) */
      for (uint32_t o = 0; o < 2; o++)
        CU_ASSERT_DOUBLE_EQUAL(row[(oy * 2 + ox) * 2 + o], 10 * o + ky * 2 + kx + 1, 0);
    }
  CU_ASSERT_EQUAL(s.bits[6 & 3], 0xffu);
  CU_ASSERT_EQUAL(s.pending, 6);
  /* A spike after the source's last step is not delivered. */
  l.t_last = 5;
  CU_ASSERT_EQUAL(syn_layer_kind.spike(&l, NULL, 4, 0, NULL, 6, &s.k, 0), 0);
  syn_layer_fini(&l);
}

/* 2x2 max pool over a 2x2 map of one channel, rate-correct: the window
   passes a spike at a tick when its inputs' largest spike count (that
   tick's spikes counted) exceeds the spikes it passed, so that its count
   is always the largest input count. */
static void test_maxpool_kind_gating(void)
{
  syn_layer_geom g = {.ic = 1, .ih = 2, .iw = 2, .oc = 1, .oh = 1, .ow = 1,
                      .kh = 2, .kw = 2, .sh = 2, .sw = 2};
  syn_layer l;
  syn_layer_init(&l, SYN_LAYER_MAXPOOL, &g, NULL, 1);
  test_sink s;
  sink_init(&s, 1);
  const sim_proj_ops *k = &syn_layer_kind;
  /* Tick 0: inputs 1 and 2 spike (counts 0,1,1,0): max 1 > 0 passed: pass. */
  k->spike(&l, NULL, 1, 0, NULL, 0, &s.k, 0);
  k->spike(&l, NULL, 2, 0, NULL, 0, &s.k, 0);
  k->window_end(&l, &s.k, 1);
  CU_ASSERT_DOUBLE_EQUAL(s.ring[1], 1.0, 0);
  /* Tick 1: input 2 alone (0,1,2,0): max 2 > 1: pass. */
  k->spike(&l, NULL, 2, 0, NULL, 1, &s.k, 0);
  k->window_end(&l, &s.k, 2);
  CU_ASSERT_DOUBLE_EQUAL(s.ring[2], 1.0, 0);
  /* Tick 2: input 1 alone (0,2,2,0): a new leader, but max 2 = 2 passed:
     nothing (the count-gating rule passed one here, a third spike for a
     largest count of 2). */
  k->spike(&l, NULL, 1, 0, NULL, 2, &s.k, 0);
  k->window_end(&l, &s.k, 3);
  CU_ASSERT_DOUBLE_EQUAL(s.ring[3], 0.0, 0);
  /* Tick 3: input 3 (0,2,2,1): nothing passes. */
  k->spike(&l, NULL, 3, 0, NULL, 3, &s.k, 0);
  k->window_end(&l, &s.k, 4);
  CU_ASSERT_DOUBLE_EQUAL(s.ring[0], 0.0, 0);
  /* Tick 4: input 2 (0,2,3,1): max 3 > 2: pass. */
  k->spike(&l, NULL, 2, 0, NULL, 4, &s.k, 0);
  k->window_end(&l, &s.k, 5);
  CU_ASSERT_DOUBLE_EQUAL(s.ring[1], 2.0, 0); /* tick 0's 1 still in the ring */
  /* A new image forgets the counts: input 3 alone leads again. */
  syn_layer_reset(&l);
  s.ring[1] = 0;
  k->spike(&l, NULL, 3, 0, NULL, 0, &s.k, 0);
  k->window_end(&l, &s.k, 1);
  CU_ASSERT_DOUBLE_EQUAL(s.ring[1], 1.0, 0);
  syn_layer_fini(&l);
}

int test_kernel_register(void)
{
  CU_pSuite s = CU_add_suite("kernel", suite_init, suite_clean);
  if (!s)
    return -1;
  if (!CU_add_test(s, "a recorder hears every recorded spike and window", test_recorder_hears_the_run) ||
      !CU_add_test(s, "a recorder's failure stops the run at that window",
                   test_recorder_failure_stops_the_run) ||
      !CU_add_test(s, "serial exchange", test_serial_exchange) ||
      !CU_add_test(s, "if_soft_reset: per-neuron drive and onset",
                   test_if_soft_reset_drive_and_start) ||
      !CU_add_test(s, "conv layer kind scatters its shared kernel", test_conv_kind_scatter) ||
      !CU_add_test(s, "max-pool layer kind: count is the largest input count", test_maxpool_kind_gating))
    return -1;
  return 0;
}
