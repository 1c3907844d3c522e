/*
 * capi_ranks.c: a client of include/memspike.h for tests/capi_example.sh,
 * run under mpirun -np 1, 2 and 3: a network with Poisson input, random
 * weights and delays, STDP and an explicit connection list, run in two
 * steps, set weights, reset and run again; it prints a digest of every
 * result the API gathers (spikes, samples, pairs, weights, delays) on
 * rank 0, so that the outputs of all rank counts must be equal.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../include/memspike.h"

static void check(int rc, const char *what)
{
  if (rc != MS_OK) {
    fprintf(stderr, "rank %d: %s: %s\n", ms_rank(), what, ms_error_message());
    exit(1);
  }
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++)
    h = (h ^ b[i]) * 0x100000001b3ULL;
  return h;
}

static void report(ms_sim *sim, const char *when)
{
  size_t n = 0;
  check(ms_rec_spike_count(sim, 0, &n), "count");
  double *t = malloc((n + 1) * sizeof *t);
  uint32_t *g = malloc((n + 1) * sizeof *g);
  check(ms_rec_spikes(sim, 0, t, g, n), "spikes");
  uint64_t hs = fnv(fnv(0xcbf29ce484222325ULL, t, n * sizeof *t), g, n * sizeof *g);
  size_t rows = 0;
  uint32_t ng = 0, nv = 0;
  check(ms_rec_sample_shape(sim, 1, &rows, &ng, &nv), "shape");
  double *rt = malloc((rows + 1) * sizeof *rt), *v = malloc((rows * ng * nv + 1) * sizeof *v);
  check(ms_rec_samples(sim, 1, rt, v, rows), "samples");
  uint64_t hv = fnv(fnv(0xcbf29ce484222325ULL, rt, rows * sizeof *rt), v,
                    rows * ng * nv * sizeof *v);
  uint64_t hw = 0xcbf29ce484222325ULL, total = 0;
  int nproj = 0;
  check(ms_sim_projection_count(sim, &nproj), "projections");
  for (int j = 0; j < nproj; j++) {
    uint64_t m = 0;
    check(ms_proj_size(sim, j, &m), "size");
    uint32_t *pre = malloc((m + 1) * sizeof *pre), *post = malloc((m + 1) * sizeof *post);
    double *w = malloc((m + 1) * sizeof *w), *d = malloc((m + 1) * sizeof *d);
    check(ms_proj_pairs(sim, j, pre, post, m), "pairs");
    check(ms_proj_weights(sim, j, w, m), "weights");
    check(ms_proj_delays(sim, j, d, m), "delays");
    hw = fnv(fnv(fnv(fnv(hw, pre, m * 4), post, m * 4), w, m * 8), d, m * 8);
    total += m;
    free(pre), free(post), free(w), free(d);
  }
  if (ms_rank() == 0)
    printf("%s: %zu spikes %016llx, %zu x %u x %u samples %016llx, %llu synapses %016llx\n",
           when, n, (unsigned long long)hs, rows, ng, nv, (unsigned long long)hv,
           (unsigned long long)total, (unsigned long long)hw);
  free(t), free(g), free(rt), free(v);
}

int main(int argc, char **argv)
{
  check(ms_init(&argc, &argv), "init");
  ms_sim *sim = NULL;
  const char *sk[] = {"seed", "duration"}, *sv[] = {"99", "400"};
  check(ms_sim_create(sk, sv, 2, &sim), "create");
  const char *nk[] = {"tau_m", "t_ref", "E_L", "V_th", "V_reset", "V_m"};
  const char *nv[] = {"20", "2", "0", "20", "0", "uniform(0, 20)"};
  int E, I, P, X, j, r;
  check(ms_sim_add_population(sim, "E", "iaf_psc_delta", 60, nk, nv, 6, &E), "E");
  check(ms_sim_add_population(sim, "I", "iaf_psc_exp", 17, NULL, NULL, 0, &I), "I");
  const char *pk[] = {"rate"}, *pv[] = {"16000"};
  check(ms_sim_add_population(sim, "P", "poisson_generator", 0, pk, pv, 1, &P), "P");
  const char *xk[] = {"spike_times"}, *xv[] = {"5, 10.5, 20"};
  check(ms_sim_add_population(sim, "X", "spike_generator", 4, xk, xv, 1, &X), "X");
  const char *ck[] = {"indegree", "weight", "delay"};
  const char *cv[] = {"6", "normal(0.5, 0.1)", "uniform(1, 3)"};
  check(ms_sim_add_projection(sim, NULL, E, E, "fixed_indegree", ck, cv, 3, &j), "EE");
  const char *sk2[] = {"p", "weight", "delay", "synapse", "Wmax"};
  const char *sv2[] = {"0.3", "50", "1", "stdp_synapse", "300"};
  check(ms_sim_add_projection(sim, NULL, E, I, "pairwise_bernoulli", sk2, sv2, 5, &j), "EI");
  const char *ik[] = {"outdegree", "weight", "delay"}, *iv[] = {"10", "-1.5", "1.5"};
  check(ms_sim_add_projection(sim, NULL, I, E, "fixed_outdegree", ik, iv, 3, &j), "IE");
  const char *ak[] = {"weight", "delay"}, *av[] = {"0.1", "1"};
  check(ms_sim_add_projection(sim, NULL, P, E, "all_to_all", ak, av, 2, &j), "PE");
  const char *av2[] = {"30", "1"};
  check(ms_sim_add_projection(sim, NULL, P, I, "all_to_all", ak, av2, 2, &j), "PI");
  uint32_t pre[] = {0, 3, 1, 3, 2}, post[] = {5, 5, 59, 0, 7};
  double w[] = {5, 6, 7, 8, 9}, d[] = {1.2, 2.4, 1, 1.1, 3};
  check(ms_sim_add_projection_list(sim, NULL, X, E, 5, pre, post, w, d, NULL, NULL, 0, &j),
        "XE");
  check(ms_sim_record(sim, E, "spikes", 0, 0, 0, &r), "record");
  check(ms_sim_record(sim, I, "V_m, I_syn_ex", 0.5, 3, 9, &r), "multimeter");
  check(ms_sim_run(sim, 100), "run");
  check(ms_sim_run(sim, 100), "run");
  report(sim, "run 200");
  uint64_t m = 0;
  check(ms_proj_size(sim, 0, &m), "size");
  double *nw = malloc((m + 1) * sizeof *nw);
  for (uint64_t k = 0; k < m; k++)
    nw[k] = 0.25 * (double)(k % 5);
  check(ms_proj_set_weights(sim, 0, nw, m), "set weights");
  check(ms_sim_run(sim, 100), "run");
  report(sim, "run 300, EE set at 200");
  check(ms_sim_reset(sim), "reset");
  check(ms_sim_run(sim, 200), "run");
  report(sim, "reset, run 200");
  free(nw);
  ms_sim_destroy(sim);
  ms_finalize();
  return 0;
}
