/*
 * net_cnn.h: a trained CNN turned into a spiking network, and its
 * event-driven inference.
 *
 * Conversion (Rueckauer et al. 2017, SNN Toolbox): batch-norm folded into
 * the convolution before it; data-based normalization with a percentile of
 * each layer's positive activations on calibration images; IF neurons with
 * threshold 1, reset by subtraction and an initial potential (opts.v_init
 * of the threshold: 0.5 centres the rounding of the spike count); the input
 * as a constant current into the first layer (or Poisson spikes on
 * request); biases as constant currents; average pooling as a fixed
 * projection of IF neurons; max pooling rate-correct (a window spikes when
 * its inputs' largest spike count exceeds its own), or replaced by average
 * pooling on request.  Convolutions stay shared kernels: memory grows with the
 * kernel, not with the number of synapses.
 *
 * Inference is event-driven: a spike scatters its kernel into the next
 * layer's input; a neuron is updated only at steps where input reaches it
 * or where its constant current alone brings it to threshold (a self-event
 * predicted in closed form), so a layer's work grows with the spikes it
 * receives.
 */
#ifndef NET_CNN_H
#define NET_CNN_H

#include <stddef.h>
#include <stdint.h>

#include "net_energy.h"
#include "net_model.h"

#define CNN_MAX_STAGES 32

/* Codings (network/net_cnn_coding.c names them):
   RATE  IF neurons, threshold 1 after data-based normalization, reset by
         subtraction; the output counts spikes (the default)
   QCFS  the same neurons on a model trained with the QCFS activation
         (Bu et al., ICLR 2022): each layer's threshold is its trained clip
         (lambda = clip) and every membrane starts at v_init (0.5)
   TTFS  time to first spike (Stanojevic et al., Nat. Commun. 2024): each
         layer has a window of T steps, a neuron spikes at most once, its
         value is how early (network/net_cnn_ttfs.c) */
typedef enum cnn_coding { CNN_CODING_RATE = 0, CNN_CODING_QCFS, CNN_CODING_TTFS,
                          CNN_CODINGS } cnn_coding;

/* "rate", "qcfs", "ttfs"; "?" out of range. */
const char *cnn_coding_name(int coding);
/* The coding called name, or -1. */
int cnn_coding_find(const char *name);
/* The names joined by sep ("rate|qcfs|ttfs"), for messages. */
const char *cnn_coding_list(void);

/* Calibration split over ranks (network/ never calls MPI: the caller
   passes its reduction).  sum(ctx, v, n) replaces v[0 .. n) by its sum
   over the ranks, in place; every rank calls it the same times with the
   same n.  sum NULL or size <= 1: one rank holding every image. */
typedef struct cnn_split {
  uint32_t rank, size;                            /* this rank, ranks */
  void (*sum)(void *ctx, uint64_t *v, size_t n);  /* sum over ranks, in place */
  void *ctx;                                      /* passed to sum */
} cnn_split;

typedef struct cnn_opts {
  double percentile;   /* of positive activations (99.9; 100 = max-norm) */
  uint32_t calib;      /* calibration images (first of the training set) */
  int max_to_avg;      /* 1: replace max pooling by average pooling */
  int poisson_input;   /* 1: Poisson input spikes instead of a current */
  uint64_t seed;       /* Poisson input streams */
  double v_init;       /* initial membrane potential of every IF neuron, as
                          a fraction of its threshold (0: rest at 0; 0.5:
                          half threshold, which centres the rounding error
                          of the spike count, Bu et al. ICLR 2022) */
  int coding;          /* cnn_coding (set after v_init: older initializers
                          leave it 0, rate) */
  cnn_split split;     /* calibration: rank r measures images r, r + size,
                          ...; each percentile is taken over the union, so
                          the lambdas do not depend on the rank count
                          (zero: one rank) */
} cnn_opts;

typedef struct cnn_snn cnn_snn;

/* What one SNN inference did, per stage (summed over runs until reset). */
typedef struct cnn_run_stats {
  uint32_t nstages;
  char name[CNN_MAX_STAGES][32];
  uint64_t neurons[CNN_MAX_STAGES];
  double in_spikes[CNN_MAX_STAGES];  /* spikes into the stage */
  double synops[CNN_MAX_STAGES];     /* synaptic operations (events delivered) */
  double out_spikes[CNN_MAX_STAGES];
  double updates[CNN_MAX_STAGES];    /* neuron updates */
  double input_spikes;               /* Poisson input spikes */
  double ck_spikes[16];              /* spikes of all stages up to each
                                        checkpoint (steps[k]), summed */
  /* Per checkpoint k (< 16) and stage: the counts up to steps[k], summed
     over images; filled by the batch runner and TTFS (nck checkpoints),
     not by the engine schedule (nck 0: whole-run totals only). */
  double ck_in[16][CNN_MAX_STAGES], ck_syn[16][CNN_MAX_STAGES], ck_out[16][CNN_MAX_STAGES];
  uint32_t nck;
} cnn_run_stats;

/* Convert m (net_model.h; not modified: the SNN keeps its own folded,
   normalized weights).  calib_images: raw uint8 images [n][H][W] (the first
   opts->calib are used; with opts->split, every rank calls this with the
   same images and measures its share of them, collectively).  Returns 0 or SIM_EFORMAT / SIM_EINVAL with a
   message (e.g. an unsupported layer order). */
int cnn_convert(const cnn_model *m, const uint8_t *calib_images, uint32_t ncalib,
                const cnn_opts *opts, cnn_snn **out /* OUT */);
void cnn_snn_destroy(cnn_snn *s);

/* The folded ANN (float32 arithmetic) on one raw image: predicted class;
   logits (nclasses) when not NULL. */
int cnn_ann_predict(const cnn_snn *s, const uint8_t *image, float *logits);

/* Run the SNN on one raw image for the largest of steps[] time steps;
   pred[k] gets the prediction after steps[k] steps (spike counts of the
   output layer, ties by membrane potential, then by lower index).  Adds to
   *stats (per stage) for the whole run. */
void cnn_snn_run(cnn_snn *s, const uint8_t *image, const uint32_t *steps, uint32_t nsteps,
                 int *pred, cnn_run_stats *stats);

/* The image the next cnn_snn_run / cnn_ann_predict is run on, by its index
   in the test set: it keys the Poisson input (so that a run's spikes do
   not depend on which rank or pass runs it) and the cache slot. */
void cnn_snn_select(cnn_snn *s, uint64_t image);

/* A cache of what reaches the last stage, for re-evaluating a network
   whose last layer alone changed (fine-tuning): mode 1 records, for each
   selected image, the ANN's features and the spikes delivered into the
   last stage at each step; mode 2 replays them, so that cnn_ann_predict
   and cnn_snn_run of a recorded image compute the last layer only (same
   results as a full run, as long as only the last layer changed; the
   stats then hold the last stage's counts only).  Mode 0 frees it.  A
   record beyond ~1 GB is dropped (runs are then full). */
void cnn_cache_last(cnn_snn *s, int mode);

/* Per stage (weighted and pools): its shape for the energy model
   (in_spikes, synops and out_spikes filled from stats / nimages: the
   counts of checkpoint ck, or of the whole run when ck < 0, for T =
   steps). */
uint32_t cnn_layer_stats(const cnn_snn *s, const cnn_run_stats *stats, double nimages,
                         uint32_t steps, int ck, net_layer_stats *out, uint32_t max);

/* TTFS inference (network/net_cnn_ttfs.c; s converted with coding TTFS):
   for each steps[k], a run with windows of steps[k] steps per layer;
   pred[k] its prediction; adds every run's counts to *stats (checkpoint
   k: the run with steps[k]; the whole-run totals: the largest). */
void cnn_ttfs_run(cnn_snn *s, const uint8_t *image, const uint32_t *steps, uint32_t nsteps,
                  int *pred, cnn_run_stats *stats);

/* Scale of each weighted stage after normalization (lambda), for reports. */
uint32_t cnn_lambdas(const cnn_snn *s, double *out, uint32_t max);

/* Weighted stages' weights, for device mapping and fine-tuning: pointer to
   the k-th weighted stage's weight array (normalized, internal layout) and
   its size; NULL past the last. */
float *cnn_stage_weights(cnn_snn *s, uint32_t k, uint64_t *n, int *is_last);

/* Call after changing weights in place (cnn_stage_weights,
   cnn_last_layer): the SNN's scatter copies follow. */
void cnn_weights_changed(cnn_snn *s);

/* Last layer in ANN terms: its input features (the penultimate layer's
   activations, float32) for a raw image, and its weight/bias arrays
   [out][in] / [out] (normalized scale), for fine-tuning. */
uint32_t cnn_features(const cnn_snn *s, const uint8_t *image, float *feat);
void cnn_last_layer(cnn_snn *s, float **w, float **b, uint32_t *nin, uint32_t *nout);

/* A stage as the kernel engine's schedule builds it (net_cnn_engine.h):
   its shape (channels-last maps), scatter weights and bias. */
typedef enum cnn_stage_type {
  CNN_STAGE_CONV,
  CNN_STAGE_LINEAR,
  CNN_STAGE_AVGPOOL,
  CNN_STAGE_MAXPOOL
} cnn_stage_type;

typedef struct cnn_stage_view {
  const char *name;
  cnn_stage_type type;
  uint32_t ic, ih, iw, oc, oh, ow, kh, kw, sh, sw, ph, pw;
  uint32_t nin, nout;
  const float *ws;   /* borrowed scatter weights: conv [ic][kh][kw][oc],
                        linear [in][out]; NULL for pools */
  const float *b;    /* borrowed bias per output channel (linear: per
                        output), normalized; NULL for pools */
} cnn_stage_view;

uint32_t cnn_stage_count(const cnn_snn *s);
double cnn_v_init(const cnn_snn *s); /* opts.v_init */
uint32_t cnn_nclasses(const cnn_snn *s);
void cnn_stage_get(const cnn_snn *s, uint32_t k, cnn_stage_view *out /* OUT */);
/* The first stage's constant current for a raw image (its ANN input
   before the ReLU, bias included): nout floats into out. */
void cnn_first_drive(cnn_snn *s, const uint8_t *image, float *out);

struct syn_device_param;
struct net_act_param;

/* The activation of the crossbar ANN (network/net_act.h) after every
   weighted layer with a ReLU: p is borrowed (it must outlive s's use) and
   keys its devices by weighted-layer index; NULL puts back the float ReLU.
   Only the ANN (cnn_ann_predict, cnn_features) is affected, never the
   SNN.  cnn_layer_stats then marks the layers whose outputs (analog_out)
   and inputs (analog_in) stay analog.  Returns SIM_EINVAL for a QCFS
   model (its activation is already quantized). */
int cnn_set_activation(cnn_snn *s, const struct net_act_param *p);

/* Put every weight of every weighted stage on a differential pair of
   devices of preset p: x = w / max|w| in [-1, 1]; G+ holds w_min + max(x,
   0) R and G- holds w_min + max(-x, 0) R (R = w_max - w_min), each target
   first put on the device's grid of levels (dw_min apart), then programmed
   (write-verify noise) with the device's own bounds and stuck state, left
   to relax or drift for drift_s seconds, and read once (read noise).  The
   weights become what the pairs hold.  seed keys the devices.  only_last
   after a full mapping: the last layer is written again in place, on the
   same devices at the same scale (stuck devices stay stuck; seed keys the
   new write's noise); without one, onto devices of its own.  Returns the
   number of stuck devices. */
uint64_t cnn_map_devices(cnn_snn *s, const struct syn_device_param *p, double drift_s,
                         uint64_t seed, int only_last);

/* After cnn_map_devices, with the conv stages' weights put back to their
   values before it: copy `replica` of the conv kernels programmed onto
   devices of its own (keyed by the mapping's seed and the replica; 0: the
   devices cnn_map_devices used), at the same scale; linear stages
   untouched.  Returns the stuck devices among those conv devices. */
uint64_t cnn_map_replica(cnn_snn *s, const struct syn_device_param *p, double drift_s,
                         uint32_t replica);

/* The crossbar arrays cnn_map_devices lays the weights on when the
   device preset has fault_aware_map (default: 128 x 128, spares on):
   rows x cols cells per array, two columns per signed weight, layers cut
   into tiles as net_energy_tiles cuts them; spares 1: a tile may use the
   rows and column pairs of its array the layer leaves unused (one layer
   per array: --pack per-layer), 0: only its own block's cells (arrays
   shared by blocks of several layers). */
void cnn_set_crossbar(cnn_snn *s, uint32_t rows, uint32_t cols, int spares);

/* After cnn_map_devices: the interval each last-layer weight can take on
   its pair ([out][in], lo <= hi; stuck devices fixed).  Returns 0 (lo, hi
   untouched) when the network was not mapped. */
int cnn_device_reach_last(const cnn_snn *s, const struct syn_device_param *p, float *lo,
                          float *hi);

/* Hybrid training (Yao et al. 2020): softmax regression of the last layer
   on the features the network computes now (e.g. through device-held
   weights) for n raw training images (isz bytes each), by SGD from the
   current weights, each weight kept in [lo, hi] when given (what its
   devices can reach: cnn_device_reach_last).  The last fifth of the images
   is held out: the epoch with the best held-out accuracy is kept, the
   starting weights unless an epoch beats them.  Then the layer is
   normalized again (opts' percentile of its positive outputs on the
   images becomes 1, so that the output neurons do not saturate), the
   device scale with it (a peripheral gain: re-programming in place writes
   the same conductances).  Returns the epoch kept (0: none improved). */
int cnn_finetune_last(cnn_snn *s, const uint8_t *images, const uint8_t *labels, uint32_t n,
                      uint32_t isz, const float *lo, const float *hi);

#endif
