/*
 * nrn_parrot.c: NEST's parrot_neuron: repeats every spike that arrives on
 * receptor 0, whatever its weight, and does nothing else.  It turns a
 * poisson_generator's per-target trains into spikes that pass plastic
 * synapses, as NEST's STDP examples do.  k spikes arriving in one tick
 * give one spike of multiplicity k (NEST), which the engine delivers and
 * records as k spikes.  Spikes on receptor 1 are not repeated: NEST's STDP
 * set-ups connect a post-synaptic parrot's plastic input there, so that the
 * parrot fires only when told to while the plastic synapse still sees its
 * post-synaptic spikes.
 * Stateless and without parameters: every method but update is NULL.
 */
#include "nrn_model.h"

static const char *const param_names[] = {NULL};
static const char *const var_names[] = {NULL};

static void parrot_update(nrn_update_ctx *ctx, sim_time t, const uint32_t *idx, uint32_t n)
{
  double *in = ctx->in[0], *ignored = ctx->in[1];
  (void)t;
  for (uint32_t k = 0; k < n; k++) {
    uint32_t i = idx[k];
    /* counts_input: in[i] is the number of spikes on receptor 0. */
    if (in[i] >= 1) {
      ctx->mult[ctx->nspikes] = (uint32_t)in[i];
      ctx->spikes[ctx->nspikes++] = i;
    }
    in[i] = 0;
    ignored[i] = 0;
    ctx->next[k] = SIM_NEVER;
  }
}

const nrn_model_ops nrn_parrot_neuron_ops = {
    .name = "parrot_neuron",
    .summary = "repeats its input spikes (to put Poisson trains on plastic synapses)",
    .state_size = 1,
    .param_size = 0,
    .nports = 2,             /* receptor 0: repeated; receptor 1: not */
    .per_tick = 0,
    .port_by_sign = 0,
    .counts_input = 1,
    .nreceptors = 2,
    .param_names = param_names,
    .var_names = var_names,
    .state_records = 1, /* checkpoints: core/sim_ckpt.h */
    .update = parrot_update,
};
