/*
 * io_ini.c: the project's INI dialect on Debian's libinih (io_ini.h).
 */
#include "io_ini.h"

#include <ini.h>
#include <stdbool.h>
#include <string.h>

#include "../core/sim_error.h"

int io_ini_parse(io_ini_reader reader, void *stream, io_ini_handler handler, void *user,
                 int max_line, int stop_first)
{
  static char inline_prefix[] = ";", start_prefix[] = ";#";
  bool multiline = ini_allow_multiline, stack = ini_use_stack;
  bool grow = ini_allow_realloc, inl = ini_allow_inline_comments;
  bool noval = ini_allow_no_value, stop = ini_stop_on_first_error;
  int old_max = ini_max_line, init_alloc = ini_initial_alloc;
  char *inl_p = ini_inline_comment_prefixes, *start_p = ini_start_comment_prefixes;
  ini_allow_multiline = false;
  ini_use_stack = false;
  ini_allow_realloc = false;
  ini_max_line = ini_initial_alloc = max_line;
  ini_allow_inline_comments = true;
  ini_inline_comment_prefixes = inline_prefix;
  ini_start_comment_prefixes = start_prefix;
  ini_allow_no_value = false;
  ini_stop_on_first_error = stop_first != 0;
  int r = ini_parse_stream(reader, stream, handler, user);
  ini_allow_multiline = multiline;
  ini_use_stack = stack;
  ini_allow_realloc = grow;
  ini_allow_inline_comments = inl;
  ini_allow_no_value = noval;
  ini_stop_on_first_error = stop;
  ini_max_line = old_max;
  ini_initial_alloc = init_alloc;
  ini_inline_comment_prefixes = inl_p;
  ini_start_comment_prefixes = start_p;
  return r;
}

const char *io_ini_next_line(io_ini_lines *l, char *str, int num)
{
  if (l->pos >= l->len || num < 2)
    return NULL;
  const char *p = l->buf + l->pos;
  size_t rest = l->len - l->pos;
  const char *nl = memchr(p, '\n', rest);
  size_t len = nl ? (size_t)(nl - p) + 1 : rest;
  l->pos += len;
  l->line++;
  if (memchr(p, '\0', len) && !l->nul_line)
    l->nul_line = l->line;
  if (len > (size_t)num - 1) {
    if (!l->long_line)
      l->long_line = l->line;
    len = (size_t)num - 1;
  }
  memcpy(str, p, len);
  str[len] = '\0';
  const char *t = str;
  if (l->line == 1 && strncmp(t, "\xEF\xBB\xBF", 3) == 0)
    t += 3;
  while (*t == ' ' || *t == '\t' || *t == '\r' || *t == '\f' || *t == '\v')
    t++;
  return t;
}

int io_ini_first(const int *cand, int n, int *line)
{
  int which = -1;
  *line = 0;
  for (int i = 0; i < n; i++)
    if (cand[i] && (!*line || cand[i] < *line)) {
      *line = cand[i];
      which = i;
    }
  return which;
}

int io_ini_fail_text(const char *path, int which, int line, int max_line)
{
  if (which == 0)
    return sim_error_set(SIM_ECONFIG, "%s:%d: NUL byte in line: expected a text file", path,
                         line);
  return sim_error_set(SIM_ECONFIG, "%s:%d: line longer than %d bytes: expected shorter lines",
                       path, line, max_line - 2);
}
