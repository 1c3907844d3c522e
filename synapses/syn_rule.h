/*
 * syn_rule.h: device pulse rules as ops tables (linear_step, soft_bounds,
 * exp_step, pcm, ...), one file each (synapses/syn_rule_NAME.c), found by
 * name through the registry in syn_rule.c: the preset key `rule = NAME`.
 *
 * A rule owns only what differs between device kinds: its own parameter
 * struct (keys listed in its table, so readers fill it without knowing the
 * rule), its per-device draws, its checks and the shape of one write pulse.
 * Everything else (bounds, d2d/c2c spreads, stuck devices, read noise,
 * retention, energy, the G mapping) is syn_device.c's and reaches the rule
 * as the common syn_device_param.
 *
 * Dispatch is per projection: a preset resolves its rule once (the ops
 * pointer in syn_device_param); the engine calls `pulses` once per written
 * synapse, and the rule's own loop inlines its step.
 */
#ifndef SYN_RULE_H
#define SYN_RULE_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "syn_device.h"

/* Kinds of a table-driven key. */
typedef enum syn_key_kind {
  SYN_KEY_NUM = 0, /* double: a finite number */
  SYN_KEY_NUM_NAN, /* double: a finite number or nan */
  SYN_KEY_BOOL     /* int: 1/0/true/false */
} syn_key_kind;

/* One preset key of a parameter struct.  Tables end with {NULL}. */
typedef struct syn_param_key {
  const char *name;  /* key in preset files ("gamma_up") */
  syn_key_kind kind;
  size_t off;        /* offset of the field in its struct */
  int required;      /* 1: a preset file must set it (a truncated file is
                        an error, not a device with defaults) */
} syn_param_key;

/* A pulse rule.  rp is the rule's own parameter struct (param_size bytes,
   inside syn_device_param.rule_param); p the common parameters.  Every
   method but the four marked optional is required. */
typedef struct syn_rule_ops {
  const char *name;              /* `rule = NAME` in presets */
  size_t param_size;             /* sizeof its parameter struct, <=
                                    SYN_RULE_PARAM_MAX */
  const syn_param_key *keys;     /* its keys (offsets into rp); NULL: none */
  const syn_param_key *inst_keys; /* optional: names of its per-device
                                    draws, off = byte offset into
                                    syn_device_inst.rule (for tests and
                                    diagnostics) */
  /* Optional: defaults of rp (NULL: all zero). */
  void (*param_default)(void *rp);
  /* Optional: consistency of rp with p.  On failure returns SIM_ECONFIG
     through syn_device_bad_key (message names the key, says "must"). */
  int (*check)(const void *rp, const syn_device_param *p, const char **key /* OUT */);
  /* Optional: the rule's own d2d draws into inst->rule[] (counters
     syn_rule_draw(i)); called after the common draws.  NULL: none. */
  void (*instance)(const void *rp, const syn_device_param *p, uint64_t key,
                   syn_device_inst *inst);
  /* One write pulse (dir +1 or -1) from w; the device is not stuck and
     w_max > w_min (syn_device_pulse checked).  Returns the new w, clipped
     to the instance's bounds. */
  double (*pulse)(const void *rp, const syn_device_param *p, const syn_device_inst *inst,
                  double w, int dir, uint64_t noise_key);
  /* n >= 1 pulses in one direction, pulse q keyed syn_device_pulse_key(key,
     t, q): the same as n calls of pulse, in the rule's own loop. */
  double (*pulses)(const void *rp, const syn_device_param *p, const syn_device_inst *inst,
                   double w, int dir, long n, uint64_t key, uint64_t t);
} syn_rule_ops;

/* ---- registry (syn_rule.c) ---- */

/* The rule called name, or NULL. */
const syn_rule_ops *syn_rule_find(const char *name);
/* The i-th rule (built-ins first, in registry order), NULL past the end. */
const syn_rule_ops *syn_rule_at(size_t i);
/* "linear_step, soft_bounds, exp_step, pcm" into buf (for messages). */
char *syn_rule_names_join(char *buf, size_t size);
/* Add a rule at run time (out-of-tree rules, tests): SIM_EINVAL with a
   message when its name is taken, a required method is missing, its
   parameters are larger than SYN_RULE_PARAM_MAX or the registry is full. */
int syn_rule_register(const syn_rule_ops *ops);

/* ---- helpers for rule files ---- */

/* A check failure about key: SIM_ECONFIG, message "key 'KEY': <fmt>",
   *key_out = key (the preset reader adds the line where it was set).
   Defined in syn_device.c, which uses it for the common checks. */
int syn_device_bad_key(const char **key_out, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Pulse draw counters (per pulse key) and rule instance counters. */
enum { SYN_PULSE_STEP = 0, SYN_PULSE_RESET = 1 };

/* Counter of a rule's i-th own per-device draw: 5 and 6 (the counters
   linear_step's gammas always had), then 10, 11, beside the common draws'
   1-4 and 7-9. */
static inline uint64_t syn_rule_draw(int i)
{
  return i < 2 ? 5 + (uint64_t)i : 8 + (uint64_t)i;
}

static inline double syn_clip(double w, double lo, double hi)
{
  return w < lo ? lo : w > hi ? hi : w;
}

/* std * N(0,1) from (key, n), without hashing when std is 0. */
static inline double syn_spread(double std, uint64_t key, uint64_t n)
{
  return std > 0 ? std * syn_hash_normal(key, n) : 0.0;
}

/* The c2c step of linear_step and soft_bounds from the noise-free
   magnitude m: mult_noise scales the whole step, else the noise scales
   the device's step dw_dir only. */
static inline double syn_step_noise(double m, double dw_dir, int mult_noise, double std,
                                    double xi)
{
  return mult_noise ? m * (1.0 + std * xi) : m + dw_dir * std * xi;
}

#endif
