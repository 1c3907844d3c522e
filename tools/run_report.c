/*
 * run_report.c: formats a run_stats as `memspike run`'s text summary and as
 * its --json object.  Pure formatting: every number is already in the
 * struct (tools/run_stats.c gathers them).
 */
#include "run_report.h"

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

/* s as the inside of a JSON string: escape " \ and controls. */
static void json_chars(const char *s, FILE *out)
{
  for (const char *c = s; *c; c++)
    if (*c == '"' || *c == '\\')
      fprintf(out, "\\%c", *c);
    else if ((unsigned char)*c < 0x20)
      fprintf(out, "\\u%04x", (unsigned char)*c);
    else
      fputc(*c, out);
}

void run_report_json(const run_stats *rs, FILE *out)
{
  fprintf(out, "{\"config\": \"");
  json_chars(rs->config, out);
  fprintf(out, "\", \"ranks\": %d, \"seed\": %llu, \"simulated_ms\": %.6g,\n"
               " \"populations\": [",
          rs->ranks, (unsigned long long)rs->seed, rs->sim_ms);
  int items = 0;
  /* Poisson drives have no spike count: they are left out. */
  for (uint32_t i = 0; i < rs->npops; i++) {
    const run_pop_stats *p = &rs->pops[i];
    if (p->is_poisson)
      continue;
    fprintf(out, "%s{\"name\": \"%s\", \"model\": \"%s\", \"neurons\": %u, "
                 "\"spikes\": %llu, \"rate_hz\": %.6f}",
            items++ ? ", " : "", p->name, p->model, p->n, (unsigned long long)p->spikes,
            p->rate_hz);
  }
  fprintf(out,
          "],\n \"neurons\": %llu, \"mean_rate_hz\": %.6f, \"synapses\": %llu, "
          "\"bytes_per_synapse\": %.4f,\n \"build_s\": %.6f, \"simulate_s\": %.6f, "
          "\"exchange_s\": %.6f, \"real_time_factor\": %.6f,\n \"syn_events\": %llu, "
          "\"ext_events\": %llu, \"events_per_s\": %.6g, \"peak_rss_mb\": %.3f, "
          "\"peak_rss_mb_all\": %.3f,\n \"spikes_emitted\": %llu, \"spikes_sent\": %llu, "
          "\"messages\": %llu, \"bytes_sent\": %llu, \"windows\": %llu, "
          "\"min_delay_ticks\": %lld,\n \"device_reads\": %llu, \"device_pulses\": %llu, "
          "\"stdp_updates\": %llu, \"read_energy_pj\": %.9g, \"write_energy_pj\": %.9g,\n "
          "\"build_cpu_s\": %.6f, \"simulate_cpu_s\": %.6f}\n",
          (unsigned long long)rs->neurons, rs->mean_rate_hz, (unsigned long long)rs->synapses,
          rs->bytes_per_synapse, rs->build_s, rs->sim_s, rs->comm_s, rs->real_time_factor,
          (unsigned long long)rs->syn_events, (unsigned long long)rs->ext_events,
          rs->events_per_s, rs->rss_max_mb, rs->rss_all_mb,
          (unsigned long long)rs->spikes_emitted, (unsigned long long)rs->spikes_sent,
          (unsigned long long)rs->messages, (unsigned long long)rs->bytes_sent,
          (unsigned long long)rs->windows, (long long)rs->min_delay_ticks,
          (unsigned long long)rs->dev_reads, (unsigned long long)rs->dev_pulses,
          (unsigned long long)rs->stdp_updates, rs->read_pj, rs->write_pj, rs->build_cpu_s,
          rs->sim_cpu_s);
}
