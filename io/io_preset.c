/*
 * io_preset.c: device preset files (io_preset.h): read one with libinih
 * (io_ini.h), line by line so that every message names its line, collect
 * its 'key = value' entries, hand them to the device's key tables
 * (syn_device_param_set: the rule first), check, and find presets along
 * the search path.
 *
 * Owns, during a call, the file text and the collected entries; nothing
 * after it returns.
 */
#include "io_preset.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"
#include "io_datadir.h"
#include "io_file.h"
#include "io_ini.h"

#define PRESET_MAX_LINE 1024 /* bytes per line, including the newline */

/* One 'key = value' line of the file. */
typedef struct preset_entry {
  char *key, *value; /* owned */
  int line;
} preset_entry;

typedef struct preset_reader {
  const char *path;   /* borrowed: for messages */
  io_ini_lines in;    /* the file and where the reader is in it */
  int section_line;   /* first [section] header, or 0 */
  int err_line;       /* line of the first key error, or 0 */
  char err_msg[1024]; /* its message */
  preset_entry *e;    /* owned: the entries in file order, keys distinct */
  size_t n, cap;
} preset_reader;

static const preset_entry *entry_find(const preset_reader *r, const char *key)
{
  for (size_t i = 0; i < r->n; i++)
    if (strcmp(r->e[i].key, key) == 0)
      return &r->e[i];
  return NULL;
}

/* Note a key error at line (the earliest one is kept). */
static void key_error(preset_reader *r, int line, const char *fmt, const char *a,
                      const char *b)
{
  if (r->err_line && r->err_line <= line)
    return;
  char inner[896];
  snprintf(inner, sizeof inner, fmt, a, b);
  r->err_line = line;
  snprintf(r->err_msg, sizeof r->err_msg, "%s:%d: %s", r->path, line, inner);
}

/* libinih reader: one line of r->in.buf per call, counting lines, so that the
   handler knows the line of each entry; notes long lines, NUL bytes and
   section headers (presets are flat key = value files). */
static char *preset_read_line(char *str, int num, void *stream)
{
  preset_reader *r = stream;
  const char *t = io_ini_next_line(&r->in, str, num);
  if (!t)
    return NULL;
  if (*t == '[' && !r->section_line)
    r->section_line = r->in.line;
  return str;
}

/* libinih handler: collect one key = value (the rule decides what the
   other keys mean, and it may come later in the file). */
static int preset_on_entry(void *user, const char *section, const char *name,
                           const char *value)
{
  preset_reader *r = user;
  (void)section;
  const preset_entry *first = entry_find(r, name);
  if (first) {
    char at[32];
    snprintf(at, sizeof at, "%d", first->line);
    key_error(r, r->in.line, "key '%s': set twice (first at line %s)", name, at);
    return 1;
  }
  if (r->n == r->cap) {
    r->cap = r->cap ? 2 * r->cap : 64;
    r->e = sim_realloc(r->e, r->cap * sizeof *r->e, "device preset entries");
  }
  r->e[r->n++] = (preset_entry){sim_strdup(name, "device preset key"),
                                sim_strdup(value, "device preset value"), r->in.line};
  return 1;
}

/* Set the entries into p: the rule first, then the others in file order,
   stopping at the first failure (noted with its line). */
static void preset_apply(preset_reader *r, syn_device_param *p)
{
  const preset_entry *rule = entry_find(r, SYN_DEVICE_RULE_KEY);
  for (size_t i = 0; i <= r->n; i++) {
    const preset_entry *e = i == 0 ? rule : &r->e[i - 1];
    if (!e || (i > 0 && e == rule))
      continue;
    if (syn_device_param_set(p, e->key, e->value)) {
      key_error(r, e->line, "%s%s", sim_error_msg(), "");
      return;
    }
  }
}

/* The earliest text or key error of a parse, as the failure; 0 when none. */
static int preset_text_error(const preset_reader *r, int inih_rc)
{
  if (inih_rc == -2)
    return sim_error_set(SIM_ENOMEM, "%s: out of memory while parsing", r->path);
  /* In order of preference on the same line. */
  int cand[5] = {r->in.nul_line, r->in.long_line, r->section_line, r->err_line,
                 inih_rc > 0 ? inih_rc : 0};
  int first;
  int which = io_ini_first(cand, 5, &first);
  switch (which) {
  case 0:
  case 1:
    return io_ini_fail_text(r->path, which, first, PRESET_MAX_LINE);
  case 2:
    return sim_error_set(SIM_ECONFIG,
                         "%s:%d: section header: a device preset is a flat list of "
                         "'key = value' lines, no [sections]",
                         r->path, first);
  case 3:
    return sim_error_set(SIM_ECONFIG, "%s", r->err_msg);
  case 4:
    return sim_error_set(SIM_ECONFIG,
                         "%s:%d: expected 'key = value' (comments start with ';' or '#')",
                         r->path, first);
  }
  return 0;
}

/* A key p's rule requires that the file does not set: the failure naming
   it (an empty or truncated file). */
static int preset_missing(const preset_reader *r, const syn_device_param *p)
{
  char req[512] = "";
  const char *missing = NULL, *k;
  size_t used = 0;
  int required;
  for (int i = 0; (k = syn_device_param_key(p, i, &required)); i++) {
    if (!required)
      continue;
    if (!missing && !entry_find(r, k))
      missing = k;
    int n = snprintf(req + used, sizeof req - used, "%s%s", used ? ", " : "", k);
    if (n > 0 && (size_t)n < sizeof req - used)
      used += (size_t)n;
  }
  if (!missing)
    return 0;
  if (r->in.line == 0)
    return sim_error_set(SIM_ECONFIG,
                         "%s: empty file: key '%s' must be set (a preset sets at least %s)",
                         r->path, missing, req);
  if (r->n == 0)
    return sim_error_set(SIM_ECONFIG,
                         "%s:%d: no 'key = value' line by the end of the file: key '%s' "
                         "must be set (a preset sets at least %s)",
                         r->path, r->in.line, missing, req);
  return sim_error_set(SIM_ECONFIG,
                       "%s:%d: end of file without key '%s', which a preset with rule = %s "
                       "must set (required: %s); is the file truncated?",
                       r->path, r->in.line, missing, syn_device_rule_name(p), req);
}


static int cmp_str(const void *x, const void *y)
{
  return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The failure for a preset file that does not exist: lists NAME.ini files
   of dir. */
static int preset_not_found(const char *dir, const char *name)
{
  char list[768] = "";
  DIR *d = opendir(dir);
  if (!d)
    return sim_error_set(SIM_ECONFIG,
                         "device preset '%s': directory '%s' cannot be read (%s)", name, dir,
                         strerror(errno));
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t l = strlen(e->d_name);
    if (l <= 4 || strcmp(e->d_name + l - 4, ".ini") != 0)
      continue;
    if (n == cap) {
      cap = cap ? 2 * cap : 16;
      names = sim_realloc(names, cap * sizeof *names, "device preset names");
    }
    names[n] = sim_strdup(e->d_name, "device preset name");
    names[n][l - 4] = '\0';
    n++;
  }
  closedir(d);
  if (n)
    qsort(names, n, sizeof *names, cmp_str);
  for (size_t i = 0; i < n; i++) {
    if (i)
      strncat(list, ", ", sizeof list - strlen(list) - 1);
    strncat(list, names[i], sizeof list - strlen(list) - 1);
    sim_free(names[i]);
  }
  sim_free(names);
  return sim_error_set(SIM_ECONFIG, "device preset '%s': no file %s.ini in '%s' (%s%s)",
                       name, name, dir, n ? "presets there: " : "no presets there",
                       list);
}

/* Parse text (path for messages) into tmp; the failure or 0. */
static int preset_parse(const char *path, const char *text, size_t len, syn_device_param *tmp)
{
  preset_reader r;
  memset(&r, 0, sizeof r);
  r.path = path;
  r.in.buf = text;
  r.in.len = len;
  int inih_rc = io_ini_parse(preset_read_line, &r, preset_on_entry, &r, PRESET_MAX_LINE, 0);
  if (inih_rc != -2)
    preset_apply(&r, tmp);
  int rc = preset_text_error(&r, inih_rc);
  const char *key = NULL;
  if (!rc && syn_device_param_check(tmp, &key)) {
    char inner[1024];
    snprintf(inner, sizeof inner, "%s", sim_error_msg());
    const preset_entry *e = key ? entry_find(&r, key) : NULL;
    if (e)
      rc = sim_error_set(SIM_ECONFIG, "%s:%d: %s", path, e->line, inner);
    else
      rc = sim_error_set(SIM_ECONFIG, "%s: %s (not set in the file: the default)", path,
                         inner);
  }
  if (!rc)
    rc = preset_missing(&r, tmp);
  for (size_t i = 0; i < r.n; i++) {
    sim_free(r.e[i].key);
    sim_free(r.e[i].value);
  }
  sim_free(r.e);
  return rc;
}

int io_preset_load(const char *dir, const char *name, syn_device_param *p)
{
  size_t nl = strlen(name);
  if (nl == 0 || nl >= sizeof p->name)
    return sim_error_set(SIM_ECONFIG, "device preset name '%s': expected 1 to %zu characters",
                         name, sizeof p->name - 1);
  for (size_t i = 0; i < nl; i++)
    if (!isalnum((unsigned char)name[i]) && name[i] != '_' && name[i] != '-')
      return sim_error_set(SIM_ECONFIG,
                           "device preset name '%s': expected letters, digits, '_' and '-'",
                           name);
  char path[4096];
  if ((size_t)snprintf(path, sizeof path, "%s/%s.ini", dir, name) >= sizeof path)
    return sim_error_set(SIM_ECONFIG, "device preset '%s': path too long", name);

  FILE *f = fopen(path, "rb");
  if (!f) {
    if (errno == ENOENT)
      return preset_not_found(dir, name);
    return sim_error_set(SIM_EIO, "%s: cannot open device preset: %s", path,
                         strerror(errno));
  }
  char *text = NULL;
  size_t len = 0;
  int rc = io_file_slurp(f, path, "device preset", 0, &text, &len); /* closes f */
  if (rc)
    return rc;

  syn_device_param tmp;
  syn_device_param_default(&tmp);
  rc = preset_parse(path, text, len, &tmp);
  sim_free(text);
  if (rc)
    return rc;
  snprintf(tmp.name, sizeof tmp.name, "%s", name);
  *p = tmp;
  return 0;
}

int io_preset_find(const char *config_path, const char *name, syn_device_param *p)
{
  enum { MAX_TRIES = 8 };
  char dirs[MAX_TRIES][4096];
  const char *tries[MAX_TRIES];
  int ntries = 0;
  const char *slash = config_path ? strrchr(config_path, '/') : NULL;
  if (config_path) {
    if (slash)
      snprintf(dirs[ntries], sizeof dirs[0], "%.*s/devices", (int)(slash - config_path),
               config_path);
    else
      snprintf(dirs[ntries], sizeof dirs[0], "devices");
    tries[ntries] = dirs[ntries];
    ntries++;
  }
  tries[ntries++] = getenv("MEMSPIKE_DEVICES");
  /* Then configs/devices of each data directory (io_datadir.h): the
     current directory, the binary's source tree, the install prefix. */
  char base[4000];
  for (int i = 0; ntries < MAX_TRIES && io_datadir_get(i, base, sizeof base); i++) {
    if (!strcmp(base, "."))
      snprintf(dirs[ntries], sizeof dirs[0], "configs/devices");
    else
      snprintf(dirs[ntries], sizeof dirs[0], "%s/configs/devices", base);
    tries[ntries] = dirs[ntries];
    ntries++;
  }
  char searched[1024] = "", listing[1024] = "";
  for (int i = 0; i < ntries; i++) {
    if (!tries[i] || !tries[i][0])
      continue;
    char probe[4200];
    snprintf(probe, sizeof probe, "%s/%s.ini", tries[i], name);
    FILE *f = fopen(probe, "r");
    if (f) {
      fclose(f);
      return io_preset_load(tries[i], name, p);
    }
    size_t used = strlen(searched);
    snprintf(searched + used, sizeof searched - used, "%s%s", used ? ", " : "", tries[i]);
    /* The loader's own message lists the presets of a readable directory. */
    if (!listing[0] && io_preset_load(tries[i], name, p) != 0 &&
        !strstr(sim_error_msg(), "cannot be read"))
      snprintf(listing, sizeof listing, "%s", sim_error_msg());
  }
  return sim_error_set(SIM_ECONFIG, "device preset '%s' not found (searched %s)%s%s", name,
                       searched, listing[0] ? ": " : "", listing);
}
