/*
 * nrn_spike_generator.c: NEST's spike_generator: each generator of the
 * population emits one spike at each of the given times (rounded to the
 * tick).  Its spikes travel like a neuron's.  Owns the times in ticks.
 */
#include <ctype.h>
#include <math.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_engine.h"
#include "../core/sim_error.h"
#include "../core/sim_parse.h"
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
  for (uint32_t k = 0; k < g->n; k++) {
    /* A time beyond 2^63 ticks (1e126 ms is allowed) is never reached;
       converting it was undefined (found by tests/fuzz/fuzz_config.c). */
    double tk = nearbyint(par->times_ms[k] / net->resolution_ms);
    g->ticks[k] = tk < 9.2e18 ? (sim_time)tk : SIM_NEVER;
  }
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

/* A resumed run goes on at tick t: its cursor is the first time >= t
   (checkpoints: the times are the config's, nothing else is saved). */
static void gen_resume(void *self, sim_engine *e, sim_time t)
{
  gen_rt *g = self;
  (void)e;
  g->pos = 0;
  while (g->pos < g->n && g->ticks[g->pos] < t)
    g->pos++;
}

static void gen_stop(void *self)
{
  gen_rt *g = self;
  sim_free(g->ticks);
  sim_free(g->all);
  sim_free(g);
}

/* ------------------------------------------------------------------ */
/* Parameters                                                           */

static const char *const param_names[] = {"spike_times", NULL};

/* spike_times = t1, t2, ...: ms, ascending, each >= the resolution. */
static int gen_parse(void *param, const sim_kv *kv, uint32_t nkv, double h, uint32_t *bad,
                     const char **missing)
{
  nrn_spike_gen_param *p = param;
  const sim_kv *e = NULL;
  for (uint32_t k = 0; k < nkv; k++)
    if (!strcmp(kv[k].key, "spike_times")) {
      e = &kv[k];
      *bad = k;
    }
  if (!e) {
    *bad = nkv;
    *missing = "spike_times";
    return sim_error_set(SIM_ECONFIG, "required: expected a comma-separated list of times "
                                      "in ms, ascending, each >= resolution %g ms", h);
  }
  size_t cap = 1;
  for (const char *q = e->value; *q; q++)
    cap += *q == ',';
  double *t = sim_calloc(cap, sizeof *t, "spike times");
  p->times_ms = t;
  const char *q = e->value;
  for (uint32_t k = 0;; k++) {
    const char *comma = strchr(q, ',');
    const char *end = comma ? comma : q + strlen(q);
    while (q < end && isspace((unsigned char)*q))
      q++;
    while (end > q && isspace((unsigned char)end[-1]))
      end--;
    char item[128];
    size_t len = (size_t)(end - q) < sizeof item - 1 ? (size_t)(end - q) : sizeof item - 1;
    memcpy(item, q, len);
    item[len] = '\0';
    /* An item too long for the buffer is no number this reader takes. */
    int bad_num = (size_t)(end - q) >= sizeof item - 1 || sim_parse_double(item, 0, &t[k]);
    const char *why = bad_num                                ? "not a number"
                      : t[k] < h * (1 - 1e-9)                ? "below the resolution"
                      : k && t[k] < t[k - 1]                 ? "smaller than the one before"
                                                             : NULL;
    if (why)
      return sim_error_set(SIM_ECONFIG,
                           "time %u ('%s') is %s: expected a comma-separated list of times "
                           "in ms, ascending, each >= resolution %g ms", k + 1, item, why, h);
    p->ntimes = k + 1;
    if (!comma)
      return 0;
    q = comma + 1;
  }
}

static void gen_param_fini(void *param)
{
  nrn_spike_gen_param *p = param;
  sim_free((void *)p->times_ms);
  p->times_ms = NULL;
}

const sim_source_ops nrn_spike_generator_ops = {
    .name = "spike_generator",
    .summary = "emits spikes at given times (spike_times, ms)",
    .travels = 1,
    .param_size = sizeof(nrn_spike_gen_param),
    .param_names = param_names,
    .param_parse = gen_parse,
    .param_fini = gen_param_fini,
    .start = gen_start,
    .tick = gen_tick,
    .next = gen_next,
    .stop = gen_stop,
    .ckpt = 1,
    .resume = gen_resume,
};
