/*
 * net_partition.h: which rank owns which neuron.  A population holds the
 * gids [first, first + n); a policy maps each gid to one rank, and a rank's
 * own neurons of a population get local indices 0 .. nlocal-1 in ascending
 * gid order (so local order is gid order on every rank).
 */
#ifndef NET_PARTITION_H
#define NET_PARTITION_H

#include <stdint.h>

#include "../core/sim_types.h"
#include "net_desc.h"

typedef struct net_part {
  net_partition policy;
  int rank, nranks;
} net_part;

/* Number of the population's neurons owned by part->rank. */
uint32_t net_part_nlocal(const net_part *part, sim_gid first, uint32_t n);
/* gid of local index i (i < nlocal). */
sim_gid net_part_gid(const net_part *part, sim_gid first, uint32_t n, uint32_t i);
/* Rank owning gid g of the population. */
int net_part_owner(const net_part *part, sim_gid first, uint32_t n, sim_gid g);
/* Local index of gid g on its owner rank. */
uint32_t net_part_index(const net_part *part, sim_gid first, uint32_t n, sim_gid g);

#endif
