/*
 * syn_store.h: the per-synapse state of one projection's plastic or device
 * synapses on this rank, parallel to its CSR synapse table, and the
 * operations the engine applies when a spike passes: read the weight a
 * device holds now (retention applied lazily in closed form, read noise,
 * read energy), and pair-based STDP turned into write pulses.
 *
 * Device state per synapse (1 device, or 2 for a differential pair):
 *   retention none:   a = w
 *   retention relax:  a = (w - w_rest) e^{(t_w - epoch)/lifetime}, so that
 *                     w(t) = w_rest + a e^{-(t - epoch)/lifetime}: the decay
 *                     factor is one number per projection and time, and a
 *                     device needs no write time (4 bytes a device).  When
 *                     e^{(t - epoch)/lifetime} grows large every a is
 *                     rebased to a later epoch: one pass, however long the
 *                     idle time jumped over.
 *   retention arrhenius: as relax, with the time constant
 *                     syn_device_tau_s at the operating temperature
 *                     (one number per projection and run).
 *   Reads never write: the state changes only at writes (pulses), and
 *   retention is applied in closed form at the next read.
 *   retention drift:  a = w at programming, t_prog (s, double) and nu per
 *                     device (power-law drift is not memoryless: 16 bytes).
 * Stuck devices are marked in a bitmap and hold their stuck value.
 */
#ifndef SYN_STORE_H
#define SYN_STORE_H

#include <stdint.h>

#include "syn_device.h"
#include "syn_spec.h"
#include "../core/sim_ckpt.h"
#include "../core/sim_syn.h"
#include "../core/sim_types.h"

#define SYN_POST_HIST 16 /* post spikes kept per target for STDP */
/* Write pulses one STDP update may apply to a device, at most, whatever
   the device's range and step (syn_store_spike). */
#define SYN_MAX_PULSES 1000000

/* Post-synaptic spike history of one target neuron (STDP). */
typedef struct syn_post_hist {
  int64_t t[SYN_POST_HIST];  /* ticks of the last post spikes (ring) */
  double k[SYN_POST_HIST];   /* post trace just after each of them */
  uint32_t n, head;          /* entries held; next slot */
} syn_post_hist;

/* Energy and activity counters of one projection on this rank. */
typedef struct syn_counters {
  uint64_t reads;          /* device reads (one per device per spike) */
  uint64_t pulses;         /* write pulses applied */
  uint64_t updates;        /* STDP weight updates computed */
  double read_g_us;        /* sum of G (uS) over reads: read energy =
                              V_read^2 t_read * this */
  double read_pj, write_pj; /* energy (pJ), filled by syn_store_energy */
} syn_counters;

typedef struct syn_store {
  const syn_spec *spec;     /* borrowed from the desc */
  uint32_t ndev;            /* devices per synapse: 1 or 2 */
  uint64_t nsyn;
  double h_s;               /* one tick in seconds */
  uint64_t key;             /* sim_hash4(seed, projection) */
  /* Device state (kind == SYN_DEVICE), ndev entries per synapse. */
  float *a;                 /* owned: see the file comment */
  double *t_prog;           /* owned, drift only: programming time (s); a
                               double, since float seconds lose ~30 s at 10
                               years and drift is read from there */
  float *nu;                /* owned, drift only: drift exponent */
  uint8_t *stuck;           /* owned: bit per device */
  double epoch_s;           /* relax: time the a values refer to (s) */
  double tau_s;             /* relax, arrhenius: the time constant (s) at
                               the run's temperature (syn_device_tau_s) */
  double *w;                /* owned, kind == SYN_STDP: the ideal plastic
                               weights (mV or pA), in double as NEST's
                               stdp_synapse, so that pair-rule changes
                               do not round; the table's float w is then
                               NULL.  Static weights stay float32 in the
                               table. */
  /* STDP traces. */
  int64_t *pre_last;        /* owned, per source: tick of the last spike */
  double *kplus;            /* owned, per source: pre trace after it */
  syn_post_hist *post;      /* owned, per local target */
  int fast;                 /* syn_store_spike_fast applies */
  uint32_t max_pulses;      /* devices: write pulses per STDP update at most
                               (4 x range / dw_min, <= SYN_MAX_PULSES) */
  syn_counters c;
  /* Where the synapses are (borrowed from the network, for weights and
     keys outside a spike). */
  sim_gid src_first;        /* gid of source offset 0 */
  const sim_gid *tgt_gids;  /* gid of each local target */
  /* Journal of device writes (sim_proj_ops journal): off unless a devices
     record asks for it. */
  int journal;
  sim_syn_write *jr;        /* owned: entries since the last drain */
  uint32_t njr, capjr;
  int ckpt_epoch_set;       /* a checkpoint's relax epoch was loaded */
} syn_store;

/* Key of device `which` (0, or 1 for the minus device of a pair) of the
   synapse from source gid src to target gid tgt, the ord-th between them. */
static inline uint64_t syn_store_dev_key(const syn_store *s, uint32_t src, uint32_t tgt,
                                         uint32_t ord, uint32_t which)
{
  return sim_hash4(s->key, src, tgt, (uint64_t)ord * 2 + which);
}



/* Set up the state of a projection's local synapses (tab): devices get
   their own d2d parameters, stuck marks, and the initial weight of the
   table (w or w_const) mapped to device state; STDP gets per-source and
   per-target traces.  tgt_gids: gid of each local target. */
void syn_store_init(syn_store *st, const syn_spec *spec, sim_syn_table *tab,
                    sim_gid src_first, const sim_gid *tgt_gids, uint32_t ntgt,
                    uint64_t seed, uint32_t proj, double h_ms);
void syn_store_fini(syn_store *st);
/* Bytes of per-synapse state (traces excluded). */
size_t syn_store_bytes(const syn_store *st);
/* Bytes syn_store_init would allocate for nsyn synapses of spec from src_n
   sources onto ntgt local targets, traces included; tab_has_w: the table
   holds per-synapse weights already.  For estimates before building. */
size_t syn_store_estimate(const syn_spec *spec, uint64_t nsyn, uint32_t src_n, uint32_t ntgt,
                          int tab_has_w);

/* Where the weights go: add weight w (mV or pA) for local target j at tick
   t_arr (the engine picks the port by sign). */
typedef void (*syn_add_fn)(void *ctx, uint32_t j, int64_t t_arr, double w);

/* A spike of source offset s (gid src_gid) emitted at tick t passes all
   its local synapses: STDP updates first (pre-synaptic event, NEST order),
   then each synapse's weight is read and handed to add. */
void syn_store_spike(syn_store *st, sim_syn_table *tab, uint32_t s, sim_gid src_gid,
                     const sim_gid *tgt_gids, int64_t t, syn_add_fn add, void *ctx);
/* The same for the common case of fixed (non-plastic) devices without
   read noise and a constant delay: reads straight into the input rows
   (row_in: negative weights, or NULL for one port), marks bits, raises
   *pending to the arrival tick.  Returns 0, doing nothing, when the
   projection does not qualify. */
int syn_store_spike_fast(syn_store *st, const sim_syn_table *tab, uint32_t s,
                         int64_t t, double *row_ex, double *row_in, uint64_t *bits,
                         int64_t *pending);
/* Local target j fired at tick t (post-synaptic event for STDP). */
void syn_store_post(syn_store *st, uint32_t j, int64_t t);
/* Weight a synapse holds at tick t, without read noise or counting (for
   recorders and tests). */
double syn_store_weight(const syn_store *st, const sim_syn_table *tab, uint64_t k,
                        sim_gid src_gid, const sim_gid *tgt_gids, int64_t t);
/* The same, with the device conductance at t in *g (uS; a differential
   pair: G+ - G-), NaN for synapses that are no device. */
double syn_store_weight_g(const syn_store *st, const sim_syn_table *tab, uint64_t k,
                          int64_t t, double *g);
/* Journal on or off; drain: the entries since the last call (cleared). */
void syn_store_journal(syn_store *st, int on);
uint32_t syn_store_writes(syn_store *st, const sim_syn_write **out);
/* Fill c.read_pj and c.write_pj from the counters. */
void syn_store_energy(syn_store *st);
/* Checkpoints (syn_store_ckpt.c, docs/checkpoint-format.md): write
   projection proj's "proj" record, and read the fields after the index of
   one (from any rank's file), keeping the synapses this rank owns. */
struct sim_net;
void syn_store_save(const syn_store *st, const struct sim_net *net, uint32_t proj,
                    const sim_ckpt_writer *w);
int syn_store_load(syn_store *st, const struct sim_net *net, uint32_t proj,
                   const sim_ckpt_load *l);

#endif
