/*
 * fixture_log.c: the fixtures of the event-log suites (test_log.c, the
 * writer; test_log_read.c, the reader and replay): their scratch
 * directory, logs made by lf_gen_log from a small fixed network and a
 * deterministic spike pattern, what those logs must hold, and records
 * reduced to comparable numbers.  Declared in fixture_log.h.
 */
#include "fixture_log.h"

#include <CUnit/CUnit.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[64];

const char *lf_tpath(const char *name)
{
  static char buf[8][400];
  static int k;
  k = (k + 1) % 8;
  snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
  return buf[k];
}

int lf_suite_init(void)
{
  strcpy(tmpdir, "/tmp/memspike_test_log_XXXXXX");
  return mkdtemp(tmpdir) ? 0 : -1;
}

int lf_suite_clean(void)
{
  DIR *d = opendir(tmpdir);
  if (!d)
    return -1;
  struct dirent *e;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
      remove(lf_tpath(e->d_name));
  closedir(d);
  return rmdir(tmpdir);
}

const io_log_pop lf_pops[] = {
    {"E", "iaf_psc_delta", 0, 80},
    {"I", "iaf_psc_delta", 80, 20},
    {"noise", "poisson_generator", 100, 10},
};
static const char *const vm_vars[] = {"V_m", "I_syn"};

uint32_t lf_lcg(uint32_t *s)
{
  *s = *s * 1664525u + 1013904223u;
  return *s >> 8;
}

/* The k-th generated spike of window w (unsorted, duplicates possible). */
int lf_win_spikes(int w, int big, sim_time *t, sim_gid *g)
{
  uint32_t s = 12345u + 977u * (uint32_t)w;
  int n = (w * 7) % 13 + big; /* window 0 and 13 have none */
  if (w % 13 == 0)
    n = 0;
  for (int i = 0; i < n; i++) {
    t[i] = (sim_time)w * WIN + lf_lcg(&s) % WIN;
    g[i] = lf_lcg(&s) % 110;
  }
  return n;
}

void lf_vm_values(sim_time tick, const sim_gid *gids, uint32_t ng,
                      double *v)
{
  for (uint32_t i = 0; i < ng; i++)
    for (uint32_t k = 0; k < 2; k++)
      v[i * 2 + k] = -70.0 + 0.25 * (double)tick + 10.0 * gids[i] + k / 3.0;
}

void lf_fill_header(io_log_header *h, io_log_rec *recs, sim_gid *vm_gids,
                        const gen *gn)
{
  uint32_t ng = 0;
  for (sim_gid gd = 0; gd < 3; gd++)
    if ((int)(gd % (sim_gid)gn->nranks) == gn->rank)
      vm_gids[ng++] = gd;
  recs[0] = (io_log_rec){.name = "spikes_E", .pop = 0,
                         .kind = IO_LOG_REC_SPIKES, .first = 0, .count = 80};
  recs[1] = (io_log_rec){.name = "spikes_I", .pop = 1,
                         .kind = IO_LOG_REC_SPIKES, .first = 0, .count = 10};
  recs[2] = (io_log_rec){.name = "vm", .pop = 0, .kind = IO_LOG_REC_STATE,
                         .first = 0, .count = 3, .vars = vm_vars, .nvars = 2,
                         .interval_ms = 0.5, .gids = vm_gids, .ngids = ng};
  *h = (io_log_header){.config = "configs/test.ini", .digest = gn->digest,
                       .seed = 42, .rank = gn->rank, .nranks = gn->nranks,
                       .resolution_ms = 0.1, .duration_ms = gn->nwin * WIN * 0.1,
                       .pops = lf_pops, .npops = 3, .recs = recs, .nrecs = 3};
}

/* Write a log as described by gn; returns the io_log result code. */
int lf_gen_log(const char *path, const gen *gn)
{
  io_log_rec recs[3];
  sim_gid vm_gids[3];
  io_log_header h;
  lf_fill_header(&h, recs, vm_gids, gn);
  io_log *log;
  int rc = io_log_create(path, &h, &log);
  if (rc)
    return rc;
  sim_time t[4096];
  sim_gid g[4096];
  double v[6];
  for (int w = 0; w < gn->nwin; w++) {
    int n = lf_win_spikes(w, gn->big, t, g);
    for (int i = 0; i < n; i++)
      if ((int)(g[i] % (sim_gid)gn->nranks) == gn->rank)
        io_log_spike(log, t[i], g[i]);
    for (sim_time tk = (sim_time)w * WIN; tk < (sim_time)(w + 1) * WIN; tk++)
      if (tk % VM_EVERY == 0) { /* n == 0 on a rank without vm neurons */
        lf_vm_values(tk, vm_gids, recs[2].ngids, v);
        io_log_sample(log, 2, tk, v, recs[2].ngids * 2);
      }
    if ((rc = io_log_flush(log, (sim_time)(w + 1) * WIN)))
      return rc;
  }
  if (gn->close)
    return io_log_close(log, (sim_time)gn->nwin * WIN);
  io_log_destroy(log);
  return 0;
}

/* ---------------------------------------------------- version 2, all kinds */

static const io_log_proj v2_projs[] = {
    {"EE", 0, 0, "static", ""},
    {"EI", 0, 1, "device", "ecram_li_wo3"},
};

void lf_fill_header_v2(io_log_header *h, io_log_rec *recs, sim_gid *vm_gids,
                       const gen *gn)
{
  lf_fill_header(h, recs, vm_gids, gn);
  recs[3] = (io_log_rec){.name = "W", .pop = 0, .kind = IO_LOG_REC_WEIGHTS,
                         .interval_ms = 3.0, .proj = 0, .sample = 0.5};
  recs[4] = (io_log_rec){.name = "D", .pop = 1, .kind = IO_LOG_REC_DEVICES,
                         .proj = 1};
  recs[5] = (io_log_rec){.name = "En", .pop = 0, .kind = IO_LOG_REC_ENERGY};
  h->nrecs = 6;
  h->projs = v2_projs;
  h->nprojs = 2;
  h->weight_unit = "mV";
}

int lf_gen_log_v2(const char *path, const gen *gn)
{
  io_log_rec recs[6];
  sim_gid vm_gids[3];
  io_log_header h;
  lf_fill_header_v2(&h, recs, vm_gids, gn);
  io_log *log;
  int rc = io_log_create(path, &h, &log);
  if (rc)
    return rc;
  static sim_time t[65536];
  static sim_gid g[65536];
  double v[6];
  uint32_t r = (uint32_t)gn->rank;
  for (int w = 0; w < gn->nwin; w++) {
    sim_time t0 = (sim_time)w * WIN, t1 = t0 + WIN;
    int n = lf_win_spikes(w, gn->big, t, g);
    for (int i = 0; i < n; i++)
      if ((int)(g[i] % (sim_gid)gn->nranks) == gn->rank)
        io_log_spike(log, t[i], g[i]);
    for (sim_time tk = t0; tk < t1; tk++)
      if (tk % VM_EVERY == 0) {
        lf_vm_values(tk, vm_gids, recs[2].ngids, v);
        io_log_sample(log, 2, tk, v, recs[2].ngids * 2);
      }
    if (w % 2 == 0) { /* a snapshot every 2 windows (3 ms) */
      sim_gid pre[8], post[8];
      double wv[8];
      uint32_t m = 3 + r;
      for (uint32_t i = 0; i < m; i++) {
        pre[i] = r + 2 * i;
        post[i] = 5 + i;
        wv[i] = 0.1 * i + 0.01 * w;
      }
      io_log_weights(log, 3, t1, pre, post, wv, NULL, m);
    }
    if (w % 3 != 1) {
      io_log_dev_write dw[8];
      uint32_t m = (uint32_t)(w % 4) + 1;
      for (uint32_t i = 0; i < m; i++)
        dw[i] = (io_log_dev_write){t0 + 3 * i, 10 + i + r, 80 + i,
                                   (i % 2 ? -1 : 2) * (int32_t)(i + 1),
                                   0.5 + 0.01 * w + i};
      io_log_devices(log, t1, 1, dw, m);
    }
    if (w % 5 != 4) {
      io_log_energy_row er[3] = {
          {0, 10u * w + r, 3, 7, 100u + w, 1.5 * w, 0},
          {2, 0, 0, 80, (uint64_t)n, 0, 0},
          {5, 64u * w, 0, 0, 2u * w + r, 0, 0.25 * w}};
      io_log_energy(log, t1, er, 3);
    }
    if ((rc = io_log_flush(log, t1)))
      return rc;
  }
  if (gn->close)
    return io_log_close(log, (sim_time)gn->nwin * WIN);
  io_log_destroy(log);
  return 0;
}

const gen lf_gen_default = {.nwin = 20, .rank = 0, .nranks = 1,
                                .digest = 0xfeedface12345678ull, .close = 1};

/* Whole file into memory (caller frees); *n its size. */
unsigned char *lf_slurp(const char *path, size_t *n)
{
  FILE *f = fopen(path, "rb");
  *n = 0;
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long sz = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc(sz > 0 ? (size_t)sz : 1);
  *n = fread(b, 1, (size_t)sz, f);
  fclose(f);
  return b;
}

void lf_spit(const char *path, const void *b, size_t n)
{
  FILE *f = fopen(path, "wb");
  CU_ASSERT_FATAL(f != NULL);
  CU_ASSERT_FATAL(fwrite(b, 1, n, f) == n);
  fclose(f);
}

int lf_spk_cmp(const void *pa, const void *pb)
{
  const spk *a = pa, *b = pb;
  if (a->t != b->t)
    return a->t < b->t ? -1 : 1;
  return (a->g > b->g) - (a->g < b->g);
}

/* The spikes lf_gen_log gives to rank/nranks, sorted; returns the count. */
size_t lf_expected_spikes(const gen *gn, spk *out)
{
  sim_time t[4096];
  sim_gid g[4096];
  size_t m = 0;
  for (int w = 0; w < gn->nwin; w++) {
    int n = lf_win_spikes(w, gn->big, t, g);
    for (int i = 0; i < n; i++)
      if ((int)(g[i] % (sim_gid)gn->nranks) == gn->rank)
        out[m++] = (spk){t[i], g[i]};
  }
  qsort(out, m, sizeof *out, lf_spk_cmp);
  return m;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++)
    h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}

static rsum summarize(const io_log_record *rec)
{
  rsum s = {rec->type, rec->tick, rec->offset, rec->size, 0, 14695981039346656037ull};
  if (rec->type == IO_LOG_SPIKES) {
    s.n = rec->spikes.n;
    s.hash = fnv(fnv(s.hash, rec->spikes.ticks, s.n * sizeof(sim_time)),
                 rec->spikes.gids, s.n * sizeof(sim_gid));
  } else if (rec->type == IO_LOG_SAMPLES) {
    s.n = rec->samples.n;
    s.hash = fnv(fnv(s.hash, &rec->samples.rec, sizeof rec->samples.rec),
                 rec->samples.values, s.n * sizeof(double));
  } else if (rec->type == IO_LOG_DEVICES) {
    s.n = rec->devices.n;
    s.hash = fnv(s.hash, &rec->devices.proj, sizeof rec->devices.proj);
    s.hash = fnv(s.hash, rec->devices.ticks, s.n * sizeof(sim_time));
    s.hash = fnv(s.hash, rec->devices.pre, s.n * sizeof(sim_gid));
    s.hash = fnv(s.hash, rec->devices.post, s.n * sizeof(sim_gid));
    s.hash = fnv(s.hash, rec->devices.pulses, s.n * sizeof(int32_t));
    s.hash = fnv(s.hash, rec->devices.g, s.n * sizeof(double));
  } else if (rec->type == IO_LOG_ENERGY) {
    s.n = rec->energy.n;
    for (uint32_t i = 0; i < s.n; i++) {
      const io_log_energy_row *e = &rec->energy.rows[i];
      uint64_t f[5] = {e->component, e->reads, e->pulses, e->updates, e->spikes};
      s.hash = fnv(fnv(fnv(s.hash, f, sizeof f), &e->read_pj, sizeof(double)),
                   &e->write_pj, sizeof(double));
    }
  } else if (rec->type == IO_LOG_WEIGHTS) {
    s.n = rec->weights.n;
    s.hash = fnv(s.hash, &rec->weights.rec, sizeof rec->weights.rec);
    s.hash = fnv(s.hash, rec->weights.pre, s.n * sizeof(sim_gid));
    s.hash = fnv(s.hash, rec->weights.post, s.n * sizeof(sim_gid));
    s.hash = fnv(s.hash, rec->weights.w, s.n * sizeof(double));
    if (rec->weights.g)
      s.hash = fnv(s.hash, rec->weights.g, s.n * sizeof(double));
  } else if (rec->type == IO_LOG_END) {
    s.n = rec->end.spikes;
    s.hash = rec->end.samples + 1000003ull * rec->end.devices +
             1000033ull * rec->end.energy + 1000037ull * rec->end.weights;
  }
  return s;
}

int lf_rsum_eq(const rsum *a, const rsum *b)
{
  return a->type == b->type && a->tick == b->tick && a->offset == b->offset &&
         a->size == b->size && a->n == b->n && a->hash == b->hash;
}

/* Read every record of path into out (at most max); returns the count, or
   a negative code from the reader.  *st gets the final status. */
long lf_read_all(const char *path, rsum *out, long max, io_log_status *st)
{
  io_log_reader *r;
  int rc = io_log_reader_create(path, &r);
  if (rc)
    return rc;
  io_log_record rec;
  long n = 0;
  while ((rc = io_log_reader_next(r, &rec)) == 1)
    if (n < max)
      out[n++] = summarize(&rec);
  if (st)
    io_log_reader_status(r, st);
  io_log_reader_destroy(r);
  return rc < 0 ? rc : n;
}
