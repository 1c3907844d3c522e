/*
 * syn_spec.h: what a projection's synapses are, from its config keys.
 *   synapse = static_synapse   fixed weights (default)
 *   synapse = stdp_synapse     NEST's pair-based STDP on an ideal weight
 *   synapse = device           a memory device per synapse (preset from
 *                              configs/devices/), optionally with
 *                              plasticity = stdp, whose weight changes reach
 *                              the device as whole write pulses
 * Parsed and validated with the rest of the config, before anything is
 * built.  Weights: mV for delta-synapse models, pA for current-based ones.
 */
#ifndef SYN_SPEC_H
#define SYN_SPEC_H

#include <stdint.h>

#include "../core/sim_names.h"
#include "syn_device.h"

typedef enum syn_kind {
  SYN_STATIC = 0,
  SYN_STDP = 1,   /* stdp_synapse */
  SYN_DEVICE = 2  /* device */
} syn_kind;

/* NEST stdp_synapse parameters (tau_minus is a neuron parameter in NEST;
   here it belongs to the projection). */
typedef struct syn_stdp_param {
  double tau_plus;  /* ms, pre trace */
  double tau_minus; /* ms, post trace */
  double lambda;    /* step size */
  double alpha;     /* depression / potentiation ratio */
  double mu_plus;   /* weight dependence of potentiation (0 additive, 1 mult.) */
  double mu_minus;  /* weight dependence of depression */
  double Wmax;      /* largest weight (mV or pA; sign of the projection) */
} syn_stdp_param;

typedef struct syn_spec {
  syn_kind kind;
  int plastic;             /* STDP updates the weights */
  syn_stdp_param stdp;
  /* Device synapses. */
  syn_device_param dev;    /* the preset, with overrides applied */
  int differential;        /* weight_mode = differential: weight =
                              scale (w+ - w-); else scale (w - w_ref) */
  double scale;            /* weight_scale: mV or pA per unit of w */
  double w_ref;            /* single-device reference (normalized) */
} syn_spec;

/* Parse a projection's synapse keys (net_proj_desc.syn_params) for the
   synapse model `synapse`.  preset: for synapse = device, the preset its
   key `device` names, loaded by the caller (io/io_preset.h: io_preset_find);
   borrowed, copied into sp->dev.  On error returns SIM_ECONFIG with a
   message saying what is allowed and *bad = the index of the offending
   entry (n when a key is missing). */
int syn_spec_parse(syn_spec *sp, const char *synapse, const sim_kv *kv, uint32_t n,
                   const syn_device_param *preset, uint32_t *bad /* OUT */);

/* Names of the synapse models, for messages. */
extern const char *const syn_model_names[];

/* NEST's stdp_synapse update of a weight w (same sign as Wmax) for a
   potentiation with pre trace kplus, or a depression with post trace
   kminus; results are clipped to [0, Wmax] in units of |Wmax|. */
double syn_stdp_facilitate(const syn_stdp_param *p, double w, double kplus);
double syn_stdp_depress(const syn_stdp_param *p, double w, double kminus);

#endif
