/*
 * io_log_index.h: the event log's index sidecar, <log path>.index
 * (docs/log-format.md, "Index sidecar"): written beside the log by the
 * writer (io_log_write.c), read by io_log_reader_seek (io_log_read.c).
 * Internal to io/.
 *
 * Layout: a 24-byte header "MSPKIDX1", u64 LE digest (the header's
 * config digest), u64 LE offset of the first record after the log header;
 * then 16-byte entries u64 LE tick, u64 LE offset: at `offset` starts the
 * first record after a window mark with window end `tick`.
 */
#ifndef IO_LOG_INDEX_H
#define IO_LOG_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "../core/sim_types.h"

#define IO_LOG_INDEX_MAGIC "MSPKIDX1"
#define IO_LOG_INDEX_HEADER 24
#define IO_LOG_INDEX_ENTRY 16
#define IO_LOG_INDEX_EVERY (64u * 1024u) /* log bytes between entries */

typedef struct io_log_index_writer io_log_index_writer;

/* Create <log_path>.index (truncating it) and write its header; NULL when
   it cannot be written (the log goes on without a sidecar; a stale one is
   removed).  first_off: bytes of the log header. */
io_log_index_writer *io_log_index_create(const char *log_path, uint64_t digest,
                                         uint64_t first_off);

/* Reopen <log_path>.index of a log continued at upto bytes: keep its
   entries before upto, drop the rest.  A sidecar that is missing or of
   another log is made anew (header only).  NULL when it cannot be
   written. */
io_log_index_writer *io_log_index_reopen(const char *log_path, uint64_t digest,
                                         uint64_t first_off, uint64_t upto);

/* The log now holds `off` bytes, the last of them a window mark with
   window end tick (or, force: the end record starts at off).  Appends an
   entry (one write) when >= IO_LOG_INDEX_EVERY bytes came since the last
   one, or when force and the entry is new.  NULL is a no-op; after a
   write error nothing more is written. */
void io_log_index_mark(io_log_index_writer *w, sim_time tick, uint64_t off,
                       int force);

/* Close the sidecar; NULL is a no-op. */
void io_log_index_close(io_log_index_writer *w);

typedef struct io_log_index_entry {
  sim_time tick;
  uint64_t offset;
} io_log_index_entry;

/* Read and check <log_path>.index against the log (its digest, header
   size and current size).  Returns 1 with *out (caller frees with
   sim_free) and *n entries (0 possible), 0 when there is no sidecar, -1
   when it is unusable, with the reason in warn (naming the sidecar).  A
   partial last entry is ignored. */
int io_log_index_load(const char *log_path, uint64_t digest,
                      uint64_t first_off, uint64_t log_size,
                      io_log_index_entry **out, size_t *n, char *warn,
                      size_t warnlen);

#endif
