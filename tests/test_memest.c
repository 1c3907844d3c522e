/*
 * test_memest.c: the memory estimate before building (network/net_mem.h)
 * uses the builder's arithmetic: expected synapse counts per rule equal the
 * built counts where the rule fixes them, and the estimated synapse bytes
 * equal what the built network holds (net_network.syn_bytes).
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fixture_config.h"
#include "test_suites.h"
#include "../core/sim_engine.h"
#include "../core/sim_error.h"
#include "../network/net_build.h"
#include "../network/net_mem.h"

/* Sum of the estimate's items whose text starts with "projection ". */
static double proj_bytes(const net_mem *m)
{
  double b = 0;
  for (uint32_t i = 0; i < m->nitems; i++)
    if (!strncmp(m->item[i].what, "projection ", 11) && !strstr(m->item[i].what, "trains"))
      b += m->item[i].bytes;
  return b;
}

static void check_config(const char *name, const char *const *lines, int nranks, int exact)
{
  net_desc *d = cf_load_ok(name, lines, NULL, 0);
  if (!d)
    return;
  for (int r = 0; r < nranks; r++) {
    net_part part = {d->sim.partition, r, nranks};
    net_mem m;
    net_mem_estimate(d, &part, 0, &m);
    net_network *net = NULL;
    int rc = net_build(d, &part, NULL, &net);
    CHECK(rc == 0, "%s: build failed: %s", name, sim_error_msg());
    if (rc)
      break;
    double tol = exact ? 0.5 : 0.05 * (double)net->nsyn + 0.5;
    CHECK(fabs(m.nsyn - (double)net->nsyn) <= tol, "%s rank %d: %.0f synapses expected, %llu built",
          name, r, m.nsyn, (unsigned long long)net->nsyn);
    if (exact)
      CHECK(fabs(proj_bytes(&m) - (double)net->syn_bytes) <= 64.0 * d->nprojs + 0.02 * net->syn_bytes,
            "%s rank %d: %.0f synapse bytes estimated, %zu built", name, r, proj_bytes(&m),
            net->syn_bytes);
    CHECK(m.bytes >= proj_bytes(&m), "%s: total below its parts", name);
    CHECK(m.nitems > 0 && (m.nitems < 2 || m.item[0].bytes >= m.item[1].bytes),
          "%s: contributors not largest first", name);
    net_network_destroy(net);
  }
  net_desc_destroy(d);
}

static void test_rules_counts(void)
{
  const char *const lines[] = {
      SIM_LINES, "[population E]", "model = iaf_psc_delta", "n = 300", POP_I,
      "[projection a]", "source = E", "target = E", "rule = fixed_indegree", "indegree = 20",
      "weight = uniform(0.1, 0.2)", "delay = uniform(1, 2)",
      "[projection b]", "source = E", "target = I", "rule = all_to_all", "weight = 1",
      "delay = 1", "[projection c]", "source = E", "target = E", "rule = one_to_one",
      "allow_autapses = false", "weight = 1", "delay = 1",
      "[projection d]", "source = I", "target = E", "rule = fixed_outdegree",
      "outdegree = 30", "weight = 1", "delay = 1", NULL};
  check_config("rules.ini", lines, 1, 1);
  check_config("rules.ini", lines, 3, 0); /* fixed_outdegree: expected per rank */
}

static void test_bernoulli_and_device(void)
{
  const char *const lines[] = {
      SIM_LINES, "[population E]", "model = iaf_psc_delta", "n = 400",
      "[projection p]", "source = E", "target = E", "rule = pairwise_bernoulli", "p = 0.1",
      "weight = 1", "delay = 1", "[projection dev]", "source = E", "target = E",
      "rule = fixed_indegree", "indegree = 10", "synapse = device", "device = ecram_li_wo3",
      "weight = uniform(0.1, 0.5)", "delay = 1", NULL};
  check_config("bern_dev.ini", lines, 1, 0);
}

static void test_max_memory_key(void)
{
  const char *const lines[] = {"[simulation]", "duration = 100", "max_memory = 1.5G", POP_E,
                               NULL};
  net_desc *d = cf_load_ok("maxmem.ini", lines, NULL, 0);
  if (d)
    CU_ASSERT_DOUBLE_EQUAL(d->sim.max_memory_bytes, 1.5 * 1073741824.0, 1);
  net_desc_destroy(d);
  const char *const bad[] = {"[simulation]", "duration = 100", "max_memory = lots", POP_E,
                             NULL};
  expect_error("maxmem_bad.ini", bad, "max_memory = lots", "max_memory", "4G", "'lots'");
  CU_ASSERT_EQUAL(sim_engine_nslots(15, 15), 32);
  CU_ASSERT_EQUAL(sim_engine_nslots(1, 1), 4);
}

int test_memest_register(void)
{
  CU_pSuite s = CU_add_suite("memest", cf_suite_init, cf_suite_clean);
  if (!s)
    return -1;
  if (!CU_add_test(s, "rules: expected = built synapses and bytes", test_rules_counts) ||
      !CU_add_test(s, "pairwise_bernoulli and device synapses", test_bernoulli_and_device) ||
      !CU_add_test(s, "[simulation] max_memory and ring slots", test_max_memory_key))
    return -1;
  return 0;
}
