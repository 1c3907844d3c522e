/*
 * net_cnn_engine.c: see net_cnn_engine.h.  Owns the kernel network of a
 * converted CNN: the populations' gids, states and parameters, the layer
 * projections and their plans, and the presence table (every rank holds
 * the whole network and runs its own images, so every spike stays local).
 */
#include "net_cnn_engine.h"

#include <stdio.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"
#include "../neurons/nrn_model.h"
#include "../synapses/syn_kinds.h"
#include "../synapses/syn_layer.h"

#define MAX_CK 16

struct cnn_engine {
  cnn_snn *s;
  uint32_t n;              /* stages = populations */
  uint32_t tmax;
  const nrn_model_ops *m;  /* if_soft_reset */
  sim_net net;
  sim_pop *pops;           /* owned, n */
  sim_proj *projs;         /* owned, n - 1 */
  syn_layer *layers;       /* owned, n - 1 */
  void **params;           /* owned, n: one parameter block per stage */
  sim_gid **gids;          /* owned */
  uint32_t **outp;         /* owned: the one outgoing projection */
  uint32_t **dest_off;     /* owned */
  int32_t *dest;           /* owned: all zero (this rank) */
  sim_rec *recs;           /* owned: a spike record per population */
  float *drive;            /* scratch: first stage's current */
  int var_I;               /* index of if_soft_reset's "I" */
  int var_V;               /* ... and of its "V_m" */
};

int cnn_engine_create(cnn_snn *s, uint32_t tmax, uint64_t seed, cnn_engine **out)
{
  const uint32_t n = cnn_stage_count(s);
  cnn_engine *ce = sim_calloc(1, sizeof *ce, "CNN engine");
  ce->s = s;
  ce->n = n;
  ce->tmax = tmax;
  ce->m = nrn_model_find("if_soft_reset");
  ce->var_I = sim_name_index(ce->m->var_names, "I");
  ce->var_V = sim_name_index(ce->m->var_names, "V_m");
  ce->pops = sim_calloc(n, sizeof *ce->pops, "CNN populations");
  ce->projs = sim_calloc(n, sizeof *ce->projs, "CNN projections");
  ce->layers = sim_calloc(n, sizeof *ce->layers, "CNN layers");
  ce->params = sim_calloc(n, sizeof *ce->params, "CNN parameters");
  ce->gids = sim_calloc(n, sizeof *ce->gids, "CNN gids");
  ce->outp = sim_calloc(n, sizeof *ce->outp, "CNN projection lists");
  ce->dest_off = sim_calloc(n, sizeof *ce->dest_off, "CNN presence");
  ce->recs = sim_calloc(n, sizeof *ce->recs, "CNN records");
  uint32_t maxn = 0;
  sim_gid g0 = 0;
  for (uint32_t k = 0; k < n; k++) {
    cnn_stage_view v;
    cnn_stage_get(s, k, &v);
    if (v.nout > maxn)
      maxn = v.nout;
    sim_pop *p = &ce->pops[k];
    void *par = ce->params[k] = sim_calloc(1, ce->m->param_size, "CNN layer parameters");
    ce->m->param_default(par);
    int rc = ce->m->param_set(par, "V_th", 1.0);
    if (!rc)
      rc = ce->m->param_set(par, "start", (double)k); /* one tick per layer, 1 ms ticks */
    if (!rc)
      rc = ce->m->param_finalize(par, 1.0);
    if (rc) {
      cnn_engine_destroy(ce);
      return rc;
    }
    p->name = v.name;
    p->model = ce->m;
    p->param = par;
    p->first_gid = g0;
    p->n = p->nlocal = v.nout;
    sim_gid *gid = ce->gids[k] = sim_malloc((size_t)v.nout * sizeof *gid + 4, "CNN gids");
    for (uint32_t i = 0; i < v.nout; i++)
      gid[i] = g0 + i;
    p->gid = gid;
    p->state = sim_calloc(v.nout + 1, ce->m->state_size, "CNN layer state");
    uint32_t *doff = ce->dest_off[k] = sim_calloc((size_t)v.nout + 1, sizeof *doff,
                                                  "CNN presence");
    if (k + 1 < n) {
      for (uint32_t i = 0; i <= v.nout; i++)
        doff[i] = i; /* each neuron's spikes go to this rank only */
      ce->outp[k] = sim_malloc(sizeof(uint32_t), "CNN projection list");
      ce->outp[k][0] = k;
      p->out_projs = ce->outp[k];
      p->nout = 1;
    }
    p->dest_off = doff;
    ce->recs[k] = (sim_rec){.kind = SIM_REC_SPIKES, .pop = k, .first = 0, .count = v.nout};
    g0 += v.nout;
  }
  ce->dest = sim_calloc(maxn + 1, sizeof *ce->dest, "CNN presence");
  for (uint32_t k = 0; k < n; k++)
    ce->pops[k].dest = ce->dest;
  for (uint32_t k = 0; k + 1 < n; k++) {
    cnn_stage_view v;
    cnn_stage_get(s, k + 1, &v);
    syn_layer_geom g = {v.ic, v.ih, v.iw, v.oc, v.oh, v.ow, v.kh, v.kw, v.sh, v.sw, v.ph, v.pw};
    syn_layer_type type = v.type == CNN_STAGE_CONV      ? SYN_LAYER_CONV
                          : v.type == CNN_STAGE_LINEAR  ? SYN_LAYER_DENSE
                          : v.type == CNN_STAGE_MAXPOOL ? SYN_LAYER_MAXPOOL
                                                        : SYN_LAYER_AVGPOOL;
    if (type == SYN_LAYER_DENSE) /* one position holding every output */
      g = (syn_layer_geom){v.nin, 1, 1, v.nout, 1, 1, 1, 1, 1, 1, 0, 0};
    syn_layer_init(&ce->layers[k], type, &g, v.ws, 1);
    ce->projs[k] = (sim_proj){.src = k, .tgt = k + 1, .syn = NULL, .port = 0,
                              .kind = &syn_layer_kind, .self = &ce->layers[k]};
  }
  ce->drive = sim_malloc((size_t)maxn * sizeof *ce->drive + 4, "CNN input current");
  ce->net = (sim_net){.pops = ce->pops, .npops = n, .projs = ce->projs, .nprojs = n - 1,
                      .recs = ce->recs, .nrecs = n, .t_end = (sim_time)tmax + n,
                      .min_delay = 1, .max_delay = 1, .resolution_ms = 1.0, .seed = seed};
  *out = ce;
  return 0;
}

void cnn_engine_destroy(cnn_engine *ce)
{
  if (!ce)
    return;
  for (uint32_t k = 0; k < ce->n; k++) {
    sim_free(ce->params[k]);
    sim_free(ce->gids[k]);
    sim_free(ce->outp[k]);
    sim_free(ce->dest_off[k]);
    if (ce->pops)
      sim_free(ce->pops[k].state);
    if (k + 1 < ce->n)
      syn_layer_fini(&ce->layers[k]);
  }
  sim_free(ce->params);
  sim_free(ce->gids);
  sim_free(ce->outp);
  sim_free(ce->dest_off);
  sim_free(ce->dest);
  sim_free(ce->recs);
  sim_free(ce->pops);
  sim_free(ce->projs);
  sim_free(ce->layers);
  sim_free(ce->drive);
  sim_free(ce);
}

const sim_net *cnn_engine_net(const cnn_engine *ce) { return &ce->net; }

sim_time cnn_engine_image_ticks(const cnn_engine *ce) { return ce->net.t_end; }

/* ------------------------------------------------------------------ */
/* One image                                                            */

/* The recorder the schedule itself attaches: counts the output layer's
   spikes and reads the prediction at each checkpoint's tick; passes every
   spike on to the user's recorders at the image's offset in time. */
typedef struct readout {
  const cnn_engine *ce;
  double ck[MAX_CK];       /* spikes of all stages within each checkpoint */
  uint64_t spikes[CNN_MAX_STAGES]; /* per stage, within its tmax steps */
  uint32_t tmax;           /* steps of this image */
  sim_gid out0;            /* first gid of the output layer */
  uint32_t nclasses;
  uint32_t *cnt;           /* output spikes so far, per class */
  const uint32_t *steps;
  uint32_t nsteps;
  int *pred;
  sim_time off;            /* tick offset of this image */
  const sim_recorder *recs;
  uint32_t nrecs;
  int rc;
} readout;

static void ro_spike(void *self, sim_time t, sim_gid gid)
{
  readout *r = self;
  const sim_net *net = &r->ce->net;
  uint32_t k = sim_net_pop_of_gid(net, gid);
  sim_time step = t - (sim_time)k - 1; /* stage k's step s is tick k + 1 + s */
  if (step >= (sim_time)r->tmax)
    return; /* past the stage's last step: no one reads it (see syn_layer.t_last) */
  r->spikes[k]++;
  for (uint32_t c = 0; c < r->nsteps; c++)
    if (step < (sim_time)r->steps[c])
      r->ck[c]++;
  if (gid >= r->out0)
    r->cnt[gid - r->out0]++;
  for (uint32_t m = 0; m < r->nrecs; m++)
    if (r->recs[m].ops->spike)
      r->recs[m].ops->spike(r->recs[m].self, t + r->off, gid);
}

static int ro_window_end(void *self, sim_time t_next)
{
  readout *r = self;
  const cnn_engine *ce = r->ce;
  const uint32_t K = ce->n - 1;
  /* The output layer's step s is tick K + 1 + s: after steps[c] steps the
     window ending before tick K + 1 + steps[c] is complete. */
  for (uint32_t c = 0; c < r->nsteps; c++) {
    if ((sim_time)K + 1 + r->steps[c] != t_next)
      continue;
    const sim_pop *p = &ce->pops[K];
    int best = 0;
    double vbest = ce->m->var_get(p->state, p->nlocal, 0, p->param, 0, t_next - 1);
    for (uint32_t k = 1; k < r->nclasses; k++) {
      double v = ce->m->var_get(p->state, p->nlocal, k, p->param, 0, t_next - 1);
      if (r->cnt[k] > r->cnt[best] || (r->cnt[k] == r->cnt[best] && v > vbest)) {
        best = (int)k;
        vbest = v;
      }
    }
    r->pred[c] = best;
  }
  for (uint32_t m = 0; m < r->nrecs; m++)
    if (r->recs[m].ops->window_end && r->recs[m].ops->window_end(r->recs[m].self,
                                                                 t_next + r->off) != 0)
      return r->rc = sim_error_code() ? sim_error_code() : SIM_EIO;
  return 0;
}

static const sim_recorder_ops readout_ops = {
    .name = "cnn_readout",
    .spike = ro_spike,
    .window_end = ro_window_end,
};

int cnn_engine_run(cnn_engine *ce, const uint8_t *image, uint64_t image_index,
                   const uint32_t *steps, uint32_t nsteps, const sim_recorder *recs,
                   uint32_t nrecs, int *pred, cnn_run_stats *stats)
{
  /* Fresh states: V_m = v_init (of the threshold 1; 0 behind a max pool,
     as the batch runner's) from each layer's start; each neuron's drive
     is its bias, and the first layer's is the image as a current. */
  const double v0 = cnn_v_init(ce->s);
  cnn_first_drive(ce->s, image, ce->drive);
  for (uint32_t k = 0; k < ce->n; k++) {
    cnn_stage_view v;
    cnn_stage_get(ce->s, k, &v);
    sim_pop *p = &ce->pops[k];
    for (uint32_t i = 0; i < p->nlocal; i++) {
      ce->m->state_init(p->state, p->nlocal, i, p->param);
      double I = k == 0 ? ce->drive[i] : v.b ? v.b[i % v.oc] : 0.0;
      ce->m->var_set(p->state, p->nlocal, i, p->param, ce->var_I, I);
      if (v0 != 0 && v.type != CNN_STAGE_MAXPOOL)
        ce->m->var_set(p->state, p->nlocal, i, p->param, ce->var_V, v0);
    }
  }
  uint32_t nsteps_ok = nsteps < MAX_CK ? nsteps : MAX_CK;
  for (uint32_t c = 0; c < nsteps_ok; c++)
    if (steps[c] > ce->tmax || steps[c] == 0 || (c && steps[c] <= steps[c - 1]))
      return sim_error_set(SIM_EINVAL, "convert --schedule engine: %u steps is outside "
                                       "1..%u or not ascending", steps[c], ce->tmax);
  uint32_t cnt[256] = {0};
  uint32_t nclasses = cnn_nclasses(ce->s);
  if (nclasses > 256)
    return sim_error_set(SIM_EINVAL, "convert --schedule engine: %u classes (at most 256)",
                         nclasses);
  readout r = {.ce = ce, .tmax = steps[nsteps_ok - 1], .out0 = ce->pops[ce->n - 1].first_gid, .nclasses = nclasses,
               .cnt = cnt, .steps = steps, .nsteps = nsteps_ok, .pred = pred,
               .off = (sim_time)image_index * ce->net.t_end, .recs = recs, .nrecs = nrecs};
  sim_recorder ro = {&readout_ops, &r};
  sim_run_opts opts = {.recorders = &ro, .nrecorders = 1};
  for (uint32_t k = 0; k + 1 < ce->n; k++) {
    ce->layers[k].events = 0;
    syn_layer_reset(&ce->layers[k]);
    /* Stage k's last step is tick k + T: later spikes reach no step. */
    ce->layers[k].t_last = (sim_time)k + r.tmax;
  }
  sim_stats st;
  int rc = sim_run(&ce->net, &opts, &st);
  if (!rc && r.rc)
    rc = r.rc;
  if (!rc) {
    stats->nstages = ce->n;
    for (uint32_t k = 0; k < ce->n; k++) {
      snprintf(stats->name[k], sizeof stats->name[k], "%s", ce->pops[k].name);
      stats->neurons[k] = ce->pops[k].n;
      stats->out_spikes[k] += (double)r.spikes[k];
      if (k + 1 < ce->n) {
        stats->in_spikes[k + 1] += (double)r.spikes[k];
        stats->synops[k + 1] += (double)ce->layers[k].events;
      }
    }
    for (uint32_t c = 0; c < nsteps_ok; c++)
      stats->ck_spikes[c] += r.ck[c];
  }
  sim_stats_fini(&st);
  return rc;
}
