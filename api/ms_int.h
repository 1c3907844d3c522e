/*
 * ms_int.h: the inside of an ms_sim (include/memspike.h), shared by the
 * files of api/ and by the memspike command (tools/memspike.c), which
 * runs a config through the same functions and adds its event log as a
 * further recorder.  Files:
 *   ms_sim.c    creation, sections, build, run, reset, destroy, errors
 *   ms_pop.c    populations: sizes, initial values, parameters
 *   ms_rec.c    the in-memory recorder and the recorded data
 *   ms_proj.c   projections: pairs, weights, delays (connection order)
 *   ms_gather.c gathering arrays over ranks (mpi/comm.h)
 */
#ifndef MS_INT_H
#define MS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "../core/sim_engine.h"
#include "../include/memspike.h"
#include "../io/io_config.h"
#include "../network/net_build.h"

/* One section of the description as the API received it (all owned). */
typedef struct ms_section {
  char *type, *name;
  char **keys, **values;
  int n, cap;
} ms_section;

/* A per-neuron initial value set with ms_pop_set_initial. */
typedef struct ms_initval {
  int pop, var;   /* population index, index into its model's var_names */
  double *v;      /* owned, n values (1: every neuron) */
  size_t n;
} ms_initval;

/* Spikes and samples held in memory for the spike recorders and
   multimeters of the description (this rank's part). */
typedef struct ms_memrec {
  sim_time *spk_t;   /* owned: recorded spikes of every spike record */
  sim_gid *spk_g;
  size_t nspk, capspk;
  struct ms_samples {
    sim_time *t;     /* owned, nrows */
    double *v;       /* owned, nrows * nval */
    size_t nrows, cap;
    uint32_t nval;   /* values per row on this rank */
  } *smp;            /* owned, one per net_desc record */
  uint32_t nrecs;
  sim_time *cut;     /* owned, per record: data before this tick were
                        cleared (ms_rec_clear) */
  double res_ms;
} ms_memrec;

struct ms_sim {
  /* The description. */
  ms_section *secs;      /* owned; secs[0] is [simulation]; NULL when loaded */
  size_t nsecs, capsecs;
  int loaded;            /* 1: read from a config file (no sections) */
  net_desc *desc;        /* owned: the validated description */
  double horizon_ms;     /* [simulation] duration */
  sim_time min_delay;    /* ticks asked for (0: automatic) */
  ms_initval *inits;     /* owned, ninits (replayed at every build) */
  size_t ninits;
  double **wset;         /* owned, per projection: weights set between runs
                            (connection order, wset_n entries) or NULL */
  size_t *wset_n;
  /* Explicit connection lists (ms_sim_add_projection_list), handed to
     the builder in every net_desc validated from the sections. */
  struct ms_list {
    int proj;                  /* projection index */
    uint64_t n;
    uint32_t *pre, *post;      /* owned, population-local */
    double *w, *d;             /* owned or NULL (the weight / delay key) */
  } *lists;
  size_t nlists;
  /* The built network and its run. */
  const sim_exchange_ops *x; /* the exchange (comm_exchange) */
  net_network *net;      /* owned, NULL until built */
  sim_engine *eng;       /* owned, NULL until the first run */
  sim_stats st;          /* the run's counters (valid once started) */
  int st_live;           /* st holds arrays to free */
  int memrec;            /* 1: keep spikes and samples in memory */
  ms_memrec mr;
  sim_recorder recs[4];  /* recs[0] the in-memory one when memrec */
  uint32_t nrecs;
  sim_run_opts opts;     /* progress, stop, window hook (the command's) */
};

/* ------------------------------------------------ for the memspike command */

/* Load a config as ms_sim_load_config, memrec 0: nothing is kept in
   memory (the command writes the event log). */
int ms_sim_load(const char *path, const char *const *overrides, int noverrides,
                int memrec, ms_sim **out);
/* Build the network now (collective), if not yet built. */
int ms_sim_build(ms_sim *sim);
/* Add a recorder the engine calls beside the in-memory one (borrowed;
   before the first run). */
int ms_sim_add_recorder(ms_sim *sim, sim_recorder rec);
/* Run options for the next runs (recorders and exchange are the sim's:
   those fields of opts are ignored). */
void ms_sim_set_opts(ms_sim *sim, const sim_run_opts *opts);
/* Run up to tick t (<= the horizon). */
int ms_sim_advance(ms_sim *sim, sim_time t);
/* Close the engine (sources' stop) keeping the counters: the run is over
   (ms_sim_reset starts another). */
void ms_sim_finish(ms_sim *sim);
/* Borrowed views, valid until ms_sim_reset or ms_sim_destroy. */
static inline const net_desc *ms_sim_desc(const ms_sim *s) { return s->desc; }
static inline net_network *ms_sim_net(const ms_sim *s) { return s->net; }
static inline sim_stats *ms_sim_stats(ms_sim *s) { return &s->st; }

/* ----------------------------------------------------- between the files */

/* Checks that set MS_EINVAL with a message naming the function. */
int ms_check_sim(const ms_sim *sim, const char *fn);
int ms_check_pop(const ms_sim *sim, int pop, const char *fn);
int ms_check_proj(const ms_sim *sim, int proj, const char *fn);
/* Rebuild the description from the sections (after an edit). */
int ms_sim_revalidate(ms_sim *sim, net_desc **out);
/* Find key in section i, or NULL. */
const char *ms_section_get(const ms_section *s, const char *key);
/* Set key = value in s (replace or append). */
void ms_section_set(ms_section *s, const char *key, const char *value);
/* The section of population pop / projection proj. */
ms_section *ms_pop_section(ms_sim *sim, int pop);

/* The in-memory recorder (ms_rec.c). */
void ms_memrec_init(ms_memrec *m, const net_network *net);
void ms_memrec_fini(ms_memrec *m);
extern const sim_recorder_ops ms_memrec_ops;

/* Apply initial values and set weights to a freshly built network. */
int ms_pop_apply_inits(ms_sim *sim);
int ms_proj_apply_weights(ms_sim *sim, int proj, const double *w, size_t n);

/* Gathering over ranks (ms_gather.c).  Every rank contributes n items of
   size bytes; *all gets every rank's items in rank order (caller frees
   with sim_free), *total their number, counts (may be NULL; nranks
   entries, caller's) each rank's n. */
void ms_allgather(const void *items, size_t n, size_t size, void **all, size_t *total,
                  size_t *counts);
uint64_t ms_sum_u64(uint64_t x);

#endif
