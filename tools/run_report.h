/*
 * run_report.h: the two formats of `memspike run`'s end-of-run summary.
 * Both only format a run_stats (tools/run_stats.h); neither computes,
 * reduces or talks to other ranks, so rank 0 alone calls them.
 */
#ifndef RUN_REPORT_H
#define RUN_REPORT_H

#include <stdio.h>

#include "../io/io_json.h"
#include "run_stats.h"

/* The human-readable summary (a blank line first; the per-rank load table
   when rs->ranks > 1). */
void run_report_text(const run_stats *rs, FILE *out);

/* The same as one JSON object and a newline (docs: README "--json FILE"),
   written with io/io_json.h (names escaped, non-finite numbers null).
   Returns 0 or SIM_EIO naming path. */
int run_report_json(const run_stats *rs, FILE *out, const char *path);
/* That object as a document (caller owns; free with io_json_destroy). */
io_json *run_report_json_doc(const run_stats *rs);

#endif
