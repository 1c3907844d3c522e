/*
 * net_cnn_cores.h: a converted CNN's weighted layers on compute-in-memory
 * cores of transposable RRAM arrays, after NeuRRAM (Wan et al., Nature
 * 608:504, 2022): each core a rows x cols array (256 x 256); a signed
 * weight a differential pair of devices on two adjacent rows (G+ driven
 * with +x, G- with -x); voltage-mode sensing (a column settles to
 * V = sum_i x_i (G+_i - G-_i) / sum_i (G+_i + G-_i), every row driven at
 * once); inputs quantized to B bits, each core's column output converted
 * to B + 2 bits, partial sums of a layer's cores added digitally, then the
 * bias and the ReLU (digital); pooling digital.  The same programmed
 * devices read the other way (inputs on the columns, each row line sensed
 * alone) give the transposed product W^T x: the backward MVM.
 *
 * The ANN runs on the cores (no spikes): the converted network's
 * normalized weights (net_cnn.h) are what is programmed, so a layer's
 * activations lie in [0, 1] up to the calibration percentile.
 * Devices come from a syn_device preset (synapses/syn_device.h): level
 * grid, write-verify noise, stuck devices, drift, read noise.
 */
#ifndef NET_CNN_CORES_H
#define NET_CNN_CORES_H

#include <stdint.h>

#include "net_cnn.h"
#include "net_energy.h"

struct syn_device_param;

#define CNN_CORES_MAX_TILES 1024

typedef struct cnn_core_opts {
  uint32_t rows, cols;    /* one core's array (NeuRRAM: 256 x 256) */
  uint32_t ncores;        /* cores on the chip (NeuRRAM: 48); mapping more fails */
  uint32_t in_bits;       /* B: MVM input precision (bits, >= 2) */
  uint32_t out_bits;      /* MVM output precision (NeuRRAM: B + 2) */
  double out_percentile;  /* ADC range of a layer: this percentile of |V|
                             on the calibration images (e.g. 99.9) */
  double drift_s;         /* seconds between programming and inference */
  uint64_t seed;          /* keys the devices */
} cnn_core_opts;

/* One core's share of a layer: weight rows (fan-in indices) [r0, r0 + nr)
   on physical rows 2 r0 .. (pairs on adjacent rows), output columns
   [c0, c0 + nc). */
typedef struct cnn_core_tile {
  uint32_t stage;         /* stage index in the converted network */
  uint32_t layer;         /* weighted-layer index (0 = first) */
  uint32_t r0, nr, c0, nc;
  double utilization;     /* cells used / cells of the core: 2 nr nc / (rows cols) */
} cnn_core_tile;

typedef struct cnn_cores cnn_cores;

/* Map s's weighted layers onto cores (one tile per core, each layer's
   matrix [fan-in x outputs] cut into row blocks of rows / 2 weights and
   column blocks of cols) and program them (cnn_cores_program with write
   0).  s is borrowed and must outlive the cores; its weights are not
   changed.  Returns 0, or SIM_EINVAL with a message (more tiles than
   opts->ncores, a layer kind the cores do not run). */
int cnn_cores_create(cnn_snn *s, const struct syn_device_param *p, const cnn_core_opts *o,
                     cnn_cores **out /* OUT */);
void cnn_cores_destroy(cnn_cores *c);

/* The tiles, in layer order; their count. */
uint32_t cnn_cores_tiles(const cnn_cores *c, const cnn_core_tile **out /* OUT */);

/* (Re)program weighted layer `layer` (or every layer: -1) from s's
   current weights at the scale of the first programming (max|W| of the
   layer then; weights beyond it clip): targets on the level grid, then
   write-verify noise keyed by `write` (stuck devices stay stuck), then
   drift.  Programming noise std may be overridden: prog_sigma >= 0 sets
   the preset's prog_noise_c0 to prog_sigma (w_max - w_min) and its
   c1 = c2 = 0 for this write (a relative programming noise); < 0 keeps
   the preset's. */
void cnn_cores_program(cnn_cores *c, int layer, uint64_t write, double prog_sigma);

/* Each layer's ADC range from n raw images (isz bytes each) run on the
   cores as programmed now (opts->out_percentile of |V| over columns and
   cores of the layer). */
void cnn_cores_calibrate(cnn_cores *c, const uint8_t *images, uint32_t n, uint32_t isz);

/* The network on the cores for one raw image up to stage `upto`
   (inclusive; cnn_stage_count - 1 for the logits).  Returns the output
   (borrowed; valid until the next call) and its size in *n. */
const float *cnn_cores_forward(cnn_cores *c, const uint8_t *image, uint32_t upto,
                               uint32_t *n /* OUT */);
/* Predicted class on the cores. */
int cnn_cores_predict(cnn_cores *c, const uint8_t *image);

/* Transposed MVM of weighted layer `layer` through the same devices:
   y[r] = sum_o W[o][r] x[o] (nin outputs from nout inputs), inputs
   quantized to B bits signed on [-max|x|, max|x|] and applied to the
   columns, each row line (G+ and G- apart) sensed in voltage mode and
   converted to out_bits over [-clip_v, clip_v] (clip_v <= 0: the bound
   max|x| that voltage-mode sensing cannot exceed), the pair subtracted
   digitally.  read keys the read noise.  Returns the largest |V| sensed
   (for choosing clip_v). */
double cnn_cores_mvm_t(const cnn_cores *c, uint32_t layer, const float *x, float *y,
                       double clip_v, uint64_t read);

/* Weighted layer `layer`'s target weights in [out][fan-in] order (s's
   normalized weights, as programmed; borrowed), its sizes and the scale
   max|W| it was programmed at. */
const float *cnn_cores_weights(const cnn_cores *c, uint32_t layer, uint32_t *nin, uint32_t *nout,
                               double *wmax);

/* Chip-in-the-loop retraining of the last layer (the last step of
   NeuRRAM's progressive fine-tuning): its input features measured on the
   cores (every earlier layer programmed) for n training images, softmax
   regression by SGD from the current weights (epochs passes, each weight
   kept within the programmed scale), the last fifth held out and the best
   epoch kept (0: the starting weights); the new weights are written into
   s, programmed onto the same devices (write noise keyed by `write`,
   prog_sigma as cnn_cores_program) and the layer's ADC range calibrated
   again.  Returns the epoch kept. */
int cnn_cores_finetune_last(cnn_cores *c, const uint8_t *images, const uint8_t *labels,
                            uint32_t n, uint32_t isz, uint32_t epochs, uint64_t write,
                            double prog_sigma);

/* The step before cnn_cores_finetune_last in NeuRRAM's progressive
   fine-tuning: when the last two weighted layers are consecutive linear
   layers, the first of them (the hidden layer) is retrained with the last
   in software on its input measured on the cores (every earlier layer
   programmed) for n training images: minibatch SGD of both, the chip's
   programming noise injected, the hidden output clipped to [0, 1] (the
   last layer's input range); the hidden layer's weights of the best
   held-out epoch are written into s and programmed (write, prog_sigma as
   cnn_cores_program); the last layer is left for cnn_cores_finetune_last
   to retrain on the programmed hidden layer's measured outputs.  Returns
   the epoch kept (0: the starting weights, or no such tail). */
int cnn_cores_finetune_hidden(cnn_cores *c, const uint8_t *images, const uint8_t *labels,
                              uint32_t n, uint32_t isz, uint32_t epochs, uint64_t write,
                              double prog_sigma);

/* Per stage (weighted and pools) its shape for the energy model
   (net_energy.h, ANN implementations: macs, rows, cols, patches); returns
   the count filled (<= max). */
uint32_t cnn_cores_layer_stats(const cnn_cores *c, net_layer_stats *out, uint32_t max);

#endif
