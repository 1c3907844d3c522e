/*
 * io_ckpt.c: checkpoint files (io_ckpt.h, docs/checkpoint-format.md).  A
 * file is a msgpack stream of records, each an array [tag, fields...]:
 * first the "header" record, then the kernel's records (core/sim_ckpt.h),
 * then a fixed-size end record ["end", records, crc32] whose CRC-32
 * (zlib) covers every byte before it.  The writer builds the file in
 * memory and writes it once; the reader checks the end record and the
 * checksum before it decodes anything, then decodes fields one by one
 * (numbers and byte strings only; bins are borrowed from its buffer).
 */
#include "io_ckpt.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"
#include "io_file.h"
#include "io_mpscan.h"

/* ["end", u64 records, u32 crc]: 0x93, fixstr "end", 0xcf + 8, 0xce + 4. */
#define END_BYTES 19
#define HEADER_FIELDS 15

/* ------------------------------------------------------------------ */
/* Writer                                                               */

struct io_ckpt_w {
  msgpack_sbuffer buf;
  msgpack_packer pk;
  uint64_t nrecs;
};

static void w_rec(void *self, const char *tag, uint32_t n)
{
  io_ckpt_w *w = self;
  msgpack_pack_array(&w->pk, n + 1);
  size_t len = strlen(tag);
  msgpack_pack_str(&w->pk, len);
  msgpack_pack_str_body(&w->pk, tag, len);
  w->nrecs++;
}
static void w_u64(void *self, uint64_t v) { msgpack_pack_uint64(&((io_ckpt_w *)self)->pk, v); }
static void w_i64(void *self, int64_t v) { msgpack_pack_int64(&((io_ckpt_w *)self)->pk, v); }
static void w_f64(void *self, double v) { msgpack_pack_double(&((io_ckpt_w *)self)->pk, v); }
static void w_bin(void *self, const void *p, size_t n)
{
  io_ckpt_w *w = self;
  msgpack_pack_bin(&w->pk, n);
  if (n)
    msgpack_pack_bin_body(&w->pk, p, n);
}
static void w_str(io_ckpt_w *w, const char *s)
{
  size_t len = strlen(s ? s : "");
  msgpack_pack_str(&w->pk, len);
  msgpack_pack_str_body(&w->pk, s ? s : "", len);
}

static const sim_ckpt_wops wops = {w_rec, w_u64, w_i64, w_f64, w_bin};

io_ckpt_w *io_ckpt_w_create(const io_ckpt_header *h)
{
  io_ckpt_w *w = sim_calloc(1, sizeof *w, "checkpoint writer");
  msgpack_sbuffer_init(&w->buf);
  msgpack_packer_init(&w->pk, &w->buf, msgpack_sbuffer_write);
  w_rec(w, "header", HEADER_FIELDS + h->nsets);
  w_str(w, IO_CKPT_FORMAT);
  w_u64(w, IO_CKPT_VERSION);
  w_u64(w, (uint64_t)h->rank);
  w_u64(w, (uint64_t)h->nranks);
  w_i64(w, h->tick);
  w_u64(w, h->digest);
  w_u64(w, h->seed);
  w_f64(w, h->resolution_ms);
  w_f64(w, h->duration_ms);
  w_str(w, h->config);
  w_str(w, h->out_dir);
  w_str(w, h->log_path);
  w_bin(w, h->log_pos, h->log_pos_len);
  w_u64(w, 0); /* reserved: flags */
  w_u64(w, h->nsets);
  for (uint32_t k = 0; k < h->nsets; k++)
    w_str(w, h->sets[k]);
  return w;
}

sim_ckpt_writer io_ckpt_w_writer(io_ckpt_w *w) { return (sim_ckpt_writer){&wops, w}; }

void io_ckpt_w_destroy(io_ckpt_w *w)
{
  if (!w)
    return;
  msgpack_sbuffer_destroy(&w->buf);
  sim_free(w);
}

static void put_be(unsigned char *p, uint64_t v, int n)
{
  for (int k = n - 1; k >= 0; k--, v >>= 8)
    p[k] = (unsigned char)(v & 0xff);
}

/* fsync the directory holding path, so that the rename is durable. */
static int sync_dir(const char *path)
{
  char *copy = sim_malloc(strlen(path) + 1, "checkpoint path");
  strcpy(copy, path);
  int fd = open(dirname(copy), O_RDONLY);
  sim_free(copy);
  if (fd < 0)
    return -1;
  int rc = fsync(fd);
  close(fd);
  return rc;
}

int io_ckpt_w_commit(io_ckpt_w *w, const char *path, uint64_t *bytes)
{
  unsigned char end[END_BYTES] = {0x93, 0xa3, 'e', 'n', 'd', 0xcf};
  put_be(end + 6, w->nrecs, 8);
  end[14] = 0xce;
  uLong crc = crc32(0L, Z_NULL, 0);
  const unsigned char *p = (const unsigned char *)w->buf.data;
  for (size_t off = 0; off < w->buf.size;) { /* crc32 takes a uInt length */
    size_t n = w->buf.size - off < (1u << 30) ? w->buf.size - off : (1u << 30);
    crc = crc32(crc, p + off, (uInt)n);
    off += n;
  }
  put_be(end + 15, crc, 4);
  size_t plen = strlen(path);
  char *tmp = sim_malloc(plen + 8, "checkpoint path");
  snprintf(tmp, plen + 8, "%s.tmp", path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int rc = 0;
  if (fd < 0) {
    rc = sim_error_set(SIM_EIO, "%s: cannot create the checkpoint: %s", tmp, strerror(errno));
    goto out;
  }
  const unsigned char *parts[2] = {p, end};
  size_t lens[2] = {w->buf.size, END_BYTES};
  for (int k = 0; k < 2 && !rc; k++)
    for (size_t off = 0; off < lens[k];) {
      ssize_t n = write(fd, parts[k] + off, lens[k] - off);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0) {
        rc = sim_error_set(SIM_EIO, "%s: cannot write the checkpoint: %s", tmp,
                           n < 0 ? strerror(errno) : "no space written");
        break;
      }
      off += (size_t)n;
    }
  if (!rc && fsync(fd) != 0)
    rc = sim_error_set(SIM_EIO, "%s: cannot sync the checkpoint: %s", tmp, strerror(errno));
  if (close(fd) != 0 && !rc)
    rc = sim_error_set(SIM_EIO, "%s: cannot close the checkpoint: %s", tmp, strerror(errno));
  if (!rc && rename(tmp, path) != 0)
    rc = sim_error_set(SIM_EIO, "%s: cannot rename the checkpoint to %s: %s", tmp, path,
                       strerror(errno));
  if (rc)
    unlink(tmp);
  else if (sync_dir(path) != 0)
    rc = sim_error_set(SIM_EIO, "%s: cannot sync its directory: %s", path, strerror(errno));
  if (!rc && bytes)
    *bytes = w->buf.size + END_BYTES;
out:
  sim_free(tmp);
  io_ckpt_w_destroy(w);
  return rc;
}

/* ------------------------------------------------------------------ */
/* Reader                                                               */

struct io_ckpt_r {
  char *path;           /* owned */
  unsigned char *buf;   /* owned: the whole file */
  size_t len;           /* bytes before the end record */
  size_t pos;           /* next byte to decode */
  uint64_t nrecs;       /* records announced by the end record */
  uint64_t rec;         /* number of the current record (0: header) */
  char tag[32];         /* its tag */
  uint32_t left;        /* its fields not read yet */
  io_ckpt_header h;
  char **strs;          /* owned: config, out_dir, log_path, sets */
  uint32_t nstrs;
  sim_ckpt_reader reader;
};

static int r_fail(io_ckpt_r *r, const char *field, const char *what)
{
  return sim_error_set(SIM_EFORMAT, "%s: record %llu (%s)%s%s: %s", r->path,
                       (unsigned long long)r->rec, r->tag, field ? ", field " : "",
                       field ? field : "", what);
}

static uint64_t get_be(const unsigned char *p, int n)
{
  uint64_t v = 0;
  for (int k = 0; k < n; k++)
    v = v << 8 | p[k];
  return v;
}

/* The head of the next value: its type byte, head and payload sizes,
   checked against the buffer. */
static int head(io_ckpt_r *r, const char *field, unsigned char *type, size_t *hd,
                uint64_t *skip, uint64_t *count)
{
  if (r->pos >= r->len)
    return r_fail(r, field, "the records end inside it");
  int rc = io_mp_head(r->buf + r->pos, r->len - r->pos, hd, skip, count);
  if (rc != IO_MP_OK || *skip > r->len - r->pos - *hd)
    return r_fail(r, field, rc == IO_MP_BAD ? "invalid msgpack byte" : "cut short");
  *type = r->buf[r->pos];
  return 0;
}

static int field(io_ckpt_r *r, const char *f)
{
  if (!r->left)
    return r_fail(r, f, "the record has fewer fields than expected");
  return 0; /* the getter counts the field once it is read */
}

static int r_u64(void *self, const char *f, uint64_t *v)
{
  io_ckpt_r *r = self;
  unsigned char t;
  size_t hd;
  uint64_t skip, count;
  int rc = field(r, f);
  if (rc || (rc = head(r, f, &t, &hd, &skip, &count)))
    return rc;
  const unsigned char *p = r->buf + r->pos;
  if (t <= 0x7f)
    *v = t;
  else if (t >= 0xcc && t <= 0xcf)
    *v = get_be(p + 1, 1 << (t - 0xcc));
  else
    return r_fail(r, f, "expected an unsigned integer");
  r->pos += hd + skip;
  r->left--;
  return 0;
}

static int r_i64(void *self, const char *f, int64_t *v)
{
  io_ckpt_r *r = self;
  unsigned char t;
  size_t hd;
  uint64_t skip, count;
  int rc = field(r, f);
  if (rc || (rc = head(r, f, &t, &hd, &skip, &count)))
    return rc;
  const unsigned char *p = r->buf + r->pos;
  if (t <= 0x7f)
    *v = t;
  else if (t >= 0xe0)
    *v = (int8_t)t;
  else if (t >= 0xcc && t <= 0xcf) {
    uint64_t u = get_be(p + 1, 1 << (t - 0xcc));
    if (u > INT64_MAX)
      return r_fail(r, f, "integer out of range");
    *v = (int64_t)u;
  } else if (t >= 0xd0 && t <= 0xd3) {
    int n = 1 << (t - 0xd0);
    uint64_t u = get_be(p + 1, n);
    if (n < 8 && (u >> (8 * n - 1)) & 1)
      u |= ~0ull << (8 * n);
    *v = (int64_t)u;
  } else
    return r_fail(r, f, "expected an integer");
  r->pos += hd + skip;
  r->left--;
  return 0;
}

static int r_f64(void *self, const char *f, double *v)
{
  io_ckpt_r *r = self;
  unsigned char t;
  size_t hd;
  uint64_t skip, count;
  int rc = field(r, f);
  if (rc || (rc = head(r, f, &t, &hd, &skip, &count)))
    return rc;
  if (t != 0xcb)
    return r_fail(r, f, "expected a float64");
  uint64_t u = get_be(r->buf + r->pos + 1, 8);
  memcpy(v, &u, sizeof *v);
  r->pos += hd + skip;
  r->left--;
  return 0;
}

/* A bin (or str, for raw) field. */
static int r_raw(io_ckpt_r *r, const char *f, int str, const void **p, size_t *n)
{
  unsigned char t;
  size_t hd;
  uint64_t skip, count;
  int rc = field(r, f);
  if (rc || (rc = head(r, f, &t, &hd, &skip, &count)))
    return rc;
  int is_bin = t >= 0xc4 && t <= 0xc6;
  int is_str = (t >= 0xa0 && t <= 0xbf) || (t >= 0xd9 && t <= 0xdb);
  if (str ? !is_str : !is_bin)
    return r_fail(r, f, str ? "expected a string" : "expected a byte string (bin)");
  *p = r->buf + r->pos + hd;
  *n = (size_t)skip;
  r->pos += hd + skip;
  r->left--;
  return 0;
}

static int r_bin(void *self, const char *f, const void **p, size_t *n)
{
  return r_raw(self, f, 0, p, n);
}

static int r_bad(void *self, const char *what) { return r_fail(self, NULL, what); }

/* Skip a value (a field not read). */
static int skip_value(io_ckpt_r *r)
{
  uint64_t todo = 1;
  while (todo--) {
    unsigned char t;
    size_t hd;
    uint64_t skip, count;
    int rc = head(r, NULL, &t, &hd, &skip, &count);
    if (rc)
      return rc;
    r->pos += hd + skip;
    todo += count;
  }
  return 0;
}

static int r_next(void *self, const char **tag, uint32_t *nfields)
{
  io_ckpt_r *r = self;
  while (r->left) { /* fields the previous record's reader left */
    int rc = skip_value(r);
    if (rc)
      return rc;
    r->left--;
  }
  if (r->pos == r->len) {
    if (r->rec + 1 != r->nrecs)
      return r_fail(r, NULL, "the end record counts other records than the file holds");
    return 1;
  }
  r->rec++;
  strcpy(r->tag, "?");
  unsigned char t;
  size_t hd;
  uint64_t skip, count;
  int rc = head(r, NULL, &t, &hd, &skip, &count);
  if (rc)
    return rc;
  if (!((t >= 0x90 && t <= 0x9f) || t == 0xdc || t == 0xdd) || count < 1 ||
      count > UINT32_MAX)
    return r_fail(r, NULL, "expected a record (an array [tag, fields...])");
  r->pos += hd;
  r->left = 1;
  const void *p;
  size_t n;
  if ((rc = r_raw(r, "tag", 1, &p, &n)))
    return rc;
  if (n >= sizeof r->tag)
    n = sizeof r->tag - 1;
  memcpy(r->tag, p, n);
  r->tag[n] = '\0';
  r->left = (uint32_t)(count - 1);
  *tag = r->tag;
  *nfields = r->left;
  return 0;
}

static const sim_ckpt_rops rops = {r_next, r_u64, r_i64, r_f64, r_bin, r_bad};

static int get_str(io_ckpt_r *r, const char *f, const char **out)
{
  const void *p;
  size_t n;
  int rc = r_raw(r, f, 1, &p, &n);
  if (rc)
    return rc;
  char *s = sim_malloc(n + 1, "checkpoint header");
  memcpy(s, p, n);
  s[n] = '\0';
  r->strs = sim_realloc(r->strs, (r->nstrs + 1) * sizeof *r->strs, "checkpoint header");
  r->strs[r->nstrs++] = s;
  *out = s;
  return 0;
}

static int read_header(io_ckpt_r *r)
{
  const char *tag;
  uint32_t nf;
  int rc = r_next(r, &tag, &nf);
  if (rc)
    return rc < 0 ? rc : r_fail(r, NULL, "no header record");
  r->rec = 0;
  const char *format;
  if (strcmp(tag, "header") || nf < 2 || (rc = get_str(r, "format", &format)) ||
      strcmp(format, IO_CKPT_FORMAT))
    return rc ? rc : sim_error_set(SIM_EFORMAT, "%s: not a memspike checkpoint (record 0 "
                                   "is not its header)", r->path);
  uint64_t u[3];
  if ((rc = r_u64(r, "version", &u[0])))
    return rc;
  if (u[0] != IO_CKPT_VERSION)
    return sim_error_set(SIM_EFORMAT, "%s: record 0 (header), field version: checkpoint "
                         "format version %llu, this memspike reads version %d only",
                         r->path, (unsigned long long)u[0], IO_CKPT_VERSION);
  io_ckpt_header *h = &r->h;
  h->version = (uint32_t)u[0];
  int64_t tick;
  uint64_t flags, nsets;
  const void *lp;
  size_t ln;
  if ((rc = r_u64(r, "rank", &u[1])) || (rc = r_u64(r, "nranks", &u[2])) ||
      (rc = r_i64(r, "tick", &tick)) || (rc = r_u64(r, "digest", &h->digest)) ||
      (rc = r_u64(r, "seed", &h->seed)) || (rc = r_f64(r, "resolution_ms", &h->resolution_ms)) ||
      (rc = r_f64(r, "duration_ms", &h->duration_ms)) ||
      (rc = get_str(r, "config", &h->config)) || (rc = get_str(r, "out_dir", &h->out_dir)) ||
      (rc = get_str(r, "log_path", &h->log_path)) || (rc = r_bin(r, "log_pos", &lp, &ln)) ||
      (rc = r_u64(r, "flags", &flags)) || (rc = r_u64(r, "nsets", &nsets)))
    return rc;
  if (u[2] < 1 || u[2] > 1u << 20 || u[1] >= u[2] || tick < 0 || nsets != r->left)
    return r_fail(r, NULL, "rank, rank count, tick or override count out of range");
  h->rank = (int)u[1];
  h->nranks = (int)u[2];
  h->tick = tick;
  h->log_pos = lp;
  h->log_pos_len = (uint32_t)ln;
  const char **sets = sim_calloc(nsets + 1, sizeof *sets, "checkpoint header");
  for (uint64_t k = 0; k < nsets && !rc; k++)
    rc = get_str(r, "sets", &sets[k]);
  h->sets = sets;
  h->nsets = (uint32_t)nsets;
  return rc;
}

int io_ckpt_r_open(const char *path, io_ckpt_r **out)
{
  io_ckpt_r *r = sim_calloc(1, sizeof *r, "checkpoint reader");
  r->path = sim_malloc(strlen(path) + 1, "checkpoint path");
  strcpy(r->path, path);
  strcpy(r->tag, "header");
  char *buf;
  size_t len;
  int rc = io_file_read(path, "checkpoint", 0, &buf, &len);
  if (rc)
    goto fail;
  r->buf = (unsigned char *)buf;
  const unsigned char *e = len >= END_BYTES ? r->buf + len - END_BYTES : r->buf;
  if (len < END_BYTES || e[0] != 0x93 || e[1] != 0xa3 || memcmp(e + 2, "end", 3) ||
      e[5] != 0xcf || e[14] != 0xce) {
    rc = sim_error_set(SIM_EFORMAT, "%s: truncated checkpoint: no end record in the last "
                       "%d bytes of %llu (the write did not finish)", path, END_BYTES,
                       (unsigned long long)len);
    goto fail;
  }
  r->len = len - END_BYTES;
  r->nrecs = get_be(e + 6, 8);
  uint32_t want = (uint32_t)get_be(e + 15, 4);
  uLong crc = crc32(0L, Z_NULL, 0);
  for (size_t off = 0; off < r->len;) {
    size_t n = r->len - off < (1u << 30) ? r->len - off : (1u << 30);
    crc = crc32(crc, r->buf + off, (uInt)n);
    off += n;
  }
  if ((uint32_t)crc != want) {
    rc = sim_error_set(SIM_EFORMAT, "%s: corrupt checkpoint: CRC-32 of its %llu bytes is "
                       "%08x, its end record says %08x", path, (unsigned long long)r->len,
                       (unsigned)crc, (unsigned)want);
    goto fail;
  }
  if ((rc = read_header(r)))
    goto fail;
  r->reader = (sim_ckpt_reader){&rops, r, r->h.rank, r->h.nranks};
  *out = r;
  return 0;
fail:
  io_ckpt_r_destroy(r);
  return rc;
}

const io_ckpt_header *io_ckpt_r_header(const io_ckpt_r *r) { return &r->h; }
sim_ckpt_reader *io_ckpt_r_reader(io_ckpt_r *r) { return &r->reader; }
uint64_t io_ckpt_r_bytes(const io_ckpt_r *r) { return r->len + END_BYTES; }

void io_ckpt_r_destroy(io_ckpt_r *r)
{
  if (!r)
    return;
  for (uint32_t k = 0; k < r->nstrs; k++)
    sim_free(r->strs[k]);
  sim_free(r->strs);
  sim_free((void *)r->h.sets);
  sim_free(r->buf);
  sim_free(r->path);
  sim_free(r);
}
