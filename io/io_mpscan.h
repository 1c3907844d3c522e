/*
 * io_mpscan.h: the head of one msgpack value, decoded without building it,
 * for the readers that check where a value ends before msgpack-c sees it
 * (event logs, model files): a cut file or a corrupt length is then a
 * message, never an allocation of gigabytes.
 */
#ifndef IO_MPSCAN_H
#define IO_MPSCAN_H

#include <stddef.h>
#include <stdint.h>

enum { IO_MP_OK = 0, IO_MP_CUT = 1, IO_MP_BAD = -1 };

/* Decode the head of the value at p[0..avail): its type byte and any
   length field.  IO_MP_OK: *head = bytes of the head, *skip = payload bytes
   after it (strings, binary, numbers, ext), *count = values it contains
   (array items, map keys + values).  IO_MP_CUT: the head needs *head bytes
   and avail is less.  IO_MP_BAD: the never-used byte 0xc1.  avail >= 1. */
int io_mp_head(const unsigned char *p, size_t avail, size_t *head, uint64_t *skip,
               uint64_t *count);

#endif
