/*
 * test_if_soft_reset.c: the if_soft_reset model (IF, reset by subtraction)
 * run event-driven as the engine runs it (touched at input and at its own
 * predicted crossings only), against closed-form spike ticks and against a
 * plain per-tick loop of the same rule.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../neurons/nrn_model.h"
#include "test_suites.h"

#define H 0.1 /* ms */

/* n neurons driven as the engine does: at tick t, those with input or a
   self-event due at t are updated (ascending), and their next self-event
   replaces the old one. */
typedef struct harness {
  const nrn_model_ops *m;
  void *param, *state;
  uint32_t n;
  double *in;        /* this tick's input per neuron (mV) */
  sim_time *sched;   /* next self-event per neuron */
  uint32_t *idx, *spikes;
  sim_time *next;
  uint64_t updates;  /* neuron updates so far */
  int contract_ok;   /* every next > t, every input consumed */
} harness;

static void harness_init(harness *hs, uint32_t n, const char *const *keys,
                         const double *vals, int nkv, const double *v0)
{
  memset(hs, 0, sizeof *hs);
  hs->m = nrn_model_find("if_soft_reset");
  CU_ASSERT_PTR_NOT_NULL_FATAL(hs->m);
  CU_ASSERT_EQUAL_FATAL(hs->m->per_tick, 0);
  hs->n = n;
  hs->contract_ok = 1;
  hs->param = calloc(1, hs->m->param_size);
  hs->state = calloc(n, hs->m->state_size);
  hs->in = calloc(n, sizeof *hs->in);
  hs->sched = calloc(n, sizeof *hs->sched);
  hs->idx = calloc(n, sizeof *hs->idx);
  hs->spikes = calloc(n, sizeof *hs->spikes);
  hs->next = calloc(n, sizeof *hs->next);
  hs->m->param_default(hs->param);
  for (int i = 0; i < nkv; i++)
    CU_ASSERT_EQUAL_FATAL(hs->m->param_set(hs->param, keys[i], vals[i]), 0);
  CU_ASSERT_EQUAL_FATAL(hs->m->param_finalize(hs->param, H), 0);
  for (uint32_t i = 0; i < n; i++) {
    hs->m->state_init(hs->state, n, i, hs->param);
    if (v0)
      hs->m->var_set(hs->state, n, i, hs->param, 0, v0[i]);
    hs->sched[i] = hs->m->first_event(hs->state, n, i, hs->param);
  }
}

static void harness_fini(harness *hs)
{
  CU_ASSERT(hs->contract_ok);
  free(hs->param);
  free(hs->state);
  free(hs->in);
  free(hs->sched);
  free(hs->idx);
  free(hs->spikes);
  free(hs->next);
}

/* Tick t with the input in hs->in (consumed); returns the spike count
   (local indices in hs->spikes, ascending). */
static uint32_t harness_tick(harness *hs, sim_time t)
{
  uint32_t k = 0;
  for (uint32_t i = 0; i < hs->n; i++)
    if (hs->in[i] != 0 || hs->sched[i] == t)
      hs->idx[k++] = i;
  if (!k)
    return 0;
  nrn_update_ctx ctx = {.state = hs->state, .n = hs->n, .param = hs->param,
                        .in = {hs->in}, .spikes = hs->spikes, .next = hs->next};
  hs->m->update(&ctx, t, hs->idx, k);
  hs->updates += k;
  for (uint32_t j = 0; j < k; j++) {
    if (!(hs->next[j] > t) || hs->in[hs->idx[j]] != 0)
      hs->contract_ok = 0;
    hs->sched[hs->idx[j]] = hs->next[j];
  }
  return ctx.nspikes;
}

static double v_of(const harness *hs, uint32_t i, sim_time t)
{
  return hs->m->var_get(hs->state, hs->n, i, hs->param, 0, t);
}

/* ------------------------------------------------------------------ */

/* Constant drive I_e = 3/8 mV per tick from V_m = V_th / 2 = 0.5 (exact in
   binary, so the ticks are exact integers): V(t) = 0.5 + 3t/8 - spikes, and
   the k-th spike falls at t_k = ceil((8k - 4) / 3).  The neuron is touched
   only at its spikes. */
static void test_ifsr_closed_form(void)
{
  static const char *const k[] = {"V_th", "I_e"};
  const double vals[] = {1.0, 0.375}, v0[] = {0.5};
  harness hs;
  harness_init(&hs, 1, k, vals, 2, v0);
  CU_ASSERT_EQUAL(hs.sched[0], 2); /* ceil(4 / 3) */
  uint64_t nk = 0;
  int ticks_ok = 1, v_ok = 1;
  const sim_time T = 60000;
  for (sim_time t = 0; t < T; t++) {
    if (!harness_tick(&hs, t))
      continue;
    nk++;
    sim_time want = (sim_time)((8 * nk - 4 + 2) / 3); /* integer ceil */
    if (t != want)
      ticks_ok = 0;
    if (v_of(&hs, 0, t) != 0.5 + 0.375 * (double)t - (double)nk)
      v_ok = 0;
  }
  CU_ASSERT(ticks_ok);
  CU_ASSERT(v_ok); /* the remainder after each subtraction, exactly */
  CU_ASSERT_EQUAL(nk, (uint64_t)((0.5 + 0.375 * (T - 1)) / 1.0)); /* floor */
  CU_ASSERT_EQUAL(hs.updates, nk);                                 /* event-driven */
  printf("\n    I_e 0.375 mV/tick from 0.5: %llu spikes in %lld ticks, %llu updates ",
         (unsigned long long)nk, (long long)T, (unsigned long long)hs.updates);
  harness_fini(&hs);

  /* Drive above threshold: one spike per tick, the excess accumulates. */
  const double big[] = {1.0, 2.5};
  harness_init(&hs, 1, k, big, 2, NULL);
  uint32_t n = 0;
  for (sim_time t = 0; t <= 100; t++)
    n += harness_tick(&hs, t);
  CU_ASSERT_EQUAL(n, 100); /* ticks 1..100 */
  CU_ASSERT_DOUBLE_EQUAL(v_of(&hs, 0, 100), 1.5 * 100, 0);
  harness_fini(&hs);

  /* Starting at threshold fires at once (tick 0); no drive: then never. */
  const double none[] = {1.0, 0}, at[] = {1.0};
  harness_init(&hs, 1, k, none, 2, at);
  CU_ASSERT_EQUAL(hs.sched[0], 0);
  CU_ASSERT_EQUAL(harness_tick(&hs, 0), 1);
  CU_ASSERT_EQUAL(hs.sched[0], SIM_NEVER);
  CU_ASSERT_DOUBLE_EQUAL(v_of(&hs, 0, 50), 0, 0);
  harness_fini(&hs);
}

/* Reset by subtraction keeps the excess; input past several thresholds
   gives one spike per tick on the following ticks, as in net_cnn. */
static void test_ifsr_remainder(void)
{
  static const char *const k[] = {"V_th"};
  const double th1[] = {1.0};
  harness hs;
  harness_init(&hs, 1, k, th1, 1, NULL);
  CU_ASSERT_EQUAL(hs.sched[0], SIM_NEVER);
  hs.in[0] = 1.25;
  CU_ASSERT_EQUAL(harness_tick(&hs, 10), 1);
  CU_ASSERT_DOUBLE_EQUAL(v_of(&hs, 0, 15), 0.25, 0);
  CU_ASSERT_EQUAL(hs.sched[0], SIM_NEVER);
  hs.in[0] = 0.8;
  CU_ASSERT_EQUAL(harness_tick(&hs, 20), 1); /* 0.25 + 0.8 >= 1 */
  CU_ASSERT_DOUBLE_EQUAL(v_of(&hs, 0, 20), 0.05, 1e-15);
  hs.in[0] = 3.5; /* 3.55: three thresholds */
  uint32_t fired = 0;
  for (sim_time t = 30; t < 40; t++) {
    uint32_t s = harness_tick(&hs, t);
    CU_ASSERT_EQUAL(s, (t <= 32)); /* at 30, 31, 32 */
    fired += s;
    if (t == 30)
      CU_ASSERT_EQUAL(hs.sched[0], 31);
  }
  CU_ASSERT_EQUAL(fired, 3);
  CU_ASSERT_DOUBLE_EQUAL(v_of(&hs, 0, 40), 0.55, 1e-12);
  CU_ASSERT_EQUAL(hs.sched[0], SIM_NEVER);
  CU_ASSERT_EQUAL(hs.updates, 5); /* 3 inputs + 2 self-events */
  harness_fini(&hs);

  /* V_th = 2: a spike subtracts 2; 5 mV gives spikes at t, t + 1, V = 1. */
  const double th2[] = {2.0};
  harness_init(&hs, 1, k, th2, 1, NULL);
  hs.in[0] = 5;
  CU_ASSERT_EQUAL(harness_tick(&hs, 3), 1);
  CU_ASSERT_EQUAL(harness_tick(&hs, 4), 1);
  CU_ASSERT_EQUAL(harness_tick(&hs, 5), 0);
  CU_ASSERT_DOUBLE_EQUAL(v_of(&hs, 0, 9), 1.0, 0);
  harness_fini(&hs);
}

/* splitmix64: the test's own input stream. */
static uint64_t mix(uint64_t *s)
{
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static double uniform01(uint64_t *s) { return (double)(mix(s) >> 11) * 0x1p-53; }

/* The same rule, one tick at a time, for n neurons: returns max |dV| over
   every neuron and tick (reading the model with var_get between its
   updates), and checks that the spike ticks are the same. */
static double against_loop(uint32_t n, double V_th, double I_e, double tau_m, int dyadic,
                           uint64_t seed, uint64_t *nspk)
{
  static const char *const k[] = {"V_th", "I_e", "tau_m"};
  const double vals[] = {V_th, I_e, tau_m};
  uint64_t s = seed;
  double v0[16], ref[16];
  for (uint32_t i = 0; i < n; i++) {
    v0[i] = uniform01(&s) * V_th;
    if (dyadic)
      v0[i] = floor(v0[i] * 1024) / 1024;
    ref[i] = v0[i];
  }
  harness hs;
  harness_init(&hs, n, k, vals, 3, v0);
  const double P = tau_m > 0 ? exp(-H / tau_m) : 1.0;
  const sim_time T = 50000;
  double worst = 0;
  int same = 1;
  *nspk = 0;
  for (sim_time t = 1; t < T; t++) {
    for (uint32_t i = 0; i < n; i++) {
      double x = 0;
      if (uniform01(&s) < 0.05) { /* ~5 inputs per 100 ticks, some large */
        x = -0.6 + 2.4 * uniform01(&s);
        if (uniform01(&s) < 0.05)
          x = 3.7 * V_th;
        if (dyadic)
          x = floor(x * 1024) / 1024;
      }
      hs.in[i] = x;
      ref[i] = (tau_m > 0 ? P * ref[i] : ref[i]) + I_e + x;
    }
    uint32_t ns = harness_tick(&hs, t), m = 0;
    for (uint32_t i = 0; i < n; i++) {
      int fires = ref[i] >= V_th;
      if (fires) {
        ref[i] -= V_th;
        if (m >= ns || hs.spikes[m] != i)
          same = 0;
        m++;
      }
      worst = fmax(worst, fabs(v_of(&hs, i, t) - ref[i]));
    }
    if (m != ns)
      same = 0;
    *nspk += ns;
  }
  CU_ASSERT(same);
  harness_fini(&hs);
  return worst;
}

static void test_ifsr_random(void)
{
  const struct {
    const char *what;
    double V_th, I_e, tau_m;
    int dyadic;
    double tol;
  } cases[] = {
      {"binary fractions, no leak", 1.0, 0.0078125, 0, 1, 0},
      {"any doubles, no leak", 1.0, 0.0123, 0, 0, 1e-9},
      {"any doubles, V_th 0.7, negative drive", 0.7, -0.002, 0, 0, 1e-9},
      {"leak tau_m 20 ms", 1.0, 0.011, 20, 0, 1e-9},
      {"leak tau_m 2 ms", 1.0, 0.08, 2, 0, 1e-9},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    uint64_t nspk;
    double worst = against_loop(12, cases[c].V_th, cases[c].I_e, cases[c].tau_m,
                                cases[c].dyadic, 17 + c, &nspk);
    printf("\n    %s: 12 neurons x 50000 ticks, %llu spikes, max |dV| %.3g mV",
           cases[c].what, (unsigned long long)nspk, worst);
    CU_ASSERT(worst <= cases[c].tol);
    CU_ASSERT(nspk > 1000);
  }
  printf("\n   ");
}

static void test_ifsr_params(void)
{
  const nrn_model_ops *m = nrn_model_find("if_soft_reset");
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  CU_ASSERT_PTR_NOT_NULL(strstr(nrn_model_names(), "if_soft_reset"));
  void *p = calloc(1, m->param_size);
  m->param_default(p);
  CU_ASSERT_EQUAL(m->param_set(p, "V_reset", 0), SIM_EINVAL);
  CU_ASSERT_EQUAL(m->param_set(p, "t_ref", 2), SIM_EINVAL); /* none */
  CU_ASSERT_EQUAL(m->param_set(p, "V_th", 0), SIM_ECONFIG);
  CU_ASSERT_EQUAL(m->param_set(p, "V_th", -1), SIM_ECONFIG);
  CU_ASSERT_EQUAL(m->param_set(p, "V_th", INFINITY), SIM_ECONFIG);
  CU_ASSERT_EQUAL(m->param_set(p, "tau_m", -1), SIM_ECONFIG);
  CU_ASSERT_EQUAL(m->param_set(p, "tau_m", NAN), SIM_ECONFIG);
  CU_ASSERT_EQUAL(m->param_set(p, "I_e", NAN), SIM_ECONFIG);
  CU_ASSERT_EQUAL(m->param_set(p, "I_e", -INFINITY), SIM_ECONFIG);
  CU_ASSERT_EQUAL(m->param_set(p, "tau_m", INFINITY), 0); /* = no leak */
  CU_ASSERT_EQUAL(m->param_set(p, "I_e", 0.25), 0);
  CU_ASSERT_EQUAL(m->param_finalize(p, H), 0);
  void *s = calloc(1, m->state_size);
  m->state_init(s, 1, 0, p);
  CU_ASSERT_DOUBLE_EQUAL(m->var_get(s, 1, 0, p, 0, 0), 0, 0); /* V_m = 0 */
  CU_ASSERT_EQUAL(m->first_event(s, 1, 0, p), 4);              /* 4 x 0.25 */
  CU_ASSERT_DOUBLE_EQUAL(m->var_get(s, 1, 0, p, 0, 3), 0.75, 0);
  /* Leak whose asymptote stays below threshold: never fires by itself. */
  CU_ASSERT_EQUAL(m->param_set(p, "tau_m", 0.3), 0); /* V_inf = 0.25/(1-e^{-1/3}) */
  CU_ASSERT_EQUAL(m->param_finalize(p, H), 0);
  CU_ASSERT_EQUAL(m->first_event(s, 1, 0, p), SIM_NEVER);
  CU_ASSERT(m->var_get(s, 1, 0, p, 0, 1000) < 1.0);
  CU_ASSERT_DOUBLE_EQUAL(m->var_get(s, 1, 0, p, 0, 1000), 0.25 / -expm1(-H / 0.3), 1e-12);
  free(s);
  free(p);
}

int test_if_soft_reset_register(void)
{
  CU_pSuite s = CU_add_suite("if_soft_reset", NULL, NULL);
  if (!s)
    return -1;
  if (!CU_add_test(s, "closed-form spike ticks under constant drive", test_ifsr_closed_form) ||
      !CU_add_test(s, "reset by subtraction keeps the remainder", test_ifsr_remainder) ||
      !CU_add_test(s, "event-driven = per-tick loop on random input", test_ifsr_random) ||
      !CU_add_test(s, "parameters and defaults", test_ifsr_params))
    return -1;
  return 0;
}
