/*
 * net_cnn_device.c: the converted network's weights onto differential
 * pairs of memory devices (cnn_map_devices, net_cnn.h), with the device
 * physics of synapses/syn_device.h: levels, programming noise, stuck
 * devices, retention or drift, read noise.
 */
#include "net_cnn_int.h"

#include <math.h>

#include "../core/sim_rng.h"
#include "../synapses/syn_device.h"

/* Each weight of every weighted layer onto a differential pair of devices
   of preset p: x = w / max|w| in [-1, 1]; G+ holds w_min + max(x, 0) R and
   G- holds w_min + max(-x, 0) R (R = w_max - w_min), each target first
   put on the device's grid of levels (dw_min apart), then programmed
   (write-verify noise), with each device's own bounds and stuck state, then
   left to relax or drift for drift_s seconds, then read once (read noise).
   The weights are replaced by what the pairs hold.  Returns the number of
   stuck devices. */
uint64_t cnn_map_devices(cnn_snn *s, const syn_device_param *p, double drift_s, uint64_t seed,
                         int only_last)
{
  const double R = p->w_max - p->w_min;
  uint64_t stuck = 0;
  float *w;
  uint64_t n;
  int last;
  for (uint32_t k = 0; (w = cnn_stage_weights(s, k, &n, &last)); k++) {
    if (only_last && !last)
      continue;
    double wmax = 0;
    for (uint64_t i = 0; i < n; i++)
      wmax = fmax(wmax, fabs(w[i]));
    if (!(wmax > 0))
      continue;
    for (uint64_t i = 0; i < n; i++) {
      double x = w[i] / wmax, held[2], target[2];
      syn_device_pair_targets(x, p->w_min, R, target);
      for (int m = 0; m < 2; m++) {
        uint64_t key = sim_hash4(seed, 0x636e6eULL + k, i, (uint64_t)m + (only_last ? 16 : 0));
        syn_device_inst inst;
        syn_device_instance(p, key, &inst);
        stuck += (uint64_t)inst.stuck;
        double t = p->w_min + nearbyint((target[m] - p->w_min) / p->dw_min) * p->dw_min;
        double g = syn_device_program(p, &inst, t, sim_hash4(key, 1, 0, 0));
        g = syn_device_retain(p, &inst, g, drift_s);
        held[m] = syn_device_read(p, g, sim_hash4(key, 2, 0, 0));
      }
      w[i] = (float)((held[0] - held[1]) / R * wmax);
    }
  }
  cnn_weights_changed(s);
  return stuck;
}
