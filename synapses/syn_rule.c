/*
 * syn_rule.c: the registry of device pulse rules (syn_rule.h): the
 * built-in rules, one line each, then those added with syn_rule_register.
 * Owns the table of added rules (pointers borrowed from their callers).
 */
#include "syn_rule.h"

#include <stdio.h>
#include <string.h>

#include "../core/sim_error.h"

/* The built-in rules: adding one is its file, its line here and its
   Makefile entry.  The first is the default (syn_device_param_default). */
#define SYN_RULES(X)      \
  X(syn_rule_linear_step) \
  X(syn_rule_soft_bounds) \
  X(syn_rule_exp_step)    \
  X(syn_rule_pcm)

#define RULE_DECL(ops) extern const syn_rule_ops ops;
SYN_RULES(RULE_DECL)
#undef RULE_DECL

static const syn_rule_ops *const builtin[] = {
#define RULE_ENTRY(ops) &ops,
    SYN_RULES(RULE_ENTRY)
#undef RULE_ENTRY
};

#define NBUILTIN (sizeof builtin / sizeof builtin[0])
#define MAX_ADDED 8

static const syn_rule_ops *added[MAX_ADDED]; /* borrowed: registered at run time */
static size_t nadded;

const syn_rule_ops *syn_rule_at(size_t i)
{
  if (i < NBUILTIN)
    return builtin[i];
  return i - NBUILTIN < nadded ? added[i - NBUILTIN] : NULL;
}

const syn_rule_ops *syn_rule_find(const char *name)
{
  const syn_rule_ops *r;
  for (size_t i = 0; (r = syn_rule_at(i)); i++)
    if (strcmp(r->name, name) == 0)
      return r;
  return NULL;
}

char *syn_rule_names_join(char *buf, size_t size)
{
  size_t used = 0;
  const syn_rule_ops *r;
  buf[0] = '\0';
  for (size_t i = 0; (r = syn_rule_at(i)); i++) {
    int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", r->name);
    if (n < 0 || (size_t)n >= size - used)
      break;
    used += (size_t)n;
  }
  return buf;
}

int syn_rule_register(const syn_rule_ops *ops)
{
  if (!ops || !ops->name || !ops->name[0] || !ops->pulse || !ops->pulses)
    return sim_error_set(SIM_EINVAL, "device rule '%s': needs a name, pulse and pulses",
                         ops && ops->name ? ops->name : "(null)");
  if (syn_rule_find(ops->name))
    return sim_error_set(SIM_EINVAL, "device rule '%s': a rule of that name exists",
                         ops->name);
  if (ops->param_size > SYN_RULE_PARAM_MAX)
    return sim_error_set(SIM_EINVAL,
                         "device rule '%s': parameters of %zu bytes, at most %d "
                         "(SYN_RULE_PARAM_MAX)",
                         ops->name, ops->param_size, SYN_RULE_PARAM_MAX);
  if (nadded == MAX_ADDED)
    return sim_error_set(SIM_EINVAL, "device rule '%s': registry full (%d added rules)",
                         ops->name, MAX_ADDED);
  added[nadded++] = ops;
  return 0;
}
