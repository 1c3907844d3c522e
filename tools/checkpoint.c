/*
 * checkpoint.c: checkpoints from the command line (checkpoint.h,
 * docs/checkpoint-format.md).  Owns the run loop with checkpoints (the
 * engine in steps, core/sim_engine.h), the checkpoint directories (one
 * per checkpoint, a file per rank written by io/io_ckpt.c) and the
 * arguments of `memspike resume`, which becomes a `run` of the
 * checkpoint's config that loads it before the first window.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "checkpoint.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/sim_alloc.h"
#include "../core/sim_clock.h"
#include "../core/sim_error.h"
#include "../io/io_ckpt.h"
#include "../io/io_config.h"
#include "../mpi/comm.h"

static char *dup_str(const char *s)
{
  char *d = sim_malloc(strlen(s) + 1, "checkpoint options");
  strcpy(d, s);
  return d;
}

/* An absolute path for a header (the resume may run elsewhere). */
static char *abs_path(const char *p)
{
  char buf[PATH_MAX];
  if (realpath(p, buf))
    return dup_str(buf);
  return dup_str(p);
}

static int parse_ms(const char *opt, const char *v, double *ms)
{
  char *end;
  *ms = strtod(v, &end);
  if (end == v || *end || !(*ms > 0 && *ms < 1e15))
    return sim_error_set(SIM_EUSAGE, "%s: expected a time in ms > 0 (got '%s')", opt, v);
  return 0;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int ckpt_parse_opt(ckpt_opts *o, int argc, char **argv, int *i)
{
  const char *a = argv[*i];
  int every = !strcmp(a, "--checkpoint-every"), at = !strcmp(a, "--checkpoint-at"),
      dir = !strcmp(a, "--checkpoint-dir"), res = !strcmp(a, "--resume-from");
  if (!every && !at && !dir && !res)
    return 0;
  if (*i + 1 >= argc)
    return sim_error_set(SIM_EUSAGE, "option '%s' needs a value", a);
  const char *v = argv[++*i];
  o->on = 1;
  if (every)
    return parse_ms(a, v, &o->every_ms) ? SIM_EUSAGE : 1;
  if (dir) {
    o->dir = v;
    return 1;
  }
  if (res) {
    o->resume = v;
    return 1;
  }
  char buf[1024];
  if (strlen(v) >= sizeof buf)
    return sim_error_set(SIM_EUSAGE, "--checkpoint-at: list too long");
  strcpy(buf, v);
  for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
    if (o->nat == sizeof o->at_ms / sizeof o->at_ms[0])
      return sim_error_set(SIM_EUSAGE, "--checkpoint-at: at most 64 times");
    int rc = parse_ms("--checkpoint-at", tok, &o->at_ms[o->nat]);
    if (rc)
      return rc;
    o->nat++;
  }
  if (!o->nat)
    return sim_error_set(SIM_EUSAGE, "--checkpoint-at: expected MS[,MS...] (got '%s')", v);
  qsort(o->at_ms, o->nat, sizeof *o->at_ms, cmp_double);
  return 1;
}

void ckpt_set_run(ckpt_opts *o, const char *config, const char *const *sets, int nsets,
                  const char *out_dir, int quiet)
{
  o->config = abs_path(config);
  o->sets = sim_calloc((size_t)nsets + 1, sizeof *o->sets, "checkpoint options");
  for (int k = 0; k < nsets; k++)
    o->sets[k] = dup_str(sets[k]);
  o->nsets = (uint32_t)nsets;
  o->out_dir = out_dir ? abs_path(out_dir) : NULL;
  o->quiet = quiet;
}

void ckpt_opts_fini(ckpt_opts *o)
{
  for (uint32_t k = 0; k < o->nfiles; k++)
    io_ckpt_r_destroy(o->files[k]);
  sim_free(o->files);
  for (uint32_t k = 0; k < o->nsets; k++)
    sim_free(o->sets[k]);
  sim_free(o->sets);
  sim_free(o->config);
  sim_free(o->out_dir);
  o->files = NULL;
  o->nfiles = 0;
  o->sets = NULL;
  o->config = o->out_dir = NULL;
}

/* ------------------------------------------------------------------ */
/* Reading a checkpoint                                                 */

static void rank_path(char *buf, size_t len, const char *dir, int rank)
{
  snprintf(buf, len, "%s/rank%d.msgpack", dir, rank);
}

/* Open rank r's file of dir and check it against the first one's. */
static int open_rank(const char *dir, int r, const io_ckpt_header *first, io_ckpt_r **out)
{
  char path[4200];
  rank_path(path, sizeof path, dir, r);
  struct stat sb;
  if (stat(path, &sb) != 0)
    return sim_error_set(SIM_EIO, "%s: missing: the checkpoint %s lacks rank %d's file "
                         "(%s)", path, dir, r, strerror(errno));
  int rc = io_ckpt_r_open(path, out);
  if (rc)
    return rc;
  const io_ckpt_header *h = io_ckpt_r_header(*out);
  if (h->rank != r)
    return sim_error_set(SIM_EFORMAT, "%s: record 0 (header), field rank: %d, expected %d",
                         path, h->rank, r);
  if (first && (h->nranks != first->nranks || h->tick != first->tick ||
                h->digest != first->digest))
    return sim_error_set(SIM_EFORMAT, "%s: record 0 (header): rank count, tick or config "
                         "digest differ from rank 0's file: not one checkpoint", path);
  return 0;
}

int ckpt_prepare(ckpt_opts *o)
{
  if (!o->resume)
    return 0;
  io_ckpt_r *r0 = NULL;
  int rc = open_rank(o->resume, 0, NULL, &r0);
  if (rc)
    return rc;
  const io_ckpt_header *h0 = io_ckpt_r_header(r0);
  o->files = sim_calloc((size_t)h0->nranks, sizeof *o->files, "checkpoint files");
  o->files[0] = r0;
  o->nfiles = 1;
  for (int r = 1; r < h0->nranks; r++) {
    rc = open_rank(o->resume, r, h0, &o->files[r]);
    if (rc)
      return rc;
    o->nfiles++;
  }
  return 0;
}

int ckpt_log_open(ckpt_opts *o, const char *path, const io_log_header *h, io_log **log)
{
  if (!o->resume || o->files[0] == NULL)
    return io_log_create(path, h, log);
  if (io_ckpt_r_header(o->files[0])->nranks != comm_size()) {
    /* another rank count: new rank files (OUT/resume-Tms/) that say where
       they start, so replay reads them after the original's first T ms,
       under the checkpointed run's digest (a continued log keeps its
       header too): a resume --until continues the same run */
    io_log_header hs = *h;
    hs.t_start = (uint64_t)io_ckpt_r_header(o->files[0])->tick;
    hs.digest = io_ckpt_r_header(o->files[0])->digest;
    return io_log_create(path, &hs, log);
  }
  const io_ckpt_header *mine = io_ckpt_r_header(o->files[comm_rank()]);
  io_log_pos pos;
  if (mine->log_pos_len != sizeof pos)
    return sim_error_set(SIM_EFORMAT, "%s/rank%d.msgpack: record 0 (header), field log_pos: "
                         "the run wrote no event log (resume with --no-log)", o->resume,
                         comm_rank());
  memcpy(&pos, mine->log_pos, sizeof pos);
  return io_log_reopen(path, h, &pos, log);
}

/* ------------------------------------------------------------------ */
/* Writing one                                                          */

static int mkdir_p(const char *path)
{
  char buf[4200];
  if (strlen(path) >= sizeof buf)
    return sim_error_set(SIM_EIO, "checkpoint directory name too long: %s", path);
  strcpy(buf, path);
  for (char *p = buf + 1;; p++)
    if (*p == '/' || !*p) {
      char c = *p;
      *p = '\0';
      if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return sim_error_set(SIM_EIO, "cannot create checkpoint directory %s: %s", buf,
                             strerror(errno));
      *p = c;
      if (!c)
        return 0;
    }
}

/* Write this rank's file of a checkpoint at the engine's tick; collective. */
static int write_ckpt(ckpt_opts *o, sim_engine *e, const net_network *net, io_log *log,
                      const char *log_path)
{
  const sim_net *k = &net->kernel;
  const net_desc *d = net->desc;
  const sim_time t = sim_engine_now(e);
  const double ms = (double)t * k->resolution_ms;
  char dir[4200], path[4300];
  if (o->dir)
    snprintf(dir, sizeof dir, "%s/ckpt-%.15gms", o->dir, ms);
  else
    snprintf(dir, sizeof dir, "%s/checkpoints/ckpt-%.15gms", o->out_dir ? o->out_dir : ".", ms);
  int rc = comm_rank() == 0 ? mkdir_p(dir) : 0;
  if (comm_sum_u64(rc != 0)) /* also the barrier: the directory exists */
    return rc ? rc : sim_error_set(SIM_EIO, "rank 0 cannot create %s", dir);
  const double t0 = sim_clock_s();
  io_log_pos pos;
  if (log)
    io_log_position(log, &pos);
  io_ckpt_header h = {.rank = comm_rank(), .nranks = comm_size(), .tick = t,
                      .digest = d->digest, .seed = d->sim.seed,
                      .resolution_ms = d->sim.resolution_ms, .duration_ms = d->sim.duration_ms,
                      .config = o->config, .sets = (const char *const *)o->sets,
                      .nsets = o->nsets, .out_dir = o->out_dir ? o->out_dir : "",
                      .log_path = log ? log_path : "", .log_pos = log ? &pos : NULL,
                      .log_pos_len = log ? sizeof pos : 0};
  io_ckpt_w *w = io_ckpt_w_create(&h);
  sim_ckpt_writer cw = io_ckpt_w_writer(w);
  rc = sim_engine_save(e, &cw);
  uint64_t bytes = 0;
  rank_path(path, sizeof path, dir, comm_rank());
  if (rc)
    io_ckpt_w_destroy(w);
  else
    rc = io_ckpt_w_commit(w, path, &bytes);
  const uint64_t nfailed = comm_sum_u64(rc != 0);
  if (nfailed) {
    if (!rc)
      rc = sim_error_set(SIM_EIO, "another rank could not write its part of %s", dir);
    return rc;
  }
  const double dt = comm_max_double(sim_clock_s() - t0);
  const uint64_t total = comm_sum_u64(bytes);
  snprintf(o->written, sizeof o->written, "%s", dir);
  if (comm_rank() == 0 && !o->quiet) {
    fprintf(stderr, "memspike: checkpoint at %.15g ms: %s (%llu bytes in %d file%s, written "
            "in %.6f s)\n", ms, dir, (unsigned long long)total, comm_size(),
            comm_size() > 1 ? "s" : "", dt);
    fflush(stderr);
  }
  return 0;
}

/* The first checkpoint tick after now (on the window grid: rounded up to
   a multiple of D), at most end; SIM_NEVER for none. */
static sim_time next_ckpt(const ckpt_opts *o, sim_time now, sim_time D, sim_time end,
                          double h_ms)
{
  sim_time best = SIM_NEVER;
  if (o->every_ms > 0) {
    const sim_time every = (sim_time)ceil(o->every_ms / h_ms - 1e-9);
    const sim_time step = every < 1 ? 1 : every;
    sim_time t = (now / step + 1) * step;
    t = (t + D - 1) / D * D;
    if (t <= now)
      t = now + D;
    best = t;
  }
  for (uint32_t k = 0; k < o->nat; k++) {
    sim_time t = (sim_time)ceil(o->at_ms[k] / h_ms - 1e-9);
    t = (t + D - 1) / D * D;
    if (t > end)
      t = end; /* the end itself: a checkpoint a longer run resumes */
    if (t > now && t < best)
      best = t;
  }
  return best <= end ? best : SIM_NEVER;
}

int ckpt_check(const ckpt_opts *o, const net_network *net)
{
  return o->on || o->resume ? sim_engine_ckpt_check(&net->kernel) : 0;
}

int ckpt_run(ckpt_opts *o, const net_network *net, sim_engine *e, io_log *log,
             const char *log_path, const volatile sig_atomic_t *stop)
{
  const sim_net *k = &net->kernel;
  if ((o->on || o->resume) && sim_engine_ckpt_check(k) != 0)
    return SIM_ECONFIG;
  int rc = 0;
  if (o->resume) {
    const double t0 = sim_clock_s();
    sim_ckpt_reader **rd = sim_calloc(o->nfiles + 1, sizeof *rd, "checkpoint readers");
    uint64_t bytes = 0;
    for (uint32_t f = 0; f < o->nfiles; f++) {
      rd[f] = io_ckpt_r_reader(o->files[f]);
      bytes += io_ckpt_r_bytes(o->files[f]);
    }
    rc = sim_engine_load(e, rd, o->nfiles);
    sim_free(rd);
    const double dt = comm_max_double(sim_clock_s() - t0);
    if (comm_sum_u64(rc != 0))
      return rc ? rc : SIM_ECOMM;
    if (comm_rank() == 0 && !o->quiet) {
      fprintf(stderr, "memspike: resumed from %s at %.15g ms (%llu bytes loaded on each "
              "rank in %.6f s)\n", o->resume, (double)sim_engine_now(e) * k->resolution_ms,
              (unsigned long long)bytes, dt);
      fflush(stderr);
    }
    for (uint32_t f = 0; f < o->nfiles; f++)
      io_ckpt_r_destroy(o->files[f]);
    o->nfiles = 0;
  }
  const sim_time end = sim_engine_end(e);
  for (;;) {
    const sim_time now = sim_engine_now(e);
    const sim_time next = next_ckpt(o, now, k->min_delay, end, k->resolution_ms);
    rc = sim_engine_advance(e, next < end ? next : end);
    if (rc == SIM_ESTOP) {
      o->sig = (int)comm_min_i64(stop && *stop ? *stop : 1000);
      if (o->sig == SIGUSR1 && sim_engine_ckpt_check(k) != 0) {
        /* Nothing to save it with: stop as SIGTERM does, saying why. */
        if (comm_rank() == 0)
          fprintf(stderr, "memspike: run: SIGUSR1 received: cannot checkpoint: %s\n",
                  sim_error_msg());
      } else if (o->sig == SIGUSR1 || (o->sig == SIGTERM && o->on)) {
        rc = write_ckpt(o, e, net, log, log_path);
        if (!rc)
          rc = CKPT_STOPPED;
      }
      break;
    }
    if (rc)
      break;
    if (next != SIM_NEVER && sim_engine_now(e) == next &&
        (rc = write_ckpt(o, e, net, log, log_path)) != 0)
      break;
    if (sim_engine_now(e) >= end)
      break;
  }
  return rc;
}

void ckpt_report_stop(const ckpt_opts *o, double at_ms, double of_ms)
{
  if (comm_rank() != 0)
    return;
  fprintf(stderr, "memspike: run: %s received: checkpoint written at %.15g ms of %.15g ms "
          "simulated: %s\n  continue with: memspike resume %s\n",
          o->sig == SIGUSR1 ? "SIGUSR1" : "SIGTERM", at_ms, of_ms, o->written, o->written);
  fflush(stderr);
}

/* ------------------------------------------------------------------ */
/* memspike resume                                                      */

static int resume_fail(const char *msg)
{
  if (comm_rank() == 0) {
    fprintf(stderr, "memspike: resume: %s\n", msg);
    fflush(stderr);
  }
  return 2;
}

int ckpt_resume_args(int argc, char **argv, int *nout, char ***out)
{
  if (argc < 1 || argv[0][0] == '-')
    return resume_fail("expected the checkpoint directory: memspike resume DIR [--until MS]");
  const char *dir = argv[0];
  double until = -1;
  char path[4200];
  rank_path(path, sizeof path, dir, 0);
  io_ckpt_r *r = NULL;
  int rc = open_rank(dir, 0, NULL, &r);
  if (rc) {
    io_ckpt_r_destroy(r);
    return resume_fail(sim_error_msg());
  }
  const io_ckpt_header *h = io_ckpt_r_header(r);
  char **args = sim_calloc((size_t)argc + 2 * h->nsets + 16, sizeof *args, "resume arguments");
  int n = 0;
  args[n++] = dup_str(h->config);
  for (uint32_t k = 0; k < h->nsets; k++) {
    args[n++] = dup_str("--set");
    args[n++] = dup_str(h->sets[k]);
  }
  const char *out_dir = h->out_dir[0] && h->log_path[0] ? h->out_dir : NULL;
  int no_log = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--until")) {
      if (i + 1 >= argc || parse_ms("--until", argv[i + 1], &until) != 0) {
        ckpt_resume_free(n, args);
        io_ckpt_r_destroy(r);
        return resume_fail(i + 1 >= argc ? "--until needs a value" : sim_error_msg());
      }
      i++;
      continue;
    }
    if (!strcmp(argv[i], "--out") && i + 1 < argc) {
      out_dir = argv[++i];
      continue;
    }
    no_log |= !strcmp(argv[i], "--no-log");
    args[n++] = dup_str(argv[i]);
  }
  /* The config must be the one checkpointed: its digest (text and
     overrides) before any --until. */
  net_desc *desc = NULL;
  rc = io_config_load(h->config, (const char **)h->sets, (int)h->nsets, &desc);
  char msg[6000];
  if (rc) {
    snprintf(msg, sizeof msg, "%s: the checkpoint's config no longer loads: %s", path,
             sim_error_msg());
  } else if (desc->digest != h->digest) {
    snprintf(msg, sizeof msg, "%s: record 0 (header), field digest: the config %s changed "
             "since the checkpoint (digest %016llx, the checkpoint's %016llx): refusing to "
             "resume another network", path, h->config, (unsigned long long)desc->digest,
             (unsigned long long)h->digest);
    rc = SIM_ECONFIG;
  } else if (until >= 0 && until < (double)h->tick * h->resolution_ms) {
    snprintf(msg, sizeof msg, "--until %.15g ms is before the checkpoint's %.15g ms", until,
             (double)h->tick * h->resolution_ms);
    rc = SIM_EUSAGE;
  }
  net_desc_destroy(desc);
  if (rc) {
    ckpt_resume_free(n, args);
    io_ckpt_r_destroy(r);
    return resume_fail(msg);
  }
  char buf[128];
  if (until >= 0) {
    snprintf(buf, sizeof buf, "simulation.duration=%.17g", until);
    args[n++] = dup_str("--set");
    args[n++] = dup_str(buf);
  }
  if (!no_log && out_dir) {
    /* On as many ranks the logs go on where they are (or in the --out
       holding a copy of them); on another count the resumed part goes
       beside them (docs/checkpoint-format.md). */
    char odir[4300];
    if (h->nranks == comm_size())
      snprintf(odir, sizeof odir, "%s", out_dir);
    else
      snprintf(odir, sizeof odir, "%s/resume-%.15gms", out_dir,
               (double)h->tick * h->resolution_ms);
    args[n++] = dup_str("--out");
    args[n++] = dup_str(odir);
  } else if (!no_log) {
    args[n++] = dup_str("--no-log");
  }
  args[n++] = dup_str("--resume-from");
  args[n++] = dup_str(dir);
  io_ckpt_r_destroy(r);
  *nout = n;
  *out = args;
  return 0;
}

void ckpt_resume_free(int n, char **args)
{
  for (int k = 0; k < n; k++)
    sim_free(args[k]);
  sim_free(args);
}
