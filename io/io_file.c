/*
 * io_file.c: see io_file.h.
 */
#include "io_file.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"

int io_file_slurp(FILE *f, const char *path, const char *what, size_t max, char **buf,
                  size_t *len)
{
  *buf = NULL;
  *len = 0;
  struct stat sb;
  size_t cap = 4096;
  if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 &&
      (max == 0 || (uint64_t)sb.st_size < max))
    cap = (size_t)sb.st_size + 1; /* + 1: see the end without a realloc */
  char *b = sim_malloc(cap + 1, what);
  size_t n = 0;
  int rc = 0;
  for (;;) {
    if (n == cap) {
      if (max && cap >= max) {
        rc = sim_error_set(SIM_EFORMAT, "%s: larger than %zu MiB, the most this reader "
                                        "accepts for %s", path, max >> 20, what);
        break;
      }
      cap = max && cap * 2 > max ? max : cap * 2;
      b = sim_realloc(b, cap + 1, what);
    }
    size_t got = fread(b + n, 1, cap - n, f);
    n += got;
    if (got == 0) {
      if (ferror(f))
        rc = sim_error_set(SIM_EIO, "%s: cannot read %s: read error after %zu bytes: %s", path,
                           what, n, strerror(errno));
      break;
    }
  }
  fclose(f);
  if (rc) {
    sim_free(b);
    return rc;
  }
  b[n] = '\0';
  *buf = b;
  *len = n;
  return 0;
}

int io_file_read(const char *path, const char *what, size_t max, char **buf, size_t *len)
{
  *buf = NULL;
  *len = 0;
  FILE *f = fopen(path, "rb");
  if (!f)
    return sim_error_set(SIM_EIO, "%s: cannot open %s: %s", path, what, strerror(errno));
  return io_file_slurp(f, path, what, max, buf, len);
}
