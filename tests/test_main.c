/*
 * test_main.c: the CUnit runner.  Every tests/test_<module>.c exports one
 * register function listed here; `make test` runs them all.
 * A test name given on the command line runs only the suites whose name
 * contains it (e.g. `build/test_memspike rng`).
 */
#include <CUnit/Basic.h>
#include <stdio.h>
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

int main(int argc, char **argv)
{
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
  CU_basic_set_mode(CU_BRM_VERBOSE);
  CU_basic_run_tests();
  unsigned failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
  CU_cleanup_registry();
  return failed ? 1 : 0;
}
