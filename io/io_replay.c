/*
 * io_replay.c: merge the event logs of one run into one stream, narrowed
 * by a filter (populations, local ids, time window).
 *
 * Owns one reader per file and a binary heap of the files by the key of
 * their next row: (tick, gid) for spikes, (tick, recorder, gid) for
 * samples.  Each file's rows of either kind come in key order (spike
 * blocks sorted and in window order; samples by tick, then recorder, then
 * ascending gid), so a heap over the files' head rows yields the merged
 * order.  A file's cursor reads ahead to its next record of the kind as
 * soon as the current one is used up, so a file that has no more rows is
 * known to have ended (and its complete tick known) before any later row
 * is emitted: that makes the cut at the common end exact.  The window's
 * end works the same way: once the head row is at or after it, every
 * file still open has its complete tick beyond it.
 */
#include "io_replay.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"
#include "io_replay_seg.h"

const char *const io_replay_kind_names[] = {"spikes", "samples", "weights", "devices",
                                            "energy", NULL};

typedef struct cursor {
  io_log_reader *rd;      /* owned */
  io_replay_span span;    /* the ticks read from this file (its segment's) */
  /* IO_REPLAY_SPIKES: the current spike block, borrowed from rd */
  const sim_time *ticks;
  const sim_gid *gids;
  /* IO_REPLAY_SAMPLES: the current sample record, borrowed from rd */
  sim_time stick;
  uint32_t rec, nvars;
  const double *values;
  const sim_gid *sgids;   /* this file's gids of rec, or NULL: contiguous */
  sim_gid sfirst;         /* first gid when contiguous */
  /* WEIGHTS, DEVICES, ENERGY: the rows of one group of records (up to a
     window mark), owned, sorted by (tick, id, pre, post, seq) */
  io_replay_row *rows;
  uint32_t cap;
  uint32_t seq;           /* rows collected from this file so far */
  int ending;             /* rd ended after the rows in hand */
  uint32_t n, i;          /* rows in the record, next row */
  int done;               /* rd returned its end */
  sim_time kt;            /* key of row i: tick, then ka, kb */
  uint64_t ka, kb;
} cursor;

struct io_replay {
  int n;                  /* files */
  cursor *c;              /* n cursors */
  int *heap;              /* files with a current record, by key, then file */
  int nheap;
  int started;            /* cursors primed (first next call) */
  io_replay_kind kind;
  sim_time limit;         /* smallest complete tick of the files that ended,
                             and the window's end; SIM_NEVER while neither */
  uint64_t dropped;       /* rows at or after the common end */
  uint64_t *samples;      /* sample records per recorder, all files */
  /* the filter */
  int filtering;          /* 1: pops or ids narrowed */
  uint8_t *sel;           /* npops flags: population selected */
  uint32_t lo, hi;        /* local ids [lo, hi) */
  sim_time t0, t1;        /* window [t0, t1) ticks */
  double *vbuf;           /* values handed out by io_replay_next_sample */
  uint32_t vcap;
  io_replay_row row;      /* handed out by io_replay_next_row */
  int stamp_end;          /* rows stamped with a window end (WEIGHTS,
                             ENERGY): complete up to and with the limit */
};

/* ------------------------------------------------------------ merging */

static int before(const io_replay *rp, int a, int b)
{
  const cursor *x = &rp->c[a], *y = &rp->c[b];
  if (x->kt != y->kt)
    return x->kt < y->kt;
  if (x->ka != y->ka)
    return x->ka < y->ka;
  if (x->kb != y->kb)
    return x->kb < y->kb;
  return a < b;
}

static void sift_down(io_replay *rp, int k)
{
  for (;;) {
    int l = 2 * k + 1, m = k;
    if (l < rp->nheap && before(rp, rp->heap[l], rp->heap[m]))
      m = l;
    if (l + 1 < rp->nheap && before(rp, rp->heap[l + 1], rp->heap[m]))
      m = l + 1;
    if (m == k)
      return;
    int t = rp->heap[k];
    rp->heap[k] = rp->heap[m];
    rp->heap[m] = t;
    k = m;
  }
}

static void sift_up(io_replay *rp, int k)
{
  while (k > 0 && before(rp, rp->heap[k], rp->heap[(k - 1) / 2])) {
    int p = (k - 1) / 2, t = rp->heap[k];
    rp->heap[k] = rp->heap[p];
    rp->heap[p] = t;
    k = p;
  }
}

static sim_gid sample_gid(const cursor *c, uint32_t i)
{
  return c->sgids ? c->sgids[i] : c->sfirst + i;
}

/* The key of row c->i. */
static void set_key(io_replay *rp, cursor *c)
{
  if (rp->kind == IO_REPLAY_SPIKES) {
    c->kt = c->ticks[c->i];
    c->ka = c->gids[c->i];
    c->kb = 0;
  } else if (rp->kind == IO_REPLAY_SAMPLES) {
    c->kt = c->stick;
    c->ka = c->rec;
    c->kb = sample_gid(c, c->i);
  } else {
    const io_replay_row *w = &c->rows[c->i];
    c->kt = w->tick;
    c->ka = w->id;
    c->kb = (uint64_t)w->pre << 32 | w->post;
  }
}

static int row_cmp(const void *pa, const void *pb)
{
  const io_replay_row *a = pa, *b = pb;
  if (a->tick != b->tick)
    return a->tick < b->tick ? -1 : 1;
  if (a->id != b->id)
    return a->id < b->id ? -1 : 1;
  if (a->pre != b->pre)
    return a->pre < b->pre ? -1 : 1;
  if (a->post != b->post)
    return a->post < b->post ? -1 : 1;
  return (a->seq > b->seq) - (a->seq < b->seq);
}

static io_replay_row *add_row(cursor *c)
{
  if (c->n == c->cap) {
    c->cap = c->cap ? 2 * c->cap : 256;
    c->rows = sim_realloc(c->rows, (size_t)c->cap * sizeof *c->rows, "replay rows");
  }
  io_replay_row *w = &c->rows[c->n++];
  memset(w, 0, sizeof *w);
  w->g = NAN;
  w->seq = c->seq++;
  return w;
}

/* Is post (a gid of population tgt) inside the population and id filter? */
static int keep_target(const io_replay *rp, const io_log_header *h, uint32_t tgt, sim_gid post)
{
  if (!rp->filtering)
    return 1;
  if (tgt >= h->npops || !rp->sel[tgt])
    return 0;
  uint32_t local = post - h->pops[tgt].first_gid;
  return local >= rp->lo && local < rp->hi;
}

/* Is energy component k (docs/log-format.md, code 5) selected? */
static int keep_component(const io_replay *rp, const io_log_header *h, uint32_t k)
{
  if (!rp->filtering)
    return 1;
  if (k < h->nprojs)
    return h->projs[k].tgt < h->npops && rp->sel[h->projs[k].tgt];
  if (k - h->nprojs < h->npops)
    return rp->sel[k - h->nprojs];
  return 0; /* transport: only without --population */
}

/* Is record r past file c's span, where the segment that continues it
   takes over (io_replay_seg.h)?  Samples at the hand-over tick are the
   later segment's; windows ending there, and weight snapshots stamped
   with that end, the earlier's. */
static int past_span(const cursor *c, const io_log_record *r)
{
  if (c->span.hi == SIM_NEVER || r->type == IO_LOG_END)
    return 0;
  return r->type == IO_LOG_SAMPLES ? r->tick >= c->span.hi : r->tick > c->span.hi;
}

/* Is record r (samples, weights, energy) before c's span?  A later
   segment starts after the records its predecessor holds. */
static int before_span(const cursor *c, const io_log_record *r)
{
  return c->span.lo > 0 &&
         (r->type == IO_LOG_SAMPLES ? r->tick < c->span.lo : r->tick <= c->span.lo);
}

/* File c ended (its end record, or truncated): the common end is the
   smallest complete tick of the files of the last segment; a file an
   earlier segment holds must reach the later one's start (else a gap). */
static int file_ended(io_replay *rp, const cursor *c)
{
  io_log_status st;
  io_log_reader_status(c->rd, &st);
  if (c->span.hi == SIM_NEVER) {
    if (st.complete_tick < rp->limit)
      rp->limit = st.complete_tick;
    return 0;
  }
  if (st.complete_tick >= c->span.hi)
    return 0;
  const io_log_header *h = io_log_reader_header(c->rd);
  return sim_error_set(SIM_EINVAL, "%s ends at %.15g ms, before %s continues the run at "
                       "%.15g ms: the run between is in no log given (a gap)",
                       io_log_reader_path(c->rd), (double)st.complete_tick * h->resolution_ms,
                       io_log_reader_path(rp->c[c->span.next].rd),
                       (double)c->span.hi * h->resolution_ms);
}

/* Append the rows of record r (of the replay's kind) that pass the
   filter (all but the window's end, which pop_head applies). */
static void collect(io_replay *rp, cursor *c, const io_log_header *h, const io_log_record *r)
{
  const sim_time t0 = rp->t0 > c->span.lo ? rp->t0 : c->span.lo;
  if (before_span(c, r) && r->type != IO_LOG_DEVICES)
    return;
  if (rp->kind == IO_REPLAY_WEIGHTS && r->type == IO_LOG_WEIGHTS && r->tick >= t0) {
    uint32_t tgt = h->recs[r->weights.rec].pop;
    for (uint32_t k = 0; k < r->weights.n; k++) {
      if (!keep_target(rp, h, tgt, r->weights.post[k]))
        continue;
      io_replay_row *w = add_row(c);
      w->tick = r->tick;
      w->id = r->weights.rec;
      w->pre = r->weights.pre[k];
      w->post = r->weights.post[k];
      w->w = r->weights.w[k];
      if (r->weights.g)
        w->g = r->weights.g[k];
    }
  } else if (rp->kind == IO_REPLAY_DEVICES && r->type == IO_LOG_DEVICES && r->tick > t0) {
    uint32_t tgt = r->devices.proj < h->nprojs ? h->projs[r->devices.proj].tgt : UINT32_MAX;
    for (uint32_t k = 0; k < r->devices.n; k++) {
      if (r->devices.ticks[k] < t0 || r->devices.ticks[k] >= c->span.hi ||
          !keep_target(rp, h, tgt, r->devices.post[k]))
        continue;
      io_replay_row *w = add_row(c);
      w->tick = r->devices.ticks[k];
      w->id = r->devices.proj;
      w->pre = r->devices.pre[k];
      w->post = r->devices.post[k];
      w->pulses = r->devices.pulses[k];
      w->g = r->devices.g[k];
    }
  } else if (rp->kind == IO_REPLAY_ENERGY && r->type == IO_LOG_ENERGY && r->tick >= t0) {
    for (uint32_t k = 0; k < r->energy.n; k++) {
      const io_log_energy_row *e = &r->energy.rows[k];
      if (!keep_component(rp, h, e->component))
        continue;
      io_replay_row *w = add_row(c);
      w->tick = r->tick;
      w->id = e->component;
      w->reads = e->reads;
      w->npulses = e->pulses;
      w->updates = e->updates;
      w->spikes = e->spikes;
      w->read_pj = e->read_pj;
      w->write_pj = e->write_pj;
    }
  }
}

/* Kinds WEIGHTS, DEVICES, ENERGY: read file f up to the next window mark
   (or its end) that closes a group with rows, and sort them: within a
   group a file's records are in recorder order, not in key order. */
static int refill_rows(io_replay *rp, int f)
{
  cursor *c = &rp->c[f];
  const io_log_header *h = io_log_reader_header(c->rd);
  c->n = c->i = 0;
  if (c->ending) {
    c->done = 1;
    return 0;
  }
  io_log_record rec;
  for (;;) {
    int rc = io_log_reader_next(c->rd, &rec);
    if (rc < 0)
      return rc;
    if (rc == 0 || past_span(c, &rec)) {
      if (rc == 0 && (rc = file_ended(rp, c)))
        return rc;
      if (c->n == 0)
        c->done = 1;
      c->ending = 1;
      break;
    }
    if (rec.type == IO_LOG_SAMPLES && !before_span(c, &rec))
      rp->samples[rec.samples.rec]++;
    collect(rp, c, h, &rec);
    if ((rec.type == IO_LOG_SPIKES || rec.type == IO_LOG_WINDOW) && c->n > 0)
      break;
  }
  if (c->n > 0) {
    qsort(c->rows, c->n, sizeof *c->rows, row_cmp);
    set_key(rp, c);
  }
  return 0;
}

/* Read file f up to its next record of the kind with rows that may be in
   the window (counting samples on the way), or its end. */
static int refill(io_replay *rp, int f)
{
  if (rp->kind >= IO_REPLAY_WEIGHTS)
    return refill_rows(rp, f);
  cursor *c = &rp->c[f];
  const io_log_header *h = io_log_reader_header(c->rd);
  io_log_record rec;
  for (;;) {
    int rc = io_log_reader_next(c->rd, &rec);
    if (rc < 0)
      return rc;
    if (rc == 0 || past_span(c, &rec)) {
      c->done = 1;
      c->n = c->i = 0;
      return rc == 0 ? file_ended(rp, c) : 0;
    }
    if (rec.type == IO_LOG_SAMPLES && before_span(c, &rec))
      continue;
    if (rec.type == IO_LOG_SAMPLES)
      rp->samples[rec.samples.rec]++;
    if (rp->kind == IO_REPLAY_SPIKES && rec.type == IO_LOG_SPIKES &&
        rec.spikes.n > 0 && rec.tick > rp->t0) {
      const sim_time lo = rp->t0 > c->span.lo ? rp->t0 : c->span.lo;
      c->ticks = rec.spikes.ticks;
      c->gids = rec.spikes.gids;
      c->n = rec.spikes.n;
      c->i = 0;
      /* skip the block's spikes before the window (and the file's span);
         a block past the span's end is cut there */
      while (c->n > 0 && c->ticks[c->n - 1] >= c->span.hi)
        c->n--;
      while (c->i < c->n && c->ticks[c->i] < lo)
        c->i++;
      if (c->i == c->n)
        continue;
      set_key(rp, c);
      return 0;
    }
    if (rp->kind == IO_REPLAY_SAMPLES && rec.type == IO_LOG_SAMPLES && rec.samples.n > 0 &&
        rec.tick >= rp->t0 && (!rp->sel || rp->sel[h->recs[rec.samples.rec].pop])) {
      const io_log_rec *r = &h->recs[rec.samples.rec];
      c->stick = rec.tick;
      c->rec = rec.samples.rec;
      c->nvars = r->nvars;
      c->values = rec.samples.values;
      c->sgids = r->gids;
      c->sfirst = h->pops[r->pop].first_gid + r->first;
      c->n = r->nvars ? rec.samples.n / r->nvars : 0;
      c->i = 0;
      if (c->n == 0)
        continue;
      set_key(rp, c);
      return 0;
    }
  }
}

int io_replay_missing_ranks(const io_replay *rp, char *buf, size_t len)
{
  const int nranks = io_log_reader_header(rp->c[0].rd)->nranks;
  int nmiss = 0;
  size_t k = 0;
  buf[0] = '\0';
  for (int r = 0; r < nranks; r++) {
    int seen = 0;
    for (int f = 0; f < rp->n && !seen; f++)
      seen = io_log_reader_header(rp->c[f].rd)->rank == r;
    if (seen)
      continue;
    if (k < len) {
      int w = nmiss < 16 ? snprintf(buf + k, len - k, "%s %d", nmiss ? "," : "", r)
              : nmiss == 16 ? snprintf(buf + k, len - k, ", ...") : 0;
      k += (size_t)(w > 0 ? w : 0);
    }
    nmiss++;
  }
  return nmiss;
}

/* Sort the cursors into segments (io_replay_seg.h): the first segment's
   first file given first, whose header is the replay's. */
static int group(io_replay *rp)
{
  const int n = rp->n;
  io_log_reader **rd = sim_calloc((size_t)n, sizeof *rd, "replay segments");
  int *order = sim_calloc((size_t)n, sizeof *order, "replay segments");
  io_replay_span *span = sim_calloc((size_t)n, sizeof *span, "replay segments");
  int *pos = sim_calloc((size_t)n, sizeof *pos, "replay segments");
  for (int f = 0; f < n; f++)
    rd[f] = rp->c[f].rd;
  int nsegs = 0, rc = io_replay_segments(rd, n, order, span, &nsegs);
  if (rc == 0) {
    for (int k = 0; k < n; k++)
      pos[order[k]] = k;
    for (int k = 0; k < n; k++) {
      rp->c[k].rd = rd[order[k]];
      rp->c[k].span = span[order[k]];
      if (rp->c[k].span.next >= 0)
        rp->c[k].span.next = pos[rp->c[k].span.next];
    }
  }
  sim_free(rd);
  sim_free(order);
  sim_free(span);
  sim_free(pos);
  return rc;
}

int io_replay_create(const char *const *paths, int n, int flags, io_replay **out)
{
  *out = NULL;
  if (n < 1)
    return sim_error_set(SIM_EINVAL, "no log file given");
  int rc = 0;
  io_replay *rp = sim_calloc(1, sizeof *rp, "replay");
  rp->n = n;
  rp->c = sim_calloc((size_t)n, sizeof *rp->c, "replay cursors");
  rp->heap = sim_calloc((size_t)n, sizeof *rp->heap, "replay heap");
  rp->limit = SIM_NEVER;
  rp->lo = 0;
  rp->hi = UINT32_MAX;
  rp->t0 = 0;
  rp->t1 = SIM_NEVER;
  for (int f = 0; f < n; f++)
    if ((rc = io_log_reader_create(paths[f], &rp->c[f].rd)))
      goto fail;
  if ((rc = group(rp)))
    goto fail;
  char miss[160];
  int nmiss = io_replay_missing_ranks(rp, miss, sizeof miss);
  if (nmiss && !(flags & IO_REPLAY_PARTIAL)) {
    rc = sim_error_set(SIM_EINVAL, "%s is rank %d of a run on %d ranks, and the log%s of "
                       "rank%s%s %s not given: rates would count only part of the network "
                       "(give every rank's file, or --partial to summarise these alone)",
                       io_log_reader_path(rp->c[0].rd), io_log_reader_header(rp->c[0].rd)->rank,
                       io_log_reader_header(rp->c[0].rd)->nranks, nmiss > 1 ? "s" : "",
                       nmiss > 1 ? "s" : "", miss, nmiss > 1 ? "are" : "is");
    goto fail;
  }
  rp->samples = sim_calloc(io_log_reader_header(rp->c[0].rd)->nrecs + 1u,
                           sizeof *rp->samples, "replay sample counts");
  *out = rp;
  return 0;
fail:
  io_replay_destroy(rp);
  return rc;
}

/* ms -> tick for a window bound: the first tick at or after ms (a value
   within 1e-9 of a whole tick counts as that tick). */
static sim_time bound_tick(double ms, double res_ms)
{
  if (isinf(ms))
    return ms > 0 ? SIM_NEVER : 0;
  double x = ms / res_ms, r = nearbyint(x);
  if (fabs(x - r) <= 1e-9 * (fabs(x) > 1 ? fabs(x) : 1))
    x = r;
  else
    x = ceil(x);
  if (x <= 0)
    return 0;
  if (x >= 9.2e18)
    return SIM_NEVER;
  return (sim_time)x;
}

int io_replay_select(io_replay *rp, io_replay_kind kind, const io_replay_filter *f)
{
  const io_log_header *h = io_replay_header(rp);
  rp->kind = kind;
  rp->stamp_end = kind == IO_REPLAY_WEIGHTS || kind == IO_REPLAY_ENERGY;
  if (!f)
    return 0;
  if (kind == IO_REPLAY_ENERGY && f->neurons)
    return sim_error_set(SIM_EINVAL, "--neurons: energy counters are per projection and "
                         "population, not per neuron: expected no --neurons with "
                         "--kind energy");
  if (!(f->from_ms >= 0) || !(f->to_ms > f->from_ms))
    return sim_error_set(SIM_EINVAL, "--from %g --to %g: expected 0 <= --from < --to (ms)",
                         f->from_ms, f->to_ms);
  rp->t0 = bound_tick(f->from_ms, h->resolution_ms);
  rp->t1 = bound_tick(f->to_ms, h->resolution_ms);
  if (rp->t1 < SIM_NEVER)
    rp->limit = rp->t1;
  if (f->npops == 0 && !f->neurons)
    return 0;
  rp->filtering = 1;
  rp->sel = sim_calloc(h->npops + 1u, 1, "replay population filter");
  for (uint32_t k = 0; k < f->npops; k++) {
    uint32_t p = 0;
    while (p < h->npops && strcmp(h->pops[p].name, f->pops[k]) != 0)
      p++;
    if (p == h->npops) {
      char known[512];
      size_t len = 0;
      known[0] = '\0';
      for (uint32_t q = 0; q < h->npops && len < sizeof known; q++) {
        int w = snprintf(known + len, sizeof known - len, "%s%s", q ? ", " : "",
                         h->pops[q].name);
        len += (size_t)(w > 0 ? w : 0);
      }
      return sim_error_set(SIM_EINVAL, "--population %s: the run (%s) has no population "
                           "of that name; expected one of: %s", f->pops[k],
                           io_log_reader_path(rp->c[0].rd), known);
    }
    rp->sel[p] = 1;
  }
  if (f->npops == 0)
    memset(rp->sel, 1, h->npops);
  if (f->neurons) {
    if (f->lo >= f->hi)
      return sim_error_set(SIM_EINVAL, "--neurons %u:%u: expected a:b with a < b", f->lo,
                           f->hi);
    for (uint32_t p = 0; p < h->npops; p++)
      if (rp->sel[p] && f->hi > h->pops[p].n)
        return sim_error_set(SIM_EINVAL, "--neurons %u:%u: population %s has %u neurons; "
                             "expected a:b with b <= %u", f->lo, f->hi, h->pops[p].name,
                             h->pops[p].n, h->pops[p].n);
    rp->lo = f->lo;
    rp->hi = f->hi;
  }
  return 0;
}

int io_replay_pop_selected(const io_replay *rp, uint32_t p)
{
  return !rp->sel || rp->sel[p];
}

void io_replay_range(const io_replay *rp, uint32_t *lo, uint32_t *hi, sim_time *t0,
                     sim_time *t1)
{
  *lo = rp->lo;
  *hi = rp->hi;
  *t0 = rp->t0;
  *t1 = rp->t1;
}

/* Prime every cursor (the first call of next). */
static int start(io_replay *rp)
{
  rp->started = 1;
  /* Rows stamped with a window end e sit before the mark of e, so the
     sidecar entry at e would skip them: seek one tick earlier. */
  sim_time at = rp->stamp_end && rp->t0 > 0 ? rp->t0 - 1 : rp->t0;
  for (int f = 0; f < rp->n && at > 0; f++) {
    int rc = io_log_reader_seek(rp->c[f].rd, at);
    if (rc)
      return rc;
  }
  for (int f = 0; f < rp->n; f++) {
    int rc = refill(rp, f);
    if (rc)
      return rc;
    if (!rp->c[f].done) {
      rp->heap[rp->nheap++] = f;
      sift_up(rp, rp->nheap - 1);
    }
  }
  return 0;
}

/* Is gid inside the population and id filter? */
static int keep(const io_replay *rp, sim_gid g)
{
  if (!rp->filtering)
    return 1;
  const io_log_header *h = io_replay_header(rp);
  int p = io_replay_pop_of(h, g);
  if (p < 0 || !rp->sel[p])
    return 0;
  uint32_t local = g - h->pops[p].first_gid;
  return local >= rp->lo && local < rp->hi;
}

/* Is a row at tick t past the common end?  Rows stamped with a window
   end are complete up to and with it. */
static int past_limit(const io_replay *rp, sim_time t)
{
  return t > rp->limit || (t == rp->limit && !rp->stamp_end);
}

/* Pop the head row into *f and *i (file, row), advancing its cursor.
   Returns 1, 0 at the end (of the data or the window), or an error. */
static int pop_head(io_replay *rp, int *file, uint32_t *row)
{
  if (!rp->started) {
    int rc = start(rp);
    if (rc)
      return rc;
  }
  while (rp->nheap > 0) {
    int f = rp->heap[0];
    cursor *c = &rp->c[f];
    sim_time t = c->kt;
    if (t >= rp->t1)
      return 0; /* the window is over: every open file covers it */
    *file = f;
    *row = c->i;
    if (++c->i == c->n) {
      /* the caller reads row *row of the old record: hold it back */
      return 2;
    }
    set_key(rp, c);
    sift_down(rp, 0);
    /* Every file still open has its next row >= t and its complete
       tick above that, so the limit is final for t. */
    if (past_limit(rp, t)) {
      rp->dropped++;
      continue;
    }
    return 1;
  }
  return 0;
}

/* After pop_head returned 2 and the caller took the row: read file f on. */
static int advance(io_replay *rp, int f)
{
  cursor *c = &rp->c[f];
  int rc = refill(rp, f);
  if (rc)
    return rc;
  if (c->done)
    rp->heap[0] = rp->heap[--rp->nheap];
  sift_down(rp, 0);
  return 0;
}

/* After the caller copied the row pop_head gave (rc from it): when the row
   was held back (2), read its file on and drop the row if it lies past the
   common end.  Returns 0 to keep the row, 1 to drop it, or an error. */
static int settle(io_replay *rp, int f, int rc, sim_time t)
{
  if (rc != 2)
    return 0;
  if ((rc = advance(rp, f)))
    return rc;
  if (past_limit(rp, t)) {
    rp->dropped++;
    return 1;
  }
  return 0;
}

int io_replay_next(io_replay *rp, sim_time *tick, sim_gid *gid)
{
  for (;;) {
    int f = 0;
    uint32_t i = 0;
    int rc = pop_head(rp, &f, &i);
    if (rc <= 0)
      return rc;
    const cursor *c = &rp->c[f];
    sim_time t = c->ticks[i];
    sim_gid g = c->gids[i];
    if ((rc = settle(rp, f, rc, t)) < 0)
      return rc;
    if (rc)
      continue;
    if (!keep(rp, g))
      continue;
    *tick = t;
    *gid = g;
    return 1;
  }
}

int io_replay_next_sample(io_replay *rp, sim_time *tick, uint32_t *rec, sim_gid *gid,
                          const double **values)
{
  for (;;) {
    int f = 0;
    uint32_t i = 0;
    int rc = pop_head(rp, &f, &i);
    if (rc <= 0)
      return rc;
    const cursor *c = &rp->c[f];
    sim_time t = c->stick;
    sim_gid g = sample_gid(c, i);
    uint32_t r = c->rec, nv = c->nvars;
    if (nv > rp->vcap) {
      rp->vcap = nv;
      rp->vbuf = sim_realloc(rp->vbuf, nv * sizeof *rp->vbuf, "replay sample values");
    }
    if (nv)
      memcpy(rp->vbuf, c->values + (size_t)i * nv, nv * sizeof *rp->vbuf);
    if ((rc = settle(rp, f, rc, t)) < 0)
      return rc;
    if (rc)
      continue;
    if (!keep(rp, g))
      continue;
    *tick = t;
    *rec = r;
    *gid = g;
    *values = rp->vbuf;
    return 1;
  }
}

int io_replay_next_row(io_replay *rp, const io_replay_row **row)
{
  for (;;) {
    int f = 0;
    uint32_t i = 0;
    int rc = pop_head(rp, &f, &i);
    if (rc <= 0)
      return rc;
    rp->row = rp->c[f].rows[i];
    if ((rc = settle(rp, f, rc, rp->row.tick)) < 0)
      return rc;
    if (rc)
      continue;
    *row = &rp->row;
    return 1;
  }
}

const io_log_header *io_replay_header(const io_replay *rp)
{
  return io_log_reader_header(rp->c[0].rd);
}

const io_log_reader *io_replay_reader(const io_replay *rp, int f) { return rp->c[f].rd; }

int io_replay_nfiles(const io_replay *rp) { return rp->n; }

uint64_t io_replay_samples_read(const io_replay *rp, uint32_t rec) { return rp->samples[rec]; }

sim_time io_replay_end_tick(const io_replay *rp) { return rp->limit; }

uint64_t io_replay_dropped(const io_replay *rp) { return rp->dropped; }

void io_replay_destroy(io_replay *rp)
{
  if (!rp)
    return;
  for (int f = 0; f < rp->n; f++) {
    io_log_reader_destroy(rp->c[f].rd);
    sim_free(rp->c[f].rows);
  }
  sim_free(rp->c);
  sim_free(rp->heap);
  sim_free(rp->samples);
  sim_free(rp->sel);
  sim_free(rp->vbuf);
  sim_free(rp);
}

int io_replay_pop_of(const io_log_header *h, sim_gid g)
{
  uint32_t lo = 0, hi = h->npops;
  if (hi == 0)
    return -1;
  while (hi - lo > 1) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (h->pops[mid].first_gid <= g)
      lo = mid;
    else
      hi = mid;
  }
  const io_log_pop *p = &h->pops[lo];
  return g >= p->first_gid && g - p->first_gid < p->n ? (int)lo : -1;
}

int io_replay_ms_decimals(double res_ms)
{
  double x = res_ms;
  for (int d = 0; d < 9; d++, x *= 10)
    if (fabs(x - nearbyint(x)) < 1e-9 * (x > 1 ? x : 1))
      return d;
  return 9;
}

uint32_t io_replay_recorded_map(const io_log_header *h, uint32_t p, uint32_t lo, uint32_t hi,
                                int32_t *map)
{
  const uint32_t n = h->pops[p].n;
  for (uint32_t j = 0; j < n; j++)
    map[j] = -1;
  for (uint32_t i = 0; i < h->nrecs; i++) {
    const io_log_rec *r = &h->recs[i];
    if (r->kind != IO_LOG_REC_SPIKES || r->pop != p)
      continue;
    for (uint64_t j = r->first; j < (uint64_t)r->first + r->count && j < n; j++)
      if (j >= lo && j < hi)
        map[j] = 0;
  }
  uint32_t k = 0;
  for (uint32_t j = 0; j < n; j++)
    if (map[j] >= 0)
      map[j] = (int32_t)k++;
  return k;
}
