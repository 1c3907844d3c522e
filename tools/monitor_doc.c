/*
 * monitor_doc.c: what the live monitor says (docs/monitor.md): /status as
 * JSON (io/io_json.h) and /metrics in Prometheus' text exposition format,
 * from the totals rank 0 gathered (tools/monitor_int.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_clock.h"
#include "../io/io_json.h"
#include "monitor_int.h"

/* Simulated ms, wall s, and what follows from them. */
typedef struct pace {
  double sim_ms, end_ms, wall_s, percent, rtf, eta_s;
} pace;

static pace pace_of(const monitor *m)
{
  const double res = m->net->desc->sim.resolution_ms;
  pace p = {.sim_ms = (double)m->tick * res, .end_ms = (double)m->net->kernel.t_end * res,
            .wall_s = sim_clock_s() - m->t0};
  if (strcmp(m->state, "running"))
    p.wall_s = m->last_wall - m->t0; /* the end: the time of the last gather */
  p.percent = p.end_ms > 0 ? 100 * p.sim_ms / p.end_ms : 100;
  p.rtf = p.sim_ms > 0 ? p.wall_s / (p.sim_ms * 1e-3) : 0;
  p.eta_s = m->tick > 0 ? p.wall_s * (p.end_ms - p.sim_ms) / p.sim_ms : 0;
  return p;
}

char *monitor_status_json(const monitor *m)
{
  const net_desc *d = m->net->desc;
  const pace p = pace_of(m);
  io_json *o = io_json_object();
  io_json_set_str(o, "kind", "run");
  io_json_set_str(o, "state", m->state);
  io_json_set_str(o, "config", d->file);
  io_json_set_str(o, "version", m->version);
  io_json_set_uint(o, "seed", d->sim.seed);
  io_json_set_int(o, "ranks", m->nranks);
  io_json_set_num(o, "resolution_ms", d->sim.resolution_ms);
  io_json_set_int(o, "tick", m->tick);
  io_json_set_num(o, "simulated_ms", p.sim_ms);
  io_json_set_num(o, "duration_ms", p.end_ms);
  io_json_set_num(o, "percent", p.percent);
  io_json_set_num(o, "wall_s", p.wall_s);
  io_json_set_num(o, "real_time_factor", p.rtf);
  io_json_set_num(o, "eta_s", p.eta_s);
  io_json *pops = io_json_array();
  uint64_t total = 0;
  for (uint32_t i = 0; i < m->npops; i++) {
    const net_pop_desc *pd = &d->pops[i];
    if (!net_pop_travels(pd)) /* a drive drawn per target: no spikes (as --json) */
      continue;
    const uint32_t n = m->net->kernel.pops[i].n;
    io_json *q = io_json_object();
    io_json_set_str(q, "name", pd->name);
    io_json_set_str(q, "model", net_pop_model_name(pd));
    io_json_set_uint(q, "neurons", n);
    io_json_set_uint(q, "first_gid", m->net->kernel.pops[i].first_gid);
    io_json_set_uint(q, "sampled", m->rows[i]);
    io_json_set_uint(q, "spikes", m->pop_spikes[i]);
    io_json_set_num(q, "rate_hz", p.sim_ms > 0 ? m->pop_spikes[i] / (n * p.sim_ms * 1e-3) : 0);
    io_json_push(pops, q);
    total += m->pop_spikes[i];
  }
  io_json_set(o, "populations", pops);
  io_json_set_uint(o, "spikes", total);
  io_json_set_uint(o, "syn_events", m->syn_events);
  io_json_set_uint(o, "ext_events", m->ext_events);
  io_json_set_num(o, "events_per_s",
                  p.wall_s > 0 ? (double)(m->syn_events + m->ext_events) / p.wall_s : 0);
  io_json_set_uint(o, "neuron_updates", m->updates);
  io_json *mem = io_json_array();
  for (int r = 0; r < m->nranks; r++)
    io_json_push(mem, io_json_num(m->rank_rss_mb[r]));
  io_json_set(o, "peak_rss_mb", mem);
  io_json *en = io_json_object();
  io_json_set_uint(en, "device_reads", m->dev_reads);
  io_json_set_uint(en, "device_pulses", m->dev_pulses);
  io_json_set_num(en, "read_pj", m->read_pj);
  io_json_set_num(en, "write_pj", m->write_pj);
  io_json_set_num(en, "total_pj", m->read_pj + m->write_pj);
  io_json_set(o, "energy", en);
  io_json_set_uint(o, "samples_dropped", m->dropped);
  io_json *h = io_json_object(), *rates = io_json_array();
  io_json_set(h, "t_ms", io_json_nums(m->hist_t_ms, m->nhist));
  for (uint32_t i = 0; i < m->npops; i++) {
    if (!net_pop_travels(&d->pops[i]))
      continue;
    io_json *r = io_json_array();
    for (uint32_t k = 0; k < m->nhist; k++)
      io_json_push(r, io_json_num(m->hist_rate[(size_t)k * m->npops + i]));
    io_json_push(rates, r);
  }
  io_json_set(h, "rate_hz", rates);
  io_json_set(o, "history", h);
  char *s = io_json_dump(o, NULL);
  io_json_destroy(o);
  return s;
}

/* ------------------------------------------------------------------ */
/* Prometheus text format 0.0.4                                         */

typedef struct text {
  char *s;
  size_t n, cap;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text *t, const char *fmt, ...)
{
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(t->s + t->n, t->cap - t->n, fmt, ap);
    va_end(ap);
    if (k >= 0 && (size_t)k < t->cap - t->n) {
      t->n += (size_t)k;
      return;
    }
    t->cap = 2 * t->cap + (k > 0 ? (size_t)k : 0) + 256;
    t->s = sim_realloc(t->s, t->cap, "monitor metrics");
  }
}

static void family(text *t, const char *name, const char *type, const char *help)
{
  put(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: \ " and newline escaped, other controls as spaces, text
   that is not UTF-8 mended as in JSON. */
static void label(text *t, const char *v)
{
  char *clean = io_json_utf8(v);
  for (const char *c = clean; *c; c++)
    if (*c == '\\' || *c == '"')
      put(t, "\\%c", *c);
    else if (*c == '\n')
      put(t, "\\n");
    else
      put(t, "%c", (unsigned char)*c < 0x20 ? ' ' : *c);
  sim_free(clean);
}

/* One family with one unlabelled sample. */
static void single(text *t, const char *name, const char *type, const char *help, double x)
{
  family(t, name, type, help);
  put(t, "%s %.17g\n", name, x);
}

char *monitor_metrics_text(const monitor *m)
{
  const net_desc *d = m->net->desc;
  const pace p = pace_of(m);
  const uint32_t np = m->npops;
  text t = {0};
  family(&t, "memspike_info", "gauge", "Run identity (the value is always 1).");
  put(&t, "memspike_info{config=\"");
  label(&t, d->file);
  put(&t, "\",version=\"");
  label(&t, m->version);
  put(&t, "\",seed=\"%llu\",state=\"%s\"} 1\n", (unsigned long long)d->sim.seed, m->state);
  single(&t, "memspike_ranks", "gauge", "MPI ranks of the run.", m->nranks);
  single(&t, "memspike_simulated_seconds", "gauge", "Simulated time so far.", p.sim_ms * 1e-3);
  single(&t, "memspike_duration_seconds", "gauge", "Simulated time the run is to reach.",
         p.end_ms * 1e-3);
  single(&t, "memspike_progress_ratio", "gauge", "Simulated time so far over the duration.",
         p.percent / 100);
  single(&t, "memspike_wall_seconds", "gauge", "Wall seconds since the simulation started.",
         p.wall_s);
  single(&t, "memspike_real_time_factor", "gauge", "Wall seconds per simulated second.", p.rtf);
  single(&t, "memspike_eta_seconds", "gauge", "Wall seconds left at the pace so far.", p.eta_s);
  family(&t, "memspike_spikes_total", "counter", "Spikes emitted, by population and rank.");
  for (uint32_t i = 0; i < np; i++) {
    if (!net_pop_travels(&d->pops[i]))
      continue;
    for (int r = 0; r < m->nranks; r++) {
      put(&t, "memspike_spikes_total{population=\"");
      label(&t, d->pops[i].name);
      put(&t, "\",rank=\"%d\"} %llu\n", r,
          (unsigned long long)m->rank_spikes[(size_t)r * np + i]);
    }
  }
  family(&t, "memspike_neurons", "gauge", "Neurons (or generators), by population.");
  for (uint32_t i = 0; i < np; i++) {
    put(&t, "memspike_neurons{population=\"");
    label(&t, d->pops[i].name);
    put(&t, "\"} %u\n", m->net->kernel.pops[i].n);
  }
  family(&t, "memspike_rate_hertz", "gauge", "Mean firing rate so far, by population.");
  for (uint32_t i = 0; i < np; i++) {
    if (!net_pop_travels(&d->pops[i]))
      continue;
    const uint32_t n = m->net->kernel.pops[i].n;
    put(&t, "memspike_rate_hertz{population=\"");
    label(&t, d->pops[i].name);
    put(&t, "\"} %.17g\n", p.sim_ms > 0 ? m->pop_spikes[i] / (n * p.sim_ms * 1e-3) : 0.0);
  }
  family(&t, "memspike_synaptic_events_total", "counter",
         "Synaptic events delivered (recurrent; external: Poisson input drawn per target).");
  put(&t, "memspike_synaptic_events_total{source=\"recurrent\"} %llu\n",
      (unsigned long long)m->syn_events);
  put(&t, "memspike_synaptic_events_total{source=\"external\"} %llu\n",
      (unsigned long long)m->ext_events);
  single(&t, "memspike_synaptic_events_per_second", "gauge",
         "Synaptic events (both sources) per wall second so far.",
         p.wall_s > 0 ? (double)(m->syn_events + m->ext_events) / p.wall_s : 0);
  single(&t, "memspike_neuron_updates_total", "counter", "Neuron updates.", (double)m->updates);
  family(&t, "memspike_peak_resident_memory_bytes", "gauge", "Peak resident memory, by rank.");
  for (int r = 0; r < m->nranks; r++)
    put(&t, "memspike_peak_resident_memory_bytes{rank=\"%d\"} %.17g\n", r,
        m->rank_rss_mb[r] * 1e6);
  family(&t, "memspike_device_energy_joules_total", "counter",
         "Synapse device energy so far, by operation.");
  put(&t, "memspike_device_energy_joules_total{operation=\"read\"} %.17g\n", m->read_pj * 1e-12);
  put(&t, "memspike_device_energy_joules_total{operation=\"write\"} %.17g\n",
      m->write_pj * 1e-12);
  single(&t, "memspike_device_write_pulses_total", "counter", "Synapse device write pulses.",
         (double)m->dev_pulses);
  return t.s;
}

/* ------------------------------------------------------------------ */
/* convert                                                              */

char *monitor_convert_status_json(const monitor *m)
{
  const double wall = sim_clock_s() - m->t0;
  io_json *o = io_json_object();
  io_json_set_str(o, "kind", "convert");
  io_json_set_str(o, "state", m->done >= m->images ? "done" : "running");
  io_json_set_str(o, "model", m->model);
  io_json_set_str(o, "pass", m->what);
  io_json_set_int(o, "ranks", m->nranks);
  io_json_set_uint(o, "images", m->images);
  io_json_set_uint(o, "images_done", m->done);
  io_json_set_num(o, "percent", m->images ? 100.0 * m->done / m->images : 100);
  io_json_set_num(o, "wall_s", wall);
  io_json_set_num(o, "images_per_s", wall > 0 ? m->done / wall : 0);
  io_json_set_num(o, "eta_s", m->done ? wall * (m->images - m->done) / m->done : 0);
  io_json_set_num(o, "ann_accuracy", m->ann_acc);
  io_json_set_num(o, "snn_accuracy", m->snn_acc);
  char *s = io_json_dump(o, NULL);
  io_json_destroy(o);
  return s;
}

char *monitor_convert_metrics_text(const monitor *m)
{
  text t = {0};
  family(&t, "memspike_convert_info", "gauge", "Conversion identity (the value is always 1).");
  put(&t, "memspike_convert_info{model=\"");
  label(&t, m->model);
  put(&t, "\",pass=\"");
  label(&t, m->what);
  put(&t, "\"} 1\n");
  single(&t, "memspike_convert_images", "gauge", "Test images of the pass.", m->images);
  single(&t, "memspike_convert_images_done_total", "counter", "Test images done in the pass.",
         m->done);
  family(&t, "memspike_convert_accuracy_ratio", "gauge", "Accuracy so far (0-1), by network.");
  put(&t, "memspike_convert_accuracy_ratio{network=\"ann\"} %.17g\n", m->ann_acc);
  put(&t, "memspike_convert_accuracy_ratio{network=\"snn\"} %.17g\n", m->snn_acc);
  single(&t, "memspike_wall_seconds", "gauge", "Wall seconds since the pass started.",
         sim_clock_s() - m->t0);
  return t.s;
}
