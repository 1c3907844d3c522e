/*
 * io_log_source.c: log_source, a spike source that plays back the
 * recorded spikes of one population of an earlier run, read from that
 * run's event logs (io_replay.h merges the files of all its ranks in
 * (tick, gid) order), so that recorded activity can drive another network.
 * Its spikes travel like a neuron's (travels = 1, as spike_generator's):
 * they are emitted through sim_engine_emit at tick (recorded time +
 * offset) in local index order, each rank emitting only the neurons it
 * owns, with a neuron's repeats in one tick (a parrot's multiplicity)
 * kept as repeats.
 *
 * It lives in io/ because it reads logs (neurons/ cannot include io/); the
 * config reader finds it through io/io_source.c.  Memory: the logs are
 * streamed, never loaded: each rank keeps one merged cursor over the files
 * (one spike block per file, as io_replay does) and a look-ahead of one
 * spike, and drops the spikes of other populations and of neurons other
 * ranks own as it reads.  Owns: the parameters (file names, the mapping
 * found in the logs' header) and, per rank, the replay stream.
 */
#include "io_source.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_engine.h"
#include "../core/sim_error.h"
#include "../core/sim_parse.h"
#include "io_replay.h"

/* The parameters, and what the logs' header says about them. */
typedef struct logsrc_param {
  char **files;           /* owned, nfiles paths as given (relative to the
                             working directory) */
  uint32_t nfiles;
  char *population;       /* owned: the population's name in the logs */
  double offset_ms;       /* added to every recorded time (ms) */
  uint32_t lo, hi;        /* the population-local indices [lo, hi) of the
                             recorded population replayed as 0 .. hi - lo */
  /* From the header (all files agree: io_replay_create checked). */
  uint64_t digest, seed;  /* of the recorded run */
  sim_gid src_first;      /* first gid of the population in the logs */
  uint32_t src_n;         /* its size there */
  double log_res_ms;      /* the recorded run's tick */
  sim_time ratio;         /* log tick / run tick, a whole number >= 1 */
  sim_time offset_ticks;  /* offset_ms in run ticks */
  sim_time log_planned;   /* the recorded run's duration (log ticks) */
  int files_line;         /* config line of `files`, for run-time messages */
} logsrc_param;

/* ------------------------------------------------------------------ */
/* Parameters                                                           */

static const char *const param_names[] = {"files", "population", "offset", "neurons", NULL};

#define FILES_HINT                                                                   \
  "expected a comma-separated list of the event logs of every rank of the recorded " \
  "run (DIR/events.rank0.msgpack, ...)"

static int kv_find(const sim_kv *kv, uint32_t nkv, const char *key)
{
  for (uint32_t k = 0; k < nkv; k++)
    if (!strcmp(kv[k].key, key))
      return (int)k;
  return -1;
}

/* Split "a, b ,c" into p->files; -1 on an empty item. */
static int split_files(logsrc_param *p, const char *v)
{
  size_t cap = 1;
  for (const char *q = v; *q; q++)
    cap += *q == ',';
  p->files = sim_calloc(cap, sizeof *p->files, "log_source files");
  for (const char *q = v;;) {
    const char *comma = strchr(q, ',');
    const char *end = comma ? comma : q + strlen(q);
    while (q < end && isspace((unsigned char)*q))
      q++;
    while (end > q && isspace((unsigned char)end[-1]))
      end--;
    if (end == q)
      return -1;
    char *f = sim_malloc((size_t)(end - q) + 1, "log_source file name");
    memcpy(f, q, (size_t)(end - q));
    f[end - q] = '\0';
    p->files[p->nfiles++] = f;
    if (!comma)
      return 0;
    q = comma + 1;
  }
}

/* "all" | "a:b" | "N" (the first N), like [record] neurons; -1 if bad. */
static int parse_range(const char *v, uint32_t n, uint32_t *lo, uint32_t *hi)
{
  if (!strcmp(v, "all")) {
    *lo = 0;
    *hi = n;
    return 0;
  }
  char buf[64];
  if (strlen(v) >= sizeof buf)
    return -1;
  strcpy(buf, v);
  uint64_t a = 0, b = 0;
  char *colon = strchr(buf, ':'), *sb = buf;
  if (colon) {
    *colon = '\0';
    sb = colon + 1;
    char *sa = buf;
    while (isspace((unsigned char)*sa))
      sa++;
    for (char *z = colon; z > sa && isspace((unsigned char)z[-1]);)
      *--z = '\0';
    if (sim_parse_uint(sa, n, &a))
      return -1;
  }
  while (isspace((unsigned char)*sb))
    sb++;
  for (char *z = sb + strlen(sb); z > sb && isspace((unsigned char)z[-1]);)
    *--z = '\0';
  if (sim_parse_uint(sb, n, &b) || !(a < b))
    return -1;
  *lo = (uint32_t)a;
  *hi = (uint32_t)b;
  return 0;
}

/* The first index in [lo, hi) of population pop that no spike recorder of
   the header records, or hi when they all are. */
static uint32_t first_unrecorded(const io_log_header *h, uint32_t pop, uint32_t lo, uint32_t hi)
{
  uint32_t i = lo;
  for (int moved = 1; moved && i < hi;) {
    moved = 0;
    for (uint32_t r = 0; r < h->nrecs; r++) {
      const io_log_rec *rc = &h->recs[r];
      if (rc->kind == IO_LOG_REC_SPIKES && rc->pop == pop && rc->first <= i &&
          i < rc->first + rc->count) {
        i = rc->first + rc->count;
        moved = 1;
      }
    }
  }
  return i < hi ? i : hi;
}

static void logsrc_param_fini(void *param)
{
  logsrc_param *p = param;
  for (uint32_t k = 0; k < p->nfiles; k++)
    sim_free(p->files[k]);
  sim_free(p->files);
  sim_free(p->population);
  p->files = NULL;
  p->population = NULL;
  p->nfiles = 0;
}

/* The population (and its recorded neurons) in the logs of rp; sets *bad
   on failure. */
static int check_population(logsrc_param *p, const io_replay *rp, const sim_kv *kv,
                            int kpop, int kneur, uint32_t *bad)
{
  const io_log_header *h = io_replay_header(rp);
  char names[400] = "";
  uint32_t pop = h->npops;
  for (uint32_t i = 0; i < h->npops; i++) {
    if (!strcmp(h->pops[i].name, p->population))
      pop = i;
    if (strlen(names) + strlen(h->pops[i].name) + 8 < sizeof names)
      snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "",
               h->pops[i].name);
  }
  *bad = (uint32_t)kpop;
  if (pop == h->npops)
    return sim_error_set(SIM_ECONFIG, "not a population of the logs (%s): expected one of %s",
                         p->files[0], names[0] ? names : "(none)");
  p->src_first = h->pops[pop].first_gid;
  p->src_n = h->pops[pop].n;
  p->lo = 0;
  p->hi = p->src_n;
  if (kneur >= 0) {
    *bad = (uint32_t)kneur;
    if (parse_range(kv[kneur].value, p->src_n, &p->lo, &p->hi))
      return sim_error_set(SIM_ECONFIG,
                           "expected all, a:b with 0 <= a < b <= %u (local indices of "
                           "population %s in the logs, b excluded), or N in 1..%u (the "
                           "first N)", p->src_n, p->population, p->src_n);
  }
  uint32_t miss = first_unrecorded(h, pop, p->lo, p->hi);
  if (miss < p->hi)
    return sim_error_set(SIM_ECONFIG,
                         "neuron %u of population %s is not recorded in the logs (no "
                         "spike recorder covers it), so its spikes cannot be replayed: "
                         "expected neurons that a spike_recorder of the recorded run "
                         "covers", miss, p->population);
  return 0;
}

static int logsrc_parse(void *param, const sim_kv *kv, uint32_t nkv, double h_ms,
                        uint32_t *bad, const char **missing)
{
  logsrc_param *p = param;
  int kf = kv_find(kv, nkv, "files"), kpop = kv_find(kv, nkv, "population");
  int koff = kv_find(kv, nkv, "offset"), kneur = kv_find(kv, nkv, "neurons");
  *bad = nkv;
  if (kf < 0) {
    *missing = "files";
    return sim_error_set(SIM_ECONFIG, "required: " FILES_HINT);
  }
  if (kpop < 0) {
    *missing = "population";
    return sim_error_set(SIM_ECONFIG, "required: expected the name of the recorded "
                                      "population in the logs");
  }
  p->files_line = kv[kf].line;
  p->population = sim_strdup(kv[kpop].value, "log_source population");

  /* The offset first: it needs no file. */
  if (koff >= 0) {
    double x;
    *bad = (uint32_t)koff;
    if (sim_parse_double(kv[koff].value, 0, &x))
      return sim_error_set(SIM_ECONFIG, "expected a time in ms added to every recorded "
                                        "spike, a whole number of ticks of %g ms", h_ms);
    double r = x / h_ms;
    if (!(fabs(r) < 4e18) || fabs(r - nearbyint(r)) > 1e-9 * fabs(r))
      return sim_error_set(SIM_ECONFIG, "expected a whole number of ticks of resolution "
                                        "%g ms (offset / resolution = %.12g)", h_ms, r);
    p->offset_ms = x;
    p->offset_ticks = (sim_time)nearbyint(r);
  }

  *bad = (uint32_t)kf;
  if (split_files(p, kv[kf].value))
    return sim_error_set(SIM_ECONFIG, "empty file name: " FILES_HINT);
  io_replay *rp = NULL;
  int rc = io_replay_create((const char *const *)p->files, (int)p->nfiles, 0, &rp);
  if (rc) {
    char why[600];
    snprintf(why, sizeof why, "%s", sim_error_msg());
    return sim_error_set(SIM_ECONFIG, "%s: " FILES_HINT, why);
  }
  const io_log_header *h = io_replay_header(rp);
  p->digest = h->digest;
  p->seed = h->seed;
  p->log_res_ms = h->resolution_ms;
  p->log_planned = (sim_time)nearbyint(h->duration_ms / h->resolution_ms);
  /* Every recorded tick must land on a tick of this run. */
  double k = h->resolution_ms / h_ms;
  if (!(k >= 1 - 1e-9) || !(k < 1e9) || fabs(k - nearbyint(k)) > 1e-9 * k) {
    io_replay_destroy(rp);
    return sim_error_set(SIM_ECONFIG,
                         "the logs were recorded at resolution %g ms, which is not a whole "
                         "multiple of this run's %g ms, so recorded spikes would fall "
                         "between ticks: expected logs recorded at %g ms or a multiple",
                         p->log_res_ms, h_ms, h_ms);
  }
  p->ratio = (sim_time)nearbyint(k);
  rc = check_population(p, rp, kv, kpop, kneur, bad);
  io_replay_destroy(rp);
  return rc;
}

static uint32_t logsrc_size(const void *param, char *why, size_t len)
{
  const logsrc_param *p = param;
  snprintf(why, len, "the neurons %u:%u of population %s in the logs", p->lo, p->hi,
           p->population);
  return p->hi - p->lo;
}

/* ------------------------------------------------------------------ */
/* The run                                                              */

#define NOT_OWNED UINT32_MAX

typedef struct logsrc_rt {
  const logsrc_param *par;
  uint32_t pop;
  const char *name;       /* the population's name in this run */
  io_replay *rp;          /* owned: the merged stream */
  uint32_t *own;          /* owned, hi - lo: local index of each mapped
                             neuron, NOT_OWNED for another rank's */
  int warn;               /* this rank says what the logs lack (it owns
                             mapped neuron 0, so exactly one rank does) */
  sim_time t_end;         /* run ticks [0, t_end) */
  sim_time last_log;      /* log ticks above this map beyond the run */
  int have;               /* a look-ahead spike is held */
  sim_time la_tick;       /* its run tick */
  uint32_t la_idx;        /* its local index */
  uint32_t *buf;          /* owned: a tick's local indices */
  uint32_t nbuf, capbuf;
} logsrc_rt;

/* Where `files` was set, for messages during the run. */
static const char *where(const logsrc_param *p, char *buf, size_t len)
{
  if (p->files_line > 0)
    snprintf(buf, len, "config line %d", p->files_line);
  else
    snprintf(buf, len, "from --set");
  return buf;
}

/* The stream ended (or failed): close it, and say when the logs stop
   short of what the run wanted. */
static void stream_end(logsrc_rt *g, sim_engine *e, int rc)
{
  if (rc < 0) {
    char why[700], at[40];
    snprintf(why, sizeof why, "%s", sim_error_msg());
    sim_engine_fail(e, sim_error_set(rc, "log_source population %s (key files, %s): %s",
                                     g->name, where(g->par, at, sizeof at), why));
  } else if (rc == 0 && g->warn) {
    const logsrc_param *p = g->par;
    sim_time end = io_replay_end_tick(g->rp);
    uint64_t dropped = io_replay_dropped(g->rp);
    double end_run = (double)(end * p->ratio + p->offset_ticks);
    char more[96] = "";
    if (dropped)
      snprintf(more, sizeof more, " (%" PRIu64 " later spikes of other files dropped)",
               dropped);
    if ((end < p->log_planned || dropped) && end_run < (double)g->t_end)
      fprintf(stderr,
              "memspike: warning: log_source population %s: the logs (%s%s) are complete "
              "only up to %.*g ms of the %.*g ms planned (a file is truncated, or the "
              "recorded run was stopped); spikes "
              "are replayed up to %.*g ms of this run only%s\n",
              g->name, p->files[0], p->nfiles > 1 ? ", ..." : "", 15,
              (double)end * p->log_res_ms, 15, (double)p->log_planned * p->log_res_ms, 15,
              end_run * (p->log_res_ms / (double)p->ratio), more);
  }
  io_replay_destroy(g->rp);
  g->rp = NULL;
  g->have = 0;
}

/* Read up to the next spike this rank emits, into the look-ahead. */
static void advance(logsrc_rt *g, sim_engine *e)
{
  const logsrc_param *p = g->par;
  g->have = 0;
  while (g->rp) {
    sim_time tk;
    sim_gid gid;
    int rc = io_replay_next(g->rp, &tk, &gid);
    if (rc <= 0) {
      stream_end(g, e, rc);
      return;
    }
    if (tk > g->last_log) { /* the rest maps beyond the run */
      stream_end(g, e, 1);
      return;
    }
    if (gid < p->src_first + p->lo || gid >= p->src_first + p->hi)
      continue;
    uint32_t local = g->own[gid - p->src_first - p->lo];
    sim_time t = tk * p->ratio + p->offset_ticks;
    if (local == NOT_OWNED || t < 0)
      continue;
    g->have = 1;
    g->la_tick = t;
    g->la_idx = local;
    return;
  }
}

static void *logsrc_start(sim_engine *e, uint32_t pop, int *busy)
{
  const sim_net *net = sim_engine_net(e);
  const sim_pop *sp = &net->pops[pop];
  const logsrc_param *p = sp->param;
  *busy = 0;
  if (!sp->nlocal)
    return NULL;
  io_replay *rp = NULL;
  int rc = io_replay_create((const char *const *)p->files, (int)p->nfiles, 0, &rp);
  if (!rc && io_replay_header(rp)->digest != p->digest)
    rc = sim_error_set(SIM_EINVAL, "%s changed since the config was read (another run's "
                       "log)", p->files[0]);
  if (rc) {
    char why[700];
    snprintf(why, sizeof why, "%s", sim_error_msg());
    io_replay_destroy(rp);
    char at[40];
    sim_engine_fail(e, sim_error_set(rc, "log_source population %s (key files, %s): %s",
                                     sp->name, where(p, at, sizeof at), why));
    return NULL;
  }
  if (p->offset_ticks < 0) {
    /* Only log ticks T with T * ratio + offset >= 0 play: position every
       file at the first such tick (the sidecar index when there is one)
       instead of reading the earlier part. */
    sim_time first = (-p->offset_ticks + p->ratio - 1) / p->ratio;
    io_replay_filter f = {.from_ms = (double)first * p->log_res_ms, .to_ms = INFINITY};
    rc = io_replay_select(rp, IO_REPLAY_SPIKES, &f);
    if (rc) {
      char why[700], at[40];
      snprintf(why, sizeof why, "%s", sim_error_msg());
      io_replay_destroy(rp);
      sim_engine_fail(e, sim_error_set(rc, "log_source population %s (key files, %s): %s",
                                       sp->name, where(p, at, sizeof at), why));
      return NULL;
    }
  }
  logsrc_rt *g = sim_calloc(1, sizeof *g, "log_source");
  g->par = p;
  g->pop = pop;
  g->name = sp->name;
  g->rp = rp;
  g->t_end = net->t_end;
  /* Log tick T plays at T * ratio + offset < t_end. */
  sim_time span = net->t_end - p->offset_ticks; /* run ticks left for tick 0 on */
  g->last_log = span <= 0 ? -1 : (span - 1) / p->ratio;
  g->own = sim_malloc((size_t)(p->hi - p->lo) * sizeof *g->own, "log_source map");
  for (uint32_t j = 0; j < p->hi - p->lo; j++)
    g->own[j] = NOT_OWNED;
  for (uint32_t i = 0; i < sp->nlocal; i++)
    g->own[sp->gid[i] - sp->first_gid] = i;
  g->warn = g->own[0] != NOT_OWNED;
  g->capbuf = sp->nlocal + 16;
  g->buf = sim_malloc(g->capbuf * sizeof *g->buf, "log_source spikes");
  advance(g, e);
  return g;
}

static void logsrc_tick(void *self, sim_engine *e, sim_time t)
{
  logsrc_rt *g = self;
  while (g->have && g->la_tick < t) /* not reached: the engine never jumps past next() */
    advance(g, e);
  g->nbuf = 0;
  while (g->have && g->la_tick == t) {
    if (g->nbuf == g->capbuf) {
      g->capbuf *= 2;
      g->buf = sim_realloc(g->buf, g->capbuf * sizeof *g->buf, "log_source spikes");
    }
    /* (tick, gid) order of the stream is local index order: a rank's
       neurons are numbered in gid order, and the mapping keeps order. */
    g->buf[g->nbuf++] = g->la_idx;
    advance(g, e);
  }
  if (g->nbuf)
    sim_engine_emit(e, g->pop, t, g->buf, g->nbuf);
}

static sim_time logsrc_next(const void *self, sim_time t0)
{
  const logsrc_rt *g = self;
  if (!g->have)
    return SIM_NEVER;
  return g->la_tick >= t0 ? g->la_tick : t0;
}

static void logsrc_stop(void *self)
{
  logsrc_rt *g = self;
  io_replay_destroy(g->rp);
  sim_free(g->own);
  sim_free(g->buf);
  sim_free(g);
}

const sim_source_ops io_log_source_ops = {
    .name = "log_source",
    .summary = "replays the recorded spikes of a population from event logs "
               "(files, population, offset ms, neurons)",
    .travels = 1,
    .param_size = sizeof(logsrc_param),
    .param_names = param_names,
    .param_parse = logsrc_parse,
    .size = logsrc_size,
    .param_fini = logsrc_param_fini,
    .start = logsrc_start,
    .tick = logsrc_tick,
    .next = logsrc_next,
    .stop = logsrc_stop,
};
