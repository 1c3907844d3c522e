/*
 * nrn_model.h: the registry of neuron models and sources by name.  The ops
 * tables themselves are the kernel's (core/sim_neuron.h, core/sim_source.h);
 * each model is one file in neurons/ plus one line in nrn_model.c.
 */
#ifndef NRN_MODEL_H
#define NRN_MODEL_H

#include <stdint.h>

#include "../core/sim_names.h"
#include "../core/sim_rng.h"
#include "../core/sim_neuron.h"
#include "../core/sim_source.h"
#include "../core/sim_types.h"

#define NRN_MAX_PORTS SIM_MAX_PORTS
typedef sim_neuron_ops nrn_model_ops;  /* the names neurons/ has always used */
typedef sim_update_ctx nrn_update_ctx;

/* Model by config name, or NULL. */
const nrn_model_ops *nrn_model_find(const char *name);
/* Comma-separated list of the known model names (static buffer). */
const char *nrn_model_names(void);

#endif
