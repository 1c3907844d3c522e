/*
 * io_source.h: the registry of spike sources that live in io/ because they
 * read files (log_source replays an event log).  The kernel's contract is
 * core/sim_source.h; neurons/ keeps the sources that need no file
 * (nrn_source.h) and cannot see io/, so the config reader looks a model
 * name up in neurons/'s registries first, then here.  Adding one is one
 * file in io/ plus one line in io_source.c.
 */
#ifndef IO_SOURCE_H
#define IO_SOURCE_H

#include "../core/sim_source.h"

extern const sim_source_ops io_log_source_ops; /* io_log_source.c */

/* Source by config name, or NULL. */
const sim_source_ops *io_source_find(const char *name);
/* Comma-separated list of the known names (static buffer). */
const char *io_source_names(void);

#endif
