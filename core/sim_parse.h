/*
 * sim_parse.h: the one parser of numbers and booleans written as text
 * (config values, device preset keys, energy constants, synapse keys), so
 * that every file accepts the same spellings.
 */
#ifndef SIM_PARSE_H
#define SIM_PARSE_H

#include <stdint.h>

#define SIM_PARSE_INF 1u /* also accept inf, +inf, infinity (any case) */
#define SIM_PARSE_NAN 2u /* also accept nan (any case) */

/* The whole string v as a finite double (strtod's syntax; no leading or
   trailing blank), or what flags allow besides.  0, or -1 leaving *out. */
int sim_parse_double(const char *v, unsigned flags, double *out);
/* A decimal integer in [0, max], optional leading '+'.  0 or -1. */
int sim_parse_uint(const char *v, uint64_t max, uint64_t *out);
/* true / false (any case), 1 / 0.  0 or -1. */
int sim_parse_bool(const char *v, int *out);

#endif
