/*
 * fixture_device.c: helpers of the device suites (test_device.c, the rule
 * physics; test_device_var.c, presets and variation): parameters set and
 * read by key, running moments checked against a normal population, the
 * suites' draw keys, the nominal device, the presets that must ship.
 * Declared in fixture_device.h.
 */
#include "fixture_device.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/sim_error.h"
#include "../core/sim_rng.h"

/* Set a key that must be accepted. */
void dv_set(syn_device_param *p, const char *key, const char *value)
{
  int rc = syn_device_param_set(p, key, value);
  CU_ASSERT_EQUAL(rc, 0);
  if (rc)
    fprintf(stderr, "\n    set %s = %s: %s\n", key, value, sim_error_msg());
}

/* A number of p (common or its rule's) by key. */
double dv_val(const syn_device_param *p, const char *key)
{
  double x = NAN;
  CU_ASSERT_EQUAL(syn_device_param_get(p, key, &x), 0);
  return x;
}

/* A per-device draw of p's rule by name. */
double dv_ival(const syn_device_param *p, const syn_device_inst *in, const char *name)
{
  return syn_device_inst_get(p, in, name);
}

int dv_is_rule(const syn_device_param *p, const char *name)
{
  return strcmp(syn_device_rule_name(p), name) == 0;
}

void dv_mom_add(moments *m, double x)
{
  m->s += x;
  m->s2 += x * x;
  m->n++;
}

static double mom_mean(const moments *m) { return m->s / m->n; }

static double mom_std(const moments *m)
{
  double mean = mom_mean(m);
  return sqrt((m->s2 - m->n * mean * mean) / (m->n - 1));
}

/* Sample mean and std within 4 standard errors of (mean, std) for a normal
   population: SE(mean) = std / sqrt(n), SE(std) = std / sqrt(2 n). */
int dv_mom_match(const moments *m, double mean, double std)
{
  double se_mean = std / sqrt((double)m->n), se_std = std / sqrt(2.0 * m->n);
  int ok = fabs(mom_mean(m) - mean) <= 4 * se_mean + 1e-15 &&
           fabs(mom_std(m) - std) <= 4 * se_std + 1e-15;
  if (!ok)
    fprintf(stderr, "\n    moments: mean %.6g (want %.6g +- %.3g), std %.6g (want %.6g +- %.3g)\n",
            mom_mean(m), mean, 4 * se_mean, mom_std(m), std, 4 * se_std);
  return ok;
}

uint64_t dv_dev_key(uint64_t i) { return sim_hash4(12345, 7, i, 0); }
uint64_t dv_pulse_key(uint64_t i) { return sim_hash4(12345, 7, 99, i); }

/* An instance without d2d spread: the dv_nominal device. */
syn_device_inst dv_nominal(const syn_device_param *p)
{
  syn_device_inst in;
  syn_device_instance(p, 1, &in);
  return in;
}

const char *const dv_required_presets[9] = {
    "ecram_li_wo3",    "ecram_metal_oxide", "ecram_protonic",
    "ecram_oxygen_ion", "rram_soft_bounds", "rram_exp_step",
    "rram_yao2020",    "pcm_nandakumar2020", "ideal"};
