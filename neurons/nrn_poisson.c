/*
 * nrn_poisson.c: NEST's poisson_generator: every synapse from a generator
 * carries its own independent Poisson train (as NEST does), drawn on the
 * target's rank from a stream keyed by (target gid, projection, generator,
 * multiplicity), so the input does not depend on the rank count.  Owns,
 * per outgoing projection, the streams (one per synapse) and the tables.
 *
 * Two ways to draw the same law, chosen per projection:
 * - sparse (mean < ln 2 spikes per tick): one queue event per non-empty
 *   tick, with geometric gaps and zero-truncated counts, so the work
 *   follows the number of input spikes;
 * - per tick (mean >= ln 2, most ticks non-empty anyway): one count per
 *   synapse per tick in a sequential sweep, no queue traffic.
 */
#include <math.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_engine.h"
#include "../core/sim_error.h"
#include "../core/sim_parse.h"
#include "../core/sim_rng.h"
#include "nrn_source.h"

/* One outgoing projection's trains. */
typedef struct train_set {
  uint32_t proj;           /* projection index */
  const sim_proj *pr;
  const sim_sink *sink;    /* the target's rings */
  sim_rng *rng;            /* owned: one stream per synapse */
  int per_tick;            /* drawing mode, see above */
  sim_cdf_table gap;       /* sparse: empty ticks before the next non-empty */
  sim_cdf_table count;     /* sparse: spikes in a non-empty tick, minus one;
                              per tick: spikes in a tick */
  double q;                /* P(tick non-empty) */
  double mean;             /* spikes per tick */
} train_set;

typedef struct poisson_rt {
  train_set *sets;         /* owned */
  uint32_t nsets;
  uint32_t *sweep;         /* owned: sets drawn per tick */
  uint32_t nsweep;
  sim_time start, stop;    /* emission ticks in (start, stop] */
  sim_time t_end;
  uint16_t kind;           /* our event kind: group = set, index = synapse */
  uint32_t pop;            /* the generator's population */
  sim_gid src_first;       /* its first gid */
  const sim_gid **tgt_gid; /* owned array: per set, the target's local gids */
} poisson_rt;

static void tables(train_set *ts, double mean)
{
  double pmf[SIM_CDF_MAX];
  ts->mean = mean;
  ts->q = -expm1(-mean);
  ts->per_tick = mean >= 0.6931471805599453; /* ln 2: P(non-empty) >= 1/2 */
  if (!(ts->q > 0)) { /* rate 0 (or a mean that underflows): no train, and
                         the laws below would be 0 / 0 */
    ts->per_tick = 0;
    ts->gap.n = ts->count.n = 0;
    return;
  }
  if (ts->per_tick) {
    double p = exp(-mean); /* P(K = k), from k = 0 */
    for (int k = 0; k < SIM_CDF_MAX; k++) {
      pmf[k] = p;
      p *= mean / (k + 1);
    }
    sim_cdf_table_init(&ts->count, pmf, SIM_CDF_MAX);
    return;
  }
  double r = 1 - ts->q;
  for (int g = 0; g < SIM_CDF_MAX; g++)
    pmf[g] = ts->q * pow(r, g);
  sim_cdf_table_init(&ts->gap, pmf, SIM_CDF_MAX);
  double p = exp(-mean) / ts->q; /* P(K = k | K >= 1), from k = 1 */
  for (int k = 1; k <= SIM_CDF_MAX; k++) {
    p *= mean / k;
    pmf[k - 1] = p;
  }
  sim_cdf_table_init(&ts->count, pmf, SIM_CDF_MAX);
}

/* Sparse mode: empty ticks before the next non-empty one. */
/* A gap no run reaches (2^62 ticks): leaves room for t + delay + gap. */
#define GAP_NEVER ((sim_time)1 << 62)

static sim_time gap(const train_set *ts, sim_rng *rng)
{
  int g = sim_cdf_table_draw(&ts->gap, rng);
  if (g >= 0)
    return g;
  /* Beyond the table: geometric is memoryless, so add an exact draw.  At
     rates down to 1e-299 Hz the draw can be near 2^63: saturate at
     GAP_NEVER, past any run, so that callers' t + delay + gap cannot
     overflow (it did, and the event landed in the queue's past). */
  uint64_t x = sim_rng_geometric(rng, ts->q);
  return x >= (uint64_t)GAP_NEVER ? GAP_NEVER : SIM_CDF_MAX + (sim_time)x;
}

/* Spikes in one tick: per tick mode any count, sparse mode at least one. */
static uint32_t count(const train_set *ts, sim_rng *rng)
{
  int k = sim_cdf_table_draw(&ts->count, rng);
  if (k >= 0)
    return (uint32_t)k + !ts->per_tick;
  if (ts->per_tick) /* table does not hold the law (mean > ~25) */
    return sim_rng_poisson(rng, ts->mean);
  uint32_t x; /* exact tail: rejection from the untruncated law */
  do
    x = sim_rng_poisson(rng, ts->mean);
  while (x <= (uint32_t)ts->count.n);
  return x;
}

static inline sim_time delay_of(const sim_syn_table *syn, uint64_t k)
{
  return syn->d ? syn->d[k] : syn->d_const;
}

/* Sparse mode: the train of synapse ev->index of set ev->group has spikes
   arriving now; deliver them and queue its next non-empty tick. */
static void train_event(void *self, sim_engine *e, sim_time t, const sim_event *ev)
{
  poisson_rt *po = self;
  train_set *ts = &po->sets[ev->group];
  const sim_syn_table *syn = ts->pr->syn;
  uint32_t k = ev->index;
  sim_rng *rng = &ts->rng[k];
  uint32_t c = count(ts, rng);
  double w = syn->w ? syn->w[k] : syn->w_const;
  int port = ts->sink->by_sign ? (w < 0) : ts->pr->port;
  if (c)
    sim_sink_add(ts->sink, port, t, syn->tgt[k], c * sim_sink_value(ts->sink, w));
  sim_engine_count_input_proj(e, ts->proj, c);
  sim_time delay = delay_of(syn, k);
  sim_time next = t - delay + 1 + gap(ts, rng);
  /* Queued even past the horizon (never popped in this run): a checkpoint
     then holds every train's next spike, whatever the run's end. */
  if (next <= po->stop)
    sim_engine_push(e, next + delay, po->kind, ev->group, k);
}

/* Per tick mode, one projection of one weight and delay: the count of
   each of n trains, added to its target's entry of the arrival row.  In
   chunks: first one step of every stream (sim_rng_u32_each, vectorized),
   then the table look-ups and the adds, with no branch on the count: a
   count of 0 adds +-0.0, which leaves an entry as it is (entries start at
   +0.0 and never become -0.0), and marks no bit (mark 0: a per-tick
   target, whose rows the engine clears whole, takes no bitmap at all).
   The same values and sums as one draw and add per synapse in order. */
#define SWEEP_CHUNK 512
static inline __attribute__((always_inline)) uint64_t
sweep_row_case(sim_rng *restrict rng, const sim_cdf_table *restrict tab, double mean,
               const uint32_t *restrict tgt, uint64_t n, double *restrict row,
               uint64_t *restrict bits, double w, const int mark)
{
  uint64_t spikes = 0;
  uint32_t u[SWEEP_CHUNK];
  for (uint64_t k0 = 0; k0 < n; k0 += SWEEP_CHUNK) {
    const uint32_t m = n - k0 < SWEEP_CHUNK ? (uint32_t)(n - k0) : SWEEP_CHUNK;
    sim_rng_u32_each(rng + k0, u, m);
    for (uint32_t i = 0; i < m; i++) {
      const int k = sim_cdf_table_find(tab, u[i]);
      /* the table does not hold the law (mean > ~25): an exact draw on
         the same stream, as count() does */
      const uint32_t c = k >= 0 ? (uint32_t)k : sim_rng_poisson(&rng[k0 + i], mean);
      const uint32_t tj = tgt[k0 + i];
      row[tj] += c * w;
      if (mark)
        bits[tj >> 6] |= (uint64_t)(c != 0) << (tj & 63);
      spikes += c;
    }
  }
  return spikes;
}

__attribute__((noinline)) static uint64_t
sweep_row(sim_rng *restrict rng, const sim_cdf_table *restrict tab, double mean,
          const uint32_t *restrict tgt, uint64_t n, double *restrict row, uint64_t *restrict bits,
          double w)
{
  return sweep_row_case(rng, tab, mean, tgt, n, row, bits, w, 1);
}

__attribute__((noinline)) static uint64_t
sweep_row_whole(sim_rng *restrict rng, const sim_cdf_table *restrict tab, double mean,
                const uint32_t *restrict tgt, uint64_t n, double *restrict row, double w)
{
  return sweep_row_case(rng, tab, mean, tgt, n, row, NULL, w, 0);
}

/* Per tick mode: every synapse of the set draws its count of spikes
   emitted at tick t (arriving after its delay).  Past the horizon the
   counts are still drawn and written to the rings (rows this run never
   reads), but neither counted nor marked pending: the streams and rings
   a checkpoint holds then do not depend on the run's end. */
static void sweep(poisson_rt *po, train_set *ts, sim_engine *e, sim_time t)
{
  const sim_syn_table *syn = ts->pr->syn;
  const sim_sink *sink = ts->sink;
  uint64_t spikes = 0;
  if (!syn->w && !syn->d) {
    const sim_time ta = t + syn->d_const;
    double *row = sim_sink_row(sink, ts->pr->port, ta);
    const double w = sim_sink_value(sink, syn->w_const);
    spikes = sink->whole
                 ? sweep_row_whole(ts->rng, &ts->count, ts->mean, syn->tgt, syn->nsyn, row, w)
                 : sweep_row(ts->rng, &ts->count, ts->mean, syn->tgt, syn->nsyn, row,
                             sim_sink_bits(sink, ta), w);
    if (ta >= po->t_end)
      spikes = 0;
  } else {
    const int by_sign = sink->by_sign;
    for (uint64_t k = 0; k < syn->nsyn; k++) {
      uint32_t c = count(ts, &ts->rng[k]);
      sim_time dl = delay_of(syn, k);
      if (!c)
        continue;
      double w = syn->w ? syn->w[k] : syn->w_const;
      const int port = by_sign ? (w < 0) : ts->pr->port;
      const uint32_t tj = syn->tgt[k];
      if (t + dl >= po->t_end) { /* past the horizon: see above */
        sim_sink_row(sink, port, t + dl)[tj] += c * sim_sink_value(sink, w);
        sim_sink_bits(sink, t + dl)[tj >> 6] |= 1ull << (tj & 63);
        continue;
      }
      sim_sink_add(sink, port, t + dl, tj, c * sim_sink_value(sink, w));
      spikes += c;
    }
  }
  sim_engine_count_input_proj(e, ts->proj, spikes);
}

static void poisson_tick(void *self, sim_engine *e, sim_time t)
{
  poisson_rt *po = self;
  if (t <= po->start || t > po->stop)
    return;
  for (uint32_t k = 0; k < po->nsweep; k++)
    sweep(po, &po->sets[po->sweep[k]], e, t);
}

static sim_time poisson_next(const void *self, sim_time t0)
{
  const poisson_rt *po = self;
  if (!po->nsweep)
    return SIM_NEVER; /* sparse trains live in the queue */
  sim_time t = t0 > po->start ? t0 : po->start + 1;
  return t <= po->stop ? t : SIM_NEVER;
}

static void *poisson_start(sim_engine *e, uint32_t pop, int *busy)
{
  const sim_net *net = sim_engine_net(e);
  const sim_pop *src = &net->pops[pop];
  const nrn_poisson_param *par = src->param;
  const double h = net->resolution_ms;
  poisson_rt *po = sim_calloc(1, sizeof *po, "Poisson generator");
  /* Times beyond any run saturate: such a train never starts (2^61 ticks
     leaves room for a gap draw, itself saturated at 2^62), or never stops. */
  const double stop = nearbyint(par->stop_ms / h), start = nearbyint(par->start_ms / h);
  const double far = (double)((sim_time)1 << 61);
  po->stop = stop < 4e18 ? (sim_time)stop : SIM_NEVER;
  po->start = start < far ? (sim_time)start : (sim_time)1 << 61;
  po->t_end = net->t_end;
  po->kind = sim_engine_kind(e, train_event, po);
  po->pop = pop;
  po->src_first = src->first_gid;
  po->tgt_gid = sim_calloc(src->nout + 1, sizeof *po->tgt_gid, "Poisson targets");
  po->sets = sim_calloc(src->nout + 1, sizeof *po->sets, "Poisson trains");
  po->sweep = sim_calloc(src->nout + 1, sizeof *po->sweep, "Poisson sweeps");
  for (uint32_t o = 0; o < src->nout; o++) {
    const uint32_t j = src->out_projs[o];
    const sim_proj *pr = &net->projs[j];
    const sim_syn_table *syn = pr->syn;
    if (syn->nsyn == 0)
      continue;
    const uint16_t set = (uint16_t)po->nsets++;
    train_set *ts = &po->sets[set];
    ts->proj = j;
    ts->pr = pr;
    ts->sink = sim_engine_sink(e, pr->tgt);
    po->tgt_gid[set] = net->pops[pr->tgt].gid;
    tables(ts, par->rate_hz * h * 1e-3);
    if (ts->per_tick && ts->q > 0)
      po->sweep[po->nsweep++] = set;
    ts->rng = sim_malloc(syn->nsyn * sizeof *ts->rng, "Poisson streams");
    const sim_pop *tp = &net->pops[pr->tgt];
    uint32_t *mult = sim_calloc(tp->nlocal + 1, sizeof *mult, "multiplicity");
    for (uint32_t r = 0; r < syn->nrows; r++) {
      const uint32_t s = sim_syn_row_source(syn, r);
      for (uint64_t k = syn->off[r]; k < syn->off[r + 1]; k++) {
        uint32_t jt = syn->tgt[k];
        /* Key: target gid, projection, generator and the how-many-th
           synapse from it onto this target: independent trains for every
           synapse, the same on any number of ranks. */
        uint64_t key = ((uint64_t)j << 32) | tp->gid[jt];
        sim_rng_stream(&ts->rng[k], net->seed, key, SIM_RNG_POISSON,
                       (src->first_gid + s) * 64u + mult[jt]++);
        if (ts->q <= 0 || ts->per_tick)
          continue;
        sim_time first = po->start + 1 + gap(ts, &ts->rng[k]);
        sim_time delay = delay_of(syn, k);
        if (first <= po->stop) /* past the horizon too: see train_event */
          sim_engine_push(e, first + delay, po->kind, set, (uint32_t)k);
      }
      for (uint64_t k = syn->off[r]; k < syn->off[r + 1]; k++)
        mult[syn->tgt[k]] = 0;
    }
    sim_free(mult);
  }
  *busy = po->nsweep > 0;
  return po;
}

/* ------------------------------------------------------------------ */
/* Checkpoints (core/sim_ckpt.h): per train its stream, keyed by synapse;
   the trains' queued spikes are saved by the engine (event_key).       */

static void poisson_save(const void *self, sim_engine *e, const sim_ckpt_writer *w)
{
  const poisson_rt *po = self;
  const sim_net *net = sim_engine_net(e);
  for (uint32_t k = 0; k < po->nsets; k++) {
    const train_set *ts = &po->sets[k];
    sim_ckpt_key *keys = sim_ckpt_keys(net, ts->proj);
    sim_ckpt_rec(w, "source", 4);
    sim_ckpt_u64(w, po->pop);
    sim_ckpt_u64(w, ts->proj);
    sim_ckpt_bin(w, keys, ts->pr->syn->nsyn * sizeof *keys);
    sim_ckpt_bin(w, ts->rng, ts->pr->syn->nsyn * sizeof *ts->rng);
    sim_free(keys);
  }
}

static train_set *set_of(poisson_rt *po, uint32_t proj, uint16_t *set)
{
  for (uint32_t k = 0; k < po->nsets; k++)
    if (po->sets[k].proj == proj) {
      *set = (uint16_t)k;
      return &po->sets[k];
    }
  return NULL;
}

static int poisson_load(void *self, sim_engine *e, const sim_ckpt_load *l)
{
  poisson_rt *po = self;
  const sim_net *net = sim_engine_net(e);
  uint64_t proj;
  const void *kp, *rp;
  size_t nk, nr;
  int rc = sim_ckpt_get_u64(l->r, "projection", &proj);
  if (!rc)
    rc = sim_ckpt_get_array(l->r, "keys", sizeof(sim_ckpt_key), &kp, &nk);
  if (!rc)
    rc = sim_ckpt_get_array(l->r, "streams", sizeof(sim_rng), &rp, &nr);
  if (rc)
    return rc;
  if (nk != nr)
    return sim_ckpt_bad(l->r, "as many keys as streams expected");
  uint16_t set;
  train_set *ts = proj < net->nprojs ? set_of(po, (uint32_t)proj, &set) : NULL;
  if (!ts)
    return 0; /* no synapse of that projection here */
  for (size_t q = 0; q < nk; q++) {
    sim_ckpt_key key;
    memcpy(&key, (const char *)kp + q * sizeof key, sizeof key);
    uint64_t k;
    int f = key.proj == proj ? sim_ckpt_find(net, &key, &k) : -1;
    if (f < 0)
      return sim_ckpt_bad(l->r, "a Poisson train of a synapse this network does not have");
    if (f)
      memcpy(&ts->rng[k], (const char *)rp + q * sizeof(sim_rng), sizeof(sim_rng));
  }
  return 0;
}

static void poisson_event_key(const void *self, const sim_event *ev, sim_ckpt_key *key)
{
  const poisson_rt *po = self;
  const train_set *ts = &po->sets[ev->group];
  const sim_syn_table *t = ts->pr->syn;
  const uint64_t k = ev->index;
  const uint32_t r = sim_syn_row_of(t, k);
  uint32_t ord = 0;
  while (k > t->off[r] + ord && t->tgt[k - ord - 1] == t->tgt[k])
    ord++;
  *key = (sim_ckpt_key){ts->proj, po->src_first + sim_syn_row_source(t, r),
                        po->tgt_gid[ev->group][t->tgt[k]], ord};
}

static int poisson_event_load(void *self, sim_engine *e, sim_time t, const sim_ckpt_key *key)
{
  poisson_rt *po = self;
  uint16_t set;
  uint64_t k;
  if (!set_of(po, key->proj, &set))
    return 0;
  int f = sim_ckpt_find(sim_engine_net(e), key, &k);
  if (f > 0)
    sim_engine_push(e, t, po->kind, set, (uint32_t)k);
  return f < 0 ? -1 : 0;
}

static void poisson_stop(void *self)
{
  poisson_rt *po = self;
  for (uint32_t k = 0; k < po->nsets; k++)
    sim_free(po->sets[k].rng);
  sim_free(po->sets);
  sim_free(po->sweep);
  sim_free(po->tgt_gid);
  sim_free(po);
}

/* ------------------------------------------------------------------ */
/* Parameters (NEST's names and units)                                  */

static const char *const param_names[] = {"rate", "start", "stop", NULL};

static int poisson_parse(void *param, const sim_kv *kv, uint32_t nkv, double h, uint32_t *bad,
                         const char **missing)
{
  nrn_poisson_param *p = param;
  (void)h;
  p->start_ms = 0;
  p->stop_ms = INFINITY;
  int have_rate = 0;
  for (uint32_t k = 0; k < nkv; k++) { /* start first: stop is checked against it */
    *bad = k;
    if (!strcmp(kv[k].key, "start") &&
        (sim_parse_double(kv[k].value, 0, &p->start_ms) || !(p->start_ms >= 0)))
      return sim_error_set(SIM_ECONFIG, "expected a time in ms >= 0, default 0");
  }
  for (uint32_t k = 0; k < nkv; k++) {
    *bad = k;
    if (!strcmp(kv[k].key, "rate")) {
      have_rate = 1;
      if (sim_parse_double(kv[k].value, 0, &p->rate_hz) || !(p->rate_hz >= 0))
        return sim_error_set(SIM_ECONFIG, "expected a rate in Hz >= 0");
      /* Spike counts per tick are 32-bit: a mean above 1e6 per tick (found
         by tests/fuzz/fuzz_config.c at 2e119 Hz) is refused. */
      if (p->rate_hz * h * 1e-3 > 1e6)
        return sim_error_set(SIM_ECONFIG,
                             "expected a rate in Hz >= 0 and at most %g Hz (1e6 spikes "
                             "per tick of %g ms per target)", 1e9 / h, h);
    } else if (!strcmp(kv[k].key, "stop") &&
               (sim_parse_double(kv[k].value, SIM_PARSE_INF, &p->stop_ms) ||
                !(p->stop_ms > p->start_ms))) {
      return sim_error_set(SIM_ECONFIG, "expected a time in ms > start (%g ms) or inf, "
                                        "default inf", p->start_ms);
    }
  }
  if (!have_rate) {
    *bad = nkv;
    *missing = "rate";
    return sim_error_set(SIM_ECONFIG, "required: expected the rate per target in Hz (>= 0)");
  }
  return 0;
}

static double poisson_rate(const void *param) { return ((const nrn_poisson_param *)param)->rate_hz; }

const sim_source_ops nrn_poisson_generator_ops = {
    .name = "poisson_generator",
    .summary = "independent Poisson train per target (rate, Hz; start, stop, ms)",
    .travels = 0,
    .param_size = sizeof(nrn_poisson_param),
    .param_names = param_names,
    .param_parse = poisson_parse,
    .rate_hz = poisson_rate,
    .start = poisson_start,
    .tick = poisson_tick,
    .next = poisson_next,
    .stop = poisson_stop,
    .ckpt = 1,
    .save = poisson_save,
    .load = poisson_load,
    .event_key = poisson_event_key,
    .event_load = poisson_event_load,
};
