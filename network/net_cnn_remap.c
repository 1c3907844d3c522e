/*
 * net_cnn_remap.c: fault-aware mapping of a weight matrix onto crossbar
 * cells (cnn_fault_map, net_cnn_int.h).  After the write-verify test has
 * found the stuck devices, the logical rows (inputs) and output pairs of
 * each tile are assigned to physical rows and column pairs of its array,
 * spares included, so that stuck cells fall where the weight is ~0 or
 * where the partner can compensate (Xia et al., DAC 2017, re-mapping of
 * rows and columns around stuck-at faults; Jin, Pei & Wang, DATE 2020,
 * sparse weights placed onto the faulty cells).  Rows and columns are
 * assigned in turn, each by an exact linear assignment (Hungarian method)
 * given the other, starting from the identity: the total squared error
 * never exceeds the identity mapping's.
 */
#include "net_cnn_int.h"

#include <math.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_rng.h"
#include "../synapses/syn_device.h"

uint64_t cnn_phys_key(uint64_t seed, uint32_t k, uint64_t phys, int m)
{
  return sim_hash4(seed, 0x70687973ULL /* "phys" */ + k, phys, (uint64_t)m);
}

void cnn_pair_reach(const syn_device_param *p, const uint64_t key[2], double *lo, double *hi)
{
  double a[2], b[2];
  for (int m = 0; m < 2; m++) {
    syn_device_inst inst;
    syn_device_instance_static(p, key[m], &inst);
    a[m] = inst.stuck ? inst.stuck_w : fmax(inst.w_min, p->w_min);
    b[m] = inst.stuck ? inst.stuck_w : fmin(inst.w_max, p->w_max);
  }
  const double R = p->w_max - p->w_min;
  *lo = (a[0] - b[1]) / R;
  *hi = (b[0] - a[1]) / R;
}

void cnn_cell_reach(const syn_device_param *p, uint64_t seed, uint32_t k, uint64_t phys,
                    double *lo, double *hi)
{
  const uint64_t key[2] = {cnn_phys_key(seed, k, phys, 0), cnn_phys_key(seed, k, phys, 1)};
  cnn_pair_reach(p, key, lo, hi);
}

/* Squared distance of x from [lo, hi]. */
static inline double miss2(double x, float lo, float hi)
{
  double d = x < lo ? lo - x : x > hi ? x - hi : 0;
  return d * d;
}

/* Minimum-cost assignment of n rows to distinct columns of the n x m
   (n <= m) cost matrix c (row-major): the Hungarian method with
   potentials, O(n^2 m).  as[i] = column of row i.  Returns the cost. */
static double hungarian(const double *c, uint32_t n, uint32_t m, uint32_t *as, double *work,
                        uint32_t *iwork)
{
  double *u = work, *v = u + n + 1, *minv = v + m + 1;
  uint32_t *pm = iwork, *way = pm + m + 1;
  uint8_t *used = (uint8_t *)(way + m + 1);
  memset(u, 0, (n + 1) * sizeof *u);
  memset(v, 0, (m + 1) * sizeof *v);
  memset(pm, 0, (m + 1) * sizeof *pm);
  for (uint32_t i = 1; i <= n; i++) {
    pm[0] = i;
    uint32_t j0 = 0;
    for (uint32_t j = 0; j <= m; j++)
      minv[j] = INFINITY, used[j] = 0;
    do {
      used[j0] = 1;
      uint32_t i0 = pm[j0], j1 = 0;
      double delta = INFINITY;
      for (uint32_t j = 1; j <= m; j++)
        if (!used[j]) {
          double cur = c[(size_t)(i0 - 1) * m + (j - 1)] - u[i0] - v[j];
          if (cur < minv[j])
            minv[j] = cur, way[j] = j0;
          if (minv[j] < delta)
            delta = minv[j], j1 = j;
        }
      for (uint32_t j = 0; j <= m; j++)
        if (used[j])
          u[pm[j]] += delta, v[j] -= delta;
        else
          minv[j] -= delta;
      j0 = j1;
    } while (pm[j0] != 0);
    do {
      uint32_t j1 = way[j0];
      pm[j0] = pm[j1];
      j0 = j1;
    } while (j0);
  }
  double cost = 0;
  for (uint32_t j = 1; j <= m; j++)
    if (pm[j]) {
      as[pm[j] - 1] = j - 1;
      cost += c[(size_t)(pm[j] - 1) * m + (j - 1)];
    }
  return cost;
}

/* One tile: logical rows r0 .. r0+nr, outputs o0 .. o0+nc of x ([cols][rows]),
   onto ar physical rows x ac pairs whose reach is lo/hi [ar][ac].  Fills
   rmap (nr) and cmap (nc); returns the cost, *id the identity's. */
static double map_tile(const float *x, uint32_t rows, uint32_t r0, uint32_t nr, uint32_t o0,
                       uint32_t nc, const float *lo, const float *hi, uint32_t ar, uint32_t ac,
                       uint32_t *rmap, uint32_t *cmap, double *id)
{
  for (uint32_t r = 0; r < nr; r++)
    rmap[r] = r;
  for (uint32_t o = 0; o < nc; o++)
    cmap[o] = o;
  double best = 0;
  for (uint32_t o = 0; o < nc; o++)
    for (uint32_t r = 0; r < nr; r++)
      best += miss2(x[(size_t)(o0 + o) * rows + r0 + r], lo[r * ac + o], hi[r * ac + o]);
  *id = best;
  if (!(best > 0))
    return best;
  const uint32_t mx = ar > ac ? ar : ac, nx = nr > nc ? nr : nc;
  double *c = sim_malloc((size_t)nx * mx * sizeof *c + 8, "remap costs");
  double *work = sim_malloc((3 * (size_t)mx + 3) * sizeof *work, "remap potentials");
  uint32_t *iwork = sim_malloc((3 * (size_t)mx + 3) * sizeof *iwork, "remap ways");
  uint32_t *as = sim_malloc((size_t)nx * sizeof *as + 4, "remap assignment");
  for (int round = 0; round < 4; round++) {
    int better = 0;
    /* Rows given the columns: c[r][pr] = sum_o miss2(x[o][r], cell(pr, cmap[o])). */
    memset(c, 0, (size_t)nr * ar * sizeof *c);
    for (uint32_t pr = 0; pr < ar; pr++)
      for (uint32_t o = 0; o < nc; o++) {
        const float l = lo[pr * ac + cmap[o]], h = hi[pr * ac + cmap[o]];
        const float *xo = x + (size_t)(o0 + o) * rows + r0;
        if (l <= -1 && h >= 1)
          continue; /* healthy pair: reaches every target */
        for (uint32_t r = 0; r < nr; r++)
          c[(size_t)r * ar + pr] += miss2(xo[r], l, h);
      }
    double cost = hungarian(c, nr, ar, as, work, iwork);
    if (cost < best * (1 - 1e-12)) {
      memcpy(rmap, as, nr * sizeof *rmap);
      best = cost, better = 1;
    }
    if (!(best > 0))
      break;
    /* Columns given the rows. */
    memset(c, 0, (size_t)nc * ac * sizeof *c);
    for (uint32_t o = 0; o < nc; o++) {
      const float *xo = x + (size_t)(o0 + o) * rows + r0;
      for (uint32_t r = 0; r < nr; r++) {
        const float *lr = lo + (size_t)rmap[r] * ac, *hr = hi + (size_t)rmap[r] * ac;
        const double xv = xo[r];
        for (uint32_t pc = 0; pc < ac; pc++)
          c[(size_t)o * ac + pc] += miss2(xv, lr[pc], hr[pc]);
      }
    }
    cost = hungarian(c, nc, ac, as, work, iwork);
    if (cost < best * (1 - 1e-12)) {
      memcpy(cmap, as, nc * sizeof *cmap);
      best = cost, better = 1;
    }
    if (!better || !(best > 0))
      break;
  }
  sim_free(as);
  sim_free(iwork);
  sim_free(work);
  sim_free(c);
  return best;
}

double cnn_fault_map(const syn_device_param *p, uint64_t seed, uint32_t k, const float *x,
                     uint32_t rows, uint32_t cols, const cnn_xbar *g, uint64_t *phys,
                     double *cost_identity)
{
  const uint32_t AR = g->rows, AP = g->cols / 2;
  const uint32_t rtiles = (rows + AR - 1) / AR, ctiles = (cols + AP - 1) / AP;
  float *lo = sim_malloc((size_t)AR * AP * sizeof *lo, "cell reach");
  float *hi = sim_malloc((size_t)AR * AP * sizeof *hi, "cell reach");
  uint32_t *rmap = sim_malloc(AR * sizeof *rmap, "row map");
  uint32_t *cmap = sim_malloc(AP * sizeof *cmap, "column map");
  double total = 0, total_id = 0;
  for (uint32_t rt = 0; rt < rtiles; rt++)
    for (uint32_t ct = 0; ct < ctiles; ct++) {
      const uint64_t tile = (uint64_t)rt * ctiles + ct;
      const uint32_t r0 = rt * AR, o0 = ct * AP;
      const uint32_t nr = rows - r0 < AR ? rows - r0 : AR, nc = cols - o0 < AP ? cols - o0 : AP;
      /* The cells the tile may use: its whole array, or its own block
         when other layers' blocks share the array. */
      const uint32_t ar = g->spares ? AR : nr, ac = g->spares ? AP : nc;
      for (uint32_t pr = 0; pr < ar; pr++)
        for (uint32_t pc = 0; pc < ac; pc++) {
          double l, h;
          cnn_cell_reach(p, seed, k, (tile * AR + pr) * AP + pc, &l, &h);
          lo[pr * ac + pc] = (float)l;
          hi[pr * ac + pc] = (float)h;
        }
      double id;
      total += map_tile(x, rows, r0, nr, o0, nc, lo, hi, ar, ac, rmap, cmap, &id);
      total_id += id;
      for (uint32_t o = 0; o < nc; o++)
        for (uint32_t r = 0; r < nr; r++)
          phys[(size_t)(o0 + o) * rows + r0 + r] =
              (tile * AR + rmap[r]) * AP + cmap[o];
    }
  sim_free(cmap);
  sim_free(rmap);
  sim_free(hi);
  sim_free(lo);
  if (cost_identity)
    *cost_identity = total_id;
  return total;
}
