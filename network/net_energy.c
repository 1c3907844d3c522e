/*
 * net_energy.c: energy and latency per inference of one CNN layer on four
 * implementations (net_energy.h): digital ANN, analog crossbar ANN, digital
 * SNN, crossbar SNN.  The equations are written once more, with every
 * constant's source, in docs/energy.md; the tests in tests/test_energy.c
 * recompute them by hand.
 *
 * The constants come in a net_energy_param filled by io/io_energy.c; this
 * file only computes with them.
 */
#include "net_energy.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"

/* ======================================================================
 * The model (docs/energy.md)
 * ====================================================================== */

enum { KIND_CONV = 0, KIND_LINEAR = 1, KIND_AVGPOOL = 2, KIND_MAXPOOL = 3 };
/* Max pooling costs as average pooling: fixed function, no weights, a
   comparison priced as an add (docs/energy.md). */
#define IS_POOL(s) ((s)->kind == KIND_AVGPOOL || (s)->kind == KIND_MAXPOOL)

static double ceil_div(double a, double b) { return ceil(a / b); }

/* Energy of one 64-bit word access (pJ) in the smallest memory of
   Horowitz's table that holds `bytes`; DRAM beyond 1 MB. */
static double word_pj(const net_energy_param *p, double bytes)
{
  if (bytes <= 8.0 * 1024)
    return p->digital_sram_8kB_pj;
  if (bytes <= 32.0 * 1024)
    return p->digital_sram_32kB_pj;
  if (bytes <= 1024.0 * 1024)
    return p->digital_sram_1MB_pj;
  return p->digital_dram_pj;
}

static double e_mac(const net_energy_param *p)
{
  return p->digital_precision == NET_PRECISION_INT8 ? p->digital_e_mac_int8_pj
                                                : p->digital_e_mac_fp32_pj;
}

static double e_ac(const net_energy_param *p)
{
  return p->digital_precision == NET_PRECISION_INT8 ? p->digital_e_ac_int8_pj
                                                : p->digital_e_ac_fp32_pj;
}

/* Digital datapath throughput: operations per ns. */
static double ops_per_ns(const net_energy_param *p)
{
  return p->digital_macs_per_cycle * p->digital_clock_GHz;
}

/* The layout of a weight matrix on crossbar arrays. */
typedef struct xbar_map {
  double row_tiles, col_tiles; /* arrays per copy of the matrix */
  double repl;                 /* copies: replication for conv, at most patches */
  double arrays;               /* row_tiles col_tiles repl */
  double phys_rows;            /* rows, or 2 rows with pairs on rows */
  double phys_cols;            /* 2 cols: a signed weight is a pair of columns
                                  (cols with pairs on rows) */
  double cycles;               /* input cycles per MVM: ceil(input_bits / dac_bits) */
  double e_cell_pj;            /* V^2 G_mean t_read of one cell */
} xbar_map;

static void xbar_layout(const net_energy_param *p, const net_layer_stats *s, xbar_map *m)
{
  double rows = (double)s->rows, cols = (double)s->cols, patches = (double)s->patches;
  int on_rows = p->crossbar_pair_subtraction == NET_PAIR_SUB_ROWS;
  m->phys_rows = on_rows ? 2 * rows : rows;
  m->phys_cols = on_rows ? cols : 2 * cols;
  m->row_tiles = ceil_div(m->phys_rows, p->crossbar_array_rows);
  m->col_tiles = ceil_div(m->phys_cols, p->crossbar_array_cols);
  m->repl = 1;
  if (s->kind == KIND_CONV)
    m->repl = patches < p->crossbar_replication ? (patches > 0 ? patches : 1)
                                                : p->crossbar_replication;
  m->arrays = m->row_tiles * m->col_tiles * m->repl;
  m->cycles = ceil_div(p->crossbar_input_bits, p->crossbar_dac_bits);
  double g_mean_uS = p->crossbar_g_off_uS +
                     p->crossbar_g_mean_state * (p->crossbar_g_on_uS - p->crossbar_g_off_uS);
  /* V^2 x uS x ns = 1e-15 J = 1e-3 pJ */
  m->e_cell_pj = p->crossbar_v_read * p->crossbar_v_read * g_mean_uS * p->crossbar_t_read_ns *
                 1e-3;
}

void net_energy_tiles(const net_energy_param *p, const net_layer_stats *s, net_xbar_tiles *out)
{
  memset(out, 0, sizeof *out);
  if (IS_POOL(s))
    return;
  xbar_map m;
  xbar_layout(p, s, &m);
  out->row_tiles = (uint64_t)m.row_tiles;
  out->col_tiles = (uint64_t)m.col_tiles;
  out->copies = (uint64_t)m.repl;
  out->arrays = (uint64_t)m.arrays;
  out->cells = s->rows * 2 * s->cols * out->copies;
}

static void ann_digital(const net_energy_param *p, const net_layer_stats *s, net_energy *e)
{
  double n = (double)s->neurons, macs = s->macs;
  double bw = p->digital_bits_weight, ba = p->digital_bits_activation;
  double e_w = word_pj(p, (double)s->weights * bw / 8);
  double e_a = word_pj(p, ((double)s->inputs + n) * ba / 8);
  if (IS_POOL(s)) {
    e->compute_pj = macs * e_ac(p);
    e->memory_pj = (macs + n) * ba / 64 * e_a;
  } else {
    double act_reads = (double)s->patches * (double)s->rows;
    e->compute_pj = macs * e_mac(p);
    e->memory_pj = macs * bw / 64 * e_w + (act_reads + n) * ba / 64 * e_a;
  }
  e->latency_ns = macs / ops_per_ns(p);
}

static void ann_crossbar(const net_energy_param *p, const net_layer_stats *s, net_energy *e)
{
  double n = (double)s->neurons, patches = (double)s->patches;
  double rows = (double)s->rows, cols = (double)s->cols;
  double bi = p->crossbar_input_bits;
  double e_a = word_pj(p, ((double)s->inputs + n) * bi / 8);
  if (IS_POOL(s)) { /* digital adders on the ADC outputs */
    e->compute_pj = s->macs * p->crossbar_e_add_pj;
    e->memory_pj = (s->macs + n) * bi / 64 * e_a;
    e->latency_ns = s->macs / ops_per_ns(p);
    return;
  }
  xbar_map m;
  xbar_layout(p, s, &m);
  /* Analog activation neurons (analog_out) take the pair's difference and
     the row tiles' sum as currents; analog inputs (analog_in) are one
     read at the neurons' voltages, no DAC, no bit-serial cycles.  With
     pairs on adjacent rows the column current is already the difference. */
  int on_rows = p->crossbar_pair_subtraction == NET_PAIR_SUB_ROWS;
  int analog_sub =
      p->crossbar_pair_subtraction == NET_PAIR_SUB_ANALOG || on_rows || s->analog_out;
  double cycles = s->analog_in ? 1 : m.cycles;
  /* Outputs converted per array row tile (ADC channels in use). */
  double outputs = analog_sub ? cols : m.phys_cols;
  double read = m.phys_rows * m.phys_cols * m.e_cell_pj * p->crossbar_row_activity;
  double dac = s->analog_in ? 0 : m.phys_rows * m.col_tiles * p->crossbar_e_dac_pj;
  double adc = s->analog_out ? 0 : m.row_tiles * outputs * p->crossbar_e_adc_pj;
  /* Digital adds per MVM: each converted output sums its row tiles and
     input cycles (shift-and-add), then the pair is subtracted. */
  double adds = s->analog_out ? 0
                              : outputs * (m.row_tiles * cycles - 1) + (analog_sub ? 0 : cols);
  e->compute_pj = patches * (cycles * read + adds * p->crossbar_e_add_pj);
  e->convert_pj = patches * cycles * (dac + adc);
  e->neuron_pj = s->analog_out ? patches * cols * s->e_act_pj : 0;
  /* Activation SRAM: the inputs each MVM reads and the outputs written;
     an analog value is never in SRAM (the neurons' voltages are held
     until read: that hold is not priced, docs/energy.md). */
  e->memory_pj = ((s->analog_in ? 0 : patches * rows) + (s->analog_out ? 0 : n)) * bi / 64 * e_a;
  e->arrays = (uint64_t)m.arrays;

  /* Latency: the fullest array converts its outputs through
     array outputs / columns_per_adc shared ADCs, one group after the other,
     each group a read plus a conversion; with a neuron on every column,
     the reads of an MVM and then one activation. */
  if (s->analog_out) {
    e->latency_ns = ceil_div(patches, m.repl) * (cycles * p->crossbar_t_read_ns + s->t_act_ns);
    return;
  }
  int half = analog_sub && !on_rows; /* a pair of columns gives one output */
  double per_array = half ? p->crossbar_array_cols / 2 : p->crossbar_array_cols;
  double adcs = ceil_div(per_array, p->crossbar_columns_per_adc);
  double used = half ? fmin(m.phys_cols, p->crossbar_array_cols) / 2
                     : fmin(m.phys_cols, p->crossbar_array_cols);
  double groups = ceil_div(used, adcs);
  double t_adc_ns = p->crossbar_adc_bits / p->digital_clock_GHz;
  e->latency_ns = ceil_div(patches, m.repl) * cycles * groups *
                  (p->crossbar_t_read_ns + t_adc_ns);
}

static void snn_digital(const net_energy_param *p, const net_layer_stats *s, net_energy *e)
{
  double n = (double)s->neurons, steps = s->steps, macs = s->macs;
  double bw = p->digital_bits_weight, ba = p->digital_bits_activation;
  double bs = p->snn_digital_bits_state;
  double e_w = word_pj(p, (double)s->weights * bw / 8);
  double e_a = word_pj(p, ((double)s->inputs + n) * ba / 8);
  double e_s = word_pj(p, n * bs / 8);
  int pool = IS_POOL(s);
  double ops = s->synops + n * steps;

  e->compute_pj = s->synops * e_ac(p);
  e->memory_pj = (pool ? 0 : s->synops * bw / 64 * e_w) +
                 s->synops * p->snn_digital_state_accesses_per_synop * bs / 64 * e_s +
                 2 * n * steps * bs / 64 * e_s;
  if (s->analog_input && !pool) {
    /* Constant-current input: one MVM per image, its currents stored and
       read back at every step. */
    double act_reads = (double)s->patches * (double)s->rows;
    e->compute_pj += macs * e_mac(p);
    e->memory_pj += macs * bw / 64 * e_w + act_reads * ba / 64 * e_a +
                    n * (1 + steps) * bs / 64 * e_s;
    ops += macs;
  }
  e->neuron_pj = n * steps * p->snn_digital_e_neuron_update_pj;
  e->routing_pj = s->out_spikes * p->snn_digital_e_spike_pj;
  e->latency_ns = steps * p->snn_digital_t_step_ns + ops / ops_per_ns(p);
}

static void snn_crossbar(const net_energy_param *p, const net_layer_stats *s, net_energy *e)
{
  double n = (double)s->neurons, steps = s->steps, patches = (double)s->patches;
  double rows = (double)s->rows, cols = (double)s->cols;
  e->neuron_pj = n * steps * p->snn_crossbar_e_integrate_pj;
  e->routing_pj = s->out_spikes * p->snn_crossbar_e_spike_pj;
  if (IS_POOL(s)) { /* a fixed charge per input spike */
    e->convert_pj = s->synops * p->snn_crossbar_e_row_drive_pj;
    e->latency_ns = steps * p->snn_crossbar_t_integrate_ns;
    return;
  }
  xbar_map m;
  xbar_layout(p, s, &m);
  /* One row drive per (input spike, patch that contains it): synops / cols;
     each drives 2 cols cells at the full read voltage. */
  double row_reads = cols > 0 ? s->synops / cols : 0;
  e->compute_pj = row_reads * (m.phys_rows / fmax(rows, 1)) * m.phys_cols * m.e_cell_pj;
  e->convert_pj = row_reads * (m.phys_rows / fmax(rows, 1)) * m.col_tiles *
                  p->snn_crossbar_e_row_drive_pj;
  e->arrays = (uint64_t)m.arrays;
  double cycles = 1;
  if (s->analog_input) {
    /* The ANN crossbar's DAC and array read, every step; no ADC. */
    double bi = p->crossbar_input_bits;
    double e_a = word_pj(p, ((double)s->inputs + n) * bi / 8);
    double read = m.phys_rows * m.phys_cols * m.e_cell_pj * p->crossbar_row_activity;
    double dac = m.phys_rows * m.col_tiles * p->crossbar_e_dac_pj;
    e->compute_pj += steps * patches * m.cycles * read;
    e->convert_pj += steps * patches * m.cycles * dac;
    e->memory_pj += steps * patches * rows * bi / 64 * e_a;
    cycles = m.cycles;
  }
  e->latency_ns = steps * (ceil_div(patches, m.repl) * cycles * p->crossbar_t_read_ns +
                           p->snn_crossbar_t_integrate_ns);
}

void net_energy_layer(const net_energy_param *p, const net_layer_stats *s, int impl,
                      net_energy *out)
{
  memset(out, 0, sizeof *out);
  switch (impl) {
  case NET_IMPL_ANN_DIGITAL:
    ann_digital(p, s, out);
    break;
  case NET_IMPL_ANN_CROSSBAR:
    ann_crossbar(p, s, out);
    break;
  case NET_IMPL_SNN_DIGITAL:
    snn_digital(p, s, out);
    break;
  case NET_IMPL_SNN_CROSSBAR:
    snn_crossbar(p, s, out);
    break;
  default:
    return;
  }
  out->total_pj = out->compute_pj + out->memory_pj + out->convert_pj + out->neuron_pj +
                  out->routing_pj;
}

/* ======================================================================
 * Packing blocks into arrays (net_energy.h: net_energy_pack)
 * ====================================================================== */

static const char *const pack_names[] = {"per-layer", "diagonal", "shared"};

int net_pack_find(const char *name)
{
  for (int i = 0; i < 3; i++)
    if (!strcmp(name, pack_names[i]))
      return i;
  return -1;
}

const char *net_pack_name(int mode) { return mode >= 0 && mode < 3 ? pack_names[mode] : "?"; }

/* Largest first; ties in a fixed order (the sort is then deterministic). */
static int block_cmp(const void *pa, const void *pb)
{
  const net_xbar_block *a = pa, *b = pb;
  uint64_t ca = a->rows * a->cols, cb = b->rows * b->cols;
  if (ca != cb)
    return ca > cb ? -1 : 1;
  if (a->rows != b->rows)
    return a->rows > b->rows ? -1 : 1;
  if (a->cols != b->cols)
    return a->cols > b->cols ? -1 : 1;
  if (a->layer != b->layer)
    return a->layer < b->layer ? -1 : 1;
  if (a->copy != b->copy)
    return a->copy < b->copy ? -1 : 1;
  if (a->row_tile != b->row_tile)
    return a->row_tile < b->row_tile ? -1 : 1;
  return a->col_tile < b->col_tile ? -1 : a->col_tile > b->col_tile;
}

static int overlap(uint64_t a0, uint64_t an, uint64_t b0, uint64_t bn)
{
  return a0 < b0 + bn && b0 < a0 + an;
}

/* ADC groups converted one after the other for a read of a block with
   `cols` physical columns (as ann_crossbar's latency for one tile). */
static double block_groups(const net_energy_param *p, uint64_t cols)
{
  int analog_sub = p->crossbar_pair_subtraction == NET_PAIR_SUB_ANALOG;
  double per_array = analog_sub ? p->crossbar_array_cols / 2 : p->crossbar_array_cols;
  double adcs = ceil_div(per_array, p->crossbar_columns_per_adc);
  double used = analog_sub ? (double)cols / 2 : (double)cols;
  return ceil_div(used, adcs);
}

#define NONE UINT32_MAX /* end of an array's list of blocks */

/* Where block b fits in an array whose blocks are pl[x] for x = first,
   next[x], ... (NONE ends it): 1 with *r0, *c0 set, else 0. */
static int fit_in(const net_energy_param *p, int mode, const net_xbar_block *pl,
                  const uint32_t *next, uint32_t first, const net_xbar_block *b, uint64_t *r0,
                  uint64_t *c0)
{
  const uint64_t R = (uint64_t)p->crossbar_array_rows, C = (uint64_t)p->crossbar_array_cols;
  if (mode == NET_PACK_PER_LAYER) {
    *r0 = *c0 = 0;
    return first == NONE;
  }
  if (mode == NET_PACK_DIAGONAL) { /* the next free row and column */
    uint64_t ur = 0, uc = 0;
    for (uint32_t x = first; x != NONE; x = next[x]) {
      ur = ur > pl[x].row0 + pl[x].rows ? ur : pl[x].row0 + pl[x].rows;
      uc = uc > pl[x].col0 + pl[x].cols ? uc : pl[x].col0 + pl[x].cols;
    }
    if (ur + b->rows > R || uc + b->cols > C)
      return 0;
    *r0 = ur, *c0 = uc;
    return 1;
  }
  /* SHARED: candidate corners (0 and the far edges of the blocks there),
     lowest column first, then lowest row. */
  int found = 0;
  for (uint32_t ic = first, endc = 0; !endc; ic = ic == NONE ? NONE : next[ic]) {
    endc = ic == NONE;
    uint64_t c = endc ? 0 : pl[ic].col0 + pl[ic].cols;
    if (c + b->cols > C || (found && c > *c0))
      continue;
    for (uint32_t ir = first, endr = 0; !endr; ir = ir == NONE ? NONE : next[ir]) {
      endr = ir == NONE;
      uint64_t r = endr ? 0 : pl[ir].row0 + pl[ir].rows;
      if (r + b->rows > R || (found && c == *c0 && r >= *r0))
        continue;
      int free_ = 1;
      for (uint32_t x = first; x != NONE && free_; x = next[x])
        free_ = !overlap(r, b->rows, pl[x].row0, pl[x].rows) ||
                !overlap(c, b->cols, pl[x].col0, pl[x].cols);
      if (free_)
        found = 1, *r0 = r, *c0 = c;
    }
  }
  return found;
}

/* Latencies and the row-sharing energy of a finished packing. */
static void pack_timing(const net_energy_param *p, const net_layer_stats *s, uint32_t n,
                        net_xbar_pack *pk)
{
  const double t_adc_ns = p->crossbar_adc_bits / p->digital_clock_GHz;
  double *groups = sim_calloc(pk->narrays ? pk->narrays : 1, sizeof *groups, "pack timing");
  uint32_t *reads = sim_calloc(pk->narrays ? pk->narrays : 1, sizeof *reads, "pack timing");
  for (uint32_t q = 0; q < n; q++) {
    net_energy e[2];
    net_energy_layer(p, &s[q], NET_IMPL_ANN_CROSSBAR, &e[0]);
    net_energy_layer(p, &s[q], NET_IMPL_SNN_CROSSBAR, &e[1]);
    if (IS_POOL(&s[q])) {
      pk->ann_latency_ns += e[0].latency_ns;
      pk->snn_latency_ns += e[1].latency_ns;
      continue;
    }
    xbar_map m;
    xbar_layout(p, &s[q], &m);
    memset(groups, 0, pk->narrays * sizeof *groups);
    memset(reads, 0, pk->narrays * sizeof *reads);
    double gmax = 0, rmax = 0;
    for (uint32_t i = 0; i < pk->nblocks; i++) {
      const net_xbar_block *b = &pk->blocks[i];
      if (b->layer != q)
        continue;
      groups[b->array] += block_groups(p, b->cols);
      reads[b->array]++;
      gmax = fmax(gmax, groups[b->array]);
      rmax = fmax(rmax, reads[b->array]);
      /* Cells of other blocks on the rows this read drives, every input
         cycle of each of this copy's patches (P / copies of them). */
      double cells = 0;
      for (uint32_t j = 0; j < pk->nblocks; j++) {
        const net_xbar_block *o = &pk->blocks[j];
        if (j == i || o->array != b->array || !overlap(b->row0, b->rows, o->row0, o->rows))
          continue;
        uint64_t lo = b->row0 > o->row0 ? b->row0 : o->row0;
        uint64_t hi = b->row0 + b->rows < o->row0 + o->rows ? b->row0 + b->rows
                                                            : o->row0 + o->rows;
        cells += (double)(hi - lo) * (double)o->cols;
      }
      pk->share_pj += (double)s[q].patches / m.repl * m.cycles * cells * m.e_cell_pj *
                      p->crossbar_row_activity;
    }
    const double rounds = ceil_div((double)s[q].patches, m.repl);
    pk->ann_latency_ns += rounds * m.cycles * gmax * (p->crossbar_t_read_ns + t_adc_ns);
    const double cyc = s[q].analog_input ? m.cycles : 1;
    pk->snn_latency_ns += s[q].steps * (rounds * cyc * rmax * p->crossbar_t_read_ns +
                                        p->snn_crossbar_t_integrate_ns);
  }
  sim_free(groups);
  sim_free(reads);
}

int net_energy_pack(const net_energy_param *p, const net_layer_stats *s, uint32_t n, int mode,
                    net_xbar_pack *out)
{
  memset(out, 0, sizeof *out);
  if (mode < NET_PACK_PER_LAYER || mode > NET_PACK_SHARED)
    return sim_error_set(SIM_EINVAL, "packing mode %d: expected per-layer, diagonal or shared",
                         mode);
  out->mode = mode;
  const uint64_t R = (uint64_t)p->crossbar_array_rows, C = (uint64_t)p->crossbar_array_cols;
  uint64_t nb = 0;
  for (uint32_t q = 0; q < n; q++) {
    net_xbar_tiles t;
    net_energy_tiles(p, &s[q], &t);
    nb += t.row_tiles * t.col_tiles * t.copies;
  }
  net_xbar_block *bl = sim_calloc(nb ? nb : 1, sizeof *bl, "crossbar blocks");
  uint32_t k = 0;
  for (uint32_t q = 0; q < n; q++) {
    net_xbar_tiles t;
    net_energy_tiles(p, &s[q], &t);
    const uint64_t rows = s[q].rows, cols = 2 * s[q].cols;
    for (uint32_t c = 0; c < t.copies; c++)
      for (uint32_t i = 0; i < t.row_tiles; i++)
        for (uint32_t j = 0; j < t.col_tiles; j++, k++) {
          bl[k] = (net_xbar_block){.layer = q, .copy = c, .row_tile = i, .col_tile = j};
          bl[k].rows = rows - i * R < R ? rows - i * R : R;
          bl[k].cols = cols - j * C < C ? cols - j * C : C;
        }
  }
  qsort(bl, nb, sizeof *bl, block_cmp);
  net_xbar_block *pl = sim_calloc(nb ? nb : 1, sizeof *pl, "crossbar blocks");
  /* Per array: its blocks as a list (head, next), their cells (used). */
  uint32_t *head = sim_malloc((nb ? nb : 1) * sizeof *head, "crossbar arrays");
  uint32_t *next = sim_malloc((nb ? nb : 1) * sizeof *next, "crossbar arrays");
  uint64_t *used = sim_calloc(nb ? nb : 1, sizeof *used, "crossbar arrays");
  /* Per layer: the ADC groups its busiest array reads one after the other. */
  double *busiest = sim_calloc(n ? n : 1, sizeof *busiest, "crossbar arrays");
  uint32_t na = 0;
  for (uint32_t i = 0; i < nb; i++) {
    net_xbar_block *b = &bl[i];
    uint64_t r0 = 0, c0 = 0;
    int placed = 0;
    for (int pass = 0; pass < 2 && !placed; pass++)
      for (uint32_t a = 0; a < na && !placed; a++) {
        if (used[a] + b->rows * b->cols > R * C)
          continue;
        double load = 0; /* this layer's groups already there */
        int same = 0;
        for (uint32_t x = head[a]; x != NONE; x = next[x])
          if (pl[x].layer == b->layer)
            same = 1, load += block_groups(p, pl[x].cols);
        /* Beside its own layer only when that does not make the layer
           wait longer than in its busiest array so far. */
        if (same == pass &&
            (!same || load + block_groups(p, b->cols) <= busiest[b->layer]) &&
            fit_in(p, mode, pl, next, head[a], b, &r0, &c0))
          placed = 1, b->array = a;
      }
    if (!placed)
      head[na] = NONE, b->array = na++, r0 = c0 = 0;
    b->row0 = r0, b->col0 = c0;
    pl[i] = *b;
    next[i] = head[b->array]; /* pushed in front: the order of a list is immaterial */
    head[b->array] = i;
    used[b->array] += b->rows * b->cols;
    double load = 0;
    for (uint32_t x = head[b->array]; x != NONE; x = next[x])
      load += pl[x].layer == b->layer ? block_groups(p, pl[x].cols) : 0;
    busiest[b->layer] = fmax(busiest[b->layer], load);
  }
  sim_free(busiest);
  sim_free(head);
  sim_free(next);
  sim_free(used);
  sim_free(bl);
  out->blocks = pl;
  out->nblocks = (uint32_t)nb;
  out->narrays = na;
  pack_timing(p, s, n, out);
  return 0;
}

void net_xbar_pack_fini(net_xbar_pack *pk)
{
  sim_free(pk->blocks);
  memset(pk, 0, sizeof *pk);
}

const char *net_impl_name(int impl)
{
  static const char *const names[NET_IMPL_COUNT] = {"ann_digital", "ann_crossbar",
                                                    "snn_digital", "snn_crossbar"};
  return impl >= 0 && impl < NET_IMPL_COUNT ? names[impl] : "?";
}

void net_energy_add(net_energy *acc, const net_energy *e)
{
  acc->compute_pj += e->compute_pj;
  acc->memory_pj += e->memory_pj;
  acc->convert_pj += e->convert_pj;
  acc->neuron_pj += e->neuron_pj;
  acc->routing_pj += e->routing_pj;
  acc->total_pj += e->total_pj;
  acc->latency_ns += e->latency_ns;
  acc->arrays += e->arrays;
}
