/*
 * nrn_if_soft_reset.c: the integrate-and-fire neuron of ANN-to-SNN
 * conversion (Diehl et al. 2015, IJCNN; Rueckauer et al. 2017, Front
 * Neurosci 11:682) with reset by subtraction, as network/net_cnn.c runs
 * it.  Owns the model's parameters and its per-neuron state (V_m and the
 * tick it refers to).
 *
 * The rule is discrete, one step per tick t:
 *   V(t) = P V(t-1) + I_e + x(t)     (P = e^{-h/tau_m}; P = 1 without leak)
 *   V(t) >= V_th:  one spike at t, V(t) -= V_th.
 * I_e is a constant drive in mV added per tick (the bias of a converted
 * unit, as net_cnn's per-step current), not a current in pA: the rate of a
 * driven neuron is I_e / V_th spikes per tick, whatever the resolution.
 * The state variable I adds a drive of each neuron's own (a converted
 * layer's per-channel bias, or the input image as a current), so the
 * drive of neuron i is I_e + I_i.  `start` (ms) is when the neuron begins
 * to integrate: V_m is held, without drive, until then (a converted layer
 * starts when its input can first arrive: one tick per layer).
 * x(t) is the tick's input (mV, delta synapses), added before the test.
 * At most one spike per tick: input that lifts V past several thresholds
 * keeps the excess, and the neuron fires again at each following tick
 * while V stays >= V_th (net_cnn's behaviour, so that spike counts follow
 * the integrated input).  No refractory period, no lower bound.
 *
 * Event-driven: between inputs V follows the rule in closed form
 * (V + k I_e, or V_inf + (V - V_inf) P^k with V_inf = I_e / (1 - P)), so the
 * next threshold crossing under the drive is predicted and scheduled as a
 * self-event; a neuron left above threshold asks for the next tick.
 */
#include <math.h>
#include <string.h>

#include "../core/sim_error.h"
#include "nrn_model.h"

#define DECAY_TABLE 256 /* P^k cached for gaps below this (ticks) */

typedef struct ifsr_param {
  double V_th;   /* mV, > 0: threshold and the amount subtracted at a spike */
  double I_e;    /* mV per tick: constant drive */
  double tau_m;  /* ms; 0 (or inf): no leak */
  double start_ms; /* ms, >= 0: integration begins (V_m held before) */
  /* derived by finalize: */
  int leaky;                 /* tau_m finite and > 0 */
  double h_ms;               /* resolution */
  double one_minus_p;        /* leaky: 1 - P: V_inf = drive / (1 - P) */
  sim_time start;            /* start in ticks */
  double decay[DECAY_TABLE]; /* leaky: P^k = e^{-k h / tau_m} */
} ifsr_param;

/* Invariant: v is V_m at the end of tick `last` (after that tick's input
   and reset); the neuron has not been touched since. */
typedef struct ifsr_state {
  double v;      /* mV at tick last */
  double drive;  /* mV per tick: I_e + I */
  sim_time last; /* tick the state refers to */
} ifsr_state;

static const char *const param_names[] = {"V_th", "I_e", "tau_m", "start", NULL};
static const char *const var_names[] = {"V_m", "I", NULL};

static void ifsr_param_default(void *p)
{
  ifsr_param *q = p;
  memset(q, 0, sizeof *q);
  q->V_th = 1.0; /* normalized units of conversion */
  q->I_e = 0.0;
  q->tau_m = 0.0;
}

static int ifsr_param_set(void *p, const char *key, double v)
{
  ifsr_param *q = p;
  switch (sim_name_index(param_names, key)) {
  case 0:
    if (!(v > 0) || isinf(v))
      return sim_error_set(SIM_ECONFIG, "V_th must be a finite number > 0 mV "
                                        "(it is also what a spike subtracts)");
    q->V_th = v;
    return 0;
  case 1:
    if (!isfinite(v))
      return sim_error_set(SIM_ECONFIG, "I_e must be a finite number (mV per tick)");
    q->I_e = v;
    return 0;
  case 2:
    if (!(v >= 0))
      return sim_error_set(SIM_ECONFIG, "tau_m must be >= 0 ms (0: no leak)");
    q->tau_m = v;
    return 0;
  case 3:
    if (!(v >= 0) || isinf(v))
      return sim_error_set(SIM_ECONFIG, "start must be a finite time >= 0 ms");
    q->start_ms = v;
    return 0;
  }
  return SIM_EINVAL;
}

static int ifsr_param_finalize(void *p, double h)
{
  ifsr_param *q = p;
  q->h_ms = h;
  q->leaky = q->tau_m > 0 && isfinite(q->tau_m);
  double st = nearbyint(q->start_ms / h);
  if (!(st < 4e18))
    return sim_error_set(SIM_ECONFIG, "start = %g ms is beyond any run at resolution %g ms",
                         q->start_ms, h);
  if (fabs(st * h - q->start_ms) > 1e-9 * (q->start_ms > 1 ? q->start_ms : 1))
    return sim_error_set(SIM_ECONFIG, "start = %g ms is not a whole number of ticks of %g ms",
                         q->start_ms, h);
  q->start = (sim_time)st;
  if (q->leaky) {
    q->one_minus_p = -expm1(-h / q->tau_m);
    for (int k = 0; k < DECAY_TABLE; k++)
      q->decay[k] = exp(-k * h / q->tau_m);
  }
  return 0;
}

/* P^gap: one function for update and prediction, so that a predicted
   crossing is exactly what the update will compute. */
static inline double decay_of(const ifsr_param *q, sim_time gap)
{
  return gap < DECAY_TABLE ? q->decay[gap] : exp(-(double)gap * q->h_ms / q->tau_m);
}

/* V after `gap` ticks of drive d alone from v. */
static inline double drift(const ifsr_param *q, double v, double d, sim_time gap)
{
  if (q->leaky) {
    const double v_inf = d / q->one_minus_p;
    return v_inf + (v - v_inf) * decay_of(q, gap);
  }
  return v + d * (double)gap;
}

static void ifsr_state_init(void *b, uint32_t n, uint32_t i, const void *p)
{
  ifsr_state *st = (ifsr_state *)b + i;
  const ifsr_param *q = p;
  (void)n;
  st->v = 0.0;
  st->drive = q->I_e;
  st->last = q->start;
}

static void ifsr_var_set(void *b, uint32_t n, uint32_t i, const void *p, int var,
                         double value)
{
  ifsr_state *st = (ifsr_state *)b + i;
  (void)n;
  if (var == 0)
    st->v = value;
  else
    st->drive = ((const ifsr_param *)p)->I_e + value;
}

static double ifsr_var_get(const void *b, uint32_t n, uint32_t i, const void *p, int var,
                           sim_time t)
{
  const ifsr_state *st = (const ifsr_state *)b + i;
  (void)n;
  if (var == 1)
    return st->drive - ((const ifsr_param *)p)->I_e;
  return t > st->last ? drift(p, st->v, st->drive, t - st->last) : st->v;
}

/* First tick after `last` at which the drive alone brings V to V_th, or
   SIM_NEVER.  A closed-form first guess, settled in whole ticks against
   drift(), the update's own arithmetic. */
static sim_time predict(const ifsr_param *q, const ifsr_state *st)
{
  const double v = st->v, th = q->V_th, d = st->drive;
  if (v >= th)
    return st->last + 1; /* excess left by a large input: fire again */
  double kf;
  if (q->leaky) {
    const double v_inf = d / q->one_minus_p;
    if (!(v_inf > th))
      return SIM_NEVER;
    kf = ceil(q->tau_m / q->h_ms * log((v_inf - v) / (v_inf - th)) - 1e-9);
  } else {
    if (!(d > 0))
      return SIM_NEVER;
    kf = ceil((th - v) / d - 1e-9);
  }
  if (kf < 1)
    kf = 1;
  if (!(kf < 4.0e18))
    return SIM_NEVER;
  sim_time k = (sim_time)kf;
  while (drift(q, v, d, k) < th)
    k++;
  while (k > 1 && drift(q, v, d, k - 1) >= th)
    k--;
  return st->last + k;
}

static sim_time ifsr_first_event(const void *b, uint32_t n, uint32_t i, const void *p)
{
  const ifsr_state *st = (const ifsr_state *)b + i;
  (void)n;
  if (st->v >= ((const ifsr_param *)p)->V_th)
    return st->last; /* starts above threshold: fires at once */
  return predict(p, st);
}

static void ifsr_update(nrn_update_ctx *ctx, sim_time t, const uint32_t *idx, uint32_t n)
{
  const ifsr_param *q = ctx->param;
  ifsr_state *states = ctx->state;
  double *in = ctx->in[0];
  for (uint32_t k = 0; k < n; k++) {
    uint32_t i = idx[k];
    ifsr_state *st = &states[i];
    double v = (t > st->last ? drift(q, st->v, st->drive, t - st->last) : st->v) + in[i];
    in[i] = 0;
    if (v >= q->V_th) {
      v -= q->V_th; /* reset by subtraction: the excess is kept */
      ctx->spikes[ctx->nspikes++] = i;
    }
    st->v = v;
    st->last = t;
    ctx->next[k] = predict(q, st);
  }
}

const nrn_model_ops nrn_if_soft_reset_ops = {
    .name = "if_soft_reset",
    .summary = "IF, reset by subtraction, drive in mV per tick (ANN-to-SNN), event-driven",
    .state_size = sizeof(ifsr_state),
    .param_size = sizeof(ifsr_param),
    .nports = 1,
    .per_tick = 0,
    .port_by_sign = 0,
    .param_names = param_names,
    .var_names = var_names,
    .param_default = ifsr_param_default,
    .param_set = ifsr_param_set,
    .param_finalize = ifsr_param_finalize,
    .state_init = ifsr_state_init,
    .var_set = ifsr_var_set,
    .var_get = ifsr_var_get,
    .first_event = ifsr_first_event,
    .state_records = 1, /* checkpoints: core/sim_ckpt.h */
    .update = ifsr_update,
};
