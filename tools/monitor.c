/*
 * monitor.c: the monitor's flags, its window hook and the gathering over
 * ranks (monitor.h); what it serves is written by monitor_doc.c and
 * served by io/io_monitor.c.
 */
#include "monitor_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/sim_alloc.h"
#include "../core/sim_clock.h"
#include "../core/sim_error.h"

void monitor_opts_init(monitor_opts *o)
{
  memset(o, 0, sizeof *o);
  strcpy(o->host, "127.0.0.1");
  o->interval_s = 1;
}

static int parse_seconds(const char *flag, const char *v, double lo, double *out)
{
  char *end;
  double x = strtod(v, &end);
  if (end == v || *end || !(x >= lo && x <= 86400))
    return sim_error_set(SIM_EUSAGE, "%s: expected seconds in [%g, 86400] (got '%s')", flag,
                         lo, v);
  *out = x;
  return 0;
}

/* HOST:PORT, [V6]:PORT, or PORT. */
static int parse_endpoint(const char *v, monitor_opts *o)
{
  const char *colon = strrchr(v, ':'), *port = colon ? colon + 1 : v;
  char *end;
  long p = strtol(port, &end, 10);
  if (!*port || *end || p < 0 || p > 65535)
    return sim_error_set(SIM_EUSAGE, "--monitor: expected [HOST:]PORT with PORT in 0..65535 "
                         "(got '%s')", v);
  o->port = (int)p;
  if (colon) {
    size_t n = (size_t)(colon - v);
    if (n >= 2 && v[0] == '[' && v[n - 1] == ']') { /* [::1]:8080 */
      v++;
      n -= 2;
    }
    if (n == 0 || n >= sizeof o->host)
      return sim_error_set(SIM_EUSAGE, "--monitor: expected [HOST:]PORT (got '%s')", v);
    memcpy(o->host, v, n);
    o->host[n] = 0;
  }
  return 0;
}

int monitor_parse(int argc, char **argv, int *i, monitor_opts *o)
{
  static const char *const flags[] = {"--monitor", "--monitor-bind", "--monitor-interval",
                                      "--monitor-hold", NULL};
  const char *a = argv[*i];
  int k = 0;
  while (flags[k] && strcmp(a, flags[k]))
    k++;
  if (!flags[k])
    return 0;
  if (*i + 1 >= argc)
    return sim_error_set(SIM_EUSAGE, "option '%s' needs a value", a);
  const char *v = argv[++*i];
  int rc = 0;
  if (k == 0) {
    o->on = 1;
    rc = parse_endpoint(v, o);
  } else if (k == 1) {
    if (!*v)
      rc = sim_error_set(SIM_EUSAGE, "--monitor-bind: expected an address");
    o->bind = v;
  } else if (k == 2) {
    rc = parse_seconds(a, v, 0.01, &o->interval_s);
  } else {
    rc = parse_seconds(a, v, 0, &o->hold_s);
  }
  return rc ? rc : 1;
}

static int is_loopback(const char *h)
{
  return !strcmp(h, "localhost") || !strcmp(h, "::1") || !strncmp(h, "127.", 4);
}

int monitor_check(monitor_opts *o)
{
  if (o->bind && !o->on)
    return sim_error_set(SIM_EUSAGE, "--monitor-bind %s: needs --monitor PORT", o->bind);
  if (!o->on)
    return 0;
  if (!o->bind && !is_loopback(o->host))
    return sim_error_set(SIM_EUSAGE, "--monitor %s: not a loopback address; to listen on "
                         "another interface say so with --monitor-bind %s", o->host, o->host);
  if (o->bind) {
    if (strlen(o->bind) >= sizeof o->host)
      return sim_error_set(SIM_EUSAGE, "--monitor-bind: address too long");
    strcpy(o->host, o->bind);
  }
  return 0;
}

/* Rank 0: start the server and print where it listens. */
static int start_server(monitor *m, const char *cmd)
{
  int rc = io_monitor_start(m->o.host, m->o.port, &m->srv);
  if (rc)
    return rc;
  const int v6 = strchr(m->o.host, ':') != NULL;
  if (!is_loopback(m->o.host))
    fprintf(stderr, "memspike: %s: warning: the monitor listens on %s, not loopback: anyone "
            "who can reach this host can read it (it has no authentication)\n", cmd, m->o.host);
  fprintf(stderr, "memspike: %s: monitor on http://%s%s%s:%d/\n", cmd, v6 ? "[" : "",
          m->o.host, v6 ? "]" : "", io_monitor_port(m->srv));
  fflush(stderr);
  return 0;
}

/* ------------------------------------------------------------------ */
/* run                                                                  */

/* Payload of one rank, in 64-bit words: HDR fixed words, the population
   spike counts, then (tick, gid) per sampled spike. */
enum { W_NSAMP, W_SYN, W_EXT, W_UPD, W_RSS, W_READS, W_PULSES, W_READ_PJ, W_WRITE_PJ, HDR };

static uint64_t dbits(double x)
{
  uint64_t u;
  memcpy(&u, &x, sizeof u);
  return u;
}

static double bitsd(uint64_t u)
{
  double x;
  memcpy(&x, &u, sizeof x);
  return x;
}

int monitor_create(const monitor_opts *o, const net_network *net, const char *version,
                   monitor **out)
{
  *out = NULL;
  if (!o->on)
    return 0;
  monitor *m = sim_calloc(1, sizeof *m, "monitor");
  m->o = *o;
  m->net = net;
  m->x = net->x ? net->x : &sim_exchange_serial;
  m->version = version;
  m->rank = m->x->rank();
  m->nranks = m->x->size();
  m->state = "running";
  m->npops = net->desc->npops;
  m->rows = sim_calloc(m->npops + 1, sizeof *m->rows, "monitor rows");
  uint32_t ntravel = 0;
  for (uint32_t i = 0; i < m->npops; i++)
    ntravel += net_pop_travels(&net->desc->pops[i]);
  const uint32_t per = ntravel ? MON_ROWS / ntravel : 0;
  for (uint32_t i = 0; i < m->npops; i++)
    if (net_pop_travels(&net->desc->pops[i])) {
      const uint32_t n = net->kernel.pops[i].n;
      m->rows[i] = n < per ? n : per < 10 ? (n < 10 ? n : 10) : per;
    }
  m->samp = sim_malloc(MON_SAMPLE_MAX * sizeof *m->samp, "monitor samples");
  m->sendcounts = sim_calloc((size_t)m->nranks, sizeof(int), "monitor counts");
  m->recvcounts = sim_calloc((size_t)m->nranks, sizeof(int), "monitor counts");
  m->next_at = m->k = 1; /* the first window end: a snapshot at once */
  int rc = 0;
  if (m->rank == 0) {
    m->pop_spikes = sim_calloc(m->npops + 1, sizeof(uint64_t), "monitor totals");
    m->prev_spikes = sim_calloc(m->npops + 1, sizeof(uint64_t), "monitor totals");
    m->rank_spikes = sim_calloc((size_t)m->nranks * (m->npops + 1), sizeof(uint64_t),
                                "monitor totals");
    m->rank_rss_mb = sim_calloc((size_t)m->nranks, sizeof(double), "monitor totals");
    m->hist_rate = sim_calloc((size_t)MON_HIST * (m->npops + 1), sizeof(double),
                              "monitor history");
    m->ring = sim_malloc(MON_RING * sizeof *m->ring, "monitor spikes");
    rc = start_server(m, "run");
  }
  m->t0 = m->last_wall = sim_clock_s();
  if (rc) {
    monitor_destroy(m);
    return rc;
  }
  *out = m;
  return 0;
}

/* Spikes in (tick, gid) order. */
static int cmp_spike(const void *a, const void *b)
{
  const io_monitor_spike *x = a, *y = b;
  if (x->t != y->t)
    return x->t < y->t ? -1 : 1;
  return (x->gid > y->gid) - (x->gid < y->gid);
}

/* Append to the ring, the oldest out when full. */
static void ring_add(monitor *m, const io_monitor_spike *s, size_t n)
{
  if (n > MON_RING) {
    s += n - MON_RING;
    n = MON_RING;
  }
  if (m->nring + n > MON_RING) {
    size_t drop = m->nring + n - MON_RING;
    memmove(m->ring, m->ring + drop, (m->nring - drop) * sizeof *m->ring);
    m->nring -= drop;
  }
  memcpy(m->ring + m->nring, s, n * sizeof *s);
  m->nring += n;
}

static void publish(monitor *m)
{
  io_monitor_doc *d = sim_calloc(1, sizeof *d, "monitor snapshot");
  d->status = monitor_status_json(m);
  d->metrics = monitor_metrics_text(m);
  d->tick = m->tick;
  d->resolution_ms = m->net->desc->sim.resolution_ms;
  d->nspikes = m->nring;
  d->spikes = sim_malloc((m->nring + 1) * sizeof *d->spikes, "monitor snapshot");
  memcpy(d->spikes, m->ring, m->nring * sizeof *d->spikes);
  io_monitor_publish(m->srv, d);
}

/* Rank 0: fold the received payloads into the totals. */
static void fold(monitor *m, const uint64_t *in)
{
  const uint32_t np = m->npops;
  memset(m->pop_spikes, 0, np * sizeof *m->pop_spikes);
  m->syn_events = m->ext_events = m->updates = m->dev_reads = m->dev_pulses = 0;
  m->read_pj = m->write_pj = 0;
  size_t off = 0, nb = 0;
  io_monitor_spike tmp[256];
  for (int r = 0; r < m->nranks; r++) {
    const uint64_t *w = in + off;
    m->syn_events += w[W_SYN];
    m->ext_events += w[W_EXT];
    m->updates += w[W_UPD];
    m->rank_rss_mb[r] = (double)w[W_RSS] / 1e6;
    m->dev_reads += w[W_READS];
    m->dev_pulses += w[W_PULSES];
    m->read_pj += bitsd(w[W_READ_PJ]);
    m->write_pj += bitsd(w[W_WRITE_PJ]);
    for (uint32_t i = 0; i < np; i++) {
      m->pop_spikes[i] += w[HDR + i];
      m->rank_spikes[(size_t)r * np + i] = w[HDR + i];
    }
    const uint64_t ns = w[W_NSAMP];
    const uint64_t *sp = w + HDR + np;
    for (uint64_t k = 0; k < ns; k++) {
      tmp[nb % 256] = (io_monitor_spike){(int64_t)sp[2 * k], (uint32_t)sp[2 * k + 1]};
      if (++nb % 256 == 0)
        ring_add(m, tmp, 256);
    }
    off += HDR + np + 2 * ns;
  }
  if (nb % 256)
    ring_add(m, tmp, nb % 256);
  /* This batch is later than what the ring held; its ranks interleave. */
  const size_t fresh = nb < m->nring ? nb : m->nring;
  qsort(m->ring + m->nring - fresh, fresh, sizeof *m->ring, cmp_spike);
}

/* Rate history: Hz per population over the interval since the last gather. */
static void history_add(monitor *m)
{
  const double res = m->net->desc->sim.resolution_ms;
  const double dt_s = (double)(m->tick - m->prev_tick) * res * 1e-3;
  if (dt_s <= 0)
    return;
  if (m->nhist == MON_HIST) {
    memmove(m->hist_t_ms, m->hist_t_ms + 1, (MON_HIST - 1) * sizeof *m->hist_t_ms);
    memmove(m->hist_rate, m->hist_rate + m->npops,
            (size_t)(MON_HIST - 1) * m->npops * sizeof *m->hist_rate);
    m->nhist--;
  }
  m->hist_t_ms[m->nhist] = (double)m->tick * res;
  for (uint32_t i = 0; i < m->npops; i++) {
    const uint32_t n = m->net->kernel.pops[i].n;
    m->hist_rate[(size_t)m->nhist * m->npops + i] =
        n ? (double)(m->pop_spikes[i] - m->prev_spikes[i]) / (n * dt_s) : 0;
  }
  m->nhist++;
  memcpy(m->prev_spikes, m->pop_spikes, m->npops * sizeof *m->prev_spikes);
  m->prev_tick = m->tick;
}

/* Collective: every rank's counters and samples to rank 0, rank 0's next
   gather distance back (one `bytes` exchange). */
static void gather(monitor *m, sim_time w1, const sim_stats *st, int publish_now)
{
  const sim_net *k = &m->net->kernel;
  const uint32_t np = m->npops;
  const size_t words = HDR + np + 2 * m->nsamp;
  const size_t need = (words + (size_t)m->nranks) * sizeof(uint64_t);
  if (need > m->capsend) {
    m->send = sim_realloc(m->send, need, "monitor gather");
    m->capsend = need;
  }
  uint64_t *w = (uint64_t *)(void *)m->send;
  uint64_t syn = 0, upd = 0;
  for (uint32_t j = 0; j < k->nprojs; j++)
    syn += st->proj_events[j];
  for (uint32_t i = 0; i < k->npops; i++)
    upd += st->pop_updates[i];
  sim_syn_counters c = {0};
  for (uint32_t j = 0; j < k->nprojs; j++)
    if (k->projs[j].kind->counters)
      k->projs[j].kind->counters(k->projs[j].self, &c);
  w[W_NSAMP] = m->nsamp;
  w[W_SYN] = syn;
  w[W_EXT] = st->ext_events;
  w[W_UPD] = upd;
  w[W_RSS] = sim_peak_rss_bytes();
  w[W_READS] = c.reads;
  w[W_PULSES] = c.pulses;
  w[W_READ_PJ] = dbits(c.read_pj);
  w[W_WRITE_PJ] = dbits(c.write_pj);
  for (uint32_t i = 0; i < np; i++)
    w[HDR + i] = st->spikes[i];
  for (size_t s = 0; s < m->nsamp; s++) {
    w[HDR + np + 2 * s] = (uint64_t)m->samp[s].t;
    w[HDR + np + 2 * s + 1] = m->samp[s].gid;
  }
  m->nsamp = 0;
  m->seen = 0;
  /* Rank 0 sends each other rank its next distance (one word). */
  uint64_t next = 1;
  const double now = sim_clock_s();
  if (m->rank == 0) {
    const uint64_t dw = m->windows - m->last_windows;
    const double per = dw ? (now - m->last_wall) / (double)dw : 0;
    double kk = per > 0 ? m->o.interval_s / per : 1e6;
    next = kk < 1 ? 1 : kk > 1e6 ? 1000000 : (uint64_t)kk;
    if (next > 2 * m->k) /* windows speed up and slow down: ramp */
      next = 2 * m->k;
    m->k = next;
    m->last_wall = now;
    m->last_windows = m->windows;
    for (int q = 1; q < m->nranks; q++) /* packed in rank order after the payload */
      w[words + (size_t)q - 1] = next;
  }
  for (int q = 0; q < m->nranks; q++)
    m->sendcounts[q] = q == 0 ? (int)(words * 8) : m->rank == 0 ? 8 : 0;
  m->x->bytes(m->send, m->sendcounts, &m->recv, m->recvcounts);
  if (m->rank == 0) {
    m->tick = w1;
    fold(m, (const uint64_t *)(void *)m->recv);
    history_add(m);
    if (publish_now)
      publish(m);
  } else {
    memcpy(&next, m->recv, sizeof next);
  }
  m->next_at = m->windows + next;
}

void monitor_spikes(void *ctx, sim_time w0, const sim_spike *spikes, size_t n)
{
  monitor *m = ctx;
  const sim_net *k = &m->net->kernel;
  for (size_t s = 0; s < n; s++) {
    const sim_gid g = spikes[s].gid;
    const uint32_t p = sim_net_pop_of_gid(k, g);
    if (g - k->pops[p].first_gid >= m->rows[p])
      continue;
    const io_monitor_spike sp = {w0 + spikes[s].lag, g};
    if (m->nsamp < MON_SAMPLE_MAX) {
      m->samp[m->nsamp++] = sp;
    } else {
      /* Over the bound: keep a uniform sample of the interval's spikes
         (reservoir sampling), so that a busy interval's raster thins
         evenly instead of losing its end (fold sorts the batch). */
      m->lcg = m->lcg * 6364136223846793005ull + 1442695040888963407ull;
      const uint64_t r = (m->lcg >> 33) % (m->seen + 1);
      if (r < MON_SAMPLE_MAX)
        m->samp[r] = sp;
      m->dropped++;
    }
    m->seen++;
  }
}

int monitor_window(void *ctx, sim_time w1, const sim_stats *st)
{
  monitor *m = ctx;
  if (++m->windows >= m->next_at)
    gather(m, w1, st, 1);
  return 0;
}

void monitor_end(monitor *m, const sim_stats *st, int stopped)
{
  if (!m)
    return;
  m->state = stopped ? "stopped" : "done";
  gather(m, st->ticks, st, 1);
  if (m->srv)
    io_monitor_flush(m->srv);
}

void monitor_hold(monitor *m, const volatile sig_atomic_t *stop)
{
  if (!m || !m->srv || m->o.hold_s <= 0)
    return;
  const double until = sim_clock_s() + m->o.hold_s;
  struct timespec ts = {0, 50 * 1000 * 1000};
  while (sim_clock_s() < until && !(stop && *stop))
    nanosleep(&ts, NULL);
}

void monitor_destroy(monitor *m)
{
  if (!m)
    return;
  io_monitor_stop(m->srv);
  sim_free(m->rows);
  sim_free(m->samp);
  sim_free(m->send);
  sim_free(m->recv);
  sim_free(m->sendcounts);
  sim_free(m->recvcounts);
  sim_free(m->pop_spikes);
  sim_free(m->prev_spikes);
  sim_free(m->rank_spikes);
  sim_free(m->rank_rss_mb);
  sim_free(m->hist_rate);
  sim_free(m->ring);
  sim_free(m);
}

/* ------------------------------------------------------------------ */
/* convert                                                              */

int monitor_convert_create(const monitor_opts *o, const char *model, unsigned images,
                           int ranks, monitor **out)
{
  *out = NULL;
  if (!o->on)
    return 0;
  monitor *m = sim_calloc(1, sizeof *m, "monitor");
  m->o = *o;
  m->model = model;
  m->images = images;
  m->nranks = ranks;
  m->state = "running";
  m->what = "SNN";
  m->t0 = sim_clock_s();
  int rc = start_server(m, "convert");
  if (rc) {
    monitor_destroy(m);
    return rc;
  }
  *out = m;
  monitor_convert_image(m, "SNN", 0, 0, 0, 0, 1);
  return 0;
}

void monitor_convert_image(monitor *m, const char *what, unsigned done, unsigned done_local,
                           unsigned long long ann_ok, unsigned long long snn_ok, int last)
{
  if (!m || !m->srv)
    return;
  m->what = what;
  m->done = done;
  m->ann_acc = done_local ? (double)ann_ok / done_local : 0;
  m->snn_acc = done_local ? (double)snn_ok / done_local : 0;
  const double now = sim_clock_s();
  if (!last && now < m->next_pub)
    return;
  m->next_pub = now + m->o.interval_s;
  io_monitor_doc *d = sim_calloc(1, sizeof *d, "monitor snapshot");
  d->status = monitor_convert_status_json(m);
  d->metrics = monitor_convert_metrics_text(m);
  io_monitor_publish(m->srv, d);
  if (last)
    io_monitor_flush(m->srv);
}
