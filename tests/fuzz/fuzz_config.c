/*
 * fuzz_config.c: libFuzzer harness of the config reader (io_config_load),
 * which also reads the device presets a config names.  A config that loads
 * and is small (estimated memory, neurons x ticks) is built and run too,
 * without logs (a recorder takes the weights, devices and energy records): the four findings of issue 9 were all in what a config
 * that the reader accepts makes the builder and the engine do.
 */
#include "fuzz_common.h"

#include "../../core/sim_engine.h"
#include "../../io/io_config.h"
#include "../../network/net_build.h"
#include "../../network/net_mem.h"

/* A recorder that takes the weights, devices and energy records and reads
   every value it is handed (so that the sanitizers check the producers). */
static volatile double sink;

static void take_devices(void *self, uint32_t rec, uint32_t proj, sim_time t_next,
                         const sim_rec_write *w, uint32_t n)
{
  (void)self, (void)rec, (void)proj, (void)t_next;
  for (uint32_t i = 0; i < n; i++)
    sink += (double)w[i].t + w[i].pre + w[i].post + w[i].pulses + w[i].g;
}

static void take_energy(void *self, sim_time t_next, const sim_energy_row *r, uint32_t n)
{
  (void)self, (void)t_next;
  for (uint32_t i = 0; i < n; i++)
    sink += (double)r[i].component + r[i].reads + r[i].spikes + r[i].read_pj;
}

static void take_weights(void *self, uint32_t rec, sim_time t, const sim_gid *pre,
                         const sim_gid *post, const double *w, const double *g, uint32_t n)
{
  (void)self, (void)rec, (void)t;
  for (uint32_t i = 0; i < n; i++)
    sink += (double)pre[i] + post[i] + w[i] + (g ? g[i] : 0);
}

static const sim_recorder_ops taker = {.name = "fuzz", .devices = take_devices,
                                       .energy = take_energy, .weights = take_weights};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static int once;
  if (!once) {
    once = 1;
    /* Presets named by a config: the shipped ones (run from the repo). */
    char cwd[512], dev[600];
    if (getcwd(cwd, sizeof cwd)) {
      snprintf(dev, sizeof dev, "%s/configs/devices", cwd);
      setenv("MEMSPIKE_DEVICES", dev, 1);
    }
  }
  const char *path = fz_write(data, size, "fuzz.ini");
  net_desc *d = NULL;
  if (io_config_load(path, NULL, 0, &d) != 0)
    return 0;
  net_part part = {d->sim.partition, 0, 1};
  net_mem m;
  net_mem_estimate(d, &part, 0, &m);
  double ticks = d->sim.duration_ms / d->sim.resolution_ms;
  if (m.bytes < 4e6 && m.nsyn < 5e4 && (double)d->total * ticks < 5e5 && ticks < 5e4) {
    net_network *net = NULL;
    if (net_build(d, &part, NULL, &net) == 0) {
      sim_stats st;
      sim_recorder rec = {&taker, NULL};
      sim_run_opts opts = {.recorders = &rec, .nrecorders = 1};
      if (sim_run(&net->kernel, &opts, &st) == 0)
        sim_stats_fini(&st);
      net_network_destroy(net);
    }
  }
  net_desc_destroy(d);
  return 0;
}
