/*
 * test_log_v2.c: event log version 2 (docs/log-format.md): every record
 * kind written and read back, the version-1 fixture still read as before,
 * malformed packed spike blocks and new records, logs of a two-rank run
 * cut at every byte and randomly corrupted, the index sidecar and seek.
 */
#include <CUnit/CUnit.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sim_error.h"
#include "../io/io_log.h"
#include "../io/io_varint.h"
#include "fixture_log.h"

#define MAXREC 100000

static rsum sums[2][MAXREC];

/* ------------------------------------------------------------ varints */

static void test_varint(void)
{
  unsigned char b[IO_VARINT_MAX + 2];
  /* the worked example of docs/log-format.md: 300 = 0xac 0x02 */
  CU_ASSERT(io_varint_put(b, 300) == 2 && b[0] == 0xac && b[1] == 0x02);
  CU_ASSERT(io_varint_put(b, 0) == 1 && b[0] == 0);
  CU_ASSERT(io_varint_put(b, 127) == 1 && b[0] == 127);
  CU_ASSERT(io_varint_put(b, 128) == 2 && b[0] == 0x80 && b[1] == 1);
  uint64_t v = 0;
  static const uint64_t vals[] = {0, 1, 127, 128, 16383, 16384, UINT32_MAX,
                                  (uint64_t)INT64_MAX, UINT64_MAX};
  for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
    size_t n = io_varint_put(b, vals[i]);
    CU_ASSERT(io_varint_get(b, n, &v) == n && v == vals[i]);
    CU_ASSERT(io_varint_get(b, n - 1, &v) == 0); /* cut short */
  }
  CU_ASSERT(io_varint_put(b, UINT64_MAX) == 10 && b[9] == 1);
  b[9] = 2; /* beyond 64 bits */
  CU_ASSERT(io_varint_get(b, 10, &v) == 0);
  memset(b, 0x80, sizeof b); /* 11 bytes and more */
  CU_ASSERT(io_varint_get(b, sizeof b, &v) == 0);
}

/* ------------------------------------------------------------ version 1 */

/* The committed version-1 log (izhikevich_patterns, 100 ms, written by the
   version-1 writer) reads as it did with the version-1 reader: same counts
   and the same hash of every spike, sample and window end. */
static void test_v1_fixture(void)
{
  io_log_reader *r;
  CU_ASSERT_FATAL(io_log_reader_create("tests/data/log_v1_izhikevich.msgpack",
                                       &r) == 0);
  CU_ASSERT(io_log_reader_header(r)->nprojs == 0);
  io_log_record rec;
  uint64_t h = 1469598103934665603ull, ns = 0, nsm = 0, nw = 0;
#define MIX(x)                                                                 \
  do {                                                                         \
    uint64_t x_ = (uint64_t)(x);                                               \
    for (int b_ = 0; b_ < 8; b_++) {                                           \
      h ^= (x_ >> (8 * b_)) & 255;                                             \
      h *= 1099511628211ull;                                                   \
    }                                                                          \
  } while (0)
  int k;
  while ((k = io_log_reader_next(r, &rec)) == 1) {
    MIX(rec.type);
    MIX(rec.tick);
    if (rec.type == IO_LOG_SPIKES) {
      for (uint32_t i = 0; i < rec.spikes.n; i++) {
        MIX(rec.spikes.ticks[i]);
        MIX(rec.spikes.gids[i]);
      }
      ns += rec.spikes.n;
      nw++;
    }
    if (rec.type == IO_LOG_WINDOW)
      nw++;
    if (rec.type == IO_LOG_SAMPLES) {
      MIX(rec.samples.rec);
      for (uint32_t i = 0; i < rec.samples.n; i++) {
        uint64_t u;
        memcpy(&u, &rec.samples.values[i], 8);
        MIX(u);
      }
      nsm++;
    }
  }
#undef MIX
  io_log_status st;
  io_log_reader_status(r, &st);
  CU_ASSERT(k == 0 && st.ended && !st.truncated);
  CU_ASSERT(ns == 1700 && nsm == 100 && nw == 350 && st.records == 451);
  CU_ASSERT(h == 0x6f4d7441d5917ab4ull); /* as the version-1 reader gave */
  io_log_reader_destroy(r);
}

/* ------------------------------------------------------------ round trip */

static void test_all_kinds(void)
{
  const char *p = lf_tpath("v2.msgpack"), *q = lf_tpath("v2b.msgpack");
  gen gn = lf_gen_default;
  gn.nwin = 12;
  CU_ASSERT_FATAL(lf_gen_log_v2(p, &gn) == 0);
  CU_ASSERT_FATAL(lf_gen_log_v2(q, &gn) == 0);
  size_t n1, n2, i1, i2;
  unsigned char *a = lf_slurp(p, &n1), *b = lf_slurp(q, &n2);
  CU_ASSERT(n1 == n2 && memcmp(a, b, n1) == 0); /* byte-identical */
  free(a);
  free(b);
  a = lf_slurp(lf_tpath("v2.msgpack.index"), &i1);
  b = lf_slurp(lf_tpath("v2b.msgpack.index"), &i2);
  CU_ASSERT(a && b && i1 == i2 && i1 >= 24 + 16 && memcmp(a, b, i1) == 0);
  free(a);
  free(b);

  io_log_reader *r;
  CU_ASSERT_FATAL(io_log_reader_create(p, &r) == 0);
  const io_log_header *h = io_log_reader_header(r);
  CU_ASSERT(h->nprojs == 2 && h->nrecs == 6);
  CU_ASSERT(!strcmp(h->projs[1].name, "EI") && h->projs[1].src == 0 &&
            h->projs[1].tgt == 1 && !strcmp(h->projs[1].kind, "device") &&
            !strcmp(h->projs[1].device, "ecram_li_wo3"));
  CU_ASSERT(h->recs[3].kind == IO_LOG_REC_WEIGHTS && h->recs[3].proj == 0 &&
            h->recs[3].sample == 0.5 && h->recs[3].interval_ms == 3.0);
  CU_ASSERT(h->recs[4].kind == IO_LOG_REC_DEVICES && h->recs[4].proj == 1);
  CU_ASSERT(h->recs[5].kind == IO_LOG_REC_ENERGY);
  CU_ASSERT(!strcmp(io_log_reader_unit(r, "weight"), "mV"));
  CU_ASSERT(!strcmp(io_log_reader_unit(r, "conductance"), "uS"));
  CU_ASSERT(!strcmp(io_log_reader_unit(r, "energy"), "pJ"));
  CU_ASSERT(io_log_reader_indexed(r) == 1);

  spk want[4096], got[4096];
  size_t nwant = lf_expected_spikes(&gn, want), ngot = 0;
  io_log_record rec;
  int rc, bad = 0;
  uint64_t nd = 0, ne = 0, nwt = 0;
  while ((rc = io_log_reader_next(r, &rec)) == 1) {
    int w = (int)((rec.tick - 1) / WIN);
    if (rec.type == IO_LOG_SPIKES)
      for (uint32_t i = 0; i < rec.spikes.n; i++)
        got[ngot++] = (spk){rec.spikes.ticks[i], rec.spikes.gids[i]};
    if (rec.type == IO_LOG_DEVICES) {
      nd++;
      bad += rec.devices.proj != 1 || rec.devices.n != (uint32_t)(w % 4) + 1 ||
             w % 3 == 1;
      for (uint32_t i = 0; i < rec.devices.n; i++)
        bad += rec.devices.ticks[i] != (sim_time)w * WIN + 3 * i ||
               rec.devices.pre[i] != 10 + i || rec.devices.post[i] != 80 + i ||
               rec.devices.pulses[i] != (i % 2 ? -1 : 2) * (int32_t)(i + 1) ||
               rec.devices.g[i] != 0.5 + 0.01 * w + i;
    }
    if (rec.type == IO_LOG_ENERGY) {
      ne++;
      bad += rec.energy.n != 3 || w % 5 == 4 ||
             rec.energy.rows[0].reads != 10u * w ||
             rec.energy.rows[0].read_pj != 1.5 * w ||
             rec.energy.rows[2].component != 5 ||
             rec.energy.rows[2].write_pj != 0.25 * w;
    }
    if (rec.type == IO_LOG_WEIGHTS) {
      nwt++;
      w = (int)(rec.tick / WIN) - 1; /* the snapshot tick is the window end */
      bad += rec.weights.rec != 3 || rec.weights.n != 3 || rec.weights.g ||
             w % 2;
      for (uint32_t i = 0; i < rec.weights.n; i++)
        bad += rec.weights.pre[i] != 2 * i || rec.weights.post[i] != 5 + i ||
               rec.weights.w[i] != 0.1 * i + 0.01 * w;
    }
    if (rec.type == IO_LOG_END)
      bad += rec.end.devices != nd || rec.end.energy != ne ||
             rec.end.weights != nwt || rec.end.spikes != nwant;
  }
  CU_ASSERT(rc == 0 && bad == 0);
  CU_ASSERT(nd == 8 && ne == 10 && nwt == 6);
  CU_ASSERT(ngot == nwant && memcmp(got, want, nwant * sizeof *want) == 0);
  io_log_status st;
  io_log_reader_status(r, &st);
  CU_ASSERT(st.ended && st.devices == nd && st.energy == ne && st.weights == nwt);
  io_log_reader_destroy(r);
}

/* ------------------------------------------------------------ bad records */

/* A file: the header of lf_fill_header_v2, then the given record bytes. */
static void write_with(const char *path, const unsigned char *rec, size_t n,
                       uint64_t *hdr)
{
  gen gn = lf_gen_default;
  io_log_rec recs[6];
  sim_gid vm[3];
  io_log_header h;
  lf_fill_header_v2(&h, recs, vm, &gn);
  io_log *log;
  CU_ASSERT_FATAL(io_log_create(path, &h, &log) == 0);
  *hdr = io_log_bytes(log);
  io_log_destroy(log);
  size_t m;
  unsigned char *b = lf_slurp(path, &m);
  b = realloc(b, m + n);
  memcpy(b + m, rec, n);
  lf_spit(path, b, m + n);
  free(b);
}

/* The record must be refused with a message holding each needle. */
static void expect_bad(const char *what, const unsigned char *rec, size_t n,
                       const char *needle)
{
  const char *p = lf_tpath("bad2.msgpack");
  uint64_t hdr;
  write_with(p, rec, n, &hdr);
  sim_error_clear();
  rsum s[4];
  long k = lf_read_all(p, s, 4, NULL);
  char at[64];
  snprintf(at, sizeof at, "record 1 at byte %" PRIu64, hdr);
  int ok = k == SIM_EFORMAT && strstr(sim_error_msg(), needle) &&
           strstr(sim_error_msg(), at) && strstr(sim_error_msg(), p);
  if (!ok)
    printf("\n%s: rc %ld, message: %s (wanted \"%s\")\n", what, k,
           sim_error_msg(), needle);
  CU_ASSERT(ok);
}

#define BAD(what, needle, ...)                                                 \
  do {                                                                         \
    static const unsigned char b_[] = {__VA_ARGS__};                           \
    expect_bad(what, b_, sizeof b_, needle);                                   \
  } while (0)

static void test_bad_records(void)
{
  /* a good block first: [6, 15, 2, 3, bin(2, 0x00 0x02 0x05 0x01 ...)] ->
     tick 2: gids 5, 6; tick 4: gid 1 */
  {
    static const unsigned char ok[] = {0x95, 6, 15, 2, 3, 0xc4, 7,
                                       0, 2, 5, 1, 2, 1, 1};
    uint64_t hdr;
    write_with(lf_tpath("ok2.msgpack"), ok, sizeof ok, &hdr);
    io_log_reader *r;
    CU_ASSERT_FATAL(io_log_reader_create(lf_tpath("ok2.msgpack"), &r) == 0);
    io_log_record rec;
    CU_ASSERT_FATAL(io_log_reader_next(r, &rec) == 1 &&
                    rec.type == IO_LOG_SPIKES && rec.spikes.n == 3 &&
                    rec.tick == 15);
    CU_ASSERT(rec.spikes.ticks[0] == 2 && rec.spikes.gids[0] == 5 &&
              rec.spikes.ticks[1] == 2 && rec.spikes.gids[1] == 6 &&
              rec.spikes.ticks[2] == 4 && rec.spikes.gids[2] == 1);
    CU_ASSERT(io_log_reader_next(r, &rec) == 0);
    io_log_reader_destroy(r);
  }
  BAD("nspikes", "nspikes is 4, the payload holds 3",
      0x95, 6, 15, 2, 4, 0xc4, 7, 0, 2, 5, 1, 2, 1, 1);
  BAD("count over nspikes", "group count 3", 0x95, 6, 15, 2, 2, 0xc4, 7, 0, 3,
      5, 1, 2, 1, 1);
  BAD("count 0", "group count 0", 0x95, 6, 15, 2, 3, 0xc4, 7, 0, 0, 5, 1, 2, 1,
      1);
  BAD("varint cut", "bad varint (gid gap", 0x95, 6, 15, 2, 3, 0xc4, 7, 0, 2,
      5, 1, 2, 1, 0x81);
  BAD("varint 11 bytes", "bad varint (tick delta", 0x95, 6, 15, 2, 1, 0xc4,
      13, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 1,
      1);
  BAD("unsorted ticks", "tick delta 0 after the first group", 0x95, 6, 15, 2,
      3, 0xc4, 7, 0, 2, 5, 1, 0, 1, 1);
  BAD("tick past window", "at or past the window end", 0x95, 6, 15, 2, 2,
      0xc4, 6, 0, 1, 5, 13, 1, 1);
  BAD("first group not base", "is not base_tick", 0x95, 6, 15, 2, 1, 0xc4, 3,
      1, 1, 5);
  BAD("gid", "must name a neuron", 0x95, 6, 15, 2, 1, 0xc4, 3, 0, 1, 110);
  BAD("trailing payload", "1 payload bytes after the 1 spikes", 0x95, 6, 15,
      2, 1, 0xc4, 4, 0, 1, 5, 0);
  BAD("not a bin", "must be a bin", 0x95, 6, 15, 2, 1, 0x91, 1);
  BAD("spike block length", "expected 5 elements", 0x94, 6, 15, 2, 1);
  /* device writes */
  BAD("device proj", "proj must be the index of a projection", 0x99, 4, 15, 2,
      0, 0x91, 0, 0x91, 1, 0x91, 80, 0x91, 1, 0x91, 0);
  BAD("device arrays", "element 7 must be an array of 1", 0x99, 4, 15, 1, 0,
      0x91, 0, 0x91, 1, 0x90, 0x91, 1, 0x91, 0);
  BAD("device unsorted", "sorted by (tick, pre, post)", 0x99, 4, 15, 1, 0,
      0x92, 1, 0, 0x92, 1, 1, 0x92, 80, 80, 0x92, 1, 1, 0x92, 0, 0);
  BAD("device pulses", "pulses must be a 32-bit integer", 0x99, 4, 15, 1, 0,
      0x91, 0, 0x91, 1, 0x91, 80, 0x91, 0xc0, 0x91, 0);
  /* energy */
  BAD("energy component", "component must be ascending and < 6", 0x93, 5, 15,
      0x91, 0x97, 6, 0, 0, 0, 0, 0, 0);
  BAD("energy row", "expected an array of 7", 0x93, 5, 15, 0x91, 0x96, 0, 0, 0,
      0, 0, 0);
  /* weights */
  BAD("weights rec", "rec must be the index of a weights recorder", 0x97, 7,
      15, 2, 0x91, 0, 0x91, 1, 0x91, 0, 0x90);
  BAD("weights lengths", "same length", 0x97, 7, 15, 3, 0x91, 0, 0x92, 1, 2,
      0x91, 0, 0x90);
  BAD("weights g length", "same length", 0x97, 7, 15, 3, 0x91, 0, 0x91, 1,
      0x91, 0, 0x92, 0, 0);
}

/* ------------------------------------------------------------ cut, flip */

/* Two ranks' logs with every record kind, cut at every byte: the reader
   returns exactly the complete records before the cut, says truncated
   with the right counts and never errors. */
static void test_cut_every_byte_v2(void)
{
  for (int rank = 0; rank < 2; rank++) {
    char name[32];
    snprintf(name, sizeof name, "cut2_r%d.msgpack", rank);
    const char *p = lf_tpath(name), *c = lf_tpath("cut2.msgpack");
    gen gn = lf_gen_default;
    gn.nwin = 10;
    gn.rank = rank;
    gn.nranks = 2;
    CU_ASSERT_FATAL(lf_gen_log_v2(p, &gn) == 0);
    io_log_status full;
    long nrec = lf_read_all(p, sums[0], MAXREC, &full);
    CU_ASSERT_FATAL(nrec > 30 && full.ended);
    io_log_reader *r;
    CU_ASSERT_FATAL(io_log_reader_create(p, &r) == 0);
    io_log_reader_destroy(r);
    size_t n;
    unsigned char *b = lf_slurp(p, &n);
    uint64_t hdr = sums[0][0].offset;
    int bad = 0, badhdr = 0;
    for (size_t cut = 0; cut < n; cut++) {
      lf_spit(c, b, cut);
      io_log_status st;
      sim_error_clear();
      long k = lf_read_all(c, sums[1], MAXREC, &st);
      if (cut < hdr) {
        badhdr += k != SIM_EFORMAT;
        continue;
      }
      long want = 0;
      while (want < nrec && sums[0][want].offset + sums[0][want].size <= cut)
        want++;
      uint64_t good = want ? sums[0][want - 1].offset + sums[0][want - 1].size
                           : hdr;
      int ok = k == want && st.truncated && !st.ended &&
               st.records == (uint64_t)want && st.good_bytes == good &&
               st.partial_bytes == cut - good;
      for (long i = 0; ok && i < k; i++)
        ok = lf_rsum_eq(&sums[0][i], &sums[1][i]);
      bad += !ok;
    }
    CU_ASSERT(bad == 0);
    CU_ASSERT(badhdr == 0);
    free(b);
  }
}

/* Random byte flips (fixed seed): records or a clean SIM_EFORMAT naming
   the file, never a crash (the suite runs under ASan/UBSan in CI). */
static void test_random_corruption(void)
{
  const char *p = lf_tpath("flip_src.msgpack"), *c = lf_tpath("flip.msgpack");
  gen gn = lf_gen_default;
  gn.nwin = 10;
  gn.big = 5;
  CU_ASSERT_FATAL(lf_gen_log_v2(p, &gn) == 0);
  size_t n;
  unsigned char *b = lf_slurp(p, &n);
  unsigned char *m = malloc(n);
  uint32_t s = 2024;
  int bad = 0, errs = 0, oks = 0;
  for (int it = 0; it < 3000; it++) {
    memcpy(m, b, n);
    int flips = 1 + (int)(lf_lcg(&s) % 4);
    for (int f = 0; f < flips; f++) {
      size_t at = lf_lcg(&s) % n;
      m[at] = (unsigned char)(it % 3 == 0 ? m[at] ^ (1u << (lf_lcg(&s) % 8))
                                          : lf_lcg(&s));
    }
    lf_spit(c, m, n);
    sim_error_clear();
    long k = lf_read_all(c, sums[1], MAXREC, NULL);
    if (k >= 0)
      oks++;
    else if (k == SIM_EFORMAT && strstr(sim_error_msg(), c))
      errs++;
    else
      bad++;
  }
  CU_ASSERT(bad == 0);
  CU_ASSERT(errs > 100 && oks > 0); /* both outcomes were exercised */
  free(m);
  free(b);
}

/* ------------------------------------------------------------ seeking */

/* Hash of every event with a tick >= t that the reader returns from where
   it stands (records of the seek point may start earlier: filtered). */
static uint64_t events_from(io_log_reader *r, sim_time t, uint64_t *nev)
{
  uint64_t h = 14695981039346656037ull;
  io_log_record rec;
  *nev = 0;
#define H(x)                                                                   \
  do {                                                                         \
    uint64_t v_ = (uint64_t)(x);                                               \
    h = (h ^ v_) * 0x100000001b3ull;                                           \
    (*nev)++;                                                                  \
  } while (0)
  while (io_log_reader_next(r, &rec) == 1) {
    switch (rec.type) {
    case IO_LOG_SPIKES:
      for (uint32_t i = 0; i < rec.spikes.n; i++)
        if (rec.spikes.ticks[i] >= t) {
          H(rec.spikes.ticks[i]);
          H(rec.spikes.gids[i]);
        }
      break;
    case IO_LOG_SAMPLES:
      if (rec.tick >= t)
        H(rec.tick * 7 + rec.samples.n);
      break;
    case IO_LOG_DEVICES:
      for (uint32_t i = 0; i < rec.devices.n; i++)
        if (rec.devices.ticks[i] >= t)
          H(rec.devices.ticks[i] * 31 + rec.devices.pre[i]);
      break;
    case IO_LOG_WEIGHTS:
      if (rec.tick >= t)
        H(rec.tick * 11 + rec.weights.n);
      break;
    case IO_LOG_ENERGY:
      if (rec.tick > t)
        H(rec.tick * 13 + rec.energy.n);
      break;
    case IO_LOG_END: H(rec.tick); break;
    default: break;
    }
  }
#undef H
  return h;
}

static const sim_time seek_ticks[] = {0, 1, 14, 15, 16, 29, 30, 31, 4500,
                                      9001, 15000, 22222, 29999, 44985, 44990,
                                      44999, 45000, 45001, 100000};

/* Seek to every tick of seek_ticks; each must give what a full scan
   filtered by tick gives.  Returns the failures; *indexed, *warned count
   readers that used the sidecar / warned. */
static int check_seeks(const char *p, int *indexed, int *warned)
{
  int bad = 0;
  *indexed = *warned = 0;
  for (size_t i = 0; i < sizeof seek_ticks / sizeof seek_ticks[0]; i++) {
    sim_time t = seek_ticks[i];
    io_log_reader *full, *r;
    if (io_log_reader_create(p, &full) || io_log_reader_create(p, &r))
      return 1000;
    uint64_t n1, n2;
    uint64_t h1 = events_from(full, t, &n1);
    io_log_status sf, ss;
    io_log_reader_status(full, &sf);
    bad += io_log_reader_seek(r, t) != 0;
    uint64_t h2 = events_from(r, t, &n2);
    io_log_reader_status(r, &ss);
    bad += h1 != h2 || n1 != n2 || !ss.ended;
    *indexed += io_log_reader_indexed(r);
    *warned += io_log_reader_warning(r) != NULL;
    if (t >= 30000 && io_log_reader_indexed(r))
      bad += ss.records * 2 > sf.records; /* the index skipped the start */
    io_log_reader_destroy(full);
    io_log_reader_destroy(r);
  }
  return bad;
}

static void test_seek(void)
{
  char p[512], ip[520]; /* lf_tpath's buffers rotate: keep copies */
  snprintf(p, sizeof p, "%s", lf_tpath("seek.msgpack"));
  snprintf(ip, sizeof ip, "%s.index", p);
  gen gn = lf_gen_default;
  gn.nwin = 3000; /* 45000 ticks */
  gn.big = 20;
  CU_ASSERT_FATAL(lf_gen_log_v2(p, &gn) == 0);
  size_t nlog, nidx;
  unsigned char *lb = lf_slurp(p, &nlog);
  unsigned char *ib = lf_slurp(ip, &nidx);
  CU_ASSERT_FATAL(ib != NULL && nlog > 8 * 64 * 1024);
  CU_ASSERT((nidx - 24) % 16 == 0 && (nidx - 24) / 16 >= 8);
  CU_ASSERT(memcmp(ib, "MSPKIDX1", 8) == 0);
  int ix, wr;
  CU_ASSERT(check_seeks(p, &ix, &wr) == 0);
  CU_ASSERT(ix == 19 && wr == 0);

  /* a partial last entry is ignored */
  lf_spit(ip, ib, nidx - 5);
  CU_ASSERT(check_seeks(p, &ix, &wr) == 0);
  CU_ASSERT(ix == 19 && wr == 0);

  /* offsets that miss the records: warn, scan, same results */
  unsigned char *cb = malloc(nidx);
  memcpy(cb, ib, nidx);
  for (size_t e = 24; e + 16 <= nidx; e += 16)
    cb[e + 8] ^= 1; /* low byte of each offset */
  lf_spit(ip, cb, nidx);
  CU_ASSERT(check_seeks(p, &ix, &wr) == 0);
  CU_ASSERT(wr > 0);

  /* entries out of order: refused when opened */
  memcpy(cb, ib, nidx);
  memcpy(cb + 24, ib + 40, 16);
  lf_spit(ip, cb, nidx);
  CU_ASSERT(check_seeks(p, &ix, &wr) == 0);
  CU_ASSERT(ix == 0 && wr == 19);

  /* stale: the sidecar of a longer run points past this log */
  gen g2 = gn;
  g2.nwin = 1000;
  CU_ASSERT_FATAL(lf_gen_log_v2(lf_tpath("short.msgpack"), &g2) == 0);
  lf_spit(lf_tpath("short.msgpack.index"), ib, nidx);
  char sp[512];
  snprintf(sp, sizeof sp, "%s", lf_tpath("short.msgpack"));
  int bad = 0;
  io_log_reader *r;
  CU_ASSERT_FATAL(io_log_reader_create(sp, &r) == 0);
  CU_ASSERT(io_log_reader_indexed(r) == 0 && io_log_reader_warning(r) &&
            strstr(io_log_reader_warning(r), "short.msgpack.index"));
  io_log_reader_destroy(r);
  for (sim_time t = 0; t < 16000; t += 1234) {
    io_log_reader *f, *s;
    CU_ASSERT_FATAL(io_log_reader_create(sp, &f) == 0 &&
                    io_log_reader_create(sp, &s) == 0);
    uint64_t a1, a2;
    uint64_t h1 = events_from(f, t, &a1);
    bad += io_log_reader_seek(s, t) != 0;
    bad += events_from(s, t, &a2) != h1 || a1 != a2;
    io_log_reader_destroy(f);
    io_log_reader_destroy(s);
  }
  CU_ASSERT(bad == 0);

  /* wrong magic */
  memcpy(cb, ib, nidx);
  cb[0] = 'X';
  lf_spit(ip, cb, nidx);
  CU_ASSERT(check_seeks(p, &ix, &wr) == 0);
  CU_ASSERT(ix == 0 && wr == 19);

  /* missing: scan, no warning */
  remove(ip);
  CU_ASSERT(check_seeks(p, &ix, &wr) == 0);
  CU_ASSERT(ix == 0 && wr == 0);
  free(cb);
  free(ib);
  free(lb);
}

#include "test_suites.h"

int test_log_v2_register(void)
{
  CU_pSuite s = CU_add_suite("log_v2", lf_suite_init, lf_suite_clean);
  if (!s)
    return -1;
  return !CU_add_test(s, "LEB128 varints", test_varint) ||
         !CU_add_test(s, "version-1 fixture reads as before",
                      test_v1_fixture) ||
         !CU_add_test(s, "every record kind round trip",
                      test_all_kinds) ||
         !CU_add_test(s, "malformed records name record and field",
                      test_bad_records) ||
         !CU_add_test(s, "2 ranks, cut at every byte",
                      test_cut_every_byte_v2) ||
         !CU_add_test(s, "random corruption, fixed seed",
                      test_random_corruption) ||
         !CU_add_test(s, "seek with a good, damaged or missing index",
                      test_seek);
}
