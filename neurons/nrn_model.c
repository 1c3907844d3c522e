/*
 * nrn_model.c: the registry of neuron models and sources by config name:
 * adding one is one file plus one line in a table below.
 */
#include "nrn_model.h"
#include "nrn_source.h"

#include <string.h>

extern const nrn_model_ops nrn_iaf_psc_delta_ops;
extern const nrn_model_ops nrn_iaf_psc_exp_ops;
extern const nrn_model_ops nrn_izhikevich_ops;
extern const nrn_model_ops nrn_if_soft_reset_ops;
extern const nrn_model_ops nrn_parrot_neuron_ops;
extern const nrn_model_ops nrn_hnno_neuron_ops;

static const nrn_model_ops *const models[] = {
    &nrn_iaf_psc_delta_ops,
    &nrn_iaf_psc_exp_ops,
    &nrn_izhikevich_ops,
    &nrn_if_soft_reset_ops,
    &nrn_parrot_neuron_ops,
    &nrn_hnno_neuron_ops,
};

const nrn_model_ops *nrn_model_find(const char *name)
{
  for (size_t i = 0; i < sizeof models / sizeof models[0]; i++)
    if (strcmp(models[i]->name, name) == 0)
      return models[i];
  return NULL;
}

const char *nrn_model_names(void)
{
  static char buf[512];
  if (!buf[0]) {
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
      if (i)
        strncat(buf, ", ", sizeof buf - strlen(buf) - 1);
      strncat(buf, models[i]->name, sizeof buf - strlen(buf) - 1);
    }
  }
  return buf;
}


/* ------------------------------------------------------------------ */
/* Sources                                                              */

static const sim_source_ops *const sources[] = {
    &nrn_poisson_generator_ops,
    &nrn_spike_generator_ops,
};

const sim_source_ops *nrn_source_find(const char *name)
{
  for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++)
    if (strcmp(sources[i]->name, name) == 0)
      return sources[i];
  return NULL;
}

const char *nrn_source_names(void)
{
  static char buf[256];
  if (!buf[0]) {
    for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++) {
      if (i)
        strncat(buf, ", ", sizeof buf - strlen(buf) - 1);
      strncat(buf, sources[i]->name, sizeof buf - strlen(buf) - 1);
    }
  }
  return buf;
}
