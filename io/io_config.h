/*
 * io_config.h: the config reader.  An INI file (format: docs/config-format.md)
 * plus --set overrides becomes a validated net_desc; a bad config becomes one
 * message naming the file, the line, the section, the key and what is
 * allowed.  Nothing is built from a config that fails validation.
 */
#ifndef IO_CONFIG_H
#define IO_CONFIG_H

#include "../network/net_desc.h"

/* Longest accepted line in bytes, including the newline and the NUL. */
#define IO_CONFIG_MAX_LINE 65536

/* Largest number of variables one multimeter samples (net_rec_desc.vars). */
#define IO_CONFIG_MAX_VARS 8

/* Read and validate the config file at path.
   overrides: noverrides strings "section.key=value" (from --set), where
   section is `simulation` or the NAME of a population, projection or record
   section (names are unique over all sections).  An override replaces the
   key in that section or adds it; messages about it name "--set section.key"
   instead of a line number (net_kv.line is 0 for it).
   On success returns 0 and *out is a fully validated description (caller
   owns; free with net_desc_destroy).  Its digest is FNV-1a 64 over the raw
   file bytes followed by each override string including its terminating NUL
   (so {"a.b=1", "c"} and {"a.b=1c"} differ).
   On failure returns SIM_ECONFIG (SIM_EIO when the file cannot be read),
   *out is NULL and sim_error_msg() reads
   "FILE:LINE: [section NAME] key 'K': expected ... (got 'V')". */
int io_config_load(const char *path, const char *const *overrides, int noverrides,
                   net_desc **out /* OUT */);

/* One section built in memory (the C API, api/): type is "simulation",
   "population", "projection" or "record", name its NAME (NULL for
   simulation), keys[i] = values[i] for i < n, all borrowed. */
typedef struct io_config_section {
  const char *type;
  const char *name;
  const char *const *keys;
  const char *const *values;
  int n;
} io_config_section;

/* The same validation as io_config_load, on sections given in memory in
   this order (gids are given in the order of the populations): the same
   checks and messages, with the section as the location instead of
   FILE:LINE ("[population E] key 'tau_m': expected ...").  file names
   the description (net_desc.file; borrowed, copied); device presets are
   looked up as for a config without a directory.  The digest covers
   every type, name, key and value.  On success *out is the caller's
   (net_desc_destroy); on failure SIM_ECONFIG and *out NULL. */
int io_config_build(const char *file, const io_config_section *secs, size_t nsecs,
                    net_desc **out /* OUT */);

#endif
