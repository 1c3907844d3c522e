/*
 * nrn_spike_generator.c: NEST's spike_generator: each generator of the
 * population emits one spike at each of the given times (rounded to the
 * tick).  Its spikes travel like a neuron's.  Owns the times in ticks.
 */
#include <math.h>

#include "../core/sim_alloc.h"
#include "../core/sim_engine.h"
#include "nrn_source.h"

typedef struct gen_rt {
  uint32_t pop, nlocal;
  sim_time *ticks;   /* owned: emission ticks, ascending */
  uint32_t n, pos;   /* ticks[pos] is the next one not yet passed */
  uint32_t *all;     /* owned: 0 .. nlocal - 1, the spiking indices */
} gen_rt;

static void *gen_start(sim_engine *e, uint32_t pop, int *busy)
{
  const sim_net *net = sim_engine_net(e);
  const sim_pop *p = &net->pops[pop];
  const nrn_spike_gen_param *par = p->param;
  *busy = 0;
  if (!p->nlocal || !par->ntimes)
    return NULL;
  gen_rt *g = sim_calloc(1, sizeof *g, "spike generator");
  g->pop = pop;
  g->nlocal = p->nlocal;
  g->n = par->ntimes;
  g->ticks = sim_malloc(g->n * sizeof *g->ticks, "spike generator ticks");
  for (uint32_t k = 0; k < g->n; k++)
    g->ticks[k] = (sim_time)nearbyint(par->times_ms[k] / net->resolution_ms);
  g->all = sim_malloc(g->nlocal * sizeof *g->all, "spike generator indices");
  for (uint32_t k = 0; k < g->nlocal; k++)
    g->all[k] = k;
  return g;
}

static void gen_tick(void *self, sim_engine *e, sim_time t)
{
  gen_rt *g = self;
  while (g->pos < g->n && g->ticks[g->pos] < t)
    g->pos++;
  /* Several equal times are several spikes at that tick. */
  while (g->pos < g->n && g->ticks[g->pos] == t) {
    sim_engine_emit(e, g->pop, t, g->all, g->nlocal);
    g->pos++;
  }
}

static sim_time gen_next(const void *self, sim_time t0)
{
  const gen_rt *g = self;
  uint32_t k = g->pos;
  while (k < g->n && g->ticks[k] < t0)
    k++;
  return k < g->n ? g->ticks[k] : SIM_NEVER;
}

static void gen_stop(void *self)
{
  gen_rt *g = self;
  sim_free(g->ticks);
  sim_free(g->all);
  sim_free(g);
}

const sim_source_ops nrn_spike_generator_ops = {
    .name = "spike_generator",
    .summary = "emits spikes at given times (spike_times, ms)",
    .travels = 1,
    .start = gen_start,
    .tick = gen_tick,
    .next = gen_next,
    .stop = gen_stop,
};
