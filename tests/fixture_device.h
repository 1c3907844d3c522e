/*
 * fixture_device.h: what the device suites share (fixture_device.c):
 * test_device.c (rule physics) and test_device_var.c (presets and
 * variation).
 */
#ifndef FIXTURE_DEVICE_H
#define FIXTURE_DEVICE_H

#include <stdint.h>

#include "../synapses/syn_device.h"

#define NDRAW 10000 /* devices or pulses per moment test */

/* Running moments. */
typedef struct moments {
  double s, s2;
  int n;
} moments;

/* Set a key that must be accepted (a CUnit assertion). */
void dv_set(syn_device_param *p, const char *key, const char *value);
/* A number of p (common or its rule's) by key (a CUnit assertion). */
double dv_val(const syn_device_param *p, const char *key);
/* A per-device draw of p's rule by name. */
double dv_ival(const syn_device_param *p, const syn_device_inst *in, const char *name);
int dv_is_rule(const syn_device_param *p, const char *name);

void dv_mom_add(moments *m, double x);
/* Sample mean and std within 4 standard errors of (mean, std) for a normal
   population: SE(mean) = std / sqrt(n), SE(std) = std / sqrt(2 n). */
int dv_mom_match(const moments *m, double mean, double std);

/* The suites' keys of device i and of pulse i. */
uint64_t dv_dev_key(uint64_t i);
uint64_t dv_pulse_key(uint64_t i);

/* An instance without d2d spread: the nominal device. */
syn_device_inst dv_nominal(const syn_device_param *p);

/* The presets configs/devices must hold. */
extern const char *const dv_required_presets[9];

#endif
