/*
 * sim_syn.h: what the engine knows of synapses.  A projection's rank-local
 * synapses are a CSR table grouped by source; the projection's kind (static
 * weights, device or plastic synapses, ...) is an ops table implemented in
 * synapses/, called once per (spike, projection), never per synapse.  A
 * kind hands weights to the engine through a sink: the target population's
 * input rings, written inline so that the kind's loop stays monomorphic.
 */
#ifndef SIM_SYN_H
#define SIM_SYN_H

#include <stddef.h>
#include <stdint.h>

#include "sim_ckpt.h"
#include "sim_neuron.h"
#include "sim_types.h"

struct sim_net;

/* Largest delay a synapse can have, in ticks (delays are uint16_t). */
#define SIM_MAX_DELAY_TICKS 65535

/* Rank-local incoming synapses of one projection.  Invariant: each
   source's entries are sorted by target (by_delay: by delay, then
   target), and the entries one target gets from one source (of one delay)
   keep the order they were drawn in, on any number of ranks.

   Rows: the table holds a row only for sources with synapses on this rank,
   so its size is bounded by the rank's synapses, not by the source
   population (on P ranks a source of fan-out K has local targets with
   probability ~1 - exp(-K / P)).  Two forms, chosen per table by size
   (sim_syn_table_compact): dense, row r is source r (row_src == NULL,
   8 B per source); sparse, row_src lists the rows' sources in ascending
   order and bucket indexes them by source >> bshift (~2 rows a bucket:
   4 + 8 + ~2 B per row).  sim_syn_find costs one bucket look-up and a
   short scan per (spike, projection), nothing per synapse. */
typedef struct sim_syn_table {
  uint32_t src_n;    /* neurons in the source population */
  uint32_t nrows;    /* rows: src_n (dense), or sources with local synapses */
  uint64_t *off;     /* owned, nrows + 1: row r owns [off[r], off[r+1]) */
  uint32_t *row_src; /* owned, nrows ascending source offsets (sparse), or
                        NULL (dense: row r is source r) */
  uint32_t *bucket;  /* owned (sparse), (src_n >> bshift) + 2: the rows of
                        sources [b << bshift, (b + 1) << bshift) are
                        [bucket[b], bucket[b + 1]) */
  uint32_t bshift;
  uint32_t *tgt;     /* owned: local index of the target neuron */
  float *w;          /* owned per-synapse weight, or NULL: all w_const */
  uint16_t *d;       /* owned per-synapse delay (ticks), or NULL: d_const */
  double w_const;    /* mV or pA, when w == NULL */
  uint16_t d_const;  /* ticks, when d == NULL */
  uint16_t d_min, d_max; /* ticks over this rank's synapses (d_const if
                            none) */
  uint64_t nsyn;     /* synapses on this rank */
  /* Delay-major rows (sim_syn_table_sort_by_delay): each row is sorted by
     (delay, target), a target's synapses of one delay in draw order, so
     that the synapses of one row and delay are one run of entries. */
  int by_delay;
} sim_syn_table;

/* Entries [k0, k1) of one source (k0 == k1: none on this rank). */
typedef struct sim_syn_span {
  uint64_t k0, k1;
} sim_syn_span;

/* The entries of source offset s. */
static inline sim_syn_span sim_syn_find(const sim_syn_table *t, uint32_t s)
{
  uint32_t r = s;
  if (t->row_src) {
    const uint32_t b = s >> t->bshift, hi = t->bucket[b + 1];
    r = t->bucket[b];
    while (r < hi && t->row_src[r] < s)
      r++;
    if (r == hi || t->row_src[r] != s)
      return (sim_syn_span){0, 0};
  }
  return (sim_syn_span){t->off[r], t->off[r + 1]};
}

/* Source offset of row r (r < nrows). */
static inline uint32_t sim_syn_row_source(const sim_syn_table *t, uint32_t r)
{
  return t->row_src ? t->row_src[r] : r;
}

/* Row owning entry k (k < nsyn): a binary search over the offsets. */
uint32_t sim_syn_row_of(const sim_syn_table *t, uint64_t k);

/* A table filled with dense offsets (nrows == src_n, row_src NULL) takes
   the smaller of the two forms: rows of sources without local synapses
   are dropped when that saves memory. */
void sim_syn_table_compact(sim_syn_table *t);

/* Reorder each row by (delay, target), stably, and set by_delay: the
   delay-major form deferred delivery needs (sim_sink_defer).  A table
   without per-synapse delays is left as it is. */
void sim_syn_table_sort_by_delay(sim_syn_table *t);

/* The run of row entries [k0, k1) (a delay-major table) with delay d,
   as a span ({x, x} when none). */
sim_syn_span sim_syn_delay_run(const sim_syn_table *t, uint64_t k0, uint64_t k1, uint16_t d);

void sim_syn_table_fini(sim_syn_table *t);
/* Bytes held by the table's arrays (rows included). */
size_t sim_syn_table_bytes(const sim_syn_table *t);
/* The same expected for a table not built yet: nsyn synapses from src_n
   sources drawn at random (rows: src_n (1 - exp(-nsyn / src_n))), with
   per-synapse weights (per_w) and delays (per_d) or constants. */
size_t sim_syn_table_bytes_for(uint64_t nsyn, uint32_t src_n, int per_w, int per_d);

/* Deferred delivery: one run of a delay-major table (entries [k0, k0 + n)
   of tab, all of one delay) whose weights arrive at one tick; the engine
   adds them into that tick's row just before the target population's
   update, in the order they were deferred.  Each run's adds then walk
   one row of a few hundred kB instead of a ring of tens of MB. */
typedef struct sim_sink_ref {
  const sim_syn_table *tab;
  uint64_t k0;
  uint32_t n;
  int32_t port; /* the projection's port (targets that do not route by sign) */
} sim_sink_ref;

/* The deferred runs of one arrival slot. */
typedef struct sim_sink_refs {
  sim_sink_ref *v;
  uint32_t n, cap;
} sim_sink_refs;

/* The input rings of one target population, as the engine lays them out:
   for each port a ring of nslots ticks x nlocal sums (delta models: mV;
   current-based: pA), row-major by slot so that the targets of one spike
   write into one row, and a bitmap per slot of the neurons that got input.
   Borrowed from the engine for the length of a run. */
typedef struct sim_sink {
  double *ring[SIM_MAX_PORTS]; /* ring[port][slot * nlocal + j] */
  uint64_t *touched;           /* nslots * nwords bits */
  uint32_t nlocal, nwords, smask;
  int by_sign;                 /* target model: w >= 0 to port 0, w < 0 to 1 */
  int counts;                  /* target model counts spikes (counts_input):
                                  each spike adds 1, not its weight */
  int whole;                   /* per-tick target: the engine clears each
                                  tick's rows whole after the update, so a
                                  kind may leave the bitmap unmarked
                                  (static_spike does) */
  sim_time *pending_until;     /* engine's: latest tick with input pending */
  sim_sink_refs *defer;        /* per slot, the runs deferred to it, or NULL:
                                  the target takes no deferred runs (it is
                                  not per-tick, or counts spikes) */
  double *acc[SIM_MAX_PORTS];  /* with defer: per port, nlocal sums of the
                                  tick being flushed (sim_sink_flush) */
} sim_sink;

/* Row of port `port` for arrival tick t (nlocal entries). */
static inline double *sim_sink_row(const sim_sink *k, int port, sim_time t)
{
  return k->ring[port] + (size_t)((uint32_t)t & k->smask) * k->nlocal;
}

/* Bitmap of arrival tick t (nwords words). */
static inline uint64_t *sim_sink_bits(const sim_sink *k, sim_time t)
{
  return k->touched + (size_t)((uint32_t)t & k->smask) * k->nwords;
}

/* Say that input arrives at tick t (call once per row written). */
static inline void sim_sink_pending(const sim_sink *k, sim_time t)
{
  if (t > *k->pending_until)
    *k->pending_until = t;
}

/* What one spike of weight w adds to the target's input: w, or 1 for a
   target that counts spikes.  Kinds apply it once per spike or per row,
   outside their inner loops. */
static inline double sim_sink_value(const sim_sink *k, double w)
{
  return k->counts ? 1.0 : w;
}

/* Add w for local target j at tick t on the given port. */
static inline void sim_sink_add(const sim_sink *k, int port, sim_time t, uint32_t j, double w)
{
  sim_sink_pending(k, t);
  sim_sink_row(k, port, t)[j] += w;
  uint64_t *bits = sim_sink_bits(k, t);
  bits[j >> 6] |= 1ull << (j & 63);
}

/* Make room for one more deferred run in r (core/sim_syn.c). */
void sim_sink_refs_grow(sim_sink_refs *r);

/* Defer a run of tab (entries [k0, k0 + n), one delay) to arrival tick t
   (k->defer != NULL).  The caller says sim_sink_pending for t. */
static inline void sim_sink_defer(const sim_sink *k, sim_time t, const sim_syn_table *tab,
                                  uint64_t k0, uint32_t n, int port)
{
  sim_sink_refs *r = &k->defer[(uint32_t)t & k->smask];
  if (r->n == r->cap)
    sim_sink_refs_grow(r);
  r->v[r->n++] = (sim_sink_ref){tab, k0, n, port};
}

/* Before the target's update of tick t: add slot t's deferred runs, in
   order, into the accumulator rows k->acc (zero on entry), then each
   port's ring row of t into them, clearing the ring row; empties the
   slot.  Returns 1 when the tick's input is then in acc, 0 when slot t
   had no runs (the input is in the ring rows, untouched).  The
   accumulators are rows of nlocal that every tick reuses, so the runs'
   adds land in cache, not in a ring of tens of MB. */
int sim_sink_flush(const sim_sink *k, sim_time t);

/* Activity and energy counters of a projection on this rank. */
typedef struct sim_syn_counters {
  uint64_t reads;           /* device reads (a differential pair: 2) */
  uint64_t pulses;          /* device write pulses */
  uint64_t updates;         /* plasticity updates computed */
  double read_pj, write_pj; /* device energy (pJ) */
} sim_syn_counters;

/* One device write of a kind's journal (sim_proj_ops journal): at tick t
   (the pre-synaptic spike's), the synapse from source offset s to local
   target j took `pulses` write pulses (> 0 potentiation, < 0 depression)
   and then held conductance g (uS; a differential pair: G+ - G-). */
typedef struct sim_syn_write {
  sim_time t;
  uint32_t s, j;
  int32_t pulses;
  double g;
} sim_syn_write;

/* A projection kind.  self is the kind's per-projection state (synapses/
   allocates it at build time).  A NULL method means not supported. */
typedef struct sim_proj_ops {
  const char *name;  /* "static", "device", ... */
  /* A spike of source offset s (gid src_gid) emitted at tick t passes this
     rank's synapses of the projection in tab; each synapse's weight goes
     to the target's rings through sink (at t + delay).  port: the
     projection's port when the target does not route by sign.  Returns
     the synaptic events delivered (synapses the spike passed).  tab is
     NULL for kinds that hold their own connectivity (shared kernels). */
  uint64_t (*spike)(void *self, sim_syn_table *tab, uint32_t s, sim_gid src_gid,
                const sim_gid *tgt_gids, sim_time t, const sim_sink *sink, int port);
  /* Local target j fired at tick t (post-synaptic event of plasticity).
     NULL: the kind does not depend on post-synaptic spikes. */
  void (*post)(void *self, uint32_t j, sim_time t);
  /* The window's spikes have all been delivered (the next tick is
     t_next): a kind that decides on a whole tick's spikes at once (max
     pooling gated by spike counts) writes its input now.  NULL: nothing
     to do. */
  void (*window_end)(void *self, const sim_sink *sink, sim_time t_next);
  /* Add the projection's counters to *out at the end of a run.  NULL: the
     kind has no device or plasticity counters. */
  void (*counters)(void *self, sim_syn_counters *out);
  /* Weight (mV or pA, without read noise or counting) of CSR entry k of
     tab at tick t; *g gets the device conductance (uS; a differential
     pair: G+ - G-), NaN when the synapse is no device.  NULL: the weight
     is tab->w[k] or tab->w_const (static weights). */
  double (*weight)(void *self, const sim_syn_table *tab, uint64_t k, sim_time t, double *g);
  /* Journal of device writes: on (1) or off (0, the default, which costs
     nothing).  While on, the kind appends one sim_syn_write per write
     event; writes() hands the entries since the last call (in the order
     they occurred) to the engine, valid until the next call, and clears
     the journal.  NULL: the kind never writes devices. */
  void (*journal)(void *self, int on);
  uint32_t (*writes)(void *self, const sim_syn_write **out);
  /* Checkpoints (core/sim_ckpt.h, docs/checkpoint-format.md).  stateless
     = 1: nothing changes during a run (static weights), nothing to save.
     Otherwise save writes the projection's records (tag "proj", first
     field the projection index, then per-synapse state keyed by
     sim_ckpt_key, per-neuron state by gid, counters), and load reads the
     fields after the index of one such record from any rank's file,
     keeping what this rank owns.  Both NULL and stateless 0: the kind
     cannot be checkpointed. */
  int stateless;
  void (*save)(void *self, const struct sim_net *net, uint32_t proj,
               const sim_ckpt_writer *w);
  int (*load)(void *self, const struct sim_net *net, uint32_t proj, const sim_ckpt_load *l);
} sim_proj_ops;

#endif
