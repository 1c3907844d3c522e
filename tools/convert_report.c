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
    fprintf(out, "\n  conv kernel replication on the crossbars (T=%u):\n", T);
    fprintf(out, "  %4s %8s %14s %14s %14s %14s\n", "K", "arrays", "ann_xbar_nJ",
            "ann_xbar_us", "snn_xbar_nJ", "snn_xbar_us");
    for (uint32_t q = 0; q < a->nreplicate; q++)
      fprintf(out, "  %4u %8llu %14.4g %14.4g %14.4g %14.4g\n", a->replicate[q],
              (unsigned long long)r->rep[q][0].arrays, r->rep[q][0].total_pj / 1e3,
              r->rep[q][0].latency_ns / 1e3, r->rep[q][1].total_pj / 1e3,
              r->rep[q][1].latency_ns / 1e3);
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
}

void conv_report_finetune(FILE *out, const conv_args *a, const conv_result *r)
{
  fprintf(out, "  after fine-tuning the last layer on %u training images: crossbar ANN %.2f %% "
               "(%+.2f points recovered); SNN",
          r->finetune_images, 100 * r->ft_ann, 100 * (r->ft_ann - r->dev_ann));
  for (uint32_t k = 0; k < a->nsteps; k++)
    fprintf(out, " T=%u %.2f %%", a->steps[k], 100 * r->ft_snn[k]);
  fprintf(out, "\n");
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
  int rc = io_json_write(o, jf, path);
  io_json_destroy(o);
  return rc;
}
