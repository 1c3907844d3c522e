/*
 * sim_engine.c: the event-driven loop (see sim_engine.h).
 *
 * Owns, per neuron population, the input rings: for each port a ring of
 * nslots ticks x nlocal doubles, indexed [slot][local index] so that the
 * targets of one spike write into one contiguous row (sim_sink), and a
 * bitmap per slot marking the neurons that received input at that tick.
 * Owns the event queue, whose kinds are registered (neuron self-events
 * here, source events by the sources), and the window's spike outbox.
 */
#include "sim_engine.h"
#include "sim_engine_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim_alloc.h"
#include "sim_clock.h"
#include "sim_error.h"
#include "sim_records.h"

/* ------------------------------------------------------------------ */
/* The plug-in interface                                                */

uint16_t sim_engine_kind(sim_engine *e, sim_event_fn fn, void *self)
{
  e->kinds = sim_realloc(e->kinds, (size_t)(e->nkinds + 1) * sizeof *e->kinds, "event kinds");
  e->kinds[e->nkinds] = (ev_kind){fn, self};
  return e->nkinds++;
}

void sim_engine_push(sim_engine *e, sim_time t, uint16_t kind, uint16_t group, uint32_t index)
{
  sim_queue_push(&e->q, t, (sim_event){kind, group, index});
}

const sim_net *sim_engine_net(const sim_engine *e) { return e->net; }

const sim_sink *sim_engine_sink(const sim_engine *e, uint32_t pop)
{
  return &e->pops[pop].sink;
}

void sim_engine_count_input(sim_engine *e, uint64_t n) { e->st->ext_events += n; }

void sim_engine_fail(sim_engine *e, int rc)
{
  if (!e->fail_rc)
    e->fail_rc = rc < 0 ? rc : SIM_EIO;
}

void sim_engine_count_input_proj(sim_engine *e, uint32_t proj, uint64_t n)
{
  e->st->ext_events += n;
  e->st->proj_ext[proj] += n;
}

/* Emit the spikes spk[0..n) of population pi at tick t; spike k has
   multiplicity mult[k] (mult NULL: 1 each).  A spike of multiplicity m is
   m entries in the outbox, m recorded spikes and m post-synaptic events,
   as NEST unrolls multiplicity (EventDeliveryManager::send_remote,
   spike_recorder::handle, parrot_neuron's set_spiketime per spike); the
   entries are adjacent, so the outbox keeps its (lag, gid) order. */
static void emit(sim_engine *e, uint32_t pi, sim_time t, const uint32_t *spk,
                 const uint32_t *mult, uint32_t n)
{
  const sim_net *net = e->net;
  const sim_pop *p = &net->pops[pi];
  pop_rt *r = &e->pops[pi];
  uint64_t total = n;
  if (mult) {
    total = 0;
    for (uint32_t k = 0; k < n; k++)
      total += mult[k];
  }
  if (e->nout + total > e->capout) {
    e->capout = 2 * (e->nout + total) + 64;
    e->out = sim_realloc(e->out, e->capout * sizeof *e->out, "spike outbox");
    e->out_pop = sim_realloc(e->out_pop, e->capout * sizeof *e->out_pop, "spike outbox");
    e->out_idx = sim_realloc(e->out_idx, e->capout * sizeof *e->out_idx, "spike outbox");
  }
  for (uint32_t k = 0; k < n; k++) {
    sim_gid g = p->gid[spk[k]];
    const uint32_t m_k = mult ? mult[k] : 1;
    for (uint32_t rep = 0; rep < m_k; rep++) {
      e->out_pop[e->nout] = pi;
      e->out_idx[e->nout] = spk[k];
      e->out[e->nout++] = (sim_spike){(uint32_t)(t - e->w0), g};
      if (r->rec_spikes && r->rec_spikes[spk[k]])
        for (uint32_t m = 0; m < e->nrecs; m++)
          if (e->recs[m].ops->spike)
            e->recs[m].ops->spike(e->recs[m].self, t, g);
      for (uint32_t m = 0; m < p->npost; m++) {
        const sim_proj *pr = &net->projs[p->post_projs[m]];
        pr->kind->post(pr->self, spk[k], t);
      }
    }
  }
  e->st->spikes[pi] += total;
}

void sim_engine_emit(sim_engine *e, uint32_t pi, sim_time t, const uint32_t *spk, uint32_t n)
{
  emit(e, pi, t, spk, NULL, n);
}

/* ------------------------------------------------------------------ */
/* Set-up                                                               */

static void self_event(void *self, sim_engine *e, sim_time t, const sim_event *ev);

uint32_t sim_engine_nslots(sim_time max_delay, sim_time min_delay)
{
  uint32_t need = (uint32_t)(max_delay + min_delay + 2), ns = 1;
  while (ns < need)
    ns <<= 1;
  return ns;
}

/* The same arithmetic as setup_pops below (keep the two together). */
size_t sim_engine_pop_bytes(const sim_neuron_ops *model, uint32_t nlocal, uint32_t nslots)
{
  size_t b = (size_t)nlocal * sizeof(uint32_t) + 4; /* spk */
  if (!model)
    return b;
  size_t nwords = ((size_t)nlocal + 63) / 64;
  b += (size_t)model->nports * nslots * nlocal * sizeof(double); /* rings */
  b += (size_t)nslots * nwords * sizeof(uint64_t);               /* touched */
  if (!model->per_tick) /* sched, idx, next, and one queued self-event each */
    b += (size_t)nlocal * (2 * sizeof(sim_time) + sizeof(uint32_t) + sizeof(sim_event)) + 12;
  return b;
}

static void setup_pops(sim_engine *e)
{
  const sim_net *net = e->net;
  e->pops = sim_calloc(net->npops, sizeof *e->pops, "population runtime");
  for (uint32_t i = 0; i < net->npops; i++) {
    const sim_pop *p = &net->pops[i];
    pop_rt *r = &e->pops[i];
    r->spk = sim_malloc((size_t)p->nlocal * sizeof *r->spk + 4, "spike scratch");
    if (!p->model)
      continue;
    sim_sink *k = &r->sink;
    for (int port = 0; port < p->model->nports; port++)
      k->ring[port] = sim_calloc((size_t)e->nslots * p->nlocal, sizeof(double), "input ring");
    k->nlocal = p->nlocal;
    k->nwords = (p->nlocal + 63) / 64;
    k->smask = e->smask;
    k->by_sign = p->model->port_by_sign;
    k->counts = p->model->counts_input;
    k->whole = p->model->per_tick;
    int deferred = 0; /* a delay-major projection into it (core/sim_syn.h) */
    for (uint32_t j = 0; j < net->nprojs; j++)
      deferred |= net->projs[j].tgt == i && net->projs[j].syn && net->projs[j].syn->by_delay;
    if (deferred && p->model->per_tick && !p->model->counts_input) {
      k->defer = sim_calloc(e->nslots, sizeof *k->defer, "deferred runs");
      for (int port = 0; port < p->model->nports; port++)
        k->acc[port] = sim_calloc((size_t)p->nlocal + 1, sizeof(double), "input sums");
    }
    if (p->model->counts_input)
      r->mult = sim_malloc((size_t)p->nlocal * sizeof *r->mult + 4, "spike multiplicities");
    k->pending_until = &e->pending_until;
    k->touched = sim_calloc((size_t)e->nslots * k->nwords, sizeof(uint64_t), "input bitmap");
    if (!p->model->per_tick) {
      r->sched = sim_malloc((size_t)p->nlocal * sizeof *r->sched, "self-events");
      r->idx = sim_malloc((size_t)p->nlocal * sizeof *r->idx + 4, "update list");
      r->next = sim_malloc((size_t)p->nlocal * sizeof *r->next + 8, "next events");
      for (uint32_t j = 0; j < p->nlocal; j++) {
        sim_time t = p->model->first_event ? p->model->first_event(p->state, p->nlocal, j,
                                                                   p->param)
                                           : SIM_NEVER;
        /* Kept even past the horizon (a checkpoint resumed with a later
           end queues it then); queued only before it. */
        r->sched[j] = t;
        if (t < net->t_end)
          sim_engine_push(e, t, e->self_kind, (uint16_t)i, j);
      }
    }
  }
  /* Recorded spikes: a flag per local neuron covered by a spike record. */
  for (uint32_t k = 0; k < net->nrecs; k++) {
    const sim_rec *rd = &net->recs[k];
    if (rd->kind != SIM_REC_SPIKES)
      continue;
    const sim_pop *p = &net->pops[rd->pop];
    pop_rt *r = &e->pops[rd->pop];
    if (!r->rec_spikes)
      r->rec_spikes = sim_calloc(p->nlocal + 1, 1, "spike recorder flags");
    for (uint32_t j = 0; j < p->nlocal; j++) {
      uint32_t off = p->gid[j] - p->first_gid;
      if (off >= rd->first && off - rd->first < rd->count)
        r->rec_spikes[j] = 1;
    }
  }
}

/* Start every source population's instance; returns 1 when one of them
   (or a per-tick model) needs every tick. */
static int setup_sources(sim_engine *e)
{
  const sim_net *net = e->net;
  int busy_any = 0;
  for (uint32_t i = 0; i < net->npops; i++) {
    const sim_pop *p = &net->pops[i];
    if (p->model && p->model->per_tick)
      busy_any = 1;
    if (!p->source)
      continue;
    int busy = 0;
    e->pops[i].src = p->source->start(e, i, &busy);
    if (e->pops[i].src && (busy || !p->source->next))
      busy_any = 1;
  }
  return busy_any;
}

/* ------------------------------------------------------------------ */
/* Delivery                                                             */

/* Deliver one spike of source gid emitted at tick t to every local target:
   one call of its kind per outgoing projection. */
static void deliver(sim_engine *e, sim_time t, sim_gid gid)
{
  const sim_net *net = e->net;
  const sim_pop *src = &net->pops[sim_net_pop_of_gid(net, gid)];
  uint32_t s = gid - src->first_gid;
  for (uint32_t pi = 0; pi < src->nout; pi++) {
    const sim_proj *pr = &net->projs[src->out_projs[pi]];
    e->st->proj_events[src->out_projs[pi]] +=
        pr->kind->spike(pr->self, pr->syn, s, gid, net->pops[pr->tgt].gid, t,
                        &e->pops[pr->tgt].sink, pr->port);
  }
}

/* ------------------------------------------------------------------ */
/* One tick                                                             */

static void update_pop(sim_engine *e, uint32_t pi, sim_time t)
{
  const sim_pop *p = &e->net->pops[pi];
  pop_rt *r = &e->pops[pi];
  const sim_neuron_ops *m = p->model;
  const uint32_t nloc = p->nlocal;
  sim_update_ctx ctx = {.state = p->state, .n = nloc, .param = p->param, .spikes = r->spk,
                        .mult = r->mult};
  for (int k = 0; k < m->nports; k++)
    ctx.in[k] = sim_sink_row(&r->sink, k, t);
  uint64_t *bits = sim_sink_bits(&r->sink, t);
  const uint32_t nwords = r->sink.nwords;
  if (m->per_tick) {
    if (r->sink.defer && sim_sink_flush(&r->sink, t))
      for (int k = 0; k < m->nports; k++)
        ctx.in[k] = r->sink.acc[k];
    m->update(&ctx, t, NULL, nloc);
    e->st->pop_updates[pi] += nloc;
    /* Clear the tick's rows whole (sink.whole: static_spike does not mark
       the bitmap of per-tick targets, which saves a quarter of its
       instructions per synapse); no slower than walking the bits when
       most neurons get input every tick, as in the microcircuit. */
    for (int k = 0; k < m->nports; k++)
      memset(ctx.in[k], 0, (size_t)nloc * sizeof *ctx.in[k]);
    memset(bits, 0, (size_t)nwords * sizeof *bits);
  } else {
    uint32_t n = 0;
    for (uint32_t w = 0; w < nwords; w++) {
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
    e->st->pop_updates[pi] += n;
    /* Locals: the stores into sched would otherwise make the compiler
       reload every pointer per neuron. */
    const uint32_t *restrict idx = r->idx;
    const sim_time *restrict next = r->next;
    sim_time *restrict sched = r->sched;
    const sim_time horizon = e->net->t_end;
    for (uint32_t i = 0; i < n; i++) {
      uint32_t j = idx[i];
      sim_time nx = next[i];
      if (nx != sched[j]) { /* past the horizon: kept, not queued */
        sched[j] = nx;
        if (nx < horizon)
          sim_engine_push(e, nx, e->self_kind, (uint16_t)pi, j);
      }
    }
  }
  if (ctx.nspikes)
    emit(e, pi, t, r->spk, r->mult, ctx.nspikes);
}

/* A neuron's predicted self-event came due: mark it for update now. */
static void self_event(void *self, sim_engine *e, sim_time t, const sim_event *ev)
{
  (void)self;
  pop_rt *r = &e->pops[ev->group];
  uint32_t j = ev->index;
  if (r->sched[j] != t)
    return; /* superseded by a later prediction */
  r->sched[j] = SIM_NEVER;
  uint64_t *bits = sim_sink_bits(&r->sink, t);
  bits[j >> 6] |= 1ull << (j & 63);
}

static void sample_state(sim_engine *e, sim_time t)
{
  const sim_net *net = e->net;
  for (uint32_t k = 0; k < net->nrecs; k++) {
    const sim_rec *rd = &net->recs[k];
    if (rd->kind != SIM_REC_STATE || t % rd->every)
      continue;
    const sim_pop *p = &net->pops[rd->pop];
    uint32_t n = 0;
    for (uint32_t j = 0; j < p->nlocal; j++) {
      uint32_t off = p->gid[j] - p->first_gid;
      if (off < rd->first || off - rd->first >= rd->count)
        continue;
      for (uint32_t v = 0; v < rd->nvars; v++)
        e->samples[n++] = p->model->var_get(p->state, p->nlocal, j, p->param, rd->vars[v], t);
    }
    for (uint32_t m = 0; m < e->nrecs; m++)
      if (e->recs[m].ops->sample)
        e->recs[m].ops->sample(e->recs[m].self, k, t, e->samples, n);
  }
}

static void run_tick(sim_engine *e, sim_time t)
{
  /* Events due now; handlers may append to this bucket, so re-read n. */
  uint32_t n;
  for (uint32_t i = 0;; i++) {
    sim_event *ev = sim_queue_bucket(&e->q, &n);
    if (i >= n)
      break;
    sim_event cur = ev[i]; /* the bucket may move when a handler pushes */
    const ev_kind *k = &e->kinds[cur.kind];
    k->fn(k->self, e, t, &cur);
  }
  const sim_net *net = e->net;
  for (uint32_t pi = 0; pi < net->npops; pi++) {
    const sim_pop *p = &net->pops[pi];
    if (p->model)
      update_pop(e, pi, t);
    else if (e->pops[pi].src && p->source->tick)
      p->source->tick(e->pops[pi].src, e, t);
  }
  if (e->sampling)
    sample_state(e, t);
  sim_queue_advance(&e->q);
}

/* First tick >= w0 at which anything can happen on this rank: pending
   input, a queued event, a source's next action or a multimeter's next
   sample.  w0 when busy now. */
static sim_time next_activity(sim_engine *e, sim_time w0)
{
  /* A failure is decided at a window end: run this window. */
  if (e->pending_until >= w0 || e->fail_rc)
    return w0;
  sim_time next = sim_queue_next(&e->q);
  const sim_net *net = e->net;
  for (uint32_t i = 0; i < net->npops; i++) {
    const sim_pop *p = &net->pops[i];
    if (e->pops[i].src) {
      sim_time t = p->source->next(e->pops[i].src, w0);
      if (t < next)
        next = t;
    }
  }
  if (e->sampling)
    for (uint32_t k = 0; k < net->nrecs; k++)
      if (net->recs[k].kind == SIM_REC_STATE) {
        sim_time every = net->recs[k].every;
        sim_time t = (w0 + every - 1) / every * every;
        if (t < next)
          next = t;
      }
  if (e->extra) {
    sim_time t = sim_records_next(e->extra, w0);
    if (t < next)
      next = t;
  }
  return next;
}

/* Regroup the window's spikes by destination rank (presence table): a
   spike goes to each rank hosting one of its targets, to none if it has
   no target anywhere.  Each group keeps the (lag, gid) order. */
static void route_spikes(sim_engine *e)
{
  const sim_net *net = e->net;
  memset(e->counts, 0, (size_t)e->nranks * sizeof *e->counts);
  size_t total = 0;
  for (size_t k = 0; k < e->nout; k++) {
    const sim_pop *p = &net->pops[e->out_pop[k]];
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
    const sim_pop *p = &net->pops[e->out_pop[k]];
    for (uint32_t m = p->dest_off[e->out_idx[k]]; m < p->dest_off[e->out_idx[k] + 1]; m++)
      e->send[e->cursor[p->dest[m]]++] = e->out[k];
  }
}

/* Make the window ending before w1 durable in every recorder; returns 0
   or the first failure's code. */
static int recorders_window_end(sim_engine *e, sim_time w1)
{
  int rc = 0;
  for (uint32_t m = 0; m < e->nrecs; m++)
    if (e->recs[m].ops->window_end && e->recs[m].ops->window_end(e->recs[m].self, w1) != 0 &&
        !rc)
      rc = sim_error_code() ? sim_error_code() : SIM_EIO;
  return rc;
}

/* ------------------------------------------------------------------ */
/* The run                                                              */

static void engine_fini(sim_engine *e)
{
  const sim_net *net = e->net;
  for (uint32_t i = 0; i < net->npops; i++) {
    pop_rt *r = &e->pops[i];
    if (r->src)
      net->pops[i].source->stop(r->src);
    for (int k = 0; k < SIM_MAX_PORTS; k++)
      sim_free(r->sink.ring[k]);
    sim_free(r->sink.touched);
    if (r->sink.defer) {
      for (uint32_t q = 0; q < e->nslots; q++)
        sim_free(r->sink.defer[q].v);
      sim_free(r->sink.defer);
    }
    for (int k = 0; k < SIM_MAX_PORTS; k++)
      sim_free(r->sink.acc[k]);
    sim_free(r->sched);
    sim_free(r->idx);
    sim_free(r->next);
    sim_free(r->spk);
    sim_free(r->mult);
    sim_free(r->rec_spikes);
  }
  sim_free(e->pops);
  sim_free(e->kinds);
  sim_free(e->out);
  sim_free(e->out_pop);
  sim_free(e->out_idx);
  sim_free(e->send);
  sim_free(e->counts);
  sim_free(e->cursor);
  sim_free(e->all);
  sim_free(e->samples);
  sim_queue_fini(&e->q);
}

/* One progress report at window end w1 after wall_s seconds of the loop:
   simulated time, percent, real-time factor (wall / simulated), and the
   time left at the pace so far. */
static void report_progress(const sim_run_opts *o, double res_ms, sim_time w1,
                            sim_time t_end, double wall_s)
{
  const double sim_ms = (double)w1 * res_ms, end_ms = (double)t_end * res_ms;
  const double rtf = sim_ms > 0 ? wall_s / (sim_ms * 1e-3) : 0;
  const double eta_s = w1 > 0 ? wall_s * (double)(t_end - w1) / (double)w1 : 0;
  fprintf(stderr, "  %.0f / %.0f ms simulated (%.1f %%), real-time factor %.3g, ETA %.0f s%s",
          sim_ms, end_ms, end_ms > 0 ? 100 * sim_ms / end_ms : 100.0, rtf, eta_s,
          o->progress_lines ? "\n" : "   \r");
  fflush(stderr);
}

int sim_engine_open(const sim_net *net, const sim_run_opts *opts, sim_stats *st,
                    sim_engine **out)
{
  sim_engine *e = sim_calloc(1, sizeof *e, "engine");
  e->net = net;
  e->st = st;
  e->t_end = net->t_end;
  if (opts)
    e->opts = *opts;
  e->x = e->opts.exchange ? e->opts.exchange : &sim_exchange_serial;
  e->recs = e->opts.recorders;
  e->nrecs = e->opts.nrecorders;
  memset(st, 0, sizeof *st);
  st->spikes = sim_calloc(net->npops, sizeof *st->spikes, "spike counts");
  st->pop_updates = sim_calloc(net->npops + 1, sizeof *st->pop_updates, "update counts");
  st->proj_events = sim_calloc(net->nprojs + 1, sizeof *st->proj_events, "event counts");
  st->proj_ext = sim_calloc(net->nprojs + 1, sizeof *st->proj_ext, "event counts");
  const uint32_t ns = sim_engine_nslots(net->max_delay, net->min_delay);
  e->nslots = ns;
  e->smask = ns - 1;
  e->nranks = e->x->size();
  e->rank = e->x->rank();
  e->counts = sim_calloc((size_t)e->nranks, sizeof *e->counts, "exchange counts");
  e->cursor = sim_calloc((size_t)e->nranks, sizeof *e->cursor, "exchange cursors");
  sim_queue_init(&e->q, ns < 1024 ? 1024 : ns, 0);
  e->self_kind = sim_engine_kind(e, self_event, NULL);
  e->pending_until = -1;
  setup_pops(e);
  int busy = setup_sources(e);
  /* Every rank must take the same decision: jumping is collective. */
  e->can_skip = !e->x->any(busy);
  int samplers = 0;
  for (uint32_t m = 0; m < e->nrecs; m++)
    samplers |= e->recs[m].ops->sample != NULL;
  size_t maxs = 0;
  for (uint32_t k = 0; k < net->nrecs; k++)
    if (net->recs[k].kind == SIM_REC_STATE) {
      size_t m = (size_t)net->recs[k].count * net->recs[k].nvars;
      if (m > maxs)
        maxs = m;
    }
  if (maxs && samplers) {
    e->sampling = 1;
    e->samples = sim_malloc(maxs * sizeof *e->samples, "sample row");
  }
  e->extra = sim_records_start(net, e->recs, e->nrecs);
  *out = e;
  return 0;
}

sim_time sim_engine_now(const sim_engine *e) { return e->w0; }

sim_time sim_engine_end(const sim_engine *e) { return e->t_end; }

void sim_engine_set_end(sim_engine *e, sim_time t_end)
{
  if (t_end > e->net->t_end)
    t_end = e->net->t_end;
  e->t_end = t_end > e->w0 ? t_end : e->w0;
}

sim_stats *sim_engine_stats(sim_engine *e) { return e->st; }

/* The run's totals from its per-population and per-projection counts and
   the kinds' counters: valid after every advance. */
static void fill_totals(sim_engine *e)
{
  const sim_net *net = e->net;
  sim_stats *st = e->st;
  st->updates = 0;
  st->syn_events = 0;
  for (uint32_t i = 0; i < net->npops; i++)
    st->updates += st->pop_updates[i];
  for (uint32_t j = 0; j < net->nprojs; j++)
    st->syn_events += st->proj_events[j];
  sim_syn_counters c = {0};
  for (uint32_t j = 0; j < net->nprojs; j++)
    if (net->projs[j].kind->counters)
      net->projs[j].kind->counters(net->projs[j].self, &c);
  st->dev_reads = c.reads;
  st->dev_pulses = c.pulses;
  st->stdp_updates = c.updates;
  st->read_pj = c.read_pj;
  st->write_pj = c.write_pj;
}

int sim_engine_advance(sim_engine *e, sim_time until)
{
  const sim_net *net = e->net;
  const sim_run_opts *opts = &e->opts;
  sim_stats *st = e->st;
  if (e->rc)
    return e->rc;
  if (until > e->t_end)
    until = e->t_end;
  const sim_time D = net->min_delay;
  const double every_s = opts->progress ? opts->progress_s : 0;
  double t0 = sim_clock_s(), next_report = t0 + every_s;
  int failed = 0, stopped = 0, rc = 0;
  sim_time w0 = e->w0;
  while (w0 < until && !failed) {
    if (e->can_skip) {
      /* Idle: jump over whole windows to the one holding the next activity
         (the same window grid on every rank). */
      sim_time next = e->x->min_i64(next_activity(e, w0));
      if (next > w0) {
        sim_time to = next >= until ? until : w0 + (next - w0) / D * D;
        if (to > w0) {
          sim_queue_jump(&e->q, to);
          st->skipped_ticks += to - w0;
          w0 = to;
          st->ticks = w0;
          if (w0 >= until)
            break;
        }
      }
    }
    sim_time w1 = w0 + D < until ? w0 + D : until;
    e->w0 = w0;
    e->nout = 0;
    for (sim_time t = w0; t < w1; t++)
      run_tick(e, t);
    double tc = sim_clock_s();
    uint64_t sent = 0;
    route_spikes(e);
    size_t nall = e->x->spikes(e->send, e->counts, &e->all, &e->capall, &sent);
    st->spikes_recv += nall;
    st->comm_s += sim_clock_s() - tc;
    st->bytes_sent += sent;
    for (size_t k = 0; k < nall; k++)
      deliver(e, w0 + e->all[k].lag, e->all[k].gid);
    for (uint32_t j = 0; j < net->nprojs; j++)
      if (net->projs[j].kind->window_end)
        net->projs[j].kind->window_end(net->projs[j].self, &e->pops[net->projs[j].tgt].sink, w1);
    /* The last window: the end of the run, or a stop asked here (which
       the collective decision below honours). */
    if (e->extra)
      sim_records_window(e->extra, st, w1,
                         w1 >= e->t_end || (opts->stop && *opts->stop));
    int mine = recorders_window_end(e, w1);
    if (opts->window_spikes_fn)
      opts->window_spikes_fn(opts->window_ctx, w0, e->out, e->nout);
    if (opts->window_fn) { /* on every rank: it may be collective */
      int h = opts->window_fn(opts->window_ctx, w1, st);
      if (!mine)
        mine = h;
    }
    if (!mine)
      mine = e->fail_rc;
    if (mine)
      rc = mine;
    if (opts->stop) {
      /* One reduction for both decisions: 2 = a rank failed (wins), 1 = a
         rank was asked to stop. */
      int64_t v = mine ? 2 : *opts->stop ? 1 : 0;
      v = -e->x->min_i64(-v);
      failed = v == 2;
      stopped = v == 1 && w1 < e->t_end; /* asked at the last window: done anyway */
    } else {
      failed = e->x->any(mine != 0);
    }
    st->windows++;
    st->ticks = w1;
    e->last_w1 = w1;
    w0 = w1;
    if (opts->progress && e->rank == 0 && sim_clock_s() >= next_report) {
      report_progress(opts, net->resolution_ms, w1, e->t_end,
                      e->wall_s + sim_clock_s() - t0);
      next_report = sim_clock_s() + every_s;
    }
    if (stopped)
      break;
  }
  e->w0 = w0;
  /* The run ended in an idle stretch: energy deltas not given yet get one
     more window end, at the end of the run. */
  if (e->extra && !failed && !stopped && st->ticks >= e->t_end && e->last_w1 < st->ticks &&
      sim_records_flush_energy(e->extra, st, st->ticks)) {
    e->last_w1 = st->ticks;
    int mine = recorders_window_end(e, st->ticks);
    if (mine && !rc)
      rc = mine;
  }
  e->wall_s += sim_clock_s() - t0;
  st->sim_s = e->wall_s;
  fill_totals(e);
  if (opts->progress && !opts->progress_lines && e->rank == 0 && st->sim_s > every_s &&
      w0 >= e->t_end)
    fprintf(stderr, "\n");
  if (failed && !rc)
    rc = sim_error_set(SIM_ECOMM, "stopped: another rank failed");
  if (failed)
    e->rc = rc; /* the engine cannot go on */
  if (stopped && !rc)
    rc = sim_error_set(SIM_ESTOP, "stopped on request at %.*g ms of %.*g ms", 15,
                       (double)st->ticks * net->resolution_ms, 15,
                       (double)e->t_end * net->resolution_ms);
  return rc;
}

void sim_engine_close(sim_engine *e)
{
  if (!e)
    return;
  sim_records_stop(e->extra);
  engine_fini(e);
  sim_free(e);
}

int sim_run(const sim_net *net, const sim_run_opts *opts, sim_stats *st)
{
  sim_engine *e;
  int rc = sim_engine_open(net, opts, st, &e);
  if (rc)
    return rc;
  rc = sim_engine_advance(e, net->t_end);
  sim_engine_close(e);
  return rc;
}

void sim_stats_fini(sim_stats *st)
{
  sim_free(st->spikes);
  sim_free(st->pop_updates);
  sim_free(st->proj_events);
  sim_free(st->proj_ext);
  st->spikes = NULL;
  st->proj_ext = NULL;
  st->pop_updates = NULL;
  st->proj_events = NULL;
}
