/*
 * io_mpscan.c: msgpack value heads (io_mpscan.h), per the msgpack spec's
 * format table.
 */
#include "io_mpscan.h"

#include <string.h>

int io_mp_head(const unsigned char *p, size_t avail, size_t *head, uint64_t *skip,
               uint64_t *count)
{
  const unsigned b = p[0];
  int lenb = 0;  /* bytes of a big-endian length field after the type byte */
  int kind = 0;  /* what that length counts: 1 bytes, 2 map pairs, 3 items */
  int extra = 0; /* fixed bytes after the length field (the ext type) */
  *head = 1;
  *skip = *count = 0;
  if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
    return IO_MP_OK; /* fixints, nil, booleans */
  if (b <= 0x8f) {
    *count = 2u * (b & 0x0f); /* fixmap */
    return IO_MP_OK;
  }
  if (b <= 0x9f) {
    *count = b & 0x0f; /* fixarray */
    return IO_MP_OK;
  }
  if (b <= 0xbf) {
    *skip = b & 0x1f; /* fixstr */
    return IO_MP_OK;
  }
  switch (b) {
  case 0xc4: case 0xd9: lenb = 1; kind = 1; break;
  case 0xc5: case 0xda: lenb = 2; kind = 1; break;
  case 0xc6: case 0xdb: lenb = 4; kind = 1; break;
  case 0xc7: lenb = 1; kind = 1; extra = 1; break;
  case 0xc8: lenb = 2; kind = 1; extra = 1; break;
  case 0xc9: lenb = 4; kind = 1; extra = 1; break;
  case 0xcc: case 0xd0: *skip = 1; return IO_MP_OK;
  case 0xcd: case 0xd1: case 0xd4: *skip = 2; return IO_MP_OK;
  case 0xd5: *skip = 3; return IO_MP_OK;
  case 0xca: case 0xce: case 0xd2: *skip = 4; return IO_MP_OK;
  case 0xd6: *skip = 5; return IO_MP_OK;
  case 0xcb: case 0xcf: case 0xd3: *skip = 8; return IO_MP_OK;
  case 0xd7: *skip = 9; return IO_MP_OK;
  case 0xd8: *skip = 17; return IO_MP_OK;
  case 0xdc: lenb = 2; kind = 3; break;
  case 0xdd: lenb = 4; kind = 3; break;
  case 0xde: lenb = 2; kind = 2; break;
  case 0xdf: lenb = 4; kind = 2; break;
  default: return IO_MP_BAD; /* 0xc1 */
  }
  *head = 1 + (size_t)lenb;
  if (*head > avail)
    return IO_MP_CUT;
  uint64_t l = 0;
  for (int k = 1; k <= lenb; k++)
    l = (l << 8) | p[k];
  if (kind == 1)
    *skip = l + (uint64_t)extra;
  else
    *count = kind == 2 ? 2 * l : l;
  return IO_MP_OK;
}

int io_mp_str_is(const msgpack_object *o, const char *s)
{
  size_t n = strlen(s);
  return o->type == MSGPACK_OBJECT_STR && o->via.str.size == n &&
         memcmp(o->via.str.ptr, s, n) == 0;
}

const msgpack_object *io_mp_map_get(const msgpack_object *map, const char *key)
{
  for (uint32_t i = 0; i < map->via.map.size; i++)
    if (io_mp_str_is(&map->via.map.ptr[i].key, key))
      return &map->via.map.ptr[i].val;
  return NULL;
}

int io_mp_number(const msgpack_object *o, double *v)
{
  switch (o->type) {
  case MSGPACK_OBJECT_FLOAT32:
  case MSGPACK_OBJECT_FLOAT64: *v = o->via.f64; return 1;
  case MSGPACK_OBJECT_POSITIVE_INTEGER: *v = (double)o->via.u64; return 1;
  case MSGPACK_OBJECT_NEGATIVE_INTEGER: *v = (double)o->via.i64; return 1;
  default: return 0;
  }
}

const char *io_mp_type_name(msgpack_object_type t)
{
  switch (t) {
  case MSGPACK_OBJECT_NIL: return "nil";
  case MSGPACK_OBJECT_BOOLEAN: return "a boolean";
  case MSGPACK_OBJECT_POSITIVE_INTEGER: return "an integer";
  case MSGPACK_OBJECT_NEGATIVE_INTEGER: return "a negative integer";
  case MSGPACK_OBJECT_FLOAT32:
  case MSGPACK_OBJECT_FLOAT64: return "a float";
  case MSGPACK_OBJECT_STR: return "a string";
  case MSGPACK_OBJECT_ARRAY: return "an array";
  case MSGPACK_OBJECT_MAP: return "a map";
  case MSGPACK_OBJECT_BIN: return "binary data";
  case MSGPACK_OBJECT_EXT: return "an extension value";
  }
  return "an unknown value";
}
