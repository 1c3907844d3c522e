/*
 * io_ini.h: libinih with memspike's INI dialect, for every INI reader of
 * the project (configs, device presets, energy constants), so that only
 * io/ includes <ini.h>.
 */
#ifndef IO_INI_H
#define IO_INI_H

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
