/*
 * sim_error.c: the error-code table and the last detailed error message.
 * One process-wide message buffer: the engine is single-threaded per rank.
 */
#include "sim_error.h"

#include <stdarg.h>
#include <stdio.h>

static char last_msg[1024];
static int last_code;

const char *sim_strerror(int code)
{
  switch (code) {
#define SIM_ERR_CASE(name, value, msg) \
  case value:                          \
    return msg;
    SIM_ERRORS(SIM_ERR_CASE)
#undef SIM_ERR_CASE
  }
  return "unknown error";
}

int sim_error_set(int code, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last_msg, sizeof last_msg, fmt, ap);
  va_end(ap);
  last_code = code;
  return code;
}

const char *sim_error_msg(void)
{
  return last_msg[0] ? last_msg : sim_strerror(last_code);
}

int sim_error_code(void) { return last_code; }

void sim_error_clear(void)
{
  last_msg[0] = '\0';
  last_code = 0;
}
