/*
 * syn_store_kind.c: the projection kind of device and plastic synapses:
 * the kernel's interface (core/sim_syn.h) over syn_store.  Owns nothing:
 * self is the projection's syn_store, built with the network.
 */
#include "syn_kinds.h"
#include "syn_store.h"

/* syn_store's sink: one synapse's weight into the target's rings. */
typedef struct add_ctx {
  const sim_sink *sink;
  int port;
} add_ctx;

static void add_weight(void *ctx, uint32_t j, int64_t t_arr, double w)
{
  const add_ctx *a = ctx;
  sim_sink_add(a->sink, a->sink->by_sign ? (w < 0) : a->port, t_arr, j,
               sim_sink_value(a->sink, w));
}

static uint64_t store_spike(void *self, sim_syn_table *syn, uint32_t s, sim_gid src_gid,
                        const sim_gid *tgt_gids, sim_time t, const sim_sink *sink, int port)
{
  syn_store *st = self;
  const sim_syn_span sp = sim_syn_find(syn, s);
  const uint64_t nk = sp.k1 - sp.k0;
  if (!nk)
    return 0;
  if (st->fast && !syn->d && !sink->counts) {
    /* Fixed devices, constant delay: read straight into the rows (a
       target that counts spikes takes the general path). */
    const sim_time ta = t + syn->d_const;
    double *row0 = sim_sink_row(sink, sink->by_sign ? 0 : port, ta);
    double *row1 = sink->by_sign ? sim_sink_row(sink, 1, ta) : NULL;
    syn_store_spike_fast(st, syn, s, t, row0, row1, sim_sink_bits(sink, ta),
                         sink->pending_until);
    return nk;
  }
  add_ctx a = {sink, port};
  syn_store_spike(st, syn, s, src_gid, tgt_gids, t, add_weight, &a);
  return nk;
}

static void store_post(void *self, uint32_t j, sim_time t) { syn_store_post(self, j, t); }

static void store_counters(void *self, sim_syn_counters *out)
{
  syn_store *st = self;
  syn_store_energy(st);
  out->reads += st->c.reads;
  out->pulses += st->c.pulses;
  out->updates += st->c.updates;
  out->read_pj += st->c.read_pj;
  out->write_pj += st->c.write_pj;
}

static double store_weight(void *self, const sim_syn_table *tab, uint64_t k, sim_time t,
                           double *g)
{
  return syn_store_weight_g(self, tab, k, t, g);
}

static void store_journal(void *self, int on) { syn_store_journal(self, on); }

static uint32_t store_writes(void *self, const sim_syn_write **out)
{
  return syn_store_writes(self, out);
}

static void store_save(void *self, const struct sim_net *net, uint32_t proj, const sim_ckpt_writer *w)
{
  syn_store_save(self, net, proj, w);
}

static int store_load(void *self, const struct sim_net *net, uint32_t proj, const sim_ckpt_load *l)
{
  return syn_store_load(self, net, proj, l);
}

const sim_proj_ops syn_store_kind = {
    .name = "device",
    .spike = store_spike,
    .post = store_post,
    .counters = store_counters,
    .weight = store_weight,
    .journal = store_journal,
    .writes = store_writes,
    .save = store_save,
    .load = store_load,
};
