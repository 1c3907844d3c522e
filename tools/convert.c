/*
 * convert.c: memspike convert MODEL --data DIR [options]
 *
 * Loads a trained CNN (tools/export_torch.py), converts it to a spiking
 * network (network/net_cnn.c), measures the ANN's and the SNN's accuracy
 * on the test set at several step counts, the spikes and synaptic
 * operations per layer, and the energy and latency per inference of four
 * implementations (network/net_energy.c); optionally maps the weights onto
 * a device preset (finite levels, programming noise, d2d spread, stuck
 * devices, drift) and fine-tunes the last layer on the weights the devices
 * hold.  Prints a report, writes JSON for tools/plot_energy.py.
 */
#include "convert.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/sim_alloc.h"
#include "../core/sim_clock.h"
#include "../core/sim_error.h"
#include "../io/io_model.h"
#include "../network/net_cnn.h"
#include "../network/net_energy.h"
#include "../synapses/syn_device.h"

#define MAX_STEPS 16
#define MAX_LAYERS 32

static const char usage[] =
    "usage: memspike convert MODEL --data DIR [--steps 8,16,32,64,128] [--images N]\n"
    "         [--calib N] [--percentile P] [--input current|poisson] [--maxpool gate|avg]\n"
    "         [--energy FILE.ini] [--energy-steps T] [--device PRESET] [--drift-time S]\n"
    "         [--finetune-last N] [--json FILE] [--quiet]\n"
    "  MODEL            model file (docs/model-format.md), e.g. configs/models/fmnist_cnn.msgpack\n"
    "  --data DIR       IDX .gz files (Fashion-MNIST: /usr/share/datasets/fashion-mnist)\n"
    "  --steps LIST     SNN time steps to report (one run to the largest)\n"
    "  --images N       test images to use (default all)\n"
    "  --calib N        training images for data-based normalization (default 1000)\n"
    "  --percentile P   of positive activations (default 99.9; 100 = max-norm)\n"
    "  --input          constant current into the first layer (default) or Poisson spikes\n"
    "  --maxpool        gate by spike counts (default) or replace by average pooling\n"
    "  --energy FILE    energy constants (default configs/energy/default.ini)\n"
    "  --energy-steps T steps for the energy table (default: the fewest within 1%% of\n"
    "                   the ANN's accuracy, else the largest)\n"
    "  --device PRESET  weights on device pairs of this preset (configs/devices/)\n"
    "  --drift-time S   seconds between programming and inference (default 1)\n"
    "  --finetune-last N retrain the last layer on N training images through the\n"
    "                   weights the devices hold (Yao et al. 2020)\n"
    "  --json FILE      write the results as JSON (tools/plot_energy.py plots it)\n";

typedef struct conv_args {
  const char *model, *data, *energy, *device, *json;
  uint32_t steps[MAX_STEPS], nsteps;
  uint32_t images, calib, energy_steps, finetune;
  double percentile, drift_s;
  int poisson, max_to_avg, quiet;
} conv_args;

static int parse_u32(const char *s, uint32_t *out)
{
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (end == s || *end || errno || v > 100000000UL || s[0] == '-')
    return -1;
  *out = (uint32_t)v;
  return 0;
}

static int usage_err(const char *fmt, const char *arg)
{
  fprintf(stderr, "memspike: convert: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n%s", usage);
  return 2;
}

static int parse_args(int argc, char **argv, conv_args *a)
{
  memset(a, 0, sizeof *a);
  a->energy = "configs/energy/default.ini";
  a->calib = 1000;
  a->percentile = 99.9;
  a->drift_s = 1.0;
  static const uint32_t def_steps[] = {8, 16, 32, 64, 128};
  memcpy(a->steps, def_steps, sizeof def_steps);
  a->nsteps = 5;
  for (int i = 0; i < argc; i++) {
    const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (k[0] != '-') {
      if (a->model)
        return usage_err("one model file expected, got '%s' too", k);
      a->model = k;
      continue;
    }
    if (!strcmp(k, "--quiet")) {
      a->quiet = 1;
      continue;
    }
    if (!v)
      return usage_err("option '%s' needs a value", k);
    i++;
    if (!strcmp(k, "--data"))
      a->data = v;
    else if (!strcmp(k, "--energy"))
      a->energy = v;
    else if (!strcmp(k, "--device"))
      a->device = v;
    else if (!strcmp(k, "--json"))
      a->json = v;
    else if (!strcmp(k, "--steps")) {
      char buf[256];
      snprintf(buf, sizeof buf, "%s", v);
      a->nsteps = 0;
      for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        uint32_t t;
        if (a->nsteps == MAX_STEPS || parse_u32(tok, &t) || t < 1 || t > 10000)
          return usage_err("--steps: expected up to 16 comma-separated counts in 1..10000, "
                           "ascending (got '%s')", v);
        if (a->nsteps && t <= a->steps[a->nsteps - 1])
          return usage_err("--steps: expected ascending counts (got '%s')", v);
        a->steps[a->nsteps++] = t;
      }
      if (!a->nsteps)
        return usage_err("--steps: expected at least one count (got '%s')", v);
    } else if (!strcmp(k, "--images")) {
      if (parse_u32(v, &a->images) || !a->images)
        return usage_err("--images: expected a count >= 1 (got '%s')", v);
    } else if (!strcmp(k, "--calib")) {
      if (parse_u32(v, &a->calib) || !a->calib)
        return usage_err("--calib: expected a count >= 1 (got '%s')", v);
    } else if (!strcmp(k, "--energy-steps")) {
      if (parse_u32(v, &a->energy_steps) || !a->energy_steps)
        return usage_err("--energy-steps: expected a count >= 1 (got '%s')", v);
    } else if (!strcmp(k, "--finetune-last")) {
      if (parse_u32(v, &a->finetune) || !a->finetune)
        return usage_err("--finetune-last: expected a count >= 1 (got '%s')", v);
    } else if (!strcmp(k, "--percentile")) {
      char *end;
      a->percentile = strtod(v, &end);
      if (end == v || *end || !(a->percentile > 0 && a->percentile <= 100))
        return usage_err("--percentile: expected a number in (0, 100] (got '%s')", v);
    } else if (!strcmp(k, "--drift-time")) {
      char *end;
      a->drift_s = strtod(v, &end);
      if (end == v || *end || !(a->drift_s >= 0 && isfinite(a->drift_s)))
        return usage_err("--drift-time: expected seconds >= 0 (got '%s')", v);
    } else if (!strcmp(k, "--input")) {
      if (!strcmp(v, "poisson"))
        a->poisson = 1;
      else if (strcmp(v, "current"))
        return usage_err("--input: expected current or poisson (got '%s')", v);
    } else if (!strcmp(k, "--maxpool")) {
      if (!strcmp(v, "avg"))
        a->max_to_avg = 1;
      else if (strcmp(v, "gate"))
        return usage_err("--maxpool: expected gate or avg (got '%s')", v);
    } else
      return usage_err("unknown option '%s'", k);
  }
  if (!a->model)
    return usage_err("%s", "missing MODEL");
  if (!a->data)
    return usage_err("%s", "missing --data DIR");
  return 0;
}

/* ------------------------------------------------------------------ */
/* Evaluation                                                           */

typedef struct eval_result {
  double ann_acc;
  double snn_acc[MAX_STEPS];
  cnn_run_stats stats;
  double seconds;     /* in the SNN runs */
  double ann_seconds; /* in the ANN (float32) checks */
} eval_result;

static void evaluate(cnn_snn *s, const io_idx *img, const io_idx *lab, uint32_t n,
                     const conv_args *a, const char *what, eval_result *r)
{
  memset(r, 0, sizeof *r);
  const uint32_t isz = img->rows * img->cols;
  uint32_t ann_ok = 0, snn_ok[MAX_STEPS] = {0};
  int pred[MAX_STEPS];
  int tty = !a->quiet && isatty(2);
  double t0 = sim_clock_s(), next = t0 + 2;
  for (uint32_t i = 0; i < n; i++) {
    const uint8_t *im = img->data + (size_t)i * isz;
    double ta = sim_clock_s();
    ann_ok += cnn_ann_predict(s, im, NULL) == lab->data[i];
    double tb = sim_clock_s();
    cnn_snn_run(s, im, a->steps, a->nsteps, pred, &r->stats);
    r->ann_seconds += tb - ta;
    r->seconds += sim_clock_s() - tb;
    for (uint32_t k = 0; k < a->nsteps; k++)
      snn_ok[k] += pred[k] == lab->data[i];
    if (tty && sim_clock_s() > next) {
      fprintf(stderr, "  %s: %u / %u images, SNN accuracy at T=%u so far %.2f %%\r", what,
              i + 1, n, a->steps[a->nsteps - 1], 100.0 * snn_ok[a->nsteps - 1] / (i + 1));
      next = sim_clock_s() + 2;
    }
  }
  if (tty && sim_clock_s() - t0 > 2)
    fprintf(stderr, "\n");
  r->ann_acc = (double)ann_ok / n;
  for (uint32_t k = 0; k < a->nsteps; k++)
    r->snn_acc[k] = (double)snn_ok[k] / n;
}

/* ------------------------------------------------------------------ */
/* Report                                                               */

static void print_energy_json(FILE *f, const net_energy *e)
{
  fprintf(f,
          "{\"compute_pj\": %.6g, \"memory_pj\": %.6g, \"convert_pj\": %.6g, "
          "\"neuron_pj\": %.6g, \"routing_pj\": %.6g, \"total_pj\": %.6g, \"latency_ns\": "
          "%.6g}",
          e->compute_pj, e->memory_pj, e->convert_pj, e->neuron_pj, e->routing_pj,
          e->total_pj, e->latency_ns);
}

int cmd_convert(int argc, char **argv)
{
  conv_args a;
  if (argc == 1 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) {
    fputs(usage, stdout);
    return 0;
  }
  int rc = parse_args(argc, argv, &a);
  if (rc)
    return rc;
  cnn_model *m = NULL;
  io_idx *test_img = NULL, *test_lab = NULL, *train_img = NULL, *train_lab = NULL;
  net_energy_param *ep = NULL;
  cnn_snn *s = NULL;
  int status = 2;
  if (io_model_load(a.model, &m) || io_idx_load_set(a.data, 0, &test_img, &test_lab) ||
      io_idx_load_set(a.data, 1, &train_img, &train_lab) || net_energy_load(a.energy, &ep))
    goto fail;
  if (test_img->rows * test_img->cols != m->in[0] * m->in[1] * m->in[2]) {
    sim_error_set(SIM_EFORMAT, "%s: images are %ux%u but the model %s expects %ux%ux%u",
                  a.data, test_img->rows, test_img->cols, a.model, m->in[0], m->in[1],
                  m->in[2]);
    goto fail;
  }
  syn_device_param dev;
  if (a.device && syn_device_preset_load("configs/devices", a.device, &dev))
    goto fail;
  status = 1;
  uint32_t n = a.images && a.images < test_img->n ? a.images : test_img->n;
  cnn_opts o = {a.percentile, a.calib, a.max_to_avg, a.poisson, 1};
  uint32_t ncal = a.calib < train_img->n ? a.calib : train_img->n;
  double t0 = sim_clock_s();
  if (cnn_convert(m, train_img->data, ncal, &o, &s))
    goto fail;
  double conv_s = sim_clock_s() - t0;

  eval_result ideal;
  evaluate(s, test_img, test_lab, n, &a, "SNN", &ideal);
  printf("memspike convert: %s on %u test images (%s)\n", a.model, n, a.data);
  printf("  conversion: batch-norm folded, %.1f-th percentile on %u calibration images, "
         "%s input, max pooling %s; %.2f s\n",
         a.percentile, ncal, a.poisson ? "Poisson" : "constant-current",
         a.max_to_avg ? "as average" : "gated", conv_s);
  if (m->ann_accuracy >= 0)
    printf("  ANN accuracy %.2f %% (recorded at export: %.2f %%)\n", 100 * ideal.ann_acc,
           100 * m->ann_accuracy);
  else
    printf("  ANN accuracy %.2f %%\n", 100 * ideal.ann_acc);
  printf("  %6s %12s %16s %14s\n", "steps", "SNN acc %", "vs ANN (points)", "spikes/neuron");
  uint64_t total_neurons = 0;
  double total_spikes = 0;
  for (uint32_t k = 0; k < ideal.stats.nstages; k++) {
    total_neurons += ideal.stats.neurons[k];
    total_spikes += ideal.stats.out_spikes[k];
  }
  int energy_k = -1;
  for (uint32_t k = 0; k < a.nsteps; k++) {
    printf("  %6u %12.2f %16.2f %14.4f\n", a.steps[k], 100 * ideal.snn_acc[k],
           100 * (ideal.snn_acc[k] - ideal.ann_acc),
           ideal.stats.ck_spikes[k] / n / (double)total_neurons);
    if (energy_k < 0 && ideal.snn_acc[k] >= ideal.ann_acc - 0.01)
      energy_k = (int)k;
  }
  uint32_t T = a.energy_steps ? a.energy_steps
                              : a.steps[energy_k >= 0 ? (uint32_t)energy_k : a.nsteps - 1];
  printf("  SNN run: %.2f s for %u images, %.1f images/s (event-driven, %u steps each); "
         "ANN %.1f images/s\n",
         ideal.seconds, n, n / ideal.seconds, a.steps[a.nsteps - 1], n / ideal.ann_seconds);

  /* Per-layer counts: measured over the largest step count; the energy
     table scales the SNN counts to T steps (rates are steady). */
  net_layer_stats ls[MAX_LAYERS];
  uint32_t nl = cnn_layer_stats(s, &ideal.stats, n, a.steps[a.nsteps - 1], ls, MAX_LAYERS);
  double f = (double)T / a.steps[a.nsteps - 1];
  printf("\n  per layer, per image (SNN counts at T=%u, scaled from T=%u):\n", T,
         a.steps[a.nsteps - 1]);
  printf("  %-8s %9s %12s %14s %14s %14s\n", "layer", "neurons", "ANN MACs", "SNN synops",
         "spikes in", "spikes out");
  for (uint32_t k = 0; k < nl; k++) {
    ls[k].in_spikes *= f, ls[k].synops *= f, ls[k].out_spikes *= f;
    ls[k].steps = T;
    printf("  %-8s %9llu %12.0f %14.0f %14.0f %14.0f\n", ls[k].name,
           (unsigned long long)ls[k].neurons, ls[k].macs, ls[k].synops, ls[k].in_spikes,
           ls[k].out_spikes);
  }
  net_energy per[MAX_LAYERS][NET_IMPL_COUNT], tot[NET_IMPL_COUNT];
  memset(tot, 0, sizeof tot);
  for (uint32_t k = 0; k < nl; k++)
    for (int im = 0; im < NET_IMPL_COUNT; im++) {
      net_energy_layer(ep, &ls[k], im, &per[k][im]);
      net_energy_add(&tot[im], &per[k][im]);
    }
  printf("\n  energy per inference (%s, T=%u):\n", a.energy, T);
  printf("  %-14s %12s %12s %12s %12s %12s %12s %12s %12s\n", "implementation", "total_nJ",
         "compute", "memory", "convert", "neuron", "routing", "latency_us", "EDP_nJ_us");
  for (int im = 0; im < NET_IMPL_COUNT; im++)
    printf("  %-14s %12.4g %12.4g %12.4g %12.4g %12.4g %12.4g %12.4g %12.4g\n",
           net_impl_name(im), tot[im].total_pj / 1e3, tot[im].compute_pj / 1e3,
           tot[im].memory_pj / 1e3, tot[im].convert_pj / 1e3, tot[im].neuron_pj / 1e3,
           tot[im].routing_pj / 1e3, tot[im].latency_ns / 1e3,
           tot[im].total_pj / 1e3 * tot[im].latency_ns / 1e3);

  /* Devices. */
  double dev_ann = -1, dev_snn[MAX_STEPS], ft_ann = -1, ft_snn[MAX_STEPS];
  uint64_t stuck = 0;
  if (a.device) {
    stuck = cnn_map_devices(s, &dev, a.drift_s, 7, 0);
    eval_result d;
    evaluate(s, test_img, test_lab, n, &a, "SNN on devices", &d);
    dev_ann = d.ann_acc;
    memcpy(dev_snn, d.snn_acc, sizeof dev_snn);
    printf("\n  on %s devices (pairs, %.3g s after programming, %llu stuck devices):\n",
           a.device, a.drift_s, (unsigned long long)stuck);
    printf("  crossbar ANN %.2f %% (%+.2f points); SNN", 100 * dev_ann,
           100 * (dev_ann - ideal.ann_acc));
    for (uint32_t k = 0; k < a.nsteps; k++)
      printf(" T=%u %.2f %% (%+.2f)", a.steps[k], 100 * dev_snn[k],
             100 * (dev_snn[k] - ideal.snn_acc[k]));
    printf("\n");
    if (a.finetune) {
      uint32_t nft = a.finetune < train_img->n ? a.finetune : train_img->n;
      cnn_finetune_last(s, train_img->data, train_lab->data, nft, train_img->rows * train_img->cols);
      cnn_map_devices(s, &dev, a.drift_s, 11, 1); /* program the new last layer */
      evaluate(s, test_img, test_lab, n, &a, "SNN after fine-tuning", &d);
      ft_ann = d.ann_acc;
      memcpy(ft_snn, d.snn_acc, sizeof ft_snn);
      printf("  after fine-tuning the last layer on %u training images: crossbar ANN %.2f %% "
             "(%+.2f points recovered); SNN",
             nft, 100 * ft_ann, 100 * (ft_ann - dev_ann));
      for (uint32_t k = 0; k < a.nsteps; k++)
        printf(" T=%u %.2f %%", a.steps[k], 100 * ft_snn[k]);
      printf("\n");
    }
  }

  if (a.json) {
    FILE *jf = fopen(a.json, "w");
    if (!jf) {
      sim_error_set(SIM_EIO, "cannot write %s: %s", a.json, strerror(errno));
      goto fail;
    }
    fprintf(jf, "{\"model\": \"%s\", \"images\": %u, \"ann_accuracy\": %.6f, \"steps\": [",
            a.model, n, ideal.ann_acc);
    for (uint32_t k = 0; k < a.nsteps; k++)
      fprintf(jf, "%s%u", k ? ", " : "", a.steps[k]);
    fprintf(jf, "], \"snn_accuracy\": [");
    for (uint32_t k = 0; k < a.nsteps; k++)
      fprintf(jf, "%s%.6f", k ? ", " : "", ideal.snn_acc[k]);
    fprintf(jf, "], \"spikes_per_neuron\": [");
    for (uint32_t k = 0; k < a.nsteps; k++)
      fprintf(jf, "%s%.6f", k ? ", " : "", ideal.stats.ck_spikes[k] / n / (double)total_neurons);
    fprintf(jf, "], \"images_per_s\": %.4f,\n", n / ideal.seconds);
    fprintf(jf, " \"energy\": {\"steps\": %u, \"layers\": [", T);
    for (uint32_t k = 0; k < nl; k++) {
      fprintf(jf,
              "%s\n  {\"name\": \"%s\", \"neurons\": %llu, \"macs\": %.6g, \"synops\": %.6g, "
              "\"spikes_in\": %.9g, \"spikes_out\": %.9g",
              k ? "," : "", ls[k].name, (unsigned long long)ls[k].neurons, ls[k].macs,
              ls[k].synops, ls[k].in_spikes, ls[k].out_spikes);
      for (int im = 0; im < NET_IMPL_COUNT; im++) {
        fprintf(jf, ", \"%s\": ", net_impl_name(im));
        print_energy_json(jf, &per[k][im]);
      }
      fprintf(jf, "}");
    }
    fprintf(jf, "],\n  \"total\": {");
    for (int im = 0; im < NET_IMPL_COUNT; im++) {
      fprintf(jf, "%s\"%s\": ", im ? ", " : "", net_impl_name(im));
      print_energy_json(jf, &tot[im]);
    }
    fprintf(jf, "}}");
    if (a.device) {
      fprintf(jf, ",\n \"device\": {\"preset\": \"%s\", \"drift_s\": %g, \"stuck\": %llu, "
                  "\"ann_accuracy\": %.6f, \"snn_accuracy\": [",
              a.device, a.drift_s, (unsigned long long)stuck, dev_ann);
      for (uint32_t k = 0; k < a.nsteps; k++)
        fprintf(jf, "%s%.6f", k ? ", " : "", dev_snn[k]);
      fprintf(jf, "]");
      if (a.finetune) {
        fprintf(jf, ", \"finetune_images\": %u, \"finetune_ann_accuracy\": %.6f, "
                    "\"finetune_snn_accuracy\": [",
                a.finetune, ft_ann);
        for (uint32_t k = 0; k < a.nsteps; k++)
          fprintf(jf, "%s%.6f", k ? ", " : "", ft_snn[k]);
        fprintf(jf, "]");
      }
      fprintf(jf, "}");
    }
    fprintf(jf, "}\n");
    if (fclose(jf)) {
      sim_error_set(SIM_EIO, "cannot write %s", a.json);
      goto fail;
    }
    printf("\n  results: %s (plot: /usr/bin/python3 tools/plot_energy.py %s)\n", a.json,
           a.json);
  }
  status = 0;
fail:
  if (status)
    fprintf(stderr, "memspike: convert: %s\n", sim_error_msg());
  cnn_snn_destroy(s);
  net_energy_param_destroy(ep);
  io_idx_destroy(test_img);
  io_idx_destroy(test_lab);
  io_idx_destroy(train_img);
  io_idx_destroy(train_lab);
  cnn_model_destroy(m);
  return status;
}
