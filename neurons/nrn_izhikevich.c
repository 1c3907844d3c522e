/*
 * nrn_izhikevich.c: NEST's izhikevich neuron (Izhikevich 2003, IEEE TNN
 * 14:1569):
 *   dV_m/dt = 0.04 V_m^2 + 5 V_m + 140 - U_m + I_e,  dU_m/dt = a (b V_m - U_m),
 *   V_m >= V_th: V_m = c, U_m += d.
 * Owns the model's parameters and its state block (V_m, U_m per neuron).
 *
 * No closed form, so the model is per_tick and takes one step of the
 * resolution h at every tick, in NEST's order (models/izhikevich.cpp):
 *   consistent_integration = true (NEST's default): forward Euler from the
 *     old (V_m, U_m); the tick's input (mV) is added to V_m unscaled;
 *   consistent_integration = false: the published scheme, V_m in two half
 *     steps and U_m from the new V_m; the tick's input then enters the
 *     derivative like a current, so each half step adds h/2 times it (with
 *     h = 1 ms, as the paper uses, the weight in mV once).
 * then V_m is bounded below by V_min and tested against V_th.  NEST's
 * operator order is kept term by term, so a step gives NEST's doubles.
 * NEST's CurrentEvent input (the current I, applied one step late) has no
 * counterpart here: memspike has no current generators; I_e is the drive.
 * Units as NEST's (R = 1): I_e in pA enters dV/dt directly (mV/ms).
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "../core/sim_error.h"
#include "nrn_model.h"

typedef struct izh_param {
  double a, b;                 /* 1/ms; recovery sensitivity (1) */
  double c, d;                 /* reset V_m (mV); U_m increment at a spike (mV) */
  double V_th, V_min;          /* threshold and lower bound of V_m (mV) */
  double I_e;                  /* pA, with R = 1: mV/ms */
  double consistent_integration; /* bool */
  /* derived by finalize: */
  double h_ms;                 /* resolution */
  double ha;                   /* h a: NEST's h * a_ evaluated first anyway */
  double hh;                   /* h / 2: the published half step */
} izh_param;

/* State block: struct of arrays, for the per-tick loop.  For n neurons:
     v[n]  V_m (mV), u[n]  U_m (mV).
   Invariant: both are the values after the last tick's update. */
typedef struct izh_soa {
  double *v, *u;
} izh_soa;

static izh_soa soa_of(const void *b, uint32_t n)
{
  double *x = (double *)b;
  return (izh_soa){x, x + n};
}

static const char *const param_names[] = {"a",   "b",     "c",   "d",
                                          "V_th", "V_min", "I_e",
                                          "consistent_integration", NULL};
static const char *const var_names[] = {"V_m", "U_m", NULL};

static void izh_param_default(void *p)
{
  izh_param *q = p;
  memset(q, 0, sizeof *q);
  q->a = 0.02;
  q->b = 0.2;
  q->c = -65.0;
  q->d = 8.0;
  q->V_th = 30.0;
  q->V_min = -DBL_MAX; /* NEST: -numeric_limits<double>::max() */
  q->I_e = 0.0;
  q->consistent_integration = 1;
}

static int izh_param_set(void *p, const char *key, double v)
{
  izh_param *q = p;
  int k = sim_name_index(param_names, key);
  if (k < 0)
    return SIM_EINVAL;
  if (k == 7) {
    if (v != 0 && v != 1)
      return sim_error_set(SIM_ECONFIG, "consistent_integration must be true or false");
    q->consistent_integration = v;
    return 0;
  }
  /* V_min may be -inf (no bound); everything else must be a finite number. */
  if (isnan(v) || (k != 5 && isinf(v)))
    return sim_error_set(SIM_ECONFIG, "%s must be a finite number", key);
  double *fields[] = {&q->a, &q->b, &q->c, &q->d, &q->V_th, &q->V_min, &q->I_e};
  *fields[k] = v;
  return 0;
}

/* NEST checks nothing here; these are the sets on which the model is not
   what it says: a reset at or above threshold fires at every tick, and a
   lower bound at or above threshold holds V_m there. */
static int izh_param_finalize(void *p, double h)
{
  izh_param *q = p;
  if (!(q->c < q->V_th))
    return sim_error_set(SIM_ECONFIG, "c (reset, %g mV) must be below V_th (%g mV)",
                         q->c, q->V_th);
  if (!(q->V_min < q->V_th))
    return sim_error_set(SIM_ECONFIG, "V_min (%g mV) must be below V_th (%g mV)",
                         q->V_min, q->V_th);
  q->h_ms = h;
  q->ha = h * q->a;
  q->hh = h * 0.5;
  return 0;
}

static void izh_state_init(void *b, uint32_t n, uint32_t i, const void *p)
{
  izh_soa s = soa_of(b, n);
  (void)p;
  s.v[i] = -65.0;
  s.u[i] = 0.2 * -65.0; /* NEST's default is this number, whatever b is */
}

static void izh_var_set(void *b, uint32_t n, uint32_t i, const void *p, int var,
                        double value)
{
  izh_soa s = soa_of(b, n);
  (void)p;
  if (var == 0)
    s.v[i] = value;
  else
    s.u[i] = value;
}

static double izh_var_get(const void *b, uint32_t n, uint32_t i, const void *p, int var,
                          sim_time t)
{
  izh_soa s = soa_of(b, n);
  (void)p;
  (void)t; /* per-tick model: the state is always current */
  return var == 0 ? s.v[i] : s.u[i];
}

static sim_time izh_first_event(const void *b, uint32_t n, uint32_t i, const void *p)
{
  (void)b;
  (void)n;
  (void)i;
  (void)p;
  return SIM_NEVER; /* per_tick: never asked */
}

/* One tick of the whole population in blocks of 64: the inner loops are
   branch-free (selects), and only a block where a neuron fired is scanned
   for it.  The input row is only read (per_tick: the engine clears it).
   Appends spikes; returns the new count. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
static uint32_t izh_step(const izh_param *restrict q, uint32_t n, double *restrict v,
                         double *restrict u, const double *restrict in,
                         uint32_t *restrict spikes, uint32_t nspikes)
{
  const double h = q->h_ms, ha = q->ha, hh = q->hh, b = q->b;
  const double I_e = q->I_e, V_th = q->V_th, V_min = q->V_min, c = q->c, d = q->d;
  const int consistent = q->consistent_integration != 0;
  unsigned char fired[64];
  for (uint32_t b0 = 0; b0 < n; b0 += 64) {
    const uint32_t e = n - b0 < 64 ? n : b0 + 64;
    int any = 0;
    if (consistent) {
      for (uint32_t i = b0; i < e; i++) {
        const double vo = v[i], uo = u[i];
        double vn = vo + (h * (0.04 * vo * vo + 5.0 * vo + 140.0 - uo + I_e) + in[i]);
        double un = uo + ha * (b * vo - uo);
        vn = vn < V_min ? V_min : vn;
        const int s = vn >= V_th;
        v[i] = s ? c : vn;
        u[i] = s ? un + d : un;
        fired[i - b0] = (unsigned char)s;
        any |= s;
      }
    } else {
      for (uint32_t i = b0; i < e; i++) {
        const double x = in[i];
        double vn = v[i], un = u[i];
        vn += hh * (0.04 * vn * vn + 5.0 * vn + 140.0 - un + I_e + x);
        vn += hh * (0.04 * vn * vn + 5.0 * vn + 140.0 - un + I_e + x);
        un += ha * (b * vn - un);
        vn = vn < V_min ? V_min : vn;
        const int s = vn >= V_th;
        v[i] = s ? c : vn;
        u[i] = s ? un + d : un;
        fired[i - b0] = (unsigned char)s;
        any |= s;
      }
    }
    if (any)
      for (uint32_t i = b0; i < e; i++)
        if (fired[i - b0])
          spikes[nspikes++] = i;
  }
  return nspikes;
}

static void izh_update(nrn_update_ctx *ctx, sim_time t, const uint32_t *idx, uint32_t n)
{
  izh_soa s = soa_of(ctx->state, ctx->n);
  (void)t;
  (void)idx; /* per_tick: every neuron, in order */
  ctx->nspikes = izh_step(ctx->param, n, s.v, s.u, ctx->in[0], ctx->spikes, ctx->nspikes);
}

const nrn_model_ops nrn_izhikevich_ops = {
    .name = "izhikevich",
    .summary = "Izhikevich 2003 (NEST izhikevich), Euler or published scheme, per tick",
    .state_size = 2 * sizeof(double), /* V_m, U_m: see izh_soa */
    .param_size = sizeof(izh_param),
    .nports = 1,
    .per_tick = 1,
    .port_by_sign = 0,
    .param_names = param_names,
    .var_names = var_names,
    .param_default = izh_param_default,
    .param_set = izh_param_set,
    .param_finalize = izh_param_finalize,
    .state_init = izh_state_init,
    .var_set = izh_var_set,
    .var_get = izh_var_get,
    .first_event = izh_first_event,
    .state_soa = 1, /* checkpoints: core/sim_ckpt.h */
    .update = izh_update,
};
