/*
 * fixture_config.h: what the config suites share (fixture_config.c).
 * Each test writes small configs into one temporary directory (made by
 * cf_suite_init, emptied and removed by cf_suite_clean), loads them and
 * asserts either success or SIM_ECONFIG plus a message that names the
 * file, the line (found by a marker string in the config's lines, or
 * "--set section.key" for overrides), the key and a hint of what is
 * allowed.
 */
#ifndef FIXTURE_CONFIG_H
#define FIXTURE_CONFIG_H

#include <stddef.h>

#include "../network/net_desc.h"

extern char cf_tmpdir[64]; /* the suites' temporary directory */

int cf_suite_init(void);
int cf_suite_clean(void);

/* Write text to cf_tmpdir/name; returns the path (valid until suite end). */
const char *cf_write_text(const char *name, const char *text, size_t len);
/* The NULL-ended lines joined with newlines (caller frees). */
char *cf_join_lines(const char *const *lines);
/* Write the NULL-ended lines to cf_tmpdir/name; returns the path. */
const char *cf_write_lines(const char *name, const char *const *lines);

/* The error message contains s. */
int cf_msg_has(const char *s);

/* Load lines (with overrides) expecting SIM_ECONFIG.  The message must name
   the file; the line of `marker` (when given) or `loc` (e.g. "--set E.n");
   'key' (when given); and each of the hints (NULL-ended, may be empty). */
void cf_expect_error_v(const char *name, const char *const *lines,
                       const char *const *ov, int nov, const char *marker,
                       const char *loc, const char *key,
                       const char *const *hints);

#define HINTS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define expect_error(name, lines, marker, key, ...) \
  cf_expect_error_v(name, lines, NULL, 0, marker, NULL, key, HINTS(__VA_ARGS__))
#define expect_error_set(name, lines, ov, loc, key, ...)                          \
  cf_expect_error_v(name, lines, ov, (int)(sizeof ov / sizeof ov[0]), NULL, loc, key, \
                 HINTS(__VA_ARGS__))

/* Load lines expecting success; NULL (and a failed assertion) otherwise. */
net_desc *cf_load_ok(const char *name, const char *const *lines,
                     const char *const *ov, int nov);

/* A small valid network; tests copy and vary it. */
#define SIM_LINES "[simulation]", "duration = 100", "resolution = 0.1"
#define POP_E "[population E]", "model = iaf_psc_delta", "n = 10"
#define POP_I "[population I]", "model = iaf_psc_exp", "n = 4"
#define POP_NOISE "[population noise]", "model = poisson_generator", "rate = 100"

#endif
