/*
 * io_sonata.c: the SONATA spike file writer (io_sonata.h), on libhdf5.
 *
 * Layout (SONATA developer guide, "Spike file", and its HDF5 conventions):
 *   /                   attributes version = [0, 1] (uint32 x 2, the spec
 *                       version), magic = 0x0A7A (uint32)
 *   /spikes/<pop>       group; attribute sorting: enum (uint8) {none = 0,
 *                       by_id = 1, by_time = 2} = by_time
 *   /spikes/<pop>/timestamps  float64 [N], attribute units = "ms"
 *   /spikes/<pop>/node_ids    uint64 [N], population-local ids
 * The datasets are chunked and extended as the merged stream goes, one
 * buffer of BUF spikes per population, so memory does not grow with the
 * log.
 */
#include "io_sonata.h"

#include <hdf5.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"

#define BUF 8192 /* spikes per population buffered, and the chunk size */

typedef struct spop {
  hid_t g, dt, dn;     /* group, timestamps, node_ids (-1: none) */
  uint64_t n;          /* spikes written */
  uint32_t nb;         /* spikes buffered */
  double *tb;          /* BUF times (ms) */
  uint64_t *ib;        /* BUF local ids */
} spop;

typedef struct h5w {
  const char *path;
  hid_t f, spikes;
  int failed;          /* an HDF5 call failed: message set */
} h5w;

/* Record the first failure of an HDF5 call; returns SIM_EIO. */
static int h5fail(h5w *w, const char *what)
{
  if (!w->failed)
    sim_error_set(SIM_EIO, "cannot write the SONATA file %s: HDF5 %s failed", w->path, what);
  w->failed = 1;
  return SIM_EIO;
}

static int attr_u32(h5w *w, hid_t at, const char *name, const uint32_t *v, hsize_t n)
{
  hid_t sp = n == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, NULL);
  hid_t a = H5Acreate2(at, name, H5T_STD_U32LE, sp, H5P_DEFAULT, H5P_DEFAULT);
  int bad = a < 0 || H5Awrite(a, H5T_NATIVE_UINT32, v) < 0;
  if (a >= 0)
    H5Aclose(a);
  H5Sclose(sp);
  return bad ? h5fail(w, name) : 0;
}

/* A variable-length UTF-8 string attribute (what h5py writes for a str). */
static int attr_str(h5w *w, hid_t at, const char *name, const char *val)
{
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  hid_t sp = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(at, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
  int bad = a < 0 || H5Awrite(a, t, &val) < 0;
  if (a >= 0)
    H5Aclose(a);
  H5Sclose(sp);
  H5Tclose(t);
  return bad ? h5fail(w, name) : 0;
}

/* The sorting attribute: an enum over uint8, as libsonata reads it. */
static int attr_sorting(h5w *w, hid_t at)
{
  hid_t t = H5Tenum_create(H5T_NATIVE_UINT8);
  uint8_t v = 0;
  H5Tenum_insert(t, "none", &v);
  v = 1;
  H5Tenum_insert(t, "by_id", &v);
  v = 2;
  H5Tenum_insert(t, "by_time", &v);
  hid_t sp = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(at, "sorting", t, sp, H5P_DEFAULT, H5P_DEFAULT);
  int bad = a < 0 || H5Awrite(a, t, &v) < 0;
  if (a >= 0)
    H5Aclose(a);
  H5Sclose(sp);
  H5Tclose(t);
  return bad ? h5fail(w, "sorting") : 0;
}

/* An empty, extendible, chunked 1-d dataset of file type ft. */
static hid_t dataset(h5w *w, hid_t g, const char *name, hid_t ft)
{
  hsize_t dims = 0, maxd = H5S_UNLIMITED, chunk = BUF;
  hid_t sp = H5Screate_simple(1, &dims, &maxd);
  hid_t pl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(pl, 1, &chunk);
  hid_t d = H5Dcreate2(g, name, ft, sp, H5P_DEFAULT, pl, H5P_DEFAULT);
  H5Pclose(pl);
  H5Sclose(sp);
  if (d < 0)
    h5fail(w, name);
  return d;
}

static int append1(h5w *w, hid_t d, uint64_t at, uint32_t n, hid_t mt, const void *buf)
{
  hsize_t size = at + n, start = at, count = n;
  if (H5Dset_extent(d, &size) < 0)
    return h5fail(w, "H5Dset_extent");
  hid_t fs = H5Dget_space(d);
  hid_t ms = H5Screate_simple(1, &count, NULL);
  int bad = H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL) < 0 ||
            H5Dwrite(d, mt, ms, fs, H5P_DEFAULT, buf) < 0;
  H5Sclose(ms);
  H5Sclose(fs);
  return bad ? h5fail(w, "H5Dwrite") : 0;
}

static int flush_pop(h5w *w, spop *s)
{
  if (s->nb == 0)
    return 0;
  int rc = append1(w, s->dt, s->n, s->nb, H5T_NATIVE_DOUBLE, s->tb);
  if (!rc)
    rc = append1(w, s->dn, s->n, s->nb, H5T_NATIVE_UINT64, s->ib);
  s->n += s->nb;
  s->nb = 0;
  return rc;
}

static int open_pop(h5w *w, spop *s, const char *name)
{
  s->g = H5Gcreate2(w->spikes, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (s->g < 0)
    return h5fail(w, "H5Gcreate2 (population group)");
  int rc = attr_sorting(w, s->g);
  if (rc)
    return rc;
  if ((s->dt = dataset(w, s->g, "timestamps", H5T_IEEE_F64LE)) < 0 ||
      (s->dn = dataset(w, s->g, "node_ids", H5T_STD_U64LE)) < 0)
    return SIM_EIO;
  if ((rc = attr_str(w, s->dt, "units", "ms")))
    return rc;
  s->tb = sim_malloc(BUF * sizeof *s->tb, "SONATA time buffer");
  s->ib = sim_malloc(BUF * sizeof *s->ib, "SONATA id buffer");
  return 0;
}

int io_replay_sonata(const char *const *paths, int n, int flags, const io_replay_filter *f,
                     const char *h5path)
{
  io_replay *rp;
  int rc = io_replay_create(paths, n, flags, &rp);
  if (rc)
    return rc;
  const io_log_header *h = io_replay_header(rp);
  spop *sp = sim_calloc(h->npops + 1u, sizeof *sp, "SONATA populations");
  for (uint32_t p = 0; p < h->npops; p++)
    sp[p].g = sp[p].dt = sp[p].dn = -1;
  h5w w = {.path = h5path, .f = -1, .spikes = -1};
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* errors are ours to report */
  if ((rc = io_replay_select(rp, IO_REPLAY_SPIKES, f)))
    goto done;
  w.f = H5Fcreate(h5path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (w.f < 0) {
    rc = h5fail(&w, "H5Fcreate");
    goto done;
  }
  const uint32_t version[2] = {0, 1}, magic = 0x0A7A;
  if ((rc = attr_u32(&w, w.f, "version", version, 2)) ||
      (rc = attr_u32(&w, w.f, "magic", &magic, 1)))
    goto done;
  w.spikes = H5Gcreate2(w.f, "spikes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (w.spikes < 0) {
    rc = h5fail(&w, "H5Gcreate2 (/spikes)");
    goto done;
  }
  for (uint32_t p = 0; p < h->npops; p++) {
    int recorded = 0;
    for (uint32_t i = 0; i < h->nrecs; i++)
      recorded |= h->recs[i].kind == IO_LOG_REC_SPIKES && h->recs[i].pop == p &&
                  h->recs[i].count > 0;
    if (recorded && io_replay_pop_selected(rp, p) && (rc = open_pop(&w, &sp[p], h->pops[p].name)))
      goto done;
  }
  sim_time t;
  sim_gid g;
  while ((rc = io_replay_next(rp, &t, &g)) == 1) {
    int p = io_replay_pop_of(h, g);
    if (p < 0 || sp[p].g < 0)
      continue;
    spop *s = &sp[p];
    s->tb[s->nb] = (double)t * h->resolution_ms;
    s->ib[s->nb] = g - h->pops[p].first_gid;
    if (++s->nb == BUF && (rc = flush_pop(&w, s)))
      goto done;
  }
  if (rc < 0)
    goto done;
  rc = 0;
  for (uint32_t p = 0; p < h->npops && !rc; p++)
    if (sp[p].g >= 0)
      rc = flush_pop(&w, &sp[p]);
done:
  for (uint32_t p = 0; p < h->npops; p++) {
    if (sp[p].dt >= 0)
      H5Dclose(sp[p].dt);
    if (sp[p].dn >= 0)
      H5Dclose(sp[p].dn);
    if (sp[p].g >= 0)
      H5Gclose(sp[p].g);
    sim_free(sp[p].tb);
    sim_free(sp[p].ib);
  }
  sim_free(sp);
  if (w.spikes >= 0)
    H5Gclose(w.spikes);
  if (w.f >= 0 && H5Fclose(w.f) < 0 && !rc)
    rc = h5fail(&w, "H5Fclose");
  io_replay_destroy(rp);
  return rc;
}
