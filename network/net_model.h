/*
 * net_model.h: a trained rate-coded CNN as a plain in-memory description
 * (docs/model-format.md): what io/io_model.c fills from a model file and
 * what the converter (net_cnn) consumes.  Nothing here reads a file.
 *
 * A cnn_model that io_model_load returned is consistent: known layer
 * types, shapes that chain from `in` through every layer, weight arrays of
 * the sizes the shapes call for, finite values.  Code that builds one by
 * hand (tests) must keep the same invariants.
 */
#ifndef NET_MODEL_H
#define NET_MODEL_H

#include <stdint.h>

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

/* Number of layer types: cnn_layer_type runs from 0 to this - 1. */
#define CNN_LAYER_TYPES 8

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
  /* relu: a QCFS activation (Bu et al., ICLR 2022) when levels > 0:
     y = clip * clamp(floor(x levels / clip + 1/2) / levels, 0, 1) */
  double clip;
  uint32_t levels;          /* 0: a plain ReLU */
} cnn_layer;

/* Every pointer is owned by the model and allocated with sim_malloc and
   friends (core/sim_alloc.h), so that cnn_model_destroy frees it. */
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

/* Free m and everything it owns; NULL is a no-op. */
void cnn_model_destroy(cnn_model *m);

/* Name of a layer type as model files spell it ("conv2d", ...);
   "unknown" out of range. */
const char *cnn_layer_name(cnn_layer_type t);

#endif
