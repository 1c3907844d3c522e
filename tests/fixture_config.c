/*
 * fixture_config.c: helpers of the config suites (test_config.c, valid
 * configs; test_config_errors.c, the error messages): configs written into
 * one temporary directory, loaded expecting success or SIM_ECONFIG with a
 * message naming file, line, key and hints.  Declared in fixture_config.h.
 */
#include "fixture_config.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/sim_error.h"
#include "../io/io_config.h"

#define MAX_FILES 128

char cf_tmpdir[64];
static char *written[MAX_FILES]; /* paths to remove at suite end */
static int nwritten;

int cf_suite_init(void)
{
  snprintf(cf_tmpdir, sizeof cf_tmpdir, "/tmp/memspike_config_XXXXXX");
  return mkdtemp(cf_tmpdir) ? 0 : -1;
}

int cf_suite_clean(void)
{
  for (int i = 0; i < nwritten; i++) {
    remove(written[i]);
    free(written[i]);
  }
  nwritten = 0;
  return rmdir(cf_tmpdir) ? -1 : 0;
}

/* Write text to cf_tmpdir/name; returns the path (valid until suite end). */
const char *cf_write_text(const char *name, const char *text, size_t len)
{
  char path[256];
  snprintf(path, sizeof path, "%s/%s", cf_tmpdir, name);
  FILE *f = fopen(path, "wb");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fwrite(text, 1, len, f);
  fclose(f);
  for (int i = 0; i < nwritten; i++)
    if (strcmp(written[i], path) == 0)
      return written[i];
  CU_ASSERT_FATAL(nwritten < MAX_FILES);
  written[nwritten] = strdup(path);
  return written[nwritten++];
}

/* Lines (NULL-ended) joined with '\n', a final newline included.  Caller
   frees. */
char *cf_join_lines(const char *const *lines)
{
  size_t n = 1;
  for (int i = 0; lines[i]; i++)
    n += strlen(lines[i]) + 1;
  char *s = malloc(n), *p = s;
  for (int i = 0; lines[i]; i++) {
    size_t k = strlen(lines[i]);
    memcpy(p, lines[i], k);
    p[k] = '\n';
    p += k + 1;
  }
  *p = '\0';
  return s;
}

const char *cf_write_lines(const char *name, const char *const *lines)
{
  char *text = cf_join_lines(lines);
  const char *path = cf_write_text(name, text, strlen(text));
  free(text);
  return path;
}

/* 1-based line of the first line equal to marker, else of the first line
   containing it. */
static int line_of(const char *const *lines, const char *marker)
{
  for (int i = 0; lines[i]; i++)
    if (strcmp(lines[i], marker) == 0)
      return i + 1;
  for (int i = 0; lines[i]; i++)
    if (strstr(lines[i], marker))
      return i + 1;
  CU_FAIL("marker not in config");
  return -1;
}

int cf_msg_has(const char *s) { return strstr(sim_error_msg(), s) != NULL; }

/* Load lines (with overrides) expecting SIM_ECONFIG.  The message must name
   the file; the line of `marker` (when given) or `loc` (e.g. "--set E.n");
   'key' (when given); and each of the hints (NULL-ended, may be empty). */
void cf_expect_error_v(const char *name, const char *const *lines,
                           const char *const *ov, int nov, const char *marker,
                           const char *loc, const char *key,
                           const char *const *hints)
{
  const char *path = cf_write_lines(name, lines);
  net_desc *d = (net_desc *)1;
  sim_error_clear();
  int rc = io_config_load(path, ov, nov, &d);
  int ok = 1;
  char want[160];
  ok &= rc == SIM_ECONFIG;
  ok &= d == NULL;
  ok &= sim_error_code() == SIM_ECONFIG;
  ok &= cf_msg_has(path) && cf_msg_has(name);
  if (marker) {
    snprintf(want, sizeof want, "%s:%d:", name, line_of(lines, marker));
    ok &= cf_msg_has(want);
  }
  if (loc)
    ok &= cf_msg_has(loc);
  if (key) {
    snprintf(want, sizeof want, "key '%s'", key);
    ok &= cf_msg_has(want);
  }
  for (int i = 0; hints && hints[i]; i++)
    ok &= cf_msg_has(hints[i]);
  CU_ASSERT(ok);
  if (!ok)
    fprintf(stderr, "\n    %s: rc %d, message: %s\n", name, rc, sim_error_msg());
  if (d && d != (net_desc *)1)
    net_desc_destroy(d);
}

/* Load lines expecting success; NULL (and a failed assertion) otherwise. */
net_desc *cf_load_ok(const char *name, const char *const *lines,
                         const char *const *ov, int nov)
{
  const char *path = cf_write_lines(name, lines);
  net_desc *d = NULL;
  int rc = io_config_load(path, ov, nov, &d);
  CU_ASSERT_EQUAL(rc, 0);
  if (rc)
    fprintf(stderr, "\n    %s: unexpected error: %s\n", name, sim_error_msg());
  return d;
}
