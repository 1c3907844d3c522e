/*
 * fuzz_config.c: libFuzzer harness of the config reader (io_config_load),
 * which also reads the device presets a config names.  A config that loads
 * and is small (estimated memory, neurons x ticks) is built and run too,
 * without logs: the four findings of issue 9 were all in what a config
 * that the reader accepts makes the builder and the engine do.
 */
#include "fuzz_common.h"

#include "../../core/sim_engine.h"
#include "../../io/io_config.h"
#include "../../network/net_build.h"
#include "../../network/net_mem.h"

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
      if (sim_run(&net->kernel, NULL, &st) == 0)
        sim_stats_fini(&st);
      net_network_destroy(net);
    }
  }
  net_desc_destroy(d);
  return 0;
}
