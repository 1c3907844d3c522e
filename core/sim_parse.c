/*
 * sim_parse.c: see sim_parse.h.
 */
#include "sim_parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int sim_parse_double(const char *v, unsigned flags, double *out)
{
  if (flags & SIM_PARSE_NAN && strcasecmp(v, "nan") == 0) {
    *out = NAN;
    return 0;
  }
  if (flags & SIM_PARSE_INF) {
    const char *p = *v == '+' ? v + 1 : v;
    if (strcasecmp(p, "inf") == 0 || strcasecmp(p, "infinity") == 0) {
      *out = INFINITY;
      return 0;
    }
  }
  if (!*v || isspace((unsigned char)*v))
    return -1;
  char *end;
  errno = 0;
  double x = strtod(v, &end);
  if (end == v || *end || !isfinite(x))
    return -1;
  *out = x;
  return 0;
}

int sim_parse_uint(const char *v, uint64_t max, uint64_t *out)
{
  const char *p = v;
  if (*p == '+')
    p++;
  if (!isdigit((unsigned char)*p))
    return -1;
  uint64_t x = 0;
  for (; isdigit((unsigned char)*p); p++) {
    uint64_t d = (uint64_t)(*p - '0');
    if (x > (UINT64_MAX - d) / 10)
      return -1;
    x = 10 * x + d;
  }
  if (*p || x > max)
    return -1;
  *out = x;
  return 0;
}

int sim_parse_bool(const char *v, int *out)
{
  if (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0)
    *out = 1;
  else if (strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0)
    *out = 0;
  else
    return -1;
  return 0;
}
