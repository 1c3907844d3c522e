/*
 * run_report.c: formats a run_stats as `memspike run`'s text summary and as
 * its --json object.  Pure formatting: every number is already in the
 * struct (tools/run_stats.c gathers them).
 */
#include "run_report.h"

#include <stdlib.h>

#include "../io/io_json.h"

/* The per-rank table (several ranks only). */
static void print_rank_load(const run_stats *rs, FILE *out)
{
  if (rs->ranks < 2)
    return;
  fprintf(out, "  %-5s %10s %12s %10s %10s %10s %12s %9s\n", "rank", "neurons", "synapses",
          "spikes", "compute_s", "comm_s", "spikes_sent", "RSS_MB");
  for (int r = 0; r < rs->ranks; r++) {
    const run_rank_load *l = &rs->load[r];
    fprintf(out, "  %-5d %10.0f %12.0f %10.0f %10.3f %10.3f %12.0f %9.1f\n", r, l->neurons,
            l->synapses, l->spikes, l->compute_s, l->comm_s, l->spikes_sent, l->rss_mb);
  }
}

void run_report_text(const run_stats *rs, FILE *out)
{
  fprintf(out, "\nmemspike %s: %s, %d rank%s, seed %llu, %.1f ms simulated at %g ms\n",
          rs->version, rs->config, rs->ranks, rs->ranks > 1 ? "s" : "",
          (unsigned long long)rs->seed, rs->sim_ms, rs->resolution_ms);
  fprintf(out, "  %-12s %-18s %10s %12s %10s\n", "population", "model", "neurons", "spikes",
          "rate (Hz)");
  for (uint32_t i = 0; i < rs->npops; i++) {
    const run_pop_stats *p = &rs->pops[i];
    if (p->is_poisson)
      fprintf(out, "  %-12s %-18s %10u %12s %10.2f (per target)\n", p->name, p->model, p->n,
              "-", p->rate_hz);
    else
      fprintf(out, "  %-12s %-18s %10u %12llu %10.3f\n", p->name, p->model, p->n,
              (unsigned long long)p->spikes, p->rate_hz);
  }
  fprintf(out, "  neurons %llu, mean rate %.3f Hz\n", (unsigned long long)rs->neurons,
          rs->mean_rate_hz);
  fprintf(out, "  synapses %llu (%.2f bytes per synapse, offsets included)\n",
          (unsigned long long)rs->synapses, rs->bytes_per_synapse);
  fprintf(out, "  build %.3f s, simulate %.3f s (exchange %.3f s), real-time factor %.3f "
               "(wall / simulated)\n",
          rs->build_s, rs->sim_s, rs->comm_s, rs->real_time_factor);
  fprintf(out, "  synaptic events %llu recurrent + %llu external = %.3g per second of wall "
               "time\n",
          (unsigned long long)rs->syn_events, (unsigned long long)rs->ext_events,
          rs->events_per_s);
  fprintf(out, "  peak memory %.1f MB (largest rank), %.1f MB (all ranks)\n", rs->rss_max_mb,
          rs->rss_all_mb);
  if (rs->has_devices)
    fprintf(out, "  synapse devices: %llu reads %.4g pJ, %llu write pulses %.4g pJ, %llu STDP "
                 "updates; energy %.4g pJ\n",
            (unsigned long long)rs->dev_reads, rs->read_pj, (unsigned long long)rs->dev_pulses,
            rs->write_pj, (unsigned long long)rs->stdp_updates, rs->read_pj + rs->write_pj);
  else if (rs->stdp_updates) /* plastic ideal weights: no device, no energy */
    fprintf(out, "  plastic synapses: %llu STDP updates\n",
            (unsigned long long)rs->stdp_updates);
  if (rs->ranks > 1)
    fprintf(out, "  exchange: %llu spikes sent to other ranks in %llu messages, %.2f bytes per "
                 "spike emitted, %.1f %% of simulate time\n",
            (unsigned long long)rs->spikes_sent, (unsigned long long)rs->messages,
            rs->bytes_per_spike, rs->exchange_pct);
  print_rank_load(rs, out);
  fflush(out); /* a redirected run shows its summary as soon as it is written */
}

/* x to 9 significant digits, as the summary always gave energies: they
   are per-rank sums reduced in rank order, so their last bits depend on
   the rank count (tests/mpi.sh compares 1 to 4 ranks exactly). */
static double sig9(double x)
{
  char b[40];
  snprintf(b, sizeof b, "%.9g", x);
  return strtod(b, NULL);
}

io_json *run_report_json_doc(const run_stats *rs)
{
  io_json *o = io_json_object();
  io_json_set_str(o, "config", rs->config);
  io_json_set_int(o, "ranks", rs->ranks);
  io_json_set_uint(o, "seed", rs->seed);
  io_json_set_num(o, "simulated_ms", rs->sim_ms);
  io_json *pops = io_json_array();
  /* Poisson drives have no spike count: they are left out. */
  for (uint32_t i = 0; i < rs->npops; i++) {
    const run_pop_stats *p = &rs->pops[i];
    if (p->is_poisson)
      continue;
    io_json *q = io_json_object();
    io_json_set_str(q, "name", p->name);
    io_json_set_str(q, "model", p->model);
    io_json_set_uint(q, "neurons", p->n);
    io_json_set_uint(q, "spikes", p->spikes);
    io_json_set_num(q, "rate_hz", p->rate_hz);
    io_json_push(pops, q);
  }
  io_json_set(o, "populations", pops);
  io_json_set_uint(o, "neurons", rs->neurons);
  io_json_set_num(o, "mean_rate_hz", rs->mean_rate_hz);
  io_json_set_uint(o, "synapses", rs->synapses);
  io_json_set_num(o, "bytes_per_synapse", rs->bytes_per_synapse);
  io_json_set_num(o, "build_s", rs->build_s);
  io_json_set_num(o, "simulate_s", rs->sim_s);
  io_json_set_num(o, "exchange_s", rs->comm_s);
  io_json_set_num(o, "real_time_factor", rs->real_time_factor);
  io_json_set_uint(o, "syn_events", rs->syn_events);
  io_json_set_uint(o, "ext_events", rs->ext_events);
  io_json_set_num(o, "events_per_s", rs->events_per_s);
  io_json_set_num(o, "peak_rss_mb", rs->rss_max_mb);
  io_json_set_num(o, "peak_rss_mb_all", rs->rss_all_mb);
  io_json_set_uint(o, "spikes_emitted", rs->spikes_emitted);
  io_json_set_uint(o, "spikes_sent", rs->spikes_sent);
  io_json_set_uint(o, "messages", rs->messages);
  io_json_set_uint(o, "bytes_sent", rs->bytes_sent);
  io_json_set_uint(o, "windows", rs->windows);
  io_json_set_int(o, "min_delay_ticks", rs->min_delay_ticks);
  io_json_set_uint(o, "device_reads", rs->dev_reads);
  io_json_set_uint(o, "device_pulses", rs->dev_pulses);
  io_json_set_uint(o, "stdp_updates", rs->stdp_updates);
  io_json_set_num(o, "read_energy_pj", sig9(rs->read_pj));
  io_json_set_num(o, "write_energy_pj", sig9(rs->write_pj));
  io_json_set_num(o, "build_cpu_s", rs->build_cpu_s);
  io_json_set_num(o, "simulate_cpu_s", rs->sim_cpu_s);
  return o;
}

int run_report_json(const run_stats *rs, FILE *out, const char *path)
{
  io_json *o = run_report_json_doc(rs);
  int rc = io_json_write(o, out, path);
  io_json_destroy(o);
  return rc;
}
