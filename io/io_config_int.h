/*
 * io_config_int.h: internals shared by the files of the config reader
 * (io_config.h): the text collected from the file and --set overrides,
 * the message and value helpers, and the builders of pass 3, one file per
 * kind of section:
 *   io_config.c        passes 1 and 2 (collect, structure, overrides), the
 *                      pass 3 driver and the entry point
 *   io_config_value.c  messages, values, section and key lookups
 *   io_config_pop.c    [simulation] and [population NAME]
 *   io_config_proj.c   [projection NAME] (synapse keys go to syn_spec)
 *   io_config_rec.c    [record NAME]
 */
#ifndef IO_CONFIG_INT_H
#define IO_CONFIG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "io_config.h"
#include "../core/sim_parse.h"
#include "io_ini.h"

/* ---------------------------------------------------------- collected text */

typedef enum sec_type {
  SEC_UNKNOWN = 0,
  SEC_SIMULATION,
  SEC_POPULATION,
  SEC_PROJECTION,
  SEC_RECORD
} sec_type;

typedef struct cfg_entry {
  char *key, *value; /* owned */
  int line;          /* line in the file; 0 when it comes from --set */
} cfg_entry;

/* Invariant after pass 2: type != SEC_UNKNOWN, name != NULL unless type is
   SEC_SIMULATION, names unique, keys unique within the section. */
typedef struct cfg_section {
  char *raw;      /* owned: header text between '[' and ']' as written */
  char *label;    /* owned: "[population E]" with single spaces, for messages */
  char *name;     /* owned: the NAME word, NULL for [simulation] */
  sec_type type;
  int line;       /* line of the header */
  int index;      /* index in net_desc's pops/projs/recs of its type */
  cfg_entry *e;   /* owned, n entries in file order, overrides appended */
  size_t n, cap;
} cfg_section;

typedef struct cfg {
  const char *file;       /* borrowed: path as given, for messages */
  io_ini_lines in;        /* the file and where the reader is in it */
  int orphan_line;        /* first key before any section header, or 0 */
  char *orphan_key;       /* owned: that key */
  cfg_section *s;         /* owned, ns sections in file order */
  size_t ns, cap;
  double res_ms;          /* resolution, once [simulation] is validated */
  int mem;                /* 1: sections built in memory (io_config_build):
                             lines are -1, presets not looked up next to
                             a file */
} cfg;

/* ---------------------------------------------------------------- messages */

/* v shortened for a message (long lists would drown the rest). */
const char *io_cfg_shorten(const char *v, char *buf, size_t n);

/* Record a failure in section s: at entry e (its line, or "--set NAME.key"
   for an override), or at the section header when e is NULL.  key defaults
   to e's key; NULL for a message about the section as a whole. */
int io_cfg_fail(const cfg *c, const cfg_section *s, const cfg_entry *e,
                const char *key, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* "a, b, c" from up to three NULL-ended lists into buf. */
const char *io_cfg_join_names(char *buf, size_t n, const char *const *a,
                              const char *const *b, const char *const *c3);

/* An unknown key e: "unknown key: expected one of ALLOWED (got 'V')". */
int io_cfg_fail_unknown(const cfg *c, const cfg_section *s, const cfg_entry *e,
                        const char *allowed);

/* ------------------------------------------------------------------ values */

#define DIST_HINT                                                        \
  "a number, uniform(a, b) with a < b, normal(mean, std[, min, max]) " \
  "with std >= 0 and min < max (clipped), or redraw(normal(mean, std), " \
  "min, max) with min < max (inf and -inf allowed) holding >= 1/1000 of " \
  "the mass"




/* Copy of [b, e) without surrounding blanks. */
char *io_cfg_trimmed_copy(const char *b, const char *e, const char *what);

/* "1.5" | "uniform(a, b)" | "normal(mean, std)" | "normal(mean, std, min,
   max)" | "redraw(normal(mean, std), min, max)" (blanks allowed anywhere between tokens). */
int io_cfg_parse_dist(const char *v, net_dist *d);

/* True when x / tick is a whole number (1e-9 relative tolerance). */
int io_cfg_whole_ticks(double x, double tick);

/* ----------------------------------------------------------------- lookups */

/* Entry with this key, or NULL. */
cfg_entry *io_cfg_get(cfg_section *s, const char *key);

/* First entry whose key is not in allowed (NULL-ended), or NULL. */
cfg_entry *io_cfg_first_unknown(cfg_section *s, const char *const *allowed);

/* The section named name (any type but [simulation]), or NULL. */
cfg_section *io_cfg_find_section(cfg *c, const char *name);

/* Population named by entry e (key source/target/population) or an error. */
int io_cfg_resolve_pop(cfg *c, cfg_section *s, cfg_entry *e, const net_desc *d,
                       uint32_t *out);

/* "poisson_generator", "spike_generator" or the neuron model's name. */
const char *io_cfg_pop_kind_name(const net_pop_desc *p);

/* ------------------------------------------------------ pass 3: builders */

/* Each fills one description from its validated section, or returns
   SIM_ECONFIG through io_cfg_fail at the first bad key.  They run in this
   order (io_config.c): [simulation] first (it sets c->res_ms, which the
   others need), populations in file order (each adds its neurons to
   *total, which gives the next first_gid), then projections and records,
   which refer to populations in d. */
int io_cfg_build_simulation(cfg *c, cfg_section *s, net_sim_desc *sim);
int io_cfg_build_population(cfg *c, cfg_section *s, net_pop_desc *p, sim_gid *total);
int io_cfg_build_projection(cfg *c, cfg_section *s, net_proj_desc *pr,
                            const net_desc *d);
int io_cfg_build_record(cfg *c, cfg_section *s, net_rec_desc *r, const net_desc *d);

#endif
