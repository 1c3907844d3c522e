/*
 * fuzz_common.h: what the libFuzzer harnesses share.  Every reader of
 * memspike takes a path, so each input is written to one file in a private
 * temporary directory (under /dev/shm when there is one: no disk traffic)
 * and the reader is called on it.  Static functions only: each harness is
 * one translation unit.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fz_dir[64];

/* The harness's directory (made once; removed at exit). */
static const char *fz_tmpdir(void);

static void fz_cleanup(void)
{
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", fz_dir);
  if (fz_dir[0] && system(cmd) != 0)
    fprintf(stderr, "fuzz: cannot remove %s\n", fz_dir);
}

static const char *fz_tmpdir(void)
{
  if (!fz_dir[0]) {
    snprintf(fz_dir, sizeof fz_dir, "%s/memspike-fuzz-XXXXXX",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    if (!mkdtemp(fz_dir)) {
      perror("fuzz: mkdtemp");
      abort();
    }
    atexit(fz_cleanup);
  }
  return fz_dir;
}

/* Write the input to fz_dir/name; returns the path (static buffer). */
static const char *fz_write(const uint8_t *data, size_t size, const char *name)
{
  static char path[160];
  snprintf(path, sizeof path, "%s/%s", fz_tmpdir(), name);
  FILE *f = fopen(path, "wb");
  if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
    perror(path);
    abort();
  }
  return path;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
