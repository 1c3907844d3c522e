/*
 * io_mpscan.h: what the msgpack readers (event logs, model files) share:
 * the head of one value, decoded without building it, so that they can
 * check where a value ends before msgpack-c sees it (a cut file or a
 * corrupt length is then a message, never an allocation of gigabytes);
 * and small accessors of built objects.
 */
#ifndef IO_MPSCAN_H
#define IO_MPSCAN_H

#include <msgpack.h>
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

/* Reading built msgpack objects. */
/* o is the string s. */
int io_mp_str_is(const msgpack_object *o, const char *s);
/* The value of key in map (a MAP object), or NULL. */
const msgpack_object *io_mp_map_get(const msgpack_object *map, const char *key);
/* "a string", "an integer", ...: a type for messages. */
const char *io_mp_type_name(msgpack_object_type t);
/* o as a number (float or integer): 1 and *v, or 0. */
int io_mp_number(const msgpack_object *o, double *v);

#endif
