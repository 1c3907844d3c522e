/*
 * io_json.h: JSON documents built in memory and written in one go, for
 * every JSON memspike writes (the run summary, convert's results, the live
 * monitor's /status and /spikes).  A thin layer over Debian's jansson, so
 * that its header stays in io/: strings are escaped by the library (quotes,
 * backslashes, controls; UTF-8 passes through as it is, and bytes that are
 * not valid UTF-8 become U+FFFD), numbers that are not finite (NaN, +-inf)
 * become null (JSON has no spelling for them), and objects keep the order
 * in which their keys were set.
 *
 * Ownership: a value made by an io_json_* constructor belongs to the
 * caller until it is given to io_json_set or io_json_push, which take it.
 * Allocation goes through sim_malloc (its out-of-memory policy).
 */
#ifndef IO_JSON_H
#define IO_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct io_json io_json; /* one JSON value (opaque) */

io_json *io_json_object(void);
io_json *io_json_array(void);
/* s copied; NULL gives null. */
io_json *io_json_str(const char *s);
/* A copy of s with every byte that is not valid UTF-8 replaced by U+FFFD
   (what io_json_str stores; also for Prometheus labels).  Caller owns;
   free with sim_free. */
char *io_json_utf8(const char *s);
/* Non-finite x gives null. */
io_json *io_json_num(double x);
io_json *io_json_int(int64_t x);
/* Above INT64_MAX: written as a double. */
io_json *io_json_uint(uint64_t x);
io_json *io_json_bool(int b);
io_json *io_json_null(void);

/* Set key of object o to v (takes v; a key set again is replaced). */
void io_json_set(io_json *o, const char *key, io_json *v);
void io_json_set_str(io_json *o, const char *key, const char *s);
void io_json_set_num(io_json *o, const char *key, double x);
void io_json_set_int(io_json *o, const char *key, int64_t x);
void io_json_set_uint(io_json *o, const char *key, uint64_t x);
/* Append v to array a (takes v). */
void io_json_push(io_json *a, io_json *v);
/* An array of n numbers (non-finite ones null). */
io_json *io_json_nums(const double *x, size_t n);

/* Write v and a newline to out (one line; reals with 15 significant
   digits).  Returns 0, or SIM_EIO with a message naming path. */
int io_json_write(const io_json *v, FILE *out, const char *path);
/* v as a NUL-terminated string (no newline); caller owns, free with
   sim_free.  *len (may be NULL) gets its length. */
char *io_json_dump(const io_json *v, size_t *len /* OUT */);
/* NULL: no-op. */
void io_json_destroy(io_json *v);

#endif
