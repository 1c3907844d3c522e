/*
 * io_replay_seg.c: group the logs given to replay into segments
 * (io_replay_seg.h).
 */
#include "io_replay_seg.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_error.h"

/* Files a and b of one run (all but the rank count, which differs between
   segments)?  0, or SIM_EINVAL naming both. */
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
  } else if (a->nranks != b->nranks && a->t_start == b->t_start) {
    what = "rank count";
    if (a->t_start == 0)
      snprintf(detail, sizeof detail, "%d vs %d", a->nranks, b->nranks);
    else
      snprintf(detail, sizeof detail, "%d vs %d, both resumed from %.15g ms: two resumed "
               "parts overlap, give one", a->nranks, b->nranks,
               (double)a->t_start * a->resolution_ms);
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
  if (a->rank == b->rank && a->nranks == b->nranks && a->t_start == b->t_start)
    return sim_error_set(SIM_EINVAL, "%s and %s are both the log of rank %d: "
                         "give each rank's file once", pa, pb, a->rank);
  return 0;
}

static io_log_reader *const *sort_rd; /* qsort has no context argument */

static int by_segment(const void *pa, const void *pb)
{
  const io_log_header *a = io_log_reader_header(sort_rd[*(const int *)pa]);
  const io_log_header *b = io_log_reader_header(sort_rd[*(const int *)pb]);
  if (a->t_start != b->t_start)
    return a->t_start < b->t_start ? -1 : 1;
  if (a->nranks != b->nranks)
    return a->nranks < b->nranks ? -1 : 1;
  return (*(const int *)pa > *(const int *)pb) - (*(const int *)pa < *(const int *)pb);
}

static double ms_of(const io_log_header *h, uint64_t t)
{
  return (double)t * h->resolution_ms;
}

int io_replay_segments(io_log_reader *const *rd, int n, int *order, io_replay_span *span,
                       int *nsegs)
{
  int rc;
  for (int f = 0; f < n; f++)
    for (int g = 0; g < f; g++)
      if ((rc = same_run(rd[g], rd[f])))
        return rc;
  for (int f = 0; f < n; f++)
    order[f] = f;
  sort_rd = rd;
  qsort(order, (size_t)n, sizeof *order, by_segment);
  sort_rd = NULL;
  /* segments: runs of equal (t_start, nranks) in order[] */
  int ns = 0;
  for (int k = 0; k < n; k++) {
    const io_log_header *h = io_log_reader_header(rd[order[k]]);
    const io_log_header *p = k ? io_log_reader_header(rd[order[k - 1]]) : NULL;
    ns += !p || p->t_start != h->t_start || p->nranks != h->nranks;
  }
  *nsegs = ns;
  for (int k = 0; k < n;) {
    int e = k;
    const io_log_header *h = io_log_reader_header(rd[order[k]]);
    while (e < n && io_log_reader_header(rd[order[e]])->t_start == h->t_start)
      e++; /* same_run refused two rank counts from one tick */
    const io_log_header *nx = e < n ? io_log_reader_header(rd[order[e]]) : NULL;
    if (ns > 1 && e - k != h->nranks)
      return sim_error_set(SIM_EINVAL, "%s: its segment (a run on %d ranks from %.15g ms) "
                           "has %d of its %d rank files: the spikes of the neurons the "
                           "missing ranks own "
                           "would be a gap in the resumed run (give every rank's file "
                           "of each segment)", io_log_reader_path(rd[order[k]]),
                           h->nranks, ms_of(h, h->t_start), e - k, h->nranks);
    if (nx && !(h->duration_ms >= ms_of(nx, nx->t_start) - 1e-9 * h->resolution_ms))
      return sim_error_set(SIM_EINVAL, "%s ends at %.15g ms (its planned duration), before "
                           "%s starts at %.15g ms: the run between is in no log given",
                           io_log_reader_path(rd[order[k]]), h->duration_ms,
                           io_log_reader_path(rd[order[e]]), ms_of(nx, nx->t_start));
    for (int j = k; j < e; j++) {
      io_replay_span *s = &span[order[j]];
      s->lo = (sim_time)h->t_start;
      s->hi = nx ? (sim_time)nx->t_start : SIM_NEVER;
      s->next = nx ? order[e] : -1;
    }
    k = e;
  }
  return 0;
}
