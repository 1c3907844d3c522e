/*
 * io_file.h: a whole file into memory, for every reader that parses from
 * a buffer (configs, device presets, energy constants, models), with one
 * set of error messages.
 */
#ifndef IO_FILE_H
#define IO_FILE_H

#include <stddef.h>
#include <stdio.h>

/* Read f (opened from path) to its end into *buf (caller frees with
   sim_free; one spare byte after the data) and *len, then close f.  what
   names the file's role in messages ("config", "device preset").  max:
   refuse a file larger than this many bytes (0: no limit).  Returns 0,
   SIM_EIO (a read error: path, bytes read, the system's reason) or
   SIM_EFORMAT (larger than max). */
int io_file_slurp(FILE *f, const char *path, const char *what, size_t max, char **buf,
                  size_t *len);
/* Open path and io_file_slurp it; SIM_EIO "PATH: cannot open WHAT: reason"
   when it cannot be opened. */
int io_file_read(const char *path, const char *what, size_t max, char **buf, size_t *len);

#endif
