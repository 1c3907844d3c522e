/*
 * io_model.h: a trained rate-coded CNN (docs/model-format.md), as exported
 * from PyTorch by tools/export_torch.py, and IDX data sets (MNIST and
 * Fashion-MNIST, gzip-compressed).  The loader checks everything (known
 * layer types, shapes that chain, sizes, finite values) and names what is
 * wrong: file, layer index and type, field, what was expected.
 */
#ifndef IO_MODEL_H
#define IO_MODEL_H

#include <stdint.h>

#define IO_MODEL_FORMAT "memspike-model" /* value of the "format" key */
#define IO_MODEL_VERSION 1               /* the version this reader reads */

typedef enum cnn_layer_type {
  CNN_CONV2D = 0,
  CNN_BATCHNORM2D,
  CNN_RELU,
  CNN_AVGPOOL2D,
  CNN_MAXPOOL2D,
  CNN_FLATTEN,
  CNN_LINEAR,
  CNN_DROPOUT
} cnn_layer_type;

/* One layer.  Shapes are (channels, height, width); a linear layer's
   input and output are (features, 1, 1). */
typedef struct cnn_layer {
  cnn_layer_type type;
  uint32_t in[3], out[3];   /* shapes, filled and checked by the loader */
  /* conv2d: weight [out_ch][in_ch][kh][kw]; pools: kernel, stride, pad */
  uint32_t kh, kw, sh, sw, ph, pw;
  /* conv2d / linear: weight (linear: [out][in], row-major), bias or NULL */
  float *weight, *bias;     /* owned */
  uint32_t nweight;         /* floats in weight */
  /* batchnorm2d: per channel */
  float *bn_gamma, *bn_beta, *bn_mean, *bn_var; /* owned */
  double bn_eps;
  double dropout_p;         /* dropout: ignored at inference */
} cnn_layer;

typedef struct cnn_model {
  char *path;               /* owned: the file, for messages */
  uint32_t in[3];           /* input shape (1, 28, 28) */
  double input_scale;       /* raw pixel (0..255) * scale, then (x - mean) / std */
  double input_mean, input_std;
  uint32_t nclasses;
  cnn_layer *layers;        /* owned */
  uint32_t nlayers;
  double ann_accuracy;      /* test accuracy recorded at export, or -1 */
  char *dataset;            /* owned: "dataset" of the file, or NULL */
} cnn_model;

/* Load and validate a model file.  Returns 0 and *out (caller owns; free
   with cnn_model_destroy), SIM_EIO if unreadable, SIM_EFORMAT with a
   message "FILE: layer K (conv2d): field 'weight': expected 288 float32
   values (1152 bytes), got 576 bytes" style for anything wrong (layers are
   counted from 0, as in the file's "layers" array).  On failure *out is
   NULL. */
int io_model_load(const char *path, cnn_model **out /* OUT */);
void cnn_model_destroy(cnn_model *m);
const char *cnn_layer_name(cnn_layer_type t); /* "conv2d", ... */

/* An IDX file (gzip or plain): images [n][rows][cols] of uint8, or labels
   [n] of uint8. */
typedef struct io_idx {
  uint32_t n, rows, cols;   /* rows = cols = 1 for labels */
  uint8_t *data;            /* owned, n * rows * cols */
} io_idx;

/* Read an IDX file (magic 0x00000803 images or 0x00000801 labels), via
   zlib.  Errors name the file and what is wrong (SIM_EFORMAT, SIM_EIO). */
int io_idx_load(const char *path, io_idx **out /* OUT */);
void io_idx_destroy(io_idx *x);

/* Load DIR/t10k-images-idx3-ubyte.gz and DIR/t10k-labels-idx1-ubyte.gz
   (train = 0) or the train-* pair (train = 1), checking that the first
   holds images, the second labels, and the counts agree.  A name without
   ".gz" is used when only that file exists.  On failure both are NULL. */
int io_idx_load_set(const char *dir, int train, io_idx **images, io_idx **labels);

#endif
