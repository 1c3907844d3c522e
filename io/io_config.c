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
 * This file holds passes 1 and 2, the order of pass 3 and the entry point;
 * the sections are validated in io_config_pop.c, io_config_proj.c and
 * io_config_rec.c (io_config_int.h lists the files).
 *
 * Owns: the collected text (freed before returning) and, until it is handed
 * to the caller, the net_desc being filled.
 */
#include "io_config_int.h"
#include "io_file.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"

/* ======================================================================
 * Pass 1: collected text
 * ====================================================================== */

static const char *const sec_type_names[] = {"", "simulation", "population",
                                             "projection", "record"};

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
        words[nw] = io_cfg_trimmed_copy(w, p, "config section word");
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
      rc = io_cfg_fail(c, s, NULL, NULL, "empty section header: expected " SECTION_HINT);
    else if (s->type == SEC_UNKNOWN)
      rc = io_cfg_fail(c, s, NULL, NULL,
                       "unknown section type '%s': expected one of simulation, "
                       "population, projection, record (" SECTION_HINT ")",
                       words[0]);
    else if (s->type == SEC_SIMULATION && nw > 1)
      rc = io_cfg_fail(c, s, NULL, NULL, "[simulation] takes no name: expected [simulation]");
    else if (s->type == SEC_SIMULATION && sim)
      rc = io_cfg_fail(c, s, NULL, NULL,
                       "section given twice (first at line %d): expected one "
                       "[simulation] section", sim->line);
    else if (s->type == SEC_SIMULATION)
      sim = s;
    else if (nw == 1)
      rc = io_cfg_fail(c, s, NULL, NULL, "section name missing: expected [%s NAME]",
                       words[0]);
    else if (nw > 2)
      rc = io_cfg_fail(c, s, NULL, NULL,
                       "expected [%s NAME] with one name without blanks", words[0]);
    else if (!valid_name(words[1]) || strcmp(words[1], "simulation") == 0)
      rc = io_cfg_fail(c, s, NULL, NULL,
                       "section name '%s': expected letters, digits, '_' and '-' "
                       "only, and not 'simulation'", words[1]);
    else {
      const cfg_section *prev = io_cfg_find_section(c, words[1]);
      if (prev && prev != s)
        rc = io_cfg_fail(c, s, NULL, NULL,
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
          return io_cfg_fail(c, s, &s->e[k], NULL,
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
                         c->file, io_cfg_shorten(ov, g, sizeof g));
  char *sec = io_cfg_trimmed_copy(ov, dot, "override section");
  char *key = io_cfg_trimmed_copy(dot + 1, eq, "override key");
  char *value = io_cfg_trimmed_copy(eq + 1, eq + strlen(eq), "override value");
  int rc = 0;
  cfg_section *s = NULL;
  if (!*sec || !*key || strpbrk(key, " \t.[]"))
    rc = sim_error_set(SIM_ECONFIG,
                       "%s: --set '%s': expected section.key=value with a "
                       "non-empty section and key (section is simulation or "
                       "the NAME of a section)",
                       c->file, io_cfg_shorten(ov, g, sizeof g));
  else if (strcmp(sec, "simulation") == 0) {
    for (size_t i = 0; i < c->ns; i++)
      if (c->s[i].type == SEC_SIMULATION)
        s = &c->s[i];
  } else
    s = io_cfg_find_section(c, sec);
  if (!rc && !s)
    rc = sim_error_set(SIM_ECONFIG,
                       "%s: --set '%s': unknown section '%s': expected one of %s",
                       c->file, io_cfg_shorten(ov, g, sizeof g), sec,
                       section_names(c, names, sizeof names));
  if (!rc) {
    cfg_entry *e = io_cfg_get(s, key);
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
        (rc = io_cfg_build_simulation(c, &c->s[i], &d->sim)))
      return rc;
  /* Count each description as soon as its name is set, so that
     net_desc_destroy frees a half-filled one. */
  for (size_t i = 0; i < c->ns; i++)
    if (c->s[i].type == SEC_POPULATION) {
      d->npops++;
      if ((rc = io_cfg_build_population(c, &c->s[i], &d->pops[c->s[i].index], &d->total)))
        return rc;
    }
  for (size_t i = 0; i < c->ns; i++)
    if (c->s[i].type == SEC_PROJECTION) {
      d->nprojs++;
      if ((rc = io_cfg_build_projection(c, &c->s[i], &d->projs[c->s[i].index], d)))
        return rc;
    }
  for (size_t i = 0; i < c->ns; i++)
    if (c->s[i].type == SEC_RECORD) {
      d->nrecs++;
      if ((rc = io_cfg_build_record(c, &c->s[i], &d->recs[c->s[i].index], d)))
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
  int first;
  if (inih_rc == -2)
    return sim_error_set(SIM_ENOMEM, "%s: out of memory while parsing", c->file);
  int cand[4] = {c->in.nul_line, c->in.long_line, inih_rc > 0 ? inih_rc : 0, c->orphan_line};
  int which = io_ini_first(cand, 4, &first);
  if (which < 0)
    return 0;
  if (which < 2)
    return io_ini_fail_text(c->file, which, first, IO_CONFIG_MAX_LINE);
  if (which == 3)
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
  int rc = io_file_read(path, "config", 0, &text, &len);
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

int io_config_build(const char *file, const io_config_section *secs, size_t nsecs,
                    net_desc **out)
{
  *out = NULL;
  cfg c = {.file = file, .mem = 1};
  net_desc *d = sim_calloc(1, sizeof *d, "net_desc");
  d->file = sim_strdup(file, "config name");
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < nsecs; i++) {
    const io_config_section *x = &secs[i];
    char raw[512];
    snprintf(raw, sizeof raw, "%s%s%s", x->type, x->name ? " " : "", x->name ? x->name : "");
    cfg_section *s = section_add(&c, raw, strlen(raw), -1);
    h = fnv1a(h, raw, strlen(raw) + 1);
    for (int k = 0; k < x->n; k++) {
      entry_add(s, x->keys[k], x->values[k], -1);
      h = fnv1a(h, x->keys[k], strlen(x->keys[k]) + 1);
      h = fnv1a(h, x->values[k], strlen(x->values[k]) + 1);
    }
  }
  d->digest = h;
  int rc = check_headers(&c);
  if (!rc)
    rc = build_desc(&c, d);
  cfg_fini(&c);
  if (rc) {
    net_desc_destroy(d);
    return rc;
  }
  *out = d;
  return 0;
}
