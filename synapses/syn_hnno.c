/*
 * syn_hnno.c: the H-NNO device's modes and mode switching (syn_hnno.h):
 * which mode a hydrogen distribution gives, and the pulses, energy and
 * time that moving the hydrogen to another mode takes.  Owns the device
 * constants' values (the table in syn_hnno.h).
 */
#include "syn_hnno.h"

#include <math.h>

#include "../core/sim_error.h"

#define SYN_HNNO_VAL(name, v, u, s) v,
const double syn_hnno_k[SYN_HNNO_NK] = {SYN_HNNO_CONSTANTS(SYN_HNNO_VAL)};
#undef SYN_HNNO_VAL

static const char *const mode_names[SYN_HNNO_NMODES] = {"resistor", "memcapacitor",
                                                        "synapse", "neuron"};

double syn_hnno_setpoint(syn_hnno_mode m)
{
  switch (m) {
  case SYN_HNNO_RESISTOR: return SYN_HNNO(H_RESISTOR);
  case SYN_HNNO_MEMCAPACITOR: return SYN_HNNO(H_MEMCAP);
  case SYN_HNNO_SYNAPSE: return SYN_HNNO(H_SYNAPSE);
  case SYN_HNNO_NEURON: return SYN_HNNO(H_NEURON);
  default: return NAN;
  }
}

void syn_hnno_band(syn_hnno_mode m, double *lo, double *hi)
{
  *lo = NAN;
  *hi = NAN;
  if ((int)m < 0 || m >= SYN_HNNO_NMODES)
    return;
  *lo = m == SYN_HNNO_RESISTOR ? 0.0 : 0.5 * (syn_hnno_setpoint(m - 1) + syn_hnno_setpoint(m));
  *hi = m == SYN_HNNO_NEURON ? 1.0 : 0.5 * (syn_hnno_setpoint(m) + syn_hnno_setpoint(m + 1));
}

syn_hnno_mode syn_hnno_mode_of(double h)
{
  if (!(h >= 0 && h <= 1))
    return SYN_HNNO_NMODES;
  for (int m = SYN_HNNO_RESISTOR; m < SYN_HNNO_NEURON; m++) {
    double lo, hi;
    syn_hnno_band((syn_hnno_mode)m, &lo, &hi);
    if (h < hi)
      return (syn_hnno_mode)m;
  }
  return SYN_HNNO_NEURON;
}

const char *syn_hnno_mode_name(syn_hnno_mode m)
{
  return (int)m >= 0 && m < SYN_HNNO_NMODES ? mode_names[m] : "?";
}

double syn_hnno_pulse_energy_pj(void)
{
  /* V^2 G t: V^2 x 1 uS x 1 s = 1e-6 J = 1e6 pJ */
  return SYN_HNNO(V_SW) * SYN_HNNO(V_SW) * SYN_HNNO(G_SW_US) * SYN_HNNO(T_SW_S) * 1e6;
}

int syn_hnno_plan_switch(double h_from, syn_hnno_mode to, syn_hnno_plan *out)
{
  if (syn_hnno_mode_of(h_from) == SYN_HNNO_NMODES || (int)to < 0 || to >= SYN_HNNO_NMODES)
    return SIM_EINVAL;
  const double target = syn_hnno_setpoint(to);
  /* whole pulses; the tolerance keeps an exact multiple of DH_PULSE from
     rounding up to one pulse more */
  const double np = ceil(fabs(target - h_from) / SYN_HNNO(DH_PULSE) - 1e-9);
  out->pulses = np > 0 ? (uint32_t)np : 0;
  out->energy_pj = out->pulses * syn_hnno_pulse_energy_pj();
  out->time_s = out->pulses * (SYN_HNNO(T_SW_S) + SYN_HNNO(T_GAP_S));
  out->h_after = target;
  return 0;
}

void syn_hnno_dev_init(syn_hnno_dev *d, syn_hnno_mode m)
{
  d->h = syn_hnno_setpoint(m);
  d->mode = m;
  d->pulses = 0;
  d->switches = 0;
  d->energy_pj = 0;
  d->time_s = 0;
}

double syn_hnno_dev_switch(syn_hnno_dev *d, syn_hnno_mode to)
{
  if (d->mode == to)
    return 0.0;
  syn_hnno_plan p;
  int rc = syn_hnno_plan_switch(d->h, to, &p);
  if (rc)
    return rc;
  d->h = p.h_after;
  d->mode = to;
  d->pulses += p.pulses;
  d->switches++;
  d->energy_pj += p.energy_pj;
  d->time_s += p.time_s;
  return p.energy_pj;
}
