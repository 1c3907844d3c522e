/*
 * fixture_format.c: the unit tests' writer of files in the formats under
 * test (fixture_format.h): msgpack model documents through msgpack-c, IDX
 * files plain or through zlib, and their scratch directory.  The only test
 * file that includes those libraries' headers (tools/check_layers.sh lets
 * tests/fixture_*.c do so: fixtures write malformed files in the formats
 * under test, so they use the formats' own libraries).
 */
#include "fixture_format.h"

#include <CUnit/CUnit.h>
#include <dirent.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* ============================================================ scratch files */

const char *fx_path(const char *dir, const char *name)
{
  static char buf[8][400];
  static int k;
  k = (k + 1) % 8;
  snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
  return buf[k];
}

int fx_dir_remove(const char *dir)
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
        fx_dir_remove(p);
      else
        remove(p);
    }
  closedir(d);
  return rmdir(dir);
}

void fx_write_file(const char *path, const void *p, size_t n)
{
  FILE *f = fopen(path, "wb");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  CU_ASSERT_EQUAL(fwrite(p, 1, n, f), n);
  fclose(f);
}

/* ============================================================ map builder */

/* A map under construction: keys in insertion order, each value packed
   already.  An empty value of key "input" or "layers" at the top level
   stands for the doc's input map or layer array. */
#define MB_MAX 16
typedef struct mb_entry {
  char key[32];
  msgpack_sbuffer val;
} mb_entry;
struct fx_map {
  mb_entry e[MB_MAX];
  int n;
};

/* A fresh entry for key (a second one when dup, else replacing). */
static msgpack_sbuffer *mb_slot(fx_map *m, const char *key, int dup)
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

static msgpack_packer mb_packer(fx_map *m, const char *key)
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

void fx_map_del(fx_map *m, const char *key)
{
  for (int i = 0; i < m->n; i++)
    if (strcmp(m->e[i].key, key) == 0) {
      msgpack_sbuffer_destroy(&m->e[i].val);
      memmove(&m->e[i], &m->e[i + 1], (size_t)(m->n - i - 1) * sizeof m->e[0]);
      m->n--;
      return;
    }
}

void fx_map_int(fx_map *m, const char *key, long long v)
{
  msgpack_packer pk = mb_packer(m, key);
  msgpack_pack_int64(&pk, v);
}

void fx_map_num(fx_map *m, const char *key, double v)
{
  msgpack_packer pk = mb_packer(m, key);
  msgpack_pack_double(&pk, v);
}

void fx_map_f32(fx_map *m, const char *key, float v)
{
  msgpack_packer pk = mb_packer(m, key);
  msgpack_pack_float(&pk, v);
}

void fx_map_str(fx_map *m, const char *key, const char *v)
{
  msgpack_packer pk = mb_packer(m, key);
  pack_str(&pk, v);
}

void fx_map_nil(fx_map *m, const char *key)
{
  msgpack_packer pk = mb_packer(m, key);
  msgpack_pack_nil(&pk);
}

void fx_map_ints(fx_map *m, const char *key, int n, const long long *v)
{
  msgpack_packer pk = mb_packer(m, key);
  msgpack_pack_array(&pk, (size_t)n);
  for (int i = 0; i < n; i++)
    msgpack_pack_int64(&pk, v[i]);
}

void fx_map_pair(fx_map *m, const char *key, long long a, long long b)
{
  long long v[2] = {a, b};
  fx_map_ints(m, key, 2, v);
}

void fx_map_floats(fx_map *m, const char *key, const float *v, size_t n)
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

void fx_map_bytes(fx_map *m, const char *key, size_t n)
{
  msgpack_packer pk = mb_packer(m, key);
  char b[1024];
  memset(b, 0x3f, sizeof b);
  msgpack_pack_bin(&pk, n);
  msgpack_pack_bin_body(&pk, b, n);
}

void fx_map_dup_nil(fx_map *m, const char *key)
{
  msgpack_packer pk;
  msgpack_packer_init(&pk, mb_slot(m, key, 1), msgpack_sbuffer_write);
  msgpack_pack_nil(&pk);
}

void fx_map_clear(fx_map *m)
{
  for (int i = 0; i < m->n; i++)
    msgpack_sbuffer_destroy(&m->e[i].val);
  m->n = 0;
}

void fx_map_reverse(fx_map *m)
{
  for (int i = 0, j = m->n - 1; i < j; i++, j--) {
    mb_entry t = m->e[i];
    m->e[i] = m->e[j];
    m->e[j] = t;
  }
}

/* ============================================================ the model doc */

#define MAXL 16
struct fx_doc {
  fx_map top, input;
  fx_map layer[MAXL];
  msgpack_sbuffer raw[MAXL]; /* when not empty, layer i is these bytes */
  int nlayers;
};

static fx_model_params params;

static void fill(float *a, size_t n, unsigned seed)
{
  uint32_t s = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; i++) {
    s = s * 1664525u + 1013904223u;
    a[i] = (float)((s >> 8) / 16777216.0 - 0.5);
  }
}

const fx_model_params *fx_default_params(void)
{
  fx_model_params *p = &params;
  fill(p->conv1_w, 12, 1);
  fill(p->conv1_b, 2, 2);
  fill(p->bn_g, 2, 3);
  fill(p->bn_b, 2, 4);
  fill(p->bn_m, 2, 5);
  fill(p->bn_v, 2, 6);
  for (int i = 0; i < 2; i++)
    p->bn_v[i] += 1.0f; /* variances > 0 */
  fill(p->conv2_w, 54, 7);
  fill(p->lin1_w, 60, 8);
  fill(p->lin1_b, 5, 9);
  fill(p->lin2_w, 15, 10);
  return p;
}

fx_map *fx_doc_top(fx_doc *d) { return &d->top; }
fx_map *fx_doc_input(fx_doc *d) { return &d->input; }
int fx_doc_nlayers(const fx_doc *d) { return d->nlayers; }

fx_map *fx_doc_layer(fx_doc *d, int i) { return &d->layer[i]; }

fx_map *fx_doc_add_layer(fx_doc *d, const char *type)
{
  CU_ASSERT_FATAL(d->nlayers < MAXL);
  fx_map *m = &d->layer[d->nlayers++];
  m->n = 0;
  fx_map_str(m, "type", type);
  return m;
}

fx_doc *fx_doc_create(void)
{
  fx_doc *d = calloc(1, sizeof *d);
  if (!d)
    abort(); /* not an assert: the suites' assert counts stay the tests' own */
  for (int i = 0; i < MAXL; i++)
    msgpack_sbuffer_init(&d->raw[i]);
  const fx_model_params *p = fx_default_params();
  fx_map_str(&d->top, "format", "memspike-model");
  fx_map_int(&d->top, "version", 1);
  mb_slot(&d->top, "input", 0); /* empty: stands for the input map (see mb) */
  fx_map_int(&d->top, "classes", 3);
  fx_map_str(&d->top, "dataset", "fashion-mnist");
  fx_map_num(&d->top, "ann_test_accuracy", 0.875);
  mb_slot(&d->top, "layers", 0); /* empty: stands for the layer array */

  fx_map_ints(&d->input, "shape", 3, (const long long[]){1, 8, 8});
  fx_map_f32(&d->input, "scale", 0.00390625f);
  fx_map_num(&d->input, "mean", 0.286);
  fx_map_int(&d->input, "std", 2);

  fx_map *m = fx_doc_add_layer(d, "conv2d");
  fx_map_int(m, "in_channels", 1);
  fx_map_int(m, "out_channels", 2);
  fx_map_pair(m, "kernel_size", 3, 2);
  fx_map_pair(m, "stride", 1, 1);
  fx_map_pair(m, "padding", 1, 0);
  fx_map_floats(m, "weight", p->conv1_w, 12);
  fx_map_floats(m, "bias", p->conv1_b, 2);
  m = fx_doc_add_layer(d, "batchnorm2d");
  fx_map_int(m, "num_features", 2);
  fx_map_num(m, "eps", 1e-5);
  fx_map_floats(m, "weight", p->bn_g, 2);
  fx_map_floats(m, "bias", p->bn_b, 2);
  fx_map_floats(m, "running_mean", p->bn_m, 2);
  fx_map_floats(m, "running_var", p->bn_v, 2);
  fx_doc_add_layer(d, "relu");
  m = fx_doc_add_layer(d, "avgpool2d");
  fx_map_pair(m, "kernel_size", 2, 2);
  fx_map_pair(m, "stride", 2, 2);
  fx_map_pair(m, "padding", 0, 0);
  m = fx_doc_add_layer(d, "conv2d");
  fx_map_int(m, "in_channels", 2);
  fx_map_int(m, "out_channels", 3);
  fx_map_pair(m, "kernel_size", 3, 3);
  fx_map_pair(m, "stride", 2, 1);
  fx_map_pair(m, "padding", 1, 1);
  fx_map_floats(m, "weight", p->conv2_w, 54);
  fx_map_nil(m, "bias");
  m = fx_doc_add_layer(d, "maxpool2d");
  fx_map_pair(m, "kernel_size", 1, 2);
  fx_map_pair(m, "stride", 1, 1);
  fx_map_pair(m, "padding", 0, 0);
  fx_doc_add_layer(d, "flatten");
  m = fx_doc_add_layer(d, "dropout");
  fx_map_f32(m, "p", 0.25f);
  m = fx_doc_add_layer(d, "linear");
  fx_map_int(m, "in_features", 12);
  fx_map_int(m, "out_features", 5);
  fx_map_floats(m, "weight", p->lin1_w, 60);
  fx_map_floats(m, "bias", p->lin1_b, 5);
  fx_doc_add_layer(d, "relu");
  m = fx_doc_add_layer(d, "linear");
  fx_map_int(m, "in_features", 5);
  fx_map_int(m, "out_features", 3);
  fx_map_floats(m, "weight", p->lin2_w, 15);
  fx_map_nil(m, "bias");
  return d;
}

void fx_doc_destroy(fx_doc *d)
{
  if (!d)
    return;
  fx_map_clear(&d->top);
  fx_map_clear(&d->input);
  for (int i = 0; i < MAXL; i++) {
    fx_map_clear(&d->layer[i]);
    msgpack_sbuffer_destroy(&d->raw[i]);
  }
  free(d);
}

void fx_doc_remove_layer(fx_doc *d, int i)
{
  fx_map_clear(&d->layer[i]);
  memmove(&d->layer[i], &d->layer[i + 1],
          (size_t)(d->nlayers - i - 1) * sizeof d->layer[0]);
  d->nlayers--;
  d->layer[d->nlayers].n = 0;
}

void fx_doc_layer_raw(fx_doc *d, int i, const void *bytes, size_t n)
{
  msgpack_sbuffer_clear(&d->raw[i]);
  msgpack_sbuffer_write(&d->raw[i], bytes, n);
}

static void mb_pack_into(const fx_map *m, msgpack_packer *pk)
{
  msgpack_pack_map(pk, (size_t)m->n);
  for (int i = 0; i < m->n; i++) {
    pack_str(pk, m->e[i].key);
    msgpack_sbuffer_write(pk->data, m->e[i].val.data, m->e[i].val.size);
  }
}

unsigned char *fx_doc_pack(const fx_doc *d, size_t *n)
{
  msgpack_sbuffer out;
  msgpack_sbuffer_init(&out);
  msgpack_packer pk;
  msgpack_packer_init(&pk, &out, msgpack_sbuffer_write);
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
          msgpack_sbuffer_write(&out, d->raw[l].data, d->raw[l].size);
        else
          mb_pack_into(&d->layer[l], &pk);
    } else {
      msgpack_sbuffer_write(&out, e->val.data, e->val.size);
    }
  }
  *n = out.size;
  /* msgpack_sbuffer_release hands over its malloc'd buffer */
  return (unsigned char *)msgpack_sbuffer_release(&out);
}

const char *fx_doc_write(const fx_doc *d, const char *path)
{
  size_t n;
  unsigned char *b = fx_doc_pack(d, &n);
  fx_write_file(path, b, n);
  free(b);
  return path;
}

/* ============================================================ IDX files */

void fx_write_idx(const char *path, int gz, uint32_t magic,
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
    fx_write_file(path, b, n);
  }
  free(b);
}
