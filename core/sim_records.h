/*
 * sim_records.h: the engine's producers of the records that are not about
 * neurons (sim_net.h SIM_REC_WEIGHTS, DEVICES, ENERGY): weight snapshots
 * walked over the CSR tables, device writes drained from the kinds'
 * journals, and counter deltas.  Called by sim_engine.c at each window
 * end, before the recorders' window_end; nothing is set up, and nothing
 * costs, when no record of these kinds has a recorder taking it.
 */
#ifndef SIM_RECORDS_H
#define SIM_RECORDS_H

#include <stdint.h>

#include "sim_ckpt.h"
#include "sim_engine.h"

typedef struct sim_records sim_records;

/* State for the records of net that some recorder takes, or NULL when
   there is none.  Turns on the journals of the projections a devices
   record names. */
sim_records *sim_records_start(const sim_net *net, const sim_recorder *recs, uint32_t nrecs);
/* The window ending before w1 is complete (stats up to date); last: it is
   the run's last window (energy deltas are flushed). */
void sim_records_window(sim_records *r, const sim_stats *st, sim_time w1, int last);
/* First tick >= w0 whose window must not be jumped over (a weight
   snapshot is due at its end), or SIM_NEVER. */
sim_time sim_records_next(const sim_records *x, sim_time w0);
/* The run ended at tick t after an idle stretch with no window end: give
   the energy records their deltas not given yet; returns 1 when some were
   (the caller then ends a window at t for the recorders). */
int sim_records_flush_energy(sim_records *x, const sim_stats *st, sim_time t);
/* Turn the journals off and free r (NULL: no-op). */
void sim_records_stop(sim_records *r);

/* Checkpoints: save writes one "records" record per record produced
   here (when it is next due; energy: its baseline); load reads the fields
   after the index k of one, from any rank's file (the baseline is added
   where the file's counters go, see sim_ckpt_load).  NULL x: none. */
void sim_records_save(const sim_records *x, const sim_ckpt_writer *w);
int sim_records_load(sim_records *x, const sim_ckpt_load *l, uint32_t k);

/* Sample fraction in [0, 1) of the synapse ordinal-th from pre to post for
   record rec (weights): kept when below the record's sample. */
double sim_records_sample_u(uint64_t seed, uint32_t rec, sim_gid pre, sim_gid post,
                            uint32_t ordinal);

#endif
