/*
 * convert_energy.c: the energy step of `memspike convert` (conv_energy,
 * convert.h): per-layer counts at each reported step count, energy per
 * layer and implementation (network/net_energy.c), the crossover in
 * spikes per synapse, and the --replicate sweep.
 *
 * The crossover: the SNN's energy is affine in its spike counts (every
 * spike-dependent term of docs/energy.md is a count times a constant), so
 * with every layer's counts scaled by one factor a from the measured ones,
 * E_snn(a) = E_0 + a (E_1 - E_0), E_0 the energy with no spike (neuron
 * updates, state traffic, the analog first layer), E_1 the measured one.
 * It equals the ANN's on the same substrate at a* = (E_ann - E_0) / (E_1 -
 * E_0), i.e. at a* times the measured spikes per synapse (synops / MACs:
 * the mean number of spikes that cross one synapse of the unrolled network
 * per inference).  E_ann <= E_0: never.
 */
#include <stdio.h>
#include <string.h>

#include "../core/sim_error.h"
#include "convert.h"

/* Layer stats of checkpoint k, measured, or scaled from the whole run
   (the largest step count) when nothing was measured per checkpoint. */
static uint32_t layers_at(const cnn_snn *s, const conv_result *r, uint32_t k, uint32_t T,
                          uint32_t tmax, int measured, net_layer_stats *out)
{
  uint32_t n = cnn_layer_stats(s, &r->ideal.stats, r->images, T, measured ? (int)k : -1, out,
                               CONV_MAX_LAYERS);
  if (!measured) {
    double f = (double)T / tmax;
    for (uint32_t q = 0; q < n; q++)
      out[q].in_spikes *= f, out[q].synops *= f, out[q].out_spikes *= f;
  }
  return n;
}

static void energy_of(const net_energy_param *p, const net_layer_stats *l, uint32_t n,
                      net_energy per[][NET_IMPL_COUNT], net_energy *total)
{
  memset(total, 0, NET_IMPL_COUNT * sizeof *total);
  for (uint32_t q = 0; q < n; q++)
    for (int im = 0; im < NET_IMPL_COUNT; im++) {
      net_energy e;
      net_energy_layer(p, &l[q], im, &e);
      if (per)
        per[q][im] = e;
      net_energy_add(&total[im], &e);
    }
}

/* The SNN's total with every spike count of l times f. */
static void energy_scaled(const net_energy_param *p, const net_layer_stats *l, uint32_t n,
                          double f, net_energy *total)
{
  net_layer_stats z[CONV_MAX_LAYERS];
  memcpy(z, l, n * sizeof *z);
  for (uint32_t q = 0; q < n; q++)
    z[q].in_spikes *= f, z[q].synops *= f, z[q].out_spikes *= f;
  energy_of(p, z, n, NULL, total);
}

void conv_energy(const conv_args *a, const conv_inputs *in, const cnn_snn *s, conv_result *r)
{
  r->neurons = 0;
  for (uint32_t k = 0; k < r->ideal.stats.nstages; k++)
    r->neurons += r->ideal.stats.neurons[k];
  net_energy_param p = *in->energy;
  if (a->nreplicate)
    p.crossbar_replication = a->replicate[0];
  const uint32_t T = conv_energy_steps(a, &r->ideal), tmax = a->steps[a->nsteps - 1];
  r->energy_steps = T;
  r->measured = r->ideal.stats.nck >= a->nsteps && a->nsteps <= 16;
  /* Every step count. */
  int ke = -1;
  for (uint32_t k = 0; k < a->nsteps && k < 16; k++) {
    const uint32_t Tk = a->steps[k];
    uint32_t n = layers_at(s, r, k, Tk, tmax, r->measured, r->layers_t[k]);
    r->nlayers = n;
    energy_of(&p, r->layers_t[k], n, r->per_t[k], r->total_t[k]);
    net_energy zero[NET_IMPL_COUNT];
    energy_scaled(&p, r->layers_t[k], n, 0.0, zero);
    r->macs = 0;
    r->synops_t[k] = 0;
    for (uint32_t q = 0; q < n; q++) {
      r->macs += r->layers_t[k][q].macs;
      r->synops_t[k] += r->layers_t[k][q].synops;
    }
    for (int im = 0; im < NET_IMPL_COUNT; im++)
      r->floor_t[k][im] = zero[im].total_pj;
    for (int sub = 0; sub < 2; sub++) {
      const int ann = sub ? NET_IMPL_ANN_CROSSBAR : NET_IMPL_ANN_DIGITAL;
      const int snn = sub ? NET_IMPL_SNN_CROSSBAR : NET_IMPL_SNN_DIGITAL;
      const double e0 = zero[snn].total_pj, e1 = r->total_t[k][snn].total_pj;
      const double ea = r->total_t[k][ann].total_pj;
      const double spsyn = r->macs > 0 ? r->synops_t[k] / r->macs : 0;
      r->crossover_t[k][sub] =
          ea <= e0 ? -1.0 : e1 > e0 && spsyn > 0 ? (ea - e0) / (e1 - e0) * spsyn : -1.0;
    }
    if (Tk == T && ke < 0)
      ke = (int)k;
  }
  /* The energy table's T: a reported step count, or scaled from the largest. */
  if (ke >= 0 && r->measured) {
    memcpy(r->layers, r->layers_t[ke], sizeof r->layers);
    memcpy(r->per, r->per_t[ke], sizeof r->per);
    memcpy(r->total, r->total_t[ke], sizeof r->total);
  } else {
    r->measured = 0;
    r->nlayers = layers_at(s, r, 0, T, tmax, 0, r->layers);
    energy_of(&p, r->layers, r->nlayers, r->per, r->total);
  }
  /* Kernel replication on the crossbars. */
  for (uint32_t q = 0; q < a->nreplicate; q++) {
    net_energy_param pr = *in->energy;
    pr.crossbar_replication = a->replicate[q];
    net_energy tot[NET_IMPL_COUNT];
    energy_of(&pr, r->layers, r->nlayers, NULL, tot);
    r->rep[q][0] = tot[NET_IMPL_ANN_CROSSBAR];
    r->rep[q][1] = tot[NET_IMPL_SNN_CROSSBAR];
    r->rep_tiles[q] = r->rep[q][0].arrays;
    if (a->pack == NET_PACK_PER_LAYER)
      continue;
    /* Layers sharing arrays: the packing's arrays and latencies (one read
       per array at a time), and the energy of the cells a shared row
       drives (net_energy.h). */
    net_xbar_pack *pk = &r->pack[q];
    net_xbar_pack_fini(pk);
    net_energy_pack(&pr, r->layers, r->nlayers, a->pack, pk);
    r->rep[q][0].arrays = r->rep[q][1].arrays = pk->narrays;
    r->rep[q][0].latency_ns = pk->ann_latency_ns;
    r->rep[q][0].compute_pj += pk->share_pj;
    r->rep[q][0].total_pj += pk->share_pj;
    r->rep[q][1].latency_ns = pk->snn_latency_ns;
  }
}

/* ------------------------------------------------------------------ */
/* The layers on the crossbar arrays                                    */

int conv_map_arrays(const conv_args *a, const conv_inputs *in, const cnn_snn *s,
                    conv_result *r)
{
  net_energy_param p = *in->energy;
  if (a->nreplicate)
    p.crossbar_replication = a->replicate[0];
  const cnn_run_stats none = {0}; /* shapes only */
  r->map_n = cnn_layer_stats(s, &none, 1, 1, -1, r->map_layers, CONV_MAX_LAYERS);
  r->map_k = (uint32_t)p.crossbar_replication;
  r->map_rows = (uint32_t)p.crossbar_array_rows;
  r->map_cols = (uint32_t)p.crossbar_array_cols;
  r->map_arrays = r->map_cells = 0;
  for (uint32_t q = 0; q < r->map_n; q++) {
    net_energy_tiles(&p, &r->map_layers[q], &r->map_tiles[q]);
    r->map_arrays += r->map_tiles[q].arrays;
    r->map_cells += r->map_tiles[q].cells;
  }
  if (a->pack != NET_PACK_PER_LAYER) {
    net_xbar_pack_fini(&r->map_pack);
    int rc = net_energy_pack(&p, r->map_layers, r->map_n, a->pack, &r->map_pack);
    if (rc)
      return rc;
    r->map_arrays = r->map_pack.narrays;
  }
  if (!a->arrays_budget || r->map_arrays <= a->arrays_budget)
    return 0;
  if (a->pack != NET_PACK_PER_LAYER)
    return sim_error_set(SIM_EINVAL,
                         "--arrays %u: %s needs %llu arrays of %ux%u cells at %u kernel "
                         "cop%s per conv layer with --pack %s (%llu tiles; the cells alone "
                         "fill at least %llu)",
                         a->arrays_budget, a->model, (unsigned long long)r->map_arrays,
                         r->map_rows, r->map_cols, r->map_k, r->map_k == 1 ? "y" : "ies",
                         net_pack_name(a->pack), (unsigned long long)r->map_pack.nblocks,
                         (unsigned long long)((r->map_cells + (uint64_t)r->map_rows *
                                               r->map_cols - 1) /
                                              ((uint64_t)r->map_rows * r->map_cols)));
  char what[512];
  size_t len = 0;
  for (uint32_t q = 0; q < r->map_n && len < sizeof what; q++)
    if (r->map_tiles[q].arrays)
      len += (size_t)snprintf(what + len, sizeof what - len, "%s%s %llu", len ? ", " : "",
                              r->map_layers[q].name,
                              (unsigned long long)r->map_tiles[q].arrays);
  return sim_error_set(SIM_EINVAL,
                       "--arrays %u: %s needs %llu arrays of %ux%u cells at %u kernel "
                       "cop%s per conv layer (%s; one layer per array)",
                       a->arrays_budget, a->model, (unsigned long long)r->map_arrays,
                       r->map_rows, r->map_cols, r->map_k, r->map_k == 1 ? "y" : "ies", what);
}
