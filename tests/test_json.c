/*
 * test_json.c: io/io_json.h, the one writer of memspike's JSON: names
 * with quotes, backslashes, controls, non-ASCII and invalid UTF-8, and
 * non-finite numbers (null), through the run summary as well.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../io/io_json.h"
#include "../tools/run_report.h"
#include "test_suites.h"

static char *dump(io_json *v)
{
  char *s = io_json_dump(v, NULL);
  io_json_destroy(v);
  return s;
}

static void test_json_strings(void)
{
  io_json *o = io_json_object();
  io_json_set_str(o, "q", "say \"hi\"");
  io_json_set_str(o, "b", "C:\\dir\\");
  io_json_set_str(o, "c", "tab\there\nnew\x01");
  io_json_set_str(o, "u", "L2/3e \xc3\xa9t\xc3\xa9 \xce\xbc \xf0\x9f\xa7\xa0");
  io_json_set_str(o, "bad", "lat\xe9n1 \xc0\xaf \xed\xa0\x80!");
  io_json_set_str(o, "none", NULL);
  char *s = dump(o);
  CU_ASSERT_STRING_EQUAL(s, "{\"q\": \"say \\\"hi\\\"\", \"b\": \"C:\\\\dir\\\\\", "
                            "\"c\": \"tab\\there\\nnew\\u0001\", "
                            "\"u\": \"L2/3e \xc3\xa9t\xc3\xa9 \xce\xbc \xf0\x9f\xa7\xa0\", "
                            "\"bad\": \"lat\xef\xbf\xbdn1 \xef\xbf\xbd\xef\xbf\xbd "
                            "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd!\", \"none\": null}");
  sim_free(s);
}

static void test_json_numbers(void)
{
  io_json *a = io_json_array();
  io_json_push(a, io_json_num(NAN));
  io_json_push(a, io_json_num(INFINITY));
  io_json_push(a, io_json_num(-INFINITY));
  io_json_push(a, io_json_num(0.1));
  io_json_push(a, io_json_num(-2.5e-300));
  io_json_push(a, io_json_uint(UINT64_C(18446744073709551615)));
  io_json_push(a, io_json_uint(UINT64_C(9007199254740993))); /* 2^53 + 1: exact */
  io_json_push(a, io_json_int(-7));
  io_json_push(a, io_json_bool(1));
  char *s = dump(a);
  CU_ASSERT_STRING_EQUAL(s, "[null, null, null, 0.1, -2.5e-300, 1.84467440737096e19, "
                            "9007199254740993, -7, true]");
  sim_free(s);
}

/* The run summary: a population named with a quote, a backslash and
   non-ASCII, and a NaN rate, still give valid JSON. */
static void test_json_run_summary(void)
{
  run_pop_stats pops[1] = {{.name = "E\"x\\\xce\xbc", .model = "iaf_psc_delta", .is_neurons = 1,
                            .n = 10, .spikes = 3, .rate_hz = NAN}};
  run_stats rs = {.config = "c.ini", .ranks = 1, .pops = pops, .npops = 1,
                  .real_time_factor = INFINITY};
  char *s = NULL;
  size_t len;
  FILE *out = open_memstream(&s, &len);
  CU_ASSERT_PTR_NOT_NULL_FATAL(out);
  CU_ASSERT(run_report_json(&rs, out, "mem") == 0);
  fclose(out);
  CU_ASSERT_PTR_NOT_NULL(strstr(s, "{\"name\": \"E\\\"x\\\\\xce\xbc\", \"model\": "
                                   "\"iaf_psc_delta\", \"neurons\": 10, \"spikes\": 3, "
                                   "\"rate_hz\": null}"));
  CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"real_time_factor\": null, "));
  CU_ASSERT(len > 2 && s[len - 1] == '\n' && s[len - 2] == '}');
  free(s);
}

int test_json_register(void)
{
  CU_pSuite s = CU_add_suite("json", NULL, NULL);
  if (!s || !CU_add_test(s, "strings: escapes, UTF-8, invalid bytes", test_json_strings) ||
      !CU_add_test(s, "numbers: non-finite null, 64-bit exact", test_json_numbers) ||
      !CU_add_test(s, "run summary: odd names and NaN", test_json_run_summary))
    return -1;
  return 0;
}
