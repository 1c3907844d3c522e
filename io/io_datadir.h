/*
 * io_datadir.h: where memspike's shipped data (device presets, energy
 * constants, models, configs) is found at run time, so that the binary
 * works outside the source tree.  Data directories mirror the source
 * tree's layout (configs/devices/, configs/energy/, ...); `make install`
 * copies that layout to $(PREFIX)/share/memspike, the compiled-in
 * MEMSPIKE_DATADIR.
 */
#ifndef IO_DATADIR_H
#define IO_DATADIR_H

#include <stddef.h>

/* The i-th data directory (i = 0, 1, ...), in search order:
     0  $MEMSPIKE_DATADIR, when set and not empty (an explicit choice wins)
     1  "." (the source tree when run from its root, as before installs)
     2  the source tree of the running binary: the parent of the directory
        holding it (build/memspike -> the checkout), when that holds
        configs/ (Linux: from /proc/self/exe)
     3  the compiled-in MEMSPIKE_DATADIR ($(PREFIX)/share/memspike)
   Writes the directory to out and returns 1; returns 0 when i is past the
   last one.  Entries that do not apply (unset variable, no source tree)
   are skipped, so indices are dense. */
int io_datadir_get(int i, char *out, size_t n);

/* The first DIR/rel (rel relative to a data directory, e.g.
   "configs/energy/default.ini") that exists; when none does, the path
   under the compiled-in MEMSPIKE_DATADIR, so that the reader's error names
   where the file was expected.  Borrowed: valid until the program exits
   (paths are kept in a small table, one entry per distinct rel). */
const char *io_datadir_file(const char *rel);

/* The compiled-in data directory (MEMSPIKE_DATADIR). */
const char *io_datadir_installed(void);

#endif
