/*
 * net_cnn_device.c: the converted network's weights onto differential
 * pairs of memory devices (cnn_map_devices, net_cnn.h), with the device
 * physics of synapses/syn_device.h: levels, programming noise, stuck
 * devices, retention or drift, read noise; the last layer re-programmed
 * in place on the same devices after fine-tuning, and the weights those
 * devices can still reach (cnn_device_reach_last).
 */
#include "net_cnn_int.h"

#include <assert.h>
#include <math.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"
#include "../core/sim_rng.h"
#include "../synapses/syn_device.h"
#include "net_act.h"

/* Device m (0: G+, 1: G-) of weight i of weighted stage k: its key
   (phys: the weights' cells, keyed by position: cnn_phys_key). */
static uint64_t device_key(uint64_t seed, uint32_t k, uint64_t i, int m, const uint64_t *phys)
{
  if (phys)
    return cnn_phys_key(seed, k, phys[i], m);
  return sim_hash4(seed, 0x636e6eULL + k, i, (uint64_t)m);
}

/* Weighted stage k's array onto its pairs at scale wmax (x = w / wmax,
   clipped to [-1, 1]); write 0 is the first programming, later writes
   (re-programming in place) draw fresh noise.  Returns the stuck count. */
static uint64_t map_stage(float *w, uint64_t n, uint32_t k, const syn_device_param *p,
                          double drift_s, uint64_t seed, double wmax, uint64_t write,
                          const uint64_t *phys)
{
  const double R = p->w_max - p->w_min;
  uint64_t stuck = 0;
  for (uint64_t i = 0; i < n; i++) {
    const uint64_t key[2] = {device_key(seed, k, i, 0, phys), device_key(seed, k, i, 1, phys)};
    double held[2], target[2];
    stuck += (uint64_t)cnn_pair_program(p, key, w[i] / wmax, write, drift_s, held, target);
    for (int m = 0; m < 2; m++)
      held[m] = syn_device_read(p, held[m], sim_hash4(key[m], 2, write, 0));
    w[i] = (float)((held[0] - held[1]) / R * wmax);
  }
  return stuck;
}

/* Weighted stage k's matrix: rows (fan-in) x cols (outputs), weight
   o rows + r (conv [oc][ic kh kw], linear [out][in]). */
static const stage *stage_matrix(const cnn_snn *s, uint32_t k, uint32_t *rows, uint32_t *cols)
{
  uint32_t seen = 0;
  for (uint32_t q = 0; q < s->n; q++) {
    const stage *t = &s->st[q];
    if (!t->weighted || seen++ != k)
      continue;
    *rows = t->kind == ST_CONV ? t->ic * t->kh * t->kw : t->nin;
    *cols = t->kind == ST_CONV ? t->oc : t->nout;
    return t;
  }
  return NULL;
}

/* With p->fault_aware_map: the cells of stage k's weights w (scale wmax)
   on the devices keyed by seed, in phys (n). */
static void fault_map_stage(const cnn_snn *s, const syn_device_param *p, uint32_t k,
                            const float *w, uint64_t n, double wmax, uint64_t seed,
                            uint64_t *phys)
{
  uint32_t rows = 0, cols = 0;
  const stage *t = stage_matrix(s, k, &rows, &cols);
  assert(t && (uint64_t)rows * cols == n);
  (void)t;
  float *x = sim_malloc(n * sizeof *x + 4, "remap targets");
  for (uint64_t i = 0; i < n; i++)
    x[i] = (float)fmax(-1.0, fmin(1.0, w[i] / wmax));
  const cnn_xbar g = s->xbar.rows ? s->xbar : (cnn_xbar){128, 128, 1};
  cnn_fault_map(p, seed, k, x, rows, cols, &g, phys, NULL);
  sim_free(x);
}

int cnn_pair_program(const syn_device_param *p, const uint64_t key[2], double x, uint64_t write,
                     double drift_s, double held[2], double target[2])
{
  syn_device_pair_targets(fmax(-1.0, fmin(1.0, x)), p->w_min, p->w_max - p->w_min, target);
  syn_device_inst inst[2];
  uint64_t wkey[2];
  for (int m = 0; m < 2; m++) {
    syn_device_instance(p, key[m], &inst[m]);
    target[m] = p->w_min + nearbyint((target[m] - p->w_min) / p->dw_min) * p->dw_min;
    wkey[m] = sim_hash4(key[m], 1, write, 0);
  }
  /* With p->program_verify, a stuck device's partner compensates. */
  int stuck = syn_device_program_pair(p, inst, target, wkey, held);
  for (int m = 0; m < 2; m++)
    held[m] = syn_device_retain(p, &inst[m], held[m], drift_s);
  return stuck;
}

/* Each weight of every weighted layer onto a differential pair of devices
   of preset p: x = w / max|w| in [-1, 1]; G+ holds w_min + max(x, 0) R and
   G- holds w_min + max(-x, 0) R (R = w_max - w_min), each target first
   put on the device's grid of levels (dw_min apart), then programmed
   (write-verify noise), with each device's own bounds and stuck state (with
   the preset's program_verify, a stuck device's partner is re-targeted so
   that the pair still holds the weight: syn_device_program_pair), then
   left to relax or drift for drift_s seconds, then read once (read noise).
   The weights are replaced by what the pairs hold.  With only_last after a
   full mapping: the last layer is written again onto the same devices at
   the same scale (stuck ones stay stuck), seed keying the new write's
   noise.  Returns the number of stuck devices. */
uint64_t cnn_map_devices(cnn_snn *s, const syn_device_param *p, double drift_s, uint64_t seed,
                         int only_last)
{
  uint64_t stuck = 0;
  float *w;
  uint64_t n;
  int last;
  for (uint32_t k = 0; (w = cnn_stage_weights(s, k, &n, &last)); k++) {
    if (only_last && !last)
      continue;
    if (only_last && s->dev_scale[k] > 0) { /* in place */
      stuck += map_stage(w, n, k, p, drift_s, s->dev_seed, s->dev_scale[k], seed,
                         s->dev_phys[k]);
      continue;
    }
    double wmax = 0;
    for (uint64_t i = 0; i < n; i++)
      wmax = fmax(wmax, fabs(w[i]));
    if (!(wmax > 0))
      continue;
    sim_free(s->dev_phys[k]);
    s->dev_phys[k] = NULL;
    if (p->fault_aware_map) { /* the test found the stuck cells: place the weights */
      s->dev_phys[k] = sim_malloc(n * sizeof *s->dev_phys[k] + 8, "weight cells");
      fault_map_stage(s, p, k, w, n, wmax, seed, s->dev_phys[k]);
    }
    stuck += map_stage(w, n, k, p, drift_s, seed, wmax, 0, s->dev_phys[k]);
    s->dev_scale[k] = wmax;
  }
  if (!only_last)
    s->dev_seed = seed;
  cnn_weights_changed(s);
  return stuck;
}

/* What the last layer's pairs can hold, weight by weight: with G+ in
   [lo+, hi+] and G- in [lo-, hi-] (a stuck device: its value), the weight
   lies in [(lo+ - hi-), (hi+ - lo-)] / R * scale. */
int cnn_device_reach_last(const cnn_snn *s, const syn_device_param *p, float *lo, float *hi)
{
  uint32_t k = 0;
  for (uint32_t q = 0; q + 1 < s->n; q++)
    k += (uint32_t)s->st[q].weighted;
  const stage *t = &s->st[s->n - 1];
  const double wmax = s->dev_scale[k];
  if (!(wmax > 0))
    return 0;
  const uint64_t *phys = s->dev_phys[k];
  for (uint64_t i = 0; i < (uint64_t)t->nin * t->nout; i++) {
    const uint64_t key[2] = {device_key(s->dev_seed, k, i, 0, phys),
                             device_key(s->dev_seed, k, i, 1, phys)};
    double l, h;
    cnn_pair_reach(p, key, &l, &h);
    lo[i] = (float)(l * wmax);
    hi[i] = (float)(h * wmax);
  }
  return 1;
}

void cnn_set_crossbar(cnn_snn *s, uint32_t rows, uint32_t cols, int spares)
{
  s->xbar = (cnn_xbar){rows, cols, spares};
}

int cnn_set_activation(cnn_snn *s, const net_act_param *p)
{
  for (uint32_t k = 0; k < s->n; k++)
    if (p && s->st[k].qlevels)
      return sim_error_set(SIM_EINVAL, "stage %s: a QCFS activation cannot be replaced by "
                           "the crossbar activation %s", s->st[k].name, p->name);
  uint32_t layer = 0;
  for (uint32_t k = 0; k < s->n; k++) {
    stage *t = &s->st[k];
    t->act = t->weighted && t->relu ? p : NULL;
    t->act_layer = layer;
    layer += (uint32_t)t->weighted;
  }
  return 0;
}

/* Kernel copy `replica` of every conv stage on devices of its own (Yao et
   al. 2020 programmed each convolver group separately): the conv stages'
   weights, which the caller has put back to the values before mapping,
   are programmed as cnn_map_devices did, at the same scale, onto devices
   keyed by the mapping's seed and the replica (replica 0: the very devices
   and writes of cnn_map_devices).  Linear stages are left alone: they are
   not replicated.  Returns the stuck devices of those conv stages. */
uint64_t cnn_map_replica(cnn_snn *s, const syn_device_param *p, double drift_s,
                         uint32_t replica)
{
  const uint64_t seed =
      replica ? sim_hash4(s->dev_seed, 0x7265706c6963ULL /* "replic" */, replica, 0)
              : s->dev_seed;
  uint64_t stuck = 0;
  uint32_t k = 0;
  for (uint32_t q = 0; q < s->n; q++) {
    stage *t = &s->st[q];
    if (!t->weighted)
      continue;
    if (t->kind == ST_CONV && s->dev_scale[k] > 0) {
      const uint64_t n = (uint64_t)t->oc * t->ic * t->kh * t->kw;
      uint64_t *phys = replica ? NULL : s->dev_phys[k];
      if (replica && s->dev_phys[k]) { /* a copy on arrays of its own: placed anew */
        phys = sim_malloc(n * sizeof *phys + 8, "weight cells");
        fault_map_stage(s, p, k, t->w, n, s->dev_scale[k], seed, phys);
      }
      stuck += map_stage(t->w, n, k, p, drift_s, seed, s->dev_scale[k], 0, phys);
      if (phys != s->dev_phys[k])
        sim_free(phys);
    }
    k++;
  }
  cnn_weights_changed(s);
  return stuck;
}
