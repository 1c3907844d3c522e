/*
 * io_idx.c: the IDX data set reader (io_idx.h).
 *
 * Read through zlib (gzip or plain files alike).  The data buffer grows
 * only as bytes actually arrive, so a corrupt count in the header cannot
 * allocate more than the file holds.  A caller that needs only the first
 * items stops the inflation there (convert calibrates on 1000 of the 60000
 * training images).
 */
#include "io_idx.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"

#define IDX_LABELS 0x00000801u
#define IDX_IMAGES 0x00000803u
#define IDX_DIM_MAX 65535u                /* rows, cols */
#define IDX_MAX_BYTES ((uint64_t)1 << 34) /* data: 16 GiB */

/* Read up to n bytes; returns the count (short only at the end of the
   data or on a zlib error, which the caller asks gzerror about). */
static size_t gz_get(gzFile f, void *buf, size_t n)
{
  size_t got = 0;
  while (got < n) {
    size_t want = n - got > (1u << 30) ? (1u << 30) : n - got;
    int r = gzread(f, (char *)buf + got, (unsigned)want);
    if (r <= 0)
      break;
    got += (size_t)r;
  }
  return got;
}

/* SIM_EFORMAT naming the zlib error when the stream has one, else 0. */
static int gz_failed(gzFile f, const char *path, uint64_t at)
{
  int zerr = Z_OK;
  const char *msg = gzerror(f, &zerr);
  if (zerr == Z_OK)
    return 0;
  if (zerr == Z_ERRNO)
    return sim_error_set(SIM_EIO, "%s: read error after %llu bytes of data: "
                         "%s", path, (unsigned long long)at, strerror(errno));
  return sim_error_set(SIM_EFORMAT, "%s: gzip stream corrupt or cut short "
                       "after %llu bytes of data (zlib: %s)", path,
                       (unsigned long long)at, msg);
}

static uint32_t be32(const unsigned char *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

/* io_idx_load_first, also returning the magic (what the file holds). */
static int idx_read(const char *path, uint32_t max, uint32_t *magic, io_idx **out)
{
  *out = NULL;
  errno = 0;
  gzFile f = gzopen(path, "rb");
  if (!f)
    return sim_error_set(SIM_EIO, "%s: cannot open: %s", path,
                         errno ? strerror(errno) : "out of memory");
  gzbuffer(f, 128 * 1024);
  io_idx *x = sim_calloc(1, sizeof *x, "IDX data set");
  unsigned char hdr[16];
  int rc = 0;
  size_t got = gz_get(f, hdr, 4);
  if (got < 4) {
    if (!(rc = gz_failed(f, path, got)))
      rc = sim_error_set(SIM_EFORMAT, "%s: header field 'magic': the file "
                         "ends after %zu bytes, expected 4", path, got);
    goto fail;
  }
  *magic = be32(hdr);
  if (*magic != IDX_IMAGES && *magic != IDX_LABELS) {
    rc = sim_error_set(SIM_EFORMAT, "%s: not an IDX file of bytes: header "
                       "field 'magic' is 0x%08x, expected 0x%08x (images) or "
                       "0x%08x (labels)", path, *magic, IDX_IMAGES,
                       IDX_LABELS);
    goto fail;
  }
  int images = *magic == IDX_IMAGES;
  static const char *const dim_names[] = {"count", "rows", "cols"};
  size_t hlen = images ? 12 : 4;
  got = gz_get(f, hdr + 4, hlen);
  if (got < hlen) {
    if (!(rc = gz_failed(f, path, 4 + got)))
      rc = sim_error_set(SIM_EFORMAT, "%s: header field '%s': the file ends "
                         "after %zu bytes, expected a %zu-byte header", path,
                         dim_names[got / 4], 4 + got, 4 + hlen);
    goto fail;
  }
  uint32_t dim[3] = {be32(hdr + 4), 1, 1};
  if (images) {
    dim[1] = be32(hdr + 8);
    dim[2] = be32(hdr + 12);
  }
  for (int k = 0; k < 3; k++)
    if (dim[k] == 0 || (k > 0 && dim[k] > IDX_DIM_MAX)) {
      rc = sim_error_set(SIM_EFORMAT, "%s: header field '%s' is %u, expected "
                         "1 to %u", path, dim_names[k], dim[k],
                         k ? IDX_DIM_MAX : UINT32_MAX);
      goto fail;
    }
  x->n = x->n_file = dim[0];
  x->rows = dim[1];
  x->cols = dim[2];
  uint64_t total = (uint64_t)dim[0] * dim[1] * dim[2]; /* < 2^64 */
  if (total > IDX_MAX_BYTES) {
    rc = sim_error_set(SIM_EFORMAT, "%s: header announces %llu bytes of data, "
                       "more than this reader accepts (%llu)", path,
                       (unsigned long long)total,
                       (unsigned long long)IDX_MAX_BYTES);
    goto fail;
  }
  /* Only the first max items are wanted: the rest stays compressed. */
  const int part = max && max < dim[0];
  if (part)
    x->n = max;
  const uint64_t want = (uint64_t)x->n * dim[1] * dim[2];
  /* Grow as data arrives: a corrupt count cannot allocate past the file. */
  size_t cap = want < (1u << 20) ? (size_t)want : (1u << 20), n = 0;
  x->data = sim_malloc(cap, "IDX data");
  for (;;) {
    n += gz_get(f, x->data + n, cap - n);
    if (n < cap || n == want)
      break;
    cap = (uint64_t)cap * 2 > want ? (size_t)want : cap * 2;
    x->data = sim_realloc(x->data, cap, "IDX data");
  }
  if (n < want) {
    if (!(rc = gz_failed(f, path, n)))
      rc = sim_error_set(SIM_EFORMAT, "%s: data: the header announces %u %s "
                         "of %ux%u (%llu bytes), the file holds only %zu",
                         path, x->n_file, images ? "images" : "labels", x->rows,
                         x->cols, (unsigned long long)total, n);
    goto fail;
  }
  if (part) {
    gzclose(f);
    *out = x;
    return 0;
  }
  /* Nothing may follow the data (counted up to 1 MiB). */
  unsigned char tail[4096];
  size_t extra = 0, t;
  while (extra < (1u << 20) && (t = gz_get(f, tail, sizeof tail)) > 0)
    extra += t;
  if ((rc = gz_failed(f, path, n + extra)))
    goto fail;
  if (extra) {
    rc = sim_error_set(SIM_EFORMAT, "%s: data: %s%zu bytes of trailing data "
                       "after the %llu bytes the header announces", path,
                       extra >= (1u << 20) ? "at least " : "", extra,
                       (unsigned long long)total);
    goto fail;
  }
  gzclose(f);
  *out = x;
  return 0;
fail:
  gzclose(f);
  io_idx_destroy(x);
  return rc;
}

int io_idx_load(const char *path, io_idx **out)
{
  return io_idx_load_first(path, 0, out);
}

int io_idx_load_first(const char *path, uint32_t max, io_idx **out)
{
  uint32_t magic = 0;
  return idx_read(path, max, &magic, out);
}

void io_idx_destroy(io_idx *x)
{
  if (!x)
    return;
  sim_free(x->data);
  sim_free(x);
}

/* DIR/PREFIX-KIND.gz, or the name without ".gz" when only that file
   exists (zlib reads both).  Caller frees. */
static char *set_path(const char *dir, const char *prefix, const char *kind)
{
  size_t n = strlen(dir) + strlen(prefix) + strlen(kind) + 8;
  char *gz = sim_malloc(n, "IDX path");
  snprintf(gz, n, "%s/%s-%s.gz", dir, prefix, kind);
  if (access(gz, F_OK) == 0)
    return gz;
  char *plain = sim_malloc(n, "IDX path");
  snprintf(plain, n, "%s/%s-%s", dir, prefix, kind);
  if (access(plain, F_OK) == 0) {
    sim_free(gz);
    return plain;
  }
  sim_free(plain);
  return gz; /* neither exists: the message names the .gz file */
}

int io_idx_load_set(const char *dir, int train, io_idx **images,
                    io_idx **labels)
{
  return io_idx_load_set_first(dir, train, 0, images, labels);
}

int io_idx_load_set_first(const char *dir, int train, uint32_t max,
                          io_idx **images, io_idx **labels)
{
  *images = *labels = NULL;
  const char *prefix = train ? "train" : "t10k";
  char *ip = set_path(dir, prefix, "images-idx3-ubyte");
  char *lp = set_path(dir, prefix, "labels-idx1-ubyte");
  uint32_t magic = 0;
  int rc = idx_read(ip, max, &magic, images);
  if (!rc && magic != IDX_IMAGES)
    rc = sim_error_set(SIM_EFORMAT, "%s: header field 'magic' is 0x%08x "
                       "(labels), expected 0x%08x (images)", ip, magic,
                       IDX_IMAGES);
  if (!rc && !(rc = idx_read(lp, max, &magic, labels)) && magic != IDX_LABELS)
    rc = sim_error_set(SIM_EFORMAT, "%s: header field 'magic' is 0x%08x "
                       "(images), expected 0x%08x (labels)", lp, magic,
                       IDX_LABELS);
  if (!rc && (*images)->n_file != (*labels)->n_file)
    rc = sim_error_set(SIM_EFORMAT, "%s: header field 'count' is %u labels, "
                       "but %s holds %u images", lp, (*labels)->n_file, ip,
                       (*images)->n_file);
  if (rc) {
    io_idx_destroy(*images);
    io_idx_destroy(*labels);
    *images = *labels = NULL;
  }
  sim_free(ip);
  sim_free(lp);
  return rc;
}
