/*
 * test_cnn_remap.c: fault-aware mapping of weights onto crossbar cells
 * (cnn_fault_map, network/net_cnn_remap.c).  Each cost is recomputed here
 * from the returned cells and cnn_cell_reach, not taken from the mapper.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_rng.h"
#include "../io/io_preset.h"
#include "../network/net_cnn_int.h"
#include "../synapses/syn_device.h"
#include "test_suites.h"

/* Sum over weights of the squared distance of x[i] from what cell phys[i]
   holds; *ok = 0 if two weights share a cell or a weight leaves its tile. */
static double recount(const syn_device_param *p, uint64_t seed, const float *x, uint32_t rows,
                      uint32_t cols, const cnn_xbar *g, const uint64_t *phys, int *ok)
{
  const uint32_t AR = g->rows, AP = g->cols / 2, ct = (cols + AP - 1) / AP;
  const uint64_t n = (uint64_t)rows * cols;
  double sum = 0;
  for (uint64_t i = 0; i < n; i++) {
    const uint32_t r = (uint32_t)(i % rows), o = (uint32_t)(i / rows);
    const uint64_t tile = (uint64_t)(r / AR) * ct + o / AP;
    const uint64_t c = phys[i], prow = c / AP % AR, pc = c % AP;
    if (c / AP / AR != tile)
      *ok = 0;
    if (!g->spares) { /* only the block's own cells */
      const uint32_t nr = rows - r / AR * AR < AR ? rows - r / AR * AR : AR;
      const uint32_t nc = cols - o / AP * AP < AP ? cols - o / AP * AP : AP;
      if (prow >= nr || pc >= nc)
        *ok = 0;
    }
    for (uint64_t j = 0; j < i; j++)
      if (phys[j] == c)
        *ok = 0;
    double lo, hi;
    cnn_cell_reach(p, seed, 0, c, &lo, &hi);
    const double d = x[i] < lo ? lo - x[i] : x[i] > hi ? x[i] - hi : 0;
    sum += d * d;
  }
  return sum;
}

static void load(syn_device_param *p, double stuck)
{
  CU_ASSERT_EQUAL_FATAL(io_preset_load("configs/devices", "rram_yao2020", p), 0);
  p->stuck_fraction = stuck;
  p->fault_aware_map = 1;
}

/* Random targets (a third of them 0) on random stuck patterns, with and
   without spares, tiles cut in both directions: the mapping is a valid
   placement and never costs more than the identity. */
static void test_never_worse(void)
{
  syn_device_param p;
  load(&p, 0.15);
  const uint32_t shapes[][4] = {{9, 16, 128, 128}, {20, 7, 8, 6}, {13, 11, 5, 8}, {6, 6, 8, 16}};
  int better = 0;
  for (uint32_t sh = 0; sh < 4; sh++)
    for (int spares = 0; spares < 2; spares++)
      for (uint64_t seed = 1; seed <= 4; seed++) {
        const uint32_t rows = shapes[sh][0], cols = shapes[sh][1];
        const cnn_xbar g = {shapes[sh][2], shapes[sh][3], spares};
        const uint64_t n = (uint64_t)rows * cols;
        float *x = sim_malloc(n * sizeof *x, "test");
        uint64_t *phys = sim_malloc(n * sizeof *phys, "test"), *idp = sim_malloc(n * sizeof *idp, "test");
        for (uint64_t i = 0; i < n; i++) {
          double u = sim_hash_u01(sim_hash4(seed, sh, i, 9));
          x[i] = (float)(u < 1.0 / 3 ? 0 : 2 * sim_hash_u01(sim_hash4(seed, sh, i, 10)) - 1);
        }
        const uint32_t AR = g.rows, AP = g.cols / 2, ct = (cols + AP - 1) / AP;
        for (uint64_t i = 0; i < n; i++) { /* the identity placement */
          const uint32_t r = (uint32_t)(i % rows), o = (uint32_t)(i / rows);
          idp[i] = (((uint64_t)(r / AR) * ct + o / AP) * AR + r % AR) * AP + o % AP;
        }
        double id_map;
        const double cost = cnn_fault_map(&p, seed, 0, x, rows, cols, &g, phys, &id_map);
        int ok = 1, ok_id = 1;
        const double re = recount(&p, seed, x, rows, cols, &g, phys, &ok);
        const double id = recount(&p, seed, x, rows, cols, &g, idp, &ok_id);
        CU_ASSERT(ok && ok_id);
        CU_ASSERT_DOUBLE_EQUAL(re, cost, 1e-6 * (1 + cost));
        CU_ASSERT_DOUBLE_EQUAL(id, id_map, 1e-6 * (1 + id));
        CU_ASSERT(re <= id + 1e-9);
        better += re < id - 1e-9;
        sim_free(x), sim_free(phys), sim_free(idp);
      }
  CU_ASSERT(better > 8); /* the mapping does something */
}

/* A 9 x 16 layer (conv1 of configs/models/fmnist_cnn) on a 128 x 128
   array with few stuck devices: there are more than 9 physical rows whose
   first 16 pairs reach every target (counted here), so the placement with
   spares ends exact; the identity placement was not. */
static void test_spares_exact(void)
{
  syn_device_param p;
  load(&p, 0.01);
  const uint32_t rows = 9, cols = 16, n = rows * cols;
  const cnn_xbar g = {128, 128, 1};
  float x[9 * 16];
  uint64_t phys[9 * 16];
  for (uint32_t i = 0; i < n; i++)
    x[i] = (float)(2 * sim_hash_u01(sim_hash4(5, 0, i, 1)) - 1);
  int tried = 0;
  for (uint64_t seed = 1; seed < 50 && tried < 3; seed++) {
    uint32_t clean = 0;
    for (uint32_t r = 0; r < 128; r++) {
      int all = 1;
      for (uint32_t c = 0; c < cols; c++) {
        double lo, hi;
        cnn_cell_reach(&p, seed, 0, (uint64_t)r * 64 + c, &lo, &hi);
        all &= lo <= -1 + 1e-12 && hi >= 1 - 1e-12;
      }
      clean += (uint32_t)all;
    }
    double id;
    const double cost = cnn_fault_map(&p, seed, 0, x, rows, cols, &g, phys, &id);
    if (!(id > 0) || clean < rows)
      continue; /* want a pattern that hits the identity block */
    tried++;
    int ok = 1;
    CU_ASSERT_EQUAL(recount(&p, seed, x, rows, cols, &g, phys, &ok), 0.0);
    CU_ASSERT_EQUAL(cost, 0.0);
    CU_ASSERT(ok);
  }
  CU_ASSERT_EQUAL(tried, 3);
}

/* fault_aware_map without program_verify: refused, naming the key. */
static void test_needs_verify(void)
{
  syn_device_param p;
  load(&p, 0.1);
  const char *key = NULL;
  CU_ASSERT_EQUAL(syn_device_param_check(&p, &key), 0);
  p.program_verify = 0;
  CU_ASSERT_NOT_EQUAL(syn_device_param_check(&p, &key), 0);
  CU_ASSERT(key && strcmp(key, "fault_aware_map") == 0);
}

int test_cnn_remap_register(void)
{
  CU_pSuite s = CU_add_suite("cnn_remap", NULL, NULL);
  if (!s)
    return -1;
  if (!CU_add_test(s, "fault-aware mapping never worse than identity", test_never_worse) ||
      !CU_add_test(s, "stuck cells that fit in spares: exact", test_spares_exact) ||
      !CU_add_test(s, "fault_aware_map needs program_verify", test_needs_verify))
    return -1;
  return 0;
}
