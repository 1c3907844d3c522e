/*
 * syn_layer.h: projection kinds of converted CNN layers, with shared
 * kernels: a convolution stores its kernel (ic x kh x kw x oc weights)
 * and a scatter plan per input position, not one weight per synapse, so
 * memory grows with the kernel, not with the synapse count.  Dense layers
 * store their matrix; average pools a weight 1/(kh kw).  Feature maps are
 * channels-last, neuron index (y * w + x) * c + channel.
 *
 * The plans are the one implementation of the layers' geometry: the
 * converter's batch runner (network/net_cnn*.c) scatters with them too.
 */
#ifndef SYN_LAYER_H
#define SYN_LAYER_H

#include <stdint.h>

#include "../core/sim_syn.h"

/* Shape of a layer: input (ic, ih, iw), output (oc, oh, ow), window
   (kh, kw), stride (sh, sw), padding (ph, pw). */
typedef struct syn_layer_geom {
  uint32_t ic, ih, iw, oc, oh, ow;
  uint32_t kh, kw, sh, sw, ph, pw;
} syn_layer_geom;

/* Where the spikes of one input position (conv: ih * iw positions) or
   input neuron (pools: ic * ih * iw) land: entries off[p] .. off[p + 1]
   of opos (conv: output position; pools: output neuron) and koff (conv:
   kernel offset ky * kw + kx; pools: unused, NULL). */
typedef struct syn_layer_plan {
  uint32_t *off;   /* owned */
  uint32_t *opos;  /* owned */
  uint16_t *koff;  /* owned, conv only */
  uint32_t n;      /* entries */
} syn_layer_plan;

/* Scatter plan of a convolution (bounds and strides resolved once, so a
   spike's scatter does no division). */
void syn_layer_conv_plan(const syn_layer_geom *g, syn_layer_plan *out);
/* Plan of a pool: for each input neuron, the output neurons whose window
   holds it (one for non-overlapping windows). */
void syn_layer_pool_plan(const syn_layer_geom *g, syn_layer_plan *out);
void syn_layer_plan_fini(syn_layer_plan *p);

/* Max pooling is gated by spike counts: at a tick where inputs of a window
   spike, the window passes one spike (weight 1) when its input with the
   most spikes so far, counting this tick's (the first in row-major order
   on ties), is one of them; decided when the tick's spikes are all in. */
typedef enum syn_layer_type {
  SYN_LAYER_CONV,
  SYN_LAYER_DENSE,
  SYN_LAYER_AVGPOOL,
  SYN_LAYER_MAXPOOL
} syn_layer_type;

/* One layer projection (the kind's self).  Weights are borrowed from the
   converter, in scatter layout: conv [ic][kh][kw][oc], dense [in][out]. */
typedef struct syn_layer {
  syn_layer_type type;
  syn_layer_geom g;
  uint32_t nin, nout;     /* neurons of the source and target maps */
  const float *ws;        /* borrowed scatter weights (conv, dense) */
  syn_layer_plan plan;    /* owned (conv, avgpool) */
  sim_time delay;         /* ticks from a spike to its effect (>= 1) */
  uint64_t events;        /* synaptic events delivered so far */
  /* Max pooling's state (owned): spikes per input and per window, the
     windows touched at tick `pend_t` (each once). */
  uint32_t *cnt, *ocnt;
  sim_time *decided_at;
  uint32_t *pend, npend;
  sim_time pend_t;
  sim_time t_last;        /* spikes emitted after this tick are not
                             delivered (the source's last step);
                             SIM_NEVER: none dropped */
} syn_layer;

/* Set up a layer projection (plans built here; syn_layer_fini frees). */
void syn_layer_init(syn_layer *l, syn_layer_type type, const syn_layer_geom *g,
                    const float *ws, sim_time delay);
void syn_layer_fini(syn_layer *l);
/* Forget the spike counts (a new image). */
void syn_layer_reset(syn_layer *l);
/* Synapses the layer stands for (what a weight-per-synapse table would
   hold). */
uint64_t syn_layer_synapses(const syn_layer *l);

/* The kind: self is a syn_layer; the CSR table is unused (NULL). */
extern const sim_proj_ops syn_layer_kind;

#endif
