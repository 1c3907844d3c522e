/*
 * io_replay_seg.h: the files given to one replay, grouped into segments
 * (private to io_replay.c).
 *
 * A run checkpointed on N ranks and resumed on M != N leaves its logs in
 * two sets of rank files: the original's (header t_start absent, 0) and
 * the resumed part's (OUT/resume-Tms/, t_start = T's tick).  A segment is
 * one complete set of rank files of one (t_start, nranks); every file of
 * every segment has the same config digest, seed, resolution, populations
 * and recorders (else the files are not of one run).  Ordered by t_start,
 * segment k is read over [t_start(k), t_start(k+1)): the later segment
 * takes over at its start tick (docs/replay.md "Resumed runs").
 */
#ifndef IO_REPLAY_SEG_H
#define IO_REPLAY_SEG_H

#include "io_log.h"

/* Where file f is read: ticks [lo, hi) (hi SIM_NEVER: to its end); next:
   a file of the segment that takes over at hi (-1: none). */
typedef struct io_replay_span {
  sim_time lo, hi;
  int next;
} io_replay_span;

/* Group the n readers: order[] gets the files sorted by (t_start, rank
   count, order given), span[] (indexed like rd) each file's span.  0, or
   SIM_EINVAL naming the files: not of one run, a rank given twice in a
   segment, two segments from the same tick (an overlap), a segment with
   ranks missing when there are several (a gap). */
int io_replay_segments(io_log_reader *const *rd, int n, int *order, io_replay_span *span,
                       int *nsegs);

#endif
