/*
 * fixture_log.h: what the event-log suites share (fixture_log.c).  Both
 * suites write into one mkdtemp directory under /tmp, made by
 * lf_suite_init and removed by lf_suite_clean.  Logs are made by lf_gen_log
 * from a small fixed network (populations E, I, noise; spike recorders on
 * all of E and half of I; a multimeter on three E neurons) and a
 * deterministic spike pattern, so each test knows exactly what a file must
 * contain.
 */
#ifndef FIXTURE_LOG_H
#define FIXTURE_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "../core/sim_types.h"
#include "../io/io_log.h"

#define WIN 15      /* ticks per window */
#define VM_EVERY 5  /* multimeter interval in ticks (0.5 ms) */

/* What lf_gen_log writes. */
typedef struct gen {
  int nwin;         /* windows */
  int rank, nranks; /* spikes and samples of gids with gid % nranks == rank */
  uint64_t digest;
  int close;        /* 1: io_log_close; 0: io_log_destroy after the windows */
  int big;          /* extra spikes per window (for size and sorting) */
} gen;

typedef struct spk {
  sim_time t;
  sim_gid g;
} spk;

/* A record reduced to comparable numbers. */
typedef struct rsum {
  int type;
  sim_time tick;
  uint64_t offset, size, n, hash;
} rsum;

/* The suites' set-up and clean-up: the scratch directory. */
int lf_suite_init(void);
int lf_suite_clean(void);
/* name in the scratch directory (8 rotating static buffers). */
const char *lf_tpath(const char *name);

/* The populations of every generated log. */
extern const io_log_pop lf_pops[3];
/* 20 windows, one rank, closed. */
extern const gen lf_gen_default;

/* The generator's LCG step (s advanced; returns 24 bits). */
uint32_t lf_lcg(uint32_t *s);
/* The k-th generated spike of window w (unsorted, duplicates possible). */
int lf_win_spikes(int w, int big, sim_time *t, sim_gid *g);
/* The multimeter values (2 per gid) at tick. */
void lf_vm_values(sim_time tick, const sim_gid *gids, uint32_t ng, double *v);
/* The header of a generated log (recs[3], vm_gids[3] are its storage). */
void lf_fill_header(io_log_header *h, io_log_rec *recs, sim_gid *vm_gids,
                    const gen *gn);
/* Write a log as described by gn; returns the io_log result code. */
int lf_gen_log(const char *path, const gen *gn);

/* Version 2 with every record kind: lf_gen_log's header plus projections
   EE (static) and EI (device), recorders W (weights of EE), D (devices of
   EI), En (energy); recs[6].  Per window w: its spikes and samples, a
   weight snapshot when w is even, device writes unless w % 3 == 1, energy
   rows unless w % 5 == 4. */
void lf_fill_header_v2(io_log_header *h, io_log_rec *recs, sim_gid *vm_gids,
                       const gen *gn);
int lf_gen_log_v2(const char *path, const gen *gn);

/* Whole file into memory (caller frees); *n its size. */
unsigned char *lf_slurp(const char *path, size_t *n);
/* Write b[0..n) to path (fatal CUnit failure if it cannot). */
void lf_spit(const char *path, const void *b, size_t n);

/* Order of spikes: by tick, then gid (qsort). */
int lf_spk_cmp(const void *pa, const void *pb);
/* The spikes lf_gen_log gives to rank/nranks, sorted; returns the count. */
size_t lf_expected_spikes(const gen *gn, spk *out);

int lf_rsum_eq(const rsum *a, const rsum *b);
/* Read every record of path into out (at most max); returns the count, or
   a negative code from the reader.  *st gets the final status. */
long lf_read_all(const char *path, rsum *out, long max, io_log_status *st);

#endif
