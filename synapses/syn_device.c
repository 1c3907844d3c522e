/*
 * syn_device.c: the common part of every analog memory device used as a
 * synapse (syn_device.h): the common preset keys (parse, check), keyed
 * randomness, device-to-device instances, stuck devices, retention, read
 * and programming noise, read energy; the pulse itself goes to the
 * preset's rule (syn_rule.h).  The equations are written once more, with
 * the presets' tables, in docs/devices.md.
 *
 * Owns nothing beyond a call: every function is pure.
 */
#include "syn_device.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/sim_error.h"
#include "../core/sim_parse.h"
#include "../core/sim_names.h"
#include "syn_rule.h"

#define TWO_PI 6.283185307179586476925286766559

/* ======================================================================
 * Keys
 * ====================================================================== */

/* The two keys that name something (the rest are numbers). */
enum { KIND_RULE = SYN_KEY_BOOL + 1, KIND_RETENTION };

#define KEY(k, kind, req) {#k, (syn_key_kind)(kind), offsetof(syn_device_param, k), req}
/* Every common settable field of syn_device_param, in the order of the
   struct (name is not a key: the loader takes it from the file name).
   Required: what a preset file must state (so that a truncated file is an
   error): the rule, step, bounds, retention and the electrical figures. */
static const syn_param_key common_keys[] = {
    KEY(rule, KIND_RULE, 1),
    KEY(dw_min, SYN_KEY_NUM, 1),
    KEY(w_min, SYN_KEY_NUM, 1),
    KEY(w_max, SYN_KEY_NUM, 1),
    KEY(up_down, SYN_KEY_NUM, 0),
    KEY(dw_min_dtod, SYN_KEY_NUM, 0),
    KEY(up_down_dtod, SYN_KEY_NUM, 0),
    KEY(w_bounds_dtod, SYN_KEY_NUM, 0),
    KEY(w_min_dtod, SYN_KEY_NUM_NAN, 0),
    KEY(w_max_dtod, SYN_KEY_NUM_NAN, 0),
    KEY(dw_min_std, SYN_KEY_NUM, 0),
    KEY(stuck_fraction, SYN_KEY_NUM, 0),
    KEY(stuck_w, SYN_KEY_NUM_NAN, 0),
    KEY(stuck_range, SYN_KEY_NUM_NAN, 0),
    KEY(read_noise, SYN_KEY_NUM, 0),
    KEY(prog_noise_c0, SYN_KEY_NUM, 0),
    KEY(prog_noise_c1, SYN_KEY_NUM, 0),
    KEY(prog_noise_c2, SYN_KEY_NUM, 0),
    KEY(retention, KIND_RETENTION, 1),
    KEY(lifetime_s, SYN_KEY_NUM, 0),
    KEY(w_rest, SYN_KEY_NUM, 0),
    KEY(drift_nu, SYN_KEY_NUM, 0),
    KEY(drift_nu_dtod, SYN_KEY_NUM, 0),
    KEY(drift_t0_s, SYN_KEY_NUM, 0),
    KEY(ea_ev, SYN_KEY_NUM, 0),
    KEY(t_ref_k, SYN_KEY_NUM, 0),
    KEY(temperature_k, SYN_KEY_NUM, 0),
    KEY(g_ref_uS, SYN_KEY_NUM, 1),
    KEY(g_scale_uS, SYN_KEY_NUM, 1),
    KEY(v_read, SYN_KEY_NUM, 1),
    KEY(t_read_s, SYN_KEY_NUM, 1),
    KEY(e_pulse_pj, SYN_KEY_NUM, 1),
    KEY(t_pulse_s, SYN_KEY_NUM, 0),
    KEY(n_states, SYN_KEY_NUM, 0),
    KEY(program_verify, SYN_KEY_BOOL, 0),
    KEY(fault_aware_map, SYN_KEY_BOOL, 0),
    {NULL, SYN_KEY_NUM, 0, 0}};
#undef KEY

static const char *const retention_names[] = {"none", "relax", "drift", "arrhenius", NULL};

/* A key of p: its entry and the struct its offset is into. */
typedef struct key_ref {
  const syn_param_key *k;
  char *base;
} key_ref;

static const syn_param_key *table_find(const syn_param_key *t, const char *name)
{
  for (; t && t->name; t++)
    if (strcmp(t->name, name) == 0)
      return t;
  return NULL;
}

static int key_find(const syn_device_param *p, const char *name, key_ref *out)
{
  const syn_param_key *k = table_find(common_keys, name);
  if (k) {
    *out = (key_ref){k, (char *)p};
    return 0;
  }
  k = table_find(p->rule->keys, name);
  if (k) {
    *out = (key_ref){k, (char *)&p->rule_param};
    return 0;
  }
  return -1;
}

static double *num_at(key_ref r) { return (double *)(r.base + r.k->off); }
static int *int_at(key_ref r) { return (int *)(r.base + r.k->off); }

const char *syn_device_param_key(const syn_device_param *p, int i, int *required)
{
  size_t nc = sizeof common_keys / sizeof common_keys[0] - 1;
  const syn_param_key *k = NULL;
  if (i >= 0 && (size_t)i < nc)
    k = &common_keys[i];
  else if (i >= 0 && p->rule->keys) {
    size_t j = (size_t)i - nc;
    for (const syn_param_key *t = p->rule->keys; t->name; t++)
      if (j-- == 0) {
        k = t;
        break;
      }
  }
  if (required && k)
    *required = k->required;
  return k ? k->name : NULL;
}

char *syn_device_param_keys_join(const syn_device_param *p, char *buf, size_t size)
{
  size_t used = 0;
  buf[0] = '\0';
  const char *name;
  for (int i = 0; (name = syn_device_param_key(p, i, NULL)); i++) {
    int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", name);
    if (n < 0 || (size_t)n >= size - used)
      break;
    used += (size_t)n;
  }
  return buf;
}

int syn_device_param_get(const syn_device_param *p, const char *key, double *out)
{
  key_ref r;
  if (key_find(p, key, &r) || (int)r.k->kind > (int)SYN_KEY_BOOL)
    return sim_error_set(SIM_EINVAL, "device key '%s': not a number of rule %s", key,
                         p->rule->name);
  *out = r.k->kind == SYN_KEY_BOOL ? (double)*int_at(r) : *num_at(r);
  return 0;
}

const char *syn_device_rule_name(const syn_device_param *p) { return p->rule->name; }

double syn_device_inst_get(const syn_device_param *p, const syn_device_inst *inst,
                           const char *name)
{
  const syn_param_key *k = table_find(p->rule->inst_keys, name);
  return k ? *(const double *)((const char *)inst->rule + k->off) : NAN;
}

/* ======================================================================
 * Parameters
 * ====================================================================== */

/* p's rule := r, its parameters at r's defaults. */
static void rule_reset(syn_device_param *p, const syn_rule_ops *r)
{
  p->rule = r;
  memset(&p->rule_param, 0, sizeof p->rule_param);
  if (r->param_default)
    r->param_default(&p->rule_param);
}

void syn_device_param_default(syn_device_param *p)
{
  memset(p, 0, sizeof *p);
  snprintf(p->name, sizeof p->name, "%s", "default");
  rule_reset(p, syn_rule_at(0)); /* linear_step */
  p->dw_min = 0.001; /* 2000 states over [-1, 1] */
  p->w_min = -1.0;
  p->w_max = 1.0;
  p->w_min_dtod = NAN;
  p->w_max_dtod = NAN;
  p->stuck_w = NAN;
  p->stuck_range = NAN;
  p->retention = SYN_RET_NONE;
  p->drift_t0_s = 20.0; /* aihwkit PCMLikeNoiseModel t_0 */
  p->t_ref_k = 298.15;  /* 25 C: room temperature, where pulses are measured */
  p->temperature_k = 298.15;
  /* 0 .. 25 uS over [-1, 1] (25 uS: aihwkit's PCM g_max, used as a common
     full scale), read at NeuroSim's 0.55 V for 10 ns. */
  p->g_ref_uS = 12.5;
  p->g_scale_uS = 12.5;
  p->v_read = 0.55;
  p->t_read_s = 10e-9;
}


/* The failure for a key p does not take: another rule's (SIM_ECONFIG,
   naming them), or no device key at all (SIM_EINVAL). */
static int key_unknown(const syn_device_param *p, const char *key)
{
  char owners[256] = "", list[1024];
  size_t used = 0;
  const syn_rule_ops *r;
  for (size_t i = 0; (r = syn_rule_at(i)); i++)
    if (table_find(r->keys, key)) {
      int n = snprintf(owners + used, sizeof owners - used, "%s%s", used ? ", " : "",
                       r->name);
      if (n > 0 && (size_t)n < sizeof owners - used)
        used += (size_t)n;
    }
  if (used) {
    size_t n = 0;
    list[0] = '\0';
    for (const syn_param_key *k = p->rule->keys; k && k->name; k++) {
      int m = snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "", k->name);
      if (m < 0 || (size_t)m >= sizeof list - n)
        break;
      n += (size_t)m;
    }
    return sim_error_set(SIM_ECONFIG,
                         "key '%s': not a parameter of rule = %s (it is one of rule %s; "
                         "rule %s's own keys: %s)",
                         key, p->rule->name, owners, p->rule->name, n ? list : "none");
  }
  syn_device_param_keys_join(p, list, sizeof list);
  return sim_error_set(SIM_EINVAL, "unknown key '%s' (device preset keys: %s)", key, list);
}

int syn_device_param_set(syn_device_param *p, const char *key, const char *value)
{
  char list[1024];
  key_ref r;
  if (key_find(p, key, &r))
    return key_unknown(p, key);
  switch ((int)r.k->kind) {
  case SYN_KEY_NUM:
  case SYN_KEY_NUM_NAN: {
    int nan_ok = r.k->kind == SYN_KEY_NUM_NAN;
    if (sim_parse_double(value, nan_ok ? SIM_PARSE_NAN : 0, num_at(r)))
      return sim_error_set(SIM_ECONFIG, "key '%s': expected a finite number%s, got '%s'",
                           key, nan_ok ? " or nan" : "", value);
    return 0;
  }
  case SYN_KEY_BOOL:
    if (sim_parse_bool(value, int_at(r)))
      return sim_error_set(SIM_ECONFIG, "key '%s': expected 1, 0, true or false, got '%s'",
                           key, value);
    return 0;
  case KIND_RULE: {
    const syn_rule_ops *rule = syn_rule_find(value);
    if (!rule)
      return sim_error_set(SIM_ECONFIG, "key '%s': expected one of %s, got '%s'", key,
                           syn_rule_names_join(list, sizeof list), value);
    if (rule != p->rule)
      rule_reset(p, rule);
    return 0;
  }
  case KIND_RETENTION: {
    int k = sim_name_index(retention_names, value);
    if (k < 0)
      return sim_error_set(SIM_ECONFIG, "key '%s': expected one of %s, got '%s'", key,
                           sim_names_join(list, sizeof list, retention_names), value);
    p->retention = (syn_retention)k;
    return 0;
  }
  }
  return sim_error_set(SIM_EINVAL, "key '%s': internal error (unknown kind)", key);
}

int syn_device_bad_key(const char **key_out, const char *key, const char *fmt, ...)
{
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  *key_out = key;
  return sim_error_set(SIM_ECONFIG, "key '%s': %s", key, msg);
}

/* Finite numbers and 0/1 booleans in one key table over base. */
static int check_kinds(const syn_param_key *t, const char *base, const char **key_out)
{
  for (; t && t->name; t++) {
    if (t->kind == SYN_KEY_NUM || t->kind == SYN_KEY_NUM_NAN) {
      const double x = *(const double *)(base + t->off);
      if (t->kind == SYN_KEY_NUM && !isfinite(x))
        return syn_device_bad_key(key_out, t->name, "must be a finite number, got %g", x);
      if (t->kind == SYN_KEY_NUM_NAN && isinf(x))
        return syn_device_bad_key(key_out, t->name,
                                  "must be a finite number or nan, got %g", x);
    } else if (t->kind == SYN_KEY_BOOL) {
      int b = *(const int *)(base + t->off);
      if (b != 0 && b != 1)
        return syn_device_bad_key(key_out, t->name, "must be 0 or 1, got %d", b);
    }
  }
  return 0;
}

int syn_device_param_check(const syn_device_param *p, const char **key_out)
{
  const char *dummy;
  if (!key_out)
    key_out = &dummy;
  *key_out = NULL;
  assert(p->rule);
  if ((unsigned)p->retention > SYN_RET_ARRHENIUS)
    return syn_device_bad_key(key_out, "retention", "not a known retention (%d)",
                              (int)p->retention);
  int rc = check_kinds(common_keys, (const char *)p, key_out);
  if (!rc)
    rc = check_kinds(p->rule->keys, (const char *)&p->rule_param, key_out);
  if (rc)
    return rc;
  if (p->fault_aware_map && !p->program_verify)
    return syn_device_bad_key(key_out, "fault_aware_map",
                              "needs program_verify = 1 (the mapping is chosen after the "
                              "write-verify test has found the stuck devices)");

  /* Range and step. */
  if (!(p->w_min < p->w_max))
    return syn_device_bad_key(key_out, "w_max", "must be greater than w_min = %g, got %g",
                              p->w_min, p->w_max);
  if (p->w_min > 0)
    return syn_device_bad_key(key_out, "w_min",
                              "must be <= 0: [w_min, w_max] must contain 0 (bounds vary "
                              "from device to device relative to 0, as in aihwkit), got %g",
                              p->w_min);
  if (p->w_max < 0)
    return syn_device_bad_key(key_out, "w_max",
                              "must be >= 0: [w_min, w_max] must contain 0, got %g", p->w_max);
  if (!(p->dw_min > 0) || p->dw_min > p->w_max - p->w_min)
    return syn_device_bad_key(key_out, "dw_min", "must be > 0 and <= w_max - w_min = %g, got %g",
                              p->w_max - p->w_min, p->dw_min);
  if (!(fabs(p->up_down) < 1))
    return syn_device_bad_key(key_out, "up_down",
                              "must be in (-1, 1) (dw_up = dw_min (1 + up_down), dw_down = "
                              "dw_min (1 - up_down)), got %g",
                              p->up_down);

  /* The rule's own (slopes, shape, reset level). */
  if (p->rule->check && (rc = p->rule->check(syn_device_rule_param(p), p, key_out)))
    return rc;

  /* Spreads and noise: standard deviations. */
  static const char *const nonneg[] = {
      "dw_min_dtod", "up_down_dtod",  "w_bounds_dtod", "w_min_dtod", "w_max_dtod",
      "dw_min_std",  "read_noise",    "drift_nu_dtod", "g_scale_uS", "v_read",
      "t_read_s",    "e_pulse_pj",    "t_pulse_s",     "n_states",   "lifetime_s",
      "drift_nu",    NULL};
  for (int i = 0; nonneg[i]; i++) {
    double x = *(const double *)((const char *)p + table_find(common_keys, nonneg[i])->off);
    if (x < 0) /* nan (w_min_dtod, w_max_dtod unset) passes */
      return syn_device_bad_key(key_out, nonneg[i], "must be >= 0, got %g", x);
  }
  if (!(p->stuck_fraction >= 0 && p->stuck_fraction <= 1))
    return syn_device_bad_key(key_out, "stuck_fraction",
                              "must be a probability in [0, 1], got %g", p->stuck_fraction);
  if (!isnan(p->stuck_w) && !(p->stuck_w >= p->w_min && p->stuck_w <= p->w_max))
    return syn_device_bad_key(key_out, "stuck_w",
                              "must be nan (uniform within each device's bounds) or in "
                              "[w_min, w_max] = [%g, %g], got %g",
                              p->w_min, p->w_max, p->stuck_w);
  if (!isnan(p->stuck_range) && !(p->stuck_range >= 0))
    return syn_device_bad_key(key_out, "stuck_range",
                              "must be nan (the whole bounds) or >= 0, got %g", p->stuck_range);

  /* Retention. */
  if (syn_retention_relaxes(p->retention)) {
    const char *rn = retention_names[p->retention];
    if (!(p->lifetime_s > 0))
      return syn_device_bad_key(key_out, "lifetime_s", "must be > 0 (s) with retention = %s, got %g",
                                rn, p->lifetime_s);
    if (!(p->w_rest >= p->w_min && p->w_rest <= p->w_max))
      return syn_device_bad_key(key_out, "w_rest", "must be in [w_min, w_max] = [%g, %g], got %g",
                                p->w_min, p->w_max, p->w_rest);
  }
  if (p->retention == SYN_RET_ARRHENIUS) {
    if (!(p->ea_ev >= 0 && p->ea_ev <= 5))
      return syn_device_bad_key(key_out, "ea_ev",
                                "must be an activation energy in [0, 5] eV with retention = "
                                "arrhenius, got %g",
                                p->ea_ev);
    if (!(p->t_ref_k > 0))
      return syn_device_bad_key(key_out, "t_ref_k", "must be > 0 (K), got %g", p->t_ref_k);
    if (!(p->temperature_k > 0))
      return syn_device_bad_key(key_out, "temperature_k",
                                "must be > 0 (K; 25 C = 298.15 K), got %g", p->temperature_k);
    if (!isfinite(syn_device_tau_s(p)) || !(syn_device_tau_s(p) > 0))
      return syn_device_bad_key(key_out, "temperature_k",
                                "the time constant lifetime_s exp(ea_ev / k_B (1/T - 1/t_ref_k)) "
                                "at T = %g K is not a finite positive number (%g s)",
                                p->temperature_k, syn_device_tau_s(p));
  }
  if (p->retention == SYN_RET_DRIFT && !(p->drift_t0_s > 0))
    return syn_device_bad_key(key_out, "drift_t0_s",
                              "must be > 0 (s) with retention = drift, got %g", p->drift_t0_s);

  /* Electrical: the nominal conductances are not negative. */
  double g_lo = p->g_ref_uS + p->w_min * p->g_scale_uS;
  if (g_lo < -1e-9 * fabs(p->g_ref_uS))
    return syn_device_bad_key(key_out, "g_ref_uS",
                              "the conductance at w_min, g_ref_uS + w_min g_scale_uS = %g uS, "
                              "must be >= 0",
                              g_lo);
  return 0;
}

int syn_device_param_finalize(syn_device_param *p)
{
  return syn_device_param_check(p, NULL);
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

/* Counters of the common draws of one device key (instance); a rule's
   own draws use syn_rule_draw(i) = 5, 6, 10, 11. */
enum {
  DRAW_DW = 1,
  DRAW_UP_DOWN = 2,
  DRAW_W_MIN = 3,
  DRAW_W_MAX = 4,
  DRAW_NU = 7,
  DRAW_STUCK = 8,
  DRAW_STUCK_W = 9
};

/* ======================================================================
 * Devices
 * ====================================================================== */

/* d2d draws (aihwkit PulsedRPUDevice::populate, with the differences stated
   in docs/devices.md):
     s = max(0, 1 + dw_min_dtod xi1),          dw = dw_min s
     u = up_down + up_down_dtod xi2,           dw_up = max(0, dw (1 + u)),
                                               dw_down = max(0, dw (1 - u))
     w_min_i = w_min max(0, 1 + d_min xi3),    w_max_i = w_max max(0, 1 + d_max xi4)
     nu_i = max(0, drift_nu + drift_nu_dtod xi7)
     stuck = U8 < stuck_fraction,  stuck_w = param or lo + U9 (hi - lo), with
       [lo, hi] = [w_min_i, w_max_i] intersected with [-stuck_range, stuck_range]
       (aihwkit's corrupt_devices_range; nan: the whole bounds)
     then the rule's own (linear_step: its slopes, xi5 and xi6)
   The factors are clipped at 0 so that w_min_i <= 0 <= w_max_i always. */

/* Bounds, drift exponent, stuck mark and value: what set-up needs. */
static void instance_fixed(const syn_device_param *p, uint64_t key, syn_device_inst *inst)
{
  double d_min = isnan(p->w_min_dtod) ? p->w_bounds_dtod : p->w_min_dtod;
  double d_max = isnan(p->w_max_dtod) ? p->w_bounds_dtod : p->w_max_dtod;
  inst->w_min = p->w_min * fmax(0.0, 1.0 + syn_spread(d_min, key, DRAW_W_MIN));
  inst->w_max = p->w_max * fmax(0.0, 1.0 + syn_spread(d_max, key, DRAW_W_MAX));
  inst->nu = fmax(0.0, p->drift_nu + syn_spread(p->drift_nu_dtod, key, DRAW_NU));
  inst->stuck = p->stuck_fraction > 0 && syn_hash_uniform(key, DRAW_STUCK) < p->stuck_fraction;
  if (!isnan(p->stuck_w))
    inst->stuck_w = p->stuck_w;
  else {
    double lo = inst->w_min, hi = inst->w_max;
    if (!isnan(p->stuck_range)) { /* near 0, as aihwkit's corrupt devices */
      lo = fmax(lo, -p->stuck_range);
      hi = fmin(hi, p->stuck_range);
      if (hi < lo) /* bounds away from 0: the bound nearest to it */
        lo = hi = lo > 0 ? lo : hi;
    }
    inst->stuck_w = lo + syn_hash_uniform(key, DRAW_STUCK_W) * (hi - lo);
  }
  memset(inst->rule, 0, sizeof inst->rule);
}

void syn_device_instance_static(const syn_device_param *p, uint64_t key,
                                syn_device_inst *inst)
{
  inst->dw_up = inst->dw_down = p->dw_min;
  instance_fixed(p, key, inst);
}

void syn_device_instance(const syn_device_param *p, uint64_t key, syn_device_inst *inst)
{
  double s = 1.0 + syn_spread(p->dw_min_dtod, key, DRAW_DW);
  double dw = p->dw_min * (s > 0 ? s : 0.0);
  double u = p->up_down + syn_spread(p->up_down_dtod, key, DRAW_UP_DOWN);
  inst->dw_up = fmax(0.0, dw * (1.0 + u));
  inst->dw_down = fmax(0.0, dw * (1.0 - u));
  instance_fixed(p, key, inst);
  if (p->rule->instance)
    p->rule->instance(syn_device_rule_param(p), p, key, inst);
}

double syn_device_initial(const syn_device_param *p, const syn_device_inst *inst,
                          double w_init)
{
  (void)p;
  return inst->stuck ? inst->stuck_w : syn_clip(w_init, inst->w_min, inst->w_max);
}

double syn_device_pulse(const syn_device_param *p, const syn_device_inst *inst, double w,
                        int dir, uint64_t noise_key)
{
  assert(dir == 1 || dir == -1);
  if (inst->stuck || !(inst->w_max > inst->w_min))
    return w;
  return p->rule->pulse(syn_device_rule_param(p), p, inst, w, dir, noise_key);
}

double syn_device_pulses(const syn_device_param *p, const syn_device_inst *inst, double w,
                         int dir, long n, uint64_t key, uint64_t t)
{
  assert(dir == 1 || dir == -1);
  if (n <= 0 || inst->stuck || !(inst->w_max > inst->w_min))
    return w;
  return p->rule->pulses(syn_device_rule_param(p), p, inst, w, dir, n, key, t);
}

/* Arrhenius factor exp(ea / k_B (1/t - 1/t_ref)): how much slower the
   hops over a barrier ea are at t than at t_ref; exactly 1 at t = t_ref. */
static double arrhenius(double ea_ev, double t_k, double t_ref_k)
{
  return t_k == t_ref_k ? 1.0 : exp(ea_ev / SYN_KB_EV_PER_K * (1.0 / t_k - 1.0 / t_ref_k));
}

double syn_device_tau_at(const syn_device_param *p, double t_k)
{
  switch (p->retention) {
  case SYN_RET_RELAX:
    return p->lifetime_s;
  case SYN_RET_ARRHENIUS:
    return p->lifetime_s * arrhenius(p->ea_ev, t_k, p->t_ref_k);
  default:
    return INFINITY;
  }
}

double syn_device_tau_s(const syn_device_param *p)
{
  return syn_device_tau_at(p, p->temperature_k);
}

double syn_device_write_lowering_ev(const syn_device_param *p)
{
  if (p->retention != SYN_RET_ARRHENIUS || !(p->t_pulse_s > 0))
    return NAN;
  double f = p->dw_min / (p->w_max - p->w_min);
  return SYN_KB_EV_PER_K * p->t_ref_k * log(f * p->lifetime_s / p->t_pulse_s);
}

double syn_device_t_pulse_at(const syn_device_param *p, double t_k)
{
  double de = syn_device_write_lowering_ev(p);
  if (isnan(de))
    return p->t_pulse_s;
  /* The barrier left under the write field; a field that takes off more
     than E_a leaves none: the write is then limited by the attempt rate
     and is not thermally activated (never slower when hot). */
  return p->t_pulse_s * arrhenius(fmax(0.0, p->ea_ev - de), t_k, p->t_ref_k);
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
  case SYN_RET_ARRHENIUS:
    return p->w_rest + (w - p->w_rest) * exp(-dt_s / syn_device_tau_s(p));
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
  return w + syn_spread(p->read_noise, key, 0);
}

double syn_device_program(const syn_device_param *p, const syn_device_inst *inst,
                          double w_t, uint64_t key)
{
  if (inst->stuck)
    return inst->stuck_w;
  double w = syn_clip(w_t, inst->w_min, inst->w_max);
  double x = (w - p->w_min) / (p->w_max - p->w_min);
  double sigma = p->prog_noise_c0 + x * (p->prog_noise_c1 + x * p->prog_noise_c2);
  if (sigma > 0)
    w += sigma * syn_hash_normal(key, 0);
  return syn_clip(w, inst->w_min, inst->w_max);
}

int syn_device_program_pair(const syn_device_param *p, const syn_device_inst inst[2],
                            const double w_t[2], const uint64_t key[2], double out[2])
{
  double t[2] = {w_t[0], w_t[1]};
  int one = inst[0].stuck != inst[1].stuck;
  if (p->program_verify && one) {
    /* The verify read finds the stuck device at its value s; the healthy
       one is re-targeted to keep the pair's difference: G+ = s + (t+ - t-)
       or G- = s - (t+ - t-). */
    int h = inst[0].stuck ? 1 : 0, o = 1 - h;
    t[h] = w_t[h] + (inst[o].stuck_w - w_t[o]);
  }
  for (int m = 0; m < 2; m++)
    out[m] = syn_device_program(p, &inst[m], t[m], key[m]);
  return inst[0].stuck + inst[1].stuck;
}
