/*
 * net_act.c: the registry of crossbar activations (net_act.h), the ADC
 * path (digitize, then a digital ReLU) and the keyed device draw that
 * every analog kind shares.  A new kind is one file (net_act_vo2.c is the
 * model to follow) and one line in `kinds` below.
 */
#include "net_act.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/sim_rng.h"
#include "../synapses/syn_device.h"

/* ReLU, then uniform quantization to adc_bits over [0, adc_fs] (codes
   above full scale clip to it).  The codes are what the next layer's
   DACs apply, so the input_bits of the energy model are the resolution
   (tools/convert_act.c sets it so). */
static void adc_apply(const net_act_param *p, uint32_t layer, float *y, uint64_t n,
                      uint32_t nch)
{
  (void)layer, (void)nch;
  const double levels = ldexp(1.0, (int)p->adc_bits) - 1, fs = p->adc_fs;
  for (uint64_t i = 0; i < n; i++) {
    double x = y[i] < 0 ? 0.0 : (double)y[i];
    double q = nearbyint(fmin(x, fs) / fs * levels);
    y[i] = (float)(q / levels * fs);
  }
}

static const net_act_ops adc_ops = {.name = "adc", .analog = 0, .apply = adc_apply};

static const net_act_ops *const kinds[] = {
    &adc_ops,
    &net_act_vo2_ops,
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

const net_act_ops *net_act_find(const char *name)
{
  for (size_t k = 0; k < NKINDS; k++)
    if (!strcmp(kinds[k]->name, name))
      return kinds[k];
  return NULL;
}

const char *net_act_list(void)
{
  static char buf[128];
  if (!buf[0])
    for (size_t k = 0; k < NKINDS; k++)
      snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", k ? "|" : "",
               kinds[k]->name);
  return buf;
}

void net_act_adc(net_act_param *p, uint32_t bits, double fs)
{
  memset(p, 0, sizeof *p);
  p->ops = &adc_ops;
  snprintf(p->name, sizeof p->name, "adc%u", bits);
  p->adc_bits = bits;
  p->adc_fs = fs;
  p->slope = 1, p->saturation = fs, p->width = 1e-9;
}

/* Draw tags of one device's key. */
enum { DRAW_TH = 1, DRAW_SLOPE = 2, DRAW_SAT = 3 };

void net_act_device(const net_act_param *p, uint32_t layer, uint32_t col, net_act_dev *d)
{
  const uint64_t key = sim_hash4(p->seed, 0x6d6f7474ULL, layer, col); /* "mott" */
  d->th = p->threshold + p->threshold_dtod * syn_hash_normal(key, DRAW_TH);
  /* Relative spreads; a draw below 5 % of nominal is held there (a
     device always conducts and saturates). */
  d->s = p->slope * fmax(0.05, 1 + p->slope_dtod * syn_hash_normal(key, DRAW_SLOPE));
  d->y_sat = p->saturation * fmax(0.05, 1 + p->saturation_dtod * syn_hash_normal(key, DRAW_SAT));
  d->w = p->width;
}
