/*
 * memspike.h: the public C API of libmemspike, the one way into the
 * simulator for C programs, the memspike command (its `run` is a client
 * of these functions) and the PyNN backend (pyNN.memspike, through ctypes).
 * docs/c-api.md has a first program and the contract of every function.
 *
 * The model: a simulation (ms_sim, opaque) holds a network description
 * built section by section from the same keys and values as a config file
 * (docs/config-format.md): [simulation] keys at creation, then
 * populations, projections and records.  Every value is validated by the
 * config reader itself, so a bad model, key or value gets the config's
 * message (ms_error_message), naming the section and key, and nothing is
 * added.  The network is built at the first run; from then on the
 * structure is fixed (no new populations, projections or records) until
 * ms_sim_destroy, and ms_sim_reset goes back to t = 0 with the same
 * network.
 *
 * Conventions:
 * - Every function that can fail returns an int: MS_OK (0) or a negative
 *   ms_status; the detailed message is ms_error_message().  Functions
 *   never abort on bad input; out of memory ends the process (all ranks)
 *   with a message, as the memspike command does.
 * - Plain C types only: strings (NUL-terminated, UTF-8, copied by the
 *   library), doubles in NEST's units (ms, mV, pA, pF, Hz), uint32_t
 *   global neuron ids (gids), int handles for populations, projections and
 *   records (0, 1, 2 ... in the order they were added, per kind).
 * - Arrays the library fills are the caller's: ask for the length first
 *   (the *_count functions), then pass arrays of at least that many
 *   elements.  OUT parameters come last.
 * - Times: a run advances in ticks of the resolution; a time in ms given
 *   to a run must be a whole number of ticks (1e-9 relative tolerance).
 * - MPI: call ms_init before anything else in a program started by
 *   `mpirun -np N`; every rank then makes the same calls with the same
 *   arguments (collective), each rank builds and simulates only its share
 *   of the neurons, as `memspike run` does, and the results (spikes,
 *   samples, weights) are the same bits for any N.  Functions that read
 *   results gather them: every rank gets all of them.  Without ms_init
 *   (or without mpirun) a simulation is one rank.
 * - Not thread-safe: one thread at a time per process (the last error
 *   message is process-wide).
 */
#ifndef MEMSPIKE_H
#define MEMSPIKE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Version                                                              */

#define MS_VERSION_MAJOR 0
#define MS_VERSION_MINOR 1
#define MS_VERSION_PATCH 0
#define MS_VERSION "0.1.0"
/* MAJOR * 10000 + MINOR * 100 + PATCH: compare with #if. */
#define MS_VERSION_NUMBER \
  (MS_VERSION_MAJOR * 10000 + MS_VERSION_MINOR * 100 + MS_VERSION_PATCH)

/* The library's version string ("0.1.0"): the one it was built as, which
   may differ from the MS_VERSION a program was compiled with. */
const char *ms_version(void);

/* ------------------------------------------------------------------ */
/* Errors                                                               */

typedef enum ms_status {
  MS_OK = 0,
  MS_ENOMEM = -1,       /* out of memory (normally ends the process) */
  MS_EINVAL = -2,       /* a bad argument: NULL handle, index out of range,
                           array length that does not match */
  MS_ECONFIG = -3,      /* a bad model, key or value: the config's message */
  MS_EIO = -4,          /* a file that cannot be read or written */
  MS_EFORMAT = -5,      /* a malformed file (event log, model, preset) */
  MS_ERANGE = -6,       /* a value out of range (a run past the horizon) */
  MS_ECOMM = -7,        /* another rank failed (its message is on its
                           stderr and in its ms_error_message) */
  MS_EUSAGE = -8,       /* bad command-line usage (the memspike command) */
  MS_ESTOP = -9,        /* a run stopped on request (signal) */
  MS_ESTATE = -10,      /* not at this point: e.g. adding a population
                           after the network was built */
  MS_EUNSUPPORTED = -11 /* a valid request this version does not support
                           (the message names it) */
} ms_status;

/* The detailed message of the last failure in this process (borrowed;
   valid until the next failing call): for a bad key or value it is the
   config reader's text, "[population E] key 'tau_m': expected a number
   > 0 (got '-1')", the location given as the section instead of
   FILE:LINE (a config file's message keeps its FILE:LINE).  The generic
   text of the code when none was recorded. */
const char *ms_error_message(void);

/* The code of the last failure recorded (0: none since the last
   ms_error_clear). */
int ms_error_code(void);

/* Forget the last failure. */
void ms_error_clear(void);

/* The generic text of a status ("configuration error"); never NULL. */
const char *ms_strerror(int status);

/* ------------------------------------------------------------------ */
/* MPI                                                                  */

/* Start MPI when the program was launched by mpirun (otherwise: one rank,
   nothing started); argc/argv may be NULL.  Idempotent.  Call it before
   creating a simulation; under mpirun every rank must. */
int ms_init(int *argc, char ***argv);
/* Finish MPI (after every ms_sim_destroy); idempotent.  No ms_ call but
   ms_version and the error functions may follow. */
void ms_finalize(void);
/* This process's rank and the number of ranks (0 and 1 without MPI). */
int ms_rank(void);
int ms_nranks(void);

/* ------------------------------------------------------------------ */
/* A simulation                                                         */

typedef struct ms_sim ms_sim;

/* Create a simulation from [simulation] keys (docs/config-format.md):
   keys[i] = values[i] for i < n (n = 0: every default; keys and values
   may then be NULL).  Keys as in a config: resolution (ms per tick,
   default 0.1), seed (default 1), partition, max_memory, output (only
   used by the memspike command), and duration: here the horizon, the
   latest time (ms) any run may reach (default 1e7 ms, 1e8 ticks at the
   default resolution; nothing depends on it but that limit).  Also
   accepted: min_delay (ms, a whole number of ticks >= the resolution, or
   "auto", the default: the smallest delay of the projections that cross
   ranks; given, it must be at most that) and max_delay ("auto" only; for
   PyNN's setup(), which passes both).  On success *out is the caller's
   (free with ms_sim_destroy).  Collective under MPI. */
int ms_sim_create(const char *const *keys, const char *const *values, int n,
                  ms_sim **out /* OUT */);

/* Read a config file (plus --set style overrides "section.key=value",
   noverrides of them) into a new simulation: the populations, projections
   and records of the file, its duration as the horizon.  The same loader
   as `memspike run`, with its messages (FILE:LINE: ...).  *out is the
   caller's (ms_sim_destroy).  Its spike recorders and multimeters are
   records 0, 1 ... in file order (weights, devices and energy records
   are written only by the memspike command's event log). */
int ms_sim_load_config(const char *path, const char *const *overrides, int noverrides,
                       ms_sim **out /* OUT */);

/* Free everything; NULL is a no-op.  Collective under MPI. */
void ms_sim_destroy(ms_sim *sim);

/* ------------------------------------------------------------------ */
/* Building: populations, projections, records (before the first run)  */

/* Add a population of n neurons (or generators) of model: a neuron model
   (iaf_psc_delta, iaf_psc_exp, izhikevich, if_soft_reset, parrot_neuron),
   poisson_generator, spike_generator or log_source.  keys[i] = values[i]
   (i < nkv) are the section's other keys exactly as in a config:
   parameters ("tau_m" = "20"), initial values of state variables as
   numbers or distributions ("V_m" = "uniform(-70, -55)"), a generator's
   keys ("rate" = "10", "spike_times" = "1.5, 3, 7.2").  name: letters,
   digits, '_' and '-', unique over populations, projections and records;
   NULL gives "pop<K>".  n: as the config's `n` (generators: 1, or the
   size their keys fix; 0 means "the default": 1 for generators).
   *index gets the population's handle (0, 1, ... in order); gids are
   given in that order (ms_pop_first_gid).  A bad model, key or value:
   MS_ECONFIG with the config's message, and nothing is added. */
int ms_sim_add_population(ms_sim *sim, const char *name, const char *model,
                          uint32_t n, const char *const *keys,
                          const char *const *values, int nkv, int *index /* OUT */);

/* Add a projection from population source to target with connection
   rule (all_to_all, one_to_one, fixed_indegree, fixed_outdegree,
   pairwise_bernoulli, fixed_total_number) and the section's other keys
   as in a config: weight, delay (numbers or distributions), indegree,
   outdegree, p, N, allow_autapses, allow_multapses, receptor_type,
   synapse (static_synapse, stdp_synapse, device) and its keys (tau_plus,
   Wmax, device = PRESET, plasticity, ...).  name as for populations (NULL:
   "proj<K>").  *index gets its handle.  Device presets are looked up in
   $MEMSPIKE_DEVICES, then the installed presets (for a loaded config:
   next to the file first). */
int ms_sim_add_projection(ms_sim *sim, const char *name, int source, int target,
                          const char *rule, const char *const *keys,
                          const char *const *values, int nkv, int *index /* OUT */);

/* Add a projection of explicit connections (PyNN's FromListConnector):
   n connections pre[k] -> post[k] (population-local indices of source
   and target), with weight[k] and delay_ms[k] (NULL: the projection's
   `weight` / `delay` key, which is then required).  keys/values: the
   projection keys other than the rule's (synapse and its keys,
   receptor_type; weight and delay when the arrays are NULL).  The
   connections keep this order among those of one (pre, post) pair.
   Delays must be >= the resolution; indices out of range: MS_EINVAL. */
int ms_sim_add_projection_list(ms_sim *sim, const char *name, int source, int target,
                               size_t n, const uint32_t *pre, const uint32_t *post,
                               const double *weight, const double *delay_ms,
                               const char *const *keys, const char *const *values,
                               int nkv, int *index /* OUT */);

/* Record population pop: what = "spikes" (a spike recorder), or a comma
   list of the model's state variables ("V_m" or "V_m, I_syn_ex", at most
   8: a multimeter sampling every interval_ms, a whole number of ticks >=
   the resolution; 0: 1 ms, NEST's default).  Neurons: population-local
   indices [first, first + count); count = 0: all from first.  *index gets
   the record's handle (for ms_rec_*).  Data are held in memory from the
   first run until ms_rec_clear, ms_sim_reset or ms_sim_destroy. */
int ms_sim_record(ms_sim *sim, int pop, const char *what, double interval_ms,
                  uint32_t first, uint32_t count, int *index /* OUT */);

/* Set the initial value of state variable var (a name of the model's
   state variables: "V_m", "U_m", ...) of population pop: n = 1 gives every
   neuron values[0]; n = the population size gives neuron i values[i].
   Before the first run or after ms_sim_reset (then for the next run, and
   every run after a later reset); overrides the key given at
   ms_sim_add_population. */
int ms_pop_set_initial(ms_sim *sim, int pop, const char *var, const double *values,
                       size_t n);

/* ------------------------------------------------------------------ */
/* Populations                                                          */

int ms_sim_population_count(const ms_sim *sim, int *n /* OUT */);
/* The population called name, or MS_EINVAL. */
int ms_sim_find_population(const ms_sim *sim, const char *name, int *index /* OUT */);
/* Size, first gid (its gids are [first, first + size)), the model's name
   (borrowed; valid until ms_sim_destroy). */
int ms_pop_size(const ms_sim *sim, int pop, uint32_t *n /* OUT */);
int ms_pop_first_gid(const ms_sim *sim, int pop, uint32_t *gid /* OUT */);
int ms_pop_model(const ms_sim *sim, int pop, const char **model /* OUT */);

/* A parameter of a neuron population (a key of the model's parameter
   table, as in a config), the same for all its neurons. */
int ms_pop_get_param(const ms_sim *sim, int pop, const char *key, double *value /* OUT */);
/* Set a parameter (neuron models: any key of the model; generators:
   their keys) from its config text ("20", "true", "1.5, 3"): validated as
   in a config, with the whole parameter set checked again (V_reset <
   V_th ...).  Before the first run or after ms_sim_reset always; between
   runs for models updated at every tick (iaf_psc_exp, izhikevich,
   if_soft_reset: from the next tick on), otherwise MS_ESTATE (an
   event-driven model's pending threshold predictions, or a generator's
   trains, were drawn with the old values). */
int ms_pop_set_param(ms_sim *sim, int pop, const char *key, const char *value);

/* ------------------------------------------------------------------ */
/* Running                                                              */

/* Simulate for duration_ms more (a whole number of ticks, > 0): from the
   current time t to t + duration_ms.  The first run builds the network
   (collective; may fail with the config reader's or builder's message).
   Runs whose stops lie on the min-delay grid (multiples of
   ms_sim_min_delay) give the same bits as one run of their sum (a stop
   off the grid is still exact, but may sum same-tick inputs in another
   order).  Past the horizon: MS_ERANGE, nothing run. */
int ms_sim_run(ms_sim *sim, double duration_ms);
/* Simulate up to time t_ms (>= the current time). */
int ms_sim_run_until(ms_sim *sim, double t_ms);
/* Back to t = 0 with the same network (PyNN's reset): state variables
   to their initial values (as given at creation or by ms_pop_set_initial),
   plastic weights to their initial draw, then the weights set with
   ms_proj_set_weights and parameters set with ms_pop_set_param applied
   again; recorded data cleared.  The next run is the first run's bits.
   Collective. */
int ms_sim_reset(ms_sim *sim);

/* Current time (ms): the sum of the runs since creation or reset. */
int ms_sim_time(const ms_sim *sim, double *t_ms /* OUT */);
/* Resolution (ms per tick). */
int ms_sim_resolution(const ms_sim *sim, double *ms /* OUT */);
/* The window between exchanges (ms): the min_delay key, or the smallest
   delay of any projection whose spikes cross ranks.  Reading it (or
   max_delay) builds the network, as a run does. */
int ms_sim_min_delay(const ms_sim *sim, double *ms /* OUT */);
/* The largest delay of any projection (ms); known once built. */
int ms_sim_max_delay(const ms_sim *sim, double *ms /* OUT */);
/* The horizon (ms): the [simulation] duration. */
int ms_sim_horizon(const ms_sim *sim, double *ms /* OUT */);

/* ------------------------------------------------------------------ */
/* Recorded data (every rank gets all of it)                            */

/* Spikes recorded by spike record rec so far: *n of them. */
int ms_rec_spike_count(const ms_sim *sim, int rec, size_t *n /* OUT */);
/* The spikes, sorted by (time, gid), the order NEST and the event log
   give: t_ms[k] the time (ms, tick x resolution), gid[k] the neuron's
   gid; both arrays of at least n = ms_rec_spike_count entries (either may
   be NULL).  A spike of multiplicity k (parrot_neuron) appears k times. */
int ms_rec_spikes(const ms_sim *sim, int rec, double *t_ms, uint32_t *gid, size_t n);

/* A multimeter record's shape: nrows samples taken so far, ngids
   recorded neurons, nvars variables per neuron. */
int ms_rec_sample_shape(const ms_sim *sim, int rec, size_t *nrows /* OUT */,
                        uint32_t *ngids /* OUT */, uint32_t *nvars /* OUT */);
/* The recorded neurons' gids (ascending, ngids entries) and the names of
   the variables (var < nvars; borrowed). */
int ms_rec_sample_gids(const ms_sim *sim, int rec, uint32_t *gids, uint32_t ngids);
int ms_rec_sample_var(const ms_sim *sim, int rec, uint32_t var, const char **name /* OUT */);
/* The samples: t_ms[r] the time of row r (ms); values[(r * ngids + g) *
   nvars + v] variable v of neuron gids[g] at that time (mV, pA, ...).
   Arrays of nrows and nrows x ngids x nvars entries (either may be
   NULL). */
int ms_rec_samples(const ms_sim *sim, int rec, double *t_ms, double *values,
                   size_t nrows);
/* Drop what record rec holds (PyNN's get_data(clear=True)). */
int ms_rec_clear(ms_sim *sim, int rec);

/* ------------------------------------------------------------------ */
/* Projections: connections and weights (reading builds the network)   */

int ms_sim_projection_count(const ms_sim *sim, int *n /* OUT */);
/* Connections of projection proj, over all ranks. */
int ms_proj_size(const ms_sim *sim, int proj, uint64_t *n /* OUT */);
/* The connections in connection order: ascending pre gid, then
   ascending post gid, then the order they were drawn (the same on any
   number of ranks); pre and post gids, arrays of n = ms_proj_size
   entries (either may be NULL). */
int ms_proj_pairs(const ms_sim *sim, int proj, uint32_t *pre, uint32_t *post, size_t n);
/* Current weights (mV or pA, the target's input unit; a device synapse's
   weight read without noise) and delays (ms), in connection order. */
int ms_proj_weights(const ms_sim *sim, int proj, double *w, size_t n);
int ms_proj_delays(const ms_sim *sim, int proj, double *delay_ms, size_t n);
/* Set every weight (connection order, n = ms_proj_size entries; n = 1:
   all to w[0]) between runs or before the first (which builds the
   network for it).  Static synapses keep float32 weights (the config's
   storage): a weight reads back rounded to float unless the projection
   holds one constant weight and all values are equal (then one double);
   stdp_synapse weights are doubles.  Models that route by sign
   (iaf_psc_exp) route each synapse by its new sign.  Device synapses:
   MS_EUNSUPPORTED (their state is a conductance).  Kept for resets. */
int ms_proj_set_weights(ms_sim *sim, int proj, const double *w, size_t n);

#ifdef __cplusplus
}
#endif

#endif
