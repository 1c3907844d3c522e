/*
 * io_model.h: the loader of a trained rate-coded CNN (docs/model-format.md),
 * as exported from PyTorch by tools/export_torch.py, into the description
 * of network/net_model.h, and of IDX data sets (MNIST and Fashion-MNIST,
 * gzip-compressed).  The loader checks everything (known
 * layer types, shapes that chain, sizes, finite values) and names what is
 * wrong: file, layer index and type, field, what was expected.
 */
#ifndef IO_MODEL_H
#define IO_MODEL_H

#include <stdint.h>

#include "../network/net_model.h"

#define IO_MODEL_FORMAT "memspike-model" /* value of the "format" key */
#define IO_MODEL_VERSION 1               /* the version this reader reads */

/* Load and validate a model file.  Returns 0 and *out (caller owns; free
   with cnn_model_destroy, network/net_model.h), SIM_EIO if unreadable, SIM_EFORMAT with a
   message "FILE: layer K (conv2d): field 'weight': expected 288 float32
   values (1152 bytes), got 576 bytes" style for anything wrong (layers are
   counted from 0, as in the file's "layers" array).  On failure *out is
   NULL. */
int io_model_load(const char *path, cnn_model **out /* OUT */);

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
