/*
 * image_cmd.c: memspike image MODEL --image FILE.idx [options]
 *
 * One image through a model whose output is a feature map (e.g. edge
 * kernels: examples/mott_edges.sh builds one), on the converter's crossbar
 * ANN (network/net_cnn.c): the float32 reference, then the weights on
 * device pairs (--device), with the ADC + digital ReLU path and with
 * analog activation neurons (--activation, network/net_act.h) between the
 * layers; writes the three output maps and the crossbar energy per image
 * of both paths as JSON.  The crossbar, the devices and the neurons are
 * the converter's code: this file only wires them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"
#include "../io/io_act.h"
#include "../io/io_datadir.h"
#include "../io/io_energy.h"
#include "../io/io_idx.h"
#include "../io/io_json.h"
#include "../io/io_model.h"
#include "../io/io_preset.h"
#include "../network/net_act.h"
#include "../network/net_cnn.h"
#include "image_cmd.h"

static const char usage[] =
    "usage: memspike image MODEL --image FILE.idx --json OUT.json [--device PRESET]\n"
    "         [--activation vo2[:PRESET]] [--energy FILE.ini] [--percentile P]\n"
    "         [--drift-time S] [--seed N]\n"
    "  MODEL          model file (docs/model-format.md) whose `classes` is its output\n"
    "                 map's size (C x H x W values)\n"
    "  --image FILE   IDX images file (uint8); its first image is run, and it also\n"
    "                 calibrates the normalization\n"
    "  --json OUT     the maps (float reference, ADC path, analog path; normalized\n"
    "                 units, row-major) and the energy of both paths\n"
    "  --device P     weights on device pairs of preset P (default ideal)\n"
    "  --activation A vo2 (configs/neurons/vo2_oh2021.ini, the default) or vo2:PRESET\n"
    "  --energy FILE  energy constants (default configs/energy/default.ini)\n"
    "  --percentile P of positive activations, for the normalization (default 99.9)\n"
    "  --drift-time S seconds between programming and inference (default 1)\n"
    "  --seed N       keys the devices and the neurons (default 7)\n"
    "Exit status: 0 success; 1 failure writing output; 2 bad input or usage.\n";

static int fail_usage(const char *what, const char *v)
{
  fprintf(stderr, "memspike: image: %s '%s'\n%s", what, v, usage);
  return 2;
}

static io_json *energy_json(const net_energy *e, double acts, double e_act)
{
  io_json *o = io_json_object();
  io_json_set_num(o, "energy_pj", e->total_pj);
  io_json_set_num(o, "compute_pj", e->compute_pj);
  io_json_set_num(o, "convert_pj", e->convert_pj);
  io_json_set_num(o, "memory_pj", e->memory_pj);
  io_json_set_num(o, "neuron_pj", e->neuron_pj);
  io_json_set_num(o, "latency_ns", e->latency_ns);
  io_json_set_num(o, "activations", acts);
  io_json_set_num(o, "e_act_pj", e_act);
  return o;
}

/* The crossbar energy per image of s with its activation now. */
static void image_energy(const cnn_snn *s, const net_energy_param *p, net_energy *tot,
                         double *acts)
{
  net_layer_stats l[CNN_MAX_STAGES];
  cnn_run_stats z;
  memset(&z, 0, sizeof z);
  uint32_t n = cnn_layer_stats(s, &z, 1, 1, -1, l, CNN_MAX_STAGES);
  memset(tot, 0, sizeof *tot);
  *acts = 0;
  for (uint32_t q = 0; q < n; q++) {
    net_energy e;
    net_energy_layer(p, &l[q], NET_IMPL_ANN_CROSSBAR, &e);
    net_energy_add(tot, &e);
    if (l[q].analog_out)
      *acts += (double)l[q].patches * (double)l[q].cols;
  }
}

static io_json *map_json(const float *y, uint32_t n)
{
  double *d = sim_malloc((size_t)n * sizeof *d, "output map");
  for (uint32_t i = 0; i < n; i++)
    d[i] = y[i];
  io_json *a = io_json_nums(d, n);
  sim_free(d);
  return a;
}

int cmd_image(int argc, char **argv)
{
  const char *model = NULL, *image = NULL, *json = NULL, *device = "ideal";
  const char *act = "vo2", *energy = io_datadir_file("configs/energy/default.ini");
  double percentile = 99.9, drift_s = 1.0;
  uint64_t seed = 7;
  for (int i = 0; i < argc; i++) {
    const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(k, "--help") || !strcmp(k, "-h")) {
      fputs(usage, stdout);
      return 0;
    }
    if (k[0] != '-') {
      if (model)
        return fail_usage("one model file expected, got", k);
      model = k;
      continue;
    }
    if (!v)
      return fail_usage("option needs a value:", k);
    i++;
    char *end = NULL;
    if (!strcmp(k, "--image"))
      image = v;
    else if (!strcmp(k, "--json"))
      json = v;
    else if (!strcmp(k, "--device"))
      device = v;
    else if (!strcmp(k, "--energy"))
      energy = v;
    else if (!strcmp(k, "--activation")) {
      if (strcmp(v, "vo2") && strncmp(v, "vo2:", 4))
        return fail_usage("--activation: expected vo2 or vo2:PRESET, got", v);
      act = v;
    } else if (!strcmp(k, "--percentile")) {
      percentile = strtod(v, &end);
      if (end == v || *end || !(percentile > 0 && percentile <= 100))
        return fail_usage("--percentile: expected a number in (0, 100], got", v);
    } else if (!strcmp(k, "--drift-time")) {
      drift_s = strtod(v, &end);
      if (end == v || *end || !(drift_s >= 0 && drift_s < 1e12))
        return fail_usage("--drift-time: expected seconds >= 0, got", v);
    } else if (!strcmp(k, "--seed")) {
      errno = 0;
      unsigned long long x = strtoull(v, &end, 10);
      if (end == v || *end || errno || v[0] == '-')
        return fail_usage("--seed: expected a whole number >= 0, got", v);
      seed = x;
    } else
      return fail_usage("unknown option", k);
  }
  if (!model || !image || !json)
    return fail_usage("missing MODEL, --image or --json:", model ? (image ? "--json" : "--image")
                                                                 : "MODEL");
  cnn_model *m = NULL;
  io_idx *img = NULL;
  net_energy_param *ep = NULL;
  cnn_snn *s = NULL;
  float *maps[3] = {NULL, NULL, NULL};
  io_json *doc = NULL;
  syn_device_param dev;
  net_act_param adc, mott;
  int status = 2, rc;
  if ((rc = io_model_load(model, &m)) || (rc = io_idx_load(image, &img)) ||
      (rc = io_energy_load(energy, &ep)) || (rc = io_preset_find(NULL, device, &dev)) ||
      (rc = io_act_find(!strncmp(act, "vo2:", 4) ? act + 4 : "vo2_oh2021", &mott)))
    goto fail;
  if (img->rows * img->cols != m->in[0] * m->in[1] * m->in[2] || m->in[0] != 1) {
    sim_error_set(SIM_EFORMAT, "%s: images are %ux%u but the model %s expects 1x%ux%u", image,
                  img->rows, img->cols, model, m->in[1], m->in[2]);
    goto fail;
  }
  cnn_opts o = {.percentile = percentile, .calib = 1, .seed = 1, .v_init = 0.5};
  if (cnn_convert(m, img->data, 1, &o, &s))
    goto fail;
  const uint32_t n = m->nclasses;
  for (int k = 0; k < 3; k++)
    maps[k] = sim_malloc((size_t)n * sizeof(float), "output map");
  /* 0: the float32 ANN on the model's weights. */
  cnn_snn_select(s, 0);
  cnn_ann_predict(s, img->data, maps[0]);
  /* The weights onto the device pairs, then both paths on them. */
  uint64_t stuck = cnn_map_devices(s, &dev, drift_s, seed, 0);
  mott.seed = seed;
  net_act_adc(&adc, (uint32_t)ep->crossbar_input_bits, 1.0);
  net_energy e[2];
  double acts[2];
  const net_act_param *path[2] = {&adc, &mott};
  for (int k = 0; k < 2; k++) {
    if (cnn_set_activation(s, path[k]))
      goto fail;
    cnn_ann_predict(s, img->data, maps[1 + k]);
    image_energy(s, ep, &e[k], &acts[k]);
  }
  status = 1;
  doc = io_json_object();
  io_json_set_str(doc, "model", model);
  io_json_set_str(doc, "image", image);
  io_json_set_str(doc, "device", device);
  io_json_set_str(doc, "activation", mott.name);
  io_json_set_uint(doc, "stuck_devices", stuck);
  io_json_set_uint(doc, "channels", m->nclasses / (img->rows * img->cols) > 0
                                         ? m->nclasses / (img->rows * img->cols) : 1);
  io_json_set_uint(doc, "rows", img->rows);
  io_json_set_uint(doc, "cols", img->cols);
  io_json_set(doc, "reference", map_json(maps[0], n));
  io_json_set(doc, "adc_map", map_json(maps[1], n));
  io_json_set(doc, "analog_map", map_json(maps[2], n));
  io_json_set(doc, "adc", energy_json(&e[0], acts[0], 0));
  io_json_set(doc, "analog", energy_json(&e[1], acts[1], mott.e_act_pj));
  io_json_set_num(doc, "energy_ratio", e[0].total_pj > 0 ? e[1].total_pj / e[0].total_pj : 0);
  FILE *f = fopen(json, "w");
  if (!f) {
    sim_error_set(SIM_EIO, "cannot write %s: %s", json, strerror(errno));
    goto fail;
  }
  int bad = io_json_write(doc, f, json);
  if (fclose(f) || bad) {
    sim_error_set(SIM_EIO, "cannot write %s", json);
    goto fail;
  }
  printf("image %ux%u, %u outputs: crossbar energy per image, ADC + digital ReLU %.3f nJ, "
         "%s %.3f nJ (%.0f activations); %s\n",
         img->rows, img->cols, n, e[0].total_pj / 1e3, mott.name, e[1].total_pj / 1e3, acts[1],
         json);
  status = 0;
fail:
  if (status)
    fprintf(stderr, "memspike: image: %s\n", sim_error_msg());
  io_json_destroy(doc);
  for (int k = 0; k < 3; k++)
    sim_free(maps[k]);
  cnn_snn_destroy(s);
  io_energy_destroy(ep);
  io_idx_destroy(img);
  cnn_model_destroy(m);
  return status;
}
