/*
 * cim.c: `memspike cim`, a trained CNN run as an ANN on compute-in-memory
 * cores (network/net_cnn_cores.h, after NeuRRAM, Wan et al. 2022): the
 * mapping onto 256 x 256 cores with the utilization of each, accuracy on
 * the cores with B-bit inputs and (B + 2)-bit outputs at the preset's
 * programming noise and over a sweep of relative programming noise, the
 * last layer retrained on the cores' measured features, energy, latency
 * and energy-delay product per inference against the digital ANN
 * (network/net_energy.c), and a backward (transposed) MVM through the same
 * devices: the last layer's backpropagated error W^T e against the float
 * product.  Loading and conversion are convert's steps (tools/convert.h).
 */
#include "cim.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"
#include "../io/io_datadir.h"
#include "../io/io_json.h"
#include "../network/net_cnn_cores.h"
#include "convert.h"

#define MAX_SWEEP 16

static const char usage[] =
    "usage: memspike cim MODEL --data DIR [--device PRESET] [--energy FILE.ini]\n"
    "         [--input-bits B] [--cores N] [--core-size R] [--images N] [--calib N]\n"
    "         [--prog-noise S[,S...]] [--repeats K] [--finetune-last N]\n"
    "         [--finetune-noise S] [--transpose N] [--seed S]\n"
    "         [--json FILE] [--quiet]\n"
    "  Run MODEL (a ReLU CNN, docs/model-format.md) on compute-in-memory cores of\n"
    "  transposable RRAM arrays (NeuRRAM, Wan et al. 2022; docs/examples/neurram.md).\n"
    "  --device PRESET   device preset (default rram_neurram2022)\n"
    "  --energy FILE     energy constants (default configs/energy/neurram.ini); its\n"
    "                    input_bits and adc_bits are set to B and B + 2\n"
    "  --input-bits B    MVM input bits (default 4); outputs are B + 2 bits\n"
    "  --cores N         cores on the chip (default 48)\n"
    "  --core-size R     R x R cells per core (default 256, even)\n"
    "  --images N        test images (default 1000)\n"
    "  --calib N         training images that set each layer's ADC range (default 64)\n"
    "  --prog-noise LIST relative programming noise sweep: std of each device's\n"
    "                    state after write-verify as a fraction of its range\n"
    "                    (e.g. 0,0.05,0.1; default: none)\n"
    "  --repeats K       independent programmings of the chip per noise level\n"
    "                    (mean and standard deviation; default 1)\n"
    "  --finetune-last N retrain the last layer on the cores' measured features of\n"
    "                    N training images, program it again (default 0: no)\n"
    "  --finetune-noise S the chip fine-tuned is programmed with relative noise S\n"
    "                    (default: the preset's)\n"
    "  --transpose N     backward MVM check on N test images (default 0: no)\n"
    "  --seed S          device keys (default 7)\n"
    "  --json FILE       write the results as JSON\n"
    "Exit status: 0 done; 2 bad input or usage; 1 run-time failure.\n";

typedef struct cim_args {
  conv_args c;              /* model, data, energy, device, calib percentile */
  uint32_t in_bits, ncores, size, images, calib, finetune, transpose;
  uint32_t repeats;         /* --repeats: programmings per sweep point */
  double ft_noise;          /* --finetune-noise: relative programming noise of
                               the chip the fine-tuning runs on (< 0: preset) */
  double sweep[MAX_SWEEP];
  uint32_t nsweep;
  uint64_t seed;
  const char *json;
  int quiet;
} cim_args;

static int usage_err(const char *fmt, const char *arg)
{
  return conv_usage_err("cim", usage, fmt, arg);
}

static int parse_count(const char *v, uint32_t lo, uint32_t hi, uint32_t *out)
{
  char *end;
  errno = 0;
  unsigned long x = strtoul(v, &end, 10);
  if (end == v || *end || errno || v[0] == '-' || x < lo || x > hi)
    return -1;
  *out = (uint32_t)x;
  return 0;
}

static int args_parse(int argc, char **argv, cim_args *a)
{
  memset(a, 0, sizeof *a);
  a->c.energy = io_datadir_file("configs/energy/neurram.ini");
  a->c.device = "rram_neurram2022";
  a->c.percentile = 99.9;
  a->c.v_init = 0.5;
  a->in_bits = 4;
  a->ncores = 48;
  a->size = 256;
  a->images = 1000;
  a->calib = 64;
  a->seed = 7;
  a->ft_noise = -1;
  a->repeats = 1;
  for (int i = 0; i < argc; i++) {
    const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (k[0] != '-') {
      if (a->c.model)
        return usage_err("one model file expected, got '%s' too", k);
      a->c.model = k;
      continue;
    }
    if (!strcmp(k, "--quiet")) {
      a->quiet = 1;
      continue;
    }
    static const char *const with_value[] = {
        "--data", "--device", "--energy", "--input-bits", "--cores", "--core-size", "--images",
        "--calib", "--prog-noise", "--finetune-last", "--finetune-noise", "--repeats",
        "--transpose", "--seed", "--json", NULL};
    if (conv_value_option("cim", usage, with_value, k, v))
      return 2;
    i++;
    if (!strcmp(k, "--data"))
      a->c.data = v;
    else if (!strcmp(k, "--device"))
      a->c.device = v;
    else if (!strcmp(k, "--energy"))
      a->c.energy = v;
    else if (!strcmp(k, "--json"))
      a->json = v;
    else if (!strcmp(k, "--input-bits")) {
      if (parse_count(v, 2, 14, &a->in_bits))
        return usage_err("--input-bits: expected a count of bits in 2..14 (got '%s')", v);
    } else if (!strcmp(k, "--cores")) {
      if (parse_count(v, 1, CNN_CORES_MAX_TILES, &a->ncores))
        return usage_err("--cores: expected a count in 1..1024 (got '%s')", v);
    } else if (!strcmp(k, "--core-size")) {
      if (parse_count(v, 2, 65536, &a->size) || a->size % 2)
        return usage_err("--core-size: expected an even count of rows in 2..65536 (got '%s')",
                         v);
    } else if (!strcmp(k, "--images")) {
      if (parse_count(v, 1, 100000000, &a->images))
        return usage_err("--images: expected a count >= 1 (got '%s')", v);
    } else if (!strcmp(k, "--calib")) {
      if (parse_count(v, 1, 100000, &a->calib))
        return usage_err("--calib: expected a count in 1..100000 (got '%s')", v);
    } else if (!strcmp(k, "--finetune-last")) {
      if (parse_count(v, 0, 100000000, &a->finetune))
        return usage_err("--finetune-last: expected a count >= 0 (got '%s')", v);
    } else if (!strcmp(k, "--repeats")) {
      if (parse_count(v, 1, 100, &a->repeats))
        return usage_err("--repeats: expected a count in 1..100 (got '%s')", v);
    } else if (!strcmp(k, "--finetune-noise")) {
      char *end;
      a->ft_noise = strtod(v, &end);
      if (end == v || *end || !(a->ft_noise >= 0 && a->ft_noise <= 1))
        return usage_err("--finetune-noise: expected a fraction in [0, 1] (got '%s')", v);
    } else if (!strcmp(k, "--transpose")) {
      if (parse_count(v, 0, 100000000, &a->transpose))
        return usage_err("--transpose: expected a count >= 0 (got '%s')", v);
    } else if (!strcmp(k, "--seed")) {
      uint32_t sd;
      if (parse_count(v, 0, 4000000000u, &sd))
        return usage_err("--seed: expected a whole number (got '%s')", v);
      a->seed = sd;
    } else if (!strcmp(k, "--prog-noise")) {
      char buf[256];
      snprintf(buf, sizeof buf, "%s", v);
      a->nsweep = 0;
      for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        char *end;
        double x = strtod(tok, &end);
        if (a->nsweep == MAX_SWEEP || end == tok || *end || !(x >= 0 && x <= 1))
          return usage_err("--prog-noise: expected up to 16 comma-separated fractions in "
                           "[0, 1] (got '%s')", v);
        a->sweep[a->nsweep++] = x;
      }
    }
  }
  if (!a->c.model)
    return usage_err("%s", "missing MODEL");
  if (!a->c.data)
    return usage_err("%s", "missing --data DIR");
  a->c.calib = 1000; /* conversion's normalization images */
  a->c.train_extra = a->calib > a->finetune ? a->calib : a->finetune; /* read here */
  return 0;
}

/* Fraction of the first n test images the cores classify right. */
static double accuracy(cnn_cores *c, const conv_inputs *in, uint32_t n)
{
  const io_idx *te = in->test_img;
  uint32_t isz = te->rows * te->cols, ok = 0;
  for (uint32_t i = 0; i < n; i++)
    ok += cnn_cores_predict(c, te->data + (size_t)i * isz) == in->test_lab->data[i];
  return (double)ok / n;
}

static void calibrate(cnn_cores *c, const conv_inputs *in, uint32_t n)
{
  const io_idx *tr = in->train_img;
  cnn_cores_calibrate(c, tr->data, n < tr->n ? n : tr->n, tr->rows * tr->cols);
}

/* The mapping: tiles and per-layer core counts. */
static io_json *json_mapping(const cnn_cores *c, const cnn_snn *s, const cim_args *a)
{
  const cnn_core_tile *t;
  uint32_t nt = cnn_cores_tiles(c, &t);
  io_json *o = io_json_object(), *tiles = io_json_array();
  io_json_set_uint(o, "chip_cores", a->ncores);
  io_json_set_uint(o, "core_rows", a->size);
  io_json_set_uint(o, "core_cols", a->size);
  io_json_set_uint(o, "cores_used", nt);
  double used = 0;
  for (uint32_t i = 0; i < nt; i++) {
    cnn_stage_view v;
    cnn_stage_get(s, t[i].stage, &v);
    io_json *e = io_json_object();
    io_json_set_str(e, "layer", v.name);
    io_json_set_uint(e, "row0", t[i].r0);
    io_json_set_uint(e, "weight_rows", t[i].nr);
    io_json_set_uint(e, "col0", t[i].c0);
    io_json_set_uint(e, "cols", t[i].nc);
    io_json_set_num(e, "utilization", t[i].utilization);
    io_json_push(tiles, e);
    used += t[i].utilization;
  }
  io_json_set_num(o, "mean_utilization", nt ? used / nt : 0);
  io_json_set_num(o, "chip_utilization", used / a->ncores);
  io_json_set(o, "tiles", tiles);
  return o;
}

/* Backward MVM through the same devices: g = W^T e for e = softmax(z) -
   onehot(label) of the last layer, on the first n test images, against
   the float product with the target weights. */
static io_json *transpose_check(cnn_cores *c, const conv_inputs *in, const cim_args *a,
                                uint32_t n)
{
  const cnn_core_tile *tl, *last;
  uint32_t nt = cnn_cores_tiles(c, &tl);
  last = &tl[nt - 1];
  const uint32_t nl = last->layer;
  uint32_t nin, nout;
  double wmax;
  const float *W = cnn_cores_weights(c, nl, &nin, &nout, &wmax);
  const io_idx *te = in->test_img;
  uint32_t isz = te->rows * te->cols;
  float *e = sim_calloc((size_t)n * nout, sizeof *e, "errors");
  float *h = sim_calloc((size_t)n * nin, sizeof *h, "features");
  float *g = sim_calloc(nin, sizeof *g, "backward MVM");
  for (uint32_t i = 0; i < n; i++) {
    uint32_t len;
    const float *f = cnn_cores_forward(c, te->data + (size_t)i * isz, last->stage - 1, &len);
    memcpy(h + (size_t)i * nin, f, nin * sizeof *h);
    const float *z = cnn_cores_forward(c, te->data + (size_t)i * isz, last->stage, &len);
    double zm = -INFINITY, sum = 0;
    for (uint32_t o = 0; o < nout; o++)
      zm = fmax(zm, z[o]);
    for (uint32_t o = 0; o < nout; o++)
      sum += exp(z[o] - zm);
    for (uint32_t o = 0; o < nout; o++)
      e[(size_t)i * nout + o] = (float)(exp(z[o] - zm) / sum - (o == in->test_lab->data[i]));
  }
  double vmax = 0;
  for (uint32_t i = 0; i < n; i++) /* the ADC range: the largest |V| of a first pass */
    vmax = fmax(vmax, cnn_cores_mvm_t(c, nl, e + (size_t)i * nout, g, 0, 1000 + i));
  double se2 = 0, sf2 = 0, serr = 0, sdot = 0, sc2 = 0, dd = 0, df2 = 0, dc2 = 0;
  io_json *samp_c = io_json_array(), *samp_f = io_json_array();
  for (uint32_t i = 0; i < n; i++) {
    const float *ei = e + (size_t)i * nout, *hi = h + (size_t)i * nin;
    cnn_cores_mvm_t(c, nl, ei, g, vmax, 2000 + i);
    for (uint32_t o = 0; o < nout; o++)
      se2 += (double)ei[o] * ei[o];
    for (uint32_t r = 0; r < nin; r++) {
      double gf = 0;
      for (uint32_t o = 0; o < nout; o++)
        gf += (double)W[(size_t)o * nin + r] * ei[o];
      double gc = g[r];
      if (i == 0) { /* the first image's vectors, for the figure */
        io_json_push(samp_c, io_json_num(gc));
        io_json_push(samp_f, io_json_num(gf));
      }
      sf2 += gf * gf;
      sc2 += gc * gc;
      serr += (gc - gf) * (gc - gf);
      sdot += gc * gf;
      if (hi[r] > 0) { /* the hidden layer's delta: ReLU' masks the rows */
        dd += gc * gf;
        df2 += gf * gf;
        dc2 += gc * gc;
      }
    }
  }
  io_json *o = io_json_object();
  io_json_set_uint(o, "images", n);
  io_json_set_uint(o, "rows_out", nin);
  io_json_set_uint(o, "cols_in", nout);
  io_json_set_num(o, "wmax", wmax);
  io_json_set_uint(o, "input_bits", a->in_bits);
  io_json_set_uint(o, "output_bits", a->in_bits + 2);
  io_json_set_num(o, "clip_v", vmax);
  io_json_set_num(o, "sum_e2", se2);
  io_json_set_num(o, "sum_float_g2", sf2);
  io_json_set_num(o, "sum_cross_g2", sc2);
  io_json_set_num(o, "sum_err2", serr);
  io_json_set_num(o, "rel_err", sf2 > 0 ? sqrt(serr / sf2) : NAN);
  io_json_set_num(o, "cosine", sf2 > 0 && sc2 > 0 ? sdot / sqrt(sf2 * sc2) : NAN);
  io_json_set(o, "first_cross", samp_c);
  io_json_set(o, "first_float", samp_f);
  io_json_set_num(o, "delta_cosine", df2 > 0 && dc2 > 0 ? dd / sqrt(df2 * dc2) : NAN);
  if (!a->quiet)
    fprintf(stderr, "cim: backward MVM on %u images: relative error %.4f, cosine %.5f\n", n,
            sf2 > 0 ? sqrt(serr / sf2) : NAN, sf2 > 0 && sc2 > 0 ? sdot / sqrt(sf2 * sc2) : NAN);
  sim_free(e);
  sim_free(h);
  sim_free(g);
  return o;
}

static io_json *json_energy(const net_energy *e)
{
  io_json *o = io_json_object();
  io_json_set_num(o, "total_pj", e->total_pj);
  io_json_set_num(o, "compute_pj", e->compute_pj);
  io_json_set_num(o, "memory_pj", e->memory_pj);
  io_json_set_num(o, "convert_pj", e->convert_pj);
  io_json_set_num(o, "latency_ns", e->latency_ns);
  io_json_set_num(o, "edp_pj_ns", e->total_pj * e->latency_ns);
  return o;
}

/* Energy, latency and EDP per inference: cores (ann_crossbar with the
   file's crossbar section) against the digital ANN. */
static io_json *energy(const cnn_cores *c, net_energy_param *p, const cim_args *a)
{
  net_layer_stats ls[CNN_MAX_STAGES];
  uint32_t n = cnn_cores_layer_stats(c, ls, CNN_MAX_STAGES);
  p->crossbar_input_bits = a->in_bits;
  p->crossbar_adc_bits = a->in_bits + 2;
  p->crossbar_array_rows = p->crossbar_array_cols = a->size;
  net_energy tot[2] = {{0}};
  io_json *o = io_json_object(), *layers = io_json_array();
  for (uint32_t k = 0; k < n; k++) {
    net_energy e[2];
    net_energy_layer(p, &ls[k], NET_IMPL_ANN_CROSSBAR, &e[0]);
    net_energy_layer(p, &ls[k], NET_IMPL_ANN_DIGITAL, &e[1]);
    net_energy_add(&tot[0], &e[0]);
    net_energy_add(&tot[1], &e[1]);
    io_json *l = io_json_object();
    io_json_set_str(l, "layer", ls[k].name);
    io_json_set_num(l, "macs", ls[k].macs);
    io_json_set(l, "cores", json_energy(&e[0]));
    io_json_set(l, "digital", json_energy(&e[1]));
    io_json_push(layers, l);
  }
  io_json_set(o, "layers", layers);
  io_json_set(o, "cores", json_energy(&tot[0]));
  io_json_set(o, "digital", json_energy(&tot[1]));
  io_json_set_str(o, "digital_precision", p->digital_precision ? "int8" : "fp32");
  io_json_set_num(o, "energy_ratio", tot[1].total_pj / tot[0].total_pj);
  io_json_set_num(o, "latency_ratio", tot[1].latency_ns / tot[0].latency_ns);
  io_json_set_num(o, "edp_ratio", tot[1].total_pj * tot[1].latency_ns /
                                      (tot[0].total_pj * tot[0].latency_ns));
  if (!a->quiet)
    fprintf(stderr, "cim: per inference: cores %.4g nJ, %.4g us; digital %.4g nJ, %.4g us; "
            "EDP ratio %.3g\n", tot[0].total_pj / 1e3, tot[0].latency_ns / 1e3,
            tot[1].total_pj / 1e3, tot[1].latency_ns / 1e3,
            tot[1].total_pj * tot[1].latency_ns / (tot[0].total_pj * tot[0].latency_ns));
  return o;
}

int cmd_cim(int argc, char **argv)
{
  for (int i = 0; i < argc; i++)
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      fputs(usage, stdout);
      return 0;
    }
  cim_args a;
  int rc = args_parse(argc, argv, &a);
  if (rc)
    return rc;
  conv_inputs in;
  conv_result *r = sim_calloc(1, sizeof *r, "cim results");
  cnn_snn *s = NULL;
  cnn_cores *c = NULL;
  io_json *root = NULL;
  int status = 2;
  a.c.quiet = 1;
  if (conv_load(&a.c, &in) || conv_build(&a.c, &in, r, &s))
    goto fail;
  cnn_core_opts o = {.rows = a.size, .cols = a.size, .ncores = a.ncores, .in_bits = a.in_bits,
                     .out_bits = a.in_bits + 2, .out_percentile = 99.9, .drift_s = 0,
                     .seed = a.seed};
  if (cnn_cores_create(s, &in.dev, &o, &c))
    goto fail;
  status = 1;
  uint32_t n = a.images < in.test_img->n ? a.images : in.test_img->n;
  root = io_json_object();
  io_json_set_str(root, "model", a.c.model);
  io_json_set_str(root, "device", in.dev.name);
  io_json_set_uint(root, "images", n);
  io_json_set_uint(root, "input_bits", a.in_bits);
  io_json_set_uint(root, "output_bits", a.in_bits + 2);
  io_json_set_num(root, "prog_noise_preset", in.dev.prog_noise_c0 / (in.dev.w_max - in.dev.w_min));
  io_json_set(root, "mapping", json_mapping(c, s, &a));
  {
    const io_idx *te = in.test_img;
    uint32_t isz = te->rows * te->cols, ok = 0;
    for (uint32_t i = 0; i < n; i++)
      ok += cnn_ann_predict(s, te->data + (size_t)i * isz, NULL) == in.test_lab->data[i];
    io_json_set_num(root, "float_accuracy", (double)ok / n);
  }
  calibrate(c, &in, a.calib);
  double acc0 = accuracy(c, &in, n);
  io_json_set_num(root, "core_accuracy", acc0);
  if (!a.quiet)
    fprintf(stderr, "cim: %s on %u cores: accuracy %.4f (%u images)\n", a.c.model,
            cnn_cores_tiles(c, &(const cnn_core_tile *){NULL}), acc0, n);
  io_json *sw = io_json_array();
  for (uint32_t q = 0; q < a.nsweep; q++) {
    double sum = 0, sum2 = 0;
    io_json *each = io_json_array();
    for (uint32_t k = 0; k < a.repeats; k++) {
      cnn_cores_program(c, -1, 100 + 100 * (uint64_t)k + q, a.sweep[q]);
      calibrate(c, &in, a.calib);
      double acc = accuracy(c, &in, n);
      sum += acc;
      sum2 += acc * acc;
      io_json_push(each, io_json_num(acc));
    }
    double mean = sum / a.repeats;
    double sd = a.repeats > 1 ? sqrt(fmax(0, (sum2 - a.repeats * mean * mean) / (a.repeats - 1)))
                              : 0;
    io_json *e = io_json_object();
    io_json_set_num(e, "prog_noise", a.sweep[q]);
    io_json_set_num(e, "accuracy", mean);
    io_json_set_num(e, "accuracy_sd", sd);
    io_json_set(e, "accuracies", each);
    io_json_push(sw, e);
    if (!a.quiet)
      fprintf(stderr, "cim: relative programming noise %.3f: accuracy %.4f +- %.4f (%u "
              "programmings)\n", a.sweep[q], mean, sd, a.repeats);
  }
  io_json_set(root, "sweep", sw);
  if (a.nsweep) { /* back to the preset's programming */
    cnn_cores_program(c, -1, 0, -1);
    calibrate(c, &in, a.calib);
  }
  io_json_set(root, "energy", energy(c, in.energy, &a));
  if (a.transpose)
    io_json_set(root, "transpose",
                transpose_check(c, &in, &a, a.transpose < in.test_img->n ? a.transpose
                                                                         : in.test_img->n));
  if (a.finetune) {
    const io_idx *tr = in.train_img;
    uint32_t nf = a.finetune < tr->n ? a.finetune : tr->n;
    if (a.ft_noise >= 0) {
      cnn_cores_program(c, -1, 50, a.ft_noise);
      calibrate(c, &in, a.calib);
      acc0 = accuracy(c, &in, n);
    }
    int kept_h = cnn_cores_finetune_hidden(c, tr->data, in.train_lab->data, nf,
                                           tr->rows * tr->cols, 3, 52, a.ft_noise);
    double acc_h = accuracy(c, &in, n);
    if (!a.quiet)
      fprintf(stderr, "cim: hidden layer retrained on the cores' measured inputs of %u images "
              "(epoch %d kept): accuracy %.4f -> %.4f\n", nf, kept_h, acc0, acc_h);
    int kept = cnn_cores_finetune_last(c, tr->data, in.train_lab->data, nf,
                                       tr->rows * tr->cols, 5, 51, a.ft_noise);
    double acc = accuracy(c, &in, n);
    io_json *f = io_json_object();
    io_json_set_uint(f, "train_images", nf);
    io_json_set_num(f, "prog_noise", a.ft_noise >= 0 ? a.ft_noise : in.dev.prog_noise_c0 /
                                                                   (in.dev.w_max - in.dev.w_min));
    io_json_set_int(f, "epoch_kept", kept);
    io_json_set_num(f, "accuracy_before", acc0);
    io_json_set_int(f, "hidden_epoch_kept", kept_h);
    io_json_set_num(f, "accuracy_after_hidden", acc_h);
    io_json_set_num(f, "accuracy_after", acc);
    io_json_set(root, "finetune", f);
    if (!a.quiet)
      fprintf(stderr, "cim: last layer retrained on the cores' features of %u images (epoch "
              "%d kept): accuracy %.4f -> %.4f\n", nf, kept, acc0, acc);
  }
  if (a.json) {
    FILE *jf = fopen(a.json, "w");
    if (!jf) {
      sim_error_set(SIM_EIO, "cannot write %s: %s", a.json, strerror(errno));
      goto fail;
    }
    int bad = io_json_write(root, jf, a.json);
    if (fclose(jf) || bad) {
      sim_error_set(SIM_EIO, "cannot write %s", a.json);
      goto fail;
    }
  }
  status = 0;
fail:
  if (status)
    fprintf(stderr, "memspike: cim: %s\n", sim_error_msg());
  io_json_destroy(root);
  cnn_cores_destroy(c);
  cnn_snn_destroy(s);
  conv_inputs_fini(&in);
  sim_free(r);
  return status;
}
