/*
 * io_config.c: the config reader (io_config.h; format in
 * docs/config-format.md).
 *
 * Three passes, so that nothing is built for a bad config:
 *   1. collect: libinih feeds every section and key = value (with its line)
 *      into memory; the reader callback counts lines and notes each section
 *      header, so empty sections and header lines are known too;
 *   2. structure: section types and names, duplicate keys, then --set
 *      overrides are applied to the collected text;
 *   3. validate and fill the net_desc: [simulation] first (the resolution is
 *      needed by everything else), then populations in file order (gids are
 *      assigned in that order), projections, records.
 * The first error stops the load; its message names file, line (or
 * "--set section.key"), section, key, what is allowed and what was given.
 *
 * Owns: the collected text (freed before returning) and, until it is handed
 * to the caller, the net_desc being filled.
 */
#include "io_config.h"
#include "../synapses/syn_spec.h"
#include "io_preset.h"

#include <ctype.h>
#include <errno.h>
#include "io_ini.h"
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"

/* ======================================================================
 * Collected text
 * ====================================================================== */

typedef enum sec_type {
  SEC_UNKNOWN = 0,
  SEC_SIMULATION,
  SEC_POPULATION,
  SEC_PROJECTION,
  SEC_RECORD
} sec_type;

static const char *const sec_type_names[] = {"", "simulation", "population",
                                             "projection", "record"};

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
} cfg;

static void cfg_fini(cfg *c)
{
  for (size_t i = 0; i < c->ns; i++) {
    cfg_section *s = &c->s[i];
    for (size_t k = 0; k < s->n; k++) {
      sim_free(s->e[k].key);
      sim_free(s->e[k].value);
    }
    sim_free(s->e);
    sim_free(s->raw);
    sim_free(s->label);
    sim_free(s->name);
  }
  sim_free(c->s);
  sim_free(c->orphan_key);
}

static cfg_section *section_add(cfg *c, const char *raw, size_t rawlen, int line)
{
  if (c->ns == c->cap) {
    c->cap = c->cap ? 2 * c->cap : 8;
    c->s = sim_realloc(c->s, c->cap * sizeof *c->s, "config sections");
  }
  cfg_section *s = &c->s[c->ns++];
  memset(s, 0, sizeof *s);
  s->raw = sim_malloc(rawlen + 1, "config section header");
  memcpy(s->raw, raw, rawlen);
  s->raw[rawlen] = '\0';
  s->line = line;
  return s;
}

static cfg_entry *entry_add(cfg_section *s, const char *key, const char *value,
                            int line)
{
  if (s->n == s->cap) {
    s->cap = s->cap ? 2 * s->cap : 8;
    s->e = sim_realloc(s->e, s->cap * sizeof *s->e, "config entries");
  }
  cfg_entry *e = &s->e[s->n++];
  e->key = sim_strdup(key, "config key");
  e->value = sim_strdup(value, "config value");
  e->line = line;
  return e;
}

/* libinih reader: hands out one line of c->in.buf per call (like fgets on the
   file), counts lines and notes section headers, so that the handler knows
   the line of each entry and empty sections are not lost.  The line buffer
   is IO_CONFIG_MAX_LINE bytes; a longer line is cut and remembered as an
   error, and the rest of it skipped so that line numbers stay right. */
static char *cfg_read_line(char *str, int num, void *stream)
{
  cfg *c = stream;
  /* Section header: what inih will see as one (the name ends at the first
     ']'). */
  const char *t = io_ini_next_line(&c->in, str, num);
  if (!t)
    return NULL;
  if (*t == '[') {
    const char *end = strchr(t + 1, ']');
    if (end)
      section_add(c, t + 1, (size_t)(end - t - 1), c->in.line);
  }
  return str;
}

/* libinih handler: one key = value of the current section.  The section is
   the last header the reader saw: the reader accepts every header inih
   accepts (a '[' first, a ']' later), and inih's own copy of the name is cut
   at a fixed length, so `section` is not used beyond "no section yet". */
static int cfg_on_entry(void *user, const char *section, const char *name,
                        const char *value)
{
  cfg *c = user;
  (void)section;
  if (c->ns == 0) {
    if (!c->orphan_line) {
      c->orphan_line = c->in.line;
      c->orphan_key = sim_strdup(name, "config key");
    }
    return 1;
  }
  entry_add(&c->s[c->ns - 1], name, value, c->in.line);
  return 1;
}

/* ======================================================================
 * Messages
 * ====================================================================== */

/* v shortened for a message (long lists would drown the rest). */
static const char *shorten(const char *v, char *buf, size_t n)
{
  size_t len = strlen(v);
  if (len < n)
    return v;
  snprintf(buf, n, "%.*s...", (int)(n - 4), v);
  return buf;
}

/* Record a failure in section s: at entry e (its line, or "--set NAME.key"
   for an override), or at the section header when e is NULL.  key defaults
   to e's key; NULL for a message about the section as a whole. */
static int cfg_fail(const cfg *c, const cfg_section *s, const cfg_entry *e,
                    const char *key, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int cfg_fail(const cfg *c, const cfg_section *s, const cfg_entry *e,
                    const char *key, const char *fmt, ...)
{
  char msg[800], loc[160];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (!key && e)
    key = e->key;
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

/* "a, b, c" from up to three NULL-ended lists into buf. */
static const char *join_names(char *buf, size_t n, const char *const *a,
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

/* ======================================================================
 * Values
 * ====================================================================== */

/* A whole-string number; finite unless allow_inf ("inf", "infinity"). */
static int parse_double(const char *v, int allow_inf, double *out)
{
  const char *p = v;
  if (allow_inf) {
    if (*p == '+')
      p++;
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

/* A decimal integer in [0, max], digits only (no sign but '+', no
   exponent): "1e4" and "10.0" are rejected rather than guessed at. */
static int parse_uint(const char *v, uint64_t max, uint64_t *out)
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

/* true/false (any case), 1/0. */
static int parse_bool(const char *v, int *out)
{
  if (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0)
    *out = 1;
  else if (strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0)
    *out = 0;
  else
    return -1;
  return 0;
}

/* Copy of [b, e) without surrounding blanks. */
static char *trimmed_copy(const char *b, const char *e, const char *what)
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
    char *item = trimmed_copy(p, end, "config distribution argument");
    int bad = parse_double(item, 0, &args[n]);
    sim_free(item);
    if (bad)
      return -1;
    n++;
    if (!comma)
      return n;
    p = comma + 1;
  }
}

#define DIST_HINT                                                        \
  "a number, uniform(a, b) with a < b, or normal(mean, std[, min, max]) " \
  "with std >= 0 and min < max"

/* "1.5" | "uniform(a, b)" | "normal(mean, std)" | "normal(mean, std, min,
   max)" (blanks allowed anywhere between tokens). */
static int parse_dist(const char *v, net_dist *d)
{
  double args[4];
  const char *p = v;
  while (isspace((unsigned char)*p))
    p++;
  d->lo = -INFINITY;
  d->hi = INFINITY;
  d->b = 0;
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
  return parse_double(v, 0, &d->a);
}

/* True when x / tick is a whole number (1e-9 relative tolerance). */
static int whole_ticks(double x, double tick)
{
  double r = x / tick;
  return r >= 0.5 && r < 4e18 && fabs(r - nearbyint(r)) <= 1e-9 * r;
}

/* Entry with this key, or NULL. */
static cfg_entry *get(cfg_section *s, const char *key)
{
  for (size_t i = 0; i < s->n; i++)
    if (strcmp(s->e[i].key, key) == 0)
      return &s->e[i];
  return NULL;
}

/* First entry whose key is not in allowed (NULL-ended), or NULL. */
static cfg_entry *first_unknown(cfg_section *s, const char *const *allowed)
{
  for (size_t i = 0; i < s->n; i++)
    if (sim_name_index(allowed, s->e[i].key) < 0)
      return &s->e[i];
  return NULL;
}

static int fail_unknown(const cfg *c, const cfg_section *s, const cfg_entry *e,
                        const char *allowed)
{
  char g[96];
  return cfg_fail(c, s, e, NULL, "unknown key: expected one of %s (got '%s')",
                  allowed, shorten(e->value, g, sizeof g));
}

static cfg_section *find_section(cfg *c, const char *name)
{
  for (size_t i = 0; i < c->ns; i++)
    if (c->s[i].name && strcmp(c->s[i].name, name) == 0)
      return &c->s[i];
  return NULL;
}

/* ======================================================================
 * Pass 2: structure and overrides
 * ====================================================================== */

/* Names go into --set "NAME.key" and messages: keep them plain. */
static int valid_name(const char *n)
{
  for (; *n; n++)
    if (!isalnum((unsigned char)*n) && *n != '_' && *n != '-')
      return 0;
  return 1;
}

#define SECTION_HINT \
  "[simulation], [population NAME], [projection NAME] or [record NAME]"

static int check_headers(cfg *c)
{
  const cfg_section *sim = NULL;
  for (size_t i = 0; i < c->ns; i++) {
    cfg_section *s = &c->s[i];
    /* Split the header into words; label = words joined by one space. */
    char *words[3] = {NULL, NULL, NULL};
    int nw = 0;
    size_t cap = strlen(s->raw) + 3;
    s->label = sim_malloc(cap, "config section label");
    strcpy(s->label, "[");
    for (const char *p = s->raw; *p;) {
      while (*p && isspace((unsigned char)*p))
        p++;
      if (!*p)
        break;
      const char *w = p;
      while (*p && !isspace((unsigned char)*p))
        p++;
      if (nw < 3)
        words[nw] = trimmed_copy(w, p, "config section word");
      nw++;
      if (s->label[1])
        strcat(s->label, " ");
      strncat(s->label, w, (size_t)(p - w));
    }
    strcat(s->label, "]");
    int rc = 0;
    for (int t = SEC_SIMULATION; t <= SEC_RECORD && nw; t++)
      if (strcmp(words[0], sec_type_names[t]) == 0)
        s->type = (sec_type)t;
    if (nw == 0)
      rc = cfg_fail(c, s, NULL, NULL, "empty section header: expected " SECTION_HINT);
    else if (s->type == SEC_UNKNOWN)
      rc = cfg_fail(c, s, NULL, NULL,
                    "unknown section type '%s': expected one of simulation, "
                    "population, projection, record (" SECTION_HINT ")",
                    words[0]);
    else if (s->type == SEC_SIMULATION && nw > 1)
      rc = cfg_fail(c, s, NULL, NULL, "[simulation] takes no name: expected [simulation]");
    else if (s->type == SEC_SIMULATION && sim)
      rc = cfg_fail(c, s, NULL, NULL,
                    "section given twice (first at line %d): expected one "
                    "[simulation] section", sim->line);
    else if (s->type == SEC_SIMULATION)
      sim = s;
    else if (nw == 1)
      rc = cfg_fail(c, s, NULL, NULL, "section name missing: expected [%s NAME]",
                    words[0]);
    else if (nw > 2)
      rc = cfg_fail(c, s, NULL, NULL,
                    "expected [%s NAME] with one name without blanks", words[0]);
    else if (!valid_name(words[1]) || strcmp(words[1], "simulation") == 0)
      rc = cfg_fail(c, s, NULL, NULL,
                    "section name '%s': expected letters, digits, '_' and '-' "
                    "only, and not 'simulation'", words[1]);
    else {
      const cfg_section *prev = find_section(c, words[1]);
      if (prev && prev != s)
        rc = cfg_fail(c, s, NULL, NULL,
                      "section name '%s' already used by %s at line %d: "
                      "expected names unique over all sections",
                      words[1], prev->label, prev->line);
      else {
        s->name = words[1];
        words[1] = NULL;
      }
    }
    for (int w = 0; w < 3; w++)
      sim_free(words[w]);
    if (rc)
      return rc;
    for (size_t k = 0; k < s->n; k++)
      for (size_t j = 0; j < k; j++)
        if (strcmp(s->e[j].key, s->e[k].key) == 0)
          return cfg_fail(c, s, &s->e[k], NULL,
                          "given twice (first at line %d): expected each key "
                          "once per section", s->e[j].line);
  }
  if (!sim)
    return sim_error_set(SIM_ECONFIG,
                         "%s: missing section [simulation]: expected a "
                         "[simulation] section with at least duration = <ms>",
                         c->file);
  return 0;
}

static const char *section_names(const cfg *c, char *buf, size_t n)
{
  snprintf(buf, n, "simulation");
  for (size_t i = 0; i < c->ns; i++)
    if (c->s[i].name) {
      strncat(buf, ", ", n - strlen(buf) - 1);
      strncat(buf, c->s[i].name, n - strlen(buf) - 1);
    }
  return buf;
}

/* "section.key=value": replace the key in that section or add it. */
static int apply_override(cfg *c, const char *ov)
{
  const char *dot = strchr(ov, '.'), *eq = strchr(ov, '=');
  char g[96], names[512];
  if (!dot || !eq || dot > eq)
    return sim_error_set(SIM_ECONFIG,
                         "%s: --set '%s': expected section.key=value (section "
                         "is simulation or the NAME of a section)",
                         c->file, shorten(ov, g, sizeof g));
  char *sec = trimmed_copy(ov, dot, "override section");
  char *key = trimmed_copy(dot + 1, eq, "override key");
  char *value = trimmed_copy(eq + 1, eq + strlen(eq), "override value");
  int rc = 0;
  cfg_section *s = NULL;
  if (!*sec || !*key || strpbrk(key, " \t.[]"))
    rc = sim_error_set(SIM_ECONFIG,
                       "%s: --set '%s': expected section.key=value with a "
                       "non-empty section and key (section is simulation or "
                       "the NAME of a section)",
                       c->file, shorten(ov, g, sizeof g));
  else if (strcmp(sec, "simulation") == 0) {
    for (size_t i = 0; i < c->ns; i++)
      if (c->s[i].type == SEC_SIMULATION)
        s = &c->s[i];
  } else
    s = find_section(c, sec);
  if (!rc && !s)
    rc = sim_error_set(SIM_ECONFIG,
                       "%s: --set '%s': unknown section '%s': expected one of %s",
                       c->file, shorten(ov, g, sizeof g), sec,
                       section_names(c, names, sizeof names));
  if (!rc) {
    cfg_entry *e = get(s, key);
    if (e) {
      sim_free(e->value);
      e->value = value;
      value = NULL;
      e->line = 0;
    } else
      entry_add(s, key, value, 0);
  }
  sim_free(sec);
  sim_free(key);
  sim_free(value);
  return rc;
}

/* ======================================================================
 * Pass 3: validation into the net_desc
 * ====================================================================== */

static const char *const sim_keys[] = {"duration", "resolution", "seed",
                                       "output", "partition", NULL};

static int build_simulation(cfg *c, cfg_section *s, net_sim_desc *sim)
{
  char g[96];
  const cfg_entry *e = first_unknown(s, sim_keys), *dur;
  if (e)
    return fail_unknown(c, s, e, "duration, resolution, seed, output, partition");

  dur = e = get(s, "duration");
  if (!e)
    return cfg_fail(c, s, NULL, "duration",
                    "required: expected the simulated time in ms (> 0)");
  if (parse_double(e->value, 0, &sim->duration_ms) || !(sim->duration_ms > 0))
    return cfg_fail(c, s, e, NULL, "expected a number of ms > 0 (got '%s')",
                    shorten(e->value, g, sizeof g));

  sim->resolution_ms = 0.1;
  if ((e = get(s, "resolution")) &&
      (parse_double(e->value, 0, &sim->resolution_ms) || !(sim->resolution_ms > 0)))
    return cfg_fail(c, s, e, NULL,
                    "expected a tick length in ms > 0, default 0.1 (got '%s')",
                    shorten(e->value, g, sizeof g));
  if (!whole_ticks(sim->duration_ms, sim->resolution_ms))
    return cfg_fail(c, s, dur, NULL,
                    "expected a whole number of ticks of resolution %g ms "
                    "(duration / resolution = %.12g) (got '%s')",
                    sim->resolution_ms, sim->duration_ms / sim->resolution_ms,
                    shorten(dur->value, g, sizeof g));
  c->res_ms = sim->resolution_ms;

  uint64_t seed = 1;
  if ((e = get(s, "seed")) && parse_uint(e->value, UINT64_MAX, &seed))
    return cfg_fail(c, s, e, NULL,
                    "expected an unsigned 64-bit decimal integer (got '%s')",
                    shorten(e->value, g, sizeof g));
  sim->seed = seed;

  e = get(s, "output");
  if (e && !*e->value)
    return cfg_fail(c, s, e, NULL, "expected an output directory path, default 'out' (got '')");
  sim->out_dir = sim_strdup(e ? e->value : "out", "output directory");

  sim->partition = NET_PART_ROUND_ROBIN;
  if ((e = get(s, "partition"))) {
    if (strcmp(e->value, "block") == 0)
      sim->partition = NET_PART_BLOCK;
    else if (strcmp(e->value, "round_robin") != 0)
      return cfg_fail(c, s, e, NULL, "expected round_robin or block (got '%s')",
                      shorten(e->value, g, sizeof g));
  }
  return 0;
}

/* ---- populations ---- */

static const char *const poisson_keys[] = {"model", "n", "rate", "start", "stop", NULL};
static const char *const spikegen_keys[] = {"model", "n", "spike_times", NULL};
static const char *const pop_base_keys[] = {"model", "n", NULL};

static int build_poisson(cfg *c, cfg_section *s, net_pop_desc *p)
{
  char g[96];
  cfg_entry *e = first_unknown(s, poisson_keys);
  if (e)
    return fail_unknown(c, s, e, "model, n, rate, start, stop");
  if (!(e = get(s, "rate")))
    return cfg_fail(c, s, NULL, "rate",
                    "required: expected the rate per target in Hz (>= 0)");
  if (parse_double(e->value, 0, &p->rate_hz) || !(p->rate_hz >= 0))
    return cfg_fail(c, s, e, NULL, "expected a rate in Hz >= 0 (got '%s')",
                    shorten(e->value, g, sizeof g));
  p->start_ms = 0;
  if ((e = get(s, "start")) && (parse_double(e->value, 0, &p->start_ms) ||
                                !(p->start_ms >= 0)))
    return cfg_fail(c, s, e, NULL, "expected a time in ms >= 0, default 0 (got '%s')",
                    shorten(e->value, g, sizeof g));
  p->stop_ms = INFINITY;
  if ((e = get(s, "stop")) && (parse_double(e->value, 1, &p->stop_ms) ||
                               !(p->stop_ms > p->start_ms)))
    return cfg_fail(c, s, e, NULL,
                    "expected a time in ms > start (%g ms) or inf, default inf "
                    "(got '%s')", p->start_ms, shorten(e->value, g, sizeof g));
  return 0;
}

static int build_spike_generator(cfg *c, cfg_section *s, net_pop_desc *p)
{
  char g[96];
  cfg_entry *e = first_unknown(s, spikegen_keys);
  if (e)
    return fail_unknown(c, s, e, "model, n, spike_times");
  if (!(e = get(s, "spike_times")))
    return cfg_fail(c, s, NULL, "spike_times",
                    "required: expected a comma-separated list of times in ms, "
                    "ascending, each >= resolution %g ms", c->res_ms);
  size_t cap = 1;
  for (const char *q = e->value; *q; q++)
    cap += *q == ',';
  p->spike_times_ms = sim_calloc(cap, sizeof *p->spike_times_ms, "spike times");
  const char *q = e->value;
  for (uint32_t k = 0;; k++) {
    const char *comma = strchr(q, ',');
    const char *end = comma ? comma : q + strlen(q);
    char *item = trimmed_copy(q, end, "spike time");
    double t;
    int bad = parse_double(item, 0, &t);
    const char *why = bad ? "not a number"
                      : t < c->res_ms * (1 - 1e-9) ? "below the resolution"
                      : k && t < p->spike_times_ms[k - 1] ? "smaller than the one before"
                      : NULL;
    if (why) {
      int rc = cfg_fail(c, s, e, NULL,
                        "time %u ('%s') is %s: expected a comma-separated list "
                        "of times in ms, ascending, each >= resolution %g ms "
                        "(got '%s')", k + 1, item, why, c->res_ms,
                        shorten(e->value, g, sizeof g));
      sim_free(item);
      return rc;
    }
    sim_free(item);
    p->spike_times_ms[k] = t;
    p->nspike_times = k + 1;
    if (!comma)
      return 0;
    q = comma + 1;
  }
}

static int build_neurons(cfg *c, cfg_section *s, net_pop_desc *p)
{
  char g[96], allowed[1024], why[800];
  const nrn_model_ops *m = p->model;
  p->param = sim_malloc(m->param_size, "population parameters");
  m->param_default(p->param);
  p->init = sim_calloc(s->n, sizeof *p->init, "initial state values");
  join_names(allowed, sizeof allowed, pop_base_keys, m->param_names, m->var_names);
  for (size_t i = 0; i < s->n; i++) {
    cfg_entry *e = &s->e[i];
    if (sim_name_index(pop_base_keys, e->key) >= 0)
      continue;
    int var = sim_name_index(m->var_names, e->key);
    if (var >= 0) {
      net_init *in = &p->init[p->ninit];
      in->var = var;
      if (parse_dist(e->value, &in->dist))
        return cfg_fail(c, s, e, NULL,
                        "expected an initial value of %s: " DIST_HINT " (got '%s')",
                        e->key, shorten(e->value, g, sizeof g));
      p->ninit++;
      continue;
    }
    if (sim_name_index(m->param_names, e->key) < 0)
      return fail_unknown(c, s, e, allowed);
    double v;
    int b;
    if (parse_bool(e->value, &b) == 0)
      v = b;
    else if (parse_double(e->value, 0, &v))
      return cfg_fail(c, s, e, NULL,
                      "expected a number (or true/false) for parameter %s of "
                      "%s (got '%s')", e->key, m->name,
                      shorten(e->value, g, sizeof g));
    int rc = m->param_set(p->param, e->key, v);
    if (rc == SIM_EINVAL)
      return fail_unknown(c, s, e, allowed);
    if (rc) {
      snprintf(why, sizeof why, "%s", sim_error_msg());
      return cfg_fail(c, s, e, NULL, "%s (got '%s')", why,
                      shorten(e->value, g, sizeof g));
    }
  }
  if (m->param_finalize(p->param, c->res_ms)) {
    snprintf(why, sizeof why, "%s", sim_error_msg());
    return cfg_fail(c, s, NULL, NULL, "parameters of %s: %s", m->name, why);
  }
  return 0;
}

static int build_population(cfg *c, cfg_section *s, net_pop_desc *p, sim_gid *total)
{
  char g[96];
  cfg_entry *e = get(s, "model");
  p->name = sim_strdup(s->name, "population name");
  p->line = s->line;
  if (!e)
    return cfg_fail(c, s, NULL, "model",
                    "required: expected one of %s, poisson_generator, spike_generator",
                    nrn_model_names());
  if (strcmp(e->value, "poisson_generator") == 0)
    p->kind = NET_POISSON;
  else if (strcmp(e->value, "spike_generator") == 0)
    p->kind = NET_SPIKE_GENERATOR;
  else if ((p->model = nrn_model_find(e->value)))
    p->kind = NET_NEURONS;
  else
    return cfg_fail(c, s, e, NULL,
                    "unknown model: expected one of %s, poisson_generator, "
                    "spike_generator (got '%s')",
                    nrn_model_names(), shorten(e->value, g, sizeof g));

  uint64_t n = 1;
  if (!(e = get(s, "n")) && p->kind == NET_NEURONS)
    return cfg_fail(c, s, NULL, "n", "required: expected the number of neurons, "
                                     "an integer >= 1");
  if (e && (parse_uint(e->value, UINT32_MAX, &n) || n < 1))
    return cfg_fail(c, s, e, NULL, "expected an integer >= 1 (got '%s')",
                    shorten(e->value, g, sizeof g));
  if (n > (uint64_t)UINT32_MAX - *total)
    return cfg_fail(c, s, e, "n",
                    "expected the neurons of all populations to number at most "
                    "%u (32-bit gids) (got '%s' after %u)", (unsigned)UINT32_MAX,
                    e ? shorten(e->value, g, sizeof g) : "1", (unsigned)*total);
  p->n = (uint32_t)n;
  p->first_gid = *total;
  *total += p->n;

  switch (p->kind) {
  case NET_POISSON:
    return build_poisson(c, s, p);
  case NET_SPIKE_GENERATOR:
    return build_spike_generator(c, s, p);
  case NET_NEURONS:
  default:
    return build_neurons(c, s, p);
  }
}

/* Population named by entry e (key source/target/population) or an error. */
static int resolve_pop(cfg *c, cfg_section *s, cfg_entry *e, const net_desc *d,
                       uint32_t *out)
{
  char g[96], names[512] = "";
  int i = net_desc_find_pop(d, e->value);
  if (i >= 0) {
    *out = (uint32_t)i;
    return 0;
  }
  for (uint32_t k = 0; k < d->npops; k++) {
    if (names[0])
      strncat(names, ", ", sizeof names - strlen(names) - 1);
    strncat(names, d->pops[k].name, sizeof names - strlen(names) - 1);
  }
  const cfg_section *other = find_section(c, e->value);
  if (other)
    return cfg_fail(c, s, e, NULL,
                    "'%s' is %s (line %d), not a population: expected one of %s",
                    e->value, other->label, other->line, names);
  return cfg_fail(c, s, e, NULL,
                  "undefined population: expected one of the [population NAME] "
                  "sections: %s (got '%s')",
                  names[0] ? names : "(none defined)", shorten(e->value, g, sizeof g));
}

static const char *pop_kind_name(const net_pop_desc *p)
{
  return p->kind == NET_POISSON           ? "poisson_generator"
         : p->kind == NET_SPIKE_GENERATOR ? "spike_generator"
                                          : p->model->name;
}

/* ---- projections ---- */

/* Synapse models: synapses/syn_spec.h.  Keys a projection does not know
   go to syn_params when the synapse is not static_synapse (they belong to
   that synapse model) and are checked by syn_spec_parse. */

static const char *const proj_keys[] = {
    "source", "target", "rule", "indegree", "outdegree", "p", "allow_autapses",
    "allow_multapses", "weight", "delay", "synapse", NULL};

static const char *const rule_names[] = {"all_to_all", "one_to_one",
                                         "fixed_indegree", "fixed_outdegree",
                                         "pairwise_bernoulli", NULL};

/* Degree of a fixed_* rule: <= the size of the side it draws from when
   multapses are off (distinct partners), minus one without autapses onto
   the same population. */
static int check_degree(cfg *c, cfg_section *s, net_proj_desc *pr,
                        const net_desc *d, const char *key, uint32_t side_pop)
{
  char g[96];
  cfg_entry *e = get(s, key);
  const net_pop_desc *side = &d->pops[side_pop];
  uint64_t k;
  uint64_t avail = side->n - (!pr->autapses && pr->src == pr->tgt ? 1 : 0);
  if (!e)
    return cfg_fail(c, s, NULL, key, "required by rule %s: expected an integer >= 1",
                    rule_names[pr->rule]);
  if (parse_uint(e->value, UINT32_MAX, &k) || k < 1)
    return cfg_fail(c, s, e, NULL, "expected an integer >= 1 (got '%s')",
                    shorten(e->value, g, sizeof g));
  if (avail == 0)
    return cfg_fail(c, s, e, NULL,
                    "expected allow_autapses = true: population %s has one "
                    "neuron and autapses are off, so no partner is allowed "
                    "(got '%s')", side->name, shorten(e->value, g, sizeof g));
  if (!pr->multapses && k > avail)
    return cfg_fail(c, s, e, NULL,
                    "expected an integer <= %llu: without multapses the partners "
                    "are distinct, and %s has %u neurons%s (got '%s')",
                    (unsigned long long)avail, side->name, side->n,
                    avail < side->n ? " minus the neuron itself" : "",
                    shorten(e->value, g, sizeof g));
  pr->degree = (uint32_t)k;
  return 0;
}

static int build_projection(cfg *c, cfg_section *s, net_proj_desc *pr,
                            const net_desc *d)
{
  char g[96];
  cfg_entry *e;
  pr->name = sim_strdup(s->name, "projection name");
  pr->line = s->line;

  e = get(s, "synapse");
  if (e && sim_name_index(syn_model_names, e->value) < 0)
    return cfg_fail(c, s, e, NULL, "unknown synapse model: expected one of "
                                   "static_synapse, stdp_synapse, device (got '%s')",
                    shorten(e->value, g, sizeof g));
  pr->synapse = sim_strdup(e ? e->value : "static_synapse", "synapse name");
  int is_static = strcmp(pr->synapse, "static_synapse") == 0;
  pr->syn_params = sim_calloc(s->n, sizeof *pr->syn_params, "synapse parameters");
  for (size_t i = 0; i < s->n; i++) {
    cfg_entry *x = &s->e[i];
    if (sim_name_index(proj_keys, x->key) >= 0)
      continue;
    if (is_static)
      return fail_unknown(c, s, x,
                          "source, target, rule, indegree, outdegree, p, "
                          "allow_autapses, allow_multapses, weight, delay, synapse");
    net_kv *kv = &pr->syn_params[pr->nsyn_params++];
    kv->key = sim_strdup(x->key, "synapse parameter key");
    kv->value = sim_strdup(x->value, "synapse parameter value");
    kv->line = x->line;
  }
  {
    uint32_t bad = 0;
    syn_device_param preset;
    cfg_entry *dev = strcmp(pr->synapse, "device") == 0 ? get(s, "device") : NULL;
    if (dev && io_preset_find(c->file, dev->value, &preset)) {
      char why[700];
      snprintf(why, sizeof why, "%s", sim_error_msg());
      return cfg_fail(c, s, dev, NULL, "%s", why);
    }
    pr->spec = sim_calloc(1, sizeof *pr->spec, "synapse spec");
    if (syn_spec_parse(pr->spec, pr->synapse, pr->syn_params, pr->nsyn_params,
                       dev ? &preset : NULL, &bad)) {
      char why[700];
      snprintf(why, sizeof why, "%s", sim_error_msg());
      cfg_entry *x = bad < pr->nsyn_params ? get(s, pr->syn_params[bad].key) : e;
      return cfg_fail(c, s, x, x ? NULL : "synapse", "%s", why);
    }
  }

  if (!(e = get(s, "source")))
    return cfg_fail(c, s, NULL, "source", "required: expected a population name");
  if (resolve_pop(c, s, e, d, &pr->src))
    return SIM_ECONFIG;
  if (!(e = get(s, "target")))
    return cfg_fail(c, s, NULL, "target",
                    "required: expected the name of a neuron population");
  if (resolve_pop(c, s, e, d, &pr->tgt))
    return SIM_ECONFIG;
  const net_pop_desc *src = &d->pops[pr->src], *tgt = &d->pops[pr->tgt];
  if (src->kind == NET_POISSON && !is_static)
    return cfg_fail(c, s, get(s, "synapse"), NULL,
                    "expected static_synapse: a poisson_generator's trains are drawn "
                    "per target and do not pass plastic or device synapses (got '%s')",
                    pr->synapse);
  if (tgt->kind != NET_NEURONS)
    return cfg_fail(c, s, e, NULL,
                    "expected a neuron population: %s is a %s, which receives "
                    "no input (got '%s')", tgt->name, pop_kind_name(tgt), e->value);

  pr->autapses = pr->multapses = 1;
  if ((e = get(s, "allow_autapses")) && parse_bool(e->value, &pr->autapses))
    return cfg_fail(c, s, e, NULL, "expected true or false, default true (got '%s')",
                    shorten(e->value, g, sizeof g));
  if ((e = get(s, "allow_multapses")) && parse_bool(e->value, &pr->multapses))
    return cfg_fail(c, s, e, NULL, "expected true or false, default true (got '%s')",
                    shorten(e->value, g, sizeof g));

  if (!(e = get(s, "rule")))
    return cfg_fail(c, s, NULL, "rule",
                    "required: expected one of all_to_all, one_to_one, "
                    "fixed_indegree, fixed_outdegree, pairwise_bernoulli");
  int r = sim_name_index(rule_names, e->value);
  if (r < 0)
    return cfg_fail(c, s, e, NULL,
                    "unknown rule: expected one of all_to_all, one_to_one, "
                    "fixed_indegree, fixed_outdegree, pairwise_bernoulli (got '%s')",
                    shorten(e->value, g, sizeof g));
  pr->rule = (net_rule)r;
  /* A rule parameter given to another rule is a mistake worth naming. */
  static const char *const rule_key[] = {NULL, NULL, "indegree", "outdegree", "p"};
  static const char *const rule_params[] = {"indegree", "outdegree", "p", NULL};
  for (int k = 0; rule_params[k]; k++) {
    cfg_entry *x = get(s, rule_params[k]);
    if (x && (!rule_key[r] || strcmp(rule_key[r], x->key) != 0))
      return cfg_fail(c, s, x, NULL,
                      "not a parameter of rule %s: expected %s%s (got '%s')",
                      rule_names[r], rule_key[r] ? rule_key[r] : "no rule parameter",
                      rule_key[r] ? " only" : "", shorten(x->value, g, sizeof g));
  }
  switch (pr->rule) {
  case NET_ONE_TO_ONE:
    if (src->n != tgt->n)
      return cfg_fail(c, s, e, NULL,
                      "one_to_one needs source and target of equal size: "
                      "expected %s (%u) == %s (%u), or another rule",
                      src->name, src->n, tgt->name, tgt->n);
    break;
  case NET_FIXED_INDEGREE:
    if (check_degree(c, s, pr, d, "indegree", pr->src))
      return SIM_ECONFIG;
    break;
  case NET_FIXED_OUTDEGREE:
    if (check_degree(c, s, pr, d, "outdegree", pr->tgt))
      return SIM_ECONFIG;
    break;
  case NET_PAIRWISE_BERNOULLI:
    if (!(e = get(s, "p")))
      return cfg_fail(c, s, NULL, "p",
                      "required by rule pairwise_bernoulli: expected a "
                      "probability in [0, 1]");
    if (parse_double(e->value, 0, &pr->p) || !(pr->p >= 0 && pr->p <= 1))
      return cfg_fail(c, s, e, NULL, "expected a probability in [0, 1] (got '%s')",
                      shorten(e->value, g, sizeof g));
    break;
  case NET_ALL_TO_ALL:
  default:
    break;
  }

  if (!(e = get(s, "weight")))
    return cfg_fail(c, s, NULL, "weight",
                    "required: expected " DIST_HINT " (mV for iaf_psc_delta, "
                    "pA for iaf_psc_exp)");
  if (parse_dist(e->value, &pr->weight))
    return cfg_fail(c, s, e, NULL, "expected " DIST_HINT " (got '%s')",
                    shorten(e->value, g, sizeof g));

  /* Delays: every drawn value must be >= one tick.  A normal distribution
     must therefore give its min, >= resolution: clipping at the resolution
     silently would pile mass on one tick. */
  if (!(e = get(s, "delay")))
    return cfg_fail(c, s, NULL, "delay",
                    "required: expected a delay in ms >= resolution %g ms, or a "
                    "distribution of them", c->res_ms);
  net_dist *dl = &pr->delay_ms;
  double min_ok = c->res_ms * (1 - 1e-9);
  if (parse_dist(e->value, dl))
    return cfg_fail(c, s, e, NULL,
                    "expected a delay in ms >= resolution %g ms: " DIST_HINT
                    " (got '%s')", c->res_ms, shorten(e->value, g, sizeof g));
  if (dl->kind == NET_DIST_CONST && !(dl->a >= min_ok))
    return cfg_fail(c, s, e, NULL,
                    "expected a delay in ms >= resolution %g ms (got '%s')",
                    c->res_ms, shorten(e->value, g, sizeof g));
  if (dl->kind == NET_DIST_UNIFORM && !(dl->a >= min_ok))
    return cfg_fail(c, s, e, NULL,
                    "expected uniform(a, b) with a >= resolution %g ms (got '%s')",
                    c->res_ms, shorten(e->value, g, sizeof g));
  if (dl->kind == NET_DIST_NORMAL && !(dl->lo >= min_ok))
    return cfg_fail(c, s, e, NULL,
                    "expected normal(mean, std, min, max) with min >= resolution "
                    "%g ms: the min bound is required for delays (got '%s')",
                    c->res_ms, shorten(e->value, g, sizeof g));
  return 0;
}

/* ---- records ---- */

static const char *const rec_keys[] = {"population", "kind", "neurons",
                                       "variables", "interval", NULL};

static int build_record(cfg *c, cfg_section *s, net_rec_desc *r, const net_desc *d)
{
  char g[96], allowed[512];
  cfg_entry *e = first_unknown(s, rec_keys);
  r->name = sim_strdup(s->name, "record name");
  r->line = s->line;
  if (e)
    return fail_unknown(c, s, e, "population, kind, neurons, variables, interval");

  if (!(e = get(s, "population")))
    return cfg_fail(c, s, NULL, "population", "required: expected a population name");
  if (resolve_pop(c, s, e, d, &r->pop))
    return SIM_ECONFIG;
  const net_pop_desc *p = &d->pops[r->pop];
  cfg_entry *pe = e;

  if (!(e = get(s, "kind")))
    return cfg_fail(c, s, NULL, "kind", "required: expected spike_recorder or multimeter");
  if (strcmp(e->value, "spike_recorder") == 0)
    r->kind = NET_REC_SPIKES;
  else if (strcmp(e->value, "multimeter") == 0)
    r->kind = NET_REC_STATE;
  else
    return cfg_fail(c, s, e, NULL, "expected spike_recorder or multimeter (got '%s')",
                    shorten(e->value, g, sizeof g));
  if (p->kind == NET_POISSON)
    return cfg_fail(c, s, pe, NULL,
                    "expected a neuron population or a spike_generator: %s is a "
                    "poisson_generator, which draws an independent train per "
                    "target and has no spikes of its own (got '%s')",
                    p->name, pe->value);
  if (r->kind == NET_REC_STATE && p->kind != NET_NEURONS)
    return cfg_fail(c, s, pe, NULL,
                    "expected a neuron population for a multimeter: %s is a %s "
                    "(got '%s')", p->name, pop_kind_name(p), pe->value);

  r->first = 0;
  r->count = p->n;
  if ((e = get(s, "neurons")) && strcmp(e->value, "all") != 0) {
    const char *colon = strchr(e->value, ':');
    uint64_t a = 0, b = 0;
    int bad;
    if (colon) {
      char *sa = trimmed_copy(e->value, colon, "neuron range");
      char *sb = trimmed_copy(colon + 1, colon + strlen(colon), "neuron range");
      bad = parse_uint(sa, p->n, &a) || parse_uint(sb, p->n, &b) || !(a < b);
      sim_free(sa);
      sim_free(sb);
    } else
      bad = parse_uint(e->value, p->n, &b) || b < 1;
    if (bad)
      return cfg_fail(c, s, e, NULL,
                      "expected all, a:b with 0 <= a < b <= %u (local indices, "
                      "b excluded), or N in 1..%u (the first N) (got '%s')",
                      p->n, p->n, shorten(e->value, g, sizeof g));
    r->first = (uint32_t)a;
    r->count = (uint32_t)(b - a);
  }

  cfg_entry *ev = get(s, "variables"), *ei = get(s, "interval");
  if (r->kind == NET_REC_SPIKES) {
    if (ev || ei)
      return cfg_fail(c, s, ev ? ev : ei, NULL,
                      "only for kind = multimeter: expected population, kind, "
                      "neurons (got '%s')", (ev ? ev : ei)->value);
    return 0;
  }

  const nrn_model_ops *m = p->model;
  join_names(allowed, sizeof allowed, m->var_names, NULL, NULL);
  if (!ev)
    return cfg_fail(c, s, NULL, "variables",
                    "required for a multimeter: expected a comma-separated list "
                    "of %s", allowed);
  for (const char *q = ev->value;;) {
    const char *comma = strchr(q, ',');
    char *item = trimmed_copy(q, comma ? comma : q + strlen(q), "variable name");
    int v = sim_name_index(m->var_names, item);
    int dup = 0;
    for (uint32_t k = 0; v >= 0 && k < r->nvars; k++)
      dup |= r->vars[k] == v;
    int rc = 0;
    if (v < 0)
      rc = cfg_fail(c, s, ev, NULL,
                    "unknown variable '%s' of %s: expected a comma-separated "
                    "list of %s (got '%s')", item, m->name, allowed,
                    shorten(ev->value, g, sizeof g));
    else if (dup || r->nvars == IO_CONFIG_MAX_VARS)
      rc = cfg_fail(c, s, ev, NULL,
                    "variable '%s' %s: expected at most %d distinct names of %s "
                    "(got '%s')", item, dup ? "repeated" : "is one too many",
                    IO_CONFIG_MAX_VARS, allowed, shorten(ev->value, g, sizeof g));
    sim_free(item);
    if (rc)
      return rc;
    r->vars[r->nvars++] = v;
    if (!comma)
      break;
    q = comma + 1;
  }

  /* NEST's multimeter default interval is 1 ms. */
  r->interval_ms = 1.0;
  if (ei && (parse_double(ei->value, 0, &r->interval_ms) ||
             !(r->interval_ms >= c->res_ms * (1 - 1e-9))))
    return cfg_fail(c, s, ei, NULL,
                    "expected a sampling interval in ms >= resolution %g ms "
                    "(got '%s')", c->res_ms, shorten(ei->value, g, sizeof g));
  if (!whole_ticks(r->interval_ms, c->res_ms))
    return cfg_fail(c, s, ei, "interval",
                    "expected a whole multiple of the resolution %g ms (got '%s'%s)",
                    c->res_ms, ei ? shorten(ei->value, g, sizeof g) : "1",
                    ei ? "" : ", the default");
  return 0;
}

static int build_desc(cfg *c, net_desc *d)
{
  int rc;
  uint32_t np = 0, nj = 0, nr = 0;
  for (size_t i = 0; i < c->ns; i++) {
    cfg_section *s = &c->s[i];
    s->index = s->type == SEC_POPULATION   ? (int)np++
               : s->type == SEC_PROJECTION ? (int)nj++
               : s->type == SEC_RECORD     ? (int)nr++
                                           : 0;
  }
  d->pops = sim_calloc(np, sizeof *d->pops, "population descriptions");
  d->projs = sim_calloc(nj, sizeof *d->projs, "projection descriptions");
  d->recs = sim_calloc(nr, sizeof *d->recs, "record descriptions");

  for (size_t i = 0; i < c->ns; i++)
    if (c->s[i].type == SEC_SIMULATION &&
        (rc = build_simulation(c, &c->s[i], &d->sim)))
      return rc;
  /* Count each description as soon as its name is set, so that
     net_desc_destroy frees a half-filled one. */
  for (size_t i = 0; i < c->ns; i++)
    if (c->s[i].type == SEC_POPULATION) {
      d->npops++;
      if ((rc = build_population(c, &c->s[i], &d->pops[c->s[i].index], &d->total)))
        return rc;
    }
  for (size_t i = 0; i < c->ns; i++)
    if (c->s[i].type == SEC_PROJECTION) {
      d->nprojs++;
      if ((rc = build_projection(c, &c->s[i], &d->projs[c->s[i].index], d)))
        return rc;
    }
  for (size_t i = 0; i < c->ns; i++)
    if (c->s[i].type == SEC_RECORD) {
      d->nrecs++;
      if ((rc = build_record(c, &c->s[i], &d->recs[c->s[i].index], d)))
        return rc;
    }
  return 0;
}

/* ======================================================================
 * Entry point
 * ====================================================================== */

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) {
    h ^= b[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

static int read_file(const char *path, char **buf, size_t *len)
{
  FILE *f = fopen(path, "rb");
  if (!f)
    return sim_error_set(SIM_EIO, "%s: cannot open config: %s", path, strerror(errno));
  size_t cap = 4096, n = 0;
  char *b = sim_malloc(cap, "config text");
  for (;;) {
    if (n == cap)
      b = sim_realloc(b, cap *= 2, "config text");
    size_t got = fread(b + n, 1, cap - n, f);
    n += got;
    if (got == 0)
      break;
  }
  int err = ferror(f);
  fclose(f);
  if (err) {
    sim_free(b);
    return sim_error_set(SIM_EIO, "%s: cannot read config", path);
  }
  *buf = b;
  *len = n;
  return 0;
}

/* Text of line `line` of the file (for syntax errors), shortened. */
static const char *line_text(const cfg *c, int line, char *out, size_t n)
{
  const char *p = c->in.buf, *end = c->in.buf + c->in.len;
  for (int l = 1; l < line && p < end; l++) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    p = nl ? nl + 1 : end;
  }
  size_t k = 0;
  for (; p < end && *p != '\n' && *p != '\r' && k + 4 < n; p++)
    out[k++] = *p == '\0' ? '?' : *p;
  if (p < end && *p != '\n' && *p != '\r') {
    memcpy(out + k, "...", 3);
    k += 3;
  }
  out[k] = '\0';
  return out;
}

/* Pass 1 results: the earliest of the text errors, or 0. */
static int check_text(cfg *c, int inih_rc)
{
  char t[96];
  int first = 0;
  if (inih_rc == -2)
    return sim_error_set(SIM_ENOMEM, "%s: out of memory while parsing", c->file);
  int cand[4] = {c->in.nul_line, c->in.long_line, inih_rc > 0 ? inih_rc : 0, c->orphan_line};
  for (int i = 0; i < 4; i++)
    if (cand[i] && (!first || cand[i] < first))
      first = cand[i];
  if (!first)
    return 0;
  if (first == c->in.nul_line)
    return sim_error_set(SIM_ECONFIG, "%s:%d: NUL byte in line: expected a text file",
                         c->file, first);
  if (first == c->in.long_line)
    return sim_error_set(SIM_ECONFIG,
                         "%s:%d: line longer than %d bytes: expected shorter lines",
                         c->file, first, IO_CONFIG_MAX_LINE - 2);
  if (first == c->orphan_line && first != inih_rc)
    return sim_error_set(SIM_ECONFIG,
                         "%s:%d: key '%s' before any section: expected a section "
                         "header first (" SECTION_HINT ")",
                         c->file, first, c->orphan_key);
  return sim_error_set(SIM_ECONFIG,
                       "%s:%d: syntax error: expected a section header ("
                       SECTION_HINT "), key = value, or a comment (; or #) "
                       "(got '%s')",
                       c->file, first, line_text(c, first, t, sizeof t));
}

int io_config_load(const char *path, const char *const *overrides, int noverrides,
                   net_desc **out)
{
  *out = NULL;
  if (noverrides < 0 || (noverrides > 0 && !overrides))
    return sim_error_set(SIM_EINVAL, "io_config_load: bad override list");
  char *text = NULL;
  size_t len = 0;
  int rc = read_file(path, &text, &len);
  if (rc)
    return rc;

  cfg c = {.file = path, .in = {.buf = text, .len = len}};
  net_desc *d = sim_calloc(1, sizeof *d, "net_desc");
  d->file = sim_strdup(path, "config path");
  d->digest = fnv1a(0xcbf29ce484222325ULL, text, len);
  for (int i = 0; i < noverrides; i++)
    d->digest = fnv1a(d->digest, overrides[i], strlen(overrides[i]) + 1);

  rc = check_text(&c, io_ini_parse(cfg_read_line, &c, cfg_on_entry, &c, IO_CONFIG_MAX_LINE, 0));
  if (!rc)
    rc = check_headers(&c);
  for (int i = 0; !rc && i < noverrides; i++)
    rc = apply_override(&c, overrides[i]);
  if (!rc)
    rc = build_desc(&c, d);

  cfg_fini(&c);
  sim_free(text);
  if (rc) {
    net_desc_destroy(d);
    return rc;
  }
  *out = d;
  return 0;
}
