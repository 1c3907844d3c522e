/*
 * convert.h: `memspike convert`, the CNN-to-SNN front end, as named steps
 * that cmd_convert runs in order and a test can run alone:
 *   conv_args_parse   options            -> conv_args
 *   conv_load         model, data, energy constants, device preset -> conv_inputs
 *   conv_build        the ANN converted to an SNN (network/net_cnn.c)
 *   conv_run          ANN and SNN accuracy on the test images -> conv_eval
 *   conv_energy       per-layer counts and energy per inference (net_energy.c)
 *   conv_devices      weights mapped onto a device preset, accuracy again
 *   conv_finetune     last layer retrained through the devices, accuracy again
 * and then the printers of tools/convert_report.h.  Results gather in one
 * conv_result that only the printers read.
 */
#ifndef CONVERT_H
#define CONVERT_H

#include <stdint.h>
#include <stdio.h>

#include "../io/io_idx.h"
#include "../io/io_model.h"
#include "../network/net_cnn.h"
#include "../network/net_act.h"
#include "../network/net_energy.h"
#include "../synapses/syn_device.h"
#include "monitor.h"

#define CONV_MAX_STEPS 16  /* step counts in --steps */
#define CONV_MAX_LAYERS 32 /* weighted layers in the energy table */

/* The options of `memspike convert`; strings are borrowed from argv. */
typedef struct conv_args {
  const char *model, *data; /* model file, IDX directory (both required) */
  const char *energy;       /* energy constants (.ini) */
  const char *device;       /* device preset name, or NULL: ideal weights only */
  const char *json;         /* JSON output file, or NULL */
  uint32_t steps[CONV_MAX_STEPS], nsteps; /* ascending SNN step counts */
  uint32_t images;          /* test images (0: all) */
  uint32_t calib;           /* calibration images (>= 1) */
  uint32_t energy_steps;    /* steps of the energy table (0: chosen) */
  double v_init;            /* initial membrane potential / threshold */
  uint32_t finetune;        /* fine-tuning images (0: none) */
  uint32_t train_extra;     /* training images a caller reads itself beyond
                               calib and finetune (cim: its cores'
                               calibration, its fine-tuning); conv_load
                               reads the first max(calib, finetune,
                               train_extra) of the training set */
  double percentile;        /* normalization percentile, (0, 100] */
  double drift_s;           /* seconds between programming and inference */
  double temperature_k;     /* --temperature: the devices' temperature
                               (K) while idle and read; 0: the preset's */
  int poisson;              /* 1: Poisson input, 0: constant current */
  int max_to_avg;           /* 1: max pooling as average pooling */
  int quiet;                /* 1: no progress on stderr */
  int engine;               /* --schedule: 0 batch runner; 1 engine (the
                               kernel's engine, network/net_cnn_engine.h);
                               2 compare: both, the batch's predictions
                               reported and the agreement counted */
  const char *log_dir;      /* --log DIR (engine schedule): event log per rank */
  monitor_opts monitor;     /* --monitor flags (tools/monitor.h) */
  monitor *live;            /* the running monitor (rank 0), or NULL */
  int coding;               /* --coding: cnn_coding (rate, qcfs, ttfs) */
  uint32_t replicate[8], nreplicate; /* --replicate K[,K...]: conv kernel copies on
                               the crossbars (the first sets the energy table;
                               0 values: the energy file's `replication`) */
  uint32_t array_rows, array_cols; /* --array RxC: crossbar array geometry, rows
                               (inputs) x columns (two per signed weight); 0:
                               the energy file's array_rows, array_cols */
  uint32_t arrays_budget;   /* --arrays N: arrays available (0: no limit) */
  const char *activation;   /* --activation vo2[:PRESET], or NULL */
  int pack;                 /* --pack: enum net_pack_mode (default per-layer) */
} conv_args;

/* Everything conv_load reads; all owned (free with conv_inputs_fini). */
typedef struct conv_inputs {
  cnn_model *model;
  io_idx *test_img, *test_lab, *train_img, *train_lab;
  net_energy_param *energy;
  syn_device_param dev; /* the preset (valid when args->device) */
  net_act_param act;    /* the analog activation preset (valid when
                           args->activation) */
} conv_inputs;

/* One evaluation pass over the test images. */
typedef struct conv_eval {
  double ann_acc;                     /* fraction correct, folded ANN (float32) */
  double snn_acc[CONV_MAX_STEPS];     /* fraction correct at each step count */
  cnn_run_stats stats;                /* SNN counts, summed over images */
  double seconds;                     /* wall seconds in the SNN runs */
  double ann_seconds;                 /* wall seconds in the ANN checks */
  double agree[CONV_MAX_STEPS];       /* --schedule compare: fraction of images
                                         where engine and batch predict alike */
} conv_eval;

/* The results of all steps, for the printers. */
typedef struct conv_result {
  uint32_t images;           /* test images used */
  uint32_t calib;            /* calibration images used */
  double convert_s;          /* wall seconds converting */
  double recorded_ann_acc;   /* the model file's ANN accuracy (< 0: none recorded) */
  conv_eval ideal;           /* before any device mapping */
  uint64_t neurons;          /* SNN neurons, all stages */
  uint32_t energy_steps;     /* T of the energy table */
  uint32_t nlayers;          /* weighted layers */
  net_layer_stats layers[CONV_MAX_LAYERS];           /* per image, at energy_steps */
  net_energy per[CONV_MAX_LAYERS][NET_IMPL_COUNT];   /* per layer and implementation */
  net_energy total[NET_IMPL_COUNT];                  /* summed over layers */
  /* The same at every step count, from the counts measured at that T
     (tools/convert_energy.c): */
  net_layer_stats layers_t[CONV_MAX_STEPS][CONV_MAX_LAYERS];
  net_energy per_t[CONV_MAX_STEPS][CONV_MAX_LAYERS][NET_IMPL_COUNT];
  net_energy total_t[CONV_MAX_STEPS][NET_IMPL_COUNT];
  double floor_t[CONV_MAX_STEPS][NET_IMPL_COUNT];  /* total_pj with no spike at all */
  double macs;                                     /* ANN MACs per image, all layers */
  double synops_t[CONV_MAX_STEPS];                 /* SNN synaptic events per image */
  /* Crossover, per step count: spikes per synapse per inference (synops /
     MACs) below which the SNN beats the ANN on the same substrate
     ([0] digital, [1] crossbar), the spike counts scaled uniformly over
     the layers from the measured ones; < 0: never (the SNN's floor
     already costs more). */
  double crossover_t[CONV_MAX_STEPS][2];
  int measured;                                    /* counts measured per T (not scaled) */
  /* --replicate: totals of ann_crossbar and snn_crossbar per K */
  net_energy rep[8][2];
  /* conv_map_arrays: every layer (pools too, with no tiles) on the
     crossbar arrays at the energy table's replication map_k */
  uint32_t map_n, map_k, map_rows, map_cols; /* layers; copies; array geometry */
  net_layer_stats map_layers[CONV_MAX_LAYERS]; /* shapes (no counts) */
  net_xbar_tiles map_tiles[CONV_MAX_LAYERS];
  uint64_t map_arrays, map_cells;            /* arrays used, cells programmed */
  /* --pack diagonal|shared: the packing at each --replicate count (owned,
     conv_result_fini), rep[q] taking its arrays and latencies */
  net_xbar_pack pack[8];
  net_xbar_pack map_pack;
  uint64_t rep_tiles[8];                     /* arrays at rep[q] with one per tile */                    /* the same at map_k (conv_map_arrays) */
  /* Replica groups on their own devices (--device with a --replicate
     count K > 1, K the largest): copy r of the conv kernels on devices of
     its own, the linear layers shared; test image i goes to copy i mod K.
     [0] after programming, [1] after hybrid training (the last layer
     trained through copy 0, then the same for every copy). */
  uint32_t repl_k;                   /* K (0: not run) */
  uint32_t repl_images[8];           /* test images of copy r */
  uint64_t repl_stuck[8];            /* stuck devices of copy r's conv kernels */
  double repl_werr[8];               /* mean |w_held - w| / max|w|, copy r's conv weights */
  double repl_own[8][2];             /* crossbar ANN accuracy on copy r's images */
  double repl_all[8][2];             /* the same on all test images */
  double repl_overall[2];            /* every image on its copy: fraction correct */
  float *repl_soft[CONV_MAX_LAYERS]; /* owned: weighted stage k's weights before
                                        mapping (conv stages only) */
  /* conv_devices (args->device): */
  uint64_t stuck;                    /* stuck devices */
  double dev_temperature_k; /* the devices' temperature (K) */
  double dev_tau_s;         /* their retention time constant there (s;
                               inf: none or drift) */
  double dev_ann, dev_snn[CONV_MAX_STEPS];
  /* conv_finetune (args->finetune): */
  uint32_t finetune_images;          /* training images used */
  double ft_ann, ft_snn[CONV_MAX_STEPS];
  /* conv_activation (args->activation): the crossbar ANN with [0] ADC +
     digital ReLU, [1] the analog activation neurons between layers */
  int act_done;
  char act_name[64];                 /* the analog preset */
  double act_acc[2];                 /* accuracy of each path */
  double act_relu_acc;               /* float ReLU on the same weights */
  net_energy act_total[2];           /* ann_crossbar energy per inference */
  double act_count;                  /* analog activations per inference */
  double act_e_pj;                   /* energy of one (the preset's) */
} conv_result;

/* Run `memspike convert ARGS...` (argv after the command word); returns
   the exit status (0, 1 run-time failure, 2 usage or bad input). */
int cmd_convert(int argc, char **argv);

/* A bad command line of `memspike CMD` (convert, cim): prints
   "memspike: CMD: " fmt (with arg) and the usage; returns 2 (bad input). */
int conv_usage_err(const char *cmd, const char *usage, const char *fmt, const char *arg);
/* Option k, whose value is v (NULL: none left), of a command whose options
   taking a value are `names` (NULL-ended): 0 when k is one of them and has
   a value, else conv_usage_err's 2 naming what is wrong. */
int conv_value_option(const char *cmd, const char *usage, const char *const *names,
                      const char *k, const char *v);

/* Parse argv (after the command word) into a.  Returns 0, or 2 after
   printing what is wrong and the usage on stderr. */
int conv_args_parse(int argc, char **argv, conv_args *a /* OUT */);

/* Load the model, the test and training sets, the energy constants and
   the device preset named in a; check the images fit the model.  Returns 0
   or a negative code with sim_error_msg() set.  in is always fit for
   conv_inputs_fini, also after a failure. */
int conv_load(const conv_args *a, conv_inputs *in /* OUT */);
void conv_inputs_fini(conv_inputs *in);

/* Convert in->model to an SNN normalized on the calibration images; sets
   r->images, r->calib, r->convert_s and r->recorded_ann_acc.  Returns 0 or a negative code with
   a message; *out: caller owns, free with cnn_snn_destroy. */
int conv_build(const conv_args *a, const conv_inputs *in, conv_result *r,
               cnn_snn **out /* OUT */);

/* ANN and SNN accuracy of s on the first n test images; progress on a
   tty labelled `what`.  Under mpirun the images are split over the ranks
   (image i on rank i mod N) and the counts summed, so every rank gets the
   totals of one rank's run.  With a->engine the SNN runs on the kernel's
   engine, and log (may be NULL) records its spikes.  Returns 0 or a
   negative code with a message (engine schedule only). */
struct sim_recorder;
int conv_run(cnn_snn *s, const conv_inputs *in, const conv_args *a, uint32_t n,
             const char *what, const struct sim_recorder *log, conv_eval *e /* OUT */);

/* The step count of the energy table: a->energy_steps if given, else the
   fewest steps whose SNN accuracy is within 1 point of the ANN's, else the
   largest. */
uint32_t conv_energy_steps(const conv_args *a, const conv_eval *ideal);

/* From r->ideal: r->neurons, r->energy_steps, the per-layer counts measured
   at that step count (scaled from the largest when the engine schedule
   kept no per-step counts, or T is not among the steps), energy per layer
   and in total; the same and the crossovers at every step count; the
   --replicate sweep (tools/convert_energy.c). */
void conv_energy(const conv_args *a, const conv_inputs *in, const cnn_snn *s, conv_result *r);

/* The weighted layers of s tiled onto crossbar arrays (net_energy_tiles,
   one layer per array) at the energy table's replication (a->replicate[0],
   else the energy file's): fills r->map_*.  With a->arrays_budget, more
   arrays than that is bad input: returns SIM_EINVAL with a message naming
   each layer's count. */
int conv_map_arrays(const conv_args *a, const conv_inputs *in, const cnn_snn *s,
                    conv_result *r);

/* Map s's weights onto pairs of a->device (seed 7) and evaluate again;
   fills r->stuck, r->dev_ann, r->dev_snn, and with a --replicate count
   K > 1 the per-copy figures r->repl_*[.][0] (crossbar ANN only).
   Changes s's weights. */
void conv_devices(const conv_args *a, const conv_inputs *in, cnn_snn *s, conv_result *r);

/* Retrain the last layer through the device-held weights on
   a->finetune training images, within what its devices can reach, write
   it again onto the same devices (write noise seed 11) and evaluate again
   (the last layer alone: conv_devices cached what reaches it); fills
   r->finetune_images, r->ft_ann, r->ft_snn. */
void conv_finetune(const conv_args *a, const conv_inputs *in, cnn_snn *s, conv_result *r);

/* --activation (tools/convert_act.c): parse its value into a (0, or 2
   after a usage message); load its preset into in->act (conv_load calls
   it: 0 or a negative code with a message); then run the crossbar ANN on the test images
   with the ADC path and with the analog neurons of the preset, on the
   weights s holds now (device pairs after conv_devices); fills r->act_*.
   Returns 0 or a negative code with a message. */
int conv_activation_arg(const char *v, conv_args *a);
int conv_activation_load(const conv_args *a, conv_inputs *in);
int conv_activation(const conv_args *a, const conv_inputs *in, cnn_snn *s, conv_result *r);
void conv_activation_report(FILE *out, const conv_result *r);
struct io_json;
void conv_activation_json(struct io_json *doc, const conv_result *r);

/* The kernel copies on their own devices (r->repl_k = the largest
   --replicate count, when > 1): for each copy r, the conv stages put back
   to r->repl_soft (their weights before mapping, kept by conv_devices), then
   cnn_map_replica, and the crossbar ANN on every test image; fills
   r->repl_*[.][phase]; s ends on copy 0's devices (as before). */
void conv_replicas(const conv_args *a, const conv_inputs *in, cnn_snn *s, conv_result *r,
                   int phase);

/* Frees what conv_result owns (the packings). */
void conv_result_fini(conv_result *r);

#endif
