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
 * source; io/io_energy.h reads one into net_energy_param.  This module
 * only computes: it reads no file.
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
  /* ANN crossbar with analog activation neurons (network/net_act.h): */
  int analog_out;       /* 1: each output column feeds an activation
                           neuron instead of an ADC (its pair subtracted in
                           the analog domain) */
  int analog_in;        /* 1: the rows are driven by the previous layer's
                           analog neurons: no DACs, one read per MVM */
  double e_act_pj;      /* energy per activation (analog_out) */
  double t_act_ns;      /* latency of one activation (analog_out) */
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

/* ---------------------------------------------------------- constants */

/* Every constant of the model: section and key of the energy-constants
   file (configs/energy/NAME.ini, read by io/io_energy.c), and its domain.
   The field of net_energy_param is section_key (crossbar_t_read_ns).  All
   are required: a file must state, and cite, every figure the model uses.
   Domains (checked by the reader, relied on by the equations):
     POS        finite, > 0 (clock_GHz divides)
     NONNEG     finite, >= 0
     FRACTION   in [0, 1]
     COUNT      a whole number >= 1 (at most 9 decimal digits)
     PRECISION  NET_PRECISION_FP32 | NET_PRECISION_INT8 ("fp32" | "int8")
     PAIR_SUB   NET_PAIR_SUB_DIGITAL | NET_PAIR_SUB_ANALOG | NET_PAIR_SUB_ROWS
                ("digital" | "analog": where a conductance pair's columns are
                subtracted; "rows": the pair on two adjacent rows driven with
                opposite inputs, subtracted on the column itself, as NeuRRAM,
                Wan et al. 2022: 2 fan_in rows, one column per output) */
#define NET_ENERGY_KEYS(X)                      \
  X(digital, precision, PRECISION)              \
  X(digital, e_mac_fp32_pj, NONNEG)             \
  X(digital, e_mac_int8_pj, NONNEG)             \
  X(digital, e_ac_fp32_pj, NONNEG)              \
  X(digital, e_ac_int8_pj, NONNEG)              \
  X(digital, bits_weight, COUNT)                \
  X(digital, bits_activation, COUNT)            \
  X(digital, sram_8kB_pj, NONNEG)               \
  X(digital, sram_32kB_pj, NONNEG)              \
  X(digital, sram_1MB_pj, NONNEG)               \
  X(digital, dram_pj, NONNEG)                   \
  X(digital, macs_per_cycle, COUNT)             \
  X(digital, clock_GHz, POS)                    \
  X(crossbar, array_rows, COUNT)                \
  X(crossbar, array_cols, COUNT)                \
  X(crossbar, replication, COUNT)               \
  X(crossbar, v_read, NONNEG)                   \
  X(crossbar, t_read_ns, POS)                   \
  X(crossbar, g_on_uS, NONNEG)                  \
  X(crossbar, g_off_uS, NONNEG)                 \
  X(crossbar, g_mean_state, FRACTION)           \
  X(crossbar, row_activity, FRACTION)           \
  X(crossbar, input_bits, COUNT)                \
  X(crossbar, dac_bits, COUNT)                  \
  X(crossbar, e_dac_pj, NONNEG)                 \
  X(crossbar, adc_bits, COUNT)                  \
  X(crossbar, e_adc_pj, NONNEG)                 \
  X(crossbar, columns_per_adc, COUNT)           \
  X(crossbar, pair_subtraction, PAIR_SUB)       \
  X(crossbar, e_add_pj, NONNEG)                 \
  X(snn_digital, e_neuron_update_pj, NONNEG)    \
  X(snn_digital, bits_state, COUNT)             \
  X(snn_digital, state_accesses_per_synop, NONNEG) \
  X(snn_digital, e_spike_pj, NONNEG)            \
  X(snn_digital, t_step_ns, NONNEG)             \
  X(snn_crossbar, e_integrate_pj, NONNEG)       \
  X(snn_crossbar, e_row_drive_pj, NONNEG)       \
  X(snn_crossbar, e_spike_pj, NONNEG)           \
  X(snn_crossbar, t_integrate_ns, NONNEG)

/* Values of the enumerated constants. */
enum { NET_PRECISION_FP32 = 0, NET_PRECISION_INT8 = 1 };
enum { NET_PAIR_SUB_DIGITAL = 0, NET_PAIR_SUB_ANALOG = 1, NET_PAIR_SUB_ROWS = 2 };

/* The constants: a plain struct of doubles (enumerations as 0, 1, ...), so
   that one table of offsets serves a reader.  Units are in the names (pJ,
   ns, uS, V, GHz; bits and counts are whole numbers).  Besides each
   field's domain, a filled struct holds: crossbar_array_cols is even (a
   signed weight is a pair of columns) and crossbar_g_off_uS <=
   crossbar_g_on_uS. */
typedef struct net_energy_param {
#define NET_ENERGY_FIELD(sec, key, dom) double sec##_##key;
  NET_ENERGY_KEYS(NET_ENERGY_FIELD)
#undef NET_ENERGY_FIELD
} net_energy_param;

/* -------------------------------------------------------------- model */

/* Energy of one layer on implementation impl (equations, units and
   assumptions: docs/energy.md).  An impl out of range gives all zeros. */
void net_energy_layer(const net_energy_param *p, const net_layer_stats *s, int impl,
                      net_energy *out);

/* How one layer's weight matrix lies on the crossbar arrays of p
   (array_rows x array_cols cells each): rows = fan-in, two columns per
   signed weight, cut into row_tiles x col_tiles tiles of at most one array
   each, one layer per array, copies of it for conv layers (replication,
   at most one per patch).  The same layout net_energy_layer prices.
   Pools (fixed weights, no arrays): all zeros. */
typedef struct net_xbar_tiles {
  uint64_t row_tiles, col_tiles; /* tiles of one copy of the matrix */
  uint64_t copies;               /* kernel copies (1 for linear layers) */
  uint64_t arrays;               /* row_tiles x col_tiles x copies */
  uint64_t cells;                /* programmed cells: rows x 2 cols x copies */
} net_xbar_tiles;

void net_energy_tiles(const net_energy_param *p, const net_layer_stats *s,
                      net_xbar_tiles *out /* OUT */);

/* Packing the layers' tiles ("blocks") into arrays (docs/energy.md,
   "Packing layers into arrays").  A block is one tile of one copy of one
   layer: at most array_rows rows x array_cols physical columns (two per
   signed weight), cut as net_energy_tiles cuts.
     NET_PACK_PER_LAYER  every block in an array of its own (the layout
                         net_energy_layer prices; memspike's default)
     NET_PACK_DIAGONAL   blocks share an array when they occupy disjoint row
                         AND column ranges (block-diagonal): a read drives
                         only its block's rows and senses only its columns,
                         so no other block's cell sees a voltage
     NET_PACK_SHARED     blocks share an array when their cells are
                         disjoint: stacked blocks (same columns) are not
                         driven while another is read; blocks side by side
                         (same rows) are driven with it, their cells then
                         conduct into unsensed columns, and that energy is
                         counted (share_pj)
   Timing rule (all modes): an array performs one block's MVM at a time,
   so blocks of one layer that share an array are read one after the
   other; blocks of different layers never compete (layers run one after
   the other, as net_energy_layer's latencies add).  The packer is first
   fit decreasing (blocks by cells, then rows, columns, layer, copy, tile),
   deterministic; among the arrays already open it tries first those that
   hold no block of the same layer (keeping its copies parallel), then
   those that do, but only where that layer's ADC groups there would not
   outnumber those of its busiest array so far (its latency kept), then
   opens a new one.  Positions are tried lowest column first,
   then lowest row (stacking before side by side). */
enum net_pack_mode { NET_PACK_PER_LAYER = 0, NET_PACK_DIAGONAL = 1, NET_PACK_SHARED = 2 };

typedef struct net_xbar_block {
  uint32_t layer;             /* index into the layers packed */
  uint32_t copy;              /* kernel copy, 0 .. copies - 1 */
  uint32_t row_tile, col_tile; /* which tile of that copy's matrix */
  uint64_t rows, cols;        /* cells: rows x physical columns */
  uint32_t array;             /* array it sits in, 0 .. narrays - 1 */
  uint64_t row0, col0;        /* its first row and column in that array */
} net_xbar_block;

typedef struct net_xbar_pack {
  int mode;                   /* enum net_pack_mode */
  uint32_t nblocks, narrays;
  net_xbar_block *blocks;     /* owned (net_xbar_pack_fini), nblocks */
  double ann_latency_ns;      /* crossbar ANN, all layers, under the timing rule */
  double snn_latency_ns;      /* crossbar SNN, the same rule */
  double share_pj;            /* crossbar ANN, per inference: cells of other
                                 blocks on the rows a read drives (SHARED) */
} net_xbar_pack;

/* Pack the n layers s[] (pools included: no blocks) at p's geometry and
   replication.  Returns 0, or a negative code with sim_error_msg() set
   when the mode is unknown.  out: caller owns; free with
   net_xbar_pack_fini. */
int net_energy_pack(const net_energy_param *p, const net_layer_stats *s, uint32_t n, int mode,
                    net_xbar_pack *out /* OUT */);
void net_xbar_pack_fini(net_xbar_pack *pk);
/* "per-layer", "diagonal", "shared"; -1 / "?" when unknown. */
int net_pack_find(const char *name);
const char *net_pack_name(int mode);

/* Name of an implementation ("ann_digital", ...); "?" when out of range. */
const char *net_impl_name(int impl);

/* acc += e, component by component, latency and arrays included (layers
   run one after the other, so their latencies add).  Start from a zeroed
   acc for the totals of a network. */
void net_energy_add(net_energy *acc, const net_energy *e);

#endif
