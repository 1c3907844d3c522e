/*
 * test_config.c: CUnit suite for valid configs through the config reader
 * (io/io_config.c): a full config read back field by field, digests,
 * overrides, defaults, text layout, the shipped configs (every
 * configs/NAME.ini, relative to the repository root, where the tests run)
 * must load; and the net_desc helpers (network/net_desc.c).  The error
 * messages are test_config_errors.c's; the helpers, fixture_config.h.
 */
#include <CUnit/CUnit.h>
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_error.h"
#include "../core/sim_rng.h"
#include "../io/io_config.h"
#include "../network/net_desc.h"
#include "fixture_config.h"
#include "../neurons/nrn_source.h"
#include "test_suites.h"

/* A source population's parameters. */
#define POIS(p) ((const nrn_poisson_param *)(p)->param)
#define GEN(p) ((const nrn_spike_gen_param *)(p)->param)

/* ======================================================================
 * Valid configs
 * ====================================================================== */

static const char *const full[] = {
    "; a comment line",
    "# another comment line",
    "[simulation]",
    "duration = 250       ; ms",
    "resolution = 0.05",
    "seed = 18446744073709551615",
    "output = /tmp/ms out",
    "partition = block",
    "",
    "[population noise]",
    "model = poisson_generator",
    "n = 3",
    "rate = 20000",
    "start = 5",
    "stop = 200",
    "",
    "  [population E]     ; indented header and key are fine",
    "  model = iaf_psc_delta",
    "  n = 100",
    "  tau_m = 20",
    "  V_th = 20",
    "  V_reset = 0",
    "  E_L = 0",
    "  refractory_input = true",
    "  V_m = normal(5, 2, 0, 10)",
    "",
    "[population I]",
    "model = iaf_psc_exp",
    "n = 25",
    "V_m = uniform(-70, -55)",
    "I_syn_ex = 3.5",
    "I_syn_in = normal(0, 1)",
    "",
    "[projection EE]",
    "source = E",
    "target = E",
    "rule = fixed_indegree",
    "indegree = 10",
    "allow_autapses = false",
    "allow_multapses = False",
    "weight = normal(0.1, 0.01, 0, 1)",
    "delay = uniform(1, 2)",
    "",
    "[projection IE]",
    "source = E",
    "target = I",
    "rule = pairwise_bernoulli",
    "p = 0.25",
    "weight = 16.2",
    "delay = normal(1.5, 0.5, 0.05, 3)",
    "synapse = static_synapse",
    "",
    "[projection noise_E]",
    "source = noise",
    "target = E",
    "rule = fixed_outdegree",
    "outdegree = 7",
    "weight = -0.5",
    "delay = 0.05",
    "",
    "[record mm]",
    "population = I",
    "kind = multimeter",
    "neurons = 3:7",
    "variables = I_syn_in, V_m",
    "interval = 0.5",
    NULL};

static void test_valid_roundtrip(void)
{
  net_desc *d = cf_load_ok("full.ini", full, NULL, 0);
  CU_ASSERT_FATAL(d != NULL);
  CU_ASSERT(strstr(d->file, "full.ini") != NULL);
  CU_ASSERT_DOUBLE_EQUAL(d->sim.duration_ms, 250, 1e-12);
  CU_ASSERT_DOUBLE_EQUAL(d->sim.resolution_ms, 0.05, 1e-15);
  CU_ASSERT(d->sim.seed == UINT64_MAX);
  CU_ASSERT_STRING_EQUAL(d->sim.out_dir, "/tmp/ms out");
  CU_ASSERT_EQUAL(d->sim.partition, NET_PART_BLOCK);

  CU_ASSERT_EQUAL_FATAL(d->npops, 3);
  const net_pop_desc *noise = &d->pops[0], *e = &d->pops[1], *in = &d->pops[2];
  CU_ASSERT_STRING_EQUAL(noise->name, "noise");
  CU_ASSERT_PTR_EQUAL(noise->source, &nrn_poisson_generator_ops);
  CU_ASSERT(noise->n == 3 && noise->first_gid == 0);
  CU_ASSERT_DOUBLE_EQUAL(POIS(noise)->rate_hz, 20000, 1e-9);
  CU_ASSERT_DOUBLE_EQUAL(POIS(noise)->start_ms, 5, 1e-12);
  CU_ASSERT_DOUBLE_EQUAL(POIS(noise)->stop_ms, 200, 1e-12);
  CU_ASSERT_EQUAL(noise->line, 10);

  CU_ASSERT_STRING_EQUAL(e->name, "E");
  CU_ASSERT_EQUAL(e->line, 17);
  CU_ASSERT(!e->source && e->model && strcmp(e->model->name, "iaf_psc_delta") == 0);
  CU_ASSERT(e->n == 100 && e->first_gid == 3);
  CU_ASSERT_PTR_NOT_NULL(e->param);
  CU_ASSERT_EQUAL_FATAL(e->ninit, 1);
  CU_ASSERT_EQUAL(e->init[0].var, 0);
  CU_ASSERT_EQUAL(e->init[0].dist.kind, NET_DIST_NORMAL);
  CU_ASSERT(e->init[0].dist.a == 5 && e->init[0].dist.b == 2 &&
            e->init[0].dist.lo == 0 && e->init[0].dist.hi == 10);

  CU_ASSERT(in->n == 25 && in->first_gid == 103);
  CU_ASSERT_EQUAL(d->total, 128);
  CU_ASSERT_EQUAL_FATAL(in->ninit, 3);
  CU_ASSERT(in->init[0].var == 0 && in->init[0].dist.kind == NET_DIST_UNIFORM &&
            in->init[0].dist.a == -70 && in->init[0].dist.b == -55);
  CU_ASSERT(in->init[1].var == 1 && in->init[1].dist.kind == NET_DIST_CONST &&
            in->init[1].dist.a == 3.5);
  CU_ASSERT(in->init[2].var == 2 && in->init[2].dist.kind == NET_DIST_NORMAL &&
            isinf(in->init[2].dist.lo) && in->init[2].dist.lo < 0 &&
            isinf(in->init[2].dist.hi) && in->init[2].dist.hi > 0);

  CU_ASSERT_EQUAL_FATAL(d->nprojs, 3);
  const net_proj_desc *ee = &d->projs[0], *ie = &d->projs[1], *ne = &d->projs[2];
  CU_ASSERT(ee->src == 1 && ee->tgt == 1 && ee->rule == &net_rule_fixed_indegree &&
            ee->degree == 10 && !ee->autapses && !ee->multapses);
  CU_ASSERT(ee->weight.kind == NET_DIST_NORMAL && ee->weight.a == 0.1 &&
            ee->weight.b == 0.01 && ee->weight.lo == 0 && ee->weight.hi == 1);
  CU_ASSERT(ee->delay_ms.kind == NET_DIST_UNIFORM && ee->delay_ms.a == 1 &&
            ee->delay_ms.b == 2);
  CU_ASSERT_STRING_EQUAL(ee->synapse, "static_synapse");
  CU_ASSERT_EQUAL(ee->nsyn_params, 0);
  CU_ASSERT_EQUAL(ee->line, 34);
  CU_ASSERT(ie->src == 1 && ie->tgt == 2 && ie->rule == &net_rule_pairwise_bernoulli &&
            ie->p == 0.25 && ie->autapses && ie->multapses);
  CU_ASSERT(ie->weight.kind == NET_DIST_CONST && ie->weight.a == 16.2);
  CU_ASSERT(ie->delay_ms.kind == NET_DIST_NORMAL && ie->delay_ms.lo == 0.05);
  CU_ASSERT(ne->src == 0 && ne->tgt == 1 && ne->rule == &net_rule_fixed_outdegree &&
            ne->degree == 7 && ne->weight.a == -0.5 && ne->delay_ms.a == 0.05);

  CU_ASSERT_EQUAL_FATAL(d->nrecs, 1);
  const net_rec_desc *mm = &d->recs[0];
  CU_ASSERT_STRING_EQUAL(mm->name, "mm");
  CU_ASSERT(mm->pop == 2 && mm->kind == NET_REC_STATE && mm->first == 3 &&
            mm->count == 4);
  CU_ASSERT(mm->nvars == 2 && mm->vars[0] == 2 && mm->vars[1] == 0);
  CU_ASSERT_DOUBLE_EQUAL(mm->interval_ms, 0.5, 1e-15);

  CU_ASSERT_EQUAL(net_desc_find_pop(d, "I"), 2);
  CU_ASSERT_EQUAL(net_desc_find_pop(d, "noise"), 0);
  CU_ASSERT_EQUAL(net_desc_find_pop(d, "EE"), -1);
  net_desc_destroy(d);
  net_desc_destroy(NULL);
}

static void test_digest(void)
{
  char *text = cf_join_lines(full);
  const char *path = cf_write_text("digest.ini", text, strlen(text));
  /* FNV-1a 64 of the raw bytes, computed here independently. */
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const unsigned char *p = (const unsigned char *)text; *p; p++)
    h = (h ^ *p) * 0x100000001b3ULL;
  free(text);

  net_desc *a = NULL, *b = NULL, *c = NULL, *e = NULL;
  const char *const ov1[] = {"E.n=50"}, *const ov2[] = {"E.n=60"};
  CU_ASSERT_EQUAL(io_config_load(path, NULL, 0, &a), 0);
  CU_ASSERT_EQUAL(io_config_load(path, NULL, 0, &b), 0);
  CU_ASSERT_EQUAL(io_config_load(path, ov1, 1, &c), 0);
  CU_ASSERT_EQUAL(io_config_load(path, ov2, 1, &e), 0);
  CU_ASSERT_FATAL(a && b && c && e);
  CU_ASSERT(a->digest == h);
  CU_ASSERT(a->digest == b->digest);
  CU_ASSERT(c->digest != a->digest);
  CU_ASSERT(c->digest != e->digest);
  /* Overrides are part of the digest: raw bytes then the string and NUL. */
  uint64_t hc = h;
  for (const unsigned char *p = (const unsigned char *)ov1[0];; p++) {
    hc = (hc ^ *p) * 0x100000001b3ULL;
    if (!*p)
      break;
  }
  CU_ASSERT(c->digest == hc);
  net_desc_destroy(a);
  net_desc_destroy(b);
  net_desc_destroy(c);
  net_desc_destroy(e);
}

static void test_overrides(void)
{
  const char *const lines[] = {SIM_LINES, POP_E, POP_I, "[projection EI]",
                               "source = I", "target = E", "rule = all_to_all",
                               "weight = -1", "delay = 1", NULL};
  const char *const ov[] = {
      "E.n=20",                      /* replace */
      "E.V_m = uniform(-70, -60)",   /* add, blanks around '=' allowed */
      "simulation.seed=99",          /* add to [simulation] */
      "EI.delay=2.5",                /* replace in a projection */
      "EI.delay=3",                  /* the last one wins */
      "simulation.output=o=k",       /* the value may contain '=' */
  };
  net_desc *d = cf_load_ok("overrides.ini", lines, ov, 6);
  CU_ASSERT_FATAL(d != NULL);
  CU_ASSERT_EQUAL(d->pops[0].n, 20);
  CU_ASSERT_EQUAL(d->pops[1].first_gid, 20);
  CU_ASSERT_EQUAL(d->total, 24);
  CU_ASSERT(d->pops[0].ninit == 1 && d->pops[0].init[0].dist.kind == NET_DIST_UNIFORM &&
            d->pops[0].init[0].dist.a == -70);
  CU_ASSERT(d->sim.seed == 99);
  CU_ASSERT_DOUBLE_EQUAL(d->projs[0].delay_ms.a, 3, 1e-12);
  CU_ASSERT_STRING_EQUAL(d->sim.out_dir, "o=k");
  net_desc_destroy(d);

  /* Overrides are validated like file values: an added bad key is named. */
  const char *const bad[] = {"E.tau_x=3"};
  expect_error_set("overrides.ini", lines, bad, "--set E.tau_x", "tau_x",
                   "unknown key", "tau_m");
}

static void test_defaults(void)
{
  const char *const lines[] = {"[simulation]", "duration = 10", POP_E, POP_I,
                               POP_NOISE, "[projection P]", "source = noise",
                               "target = E", "rule = all_to_all", "weight = 1",
                               "delay = 0.1", "[record s]", "population = E",
                               "kind = spike_recorder", "[record m]",
                               "population = I", "kind = multimeter",
                               "variables = V_m", NULL};
  net_desc *d = cf_load_ok("defaults.ini", lines, NULL, 0);
  CU_ASSERT_FATAL(d != NULL);
  CU_ASSERT_DOUBLE_EQUAL(d->sim.resolution_ms, 0.1, 0);
  CU_ASSERT(d->sim.seed == 1);
  CU_ASSERT_STRING_EQUAL(d->sim.out_dir, "out");
  CU_ASSERT_EQUAL(d->sim.partition, NET_PART_ROUND_ROBIN);
  CU_ASSERT_EQUAL(d->sim.delivery, NET_DELIVERY_AUTO);
  CU_ASSERT_EQUAL(d->pops[0].ninit, 0);
  const net_pop_desc *noise = &d->pops[2];
  CU_ASSERT(noise->n == 1 && POIS(noise)->start_ms == 0 && isinf(POIS(noise)->stop_ms) &&
            noise->first_gid == 14);
  CU_ASSERT_EQUAL(d->total, 15);
  CU_ASSERT(d->projs[0].autapses && d->projs[0].multapses);
  CU_ASSERT_STRING_EQUAL(d->projs[0].synapse, "static_synapse");
  CU_ASSERT(d->recs[0].first == 0 && d->recs[0].count == 10 &&
            d->recs[0].kind == NET_REC_SPIKES);
  CU_ASSERT_DOUBLE_EQUAL(d->recs[1].interval_ms, 1.0, 0); /* NEST's default */
  net_desc_destroy(d);
  /* [simulation] delivery, each value (auto is the default above) */
  static const char *const dl[] = {"direct", "deferred", "auto"};
  static const net_delivery want[] = {NET_DELIVERY_DIRECT, NET_DELIVERY_DEFERRED,
                                      NET_DELIVERY_AUTO};
  for (int k = 0; k < 3; k++) {
    char line[64];
    snprintf(line, sizeof line, "delivery = %s", dl[k]);
    const char *const l2[] = {"[simulation]", "duration = 10", line, POP_E, NULL};
    net_desc *d2 = cf_load_ok("delivery.ini", l2, NULL, 0);
    CU_ASSERT_FATAL(d2 != NULL);
    CU_ASSERT_EQUAL(d2->sim.delivery, want[k]);
    net_desc_destroy(d2);
  }
}

static void test_text_layout(void)
{
  /* CRLF line ends, a BOM, '#' and ';' comments, an empty [simulation]-only
     section order and a spike list far longer than libinih's default
     200-byte line. */
  char list[4000] = "";
  for (int i = 1; i <= 400; i++) {
    char item[16];
    snprintf(item, sizeof item, "%s%d", i > 1 ? ", " : "", i);
    strcat(list, item);
  }
  char *text = malloc(8000);
  snprintf(text, 8000,
           "\xEF\xBB\xBF; BOM first\r\n"
           "[simulation]\r\n"
           "duration = 500 ; ms\r\n"
           "# comment\r\n"
           "[population sg]\r\n"
           "model = spike_generator\r\n"
           "spike_times = %s\r\n", list);
  const char *path = cf_write_text("layout.ini", text, strlen(text));
  free(text);
  net_desc *d = NULL;
  int rc = io_config_load(path, NULL, 0, &d);
  CU_ASSERT_EQUAL(rc, 0);
  if (rc)
    fprintf(stderr, "\n    layout: %s\n", sim_error_msg());
  CU_ASSERT_FATAL(d != NULL);
  CU_ASSERT_EQUAL(GEN(&d->pops[0])->ntimes, 400);
  CU_ASSERT_EQUAL(d->pops[0].line, 5);
  CU_ASSERT_DOUBLE_EQUAL(GEN(&d->pops[0])->times_ms[399], 400, 0);
  net_desc_destroy(d);

  /* Section names longer than libinih's internal 50-byte copy stay whole. */
  const char *const long_name[] = {
      SIM_LINES, "[population a_name_well_beyond_fifty_characters_0123456789_xyz]",
      "model = iaf_psc_delta", "n = 2", NULL};
  d = cf_load_ok("long_name.ini", long_name, NULL, 0);
  CU_ASSERT(d && d->npops == 1 && d->pops[0].n == 2 &&
            strcmp(d->pops[0].name,
                   "a_name_well_beyond_fifty_characters_0123456789_xyz") == 0);
  net_desc_destroy(d);

  /* A line beyond IO_CONFIG_MAX_LINE is refused by number, not cut. */
  size_t n = IO_CONFIG_MAX_LINE + 100;
  char *big = malloc(n + 64);
  int k = snprintf(big, 64, "[simulation]\nduration = 10\noutput = ");
  memset(big + k, 'x', n);
  strcpy(big + k + n, "\n");
  path = cf_write_text("long.ini", big, strlen(big));
  free(big);
  d = (net_desc *)1;
  CU_ASSERT_EQUAL(io_config_load(path, NULL, 0, &d), SIM_ECONFIG);
  CU_ASSERT_PTR_NULL(d);
  CU_ASSERT(cf_msg_has("long.ini:3:") && cf_msg_has("line longer than"));
}

static void test_shipped_configs(void)
{
  glob_t g;
  CU_ASSERT_EQUAL_FATAL(glob("configs/*.ini", 0, NULL, &g), 0);
  CU_ASSERT(g.gl_pathc >= 3);
  for (size_t i = 0; i < g.gl_pathc; i++) {
    net_desc *d = NULL;
    int rc = io_config_load(g.gl_pathv[i], NULL, 0, &d);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc)
      fprintf(stderr, "\n    %s: %s\n", g.gl_pathv[i], sim_error_msg());
    net_desc_destroy(d);
  }
  globfree(&g);

  /* Figures the configs must carry (Brunel 2000, J Comput Neurosci 8:183,
     as in NEST's pynest/examples/brunel_delta_nest.py). */
  net_desc *d = NULL;
  CU_ASSERT_EQUAL_FATAL(io_config_load("configs/brunel_delta.ini", NULL, 0, &d), 0);
  int e = net_desc_find_pop(d, "E"), in = net_desc_find_pop(d, "I"),
      noise = net_desc_find_pop(d, "noise");
  CU_ASSERT_FATAL(e >= 0 && in >= 0 && noise >= 0);
  CU_ASSERT(d->pops[e].n == 10000 && d->pops[in].n == 2500);
  CU_ASSERT_DOUBLE_EQUAL(POIS(&d->pops[noise])->rate_hz, 20000, 1e-9);
  CU_ASSERT_EQUAL(d->nprojs, 6);
  for (uint32_t i = 0; i < d->nprojs; i++) {
    const net_proj_desc *p = &d->projs[i];
    CU_ASSERT_DOUBLE_EQUAL(p->delay_ms.a, 1.5, 1e-12);
    if (p->rule == &net_rule_fixed_indegree)
      CU_ASSERT_EQUAL(p->degree, (int)p->src == e ? 1000u : 250u);
    CU_ASSERT_DOUBLE_EQUAL(p->weight.a, (int)p->src == in ? -0.5 : 0.1, 1e-12);
  }
  CU_ASSERT(d->sim.seed == 12345 && d->sim.duration_ms == 1000);
  net_desc_destroy(d);

  CU_ASSERT_EQUAL_FATAL(io_config_load("configs/brette_cuba.ini", NULL, 0, &d), 0);
  CU_ASSERT(d->total == 4000 && d->nprojs == 4);
  for (uint32_t i = 0; i < d->nprojs; i++) {
    const net_proj_desc *p = &d->projs[i];
    CU_ASSERT(p->rule == &net_rule_pairwise_bernoulli && p->p == 0.02);
    CU_ASSERT_DOUBLE_EQUAL(p->weight.a, p->src == 0 ? 16.2 : -90, 1e-12);
  }
  net_desc_destroy(d);

  /* Potjans & Diesmann 2014 as NEST's example builds it (shared anchors:
     77,169 neurons, ~2.99e8 synapses, PSC 87.81 pA, g = -4, L4E -> L23E
     doubled, 8 Hz x K_ext Poisson background). */
  CU_ASSERT_EQUAL_FATAL(io_config_load("configs/potjans_2014.ini", NULL, 0, &d), 0);
  uint64_t nsyn = 0, nrec = 0;
  uint32_t neurons = 0;
  for (uint32_t i = 0; i < d->npops; i++)
    if (d->pops[i].model) {
      neurons += d->pops[i].n;
      CU_ASSERT(d->pops[i].ninit == 1 && d->pops[i].init[0].dist.kind == NET_DIST_NORMAL);
    }
  CU_ASSERT_EQUAL(neurons, 77169);
  for (uint32_t i = 0; i < d->nprojs; i++) {
    const net_proj_desc *p = &d->projs[i];
    if (p->rule != &net_rule_fixed_total_number) {
      CU_ASSERT(p->rule == &net_rule_all_to_all && p->weight.kind == NET_DIST_CONST);
      CU_ASSERT_DOUBLE_EQUAL(p->weight.a, 87.8085, 1e-3);
      CU_ASSERT_DOUBLE_EQUAL(p->delay_ms.a, 1.5, 1e-12);
      continue;
    }
    nrec++;
    nsyn += p->total;
    const int inh = d->pops[p->src].name[strlen(d->pops[p->src].name) - 1] == 'I';
    const int l4e_l23e = !strcmp(p->name, "L23E_L4E");
    CU_ASSERT(p->weight.redraw && p->delay_ms.redraw && p->autapses && p->multapses);
    CU_ASSERT_DOUBLE_EQUAL(p->weight.a, inh ? -351.234 : l4e_l23e ? 175.617 : 87.8085, 1e-3);
    CU_ASSERT_DOUBLE_EQUAL(p->weight.b, 0.1 * fabs(p->weight.a), 1e-5);
    CU_ASSERT(inh ? p->weight.hi == 0 && isinf(p->weight.lo) : p->weight.lo == 0 && isinf(p->weight.hi));
    CU_ASSERT_DOUBLE_EQUAL(p->delay_ms.a, inh ? 0.75 : 1.5, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(p->delay_ms.b, inh ? 0.375 : 0.75, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(p->delay_ms.lo, 0.05, 1e-12);
  }
  CU_ASSERT_EQUAL(nrec, 55); /* 64 minus the 9 zero probabilities */
  CU_ASSERT_EQUAL(nsyn, 298880968ULL);
  int bg = net_desc_find_pop(d, "bg_L6E");
  CU_ASSERT_FATAL(bg >= 0);
  CU_ASSERT_DOUBLE_EQUAL(POIS(&d->pops[bg])->rate_hz, 8.0 * 2900, 1e-9);
  net_desc_destroy(d);
}

/* ======================================================================
 * net_desc helpers
 * ====================================================================== */

static void test_dist_draw(void)
{
  sim_rng rng;
  sim_rng_stream(&rng, 7, 0, SIM_RNG_WEIGHT, 0);
  net_dist c = {.kind = NET_DIST_CONST, .a = 2.5};
  CU_ASSERT_EQUAL(net_dist_draw(&c, &rng), 2.5);

  /* uniform(2, 4): all in [2, 4), mean 3 +- 0.05 (the standard error of
     10^4 draws is 0.0058, so this is > 8 sigma). */
  net_dist u = {.kind = NET_DIST_UNIFORM, .a = 2, .b = 4};
  double sum = 0;
  int inside = 1;
  for (int i = 0; i < 10000; i++) {
    double x = net_dist_draw(&u, &rng);
    inside &= x >= 2 && x < 4;
    sum += x;
  }
  CU_ASSERT(inside);
  CU_ASSERT_DOUBLE_EQUAL(sum / 10000, 3.0, 0.05);

  /* normal(0, 1) clipped to [-0.5, 0.5]: never outside, and the bounds hold
     the tails, P(|X| > 0.5) = 0.617 (+- 0.03, > 6 sigma for 10^4). */
  net_dist n = {.kind = NET_DIST_NORMAL, .a = 0, .b = 1, .lo = -0.5, .hi = 0.5};
  int at_bound = 0;
  inside = 1;
  for (int i = 0; i < 10000; i++) {
    double x = net_dist_draw(&n, &rng);
    inside &= x >= -0.5 && x <= 0.5;
    at_bound += x == -0.5 || x == 0.5;
  }
  CU_ASSERT(inside);
  CU_ASSERT_DOUBLE_EQUAL(at_bound / 10000.0, 0.617, 0.03);
}

/* ======================================================================
 * Registration
 * ====================================================================== */

int test_config_register(void)
{
  CU_pSuite s = CU_add_suite("config", cf_suite_init, cf_suite_clean);
  if (!s)
    return -1;
  static const struct {
    const char *name;
    void (*fn)(void);
  } tests[] = {
      {"valid round trip", test_valid_roundtrip},
      {"digest", test_digest},
      {"overrides", test_overrides},
      {"defaults", test_defaults},
      {"text layout", test_text_layout},
      {"shipped configs", test_shipped_configs},
      {"net_dist_draw", test_dist_draw},
  };
  for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
    if (!CU_add_test(s, tests[i].name, tests[i].fn))
      return -1;
  return 0;
}
