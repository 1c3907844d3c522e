/*
 * io_config_value.c: the config reader's messages, value parsers and
 * lookups (io_config_int.h), shared by every pass and section builder.
 */
#include "io_config_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"
#include "../core/sim_names.h"

/* ======================================================================
 * Messages
 * ====================================================================== */

const char *io_cfg_shorten(const char *v, char *buf, size_t n)
{
  size_t len = strlen(v);
  if (len < n)
    return v;
  snprintf(buf, n, "%.*s...", (int)(n - 4), v);
  return buf;
}

int io_cfg_fail(const cfg *c, const cfg_section *s, const cfg_entry *e,
                const char *key, const char *fmt, ...)
{
  char msg[800], loc[160];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (!key && e)
    key = e->key;
  if ((e ? e->line : s->line) < 0) { /* built in memory (io_config_build) */
    const char *label0 = s->label ? s->label : s->raw;
    if (key)
      return sim_error_set(SIM_ECONFIG, "%s key '%s': %s", label0, key, msg);
    return sim_error_set(SIM_ECONFIG, "%s: %s", label0, msg);
  }
  if (e && e->line == 0)
    snprintf(loc, sizeof loc, "--set %s.%s", s->name ? s->name : "simulation",
             e->key);
  else
    snprintf(loc, sizeof loc, "%d", e ? e->line : s->line);
  const char *label = s->label ? s->label : s->raw;
  if (key)
    return sim_error_set(SIM_ECONFIG, "%s:%s: %s key '%s': %s", c->file, loc,
                         label, key, msg);
  return sim_error_set(SIM_ECONFIG, "%s:%s: %s: %s", c->file, loc, label, msg);
}

const char *io_cfg_join_names(char *buf, size_t n, const char *const *a,
                              const char *const *b, const char *const *c3)
{
  const char *const *lists[3] = {a, b, c3};
  buf[0] = '\0';
  for (int l = 0; l < 3; l++)
    for (int i = 0; lists[l] && lists[l][i]; i++) {
      if (buf[0])
        strncat(buf, ", ", n - strlen(buf) - 1);
      strncat(buf, lists[l][i], n - strlen(buf) - 1);
    }
  return buf;
}




char *io_cfg_trimmed_copy(const char *b, const char *e, const char *what)
{
  while (b < e && isspace((unsigned char)*b))
    b++;
  while (e > b && isspace((unsigned char)e[-1]))
    e--;
  char *s = sim_malloc((size_t)(e - b) + 1, what);
  memcpy(s, b, (size_t)(e - b));
  s[e - b] = '\0';
  return s;
}

/* Up to max comma-separated numbers between '(' and ')'; returns how many
   or -1. p points just after '('. */
static int parse_args(const char *p, double *args, int max)
{
  const char *close = strchr(p, ')');
  if (!close)
    return -1;
  for (const char *q = close + 1; *q; q++)
    if (!isspace((unsigned char)*q))
      return -1;
  int n = 0;
  for (;;) {
    const char *comma = memchr(p, ',', (size_t)(close - p));
    const char *end = comma ? comma : close;
    if (n == max)
      return -1;
    char *item = io_cfg_trimmed_copy(p, end, "config distribution argument");
    int bad = sim_parse_double(item, 0, &args[n]);
    sim_free(item);
    if (bad)
      return -1;
    n++;
    if (!comma)
      return n;
    p = comma + 1;
  }
}

/* A redraw bound: a number, inf, +inf or -inf. */
static int parse_bound(const char *b, const char *e, double *out)
{
  char *item = io_cfg_trimmed_copy(b, e, "config distribution bound");
  const char *q = item[0] == '-' || item[0] == '+' ? item + 1 : item;
  int bad = 0;
  if (strcasecmp(q, "inf") == 0 || strcasecmp(q, "infinity") == 0)
    *out = item[0] == '-' ? -INFINITY : INFINITY;
  else
    bad = sim_parse_double(item, 0, out);
  sim_free(item);
  return bad;
}

/* "redraw(normal(mean, std), min, max)": p points after "redraw". */
static int parse_redraw(const char *p, net_dist *d)
{
  double args[2];
  while (isspace((unsigned char)*p))
    p++;
  if (*p++ != '(')
    return -1;
  while (isspace((unsigned char)*p))
    p++;
  if (strncmp(p, "normal", 6) != 0)
    return -1;
  p += 6;
  while (isspace((unsigned char)*p))
    p++;
  if (*p++ != '(')
    return -1;
  const char *close = strchr(p, ')');
  if (!close)
    return -1;
  char *inner = io_cfg_trimmed_copy(p, close + 1, "config distribution argument");
  int n = parse_args(inner, args, 2);
  sim_free(inner);
  if (n != 2 || !(args[1] >= 0))
    return -1;
  p = close + 1;
  const char *c1 = strchr(p, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
  const char *end = c2 ? strchr(c2 + 1, ')') : NULL;
  if (!end)
    return -1;
  for (const char *q = p; q < c1; q++)
    if (!isspace((unsigned char)*q))
      return -1;
  for (const char *q = end + 1; *q; q++)
    if (!isspace((unsigned char)*q))
      return -1;
  if (parse_bound(c1 + 1, c2, &d->lo) || parse_bound(c2 + 1, end, &d->hi) ||
      !(d->lo < d->hi))
    return -1;
  /* The mass inside [lo, hi] must not be tiny: each value is redrawn until
     inside, so a bound 5 std beyond the mean would loop ~3.5e6 times. */
  double in;
  if (args[1] == 0)
    in = args[0] >= d->lo && args[0] <= d->hi;
  else
    in = 0.5 * (erfc((d->lo - args[0]) / (args[1] * 1.4142135623730951)) -
                erfc((d->hi - args[0]) / (args[1] * 1.4142135623730951)));
  if (!(in >= 1e-3))
    return -1;
  d->kind = NET_DIST_NORMAL;
  d->a = args[0];
  d->b = args[1];
  d->redraw = 1;
  return 0;
}

int io_cfg_parse_dist(const char *v, net_dist *d)
{
  double args[4];
  const char *p = v;
  while (isspace((unsigned char)*p))
    p++;
  d->lo = -INFINITY;
  d->hi = INFINITY;
  d->b = 0;
  d->redraw = 0;
  if (strncmp(p, "redraw", 6) == 0)
    return parse_redraw(p + 6, d);
  if (strncmp(p, "uniform", 7) == 0 || strncmp(p, "normal", 6) == 0) {
    int uniform = p[0] == 'u';
    p += uniform ? 7 : 6;
    while (isspace((unsigned char)*p))
      p++;
    if (*p != '(')
      return -1;
    int n = parse_args(p + 1, args, 4);
    if (uniform) {
      if (n != 2 || !(args[0] < args[1]))
        return -1;
      d->kind = NET_DIST_UNIFORM;
    } else {
      if ((n != 2 && n != 4) || !(args[1] >= 0))
        return -1;
      if (n == 4) {
        if (!(args[2] < args[3]))
          return -1;
        d->lo = args[2];
        d->hi = args[3];
      }
      d->kind = NET_DIST_NORMAL;
    }
    d->a = args[0];
    d->b = args[1];
    return 0;
  }
  d->kind = NET_DIST_CONST;
  return sim_parse_double(v, 0, &d->a);
}

int io_cfg_whole_ticks(double x, double tick)
{
  double r = x / tick;
  return r >= 0.5 && r < 4e18 && fabs(r - nearbyint(r)) <= 1e-9 * r;
}

cfg_entry *io_cfg_get(cfg_section *s, const char *key)
{
  for (size_t i = 0; i < s->n; i++)
    if (strcmp(s->e[i].key, key) == 0)
      return &s->e[i];
  return NULL;
}

cfg_entry *io_cfg_first_unknown(cfg_section *s, const char *const *allowed)
{
  for (size_t i = 0; i < s->n; i++)
    if (sim_name_index(allowed, s->e[i].key) < 0)
      return &s->e[i];
  return NULL;
}

int io_cfg_fail_unknown(const cfg *c, const cfg_section *s, const cfg_entry *e,
                        const char *allowed)
{
  char g[96];
  return io_cfg_fail(c, s, e, NULL, "unknown key: expected one of %s (got '%s')",
                     allowed, io_cfg_shorten(e->value, g, sizeof g));
}

cfg_section *io_cfg_find_section(cfg *c, const char *name)
{
  for (size_t i = 0; i < c->ns; i++)
    if (c->s[i].name && strcmp(c->s[i].name, name) == 0)
      return &c->s[i];
  return NULL;
}
