/*
 * fixture_format.h: files in the formats under test, for the unit tests.
 * A model document (msgpack, read by io_model) that a test can change
 * field by field before writing it, IDX files plain or gzipped (io_idx),
 * and the scratch directory they are written into.  The formats' own
 * libraries (msgpack-c, zlib) stay inside fixture_format.c: this header
 * needs neither, so test files include no third-party header but CUnit.
 */
#ifndef FIXTURE_FORMAT_H
#define FIXTURE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* ============================================================ scratch files */

/* dir/name in one of 8 rotating static buffers (valid for 8 more calls). */
const char *fx_path(const char *dir, const char *name);

/* Remove every file and directory under dir, then dir; 0 or -1. */
int fx_dir_remove(const char *dir);

/* Write p[0..n) to path (a CUnit failure if it cannot; fatal if it cannot
   be opened). */
void fx_write_file(const char *path, const void *p, size_t n);

/* ============================================================ model documents */

/* A msgpack model file under construction: a top-level map, the "input"
   map and one map per layer, keys in insertion order.  Opaque. */
typedef struct fx_doc fx_doc;
/* One map of a doc (top level, input or a layer); borrowed from the doc,
   valid until the doc is destroyed or the layer removed. */
typedef struct fx_map fx_map;

/* The default model's parameters: deterministic values in (-0.5, 0.5)
   (the batch-norm variances shifted by +1 so they are > 0). */
typedef struct fx_model_params {
  float conv1_w[12], conv1_b[2], bn_g[2], bn_b[2], bn_m[2], bn_v[2];
  float conv2_w[54], lin1_w[60], lin1_b[5], lin2_w[15];
} fx_model_params;

/* The parameters that fx_doc_create puts in the default model. */
const fx_model_params *fx_default_params(void);

/* A known-good model: input (1, 8, 8); every layer type; kernels and
   strides not square:
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
   (scale, p), float64 (mean, eps) and integers (std).  Top-level keys:
   format, version, input, classes, dataset, ann_test_accuracy, layers.
   Caller owns; free with fx_doc_destroy. */
fx_doc *fx_doc_create(void);
void fx_doc_destroy(fx_doc *d); /* NULL: no-op */

fx_map *fx_doc_top(fx_doc *d);
fx_map *fx_doc_input(fx_doc *d);
fx_map *fx_doc_layer(fx_doc *d, int i); /* 0 <= i < 16 */
int fx_doc_nlayers(const fx_doc *d);
/* Append a layer map holding only "type" = type. */
fx_map *fx_doc_add_layer(fx_doc *d, const char *type);
void fx_doc_remove_layer(fx_doc *d, int i);
/* Layer i is written as these n bytes of msgpack instead of its map. */
void fx_doc_layer_raw(fx_doc *d, int i, const void *bytes, size_t n);

/* The doc as a msgpack file image of *n bytes; caller owns; free(). */
unsigned char *fx_doc_pack(const fx_doc *d, size_t *n /* OUT */);
/* Write the doc to path; returns path. */
const char *fx_doc_write(const fx_doc *d, const char *path);

/* Set key of map m (replacing its value, or appended when new).  A value
   given to "input" or "layers" of the top map replaces the doc's input
   map or layer array. */
void fx_map_int(fx_map *m, const char *key, long long v);
void fx_map_num(fx_map *m, const char *key, double v);   /* float64 */
void fx_map_f32(fx_map *m, const char *key, float v);    /* float32 */
void fx_map_str(fx_map *m, const char *key, const char *v);
void fx_map_nil(fx_map *m, const char *key);
void fx_map_ints(fx_map *m, const char *key, int n, const long long *v);
void fx_map_pair(fx_map *m, const char *key, long long a, long long b);
/* A BIN of n little-endian float32 values. */
void fx_map_floats(fx_map *m, const char *key, const float *v, size_t n);
/* A BIN of n <= 1024 bytes (0x3f each: not a multiple of 4 makes it no
   array). */
void fx_map_bytes(fx_map *m, const char *key, size_t n);
/* A second entry for key (nil), after the first. */
void fx_map_dup_nil(fx_map *m, const char *key);
void fx_map_del(fx_map *m, const char *key);   /* absent key: no-op */
void fx_map_clear(fx_map *m);                  /* drop every key */
void fx_map_reverse(fx_map *m);                /* reverse the key order */

/* ============================================================ IDX files */

/* Write an IDX file: magic, dims[0..ndims) (ndims <= 3), then nbytes of
   data (value (i * 7) % 256 at i); gz: through zlib. */
void fx_write_idx(const char *path, int gz, uint32_t magic,
                  const uint32_t *dims, int ndims, size_t nbytes);

#endif
