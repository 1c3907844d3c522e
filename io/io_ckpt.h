/*
 * io_ckpt.h: checkpoint files (docs/checkpoint-format.md): the writer and
 * reader of core/sim_ckpt.h over msgpack, one file per rank, written
 * atomically (temporary file, fsync, rename, directory fsync) and closed
 * by an end record with a CRC-32 of everything before it.
 */
#ifndef IO_CKPT_H
#define IO_CKPT_H

#include <stdint.h>

#include "../core/sim_ckpt.h"
#include "../core/sim_types.h"

#define IO_CKPT_FORMAT "memspike-checkpoint"
#define IO_CKPT_VERSION 1

/* The header of one rank's file: what the run was and where it stood. */
typedef struct io_ckpt_header {
  uint32_t version;          /* IO_CKPT_VERSION when written */
  int rank, nranks;
  sim_time tick;             /* the run goes on from here (a window end) */
  uint64_t digest;           /* config digest (net_desc.digest) */
  uint64_t seed;
  double resolution_ms;
  double duration_ms;        /* of the run that wrote it */
  const char *config;        /* config path as given */
  const char *const *sets;   /* --set overrides, nsets of them */
  uint32_t nsets;
  const char *out_dir;       /* the run's output directory ("" : none) */
  const char *log_path;      /* this rank's event log ("": none) */
  const void *log_pos;       /* the log's position (io_log_pos), log_pos_len bytes */
  uint32_t log_pos_len;
} io_ckpt_header;

typedef struct io_ckpt_w io_ckpt_w;

/* Start the file of this rank in memory; caller finishes with
   io_ckpt_w_commit or frees with io_ckpt_w_destroy. */
io_ckpt_w *io_ckpt_w_create(const io_ckpt_header *h);
sim_ckpt_writer io_ckpt_w_writer(io_ckpt_w *w);
/* Append the end record and write the file as path, atomically; bytes
   written in *bytes (may be NULL).  Returns 0 or SIM_EIO naming path. */
int io_ckpt_w_commit(io_ckpt_w *w, const char *path, uint64_t *bytes);
void io_ckpt_w_destroy(io_ckpt_w *w);

typedef struct io_ckpt_r io_ckpt_r;

/* Read and check the file at path: its end record and checksum, its
   format and version, its header.  Returns 0 or SIM_EFORMAT / SIM_EIO
   with a message naming the file and, for a record, its number. */
int io_ckpt_r_open(const char *path, io_ckpt_r **out /* OUT */);
/* The header (borrowed, valid until destroy). */
const io_ckpt_header *io_ckpt_r_header(const io_ckpt_r *r);
/* The records, from the first, as the kernel's reader. */
sim_ckpt_reader *io_ckpt_r_reader(io_ckpt_r *r);
uint64_t io_ckpt_r_bytes(const io_ckpt_r *r);
void io_ckpt_r_destroy(io_ckpt_r *r);

#endif
