/*
 * io_source.c: the registry of io/'s spike sources by config name (see
 * io_source.h): adding one is one file plus one line in the table below.
 */
#include "io_source.h"

#include <string.h>

static const sim_source_ops *const sources[] = {
    &io_log_source_ops,
};

const sim_source_ops *io_source_find(const char *name)
{
  for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++)
    if (strcmp(sources[i]->name, name) == 0)
      return sources[i];
  return NULL;
}

const char *io_source_names(void)
{
  static char buf[256];
  if (!buf[0]) {
    for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++) {
      if (i)
        strncat(buf, ", ", sizeof buf - strlen(buf) - 1);
      strncat(buf, sources[i]->name, sizeof buf - strlen(buf) - 1);
    }
  }
  return buf;
}
