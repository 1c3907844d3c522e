/*
 * io_monitor.c: io_monitor.h over libevent's evhttp, on its own thread.
 *
 * Threads: the server thread owns the event base, evhttp and every
 * connection; the simulation's thread only calls io_monitor_publish, which
 * swaps the snapshot pointer under `lock` when pthread_mutex_trylock gets
 * it.  The server copies what a request needs out of the snapshot while
 * holding the lock (a few kilobytes), so the simulation never waits and no
 * snapshot is freed while read.
 *
 * Connections: evhttp 2.1 has no connection limit, so each connection's
 * bufferevent is made here (evhttp_set_bevcb) and a reference kept; a
 * bufferevent whose callbacks evhttp cleared has been freed by it, and a
 * timer every 100 ms drops those references, closes connections open too
 * long and turns the listener off while IO_MONITOR_CONNS are open.
 */
#include "io_monitor.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"
#include "io_json.h"

#define IDLE_S 5       /* a connection with nothing to read or write */
#define LIFETIME_S 30  /* any connection, however busy (slow senders) */

typedef struct conn {
  struct bufferevent *bev; /* our reference */
  double opened_s;         /* monotonic clock */
} conn;

struct io_monitor {
  struct event_base *base;
  struct evhttp *http;
  struct evhttp_bound_socket *sock;
  struct event *tick;
  pthread_t thread;
  int port;
  atomic_int stop;
  pthread_mutex_t lock;    /* guards cur */
  io_monitor_doc *cur;     /* the snapshot served (NULL: none yet) */
  io_monitor_doc *pending; /* simulation thread only: waiting to be swapped in */
  conn conns[IO_MONITOR_CONNS];
  int nconns, listening;
};

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void io_monitor_doc_free(io_monitor_doc *d)
{
  if (!d)
    return;
  sim_free(d->status);
  sim_free(d->metrics);
  sim_free(d->spikes);
  sim_free(d);
}

/* ------------------------------------------------------------------ */
/* Connections                                                          */

static struct bufferevent *new_bev(struct event_base *base, void *arg)
{
  io_monitor *m = arg;
  struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
  if (bev && m->nconns < IO_MONITOR_CONNS) {
    bufferevent_incref(bev);
    m->conns[m->nconns++] = (conn){bev, now_s()};
  }
  if (m->nconns >= IO_MONITOR_CONNS && m->listening) {
    evconnlistener_disable(evhttp_bound_socket_get_listener(m->sock));
    m->listening = 0;
  }
  return bev;
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
  (void)fd;
  (void)what;
  io_monitor *m = arg;
  if (atomic_load(&m->stop)) {
    event_base_loopbreak(m->base);
    return;
  }
  const double t = now_s();
  for (int k = 0; k < m->nconns;) {
    bufferevent_event_cb ecb = NULL;
    bufferevent_getcb(m->conns[k].bev, NULL, NULL, &ecb, NULL);
    if (!ecb) { /* evhttp freed it: ours is the last reference */
      bufferevent_decref(m->conns[k].bev);
      m->conns[k] = m->conns[--m->nconns];
      continue;
    }
    if (t - m->conns[k].opened_s > LIFETIME_S && bufferevent_getfd(m->conns[k].bev) >= 0)
      shutdown(bufferevent_getfd(m->conns[k].bev), SHUT_RDWR); /* evhttp sees EOF, frees */
    k++;
  }
  if (!m->listening && m->nconns < IO_MONITOR_CONNS) {
    evconnlistener_enable(evhttp_bound_socket_get_listener(m->sock));
    m->listening = 1;
  }
}

/* ------------------------------------------------------------------ */
/* Requests                                                             */

static void reply(struct evhttp_request *req, int code, const char *reason, const char *type,
                  const char *body, size_t len)
{
  struct evkeyvalq *h = evhttp_request_get_output_headers(req);
  evhttp_add_header(h, "Content-Type", type);
  evhttp_add_header(h, "Cache-Control", "no-store");
  evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
  if (code == 405)
    evhttp_add_header(h, "Allow", "GET, HEAD");
  struct evbuffer *b = evbuffer_new();
  if (b && body)
    evbuffer_add(b, body, len);
  evhttp_send_reply(req, code, reason, b);
  if (b)
    evbuffer_free(b);
}

static void reply_error(struct evhttp_request *req, int code, const char *reason,
                        const char *fmt, const char *arg)
{
  char msg[512];
  int n = snprintf(msg, sizeof msg, fmt, arg);
  if (n < 0 || (size_t)n >= sizeof msg - 1)
    n = (int)strlen(msg);
  msg[n++] = '\n';
  reply(req, code, reason, "text/plain; charset=utf-8", msg, (size_t)n);
}

/* /status or /metrics: a copy of the current body. */
static void serve_doc(io_monitor *m, struct evhttp_request *req, int metrics)
{
  struct evbuffer *b = evbuffer_new();
  int have = 0;
  pthread_mutex_lock(&m->lock);
  if (m->cur && b) {
    const char *s = metrics ? m->cur->metrics : m->cur->status;
    evbuffer_add(b, s, strlen(s));
    have = 1;
  }
  pthread_mutex_unlock(&m->lock);
  if (!have) {
    if (b)
      evbuffer_free(b);
    reply_error(req, 503, "Service Unavailable", "%s", "no snapshot yet: the run is starting");
    return;
  }
  struct evkeyvalq *h = evhttp_request_get_output_headers(req);
  evhttp_add_header(h, "Content-Type", metrics ? "text/plain; version=0.0.4; charset=utf-8"
                                               : "application/json");
  evhttp_add_header(h, "Cache-Control", "no-store");
  evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
  evhttp_send_reply(req, 200, "OK", b);
  evbuffer_free(b);
}

/* since: decimal digits only, at most 18 of them. */
static int parse_tick(const char *s, int64_t *out)
{
  size_t n = strlen(s);
  if (n == 0 || n > 18 || strspn(s, "0123456789") != n)
    return -1;
  *out = strtoll(s, NULL, 10);
  return 0;
}

static void serve_spikes(io_monitor *m, struct evhttp_request *req, int64_t since)
{
  io_monitor_spike *sel = NULL;
  size_t n = 0, total = 0;
  int64_t tick = 0;
  double res = 0;
  int have = 0;
  pthread_mutex_lock(&m->lock);
  if (m->cur) {
    const io_monitor_doc *d = m->cur;
    size_t lo = 0, hi = d->nspikes; /* first spike with t >= since */
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (d->spikes[mid].t < since)
        lo = mid + 1;
      else
        hi = mid;
    }
    total = d->nspikes - lo;
    n = total > IO_MONITOR_SPIKES_MAX ? IO_MONITOR_SPIKES_MAX : total;
    if (n) {
      sel = malloc(n * sizeof *sel);
      if (sel)
        memcpy(sel, d->spikes + d->nspikes - n, n * sizeof *sel);
      else
        n = 0;
    }
    tick = d->tick;
    res = d->resolution_ms;
    have = 1;
  }
  pthread_mutex_unlock(&m->lock);
  if (!have) {
    reply_error(req, 503, "Service Unavailable", "%s", "no snapshot yet: the run is starting");
    return;
  }
  io_json *o = io_json_object(), *a = io_json_array();
  io_json_set_int(o, "since", since);
  io_json_set_int(o, "until", tick);
  io_json_set_num(o, "resolution_ms", res);
  io_json_set(o, "truncated", io_json_bool(total > n));
  for (size_t k = 0; k < n; k++) {
    io_json *p = io_json_array();
    io_json_push(p, io_json_int(sel[k].t));
    io_json_push(p, io_json_uint(sel[k].gid));
    io_json_push(a, p);
  }
  io_json_set(o, "spikes", a);
  free(sel);
  size_t len;
  char *s = io_json_dump(o, &len);
  io_json_destroy(o);
  reply(req, 200, "OK", "application/json", s, len);
  sim_free(s);
}

static void on_request(struct evhttp_request *req, void *arg)
{
  io_monitor *m = arg;
  enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
  if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
    reply_error(req, 405, "Method Not Allowed", "%s", "only GET and HEAD");
    return;
  }
  const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
  const char *path = u ? evhttp_uri_get_path(u) : NULL;
  const char *query = u ? evhttp_uri_get_query(u) : NULL;
  if (!path) {
    reply_error(req, 400, "Bad Request", "%s", "no path");
    return;
  }
  int which = !strcmp(path, "/") ? 0 : !strcmp(path, "/status") ? 1
            : !strcmp(path, "/metrics") ? 2 : !strcmp(path, "/spikes") ? 3 : -1;
  if (which < 0) {
    reply_error(req, 404, "Not Found", "%.200s: not found (endpoints: / /status /metrics /spikes)",
                path);
    return;
  }
  int64_t since = 0;
  if (query) {
    struct evkeyvalq q;
    q.tqh_first = NULL; /* TAILQ_INIT without <sys/queue.h> */
    q.tqh_last = &q.tqh_first;
    if (evhttp_parse_query_str(query, &q) != 0) {
      evhttp_clear_headers(&q);
      reply_error(req, 400, "Bad Request", "query '%.200s': malformed", query);
      return;
    }
    int nsince = 0;
    for (struct evkeyval *kv = q.tqh_first; kv; kv = kv->next.tqe_next) {
      if (which == 3 && !strcmp(kv->key, "since")) {
        if (nsince++ || parse_tick(kv->value, &since) != 0) {
          char msg[300];
          snprintf(msg, sizeof msg, "%.200s", kv->value);
          evhttp_clear_headers(&q);
          reply_error(req, 400, "Bad Request",
                      "parameter 'since': expected one tick count >= 0 (got '%s')", msg);
          return;
        }
        continue;
      }
      char msg[300];
      snprintf(msg, sizeof msg, "%.120s' (%s", kv->key,
               which == 3 ? "known: since)" : "this endpoint takes none)");
      evhttp_clear_headers(&q);
      reply_error(req, 400, "Bad Request", "unknown query parameter '%s", msg);
      return;
    }
    evhttp_clear_headers(&q);
  }
  if (which == 0) {
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Content-Security-Policy",
                      "default-src 'none'; script-src 'unsafe-inline'; "
                      "style-src 'unsafe-inline'; connect-src 'self'");
    reply(req, 200, "OK", "text/html; charset=utf-8", io_monitor_page, strlen(io_monitor_page));
  } else if (which == 3) {
    serve_spikes(m, req, since);
  } else {
    serve_doc(m, req, which == 2);
  }
}

/* ------------------------------------------------------------------ */
/* Life cycle                                                           */

static void *serve(void *arg)
{
  io_monitor *m = arg;
  event_base_dispatch(m->base);
  return NULL;
}

static void monitor_free(io_monitor *m)
{
  if (m->http)
    evhttp_free(m->http); /* frees its connections: our references remain */
  for (int k = 0; k < m->nconns; k++)
    bufferevent_decref(m->conns[k].bev);
  if (m->tick)
    event_free(m->tick);
  if (m->base)
    event_base_free(m->base);
  io_monitor_doc_free(m->cur);
  io_monitor_doc_free(m->pending);
  pthread_mutex_destroy(&m->lock);
  sim_free(m);
}

int io_monitor_start(const char *addr, int port, io_monitor **out)
{
  *out = NULL;
  if (port < 0 || port > 65535)
    return sim_error_set(SIM_EUSAGE, "monitor: port %d: expected 0..65535", port);
  io_json_destroy(io_json_object()); /* jansson set up here, before the thread */
  io_monitor *m = sim_calloc(1, sizeof *m, "monitor");
  pthread_mutex_init(&m->lock, NULL);
  atomic_init(&m->stop, 0);
  m->base = event_base_new();
  m->http = m->base ? evhttp_new(m->base) : NULL;
  if (!m->http) {
    monitor_free(m);
    return sim_error_set(SIM_EIO, "monitor: cannot set up libevent");
  }
  evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
                                          EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
                                          EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
                                          EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
  evhttp_set_max_headers_size(m->http, IO_MONITOR_HEADERS_MAX);
  evhttp_set_max_body_size(m->http, 1024);
  evhttp_set_timeout(m->http, IDLE_S);
  evhttp_set_bevcb(m->http, new_bev, m);
  evhttp_set_gencb(m->http, on_request, m);
  errno = 0;
  m->sock = evhttp_bind_socket_with_handle(m->http, addr, (ev_uint16_t)port);
  if (!m->sock) {
    int e = errno;
    monitor_free(m);
    return sim_error_set(SIM_EIO, "monitor: cannot listen on %s port %d: %s", addr, port,
                         e ? strerror(e) : "not an address of this host");
  }
  m->listening = 1;
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  evutil_socket_t fd = evhttp_bound_socket_get_fd(m->sock);
  if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
    m->port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                       : ntohs(((struct sockaddr_in *)&ss)->sin_port);
  m->tick = event_new(m->base, -1, EV_PERSIST, on_tick, m);
  struct timeval tv = {0, 100000};
  if (!m->tick || event_add(m->tick, &tv) != 0) {
    monitor_free(m);
    return sim_error_set(SIM_EIO, "monitor: cannot set up libevent's timer");
  }
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old); /* the thread inherits: no SIGPIPE, no SIGINT */
  int rc = pthread_create(&m->thread, NULL, serve, m);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc != 0) {
    monitor_free(m);
    return sim_error_set(SIM_EIO, "monitor: cannot start its thread: %s", strerror(rc));
  }
  *out = m;
  return 0;
}

int io_monitor_port(const io_monitor *m) { return m->port; }

void io_monitor_publish(io_monitor *m, io_monitor_doc *doc)
{
  if (!m) {
    io_monitor_doc_free(doc);
    return;
  }
  if (doc) {
    io_monitor_doc_free(m->pending);
    m->pending = doc;
  }
  if (!m->pending || pthread_mutex_trylock(&m->lock) != 0)
    return;
  io_monitor_doc *old = m->cur;
  m->cur = m->pending;
  m->pending = NULL;
  pthread_mutex_unlock(&m->lock);
  io_monitor_doc_free(old);
}

void io_monitor_flush(io_monitor *m)
{
  if (!m || !m->pending)
    return;
  pthread_mutex_lock(&m->lock);
  io_monitor_doc *old = m->cur;
  m->cur = m->pending;
  m->pending = NULL;
  pthread_mutex_unlock(&m->lock);
  io_monitor_doc_free(old);
}

void io_monitor_stop(io_monitor *m)
{
  if (!m)
    return;
  atomic_store(&m->stop, 1);
  pthread_join(m->thread, NULL);
  monitor_free(m);
}
