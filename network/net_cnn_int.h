/*
 * net_cnn_int.h: internals shared by the files of the CNN converter
 * (net_cnn.h): the stage struct and the converted network, and the few
 * functions more than one file calls.
 *   net_cnn.c         conversion (stage list, batch-norm folding,
 *                     normalization, scatter layouts), the float32 ANN,
 *                     reports and weight access
 *   net_cnn_run.c     the event-driven IF inference (cnn_snn_run)
 *   net_cnn_device.c  weights onto device pairs (cnn_map_devices,
 *                     cnn_pair_program)
 *   net_cnn_remap.c   fault-aware placement of weights on crossbar cells
 *                     (cnn_fault_map)
 *   net_cnn_cores.c   the ANN on compute-in-memory cores (net_cnn_cores.h)
 *   net_cnn_train.c   last-layer fine-tuning (cnn_finetune_last)
 *   net_cnn_ttfs.c    time-to-first-spike inference (cnn_ttfs_run)
 *   net_cnn_coding.c  the codings' names
 *
 * Internal layout of every feature map is channels-last, (y, x, c) with c
 * fastest, so that a spike's kernel scatter writes contiguous channels.
 * PyTorch's flatten order (c, y, x) is mapped onto it when the following
 * linear layer's weights are laid out.
 */
#ifndef NET_CNN_INT_H
#define NET_CNN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "net_cnn.h"

typedef enum { ST_CONV, ST_LINEAR, ST_AVGPOOL, ST_MAXPOOL } stage_kind;

/* Self-events of one stage: neurons due at each step. */
typedef struct bucket {
  uint32_t *n; /* owned */
  uint32_t len, cap;
} bucket;

/* One stage of the converted network: a weighted layer (conv, linear) or a
   pool, with its ANN weights, their scatter copy and its SNN state.
   Invariants: ws (and the plans) are derived from w by cnn_make_scatter
   and must be rebuilt after w changes (cnn_weights_changed does it for
   every stage); the SNN state arrays (v, in, drive, ...) hold nout
   entries and describe the image being run (stage_reset in net_cnn_run.c
   starts each image afresh); due has one bucket per step, tmax of them
   (the most steps a run has asked for). */
typedef struct stage {
  stage_kind kind;
  char name[32];
  uint32_t ic, ih, iw, oc, oh, ow; /* input and output shapes */
  uint32_t kh, kw, sh, sw, ph, pw;
  uint32_t nin, nout;
  int relu;              /* ANN: ReLU after this stage */
  uint32_t qlevels;      /* ANN: the ReLU is QCFS with this many levels (0: plain) */
  float qclip;           /* ... and this clip (in this stage's output units:
                            normalized once normalize() ran) */
  int weighted;          /* conv or linear */
  const struct net_act_param *act; /* borrowed: the ANN's activation after
                            this stage when relu (NULL: float ReLU), and
                            the layer index keying its devices
                            (cnn_set_activation) */
  uint32_t act_layer;
  int first;             /* fed by the input image */
  double lambda;         /* normalization scale of this stage's output */
  /* ANN weights (normalized): conv [oc][ic][kh][kw], linear [out][in]
     with `in` in internal (y, x, c) order of the previous map. */
  float *w, *b;          /* owned; b per output channel / feature */
  /* SNN scatter weights: conv [ic][kh][kw][oc]; linear [in][out] */
  float *ws;             /* owned */
  /* SNN state, per output neuron (index (y*ow + x)*oc + c). */
  float *v, *in, *drive;     /* float32, as the PyTorch reference */
  float *inv_drive;          /* 1 / drive (0 where drive <= 0), per image */
  int32_t *last, *sched;
  uint16_t *cnt;
  uint8_t *touched, *spiked;
  uint32_t *tlist, ntl;       /* touched neurons (avgpool, maxpool, due) */
  /* conv scatter plan: for input position p, the output positions and
     kernel offsets it reaches: entries plan[plan_off[p] .. plan_off[p+1]) */
  uint32_t *plan_off;         /* owned, ih*iw + 1 */
  uint32_t *plan_opos;        /* owned */
  uint16_t *plan_koff;        /* owned: ky * kw + kx */
  uint8_t *ptouched;          /* conv/linear: output positions that got input */
  uint32_t *plist, npl;       /* ... as a list */
  int dense_prev;             /* sweeping: every neuron is current at the
                                 last step; `last` and schedules are stale */
  int no_input;               /* first stage fed its constant current only:
                                 closed-form spike times, see const_step */
  int relay;                  /* average pool of --coding qcfs: no neurons, each
                                 input spike is relayed to its windows as one
                                 event each, and the next layer scales what it
                                 receives by in_scale = 1 / (kh kw): the pool is
                                 exact, as in Bu et al.'s SNNs (spk holds up to
                                 relay_cap events) */
  uint32_t relay_cap;
  float in_scale;             /* 1, or 1 / (kh kw) after a relaying pool */
  int on_arrival;             /* non-overlapping average pool: integrates and
                                 fires as input arrives (see scatter) */
  uint32_t nspk_prev;         /* spikes of the last dense step */
  uint32_t *spk, nspk;
  bucket *due;           /* owned: steps 0 .. tmax-1 */
  uint32_t tmax;
} stage;

/* Crossbar arrays the device mapping lays weights on: rows x cols cells
   (two columns per signed weight), spares: a tile may use the cells of its
   array that the layer leaves unused (one layer per array). */
typedef struct cnn_xbar {
  uint32_t rows, cols;
  int spares;
} cnn_xbar;

/* The converted network (net_cnn.h); stages st[0 .. n) in order. */
struct cnn_snn {
  uint32_t in_c, in_h, in_w;
  double scale, mean, std;
  uint32_t nclasses;
  stage st[CNN_MAX_STAGES];
  uint32_t n;
  cnn_opts opts;
  float *buf[2];          /* ANN scratch, size of the largest map */
  uint32_t maxmap;
  float *in_ones;         /* Poisson input: sum of kernel weights per neuron */
  float *ws_in;           /* Poisson input: first kernel / std (scatter layout) */
  uint64_t image_count;   /* Poisson streams key; the cache's slot (the
                             image cnn_snn_select named) */
  /* Last-stage cache (cnn_cache_last): per slot, the spikes each step
     delivered into the last stage (spk[off[slot (T + 1) + t] ..
     off[slot (T + 1) + t + 1])) and the ANN's features for it. */
  struct {
    int mode;               /* 0 off, 1 record, 2 replay */
    uint32_t T;             /* steps of every recorded run */
    uint32_t *spk;          /* owned */
    size_t n, cap;
    uint64_t *off;          /* owned, nslots (T + 1) */
    float *feat;            /* owned, nslots x the last stage's nin */
    uint8_t *have;          /* owned, per slot: 1 SNN run, 2 ANN, 3 both */
    uint64_t nslots;
  } cache;
  double dev_scale[CNN_MAX_STAGES]; /* per weighted stage: max|w| the device
                             pairs were programmed at (0: not mapped) */
  uint64_t dev_seed;      /* keys of those devices (cnn_map_devices) */
  /* With the preset's fault_aware_map: per weighted stage, the physical
     cell (cnn_fault_map's numbering) of each weight (owned; NULL: each
     weight keyed by its own index), and the arrays' geometry. */
  uint64_t *dev_phys[CNN_MAX_STAGES];
  cnn_xbar xbar;
};

/* Stage t's ANN output y (nout floats) from its input x (nin floats),
   float32, internal layouts; a conv stage reads its kernel from ws. */
void cnn_stage_forward(const stage *t, const float *x, float *y);

/* The ANN on raw image img up to the output of stage `upto` (inclusive),
   alternating between b0 and b1 (each s->maxmap floats); returns the one
   that holds the result. */
const float *cnn_forward(const cnn_snn *s, const uint8_t *img, uint32_t upto, float *b0,
                         float *b1);

/* p-th percentile (linear interpolation, as numpy) of v[0..n) (not
   modified; no NaN); 0 for an empty set (network/net_cnn_pct.c). */
double cnn_percentile(const float *v, size_t n, double p);
/* The same over the union of every rank's v[0..n) (split as in cnn_opts;
   NULL: this rank's values alone): every rank gets the value one rank
   holding all of them would. */
double cnn_percentile_split(const float *v, size_t n, double p, const cnn_split *sp);

struct syn_device_param;

/* One differential pair of preset p holding x = w / scale (clipped to
   [-1, 1]), its devices keyed key[0] (G+) and key[1] (G-): each target put
   on the grid of levels (target[m]), programmed with write-verify noise
   (keyed by write; with p->program_verify a stuck device's partner
   compensates, syn_device_program_pair), left to retain for drift_s seconds; held[m] the states
   then (not yet read: read noise is the caller's).  Returns the stuck
   devices of the pair (0..2).  Shared by cnn_map_devices and the
   compute-in-memory cores (net_cnn_cores.c). */
int cnn_pair_program(const struct syn_device_param *p, const uint64_t key[2], double x,
                     uint64_t write, double drift_s, double held[2], double target[2]);

/* Fault-aware mapping (net_cnn_remap.c).  Devices of weighted stage k
   keyed by their physical cell: cell c = (tile g->rows + row) (g->cols/2)
   + pair, tile = row_tile x col_tiles + col_tile, tiles cut as
   net_energy_tiles cuts (rows = fan-in, two columns per output). */
uint64_t cnn_phys_key(uint64_t seed, uint32_t k, uint64_t phys, int m);

/* What the pair of devices key[0] (G+), key[1] (G-) can hold, in x = w /
   scale: [*lo, *hi] (a stuck device: its value; a healthy one: its
   bounds). */
void cnn_pair_reach(const struct syn_device_param *p, const uint64_t key[2], double *lo,
                    double *hi);

/* What the pair at cell phys can hold, in x = w / scale: [*lo, *hi] (a
   stuck device: its value; the healthy one: its bounds). */
void cnn_cell_reach(const struct syn_device_param *p, uint64_t seed, uint32_t k, uint64_t phys,
                    double *lo, double *hi);

/* Targets x ([cols][rows], w / scale) of stage k onto the cells of arrays
   g whose devices are keyed by seed: per tile, logical rows onto physical
   rows and outputs onto column pairs (among the spares too with
   g->spares) minimising the sum over weights of the squared distance
   from x to what the cell can hold.  phys[i] = cell of weight i.
   Returns that sum; *cost_identity (if not NULL) the identity's. */
double cnn_fault_map(const struct syn_device_param *p, uint64_t seed, uint32_t k,
                     const float *x, uint32_t rows, uint32_t cols, const cnn_xbar *g,
                     uint64_t *phys, double *cost_identity);

/* Rebuild t's scatter copy ws from w (conv [ic][kh][kw][oc], linear
   [in][out]) and build its scatter or pool plan if it has none yet. */
void cnn_make_scatter(stage *t);

#endif
