/*
 * syn_static.c: the static projection kind (NEST's static_synapse): each
 * synapse adds its fixed weight to its target's input after its delay.
 * Owns nothing; the weights and delays are the CSR table's.
 */
#include "syn_kinds.h"

static void static_spike(void *self, sim_syn_table *syn, uint32_t s, sim_gid src_gid,
                         const sim_gid *tgt_gids, sim_time t, const sim_sink *sink, int port)
{
  (void)self;
  (void)src_gid;
  (void)tgt_gids;
  const uint64_t k0 = syn->off[s], k1 = syn->off[s + 1];
  const uint32_t *tg = syn->tgt;
  if (!syn->w && !syn->d) {
    /* The common case: one weight and one delay for the projection, so
       every target is in one row. */
    const sim_time ta = t + syn->d_const;
    sim_sink_pending(sink, ta);
    double *row = sim_sink_row(sink, port, ta);
    uint64_t *bits = sim_sink_bits(sink, ta);
    const double w = syn->w_const;
    for (uint64_t k = k0; k < k1; k++) {
      uint32_t j = tg[k];
      row[j] += w;
      bits[j >> 6] |= 1ull << (j & 63);
    }
    return;
  }
  const int by_sign = sink->by_sign;
  for (uint64_t k = k0; k < k1; k++) {
    double w = syn->w ? syn->w[k] : syn->w_const;
    sim_time dl = syn->d ? syn->d[k] : syn->d_const;
    sim_sink_add(sink, by_sign ? (w < 0) : port, t + dl, tg[k], w);
  }
}

const sim_proj_ops syn_static_kind = {
    .name = "static",
    .spike = static_spike,
};
