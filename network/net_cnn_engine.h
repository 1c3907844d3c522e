/*
 * net_cnn_engine.h: a converted CNN as populations and projections of the
 * kernel, run image by image on the kernel's engine (core/sim_engine.h):
 * the "engine" schedule of `memspike convert`, with event logs and
 * replay.  Layers are if_soft_reset populations; conv, dense and average
 * pool layers are shared-kernel projection kinds (synapses/syn_layer.h).
 *
 * Layer latency: every projection has a delay of one tick and one tick is
 * one time step, so layer k works one tick behind layer k - 1.  Layer k
 * starts integrating at tick k (if_soft_reset's `start`) and its step s
 * is tick k + 1 + s: the same steps as the batch runner, which passes a
 * step's spikes through all layers at once.  An image of T steps takes
 * T + K ticks on a network of K layers; its output is read at the tick of
 * the output layer's step T - 1.
 *
 * Not supported on this schedule (refused by name): max pooling gated by
 * spike counts (use --maxpool avg) and Poisson input.
 */
#ifndef NET_CNN_ENGINE_H
#define NET_CNN_ENGINE_H

#include <stdint.h>

#include "../core/sim_engine.h"
#include "net_cnn.h"

typedef struct cnn_engine cnn_engine;

/* Build the kernel network of s (borrowed: must outlive the engine) for
   images of up to tmax steps.  Returns 0, or a negative code with a
   message. */
int cnn_engine_create(cnn_snn *s, uint32_t tmax, uint64_t seed, cnn_engine **out /* OUT */);
void cnn_engine_destroy(cnn_engine *ce);

/* The kernel network (populations named after the stages, gids from 0),
   e.g. for an event-log header. */
const sim_net *cnn_engine_net(const cnn_engine *ce);
/* Ticks one image takes (tmax + stages). */
sim_time cnn_engine_image_ticks(const cnn_engine *ce);

/* Run one raw image: predictions after steps[k] steps (ascending; output
   spike counts, ties by membrane potential, then the lower class) into
   pred; per stage, spikes in and out and synaptic events added to *stats
   as cnn_snn_run does (a stage's spikes up to each checkpoint counted by
   its own steps; neuron updates are not counted per stage here).
   Recorders (may be NULL) get the image's spikes at ticks offset by
   image_index * cnn_engine_image_ticks, so a run's images form one
   timeline.  Returns 0 or a recorder's error. */
int cnn_engine_run(cnn_engine *ce, const uint8_t *image, uint64_t image_index,
                   const uint32_t *steps, uint32_t nsteps, const sim_recorder *recs,
                   uint32_t nrecs, int *pred, cnn_run_stats *stats);

#endif
