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

static void json_num(FILE *out, double x)
{
  if (isfinite(x))
    fprintf(out, "%.17g", x);
  else
    fputs("null", out);
}

static void json_str(FILE *out, const char *s)
{
  fputc('"', out);
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\')
      fprintf(out, "\\%c", ch);
    else if (ch < 0x20)
      fprintf(out, "\\u%04x", ch);
    else
      fputc(ch, out);
  }
  fputc('"', out);
}

static void print_json(const io_replay *rp, const pop_acc *pa, const io_replay_stats_opts *o,
                       sim_time t0, sim_time end, const io_replay_filter *f, FILE *out)
{
  const io_log_header *h = io_replay_header(rp);
  fputs("{\n  \"config\": ", out);
  json_str(out, h->config);
  fprintf(out, ",\n  \"digest\": \"%016" PRIx64 "\",\n  \"seed\": %" PRIu64
               ",\n  \"nranks\": %d,\n  \"files\": %d,\n  \"resolution_ms\": ",
          h->digest, h->seed, h->nranks, io_replay_nfiles(rp));
  json_num(out, h->resolution_ms);
  fputs(",\n  \"window\": {\"start_ms\": ", out);
  json_num(out, (double)t0 * h->resolution_ms);
  fputs(", \"stop_ms\": ", out);
  json_num(out, (double)end * h->resolution_ms);
  fputs("},\n  \"neurons_filter\": ", out);
  if (f && f->neurons)
    fprintf(out, "{\"lo\": %u, \"hi\": %u}", f->lo, f->hi);
  else
    fputs("null", out);
  fputs(",\n  \"bin_ms\": ", out);
  json_num(out, o->bin_ms);
  fprintf(out, ",\n  \"pairs_max\": %u,\n  \"cv_min_spikes\": %d,\n  \"populations\": [",
          o->pairs, IO_STATS_CV_MIN_SPIKES);
  int first = 1;
  for (uint32_t p = 0; p < h->npops; p++) {
    const pop_acc *a = &pa[p];
    if (!a->map)
      continue;
    fprintf(out, "%s\n    {\"name\": ", first ? "" : ",");
    first = 0;
    json_str(out, h->pops[p].name);
    fprintf(out, ", \"recorded\": %s, \"neurons\": %u", a->recorded ? "true" : "false",
            a->neurons);
    if (!a->st) {
      fputs("}", out);
      continue;
    }
    const io_stats_result *r = &a->res;
    fprintf(out, ", \"spikes\": %" PRIu64 ", \"duration_ms\": ", r->spikes);
    json_num(out, r->duration_ms);
    fputs(", \"rate_hz\": ", out);
    json_num(out, r->rate_hz);
    fputs(",\n     \"cv_isi\": ", out);
    json_num(out, r->cv_isi);
    fprintf(out, ", \"cv_neurons\": %u, \"bins\": %u, \"bin_ms\": ", r->cv_neurons, r->nbins);
    json_num(out, r->bin_ms);
    fprintf(out, ", \"binned_spikes\": %" PRIu64 ",\n     \"fano\": ", r->binned_spikes);
    json_num(out, r->fano);
    fputs(", \"chi\": ", out);
    json_num(out, r->chi);
    fputs(", \"mean_corr\": ", out);
    json_num(out, r->mean_corr);
    fprintf(out, ", \"corr_neurons\": %u, \"corr_pairs\": %" PRIu64 ",\n     \"pop_rate_mean_hz\": ",
            r->corr_neurons, r->corr_pairs);
    json_num(out, r->pop_rate_mean_hz);
    fputs(", \"pop_rate_sd_hz\": ", out);
    json_num(out, r->pop_rate_sd_hz);
    fputs(",\n     \"isi_hist\": {\"edges_ms\": [", out);
    for (uint32_t j = 0; j <= r->isi_nbins; j++) {
      fputs(j ? ", " : "", out);
      json_num(out, j * r->isi_bin_ms);
    }
    fputs("], \"counts\": [", out);
    for (uint32_t j = 0; j < r->isi_nbins; j++)
      fprintf(out, "%s%" PRIu64, j ? ", " : "", r->isi_counts[j]);
    fprintf(out, "], \"over\": %" PRIu64 ", \"isis\": %" PRIu64 "},\n", r->isi_over, r->isis);
    fprintf(out, "     \"rate_hist\": {\"width_spikes\": %u, \"edges_hz\": [", r->rate_width);
    for (uint32_t j = 0; r->rate_edges_hz && j <= r->rate_nbins; j++) {
      fputs(j ? ", " : "", out);
      json_num(out, r->rate_edges_hz[j]);
    }
    fputs("], \"counts\": [", out);
    for (uint32_t j = 0; j < r->rate_nbins; j++)
      fprintf(out, "%s%" PRIu64, j ? ", " : "", r->rate_counts[j]);
    fputs("]}}", out);
  }
  fputs("\n  ]\n}\n", out);
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
    print_json(rp, pa, o, t0, end, f, out);
  else
    print_text(rp, pa, o, t0, end, out);
  if (ferror(out))
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
