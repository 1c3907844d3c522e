/*
 * test_main.c: the CUnit runner.  Every tests/test_<module>.c exports one
 * register function listed in test_suites.h; `make test` runs them all.
 * A test name given on the command line runs only the suites whose name
 * contains it (e.g. `build/test_memspike rng`).
 *
 * CUnit has no "skipped": a test that returns early passes.  So this
 * runner prints its own lines (ok / FAIL / skip per test) instead of
 * CUnit's basic report, a test that cannot run calls test_skip() and
 * returns, and the last line reads "unit: N passed, N failed, N skipped".
 * With MEMSPIKE_TEST_STRICT=1 (set by `make test`, which installs every
 * dependency first) a skip is a failure.
 */
#include <CUnit/CUnit.h>
#include <CUnit/TestRun.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_suites.h"

static const struct {
  const char *name;
  int (*reg)(void);
} suites[] = {
#define TEST_SUITE_ENTRY(name) {#name, test_##name##_register},
    TEST_SUITES(TEST_SUITE_ENTRY)
#undef TEST_SUITE_ENTRY
};

/* Counts of this run; a test is exactly one of passed, failed, skipped. */
static unsigned n_pass, n_fail, n_skip;
static CU_pTest skip_test;  /* the running test, once it called test_skip */
static char skip_why[256];  /* its reason */
static int strict;          /* MEMSPIKE_TEST_STRICT=1: a skip fails */

void test_skip(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(skip_why, sizeof skip_why, fmt, ap);
  va_end(ap);
  skip_test = CU_get_current_test();
}

static void on_test_start(const CU_pTest test, const CU_pSuite suite)
{
  (void)test;
  (void)suite;
  skip_test = NULL;
  fflush(stdout);
}

static void on_test_complete(const CU_pTest test, const CU_pSuite suite,
                             const CU_pFailureRecord failure)
{
  int skipped = skip_test == test;
  if (failure) {
    n_fail++;
    printf("  FAIL %s: %s\n", suite->pName, test->pName);
    for (CU_pFailureRecord f = failure; f && f->pTest == test; f = f->pNext)
      printf("       %s:%u: %s\n", f->strFileName ? f->strFileName : "?", f->uiLineNumber,
             f->strCondition ? f->strCondition : "");
  } else if (skipped && strict) {
    n_fail++;
    printf("  FAIL %s: %s (skipped under MEMSPIKE_TEST_STRICT=1: %s)\n", suite->pName,
           test->pName, skip_why);
  } else if (skipped) {
    n_skip++;
    printf("  skip %s: %s (%s)\n", suite->pName, test->pName, skip_why);
  } else {
    n_pass++;
    printf("  ok   %s: %s\n", suite->pName, test->pName);
  }
  fflush(stdout);
}

static void on_suite_start(const CU_pSuite suite)
{
  printf("unit: suite %s\n", suite->pName);
}

/* A suite whose set-up fails runs none of its tests: each counts as failed. */
static void on_suite_init_failure(const CU_pSuite suite)
{
  n_fail += suite->uiNumberOfTests;
  printf("  FAIL %s: suite set-up failed (%u tests not run)\n", suite->pName,
         suite->uiNumberOfTests);
}

static void on_suite_cleanup_failure(const CU_pSuite suite)
{
  n_fail++;
  printf("  FAIL %s: suite clean-up failed\n", suite->pName);
}

int main(int argc, char **argv)
{
  const char *s = getenv("MEMSPIKE_TEST_STRICT");
  strict = s && strcmp(s, "0") && *s;
  if (CU_initialize_registry() != CUE_SUCCESS)
    return 2;
  for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
    if (argc > 1 && !strstr(suites[i].name, argv[1]))
      continue;
    if (suites[i].reg() != 0) {
      fprintf(stderr, "cannot register suite %s: %s\n", suites[i].name,
              CU_get_error_msg());
      CU_cleanup_registry();
      return 2;
    }
  }
  if (argc > 1 && CU_get_registry()->uiNumberOfSuites == 0) {
    fprintf(stderr, "no suite name contains '%s' (suites:", argv[1]);
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
      fprintf(stderr, " %s", suites[i].name);
    fprintf(stderr, ")\n");
    CU_cleanup_registry();
    return 2;
  }
  CU_set_suite_start_handler(on_suite_start);
  CU_set_test_start_handler(on_test_start);
  CU_set_test_complete_handler(on_test_complete);
  CU_set_suite_init_failure_handler(on_suite_init_failure);
  CU_set_suite_cleanup_failure_handler(on_suite_cleanup_failure);
  CU_ErrorCode rc = CU_run_all_tests();
  CU_pRunSummary sum = CU_get_run_summary();
  printf("unit: %u asserts, %.1f s\n", sum->nAsserts, sum->ElapsedTime);
  if (rc != CUE_SUCCESS && !n_fail) {
    n_fail++;
    printf("  FAIL CUnit: %s\n", CU_get_error_msg());
  }
  CU_cleanup_registry();
  printf("unit: %u passed, %u failed, %u skipped\n", n_pass, n_fail, n_skip);
  return n_fail ? 1 : 0;
}
