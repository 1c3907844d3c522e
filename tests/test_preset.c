/*
 * test_preset.c: device preset files (io/io_preset.c): every error of a
 * preset file names the file, the line and the key.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/sim_error.h"
#include "../io/io_preset.h"
#include "../synapses/syn_device.h"
#include "test_suites.h"

static int msg_has(const char *s) { return strstr(sim_error_msg(), s) != NULL; }

static char tmpdir[64];

static int suite_init(void)
{
  snprintf(tmpdir, sizeof tmpdir, "/tmp/memspike_preset_XXXXXX");
  return mkdtemp(tmpdir) ? 0 : -1;
}

static const char *const tmp_files[] = {
    "unknown", "badnum", "badrule", "section", "twice",    "syntax",  "range",
    "relax",   "inline", "long",    "empty",   "comments", "missing", "cut_line",
    "cut_mid", "other",  "order",   "norule",  "toy",      "toy_bad"};

static int suite_clean(void)
{
  char path[128];
  for (size_t i = 0; i < sizeof tmp_files / sizeof tmp_files[0]; i++) {
    snprintf(path, sizeof path, "%s/%s.ini", tmpdir, tmp_files[i]);
    remove(path);
  }
  return rmdir(tmpdir) ? -1 : 0;
}

static void write_preset(const char *name, const char *text)
{
  char path[128];
  snprintf(path, sizeof path, "%s/%s.ini", tmpdir, name);
  FILE *f = fopen(path, "wb");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs(text, f);
  fclose(f);
}

/* Loading name fails with SIM_ECONFIG, p untouched, and the message has
   every string of want (NULL-ended). */
static void load_fails(const char *name, const char *const *want)
{
  syn_device_param p;
  memset(&p, 0, sizeof p);
  strcpy(p.name, "untouched");
  sim_error_clear();
  int rc = io_preset_load(tmpdir, name, &p);
  CU_ASSERT_EQUAL(rc, SIM_ECONFIG);
  CU_ASSERT_STRING_EQUAL(p.name, "untouched");
  for (int i = 0; want[i]; i++) {
    CU_ASSERT(msg_has(want[i]));
    if (!msg_has(want[i]))
      fprintf(stderr, "\n    %s: message lacks '%s': %s\n", name, want[i], sim_error_msg());
  }
}

/* The keys every preset sets besides dw_min (a linear_step device). */
#define REQUIRED_REST                                                              \
  "rule = linear_step\nw_min = -1\nw_max = 1\nretention = none\ng_ref_uS = 12.5\n" \
  "g_scale_uS = 12.5\nv_read = 0.55\nt_read_s = 1e-8\ne_pulse_pj = 0\n"

static void test_preset_errors(void)
{
  write_preset("unknown", "rule = linear_step\n# a comment\ndwmin = 0.1\n");
  load_fails("unknown", (const char *const[]){"unknown.ini:3:", "'dwmin'", "dw_min", NULL});
  write_preset("badnum", "dw_min = 0.0.1\n");
  load_fails("badnum", (const char *const[]){"badnum.ini:1:", "'dw_min'",
                                             "expected a finite number", "'0.0.1'", NULL});
  write_preset("badrule", "\n\nrule = linear\n");
  load_fails("badrule", (const char *const[]){"badrule.ini:3:", "'rule'", "soft_bounds", NULL});
  write_preset("section", "dw_min = 0.01\n[device]\nw_min = -1\n");
  load_fails("section", (const char *const[]){"section.ini:2:", "section", NULL});
  write_preset("twice", "dw_min = 0.01\nw_min = -1\ndw_min = 0.02\n");
  load_fails("twice", (const char *const[]){"twice.ini:3:", "'dw_min'", "line 1", NULL});
  write_preset("syntax", "dw_min = 0.01\nw_min -1\n");
  load_fails("syntax", (const char *const[]){"syntax.ini:2:", "key = value", NULL});
  write_preset("range", "; range check names the line of the key\nw_max = 1\nw_min = 0.5\n");
  load_fails("range", (const char *const[]){"range.ini:3:", "'w_min'", "contain 0", NULL});
  write_preset("relax", "retention = relax\n");
  load_fails("relax", (const char *const[]){"relax.ini", "'lifetime_s'", "> 0",
                                            "not set in the file", NULL});
  char longline[2100];
  memset(longline, '1', sizeof longline - 2);
  memcpy(longline, "dw_min = 0.", 11);
  longline[sizeof longline - 2] = '\n';
  longline[sizeof longline - 1] = '\0';
  write_preset("long", longline);
  load_fails("long", (const char *const[]){"long.ini:1:", "longer than", NULL});

  /* Unknown preset: names it and the directory, lists what is there. */
  load_fails("nosuch", (const char *const[]){"'nosuch'", tmpdir, "presets there",
                                             "badnum", "unknown", NULL});
  load_fails("../etc/passwd", (const char *const[]){"letters, digits", NULL});
  syn_device_param p;
  sim_error_clear();
  CU_ASSERT_EQUAL(io_preset_load("/nonexistent/dir", "ideal", &p), SIM_ECONFIG);
  CU_ASSERT(msg_has("/nonexistent/dir") && msg_has("cannot be read"));

  /* Inline comments and blanks are fine. */
  write_preset("inline", "  dw_min = 0.01 ; ten times the default\n\n# w_min = 3\n" REQUIRED_REST);
  CU_ASSERT_EQUAL(io_preset_load(tmpdir, "inline", &p), 0);
  CU_ASSERT_EQUAL(p.dw_min, 0.01);
  CU_ASSERT_EQUAL(p.w_min, -1.0);
  CU_ASSERT_STRING_EQUAL(p.name, "inline");
}

int test_preset_register(void)
{
  CU_pSuite s = CU_add_suite("preset", suite_init, suite_clean);
  if (!s)
    return -1;
  if (!CU_add_test(s, "preset file errors name file, line and key", test_preset_errors))
    return -1;
  return 0;
}
