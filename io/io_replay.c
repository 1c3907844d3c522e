/*
 * io_replay.c: merge the event logs of one run and summarise or export them.
 *
 * Owns one reader per file and a binary heap of the files by their next
 * spike.  Each file's spike blocks are sorted and follow each other in
 * window order, so a heap over the files' head spikes yields the merged
 * (tick, gid) order.  A file's cursor reads ahead to its next spike block
 * as soon as the current one is used up, so a file that has no more spikes
 * is known to have ended (and its complete tick known) before any later
 * spike is emitted: that makes the cut at the common end exact.
 */
#include "io_replay.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"

typedef struct cursor {
  io_log_reader *rd;      /* owned */
  const sim_time *ticks;  /* current spike block, borrowed from rd */
  const sim_gid *gids;
  uint32_t n, i;          /* block size, next spike */
  int done;               /* rd returned its end */
} cursor;

struct io_replay {
  int n;                  /* files */
  cursor *c;              /* n cursors */
  int *heap;              /* files with a current block, by (tick, gid, file) */
  int nheap;
  sim_time limit;         /* smallest complete tick of the files that ended;
                             SIM_NEVER while none has */
  uint64_t dropped;       /* spikes at or after limit */
  uint64_t *samples;      /* sample records per recorder, all files */
};

/* ------------------------------------------------------------ merging */

static int before(const io_replay *rp, int a, int b)
{
  const cursor *x = &rp->c[a], *y = &rp->c[b];
  sim_time ta = x->ticks[x->i], tb = y->ticks[y->i];
  if (ta != tb)
    return ta < tb;
  if (x->gids[x->i] != y->gids[y->i])
    return x->gids[x->i] < y->gids[y->i];
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

/* Read file f up to its next non-empty spike block (counting samples on
   the way) or its end. */
static int refill(io_replay *rp, int f)
{
  cursor *c = &rp->c[f];
  io_log_record rec;
  for (;;) {
    int rc = io_log_reader_next(c->rd, &rec);
    if (rc < 0)
      return rc;
    if (rc == 0) {
      io_log_status st;
      io_log_reader_status(c->rd, &st);
      c->done = 1;
      c->n = c->i = 0;
      if (st.complete_tick < rp->limit)
        rp->limit = st.complete_tick;
      return 0;
    }
    if (rec.type == IO_LOG_SAMPLES)
      rp->samples[rec.samples.rec]++;
    if (rec.type == IO_LOG_SPIKES && rec.spikes.n > 0) {
      c->ticks = rec.spikes.ticks;
      c->gids = rec.spikes.gids;
      c->n = rec.spikes.n;
      c->i = 0;
      return 0;
    }
  }
}

/* Files a and b of one run?  0, or SIM_EINVAL naming both. */
static int same_run(const io_log_reader *ra, const io_log_reader *rb)
{
  const io_log_header *a = io_log_reader_header(ra);
  const io_log_header *b = io_log_reader_header(rb);
  const char *pa = io_log_reader_path(ra), *pb = io_log_reader_path(rb);
  const char *what = NULL;
  char detail[160] = "";
  if (a->digest != b->digest) {
    what = "config digest";
    snprintf(detail, sizeof detail, "%016" PRIx64 " vs %016" PRIx64,
             a->digest, b->digest);
  } else if (a->seed != b->seed) {
    what = "seed";
    snprintf(detail, sizeof detail, "%" PRIu64 " vs %" PRIu64, a->seed, b->seed);
  } else if (a->nranks != b->nranks) {
    what = "rank count";
    snprintf(detail, sizeof detail, "%d vs %d", a->nranks, b->nranks);
  } else if (a->resolution_ms != b->resolution_ms) {
    what = "resolution";
    snprintf(detail, sizeof detail, "%g ms vs %g ms", a->resolution_ms,
             b->resolution_ms);
  } else if (a->npops != b->npops || a->nrecs != b->nrecs) {
    what = "populations or recorders";
  } else {
    for (uint32_t i = 0; i < a->npops && !what; i++)
      if (strcmp(a->pops[i].name, b->pops[i].name) != 0 ||
          a->pops[i].first_gid != b->pops[i].first_gid ||
          a->pops[i].n != b->pops[i].n)
        what = "populations";
    for (uint32_t i = 0; i < a->nrecs && !what; i++)
      if (strcmp(a->recs[i].name, b->recs[i].name) != 0 ||
          a->recs[i].kind != b->recs[i].kind || a->recs[i].pop != b->recs[i].pop ||
          a->recs[i].first != b->recs[i].first ||
          a->recs[i].count != b->recs[i].count ||
          a->recs[i].nvars != b->recs[i].nvars)
        what = "recorders";
  }
  if (what)
    return sim_error_set(SIM_EINVAL, "%s and %s are not logs of one run: "
                         "different %s%s%s%s", pa, pb, what,
                         detail[0] ? " (" : "", detail, detail[0] ? ")" : "");
  if (a->rank == b->rank)
    return sim_error_set(SIM_EINVAL, "%s and %s are both the log of rank %d: "
                         "give each rank's file once", pa, pb, a->rank);
  return 0;
}

/* The ranks of the run that no file of rp covers, as " 1, 3" in buf;
   returns how many. */
static int missing_ranks(const io_replay *rp, char *buf, size_t len)
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
  for (int f = 0; f < n; f++)
    if ((rc = io_log_reader_create(paths[f], &rp->c[f].rd)))
      goto fail;
  for (int f = 0; f < n; f++)
    for (int g = 0; g < f; g++)
      if ((rc = same_run(rp->c[g].rd, rp->c[f].rd)))
        goto fail;
  char miss[160];
  int nmiss = missing_ranks(rp, miss, sizeof miss);
  if (nmiss && !(flags & IO_REPLAY_PARTIAL)) {
    rc = sim_error_set(SIM_EINVAL, "%s is rank %d of a run on %d ranks, and the log%s of "
                       "rank%s%s %s not given: rates would count only part of the network "
                       "(give every rank's file, or --partial to summarise these alone)",
                       paths[0], io_log_reader_header(rp->c[0].rd)->rank,
                       io_log_reader_header(rp->c[0].rd)->nranks, nmiss > 1 ? "s" : "",
                       nmiss > 1 ? "s" : "", miss, nmiss > 1 ? "are" : "is");
    goto fail;
  }
  rp->samples = sim_calloc(io_log_reader_header(rp->c[0].rd)->nrecs + 1u,
                           sizeof *rp->samples, "replay sample counts");
  for (int f = 0; f < n; f++) {
    if ((rc = refill(rp, f)))
      goto fail;
    if (!rp->c[f].done) {
      rp->heap[rp->nheap++] = f;
      sift_up(rp, rp->nheap - 1);
    }
  }
  *out = rp;
  return 0;
fail:
  io_replay_destroy(rp);
  return rc;
}

int io_replay_next(io_replay *rp, sim_time *tick, sim_gid *gid)
{
  while (rp->nheap > 0) {
    int f = rp->heap[0];
    cursor *c = &rp->c[f];
    *tick = c->ticks[c->i];
    *gid = c->gids[c->i];
    if (++c->i == c->n) {
      int rc = refill(rp, f);
      if (rc)
        return rc;
      if (c->done)
        rp->heap[0] = rp->heap[--rp->nheap];
    }
    sift_down(rp, 0);
    /* Every file still open has its next spike >= *tick and its complete
       tick above that, so the limit is final for *tick. */
    if (*tick >= rp->limit) {
      rp->dropped++;
      continue;
    }
    return 1;
  }
  return 0;
}

const io_log_header *io_replay_header(const io_replay *rp)
{
  return io_log_reader_header(rp->c[0].rd);
}

sim_time io_replay_end_tick(const io_replay *rp) { return rp->limit; }

uint64_t io_replay_dropped(const io_replay *rp) { return rp->dropped; }

void io_replay_destroy(io_replay *rp)
{
  if (!rp)
    return;
  for (int f = 0; f < rp->n; f++)
    io_log_reader_destroy(rp->c[f].rd);
  sim_free(rp->c);
  sim_free(rp->heap);
  sim_free(rp->samples);
  sim_free(rp);
}

/* ------------------------------------------------------------ output */

/* Population of gid (populations are in gid order), or -1. */
static int pop_of(const io_log_header *h, sim_gid g)
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

/* Decimals needed to print multiples of the resolution exactly. */
static int ms_decimals(double res_ms)
{
  double x = res_ms;
  for (int d = 0; d < 9; d++, x *= 10)
    if (fabs(x - nearbyint(x)) < 1e-9 * (x > 1 ? x : 1))
      return d;
  return 9;
}

typedef struct span {
  uint32_t lo, hi; /* population-local [lo, hi) */
} span;

static int span_cmp(const void *pa, const void *pb)
{
  const span *a = pa, *b = pb;
  return (a->lo > b->lo) - (a->lo < b->lo);
}

/* Per population: the union of its spike recorders' neurons. */
typedef struct pop_rec {
  span *s;          /* owned, sorted, disjoint */
  uint32_t ns;
  uint64_t neurons; /* sum of the spans */
  uint64_t spikes;
} pop_rec;

static void recorded_spans(const io_log_header *h, pop_rec *pr)
{
  for (uint32_t p = 0; p < h->npops; p++) {
    pop_rec *q = &pr[p];
    q->s = sim_calloc(h->nrecs + 1u, sizeof *q->s, "replay recorded spans");
    for (uint32_t i = 0; i < h->nrecs; i++) {
      const io_log_rec *rc = &h->recs[i];
      if (rc->kind == IO_LOG_REC_SPIKES && rc->pop == p && rc->count > 0)
        q->s[q->ns++] = (span){rc->first, rc->first + rc->count};
    }
    qsort(q->s, q->ns, sizeof *q->s, span_cmp);
    uint32_t m = 0;
    for (uint32_t i = 0; i < q->ns; i++) {
      if (m > 0 && q->s[i].lo <= q->s[m - 1].hi) {
        if (q->s[i].hi > q->s[m - 1].hi)
          q->s[m - 1].hi = q->s[i].hi;
      } else {
        q->s[m++] = q->s[i];
      }
    }
    q->ns = m;
    for (uint32_t i = 0; i < m; i++)
      q->neurons += q->s[i].hi - q->s[i].lo;
  }
}

static int in_spans(const pop_rec *q, uint32_t local)
{
  for (uint32_t i = 0; i < q->ns; i++)
    if (local >= q->s[i].lo && local < q->s[i].hi)
      return 1;
  return 0;
}

int io_replay_summary(const char *const *paths, int n, int flags, FILE *out)
{
  io_replay *rp;
  int rc = io_replay_create(paths, n, flags, &rp);
  if (rc)
    return rc;
  const io_log_header *h = io_replay_header(rp);
  pop_rec *pr = sim_calloc(h->npops + 1u, sizeof *pr, "replay population counts");
  recorded_spans(h, pr);
  uint64_t outside = 0;
  sim_time t;
  sim_gid g;
  while ((rc = io_replay_next(rp, &t, &g)) == 1) {
    int p = pop_of(h, g); /* the reader checked gids, so p >= 0 */
    if (p >= 0 && in_spans(&pr[p], g - h->pops[p].first_gid))
      pr[p].spikes++;
    else
      outside++;
  }
  if (rc < 0)
    goto done;
  rc = 0;

  int dec = ms_decimals(h->resolution_ms);
  sim_time end = io_replay_end_tick(rp);
  double dur_ms = (double)end * h->resolution_ms;
  int ntrunc = 0;
  for (int f = 0; f < n; f++) {
    io_log_status st;
    io_log_reader_status(rp->c[f].rd, &st);
    ntrunc += st.truncated;
  }

  fprintf(out, "replay: %d log file%s of a run on %d rank%s (ranks", n,
          n == 1 ? "" : "s", h->nranks, h->nranks == 1 ? "" : "s");
  for (int f = 0; f < n; f++)
    fprintf(out, " %d", io_log_reader_header(rp->c[f].rd)->rank);
  fprintf(out, ")\n");
  fprintf(out, "config: %s  digest: %016" PRIx64 "  seed: %" PRIu64 "\n",
          h->config[0] ? h->config : "(none)", h->digest, h->seed);
  fprintf(out, "duration: %.*f ms (%" PRId64 " ticks of %g ms)%s\n", dec,
          dur_ms, end, h->resolution_ms,
          ntrunc ? ", up to the last window end every file completed: "
                   "truncated log"
                 : "");
  fprintf(out, "%-16s %-20s %10s %12s %10s\n", "population", "model",
          "neurons", "spikes", "rate_Hz");
  uint64_t tot_n = 0, tot_s = 0;
  for (uint32_t p = 0; p < h->npops; p++) {
    if (pr[p].ns == 0) {
      fprintf(out, "%-16s %-20s %10s\n", h->pops[p].name, h->pops[p].model,
              "not recorded");
      continue;
    }
    double rate = dur_ms > 0 ? (double)pr[p].spikes /
                                   ((double)pr[p].neurons * dur_ms * 1e-3)
                             : 0.0;
    fprintf(out, "%-16s %-20s %10" PRIu64 " %12" PRIu64 " %10.3f\n",
            h->pops[p].name, h->pops[p].model, pr[p].neurons, pr[p].spikes,
            rate);
    tot_n += pr[p].neurons;
    tot_s += pr[p].spikes;
  }
  fprintf(out, "%-16s %-20s %10" PRIu64 " %12" PRIu64 " %10.3f\n", "total", "",
          tot_n, tot_s,
          dur_ms > 0 && tot_n ? (double)tot_s / ((double)tot_n * dur_ms * 1e-3)
                              : 0.0);
  for (uint32_t i = 0; i < h->nrecs; i++)
    if (h->recs[i].kind == IO_LOG_REC_STATE)
      fprintf(out, "recorder %s (state of %s): %" PRIu64 " sample records\n",
              h->recs[i].name, h->pops[h->recs[i].pop].name, rp->samples[i]);
  for (int f = 0; f < n; f++) {
    io_log_status st;
    io_log_reader_status(rp->c[f].rd, &st);
    if (!st.truncated)
      continue;
    fprintf(out, "truncated: %s: after record %" PRIu64 " at byte %" PRIu64,
            paths[f], st.records, st.good_bytes);
    if (st.partial_bytes)
      fprintf(out, " (%" PRIu64 " bytes of an incomplete record dropped)",
              st.partial_bytes);
    else
      fprintf(out, " (no end record)");
    fprintf(out, ", complete up to %.*f ms\n", dec,
            (double)st.complete_tick * h->resolution_ms);
  }
  char miss[160];
  int nmiss = missing_ranks(rp, miss, sizeof miss);
  if (nmiss)
    fprintf(out, "note: %d of %d rank files given, rank%s%s missing (--partial): counts "
            "and rates cover only the neurons the given ranks own\n", n, h->nranks,
            nmiss > 1 ? "s" : "", miss);
  if (io_replay_dropped(rp))
    fprintf(out, "note: %" PRIu64 " spikes at or after %.*f ms (beyond what "
            "every file covers) ignored\n", io_replay_dropped(rp), dec, dur_ms);
  if (outside)
    fprintf(out, "note: %" PRIu64 " spikes of neurons outside every spike "
            "recorder ignored\n", outside);
done:
  for (uint32_t p = 0; p < h->npops; p++)
    sim_free(pr[p].s);
  sim_free(pr);
  io_replay_destroy(rp);
  return rc;
}

int io_replay_spikes_csv(const char *const *paths, int n, int flags, FILE *out)
{
  io_replay *rp;
  int rc = io_replay_create(paths, n, flags, &rp);
  if (rc)
    return rc;
  const io_log_header *h = io_replay_header(rp);
  int dec = ms_decimals(h->resolution_ms);
  sim_time t;
  sim_gid g;
  fputs("time_ms,gid,population\n", out);
  while ((rc = io_replay_next(rp, &t, &g)) == 1) {
    int p = pop_of(h, g);
    fprintf(out, "%.*f,%" PRIu32 ",%s\n", dec, (double)t * h->resolution_ms,
            g, p >= 0 ? h->pops[p].name : "");
  }
  if (rc == 0 && ferror(out))
    rc = sim_error_set(SIM_EIO, "cannot write the CSV output");
  io_replay_destroy(rp);
  return rc;
}
