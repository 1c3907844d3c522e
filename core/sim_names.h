/*
 * sim_names.h: lists of names (NULL-ended string arrays), as every table
 * of config keys, models and options is: look one up, list them in a
 * message; and key = value entries.
 */
#ifndef SIM_NAMES_H
#define SIM_NAMES_H

#include <stddef.h>

/* A raw key = value entry of a config, kept for the module that knows its
   keys (a synapse model's parameters). */
typedef struct sim_kv {
  char *key, *value; /* owned by whoever built the list */
  int line;          /* line in the config file; 0 for --set overrides */
} sim_kv;

/* Index of key in names (NULL-ended; names may be NULL), or -1. */
int sim_name_index(const char *const *names, const char *key);

/* "a, b, c" of names into buf (n bytes, cut to fit); returns buf. */
const char *sim_names_join(char *buf, size_t n, const char *const *names);

#endif
