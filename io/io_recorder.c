/*
 * io_recorder.c: see io_recorder.h.  Owns nothing: the log is the caller's.
 */
#include "io_recorder.h"

#include "../core/sim_alloc.h"

static void rec_spike(void *self, sim_time t, sim_gid gid) { io_log_spike(self, t, gid); }

static void rec_sample(void *self, uint32_t rec, sim_time t, const double *v, uint32_t n)
{
  io_log_sample(self, rec, t, v, n);
}

static int rec_window_end(void *self, sim_time t_next) { return io_log_flush(self, t_next); }

/* The kernel's and the log's structs hold the same fields; copied field by
   field, not cast, so that neither depends on the other's layout. */
static void rec_devices(void *self, uint32_t rec, uint32_t proj, sim_time t_next,
                        const sim_rec_write *w, uint32_t n)
{
  (void)rec;
  if (!n)
    return;
  io_log_dev_write *d = sim_malloc((size_t)n * sizeof *d, "device write record");
  for (uint32_t i = 0; i < n; i++)
    d[i] = (io_log_dev_write){w[i].t, w[i].pre, w[i].post, w[i].pulses, w[i].g};
  io_log_devices(self, t_next, proj, d, n);
  sim_free(d);
}

static void rec_energy(void *self, sim_time t_next, const sim_energy_row *rows, uint32_t n)
{
  if (!n)
    return;
  io_log_energy_row *r = sim_malloc((size_t)n * sizeof *r, "energy record");
  for (uint32_t i = 0; i < n; i++)
    r[i] = (io_log_energy_row){rows[i].component, rows[i].reads,   rows[i].pulses,
                               rows[i].updates,   rows[i].spikes,  rows[i].read_pj,
                               rows[i].write_pj};
  io_log_energy(self, t_next, r, n);
  sim_free(r);
}

static void rec_weights(void *self, uint32_t rec, sim_time t, const sim_gid *pre,
                        const sim_gid *post, const double *w, const double *g, uint32_t n)
{
  io_log_weights(self, rec, t, pre, post, w, g, n);
}

const sim_recorder_ops io_log_recorder_ops = {
    .name = "event_log",
    .spike = rec_spike,
    .sample = rec_sample,
    .window_end = rec_window_end,
    .devices = rec_devices,
    .energy = rec_energy,
    .weights = rec_weights,
};
