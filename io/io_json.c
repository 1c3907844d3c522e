/*
 * io_json.c: io_json.h over jansson.  jansson was chosen over cJSON for
 * three reasons: it refuses what would make invalid JSON instead of
 * writing it (json_real rejects NaN and infinities, json_string rejects
 * invalid UTF-8; cJSON prints NaN as null silently and copies bytes
 * unchecked), its 64-bit integers are exact (cJSON keeps every number as
 * a double, which rounds counts above 2^53), and its allocator hook lets
 * memspike's one out-of-memory policy apply.  Both are in Debian
 * (libjansson-dev 2.14).  The refusals are turned into the documented
 * replacements here: null for a non-finite number, U+FFFD for a byte that
 * is not UTF-8.
 */
#include "io_json.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

#include "../core/sim_alloc.h"
#include "../core/sim_error.h"

#define J(v) ((json_t *)(v))
#define W(v) ((io_json *)(v))

static void *json_alloc(size_t n) { return sim_malloc(n, "JSON document"); }
static void json_release(void *p) { sim_free(p); }

/* Route jansson's allocations through sim_malloc; called by every
   constructor (the first call happens on the main thread, before the
   monitor's server thread starts: io_monitor_start makes a value). */
static void json_init(void)
{
  static int done;
  if (!done) {
    json_set_alloc_funcs(json_alloc, json_release);
    done = 1;
  }
}

io_json *io_json_object(void) { json_init(); return W(json_object()); }
io_json *io_json_array(void) { json_init(); return W(json_array()); }
io_json *io_json_null(void) { json_init(); return W(json_null()); }
io_json *io_json_bool(int b) { json_init(); return W(json_boolean(b)); }
io_json *io_json_int(int64_t x) { json_init(); return W(json_integer((json_int_t)x)); }

io_json *io_json_uint(uint64_t x)
{
  json_init();
  return x <= INT64_MAX ? W(json_integer((json_int_t)x)) : W(json_real((double)x));
}

io_json *io_json_num(double x)
{
  json_init();
  return isfinite(x) ? W(json_real(x)) : W(json_null());
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 (overlong forms,
   surrogates and code points above U+10FFFF are invalid). */
static int utf8_len(const unsigned char *s)
{
  unsigned c = s[0];
  if (c < 0x80)
    return 1;
  int n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  for (int k = 1; k < n; k++)
    if ((s[k] & 0xc0) != 0x80)
      return 0;
  if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) || (c == 0xf0 && s[1] < 0x90) ||
      (c == 0xf4 && s[1] > 0x8f))
    return 0;
  return n;
}

char *io_json_utf8(const char *s)
{
  if (!s)
    s = "";
  size_t n = strlen(s);
  char *buf = sim_malloc(3 * n + 1, "UTF-8 text"), *o = buf;
  for (const unsigned char *p = (const unsigned char *)s; *p;) {
    int k = utf8_len(p);
    if (k) {
      memcpy(o, p, (size_t)k);
      o += k;
      p += k;
    } else {
      memcpy(o, "\xef\xbf\xbd", 3);
      o += 3;
      p++;
    }
  }
  *o = 0;
  return buf;
}

io_json *io_json_str(const char *s)
{
  json_init();
  if (!s)
    return W(json_null());
  json_t *v = json_string(s);
  if (v)
    return W(v);
  /* Not UTF-8 (a Latin-1 name, say): each bad byte becomes U+FFFD. */
  char *buf = io_json_utf8(s);
  v = json_string(buf);
  sim_free(buf);
  return W(v);
}

void io_json_set(io_json *o, const char *key, io_json *v)
{
  json_object_set_new(J(o), key, J(v));
}

void io_json_set_str(io_json *o, const char *key, const char *s)
{
  io_json_set(o, key, io_json_str(s));
}

void io_json_set_num(io_json *o, const char *key, double x)
{
  io_json_set(o, key, io_json_num(x));
}

void io_json_set_int(io_json *o, const char *key, int64_t x)
{
  io_json_set(o, key, io_json_int(x));
}


void io_json_set_uint(io_json *o, const char *key, uint64_t x)
{
  io_json_set(o, key, io_json_uint(x));
}
void io_json_push(io_json *a, io_json *v) { json_array_append_new(J(a), J(v)); }

io_json *io_json_nums(const double *x, size_t n)
{
  io_json *a = io_json_array();
  for (size_t k = 0; k < n; k++)
    io_json_push(a, io_json_num(x[k]));
  return a;
}

#define DUMP_FLAGS (JSON_REAL_PRECISION(15) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY)

int io_json_write(const io_json *v, FILE *out, const char *path)
{
  if (json_dumpf(J(v), out, DUMP_FLAGS) != 0 || fputc('\n', out) == EOF)
    return sim_error_set(SIM_EIO, "cannot write JSON to %s", path ? path : "(stream)");
  return 0;
}

char *io_json_dump(const io_json *v, size_t *len)
{
  char *s = json_dumps(J(v), DUMP_FLAGS);
  if (len)
    *len = s ? strlen(s) : 0;
  return s;
}

void io_json_destroy(io_json *v)
{
  if (v)
    json_decref(J(v));
}
