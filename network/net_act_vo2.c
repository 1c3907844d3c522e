/*
 * net_act_vo2.c: the VO2 Mott activation neuron (Oh et al., "Energy-
 * efficient Mott activation neuron for full-hardware implementation of
 * neural networks", Nature Nanotechnology 16:680, 2021) as a crossbar
 * activation kind (net_act.h).
 *
 * The device: a VO2 film over a heater that the crossbar column's current
 * drives.  Below the insulator-metal transition the film stays insulating
 * and the neuron's output is ~0 (the ReLU's flat part); across the
 * transition its resistance falls gradually with temperature, so the
 * output rises with the input (the linear part); once the film is metallic
 * the output saturates.  Oh et al. use this as an analog ReLU between
 * layers.  The curve is modelled in closed form (net_act.h):
 *   y(x) = s w [softplus((x - th)/w) - softplus((x - th - y_sat/s)/w)]
 * with each device's th, s, y_sat drawn once from its key
 * (net_act_device).  Constants: configs/neurons/vo2_oh2021.ini, each cited
 * or marked assumed.
 */
#include <math.h>

#include "net_act.h"

/* ln(1 + e^z) without overflow. */
static double softplus(double z)
{
  return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));
}

double net_act_vo2_transfer(const net_act_dev *d, double x)
{
  const double a = (x - d->th) / d->w, b = (x - d->th - d->y_sat / d->s) / d->w;
  return d->s * d->w * (softplus(a) - softplus(b));
}

/* Layer `layer`'s outputs through its neurons: one device per column
   (channel), every patch of a conv layer through the same device. */
static void vo2_apply(const net_act_param *p, uint32_t layer, float *y, uint64_t n,
                      uint32_t nch)
{
  net_act_dev dev[512];
  const uint32_t m = nch < 512 ? nch : 512;
  for (uint32_t c = 0; c < m; c++)
    net_act_device(p, layer, c, &dev[c]);
  for (uint64_t i = 0; i < n; i++) {
    const uint32_t c = (uint32_t)(i % nch);
    net_act_dev extra;
    const net_act_dev *d = c < m ? &dev[c] : (net_act_device(p, layer, c, &extra), &extra);
    y[i] = (float)net_act_vo2_transfer(d, y[i]);
  }
}

const net_act_ops net_act_vo2_ops = {.name = "vo2", .analog = 1, .apply = vo2_apply};
