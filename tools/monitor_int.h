/*
 * monitor_int.h: the monitor's state, shared by tools/monitor.c (flags,
 * the window hook, gathering over ranks) and tools/monitor_doc.c (what
 * /status and /metrics say).
 */
#ifndef MONITOR_INT_H
#define MONITOR_INT_H

#include <stdint.h>

#include "../io/io_monitor.h"
#include "monitor.h"

#define MON_HIST 240        /* rate-history points kept for the page */
#define MON_RING 20000      /* sampled spikes kept at rank 0 */
#define MON_SAMPLE_MAX 4000 /* sampled spikes one rank sends per gather */
#define MON_ROWS 300        /* raster rows over all populations */

struct monitor {
  monitor_opts o;
  io_monitor *srv;            /* rank 0: the server */
  int rank, nranks;
  const char *state;          /* "running", "done", "stopped" */
  double t0;                  /* clock at creation (s) */

  /* run: */
  const net_network *net;     /* borrowed */
  const sim_exchange_ops *x;  /* borrowed */
  const char *version;        /* borrowed */
  uint32_t npops;
  uint32_t *rows;             /* per population: its first rows neurons are sampled */
  io_monitor_spike *samp;     /* this rank's samples since the last gather */
  size_t nsamp;
  uint64_t dropped;           /* samples over MON_SAMPLE_MAX (all time) */
  uint64_t seen;              /* sampled spikes since the last gather (kept
                                 or not: the reservoir's count) */
  uint64_t lcg;               /* the reservoir's draws (never the run's) */
  uint64_t windows, next_at;  /* window ends seen; the next gather's */
  uint64_t k;                 /* rank 0: the last distance between gathers */
  uint8_t *send, *recv;       /* gather buffers */
  size_t capsend;
  int *sendcounts, *recvcounts;
  double last_wall;           /* rank 0: clock at the last gather */
  uint64_t last_windows;

  /* rank 0, from the last gather (totals over ranks): */
  int64_t tick;               /* simulated up to (exclusive) */
  uint64_t *pop_spikes;       /* npops */
  uint64_t *rank_spikes;      /* nranks x npops */
  double *rank_rss_mb;        /* nranks: peak resident memory (MB) */
  uint64_t syn_events, ext_events, updates, dev_reads, dev_pulses;
  double read_pj, write_pj;
  double hist_t_ms[MON_HIST]; /* rate history: simulated ms at each gather */
  double *hist_rate;          /* MON_HIST x npops (Hz over the interval) */
  uint32_t nhist;
  uint64_t *prev_spikes;      /* npops, at the previous gather */
  int64_t prev_tick;
  io_monitor_spike *ring;     /* MON_RING, ascending by tick */
  size_t nring;

  /* convert: */
  const char *model, *what;   /* borrowed */
  unsigned images, done;
  double ann_acc, snn_acc, next_pub;
};

/* The /status JSON and /metrics text of the state m holds (rank 0). */
char *monitor_status_json(const monitor *m);
char *monitor_metrics_text(const monitor *m);
char *monitor_convert_status_json(const monitor *m);
char *monitor_convert_metrics_text(const monitor *m);

#endif
