/*
 * io_stats.c: one-pass spike-train statistics of a population (io_stats.h
 * has the definitions).
 *
 * Owns, per neuron, its spike count, last spike tick, a running ISI mean
 * and sum of squared deviations (Welford), and the exact integer sums of
 * its bin counts (sum x, sum x^2) with the bin being filled; per bin the
 * population count; for the correlation sample, the pair sums sum x_i x_j
 * (upper triangle), updated when a bin closes from the sampled neurons
 * that fired in it (a sparse list), so memory is O(n + K + pairs^2).
 */
#include "io_stats.h"

#include <math.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"

typedef struct neuron {
  sim_time last;      /* tick of the last spike (valid when spikes > 0) */
  uint64_t spikes;    /* in the window */
  double isi_mean;    /* running mean ISI (ticks) */
  double isi_m2;      /* running sum of squared deviations (ticks^2) */
  uint64_t bin;       /* bin being filled (valid when cnt > 0) */
  uint64_t cnt;       /* spikes in that bin */
  uint64_t s1, s2;    /* closed bins: sum x, sum x^2 */
} neuron;

struct io_stats {
  io_stats_cfg cfg;
  neuron *nr;           /* cfg.n */
  uint64_t *pop;        /* population count per bin, npop (grows) */
  uint64_t npop, popcap;
  uint64_t spikes;
  uint64_t *isi_counts; /* cfg.isi_nbins */
  uint64_t isi_over, isis;
  /* correlation sample */
  uint32_t np;          /* sampled neurons */
  int32_t *slot;        /* cfg.n: sample slot of neuron i, or -1 */
  uint64_t *pair;       /* np * (np - 1) / 2: sum over bins of x_a x_b, a < b */
  uint64_t cbin;        /* bin the sparse list below belongs to */
  uint32_t *touched;    /* slots with spikes in cbin, ntouched of them */
  uint64_t *tcnt;       /* np: their counts in cbin */
  uint32_t ntouched;
};

/* Index of pair (a, b), a < b, in the upper triangle of np slots. */
static uint64_t pair_index(uint32_t np, uint32_t a, uint32_t b)
{
  return (uint64_t)a * (2u * (uint64_t)np - a - 1) / 2 + (b - a - 1);
}

int io_stats_create(const io_stats_cfg *cfg, io_stats **out)
{
  *out = NULL;
  if (cfg->n < 1 || cfg->t0 < 0 || cfg->bin_ticks < 1 || cfg->isi_bin_ticks < 1 ||
      cfg->isi_nbins < 1 || !(cfg->res_ms > 0))
    return sim_error_set(SIM_EINVAL, "statistics: bad configuration (neurons %u, "
                         "start %lld ticks, bin %lld ticks)", cfg->n,
                         (long long)cfg->t0, (long long)cfg->bin_ticks);
  io_stats *s = sim_calloc(1, sizeof *s, "statistics");
  s->cfg = *cfg;
  s->nr = sim_calloc(cfg->n, sizeof *s->nr, "statistics per neuron");
  s->popcap = 64;
  s->pop = sim_calloc(s->popcap, sizeof *s->pop, "statistics per bin");
  s->isi_counts = sim_calloc(cfg->isi_nbins, sizeof *s->isi_counts, "ISI histogram");
  s->np = cfg->pairs < cfg->n ? cfg->pairs : cfg->n;
  s->slot = sim_malloc((size_t)cfg->n * sizeof *s->slot, "correlation slots");
  for (uint32_t i = 0; i < cfg->n; i++)
    s->slot[i] = -1;
  for (uint32_t j = 0; j < s->np; j++)
    s->slot[(uint64_t)j * cfg->n / s->np] = (int32_t)j;
  uint64_t npair = s->np > 1 ? (uint64_t)s->np * (s->np - 1) / 2 : 0;
  s->pair = sim_calloc(npair + 1, sizeof *s->pair, "correlation pair sums");
  s->touched = sim_calloc(s->np + 1u, sizeof *s->touched, "correlation bin list");
  s->tcnt = sim_calloc(s->np + 1u, sizeof *s->tcnt, "correlation bin counts");
  *out = s;
  return 0;
}

/* Add the closed bin cbin's products to the pair sums and clear the list. */
static void close_corr_bin(io_stats *s)
{
  for (uint32_t x = 0; x < s->ntouched; x++) {
    uint32_t a = s->touched[x];
    for (uint32_t y = 0; y < s->ntouched; y++) {
      uint32_t b = s->touched[y];
      if (a < b)
        s->pair[pair_index(s->np, a, b)] += s->tcnt[a] * s->tcnt[b];
    }
  }
  for (uint32_t x = 0; x < s->ntouched; x++)
    s->tcnt[s->touched[x]] = 0;
  s->ntouched = 0;
}

void io_stats_spike(io_stats *s, sim_time tick, uint32_t i)
{
  neuron *q = &s->nr[i];
  s->spikes++;
  if (q->spikes > 0) {
    double isi = (double)(tick - q->last);
    double d = isi - q->isi_mean;
    q->isi_mean += d / (double)q->spikes; /* q->spikes ISIs after this one */
    q->isi_m2 += d * (isi - q->isi_mean);
    uint64_t b = (uint64_t)(tick - q->last) / (uint64_t)s->cfg.isi_bin_ticks;
    if (b < s->cfg.isi_nbins)
      s->isi_counts[b]++;
    else
      s->isi_over++;
    s->isis++;
  }
  q->spikes++;
  q->last = tick;
  uint64_t bin = (uint64_t)(tick - s->cfg.t0) / (uint64_t)s->cfg.bin_ticks;
  if (bin >= s->popcap) {
    uint64_t cap = s->popcap;
    while (cap <= bin)
      cap *= 2;
    s->pop = sim_realloc(s->pop, cap * sizeof *s->pop, "statistics per bin");
    memset(s->pop + s->popcap, 0, (cap - s->popcap) * sizeof *s->pop);
    s->popcap = cap;
  }
  if (bin >= s->npop)
    s->npop = bin + 1;
  s->pop[bin]++;
  if (q->cnt > 0 && q->bin != bin) {
    q->s1 += q->cnt;
    q->s2 += q->cnt * q->cnt;
    q->cnt = 0;
  }
  q->bin = bin;
  q->cnt++;
  int32_t sl = s->slot[i];
  if (sl < 0)
    return;
  if (s->ntouched > 0 && s->cbin != bin)
    close_corr_bin(s);
  s->cbin = bin;
  if (s->tcnt[sl]++ == 0)
    s->touched[s->ntouched++] = (uint32_t)sl;
}

/* Variance numerator K sum x^2 - (sum x)^2 (exact while below 2^53 in
   the products; the sums themselves are exact integers). */
static double var_num(uint64_t k, uint64_t s1, uint64_t s2)
{
  return (double)k * (double)s2 - (double)s1 * (double)s1;
}

void io_stats_finish(io_stats *s, sim_time t1, io_stats_result *r)
{
  const io_stats_cfg *c = &s->cfg;
  memset(r, 0, sizeof *r);
  if (t1 < c->t0)
    t1 = c->t0;
  /* K whole bins; counts in bin K (the trailing partial one) are left out */
  const uint64_t K = (uint64_t)(t1 - c->t0) / (uint64_t)c->bin_ticks;
  if (s->ntouched > 0 && s->cbin >= K) {
    for (uint32_t x = 0; x < s->ntouched; x++)
      s->tcnt[s->touched[x]] = 0;
    s->ntouched = 0;
  }
  close_corr_bin(s);
  const double bin_s = (double)c->bin_ticks * c->res_ms * 1e-3;
  r->neurons = c->n;
  r->spikes = s->spikes;
  r->duration_ms = (double)(t1 - c->t0) * c->res_ms;
  r->rate_hz = r->duration_ms > 0
                   ? (double)s->spikes / ((double)c->n * r->duration_ms * 1e-3)
                   : NAN;
  r->nbins = (uint32_t)K;
  r->bin_ms = (double)c->bin_ticks * c->res_ms;

  /* CV of ISI */
  double cv_sum = 0;
  for (uint32_t i = 0; i < c->n; i++) {
    neuron *q = &s->nr[i];
    if (q->cnt > 0 && q->bin < K) {
      q->s1 += q->cnt;
      q->s2 += q->cnt * q->cnt;
      q->cnt = 0;
    }
    if (q->spikes < IO_STATS_CV_MIN_SPIKES)
      continue;
    r->cv_neurons++;
    cv_sum += sqrt(q->isi_m2 / (double)(q->spikes - 1)) / q->isi_mean;
  }
  r->cv_isi = r->cv_neurons ? cv_sum / r->cv_neurons : NAN;

  /* population count per bin: Fano, rates, histogram */
  if (s->popcap < K + 1) {
    s->pop = sim_realloc(s->pop, (K + 1) * sizeof *s->pop, "statistics per bin");
    memset(s->pop + s->popcap, 0, (K + 1 - s->popcap) * sizeof *s->pop);
    s->popcap = K + 1;
  }
  uint64_t sum = 0, maxc = 0;
  for (uint64_t k = 0; k < K; k++) {
    sum += s->pop[k];
    if (s->pop[k] > maxc)
      maxc = s->pop[k];
  }
  r->binned_spikes = sum;
  double var_c = NAN;
  r->fano = r->chi = r->pop_rate_mean_hz = r->pop_rate_sd_hz = NAN;
  if (K > 0) {
    double mean = (double)sum / (double)K, ss = 0;
    for (uint64_t k = 0; k < K; k++) {
      double d = (double)s->pop[k] - mean;
      ss += d * d;
    }
    var_c = ss / (double)K;
    if (mean > 0)
      r->fano = var_c / mean;
    r->pop_rate_mean_hz = mean / ((double)c->n * bin_s);
    r->pop_rate_sd_hz = sqrt(var_c) / ((double)c->n * bin_s);
    uint64_t w = (maxc + 1 + IO_STATS_RATE_BINS - 1) / IO_STATS_RATE_BINS;
    if (w < 1)
      w = 1;
    r->rate_width = (uint32_t)w;
    r->rate_nbins = (uint32_t)((maxc + w) / w);
    r->rate_counts = sim_calloc(r->rate_nbins, sizeof *r->rate_counts, "rate histogram");
    r->rate_edges_hz = sim_calloc(r->rate_nbins + 1u, sizeof *r->rate_edges_hz,
                                  "rate histogram edges");
    for (uint64_t k = 0; k < K; k++)
      r->rate_counts[s->pop[k] / w]++;
    for (uint32_t j = 0; j <= r->rate_nbins; j++)
      r->rate_edges_hz[j] = (double)(j * w) / ((double)c->n * bin_s);

    /* Golomb's chi: var(c) / (n sum_i var(x_i)); var(x_i) = num_i / K^2 */
    double vsum = 0;
    for (uint32_t i = 0; i < c->n; i++)
      vsum += var_num(K, s->nr[i].s1, s->nr[i].s2);
    vsum /= (double)K * (double)K;
    if (vsum > 0)
      r->chi = sqrt(var_c / ((double)c->n * vsum));
  }

  /* pairwise correlation of the sample */
  r->corr_neurons = s->np;
  r->mean_corr = NAN;
  if (K > 0 && s->np > 1) {
    uint32_t *who = sim_malloc((size_t)s->np * sizeof *who, "correlation sample");
    for (uint32_t i = 0; i < c->n; i++)
      if (s->slot[i] >= 0)
        who[s->slot[i]] = i;
    double rsum = 0;
    for (uint32_t a = 0; a < s->np; a++) {
      const neuron *x = &s->nr[who[a]];
      double va = var_num(K, x->s1, x->s2);
      if (!(va > 0))
        continue;
      for (uint32_t b = a + 1; b < s->np; b++) {
        const neuron *y = &s->nr[who[b]];
        double vb = var_num(K, y->s1, y->s2);
        if (!(vb > 0))
          continue;
        double cov = (double)K * (double)s->pair[pair_index(s->np, a, b)] -
                     (double)x->s1 * (double)y->s1;
        rsum += cov / sqrt(va * vb);
        r->corr_pairs++;
      }
    }
    if (r->corr_pairs)
      r->mean_corr = rsum / (double)r->corr_pairs;
    sim_free(who);
  }

  /* ISI histogram */
  r->isi_bin_ms = (double)c->isi_bin_ticks * c->res_ms;
  r->isi_nbins = c->isi_nbins;
  r->isi_counts = sim_calloc(c->isi_nbins, sizeof *r->isi_counts, "ISI histogram");
  memcpy(r->isi_counts, s->isi_counts, c->isi_nbins * sizeof *r->isi_counts);
  r->isi_over = s->isi_over;
  r->isis = s->isis;
}

void io_stats_result_fini(io_stats_result *r)
{
  sim_free(r->isi_counts);
  sim_free(r->rate_counts);
  sim_free(r->rate_edges_hz);
  r->isi_counts = r->rate_counts = NULL;
  r->rate_edges_hz = NULL;
}

void io_stats_destroy(io_stats *s)
{
  if (!s)
    return;
  sim_free(s->nr);
  sim_free(s->pop);
  sim_free(s->isi_counts);
  sim_free(s->slot);
  sim_free(s->pair);
  sim_free(s->touched);
  sim_free(s->tcnt);
  sim_free(s);
}
