/*
 * sim_ckpt.h: the checkpoint interface the kernel defines.  A checkpoint
 * is, per rank, a sequence of records (a tag and typed fields) written
 * through a writer and read back through a reader; io/io_ckpt.c
 * implements both with msgpack (docs/checkpoint-format.md).  The engine
 * (core/sim_engine_ckpt.c) writes its own records and calls the save and
 * load methods of the plug-ins' ops tables (neuron models: sim_neuron.h;
 * sources: sim_source.h; projection kinds: sim_syn.h) for theirs.
 *
 * Everything a record holds is keyed by gid (neurons) or by synapse key
 * (projection, pre gid, post gid, ordinal), never by a rank-local index,
 * so that a checkpoint of N ranks can be loaded on M: each rank reads
 * every rank's file and keeps what it owns.
 */
#ifndef SIM_CKPT_H
#define SIM_CKPT_H

#include <stddef.h>
#include <stdint.h>

#include "sim_types.h"

/* The writer: a record is rec(tag, nfields) then exactly nfields puts.
   Puts cannot fail (the writer buffers; its owner reports I/O errors when
   it finishes the file).  bin: raw bytes, little-endian numbers. */
typedef struct sim_ckpt_wops {
  void (*rec)(void *self, const char *tag, uint32_t nfields);
  void (*u64)(void *self, uint64_t v);
  void (*i64)(void *self, int64_t v);
  void (*f64)(void *self, double v);
  void (*bin)(void *self, const void *p, size_t n);
} sim_ckpt_wops;

typedef struct sim_ckpt_writer {
  const sim_ckpt_wops *ops;
  void *self;
} sim_ckpt_writer;

/* The reader, over one rank's file.  next: the next record's tag (borrowed
   until the next call) and field count; returns 0, 1 at the end, or a
   negative code with a message.  The gets take the next field of the
   current record; a field of another type, or past the record's end, is
   SIM_EFORMAT with a message naming the file, the record (number and tag)
   and the field.  bin hands a pointer into the reader's buffer (valid
   until the reader is destroyed).  bad: a message naming the file and the
   record with what is wrong (printf format in what); returns SIM_EFORMAT. */
typedef struct sim_ckpt_rops {
  int (*next)(void *self, const char **tag, uint32_t *nfields);
  int (*u64)(void *self, const char *field, uint64_t *v);
  int (*i64)(void *self, const char *field, int64_t *v);
  int (*f64)(void *self, const char *field, double *v);
  int (*bin)(void *self, const char *field, const void **p, size_t *n);
  int (*bad)(void *self, const char *what);
} sim_ckpt_rops;

typedef struct sim_ckpt_reader {
  const sim_ckpt_rops *ops;
  void *self;
  int rank, nranks;  /* of the run that wrote the file */
} sim_ckpt_reader;

/* What a plug-in's load is told about the file it reads. */
typedef struct sim_ckpt_load {
  sim_ckpt_reader *r;
  int same;          /* 1: written by this rank of a run on as many ranks
                        (rank-local layouts are identical) */
  int counters;      /* 1: add the file's rank-local counters (energy,
                        activity) here: on the same layout, or on rank 0
                        when the rank count changed (totals stay exact) */
  uint16_t file;     /* the file's place among those loaded */
} sim_ckpt_load;

static inline void sim_ckpt_rec(const sim_ckpt_writer *w, const char *tag, uint32_t n)
{
  w->ops->rec(w->self, tag, n);
}
static inline void sim_ckpt_u64(const sim_ckpt_writer *w, uint64_t v) { w->ops->u64(w->self, v); }
static inline void sim_ckpt_i64(const sim_ckpt_writer *w, int64_t v) { w->ops->i64(w->self, v); }
static inline void sim_ckpt_f64(const sim_ckpt_writer *w, double v) { w->ops->f64(w->self, v); }
static inline void sim_ckpt_bin(const sim_ckpt_writer *w, const void *p, size_t n)
{
  w->ops->bin(w->self, p, n);
}
static inline int sim_ckpt_get_u64(sim_ckpt_reader *r, const char *f, uint64_t *v)
{
  return r->ops->u64(r->self, f, v);
}
static inline int sim_ckpt_get_i64(sim_ckpt_reader *r, const char *f, int64_t *v)
{
  return r->ops->i64(r->self, f, v);
}
static inline int sim_ckpt_get_f64(sim_ckpt_reader *r, const char *f, double *v)
{
  return r->ops->f64(r->self, f, v);
}
static inline int sim_ckpt_get_bin(sim_ckpt_reader *r, const char *f, const void **p,
                                   size_t *n)
{
  return r->ops->bin(r->self, f, p, n);
}
static inline int sim_ckpt_bad(sim_ckpt_reader *r, const char *what)
{
  return r->ops->bad(r->self, what);
}
/* A bin field of exactly n items of size sz each (n unknown: *n set). */
int sim_ckpt_get_array(sim_ckpt_reader *r, const char *f, size_t sz, const void **p,
                       size_t *n);

/* A synapse, the same on any number of ranks: its projection, its source
   and target gids, and its ordinal among the synapses from pre to post
   (draw order, sim_syn.h). */
typedef struct sim_ckpt_key {
  uint32_t proj, pre, post, ord;
} sim_ckpt_key;

struct sim_net;
/* Keys of projection proj's synapses on this rank, in CSR order (owned by
   the caller; free with sim_free).  src_first: the source's first gid;
   tgt_gid: the target's local gids. */
sim_ckpt_key *sim_ckpt_keys(const struct sim_net *net, uint32_t proj);
/* CSR entry of key on this rank: 1 (found, *k set), 0 (its target is not
   owned here), or -1 (no such synapse: another network). */
int sim_ckpt_find(const struct sim_net *net, const sim_ckpt_key *key, uint64_t *k);
/* Local index of gid in population pop: 1 (found, *j set) or 0 (not here). */
int sim_ckpt_local(const struct sim_net *net, uint32_t pop, sim_gid gid, uint32_t *j);

#endif
