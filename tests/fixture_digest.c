/*
 * fixture_digest.c: the spike digest recorder of fixture_digest.h.
 */
#include "fixture_digest.h"

static void digest_spike(void *self, sim_time t, sim_gid gid)
{
  spike_digest *d = self;
  d->h = (d->h ^ (uint64_t)t * 0x9E3779B97F4A7C15ull ^ gid) * 0x100000001B3ull;
  d->n++;
}

const sim_recorder_ops spike_digest_ops = {.spike = digest_spike};
