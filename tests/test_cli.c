/*
 * test_cli.c: the command line's steps in isolation (tools/): convert's
 * option parser, its load step on a missing model, its choice of the
 * energy table's step count, its JSON report; run's text and JSON
 * summaries formatted from a hand-made run_stats, byte for byte.
 */
#include <CUnit/CUnit.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/sim_error.h"
#include "../tools/convert.h"
#include "../tools/convert_report.h"
#include "../tools/run_report.h"
#include "../tools/run_stats.h"
#include "test_suites.h"

/* What call prints on `out`, as a string in buf (caller frees). */
#define CAPTURE(buf, call)                                                                \
  do {                                                                                    \
    size_t len_;                                                                          \
    FILE *out = open_memstream(&(buf), &len_);                                            \
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);                                                    \
    call;                                                                                 \
    fclose(out);                                                                          \
  } while (0)

/* ======================================================================
 * convert
 * ====================================================================== */

static void test_convert_args(void)
{
  conv_args a;
  char *argv1[] = {"m.msgpack", "--data", "d"};
  CU_ASSERT_EQUAL(conv_args_parse(3, argv1, &a), 0);
  CU_ASSERT_STRING_EQUAL(a.model, "m.msgpack");
  CU_ASSERT_STRING_EQUAL(a.data, "d");
  CU_ASSERT_STRING_EQUAL(a.energy, "configs/energy/default.ini");
  CU_ASSERT_EQUAL(a.nsteps, 5);
  CU_ASSERT_EQUAL(a.steps[0], 8);
  CU_ASSERT_EQUAL(a.steps[4], 128);
  CU_ASSERT_EQUAL(a.calib, 1000);
  CU_ASSERT_DOUBLE_EQUAL(a.percentile, 99.9, 1e-12);
  CU_ASSERT_DOUBLE_EQUAL(a.drift_s, 1.0, 1e-12);
  CU_ASSERT_PTR_NULL(a.device);

  char *argv2[] = {"--steps", "4,32", "m", "--data", "d", "--input", "poisson",
                   "--maxpool", "avg", "--images", "7", "--quiet"};
  CU_ASSERT_EQUAL(conv_args_parse(12, argv2, &a), 0);
  CU_ASSERT_EQUAL(a.nsteps, 2);
  CU_ASSERT_EQUAL(a.steps[1], 32);
  CU_ASSERT_EQUAL(a.images, 7);
  CU_ASSERT(a.poisson && a.max_to_avg && a.quiet);

  /* Usage errors: status 2 (each prints the usage on stderr). */
  char *argv3[] = {"m", "--data", "d", "--steps", "64,8"};
  CU_ASSERT_EQUAL(conv_args_parse(5, argv3, &a), 2);
  char *argv4[] = {"m"};
  CU_ASSERT_EQUAL(conv_args_parse(1, argv4, &a), 2);
  /* An unknown last option is unknown (it was "needs a value"): only
     options that take a value can lack one. */
  char *argv5[] = {"m", "--data", "d", "--bogus"};
  CU_ASSERT_EQUAL(conv_args_parse(4, argv5, &a), 2);

  /* Idle time with units, the devices' temperature in K or C. */
  CU_ASSERT_DOUBLE_EQUAL(a.temperature_k, 0, 0); /* the preset's */
  char *argv6[] = {"m", "--data", "d", "--device", "ideal", "--drift-time", "10y",
                   "--temperature", "85C"};
  CU_ASSERT_EQUAL(conv_args_parse(9, argv6, &a), 0);
  CU_ASSERT_DOUBLE_EQUAL(a.drift_s, 10 * 365.25 * 86400, 1e-6);
  CU_ASSERT_DOUBLE_EQUAL(a.temperature_k, 358.15, 1e-9);
  char *argv7[] = {"m", "--data", "d", "--device", "ideal", "--drift-time", "2h",
                   "--temperature", "300K"};
  CU_ASSERT_EQUAL(conv_args_parse(9, argv7, &a), 0);
  CU_ASSERT_DOUBLE_EQUAL(a.drift_s, 7200, 1e-9);
  CU_ASSERT_DOUBLE_EQUAL(a.temperature_k, 300, 1e-9);
  char *argv8[] = {"m", "--data", "d", "--device", "ideal", "--temperature", "-300C"};
  CU_ASSERT_EQUAL(conv_args_parse(7, argv8, &a), 2);
  char *argv9[] = {"m", "--data", "d", "--temperature", "300"}; /* no --device */
  CU_ASSERT_EQUAL(conv_args_parse(5, argv9, &a), 2);
  char *argv10[] = {"m", "--data", "d", "--drift-time", "1w"};
  CU_ASSERT_EQUAL(conv_args_parse(5, argv10, &a), 2);
}

static void test_convert_load_missing_model(void)
{
  conv_args a;
  char *argv[] = {"/nonexistent/model.msgpack", "--data", "/nonexistent"};
  CU_ASSERT_EQUAL_FATAL(conv_args_parse(3, argv, &a), 0);
  conv_inputs in;
  CU_ASSERT(conv_load(&a, &in) < 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(sim_error_msg(), "/nonexistent/model.msgpack"));
  CU_ASSERT_PTR_NULL(in.model);
  conv_inputs_fini(&in); /* fit for fini after a failure */
}

static void test_convert_energy_steps(void)
{
  conv_args a = {.steps = {8, 16, 32}, .nsteps = 3};
  conv_eval e = {.ann_acc = 0.90, .snn_acc = {0.50, 0.895, 0.91}};
  CU_ASSERT_EQUAL(conv_energy_steps(&a, &e), 16); /* first within 1 point */
  e.snn_acc[1] = 0.885;
  CU_ASSERT_EQUAL(conv_energy_steps(&a, &e), 32);
  e.snn_acc[2] = 0.70;
  CU_ASSERT_EQUAL(conv_energy_steps(&a, &e), 32); /* none: the largest */
  a.energy_steps = 20;
  CU_ASSERT_EQUAL(conv_energy_steps(&a, &e), 20); /* --energy-steps wins */
}

static void test_convert_json(void)
{
  conv_args a = {.model = "m", .steps = {16}, .nsteps = 1};
  conv_result *r = calloc(1, sizeof *r);
  CU_ASSERT_PTR_NOT_NULL_FATAL(r);
  r->images = 10;
  r->neurons = 100;
  r->energy_steps = 16;
  r->ideal.ann_acc = 0.9;
  r->ideal.snn_acc[0] = 0.8;
  r->ideal.stats.ck_spikes[0] = 2000; /* 2 spikes per neuron per image */
  r->ideal.seconds = 0.5;
  char *s = NULL;
  CAPTURE(s, conv_report_json(out, &a, r, NULL));
  CU_ASSERT_PTR_NOT_NULL(strstr(s, "{\"model\": \"m\", \"images\": 10, \"ann_accuracy\": "
                                   "0.9, \"steps\": [16], \"snn_accuracy\": [0.8], "
                                   "\"spikes_per_neuron\": [2.0], \"images_per_s\": "
                                   "20.0, \"energy\": {\"steps\": 16, \"layers\": []"));
  CU_ASSERT_PTR_NULL(strstr(s, "device"));
  CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"coding\": \"rate\", \"counts_measured\": false"));
  CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"by_steps\": [{\"steps\": 16, \"snn_accuracy\": 0.8, "
                                   "\"spikes_per_neuron\": 2.0"));
  /* the crossbar arrays last: no layers mapped here */
  CU_ASSERT(strlen(s) > 5 && !strcmp(s + strlen(s) - 5, "[]}}\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"arrays\": {\"rows\": 0, \"cols\": 0"));
  free(s);

  /* one layer on Yao's 128 x 16 arrays: 192 x 10 is 2 x 2 tiles holding
     2048, 512, 1024 and 256 cells (--arrays 8: a budget) */
  a.arrays_budget = 8;
  r->map_n = 1, r->map_k = 1, r->map_rows = 128, r->map_cols = 16;
  r->map_layers[0] = (net_layer_stats){.name = "fc1", .kind = 1, .rows = 192, .cols = 10};
  r->map_tiles[0] = (net_xbar_tiles){.row_tiles = 2, .col_tiles = 2, .copies = 1, .arrays = 4,
                                     .cells = 3840};
  r->map_arrays = 4, r->map_cells = 3840;
  CAPTURE(s, conv_report_json(out, &a, r, NULL));
  CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"arrays\": {\"rows\": 128, \"cols\": 16, \"copies\": 1, "
                                   "\"arrays\": 4, \"cells\": 3840, \"arrays_if_packed\": 2, "
                                   "\"budget\": 8, \"layers\": [{\"name\": \"fc1\""));
  CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"tile_cells\": [2048, 512, 1024, 256]}]}}\n"));
  free(s);
  CAPTURE(s, conv_report_arrays(out, &a, r));
  CU_ASSERT_PTR_NOT_NULL(strstr(s, "4 arrays of the 8 available, 3840 cells programmed, "
                                   "46.9 % of their cells; layers sharing arrays would need "
                                   "at least 2"));
  CU_ASSERT_PTR_NOT_NULL(strstr(s, "100.0 25.0 50.0 12.5\n"));
  free(s);
  a.arrays_budget = 0;
  r->map_n = 0;

  a.device = "ideal";
  a.finetune = 500;
  r->finetune_images = 300; /* capped at the set: JSON keeps the request */
  r->stuck = 3;
  CAPTURE(s, conv_report_json(out, &a, r, NULL));
  CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"device\": {\"preset\": \"ideal\", \"drift_s\": 0.0, "
                                   "\"stuck\": 3,"));
  CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"finetune_images\": 500,"));
  free(s);
  free(r);
}

/* ======================================================================
 * run summary
 * ====================================================================== */

static void fake_run(run_stats *rs, run_pop_stats *pops, run_rank_load *load, int ranks)
{
  memset(rs, 0, sizeof *rs);
  pops[0] = (run_pop_stats){.name = "drive", .model = "poisson_generator", .is_poisson = 1,
                            .n = 1, .rate_hz = 10};
  pops[1] = (run_pop_stats){.name = "E", .model = "iaf_psc_exp", .is_neurons = 1, .n = 100,
                            .spikes = 500, .rate_hz = 5};
  load[0] = (run_rank_load){50, 1000, 250, 0.5, 0.25, 240, 12.5};
  load[1] = (run_rank_load){50, 1100, 250, 0.4, 0.35, 260, 12.75};
  *rs = (run_stats){.config = "a\"b.ini", .version = "9.9", .ranks = ranks, .seed = 3,
                    .resolution_ms = 0.1, .sim_ms = 1000, .pops = pops, .npops = 2,
                    .neurons = 100, .mean_rate_hz = 5, .synapses = 2100,
                    .bytes_per_synapse = 4.5, .build_s = 0.01, .sim_s = 1, .comm_s = 0.25,
                    .real_time_factor = 1, .syn_events = 7, .ext_events = 3,
                    .events_per_s = 10, .rss_max_mb = 12.75, .rss_all_mb = 25.25,
                    .spikes_emitted = 500, .spikes_sent = 500, .messages = 20,
                    .bytes_sent = 4000, .bytes_per_spike = 8, .exchange_pct = 25,
                    .windows = 10000, .min_delay_ticks = 1, .load = load};
}

static void test_run_text(void)
{
  run_stats rs;
  run_pop_stats pops[2];
  run_rank_load load[2];
  fake_run(&rs, pops, load, 1);
  char *s = NULL;
  CAPTURE(s, run_report_text(&rs, out));
  CU_ASSERT_STRING_EQUAL(
      s, "\nmemspike 9.9: a\"b.ini, 1 rank, seed 3, 1000.0 ms simulated at 0.1 ms\n"
         "  population   model                 neurons       spikes  rate (Hz)\n"
         "  drive        poisson_generator           1            -      10.00 (per target)\n"
         "  E            iaf_psc_exp               100          500      5.000\n"
         "  neurons 100, mean rate 5.000 Hz\n"
         "  synapses 2100 (4.50 bytes per synapse, offsets included)\n"
         "  build 0.010 s, simulate 1.000 s (exchange 0.250 s), real-time factor 1.000 "
         "(wall / simulated)\n"
         "  synaptic events 7 recurrent + 3 external = 10 per second of wall time\n"
         "  peak memory 12.8 MB (largest rank), 25.2 MB (all ranks)\n");
  free(s);

  /* Two ranks, devices: the device line, the exchange line, the load table. */
  fake_run(&rs, pops, load, 2);
  rs.has_devices = 1;
  rs.dev_reads = 4;
  rs.read_pj = 1.5;
  rs.write_pj = 0.5;
  CAPTURE(s, run_report_text(&rs, out));
  CU_ASSERT_PTR_NOT_NULL(strstr(s, "2 ranks,"));
  CU_ASSERT_PTR_NOT_NULL(strstr(s, "  synapse devices: 4 reads 1.5 pJ, 0 write pulses 0.5 pJ, "
                                   "0 STDP updates; energy 2 pJ\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(s, "  exchange: 500 spikes sent to other ranks in 20 messages, "
                                   "8.00 bytes per spike emitted, 25.0 % of simulate time\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(s, "  1             50         1100        250      0.400"
                                   "      0.350          260      12.8\n"));
  free(s);

  /* STDP on ideal weights: no device line (it read "0 pJ"), the updates
     on their own line. */
  fake_run(&rs, pops, load, 1);
  rs.stdp_updates = 42;
  CAPTURE(s, run_report_text(&rs, out));
  CU_ASSERT_PTR_NULL(strstr(s, "synapse devices"));
  CU_ASSERT_PTR_NOT_NULL(strstr(s, "  plastic synapses: 42 STDP updates\n"));
  free(s);
  /* Devices that were never read still get their line. */
  fake_run(&rs, pops, load, 1);
  rs.has_devices = 1;
  CAPTURE(s, run_report_text(&rs, out));
  CU_ASSERT_PTR_NOT_NULL(strstr(s, "  synapse devices: 0 reads 0 pJ"));
  free(s);
}

/* The summary is flushed when written: a fully buffered stream on a pipe
   has every byte in the pipe when run_report_text returns. */
static void test_run_text_flushed(void)
{
  run_stats rs;
  run_pop_stats pops[2];
  run_rank_load load[2];
  fake_run(&rs, pops, load, 1);
  int fd[2];
  CU_ASSERT_FATAL(pipe(fd) == 0);
  FILE *w = fdopen(fd[1], "w");
  CU_ASSERT_FATAL(w != NULL);
  static char wbuf[1 << 15];
  setvbuf(w, wbuf, _IOFBF, sizeof wbuf);
  run_report_text(&rs, w);
  fcntl(fd[0], F_SETFL, O_NONBLOCK);
  char buf[4096];
  ssize_t got = read(fd[0], buf, sizeof buf - 1);
  CU_ASSERT(got > 0);
  if (got > 0) {
    buf[got] = '\0';
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "peak memory"));
  }
  fclose(w);
  close(fd[0]);
}

static void test_run_json(void)
{
  run_stats rs;
  run_pop_stats pops[2];
  run_rank_load load[2];
  fake_run(&rs, pops, load, 1);
  char *s = NULL;
  CAPTURE(s, run_report_json(&rs, out, NULL));
  /* The config name escaped; the Poisson drive left out. */
  CU_ASSERT_PTR_NOT_NULL(strstr(s, "{\"config\": \"a\\\"b.ini\", \"ranks\": 1, \"seed\": 3, "
                                   "\"simulated_ms\": 1000.0, \"populations\": [{\"name\": "
                                   "\"E\", \"model\": \"iaf_psc_exp\", \"neurons\": 100, "
                                   "\"spikes\": 500, \"rate_hz\": 5.0}], "));
  CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"windows\": 10000, \"min_delay_ticks\": 1, "));
  CU_ASSERT(strlen(s) > 2 && !strcmp(s + strlen(s) - 2, "}\n"));
  free(s);
}

int test_cli_register(void)
{
  CU_pSuite s = CU_add_suite("cli", NULL, NULL);
  if (!s || !CU_add_test(s, "convert: options and their defaults", test_convert_args) ||
      !CU_add_test(s, "convert: load step names a missing model", test_convert_load_missing_model) ||
      !CU_add_test(s, "convert: energy table step count", test_convert_energy_steps) ||
      !CU_add_test(s, "convert: JSON report", test_convert_json) ||
      !CU_add_test(s, "run: text summary", test_run_text) ||
      !CU_add_test(s, "run: text summary flushed", test_run_text_flushed) ||
      !CU_add_test(s, "run: JSON summary", test_run_json))
    return -1;
  return 0;
}
