/*
 * test_idx.c: CUnit suite of the IDX reader (io_idx): single files plain
 * and gzipped, good and bad, image/label sets, and the real Fashion-MNIST
 * files when installed.  Files are written with fx_write_idx
 * (fixture_format.h) into one mkdtemp directory that the suite removes at
 * the end.
 */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/sim_error.h"
#include "../io/io_idx.h"
#include "fixture_format.h"
#include "test_suites.h"

/* ============================================================ fixtures */

static char tmpdir[64];

static const char *tpath(const char *name) { return fx_path(tmpdir, name); }

static int suite_init(void)
{
  strcpy(tmpdir, "/tmp/memspike_test_idx_XXXXXX");
  return mkdtemp(tmpdir) ? 0 : -1;
}

static int suite_clean(void) { return fx_dir_remove(tmpdir); }

/* io_idx_load must fail with code and a message naming path and expect. */
static void idx_fails(const char *path, int code, const char *expect)
{
  static io_idx dummy;
  io_idx *x = &dummy; /* the loader must reset it to NULL */
  sim_error_clear();
  int rc = io_idx_load(path, &x);
  const char *msg = sim_error_msg();
  CHECK(rc == code && x == NULL, "%s: rc %d (%s)", path, rc, msg);
  if (rc == 0)
    io_idx_destroy(x);
  CHECK(strstr(msg, path) == msg && strstr(msg, expect),
        "message \"%s\" lacks \"%s\"", msg, expect);
}

static void test_idx(void)
{
  const uint32_t img[3] = {3, 4, 5}, lab[1] = {3};
  const char *p = tpath("img.gz");
  fx_write_idx(p, 1, 0x803, img, 3, 60);
  io_idx *x = NULL;
  int rc = io_idx_load(p, &x);
  CHECK(rc == 0, "%d %s", rc, sim_error_msg());
  if (x) {
    CU_ASSERT(x->n == 3 && x->rows == 4 && x->cols == 5);
    int same = 1;
    for (int i = 0; i < 60; i++)
      same &= x->data[i] == (uint8_t)(i * 7 % 256);
    CU_ASSERT(same);
  }
  io_idx_destroy(x);
  io_idx_destroy(NULL);

  p = tpath("labels-plain");
  fx_write_idx(p, 0, 0x801, lab, 1, 3);
  x = NULL;
  rc = io_idx_load(p, &x);
  CHECK(rc == 0, "%d %s", rc, sim_error_msg());
  if (x)
    CU_ASSERT(x->n == 3 && x->rows == 1 && x->cols == 1 && x->data[1] == 7 &&
              x->data[2] == 14);
  io_idx_destroy(x);

  p = tpath("magic.gz");
  fx_write_idx(p, 1, 0x802, img, 3, 60);
  idx_fails(p, SIM_EFORMAT, "header field 'magic' is 0x00000802, expected "
                            "0x00000803 (images) or 0x00000801 (labels)");
  p = tpath("short.gz");
  fx_write_idx(p, 1, 0x803, img, 3, 59);
  idx_fails(p, SIM_EFORMAT, "data: the header announces 3 images of 4x5 (60 "
                            "bytes), the file holds only 59");
  p = tpath("short-labels");
  fx_write_idx(p, 0, 0x801, lab, 1, 2);
  idx_fails(p, SIM_EFORMAT, "3 labels of 1x1 (3 bytes), the file holds only 2");
  p = tpath("trailing.gz");
  fx_write_idx(p, 1, 0x803, img, 3, 63);
  idx_fails(p, SIM_EFORMAT, "data: 3 bytes of trailing data after the 60 "
                            "bytes the header announces");
  p = tpath("trailing-plain");
  fx_write_idx(p, 0, 0x801, lab, 1, 4);
  idx_fails(p, SIM_EFORMAT, "1 bytes of trailing data");
  p = tpath("header.gz");
  fx_write_idx(p, 1, 0x803, (const uint32_t[]){3}, 1, 0); /* no rows, cols */
  idx_fails(p, SIM_EFORMAT, "header field 'rows': the file ends after 8 "
                            "bytes, expected a 16-byte header");
  p = tpath("two-bytes");
  fx_write_file(p, "\0\0", 2);
  idx_fails(p, SIM_EFORMAT, "header field 'magic': the file ends after 2 "
                            "bytes");
  p = tpath("rows0.gz");
  fx_write_idx(p, 1, 0x803, (const uint32_t[]){3, 0, 5}, 3, 0);
  idx_fails(p, SIM_EFORMAT, "header field 'rows' is 0");
  /* counts far beyond the data: no allocation of the announced size */
  p = tpath("huge.gz");
  fx_write_idx(p, 1, 0x803, (const uint32_t[]){1u << 28, 8, 8}, 3, 60);
  idx_fails(p, SIM_EFORMAT, "(17179869184 bytes), the file holds only 60");
  p = tpath("toohuge.gz");
  fx_write_idx(p, 1, 0x803, (const uint32_t[]){UINT32_MAX, 65535, 65535}, 3, 0);
  idx_fails(p, SIM_EFORMAT, "more than this reader accepts");
  idx_fails(tpath("missing.gz"), SIM_EIO, "cannot open");

  /* a gzip stream cut in the middle */
  p = tpath("big.gz");
  fx_write_idx(p, 1, 0x803, (const uint32_t[]){100, 28, 28}, 3, 78400);
  FILE *f = fopen(p, "rb");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  unsigned char buf[4096];
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  CU_ASSERT(n > 200 && n < sizeof buf);
  p = tpath("cut.gz");
  fx_write_file(p, buf, n / 2);
  idx_fails(p, SIM_EFORMAT, "gzip stream corrupt or cut short");
  buf[n / 2] ^= 0xff; /* corrupt inside the deflate data */
  buf[n / 2 + 1] ^= 0x55;
  p = tpath("flip.gz");
  fx_write_file(p, buf, n);
  idx_fails(p, SIM_EFORMAT, "gzip stream corrupt");
}

/* io_idx_load_first must fail as io_idx_load does: code, path, expect. */
static void first_fails(const char *path, uint32_t max, int code, const char *expect)
{
  io_idx *x = NULL;
  sim_error_clear();
  int rc = io_idx_load_first(path, max, &x);
  const char *msg = sim_error_msg();
  CHECK(rc == code && x == NULL, "%s first %u: rc %d (%s)", path, max, rc, msg);
  if (rc == 0)
    io_idx_destroy(x);
  CHECK(strstr(msg, path) == msg && strstr(msg, expect),
        "message \"%s\" lacks \"%s\"", msg, expect);
}

/* The first items only: their bytes, the header's count kept; a file
   short of them fails as before; what lies past them is not read. */
static void test_idx_first(void)
{
  const char *p = tpath("first.gz");
  fx_write_idx(p, 1, 0x803, (const uint32_t[]){100, 28, 28}, 3, 78400);
  io_idx *x = NULL;
  int rc = io_idx_load_first(p, 10, &x);
  CHECK(rc == 0, "%d %s", rc, sim_error_msg());
  if (x) {
    CU_ASSERT(x->n == 10 && x->n_file == 100 && x->rows == 28 && x->cols == 28);
    int same = 1;
    for (int i = 0; i < 7840; i++)
      same &= x->data[i] == (uint8_t)(i * 7 % 256);
    CU_ASSERT(same);
  }
  io_idx_destroy(x);
  x = NULL;
  rc = io_idx_load_first(p, 100, &x); /* all of them: a full read */
  CU_ASSERT(rc == 0 && x && x->n == 100 && x->n_file == 100);
  io_idx_destroy(x);

  const uint32_t img[3] = {3, 4, 5};
  p = tpath("first-short.gz");
  fx_write_idx(p, 1, 0x803, img, 3, 59); /* 2 full images, then 19 bytes */
  x = NULL;
  rc = io_idx_load_first(p, 2, &x);
  CU_ASSERT(rc == 0 && x && x->n == 2 && x->n_file == 3 && x->data[39] == (uint8_t)(39 * 7));
  io_idx_destroy(x);
  first_fails(p, 3, SIM_EFORMAT, "data: the header announces 3 images of 4x5 (60 bytes), "
                                 "the file holds only 59");
  first_fails(p, 50, SIM_EFORMAT, "the file holds only 59");
  p = tpath("first-trailing.gz");
  fx_write_idx(p, 1, 0x803, img, 3, 63);
  x = NULL;
  rc = io_idx_load_first(p, 1, &x); /* trailing bytes are past what is read */
  CU_ASSERT(rc == 0 && x && x->n == 1);
  io_idx_destroy(x);
  first_fails(p, 0, SIM_EFORMAT, "3 bytes of trailing data");
  first_fails(p, 3, SIM_EFORMAT, "3 bytes of trailing data");
  p = tpath("first-magic.gz");
  fx_write_idx(p, 1, 0x802, img, 3, 60);
  first_fails(p, 1, SIM_EFORMAT, "header field 'magic' is 0x00000802");
}

static void test_idx_set(void)
{
  char dir[400];
  snprintf(dir, sizeof dir, "%s/set", tmpdir);
  CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
  char ip[500], lp[500];
  snprintf(ip, sizeof ip, "%s/t10k-images-idx3-ubyte.gz", dir);
  snprintf(lp, sizeof lp, "%s/t10k-labels-idx1-ubyte.gz", dir);
  const uint32_t img[3] = {3, 4, 5};
  fx_write_idx(ip, 1, 0x803, img, 3, 60);
  fx_write_idx(lp, 1, 0x801, (const uint32_t[]){3}, 1, 3);
  io_idx *im = NULL, *lb = NULL;
  int rc = io_idx_load_set(dir, 0, &im, &lb);
  CHECK(rc == 0, "%d %s", rc, sim_error_msg());
  if (!rc)
    CU_ASSERT(im->n == 3 && lb->n == 3 && im->rows == 4 && lb->rows == 1);
  io_idx_destroy(im);
  io_idx_destroy(lb);

  /* count mismatch */
  fx_write_idx(lp, 1, 0x801, (const uint32_t[]){2}, 1, 2);
  rc = io_idx_load_set(dir, 0, &im, &lb);
  CHECK(rc == SIM_EFORMAT && !im && !lb, "mismatch: %d", rc);
  CHECK(strstr(sim_error_msg(), lp) && strstr(sim_error_msg(), ip) &&
            strstr(sim_error_msg(), "'count' is 2 labels, but") &&
            strstr(sim_error_msg(), "holds 3 images"),
        "mismatch: %s", sim_error_msg());

  /* ... also when only the first are read: the headers' counts */
  rc = io_idx_load_set_first(dir, 0, 1, &im, &lb);
  CHECK(rc == SIM_EFORMAT && !im && !lb && strstr(sim_error_msg(), "'count' is 2 labels, but"),
        "mismatch, first 1: %d %s", rc, sim_error_msg());
  fx_write_idx(lp, 1, 0x801, (const uint32_t[]){3}, 1, 3);
  rc = io_idx_load_set_first(dir, 0, 2, &im, &lb);
  CHECK(rc == 0 && im->n == 2 && lb->n == 2 && lb->n_file == 3 && lb->data[1] == 7,
        "first 2: %d %s", rc, sim_error_msg());
  io_idx_destroy(im);
  io_idx_destroy(lb);

  /* labels where the images should be */
  fx_write_idx(ip, 1, 0x801, (const uint32_t[]){2}, 1, 2);
  rc = io_idx_load_set(dir, 0, &im, &lb);
  CHECK(rc == SIM_EFORMAT && !im && !lb, "swapped: %d", rc);
  CHECK(strstr(sim_error_msg(), ip) == sim_error_msg() &&
            strstr(sim_error_msg(), "expected 0x00000803 (images)"),
        "swapped: %s", sim_error_msg());

  /* uncompressed train files (no .gz) are found too */
  snprintf(ip, sizeof ip, "%s/train-images-idx3-ubyte", dir);
  snprintf(lp, sizeof lp, "%s/train-labels-idx1-ubyte", dir);
  fx_write_idx(ip, 0, 0x803, img, 3, 60);
  fx_write_idx(lp, 0, 0x801, (const uint32_t[]){3}, 1, 3);
  rc = io_idx_load_set(dir, 1, &im, &lb);
  CHECK(rc == 0, "plain train set: %d %s", rc, sim_error_msg());
  if (!rc)
    CU_ASSERT(im->n == 3 && lb->n == 3 && lb->data[2] == 14);
  io_idx_destroy(im);
  io_idx_destroy(lb);

  snprintf(ip, sizeof ip, "%s/nothing", tmpdir);
  rc = io_idx_load_set(ip, 0, &im, &lb);
  CHECK(rc == SIM_EIO && !im && !lb, "missing dir: %d", rc);
  CHECK(strstr(sim_error_msg(), "t10k-images-idx3-ubyte.gz") != NULL,
        "missing dir: %s", sim_error_msg());
}

#define FASHION_DIR "/usr/share/datasets/fashion-mnist"

/* The real Fashion-MNIST files: 10000 test and 60000 train images of
   28x28, classes balanced (1000 and 6000 of each of 10, as published). */
static void test_fashion_mnist(void)
{
  if (access(FASHION_DIR, R_OK) != 0) {
    test_skip("%s missing: install dataset-fashion-mnist (make deps)", FASHION_DIR);
    return;
  }
  for (int train = 0; train <= 1; train++) {
    io_idx *im = NULL, *lb = NULL;
    int rc = io_idx_load_set(FASHION_DIR, train, &im, &lb);
    CHECK(rc == 0, "%s set: %d %s", train ? "train" : "test", rc,
          sim_error_msg());
    if (rc)
      continue;
    uint32_t n = train ? 60000 : 10000;
    CU_ASSERT(im->n == n && im->rows == 28 && im->cols == 28);
    CU_ASSERT(lb->n == n && lb->rows == 1 && lb->cols == 1);
    uint32_t hist[256] = {0};
    for (uint32_t i = 0; i < lb->n; i++)
      hist[lb->data[i]]++;
    int balanced = 1;
    for (int c = 0; c < 256; c++)
      balanced &= hist[c] == (c < 10 ? n / 10 : 0);
    CU_ASSERT(balanced);
    CU_ASSERT_EQUAL(lb->data[0], 9); /* both sets open with an ankle boot */
    uint64_t sum0 = 0;
    for (int i = 0; i < 784; i++)
      sum0 += im->data[i];
    CU_ASSERT(sum0 > 0);
    /* The first 1000 alone (what convert calibrates on): the same bytes. */
    io_idx *fi = NULL, *fl = NULL;
    rc = io_idx_load_set_first(FASHION_DIR, train, 1000, &fi, &fl);
    CHECK(rc == 0, "first 1000: %d %s", rc, sim_error_msg());
    if (!rc) {
      CU_ASSERT(fi->n == 1000 && fi->n_file == n && fl->n == 1000);
      CU_ASSERT(memcmp(fi->data, im->data, 1000 * 784) == 0);
      CU_ASSERT(memcmp(fl->data, lb->data, 1000) == 0);
    }
    io_idx_destroy(fi);
    io_idx_destroy(fl);
    io_idx_destroy(im);
    io_idx_destroy(lb);
  }
}
/* ============================================================ register */

int test_idx_register(void)
{
  CU_pSuite s = CU_add_suite("idx", suite_init, suite_clean);
  if (!s)
    return -1;
  if (!CU_add_test(s, "IDX files: good and bad", test_idx) ||
      !CU_add_test(s, "IDX files: the first items only", test_idx_first) ||
      !CU_add_test(s, "IDX sets: pairs, counts, plain names", test_idx_set) ||
      !CU_add_test(s, "the real Fashion-MNIST files", test_fashion_mnist))
    return -1;
  return 0;
}
