/*
 * fuzz_log.c: libFuzzer harness of the event-log reader (io_log_reader_*,
 * every record to the end, then again after a seek to a tick the input's
 * last bytes choose: no sidecar, so the seek scans) and of replay's merge
 * and summary on one file, its statistics and its CSV of every kind (a
 * window from that tick too).  Seeds: tests/fuzz/corpus/log/ (version 1 and
 * version 2 with every record kind).
 */
#include "fuzz_common.h"

#include "../../io/io_log.h"
#include "../../io/io_replay.h"
#include "../../io/io_replay_stats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *path = fz_write(data, size, "events.rank0.msgpack");
  io_log_reader *r = NULL;
  if (io_log_reader_create(path, &r) == 0) {
    io_log_record rec;
    for (int i = 0; i < 1000000 && io_log_reader_next(r, &rec) > 0; i++)
      ;
    io_log_status st;
    io_log_reader_status(r, &st);
    io_log_reader_destroy(r);
  }
  if (io_log_reader_create(path, &r) == 0) {
    sim_time t = size >= 2 ? (sim_time)(data[size - 1] | data[size - 2] << 8) : 0;
    if (io_log_reader_seek(r, t) == 0) {
      io_log_record rec;
      for (int i = 0; i < 1000000 && io_log_reader_next(r, &rec) > 0; i++)
        ;
    }
    io_log_reader_destroy(r);
  }
  static FILE *null;
  if (!null)
    null = fopen("/dev/null", "w");
  const char *paths[1] = {path};
  io_replay_summary(paths, 1, IO_REPLAY_PARTIAL, null); /* any header, partial or not */
  io_replay_filter f = {.from_ms = size >= 2 ? 0.1 * (data[size - 1] | data[size - 2] << 8) : 0,
                        .to_ms = 1e300};
  io_replay_stats_opts so = {.bin_ms = 1.0, .pairs = 10, .json = size % 2};
  io_replay_stats(paths, 1, IO_REPLAY_PARTIAL, &f, &so, null);
  for (int k = IO_REPLAY_SPIKES; k <= IO_REPLAY_ENERGY; k++)
    io_replay_csv(paths, 1, IO_REPLAY_PARTIAL, (io_replay_kind)k, k % 2 ? &f : NULL, null);
  return 0;
}
