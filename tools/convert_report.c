/*
 * convert_report.c: formats a conv_result as `memspike convert`'s text
 * report (in parts, printed as the steps finish) and as its JSON file.
 * Pure formatting: every figure is already in the struct.
 */
#include "convert_report.h"

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
  fprintf(out, "\n  on %s devices (pairs, %.3g s after programming, %llu stuck devices):\n",
          a->device, a->drift_s, (unsigned long long)r->stuck);
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

static void json_energy(FILE *f, const net_energy *e)
{
  fprintf(f,
          "{\"compute_pj\": %.6g, \"memory_pj\": %.6g, \"convert_pj\": %.6g, "
          "\"neuron_pj\": %.6g, \"routing_pj\": %.6g, \"total_pj\": %.6g, \"latency_ns\": "
          "%.6g}",
          e->compute_pj, e->memory_pj, e->convert_pj, e->neuron_pj, e->routing_pj,
          e->total_pj, e->latency_ns);
}

/* ", "-separated "%.6f" values, one per step count. */
static void json_fractions(FILE *f, const double *x, uint32_t n)
{
  for (uint32_t k = 0; k < n; k++)
    fprintf(f, "%s%.6f", k ? ", " : "", x[k]);
}

/* "coding", "measured", "macs" and "by_steps": every step count's
   per-layer and total energies, floors and crossovers; "replicate". */
static void conv_report_json_steps(FILE *jf, const conv_args *a, const conv_result *r)
{
  fprintf(jf, ",\n \"coding\": \"%s\", \"counts_measured\": %s, \"macs\": %.6g, "
              "\"neurons\": %llu, \"by_steps\": [",
          cnn_coding_name(a->coding), r->measured ? "true" : "false", r->macs,
          (unsigned long long)r->neurons);
  for (uint32_t k = 0; k < a->nsteps && k < 16; k++) {
    fprintf(jf, "%s\n  {\"steps\": %u, \"snn_accuracy\": %.6f, \"spikes_per_neuron\": %.6f, "
                "\"synops\": %.6g, \"spikes_per_synapse\": %.6g, \"crossover_digital\": ",
            k ? "," : "", a->steps[k], r->ideal.snn_acc[k], spikes_per_neuron(r, k),
            r->synops_t[k], r->macs > 0 ? r->synops_t[k] / r->macs : 0);
    for (int q = 0; q < 2; q++) {
      if (q)
        fprintf(jf, ", \"crossover_crossbar\": ");
      if (r->crossover_t[k][q] < 0)
        fprintf(jf, "null");
      else
        fprintf(jf, "%.6g", r->crossover_t[k][q]);
    }
    fprintf(jf, ", \"floor_pj\": {");
    for (int im = 0; im < NET_IMPL_COUNT; im++)
      fprintf(jf, "%s\"%s\": %.6g", im ? ", " : "", net_impl_name(im), r->floor_t[k][im]);
    fprintf(jf, "}, \"layers\": [");
    for (uint32_t q = 0; q < r->nlayers; q++) {
      const net_layer_stats *l = &r->layers_t[k][q];
      fprintf(jf, "%s{\"name\": \"%s\", \"synops\": %.6g, \"spikes_in\": %.9g, "
                  "\"spikes_out\": %.9g",
              q ? ", " : "", l->name, l->synops, l->in_spikes, l->out_spikes);
      for (int im = 0; im < NET_IMPL_COUNT; im++) {
        fprintf(jf, ", \"%s\": ", net_impl_name(im));
        json_energy(jf, &r->per_t[k][q][im]);
      }
      fprintf(jf, "}");
    }
    fprintf(jf, "], \"total\": {");
    for (int im = 0; im < NET_IMPL_COUNT; im++) {
      fprintf(jf, "%s\"%s\": ", im ? ", " : "", net_impl_name(im));
      json_energy(jf, &r->total_t[k][im]);
    }
    fprintf(jf, "}}");
  }
  fprintf(jf, "]");
  if (a->nreplicate) {
    fprintf(jf, ",\n \"replicate\": [");
    for (uint32_t q = 0; q < a->nreplicate; q++)
      fprintf(jf, "%s{\"k\": %u, \"arrays\": %llu, \"ann_crossbar\": {\"total_pj\": %.6g, "
                  "\"latency_ns\": %.6g}, \"snn_crossbar\": {\"total_pj\": %.6g, "
                  "\"latency_ns\": %.6g}}",
              q ? ", " : "", a->replicate[q], (unsigned long long)r->rep[q][0].arrays,
              r->rep[q][0].total_pj, r->rep[q][0].latency_ns, r->rep[q][1].total_pj,
              r->rep[q][1].latency_ns);
    fprintf(jf, "]");
  }
}

void conv_report_json(FILE *jf, const conv_args *a, const conv_result *r)
{
  const uint32_t ns = a->nsteps;
  fprintf(jf, "{\"model\": \"%s\", \"images\": %u, \"ann_accuracy\": %.6f, \"steps\": [",
          a->model, r->images, r->ideal.ann_acc);
  for (uint32_t k = 0; k < ns; k++)
    fprintf(jf, "%s%u", k ? ", " : "", a->steps[k]);
  fprintf(jf, "], \"snn_accuracy\": [");
  json_fractions(jf, r->ideal.snn_acc, ns);
  fprintf(jf, "], \"spikes_per_neuron\": [");
  for (uint32_t k = 0; k < ns; k++)
    fprintf(jf, "%s%.6f", k ? ", " : "", spikes_per_neuron(r, k));
  fprintf(jf, "], \"images_per_s\": %.4f,\n", r->images / r->ideal.seconds);
  fprintf(jf, " \"energy\": {\"steps\": %u, \"layers\": [", r->energy_steps);
  for (uint32_t k = 0; k < r->nlayers; k++) {
    const net_layer_stats *l = &r->layers[k];
    fprintf(jf,
            "%s\n  {\"name\": \"%s\", \"neurons\": %llu, \"macs\": %.6g, \"synops\": %.6g, "
            "\"spikes_in\": %.9g, \"spikes_out\": %.9g",
            k ? "," : "", l->name, (unsigned long long)l->neurons, l->macs, l->synops,
            l->in_spikes, l->out_spikes);
    for (int im = 0; im < NET_IMPL_COUNT; im++) {
      fprintf(jf, ", \"%s\": ", net_impl_name(im));
      json_energy(jf, &r->per[k][im]);
    }
    fprintf(jf, "}");
  }
  fprintf(jf, "],\n  \"total\": {");
  for (int im = 0; im < NET_IMPL_COUNT; im++) {
    fprintf(jf, "%s\"%s\": ", im ? ", " : "", net_impl_name(im));
    json_energy(jf, &r->total[im]);
  }
  fprintf(jf, "}}");
  conv_report_json_steps(jf, a, r);
  if (a->device) {
    fprintf(jf, ",\n \"device\": {\"preset\": \"%s\", \"drift_s\": %g, \"stuck\": %llu, "
                "\"ann_accuracy\": %.6f, \"snn_accuracy\": [",
            a->device, a->drift_s, (unsigned long long)r->stuck, r->dev_ann);
    json_fractions(jf, r->dev_snn, ns);
    fprintf(jf, "]");
    if (a->finetune) {
      /* the requested count, not r->finetune_images (capped at the set) */
      fprintf(jf, ", \"finetune_images\": %u, \"finetune_ann_accuracy\": %.6f, "
                  "\"finetune_snn_accuracy\": [",
              a->finetune, r->ft_ann);
      json_fractions(jf, r->ft_snn, ns);
      fprintf(jf, "]");
    }
    fprintf(jf, "}");
  }
  fprintf(jf, "}\n");
}
