/*
 * net_connect.c: connection rules -> rank-local CSR synapse tables.
 * Two passes over the same streams: the first counts synapses per source,
 * the second fills them in place, so no temporary list of all pairs is
 * ever held (peak memory = the final table).
 */
#include "net_connect.h"

#include <math.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"
#include "../core/sim_rng.h"

int64_t net_delay_ticks(double delay_ms, double resolution_ms)
{
  double t = nearbyint(delay_ms / resolution_ms);
  /* Saturate: converting a double >= 2^63 (a delay of 1e18 ms) is
     undefined and gave a negative tick count that passed every check. */
  if (!(t < 9.2e18))
    return INT64_MAX;
  return t < 1 ? 1 : (int64_t)t;
}

/* Everything one pass needs (the rule sees the net_conn part). */
typedef struct conn_ctx {
  net_conn rc;       /* the rule's view; rc.pass points back here */
  const net_desc *desc;
  const net_proj_desc *pd;
  const net_pop_desc *src, *tgt;
  uint32_t proj;     /* projection index: sub-key of the streams */
  const net_part *part;
  int fill;          /* 0: count pass, 1: fill pass */
  net_syn_table *t;
  uint64_t *cursor;  /* fill pass: next free slot per source */
  /* The draw under way: target-keyed rules give sources of target j
     (local index) and source-keyed ones targets of source s; wr and dr are
     that gid's weight and delay streams. */
  uint32_t j, s;
  sim_rng wr, dr;
  int err;
} conn_ctx;

static int w_is_const(const net_proj_desc *pd) { return pd->weight.kind == NET_DIST_CONST; }
static int d_is_const(const net_proj_desc *pd) { return pd->delay_ms.kind == NET_DIST_CONST; }

/* from_list: the list's connections grouped by target, in list order
   (a counting sort), into c->rc.list_off / list_idx (owned by c). */
static void group_list(conn_ctx *c)
{
  const net_proj_desc *pd = c->pd;
  const uint32_t nt = c->tgt->n;
  uint64_t *off = sim_calloc((size_t)nt + 2, sizeof *off, "connection list");
  uint64_t *idx = sim_malloc((size_t)pd->nlist * sizeof *idx + 8, "connection list");
  for (uint64_t k = 0; k < pd->nlist; k++)
    off[pd->list_post[k] + 2]++;
  for (uint32_t t = 0; t < nt; t++)
    off[t + 2] += off[t + 1];
  for (uint64_t k = 0; k < pd->nlist; k++)
    idx[off[pd->list_post[k] + 1]++] = k;
  c->rc.list_off = off;
  c->rc.list_idx = idx;
  c->rc.list_pre = pd->list_pre;
}

/* Record synapse source offset s -> local target index j. */
static void emit(conn_ctx *c, uint32_t s, uint32_t j, double w, int64_t d)
{
  net_syn_table *t = c->t;
  if (!c->fill) {
    t->off[s + 1]++;
    return;
  }
  uint64_t k = c->cursor[s]++;
  t->tgt[k] = j;
  if (t->w)
    t->w[k] = (float)w;
  if (t->d)
    t->d[k] = (uint16_t)d;
  if ((uint16_t)d < t->d_min)
    t->d_min = (uint16_t)d;
  if ((uint16_t)d > t->d_max)
    t->d_max = (uint16_t)d;
}

/* A delay above the largest the tables hold is an error of the run. */
static inline void check_delay(conn_ctx *c, double dm, int64_t dt)
{
  if (dt > NET_MAX_DELAY_TICKS && !c->err)
    c->err = sim_error_set(SIM_ERANGE,
                           "%s:%d: [projection %s] delay: a drawn delay of %g ms is "
                           "above the largest supported (%d ticks); bound the "
                           "distribution",
                           c->desc->file, c->pd->line, c->pd->name, dm,
                           NET_MAX_DELAY_TICKS);
}

/* Draw weight and delay for one synapse (fill pass only): the streams
   advance once per synapse drawn, local or not. */
static void draw_wd(conn_ctx *c, double *w, int64_t *d)
{
  const net_proj_desc *pd = c->pd;
  *w = w_is_const(pd) ? pd->weight.a : net_dist_draw(&pd->weight, &c->wr);
  double dm = d_is_const(pd) ? pd->delay_ms.a : net_dist_draw(&pd->delay_ms, &c->dr);
  *d = net_delay_ticks(dm, c->desc->sim.resolution_ms);
  check_delay(c, dm, *d);
}

/* The same for connection c->rc.cur of a from_list projection: its own
   weight and delay where the list has them.  A function of its own, so
   that the draws of every other rule test nothing more per synapse. */
static void list_wd(conn_ctx *c, double *w, int64_t *d)
{
  const net_proj_desc *pd = c->pd;
  const uint64_t k = c->rc.cur;
  *w = pd->list_w ? pd->list_w[k] : w_is_const(pd) ? pd->weight.a
                                                   : net_dist_draw(&pd->weight, &c->wr);
  double dm = pd->list_d     ? pd->list_d[k]
              : d_is_const(pd) ? pd->delay_ms.a
                               : net_dist_draw(&pd->delay_ms, &c->dr);
  *d = net_delay_ticks(dm, c->desc->sim.resolution_ms);
  check_delay(c, dm, *d);
}

void net_conn_emit_list(net_conn *rc, uint32_t s)
{
  conn_ctx *c = rc->pass;
  double w = 0;
  int64_t d = 0;
  if (c->fill)
    list_wd(c, &w, &d);
  emit(c, s, c->j, w, d);
}

void net_conn_emit_source(net_conn *rc, uint32_t s)
{
  conn_ctx *c = rc->pass;
  double w = 0;
  int64_t d = 0;
  if (c->fill)
    draw_wd(c, &w, &d);
  emit(c, s, c->j, w, d);
}

void net_conn_emit_target(net_conn *rc, uint32_t to)
{
  conn_ctx *c = rc->pass;
  double w = 0;
  int64_t d = 0;
  if (c->fill)
    draw_wd(c, &w, &d); /* drawn for every synapse, local or not: the stream
                           is rank-independent */
  const uint32_t nt = c->tgt->n;
  sim_gid tg = c->tgt->first_gid + to;
  if (net_part_owner(c->part, c->tgt->first_gid, nt, tg) == c->part->rank)
    emit(c, c->s, net_part_index(c->part, c->tgt->first_gid, nt, tg), w, d);
}

/* net_conn.owns: target offset `to` lives on this rank. */
static int owns_target(const net_conn *rc, uint32_t to)
{
  const conn_ctx *c = rc->pass;
  return net_part_owner(c->part, c->tgt->first_gid, c->tgt->n, c->tgt->first_gid + to) ==
         c->part->rank;
}

/* Streams of gid g for this projection: connectivity, weights, delays. */
static void streams(conn_ctx *c, sim_gid g, sim_rng *cr)
{
  const uint64_t seed = c->desc->sim.seed;
  sim_rng_stream(cr, seed, g, SIM_RNG_CONNECT, c->proj);
  sim_rng_stream(&c->wr, seed, g, SIM_RNG_WEIGHT, c->proj);
  sim_rng_stream(&c->dr, seed, g, SIM_RNG_DELAY, c->proj);
}

static void run_pass(conn_ctx *c)
{
  const net_rule_ops *rule = c->pd->rule;
  sim_rng cr;
  if (rule->source) {
    /* Source-keyed: each source draws its targets; keep the local ones. */
    for (uint32_t s = 0; s < c->src->n; s++) {
      c->s = s;
      streams(c, c->src->first_gid + s, &cr);
      rule->source(&c->rc, &cr, s);
    }
    return;
  }
  uint32_t nloc = net_part_nlocal(c->part, c->tgt->first_gid, c->tgt->n);
  for (uint32_t j = 0; j < nloc; j++) {
    sim_gid tg = net_part_gid(c->part, c->tgt->first_gid, c->tgt->n, j);
    c->j = c->rc.jlocal = j;
    streams(c, tg, &cr);
    rule->target(&c->rc, &cr, tg - c->tgt->first_gid);
  }
}

/* Source-keyed rules fill each source's list in draw order; sort it by
   target (stable: a target's synapses from one source keep their order),
   so that every list is target-ordered whatever the rule. */
static void sort_by_target(net_syn_table *t)
{
  for (uint32_t s = 0; s < t->src_n; s++)
    for (uint64_t k = t->off[s] + 1; k < t->off[s + 1]; k++) {
      uint32_t tg = t->tgt[k];
      float w = t->w ? t->w[k] : 0;
      uint16_t d = t->d ? t->d[k] : 0;
      uint64_t m = k;
      while (m > t->off[s] && t->tgt[m - 1] > tg) {
        t->tgt[m] = t->tgt[m - 1];
        if (t->w)
          t->w[m] = t->w[m - 1];
        if (t->d)
          t->d[m] = t->d[m - 1];
        m--;
      }
      t->tgt[m] = tg;
      if (t->w)
        t->w[m] = w;
      if (t->d)
        t->d[m] = d;
    }
}

int net_connect(const net_desc *desc, uint32_t proj_index, const net_part *part,
                net_syn_table *out)
{
  const net_proj_desc *pd = &desc->projs[proj_index];
  conn_ctx c = {
      .desc = desc,
      .pd = pd,
      .src = &desc->pops[pd->src],
      .tgt = &desc->pops[pd->tgt],
      .proj = proj_index,
      .part = part,
      .t = out,
  };
  c.rc = (net_conn){.nsrc = c.src->n, .ntgt = c.tgt->n, .same = c.src == c.tgt,
                    .autapses = pd->autapses, .multapses = pd->multapses,
                    .degree = pd->degree, .p = pd->p, .total = pd->total,
                    .seed = desc->sim.seed, .tgt_gid0 = c.tgt->first_gid,
                    .proj = proj_index, .pass = &c, .owns = owns_target,
                    .nlocal = net_part_nlocal(part, c.tgt->first_gid, c.tgt->n)};
  if (pd->nlist)
    group_list(&c);
  const int by_source = pd->rule->source != NULL;
  memset(out, 0, sizeof *out);
  out->src_n = out->nrows = c.src->n;
  /* Dense while drawing (one projection at a time: a transient of 8 B per
     source); compacted to the rows this rank holds at the end. */
  out->off = sim_calloc((size_t)c.src->n + 1, sizeof *out->off, "synapse offsets");
  const uint32_t nseen = by_source ? c.tgt->n : c.src->n;
  if (!pd->multapses)
    c.rc.seen = sim_calloc(nseen + 1, sizeof *c.rc.seen, "sampling marks");
  if (pd->rule->prepare && pd->rule->prepare(&c.rc)) {
    sim_free(c.rc.count);
    sim_free(c.rc.seen);
    sim_free(out->off);
    memset(out, 0, sizeof *out);
    return sim_error_set(SIM_ERANGE,
                         "%s:%d: [projection %s] %s: more than 2^32 synapses "
                         "onto one target", desc->file, pd->line, pd->name,
                         pd->rule->name);
  }
  /* Pass 1: count synapses per source. */
  run_pass(&c);
  for (uint32_t s = 0; s < c.src->n; s++)
    out->off[s + 1] += out->off[s];
  out->nsyn = out->off[c.src->n];
  /* Pass 2: the same draws again, filling in place. */
  out->tgt = sim_malloc(out->nsyn * sizeof *out->tgt, "synapse targets");
  if (!w_is_const(pd) || pd->list_w)
    out->w = sim_malloc(out->nsyn * sizeof *out->w, "synapse weights");
  else
    out->w_const = pd->weight.a;
  if (!d_is_const(pd) || pd->list_d)
    out->d = sim_malloc(out->nsyn * sizeof *out->d, "synapse delays");
  int64_t dc = net_delay_ticks(pd->delay_ms.a, desc->sim.resolution_ms);
  out->d_const = (uint16_t)(dc > NET_MAX_DELAY_TICKS ? NET_MAX_DELAY_TICKS : dc);
  out->d_min = UINT16_MAX;
  out->d_max = 0;
  c.cursor = sim_malloc((size_t)c.src->n * sizeof *c.cursor, "synapse cursors");
  memcpy(c.cursor, out->off, (size_t)c.src->n * sizeof *c.cursor);
  c.fill = 1;
  c.rc.stamp = 0;
  if (c.rc.seen)
    memset(c.rc.seen, 0, nseen * sizeof *c.rc.seen);
  run_pass(&c);
  sim_free(c.cursor);
  sim_free(c.rc.seen);
  sim_free(c.rc.count);
  sim_free((void *)c.rc.list_off);
  sim_free((void *)c.rc.list_idx);
  if (by_source)
    sort_by_target(out);
  sim_syn_table_compact(out);
  if (out->nsyn == 0 || !out->d)
    out->d_min = out->d_max = out->d_const;
  if (c.err) {
    sim_syn_table_fini(out);
    return c.err;
  }
  return 0;
}

