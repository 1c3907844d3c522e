/*
 * syn_spec.c: synapse model keys of a projection -> syn_spec.
 */
#include "syn_spec.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_error.h"
#include "../core/sim_parse.h"
#include "../core/sim_names.h"

const char *const syn_model_names[] = {"static_synapse", "stdp_synapse", "device", NULL};

static const char *const stdp_keys[] = {"tau_plus", "tau_minus", "lambda", "alpha",
                                        "mu_plus",  "mu_minus",  "Wmax",   NULL};
static const char *const device_keys[] = {"device", "weight_mode", "weight_scale", "w_ref",
                                          "plasticity", NULL};


static int set_stdp(syn_stdp_param *p, int k, const char *value)
{
  double v;
  if (sim_parse_double(value, 0, &v))
    return sim_error_set(SIM_ECONFIG, "expected a number (got '%s')", value);
  switch (k) {
  case 0: case 1:
    if (!(v > 0))
      return sim_error_set(SIM_ECONFIG, "expected a time constant > 0 ms (got '%s')", value);
    *(k ? &p->tau_minus : &p->tau_plus) = v;
    return 0;
  case 2: case 3:
    if (!(v >= 0))
      return sim_error_set(SIM_ECONFIG, "expected a number >= 0 (got '%s')", value);
    *(k == 2 ? &p->lambda : &p->alpha) = v;
    return 0;
  case 4: case 5:
    if (!(v >= 0 && v <= 1))
      return sim_error_set(SIM_ECONFIG,
                           "expected an exponent in [0, 1]: 0 additive, 1 "
                           "multiplicative (got '%s')", value);
    *(k == 4 ? &p->mu_plus : &p->mu_minus) = v;
    return 0;
  case 6:
    if (v == 0)
      return sim_error_set(SIM_ECONFIG, "expected a nonzero weight bound (got '%s')", value);
    p->Wmax = v;
    return 0;
  }
  return SIM_EINVAL;
}

int syn_spec_parse(syn_spec *sp, const char *synapse, const sim_kv *kv, uint32_t n,
                   const syn_device_param *preset, uint32_t *bad)
{
  memset(sp, 0, sizeof *sp);
  sp->stdp = (syn_stdp_param){20.0, 20.0, 0.01, 1.0, 1.0, 1.0, 100.0}; /* NEST */
  sp->scale = 1.0;
  *bad = n;
  int k = sim_name_index(syn_model_names, synapse);
  if (k < 0)
    return sim_error_set(SIM_ECONFIG, "unknown synapse model '%s': expected one of "
                                      "static_synapse, stdp_synapse, device", synapse);
  sp->kind = (syn_kind)k;
  sp->plastic = sp->kind == SYN_STDP;
  if (sp->kind == SYN_STATIC) {
    if (n) {
      *bad = 0;
      return sim_error_set(SIM_ECONFIG, "static_synapse takes no key '%s'", kv[0].key);
    }
    return 0;
  }
  /* Device first: the preset, then per-projection overrides of its keys
     (`rule` is the projection's connection rule: the device's rule is the
     preset's). */
  if (sp->kind == SYN_DEVICE) {
    int have_device = 0;
    for (uint32_t i = 0; i < n; i++)
      have_device |= !strcmp(kv[i].key, "device");
    if (!have_device)
      return sim_error_set(SIM_ECONFIG, "synapse = device needs key 'device': expected "
                                        "a preset name from configs/devices/");
    assert(preset); /* the caller loads the preset `device` names */
    sp->dev = *preset;
  }
  for (uint32_t i = 0; i < n; i++) {
    const char *key = kv[i].key, *value = kv[i].value;
    *bad = i;
    int sk = sim_name_index(stdp_keys, key);
    if (sk >= 0) {
      int rc = set_stdp(&sp->stdp, sk, value);
      if (rc)
        return rc;
      continue;
    }
    if (sp->kind == SYN_DEVICE) {
      int dk = sim_name_index(device_keys, key);
      double v;
      switch (dk) {
      case 0:
        continue; /* device: loaded above */
      case 1:
        if (!strcmp(value, "single"))
          sp->differential = 0;
        else if (!strcmp(value, "differential"))
          sp->differential = 1;
        else
          return sim_error_set(SIM_ECONFIG,
                               "expected single or differential (got '%s')", value);
        continue;
      case 2:
        if (sim_parse_double(value, 0, &v) || v == 0)
          return sim_error_set(SIM_ECONFIG,
                               "expected a nonzero number: synaptic weight (mV or pA) "
                               "per unit of device state (got '%s')", value);
        sp->scale = v;
        continue;
      case 3:
        if (sim_parse_double(value, 0, &v))
          return sim_error_set(SIM_ECONFIG, "expected a number (got '%s')", value);
        sp->w_ref = v;
        continue;
      case 4:
        if (!strcmp(value, "stdp"))
          sp->plastic = 1;
        else if (!strcmp(value, "none"))
          sp->plastic = 0;
        else
          return sim_error_set(SIM_ECONFIG, "expected stdp or none (got '%s')", value);
        continue;
      }
      /* Any other key overrides the preset's parameter of that name. */
      int rc = syn_device_param_set(&sp->dev, key, value);
      if (rc == SIM_EINVAL)
        return sim_error_set(SIM_ECONFIG,
                             "unknown key for synapse = device: expected device, "
                             "weight_mode, weight_scale, w_ref, plasticity, an STDP key "
                             "(tau_plus, tau_minus, lambda, alpha, mu_plus, mu_minus, "
                             "Wmax) or a device parameter (docs/devices.md)");
      if (rc)
        return rc;
      continue;
    }
    return sim_error_set(SIM_ECONFIG,
                         "unknown key for stdp_synapse: expected tau_plus, tau_minus, "
                         "lambda, alpha, mu_plus, mu_minus, Wmax");
  }
  *bad = n;
  if (sp->kind == SYN_DEVICE && syn_device_param_finalize(&sp->dev))
    return SIM_ECONFIG;
  /* A reference state outside the device's range makes weight 0 a state
     no device holds (w_ref = 1e10 asked STDP for 1e13 pulses per update). */
  if (sp->kind == SYN_DEVICE &&
      !(sp->w_ref >= sp->dev.w_min && sp->w_ref <= sp->dev.w_max)) {
    *bad = n;
    for (uint32_t i = 0; i < n; i++)
      if (!strcmp(kv[i].key, "w_ref"))
        *bad = i;
    return sim_error_set(SIM_ECONFIG,
                         "expected a state within the device's range [%g, %g] "
                         "(got %g)", sp->dev.w_min, sp->dev.w_max, sp->w_ref);
  }
  return 0;
}

/* NEST stdp_synapse: on the normalized weight w / Wmax. */
double syn_stdp_facilitate(const syn_stdp_param *p, double w, double kplus)
{
  double nw = w / p->Wmax;
  nw += p->lambda * pow(1.0 - nw, p->mu_plus) * kplus;
  return (nw < 1.0 ? nw : 1.0) * p->Wmax;
}

double syn_stdp_depress(const syn_stdp_param *p, double w, double kminus)
{
  double nw = w / p->Wmax;
  nw -= p->alpha * p->lambda * pow(nw, p->mu_minus) * kminus;
  return (nw > 0.0 ? nw : 0.0) * p->Wmax;
}
