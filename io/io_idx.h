/*
 * io_idx.h: IDX data sets (MNIST and Fashion-MNIST, gzip-compressed or
 * plain), the images and labels that convert calibrates and tests on.
 */
#ifndef IO_IDX_H
#define IO_IDX_H

#include <stdint.h>

/* An IDX file (gzip or plain): images [n][rows][cols] of uint8, or labels
   [n] of uint8. */
typedef struct io_idx {
  uint32_t n, rows, cols;   /* rows = cols = 1 for labels; n items read */
  uint32_t n_file;          /* items the header announces (n < n_file when
                               only the first were read) */
  uint8_t *data;            /* owned, n * rows * cols */
} io_idx;

/* Read an IDX file (magic 0x00000803 images or 0x00000801 labels), via
   zlib.  Errors name the file and what is wrong (SIM_EFORMAT, SIM_EIO). */
int io_idx_load(const char *path, io_idx **out /* OUT */);
/* The same, reading only the first max items (0: all): the rest of the
   file is neither inflated nor checked (its length, trailing data). */
int io_idx_load_first(const char *path, uint32_t max, io_idx **out /* OUT */);
void io_idx_destroy(io_idx *x);

/* Load DIR/t10k-images-idx3-ubyte.gz and DIR/t10k-labels-idx1-ubyte.gz
   (train = 0) or the train-* pair (train = 1), checking that the first
   holds images, the second labels, and the counts agree.  A name without
   ".gz" is used when only that file exists.  On failure both are NULL. */
int io_idx_load_set(const char *dir, int train, io_idx **images, io_idx **labels);
/* The same, reading only the first max images and labels (0: all); the
   counts are checked as the headers announce them. */
int io_idx_load_set_first(const char *dir, int train, uint32_t max, io_idx **images,
                          io_idx **labels);

#endif
