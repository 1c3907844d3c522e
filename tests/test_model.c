/*
 * test_model.c: CUnit suite of the CNN model loader and the IDX reader
 * (io_model, io_idx).
 *
 * Model files are made here with msgpack-c from a `doc`: one map builder
 * for the top level, one for "input" and one per layer, so that a test can
 * change, drop or add any field of a known-good model (every layer type,
 * non-square kernels and strides) and check the loader's verdict.  IDX
 * files are written plain or through zlib.  Everything lives in one
 * mkdtemp directory that the suite removes at the end.
 */
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <math.h>
#include <msgpack.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "../core/sim_error.h"
#include "../io/io_idx.h"
#include "../io/io_model.h"
#include "test_suites.h"

/* An assertion with a formatted message (CUnit copies the text). */
#define CHECK(cond, ...)                                                   \
  do {                                                                     \
    char check_msg_[900];                                                  \
    snprintf(check_msg_, sizeof check_msg_, __VA_ARGS__);                  \
    CU_assertImplementation((cond) ? CU_TRUE : CU_FALSE, __LINE__,         \
                            check_msg_, __FILE__, "", CU_FALSE);           \
  } while (0)

/* ============================================================ fixtures */

static char tmpdir[64];

static const char *tpath(const char *name)
{
  static char buf[8][400];
  static int k;
  k = (k + 1) % 8;
  snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
  return buf[k];
}

/* Remove every file of directory dir, then dir. */
static int remove_dir(const char *dir)
{
  DIR *d = opendir(dir);
  if (!d)
    return -1;
  struct dirent *e;
  char p[600];
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
      snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
      struct stat sb;
      if (stat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
        remove_dir(p);
      else
        remove(p);
    }
  closedir(d);
  return rmdir(dir);
}

static int suite_init(void)
{
  strcpy(tmpdir, "/tmp/memspike_test_model_XXXXXX");
  return mkdtemp(tmpdir) ? 0 : -1;
}

static int suite_clean(void) { return remove_dir(tmpdir); }

static void write_bytes(const char *path, const void *p, size_t n)
{
  FILE *f = fopen(path, "wb");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  CU_ASSERT_EQUAL(fwrite(p, 1, n, f), n);
  fclose(f);
}

/* ============================================================ map builder */

/* A msgpack map under construction: keys in insertion order, each value
   packed already.  An empty value of key "input" or "layers" at the top
   level stands for the doc's input map or layer array. */
#define MB_MAX 16
typedef struct mb_entry {
  char key[32];
  msgpack_sbuffer val;
} mb_entry;
typedef struct mb {
  mb_entry e[MB_MAX];
  int n;
} mb;

/* A fresh entry for key (a second one when dup, else replacing). */
static msgpack_sbuffer *mb_slot(mb *m, const char *key, int dup)
{
  for (int i = 0; i < m->n && !dup; i++)
    if (strcmp(m->e[i].key, key) == 0) {
      msgpack_sbuffer_clear(&m->e[i].val);
      return &m->e[i].val;
    }
  CU_ASSERT_FATAL(m->n < MB_MAX);
  mb_entry *e = &m->e[m->n++];
  snprintf(e->key, sizeof e->key, "%s", key);
  msgpack_sbuffer_init(&e->val);
  return &e->val;
}

static msgpack_packer mb_packer(mb *m, const char *key)
{
  msgpack_packer pk;
  msgpack_packer_init(&pk, mb_slot(m, key, 0), msgpack_sbuffer_write);
  return pk;
}

static void pack_str(msgpack_packer *pk, const char *s)
{
  msgpack_pack_str(pk, strlen(s));
  msgpack_pack_str_body(pk, s, strlen(s));
}

static void mb_del(mb *m, const char *key)
{
  for (int i = 0; i < m->n; i++)
    if (strcmp(m->e[i].key, key) == 0) {
      msgpack_sbuffer_destroy(&m->e[i].val);
      memmove(&m->e[i], &m->e[i + 1], (size_t)(m->n - i - 1) * sizeof m->e[0]);
      m->n--;
      return;
    }
}

static void mb_int(mb *m, const char *key, long long v)
{
  msgpack_packer pk = mb_packer(m, key);
  msgpack_pack_int64(&pk, v);
}

static void mb_num(mb *m, const char *key, double v)
{
  msgpack_packer pk = mb_packer(m, key);
  msgpack_pack_double(&pk, v);
}

static void mb_f32(mb *m, const char *key, float v)
{
  msgpack_packer pk = mb_packer(m, key);
  msgpack_pack_float(&pk, v);
}

static void mb_str(mb *m, const char *key, const char *v)
{
  msgpack_packer pk = mb_packer(m, key);
  pack_str(&pk, v);
}

static void mb_nil(mb *m, const char *key)
{
  msgpack_packer pk = mb_packer(m, key);
  msgpack_pack_nil(&pk);
}

static void mb_ints(mb *m, const char *key, int n, const long long *v)
{
  msgpack_packer pk = mb_packer(m, key);
  msgpack_pack_array(&pk, (size_t)n);
  for (int i = 0; i < n; i++)
    msgpack_pack_int64(&pk, v[i]);
}

static void mb_pair(mb *m, const char *key, long long a, long long b)
{
  long long v[2] = {a, b};
  mb_ints(m, key, 2, v);
}

/* A BIN of n little-endian float32 values. */
static void mb_floats(mb *m, const char *key, const float *v, size_t n)
{
  msgpack_packer pk = mb_packer(m, key);
  msgpack_pack_bin(&pk, 4 * n);
  for (size_t i = 0; i < n; i++) {
    uint32_t u;
    memcpy(&u, &v[i], 4);
    unsigned char b[4] = {(unsigned char)u, (unsigned char)(u >> 8),
                          (unsigned char)(u >> 16), (unsigned char)(u >> 24)};
    msgpack_pack_bin_body(&pk, b, 4);
  }
}

/* A BIN of n bytes (0x3f each: not a multiple of 4 makes it no array). */
static void mb_bytes(mb *m, const char *key, size_t n)
{
  msgpack_packer pk = mb_packer(m, key);
  char b[1024];
  memset(b, 0x3f, sizeof b);
  msgpack_pack_bin(&pk, n);
  msgpack_pack_bin_body(&pk, b, n);
}

static void mb_free(mb *m)
{
  for (int i = 0; i < m->n; i++)
    msgpack_sbuffer_destroy(&m->e[i].val);
  m->n = 0;
}

/* ============================================================ the model doc */

#define MAXL 16
typedef struct doc {
  mb top, input;
  mb layer[MAXL];
  msgpack_sbuffer raw[MAXL]; /* when not empty, layer i is these bytes */
  int nlayers;
} doc;

/* The default model's parameters: deterministic values in (-0.5, 0.5). */
static float conv1_w[12], conv1_b[2], bn_g[2], bn_b[2], bn_m[2], bn_v[2];
static float conv2_w[54], lin1_w[60], lin1_b[5], lin2_w[15];

static void fill(float *a, size_t n, unsigned seed)
{
  uint32_t s = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; i++) {
    s = s * 1664525u + 1013904223u;
    a[i] = (float)((s >> 8) / 16777216.0 - 0.5);
  }
}

static void init_params(void)
{
  fill(conv1_w, 12, 1);
  fill(conv1_b, 2, 2);
  fill(bn_g, 2, 3);
  fill(bn_b, 2, 4);
  fill(bn_m, 2, 5);
  fill(bn_v, 2, 6);
  for (int i = 0; i < 2; i++)
    bn_v[i] += 1.0f; /* variances > 0 */
  fill(conv2_w, 54, 7);
  fill(lin1_w, 60, 8);
  fill(lin1_b, 5, 9);
  fill(lin2_w, 15, 10);
}

static mb *add_layer(doc *d, const char *type)
{
  CU_ASSERT_FATAL(d->nlayers < MAXL);
  mb *m = &d->layer[d->nlayers++];
  m->n = 0;
  mb_str(m, "type", type);
  return m;
}

/* Input (1, 8, 8); every layer type; kernels and strides not square:
     0 conv2d 1->2 k[3,2] s[1,1] p[1,0]   -> (2, 8, 7)
     1 batchnorm2d 2                       -> (2, 8, 7)
     2 relu
     3 avgpool2d k[2,2] s[2,2]             -> (2, 4, 3)
     4 conv2d 2->3 k[3,3] s[2,1] p[1,1], no bias -> (3, 2, 3)
     5 maxpool2d k[1,2] s[1,1]             -> (3, 2, 2)
     6 flatten                             -> (12, 1, 1)
     7 dropout 0.25
     8 linear 12->5                        -> (5, 1, 1)
     9 relu
    10 linear 5->3, no bias                -> (3, 1, 1)
   Numbers of every msgpack kind where a float is expected: float32
   (scale, p), float64 (mean, eps) and integers (std). */
static void doc_default(doc *d)
{
  memset(d, 0, sizeof *d);
  for (int i = 0; i < MAXL; i++)
    msgpack_sbuffer_init(&d->raw[i]);
  init_params();
  mb_str(&d->top, "format", "memspike-model");
  mb_int(&d->top, "version", 1);
  mb_slot(&d->top, "input", 0); /* placeholder */
  mb_int(&d->top, "classes", 3);
  mb_str(&d->top, "dataset", "fashion-mnist");
  mb_num(&d->top, "ann_test_accuracy", 0.875);
  mb_slot(&d->top, "layers", 0); /* placeholder */

  mb_ints(&d->input, "shape", 3, (const long long[]){1, 8, 8});
  mb_f32(&d->input, "scale", 0.00390625f);
  mb_num(&d->input, "mean", 0.286);
  mb_int(&d->input, "std", 2);

  mb *m = add_layer(d, "conv2d");
  mb_int(m, "in_channels", 1);
  mb_int(m, "out_channels", 2);
  mb_pair(m, "kernel_size", 3, 2);
  mb_pair(m, "stride", 1, 1);
  mb_pair(m, "padding", 1, 0);
  mb_floats(m, "weight", conv1_w, 12);
  mb_floats(m, "bias", conv1_b, 2);
  m = add_layer(d, "batchnorm2d");
  mb_int(m, "num_features", 2);
  mb_num(m, "eps", 1e-5);
  mb_floats(m, "weight", bn_g, 2);
  mb_floats(m, "bias", bn_b, 2);
  mb_floats(m, "running_mean", bn_m, 2);
  mb_floats(m, "running_var", bn_v, 2);
  add_layer(d, "relu");
  m = add_layer(d, "avgpool2d");
  mb_pair(m, "kernel_size", 2, 2);
  mb_pair(m, "stride", 2, 2);
  mb_pair(m, "padding", 0, 0);
  m = add_layer(d, "conv2d");
  mb_int(m, "in_channels", 2);
  mb_int(m, "out_channels", 3);
  mb_pair(m, "kernel_size", 3, 3);
  mb_pair(m, "stride", 2, 1);
  mb_pair(m, "padding", 1, 1);
  mb_floats(m, "weight", conv2_w, 54);
  mb_nil(m, "bias");
  m = add_layer(d, "maxpool2d");
  mb_pair(m, "kernel_size", 1, 2);
  mb_pair(m, "stride", 1, 1);
  mb_pair(m, "padding", 0, 0);
  add_layer(d, "flatten");
  m = add_layer(d, "dropout");
  mb_f32(m, "p", 0.25f);
  m = add_layer(d, "linear");
  mb_int(m, "in_features", 12);
  mb_int(m, "out_features", 5);
  mb_floats(m, "weight", lin1_w, 60);
  mb_floats(m, "bias", lin1_b, 5);
  add_layer(d, "relu");
  m = add_layer(d, "linear");
  mb_int(m, "in_features", 5);
  mb_int(m, "out_features", 3);
  mb_floats(m, "weight", lin2_w, 15);
  mb_nil(m, "bias");
}

static void doc_free(doc *d)
{
  mb_free(&d->top);
  mb_free(&d->input);
  for (int i = 0; i < MAXL; i++) {
    mb_free(&d->layer[i]);
    msgpack_sbuffer_destroy(&d->raw[i]);
  }
}

static void doc_remove_layer(doc *d, int i)
{
  mb_free(&d->layer[i]);
  memmove(&d->layer[i], &d->layer[i + 1],
          (size_t)(d->nlayers - i - 1) * sizeof d->layer[0]);
  d->nlayers--;
  d->layer[d->nlayers].n = 0;
}

static void mb_pack_into(const mb *m, msgpack_packer *pk)
{
  msgpack_pack_map(pk, (size_t)m->n);
  for (int i = 0; i < m->n; i++) {
    pack_str(pk, m->e[i].key);
    msgpack_sbuffer_write(pk->data, m->e[i].val.data, m->e[i].val.size);
  }
}

/* The doc as a msgpack file image in *out (destroy with
   msgpack_sbuffer_destroy). */
static void doc_bytes(const doc *d, msgpack_sbuffer *out)
{
  msgpack_sbuffer_init(out);
  msgpack_packer pk;
  msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
  msgpack_pack_map(&pk, (size_t)d->top.n);
  for (int i = 0; i < d->top.n; i++) {
    const mb_entry *e = &d->top.e[i];
    pack_str(&pk, e->key);
    if (e->val.size == 0 && strcmp(e->key, "input") == 0) {
      mb_pack_into(&d->input, &pk);
    } else if (e->val.size == 0 && strcmp(e->key, "layers") == 0) {
      msgpack_pack_array(&pk, (size_t)d->nlayers);
      for (int l = 0; l < d->nlayers; l++)
        if (d->raw[l].size)
          msgpack_sbuffer_write(out, d->raw[l].data, d->raw[l].size);
        else
          mb_pack_into(&d->layer[l], &pk);
    } else {
      msgpack_sbuffer_write(out, e->val.data, e->val.size);
    }
  }
}

static const char *doc_write(const doc *d, const char *name)
{
  const char *path = tpath(name);
  msgpack_sbuffer sb;
  doc_bytes(d, &sb);
  write_bytes(path, sb.data, sb.size);
  msgpack_sbuffer_destroy(&sb);
  return path;
}

/* ============================================================ round trip */

static int floats_equal(const float *a, const float *b, size_t n)
{
  return a && b && memcmp(a, b, n * sizeof *a) == 0;
}

static int shape_is(const uint32_t s[3], uint32_t c, uint32_t h, uint32_t w)
{
  return s[0] == c && s[1] == h && s[2] == w;
}

static void test_roundtrip(void)
{
  doc d;
  doc_default(&d);
  const char *path = doc_write(&d, "good.msgpack");
  cnn_model *m = NULL;
  sim_error_clear();
  int rc = io_model_load(path, &m);
  CHECK(rc == 0, "load: %d %s", rc, sim_error_msg());
  doc_free(&d);
  if (!m)
    return;
  CU_ASSERT_STRING_EQUAL(m->path, path);
  CU_ASSERT(shape_is(m->in, 1, 8, 8));
  CU_ASSERT_DOUBLE_EQUAL(m->input_scale, 0.00390625, 0);
  CU_ASSERT_DOUBLE_EQUAL(m->input_mean, 0.286, 0);
  CU_ASSERT_DOUBLE_EQUAL(m->input_std, 2.0, 0);
  CU_ASSERT_EQUAL(m->nclasses, 3);
  CU_ASSERT_DOUBLE_EQUAL(m->ann_accuracy, 0.875, 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m->dataset);
  CU_ASSERT_STRING_EQUAL(m->dataset, "fashion-mnist");
  CU_ASSERT_EQUAL_FATAL(m->nlayers, 11);

  static const cnn_layer_type types[11] = {
      CNN_CONV2D,  CNN_BATCHNORM2D, CNN_RELU,    CNN_AVGPOOL2D,
      CNN_CONV2D,  CNN_MAXPOOL2D,   CNN_FLATTEN, CNN_DROPOUT,
      CNN_LINEAR,  CNN_RELU,        CNN_LINEAR};
  static const uint32_t outs[11][3] = {
      {2, 8, 7}, {2, 8, 7}, {2, 8, 7}, {2, 4, 3}, {3, 2, 3}, {3, 2, 2},
      {12, 1, 1}, {12, 1, 1}, {5, 1, 1}, {5, 1, 1}, {3, 1, 1}};
  const uint32_t *prev = m->in;
  for (uint32_t i = 0; i < 11; i++) {
    const cnn_layer *L = &m->layers[i];
    CHECK(L->type == types[i], "layer %u type %d", i, (int)L->type);
    CHECK(memcmp(L->in, prev, sizeof L->in) == 0, "layer %u in shape", i);
    CHECK(memcmp(L->out, outs[i], sizeof L->out) == 0,
          "layer %u out (%u, %u, %u)", i, L->out[0], L->out[1], L->out[2]);
    prev = L->out;
  }
  const cnn_layer *L = m->layers;
  CU_ASSERT(L[0].kh == 3 && L[0].kw == 2 && L[0].sh == 1 && L[0].sw == 1 &&
            L[0].ph == 1 && L[0].pw == 0);
  CU_ASSERT_EQUAL(L[0].nweight, 12);
  CU_ASSERT(floats_equal(L[0].weight, conv1_w, 12));
  CU_ASSERT(floats_equal(L[0].bias, conv1_b, 2));
  CU_ASSERT_DOUBLE_EQUAL(L[1].bn_eps, 1e-5, 0);
  CU_ASSERT(floats_equal(L[1].bn_gamma, bn_g, 2));
  CU_ASSERT(floats_equal(L[1].bn_beta, bn_b, 2));
  CU_ASSERT(floats_equal(L[1].bn_mean, bn_m, 2));
  CU_ASSERT(floats_equal(L[1].bn_var, bn_v, 2));
  CU_ASSERT(L[3].kh == 2 && L[3].kw == 2 && L[3].sh == 2 && L[3].sw == 2 &&
            L[3].ph == 0 && L[3].pw == 0);
  CU_ASSERT(L[4].kh == 3 && L[4].kw == 3 && L[4].sh == 2 && L[4].sw == 1 &&
            L[4].ph == 1 && L[4].pw == 1);
  CU_ASSERT_EQUAL(L[4].nweight, 54);
  CU_ASSERT(floats_equal(L[4].weight, conv2_w, 54));
  CU_ASSERT_PTR_NULL(L[4].bias);
  CU_ASSERT(L[5].kh == 1 && L[5].kw == 2 && L[5].sh == 1 && L[5].sw == 1);
  CU_ASSERT_DOUBLE_EQUAL(L[7].dropout_p, 0.25, 0);
  CU_ASSERT_EQUAL(L[8].nweight, 60);
  CU_ASSERT(floats_equal(L[8].weight, lin1_w, 60));
  CU_ASSERT(floats_equal(L[8].bias, lin1_b, 5));
  CU_ASSERT_EQUAL(L[10].nweight, 15);
  CU_ASSERT(floats_equal(L[10].weight, lin2_w, 15));
  CU_ASSERT_PTR_NULL(L[10].bias);
  for (int t = CNN_CONV2D; t <= CNN_DROPOUT; t++)
    CU_ASSERT_PTR_NOT_NULL(strstr("conv2d batchnorm2d relu avgpool2d "
                                  "maxpool2d flatten linear dropout",
                                  cnn_layer_name((cnn_layer_type)t)));
  CU_ASSERT_STRING_EQUAL(cnn_layer_name(CNN_BATCHNORM2D), "batchnorm2d");
  cnn_model_destroy(m);
  cnn_model_destroy(NULL);
}

/* Optional fields absent or nil; unknown top-level keys ignored; keys in
   another order; a minimal MLP with integer numbers. */
static void test_optional(void)
{
  doc d;
  doc_default(&d);
  mb_del(&d.top, "dataset");
  mb_nil(&d.top, "ann_test_accuracy");
  mb_str(&d.top, "exported_by", "a newer tool"); /* unknown: ignored */
  /* reverse the key order of the top map and of layer 0 */
  for (int i = 0, j = d.top.n - 1; i < j; i++, j--) {
    mb_entry t = d.top.e[i];
    d.top.e[i] = d.top.e[j];
    d.top.e[j] = t;
  }
  for (int i = 0, j = d.layer[0].n - 1; i < j; i++, j--) {
    mb_entry t = d.layer[0].e[i];
    d.layer[0].e[i] = d.layer[0].e[j];
    d.layer[0].e[j] = t;
  }
  const char *path = doc_write(&d, "optional.msgpack");
  cnn_model *m = NULL;
  int rc = io_model_load(path, &m);
  CHECK(rc == 0, "load: %d %s", rc, sim_error_msg());
  if (m) {
    CU_ASSERT_PTR_NULL(m->dataset);
    CU_ASSERT_DOUBLE_EQUAL(m->ann_accuracy, -1, 0);
    CU_ASSERT(floats_equal(m->layers[0].weight, conv1_w, 12));
  }
  cnn_model_destroy(m);
  doc_free(&d);

  /* flatten + one linear layer on a (2, 3, 1) input, integer numbers */
  doc_default(&d);
  while (d.nlayers)
    doc_remove_layer(&d, 0);
  mb_ints(&d.input, "shape", 3, (const long long[]){2, 3, 1});
  mb_int(&d.input, "scale", 1);
  mb_int(&d.input, "mean", -1);
  mb_del(&d.top, "dataset");
  mb_del(&d.top, "ann_test_accuracy");
  mb_int(&d.top, "classes", 2);
  add_layer(&d, "flatten");
  mb *l = add_layer(&d, "linear");
  mb_int(l, "in_features", 6);
  mb_int(l, "out_features", 2);
  mb_floats(l, "weight", lin1_w, 12);
  mb_floats(l, "bias", lin1_b, 2);
  path = doc_write(&d, "mlp.msgpack");
  rc = io_model_load(path, &m);
  CHECK(rc == 0, "load: %d %s", rc, sim_error_msg());
  if (m) {
    CU_ASSERT_DOUBLE_EQUAL(m->input_mean, -1, 0);
    CU_ASSERT(shape_is(m->layers[0].out, 6, 1, 1));
    CU_ASSERT(shape_is(m->layers[1].in, 6, 1, 1));
    CU_ASSERT(shape_is(m->layers[1].out, 2, 1, 1));
    CU_ASSERT(floats_equal(m->layers[1].bias, lin1_b, 2));
  }
  cnn_model_destroy(m);
  doc_free(&d);
}

/* ============================================================ bad models */

enum { TOP = -1, INPUT = -2 };
enum { OP_DEL, OP_INT, OP_NUM, OP_STR, OP_NIL, OP_INTS, OP_FLOATS, OP_BYTES,
       OP_DUP, OP_FN };

/* One bad model: the default doc with one change, and what the message
   must say (besides the file name). */
typedef struct bcase {
  const char *name;
  int where;             /* TOP, INPUT or a layer index */
  const char *key;
  int op;
  long long v[3];        /* OP_INT: v[0]; OP_INTS: v[0..n); OP_FLOATS:
                            v[0] values, value v[1] (if >= 0) set to num;
                            OP_BYTES: v[0] bytes */
  int n;
  double num;
  const char *str;
  void (*fn)(doc *d);
  const char *expect[3];
} bcase;

static void fn_no_layers(doc *d)
{
  while (d->nlayers)
    doc_remove_layer(d, 0);
}

static void fn_no_flatten(doc *d) { doc_remove_layer(d, 6); }

static void fn_bn_after_flatten(doc *d)
{
  mb *m = &d->layer[7];
  mb_free(m);
  mb_str(m, "type", "batchnorm2d");
  mb_int(m, "num_features", 12);
  mb_num(m, "eps", 1e-5);
  float one[12];
  for (int i = 0; i < 12; i++)
    one[i] = 1;
  mb_floats(m, "weight", one, 12);
  mb_floats(m, "bias", one, 12);
  mb_floats(m, "running_mean", one, 12);
  mb_floats(m, "running_var", one, 12);
}

static void fn_unweighted(doc *d)
{
  fn_no_layers(d);
  add_layer(d, "relu");
  add_layer(d, "flatten");
  mb_int(&d->top, "classes", 64);
}

static void fn_layer_not_map(doc *d)
{
  msgpack_packer pk;
  msgpack_packer_init(&pk, &d->raw[2], msgpack_sbuffer_write);
  msgpack_pack_int(&pk, 7);
}

static void fn_int_key(doc *d)
{
  msgpack_packer pk;
  msgpack_packer_init(&pk, &d->raw[2], msgpack_sbuffer_write);
  msgpack_pack_map(&pk, 2);
  pack_str(&pk, "type");
  pack_str(&pk, "relu");
  msgpack_pack_int(&pk, 5);
  msgpack_pack_int(&pk, 1);
}

static void fn_layers_map(doc *d) { mb_int(&d->top, "layers", 3); }

static void fn_input_int(doc *d) { mb_int(&d->top, "input", 3); }

static void fn_shape_pair(doc *d) { mb_pair(&d->input, "shape", 8, 8); }

static const bcase bad_cases[] = {
    /* top level */
    {"format wrong", TOP, "format", OP_STR, .str = "memspike-log",
     .expect = {"not a memspike model", "'format' is 'memspike-log'",
                "'memspike-model'"}},
    {"format missing", TOP, "format", OP_DEL,
     .expect = {"not a memspike model", "'format' is missing"}},
    {"version 2", TOP, "version", OP_INT, {2},
     .expect = {"field 'version' is 2", "reads version 1"}},
    {"version string", TOP, "version", OP_STR, .str = "1",
     .expect = {"field 'version'", "found a string"}},
    {"classes 1", TOP, "classes", OP_INT, {1},
     .expect = {"field 'classes' is 1", "expected an integer in [2,"}},
    {"classes missing", TOP, "classes", OP_DEL,
     .expect = {"field 'classes' is missing"}},
    {"classes mismatch", TOP, "classes", OP_INT, {4},
     .expect = {"field 'classes' is 4", "last layer (10, linear)",
                "(3, 1, 1) = 3 values"}},
    {"top key twice", TOP, "dataset", OP_DUP,
     .expect = {"field 'dataset' appears twice"}},
    {"accuracy > 1", TOP, "ann_test_accuracy", OP_NUM, .num = 1.5,
     .expect = {"field 'ann_test_accuracy' is 1.5", "[0, 1]"}},
    {"accuracy nan", TOP, "ann_test_accuracy", OP_NUM, .num = NAN,
     .expect = {"field 'ann_test_accuracy'", "finite"}},
    {"dataset int", TOP, "dataset", OP_INT, {3},
     .expect = {"field 'dataset'", "expected a string, found an integer"}},
    {"layers empty", TOP, NULL, OP_FN, .fn = fn_no_layers,
     .expect = {"field 'layers'", "non-empty", "found an empty array"}},
    {"layers not an array", TOP, NULL, OP_FN, .fn = fn_layers_map,
     .expect = {"field 'layers'", "found an integer"}},
    {"input missing", TOP, "input", OP_DEL,
     .expect = {"field 'input' is missing"}},
    {"input not a map", TOP, NULL, OP_FN, .fn = fn_input_int,
     .expect = {"field 'input'", "expected a map"}},
    /* input */
    {"shape 0", INPUT, "shape", OP_INTS, {1, 0, 8}, 3,
     .expect = {": input: field 'shape'", "element 1 is 0", "[1, 4096]"}},
    {"shape too big", INPUT, "shape", OP_INTS, {1, 8, 5000}, 3,
     .expect = {": input: field 'shape'", "element 2 is 5000"}},
    {"shape of 2", INPUT, NULL, OP_FN, .fn = fn_shape_pair,
     .expect = {": input: field 'shape'", "array of 3 integers"}},
    {"std 0", INPUT, "std", OP_NUM, .num = 0,
     .expect = {": input: field 'std' is 0", "> 0"}},
    {"scale nan", INPUT, "scale", OP_NUM, .num = NAN,
     .expect = {": input: field 'scale'", "finite"}},
    {"mean string", INPUT, "mean", OP_STR, .str = "0.5",
     .expect = {": input: field 'mean'", "expected a number, found a string"}},
    {"input unknown key", INPUT, "stdev", OP_NUM, .num = 1,
     .expect = {": input: unknown field 'stdev'", "shape, scale, mean, std"}},
    /* layer 0: conv2d */
    {"unknown type", 0, "type", OP_STR, .str = "conv3d",
     .expect = {": layer 0: unknown type 'conv3d'",
                "conv2d, batchnorm2d, relu, avgpool2d, maxpool2d, flatten, "
                "linear, dropout"}},
    {"type missing", 0, "type", OP_DEL,
     .expect = {": layer 0: field 'type' is missing"}},
    {"type int", 0, "type", OP_INT, {2},
     .expect = {": layer 0: field 'type': expected a string", "conv2d, ",
                "found an integer"}},
    {"weight missing", 0, "weight", OP_DEL,
     .expect = {": layer 0 (conv2d): field 'weight' is missing",
                "12 float32 values (48 bytes)"}},
    {"in_channels string", 0, "in_channels", OP_STR, .str = "1",
     .expect = {": layer 0 (conv2d): field 'in_channels'", "found a string"}},
    {"in_channels negative", 0, "in_channels", OP_INT, {-1},
     .expect = {": layer 0 (conv2d): field 'in_channels' is -1"}},
    {"in_channels mismatch", 0, "in_channels", OP_INT, {2},
     .expect = {": layer 0 (conv2d): field 'in_channels' is 2",
                "input (1, 8, 8) has 1 channels"}},
    {"weight short", 0, "weight", OP_FLOATS, {9, -1},
     .expect = {": layer 0 (conv2d): field 'weight': expected 12 float32 "
                "values (48 bytes), got 36 bytes"}},
    {"weight odd bytes", 0, "weight", OP_BYTES, {47},
     .expect = {": layer 0 (conv2d): field 'weight'", "got 47 bytes"}},
    {"weight string", 0, "weight", OP_STR, .str = "w",
     .expect = {": layer 0 (conv2d): field 'weight': expected binary data",
                "found a string"}},
    {"weight nil", 0, "weight", OP_NIL,
     .expect = {": layer 0 (conv2d): field 'weight'", "found nil"}},
    {"bias nan", 0, "bias", OP_FLOATS, {2, 1}, .num = NAN,
     .expect = {": layer 0 (conv2d): field 'bias': value 1 is nan",
                "finite"}},
    {"bias inf", 0, "bias", OP_FLOATS, {2, 0}, .num = -INFINITY,
     .expect = {": layer 0 (conv2d): field 'bias': value 0 is -inf"}},
    {"kernel 0", 0, "kernel_size", OP_INTS, {0, 2}, 2,
     .expect = {": layer 0 (conv2d): field 'kernel_size': element 0 is 0"}},
    {"kernel int", 0, "kernel_size", OP_INT, {3},
     .expect = {": layer 0 (conv2d): field 'kernel_size': expected an array "
                "of 2 integers", "found an integer"}},
    {"stride 0", 0, "stride", OP_INTS, {1, 0}, 2,
     .expect = {": layer 0 (conv2d): field 'stride': element 1 is 0"}},
    {"padding negative", 0, "padding", OP_INTS, {-1, 0}, 2,
     .expect = {": layer 0 (conv2d): field 'padding': element 0 is -1"}},
    {"padding >= kernel", 0, "padding", OP_INTS, {3, 0}, 2,
     .expect = {": layer 0 (conv2d): field 'padding' is [3, 0]",
                "smaller than kernel_size [3, 2]"}},
    {"kernel > input", 0, "kernel_size", OP_INTS, {3, 9}, 2,
     .expect = {": layer 0 (conv2d): kernel_size [3, 9] is larger than the "
                "padded input 10 x 8", "empty"}},
    {"conv unknown key", 0, "dilation", OP_INT, {1},
     .expect = {": layer 0 (conv2d): unknown field 'dilation'",
                "type, in_channels, out_channels, kernel_size, stride, "
                "padding, weight, bias"}},
    {"conv key twice", 0, "bias", OP_DUP,
     .expect = {": layer 0 (conv2d): field 'bias' appears twice"}},
    /* layer 1: batchnorm2d */
    {"bn features", 1, "num_features", OP_INT, {3},
     .expect = {": layer 1 (batchnorm2d): field 'num_features' is 3",
                "(2, 8, 7) has 2 channels"}},
    {"bn eps 0", 1, "eps", OP_NUM, .num = 0,
     .expect = {": layer 1 (batchnorm2d): field 'eps' is 0", "> 0"}},
    {"bn eps string", 1, "eps", OP_STR, .str = "1e-5",
     .expect = {": layer 1 (batchnorm2d): field 'eps'", "found a string"}},
    {"bn var < 0", 1, "running_var", OP_FLOATS, {2, 1}, .num = -0.5,
     .expect = {": layer 1 (batchnorm2d): field 'running_var': value 1 is "
                "-0.5", ">= 0"}},
    {"bn mean size", 1, "running_mean", OP_FLOATS, {3, -1},
     .expect = {": layer 1 (batchnorm2d): field 'running_mean': expected 2 "
                "float32 values (8 bytes), got 12 bytes"}},
    {"bn weight nil", 1, "weight", OP_NIL,
     .expect = {": layer 1 (batchnorm2d): field 'weight': expected binary "
                "data", "found nil"}},
    {"bn var missing", 1, "running_var", OP_DEL,
     .expect = {": layer 1 (batchnorm2d): field 'running_var' is missing"}},
    /* layer 2: relu */
    {"relu unknown key", 2, "inplace", OP_INT, {1},
     .expect = {": layer 2 (relu): unknown field 'inplace'",
                "the fields of relu are: type"}},
    {"layer not a map", 2, NULL, OP_FN, .fn = fn_layer_not_map,
     .expect = {": layer 2: expected a map", "found an integer"}},
    {"integer key", 2, NULL, OP_FN, .fn = fn_int_key,
     .expect = {": layer 2 (relu): key 1 is an integer, expected a string"}},
    /* layers 3, 5: pools */
    {"pool padding", 3, "padding", OP_INTS, {1, 1}, 2,
     .expect = {": layer 3 (avgpool2d): field 'padding' is [1, 1]",
                "no padding"}},
    {"pool kernel > input", 3, "kernel_size", OP_INTS, {9, 2}, 2,
     .expect = {": layer 3 (avgpool2d): kernel_size [9, 2] is larger than "
                "the padded input 8 x 7"}},
    {"pool stride missing", 5, "stride", OP_DEL,
     .expect = {": layer 5 (maxpool2d): field 'stride' is missing"}},
    {"pool padding missing", 5, "padding", OP_DEL,
     .expect = {": layer 5 (maxpool2d): field 'padding' is missing"}},
    /* layer 4: the second conv2d sees the pooled shape */
    {"conv chain", 4, "in_channels", OP_INT, {3},
     .expect = {": layer 4 (conv2d): field 'in_channels' is 3",
                "input (2, 4, 3) has 2 channels"}},
    {"conv bias size", 4, "bias", OP_FLOATS, {2, -1},
     .expect = {": layer 4 (conv2d): field 'bias': expected 3 float32 values "
                "(12 bytes), got 8 bytes"}},
    /* layers 6..10 */
    {"flatten unknown key", 6, "start_dim", OP_INT, {1},
     .expect = {": layer 6 (flatten): unknown field 'start_dim'"}},
    {"dropout p", 7, "p", OP_NUM, .num = 1.5,
     .expect = {": layer 7 (dropout): field 'p' is 1.5", "[0, 1]"}},
    {"dropout p missing", 7, "p", OP_DEL,
     .expect = {": layer 7 (dropout): field 'p' is missing"}},
    {"linear in_features", 8, "in_features", OP_INT, {13},
     .expect = {": layer 8 (linear): field 'in_features' is 13",
                "(12, 1, 1) has 12 features"}},
    {"linear weight size", 8, "weight", OP_FLOATS, {59, -1},
     .expect = {": layer 8 (linear): field 'weight': expected 60 float32 "
                "values (240 bytes), got 236 bytes"}},
    {"linear out_features", 10, "out_features", OP_INT, {4},
     .expect = {": layer 10 (linear): field 'weight': expected 20 float32 "
                "values (80 bytes), got 60 bytes"}},
    {"linear out_features 0", 10, "out_features", OP_INT, {0},
     .expect = {": layer 10 (linear): field 'out_features' is 0"}},
    {"linear without flatten", 0, NULL, OP_FN, .fn = fn_no_flatten,
     .expect = {": layer 7 (linear): expects a flattened (F, 1, 1) input",
                "(3, 2, 2)", "flatten"}},
    {"batchnorm after flatten", 0, NULL, OP_FN, .fn = fn_bn_after_flatten,
     .expect = {": layer 7 (batchnorm2d): expects a (C, H, W) input",
                "(12, 1, 1)"}},
    {"no weighted layer", 0, NULL, OP_FN, .fn = fn_unweighted,
     .expect = {"no conv2d or linear layer"}},
};

static void apply(doc *d, const bcase *c)
{
  mb *m = c->where == TOP     ? &d->top
          : c->where == INPUT ? &d->input
                              : &d->layer[c->where];
  float f[64];
  switch (c->op) {
  case OP_DEL: mb_del(m, c->key); break;
  case OP_INT: mb_int(m, c->key, c->v[0]); break;
  case OP_NUM: mb_num(m, c->key, c->num); break;
  case OP_STR: mb_str(m, c->key, c->str); break;
  case OP_NIL: mb_nil(m, c->key); break;
  case OP_INTS: mb_ints(m, c->key, c->n, c->v); break;
  case OP_FLOATS:
    for (int i = 0; i < 64; i++)
      f[i] = 0.5f;
    if (c->v[1] >= 0)
      f[c->v[1]] = (float)c->num;
    mb_floats(m, c->key, f, (size_t)c->v[0]);
    break;
  case OP_BYTES: mb_bytes(m, c->key, (size_t)c->v[0]); break;
  case OP_DUP: {
    msgpack_packer pk;
    msgpack_packer_init(&pk, mb_slot(m, c->key, 1), msgpack_sbuffer_write);
    msgpack_pack_nil(&pk);
    break;
  }
  case OP_FN: c->fn(d); break;
  }
}

static void test_bad_models(void)
{
  for (size_t k = 0; k < sizeof bad_cases / sizeof bad_cases[0]; k++) {
    const bcase *c = &bad_cases[k];
    doc d;
    doc_default(&d);
    apply(&d, c);
    const char *path = doc_write(&d, "bad.msgpack");
    doc_free(&d);
    static cnn_model dummy;
    cnn_model *m = &dummy; /* the loader must reset it to NULL */
    sim_error_clear();
    int rc = io_model_load(path, &m);
    const char *msg = sim_error_msg();
    CHECK(rc == SIM_EFORMAT, "case '%s': rc %d (%s)", c->name, rc, msg);
    CHECK(m == NULL, "case '%s': model not NULL", c->name);
    if (rc == 0)
      cnn_model_destroy(m);
    CHECK(strncmp(msg, path, strlen(path)) == 0,
          "case '%s': message does not start with the file: %s", c->name, msg);
    for (int i = 0; i < 3 && c->expect[i]; i++)
      CHECK(strstr(msg, c->expect[i]) != NULL,
            "case '%s': message \"%s\" lacks \"%s\"", c->name, msg,
            c->expect[i]);
    if (getenv("MEMSPIKE_TEST_SHOW"))
      printf("\n  %-24s %s", c->name, msg);
  }
}

/* ============================================================ broken bytes */

/* Load bytes p[0..n) as a model; returns the code, checks the message. */
static int load_bytes(const void *p, size_t n, const char *expect)
{
  const char *path = tpath("bytes.msgpack");
  write_bytes(path, p, n);
  cnn_model *m = NULL;
  sim_error_clear();
  int rc = io_model_load(path, &m);
  const char *msg = sim_error_msg();
  CHECK(rc == SIM_EFORMAT && m == NULL, "%zu bytes: rc %d (%s)", n, rc, msg);
  cnn_model_destroy(m);
  CHECK(strstr(msg, path) == msg, "message does not start with the file: %s",
        msg);
  if (expect)
    CHECK(strstr(msg, expect) != NULL, "message \"%s\" lacks \"%s\"", msg,
          expect);
  return rc;
}

static void test_garbage(void)
{
  load_bytes("", 0, "not a memspike model: empty file");
  load_bytes("hello\n", 6, "expected a msgpack map, found byte 0x68 at byte 0");
  const unsigned char arr[] = {0x91, 0x01};
  load_bytes(arr, sizeof arr, "expected a msgpack map, found byte 0x91");
  const unsigned char other[] = {0x81, 0xa1, 'a', 0x01};
  load_bytes(other, sizeof other, "not a memspike model: field 'format' is "
                                  "missing");
  const unsigned char bad[] = {0x81, 0xa1, 'a', 0xc1};
  load_bytes(bad, sizeof bad, "invalid msgpack byte 0xc1 at byte 3");
  /* lengths that claim far more than the file: no huge allocation */
  const unsigned char huge_arr[] = {0x81, 0xa1, 'a', 0xdd, 0xff, 0xff, 0xff,
                                    0xff, 0x00};
  load_bytes(huge_arr, sizeof huge_arr, "truncated at byte 9 (the msgpack "
                                        "value at byte 3 runs past");
  const unsigned char huge_map[] = {0xdf, 0x7f, 0xff, 0xff, 0xff, 0xa1, 'a'};
  load_bytes(huge_map, sizeof huge_map, "truncated at byte 7");
  const unsigned char huge_bin[] = {0x81, 0xa1, 'a', 0xc6, 0xff, 0xff, 0xff,
                                    0xf0, 0x00};
  load_bytes(huge_bin, sizeof huge_bin, "truncated at byte 9");
  /* nesting deeper than any model needs */
  unsigned char deep[64] = {0x81, 0xa1, 'a'};
  for (int i = 3; i < 63; i++)
    deep[i] = 0x91;
  deep[63] = 0x01;
  load_bytes(deep, sizeof deep, "nested more than 16 deep");

  /* a good model with trailing bytes */
  doc d;
  doc_default(&d);
  msgpack_sbuffer sb;
  doc_bytes(&d, &sb);
  doc_free(&d);
  msgpack_sbuffer_write(&sb, "\x01\x02", 2);
  char expect[96];
  snprintf(expect, sizeof expect, "2 bytes of trailing data after the model "
           "map (which ends at byte %zu)", sb.size - 2);
  load_bytes(sb.data, sb.size, expect);
  msgpack_sbuffer_destroy(&sb);

  /* unreadable */
  cnn_model *m = NULL;
  const char *missing = tpath("missing.msgpack");
  CU_ASSERT_EQUAL(io_model_load(missing, &m), SIM_EIO);
  CU_ASSERT_PTR_NULL(m);
  CU_ASSERT_PTR_NOT_NULL(strstr(sim_error_msg(), missing));
  CU_ASSERT_EQUAL(io_model_load(tmpdir, &m), SIM_EIO); /* a directory */
  CU_ASSERT_PTR_NULL(m);
}

/* A model accepted after corruption must still be consistent. */
static void check_consistent(const cnn_model *m)
{
  const uint32_t *prev = m->in;
  int ok = m->nlayers > 0;
  for (uint32_t i = 0; ok && i < m->nlayers; i++) {
    const cnn_layer *L = &m->layers[i];
    ok = memcmp(L->in, prev, sizeof L->in) == 0 &&
         (L->type != CNN_CONV2D ||
          L->nweight == L->out[0] * L->in[0] * L->kh * L->kw) &&
         (L->type != CNN_LINEAR || L->nweight == L->out[0] * L->in[0]);
    for (uint32_t k = 0; ok && L->weight && k < L->nweight; k++)
      ok = isfinite(L->weight[k]);
    prev = L->out;
  }
  CHECK(ok && (uint64_t)prev[0] * prev[1] * prev[2] == m->nclasses,
        "accepted an inconsistent model");
}

static void test_truncated(void)
{
  doc d;
  doc_default(&d);
  msgpack_sbuffer sb;
  doc_bytes(&d, &sb);
  doc_free(&d);
  CU_ASSERT(sb.size > 1000);
  char expect[64];
  for (size_t cut = 0; cut < sb.size; cut++) {
    snprintf(expect, sizeof expect, "truncated at byte %zu ", cut);
    load_bytes(sb.data, cut, cut ? expect : "empty file");
  }
  msgpack_sbuffer_destroy(&sb);
}

static uint32_t xorshift(uint32_t *s)
{
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return *s;
}

static void test_corrupt(void)
{
  doc d;
  doc_default(&d);
  msgpack_sbuffer sb;
  doc_bytes(&d, &sb);
  doc_free(&d);
  unsigned char *buf = malloc(sb.size);
  CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
  const char *path = tpath("corrupt.msgpack");
  uint32_t s = 12345;
  int rejected = 0, accepted = 0, other = 0;
  for (int trial = 0; trial < 4000; trial++) {
    memcpy(buf, sb.data, sb.size);
    int flips = 1 + (int)(xorshift(&s) % 4);
    for (int k = 0; k < flips; k++) {
      size_t at = xorshift(&s) % sb.size;
      if (trial % 2)
        buf[at] ^= (unsigned char)(1u << (xorshift(&s) % 8)); /* one bit */
      else
        buf[at] = (unsigned char)xorshift(&s); /* any byte */
    }
    write_bytes(path, buf, sb.size);
    cnn_model *m = NULL;
    sim_error_clear();
    int rc = io_model_load(path, &m);
    if (rc == 0) {
      accepted++;
      check_consistent(m);
      cnn_model_destroy(m);
    } else if (rc == SIM_EFORMAT && !m &&
               strstr(sim_error_msg(), path) == sim_error_msg()) {
      rejected++;
    } else {
      other++;
    }
  }
  CHECK(other == 0, "%d corrupt files gave another code or message", other);
  CHECK(rejected > 2000, "only %d of 4000 corrupt files rejected", rejected);
  CHECK(accepted > 0, "no corruption of a weight value was accepted");
  if (getenv("MEMSPIKE_TEST_SHOW"))
    printf("\n  %d rejected, %d accepted ", rejected, accepted);
  free(buf);
  msgpack_sbuffer_destroy(&sb);
}

/* ============================================================ IDX */

/* Write an IDX file: magic, the dims, then nbytes of data (value
   (i * 7) % 256 at i); gz: through zlib. */
static void write_idx(const char *path, int gz, uint32_t magic,
                      const uint32_t *dims, int ndims, size_t nbytes)
{
  unsigned char *b = malloc(16 + nbytes);
  CU_ASSERT_PTR_NOT_NULL_FATAL(b);
  size_t n = 0;
  uint32_t words[4] = {magic, dims[0], ndims > 1 ? dims[1] : 0,
                       ndims > 2 ? dims[2] : 0};
  for (int w = 0; w < 1 + ndims; w++)
    for (int k = 24; k >= 0; k -= 8)
      b[n++] = (unsigned char)(words[w] >> k);
  for (size_t i = 0; i < nbytes; i++)
    b[n++] = (unsigned char)(i * 7 % 256);
  if (gz) {
    gzFile f = gzopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(gzwrite(f, b, (unsigned)n), (int)n);
    gzclose(f);
  } else {
    write_bytes(path, b, n);
  }
  free(b);
}

/* io_idx_load must fail with code and a message naming path and expect. */
static void idx_fails(const char *path, int code, const char *expect)
{
  static io_idx dummy;
  io_idx *x = &dummy; /* the loader must reset it to NULL */
  sim_error_clear();
  int rc = io_idx_load(path, &x);
  const char *msg = sim_error_msg();
  CHECK(rc == code && x == NULL, "%s: rc %d (%s)", path, rc, msg);
  if (rc == 0)
    io_idx_destroy(x);
  CHECK(strstr(msg, path) == msg && strstr(msg, expect),
        "message \"%s\" lacks \"%s\"", msg, expect);
}

static void test_idx(void)
{
  const uint32_t img[3] = {3, 4, 5}, lab[1] = {3};
  const char *p = tpath("img.gz");
  write_idx(p, 1, 0x803, img, 3, 60);
  io_idx *x = NULL;
  int rc = io_idx_load(p, &x);
  CHECK(rc == 0, "%d %s", rc, sim_error_msg());
  if (x) {
    CU_ASSERT(x->n == 3 && x->rows == 4 && x->cols == 5);
    int same = 1;
    for (int i = 0; i < 60; i++)
      same &= x->data[i] == (uint8_t)(i * 7 % 256);
    CU_ASSERT(same);
  }
  io_idx_destroy(x);
  io_idx_destroy(NULL);

  p = tpath("labels-plain");
  write_idx(p, 0, 0x801, lab, 1, 3);
  x = NULL;
  rc = io_idx_load(p, &x);
  CHECK(rc == 0, "%d %s", rc, sim_error_msg());
  if (x)
    CU_ASSERT(x->n == 3 && x->rows == 1 && x->cols == 1 && x->data[1] == 7 &&
              x->data[2] == 14);
  io_idx_destroy(x);

  p = tpath("magic.gz");
  write_idx(p, 1, 0x802, img, 3, 60);
  idx_fails(p, SIM_EFORMAT, "header field 'magic' is 0x00000802, expected "
                            "0x00000803 (images) or 0x00000801 (labels)");
  p = tpath("short.gz");
  write_idx(p, 1, 0x803, img, 3, 59);
  idx_fails(p, SIM_EFORMAT, "data: the header announces 3 images of 4x5 (60 "
                            "bytes), the file holds only 59");
  p = tpath("short-labels");
  write_idx(p, 0, 0x801, lab, 1, 2);
  idx_fails(p, SIM_EFORMAT, "3 labels of 1x1 (3 bytes), the file holds only 2");
  p = tpath("trailing.gz");
  write_idx(p, 1, 0x803, img, 3, 63);
  idx_fails(p, SIM_EFORMAT, "data: 3 bytes of trailing data after the 60 "
                            "bytes the header announces");
  p = tpath("trailing-plain");
  write_idx(p, 0, 0x801, lab, 1, 4);
  idx_fails(p, SIM_EFORMAT, "1 bytes of trailing data");
  p = tpath("header.gz");
  write_idx(p, 1, 0x803, (const uint32_t[]){3}, 1, 0); /* no rows, cols */
  idx_fails(p, SIM_EFORMAT, "header field 'rows': the file ends after 8 "
                            "bytes, expected a 16-byte header");
  p = tpath("two-bytes");
  write_bytes(p, "\0\0", 2);
  idx_fails(p, SIM_EFORMAT, "header field 'magic': the file ends after 2 "
                            "bytes");
  p = tpath("rows0.gz");
  write_idx(p, 1, 0x803, (const uint32_t[]){3, 0, 5}, 3, 0);
  idx_fails(p, SIM_EFORMAT, "header field 'rows' is 0");
  /* counts far beyond the data: no allocation of the announced size */
  p = tpath("huge.gz");
  write_idx(p, 1, 0x803, (const uint32_t[]){1u << 28, 8, 8}, 3, 60);
  idx_fails(p, SIM_EFORMAT, "(17179869184 bytes), the file holds only 60");
  p = tpath("toohuge.gz");
  write_idx(p, 1, 0x803, (const uint32_t[]){UINT32_MAX, 65535, 65535}, 3, 0);
  idx_fails(p, SIM_EFORMAT, "more than this reader accepts");
  idx_fails(tpath("missing.gz"), SIM_EIO, "cannot open");

  /* a gzip stream cut in the middle */
  p = tpath("big.gz");
  write_idx(p, 1, 0x803, (const uint32_t[]){100, 28, 28}, 3, 78400);
  FILE *f = fopen(p, "rb");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  unsigned char buf[4096];
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  CU_ASSERT(n > 200 && n < sizeof buf);
  p = tpath("cut.gz");
  write_bytes(p, buf, n / 2);
  idx_fails(p, SIM_EFORMAT, "gzip stream corrupt or cut short");
  buf[n / 2] ^= 0xff; /* corrupt inside the deflate data */
  buf[n / 2 + 1] ^= 0x55;
  p = tpath("flip.gz");
  write_bytes(p, buf, n);
  idx_fails(p, SIM_EFORMAT, "gzip stream corrupt");
}

static void test_idx_set(void)
{
  char dir[400];
  snprintf(dir, sizeof dir, "%s/set", tmpdir);
  CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
  char ip[500], lp[500];
  snprintf(ip, sizeof ip, "%s/t10k-images-idx3-ubyte.gz", dir);
  snprintf(lp, sizeof lp, "%s/t10k-labels-idx1-ubyte.gz", dir);
  const uint32_t img[3] = {3, 4, 5};
  write_idx(ip, 1, 0x803, img, 3, 60);
  write_idx(lp, 1, 0x801, (const uint32_t[]){3}, 1, 3);
  io_idx *im = NULL, *lb = NULL;
  int rc = io_idx_load_set(dir, 0, &im, &lb);
  CHECK(rc == 0, "%d %s", rc, sim_error_msg());
  if (!rc)
    CU_ASSERT(im->n == 3 && lb->n == 3 && im->rows == 4 && lb->rows == 1);
  io_idx_destroy(im);
  io_idx_destroy(lb);

  /* count mismatch */
  write_idx(lp, 1, 0x801, (const uint32_t[]){2}, 1, 2);
  rc = io_idx_load_set(dir, 0, &im, &lb);
  CHECK(rc == SIM_EFORMAT && !im && !lb, "mismatch: %d", rc);
  CHECK(strstr(sim_error_msg(), lp) && strstr(sim_error_msg(), ip) &&
            strstr(sim_error_msg(), "'count' is 2 labels, but") &&
            strstr(sim_error_msg(), "holds 3 images"),
        "mismatch: %s", sim_error_msg());

  /* labels where the images should be */
  write_idx(ip, 1, 0x801, (const uint32_t[]){2}, 1, 2);
  rc = io_idx_load_set(dir, 0, &im, &lb);
  CHECK(rc == SIM_EFORMAT && !im && !lb, "swapped: %d", rc);
  CHECK(strstr(sim_error_msg(), ip) == sim_error_msg() &&
            strstr(sim_error_msg(), "expected 0x00000803 (images)"),
        "swapped: %s", sim_error_msg());

  /* uncompressed train files (no .gz) are found too */
  snprintf(ip, sizeof ip, "%s/train-images-idx3-ubyte", dir);
  snprintf(lp, sizeof lp, "%s/train-labels-idx1-ubyte", dir);
  write_idx(ip, 0, 0x803, img, 3, 60);
  write_idx(lp, 0, 0x801, (const uint32_t[]){3}, 1, 3);
  rc = io_idx_load_set(dir, 1, &im, &lb);
  CHECK(rc == 0, "plain train set: %d %s", rc, sim_error_msg());
  if (!rc)
    CU_ASSERT(im->n == 3 && lb->n == 3 && lb->data[2] == 14);
  io_idx_destroy(im);
  io_idx_destroy(lb);

  snprintf(ip, sizeof ip, "%s/nothing", tmpdir);
  rc = io_idx_load_set(ip, 0, &im, &lb);
  CHECK(rc == SIM_EIO && !im && !lb, "missing dir: %d", rc);
  CHECK(strstr(sim_error_msg(), "t10k-images-idx3-ubyte.gz") != NULL,
        "missing dir: %s", sim_error_msg());
}

#define FASHION_DIR "/usr/share/datasets/fashion-mnist"

/* The real Fashion-MNIST files: 10000 test and 60000 train images of
   28x28, classes balanced (1000 and 6000 of each of 10, as published). */
static void test_fashion_mnist(void)
{
  if (access(FASHION_DIR, R_OK) != 0) {
    test_skip("%s missing: install dataset-fashion-mnist (make deps)", FASHION_DIR);
    return;
  }
  for (int train = 0; train <= 1; train++) {
    io_idx *im = NULL, *lb = NULL;
    int rc = io_idx_load_set(FASHION_DIR, train, &im, &lb);
    CHECK(rc == 0, "%s set: %d %s", train ? "train" : "test", rc,
          sim_error_msg());
    if (rc)
      continue;
    uint32_t n = train ? 60000 : 10000;
    CU_ASSERT(im->n == n && im->rows == 28 && im->cols == 28);
    CU_ASSERT(lb->n == n && lb->rows == 1 && lb->cols == 1);
    uint32_t hist[256] = {0};
    for (uint32_t i = 0; i < lb->n; i++)
      hist[lb->data[i]]++;
    int balanced = 1;
    for (int c = 0; c < 256; c++)
      balanced &= hist[c] == (c < 10 ? n / 10 : 0);
    CU_ASSERT(balanced);
    CU_ASSERT_EQUAL(lb->data[0], 9); /* both sets open with an ankle boot */
    uint64_t sum0 = 0;
    for (int i = 0; i < 784; i++)
      sum0 += im->data[i];
    CU_ASSERT(sum0 > 0);
    io_idx_destroy(im);
    io_idx_destroy(lb);
  }
}

/* ============================================================ register */

int test_model_register(void); /* also in test_suites.h once listed there */

int test_model_register(void)
{
  CU_pSuite s = CU_add_suite("model", suite_init, suite_clean);
  if (!s)
    return -1;
  if (!CU_add_test(s, "round trip: every layer type, shapes filled",
                   test_roundtrip) ||
      !CU_add_test(s, "optional and unknown top-level fields, key order",
                   test_optional) ||
      !CU_add_test(s, "each validation error names file, layer, field",
                   test_bad_models) ||
      !CU_add_test(s, "not msgpack, huge lengths, deep nesting, unreadable",
                   test_garbage) ||
      !CU_add_test(s, "cut at every byte: SIM_EFORMAT", test_truncated) ||
      !CU_add_test(s, "random byte corruption: rejected or consistent",
                   test_corrupt) ||
      !CU_add_test(s, "IDX files: good and bad", test_idx) ||
      !CU_add_test(s, "IDX sets: pairs, counts, plain names", test_idx_set) ||
      !CU_add_test(s, "the real Fashion-MNIST files", test_fashion_mnist))
    return -1;
  return 0;
}
