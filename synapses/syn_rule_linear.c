/*
 * syn_rule_linear.c: rule = linear_step (aihwkit LinearStepDevice with
 * mean_bound_reference): the step shrinks linearly with w, with slopes
 * gamma_up / gamma_down relative to the nominal bounds; each device draws
 * its own slopes (gamma_*_dtod).
 */
#include "syn_rule.h"

#include <math.h>
#include <stddef.h>

/* Parameters of linear_step. */
typedef struct linear_param {
  double gamma_up, gamma_down;           /* slopes of the step vs w (>= 0) */
  double gamma_up_dtod, gamma_down_dtod; /* d2d std of the slopes (absolute;
                                            aihwkit; added) */
  int mult_noise;                        /* 1: c2c noise scales the whole
                                            step (aihwkit), 0: the device's
                                            dw only (added) */
} linear_param;
_Static_assert(sizeof(linear_param) <= SYN_RULE_PARAM_MAX, "linear_step parameters");

/* This device's slopes in syn_device_inst.rule[]. */
enum { INST_GAMMA_UP = 0, INST_GAMMA_DOWN = 1 };

#define KEY(k, kind) {#k, kind, offsetof(linear_param, k), 0}
static const syn_param_key keys[] = {KEY(gamma_up, SYN_KEY_NUM),
                                     KEY(gamma_down, SYN_KEY_NUM),
                                     KEY(gamma_up_dtod, SYN_KEY_NUM),
                                     KEY(gamma_down_dtod, SYN_KEY_NUM),
                                     KEY(mult_noise, SYN_KEY_BOOL),
                                     {NULL, SYN_KEY_NUM, 0, 0}};
#undef KEY

static const syn_param_key inst_keys[] = {
    {"gamma_up", SYN_KEY_NUM, INST_GAMMA_UP * sizeof(double), 0},
    {"gamma_down", SYN_KEY_NUM, INST_GAMMA_DOWN * sizeof(double), 0},
    {NULL, SYN_KEY_NUM, 0, 0}};

static void linear_default(void *rp)
{
  linear_param *r = rp;
  r->mult_noise = 1;
}

static int linear_check(const void *rp, const syn_device_param *p, const char **key)
{
  const linear_param *r = rp;
  if (r->gamma_up < 0)
    return syn_device_bad_key(key, "gamma_up", "must be >= 0, got %g", r->gamma_up);
  if (r->gamma_down < 0)
    return syn_device_bad_key(key, "gamma_down", "must be >= 0, got %g", r->gamma_down);
  if ((r->gamma_up > 0 || r->gamma_up_dtod > 0) && !(p->w_max > 0))
    return syn_device_bad_key(key, "w_max",
                              "must be > 0 when gamma_up or gamma_up_dtod > 0 (the up step "
                              "is dw_up (1 - gamma_up w / w_max)), got %g",
                              p->w_max);
  if ((r->gamma_down > 0 || r->gamma_down_dtod > 0) && !(p->w_min < 0))
    return syn_device_bad_key(key, "w_min",
                              "must be < 0 when gamma_down or gamma_down_dtod > 0 (the down "
                              "step is dw_down (1 - gamma_down w / w_min)), got %g",
                              p->w_min);
  if (r->gamma_up_dtod < 0)
    return syn_device_bad_key(key, "gamma_up_dtod", "must be >= 0, got %g", r->gamma_up_dtod);
  if (r->gamma_down_dtod < 0)
    return syn_device_bad_key(key, "gamma_down_dtod", "must be >= 0, got %g",
                              r->gamma_down_dtod);
  return 0;
}

/* gamma_i = |gamma + gamma_dtod xi| (xi5, xi6). */
static void linear_instance(const void *rp, const syn_device_param *p, uint64_t key,
                            syn_device_inst *inst)
{
  const linear_param *r = rp;
  (void)p;
  inst->rule[INST_GAMMA_UP] =
      fabs(r->gamma_up + syn_spread(r->gamma_up_dtod, key, syn_rule_draw(0)));
  inst->rule[INST_GAMMA_DOWN] =
      fabs(r->gamma_down + syn_spread(r->gamma_down_dtod, key, syn_rule_draw(1)));
}

/* Slope relative to the nominal bound (mean_bound_reference), so that it
   does not depend on the device's own bound; the factor is clipped at 0
   (never a step backwards). */
static inline double linear_step(const linear_param *r, const syn_device_param *p,
                                 const syn_device_inst *inst, double w, int dir,
                                 uint64_t noise_key)
{
  const int up = dir > 0;
  const double g_up = inst->rule[INST_GAMMA_UP], g_down = inst->rule[INST_GAMMA_DOWN];
  double m = up ? inst->dw_up * fmax(0.0, 1.0 - (g_up > 0 ? g_up * w / p->w_max : 0.0))
                : inst->dw_down * fmax(0.0, 1.0 - (g_down > 0 ? g_down * w / p->w_min : 0.0));
  double xi = p->dw_min_std > 0 ? syn_hash_normal(noise_key, SYN_PULSE_STEP) : 0.0;
  double dw = syn_step_noise(m, up ? inst->dw_up : inst->dw_down, r->mult_noise,
                             p->dw_min_std, xi);
  return syn_clip(w + (up ? dw : -dw), inst->w_min, inst->w_max);
}

static double linear_pulse(const void *rp, const syn_device_param *p,
                           const syn_device_inst *inst, double w, int dir, uint64_t noise_key)
{
  return linear_step(rp, p, inst, w, dir, noise_key);
}

static double linear_pulses(const void *rp, const syn_device_param *p,
                            const syn_device_inst *inst, double w, int dir, long n,
                            uint64_t key, uint64_t t)
{
  for (long q = 0; q < n; q++)
    w = linear_step(rp, p, inst, w, dir, syn_device_pulse_key(key, t, (uint64_t)q));
  return w;
}

const syn_rule_ops syn_rule_linear_step = {
    .name = "linear_step",
    .param_size = sizeof(linear_param),
    .keys = keys,
    .inst_keys = inst_keys,
    .param_default = linear_default,
    .check = linear_check,
    .instance = linear_instance,
    .pulse = linear_pulse,
    .pulses = linear_pulses,
};
