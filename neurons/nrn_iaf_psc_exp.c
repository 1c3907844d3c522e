/*
 * nrn_iaf_psc_exp.c: leaky integrate-and-fire neuron with exponentially
 * decaying synaptic currents (NEST iaf_psc_exp), integrated with the exact
 * propagators of Rotter & Diesmann (1999).
 *
 * The time of a threshold crossing under decaying currents has no closed
 * form, so this model asks for an update at every tick (per_tick); each
 * update is still exact, not an approximation of the ODE.  NEST's step
 * order is kept: the potential advances with the currents of the previous
 * step, then the currents decay and take this tick's input, then the
 * threshold is tested.  Positive weights go to the excitatory port (pA).
 */
#include <math.h>
#include <string.h>

#include "../core/sim_error.h"
#include "nrn_model.h"

typedef struct exp_param {
  double E_L, C_m, tau_m, t_ref, V_th, V_reset, tau_syn_ex, tau_syn_in, I_e;
  /* derived by finalize: */
  double theta, v_reset;       /* mV relative to E_L */
  double P22, P20;             /* membrane decay; I_e -> V (mV/pA) */
  double P11ex, P11in;         /* current decays */
  double P21ex, P21in;         /* current -> V over one tick (mV/pA) */
  int32_t ref_ticks;           /* refractory period in ticks */
} exp_param;

typedef struct exp_state {
  double v;          /* mV relative to E_L */
  double i_ex, i_in; /* pA */
  int32_t r;         /* refractory ticks left */
  int32_t pad_;
} exp_state;

static const char *const param_names[] = {
    "E_L", "C_m", "tau_m", "t_ref", "V_th", "V_reset", "tau_syn_ex", "tau_syn_in",
    "I_e", NULL};
static const char *const var_names[] = {"V_m", "I_syn_ex", "I_syn_in", NULL};

static void exp_param_default(void *p)
{
  exp_param *q = p;
  memset(q, 0, sizeof *q);
  q->E_L = -70.0;
  q->C_m = 250.0;
  q->tau_m = 10.0;
  q->t_ref = 2.0;
  q->V_th = -55.0;
  q->V_reset = -70.0;
  q->tau_syn_ex = 2.0;
  q->tau_syn_in = 2.0;
  q->I_e = 0.0;
}

static int exp_param_set(void *p, const char *key, double v)
{
  exp_param *q = p;
  int k = nrn_name_index(param_names, key);
  switch (k) {
  case 1: case 2: case 6: case 7:
    if (!(v > 0))
      return sim_error_set(SIM_ECONFIG, "%s must be > 0 (%s)", key,
                           k == 1 ? "pF" : "ms");
    break;
  case 3:
    if (!(v >= 0))
      return sim_error_set(SIM_ECONFIG, "t_ref must be >= 0 ms");
    break;
  case -1:
    return SIM_EINVAL;
  }
  double *fields[] = {&q->E_L,     &q->C_m,     &q->tau_m,      &q->t_ref, &q->V_th,
                      &q->V_reset, &q->tau_syn_ex, &q->tau_syn_in, &q->I_e};
  *fields[k] = v;
  return 0;
}

/* Current -> potential over h for a current decaying with tau_s:
   (1/C) tau_m tau_s / (tau_s - tau_m) (e^{-h/tau_s} - e^{-h/tau_m}), written
   with expm1 so that tau_s -> tau_m tends smoothly to h e^{-h/tau} / C. */
static double propagator_21(double tau_s, double tau_m, double C, double h)
{
  double delta = 1.0 / tau_s - 1.0 / tau_m;
  double f = fabs(delta * h) < 1e-14 ? h : expm1(-h * delta) / -delta;
  return exp(-h / tau_m) * f / C;
}

static int exp_param_finalize(void *p, double h)
{
  exp_param *q = p;
  if (!(q->V_reset < q->V_th))
    return sim_error_set(SIM_ECONFIG, "V_reset (%g mV) must be below V_th (%g mV)",
                         q->V_reset, q->V_th);
  double r = q->t_ref / h;
  if (fabs(r - nearbyint(r)) > 1e-9 * (1 + r))
    return sim_error_set(SIM_ECONFIG,
                         "t_ref (%g ms) must be a multiple of the resolution (%g ms)",
                         q->t_ref, h);
  q->ref_ticks = (int32_t)nearbyint(r);
  q->theta = q->V_th - q->E_L;
  q->v_reset = q->V_reset - q->E_L;
  q->P22 = exp(-h / q->tau_m);
  q->P20 = q->tau_m / q->C_m * -expm1(-h / q->tau_m);
  q->P11ex = exp(-h / q->tau_syn_ex);
  q->P11in = exp(-h / q->tau_syn_in);
  q->P21ex = propagator_21(q->tau_syn_ex, q->tau_m, q->C_m, h);
  q->P21in = propagator_21(q->tau_syn_in, q->tau_m, q->C_m, h);
  return 0;
}

static void exp_state_init(void *s, const void *p)
{
  (void)p;
  memset(s, 0, sizeof(exp_state));
}

static void exp_var_set(void *s, const void *p, int var, double value)
{
  const exp_param *q = p;
  exp_state *st = s;
  if (var == 0)
    st->v = value - q->E_L;
  else if (var == 1)
    st->i_ex = value;
  else
    st->i_in = value;
}

static double exp_var_get(const void *s, const void *p, int var, sim_time t)
{
  const exp_param *q = p;
  const exp_state *st = s;
  (void)t; /* per-tick model: the state is always current */
  return var == 0 ? st->v + q->E_L : var == 1 ? st->i_ex : st->i_in;
}

static sim_time exp_first_event(const void *s, const void *p)
{
  (void)s;
  (void)p;
  return SIM_NEVER;
}

static void exp_update(nrn_update_ctx *ctx, sim_time t, const uint32_t *idx,
                       uint32_t n)
{
  const exp_param *q = ctx->param;
  exp_state *restrict st = ctx->state;
  const double *restrict in_ex = ctx->in[0], *restrict in_in = ctx->in[1];
  const double drive = q->P20 * q->I_e;
  (void)t;
  (void)idx; /* per_tick: every neuron, in order */
  for (uint32_t i = 0; i < n; i++) {
    double v = st[i].v;
    if (st[i].r == 0)
      v = q->P22 * v + q->P21ex * st[i].i_ex + q->P21in * st[i].i_in + drive;
    else
      st[i].r--;
    st[i].i_ex = q->P11ex * st[i].i_ex + in_ex[i];
    st[i].i_in = q->P11in * st[i].i_in + in_in[i];
    if (v >= q->theta) {
      ctx->spikes[ctx->nspikes++] = i;
      v = q->v_reset;
      st[i].r = q->ref_ticks;
    }
    st[i].v = v;
  }
}

const nrn_model_ops nrn_iaf_psc_exp_ops = {
    .name = "iaf_psc_exp",
    .summary = "LIF, exponential synaptic currents, exact propagators, per tick",
    .state_size = sizeof(exp_state),
    .param_size = sizeof(exp_param),
    .nports = 2,
    .per_tick = 1,
    .port_by_sign = 1,
    .param_names = param_names,
    .var_names = var_names,
    .param_default = exp_param_default,
    .param_set = exp_param_set,
    .param_finalize = exp_param_finalize,
    .state_init = exp_state_init,
    .var_set = exp_var_set,
    .var_get = exp_var_get,
    .first_event = exp_first_event,
    .update = exp_update,
};
