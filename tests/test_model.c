/*
 * test_model.c: CUnit suite of the CNN model loader (io_model).
 *
 * Model files are made from a document of fixture_format.h: a known-good
 * model (every layer type, non-square kernels and strides) in which a test
 * can change, drop or add any field and check the loader's verdict.
 * Everything lives in one mkdtemp directory that the suite removes at the
 * end.  (The IDX reader's suite is test_idx.c.)
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_error.h"
#include "../io/io_model.h"
#include "fixture_format.h"
#include "test_suites.h"

/* ============================================================ fixtures */

static char tmpdir[64];

static const char *tpath(const char *name) { return fx_path(tmpdir, name); }

static int suite_init(void)
{
  strcpy(tmpdir, "/tmp/memspike_test_model_XXXXXX");
  return mkdtemp(tmpdir) ? 0 : -1;
}

static int suite_clean(void) { return fx_dir_remove(tmpdir); }

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
  const fx_model_params *P = fx_default_params();
  fx_doc *d = fx_doc_create();
  const char *path = fx_doc_write(d, tpath("good.msgpack"));
  cnn_model *m = NULL;
  sim_error_clear();
  int rc = io_model_load(path, &m);
  CHECK(rc == 0, "load: %d %s", rc, sim_error_msg());
  fx_doc_destroy(d);
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
  CU_ASSERT(floats_equal(L[0].weight, P->conv1_w, 12));
  CU_ASSERT(floats_equal(L[0].bias, P->conv1_b, 2));
  CU_ASSERT_DOUBLE_EQUAL(L[1].bn_eps, 1e-5, 0);
  CU_ASSERT(floats_equal(L[1].bn_gamma, P->bn_g, 2));
  CU_ASSERT(floats_equal(L[1].bn_beta, P->bn_b, 2));
  CU_ASSERT(floats_equal(L[1].bn_mean, P->bn_m, 2));
  CU_ASSERT(floats_equal(L[1].bn_var, P->bn_v, 2));
  CU_ASSERT(L[3].kh == 2 && L[3].kw == 2 && L[3].sh == 2 && L[3].sw == 2 &&
            L[3].ph == 0 && L[3].pw == 0);
  CU_ASSERT(L[4].kh == 3 && L[4].kw == 3 && L[4].sh == 2 && L[4].sw == 1 &&
            L[4].ph == 1 && L[4].pw == 1);
  CU_ASSERT_EQUAL(L[4].nweight, 54);
  CU_ASSERT(floats_equal(L[4].weight, P->conv2_w, 54));
  CU_ASSERT_PTR_NULL(L[4].bias);
  CU_ASSERT(L[5].kh == 1 && L[5].kw == 2 && L[5].sh == 1 && L[5].sw == 1);
  CU_ASSERT_DOUBLE_EQUAL(L[7].dropout_p, 0.25, 0);
  CU_ASSERT_EQUAL(L[8].nweight, 60);
  CU_ASSERT(floats_equal(L[8].weight, P->lin1_w, 60));
  CU_ASSERT(floats_equal(L[8].bias, P->lin1_b, 5));
  CU_ASSERT_EQUAL(L[10].nweight, 15);
  CU_ASSERT(floats_equal(L[10].weight, P->lin2_w, 15));
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
  const fx_model_params *P = fx_default_params();
  fx_doc *d = fx_doc_create();
  fx_map_del(fx_doc_top(d), "dataset");
  fx_map_nil(fx_doc_top(d), "ann_test_accuracy");
  fx_map_str(fx_doc_top(d), "exported_by", "a newer tool"); /* unknown: ignored */
  /* reverse the key order of the top map and of layer 0 */
  fx_map_reverse(fx_doc_top(d));
  fx_map_reverse(fx_doc_layer(d, 0));
  const char *path = fx_doc_write(d, tpath("optional.msgpack"));
  cnn_model *m = NULL;
  int rc = io_model_load(path, &m);
  CHECK(rc == 0, "load: %d %s", rc, sim_error_msg());
  if (m) {
    CU_ASSERT_PTR_NULL(m->dataset);
    CU_ASSERT_DOUBLE_EQUAL(m->ann_accuracy, -1, 0);
    CU_ASSERT(floats_equal(m->layers[0].weight, P->conv1_w, 12));
  }
  cnn_model_destroy(m);
  fx_doc_destroy(d);

  /* flatten + one linear layer on a (2, 3, 1) input, integer numbers */
  d = fx_doc_create();
  while (fx_doc_nlayers(d))
    fx_doc_remove_layer(d, 0);
  fx_map_ints(fx_doc_input(d), "shape", 3, (const long long[]){2, 3, 1});
  fx_map_int(fx_doc_input(d), "scale", 1);
  fx_map_int(fx_doc_input(d), "mean", -1);
  fx_map_del(fx_doc_top(d), "dataset");
  fx_map_del(fx_doc_top(d), "ann_test_accuracy");
  fx_map_int(fx_doc_top(d), "classes", 2);
  fx_doc_add_layer(d, "flatten");
  fx_map *l = fx_doc_add_layer(d, "linear");
  fx_map_int(l, "in_features", 6);
  fx_map_int(l, "out_features", 2);
  fx_map_floats(l, "weight", P->lin1_w, 12);
  fx_map_floats(l, "bias", P->lin1_b, 2);
  path = fx_doc_write(d, tpath("mlp.msgpack"));
  rc = io_model_load(path, &m);
  CHECK(rc == 0, "load: %d %s", rc, sim_error_msg());
  if (m) {
    CU_ASSERT_DOUBLE_EQUAL(m->input_mean, -1, 0);
    CU_ASSERT(shape_is(m->layers[0].out, 6, 1, 1));
    CU_ASSERT(shape_is(m->layers[1].in, 6, 1, 1));
    CU_ASSERT(shape_is(m->layers[1].out, 2, 1, 1));
    CU_ASSERT(floats_equal(m->layers[1].bias, P->lin1_b, 2));
  }
  cnn_model_destroy(m);
  fx_doc_destroy(d);
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
  void (*fn)(fx_doc *d);
  const char *expect[3];
} bcase;

static void fn_no_layers(fx_doc *d)
{
  while (fx_doc_nlayers(d))
    fx_doc_remove_layer(d, 0);
}

static void fn_no_flatten(fx_doc *d) { fx_doc_remove_layer(d, 6); }

static void fn_bn_after_flatten(fx_doc *d)
{
  fx_map *m = fx_doc_layer(d, 7);
  fx_map_clear(m);
  fx_map_str(m, "type", "batchnorm2d");
  fx_map_int(m, "num_features", 12);
  fx_map_num(m, "eps", 1e-5);
  float one[12];
  for (int i = 0; i < 12; i++)
    one[i] = 1;
  fx_map_floats(m, "weight", one, 12);
  fx_map_floats(m, "bias", one, 12);
  fx_map_floats(m, "running_mean", one, 12);
  fx_map_floats(m, "running_var", one, 12);
}

static void fn_unweighted(fx_doc *d)
{
  fn_no_layers(d);
  fx_doc_add_layer(d, "relu");
  fx_doc_add_layer(d, "flatten");
  fx_map_int(fx_doc_top(d), "classes", 64);
}

/* layer 2 is the integer 7 */
static void fn_layer_not_map(fx_doc *d)
{
  fx_doc_layer_raw(d, 2, "\x07", 1);
}

/* layer 2 is {"type": "relu", 5: 1} */
static void fn_int_key(fx_doc *d)
{
  static const unsigned char map[] = {0x82, 0xa4, 't', 'y', 'p', 'e',
                                      0xa4, 'r',  'e', 'l', 'u', 0x05, 0x01};
  fx_doc_layer_raw(d, 2, map, sizeof map);
}

static void fn_layers_map(fx_doc *d) { fx_map_int(fx_doc_top(d), "layers", 3); }

static void fn_input_int(fx_doc *d) { fx_map_int(fx_doc_top(d), "input", 3); }

static void fn_shape_pair(fx_doc *d) { fx_map_pair(fx_doc_input(d), "shape", 8, 8); }

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

static void apply(fx_doc *d, const bcase *c)
{
  fx_map *m = c->where == TOP     ? fx_doc_top(d)
              : c->where == INPUT ? fx_doc_input(d)
                                  : fx_doc_layer(d, c->where);
  float f[64];
  switch (c->op) {
  case OP_DEL: fx_map_del(m, c->key); break;
  case OP_INT: fx_map_int(m, c->key, c->v[0]); break;
  case OP_NUM: fx_map_num(m, c->key, c->num); break;
  case OP_STR: fx_map_str(m, c->key, c->str); break;
  case OP_NIL: fx_map_nil(m, c->key); break;
  case OP_INTS: fx_map_ints(m, c->key, c->n, c->v); break;
  case OP_FLOATS:
    for (int i = 0; i < 64; i++)
      f[i] = 0.5f;
    if (c->v[1] >= 0)
      f[c->v[1]] = (float)c->num;
    fx_map_floats(m, c->key, f, (size_t)c->v[0]);
    break;
  case OP_BYTES: fx_map_bytes(m, c->key, (size_t)c->v[0]); break;
  case OP_DUP: fx_map_dup_nil(m, c->key); break;
  case OP_FN: c->fn(d); break;
  }
}

static void test_bad_models(void)
{
  for (size_t k = 0; k < sizeof bad_cases / sizeof bad_cases[0]; k++) {
    const bcase *c = &bad_cases[k];
    fx_doc *d = fx_doc_create();
    apply(d, c);
    const char *path = fx_doc_write(d, tpath("bad.msgpack"));
    fx_doc_destroy(d);
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
  fx_write_file(path, p, n);
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
  fx_doc *d = fx_doc_create();
  size_t n;
  unsigned char *img = fx_doc_pack(d, &n);
  fx_doc_destroy(d);
  unsigned char *buf = realloc(img, n + 2);
  if (!buf)
    abort(); /* out of memory in a test: no assert, the count stays as it was */
  memcpy(buf + n, "\x01\x02", 2);
  char expect[96];
  snprintf(expect, sizeof expect, "2 bytes of trailing data after the model "
           "map (which ends at byte %zu)", n);
  load_bytes(buf, n + 2, expect);
  free(buf);

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
  fx_doc *d = fx_doc_create();
  size_t size;
  unsigned char *img = fx_doc_pack(d, &size);
  fx_doc_destroy(d);
  CU_ASSERT(size > 1000);
  char expect[64];
  for (size_t cut = 0; cut < size; cut++) {
    snprintf(expect, sizeof expect, "truncated at byte %zu ", cut);
    load_bytes(img, cut, cut ? expect : "empty file");
  }
  free(img);
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
  fx_doc *d = fx_doc_create();
  size_t size;
  unsigned char *img = fx_doc_pack(d, &size);
  fx_doc_destroy(d);
  unsigned char *buf = malloc(size);
  CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
  const char *path = tpath("corrupt.msgpack");
  uint32_t s = 12345;
  int rejected = 0, accepted = 0, other = 0;
  for (int trial = 0; trial < 4000; trial++) {
    memcpy(buf, img, size);
    int flips = 1 + (int)(xorshift(&s) % 4);
    for (int k = 0; k < flips; k++) {
      size_t at = xorshift(&s) % size;
      if (trial % 2)
        buf[at] ^= (unsigned char)(1u << (xorshift(&s) % 8)); /* one bit */
      else
        buf[at] = (unsigned char)xorshift(&s); /* any byte */
    }
    fx_write_file(path, buf, size);
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
  free(img);
}

/* ============================================================ register */

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
                   test_corrupt))
    return -1;
  return 0;
}

