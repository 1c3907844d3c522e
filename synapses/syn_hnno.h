/*
 * syn_hnno.h: the reconfigurable H-NNO device (hydrogen-doped NdNiO3;
 * Zhang et al., Science 375:533 (2022), doi 10.1126/science.abj7943): its
 * hydrogen distribution, the mode that distribution gives (resistor,
 * memcapacitor, synapse, neuron) and the electric pulses that move the
 * hydrogen from one mode to another, with their count, energy and time.
 *
 * One small module for the one device that both the neuron model
 * (neurons/nrn_hnno.c: neuron mode, volatile integrate-leak-fire) and the
 * synapse preset (configs/devices/hnno_synapse.ini: synapse mode,
 * nonvolatile multi-level conductance) stand for, and that the grow-and-
 * prune example switches between them (examples/nno_grow.py reads the
 * constants below from this header, the one place they are written).
 *
 * State: h, the fraction of the device's hydrogen in the channel's centre
 * (between the Pd and Au electrodes) rather than under an electrode, in
 * [0, 1].  The paper's mode map (Fig. 1): more hydrogen at the centre
 * gives the volatile neuron, hydrogen pushed towards one electrode the
 * nonvolatile synapse; the resistor and memcapacitor lie at the
 * electrode-side end.  Where each mode's band starts is not given as a
 * number in the sources read here: the set points and band edges are
 * assumed (ordered as the paper's map), so are the pulse figures.
 *
 * A switching pulse of amplitude V_SW for T_SW moves h by DH_PULSE
 * towards the target (polarity picks the direction; ionic drift linear in
 * the pulse's charge, assumed), and costs V_SW^2 G_SW T_SW (Joule energy
 * into the device's conductance during the pulse).  A switch to a mode
 * moves h to that mode's set point in the fewest whole pulses, the last
 * one possibly partial in effect (h stops at the set point: the pulse
 * train is ended by a read-verify, so each pulse is paid in full).
 */
#ifndef SYN_HNNO_H
#define SYN_HNNO_H

#include <stdint.h>

/* The device's constants: X(NAME, value, unit, source).  Parsed by
   examples/nno_grow.py as well; keep one per line. */
#define SYN_HNNO_CONSTANTS(X)                                                            \
  X(H_RESISTOR, 0.05, "1", "resistor set point (assumed; paper Fig. 1 order)")           \
  X(H_MEMCAP, 0.30, "1", "memcapacitor set point (assumed)")                             \
  X(H_SYNAPSE, 0.55, "1", "synapse set point (assumed)")                                 \
  X(H_NEURON, 0.85, "1", "neuron set point: most hydrogen at the centre (assumed)")      \
  X(DH_PULSE, 0.05, "1", "h moved by one switching pulse (assumed)")                     \
  X(V_SW, 2.0, "V", "switching pulse amplitude (assumed)")                               \
  X(G_SW_US, 10.0, "uS", "device conductance during a switching pulse (assumed)")        \
  X(T_SW_S, 1e-6, "s", "switching pulse width (assumed)")                                \
  X(T_GAP_S, 1e-6, "s", "gap between switching pulses, read-verify (assumed)")           \
  X(TAU_LEAK_MS, 20.0, "ms", "neuron mode: hydrogen relaxation time (assumed)")          \
  X(X_TH, 1.0, "1", "neuron mode: firing threshold of X (normalized)")                  \
  X(T_REF_MS, 1.0, "ms", "neuron mode: reset time after a spike (assumed)")              \
  X(E_SPIKE_PJ, 10.0, "pJ", "neuron mode: one spike, 1 V x 10 uA x 1 us (assumed)")

/* SYN_HNNO(NAME): a constant's value, e.g. SYN_HNNO(TAU_LEAK_MS). */
#define SYN_HNNO_IDX(name, v, u, s) SYN_HNNO_K_##name,
enum { SYN_HNNO_CONSTANTS(SYN_HNNO_IDX) SYN_HNNO_NK };
#undef SYN_HNNO_IDX
extern const double syn_hnno_k[SYN_HNNO_NK]; /* indexed by SYN_HNNO_K_* */
#define SYN_HNNO(name) (syn_hnno_k[SYN_HNNO_K_##name])

/* Modes in the order of h (hydrogen at the centre) of their bands. */
typedef enum syn_hnno_mode {
  SYN_HNNO_RESISTOR = 0,
  SYN_HNNO_MEMCAPACITOR,
  SYN_HNNO_SYNAPSE,
  SYN_HNNO_NEURON,
  SYN_HNNO_NMODES
} syn_hnno_mode;

/* One device: its hydrogen state and what its switching has cost.
   Invariant: mode == syn_hnno_mode_of(h); energy_pj == pulses x
   syn_hnno_pulse_energy_pj(). */
typedef struct syn_hnno_dev {
  double h;           /* hydrogen fraction at the centre, [0, 1] */
  syn_hnno_mode mode; /* the mode h gives */
  uint64_t pulses;    /* switching pulses applied so far */
  uint64_t switches;  /* mode changes so far */
  double energy_pj;   /* switching energy so far, pJ */
  double time_s;      /* switching time so far, s */
} syn_hnno_dev;

/* One planned switch: what moving h to a mode's set point takes. */
typedef struct syn_hnno_plan {
  uint32_t pulses;  /* whole pulses */
  double energy_pj; /* pulses x pulse energy, pJ */
  double time_s;    /* pulses x (T_SW + T_GAP), s */
  double h_after;   /* the set point reached */
} syn_hnno_plan;

/* Mode of hydrogen state h (band edges halfway between set points);
   h outside [0, 1] or NaN: SYN_HNNO_NMODES. */
syn_hnno_mode syn_hnno_mode_of(double h);
/* Set point of a mode (h); NaN for an invalid mode. */
double syn_hnno_setpoint(syn_hnno_mode m);
/* Lowest and highest h of a mode's band ([lo, hi); the neuron's hi is 1). */
void syn_hnno_band(syn_hnno_mode m, double *lo /* OUT */, double *hi /* OUT */);
/* "resistor", "memcapacitor", "synapse", "neuron"; "?" otherwise. */
const char *syn_hnno_mode_name(syn_hnno_mode m);
/* Energy of one switching pulse: V_SW^2 G_SW T_SW in pJ. */
double syn_hnno_pulse_energy_pj(void);
/* What moving from h_from to mode `to` takes; 0, or SIM_EINVAL for a bad
   h_from or mode.  Already in the mode at its set point: 0 pulses. */
int syn_hnno_plan_switch(double h_from, syn_hnno_mode to, syn_hnno_plan *out /* OUT */);

/* A device at the set point of mode m, nothing spent yet. */
void syn_hnno_dev_init(syn_hnno_dev *d, syn_hnno_mode m);
/* Switch d to mode `to` (a no-op when already in it: a device is moved
   only to change its mode); adds the plan's pulses, energy and time;
   returns the energy of this switch (pJ), or a negative SIM_E code. */
double syn_hnno_dev_switch(syn_hnno_dev *d, syn_hnno_mode to);

#endif
