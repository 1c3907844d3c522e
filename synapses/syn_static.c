/*
 * syn_static.c: the static projection kind (NEST's static_synapse): each
 * synapse adds its fixed weight to its target's input after its delay.
 * Owns nothing; the weights and delays are the CSR table's.
 */
#include "syn_kinds.h"

/* Entries a delay-major row's run search compares at once. */
#define RUN_WINDOW 32

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

/* One spike's synapses with per-synapse weights and/or delays: targets
   scatter over the rows of their arrival ticks.  Instantiated once per
   case (per_w, per_d, by_sign constants, counts 0), so the loop tests
   none of them; targets that count spikes take one general instance.
   The adds happen in the synapses' order, as before.  Returns the largest
   delay met (n >= 1), for the one pending mark per spike. */
static inline __attribute__((always_inline)) sim_time
add_scattered(const sim_sink *restrict sink, int port, sim_time t, const uint32_t *restrict tg,
              const float *restrict w, const uint16_t *restrict d, double w_const,
              sim_time d_const, uint64_t n, const int per_w, const int per_d, const int by_sign,
              const int counts, const int mark)
{
  double *const r0 = sink->ring[by_sign ? 0 : port], *const r1 = sink->ring[by_sign ? 1 : port];
  uint64_t *const touched = sink->touched;
  const uint32_t smask = sink->smask, nlocal = sink->nlocal, nwords = sink->nwords;
  sim_time dmax = per_d ? 0 : d_const;
#define SYN_W(k) (per_w ? (double)w[k] : w_const)
#define SYN_D(k) (per_d ? (sim_time)d[k] : d_const)
#define SYN_ROW(k) ((by_sign && SYN_W(k) < 0 ? r1 : r0) + \
                    (size_t)((uint32_t)(t + SYN_D(k)) & smask) * nlocal)
  /* The ring entry of the synapse PREFETCH_AHEAD further on: with
     per-synapse delays the targets scatter over slots x targets (tens of
     MB at full scale), and the add waits on DRAM without it. */
#define SYN_ADD(k)                                                              \
  do {                                                                          \
    const uint32_t j = tg[k];                                                   \
    const sim_time dl = SYN_D(k);                                               \
    const size_t slot = (uint32_t)(t + dl) & smask;                             \
    const double wk = SYN_W(k);                                                 \
    (by_sign && wk < 0 ? r1 : r0)[slot * nlocal + j] += counts ? 1.0 : wk;      \
    if (mark)                                                                   \
      touched[slot * nwords + (j >> 6)] |= 1ull << (j & 63);                    \
    if (per_d && dl > dmax)                                                     \
      dmax = dl;                                                                \
  } while (0)
  uint64_t k = 0;
  for (; k + PREFETCH_AHEAD < n; k++) {
    __builtin_prefetch(SYN_ROW(k + PREFETCH_AHEAD) + tg[k + PREFETCH_AHEAD], 1);
    SYN_ADD(k);
  }
  for (; k < n; k++)
    SYN_ADD(k);
#undef SYN_ADD
#undef SYN_W
#undef SYN_D
#undef SYN_ROW
  return dmax;
}

/* The cases, one loop each (hot loops monomorphic: the case is chosen
   once per spike and projection).  mark 0: a per-tick target
   (sink->whole), whose rows the engine clears whole, so no bitmap. */
#define SCATTER_CASE(name, pw, pd, bs, mk)                                                    \
  __attribute__((noinline)) static sim_time name(const sim_sink *sink, int port, sim_time t,  \
                                                 const sim_syn_table *syn, uint64_t k0,       \
                                                 uint64_t n)                                  \
  {                                                                                           \
    return add_scattered(sink, port, t, syn->tgt + k0, pw ? syn->w + k0 : NULL,               \
                         pd ? syn->d + k0 : NULL, syn->w_const, syn->d_const, n, pw, pd, bs,  \
                         0, mk);                                                              \
  }
SCATTER_CASE(scatter_wd_sign, 1, 1, 1, 1)
SCATTER_CASE(scatter_wd_port, 1, 1, 0, 1)
SCATTER_CASE(scatter_w_sign, 1, 0, 1, 1)
SCATTER_CASE(scatter_w_port, 1, 0, 0, 1)
SCATTER_CASE(scatter_d_sign, 0, 1, 1, 1)
SCATTER_CASE(scatter_d_port, 0, 1, 0, 1)
SCATTER_CASE(scatter_wd_sign_whole, 1, 1, 1, 0)
SCATTER_CASE(scatter_wd_port_whole, 1, 1, 0, 0)
SCATTER_CASE(scatter_w_sign_whole, 1, 0, 1, 0)
SCATTER_CASE(scatter_w_port_whole, 1, 0, 0, 0)
SCATTER_CASE(scatter_d_sign_whole, 0, 1, 1, 0)
SCATTER_CASE(scatter_d_port_whole, 0, 1, 0, 0)

typedef sim_time (*scatter_fn)(const sim_sink *, int, sim_time, const sim_syn_table *, uint64_t,
                               uint64_t);
/* [whole][w and d, w, d][by sign, one port] */
static const scatter_fn scatter_cases[2][3][2] = {
    {{scatter_wd_sign, scatter_wd_port}, {scatter_w_sign, scatter_w_port},
     {scatter_d_sign, scatter_d_port}},
    {{scatter_wd_sign_whole, scatter_wd_port_whole}, {scatter_w_sign_whole, scatter_w_port_whole},
     {scatter_d_sign_whole, scatter_d_port_whole}}};

/* Targets that count spikes (each adds 1): every test at run time. */
__attribute__((noinline)) static sim_time scatter_counts(const sim_sink *sink, int port,
                                                         sim_time t, const sim_syn_table *syn,
                                                         uint64_t k0, uint64_t n)
{
  return add_scattered(sink, port, t, syn->tgt + k0, syn->w ? syn->w + k0 : NULL,
                       syn->d ? syn->d + k0 : NULL, syn->w_const, syn->d_const, n,
                       syn->w != NULL, syn->d != NULL, sink->by_sign, 1, 1);
}
#undef SCATTER_CASE

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
  if (sink->defer && syn->by_delay) {
    /* Delay-major row: one deferred run per delay, added at arrival into
       one row (sim_sink_flush), instead of a scatter over the ring. */
    const uint16_t *d = syn->d;
    for (uint64_t k = k0; k < k1;) {
      const uint16_t dk = d[k];
      uint64_t e = k;
      /* The run's end: the row is sorted, so the entries of a window equal
         to dk are the run's (a count the compiler vectorizes). */
      while (k1 - e >= RUN_WINDOW) {
        uint32_t c = 0;
        for (int i = 0; i < RUN_WINDOW; i++)
          c += d[e + i] == dk;
        e += c;
        if (c < RUN_WINDOW)
          break;
      }
      if (k1 - e < RUN_WINDOW)
        while (e < k1 && d[e] == dk)
          e++;
      sim_sink_defer(sink, t + dk, syn, k, (uint32_t)(e - k), port);
      k = e;
    }
    sim_sink_pending(sink, t + d[k1 - 1]);
    return k1 - k0;
  }
  const int by_sign = sink->by_sign;
  sim_time dmax;
  if (sink->counts)
    dmax = scatter_counts(sink, port, t, syn, k0, k1 - k0);
  else
    dmax = scatter_cases[sink->whole != 0][syn->w && syn->d ? 0 : syn->w ? 1 : 2][!by_sign](
        sink, port, t, syn, k0, k1 - k0);
  sim_sink_pending(sink, t + dmax);
  return k1 - k0;
}

const sim_proj_ops syn_static_kind = {
    .name = "static",
    .spike = static_spike,
    .stateless = 1, /* checkpoints: the weights are the config's */
};
