/*
 * sim_engine_ckpt.c: checkpoints of a run in steps (sim_engine.h,
 * docs/checkpoint-format.md).  Between two advances the engine writes its
 * own records (tick, counters, neuron states and self-events, input rings,
 * the queued events of sources) and calls the plug-ins' save methods for
 * theirs; a resumed run opens the engine on the rebuilt network and loads
 * the records of every rank's file, keeping what this rank owns: every
 * record is keyed by gid or synapse key, so the rank count may change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_alloc.h"
#include "sim_ckpt.h"
#include "sim_engine.h"
#include "sim_engine_int.h"
#include "sim_error.h"

/* One input-ring entry: neuron gid got input for tick (now + rel). */
typedef struct ring_ent {
  uint32_t gid, rel;
  double v[SIM_MAX_PORTS];
} ring_ent;

/* One queued source event. */
typedef struct queue_ent {
  int64_t t;
  uint32_t pop, pad;
  sim_ckpt_key key;
} queue_ent;

/* Neuron i's state record (sim_neuron.h: state_soa or the model's own). */
static void state_get(const sim_neuron_ops *m, const void *block, uint32_t n, uint32_t i,
                      void *rec)
{
  if (!m->state_soa) {
    m->state_get(block, n, i, rec);
    return;
  }
  for (uint32_t f = 0; f < m->state_size / sizeof(double); f++)
    memcpy((double *)rec + f, (const double *)block + (size_t)f * n + i, sizeof(double));
}

static void state_put(const sim_neuron_ops *m, void *block, uint32_t n, uint32_t i,
                      const void *rec)
{
  if (!m->state_soa) {
    m->state_put(block, n, i, rec);
    return;
  }
  for (uint32_t f = 0; f < m->state_size / sizeof(double); f++)
    memcpy((double *)block + (size_t)f * n + i, (const double *)rec + f, sizeof(double));
}

/* The population whose source instance registered event kind k. */
static uint32_t kind_owner(const sim_engine *e, uint16_t k)
{
  for (uint32_t i = 0; i < e->net->npops; i++)
    if (e->pops[i].src && e->pops[i].src == e->kinds[k].self)
      return i;
  return UINT32_MAX;
}

int sim_engine_ckpt_check(const sim_net *net)
{
  for (uint32_t i = 0; i < net->npops; i++) {
    const sim_pop *p = &net->pops[i];
    if (p->model && p->model->state_size && !p->model->state_records &&
        !p->model->state_soa && !(p->model->state_get && p->model->state_put))
      return sim_error_set(SIM_ECONFIG, "population %s: neuron model %s cannot be "
                           "checkpointed (no state_get/state_put)", p->name, p->model->name);
    if (p->source && !p->source->ckpt)
      return sim_error_set(SIM_ECONFIG, "population %s: source %s cannot be checkpointed",
                           p->name, p->source->name);
  }
  for (uint32_t j = 0; j < net->nprojs; j++) {
    const sim_proj_ops *k = net->projs[j].kind;
    if (!k->stateless && !(k->save && k->load))
      return sim_error_set(SIM_ECONFIG, "projection %u (from %s to %s): synapse kind %s "
                           "cannot be checkpointed", j, net->pops[net->projs[j].src].name,
                           net->pops[net->projs[j].tgt].name, k->name);
  }
  return 0;
}

/* ------------------------------------------------------------------ */
/* Save                                                                 */

static void save_stats(const sim_engine *e, const sim_ckpt_writer *w)
{
  const sim_net *net = e->net;
  const sim_stats *st = e->st;
  sim_ckpt_rec(w, "stats", 13);
  sim_ckpt_bin(w, st->spikes, net->npops * sizeof *st->spikes);
  sim_ckpt_bin(w, st->pop_updates, net->npops * sizeof *st->pop_updates);
  sim_ckpt_bin(w, st->proj_events, net->nprojs * sizeof *st->proj_events);
  sim_ckpt_bin(w, st->proj_ext, net->nprojs * sizeof *st->proj_ext);
  sim_ckpt_u64(w, st->ext_events);
  sim_ckpt_u64(w, st->windows);
  sim_ckpt_u64(w, st->bytes_sent);
  sim_ckpt_u64(w, st->spikes_sent);
  sim_ckpt_u64(w, st->spikes_recv);
  sim_ckpt_u64(w, st->msgs);
  sim_ckpt_i64(w, st->ticks);
  sim_ckpt_i64(w, st->skipped_ticks);
  sim_ckpt_f64(w, e->wall_s);
}

/* A per-tick target's neurons of word wd with input at tick t: its
   bitmap may be unmarked (sim_sink.whole), so an entry counts when its
   bit is set or any port holds a value other than +0.0 (compared as bits,
   so that -0.0 is kept too). */
static uint64_t written(const sim_sink *k, int nports, sim_time t, uint32_t wd)
{
  uint64_t b = sim_sink_bits(k, t)[wd];
  for (uint32_t q = 0; q < 64 && wd * 64 + q < k->nlocal; q++)
    for (int port = 0; port < nports; port++) {
      uint64_t v;
      memcpy(&v, &sim_sink_row(k, port, t)[wd * 64 + q], sizeof v);
      if (v)
        b |= 1ull << q;
    }
  return b;
}

static void save_neurons(const sim_engine *e, uint32_t i, const sim_ckpt_writer *w)
{
  const sim_pop *p = &e->net->pops[i];
  const pop_rt *r = &e->pops[i];
  const sim_neuron_ops *m = p->model;
  const size_t sz = m->state_size;
  sim_ckpt_rec(w, "neurons", 4);
  sim_ckpt_u64(w, i);
  sim_ckpt_bin(w, p->gid, (size_t)p->nlocal * sizeof *p->gid);
  if (m->state_records || !sz) {
    sim_ckpt_bin(w, p->state, (size_t)p->nlocal * sz);
  } else {
    unsigned char *buf = sim_malloc((size_t)p->nlocal * sz + 1, "checkpoint states");
    for (uint32_t j = 0; j < p->nlocal; j++)
      state_get(m, p->state, p->nlocal, j, buf + j * sz);
    sim_ckpt_bin(w, buf, (size_t)p->nlocal * sz);
    sim_free(buf);
  }
  sim_ckpt_bin(w, r->sched, r->sched ? (size_t)p->nlocal * sizeof *r->sched : 0);
  /* The rings: every neuron flagged at a tick from now on. */
  size_t n = 0, cap = 64;
  ring_ent *ent = sim_malloc(cap * sizeof *ent, "checkpoint rings");
  const sim_sink *k = &r->sink;
  for (uint32_t rel = 0; rel < e->nslots; rel++) {
    const sim_time t = e->w0 + rel;
    const uint64_t *bits = sim_sink_bits(k, t);
    for (uint32_t wd = 0; wd < k->nwords; wd++)
      for (uint64_t b = k->whole ? written(k, m->nports, t, wd) : bits[wd]; b; b &= b - 1) {
        uint32_t j = wd * 64 + (uint32_t)__builtin_ctzll(b);
        if (n == cap)
          ent = sim_realloc(ent, (cap *= 2) * sizeof *ent, "checkpoint rings");
        ring_ent x = {p->gid[j], rel, {0}};
        for (int port = 0; port < m->nports; port++)
          x.v[port] = sim_sink_row(k, port, t)[j];
        ent[n++] = x;
      }
  }
  sim_ckpt_rec(w, "ring", 2);
  sim_ckpt_u64(w, i);
  sim_ckpt_bin(w, ent, n * sizeof *ent);
  sim_free(ent);
}

/* The deferred runs of population i's slots, in each slot's order (see
   sim_sink_defer): per run its spike's source gid, projection and delay,
   so that a resumed run on any number of ranks finds its own runs of the
   same spikes again. */
static void save_defer(const sim_engine *e, uint32_t i, const sim_ckpt_writer *w)
{
  const sim_net *net = e->net;
  const sim_sink *k = &e->pops[i].sink;
  size_t n = 0, cap = 64;
  defer_ent *ent = sim_malloc(cap * sizeof *ent, "checkpoint deferred runs");
  for (uint32_t rel = 0; rel < e->nslots; rel++) {
    const sim_sink_refs *rs = &k->defer[(uint32_t)(e->w0 + rel) & k->smask];
    for (uint32_t q = 0; q < rs->n; q++) {
      const sim_sink_ref *x = &rs->v[q];
      uint32_t j = 0;
      while (j < net->nprojs && net->projs[j].syn != x->tab)
        j++;
      const sim_syn_table *t = x->tab;
      const uint32_t s = sim_syn_row_source(t, sim_syn_row_of(t, x->k0));
      if (n == cap)
        ent = sim_realloc(ent, (cap *= 2) * sizeof *ent, "checkpoint deferred runs");
      ent[n++] = (defer_ent){rel, net->pops[net->projs[j].src].first_gid + s, j,
                             t->d[x->k0], 0};
    }
  }
  sim_ckpt_rec(w, "defer", 2);
  sim_ckpt_u64(w, i);
  sim_ckpt_bin(w, ent, n * sizeof *ent);
  sim_free(ent);
}

typedef struct walk_ctx {
  const sim_engine *e;
  uint32_t *owner;   /* per kind */
  queue_ent *ent;
  size_t n, cap;
} walk_ctx;

static void walk_one(void *ctx, sim_time t, const sim_event *ev)
{
  walk_ctx *c = ctx;
  if (ev->kind == c->e->self_kind)
    return; /* saved as sched[] with the neurons */
  const uint32_t pop = c->owner[ev->kind];
  const sim_pop *p = &c->e->net->pops[pop];
  if (c->n == c->cap)
    c->ent = sim_realloc(c->ent, (c->cap = 2 * c->cap + 64) * sizeof *c->ent,
                         "checkpoint queue");
  queue_ent *x = &c->ent[c->n++];
  memset(x, 0, sizeof *x);
  x->t = t;
  x->pop = pop;
  p->source->event_key(c->e->pops[pop].src, ev, &x->key);
}

int sim_engine_save(sim_engine *e, const sim_ckpt_writer *w)
{
  const sim_net *net = e->net;
  int rc = sim_engine_ckpt_check(net);
  if (rc)
    return rc;
  walk_ctx c = {.e = e, .owner = sim_malloc((size_t)e->nkinds * sizeof *c.owner + 4,
                                            "checkpoint kinds")};
  for (uint16_t k = 0; k < e->nkinds; k++) {
    c.owner[k] = k == e->self_kind ? UINT32_MAX : kind_owner(e, k);
    if (k != e->self_kind &&
        (c.owner[k] == UINT32_MAX || !net->pops[c.owner[k]].source->event_key)) {
      sim_free(c.owner);
      return sim_error_set(SIM_ECONFIG, "checkpoint: event kind %u has no owner that can "
                           "save it", k);
    }
  }
  sim_ckpt_rec(w, "engine", 2);
  sim_ckpt_i64(w, e->w0);
  sim_ckpt_i64(w, e->pending_until);
  save_stats(e, w);
  for (uint32_t i = 0; i < net->npops; i++)
    if (net->pops[i].model) {
      save_neurons(e, i, w);
      if (e->pops[i].sink.defer)
        save_defer(e, i, w);
    }
  sim_queue_walk(&e->q, walk_one, &c);
  sim_ckpt_rec(w, "queue", 1);
  sim_ckpt_bin(w, c.ent, c.n * sizeof *c.ent);
  sim_free(c.ent);
  sim_free(c.owner);
  for (uint32_t i = 0; i < net->npops; i++)
    if (e->pops[i].src && net->pops[i].source->save)
      net->pops[i].source->save(e->pops[i].src, e, w);
  for (uint32_t j = 0; j < net->nprojs; j++)
    if (!net->projs[j].kind->stateless)
      net->projs[j].kind->save(net->projs[j].self, net, j, w);
  sim_records_save(e->extra, w);
  return 0;
}

/* ------------------------------------------------------------------ */
/* Load                                                                 */

static int bad(sim_ckpt_reader *r, const char *fmt, unsigned long long v)
{
  char what[256];
  snprintf(what, sizeof what, fmt, v);
  return sim_ckpt_bad(r, what);
}

static int load_stats(sim_engine *e, const sim_ckpt_load *l)
{
  const sim_net *net = e->net;
  sim_stats *st = e->st;
  sim_ckpt_reader *r = l->r;
  const void *p[4];
  size_t n[4];
  int rc = sim_ckpt_get_array(r, "spikes", sizeof(uint64_t), &p[0], &n[0]);
  if (!rc)
    rc = sim_ckpt_get_array(r, "pop_updates", sizeof(uint64_t), &p[1], &n[1]);
  if (!rc)
    rc = sim_ckpt_get_array(r, "proj_events", sizeof(uint64_t), &p[2], &n[2]);
  if (!rc)
    rc = sim_ckpt_get_array(r, "proj_ext", sizeof(uint64_t), &p[3], &n[3]);
  if (rc)
    return rc;
  if (n[0] != net->npops || n[1] != net->npops || n[2] != net->nprojs || n[3] != net->nprojs)
    return bad(r, "counters of another network (%llu populations)", n[0]);
  uint64_t u[6];
  int64_t ticks, skipped;
  double wall;
  static const char *const names[] = {"ext_events", "windows", "bytes_sent", "spikes_sent",
                                      "spikes_recv", "msgs"};
  for (int k = 0; k < 6 && !rc; k++)
    rc = sim_ckpt_get_u64(r, names[k], &u[k]);
  if (!rc)
    rc = sim_ckpt_get_i64(r, "ticks", &ticks);
  if (!rc)
    rc = sim_ckpt_get_i64(r, "skipped_ticks", &skipped);
  if (!rc)
    rc = sim_ckpt_get_f64(r, "wall_s", &wall);
  if (rc)
    return rc;
  /* The same on every rank: taken from any file. */
  st->windows = u[1];
  st->ticks = ticks;
  st->skipped_ticks = skipped;
  if (!l->counters)
    return 0;
  uint64_t *dst[4] = {st->spikes, st->pop_updates, st->proj_events, st->proj_ext};
  for (int a = 0; a < 4; a++) {
    uint64_t v;
    for (size_t k = 0; k < n[a]; k++) {
      memcpy(&v, (const char *)p[a] + k * sizeof v, sizeof v);
      dst[a][k] += v;
    }
  }
  st->ext_events += u[0];
  st->bytes_sent += u[2];
  st->spikes_sent += u[3];
  st->spikes_recv += u[4];
  st->msgs += u[5];
  if (l->same)
    e->wall_s = wall;
  return 0;
}

static int load_neurons(sim_engine *e, const sim_ckpt_load *l, uint32_t i)
{
  const sim_pop *p = &e->net->pops[i];
  pop_rt *r = &e->pops[i];
  const sim_neuron_ops *m = p->model;
  const size_t sz = m->state_size;
  const void *g, *s, *sc;
  size_t ng, ns, nsc;
  int rc = sim_ckpt_get_array(l->r, "gids", sizeof(sim_gid), &g, &ng);
  if (!rc)
    rc = sim_ckpt_get_bin(l->r, "states", &s, &ns);
  if (!rc)
    rc = sim_ckpt_get_bin(l->r, "sched", &sc, &nsc);
  if (rc)
    return rc;
  if (ns != ng * sz || nsc != (r->sched ? ng * sizeof(sim_time) : 0))
    return bad(l->r, "neuron states of another model or size (population %llu)", i);
  for (size_t k = 0; k < ng; k++) {
    sim_gid gid;
    memcpy(&gid, (const char *)g + k * sizeof gid, sizeof gid);
    uint32_t j;
    if (gid < p->first_gid || gid - p->first_gid >= p->n)
      return bad(l->r, "gid %llu is not in its population", gid);
    if (!sim_ckpt_local(e->net, i, gid, &j))
      continue;
    const unsigned char *rec = (const unsigned char *)s + k * sz;
    if (m->state_records)
      memcpy((unsigned char *)p->state + (size_t)j * sz, rec, sz);
    else if (sz)
      state_put(m, p->state, p->nlocal, j, rec);
    if (r->sched) {
      sim_time t;
      memcpy(&t, (const char *)sc + k * sizeof t, sizeof t);
      r->sched[j] = t;
      if (t != SIM_NEVER && t < e->w0)
        return bad(l->r, "self-event of gid %llu before the checkpoint", gid);
      if (t < e->net->t_end)
        sim_engine_push(e, t, e->self_kind, (uint16_t)i, j);
    }
  }
  return 0;
}

static int load_ring(sim_engine *e, const sim_ckpt_load *l, uint32_t i)
{
  const sim_pop *p = &e->net->pops[i];
  const sim_sink *k = &e->pops[i].sink;
  const void *b;
  size_t n;
  int rc = sim_ckpt_get_array(l->r, "entries", sizeof(ring_ent), &b, &n);
  if (rc)
    return rc;
  for (size_t q = 0; q < n; q++) {
    ring_ent x;
    memcpy(&x, (const char *)b + q * sizeof x, sizeof x);
    uint32_t j;
    if (x.rel >= e->nslots)
      return bad(l->r, "ring entry %llu beyond the rings", q);
    if (!sim_ckpt_local(e->net, i, x.gid, &j))
      continue;
    const sim_time t = e->w0 + x.rel;
    for (int port = 0; port < p->model->nports; port++)
      sim_sink_row(k, port, t)[j] = x.v[port];
    uint64_t *bits = sim_sink_bits(k, t);
    bits[j >> 6] |= 1ull << (j & 63);
  }
  return 0;
}

/* A "defer" record of population i: its runs, checked, kept for
   push_defer once every file is read. */
static int load_defer(sim_engine *e, const sim_ckpt_load *l, uint32_t i, uint16_t file)
{
  const sim_net *net = e->net;
  const void *b;
  size_t n;
  int rc = sim_ckpt_get_array(l->r, "entries", sizeof(defer_ent), &b, &n);
  if (rc)
    return rc;
  if (!e->pops[i].sink.defer && n)
    return bad(l->r, "deferred input for population %llu, which takes none", i);
  for (size_t q = 0; q < n; q++) {
    defer_ent x;
    memcpy(&x, (const char *)b + q * sizeof x, sizeof x);
    if (x.rel >= e->nslots || x.proj >= net->nprojs || net->projs[x.proj].tgt != i ||
        !net->projs[x.proj].syn->by_delay || x.d <= x.rel || x.d > net->max_delay)
      return bad(l->r, "deferred run %llu of another network", q);
    const sim_pop *src = &net->pops[net->projs[x.proj].src];
    if (x.pre < src->first_gid || x.pre - src->first_gid >= src->n)
      return bad(l->r, "deferred run %llu: gid not in its source population", q);
    x.file = file;
    if (e->ndl == e->capdl)
      e->dl = sim_realloc(e->dl, (e->capdl = 2 * e->capdl + 64) * sizeof *e->dl,
                          "checkpoint deferred runs");
    e->dl[e->ndl++] = x;
  }
  return 0;
}

/* Position of projection j among its source's outgoing ones: the order
   in which one spike's runs were deferred. */
static uint32_t out_pos(const sim_net *net, uint32_t j)
{
  const sim_pop *src = &net->pops[net->projs[j].src];
  uint32_t k = 0;
  while (k < src->nout && src->out_projs[k] != j)
    k++;
  return k;
}

static const sim_net *sort_net;

/* A slot's runs in the order they were deferred: by emission tick, then
   the spikes' delivery order (gid within a tick), then the projection's
   place among the source's; then by file. */
static int defer_cmp(const void *a, const void *b)
{
  const defer_ent *x = a, *y = b;
  if (x->rel != y->rel)
    return x->rel < y->rel ? -1 : 1;
  if (x->d != y->d) /* emission tick rel - d ascending */
    return x->d > y->d ? -1 : 1;
  if (x->pre != y->pre)
    return x->pre < y->pre ? -1 : 1;
  if (x->proj != y->proj) {
    uint32_t px = out_pos(sort_net, x->proj), py = out_pos(sort_net, y->proj);
    return px < py ? -1 : px > py ? 1 : x->proj < y->proj ? -1 : 1;
  }
  return x->file < y->file ? -1 : x->file > y->file;
}

/* Push the loaded runs that this rank holds, in their original order.
   Every rank that held targets of a run saved it once per spike, so a run
   read from several files counts as often as in the file that has it
   most. */
static void push_defer(sim_engine *e)
{
  const sim_net *net = e->net;
  if (!e->ndl)
    return;
  sort_net = net;
  qsort(e->dl, e->ndl, sizeof *e->dl, defer_cmp);
  for (size_t a = 0; a < e->ndl;) {
    const defer_ent *x = &e->dl[a];
    size_t b = a, most = 0;
    while (b < e->ndl && e->dl[b].rel == x->rel && e->dl[b].d == x->d &&
           e->dl[b].pre == x->pre && e->dl[b].proj == x->proj) {
      size_t c = b;
      while (c < e->ndl && e->dl[c].rel == x->rel && e->dl[c].d == x->d &&
             e->dl[c].pre == x->pre && e->dl[c].proj == x->proj && e->dl[c].file == e->dl[b].file)
        c++;
      if (c - b > most)
        most = c - b;
      b = c;
    }
    const sim_proj *pr = &net->projs[x->proj];
    const sim_syn_table *t = pr->syn;
    const sim_syn_span row = sim_syn_find(t, x->pre - net->pops[pr->src].first_gid);
    const sim_syn_span run = sim_syn_delay_run(t, row.k0, row.k1, x->d);
    if (run.k1 > run.k0)
      for (size_t m = 0; m < most; m++)
        sim_sink_defer(&e->pops[pr->tgt].sink, e->w0 + x->rel, t, run.k0,
                       (uint32_t)(run.k1 - run.k0), pr->port);
    a = b;
  }
  sim_free(e->dl);
  e->dl = NULL;
  e->ndl = e->capdl = 0;
}

static int load_queue(sim_engine *e, const sim_ckpt_load *l)
{
  const void *b;
  size_t n;
  int rc = sim_ckpt_get_array(l->r, "events", sizeof(queue_ent), &b, &n);
  if (rc)
    return rc;
  for (size_t q = 0; q < n; q++) {
    queue_ent x;
    memcpy(&x, (const char *)b + q * sizeof x, sizeof x);
    if (x.pop >= e->net->npops || !e->net->pops[x.pop].source || x.t < e->w0)
      return bad(l->r, "queued event %llu of another network", q);
    void *src = e->pops[x.pop].src;
    if (!src)
      continue; /* the source has nothing on this rank */
    if (e->net->pops[x.pop].source->event_load(src, e, x.t, &x.key) < 0)
      return bad(l->r, "queued event %llu: no such synapse here", q);
  }
  return 0;
}

/* Read one file's records. */
static int load_file(sim_engine *e, const sim_ckpt_load *l, int first, sim_time *pending)
{
  const sim_net *net = e->net;
  sim_ckpt_reader *r = l->r;
  const char *tag;
  uint32_t nf;
  int rc, seen_engine = 0;
  while ((rc = r->ops->next(r->self, &tag, &nf)) == 0) {
    if (!strcmp(tag, "engine")) {
      int64_t t, pu;
      if ((rc = sim_ckpt_get_i64(r, "tick", &t)) || (rc = sim_ckpt_get_i64(r, "pending", &pu)))
        return rc;
      if (first) {
        if (t < 0 || t > net->t_end)
          return bad(r, "tick %llu is past the end of this run", (unsigned long long)t);
        sim_queue_fini(&e->q);
        sim_queue_init(&e->q, e->nslots < 1024 ? 1024 : e->nslots, t);
        e->w0 = e->last_w1 = t;
        for (uint32_t i = 0; i < net->npops; i++)
          if (e->pops[i].sched)
            for (uint32_t j = 0; j < net->pops[i].nlocal; j++)
              e->pops[i].sched[j] = SIM_NEVER;
      } else if (t != e->w0) {
        return bad(r, "tick %llu differs from the other ranks' files", (unsigned long long)t);
      }
      if (pu > *pending)
        *pending = pu;
      seen_engine = 1;
      continue;
    }
    if (!seen_engine)
      return bad(r, "the first record is not the engine's (%llu)", 0);
    if (!strcmp(tag, "stats")) {
      rc = load_stats(e, l);
    } else if (!strcmp(tag, "queue")) {
      rc = load_queue(e, l);
    } else {
      uint64_t idx;
      if ((rc = sim_ckpt_get_u64(r, "index", &idx)))
        return rc;
      if (!strcmp(tag, "neurons") || !strcmp(tag, "ring") || !strcmp(tag, "defer")) {
        if (idx >= net->npops || !net->pops[idx].model)
          return bad(r, "no neuron population %llu in this network", idx);
        rc = tag[0] == 'n'   ? load_neurons(e, l, (uint32_t)idx)
             : tag[0] == 'r' ? load_ring(e, l, (uint32_t)idx)
                             : load_defer(e, l, (uint32_t)idx, l->file);
      } else if (!strcmp(tag, "source")) {
        if (idx >= net->npops || !net->pops[idx].source || !net->pops[idx].source->load)
          return bad(r, "no source population %llu of this kind in this network", idx);
        if (e->pops[idx].src)
          rc = net->pops[idx].source->load(e->pops[idx].src, e, l);
      } else if (!strcmp(tag, "records")) {
        rc = sim_records_load(e->extra, l, (uint32_t)idx);
      } else if (!strcmp(tag, "proj")) {
        if (idx >= net->nprojs || !net->projs[idx].kind->load)
          return bad(r, "no plastic projection %llu in this network", idx);
        rc = net->projs[idx].kind->load(net->projs[idx].self, net, (uint32_t)idx, l);
      } else {
        return sim_ckpt_bad(r, "unknown record");
      }
    }
    if (rc)
      return rc;
  }
  return rc < 0 ? rc : 0;
}

int sim_engine_load(sim_engine *e, sim_ckpt_reader *const *files, uint32_t nfiles)
{
  const sim_net *net = e->net;
  int rc = sim_engine_ckpt_check(net);
  if (rc)
    return rc;
  if (e->w0 != 0 || e->st->windows)
    return sim_error_set(SIM_EINVAL, "checkpoint: load into an engine that has run");
  sim_time pending = -1;
  for (uint32_t f = 0; f < nfiles; f++) {
    sim_ckpt_reader *r = files[f];
    const int same_count = r->nranks == e->nranks;
    sim_ckpt_load l = {.r = r,
                       .same = same_count && r->rank == e->rank,
                       .counters = same_count ? r->rank == e->rank : e->rank == 0};
    l.file = (uint16_t)f;
    rc = load_file(e, &l, f == 0, &pending);
    if (rc) {
      sim_free(e->dl);
      e->dl = NULL;
      e->ndl = e->capdl = 0;
      return rc;
    }
  }
  push_defer(e);
  e->pending_until = pending;
  for (uint32_t i = 0; i < net->npops; i++)
    if (e->pops[i].src && net->pops[i].source->resume)
      net->pops[i].source->resume(e->pops[i].src, e, e->w0);
  return 0;
}
