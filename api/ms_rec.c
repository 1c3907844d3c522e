/*
 * ms_rec.c: the API's in-memory recorder (a sim_recorder beside the event
 * log's) and the readers of what it holds.  This rank keeps the spikes of
 * every neuron a spike record covers (once, however many records cover
 * it) and the sample rows of each multimeter; the readers gather them
 * over ranks and put them in the order one rank gives: spikes by (tick,
 * gid), samples by tick then gid.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"
#include "ms_int.h"

/* ------------------------------------------------------------ recorder */

static void mr_spike(void *self, sim_time t, sim_gid gid)
{
  ms_memrec *m = self;
  if (m->nspk == m->capspk) {
    m->capspk = m->capspk ? 2 * m->capspk : 1024;
    m->spk_t = sim_realloc(m->spk_t, m->capspk * sizeof *m->spk_t, "recorded spikes");
    m->spk_g = sim_realloc(m->spk_g, m->capspk * sizeof *m->spk_g, "recorded spikes");
  }
  m->spk_t[m->nspk] = t;
  m->spk_g[m->nspk++] = gid;
}

static void mr_sample(void *self, uint32_t rec, sim_time t, const double *v, uint32_t n)
{
  ms_memrec *m = self;
  struct ms_samples *s = &m->smp[rec];
  if (s->nrows == s->cap) {
    s->cap = s->cap ? 2 * s->cap : 256;
    s->t = sim_realloc(s->t, s->cap * sizeof *s->t, "recorded samples");
    s->v = sim_realloc(s->v, s->cap * (size_t)s->nval * sizeof *s->v + 8, "recorded samples");
  }
  s->t[s->nrows] = t;
  if (n)
    memcpy(s->v + s->nrows * (size_t)s->nval, v, (size_t)n * sizeof *v);
  s->nrows++;
}

static int mr_window_end(void *self, sim_time t_next)
{
  (void)self, (void)t_next;
  return 0;
}

const sim_recorder_ops ms_memrec_ops = {
    .name = "memory",
    .spike = mr_spike,
    .sample = mr_sample,
    .window_end = mr_window_end,
};

/* The local gids record rec samples (ascending), into out (or count). */
static uint32_t rec_local_gids(const net_network *net, const net_rec_desc *rd, sim_gid *out)
{
  const net_pop *p = &net->pops[rd->pop];
  uint32_t n = 0;
  for (uint32_t j = 0; j < p->nlocal; j++) {
    uint32_t off = p->gid[j] - p->desc->first_gid;
    if (off >= rd->first && off - rd->first < rd->count) {
      if (out)
        out[n] = p->gid[j];
      n++;
    }
  }
  return n;
}

void ms_memrec_init(ms_memrec *m, const net_network *net)
{
  memset(m, 0, sizeof *m);
  const net_desc *d = net->desc;
  m->nrecs = d->nrecs;
  m->smp = sim_calloc(d->nrecs + 1, sizeof *m->smp, "recorded samples");
  m->cut = sim_calloc(d->nrecs + 1, sizeof *m->cut, "recorded samples");
  m->res_ms = d->sim.resolution_ms;
  for (uint32_t r = 0; r < d->nrecs; r++)
    if (d->recs[r].kind == NET_REC_STATE)
      m->smp[r].nval = rec_local_gids(net, &d->recs[r], NULL) * d->recs[r].nvars;
}

void ms_memrec_fini(ms_memrec *m)
{
  sim_free(m->spk_t);
  sim_free(m->spk_g);
  for (uint32_t r = 0; m->smp && r < m->nrecs; r++) {
    sim_free(m->smp[r].t);
    sim_free(m->smp[r].v);
  }
  sim_free(m->smp);
  sim_free(m->cut);
  memset(m, 0, sizeof *m);
}

/* ------------------------------------------------------------- readers */

/* The net_desc record of API record handle rec (the rec-th spike
   recorder or multimeter), or -1 with a message. */
static int rec_index(const ms_sim *sim, int rec, net_rec_kind kind, const char *fn)
{
  if (ms_check_sim(sim, fn))
    return -1;
  int k = rec;
  for (uint32_t r = 0; rec >= 0 && r < sim->desc->nrecs; r++) {
    net_rec_kind kr = sim->desc->recs[r].kind;
    if ((kr == NET_REC_SPIKES || kr == NET_REC_STATE) && k-- == 0) {
      if (kr != kind) {
        sim_error_set(SIM_EINVAL, "%s: record %d is a %s, not a %s", fn, rec,
                      kr == NET_REC_SPIKES ? "spike record" : "multimeter",
                      kind == NET_REC_SPIKES ? "spike record" : "multimeter");
        return -1;
      }
      return (int)r;
    }
  }
  sim_error_set(SIM_EINVAL, "%s: no record %d", fn, rec);
  return -1;
}

static int not_recorded(const ms_sim *sim, const char *fn)
{
  if (!sim->memrec)
    return sim_error_set(SIM_ESTATE, "%s: this simulation keeps no data in memory", fn);
  return 0;
}

typedef struct spk_item {
  int64_t t;
  uint32_t gid, pad;
} spk_item;

static int spk_cmp(const void *a, const void *b)
{
  const spk_item *x = a, *y = b;
  if (x->t != y->t)
    return x->t < y->t ? -1 : 1;
  return (x->gid > y->gid) - (x->gid < y->gid);
}

/* Every rank's spikes of record r (desc index), sorted; caller frees. */
static spk_item *gather_spikes(const ms_sim *sim, int r, size_t *n)
{
  const net_rec_desc *rd = &sim->desc->recs[r];
  const sim_gid g0 = sim->desc->pops[rd->pop].first_gid + rd->first;
  const ms_memrec *m = &sim->mr;
  const sim_time cut = m->cut ? m->cut[r] : 0;
  size_t k = 0;
  spk_item *mine = sim_malloc((m->nspk + 1) * sizeof *mine, "spike gather");
  for (size_t i = 0; i < m->nspk; i++)
    if (m->spk_g[i] - g0 < rd->count && m->spk_g[i] >= g0 && m->spk_t[i] >= cut)
      mine[k++] = (spk_item){m->spk_t[i], m->spk_g[i], 0};
  void *all = NULL;
  ms_allgather(mine, k, sizeof *mine, &all, n, NULL);
  sim_free(mine);
  qsort(all, *n, sizeof(spk_item), spk_cmp);
  return all;
}

int ms_rec_spike_count(const ms_sim *sim, int rec, size_t *n)
{
  const char *fn = "ms_rec_spike_count";
  int r = rec_index(sim, rec, NET_REC_SPIKES, fn);
  if (r < 0)
    return sim_error_code();
  if (not_recorded(sim, fn))
    return sim_error_code();
  if (!sim->net) {
    *n = 0;
    return 0;
  }
  sim_free(gather_spikes(sim, r, n));
  return 0;
}

int ms_rec_spikes(const ms_sim *sim, int rec, double *t_ms, uint32_t *gid, size_t n)
{
  const char *fn = "ms_rec_spikes";
  int r = rec_index(sim, rec, NET_REC_SPIKES, fn);
  if (r < 0)
    return sim_error_code();
  if (not_recorded(sim, fn))
    return sim_error_code();
  size_t got = 0;
  spk_item *all = sim->net ? gather_spikes(sim, r, &got) : NULL;
  if (n < got) {
    sim_free(all);
    return sim_error_set(SIM_EINVAL, "%s: arrays of %zu entries for %zu spikes", fn, n, got);
  }
  for (size_t i = 0; i < got; i++) {
    if (t_ms)
      t_ms[i] = (double)all[i].t * sim->desc->sim.resolution_ms;
    if (gid)
      gid[i] = all[i].gid;
  }
  sim_free(all);
  return 0;
}

/* Samples travel as (tick, gid, values...) items of 2 + nvars doubles. */
static double *gather_samples(const ms_sim *sim, int r, size_t *nitems)
{
  const net_rec_desc *rd = &sim->desc->recs[r];
  const struct ms_samples *s = &sim->mr.smp[r];
  const uint32_t nv = rd->nvars, w = 2 + nv;
  const uint32_t nloc = nv ? s->nval / nv : 0;
  sim_gid *gids = sim_malloc((size_t)nloc * sizeof *gids + 4, "sample gather");
  rec_local_gids(sim->net, rd, gids);
  size_t k = 0;
  double *mine = sim_malloc((s->nrows * (size_t)nloc + 1) * w * sizeof *mine, "sample gather");
  for (size_t row = 0; row < s->nrows; row++) {
    if (s->t[row] < sim->mr.cut[r])
      continue;
    for (uint32_t g = 0; g < nloc; g++, k++) {
      double *it = mine + k * w;
      it[0] = (double)s->t[row];
      it[1] = gids[g];
      memcpy(it + 2, s->v + row * (size_t)s->nval + (size_t)g * nv, nv * sizeof *it);
    }
  }
  void *all = NULL;
  ms_allgather(mine, k, w * sizeof *mine, &all, nitems, NULL);
  sim_free(mine);
  sim_free(gids);
  return all;
}

static int dbl_cmp(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Distinct ticks of the gathered items, ascending, into *ticks (owned). */
static size_t sample_rows(const double *items, size_t n, uint32_t w, double **ticks)
{
  double *t = sim_malloc((n + 1) * sizeof *t, "sample rows");
  for (size_t i = 0; i < n; i++)
    t[i] = items[i * w];
  qsort(t, n, sizeof *t, dbl_cmp);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (k == 0 || t[i] != t[k - 1])
      t[k++] = t[i];
  *ticks = t;
  return k;
}

int ms_rec_sample_shape(const ms_sim *sim, int rec, size_t *nrows, uint32_t *ngids,
                        uint32_t *nvars)
{
  const char *fn = "ms_rec_sample_shape";
  int r = rec_index(sim, rec, NET_REC_STATE, fn);
  if (r < 0 || not_recorded(sim, fn))
    return sim_error_code();
  const net_rec_desc *rd = &sim->desc->recs[r];
  if (ngids)
    *ngids = rd->count;
  if (nvars)
    *nvars = rd->nvars;
  if (!nrows)
    return 0;
  *nrows = 0;
  if (!sim->net)
    return 0;
  size_t n = 0;
  double *items = gather_samples(sim, r, &n), *ticks = NULL;
  *nrows = sample_rows(items, n, 2 + rd->nvars, &ticks);
  sim_free(ticks);
  sim_free(items);
  return 0;
}

int ms_rec_sample_gids(const ms_sim *sim, int rec, uint32_t *gids, uint32_t ngids)
{
  const char *fn = "ms_rec_sample_gids";
  int r = rec_index(sim, rec, NET_REC_STATE, fn);
  if (r < 0)
    return sim_error_code();
  const net_rec_desc *rd = &sim->desc->recs[r];
  if (ngids < rd->count)
    return sim_error_set(SIM_EINVAL, "%s: an array of %u entries for %u neurons", fn, ngids,
                         rd->count);
  for (uint32_t g = 0; g < rd->count; g++)
    gids[g] = sim->desc->pops[rd->pop].first_gid + rd->first + g;
  return 0;
}

int ms_rec_sample_var(const ms_sim *sim, int rec, uint32_t var, const char **name)
{
  const char *fn = "ms_rec_sample_var";
  int r = rec_index(sim, rec, NET_REC_STATE, fn);
  if (r < 0)
    return sim_error_code();
  const net_rec_desc *rd = &sim->desc->recs[r];
  if (var >= rd->nvars)
    return sim_error_set(SIM_EINVAL, "%s: variable %u: the record has %u", fn, var,
                         rd->nvars);
  *name = sim->desc->pops[rd->pop].model->var_names[rd->vars[var]];
  return 0;
}

int ms_rec_samples(const ms_sim *sim, int rec, double *t_ms, double *values, size_t nrows)
{
  const char *fn = "ms_rec_samples";
  int r = rec_index(sim, rec, NET_REC_STATE, fn);
  if (r < 0 || not_recorded(sim, fn))
    return sim_error_code();
  if (!sim->net)
    return 0;
  const net_rec_desc *rd = &sim->desc->recs[r];
  const uint32_t nv = rd->nvars, w = 2 + nv;
  const sim_gid g0 = sim->desc->pops[rd->pop].first_gid + rd->first;
  size_t n = 0;
  double *items = gather_samples(sim, r, &n), *ticks = NULL;
  size_t rows = sample_rows(items, n, w, &ticks);
  int rc = 0;
  if (nrows < rows)
    rc = sim_error_set(SIM_EINVAL, "%s: arrays for %zu rows, %zu recorded", fn, nrows, rows);
  for (size_t i = 0; !rc && t_ms && i < rows; i++)
    t_ms[i] = ticks[i] * sim->desc->sim.resolution_ms;
  if (!rc && values) {
    for (size_t i = 0; i < rows * rd->count * nv; i++)
      values[i] = NAN;
    for (size_t i = 0; i < n; i++) {
      const double *it = items + i * w;
      double *row = bsearch(&it[0], ticks, rows, sizeof *ticks, dbl_cmp);
      size_t ri = (size_t)(row - ticks), g = (size_t)((sim_gid)it[1] - g0);
      memcpy(values + (ri * rd->count + g) * nv, it + 2, nv * sizeof *values);
    }
  }
  sim_free(ticks);
  sim_free(items);
  return rc;
}

int ms_rec_clear(ms_sim *sim, int rec)
{
  const char *fn = "ms_rec_clear";
  int r = -1;
  for (int kind = NET_REC_SPIKES; r < 0 && kind <= NET_REC_STATE; kind++) {
    r = rec_index(sim, rec, (net_rec_kind)kind, fn);
  }
  if (r < 0)
    return sim_error_code();
  sim_error_clear();
  if (!sim->net)
    return 0;
  /* Hidden from now on; the memory of a multimeter's rows is freed. */
  sim->mr.cut[r] = sim->eng ? sim_engine_now(sim->eng) : 0;
  sim->mr.smp[r].nrows = 0;
  return 0;
}
