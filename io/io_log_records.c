/*
 * io_log_records.c: the event log reader's spike blocks (version 1's code
 * 1, version 2's packed code 6), the version-2 records (device writes,
 * energy counters, weight snapshots) and seeking with the index sidecar
 * (io_log.h; format: docs/log-format.md).
 */
#include "io_log_rd.h"
#include "io_mpscan.h"
#include "io_varint.h"

#include <errno.h>
#include <string.h>
#include <sys/types.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"

static void spikes_room(io_log_reader *r, uint64_t n)
{
  if (n > r->capspk) {
    sim_free(r->ticks);
    sim_free(r->gids);
    r->capspk = n;
    r->ticks = sim_malloc(n * sizeof *r->ticks, "event log spike ticks");
    r->gids = sim_malloc(n * sizeof *r->gids, "event log spike gids");
  }
}

/* A spike block of either code was decoded into r->ticks and r->gids:
   return its n spikes, and its window end as the file's new mark. */
static int spikes_done(io_log_reader *r, io_log_record *rec, sim_time wend, uint32_t n)
{
  rec->tick = wend;
  rec->spikes.ticks = r->ticks;
  rec->spikes.gids = r->gids;
  rec->spikes.n = n;
  r->last_window = wend;
  r->st.complete_tick = wend;
  r->st.spikes += n;
  return 0;
}

/* [1, window_end, base_tick, [dtick...], [gid...]] (version 1; accepted
   in version 2 files too). */
int io_lr_spikes(io_log_reader *r, const msgpack_object *a,
                         io_log_record *rec)
{
  if (a->via.array.size != 5)
    return io_lr_error(r, rec, "spike block: expected 5 elements [1, window_end, "
                     "base_tick, [dtick...], [gid...]], found %u",
                     a->via.array.size);
  const msgpack_object *e = a->via.array.ptr;
  sim_time wend, base;
  if (!io_lr_tick(&e[1], &wend) || !io_lr_tick(&e[2], &base))
    return io_lr_error(r, rec, "spike block: window_end and base_tick must be "
                     "ticks (integers >= 0)");
  if (wend <= r->last_window)
    return io_lr_error(r, rec, "spike block: window end %lld does not follow "
                     "the previous window end %lld", (long long)wend,
                     (long long)r->last_window);
  if (base < r->last_window)
    return io_lr_error(r, rec, "spike block: base tick %lld lies before the "
                     "previous window end %lld", (long long)base,
                     (long long)r->last_window);
  if (e[3].type != MSGPACK_OBJECT_ARRAY || e[4].type != MSGPACK_OBJECT_ARRAY ||
      e[3].via.array.size != e[4].via.array.size)
    return io_lr_error(r, rec, "spike block: expected two arrays of equal "
                     "length (tick offsets, gids)");
  uint32_t n = e[3].via.array.size;
  spikes_room(r, n);
  for (uint32_t i = 0; i < n; i++) {
    uint64_t dt, g;
    if (!io_lr_uint(&e[3].via.array.ptr[i], &dt) ||
        dt >= (uint64_t)(wend - base))
      return io_lr_error(r, rec, "spike %u: tick offset must be an integer in "
                       "[0, %lld) so that the tick lies before the window end",
                       i, (long long)(wend - base));
    if (!io_lr_uint(&e[4].via.array.ptr[i], &g) || g > UINT32_MAX ||
        !io_lr_gid_known(r, (sim_gid)g))
      return io_lr_error(r, rec, "spike %u: gid must be an integer naming a "
                       "neuron of a population in the header", i);
    r->ticks[i] = base + (sim_time)dt;
    r->gids[i] = (sim_gid)g;
    if (i > 0 && (r->ticks[i] < r->ticks[i - 1] ||
                  (r->ticks[i] == r->ticks[i - 1] && r->gids[i] < r->gids[i - 1])))
      return io_lr_error(r, rec, "spike %u: spikes must be sorted by (tick, gid)",
                       i);
  }
  return spikes_done(r, rec, wend, n);
}

/* [6, window_end, base_tick, nspikes, bin]: tick groups of LEB128 varints,
   varint(dtick) varint(count) varint(gap)... (docs/log-format.md). */
int io_lr_packed(io_log_reader *r, const msgpack_object *a,
                         io_log_record *rec)
{
  if (a->via.array.size != 5)
    return io_lr_error(r, rec, "packed spike block: expected 5 elements [6, "
                     "window_end, base_tick, nspikes, bin], found %u",
                     a->via.array.size);
  const msgpack_object *e = a->via.array.ptr;
  sim_time wend, base;
  uint64_t n;
  if (!io_lr_tick(&e[1], &wend) || !io_lr_tick(&e[2], &base))
    return io_lr_error(r, rec, "packed spike block: window_end and base_tick "
                     "must be ticks (integers >= 0)");
  if (wend <= r->last_window)
    return io_lr_error(r, rec, "packed spike block: window end %lld does not "
                     "follow the previous window end %lld", (long long)wend,
                     (long long)r->last_window);
  if (base < r->last_window || base >= wend)
    return io_lr_error(r, rec, "packed spike block: base tick %lld must lie in "
                     "[previous window end %lld, window end %lld)",
                     (long long)base, (long long)r->last_window,
                     (long long)wend);
  if (e[4].type != MSGPACK_OBJECT_BIN)
    return io_lr_error(r, rec, "packed spike block: element 5 must be a bin of "
                     "varints, found %s", io_mp_type_name(e[4].type));
  const unsigned char *p = (const unsigned char *)e[4].via.bin.ptr;
  size_t len = e[4].via.bin.size;
  /* every spike takes at least one byte (its gap) */
  if (!io_lr_uint(&e[3], &n) || n == 0 || n > len || n > UINT32_MAX)
    return io_lr_error(r, rec, "packed spike block: nspikes must be an integer "
                     "in [1, %zu] (one byte per spike at least)", len);
  spikes_room(r, n);
  size_t at = 0;
  uint64_t got = 0;
  sim_time t = base;
  while (at < len) {
    uint64_t dt, cnt, gap;
    size_t k;
    if (got == n)
      return io_lr_error(r, rec, "packed spike block: %zu payload bytes after "
                         "the %llu spikes of nspikes", len - at,
                         (unsigned long long)n);
    if (!(k = io_varint_get(p + at, len - at, &dt)))
      return io_lr_error(r, rec, "packed spike block: bad varint (tick delta "
                       "of a group) at payload byte %zu", at);
    at += k;
    if (dt > (uint64_t)(wend - 1 - t))
      return io_lr_error(r, rec, "packed spike block: tick delta %llu at payload "
                       "byte %zu puts the tick at or past the window end %lld",
                       (unsigned long long)dt, at - k, (long long)wend);
    if (got > 0 && dt == 0)
      return io_lr_error(r, rec, "packed spike block: tick delta 0 after the "
                       "first group (payload byte %zu): spikes must be sorted "
                       "by tick, one group per tick", at - k);
    t += (sim_time)dt;
    if (!(k = io_varint_get(p + at, len - at, &cnt)))
      return io_lr_error(r, rec, "packed spike block: bad varint (spike count "
                       "of a group) at payload byte %zu", at);
    at += k;
    if (cnt == 0 || cnt > n - got)
      return io_lr_error(r, rec, "packed spike block: group count %llu at "
                       "payload byte %zu must be in [1, %llu] (nspikes %llu)",
                       (unsigned long long)cnt, at - k,
                       (unsigned long long)(n - got), (unsigned long long)n);
    uint64_t g = 0;
    for (uint64_t c = 0; c < cnt; c++) {
      if (!(k = io_varint_get(p + at, len - at, &gap)))
        return io_lr_error(r, rec, "packed spike block: bad varint (gid gap of "
                         "spike %llu) at payload byte %zu",
                         (unsigned long long)got, at);
      at += k;
      if (gap > UINT32_MAX || g + gap > UINT32_MAX ||
          !io_lr_gid_known(r, (sim_gid)(g + gap)))
        return io_lr_error(r, rec, "spike %llu: gid %llu (payload byte %zu) "
                         "must name a neuron of a population in the header",
                         (unsigned long long)got,
                         (unsigned long long)(g + gap), at - k);
      g += gap;
      r->ticks[got] = t;
      r->gids[got] = (sim_gid)g;
      got++;
    }
  }
  if (got != n)
    return io_lr_error(r, rec, "packed spike block: nspikes is %llu, the payload "
                     "holds %llu", (unsigned long long)n,
                     (unsigned long long)got);
  if (r->ticks[0] != base)
    return io_lr_error(r, rec, "packed spike block: the first group's tick %lld "
                     "is not base_tick %lld", (long long)r->ticks[0],
                     (long long)base);
  return spikes_done(r, rec, wend, (uint32_t)n);
}

/* An array element of a record that must be an array of n entries. */
static int arr_n(const msgpack_object *o, uint32_t n)
{
  return o->type == MSGPACK_OBJECT_ARRAY && o->via.array.size == n;
}

static void dev_room(io_log_reader *r, size_t n)
{
  if (n <= r->capdev)
    return;
  sim_free(r->dticks);
  sim_free(r->pre);
  sim_free(r->post);
  sim_free(r->pulses);
  sim_free(r->gv);
  sim_free(r->wv);
  r->capdev = n;
  r->dticks = sim_malloc(n * sizeof *r->dticks, "event log device ticks");
  r->pre = sim_malloc(n * sizeof *r->pre, "event log pre gids");
  r->post = sim_malloc(n * sizeof *r->post, "event log post gids");
  r->pulses = sim_malloc(n * sizeof *r->pulses, "event log pulses");
  r->gv = sim_malloc(n * sizeof *r->gv, "event log conductances");
  r->wv = sim_malloc(n * sizeof *r->wv, "event log weights");
}

/* [4, window_end, proj, base_tick, [dtick...], [pre...], [post...],
   [pulses...], [g...]] */
int io_lr_devices(io_log_reader *r, const msgpack_object *a,
                          io_log_record *rec)
{
  if (a->via.array.size != 9)
    return io_lr_error(r, rec, "device writes: expected 9 elements [4, "
                     "window_end, proj, base_tick, [dtick...], [pre...], "
                     "[post...], [pulses...], [g...]], found %u",
                     a->via.array.size);
  const msgpack_object *e = a->via.array.ptr;
  sim_time wend, base;
  uint64_t proj;
  if (!io_lr_tick(&e[1], &wend) || wend <= r->last_window)
    return io_lr_error(r, rec, "device writes: window_end must be a tick after "
                     "the previous window end %lld", (long long)r->last_window);
  if (!io_lr_uint(&e[2], &proj) || proj >= r->h.nprojs)
    return io_lr_error(r, rec, "device writes: proj must be the index of a "
                     "projection of the header (%u)", r->h.nprojs);
  if (!io_lr_tick(&e[3], &base) || base < r->last_window || base >= wend)
    return io_lr_error(r, rec, "device writes: base_tick must lie in [%lld, "
                     "%lld)", (long long)r->last_window, (long long)wend);
  if (e[4].type != MSGPACK_OBJECT_ARRAY)
    return io_lr_error(r, rec, "device writes: element 5 must be an array of "
                     "tick offsets");
  uint32_t n = e[4].via.array.size;
  for (int k = 5; k < 9; k++)
    if (!arr_n(&e[k], n))
      return io_lr_error(r, rec, "device writes: element %d must be an array of "
                       "%u entries like the tick offsets", k + 1, n);
  if (n == 0)
    return io_lr_error(r, rec, "device writes: a record holds at least one write");
  dev_room(r, n);
  for (uint32_t i = 0; i < n; i++) {
    uint64_t dt, pre, post;
    const msgpack_object *pu = &e[7].via.array.ptr[i];
    if (!io_lr_uint(&e[4].via.array.ptr[i], &dt) || dt >= (uint64_t)(wend - base))
      return io_lr_error(r, rec, "device write %u: tick offset must be an "
                       "integer in [0, %lld)", i, (long long)(wend - base));
    if (!io_lr_uint(&e[5].via.array.ptr[i], &pre) || pre > UINT32_MAX ||
        !io_lr_gid_known(r, (sim_gid)pre) || !io_lr_uint(&e[6].via.array.ptr[i], &post) ||
        post > UINT32_MAX || !io_lr_gid_known(r, (sim_gid)post))
      return io_lr_error(r, rec, "device write %u: pre and post must be gids of "
                       "populations in the header", i);
    int64_t pv;
    if (pu->type == MSGPACK_OBJECT_POSITIVE_INTEGER && pu->via.u64 <= INT32_MAX)
      pv = (int64_t)pu->via.u64;
    else if (pu->type == MSGPACK_OBJECT_NEGATIVE_INTEGER && pu->via.i64 >= INT32_MIN)
      pv = pu->via.i64;
    else
      return io_lr_error(r, rec, "device write %u: pulses must be a 32-bit "
                       "integer, found %s", i, io_mp_type_name(pu->type));
    if (!io_mp_number(&e[8].via.array.ptr[i], &r->gv[i]))
      return io_lr_error(r, rec, "device write %u: g must be a number, found %s",
                       i, io_mp_type_name(e[8].via.array.ptr[i].type));
    r->dticks[i] = base + (sim_time)dt;
    r->pre[i] = (sim_gid)pre;
    r->post[i] = (sim_gid)post;
    r->pulses[i] = (int32_t)pv;
    if (i > 0 && (r->dticks[i] < r->dticks[i - 1] ||
                  (r->dticks[i] == r->dticks[i - 1] &&
                   (r->pre[i] < r->pre[i - 1] ||
                    (r->pre[i] == r->pre[i - 1] && r->post[i] < r->post[i - 1])))))
      return io_lr_error(r, rec, "device write %u: writes must be sorted by "
                       "(tick, pre, post)", i);
  }
  rec->tick = wend;
  rec->devices.proj = (uint32_t)proj;
  rec->devices.ticks = r->dticks;
  rec->devices.pre = r->pre;
  rec->devices.post = r->post;
  rec->devices.pulses = r->pulses;
  rec->devices.g = r->gv;
  rec->devices.n = n;
  r->st.devices++;
  return 0;
}

/* [5, window_end, [[component, reads, pulses, updates, spikes, read_pj,
   write_pj], ...]] */
int io_lr_energy(io_log_reader *r, const msgpack_object *a,
                         io_log_record *rec)
{
  if (a->via.array.size != 3 || a->via.array.ptr[2].type != MSGPACK_OBJECT_ARRAY)
    return io_lr_error(r, rec, "energy counters: expected [5, window_end, "
                     "[[component, reads, pulses, updates, spikes, read_pj, "
                     "write_pj], ...]]");
  const msgpack_object *e = a->via.array.ptr;
  sim_time wend;
  if (!io_lr_tick(&e[1], &wend) || wend <= r->last_window)
    return io_lr_error(r, rec, "energy counters: window_end must be a tick after "
                     "the previous window end %lld", (long long)r->last_window);
  uint32_t n = e[2].via.array.size;
  uint64_t ncomp = (uint64_t)r->h.nprojs + r->h.npops + 1;
  if (n == 0)
    return io_lr_error(r, rec, "energy counters: a record holds at least one row");
  if (n > r->caprows) {
    sim_free(r->rows);
    r->caprows = n;
    r->rows = sim_malloc(n * sizeof *r->rows, "event log energy rows");
  }
  for (uint32_t i = 0; i < n; i++) {
    const msgpack_object *row = &e[2].via.array.ptr[i];
    if (!arr_n(row, 7))
      return io_lr_error(r, rec, "energy row %u: expected an array of 7 "
                       "[component, reads, pulses, updates, spikes, read_pj, "
                       "write_pj]", i);
    const msgpack_object *f = row->via.array.ptr;
    io_log_energy_row *w = &r->rows[i];
    uint64_t c;
    if (!io_lr_uint(&f[0], &c) || c >= ncomp ||
        (i > 0 && c <= r->rows[i - 1].component))
      return io_lr_error(r, rec, "energy row %u: component must be ascending and "
                       "< %llu (projections + populations + transport)", i,
                       (unsigned long long)ncomp);
    w->component = (uint32_t)c;
    if (!io_lr_uint(&f[1], &w->reads) || !io_lr_uint(&f[2], &w->pulses) ||
        !io_lr_uint(&f[3], &w->updates) || !io_lr_uint(&f[4], &w->spikes))
      return io_lr_error(r, rec, "energy row %u: reads, pulses, updates and "
                       "spikes must be integers >= 0", i);
    if (!io_mp_number(&f[5], &w->read_pj) || !io_mp_number(&f[6], &w->write_pj))
      return io_lr_error(r, rec, "energy row %u: read_pj and write_pj must be "
                       "numbers", i);
  }
  rec->tick = wend;
  rec->energy.rows = r->rows;
  rec->energy.n = n;
  r->st.energy++;
  return 0;
}

/* [7, tick, rec, [pre...], [post...], [w...], [g...]] */
int io_lr_weights(io_log_reader *r, const msgpack_object *a,
                          io_log_record *rec)
{
  if (a->via.array.size != 7)
    return io_lr_error(r, rec, "weight snapshot: expected 7 elements [7, tick, "
                     "rec, [pre...], [post...], [w...], [g...]], found %u",
                     a->via.array.size);
  const msgpack_object *e = a->via.array.ptr;
  sim_time t;
  uint64_t ri;
  if (!io_lr_tick(&e[1], &t) || t < r->last_window)
    return io_lr_error(r, rec, "weight snapshot: tick must be an integer >= the "
                     "previous window end %lld", (long long)r->last_window);
  if (!io_lr_uint(&e[2], &ri) || ri >= r->h.nrecs ||
      r->recs[ri].kind != IO_LOG_REC_WEIGHTS)
    return io_lr_error(r, rec, "weight snapshot: rec must be the index of a "
                     "weights recorder of the header");
  if (e[3].type != MSGPACK_OBJECT_ARRAY)
    return io_lr_error(r, rec, "weight snapshot: element 4 must be an array of "
                     "pre gids");
  uint32_t n = e[3].via.array.size;
  if (n == 0 || !arr_n(&e[4], n) || !arr_n(&e[5], n) ||
      (!arr_n(&e[6], n) && !arr_n(&e[6], 0)))
    return io_lr_error(r, rec, "weight snapshot: pre, post and w must be arrays "
                     "of the same length >= 1, g of that length or empty");
  int hasg = e[6].via.array.size == n;
  dev_room(r, n);
  for (uint32_t i = 0; i < n; i++) {
    uint64_t pre, post;
    if (!io_lr_uint(&e[3].via.array.ptr[i], &pre) || pre > UINT32_MAX ||
        !io_lr_gid_known(r, (sim_gid)pre) || !io_lr_uint(&e[4].via.array.ptr[i], &post) ||
        post > UINT32_MAX || !io_lr_gid_known(r, (sim_gid)post))
      return io_lr_error(r, rec, "weight %u: pre and post must be gids of "
                       "populations in the header", i);
    r->pre[i] = (sim_gid)pre;
    r->post[i] = (sim_gid)post;
    if (i > 0 && (r->pre[i] < r->pre[i - 1] ||
                  (r->pre[i] == r->pre[i - 1] && r->post[i] < r->post[i - 1])))
      return io_lr_error(r, rec, "weight %u: synapses must be sorted by (pre, "
                       "post)", i);
    if (!io_mp_number(&e[5].via.array.ptr[i], &r->wv[i]) ||
        (hasg && !io_mp_number(&e[6].via.array.ptr[i], &r->gv[i])))
      return io_lr_error(r, rec, "weight %u: w and g must be numbers", i);
  }
  rec->tick = t;
  rec->weights.rec = (uint32_t)ri;
  rec->weights.pre = r->pre;
  rec->weights.post = r->post;
  rec->weights.w = r->wv;
  rec->weights.g = hasg ? r->gv : NULL;
  rec->weights.n = n;
  r->st.weights++;
  return 0;
}

/* ------------------------------------------------------------ seeking */

/* Start reading again at byte off of the file, as if a window mark with
   window end last_window (-1: none) came just before; counts restart. */
static int reposition(io_log_reader *r, uint64_t off, sim_time last_window)
{
  if (fseeko(r->f, (off_t)off, SEEK_SET) != 0)
    return r->err = sim_error_set(SIM_EIO, "%s: cannot seek to byte %llu: %s",
                                  r->path, (unsigned long long)off,
                                  strerror(errno));
  clearerr(r->f);
  r->buf_off = off;
  r->len = r->pos = 0;
  r->eof = 0;
  r->err = 0;
  r->held = 0;
  r->last_window = last_window;
  memset(&r->st, 0, sizeof r->st);
  r->st.good_bytes = off;
  r->st.complete_tick = last_window > 0 ? last_window : 0;
  return 0;
}

/* 1 when rec may hold events with a tick >= tick. */
static int reaches(const io_log_record *rec, sim_time tick)
{
  switch (rec->type) {
  case IO_LOG_SAMPLES:
  case IO_LOG_WEIGHTS: return rec->tick >= tick;
  case IO_LOG_END: return 1;
  default: return rec->tick > tick; /* window ends are exclusive */
  }
}

int io_log_reader_seek(io_log_reader *r, sim_time tick)
{
  uint64_t off = r->header_end;
  sim_time lw = -1;
  size_t k = 0; /* entries with entry tick <= tick: the last one is ours */
  if (r->indexed) {
    size_t lo = 0, hi = r->nidx;
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (r->idx[mid].tick <= tick)
        lo = mid + 1;
      else
        hi = mid;
    }
    k = lo;
    if (k > 0) {
      off = r->idx[k - 1].offset;
      lw = r->idx[k - 1].tick;
    }
  }
  int rc = reposition(r, off, lw);
  if (rc)
    return rc;
  r->seeked = 1;
  io_log_record rec;
  for (int first = 1;; first = 0) {
    rc = io_lr_next(r, &rec);
    if (rc < 0 && first && k > 0 && rc == SIM_EFORMAT) {
      /* the sidecar points at something that is not a record after a
         window mark: do not trust it, scan from the start instead */
      snprintf(r->warning, sizeof r->warning, "%s.index: entry %zu (tick "
               "%lld, offset %llu) does not point at a record of the log "
               "(%s); scanning from the start", r->path, k - 1,
               (long long)lw, (unsigned long long)off, sim_error_msg());
      sim_error_clear();
      r->indexed = 0;
      k = 0;
      if ((rc = reposition(r, r->header_end, -1)))
        return rc;
      continue;
    }
    if (rc <= 0)
      return rc < 0 ? rc : 0;
    if (reaches(&rec, tick)) {
      r->hold = rec;
      r->held = 1;
      /* the held record counts as read; the status says so already */
      return 0;
    }
  }
}

int io_log_reader_indexed(const io_log_reader *r) { return r->indexed; }

const char *io_log_reader_warning(const io_log_reader *r)
{
  return r->warning[0] ? r->warning : NULL;
}

