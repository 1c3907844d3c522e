/*
 * sim_names.c: NULL-ended name lists (sim_names.h).
 */
#include "sim_names.h"

#include <string.h>

int sim_name_index(const char *const *names, const char *key)
{
  for (int i = 0; names && names[i]; i++)
    if (strcmp(names[i], key) == 0)
      return i;
  return -1;
}

const char *sim_names_join(char *buf, size_t n, const char *const *names)
{
  if (!n)
    return buf;
  buf[0] = '\0';
  for (int i = 0; names && names[i]; i++) {
    if (i)
      strncat(buf, ", ", n - strlen(buf) - 1);
    strncat(buf, names[i], n - strlen(buf) - 1);
  }
  return buf;
}
