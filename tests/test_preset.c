/*
 * test_preset.c: device preset files (io/io_preset.c) and the registry of
 * device rules (synapses/syn_rule.c): every error of a preset file names
 * the file, the line and the key (a bad line or value, a key of another
 * rule, an unknown rule listing the known ones, a key set twice, an empty
 * or truncated file), the rule line applies before the keys that depend on
 * it, and a rule registered at run time is found by name, reads its own
 * keys from a preset and pulses as its closed form says.
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
#include "../synapses/syn_rule.h"
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

/* Empty and truncated files, a missing required key: the file, the line
   where the file ends and the key. */
static void test_preset_incomplete(void)
{
  write_preset("empty", "");
  load_fails("empty", (const char *const[]){"empty.ini", "empty file", "'rule'", NULL});
  write_preset("comments", "; nothing but comments\n\n# rule = pcm\n");
  load_fails("comments", (const char *const[]){"comments.ini:3:", "'rule'", NULL});
  /* Every required key but e_pulse_pj. */
  write_preset("missing", "dw_min = 0.01\n"
                          "rule = linear_step\nw_min = -1\nw_max = 1\nretention = none\n"
                          "g_ref_uS = 12.5\ng_scale_uS = 12.5\nv_read = 0.55\n"
                          "t_read_s = 1e-8\n");
  load_fails("missing", (const char *const[]){"missing.ini:9:", "'e_pulse_pj'",
                                              "end of file", NULL});

  /* A shipped preset cut short, at a line end and inside a line. */
  FILE *f = fopen("configs/devices/ecram_li_wo3.ini", "rb");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  char text[8192];
  size_t len = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[len] = '\0';
  char *cut = strstr(text, "\ng_scale_uS"); /* after the line of g_ref_uS */
  CU_ASSERT_PTR_NOT_NULL_FATAL(cut);
  cut[1] = '\0';
  int last = 0;
  for (const char *c = text; *c; c++)
    last += *c == '\n';
  char at[64];
  snprintf(at, sizeof at, "cut_line.ini:%d:", last);
  write_preset("cut_line", text);
  load_fails("cut_line", (const char *const[]){at, "'g_scale_uS'", "truncated", NULL});
  strcat(text, "g_scale_u"); /* cut inside the next line: no '=' */
  snprintf(at, sizeof at, "cut_mid.ini:%d:", last + 1);
  write_preset("cut_mid", text);
  load_fails("cut_mid", (const char *const[]){at, "key = value", NULL});
}

/* The rule line selects the keys: another rule's key is an error naming
   both rules; the rule may come after the keys that depend on it; an
   unknown rule lists the known ones. */
static void test_preset_rule_keys(void)
{
  write_preset("other", "rule = exp_step\ndw_min = 0.01\nA_up = 0.5\nA_down = 0.5\n"
                        "gamma_exp_up = 1\ngamma_exp_down = 1\na = 0\nb = 0\n"
                        "gamma_up = 0.1\n" REQUIRED_REST);
  load_fails("other", (const char *const[]){"other.ini:9:", "'gamma_up'", "rule = exp_step",
                                            "linear_step", NULL});
  write_preset("order", "dw_min = 0.01\nmult_noise = 0\n"
                        "w_min = -1\nw_max = 1\nretention = none\ng_ref_uS = 12.5\n"
                        "g_scale_uS = 12.5\nv_read = 0.55\nt_read_s = 1e-8\n"
                        "e_pulse_pj = 0\nrule = soft_bounds\n");
  syn_device_param p;
  CU_ASSERT_EQUAL(io_preset_load(tmpdir, "order", &p), 0);
  double mult = -1;
  CU_ASSERT_EQUAL(syn_device_param_get(&p, "mult_noise", &mult), 0);
  CU_ASSERT(strcmp(syn_device_rule_name(&p), "soft_bounds") == 0 && mult == 0);
  write_preset("norule", "rule = tsodyks\ndw_min = 0.01\n");
  load_fails("norule", (const char *const[]){"norule.ini:1:", "'rule'", "'tsodyks'",
                                             "linear_step, soft_bounds, exp_step, pcm",
                                             NULL});
}

/* ---- a rule registered at run time ---- */

/* toy_step: every pulse moves w by step_fraction dw_dir, no noise. */
typedef struct toy_param {
  double step_fraction;
} toy_param;

static const syn_param_key toy_keys[] = {
    {"step_fraction", SYN_KEY_NUM, offsetof(toy_param, step_fraction), 1},
    {NULL, SYN_KEY_NUM, 0, 0}};

static int toy_check(const void *rp, const syn_device_param *p, const char **key)
{
  const toy_param *r = rp;
  (void)p;
  if (!(r->step_fraction > 0 && r->step_fraction <= 1))
    return syn_device_bad_key(key, "step_fraction", "must be in (0, 1], got %g",
                              r->step_fraction);
  return 0;
}

static double toy_pulse(const void *rp, const syn_device_param *p, const syn_device_inst *in,
                        double w, int dir, uint64_t noise_key)
{
  const toy_param *r = rp;
  (void)p;
  (void)noise_key;
  double dw = r->step_fraction * (dir > 0 ? in->dw_up : -in->dw_down);
  return syn_clip(w + dw, in->w_min, in->w_max);
}

static double toy_pulses(const void *rp, const syn_device_param *p, const syn_device_inst *in,
                         double w, int dir, long n, uint64_t key, uint64_t t)
{
  for (long q = 0; q < n; q++)
    w = toy_pulse(rp, p, in, w, dir, syn_device_pulse_key(key, t, (uint64_t)q));
  return w;
}

static const syn_rule_ops toy_rule = {
    .name = "toy_step",
    .param_size = sizeof(toy_param),
    .keys = toy_keys,
    .check = toy_check,
    .pulse = toy_pulse,
    .pulses = toy_pulses,
};

static void test_rule_registry(void)
{
  /* The built-ins, in order, by name. */
  static const char *const builtin[] = {"linear_step", "soft_bounds", "exp_step", "pcm"};
  for (size_t i = 0; i < 4; i++) {
    const syn_rule_ops *r = syn_rule_at(i);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_STRING_EQUAL(r->name, builtin[i]);
    CU_ASSERT_PTR_EQUAL(syn_rule_find(builtin[i]), r);
    CU_ASSERT(r->pulse && r->pulses && r->param_size <= SYN_RULE_PARAM_MAX);
  }
  CU_ASSERT_PTR_NULL(syn_rule_find("linear"));
  char list[256];
  CU_ASSERT(strstr(syn_rule_names_join(list, sizeof list),
                   "linear_step, soft_bounds, exp_step, pcm") == list);

  /* Registering: a new name works once; bad tables are refused. */
  if (!syn_rule_find("toy_step"))
    CU_ASSERT_EQUAL(syn_rule_register(&toy_rule), 0);
  CU_ASSERT_PTR_EQUAL(syn_rule_find("toy_step"), &toy_rule);
  CU_ASSERT_EQUAL(syn_rule_register(&toy_rule), SIM_EINVAL);
  CU_ASSERT(msg_has("'toy_step'") && msg_has("exists"));
  syn_rule_ops no_pulse = {.name = "toy_no_pulse", .param_size = 8};
  CU_ASSERT_EQUAL(syn_rule_register(&no_pulse), SIM_EINVAL);
  CU_ASSERT(msg_has("pulse"));
  syn_rule_ops fat = toy_rule;
  fat.name = "toy_fat";
  fat.param_size = SYN_RULE_PARAM_MAX + 1;
  CU_ASSERT_EQUAL(syn_rule_register(&fat), SIM_EINVAL);
  CU_ASSERT(msg_has("SYN_RULE_PARAM_MAX"));
  CU_ASSERT(strstr(syn_rule_names_join(list, sizeof list), "pcm, toy_step") != NULL);

  /* A preset of the new rule: its key, its check, its pulses. */
  write_preset("toy", "rule = toy_step\nstep_fraction = 0.5\ndw_min = 0.01\n"
                      "w_min = -1\nw_max = 1\nretention = none\ng_ref_uS = 12.5\n"
                      "g_scale_uS = 12.5\nv_read = 0.55\nt_read_s = 1e-8\ne_pulse_pj = 0\n");
  syn_device_param p;
  CU_ASSERT_EQUAL_FATAL(io_preset_load(tmpdir, "toy", &p), 0);
  CU_ASSERT_STRING_EQUAL(syn_device_rule_name(&p), "toy_step");
  syn_device_inst in;
  syn_device_instance(&p, 7, &in);
  double w = syn_device_pulses(&p, &in, 0.0, 1, 10, 7, 3);
  CU_ASSERT(fabs(w - 10 * 0.5 * 0.01) < 1e-15);
  CU_ASSERT_EQUAL(syn_device_pulse(&p, &in, w, -1, 0), w - 0.5 * 0.01);
  write_preset("toy_bad", "rule = toy_step\nstep_fraction = 2\n");
  load_fails("toy_bad", (const char *const[]){"toy_bad.ini:2:", "'step_fraction'", "(0, 1]",
                                              NULL});
  /* The unknown-rule message lists the registered rule too. */
  load_fails("norule", (const char *const[]){"norule.ini:1:", "pcm, toy_step", NULL});
}

int test_preset_register(void)
{
  CU_pSuite s = CU_add_suite("preset", suite_init, suite_clean);
  if (!s)
    return -1;
  if (!CU_add_test(s, "preset file errors name file, line and key", test_preset_errors) ||
      !CU_add_test(s, "empty and truncated presets", test_preset_incomplete) ||
      !CU_add_test(s, "the rule line selects the keys", test_preset_rule_keys) ||
      !CU_add_test(s, "rule registry: lookup, registration, use", test_rule_registry))
    return -1;
  return 0;
}
