/*
 * sim_rng.h: pcg32 (O'Neill 2014, XSH-RR output on a 64-bit LCG) and the
 * distributions the simulator draws from.
 *
 * Determinism rule: every draw comes from a stream keyed by
 * (seed, global id, purpose), never from a per-rank or global stream, so a
 * network gives the same numbers whatever the number of ranks.
 */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <stdint.h>

typedef struct sim_rng {
  uint64_t state; /* LCG state */
  uint64_t inc;   /* stream increment, always odd */
} sim_rng;

/* What a stream is for: part of the key, so that e.g. the connectivity and
   the weights of one target never share numbers. */
enum sim_rng_purpose {
  SIM_RNG_INIT = 1,      /* initial neuron state */
  SIM_RNG_CONNECT = 2,   /* which sources/targets (per target or source) */
  SIM_RNG_WEIGHT = 3,    /* synaptic weights */
  SIM_RNG_DELAY = 4,     /* synaptic delays */
  SIM_RNG_POISSON = 5,   /* Poisson generator train towards one target */
  SIM_RNG_DEVICE = 6,    /* device-to-device variation */
  SIM_RNG_PULSE = 7,     /* cycle-to-cycle write noise */
  SIM_RNG_READ = 8,      /* read noise */
  SIM_RNG_SPLIT = 9      /* a total synapse count split over the targets
                            (fixed_total_number), keyed by the target
                            population's first gid */
};

/* The reference seeding of pcg32_srandom_r(initstate, initseq). */
void sim_rng_seed(sim_rng *rng, uint64_t initstate, uint64_t initseq);

/* Stream keyed by (seed, gid, purpose, sub): sub tells apart several
   streams of one purpose on the same gid (e.g. the projection index). */
void sim_rng_stream(sim_rng *rng, uint64_t seed, uint64_t gid, uint32_t purpose,
                    uint32_t sub);

/* The keyed hash behind every stream: splitmix64's mixer, and its chain
   over three or four words.  Stateless draws (device variation, pulse
   noise) use sim_hash4 keys; streams use sim_hash3 (sim_rng_stream). */
uint64_t sim_mix64(uint64_t z);
uint64_t sim_hash3(uint64_t a, uint64_t b, uint64_t c);
uint64_t sim_hash4(uint64_t a, uint64_t b, uint64_t c, uint64_t d);

/* A hash value mapped to [0, 1): its top 53 bits. */
static inline double sim_hash_u01(uint64_t h)
{
  return (double)(h >> 11) * (1.0 / 9007199254740992.0);
}

/* Next 32 random bits. */
static inline uint32_t sim_rng_u32(sim_rng *rng)
{
  uint64_t old = rng->state;
  rng->state = old * 6364136223846793005ULL + rng->inc;
  uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
  uint32_t rot = (uint32_t)(old >> 59u);
  return (xorshifted >> rot) | (xorshifted << ((-rot) & 31u));
}

/* Uniform in [0, 1) with 53 random bits (two draws). */
/* One 32-bit draw from each of n streams: u[i] = sim_rng_u32(&rng[i]).
   The streams are independent, so the loop runs several of them per
   vector instruction (an AVX2 clone picked at load time); the values are
   those of the scalar step. */
void sim_rng_u32_each(sim_rng *restrict rng, uint32_t *restrict u, uint32_t n);

static inline double sim_rng_uniform(sim_rng *rng)
{
  uint64_t hi = sim_rng_u32(rng) >> 5, lo = sim_rng_u32(rng) >> 6;
  return (double)((hi << 26) | lo) * (1.0 / 9007199254740992.0);
}

/* Uniform in (0, 1): never 0, for logarithms. */
static inline double sim_rng_open01(sim_rng *rng)
{
  return ((double)sim_rng_u32(rng) + 0.5) * (1.0 / 4294967296.0);
}

/* Unbiased integer in [0, bound), bound >= 1 (Lemire's multiply-shift with
   rejection). */
uint32_t sim_rng_below(sim_rng *rng, uint32_t bound);

/* N(0, 1): a 128-layer ziggurat (sim_rng.c), two 32-bit draws per try. */
double sim_rng_normal(sim_rng *rng);
double sim_rng_exponential(sim_rng *rng);            /* mean 1 */
uint32_t sim_rng_poisson(sim_rng *rng, double mean); /* mean >= 0 */
/* Binomial(n, p), p in [0, 1]: exact.  Inversion when n min(p, 1-p) < 30,
   otherwise Devroye's recursive split on the median order statistic
   (a Beta variate from two Marsaglia-Tsang gammas), which halves n per
   level.  A fixed stream gives a fixed value (no state kept between
   calls). */
uint64_t sim_rng_binomial(sim_rng *rng, uint64_t n, double p);
/* Gamma(shape a > 0, scale 1) (Marsaglia & Tsang 2000). */
double sim_rng_gamma(sim_rng *rng, double a);

/* Number of failures before the first success, success probability p in
   (0, 1]; saturates at UINT64_MAX / 2 for tiny p. */
uint64_t sim_rng_geometric(sim_rng *rng, double p);

/* Inversion table for a small discrete distribution: draws k with
   probability pmf[k] using one 32-bit draw and a short linear scan.  When
   the given probabilities sum to 1 (to 2^-32), the last entry takes the
   rounding remainder and a draw never fails; otherwise a draw beyond the
   table returns -1 and the caller samples the tail exactly.  A guide
   table (Chen & Asau 1974) on the draw's top SIM_CDF_GUIDE_BITS bits
   starts the scan at the first entry the draw can select, so the scan
   usually stops at once (no branch to mispredict per value of k); the
   value drawn is the same as the plain scan's. */
#define SIM_CDF_MAX 64
#define SIM_CDF_GUIDE_BITS 8
typedef struct sim_cdf_table {
  uint64_t cdf[SIM_CDF_MAX]; /* P(X <= k) * 2^32 */
  int n;                     /* entries used */
  /* guide[b]: the first k < n with cdf[k] > b * 2^(32 - GUIDE_BITS), else
     n: a draw u with top bits b is below no cdf[k] with k < guide[b]. */
  uint8_t guide[1u << SIM_CDF_GUIDE_BITS];
} sim_cdf_table;

void sim_cdf_table_init(sim_cdf_table *tab, const double *pmf, int n);

/* The value of the table's law for the 32-bit draw u, or -1 when u falls
   beyond the table (its law has mass past SIM_CDF_MAX entries). */
static inline int sim_cdf_table_find(const sim_cdf_table *tab, uint32_t u)
{
  const uint64_t x = u;
  int k = tab->guide[x >> (32 - SIM_CDF_GUIDE_BITS)];
  while (k < tab->n && x >= tab->cdf[k])
    k++;
  return k < tab->n ? k : -1;
}

static inline int sim_cdf_table_draw(const sim_cdf_table *tab, sim_rng *rng)
{
  return sim_cdf_table_find(tab, sim_rng_u32(rng));
}

#endif
