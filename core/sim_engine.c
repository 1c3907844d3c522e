/*
 * sim_engine.c: the event-driven loop (see sim_engine.h).
 *
 * Owns, per population, the input rings: for each port a ring of nslots
 * ticks x nlocal doubles, indexed [slot][local index] so that the targets
 * of one spike write into one contiguous row.  A bitmap per slot marks the
 * neurons that received input at that tick (event-driven models only), and
 * the event queue holds self-events and Poisson trains.
 */
#include "sim_engine.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../io/io_log.h"
#include "../mpi/comm.h"
#include "sim_alloc.h"
#include "sim_clock.h"
#include "sim_error.h"
#include "sim_queue.h"
#include "sim_rng.h"

enum { EV_SELF = 1, EV_POISSON = 2 };

/* Engine-side state of one population. */
typedef struct pop_rt {
  double *ring[NRN_MAX_PORTS]; /* owned: nslots * nlocal input sums */
  uint64_t *touched;           /* owned: nslots * nwords bits: who got input */
  uint32_t nwords;             /* 64-bit words per slot */
  sim_time *sched;             /* owned: the valid self-event tick per neuron */
  uint32_t *idx;               /* owned scratch: touched neurons of a tick */
  sim_time *next;              /* owned scratch: their next self-events */
  uint32_t *spk;               /* owned scratch: local indices that fired */
  uint8_t *rec_spikes;         /* owned, nlocal flags, or NULL: spikes logged */
  const sim_time *gen_ticks;   /* spike_generator: emission ticks (owned by
                                  the engine: gen_buf) */
  sim_time *gen_buf;
  uint32_t ngen, gen_pos;
} pop_rt;

/* One Poisson projection: an independent train per synapse (generator,
   target), drawn on the target's rank.  Two ways to draw the same law:
   - sparse (mean < ln 2 spikes per tick): one queue event per non-empty
     tick, with geometric gaps and zero-truncated counts, so the work
     follows the number of input spikes;
   - per tick (mean >= ln 2, most ticks non-empty anyway): one count per
     synapse per tick in a sequential sweep, no queue traffic. */
typedef struct poisson_rt {
  sim_rng *rng;            /* owned: one stream per synapse */
  int per_tick;            /* drawing mode, see above */
  sim_cdf_table gap;       /* sparse: empty ticks before the next non-empty */
  sim_cdf_table count;     /* sparse: spikes in a non-empty tick, minus one;
                              per tick: spikes in a tick */
  double q;                /* P(tick non-empty) */
  double mean;             /* spikes per tick */
  sim_time start, stop;    /* emission ticks in (start, stop] */
} poisson_rt;

typedef struct engine {
  net_network *net;
  const net_desc *desc;
  sim_time t_end;   /* ticks [0, t_end) are simulated */
  uint32_t nslots, smask;
  pop_rt *pops;
  poisson_rt *pois; /* per projection; rng == NULL when not Poisson */
  uint32_t *tick_pois; /* projections drawn per tick */
  uint32_t ntick_pois;
  sim_queue q;
  comm_spike *out;  /* this window's own spikes, sorted by (lag, gid) */
  uint32_t *out_pop, *out_idx; /* their population and local index */
  size_t nout, capout;
  comm_spike *send; /* out regrouped by destination rank */
  size_t capsend;
  int *counts, *cursor; /* per rank */
  int nranks, rank;
  comm_spike *all;  /* everyone's, after the exchange */
  size_t capall;
  io_log *log;
  sim_stats *st;
  sim_time pending_until; /* last tick with input written to a ring */
  int can_skip;           /* no per-tick model or Poisson sweep: idle
                             stretches can be jumped over */
  double *samples;  /* scratch for multimeter rows */
} engine;

/* ------------------------------------------------------------------ */
/* Set-up                                                               */

static void setup_pops(engine *e)
{
  const net_desc *d = e->desc;
  e->pops = sim_calloc(d->npops, sizeof *e->pops, "population runtime");
  for (uint32_t i = 0; i < d->npops; i++) {
    net_pop *p = &e->net->pops[i];
    pop_rt *r = &e->pops[i];
    if (p->desc->kind == NET_SPIKE_GENERATOR) {
      r->ngen = p->desc->nspike_times;
      r->gen_buf = sim_malloc(r->ngen * sizeof *r->gen_buf, "spike generator ticks");
      for (uint32_t k = 0; k < r->ngen; k++)
        r->gen_buf[k] = (sim_time)nearbyint(p->desc->spike_times_ms[k] /
                                            d->sim.resolution_ms);
      r->gen_ticks = r->gen_buf;
    }
    r->spk = sim_malloc((size_t)p->nlocal * sizeof *r->spk + 4, "spike scratch");
    if (!p->model)
      continue;
    for (int k = 0; k < p->model->nports; k++)
      r->ring[k] = sim_calloc((size_t)e->nslots * p->nlocal, sizeof(double),
                              "input ring");
    r->nwords = (p->nlocal + 63) / 64;
    r->touched = sim_calloc((size_t)e->nslots * r->nwords, sizeof(uint64_t),
                            "input bitmap");
    if (!p->model->per_tick) {
      r->sched = sim_malloc((size_t)p->nlocal * sizeof *r->sched, "self-events");
      r->idx = sim_malloc((size_t)p->nlocal * sizeof *r->idx + 4, "update list");
      r->next = sim_malloc((size_t)p->nlocal * sizeof *r->next + 8, "next events");
      for (uint32_t k = 0; k < p->nlocal; k++) {
        sim_time t = p->model->first_event(p->state, p->nlocal, k, p->desc->param);
        r->sched[k] = t < e->t_end ? t : SIM_NEVER;
        if (r->sched[k] != SIM_NEVER)
          sim_queue_push(&e->q, t, (sim_event){EV_SELF, (uint16_t)i, k});
      }
    }
  }
  /* Recorded spikes: a flag per local neuron covered by a spike recorder. */
  for (uint32_t k = 0; k < d->nrecs; k++) {
    const net_rec_desc *rd = &d->recs[k];
    if (rd->kind != NET_REC_SPIKES)
      continue;
    net_pop *p = &e->net->pops[rd->pop];
    pop_rt *r = &e->pops[rd->pop];
    if (!r->rec_spikes)
      r->rec_spikes = sim_calloc(p->nlocal + 1, 1, "spike recorder flags");
    for (uint32_t j = 0; j < p->nlocal; j++) {
      uint32_t off = p->gid[j] - p->desc->first_gid;
      if (off >= rd->first && off - rd->first < rd->count)
        r->rec_spikes[j] = 1;
    }
  }
}

static void poisson_tables(poisson_rt *pr, double mean)
{
  double pmf[SIM_CDF_MAX];
  pr->mean = mean;
  pr->q = -expm1(-mean);
  pr->per_tick = mean >= 0.6931471805599453; /* ln 2: P(non-empty) >= 1/2 */
  if (pr->per_tick) {
    double p = exp(-mean); /* P(K = k), from k = 0 */
    for (int k = 0; k < SIM_CDF_MAX; k++) {
      pmf[k] = p;
      p *= mean / (k + 1);
    }
    sim_cdf_table_init(&pr->count, pmf, SIM_CDF_MAX);
    return;
  }
  double r = 1 - pr->q;
  for (int g = 0; g < SIM_CDF_MAX; g++)
    pmf[g] = pr->q * pow(r, g);
  sim_cdf_table_init(&pr->gap, pmf, SIM_CDF_MAX);
  double p = exp(-mean) / pr->q; /* P(K = k | K >= 1), from k = 1 */
  for (int k = 1; k <= SIM_CDF_MAX; k++) {
    p *= mean / k;
    pmf[k - 1] = p;
  }
  sim_cdf_table_init(&pr->count, pmf, SIM_CDF_MAX);
}

/* Sparse mode: empty ticks before the next non-empty one. */
static sim_time poisson_gap(const poisson_rt *pr, sim_rng *rng)
{
  int g = sim_cdf_table_draw(&pr->gap, rng);
  if (g >= 0)
    return g;
  /* Beyond the table: geometric is memoryless, so add an exact draw. */
  return SIM_CDF_MAX + (sim_time)sim_rng_geometric(rng, pr->q);
}

/* Spikes in one tick: per tick mode any count, sparse mode at least one. */
static uint32_t poisson_count(const poisson_rt *pr, sim_rng *rng)
{
  int k = sim_cdf_table_draw(&pr->count, rng);
  if (k >= 0)
    return (uint32_t)k + !pr->per_tick;
  if (pr->per_tick) /* table does not hold the law (mean > ~25) */
    return sim_rng_poisson(rng, pr->mean);
  uint32_t x; /* exact tail: rejection from the untruncated law */
  do
    x = sim_rng_poisson(rng, pr->mean);
  while (x <= (uint32_t)pr->count.n);
  return x;
}

static void setup_poisson(engine *e)
{
  const net_desc *d = e->desc;
  const double h = d->sim.resolution_ms;
  e->pois = sim_calloc(d->nprojs, sizeof *e->pois, "Poisson runtime");
  for (uint32_t j = 0; j < d->nprojs; j++) {
    net_proj *pr = &e->net->projs[j];
    const net_pop_desc *src = &d->pops[pr->desc->src];
    if (src->kind != NET_POISSON || pr->syn.nsyn == 0)
      continue;
    poisson_rt *po = &e->pois[j];
    poisson_tables(po, src->rate_hz * h * 1e-3);
    po->stop = isfinite(src->stop_ms) ? (sim_time)nearbyint(src->stop_ms / h) : SIM_NEVER;
    po->start = (sim_time)nearbyint(src->start_ms / h);
    if (po->per_tick && po->q > 0) {
      e->tick_pois = sim_realloc(e->tick_pois, (e->ntick_pois + 1) * sizeof(uint32_t),
                                 "Poisson list");
      e->tick_pois[e->ntick_pois++] = j;
    }
    po->rng = sim_malloc(pr->syn.nsyn * sizeof *po->rng, "Poisson streams");
    const net_pop *tp = &e->net->pops[pr->desc->tgt];
    uint32_t *mult = sim_calloc(tp->nlocal + 1, sizeof *mult, "multiplicity");
    for (uint32_t s = 0; s < pr->syn.src_n; s++) {
      for (uint64_t k = pr->syn.off[s]; k < pr->syn.off[s + 1]; k++) {
        uint32_t jt = pr->syn.tgt[k];
        /* Key: target gid, projection, generator and the how-many-th
           synapse from it onto this target: independent trains for every
           synapse, the same on any number of ranks. */
        uint64_t key = ((uint64_t)j << 32) | tp->gid[jt];
        sim_rng_stream(&po->rng[k], d->sim.seed, key, SIM_RNG_POISSON,
                       (src->first_gid + s) * 64u + mult[jt]++);
        if (po->q <= 0 || po->per_tick)
          continue;
        sim_time first = po->start + 1 + poisson_gap(po, &po->rng[k]);
        sim_time delay = pr->syn.d ? pr->syn.d[k] : pr->syn.d_const;
        if (first <= po->stop && first + delay < e->t_end)
          sim_queue_push(&e->q, first + delay, (sim_event){EV_POISSON, (uint16_t)j, (uint32_t)k});
      }
      for (uint64_t k = pr->syn.off[s]; k < pr->syn.off[s + 1]; k++)
        mult[pr->syn.tgt[k]] = 0;
    }
    sim_free(mult);
  }
}

/* ------------------------------------------------------------------ */
/* Input                                                                */

static inline void add_input(engine *e, uint32_t pop, int port, sim_time t, uint32_t j,
                             double w)
{
  if (t > e->pending_until)
    e->pending_until = t;
  pop_rt *r = &e->pops[pop];
  uint32_t slot = (uint32_t)t & e->smask;
  r->ring[port][(size_t)slot * e->net->pops[pop].nlocal + j] += w;
  if (r->touched)
    r->touched[(size_t)slot * r->nwords + (j >> 6)] |= 1ull << (j & 63);
}

static void poisson_event(engine *e, sim_time t, const sim_event *ev)
{
  net_proj *pr = &e->net->projs[ev->group];
  poisson_rt *po = &e->pois[ev->group];
  uint32_t k = ev->index;
  sim_rng *rng = &po->rng[k];
  uint32_t count = poisson_count(po, rng);
  double w = pr->syn.w ? pr->syn.w[k] : pr->syn.w_const;
  const nrn_model_ops *m = e->net->pops[pr->desc->tgt].model;
  int port = m->port_by_sign ? (w < 0) : 0;
  if (count)
    add_input(e, pr->desc->tgt, port, t, pr->syn.tgt[k], count * w);
  e->st->ext_events += count;
  sim_time delay = pr->syn.d ? pr->syn.d[k] : pr->syn.d_const;
  sim_time next = t - delay + 1 + poisson_gap(po, rng);
  if (next <= po->stop && next + delay < e->t_end)
    sim_queue_push(&e->q, next + delay, *ev);
}

/* Per tick mode: every synapse of Poisson projection j draws its count of
   spikes emitted at tick t (arriving after its delay). */
static void poisson_sweep(engine *e, uint32_t j, sim_time t)
{
  net_proj *pr = &e->net->projs[j];
  poisson_rt *po = &e->pois[j];
  const net_syn_table *syn = &pr->syn;
  if (t <= po->start || t > po->stop)
    return;
  const uint32_t tp = pr->desc->tgt;
  const int by_sign = e->net->pops[tp].model->port_by_sign;
  uint64_t spikes = 0;
  if (!syn->w && !syn->d) {
    if (t + syn->d_const >= e->t_end)
      return;
    pop_rt *r = &e->pops[tp];
    uint32_t slot = (uint32_t)(t + syn->d_const) & e->smask;
    double *row = r->ring[pr->port] + (size_t)slot * e->net->pops[tp].nlocal;
    uint64_t *bits = r->touched ? r->touched + (size_t)slot * r->nwords : NULL;
    const double w = syn->w_const;
    for (uint64_t k = 0; k < syn->nsyn; k++) {
      uint32_t c = poisson_count(po, &po->rng[k]);
      if (!c)
        continue;
      uint32_t tj = syn->tgt[k];
      row[tj] += c * w;
      if (bits)
        bits[tj >> 6] |= 1ull << (tj & 63);
      spikes += c;
    }
  } else {
    for (uint64_t k = 0; k < syn->nsyn; k++) {
      uint32_t c = poisson_count(po, &po->rng[k]);
      sim_time dl = syn->d ? syn->d[k] : syn->d_const;
      if (!c || t + dl >= e->t_end)
        continue;
      double w = syn->w ? syn->w[k] : syn->w_const;
      add_input(e, tp, by_sign ? (w < 0) : pr->port, t + dl, syn->tgt[k], c * w);
      spikes += c;
    }
  }
  e->st->ext_events += spikes;
}

/* syn_store's sink: one synapse's weight into the target's ring. */
typedef struct add_ctx {
  engine *e;
  uint32_t pop;
  int port, by_sign;
} add_ctx;

static void add_weight(void *ctx, uint32_t j, int64_t t_arr, double w)
{
  add_ctx *a = ctx;
  add_input(a->e, a->pop, a->by_sign ? (w < 0) : a->port, t_arr, j, w);
}

/* Deliver one spike of source gid emitted at tick t to every local target. */
static void deliver(engine *e, sim_time t, sim_gid gid)
{
  const net_desc *d = e->desc;
  uint32_t sp = net_pop_of_gid(d, gid);
  const net_pop *src = &e->net->pops[sp];
  uint32_t s = gid - src->desc->first_gid;
  for (uint32_t pi = 0; pi < src->nout; pi++) {
    net_proj *pr = &e->net->projs[src->out_projs[pi]];
    const net_syn_table *syn = &pr->syn;
    uint64_t k0 = syn->off[s], k1 = syn->off[s + 1];
    if (k0 == k1)
      continue;
    uint32_t tp = pr->desc->tgt;
    pop_rt *r = &e->pops[tp];
    const uint32_t nloc = e->net->pops[tp].nlocal;
    const int by_sign = e->net->pops[tp].model->port_by_sign;
    e->st->syn_events += k1 - k0;
    if (pr->dynamic && pr->store.fast && !syn->d) {
      uint32_t slot = (uint32_t)(t + syn->d_const) & e->smask;
      double *row0 = r->ring[by_sign ? 0 : pr->port] + (size_t)slot * nloc;
      double *row1 = by_sign ? r->ring[1] + (size_t)slot * nloc : NULL;
      uint64_t *bits = r->touched + (size_t)slot * r->nwords;
      syn_store_spike_fast(&pr->store, syn, s, t, row0, row1, bits, &e->pending_until);
      continue;
    }
    if (pr->dynamic) {
      /* Plastic or device synapses: the store reads (and updates) each. */
      add_ctx a = {e, tp, pr->port, by_sign};
      syn_store_spike(&pr->store, &pr->syn, s, gid,
                      e->net->pops[tp].gid, t, add_weight, &a);
      continue;
    }
    if (!syn->w && !syn->d) {
      /* The common case: one weight and one delay for the projection. */
      uint32_t slot = (uint32_t)(t + syn->d_const) & e->smask;
      if (t + syn->d_const > e->pending_until)
        e->pending_until = t + syn->d_const;
      double *row = r->ring[pr->port] + (size_t)slot * nloc;
      const double w = syn->w_const;
      const uint32_t *tg = syn->tgt;
      if (r->touched) {
        uint64_t *bits = r->touched + (size_t)slot * r->nwords;
        for (uint64_t k = k0; k < k1; k++) {
          uint32_t j = tg[k];
          row[j] += w;
          bits[j >> 6] |= 1ull << (j & 63);
        }
      } else {
        for (uint64_t k = k0; k < k1; k++)
          row[tg[k]] += w;
      }
      continue;
    }
    for (uint64_t k = k0; k < k1; k++) {
      double w = syn->w ? syn->w[k] : syn->w_const;
      sim_time dl = syn->d ? syn->d[k] : syn->d_const;
      int port = by_sign ? (w < 0) : pr->port;
      add_input(e, tp, port, t + dl, syn->tgt[k], w);
    }
  }
}

/* ------------------------------------------------------------------ */
/* One tick                                                             */

static void emit_spikes(engine *e, uint32_t pi, sim_time t, sim_time w0,
                        const uint32_t *spk, uint32_t n)
{
  net_pop *p = &e->net->pops[pi];
  pop_rt *r = &e->pops[pi];
  if (e->nout + n > e->capout) {
    e->capout = 2 * (e->nout + n) + 64;
    e->out = sim_realloc(e->out, e->capout * sizeof *e->out, "spike outbox");
    e->out_pop = sim_realloc(e->out_pop, e->capout * sizeof *e->out_pop, "spike outbox");
    e->out_idx = sim_realloc(e->out_idx, e->capout * sizeof *e->out_idx, "spike outbox");
  }
  for (uint32_t k = 0; k < n; k++) {
    sim_gid g = p->gid[spk[k]];
    e->out_pop[e->nout] = pi;
    e->out_idx[e->nout] = spk[k];
    e->out[e->nout++] = (comm_spike){(uint32_t)(t - w0), g};
    if (e->log && r->rec_spikes && r->rec_spikes[spk[k]])
      io_log_spike(e->log, t, g);
    for (uint32_t m = 0; m < p->nstdp_in; m++)
      syn_store_post(&e->net->projs[p->stdp_in[m]].store, spk[k], t);
  }
  e->st->spikes[pi] += n;
}

static void update_pop(engine *e, uint32_t pi, sim_time t, sim_time w0)
{
  net_pop *p = &e->net->pops[pi];
  pop_rt *r = &e->pops[pi];
  const nrn_model_ops *m = p->model;
  const uint32_t slot = (uint32_t)t & e->smask;
  const uint32_t nloc = p->nlocal;
  nrn_update_ctx ctx = {.state = p->state, .n = nloc, .param = p->desc->param,
                        .spikes = r->spk};
  for (int k = 0; k < m->nports; k++)
    ctx.in[k] = r->ring[k] + (size_t)slot * nloc;
  if (m->per_tick) {
    m->update(&ctx, t, NULL, nloc);
    e->st->updates += nloc;
    /* Clear what was delivered: input is sparse next to the population. */
    uint64_t *bits = r->touched + (size_t)slot * r->nwords;
    for (uint32_t w = 0; w < r->nwords; w++) {
      uint64_t b = bits[w];
      if (!b)
        continue;
      bits[w] = 0;
      do {
        uint32_t j = w * 64 + (uint32_t)__builtin_ctzll(b);
        for (int k = 0; k < m->nports; k++)
          ctx.in[k][j] = 0;
        b &= b - 1;
      } while (b);
    }
  } else {
    uint64_t *bits = r->touched + (size_t)slot * r->nwords;
    uint32_t n = 0;
    for (uint32_t w = 0; w < r->nwords; w++) {
      uint64_t b = bits[w];
      if (!b)
        continue;
      bits[w] = 0;
      do {
        r->idx[n++] = w * 64 + (uint32_t)__builtin_ctzll(b);
        b &= b - 1;
      } while (b);
    }
    if (!n)
      return;
    ctx.next = r->next;
    m->update(&ctx, t, r->idx, n); /* consumes the input of idx */
    e->st->updates += n;
    for (uint32_t i = 0; i < n; i++) {
      uint32_t j = r->idx[i];
      sim_time nx = r->next[i];
      if (nx >= e->t_end)
        nx = SIM_NEVER;
      if (nx != r->sched[j]) {
        r->sched[j] = nx;
        if (nx != SIM_NEVER)
          sim_queue_push(&e->q, nx, (sim_event){EV_SELF, (uint16_t)pi, j});
      }
    }
  }
  if (ctx.nspikes)
    emit_spikes(e, pi, t, w0, r->spk, ctx.nspikes);
}

static void sample_state(engine *e, sim_time t)
{
  const net_desc *d = e->desc;
  for (uint32_t k = 0; k < d->nrecs; k++) {
    const net_rec_desc *rd = &d->recs[k];
    if (rd->kind != NET_REC_STATE)
      continue;
    sim_time every = (sim_time)nearbyint(rd->interval_ms / d->sim.resolution_ms);
    if (t % every)
      continue;
    net_pop *p = &e->net->pops[rd->pop];
    uint32_t n = 0;
    for (uint32_t j = 0; j < p->nlocal; j++) {
      uint32_t off = p->gid[j] - p->desc->first_gid;
      if (off < rd->first || off - rd->first >= rd->count)
        continue;
      for (uint32_t v = 0; v < rd->nvars; v++)
        e->samples[n++] =
            p->model->var_get(p->state, p->nlocal, j, p->desc->param, rd->vars[v], t);
    }
    io_log_sample(e->log, k, t, e->samples, n);
  }
}

static void run_tick(engine *e, sim_time t, sim_time w0)
{
  /* Events due now; handlers may append to this bucket, so re-read n. */
  uint32_t n;
  for (uint32_t i = 0;; i++) {
    sim_event *ev = sim_queue_bucket(&e->q, &n);
    if (i >= n)
      break;
    if (ev[i].kind == EV_POISSON) {
      poisson_event(e, t, &ev[i]);
    } else {
      pop_rt *r = &e->pops[ev[i].group];
      uint32_t j = ev[i].index;
      if (r->sched[j] != t)
        continue; /* superseded by a later prediction */
      r->sched[j] = SIM_NEVER;
      uint32_t slot = (uint32_t)t & e->smask;
      r->touched[(size_t)slot * r->nwords + (j >> 6)] |= 1ull << (j & 63);
    }
  }
  for (uint32_t k = 0; k < e->ntick_pois; k++)
    poisson_sweep(e, e->tick_pois[k], t);
  for (uint32_t pi = 0; pi < e->desc->npops; pi++) {
    net_pop *p = &e->net->pops[pi];
    pop_rt *r = &e->pops[pi];
    if (p->model) {
      update_pop(e, pi, t, w0);
    } else if (p->desc->kind == NET_SPIKE_GENERATOR) {
      while (r->gen_pos < r->ngen && r->gen_ticks[r->gen_pos] < t)
        r->gen_pos++;
      while (r->gen_pos < r->ngen && r->gen_ticks[r->gen_pos] == t) {
        for (uint32_t k = 0; k < p->nlocal; k++)
          r->spk[k] = k;
        emit_spikes(e, pi, t, w0, r->spk, p->nlocal);
        r->gen_pos++;
      }
    }
  }
  if (e->log && e->samples)
    sample_state(e, t);
  sim_queue_advance(&e->q);
}

/* First tick >= w0 at which anything can happen on this rank: pending
   input, a queued event (self-event, Poisson train), a spike generator's
   next spike or a multimeter's next sample.  w0 when busy now. */
static sim_time next_activity(engine *e, sim_time w0)
{
  if (e->pending_until >= w0)
    return w0;
  sim_time next = sim_queue_next(&e->q);
  const net_desc *d = e->desc;
  for (uint32_t i = 0; i < d->npops; i++) {
    pop_rt *r = &e->pops[i];
    uint32_t g = r->gen_pos;
    while (g < r->ngen && r->gen_ticks[g] < w0)
      g++;
    if (g < r->ngen && e->net->pops[i].nlocal && r->gen_ticks[g] < next)
      next = r->gen_ticks[g];
  }
  for (uint32_t k = 0; k < d->nrecs; k++)
    if (d->recs[k].kind == NET_REC_STATE && e->log) {
      sim_time every = (sim_time)nearbyint(d->recs[k].interval_ms / d->sim.resolution_ms);
      sim_time t = (w0 + every - 1) / every * every;
      if (t < next)
        next = t;
    }
  return next;
}

/* Regroup the window's spikes by destination rank (presence table): a
   spike goes to each rank hosting one of its targets, to none if it has
   no target anywhere.  Each group keeps the (lag, gid) order. */
static void route_spikes(engine *e)
{
  memset(e->counts, 0, (size_t)e->nranks * sizeof *e->counts);
  size_t total = 0;
  for (size_t k = 0; k < e->nout; k++) {
    const net_pop *p = &e->net->pops[e->out_pop[k]];
    for (uint32_t m = p->dest_off[e->out_idx[k]]; m < p->dest_off[e->out_idx[k] + 1]; m++)
      e->counts[p->dest[m]]++;
  }
  for (int q = 0; q < e->nranks; q++) {
    e->cursor[q] = (int)total;
    total += (size_t)e->counts[q];
    if (q != e->rank && e->counts[q]) {
      e->st->msgs++;
      e->st->spikes_sent += (uint64_t)e->counts[q];
    }
  }
  if (total > e->capsend) {
    e->capsend = total + total / 2 + 64;
    e->send = sim_realloc(e->send, e->capsend * sizeof *e->send, "spike send buffer");
  }
  for (size_t k = 0; k < e->nout; k++) {
    const net_pop *p = &e->net->pops[e->out_pop[k]];
    for (uint32_t m = p->dest_off[e->out_idx[k]]; m < p->dest_off[e->out_idx[k] + 1]; m++)
      e->send[e->cursor[p->dest[m]]++] = e->out[k];
  }
}

/* ------------------------------------------------------------------ */
/* The run                                                              */

int sim_run(net_network *net, const sim_run_opts *opts, sim_stats *st)
{
  const net_desc *d = net->desc;
  engine e = {.net = net, .desc = d, .st = st, .log = opts ? opts->log : NULL};
  memset(st, 0, sizeof *st);
  st->spikes = sim_calloc(d->npops, sizeof *st->spikes, "spike counts");
  e.t_end = (sim_time)nearbyint(d->sim.duration_ms / d->sim.resolution_ms);
  const sim_time D = net->min_delay;
  uint32_t need = (uint32_t)(net->max_delay + D + 2), ns = 1;
  while (ns < need)
    ns <<= 1;
  e.nslots = ns;
  e.nranks = comm_size();
  e.rank = comm_rank();
  e.counts = sim_calloc((size_t)e.nranks, sizeof *e.counts, "exchange counts");
  e.cursor = sim_calloc((size_t)e.nranks, sizeof *e.cursor, "exchange cursors");
  e.smask = ns - 1;
  sim_queue_init(&e.q, ns < 1024 ? 1024 : ns, 0);
  setup_pops(&e);
  setup_poisson(&e);
  size_t maxs = 0;
  for (uint32_t k = 0; k < d->nrecs; k++)
    if (d->recs[k].kind == NET_REC_STATE) {
      size_t m = (size_t)d->recs[k].count * d->recs[k].nvars;
      if (m > maxs)
        maxs = m;
    }
  if (maxs)
    e.samples = sim_malloc(maxs * sizeof *e.samples, "sample row");

  double t0 = sim_clock_s(), next_report = t0 + 5;
  int failed = 0, rc = 0;
  e.pending_until = -1;
  e.can_skip = e.ntick_pois == 0;
  for (uint32_t i = 0; i < d->npops; i++)
    if (net->pops[i].model && net->pops[i].model->per_tick)
      e.can_skip = 0;
  for (sim_time w0 = 0; w0 < e.t_end && !failed; w0 += D) {
    if (e.can_skip) {
      /* Idle: jump over whole windows to the one holding the next activity
         (the same window grid on every rank). */
      sim_time next = comm_min_i64(next_activity(&e, w0));
      if (next > w0) {
        sim_time to = next >= e.t_end ? e.t_end : w0 + (next - w0) / D * D;
        if (to > w0) {
          sim_queue_jump(&e.q, to);
          st->skipped_ticks += to - w0;
          w0 = to;
          st->ticks = w0;
          if (w0 >= e.t_end)
            break;
        }
      }
    }
    sim_time w1 = w0 + D < e.t_end ? w0 + D : e.t_end;
    e.nout = 0;
    for (sim_time t = w0; t < w1; t++)
      run_tick(&e, t, w0);
    double tc = sim_clock_s();
    uint64_t sent = 0;
    route_spikes(&e);
    size_t nall = comm_exchange_spikes(e.send, e.counts, &e.all, &e.capall, &sent);
    st->spikes_recv += nall;
    st->comm_s += sim_clock_s() - tc;
    st->bytes_sent += sent;
    for (size_t k = 0; k < nall; k++)
      deliver(&e, w0 + e.all[k].lag, e.all[k].gid);
    int mine = e.log && io_log_flush(e.log, w1) != 0;
    if (mine)
      rc = sim_error_code() ? sim_error_code() : SIM_EIO;
    failed = comm_any(mine);
    st->windows++;
    st->ticks = w1;
    if (opts && opts->progress && comm_rank() == 0 && sim_clock_s() > next_report) {
      fprintf(stderr, "  %.0f / %.0f ms simulated\r",
              (double)w1 * d->sim.resolution_ms, d->sim.duration_ms);
      next_report = sim_clock_s() + 5;
    }
  }
  st->sim_s = sim_clock_s() - t0;
  for (uint32_t j = 0; j < d->nprojs; j++) {
    syn_store *ss = &net->projs[j].store;
    if (!net->projs[j].dynamic)
      continue;
    syn_store_energy(ss);
    st->dev_reads += ss->c.reads;
    st->dev_pulses += ss->c.pulses;
    st->stdp_updates += ss->c.updates;
    st->read_pj += ss->c.read_pj;
    st->write_pj += ss->c.write_pj;
  }
  if (opts && opts->progress && comm_rank() == 0 && st->sim_s > 5)
    fprintf(stderr, "\n");

  for (uint32_t i = 0; i < d->npops; i++) {
    pop_rt *r = &e.pops[i];
    for (int k = 0; k < NRN_MAX_PORTS; k++)
      sim_free(r->ring[k]);
    sim_free(r->touched);
    sim_free(r->sched);
    sim_free(r->idx);
    sim_free(r->next);
    sim_free(r->spk);
    sim_free(r->rec_spikes);
    sim_free(r->gen_buf);
  }
  for (uint32_t j = 0; j < d->nprojs; j++)
    sim_free(e.pois[j].rng);
  sim_free(e.pois);
  sim_free(e.tick_pois);
  sim_free(e.pops);
  sim_free(e.out);
  sim_free(e.out_pop);
  sim_free(e.out_idx);
  sim_free(e.send);
  sim_free(e.counts);
  sim_free(e.cursor);
  sim_free(e.all);
  sim_free(e.samples);
  sim_queue_fini(&e.q);
  if (failed && !rc)
    rc = sim_error_set(SIM_ECOMM, "stopped: another rank failed");
  return rc;
}

void sim_stats_fini(sim_stats *st)
{
  sim_free(st->spikes);
  st->spikes = NULL;
}
