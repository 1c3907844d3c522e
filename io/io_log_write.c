/*
 * io_log_write.c: the event log writer (io_log.h; format:
 * docs/log-format.md).
 *
 * Owns the FILE, an output buffer of packed records not yet written, and
 * the pending spikes of the current window.  Spikes are only appended
 * while a window runs; at io_log_flush they are sorted by (tick, gid),
 * packed as one block and the buffer goes out in one fwrite + fflush, so
 * the file only ever grows by whole records.
 */
#include "io_log.h"
#include "io_log_index.h"
#include "io_varint.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"

/* Output buffer behind the msgpack packer; grows with sim_realloc, so
   packing never fails (out of memory ends the run by policy). */
typedef struct obuf {
  char *data;
  size_t size, cap; /* bytes used, allocated */
} obuf;

/* Make room for n more bytes. */
static void obuf_reserve(obuf *b, size_t n)
{
  if (b->cap - b->size >= n)
    return;
  size_t cap = b->cap ? b->cap : 64 * 1024;
  while (cap - b->size < n)
    cap *= 2;
  b->data = sim_realloc(b->data, cap, "event log output buffer");
  b->cap = cap;
}

/* The packer's write callback. */
static int obuf_write(void *data, const char *p, size_t n)
{
  obuf *b = data;
  obuf_reserve(b, n);
  memcpy(b->data + b->size, p, n);
  b->size += n;
  return 0;
}

/* Between calls: `out` holds only whole records of the current window
   (its sample records; the closing record is packed and written in the
   same flush), so after every successful flush out.size == 0; `bytes` is
   exactly what the file holds; the pending spikes all have ticks >=
   window_end; once err is set, nothing more reaches the file. */
struct io_log {
  char *path;             /* owned, for messages */
  FILE *f;                /* unbuffered: `out` holds whole windows */
  int err;                /* first write error (sticky), 0 while healthy */
  uint64_t bytes;         /* written to the file so far */
  obuf out;               /* packed records not yet written */
  msgpack_packer pk;      /* packs into out */
  /* Pending spikes of the current window, in call order. */
  sim_time *ticks;
  sim_gid *gids;
  size_t nspk, capspk;
  uint64_t *keys, *tmp;   /* sort scratch, capkeys entries each */
  size_t capkeys;
  sim_time window_end;    /* window end of the last closing record written
                             (0 before any): a flush with nothing pending
                             and an end closer than QUIET_MARK_TICKS leaves
                             it unchanged; every pending tick is >= this */
  sim_time max_pending;   /* largest tick logged so far (spikes and samples;
                             never lowered, so >= every pending tick) */
  int pending;            /* 1 when a spike or sample waits for a flush */
  uint32_t nrecs;
  uint32_t *rec_nvalues;  /* values per sample of each state recorder (0
                             when this rank owns none of its neurons) */
  unsigned char *rec_kind; /* io_log_rec_kind of each recorder */
  uint32_t nprojs;
  unsigned char *vbuf;    /* varint payload of a packed spike block */
  size_t capv;
  io_log_index_writer *idx; /* the sidecar, NULL when it cannot be written */
  uint64_t nspikes, nsamples, nwindows; /* totals for the end record, of
                                           the records packed so far */
  uint64_t ndevices, nenergy, nweights;
  uint64_t header_bytes;  /* of the header, where the records start */
};

/* Units of NEST state variables, used when a recorder gives none. */
static const char *const nest_units[][2] = {
    {"V_m", "mV"},     {"V_th", "mV"},     {"I_syn", "pA"},
    {"I_syn_ex", "pA"}, {"I_syn_in", "pA"}, {"I_e", "pA"},
    {"g_ex", "nS"},    {"g_in", "nS"},     {"w", "pA"},
};

static const char *unit_of(const io_log_rec *rc, uint32_t v)
{
  if (rc->units && rc->units[v])
    return rc->units[v];
  for (size_t i = 0; i < sizeof nest_units / sizeof nest_units[0]; i++)
    if (strcmp(nest_units[i][0], rc->vars[v]) == 0)
      return nest_units[i][1];
  return ""; /* not stated */
}

static void pack_cstr(msgpack_packer *pk, const char *s)
{
  size_t n = strlen(s);
  msgpack_pack_str(pk, n);
  msgpack_pack_str_body(pk, s, n);
}

static int check_header(const char *path, const io_log_header *h)
{
  if (h->nranks < 1 || h->rank < 0 || h->rank >= h->nranks)
    return sim_error_set(SIM_EINVAL, "%s: rank %d of %d is out of range",
                         path, h->rank, h->nranks);
  if (!(h->resolution_ms > 0) || !isfinite(h->resolution_ms))
    return sim_error_set(SIM_EINVAL, "%s: resolution %g ms must be > 0",
                         path, h->resolution_ms);
  if (!(h->duration_ms >= 0) || !isfinite(h->duration_ms))
    return sim_error_set(SIM_EINVAL, "%s: duration %g ms must be >= 0",
                         path, h->duration_ms);
  for (uint32_t i = 0; i < h->npops; i++) {
    const io_log_pop *p = &h->pops[i];
    if (!p->name || !p->model)
      return sim_error_set(SIM_EINVAL, "%s: population %u has no name or model",
                           path, i);
    if ((uint64_t)p->first_gid + p->n > UINT32_MAX + 1ull ||
        (i > 0 && p->first_gid < (uint64_t)h->pops[i - 1].first_gid +
                                     h->pops[i - 1].n))
      return sim_error_set(SIM_EINVAL,
                           "%s: population %s: gids must follow those of the "
                           "population before it", path, p->name);
  }
  for (uint32_t i = 0; i < h->nprojs; i++) {
    const io_log_proj *pj = &h->projs[i];
    if (!pj->name || !pj->kind || pj->src >= h->npops || pj->tgt >= h->npops)
      return sim_error_set(SIM_EINVAL, "%s: projection %u: no name or kind, "
                           "or a population index beyond %u", path, i,
                           h->npops);
  }
  for (uint32_t i = 0; i < h->nrecs; i++) {
    const io_log_rec *rc = &h->recs[i];
    if (rc->kind == IO_LOG_REC_WEIGHTS || rc->kind == IO_LOG_REC_DEVICES ||
        rc->kind == IO_LOG_REC_ENERGY) {
      int en = rc->kind == IO_LOG_REC_ENERGY;
      if (!rc->name || rc->first || rc->count || rc->nvars ||
          (!en && rc->proj >= h->nprojs) ||
          (!en && rc->pop != h->projs[rc->proj].tgt) || (en && rc->pop != 0))
        return sim_error_set(SIM_EINVAL, "%s: recorder %u: a weights or "
                             "devices recorder needs a projection of the "
                             "header and its target population, energy "
                             "population 0; no neurons or variables", path, i);
      if (!(rc->interval_ms >= 0) || !isfinite(rc->interval_ms) ||
          (rc->kind == IO_LOG_REC_WEIGHTS &&
           !(rc->sample > 0 && rc->sample <= 1)))
        return sim_error_set(SIM_EINVAL, "%s: recorder %s: interval %g ms "
                             "must be >= 0 and sample %g in (0, 1]", path,
                             rc->name, rc->interval_ms, rc->sample);
      continue;
    }
    if (!rc->name || rc->pop >= h->npops)
      return sim_error_set(SIM_EINVAL, "%s: recorder %u: no name or no "
                           "population %u", path, i, rc->pop);
    if ((uint64_t)rc->first + rc->count > h->pops[rc->pop].n)
      return sim_error_set(SIM_EINVAL, "%s: recorder %s: neurons [%u, %u) "
                           "beyond population %s of %u", path, rc->name,
                           rc->first, rc->first + rc->count,
                           h->pops[rc->pop].name, h->pops[rc->pop].n);
    if (rc->kind != IO_LOG_REC_SPIKES && rc->kind != IO_LOG_REC_STATE)
      return sim_error_set(SIM_EINVAL, "%s: recorder %s: bad kind %d", path,
                           rc->name, (int)rc->kind);
    if (rc->kind == IO_LOG_REC_STATE) {
      if (rc->nvars == 0 || !rc->vars)
        return sim_error_set(SIM_EINVAL, "%s: recorder %s: no variables",
                             path, rc->name);
      if (!(rc->interval_ms >= 0) || !isfinite(rc->interval_ms))
        return sim_error_set(SIM_EINVAL, "%s: recorder %s: interval %g ms "
                             "must be >= 0", path, rc->name, rc->interval_ms);
      if ((uint64_t)(rc->gids ? rc->ngids : rc->count) * rc->nvars > UINT32_MAX)
        return sim_error_set(SIM_EINVAL, "%s: recorder %s: more than 2^32 "
                             "values per sample", path, rc->name);
      if (rc->gids) {
        sim_gid lo = h->pops[rc->pop].first_gid + rc->first;
        for (uint32_t j = 0; j < rc->ngids; j++)
          if (rc->gids[j] < lo || rc->gids[j] >= lo + rc->count ||
              (j > 0 && rc->gids[j] <= rc->gids[j - 1]))
            return sim_error_set(SIM_EINVAL, "%s: recorder %s: gids must be "
                                 "ascending and among the recorded neurons",
                                 path, rc->name);
      }
    }
  }
  return 0;
}

/* 1 when variable v of recorder i is a state variable not named by an
   earlier state recorder or earlier in the same one. */
static int first_mention(const io_log_header *h, uint32_t i, uint32_t v)
{
  if (h->recs[i].kind != IO_LOG_REC_STATE)
    return 0;
  for (uint32_t j = 0; j <= i; j++) {
    if (h->recs[j].kind != IO_LOG_REC_STATE)
      continue;
    uint32_t nv = j < i ? h->recs[j].nvars : v;
    for (uint32_t w = 0; w < nv; w++)
      if (strcmp(h->recs[j].vars[w], h->recs[i].vars[v]) == 0)
        return 0;
  }
  return 1;
}

/* The header map; h's state recorders have explicit gids. */
static const char *const rec_kind_names[] = {"spikes", "state", "weights",
                                             "devices", "energy"};

static int has_kind(const io_log_header *h, io_log_rec_kind k)
{
  for (uint32_t i = 0; i < h->nrecs; i++)
    if (h->recs[i].kind == k)
      return 1;
  return 0;
}

static void pack_header(msgpack_packer *pk, const io_log_header *h)
{
  msgpack_pack_map(pk, 13 + (h->t_start > 0));
  pack_cstr(pk, "format");
  pack_cstr(pk, IO_LOG_FORMAT);
  pack_cstr(pk, "version");
  msgpack_pack_uint32(pk, IO_LOG_VERSION);
  pack_cstr(pk, "config");
  pack_cstr(pk, h->config ? h->config : "");
  pack_cstr(pk, "digest");
  msgpack_pack_uint64(pk, h->digest);
  pack_cstr(pk, "seed");
  msgpack_pack_uint64(pk, h->seed);
  pack_cstr(pk, "rank");
  msgpack_pack_uint32(pk, (uint32_t)h->rank);
  pack_cstr(pk, "nranks");
  msgpack_pack_uint32(pk, (uint32_t)h->nranks);
  pack_cstr(pk, "resolution_ms");
  msgpack_pack_double(pk, h->resolution_ms);
  pack_cstr(pk, "duration_ms");
  msgpack_pack_double(pk, h->duration_ms);
  if (h->t_start > 0) { /* absent means 0: a log of an uninterrupted run keeps its bytes */
    pack_cstr(pk, "t_start");
    msgpack_pack_uint64(pk, h->t_start);
  }

  /* units: "time", then each sampled variable once, in recorder order. */
  uint32_t nunits = 1;
  for (uint32_t i = 0; i < h->nrecs; i++)
    for (uint32_t v = 0; v < h->recs[i].nvars; v++)
      nunits += first_mention(h, i, v);
  int hw = has_kind(h, IO_LOG_REC_WEIGHTS), hd = has_kind(h, IO_LOG_REC_DEVICES);
  int he = has_kind(h, IO_LOG_REC_ENERGY);
  nunits += hw + (hw || hd) + he;
  pack_cstr(pk, "units");
  msgpack_pack_map(pk, nunits);
  pack_cstr(pk, "time");
  pack_cstr(pk, "ms");
  for (uint32_t i = 0; i < h->nrecs; i++)
    for (uint32_t v = 0; v < h->recs[i].nvars; v++)
      if (first_mention(h, i, v)) {
        pack_cstr(pk, h->recs[i].vars[v]);
        pack_cstr(pk, unit_of(&h->recs[i], v));
      }
  if (hw) {
    pack_cstr(pk, "weight");
    pack_cstr(pk, h->weight_unit ? h->weight_unit : "pA");
  }
  if (hw || hd) {
    pack_cstr(pk, "conductance");
    pack_cstr(pk, "uS");
  }
  if (he) {
    pack_cstr(pk, "energy");
    pack_cstr(pk, "pJ");
  }

  pack_cstr(pk, "populations");
  msgpack_pack_array(pk, h->npops);
  for (uint32_t i = 0; i < h->npops; i++) {
    const io_log_pop *p = &h->pops[i];
    msgpack_pack_map(pk, 4);
    pack_cstr(pk, "name");
    pack_cstr(pk, p->name);
    pack_cstr(pk, "model");
    pack_cstr(pk, p->model);
    pack_cstr(pk, "first_gid");
    msgpack_pack_uint32(pk, p->first_gid);
    pack_cstr(pk, "n");
    msgpack_pack_uint32(pk, p->n);
  }

  pack_cstr(pk, "recorders");
  msgpack_pack_array(pk, h->nrecs);
  for (uint32_t i = 0; i < h->nrecs; i++) {
    const io_log_rec *rc = &h->recs[i];
    int state = rc->kind == IO_LOG_REC_STATE;
    int wts = rc->kind == IO_LOG_REC_WEIGHTS;
    int prj = wts || rc->kind == IO_LOG_REC_DEVICES;
    msgpack_pack_map(pk, 7u + (unsigned)state + (unsigned)prj + (unsigned)wts);
    pack_cstr(pk, "name");
    pack_cstr(pk, rc->name);
    pack_cstr(pk, "population");
    msgpack_pack_uint32(pk, rc->pop);
    pack_cstr(pk, "kind");
    pack_cstr(pk, rec_kind_names[rc->kind]);
    pack_cstr(pk, "first");
    msgpack_pack_uint32(pk, rc->first);
    pack_cstr(pk, "count");
    msgpack_pack_uint32(pk, rc->count);
    pack_cstr(pk, "variables");
    msgpack_pack_array(pk, state ? rc->nvars : 0);
    for (uint32_t v = 0; state && v < rc->nvars; v++)
      pack_cstr(pk, rc->vars[v]);
    pack_cstr(pk, "interval_ms");
    msgpack_pack_double(pk, state || rc->kind >= IO_LOG_REC_WEIGHTS
                                ? rc->interval_ms : 0.0);
    if (prj) {
      pack_cstr(pk, "projection");
      msgpack_pack_uint32(pk, rc->proj);
    }
    if (wts) {
      pack_cstr(pk, "sample");
      msgpack_pack_double(pk, rc->sample);
    }
    if (state) { /* io_log_create made gids explicit */
      pack_cstr(pk, "gids");
      msgpack_pack_array(pk, rc->ngids);
      for (uint32_t j = 0; j < rc->ngids; j++)
        msgpack_pack_uint32(pk, rc->gids[j]);
    }
  }

  pack_cstr(pk, "projections");
  msgpack_pack_array(pk, h->nprojs);
  for (uint32_t i = 0; i < h->nprojs; i++) {
    const io_log_proj *pj = &h->projs[i];
    msgpack_pack_map(pk, 5);
    pack_cstr(pk, "name");
    pack_cstr(pk, pj->name);
    pack_cstr(pk, "source");
    msgpack_pack_uint32(pk, pj->src);
    pack_cstr(pk, "target");
    msgpack_pack_uint32(pk, pj->tgt);
    pack_cstr(pk, "kind");
    pack_cstr(pk, pj->kind);
    pack_cstr(pk, "device");
    pack_cstr(pk, pj->device ? pj->device : "");
  }
}

/* Write the output buffer and flush; sets the sticky error on failure. */
static int write_out(io_log *log)
{
  if (log->err)
    return log->err;
  if (log->out.size == 0)
    return 0;
  size_t n = fwrite(log->out.data, 1, log->out.size, log->f);
  if (n != log->out.size || fflush(log->f) != 0) {
    int e = errno;
    log->err = sim_error_set(SIM_EIO, "%s: cannot write the event log: %s",
                             log->path, strerror(e));
    return log->err;
  }
  log->bytes += n;
  log->out.size = 0;
  return 0;
}

/* A new log (pos NULL), or the log at path continued from pos: cut back
   to pos->bytes and appended to (a resumed run). */
static int log_open(const char *path, const io_log_header *h, const io_log_pos *pos,
                    io_log **out)
{
  *out = NULL;
  int rc = check_header(path, h);
  if (rc)
    return rc;
  io_log *log = sim_calloc(1, sizeof *log, "event log writer");
  log->path = sim_strdup(path, "event log path");
  log->f = fopen(path, pos ? "r+b" : "wb");
  if (!log->f) {
    rc = sim_error_set(SIM_EIO, "%s: cannot %s the event log: %s", path,
                       pos ? "reopen" : "create", strerror(errno));
    goto fail;
  }
  if (pos) {
    struct stat sb;
    if (fstat(fileno(log->f), &sb) != 0 || (uint64_t)sb.st_size < pos->bytes ||
        pos->header_bytes > pos->bytes) {
      rc = sim_error_set(SIM_EIO, "%s: the event log holds fewer bytes than the "
                         "checkpoint's %llu: not the log of that run", path,
                         (unsigned long long)pos->bytes);
      goto fail;
    }
    if (ftruncate(fileno(log->f), (off_t)pos->bytes) != 0 ||
        fseeko(log->f, (off_t)pos->bytes, SEEK_SET) != 0) {
      rc = sim_error_set(SIM_EIO, "%s: cannot cut the event log back to %llu bytes: %s",
                         path, (unsigned long long)pos->bytes, strerror(errno));
      goto fail;
    }
  }
  /* Our buffer holds whole windows; stdio buffering would only copy. */
  setvbuf(log->f, NULL, _IONBF, 0);
  msgpack_packer_init(&log->pk, &log->out, obuf_write);

  log->nrecs = h->nrecs;
  log->rec_nvalues = sim_calloc(h->nrecs, sizeof *log->rec_nvalues,
                                "event log recorder sizes");
  log->rec_kind = sim_calloc(h->nrecs + 1u, 1, "event log recorder kinds");
  log->nprojs = h->nprojs;
  for (uint32_t i = 0; i < h->nrecs; i++)
    log->rec_kind[i] = (unsigned char)h->recs[i].kind;
  for (uint32_t i = 0; i < h->nrecs; i++)
    if (h->recs[i].kind == IO_LOG_REC_STATE) {
      log->rec_nvalues[i] =
          (h->recs[i].gids ? h->recs[i].ngids : h->recs[i].count) *
          h->recs[i].nvars;
    }

  /* A state recorder without gids records all its `count` neurons: the
     header lists them explicitly, so readers have one case only. */
  io_log_rec *recs = sim_calloc(h->nrecs, sizeof *recs, "event log recorders");
  sim_gid **owned = sim_calloc(h->nrecs, sizeof *owned, "event log gids");
  for (uint32_t i = 0; i < h->nrecs; i++) {
    recs[i] = h->recs[i];
    if (recs[i].kind == IO_LOG_REC_STATE && !recs[i].gids) {
      owned[i] = sim_calloc(recs[i].count, sizeof **owned, "event log gids");
      for (uint32_t j = 0; j < recs[i].count; j++)
        owned[i][j] = h->pops[recs[i].pop].first_gid + recs[i].first + j;
      recs[i].gids = owned[i];
      recs[i].ngids = recs[i].count;
    }
  }
  io_log_header hh = *h;
  hh.recs = recs;
  if (!pos)
    pack_header(&log->pk, &hh);
  for (uint32_t i = 0; i < h->nrecs; i++)
    sim_free(owned[i]);
  sim_free(owned);
  sim_free(recs);

  rc = write_out(log);
  if (rc)
    goto fail;
  if (pos) {
    log->bytes = pos->bytes;
    log->window_end = pos->window_end;
    log->max_pending = pos->max_pending;
    log->nspikes = pos->nspikes;
    log->nsamples = pos->nsamples;
    log->nwindows = pos->nwindows;
    log->ndevices = pos->ndevices;
    log->nenergy = pos->nenergy;
    log->nweights = pos->nweights;
    log->header_bytes = pos->header_bytes;
    log->idx = io_log_index_reopen(path, h->digest, pos->header_bytes, pos->bytes);
  } else {
    log->header_bytes = log->bytes;
    log->idx = io_log_index_create(path, h->digest, log->bytes);
  }
  *out = log;
  return 0;
fail:
  io_log_destroy(log);
  return rc;
}

int io_log_create(const char *path, const io_log_header *h, io_log **out)
{
  return log_open(path, h, NULL, out);
}

int io_log_reopen(const char *path, const io_log_header *h, const io_log_pos *pos,
                  io_log **out)
{
  return log_open(path, h, pos, out);
}

void io_log_position(const io_log *log, io_log_pos *pos)
{
  assert(!log->pending && log->out.size == 0); /* at a window end */
  *pos = (io_log_pos){.bytes = log->bytes, .header_bytes = log->header_bytes,
                      .window_end = log->window_end, .max_pending = log->max_pending,
                      .nspikes = log->nspikes, .nsamples = log->nsamples,
                      .nwindows = log->nwindows, .ndevices = log->ndevices,
                      .nenergy = log->nenergy, .nweights = log->nweights};
}

void io_log_spike(io_log *log, sim_time tick, sim_gid gid)
{
  assert(tick >= log->window_end);
  if (log->nspk == log->capspk) {
    size_t cap = log->capspk ? 2 * log->capspk : 4096;
    log->ticks = sim_realloc(log->ticks, cap * sizeof *log->ticks,
                             "event log pending spike ticks");
    log->gids = sim_realloc(log->gids, cap * sizeof *log->gids,
                            "event log pending spike gids");
    log->capspk = cap;
  }
  log->ticks[log->nspk] = tick;
  log->gids[log->nspk] = gid;
  log->nspk++;
  if (tick > log->max_pending)
    log->max_pending = tick;
  log->pending = 1;
}

void io_log_sample(io_log *log, uint32_t rec, sim_time tick,
                   const double *values, uint32_t n)
{
  assert(rec < log->nrecs && log->rec_kind[rec] == IO_LOG_REC_STATE);
  assert(n == log->rec_nvalues[rec]);
  assert(tick >= log->window_end);
  if (n == 0) /* this rank owns none of the recorder's neurons */
    return;
  msgpack_packer *pk = &log->pk;
  msgpack_pack_array(pk, 4);
  msgpack_pack_uint32(pk, IO_LOG_SAMPLES);
  msgpack_pack_uint32(pk, rec);
  msgpack_pack_int64(pk, tick);
  msgpack_pack_array(pk, n);
  for (uint32_t i = 0; i < n; i++)
    msgpack_pack_double(pk, values[i]);
  if (tick > log->max_pending)
    log->max_pending = tick;
  log->pending = 1;
  log->nsamples++;
}

/* LSD radix sort of n keys on their low `bits` bits, in as few passes of
   at most 11 bits as possible (a window's 600 keys of ~18 bits: two passes
   of 9), skipping passes where every key has the same digit.  Stable.
   Returns the array that holds the result (a or tmp). */
static uint64_t *radix_sort(uint64_t *a, uint64_t *tmp, size_t n, int bits)
{
  enum { MAXD = 11 };
  size_t count[1u << MAXD];
  int passes = (bits + MAXD - 1) / MAXD;
  int d = passes ? (bits + passes - 1) / passes : 0;
  uint64_t mask = (1ull << d) - 1;
  for (int shift = 0; shift < bits; shift += d) {
    memset(count, 0, ((size_t)1 << d) * sizeof count[0]);
    for (size_t i = 0; i < n; i++)
      count[(a[i] >> shift) & mask]++;
    if (count[(a[0] >> shift) & mask] == n)
      continue;
    size_t sum = 0;
    for (size_t k = 0; k <= mask; k++) {
      size_t c = count[k];
      count[k] = sum;
      sum += c;
    }
    for (size_t i = 0; i < n; i++)
      tmp[count[(a[i] >> shift) & mask]++] = a[i];
    uint64_t *t = a;
    a = tmp;
    tmp = t;
  }
  return a;
}

typedef struct spike_pair {
  sim_time tick;
  sim_gid gid;
} spike_pair;

static int pair_cmp(const void *pa, const void *pb)
{
  const spike_pair *a = pa, *b = pb;
  if (a->tick != b->tick)
    return a->tick < b->tick ? -1 : 1;
  return (a->gid > b->gid) - (a->gid < b->gid);
}

static int bit_width(uint64_t x)
{
  int b = 0;
  while (x) {
    b++;
    x >>= 1;
  }
  return b;
}

/* Sort the pending spikes by (tick, gid) in place. */
static void sort_spikes(io_log *log)
{
  sim_time *t = log->ticks;
  sim_gid *g = log->gids;
  size_t n = log->nspk;
  sim_time lo = t[0];
  sim_gid gmax = 0;
  int sorted = 1;
  for (size_t i = 0; i < n; i++) {
    if (t[i] < lo)
      lo = t[i];
    if (g[i] > gmax)
      gmax = g[i];
    if (i > 0 && (t[i] < t[i - 1] || (t[i] == t[i - 1] && g[i] < g[i - 1])))
      sorted = 0;
  }
  if (sorted) /* the common case: the engine emits in tick order */
    return;
  int gbits = bit_width(gmax);
  int tbits = bit_width((uint64_t)(log->max_pending - lo));
  if (gbits + tbits <= 64) {
    if (log->capkeys < n) {
      sim_free(log->keys);
      sim_free(log->tmp);
      log->keys = sim_malloc(log->capspk * sizeof *log->keys, "event log sort keys");
      log->tmp = sim_malloc(log->capspk * sizeof *log->tmp, "event log sort keys");
      log->capkeys = log->capspk;
    }
    for (size_t i = 0; i < n; i++)
      log->keys[i] = ((uint64_t)(t[i] - lo) << gbits) | g[i];
    uint64_t *k = radix_sort(log->keys, log->tmp, n, gbits + tbits);
    uint64_t mask = gbits ? (~0ull >> (64 - gbits)) : 0;
    for (size_t i = 0; i < n; i++) {
      t[i] = lo + (sim_time)(k[i] >> gbits);
      g[i] = (sim_gid)(k[i] & mask);
    }
    return;
  }
  /* A window spanning more than 2^32 ticks: never in practice. */
  spike_pair *p = sim_malloc(n * sizeof *p, "event log sort pairs");
  for (size_t i = 0; i < n; i++)
    p[i] = (spike_pair){t[i], g[i]};
  qsort(p, n, sizeof *p, pair_cmp);
  for (size_t i = 0; i < n; i++) {
    t[i] = p[i].tick;
    g[i] = p[i].gid;
  }
  sim_free(p);
}

/* The varint payload of the sorted pending spikes (a packed spike block,
   code 6): per tick group varint(dtick) varint(count), then the gid gaps.
   Returns its length; the bytes are in log->vbuf. */
static size_t pack_varints(io_log *log, sim_time base)
{
  size_t n = log->nspk;
  /* worst case: a group per spike, three varints of a 64-bit tick delta,
     a count and a gid of 5 bytes */
  size_t need = n * (IO_VARINT_MAX + 5 + 5);
  if (log->capv < need) {
    sim_free(log->vbuf);
    log->capv = need + need / 2;
    log->vbuf = sim_malloc(log->capv, "event log spike payload");
  }
  unsigned char *p = log->vbuf;
  const sim_time *t = log->ticks;
  const sim_gid *g = log->gids;
  sim_time prev = base;
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && t[j] == t[i])
      j++;
    p += io_varint_put(p, (uint64_t)(t[i] - prev));
    p += io_varint_put(p, (uint64_t)(j - i));
    sim_gid last = 0;
    for (size_t k = i; k < j; k++) {
      p += io_varint_put(p, (uint64_t)(g[k] - last));
      last = g[k];
    }
    prev = t[i];
    i = j;
  }
  return (size_t)(p - log->vbuf);
}

/* Pack the window's closing record: the spike block or a window end. */
static void pack_window(io_log *log, sim_time window_end)
{
  msgpack_packer *pk = &log->pk;
  size_t n = log->nspk;
  if (n == 0) {
    msgpack_pack_array(pk, 2);
    msgpack_pack_uint32(pk, IO_LOG_WINDOW);
    msgpack_pack_int64(pk, window_end);
  } else {
    assert(n <= UINT32_MAX);
    sort_spikes(log);
    sim_time base = log->ticks[0];
    size_t len = pack_varints(log, base);
    msgpack_pack_array(pk, 5);
    msgpack_pack_uint32(pk, IO_LOG_PACKED_SPIKES);
    msgpack_pack_int64(pk, window_end);
    msgpack_pack_int64(pk, base);
    msgpack_pack_uint64(pk, n);
    msgpack_pack_bin(pk, len);
    msgpack_pack_bin_body(pk, log->vbuf, len);
    log->nspikes += n;
    log->nspk = 0;
  }
  log->nwindows++;
  log->window_end = window_end;
  log->pending = 0;
}

/* Quiet windows (no spike, no sample) are marked on disk at most once per
   this many ticks: a run with short windows and little activity would
   otherwise spend its time in write+fflush for empty markers.  Nothing
   logged can be lost this way; a crash only forgets that the last quiet
   stretch (at most this long) was quiet. */
#define QUIET_MARK_TICKS 1000

int io_log_flush(io_log *log, sim_time window_end)
{
  if (log->err)
    return log->err;
  assert(window_end >= log->window_end);
  if (!log->pending && window_end - log->window_end < QUIET_MARK_TICKS)
    return 0;
  assert(!log->pending || log->max_pending < window_end);
  pack_window(log, window_end);
  int rc = write_out(log);
  if (!rc)
    io_log_index_mark(log->idx, window_end, log->bytes, 0);
  return rc;
}

/* Something of the window is in the buffer: a closing record must follow. */
static void note_pending(io_log *log, sim_time last_tick)
{
  if (last_tick > log->max_pending)
    log->max_pending = last_tick;
  log->pending = 1;
}

void io_log_devices(io_log *log, sim_time window_end, uint32_t proj,
                    const io_log_dev_write *w, uint32_t n)
{
  assert(proj < log->nprojs);
  assert(window_end > log->window_end);
  if (n == 0)
    return;
  msgpack_packer *pk = &log->pk;
  sim_time base = w[0].tick;
  msgpack_pack_array(pk, 9);
  msgpack_pack_uint32(pk, IO_LOG_DEVICES);
  msgpack_pack_int64(pk, window_end);
  msgpack_pack_uint32(pk, proj);
  msgpack_pack_int64(pk, base);
  msgpack_pack_array(pk, n);
  for (uint32_t i = 0; i < n; i++) {
    assert(w[i].tick >= log->window_end && w[i].tick < window_end);
    assert(i == 0 || w[i].tick >= w[i - 1].tick);
    msgpack_pack_uint64(pk, (uint64_t)(w[i].tick - base));
  }
  msgpack_pack_array(pk, n);
  for (uint32_t i = 0; i < n; i++)
    msgpack_pack_uint32(pk, w[i].pre);
  msgpack_pack_array(pk, n);
  for (uint32_t i = 0; i < n; i++)
    msgpack_pack_uint32(pk, w[i].post);
  msgpack_pack_array(pk, n);
  for (uint32_t i = 0; i < n; i++)
    msgpack_pack_int32(pk, w[i].pulses);
  msgpack_pack_array(pk, n);
  for (uint32_t i = 0; i < n; i++)
    msgpack_pack_double(pk, w[i].g);
  note_pending(log, w[n - 1].tick);
  log->ndevices++;
}

void io_log_energy(io_log *log, sim_time window_end,
                   const io_log_energy_row *rows, uint32_t n)
{
  assert(window_end > log->window_end);
  if (n == 0)
    return;
  msgpack_packer *pk = &log->pk;
  msgpack_pack_array(pk, 3);
  msgpack_pack_uint32(pk, IO_LOG_ENERGY);
  msgpack_pack_int64(pk, window_end);
  msgpack_pack_array(pk, n);
  for (uint32_t i = 0; i < n; i++) {
    const io_log_energy_row *e = &rows[i];
    assert(i == 0 || e->component > rows[i - 1].component);
    msgpack_pack_array(pk, 7);
    msgpack_pack_uint32(pk, e->component);
    msgpack_pack_uint64(pk, e->reads);
    msgpack_pack_uint64(pk, e->pulses);
    msgpack_pack_uint64(pk, e->updates);
    msgpack_pack_uint64(pk, e->spikes);
    msgpack_pack_double(pk, e->read_pj);
    msgpack_pack_double(pk, e->write_pj);
  }
  note_pending(log, window_end - 1);
  log->nenergy++;
}

void io_log_weights(io_log *log, uint32_t rec, sim_time tick,
                    const sim_gid *pre, const sim_gid *post, const double *w,
                    const double *g, uint32_t n)
{
  assert(rec < log->nrecs && log->rec_kind[rec] == IO_LOG_REC_WEIGHTS);
  assert(tick >= log->window_end);
  if (n == 0)
    return;
  msgpack_packer *pk = &log->pk;
  msgpack_pack_array(pk, 7);
  msgpack_pack_uint32(pk, IO_LOG_WEIGHTS);
  msgpack_pack_int64(pk, tick);
  msgpack_pack_uint32(pk, rec);
  msgpack_pack_array(pk, n);
  for (uint32_t i = 0; i < n; i++)
    msgpack_pack_uint32(pk, pre[i]);
  msgpack_pack_array(pk, n);
  for (uint32_t i = 0; i < n; i++)
    msgpack_pack_uint32(pk, post[i]);
  msgpack_pack_array(pk, n);
  for (uint32_t i = 0; i < n; i++)
    msgpack_pack_double(pk, w[i]);
  msgpack_pack_array(pk, g ? n : 0);
  for (uint32_t i = 0; g && i < n; i++)
    msgpack_pack_double(pk, g[i]);
  /* the snapshot's tick is the window end to come: not a pending tick */
  log->pending = 1;
  log->nweights++;
}

int io_log_close(io_log *log, sim_time final_tick)
{
  if (!log)
    return 0;
  int rc = log->err;
  if (!rc) {
    assert(final_tick >= log->window_end);
    if (log->pending)
      pack_window(log, final_tick);
    /* the sidecar's last entry: the end record, after the last mark */
    uint64_t end_at = log->bytes + log->out.size;
    msgpack_packer *pk = &log->pk;
    msgpack_pack_array(pk, 3);
    msgpack_pack_uint32(pk, IO_LOG_END);
    msgpack_pack_int64(pk, final_tick);
    msgpack_pack_map(pk, 6);
    pack_cstr(pk, "spikes");
    msgpack_pack_uint64(pk, log->nspikes);
    pack_cstr(pk, "samples");
    msgpack_pack_uint64(pk, log->nsamples);
    pack_cstr(pk, "windows");
    msgpack_pack_uint64(pk, log->nwindows);
    pack_cstr(pk, "devices");
    msgpack_pack_uint64(pk, log->ndevices);
    pack_cstr(pk, "energy");
    msgpack_pack_uint64(pk, log->nenergy);
    pack_cstr(pk, "weights");
    msgpack_pack_uint64(pk, log->nweights);
    rc = write_out(log);
    if (!rc)
      io_log_index_mark(log->idx, log->window_end, end_at, 1);
  }
  if (log->f && fclose(log->f) != 0 && !rc)
    rc = sim_error_set(SIM_EIO, "%s: cannot close the event log: %s",
                       log->path, strerror(errno));
  log->f = NULL;
  io_log_destroy(log);
  return rc;
}

void io_log_destroy(io_log *log)
{
  if (!log)
    return;
  if (log->f)
    fclose(log->f);
  sim_free(log->path);
  sim_free(log->out.data);
  sim_free(log->ticks);
  sim_free(log->gids);
  sim_free(log->keys);
  sim_free(log->tmp);
  sim_free(log->rec_nvalues);
  sim_free(log->rec_kind);
  sim_free(log->vbuf);
  io_log_index_close(log->idx);
  sim_free(log);
}

uint64_t io_log_bytes(const io_log *log) { return log->bytes; }
