/*
 * test_energy.c: the energy model (network/net_energy.c) and the reader of
 * its constants (io/io_energy.c).  For one conv and one linear layer with
 * given counts, the energy by component and the latency of each of the
 * four implementations equal the equations of docs/energy.md worked out
 * here by hand from the constants (relative 1e-9); crossbar tiling counts;
 * packing tiles into shared arrays (counts, disjointness, timing, energy);
 * the config loader's messages (file:line:key); the shipped configs in
 * configs/energy (run from the repository root).
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/sim_error.h"
#include "../io/io_energy.h"
#include "../network/net_energy.h"
#include "test_suites.h"

int test_energy_register(void);

#define TOL 1e-9

/* ======================================================================
 * Constants of the test config (written to a temporary file)
 * ====================================================================== */

/* Chosen to differ from the shipped defaults where that exercises more
   (two clock GHz, 16-bit activations, 64 x 64 arrays, 2-bit DACs, two state
   accesses per synop), so the hand computations below cannot pass by
   accident with the shipped numbers. */
static const struct {
  double e_mac_fp32, e_mac_int8, e_ac_fp32, e_ac_int8, bits_w, bits_a;
  double sram8, sram32, sram1M, dram, macs_per_cycle, clock_GHz;
  double array_rows, array_cols, replication, v_read, t_read_ns, g_on, g_off;
  double g_mean_state, row_activity, input_bits, dac_bits, e_dac, adc_bits, e_adc;
  double columns_per_adc, e_add;
  double e_nu, bits_state, state_per_synop, e_spike_d, t_step_ns;
  double e_int, e_row, e_spike_x, t_int_ns;
} C = {
    .e_mac_fp32 = 4.6, .e_mac_int8 = 0.23, .e_ac_fp32 = 0.9, .e_ac_int8 = 0.03,
    .bits_w = 32, .bits_a = 16, .sram8 = 10, .sram32 = 20, .sram1M = 100, .dram = 1300,
    .macs_per_cycle = 64, .clock_GHz = 2,
    .array_rows = 64, .array_cols = 64, .replication = 3, .v_read = 0.5, .t_read_ns = 10,
    .g_on = 20, .g_off = 0.2, .g_mean_state = 0.25, .row_activity = 0.5, .input_bits = 8,
    .dac_bits = 2, .e_dac = 0.02, .adc_bits = 5, .e_adc = 0.165, .columns_per_adc = 8,
    .e_add = 0.1,
    .e_nu = 1.8, .bits_state = 32, .state_per_synop = 2, .e_spike_d = 10, .t_step_ns = 10,
    .e_int = 1, .e_row = 0.01, .e_spike_x = 5, .t_int_ns = 1,
};

static char tmpdir[64];

static int suite_init(void)
{
  snprintf(tmpdir, sizeof tmpdir, "/tmp/memspike_energy_XXXXXX");
  return mkdtemp(tmpdir) ? 0 : -1;
}

static const char *const tmp_files[] = {"test", "int8", "analog", "unknown_key", "bad_number",
                                        "twice", "missing_key", "odd_cols", "bad_section",
                                        "orphan", "bad_enum", "syntax", "zero_count", NULL};

static int suite_clean(void)
{
  char path[128];
  for (int i = 0; tmp_files[i]; i++) {
    snprintf(path, sizeof path, "%s/%s.ini", tmpdir, tmp_files[i]);
    unlink(path);
  }
  return rmdir(tmpdir) ? -1 : 0;
}

/* Path of tmpdir/NAME.ini into buf. */
static const char *tmp_path(char *buf, size_t n, const char *name)
{
  snprintf(buf, n, "%s/%s.ini", tmpdir, name);
  return buf;
}

/* The test config, with the given precision and pair subtraction, then the
   text of extra (appended as given; may hold sections). */
static void write_config(const char *path, const char *precision, const char *pair_sub,
                         const char *extra)
{
  FILE *f = fopen(path, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fprintf(f,
          "# test constants\n"
          "[digital]\n"
          "precision = %s\n"
          "e_mac_fp32_pj = %.17g\ne_mac_int8_pj = %.17g\n"
          "e_ac_fp32_pj = %.17g\ne_ac_int8_pj = %.17g\n"
          "bits_weight = %.17g\nbits_activation = %.17g\n"
          "sram_8kB_pj = %.17g\nsram_32kB_pj = %.17g\nsram_1MB_pj = %.17g\n"
          "dram_pj = %.17g\nmacs_per_cycle = %.17g\nclock_GHz = %.17g ; inline comment\n"
          "\n[crossbar]\n"
          "array_rows = %.17g\narray_cols = %.17g\nreplication = %.17g\n"
          "v_read = %.17g\nt_read_ns = %.17g\ng_on_uS = %.17g\ng_off_uS = %.17g\n"
          "g_mean_state = %.17g\nrow_activity = %.17g\ninput_bits = %.17g\n"
          "dac_bits = %.17g\ne_dac_pj = %.17g\nadc_bits = %.17g\ne_adc_pj = %.17g\n"
          "columns_per_adc = %.17g\npair_subtraction = %s\ne_add_pj = %.17g\n"
          "\n[snn_digital]\n"
          "e_neuron_update_pj = %.17g\nbits_state = %.17g\n"
          "state_accesses_per_synop = %.17g\ne_spike_pj = %.17g\nt_step_ns = %.17g\n"
          "\n[snn_crossbar]\n"
          "e_integrate_pj = %.17g\ne_row_drive_pj = %.17g\ne_spike_pj = %.17g\n"
          "t_integrate_ns = %.17g\n%s",
          precision, C.e_mac_fp32, C.e_mac_int8, C.e_ac_fp32, C.e_ac_int8, C.bits_w, C.bits_a,
          C.sram8, C.sram32, C.sram1M, C.dram, C.macs_per_cycle, C.clock_GHz, C.array_rows,
          C.array_cols, C.replication, C.v_read, C.t_read_ns, C.g_on, C.g_off,
          C.g_mean_state, C.row_activity, C.input_bits, C.dac_bits, C.e_dac, C.adc_bits,
          C.e_adc, C.columns_per_adc, pair_sub, C.e_add, C.e_nu, C.bits_state,
          C.state_per_synop, C.e_spike_d, C.t_step_ns, C.e_int, C.e_row, C.e_spike_x,
          C.t_int_ns, extra ? extra : "");
  fclose(f);
}

/* Load tmpdir/NAME.ini written with write_config; NULL on failure. */
static net_energy_param *load_test(const char *name, const char *precision,
                                   const char *pair_sub)
{
  char path[128];
  tmp_path(path, sizeof path, name);
  write_config(path, precision, pair_sub, NULL);
  net_energy_param *p = NULL;
  int rc = io_energy_load(path, &p);
  CU_ASSERT_EQUAL(rc, 0);
  if (rc)
    fprintf(stderr, "\n    %s\n", sim_error_msg());
  return p;
}

static int rel_close(double x, double ref)
{
  int ok = fabs(x - ref) <= TOL * fabs(ref) || (ref == 0 && x == 0);
  if (!ok)
    fprintf(stderr, "\n    got %.17g, expected %.17g\n", x, ref);
  return ok;
}

/* Compare every component and the latency; total = sum of components. */
static void check(const net_energy *e, double compute, double memory, double convert,
                  double neuron, double routing, double latency, uint64_t arrays)
{
  CU_ASSERT(rel_close(e->compute_pj, compute));
  CU_ASSERT(rel_close(e->memory_pj, memory));
  CU_ASSERT(rel_close(e->convert_pj, convert));
  CU_ASSERT(rel_close(e->neuron_pj, neuron));
  CU_ASSERT(rel_close(e->routing_pj, routing));
  CU_ASSERT(rel_close(e->total_pj, compute + memory + convert + neuron + routing));
  CU_ASSERT(rel_close(e->latency_ns, latency));
  CU_ASSERT_EQUAL(e->arrays, arrays);
}

/* ======================================================================
 * The layers
 * ====================================================================== */

/* conv 8 -> 16, 3x3, pad 1, on 10x10: 100 patches of a 72 x 16 matrix.
   SNN counts as a run would give them (per inference, T = 20). */
static net_layer_stats conv_layer(void)
{
  net_layer_stats s;
  memset(&s, 0, sizeof s);
  snprintf(s.name, sizeof s.name, "conv1");
  s.kind = 0;
  s.neurons = 16 * 10 * 10; /* 1600 */
  s.fan_in = 8 * 3 * 3;     /* 72 */
  s.rows = 72;
  s.cols = 16;
  s.patches = 100;
  s.inputs = 8 * 10 * 10; /* 800 */
  s.weights = 72 * 16;    /* 1152 */
  s.macs = 1600.0 * 72;   /* 115200 */
  s.in_spikes = 1000;
  s.synops = 100000; /* 6250 row drives of 16 columns */
  s.out_spikes = 2000;
  s.steps = 20;
  return s;
}

/* linear 400 -> 10. */
static net_layer_stats linear_layer(void)
{
  net_layer_stats s;
  memset(&s, 0, sizeof s);
  snprintf(s.name, sizeof s.name, "fc");
  s.kind = 1;
  s.neurons = 10;
  s.fan_in = 400;
  s.rows = 400;
  s.cols = 10;
  s.patches = 1;
  s.inputs = 400;
  s.weights = 4000;
  s.macs = 4000;
  s.in_spikes = 3000;
  s.synops = 30000; /* 3000 spikes x 10 targets */
  s.out_spikes = 50;
  s.steps = 20;
  return s;
}

/* ======================================================================
 * Hand computations (docs/energy.md), conv layer
 * ====================================================================== */

/* Memory tiers for the conv layer, by hand:
     weights 1152 x 32 bit = 4608 B     -> 8 KB SRAM, 10 pJ
     activations (800 + 1600) x 16 bit = 4800 B -> 8 KB SRAM, 10 pJ
     ... at the crossbar's 8-bit inputs 2400 B -> 10 pJ
     membrane state 1600 x 32 bit = 6400 B -> 8 KB SRAM, 10 pJ */
static void test_conv_ann_digital(void)
{
  net_energy_param *p = load_test("test", "fp32", "digital");
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  net_layer_stats s = conv_layer();
  net_energy e;
  net_energy_layer(p, &s, NET_IMPL_ANN_DIGITAL, &e);
  double compute = 115200 * 4.6;
  /* one weight word (32/64) per MAC; 100 patches x 72 inputs read, 1600 written */
  double memory = 115200 * (32.0 / 64) * 10 + (100 * 72 + 1600) * (16.0 / 64) * 10;
  double latency = 115200 / (64 * 2.0); /* ns */
  check(&e, compute, memory, 0, 0, 0, latency, 0);
  io_energy_destroy(p);

  /* int8 datapath: E_MAC 0.23 pJ; the bits stay as configured. */
  p = load_test("int8", "int8", "digital");
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  net_energy_layer(p, &s, NET_IMPL_ANN_DIGITAL, &e);
  check(&e, 115200 * 0.23, memory, 0, 0, 0, latency, 0);
  io_energy_destroy(p);
}

static void test_conv_ann_crossbar(void)
{
  net_energy_param *p = load_test("test", "fp32", "digital");
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  net_layer_stats s = conv_layer();
  net_energy e;
  net_energy_layer(p, &s, NET_IMPL_ANN_CROSSBAR, &e);
  /* Tiling: 72 rows on 64-row arrays -> 2 row tiles; 2 x 16 = 32 columns
     -> 1 column tile; 3 copies (100 patches >= 3): 6 arrays. */
  uint64_t arrays = 2 * 1 * 3;
  /* 8 input bits through 2-bit DACs: 4 cycles per MVM. */
  double cycles = 4;
  /* G_mean = 0.2 + 0.25 (20 - 0.2) = 5.15 uS; V^2 G t = 0.25 x 5.15e-6 x 10e-9 J */
  double e_cell = 0.25 * 5.15e-6 * 10e-9 * 1e12; /* pJ */
  double read = 72 * 32 * e_cell * 0.5;          /* per cycle, row activity 0.5 */
  double dac = 72 * 1 * 0.02;                    /* rows x column tiles */
  double adc = 2 * 32 * 0.165;                   /* row tiles x converted columns */
  double adds = 32 * (2 * 4 - 1) + 16;           /* tiles x bits per column, then pairs */
  double compute = 100 * (cycles * read + adds * 0.1);
  double convert = 100 * cycles * (dac + adc);
  double memory = (100 * 72 + 1600) * (8.0 / 64) * 10;
  /* 64 columns / 8 per ADC = 8 ADCs; 32 columns in use: 4 groups, each a
     10 ns read + a 5-bit SAR conversion at 2 GHz (2.5 ns); ceil(100 / 3) =
     34 rounds of 4 cycles. */
  double latency = 34 * 4 * 4 * (10 + 2.5);
  check(&e, compute, memory, convert, 0, 0, latency, arrays);
  io_energy_destroy(p);

  /* Analog pair subtraction: one conversion per pair. */
  p = load_test("analog", "fp32", "analog");
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  net_energy_layer(p, &s, NET_IMPL_ANN_CROSSBAR, &e);
  adc = 2 * 16 * 0.165;
  adds = 16 * (2 * 4 - 1);
  compute = 100 * (cycles * read + adds * 0.1);
  convert = 100 * cycles * (dac + adc);
  /* 32 outputs per array / 8 = 4 ADCs; 16 outputs in use: 4 groups. */
  check(&e, compute, memory, convert, 0, 0, 34 * 4 * 4 * (10 + 2.5), arrays);
  io_energy_destroy(p);
}

static void test_conv_snn_digital(void)
{
  net_energy_param *p = load_test("test", "fp32", "digital");
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  net_layer_stats s = conv_layer();
  net_energy e;
  net_energy_layer(p, &s, NET_IMPL_SNN_DIGITAL, &e);
  double compute = 100000 * 0.9;
  /* a weight word per synop, 2 state accesses per synop, and read + write
     of every potential at every step */
  double memory = 100000 * (32.0 / 64) * 10 + 100000 * 2 * (32.0 / 64) * 10 +
                  2 * 1600 * 20 * (32.0 / 64) * 10;
  double neuron = 1600 * 20 * 1.8;
  double routing = 2000 * 10;
  double latency = 20 * 10 + (100000 + 1600 * 20) / (64 * 2.0);
  check(&e, compute, memory, 0, neuron, routing, latency, 0);

  /* First layer, analog input: one MVM per image, currents stored once and
     read at every step (synops are whatever the run counted: here 0). */
  s.analog_input = 1;
  s.in_spikes = s.synops = 0;
  net_energy_layer(p, &s, NET_IMPL_SNN_DIGITAL, &e);
  compute = 115200 * 4.6;
  memory = 2 * 1600 * 20 * (32.0 / 64) * 10 + 115200 * (32.0 / 64) * 10 +
           100 * 72 * (16.0 / 64) * 10 + 1600 * (1 + 20) * (32.0 / 64) * 10;
  latency = 20 * 10 + (1600 * 20 + 115200) / (64 * 2.0);
  check(&e, compute, memory, 0, neuron, routing, latency, 0);
  io_energy_destroy(p);
}

static void test_conv_snn_crossbar(void)
{
  net_energy_param *p = load_test("test", "fp32", "digital");
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  net_layer_stats s = conv_layer();
  net_energy e;
  net_energy_layer(p, &s, NET_IMPL_SNN_CROSSBAR, &e);
  double e_cell = 0.25 * 5.15e-6 * 10e-9 * 1e12;
  double row_drives = 100000.0 / 16;           /* synops / cols */
  double compute = row_drives * 32 * e_cell;   /* full read voltage, 2 x 16 cells */
  double convert = row_drives * 1 * 0.01;      /* one driver per column tile */
  double neuron = 1600 * 20 * 1.0;
  double routing = 2000 * 5;
  double latency = 20 * (34 * 10 + 1);         /* ceil(100 / 3) reads per step */
  check(&e, compute, 0, convert, neuron, routing, latency, 6);

  /* First layer, analog input: the ANN crossbar's DAC and read at every
     step (4 cycles), no ADC; inputs fetched at every step. */
  s.analog_input = 1;
  s.in_spikes = s.synops = 0;
  net_energy_layer(p, &s, NET_IMPL_SNN_CROSSBAR, &e);
  compute = 20 * 100 * 4 * (72 * 32 * e_cell * 0.5);
  convert = 20 * 100 * 4 * (72 * 1 * 0.02);
  double memory = 20 * 100 * 72 * (8.0 / 64) * 10;
  latency = 20 * (34 * 4 * 10 + 1);
  check(&e, compute, memory, convert, neuron, routing, latency, 6);
  io_energy_destroy(p);
}

/* ======================================================================
 * Linear layer
 * ====================================================================== */

/* Memory tiers for the linear layer:
     weights 4000 x 32 bit = 16000 B -> 32 KB SRAM, 20 pJ
     activations (400 + 10) x 16 bit = 820 B -> 10 pJ; at 8 bit 410 B -> 10 pJ
     state 10 x 32 bit = 40 B -> 10 pJ */
static void test_linear(void)
{
  net_energy_param *p = load_test("test", "fp32", "digital");
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  net_layer_stats s = linear_layer();
  net_energy e;
  double e_cell = 0.25 * 5.15e-6 * 10e-9 * 1e12;

  net_energy_layer(p, &s, NET_IMPL_ANN_DIGITAL, &e);
  check(&e, 4000 * 4.6, 4000 * (32.0 / 64) * 20 + (400 + 10) * (16.0 / 64) * 10, 0, 0, 0,
        4000 / (64 * 2.0), 0);

  /* Crossbar: 400 rows -> 7 row tiles of 64; 20 columns -> 1 tile; no
     replication for a linear layer (one patch): 7 arrays. */
  net_energy_layer(p, &s, NET_IMPL_ANN_CROSSBAR, &e);
  double read = 400 * 20 * e_cell * 0.5;
  double dac = 400 * 1 * 0.02;
  double adc = 7 * 20 * 0.165;
  double adds = 20 * (7 * 4 - 1) + 10;
  /* 20 columns in use on 8 ADCs: 3 groups. */
  check(&e, 1 * (4 * read + adds * 0.1), (400 + 10) * (8.0 / 64) * 10, 1 * 4 * (dac + adc),
        0, 0, 1 * 4 * 3 * (10 + 2.5), 7);

  net_energy_layer(p, &s, NET_IMPL_SNN_DIGITAL, &e);
  check(&e, 30000 * 0.9,
        30000 * (32.0 / 64) * 20 + 30000 * 2 * (32.0 / 64) * 10 + 2 * 10 * 20 * (32.0 / 64) * 10,
        0, 10 * 20 * 1.8, 50 * 10, 20 * 10 + (30000 + 10 * 20) / (64 * 2.0), 0);

  net_energy_layer(p, &s, NET_IMPL_SNN_CROSSBAR, &e);
  double row_drives = 30000.0 / 10; /* = input spikes for a linear layer */
  check(&e, row_drives * 20 * e_cell, 0, row_drives * 1 * 0.01, 10 * 20 * 1.0, 50 * 5,
        20 * (1 * 10 + 1), 7);
  io_energy_destroy(p);
}

/* Average pooling (fixed weights): digital adders, no weights, no arrays. */
static void test_avgpool(void)
{
  net_energy_param *p = load_test("test", "fp32", "digital");
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  net_layer_stats s;
  memset(&s, 0, sizeof s);
  s.kind = 2; /* 16 x 10 x 10 -> 16 x 5 x 5, 2x2 */
  s.neurons = 400;
  s.fan_in = 4;
  s.inputs = 1600;
  s.patches = 25;
  s.macs = 1600;
  s.in_spikes = 3000;
  s.synops = 3000;
  s.out_spikes = 700;
  s.steps = 20;
  /* activations (1600 + 400) x 16 bit = 4000 B, at 8 bit 2000 B: 10 pJ;
     state 400 x 32 bit = 1600 B: 10 pJ */
  net_energy e;
  net_energy_layer(p, &s, NET_IMPL_ANN_DIGITAL, &e);
  check(&e, 1600 * 0.9, (1600 + 400) * (16.0 / 64) * 10, 0, 0, 0, 1600 / 128.0, 0);
  net_energy_layer(p, &s, NET_IMPL_ANN_CROSSBAR, &e);
  check(&e, 1600 * 0.1, (1600 + 400) * (8.0 / 64) * 10, 0, 0, 0, 1600 / 128.0, 0);
  net_energy_layer(p, &s, NET_IMPL_SNN_DIGITAL, &e);
  check(&e, 3000 * 0.9, 3000 * 2 * (32.0 / 64) * 10 + 2 * 400 * 20 * (32.0 / 64) * 10, 0,
        400 * 20 * 1.8, 700 * 10, 20 * 10 + (3000 + 400 * 20) / 128.0, 0);
  net_energy_layer(p, &s, NET_IMPL_SNN_CROSSBAR, &e);
  check(&e, 0, 0, 3000 * 0.01, 400 * 20 * 1.0, 700 * 5, 20 * 1.0, 0);
  io_energy_destroy(p);
}

/* ======================================================================
 * Tiling, memory tiers, names and sums
 * ====================================================================== */

static uint64_t arrays_of(const net_energy_param *p, int kind, uint64_t rows, uint64_t cols,
                          uint64_t patches)
{
  net_layer_stats s;
  memset(&s, 0, sizeof s);
  s.kind = kind;
  s.rows = rows;
  s.cols = cols;
  s.patches = patches;
  s.neurons = cols * patches;
  s.macs = (double)(rows * cols * patches);
  s.steps = 1;
  net_energy a, b;
  net_energy_layer(p, &s, NET_IMPL_ANN_CROSSBAR, &a);
  net_energy_layer(p, &s, NET_IMPL_SNN_CROSSBAR, &b);
  CU_ASSERT_EQUAL(a.arrays, b.arrays);
  /* net_energy_tiles describes the same layout */
  net_xbar_tiles t;
  net_energy_tiles(p, &s, &t);
  CU_ASSERT_EQUAL(t.arrays, a.arrays);
  CU_ASSERT_EQUAL(t.row_tiles * t.col_tiles * t.copies, t.arrays);
  CU_ASSERT_EQUAL(t.cells, rows * 2 * cols * t.copies);
  return a.arrays;
}

/* Write the test config into path with substitutions: subs holds pairs
   (from, to), NULL-ended; each `from` (first occurrence) must exist. */
static void write_variant(const char *path, const char *const *subs, const char *extra)
{
  write_config(path, "fp32", "digital", extra);
  FILE *in = fopen(path, "r");
  CU_ASSERT_PTR_NOT_NULL_FATAL(in);
  static char text[8192], out[8192];
  size_t n = fread(text, 1, sizeof text - 1, in);
  fclose(in);
  text[n] = '\0';
  for (int i = 0; subs && subs[i]; i += 2) {
    char *at = strstr(text, subs[i]);
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    snprintf(out, sizeof out, "%.*s%s%s", (int)(at - text), text, subs[i + 1],
             at + strlen(subs[i]));
    memcpy(text, out, strlen(out) + 1);
  }
  FILE *f = fopen(path, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs(text, f);
  fclose(f);
}

static void test_tiling(void)
{
  char path[128];
  tmp_path(path, sizeof path, "test");
  write_variant(path,
                (const char *const[]){"array_rows = 64", "array_rows = 128", "array_cols = 64",
                                      "array_cols = 128", NULL},
                NULL);
  net_energy_param *p = NULL;
  CU_ASSERT_EQUAL_FATAL(io_energy_load(path, &p), 0);

  /* 300 x 70 on 128 x 128 with pairs: ceil(300/128) x ceil(140/128) = 3 x 2
     = 6 arrays per copy; replication 3 for a conv layer with >= 3 patches. */
  CU_ASSERT_EQUAL(arrays_of(p, 0, 300, 70, 49), 3 * 2 * 3);
  CU_ASSERT_EQUAL(arrays_of(p, 1, 300, 70, 1), 3 * 2);      /* linear: one copy */
  CU_ASSERT_EQUAL(arrays_of(p, 0, 300, 70, 2), 3 * 2 * 2);  /* copies <= patches */
  CU_ASSERT_EQUAL(arrays_of(p, 0, 128, 64, 10), 1 * 1 * 3); /* exact fit */
  CU_ASSERT_EQUAL(arrays_of(p, 0, 129, 65, 10), 2 * 2 * 3); /* one over each way */

  /* Yao et al. 2020's 128 x 16 arrays (8 pairs each): a 192 x 10 linear
     layer is ceil(192/128) x ceil(20/16) = 2 x 2 tiles, 3,840 cells; a
     pool has no tiles. */
  p->crossbar_array_cols = 16;
  net_layer_stats s;
  memset(&s, 0, sizeof s);
  s.kind = 1, s.rows = 192, s.cols = 10, s.patches = 1, s.neurons = 10;
  net_xbar_tiles t;
  net_energy_tiles(p, &s, &t);
  CU_ASSERT(t.row_tiles == 2 && t.col_tiles == 2 && t.copies == 1 && t.arrays == 4);
  CU_ASSERT_EQUAL(t.cells, 3840);
  s.kind = 2, s.rows = 4, s.cols = 12, s.patches = 16;
  net_energy_tiles(p, &s, &t);
  CU_ASSERT(t.row_tiles == 0 && t.col_tiles == 0 && t.copies == 0 && t.arrays == 0 &&
            t.cells == 0);
  io_energy_destroy(p);

  /* Memory tiers (Horowitz sizes): a linear layer whose 32-bit weights
     take exactly 8 KB, then one weight more (32 KB tier), then 1 MB + 1
     weight (DRAM): ANN digital memory is macs x 1/2 word x tier, plus
     activations (here 0 inputs, 1 output at 16 bit: 10 pJ / 4). */
  p = load_test("test", "fp32", "digital");
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  const struct {
    uint64_t weights;
    double tier;
  } tiers[] = {{2048, 10}, {2049, 20}, {8192, 20}, {8193, 100}, {262144, 100}, {262145, 1300}};
  for (size_t i = 0; i < sizeof tiers / sizeof tiers[0]; i++) {
    net_layer_stats ls;
    memset(&ls, 0, sizeof ls);
    ls.kind = 1;
    ls.rows = tiers[i].weights;
    ls.cols = 1;
    ls.patches = 1;
    ls.neurons = 1;
    ls.weights = tiers[i].weights;
    ls.macs = (double)tiers[i].weights;
    net_energy e;
    net_energy_layer(p, &ls, NET_IMPL_ANN_DIGITAL, &e);
    /* weights: a half word (32/64) per MAC at the tier; activations: rows
       read + 1 written, a quarter word (16/64) each, in the 8 KB tier (the
       buffer holds 0 inputs + 1 output, 2 bytes) */
    double ref = ls.macs * 0.5 * tiers[i].tier + (tiers[i].weights + 1) * 0.25 * 10;
    CU_ASSERT(rel_close(e.memory_pj, ref));
  }
  io_energy_destroy(p);
}

static void test_names_and_sums(void)
{
  CU_ASSERT_STRING_EQUAL(net_impl_name(NET_IMPL_ANN_DIGITAL), "ann_digital");
  CU_ASSERT_STRING_EQUAL(net_impl_name(NET_IMPL_ANN_CROSSBAR), "ann_crossbar");
  CU_ASSERT_STRING_EQUAL(net_impl_name(NET_IMPL_SNN_DIGITAL), "snn_digital");
  CU_ASSERT_STRING_EQUAL(net_impl_name(NET_IMPL_SNN_CROSSBAR), "snn_crossbar");
  CU_ASSERT_STRING_EQUAL(net_impl_name(NET_IMPL_COUNT), "?");
  CU_ASSERT_STRING_EQUAL(net_impl_name(-1), "?");

  net_energy_param *p = load_test("test", "fp32", "digital");
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  net_layer_stats a = conv_layer(), b = linear_layer();
  for (int impl = 0; impl < NET_IMPL_COUNT; impl++) {
    net_energy ea, eb, sum;
    memset(&sum, 0, sizeof sum);
    net_energy_layer(p, &a, impl, &ea);
    net_energy_layer(p, &b, impl, &eb);
    net_energy_add(&sum, &ea);
    net_energy_add(&sum, &eb);
    CU_ASSERT(rel_close(sum.compute_pj, ea.compute_pj + eb.compute_pj));
    CU_ASSERT(rel_close(sum.memory_pj, ea.memory_pj + eb.memory_pj));
    CU_ASSERT(rel_close(sum.total_pj, ea.total_pj + eb.total_pj));
    CU_ASSERT(rel_close(sum.latency_ns, ea.latency_ns + eb.latency_ns));
    CU_ASSERT_EQUAL(sum.arrays, ea.arrays + eb.arrays);
    CU_ASSERT(ea.total_pj > 0 && eb.total_pj > 0);
  }
  net_energy e;
  net_energy_layer(p, &a, NET_IMPL_COUNT, &e);
  CU_ASSERT_EQUAL(e.total_pj, 0);
  io_energy_destroy(p);
}

/* ======================================================================
 * Config errors and shipped configs
 * ====================================================================== */

/* Write the test config plus extra into tmpdir/NAME.ini; loading must fail
   with code and a message containing every string of want (NULL-ended;
   "@" in a string stands for the file's path). */
static void load_fails(const char *name, const char *extra, int code, const char *const *want)
{
  char path[128], w[256];
  tmp_path(path, sizeof path, name);
  write_config(path, "fp32", "digital", extra);
  net_energy_param *p = NULL;
  sim_error_clear();
  int rc = io_energy_load(path, &p);
  CU_ASSERT_EQUAL(rc, code);
  CU_ASSERT_PTR_NULL(p);
  for (int i = 0; want[i]; i++) {
    const char *at = strchr(want[i], '@');
    if (at)
      snprintf(w, sizeof w, "%.*s%s%s", (int)(at - want[i]), want[i], path, at + 1);
    else
      snprintf(w, sizeof w, "%s", want[i]);
    int ok = strstr(sim_error_msg(), w) != NULL;
    CU_ASSERT(ok);
    if (!ok)
      fprintf(stderr, "\n    message '%s' lacks '%s'\n", sim_error_msg(), w);
  }
}

/* Lines of the test config (write_config): 3 precision, 15 clock_GHz,
   17 [crossbar], 19 array_cols, 20 replication, 21 v_read, 25 g_mean_state,
   36 [snn_digital], 43 [snn_crossbar], 47 t_integrate_ns; `extra` starts
   at line 48. */
static void test_config_errors(void)
{
  load_fails("unknown_key", "[crossbar]\nt_raed_ns = 3\n", SIM_ECONFIG,
             (const char *const[]){"@:49:", "unknown key 't_raed_ns'", "[crossbar]",
                                   "t_read_ns", NULL});
  load_fails("twice", "[digital]\n\nclock_GHz = 3\n", SIM_ECONFIG,
             (const char *const[]){"@:50:", "key 'clock_GHz'", "set twice", "first at line 15",
                                   NULL});
  load_fails("bad_section", "[energy]\n", SIM_ECONFIG,
             (const char *const[]){"@:48:", "unknown section [energy]", "snn_crossbar", NULL});

  char path[128];
  net_energy_param *p = NULL;

  /* Missing file. */
  tmp_path(path, sizeof path, "no_such_file");
  sim_error_clear();
  CU_ASSERT_EQUAL(io_energy_load(path, &p), SIM_EIO);
  CU_ASSERT_PTR_NULL(p);
  CU_ASSERT(strstr(sim_error_msg(), path) != NULL);
  CU_ASSERT(strstr(sim_error_msg(), "cannot open") != NULL);

  /* Whole files with one line changed. */
  static const struct {
    const char *file, *from, *to; /* replace `from` (first occurrence) by `to` */
    const char *want[4];
  } cases[] = {
      {"missing_key", "e_adc_pj = ", "; e_adc_pj = ",
       {"[crossbar] key 'e_adc_pj'", "not set", NULL}},
      {"odd_cols", "array_cols = 64", "array_cols = 63",
       {":19:", "key 'array_cols'", "must be even", NULL}},
      {"bad_enum", "precision = fp32", "precision = fp16",
       {":3:", "key 'precision'", "fp32, int8", "'fp16'"}},
      {"syntax", "[snn_digital]", "[snn_digital", {":36:", "expected '[section]'", NULL}},
      {"bad_number", "t_integrate_ns = 1", "t_integrate_ns = 1.5x",
       {":47:", "[snn_crossbar] key 't_integrate_ns'", "expected a finite number", "'1.5x'"}},
      {"bad_number", "g_mean_state = 0.25", "g_mean_state = 1.5",
       {":25:", "key 'g_mean_state'", "in [0, 1]", NULL}},
      {"bad_number", "v_read = 0.5", "v_read =", {":21:", "key 'v_read'", "got ''", NULL}},
      {"bad_number", "t_read_ns = 10", "t_read_ns = 0",
       {":22:", "key 't_read_ns'", "number > 0", NULL}},
      {"bad_number", "e_dac_pj = 0.02", "e_dac_pj = -1",
       {":29:", "key 'e_dac_pj'", "number >= 0", NULL}},
      {"bad_number", "dram_pj = 1300", "dram_pj = inf", {":13:", "key 'dram_pj'", NULL}},
      {"orphan", "# test constants", "bits = 3", {":1:", "before any section", NULL}},
      {"zero_count", "replication = 3", "replication = 0",
       {":20:", "key 'replication'", "whole number >= 1", NULL}},
      {"zero_count", "replication = 3", "replication = 3.0",
       {":20:", "key 'replication'", "decimal digits", "'3.0'"}},
      {"zero_count", "g_off_uS = 0.2", "g_off_uS = 25",
       {":", "key 'g_off_uS'", "must be <= g_on_uS", NULL}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    tmp_path(path, sizeof path, cases[i].file);
    write_variant(path, (const char *const[]){cases[i].from, cases[i].to, NULL}, NULL);
    p = NULL;
    sim_error_clear();
    CU_ASSERT_EQUAL(io_energy_load(path, &p), SIM_ECONFIG);
    CU_ASSERT_PTR_NULL(p);
    CU_ASSERT(strstr(sim_error_msg(), path) != NULL);
    for (int j = 0; j < 4 && cases[i].want[j]; j++) {
      int ok = strstr(sim_error_msg(), cases[i].want[j]) != NULL;
      CU_ASSERT(ok);
      if (!ok)
        fprintf(stderr, "\n    %s: message '%s' lacks '%s'\n", cases[i].file, sim_error_msg(),
                cases[i].want[j]);
    }
  }

  /* What is accepted: comments, blank lines, a section opened twice. */
  tmp_path(path, sizeof path, "bad_enum");
  write_config(path, "fp32", "digital", "\n; comment\n[crossbar]\n# other comment\n");
  p = NULL;
  CU_ASSERT_EQUAL(io_energy_load(path, &p), 0);
  CU_ASSERT_PTR_NOT_NULL(p);
  io_energy_destroy(p);
}

static void test_shipped_configs(void)
{
  static const char *const files[] = {"configs/energy/default.ini", "configs/energy/int8.ini"};
  net_layer_stats s = conv_layer();
  double ann_digital[2];
  for (int i = 0; i < 2; i++) {
    net_energy_param *p = NULL;
    int rc = io_energy_load(files[i], &p);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc) {
      fprintf(stderr, "\n    %s\n", sim_error_msg());
      continue;
    }
    for (int impl = 0; impl < NET_IMPL_COUNT; impl++) {
      net_energy e;
      net_energy_layer(p, &s, impl, &e);
      CU_ASSERT(isfinite(e.total_pj) && e.total_pj > 0 && e.latency_ns > 0);
      if (impl == NET_IMPL_ANN_DIGITAL)
        ann_digital[i] = e.total_pj;
    }
    io_energy_destroy(p);
  }
  /* The int8 variant is the cheaper digital ANN (Horowitz: 0.23 vs 4.6 pJ
     per MAC, a quarter of the memory words). */
  CU_ASSERT(ann_digital[1] < ann_digital[0] / 4);
}

/* Yao et al. 2020's mCNN as layers (conv1 9 x 8 over 784 patches, a
   pool, conv2 72 x 12 over 144, fc1 192 x 10) for the packer. */
static uint32_t yao_layers(net_layer_stats *l)
{
  const struct {
    int kind;
    uint64_t rows, cols, patches;
  } d[] = {{0, 9, 8, 784}, {2, 4, 8, 144}, {0, 72, 12, 144}, {1, 192, 10, 1}};
  for (uint32_t i = 0; i < 4; i++) {
    memset(&l[i], 0, sizeof l[i]);
    snprintf(l[i].name, sizeof l[i].name, "L%u", i);
    l[i].kind = d[i].kind, l[i].rows = d[i].rows, l[i].cols = d[i].cols;
    l[i].patches = d[i].patches, l[i].neurons = d[i].cols * d[i].patches;
    l[i].macs = (double)(d[i].rows * d[i].cols * d[i].patches), l[i].steps = 4;
  }
  return 4;
}

/* No two blocks of one array share a cell (SHARED) or a row or a column
   (DIAGONAL); all inside the array; every block in an array < narrays. */
static void check_disjoint(const net_xbar_pack *pk, int rows_or_cols)
{
  for (uint32_t i = 0; i < pk->nblocks; i++) {
    const net_xbar_block *a = &pk->blocks[i];
    CU_ASSERT(a->array < pk->narrays && a->row0 + a->rows <= 128 && a->col0 + a->cols <= 16);
    for (uint32_t j = i + 1; j < pk->nblocks; j++) {
      const net_xbar_block *b = &pk->blocks[j];
      if (a->array != b->array)
        continue;
      int rows = a->row0 < b->row0 + b->rows && b->row0 < a->row0 + a->rows;
      int cols = a->col0 < b->col0 + b->cols && b->col0 < a->col0 + a->cols;
      CU_ASSERT(rows_or_cols ? !rows && !cols : !(rows && cols));
    }
  }
}

static void test_packing(void)
{
  net_energy_param *p = load_test("test", "fp32", "digital");
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  p->crossbar_array_rows = 128, p->crossbar_array_cols = 16, p->crossbar_replication = 3;
  net_layer_stats l[4];
  const uint32_t n = yao_layers(l);
  net_xbar_pack pl, dg, sh, again;
  CU_ASSERT_EQUAL_FATAL(net_energy_pack(p, l, n, NET_PACK_PER_LAYER, &pl), 0);
  CU_ASSERT_EQUAL_FATAL(net_energy_pack(p, l, n, NET_PACK_DIAGONAL, &dg), 0);
  CU_ASSERT_EQUAL_FATAL(net_energy_pack(p, l, n, NET_PACK_SHARED, &sh), 0);

  /* One block per array: the layout (and latency) net_energy_layer prices:
     3 (conv1) + 6 (conv2: 16 + 8 columns) + 4 (fc1: 2 x 2) = 13 blocks. */
  double ann = 0, snn = 0;
  uint64_t arrays = 0;
  for (uint32_t q = 0; q < n; q++) {
    net_energy e;
    net_energy_layer(p, &l[q], NET_IMPL_ANN_CROSSBAR, &e);
    ann += e.latency_ns, arrays += e.arrays;
    net_energy_layer(p, &l[q], NET_IMPL_SNN_CROSSBAR, &e);
    snn += e.latency_ns;
  }
  CU_ASSERT(pl.nblocks == 13 && pl.narrays == 13 && arrays == 13);
  CU_ASSERT(rel_close(pl.ann_latency_ns, ann) && rel_close(pl.snn_latency_ns, snn));
  CU_ASSERT_EQUAL(pl.share_pj, 0);

  /* Block-diagonal: every block is 16 columns wide, or 128 rows tall, or
     too tall for any other's spare rows (72 + 72, 72 + 64 > 128): no two
     share, 13 arrays, the per-layer timing. */
  check_disjoint(&dg, 1);
  CU_ASSERT(dg.narrays == 13 && rel_close(dg.ann_latency_ns, ann) && dg.share_pj == 0);

  /* Disjoint cells: fc1 128x16 alone; each conv2 72x16 with a conv1 9x16
     below it (3 arrays); fc1 64x16 alone; two of conv2's 72x8 side by
     side; the third beside fc1's 128x4 and 64x4 (fc1's 64x4 under its
     64x16 would make fc1 read 8 + 2 groups there, more than its busiest
     array's 8): 7 arrays (>= 5 by cells). */
  check_disjoint(&sh, 0);
  CU_ASSERT_EQUAL(sh.narrays, 7);
  uint64_t cells = 0;
  for (uint32_t i = 0; i < sh.nblocks; i++)
    cells += sh.blocks[i].rows * sh.blocks[i].cols;
  CU_ASSERT_EQUAL(cells, 3 * (9 * 16 + 72 * 24) + 192 * 20);
  CU_ASSERT(sh.narrays >= (cells + 2047) / 2048);
  /* Timing: no layer of the ANN waits longer than with one block per
     array (conv2's two 72x8 in one array read 4 + 4 ADC groups of 2 ADCs,
     as its 72x16 reads 8; fc1's 128x4 and 64x4 read 2 + 2).  The SNN has
     no ADC: two blocks of conv2 (and of fc1) in one array read one after
     the other, one 10 ns read more per round, 4 steps x (48 rounds + 1). */
  CU_ASSERT(rel_close(sh.ann_latency_ns, ann));
  CU_ASSERT(rel_close(sh.snn_latency_ns - snn, 4 * (48 * 10.0 + 1 * 10.0)));
  /* Shared rows: a conv2 72x8 read drives 72 x 8 cells of its neighbour
     (two such reads), or 72 x 4 + 64 x 4 of fc1's; fc1's 128x4 read drives
     72 x 8 of conv2's and 64 x 4 of fc1's 64x4, whose read drives 64 x 8
     and 64 x 4.  Per cell V^2 G t x row_activity = 0.25 x 5.15 uS x 10 ns
     x 1e-3 x 0.5 pJ, 4 input cycles, conv2 144 / 3 patches per copy, fc1
     one. */
  const double e_cell = 0.25 * (0.2 + 0.25 * 19.8) * 10 * 1e-3 * 0.5;
  const double share = 4 * e_cell * (48.0 * (2 * 72 * 8 + 72 * 4 + 64 * 4) +
                                     1.0 * (72 * 8 + 64 * 4 + 64 * 8 + 64 * 4));
  CU_ASSERT(rel_close(sh.share_pj, share));

  /* Deterministic. */
  CU_ASSERT_EQUAL_FATAL(net_energy_pack(p, l, n, NET_PACK_SHARED, &again), 0);
  CU_ASSERT(again.nblocks == sh.nblocks &&
            !memcmp(again.blocks, sh.blocks, sh.nblocks * sizeof *sh.blocks));
  net_xbar_pack_fini(&again);
  CU_ASSERT(net_energy_pack(p, l, n, 7, &again) < 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(sim_error_msg(), "per-layer, diagonal or shared"));
  net_xbar_pack_fini(&again);
  CU_ASSERT(net_pack_find("shared") == NET_PACK_SHARED && net_pack_find("x") < 0);
  CU_ASSERT_STRING_EQUAL(net_pack_name(NET_PACK_DIAGONAL), "diagonal");
  net_xbar_pack_fini(&pl);
  net_xbar_pack_fini(&dg);
  net_xbar_pack_fini(&sh);
  io_energy_destroy(p);
}

int test_energy_register(void)
{
  CU_pSuite s = CU_add_suite("energy", suite_init, suite_clean);
  if (!s)
    return -1;
  if (!CU_add_test(s, "conv: digital ANN by hand", test_conv_ann_digital) ||
      !CU_add_test(s, "conv: crossbar ANN by hand", test_conv_ann_crossbar) ||
      !CU_add_test(s, "conv: digital SNN by hand", test_conv_snn_digital) ||
      !CU_add_test(s, "conv: crossbar SNN by hand", test_conv_snn_crossbar) ||
      !CU_add_test(s, "linear: four implementations by hand", test_linear) ||
      !CU_add_test(s, "avgpool: fixed weights, digital adders", test_avgpool) ||
      !CU_add_test(s, "tiling, replication, memory tiers", test_tiling) ||
      !CU_add_test(s, "packing tiles into arrays (Yao's mCNN, 3 copies)", test_packing) ||
      !CU_add_test(s, "names and sums over layers", test_names_and_sums) ||
      !CU_add_test(s, "config errors name file:line:key", test_config_errors) ||
      !CU_add_test(s, "shipped configs load", test_shipped_configs))
    return -1;
  return 0;
}
