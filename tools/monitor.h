/*
 * monitor.h: the live monitor of `memspike run` and `memspike convert`
 * (docs/monitor.md).  The HTTP server is io/io_monitor.h, on a thread of
 * rank 0; this side gathers what it shows.  In a run, sim_run calls
 * monitor_window at every window end on every rank; every K windows all
 * ranks make one small collective (exchange ops `bytes`: each rank's
 * counters and sampled spikes to rank 0, and rank 0's next K back to
 * all), K chosen by rank 0 from its clock so that gathers come about
 * --monitor-interval seconds apart.  Nothing here changes the run: the
 * hook reads sim_stats and the window's spikes, never writes them.  When
 * the monitor is off none of this exists (no hook, no collective).
 */
#ifndef MONITOR_H
#define MONITOR_H

#include <signal.h>

#include "../core/sim_engine.h"
#include "../network/net_build.h"

/* The monitor flags of a command. */
typedef struct monitor_opts {
  int on;              /* 1: --monitor given */
  char host[256];      /* from --monitor HOST:PORT (default 127.0.0.1) */
  int port;            /* 0: the system picks one (printed) */
  const char *bind;    /* --monitor-bind ADDR (borrowed from argv), or NULL */
  double interval_s;   /* --monitor-interval: wall seconds between gathers (1) */
  double hold_s;       /* --monitor-hold: keep serving after the end (0) */
} monitor_opts;

/* The usage lines of the flags, for a command's --help (a literal). */
#define MONITOR_USAGE                                                                  \
  "        --monitor [HOST:]PORT  serve live status over HTTP from rank 0 (HOST\n"       \
  "                     loopback, default 127.0.0.1; PORT 0: one is picked and\n"       \
  "                     printed): / (live page), /status, /metrics, /spikes\n"          \
  "        --monitor-bind ADDR  listen on ADDR instead (a warning unless loopback)\n"   \
  "        --monitor-interval S  wall seconds between updates (default 1)\n"            \
  "        --monitor-hold S  keep serving S seconds after the end (default 0)\n"

/* Defaults (off). */
void monitor_opts_init(monitor_opts *o);
/* If argv[*i] is a monitor flag, take it (and its value: *i advances) and
   return 1; 0 when it is not one; SIM_EUSAGE with a message for a bad or
   missing value. */
int monitor_parse(int argc, char **argv, int *i, monitor_opts *o);
/* After parsing: --monitor-bind without --monitor, a non-loopback
   --monitor host without --monitor-bind: SIM_EUSAGE.  Prints the warning
   of a non-loopback --monitor-bind (rank 0). */
int monitor_check(monitor_opts *o);

typedef struct monitor monitor;

/* Collective.  Rank 0 starts the server and prints its address on
   stderr; every rank gets a monitor (for the hook).  o->on == 0: *out =
   NULL, returns 0.  Returns 0 or (rank 0) the server's error. */
int monitor_create(const monitor_opts *o, const net_network *net, const char *version,
                   monitor **out /* OUT */);
/* sim_run_opts.window_spikes_fn and window_fn (ctx: the monitor). */
void monitor_spikes(void *ctx, sim_time w0, const sim_spike *spikes, size_t n);
int monitor_window(void *ctx, sim_time w1, const sim_stats *st);
/* Collective, after sim_run: the final gather (state "done", or
   "stopped" when stopped), published at once. */
void monitor_end(monitor *m, const sim_stats *st, int stopped);
/* Rank 0: keep serving for --monitor-hold seconds, or until *stop. */
void monitor_hold(monitor *m, const volatile sig_atomic_t *stop);
void monitor_destroy(monitor *m);

/* convert: rank 0 only, no collectives (the other ranks' images are
   counted as rank 0's pace times the rank count, as the progress line
   does).  NULL when o->on == 0. */
int monitor_convert_create(const monitor_opts *o, const char *model, unsigned images,
                           int ranks, monitor **out /* OUT */);
/* After each image of a pass named what: images done so far (all ranks,
   estimated), correct ANN and SNN (largest step count) answers among
   this rank's done_local images.  Publishes at most every interval. */
void monitor_convert_image(monitor *m, const char *what, unsigned done, unsigned done_local,
                           unsigned long long ann_ok, unsigned long long snn_ok, int last);

#endif
