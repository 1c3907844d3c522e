/*
 * syn_rule_expstep.c: rule = exp_step (Gong 2018, aihwkit ExpStepDevice):
 * exponential, saturating steps in both directions (the equations are in
 * syn_rule_expstep.h, shared with pcm).
 */
#include "syn_rule_expstep.h"

_Static_assert(sizeof(expstep_param) <= SYN_RULE_PARAM_MAX, "exp_step parameters");

typedef struct expstep_holder {
  expstep_param e;
} expstep_holder;

static const syn_param_key keys[] = {EXPSTEP_KEYS(expstep_holder, e),
                                     {NULL, SYN_KEY_NUM, 0, 0}};

static int expstep_check_ops(const void *rp, const syn_device_param *p, const char **key)
{
  (void)p;
  return expstep_check(rp, key);
}

static double expstep_pulse(const void *rp, const syn_device_param *p,
                            const syn_device_inst *inst, double w, int dir, uint64_t noise_key)
{
  return expstep_step(rp, p, inst, w, dir > 0, noise_key);
}

static double expstep_pulses(const void *rp, const syn_device_param *p,
                             const syn_device_inst *inst, double w, int dir, long n,
                             uint64_t key, uint64_t t)
{
  for (long q = 0; q < n; q++)
    w = expstep_step(rp, p, inst, w, dir > 0, syn_device_pulse_key(key, t, (uint64_t)q));
  return w;
}

const syn_rule_ops syn_rule_exp_step = {
    .name = "exp_step",
    .param_size = sizeof(expstep_param),
    .keys = keys,
    .check = expstep_check_ops,
    .pulse = expstep_pulse,
    .pulses = expstep_pulses,
};
