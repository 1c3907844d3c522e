/*
 * io_model.c: the CNN model loader (format: docs/model-format.md), filling
 * the description of network/net_model.h.
 *
 * The whole file is read into memory.  Before msgpack-c sees it, a
 * scanner walks the value without building it: a file cut short, or a
 * length that claims more bytes than the file holds, is reported with its
 * byte offset before msgpack-c allocates anything for it, and every
 * container msgpack-c then builds has at least one byte of file per
 * element.  Float arrays are copied out of the BIN data only once their
 * size equals what the layer shapes call for, so nothing allocated here is
 * larger than the file justifies.  The layers are checked in order while
 * the tensor shape flows through them.
 */
#include "io_model.h"
#include "io_file.h"
#include "io_mpscan.h"
#include "../core/sim_names.h"

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

_Static_assert(sizeof(float) == 4, "float32 weights need a 4-byte float");

/* Largest model file read (a BIN holds at most 4 GiB anyway). */
#define MODEL_MAX_BYTES ((size_t)1 << 31)
/* Largest channel count, feature count, kernel, stride or padding. */
#define DIM_MAX (1u << 24)
/* Largest input height, width or channel count. */
#define INPUT_DIM_MAX 4096u
/* Deepest msgpack nesting accepted (a model needs 4; msgpack-c stops at 32). */
#define MAX_DEPTH 16

/* ============================================================ layer keys */

/* The names of cnn_layer_name, for messages. */
#define KNOWN_TYPES "conv2d, batchnorm2d, relu, avgpool2d, maxpool2d, " \
                    "flatten, linear, dropout"

/* The fields each layer type has (all required; "bias" may be nil). */
static const char *const keys_conv[] = {"type", "in_channels", "out_channels",
                                        "kernel_size", "stride", "padding",
                                        "weight", "bias", NULL};
static const char *const keys_bn[] = {"type", "num_features", "eps", "weight",
                                      "bias", "running_mean", "running_var",
                                      NULL};
static const char *const keys_none[] = {"type", NULL};
static const char *const keys_pool[] = {"type", "kernel_size", "stride",
                                        "padding", NULL};
static const char *const keys_linear[] = {"type", "in_features",
                                          "out_features", "weight", "bias",
                                          NULL};
static const char *const keys_dropout[] = {"type", "p", NULL};
static const char *const keys_relu[] = {"type", "clip", "levels", NULL};
static const char *const *const layer_keys[] = {
    [CNN_CONV2D] = keys_conv,     [CNN_BATCHNORM2D] = keys_bn,
    [CNN_RELU] = keys_relu,       [CNN_AVGPOOL2D] = keys_pool,
    [CNN_MAXPOOL2D] = keys_pool,  [CNN_FLATTEN] = keys_none,
    [CNN_LINEAR] = keys_linear,   [CNN_DROPOUT] = keys_dropout,
};
static const char *const keys_input[] = {"shape", "scale", "mean", "std",
                                         NULL};

/* ============================================================ scanning */

enum { SCAN_OK, SCAN_SHORT, SCAN_BAD, SCAN_DEEP };

/* Walk the msgpack value at p[0..n) without building it.  SCAN_OK: *end is
   its length.  Otherwise *at is the offset of the value at fault:
   SCAN_SHORT when it (or a length in it) needs bytes past n, SCAN_BAD for
   the never-used byte 0xc1, SCAN_DEEP for containers nested deeper than
   MAX_DEPTH.  Each container element must have at least one byte left, so
   a successful scan bounds the objects msgpack-c will allocate. */
static int scan_value(const unsigned char *p, size_t n, size_t *end,
                      size_t *at)
{
  uint64_t left[MAX_DEPTH + 1]; /* elements still to walk at each level */
  int depth = 0;
  size_t i = 0;
  left[0] = 1;
  for (;;) {
    while (depth > 0 && left[depth] == 0)
      depth--;
    if (left[depth] == 0)
      break;
    *at = i;
    if (i >= n)
      return SCAN_SHORT;
    left[depth]--;
    size_t head;
    uint64_t skip, count; /* bytes to skip; elements that follow */
    int h = io_mp_head(p + i, n - i, &head, &skip, &count);
    if (h == IO_MP_BAD)
      return SCAN_BAD;
    if (h == IO_MP_CUT)
      return SCAN_SHORT;
    i += head;
    if (skip > n - i)
      return SCAN_SHORT;
    i += skip;
    if (count) {
      if (count > n - i)
        return SCAN_SHORT;
      if (depth == MAX_DEPTH)
        return SCAN_DEEP;
      left[++depth] = count;
    }
  }
  *end = i;
  return SCAN_OK;
}

/* ============================================================ messages */

/* Where a message points: the file and the map being read. */
typedef struct ctx {
  const char *path;
  char where[64]; /* "layer 3 (conv2d)", "input", or "" at the top level */
} ctx;

static int bad(const ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Record "PATH: WHERE: message" and return SIM_EFORMAT. */
static int bad(const ctx *c, const char *fmt, ...)
{
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return sim_error_set(SIM_EFORMAT, "%s: %s%s%s", c->path, c->where,
                       c->where[0] ? ": " : "", msg);
}


/* A string from the file, quoted and made printable, at most 40 bytes
   shown (a key or type name in a message); other values by type. */
static const char *show(const msgpack_object *o, char *buf, size_t cap)
{
  if (o->type != MSGPACK_OBJECT_STR) {
    snprintf(buf, cap, "%s", io_mp_type_name(o->type));
    return buf;
  }
  size_t n = o->via.str.size, k = 0;
  buf[k++] = '\'';
  for (size_t i = 0; i < n && i < 40 && k + 5 < cap; i++) {
    unsigned char ch = (unsigned char)o->via.str.ptr[i];
    buf[k++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
  }
  if (n > 40 && k + 5 < cap) {
    memcpy(buf + k, "...", 3);
    k += 3;
  }
  buf[k++] = '\'';
  buf[k] = '\0';
  return buf;
}

/* ============================================================ fields */

/* Every key of map m is a string, none twice, and (unless known is NULL)
   among known[]: in layers and the input map, a typo in a key is an error
   rather than a field silently ignored.  The top level is open: readers
   ignore keys they do not know there (docs/model-format.md). */
static int check_keys(const ctx *c, const msgpack_object *m,
                      const char *const *known, const char *what)
{
  char s[64], list[256];
  for (uint32_t i = 0; i < m->via.map.size; i++) {
    const msgpack_object *k = &m->via.map.ptr[i].key;
    if (k->type != MSGPACK_OBJECT_STR)
      return bad(c, "key %u is %s, expected a string", i, io_mp_type_name(k->type));
    int found = !known;
    for (int j = 0; !found && known[j]; j++)
      found = io_mp_str_is(k, known[j]);
    if (!found) {
      sim_names_join(list, sizeof list, known);
      return bad(c, "unknown field %s (the fields of %s are: %s)",
                 show(k, s, sizeof s), what, list);
    }
    for (uint32_t j = 0; j < i; j++)
      if (k->via.str.size == m->via.map.ptr[j].key.via.str.size &&
          memcmp(k->via.str.ptr, m->via.map.ptr[j].key.via.str.ptr,
                 k->via.str.size) == 0)
        return bad(c, "field %s appears twice", show(k, s, sizeof s));
  }
  return 0;
}

/* Field `key` of map m, which must be there. */
static int need(const ctx *c, const msgpack_object *m, const char *key,
                const char *expect, const msgpack_object **o)
{
  *o = io_mp_map_get(m, key);
  if (!*o)
    return bad(c, "field '%s' is missing (expected %s)", key, expect);
  return 0;
}

/* An integer in [lo, hi]. */
static int get_uint(const ctx *c, const msgpack_object *m, const char *key,
                    uint32_t lo, uint32_t hi, uint32_t *v)
{
  const msgpack_object *o;
  int rc = need(c, m, key, "an integer", &o);
  if (rc)
    return rc;
  if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
    return bad(c, "field '%s' is %lld, expected an integer in [%u, %u]", key,
               (long long)o->via.i64, lo, hi);
  if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
    return bad(c, "field '%s': expected an integer in [%u, %u], found %s", key,
               lo, hi, io_mp_type_name(o->type));
  if (o->via.u64 < lo || o->via.u64 > hi)
    return bad(c, "field '%s' is %llu, expected an integer in [%u, %u]", key,
               (unsigned long long)o->via.u64, lo, hi);
  *v = (uint32_t)o->via.u64;
  return 0;
}

/* A finite number (integer or float). */
static int get_num(const ctx *c, const msgpack_object *o, const char *key,
                   double *v)
{
  if (!io_mp_number(o, v))
    return bad(c, "field '%s': expected a number, found %s", key,
               io_mp_type_name(o->type));
  if (!isfinite(*v))
    return bad(c, "field '%s' is %g, expected a finite number", key, *v);
  return 0;
}

static int get_num_req(const ctx *c, const msgpack_object *m, const char *key,
                       double *v)
{
  const msgpack_object *o;
  int rc = need(c, m, key, "a number", &o);
  return rc ? rc : get_num(c, o, key, v);
}

/* An array of n integers, each in [lo, hi]. */
static int get_uints(const ctx *c, const msgpack_object *m, const char *key,
                     uint32_t n, uint32_t lo, uint32_t hi, uint32_t *v)
{
  const msgpack_object *o;
  int rc = need(c, m, key, n == 2 ? "an array [h, w]" : "an array [C, H, W]",
                &o);
  if (rc)
    return rc;
  if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != n)
    return bad(c, "field '%s': expected an array of %u integers in [%u, %u], "
               "found %s%s", key, n, lo, hi, io_mp_type_name(o->type),
               o->type == MSGPACK_OBJECT_ARRAY ? " of another length" : "");
  for (uint32_t i = 0; i < n; i++) {
    const msgpack_object *e = &o->via.array.ptr[i];
    if (e->type != MSGPACK_OBJECT_POSITIVE_INTEGER || e->via.u64 < lo ||
        e->via.u64 > hi) {
      char num[32];
      if (e->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        snprintf(num, sizeof num, "%llu", (unsigned long long)e->via.u64);
      else if (e->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        snprintf(num, sizeof num, "%lld", (long long)e->via.i64);
      else
        snprintf(num, sizeof num, "%s", io_mp_type_name(e->type));
      return bad(c, "field '%s': element %u is %s, expected an integer in "
                 "[%u, %u]", key, i, num, lo, hi);
    }
    v[i] = (uint32_t)e->via.u64;
  }
  return 0;
}

static float f32_le(const unsigned char *p)
{
  uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
               (uint32_t)p[3] << 24;
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

/* A BIN of exactly `count` little-endian float32 values, all finite, into
   *out (allocated here; NULL for nil when nil_ok).  count comes from the
   shapes (saturated at UINT64_MAX): the allocation is made only once the
   BIN, which lies in the file, has exactly that size. */
static int get_floats(const ctx *c, const msgpack_object *m, const char *key,
                      uint64_t count, int nil_ok, float **out)
{
  const msgpack_object *o;
  char expect[96];
  *out = NULL;
  if (count > UINT32_MAX / 4)
    return bad(c, "field '%s': the shapes call for %s%llu float32 values, "
               "more than a msgpack bin can hold", key,
               count == UINT64_MAX ? "more than " : "",
               (unsigned long long)(count == UINT64_MAX ? UINT32_MAX / 4
                                                       : count));
  snprintf(expect, sizeof expect, "%llu float32 values (%llu bytes)%s",
           (unsigned long long)count, (unsigned long long)count * 4,
           nil_ok ? " or nil" : "");
  int rc = need(c, m, key, expect, &o);
  if (rc)
    return rc;
  if (o->type == MSGPACK_OBJECT_NIL && nil_ok)
    return 0;
  if (o->type != MSGPACK_OBJECT_BIN)
    return bad(c, "field '%s': expected binary data of %s, found %s", key,
               expect, io_mp_type_name(o->type));
  if (o->via.bin.size != count * 4)
    return bad(c, "field '%s': expected %llu float32 values (%llu bytes), "
               "got %u bytes", key, (unsigned long long)count,
               (unsigned long long)count * 4, o->via.bin.size);
  const unsigned char *p = (const unsigned char *)o->via.bin.ptr;
  float *f = sim_malloc((size_t)count * sizeof *f, "model weights");
  for (size_t i = 0; i < count; i++) {
    f[i] = f32_le(p + 4 * i);
    if (!isfinite(f[i])) {
      double bad_value = f[i];
      sim_free(f);
      return bad(c, "field '%s': value %zu is %g, expected a finite number",
                 key, i, bad_value);
    }
  }
  *out = f;
  return 0;
}

/* ============================================================ shapes */

/* C * H * W, or UINT64_MAX when more than UINT32_MAX. */
static uint64_t shape_size(const uint32_t s[3])
{
  uint64_t n = (uint64_t)s[0] * s[1]; /* < 2^64: both are uint32 */
  if (n > UINT32_MAX)
    return UINT64_MAX;
  n *= s[2];
  return n > UINT32_MAX ? UINT64_MAX : n;
}

/* a * b, UINT64_MAX on overflow (or when either is). */
static uint64_t mul_sat(uint64_t a, uint64_t b)
{
  if (a == UINT64_MAX || b == UINT64_MAX || (a && b > UINT64_MAX / a))
    return UINT64_MAX;
  return a * b;
}

#define SHAPE_FMT "(%u, %u, %u)"
#define SHAPE_ARG(s) (s)[0], (s)[1], (s)[2]

/* Output height and width of a window kh x kw, stride sh x sw, padding
   ph x pw over the spatial input of L; the output must not be empty. */
static int window_out(const ctx *c, cnn_layer *L)
{
  uint64_t h = (uint64_t)L->in[1] + 2ull * L->ph;
  uint64_t w = (uint64_t)L->in[2] + 2ull * L->pw;
  if (h < L->kh || w < L->kw)
    return bad(c, "kernel_size [%u, %u] is larger than the padded input "
               "%llu x %llu (input " SHAPE_FMT ", padding [%u, %u]): the "
               "output would be empty", L->kh, L->kw, (unsigned long long)h,
               (unsigned long long)w, SHAPE_ARG(L->in), L->ph, L->pw);
  L->out[1] = (uint32_t)((h - L->kh) / L->sh + 1);
  L->out[2] = (uint32_t)((w - L->kw) / L->sw + 1);
  return 0;
}

/* kernel_size, stride, padding (into L); for pools padding must be 0. */
static int get_window(const ctx *c, const msgpack_object *m, cnn_layer *L,
                      int pool)
{
  uint32_t k[2], s[2], p[2];
  int rc;
  if ((rc = get_uints(c, m, "kernel_size", 2, 1, DIM_MAX, k)) ||
      (rc = get_uints(c, m, "stride", 2, 1, DIM_MAX, s)) ||
      (rc = get_uints(c, m, "padding", 2, 0, DIM_MAX, p)))
    return rc;
  if (pool && (p[0] || p[1]))
    return bad(c, "field 'padding' is [%u, %u]; pools take no padding "
               "(expected [0, 0])", p[0], p[1]);
  if (p[0] >= k[0] || p[1] >= k[1])
    return bad(c, "field 'padding' is [%u, %u]; it must be smaller than "
               "kernel_size [%u, %u]", p[0], p[1], k[0], k[1]);
  L->kh = k[0];
  L->kw = k[1];
  L->sh = s[0];
  L->sw = s[1];
  L->ph = p[0];
  L->pw = p[1];
  return 0;
}

/* ============================================================ layers */

/* Parse layer `idx` from map m into L.  `flat`: the input is a feature
   vector (after flatten or linear); in/out shapes are set from L->in,
   which the caller filled. */
static int parse_layer(ctx *c, const msgpack_object *m, uint32_t idx,
                       cnn_layer *L, int *flat)
{
  char s[64];
  int rc;
  snprintf(c->where, sizeof c->where, "layer %u", idx);
  if (m->type != MSGPACK_OBJECT_MAP)
    return bad(c, "expected a map {\"type\": ..., ...}, found %s",
               io_mp_type_name(m->type));
  const msgpack_object *t;
  if ((rc = need(c, m, "type", "one of: " KNOWN_TYPES, &t)))
    return rc;
  if (t->type != MSGPACK_OBJECT_STR)
    return bad(c, "field 'type': expected a string, one of: " KNOWN_TYPES
               "; found %s", io_mp_type_name(t->type));
  unsigned ty = 0;
  while (ty < CNN_LAYER_TYPES && !io_mp_str_is(t, cnn_layer_name((cnn_layer_type)ty)))
    ty++;
  if (ty == CNN_LAYER_TYPES)
    return bad(c, "unknown type %s (known types: " KNOWN_TYPES ")",
               show(t, s, sizeof s));
  L->type = (cnn_layer_type)ty;
  snprintf(c->where, sizeof c->where, "layer %u (%s)", idx, cnn_layer_name((cnn_layer_type)ty));
  if ((rc = check_keys(c, m, layer_keys[ty], cnn_layer_name((cnn_layer_type)ty))))
    return rc;

  const uint32_t *in = L->in;
  if (*flat && (ty == CNN_CONV2D || ty == CNN_BATCHNORM2D ||
                ty == CNN_AVGPOOL2D || ty == CNN_MAXPOOL2D))
    return bad(c, "expects a (C, H, W) input, but its input " SHAPE_FMT
               " was flattened by an earlier flatten or linear layer",
               SHAPE_ARG(in));
  memcpy(L->out, L->in, sizeof L->out);
  uint32_t a = 0, b = 0;
  switch (L->type) {
  case CNN_CONV2D:
    if ((rc = get_uint(c, m, "in_channels", 1, DIM_MAX, &a)) ||
        (rc = get_uint(c, m, "out_channels", 1, DIM_MAX, &b)))
      return rc;
    if (a != in[0])
      return bad(c, "field 'in_channels' is %u, but the layer's input " SHAPE_FMT
                 " has %u channels", a, SHAPE_ARG(in), in[0]);
    if ((rc = get_window(c, m, L, 0)) || (rc = window_out(c, L)))
      return rc;
    L->out[0] = b;
    L->nweight = 0;
    {
      uint64_t nw = mul_sat(mul_sat(b, a), mul_sat(L->kh, L->kw));
      if ((rc = get_floats(c, m, "weight", nw, 0, &L->weight)) ||
          (rc = get_floats(c, m, "bias", b, 1, &L->bias)))
        return rc;
      L->nweight = (uint32_t)nw;
    }
    break;
  case CNN_BATCHNORM2D:
    if ((rc = get_uint(c, m, "num_features", 1, DIM_MAX, &a)))
      return rc;
    if (a != in[0])
      return bad(c, "field 'num_features' is %u, but the layer's input "
                 SHAPE_FMT " has %u channels", a, SHAPE_ARG(in), in[0]);
    if ((rc = get_num_req(c, m, "eps", &L->bn_eps)))
      return rc;
    if (!(L->bn_eps > 0))
      return bad(c, "field 'eps' is %g, expected a number > 0", L->bn_eps);
    if ((rc = get_floats(c, m, "weight", a, 0, &L->bn_gamma)) ||
        (rc = get_floats(c, m, "bias", a, 0, &L->bn_beta)) ||
        (rc = get_floats(c, m, "running_mean", a, 0, &L->bn_mean)) ||
        (rc = get_floats(c, m, "running_var", a, 0, &L->bn_var)))
      return rc;
    for (uint32_t i = 0; i < a; i++)
      if (L->bn_var[i] < 0)
        return bad(c, "field 'running_var': value %u is %g, expected a "
                   "variance >= 0", i, (double)L->bn_var[i]);
    break;
  case CNN_RELU: {
    /* Optional, together: a QCFS activation (Bu et al. 2022). */
    int hc = io_mp_map_get(m, "clip") != NULL, hl = io_mp_map_get(m, "levels") != NULL;
    if (hc != hl)
      return bad(c, "field '%s' is missing (a QCFS relu has both 'clip' and 'levels')",
                 hc ? "levels" : "clip");
    if (hc) {
      if ((rc = get_num_req(c, m, "clip", &L->clip)) ||
          (rc = get_uint(c, m, "levels", 1, 65535, &L->levels)))
        return rc;
      if (!(L->clip > 0))
        return bad(c, "field 'clip' is %g, expected a number > 0", L->clip);
    }
    break;
  }
  case CNN_DROPOUT:
    if ((rc = get_num_req(c, m, "p", &L->dropout_p)))
      return rc;
    if (!(L->dropout_p >= 0 && L->dropout_p <= 1))
      return bad(c, "field 'p' is %g, expected a probability in [0, 1]",
                 L->dropout_p);
    break;
  case CNN_AVGPOOL2D:
  case CNN_MAXPOOL2D:
    if ((rc = get_window(c, m, L, 1)) || (rc = window_out(c, L)))
      return rc;
    break;
  case CNN_FLATTEN:
    /* The input's size is at most UINT32_MAX: every shape is checked. */
    L->out[0] = (uint32_t)shape_size(in);
    L->out[1] = L->out[2] = 1;
    *flat = 1;
    break;
  case CNN_LINEAR:
    if (!*flat)
      return bad(c, "expects a flattened (F, 1, 1) input, but its input is "
                 SHAPE_FMT ": put a flatten layer before it", SHAPE_ARG(in));
    if ((rc = get_uint(c, m, "in_features", 1, DIM_MAX, &a)) ||
        (rc = get_uint(c, m, "out_features", 1, DIM_MAX, &b)))
      return rc;
    if (a != in[0])
      return bad(c, "field 'in_features' is %u, but the layer's input " SHAPE_FMT
                 " has %u features", a, SHAPE_ARG(in), in[0]);
    L->out[0] = b;
    L->out[1] = L->out[2] = 1;
    if ((rc = get_floats(c, m, "weight", (uint64_t)a * b, 0, &L->weight)) ||
        (rc = get_floats(c, m, "bias", b, 1, &L->bias)))
      return rc;
    L->nweight = a * b; /* < 2^30: get_floats checked the bin size */
    break;
  }
  if (shape_size(L->out) == UINT64_MAX)
    return bad(c, "output " SHAPE_FMT " holds more than 2^32 values",
               SHAPE_ARG(L->out));
  return 0;
}

/* ============================================================ model */


/* The top-level map: header fields, then the layers. */
static int parse_model(ctx *c, const msgpack_object *top, cnn_model *m)
{
  char s[64];
  const msgpack_object *o;
  int rc;
  if (top->type != MSGPACK_OBJECT_MAP)
    return bad(c, "not a memspike model: expected a msgpack map, found %s",
               io_mp_type_name(top->type));
  o = io_mp_map_get(top, "format");
  if (!o || !io_mp_str_is(o, IO_MODEL_FORMAT))
    return bad(c, "not a memspike model: field 'format' is %s, expected '"
               IO_MODEL_FORMAT "'", o ? show(o, s, sizeof s) : "missing");
  uint32_t version = 0;
  if ((rc = get_uint(c, top, "version", 0, UINT32_MAX, &version)))
    return rc;
  if (version != IO_MODEL_VERSION)
    return bad(c, "field 'version' is %u; this reader reads version %d", version,
               IO_MODEL_VERSION);
  if ((rc = check_keys(c, top, NULL, "a model")))
    return rc;

  /* input */
  const msgpack_object *in;
  if ((rc = need(c, top, "input", "a map {shape, scale, mean, std}", &in)))
    return rc;
  if (in->type != MSGPACK_OBJECT_MAP)
    return bad(c, "field 'input': expected a map {shape, scale, mean, std}, "
               "found %s", io_mp_type_name(in->type));
  snprintf(c->where, sizeof c->where, "input");
  if ((rc = check_keys(c, in, keys_input, "input")) ||
      (rc = get_uints(c, in, "shape", 3, 1, INPUT_DIM_MAX, m->in)) ||
      (rc = get_num_req(c, in, "scale", &m->input_scale)) ||
      (rc = get_num_req(c, in, "mean", &m->input_mean)) ||
      (rc = get_num_req(c, in, "std", &m->input_std)))
    return rc;
  if (!(m->input_scale > 0))
    return bad(c, "field 'scale' is %g, expected a number > 0",
               m->input_scale);
  if (!(m->input_std > 0))
    return bad(c, "field 'std' is %g, expected a number > 0", m->input_std);
  c->where[0] = '\0';

  if ((rc = get_uint(c, top, "classes", 2, DIM_MAX, &m->nclasses)))
    return rc;
  o = io_mp_map_get(top, "dataset"); /* optional; nil counts as absent */
  if (o && o->type != MSGPACK_OBJECT_NIL) {
    if (o->type != MSGPACK_OBJECT_STR)
      return bad(c, "field 'dataset': expected a string, found %s",
                 io_mp_type_name(o->type));
    m->dataset = sim_malloc(o->via.str.size + 1, "model dataset name");
    memcpy(m->dataset, o->via.str.ptr, o->via.str.size);
    m->dataset[o->via.str.size] = '\0';
  }
  o = io_mp_map_get(top, "ann_test_accuracy"); /* optional; nil counts as absent */
  if (o && o->type != MSGPACK_OBJECT_NIL) {
    if ((rc = get_num(c, o, "ann_test_accuracy", &m->ann_accuracy)))
      return rc;
    if (!(m->ann_accuracy >= 0 && m->ann_accuracy <= 1))
      return bad(c, "field 'ann_test_accuracy' is %g, expected a fraction "
                 "in [0, 1]", m->ann_accuracy);
  }

  /* layers */
  const msgpack_object *ls;
  if ((rc = need(c, top, "layers", "an array of layer maps", &ls)))
    return rc;
  if (ls->type != MSGPACK_OBJECT_ARRAY || ls->via.array.size == 0)
    return bad(c, "field 'layers': expected a non-empty array of layer maps, "
               "found %s", ls->type == MSGPACK_OBJECT_ARRAY ? "an empty array"
                                                            : io_mp_type_name(ls->type));
  /* At most one layer per byte of file: the scan bounded the count. */
  m->nlayers = ls->via.array.size;
  m->layers = sim_calloc(m->nlayers, sizeof *m->layers, "model layers");
  uint32_t cur[3];
  memcpy(cur, m->in, sizeof cur);
  int flat = 0, weighted = 0;
  for (uint32_t i = 0; i < m->nlayers; i++) {
    cnn_layer *L = &m->layers[i];
    memcpy(L->in, cur, sizeof cur);
    if ((rc = parse_layer(c, &ls->via.array.ptr[i], i, L, &flat)))
      return rc;
    memcpy(cur, L->out, sizeof cur);
    weighted |= L->type == CNN_CONV2D || L->type == CNN_LINEAR;
  }
  c->where[0] = '\0';
  if (!weighted)
    return bad(c, "no conv2d or linear layer: a model needs weights");
  if (shape_size(cur) != m->nclasses)
    return bad(c, "field 'classes' is %u, but the last layer (%u, %s) "
               "outputs " SHAPE_FMT " = %llu values", m->nclasses,
               m->nlayers - 1, cnn_layer_name(m->layers[m->nlayers - 1].type),
               SHAPE_ARG(cur), (unsigned long long)shape_size(cur));
  return 0;
}

int io_model_load(const char *path, cnn_model **out)
{
  *out = NULL;
  char *text = NULL;
  size_t len = 0, end = 0, at = 0;
  int rc = io_file_read(path, "the model", MODEL_MAX_BYTES, &text, &len);
  if (rc)
    return rc;
  unsigned char *buf = (unsigned char *)text;
  ctx c = {.path = path, .where = ""};
  cnn_model *m = sim_calloc(1, sizeof *m, "model");
  m->path = sim_strdup(path, "model path");
  m->ann_accuracy = -1;
  msgpack_unpacked up;
  msgpack_unpacked_init(&up);

  if (len == 0) {
    rc = bad(&c, "not a memspike model: empty file");
    goto done;
  }
  if (!((buf[0] >= 0x80 && buf[0] <= 0x8f) || buf[0] == 0xde ||
        buf[0] == 0xdf)) {
    rc = bad(&c, "not a memspike model: expected a msgpack map, found byte "
             "0x%02x at byte 0", buf[0]);
    goto done;
  }
  switch (scan_value(buf, len, &end, &at)) {
  case SCAN_SHORT:
    rc = bad(&c, "not a memspike model: truncated at byte %zu (the msgpack "
             "value at byte %zu runs past the end of the file)", len, at);
    goto done;
  case SCAN_BAD:
    rc = bad(&c, "not a memspike model: invalid msgpack byte 0xc1 at byte %zu",
             at);
    goto done;
  case SCAN_DEEP:
    rc = bad(&c, "not a memspike model: values nested more than %d deep at "
             "byte %zu", MAX_DEPTH, at);
    goto done;
  default:
    break;
  }
  if (end != len) {
    rc = bad(&c, "%zu bytes of trailing data after the model map (which ends "
             "at byte %zu)", len - end, end);
    goto done;
  }
  size_t off = 0;
  int ur = msgpack_unpack_next(&up, (const char *)buf, len, &off);
  if (ur != MSGPACK_UNPACK_SUCCESS) {
    rc = bad(&c, "cannot decode the msgpack data (msgpack-c error %d)", ur);
    goto done;
  }
  rc = parse_model(&c, &up.data, m);
done:
  msgpack_unpacked_destroy(&up);
  sim_free(buf);
  if (rc) {
    cnn_model_destroy(m);
    return rc;
  }
  *out = m;
  return 0;
}
