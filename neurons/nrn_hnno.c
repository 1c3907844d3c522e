/*
 * nrn_hnno.c: the H-NNO device in neuron mode (Zhang et al., Science 2022,
 * doi 10.1126/science.abj7943; the device and its modes: synapses/
 * syn_hnno.h), a volatile integrate-leak-fire element.  Owns the model's
 * parameters and its per-neuron state (X and the tick it refers to).
 *
 * With most of its hydrogen at the channel's centre the device is volatile:
 * each input pulse pushes hydrogen and lowers the channel's resistance by
 * an amount, the hydrogen relaxes back with a time constant tau_m, and when
 * the accumulated change X crosses the threshold V_th the device's
 * read-out circuit fires a spike and the device is reset (X = V_reset, held
 * for t_ref, input then dropped).  So, per neuron,
 *   dX/dt = -X / tau_m + I_e,    X += w at each input (w: the weight),
 *   X >= V_th (tested after the tick's input):  spike, X = V_reset.
 * X is dimensionless: the normalized resistance change of the channel
 * (threshold 1 by default); I_e is in 1/ms.  The leak and the threshold
 * are the device's (syn_hnno.h: TAU_LEAK_MS, X_TH, T_REF_MS, all assumed;
 * the paper shows the integrate-leak-fire behaviour, Fig. 2, without a
 * figure read here for the time constant).  H is the hydrogen state the
 * device was switched to; it must lie in the neuron band, or the device is
 * not a neuron and the config is refused.
 *
 * Event-driven and exact: between inputs X = X_inf + (X - X_inf) e^{-t/tau}
 * with X_inf = I_e tau_m, so a driven neuron's crossing is predicted in
 * closed form, tau ln((X_inf - X) / (X_inf - V_th)), and scheduled.
 */
#include <math.h>
#include <string.h>

#include "../core/sim_error.h"
#include "../synapses/syn_hnno.h"
#include "nrn_model.h"

#define DECAY_TABLE 256 /* e^{-k h / tau} cached for gaps below this (ticks) */

typedef struct hnno_param {
  double tau_m;   /* ms, > 0: hydrogen relaxation (leak) time */
  double V_th;    /* 1: threshold of X */
  double V_reset; /* 1: X after a spike, < V_th */
  double t_ref;   /* ms: reset time, a whole number of ticks */
  double I_e;     /* 1/ms: constant drive */
  double H;       /* 1: hydrogen fraction at the centre (neuron band) */
  /* derived by finalize: */
  double h_ms;               /* resolution */
  double x_inf;              /* I_e tau_m: the asymptote */
  sim_time ref_ticks;        /* t_ref in ticks */
  double decay[DECAY_TABLE]; /* e^{-k h / tau_m} */
} hnno_param;

/* Invariant: x is X at tick `last` (after its input and reset); for ticks
   up to ref_end the device is being reset and X == V_reset. */
typedef struct hnno_state {
  double x;         /* 1, at tick last */
  sim_time last;    /* tick the state refers to */
  sim_time ref_end; /* last reset tick; < last when not resetting */
} hnno_state;

static const char *const param_names[] = {"tau_m", "V_th", "V_reset", "t_ref",
                                          "I_e",   "H",    NULL};
static const char *const var_names[] = {"V_m", NULL};

static void hnno_param_default(void *p)
{
  hnno_param *q = p;
  memset(q, 0, sizeof *q);
  q->tau_m = SYN_HNNO(TAU_LEAK_MS);
  q->V_th = SYN_HNNO(X_TH);
  q->V_reset = 0.0;
  q->t_ref = SYN_HNNO(T_REF_MS);
  q->I_e = 0.0;
  q->H = SYN_HNNO(H_NEURON);
}

static int hnno_param_set(void *p, const char *key, double v)
{
  hnno_param *q = p;
  switch (sim_name_index(param_names, key)) {
  case 0:
    if (!(v > 0) || isinf(v))
      return sim_error_set(SIM_ECONFIG, "tau_m must be a finite number > 0 ms");
    q->tau_m = v;
    return 0;
  case 1:
    if (!isfinite(v))
      return sim_error_set(SIM_ECONFIG, "V_th must be a finite number");
    q->V_th = v;
    return 0;
  case 2:
    if (!isfinite(v))
      return sim_error_set(SIM_ECONFIG, "V_reset must be a finite number");
    q->V_reset = v;
    return 0;
  case 3:
    if (!(v >= 0) || isinf(v))
      return sim_error_set(SIM_ECONFIG, "t_ref must be a finite number >= 0 ms");
    q->t_ref = v;
    return 0;
  case 4:
    if (!isfinite(v))
      return sim_error_set(SIM_ECONFIG, "I_e must be a finite number (1/ms)");
    q->I_e = v;
    return 0;
  case 5:
    if (!(v >= 0 && v <= 1))
      return sim_error_set(SIM_ECONFIG, "H must be a hydrogen fraction in [0, 1]");
    q->H = v;
    return 0;
  }
  return SIM_EINVAL;
}

static int hnno_param_finalize(void *p, double h)
{
  hnno_param *q = p;
  syn_hnno_mode m = syn_hnno_mode_of(q->H);
  if (m != SYN_HNNO_NEURON) {
    double lo, hi;
    syn_hnno_band(SYN_HNNO_NEURON, &lo, &hi);
    return sim_error_set(SIM_ECONFIG,
                         "H = %g puts the H-NNO device in %s mode; neuron mode needs "
                         "H in [%g, %g] (synapses/syn_hnno.h)",
                         q->H, syn_hnno_mode_name(m), lo, hi);
  }
  if (!(q->V_reset < q->V_th))
    return sim_error_set(SIM_ECONFIG, "V_reset (%g) must be below V_th (%g)", q->V_reset,
                         q->V_th);
  double r = q->t_ref / h;
  if (!(r <= 4e18) || fabs(r - nearbyint(r)) > 1e-9 * (1 + r))
    return sim_error_set(SIM_ECONFIG,
                         "t_ref (%g ms) must be a whole number of ticks of %g ms", q->t_ref, h);
  q->h_ms = h;
  q->ref_ticks = (sim_time)nearbyint(r);
  q->x_inf = q->I_e * q->tau_m;
  for (int k = 0; k < DECAY_TABLE; k++)
    q->decay[k] = exp(-k * h / q->tau_m);
  return 0;
}

/* One function for update and prediction, so that a predicted crossing is
   exactly what the update will compute. */
static inline double decay_of(const hnno_param *q, sim_time gap)
{
  return gap < DECAY_TABLE ? q->decay[gap] : exp(-(double)gap * q->h_ms / q->tau_m);
}

static void hnno_state_init(void *b, uint32_t n, uint32_t i, const void *p)
{
  hnno_state *st = (hnno_state *)b + i;
  (void)n;
  (void)p;
  st->x = 0.0;
  st->last = 0;
  st->ref_end = -1;
}

static void hnno_var_set(void *b, uint32_t n, uint32_t i, const void *p, int var,
                         double value)
{
  (void)n;
  (void)p;
  if (var == 0)
    ((hnno_state *)b + i)->x = value;
}

static double hnno_var_get(const void *b, uint32_t n, uint32_t i, const void *p, int var,
                           sim_time t)
{
  const hnno_param *q = p;
  const hnno_state *st = (const hnno_state *)b + i;
  (void)n;
  (void)var;
  if (t <= st->ref_end)
    return q->V_reset;
  return q->x_inf + (st->x - q->x_inf) * decay_of(q, t - st->last);
}

/* First tick after `last` at which the free trajectory reaches V_th, or
   SIM_NEVER; the closed form settled in whole ticks against decay_of(). */
static sim_time predict(const hnno_param *q, const hnno_state *st)
{
  if (!(q->x_inf > q->V_th))
    return SIM_NEVER;
  const double a = st->x - q->x_inf;
  double kf = ceil(q->tau_m * log((q->x_inf - st->x) / (q->x_inf - q->V_th)) / q->h_ms - 1e-9);
  if (kf < 1)
    kf = 1;
  if (!(kf < 4.0e18))
    return SIM_NEVER;
  sim_time k = (sim_time)kf;
  while (q->x_inf + a * decay_of(q, k) < q->V_th)
    k++;
  while (k > 1 && q->x_inf + a * decay_of(q, k - 1) >= q->V_th)
    k--;
  return st->last + k;
}

static sim_time hnno_first_event(const void *b, uint32_t n, uint32_t i, const void *p)
{
  const hnno_param *q = p;
  const hnno_state *st = (const hnno_state *)b + i;
  (void)n;
  if (st->x >= q->V_th)
    return st->last; /* starts above threshold: fires at once */
  return predict(q, st);
}

static void hnno_update(nrn_update_ctx *ctx, sim_time t, const uint32_t *idx, uint32_t n)
{
  const hnno_param *q = ctx->param;
  hnno_state *states = ctx->state;
  double *in = ctx->in[0];
  const int driven = q->x_inf > q->V_th;
  for (uint32_t k = 0; k < n; k++) {
    uint32_t i = idx[k];
    hnno_state *st = &states[i];
    double w = in[i];
    in[i] = 0;
    if (t <= st->ref_end) { /* being reset: the input is dropped */
      ctx->next[k] = driven ? predict(q, st) : SIM_NEVER;
      continue;
    }
    double x = q->x_inf + (st->x - q->x_inf) * decay_of(q, t - st->last) + w;
    if (x >= q->V_th) {
      ctx->spikes[ctx->nspikes++] = i;
      x = q->V_reset;
      st->ref_end = t + q->ref_ticks;
      st->last = st->ref_end;
    } else {
      st->last = t;
    }
    st->x = x;
    ctx->next[k] = driven ? predict(q, st) : SIM_NEVER;
  }
}

const nrn_model_ops nrn_hnno_neuron_ops = {
    .name = "hnno_neuron",
    .summary = "H-NNO device in neuron mode: volatile integrate-leak-fire, exact event-driven",
    .state_size = sizeof(hnno_state),
    .param_size = sizeof(hnno_param),
    .nports = 1,
    .per_tick = 0,
    .port_by_sign = 0,
    .param_names = param_names,
    .var_names = var_names,
    .param_default = hnno_param_default,
    .param_set = hnno_param_set,
    .param_finalize = hnno_param_finalize,
    .state_init = hnno_state_init,
    .var_set = hnno_var_set,
    .var_get = hnno_var_get,
    .first_event = hnno_first_event,
    .state_records = 1, /* checkpoints: core/sim_ckpt.h */
    .update = hnno_update,
};
