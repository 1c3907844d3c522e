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
#include <sys/stat.h>
#include <unistd.h>

#include "../core/sim_alloc.h"
#include "../core/sim_clock.h"
#include "../core/sim_error.h"
#include "../io/io_datadir.h"
#include "../io/io_energy.h"
#include "../io/io_idx.h"
#include "../io/io_log.h"
#include "../io/io_model.h"
#include "../io/io_preset.h"
#include "../io/io_recorder.h"
#include "../mpi/comm.h"
#include "../network/net_cnn_engine.h"
#include "convert_report.h"

static const char usage[] =
    "usage: memspike convert MODEL --data DIR [--steps 8,16,32,64,128] [--images N]\n"
    "         [--calib N] [--percentile P] [--input current|poisson] [--maxpool gate|avg]\n"
    "         [--energy FILE.ini] [--energy-steps T] [--device PRESET] [--drift-time S]\n"
    "         [--temperature T]\n"
    "         [--finetune-last N] [--schedule batch|engine] [--log DIR] [--json FILE]\n"
    "         [--replicate LIST] [--array RxC] [--arrays N] [--pack MODE]\n"
    "         [--activation vo2[:PRESET]] [--quiet]\n"
    "  MODEL            model file (docs/model-format.md), e.g. configs/models/fmnist_cnn.msgpack\n"
    "  --data DIR       IDX .gz files (Fashion-MNIST: /usr/share/datasets/fashion-mnist)\n"
    "  --steps LIST     SNN time steps to report (one run to the largest)\n"
    "  --images N       test images to use (default all)\n"
    "  --calib N        training images for data-based normalization (default 1000)\n"
    "  --percentile P   of positive activations (default 99.9; 100 = max-norm)\n"
    "  --input          constant current into the first layer (default) or Poisson spikes\n"
    "  --maxpool        gate: the largest input spike count (default); avg: replace by\n"
    "                   average pooling\n"
    "  --v-init F       initial membrane potential, a fraction of the threshold\n"
    "                   (default 0.5: centres the spike count's rounding error)\n"
    "  --energy FILE    energy constants (default configs/energy/default.ini, looked up in\n"
    "                   $MEMSPIKE_DATADIR, here, the source tree, PREFIX/share/memspike)\n"
    "  --energy-steps T steps for the energy table (default: the fewest within 1% of\n"
    "                   the ANN's accuracy, else the largest)\n"
    "  --device PRESET  weights on device pairs of this preset ($MEMSPIKE_DEVICES, then\n"
    "                   configs/devices/)\n"
    "  --drift-time S   time between programming and inference: seconds, or a number\n"
    "                   with s, h, d or y (365.25 d): 3600, 1h, 10y (default 1)\n"
    "  --temperature T  the devices' temperature while idle and read: kelvin, or with\n"
    "                   K or C: 358.15, 85C (default: the preset's temperature_k;\n"
    "                   sets the retention time constant of retention = arrhenius)\n"
    "  --finetune-last N retrain the last layer on N training images through the\n"
    "                   weights the devices hold, in place on the same devices\n"
    "                   (Yao et al. 2020), and normalize it again\n"
    "  --schedule S     batch (default): the converter's own fast runner; engine: the\n"
    "                   kernel's engine, one tick per layer (needs --maxpool avg for\n"
    "                   max pooling, and current input); compare: both, reporting the\n"
    "                   batch runner's results and how often the two agree\n"
    "  --log DIR        engine schedule: event log DIR/events.rankR.msgpack, one image\n"
    "                   after the other (memspike replay reads it)\n"
    "  --json FILE      write the results as JSON (tools/plot_energy.py plots it;\n"
    "                   tools/plot_frontier.py plots several codings' files together)\n"
    "  --coding C       rate (default): IF neurons, spike counts; qcfs: a model trained\n"
    "                   with QCFS activations (tools/train_fmnist.py --activation qcfs),\n"
    "                   threshold = the trained clip, membranes start at half of it;\n"
    "                   ttfs: time to first spike, at most one spike per neuron, each\n"
    "                   layer a window of T steps (--steps: T per layer)\n"
    "  --replicate LIST copies of each conv layer's kernel on the crossbars (Yao et al.\n"
    "                   2020); the first sets the energy table, and a table compares\n"
    "                   latency, energy and arrays for each (e.g. 1,2,4,8; default:\n"
    "                   the energy file's replication)\n"
    "  --array RxC      crossbar array geometry: R input rows x C columns, two columns\n"
    "                   per signed weight (C even; e.g. 128x16, Yao et al. 2020's\n"
    "                   2,048-cell arrays; default: the energy file's array_rows and\n"
    "                   array_cols); the report lists each layer's arrays and their\n"
    "                   utilization\n"
    "  --arrays N       arrays available: a model that needs more (at the first\n"
    "                   --replicate count) is refused naming each layer's count\n"
    "  --activation A   also the crossbar ANN with A between its layers against ADC +\n"
    "                   digital ReLU: vo2 (VO2 Mott neurons, configs/neurons/vo2_oh2021.ini)\n"
    "                   or vo2:PRESET (configs/neurons/PRESET.ini or a path); on the\n"
    "                   device-held weights with --device\n"
    "  --pack MODE      how layer tiles share arrays: per-layer (default: each tile an\n"
    "                   array of its own), diagonal (tiles of any layers or copies share\n"
    "                   an array on disjoint rows and columns), shared (on disjoint\n"
    "                   cells); an array reads one tile at a time (docs/energy.md)\n"
    "  --quiet          no progress on stderr\n"
    MONITOR_USAGE
    "  Under mpirun -np N the test images are split over the N ranks.\n"
    "Exit status: 0 success; 1 failure at run time (writing output); 2 bad input\n"
    "(model file, its structure, data, energy or preset files) or usage; 3 out of\n"
    "memory.\n";

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

/* "3600", "1h", "1d", "10y" (365.25 d) into seconds >= 0. */
static int parse_duration(const char *v, double *out)
{
  char *end;
  double x = strtod(v, &end), unit = 1;
  if (end == v)
    return -1;
  if (*end && !end[1]) {
    switch (*end) {
    case 's': unit = 1; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    case 'y': unit = 365.25 * 86400; break;
    default: return -1;
    }
  } else if (*end)
    return -1;
  *out = x * unit;
  return x >= 0 && isfinite(*out) ? 0 : -1;
}

/* "358.15", "358.15K", "85C" into kelvin > 0. */
static int parse_temperature(const char *v, double *out)
{
  char *end;
  double x = strtod(v, &end);
  if (end == v || (*end && end[1]))
    return -1;
  if (*end == 'C' || *end == 'c')
    x += 273.15;
  else if (*end && *end != 'K' && *end != 'k')
    return -1;
  *out = x;
  return x > 0 && isfinite(x) ? 0 : -1;
}

int conv_usage_err(const char *cmd, const char *use, const char *fmt, const char *arg)
{
  fprintf(stderr, "memspike: %s: ", cmd);
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n%s", use);
  return 2;
}

int conv_value_option(const char *cmd, const char *use, const char *const *names,
                      const char *k, const char *v)
{
  int known = 0;
  for (const char *const *w = names; *w && !known; w++)
    known = !strcmp(k, *w);
  if (!known)
    return conv_usage_err(cmd, use, "unknown option '%s'", k);
  if (!v)
    return conv_usage_err(cmd, use, "option '%s' needs a value", k);
  return 0;
}

static int usage_err(const char *fmt, const char *arg)
{
  return conv_usage_err("convert", usage, fmt, arg);
}

int conv_args_parse(int argc, char **argv, conv_args *a)
{
  memset(a, 0, sizeof *a);
  monitor_opts_init(&a->monitor);
  a->energy = io_datadir_file("configs/energy/default.ini"); /* cwd, source tree, prefix */
  a->calib = 1000;
  a->percentile = 99.9;
  a->drift_s = 1.0;
  a->v_init = 0.5;
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
    int mk = monitor_parse(argc, argv, &i, &a->monitor);
    if (mk < 0)
      return usage_err("%s", sim_error_msg());
    if (mk)
      continue;
    static const char *const with_value[] = {
        "--data", "--energy", "--device", "--json", "--steps", "--images", "--calib",
        "--energy-steps", "--finetune-last", "--percentile", "--drift-time", "--input",
        "--temperature",
        "--schedule", "--maxpool", "--log", "--coding", "--replicate", "--v-init", "--array",
        "--arrays", "--pack", "--activation", NULL};
    if (conv_value_option("convert", usage, with_value, k, v))
      return 2;
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
    } else if (!strcmp(k, "--v-init")) {
      char *end;
      a->v_init = strtod(v, &end);
      if (end == v || *end || !(a->v_init >= 0 && a->v_init < 1))
        return usage_err("--v-init: expected a fraction of the threshold in [0, 1) (got '%s')",
                         v);
    } else if (!strcmp(k, "--drift-time")) {
      if (parse_duration(v, &a->drift_s))
        return usage_err("--drift-time: expected seconds >= 0, or a number with s, h, d or "
                         "y (got '%s')",
                         v);
    } else if (!strcmp(k, "--temperature")) {
      if (parse_temperature(v, &a->temperature_k))
        return usage_err("--temperature: expected kelvin > 0, or a number with K or C "
                         "(got '%s')",
                         v);
    } else if (!strcmp(k, "--input")) {
      if (!strcmp(v, "poisson"))
        a->poisson = 1;
      else if (strcmp(v, "current"))
        return usage_err("--input: expected current or poisson (got '%s')", v);
    } else if (!strcmp(k, "--schedule")) {
      if (!strcmp(v, "engine"))
        a->engine = 1;
      else if (!strcmp(v, "compare"))
        a->engine = 2;
      else if (strcmp(v, "batch"))
        return usage_err("--schedule: expected batch, engine or compare (got '%s')", v);
    } else if (!strcmp(k, "--coding")) {
      if ((a->coding = cnn_coding_find(v)) < 0)
        return usage_err("--coding: expected rate, qcfs or ttfs (got '%s')", v);
    } else if (!strcmp(k, "--replicate")) {
      char buf[256];
      snprintf(buf, sizeof buf, "%s", v);
      a->nreplicate = 0;
      for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        uint32_t r;
        if (a->nreplicate == 8 || parse_u32(tok, &r) || r < 1 || r > 4096)
          return usage_err("--replicate: expected up to 8 comma-separated kernel copy "
                           "counts in 1..4096 (got '%s')", v);
        a->replicate[a->nreplicate++] = r;
      }
      if (!a->nreplicate)
        return usage_err("--replicate: expected at least one count (got '%s')", v);
    } else if (!strcmp(k, "--array")) {
      char buf[64], *x;
      snprintf(buf, sizeof buf, "%s", v);
      if (!(x = strchr(buf, 'x')) || (*x = 0, parse_u32(buf, &a->array_rows)) ||
          parse_u32(x + 1, &a->array_cols) || !a->array_rows || !a->array_cols ||
          a->array_rows > 1000000 || a->array_cols > 1000000 || a->array_cols % 2)
        return usage_err("--array: expected ROWSxCOLS, whole numbers in 1..1000000 with "
                         "COLS even (a signed weight is a pair of columns), e.g. 128x16 "
                         "(got '%s')", v);
    } else if (!strcmp(k, "--arrays")) {
      if (parse_u32(v, &a->arrays_budget) || !a->arrays_budget)
        return usage_err("--arrays: expected a count >= 1 (got '%s')", v);
    } else if (!strcmp(k, "--activation")) {
      if (conv_activation_arg(v, a))
        return 2;
    } else if (!strcmp(k, "--pack")) {
      if ((a->pack = net_pack_find(v)) < 0)
        return usage_err("--pack: expected per-layer, diagonal or shared (got '%s')", v);
    } else if (!strcmp(k, "--log")) {
      a->log_dir = v;
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
  if (a->log_dir && !a->engine)
    return usage_err("%s", "--log needs --schedule engine (the batch runner keeps no log)");
  if (a->temperature_k > 0 && !a->device)
    return usage_err("%s", "--temperature needs --device PRESET (it is the devices' temperature)");
  if (a->engine && a->poisson)
    return usage_err("%s", "--schedule engine runs current input only (no --input poisson)");
  if (monitor_check(&a->monitor) != 0)
    return usage_err("%s", sim_error_msg());
  if (a->coding != CNN_CODING_RATE && (a->engine || a->poisson))
    return usage_err("--coding %s: runs on the batch schedule with current input only (no "
                     "--schedule engine/compare, no --input poisson)", cnn_coding_name(a->coding));
  return 0;
}

/* ------------------------------------------------------------------ */
/* Steps                                                                */

int conv_load(const conv_args *a, conv_inputs *in)
{
  memset(in, 0, sizeof *in);
  /* The training set is used from its start only: calibration, fine-tuning
     (conv_build, conv_finetune) and the caller's extra; the rest is left
     compressed (0.15 s of inflation for 60000 images). */
  uint32_t ntrain = a->calib > a->finetune ? a->calib : a->finetune;
  if (a->train_extra > ntrain)
    ntrain = a->train_extra;
  int rc;
  if ((rc = io_model_load(a->model, &in->model)) ||
      (rc = io_idx_load_set(a->data, 0, &in->test_img, &in->test_lab)) ||
      (rc = io_idx_load_set_first(a->data, 1, ntrain, &in->train_img,
                                  &in->train_lab)) ||
      (rc = io_energy_load(a->energy, &in->energy)))
    return rc;
  if (a->array_rows) { /* --array overrides the file's geometry */
    in->energy->crossbar_array_rows = a->array_rows;
    in->energy->crossbar_array_cols = a->array_cols;
  }
  const cnn_model *m = in->model;
  if (in->test_img->rows * in->test_img->cols != m->in[0] * m->in[1] * m->in[2])
    return sim_error_set(SIM_EFORMAT, "%s: images are %ux%u but the model %s expects %ux%ux%u",
                         a->data, in->test_img->rows, in->test_img->cols, a->model, m->in[0],
                         m->in[1], m->in[2]);
  if (a->device && (rc = io_preset_find(NULL, a->device, &in->dev)))
    return rc;
  if (a->activation && (rc = conv_activation_load(a, in)))
    return rc;
  if (a->device && a->temperature_k > 0) {
    const char *key;
    in->dev.temperature_k = a->temperature_k;
    if ((rc = syn_device_param_check(&in->dev, &key)))
      return sim_error_set(rc, "--temperature %g K with device %s: %s", a->temperature_k,
                           a->device, sim_error_msg());
  }
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

/* cnn_split's reduction over the ranks of this run. */
static void sum_ranks(void *ctx, uint64_t *v, size_t n)
{
  (void)ctx;
  comm_sum_u64_array(v, n);
}

int conv_build(const conv_args *a, const conv_inputs *in, conv_result *r, cnn_snn **out)
{
  const io_idx *test = in->test_img, *train = in->train_img;
  r->images = a->images && a->images < test->n ? a->images : test->n;
  cnn_opts o = {.percentile = a->percentile, .calib = a->calib, .max_to_avg = a->max_to_avg,
                .poisson_input = a->poisson, .seed = 1, .coding = a->coding,
                .v_init = a->v_init,
                /* every rank calibrates on its share of the images */
                .split = {(uint32_t)comm_rank(), (uint32_t)comm_size(), sum_ranks, NULL}};
  r->calib = a->calib < train->n ? a->calib : train->n;
  r->recorded_ann_acc = in->model->ann_accuracy;
  double t0 = sim_clock_s();
  int rc = cnn_convert(in->model, train->data, r->calib, &o, out);
  r->convert_s = sim_clock_s() - t0;
  return rc;
}

/* Sum the counts of every rank (images were split over them). */
static void reduce_eval(conv_eval *r, uint64_t *ann_ok, uint64_t *snn_ok, uint32_t nsteps)
{
  *ann_ok = comm_sum_u64(*ann_ok);
  for (uint32_t k = 0; k < nsteps; k++)
    snn_ok[k] = comm_sum_u64(snn_ok[k]);
  cnn_run_stats *st = &r->stats;
  for (uint32_t k = 0; k < CNN_MAX_STAGES; k++) {
    st->in_spikes[k] = comm_sum_double(st->in_spikes[k]);
    st->synops[k] = comm_sum_double(st->synops[k]);
    st->out_spikes[k] = comm_sum_double(st->out_spikes[k]);
    st->updates[k] = comm_sum_double(st->updates[k]);
  }
  st->input_spikes = comm_sum_double(st->input_spikes);
  for (uint32_t k = 0; k < 16; k++) {
    st->ck_spikes[k] = comm_sum_double(st->ck_spikes[k]);
    for (uint32_t q = 0; q < CNN_MAX_STAGES; q++) {
      st->ck_in[k][q] = comm_sum_double(st->ck_in[k][q]);
      st->ck_syn[k][q] = comm_sum_double(st->ck_syn[k][q]);
      st->ck_out[k][q] = comm_sum_double(st->ck_out[k][q]);
    }
  }
  r->seconds = comm_max_double(r->seconds);
  r->ann_seconds = comm_max_double(r->ann_seconds);
}

int conv_run(cnn_snn *s, const conv_inputs *in, const conv_args *a, uint32_t n,
             const char *what, const sim_recorder *log, conv_eval *r)
{
  const io_idx *img = in->test_img, *lab = in->test_lab;
  memset(r, 0, sizeof *r);
  const uint32_t isz = img->rows * img->cols;
  const uint32_t rank = (uint32_t)comm_rank(), nranks = (uint32_t)comm_size();
  uint64_t ann_ok = 0, snn_ok[CONV_MAX_STEPS] = {0}, agree[CONV_MAX_STEPS] = {0};
  int pred[CONV_MAX_STEPS], epred[CONV_MAX_STEPS];
  int tty = !a->quiet && isatty(2) && rank == 0;
  cnn_engine *ce = NULL;
  int rc = 0;
  if (a->engine && (rc = cnn_engine_create(s, a->steps[a->nsteps - 1], 1, &ce)))
    return rc;
  double t0 = sim_clock_s(), next = t0 + 2;
  uint32_t done = 0;
  for (uint32_t i = rank; i < n; i += nranks) {
    const uint8_t *im = img->data + (size_t)i * isz;
    cnn_snn_select(s, i); /* Poisson input and cache keyed by the image */
    double ta = sim_clock_s();
    ann_ok += cnn_ann_predict(s, im, NULL) == lab->data[i];
    double tb = sim_clock_s();
    if (a->engine == 2) {
      cnn_run_stats est = {0}; /* the engine's counts: not reported */
      rc = cnn_engine_run(ce, im, i, a->steps, a->nsteps, log, log ? 1 : 0, epred, &est);
      cnn_snn_run(s, im, a->steps, a->nsteps, pred, &r->stats);
      for (uint32_t k = 0; k < a->nsteps; k++)
        agree[k] += pred[k] == epred[k];
    } else if (ce) {
      rc = cnn_engine_run(ce, im, i, a->steps, a->nsteps, log, log ? 1 : 0, pred, &r->stats);
    } else if (a->coding == CNN_CODING_TTFS) {
      cnn_ttfs_run(s, im, a->steps, a->nsteps, pred, &r->stats);
    } else {
      cnn_snn_run(s, im, a->steps, a->nsteps, pred, &r->stats);
    }
    if (rc)
      break;
    r->ann_seconds += tb - ta;
    r->seconds += sim_clock_s() - tb;
    for (uint32_t k = 0; k < a->nsteps; k++)
      snn_ok[k] += pred[k] == lab->data[i];
    done++;
    monitor_convert_image(a->live, what, done * nranks, done, ann_ok, snn_ok[a->nsteps - 1], 0);
    if (tty && sim_clock_s() > next) {
      fprintf(stderr, "  %s: %u / %u images, SNN accuracy at T=%u so far %.2f %%\r", what,
              done * nranks, n, a->steps[a->nsteps - 1], 100.0 * snn_ok[a->nsteps - 1] / done);
      next = sim_clock_s() + 2;
    }
  }
  cnn_engine_destroy(ce);
  monitor_convert_image(a->live, what, rc ? done * nranks : n, done, ann_ok,
                        snn_ok[a->nsteps - 1], 1);
  if (comm_any(rc != 0))
    return rc ? rc : sim_error_set(SIM_ECOMM, "stopped: another rank failed");
  if (tty && sim_clock_s() - t0 > 2)
    fprintf(stderr, "\n");
  if (nranks > 1) {
    reduce_eval(r, &ann_ok, snn_ok, a->nsteps);
    for (uint32_t k = 0; k < a->nsteps; k++)
      agree[k] = comm_sum_u64(agree[k]);
  }
  r->ann_acc = (double)ann_ok / n;
  for (uint32_t k = 0; k < a->nsteps; k++) {
    r->snn_acc[k] = (double)snn_ok[k] / n;
    r->agree[k] = (double)agree[k] / n;
  }
  return 0;
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

/* Weighted stage k of s is a conv stage. */
static int stage_is_conv(const cnn_snn *s, uint32_t k)
{
  uint32_t seen = 0;
  for (uint32_t q = 0; q < cnn_stage_count(s); q++) {
    cnn_stage_view v;
    cnn_stage_get(s, q, &v);
    if (v.type != CNN_STAGE_CONV && v.type != CNN_STAGE_LINEAR)
      continue;
    if (seen++ == k)
      return v.type == CNN_STAGE_CONV;
  }
  return 0;
}

void conv_replicas(const conv_args *a, const conv_inputs *in, cnn_snn *s, conv_result *r,
                   int phase)
{
  const uint32_t K = r->repl_k, n = r->images, isz = in->test_img->rows * in->test_img->cols;
  const uint32_t rank = (uint32_t)comm_rank(), nranks = (uint32_t)comm_size();
  if (K < 2)
    return;
  uint64_t overall = 0;
  for (uint32_t c = K; c-- > 0;) { /* copy 0 last: s ends as it began */
    float *w;
    uint64_t nw;
    int last;
    for (uint32_t k = 0; (w = cnn_stage_weights(s, k, &nw, &last)); k++)
      if (r->repl_soft[k])
        memcpy(w, r->repl_soft[k], nw * sizeof *w);
    uint64_t stuck = cnn_map_replica(s, &in->dev, a->drift_s, c);
    if (phase == 0) {
      double err = 0, cnt = 0;
      for (uint32_t k = 0; (w = cnn_stage_weights(s, k, &nw, &last)); k++) {
        const float *x = r->repl_soft[k];
        double m = 0;
        for (uint64_t i = 0; x && i < nw; i++)
          m = fmax(m, fabs(x[i]));
        for (uint64_t i = 0; x && m > 0 && i < nw; i++, cnt++)
          err += fabs((double)w[i] - x[i]) / m;
      }
      r->repl_stuck[c] = stuck;
      r->repl_werr[c] = cnt > 0 ? err / cnt : 0;
    }
    uint64_t own = 0, all = 0, nown = 0;
    for (uint32_t i = rank; i < n; i += nranks) {
      cnn_snn_select(s, i);
      int ok = cnn_ann_predict(s, in->test_img->data + (size_t)i * isz, NULL) ==
               in->test_lab->data[i];
      all += (uint64_t)ok;
      if (i % K == c)
        own += (uint64_t)ok, nown++;
    }
    if (nranks > 1)
      own = comm_sum_u64(own), all = comm_sum_u64(all), nown = comm_sum_u64(nown);
    r->repl_images[c] = (uint32_t)nown;
    r->repl_own[c][phase] = nown ? (double)own / nown : 0;
    r->repl_all[c][phase] = (double)all / n;
    overall += own;
  }
  r->repl_overall[phase] = (double)overall / n;
}

void conv_devices(const conv_args *a, const conv_inputs *in, cnn_snn *s, conv_result *r)
{
  r->repl_k = 0;
  for (uint32_t q = 0; q < a->nreplicate; q++)
    r->repl_k = a->replicate[q] > r->repl_k ? a->replicate[q] : r->repl_k;
  if (r->repl_k > 8) /* the per-copy table's size */
    r->repl_k = 8;
  if (r->repl_k > 1) { /* the conv weights before mapping, for every copy */
    float *w;
    uint64_t nw;
    int last;
    for (uint32_t k = 0; k < CONV_MAX_LAYERS && (w = cnn_stage_weights(s, k, &nw, &last)); k++)
      if (stage_is_conv(s, k)) {
        r->repl_soft[k] = sim_malloc(nw * sizeof *w + 4, "weights before mapping");
        memcpy(r->repl_soft[k], w, nw * sizeof *w);
      }
  }
  /* fault_aware_map places weights on the cells of these arrays (spares:
     only when every tile has its array to itself). */
  cnn_set_crossbar(s, (uint32_t)in->energy->crossbar_array_rows,
                   (uint32_t)in->energy->crossbar_array_cols, a->pack == NET_PACK_PER_LAYER);
  r->stuck = cnn_map_devices(s, &in->dev, a->drift_s, 7, 0);
  conv_replicas(a, in, s, r, 0);
  r->dev_temperature_k = in->dev.temperature_k;
  r->dev_tau_s = syn_device_tau_s(&in->dev);
  conv_eval d;
  if (a->finetune && !a->engine)
    cnn_cache_last(s, 1); /* fine-tuning changes the last layer only */
  conv_run(s, in, a, r->images, "SNN on devices", NULL, &d);
  r->dev_ann = d.ann_acc;
  memcpy(r->dev_snn, d.snn_acc, sizeof r->dev_snn);
}

void conv_finetune(const conv_args *a, const conv_inputs *in, cnn_snn *s, conv_result *r)
{
  const io_idx *train = in->train_img;
  r->finetune_images = a->finetune < train->n ? a->finetune : train->n;
  /* In place (Yao et al. 2020): trained within what the last layer's
     devices can reach, then written again onto them (write noise seed 11). */
  float *w, *b, *lo, *hi;
  uint32_t nin, nout;
  cnn_last_layer(s, &w, &b, &nin, &nout);
  lo = sim_malloc((size_t)nin * nout * sizeof *lo, "reachable weights");
  hi = sim_malloc((size_t)nin * nout * sizeof *hi, "reachable weights");
  int reach = cnn_device_reach_last(s, &in->dev, lo, hi);
  cnn_finetune_last(s, train->data, in->train_lab->data, r->finetune_images,
                    train->rows * train->cols, reach ? lo : NULL, reach ? hi : NULL);
  sim_free(lo);
  sim_free(hi);
  cnn_map_devices(s, &in->dev, a->drift_s, 11, 1);
  conv_eval d;
  cnn_cache_last(s, 2); /* the last layer alone, on what reached it before */
  conv_run(s, in, a, r->images, "SNN after fine-tuning", NULL, &d);
  cnn_cache_last(s, 0);
  conv_replicas(a, in, s, r, 1); /* the retrained last layer behind every copy */
  r->ft_ann = d.ann_acc;
  memcpy(r->ft_snn, d.snn_acc, sizeof r->ft_snn);
}

void conv_result_fini(conv_result *r)
{
  for (uint32_t q = 0; q < 8; q++)
    net_xbar_pack_fini(&r->pack[q]);
  net_xbar_pack_fini(&r->map_pack);
  for (uint32_t k = 0; k < CONV_MAX_LAYERS; k++)
    sim_free(r->repl_soft[k]);
}

/* ------------------------------------------------------------------ */
/* The command                                                          */

/* The engine schedule's event log on this rank: the stages as
   populations, each recorded whole; the images one after the other. */
static int open_convert_log(cnn_snn *s, const conv_args *a, uint32_t nimages, io_log **log)
{
  cnn_engine *ce = NULL;
  int rc = cnn_engine_create(s, a->steps[a->nsteps - 1], 1, &ce);
  if (rc)
    return rc;
  const sim_net *net = cnn_engine_net(ce);
  io_log_pop pops[CNN_MAX_STAGES];
  io_log_rec recs[CNN_MAX_STAGES];
  memset(recs, 0, sizeof recs);
  for (uint32_t k = 0; k < net->npops; k++) {
    pops[k] = (io_log_pop){net->pops[k].name, net->pops[k].model->name,
                           net->pops[k].first_gid, net->pops[k].n};
    recs[k] = (io_log_rec){.name = net->pops[k].name, .pop = k, .kind = IO_LOG_REC_SPIKES,
                           .first = 0, .count = net->pops[k].n};
  }
  io_log_header h = {.config = a->model, .seed = 1, .rank = comm_rank(),
                     .nranks = comm_size(), .resolution_ms = 1.0,
                     .duration_ms = (double)nimages * (double)cnn_engine_image_ticks(ce),
                     .pops = pops, .npops = net->npops, .recs = recs, .nrecs = net->npops};
  char path[4200];
  snprintf(path, sizeof path, "%s/events.rank%d.msgpack", a->log_dir, comm_rank());
  if (mkdir(a->log_dir, 0777) != 0 && errno != EEXIST)
    rc = sim_error_set(SIM_EIO, "--log %s: cannot create the directory: %s", a->log_dir,
                       strerror(errno));
  else
    rc = io_log_create(path, &h, log);
  cnn_engine_destroy(ce);
  return rc;
}

int cmd_convert(int argc, char **argv)
{
  conv_args a;
  for (int i = 0; i < argc; i++)
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      if (comm_rank() == 0)
        fputs(usage, stdout);
      return 0;
    }
  int rc = conv_args_parse(argc, argv, &a);
  if (rc)
    return rc;
  conv_inputs in;
  conv_result *r = sim_calloc(1, sizeof *r, "convert results");
  cnn_snn *s = NULL;
  io_log *log = NULL;
  int status = 2; /* bad input until loaded */
  if (conv_load(&a, &in))
    goto fail;
  /* The model's structure is checked while converting: still bad input. */
  if (conv_build(&a, &in, r, &s) || conv_map_arrays(&a, &in, s, r))
    goto fail;
  status = 1;
  const int root = comm_rank() == 0;
  if (comm_any(root && monitor_convert_create(&a.monitor, a.model, r->images, comm_size(),
                                              &a.live) != 0))
    goto fail;
  if (a.log_dir && comm_any(open_convert_log(s, &a, r->images, &log) != 0)) {
    if (!sim_error_code())
      sim_error_set(SIM_ECOMM, "stopped: another rank could not open its log");
    goto fail;
  }
  sim_recorder rec = io_log_recorder(log);
  if (conv_run(s, &in, &a, r->images, "SNN", log ? &rec : NULL, &r->ideal))
    goto fail;
  if (log) {
    int bad = io_log_close(log, (sim_time)r->images * (a.steps[a.nsteps - 1] +
                                                       cnn_stage_count(s)));
    log = NULL;
    if (comm_any(bad != 0))
      goto fail;
  }
  conv_energy(&a, &in, s, r);
  if (root) {
    conv_report_text(stdout, &a, r);
    fflush(stdout); /* a redirected log shows each block as it ends */
  }
  if (root && a.engine == 2) {
    printf("\n  engine vs batch schedule: predictions agree on");
    for (uint32_t k = 0; k < a.nsteps; k++)
      printf("%s %.2f %% at T=%u", k ? "," : "", 100 * r->ideal.agree[k], a.steps[k]);
    printf(" (%u images; layer k's step s is tick k + 1 + s on the engine)\n", r->images);
  }
  if (a.device) {
    conv_devices(&a, &in, s, r);
    if (root) {
      conv_report_devices(stdout, &a, r);
      fflush(stdout);
    }
    if (a.finetune) {
      conv_finetune(&a, &in, s, r);
      if (root) {
        conv_report_finetune(stdout, &a, r);
        fflush(stdout);
      }
    }
  }
  if (a.activation) {
    if (conv_activation(&a, &in, s, r))
      goto fail;
    if (root) {
      conv_activation_report(stdout, r);
      fflush(stdout);
    }
  }
  if (a.log_dir && root)
    printf("\n  event log: %s/events.rank*.msgpack (memspike replay)\n", a.log_dir);
  if (a.json && root) {
    FILE *jf = fopen(a.json, "w");
    if (!jf) {
      sim_error_set(SIM_EIO, "cannot write %s: %s", a.json, strerror(errno));
      goto fail;
    }
    int bad = conv_report_json(jf, &a, r, a.json);
    if (fclose(jf) || bad) {
      sim_error_set(SIM_EIO, "cannot write %s", a.json);
      goto fail;
    }
    printf("\n  results: %s (plot: /usr/bin/python3 tools/plot_energy.py %s)\n", a.json,
           a.json);
  }
  status = 0;
  monitor_hold(a.live, NULL);
fail:
  if (status)
    fprintf(stderr, "memspike: convert: %s\n", sim_error_msg());
  monitor_destroy(a.live);
  io_log_destroy(log); /* what was flushed stays readable */
  cnn_snn_destroy(s);
  conv_inputs_fini(&in);
  conv_result_fini(r);
  sim_free(r);
  return status;
}
