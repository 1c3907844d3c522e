/*
 * test_replay.c: replay of the version-2 record kinds (weights, devices,
 * energy) from the fixture's two-rank logs with every kind
 * (lf_gen_log_v2): the CSV columns, the merge of the ranks in key order,
 * energy rows summed over the ranks, the filters (time window, target
 * population, post neuron ids), the errors (no recorder of the kind,
 * --neurons with energy), and a late window read after a seek equal to
 * the same window cut from the whole stream.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_error.h"
#include "../io/io_replay.h"
#include "fixture_log.h"
#include "test_suites.h"

static const char *two[2];

static int replay_init(void)
{
  if (lf_suite_init())
    return -1;
  static char p0[512], p1[512];
  snprintf(p0, sizeof p0, "%s", lf_tpath("kinds.rank0.msgpack"));
  snprintf(p1, sizeof p1, "%s", lf_tpath("kinds.rank1.msgpack"));
  gen g = lf_gen_default;
  g.nranks = 2;
  g.nwin = 20;
  if (lf_gen_log_v2(p0, &g))
    return -1;
  g.rank = 1;
  if (lf_gen_log_v2(p1, &g))
    return -1;
  two[0] = p0;
  two[1] = p1;
  return 0;
}

/* The CSV of kind with filter f (NULL: all); *rc the result. */
static char *csv_of(io_replay_kind kind, const io_replay_filter *f, int *rc)
{
  FILE *fp = tmpfile();
  CU_ASSERT_FATAL(fp != NULL);
  *rc = io_replay_csv(two, 2, 0, kind, f, fp);
  long sz = ftell(fp);
  rewind(fp);
  char *s = calloc(1, (size_t)sz + 1);
  if (fread(s, 1, (size_t)sz, fp) != (size_t)sz)
    s[0] = '\0';
  fclose(fp);
  return s;
}

static size_t count_lines(const char *s)
{
  size_t n = 0;
  for (; *s; s++)
    n += *s == '\n';
  return n;
}

/* The first field of each data line as a number (time_ms), in order. */
static size_t times_of(const char *s, double *t, size_t max)
{
  size_t n = 0;
  const char *p = strchr(s, '\n');
  while (p && p[1] && n < max) {
    t[n++] = strtod(p + 1, NULL);
    p = strchr(p + 1, '\n');
  }
  return n;
}

static void test_weights(void)
{
  int rc;
  char *s = csv_of(IO_REPLAY_WEIGHTS, NULL, &rc);
  CHECK(rc == 0, "weights csv: %s", sim_error_msg());
  CU_ASSERT(strncmp(s, "time_ms,recorder,projection,pre_population,pre_local_id,pre_gid,"
                       "post_population,post_local_id,post_gid,weight_mV,conductance_uS\n",
                    strlen("time_ms,recorder,projection,pre_population,pre_local_id,pre_gid,"
                           "post_population,post_local_id,post_gid,weight_mV,"
                           "conductance_uS\n")) == 0);
  /* 10 snapshots (even windows), 3 rows of rank 0 and 4 of rank 1 */
  CHECK(count_lines(s) == 1 + 70, "weights: %zu lines", count_lines(s));
  /* the first snapshot at 1.5 ms (window end 15 ticks), merged by pre:
     rank 0 pre 0, 2, 4 and rank 1 pre 1, 3, 5, 7 */
  CU_ASSERT(strstr(s, "\n1.5,W,EE,E,0,0,E,5,5,0,\n1.5,W,EE,E,1,1,E,5,5,0,\n"
                      "1.5,W,EE,E,2,2,E,6,6,0.10000000000000001,\n") != NULL);
  double t[128];
  size_t n = times_of(s, t, 128);
  int sorted = 1;
  for (size_t i = 1; i < n; i++)
    sorted &= t[i] >= t[i - 1];
  CU_ASSERT(n == 70 && sorted);
  /* post neurons 5 and 6 only, from 6 ms: snapshots at 7.5, 10.5, ... */
  io_replay_filter f = {.pops = (const char *const[]){"E"}, .npops = 1, .neurons = 1,
                        .lo = 5, .hi = 7, .from_ms = 6, .to_ms = INFINITY};
  char *sf = csv_of(IO_REPLAY_WEIGHTS, &f, &rc);
  CU_ASSERT(rc == 0);
  /* snapshots at 7.5 .. 28.5 ms: 8; each 2 rows per rank */
  CHECK(count_lines(sf) == 1 + 8 * 4, "filtered weights: %zu lines", count_lines(sf));
  CU_ASSERT(strstr(sf, "\n4.5,") == NULL && strstr(sf, "\n7.5,W,EE,E,0,0,E,5,5,") != NULL);
  free(s);
  free(sf);
}

static void test_devices(void)
{
  int rc;
  char *s = csv_of(IO_REPLAY_DEVICES, NULL, &rc);
  CHECK(rc == 0, "devices csv: %s", sim_error_msg());
  const char *hdr = "time_ms,projection,pre_population,pre_local_id,pre_gid,"
                    "post_population,post_local_id,post_gid,pulses,conductance_uS\n";
  CU_ASSERT(strncmp(s, hdr, strlen(hdr)) == 0);
  /* windows w % 3 != 1, w % 4 + 1 writes per rank */
  size_t want = 0;
  for (int w = 0; w < 20; w++)
    if (w % 3 != 1)
      want += 2 * (size_t)(w % 4 + 1);
  CHECK(count_lines(s) == 1 + want, "devices: %zu lines, wanted %zu", count_lines(s), 1 + want);
  /* window 0: one write per rank at tick 0, pre 10 and 11 -> post 80 */
  CU_ASSERT(strstr(s, "\n0.0,EI,E,10,10,I,0,80,2,0.5\n0.0,EI,E,11,11,I,0,80,2,0.5\n") != NULL);
  double t[512];
  size_t n = times_of(s, t, 512);
  int sorted = 1;
  for (size_t i = 1; i < n; i++)
    sorted &= t[i] >= t[i - 1];
  CU_ASSERT(sorted && n == want);
  /* the target population filter: EI targets I */
  io_replay_filter fe = {.pops = (const char *const[]){"E"}, .npops = 1,
                         .from_ms = 0, .to_ms = INFINITY};
  char *se = csv_of(IO_REPLAY_DEVICES, &fe, &rc);
  CHECK(rc == SIM_EINVAL && strstr(sim_error_msg(), "no devices recorder of the selected"),
        "devices of E: %d %s", rc, sim_error_msg());
  free(se);
  io_replay_filter fi = {.pops = (const char *const[]){"I"}, .npops = 1, .neurons = 1,
                         .lo = 1, .hi = 2, .from_ms = 0, .to_ms = 10};
  char *si = csv_of(IO_REPLAY_DEVICES, &fi, &rc);
  CU_ASSERT(rc == 0);
  /* post 81 = I local 1: the second write of a window (w % 4 >= 1), t < 10 ms:
     windows 0..6, w % 3 != 1: 0 (1 write), 2 (3), 3 (4), 5 (2), 6 (3):
     windows with >= 2 writes: 2, 3, 5, 6, x 2 ranks */
  CHECK(count_lines(si) == 1 + 8, "devices of I 1:2 before 10 ms: %zu lines", count_lines(si));
  free(si);
  free(s);
}

static void test_energy(void)
{
  int rc;
  char *s = csv_of(IO_REPLAY_ENERGY, NULL, &rc);
  CHECK(rc == 0, "energy csv: %s", sim_error_msg());
  const char *hdr = "time_ms,component,kind,name,reads,pulses,updates,spikes,"
                    "read_energy_pJ,write_energy_pJ\n";
  CU_ASSERT(strncmp(s, hdr, strlen(hdr)) == 0);
  /* 16 windows (w % 5 != 4) x 3 components, summed over the 2 ranks */
  CHECK(count_lines(s) == 1 + 16 * 3, "energy: %zu lines", count_lines(s));
  /* window 1 (ends 3.0 ms): component 0 reads 10 + 11, pulses 3 + 3,
     updates 7 + 7, spikes 101 + 101, read 1.5 + 1.5 pJ */
  CU_ASSERT(strstr(s, "\n3.0,0,projection,EE,21,6,14,202,3,0\n") != NULL);
  /* component 5: transport (2 projections + 3 populations) */
  CU_ASSERT(strstr(s, "\n3.0,5,transport,,128,0,0,5,0,0.5\n") != NULL);
  CU_ASSERT(strstr(s, "\n3.0,2,population,E,0,0,") != NULL);
  /* --population E: projections into E (EE), population E; no transport */
  io_replay_filter f = {.pops = (const char *const[]){"E"}, .npops = 1, .from_ms = 3,
                        .to_ms = 6.1};
  char *sf = csv_of(IO_REPLAY_ENERGY, &f, &rc);
  CU_ASSERT(rc == 0);
  /* window ends 3.0, 4.5, 6.0 ms: 2 rows each */
  CHECK(count_lines(sf) == 1 + 6 && strstr(sf, "transport") == NULL &&
            strstr(sf, "\n1.5,") == NULL && strstr(sf, "\n3.0,0,projection,EE,") != NULL,
        "energy of E in [3, 6.1) ms:\n%s", sf);
  free(sf);
  f.neurons = 1;
  f.lo = 0;
  f.hi = 1;
  sf = csv_of(IO_REPLAY_ENERGY, &f, &rc);
  CHECK(rc == SIM_EINVAL && strstr(sim_error_msg(), "--neurons"), "energy --neurons: %s",
        sim_error_msg());
  free(sf);
  free(s);
}

/* A window read after a seek equals the same window of the whole stream. */
static void test_seek_window(void)
{
  for (int k = IO_REPLAY_SPIKES; k <= IO_REPLAY_ENERGY; k++) {
    int rc;
    char *all = csv_of((io_replay_kind)k, NULL, &rc);
    CU_ASSERT_FATAL(rc == 0);
    io_replay_filter f = {.from_ms = 19.5, .to_ms = 25.5};
    char *win = csv_of((io_replay_kind)k, &f, &rc);
    CU_ASSERT_FATAL(rc == 0);
    /* cut [19.5, 25.5) ms out of all: header, then the lines in range */
    char *cut = calloc(1, strlen(all) + 1);
    const char *p = strchr(all, '\n');
    memcpy(cut, all, (size_t)(p - all) + 1);
    size_t len = (size_t)(p - all) + 1;
    size_t kept = 0;
    while (p && p[1]) {
      const char *q = strchr(p + 1, '\n');
      double t = strtod(p + 1, NULL);
      if (t >= 19.5 - 1e-9 && t < 25.5 - 1e-9) {
        memcpy(cut + len, p + 1, (size_t)(q - p));
        len += (size_t)(q - p);
        kept++;
      }
      p = q;
    }
    CHECK(kept > 0 && strcmp(cut, win) == 0, "%s: window after seek differs (%zu lines)",
          io_replay_kind_names[k], kept);
    free(all);
    free(win);
    free(cut);
  }
}

int test_replay_register(void)
{
  CU_pSuite s = CU_add_suite("replay", replay_init, lf_suite_clean);
  if (!s)
    return -1;
  if (!CU_add_test(s, "weights CSV: columns, ranks merged by key, filters", test_weights) ||
      !CU_add_test(s, "devices CSV: columns, order, target-population filter", test_devices) ||
      !CU_add_test(s, "energy CSV: rows summed over ranks, components, filters", test_energy) ||
      !CU_add_test(s, "a late window after a seek == that window of the whole stream",
                   test_seek_window))
    return -1;
  return 0;
}
