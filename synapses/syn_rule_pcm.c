/*
 * syn_rule_pcm.c: rule = pcm: one-sided exp-step.  An up pulse is
 * exp_step's (partial crystallization); a down pulse is a reset
 * (melt-quench) to around reset_w, whatever w was.
 */
#include "syn_rule_expstep.h"

/* Parameters of pcm. */
typedef struct pcm_param {
  expstep_param e;  /* the up pulse */
  double reset_w;   /* w after a reset (in [w_min, w_max]) */
  double reset_std; /* std of the reset level */
} pcm_param;
_Static_assert(sizeof(pcm_param) <= SYN_RULE_PARAM_MAX, "pcm parameters");

static const syn_param_key keys[] = {
    EXPSTEP_KEYS(pcm_param, e),
    {"reset_w", SYN_KEY_NUM, offsetof(pcm_param, reset_w), 1},
    {"reset_std", SYN_KEY_NUM, offsetof(pcm_param, reset_std), 0},
    {NULL, SYN_KEY_NUM, 0, 0}};

static int pcm_check(const void *rp, const syn_device_param *p, const char **key)
{
  const pcm_param *r = rp;
  int rc = expstep_check(&r->e, key);
  if (rc)
    return rc;
  if (r->reset_std < 0)
    return syn_device_bad_key(key, "reset_std", "must be >= 0, got %g", r->reset_std);
  if (!(r->reset_w >= p->w_min && r->reset_w <= p->w_max))
    return syn_device_bad_key(key, "reset_w", "must be in [w_min, w_max] = [%g, %g], got %g",
                              p->w_min, p->w_max, r->reset_w);
  return 0;
}

static inline double pcm_step(const pcm_param *r, const syn_device_param *p,
                              const syn_device_inst *inst, double w, int dir,
                              uint64_t noise_key)
{
  if (dir < 0) {
    double x = r->reset_w + syn_spread(r->reset_std, noise_key, SYN_PULSE_RESET);
    return syn_clip(x, inst->w_min, inst->w_max);
  }
  return expstep_step(&r->e, p, inst, w, 1, noise_key);
}

static double pcm_pulse(const void *rp, const syn_device_param *p, const syn_device_inst *inst,
                        double w, int dir, uint64_t noise_key)
{
  return pcm_step(rp, p, inst, w, dir, noise_key);
}

static double pcm_pulses(const void *rp, const syn_device_param *p,
                         const syn_device_inst *inst, double w, int dir, long n, uint64_t key,
                         uint64_t t)
{
  for (long q = 0; q < n; q++)
    w = pcm_step(rp, p, inst, w, dir, syn_device_pulse_key(key, t, (uint64_t)q));
  return w;
}

const syn_rule_ops syn_rule_pcm = {
    .name = "pcm",
    .param_size = sizeof(pcm_param),
    .keys = keys,
    .check = pcm_check,
    .pulse = pcm_pulse,
    .pulses = pcm_pulses,
};
