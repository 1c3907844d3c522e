/*
 * memspike.c: the command-line front end: the subcommand table and main,
 * and the `run` command (`replay` is tools/replay_cmd.c, `convert` tools/convert.c; the
 * run summary is gathered by tools/run_stats.c and printed by
 * tools/run_report.c).
 *   memspike run CONFIG [--set section.key=value]... [--out DIR] [--no-log]
 *   memspike replay LOG... [options]   (tools/replay_cmd.c)
 *   memspike convert MODEL --data DIR [options]
 *   memspike plot KIND LOG... --out FILE.png [options]   (tools/plot.c)
 * Exit status (README.md, "Exit status"): 0 success, 1 run-time failure,
 * 2 bad input or usage, 3 out of memory, 130/143 run stopped by
 * SIGINT/SIGTERM.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../api/ms_int.h"
#include "../core/sim_alloc.h"
#include "../core/sim_clock.h"
#include "../core/sim_engine.h"
#include "../core/sim_error.h"
#include "../io/io_config.h"
#include "../io/io_log.h"
#include "../io/io_recorder.h"
#include "../mpi/comm.h"
#include "../network/net_build.h"
#include "checkpoint.h"
#include "cim.h"
#include "convert.h"
#include "image_cmd.h"
#include "monitor.h"
#include "plot.h"
#include "replay_cmd.h"
#include "run_mem.h"
#include "run_report.h"
#include "run_stats.h"

#define MEMSPIKE_VERSION MS_VERSION /* the library's (include/memspike.h) */

static const char *usage(void);

/* mkdir -p */
static int make_dirs(const char *path)
{
  char buf[4096];
  if (strlen(path) >= sizeof buf)
    return sim_error_set(SIM_EIO, "output directory name too long: %s", path);
  strcpy(buf, path);
  for (char *p = buf + 1;; p++) {
    if (*p == '/' || *p == '\0') {
      char c = *p;
      *p = '\0';
      if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return sim_error_set(SIM_EIO, "cannot create output directory %s: %s", buf,
                             strerror(errno));
      *p = c;
      if (!c)
        break;
    }
  }
  if (access(path, W_OK) != 0)
    return sim_error_set(SIM_EIO, "output directory %s is not writable: %s", path,
                         strerror(errno));
  return 0;
}

/* Collective: if any rank failed, every rank exits with status.  The
   ranks that failed print their message, naming their rank when only some
   failed; when all failed alike (a bad config) rank 0 speaks for all. */
static void fail_all(int failed, int status)
{
  uint64_t nfailed = comm_sum_u64(failed ? 1 : 0);
  if (!nfailed)
    return;
  if (failed && nfailed < (uint64_t)comm_size())
    fprintf(stderr, "memspike: rank %d of %d: %s\n", comm_rank(), comm_size(),
            sim_error_msg());
  else if (failed && comm_rank() == 0)
    fprintf(stderr, "memspike: %s\n", sim_error_msg());
  fflush(stderr);
  comm_fini();
  exit(status);
}

/* Final weights of projection j on this rank, as CSV. */
static int write_weights(const net_network *net, uint32_t j, const char *dir, sim_time t)
{
  const net_proj *pr = &net->projs[j];
  const net_desc *d = net->desc;
  char path[4200];
  snprintf(path, sizeof path, "%s/weights-%s.rank%d.csv", dir, pr->desc->name, comm_rank());
  FILE *f = fopen(path, "w");
  if (!f)
    return sim_error_set(SIM_EIO, "cannot write %s: %s", path, strerror(errno));
  const sim_gid src0 = d->pops[pr->desc->src].first_gid;
  const sim_gid *tg = net->pops[pr->desc->tgt].gid;
  fprintf(f, "source,target,weight\n");
  for (uint32_t r = 0; r < pr->syn.nrows; r++)
    for (uint64_t k = pr->syn.off[r], s = sim_syn_row_source(&pr->syn, r);
         k < pr->syn.off[r + 1]; k++) {
      double w = pr->dynamic ? syn_store_weight(&pr->store, &pr->syn, k, (sim_gid)(src0 + s), tg, t)
                 : pr->syn.w ? pr->syn.w[k]
                             : pr->syn.w_const;
      fprintf(f, "%u,%u,%.17g\n", (unsigned)(src0 + s), tg[pr->syn.tgt[k]], w); /* round trip */
    }
  if (fclose(f) != 0)
    return sim_error_set(SIM_EIO, "cannot write %s", path);
  return 0;
}

static int open_log(const net_network *net, const char *dir, io_log **log,
                    char *path, size_t pathlen, ckpt_opts *ck)
{
  const net_desc *d = net->desc;
  io_log_pop *pops = sim_calloc(d->npops, sizeof *pops, "log header");
  io_log_rec *recs = sim_calloc(d->nrecs + 1, sizeof *recs, "log header");
  const char **vars = sim_calloc((size_t)d->nrecs * 8 + 1, sizeof *vars, "log header");
  sim_gid **gids = sim_calloc(d->nrecs + 1, sizeof *gids, "log header");
  io_log_proj *projs = sim_calloc(d->nprojs + 1, sizeof *projs, "log header");
  const char *weight_unit = NULL;
  for (uint32_t i = 0; i < d->nprojs; i++) {
    const net_proj_desc *pd = &d->projs[i];
    const syn_spec *sp = pd->spec;
    projs[i] = (io_log_proj){pd->name, pd->src, pd->tgt,
                             !sp || sp->kind == SYN_STATIC ? "static"
                             : sp->kind == SYN_DEVICE      ? "device"
                                                           : "stdp",
                             sp && sp->kind == SYN_DEVICE ? sp->dev.name : ""};
  }
  for (uint32_t i = 0; i < d->npops; i++) {
    const net_pop_desc *p = &d->pops[i];
    pops[i].name = p->name;
    pops[i].model = run_pop_model_name(p);
    pops[i].first_gid = p->first_gid;
    pops[i].n = p->n;
  }
  for (uint32_t k = 0; k < d->nrecs; k++) {
    const net_rec_desc *rd = &d->recs[k];
    recs[k].name = rd->name;
    recs[k].pop = rd->pop;
    recs[k].kind = rd->kind == NET_REC_SPIKES    ? IO_LOG_REC_SPIKES
                   : rd->kind == NET_REC_STATE   ? IO_LOG_REC_STATE
                   : rd->kind == NET_REC_WEIGHTS ? IO_LOG_REC_WEIGHTS
                   : rd->kind == NET_REC_DEVICES ? IO_LOG_REC_DEVICES
                                                 : IO_LOG_REC_ENERGY;
    recs[k].first = rd->first;
    recs[k].count = rd->count;
    if (rd->kind == NET_REC_WEIGHTS || rd->kind == NET_REC_DEVICES ||
        rd->kind == NET_REC_ENERGY) {
      recs[k].proj = rd->proj;
      recs[k].sample = rd->kind == NET_REC_WEIGHTS ? rd->sample : 0;
      recs[k].interval_ms = rd->interval_ms;
      /* The weight unit is the first recorded projection's target input:
         mV for delta-synapse models (one port), pA for current-based. */
      if (rd->kind != NET_REC_ENERGY && !weight_unit) {
        const net_pop_desc *tp = &d->pops[d->projs[rd->proj].tgt];
        weight_unit = tp->model && tp->model->nports == 1 ? "mV" : "pA";
      }
    }
    if (rd->kind == NET_REC_STATE) {
      const net_pop *p = &net->pops[rd->pop];
      for (uint32_t v = 0; v < rd->nvars; v++)
        vars[k * 8 + v] = p->model->var_names[rd->vars[v]];
      recs[k].vars = &vars[k * 8];
      recs[k].nvars = rd->nvars;
      recs[k].interval_ms = rd->interval_ms;
      gids[k] = sim_malloc((size_t)p->nlocal * sizeof(sim_gid) + 4, "log header");
      uint32_t n = 0;
      for (uint32_t j = 0; j < p->nlocal; j++) {
        uint32_t off = p->gid[j] - p->desc->first_gid;
        if (off >= rd->first && off - rd->first < rd->count)
          gids[k][n++] = p->gid[j];
      }
      recs[k].gids = gids[k];
      recs[k].ngids = n;
    }
  }
  io_log_header h = {
      .config = d->file,
      .digest = d->digest,
      .seed = d->sim.seed,
      .rank = comm_rank(),
      .nranks = comm_size(),
      .resolution_ms = d->sim.resolution_ms,
      .duration_ms = d->sim.duration_ms,
      .pops = pops,
      .npops = d->npops,
      .recs = recs,
      .nrecs = d->nrecs,
      .projs = projs,
      .nprojs = d->nprojs,
      .weight_unit = weight_unit,
  };
  snprintf(path, pathlen, "%s/events.rank%d.msgpack", dir, comm_rank());
  int rc = ckpt_log_open(ck, path, &h, log); /* a resume continues the log */
  for (uint32_t k = 0; k < d->nrecs; k++)
    sim_free(gids[k]);
  sim_free(gids);
  sim_free(vars);
  sim_free(recs);
  sim_free(pops);
  sim_free(projs);
  return rc;
}

/* A usage error of subcommand cmd: the message and the usage on stderr
   (rank 0 only: every rank parsed the same arguments); returns 2.  The
   usage is printed apart from the message, never through the 1 KB
   message buffer. */
static int usage_fail(const char *cmd, const char *fmt, const char *arg)
    __attribute__((format(printf, 2, 0)));
static int usage_fail(const char *cmd, const char *fmt, const char *arg)
{
  if (comm_rank() == 0) {
    fprintf(stderr, "memspike: %s: ", cmd);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", usage());
    fflush(stderr);
  }
  return 2;
}

/* Is a one of names (a NULL-terminated list)? */
static int is_one_of(const char *a, const char *const *names)
{
  for (; *names; names++)
    if (!strcmp(a, *names))
      return 1;
  return 0;
}

static int is_help(const char *a) { return !strcmp(a, "--help") || !strcmp(a, "-h"); }

static void print_subcommand_help(const char *name);

/* Do paths a and b name one file (same device and inode)?  0 when either
   does not exist. */
static int same_file(const char *a, const char *b)
{
  struct stat sa, sb;
  return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

/* Set by SIGINT/SIGTERM during `run`; the engine reads it once per window. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig) { stop_signal = sig; }

/* SIGINT and SIGTERM stop the run at the next window end (mpirun forwards
   both to every rank).  SA_RESETHAND: a second signal kills at once. */
static void catch_stop_signals(void)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGUSR1, &sa, NULL); /* a checkpoint, then exit (tools/checkpoint.c) */
}

static int cmd_run(int argc, char **argv)
{
  static const char *const with_value[] = {"--set", "--out", "--json", "--weights",
                                           "--progress", NULL};
  const char *config = NULL, *out_dir = NULL, *json_path = NULL, *weights = NULL;
  const char **sets = sim_calloc((size_t)argc + 1, sizeof *sets, "arguments");
  int nsets = 0, no_log = 0, quiet = 0, dry_run = 0, ckrc;
  double progress_s = -1;
  ckpt_opts ck = {0};
  monitor_opts mon;
  monitor_opts_init(&mon);
  int mk;
  for (int i = 0; i < argc; i++)
    if (is_help(argv[i])) {
      if (comm_rank() == 0)
        print_subcommand_help("run");
      sim_free(sets);
      return 0;
    }
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (is_one_of(a, with_value) && i + 1 >= argc) {
      sim_free(sets);
      return usage_fail("run", "option '%s' needs a value", a);
    }
    if (!strcmp(a, "--set"))
      sets[nsets++] = argv[++i];
    else if (!strncmp(a, "--set=", 6))
      sets[nsets++] = a + 6;
    else if (!strcmp(a, "--out"))
      out_dir = argv[++i];
    else if (!strcmp(a, "--json"))
      json_path = argv[++i];
    else if (!strcmp(a, "--weights"))
      weights = argv[++i];
    else if (!strcmp(a, "--progress")) {
      char *end;
      const char *v = argv[++i];
      progress_s = strtod(v, &end);
      if (end == v || *end || !(progress_s >= 0 && progress_s < 1e9)) {
        sim_free(sets);
        return usage_fail("run", "--progress: expected seconds >= 0 (got '%s')", v);
      }
    } else if ((ckrc = ckpt_parse_opt(&ck, argc, argv, &i)) != 0) {
      if (ckrc < 0) {
        sim_free(sets);
        return usage_fail("run", "%s", sim_error_msg());
      }
    } else if (!strcmp(a, "--no-log"))
      no_log = 1;
    else if (!strcmp(a, "--quiet"))
      quiet = 1;
    else if (!strcmp(a, "--dry-run"))
      dry_run = 1;
    else if (!strncmp(a, "--monitor", 9) && (mk = monitor_parse(argc, argv, &i, &mon)) != 0) {
      if (mk < 0) {
        sim_free(sets);
        return usage_fail("run", "%s", sim_error_msg());
      }
    } else if (a[0] == '-') {
      sim_free(sets);
      return usage_fail("run", "unknown option '%s'", a);
    } else if (!config)
      config = a;
    else {
      sim_free(sets);
      return usage_fail("run", "one config file expected, got '%s' too", a);
    }
  }
  if (!config) {
    sim_free(sets);
    return usage_fail("run", "%s", "missing CONFIG");
  }
  if (monitor_check(&mon) != 0) {
    sim_free(sets);
    return usage_fail("run", "%s", sim_error_msg());
  }
  if (json_path && same_file(json_path, config)) {
    sim_free(sets);
    return usage_fail("run", "--json %s is the config file: refusing to write over it",
                      json_path);
  }
  /* The run is a client of the library (api/): the same load, build and
     engine steps as ms_sim_load_config and ms_sim_run, with the event log
     as the recorder instead of memory. */
  ms_sim *sim = NULL;
  fail_all(ms_sim_load(config, sets, nsets, 0, &sim) != 0, 2);
  const net_desc *desc = ms_sim_desc(sim);
  ckpt_set_run(&ck, config, sets, nsets,
               no_log ? NULL : out_dir ? out_dir : desc->sim.out_dir, quiet);
  sim_free(sets);
  fail_all(ckpt_prepare(&ck) != 0, 2);
  /* Refuse a network that cannot fit before allocating it (exit 2). */
  fail_all(run_mem_check(desc, !no_log, dry_run, stdout) != 0, 2);
  if (dry_run) {
    ms_sim_destroy(sim);
    return 0;
  }
  const char *dir = out_dir ? out_dir : desc->sim.out_dir;
  fail_all(!no_log && make_dirs(dir) != 0, 1);

  int wproj = -1;
  for (uint32_t j = 0; weights && j < desc->nprojs; j++)
    if (!strcmp(desc->projs[j].name, weights))
      wproj = (int)j;
  if (weights && wproj < 0)
    sim_error_set(SIM_EUSAGE, "--weights %s: no projection of that name in %s", weights,
                  config);
  fail_all(weights && wproj < 0, 2);
  fail_all(weights && make_dirs(dir) != 0, 1);

  const double cpu0 = sim_clock_cpu_s();
  int rc = ms_sim_build(sim);
  const double cpu1 = sim_clock_cpu_s();
  fail_all(rc != 0 && rc != SIM_ECOMM, 1);
  const net_network *net = ms_sim_net(sim);
  fail_all(ckpt_check(&ck, net) != 0, 2); /* before any output */

  io_log *log = NULL;
  char path[4200] = "";
  fail_all(!no_log && open_log(net, dir, &log, path, sizeof path, &ck) != 0, 1);

  monitor *live = NULL;
  fail_all(monitor_create(&mon, net, MEMSPIKE_VERSION, &live) != 0, 1);
  sim_recorder rec = io_log_recorder(log);
  if (log)
    ms_sim_add_recorder(sim, rec);
  const int tty = isatty(2);
  sim_run_opts opts = {.progress = !quiet,
                       .progress_lines = !tty,
                       .progress_s = progress_s >= 0 ? progress_s : tty ? 5 : 10,
                       .stop = &stop_signal,
                       .window_fn = live ? monitor_window : NULL, .window_ctx = live,
                       .window_spikes_fn = live ? monitor_spikes : NULL};
  ms_sim_set_opts(sim, &opts);
  catch_stop_signals();
  rc = ms_sim_open(sim);
  if (!rc)
    rc = ckpt_run(&ck, net, ms_sim_engine(sim), log, path, &stop_signal);
  const double cpu2 = sim_clock_cpu_s();
  ms_sim_finish(sim);
  const sim_stats st = *ms_sim_stats(sim);
  monitor_end(live, &st, rc == SIM_ESTOP || rc == CKPT_STOPPED);
  if (rc == CKPT_STOPPED) {
    /* SIGUSR1 or SIGTERM: a checkpoint at the window end, logs closed. */
    fail_all(log && io_log_close(log, st.ticks) != 0, 1);
    ckpt_report_stop(&ck, (double)st.ticks * desc->sim.resolution_ms, desc->sim.duration_ms);
    ckpt_opts_fini(&ck);
    monitor_destroy(live);
    ms_sim_destroy(sim);
    return 0;
  }
  ckpt_opts_fini(&ck);
  if (rc == SIM_ESTOP) {
    /* Stopped at a window end on every rank: the log ends cleanly there. */
    int bad = log && io_log_close(log, st.ticks) != 0;
    int sig = (int)comm_min_i64(stop_signal ? stop_signal : 1000);
    fail_all(bad, 1);
    if (comm_rank() == 0) {
      const char *name = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal";
      fprintf(stderr, "memspike: run: %s received: stopped at %.*g ms of %.*g ms "
              "simulated; ", name, 15, (double)st.ticks * desc->sim.resolution_ms, 15,
              desc->sim.duration_ms);
      if (no_log)
        fprintf(stderr, "no log was written (--no-log)\n");
      else
        fprintf(stderr, "the event log%s %s%s end%s there, complete and readable\n",
                comm_size() > 1 ? "s" : "", comm_size() > 1 ? dir : path,
                comm_size() > 1 ? "/events.rank*.msgpack" : "", comm_size() > 1 ? "" : "s");
      fflush(stderr);
    }
    monitor_destroy(live);
    ms_sim_destroy(sim);
    return sig == SIGINT ? 130 : 143;
  }
  if (rc)
    io_log_destroy(log); /* what was flushed stays readable */
  fail_all(rc == SIM_ECONFIG, 2); /* a plug-in that cannot be checkpointed */
  fail_all(rc != 0 && rc != SIM_ECOMM, 1);
  fail_all(log && io_log_close(log, st.ticks) != 0, 1);
  fail_all(wproj >= 0 && write_weights(net, (uint32_t)wproj, dir, st.ticks) != 0, 1);
  FILE *json = NULL;
  if (json_path && comm_rank() == 0 && !(json = fopen(json_path, "w")))
    sim_error_set(SIM_EIO, "cannot write %s: %s", json_path, strerror(errno));
  fail_all(json_path && comm_rank() == 0 && !json, 1);
  run_stats rs;
  run_stats_gather(net, &st, MEMSPIKE_VERSION, &rs);
  rs.build_cpu_s = comm_max_double(cpu1 - cpu0);
  rs.sim_cpu_s = comm_max_double(cpu2 - cpu1);
  if (comm_rank() == 0) {
    run_report_text(&rs, stdout);
    if (json && run_report_json(&rs, json, json_path) != 0)
      fprintf(stderr, "memspike: %s\n", sim_error_msg());
  }
  run_stats_fini(&rs);
  if (json && fclose(json) != 0) {
    fprintf(stderr, "memspike: cannot write %s\n", json_path);
    return 1;
  }
  if (comm_rank() == 0 && !no_log)
    printf("  event log: %s%s\n", comm_size() > 1 ? dir : path,
           comm_size() > 1 ? "/events.rank*.msgpack" : "");
  fflush(stdout);
  monitor_hold(live, &stop_signal);
  monitor_destroy(live);
  ms_sim_destroy(sim);
  return 0;
}

/* `memspike resume DIR [--until MS]`: the run of the checkpoint's config
   that loads it (tools/checkpoint.c). */
static int cmd_resume(int argc, char **argv)
{
  for (int i = 0; i < argc; i++)
    if (is_help(argv[i])) {
      if (comm_rank() == 0)
        print_subcommand_help("resume");
      return 0;
    }
  int n;
  char **args;
  if (ckpt_resume_args(argc, argv, &n, &args) != 0)
    return 2;
  int rc = cmd_run(n, args);
  ckpt_resume_free(n, args);
  return rc;
}

/* The options are Python's (python/memspike_log/plot.py); --help is here. */
static int cmd_plot(int argc, char **argv)
{
  for (int i = 0; i < argc; i++)
    if (is_help(argv[i])) {
      print_subcommand_help("plot");
      return 0;
    }
  return plot_exec(argc, argv);
}

/* ------------------------------------------------------------------ */
/* Subcommands                                                          */

/* One subcommand: main finds it by name and hands it the arguments after
   that name.  The usage text is built from this table, in its order. */
typedef struct subcommand {
  const char *name;                  /* argv[1] */
  int (*run)(int argc, char **argv); /* argv after the name; returns the exit status */
  int uses_mpi;                      /* 1: main brackets run with comm_init/comm_fini */
  const char *synopsis;              /* usage line(s), after "memspike " */
  const char *help;                  /* what it does, for --help (NULL: see its own) */
} subcommand;

static const subcommand subcommands[] = {
    {.name = "run",
     .run = cmd_run,
     .uses_mpi = 1,
     .synopsis = "run CONFIG [--set section.key=value]... [--out DIR] [--no-log]\n"
                 "                    [--json FILE] [--weights P] [--progress S] [--quiet]\n"
                 "                    [--monitor [HOST:]PORT [--monitor-bind ADDR]]",
     .help = "run     simulate the network of CONFIG (an INI file; see docs/config-format.md)\n"
             "        --set S.K=V  override key K of section S ('simulation' or a section NAME)\n"
             "        --out DIR    write logs to DIR instead of [simulation] output\n"
             "        --no-log     record nothing (benchmarks)\n"
             "        --json FILE  also write the end-of-run summary as JSON\n"
             "        --weights P  at the end, write projection P's weights to\n"
             "                     DIR/weights-P.rankR.csv (source,target,weight)\n"
             "        --progress S report progress on stderr every S seconds of wall\n"
             "                     time (default 10; 5 on a terminal; 0: every window)\n"
             "        --quiet      no progress on stderr\n"
             "        --dry-run    print the memory estimate per rank and stop (exit 2\n"
             "                     if the network does not fit)\n"
             "        --checkpoint-every MS, --checkpoint-at MS[,MS...]: write a checkpoint\n"
             "                     (DIR/checkpoints/ckpt-Tms/, or --checkpoint-dir D)\n"
             MONITOR_USAGE
             "        Under mpirun -np N the network is split over N ranks.  SIGINT or\n"
             "        SIGTERM stops the run at the next window end: the logs end there,\n"
             "        complete; exit 130 (SIGINT) or 143 (SIGTERM).  SIGUSR1 (and SIGTERM\n"
             "        when checkpointing) writes a checkpoint there instead, then exit 0.\n"},
    {.name = "resume",
     .run = cmd_resume,
     .uses_mpi = 1,
     .synopsis = "resume DIR [--until MS] [--out DIR] [options of run]",
     .help = "resume  continue the run checkpointed in DIR (docs/checkpoint-format.md) on\n"
             "        any number of ranks, bit-identical to the run not interrupted; the\n"
             "        event logs go on (another rank count: in OUT/resume-Tms/)\n"
             "        --until MS   simulate up to MS instead of the checkpointed duration\n"},
    {.name = "replay",
     .run = cmd_replay,
     .synopsis = "replay LOG... [--partial] [--population P] [--neurons A:B] [--from MS]\n"
                 "                    [--to MS] [--stats [--json]] [--csv FILE [--kind K]]\n"
                 "                    [--sonata FILE.h5]   (memspike replay --help)",
     .help = "replay  summarise event logs (one file per rank of a run): spikes and\n"
             "        rates per population, statistics (--stats), CSV and SONATA\n"
             "        exports; the files must cover every rank of the run, or\n"
             "        --partial summarises the given ranks alone\n"},
    {.name = "convert",
     .run = cmd_convert,
     .uses_mpi = 1,
     .synopsis = "convert MODEL --data DIR [options]   (memspike convert --help)"},
    {.name = "image",
     .run = cmd_image,
     .synopsis = "image MODEL --image FILE.idx --json OUT [options]   (memspike image --help)"},
    {.name = "cim",
     .run = cmd_cim,
     .synopsis = "cim MODEL --data DIR [options]   (memspike cim --help)",
     .help = "cim     run a CNN as an ANN on NeuRRAM-like compute-in-memory cores:\n"
             "        mapping, accuracy vs programming noise, energy/latency/EDP, a\n"
             "        transposed MVM (docs/examples/neurram.md)\n"},
    {.name = "plot",
     .run = cmd_plot,
     .synopsis = "plot raster|rates|isi|vm|weights|energy LOG... --out FILE.png\n"
                 "                    [--population P] [--from MS] [--to MS] [--neurons A:B]\n"
                 "                    [--bin MS] [--title T] [--partial]",
     .help = "plot    draw a run's event logs with matplotlib (Python 3: /usr/bin/python3\n"
             "        or $MEMSPIKE_PYTHON): raster (spikes), rates (population rate, Hz,\n"
             "        --bin MS, default 5), isi (inter-spike intervals, ms), vm (sampled\n"
             "        variables of a few neurons), weights (needs [record] kind =\n"
             "        weights), energy (device pJ per component; kind = energy)\n"
             "        --population P  only P (repeat, or P1,P2); --from/--to MS: time\n"
             "        window; --neurons A:B local ids; --title T; --partial: a subset of\n"
             "        the ranks\n"},
};
#define NSUBCOMMANDS (sizeof subcommands / sizeof subcommands[0])

static const char exit_status_help[] =
    "Exit status: 0 success; 1 failure at run time (writing output, a corrupt\n"
    "log); 2 bad input (config, model, log header) or usage, or a network that\n"
    "does not fit in memory (run); 3 out of memory all the same;\n"
    "130 or 143: run stopped by SIGINT or SIGTERM.\n";

/* The usage text: every synopsis, then every help paragraph.  Built once;
   borrowed, valid for the life of the process. */
static const char *usage(void)
{
  static char buf[8192];
  if (buf[0])
    return buf;
  size_t n = 0;
  for (size_t i = 0; i < NSUBCOMMANDS; i++)
    n += (size_t)snprintf(buf + n, sizeof buf - n, "%s memspike %s\n", i ? "      " : "usage:",
                          subcommands[i].synopsis);
  n += (size_t)snprintf(buf + n, sizeof buf - n,
                        "       memspike --help | --version | COMMAND --help\n\n");
  for (size_t i = 0; i < NSUBCOMMANDS; i++)
    if (subcommands[i].help)
      n += (size_t)snprintf(buf + n, sizeof buf - n, "%s", subcommands[i].help);
  snprintf(buf + n, sizeof buf - n, "%s", exit_status_help);
  return buf;
}

static const subcommand *subcommand_find(const char *name)
{
  for (size_t i = 0; i < NSUBCOMMANDS; i++)
    if (!strcmp(subcommands[i].name, name))
      return &subcommands[i];
  return NULL;
}

/* `memspike NAME --help` on stdout: its synopsis, its paragraph, the exit
   statuses. */
static void print_subcommand_help(const char *name)
{
  const subcommand *c = subcommand_find(name);
  printf("usage: memspike %s\n\n%s\n%s", c->synopsis, c->help ? c->help : "",
         exit_status_help);
}

int main(int argc, char **argv)
{
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
      !strcmp(argv[1], "help")) {
    fputs(usage(), argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("memspike %s\n", MEMSPIKE_VERSION);
    return 0;
  }
  const subcommand *cmd = subcommand_find(argv[1]);
  if (!cmd) {
    fprintf(stderr, "memspike: unknown command '%s'\n%s", argv[1], usage());
    return 2;
  }
  if (!cmd->uses_mpi)
    return cmd->run(argc - 2, argv + 2);
  if (comm_init(&argc, &argv) != 0) {
    fprintf(stderr, "memspike: cannot start MPI\n");
    return 1;
  }
  int rc = cmd->run(argc - 2, argv + 2);
  comm_fini();
  return rc;
}
