/*
 * sim_exchange.c: the serial exchange (one rank): what is sent is what is
 * received.
 */
#include "sim_exchange.h"

#include <string.h>

#include "sim_alloc.h"

static int serial_rank(void) { return 0; }
static int serial_size(void) { return 1; }

static size_t serial_spikes(const sim_spike *send, const int *counts, sim_spike **all,
                            size_t *cap, uint64_t *bytes_sent)
{
  size_t n = (size_t)counts[0];
  if (n > *cap) {
    *cap = n + n / 2 + 64;
    *all = sim_realloc(*all, *cap * sizeof **all, "spike receive buffer");
  }
  if (n)
    memcpy(*all, send, n * sizeof *send);
  if (bytes_sent)
    *bytes_sent = 0;
  return n;
}

static size_t serial_bytes(const uint8_t *send, const int *sendcounts, uint8_t **recv,
                           int *recvcounts)
{
  size_t n = (size_t)sendcounts[0];
  *recv = sim_realloc(*recv, n + 1, "exchange receive buffer");
  if (n)
    memcpy(*recv, send, n);
  recvcounts[0] = sendcounts[0];
  return n;
}

static int serial_any(int flag) { return flag != 0; }
static int64_t serial_min_i64(int64_t x) { return x; }

const sim_exchange_ops sim_exchange_serial = {
    .name = "serial",
    .rank = serial_rank,
    .size = serial_size,
    .spikes = serial_spikes,
    .bytes = serial_bytes,
    .any = serial_any,
    .min_i64 = serial_min_i64,
};
