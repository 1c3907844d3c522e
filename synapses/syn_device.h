/*
 * syn_device.h: the physics of one analog memory device used as a synapse
 * (ECRAM, RRAM, PCM): finite pulse steps with nonlinear, asymmetric
 * potentiation and depression, device-to-device (d2d) and cycle-to-cycle
 * (c2c) variation, stuck devices, read noise, retention, and energy per
 * read and per write pulse.  Pure functions: the engine owns the storage.
 *
 * This is the common part of every device; the shape of a write pulse is
 * its rule's (syn_rule.h: one ops table and file per rule, found by the
 * preset key `rule`).  Preset files are read by io/io_preset.h.
 *
 * Units.  A device's state is its weight w in aihwkit's normalized units
 * (dimensionless, e.g. -0.8276 .. 1.1724 for Li-WO3 ECRAM).  Its
 * conductance is G = g_ref_uS + w * g_scale_uS (micro-siemens), which
 * fixes the read energy V_read^2 G t_read.  How w becomes a synaptic
 * weight (scale * (w - w_ref), or a differential pair) is the engine's.
 *
 * Randomness.  Every random quantity is a function of a 64-bit key built
 * by the caller from (seed, projection, source gid, target gid, synapse
 * ordinal [, tick, pulse number]) through sim_hash4: stateless and the
 * same on any number of ranks.
 */
#ifndef SYN_DEVICE_H
#define SYN_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/sim_rng.h"

struct syn_rule_ops; /* syn_rule.h: one pulse rule */

/* Retention: what happens to w with no write for dt seconds.  A closed
   set, unlike the rules: syn_store lays out each projection's state by it
   (relax and arrhenius: one epoch factor per projection; drift: a
   programming time and an exponent per device), so a new kind changes the
   store anyway. */
typedef enum syn_retention {
  SYN_RET_NONE = 0,
  SYN_RET_RELAX = 1, /* w -> w_rest + (w - w_rest) exp(-dt / lifetime_s) */
  SYN_RET_DRIFT = 2, /* PCM: G(t) = G_prog ((dt + t0) / t0)^-nu, on the
                        conductance above g_ref (w >= 0 for PCM) */
  SYN_RET_ARRHENIUS = 3 /* relax with a thermally activated time constant:
                        tau(T) = lifetime_s exp(ea_ev / k_B (1/T - 1/t_ref_k))
                        at T = temperature_k (ion hopping over one barrier,
                        docs/devices.md "Arrhenius retention") */
} syn_retention;

/* Retention kinds that relax exponentially towards w_rest (one decay
   factor per projection in syn_store). */
static inline int syn_retention_relaxes(syn_retention r)
{
  return r == SYN_RET_RELAX || r == SYN_RET_ARRHENIUS;
}

#define SYN_KB_EV_PER_K 8.617333262e-5 /* Boltzmann constant (eV/K), CODATA 2018 */

#define SYN_RULE_PARAM_MAX 128 /* bytes: the largest rule parameter struct */
#define SYN_RULE_INST_MAX 4    /* per-device draws a rule may keep */
#define SYN_DEVICE_RULE_KEY "rule" /* the key that selects the rule: readers
                                      set it before the others, whose
                                      meaning depends on it */

/* A preset: one device type (configs/devices/NAME.ini, read by
   io/io_preset.c).  A plain value: copy it freely. */
typedef struct syn_device_param {
  char name[64];          /* preset name ("ecram_li_wo3") */
  const struct syn_rule_ops *rule; /* the pulse rule (registry: syn_rule.h);
                             never NULL after syn_device_param_default */
  union {                 /* the rule's own parameter struct (rule->
                             param_size bytes); syn_device_rule_param */
    double d[SYN_RULE_PARAM_MAX / sizeof(double)];
    void *align_p;
    long double align_ld;
  } rule_param;
  /* Step and bounds (normalized w). */
  double dw_min;          /* nominal step of one pulse at w = 0 */
  double w_min, w_max;    /* nominal bounds */
  double up_down;         /* up/down asymmetry: dw_up = dw_min (1 + up_down),
                             dw_down = dw_min (1 - up_down) (aihwkit) --
                             symmetric about dw_min; aihwkit's own up_down
                             converts as in docs/devices.md */
  /* Variation. */
  double dw_min_dtod;     /* d2d: relative std of dw_min per device */
  double up_down_dtod;    /* d2d: std of up_down per device */
  double w_bounds_dtod;   /* d2d: relative std of w_min and w_max */
  double w_min_dtod, w_max_dtod; /* d2d: relative std of w_min / w_max when
                             they differ (aihwkit ReRamSB); NAN: use
                             w_bounds_dtod (added) */
  double dw_min_std;      /* c2c: relative std of each pulse's step (how it
                             enters the step is the rule's) */
  double stuck_fraction;  /* probability a device is stuck (0..1) */
  double stuck_w;         /* stuck devices hold this w (NAN: a uniform
                             draw within that device's bounds) */
  double stuck_range;     /* with stuck_w NAN: the draw is within
                             [-stuck_range, stuck_range] too (aihwkit's
                             corrupt_devices_range); NAN: no limit */
  double read_noise;      /* std of w added at each read (normalized) */
  /* Programming (write-verify) noise, added: std of w after programming a
     target w_t is max(0, c0 + c1 x + c2 x^2), x = (w_t - w_min) /
     (w_max - w_min) (aihwkit PCMLikeNoiseModel's polynomial, in w units). */
  double prog_noise_c0, prog_noise_c1, prog_noise_c2;
  /* Retention. */
  syn_retention retention;
  double lifetime_s;      /* RELAX: time constant (s) */
  double w_rest;          /* RELAX: value relaxed to */
  double drift_nu, drift_nu_dtod; /* DRIFT: exponent mean and d2d std */
  double drift_t0_s;      /* DRIFT: reference time t0 (s), aihwkit 20 s */
  double ea_ev;           /* ARRHENIUS: activation energy of ion hopping (eV) */
  double t_ref_k;         /* ARRHENIUS: temperature (K) at which lifetime_s
                             and t_pulse_s hold (default 298.15) */
  double temperature_k;   /* ARRHENIUS: operating temperature (K) (default
                             298.15; a config or --temperature overrides) */
  /* Electrical and energy. */
  double g_ref_uS;        /* conductance at w = 0 (uS) */
  double g_scale_uS;      /* conductance per unit w (uS) */
  double v_read;          /* read voltage (V) */
  double t_read_s;        /* read pulse length (s) */
  double e_pulse_pj;      /* energy of one write pulse (pJ) */
  double t_pulse_s;       /* write pulse length (s) (informational, latency) */
  double n_states;        /* informational, added: number of states the
                             source reports (~ (w_max - w_min) / (dw_min (1 +
                             |up_down|))); 0 = not stated */
  int program_verify;     /* added: 1: crossbar pairs are programmed by
                             write-verify of the pair (net_cnn_device.c):
                             a device found stuck after programming has its
                             partner re-targeted so that G+ - G- hits the
                             target when the healthy device can reach it;
                             0 (default): each device verified alone */
  int fault_aware_map;    /* added: 1 (with program_verify): devices are
                             cells of the crossbar arrays, keyed by their
                             physical position, and after the write-verify
                             test finds the stuck ones each tile's logical
                             rows and output pairs are permuted onto its
                             physical rows and column pairs (spares
                             included) to minimise the squared weight error
                             (net_cnn_remap.c, docs/devices.md); 0
                             (default): each weight on devices of its own */
} syn_device_param;

/* One device's own parameters, drawn once from its key (d2d variation). */
typedef struct syn_device_inst {
  double dw_up, dw_down;  /* step sizes of this device at the reference
                             point of its rule */
  double w_min, w_max;    /* this device's bounds */
  double nu;              /* DRIFT: this device's exponent */
  double rule[SYN_RULE_INST_MAX]; /* the rule's own draws (e.g.
                             linear_step's slopes); its inst_keys name them */
  int stuck;              /* 1: the device never changes */
  double stuck_w;         /* its value when stuck */
} syn_device_inst;

/* The rule's parameter struct inside p (rule->param_size bytes). */
static inline const void *syn_device_rule_param(const syn_device_param *p)
{
  return &p->rule_param;
}

/* Name of p's rule ("linear_step"). */
const char *syn_device_rule_name(const syn_device_param *p);

/* Defaults (an ideal, noise-free linear_step device), then key = value.
   Keys are the common ones and those of p's rule; "rule" switches the
   rule (its parameters start at the new rule's defaults; the same rule
   again changes nothing).  Unknown key: SIM_EINVAL; a key of another rule
   or a bad value: SIM_ECONFIG with a message saying what is allowed
   (sim_error_set). */
void syn_device_param_default(syn_device_param *p);
int syn_device_param_set(syn_device_param *p, const char *key, const char *value);
/* Check consistency (bounds ordered, fractions in [0,1], the rule's own
   checks).  On failure *key (may be NULL) names the key concerned. */
int syn_device_param_check(const syn_device_param *p, const char **key /* OUT */);
int syn_device_param_finalize(syn_device_param *p);
/* The i-th key valid for p (the common keys, then its rule's), or NULL
   past the end; *required (may be NULL): a preset file must set it. */
const char *syn_device_param_key(const syn_device_param *p, int i, int *required /* OUT */);
/* "dw_min, w_min, ..." of syn_device_param_key into buf (for messages). */
char *syn_device_param_keys_join(const syn_device_param *p, char *buf, size_t size);
/* Value of a numeric or boolean key of p (common or its rule's): 0, or
   SIM_EINVAL when p has no such number (for tests and reports). */
int syn_device_param_get(const syn_device_param *p, const char *key, double *out /* OUT */);
/* A rule's per-device draw by its name ("gamma_up"), NAN when the rule
   has none of that name. */
double syn_device_inst_get(const syn_device_param *p, const syn_device_inst *inst,
                           const char *name);

/* Keyed randomness: uniform / normal numbers derived from a key (built
   with core's sim_hash4) and a counter. */
double syn_hash_uniform(uint64_t key, uint64_t n); /* in (0, 1) */
double syn_hash_normal(uint64_t key, uint64_t n);  /* N(0, 1) */

/* This device's parameters (d2d draws, stuck or not) from its key. */
void syn_device_instance(const syn_device_param *p, uint64_t key, syn_device_inst *inst);
/* Only the parts that writes do not need to redraw (bounds, stuck mark and
   value, nu), equal to syn_device_instance's; step sizes stay nominal and
   the rule's own draws are 0 (set-up does not pulse). */
void syn_device_instance_static(const syn_device_param *p, uint64_t key,
                                syn_device_inst *inst);
/* Initial w of a fresh device (before any write): w_init clipped to the
   device's bounds, or its stuck value. */
double syn_device_initial(const syn_device_param *p, const syn_device_inst *inst,
                          double w_init);

/* One write pulse: dir = +1 (potentiate) or -1 (depress, or PCM reset).
   noise_key identifies this pulse (c2c draw).  Returns the new w. */
double syn_device_pulse(const syn_device_param *p, const syn_device_inst *inst, double w,
                        int dir, uint64_t noise_key);
/* Key of pulse q of the train written to device key at tick t. */
static inline uint64_t syn_device_pulse_key(uint64_t key, uint64_t t, uint64_t q)
{
  return sim_hash4(key, t, q, 0x707573ULL);
}
/* n pulses (n <= 0: none) in direction dir, pulse q keyed
   syn_device_pulse_key(key, t, q): the same as n syn_device_pulse calls,
   with one rule dispatch for the train. */
double syn_device_pulses(const syn_device_param *p, const syn_device_inst *inst, double w,
                         int dir, long n, uint64_t key, uint64_t t);

/* w after dt seconds without a write, in closed form (RELAX, ARRHENIUS,
   DRIFT).  A read never writes: retention is the only change between
   writes (three-terminal ECRAM reads the channel, apart from the gate
   stack that holds the ions).  RELAX and ARRHENIUS compose
   (retain(retain(w, a), b) == retain(w, a + b)); DRIFT does not: pass the w left by the last write and dt = the time since that write
   (aihwkit: G(t_inf) = G_prog ((t_inf + t0) / t0)^-nu). */
double syn_device_retain(const syn_device_param *p, const syn_device_inst *inst,
                         double w, double dt_s);

/* Retention time constant (s) at the operating temperature: lifetime_s
   (RELAX), lifetime_s exp(ea_ev / k_B (1/temperature_k - 1/t_ref_k))
   (ARRHENIUS; exactly lifetime_s at T = t_ref_k), INFINITY otherwise. */
double syn_device_tau_s(const syn_device_param *p);
/* The same at temperature t_k (K) instead of p->temperature_k. */
double syn_device_tau_at(const syn_device_param *p, double t_k);
/* ARRHENIUS: the barrier lowering q a E (eV) of the write field implied by
   the preset's write pulse and retention at t_ref_k: one pulse moves a
   fraction f = dw_min / (w_max - w_min) of the range with the same hops
   that retention undoes, so t_pulse = f tau exp(-dE_w / k_B T) and
   dE_w = k_B t_ref_k ln(f tau(t_ref_k) / t_pulse_s).  NAN without a pulse
   time or for another retention. */
double syn_device_write_lowering_ev(const syn_device_param *p);
/* Write pulse time (s) at temperature t_k for the same step: t_pulse_s
   exp(max(0, ea_ev - dE_w) / k_B (1/t_k - 1/t_ref_k)) for ARRHENIUS (the
   hop rate under the write field; no barrier left: not activated),
   t_pulse_s otherwise. */
double syn_device_t_pulse_at(const syn_device_param *p, double t_k);

/* Energy of one read of a device holding w (pJ): V_read^2 G t_read. */
double syn_device_read_pj(const syn_device_param *p, double w);

/* Added.  The value one read sees: w + read_noise * N(0,1) drawn from key
   (not clipped: a read can fall outside the bounds). */
double syn_device_read(const syn_device_param *p, double w, uint64_t key);

/* A signed weight x onto a differential pair of devices: the plus device
   holds base + max(x, 0) span, the minus device base + max(-x, 0) span,
   so that (G+ - G-) / span = x.  Network synapses (base w_ref, span 1)
   and crossbar weights (base w_min, span w_max - w_min) both split so. */
static inline void syn_device_pair_targets(double x, double base, double span, double out[2])
{
  out[0] = base + (x > 0 ? x : 0) * span;
  out[1] = base + (x < 0 ? -x : 0) * span;
}

/* Added.  Closed-loop (write-verify) programming of a fresh or reset device
   to target w_t: clip(w_t) + sigma_prog(w_t) N(0,1) from key, clipped to
   the device's bounds; a stuck device returns its stuck value.  Start the
   DRIFT clock (syn_device_retain's dt) at the end of this write. */
double syn_device_program(const syn_device_param *p, const syn_device_inst *inst,
                          double w_t, uint64_t key);

/* Added.  A differential pair (inst[0] = G+, inst[1] = G-) programmed to
   targets w_t (syn_device_program each, write keys key[]).  With
   p->program_verify, write-verify of the pair (reads each device back;
   docs/devices.md): when exactly one device is stuck, its verify
   read finds it at stuck_w and the healthy partner is programmed to
   w_t[h] + (stuck_w - w_t[o]), so that G+ - G- = w_t[0] - w_t[1] whenever
   the healthy device's bounds allow it (else it ends at its bound, the
   nearest it can hold); pairs with both devices stuck stay as they are.
   Without it, each device is programmed alone.  Fills out[]; returns the
   number of stuck devices in the pair. */
int syn_device_program_pair(const syn_device_param *p, const syn_device_inst inst[2],
                            const double w_t[2], const uint64_t key[2], double out[2]);

#endif
