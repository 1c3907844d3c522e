/*
 * syn_rule_expstep.h: internals shared by rule = exp_step
 * (syn_rule_expstep.c) and rule = pcm (syn_rule_pcm.c, whose up pulse is
 * exp_step's): the Gong 2018 / aihwkit ExpStepDevice parameters, their
 * keys, the step and aihwkit's "complex" c2c noise.
 */
#ifndef SYN_RULE_EXPSTEP_H
#define SYN_RULE_EXPSTEP_H

#include <math.h>
#include <stddef.h>

#include "syn_rule.h"

/* z = 2 a w / (w_max_i - w_min_i) + b; dw_up = dw_up_i (1 - A_up e^{gamma_up z}),
   dw_down = dw_down_i (1 - A_down e^{-gamma_down z}) (names as aihwkit's). */
typedef struct expstep_param {
  double A_up, A_down, gamma_exp_up, gamma_exp_down, a, b;
  double dw_min_std_add, dw_min_std_slope; /* complex noise: step std =
                             dw_min_std (|dw| + add + slope |w|); 0, 0 =
                             plain (added) */
} expstep_param;

/* Its keys, for a struct T holding it at member m. */
#define EXPSTEP_KEY(T, m, k, req) {#k, SYN_KEY_NUM, offsetof(T, m) + offsetof(expstep_param, k), req}
#define EXPSTEP_KEYS(T, m)                                                        \
  EXPSTEP_KEY(T, m, A_up, 1), EXPSTEP_KEY(T, m, A_down, 1),                       \
      EXPSTEP_KEY(T, m, gamma_exp_up, 1), EXPSTEP_KEY(T, m, gamma_exp_down, 1),   \
      EXPSTEP_KEY(T, m, a, 1), EXPSTEP_KEY(T, m, b, 1),                           \
      EXPSTEP_KEY(T, m, dw_min_std_add, 0), EXPSTEP_KEY(T, m, dw_min_std_slope, 0)

static inline int expstep_check(const expstep_param *e, const char **key)
{
  if (e->dw_min_std_add < 0)
    return syn_device_bad_key(key, "dw_min_std_add", "must be >= 0, got %g", e->dw_min_std_add);
  if (e->dw_min_std_slope < 0)
    return syn_device_bad_key(key, "dw_min_std_slope", "must be >= 0, got %g",
                              e->dw_min_std_slope);
  return 0;
}

/* One exp-step pulse; z on the device's own range. */
static inline double expstep_step(const expstep_param *e, const syn_device_param *p,
                                  const syn_device_inst *inst, double w, int up,
                                  uint64_t noise_key)
{
  double z = 2.0 * e->a * w / (inst->w_max - inst->w_min) + e->b;
  double m = up ? inst->dw_up * fmax(0.0, 1.0 - e->A_up * exp(e->gamma_exp_up * z))
                : inst->dw_down * fmax(0.0, 1.0 - e->A_down * exp(-e->gamma_exp_down * z));
  double xi = p->dw_min_std > 0 ? syn_hash_normal(noise_key, SYN_PULSE_STEP) : 0.0;
  /* aihwkit complex noise; add = slope = 0 gives m (1 + std xi). */
  double dw = m * (1.0 + p->dw_min_std * xi) +
              p->dw_min_std * (e->dw_min_std_add + e->dw_min_std_slope * fabs(w)) * xi;
  return syn_clip(w + (up ? dw : -dw), inst->w_min, inst->w_max);
}

#endif
