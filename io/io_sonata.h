/*
 * io_sonata.h: `memspike replay --sonata FILE.h5`: the merged, filtered
 * spikes as a SONATA spike file (HDF5; docs/replay.md, "SONATA").  The
 * only file of memspike that includes <hdf5.h> is io_sonata.c.
 */
#ifndef IO_SONATA_H
#define IO_SONATA_H

#include "io_replay.h"

/* Write the spikes of the logs in paths within f (NULL: everything) to the
   HDF5 file h5path (created or truncated): per selected population that a
   spike recorder covers, /spikes/<name>/timestamps (float64, ms) and
   /spikes/<name>/node_ids (uint64, population-local ids), sorted by time.
   Returns 0 or an error code with a message naming h5path (SIM_EIO when
   HDF5 cannot create or write it). */
int io_replay_sonata(const char *const *paths, int n, int flags, const io_replay_filter *f,
                     const char *h5path);

#endif
