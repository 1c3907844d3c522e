/*
 * io_recorder.c: see io_recorder.h.  Owns nothing: the log is the caller's.
 */
#include "io_recorder.h"

static void rec_spike(void *self, sim_time t, sim_gid gid) { io_log_spike(self, t, gid); }

static void rec_sample(void *self, uint32_t rec, sim_time t, const double *v, uint32_t n)
{
  io_log_sample(self, rec, t, v, n);
}

static int rec_window_end(void *self, sim_time t_next) { return io_log_flush(self, t_next); }

const sim_recorder_ops io_log_recorder_ops = {
    .name = "event_log",
    .spike = rec_spike,
    .sample = rec_sample,
    .window_end = rec_window_end,
};
