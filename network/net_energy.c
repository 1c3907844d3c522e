/*
 * net_energy.c: energy and latency per inference of one CNN layer on four
 * implementations (net_energy.h): digital ANN, analog crossbar ANN, digital
 * SNN, crossbar SNN.  The equations are written once more, with every
 * constant's source, in docs/energy.md; the tests in tests/test_energy.c
 * recompute them by hand.
 *
 * Owns the constants loaded from an INI file (net_energy_param), read with
 * libinih the way io/io_preset.c reads device presets: one line at a
 * time through a counting reader, so every message names file:line and key.
 */
#include "net_energy.h"

#include <ctype.h>
#include <errno.h>
#include "../io/io_ini.h"
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"
#include "../core/sim_names.h"

/* ======================================================================
 * Keys
 * ====================================================================== */

typedef enum key_kind {
  KIND_POS,       /* finite number > 0 */
  KIND_NONNEG,    /* finite number >= 0 */
  KIND_FRACTION,  /* finite number in [0, 1] */
  KIND_COUNT,     /* decimal digits only, >= 1, at most 9 digits */
  KIND_PRECISION, /* fp32 | int8, stored as 0 | 1 */
  KIND_PAIR_SUB   /* digital | analog, stored as 0 | 1 */
} key_kind;

/* Every constant: section, key (also the field name, prefixed by the
   section), kind.  All are required: a config must state, and cite, every
   figure the model uses. */
#define NET_ENERGY_KEYS(X)                        \
  X(digital, precision, KIND_PRECISION)           \
  X(digital, e_mac_fp32_pj, KIND_NONNEG)          \
  X(digital, e_mac_int8_pj, KIND_NONNEG)          \
  X(digital, e_ac_fp32_pj, KIND_NONNEG)           \
  X(digital, e_ac_int8_pj, KIND_NONNEG)           \
  X(digital, bits_weight, KIND_COUNT)             \
  X(digital, bits_activation, KIND_COUNT)         \
  X(digital, sram_8kB_pj, KIND_NONNEG)            \
  X(digital, sram_32kB_pj, KIND_NONNEG)           \
  X(digital, sram_1MB_pj, KIND_NONNEG)            \
  X(digital, dram_pj, KIND_NONNEG)                \
  X(digital, macs_per_cycle, KIND_COUNT)          \
  X(digital, clock_GHz, KIND_POS)                 \
  X(crossbar, array_rows, KIND_COUNT)             \
  X(crossbar, array_cols, KIND_COUNT)             \
  X(crossbar, replication, KIND_COUNT)            \
  X(crossbar, v_read, KIND_NONNEG)                \
  X(crossbar, t_read_ns, KIND_POS)                \
  X(crossbar, g_on_uS, KIND_NONNEG)               \
  X(crossbar, g_off_uS, KIND_NONNEG)              \
  X(crossbar, g_mean_state, KIND_FRACTION)        \
  X(crossbar, row_activity, KIND_FRACTION)        \
  X(crossbar, input_bits, KIND_COUNT)             \
  X(crossbar, dac_bits, KIND_COUNT)               \
  X(crossbar, e_dac_pj, KIND_NONNEG)              \
  X(crossbar, adc_bits, KIND_COUNT)               \
  X(crossbar, e_adc_pj, KIND_NONNEG)              \
  X(crossbar, columns_per_adc, KIND_COUNT)        \
  X(crossbar, pair_subtraction, KIND_PAIR_SUB)    \
  X(crossbar, e_add_pj, KIND_NONNEG)              \
  X(snn_digital, e_neuron_update_pj, KIND_NONNEG) \
  X(snn_digital, bits_state, KIND_COUNT)          \
  X(snn_digital, state_accesses_per_synop, KIND_NONNEG) \
  X(snn_digital, e_spike_pj, KIND_NONNEG)         \
  X(snn_digital, t_step_ns, KIND_NONNEG)          \
  X(snn_crossbar, e_integrate_pj, KIND_NONNEG)    \
  X(snn_crossbar, e_row_drive_pj, KIND_NONNEG)    \
  X(snn_crossbar, e_spike_pj, KIND_NONNEG)        \
  X(snn_crossbar, t_integrate_ns, KIND_NONNEG)

enum key_id {
#define KEY_ENUM(sec, key, kind) KEY_##sec##_##key,
  NET_ENERGY_KEYS(KEY_ENUM)
#undef KEY_ENUM
  KEY_COUNT
};

/* Values of the enumerated keys. */
enum { PRECISION_FP32 = 0, PRECISION_INT8 = 1 };
enum { PAIR_SUB_DIGITAL = 0, PAIR_SUB_ANALOG = 1 };
static const char *const precision_names[] = {"fp32", "int8", NULL};
static const char *const pair_sub_names[] = {"digital", "analog", NULL};

/* The constants.  Every field is a double (enumerations as 0, 1, ...) so
   that one table of offsets serves the parser; units are in the names
   (pJ, ns, uS, V, GHz; bits and counts are whole numbers). */
struct net_energy_param {
#define KEY_FIELD(sec, key, kind) double sec##_##key;
  NET_ENERGY_KEYS(KEY_FIELD)
#undef KEY_FIELD
};

static const struct {
  const char *section, *name;
  key_kind kind;
  size_t off; /* offset of the field in net_energy_param */
} keys[] = {
#define KEY_INFO(sec, key, kind) {#sec, #key, kind, offsetof(net_energy_param, sec##_##key)},
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

/* A whole-string finite number. */
static int parse_number(const char *v, double *out)
{
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
    if (parse_number(value, &x) || !(x > 0)) {
      snprintf(msg, n, "expected a finite number > 0, got '%s'", value);
      return -1;
    }
    break;
  case KIND_NONNEG:
    if (parse_number(value, &x) || !(x >= 0)) {
      snprintf(msg, n, "expected a finite number >= 0, got '%s'", value);
      return -1;
    }
    break;
  case KIND_FRACTION:
    if (parse_number(value, &x) || !(x >= 0 && x <= 1)) {
      snprintf(msg, n, "expected a number in [0, 1], got '%s'", value);
      return -1;
    }
    break;
  case KIND_COUNT: {
    size_t digits = strspn(value, "0123456789");
    if (digits == 0 || value[digits] || digits > 9 || parse_number(value, &x) || x < 1) {
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
  int first = 0, which = -1;
  for (int i = 0; i < 6; i++)
    if (cand[i] && (!first || cand[i] < first)) {
      first = cand[i];
      which = i;
    }
  switch (which) {
  case 0:
    return sim_error_set(SIM_ECONFIG, "%s:%d: NUL byte in line: expected a text file",
                         r->path, first);
  case 1:
    return sim_error_set(SIM_ECONFIG, "%s:%d: line longer than %d bytes", r->path, first,
                         ENERGY_MAX_LINE - 2);
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

/* Whole file into *buf (caller frees with sim_free). */
static int read_whole(const char *path, char **buf, size_t *len)
{
  FILE *f = fopen(path, "rb");
  if (!f)
    return sim_error_set(SIM_EIO, "%s: cannot open energy config: %s", path, strerror(errno));
  size_t cap = 4096, n = 0;
  char *b = sim_malloc(cap, "energy config text");
  for (;;) {
    if (n == cap) {
      cap *= 2;
      b = sim_realloc(b, cap, "energy config text");
    }
    size_t got = fread(b + n, 1, cap - n, f);
    n += got;
    if (got == 0)
      break;
  }
  int err = ferror(f);
  fclose(f);
  if (err) {
    sim_free(b);
    return sim_error_set(SIM_EIO, "%s: cannot read energy config", path);
  }
  *buf = b;
  *len = n;
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

int net_energy_load(const char *path, net_energy_param **out)
{
  *out = NULL;
  char *text = NULL;
  size_t len = 0;
  int rc = read_whole(path, &text, &len);
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

void net_energy_param_destroy(net_energy_param *p) { sim_free(p); }

/* ======================================================================
 * The model (docs/energy.md)
 * ====================================================================== */

enum { KIND_CONV = 0, KIND_LINEAR = 1, KIND_AVGPOOL = 2 };

static double ceil_div(double a, double b) { return ceil(a / b); }

/* Energy of one 64-bit word access (pJ) in the smallest memory of
   Horowitz's table that holds `bytes`; DRAM beyond 1 MB. */
static double word_pj(const net_energy_param *p, double bytes)
{
  if (bytes <= 8.0 * 1024)
    return p->digital_sram_8kB_pj;
  if (bytes <= 32.0 * 1024)
    return p->digital_sram_32kB_pj;
  if (bytes <= 1024.0 * 1024)
    return p->digital_sram_1MB_pj;
  return p->digital_dram_pj;
}

static double e_mac(const net_energy_param *p)
{
  return p->digital_precision == PRECISION_INT8 ? p->digital_e_mac_int8_pj
                                                : p->digital_e_mac_fp32_pj;
}

static double e_ac(const net_energy_param *p)
{
  return p->digital_precision == PRECISION_INT8 ? p->digital_e_ac_int8_pj
                                                : p->digital_e_ac_fp32_pj;
}

/* Digital datapath throughput: operations per ns. */
static double ops_per_ns(const net_energy_param *p)
{
  return p->digital_macs_per_cycle * p->digital_clock_GHz;
}

/* The layout of a weight matrix on crossbar arrays. */
typedef struct xbar_map {
  double row_tiles, col_tiles; /* arrays per copy of the matrix */
  double repl;                 /* copies: replication for conv, at most patches */
  double arrays;               /* row_tiles col_tiles repl */
  double phys_cols;            /* 2 cols: a signed weight is a pair of columns */
  double cycles;               /* input cycles per MVM: ceil(input_bits / dac_bits) */
  double e_cell_pj;            /* V^2 G_mean t_read of one cell */
} xbar_map;

static void xbar_layout(const net_energy_param *p, const net_layer_stats *s, xbar_map *m)
{
  double rows = (double)s->rows, cols = (double)s->cols, patches = (double)s->patches;
  m->phys_cols = 2 * cols;
  m->row_tiles = ceil_div(rows, p->crossbar_array_rows);
  m->col_tiles = ceil_div(m->phys_cols, p->crossbar_array_cols);
  m->repl = 1;
  if (s->kind == KIND_CONV)
    m->repl = patches < p->crossbar_replication ? (patches > 0 ? patches : 1)
                                                : p->crossbar_replication;
  m->arrays = m->row_tiles * m->col_tiles * m->repl;
  m->cycles = ceil_div(p->crossbar_input_bits, p->crossbar_dac_bits);
  double g_mean_uS = p->crossbar_g_off_uS +
                     p->crossbar_g_mean_state * (p->crossbar_g_on_uS - p->crossbar_g_off_uS);
  /* V^2 x uS x ns = 1e-15 J = 1e-3 pJ */
  m->e_cell_pj = p->crossbar_v_read * p->crossbar_v_read * g_mean_uS * p->crossbar_t_read_ns *
                 1e-3;
}

static void ann_digital(const net_energy_param *p, const net_layer_stats *s, net_energy *e)
{
  double n = (double)s->neurons, macs = s->macs;
  double bw = p->digital_bits_weight, ba = p->digital_bits_activation;
  double e_w = word_pj(p, (double)s->weights * bw / 8);
  double e_a = word_pj(p, ((double)s->inputs + n) * ba / 8);
  if (s->kind == KIND_AVGPOOL) {
    e->compute_pj = macs * e_ac(p);
    e->memory_pj = (macs + n) * ba / 64 * e_a;
  } else {
    double act_reads = (double)s->patches * (double)s->rows;
    e->compute_pj = macs * e_mac(p);
    e->memory_pj = macs * bw / 64 * e_w + (act_reads + n) * ba / 64 * e_a;
  }
  e->latency_ns = macs / ops_per_ns(p);
}

static void ann_crossbar(const net_energy_param *p, const net_layer_stats *s, net_energy *e)
{
  double n = (double)s->neurons, patches = (double)s->patches;
  double rows = (double)s->rows, cols = (double)s->cols;
  double bi = p->crossbar_input_bits;
  double e_a = word_pj(p, ((double)s->inputs + n) * bi / 8);
  if (s->kind == KIND_AVGPOOL) { /* digital adders on the ADC outputs */
    e->compute_pj = s->macs * p->crossbar_e_add_pj;
    e->memory_pj = (s->macs + n) * bi / 64 * e_a;
    e->latency_ns = s->macs / ops_per_ns(p);
    return;
  }
  xbar_map m;
  xbar_layout(p, s, &m);
  int analog_sub = p->crossbar_pair_subtraction == PAIR_SUB_ANALOG;
  /* Outputs converted per array row tile (ADC channels in use). */
  double outputs = analog_sub ? cols : m.phys_cols;
  double read = rows * m.phys_cols * m.e_cell_pj * p->crossbar_row_activity;
  double dac = rows * m.col_tiles * p->crossbar_e_dac_pj;
  double adc = m.row_tiles * outputs * p->crossbar_e_adc_pj;
  /* Digital adds per MVM: each converted output sums its row tiles and
     input cycles (shift-and-add), then the pair is subtracted. */
  double adds = outputs * (m.row_tiles * m.cycles - 1) + (analog_sub ? 0 : cols);
  e->compute_pj = patches * (m.cycles * read + adds * p->crossbar_e_add_pj);
  e->convert_pj = patches * m.cycles * (dac + adc);
  e->memory_pj = (patches * rows + n) * bi / 64 * e_a;
  e->arrays = (uint64_t)m.arrays;

  /* Latency: the fullest array converts its outputs through
     array outputs / columns_per_adc shared ADCs, one group after the other,
     each group a read plus a conversion. */
  double per_array = analog_sub ? p->crossbar_array_cols / 2 : p->crossbar_array_cols;
  double adcs = ceil_div(per_array, p->crossbar_columns_per_adc);
  double used = analog_sub ? fmin(m.phys_cols, p->crossbar_array_cols) / 2
                           : fmin(m.phys_cols, p->crossbar_array_cols);
  double groups = ceil_div(used, adcs);
  double t_adc_ns = p->crossbar_adc_bits / p->digital_clock_GHz;
  e->latency_ns = ceil_div(patches, m.repl) * m.cycles * groups *
                  (p->crossbar_t_read_ns + t_adc_ns);
}

static void snn_digital(const net_energy_param *p, const net_layer_stats *s, net_energy *e)
{
  double n = (double)s->neurons, steps = s->steps, macs = s->macs;
  double bw = p->digital_bits_weight, ba = p->digital_bits_activation;
  double bs = p->snn_digital_bits_state;
  double e_w = word_pj(p, (double)s->weights * bw / 8);
  double e_a = word_pj(p, ((double)s->inputs + n) * ba / 8);
  double e_s = word_pj(p, n * bs / 8);
  int pool = s->kind == KIND_AVGPOOL;
  double ops = s->synops + n * steps;

  e->compute_pj = s->synops * e_ac(p);
  e->memory_pj = (pool ? 0 : s->synops * bw / 64 * e_w) +
                 s->synops * p->snn_digital_state_accesses_per_synop * bs / 64 * e_s +
                 2 * n * steps * bs / 64 * e_s;
  if (s->analog_input && !pool) {
    /* Constant-current input: one MVM per image, its currents stored and
       read back at every step. */
    double act_reads = (double)s->patches * (double)s->rows;
    e->compute_pj += macs * e_mac(p);
    e->memory_pj += macs * bw / 64 * e_w + act_reads * ba / 64 * e_a +
                    n * (1 + steps) * bs / 64 * e_s;
    ops += macs;
  }
  e->neuron_pj = n * steps * p->snn_digital_e_neuron_update_pj;
  e->routing_pj = s->out_spikes * p->snn_digital_e_spike_pj;
  e->latency_ns = steps * p->snn_digital_t_step_ns + ops / ops_per_ns(p);
}

static void snn_crossbar(const net_energy_param *p, const net_layer_stats *s, net_energy *e)
{
  double n = (double)s->neurons, steps = s->steps, patches = (double)s->patches;
  double rows = (double)s->rows, cols = (double)s->cols;
  e->neuron_pj = n * steps * p->snn_crossbar_e_integrate_pj;
  e->routing_pj = s->out_spikes * p->snn_crossbar_e_spike_pj;
  if (s->kind == KIND_AVGPOOL) { /* a fixed charge per input spike */
    e->convert_pj = s->synops * p->snn_crossbar_e_row_drive_pj;
    e->latency_ns = steps * p->snn_crossbar_t_integrate_ns;
    return;
  }
  xbar_map m;
  xbar_layout(p, s, &m);
  /* One row drive per (input spike, patch that contains it): synops / cols;
     each drives 2 cols cells at the full read voltage. */
  double row_reads = cols > 0 ? s->synops / cols : 0;
  e->compute_pj = row_reads * m.phys_cols * m.e_cell_pj;
  e->convert_pj = row_reads * m.col_tiles * p->snn_crossbar_e_row_drive_pj;
  e->arrays = (uint64_t)m.arrays;
  double cycles = 1;
  if (s->analog_input) {
    /* The ANN crossbar's DAC and array read, every step; no ADC. */
    double bi = p->crossbar_input_bits;
    double e_a = word_pj(p, ((double)s->inputs + n) * bi / 8);
    double read = rows * m.phys_cols * m.e_cell_pj * p->crossbar_row_activity;
    double dac = rows * m.col_tiles * p->crossbar_e_dac_pj;
    e->compute_pj += steps * patches * m.cycles * read;
    e->convert_pj += steps * patches * m.cycles * dac;
    e->memory_pj += steps * patches * rows * bi / 64 * e_a;
    cycles = m.cycles;
  }
  e->latency_ns = steps * (ceil_div(patches, m.repl) * cycles * p->crossbar_t_read_ns +
                           p->snn_crossbar_t_integrate_ns);
}

void net_energy_layer(const net_energy_param *p, const net_layer_stats *s, int impl,
                      net_energy *out)
{
  memset(out, 0, sizeof *out);
  switch (impl) {
  case NET_IMPL_ANN_DIGITAL:
    ann_digital(p, s, out);
    break;
  case NET_IMPL_ANN_CROSSBAR:
    ann_crossbar(p, s, out);
    break;
  case NET_IMPL_SNN_DIGITAL:
    snn_digital(p, s, out);
    break;
  case NET_IMPL_SNN_CROSSBAR:
    snn_crossbar(p, s, out);
    break;
  default:
    return;
  }
  out->total_pj = out->compute_pj + out->memory_pj + out->convert_pj + out->neuron_pj +
                  out->routing_pj;
}

const char *net_impl_name(int impl)
{
  static const char *const names[NET_IMPL_COUNT] = {"ann_digital", "ann_crossbar",
                                                    "snn_digital", "snn_crossbar"};
  return impl >= 0 && impl < NET_IMPL_COUNT ? names[impl] : "?";
}

void net_energy_add(net_energy *acc, const net_energy *e)
{
  acc->compute_pj += e->compute_pj;
  acc->memory_pj += e->memory_pj;
  acc->convert_pj += e->convert_pj;
  acc->neuron_pj += e->neuron_pj;
  acc->routing_pj += e->routing_pj;
  acc->total_pj += e->total_pj;
  acc->latency_ns += e->latency_ns;
  acc->arrays += e->arrays;
}
