/*
 * io_log_read.c: the event log reader (io_log.h; format:
 * docs/log-format.md).
 *
 * Owns the FILE, a read buffer and the parsed header.  Before msgpack-c
 * sees a record, a small scanner finds where the record ends (or that the
 * file ends first): a truncated tail is then told apart from corrupt data,
 * and a corrupt length cannot make the unpacker allocate more than the
 * record's bytes justify.
 */
#include "io_log.h"
#include "io_log_index.h"
#include "io_log_rd.h"
#include "io_mpscan.h"

#include <errno.h>
#include <math.h>
#include <msgpack.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"



/* ------------------------------------------------------------ scanning */

enum { EXT_OK, EXT_MORE, EXT_SHORT, EXT_BAD, EXT_NONE };

/* Find where the msgpack value at p[0..n) ends without building it:
   EXT_OK and *len; EXT_MORE when the buffer ends first but the `left`
   bytes that remain in the file might complete it; EXT_SHORT when even
   those cannot (each pending element needs at least one byte); EXT_BAD for
   the never-used byte 0xc1 (*len = its offset).  Containers only add to a
   count of pending values, so no recursion and no allocation. */
static int value_extent(const unsigned char *p, size_t n, uint64_t left,
                        size_t *len)
{
  size_t i = 0;
  uint64_t pending = 1;
  while (pending) {
    if (pending > left - i)
      return EXT_SHORT;
    if (pending > n - i)
      return EXT_MORE;
    pending--;
    size_t head;
    uint64_t skip, add;
    int h = io_mp_head(p + i, n - i, &head, &skip, &add);
    if (h == IO_MP_BAD) {
      *len = i;
      return EXT_BAD;
    }
    if (h == IO_MP_CUT)
      return head > left - i ? EXT_SHORT : EXT_MORE;
    i += head;
    if (skip > left - i)
      return EXT_SHORT;
    if (skip > n - i)
      return EXT_MORE;
    i += skip;
    pending += add;
  }
  *len = i;
  return EXT_OK;
}

/* Read more of the file into the buffer, keeping bytes from pos on.
   Returns 0, or SIM_EIO; sets eof when nothing more came. */
static int read_more(io_log_reader *r)
{
  if (r->pos > 0) {
    memmove(r->buf, r->buf + r->pos, r->len - r->pos);
    r->buf_off += r->pos;
    r->len -= r->pos;
    r->pos = 0;
  }
  if (r->len == r->cap) {
    r->cap *= 2;
    r->buf = sim_realloc(r->buf, r->cap, "event log read buffer");
  }
  size_t got = fread(r->buf + r->len, 1, r->cap - r->len, r->f);
  r->len += got;
  if (got == 0) {
    if (ferror(r->f))
      return sim_error_set(SIM_EIO, "%s: read error at byte %llu: %s", r->path,
                           (unsigned long long)(r->buf_off + r->len),
                           strerror(errno));
    r->eof = 1;
  }
  return 0;
}

/* Locate the next value: EXT_OK with *len; EXT_NONE when the file has no
   byte left; EXT_SHORT when it ends inside the value (*left: the bytes it
   still has); EXT_BAD (*len: offset of the bad byte in the value); or a
   negative error code. */
static int next_value(io_log_reader *r, size_t *len, uint64_t *left_out)
{
  for (;;) {
    uint64_t at = r->buf_off + r->pos;
    uint64_t left = r->file_size > at ? r->file_size - at : 0;
    if (left < r->len - r->pos) /* the file grew since open: trust the data */
      left = r->len - r->pos;
    if (r->eof)
      left = r->len - r->pos;
    *left_out = left;
    if (left == 0 && r->eof)
      return EXT_NONE;
    if (left == 0) { /* at the size seen at open: make sure by reading */
      int rc = read_more(r);
      if (rc)
        return rc;
      continue;
    }
    int e = value_extent(r->buf + r->pos, r->len - r->pos, left, len);
    if (e != EXT_MORE)
      return e;
    int rc = read_more(r);
    if (rc)
      return rc;
  }
}


int io_lr_uint(const msgpack_object *o, uint64_t *v)
{
  if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
    return 0;
  *v = o->via.u64;
  return 1;
}

/* A tick: an integer in [0, INT64_MAX]. */
int io_lr_tick(const msgpack_object *o, sim_time *v)
{
  if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 > INT64_MAX)
    return 0;
  *v = (sim_time)o->via.u64;
  return 1;
}

/* ------------------------------------------------------------ header */

static void *own(io_log_reader *r, void *p)
{
  if (r->nowned == r->capowned) {
    r->capowned = r->capowned ? 2 * r->capowned : 32;
    r->owned = sim_realloc(r->owned, r->capowned * sizeof *r->owned,
                           "event log header storage");
  }
  r->owned[r->nowned++] = p;
  return p;
}

static char *own_str(io_log_reader *r, const msgpack_object *o)
{
  char *s = own(r, sim_malloc(o->via.str.size + 1, "event log header string"));
  memcpy(s, o->via.str.ptr, o->via.str.size);
  s[o->via.str.size] = '\0';
  return s;
}

/* Field getters: `where` says which map ("header", "populations[2]"). */
static const msgpack_object *field(io_log_reader *r, const msgpack_object *map,
                                   const char *where, const char *key,
                                   msgpack_object_type want, const char *what,
                                   int *rc)
{
  const msgpack_object *o = io_mp_map_get(map, key);
  int ok = o && (o->type == want ||
                 (want == MSGPACK_OBJECT_FLOAT64 &&
                  (o->type == MSGPACK_OBJECT_FLOAT32 ||
                   o->type == MSGPACK_OBJECT_POSITIVE_INTEGER ||
                   o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)));
  if (!o)
    *rc = sim_error_set(SIM_EFORMAT, "%s: %s: field \"%s\" is missing "
                        "(expected %s)", r->path, where, key, what);
  else if (!ok)
    *rc = sim_error_set(SIM_EFORMAT, "%s: %s: field \"%s\" must be %s, "
                        "found %s", r->path, where, key, what,
                        io_mp_type_name(o->type));
  return ok ? o : NULL;
}

static int get_uint(io_log_reader *r, const msgpack_object *map,
                    const char *where, const char *key, uint64_t max,
                    uint64_t *v)
{
  int rc = 0;
  const msgpack_object *o = field(r, map, where, key,
                                  MSGPACK_OBJECT_POSITIVE_INTEGER,
                                  "an unsigned integer", &rc);
  if (!o)
    return rc;
  if (o->via.u64 > max)
    return sim_error_set(SIM_EFORMAT, "%s: %s: field \"%s\" is %llu, at most "
                         "%llu allowed", r->path, where, key,
                         (unsigned long long)o->via.u64,
                         (unsigned long long)max);
  *v = o->via.u64;
  return 0;
}

static int get_str(io_log_reader *r, const msgpack_object *map,
                   const char *where, const char *key, const char **v)
{
  int rc = 0;
  const msgpack_object *o = field(r, map, where, key, MSGPACK_OBJECT_STR,
                                  "a string", &rc);
  if (!o)
    return rc;
  *v = own_str(r, o);
  return 0;
}

static int get_num(io_log_reader *r, const msgpack_object *map,
                   const char *where, const char *key, double *v)
{
  int rc = 0;
  const msgpack_object *o = field(r, map, where, key, MSGPACK_OBJECT_FLOAT64,
                                  "a number", &rc);
  if (!o)
    return rc;
  io_mp_number(o, v);
  if (!isfinite(*v) || *v < 0)
    return sim_error_set(SIM_EFORMAT, "%s: %s: field \"%s\" is %g, expected "
                         "a finite number >= 0", r->path, where, key, *v);
  return 0;
}

static int parse_pops(io_log_reader *r, const msgpack_object *arr)
{
  uint32_t n = arr->via.array.size;
  r->pops = own(r, sim_calloc(n, sizeof *r->pops, "event log populations"));
  r->pops_contiguous = 1;
  uint64_t next = 0; /* first gid after the previous population */
  for (uint32_t i = 0; i < n; i++) {
    char where[64];
    snprintf(where, sizeof where, "header: populations[%u]", i);
    const msgpack_object *m = &arr->via.array.ptr[i];
    if (m->type != MSGPACK_OBJECT_MAP)
      return sim_error_set(SIM_EFORMAT, "%s: %s must be a map {name, model, "
                           "first_gid, n}, found %s", r->path, where,
                           io_mp_type_name(m->type));
    io_log_pop *p = &r->pops[i];
    uint64_t first = 0, cnt = 0;
    int rc;
    if ((rc = get_str(r, m, where, "name", &p->name)) ||
        (rc = get_str(r, m, where, "model", &p->model)) ||
        (rc = get_uint(r, m, where, "first_gid", UINT32_MAX, &first)) ||
        (rc = get_uint(r, m, where, "n", UINT32_MAX, &cnt)))
      return rc;
    if (first < next || first + cnt > UINT32_MAX + 1ull)
      return sim_error_set(SIM_EFORMAT, "%s: %s (%s): gids [%llu, %llu) "
                           "overlap the population before it or exceed 2^32",
                           r->path, where, p->name, (unsigned long long)first,
                           (unsigned long long)(first + cnt));
    if (first != next)
      r->pops_contiguous = 0;
    p->first_gid = (sim_gid)first;
    p->n = (uint32_t)cnt;
    next = first + cnt;
  }
  r->h.pops = r->pops;
  r->h.npops = n;
  r->gid_end = (sim_gid)(next > UINT32_MAX ? UINT32_MAX : next);
  if (next > UINT32_MAX)
    r->pops_contiguous = 0; /* gid_end saturated: check by search */
  return 0;
}

static int parse_projs(io_log_reader *r, const msgpack_object *arr)
{
  uint32_t n = arr->via.array.size;
  r->projs = own(r, sim_calloc(n + 1u, sizeof *r->projs, "event log projections"));
  for (uint32_t i = 0; i < n; i++) {
    char where[64];
    snprintf(where, sizeof where, "header: projections[%u]", i);
    const msgpack_object *m = &arr->via.array.ptr[i];
    if (m->type != MSGPACK_OBJECT_MAP)
      return sim_error_set(SIM_EFORMAT, "%s: %s must be a map {name, source, "
                           "target, kind, device}, found %s", r->path, where,
                           io_mp_type_name(m->type));
    io_log_proj *p = &r->projs[i];
    uint64_t src = 0, tgt = 0;
    int rc;
    if ((rc = get_str(r, m, where, "name", &p->name)) ||
        (rc = get_uint(r, m, where, "source", UINT32_MAX, &src)) ||
        (rc = get_uint(r, m, where, "target", UINT32_MAX, &tgt)) ||
        (rc = get_str(r, m, where, "kind", &p->kind)) ||
        (rc = get_str(r, m, where, "device", &p->device)))
      return rc;
    if (src >= r->h.npops || tgt >= r->h.npops)
      return sim_error_set(SIM_EFORMAT, "%s: %s (%s): source %llu or target "
                           "%llu is not a population index (%u populations)",
                           r->path, where, p->name, (unsigned long long)src,
                           (unsigned long long)tgt, r->h.npops);
    p->src = (uint32_t)src;
    p->tgt = (uint32_t)tgt;
  }
  r->h.projs = r->projs;
  r->h.nprojs = n;
  return 0;
}

/* The version-2 keys of a weights, devices or energy recorder. */
static int parse_rec_v2(io_log_reader *r, const msgpack_object *m,
                        const char *where, io_log_rec *rc, uint64_t pop,
                        uint64_t first, uint64_t count)
{
  int e;
  if (first || count)
    return sim_error_set(SIM_EFORMAT, "%s: %s (%s): a %s recorder must have "
                         "first = count = 0", r->path, where, rc->name,
                         rc->kind == IO_LOG_REC_WEIGHTS   ? "weights"
                         : rc->kind == IO_LOG_REC_DEVICES ? "devices"
                                                          : "energy");
  if (rc->kind == IO_LOG_REC_ENERGY)
    return 0;
  uint64_t proj = 0;
  if ((e = get_uint(r, m, where, "projection", UINT32_MAX, &proj)))
    return e;
  if (proj >= r->h.nprojs || r->projs[proj].tgt != pop)
    return sim_error_set(SIM_EFORMAT, "%s: %s (%s): field \"projection\" is "
                         "%llu, expected the index of a projection of the "
                         "header (%u) whose target is population %llu",
                         r->path, where, rc->name, (unsigned long long)proj,
                         r->h.nprojs, (unsigned long long)pop);
  rc->proj = (uint32_t)proj;
  if (rc->kind != IO_LOG_REC_WEIGHTS)
    return 0;
  if ((e = get_num(r, m, where, "sample", &rc->sample)))
    return e;
  if (!(rc->sample > 0 && rc->sample <= 1))
    return sim_error_set(SIM_EFORMAT, "%s: %s (%s): field \"sample\" is %g, "
                         "expected a fraction in (0, 1]", r->path, where,
                         rc->name, rc->sample);
  return 0;
}

static int parse_recs(io_log_reader *r, const msgpack_object *arr)
{
  uint32_t n = arr->via.array.size;
  r->recs = own(r, sim_calloc(n, sizeof *r->recs, "event log recorders"));
  r->rec_nvalues = own(r, sim_calloc(n, sizeof *r->rec_nvalues,
                                     "event log recorder sizes"));
  for (uint32_t i = 0; i < n; i++) {
    char where[64];
    snprintf(where, sizeof where, "header: recorders[%u]", i);
    const msgpack_object *m = &arr->via.array.ptr[i];
    if (m->type != MSGPACK_OBJECT_MAP)
      return sim_error_set(SIM_EFORMAT, "%s: %s must be a map, found %s",
                           r->path, where, io_mp_type_name(m->type));
    io_log_rec *rc = &r->recs[i];
    uint64_t pop = 0, first = 0, count = 0;
    const char *kind = "";
    int e;
    if ((e = get_str(r, m, where, "name", &rc->name)) ||
        (e = get_uint(r, m, where, "population", UINT32_MAX, &pop)) ||
        (e = get_str(r, m, where, "kind", &kind)) ||
        (e = get_uint(r, m, where, "first", UINT32_MAX, &first)) ||
        (e = get_uint(r, m, where, "count", UINT32_MAX, &count)) ||
        (e = get_num(r, m, where, "interval_ms", &rc->interval_ms)))
      return e;
    if (pop >= r->h.npops)
      return sim_error_set(SIM_EFORMAT, "%s: %s (%s): population %llu does "
                           "not exist (%u populations)", r->path, where,
                           rc->name, (unsigned long long)pop, r->h.npops);
    if (first + count > r->pops[pop].n)
      return sim_error_set(SIM_EFORMAT, "%s: %s (%s): neurons [%llu, %llu) "
                           "beyond population %s of %u", r->path, where,
                           rc->name, (unsigned long long)first,
                           (unsigned long long)(first + count),
                           r->pops[pop].name, r->pops[pop].n);
    rc->pop = (uint32_t)pop;
    rc->first = (uint32_t)first;
    rc->count = (uint32_t)count;
    if (strcmp(kind, "spikes") == 0)
      rc->kind = IO_LOG_REC_SPIKES;
    else if (strcmp(kind, "state") == 0)
      rc->kind = IO_LOG_REC_STATE;
    else if (r->version >= 2 && strcmp(kind, "weights") == 0)
      rc->kind = IO_LOG_REC_WEIGHTS;
    else if (r->version >= 2 && strcmp(kind, "devices") == 0)
      rc->kind = IO_LOG_REC_DEVICES;
    else if (r->version >= 2 && strcmp(kind, "energy") == 0)
      rc->kind = IO_LOG_REC_ENERGY;
    else
      return sim_error_set(SIM_EFORMAT, "%s: %s (%s): field \"kind\" is "
                           "\"%s\", expected \"spikes\" or \"state\"%s",
                           r->path, where, rc->name, kind,
                           r->version >= 2 ? " (or in version 2 \"weights\", "
                                             "\"devices\", \"energy\")" : "");
    if (rc->kind >= IO_LOG_REC_WEIGHTS && (e = parse_rec_v2(r, m, where, rc, pop,
                                                            first, count)))
      return e;
    e = 0;
    const msgpack_object *vars = field(r, m, where, "variables",
                                       MSGPACK_OBJECT_ARRAY,
                                       "an array of strings", &e);
    if (!vars)
      return e;
    rc->nvars = vars->via.array.size;
    const char **vv = own(r, sim_calloc(rc->nvars, sizeof *vv,
                                        "event log variable names"));
    for (uint32_t v = 0; v < rc->nvars; v++) {
      if (vars->via.array.ptr[v].type != MSGPACK_OBJECT_STR)
        return sim_error_set(SIM_EFORMAT, "%s: %s (%s): variables[%u] must "
                             "be a string, found %s", r->path, where,
                             rc->name, v,
                             io_mp_type_name(vars->via.array.ptr[v].type));
      vv[v] = own_str(r, &vars->via.array.ptr[v]);
    }
    rc->vars = vv;
    if (rc->kind >= IO_LOG_REC_WEIGHTS && rc->nvars)
      return sim_error_set(SIM_EFORMAT, "%s: %s (%s): only a state recorder "
                           "has variables", r->path, where, rc->name);
    if (rc->kind != IO_LOG_REC_STATE)
      continue;
    if (rc->nvars == 0)
      return sim_error_set(SIM_EFORMAT, "%s: %s (%s): a state recorder needs "
                           "at least one variable", r->path, where, rc->name);
    const msgpack_object *g = field(r, m, where, "gids", MSGPACK_OBJECT_ARRAY,
                                    "an array of gids", &e);
    if (!g)
      return e;
    rc->ngids = g->via.array.size;
    sim_gid *gg = own(r, sim_calloc(rc->ngids, sizeof *gg, "event log gids"));
    uint64_t lo = (uint64_t)r->pops[pop].first_gid + first;
    for (uint32_t j = 0; j < rc->ngids; j++) {
      uint64_t v;
      if (!io_lr_uint(&g->via.array.ptr[j], &v) || v < lo || v >= lo + count ||
          (j > 0 && v <= gg[j - 1]))
        return sim_error_set(SIM_EFORMAT, "%s: %s (%s): gids[%u] must be an "
                             "ascending gid in [%llu, %llu)", r->path, where,
                             rc->name, j, (unsigned long long)lo,
                             (unsigned long long)(lo + count));
      gg[j] = (sim_gid)v;
    }
    rc->gids = gg;
    if ((uint64_t)rc->ngids * rc->nvars > UINT32_MAX)
      return sim_error_set(SIM_EFORMAT, "%s: %s (%s): too many values per "
                           "sample", r->path, where, rc->name);
    r->rec_nvalues[i] = rc->ngids * rc->nvars;
  }
  r->h.recs = r->recs;
  r->h.nrecs = n;
  return 0;
}

static int parse_header(io_log_reader *r, const msgpack_object *m)
{
  const char *w = "header";
  int rc = 0;
  const msgpack_object *o;
  uint64_t u = 0;
  if (!(o = field(r, m, w, "format", MSGPACK_OBJECT_STR, "\"" IO_LOG_FORMAT "\"",
                  &rc)))
    return rc;
  if (!io_mp_str_is(o, IO_LOG_FORMAT))
    return sim_error_set(SIM_EFORMAT, "%s: not a memspike log: header field "
                         "\"format\" is \"%.*s\", expected \"" IO_LOG_FORMAT
                         "\"", r->path, (int)(o->via.str.size > 64 ? 64 : o->via.str.size),
                         o->via.str.ptr);
  if ((rc = get_uint(r, m, w, "version", UINT32_MAX, &u)))
    return rc;
  if (u != 1 && u != 2)
    return sim_error_set(SIM_EFORMAT, "%s: header field \"version\" is %llu; "
                         "this reader reads versions 1 and 2", r->path,
                         (unsigned long long)u);
  r->version = (int)u;
  uint64_t rank = 0, nranks = 0;
  if ((rc = get_str(r, m, w, "config", &r->h.config)) ||
      (rc = get_uint(r, m, w, "digest", UINT64_MAX, &r->h.digest)) ||
      (rc = get_uint(r, m, w, "seed", UINT64_MAX, &r->h.seed)) ||
      (rc = get_uint(r, m, w, "nranks", INT32_MAX, &nranks)) ||
      (rc = get_uint(r, m, w, "rank", INT32_MAX, &rank)) ||
      (rc = get_num(r, m, w, "resolution_ms", &r->h.resolution_ms)) ||
      (rc = get_num(r, m, w, "duration_ms", &r->h.duration_ms)))
    return rc;
  if (nranks < 1 || rank >= nranks)
    return sim_error_set(SIM_EFORMAT, "%s: header: rank %llu of %llu is out "
                         "of range (expected 0 <= rank < nranks)", r->path,
                         (unsigned long long)rank, (unsigned long long)nranks);
  if (!(r->h.resolution_ms > 0))
    return sim_error_set(SIM_EFORMAT, "%s: header: field \"resolution_ms\" "
                         "must be > 0", r->path);
  r->h.rank = (int)rank;
  r->h.nranks = (int)nranks;
  r->h.t_start = 0; /* optional: absent in every log not resumed into new rank files */
  if (io_mp_map_get(m, "t_start") &&
      (rc = get_uint(r, m, w, "t_start", INT64_MAX, &r->h.t_start)))
    return rc;

  if (!(o = field(r, m, w, "units", MSGPACK_OBJECT_MAP, "a map of strings",
                  &rc)))
    return rc;
  r->nunits = o->via.map.size;
  r->unit_keys = own(r, sim_calloc(r->nunits, sizeof *r->unit_keys, "units"));
  r->unit_vals = own(r, sim_calloc(r->nunits, sizeof *r->unit_vals, "units"));
  for (uint32_t i = 0; i < r->nunits; i++) {
    const msgpack_object_kv *kv = &o->via.map.ptr[i];
    if (kv->key.type != MSGPACK_OBJECT_STR || kv->val.type != MSGPACK_OBJECT_STR)
      return sim_error_set(SIM_EFORMAT, "%s: header: field \"units\" must map "
                           "names to unit strings (entry %u)", r->path, i);
    r->unit_keys[i] = own_str(r, &kv->key);
    r->unit_vals[i] = own_str(r, &kv->val);
  }
  if (!(o = field(r, m, w, "populations", MSGPACK_OBJECT_ARRAY,
                  "an array of maps", &rc)) ||
      (rc = parse_pops(r, o)))
    return rc;
  if (r->version >= 2 &&
      (!(o = field(r, m, w, "projections", MSGPACK_OBJECT_ARRAY,
                   "an array of maps", &rc)) ||
       (rc = parse_projs(r, o))))
    return rc;
  if (!(o = field(r, m, w, "recorders", MSGPACK_OBJECT_ARRAY,
                  "an array of maps", &rc)) ||
      (rc = parse_recs(r, o)))
    return rc;
  r->h.weight_unit = io_log_reader_unit(r, "weight");
  return 0;
}

int io_log_reader_create(const char *path, io_log_reader **out)
{
  *out = NULL;
  int rc;
  io_log_reader *r = sim_calloc(1, sizeof *r, "event log reader");
  r->path = sim_strdup(path, "event log path");
  r->last_window = -1;
  msgpack_unpacked_init(&r->up);
  r->f = fopen(path, "rb");
  if (!r->f) {
    rc = sim_error_set(SIM_EIO, "%s: cannot open the event log: %s", path,
                       strerror(errno));
    goto fail;
  }
  struct stat sb;
  if (fstat(fileno(r->f), &sb) == 0 && sb.st_size > 0)
    r->file_size = (uint64_t)sb.st_size;
  r->cap = 64 * 1024;
  r->buf = sim_malloc(r->cap, "event log read buffer");

  size_t len;
  uint64_t left;
  if ((rc = read_more(r)))
    goto fail;
  if (r->len == 0) {
    rc = sim_error_set(SIM_EFORMAT, "%s: empty file: expected a memspike log "
                       "header (a msgpack map)", path);
    goto fail;
  }
  unsigned b = r->buf[0];
  if (!((b >= 0x80 && b <= 0x8f) || b == 0xde || b == 0xdf)) {
    rc = sim_error_set(SIM_EFORMAT, "%s: not a memspike log: the header must "
                       "be a msgpack map, found byte 0x%02x at byte 0", path, b);
    goto fail;
  }
  rc = next_value(r, &len, &left);
  if (rc < 0)
    goto fail;
  if (rc == EXT_SHORT || rc == EXT_NONE) {
    rc = sim_error_set(SIM_EFORMAT, "%s: header incomplete: the file ends at "
                       "byte %llu inside it", path,
                       (unsigned long long)(r->buf_off + r->len));
    goto fail;
  }
  if (rc == EXT_BAD) {
    rc = sim_error_set(SIM_EFORMAT, "%s: header: invalid msgpack byte 0xc1 at "
                       "byte %llu", path, (unsigned long long)(r->buf_off + r->pos + len));
    goto fail;
  }
  size_t off = 0;
  int ur = msgpack_unpack_next(&r->up, (const char *)r->buf + r->pos, len, &off);
  if (ur != MSGPACK_UNPACK_SUCCESS && ur != MSGPACK_UNPACK_EXTRA_BYTES) {
    rc = sim_error_set(SIM_EFORMAT, "%s: header: cannot decode (msgpack error "
                       "%d)", path, ur);
    goto fail;
  }
  if ((rc = parse_header(r, &r->up.data)))
    goto fail;
  r->pos += len;
  r->st.good_bytes = r->buf_off + r->pos;
  r->header_end = r->st.good_bytes;
  if (io_log_index_load(path, r->h.digest, r->header_end, r->file_size,
                        &r->idx, &r->nidx, r->warning, sizeof r->warning) == 1)
    r->indexed = 1;
  *out = r;
  return 0;
fail:
  io_log_reader_destroy(r);
  return rc;
}

/* ------------------------------------------------------------ records */

int io_lr_error(io_log_reader *r, const io_log_record *rec,
                     const char *fmt, ...) __attribute__((format(printf, 3, 4)));

int io_lr_error(io_log_reader *r, const io_log_record *rec,
                     const char *fmt, ...)
{
  char what[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return r->err = sim_error_set(SIM_EFORMAT, "%s: record %llu%s at byte %llu: %s",
                                r->path, (unsigned long long)rec->index,
                                r->seeked ? " after the seek point" : "",
                                (unsigned long long)rec->offset, what);
}

int io_lr_gid_known(const io_log_reader *r, sim_gid g)
{
  if (r->pops_contiguous)
    return g < r->gid_end;
  uint32_t lo = 0, hi = r->h.npops; /* last population with first_gid <= g */
  while (hi - lo > 1) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (r->pops[mid].first_gid <= g)
      lo = mid;
    else
      hi = mid;
  }
  return r->h.npops > 0 && g >= r->pops[lo].first_gid &&
         g - r->pops[lo].first_gid < r->pops[lo].n;
}

static int decode_samples(io_log_reader *r, const msgpack_object *a,
                          io_log_record *rec)
{
  if (a->via.array.size != 4)
    return io_lr_error(r, rec, "sample record: expected 4 elements [2, recorder, "
                     "tick, [value...]], found %u", a->via.array.size);
  const msgpack_object *e = a->via.array.ptr;
  uint64_t ri;
  sim_time t;
  if (!io_lr_uint(&e[1], &ri) || ri >= r->h.nrecs || r->rec_nvalues[ri] == 0)
    return io_lr_error(r, rec, "sample record: recorder must be the index of a "
                     "state recorder of the header");
  if (!io_lr_tick(&e[2], &t) || t < r->last_window)
    return io_lr_error(r, rec, "sample record: tick must be an integer >= the "
                     "previous window end %lld", (long long)r->last_window);
  uint32_t n = r->rec_nvalues[ri];
  if (e[3].type != MSGPACK_OBJECT_ARRAY || e[3].via.array.size != n)
    return io_lr_error(r, rec, "sample record: expected an array of %u values "
                     "(%u neurons x %u variables of recorder %s)", n,
                     r->recs[ri].ngids, r->recs[ri].nvars, r->recs[ri].name);
  if (n > r->capval) {
    sim_free(r->values);
    r->capval = n;
    r->values = sim_malloc(n * sizeof *r->values, "event log sample values");
  }
  for (uint32_t i = 0; i < n; i++)
    if (!io_mp_number(&e[3].via.array.ptr[i], &r->values[i]))
      return io_lr_error(r, rec, "sample value %u must be a number, found %s",
                       i, io_mp_type_name(e[3].via.array.ptr[i].type));
  rec->tick = t;
  rec->samples.rec = (uint32_t)ri;
  rec->samples.values = r->values;
  rec->samples.n = n;
  r->st.samples++;
  return 0;
}

static int decode_end(io_log_reader *r, const msgpack_object *a,
                      io_log_record *rec)
{
  if (a->via.array.size != 3 || a->via.array.ptr[2].type != MSGPACK_OBJECT_MAP)
    return io_lr_error(r, rec, "end record: expected [9, final_tick, {summary}]");
  const msgpack_object *e = a->via.array.ptr;
  sim_time t;
  if (!io_lr_tick(&e[1], &t) || t < r->last_window)
    return io_lr_error(r, rec, "end record: final tick must be an integer >= "
                     "the last window end %lld", (long long)r->last_window);
  const char *keys[6] = {"spikes", "samples", "windows", "devices", "energy",
                         "weights"};
  uint64_t v[6] = {0};
  int nk = r->version >= 2 ? 6 : 3;
  for (int k = 0; k < nk; k++) {
    const msgpack_object *o = io_mp_map_get(&e[2], keys[k]);
    if (!o || !io_lr_uint(o, &v[k]))
      return io_lr_error(r, rec, "end record: summary field \"%s\" must be an "
                       "unsigned integer", keys[k]);
  }
  /* after a seek the counts start at the seek point: nothing to compare */
  if (!r->seeked && (v[0] != r->st.spikes || v[1] != r->st.samples))
    return io_lr_error(r, rec, "end record counts %llu spikes and %llu samples, "
                     "the file holds %llu and %llu", (unsigned long long)v[0],
                     (unsigned long long)v[1],
                     (unsigned long long)r->st.spikes,
                     (unsigned long long)r->st.samples);
  if (!r->seeked && (v[3] != r->st.devices || v[4] != r->st.energy ||
                     v[5] != r->st.weights))
    return io_lr_error(r, rec, "end record counts %llu device-write, %llu energy "
                     "and %llu weight records, the file holds %llu, %llu and "
                     "%llu", (unsigned long long)v[3], (unsigned long long)v[4],
                     (unsigned long long)v[5], (unsigned long long)r->st.devices,
                     (unsigned long long)r->st.energy,
                     (unsigned long long)r->st.weights);
  rec->tick = t;
  rec->end.spikes = v[0];
  rec->end.samples = v[1];
  rec->end.windows = v[2];
  rec->end.devices = v[3];
  rec->end.energy = v[4];
  rec->end.weights = v[5];
  r->st.ended = 1;
  r->st.complete_tick = t;
  return 0;
}

int io_lr_next(io_log_reader *r, io_log_record *rec)
{
  memset(rec, 0, sizeof *rec);
  for (;;) {
    if (r->err)
      return r->err;
    if (r->st.truncated)
      return 0;
    size_t len = 0;
    uint64_t left = 0;
    rec->index = r->st.records + 1;
    rec->offset = r->buf_off + r->pos;
    int e = next_value(r, &len, &left);
    if (e < 0)
      return r->err = e;
    if (r->st.ended) {
      if (e == EXT_NONE)
        return 0;
      return io_lr_error(r, rec, "data after the end record");
    }
    if (e == EXT_SHORT || e == EXT_NONE) {
      /* The file stops without an end record (the run died, or the tail
         was cut inside a record): keep what is complete, say where. */
      r->st.truncated = 1;
      r->st.partial_bytes = left;
      return 0;
    }
    if (e == EXT_BAD)
      return io_lr_error(r, rec, "invalid msgpack byte 0xc1 at byte %llu",
                       (unsigned long long)(rec->offset + len));
    size_t off = 0;
    int ur = msgpack_unpack_next(&r->up, (const char *)r->buf + r->pos, len, &off);
    if (ur != MSGPACK_UNPACK_SUCCESS && ur != MSGPACK_UNPACK_EXTRA_BYTES)
      return io_lr_error(r, rec, "cannot decode (msgpack error %d)", ur);
    rec->size = len;
    const msgpack_object *a = &r->up.data;
    uint64_t code;
    if (a->type != MSGPACK_OBJECT_ARRAY)
      return io_lr_error(r, rec, "expected an array [type code, ...], found %s",
                       io_mp_type_name(a->type));
    if (a->via.array.size < 1 || !io_lr_uint(&a->via.array.ptr[0], &code) ||
        code == 0)
      return io_lr_error(r, rec, "the first element of a record (its type "
                       "code) must be a positive integer, found %s",
                       a->via.array.size ? io_mp_type_name(a->via.array.ptr[0].type)
                                         : "an empty array");
    int rc = 0;
    int v2 = r->version >= 2;
    switch (v2 || code <= 3 || code == 9 ? code : 0) {
    case IO_LOG_SPIKES: rc = io_lr_spikes(r, a, rec); break;
    case IO_LOG_PACKED_SPIKES: rc = io_lr_packed(r, a, rec); code = IO_LOG_SPIKES; break;
    case IO_LOG_DEVICES: rc = io_lr_devices(r, a, rec); break;
    case IO_LOG_ENERGY: rc = io_lr_energy(r, a, rec); break;
    case IO_LOG_WEIGHTS: rc = io_lr_weights(r, a, rec); break;
    case IO_LOG_SAMPLES: rc = decode_samples(r, a, rec); break;
    case IO_LOG_WINDOW:
      if (a->via.array.size != 2 || !io_lr_tick(&a->via.array.ptr[1], &rec->tick))
        return io_lr_error(r, rec, "window end: expected [3, tick]");
      if (rec->tick <= r->last_window)
        return io_lr_error(r, rec, "window end %lld does not follow the previous "
                         "window end %lld", (long long)rec->tick,
                         (long long)r->last_window);
      r->last_window = rec->tick;
      r->st.complete_tick = rec->tick;
      break;
    case IO_LOG_END: rc = decode_end(r, a, rec); break;
    default:
      if (code >= 64 && code <= 127) { /* optional record: skip */
        r->pos += len;
        r->st.records++;
        r->st.good_bytes = r->buf_off + r->pos;
        continue;
      }
      if (!v2 && code >= 4 && code <= 7)
        return io_lr_error(r, rec, "record type code %llu is not part of "
                         "version 1 (the header says version 1)",
                         (unsigned long long)code);
      return io_lr_error(r, rec, "unknown record type code %llu (this reader "
                       "knows 1 and 6 spikes, 2 samples, 3 window end, 4 "
                       "device writes, 5 energy, 7 weights, 9 end; codes "
                       "below 64 must be understood: is the file from a "
                       "newer memspike?)", (unsigned long long)code);
    }
    if (rc)
      return rc;
    rec->type = (io_log_rtype)code;
    r->pos += len;
    r->st.records++;
    r->st.good_bytes = r->buf_off + r->pos;
    return 1;
  }
}

int io_log_reader_next(io_log_reader *r, io_log_record *rec)
{
  if (r->held && !r->err) {
    *rec = r->hold;
    r->held = 0;
    return 1;
  }
  return io_lr_next(r, rec);
}

const io_log_header *io_log_reader_header(const io_log_reader *r)
{
  return &r->h;
}

const char *io_log_reader_unit(const io_log_reader *r, const char *name)
{
  for (uint32_t i = 0; i < r->nunits; i++)
    if (strcmp(r->unit_keys[i], name) == 0)
      return r->unit_vals[i];
  return NULL;
}

const char *io_log_reader_path(const io_log_reader *r) { return r->path; }

void io_log_reader_status(const io_log_reader *r, io_log_status *st)
{
  *st = r->st;
}

void io_log_reader_destroy(io_log_reader *r)
{
  if (!r)
    return;
  if (r->f)
    fclose(r->f);
  msgpack_unpacked_destroy(&r->up);
  for (size_t i = 0; i < r->nowned; i++)
    sim_free(r->owned[i]);
  sim_free(r->owned);
  sim_free(r->buf);
  sim_free(r->ticks);
  sim_free(r->gids);
  sim_free(r->values);
  sim_free(r->dticks);
  sim_free(r->pre);
  sim_free(r->post);
  sim_free(r->pulses);
  sim_free(r->gv);
  sim_free(r->wv);
  sim_free(r->rows);
  sim_free(r->idx);
  sim_free(r->path);
  sim_free(r);
}
