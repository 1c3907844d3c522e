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
 *
 * This file owns the options and the steps (convert.h lists them); the
 * text and JSON reports are tools/convert_report.c.
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
#include "../io/io_energy.h"
#include "../io/io_idx.h"
#include "../io/io_model.h"
#include "convert_report.h"

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

int conv_args_parse(int argc, char **argv, conv_args *a)
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
        if (a->nsteps == CONV_MAX_STEPS || parse_u32(tok, &t) || t < 1 || t > 10000)
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
/* Steps                                                                */

int conv_load(const conv_args *a, conv_inputs *in)
{
  memset(in, 0, sizeof *in);
  int rc;
  if ((rc = io_model_load(a->model, &in->model)) ||
      (rc = io_idx_load_set(a->data, 0, &in->test_img, &in->test_lab)) ||
      (rc = io_idx_load_set(a->data, 1, &in->train_img, &in->train_lab)) ||
      (rc = io_energy_load(a->energy, &in->energy)))
    return rc;
  const cnn_model *m = in->model;
  if (in->test_img->rows * in->test_img->cols != m->in[0] * m->in[1] * m->in[2])
    return sim_error_set(SIM_EFORMAT, "%s: images are %ux%u but the model %s expects %ux%ux%u",
                         a->data, in->test_img->rows, in->test_img->cols, a->model, m->in[0],
                         m->in[1], m->in[2]);
  if (a->device && (rc = syn_device_preset_load("configs/devices", a->device, &in->dev)))
    return rc;
  return 0;
}

void conv_inputs_fini(conv_inputs *in)
{
  io_energy_destroy(in->energy);
  io_idx_destroy(in->test_img);
  io_idx_destroy(in->test_lab);
  io_idx_destroy(in->train_img);
  io_idx_destroy(in->train_lab);
  cnn_model_destroy(in->model);
  memset(in, 0, sizeof *in);
}

int conv_build(const conv_args *a, const conv_inputs *in, conv_result *r, cnn_snn **out)
{
  const io_idx *test = in->test_img, *train = in->train_img;
  r->images = a->images && a->images < test->n ? a->images : test->n;
  cnn_opts o = {a->percentile, a->calib, a->max_to_avg, a->poisson, 1};
  r->calib = a->calib < train->n ? a->calib : train->n;
  r->recorded_ann_acc = in->model->ann_accuracy;
  double t0 = sim_clock_s();
  int rc = cnn_convert(in->model, train->data, r->calib, &o, out);
  r->convert_s = sim_clock_s() - t0;
  return rc;
}

void conv_run(cnn_snn *s, const conv_inputs *in, const conv_args *a, uint32_t n,
              const char *what, conv_eval *r)
{
  const io_idx *img = in->test_img, *lab = in->test_lab;
  memset(r, 0, sizeof *r);
  const uint32_t isz = img->rows * img->cols;
  uint32_t ann_ok = 0, snn_ok[CONV_MAX_STEPS] = {0};
  int pred[CONV_MAX_STEPS];
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

uint32_t conv_energy_steps(const conv_args *a, const conv_eval *ideal)
{
  if (a->energy_steps)
    return a->energy_steps;
  for (uint32_t k = 0; k < a->nsteps; k++)
    if (ideal->snn_acc[k] >= ideal->ann_acc - 0.01)
      return a->steps[k];
  return a->steps[a->nsteps - 1];
}

void conv_energy(const conv_args *a, const conv_inputs *in, const cnn_snn *s, conv_result *r)
{
  r->neurons = 0;
  for (uint32_t k = 0; k < r->ideal.stats.nstages; k++)
    r->neurons += r->ideal.stats.neurons[k];
  const uint32_t T = conv_energy_steps(a, &r->ideal), tmax = a->steps[a->nsteps - 1];
  r->energy_steps = T;
  /* Counts are measured over the largest step count and scaled to T. */
  r->nlayers = cnn_layer_stats(s, &r->ideal.stats, r->images, tmax, r->layers, CONV_MAX_LAYERS);
  double f = (double)T / tmax;
  for (uint32_t k = 0; k < r->nlayers; k++) {
    net_layer_stats *l = &r->layers[k];
    l->in_spikes *= f, l->synops *= f, l->out_spikes *= f;
    l->steps = T;
  }
  memset(r->total, 0, sizeof r->total);
  for (uint32_t k = 0; k < r->nlayers; k++)
    for (int im = 0; im < NET_IMPL_COUNT; im++) {
      net_energy_layer(in->energy, &r->layers[k], im, &r->per[k][im]);
      net_energy_add(&r->total[im], &r->per[k][im]);
    }
}

void conv_devices(const conv_args *a, const conv_inputs *in, cnn_snn *s, conv_result *r)
{
  r->stuck = cnn_map_devices(s, &in->dev, a->drift_s, 7, 0);
  conv_eval d;
  conv_run(s, in, a, r->images, "SNN on devices", &d);
  r->dev_ann = d.ann_acc;
  memcpy(r->dev_snn, d.snn_acc, sizeof r->dev_snn);
}

void conv_finetune(const conv_args *a, const conv_inputs *in, cnn_snn *s, conv_result *r)
{
  const io_idx *train = in->train_img;
  r->finetune_images = a->finetune < train->n ? a->finetune : train->n;
  cnn_finetune_last(s, train->data, in->train_lab->data, r->finetune_images,
                    train->rows * train->cols);
  cnn_map_devices(s, &in->dev, a->drift_s, 11, 1); /* program the new last layer */
  conv_eval d;
  conv_run(s, in, a, r->images, "SNN after fine-tuning", &d);
  r->ft_ann = d.ann_acc;
  memcpy(r->ft_snn, d.snn_acc, sizeof r->ft_snn);
}

/* ------------------------------------------------------------------ */
/* The command                                                          */

int cmd_convert(int argc, char **argv)
{
  conv_args a;
  if (argc == 1 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) {
    fputs(usage, stdout);
    return 0;
  }
  int rc = conv_args_parse(argc, argv, &a);
  if (rc)
    return rc;
  conv_inputs in;
  conv_result *r = sim_calloc(1, sizeof *r, "convert results");
  cnn_snn *s = NULL;
  int status = 2; /* bad input until loaded */
  if (conv_load(&a, &in))
    goto fail;
  status = 1;
  if (conv_build(&a, &in, r, &s))
    goto fail;
  conv_run(s, &in, &a, r->images, "SNN", &r->ideal);
  conv_energy(&a, &in, s, r);
  conv_report_text(stdout, &a, r);
  if (a.device) {
    conv_devices(&a, &in, s, r);
    conv_report_devices(stdout, &a, r);
    if (a.finetune) {
      conv_finetune(&a, &in, s, r);
      conv_report_finetune(stdout, &a, r);
    }
  }
  if (a.json) {
    FILE *jf = fopen(a.json, "w");
    if (!jf) {
      sim_error_set(SIM_EIO, "cannot write %s: %s", a.json, strerror(errno));
      goto fail;
    }
    conv_report_json(jf, &a, r);
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
  conv_inputs_fini(&in);
  sim_free(r);
  return status;
}
