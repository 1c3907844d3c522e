/*
 * test_izhikevich.c: the izhikevich model against a separate integration of
 * the same equations (a scalar long double loop written here from NEST's
 * documented update order), the firing patterns of Izhikevich 2003 (IEEE
 * TNN 14:1569, Fig. 2: a dc step I = 10 at 0.1 ms resolution), and its
 * parameter checks.  Drives the ops table directly (no engine).
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../neurons/nrn_model.h"
#include "test_suites.h"

/* A population of n izhikevich neurons with parameters from key/value
   pairs, finalized for resolution h. */
typedef struct pop {
  const nrn_model_ops *m;
  void *param, *state;
  double *in;
  uint32_t *spikes;
  uint32_t n;
} pop;

static void pop_init(pop *p, uint32_t n, double h, const char *const *keys,
                     const double *vals, int nkv)
{
  memset(p, 0, sizeof *p);
  p->m = nrn_model_find("izhikevich");
  CU_ASSERT_PTR_NOT_NULL_FATAL(p->m);
  CU_ASSERT_EQUAL_FATAL(p->m->per_tick, 1);
  p->n = n;
  p->param = calloc(1, p->m->param_size);
  p->state = calloc(n, p->m->state_size);
  p->in = calloc(n, sizeof *p->in);
  p->spikes = calloc(n, sizeof *p->spikes);
  p->m->param_default(p->param);
  for (int i = 0; i < nkv; i++)
    CU_ASSERT_EQUAL_FATAL(p->m->param_set(p->param, keys[i], vals[i]), 0);
  CU_ASSERT_EQUAL_FATAL(p->m->param_finalize(p->param, h), 0);
  for (uint32_t i = 0; i < n; i++)
    p->m->state_init(p->state, n, i, p->param);
}

static void pop_fini(pop *p)
{
  free(p->param);
  free(p->state);
  free(p->in);
  free(p->spikes);
}

/* One tick with the input row p->in (cleared afterwards, as the engine
   does for per_tick models); returns the number of spikes. */
static uint32_t pop_tick(pop *p, sim_time t)
{
  nrn_update_ctx ctx = {.state = p->state, .n = p->n, .param = p->param,
                        .in = {p->in}, .spikes = p->spikes};
  p->m->update(&ctx, t, NULL, p->n);
  memset(p->in, 0, p->n * sizeof *p->in);
  return ctx.nspikes;
}

static double var(const pop *p, uint32_t i, int v)
{
  return p->m->var_get(p->state, p->n, i, p->param, v, 0);
}

/* ------------------------------------------------------------------ */
/* The references: one neuron, written from the equations and NEST's step
   description (models/izhikevich.cpp), twice: in double with NEST's
   grouping of the operations (a step must give NEST's doubles, so the
   model must agree to the last bit), and in long double (how far rounding
   alone moves the trajectory: the upstroke to V_th amplifies it). */

typedef struct ref {
  double v, u, a, b, c, d, I, vth, h;
  int consistent;
} ref;

typedef struct ref_ld {
  long double v, u, a, b, c, d, I, vth, h;
  int consistent;
} ref_ld;

/* One step with input x (mV); returns 1 on a spike. */
static int ref_step(ref *r, double x)
{
  if (r->consistent) { /* Euler from the old values; the input jumps V */
    const double v = r->v, u = r->u;
    r->v = v + (r->h * (0.04 * v * v + 5.0 * v + 140.0 - u + r->I) + x);
    r->u = u + r->h * r->a * (r->b * v - u);
  } else { /* Izhikevich 2003: two half steps of V, then U from the new V */
    for (int k = 0; k < 2; k++)
      r->v = r->v + r->h * 0.5 * (0.04 * r->v * r->v + 5.0 * r->v + 140.0 - r->u + r->I + x);
    r->u = r->u + r->h * r->a * (r->b * r->v - r->u);
  }
  if (r->v >= r->vth) {
    r->v = r->c;
    r->u += r->d;
    return 1;
  }
  return 0;
}

static int ref_ld_step(ref_ld *r, long double x)
{
  if (r->consistent) {
    long double dv = 0.04L * r->v * r->v + 5 * r->v + 140 - r->u + r->I;
    long double du = r->a * (r->b * r->v - r->u);
    r->v += r->h * dv + x;
    r->u += r->h * du;
  } else {
    for (int k = 0; k < 2; k++)
      r->v += r->h / 2 * (0.04L * r->v * r->v + 5 * r->v + 140 - r->u + r->I + x);
    r->u += r->h * r->a * (r->b * r->v - r->u);
  }
  if (r->v >= r->vth) {
    r->v = r->c;
    r->u += r->d;
    return 1;
  }
  return 0;
}

/* Input to neuron i at tick t: a few kicks of both signs, at ticks that
   differ between neurons. */
static double kick(uint32_t i, sim_time t)
{
  sim_time period = 97 + 13 * (sim_time)i;
  if (t % period == 5)
    return (t / period) % 3 == 2 ? -4.0 : 3.0 + 0.25 * (double)(i % 5);
  return 0;
}

typedef struct agreement {
  double dv;       /* max |dV|, |dU| against the double reference (mV) */
  double dv_ld;    /* ... against the long double reference (mV) */
  uint64_t spikes; /* spikes of the model */
  uint64_t spike_mismatch_ld; /* ticks whose spikes differ from long double's */
} agreement;

/* n neurons (three blocks of the model's 64-neuron loop), each with its own
   initial V_m and input, for T ms at resolution h, against the references.
   Spikes must be those of the double reference, in ascending order. */
static agreement compare(double h, int consistent, double I_e, double T_ms, uint32_t n)
{
  static const char *const k[] = {"a", "b", "c", "d", "I_e", "consistent_integration"};
  const double vals[] = {0.02, 0.2, -65, 8, I_e, consistent};
  pop p;
  pop_init(&p, n, h, k, vals, 6);
  ref *r = calloc(n, sizeof *r);
  ref_ld *rl = calloc(n, sizeof *rl);
  for (uint32_t i = 0; i < n; i++) {
    double v0 = -70 + 0.1 * i;
    p.m->var_set(p.state, n, i, p.param, 0, v0);
    r[i] = (ref){.v = v0, .u = -13, .a = 0.02, .b = 0.2, .c = -65, .d = 8,
                 .I = I_e, .vth = 30, .h = h, .consistent = consistent};
    rl[i] = (ref_ld){.v = v0, .u = -13, .a = 0.02L, .b = 0.2L, .c = -65, .d = 8,
                     .I = I_e, .vth = 30, .h = h, .consistent = consistent};
  }
  const sim_time ticks = (sim_time)llround(T_ms / h);
  agreement ag = {0};
  int order_ok = 1, count_ok = 1;
  for (sim_time t = 0; t < ticks; t++) {
    uint32_t want = 0, want_ld = 0;
    uint32_t fired[256];
    for (uint32_t i = 0; i < n; i++) {
      p.in[i] = kick(i, t);
      if (ref_step(&r[i], p.in[i]))
        fired[want++] = i;
      want_ld += (uint32_t)ref_ld_step(&rl[i], p.in[i]);
    }
    uint32_t got = pop_tick(&p, t);
    if (got != want)
      count_ok = 0;
    if (got != want_ld)
      ag.spike_mismatch_ld++;
    for (uint32_t s = 0; s < got && s < want; s++)
      if (p.spikes[s] != fired[s])
        order_ok = 0;
    ag.spikes += got;
    for (uint32_t i = 0; i < n; i++) {
      double v = var(&p, i, 0), u = var(&p, i, 1);
      ag.dv = fmax(ag.dv, fmax(fabs(v - r[i].v), fabs(u - r[i].u)));
      ag.dv_ld = fmax(ag.dv_ld, fmax(fabs(v - (double)rl[i].v), fabs(u - (double)rl[i].u)));
    }
  }
  CU_ASSERT(count_ok);
  CU_ASSERT(order_ok); /* same neurons, ascending */
  free(r);
  free(rl);
  pop_fini(&p);
  return ag;
}

/* Against the double reference: to 1e-9 mV (in fact bit for bit: the
   build is ISO C, so no fused multiply-adds) in every case.  Against long
   double: the same spikes and 1e-9 mV for NEST's default scheme at 0.1 ms
   (the paper's resolution and configs/izhikevich_patterns.ini's); the
   published scheme at 0.1 ms and Euler at 0.01 ms reach 1e-8..1e-7 mV
   (rounding amplified on each upstroke to V_th, which resets forget), and
   at 1 ms the published scheme's coarse upstroke turns an ulp into a
   shifted spike, so there only the double reference is a fair judge. */
static void test_izh_against_reference(void)
{
  const struct {
    double h;
    int consistent;
    double I_e, T_ms, tol_ld; /* tol_ld < 0: long double not compared */
  } cases[] = {{0.1, 1, 10, 1000, 1e-9}, {0.1, 0, 10, 1000, 1e-6},
               {0.01, 1, 10, 1000, 1e-6}, {1.0, 0, 10, 1000, -1},
               {0.1, 1, 0, 2000, 1e-9}};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    agreement ag = compare(cases[c].h, cases[c].consistent, cases[c].I_e,
                           cases[c].T_ms, 150);
    printf("\n    h %.2f ms consistent %d I_e %g, 150 neurons x %g ms: %llu spikes, "
           "max |dV|,|dU| %.3g mV (double ref), %.3g mV (long double ref, %llu "
           "ticks with other spikes)",
           cases[c].h, cases[c].consistent, cases[c].I_e, cases[c].T_ms,
           (unsigned long long)ag.spikes, ag.dv, ag.dv_ld,
           (unsigned long long)ag.spike_mismatch_ld);
    CU_ASSERT(ag.dv < 1e-9);
    if (cases[c].tol_ld > 0) {
      CU_ASSERT(ag.dv_ld < cases[c].tol_ld);
      CU_ASSERT_EQUAL(ag.spike_mismatch_ld, 0);
    }
    /* driven, every neuron fires; undriven, the kicks alone reach V_th */
    CU_ASSERT(ag.spikes > (cases[c].I_e > 0 ? 150 * 15 : 0));
  }
  printf("\n   ");
}

/* Spike ticks of one neuron with parameters a, b, c, d under I_e for T ms
   at 0.1 ms, from rest (V_m = -70, U_m = b V_m: the fixed point at I = 0 for
   b = 0.2).  Returns the count; fills t_ms[0..max). */
static uint32_t spike_train(double a, double b, double c, double d, double I_e,
                            double T_ms, double *t_ms, uint32_t max)
{
  static const char *const k[] = {"a", "b", "c", "d", "I_e"};
  const double vals[] = {a, b, c, d, I_e};
  const double h = 0.1;
  pop p;
  pop_init(&p, 1, h, k, vals, 5);
  p.m->var_set(p.state, 1, 0, p.param, 0, -70);
  p.m->var_set(p.state, 1, 0, p.param, 1, b * -70);
  uint32_t n = 0;
  for (sim_time t = 0; t < (sim_time)llround(T_ms / h); t++)
    if (pop_tick(&p, t) && n < max)
      t_ms[n++] = (double)(t + 1) * h; /* NEST stamps the step's end */
  pop_fini(&p);
  return n;
}

/* Izhikevich 2003, Fig. 2, I = 10: regular spiking adapts (the first
   interval is much shorter than the steady ones); fast spiking settles
   within a few spikes into a constant, much higher rate. */
static void test_izh_firing_patterns(void)
{
  enum { MAX = 400 };
  static double rs[MAX], fs[MAX];
  const double T = 1000, I = 10;
  uint32_t nrs = spike_train(0.02, 0.2, -65, 8, I, T, rs, MAX);
  uint32_t nfs = spike_train(0.1, 0.2, -65, 2, I, T, fs, MAX);
  CU_ASSERT_FATAL(nrs >= 5 && nfs >= 5);
  double rs_first = rs[1] - rs[0], rs_late = rs[nrs - 1] - rs[nrs - 2];
  double fs_first = fs[1] - fs[0], fs_late = fs[nfs - 1] - fs[nfs - 2];
  /* Late intervals: spread of those after 100 ms. */
  double fs_lo = INFINITY, fs_hi = 0, rs_lo = INFINITY, rs_hi = 0;
  for (uint32_t k = 1; k < nfs; k++)
    if (fs[k - 1] > 100) {
      double d = fs[k] - fs[k - 1];
      fs_lo = fmin(fs_lo, d);
      fs_hi = fmax(fs_hi, d);
    }
  for (uint32_t k = 1; k < nrs; k++)
    if (rs[k - 1] > 100) {
      double d = rs[k] - rs[k - 1];
      rs_lo = fmin(rs_lo, d);
      rs_hi = fmax(rs_hi, d);
    }
  double rs_rate = (nrs - 1) / ((rs[nrs - 1] - rs[0]) / 1000);
  double fs_rate = (nfs - 1) / ((fs[nfs - 1] - fs[0]) / 1000);
  printf("\n    I_e = 10 pA, h = 0.1 ms, from rest, 1 s:"
         "\n    RS: %u spikes, first ISI %.1f ms, late ISI %.1f ms (%.1f..%.1f), %.1f Hz"
         "\n    FS: %u spikes, first ISI %.1f ms, late ISI %.1f ms (%.1f..%.1f), %.1f Hz ",
         nrs, rs_first, rs_late, rs_lo, rs_hi, rs_rate, nfs, fs_first, fs_late, fs_lo,
         fs_hi, fs_rate);
  /* RS: spike-frequency adaptation, then a steady rate. */
  CU_ASSERT(rs_first < 0.5 * rs_late);
  CU_ASSERT(rs_hi - rs_lo <= 0.2 + 1e-9); /* two ticks */
  /* FS: no lasting adaptation: constant intervals after 100 ms (within two
     ticks of 0.1 ms, the resolution's granularity), already at their
     steady value by the fourth interval; a rate far above RS's. */
  CU_ASSERT(fs_hi - fs_lo <= 0.2 + 1e-9);
  CU_ASSERT(fabs((fs[4] - fs[3]) - fs_late) <= 0.2 + 1e-9);
  CU_ASSERT(fs_rate > 5 * rs_rate);
  CU_ASSERT(fs_rate > 100);
  /* and less initial adaptation than RS (ratio steady / first interval). */
  CU_ASSERT(fs_late / fs_first < rs_late / rs_first);
}

/* NEST's defaults, the checks, and the published scheme's scaling of input. */
static void test_izh_params(void)
{
  const nrn_model_ops *m = nrn_model_find("izhikevich");
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  CU_ASSERT_PTR_NOT_NULL(strstr(nrn_model_names(), "izhikevich"));
  void *p = calloc(1, m->param_size);
  void *s = calloc(1, m->state_size);
  m->param_default(p);
  CU_ASSERT_EQUAL(m->param_finalize(p, 0.1), 0);
  m->state_init(s, 1, 0, p);
  CU_ASSERT_DOUBLE_EQUAL(m->var_get(s, 1, 0, p, 0, 0), -65.0, 0);
  CU_ASSERT_DOUBLE_EQUAL(m->var_get(s, 1, 0, p, 1, 0), -13.0, 0);
  CU_ASSERT_EQUAL(m->param_set(p, "tau_m", 10), SIM_EINVAL);
  CU_ASSERT_EQUAL(m->param_set(p, "consistent_integration", 2), SIM_ECONFIG);
  CU_ASSERT_EQUAL(m->param_set(p, "a", NAN), SIM_ECONFIG);
  CU_ASSERT_EQUAL(m->param_set(p, "d", INFINITY), SIM_ECONFIG);
  CU_ASSERT_EQUAL(m->param_set(p, "V_min", -INFINITY), 0); /* no bound */
  CU_ASSERT_EQUAL(m->param_set(p, "a", -0.026), 0);        /* published sets */
  CU_ASSERT_EQUAL(m->param_set(p, "b", -1), 0);
  CU_ASSERT_EQUAL(m->param_set(p, "c", 30), 0);
  CU_ASSERT_EQUAL(m->param_finalize(p, 0.1), SIM_ECONFIG); /* reset at V_th */
  CU_ASSERT_EQUAL(m->param_set(p, "c", -65), 0);
  CU_ASSERT_EQUAL(m->param_set(p, "V_min", 40), 0);
  CU_ASSERT_EQUAL(m->param_finalize(p, 0.1), SIM_ECONFIG); /* bound above V_th */
  CU_ASSERT_EQUAL(m->param_set(p, "V_min", -80), 0);
  CU_ASSERT_EQUAL(m->param_finalize(p, 0.1), 0);
  free(p);
  free(s);

  /* V_min holds V_m up: a large negative kick stops at the bound. */
  static const char *const k[] = {"V_min", "consistent_integration"};
  for (int cons = 0; cons <= 1; cons++) {
    const double vals[] = {-80, cons};
    pop q;
    pop_init(&q, 1, 0.5, k, vals, 2);
    q.in[0] = -500;
    pop_tick(&q, 0);
    CU_ASSERT_DOUBLE_EQUAL(var(&q, 0, 0), -80, 0);
    pop_fini(&q);
  }
  /* A kick of w mV at rest: V moves by w (consistent) or by about h w (the
     published scheme, where input enters the derivative). */
  for (int cons = 0; cons <= 1; cons++) {
    const double vals[] = {-INFINITY, cons};
    pop q, z;
    pop_init(&q, 1, 0.5, k, vals, 2);
    pop_init(&z, 1, 0.5, k, vals, 2);
    q.in[0] = 4;
    pop_tick(&q, 0);
    pop_tick(&z, 0);
    double dv = var(&q, 0, 0) - var(&z, 0, 0);
    CU_ASSERT_DOUBLE_EQUAL(dv, cons ? 4.0 : 0.5 * 4.0, cons ? 1e-12 : 0.1);
    pop_fini(&q);
    pop_fini(&z);
  }
}

int test_izhikevich_register(void)
{
  CU_pSuite s = CU_add_suite("izhikevich", NULL, NULL);
  if (!s)
    return -1;
  if (!CU_add_test(s, "against double and long double references", test_izh_against_reference) ||
      !CU_add_test(s, "RS and FS firing patterns (Izhikevich 2003)",
                   test_izh_firing_patterns) ||
      !CU_add_test(s, "defaults and parameter checks", test_izh_params))
    return -1;
  return 0;
}
