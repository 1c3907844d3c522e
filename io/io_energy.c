/*
 * io_energy.c: the reader of energy-constants files (io_energy.h;
 * configs/energy/NAME.ini, keys in network/net_energy.h, meaning in
 * docs/energy.md).
 *
 * libinih reads the file the way io/io_config.c reads configs: one line at
 * a time through a counting reader, so every message names file:line and
 * key.  One table, built from NET_ENERGY_KEYS, gives each key's section,
 * domain and offset in net_energy_param.
 *
 * Owns: the file's text and the reader state (freed before returning) and,
 * until it is handed to the caller, the net_energy_param being filled.
 */
#include "io_energy.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io_file.h"
#include "io_ini.h"
#include "../core/sim_alloc.h"
#include "../core/sim_error.h"
#include "../core/sim_parse.h"
#include "../core/sim_names.h"

/* ======================================================================
 * Keys
 * ====================================================================== */

/* The domains of NET_ENERGY_KEYS (net_energy.h), as KIND_<domain>. */
typedef enum key_kind {
  KIND_POS,       /* finite number > 0 */
  KIND_NONNEG,    /* finite number >= 0 */
  KIND_FRACTION,  /* finite number in [0, 1] */
  KIND_COUNT,     /* decimal digits only, >= 1, at most 9 digits */
  KIND_PRECISION, /* fp32 | int8, stored as NET_PRECISION_* */
  KIND_PAIR_SUB   /* digital | analog | rows, stored as NET_PAIR_SUB_* */
} key_kind;

enum key_id {
#define KEY_ENUM(sec, key, dom) KEY_##sec##_##key,
  NET_ENERGY_KEYS(KEY_ENUM)
#undef KEY_ENUM
  KEY_COUNT
};

/* File spellings of the enumerated constants, by value. */
static const char *const precision_names[] = {
    [NET_PRECISION_FP32] = "fp32", [NET_PRECISION_INT8] = "int8", NULL};
static const char *const pair_sub_names[] = {
    [NET_PAIR_SUB_DIGITAL] = "digital", [NET_PAIR_SUB_ANALOG] = "analog",
    [NET_PAIR_SUB_ROWS] = "rows", NULL};

static const struct {
  const char *section, *name;
  key_kind kind;
  size_t off; /* offset of the field in net_energy_param */
} keys[] = {
#define KEY_INFO(sec, key, dom) {#sec, #key, KIND_##dom, offsetof(net_energy_param, sec##_##key)},
    NET_ENERGY_KEYS(KEY_INFO)
#undef KEY_INFO
};

static const char *const section_names[] = {"digital", "crossbar", "snn_digital",
                                            "snn_crossbar", NULL};

static double *field(net_energy_param *p, int k) { return (double *)((char *)p + keys[k].off); }

static int key_index(const char *section, const char *name)
{
  for (int k = 0; k < KEY_COUNT; k++)
    if (strcmp(keys[k].section, section) == 0 && strcmp(keys[k].name, name) == 0)
      return k;
  return -1;
}

/* "a, b, c": the keys of one section. */
static const char *section_keys(char *buf, size_t n, const char *section)
{
  buf[0] = '\0';
  for (int k = 0; k < KEY_COUNT; k++) {
    if (strcmp(keys[k].section, section) != 0)
      continue;
    if (buf[0])
      strncat(buf, ", ", n - strlen(buf) - 1);
    strncat(buf, keys[k].name, n - strlen(buf) - 1);
  }
  return buf;
}


/* Parse value for key k into p; on failure writes what was expected into
   msg and returns -1. */
static int set_value(net_energy_param *p, int k, const char *value, char *msg, size_t n)
{
  double x = 0;
  char list[128];
  switch (keys[k].kind) {
  case KIND_PRECISION:
  case KIND_PAIR_SUB: {
    const char *const *names = keys[k].kind == KIND_PRECISION ? precision_names
                                                              : pair_sub_names;
    int i = sim_name_index(names, value);
    if (i < 0) {
      snprintf(msg, n, "expected one of %s, got '%s'", sim_names_join(list, sizeof list, names), value);
      return -1;
    }
    *field(p, k) = i;
    return 0;
  }
  case KIND_POS:
    if (sim_parse_double(value, 0, &x) || !(x > 0)) {
      snprintf(msg, n, "expected a finite number > 0, got '%s'", value);
      return -1;
    }
    break;
  case KIND_NONNEG:
    if (sim_parse_double(value, 0, &x) || !(x >= 0)) {
      snprintf(msg, n, "expected a finite number >= 0, got '%s'", value);
      return -1;
    }
    break;
  case KIND_FRACTION:
    if (sim_parse_double(value, 0, &x) || !(x >= 0 && x <= 1)) {
      snprintf(msg, n, "expected a number in [0, 1], got '%s'", value);
      return -1;
    }
    break;
  case KIND_COUNT: {
    size_t digits = strspn(value, "0123456789");
    if (digits == 0 || value[digits] || digits > 9 || sim_parse_double(value, 0, &x) || x < 1) {
      snprintf(msg, n, "expected a whole number >= 1 (decimal digits, at most 9), got '%s'",
               value);
      return -1;
    }
    break;
  }
  }
  *field(p, k) = x;
  return 0;
}

/* ======================================================================
 * Loading
 * ====================================================================== */

#define ENERGY_MAX_LINE 1024 /* bytes per line, including the newline */

typedef struct energy_reader {
  const char *path;        /* borrowed: for messages */
  io_ini_lines in;         /* the file and where the reader is in it */
  int bad_section_line;    /* first header naming an unknown section, or 0 */
  char bad_section[64];    /* its name (shortened) */
  int in_section;          /* a [section] header has been seen */
  int orphan_line;         /* first key before any header, or 0 */
  int err_line;            /* line of the first key = value error, or 0 */
  char err_msg[768];       /* its message */
  net_energy_param *p;     /* borrowed: being filled */
  int key_line[KEY_COUNT]; /* line where each key was set, 0 = not set */
} energy_reader;

/* libinih reader: one line of r->in.buf per call, counting lines, so that the
   handler knows the line of each entry; notes long lines, NUL bytes and
   headers of unknown sections (libinih only reports sections through
   their keys, so an empty unknown section would otherwise pass). */
static char *energy_read_line(char *str, int num, void *stream)
{
  energy_reader *r = stream;
  const char *t = io_ini_next_line(&r->in, str, num);
  if (!t)
    return NULL;
  if (*t == '[') {
    r->in_section = 1;
    const char *b = t + 1, *e = strchr(b, ']');
    if (e && !r->bad_section_line) {
      while (b < e && isspace((unsigned char)*b))
        b++;
      const char *ee = e;
      while (ee > b && isspace((unsigned char)ee[-1]))
        ee--;
      char name[64];
      size_t nlen = (size_t)(ee - b) < sizeof name - 1 ? (size_t)(ee - b) : sizeof name - 1;
      memcpy(name, b, nlen);
      name[nlen] = '\0';
      if (sim_name_index(section_names, name) < 0) {
        r->bad_section_line = r->in.line;
        snprintf(r->bad_section, sizeof r->bad_section, "%s", name);
      }
    }
  } else if (*t && *t != '\n' && *t != ';' && *t != '#' && !r->in_section &&
             !r->orphan_line) {
    r->orphan_line = r->in.line;
  }
  return str;
}

/* libinih handler: one key = value within a section. */
static int energy_on_entry(void *user, const char *section, const char *name,
                           const char *value)
{
  energy_reader *r = user;
  char list[512], msg[256];
  if (r->err_line)
    return 0;
  if (sim_name_index(section_names, section) < 0)
    return 0; /* reported through bad_section_line / orphan_line */
  int k = key_index(section, name);
  if (k < 0) {
    r->err_line = r->in.line;
    snprintf(r->err_msg, sizeof r->err_msg, "%s:%d: [%s] unknown key '%s' (keys of [%s]: %s)",
             r->path, r->in.line, section, name, section,
             section_keys(list, sizeof list, section));
    return 0;
  }
  if (r->key_line[k]) {
    r->err_line = r->in.line;
    snprintf(r->err_msg, sizeof r->err_msg, "%s:%d: [%s] key '%s': set twice (first at line %d)",
             r->path, r->in.line, section, name, r->key_line[k]);
    return 0;
  }
  if (set_value(r->p, k, value, msg, sizeof msg)) {
    r->err_line = r->in.line;
    snprintf(r->err_msg, sizeof r->err_msg, "%s:%d: [%s] key '%s': %s", r->path, r->in.line,
             section, name, msg);
    return 0;
  }
  r->key_line[k] = r->in.line;
  return 1;
}

/* The earliest text error of a parse, as the failure; 0 when none. */
static int energy_text_error(const energy_reader *r, int inih_rc)
{
  char list[128];
  if (inih_rc == -2)
    return sim_error_set(SIM_ENOMEM, "%s: out of memory while parsing", r->path);
  /* In order of preference on the same line. */
  int cand[6] = {r->in.nul_line,   r->in.long_line, r->bad_section_line,
                 r->orphan_line, r->err_line,  inih_rc > 0 ? inih_rc : 0};
  int first;
  int which = io_ini_first(cand, 6, &first);
  switch (which) {
  case 0:
  case 1:
    return io_ini_fail_text(r->path, which, first, ENERGY_MAX_LINE);
  case 2:
    return sim_error_set(SIM_ECONFIG, "%s:%d: unknown section [%s] (sections: %s)", r->path,
                         first, r->bad_section, sim_names_join(list, sizeof list, section_names));
  case 3:
    return sim_error_set(SIM_ECONFIG,
                         "%s:%d: key before any section: expected a section header first "
                         "(%s)",
                         r->path, first, sim_names_join(list, sizeof list, section_names));
  case 4:
    return sim_error_set(SIM_ECONFIG, "%s", r->err_msg);
  case 5:
    return sim_error_set(SIM_ECONFIG,
                         "%s:%d: expected '[section]' or 'key = value' (comments start with "
                         "';' or '#')",
                         r->path, first);
  }
  return 0;
}


/* Checks across keys, after every key is known to be set. */
static int check_param(const energy_reader *r)
{
  const net_energy_param *p = r->p;
  int k = KEY_crossbar_array_cols;
  if (fmod(p->crossbar_array_cols, 2.0) != 0)
    return sim_error_set(SIM_ECONFIG,
                         "%s:%d: [crossbar] key 'array_cols': must be even (a signed weight "
                         "is a pair of columns), got %g",
                         r->path, r->key_line[k], p->crossbar_array_cols);
  k = KEY_crossbar_g_off_uS;
  if (p->crossbar_g_off_uS > p->crossbar_g_on_uS)
    return sim_error_set(SIM_ECONFIG,
                         "%s:%d: [crossbar] key 'g_off_uS': must be <= g_on_uS = %g, got %g",
                         r->path, r->key_line[k], p->crossbar_g_on_uS, p->crossbar_g_off_uS);
  return 0;
}

int io_energy_load(const char *path, net_energy_param **out)
{
  *out = NULL;
  char *text = NULL;
  size_t len = 0;
  int rc = io_file_read(path, "energy config", 0, &text, &len);
  if (rc)
    return rc;

  net_energy_param *p = sim_calloc(1, sizeof *p, "energy constants");
  energy_reader *r = sim_calloc(1, sizeof *r, "energy config reader");
  r->path = path;
  r->in.buf = text;
  r->in.len = len;
  r->p = p;
  rc = energy_text_error(
      r, io_ini_parse(energy_read_line, r, energy_on_entry, r, ENERGY_MAX_LINE, 1));
  for (int k = 0; !rc && k < KEY_COUNT; k++)
    if (!r->key_line[k])
      rc = sim_error_set(SIM_ECONFIG,
                         "%s: [%s] key '%s': not set (every constant must be given, with "
                         "its source)",
                         path, keys[k].section, keys[k].name);
  if (!rc)
    rc = check_param(r);
  sim_free(r);
  sim_free(text);
  if (rc) {
    sim_free(p);
    return rc;
  }
  *out = p;
  return 0;
}

void io_energy_destroy(net_energy_param *p) { sim_free(p); }
