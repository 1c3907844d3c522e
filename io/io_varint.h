/*
 * io_varint.h: unsigned LEB128 varints, as the event log's packed spike
 * blocks (code 6, docs/log-format.md) hold them: 7 bits per byte, low
 * group first, the high bit set on every byte but the last.  The writer
 * emits the shortest form; a value of 64 bits takes at most 10 bytes.
 */
#ifndef IO_VARINT_H
#define IO_VARINT_H

#include <stddef.h>
#include <stdint.h>

#define IO_VARINT_MAX 10 /* bytes of the longest varint (a 64-bit value) */

/* Write v at p (room for IO_VARINT_MAX bytes); returns the bytes written. */
static inline size_t io_varint_put(unsigned char *p, uint64_t v)
{
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = (unsigned char)(v | 0x80);
    v >>= 7;
  }
  p[n++] = (unsigned char)v;
  return n;
}

/* Read one varint from p[0..n): returns the bytes it took (1..10) and *v,
   or 0 when the bytes end inside it, it runs over 10 bytes, or its value
   does not fit in 64 bits (a 10th byte above 1). */
static inline size_t io_varint_get(const unsigned char *p, size_t n,
                                   uint64_t *v)
{
  uint64_t x = 0;
  for (size_t i = 0; i < n && i < IO_VARINT_MAX; i++) {
    uint64_t b = p[i];
    if (i == IO_VARINT_MAX - 1 && b > 1)
      return 0;
    x |= (b & 0x7f) << (7 * i);
    if (!(b & 0x80)) {
      *v = x;
      return i + 1;
    }
  }
  return 0;
}

#endif
