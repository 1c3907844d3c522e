/*
 * syn_rule_softbounds.c: rule = soft_bounds (aihwkit SoftBoundsDevice):
 * the step shrinks linearly to 0 at the device's own bound.
 */
#include "syn_rule.h"

#include <math.h>
#include <stddef.h>

/* Parameters of soft_bounds. */
typedef struct softbounds_param {
  int mult_noise; /* 1: c2c noise scales the whole step (aihwkit), 0: the
                     device's dw only (added) */
} softbounds_param;
_Static_assert(sizeof(softbounds_param) <= SYN_RULE_PARAM_MAX, "soft_bounds parameters");

static const syn_param_key keys[] = {
    {"mult_noise", SYN_KEY_BOOL, offsetof(softbounds_param, mult_noise), 0},
    {NULL, SYN_KEY_NUM, 0, 0}};

static void softbounds_default(void *rp)
{
  softbounds_param *r = rp;
  r->mult_noise = 1;
}

static int softbounds_check(const void *rp, const syn_device_param *p, const char **key)
{
  (void)rp;
  if (!(p->w_min < 0))
    return syn_device_bad_key(key, "w_min",
                              "must be < 0 with rule = soft_bounds (the down step is "
                              "dw_down (1 - w / w_min)), got %g",
                              p->w_min);
  if (!(p->w_max > 0))
    return syn_device_bad_key(key, "w_max",
                              "must be > 0 with rule = soft_bounds (the up step is dw_up "
                              "(1 - w / w_max)), got %g",
                              p->w_max);
  return 0;
}

static inline double softbounds_step(const softbounds_param *r, const syn_device_param *p,
                                     const syn_device_inst *inst, double w, int dir,
                                     uint64_t noise_key)
{
  const int up = dir > 0;
  double m;
  if (up)
    m = inst->w_max > 0 ? inst->dw_up * fmax(0.0, 1.0 - w / inst->w_max) : 0.0;
  else
    m = inst->w_min < 0 ? inst->dw_down * fmax(0.0, 1.0 - w / inst->w_min) : 0.0;
  double xi = p->dw_min_std > 0 ? syn_hash_normal(noise_key, SYN_PULSE_STEP) : 0.0;
  double dw = syn_step_noise(m, up ? inst->dw_up : inst->dw_down, r->mult_noise,
                             p->dw_min_std, xi);
  return syn_clip(w + (up ? dw : -dw), inst->w_min, inst->w_max);
}

static double softbounds_pulse(const void *rp, const syn_device_param *p,
                               const syn_device_inst *inst, double w, int dir,
                               uint64_t noise_key)
{
  return softbounds_step(rp, p, inst, w, dir, noise_key);
}

static double softbounds_pulses(const void *rp, const syn_device_param *p,
                                const syn_device_inst *inst, double w, int dir, long n,
                                uint64_t key, uint64_t t)
{
  for (long q = 0; q < n; q++)
    w = softbounds_step(rp, p, inst, w, dir, syn_device_pulse_key(key, t, (uint64_t)q));
  return w;
}

const syn_rule_ops syn_rule_soft_bounds = {
    .name = "soft_bounds",
    .param_size = sizeof(softbounds_param),
    .keys = keys,
    .param_default = softbounds_default,
    .check = softbounds_check,
    .pulse = softbounds_pulse,
    .pulses = softbounds_pulses,
};
