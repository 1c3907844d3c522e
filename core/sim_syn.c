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

size_t sim_syn_table_bytes(const sim_syn_table *t)
{
  size_t per = sizeof(uint32_t) + (t->w ? sizeof(float) : 0) + (t->d ? sizeof(uint16_t) : 0);
  return (size_t)t->nsyn * per + ((size_t)t->src_n + 1) * sizeof(uint64_t);
}
