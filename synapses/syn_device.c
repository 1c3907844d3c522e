/*
 * syn_device.c: analog memory devices used as synapses (syn_device.h):
 * presets (parse, check, load configs/devices/NAME.ini with libinih),
 * keyed randomness, device-to-device instances, the pulse rules, retention,
 * read and programming noise, read energy.  The equations are written once
 * more, with the presets' tables, in docs/devices.md.
 *
 * Owns nothing beyond a call: every function is pure except the preset
 * loader, which reads one file into a buffer that it frees before returning.
 */
#include "syn_device.h"

#include <assert.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include "../io/io_ini.h"
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"
#include "../core/sim_names.h"

#define TWO_PI 6.283185307179586476925286766559

/* ======================================================================
 * Keys
 * ====================================================================== */

typedef enum key_kind {
  KIND_NUM,       /* finite number */
  KIND_NUM_NAN,   /* finite number or nan */
  KIND_BOOL,      /* int: 0/1/true/false */
  KIND_RULE,      /* syn_rule by name */
  KIND_RETENTION  /* syn_retention by name */
} key_kind;

/* Every settable field of syn_device_param, in the order of the struct
   (name is not a key: the loader takes it from the file name). */
#define SYN_DEVICE_KEYS(X)       \
  X(rule, KIND_RULE)             \
  X(dw_min, KIND_NUM)            \
  X(w_min, KIND_NUM)             \
  X(w_max, KIND_NUM)             \
  X(up_down, KIND_NUM)           \
  X(gamma_up, KIND_NUM)          \
  X(gamma_down, KIND_NUM)        \
  X(gamma_up_dtod, KIND_NUM)     \
  X(gamma_down_dtod, KIND_NUM)   \
  X(A_up, KIND_NUM)              \
  X(A_down, KIND_NUM)            \
  X(gamma_exp_up, KIND_NUM)      \
  X(gamma_exp_down, KIND_NUM)    \
  X(a, KIND_NUM)                 \
  X(b, KIND_NUM)                 \
  X(dw_min_dtod, KIND_NUM)       \
  X(up_down_dtod, KIND_NUM)      \
  X(w_bounds_dtod, KIND_NUM)     \
  X(w_min_dtod, KIND_NUM_NAN)    \
  X(w_max_dtod, KIND_NUM_NAN)    \
  X(dw_min_std, KIND_NUM)        \
  X(mult_noise, KIND_BOOL)       \
  X(dw_min_std_add, KIND_NUM)    \
  X(dw_min_std_slope, KIND_NUM)  \
  X(stuck_fraction, KIND_NUM)    \
  X(stuck_w, KIND_NUM_NAN)       \
  X(read_noise, KIND_NUM)        \
  X(prog_noise_c0, KIND_NUM)     \
  X(prog_noise_c1, KIND_NUM)     \
  X(prog_noise_c2, KIND_NUM)     \
  X(reset_w, KIND_NUM)           \
  X(reset_std, KIND_NUM)         \
  X(retention, KIND_RETENTION)   \
  X(lifetime_s, KIND_NUM)        \
  X(w_rest, KIND_NUM)            \
  X(drift_nu, KIND_NUM)          \
  X(drift_nu_dtod, KIND_NUM)     \
  X(drift_t0_s, KIND_NUM)        \
  X(g_ref_uS, KIND_NUM)          \
  X(g_scale_uS, KIND_NUM)        \
  X(v_read, KIND_NUM)            \
  X(t_read_s, KIND_NUM)          \
  X(e_pulse_pj, KIND_NUM)        \
  X(t_pulse_s, KIND_NUM)         \
  X(n_states, KIND_NUM)

enum key_id {
#define KEY_ENUM(k, kind) KEY_##k,
  SYN_DEVICE_KEYS(KEY_ENUM)
#undef KEY_ENUM
  KEY_COUNT
};

static const char *const key_names[] = {
#define KEY_NAME(k, kind) #k,
    SYN_DEVICE_KEYS(KEY_NAME)
#undef KEY_NAME
    NULL};

static const struct {
  key_kind kind;
  size_t off; /* offset of the field in syn_device_param */
} key_info[] = {
#define KEY_INFO(k, kind) {kind, offsetof(syn_device_param, k)},
    SYN_DEVICE_KEYS(KEY_INFO)
#undef KEY_INFO
};

static const char *const rule_names[] = {"linear_step", "soft_bounds", "exp_step",
                                         "pcm", NULL};
static const char *const retention_names[] = {"none", "relax", "drift", NULL};

const char *const *syn_device_param_keys(void) { return key_names; }

static double *num_field(syn_device_param *p, int k)
{
  return (double *)((char *)p + key_info[k].off);
}

static double num_value(const syn_device_param *p, int k)
{
  return *(const double *)((const char *)p + key_info[k].off);
}

/* ======================================================================
 * Parameters
 * ====================================================================== */

void syn_device_param_default(syn_device_param *p)
{
  memset(p, 0, sizeof *p);
  snprintf(p->name, sizeof p->name, "%s", "default");
  p->rule = SYN_RULE_LINEAR_STEP;
  p->dw_min = 0.001; /* 2000 states over [-1, 1] */
  p->w_min = -1.0;
  p->w_max = 1.0;
  p->w_min_dtod = NAN;
  p->w_max_dtod = NAN;
  p->mult_noise = 1;
  p->stuck_w = NAN;
  p->retention = SYN_RET_NONE;
  p->drift_t0_s = 20.0; /* aihwkit PCMLikeNoiseModel t_0 */
  /* 0 .. 25 uS over [-1, 1] (25 uS: aihwkit's PCM g_max, used as a common
     full scale), read at NeuroSim's 0.55 V for 10 ns. */
  p->g_ref_uS = 12.5;
  p->g_scale_uS = 12.5;
  p->v_read = 0.55;
  p->t_read_s = 10e-9;
}

/* A whole-string number: finite, or nan when allow_nan. */
static int parse_number(const char *v, int allow_nan, double *out)
{
  if (allow_nan && strcasecmp(v, "nan") == 0) {
    *out = NAN;
    return 0;
  }
  if (!*v || isspace((unsigned char)*v))
    return -1;
  char *end;
  errno = 0;
  double x = strtod(v, &end);
  if (end == v || *end || !isfinite(x))
    return -1;
  *out = x;
  return 0;
}

int syn_device_param_set(syn_device_param *p, const char *key, const char *value)
{
  char list[1024];
  int k = sim_name_index(key_names, key);
  if (k < 0)
    return sim_error_set(SIM_EINVAL, "unknown key '%s' (device preset keys: %s)", key,
                         sim_names_join(list, sizeof list, key_names));
  switch (key_info[k].kind) {
  case KIND_NUM:
  case KIND_NUM_NAN: {
    int nan_ok = key_info[k].kind == KIND_NUM_NAN;
    if (parse_number(value, nan_ok, num_field(p, k)))
      return sim_error_set(SIM_ECONFIG, "key '%s': expected a finite number%s, got '%s'",
                           key, nan_ok ? " or nan" : "", value);
    return 0;
  }
  case KIND_BOOL:
    if (strcmp(value, "1") == 0 || strcasecmp(value, "true") == 0)
      p->mult_noise = 1;
    else if (strcmp(value, "0") == 0 || strcasecmp(value, "false") == 0)
      p->mult_noise = 0;
    else
      return sim_error_set(SIM_ECONFIG, "key '%s': expected 1, 0, true or false, got '%s'",
                           key, value);
    return 0;
  case KIND_RULE: {
    int r = sim_name_index(rule_names, value);
    if (r < 0)
      return sim_error_set(SIM_ECONFIG, "key '%s': expected one of %s, got '%s'", key,
                           sim_names_join(list, sizeof list, rule_names), value);
    p->rule = (syn_rule)r;
    return 0;
  }
  case KIND_RETENTION: {
    int r = sim_name_index(retention_names, value);
    if (r < 0)
      return sim_error_set(SIM_ECONFIG, "key '%s': expected one of %s, got '%s'", key,
                           sim_names_join(list, sizeof list, retention_names), value);
    p->retention = (syn_retention)r;
    return 0;
  }
  }
  return sim_error_set(SIM_EINVAL, "key '%s': internal error (unknown kind)", key);
}

/* Record a finalize failure about key k. */
static int bad_key(int *key_out, int k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad_key(int *key_out, int k, const char *fmt, ...)
{
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  *key_out = k;
  return sim_error_set(SIM_ECONFIG, "key '%s': %s", key_names[k], msg);
}

/* The checks of syn_device_param_finalize; *key_out names the key the
   message is about (the loader adds the line where it was set). */
static int finalize_check(const syn_device_param *p, int *key_out)
{
  *key_out = -1;
  if ((unsigned)p->rule > SYN_RULE_PCM)
    return bad_key(key_out, KEY_rule, "not a known rule (%d)", (int)p->rule);
  if ((unsigned)p->retention > SYN_RET_DRIFT)
    return bad_key(key_out, KEY_retention, "not a known retention (%d)", (int)p->retention);
  for (int k = 0; k < KEY_COUNT; k++) {
    if (key_info[k].kind == KIND_NUM && !isfinite(num_value(p, k)))
      return bad_key(key_out, k, "must be a finite number, got %g", num_value(p, k));
    if (key_info[k].kind == KIND_NUM_NAN && isinf(num_value(p, k)))
      return bad_key(key_out, k, "must be a finite number or nan, got %g", num_value(p, k));
  }
  if (p->mult_noise != 0 && p->mult_noise != 1)
    return bad_key(key_out, KEY_mult_noise, "must be 0 or 1, got %d", p->mult_noise);

  /* Range and step. */
  if (!(p->w_min < p->w_max))
    return bad_key(key_out, KEY_w_max, "must be greater than w_min = %g, got %g", p->w_min,
                   p->w_max);
  if (p->w_min > 0)
    return bad_key(key_out, KEY_w_min,
                   "must be <= 0: [w_min, w_max] must contain 0 (bounds vary from "
                   "device to device relative to 0, as in aihwkit), got %g",
                   p->w_min);
  if (p->w_max < 0)
    return bad_key(key_out, KEY_w_max, "must be >= 0: [w_min, w_max] must contain 0, got %g",
                   p->w_max);
  if (p->rule == SYN_RULE_SOFT_BOUNDS && !(p->w_min < 0))
    return bad_key(key_out, KEY_w_min, "must be < 0 with rule = soft_bounds (the down step "
                   "is dw_down (1 - w / w_min)), got %g", p->w_min);
  if (p->rule == SYN_RULE_SOFT_BOUNDS && !(p->w_max > 0))
    return bad_key(key_out, KEY_w_max, "must be > 0 with rule = soft_bounds (the up step "
                   "is dw_up (1 - w / w_max)), got %g", p->w_max);
  if (!(p->dw_min > 0) || p->dw_min > p->w_max - p->w_min)
    return bad_key(key_out, KEY_dw_min, "must be > 0 and <= w_max - w_min = %g, got %g",
                   p->w_max - p->w_min, p->dw_min);
  if (!(fabs(p->up_down) < 1))
    return bad_key(key_out, KEY_up_down, "must be in (-1, 1) (dw_up = dw_min (1 + up_down), "
                   "dw_down = dw_min (1 - up_down)), got %g", p->up_down);

  /* Linear step: slopes relative to the nominal bounds. */
  if (p->gamma_up < 0)
    return bad_key(key_out, KEY_gamma_up, "must be >= 0, got %g", p->gamma_up);
  if (p->gamma_down < 0)
    return bad_key(key_out, KEY_gamma_down, "must be >= 0, got %g", p->gamma_down);
  if (p->rule == SYN_RULE_LINEAR_STEP && (p->gamma_up > 0 || p->gamma_up_dtod > 0) &&
      !(p->w_max > 0))
    return bad_key(key_out, KEY_w_max, "must be > 0 when gamma_up or gamma_up_dtod > 0 "
                   "(the up step is dw_up (1 - gamma_up w / w_max)), got %g", p->w_max);
  if (p->rule == SYN_RULE_LINEAR_STEP && (p->gamma_down > 0 || p->gamma_down_dtod > 0) &&
      !(p->w_min < 0))
    return bad_key(key_out, KEY_w_min, "must be < 0 when gamma_down or gamma_down_dtod > 0 "
                   "(the down step is dw_down (1 - gamma_down w / w_min)), got %g", p->w_min);

  /* Spreads and noise: standard deviations. */
  static const int nonneg[] = {KEY_gamma_up_dtod, KEY_gamma_down_dtod, KEY_dw_min_dtod,
                               KEY_up_down_dtod,  KEY_w_bounds_dtod,   KEY_w_min_dtod,
                               KEY_w_max_dtod,    KEY_dw_min_std,      KEY_dw_min_std_add,
                               KEY_dw_min_std_slope, KEY_read_noise,   KEY_reset_std,
                               KEY_drift_nu_dtod, KEY_g_scale_uS,      KEY_v_read,
                               KEY_t_read_s,      KEY_e_pulse_pj,      KEY_t_pulse_s,
                               KEY_n_states,      KEY_lifetime_s,      KEY_drift_nu};
  for (size_t i = 0; i < sizeof nonneg / sizeof nonneg[0]; i++) {
    double x = num_value(p, nonneg[i]);
    if (x < 0) /* nan (w_min_dtod, w_max_dtod unset) passes */
      return bad_key(key_out, nonneg[i], "must be >= 0, got %g", x);
  }
  if (!(p->stuck_fraction >= 0 && p->stuck_fraction <= 1))
    return bad_key(key_out, KEY_stuck_fraction, "must be a probability in [0, 1], got %g",
                   p->stuck_fraction);
  if (!isnan(p->stuck_w) && !(p->stuck_w >= p->w_min && p->stuck_w <= p->w_max))
    return bad_key(key_out, KEY_stuck_w,
                   "must be nan (uniform within each device's bounds) or in [w_min, "
                   "w_max] = [%g, %g], got %g",
                   p->w_min, p->w_max, p->stuck_w);
  if (p->rule == SYN_RULE_PCM && !(p->reset_w >= p->w_min && p->reset_w <= p->w_max))
    return bad_key(key_out, KEY_reset_w, "must be in [w_min, w_max] = [%g, %g], got %g",
                   p->w_min, p->w_max, p->reset_w);

  /* Retention. */
  if (p->retention == SYN_RET_RELAX) {
    if (!(p->lifetime_s > 0))
      return bad_key(key_out, KEY_lifetime_s, "must be > 0 (s) with retention = relax, got %g",
                     p->lifetime_s);
    if (!(p->w_rest >= p->w_min && p->w_rest <= p->w_max))
      return bad_key(key_out, KEY_w_rest, "must be in [w_min, w_max] = [%g, %g], got %g",
                     p->w_min, p->w_max, p->w_rest);
  }
  if (p->retention == SYN_RET_DRIFT && !(p->drift_t0_s > 0))
    return bad_key(key_out, KEY_drift_t0_s, "must be > 0 (s) with retention = drift, got %g",
                   p->drift_t0_s);

  /* Electrical: the nominal conductances are not negative. */
  double g_lo = p->g_ref_uS + p->w_min * p->g_scale_uS;
  if (g_lo < -1e-9 * fabs(p->g_ref_uS))
    return bad_key(key_out, KEY_g_ref_uS,
                   "the conductance at w_min, g_ref_uS + w_min g_scale_uS = %g uS, must be "
                   ">= 0",
                   g_lo);
  return 0;
}

int syn_device_param_finalize(syn_device_param *p)
{
  int key;
  return finalize_check(p, &key);
}

/* ======================================================================
 * Keyed randomness
 * ====================================================================== */

/* Tags in the third word keep the uniform and the two Box-Muller draws of
   one (key, n) apart. */
enum { TAG_UNIFORM = 0x75, TAG_NORMAL_R = 0x6e72, TAG_NORMAL_T = 0x6e74 };

/* Top 53 bits as a double in (0, 1): (k + 0.5) 2^-53, never 0 or 1. */
static double open01(uint64_t h)
{
  return ((double)(h >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

double syn_hash_uniform(uint64_t key, uint64_t n)
{
  return open01(sim_hash4(key, n, TAG_UNIFORM, 0));
}

double syn_hash_normal(uint64_t key, uint64_t n)
{
  double u1 = open01(sim_hash4(key, n, TAG_NORMAL_R, 0));
  double u2 = open01(sim_hash4(key, n, TAG_NORMAL_T, 0));
  return sqrt(-2.0 * log(u1)) * cos(TWO_PI * u2);
}

/* Counters of the draws of one device key (instance) and one pulse key. */
enum {
  DRAW_DW = 1,
  DRAW_UP_DOWN,
  DRAW_W_MIN,
  DRAW_W_MAX,
  DRAW_GAMMA_UP,
  DRAW_GAMMA_DOWN,
  DRAW_NU,
  DRAW_STUCK,
  DRAW_STUCK_W
};
enum { PULSE_STEP = 0, PULSE_RESET = 1 };

/* std * N(0,1) from (key, n), without hashing when std is 0. */
static double spread(double std, uint64_t key, uint64_t n)
{
  return std > 0 ? std * syn_hash_normal(key, n) : 0.0;
}

/* ======================================================================
 * Devices
 * ====================================================================== */

static double clip(double w, double lo, double hi)
{
  return w < lo ? lo : w > hi ? hi : w;
}

/* d2d draws (aihwkit PulsedRPUDevice::populate, with the differences stated
   in docs/devices.md):
     s = max(0, 1 + dw_min_dtod xi1),          dw = dw_min s
     u = up_down + up_down_dtod xi2,           dw_up = max(0, dw (1 + u)),
                                               dw_down = max(0, dw (1 - u))
     w_min_i = w_min max(0, 1 + d_min xi3),    w_max_i = w_max max(0, 1 + d_max xi4)
     gamma_up_i = |gamma_up + gamma_up_dtod xi5|, same for down (xi6)
     nu_i = max(0, drift_nu + drift_nu_dtod xi7)
     stuck = U8 < stuck_fraction,  stuck_w = param or w_min_i + U9 (w_max_i - w_min_i)
   The factors are clipped at 0 so that w_min_i <= 0 <= w_max_i always. */
/* The parts of an instance that do not change with writes (bounds, stuck
   mark and value, drift exponent): the same draws as syn_device_instance,
   for set-up, which does not need the step sizes. */
void syn_device_instance_static(const syn_device_param *p, uint64_t key,
                                syn_device_inst *inst)
{
  double d_min = isnan(p->w_min_dtod) ? p->w_bounds_dtod : p->w_min_dtod;
  double d_max = isnan(p->w_max_dtod) ? p->w_bounds_dtod : p->w_max_dtod;
  inst->dw_up = inst->dw_down = p->dw_min;
  inst->gamma_up = p->gamma_up;
  inst->gamma_down = p->gamma_down;
  inst->w_min = p->w_min * fmax(0.0, 1.0 + spread(d_min, key, DRAW_W_MIN));
  inst->w_max = p->w_max * fmax(0.0, 1.0 + spread(d_max, key, DRAW_W_MAX));
  inst->nu = fmax(0.0, p->drift_nu + spread(p->drift_nu_dtod, key, DRAW_NU));
  inst->stuck = p->stuck_fraction > 0 && syn_hash_uniform(key, DRAW_STUCK) < p->stuck_fraction;
  if (!isnan(p->stuck_w))
    inst->stuck_w = p->stuck_w;
  else
    inst->stuck_w =
        inst->w_min + syn_hash_uniform(key, DRAW_STUCK_W) * (inst->w_max - inst->w_min);
}

void syn_device_instance(const syn_device_param *p, uint64_t key, syn_device_inst *inst)
{
  double s = 1.0 + spread(p->dw_min_dtod, key, DRAW_DW);
  double dw = p->dw_min * (s > 0 ? s : 0.0);
  double u = p->up_down + spread(p->up_down_dtod, key, DRAW_UP_DOWN);
  inst->dw_up = fmax(0.0, dw * (1.0 + u));
  inst->dw_down = fmax(0.0, dw * (1.0 - u));

  double d_min = isnan(p->w_min_dtod) ? p->w_bounds_dtod : p->w_min_dtod;
  double d_max = isnan(p->w_max_dtod) ? p->w_bounds_dtod : p->w_max_dtod;
  inst->w_min = p->w_min * fmax(0.0, 1.0 + spread(d_min, key, DRAW_W_MIN));
  inst->w_max = p->w_max * fmax(0.0, 1.0 + spread(d_max, key, DRAW_W_MAX));

  inst->gamma_up = fabs(p->gamma_up + spread(p->gamma_up_dtod, key, DRAW_GAMMA_UP));
  inst->gamma_down = fabs(p->gamma_down + spread(p->gamma_down_dtod, key, DRAW_GAMMA_DOWN));
  inst->nu = fmax(0.0, p->drift_nu + spread(p->drift_nu_dtod, key, DRAW_NU));

  inst->stuck = p->stuck_fraction > 0 && syn_hash_uniform(key, DRAW_STUCK) < p->stuck_fraction;
  if (!isnan(p->stuck_w))
    inst->stuck_w = p->stuck_w;
  else
    inst->stuck_w =
        inst->w_min + syn_hash_uniform(key, DRAW_STUCK_W) * (inst->w_max - inst->w_min);
}

double syn_device_initial(const syn_device_param *p, const syn_device_inst *inst,
                          double w_init)
{
  (void)p;
  return inst->stuck ? inst->stuck_w : clip(w_init, inst->w_min, inst->w_max);
}

/* Magnitude (>= 0) of the noise-free step of one pulse in direction dir
   from w, for the step rules (PCM's up pulse is EXP_STEP's). */
static double step_size(const syn_device_param *p, const syn_device_inst *inst, double w,
                        int up)
{
  switch (p->rule) {
  case SYN_RULE_LINEAR_STEP:
    /* aihwkit LinearStep with mean_bound_reference: the slope is taken
       relative to the nominal bound, so that it does not depend on the
       device's own bound.  Factor clipped at 0 (never a step backwards). */
    if (up)
      return inst->dw_up *
             fmax(0.0, 1.0 - (inst->gamma_up > 0 ? inst->gamma_up * w / p->w_max : 0.0));
    return inst->dw_down *
           fmax(0.0, 1.0 - (inst->gamma_down > 0 ? inst->gamma_down * w / p->w_min : 0.0));
  case SYN_RULE_SOFT_BOUNDS:
    /* Step shrinks linearly to 0 at the device's own bound. */
    if (up)
      return inst->w_max > 0 ? inst->dw_up * fmax(0.0, 1.0 - w / inst->w_max) : 0.0;
    return inst->w_min < 0 ? inst->dw_down * fmax(0.0, 1.0 - w / inst->w_min) : 0.0;
  case SYN_RULE_EXP_STEP:
  case SYN_RULE_PCM: {
    /* Gong 2018 / aihwkit ExpStep: z on the device's own range. */
    double z = 2.0 * p->a * w / (inst->w_max - inst->w_min) + p->b;
    if (up)
      return inst->dw_up * fmax(0.0, 1.0 - p->A_up * exp(p->gamma_exp_up * z));
    return inst->dw_down * fmax(0.0, 1.0 - p->A_down * exp(-p->gamma_exp_down * z));
  }
  }
  return 0.0;
}

double syn_device_pulse(const syn_device_param *p, const syn_device_inst *inst, double w,
                        int dir, uint64_t noise_key)
{
  assert(dir == 1 || dir == -1);
  if (inst->stuck || !(inst->w_max > inst->w_min))
    return w;
  int up = dir > 0;
  if (p->rule == SYN_RULE_PCM && !up) {
    /* Reset: melt-quench to (around) reset_w. */
    double r = p->reset_w + spread(p->reset_std, noise_key, PULSE_RESET);
    return clip(r, inst->w_min, inst->w_max);
  }
  double m = step_size(p, inst, w, up);
  double xi = p->dw_min_std > 0 ? syn_hash_normal(noise_key, PULSE_STEP) : 0.0;
  double dw;
  if (p->rule == SYN_RULE_EXP_STEP || p->rule == SYN_RULE_PCM)
    /* aihwkit complex noise; add = slope = 0 gives m (1 + std xi). */
    dw = m * (1.0 + p->dw_min_std * xi) +
         p->dw_min_std * (p->dw_min_std_add + p->dw_min_std_slope * fabs(w)) * xi;
  else if (p->mult_noise)
    dw = m * (1.0 + p->dw_min_std * xi);
  else /* additive: the noise scales the device's step, not the slope term */
    dw = m + (up ? inst->dw_up : inst->dw_down) * p->dw_min_std * xi;
  return clip(w + (up ? dw : -dw), inst->w_min, inst->w_max);
}

double syn_device_retain(const syn_device_param *p, const syn_device_inst *inst, double w,
                         double dt_s)
{
  if (inst->stuck || !(dt_s > 0))
    return w;
  switch (p->retention) {
  case SYN_RET_NONE:
    return w;
  case SYN_RET_RELAX:
    /* Stays between w and w_rest: no clipping, so only inst->stuck is read
       (callers may pass a partial instance). */
    return p->w_rest + (w - p->w_rest) * exp(-dt_s / p->lifetime_s);
  case SYN_RET_DRIFT:
    /* Power law on G - g_ref, i.e. on w; shrinks |w|, so the bounds (which
       contain 0) are kept.  Reads inst->stuck and inst->nu only. */
    return w * pow((dt_s + p->drift_t0_s) / p->drift_t0_s, -inst->nu);
  }
  return w;
}

double syn_device_read_pj(const syn_device_param *p, double w)
{
  double g_us = p->g_ref_uS + w * p->g_scale_uS;
  if (g_us < 0)
    g_us = 0;
  /* V^2 [V^2] * G [uS = 1e-6 S] * t [s] = 1e-6 J per unit = 1e6 pJ. */
  return p->v_read * p->v_read * g_us * p->t_read_s * 1e6;
}

double syn_device_read(const syn_device_param *p, double w, uint64_t key)
{
  return w + spread(p->read_noise, key, 0);
}

double syn_device_program(const syn_device_param *p, const syn_device_inst *inst,
                          double w_t, uint64_t key)
{
  if (inst->stuck)
    return inst->stuck_w;
  double w = clip(w_t, inst->w_min, inst->w_max);
  double x = (w - p->w_min) / (p->w_max - p->w_min);
  double sigma = p->prog_noise_c0 + x * (p->prog_noise_c1 + x * p->prog_noise_c2);
  if (sigma > 0)
    w += sigma * syn_hash_normal(key, 0);
  return clip(w, inst->w_min, inst->w_max);
}

/* ======================================================================
 * Preset files
 * ====================================================================== */

#define PRESET_MAX_LINE 1024 /* bytes per line, including the newline */

typedef struct preset_reader {
  const char *path;        /* borrowed: for messages */
  io_ini_lines in;         /* the file and where the reader is in it */
  int section_line;        /* first [section] header, or 0 */
  int err_line;            /* line of the first key = value error, or 0 */
  char err_msg[1024];      /* its message */
  syn_device_param *p;     /* borrowed: being filled */
  int key_line[KEY_COUNT]; /* line where each key was set, 0 = default */
} preset_reader;

/* libinih reader: one line of r->in.buf per call, counting lines, so that the
   handler knows the line of each entry; notes long lines, NUL bytes and
   section headers (presets are flat key = value files). */
static char *preset_read_line(char *str, int num, void *stream)
{
  preset_reader *r = stream;
  const char *t = io_ini_next_line(&r->in, str, num);
  if (!t)
    return NULL;
  if (*t == '[' && !r->section_line)
    r->section_line = r->in.line;
  return str;
}

/* libinih handler: one key = value. */
static int preset_on_entry(void *user, const char *section, const char *name,
                           const char *value)
{
  preset_reader *r = user;
  (void)section;
  if (r->err_line)
    return 0;
  int k = sim_name_index(key_names, name);
  if (k >= 0 && r->key_line[k]) {
    r->err_line = r->in.line;
    snprintf(r->err_msg, sizeof r->err_msg, "%s:%d: key '%s': set twice (first at line %d)",
             r->path, r->in.line, name, r->key_line[k]);
    return 0;
  }
  if (syn_device_param_set(r->p, name, value)) {
    char inner[896];
    snprintf(inner, sizeof inner, "%s", sim_error_msg());
    r->err_line = r->in.line;
    snprintf(r->err_msg, sizeof r->err_msg, "%s:%d: %s", r->path, r->in.line, inner);
    return 0;
  }
  r->key_line[k] = r->in.line;
  return 1;
}

/* The earliest text error of a parse, as the failure; 0 when none. */
static int preset_text_error(const preset_reader *r, int inih_rc)
{
  if (inih_rc == -2)
    return sim_error_set(SIM_ENOMEM, "%s: out of memory while parsing", r->path);
  /* In order of preference on the same line. */
  int cand[5] = {r->in.nul_line, r->in.long_line, r->section_line, r->err_line,
                 inih_rc > 0 ? inih_rc : 0};
  int first = 0, which = -1;
  for (int i = 0; i < 5; i++)
    if (cand[i] && (!first || cand[i] < first)) {
      first = cand[i];
      which = i;
    }
  switch (which) {
  case 0:
    return sim_error_set(SIM_ECONFIG, "%s:%d: NUL byte in line: expected a text file",
                         r->path, first);
  case 1:
    return sim_error_set(SIM_ECONFIG, "%s:%d: line longer than %d bytes", r->path, first,
                         PRESET_MAX_LINE - 2);
  case 2:
    return sim_error_set(SIM_ECONFIG,
                         "%s:%d: section header: a device preset is a flat list of "
                         "'key = value' lines, no [sections]",
                         r->path, first);
  case 3:
    return sim_error_set(SIM_ECONFIG, "%s", r->err_msg);
  case 4:
    return sim_error_set(SIM_ECONFIG,
                         "%s:%d: expected 'key = value' (comments start with ';' or '#')",
                         r->path, first);
  }
  return 0;
}

/* Whole file into *buf (caller frees with sim_free). */
static int read_whole(FILE *f, const char *path, char **buf, size_t *len)
{
  size_t cap = 4096, n = 0;
  char *b = sim_malloc(cap, "device preset text");
  for (;;) {
    if (n == cap) {
      cap *= 2;
      b = sim_realloc(b, cap, "device preset text");
    }
    size_t got = fread(b + n, 1, cap - n, f);
    n += got;
    if (got == 0)
      break;
  }
  if (ferror(f)) {
    int e = errno;
    sim_free(b);
    return sim_error_set(SIM_EIO, "%s: cannot read device preset: %s", path, strerror(e));
  }
  *buf = b;
  *len = n;
  return 0;
}

static int cmp_str(const void *x, const void *y)
{
  return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The failure for a preset file that does not exist: lists NAME.ini files
   of dir. */
static int preset_not_found(const char *dir, const char *name)
{
  char list[768] = "";
  DIR *d = opendir(dir);
  if (!d)
    return sim_error_set(SIM_ECONFIG,
                         "device preset '%s': directory '%s' cannot be read (%s)", name, dir,
                         strerror(errno));
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t l = strlen(e->d_name);
    if (l <= 4 || strcmp(e->d_name + l - 4, ".ini") != 0)
      continue;
    if (n == cap) {
      cap = cap ? 2 * cap : 16;
      names = sim_realloc(names, cap * sizeof *names, "device preset names");
    }
    names[n] = sim_strdup(e->d_name, "device preset name");
    names[n][l - 4] = '\0';
    n++;
  }
  closedir(d);
  if (n)
    qsort(names, n, sizeof *names, cmp_str);
  for (size_t i = 0; i < n; i++) {
    if (i)
      strncat(list, ", ", sizeof list - strlen(list) - 1);
    strncat(list, names[i], sizeof list - strlen(list) - 1);
    sim_free(names[i]);
  }
  sim_free(names);
  return sim_error_set(SIM_ECONFIG, "device preset '%s': no file %s.ini in '%s' (%s%s)",
                       name, name, dir, n ? "presets there: " : "no presets there",
                       list);
}

int syn_device_preset_load(const char *dir, const char *name, syn_device_param *p)
{
  size_t nl = strlen(name);
  if (nl == 0 || nl >= sizeof p->name)
    return sim_error_set(SIM_ECONFIG, "device preset name '%s': expected 1 to %zu characters",
                         name, sizeof p->name - 1);
  for (size_t i = 0; i < nl; i++)
    if (!isalnum((unsigned char)name[i]) && name[i] != '_' && name[i] != '-')
      return sim_error_set(SIM_ECONFIG,
                           "device preset name '%s': expected letters, digits, '_' and '-'",
                           name);
  char path[4096];
  if ((size_t)snprintf(path, sizeof path, "%s/%s.ini", dir, name) >= sizeof path)
    return sim_error_set(SIM_ECONFIG, "device preset '%s': path too long", name);

  FILE *f = fopen(path, "rb");
  if (!f) {
    if (errno == ENOENT)
      return preset_not_found(dir, name);
    return sim_error_set(SIM_EIO, "%s: cannot open device preset: %s", path,
                         strerror(errno));
  }
  char *text = NULL;
  size_t len = 0;
  int rc = read_whole(f, path, &text, &len);
  fclose(f);
  if (rc)
    return rc;

  syn_device_param tmp;
  syn_device_param_default(&tmp);
  preset_reader r;
  memset(&r, 0, sizeof r);
  r.path = path;
  r.in.buf = text;
  r.in.len = len;
  r.p = &tmp;
  rc = preset_text_error(&r, io_ini_parse(preset_read_line, &r, preset_on_entry, &r,
                                           PRESET_MAX_LINE, 1));
  sim_free(text);
  if (rc)
    return rc;

  snprintf(tmp.name, sizeof tmp.name, "%s", name);
  int key;
  if (finalize_check(&tmp, &key)) {
    char inner[1024];
    snprintf(inner, sizeof inner, "%s", sim_error_msg());
    if (key >= 0 && r.key_line[key])
      return sim_error_set(SIM_ECONFIG, "%s:%d: %s", path, r.key_line[key], inner);
    return sim_error_set(SIM_ECONFIG, "%s: %s (not set in the file: the default)", path,
                         inner);
  }
  *p = tmp;
  return 0;
}
