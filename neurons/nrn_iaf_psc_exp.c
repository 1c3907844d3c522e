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

/* State block: struct of arrays, so that the per-tick loop streams
   through memory and vectorizes.  For a block of n neurons:
     v[n]      mV relative to E_L
     i_ex[n]   pA, excitatory synaptic current
     i_in[n]   pA, inhibitory synaptic current (negative)
     r_end[n]  last refractory tick (a double, exact for ticks < 2^53, so
               the loop runs in one vector type); written only at a spike,
               so r_end[i] == t says that neuron i fired at tick t
   state_size (32 bytes) covers the four arrays. */
typedef struct exp_soa {
  double *v, *i_ex, *i_in, *r_end;
} exp_soa;

static exp_soa soa_of(const void *b, uint32_t n)
{
  double *d = (double *)b;
  return (exp_soa){d, d + n, d + 2 * (size_t)n, d + 3 * (size_t)n};
}

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
  int k = sim_name_index(param_names, key);
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
  if (!(r <= 2147483647.0)) /* the refractory count is held in ticks */
    return sim_error_set(SIM_ECONFIG, "t_ref (%g ms) must be at most %g ms at resolution %g ms "
                                      "(2^31 - 1 ticks)", q->t_ref, 2147483647.0 * h, h);
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

static void exp_state_init(void *b, uint32_t n, uint32_t i, const void *p)
{
  exp_soa s = soa_of(b, n);
  (void)p;
  s.v[i] = s.i_ex[i] = s.i_in[i] = 0;
  s.r_end[i] = -1; /* not refractory */
}

static void exp_var_set(void *b, uint32_t n, uint32_t i, const void *p, int var,
                        double value)
{
  const exp_param *q = p;
  exp_soa s = soa_of(b, n);
  if (var == 0)
    s.v[i] = value - q->E_L;
  else if (var == 1)
    s.i_ex[i] = value;
  else
    s.i_in[i] = value;
}

static double exp_var_get(const void *b, uint32_t n, uint32_t i, const void *p, int var,
                          sim_time t)
{
  const exp_param *q = p;
  exp_soa s = soa_of(b, n);
  (void)t; /* per-tick model: the state is always current */
  return var == 0 ? s.v[i] + q->E_L : var == 1 ? s.i_ex[i] : s.i_in[i];
}

static sim_time exp_first_event(const void *b, uint32_t n, uint32_t i, const void *p)
{
  (void)b;
  (void)n;
  (void)i;
  (void)p;
  return SIM_NEVER;
}

/* The whole population, one tick, in blocks of 64 neurons: the inner loop
   is branch-free so the compiler vectorizes it (target_clones adds an AVX2
   version picked at load time), and only a block in which a neuron fired
   is scanned for it.  The input rows are only read: for per_tick models the
   engine clears what it delivered.  Appends spikes; returns the new count. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
static uint32_t exp_step(const exp_param *restrict q, uint32_t n, double tick,
                         double *restrict v, double *restrict i_ex,
                         double *restrict i_in, double *restrict r_end,
                         const double *restrict in_ex, const double *restrict in_in,
                         uint32_t *restrict spikes, uint32_t nspikes)
{
  const double drive = q->P20 * q->I_e, r_new = tick + q->ref_ticks;
  const double P22 = q->P22, P21ex = q->P21ex, P21in = q->P21in;
  const double P11ex = q->P11ex, P11in = q->P11in;
  const double theta = q->theta, v_reset = q->v_reset;
  for (uint32_t b = 0; b < n; b += 64) {
    const uint32_t e = n - b < 64 ? n : b + 64;
    double any = 0;
    for (uint32_t i = b; i < e; i++) {
      double vi = v[i];
      double free_v = P22 * vi + P21ex * i_ex[i] + P21in * i_in[i] + drive;
      vi = tick > r_end[i] ? free_v : vi;
      i_ex[i] = P11ex * i_ex[i] + in_ex[i];
      i_in[i] = P11in * i_in[i] + in_in[i];
      int spike = vi >= theta;
      v[i] = spike ? v_reset : vi;
      r_end[i] = spike ? r_new : r_end[i];
      any = spike ? 1.0 : any;
    }
    if (any != 0)
      for (uint32_t i = b; i < e; i++)
        if (r_end[i] == r_new)
          spikes[nspikes++] = i;
  }
  return nspikes;
}

static void exp_update(nrn_update_ctx *ctx, sim_time t, const uint32_t *idx,
                       uint32_t n)
{
  exp_soa s = soa_of(ctx->state, ctx->n);
  (void)idx; /* per_tick: every neuron, in order */
  ctx->nspikes = exp_step(ctx->param, n, (double)t, s.v, s.i_ex, s.i_in, s.r_end,
                          ctx->in[0], ctx->in[1], ctx->spikes, ctx->nspikes);
}

const nrn_model_ops nrn_iaf_psc_exp_ops = {
    .name = "iaf_psc_exp",
    .summary = "LIF, exponential synaptic currents, exact propagators, per tick",
    .state_size = 4 * sizeof(double), /* v, i_ex, i_in, r: see exp_soa */
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
    .state_soa = 1, /* checkpoints: core/sim_ckpt.h */
    .update = exp_update,
};
