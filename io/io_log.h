/*
 * io_log.h: the event log of one rank: a writer the engine feeds while it
 * runs, and a reader for replay and tests.
 *
 * A log is one msgpack stream per rank: a header map, then records, each a
 * msgpack array whose first element is a type code (docs/log-format.md is
 * the full specification; this is version 2).  The writer (io_log_write.c)
 * buffers records in memory and writes only when it creates the file (the
 * header) and at io_log_flush and io_log_close, in whole records: a crash
 * loses at most the window being simulated.  Beside the log it keeps the
 * index sidecar <path>.index (io_log_index.c).  The reader is
 * io_log_read.c with io_log_records.c; it reads versions 1 and 2.
 *
 * Call order on the engine side (one io_log per rank):
 *   io_log_create                      before the first window
 *   per window [t, t_end):
 *     io_log_spike / io_log_sample     any order, ticks in [t, t_end)
 *     io_log_devices / io_log_energy / io_log_weights
 *                                      at the window end, window end t_end
 *     io_log_flush(log, t_end)         after the window's last spike
 *   io_log_close(log, final_tick)      run finished: end record, file closed
 *   io_log_destroy(log)                run aborted: no end record, so readers
 *                                      report the log as truncated
 */
#ifndef IO_LOG_H
#define IO_LOG_H

#include <stdint.h>

#include "../core/sim_types.h"

#define IO_LOG_FORMAT "memspike-log" /* value of the header's "format" */
#define IO_LOG_PACKED_SPIKES 6       /* code of a packed spike block */
#define IO_LOG_VERSION 2             /* "version" the writer writes; the
                                        reader reads 1 and 2 */

/* ---------------------------------------------------------------- header */

/* A population as the header lists it. */
typedef struct io_log_pop {
  const char *name;   /* config name: "E" */
  const char *model;  /* neuron model or generator: "iaf_psc_delta" */
  sim_gid first_gid;  /* gids [first_gid, first_gid + n) */
  uint32_t n;         /* neurons */
} io_log_pop;

/* Recorder kinds; same values as net_rec_kind. */
typedef enum io_log_rec_kind {
  IO_LOG_REC_SPIKES = 0, /* spike_recorder: its spikes go to spike blocks */
  IO_LOG_REC_STATE = 1,  /* multimeter: its samples go to sample records */
  IO_LOG_REC_WEIGHTS = 2, /* weight snapshots of a projection (code 7) */
  IO_LOG_REC_DEVICES = 3, /* device writes of a projection (code 4) */
  IO_LOG_REC_ENERGY = 4   /* energy counters (code 5) */
} io_log_rec_kind;

/* A projection as the header lists it (version 2).  Device-write, energy
   and weight records name projections by their index in the header. */
typedef struct io_log_proj {
  const char *name;
  uint32_t src, tgt;          /* population indices */
  const char *kind;           /* the kind's ops name: "static", "device" */
  const char *device;         /* device preset name, or NULL / "" */
} io_log_proj;

/* A recorder as the header lists it.  Recorder i of the header is the
   `rec` index of io_log_sample and of sample records. */
typedef struct io_log_rec {
  const char *name;
  uint32_t pop;               /* index into the header's pops */
  io_log_rec_kind kind;
  uint32_t first, count;      /* recorded neurons: population-local indices
                                 [first, first + count) (all ranks) */
  const char *const *vars;    /* STATE: sampled variables ("V_m"), nvars */
  const char *const *units;   /* STATE: unit of each variable ("mV"), or
                                 NULL: looked up in a table of NEST names
                                 (V_m mV, I_syn pA, g_ex nS, ...) */
  uint32_t nvars;             /* 0 for SPIKES */
  double interval_ms;         /* STATE: sampling interval (ms); 0 for SPIKES */
  const sim_gid *gids;        /* STATE: the recorded neurons whose values this
                                 rank's sample records hold, in value order
                                 (ascending gids it owns); NULL means all
                                 `count` neurons from first_gid + first */
  uint32_t ngids;             /* entries of gids (ignored when gids NULL) */
  uint32_t proj;              /* WEIGHTS, DEVICES: projection index */
  double sample;              /* WEIGHTS: fraction of synapses in (0, 1] */
} io_log_rec;
/* WEIGHTS, DEVICES and ENERGY recorders have first = count = 0, no
   variables; pop is the projection's target (ENERGY: 0); interval_ms is
   the snapshot interval (WEIGHTS), the aggregation interval (ENERGY, 0:
   every window) or 0 (DEVICES). */

/* Everything the header holds.  The writer copies what it needs; in a
   reader the strings and arrays belong to the reader. */
typedef struct io_log_header {
  const char *config;         /* config file path ("" when none) */
  uint64_t digest;            /* config digest (net_desc.digest) */
  uint64_t seed;
  int rank, nranks;           /* 0 <= rank < nranks */
  double resolution_ms;       /* one tick (ms), > 0 */
  double duration_ms;         /* planned simulated time (ms) */
  const io_log_pop *pops;     /* npops entries */
  uint32_t npops;
  const io_log_rec *recs;     /* nrecs entries */
  uint32_t nrecs;
  const io_log_proj *projs;   /* nprojs entries (version 2; a version-1
                                 file has none) */
  uint32_t nprojs;
  const char *weight_unit;    /* unit of weights ("mV" for delta models,
                                 "pA" for current models); NULL: "pA" */
  uint64_t t_start;           /* tick the log starts at: a run resumed from
                                 a checkpoint into a new set of rank files
                                 (docs/log-format.md "t_start"); 0 for every
                                 other log, and then not written */
} io_log_header;

/* ---------------------------------------------------------------- writer */

/* One rank's log being written.  What the writer holds and when it
   writes:
   - io_log_create writes the header and flushes it: once it has returned
     0, the file holds a complete header.
   - io_log_sample packs its record into the memory buffer at once;
     io_log_spike only appends to the window's pending spikes.  Neither
     writes to the file.
   - io_log_devices, io_log_energy and io_log_weights pack their record
     at once too, in call order.
   - io_log_flush (and io_log_close for what is pending) packs the
     window's closing record, a packed spike block (code 6) sorted by
     (tick, gid) or, when there were no spikes, a window end, after the
     window's other records, and writes the buffer with one fwrite and one
     fflush.  Then, once >= 64 KiB of log came since the last index entry,
     it appends one entry to the sidecar (and at close one for the end
     record); a sidecar that cannot be written is dropped silently.  The
     buffer is then empty: nothing logged stays in memory across a flush.
   - A window with no spike and no sample is not written on its own: a
     flush with nothing pending writes a window-end record only once at
     least QUIET_MARK_TICKS (1000) ticks have passed since the last closing
     record, so one mark may cover many quiet windows.
   - io_log_close writes the end record with the totals of the file;
     io_log_destroy writes nothing more.
   - After a failed write (a full disk) the writer writes nothing more and
     every later flush or close returns the same error: the file never
     holds data after a hole.
   What a reader may therefore assume of the file:
   - it is the header, then groups of (sample records of one window, in
     the order io_log_sample was called; the window's closing record),
     then the end record if the run finished;
   - window ends strictly increase from one closing record to the next,
     and every tick in a group lies in [the previous closing record's
     window end, this one's);
   - once a closing record with window end e is read, every event of this
     rank with a tick < e has been read (io_log_status.complete_tick);
   - the end record's totals count what the file holds (spikes, sample
     records, closing records, device-write, energy and weight records);
   - a file without an end record is a run that died or was abandoned; its
     last record may be cut short by a failed or interrupted write, and
     everything before that record is whole;
   - the same calls give byte-identical files: no wall-clock time, host
     name or pointer goes in. */
typedef struct io_log io_log;

/* Create the log file at path (truncating it) and write its header, so
   that even a run that dies in its first window leaves a readable file.
   Returns 0 and *out (caller owns; finish with io_log_close or
   io_log_destroy), SIM_EIO naming the path and the system's reason when the
   file cannot be created or written, SIM_EINVAL for an inconsistent header
   (recorder naming a population that does not exist, wrong sizes). */
int io_log_create(const char *path, const io_log_header *h,
                  io_log **out /* OUT */);

/* Where a log stands at a window end (a checkpoint saves it): bytes in
   the file and the writer's counters. */
typedef struct io_log_pos {
  uint64_t bytes, header_bytes;
  sim_time window_end, max_pending;
  uint64_t nspikes, nsamples, nwindows, ndevices, nenergy, nweights;
} io_log_pos;

/* The position of log, between windows (after a flush). */
void io_log_position(const io_log *log, io_log_pos *pos /* OUT */);
/* Continue the log at path from pos (a resumed run): the file is cut back
   to pos->bytes (what the run wrote after the checkpoint goes), its index
   sidecar to the entries before, and later records are appended, so that
   the file reads as one run.  h: the header the log was created with.
   Returns 0 or SIM_EIO naming path (a file shorter than pos). */
int io_log_reopen(const char *path, const io_log_header *h, const io_log_pos *pos,
                  io_log **out /* OUT */);

/* Log a spike of neuron gid at tick (>= the last flushed window end).
   Amortised O(1): appended to an in-memory array, no I/O. */
void io_log_spike(io_log *log, sim_time tick, sim_gid gid);

/* Log one sample of state recorder rec at tick (>= the last flushed window
   end): n == ngids x nvars values (units as in the header), neuron-major
   (all variables of the first neuron, then the next).  Packed into the
   memory buffer at once; no I/O.  Samples keep their call order in the
   file, so call in a deterministic order (by tick, then recorder).  On a
   rank that owns none of the recorder's neurons (ngids == 0) a call with
   n == 0 writes nothing. */
void io_log_sample(io_log *log, uint32_t rec, sim_time tick,
                   const double *values, uint32_t n);

/* End of a window: every spike and sample logged so far has a tick <
   window_end.  Packs the pending spikes as one block sorted by (tick, gid)
   (or a window-end record when there were none), writes the buffer with
   one write and flushes the stream.  window_end must not decrease; calling
   again with the same window_end and nothing pending does nothing.
   Returns 0 or SIM_EIO (naming the path); after a write error every later
   flush and close returns the same error without writing, so the file
   never holds data after a hole. */
int io_log_flush(io_log *log, sim_time window_end);

/* Finish a completed run: flush what is pending (as a window ending at
   final_tick), write the end record (final tick and totals), close the file
   and free log.  final_tick is the exclusive end of the run (duration in
   ticks) and >= the last window end.  NULL is a no-op.  Returns 0 or
   SIM_EIO; log is freed in every case. */
int io_log_close(io_log *log, sim_time final_tick);

/* Abandon a log (run aborted): close the file without flushing or writing
   an end record, and free log.  What was flushed stays readable and
   readers report the log as truncated.  NULL is a no-op. */
void io_log_destroy(io_log *log);

/* One device write event (code 4). */
typedef struct io_log_dev_write {
  sim_time tick;
  sim_gid pre, post;
  int32_t pulses; /* > 0 potentiation, < 0 depression */
  double g;       /* device conductance after the write (uS) */
} io_log_dev_write;

/* Log the window's device writes of this rank's synapses of projection
   proj: n entries sorted by (tick, pre, post, occurrence), ticks in [the
   last flushed window end, window_end).  Packed into the buffer at once
   (one record; n == 0 writes nothing). */
void io_log_devices(io_log *log, sim_time window_end, uint32_t proj,
                    const io_log_dev_write *w, uint32_t n);

/* One energy row (code 5): deltas since the previous energy record. */
typedef struct io_log_energy_row {
  uint32_t component; /* projection i; nprojs + population p; nprojs +
                         npops: transport */
  uint64_t reads, pulses, updates, spikes;
  double read_pj, write_pj;
} io_log_energy_row;

/* Log energy counters at window_end: n rows ascending by component.
   Packed at once (n == 0 writes nothing). */
void io_log_energy(io_log *log, sim_time window_end,
                   const io_log_energy_row *rows, uint32_t n);

/* Log a weight snapshot of weights recorder rec taken at tick (the window
   end about to be flushed): n synapses sorted by (pre, post, CSR order),
   weights w in the header's weight unit, conductances g (uS) or NULL.
   Packed at once (n == 0 writes nothing). */
void io_log_weights(io_log *log, uint32_t rec, sim_time tick,
                    const sim_gid *pre, const sim_gid *post, const double *w,
                    const double *g, uint32_t n);

/* Bytes written to the file so far (header included). */
uint64_t io_log_bytes(const io_log *log);

/* ---------------------------------------------------------------- reader */

/* Record type codes.  1-63 are critical: a reader that does not know a
   code must stop with an error.  64-127 are optional: a reader that does
   not know one skips it.  Packed spike blocks (6, version 2) come out as
   IO_LOG_SPIKES, like version 1's spike blocks (1). */
typedef enum io_log_rtype {
  IO_LOG_SPIKES = 1,  /* [1, window_end, base_tick, [dtick...], [gid...]]
                         or [6, window_end, base_tick, nspikes, bin] */
  IO_LOG_SAMPLES = 2, /* [2, rec, tick, [value...]] */
  IO_LOG_WINDOW = 3,  /* [3, window_end] */
  IO_LOG_DEVICES = 4, /* [4, window_end, proj, base_tick, [dtick...],
                          [pre...], [post...], [pulses...], [g...]] */
  IO_LOG_ENERGY = 5,  /* [5, window_end, [[component, ...7 fields], ...]] */
  IO_LOG_WEIGHTS = 7, /* [7, tick, rec, [pre...], [post...], [w...], [g...]] */
  IO_LOG_END = 9      /* [9, final_tick, {"spikes": n, "samples": n, ...}] */
} io_log_rtype;

/* One record as io_log_reader_next returns it.  Arrays are borrowed from
   the reader: valid until the next call on it. */
typedef struct io_log_record {
  io_log_rtype type;
  uint64_t index;  /* 1 for the first record after the header (0) */
  uint64_t offset; /* byte offset of the record in the file */
  uint64_t size;   /* bytes of the record */
  sim_time tick;   /* SPIKES, WINDOW, DEVICES, ENERGY: window end
                      (exclusive); SAMPLES: the sampling tick; WEIGHTS: the
                      snapshot tick; END: the final tick (exclusive) */
  union {
    struct {
      const sim_time *ticks; /* absolute ticks, sorted with gids by (tick, gid) */
      const sim_gid *gids;
      uint32_t n;
    } spikes;
    struct {
      uint32_t rec;          /* index into the header's recs (a STATE one) */
      const double *values;  /* n == ngids x nvars of rec, neuron-major */
      uint32_t n;
    } samples;
    struct {
      uint32_t proj;         /* projection index */
      const sim_time *ticks; /* absolute */
      const sim_gid *pre, *post;
      const int32_t *pulses;
      const double *g;
      uint32_t n;
    } devices;
    struct {
      const io_log_energy_row *rows;
      uint32_t n;
    } energy;
    struct {
      uint32_t rec;          /* index of a WEIGHTS recorder of the header */
      const sim_gid *pre, *post;
      const double *w, *g;   /* g NULL when the record holds none */
      uint32_t n;
    } weights;
    struct {
      uint64_t spikes;       /* spikes in the file, as the writer counted */
      uint64_t samples;      /* sample records in the file */
      uint64_t windows;      /* flushes that wrote a window */
      uint64_t devices, energy, weights; /* records (version 2; 0 in 1) */
    } end;
  };
} io_log_record;

/* Where a reader stands; complete once io_log_reader_next returned 0. */
typedef struct io_log_status {
  int ended;               /* 1: the end record was read (the run finished) */
  int truncated;           /* 1: the file stops without an end record */
  uint64_t records;        /* complete records read after the header */
  uint64_t good_bytes;     /* bytes up to the end of the last complete record */
  uint64_t partial_bytes;  /* bytes of an incomplete last record, dropped */
  sim_time complete_tick;  /* every event with a tick below this is in the
                              file: the final tick once ended, else the last
                              window end read (0 before any) */
  uint64_t spikes;         /* spikes read so far */
  uint64_t samples;        /* sample records read so far */
  uint64_t devices, energy, weights; /* such records read so far */
} io_log_status;

typedef struct io_log_reader io_log_reader;

/* Open a log and read and check its header.  Returns 0 and *out (caller
   owns; free with io_log_reader_destroy), SIM_EIO if the file cannot be
   read, SIM_EFORMAT with a message naming the file and the missing or
   wrong field when it is not a memspike log of a version this reader knows. */
int io_log_reader_create(const char *path, io_log_reader **out /* OUT */);

/* The parsed header (borrowed; valid until the reader is destroyed). */
const io_log_header *io_log_reader_header(const io_log_reader *r);

/* Unit of a quantity named in the header's "units" ("time", "V_m"), or
   NULL when the header does not give one. */
const char *io_log_reader_unit(const io_log_reader *r, const char *name);

/* The path given at creation. */
const char *io_log_reader_path(const io_log_reader *r);

/* Read the next record into *rec.  Returns 1 on a record; 0 at the end of
   the data: after the end record, or when the file stops early, in which
   case the status says truncated and records everything complete that came
   before (records are never returned in part).  SIM_EFORMAT for a corrupt
   record, with a message naming the file, the record index, its byte offset
   and what was expected; SIM_EIO on a read error.  Errors are sticky. */
int io_log_reader_next(io_log_reader *r, io_log_record *rec /* OUT */);

/* Fill *st with the reader's progress (see io_log_status). */
void io_log_reader_status(const io_log_reader *r, io_log_status *st /* OUT */);

/* Position r so that the next records returned are those that may hold
   events with a tick >= tick (callers still filter by tick: the skip is
   exact only to the record).  Uses the sidecar <path>.index when it is
   valid, else scans from the start (a damaged sidecar: see
   io_log_reader_warning).  The status then counts only what was read.
   Returns 0, or the error that reading met (sticky, as for _next). */
int io_log_reader_seek(io_log_reader *r, sim_time tick);

/* 1 when a valid sidecar index was found and is used by seek. */
int io_log_reader_indexed(const io_log_reader *r);

/* The warning of the last seek that could not use the sidecar (it names
   the sidecar and what was wrong), or NULL. */
const char *io_log_reader_warning(const io_log_reader *r);

/* Close the file and free the reader; NULL is a no-op. */
void io_log_reader_destroy(io_log_reader *r);

#endif
