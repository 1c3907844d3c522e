/*
 * net_model.c: lifetime and names of a CNN description (net_model.h).
 * The description is filled by io/io_model.c (or by hand in tests); this
 * file frees what it owns and names its layer types.
 */
#include "net_model.h"

#include "../core/sim_alloc.h"

static const char *const layer_names[] = {
    [CNN_CONV2D] = "conv2d",       [CNN_BATCHNORM2D] = "batchnorm2d",
    [CNN_RELU] = "relu",           [CNN_AVGPOOL2D] = "avgpool2d",
    [CNN_MAXPOOL2D] = "maxpool2d", [CNN_FLATTEN] = "flatten",
    [CNN_LINEAR] = "linear",       [CNN_DROPOUT] = "dropout",
};
_Static_assert(sizeof layer_names / sizeof layer_names[0] == CNN_LAYER_TYPES,
               "one name per layer type");

const char *cnn_layer_name(cnn_layer_type t)
{
  return (unsigned)t < CNN_LAYER_TYPES ? layer_names[t] : "unknown";
}

void cnn_model_destroy(cnn_model *m)
{
  if (!m)
    return;
  for (uint32_t i = 0; m->layers && i < m->nlayers; i++) {
    cnn_layer *L = &m->layers[i];
    sim_free(L->weight);
    sim_free(L->bias);
    sim_free(L->bn_gamma);
    sim_free(L->bn_beta);
    sim_free(L->bn_mean);
    sim_free(L->bn_var);
  }
  sim_free(m->layers);
  sim_free(m->dataset);
  sim_free(m->path);
  sim_free(m);
}
