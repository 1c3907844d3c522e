/*
 * net_cnn_coding.c: the names of the CNN converter's codings (net_cnn.h
 * cnn_coding), one table for the command line and the reports.
 */
#include <string.h>

#include "net_cnn.h"

static const char *const names[CNN_CODINGS] = {
    [CNN_CODING_RATE] = "rate", [CNN_CODING_QCFS] = "qcfs", [CNN_CODING_TTFS] = "ttfs"};

const char *cnn_coding_name(int coding)
{
  return coding >= 0 && coding < CNN_CODINGS ? names[coding] : "?";
}

int cnn_coding_find(const char *name)
{
  for (int c = 0; c < CNN_CODINGS; c++)
    if (name && !strcmp(name, names[c]))
      return c;
  return -1;
}

const char *cnn_coding_list(void) { return "rate, qcfs or ttfs"; }
