/*
 * bench_log.c: the event log benchmark's C side (bench/log_bench.py runs
 * it; `make bench`).  Figures only.
 *
 *   bench_log replay LOG        read every record; prints spikes, bytes,
 *                               seconds, spikes/s, MB/s
 *   bench_log seek LOG TICK     seek to TICK, read to the end counting the
 *                               spikes with a tick >= TICK; prints them,
 *                               the records read, seconds, indexed (0/1)
 * One JSON line on stdout; exit 1 on a reader error (message on stderr).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/sim_clock.h"
#include "../core/sim_error.h"
#include "../io/io_log.h"

int main(int argc, char **argv)
{
  if (argc < 3 || (strcmp(argv[1], "replay") && strcmp(argv[1], "seek")) ||
      (!strcmp(argv[1], "seek") && argc < 4)) {
    fprintf(stderr, "usage: bench_log replay LOG | bench_log seek LOG TICK\n");
    return 2;
  }
  int seek = !strcmp(argv[1], "seek");
  sim_time tick = seek ? (sim_time)strtoll(argv[3], NULL, 10) : 0;
  struct stat sb;
  if (stat(argv[2], &sb) != 0) {
    perror(argv[2]);
    return 1;
  }
  double t0 = sim_clock_s();
  io_log_reader *r;
  int rc = io_log_reader_create(argv[2], &r);
  if (rc == 0 && seek)
    rc = io_log_reader_seek(r, tick);
  io_log_record rec;
  uint64_t spikes = 0;
  while (rc == 0 && (rc = io_log_reader_next(r, &rec)) == 1) {
    rc = 0;
    if (rec.type != IO_LOG_SPIKES)
      continue;
    if (!seek)
      spikes += rec.spikes.n;
    else
      for (uint32_t i = 0; i < rec.spikes.n; i++)
        spikes += rec.spikes.ticks[i] >= tick;
  }
  double dt = sim_clock_s() - t0;
  if (rc < 0) {
    fprintf(stderr, "bench_log: %s\n", sim_error_msg());
    return 1;
  }
  io_log_status st;
  io_log_reader_status(r, &st);
  printf("{\"mode\": \"%s\", \"spikes\": %llu, \"records\": %llu, "
         "\"bytes\": %lld, \"seconds\": %.6f, \"spikes_per_s\": %.6g, "
         "\"mb_per_s\": %.6g, \"indexed\": %d}\n",
         argv[1], (unsigned long long)spikes, (unsigned long long)st.records,
         (long long)sb.st_size, dt, dt > 0 ? (double)spikes / dt : 0.0,
         dt > 0 ? (double)sb.st_size / 1e6 / dt : 0.0,
         io_log_reader_indexed(r));
  io_log_reader_destroy(r);
  return 0;
}
