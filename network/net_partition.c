/*
 * net_partition.c: round_robin (gid % nranks, NEST's default) and block
 * (each population cut into nranks contiguous pieces) partitions.
 */
#include "net_partition.h"

/* First gid of the population owned by rank r under round_robin. */
static sim_gid rr_first(sim_gid first, int nranks, int r)
{
  uint32_t m = first % (uint32_t)nranks;
  return first + (((uint32_t)r + (uint32_t)nranks - m) % (uint32_t)nranks);
}

/* Start offset of rank r's block within a population of n. */
static uint32_t block_lo(uint32_t n, int nranks, int r)
{
  return (uint32_t)((uint64_t)n * (uint64_t)r / (uint64_t)nranks);
}

uint32_t net_part_nlocal(const net_part *part, sim_gid first, uint32_t n)
{
  if (part->policy == NET_PART_BLOCK)
    return block_lo(n, part->nranks, part->rank + 1) -
           block_lo(n, part->nranks, part->rank);
  sim_gid g0 = rr_first(first, part->nranks, part->rank);
  if (g0 >= first + n)
    return 0;
  return (first + n - 1 - g0) / (uint32_t)part->nranks + 1;
}

sim_gid net_part_gid(const net_part *part, sim_gid first, uint32_t n, uint32_t i)
{
  if (part->policy == NET_PART_BLOCK)
    return first + block_lo(n, part->nranks, part->rank) + i;
  return rr_first(first, part->nranks, part->rank) + i * (uint32_t)part->nranks;
}

int net_part_owner(const net_part *part, sim_gid first, uint32_t n, sim_gid g)
{
  if (part->policy == NET_PART_BLOCK) {
    uint32_t off = g - first;
    int r = (int)((uint64_t)off * (uint64_t)part->nranks / n);
    while (r + 1 < part->nranks && block_lo(n, part->nranks, r + 1) <= off)
      r++;
    while (r > 0 && block_lo(n, part->nranks, r) > off)
      r--;
    return r;
  }
  return (int)(g % (uint32_t)part->nranks);
}

uint32_t net_part_index(const net_part *part, sim_gid first, uint32_t n, sim_gid g)
{
  int r = net_part_owner(part, first, n, g);
  if (part->policy == NET_PART_BLOCK)
    return g - first - block_lo(n, part->nranks, r);
  return (g - rr_first(first, part->nranks, r)) / (uint32_t)part->nranks;
}
