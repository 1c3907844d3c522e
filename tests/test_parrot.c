/*
 * test_parrot.c: NEST's parrot_neuron and receptor_type: every spike on
 * receptor 0 is repeated whatever its weight; k spikes in a tick are one
 * spike of multiplicity k, which reaches targets, plastic synapses and
 * recorders as k spikes (NEST unrolls multiplicity); receptor 1 is not
 * repeated, and NEST's STDP pair set-up (pre parrot -> post parrot on
 * receptor 1 through stdp_synapse) gives the pair rule's closed form to
 * 1e-12 (double plastic weights).
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/sim_engine.h"
#include "../core/sim_error.h"
#include "../io/io_config.h"
#include "../network/net_build.h"
#include "../synapses/syn_store.h"
#include "fixture_config.h"
#include "test_suites.h"

/* Load and build text on one rank; NULL (and a failed assertion) on error. */
static net_network *build(const char *name, const char *text, net_desc **dp)
{
  const char *path = cf_write_text(name, text, strlen(text));
  *dp = NULL;
  if (io_config_load(path, NULL, 0, dp) != 0) {
    CHECK(0, "%s: %s", name, sim_error_msg());
    return NULL;
  }
  net_part part = {(*dp)->sim.partition, 0, 1};
  net_network *net = NULL;
  if (net_build(*dp, &part, NULL, &net) != 0) {
    CHECK(0, "%s: %s", name, sim_error_msg());
    net_desc_destroy(*dp);
    *dp = NULL;
    return NULL;
  }
  return net;
}

static uint32_t pop_index(const net_desc *d, const char *name)
{
  for (uint32_t i = 0; i < d->npops; i++)
    if (!strcmp(d->pops[i].name, name))
      return i;
  CU_FAIL("no such population");
  return 0;
}

/* A recorder that counts the spikes it hears. */
static void count_spike(void *self, sim_time t, sim_gid gid)
{
  (void)t;
  (void)gid;
  ++*(uint64_t *)self;
}

static const sim_recorder_ops count_ops = {.name = "count", .spike = count_spike};

/* A weight-0 spike, and +1 and -1 in the same tick, are all repeated. */
static void test_any_weight(void)
{
  static const char text[] =
      "[simulation]\nduration = 20\nresolution = 0.1\n"
      "[population g0]\nmodel = spike_generator\nspike_times = 1\n"
      "[population g1]\nmodel = spike_generator\nspike_times = 2\n"
      "[population g2]\nmodel = spike_generator\nspike_times = 2\n"
      "[population a]\nmodel = parrot_neuron\nn = 1\n"
      "[population b]\nmodel = parrot_neuron\nn = 1\n"
      "[projection zero]\nsource = g0\ntarget = a\nrule = all_to_all\nweight = 0\ndelay = 1\n"
      "[projection plus]\nsource = g1\ntarget = b\nrule = all_to_all\nweight = 1\ndelay = 1\n"
      "[projection minus]\nsource = g2\ntarget = b\nrule = all_to_all\nweight = -1\n"
      "delay = 1\n";
  net_desc *d;
  net_network *net = build("weights.ini", text, &d);
  CU_ASSERT_PTR_NOT_NULL_FATAL(net);
  sim_stats st;
  sim_run_opts opts = {0};
  CU_ASSERT_EQUAL_FATAL(sim_run(&net->kernel, &opts, &st), 0);
  CHECK(st.spikes[pop_index(d, "a")] == 1, "weight 0: %llu spikes, want 1",
        (unsigned long long)st.spikes[pop_index(d, "a")]);
  CHECK(st.spikes[pop_index(d, "b")] == 2, "+1 and -1 in one tick: %llu spikes, want 2",
        (unsigned long long)st.spikes[pop_index(d, "b")]);
  sim_stats_fini(&st);
  net_network_destroy(net);
  net_desc_destroy(d);
}

/* Three spikes in one tick: the parrot emits multiplicity 3, which a
   parrot downstream repeats as 3, a recorder records 3 times, an
   iaf_psc_delta target integrates as 3 x w, and a plastic synapse sees as
   3 pre-synaptic events (NEST: EventDeliveryManager::send_remote unrolls
   multiplicity, spike_recorder::handle writes it out). */
static void test_multiplicity(void)
{
  static const char text[] =
      "[simulation]\nduration = 20\nresolution = 0.1\n"
      "[population g]\nmodel = spike_generator\nspike_times = 5, 5, 5\n"
      "[population p]\nmodel = parrot_neuron\nn = 1\n"
      "[population q]\nmodel = parrot_neuron\nn = 1\n"
      "[population r]\nmodel = iaf_psc_delta\nn = 1\nE_L = 0\nV_reset = 0\nV_th = 100\n"
      "V_m = 0\ntau_m = 1e9\n"
      "[population s]\nmodel = iaf_psc_delta\nn = 1\nE_L = 0\nV_reset = 0\nV_th = 100\n"
      "V_m = 0\n"
      "[projection gp]\nsource = g\ntarget = p\nrule = all_to_all\nweight = 0.25\ndelay = 1\n"
      "[projection pq]\nsource = p\ntarget = q\nrule = all_to_all\nweight = 1\ndelay = 1\n"
      "[projection pr]\nsource = p\ntarget = r\nrule = all_to_all\nweight = 0.5\ndelay = 1\n"
      "[projection ps]\nsource = p\ntarget = s\nrule = all_to_all\nweight = 0.5\ndelay = 1\n"
      "synapse = stdp_synapse\n"
      "[record rq]\npopulation = q\nkind = spike_recorder\nneurons = all\n";
  net_desc *d;
  net_network *net = build("mult.ini", text, &d);
  CU_ASSERT_PTR_NOT_NULL_FATAL(net);
  uint64_t heard = 0;
  sim_recorder rec = {&count_ops, &heard};
  sim_stats st;
  sim_run_opts opts = {.recorders = &rec, .nrecorders = 1};
  CU_ASSERT_EQUAL_FATAL(sim_run(&net->kernel, &opts, &st), 0);
  CHECK(st.spikes[pop_index(d, "p")] == 3, "p: %llu spikes, want 3",
        (unsigned long long)st.spikes[pop_index(d, "p")]);
  CHECK(st.spikes[pop_index(d, "q")] == 3, "q: %llu spikes, want 3",
        (unsigned long long)st.spikes[pop_index(d, "q")]);
  CHECK(heard == 3, "recorder heard %llu spikes of q, want 3", (unsigned long long)heard);
  CHECK(st.stdp_updates == 3, "%llu STDP pre events, want 3",
        (unsigned long long)st.stdp_updates);
  const sim_pop *r = &net->kernel.pops[pop_index(d, "r")];
  double v = r->model->var_get(r->state, r->nlocal, 0, r->param, 0, st.ticks);
  /* tau_m 1e9 ms: the 13 ms to the end decay it by ~2e-8 mV. */
  CHECK(fabs(v - 1.5) < 1e-6, "r: V_m %.17g mV, want 3 x 0.5 = 1.5", v);
  sim_stats_fini(&st);
  net_network_destroy(net);
  net_desc_destroy(d);
}

/* Receptor 1 of a parrot takes input without repeating it. */
static void test_receptor_1_not_repeated(void)
{
  static const char text[] =
      "[simulation]\nduration = 20\nresolution = 0.1\n"
      "[population g]\nmodel = spike_generator\nspike_times = 1, 2, 3\n"
      "[population n]\nmodel = poisson_generator\nrate = 5000\n"
      "[population p]\nmodel = parrot_neuron\nn = 2\n"
      "[projection gp]\nsource = g\ntarget = p\nrule = all_to_all\nweight = 1\ndelay = 1\n"
      "receptor_type = 1\n"
      "[projection np]\nsource = n\ntarget = p\nrule = all_to_all\nweight = 1\ndelay = 1\n"
      "receptor_type = 1\n";
  net_desc *d;
  net_network *net = build("rport.ini", text, &d);
  CU_ASSERT_PTR_NOT_NULL_FATAL(net);
  sim_stats st;
  sim_run_opts opts = {0};
  CU_ASSERT_EQUAL_FATAL(sim_run(&net->kernel, &opts, &st), 0);
  CU_ASSERT(st.ext_events > 50); /* the Poisson input did arrive */
  CHECK(st.spikes[pop_index(d, "p")] == 0, "receptor 1: %llu spikes, want 0",
        (unsigned long long)st.spikes[pop_index(d, "p")]);
  sim_stats_fini(&st);
  net_network_destroy(net);
  net_desc_destroy(d);
}

/* NEST's STDP pair set-up: generators drive a pre and a post parrot
   (delay 1 ms), the pre parrot reaches the post parrot's receptor 1
   through stdp_synapse (w0 0.5, delay d = 1 ms, dendritic), so the post
   parrot fires only at t_post.  Pre fires at t_pre and t_late.  Returns
   the final weight. */
static double run_pair(double t_pre, double t_post, double t_late, sim_stats *st)
{
  char text[2048];
  snprintf(text, sizeof text,
           "[simulation]\nduration = %g\nresolution = 0.1\n"
           "[population gpre]\nmodel = spike_generator\nspike_times = %g, %g\n"
           "[population gpost]\nmodel = spike_generator\nspike_times = %g\n"
           "[population pre]\nmodel = parrot_neuron\nn = 1\n"
           "[population post]\nmodel = parrot_neuron\nn = 1\n"
           "[projection a]\nsource = gpre\ntarget = pre\nrule = all_to_all\nweight = 1\n"
           "delay = 1\n"
           "[projection b]\nsource = gpost\ntarget = post\nrule = all_to_all\nweight = 1\n"
           "delay = 1\n"
           "[projection plastic]\nsource = pre\ntarget = post\nrule = all_to_all\n"
           "receptor_type = 1\nweight = 0.5\ndelay = 1\nsynapse = stdp_synapse\n"
           "Wmax = 10\nlambda = 0.1\nalpha = 1.2\nmu_plus = 0\nmu_minus = 0\n"
           "tau_plus = 20\ntau_minus = 30\n",
           t_late + 10, t_pre - 1, t_late - 1, t_post - 1);
  net_desc *d;
  net_network *net = build("pair.ini", text, &d);
  if (!net)
    return NAN;
  sim_run_opts opts = {0};
  CU_ASSERT_EQUAL_FATAL(sim_run(&net->kernel, &opts, st), 0);
  const uint32_t j = 2, pre = pop_index(d, "pre"), post = pop_index(d, "post");
  const net_proj *pr = &net->projs[j];
  CU_ASSERT_FATAL(pr->dynamic);
  double w = syn_store_weight(&pr->store, &pr->syn, 0, d->pops[pre].first_gid,
                              net->pops[post].gid, st->ticks);
  CHECK(st->spikes[pre] == 2 && st->spikes[post] == 1,
        "pre %llu spikes (want 2), post %llu (want 1: receptor 1 is not repeated)",
        (unsigned long long)st->spikes[pre], (unsigned long long)st->spikes[post]);
  net_network_destroy(net);
  net_desc_destroy(d);
  return w;
}

/* NEST stdp_synapse (additive, mu = 0; Wmax 10, lambda 0.1, alpha 1.2,
   tau+ 20 ms, tau- 30 ms), delay d = 1 ms counted as dendritic: the post
   spike reaches the synapse at t_post + d.  dt = t_post + d - t_pre > 0:
   at t_late facilitation by lambda Wmax e^{-dt/tau+}, then depression by
   alpha lambda Wmax e^{-(t_late - d - t_post)/tau-}.  dt <= 0: depression
   at t_pre by the post trace e^{-(t_pre - d - t_post)/tau-}, clipped at 0,
   and again at t_late.  Written in NEST's normalized form (w / Wmax). */
static double closed_form(double t_pre, double t_post, double t_late)
{
  const double W = 10, lam = 0.1, alpha = 1.2, tp = 20, tm = 30, d = 1.0;
  double nw = 0.5 / W;
  const double dt = t_post + d - t_pre;
  if (dt > 0) {
    nw += lam * exp(-dt / tp);
    nw = nw < 1 ? nw : 1;
  } else {
    nw -= alpha * lam * exp(-(t_pre - d - t_post) / tm);
    nw = nw > 0 ? nw : 0;
  }
  nw -= alpha * lam * exp(-(t_late - d - t_post) / tm);
  return (nw > 0 ? nw : 0) * W;
}

static void test_stdp_pair_on_receptor_1(void)
{
  static const double lags[] = {-30, -10, -3, 2, 5, 15, 40};
  double worst = 0;
  for (size_t i = 0; i < sizeof lags / sizeof lags[0]; i++) {
    const double t_pre = 50, t_post = t_pre + lags[i], t_late = 150;
    sim_stats st;
    double w = run_pair(t_pre, t_post, t_late, &st);
    sim_stats_fini(&st);
    double want = closed_form(t_pre, t_post, t_late);
    CHECK(fabs(w - want) <= 1e-12, "lag %g ms: w %.17g, closed form %.17g (|diff| %.3g)",
          lags[i], w, want, fabs(w - want));
    if (!(fabs(w - want) <= worst))
      worst = fabs(w - want);
  }
  printf("       parrot STDP pair, 7 lags: max |w - closed form| = %.3g\n", worst);
}

static void test_receptor_type_errors(void)
{
  const char *const onto_parrot[] = {
      SIM_LINES, "[population g]", "model = spike_generator", "spike_times = 1",
      "[population p]", "model = parrot_neuron", "n = 1",
      "[projection gp]", "source = g", "target = p", "rule = all_to_all", "weight = 1",
      "delay = 1", "receptor_type = 2", NULL};
  expect_error("rt_parrot.ini", onto_parrot, "receptor_type = 2", "receptor_type",
               "parrot_neuron", "[0, 1]", "got '2'");
  const char *const onto_iaf[] = {
      SIM_LINES, POP_E, "[projection ee]", "source = E", "target = E",
      "rule = all_to_all", "weight = 1", "delay = 1", "receptor_type = 1", NULL};
  expect_error("rt_iaf.ini", onto_iaf, "receptor_type = 1", "receptor_type",
               "expected 0", "iaf_psc_delta", "one receptor type");
  const char *const not_int[] = {
      SIM_LINES, POP_E, "[projection ee]", "source = E", "target = E",
      "rule = all_to_all", "weight = 1", "delay = 1", "receptor_type = -1", NULL};
  expect_error("rt_neg.ini", not_int, "receptor_type = -1", "receptor_type", "got '-1'");
}

int test_parrot_register(void)
{
  CU_pSuite s = CU_add_suite("parrot", cf_suite_init, cf_suite_clean);
  if (!s)
    return -1;
  if (!CU_add_test(s, "any weight is repeated", test_any_weight) ||
      !CU_add_test(s, "multiplicity reaches targets, STDP and recorders", test_multiplicity) ||
      !CU_add_test(s, "receptor 1 is not repeated", test_receptor_1_not_repeated) ||
      !CU_add_test(s, "NEST STDP pair set-up on receptor 1 vs closed form (1e-12)",
                   test_stdp_pair_on_receptor_1) ||
      !CU_add_test(s, "receptor_type is checked against the target model",
                   test_receptor_type_errors))
    return -1;
  return 0;
}
