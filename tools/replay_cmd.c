/*
 * replay_cmd.c: `memspike replay`: parse the options (replay_args_parse),
 * then print the summary or the statistics and write the exports.  The
 * work is io/: io_replay.h (merge, filter, summary, CSV), io_replay_stats.h
 * (--stats), io_sonata.h (--sonata).  User guide: docs/replay.md.
 */
#include "replay_cmd.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"
#include "../io/io_replay.h"
#include "../io/io_replay_stats.h"
#include "../io/io_sonata.h"

static const char usage[] =
    "usage: memspike replay LOG... [--partial] [filters] [--stats [--json] [--bin MS]\n"
    "                       [--pairs N]] [--csv FILE [--kind KIND]] [--sonata FILE.h5]\n"
    "\n"
    "replay  read the event logs of one run (one file per rank), merged in time\n"
    "        order; without --stats print spikes and rates per population\n"
    "        --partial          accept a subset of the run's ranks (counts then\n"
    "                           cover only the neurons those ranks own)\n"
    "  filters (apply to the summary, --stats, --csv and --sonata):\n"
    "        --population NAME  only population NAME (repeat, or NAME,NAME,...)\n"
    "        --neurons A:B      only population-local ids A <= id < B (with\n"
    "                           --population)\n"
    "        --from MS --to MS  only events with MS <= time < MS (either alone)\n"
    "  output:\n"
    "        --stats            per population: rate, CV of ISI, Fano factor,\n"
    "                           Golomb's chi, mean pairwise correlation, ISI and\n"
    "                           population-rate histograms (instead of the summary)\n"
    "        --json             --stats as JSON on stdout\n"
    "        --bin MS           count bin of --stats (default 5 ms; a whole number\n"
    "                           of ticks)\n"
    "        --pairs N          correlation sample: up to N neurons (default 100)\n"
    "        --csv FILE         write the records of --kind as CSV (never over an\n"
    "                           input log)\n"
    "        --kind KIND        spikes (default), samples, weights, devices or\n"
    "                           energy (docs/replay.md has the columns)\n"
    "        --sonata FILE.h5   write the spikes as a SONATA spike file (HDF5)\n"
    "Exit status: 0 success; 1 failure at run time (writing output, a corrupt\n"
    "log); 2 bad input (log header, logs of different runs, missing ranks) or\n"
    "usage; 3 out of memory.\n";

static int usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_err(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fputs("memspike: replay: ", stderr);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  /* The synopsis only: the options would bury the message. */
  int n = (int)(strstr(usage, "\n\n") - usage);
  fprintf(stderr, "\n%.*s\n(memspike replay --help lists the options)\n", n, usage);
  return 2;
}

/* A finite number >= 0, all of s. */
static int parse_ms(const char *s, double *out)
{
  char *end;
  errno = 0;
  double x = strtod(s, &end);
  if (end == s || *end || errno || !isfinite(x) || x < 0)
    return -1;
  *out = x;
  return 0;
}

static int parse_u32(const char *s, uint32_t *out)
{
  char *end;
  if (*s < '0' || *s > '9')
    return -1;
  errno = 0;
  unsigned long long x = strtoull(s, &end, 10);
  if (end == s || *end || errno || x > UINT32_MAX)
    return -1;
  *out = (uint32_t)x;
  return 0;
}

/* "A:B" with A < B. */
static int parse_range(const char *s, uint32_t *lo, uint32_t *hi)
{
  const char *c = strchr(s, ':');
  char a[32];
  if (!c || (size_t)(c - s) >= sizeof a)
    return -1;
  memcpy(a, s, (size_t)(c - s));
  a[c - s] = '\0';
  if (parse_u32(a, lo) || parse_u32(c + 1, hi) || *lo >= *hi)
    return -1;
  return 0;
}

void replay_args_fini(replay_args *a)
{
  for (uint32_t i = 0; i < a->npops; i++)
    sim_free(a->pops[i]);
  sim_free(a->pops);
  sim_free(a->files);
  memset(a, 0, sizeof *a);
}

/* Add the comma-separated names of v to a->pops; -1 on an empty name. */
static int add_pops(replay_args *a, const char *v)
{
  for (const char *p = v;;) {
    const char *c = strchr(p, ',');
    size_t len = c ? (size_t)(c - p) : strlen(p);
    if (len == 0)
      return -1;
    a->pops = sim_realloc(a->pops, (a->npops + 1) * sizeof *a->pops, "--population");
    char *name = sim_malloc(len + 1, "--population");
    memcpy(name, p, len);
    name[len] = '\0';
    a->pops[a->npops++] = name;
    if (!c)
      return 0;
    p = c + 1;
  }
}

int replay_args_parse(int argc, char **argv, replay_args *a)
{
  memset(a, 0, sizeof *a);
  a->files = sim_calloc((size_t)argc + 1, sizeof *a->files, "arguments");
  a->from_ms = 0;
  a->to_ms = INFINITY;
  a->bin_ms = IO_REPLAY_BIN_MS;
  a->pairs = IO_REPLAY_PAIRS;
  a->kind = IO_REPLAY_SPIKES;
  int has_kind = 0;
  static const char *const valued[] = {"--csv", "--sonata", "--kind", "--population",
                                       "--neurons", "--from", "--to", "--bin", "--pairs",
                                       NULL};
  for (int i = 0; i < argc; i++) {
    const char *k = argv[i];
    int takes = 0;
    for (const char *const *v = valued; *v; v++)
      takes |= !strcmp(k, *v);
    if (takes && i + 1 >= argc)
      return usage_err("option '%s' needs a value", k);
    const char *v = takes ? argv[++i] : NULL;
    if (!strcmp(k, "--csv"))
      a->csv = v;
    else if (!strcmp(k, "--sonata"))
      a->sonata = v;
    else if (!strcmp(k, "--partial"))
      a->flags |= IO_REPLAY_PARTIAL;
    else if (!strcmp(k, "--stats"))
      a->stats = 1;
    else if (!strcmp(k, "--json"))
      a->json = 1;
    else if (!strcmp(k, "--kind")) {
      int found = -1;
      for (int j = 0; io_replay_kind_names[j]; j++)
        if (!strcmp(v, io_replay_kind_names[j]))
          found = j;
      if (found < 0)
        return usage_err("--kind: expected spikes, samples, weights, devices or energy "
                         "(got '%s')", v);
      a->kind = (io_replay_kind)found;
      has_kind = 1;
    } else if (!strcmp(k, "--population")) {
      if (add_pops(a, v))
        return usage_err("--population: expected NAME or NAME,NAME,... (got '%s')", v);
    } else if (!strcmp(k, "--neurons")) {
      if (parse_range(v, &a->lo, &a->hi))
        return usage_err("--neurons: expected A:B, population-local ids with "
                         "0 <= A < B (got '%s')", v);
      a->neurons = 1;
    } else if (!strcmp(k, "--from")) {
      if (parse_ms(v, &a->from_ms))
        return usage_err("--from: expected a time in ms >= 0 (got '%s')", v);
    } else if (!strcmp(k, "--to")) {
      if (parse_ms(v, &a->to_ms))
        return usage_err("--to: expected a time in ms >= 0 (got '%s')", v);
      a->has_to = 1;
    } else if (!strcmp(k, "--bin")) {
      if (parse_ms(v, &a->bin_ms) || !(a->bin_ms > 0))
        return usage_err("--bin: expected a bin width in ms > 0 (got '%s')", v);
    } else if (!strcmp(k, "--pairs")) {
      if (parse_u32(v, &a->pairs) || a->pairs < 2)
        return usage_err("--pairs: expected a neuron count >= 2 (got '%s')", v);
    } else if (k[0] == '-')
      return usage_err("unknown option '%s'", k);
    else
      a->files[a->nfiles++] = k;
  }
  if (!a->nfiles)
    return usage_err("%s", "no log file given");
  if (a->neurons && a->npops == 0)
    return usage_err("%s", "--neurons: expected --population too (the ids are "
                     "population-local)");
  if (!(a->to_ms > a->from_ms))
    return usage_err("--from %g --to %g: expected --from < --to", a->from_ms, a->to_ms);
  if (a->json && !a->stats)
    return usage_err("%s", "--json: expected --stats too (it prints the statistics as JSON)");
  if (has_kind && !a->csv)
    return usage_err("%s", "--kind: expected --csv too (it chooses what the CSV holds)");
  return 0;
}

/* Do paths a and b name one file (same device and inode)?  0 when either
   does not exist. */
static int same_file(const char *a, const char *b)
{
  struct stat sa, sb;
  return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

/* Write --csv (and --sonata below) through FILE.tmp.PID in the same
   directory, renamed over FILE at the end, so that a failed export leaves
   any earlier file whole. */
static int write_csv(const replay_args *a, const io_replay_filter *f)
{
  char tmp[4200];
  if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", a->csv, (long)getpid()) >= (int)sizeof tmp)
    return sim_error_set(SIM_EIO, "--csv %s: file name too long", a->csv);
  FILE *fp = fopen(tmp, "w");
  if (!fp)
    return sim_error_set(SIM_EIO, "cannot write the CSV file %s: %s", a->csv, strerror(errno));
  int rc = io_replay_csv(a->files, a->nfiles, a->flags, a->kind, f, fp);
  int werr = ferror(fp) ? errno : 0;
  if (fclose(fp) != 0 && !werr)
    werr = errno ? errno : EIO;
  if (rc == SIM_EIO || (rc == 0 && werr))
    rc = sim_error_set(SIM_EIO, "cannot write the CSV file %s: %s", a->csv,
                       strerror(werr ? werr : EIO));
  if (rc == 0 && rename(tmp, a->csv) != 0)
    rc = sim_error_set(SIM_EIO, "cannot write the CSV file %s: %s", a->csv, strerror(errno));
  if (rc)
    remove(tmp);
  return rc;
}

static int write_sonata(const replay_args *a, const io_replay_filter *f)
{
  char tmp[4200];
  if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", a->sonata, (long)getpid()) >= (int)sizeof tmp)
    return sim_error_set(SIM_EIO, "--sonata %s: file name too long", a->sonata);
  int rc = io_replay_sonata(a->files, a->nfiles, a->flags, f, tmp);
  if (rc == SIM_EIO && strstr(sim_error_msg(), tmp)) /* the writer's, not a reader's */
    rc = sim_error_set(SIM_EIO, "cannot write the SONATA file %s: HDF5 cannot create "
                       "or write it", a->sonata);
  if (rc == 0 && rename(tmp, a->sonata) != 0)
    rc = sim_error_set(SIM_EIO, "cannot write the SONATA file %s: %s", a->sonata,
                       strerror(errno));
  if (rc)
    remove(tmp);
  return rc;
}

int cmd_replay(int argc, char **argv)
{
  for (int i = 0; i < argc; i++)
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      fputs(usage, stdout);
      return 0;
    }
  replay_args a;
  int rc = replay_args_parse(argc, argv, &a);
  if (rc) {
    replay_args_fini(&a);
    return rc;
  }
  for (int k = 0; k < a.nfiles; k++)
    for (int j = 0; j < 2; j++) {
      const char *o = j ? a.sonata : a.csv;
      if (o && same_file(o, a.files[k])) {
        fprintf(stderr, "memspike: replay: %s %s is the input log %s: refusing to write "
                "over it\n", j ? "--sonata" : "--csv", o, a.files[k]);
        replay_args_fini(&a);
        return 2;
      }
    }
  io_replay_filter f = {.pops = (const char *const *)a.pops, .npops = a.npops,
                        .neurons = a.neurons, .lo = a.lo, .hi = a.hi,
                        .from_ms = a.from_ms, .to_ms = a.to_ms};
  if (a.stats) {
    io_replay_stats_opts so = {.bin_ms = a.bin_ms, .pairs = a.pairs, .json = a.json};
    rc = io_replay_stats(a.files, a.nfiles, a.flags, &f, &so, stdout);
  } else {
    rc = io_replay_report(a.files, a.nfiles, a.flags, &f, stdout);
  }
  fflush(stdout);
  if (rc == 0 && a.csv)
    rc = write_csv(&a, &f);
  if (rc == 0 && a.sonata)
    rc = write_sonata(&a, &f);
  if (rc)
    fprintf(stderr, "memspike: replay: %s\n", sim_error_msg());
  replay_args_fini(&a);
  return rc == 0 ? 0 : rc == SIM_EFORMAT || rc == SIM_EIO ? 1 : rc == SIM_ENOMEM ? 3 : 2;
}
