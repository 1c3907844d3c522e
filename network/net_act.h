/*
 * net_act.h: the activation between the weighted layers of a crossbar ANN
 * (the converter's analog pipeline, net_cnn.h), as an ops table per kind:
 *   adc  the column outputs digitized by the ADCs (adc_bits over a full
 *        scale of [-adc_fs, adc_fs] of the layer's normalized output),
 *        then a digital ReLU; the next layer's DACs drive its rows again
 *   vo2  a VO2 Mott activation neuron per column (Oh et al., Nature
 *        Nanotechnology 2021): the column current heats the VO2 through
 *        its gradual insulator-metal transition and the neuron's output
 *        voltage, an analog ReLU with a threshold, a slope and a
 *        saturation, drives the next array's rows directly (no ADC, no
 *        DAC between layers)
 * Each device has its own threshold, slope and saturation (device-to-device
 * spread), drawn from a key (seed, layer, column) so that a result does not
 * depend on the order in which neurons or images are visited.  Energy and
 * latency per activation feed the crossbar energy model (net_energy.h).
 * The parameters come from a preset file (configs/neurons/NAME.ini, read by
 * io/io_act.c); this module only computes.
 */
#ifndef NET_ACT_H
#define NET_ACT_H

#include <stdint.h>

/* Every key of a preset: name, domain (as io_energy: POS, NONNEG, COUNT,
   ANY), unit in the name.  Transfer curve of one device (normalized units:
   1 = the layer's normalization scale, the percentile of its activations):
     y(x) = s w [ln(1 + e^((x - th)/w)) - ln(1 + e^((x - th - y_sat/s)/w))]
   a ReLU of slope s from threshold th, saturating at y_sat, its two
   corners rounded over a width w (the gradual transition); w -> 0 gives
   clip(s (x - th), 0, y_sat). */
#define NET_ACT_KEYS(X)                 \
  X(threshold, ANY)                     \
  X(slope, POS)                         \
  X(saturation, POS)                    \
  X(width, POS)                         \
  X(threshold_dtod, NONNEG)             \
  X(slope_dtod, NONNEG)                 \
  X(saturation_dtod, NONNEG)            \
  X(e_act_pj, NONNEG)                   \
  X(t_act_ns, NONNEG)

struct net_act_ops;

/* A preset: the kind and its constants (struct of doubles, one per key;
   the adc kind uses only e_act_pj = t_act_ns = 0 and adc_bits, adc_fs). */
typedef struct net_act_param {
  const struct net_act_ops *ops;  /* the kind */
  char name[64];                  /* preset name, for reports */
#define NET_ACT_FIELD(key, dom) double key;
  NET_ACT_KEYS(NET_ACT_FIELD)
#undef NET_ACT_FIELD
  uint32_t adc_bits;              /* adc kind: resolution */
  double adc_fs;                  /* adc kind: full scale, normalized units */
  uint64_t seed;                  /* keys the devices */
} net_act_param;

/* One device's own constants, drawn from its key. */
typedef struct net_act_dev {
  double th, s, y_sat, w;
} net_act_dev;

/* An activation kind.  apply works on one layer's output in place: n
   values, channel = index mod nch (one device per column: conv outputs of
   every patch share their channel's neuron), layer keying the devices. */
typedef struct net_act_ops {
  const char *name;                 /* "adc", "vo2" */
  int analog;                       /* 1: output stays analog (no ADC, next
                                       layer without DACs) */
  void (*apply)(const net_act_param *p, uint32_t layer, float *y, uint64_t n, uint32_t nch);
} net_act_ops;

/* The kinds (one file each). */
extern const net_act_ops net_act_vo2_ops; /* net_act_vo2.c */

/* The kind called name, or NULL. */
const net_act_ops *net_act_find(const char *name);
/* The kinds' names joined by '|' ("adc|vo2"), for messages. */
const char *net_act_list(void);

/* The ADC path with bits b over [-fs, fs], no device spread. */
void net_act_adc(net_act_param *p, uint32_t bits, double fs);

/* Device `col` of layer `layer` under preset p: nominal constants times
   (1 + dtod N(0,1)) for slope and saturation, plus threshold_dtod N(0,1)
   for the threshold (slope and saturation kept > 0).  Keyed: the same
   (seed, layer, col) always gives the same device. */
void net_act_device(const net_act_param *p, uint32_t layer, uint32_t col,
                    net_act_dev *out /* OUT */);

/* The transfer curve (formula above) of device d at input x. */
double net_act_vo2_transfer(const net_act_dev *d, double x);

#endif
