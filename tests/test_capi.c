/*
 * test_capi.c: the public C API (include/memspike.h).  A network built
 * through the API gives the spikes of the same network read from a config
 * file; runs continued on the window grid give one run's spikes and
 * samples; a reset reproduces the first run; weights set are read back
 * (float32 static, double plastic) and survive a reset; a bad model, key
 * or value gets MS_ECONFIG with the config reader's message and adds
 * nothing; initial values per neuron reach the state; parameters are read
 * and set, and refused between runs where they cannot apply.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../include/memspike.h"
#include "fixture_config.h"
#include "test_suites.h"

#define NE 80
#define NI 20

static const char net_ini[] =
    "[simulation]\nduration = 200\nresolution = 0.1\nseed = 7\n"
    "[population E]\nmodel = iaf_psc_delta\nn = 80\ntau_m = 20\nt_ref = 2\nE_L = 0\n"
    "V_th = 20\nV_reset = 0\nV_m = uniform(0, 20)\n"
    "[population I]\nmodel = iaf_psc_delta\nn = 20\ntau_m = 20\nt_ref = 2\nE_L = 0\n"
    "V_th = 20\nV_reset = 0\nV_m = uniform(0, 20)\n"
    "[population noise]\nmodel = poisson_generator\nrate = 15000\n"
    "[projection EE]\nsource = E\ntarget = E\nrule = fixed_indegree\nindegree = 8\n"
    "weight = 0.5\ndelay = 1.5\n"
    "[projection EI]\nsource = E\ntarget = I\nrule = fixed_indegree\nindegree = 8\n"
    "weight = uniform(0.3, 0.7)\ndelay = 1.5\n"
    "[projection IE]\nsource = I\ntarget = E\nrule = fixed_indegree\nindegree = 2\n"
    "weight = -2.5\ndelay = uniform(1, 2)\n"
    "[projection noiseE]\nsource = noise\ntarget = E\nrule = all_to_all\nweight = 0.1\n"
    "delay = 1\n"
    "[projection noiseI]\nsource = noise\ntarget = I\nrule = all_to_all\nweight = 0.1\n"
    "delay = 1\n"
    "[projection plastic]\nsource = E\ntarget = I\nrule = pairwise_bernoulli\np = 0.2\n"
    "weight = 0.2\ndelay = 1\nsynapse = stdp_synapse\nWmax = 1\n"
    "[record spk]\npopulation = E\nkind = spike_recorder\n"
    "[record spkI]\npopulation = I\nkind = spike_recorder\n"
    "[record vm]\npopulation = E\nkind = multimeter\nvariables = V_m\ninterval = 1\n"
    "neurons = 0:5\n";

#define KV(...) (const char *const[]){__VA_ARGS__}

/* The network of net_ini through the API; NULL on failure. */
static ms_sim *build_api(void)
{
  ms_sim *sim = NULL;
  int rc;
  const char *sk[] = {"duration", "resolution", "seed"}, *sv[] = {"200", "0.1", "7"};
  if (ms_sim_create(sk, sv, 3, &sim)) {
    CHECK(0, "create: %s", ms_error_message());
    return NULL;
  }
  const char *nk[] = {"tau_m", "t_ref", "E_L", "V_th", "V_reset", "V_m"};
  const char *nv[] = {"20", "2", "0", "20", "0", "uniform(0, 20)"};
  int e, i, noise, j, r;
  rc = ms_sim_add_population(sim, "E", "iaf_psc_delta", NE, nk, nv, 6, &e);
  rc |= ms_sim_add_population(sim, "I", "iaf_psc_delta", NI, nk, nv, 6, &i);
  const char *rk[] = {"rate"}, *rv[] = {"15000"};
  rc |= ms_sim_add_population(sim, "noise", "poisson_generator", 0, rk, rv, 1, &noise);
  const char *pk[] = {"indegree", "weight", "delay"};
  rc |= ms_sim_add_projection(sim, "EE", e, e, "fixed_indegree", pk,
                              (const char *[]){"8", "0.5", "1.5"}, 3, &j);
  rc |= ms_sim_add_projection(sim, "EI", e, i, "fixed_indegree", pk,
                              (const char *[]){"8", "uniform(0.3, 0.7)", "1.5"}, 3, &j);
  rc |= ms_sim_add_projection(sim, "IE", i, e, "fixed_indegree", pk,
                              (const char *[]){"2", "-2.5", "uniform(1, 2)"}, 3, &j);
  const char *ak[] = {"weight", "delay"}, *av[] = {"0.1", "1"};
  rc |= ms_sim_add_projection(sim, "noiseE", noise, e, "all_to_all", ak, av, 2, &j);
  rc |= ms_sim_add_projection(sim, "noiseI", noise, i, "all_to_all", ak, av, 2, &j);
  const char *sk2[] = {"p", "weight", "delay", "synapse", "Wmax"};
  const char *sv2[] = {"0.2", "0.2", "1", "stdp_synapse", "1"};
  rc |= ms_sim_add_projection(sim, "plastic", e, i, "pairwise_bernoulli", sk2, sv2, 5, &j);
  rc |= ms_sim_record(sim, e, "spikes", 0, 0, 0, &r);
  rc |= ms_sim_record(sim, i, "spikes", 0, 0, 0, &r);
  rc |= ms_sim_record(sim, e, "V_m", 1, 0, 5, &r);
  if (rc) {
    CHECK(0, "build: %s", ms_error_message());
    ms_sim_destroy(sim);
    return NULL;
  }
  CU_ASSERT_EQUAL(j, 5);
  CU_ASSERT_EQUAL(r, 2);
  return sim;
}

typedef struct spikes {
  size_t n;
  double *t;
  uint32_t *g;
} spikes;

static spikes get_spikes(const ms_sim *sim, int rec)
{
  spikes s = {0, NULL, NULL};
  CU_ASSERT_EQUAL_FATAL(ms_rec_spike_count(sim, rec, &s.n), MS_OK);
  s.t = malloc((s.n + 1) * sizeof *s.t);
  s.g = malloc((s.n + 1) * sizeof *s.g);
  CU_ASSERT_EQUAL(ms_rec_spikes(sim, rec, s.t, s.g, s.n), MS_OK);
  return s;
}

static int same_spikes(const spikes *a, const spikes *b)
{
  return a->n == b->n && !memcmp(a->t, b->t, a->n * sizeof *a->t) &&
         !memcmp(a->g, b->g, a->n * sizeof *a->g);
}

static void free_spikes(spikes *s)
{
  free(s->t);
  free(s->g);
}

/* Sample rows of record rec: *rows, values (caller frees). */
static double *get_samples(const ms_sim *sim, int rec, size_t *rows, double **t)
{
  uint32_t ng = 0, nv = 0;
  CU_ASSERT_EQUAL(ms_rec_sample_shape(sim, rec, rows, &ng, &nv), MS_OK);
  double *v = malloc((*rows * ng * nv + 1) * sizeof *v);
  *t = malloc((*rows + 1) * sizeof **t);
  CU_ASSERT_EQUAL(ms_rec_samples(sim, rec, *t, v, *rows), MS_OK);
  return v;
}

/* The API network and the config file give the same spikes. */
static void test_api_equals_config(void)
{
  const char *path = cf_write_text("capi_net.ini", net_ini, strlen(net_ini));
  ms_sim *file = NULL, *api = build_api();
  CU_ASSERT_EQUAL_FATAL(ms_sim_load_config(path, NULL, 0, &file), MS_OK);
  CU_ASSERT_PTR_NOT_NULL_FATAL(api);
  CU_ASSERT_EQUAL(ms_sim_run(file, 200), MS_OK);
  CU_ASSERT_EQUAL(ms_sim_run(api, 200), MS_OK);
  for (int rec = 0; rec < 2; rec++) {
    spikes a = get_spikes(file, rec), b = get_spikes(api, rec);
    CHECK(a.n > 100, "record %d: %zu spikes (expected a busy network)", rec, a.n);
    CHECK(same_spikes(&a, &b), "record %d: config %zu spikes, API %zu", rec, a.n, b.n);
    for (size_t k = 1; k < a.n; k++)
      CU_ASSERT(a.t[k - 1] < a.t[k] || (a.t[k - 1] == a.t[k] && a.g[k - 1] <= a.g[k]));
    uint32_t g0 = 0;
    ms_pop_first_gid(api, rec, &g0);
    for (size_t k = 0; k < b.n; k++)
      CU_ASSERT(b.g[k] >= g0 && b.g[k] < g0 + (rec ? NI : NE));
    free_spikes(&a);
    free_spikes(&b);
  }
  size_t ra = 0, rb = 0;
  double *ta, *tb, *va = get_samples(file, 2, &ra, &ta), *vb = get_samples(api, 2, &rb, &tb);
  CHECK(ra == rb && ra >= 199 && !memcmp(va, vb, ra * 5 * sizeof *va), "samples: %zu vs %zu",
        ra, rb);
  free(va), free(vb), free(ta), free(tb);
  double md = 0;
  CU_ASSERT_EQUAL(ms_sim_min_delay(api, &md), MS_OK);
  CU_ASSERT_DOUBLE_EQUAL(md, 1.0, 1e-12);
  ms_sim_destroy(file);
  ms_sim_destroy(api);
}

/* run(100); run(60); run_until(200) is run(200); reset gives it again. */
static void test_continue_and_reset(void)
{
  ms_sim *one = build_api(), *steps = build_api();
  CU_ASSERT_PTR_NOT_NULL_FATAL(one);
  CU_ASSERT_PTR_NOT_NULL_FATAL(steps);
  CU_ASSERT_EQUAL(ms_sim_run(one, 200), MS_OK);
  CU_ASSERT_EQUAL(ms_sim_run(steps, 100), MS_OK);
  CU_ASSERT_EQUAL(ms_sim_run(steps, 60), MS_OK);
  CU_ASSERT_EQUAL(ms_sim_run_until(steps, 200), MS_OK);
  double t = 0;
  ms_sim_time(steps, &t);
  CU_ASSERT_DOUBLE_EQUAL(t, 200, 1e-9);
  spikes a = get_spikes(one, 0), b = get_spikes(steps, 0);
  CHECK(a.n > 100 && same_spikes(&a, &b), "one run %zu spikes, in steps %zu", a.n, b.n);
  size_t ra = 0, rb = 0;
  double *ta, *tb, *va = get_samples(one, 2, &ra, &ta), *vb = get_samples(steps, 2, &rb, &tb);
  CHECK(ra == rb && !memcmp(va, vb, ra * 5 * sizeof *va) && !memcmp(ta, tb, ra * sizeof *ta),
        "samples: %zu rows vs %zu", ra, rb);
  free(va), free(vb), free(ta), free(tb);
  /* The plastic weights moved; a reset puts them back and the run
     repeats. */
  uint64_t nsyn = 0;
  CU_ASSERT_EQUAL(ms_proj_size(one, 5, &nsyn), MS_OK);
  double *w = malloc(nsyn * sizeof *w);
  CU_ASSERT_EQUAL(ms_proj_weights(one, 5, w, nsyn), MS_OK);
  int moved = 0;
  for (uint64_t k = 0; k < nsyn; k++)
    moved |= fabs(w[k] - (double)0.2f) > 1e-9;
  CHECK(moved, "STDP changed no weight of %llu", (unsigned long long)nsyn);
  CU_ASSERT_EQUAL(ms_sim_reset(one), MS_OK);
  ms_sim_time(one, &t);
  CU_ASSERT_EQUAL(t, 0);
  size_t n0 = 1;
  CU_ASSERT_EQUAL(ms_rec_spike_count(one, 0, &n0), MS_OK);
  CU_ASSERT_EQUAL(n0, 0);
  CU_ASSERT_EQUAL(ms_sim_run(one, 200), MS_OK);
  spikes c = get_spikes(one, 0);
  CHECK(same_spikes(&a, &c), "after reset %zu spikes, first run %zu", c.n, a.n);
  free_spikes(&a), free_spikes(&b), free_spikes(&c);
  free(w);
  /* Past the horizon (200 ms), and not whole ticks. */
  CU_ASSERT_EQUAL(ms_sim_run(one, 0.1), MS_ERANGE);
  CU_ASSERT(strstr(ms_error_message(), "horizon") != NULL);
  CU_ASSERT_EQUAL(ms_sim_run(steps, 0.05), MS_EINVAL);
  ms_sim_destroy(one);
  ms_sim_destroy(steps);
}

/* Weights in connection order: set, read back, kept over a reset. */
static void test_weights(void)
{
  ms_sim *sim = build_api();
  CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
  uint64_t n = 0;
  CU_ASSERT_EQUAL(ms_proj_size(sim, 0, &n), MS_OK);
  CU_ASSERT_EQUAL(n, NE * 8);
  uint32_t *pre = malloc(n * sizeof *pre), *post = malloc(n * sizeof *post);
  double *w = malloc(n * sizeof *w), *back = malloc(n * sizeof *back);
  CU_ASSERT_EQUAL(ms_proj_pairs(sim, 0, pre, post, n), MS_OK);
  for (uint64_t k = 1; k < n; k++)
    CU_ASSERT(pre[k - 1] < pre[k] || (pre[k - 1] == pre[k] && post[k - 1] <= post[k]));
  CU_ASSERT_EQUAL(ms_proj_weights(sim, 0, w, n), MS_OK);
  for (uint64_t k = 0; k < n; k++)
    CU_ASSERT_EQUAL(w[k], 0.5);
  /* Static: per-synapse float32 weights (k / 64 is exact in float). */
  for (uint64_t k = 0; k < n; k++)
    w[k] = (double)(k % 97) / 64.0;
  CU_ASSERT_EQUAL(ms_proj_set_weights(sim, 0, w, n), MS_OK);
  CU_ASSERT_EQUAL(ms_proj_weights(sim, 0, back, n), MS_OK);
  CU_ASSERT(!memcmp(w, back, n * sizeof *w));
  CU_ASSERT_EQUAL(ms_proj_set_weights(sim, 0, w, n - 1), MS_EINVAL);
  /* Plastic: doubles. */
  uint64_t np = 0;
  CU_ASSERT_EQUAL(ms_proj_size(sim, 5, &np), MS_OK);
  double *wp = malloc(np * sizeof *wp), *bp = malloc(np * sizeof *bp);
  for (uint64_t k = 0; k < np; k++)
    wp[k] = 0.1 + 1e-6 * (double)k;
  CU_ASSERT_EQUAL(ms_proj_set_weights(sim, 5, wp, np), MS_OK);
  CU_ASSERT_EQUAL(ms_proj_weights(sim, 5, bp, np), MS_OK);
  CU_ASSERT(!memcmp(wp, bp, np * sizeof *wp));
  /* A run, a reset: the weights set are there again. */
  CU_ASSERT_EQUAL(ms_sim_run(sim, 50), MS_OK);
  CU_ASSERT_EQUAL(ms_sim_reset(sim), MS_OK);
  CU_ASSERT_EQUAL(ms_proj_weights(sim, 0, back, n), MS_OK);
  CU_ASSERT(!memcmp(w, back, n * sizeof *w));
  CU_ASSERT_EQUAL(ms_proj_weights(sim, 5, bp, np), MS_OK);
  CU_ASSERT(!memcmp(wp, bp, np * sizeof *wp));
  /* One value for all. */
  double one = -0.25;
  CU_ASSERT_EQUAL(ms_proj_set_weights(sim, 2, &one, 1), MS_OK);
  uint64_t ni = 0;
  ms_proj_size(sim, 2, &ni);
  double *wi = malloc(ni * sizeof *wi), *d = malloc(ni * sizeof *d);
  CU_ASSERT_EQUAL(ms_proj_weights(sim, 2, wi, ni), MS_OK);
  CU_ASSERT_EQUAL(ms_proj_delays(sim, 2, d, ni), MS_OK);
  for (uint64_t k = 0; k < ni; k++) {
    CU_ASSERT_EQUAL(wi[k], -0.25);
    CU_ASSERT(d[k] >= 1 - 1e-9 && d[k] <= 2 + 1e-9);
  }
  free(pre), free(post), free(w), free(back), free(wp), free(bp), free(wi), free(d);
  ms_sim_destroy(sim);
}

/* The message a config file gets for text, without its "FILE:LINE: ". */
static void config_message(const char *text, char *out, size_t n)
{
  const char *path = cf_write_text("capi_bad.ini", text, strlen(text));
  ms_sim *s = NULL;
  CU_ASSERT_EQUAL(ms_sim_load_config(path, NULL, 0, &s), MS_ECONFIG);
  const char *m = strchr(ms_error_message(), '[');
  snprintf(out, n, "%s", m ? m : ms_error_message());
  ms_sim_destroy(s);
}

/* A bad model, key or value: MS_ECONFIG, the config's message, nothing
   added. */
static void test_errors(void)
{
  ms_sim *sim = NULL;
  CU_ASSERT_EQUAL_FATAL(ms_sim_create(NULL, NULL, 0, &sim), MS_OK);
  int p = -1, np = 0;
  char want[600];
  static const struct {
    const char *model, *key, *value, *ini;
  } bad[] = {
      {"iaf_nope", NULL, NULL, "model = iaf_nope\nn = 3\n"},
      {"iaf_psc_delta", "tau_x", "3", "model = iaf_psc_delta\nn = 3\ntau_x = 3\n"},
      {"iaf_psc_delta", "tau_m", "-1", "model = iaf_psc_delta\nn = 3\ntau_m = -1\n"},
      {"iaf_psc_delta", "V_m", "normal(1)", "model = iaf_psc_delta\nn = 3\nV_m = normal(1)\n"},
      {"iaf_psc_delta", "V_reset", "30", "model = iaf_psc_delta\nn = 3\nV_reset = 30\n"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char ini[512];
    snprintf(ini, sizeof ini, "[simulation]\nduration = 10\n[population P]\n%s", bad[i].ini);
    config_message(ini, want, sizeof want);
    int rc = ms_sim_add_population(sim, "P", bad[i].model, 3, &bad[i].key, &bad[i].value,
                                   bad[i].key ? 1 : 0, &p);
    CU_ASSERT_EQUAL(rc, MS_ECONFIG);
    CU_ASSERT_EQUAL(ms_error_code(), MS_ECONFIG);
    CHECK(!strcmp(ms_error_message(), want), "case %zu: API '%s', config '%s'", i,
          ms_error_message(), want);
    CU_ASSERT_EQUAL(ms_sim_population_count(sim, &np), MS_OK);
    CU_ASSERT_EQUAL(np, 0);
  }
  CU_ASSERT_EQUAL(ms_sim_add_population(sim, "P", "iaf_psc_delta", 3, NULL, NULL, 0, &p), MS_OK);
  CU_ASSERT_EQUAL(p, 0);
  /* A name used twice, a bad rule, a record of an unknown variable. */
  CU_ASSERT_EQUAL(ms_sim_add_population(sim, "P", "iaf_psc_delta", 3, NULL, NULL, 0, &p),
                  MS_ECONFIG);
  CU_ASSERT(strstr(ms_error_message(), "already used") != NULL);
  CU_ASSERT_EQUAL(ms_sim_add_projection(sim, NULL, 0, 0, "all_to_none",
                                        KV("weight", "delay"), KV("1", "1"), 2, &p), MS_ECONFIG);
  CU_ASSERT(strstr(ms_error_message(), "[projection proj0] key 'rule'") != NULL);
  CU_ASSERT_EQUAL(ms_sim_record(sim, 0, "U_m", 1, 0, 0, &p), MS_ECONFIG);
  CU_ASSERT(strstr(ms_error_message(), "'variables'") != NULL);
  CU_ASSERT_EQUAL(ms_sim_add_projection(sim, NULL, 0, 7, "all_to_all", NULL, NULL, 0, &p),
                  MS_EINVAL);
  CU_ASSERT_EQUAL(ms_pop_size(sim, 3, NULL), MS_EINVAL);
  CU_ASSERT_EQUAL(ms_sim_run(NULL, 1), MS_EINVAL);
  CU_ASSERT_STRING_EQUAL(ms_strerror(MS_ECONFIG), "configuration error");
  CU_ASSERT_STRING_EQUAL(ms_version(), MS_VERSION);
  /* A bad [simulation] key. */
  ms_sim *s2 = NULL;
  CU_ASSERT_EQUAL(ms_sim_create(KV("resolution"), KV("-1"), 1, &s2), MS_ECONFIG);
  CU_ASSERT(strstr(ms_error_message(), "[simulation] key 'resolution'") != NULL);
  CU_ASSERT_PTR_NULL(s2);
  CU_ASSERT_EQUAL(ms_sim_create(KV("min_delay"), KV("0.05"), 1, &s2), MS_ECONFIG);
  CU_ASSERT(strstr(ms_error_message(), "'min_delay'") != NULL);
  /* Built: no further sections. */
  CU_ASSERT_EQUAL(ms_sim_run(sim, 1), MS_OK);
  CU_ASSERT_EQUAL(ms_sim_add_population(sim, "Q", "iaf_psc_delta", 3, NULL, NULL, 0, &p),
                  MS_ESTATE);
  ms_sim_destroy(sim);
}

/* Initial values per neuron reach the state; parameters read and set. */
static void test_initial_and_params(void)
{
  ms_sim *sim = NULL;
  CU_ASSERT_EQUAL_FATAL(ms_sim_create(KV("duration"), KV("50"), 1, &sim), MS_OK);
  int p = -1, q = -1, r = -1;
  CU_ASSERT_EQUAL(ms_sim_add_population(sim, "P", "iaf_psc_delta", 4, KV("E_L", "V_th"),
                                        KV("0", "100"), 2, &p), MS_OK);
  CU_ASSERT_EQUAL(ms_sim_add_population(sim, "Z", "izhikevich", 2, NULL, NULL, 0, &q), MS_OK);
  CU_ASSERT_EQUAL(ms_sim_record(sim, p, "V_m", 0.1, 0, 0, &r), MS_OK);
  double v0[4] = {1, 2, 3, 4};
  CU_ASSERT_EQUAL(ms_pop_set_initial(sim, p, "V_m", v0, 4), MS_OK);
  CU_ASSERT_EQUAL(ms_pop_set_initial(sim, p, "V_m", v0, 3), MS_EINVAL);
  CU_ASSERT_EQUAL(ms_pop_set_initial(sim, p, "U_m", v0, 1), MS_EINVAL);
  double x = 0;
  CU_ASSERT_EQUAL(ms_pop_get_param(sim, p, "tau_m", &x), MS_OK);
  CU_ASSERT_EQUAL(x, 10); /* NEST's default */
  CU_ASSERT_EQUAL(ms_pop_get_param(sim, p, "V_th", &x), MS_OK);
  CU_ASSERT_EQUAL(x, 100);
  CU_ASSERT_EQUAL(ms_pop_set_param(sim, p, "tau_m", "20"), MS_OK);
  CU_ASSERT_EQUAL(ms_pop_get_param(sim, p, "tau_m", &x), MS_OK);
  CU_ASSERT_EQUAL(x, 20);
  CU_ASSERT_EQUAL(ms_pop_set_param(sim, p, "tau_m", "-3"), MS_ECONFIG);
  CU_ASSERT(strstr(ms_error_message(), "[population P] key 'tau_m'") != NULL);
  CU_ASSERT_EQUAL(ms_pop_get_param(sim, p, "tau_m", &x), MS_OK);
  CU_ASSERT_EQUAL(x, 20);
  CU_ASSERT_EQUAL(ms_sim_run(sim, 10), MS_OK);
  size_t rows = 0;
  double *t, *v = get_samples(sim, r, &rows, &t);
  CU_ASSERT_FATAL(rows > 0);
  /* No input: V_m = V0 exp(-t / tau_m), tau_m = 20 as set. */
  for (int i = 0; i < 4; i++)
    CHECK(fabs(v[i] - v0[i] * exp(-t[0] / 20)) < 1e-9, "neuron %d: V_m %.12g at %g ms", i,
          v[i], t[0]);
  free(v), free(t);
  /* Between runs: a per-tick model takes new values, an event-driven one
     refuses. */
  CU_ASSERT_EQUAL(ms_pop_set_param(sim, q, "I_e", "5"), MS_OK);
  CU_ASSERT_EQUAL(ms_pop_get_param(sim, q, "I_e", &x), MS_OK);
  CU_ASSERT_EQUAL(x, 5);
  CU_ASSERT_EQUAL(ms_pop_set_param(sim, p, "tau_m", "30"), MS_ESTATE);
  CU_ASSERT_EQUAL(ms_pop_set_initial(sim, p, "V_m", v0, 1), MS_ESTATE);
  CU_ASSERT_EQUAL(ms_sim_run(sim, 10), MS_OK);
  CU_ASSERT_EQUAL(ms_sim_reset(sim), MS_OK);
  CU_ASSERT_EQUAL(ms_pop_set_param(sim, p, "tau_m", "30"), MS_OK);
  uint32_t n = 0, g = 0;
  CU_ASSERT_EQUAL(ms_pop_size(sim, q, &n), MS_OK);
  CU_ASSERT_EQUAL(ms_pop_first_gid(sim, q, &g), MS_OK);
  CU_ASSERT(n == 2 && g == 4);
  const char *model = NULL;
  CU_ASSERT_EQUAL(ms_pop_model(sim, q, &model), MS_OK);
  CU_ASSERT_STRING_EQUAL(model, "izhikevich");
  int found = -1;
  CU_ASSERT_EQUAL(ms_sim_find_population(sim, "Z", &found), MS_OK);
  CU_ASSERT_EQUAL(found, q);
  ms_sim_destroy(sim);
}

/* Explicit connections: the pairs, weights and delays come back in
   connection order, and a list of E -> E pairs that is the config's
   projection gives its spikes. */
static void test_from_list(void)
{
  ms_sim *ref = build_api(), *sim = NULL;
  CU_ASSERT_PTR_NOT_NULL_FATAL(ref);
  uint64_t n = 0;
  CU_ASSERT_EQUAL(ms_proj_size(ref, 0, &n), MS_OK);
  uint32_t *pre = malloc(n * sizeof *pre), *post = malloc(n * sizeof *post);
  CU_ASSERT_EQUAL(ms_proj_pairs(ref, 0, pre, post, n), MS_OK);
  /* The same network with EE as a list, given in reverse order. */
  const char *sk[] = {"duration", "resolution", "seed"}, *sv[] = {"200", "0.1", "7"};
  CU_ASSERT_EQUAL_FATAL(ms_sim_create(sk, sv, 3, &sim), MS_OK);
  const char *nk[] = {"tau_m", "t_ref", "E_L", "V_th", "V_reset", "V_m"};
  const char *nv[] = {"20", "2", "0", "20", "0", "uniform(0, 20)"};
  int e, i, noise, j, r, rc;
  rc = ms_sim_add_population(sim, "E", "iaf_psc_delta", NE, nk, nv, 6, &e);
  rc |= ms_sim_add_population(sim, "I", "iaf_psc_delta", NI, nk, nv, 6, &i);
  rc |= ms_sim_add_population(sim, "noise", "poisson_generator", 0, KV("rate"), KV("15000"), 1,
                              &noise);
  uint32_t *lp = malloc(n * sizeof *lp), *lq = malloc(n * sizeof *lq);
  double *lw = malloc(n * sizeof *lw), *ld = malloc(n * sizeof *ld);
  for (uint64_t k = 0; k < n; k++) {
    lp[k] = pre[n - 1 - k];
    lq[k] = post[n - 1 - k];
    lw[k] = 0.5;
    ld[k] = 1.5;
  }
  rc |= ms_sim_add_projection_list(sim, "EE", e, e, n, lp, lq, lw, ld, NULL, NULL, 0, &j);
  CU_ASSERT_EQUAL(j, 0);
  const char *pk[] = {"indegree", "weight", "delay"};
  rc |= ms_sim_add_projection(sim, "EI", e, i, "fixed_indegree", pk,
                              (const char *[]){"8", "uniform(0.3, 0.7)", "1.5"}, 3, &j);
  rc |= ms_sim_add_projection(sim, "IE", i, e, "fixed_indegree", pk,
                              (const char *[]){"2", "-2.5", "uniform(1, 2)"}, 3, &j);
  rc |= ms_sim_add_projection(sim, "noiseE", noise, e, "all_to_all", KV("weight", "delay"),
                              KV("0.1", "1"), 2, &j);
  rc |= ms_sim_add_projection(sim, "noiseI", noise, i, "all_to_all", KV("weight", "delay"),
                              KV("0.1", "1"), 2, &j);
  rc |= ms_sim_add_projection(sim, "plastic", e, i, "pairwise_bernoulli",
                              KV("p", "weight", "delay", "synapse", "Wmax"),
                              KV("0.2", "0.2", "1", "stdp_synapse", "1"), 5, &j);
  rc |= ms_sim_record(sim, e, "spikes", 0, 0, 0, &r);
  CHECK(rc == 0, "list network: %s", ms_error_message());
  uint64_t m = 0;
  CU_ASSERT_EQUAL(ms_proj_size(sim, 0, &m), MS_OK);
  CU_ASSERT_EQUAL(m, n);
  uint32_t *p2 = malloc(n * sizeof *p2), *q2 = malloc(n * sizeof *q2);
  CU_ASSERT_EQUAL(ms_proj_pairs(sim, 0, p2, q2, n), MS_OK);
  CU_ASSERT(!memcmp(pre, p2, n * sizeof *pre) && !memcmp(post, q2, n * sizeof *post));
  CU_ASSERT_EQUAL(ms_sim_run(ref, 200), MS_OK);
  CU_ASSERT_EQUAL(ms_sim_run(sim, 200), MS_OK);
  spikes a = get_spikes(ref, 0), b = get_spikes(sim, 0);
  CHECK(a.n > 100 && same_spikes(&a, &b), "rule %zu spikes, list %zu", a.n, b.n);
  free_spikes(&a), free_spikes(&b);
  ms_sim_destroy(sim);
  ms_sim_destroy(ref);

  /* Weights and delays per connection, back in connection order; bad
     lists refused. */
  CU_ASSERT_EQUAL_FATAL(ms_sim_create(NULL, NULL, 0, &sim), MS_OK);
  rc = ms_sim_add_population(sim, "S", "spike_generator", 3, KV("spike_times"),
                             KV("1, 2"), 1, &e);
  CHECK(rc == 0, "spike_generator: %s", ms_error_message());
  rc = ms_sim_add_population(sim, "T", "iaf_psc_exp", 2, NULL, NULL, 0, &i);
  uint32_t a3[] = {2, 0, 2, 1}, b3[] = {1, 1, 0, 1};
  double w3[] = {1.5, -2.5, 3.25, 4}, d3[] = {1, 2.5, 0.7, 3};
  CU_ASSERT_EQUAL(ms_sim_add_projection_list(sim, "L", e, i, 4, a3, b3, w3, d3, NULL, NULL, 0,
                                             &j), MS_OK);
  uint32_t bad[] = {5};
  CU_ASSERT_EQUAL(ms_sim_add_projection_list(sim, NULL, e, i, 1, bad, b3, w3, d3, NULL, NULL, 0,
                                             &j), MS_EINVAL);
  double d0[] = {0.05};
  CU_ASSERT_EQUAL(ms_sim_add_projection_list(sim, NULL, e, i, 1, a3, b3, w3, d0, NULL, NULL, 0,
                                             &j), MS_ECONFIG);
  CU_ASSERT(strstr(ms_error_message(), "resolution") != NULL);
  CU_ASSERT_EQUAL(ms_sim_add_projection_list(sim, NULL, e, i, 1, a3, b3, NULL, d3, NULL, NULL, 0,
                                             &j), MS_ECONFIG); /* no weight key */
  CU_ASSERT(strstr(ms_error_message(), "'weight'") != NULL);
  int np = 0;
  ms_sim_projection_count(sim, &np);
  CU_ASSERT_EQUAL(np, 1);
  uint32_t pp[4], qq[4];
  double ww[4], dd[4];
  CU_ASSERT_EQUAL(ms_proj_pairs(sim, 0, pp, qq, 4), MS_OK);
  CU_ASSERT_EQUAL(ms_proj_weights(sim, 0, ww, 4), MS_OK);
  CU_ASSERT_EQUAL(ms_proj_delays(sim, 0, dd, 4), MS_OK);
  /* Connection order: pre gids 0..2, post gids 3..4. */
  static const uint32_t wp[] = {0, 1, 2, 2}, wq[] = {4, 4, 3, 4};
  static const double wwant[] = {-2.5, 4, 3.25, 1.5}, dwant[] = {2.5, 3, 0.7, 1};
  for (int k = 0; k < 4; k++) {
    CU_ASSERT_EQUAL(pp[k], wp[k]);
    CU_ASSERT_EQUAL(qq[k], wq[k]);
    CU_ASSERT_EQUAL(ww[k], wwant[k]);
    CU_ASSERT_DOUBLE_EQUAL(dd[k], dwant[k], 1e-9);
  }
  double md = 0;
  CU_ASSERT_EQUAL(ms_sim_min_delay(sim, &md), MS_OK);
  CU_ASSERT_DOUBLE_EQUAL(md, 0.7, 1e-9);
  free(pre), free(post), free(lp), free(lq), free(lw), free(ld), free(p2), free(q2);
  ms_sim_destroy(sim);
}

int test_capi_register(void)
{
  CU_pSuite s = CU_add_suite("capi", cf_suite_init, cf_suite_clean);
  if (!s)
    return -1;
  if (!CU_add_test(s, "API network = config file network", test_api_equals_config) ||
      !CU_add_test(s, "runs in steps = one run; reset repeats it", test_continue_and_reset) ||
      !CU_add_test(s, "weights get/set in connection order, kept over reset", test_weights) ||
      !CU_add_test(s, "bad model/key/value: the config's messages", test_errors) ||
      !CU_add_test(s, "initial values and parameters", test_initial_and_params) ||
      !CU_add_test(s, "explicit connection lists", test_from_list))
    return -1;
  return 0;
}
