/*
 * io_model.h: the loader of a trained rate-coded CNN (docs/model-format.md),
 * as exported from PyTorch by tools/export_torch.py, into the description
 * of network/net_model.h.  It checks everything (known layer types, shapes
 * that chain, sizes, finite values) and names what is wrong: file, layer
 * index and type, field, what was expected.
 */
#ifndef IO_MODEL_H
#define IO_MODEL_H

#include "../network/net_model.h"

#define IO_MODEL_FORMAT "memspike-model" /* value of the "format" key */
#define IO_MODEL_VERSION 1               /* the version this reader reads */

/* Load and validate a model file.  Returns 0 and *out (caller owns; free
   with cnn_model_destroy), SIM_EIO if unreadable, SIM_EFORMAT with a
   message "FILE: layer K (conv2d): field 'weight': expected 288 float32
   values (1152 bytes), got 576 bytes" style for anything wrong (layers are
   counted from 0, as in the file's "layers" array).  On failure *out is
   NULL. */
int io_model_load(const char *path, cnn_model **out /* OUT */);

#endif
