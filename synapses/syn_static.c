/*
 * syn_static.c: the static projection kind (NEST's static_synapse): each
 * synapse adds its fixed weight to its target's input after its delay.
 * Owns nothing; the weights and delays are the CSR table's.
 */
#include "syn_kinds.h"

/* Synapses ahead whose input-ring entry the general loop prefetches. */
#define PREFETCH_AHEAD 32

/* The inner loop of the common case, on plain pointers (a separate
   function so that the compiler keeps row and bits as base pointers
   instead of re-adding the slot offset at every synapse). */
__attribute__((noinline)) static void add_row(double *restrict row, uint64_t *restrict bits,
                                              const uint32_t *restrict tg, uint64_t n,
                                              double w)
{
  for (uint64_t k = 0; k < n; k++) {
    uint32_t j = tg[k];
    row[j] += w;
    bits[j >> 6] |= 1ull << (j & 63);
  }
}

static uint64_t static_spike(void *self, sim_syn_table *syn, uint32_t s, sim_gid src_gid,
                         const sim_gid *tgt_gids, sim_time t, const sim_sink *sink, int port)
{
  (void)self;
  (void)src_gid;
  (void)tgt_gids;
  const sim_syn_span sp = sim_syn_find(syn, s); /* this rank's row of s */
  const uint64_t k0 = sp.k0, k1 = sp.k1;
  const uint32_t *tg = syn->tgt;
  if (k0 == k1)
    return 0;
  if (!syn->w && !syn->d) {
    /* The common case: one weight and one delay for the projection, so
       every target is in one row. */
    const sim_time ta = t + syn->d_const;
    sim_sink_pending(sink, ta);
    add_row(sim_sink_row(sink, port, ta), sim_sink_bits(sink, ta), tg + k0, k1 - k0,
            sim_sink_value(sink, syn->w_const));
    return k1 - k0;
  }
  const int by_sign = sink->by_sign;
  for (uint64_t k = k0; k < k1; k++) {
    /* The ring entry of a synapse PREFETCH_AHEAD further on: with
       per-synapse delays the targets scatter over slots x targets (tens of
       MB at full scale), and the add below waits on DRAM without it. */
    if (k + PREFETCH_AHEAD < k1) {
      const uint64_t q = k + PREFETCH_AHEAD;
      const double wq = syn->w ? syn->w[q] : syn->w_const;
      const sim_time dq = syn->d ? syn->d[q] : syn->d_const;
      __builtin_prefetch(sim_sink_row(sink, by_sign ? (wq < 0) : port, t + dq) + tg[q], 1);
    }
    double w = syn->w ? syn->w[k] : syn->w_const;
    sim_time dl = syn->d ? syn->d[k] : syn->d_const;
    sim_sink_add(sink, by_sign ? (w < 0) : port, t + dl, tg[k], sim_sink_value(sink, w));
  }
  return k1 - k0;
}

const sim_proj_ops syn_static_kind = {
    .name = "static",
    .spike = static_spike,
    .stateless = 1, /* checkpoints: the weights are the config's */
};
