/*
 * run_stats.c: gathers the end-of-run summary of `memspike run` over all
 * ranks into one run_stats (the only place the summary talks to comm_*).
 * Formatting lives in run_report.c.
 */
#include "run_stats.h"

#include <string.h>

#include "../core/sim_alloc.h"
#include "../mpi/comm.h"
#include "../synapses/syn_spec.h"

const char *run_pop_model_name(const net_pop_desc *p) { return net_pop_model_name(p); }

/* Spikes emitted by this rank's neurons. */
static uint64_t emitted_local(const net_network *net, const sim_stats *st)
{
  uint64_t n = 0;
  for (uint32_t i = 0; i < net->desc->npops; i++)
    n += st->spikes[i];
  return n;
}

/* Per-rank load, so that imbalance shows: one column at a time to rank 0. */
static run_rank_load *gather_load(const net_network *net, const sim_stats *st, double rss)
{
  const net_desc *d = net->desc;
  const int size = comm_size();
  uint64_t my_neurons = 0;
  for (uint32_t i = 0; i < d->npops; i++)
    if (d->pops[i].model)
      my_neurons += net->pops[i].nlocal;
  const double mine[7] = {(double)my_neurons, (double)net->nsyn, (double)emitted_local(net, st),
                          st->sim_s - st->comm_s, st->comm_s, (double)st->spikes_sent, rss / 1e6};
  run_rank_load *load = sim_calloc((size_t)size, sizeof *load, "rank load");
  double *col = sim_calloc((size_t)size * 7, sizeof *col, "rank load");
  for (int k = 0; k < 7; k++)
    comm_gather_double(mine[k], &col[(size_t)k * size]);
  for (int r = 0; r < size; r++)
    load[r] = (run_rank_load){col[r], col[size + r], col[2 * size + r], col[3 * size + r],
                              col[4 * size + r], col[5 * size + r], col[6 * size + r]};
  sim_free(col);
  return load;
}

void run_stats_gather(const net_network *net, const sim_stats *st, const char *version,
                      run_stats *out)
{
  const net_desc *d = net->desc;
  run_stats *rs = out;
  memset(rs, 0, sizeof *rs);
  rs->config = d->file;
  rs->version = version;
  rs->ranks = comm_size();
  rs->seed = d->sim.seed;
  rs->resolution_ms = d->sim.resolution_ms;
  const double sim_ms = (double)st->ticks * d->sim.resolution_ms;
  rs->sim_ms = sim_ms;

  /* Reductions: every rank makes the same calls in the same order. */
  const uint64_t nsyn = comm_sum_u64(net->nsyn);
  const double syn_bytes = comm_sum_double((double)net->syn_bytes);
  rs->syn_events = comm_sum_u64(st->syn_events);
  rs->ext_events = comm_sum_u64(st->ext_events);
  rs->build_s = comm_max_double(net->build_s);
  rs->sim_s = comm_max_double(st->sim_s);
  rs->comm_s = comm_max_double(st->comm_s);
  const double rss = (double)sim_peak_rss_bytes();
  const double rss_max = comm_max_double(rss), rss_sum = comm_sum_double(rss);
  rs->spikes_sent = comm_sum_u64(st->spikes_sent);
  rs->messages = comm_sum_u64(st->msgs);
  rs->dev_reads = comm_sum_u64(st->dev_reads);
  rs->dev_pulses = comm_sum_u64(st->dev_pulses);
  rs->stdp_updates = comm_sum_u64(st->stdp_updates);
  rs->has_devices = 0; /* from the config: the same on every rank */
  for (uint32_t j = 0; j < d->nprojs; j++)
    rs->has_devices |= d->projs[j].spec && d->projs[j].spec->kind == SYN_DEVICE;
  rs->read_pj = comm_sum_double(st->read_pj);
  rs->write_pj = comm_sum_double(st->write_pj);
  rs->bytes_sent = comm_sum_u64(st->bytes_sent);
  rs->spikes_emitted = comm_sum_u64(emitted_local(net, st));
  rs->load = gather_load(net, st, rss);

  rs->npops = d->npops;
  rs->pops = sim_calloc(d->npops ? d->npops : 1, sizeof *rs->pops, "run summary");
  uint64_t total_spikes = 0, total_neurons = 0;
  for (uint32_t i = 0; i < d->npops; i++) {
    const net_pop_desc *p = &d->pops[i];
    run_pop_stats *ps = &rs->pops[i];
    uint64_t s = comm_sum_u64(st->spikes[i]);
    ps->name = p->name;
    ps->model = run_pop_model_name(p);
    /* A source drawn per target has no spikes of its own: its rate is
       the configured one. */
    ps->is_poisson = !net_pop_travels(p);
    ps->is_neurons = p->model != NULL;
    ps->n = p->n;
    if (ps->is_poisson) {
      ps->rate_hz = p->source->rate_hz ? p->source->rate_hz(p->param) : 0.0;
      continue;
    }
    ps->spikes = s;
    ps->rate_hz = sim_ms > 0 ? s / (p->n * sim_ms * 1e-3) : 0.0;
    if (ps->is_neurons) {
      total_spikes += s;
      total_neurons += p->n;
    }
  }

  /* Derived figures, each 0 where its denominator is. */
  rs->neurons = total_neurons;
  rs->mean_rate_hz =
      total_neurons && sim_ms > 0 ? total_spikes / (total_neurons * sim_ms * 1e-3) : 0.0;
  rs->synapses = nsyn;
  rs->bytes_per_synapse = nsyn ? syn_bytes / (double)nsyn : 0.0;
  rs->real_time_factor = sim_ms > 0 ? rs->sim_s / (sim_ms * 1e-3) : 0.0;
  rs->events_per_s =
      rs->sim_s > 0 ? (double)(rs->syn_events + rs->ext_events) / rs->sim_s : 0.0;
  rs->rss_max_mb = rss_max / 1e6;
  rs->rss_all_mb = rss_sum / 1e6;
  rs->bytes_per_spike =
      rs->spikes_emitted ? (double)rs->bytes_sent / (double)rs->spikes_emitted : 0.0;
  rs->exchange_pct = rs->sim_s > 0 ? 100 * rs->comm_s / rs->sim_s : 0.0;
  rs->windows = st->windows;
  rs->min_delay_ticks = (int64_t)net->min_delay;
}

void run_stats_fini(run_stats *rs)
{
  if (!rs)
    return;
  sim_free(rs->pops);
  sim_free(rs->load);
  rs->pops = NULL;
  rs->load = NULL;
}
