/*
 * test_hnno.c: the H-NNO device (synapses/syn_hnno.c: modes and mode
 * switching) and its neuron mode (neurons/nrn_hnno.c, hnno_neuron), driven
 * as the engine drives it: the subthreshold leak against its closed form,
 * threshold, reset and reset time, the predicted crossing under drive
 * against the time-to-threshold formula, the mode map, and the switching
 * energy bookkeeping against V^2 G t counted pulse by pulse.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../neurons/nrn_model.h"
#include "../synapses/syn_hnno.h"
#include "test_suites.h"

#define H_MS 0.1 /* ms */

typedef struct one {
  const nrn_model_ops *m;
  void *p, *s;
  double in;
  sim_time next;
} one;

static int one_init(one *o, const char *const *keys, const double *vals, int nkv)
{
  memset(o, 0, sizeof *o);
  o->m = nrn_model_find("hnno_neuron");
  if (!o->m)
    return -1;
  o->p = calloc(1, o->m->param_size);
  o->s = calloc(1, o->m->state_size);
  o->m->param_default(o->p);
  for (int i = 0; i < nkv; i++)
    if (o->m->param_set(o->p, keys[i], vals[i]))
      return -1;
  if (o->m->param_finalize(o->p, H_MS))
    return -1;
  o->m->state_init(o->s, 1, 0, o->p);
  o->next = o->m->first_event(o->s, 1, 0, o->p);
  return 0;
}

static void one_fini(one *o)
{
  free(o->p);
  free(o->s);
}

/* Update at tick t with input w; returns 1 on a spike. */
static int one_tick(one *o, sim_time t, double w)
{
  uint32_t idx = 0, spk[1];
  sim_time nx[1];
  o->in = w;
  double *in = &o->in;
  nrn_update_ctx c = {.state = o->s, .n = 1, .param = o->p, .in = {in}, .spikes = spk,
                      .next = nx};
  o->m->update(&c, t, &idx, 1);
  o->next = nx[0];
  CU_ASSERT(o->in == 0);
  CU_ASSERT(nx[0] > t);
  return (int)c.nspikes;
}

static double x_at(const one *o, sim_time t)
{
  return o->m->var_get(o->s, 1, 0, o->p, 0, t);
}

/* A kick below threshold decays as w e^{-t/tau}; a second kick adds on the
   decayed remainder; the sum crossing V_th fires and resets. */
static void test_leak_closed_form(void)
{
  static const char *const k[] = {"tau_m", "t_ref"};
  const double v[] = {20.0, 1.0};
  one o;
  CU_ASSERT_FATAL(one_init(&o, k, v, 2) == 0);
  CU_ASSERT_EQUAL(o.next, SIM_NEVER);
  CU_ASSERT_EQUAL(one_tick(&o, 10, 0.6), 0);
  double worst = 0;
  for (sim_time t = 10; t < 2000; t += 37) {
    double want = 0.6 * exp(-(t - 10) * H_MS / 20.0);
    worst = fmax(worst, fabs(x_at(&o, t) - want));
  }
  CHECK(worst < 1e-12, "subthreshold leak off the closed form by %g", worst);
  /* second kick 100 ticks (10 ms) later: 0.6 e^{-0.5} + 0.3 < 1 */
  CU_ASSERT_EQUAL(one_tick(&o, 110, 0.3), 0);
  CU_ASSERT_DOUBLE_EQUAL(x_at(&o, 110), 0.6 * exp(-0.5) + 0.3, 1e-12);
  /* a third kick lifts it over V_th = 1: spike, X = 0 for t_ref = 10 ticks,
     and input then is dropped */
  CU_ASSERT_EQUAL(one_tick(&o, 111, 0.7), 1);
  CU_ASSERT_DOUBLE_EQUAL(x_at(&o, 115), 0.0, 0);
  CU_ASSERT_EQUAL(one_tick(&o, 115, 5.0), 0);
  CU_ASSERT_DOUBLE_EQUAL(x_at(&o, 121), 0.0, 0);
  CU_ASSERT_EQUAL(one_tick(&o, 130, 0.2), 0);
  CU_ASSERT_DOUBLE_EQUAL(x_at(&o, 130), 0.2, 1e-15);
  one_fini(&o);
}

/* Constant drive: X_inf = I_e tau > V_th; the spike ticks are the period
   t_ref + tau ln(X_inf / (X_inf - V_th)) apart (rounded up to ticks). */
static void test_drive_period(void)
{
  static const char *const k[] = {"tau_m", "I_e", "t_ref"};
  const double v[] = {10.0, 0.2, 2.0}; /* X_inf = 2 */
  one o;
  CU_ASSERT_FATAL(one_init(&o, k, v, 3) == 0);
  const double tstar = 10.0 * log(2.0 / (2.0 - 1.0)); /* 6.93 ms */
  CU_ASSERT_EQUAL(o.next, (sim_time)ceil(tstar / H_MS));
  sim_time prev = -1;
  int n = 0, ok = 1;
  for (sim_time t = o.next; n < 50; t = o.next) {
    if (!one_tick(&o, t, 0))
      continue;
    if (prev >= 0 && t - prev != 20 + (sim_time)ceil(tstar / H_MS))
      ok = 0;
    prev = t;
    n++;
  }
  CHECK(ok, "driven period is not t_ref + tau ln(X_inf/(X_inf-V_th)) in whole ticks");
  one_fini(&o);
}

static void test_params(void)
{
  const nrn_model_ops *m = nrn_model_find("hnno_neuron");
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  void *p = calloc(1, m->param_size);
  m->param_default(p);
  CU_ASSERT_EQUAL(m->param_finalize(p, H_MS), 0);
  /* a device in synapse mode is no neuron */
  CU_ASSERT_EQUAL(m->param_set(p, "H", SYN_HNNO(H_SYNAPSE)), 0);
  CU_ASSERT_EQUAL(m->param_finalize(p, H_MS), SIM_ECONFIG);
  CU_ASSERT_EQUAL(m->param_set(p, "H", 1.5), SIM_ECONFIG);
  CU_ASSERT_EQUAL(m->param_set(p, "H", SYN_HNNO(H_NEURON)), 0);
  CU_ASSERT_EQUAL(m->param_set(p, "tau_m", 0), SIM_ECONFIG);
  CU_ASSERT_EQUAL(m->param_set(p, "nope", 1), SIM_EINVAL);
  CU_ASSERT_EQUAL(m->param_set(p, "t_ref", 0.05), 0); /* half a tick */
  CU_ASSERT_EQUAL(m->param_finalize(p, H_MS), SIM_ECONFIG);
  CU_ASSERT_EQUAL(m->param_set(p, "t_ref", 1), 0);
  CU_ASSERT_EQUAL(m->param_set(p, "V_reset", 1), 0); /* = V_th */
  CU_ASSERT_EQUAL(m->param_finalize(p, H_MS), SIM_ECONFIG);
  free(p);
}

/* The mode map is ordered and each set point lies in its own band. */
static void test_modes(void)
{
  double prev_hi = 0;
  for (int m = 0; m < SYN_HNNO_NMODES; m++) {
    double lo, hi, sp = syn_hnno_setpoint((syn_hnno_mode)m);
    syn_hnno_band((syn_hnno_mode)m, &lo, &hi);
    CU_ASSERT_DOUBLE_EQUAL(lo, prev_hi, 0);
    CU_ASSERT(lo <= sp && sp < hi);
    CU_ASSERT_EQUAL(syn_hnno_mode_of(sp), m);
    prev_hi = hi;
  }
  CU_ASSERT_DOUBLE_EQUAL(prev_hi, 1.0, 0);
  CU_ASSERT_EQUAL(syn_hnno_mode_of(1.0), SYN_HNNO_NEURON);
  CU_ASSERT_EQUAL(syn_hnno_mode_of(-0.1), SYN_HNNO_NMODES);
  CU_ASSERT_EQUAL(syn_hnno_mode_of(NAN), SYN_HNNO_NMODES);
  CU_ASSERT_STRING_EQUAL(syn_hnno_mode_name(SYN_HNNO_NEURON), "neuron");
}

/* Switching energy: counted here pulse by pulse (move h by DH_PULSE until
   the set point, each pulse V^2 G t) against the module's plan and its
   accumulating device record, over a sequence of switches. */
static void test_switch_energy(void)
{
  const double e1 = SYN_HNNO(V_SW) * SYN_HNNO(V_SW) * SYN_HNNO(G_SW_US) * 1e-6 *
                    SYN_HNNO(T_SW_S) * 1e12; /* J -> pJ */
  CU_ASSERT_DOUBLE_EQUAL(syn_hnno_pulse_energy_pj(), e1, 1e-9 * e1);
  static const syn_hnno_mode seq[] = {SYN_HNNO_NEURON, SYN_HNNO_SYNAPSE, SYN_HNNO_NEURON,
                                      SYN_HNNO_RESISTOR, SYN_HNNO_MEMCAPACITOR,
                                      SYN_HNNO_MEMCAPACITOR, SYN_HNNO_SYNAPSE};
  syn_hnno_dev d;
  syn_hnno_dev_init(&d, SYN_HNNO_RESISTOR);
  double h = SYN_HNNO(H_RESISTOR), e_sum = 0;
  uint64_t n_sum = 0, sw = 0;
  syn_hnno_mode cur = SYN_HNNO_RESISTOR;
  for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
    double target = syn_hnno_setpoint(seq[i]);
    if (seq[i] != cur) {
      sw++;
      while (fabs(target - h) > 1e-9) { /* one pulse at a time */
        double step = fmin(SYN_HNNO(DH_PULSE), fabs(target - h));
        h += target > h ? step : -step;
        n_sum++;
        e_sum += e1;
      }
      h = target;
    }
    cur = seq[i];
    double e = syn_hnno_dev_switch(&d, seq[i]);
    CU_ASSERT(e >= 0);
    CU_ASSERT_EQUAL(d.mode, seq[i]);
    CU_ASSERT_EQUAL(syn_hnno_mode_of(d.h), seq[i]);
  }
  CHECK(d.pulses == n_sum, "pulses %llu, counted %llu", (unsigned long long)d.pulses,
        (unsigned long long)n_sum);
  CU_ASSERT_EQUAL(d.switches, sw);
  CU_ASSERT_DOUBLE_EQUAL(d.energy_pj, e_sum, 1e-9 * e_sum);
  CU_ASSERT_DOUBLE_EQUAL(d.time_s, n_sum * (SYN_HNNO(T_SW_S) + SYN_HNNO(T_GAP_S)), 1e-15);
  /* neuron <-> synapse: 0.30 / 0.05 = 6 pulses each way */
  syn_hnno_plan pl;
  CU_ASSERT_EQUAL(syn_hnno_plan_switch(SYN_HNNO(H_NEURON), SYN_HNNO_SYNAPSE, &pl), 0);
  CU_ASSERT_EQUAL(pl.pulses, 6);
  CU_ASSERT_EQUAL(syn_hnno_plan_switch(2.0, SYN_HNNO_SYNAPSE, &pl), SIM_EINVAL);
}

int test_hnno_register(void)
{
  CU_pSuite s = CU_add_suite("hnno", NULL, NULL);
  if (!s)
    return -1;
  if (!CU_add_test(s, "neuron mode: subthreshold leak, fire, reset", test_leak_closed_form) ||
      !CU_add_test(s, "neuron mode: driven period in closed form", test_drive_period) ||
      !CU_add_test(s, "neuron mode: parameter checks and the device's band", test_params) ||
      !CU_add_test(s, "mode map ordered, set points in their bands", test_modes) ||
      !CU_add_test(s, "mode switching: pulses, energy, time bookkeeping", test_switch_energy))
    return -1;
  return 0;
}
