/*
 * io_log_rd.h: the event log reader's state and helpers, shared by
 * io_log_read.c (files, header, version-1 records) and io_log_records.c
 * (version-2 records, seeking).  Internal to io/.
 */
#ifndef IO_LOG_RD_H
#define IO_LOG_RD_H

#include <msgpack.h>
#include <stdio.h>

#include "io_log.h"
#include "io_log_index.h"

struct io_log_reader {
  char *path;               /* owned */
  FILE *f;
  uint64_t file_size;       /* at open; bounds what a record may claim */
  unsigned char *buf;       /* read buffer: file bytes [buf_off, buf_off + len) */
  size_t cap, len, pos;     /* pos: start of the next record in buf */
  uint64_t buf_off;
  int eof;                  /* nothing more to read */
  msgpack_unpacked up;      /* objects of the current record */
  io_log_header h;          /* arrays below; strings in owned */
  io_log_pop *pops;
  io_log_rec *recs;
  const char **unit_keys, **unit_vals;
  uint32_t nunits;
  void **owned;             /* every string and array the header points to */
  size_t nowned, capowned;
  uint32_t *rec_nvalues;    /* values per sample of each state recorder */
  int pops_contiguous;      /* populations cover [0, gid_end) without gaps */
  sim_gid gid_end;          /* one past the last gid of any population */
  sim_time *ticks;          /* spikes of the last block, absolute */
  sim_gid *gids;
  size_t capspk;
  double *values;           /* values of the last sample record */
  size_t capval;
  sim_time last_window;     /* last window end read; -1 before any */
  io_log_status st;
  int err;                  /* sticky error code, 0 while fine */
  int version;              /* header "version": 1 or 2 */
  io_log_proj *projs;
  uint64_t header_end;      /* offset of the first record */
  /* device writes, energy rows, weights of the last such record */
  sim_time *dticks;
  sim_gid *pre, *post;
  int32_t *pulses;
  double *gv, *wv;
  size_t capdev;
  io_log_energy_row *rows;
  size_t caprows;
  /* seeking */
  io_log_index_entry *idx;  /* sidecar entries (sim_free) */
  size_t nidx;
  int indexed;              /* 1: the sidecar is used */
  int seeked;               /* 1 after a seek: counts start there */
  int held;                 /* 1: `hold` is the next record to return */
  io_log_record hold;
  char warning[512];        /* "" when none */
};

/* A format error of record rec: names the file, the record index, its
   byte offset and what (sticky).  Returns SIM_EFORMAT. */
int io_lr_error(io_log_reader *r, const io_log_record *rec, const char *fmt,
                ...) __attribute__((format(printf, 3, 4)));
/* 1 when g is a neuron of a population of the header. */
int io_lr_gid_known(const io_log_reader *r, sim_gid g);
/* An unsigned integer; a tick (an integer in [0, INT64_MAX]). */
int io_lr_uint(const msgpack_object *o, uint64_t *v);
int io_lr_tick(const msgpack_object *o, sim_time *v);
/* The next record, not looking at a held one (io_log_reader_next). */
int io_lr_next(io_log_reader *r, io_log_record *rec);
/* Decoders of spike blocks (1, 6) and the version-2 records: 0 or
   SIM_EFORMAT. */
int io_lr_spikes(io_log_reader *r, const msgpack_object *a, io_log_record *rec);
int io_lr_packed(io_log_reader *r, const msgpack_object *a, io_log_record *rec);
int io_lr_devices(io_log_reader *r, const msgpack_object *a, io_log_record *rec);
int io_lr_energy(io_log_reader *r, const msgpack_object *a, io_log_record *rec);
int io_lr_weights(io_log_reader *r, const msgpack_object *a, io_log_record *rec);

#endif
