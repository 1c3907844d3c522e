/*
 * net_cnn_ttfs.c: time-to-first-spike inference of a converted CNN
 * (cnn_ttfs_run, net_cnn.h), the exact ReLU-to-TTFS mapping of Stanojevic,
 * Woźniak, Bellec, Cherubini, Pantazi & Gerstner, "High-performance deep
 * spiking neural networks with 0.3 spikes per neuron", Nat. Commun. 15:6793
 * (2024).
 *
 * Each layer n owns a window of T steps, after the window of layer n - 1.
 * A neuron spikes at most once.  In the window before its own, every input
 * spike i at time t_i (as a fraction of the window) starts a current w_ij
 * that flows until the window ends, so that at the start of its window the
 * membrane holds V_j = b_j + sum_i w_ij x_i with x_i = 1 - t_i (the input's
 * value: earlier is larger); in its own window the membrane rises with
 * slope 1 (Stanojevic's alpha = 1 - sum w, the input currents cancelled)
 * and the neuron spikes when it reaches the threshold 1, at t_j = 1 - V_j:
 * x_j = V_j, the ReLU (V_j <= 0: no spike, value 0) clipped at 1 (the
 * normalized layer's lambda).  In continuous time that is the ANN exactly.
 *
 * On a grid of T steps the spike falls at the first step k with V_j +
 * (k + 1/2) / T >= 1 (the threshold lowered by half a step, as QCFS shifts
 * its floor, so that the step rounds rather than truncates): k =
 * ceil(T (1 - V_j) - 1/2), no spike when k >= T, x_j = (T - k) / T = the
 * value rounded to T levels.  A spike costs one synaptic event per target
 * (its current added to the target's slope and charge: V(t) = S t - Q, the
 * standard event-driven form); the membrane's closed form gives the
 * crossing step without stepping through the window.
 *
 * Pools: an average pool is a layer of such neurons with weights 1/(kh kw)
 * (it rounds again); a max pool passes its window's earliest spike (the
 * largest value) on unchanged, with no membrane.  The first layer is fed
 * the analog image as a charge (V_j = its ANN input, as the rate coding's
 * constant current).  The output layer's neurons are read out at the start
 * of their window: the first to spike is the one with the highest V, and
 * the prediction is that arg-max (lower index on ties); they are counted
 * as spiking when V > 1/(2T), as they would within the window.
 */
#include "net_cnn_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/sim_alloc.h"

/* Spike step of a neuron with potential v at its window start (T steps):
   -1 for none. */
static inline int32_t ttfs_step(float v, uint32_t T)
{
  double k = ceil((double)T * (1.0 - (double)v) - 0.5);
  if (k < 0)
    k = 0;
  return k >= (double)T ? -1 : (int32_t)k;
}

/* The potentials of stage t at its window start from the values x of the
   spikes of its input (x[i] > 0 for those that spiked; nspk of them in
   spk), into v; returns the synaptic events. */
static double charge(const stage *t, const float *x, const uint32_t *spk, uint32_t nspk,
                     float *v)
{
  double syn = 0;
  switch (t->kind) {
  case ST_CONV: {
    stage plain = *t; /* the pre-activation: no QCFS rounding */
    plain.qlevels = 0;
    plain.relu = 0;
    cnn_stage_forward(&plain, x, v); /* skips the zeros: a scatter of the spikes */
    for (uint32_t q = 0; q < nspk; q++) {
      uint32_t pos = spk[q] / t->ic;
      syn += (double)(t->plan_off[pos + 1] - t->plan_off[pos]) * t->oc;
    }
    break;
  }
  case ST_LINEAR:
    for (uint32_t o = 0; o < t->nout; o++)
      v[o] = t->b[o];
    for (uint32_t q = 0; q < nspk; q++) {
      const float xi = x[spk[q]];
      const float *restrict w = t->ws + (size_t)spk[q] * t->nout;
      for (uint32_t o = 0; o < t->nout; o++)
        v[o] += xi * w[o];
    }
    syn = (double)nspk * t->nout;
    break;
  case ST_AVGPOOL:
  case ST_MAXPOOL:
    cnn_stage_forward(t, x, v); /* mean or max of the window's values */
    for (uint32_t q = 0; q < nspk; q++)
      syn += t->plan_off[spk[q] + 1] - t->plan_off[spk[q]];
    break;
  }
  return syn;
}

/* Scratch of one run: values and spike lists of a stage's input and
   output, each s->maxmap long. */
typedef struct ttfs_buf {
  float *x, *v;
  uint32_t *in, *out;
} ttfs_buf;

/* One run with windows of T steps; returns the prediction and adds the
   counts to checkpoint ck (< 16, or -1: none) and, when whole, to the
   run totals. */
static int ttfs_once(cnn_snn *s, const uint8_t *image, uint32_t T, int ck, int whole,
                     ttfs_buf *b, cnn_run_stats *st)
{
  float *x = b->x, *v = b->v;
  cnn_first_drive(s, image, v);
  uint32_t nspk = 0;
  double spikes = 0;
  int pred = 0;
  for (uint32_t k = 0; k < s->n; k++) {
    const stage *t = &s->st[k];
    double syn = 0, in = nspk;
    if (k)
      syn = charge(t, x, b->in, nspk, v);
    uint32_t ns = 0;
    if (k + 1 == s->n) {
      for (uint32_t c = 0; c < t->nout; c++) {
        if (v[c] > v[pred])
          pred = (int)c;
        ns += ttfs_step(v[c], T) >= 0;
      }
    } else {
      /* This stage's spikes: their values into x, the next stage's input. */
      for (uint32_t i = 0; i < t->nout; i++) {
        int32_t kk = t->kind != ST_MAXPOOL ? ttfs_step(v[i], T)
                     : v[i] > 0 ? (int32_t)lrint((double)T * (1.0 - (double)v[i])) : -1;
        if (kk >= 0) {
          x[i] = (float)(T - (uint32_t)kk) / (float)T;
          b->out[ns++] = i;
        } else {
          x[i] = 0.0f;
        }
      }
      uint32_t *tmp = b->in;
      b->in = b->out;
      b->out = tmp;
    }
    nspk = ns;
    spikes += ns;
    if (ck >= 0) {
      st->ck_in[ck][k] += in;
      st->ck_syn[ck][k] += syn;
      st->ck_out[ck][k] += ns;
    }
    if (whole) {
      st->in_spikes[k] += in;
      st->synops[k] += syn;
      st->out_spikes[k] += ns;
      st->updates[k] += t->nout; /* each neuron's crossing, once, in closed form */
    }
  }
  if (ck >= 0)
    st->ck_spikes[ck] += spikes;
  return pred;
}

void cnn_ttfs_run(cnn_snn *s, const uint8_t *image, const uint32_t *steps, uint32_t nsteps,
                  int *pred, cnn_run_stats *st)
{
  st->nstages = s->n;
  for (uint32_t k = 0; k < s->n; k++) {
    snprintf(st->name[k], sizeof st->name[k], "%s", s->st[k].name);
    st->neurons[k] = s->st[k].nout;
  }
  uint32_t big = 0;
  for (uint32_t k = 0; k < nsteps; k++)
    if (steps[k] > steps[big])
      big = k;
  st->nck = nsteps < 16 ? nsteps : 16;
  const size_t n = (size_t)s->maxmap + 8;
  ttfs_buf b = {sim_malloc(n * sizeof(float), "TTFS values"),
                sim_malloc(n * sizeof(float), "TTFS potentials"),
                sim_malloc(n * sizeof(uint32_t), "TTFS spikes"),
                sim_malloc(n * sizeof(uint32_t), "TTFS spikes")};
  void *own[4] = {b.x, b.v, b.in, b.out};
  for (uint32_t k = 0; k < nsteps; k++)
    pred[k] = ttfs_once(s, image, steps[k], k < 16 ? (int)k : -1, k == big, &b, st);
  for (int i = 0; i < 4; i++)
    sim_free(own[i]);
}
