/*
 * nrn_iaf_psc_delta.c: leaky integrate-and-fire neuron with delta synapses
 * (NEST iaf_psc_delta).  Each input is a jump of the membrane potential by
 * the weight (mV).  Between events the membrane relaxes exactly towards
 * V_inf = E_L + I_e * tau_m / C_m, so a neuron is touched only when input
 * arrives or when, driven above threshold by I_e, it will cross V_th: that
 * crossing tick is predicted in closed form and scheduled as a self-event.
 *
 * NEST semantics kept: the step's input is added before the threshold test;
 * after a spike at tick s the potential is clamped to V_reset for the ticks
 * s+1 .. s+R (R = t_ref / resolution) and input arriving then is dropped
 * (refractory_input = false) or added when the period ends (true).
 */
#include <math.h>
#include <string.h>

#include "../core/sim_error.h"
#include "nrn_model.h"

#define DECAY_TABLE 256 /* decay factors cached for gaps below this (ticks) */

typedef struct delta_param {
  double E_L, C_m, tau_m, t_ref, V_th, V_reset, I_e, V_min; /* mV, pF, ms, pA */
  double refractory_input;                                   /* bool */
  /* derived by finalize: */
  double h_ms;                /* resolution */
  double theta, v_reset, v_min; /* V_th, V_reset, V_min relative to E_L (mV) */
  double v_inf;               /* I_e * tau_m / C_m: asymptote rel. E_L (mV) */
  sim_time ref_ticks;         /* refractory period in ticks */
  double decay[DECAY_TABLE];  /* exp(-k h / tau_m) */
} delta_param;

/* Invariant: v is the potential (rel. E_L) at tick `last`; for ticks up to
   ref_end the neuron is refractory and v == v_reset. */
typedef struct delta_state {
  double v;        /* mV relative to E_L at tick last */
  double pending;  /* mV: input held during refractoriness (refractory_input) */
  sim_time last;   /* tick the state refers to */
  sim_time ref_end;/* last refractory tick; < last when not refractory */
} delta_state;

static const char *const param_names[] = {"E_L",     "C_m", "tau_m", "t_ref",
                                          "V_th",    "V_reset", "I_e", "V_min",
                                          "refractory_input", NULL};
static const char *const var_names[] = {"V_m", NULL};

static void delta_param_default(void *p)
{
  delta_param *q = p;
  memset(q, 0, sizeof *q);
  q->E_L = -70.0;
  q->C_m = 250.0;
  q->tau_m = 10.0;
  q->t_ref = 2.0;
  q->V_th = -55.0;
  q->V_reset = -70.0;
  q->I_e = 0.0;
  q->V_min = -INFINITY;
  q->refractory_input = 0;
}

static int delta_param_set(void *p, const char *key, double v)
{
  delta_param *q = p;
  switch (sim_name_index(param_names, key)) {
  case 0: q->E_L = v; return 0;
  case 1:
    if (!(v > 0))
      return sim_error_set(SIM_ECONFIG, "C_m must be > 0 pF");
    q->C_m = v;
    return 0;
  case 2:
    if (!(v > 0))
      return sim_error_set(SIM_ECONFIG, "tau_m must be > 0 ms");
    q->tau_m = v;
    return 0;
  case 3:
    if (!(v >= 0))
      return sim_error_set(SIM_ECONFIG, "t_ref must be >= 0 ms");
    q->t_ref = v;
    return 0;
  case 4: q->V_th = v; return 0;
  case 5: q->V_reset = v; return 0;
  case 6: q->I_e = v; return 0;
  case 7: q->V_min = v; return 0;
  case 8:
    if (v != 0 && v != 1)
      return sim_error_set(SIM_ECONFIG, "refractory_input must be true or false");
    q->refractory_input = v;
    return 0;
  }
  return SIM_EINVAL;
}

static int delta_param_finalize(void *p, double h)
{
  delta_param *q = p;
  if (!(q->V_reset < q->V_th))
    return sim_error_set(SIM_ECONFIG, "V_reset (%g mV) must be below V_th (%g mV)",
                         q->V_reset, q->V_th);
  if (q->V_min > q->V_reset)
    return sim_error_set(SIM_ECONFIG, "V_min (%g mV) must not exceed V_reset (%g mV)",
                         q->V_min, q->V_reset);
  double r = q->t_ref / h;
  if (!(r <= 4e18)) /* the refractory count is held in ticks */
    return sim_error_set(SIM_ECONFIG, "t_ref (%g ms) must be at most %g ms at resolution %g ms "
                                      "(4e18 ticks)", q->t_ref, 4e18 * h, h);
  if (fabs(r - nearbyint(r)) > 1e-9 * (1 + r))
    return sim_error_set(SIM_ECONFIG,
                         "t_ref (%g ms) must be a multiple of the resolution (%g ms)",
                         q->t_ref, h);
  q->h_ms = h;
  q->ref_ticks = (sim_time)nearbyint(r);
  q->theta = q->V_th - q->E_L;
  q->v_reset = q->V_reset - q->E_L;
  q->v_min = q->V_min - q->E_L;
  q->v_inf = q->I_e * q->tau_m / q->C_m;
  for (int k = 0; k < DECAY_TABLE; k++)
    q->decay[k] = exp(-k * h / q->tau_m);
  return 0;
}

/* exp(-gap h / tau_m): one function for update and prediction, so that a
   predicted crossing is exactly what the update will compute. */
static inline double decay_of(const delta_param *q, sim_time gap)
{
  return gap < DECAY_TABLE ? q->decay[gap] : exp(-(double)gap * q->h_ms / q->tau_m);
}

/* Array of structs: update touches scattered neurons, and one neuron's
   fields then share a cache line. */
static void delta_state_init(void *b, uint32_t n, uint32_t i, const void *p)
{
  delta_state *st = (delta_state *)b + i;
  (void)n;
  (void)p;
  st->v = 0.0; /* V_m = E_L, NEST's default */
  st->pending = 0;
  st->last = 0;
  st->ref_end = -1;
}

static void delta_var_set(void *b, uint32_t n, uint32_t i, const void *p, int var,
                          double value)
{
  const delta_param *q = p;
  delta_state *st = (delta_state *)b + i;
  (void)n;
  if (var == 0)
    st->v = value - q->E_L;
}

static double delta_var_get(const void *b, uint32_t n, uint32_t i, const void *p,
                            int var, sim_time t)
{
  const delta_param *q = p;
  const delta_state *st = (const delta_state *)b + i;
  (void)var;
  (void)n;
  if (t <= st->ref_end)
    return q->V_reset;
  return q->E_L + q->v_inf + (st->v - q->v_inf) * decay_of(q, t - st->last);
}

/* First tick after `last` at which the free trajectory reaches theta, or
   SIM_NEVER.  Starts from the closed form tau ln((V_inf-V)/(V_inf-V_th))
   and corrects by whole ticks against decay_of(), the update's own values. */
static sim_time predict_crossing(const delta_param *q, const delta_state *st)
{
  if (!(q->v_inf > q->theta))
    return SIM_NEVER;
  double a = st->v - q->v_inf; /* < 0 below threshold */
  double tstar = q->tau_m * log((q->v_inf - st->v) / (q->v_inf - q->theta));
  double kf = ceil(tstar / q->h_ms - 1e-9);
  if (kf < 1)
    kf = 1;
  if (kf > 4.0e18)
    return SIM_NEVER;
  sim_time k = (sim_time)kf;
  while (q->v_inf + a * decay_of(q, k) < q->theta)
    k++;
  while (k > 1 && q->v_inf + a * decay_of(q, k - 1) >= q->theta)
    k--;
  return st->last + k;
}

static sim_time delta_first_event(const void *b, uint32_t n, uint32_t i, const void *p)
{
  const delta_param *q = p;
  const delta_state *st = (const delta_state *)b + i;
  (void)n;
  if (st->v >= q->theta)
    return st->last; /* starts above threshold: fires at once */
  return predict_crossing(q, st);
}

static void delta_update(nrn_update_ctx *ctx, sim_time t, const uint32_t *idx,
                         uint32_t n)
{
  const delta_param *q = ctx->param;
  delta_state *restrict states = ctx->state;
  double *restrict in = ctx->in[0];
  sim_time *restrict next = ctx->next;
  uint32_t *restrict spikes = ctx->spikes;
  uint32_t nspikes = ctx->nspikes;
  /* Locals: the stores into the states would otherwise make the compiler
     reload the parameters per neuron.  Without drive (v_inf <= theta)
     there is no crossing to predict: predict_crossing's first test. */
  const double v_inf = q->v_inf, v_min = q->v_min, theta = q->theta, v_reset = q->v_reset;
  const sim_time ref_ticks = q->ref_ticks;
  const int refractory_input = q->refractory_input != 0, driven = v_inf > theta;
  for (uint32_t k = 0; k < n; k++) {
    uint32_t i = idx[k];
    delta_state *st = &states[i];
    double x = in[i];
    in[i] = 0;
    if (t <= st->ref_end) {
      if (refractory_input)
        st->pending += x;
      next[k] = driven ? predict_crossing(q, st) : SIM_NEVER; /* counts from ref_end */
      continue;
    }
    double v = v_inf + (st->v - v_inf) * decay_of(q, t - st->last);
    v += x + st->pending;
    st->pending = 0;
    if (v < v_min)
      v = v_min;
    if (v >= theta) {
      spikes[nspikes++] = i;
      v = v_reset;
      st->ref_end = t + ref_ticks;
      st->last = st->ref_end;
    } else {
      st->last = t;
    }
    st->v = v;
    next[k] = driven ? predict_crossing(q, st) : SIM_NEVER;
  }
  ctx->nspikes = nspikes;
}

const nrn_model_ops nrn_iaf_psc_delta_ops = {
    .name = "iaf_psc_delta",
    .summary = "LIF, delta synapses (voltage jumps), exact event-driven update",
    .state_size = sizeof(delta_state),
    .param_size = sizeof(delta_param),
    .nports = 1,
    .per_tick = 0,
    .port_by_sign = 0,
    .param_names = param_names,
    .var_names = var_names,
    .param_default = delta_param_default,
    .param_set = delta_param_set,
    .param_finalize = delta_param_finalize,
    .state_init = delta_state_init,
    .var_set = delta_var_set,
    .var_get = delta_var_get,
    .first_event = delta_first_event,
    .state_records = 1, /* checkpoints: core/sim_ckpt.h */
    .update = delta_update,
};
