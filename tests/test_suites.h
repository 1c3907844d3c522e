/*
 * test_suites.h: the one list of CUnit suites.  Each tests/test_<name>.c
 * defines `int test_<name>_register(void)` (0 on success) that adds its
 * suite with CU_add_suite / CU_add_test.
 */
#ifndef TEST_SUITES_H
#define TEST_SUITES_H

#define TEST_SUITES(X) \
  X(rng)               \
  X(json)              \
  X(queue)             \
  X(neuron)            \
  X(izhikevich)        \
  X(if_soft_reset)     \
  X(hnno)              \
  X(connect)           \
  X(config)            \
  X(config_errors)     \
  X(log)               \
  X(log_read)          \
  X(log_v2)            \
  X(engine)            \
  X(device)             \
  X(device_var)         \
  X(preset)             \
  X(stdp)               \
  X(energy)             \
  X(model)              \
  X(idx)                \
  X(cnn)               \
  X(cnn_fix)           \
  X(cnn_pct)           \
  X(cnn_remap)         \
  X(cli)               \
  X(capi)              \
  X(kernel)            \
  X(parrot)            \
  X(fuzzfix)           \
  X(memest)            \
  X(log_source)        \
  X(record_kinds)      \
  X(stats)             \
  X(replay)            \
  X(ckpt)              \
  X(cnn_coding)        \
  X(act)               \
  X(cnn_cores)         \
  X(defer)

#define TEST_SUITE_DECL(name) int test_##name##_register(void);
TEST_SUITES(TEST_SUITE_DECL)
#undef TEST_SUITE_DECL

/* Mark the running test skipped (printf-style reason), then return from it
   at once: it counts as skipped, never as passed (test_main.c; a failure
   under MEMSPIKE_TEST_STRICT=1, which `make test` sets). */
void test_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A CUnit assertion with a printf-style message (CUnit copies the text);
   the includer needs <CUnit/CUnit.h> and <stdio.h>. */
#define CHECK(cond, ...)                                                   \
  do {                                                                     \
    char check_msg_[900];                                                  \
    snprintf(check_msg_, sizeof check_msg_, __VA_ARGS__);                  \
    CU_assertImplementation((cond) ? CU_TRUE : CU_FALSE, __LINE__,         \
                            check_msg_, __FILE__, "", CU_FALSE);           \
  } while (0)

#endif
