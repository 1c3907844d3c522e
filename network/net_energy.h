/*
 * net_energy.h: energy and latency per inference of one CNN layer, for four
 * implementations, from the layer's shape and the counts of a run:
 *   digital ANN      MACs x E_MAC + weight and activation memory accesses
 *   analog crossbar  weights tiled into arrays (signed weights as conductance
 *                    pairs), DACs on the inputs, array read V^2 G t per cell,
 *                    shared ADCs per column, kernel replication
 *   SNN, digital     synaptic operations x E_AC + neuron updates + spike
 *                    routing
 *   SNN, crossbar    each input spike reads one array row; neurons integrate
 *                    the column currents; no ADC
 * Every constant comes from an INI file in configs/energy/, each citing its
 * source.
 */
#ifndef NET_ENERGY_H
#define NET_ENERGY_H

#include <stdint.h>

/* What a layer is and what it did, per inference (means over images). */
typedef struct net_layer_stats {
  char name[32];        /* "conv1", "fc2" */
  int kind;             /* 0 conv2d, 1 linear, 2 avgpool (fixed weights) */
  uint64_t neurons;     /* output neurons (C_out x H_out x W_out) */
  uint64_t fan_in;      /* inputs per output neuron (C_in kh kw, or in features) */
  uint64_t rows;        /* weight matrix as a crossbar: rows = fan_in */
  uint64_t cols;        /* columns = output channels (conv) or features */
  uint64_t patches;     /* matrix-vector products per inference (H_out W_out, or 1) */
  uint64_t inputs;      /* input elements (C_in H_in W_in, or in features); sizes
                           the activation SRAM only (0: counted as none) */
  uint64_t weights;     /* distinct weights (rows x cols) */
  double macs;          /* ANN multiply-accumulates (neurons x fan_in) */
  double in_spikes;     /* SNN: spikes into this layer, per inference */
  double synops;        /* SNN: synaptic operations (in_spikes x fan-out) */
  double out_spikes;    /* SNN: spikes emitted */
  uint32_t steps;       /* SNN time steps per inference */
  int analog_input;     /* 1: first layer, fed the analog input (constant
                           current) instead of spikes */
} net_layer_stats;

enum net_impl { NET_IMPL_ANN_DIGITAL = 0, NET_IMPL_ANN_CROSSBAR, NET_IMPL_SNN_DIGITAL,
                NET_IMPL_SNN_CROSSBAR, NET_IMPL_COUNT };

/* Energy (pJ) by component and latency (ns) of one layer on one
   implementation. */
typedef struct net_energy {
  double compute_pj;    /* MACs, accumulates, array reads */
  double memory_pj;     /* weight and activation accesses (digital) */
  double convert_pj;    /* DAC and ADC */
  double neuron_pj;     /* neuron updates (SNN) */
  double routing_pj;    /* spike transport (SNN) */
  double total_pj;
  double latency_ns;
  uint64_t arrays;      /* crossbar arrays used (tiles x replication) */
} net_energy;

/* Constants, loaded from an INI file (see configs/energy/default.ini). */
typedef struct net_energy_param net_energy_param;

/* Load FILE; errors name file, line, key and the expectation
   (SIM_ECONFIG) or the file (SIM_EIO).  Caller owns; free with
   net_energy_param_destroy. */
int net_energy_load(const char *path, net_energy_param **out);
void net_energy_param_destroy(net_energy_param *p);

/* Energy of one layer on implementation impl (equations, units and
   assumptions: docs/energy.md).  An impl out of range gives all zeros. */
void net_energy_layer(const net_energy_param *p, const net_layer_stats *s, int impl,
                      net_energy *out);

/* Name of an implementation ("ann_digital", ...); "?" when out of range. */
const char *net_impl_name(int impl);

/* acc += e, component by component, latency and arrays included (layers
   run one after the other, so their latencies add).  Start from a zeroed
   acc for the totals of a network. */
void net_energy_add(net_energy *acc, const net_energy *e);

#endif
