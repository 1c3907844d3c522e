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
 * The stream can be narrowed (io_replay_select) to populations, a range of
 * population-local ids and a time window, and switched to the sample
 * records (merged alike, in (tick, recorder, gid) order).
 *
 * On top of the stream (io_replay_out.c): a text summary (per population
 * neurons, spikes and rates) and CSV exports; statistics are
 * io_replay_stats.h, the SONATA export io_sonata.h.
 */
#ifndef IO_REPLAY_H
#define IO_REPLAY_H

#include <stddef.h>
#include <stdio.h>

#include "io_log.h"

typedef struct io_replay io_replay;

/* flags of io_replay_create, io_replay_summary, io_replay_spikes_csv */
#define IO_REPLAY_PARTIAL 1 /* accept a subset of the run's ranks */

/* What a replay reads: one kind of record at a time. */
typedef enum io_replay_kind {
  IO_REPLAY_SPIKES = 0,  /* spike blocks: (tick, gid) */
  IO_REPLAY_SAMPLES = 1, /* sample records: (tick, recorder, gid, values) */
  IO_REPLAY_WEIGHTS = 2, /* weight snapshots: (tick, recorder, pre, post) */
  IO_REPLAY_DEVICES = 3, /* device writes: (tick, projection, pre, post) */
  IO_REPLAY_ENERGY = 4   /* energy counters: (window end, component) */
} io_replay_kind;

/* One row of kind WEIGHTS, DEVICES or ENERGY (io_replay_next_row). */
typedef struct io_replay_row {
  sim_time tick;      /* WEIGHTS: snapshot tick; DEVICES: write tick;
                         ENERGY: window end of the record */
  uint32_t id;        /* WEIGHTS: recorder; DEVICES: projection; ENERGY:
                         component (docs/log-format.md, code 5) */
  sim_gid pre, post;  /* WEIGHTS, DEVICES */
  int32_t pulses;     /* DEVICES: write pulses (< 0 depression) */
  double w;           /* WEIGHTS: weight (header's weight unit) */
  double g;           /* WEIGHTS, DEVICES: conductance (uS); NaN: none */
  uint64_t reads, npulses, updates, spikes; /* ENERGY: counts (deltas) */
  double read_pj, write_pj;                 /* ENERGY: energies (pJ) */
  uint32_t seq;       /* order of the row in its file (ties) */
} io_replay_row;

/* The kinds' names as --kind takes them ("spikes", ...), in enum order;
   NULL-terminated. */
extern const char *const io_replay_kind_names[];

/* A selection of the merged stream.  Strings are borrowed. */
typedef struct io_replay_filter {
  const char *const *pops; /* population names (npops), or npops == 0: all */
  uint32_t npops;
  int neurons;             /* 1: only population-local ids [lo, hi) */
  uint32_t lo, hi;
  double from_ms, to_ms;   /* events with from_ms <= time < to_ms; 0 and
                              INFINITY take everything */
} io_replay_filter;

/* Open the n >= 1 log files in paths and check they belong to one run.
   Returns 0 and *out (caller owns; free with io_replay_destroy); SIM_EIO or
   SIM_EFORMAT from reading a file; SIM_EINVAL naming the two files when
   they come from different runs or repeat a rank, and naming the missing
   ranks when the files do not cover every rank of the run (unless flags
   has IO_REPLAY_PARTIAL: a subset would silently lower the rates). */
int io_replay_create(const char *const *paths, int n, int flags,
                     io_replay **out /* OUT */);

/* Choose the kind read and a filter (NULL: everything), before the first
   io_replay_next / io_replay_next_sample.  Without a call: spikes, no
   filter.  Returns 0, or SIM_EINVAL naming the flag and what was expected
   (--population naming no population of the run, listing the known ones;
   --neurons beyond a selected population's size or with kind ENERGY;
   --from >= --to).  With --from, every file is positioned with
   io_log_reader_seek (the sidecar index when there is one), so a late
   window reads only what it needs. */
int io_replay_select(io_replay *rp, io_replay_kind kind,
                     const io_replay_filter *f);

/* Is population p in the selection (always, without a filter)? */
int io_replay_pop_selected(const io_replay *rp, uint32_t p);

/* The selection's local-id range [*lo, *hi) (0, UINT32_MAX without
   --neurons) and window in ticks [*t0, *t1) (0, SIM_NEVER without
   --from/--to). */
void io_replay_range(const io_replay *rp, uint32_t *lo /* OUT */, uint32_t *hi /* OUT */,
                     sim_time *t0 /* OUT */, sim_time *t1 /* OUT */);

/* Population of gid in header h (populations are in gid order), or -1. */
int io_replay_pop_of(const io_log_header *h, sim_gid g);

/* The neurons of population p that its spike recorders cover, within
   local ids [lo, hi): map[local] (p's n entries) = their index in
   local-id order, or -1.  Returns how many. */
uint32_t io_replay_recorded_map(const io_log_header *h, uint32_t p, uint32_t lo,
                                uint32_t hi, int32_t *map /* OUT */);

/* Decimals needed to print multiples of res_ms exactly (1 for 0.1 ms). */
int io_replay_ms_decimals(double res_ms);

/* Next spike of the merged stream, in (tick, gid) order (ties between
   files, which a valid run never has, go by file order), within the
   filter.  Returns 1 and fills *tick, *gid; 0 at the end (of the data or
   of the window); a negative code (with message) when a file is corrupt. */
int io_replay_next(io_replay *rp, sim_time *tick /* OUT */,
                   sim_gid *gid /* OUT */);

/* Kind IO_REPLAY_SAMPLES: the next sampled neuron of the merged stream,
   in (tick, recorder, gid) order, within the filter (the recorder's
   population and the neuron's local id).  Returns 1 and fills *tick, *rec
   (index into the header's recs), *gid and *values (the recorder's nvars
   values of that neuron, borrowed until the next call); 0 at the end; a
   negative code when a file is corrupt. */
int io_replay_next_sample(io_replay *rp, sim_time *tick /* OUT */, uint32_t *rec /* OUT */,
                          sim_gid *gid /* OUT */, const double **values /* OUT */);

/* Kinds WEIGHTS, DEVICES, ENERGY: the next row of the merged stream in
   (tick, id, pre, post) order (ties of one file in file order; an ENERGY
   row comes once per file that has it: the caller sums them), within
   the filter: the target population of the row's projection (ENERGY:
   population components, projections by target, transport only without
   --population) and the post neuron's local id.  Returns 1 and *row
   (borrowed until the next call); 0 at the end; a negative code when a
   file is corrupt. */
int io_replay_next_row(io_replay *rp, const io_replay_row **row /* OUT */);

/* The reader of file f (borrowed), for its status and units. */
const io_log_reader *io_replay_reader(const io_replay *rp, int f);

/* Files given. */
int io_replay_nfiles(const io_replay *rp);

/* Sample records read (all files) of recorder rec, so far. */
uint64_t io_replay_samples_read(const io_replay *rp, uint32_t rec);

/* The ranks of the run no file covers, as " 1, 3" in buf (len bytes);
   returns how many. */
int io_replay_missing_ranks(const io_replay *rp, char *buf, size_t len);

/* Header of the first file (borrowed; populations and recorders are the
   same in every file, rank is that file's). */
const io_log_header *io_replay_header(const io_replay *rp);

/* The end of the merged data (exclusive tick), known once io_replay_next
   returned 0: the smallest complete tick over the files, or the window's
   end (--to) when that comes first. */
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

/* io_replay_summary over the selection of f (NULL: everything): neurons
   are the recorded ones inside the selection, duration the window's part
   of the recorded duration. */
int io_replay_report(const char *const *paths, int n, int flags,
                     const io_replay_filter *f, FILE *out);

/* Write the merged spikes as CSV to out: a line
   "time_ms,population,local_id,gid", then one line per spike, time printed
   with as many decimals as the resolution needs.  Returns 0 or an error
   code. */
int io_replay_spikes_csv(const char *const *paths, int n, int flags, FILE *out);

/* Write records of kind within f (NULL: everything) as CSV to out; the
   columns per kind are in docs/replay.md ("CSV").  Returns 0 or an error
   code (SIM_EINVAL when the run has nothing of that kind to write). */
int io_replay_csv(const char *const *paths, int n, int flags, io_replay_kind kind,
                  const io_replay_filter *f, FILE *out);

#endif
