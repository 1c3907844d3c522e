/*
 * sim_syn.c: the CSR synapse table's storage.
 */
#include "sim_syn.h"

#include <string.h>

#include "sim_alloc.h"

void sim_syn_table_fini(sim_syn_table *t)
{
  sim_free(t->off);
  sim_free(t->tgt);
  sim_free(t->w);
  sim_free(t->d);
  memset(t, 0, sizeof *t);
}

size_t sim_syn_table_bytes_for(uint64_t nsyn, uint32_t src_n, int per_w, int per_d)
{
  size_t per = sizeof(uint32_t) + (per_w ? sizeof(float) : 0) + (per_d ? sizeof(uint16_t) : 0);
  return (size_t)nsyn * per + ((size_t)src_n + 1) * sizeof(uint64_t);
}

size_t sim_syn_table_bytes(const sim_syn_table *t)
{
  return sim_syn_table_bytes_for(t->nsyn, t->src_n, t->w != NULL, t->d != NULL);
}
