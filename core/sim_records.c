/*
 * sim_records.c: weight snapshots, device writes and energy deltas for the
 * recorders (see sim_records.h).
 */
#include "sim_records.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim_alloc.h"
#include "sim_rng.h"

/* Baseline of one energy record: the cumulative counters at its last call. */
typedef struct energy_base {
  sim_syn_counters *pc; /* per projection */
  uint64_t *pev;        /* per projection: synaptic events */
  uint64_t *pup, *psp;  /* per population: updates, spikes */
  uint64_t sent, bytes; /* transport */
} energy_base;

/* One record of the kinds handled here that a recorder takes. */
typedef struct rec_rt {
  uint32_t k;        /* index into net recs */
  sim_time next_due; /* weights, energy: first window end that is due */
  energy_base base;  /* energy */
  /* weights with sample < 1: the sampled CSR entries and their gids,
     chosen at the first snapshot (the tables do not change) */
  int chosen;
  uint64_t *ks;      /* owned */
  sim_gid *pre, *post; /* owned */
  uint32_t nk;
} rec_rt;

/* A device write with its place in the journal, for a stable sort. */
typedef struct dev_ent {
  sim_rec_write w;
  uint32_t occ;
} dev_ent;

/* A projection's device writes of the window, resolved. */
typedef struct proj_writes {
  int on;            /* journal turned on here */
  dev_ent *ent;      /* owned scratch */
  sim_rec_write *w;  /* owned: sorted writes of the window */
  uint32_t n, cap;
} proj_writes;

struct sim_records {
  const sim_net *net;
  const sim_recorder *recs;
  uint32_t nrecs;
  rec_rt *r;
  uint32_t nr;
  proj_writes *pw;   /* nprojs, or NULL without devices records */
  sim_energy_row *rows;
  /* weight snapshot scratch */
  sim_gid *pre, *post;
  double *w, *g;
  size_t capw;
};

double sim_records_sample_u(uint64_t seed, uint32_t rec, sim_gid pre, sim_gid post,
                            uint32_t ordinal)
{
  return sim_hash_u01(sim_hash4(seed, rec, pre, (uint64_t)post * 65536 + ordinal));
}

/* Does some recorder take records of kind? */
static int taken(const sim_recorder *recs, uint32_t n, sim_rec_kind kind)
{
  for (uint32_t m = 0; m < n; m++) {
    const sim_recorder_ops *o = recs[m].ops;
    if ((kind == SIM_REC_WEIGHTS && o->weights) || (kind == SIM_REC_DEVICES && o->devices) ||
        (kind == SIM_REC_ENERGY && o->energy))
      return 1;
  }
  return 0;
}

sim_records *sim_records_start(const sim_net *net, const sim_recorder *recs, uint32_t nrecs)
{
  uint32_t nr = 0;
  for (uint32_t k = 0; k < net->nrecs; k++) {
    sim_rec_kind kd = net->recs[k].kind;
    if ((kd == SIM_REC_WEIGHTS || kd == SIM_REC_DEVICES || kd == SIM_REC_ENERGY) &&
        taken(recs, nrecs, kd))
      nr++;
  }
  if (!nr)
    return NULL;
  sim_records *x = sim_calloc(1, sizeof *x, "record producers");
  x->net = net;
  x->recs = recs;
  x->nrecs = nrecs;
  x->r = sim_calloc(nr, sizeof *x->r, "record producers");
  for (uint32_t k = 0; k < net->nrecs; k++) {
    const sim_rec *rd = &net->recs[k];
    if ((rd->kind != SIM_REC_WEIGHTS && rd->kind != SIM_REC_DEVICES &&
         rd->kind != SIM_REC_ENERGY) ||
        !taken(recs, nrecs, rd->kind))
      continue;
    rec_rt *r = &x->r[x->nr++];
    r->k = k;
    if (rd->kind == SIM_REC_ENERGY) {
      r->next_due = rd->every;
      r->base.pc = sim_calloc(net->nprojs + 1, sizeof *r->base.pc, "energy baseline");
      r->base.pev = sim_calloc(net->nprojs + 1, sizeof *r->base.pev, "energy baseline");
      r->base.pup = sim_calloc(net->npops + 1, sizeof *r->base.pup, "energy baseline");
      r->base.psp = sim_calloc(net->npops + 1, sizeof *r->base.psp, "energy baseline");
      /* Kinds' counters are the projection's, not the run's: start from
         where they are (a network run again). */
      for (uint32_t j = 0; j < net->nprojs; j++)
        if (net->projs[j].kind->counters)
          net->projs[j].kind->counters(net->projs[j].self, &r->base.pc[j]);
      if (!x->rows)
        x->rows = sim_calloc(net->nprojs + net->npops + 1, sizeof *x->rows, "energy rows");
    } else if (rd->kind == SIM_REC_DEVICES && rd->proj < net->nprojs) {
      if (!x->pw)
        x->pw = sim_calloc(net->nprojs + 1, sizeof *x->pw, "device write lists");
      const sim_proj *pr = &net->projs[rd->proj];
      if (!x->pw[rd->proj].on && pr->kind->journal && pr->kind->writes) {
        pr->kind->journal(pr->self, 1);
        x->pw[rd->proj].on = 1;
      }
    }
  }
  return x;
}

void sim_records_stop(sim_records *x)
{
  if (!x)
    return;
  const sim_net *net = x->net;
  if (x->pw)
    for (uint32_t j = 0; j < net->nprojs; j++) {
      if (x->pw[j].on)
        net->projs[j].kind->journal(net->projs[j].self, 0);
      sim_free(x->pw[j].ent);
      sim_free(x->pw[j].w);
    }
  for (uint32_t i = 0; i < x->nr; i++) {
    sim_free(x->r[i].base.pc);
    sim_free(x->r[i].base.pev);
    sim_free(x->r[i].base.pup);
    sim_free(x->r[i].base.psp);
    sim_free(x->r[i].ks);
    sim_free(x->r[i].pre);
    sim_free(x->r[i].post);
  }
  sim_free(x->pw);
  sim_free(x->r);
  sim_free(x->rows);
  sim_free(x->pre);
  sim_free(x->post);
  sim_free(x->w);
  sim_free(x->g);
  sim_free(x);
}

/* ------------------------------------------------------------------ */
/* Device writes                                                        */

static int cmp_dev(const void *a, const void *b)
{
  const dev_ent *x = a, *y = b;
  if (x->w.t != y->w.t)
    return x->w.t < y->w.t ? -1 : 1;
  if (x->w.pre != y->w.pre)
    return x->w.pre < y->w.pre ? -1 : 1;
  if (x->w.post != y->w.post)
    return x->w.post < y->w.post ? -1 : 1;
  return x->occ < y->occ ? -1 : x->occ > y->occ;
}

/* Drain projection j's journal into x->pw[j] (resolved, sorted). */
static void drain(sim_records *x, uint32_t j)
{
  const sim_net *net = x->net;
  const sim_proj *pr = &net->projs[j];
  proj_writes *pw = &x->pw[j];
  const sim_syn_write *wr = NULL;
  uint32_t n = pr->kind->writes(pr->self, &wr);
  pw->n = n;
  if (!n)
    return;
  if (n > pw->cap) {
    pw->cap = n + n / 2 + 16;
    pw->ent = sim_realloc(pw->ent, pw->cap * sizeof *pw->ent, "device writes");
    pw->w = sim_realloc(pw->w, pw->cap * sizeof *pw->w, "device writes");
  }
  const sim_gid first = net->pops[pr->src].first_gid;
  const sim_gid *tg = net->pops[pr->tgt].gid;
  int sorted = 1;
  for (uint32_t i = 0; i < n; i++) {
    pw->ent[i] = (dev_ent){{wr[i].t, first + wr[i].s, tg[wr[i].j], wr[i].pulses, wr[i].g}, i};
    if (i && cmp_dev(&pw->ent[i - 1], &pw->ent[i]) > 0)
      sorted = 0;
  }
  if (!sorted)
    qsort(pw->ent, n, sizeof *pw->ent, cmp_dev);
  for (uint32_t i = 0; i < n; i++)
    pw->w[i] = pw->ent[i].w;
}

/* ------------------------------------------------------------------ */
/* Energy                                                               */

static uint32_t energy_rows(sim_records *x, energy_base *b, const sim_stats *st)
{
  const sim_net *net = x->net;
  uint32_t n = 0;
  for (uint32_t j = 0; j < net->nprojs; j++) {
    const sim_proj *pr = &net->projs[j];
    sim_syn_counters c = {0};
    if (pr->kind->counters)
      pr->kind->counters(pr->self, &c);
    uint64_t ev = (st->proj_events ? st->proj_events[j] : 0) +
                  (st->proj_ext ? st->proj_ext[j] : 0);
    sim_energy_row row = {j,
                          c.reads - b->pc[j].reads,
                          c.pulses - b->pc[j].pulses,
                          c.updates - b->pc[j].updates,
                          ev - b->pev[j],
                          c.read_pj - b->pc[j].read_pj,
                          c.write_pj - b->pc[j].write_pj};
    b->pc[j] = c;
    b->pev[j] = ev;
    if (row.reads || row.pulses || row.updates || row.spikes || row.read_pj != 0 ||
        row.write_pj != 0)
      x->rows[n++] = row;
  }
  for (uint32_t p = 0; p < net->npops; p++) {
    uint64_t up = st->pop_updates ? st->pop_updates[p] : 0, sp = st->spikes[p];
    sim_energy_row row = {net->nprojs + p, 0, 0, up - b->pup[p], sp - b->psp[p], 0, 0};
    b->pup[p] = up;
    b->psp[p] = sp;
    if (row.updates || row.spikes)
      x->rows[n++] = row;
  }
  sim_energy_row row = {net->nprojs + net->npops, st->bytes_sent - b->bytes,
                        0, 0, st->spikes_sent - b->sent, 0, 0};
  b->bytes = st->bytes_sent;
  b->sent = st->spikes_sent;
  if (row.reads || row.spikes)
    x->rows[n++] = row;
  return n;
}

/* ------------------------------------------------------------------ */
/* Weight snapshots                                                     */

static void ensure_w(sim_records *x, size_t n, int gids)
{
  if (n > x->capw) {
    x->capw = n + n / 2 + 64;
    x->w = sim_realloc(x->w, x->capw * sizeof *x->w, "weight snapshot");
    x->g = sim_realloc(x->g, x->capw * sizeof *x->g, "weight snapshot");
    sim_free(x->pre);
    sim_free(x->post);
    x->pre = x->post = NULL;
  }
  if (gids && !x->pre) {
    x->pre = sim_malloc(x->capw * sizeof *x->pre, "weight snapshot");
    x->post = sim_malloc(x->capw * sizeof *x->post, "weight snapshot");
  }
}

/* Weight and conductance of CSR entry q of pr at tick t into x->w/g[n];
   returns 1 when it is a device. */
static inline int read_w(sim_records *x, const sim_proj *pr, uint64_t q, sim_time t, uint32_t n)
{
  const sim_syn_table *tab = pr->syn;
  double g = NAN;
  x->w[n] = pr->kind->weight ? pr->kind->weight(pr->self, tab, q, t, &g)
            : tab->w         ? (double)tab->w[q]
                             : tab->w_const;
  x->g[n] = g;
  return !isnan(g);
}

/* The sampled entries of record r, in CSR order (sources in order, each
   source's entries in order: that is (pre, post, ordinal) order). */
static void choose(sim_records *x, rec_rt *r)
{
  const sim_net *net = x->net;
  const sim_rec *rd = &net->recs[r->k];
  const sim_proj *pr = &net->projs[rd->proj];
  const sim_syn_table *tab = pr->syn;
  const sim_gid first = net->pops[pr->src].first_gid;
  const sim_gid *tg = net->pops[pr->tgt].gid;
  uint32_t cap = 0;
  r->chosen = 1;
  for (uint32_t row = 0; row < tab->nrows; row++) {
    const uint32_t s = sim_syn_row_source(tab, row);
    const uint64_t k0 = tab->off[row], k1 = tab->off[row + 1];
    uint32_t ord = 0;
    for (uint64_t q = k0; q < k1; q++) {
      ord = q > k0 && tab->tgt[q] == tab->tgt[q - 1] ? ord + 1 : 0;
      const sim_gid pre = first + s, post = tg[tab->tgt[q]];
      if (!(sim_records_sample_u(net->seed, r->k, pre, post, ord) < rd->sample))
        continue;
      if (r->nk == cap) {
        cap = cap ? 2 * cap : 1024;
        r->ks = sim_realloc(r->ks, (size_t)cap * sizeof *r->ks, "weight sample");
        r->pre = sim_realloc(r->pre, (size_t)cap * sizeof *r->pre, "weight sample");
        r->post = sim_realloc(r->post, (size_t)cap * sizeof *r->post, "weight sample");
      }
      r->ks[r->nk] = q;
      r->pre[r->nk] = pre;
      r->post[r->nk++] = post;
    }
  }
}

/* Snapshot of record r at tick t: weights into x->w/g, gids in *pre,
   *post; returns the count, *has_g: some synapse is a device. */
static uint32_t snapshot(sim_records *x, rec_rt *r, sim_time t, int *has_g,
                         const sim_gid **pre, const sim_gid **post)
{
  const sim_net *net = x->net;
  const sim_rec *rd = &net->recs[r->k];
  *has_g = 0;
  *pre = *post = NULL;
  if (rd->proj >= net->nprojs)
    return 0;
  const sim_proj *pr = &net->projs[rd->proj];
  const sim_syn_table *tab = pr->syn;
  if (!tab || !tab->off)
    return 0; /* shared kernels: no table to walk */
  if (rd->sample < 1.0) {
    if (!r->chosen)
      choose(x, r);
    ensure_w(x, (size_t)r->nk + 1, 0);
    for (uint32_t i = 0; i < r->nk; i++)
      *has_g |= read_w(x, pr, r->ks[i], t, i);
    *pre = r->pre;
    *post = r->post;
    return r->nk;
  }
  /* All of them: walked each time (keeping gids for every synapse between
     snapshots would cost more than the walk). */
  ensure_w(x, (size_t)tab->nsyn + 1, 1);
  const sim_gid first = net->pops[pr->src].first_gid;
  const sim_gid *tg = net->pops[pr->tgt].gid;
  uint32_t n = 0;
  for (uint32_t row = 0; row < tab->nrows; row++)
    for (uint64_t q = tab->off[row]; q < tab->off[row + 1]; q++, n++) {
      x->pre[n] = first + sim_syn_row_source(tab, row);
      x->post[n] = tg[tab->tgt[q]];
      *has_g |= read_w(x, pr, q, t, n);
    }
  *pre = x->pre;
  *post = x->post;
  return n;
}

/* ------------------------------------------------------------------ */
/* The window end                                                       */

void sim_records_window(sim_records *x, const sim_stats *st, sim_time w1, int last)
{
  const sim_net *net = x->net;
  if (x->pw)
    for (uint32_t j = 0; j < net->nprojs; j++)
      if (x->pw[j].on)
        drain(x, j);
  for (uint32_t i = 0; i < x->nr; i++) {
    rec_rt *r = &x->r[i];
    const sim_rec *rd = &net->recs[r->k];
    switch (rd->kind) {
    case SIM_REC_DEVICES: {
      const proj_writes *pw = x->pw ? &x->pw[rd->proj] : NULL;
      if (!pw || !pw->n)
        break;
      for (uint32_t m = 0; m < x->nrecs; m++)
        if (x->recs[m].ops->devices)
          x->recs[m].ops->devices(x->recs[m].self, r->k, rd->proj, w1, pw->w, pw->n);
      break;
    }
    case SIM_REC_ENERGY: {
      if (rd->every > 0 && w1 < r->next_due && !last)
        break;
      if (rd->every > 0)
        r->next_due = (w1 / rd->every + 1) * rd->every;
      uint32_t n = energy_rows(x, &r->base, st);
      if (!n)
        break;
      for (uint32_t m = 0; m < x->nrecs; m++)
        if (x->recs[m].ops->energy)
          x->recs[m].ops->energy(x->recs[m].self, w1, x->rows, n);
      break;
    }
    case SIM_REC_WEIGHTS: {
      if (w1 < r->next_due)
        break;
      sim_time every = rd->every > 0 ? rd->every : 1;
      r->next_due = (w1 / every + 1) * every;
      int has_g = 0;
      const sim_gid *pre, *post;
      uint32_t n = snapshot(x, r, w1, &has_g, &pre, &post);
      for (uint32_t m = 0; m < x->nrecs; m++)
        if (x->recs[m].ops->weights)
          x->recs[m].ops->weights(x->recs[m].self, r->k, w1, pre, post, x->w,
                                  has_g ? x->g : NULL, n);
      break;
    }
    default:
      break;
    }
  }
}

int sim_records_flush_energy(sim_records *x, const sim_stats *st, sim_time t)
{
  int any = 0;
  for (uint32_t i = 0; i < x->nr; i++) {
    rec_rt *r = &x->r[i];
    if (x->net->recs[r->k].kind != SIM_REC_ENERGY)
      continue;
    uint32_t n = energy_rows(x, &r->base, st);
    if (!n)
      continue;
    any = 1;
    for (uint32_t m = 0; m < x->nrecs; m++)
      if (x->recs[m].ops->energy)
        x->recs[m].ops->energy(x->recs[m].self, t, x->rows, n);
  }
  return any;
}

sim_time sim_records_next(const sim_records *x, sim_time w0)
{
  sim_time next = SIM_NEVER;
  for (uint32_t i = 0; i < x->nr; i++) {
    const rec_rt *r = &x->r[i];
    if (x->net->recs[r->k].kind != SIM_REC_WEIGHTS)
      continue;
    /* Due at the end of the window holding tick next_due - 1. */
    sim_time t = r->next_due > w0 ? r->next_due - 1 : w0;
    if (t < next)
      next = t;
  }
  return next;
}

/* ------------------------------------------------------------------ */
/* Checkpoints (docs/checkpoint-format.md): per record, when it is next
   due and (energy) the baseline of its deltas.                         */

void sim_records_save(const sim_records *x, const sim_ckpt_writer *w)
{
  if (!x)
    return;
  const sim_net *net = x->net;
  for (uint32_t i = 0; i < x->nr; i++) {
    const rec_rt *r = &x->r[i];
    const int en = r->base.pc != NULL;
    sim_ckpt_rec(w, "records", 8);
    sim_ckpt_u64(w, r->k);
    sim_ckpt_i64(w, r->next_due);
    sim_ckpt_bin(w, r->base.pc, en ? net->nprojs * sizeof *r->base.pc : 0);
    sim_ckpt_bin(w, r->base.pev, en ? net->nprojs * sizeof *r->base.pev : 0);
    sim_ckpt_bin(w, r->base.pup, en ? net->npops * sizeof *r->base.pup : 0);
    sim_ckpt_bin(w, r->base.psp, en ? net->npops * sizeof *r->base.psp : 0);
    sim_ckpt_u64(w, r->base.sent);
    sim_ckpt_u64(w, r->base.bytes);
  }
}

int sim_records_load(sim_records *x, const sim_ckpt_load *l, uint32_t k)
{
  rec_rt *r = NULL;
  for (uint32_t i = 0; x && i < x->nr; i++)
    if (x->r[i].k == k)
      r = &x->r[i];
  if (!r)
    return sim_ckpt_bad(l->r, "a record this run does not produce");
  const sim_net *net = x->net;
  sim_ckpt_reader *rd = l->r;
  int64_t due;
  const void *p[4];
  size_t n[4];
  uint64_t sent, bytes;
  int rc = sim_ckpt_get_i64(rd, "next_due", &due);
  if (!rc)
    rc = sim_ckpt_get_array(rd, "projections", sizeof(sim_syn_counters), &p[0], &n[0]);
  if (!rc)
    rc = sim_ckpt_get_array(rd, "events", sizeof(uint64_t), &p[1], &n[1]);
  if (!rc)
    rc = sim_ckpt_get_array(rd, "updates", sizeof(uint64_t), &p[2], &n[2]);
  if (!rc)
    rc = sim_ckpt_get_array(rd, "spikes", sizeof(uint64_t), &p[3], &n[3]);
  if (!rc)
    rc = sim_ckpt_get_u64(rd, "sent", &sent);
  if (!rc)
    rc = sim_ckpt_get_u64(rd, "bytes", &bytes);
  if (rc)
    return rc;
  r->next_due = due; /* the same on every rank */
  const int en = r->base.pc != NULL;
  if (n[0] != (en ? net->nprojs : 0) || n[1] != n[0] || n[2] != (en ? net->npops : 0) ||
      n[3] != n[2])
    return sim_ckpt_bad(rd, "an energy baseline of another network");
  if (!en || !l->counters)
    return 0;
  for (uint32_t j = 0; j < net->nprojs; j++) {
    sim_syn_counters c;
    uint64_t v;
    memcpy(&c, (const char *)p[0] + j * sizeof c, sizeof c);
    memcpy(&v, (const char *)p[1] + j * sizeof v, sizeof v);
    sim_syn_counters *b = &r->base.pc[j];
    b->reads += c.reads;
    b->pulses += c.pulses;
    b->updates += c.updates;
    b->read_pj += c.read_pj;
    b->write_pj += c.write_pj;
    r->base.pev[j] += v;
  }
  for (uint32_t i = 0; i < net->npops; i++) {
    uint64_t u, s;
    memcpy(&u, (const char *)p[2] + i * sizeof u, sizeof u);
    memcpy(&s, (const char *)p[3] + i * sizeof s, sizeof s);
    r->base.pup[i] += u;
    r->base.psp[i] += s;
  }
  r->base.sent += sent;
  r->base.bytes += bytes;
  return 0;
}
