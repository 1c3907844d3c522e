/*
 * io_act.c: the reader of crossbar activation presets (io_act.h), with
 * the project's INI dialect (io_ini.h) and a counting line reader, so that
 * every message names file:line and key.  Keys and domains are
 * NET_ACT_KEYS (network/net_act.h); this reader knows no kind's physics.
 */
#include "io_act.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "io_datadir.h"
#include "io_file.h"
#include "io_ini.h"
#include "../core/sim_alloc.h"
#include "../core/sim_error.h"
#include "../core/sim_parse.h"

enum { DOM_ANY, DOM_POS, DOM_NONNEG };

enum key_id {
#define KEY_ENUM(key, dom) KEY_##key,
  NET_ACT_KEYS(KEY_ENUM)
#undef KEY_ENUM
  KEY_COUNT
};

static const struct {
  const char *name;
  int dom;
  size_t off; /* of the field in net_act_param */
} keys[] = {
#define KEY_INFO(key, dom) {#key, DOM_##dom, offsetof(net_act_param, key)},
    NET_ACT_KEYS(KEY_INFO)
#undef KEY_INFO
};

#define ACT_MAX_LINE 1024

typedef struct act_reader {
  const char *path;
  io_ini_lines in;
  int err_line;
  char err_msg[768];
  net_act_param *p;
  int kind_line;
  int key_line[KEY_COUNT];
} act_reader;

static char *act_read_line(char *str, int num, void *stream)
{
  act_reader *r = stream;
  return io_ini_next_line(&r->in, str, num) ? str : NULL;
}

static const char *key_list(void)
{
  static char buf[256];
  if (!buf[0]) {
    snprintf(buf, sizeof buf, "kind");
    for (int k = 0; k < KEY_COUNT; k++)
      snprintf(buf + strlen(buf), sizeof buf - strlen(buf), ", %s", keys[k].name);
  }
  return buf;
}

static int act_on_entry(void *user, const char *section, const char *name, const char *value)
{
  act_reader *r = user;
  if (r->err_line)
    return 0;
#define FAIL(...)                                                          \
  do {                                                                     \
    r->err_line = r->in.line;                                              \
    snprintf(r->err_msg, sizeof r->err_msg, __VA_ARGS__);                  \
    return 0;                                                              \
  } while (0)
  if (section[0])
    FAIL("%s:%d: [%s]: a preset has no sections (flat 'key = value' lines)", r->path,
         r->in.line, section);
  if (!strcmp(name, "kind")) {
    const net_act_ops *ops = net_act_find(value);
    if (r->kind_line)
      FAIL("%s:%d: key 'kind': set twice (first at line %d)", r->path, r->in.line,
           r->kind_line);
    if (!ops || !ops->analog)
      FAIL("%s:%d: key 'kind': expected an analog activation (vo2), got '%s'", r->path,
           r->in.line, value);
    r->p->ops = ops;
    r->kind_line = r->in.line;
    return 1;
  }
  int k = 0;
  while (k < KEY_COUNT && strcmp(keys[k].name, name))
    k++;
  if (k == KEY_COUNT)
    FAIL("%s:%d: unknown key '%s' (keys: %s)", r->path, r->in.line, name, key_list());
  if (r->key_line[k])
    FAIL("%s:%d: key '%s': set twice (first at line %d)", r->path, r->in.line, name,
         r->key_line[k]);
  double x;
  if (sim_parse_double(value, 0, &x))
    FAIL("%s:%d: key '%s': expected a finite number, got '%s'", r->path, r->in.line, name,
         value);
  if (keys[k].dom == DOM_POS && !(x > 0))
    FAIL("%s:%d: key '%s': expected a number > 0, got '%s'", r->path, r->in.line, name, value);
  if (keys[k].dom == DOM_NONNEG && !(x >= 0))
    FAIL("%s:%d: key '%s': expected a number >= 0, got '%s'", r->path, r->in.line, name,
         value);
#undef FAIL
  *(double *)((char *)r->p + keys[k].off) = x;
  r->key_line[k] = r->in.line;
  return 1;
}

int io_act_load(const char *path, net_act_param *out)
{
  char *text = NULL;
  size_t len = 0;
  int rc = io_file_read(path, "activation preset", 0, &text, &len);
  if (rc)
    return rc;
  net_act_param p;
  memset(&p, 0, sizeof p);
  act_reader *r = sim_calloc(1, sizeof *r, "activation preset reader");
  r->path = path;
  r->in.buf = text;
  r->in.len = len;
  r->p = &p;
  int irc = io_ini_parse(act_read_line, r, act_on_entry, r, ACT_MAX_LINE, 1);
  int cand[4] = {r->in.nul_line, r->in.long_line, r->err_line, irc > 0 ? irc : 0}, first;
  int which = irc == -2 ? -2 : io_ini_first(cand, 4, &first);
  if (which == -2)
    rc = sim_error_set(SIM_ENOMEM, "%s: out of memory while parsing", path);
  else if (which == 0 || which == 1)
    rc = io_ini_fail_text(path, which, first, ACT_MAX_LINE);
  else if (which == 2)
    rc = sim_error_set(SIM_ECONFIG, "%s", r->err_msg);
  else if (which == 3)
    rc = sim_error_set(SIM_ECONFIG, "%s:%d: expected 'key = value' (comments start with ';' "
                       "or '#')", path, first);
  if (!rc && !r->kind_line)
    rc = sim_error_set(SIM_ECONFIG, "%s: key 'kind': not set (expected kind = vo2)", path);
  for (int k = 0; !rc && k < KEY_COUNT; k++)
    if (!r->key_line[k])
      rc = sim_error_set(SIM_ECONFIG, "%s: key '%s': not set (every constant must be given, "
                         "with its source)", path, keys[k].name);
  sim_free(r);
  sim_free(text);
  if (rc)
    return rc;
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  snprintf(p.name, sizeof p.name, "%.*s", (int)strcspn(base, "."), base);
  *out = p;
  return 0;
}

int io_act_find(const char *name, net_act_param *p)
{
  size_t n = strlen(name);
  if (strchr(name, '/') || (n > 4 && !strcmp(name + n - 4, ".ini")))
    return io_act_load(name, p);
  char rel[512];
  snprintf(rel, sizeof rel, "configs/neurons/%s.ini", name);
  const char *path = io_datadir_file(rel);
  if (access(path, F_OK) != 0)
    return sim_error_set(SIM_ECONFIG, "activation preset '%s': no %s in the data directories "
                         "($MEMSPIKE_DATADIR, ., the source tree, %s); give a preset name "
                         "there (e.g. vo2_oh2021) or a path to a .ini file", name, rel,
                         io_datadir_installed());
  return io_act_load(path, p);
}
