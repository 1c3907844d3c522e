/*
 * io_replay.h: reading back the event logs of one run.
 *
 * A run with N ranks leaves N log files.  io_replay opens any subset of
 * them, checks that they belong to one run (same config digest, seed, rank
 * count, resolution and populations; distinct ranks) and merges their spikes
 * into one stream in (tick, gid) order, the same for any rank count.  The
 * merged stream covers the span every file covers: up to the smallest
 * complete tick (end record's final tick, or last window end of a truncated
 * file); spikes after it are dropped and counted.
 *
 * On top of the stream: a text summary (per population neurons, spikes and
 * rates) and a CSV export.
 */
#ifndef IO_REPLAY_H
#define IO_REPLAY_H

#include <stdio.h>

#include "io_log.h"

typedef struct io_replay io_replay;

/* flags of io_replay_create, io_replay_summary, io_replay_spikes_csv */
#define IO_REPLAY_PARTIAL 1 /* accept a subset of the run's ranks */

/* Open the n >= 1 log files in paths and check they belong to one run.
   Returns 0 and *out (caller owns; free with io_replay_destroy); SIM_EIO or
   SIM_EFORMAT from reading a file; SIM_EINVAL naming the two files when
   they come from different runs or repeat a rank, and naming the missing
   ranks when the files do not cover every rank of the run (unless flags
   has IO_REPLAY_PARTIAL: a subset would silently lower the rates). */
int io_replay_create(const char *const *paths, int n, int flags,
                     io_replay **out /* OUT */);

/* Next spike of the merged stream, in (tick, gid) order (ties between
   files, which a valid run never has, go by file order).  Returns 1 and
   fills *tick, *gid; 0 at the end; a negative code (with message) when a
   file is corrupt. */
int io_replay_next(io_replay *rp, sim_time *tick /* OUT */,
                   sim_gid *gid /* OUT */);

/* Header of the first file (borrowed; populations and recorders are the
   same in every file, rank is that file's). */
const io_log_header *io_replay_header(const io_replay *rp);

/* The end of the merged data (exclusive tick), known once io_replay_next
   returned 0: the smallest complete tick over the files. */
sim_time io_replay_end_tick(const io_replay *rp);

/* Spikes at or after io_replay_end_tick, dropped from the stream. */
uint64_t io_replay_dropped(const io_replay *rp);

/* Free everything; NULL is a no-op. */
void io_replay_destroy(io_replay *rp);

/* Read the logs and print to out: the run (files, config, digest, seed,
   ranks), the recorded duration (and whether a file was truncated), one line
   per population: neurons recorded, spikes, mean rate (Hz) over the
   duration, or "not recorded" when no spike recorder covers it; totals;
   sample records per state recorder; one line per truncated file; with
   IO_REPLAY_PARTIAL, a note naming the missing ranks.  Rates count the
   neurons of the spike recorders only.  Returns 0 or an error code
   (message via sim_error_msg). */
int io_replay_summary(const char *const *paths, int n, int flags, FILE *out);

/* Write the merged spikes as CSV to out: a line "time_ms,gid,population",
   then one line per spike, time printed with as many decimals as the
   resolution needs.  Returns 0 or an error code. */
int io_replay_spikes_csv(const char *const *paths, int n, int flags, FILE *out);

#endif
