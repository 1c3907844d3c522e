/*
 * convert_report.c: formats a conv_result as `memspike convert`'s text
 * report (in parts, printed as the steps finish) and as its JSON file.
 * Pure formatting: every figure is already in the struct.
 */
#include "convert_report.h"

#include <math.h>

#include "../io/io_json.h"

/* Spikes per neuron per image up to checkpoint k. */
static double spikes_per_neuron(const conv_result *r, uint32_t k)
{
  return r->ideal.stats.ck_spikes[k] / r->images / (double)r->neurons;
}

void conv_report_text(FILE *out, const conv_args *a, const conv_result *r)
{
  const conv_eval *e = &r->ideal;
  const uint32_t n = r->images, tmax = a->steps[a->nsteps - 1], T = r->energy_steps;
  fprintf(out, "memspike convert: %s on %u test images (%s)\n", a->model, n, a->data);
  if (a->coding == CNN_CODING_QCFS)
    fprintf(out, "  conversion (qcfs): batch-norm folded, thresholds = the trained QCFS clips, "
                 "membranes start at half threshold, output layer at the %.1f-th percentile "
                 "on %u calibration images, max pooling %s; %.2f s\n",
            a->percentile, r->calib, a->max_to_avg ? "as average" : "gated", r->convert_s);
  else if (a->coding == CNN_CODING_TTFS)
    fprintf(out, "  conversion (ttfs): batch-norm folded, %.1f-th percentile on %u calibration "
                 "images, time to first spike, one window of T steps per layer, max pooling "
                 "%s; %.2f s\n",
            a->percentile, r->calib, a->max_to_avg ? "as average" : "as earliest spike",
            r->convert_s);
  else
    fprintf(out, "  conversion: batch-norm folded, %.1f-th percentile on %u calibration images, "
                 "%s input, max pooling %s; %.2f s\n",
            a->percentile, r->calib, a->poisson ? "Poisson" : "constant-current",
            a->max_to_avg ? "as average" : "gated", r->convert_s);
  fprintf(out, "  ANN accuracy %.2f %%", 100 * e->ann_acc);
  if (r->recorded_ann_acc >= 0)
    fprintf(out, " (recorded at export: %.2f %%)", 100 * r->recorded_ann_acc);
  fprintf(out, "\n");
  fprintf(out, "  %6s %12s %16s %14s\n", "steps", "SNN acc %", "vs ANN (points)",
          "spikes/neuron");
  for (uint32_t k = 0; k < a->nsteps; k++)
    fprintf(out, "  %6u %12.2f %16.2f %14.4f\n", a->steps[k], 100 * e->snn_acc[k],
            100 * (e->snn_acc[k] - e->ann_acc), spikes_per_neuron(r, k));
  fprintf(out, "  SNN run: %.2f s for %u images, %.1f images/s (event-driven, %u steps each); "
               "ANN %.1f images/s\n",
          e->seconds, n, n / e->seconds, tmax, n / e->ann_seconds);

  if (r->measured)
    fprintf(out, "\n  per layer, per image (SNN counts measured at T=%u):\n", T);
  else
    fprintf(out, "\n  per layer, per image (SNN counts at T=%u, scaled from T=%u):\n", T, tmax);
  fprintf(out, "  %-8s %9s %12s %14s %14s %14s\n", "layer", "neurons", "ANN MACs",
          "SNN synops", "spikes in", "spikes out");
  for (uint32_t k = 0; k < r->nlayers; k++) {
    const net_layer_stats *l = &r->layers[k];
    fprintf(out, "  %-8s %9llu %12.0f %14.0f %14.0f %14.0f\n", l->name,
            (unsigned long long)l->neurons, l->macs, l->synops, l->in_spikes, l->out_spikes);
  }
  fprintf(out, "\n  energy per inference (%s, T=%u):\n", a->energy, T);
  fprintf(out, "  %-14s %12s %12s %12s %12s %12s %12s %12s %12s\n", "implementation",
          "total_nJ", "compute", "memory", "convert", "neuron", "routing", "latency_us",
          "EDP_nJ_us");
  for (int im = 0; im < NET_IMPL_COUNT; im++) {
    const net_energy *t = &r->total[im];
    fprintf(out, "  %-14s %12.4g %12.4g %12.4g %12.4g %12.4g %12.4g %12.4g %12.4g\n",
            net_impl_name(im), t->total_pj / 1e3, t->compute_pj / 1e3, t->memory_pj / 1e3,
            t->convert_pj / 1e3, t->neuron_pj / 1e3, t->routing_pj / 1e3, t->latency_ns / 1e3,
            t->total_pj / 1e3 * t->latency_ns / 1e3);
  }
  fprintf(out, "\n  every step count (totals, nJ per inference; crossover: spikes per synapse "
               "per inference below which the SNN beats the ANN on its substrate):\n");
  fprintf(out, "  %6s %9s %10s %10s %12s %12s %12s %12s %11s %11s\n", "steps", "SNN acc %",
          "spk/neuron", "spk/syn", "ann_digital", "ann_crossbar", "snn_digital", "snn_crossbar",
          "x digital", "x crossbar");
  for (uint32_t k = 0; k < a->nsteps && k < 16; k++) {
    char xo[2][32];
    for (int q = 0; q < 2; q++) {
      if (r->crossover_t[k][q] < 0)
        snprintf(xo[q], sizeof xo[q], "never");
      else
        snprintf(xo[q], sizeof xo[q], "%.4g", r->crossover_t[k][q]);
    }
    fprintf(out, "  %6u %9.2f %10.4f %10.4f %12.4g %12.4g %12.4g %12.4g %11s %11s\n",
            a->steps[k], 100 * e->snn_acc[k], spikes_per_neuron(r, k),
            r->macs > 0 ? r->synops_t[k] / r->macs : 0, r->total_t[k][0].total_pj / 1e3,
            r->total_t[k][1].total_pj / 1e3, r->total_t[k][2].total_pj / 1e3,
            r->total_t[k][3].total_pj / 1e3, xo[0], xo[1]);
  }
  if (a->nreplicate) {
    fprintf(out, "\n  conv kernel replication on the crossbars (T=%u; arrays %s):\n", T,
            a->pack == NET_PACK_PER_LAYER
                ? "one per tile"
                : a->pack == NET_PACK_DIAGONAL
                      ? "packed block-diagonally, one read per array at a time"
                      : "shared on disjoint cells, one read per array at a time, the cells "
                        "on driven shared rows in ann_xbar_nJ");
    fprintf(out, "  %4s %8s %14s %14s %14s %14s%s\n", "K", "arrays", "ann_xbar_nJ",
            "ann_xbar_us", "snn_xbar_nJ", "snn_xbar_us", a->arrays_budget ? "   fits" : "");
    for (uint32_t q = 0; q < a->nreplicate; q++)
      fprintf(out, "  %4u %8llu %14.4g %14.4g %14.4g %14.4g%s\n", a->replicate[q],
              (unsigned long long)r->rep[q][0].arrays, r->rep[q][0].total_pj / 1e3,
              r->rep[q][0].latency_ns / 1e3, r->rep[q][1].total_pj / 1e3,
              r->rep[q][1].latency_ns / 1e3,
              !a->arrays_budget ? ""
              : r->rep[q][0].arrays <= a->arrays_budget ? "    yes" : "     no");
  }
  conv_report_arrays(out, a, r);
}

/* Cells tile (i, j) of a layer holds: the matrix's rows x 2 cols cut into
   array_rows x array_cols pieces. */
static uint64_t tile_cells(const conv_result *r, uint32_t q, uint64_t i, uint64_t j)
{
  const net_layer_stats *l = &r->map_layers[q];
  uint64_t R = r->map_rows, C = r->map_cols, rows = l->rows, cols = 2 * l->cols;
  uint64_t h = rows - i * R < R ? rows - i * R : R, w = cols - j * C < C ? cols - j * C : C;
  return h * w;
}

/* Arrays the programmed cells fill at the least (layers packed together). */
static uint64_t min_arrays(const conv_result *r)
{
  const uint64_t cap = (uint64_t)r->map_rows * r->map_cols;
  return cap ? (r->map_cells + cap - 1) / cap : 0;
}

/* The packed arrays: per array, its utilization and the tiles it holds
   (layer#copy[row tile,col tile] rows x cols @row,col). */
static void report_pack(FILE *out, const conv_args *a, const conv_result *r)
{
  const net_xbar_pack *pk = &r->map_pack;
  const double cap = (double)r->map_rows * r->map_cols;
  fprintf(out, "\n  crossbar arrays of %ux%u cells (--pack %s, %u kernel cop%s per conv layer): "
               "%u arrays%s for %u tiles, %llu cells programmed, %.1f %% of their cells; the "
               "cells alone fill at least %llu\n",
          r->map_rows, r->map_cols, net_pack_name(a->pack), r->map_k, r->map_k == 1 ? "y" : "ies",
          pk->narrays, a->arrays_budget ? " (budget given)" : "", pk->nblocks,
          (unsigned long long)r->map_cells,
          pk->narrays ? 100.0 * (double)r->map_cells / (cap * pk->narrays) : 0.0,
          (unsigned long long)min_arrays(r));
  fprintf(out, "  %5s %6s  %s\n", "array", "used %", "tiles (layer#copy[row tile,col tile] rows x "
                                                   "cols @ first row,col)");
  for (uint32_t ar = 0; ar < pk->narrays; ar++) {
    uint64_t used = 0;
    for (uint32_t i = 0; i < pk->nblocks; i++)
      if (pk->blocks[i].array == ar)
        used += pk->blocks[i].rows * pk->blocks[i].cols;
    fprintf(out, "  %5u %6.1f ", ar, 100.0 * (double)used / cap);
    for (uint32_t i = 0; i < pk->nblocks; i++) {
      const net_xbar_block *b = &pk->blocks[i];
      if (b->array == ar)
        fprintf(out, " %s#%u[%u,%u] %llux%llu @%llu,%llu", r->map_layers[b->layer].name, b->copy,
                b->row_tile, b->col_tile, (unsigned long long)b->rows,
                (unsigned long long)b->cols, (unsigned long long)b->row0,
                (unsigned long long)b->col0);
    }
    fprintf(out, "\n");
  }
}

void conv_report_arrays(FILE *out, const conv_args *a, const conv_result *r)
{
  if (a->pack != NET_PACK_PER_LAYER) {
    report_pack(out, a, r);
    return;
  }
  const double cap = (double)r->map_rows * r->map_cols;
  char budget[48] = "";
  if (a->arrays_budget)
    snprintf(budget, sizeof budget, " of the %u available", a->arrays_budget);
  fprintf(out, "\n  crossbar arrays of %ux%u cells (one layer per array, %u kernel cop%s per "
               "conv layer): %llu arrays%s, %llu cells programmed, %.1f %% of their cells; "
               "layers sharing arrays would need at least %llu\n",
          r->map_rows, r->map_cols, r->map_k, r->map_k == 1 ? "y" : "ies",
          (unsigned long long)r->map_arrays, budget, (unsigned long long)r->map_cells,
          r->map_arrays ? 100.0 * (double)r->map_cells / (cap * (double)r->map_arrays) : 0.0,
          (unsigned long long)min_arrays(r));
  fprintf(out, "  %-8s %7s %7s %10s %7s %7s  %s\n", "layer", "rows", "cols", "tiles", "copies",
          "arrays", "utilization of each array (%)");
  for (uint32_t q = 0; q < r->map_n; q++) {
    const net_xbar_tiles *t = &r->map_tiles[q];
    if (!t->arrays)
      continue;
    const net_layer_stats *l = &r->map_layers[q];
    char tiles[32];
    snprintf(tiles, sizeof tiles, "%llux%llu", (unsigned long long)t->row_tiles,
             (unsigned long long)t->col_tiles);
    fprintf(out, "  %-8s %7llu %7llu %10s %7llu %7llu ", l->name, (unsigned long long)l->rows,
            (unsigned long long)(2 * l->cols), tiles, (unsigned long long)t->copies,
            (unsigned long long)t->arrays);
    for (uint64_t i = 0; i < t->row_tiles; i++)
      for (uint64_t j = 0; j < t->col_tiles; j++)
        fprintf(out, " %.1f", 100.0 * (double)tile_cells(r, q, i, j) / cap);
    fprintf(out, t->copies > 1 ? " (each copy)\n" : "\n");
  }
}

/* A packing as JSON: per array its cells in use and its tiles (layer
   names from ls). */
static io_json *json_layout(const net_xbar_pack *pk, const net_layer_stats *ls, double cap)
{
  io_json *arr = io_json_array();
  for (uint32_t ar = 0; ar < pk->narrays; ar++) {
    io_json *o = io_json_object(), *bl = io_json_array();
    uint64_t used = 0;
    for (uint32_t i = 0; i < pk->nblocks; i++) {
      const net_xbar_block *b = &pk->blocks[i];
      if (b->array != ar)
        continue;
      used += b->rows * b->cols;
      io_json *y = io_json_object();
      io_json_set_str(y, "layer", ls[b->layer].name);
      io_json_set_uint(y, "copy", b->copy);
      io_json_set_uint(y, "row_tile", b->row_tile);
      io_json_set_uint(y, "col_tile", b->col_tile);
      io_json_set_uint(y, "row0", b->row0);
      io_json_set_uint(y, "col0", b->col0);
      io_json_set_uint(y, "rows", b->rows);
      io_json_set_uint(y, "cols", b->cols);
      io_json_push(bl, y);
    }
    io_json_set_uint(o, "array", ar);
    io_json_set_uint(o, "cells_used", used);
    io_json_set_num(o, "utilization", cap > 0 ? (double)used / cap : 0);
    io_json_set(o, "tiles", bl);
    io_json_push(arr, o);
  }
  return arr;
}

/* "arrays": the geometry, the count, and per layer its tiles with the
   cells each holds (every copy alike). */
static io_json *json_arrays(const conv_args *a, const conv_result *r)
{
  io_json *o = io_json_object(), *layers = io_json_array();
  io_json_set_uint(o, "rows", r->map_rows);
  io_json_set_uint(o, "cols", r->map_cols);
  io_json_set_uint(o, "copies", r->map_k);
  io_json_set_uint(o, "arrays", r->map_arrays);
  io_json_set_uint(o, "cells", r->map_cells);
  io_json_set_uint(o, "arrays_if_packed", min_arrays(r)); /* lower bound */
  io_json_set(o, "budget", a->arrays_budget ? io_json_uint(a->arrays_budget) : io_json_null());
  for (uint32_t q = 0; q < r->map_n; q++) {
    const net_xbar_tiles *t = &r->map_tiles[q];
    if (!t->arrays)
      continue;
    const net_layer_stats *l = &r->map_layers[q];
    io_json *y = io_json_object(), *cells = io_json_array();
    io_json_set_str(y, "name", l->name);
    io_json_set_uint(y, "rows", l->rows);
    io_json_set_uint(y, "cols", 2 * l->cols);
    io_json_set_uint(y, "row_tiles", t->row_tiles);
    io_json_set_uint(y, "col_tiles", t->col_tiles);
    io_json_set_uint(y, "copies", t->copies);
    io_json_set_uint(y, "arrays", t->arrays);
    io_json_set_uint(y, "cells", t->cells);
    for (uint64_t i = 0; i < t->row_tiles; i++)
      for (uint64_t j = 0; j < t->col_tiles; j++)
        io_json_push(cells, io_json_uint(tile_cells(r, q, i, j)));
    io_json_set(y, "tile_cells", cells);
    io_json_push(layers, y);
  }
  io_json_set(o, "layers", layers);
  if (a->pack != NET_PACK_PER_LAYER) { /* (per-layer: the file as before --pack) */
    io_json_set_str(o, "pack", net_pack_name(a->pack));
    io_json_set(o, "layout",
                json_layout(&r->map_pack, r->map_layers, (double)r->map_rows * r->map_cols));
  }
  return o;
}

/* The kernel copies on devices of their own (phase 0 programmed, 1 hybrid). */
static void report_replicas(FILE *out, const conv_result *r, int phase)
{
  if (r->repl_k < 2)
    return;
  fprintf(out, "  %u kernel copies, each on its own devices (test image i on copy i mod %u; "
               "crossbar ANN): overall %.2f %%;", r->repl_k, r->repl_k,
          100 * r->repl_overall[phase]);
  for (uint32_t c = 0; c < r->repl_k; c++)
    fprintf(out, " copy %u %.2f %% (%u images; on all images %.2f %%)", c,
            100 * r->repl_own[c][phase], r->repl_images[c], 100 * r->repl_all[c][phase]);
  fprintf(out, "\n");
  if (!phase) {
    fprintf(out, "    conv devices stuck per copy:");
    for (uint32_t c = 0; c < r->repl_k; c++)
      fprintf(out, " %llu", (unsigned long long)r->repl_stuck[c]);
    fprintf(out, "; mean |w_held - w| / max|w|:");
    for (uint32_t c = 0; c < r->repl_k; c++)
      fprintf(out, " %.4f", r->repl_werr[c]);
    fprintf(out, "\n");
  }
}

void conv_report_devices(FILE *out, const conv_args *a, const conv_result *r)
{
  fprintf(out,
          "\n  on %s devices (pairs, %.3g s after programming at %.2f K, retention time "
          "constant %.3g s, %llu stuck devices):\n",
          a->device, a->drift_s, r->dev_temperature_k, r->dev_tau_s,
          (unsigned long long)r->stuck);
  fprintf(out, "  crossbar ANN %.2f %% (%+.2f points); SNN", 100 * r->dev_ann,
          100 * (r->dev_ann - r->ideal.ann_acc));
  for (uint32_t k = 0; k < a->nsteps; k++)
    fprintf(out, " T=%u %.2f %% (%+.2f)", a->steps[k], 100 * r->dev_snn[k],
            100 * (r->dev_snn[k] - r->ideal.snn_acc[k]));
  fprintf(out, "\n");
  report_replicas(out, r, 0);
}

void conv_report_finetune(FILE *out, const conv_args *a, const conv_result *r)
{
  fprintf(out, "  after fine-tuning the last layer on %u training images: crossbar ANN %.2f %% "
               "(%+.2f points recovered); SNN",
          r->finetune_images, 100 * r->ft_ann, 100 * (r->ft_ann - r->dev_ann));
  for (uint32_t k = 0; k < a->nsteps; k++)
    fprintf(out, " T=%u %.2f %%", a->steps[k], 100 * r->ft_snn[k]);
  fprintf(out, "\n");
  report_replicas(out, r, 1);
}

static io_json *json_energy(const net_energy *e)
{
  io_json *o = io_json_object();
  io_json_set_num(o, "compute_pj", e->compute_pj);
  io_json_set_num(o, "memory_pj", e->memory_pj);
  io_json_set_num(o, "convert_pj", e->convert_pj);
  io_json_set_num(o, "neuron_pj", e->neuron_pj);
  io_json_set_num(o, "routing_pj", e->routing_pj);
  io_json_set_num(o, "total_pj", e->total_pj);
  io_json_set_num(o, "latency_ns", e->latency_ns);
  return o;
}

/* "coding", "counts_measured", "macs", "neurons" and "by_steps": every
   step count's per-layer and total energies, floors and crossovers (null:
   never); "replicate". */
static void json_steps(io_json *o, const conv_args *a, const conv_result *r)
{
  io_json_set_str(o, "coding", cnn_coding_name(a->coding));
  io_json_set(o, "counts_measured", io_json_bool(r->measured));
  io_json_set_num(o, "macs", r->macs);
  io_json_set_uint(o, "neurons", r->neurons);
  io_json *by = io_json_array();
  for (uint32_t k = 0; k < a->nsteps && k < 16; k++) {
    io_json *s = io_json_object();
    io_json_set_uint(s, "steps", a->steps[k]);
    io_json_set_num(s, "snn_accuracy", r->ideal.snn_acc[k]);
    io_json_set_num(s, "spikes_per_neuron", spikes_per_neuron(r, k));
    io_json_set_num(s, "synops", r->synops_t[k]);
    io_json_set_num(s, "spikes_per_synapse", r->macs > 0 ? r->synops_t[k] / r->macs : 0);
    io_json_set(s, "crossover_digital", r->crossover_t[k][0] < 0
                                            ? io_json_null()
                                            : io_json_num(r->crossover_t[k][0]));
    io_json_set(s, "crossover_crossbar", r->crossover_t[k][1] < 0
                                             ? io_json_null()
                                             : io_json_num(r->crossover_t[k][1]));
    io_json *floor = io_json_object(), *layers = io_json_array(), *total = io_json_object();
    for (int im = 0; im < NET_IMPL_COUNT; im++)
      io_json_set_num(floor, net_impl_name(im), r->floor_t[k][im]);
    io_json_set(s, "floor_pj", floor);
    for (uint32_t q = 0; q < r->nlayers; q++) {
      const net_layer_stats *l = &r->layers_t[k][q];
      io_json *ly = io_json_object();
      io_json_set_str(ly, "name", l->name);
      io_json_set_num(ly, "synops", l->synops);
      io_json_set_num(ly, "spikes_in", l->in_spikes);
      io_json_set_num(ly, "spikes_out", l->out_spikes);
      for (int im = 0; im < NET_IMPL_COUNT; im++)
        io_json_set(ly, net_impl_name(im), json_energy(&r->per_t[k][q][im]));
      io_json_push(layers, ly);
    }
    io_json_set(s, "layers", layers);
    for (int im = 0; im < NET_IMPL_COUNT; im++)
      io_json_set(total, net_impl_name(im), json_energy(&r->total_t[k][im]));
    io_json_set(s, "total", total);
    io_json_push(by, s);
  }
  io_json_set(o, "by_steps", by);
  if (a->nreplicate) {
    io_json *rep = io_json_array();
    for (uint32_t q = 0; q < a->nreplicate; q++) {
      io_json *e = io_json_object();
      io_json_set_uint(e, "k", a->replicate[q]);
      io_json_set_uint(e, "arrays", r->rep[q][0].arrays);
      if (a->arrays_budget)
        io_json_set(e, "fits", io_json_bool(r->rep[q][0].arrays <= a->arrays_budget));
      if (a->pack != NET_PACK_PER_LAYER) {
        const double cap = (double)r->map_rows * r->map_cols;
        io_json_set_num(e, "share_pj", r->pack[q].share_pj);
        io_json_set_uint(e, "arrays_one_per_tile", r->rep_tiles[q]);
        io_json_set(e, "layout", json_layout(&r->pack[q], r->layers, cap));
      }
      for (int x = 0; x < 2; x++) {
        io_json *t = io_json_object();
        io_json_set_num(t, "total_pj", r->rep[q][x].total_pj);
        io_json_set_num(t, "latency_ns", r->rep[q][x].latency_ns);
        io_json_set(e, x ? "snn_crossbar" : "ann_crossbar", t);
      }
      io_json_push(rep, e);
    }
    io_json_set(o, "replicate", rep);
  }
}

io_json *conv_report_json_doc(const conv_args *a, const conv_result *r)
{
  const uint32_t ns = a->nsteps;
  io_json *o = io_json_object();
  io_json_set_str(o, "model", a->model);
  io_json_set_uint(o, "images", r->images);
  io_json_set_num(o, "ann_accuracy", r->ideal.ann_acc);
  io_json *steps = io_json_array(), *spn = io_json_array();
  for (uint32_t k = 0; k < ns; k++) {
    io_json_push(steps, io_json_uint(a->steps[k]));
    io_json_push(spn, io_json_num(spikes_per_neuron(r, k)));
  }
  io_json_set(o, "steps", steps);
  io_json_set(o, "snn_accuracy", io_json_nums(r->ideal.snn_acc, ns));
  io_json_set(o, "spikes_per_neuron", spn);
  io_json_set_num(o, "images_per_s", r->images / r->ideal.seconds);
  io_json *en = io_json_object(), *layers = io_json_array(), *total = io_json_object();
  io_json_set_uint(en, "steps", r->energy_steps);
  for (uint32_t k = 0; k < r->nlayers; k++) {
    const net_layer_stats *l = &r->layers[k];
    io_json *q = io_json_object();
    io_json_set_str(q, "name", l->name);
    io_json_set_uint(q, "neurons", l->neurons);
    io_json_set_num(q, "macs", l->macs);
    io_json_set_num(q, "synops", l->synops);
    io_json_set_num(q, "spikes_in", l->in_spikes);
    io_json_set_num(q, "spikes_out", l->out_spikes);
    for (int im = 0; im < NET_IMPL_COUNT; im++)
      io_json_set(q, net_impl_name(im), json_energy(&r->per[k][im]));
    io_json_push(layers, q);
  }
  io_json_set(en, "layers", layers);
  for (int im = 0; im < NET_IMPL_COUNT; im++)
    io_json_set(total, net_impl_name(im), json_energy(&r->total[im]));
  io_json_set(en, "total", total);
  io_json_set(o, "energy", en);
  json_steps(o, a, r);
  io_json_set(o, "arrays", json_arrays(a, r));
  if (a->device) {
    io_json *d = io_json_object();
    io_json_set_str(d, "preset", a->device);
    io_json_set_num(d, "drift_s", a->drift_s);
    io_json_set_uint(d, "stuck", r->stuck);
    io_json_set_num(d, "temperature_k", r->dev_temperature_k);
    if (isfinite(r->dev_tau_s)) /* none and drift have no time constant */
      io_json_set_num(d, "tau_s", r->dev_tau_s);
    io_json_set_num(d, "ann_accuracy", r->dev_ann);
    io_json_set(d, "snn_accuracy", io_json_nums(r->dev_snn, ns));
    if (r->repl_k > 1) {
      io_json *rp = io_json_object(), *g = io_json_array();
      io_json_set_uint(rp, "copies", r->repl_k);
      io_json_set_str(rp, "split", "test image i on copy i mod copies");
      io_json_set_num(rp, "overall_programmed", r->repl_overall[0]);
      if (a->finetune)
        io_json_set_num(rp, "overall_hybrid", r->repl_overall[1]);
      for (uint32_t c = 0; c < r->repl_k; c++) {
        io_json *y = io_json_object();
        io_json_set_uint(y, "copy", c);
        io_json_set_uint(y, "images", r->repl_images[c]);
        io_json_set_uint(y, "conv_stuck", r->repl_stuck[c]);
        io_json_set_num(y, "conv_weight_error", r->repl_werr[c]);
        io_json_set_num(y, "programmed", r->repl_own[c][0]);
        io_json_set_num(y, "programmed_all_images", r->repl_all[c][0]);
        if (a->finetune) {
          io_json_set_num(y, "hybrid", r->repl_own[c][1]);
          io_json_set_num(y, "hybrid_all_images", r->repl_all[c][1]);
        }
        io_json_push(g, y);
      }
      io_json_set(rp, "by_copy", g);
      io_json_set(d, "replicas", rp);
    }
    if (a->finetune) {
      /* the requested count, not r->finetune_images (capped at the set) */
      io_json_set_uint(d, "finetune_images", a->finetune);
      io_json_set_num(d, "finetune_ann_accuracy", r->ft_ann);
      io_json_set(d, "finetune_snn_accuracy", io_json_nums(r->ft_snn, ns));
    }
    io_json_set(o, "device", d);
  }
  return o;
}

int conv_report_json(FILE *jf, const conv_args *a, const conv_result *r, const char *path)
{
  io_json *o = conv_report_json_doc(a, r);
  conv_activation_json(o, r);
  int rc = io_json_write(o, jf, path);
  io_json_destroy(o);
  return rc;
}
