/*
 * test_log_read.c: CUnit suite of the event log reader on damaged files
 * (io_log: cut at every byte, corrupt header and records) and of replay
 * (io_replay: ranks merged, mismatched and truncated files).  The writer's
 * suite is test_log.c; the generated logs, fixture_log.h.
 */
#include <CUnit/CUnit.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_error.h"
#include "../io/io_log.h"
#include "../io/io_replay.h"
#include "fixture_log.h"
#include "test_suites.h"

/* ============================================================ tests */

static long find_bytes(const unsigned char *b, size_t n, const char *s)
{
  size_t k = strlen(s);
  for (size_t i = 0; i + k <= n; i++)
    if (memcmp(b + i, s, k) == 0)
      return (long)i;
  return -1;
}


/* Cut a log at every byte: the reader returns exactly the records that lie
   wholly before the cut, then reports the truncation; never garbage. */
static void test_truncated_every_byte(void)
{
  gen gn = lf_gen_default;
  gn.nwin = 6;
  const char *full = lf_tpath("full.msgpack"), *cut = lf_tpath("cut.msgpack");
  CU_ASSERT_FATAL(lf_gen_log(full, &gn) == 0);
  size_t n = 0;
  unsigned char *b = lf_slurp(full, &n);
  CU_ASSERT_FATAL(b != NULL);
  static rsum want[512], got[512];
  io_log_status st;
  long nw = lf_read_all(full, want, 512, &st);
  CU_ASSERT_FATAL(nw > 10 && st.ended);
  uint64_t header_end = want[0].offset;
  size_t bad = 0, checked = 0;
  for (size_t c = 0; c < n; c++) {
    lf_spit(cut, b, c);
    long ng = lf_read_all(cut, got, 512, &st);
    if (c < header_end) { /* a cut header is not a log */
      bad += ng != SIM_EFORMAT;
      continue;
    }
    long k = 0; /* records wholly before the cut */
    while (k < nw && want[k].offset + want[k].size <= c)
      k++;
    int ok = ng == k && st.truncated && !st.ended && st.records == (uint64_t)k &&
             st.good_bytes == (k ? want[k - 1].offset + want[k - 1].size
                                 : header_end) &&
             st.partial_bytes == c - st.good_bytes;
    for (long i = 0; ok && i < k; i++)
      ok = lf_rsum_eq(&got[i], &want[i]);
    sim_time wend = 0; /* last window end among the kept records */
    for (long i = 0; i < k; i++)
      if (want[i].type == IO_LOG_SPIKES || want[i].type == IO_LOG_WINDOW)
        wend = want[i].tick;
    ok = ok && st.complete_tick == wend;
    if (!ok) {
      bad++;
      if (bad < 4)
        fprintf(stderr, "\ncut at %zu: got %ld records (want %ld), "
                "truncated %d, good %" PRIu64 ", partial %" PRIu64 "\n",
                c, ng, k, st.truncated, st.good_bytes, st.partial_bytes);
    }
    checked++;
  }
  CU_ASSERT(checked > 500);
  CU_ASSERT(bad == 0);
  free(b);
}

/* Write bytes b (n) patched at offset `at` with the string s. */
static void spit_patched(const char *path, const unsigned char *b, size_t n,
                         long at, const void *s, size_t k)
{
  unsigned char *c = malloc(n);
  memcpy(c, b, n);
  CU_ASSERT_FATAL(at >= 0 && (size_t)at + k <= n);
  memcpy(c + at, s, k);
  lf_spit(path, c, n);
  free(c);
}

static void expect_header_error(const char *path, const char *needle)
{
  io_log_reader *r = NULL;
  sim_error_clear();
  int rc = io_log_reader_create(path, &r);
  CU_ASSERT(rc == SIM_EFORMAT);
  CU_ASSERT(r == NULL);
  CU_ASSERT(strstr(sim_error_msg(), needle) != NULL);
  CU_ASSERT(strstr(sim_error_msg(), path) != NULL);
  if (!strstr(sim_error_msg(), needle))
    fprintf(stderr, "\nmessage: %s (wanted \"%s\")\n", sim_error_msg(), needle);
  io_log_reader_destroy(r);
}

static void test_corrupt_header(void)
{
  const char *good = lf_tpath("hdr.msgpack"), *bad = lf_tpath("hdr_bad.msgpack");
  gen gn = lf_gen_default;
  gn.nwin = 2;
  CU_ASSERT_FATAL(lf_gen_log(good, &gn) == 0);
  size_t n = 0;
  unsigned char *b = lf_slurp(good, &n);
  CU_ASSERT_FATAL(b != NULL);

  spit_patched(bad, b, n, find_bytes(b, n, "memspike-log"), "memspike-lag", 12);
  expect_header_error(bad, "\"format\" is \"memspike-lag\"");

  spit_patched(bad, b, n, find_bytes(b, n, "seed"), "sewd", 4);
  expect_header_error(bad, "field \"seed\" is missing");

  spit_patched(bad, b, n, find_bytes(b, n, "resolution_ms"), "resolution_xx", 13);
  expect_header_error(bad, "field \"resolution_ms\" is missing");

  /* "version" is followed by its value, a positive fixint */
  long at = find_bytes(b, n, "version");
  spit_patched(bad, b, n, at + 7, "\x03", 1);
  expect_header_error(bad, "\"version\" is 3");

  /* population field of the wrong type: "n" -> value becomes a string
     would change lengths; rename "first_gid" instead */
  spit_patched(bad, b, n, find_bytes(b, n, "first_gid"), "first_gxd", 9);
  expect_header_error(bad, "populations[0]: field \"first_gid\" is missing");

  /* recorder kind neither spikes nor state */
  spit_patched(bad, b, n, find_bytes(b, n, "\xa4kind\xa6spikes") + 6, "spokes", 6);
  expect_header_error(bad, "\"kind\"");

  static const unsigned char arr[] = {0x93, 1, 2, 3};
  lf_spit(bad, arr, sizeof arr);
  expect_header_error(bad, "must be a msgpack map");

  lf_spit(bad, "", 0);
  expect_header_error(bad, "empty file");

  /* a map, but not ours: {"a": 1} */
  static const unsigned char other[] = {0x81, 0xa1, 'a', 1};
  lf_spit(bad, other, sizeof other);
  expect_header_error(bad, "field \"format\" is missing");
  free(b);
}

/* Offset (and index) of the first record of the given type, or -1. */
static long record_offset(const char *path, int type, uint64_t *index)
{
  io_log_reader *r;
  if (io_log_reader_create(path, &r))
    return -1;
  io_log_record rec;
  long off = -1;
  while (io_log_reader_next(r, &rec) == 1)
    if ((int)rec.type == type) {
      off = (long)rec.offset;
      *index = rec.index;
      break;
    }
  io_log_reader_destroy(r);
  return off;
}

static void test_corrupt_records(void)
{
  const char *good = lf_tpath("rec.msgpack"), *bad = lf_tpath("rec_bad.msgpack");
  gen gn = lf_gen_default; /* windows 0 and 13 have no spikes: window records */
  CU_ASSERT_FATAL(lf_gen_log(good, &gn) == 0);
  size_t n = 0;
  unsigned char *b = lf_slurp(good, &n);
  uint64_t idx = 0;
  long at = record_offset(good, IO_LOG_WINDOW, &idx);
  CU_ASSERT_FATAL(at > 0 && b[at] == 0x92 && b[at + 1] == IO_LOG_WINDOW);
  rsum want[512], got[512];
  io_log_status st;
  long nw = lf_read_all(good, want, 512, &st);
  CU_ASSERT_FATAL(nw > 0);

  /* unknown critical type code 8: error naming code, record and byte */
  spit_patched(bad, b, n, at + 1, "\x08", 1);
  sim_error_clear();
  CU_ASSERT(lf_read_all(bad, got, 512, NULL) == SIM_EFORMAT);
  char needle[128];
  snprintf(needle, sizeof needle, "record %" PRIu64 " at byte %ld", idx, at);
  CU_ASSERT(strstr(sim_error_msg(), needle) != NULL);
  CU_ASSERT(strstr(sim_error_msg(), "unknown record type code 8") != NULL);
  CU_ASSERT(strstr(sim_error_msg(), bad) != NULL);

  /* the records before it still come out */
  io_log_reader *r;
  CU_ASSERT_FATAL(io_log_reader_create(bad, &r) == 0);
  io_log_record rec;
  uint64_t before = 0;
  int rc;
  while ((rc = io_log_reader_next(r, &rec)) == 1)
    before++;
  CU_ASSERT(rc == SIM_EFORMAT && before == idx - 1);
  CU_ASSERT(io_log_reader_next(r, &rec) == SIM_EFORMAT); /* sticky */
  io_log_reader_destroy(r);

  /* optional type code 64 is skipped: one record fewer, rest intact */
  spit_patched(bad, b, n, at + 1, "\x40", 1);
  io_log_status st2;
  long ng = lf_read_all(bad, got, 512, &st2);
  CU_ASSERT(ng == nw - 1 && st2.ended);

  /* a byte msgpack never uses, where a record starts */
  spit_patched(bad, b, n, at, "\xc1", 1);
  sim_error_clear();
  CU_ASSERT(lf_read_all(bad, got, 512, NULL) == SIM_EFORMAT);
  CU_ASSERT(strstr(sim_error_msg(), "0xc1") != NULL);

  /* a record that is not an array: [3, t] -> 3 then t as two values */
  spit_patched(bad, b, n, at, "\x03", 1);
  sim_error_clear();
  CU_ASSERT(lf_read_all(bad, got, 512, NULL) == SIM_EFORMAT);
  CU_ASSERT(strstr(sim_error_msg(), "expected an array") != NULL);

  /* an end record whose spike count disagrees with the file */
  long endk = -1;
  for (long i = 0; i + 7 < (long)n; i++)
    if (memcmp(b + i, "\xa6spikes", 7) == 0)
      endk = i + 7; /* the last one is the end record's */
  CU_ASSERT_FATAL(endk > 0 && (b[endk] < 0x7f || b[endk] == 0xcc));
  long vat = b[endk] == 0xcc ? endk + 1 : endk; /* fixint or uint8 */
  unsigned char more = (unsigned char)(b[vat] ^ 1);
  spit_patched(bad, b, n, vat, &more, 1);
  sim_error_clear();
  CU_ASSERT(lf_read_all(bad, got, 512, NULL) == SIM_EFORMAT);
  CU_ASSERT(strstr(sim_error_msg(), "end record counts") != NULL);

  /* data after the end record */
  unsigned char *c = malloc(n + 1);
  memcpy(c, b, n);
  c[n] = 0x90;
  lf_spit(bad, c, n + 1);
  sim_error_clear();
  CU_ASSERT(lf_read_all(bad, got, 512, NULL) == SIM_EFORMAT);
  CU_ASSERT(strstr(sim_error_msg(), "after the end record") != NULL);
  free(c);
  free(b);
}

/* Text of a function writing to a FILE (caller frees). */
static char *capture(int (*fn)(const char *const *, int, int, FILE *),
                     const char *const *paths, int n, int *rc)
{
  FILE *f = tmpfile();
  CU_ASSERT_FATAL(f != NULL);
  *rc = fn(paths, n, 0, f);
  long sz = ftell(f);
  rewind(f);
  char *s = calloc(1, (size_t)sz + 1);
  if (fread(s, 1, (size_t)sz, f) != (size_t)sz)
    s[0] = '\0';
  fclose(f);
  return s;
}

/* From the population header line to the totals line. */
static const char *pop_table(const char *s)
{
  const char *p = strstr(s, "\npopulation");
  return p ? p : "";
}

static int pop_line(const char *s, const char *name, uint64_t *neurons,
                    uint64_t *spikes, double *rate)
{
  char key[32];
  snprintf(key, sizeof key, "\n%s ", name);
  const char *p = strstr(s, key);
  char model[64];
  return p && sscanf(p + 1, "%*s %63s %" SCNu64 " %" SCNu64 " %lf", model,
                     neurons, spikes, rate) == 4;
}

static void write_ranks(const char *r0, const char *r1, const char *all, int big)
{
  gen g0 = lf_gen_default, g1 = lf_gen_default, ga = lf_gen_default;
  g0.big = g1.big = ga.big = big;
  g0.nranks = g1.nranks = 2;
  g1.rank = 1;
  CU_ASSERT_FATAL(lf_gen_log(r0, &g0) == 0);
  CU_ASSERT_FATAL(lf_gen_log(r1, &g1) == 0);
  if (all)
    CU_ASSERT_FATAL(lf_gen_log(all, &ga) == 0);
}

static void test_replay_merge(void)
{
  const char *r0 = lf_tpath("m_r0.msgpack"), *r1 = lf_tpath("m_r1.msgpack"),
             *all = lf_tpath("m_all.msgpack");
  write_ranks(r0, r1, all, 30);
  const char *two[] = {r0, r1}, *rev[] = {r1, r0}, *one[] = {all};
  int rc1, rc2, rc3;
  char *s2 = capture(io_replay_summary, two, 2, &rc2);
  char *s1 = capture(io_replay_summary, one, 1, &rc1);
  CU_ASSERT(rc1 == 0 && rc2 == 0);
  /* the population table is identical; sample record counts differ (each
     rank samples its own neurons), so compare only up to "recorder" */
  const char *t1 = pop_table(s1), *t2 = pop_table(s2);
  const char *e1 = strstr(t1, "\nrecorder"), *e2 = strstr(t2, "\nrecorder");
  CU_ASSERT_FATAL(e1 && e2);
  CU_ASSERT(e1 - t1 == e2 - t2 && strncmp(t1, t2, (size_t)(e1 - t1)) == 0);

  /* the numbers are the right ones: E all 80, I only the 10 recorded */
  static spk want[65536];
  gen ga = lf_gen_default;
  ga.big = 30;
  size_t m = lf_expected_spikes(&ga, want);
  uint64_t nE = 0, nI = 0, neur, spikes;
  for (size_t i = 0; i < m; i++) {
    nE += want[i].g < 80;
    nI += want[i].g >= 80 && want[i].g < 90;
  }
  double rate;
  CU_ASSERT(pop_line(s2, "E", &neur, &spikes, &rate) && neur == 80 &&
            spikes == nE);
  double dur_s = 20 * WIN * 0.1e-3;
  CU_ASSERT(fabs(rate - (double)nE / (80 * dur_s)) < 1e-3);
  CU_ASSERT(pop_line(s2, "I", &neur, &spikes, &rate) && neur == 10 &&
            spikes == nI);
  CU_ASSERT(strstr(s2, "\nnoise ") && strstr(strstr(s2, "\nnoise "), "not recorded"));
  CU_ASSERT(strstr(s2, "outside every spike recorder") != NULL);
  CU_ASSERT(strstr(s2, "truncated") == NULL);

  /* the merged spike stream is the single file's, in any file order */
  char *c2 = capture(io_replay_spikes_csv, two, 2, &rc2);
  char *c3 = capture(io_replay_spikes_csv, rev, 2, &rc3);
  char *c1 = capture(io_replay_spikes_csv, one, 1, &rc1);
  CU_ASSERT(rc1 == 0 && rc2 == 0 && rc3 == 0);
  CU_ASSERT(strcmp(c1, c2) == 0);
  CU_ASSERT(strcmp(c1, c3) == 0);
  CU_ASSERT(strncmp(c1, "time_ms,population,local_id,gid\n", 32) == 0);
  size_t lines = 0;
  for (const char *p = c1; *p; p++)
    lines += *p == '\n';
  CU_ASSERT(lines == m + 1);
  char first[64];
  snprintf(first, sizeof first, "\n%.1f,%s,%u,%u\n", want[0].t * 0.1,
           want[0].g < 80 ? "E" : want[0].g < 100 ? "I" : "noise",
           want[0].g < 80 ? want[0].g : want[0].g < 100 ? want[0].g - 80 : want[0].g - 100,
           want[0].g);
  CU_ASSERT(strncmp(c1 + 31, first, strlen(first)) == 0);
  free(s1);
  free(s2);
  free(c1);
  free(c2);
  free(c3);
}

static void test_replay_mismatch(void)
{
  const char *r0 = lf_tpath("x_r0.msgpack"), *r1 = lf_tpath("x_r1.msgpack");
  gen g0 = lf_gen_default, g1 = lf_gen_default;
  g0.nranks = g1.nranks = 2;
  g1.rank = 1;
  g1.digest = 0x1111;
  CU_ASSERT_FATAL(lf_gen_log(r0, &g0) == 0 && lf_gen_log(r1, &g1) == 0);
  const char *two[] = {r0, r1};
  sim_error_clear();
  FILE *f = tmpfile();
  CU_ASSERT(io_replay_summary(two, 2, 0, f) == SIM_EINVAL);
  CU_ASSERT(strstr(sim_error_msg(), "digest") != NULL);
  CU_ASSERT(strstr(sim_error_msg(), r0) && strstr(sim_error_msg(), r1));
  CU_ASSERT(ftell(f) == 0); /* nothing printed */

  const char *dup[] = {r0, r0};
  sim_error_clear();
  CU_ASSERT(io_replay_spikes_csv(dup, 2, 0, f) == SIM_EINVAL);
  CU_ASSERT(strstr(sim_error_msg(), "rank 0") != NULL);
  fclose(f);
}

static void test_replay_truncated(void)
{
  const char *r0 = lf_tpath("t_r0.msgpack"), *r1 = lf_tpath("t_r1.msgpack");
  write_ranks(r0, r1, NULL, 5);
  /* cut rank 1 in the middle of a record after window 9's end */
  rsum rs[512];
  io_log_status st;
  long nr = lf_read_all(r1, rs, 512, &st);
  CU_ASSERT_FATAL(nr > 20);
  long k = 0;
  while (k < nr && !((rs[k].type == IO_LOG_SPIKES || rs[k].type == IO_LOG_WINDOW) &&
                     rs[k].tick == 10 * WIN))
    k++;
  CU_ASSERT_FATAL(k + 1 < nr);
  size_t n = 0;
  unsigned char *b = lf_slurp(r1, &n);
  lf_spit(r1, b, rs[k + 1].offset + rs[k + 1].size - 1);
  free(b);

  const char *two[] = {r0, r1};
  int rc;
  char *s = capture(io_replay_summary, two, 2, &rc);
  CU_ASSERT(rc == 0);
  char needle[256];
  snprintf(needle, sizeof needle, "truncated: %s: after record %ld at byte %" PRIu64,
           r1, k + 1, rs[k].offset + rs[k].size);
  CU_ASSERT(strstr(s, needle) != NULL);
  CU_ASSERT(strstr(s, "duration: 15.0 ms") != NULL);
  CU_ASSERT(strstr(s, "truncated log") != NULL);
  static spk want[65536];
  gen ga = lf_gen_default;
  ga.big = 5;
  size_t m = lf_expected_spikes(&ga, want);
  uint64_t nE = 0, neur, spikes;
  for (size_t i = 0; i < m; i++)
    nE += want[i].g < 80 && want[i].t < 10 * WIN;
  double rate;
  CU_ASSERT(pop_line(s, "E", &neur, &spikes, &rate) && spikes == nE);
  CU_ASSERT(strstr(s, "ignored") != NULL); /* rank 0's later spikes */
  free(s);
}

/* io_replay_summary with IO_REPLAY_PARTIAL, in capture's shape. */
static int summary_partial(const char *const *paths, int n, int flags, FILE *out)
{
  return io_replay_summary(paths, n, flags | IO_REPLAY_PARTIAL, out);
}

/* Rank 0 of a 2-rank run alone: refused, naming rank 1, unless
   IO_REPLAY_PARTIAL; then the summary names the missing rank. */
static void test_replay_partial(void)
{
  const char *r0 = lf_tpath("p_r0.msgpack"), *r1 = lf_tpath("p_r1.msgpack");
  write_ranks(r0, r1, NULL, 5);
  const char *one[] = {r0};
  FILE *f = tmpfile();
  CU_ASSERT_FATAL(f != NULL);
  CU_ASSERT(io_replay_summary(one, 1, 0, f) == SIM_EINVAL);
  CU_ASSERT(strstr(sim_error_msg(), "rank 1 is not given") != NULL);
  CU_ASSERT(strstr(sim_error_msg(), "--partial") != NULL);
  CU_ASSERT(io_replay_spikes_csv(one, 1, 0, f) == SIM_EINVAL);
  CU_ASSERT(ftell(f) == 0); /* nothing written before the refusal */
  fclose(f);
  io_replay *rp = NULL;
  CU_ASSERT(io_replay_create(one, 1, 0, &rp) == SIM_EINVAL && rp == NULL);
  int rc;
  char *s = capture(summary_partial, one, 1, &rc);
  CU_ASSERT(rc == 0);
  CU_ASSERT(strstr(s, "1 of 2 rank files given, rank 1 missing (--partial)") != NULL);
  free(s);
}

int test_log_read_register(void)
{
  CU_pSuite s = CU_add_suite("log_read", lf_suite_init, lf_suite_clean);
  if (!s)
    return -1;
  if (!CU_add_test(s, "cut at every byte: complete records only",
                   test_truncated_every_byte) ||
      !CU_add_test(s, "corrupt header names the field", test_corrupt_header) ||
      !CU_add_test(s, "corrupt records name record and byte",
                   test_corrupt_records) ||
      !CU_add_test(s, "replay: two ranks merge like one file", test_replay_merge) ||
      !CU_add_test(s, "replay: files of different runs", test_replay_mismatch) ||
      !CU_add_test(s, "replay: truncated rank file", test_replay_truncated) ||
      !CU_add_test(s, "replay: a subset of the ranks", test_replay_partial))
    return -1;
  return 0;
}
