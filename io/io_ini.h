/*
 * io_ini.h: libinih with memspike's INI dialect, for every INI reader of
 * the project (configs, device presets, energy constants), so that only
 * io/ includes <ini.h>.
 */
#ifndef IO_INI_H
#define IO_INI_H

#include <stddef.h>

/* A file held in memory, handed to libinih one line per reader call, so
   that handlers know each entry's line. */
typedef struct io_ini_lines {
  const char *buf; /* borrowed: the whole file */
  size_t len, pos; /* its length; next byte to hand out */
  int line;        /* line last handed out (1-based) */
  int long_line;   /* first line longer than the reader's buffer, or 0 */
  int nul_line;    /* first line holding a NUL byte, or 0 */
} io_ini_lines;

/* The reader's common part: copy the next line into str (num bytes; a
   longer line is cut and noted in long_line, the rest of it skipped so that
   line numbers stay right), count it, note NUL bytes.  Returns the line as
   libinih will parse it (past a UTF-8 BOM on line 1 and leading blanks),
   or NULL at the end. */
const char *io_ini_next_line(io_ini_lines *l, char *str, int num);

/* The first problem of a parse, for one error ranking in every reader:
   cand[i] is the line of the i-th kind of problem (0: none), the reader's
   own kinds first (cand[0] its NUL-byte line, cand[1] its over-long line),
   then the caller's, in their order of preference on the same line.
   Returns the index of the earliest, or -1 when there is none; *line gets
   its line. */
int io_ini_first(const int *cand, int n, int *line /* OUT */);

/* The failure for cand[0] or cand[1] of io_ini_first (which 0: a NUL byte,
   1: a line longer than max_line - 2 bytes), naming path and line. */
int io_ini_fail_text(const char *path, int which, int line, int max_line);

/* Same shapes as libinih's ini_reader and ini_handler. */
typedef char *(*io_ini_reader)(char *str, int num, void *stream);
typedef int (*io_ini_handler)(void *user, const char *section, const char *name,
                              const char *value);

/* ini_parse_stream with the dialect: no multi-line values (an indented
   key would otherwise continue the previous value), a heap line buffer of
   max_line bytes, ';' inline and ';'/'#' line comments, keys need values;
   stop_first: stop at the first handler error.  libinih's options are
   process-wide run-time variables in Debian's build: they are put back as
   they were.  Returns what ini_parse_stream returns. */
int io_ini_parse(io_ini_reader reader, void *stream, io_ini_handler handler, void *user,
                 int max_line, int stop_first);

#endif
