/*
 * io_log_index.c: the event log's index sidecar (io_log_index.h).
 */
#include "io_log_index.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/sim_alloc.h"

struct io_log_index_writer {
  FILE *f;
  sim_time last_tick; /* of the last entry; -1 before any */
  uint64_t last_off;  /* of the last entry; the header size before any */
};

static void put_u64(unsigned char *p, uint64_t v)
{
  for (int i = 0; i < 8; i++)
    p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_u64(const unsigned char *p)
{
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

static char *index_path(const char *log_path)
{
  size_t n = strlen(log_path);
  char *p = sim_malloc(n + 7, "event log index path");
  memcpy(p, log_path, n);
  memcpy(p + n, ".index", 7);
  return p;
}

io_log_index_writer *io_log_index_create(const char *log_path, uint64_t digest,
                                         uint64_t first_off)
{
  char *path = index_path(log_path);
  FILE *f = fopen(path, "wb");
  if (!f) {
    remove(path); /* never leave a stale sidecar beside a new log */
    sim_free(path);
    return NULL;
  }
  sim_free(path);
  setvbuf(f, NULL, _IONBF, 0);
  unsigned char h[IO_LOG_INDEX_HEADER];
  memcpy(h, IO_LOG_INDEX_MAGIC, 8);
  put_u64(h + 8, digest);
  put_u64(h + 16, first_off);
  if (fwrite(h, 1, sizeof h, f) != sizeof h) {
    fclose(f);
    return NULL;
  }
  io_log_index_writer *w = sim_calloc(1, sizeof *w, "event log index");
  w->f = f;
  w->last_tick = -1;
  w->last_off = first_off;
  return w;
}

io_log_index_writer *io_log_index_reopen(const char *log_path, uint64_t digest,
                                         uint64_t first_off, uint64_t upto)
{
  char *path = index_path(log_path);
  FILE *f = fopen(path, "r+b");
  sim_free(path);
  unsigned char h[IO_LOG_INDEX_HEADER];
  if (!f || fread(h, 1, sizeof h, f) != sizeof h || memcmp(h, IO_LOG_INDEX_MAGIC, 8) ||
      get_u64(h + 8) != digest || get_u64(h + 16) != first_off) {
    if (f)
      fclose(f);
    return io_log_index_create(log_path, digest, first_off);
  }
  io_log_index_writer *w = sim_calloc(1, sizeof *w, "event log index");
  w->last_tick = -1;
  w->last_off = first_off;
  uint64_t keep = IO_LOG_INDEX_HEADER;
  unsigned char e[IO_LOG_INDEX_ENTRY];
  while (fread(e, 1, sizeof e, f) == sizeof e && get_u64(e + 8) <= upto) {
    w->last_tick = (sim_time)get_u64(e);
    w->last_off = get_u64(e + 8);
    keep += IO_LOG_INDEX_ENTRY;
  }
  if (fflush(f) != 0 || ftruncate(fileno(f), (off_t)keep) != 0 ||
      fseeko(f, (off_t)keep, SEEK_SET) != 0) {
    fclose(f);
    sim_free(w);
    return io_log_index_create(log_path, digest, first_off);
  }
  setvbuf(f, NULL, _IONBF, 0);
  w->f = f;
  return w;
}

void io_log_index_mark(io_log_index_writer *w, sim_time tick, uint64_t off,
                       int force)
{
  if (!w || !w->f || tick <= w->last_tick || off <= w->last_off)
    return;
  if (!force && off - w->last_off < IO_LOG_INDEX_EVERY)
    return;
  unsigned char e[IO_LOG_INDEX_ENTRY];
  put_u64(e, (uint64_t)tick);
  put_u64(e + 8, off);
  if (fwrite(e, 1, sizeof e, w->f) != sizeof e) {
    fclose(w->f); /* a partial entry at most: readers ignore it */
    w->f = NULL;
    return;
  }
  w->last_tick = tick;
  w->last_off = off;
}

void io_log_index_close(io_log_index_writer *w)
{
  if (!w)
    return;
  if (w->f)
    fclose(w->f);
  sim_free(w);
}

int io_log_index_load(const char *log_path, uint64_t digest,
                      uint64_t first_off, uint64_t log_size,
                      io_log_index_entry **out, size_t *n, char *warn,
                      size_t warnlen)
{
  *out = NULL;
  *n = 0;
  char *path = index_path(log_path);
  FILE *f = fopen(path, "rb");
  if (!f) {
    int missing = errno == ENOENT;
    if (!missing)
      snprintf(warn, warnlen, "%s: cannot read the index: %s", path,
               strerror(errno));
    sim_free(path);
    return missing ? 0 : -1;
  }
  unsigned char h[IO_LOG_INDEX_HEADER];
  int rc = -1;
  io_log_index_entry *e = NULL;
  size_t ne = 0, cap = 0;
  if (fread(h, 1, sizeof h, f) != sizeof h ||
      memcmp(h, IO_LOG_INDEX_MAGIC, 8) != 0) {
    snprintf(warn, warnlen, "%s: not an event log index (expected a %d-byte "
             "header starting \"" IO_LOG_INDEX_MAGIC "\")", path,
             IO_LOG_INDEX_HEADER);
    goto done;
  }
  if (get_u64(h + 8) != digest || get_u64(h + 16) != first_off) {
    snprintf(warn, warnlen, "%s: index of another log (digest or header "
             "size differ from the log's)", path);
    goto done;
  }
  unsigned char b[IO_LOG_INDEX_ENTRY];
  sim_time last_tick = -1;
  uint64_t last_off = first_off;
  while (fread(b, 1, sizeof b, f) == sizeof b) { /* a partial entry: ignored */
    uint64_t t = get_u64(b), off = get_u64(b + 8);
    if (t > INT64_MAX || (sim_time)t <= last_tick || off <= last_off ||
        off > log_size) {
      snprintf(warn, warnlen, "%s: entry %zu (tick %llu, offset %llu) does "
               "not follow the one before it or lies beyond the log's %llu "
               "bytes", path, ne, (unsigned long long)t,
               (unsigned long long)off, (unsigned long long)log_size);
      goto done;
    }
    if (ne == cap) {
      cap = cap ? 2 * cap : 64;
      e = sim_realloc(e, cap * sizeof *e, "event log index entries");
    }
    e[ne++] = (io_log_index_entry){(sim_time)t, off};
    last_tick = (sim_time)t;
    last_off = off;
  }
  if (ferror(f)) {
    snprintf(warn, warnlen, "%s: read error", path);
    goto done;
  }
  rc = 1;
done:
  fclose(f);
  sim_free(path);
  if (rc == 1) {
    *out = e;
    *n = ne;
  } else {
    sim_free(e);
  }
  return rc;
}
