/*
 * nrn_parrot.c: NEST's parrot_neuron: fires at every tick in which it
 * receives input (of any weight), and does nothing else.  It turns a
 * poisson_generator's per-target trains into spikes that pass plastic
 * synapses, as NEST's STDP examples do.  Several input spikes in one tick
 * give one spike (NEST sends one spike with that multiplicity).
 * Stateless and without parameters: every method but update is NULL.
 */
#include "nrn_model.h"

static const char *const param_names[] = {NULL};
static const char *const var_names[] = {NULL};

static void parrot_update(nrn_update_ctx *ctx, sim_time t, const uint32_t *idx, uint32_t n)
{
  double *in = ctx->in[0];
  (void)t;
  for (uint32_t k = 0; k < n; k++) {
    uint32_t i = idx[k];
    if (in[i] != 0)
      ctx->spikes[ctx->nspikes++] = i;
    in[i] = 0;
    ctx->next[k] = SIM_NEVER;
  }
}

const nrn_model_ops nrn_parrot_neuron_ops = {
    .name = "parrot_neuron",
    .summary = "repeats its input spikes (to put Poisson trains on plastic synapses)",
    .state_size = 1,
    .param_size = 0,
    .nports = 1,
    .per_tick = 0,
    .port_by_sign = 0,
    .param_names = param_names,
    .var_names = var_names,
    .update = parrot_update,
};
