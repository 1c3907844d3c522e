/*
 * fixture_digest.h: an in-memory spike recorder for suites that compare
 * runs (fixture_digest.c): a hash over every recorded (tick, gid) in the
 * order the engine gives them, and their count.  Two runs are the same
 * run when both agree.
 */
#ifndef FIXTURE_DIGEST_H
#define FIXTURE_DIGEST_H

#include <stdint.h>

#include "../core/sim_recorder.h"

typedef struct spike_digest {
  uint64_t h, n;
} spike_digest;

/* The starting value (the FNV-1a offset basis, no spikes). */
#define SPIKE_DIGEST_INIT {14695981039346656037ull, 0}

/* Recorder ops: only `spike`; self is a spike_digest. */
extern const sim_recorder_ops spike_digest_ops;

#endif
