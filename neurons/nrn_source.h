/*
 * nrn_source.h: the spike sources of neurons/ (kernel interface:
 * core/sim_source.h), their parameters, and the registry by config name.
 * Units are NEST's: rates in Hz, times in ms.
 */
#ifndef NRN_SOURCE_H
#define NRN_SOURCE_H

#include <stdint.h>

#include "../core/sim_source.h"

/* poisson_generator: an independent train per target synapse. */
typedef struct nrn_poisson_param {
  double rate_hz;           /* per train */
  double start_ms, stop_ms; /* emits in (start, stop]; stop may be +inf */
} nrn_poisson_param;

/* spike_generator: every generator emits at the given times. */
typedef struct nrn_spike_gen_param {
  const double *times_ms;   /* owned (param_fini frees), ascending */
  uint32_t ntimes;
} nrn_spike_gen_param;

extern const sim_source_ops nrn_poisson_generator_ops;
extern const sim_source_ops nrn_spike_generator_ops;

/* Source by config name, or NULL. */
const sim_source_ops *nrn_source_find(const char *name);
/* Comma-separated list of the known source names (static buffer). */
const char *nrn_source_names(void);

#endif
