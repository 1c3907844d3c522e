/*
 * sim_names.h: lists of names (NULL-ended string arrays), as every table
 * of config keys, models and options is: look one up, list them in a
 * message.
 */
#ifndef SIM_NAMES_H
#define SIM_NAMES_H

#include <stddef.h>

/* Index of key in names (NULL-ended; names may be NULL), or -1. */
int sim_name_index(const char *const *names, const char *key);

/* "a, b, c" of names into buf (n bytes, cut to fit); returns buf. */
const char *sim_names_join(char *buf, size_t n, const char *const *names);

#endif
