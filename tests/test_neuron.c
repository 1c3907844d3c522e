/*
 * test_neuron.c: single neurons against their closed-form trajectories,
 * driving the models' ops tables directly (no engine).
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../neurons/nrn_model.h"
#include "test_suites.h"

#define H 0.1 /* ms */

/* One neuron of model m with parameters set from key/value pairs. */
typedef struct one {
  const nrn_model_ops *m;
  void *param, *state;
  double in[NRN_MAX_PORTS][1];
  uint32_t spikes[1];
  sim_time next[1];
} one;

static void one_init(one *o, const char *model, const char *const *keys,
                     const double *vals, int n)
{
  memset(o, 0, sizeof *o);
  o->m = nrn_model_find(model);
  CU_ASSERT_PTR_NOT_NULL_FATAL(o->m);
  o->param = calloc(1, o->m->param_size);
  o->state = calloc(1, o->m->state_size);
  o->m->param_default(o->param);
  for (int i = 0; i < n; i++)
    CU_ASSERT_EQUAL_FATAL(o->m->param_set(o->param, keys[i], vals[i]), 0);
  CU_ASSERT_EQUAL_FATAL(o->m->param_finalize(o->param, H), 0);
  o->m->state_init(o->state, 1, 0, o->param);
}

static void one_fini(one *o)
{
  free(o->param);
  free(o->state);
}

/* Update at tick t with input x on port; returns 1 if it fired. */
static int one_step(one *o, sim_time t, double x, int port)
{
  nrn_update_ctx ctx = {.state = o->state, .n = 1, .param = o->param,
                        .spikes = o->spikes, .next = o->next};
  o->in[0][0] = o->in[1][0] = 0;
  o->in[port][0] = x;
  ctx.in[0] = o->in[0];
  ctx.in[1] = o->in[1];
  uint32_t idx = 0;
  o->m->update(&ctx, t, &idx, 1);
  return ctx.nspikes == 1;
}

static double v_of(one *o, sim_time t)
{
  return o->m->var_get(o->state, 1, 0, o->param, 0, t);
}

/* iaf_psc_delta, touched only at its two inputs, read at every tick:
   V(t) = V_inf + (V0 - V_inf) e^{-t/tau} + sum_k w_k e^{-(t - t_k)/tau}. */
static void test_delta_trace(void)
{
  static const char *const k[] = {"E_L", "C_m", "tau_m", "V_th", "I_e"};
  static const double v[] = {-70, 250, 10, -55, 100};
  one o;
  one_init(&o, "iaf_psc_delta", k, v, 5);
  const double vinf = -70 + 100 * 10 / 250.0, v0 = -70;
  const sim_time t1 = 50, t2 = 120;
  const double w1 = 2.0, w2 = 1.5;
  double worst = 0;
  for (sim_time t = 1; t <= 400; t++) {
    if (t == t1)
      CU_ASSERT_FALSE(one_step(&o, t, w1, 0));
    if (t == t2)
      CU_ASSERT_FALSE(one_step(&o, t, w2, 0));
    double ms = t * H;
    double want = vinf + (v0 - vinf) * exp(-ms / 10);
    if (t >= t1)
      want += w1 * exp(-(t - t1) * H / 10);
    if (t >= t2)
      want += w2 * exp(-(t - t2) * H / 10);
    double err = fabs(v_of(&o, t) - want);
    if (err > worst)
      worst = err;
  }
  CU_ASSERT(worst < 1e-9);
  CU_ASSERT_EQUAL(o.next[0], SIM_NEVER); /* V_inf below threshold */
  one_fini(&o);
}

/* Constant drive above threshold: the first spike comes at
   tau ln((V_inf - V0) / (V_inf - V_th)), within one tick, and then with
   period t_ref + that time from V_reset. */
static void test_delta_first_spike(void)
{
  static const char *const k[] = {"E_L", "C_m", "tau_m", "V_th", "V_reset", "I_e", "t_ref"};
  static const double v[] = {-70, 250, 10, -55, -70, 500, 2};
  one o;
  one_init(&o, "iaf_psc_delta", k, v, 7);
  const double vinf = -70 + 500 * 10 / 250.0; /* -50 mV */
  const double tstar = 10 * log((vinf - -70) / (vinf - -55));
  sim_time first = o.m->first_event(o.state, 1, 0, o.param);
  CU_ASSERT(fabs(first * H - tstar) <= H);
  CU_ASSERT(first * H >= tstar - 1e-12); /* never before the crossing */
  /* Nothing happens before the predicted tick, a spike exactly at it. */
  CU_ASSERT(v_of(&o, first - 1) < -55);
  CU_ASSERT(v_of(&o, first) >= -55);
  CU_ASSERT_TRUE(one_step(&o, first, 0, 0));
  /* Refractory for 20 ticks at V_reset, then the same climb again. */
  CU_ASSERT_DOUBLE_EQUAL(v_of(&o, first + 20), -70, 1e-12);
  sim_time second = o.next[0];
  CU_ASSERT_EQUAL(second, first + 20 + first);
  one_fini(&o);
}

/* Input during the refractory period is dropped (NEST default) or kept
   for its end (refractory_input = true). */
static void test_delta_refractory_input(void)
{
  for (int keep = 0; keep <= 1; keep++) {
    static const char *const k[] = {"E_L", "V_th", "V_reset", "tau_m", "t_ref",
                                    "refractory_input"};
    double v[] = {0, 20, 0, 20, 2, 0};
    v[5] = keep;
    one o;
    one_init(&o, "iaf_psc_delta", k, v, 6);
    CU_ASSERT_TRUE(one_step(&o, 10, 25, 0)); /* jump past threshold */
    CU_ASSERT_FALSE(one_step(&o, 15, 5, 0)); /* refractory: ticks 11..30 */
    CU_ASSERT_DOUBLE_EQUAL(v_of(&o, 30), 0, 1e-12);
    CU_ASSERT_FALSE(one_step(&o, 31, 1, 0));
    double want = keep ? 6.0 : 1.0; /* decay from V_reset over one tick is 0 */
    CU_ASSERT_DOUBLE_EQUAL(v_of(&o, 31), want, 1e-12);
    one_fini(&o);
  }
}

/* iaf_psc_exp: one excitatory and one inhibitory input plus I_e.  NEST
   order: a current that arrives at tick t0 moves V from tick t0 + 1:
   V(t) - E_L = V_inf (1 - e^{-t/tau_m})
              + sum w/C (e^{-D/tau_s} - e^{-D/tau_m}) / (1/tau_m - 1/tau_s),
   D = (t - t0) h. */
static void test_exp_trace(void)
{
  static const char *const k[] = {"E_L", "C_m", "tau_m", "V_th", "I_e", "tau_syn_ex",
                                  "tau_syn_in"};
  static const double v[] = {-70, 250, 10, -40, 50, 2, 5};
  one o;
  one_init(&o, "iaf_psc_exp", k, v, 7);
  const double C = 250, tm = 10, vinf = 50 * 10 / 250.0;
  const sim_time te = 30, ti = 80;
  const double we = 300, wi = -200, tse = 2, tsi = 5;
  double worst = 0;
  for (sim_time t = 1; t <= 500; t++) {
    double x = t == te ? we : t == ti ? wi : 0;
    CU_ASSERT_FALSE(one_step(&o, t, x, x < 0));
    double want = vinf * (1 - exp(-t * H / tm));
    if (t > te) {
      double D = (t - te) * H;
      want += we / C * (exp(-D / tse) - exp(-D / tm)) / (1 / tm - 1 / tse);
    }
    if (t > ti) {
      double D = (t - ti) * H;
      want += wi / C * (exp(-D / tsi) - exp(-D / tm)) / (1 / tm - 1 / tsi);
    }
    double err = fabs(v_of(&o, t) - (-70 + want));
    if (err > worst)
      worst = err;
  }
  CU_ASSERT(worst < 1e-9);
  one_fini(&o);
}

/* tau_syn == tau_m: the propagator's limit h e^{-h/tau} / C is used. */
static void test_exp_equal_taus(void)
{
  static const char *const k[] = {"E_L", "C_m", "tau_m", "V_th", "tau_syn_ex"};
  static const double v[] = {0, 100, 5, 100, 5};
  one o;
  one_init(&o, "iaf_psc_exp", k, v, 5);
  one_step(&o, 1, 100, 0);
  double worst = 0;
  for (sim_time t = 2; t <= 300; t++) {
    one_step(&o, t, 0, 0);
    double D = (t - 1) * H;
    double want = 100 / 100.0 * D * exp(-D / 5); /* w/C D e^{-D/tau} */
    double err = fabs(v_of(&o, t) - want);
    if (err > worst)
      worst = err;
  }
  CU_ASSERT(worst < 1e-9);
  one_fini(&o);
}

static void test_registry_and_params(void)
{
  CU_ASSERT_PTR_NULL(nrn_model_find("iaf_psc_alpha_typo"));
  CU_ASSERT_PTR_NOT_NULL(strstr(nrn_model_names(), "iaf_psc_delta"));
  const nrn_model_ops *m = nrn_model_find("iaf_psc_delta");
  void *p = calloc(1, m->param_size);
  m->param_default(p);
  CU_ASSERT_EQUAL(m->param_set(p, "no_such_key", 1), SIM_EINVAL);
  CU_ASSERT_EQUAL(m->param_set(p, "tau_m", -1), SIM_ECONFIG);
  CU_ASSERT_EQUAL(m->param_set(p, "V_reset", -50), 0);
  CU_ASSERT_EQUAL(m->param_set(p, "V_th", -60), 0);
  CU_ASSERT_EQUAL(m->param_finalize(p, H), SIM_ECONFIG); /* reset above threshold */
  CU_ASSERT_EQUAL(m->param_set(p, "V_th", -40), 0);
  CU_ASSERT_EQUAL(m->param_set(p, "t_ref", 0.25), 0);
  CU_ASSERT_EQUAL(m->param_finalize(p, H), SIM_ECONFIG); /* not whole ticks */
  free(p);
}

int test_neuron_register(void)
{
  CU_pSuite s = CU_add_suite("neuron", NULL, NULL);
  if (!s)
    return -1;
  if (!CU_add_test(s, "iaf_psc_delta closed-form trace", test_delta_trace) ||
      !CU_add_test(s, "iaf_psc_delta time to first spike", test_delta_first_spike) ||
      !CU_add_test(s, "iaf_psc_delta refractory input", test_delta_refractory_input) ||
      !CU_add_test(s, "iaf_psc_exp closed-form trace", test_exp_trace) ||
      !CU_add_test(s, "iaf_psc_exp tau_syn == tau_m", test_exp_equal_taus) ||
      !CU_add_test(s, "registry and parameter checks", test_registry_and_params))
    return -1;
  return 0;
}
