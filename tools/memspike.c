/*
 * memspike.c: the command-line front end.
 *   memspike run CONFIG [--set section.key=value]... [--out DIR] [--no-log]
 *   memspike replay LOG... [--csv FILE]
 * Exit status: 0 success, 1 run-time failure, 2 bad config or usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/sim_alloc.h"
#include "../core/sim_engine.h"
#include "../core/sim_error.h"
#include "../io/io_config.h"
#include "../io/io_log.h"
#include "../io/io_recorder.h"
#include "../io/io_replay.h"
#include "../mpi/comm.h"
#include "../network/net_build.h"
#include "convert.h"

#define MEMSPIKE_VERSION "0.1.0"

static const char usage[] =
    "usage: memspike run CONFIG [--set section.key=value]... [--out DIR] [--no-log]\n"
    "                    [--json FILE] [--quiet]\n"
    "       memspike replay LOG... [--csv FILE]\n"
    "       memspike convert MODEL --data DIR [options]   (memspike convert --help)\n"
    "       memspike --help | --version\n"
    "\n"
    "run     simulate the network of CONFIG (an INI file; see docs/config-format.md)\n"
    "        --set S.K=V  override key K of section S ('simulation' or a section NAME)\n"
    "        --out DIR    write logs to DIR instead of [simulation] output\n"
    "        --no-log     record nothing (benchmarks)\n"
    "        --json FILE  also write the end-of-run summary as JSON\n"
    "        --weights P  at the end, write projection P's weights to\n"
    "                     DIR/weights-P.rankR.csv (source,target,weight)\n"
    "        --quiet      no progress on stderr\n"
    "        Under mpirun -np N the network is split over N ranks.\n"
    "replay  summarise event logs (one file per rank of a run): spikes and\n"
    "        rates per population; --csv FILE writes the merged spikes\n";

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
  for (uint32_t s = 0; s < pr->syn.src_n; s++)
    for (uint64_t k = pr->syn.off[s]; k < pr->syn.off[s + 1]; k++) {
      double w = pr->dynamic ? syn_store_weight(&pr->store, &pr->syn, k, src0 + s, tg, t)
                 : pr->syn.w ? pr->syn.w[k]
                             : pr->syn.w_const;
      fprintf(f, "%u,%u,%.9g\n", src0 + s, tg[pr->syn.tgt[k]], w);
    }
  if (fclose(f) != 0)
    return sim_error_set(SIM_EIO, "cannot write %s", path);
  return 0;
}

static int open_log(const net_network *net, const char *dir, io_log **log,
                    char *path, size_t pathlen)
{
  const net_desc *d = net->desc;
  io_log_pop *pops = sim_calloc(d->npops, sizeof *pops, "log header");
  io_log_rec *recs = sim_calloc(d->nrecs + 1, sizeof *recs, "log header");
  const char **vars = sim_calloc((size_t)d->nrecs * 8 + 1, sizeof *vars, "log header");
  sim_gid **gids = sim_calloc(d->nrecs + 1, sizeof *gids, "log header");
  for (uint32_t i = 0; i < d->npops; i++) {
    const net_pop_desc *p = &d->pops[i];
    pops[i].name = p->name;
    pops[i].model = p->kind == NET_POISSON           ? "poisson_generator"
                    : p->kind == NET_SPIKE_GENERATOR ? "spike_generator"
                                                     : p->model->name;
    pops[i].first_gid = p->first_gid;
    pops[i].n = p->n;
  }
  for (uint32_t k = 0; k < d->nrecs; k++) {
    const net_rec_desc *rd = &d->recs[k];
    recs[k].name = rd->name;
    recs[k].pop = rd->pop;
    recs[k].kind = rd->kind == NET_REC_SPIKES ? IO_LOG_REC_SPIKES : IO_LOG_REC_STATE;
    recs[k].first = rd->first;
    recs[k].count = rd->count;
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
  };
  snprintf(path, pathlen, "%s/events.rank%d.msgpack", dir, comm_rank());
  int rc = io_log_create(path, &h, log);
  for (uint32_t k = 0; k < d->nrecs; k++)
    sim_free(gids[k]);
  sim_free(gids);
  sim_free(vars);
  sim_free(recs);
  sim_free(pops);
  return rc;
}

/* Spikes emitted by this rank's neurons. */
static uint64_t emitted_local(const net_network *net, const sim_stats *st)
{
  uint64_t n = 0;
  for (uint32_t i = 0; i < net->desc->npops; i++)
    n += st->spikes[i];
  return n;
}

/* The per-rank table (rank 0, several ranks only). */
static void print_rank_load(const double *load, int size)
{
  if (size < 2)
    return;
  printf("  %-5s %10s %12s %10s %10s %10s %12s %9s\n", "rank", "neurons", "synapses",
         "spikes", "compute_s", "comm_s", "spikes_sent", "RSS_MB");
  for (int r = 0; r < size; r++) {
    const double *l = &load[r * 7];
    printf("  %-5d %10.0f %12.0f %10.0f %10.3f %10.3f %12.0f %9.1f\n", r, l[0], l[1], l[2],
           l[3], l[4], l[5], l[6]);
  }
}

static void print_summary(const net_network *net, const sim_stats *st, FILE *json)
{
  const net_desc *d = net->desc;
  const int rank = comm_rank(), size = comm_size();
  const double sim_ms = (double)st->ticks * d->sim.resolution_ms;
  uint64_t nsyn = comm_sum_u64(net->nsyn);
  double syn_bytes = comm_sum_double((double)net->syn_bytes);
  uint64_t syn_ev = comm_sum_u64(st->syn_events), ext_ev = comm_sum_u64(st->ext_events);
  double build_s = comm_max_double(net->build_s), sim_s = comm_max_double(st->sim_s);
  double comm_s = comm_max_double(st->comm_s);
  double rss = (double)sim_peak_rss_bytes();
  double rss_max = comm_max_double(rss), rss_sum = comm_sum_double(rss);
  uint64_t sent = comm_sum_u64(st->spikes_sent), msgs = comm_sum_u64(st->msgs);
  uint64_t dev_reads = comm_sum_u64(st->dev_reads), dev_pulses = comm_sum_u64(st->dev_pulses);
  uint64_t stdp_updates = comm_sum_u64(st->stdp_updates);
  double read_pj = comm_sum_double(st->read_pj), write_pj = comm_sum_double(st->write_pj);
  uint64_t bytes = comm_sum_u64(st->bytes_sent), emitted = 0;
  for (uint32_t i = 0; i < d->npops; i++)
    emitted += st->spikes[i];
  emitted = comm_sum_u64(emitted);
  /* Per-rank load, so that imbalance shows: gathered at rank 0. */
  double *load = sim_calloc((size_t)size * 7, sizeof *load, "rank load");
  uint64_t my_neurons = 0;
  for (uint32_t i = 0; i < d->npops; i++)
    if (d->pops[i].kind == NET_NEURONS)
      my_neurons += net->pops[i].nlocal;
  const double mine[7] = {(double)my_neurons, (double)net->nsyn, (double)emitted_local(net, st),
                          st->sim_s - st->comm_s, st->comm_s, (double)st->spikes_sent, rss / 1e6};
  for (int k = 0; k < 7; k++) {
    double *col = sim_calloc((size_t)size, sizeof *col, "rank load");
    comm_gather_double(mine[k], col);
    for (int r = 0; r < size; r++)
      load[r * 7 + k] = col[r];
    sim_free(col);
  }
  uint64_t total_spikes = 0, total_neurons = 0;
  int json_items = 0;
  if (rank == 0 && json) {
    fprintf(json, "{\"config\": \"");
    for (const char *c = d->file; *c; c++) /* a JSON string: escape " \ and controls */
      if (*c == '"' || *c == '\\')
        fprintf(json, "\\%c", *c);
      else if ((unsigned char)*c < 0x20)
        fprintf(json, "\\u%04x", (unsigned char)*c);
      else
        fputc(*c, json);
    fprintf(json, "\", \"ranks\": %d, \"seed\": %llu, \"simulated_ms\": %.6g,\n"
                  " \"populations\": [",
            size, (unsigned long long)d->sim.seed, sim_ms);
  }
  if (rank == 0) {
    printf("\nmemspike %s: %s, %d rank%s, seed %llu, %.1f ms simulated at %g ms\n",
           MEMSPIKE_VERSION, d->file, size, size > 1 ? "s" : "",
           (unsigned long long)d->sim.seed, sim_ms, d->sim.resolution_ms);
    printf("  %-12s %-18s %10s %12s %10s\n", "population", "model", "neurons", "spikes",
           "rate (Hz)");
  }
  for (uint32_t i = 0; i < d->npops; i++) {
    uint64_t s = comm_sum_u64(st->spikes[i]);
    const net_pop_desc *p = &d->pops[i];
    if (rank != 0)
      continue;
    const char *model = p->kind == NET_POISSON           ? "poisson_generator"
                        : p->kind == NET_SPIKE_GENERATOR ? "spike_generator"
                                                         : p->model->name;
    if (p->kind == NET_POISSON) {
      printf("  %-12s %-18s %10u %12s %10.2f (per target)\n", p->name, model, p->n, "-",
             p->rate_hz);
      continue;
    }
    double rate = sim_ms > 0 ? s / (p->n * sim_ms * 1e-3) : 0.0;
    printf("  %-12s %-18s %10u %12llu %10.3f\n", p->name, model, p->n,
           (unsigned long long)s, rate);
    if (json)
      fprintf(json, "%s{\"name\": \"%s\", \"model\": \"%s\", \"neurons\": %u, "
                    "\"spikes\": %llu, \"rate_hz\": %.6f}",
              json_items++ ? ", " : "", p->name, model, p->n, (unsigned long long)s, rate);
    if (p->kind == NET_NEURONS) {
      total_spikes += s;
      total_neurons += p->n;
    }
  }
  if (rank != 0) {
    sim_free(load);
    return;
  }
  printf("  neurons %llu, mean rate %.3f Hz\n", (unsigned long long)total_neurons,
         total_neurons && sim_ms > 0 ? total_spikes / (total_neurons * sim_ms * 1e-3) : 0.0);
  printf("  synapses %llu (%.2f bytes per synapse, offsets included)\n",
         (unsigned long long)nsyn, nsyn ? syn_bytes / (double)nsyn : 0.0);
  printf("  build %.3f s, simulate %.3f s (exchange %.3f s), real-time factor %.3f "
         "(wall / simulated)\n",
         build_s, sim_s, comm_s, sim_ms > 0 ? sim_s / (sim_ms * 1e-3) : 0.0);
  printf("  synaptic events %llu recurrent + %llu external = %.3g per second of wall "
         "time\n",
         (unsigned long long)syn_ev, (unsigned long long)ext_ev,
         sim_s > 0 ? (double)(syn_ev + ext_ev) / sim_s : 0.0);
  printf("  peak memory %.1f MB (largest rank), %.1f MB (all ranks)\n", rss_max / 1e6,
         rss_sum / 1e6);
  if (dev_reads || dev_pulses || stdp_updates)
    printf("  synapse devices: %llu reads %.4g pJ, %llu write pulses %.4g pJ, %llu STDP "
           "updates; energy %.4g pJ\n",
           (unsigned long long)dev_reads, read_pj, (unsigned long long)dev_pulses, write_pj,
           (unsigned long long)stdp_updates, read_pj + write_pj);
  if (size > 1)
    printf("  exchange: %llu spikes sent to other ranks in %llu messages, %.2f bytes per "
           "spike emitted, %.1f %% of simulate time\n",
           (unsigned long long)sent, (unsigned long long)msgs,
           emitted ? (double)bytes / (double)emitted : 0.0,
           sim_s > 0 ? 100 * comm_s / sim_s : 0.0);
  print_rank_load(load, size);
  if (json)
    fprintf(json,
            "],\n \"neurons\": %llu, \"mean_rate_hz\": %.6f, \"synapses\": %llu, "
            "\"bytes_per_synapse\": %.4f,\n \"build_s\": %.6f, \"simulate_s\": %.6f, "
            "\"exchange_s\": %.6f, \"real_time_factor\": %.6f,\n \"syn_events\": %llu, "
            "\"ext_events\": %llu, \"events_per_s\": %.6g, \"peak_rss_mb\": %.3f, "
            "\"peak_rss_mb_all\": %.3f,\n \"spikes_emitted\": %llu, \"spikes_sent\": %llu, "
            "\"messages\": %llu, \"bytes_sent\": %llu, \"windows\": %llu, "
            "\"min_delay_ticks\": %lld,\n \"device_reads\": %llu, \"device_pulses\": %llu, "
            "\"stdp_updates\": %llu, \"read_energy_pj\": %.9g, \"write_energy_pj\": %.9g}\n",
            (unsigned long long)total_neurons,
            total_neurons && sim_ms > 0 ? total_spikes / (total_neurons * sim_ms * 1e-3) : 0.0,
            (unsigned long long)nsyn, nsyn ? syn_bytes / (double)nsyn : 0.0, build_s, sim_s,
            comm_s, sim_ms > 0 ? sim_s / (sim_ms * 1e-3) : 0.0, (unsigned long long)syn_ev,
            (unsigned long long)ext_ev, sim_s > 0 ? (double)(syn_ev + ext_ev) / sim_s : 0.0,
            rss_max / 1e6, rss_sum / 1e6, (unsigned long long)emitted,
            (unsigned long long)sent, (unsigned long long)msgs, (unsigned long long)bytes,
            (unsigned long long)st->windows, (long long)net->min_delay,
            (unsigned long long)dev_reads, (unsigned long long)dev_pulses,
            (unsigned long long)stdp_updates, read_pj, write_pj);
  sim_free(load);
}

static int cmd_run(int argc, char **argv)
{
  const char *config = NULL, *out_dir = NULL, *json_path = NULL, *weights = NULL;
  const char **sets = sim_calloc((size_t)argc + 1, sizeof *sets, "arguments");
  int nsets = 0, no_log = 0, quiet = 0;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--set") && i + 1 < argc)
      sets[nsets++] = argv[++i];
    else if (!strncmp(a, "--set=", 6))
      sets[nsets++] = a + 6;
    else if (!strcmp(a, "--out") && i + 1 < argc)
      out_dir = argv[++i];
    else if (!strcmp(a, "--json") && i + 1 < argc)
      json_path = argv[++i];
    else if (!strcmp(a, "--weights") && i + 1 < argc)
      weights = argv[++i];
    else if (!strcmp(a, "--no-log"))
      no_log = 1;
    else if (!strcmp(a, "--quiet"))
      quiet = 1;
    else if (a[0] == '-') {
      sim_error_set(SIM_EUSAGE, "run: unknown or incomplete option '%s'\n%s", a, usage);
      fail_all(1, 2);
    } else if (!config)
      config = a;
    else {
      sim_error_set(SIM_EUSAGE, "run: one config file expected, got '%s' too\n%s", a,
                    usage);
      fail_all(1, 2);
    }
  }
  if (!config) {
    sim_error_set(SIM_EUSAGE, "run: missing CONFIG\n%s", usage);
    fail_all(1, 2);
  }
  net_desc *desc = NULL;
  fail_all(io_config_load(config, sets, nsets, &desc) != 0, 2);
  sim_free(sets);
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

  net_part part = {desc->sim.partition, comm_rank(), comm_size()};
  net_network *net = NULL;
  int rc = net_build(desc, &part, &comm_exchange, &net);
  fail_all(rc != 0 && rc != SIM_ECOMM, 1);

  io_log *log = NULL;
  char path[4200] = "";
  fail_all(!no_log && open_log(net, dir, &log, path, sizeof path) != 0, 1);

  sim_stats st;
  sim_recorder rec = io_log_recorder(log);
  sim_run_opts opts = {.recorders = &rec, .nrecorders = log ? 1 : 0,
                       .exchange = &comm_exchange, .progress = !quiet && isatty(2)};
  rc = sim_run(&net->kernel, &opts, &st);
  if (rc)
    io_log_destroy(log); /* what was flushed stays readable */
  fail_all(rc != 0 && rc != SIM_ECOMM, 1);
  fail_all(log && io_log_close(log, st.ticks) != 0, 1);
  fail_all(wproj >= 0 && write_weights(net, (uint32_t)wproj, dir, st.ticks) != 0, 1);
  FILE *json = NULL;
  if (json_path && comm_rank() == 0 && !(json = fopen(json_path, "w")))
    sim_error_set(SIM_EIO, "cannot write %s: %s", json_path, strerror(errno));
  fail_all(json_path && comm_rank() == 0 && !json, 1);
  print_summary(net, &st, json);
  if (json && fclose(json) != 0) {
    fprintf(stderr, "memspike: cannot write %s\n", json_path);
    return 1;
  }
  if (comm_rank() == 0 && !no_log)
    printf("  event log: %s%s\n", comm_size() > 1 ? dir : path,
           comm_size() > 1 ? "/events.rank*.msgpack" : "");
  sim_stats_fini(&st);
  net_network_destroy(net);
  net_desc_destroy(desc);
  return 0;
}

static int cmd_replay(int argc, char **argv)
{
  const char *csv = NULL;
  const char **files = sim_calloc((size_t)argc + 1, sizeof *files, "arguments");
  int n = 0;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--csv") && i + 1 < argc)
      csv = argv[++i];
    else if (argv[i][0] == '-') {
      fprintf(stderr, "memspike: replay: unknown or incomplete option '%s'\n%s", argv[i],
              usage);
      return 2;
    } else
      files[n++] = argv[i];
  }
  if (!n) {
    fprintf(stderr, "memspike: replay: no log file given\n%s", usage);
    return 2;
  }
  int rc = io_replay_summary(files, n, stdout);
  if (rc == 0 && csv) {
    FILE *f = fopen(csv, "w");
    if (!f) {
      fprintf(stderr, "memspike: replay: cannot write %s: %s\n", csv, strerror(errno));
      sim_free(files);
      return 1;
    }
    rc = io_replay_spikes_csv(files, n, f);
    if (fclose(f) != 0 && rc == 0)
      rc = sim_error_set(SIM_EIO, "cannot write %s", csv);
  }
  if (rc)
    fprintf(stderr, "memspike: replay: %s\n", sim_error_msg());
  sim_free(files);
  return rc == 0 ? 0 : rc == SIM_EFORMAT || rc == SIM_EIO ? 1 : 2;
}

int main(int argc, char **argv)
{
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
      !strcmp(argv[1], "help")) {
    fputs(usage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("memspike %s\n", MEMSPIKE_VERSION);
    return 0;
  }
  if (!strcmp(argv[1], "replay"))
    return cmd_replay(argc - 2, argv + 2);
  if (!strcmp(argv[1], "convert"))
    return cmd_convert(argc - 2, argv + 2);
  if (strcmp(argv[1], "run") != 0) {
    fprintf(stderr, "memspike: unknown command '%s'\n%s", argv[1], usage);
    return 2;
  }
  if (comm_init(&argc, &argv) != 0) {
    fprintf(stderr, "memspike: cannot start MPI\n");
    return 1;
  }
  int rc = cmd_run(argc - 2, argv + 2);
  comm_fini();
  return rc;
}
