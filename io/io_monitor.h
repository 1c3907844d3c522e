/*
 * io_monitor.h: the live monitor's HTTP server (libevent's evhttp), run
 * on a thread of its own and fed snapshots by the simulation.  It knows
 * nothing of networks: a snapshot is the /status JSON and the /metrics
 * text already rendered, and a sample of recent spikes that /spikes
 * filters per request.  Endpoints (docs/monitor.md):
 *   /          the self-contained live page (io/monitor_page.html)
 *   /status    the latest status JSON
 *   /metrics   the latest Prometheus text exposition
 *   /spikes    ?since=TICK: the sampled spikes at ticks >= TICK (at most
 *              IO_MONITOR_SPIKES_MAX, the latest), as JSON
 * GET and HEAD only (405 otherwise); request line and headers at most
 * 8 KB; at most IO_MONITOR_CONNS connections (more wait in the listen
 * backlog); a connection idle for 5 s, or open for 30 s, is closed; any
 * other path is 404, any other query parameter 400 naming it.
 *
 * Why a thread rather than polling the event loop between windows: a
 * window of a large network can take seconds, and the build before the
 * first one minutes; a thread answers at once throughout, and the
 * simulation's only part is io_monitor_publish, which never waits (a
 * pointer swap under a mutex it only tries to take).
 */
#ifndef IO_MONITOR_H
#define IO_MONITOR_H

#include <stddef.h>
#include <stdint.h>

#define IO_MONITOR_CONNS 32         /* connections served at once */
#define IO_MONITOR_SPIKES_MAX 10000 /* spikes in one /spikes answer */
#define IO_MONITOR_HEADERS_MAX 8192 /* bytes of request line and headers */

/* One sampled spike. */
typedef struct io_monitor_spike {
  int64_t t;    /* tick */
  uint32_t gid; /* global neuron id */
} io_monitor_spike;

/* One snapshot; all buffers sim_malloc'd, owned by the monitor once
   published. */
typedef struct io_monitor_doc {
  char *status;              /* /status body, JSON */
  char *metrics;             /* /metrics body, Prometheus text format */
  io_monitor_spike *spikes;  /* ascending by t; may be NULL */
  size_t nspikes;
  int64_t tick;              /* simulated up to this tick (exclusive) */
  double resolution_ms;      /* ms per tick */
} io_monitor_doc;

typedef struct io_monitor io_monitor;

/* Listen on addr:port (port 0: the system picks; io_monitor_port tells)
   and start serving from a new thread (all signals blocked there; until
   the first publish, /status and /metrics answer 503).  Returns 0 or
   SIM_EUSAGE / SIM_EIO with a message naming the address. */
int io_monitor_start(const char *addr, int port, io_monitor **out /* OUT */);
int io_monitor_port(const io_monitor *m);
/* Offer a new snapshot (taken, also on failure).  Never waits: when the
   server thread is reading the current one, doc is kept and swapped in at
   the next call (or by io_monitor_flush). */
void io_monitor_publish(io_monitor *m, io_monitor_doc *doc);
/* Swap in a kept snapshot, waiting for the lock (after the run). */
void io_monitor_flush(io_monitor *m);
/* Stop the thread, close every connection, free m (NULL: no-op). */
void io_monitor_stop(io_monitor *m);
/* Free a snapshot that was not published (NULL: no-op). */
void io_monitor_doc_free(io_monitor_doc *doc);

/* The page served at /, NUL-terminated (io/monitor_page.html, embedded
   at build time). */
extern const char io_monitor_page[];

#endif
