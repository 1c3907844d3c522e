/*
 * sim_error.h: error codes to text, and the detailed message of the last
 * failure.  A function that fails calls sim_error_set() with a message that
 * names the file, line or record, the field and what was expected, and
 * returns the code; the caller that decides to stop prints sim_error_msg().
 */
#ifndef SIM_ERROR_H
#define SIM_ERROR_H

#include "sim_types.h"

/* Generic text of an error code ("configuration error"). */
const char *sim_strerror(int code);

/* Record the detailed message of a failure (printf format); returns code so
   that callers can write `return sim_error_set(SIM_ECONFIG, ...)`. */
int sim_error_set(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Detailed message of the last failure (borrowed; valid until the next
   sim_error_set); the generic text when none was recorded. */
const char *sim_error_msg(void);

/* Code of the last failure recorded, 0 when none. */
int sim_error_code(void);

/* Forget the last failure (tests use it between cases). */
void sim_error_clear(void);

#endif
