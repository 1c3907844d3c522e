/*
 * io_replay_out.c: what replay prints from the merged stream of
 * io_replay.c: the text summary and the CSV exports (docs/replay.md).
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"
#include "io_replay.h"

/* Per population: the recorded neurons inside the selection. */
typedef struct pop_rec {
  int32_t *map;     /* owned: local id -> index, or -1 (NULL: not selected) */
  uint64_t neurons; /* recorded and selected */
  uint64_t spikes;
} pop_rec;

static pop_rec *pop_recs(const io_replay *rp)
{
  const io_log_header *h = io_replay_header(rp);
  uint32_t lo, hi;
  sim_time t0, t1;
  io_replay_range(rp, &lo, &hi, &t0, &t1);
  pop_rec *pr = sim_calloc(h->npops + 1u, sizeof *pr, "replay population counts");
  for (uint32_t p = 0; p < h->npops; p++) {
    if (!io_replay_pop_selected(rp, p))
      continue;
    pr[p].map = sim_malloc((h->pops[p].n + 1u) * sizeof *pr[p].map, "replay recorded neurons");
    pr[p].neurons = io_replay_recorded_map(h, p, lo, hi, pr[p].map);
  }
  return pr;
}

static void pop_recs_free(const io_log_header *h, pop_rec *pr)
{
  for (uint32_t p = 0; p < h->npops; p++)
    sim_free(pr[p].map);
  sim_free(pr);
}

/* Does any spike recorder cover population p? */
static int has_spike_recorder(const io_log_header *h, uint32_t p)
{
  for (uint32_t i = 0; i < h->nrecs; i++)
    if (h->recs[i].kind == IO_LOG_REC_SPIKES && h->recs[i].pop == p && h->recs[i].count > 0)
      return 1;
  return 0;
}

int io_replay_summary(const char *const *paths, int n, int flags, FILE *out)
{
  return io_replay_report(paths, n, flags, NULL, out);
}

int io_replay_report(const char *const *paths, int n, int flags, const io_replay_filter *f,
                     FILE *out)
{
  io_replay *rp;
  int rc = io_replay_create(paths, n, flags, &rp);
  if (rc)
    return rc;
  const io_log_header *h = io_replay_header(rp);
  pop_rec *pr = NULL;
  if ((rc = io_replay_select(rp, IO_REPLAY_SPIKES, f)))
    goto done;
  pr = pop_recs(rp);
  uint64_t outside = 0;
  sim_time t;
  sim_gid g;
  while ((rc = io_replay_next(rp, &t, &g)) == 1) {
    int p = io_replay_pop_of(h, g); /* the reader checked gids, so p >= 0 */
    if (p >= 0 && pr[p].map && pr[p].map[g - h->pops[p].first_gid] >= 0)
      pr[p].spikes++;
    else
      outside++;
  }
  if (rc < 0)
    goto done;
  rc = 0;

  int dec = io_replay_ms_decimals(h->resolution_ms);
  uint32_t lo, hi;
  sim_time t0, t1;
  io_replay_range(rp, &lo, &hi, &t0, &t1);
  sim_time end = io_replay_end_tick(rp);
  double dur_ms = end > t0 ? (double)(end - t0) * h->resolution_ms : 0.0;
  int ntrunc = 0;
  for (int k = 0; k < n; k++) {
    io_log_status st;
    io_log_reader_status(io_replay_reader(rp, k), &st);
    ntrunc += st.truncated;
  }
  const int timed = f && (t0 > 0 || t1 < SIM_NEVER);

  /* one line per segment (a run resumed on another rank count has two,
     io_replay_seg.h); the files come grouped by segment */
  for (int k = 0; k < n;) {
    const io_log_header *sg = io_log_reader_header(io_replay_reader(rp, k));
    int e = k;
    while (e < n && io_log_reader_header(io_replay_reader(rp, e))->t_start == sg->t_start)
      e++;
    if (k == 0)
      fprintf(out, "replay: %d log file%s of a run on %d rank%s (ranks", e - k,
              e - k == 1 ? "" : "s", sg->nranks, sg->nranks == 1 ? "" : "s");
    else
      fprintf(out, "resumed at %.*f ms: %d log file%s on %d rank%s (ranks", dec,
              (double)sg->t_start * sg->resolution_ms, e - k, e - k == 1 ? "" : "s",
              sg->nranks, sg->nranks == 1 ? "" : "s");
    for (int j = k; j < e; j++)
      fprintf(out, " %d", io_log_reader_header(io_replay_reader(rp, j))->rank);
    fprintf(out, ")\n");
    k = e;
  }
  fprintf(out, "config: %s  digest: %016" PRIx64 "  seed: %" PRIu64 "\n",
          h->config[0] ? h->config : "(none)", h->digest, h->seed);
  if (timed)
    fprintf(out, "window: [%.*f, %.*f) ms: %.*f ms\n", dec, (double)t0 * h->resolution_ms,
            dec, (double)(end > t0 ? end : t0) * h->resolution_ms, dec, dur_ms);
  else
    fprintf(out, "duration: %.*f ms (%" PRId64 " ticks of %g ms)%s\n", dec, dur_ms, end,
            h->resolution_ms,
            ntrunc ? ", up to the last window end every file completed: truncated log" : "");
  if (timed && end <= t0 && t0 > 0)
    fprintf(out, "note: --from %.*f ms is at or after the end of the recorded data "
            "(%.*f ms): an empty window\n", dec, (double)t0 * h->resolution_ms, dec,
            (double)end * h->resolution_ms);
  if (f && f->neurons)
    fprintf(out, "neurons: local ids [%u, %u)\n", lo, hi);
  fprintf(out, "%-16s %-20s %10s %12s %10s\n", "population", "model",
          "neurons", "spikes", "rate_Hz");
  uint64_t tot_n = 0, tot_s = 0;
  for (uint32_t p = 0; p < h->npops; p++) {
    if (!pr[p].map)
      continue;
    if (!has_spike_recorder(h, p)) {
      fprintf(out, "%-16s %-20s %10s\n", h->pops[p].name, h->pops[p].model,
              "not recorded");
      continue;
    }
    double rate = dur_ms > 0 && pr[p].neurons
                      ? (double)pr[p].spikes / ((double)pr[p].neurons * dur_ms * 1e-3)
                      : 0.0;
    fprintf(out, "%-16s %-20s %10" PRIu64 " %12" PRIu64 " %10.3f\n",
            h->pops[p].name, h->pops[p].model, pr[p].neurons, pr[p].spikes,
            rate);
    tot_n += pr[p].neurons;
    tot_s += pr[p].spikes;
  }
  fprintf(out, "%-16s %-20s %10" PRIu64 " %12" PRIu64 " %10.3f\n", "total", "",
          tot_n, tot_s,
          dur_ms > 0 && tot_n ? (double)tot_s / ((double)tot_n * dur_ms * 1e-3)
                              : 0.0);
  for (uint32_t i = 0; i < h->nrecs && !timed; i++)
    if (h->recs[i].kind == IO_LOG_REC_STATE && io_replay_pop_selected(rp, h->recs[i].pop))
      fprintf(out, "recorder %s (state of %s): %" PRIu64 " sample records\n",
              h->recs[i].name, h->pops[h->recs[i].pop].name, io_replay_samples_read(rp, i));
  for (int k = 0; k < n; k++) {
    io_log_status st;
    io_log_reader_status(io_replay_reader(rp, k), &st);
    if (!st.truncated)
      continue;
    fprintf(out, "truncated: %s: after record %" PRIu64 " at byte %" PRIu64,
            paths[k], st.records, st.good_bytes);
    if (st.partial_bytes)
      fprintf(out, " (%" PRIu64 " bytes of an incomplete record dropped)",
              st.partial_bytes);
    else
      fprintf(out, " (no end record)");
    fprintf(out, ", complete up to %.*f ms\n", dec,
            (double)st.complete_tick * h->resolution_ms);
  }
  uint64_t nread = 0;
  int nindexed = 0;
  for (int k = 0; k < n; k++) {
    io_log_status st;
    io_log_reader_status(io_replay_reader(rp, k), &st);
    nread += st.records;
    nindexed += io_log_reader_indexed(io_replay_reader(rp, k));
  }
  fprintf(out, "read: %" PRIu64 " records%s\n", nread,
          t0 > 0 ? (nindexed == n ? " (after a seek by the index)"
                   : nindexed ? " (after a seek: some files by their index, the others by a scan)"
                              : " (after a seek by a scan: no index)")
                 : "");
  for (int k = 0; k < n; k++) {
    const char *wmsg = io_log_reader_warning(io_replay_reader(rp, k));
    if (wmsg)
      fprintf(out, "note: %s\n", wmsg);
  }
  char miss[160];
  int nmiss = io_replay_missing_ranks(rp, miss, sizeof miss);
  if (nmiss)
    fprintf(out, "note: %d of %d rank files given, rank%s%s missing (--partial): counts "
            "and rates cover only the neurons the given ranks own\n", n, h->nranks,
            nmiss > 1 ? "s" : "", miss);
  if (io_replay_dropped(rp))
    fprintf(out, "note: %" PRIu64 " spikes at or after %.*f ms (beyond what "
            "every file covers) ignored\n", io_replay_dropped(rp), dec,
            (double)end * h->resolution_ms);
  if (outside)
    fprintf(out, "note: %" PRIu64 " spikes of neurons outside every spike "
            "recorder ignored\n", outside);
done:
  if (pr)
    pop_recs_free(h, pr);
  io_replay_destroy(rp);
  return rc;
}

int io_replay_spikes_csv(const char *const *paths, int n, int flags, FILE *out)
{
  return io_replay_csv(paths, n, flags, IO_REPLAY_SPIKES, NULL, out);
}

/* ------------------------------------------------------------ CSV */

static int csv_spikes(io_replay *rp, FILE *out)
{
  const io_log_header *h = io_replay_header(rp);
  int dec = io_replay_ms_decimals(h->resolution_ms);
  sim_time t;
  sim_gid g;
  int rc;
  fputs("time_ms,population,local_id,gid\n", out);
  while ((rc = io_replay_next(rp, &t, &g)) == 1) {
    int p = io_replay_pop_of(h, g);
    fprintf(out, "%.*f,%s,%" PRIu32 ",%" PRIu32 "\n", dec, (double)t * h->resolution_ms,
            p >= 0 ? h->pops[p].name : "", p >= 0 ? g - h->pops[p].first_gid : g, g);
  }
  return rc;
}

/* The sample CSV's variable columns: the union of the selected state
   recorders' variables, in order of first appearance; col[rec][v] is the
   column of variable v of recorder rec. */
typedef struct sample_cols {
  const char **name;   /* ncols, borrowed from the header */
  uint32_t ncols;
  uint32_t **col;      /* per recorder (NULL: not a selected state one) */
} sample_cols;

static void sample_cols_init(const io_replay *rp, sample_cols *sc)
{
  const io_log_header *h = io_replay_header(rp);
  uint32_t total = 0;
  for (uint32_t i = 0; i < h->nrecs; i++)
    total += h->recs[i].nvars;
  sc->name = sim_calloc(total + 1u, sizeof *sc->name, "sample columns");
  sc->ncols = 0;
  sc->col = sim_calloc(h->nrecs + 1u, sizeof *sc->col, "sample columns");
  for (uint32_t i = 0; i < h->nrecs; i++) {
    const io_log_rec *r = &h->recs[i];
    if (r->kind != IO_LOG_REC_STATE || !io_replay_pop_selected(rp, r->pop))
      continue;
    sc->col[i] = sim_calloc(r->nvars + 1u, sizeof **sc->col, "sample columns");
    for (uint32_t v = 0; v < r->nvars; v++) {
      uint32_t c = 0;
      while (c < sc->ncols && strcmp(sc->name[c], r->vars[v]) != 0)
        c++;
      if (c == sc->ncols)
        sc->name[sc->ncols++] = r->vars[v];
      sc->col[i][v] = c;
    }
  }
}

static void sample_cols_fini(const io_log_header *h, sample_cols *sc)
{
  for (uint32_t i = 0; i < h->nrecs; i++)
    sim_free(sc->col[i]);
  sim_free(sc->col);
  sim_free(sc->name);
}

static int csv_samples(io_replay *rp, FILE *out)
{
  const io_log_header *h = io_replay_header(rp);
  int dec = io_replay_ms_decimals(h->resolution_ms);
  sample_cols sc;
  sample_cols_init(rp, &sc);
  if (sc.ncols == 0) {
    sample_cols_fini(h, &sc);
    return sim_error_set(SIM_EINVAL, "--kind samples: %s has no state recorder (multimeter)"
                         "%s: nothing to write", io_log_reader_path(io_replay_reader(rp, 0)),
                         " of the selected populations");
  }
  fputs("time_ms,population,local_id,gid", out);
  for (uint32_t c = 0; c < sc.ncols; c++) {
    const char *u = io_log_reader_unit(io_replay_reader(rp, 0), sc.name[c]);
    fprintf(out, ",%s%s%s", sc.name[c], u && u[0] ? "_" : "", u && u[0] ? u : "");
  }
  fputc('\n', out);
  double *row = sim_calloc(sc.ncols + 1u, sizeof *row, "sample row");
  uint8_t *has = sim_calloc(sc.ncols + 1u, 1, "sample row");
  sim_time t;
  uint32_t rec;
  sim_gid g;
  const double *v;
  int rc;
  while ((rc = io_replay_next_sample(rp, &t, &rec, &g, &v)) == 1) {
    const io_log_rec *r = &h->recs[rec];
    memset(has, 0, sc.ncols);
    for (uint32_t k = 0; k < r->nvars; k++) {
      row[sc.col[rec][k]] = v[k];
      has[sc.col[rec][k]] = 1;
    }
    fprintf(out, "%.*f,%s,%" PRIu32 ",%" PRIu32, dec, (double)t * h->resolution_ms,
            h->pops[r->pop].name, g - h->pops[r->pop].first_gid, g);
    for (uint32_t c = 0; c < sc.ncols; c++)
      if (has[c])
        fprintf(out, ",%.17g", row[c]);
      else
        fputc(',', out);
    fputc('\n', out);
  }
  sim_free(row);
  sim_free(has);
  sample_cols_fini(h, &sc);
  return rc;
}

/* "E,12,112": population, local id, gid */
static void put_neuron(FILE *out, const io_log_header *h, sim_gid g)
{
  int p = io_replay_pop_of(h, g);
  fprintf(out, ",%s,%" PRIu32 ",%" PRIu32, p >= 0 ? h->pops[p].name : "",
          p >= 0 ? g - h->pops[p].first_gid : g, g);
}

static void put_g(FILE *out, double g)
{
  if (isnan(g))
    fputc(',', out);
  else
    fprintf(out, ",%.17g", g);
}

static const char *proj_name(const io_log_header *h, uint32_t k)
{
  return k < h->nprojs ? h->projs[k].name : "";
}

/* Is there a recorder of kind k (of a selected target population)? */
static int has_recorder(const io_replay *rp, io_log_rec_kind k)
{
  const io_log_header *h = io_replay_header(rp);
  for (uint32_t i = 0; i < h->nrecs; i++)
    if (h->recs[i].kind == k && (k == IO_LOG_REC_ENERGY || io_replay_pop_selected(rp, h->recs[i].pop)))
      return 1;
  return 0;
}

static int csv_rows(io_replay *rp, io_replay_kind kind, FILE *out)
{
  static const io_log_rec_kind rk[] = {[IO_REPLAY_WEIGHTS] = IO_LOG_REC_WEIGHTS,
                                       [IO_REPLAY_DEVICES] = IO_LOG_REC_DEVICES,
                                       [IO_REPLAY_ENERGY] = IO_LOG_REC_ENERGY};
  const io_log_header *h = io_replay_header(rp);
  if (!has_recorder(rp, rk[kind]))
    return sim_error_set(SIM_EINVAL, "--kind %s: %s has no %s recorder%s: nothing to write",
                         io_replay_kind_names[kind], io_log_reader_path(io_replay_reader(rp, 0)),
                         io_replay_kind_names[kind],
                         kind == IO_REPLAY_ENERGY ? "" : " of the selected populations");
  int dec = io_replay_ms_decimals(h->resolution_ms);
  const char *wu = h->weight_unit && h->weight_unit[0] ? h->weight_unit : "pA";
  if (kind == IO_REPLAY_WEIGHTS)
    fprintf(out, "time_ms,recorder,projection,pre_population,pre_local_id,pre_gid,"
            "post_population,post_local_id,post_gid,weight_%s,conductance_uS\n", wu);
  else if (kind == IO_REPLAY_DEVICES)
    fputs("time_ms,projection,pre_population,pre_local_id,pre_gid,post_population,"
          "post_local_id,post_gid,pulses,conductance_uS\n", out);
  else
    fputs("time_ms,component,kind,name,reads,pulses,updates,spikes,read_energy_pJ,"
          "write_energy_pJ\n", out);
  const io_replay_row *w;
  io_replay_row sum = {0};
  int have = 0, rc;
  while ((rc = io_replay_next_row(rp, &w)) >= 0) {
    if (kind == IO_REPLAY_ENERGY) {
      /* one row per (window end, component): the files' rows summed */
      if (rc == 1 && have && w->tick == sum.tick && w->id == sum.id) {
        sum.reads += w->reads;
        sum.npulses += w->npulses;
        sum.updates += w->updates;
        sum.spikes += w->spikes;
        sum.read_pj += w->read_pj;
        sum.write_pj += w->write_pj;
        continue;
      }
      if (have) {
        uint32_t k = sum.id;
        const char *kd = k < h->nprojs ? "projection"
                         : k - h->nprojs < h->npops ? "population" : "transport";
        const char *nm = k < h->nprojs ? proj_name(h, k)
                         : k - h->nprojs < h->npops ? h->pops[k - h->nprojs].name : "";
        fprintf(out, "%.*f,%" PRIu32 ",%s,%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
                ",%.17g,%.17g\n", dec, (double)sum.tick * h->resolution_ms, k, kd, nm,
                sum.reads, sum.npulses, sum.updates, sum.spikes, sum.read_pj, sum.write_pj);
      }
      if (rc == 0)
        break;
      sum = *w;
      have = 1;
      continue;
    }
    if (rc == 0)
      break;
    fprintf(out, "%.*f", dec, (double)w->tick * h->resolution_ms);
    if (kind == IO_REPLAY_WEIGHTS)
      fprintf(out, ",%s,%s", h->recs[w->id].name, proj_name(h, h->recs[w->id].proj));
    else
      fprintf(out, ",%s", proj_name(h, w->id));
    put_neuron(out, h, w->pre);
    put_neuron(out, h, w->post);
    if (kind == IO_REPLAY_WEIGHTS)
      fprintf(out, ",%.17g", w->w);
    else
      fprintf(out, ",%" PRId32, w->pulses);
    put_g(out, w->g);
    fputc('\n', out);
  }
  return rc;
}

int io_replay_csv(const char *const *paths, int n, int flags, io_replay_kind kind,
                  const io_replay_filter *f, FILE *out)
{
  io_replay *rp;
  int rc = io_replay_create(paths, n, flags, &rp);
  if (rc)
    return rc;
  if ((rc = io_replay_select(rp, kind, f)) == 0) {
    switch (kind) {
    case IO_REPLAY_SPIKES:
      rc = csv_spikes(rp, out);
      break;
    case IO_REPLAY_SAMPLES:
      rc = csv_samples(rp, out);
      break;
    case IO_REPLAY_WEIGHTS:
    case IO_REPLAY_DEVICES:
    case IO_REPLAY_ENERGY:
      rc = csv_rows(rp, kind, out);
      break;
    default:
      rc = sim_error_set(SIM_EINVAL, "--kind: this build cannot export kind %d", (int)kind);
    }
  }
  if (rc == 0 && ferror(out))
    rc = sim_error_set(SIM_EIO, "cannot write the CSV output");
  io_replay_destroy(rp);
  return rc;
}
