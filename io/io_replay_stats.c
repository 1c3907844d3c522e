/*
 * io_replay_stats.c: `memspike replay --stats`: one io_stats accumulator
 * per selected, recorded population, fed from the merged spike stream,
 * and the text and JSON printers.
 */
#include "io_replay_stats.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"
#include "io_json.h"
#include "io_stats.h"

typedef struct pop_acc {
  int32_t *map;       /* local id -> neuron index, or -1; NULL: not selected */
  uint32_t neurons;   /* recorded and selected */
  int recorded;       /* a spike recorder covers the population */
  io_stats *st;       /* NULL when neurons == 0 */
  io_stats_result res;
} pop_acc;

/* A whole number of ticks of res_ms, or 0. */
static sim_time whole_ticks(double ms, double res_ms)
{
  double x = ms / res_ms, r = nearbyint(x);
  if (!(r >= 1) || fabs(x - r) > 1e-9 * r || r > 1e15)
    return 0;
  return (sim_time)r;
}

/* The summary as JSON (io_json: names escaped, non-finite numbers null). */
static int print_json(const io_replay *rp, const pop_acc *pa, const io_replay_stats_opts *o,
                      sim_time t0, sim_time end, const io_replay_filter *f, FILE *out)
{
  const io_log_header *h = io_replay_header(rp);
  io_json *doc = io_json_object();
  char digest[24];
  snprintf(digest, sizeof digest, "%016" PRIx64, h->digest);
  io_json_set_str(doc, "config", h->config);
  io_json_set_str(doc, "digest", digest);
  io_json_set_uint(doc, "seed", h->seed);
  io_json_set_int(doc, "nranks", h->nranks);
  io_json_set_int(doc, "files", io_replay_nfiles(rp));
  io_json_set_num(doc, "resolution_ms", h->resolution_ms);
  io_json *win = io_json_object();
  io_json_set_num(win, "start_ms", (double)t0 * h->resolution_ms);
  io_json_set_num(win, "stop_ms", (double)end * h->resolution_ms);
  io_json_set(doc, "window", win);
  if (f && f->neurons) {
    io_json *nf = io_json_object();
    io_json_set_uint(nf, "lo", f->lo);
    io_json_set_uint(nf, "hi", f->hi);
    io_json_set(doc, "neurons_filter", nf);
  } else {
    io_json_set(doc, "neurons_filter", io_json_null());
  }
  io_json_set_num(doc, "bin_ms", o->bin_ms);
  io_json_set_uint(doc, "pairs_max", o->pairs);
  io_json_set_int(doc, "cv_min_spikes", IO_STATS_CV_MIN_SPIKES);
  io_json *pops = io_json_array();
  for (uint32_t p = 0; p < h->npops; p++) {
    const pop_acc *a = &pa[p];
    if (!a->map)
      continue;
    io_json *q = io_json_object();
    io_json_set_str(q, "name", h->pops[p].name);
    io_json_set(q, "recorded", io_json_bool(a->recorded));
    io_json_set_uint(q, "neurons", a->neurons);
    io_json_push(pops, q);
    if (!a->st)
      continue;
    const io_stats_result *r = &a->res;
    io_json_set_uint(q, "spikes", r->spikes);
    io_json_set_num(q, "duration_ms", r->duration_ms);
    io_json_set_num(q, "rate_hz", r->rate_hz);
    io_json_set_num(q, "cv_isi", r->cv_isi);
    io_json_set_uint(q, "cv_neurons", r->cv_neurons);
    io_json_set_uint(q, "bins", r->nbins);
    io_json_set_num(q, "bin_ms", r->bin_ms);
    io_json_set_uint(q, "binned_spikes", r->binned_spikes);
    io_json_set_num(q, "fano", r->fano);
    io_json_set_num(q, "chi", r->chi);
    io_json_set_num(q, "mean_corr", r->mean_corr);
    io_json_set_uint(q, "corr_neurons", r->corr_neurons);
    io_json_set_uint(q, "corr_pairs", r->corr_pairs);
    io_json_set_num(q, "pop_rate_mean_hz", r->pop_rate_mean_hz);
    io_json_set_num(q, "pop_rate_sd_hz", r->pop_rate_sd_hz);
    io_json *isi = io_json_object(), *edges = io_json_array(), *counts = io_json_array();
    for (uint32_t j = 0; j <= r->isi_nbins; j++)
      io_json_push(edges, io_json_num(j * r->isi_bin_ms));
    for (uint32_t j = 0; j < r->isi_nbins; j++)
      io_json_push(counts, io_json_uint(r->isi_counts[j]));
    io_json_set(isi, "edges_ms", edges);
    io_json_set(isi, "counts", counts);
    io_json_set_uint(isi, "over", r->isi_over);
    io_json_set_uint(isi, "isis", r->isis);
    io_json_set(q, "isi_hist", isi);
    io_json *rh = io_json_object();
    edges = io_json_array();
    counts = io_json_array();
    io_json_set_uint(rh, "width_spikes", r->rate_width);
    for (uint32_t j = 0; r->rate_edges_hz && j <= r->rate_nbins; j++)
      io_json_push(edges, io_json_num(r->rate_edges_hz[j]));
    for (uint32_t j = 0; j < r->rate_nbins; j++)
      io_json_push(counts, io_json_uint(r->rate_counts[j]));
    io_json_set(rh, "edges_hz", edges);
    io_json_set(rh, "counts", counts);
    io_json_set(q, "rate_hist", rh);
  }
  io_json_set(doc, "populations", pops);
  int rc = io_json_write(doc, out, "the replay statistics");
  io_json_destroy(doc);
  return rc;
}

/* A number or n/a, in a %*s field. */
static const char *num(char *buf, size_t len, const char *fmt, double x)
{
  if (isfinite(x))
    snprintf(buf, len, fmt, x);
  else
    snprintf(buf, len, "n/a");
  return buf;
}

static void print_text(const io_replay *rp, const pop_acc *pa, const io_replay_stats_opts *o,
                       sim_time t0, sim_time end, FILE *out)
{
  const io_log_header *h = io_replay_header(rp);
  int dec = io_replay_ms_decimals(h->resolution_ms);
  char b1[64], b2[64], b3[64], b4[64];
  fprintf(out, "statistics over [%.*f, %.*f) ms, bins of %g ms, correlation sample of up "
          "to %u neurons (docs/replay.md)\n", dec, (double)t0 * h->resolution_ms, dec,
          (double)end * h->resolution_ms, o->bin_ms, o->pairs);
  char miss[160];
  if (io_replay_missing_ranks(rp, miss, sizeof miss))
    fprintf(out, "note: %d of %d rank files given, rank(s)%s missing (--partial): the "
            "statistics cover only the neurons the given ranks own\n", io_replay_nfiles(rp),
            h->nranks, miss);
  if (end <= t0 && t0 > 0)
    fprintf(out, "note: --from %.*f ms is at or after the end of the recorded data: an "
            "empty window\n", dec, (double)t0 * h->resolution_ms);
  for (uint32_t p = 0; p < h->npops; p++) {
    const pop_acc *a = &pa[p];
    if (!a->map)
      continue;
    if (!a->recorded) {
      fprintf(out, "%s: not recorded\n", h->pops[p].name);
      continue;
    }
    if (!a->st) {
      fprintf(out, "%s: no recorded neuron selected\n", h->pops[p].name);
      continue;
    }
    const io_stats_result *r = &a->res;
    fprintf(out, "%s: %u neurons, %" PRIu64 " spikes, rate %s Hz\n", h->pops[p].name,
            r->neurons, r->spikes, num(b1, sizeof b1, "%.4f", r->rate_hz));
    fprintf(out, "  cv_isi %s (%u neurons with >= %d spikes)\n",
            num(b1, sizeof b1, "%.4f", r->cv_isi), r->cv_neurons, IO_STATS_CV_MIN_SPIKES);
    fprintf(out, "  %u bins: fano %s  chi %s  mean_corr %s (%u neurons, %" PRIu64 " pairs)\n",
            r->nbins, num(b1, sizeof b1, "%.4f", r->fano), num(b2, sizeof b2, "%.4f", r->chi),
            num(b3, sizeof b3, "%.5f", r->mean_corr), r->corr_neurons, r->corr_pairs);
    fprintf(out, "  population rate per bin: mean %s Hz, sd %s Hz\n",
            num(b1, sizeof b1, "%.3f", r->pop_rate_mean_hz),
            num(b4, sizeof b4, "%.3f", r->pop_rate_sd_hz));
    fprintf(out, "  ISI histogram (%g ms bins from 0): ", r->isi_bin_ms);
    for (uint32_t j = 0; j < r->isi_nbins; j++)
      fprintf(out, "%s%" PRIu64, j ? " " : "", r->isi_counts[j]);
    fprintf(out, " | >= %g ms: %" PRIu64 "\n", r->isi_nbins * r->isi_bin_ms, r->isi_over);
    if (r->rate_nbins) {
      fprintf(out, "  rate histogram (bins of %.4g Hz from 0): ",
              r->rate_edges_hz[1] - r->rate_edges_hz[0]);
      for (uint32_t j = 0; j < r->rate_nbins; j++)
        fprintf(out, "%s%" PRIu64, j ? " " : "", r->rate_counts[j]);
      fputc('\n', out);
    }
  }
}

int io_replay_stats(const char *const *paths, int n, int flags, const io_replay_filter *f,
                    const io_replay_stats_opts *o, FILE *out)
{
  io_replay *rp;
  int rc = io_replay_create(paths, n, flags, &rp);
  if (rc)
    return rc;
  const io_log_header *h = io_replay_header(rp);
  pop_acc *pa = sim_calloc(h->npops + 1u, sizeof *pa, "replay statistics");
  sim_time bin = whole_ticks(o->bin_ms, h->resolution_ms);
  sim_time isi_bin = whole_ticks(IO_REPLAY_ISI_BIN_MS, h->resolution_ms);
  if (!isi_bin) { /* a resolution that does not divide 5 ms: the nearest whole ticks */
    double x = nearbyint(IO_REPLAY_ISI_BIN_MS / h->resolution_ms);
    isi_bin = !(x >= 1) ? 1 : x > 1e15 ? (sim_time)1e15 : (sim_time)x;
  }
  if (!bin) {
    rc = sim_error_set(SIM_EINVAL, "--bin %g: expected a positive whole number of ticks "
                       "(multiples of the resolution, %g ms)", o->bin_ms, h->resolution_ms);
    goto done;
  }
  if (o->pairs < 2) {
    rc = sim_error_set(SIM_EINVAL, "--pairs %u: expected at least 2 neurons", o->pairs);
    goto done;
  }
  if ((rc = io_replay_select(rp, IO_REPLAY_SPIKES, f)))
    goto done;
  uint32_t lo, hi;
  sim_time t0, t1;
  io_replay_range(rp, &lo, &hi, &t0, &t1);
  for (uint32_t p = 0; p < h->npops; p++) {
    if (!io_replay_pop_selected(rp, p))
      continue;
    pop_acc *a = &pa[p];
    a->map = sim_malloc((h->pops[p].n + 1u) * sizeof *a->map, "replay statistics map");
    a->neurons = io_replay_recorded_map(h, p, lo, hi, a->map);
    for (uint32_t i = 0; i < h->nrecs; i++)
      a->recorded |= h->recs[i].kind == IO_LOG_REC_SPIKES && h->recs[i].pop == p &&
                     h->recs[i].count > 0;
    if (a->neurons == 0)
      continue;
    io_stats_cfg cfg = {.n = a->neurons, .t0 = t0, .res_ms = h->resolution_ms,
                        .bin_ticks = bin, .pairs = o->pairs, .isi_bin_ticks = isi_bin,
                        .isi_nbins = IO_REPLAY_ISI_BINS};
    if ((rc = io_stats_create(&cfg, &a->st)))
      goto done;
  }
  sim_time t;
  sim_gid g;
  while ((rc = io_replay_next(rp, &t, &g)) == 1) {
    int p = io_replay_pop_of(h, g);
    if (p < 0 || !pa[p].st)
      continue;
    int32_t k = pa[p].map[g - h->pops[p].first_gid];
    if (k >= 0)
      io_stats_spike(pa[p].st, t, (uint32_t)k);
  }
  if (rc < 0)
    goto done;
  rc = 0;
  sim_time end = io_replay_end_tick(rp);
  if (end < t0)
    end = t0;
  for (uint32_t p = 0; p < h->npops; p++)
    if (pa[p].st)
      io_stats_finish(pa[p].st, end, &pa[p].res);
  if (o->json)
    rc = print_json(rp, pa, o, t0, end, f, out);
  else
    print_text(rp, pa, o, t0, end, out);
  if (!rc && ferror(out))
    rc = sim_error_set(SIM_EIO, "cannot write the statistics");
done:
  for (uint32_t p = 0; p < h->npops; p++) {
    sim_free(pa[p].map);
    io_stats_destroy(pa[p].st);
    io_stats_result_fini(&pa[p].res);
  }
  sim_free(pa);
  io_replay_destroy(rp);
  return rc;
}
